"""The wire check runs once per part of a model: on the input, then only on what validation
converted or built. What validation made from text (numbers, dates) or from mappings (nested
models) is still refused by field path, whichever constructor is used."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import Holder, Pass
from walletpass.errors import ValidationError

#: Text a Decimal field reads as a number no JSON double keeps exactly (or at all).
unsendable_number_text = st.one_of(
    st.integers(min_value=310, max_value=10**6).map(lambda e: f"1e{e}"),
    st.integers(min_value=17, max_value=40).map(lambda digits: "0." + "1" * digits + "3"),
)
#: ISO text of an aware datetime that cannot be written in UTC.
overflowing_text = st.integers(min_value=1, max_value=23).map(
    lambda h: datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=h))).isoformat()
)


def _refused(build: Any, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()
    assert [problem.location for problem in caught.value.problems] == [where]


@given(unsendable_number_text)
def test_text_the_model_reads_as_a_number_is_checked_as_that_number(text: str) -> None:
    data = {"template": "t", "balance": {"amount": text}}
    _refused(lambda: Pass(**data), "balance.amount")
    _refused(lambda: Pass.model_validate(data), "balance.amount")


@given(overflowing_text)
def test_text_the_model_reads_as_a_datetime_is_checked_as_that_datetime(text: str) -> None:
    data = {"template": "t", "expires_at": text}
    _refused(lambda: Pass(**data), "expires_at")
    _refused(lambda: Pass.model_validate(data), "expires_at")


@given(st.sampled_from(["\ud800", "a\udfffb"]))
def test_a_nested_model_given_as_a_mapping_or_a_model_is_checked(text: str) -> None:
    _refused(lambda: Pass(template="t", holder={"name": text}), "holder.name")
    _refused(
        lambda: Pass.model_validate({"template": "t", "holder": {"name": text}}), "holder.name"
    )
    _refused(lambda: Holder(name=text), "name")


def test_values_kept_as_given_are_not_changed_by_the_check() -> None:
    holder = Holder(name="Ada")
    fields = {"points": Decimal("12.5"), "name": "Ada"}
    new_pass = Pass(template="t", holder=holder, fields=fields)
    assert new_pass.holder is holder
    assert new_pass.fields == fields
