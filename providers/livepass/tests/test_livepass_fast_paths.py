"""The per-call fast paths of the LivePass provider give exactly what the general paths give.

A create's body is written in the documented order as it is made (the general path lays the
values over a skeleton and sorts the keys into that order); dates and times are rendered from
remembered texts; an answer's holder and barcode go to the pass's validation as mappings where
their field rules cannot refuse them; an update's merge reads what it clears from
``changed()`` and lays the pass read over its skeleton whole; a body's keys are put in order
through slots; what a type cannot carry is looked for in a new pass's values alone; a body's
check tests a text first where a text is its only rule. Hypothesis compares each with the
general path over generated inputs: every attribute set, cleared or not, ``fields`` and
``extra`` with documented and undocumented keys, values LivePass has no form for, strings of a
subclass, lone surrogates, the longest texts, each pass type.
"""

from __future__ import annotations

import itertools
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

from hypothesis import assume, given
from hypothesis import strategies as st
from walletpass_livepass import LivePassProvider, checks, payloads
from walletpass_livepass import provider as provider_module
from walletpass_livepass.limits import (
    ALL_BODY_KEYS,
    BARCODE_TYPES,
    BODY_KEYS,
    CONTENT_KEYS,
    EMPTIABLE_KEYS,
    IGNORED_KEYS,
    BodyProblem,
    PassType,
    body_problems,
)

from walletpass import (
    Balance,
    Barcode,
    BarcodeFormat,
    Event,
    Holder,
    Location,
    Pass,
    PassField,
    PassKind,
    PassUpdate,
)
from walletpass.errors import ValidationError
from walletpass.extra import merge_extra
from walletpass.features import features_in_use
from walletpass.paths import fill_path
from walletpass.timestamps import parse_unix_seconds

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _general_date(value: date) -> str:
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"


def _general_time(value: datetime | time) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


@given(st.one_of(st.datetimes(), st.dates(), st.times()))
def test_dates_and_times_are_the_texts_formatting_makes(value: Any) -> None:
    if isinstance(value, date):
        assert payloads.render_date(value) == _general_date(value)
    if not isinstance(value, date) or isinstance(value, datetime):
        assert payloads.render_time(value) == _general_time(value)


def _general_ordered(pass_type: PassType, values: dict[str, Any]) -> dict[str, Any]:
    """``_ordered`` as it was before its slots: the documented keys picked one by one."""
    body = {key: values[key] for key in payloads._ORDER[pass_type] if key in values}
    body.update({key: value for key, value in values.items() if key not in body})
    return body


def _general_body(
    new_pass: Pass, pass_type: PassType, vendor_id: str, silent: bool
) -> dict[str, Any]:
    """``create_body`` as it was before its fast path: the skeleton, the values laid over it,
    the keys sorted into the documented order."""
    body: dict[str, Any] = {"barcode_type": "qr", "barcode_data": vendor_id, "silent": True}
    body.update(payloads.neutral_values(new_pass, replace=False))
    body.update(payloads.field_values(new_pass.fields))
    body["silent"] = silent
    if new_pass.extra:
        body = merge_extra(body, new_pass.extra)
    return _general_ordered(pass_type, body)


_TEXTS = st.one_of(st.sampled_from(["Ann Lee", "Zoë", "例え", "x" * 200]), st.text(min_size=1))
_KEYS = st.sampled_from(
    [
        "title",
        "date",
        "time",
        "duration",
        "url",
        "location_name",
        "location_lat",
        "balance_amount",
        "balance_currency",
        "membership_tier",
        "full_name",
        "barcode_data",
        "silent",
        "seat",
        "ünknown",
    ]
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    _TEXTS,
    st.builds(PassField, value=_TEXTS),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def _passes(draw: st.DrawFn) -> tuple[Pass, PassType]:
    pass_type = draw(st.sampled_from(list(PassType)))
    kind = {
        PassType.RESERVATION: PassKind.RESERVATION,
        PassType.APPOINTMENT: PassKind.APPOINTMENT,
        PassType.MEMBERSHIP_CARD: draw(st.sampled_from([PassKind.MEMBERSHIP, PassKind.LOYALTY])),
    }[pass_type]
    content: dict[str, Any] = {
        "holder": draw(
            _maybe(
                st.builds(
                    Holder,
                    name=_maybe(st.sampled_from(["Ann Lee", "Zoë", "例え"])),
                    first_name=_maybe(st.just("Ann")),
                    email=_maybe(st.just("ann@example.com")),
                    phone=_maybe(st.just("+14155550100")),
                )
            )
        ),
        "barcode": draw(_maybe(st.builds(Barcode, message=st.sampled_from(["m-1", "ü 例", "1"])))),
        "balance": draw(
            _maybe(
                st.builds(
                    Balance,
                    amount=st.decimals(allow_nan=False, allow_infinity=False, places=2),
                    currency=_maybe(st.sampled_from(["EUR", "points"])),
                )
            )
        ),
        "tier": draw(_maybe(st.sampled_from(["Gold", "例"]))),
        "event": draw(
            _maybe(
                st.builds(
                    Event,
                    title=_maybe(st.sampled_from(["Dinner", "Ünï"])),
                    starts_at=_maybe(
                        st.datetimes(
                            min_value=datetime(1900, 1, 1),
                            max_value=datetime(2900, 1, 1),
                            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
                        )
                    ),
                    duration=_maybe(st.sampled_from([timedelta(minutes=60), timedelta(hours=2)])),
                    url=_maybe(st.just("https://example.com/b")),
                )
            )
        ),
        "locations": draw(
            _maybe(
                st.lists(
                    st.builds(
                        Location,
                        latitude=st.floats(-90, 90),
                        longitude=st.floats(-180, 180),
                        name=_maybe(st.just("Hall")),
                        address=_maybe(st.just("1 Main St")),
                    ),
                    max_size=1,
                )
            )
        ),
        "fields": draw(_maybe(st.dictionaries(_KEYS, _VALUES, max_size=4))),
        "extra": draw(_maybe(st.dictionaries(_KEYS, _VALUES, max_size=3))),
        "external_id": draw(_maybe(st.sampled_from(["r-1", "A_7"]))),
    }
    try:
        new_pass = Pass(
            template=pass_type.value, kind=kind, **{k: v for k, v in content.items() if v}
        )
    except ValidationError:
        assume(False)
        raise
    return new_pass, pass_type


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return ("ok", list(call().items()))
    except Exception as exc:  # (compared by type and message)
        return (type(exc).__name__, str(exc))


@given(case=_passes(), vendor_id=st.sampled_from(["r-1", "wp-0a1b"]), silent=st.booleans())
def test_a_create_body_is_the_general_paths_in_its_order(
    case: tuple[Pass, PassType], vendor_id: str, silent: bool
) -> None:
    new_pass, pass_type = case
    fast = _outcome(lambda: payloads.create_body(new_pass, pass_type, vendor_id, silent=silent))
    assert fast == _outcome(lambda: _general_body(new_pass, pass_type, vendor_id, silent))


def test_the_common_create_is_the_fast_one() -> None:
    # (no fields, no extra: the body is made in order, and it is the general path's)
    new_pass = Pass(
        template="reservation",
        holder=Holder(name="Guest 1"),
        event=Event(title="Dinner", starts_at=datetime(2027, 3, 1, 19, 30, tzinfo=UTC)),
        balance=Balance(amount=Decimal("1.50")),
    )
    body = payloads.create_body(new_pass, PassType.RESERVATION, "r-1", silent=True)
    assert list(body) == [
        "full_name",
        "barcode_type",
        "barcode_data",
        "silent",
        "balance_amount",
        "title",
        "date",
        "time",
    ]
    assert body == _general_body(new_pass, PassType.RESERVATION, "r-1", True)


def _general_body_problems(pass_type: PassType, body: dict[str, Any]) -> list[BodyProblem]:
    """``body_problems`` as it was before its fast path (each key through every branch)."""
    problems: list[BodyProblem] = []
    known = set(BODY_KEYS[pass_type])
    ignored = set(IGNORED_KEYS[pass_type])
    for key, value in body.items():
        if key in ignored:
            continue
        if key not in known:
            problems.append(BodyProblem(key, f'"{key}" is not allowed', "object.unknown"))
            continue
        if key == "silent":
            if not isinstance(value, bool):
                problems.append(BodyProblem(key, f'"{key}" must be a boolean', "boolean.base"))
        elif key == "balance_amount":
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                problems.append(BodyProblem(key, f'"{key}" must be a number', "number.base"))
        elif key == "barcode_type":
            if value not in BARCODE_TYPES:
                problems.append(BodyProblem(key, f'"{key}" must be [qr]', "any.only"))
        elif not isinstance(value, str):
            problems.append(BodyProblem(key, f'"{key}" must be a string', "string.base"))
    return problems


class _Text(str):
    """A string of a subclass: the fast path tests the exact type, the general one isinstance."""


_BODY_KEYS = st.one_of(
    st.sampled_from(sorted(ALL_BODY_KEYS)), st.sampled_from(["token", "", "Title", "ü"])
)
_BODY_VALUES = st.one_of(
    _VALUES,
    st.sampled_from(["qr", "QR", "", _Text("qr"), _Text("x")]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@given(
    pass_type=st.sampled_from(list(PassType)),
    body=st.dictionaries(_BODY_KEYS, _BODY_VALUES, max_size=8),
)
def test_a_body_is_refused_as_every_branch_refuses_it(
    pass_type: PassType, body: dict[str, Any]
) -> None:
    assert body_problems(pass_type, body) == _general_body_problems(pass_type, body)


@given(
    pass_type=st.sampled_from(list(PassType)),
    body=st.dictionaries(_BODY_KEYS, _BODY_VALUES, max_size=12),
)
def test_a_body_is_put_in_the_documented_order_as_key_by_key(
    pass_type: PassType, body: dict[str, Any]
) -> None:
    ordered = payloads._ordered(pass_type, body)
    assert list(ordered.items()) == list(_general_ordered(pass_type, body).items())


def _general_merged(
    pass_type: PassType,
    vendor_id: str,
    current: dict[str, Any],
    change: PassUpdate,
    silent: bool,
    cleared: list[str],
) -> dict[str, Any]:
    """``merged_body`` as it was before it read the cleared names from ``changed()`` and laid
    the pass read over its skeleton whole: the names of ``change.cleared()``, here in the order
    given, and the pass's documented keys picked one by one."""
    body: dict[str, Any] = {key: "" for key in BODY_KEYS[pass_type] if key in EMPTIABLE_KEYS}
    body.update(barcode_type="qr", barcode_data=vendor_id, silent=True)
    body.update({key: current[key] for key in BODY_KEYS[pass_type] if key in current})
    for name in cleared:
        if name == "barcode":
            body.update(barcode_type="qr", barcode_data=vendor_id)
        elif name == "fields":
            owned: tuple[str, ...] = CONTENT_KEYS[pass_type]
        else:
            owned = payloads.OWNED_BY.get(name, ())
        if name != "barcode":
            for key in owned:
                body.pop(key, None)
            body.update(_own_empty(pass_type, owned))
    values = _own_values(pass_type, payloads.neutral_values(change, replace=True))
    for name, value in change.changed().items():
        if value is not None:
            for key in payloads.OWNED_BY.get(name, ()):
                if key not in values:
                    body.pop(key, None)
    body.update(values)
    body.update(payloads.field_values(change.fields))
    if body.get("barcode_data") in (None, ""):
        body.update(barcode_type="qr", barcode_data=vendor_id)
    body["silent"] = silent
    if change.extra:
        body = merge_extra(body, change.extra)
    return _general_ordered(pass_type, body)


def _own_empty(pass_type: PassType, owned: tuple[str, ...]) -> dict[str, str]:
    """``""`` for the keys of ``owned`` an update empties that ``pass_type`` takes (a
    membership card has no event key to empty: LivePass refuses one, '"title" is not allowed')."""
    return {key: "" for key in payloads._empty(owned) if key in payloads._SLOTS[pass_type]}


def _own_values(pass_type: PassType, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` without an emptied key ``pass_type`` does not document (nor send empty, as
    the documentation's examples send a card's keys on a booking)."""
    return {k: v for k, v in values.items() if v != "" or k in payloads._SLOTS[pass_type]}


def _merged_by_sorting(
    pass_type: PassType,
    vendor_id: str,
    current: dict[str, Any],
    change: PassUpdate,
    silent: bool,
) -> dict[str, Any]:
    """``merged_body`` as it was before its documented keys kept their places from the start:
    the pass read over a skeleton, keys taken out removed, the body sorted into the documented
    order at the end."""
    body: dict[str, Any] = {key: "" for key in BODY_KEYS[pass_type] if key in EMPTIABLE_KEYS}
    body.update(barcode_type="qr", barcode_data=vendor_id, silent=True)
    body.update(current)
    for key in body.keys() - set(BODY_KEYS[pass_type]):
        del body[key]
    changed = change.changed()
    for name in [name for name, value in changed.items() if value is None]:
        if name == "barcode":
            body.update(barcode_type="qr", barcode_data=vendor_id)
            continue
        owned = CONTENT_KEYS[pass_type] if name == "fields" else payloads.OWNED_BY.get(name, ())
        for key in owned:
            body.pop(key, None)
        body.update(_own_empty(pass_type, owned))
    values = _own_values(pass_type, payloads.neutral_values(change, replace=True))
    for name, value in changed.items():
        if value is not None:
            for key in payloads.OWNED_BY.get(name, ()):
                if key not in values:
                    body.pop(key, None)
    body.update(values)
    if change.fields:
        body.update(payloads.field_values(change.fields))
    if body.get("barcode_data") in (None, ""):
        body.update(barcode_type="qr", barcode_data=vendor_id)
    body["silent"] = silent
    if change.extra:
        body = merge_extra(body, change.extra)
    return payloads._ordered(pass_type, body)


_CURRENT = st.dictionaries(
    st.sampled_from([*sorted(ALL_BODY_KEYS), "version", "token", "created_at", "notes"]),
    st.one_of(st.text(max_size=4), st.integers(0, 9), st.booleans(), st.none()),
    max_size=12,
)


@st.composite
def _changes(draw: st.DrawFn) -> PassUpdate:
    values: dict[str, Any] = {}
    for name, strategy in (
        ("holder", st.builds(Holder, name=st.sampled_from(["Ann", "Zoë"]))),
        ("barcode", st.builds(Barcode, message=st.sampled_from(["m-1", "ü"]))),
        ("balance", st.builds(Balance, amount=st.integers(0, 99))),
        ("tier", st.sampled_from(["Gold", ""])),
        ("event", st.builds(Event, title=st.sampled_from(["Dinner", "Ünï"]))),
        (
            "locations",
            st.lists(
                st.builds(Location, latitude=st.just(1.5), longitude=st.just(2.0)), max_size=1
            ),
        ),
        ("fields", st.dictionaries(_KEYS, _TEXTS, max_size=2)),
        ("extra", st.dictionaries(_KEYS, _TEXTS, max_size=2)),
    ):
        choice = draw(st.sampled_from(["unset", "cleared", "set"]))
        if choice == "cleared":
            values[name] = None
        elif choice == "set":
            values[name] = draw(strategy)
    try:
        return PassUpdate(**values)
    except ValidationError:
        assume(False)
        raise


@given(
    pass_type=st.sampled_from(list(PassType)),
    current=_CURRENT,
    change=_changes(),
    silent=st.booleans(),
    backwards=st.booleans(),
)
def test_a_merged_body_is_the_same_in_any_order_of_the_cleared_names(
    pass_type: PassType, current: dict[str, Any], change: PassUpdate, silent: bool, backwards: bool
) -> None:
    cleared = sorted(change.cleared(), reverse=backwards)
    merged = _outcome(
        lambda: payloads.merged_body(pass_type, "r-1", current, change, silent=silent)
    )
    general = _outcome(lambda: _general_merged(pass_type, "r-1", current, change, silent, cleared))
    assert merged[0] == general[0]
    if merged[0] != "ok":
        assert merged == general
        return
    # The same body, its documented keys in the same order; the keys the type does not document
    # (a membership card's cleared event) follow the order the cleared names come in, a set's
    # order before as now (change.cleared() and model_fields_set are sets).
    assert dict(merged[1]) == dict(general[1])
    documented = set(payloads._ORDER[pass_type])
    assert [k for k, _ in merged[1] if k in documented] == [
        k for k, _ in general[1] if k in documented
    ]


@given(
    pass_type=st.sampled_from(list(PassType)),
    current=_CURRENT,
    change=_changes(),
    silent=st.booleans(),
)
def test_a_merged_body_is_the_sorted_merge_key_by_key(
    pass_type: PassType, current: dict[str, Any], change: PassUpdate, silent: bool
) -> None:
    # (every key in the same place, the keys the type does not document included; the same
    # refusal where a value has no LivePass form)
    merged = _outcome(
        lambda: payloads.merged_body(pass_type, "r-1", current, change, silent=silent)
    )
    assert merged == _outcome(lambda: _merged_by_sorting(pass_type, "r-1", current, change, silent))


def _constructed_holder(body: dict[str, Any]) -> Holder | None:
    """``_holder`` as it was before its mapping: every holder made unvalidated."""
    texts = [body.get(key) for key in ("full_name", "email", "phone_number")]
    name, email, phone = (t if isinstance(t, str) and t else None for t in texts)
    if name is None and email is None and phone is None:
        return None
    return Holder.model_construct(name=name, email=email, phone=phone)


def _constructed_barcode(body: dict[str, Any]) -> Barcode | None:
    """``_barcode`` as it was before its mapping: every barcode made unvalidated."""
    message = body.get("barcode_data")
    if not isinstance(message, str) or not message:
        return None
    return Barcode.model_construct(message=message, format=BarcodeFormat.QR)


_ANSWER_TEXTS = st.one_of(
    st.none(),
    st.integers(0, 3),
    st.sampled_from(["", "Ann Lee", "x" * 200, "x" * 201, "é" * 200, "\ud800", "a\udfffb"]),
    st.sampled_from(["a" * 7089, "a" * 7090, "é" * 3000, "ann@example.com", "+14155550100"]),
    st.builds(_Text, st.sampled_from(["Ann", "m-1"])),
    st.text(),
)


def _read_back(answer: dict[str, Any]) -> tuple[str, Any]:
    try:
        issued = payloads.issued_from_answer(answer, provider="livepass")
    except Exception as exc:  # (compared by type and message)
        return (type(exc).__name__, str(exc))
    holder, barcode = issued.holder, issued.barcode
    sets = [None if part is None else part.model_fields_set for part in (holder, barcode)]
    return ("ok", (issued.model_dump(), sets))


@given(
    name=_ANSWER_TEXTS,
    email=st.one_of(st.none(), st.just(""), _ANSWER_TEXTS),
    phone=st.one_of(st.none(), st.just(""), _ANSWER_TEXTS),
    barcode=_ANSWER_TEXTS,
)
def test_an_answers_holder_and_barcode_are_the_constructed_ones(
    name: Any, email: Any, phone: Any, barcode: Any
) -> None:
    body = {"full_name": name, "email": email, "phone_number": phone, "barcode_data": barcode}
    answer = {"type": "reservation", "id": "r-1", "body": body, "message": "Pass requested"}
    fast = _read_back(answer)
    with (
        patch.object(payloads, "_holder", _constructed_holder),
        patch.object(payloads, "_barcode", _constructed_barcode),
    ):
        assert fast == _read_back(answer)


_ABSENT = object()  # (an answer without the key)
_STAMPS = st.one_of(
    # (equal numbers of other types: 1, 1.0 and True are equal, and only 1 or 1.0 a stamp)
    st.sampled_from([1, 1.0, True, 0, 0.0, False, math.nan, math.inf]),
    st.none(),
    st.integers(-(10**12), 10**12),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.sampled_from([0, 0.0, -0.0, 1767225600, 1767225600.0, 1767225600.5, "1767225600", "", [1]]),
)


def _general_stamps(body: dict[str, Any]) -> tuple[Any, Any]:
    """What the reading did before it read a never-updated pass's one number once."""
    created_at = parse_unix_seconds(body.get("created_at"))
    return created_at, parse_unix_seconds(body.get("last_updated_at"))


def _stamps_read(read: Any, body: dict[str, Any]) -> tuple[str, Any]:
    try:
        return ("ok", read(body))
    except Exception as exc:  # (compared by type and message)
        return (type(exc).__name__, str(exc))


@given(created=st.one_of(st.just(_ABSENT), _STAMPS), updated=st.one_of(st.just(_ABSENT), _STAMPS))
def test_the_stamps_of_a_pass_are_each_number_read(created: Any, updated: Any) -> None:
    given_ = {"created_at": created, "last_updated_at": updated}
    body = {k: v for k, v in given_.items() if v is not _ABSENT}
    never_updated = {k: created for k in given_ if created is not _ABSENT}
    for stamps in (body, never_updated):
        assert _stamps_read(payloads._stamps, stamps) == _stamps_read(_general_stamps, stamps)


def test_the_stamps_of_equal_numbers_of_other_types_are_each_read() -> None:
    # (1, 1.0 and True are equal, and only 1 and 1.0 are stamps; -0.0 equals 0)
    odd = [1, 1.0, True, 0, 0.0, -0.0, False, math.nan, math.inf, None, "1", 10**30]
    for created, updated in itertools.product(odd, odd):
        body = {"created_at": created, "last_updated_at": updated}
        assert _stamps_read(payloads._stamps, body) == _stamps_read(_general_stamps, body)


_LINK_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", "https://app.getlivepass.com/view/t0k", "\x1b[0m", "ü" * 3]),
    st.integers(),
    st.builds(_Text, st.sampled_from(["", "https://e.x"])),
    st.lists(st.text(max_size=3), max_size=2),
)
_LINKS = st.one_of(
    st.just(_ABSENT),
    st.none(),
    st.fixed_dictionaries({}, optional={"web": _LINK_VALUES, "apple": _LINK_VALUES}),
    st.builds(
        MappingProxyType,
        st.fixed_dictionaries({}, optional={"web": _LINK_VALUES, "apple": _LINK_VALUES}),
    ),
    st.lists(st.text(max_size=3), max_size=2),
    st.text(max_size=5),
    st.integers(),
)


def _read_whole(answer: dict[str, Any], kept: Any = None) -> tuple[str, Any]:
    try:
        issued = payloads.issued_from_answer(answer, provider="livepass", kept=kept)
    except Exception as exc:  # (compared by type and message)
        return (type(exc).__name__, str(exc))
    return ("ok", (issued.model_dump(), issued.model_fields_set, issued.urls.model_fields_set))


@given(
    links=_LINKS,
    answer_type=st.sampled_from(["reservation", "membership-card", "ticket"]),
    message=st.sampled_from(["Pass requested", "Pass retrieved"]),
    kept_links=st.one_of(st.none(), _LINKS),
)
def test_an_answer_without_links_is_read_as_the_links_of_none_validated(
    links: Any, answer_type: str, message: str, kept_links: Any
) -> None:
    # (the shared PassUrls of no links against the mapping of two None the reading validated
    # on every write's answer: the same pass, fields sets included, or the same refusal)
    answer: dict[str, Any] = {"type": answer_type, "id": "r-1", "message": message}
    answer["body"] = {"full_name": "Ann", "barcode_data": "r-1", "title": "Dinner"}
    if links is not _ABSENT:
        answer["links"] = links
    # (an update's write answer stands the links its read kept for its own)
    kept_answer = {**answer, "links": kept_links}
    with_kept = kept_links is not None and answer_type != "ticket"
    kept = payloads.kept_by_update(kept_answer, f"{answer_type}.r-1") if with_kept else None
    fast = _read_whole(answer, kept)
    with patch.object(payloads, "_no_links", lambda: {"web": None, "apple": None}):
        kept = payloads.kept_by_update(kept_answer, f"{answer_type}.r-1") if with_kept else None
        assert fast == _read_whole(answer, kept)


def test_an_answer_read_names_its_vendor_template_so_it_is_presented_as_read(
    offline: LivePassProvider,
) -> None:
    # (the type is the vendor's template: said by the reading, the presentation of a pass
    # without an alias is the pass read itself, as the one it made by copying the pass read
    # without it)
    body = {"full_name": "Ann", "barcode_data": "r-1", "silent": True, "title": "Dinner"}
    answer = {"type": "reservation", "id": "r-1", "body": body, "message": "Pass requested"}
    issued = payloads.issued_from_answer(answer, provider="livepass")
    assert (issued.template, issued.vendor_template) == ("reservation", "reservation")
    assert offline.present(issued, answer="create") is issued
    unsaid = issued.model_copy(update={"vendor_template": None})
    unsaid.__pydantic_fields_set__.discard("vendor_template")
    presented = offline.present(unsaid, answer="create")
    assert presented is not unsaid
    assert presented == issued
    assert presented.model_fields_set == issued.model_fields_set


def _general_unsupported(content: Pass | PassUpdate, pass_type: PassType) -> dict[Any, str]:
    """``unsupported_for_type`` as it was before it read pydantic's fields set for a change
    alone: every attribute tested for a value or for being given, on a pass as on a change."""
    wrong = checks._WRONG_FOR_TYPE[pass_type]
    fields_set = content.model_fields_set
    if not any(getattr(content, name) is not None or name in fields_set for name in wrong):
        return {}
    used = features_in_use(content)
    return {
        cap: f"a LivePass {pass_type.value} {why}"
        for name, why in wrong.items()
        for cap in checks._ATTRIBUTE_CAPS[name]
        if cap in used
    }


_TYPED_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "event": st.builds(Event, title=_maybe(st.just("Dinner")), url=_maybe(st.just("https://e.x"))),
    "locations": st.lists(
        st.builds(Location, latitude=st.just(1.5), longitude=st.just(2.0)), max_size=1
    ),
    "balance": st.builds(Balance, amount=st.integers(0, 99)),
    "tier": st.sampled_from(["Gold", "例"]),
}


@st.composite
def _typed_contents(draw: st.DrawFn) -> Pass | PassUpdate:
    """A pass or a change whose typed parts are each left out, given as None, or set."""
    values: dict[str, Any] = {}
    for name, strategy in _TYPED_PARTS.items():
        choice = draw(st.sampled_from(["unset", "none", "set"]))
        if choice == "none":
            values[name] = None
        elif choice == "set":
            values[name] = draw(strategy)
    if draw(st.booleans()):
        values["holder"] = Holder(name="Ann")
    try:
        if draw(st.booleans()):
            return Pass(template="reservation", **values)
        return PassUpdate(**values)
    except ValidationError:
        assume(False)
        raise


@given(content=_typed_contents(), pass_type=st.sampled_from(list(PassType)))
def test_what_a_type_cannot_carry_is_what_every_attribute_tested_finds(
    content: Pass | PassUpdate, pass_type: PassType
) -> None:
    found = checks.unsupported_for_type(content, pass_type)
    assert found == _general_unsupported(content, pass_type)


def _path_or_refusal(fill: Any, pass_type: PassType, vendor_id: Any) -> tuple[str, Any]:
    try:
        return ("ok", tuple(fill(pass_type, vendor_id)))
    except Exception as exc:  # (compared by type and message)
        return (type(exc).__name__, str(exc))


def _filled_anew(pass_type: PassType, vendor_id: Any) -> Any:
    return fill_path(f"{pass_type.value}/{{id}}", id=vendor_id)


@given(
    pass_type=st.sampled_from(list(PassType)),
    vendor_id=st.one_of(
        st.sampled_from(["r-1", "A_7", "42", "", ".", "..", "a/b", "ü", "x" * 200]),
        st.text(max_size=8),
        st.builds(_Text, st.sampled_from(["r-1", "ü/"])),
    ),
)
def test_a_passs_path_from_memory_is_the_one_filled_anew(
    pass_type: PassType, vendor_id: Any
) -> None:
    expected = _path_or_refusal(_filled_anew, pass_type, vendor_id)
    for _ in range(2):  # (made, then remembered)
        assert _path_or_refusal(provider_module._path, pass_type, vendor_id) == expected


def test_the_memory_of_paths_stays_bounded_under_threads() -> None:
    def address(worker: int) -> None:
        for number in range(provider_module._PATHS_REMEMBERED):
            vendor_id = f"t{worker}-{number}"
            path = provider_module._path(PassType.RESERVATION, vendor_id)
            assert path.path == f"reservation/{vendor_id}"
            assert len(provider_module._filled_paths) <= provider_module._PATHS_REMEMBERED

    # Threads switched as often as the interpreter can: a check of the size and the insert
    # that follows it are taken apart wherever they can be.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(address, range(4)))
    finally:
        sys.setswitchinterval(switch_interval)
    assert len(provider_module._filled_paths) <= provider_module._PATHS_REMEMBERED
