"""Messages that state a count agree with it: "1 item", "2 items", never "1 items" (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import (
    Capabilities,
    Capability,
    Location,
    Pass,
    Provider,
    ValidationError,
    native,
    register_provider,
    unregister_provider,
)
from walletpass.messages import describe, quantity
from walletpass.retry import Safety
from walletpass.transport import VendorRequest


@given(st.integers(min_value=0, max_value=10**6))
def test_a_quantity_is_singular_exactly_when_it_is_one(count: int) -> None:
    words = quantity(count, "item")
    assert words == (f"{count} item" if count == 1 else f"{count} items")
    assert quantity(count, "entry", "entries").endswith("entry" if count == 1 else "entries")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "too_long", "ctx": {"max_length": 1, "actual_length": 2}}, "at most 1 item, "),
        ({"type": "too_short", "ctx": {"min_length": 1}}, "must have at least 1 item"),
        ({"type": "too_long", "ctx": {"max_length": 3}}, "must have at most 3 items"),
        ({"type": "string_too_long", "ctx": {"max_length": 1}, "input": "ab"}, "1 character, "),
        ({"type": "string_too_short", "ctx": {"min_length": 2}, "input": "a"}, "2 characters, "),
    ],
)
def test_pydantic_counts_are_worded_in_agreement(error: dict[str, object], expected: str) -> None:
    assert expected in describe(error)


class OneSpot(Provider):
    """A vendor that takes a single location."""

    name: ClassVar[str] = "onespot"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /passes"),
            Capability.KIND_GENERIC: native("generic"),
            Capability.LOCATIONS: native("locations", limit=1),
        }
    )

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "passes", Safety.UNSAFE, json={})


@pytest.fixture
def onespot() -> Iterator[str]:
    register_provider(OneSpot.name, OneSpot)
    yield OneSpot.name
    unregister_provider(OneSpot.name)


def test_a_declared_limit_of_one_reads_one_item(onespot: str) -> None:
    spots = [Location(latitude=1, longitude=i) for i in range(2)]
    with (
        walletpass.connect("fake", profile=onespot) as wallet,
        pytest.raises(ValidationError) as caught,
    ):
        wallet.create(Pass(template="t", locations=spots))
    assert [(p.location, p.message) for p in caught.value.problems] == [
        ("locations", "fake(profile=onespot) allows at most 1 item, got 2 items")
    ]
