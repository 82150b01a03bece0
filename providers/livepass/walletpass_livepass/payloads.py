"""Pure translation between the neutral model and LivePass's snake_case JSON, both ways.

LivePass has no templates and no partial update: a pass is one flat object of documented keys,
written whole by an upsert. So this module turns neutral content into *vendor key -> value* maps,
lays them over a complete set of the type's keys (empty strings where there is no value, as the
documentation's own examples do), and reads answers back into ``IssuedPass``. Nothing here sends
anything or reads settings, so hypothesis can round-trip every function without HTTP.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from walletpass.barcodes import LARGEST_MESSAGE
from walletpass.behaviour import MetaFacts
from walletpass.extra import merge_extra
from walletpass.kinds import KindTable
from walletpass.model import (
    Balance,
    Barcode,
    BarcodeFormat,
    Holder,
    IssuedPass,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
    PassUrls,
)
from walletpass.redaction import redact
from walletpass.rendering import render_fields
from walletpass.timestamps import parse_unix_seconds
from walletpass.values import text_problem
from walletpass_livepass.limits import (
    BARCODE_KEYS,
    BARCODE_TYPES,
    BODY_KEYS,
    CONTENT_KEYS,
    EMPTIABLE_KEYS,
    HOLDER_KEYS,
    IGNORED_KEYS,
    LOCATION_KEYS,
    PassType,
    id_problem,
)

__all__ = [
    "KIND_TYPES",
    "META_KEYS",
    "OWNED_BY",
    "Links",
    "create_body",
    "decode_id",
    "encode_id",
    "field_text",
    "field_values",
    "issued_from_answer",
    "json_number",
    "kept_by_update",
    "merged_body",
    "neutral_values",
    "own_barcode",
    "pass_type_of",
    "render_date",
    "render_duration",
    "render_time",
]

#: An answer's links as a pass is validated with them: a mapping of ``web`` and ``apple``, or
#: the shared ``PassUrls`` of an answer without links.
Links = Mapping[str, str | None] | PassUrls

#: The LivePass type a neutral kind is issued as (kinds not listed have no LivePass type), and
#: the kind a pass read back from LivePass reports (a membership card: membership).
KIND_TYPES: KindTable[PassType] = KindTable(
    {
        PassType.RESERVATION: "reservation",
        PassType.APPOINTMENT: "appointment",
        PassType.MEMBERSHIP_CARD: "membership loyalty",
    }
)

#: KIND_TYPES read both ways, as plain dicts (looked up on every build, check and answer).
_TYPE_OF_KIND: dict[PassKind, PassType] = dict(KIND_TYPES.items())
_KIND_OF_TYPE: dict[PassType, PassKind | None] = {t: KIND_TYPES.kind_of(t) for t in PassType}

_TYPE_NAMES = ", ".join(t.value for t in PassType)
_KIND_NAMES = ", ".join(k.value for k in KIND_TYPES)

#: Which neutral attribute writes which vendor keys (for conflicts with ``fields`` and clears).
_EVENT_KEYS = ("title", "date", "time", "duration", "url")
_BALANCE_KEYS = ("balance_amount", "balance_currency")
OWNED_BY: dict[str, tuple[str, ...]] = {
    "holder": HOLDER_KEYS,
    "balance": _BALANCE_KEYS,
    "tier": ("membership_tier",),
    "event": _EVENT_KEYS,
    "locations": LOCATION_KEYS,
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ------------------------------------------------------------------------------------------
# Ids and types
# ------------------------------------------------------------------------------------------


#: Each pass type by its value (the first part of its URL path): found without Enum's call,
#: which every id decoded and every answer read would pay.
_TYPES_BY_VALUE: dict[str, PassType] = {pass_type.value: pass_type for pass_type in PassType}
#: Each pass type's value by the type: ``.value`` is a property call of Enum's on CPython 3.11,
#: and every answer read names its type twice (the id, the template).
_VALUES: dict[PassType, str] = {pass_type: pass_type.value for pass_type in PassType}
_TYPES = frozenset(_VALUES.values())


def encode_id(pass_type: PassType, vendor_id: str) -> str:
    """The opaque walletpass id: LivePass needs the type as well as your id to find a pass."""
    return f"{_VALUES[pass_type]}.{vendor_id}"


def decode_id(pass_id: str) -> tuple[PassType, str]:
    """``(type, LivePass id)`` from an opaque id; ``ValueError`` saying what is wrong."""
    pass_type, dot, vendor_id = pass_id.partition(".")
    if not dot:
        raise ValueError(
            f"is not a livepass pass id ('<type>.<id>', e.g. 'reservation.1003'), got {pass_id!r}"
        )
    kind = _TYPES_BY_VALUE.get(pass_type)
    if kind is None:
        raise ValueError(f"names no LivePass pass type ({_TYPE_NAMES}), got {pass_type!r}")
    why = id_problem(vendor_id)
    if why is not None:
        raise ValueError(f"has a LivePass id that {why}")
    return kind, vendor_id


def pass_type_of(template: str, kind: PassKind) -> PassType:
    """The type a pass is issued as: named by the template, or chosen by the kind.

    ``ValueError`` when neither decides, or when they disagree.
    """
    # (The member by its value without Enum's call: this runs in the build, the check and
    # unsupported_here of every create.)
    named = _TYPES_BY_VALUE.get(template)
    chosen = _TYPE_OF_KIND.get(kind)
    if named is not None and chosen is not None and named is not chosen:
        raise ValueError(
            f"a {kind.value} pass is a LivePass {chosen.value}, but the template names "
            f"{named.value}"
        )
    result = named or chosen
    if result is None:
        raise ValueError(
            f"must name a LivePass pass type ({_TYPE_NAMES}), directly or through a template "
            f"alias, unless kind is one of {_KIND_NAMES}; got {template!r}"
        )
    return result


# ------------------------------------------------------------------------------------------
# Scalars: the documentation's free-text forms
# ------------------------------------------------------------------------------------------


def render_date(value: date) -> str:
    """``Nov 6, 2024``: the form of the documentation's examples."""
    return _day(value.year, value.month, value.day)


def render_time(value: datetime | time) -> str:
    """``10:00am``: twelve-hour clock, lower-case suffix, as in the documentation."""
    return _clock(value.hour, value.minute)


# Each text made once and remembered (the same few dates and times recur across a run's passes:
# formatting the numbers again cost twice the look-up). Bounded: a clock has 1440 readings.
@functools.cache
def _clock(hour: int, minute: int) -> str:
    return f"{hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"


@functools.lru_cache(maxsize=512)
def _day(year: int, month: int, day: int) -> str:
    return f"{_MONTHS[month - 1]} {day}, {year}"


def render_duration(value: timedelta) -> str:
    """``60min``: whole minutes, as in the documentation."""
    return f"{int(value.total_seconds()) // 60}min"


def balance_in_fields(balance: Balance, facts: MetaFacts) -> dict[str, Any]:
    """The fields a pass's balance is answered in (the profile's
    ``VendorBehaviour.balance_in_fields``): every LivePass answer carries the pass's field set,
    the balance as ``balance_amount`` and its currency as ``balance_currency`` among them, as a
    write sends them (:func:`neutral_values`)."""
    values: dict[str, Any] = {"balance_amount": json_number(balance.amount)}
    if balance.currency is not None:
        values["balance_currency"] = balance.currency
    return values


def attributes_in_fields(facts: MetaFacts) -> dict[str, Any]:
    """The fields the pass's neutral attributes were written to (the profile's
    ``VendorBehaviour.attributes_in_fields``): every LivePass answer carries the pass's whole
    field set, so a tier, an event or a location reads back among the fields under the keys a
    write sends (:func:`neutral_values`: ``membership_tier``, ``title``, ``date``, ...,
    ``location_lat``); the balance's are :func:`balance_in_fields`'."""
    kept = facts.kept
    sent = kept.raw
    if not isinstance(sent, Mapping) or not sent or kept.template not in _TYPES:
        return {}
    content = Pass.model_validate(sent)
    keys = CONTENT_KEYS[PassType(kept.template)]
    return {
        key: value
        for key, value in _given(content)[1]
        if value is not None and key in keys and key not in _BALANCE_KEYS
    }


def json_number(value: Decimal | int | float) -> int | float:
    """A number for JSON: integral values as integers, others as the nearest double."""
    decimal = value if isinstance(value, Decimal) else Decimal(repr(value))
    if decimal == decimal.to_integral_value():
        return int(decimal)
    return float(decimal)


def _plain(value: float | Decimal) -> str:
    """A number as decimal text without an exponent (``0.00001``, not ``1e-05``).

    Floats use their shortest exact form, so the text reads back as the same float; decimals
    keep the precision they were given (``12.50``).
    """
    decimal = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format(decimal, "f")


def field_text(key: str, value: Any) -> str:
    """A neutral field value as the free text LivePass stores for ``key``."""
    if isinstance(value, bool):
        raise ValueError("booleans have no LivePass text form: send the words to show")
    if isinstance(value, datetime):
        if key == "time":
            return render_time(value)
        if key == "date":
            return render_date(value)
        return f"{render_date(value)} {render_time(value)}"
    if isinstance(value, date):
        return render_date(value)
    if isinstance(value, Decimal | float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return _plain(value)
    return str(value)


# ------------------------------------------------------------------------------------------
# Neutral -> vendor key maps
# ------------------------------------------------------------------------------------------


def neutral_values(content: Pass | PassUpdate, *, replace: bool) -> dict[str, Any]:
    """The vendor keys the neutral attributes of ``content`` write (``fields`` aside).

    With ``replace`` (updates) a given object writes every key it owns, ``""`` where its own
    attribute is unset, so the object replaces the previous one as the neutral contract says;
    for a new pass only what is set is written.
    """
    head, tail = _given(content)
    given = head + tail
    if replace:
        values = {
            key: "" if value is None else value
            for key, value in given
            if value is not None or key in EMPTIABLE_KEYS
        }
        locations = content.locations
        if locations is not None and not locations:  # an explicit [] removes the location
            values.update(dict.fromkeys(LOCATION_KEYS, ""))
        return values
    return {key: value for key, value in given if value is not None}


def _given(
    content: Pass | PassUpdate,
) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """Each (key, value) the neutral attributes of ``content`` write, in the documented order of
    the keys (a value may be ``None``: not set): the holder's and barcode's keys, which the
    documentation writes before ``silent``, and the others, which it writes after it."""
    given: list[tuple[str, Any]] = []
    holder = content.holder
    if holder is not None:
        given += (
            ("full_name", holder.display_name),
            ("email", holder.email),
            ("phone_number", holder.phone),
        )
    barcode = content.barcode
    if barcode is not None:
        given += (("barcode_type", barcode.symbology.value), ("barcode_data", barcode.message))
    head = given
    given = []
    balance = content.balance
    if balance is not None:
        given += (
            ("balance_amount", json_number(balance.amount)),
            ("balance_currency", balance.currency),
        )
    if content.tier is not None:
        given.append(("membership_tier", content.tier))
    event = content.event
    if event is not None:
        starts_at = event.starts_at
        given += (
            ("title", event.title),
            ("date", render_date(starts_at) if starts_at else None),
            ("time", render_time(starts_at) if starts_at else None),
            ("duration", render_duration(event.duration) if event.duration else None),
            ("url", event.url),
        )
    locations = content.locations
    if locations:
        location = locations[0]
        given += (
            ("location_name", location.name),
            ("location_address", location.address),
            ("location_url", location.url),
            ("location_lat", _plain(location.latitude)),
            ("location_lng", _plain(location.longitude)),
        )
    return head, given


def _empty(keys: tuple[str, ...] | frozenset[str]) -> dict[str, str]:
    """``""`` for the string keys of ``keys`` an update may empty; the others are left out."""
    return {key: "" for key in keys if key in EMPTIABLE_KEYS}


def field_values(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """``Pass.fields`` as vendor values (the keys are LivePass's own); a value LivePass has no
    form for is refused by its neutral path (``ValidationError``): not sent, not lost."""
    if not fields:  # (most passes: nothing to render, nothing to refuse)
        return {}
    return render_fields(fields, _field_value)


def _field_value(key: str, raw: Any) -> Any:
    value = raw.value if isinstance(raw, PassField) else raw
    if key == "balance_amount" and isinstance(value, Decimal | int | float):
        return json_number(value)
    return field_text(key, value)


#: Each type's documented keys in the documentation's order (a body is sent in it).
_ORDER: dict[PassType, tuple[str, ...]] = {
    pass_type: (
        *HOLDER_KEYS,
        *BARCODE_KEYS,
        "silent",
        *IGNORED_KEYS[pass_type],
        *CONTENT_KEYS[pass_type],
    )
    for pass_type in PassType
}

#: ``""`` for each type's documented string keys an update may empty (:func:`_empty`).
_EMPTIED: dict[PassType, dict[str, str]] = {
    pass_type: {key: "" for key in BODY_KEYS[pass_type] if key in EMPTIABLE_KEYS}
    for pass_type in PassType
}


#: Each type's documented keys in order (each to be given its value) and as a set.
_SLOTS: dict[PassType, dict[str, None]] = {t: dict.fromkeys(keys) for t, keys in _ORDER.items()}
_DOCUMENTED: dict[PassType, frozenset[str]] = {t: frozenset(keys) for t, keys in _ORDER.items()}
#: Each type's documented request keys as a set: what an update keeps of the pass it read.
_KNOWN: dict[PassType, frozenset[str]] = {t: frozenset(keys) for t, keys in BODY_KEYS.items()}


def _ordered(pass_type: PassType, values: Mapping[str, Any]) -> dict[str, Any]:
    """The documented keys first, in the documentation's order, then anything else."""
    # (the slots in order, the values laid over them, the slots without a value taken out: a
    # few calls into C, where a comprehension over every documented key ran it in Python,
    # 18.8 -> 14.7 k instructions per update body)
    body: dict[str, Any] = _SLOTS[pass_type].copy()
    body.update(values)
    for key in _DOCUMENTED[pass_type].difference(values):
        del body[key]
    return body


#: A documented key of an update's body that has no value (yet): taken out at the end.
_GAP: Any = object()

#: What an update's body starts from (LivePass documents only a whole upsert), each documented
#: key at its place in the documented order: ``""`` for every string key an update may empty,
#: the QR code (its data, the pass id, set per body) and ``silent``; a gap for the others.
_MERGE_BASE: dict[PassType, dict[str, Any]] = {
    pass_type: {
        **dict.fromkeys(keys, _GAP),
        **_EMPTIED[pass_type],
        "barcode_type": BARCODE_TYPES[0],
        "silent": True,
    }
    for pass_type, keys in _ORDER.items()
}
#: The keys left a gap in :data:`_MERGE_BASE` (the pass id fills ``barcode_data`` per body).
_GAPPED: dict[PassType, tuple[str, ...]] = {
    pass_type: tuple(k for k, v in base.items() if v is _GAP and k != "barcode_data")
    for pass_type, base in _MERGE_BASE.items()
}


def create_body(
    new_pass: Pass, pass_type: PassType, vendor_id: str, *, silent: bool
) -> dict[str, Any]:
    """The complete POST body for a new pass.

    Each key with a value is sent in its documented JSON type; a key without one is left out
    (``""`` is not a number, nor an email address). Without a barcode the QR code encodes the
    pass id, as the documentation suggests. ``extra`` is merged last.
    """
    head, tail = _given(new_pass)
    # Written in the documented order (_ordered's): the holder's and barcode's keys, silent, the
    # others (the pass's kind, as _given writes them, is the type's); the QR code of the id where
    # the pass has none (the barcode's message is never empty).
    # (plain loops, not a comprehension and update() of a generator, each a frame of its own on
    # every create: build_create 51.1 -> 46.2 k instructions, 235 -> 216 k cycles cold)
    body: dict[str, Any] = {}
    for key, value in head:
        if value is not None:
            body[key] = value
    if "barcode_data" not in body:
        body["barcode_type"] = BARCODE_TYPES[0]
        body["barcode_data"] = vendor_id
    body["silent"] = silent
    for key, value in tail:
        if value is not None:
            body[key] = value
    if not new_pass.fields and not new_pass.extra:
        return body  # (the documented order already: nothing to add or lay over)
    body.update(field_values(new_pass.fields))
    body["silent"] = silent
    if new_pass.extra:
        body = merge_extra(body, new_pass.extra)
    return _ordered(pass_type, body)


def merged_body(
    pass_type: PassType,
    vendor_id: str,
    current: Mapping[str, Any],
    change: PassUpdate,
    *,
    silent: bool,
) -> dict[str, Any]:
    """The complete POST body of an update: the current pass with ``change`` laid over it.

    LivePass documents no partial update, so every documented string key is sent (coordinates
    too, so a removed location is really removed). Keys the change clears (``None``) are sent
    as ``""`` where they are strings and left out where ``""`` is not of their documented type
    (``balance_amount``, ``email``); a cleared barcode goes back to the pass id.
    """
    # Each documented key keeps its place in the documented order from the start (a key taken
    # out is left a gap, not removed, so one given again is not moved to the end), so the body
    # is in that order without a sort into it (_ordered's copy and update, 13 k instructions);
    # keys the type does not document are added and removed as they come, after those.
    slots = _SLOTS[pass_type]
    body = _MERGE_BASE[pass_type].copy()
    body["barcode_data"] = vendor_id
    body.update(current)
    gaps = list(_GAPPED[pass_type])
    # (what the pass read has besides the type's request keys: version, token, timestamps)
    for key in current.keys() - _KNOWN[pass_type]:
        if key in slots:
            body[key] = _GAP
            gaps.append(key)
        else:
            del body[key]
    changed = change.changed()
    # (what change.cleared() names, read from changed() rather than from the model again; in
    # the order set, where cleared() gives a set's: each name empties keys of its own, or keys
    # it shares with "fields" that both empty alike, so the order does not change the body)
    for name in [name for name, value in changed.items() if value is None]:
        if name == "barcode":
            body.update(barcode_type=BARCODE_TYPES[0], barcode_data=vendor_id)
            continue
        owned = CONTENT_KEYS[pass_type] if name == "fields" else OWNED_BY.get(name, ())
        for key in owned:
            _take_out(body, key, slots, gaps)
        # (only keys the type documents: a membership card has no event key to empty, and
        # LivePass refuses one it does not take, '"title" is not allowed')
        body.update({key: "" for key in _empty(owned) if key in slots})
    values = neutral_values(change, replace=True)
    if "" in values.values():  # (the same for an object given empty: Event())
        values = {key: value for key, value in values.items() if value != "" or key in slots}
    for name, value in changed.items():
        if value is not None:  # a given object replaces the old one: its unset keys go
            for key in OWNED_BY.get(name, ()):
                if key not in values:
                    _take_out(body, key, slots, gaps)
    body.update(values)
    if change.fields:  # (most changes: no field to render, and no call to say so)
        body.update(field_values(change.fields))
    if body.get("barcode_data") in (None, ""):
        body.update(barcode_type=BARCODE_TYPES[0], barcode_data=vendor_id)
    body["silent"] = silent
    for key in gaps:
        if body.get(key) is _GAP:
            del body[key]
    if change.extra:  # (it may give a key a value again, at the end: sorted into its place)
        return _ordered(pass_type, merge_extra(body, change.extra))
    return body


def _take_out(body: dict[str, Any], key: str, slots: Mapping[str, None], gaps: list[str]) -> None:
    """``key`` out of an update's ``body``: a documented key (always there, a value or a gap)
    left a gap at its place."""
    if key in slots:
        body[key] = _GAP
        gaps.append(key)
    else:
        body.pop(key, None)


# ------------------------------------------------------------------------------------------
# Vendor -> neutral
# ------------------------------------------------------------------------------------------


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _holder(body: Mapping[str, Any]) -> Holder | dict[str, Any] | None:
    """The holder an answer reports, for the pass's validation: a holder of a name alone as the
    mapping it makes the Holder from where Holder's field rules cannot refuse nor change it
    (exactly ``str``, of 1 to 200 characters, Unicode), else made unvalidated. Either way the
    same Holder; the mapping saves making a model first (``model_construct``'s call cost more
    than the mapping's validation with the pass)."""
    # (each text as _text_or_none reads it, without its call: every answer reads these)
    name = body.get("full_name")
    name = name if isinstance(name, str) and name else None
    email = body.get("email")
    email = email if isinstance(email, str) and email else None
    phone = body.get("phone_number")
    phone = phone if isinstance(phone, str) and phone else None
    if email is None and phone is None:
        if name is None:
            return None
        if (
            type(name) is str
            and len(name) <= _NAME_MAX
            and (name.isascii() or text_problem(name) is None)
        ):
            return {"name": name, "email": None, "phone": None}
    # Kept as LivePass stores them: it accepts addresses walletpass would not (and mails none).
    return Holder.model_construct(name=name, email=email, phone=phone)


#: The longest name Holder's own field rule takes.
_NAME_MAX = Holder.model_fields["name"].metadata[1].max_length


def own_barcode(issued: IssuedPass) -> Barcode:
    """The barcode a pass written without one carries: its id (``barcode_data``) as a QR code."""
    return Barcode(message=issued.external_id or issued.vendor_id, format=BarcodeFormat.QR)


#: Members read on every answer, bound once (an enum member looked up through its class is a
#: call of its own on CPython 3.11).
_QR = BarcodeFormat.QR
_ISSUED = PassStatus.ISSUED


def _barcode(body: Mapping[str, Any]) -> Barcode | dict[str, Any] | None:
    """The barcode an answer reports, for the pass's validation: as the mapping it makes the
    Barcode from where Barcode's field rules cannot refuse nor change it (exactly ``str``, of at
    most the longest message, Unicode), else made unvalidated. Either way the pass's validation
    runs Barcode's drawing check (a model validator runs on a model handed in too), so both give
    the same Barcode or the same refusal."""
    message = body.get("barcode_data")
    if not isinstance(message, str) or not message:
        return None
    # Known, not guessed: barcode_type "Allowed values: qr" (LivePass's one symbology).
    if (
        type(message) is str
        and len(message) <= LARGEST_MESSAGE
        and (message.isascii() or text_problem(message) is None)
    ):
        return {"message": message, "format": _QR}
    return Barcode.model_construct(message=message, format=_QR)


def balance_read(body: Mapping[str, Any], kind: PassKind | None = None) -> Balance | None:
    """The balance the provider reads from ``body`` (the profile's
    ``VendorBehaviour.balance_read``): :func:`_balance`, whatever the kind."""
    return _balance(body)


def _balance(body: Mapping[str, Any]) -> Balance | None:
    """``balance_amount`` (a JSON number, as the membership-card page types it) in
    ``balance_currency`` (money, or e.g. ``points``). Anything else is no balance: the value
    stays in ``fields`` as LivePass answered it."""
    amount = body.get("balance_amount")
    if amount is None or isinstance(amount, bool) or not isinstance(amount, int | float):
        return None  # (None first: most answers, all bookings, have no balance)
    if isinstance(amount, float) and not math.isfinite(amount):
        return None
    currency = _text_or_none(body.get("balance_currency"))
    try:
        return Balance(
            amount=Decimal(repr(amount)),
            currency=currency if currency is not None and len(currency) <= 32 else None,
        )
    except ValueError:  # beyond what the neutral model holds: raw keeps it
        return None


#: ``IssuedPass.meta`` keys a LivePass pass may carry (the provider declares them).
META_KEYS: dict[str, str] = {
    "message": "the answer's message, e.g. 'Pass requested' or 'Pass retrieved' (text)",
    "silent": "whether the pass was written silently, as the answer echoes it (bool)",
}


def _read(answer: Any) -> tuple[PassType, str, Mapping[str, Any], Links]:
    """The pass type, LivePass id, ``body`` and links of either documented answer: what every
    reading of one checks first (``ValueError``, ``KeyError``: not such an answer). The links
    are what the pass is validated with: a mapping, or the one shared ``PassUrls`` of none."""
    # (JSON's own types tested first, by exact type: an ABC's isinstance costs ten times more)
    if type(answer) is not dict and not isinstance(answer, Mapping):
        raise ValueError("the answer is not a JSON object")
    named = answer["type"]
    pass_type = _TYPES_BY_VALUE.get(named) if type(named) is str else None
    if pass_type is None:
        pass_type = PassType(named)  # (refused as the enum refuses it)
    vendor_id = answer["id"]
    if type(vendor_id) is not str:
        if isinstance(vendor_id, bool) or not isinstance(vendor_id, str | int):
            raise ValueError(f"id {vendor_id!r} is not a pass id")
        vendor_id = str(vendor_id)
    body = answer["body"]
    if type(body) is not dict and not isinstance(body, Mapping):
        raise ValueError("body is not a JSON object")
    links = answer.get("links")
    if links is None or (type(links) is not dict and not isinstance(links, Mapping)):
        return pass_type, vendor_id, body, _no_links()  # (a write's answer: no links)
    web = links.get("web")
    apple = links.get("apple")
    # (each link as _text_or_none reads it)
    web = web if isinstance(web, str) and web else None
    apple = apple if isinstance(apple, str) and apple else None
    if web is None and apple is None:
        return pass_type, vendor_id, body, _no_links()
    # (a mapping: validated with the pass, not as a model of its own first)
    return pass_type, vendor_id, body, {"web": web, "apple": apple}


@functools.cache
def _no_links() -> PassUrls:
    """The links of an answer that has none, as a pass validated from ``{"web": None,
    "apple": None}`` holds them (both named, so the same fields set): made once and shared
    (the model is frozen), where the mapping was validated into a model of its own on every
    write's answer."""
    return PassUrls(web=None, apple=None)


def _stamps(body: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """``created_at`` and ``last_updated_at`` of an answer's ``body``, read (``ValueError`` for
    an unreadable one, ``created_at`` first). A pass never updated has the same number in
    both (every read of a new pass): read once, the same instant."""
    created = body.get("created_at")
    created_at = parse_unix_seconds(created)
    updated = body.get("last_updated_at")
    if type(updated) is type(created) and updated == created:  # (NaN is not equal to itself)
        return created_at, created_at
    return created_at, parse_unix_seconds(updated)


def kept_by_update(answer: Any, pass_id: str) -> tuple[Links, datetime | None] | None:
    """What an update keeps of the pass its GET ``answer`` reads (LivePass's write answers
    neither): the links, as :func:`issued_from_answer` reads them, and ``created_at``.

    The answer is refused exactly where :func:`issued_from_answer` refuses it (the same reading,
    the same timestamp rule, in the same order; an answer nested beyond its documented levels is
    copied as that reading copies it, for the same refusal); ``None`` when it is about another
    pass than ``pass_id``, which the full reading reports. Nothing else is built: the update's
    pass is its write's answer, so the read's own pass (its redacted ``raw``, holder, barcode)
    would be thrown away.
    """
    pass_type, vendor_id, body, urls = _read(answer)
    if encode_id(pass_type, vendor_id) != pass_id:
        return None
    created_at, _ = _stamps(body)  # (an unreadable last_updated_at is refused, as read)
    if not _flat(answer, body, answer.get("links")):
        # The full reading copies the answer (its redacted raw) level by level: one nested too
        # deep for that is refused there (RecursionError), before the write, and so here.
        redact(answer)
    return urls, created_at


#: The exact types JSON decodes a scalar to: values nothing can recurse into.
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def _flat(answer: Mapping[str, Any], body: Mapping[str, Any], links: Any) -> bool:
    """Whether the answer is the documented one level of ``body`` and ``links`` over scalars
    (as LivePass answers): nothing a copy of it could recurse into. ``False`` for anything
    else, a scalar of a subclass included (only a copy can tell whether it recurses)."""
    # (a level's types tested in one C call, not one isinstance per value: 17 -> 13 k
    # instructions per read of the benchmark's answer)
    scalars = _SCALAR_TYPES.issuperset
    if not scalars(map(type, body.values())):
        return False
    links = links if isinstance(links, Mapping) else None
    for value in answer.values():
        if type(value) not in _SCALAR_TYPES and value is not body and value is not links:
            return False
    return links is None or scalars(map(type, links.values()))


def issued_from_answer(
    answer: Any,
    *,
    provider: str,
    kind: PassKind | None = None,
    kept: tuple[Links, datetime | None] | None = None,
) -> IssuedPass:
    """An ``IssuedPass`` from either documented answer.

    POST answers ``{type, id, body, message}`` (``body`` echoes what was sent); GET answers
    ``{message, body, links, id, type}`` with ``version`` and Unix timestamps in ``body`` and
    ``links.web`` / ``links.apple``. The ``token`` in a GET body is masked in ``raw``: its purpose
    is not documented, so it is treated as a secret. The pass type is both ``template`` and
    ``vendor_template`` (a template alias names the logical template when it is presented).

    :param kept: an update's write answer: the links and ``created_at`` of the pass it read
        (:func:`kept_by_update`), which the write does not change and its answer does not tell;
        they stand for the answer's own (still read, so an unreadable one is refused alike).
    """
    pass_type, vendor_id, body, urls = _read(answer)
    created_at, updated_at = _stamps(body)
    if kept is not None:
        urls, created_at = kept
    version = body.get("version")
    meta: dict[str, Any] = {"message": answer.get("message")}  # keys: META_KEYS
    if isinstance(body.get("silent"), bool):
        meta["silent"] = body["silent"]
    template = _VALUES[pass_type]
    # (a plain loop, not a comprehension: its frame cost 5 k cycles cold per answer read)
    fields: dict[str, Any] = {}
    for key in CONTENT_KEYS[pass_type]:
        value = body.get(key)
        if value not in (None, ""):
            fields[key] = value
    return IssuedPass.model_validate(
        {
            "id": encode_id(pass_type, vendor_id),
            "vendor_id": vendor_id,
            "provider": provider,
            "template": template,
            # The type is the vendor's template too: said here, the presentation has nothing
            # to add to the pass without an alias (it copied the whole pass to say it).
            "vendor_template": template,
            "kind": kind or _KIND_OF_TYPE[pass_type],
            "external_id": vendor_id,
            "status": _ISSUED,
            "urls": urls,
            "created_at": created_at,
            "updated_at": updated_at,
            "holder": _holder(body),
            "fields": fields,
            "barcode": _barcode(body),
            "balance": _balance(body),
            "version": version
            if isinstance(version, int) and not isinstance(version, bool)
            else None,
            "meta": meta,
            "raw": redact(answer),
        }
    )
