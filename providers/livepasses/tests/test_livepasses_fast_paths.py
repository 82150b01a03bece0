"""The per-call fast paths of the Livepasses provider give exactly what the general paths give.

Each fast path skips general work for a common case (a create's one recipient, an answer's
status word, an endpoint without ids); hypothesis compares it with the general path over
generated inputs, the edge cases among them (no line, several lines, unicode and case-folded
emails, odd types).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from walletpass_livepasses import batches, checks, limits, payloads, wire
from walletpass_livepasses.limits import VendorStatus
from walletpass_livepasses.records import BatchPass

from walletpass import Balance, Barcode, Event, Holder, Pass, PassField, PassKind, PassUpdate
from walletpass.model import PassStatus
from walletpass.paths import fill_path
from walletpass.retry import Safety
from walletpass.timestamps import format_timestamp
from walletpass.transport import VendorResponse

_ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _general_status(vendor: Any) -> PassStatus:
    """``status_of`` as it read every answer before its fast path (the enum's own lookup)."""
    try:
        return payloads._STATUSES[VendorStatus(vendor)]
    except ValueError:
        return PassStatus.UNKNOWN


@given(
    vendor=st.one_of(
        st.sampled_from([s.value for s in VendorStatus]),
        st.sampled_from(["active", "ACTIVE", "Active ", "", "Failed", "İ", "ß"]),
        st.text(max_size=12),
        st.sampled_from(list(VendorStatus)),
        _ODD,
    )
)
def test_status_of_reads_every_value_as_the_enum_does(vendor: Any) -> None:
    assert payloads.status_of(vendor) is _general_status(vendor)


_EMAILS = st.sampled_from(
    ["a@x.io", "A@X.IO", "b@x.io", "ß@x.io", "SS@x.io", "ss@X.io", "İ@x.io", "i̇@x.io"]
)
#: Confirmation codes as a pass may carry them (no surrounding spaces: the model refuses those).
_CODES = st.one_of(
    st.none(),
    st.sampled_from(["LP-1", "lp-1", "LP-2", "", "ü", "İ"]),
    st.text(alphabet="aAbLP-1üß", max_size=4),
)
_WHOLE = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)


@st.composite
def _recipients(draw: st.DrawFn) -> Pass:
    email = draw(st.one_of(st.none(), _EMAILS))
    holder = draw(st.sampled_from([None, Holder(name="Ann Lee", email=email)]))
    fields: dict[str, Any] = {}
    code_field = draw(
        st.one_of(
            st.none(),
            _CODES.filter(bool),
            _WHOLE,
            st.builds(PassField, value=_CODES.filter(bool)),
            st.builds(PassField, value=_WHOLE),
        )
    )
    if code_field is not None:
        fields["confirmationCode"] = code_field
    external = draw(st.one_of(st.none(), _CODES.filter(bool)))
    return Pass(template="tmpl-001", holder=holder, external_id=external, fields=fields)


_LINES = st.builds(
    BatchPass,
    st.one_of(st.none(), st.sampled_from(["p-1", "p-2"])),
    email=st.one_of(st.none(), _EMAILS),
    confirmation_code=_CODES,
    vendor_status=st.sampled_from([None, "Active", "failed"]),
    error_code=st.sampled_from([None, "E"]),
)


def _agreeing_as_written_first(email: str | None, code: str | None, line: BatchPass) -> bool:
    """``_agrees_with`` as it was written before its comparisons were inlined (2026-12-01):
    a helper asked for each side, an unknown value agreeing with anything."""

    def same(a: str | None, b: str | None, *, fold: bool = False) -> bool:
        if a is None or b is None:
            return True
        return a.casefold() == b.casefold() if fold else a == b

    return same(email, line.email, fold=True) and same(code, line.confirmation_code)


@given(email=st.one_of(st.none(), _EMAILS), code=_CODES, line=_LINES)
def test_a_line_agrees_with_a_recipient_as_the_helper_per_side_said(
    email: str | None, code: str | None, line: BatchPass
) -> None:
    assert batches._agrees_with(email, code, line) is _agreeing_as_written_first(email, code, line)


@given(new_pass=_recipients(), lines=st.lists(_LINES, max_size=3))
def test_one_recipient_is_matched_as_the_general_match_does(
    new_pass: Pass, lines: list[BatchPass]
) -> None:
    general = batches.match_lines([batches.recipient_key(new_pass)], lines, in_order=True)
    fast = batches.match_one(new_pass, lines)
    assert [id(line) if line is not None else None for line in fast] == [
        id(line) if line is not None else None for line in general
    ]


_TEMPLATES = st.sampled_from([wire.PASSES, wire.TEMPLATES, wire.WEBHOOKS])


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    base=_TEMPLATES,
    tail=st.sampled_from(["", "generate", "lookup", "redeem-by-scan", "template"]),
    ids=st.lists(
        st.tuples(st.sampled_from(["passId", "batchId"]), st.text(min_size=1, max_size=6)),
        max_size=1,
    ),
    query=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(["passId", "page"]), st.one_of(st.none(), st.text())),
    ),
    body=st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
)
def test_a_request_is_built_as_its_path_filled_each_time_would_be(
    method: str,
    base: str,
    tail: str,
    ids: list[tuple[str, str]],
    query: dict[str, Any] | None,
    body: Any,
) -> None:
    """The path of an endpoint without ids is filled once; every request is what filling it
    for each call made, and a body is sent exactly where it was."""
    if any(value in (".", "..") for _, value in ids):
        return
    template = base + "".join("/{" + name + "}" for name, _ in ids) + (f"/{tail}" if tail else "")
    path = fill_path(template, **dict(ids))
    built = wire.request(method, template, Safety.SAFE, query=query, body=body, **dict(ids))
    assert (built.method, built.path, built.path_template) == (method, path.path, path.template)
    params = {k: v for k, v in query.items() if v is not None} if query else None
    assert built.query == (params or None)
    if method in ("POST", "PUT"):
        assert built.json == ({} if body is None else body)
    elif body is None:
        assert not built.has_json
    else:
        assert built.json == body


@st.composite
def _changes(draw: st.DrawFn) -> PassUpdate:
    """A change setting any of fields (empty too), tier, balance and message, or none."""
    parts = {
        "fields": st.dictionaries(
            st.sampled_from(["seatNumber", "gate"]),
            _CODES.filter(lambda c: c is not None),
            max_size=2,
        ),
        "tier": st.sampled_from(["Gold", "ü"]),
        "balance": st.builds(
            Balance,
            amount=st.decimals(min_value=-1000, max_value=1000, places=2),
            currency=st.sampled_from([None, "points", "USD", "pts"]),
        ),
        "message": st.text(alphabet="abü", min_size=1, max_size=5),
    }
    return PassUpdate(**{name: draw(part) for name, part in parts.items() if draw(st.booleans())})


_KINDS = st.sampled_from([None, *PassKind])


@given(change=_changes(), kind=_KINDS)
def test_an_update_body_without_a_balance_is_the_same_for_every_kind(
    change: PassUpdate, kind: PassKind | None
) -> None:
    """build_update reads the pass's kind only for a balance: without one the body is the
    one any kind gives."""
    if change.balance is None:
        assert payloads.update_body(change, kind) == payloads.update_body(change, None)


@given(
    updated=st.dictionaries(
        st.sampled_from(["currentPoints", "points", "accountBalance", "currency", "seatNumber"]),
        st.one_of(st.none(), _WHOLE, st.floats(), st.text(max_size=3), st.booleans()),
        max_size=4,
    ),
    kind=_KINDS,
)
def test_an_update_answer_without_points_is_read_the_same_for_every_kind(
    updated: dict[str, Any], kind: PassKind | None
) -> None:
    """parse_update reads the pass's kind only where points were sent."""
    if "currentPoints" not in updated and "points" not in updated:
        assert payloads.balance_from(updated, kind) == payloads.balance_from(updated, None)


@given(change=_changes())
def test_a_change_with_nothing_to_update_is_told_as_updated_fields_tells_it(
    change: PassUpdate,
) -> None:
    """update_problems' test for an empty change: what updated_fields would build, unbuilt."""
    refused = any(p.location == "change" for p in checks.update_problems(change))
    assert refused == (not payloads.updated_fields(change) and change.message is None)


_FIELD_VALUES = st.one_of(
    st.text(alphabet="aü 1", max_size=4),
    _WHOLE,
    st.decimals(min_value=-100, max_value=100, places=2),
    st.booleans(),
    st.builds(PassField, value=st.text(alphabet="ab", min_size=1, max_size=2)),
)


@given(value=_FIELD_VALUES)
def test_a_custom_field_is_rendered_as_wire_value_renders_it(value: Any) -> None:
    rendered = payloads.wire_value(value)
    expected = rendered if isinstance(rendered, str) else json.dumps(rendered)
    assert payloads._text(value) == expected and type(payloads._text(value)) is type(expected)


@given(
    fields=st.dictionaries(
        st.sampled_from(
            [
                "confirmationCode",
                "memberTier",
                "currentPoints",
                "accountBalance",
                "currency",
                "points",
                "seatNumber",
            ]
        ),
        _FIELD_VALUES,
        max_size=3,
    ),
    external=st.booleans(),
    tier=st.booleans(),
    balance=st.booleans(),
)
def test_no_field_is_set_twice_where_nothing_else_sets_one(
    fields: dict[str, Any], external: bool, tier: bool, balance: bool
) -> None:
    """pass_problems and update_problems skip the conflict check where no neutral attribute that
    owns a business-data key is set, or no field is: it finds nothing there."""
    owners = {
        "external_id": (external, ["confirmationCode"]),
        "tier": (tier, ["memberTier"]),
        "balance": (balance, ["accountBalance", "currency", "currentPoints", "points"]),
    }
    if not fields or not (external or tier or balance):
        assert checks._conflicts(fields, owners) == []


_LOOKED_UP = payloads.issued_from_lookup(
    {"passId": "p-0193", "templateId": "tpl_evt_42", "status": "Active", "isValid": True},
    provider="livepasses",
)


@given(
    data=st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "isValid": _ODD,
                "canBeRedeemed": _ODD,
                "status": st.one_of(st.sampled_from([s.value for s in VendorStatus]), _ODD),
                "verificationMethods": st.one_of(
                    st.lists(st.one_of(st.text(max_size=4), st.integers()), max_size=3), _ODD
                ),
                "message": st.one_of(st.text(max_size=6), _ODD),
                "extra": _ODD,
            },
        ),
        _ODD,
        st.text(max_size=3),
    )
)
def test_a_get_reads_the_validation_answer_as_the_validate_operation_does(data: Any) -> None:
    """A get completes its lookup's pass from the validation answer without the Validation
    record ``validate()`` returns: the same meta, status and raw, and the same failure (type
    and message) for an answer neither can read."""
    try:
        validation = payloads.validation_from("p-0193", data)
    except Exception as general:  # (compared with the get's failure below)
        try:
            payloads.with_validation(_LOOKED_UP, data)
        except Exception as fast:
            assert (type(fast), str(fast)) == (type(general), str(general))
            return
        raise AssertionError("the get read an answer validate() cannot read") from None
    issued = payloads.with_validation(_LOOKED_UP, data)
    meta = {
        **_LOOKED_UP.meta,
        "can_be_redeemed": validation.can_be_redeemed,
        "verification_methods": list(validation.verification_methods),
    }
    if validation.message:
        meta["validation_message"] = validation.message
    assert issued.meta == meta
    assert list(issued.meta) == list(meta)
    unknown = validation.status is PassStatus.UNKNOWN
    assert issued.status is (_LOOKED_UP.status if unknown else validation.status)
    assert issued.raw == {**_LOOKED_UP.raw, "validation": validation.raw}


def _general_line_text(entry: Any, *names: str) -> str | None:
    """An answer line's text member as ``batch_pass_from`` read it before its fast path."""
    value = None
    for name in names:
        if name in entry:
            value = entry[name]
            break
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{names[0]} is {type(value).__name__}, not text")


def _general_batch_pass(entry: Any) -> BatchPass:
    pass_id = entry.get("passId", entry.get("id"))
    if pass_id is not None and (isinstance(pass_id, bool) or not isinstance(pass_id, str | int)):
        raise ValueError(f"passId is {type(pass_id).__name__}, not an id")
    return BatchPass(
        pass_id=str(pass_id) if pass_id not in (None, "") else None,
        email=_general_line_text(entry, "customerEmail", "holderEmail"),
        confirmation_code=_general_line_text(entry, "confirmationCode"),
        vendor_status=_general_line_text(entry, "status"),
        has_apple_pass=bool(entry.get("hasApplePass")),
        has_google_pass=bool(entry.get("hasGooglePass")),
        error_code=_general_line_text(entry, "errorCode"),
        error_message=_general_line_text(entry, "errorMessage"),
    )


class _Text(str):
    """A str subclass (no JSON answer holds one): a line's reading keeps it as text; validation
    may make it a plain str, so the written pass is validated."""


_LINE_VALUE = st.one_of(st.text(max_size=5), st.builds(_Text, st.text(max_size=3)), _ODD)


@given(
    entry=st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            (
                "passId",
                "id",
                "customerEmail",
                "holderEmail",
                "confirmationCode",
                "status",
                "hasApplePass",
                "hasGooglePass",
                "errorCode",
                "errorMessage",
            ),
            _LINE_VALUE,
        ),
    )
)
def test_an_answer_line_is_read_as_the_general_reading_reads_it(entry: dict[str, Any]) -> None:
    """``batch_pass_from`` (its slots set directly, each member looked up once) gives the line,
    or the refusal (type and message), its general reading gave: a present ``null`` spelling
    is read, the other spelling only where the first is absent."""
    try:
        general = _general_batch_pass(entry)
    except ValueError as exc:
        try:
            payloads.batch_pass_from(entry)
        except ValueError as fast:
            assert str(fast) == str(exc)
            return
        raise AssertionError("a line the general reading refuses was read") from None
    line = payloads.batch_pass_from(entry)
    assert line == general
    assert (line.failed, repr(line)) == (general.failed, repr(general))


@given(
    qr_code=st.one_of(
        st.text(max_size=8),
        st.text(alphabet=st.characters(max_codepoint=127), min_size=2040, max_size=2050),
        st.text(alphabet=st.characters(min_codepoint=0x800), min_size=1000, max_size=1200),
        st.sampled_from(["\ud800", "a\udfff", "data:image/png;base64,AA", "LP1:p-1:LP-1", " "]),
        _ODD,
    )
)
def test_an_answer_qr_code_is_the_barcode_a_barcode_made_first_would_be(qr_code: Any) -> None:
    """A create answer's ``qrCode`` handed to the pass's validation as a mapping (ASCII text up
    to 2,048 characters) gives the pass, or the refusal, a Barcode made first gave."""
    entry = {"id": "p-0193", "status": "Active", "qrCode": qr_code}

    def issued(barcode: Any) -> Any:
        try:
            return payloads.IssuedPass.model_validate(
                {
                    "id": "p-0193",
                    "vendor_id": "p-0193",
                    "provider": "livepasses",
                    "barcode": barcode,
                }
            )
        except ValueError as exc:
            return type(exc), str(exc)

    def general() -> Any:
        text = isinstance(qr_code, str) and qr_code and not qr_code.startswith("data:")
        if not text or len(qr_code) > 2048:
            return issued(None)
        try:
            return issued(Barcode(message=qr_code))
        except ValueError as exc:
            return type(exc), str(exc)

    try:
        fast = issued(payloads._barcode(qr_code))
    except ValueError as exc:
        fast = type(exc), str(exc)
    expected = general()
    assert fast == expected
    if not isinstance(expected, tuple):  # (and the create answer's pass carries it)
        made = payloads.issued_from_generated(
            entry, provider="livepasses", template="t", kind=None, holder=None
        )
        assert made.barcode == expected.barcode


def _general_balance(data: Any, kind: PassKind | None) -> Any:
    """``balance_from`` as it read every answer before its fast path (no key looked for)."""
    if not isinstance(data, Mapping):
        return None
    points = payloads._number(data.get("currentPoints", data.get("points")))
    money = payloads._number(data.get("accountBalance"))
    currency = data.get("currency")
    try:
        if kind is not PassKind.GIFT_CARD and points is not None:
            return Balance(amount=points)
        if money is None:
            return None
        named = isinstance(currency, str) and 0 < len(currency) <= 32
        return Balance(amount=money, currency=currency if named else None)
    except ValueError:
        return None


_AMOUNT = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    _ODD,
)


@given(
    data=st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "currentPoints": _AMOUNT,
                "points": _AMOUNT,
                "accountBalance": _AMOUNT,
                "currency": st.one_of(st.sampled_from(["USD", "points", "", "X" * 40]), _ODD),
                "seatNumber": st.text(max_size=3),
            },
        ),
        _ODD,
    ),
    kind=st.one_of(st.none(), st.sampled_from(list(PassKind))),
)
def test_a_balance_is_read_as_the_general_reading_reads_it(data: Any, kind: Any) -> None:
    """``balance_from`` returns at once where no balance key is present: the same balance (or
    none) the reading of every key gave."""
    assert payloads.balance_from(data, kind) == _general_balance(data, kind)


@given(
    status=st.one_of(st.sampled_from(["Active", "Redeemed"]), _ODD),
    batch_id=st.one_of(st.none(), st.text(max_size=4)),
    analytics=st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={"trackingId": _LINE_VALUE, "engagementUrl": _LINE_VALUE},
        ),
    ),
    available=st.one_of(st.none(), st.booleans(), st.integers()),
)
def test_a_generated_pass_meta_is_what_filtering_the_full_meta_gave(
    status: Any, batch_id: str | None, analytics: Any, available: Any
) -> None:
    """The meta of a create answer's pass, its keys left out as it is made, is the full meta
    filtered of its ``None`` values (as it was made before): the same keys in the same order."""
    entry: dict[str, Any] = {"id": "p-0193", "platforms": {"apple": {"available": available}}}
    if status is not None:
        entry["status"] = status
    if analytics is not None:
        entry["analytics"] = analytics
    try:
        issued = payloads.issued_from_generated(
            entry, provider="livepasses", template="t", kind=None, holder=None, batch_id=batch_id
        )
    except ValueError:  # a status or analytics value the pass's meta cannot hold
        return
    general: dict[str, Any] = {
        "vendor_status": entry.get("status"),
        "batch_id": batch_id,
        "has_apple_pass": bool(available),
        "has_google_pass": False,
    }
    found = analytics or {}
    if found.get("trackingId"):
        general["tracking_id"] = found["trackingId"]
    if found.get("engagementUrl"):
        general["engagement_url"] = found["engagementUrl"]
    expected = {k: v for k, v in general.items() if v is not None}
    assert list(issued.meta.items()) == list(expected.items())


def _general_wire_value(value: Any) -> Any:
    """``wire_value`` as it converted every value before its fast path for text."""
    if isinstance(value, PassField):
        return _general_wire_value(value.value)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_timestamp(value, limits.TIMESTAMPS)
    if isinstance(value, date):
        return value.isoformat()
    return value


@given(
    value=st.one_of(
        st.text(max_size=5),
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
        st.datetimes(timezones=st.just(UTC)),
        st.dates(),
        st.builds(PassField, value=st.text(max_size=3)),
        _ODD,
    )
)
def test_a_value_is_sent_as_the_general_conversion_sends_it(value: Any) -> None:
    # (compared by repr: a NaN among the odd values is not equal to itself)
    assert repr(payloads.wire_value(value)) == repr(_general_wire_value(value))
    assert type(payloads.wire_value(value)) is type(_general_wire_value(value))


@given(
    data=st.fixed_dictionaries(
        {"passId": st.just("p-0193")},
        optional={"status": _LINE_VALUE, "isValid": _LINE_VALUE, "templateId": st.just("t")},
    )
)
def test_a_lookup_pass_meta_is_what_filtering_the_full_meta_gave(data: dict[str, Any]) -> None:
    issued = payloads.issued_from_lookup(data, provider="livepasses")
    general = {"vendor_status": data.get("status"), "is_valid": data.get("isValid")}
    expected = {k: v for k, v in general.items() if v is not None}
    assert list(issued.meta.items()) == list(expected.items())


def _general_lookup(data: Mapping[str, Any]) -> Any:
    """``issued_from_lookup`` as it read a lookup before its holder was validated with the pass
    (a ``Holder`` made first, ``None`` where the neutral model refuses it)."""
    pass_id = str(data["passId"])
    status = data.get("status")
    meta: dict[str, Any] = {} if status is None else {"vendor_status": status}
    if data.get("isValid") is not None:
        meta["is_valid"] = data.get("isValid")
    return payloads.IssuedPass.model_validate(
        {
            "id": pass_id,
            "vendor_id": pass_id,
            "provider": "livepasses",
            "template": data.get("templateId"),
            "external_id": data.get("confirmationCode"),
            "status": payloads.status_of(status),
            "created_at": payloads.parse_timestamp(data.get("createdAt")),
            "holder": payloads._holder(data.get("holderName"), data.get("holderEmail")),
            "meta": meta,
            "raw": {"lookup": dict(data), "validation": None},
        }
    )


_NAMES = st.one_of(
    st.sampled_from(["Ann Lee", "", " ", "Zoë Ñandú", "李 雷", "a" * 200, "a" * 201, "\ud800"]),
    st.text(max_size=8),
    st.text(alphabet="ab ", min_size=195, max_size=205),
    _ODD,
)
_LOOKUP_EMAILS = st.one_of(
    st.sampled_from(
        ["ann@x.io", "", "ann", "a@b", "a b@x.io", "ü@x.ü", "a@x.io\n", "a@@x.io", "\x1c@x.io"]
    ),
    st.builds(lambda local: f"{local}@example.com", st.text(max_size=250)),
    st.text(max_size=8),
    _ODD,
)


@given(
    name=_NAMES,
    email=_LOOKUP_EMAILS,
    pass_id=st.sampled_from(["p-0193", "", " ", 7, "x" * 300]),
    template=st.one_of(st.none(), st.just("tmpl-001"), _ODD),
    code=st.one_of(st.none(), st.just("LP-1"), _ODD),
    created=st.sampled_from([None, "2026-12-01T15:26:05Z", "yesterday", 5]),
    status=st.one_of(st.sampled_from([s.value for s in VendorStatus]), _ODD),
)
def test_a_lookup_is_read_as_a_holder_made_first_read_it(
    name: Any, email: Any, pass_id: Any, template: Any, code: Any, created: Any, status: Any
) -> None:
    """The lookup's holder validated with its pass gives the pass a ``Holder`` made first gave
    (``None`` where the model refuses the holder, raw keeping it), and the same refusal (type
    and message) for a lookup neither can read."""
    data = {
        "passId": pass_id,
        "templateId": template,
        "confirmationCode": code,
        "createdAt": created,
        "status": status,
        "holderName": name,
        "holderEmail": email,
    }
    try:
        general = _general_lookup(data)
    except Exception as exc:  # (compared with the fast reading's failure below)
        try:
            payloads.issued_from_lookup(data, provider="livepasses")
        except Exception as fast:
            assert (type(fast), str(fast)) == (type(exc), str(exc))
            return
        raise AssertionError("a lookup the general reading refuses was read") from None
    issued = payloads.issued_from_lookup(data, provider="livepasses")
    assert issued == general
    assert issued.model_fields_set == general.model_fields_set
    assert repr(issued) == repr(general)


def _general_settled(data: Mapping[str, Any], members: list[Pass]) -> list[Any]:
    """What ``settle_sync`` gave each recipient before a one-line answer skipped its map from
    lines to entries: the matched line's own entry (by identity), or the failure."""
    entries = [e for e in data.get("passes") or () if isinstance(e, Mapping)]
    lines = [payloads.batch_pass_from(e) for e in entries]
    keys = [batches.recipient_key(p) for p in members]
    matched = batches.match_lines(keys, lines, in_order=True)
    entry_of = {id(line): entry for line, entry in zip(lines, entries, strict=True)}
    return [
        None if line is None or line.pass_id is None or line.failed else entry_of[id(line)]
        for line in matched
    ]


_ANSWER_LINES = st.fixed_dictionaries(
    {"id": st.sampled_from(["p-1", "p-2"]), "qrCode": st.sampled_from(["LP1:a", "LP1:b"])},
    optional={
        "customerEmail": st.one_of(st.none(), _EMAILS),
        "confirmationCode": _CODES,
        "status": st.sampled_from(["Active", "failed"]),
    },
)


@given(
    members=st.lists(_recipients(), min_size=1, max_size=2),
    entries=st.lists(_ANSWER_LINES, max_size=3),
)
def test_a_generate_answer_gives_each_recipient_its_own_line(
    members: list[Pass], entries: list[dict[str, Any]]
) -> None:
    """Each recipient gets the pass of the entry its line was read from (an answer with one
    line: that entry, without the map from lines to entries), or an error where it has none."""
    data = {"batchId": "b-1", "passes": entries}
    expected = _general_settled(data, members)
    outcomes = batches.settle_sync(_OFFLINE["provider"], data, members)
    for outcome, entry in zip(outcomes, expected, strict=True):
        if entry is None:
            assert not isinstance(outcome, payloads.IssuedPass)
        else:
            assert isinstance(outcome, payloads.IssuedPass)
            assert outcome.raw == entry


def _general_outcomes(data: Mapping[str, Any], members: list[Pass]) -> list[Any]:
    """``settle_sync`` as it read every answer before a one-recipient answer of one line was
    read without its lists of entries, lines and matches (the general reading, kept here)."""
    lp = _OFFLINE["provider"]
    entries = [e for e in data.get("passes") or () if isinstance(e, Mapping)]
    lines = [payloads.batch_pass_from(e) for e in entries]
    matched = batches.match_lines([batches.recipient_key(p) for p in members], lines, in_order=True)
    entry_of = {id(line): entry for line, entry in zip(lines, entries, strict=True)}
    outcomes: list[Any] = []
    batch_id = data.get("batchId")
    for new_pass, line in zip(members, matched, strict=True):
        if line is None or (line.pass_id is None and not line.failed):
            outcomes.append(
                batches.ProviderUnavailable(
                    f"Livepasses' answer (batch {batch_id}) has no pass id for this recipient",
                    provider=lp.name,
                    operation="create",
                    outcome_unknown=True,
                )
            )
        elif line.failed:
            outcomes.append(batches.recipient_error(lp, line, batch_id))
        else:
            outcomes.append(
                payloads.issued_from_generated(
                    entry_of[id(line)],
                    provider=lp.name,
                    template=new_pass.template,
                    kind=None,
                    holder=new_pass.holder,
                    batch_id=str(batch_id) if batch_id else None,
                    generated_at=data.get("generatedAt"),
                )
            )
    return outcomes


def _outcome_seen(outcome: Any) -> Any:
    """What an application sees of an outcome: a pass's value, fields set and text, or an
    error's type, text, code and whether its outcome is unknown."""
    if isinstance(outcome, payloads.IssuedPass):
        return outcome, outcome.model_fields_set, repr(outcome)
    return type(outcome), str(outcome), outcome.code, outcome.outcome_unknown


#: One line of a create's answer: as Livepasses writes it (an id, a QR code, wallet links,
#: business data), with one member odd (another value or type, or left out), or odd itself.
_GOOD_LINE = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["p-1", "p-2"]),
        "qrCode": st.sampled_from(["LP1:a", "ü", "data:image/png;base64,AA", "x" * 2049]),
        "platforms": st.just(
            {
                "apple": {"available": True, "passUrl": "https://x.io/p.pkpass"},
                "google": {"available": False},
            }
        ),
        "businessData": st.sampled_from(
            [{"seatNumber": "A1", "confirmationCode": "LP-1"}, {"currentPoints": 5}, {}]
        ),
    },
    optional={
        "customerEmail": st.one_of(st.none(), _EMAILS),
        "confirmationCode": _CODES,
        "status": st.sampled_from(["Active", "failed", "FAILED", "Redeemed"]),
        "errorCode": st.sampled_from(["TEMPLATE_INACTIVE", "NOPE"]),
        "errorMessage": st.text(max_size=5),
        "analytics": st.just({"trackingId": "t-1", "engagementUrl": "u"}),
    },
)
_MEMBERS = st.sampled_from(
    [
        "id",
        "passId",
        "customerEmail",
        "holderEmail",
        "confirmationCode",
        "status",
        "errorCode",
        "qrCode",
        "platforms",
        "businessData",
        "analytics",
    ]
)


@st.composite
def _one_line(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(_ODD)
    entry: dict[str, Any] = draw(_GOOD_LINE)
    change = draw(st.sampled_from(["none", "odd", "drop"]))
    member = draw(_MEMBERS)
    if change == "odd":
        entry[member] = draw(st.one_of(_ODD, st.sampled_from(["", "..", "p 2", "p-" + "9" * 300])))
    elif change == "drop":
        entry.pop(member, None)
    return entry


@given(
    new_pass=_recipients(),
    entry=_one_line(),
    batch_id=st.one_of(st.sampled_from(["b-1", ""]), _ODD),
    generated=st.sampled_from([None, "2026-12-01T15:26:05Z", "yesterday", 5]),
)
def test_a_create_answer_of_one_line_is_read_as_the_general_reading_reads_it(
    new_pass: Pass, entry: Any, batch_id: Any, generated: Any
) -> None:
    """A create's answer (one recipient, one line) read straight into its outcome gives what
    the general reading gives: the same pass (value, fields set, text), the same error, or the
    same refusal of a line walletpass cannot read (type and message)."""
    data = {"batchId": batch_id, "generatedAt": generated, "passes": [entry]}
    try:
        general = [_outcome_seen(o) for o in _general_outcomes(data, [new_pass])]
    except Exception as exc:  # (compared with the fast reading's failure below)
        try:
            batches.settle_sync(_OFFLINE["provider"], data, [new_pass])
        except Exception as fast:
            assert (type(fast), str(fast)) == (type(exc), str(exc))
            return
        raise AssertionError("an answer the general reading refuses was read") from None
    fast = batches.settle_sync(_OFFLINE["provider"], data, [new_pass])
    assert [_outcome_seen(o) for o in fast] == general


def _general_written(response: Any, pass_id: Any) -> Any:
    """``parse_update``'s pass as it was read on every update before the written pass was a
    copy: one ``IssuedPass`` validated from its values."""
    lp = _OFFLINE["provider"]
    data = lp.data_of(response, "update")
    sent = response.sent().json or {}
    updated = dict(sent.get("updatedFields") or {})
    kind = lp.kind_known(pass_id) if "currentPoints" in updated or "points" in updated else None
    meta: dict[str, Any] = {}
    if "messageBody" in sent:
        meta["notified"] = sent.get("notify", True)
    return payloads.IssuedPass.model_validate(
        {
            "id": pass_id,
            "vendor_id": pass_id,
            "provider": lp.name,
            "fields": updated,
            "balance": payloads.balance_from(updated, kind),
            "meta": meta,
            "raw": data,
        }
    )


_UPDATED = st.dictionaries(
    st.one_of(
        st.sampled_from(["seatNumber", "currentPoints", "points", "accountBalance", "currency"]),
        st.text(max_size=4),
        st.builds(_Text, st.sampled_from(["seatNumber", "k"])),
        st.integers(0, 3),
    ),
    st.one_of(st.text(max_size=4), _WHOLE, st.floats(), st.none(), st.booleans()),
    max_size=3,
)


@given(
    pass_id=st.one_of(
        st.sampled_from(["p-0193", "p 1", "", "p-1\n", "\x1b[2J", "ü-1", "\u202e1", "x" * 300]),
        st.text(max_size=6),
        st.builds(_Text, st.sampled_from(["p-0193", ""])),
    ),
    updated=st.one_of(st.none(), _UPDATED),
    message=st.one_of(st.none(), st.just("Hi")),
    notify=st.one_of(st.none(), st.booleans()),
    data=st.one_of(st.just({"passId": "p-0193", "updatedAt": "2026-12-01T18:02:02Z"}), _ODD),
)
def test_an_update_answer_is_read_as_the_validated_written_pass(
    pass_id: Any, updated: Any, message: Any, notify: Any, data: Any
) -> None:
    """The written pass, a copy of the provider's with this update's values set where
    validation would keep each as given, equals the one validated from them (value, fields
    set, text, attribute order), and is refused alike (type and message) where it is not."""
    body: dict[str, Any] = {}
    if updated is not None:
        body["updatedFields"] = updated
    if message is not None:
        body["messageBody"] = message
    if notify is not None:
        body["notify"] = notify
    request = wire.request("PUT", wire.PASS, Safety.IDEMPOTENT, body=body, passId="p-0193")
    answer = json.dumps({"success": True, "data": data}).encode()
    response = VendorResponse(
        200, {}, answer, method="PUT", path="/api/passes/p-0193", request=request
    )
    lp = _OFFLINE["provider"]
    try:
        general = _general_written(response, pass_id)
    except Exception as exc:  # (compared with the fast reading's failure below)
        try:
            lp.parse_update(response, pass_id, PassUpdate(message="m"))
        except Exception as fast:
            assert (type(fast), str(fast)) == (type(exc), str(exc))
            return
        raise AssertionError("an update answer the general reading refuses was read") from None
    for _ in range(2):  # (the provider's written pass made by the first, then kept)
        written = lp.parse_update(response, pass_id, PassUpdate(message="m"))
        assert written == general
        assert written.model_fields_set == general.model_fields_set
        assert repr(written) == repr(general)
        assert list(written.__dict__) == list(general.__dict__)
        assert type(written.id) is type(general.id)
        assert type(written.fields) is dict
        assert [type(k) for k in written.fields] == [type(k) for k in general.fields]


#: A provider never meant to send, for the hooks a settled answer calls (made per module run).
_OFFLINE: dict[str, Any] = {}


def setup_module() -> None:
    from walletpass_livepasses import LivepassesProvider

    _OFFLINE["provider"] = LivepassesProvider(
        api_key="lp_live_secret_key_123", base_url="http://127.0.0.1:9"
    )


def teardown_module() -> None:
    _OFFLINE.pop("provider").close()


@st.composite
def _generated(draw: st.DrawFn) -> Pass:
    """A pass as a create sends it: with or without an external id, an event, request-level
    extra (options, businessContext) and recipient extra."""
    new_pass = draw(_recipients())
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["options"] = draw(
            st.sampled_from([{}, {"deliveryMethod": "email"}, {"sendEmail": True}])
        )
    if draw(st.booleans()):
        extra["businessContext"] = {"event": {"venueName": draw(st.text(max_size=3))}}
    if draw(st.booleans()):
        extra["customer"] = {"phone": "+15550100"}
    event = draw(
        st.sampled_from(
            [None, {"title": "Show"}, {"starts_at": datetime(2027, 3, 1, 19, 30, tzinfo=UTC)}]
        )
    )
    return new_pass.model_copy(update={"extra": extra or None, "event": event and Event(**event)})


@given(new_pass=_generated())
def test_a_create_is_built_as_the_generate_call_of_its_one_pass(new_pass: Pass) -> None:
    """build_create makes the request build_generate makes of a list of that one pass."""
    lp = _OFFLINE["provider"]
    one = lp.build_create(new_pass)
    general = lp.build_generate([new_pass])
    assert (one.method, one.path, one.path_template, one.safety, one.query) == (
        general.method,
        general.path,
        general.path_template,
        general.safety,
        general.query,
    )
    assert one.json == general.json
    assert json.dumps(one.json) == json.dumps(general.json)


def _general_field_problems(fields: Mapping[str, Any]) -> list[Any]:
    """``checks._field_problems`` as it read every field before text skipped the text rule."""
    problems = []
    for key, raw in fields.items():
        value = payloads.plain_value(raw)
        spec = limits.BUSINESS_DATA.members.get(key)
        if spec is limits.Value.NUMBER or spec is limits.Value.INTEGER:
            message = checks._number_problem(value, spec)
        else:
            message = checks._text_problem(value)
        if message is not None:
            problems.append((f"fields.{key}", message))
    return problems


@given(
    fields=st.dictionaries(
        st.sampled_from(["seatNumber", "currentPoints", "ticketPrice", "gate", "memberTier"]),
        st.one_of(_FIELD_VALUES, _ODD, st.builds(PassField, value=st.booleans())),
        max_size=4,
    )
)
def test_a_pass_fields_are_checked_as_the_general_reading_checks_them(
    fields: dict[str, Any],
) -> None:
    found = [(p.location, p.message) for p in checks._field_problems(fields)]
    assert found == _general_field_problems(fields)


@given(
    template=st.one_of(
        st.sampled_from(["tmpl-001", "", ".", "..", "a b", "a/b", "ü", "t\n", "x" * 201]),
        st.text(max_size=8),
        st.builds(_Text, st.sampled_from(["tmpl-001", ".."])),
    )
)
def test_a_templates_problem_is_the_id_problem_asked_once(template: str) -> None:
    """The template's problem, remembered per template text, is the id check's answer, the
    first time and from memory (a str subclass equal to a text asked before included)."""
    for _ in range(2):
        assert limits.template_problem(template) == limits.id_problem(template)


@given(
    body=st.one_of(
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.builds(MappingProxyType, st.just({"success": True})),
        _ODD,
        st.text(max_size=3),
    )
)
def test_an_envelope_and_its_data_are_objects_as_the_abc_tells(body: Any) -> None:
    """An answer's envelope and data are taken, or refused with the same message, exactly where
    the Mapping ABC says they are objects (a dict is one without asking it)."""
    for read, message in (
        (wire.envelope, "the answer is not a Livepasses envelope (a JSON object)"),
        (batches.data_object, "the answer's data is not an object"),
    ):
        if isinstance(body, Mapping):
            assert read(body) is body
        else:
            try:
                read(body)
            except ValueError as exc:
                assert str(exc) == message
            else:
                raise AssertionError("a value that is no object was taken")
