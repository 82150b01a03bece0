"""What crosses the broker survives it: a pass a chunk task carries is rebuilt by the worker as
the producer made it (what was set and what was left to defaults), and each item's outcome,
rebuilt by the producer, says what the worker's said (no services needed: this is the JSON round
trip)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("celery")

import walletpass
from walletpass import errors
from walletpass.celery import _as_payload, _item_from_payload, _item_payload
from walletpass.model import (
    Barcode,
    BarcodeFormat,
    BulkItem,
    Colors,
    Holder,
    IssuedPass,
    Pass,
    PassKind,
    PassStatus,
)

from .strategies import maybe

ERROR_TYPES = [
    errors.WalletPassError,
    errors.ProviderUnavailable,
    errors.RateLimited,
    errors.OutcomeUnknown,
    errors.Conflict,
    errors.ValidationError,
    errors.NotFound,
    errors.UnsupportedFeature,
    errors.UnsupportedOperation,
    errors.RedirectNotFollowed,
]

#: What each error carries beside its message and flags: everything an application can read
#: from a create_many item's error, so an item from a worker must carry it too.
ATTRIBUTES = (
    "provider",
    "operation",
    "status",
    "code",
    "request_id",
    "details",
    "retry_after",
    "problems",
    "features",
    "alternative",
    "location",
)

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
def passes(draw: st.DrawFn) -> Pass:
    """Passes whose defaulted parts (kind, barcode format, colors) are set or left out."""
    data: dict[str, Any] = {"template": draw(ids)}
    maybe(draw, "kind", st.sampled_from(list(PassKind)), data)
    maybe(draw, "external_id", ids.map(str.strip).filter(bool), data)
    if draw(st.booleans()):
        barcode: dict[str, Any] = {"message": draw(st.text("ABC123-", min_size=1, max_size=20))}
        maybe(draw, "format", st.sampled_from(list(BarcodeFormat)), barcode)
        maybe(draw, "alt_text", st.none() | texts, barcode)
        data["barcode"] = Barcode(**barcode)
    if draw(st.booleans()):
        holder: dict[str, Any] = {}
        maybe(draw, "name", st.none() | texts.map(str.strip).filter(bool), holder)
        maybe(draw, "language", st.none() | st.sampled_from(["en", "fr-CA"]), holder)
        data["holder"] = Holder(**holder)
    if draw(st.booleans()):
        data["colors"] = Colors()
    maybe(
        draw,
        "fields",
        st.none() | st.dictionaries(st.sampled_from("abc"), st.integers(-(2**53) + 1, 2**53 - 1)),
        data,
    )
    return Pass(**data)


@settings(deadline=None)
@given(passes())
def test_a_pass_crosses_the_broker_as_it_was_made(new_pass: Pass) -> None:
    wire = json.loads(json.dumps(_as_payload(new_pass)))  # Celery's JSON serializer

    back = Pass.model_validate(wire)  # as the worker's create_many reads it

    assert back == new_pass
    # what was set stays set and what was left to a default stays left (a Barcode format left
    # out means "the template's symbology"; written out it would ask for QR)
    assert back.model_dump(exclude_unset=True) == new_pass.model_dump(exclude_unset=True)


def test_a_barcode_format_left_out_stays_left_out() -> None:
    new_pass = Pass(template="1919", barcode=Barcode(message="M-1"))

    assert _as_payload(new_pass) == {"template": "1919", "barcode": {"message": "M-1"}}


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
    extra: dict[str, Any] = {}
    if cls is errors.ValidationError:
        problems = st.builds(errors.FieldProblem, texts, texts)
        extra["problems"] = draw(st.lists(problems, max_size=3))
    elif cls is errors.UnsupportedFeature:
        extra["features"] = draw(st.lists(texts, max_size=3))
    elif cls is errors.UnsupportedOperation:
        extra["alternative"] = draw(st.none() | texts)
    elif cls is errors.RedirectNotFollowed:
        extra["location"] = draw(st.none() | texts)
    error = cls(
        draw(texts),
        provider="pass2u",
        operation=draw(st.sampled_from(["create", "find_by_external_id"])),
        status=draw(st.none() | st.integers(400, 599)),
        code=draw(st.none() | texts),
        request_id=draw(st.none() | texts),
        details=draw(st.none() | st.dictionaries(texts, st.integers() | texts, max_size=3)),
        retry_after=draw(st.none() | st.floats(0, 60)),
        retryable=draw(st.booleans()),
        outcome_unknown=draw(st.booleans()),
        **extra,
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
        for name in ATTRIBUTES:  # a refused row's field problems above all
            assert _readable(getattr(back.error, name, None)) == _readable(
                getattr(item.error, name, None)
            ), name


def _readable(value: Any) -> Any:
    if isinstance(value, tuple) and value and isinstance(value[0], errors.FieldProblem):
        return [(problem.location, problem.message) for problem in value]
    return value


def test_an_unknown_error_type_comes_back_as_the_root_error() -> None:
    wire = {"index": 3, "error": {"type": "KeyError", "message": "boom", "retryable": True}}

    back = _item_from_payload(wire)

    assert type(back.error) is errors.WalletPassError
    assert back.error.retryable and back.error.message == "boom"


def test_a_chunk_whose_journal_failed_reports_what_happened_and_what_was_not_attempted() -> None:
    from walletpass.celery import stopped_chunk_items
    from walletpass.model import BulkResult

    issued_pass = IssuedPass(id="p-1", vendor_id="p-1", provider="passentry")
    done = [BulkItem(index=10, external_id="a", issued=issued_pass)]
    late = BulkItem(index=11, external_id="b", issued=issued_pass.model_copy(update={"id": "p-2"}))
    error = errors.JournalError(
        "bulk journal x: the database failed (OperationalError); run again",
        provider="passentry",
        result=BulkResult(items=done),
        unrecorded=[late],
    )

    items = stopped_chunk_items(10, 4, error)

    assert [item.index for item in items] == [10, 11, 12, 13]
    assert items[0].issued is not None and items[0].issued.id == "p-1"
    assert items[1].issued is not None and items[1].issued.id == "p-2"
    for item in items[2:]:
        assert isinstance(item.error, errors.JournalError)
        assert item.error.retryable and not item.error.outcome_unknown
        assert "not attempted" in str(item.error) and "database failed" in str(item.error)
    # and each crosses the broker as it is
    assert _item_from_payload(json.loads(json.dumps(_item_payload(items[2])))).error is not None


@pytest.mark.parametrize("run", ["", "season\x002027"])
def test_a_run_name_no_worker_could_open_is_refused_before_anything_is_submitted(run: str) -> None:
    """PostgreSQL text holds no NUL: such a run failed every chunk on every worker, retryably,
    so each re-submission failed the same way."""
    from celery import Celery

    from walletpass.celery import CeleryIssuer

    app = Celery("refusing", broker="memory://", backend="cache+memory://")
    issuer = CeleryIssuer(
        app,
        connect=lambda: walletpass.connect("fake"),
        database="postgresql://127.0.0.1:9/x",
    )
    with pytest.raises(errors.ValidationError) as refused:
        issuer.issue_many([Pass(template="t")], run=run)
    assert refused.value.problems[0].location == "run"
