"""What a Celery chunk task returns survives the broker: each item's outcome, rebuilt by the
producer, says what the worker's said (no services needed: this is the JSON round trip)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("celery")

from walletpass import errors
from walletpass.celery import _item_from_payload, _item_payload
from walletpass.model import BulkItem, IssuedPass, PassStatus

ERROR_TYPES = [
    errors.WalletPassError,
    errors.ProviderUnavailable,
    errors.RateLimited,
    errors.OutcomeUnknown,
    errors.Conflict,
    errors.ValidationError,
    errors.NotFound,
]

texts = st.text(min_size=1, max_size=40)
#: Pass ids as the model accepts them: no control, format or surrogate characters.
ids = st.text(
    st.characters(exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), min_size=1, max_size=40
)


@st.composite
def issued(draw: st.DrawFn) -> IssuedPass:
    return IssuedPass(
        id=draw(ids),
        vendor_id=draw(ids),
        provider="pass2u",
        external_id=draw(st.none() | texts),
        status=draw(st.sampled_from(list(PassStatus))),
        created_at=draw(
            st.none()
            | st.datetimes(
                min_value=datetime(2000, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.just(UTC),
            )
        ),
        fields=draw(st.dictionaries(texts, st.integers() | texts, max_size=3)),
    )


@st.composite
def items(draw: st.DrawFn) -> BulkItem:
    index = draw(st.integers(min_value=0, max_value=10**9))
    external_id = draw(st.none() | texts)
    skipped = draw(st.booleans())
    if draw(st.booleans()):
        return BulkItem(
            index=index, external_id=external_id, issued=draw(issued()), skipped=skipped
        )
    cls = draw(st.sampled_from(ERROR_TYPES))
    error = cls(
        draw(texts),
        provider="pass2u",
        retryable=draw(st.booleans()),
        outcome_unknown=draw(st.booleans()),
    )
    return BulkItem(index=index, external_id=external_id, error=error, skipped=skipped)


@settings(deadline=None)  # the first example builds the pydantic models
@given(items())
def test_an_item_outcome_crosses_the_broker_unchanged(item: BulkItem) -> None:
    wire = json.loads(json.dumps(_item_payload(item)))  # Celery's JSON serializer

    back = _item_from_payload(wire)

    assert (back.index, back.external_id, back.skipped, back.ok) == (
        item.index,
        item.external_id,
        item.skipped,
        item.ok,
    )
    if item.issued is not None:
        assert back.issued == item.issued
    else:
        assert type(back.error) is type(item.error)
        assert str(back.error.message) == item.error.message
        assert back.error.retryable == item.error.retryable
        assert back.error.outcome_unknown == item.error.outcome_unknown
        assert isinstance(back.error, errors.WalletPassError)


def test_an_unknown_error_type_comes_back_as_the_root_error() -> None:
    wire = {"index": 3, "error": {"type": "KeyError", "message": "boom", "retryable": True}}

    back = _item_from_payload(wire)

    assert type(back.error) is errors.WalletPassError
    assert back.error.retryable and back.error.message == "boom"
