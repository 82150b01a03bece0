"""What LivePass would refuse, checked locally before anything is sent.

Pure functions over neutral input and the body built from it, run by the provider's ``check``
(and so by the fake provider's ``livepass`` profile) and its typed update checks;
``build_create`` refuses only a pass with no URL path (:func:`address_of`) and values LivePass
has no form for. Every problem names the neutral field (``fields.date``, ``balance.amount``),
never only the vendor key, so callers know what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from walletpass.capabilities import Capability
from walletpass.errors import FieldProblem
from walletpass.features import features_in_use
from walletpass.model import Pass, PassField, PassUpdate
from walletpass_livepass.limits import (
    BODY_KEYS,
    BOOKING_KEYS,
    CONTENT_KEYS,
    COORDINATE_KEYS,
    IGNORED_KEYS,
    MEMBERSHIP_KEYS,
    PassType,
    body_problems,
    coordinate_problem,
    id_problem,
)
from walletpass_livepass.payloads import (
    field_text,
    neutral_values,
    pass_type_of,
)

__all__ = [
    "address_of",
    "neutral_path",
    "pass_problems",
    "unsupported_for_type",
    "update_problems",
    "vendor_problems",
]

#: Vendor key -> the neutral path that feeds it, for error messages.
_NEUTRAL_PATHS: dict[str, str] = {
    "full_name": "holder.name",
    "email": "holder.email",
    "phone_number": "holder.phone",
    "barcode_type": "barcode.format",
    "barcode_data": "barcode.message",
    "balance_amount": "balance.amount",
    "balance_currency": "balance.currency",
    "membership_tier": "tier",
    "title": "event.title",
    "date": "event.starts_at",
    "time": "event.starts_at",
    "duration": "event.duration",
    "url": "event.url",
    "location_name": "locations.0.name",
    "location_address": "locations.0.address",
    "location_url": "locations.0.url",
    "location_lat": "locations.0.latitude",
    "location_lng": "locations.0.longitude",
    "silent": "notify",
}


def _field_problems(fields: Mapping[str, Any], pass_type: PassType | None) -> list[FieldProblem]:
    allowed = CONTENT_KEYS[pass_type] if pass_type else (*BOOKING_KEYS, *MEMBERSHIP_KEYS)
    problems: list[FieldProblem] = []
    for key, raw in fields.items():
        where = f"fields.{key}"
        if key not in allowed:
            kind = f"a LivePass {pass_type.value}" if pass_type else "a LivePass pass"
            problems.append(
                FieldProblem(where, f"is not a key of {kind}; use one of {', '.join(allowed)}")
            )
            continue
        value = raw.value if isinstance(raw, PassField) else raw
        if key == "balance_amount":
            # Its precision is the core's one rule for JSON numbers (walletpass.values): LivePass
            # documents a number and no precision of its own.
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                problems.append(FieldProblem(where, "must be a number (LivePass refuses text)"))
            continue
        try:
            text = field_text(key, value)
        except ValueError as exc:
            problems.append(FieldProblem(where, str(exc)))
            continue
        if key in COORDINATE_KEYS and (why := coordinate_problem(key, text)) is not None:
            problems.append(FieldProblem(where, why))
    return problems


def _conflicts(content: Pass | PassUpdate, fields: Mapping[str, Any]) -> list[FieldProblem]:
    """A vendor key set both by a neutral attribute and by ``fields`` (the content's):
    give only one."""
    neutral = neutral_values(content, replace=False)
    return [
        FieldProblem(f"fields.{key}", f"is also set by {neutral_path(key)}: give only one")
        for key in fields
        if neutral.get(key) not in (None, "")
    ]


def _content_problems(content: Pass | PassUpdate, pass_type: PassType | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    fields = content.fields
    if fields:  # (most passes and changes: no field to check, and no calls to say so)
        problems += _field_problems(fields, pass_type)
        problems += _conflicts(content, fields)
    event = content.event
    if event is not None and event.duration is not None and event.duration % timedelta(minutes=1):
        problems.append(
            FieldProblem(
                "event.duration",
                "LivePass shows durations as whole minutes ('60min'): round it, or send "
                "fields['duration'] as text",
            )
        )
    return problems


#: What each pass type has no keys for (livepass.md, the body keys per type), by neutral
#: attribute: refused in strict mode and dropped in lenient mode by the core, through
#: ``LivePassProvider.unsupported_here``.
_WRONG_FOR_TYPE: dict[PassType, dict[str, str]] = {
    PassType.MEMBERSHIP_CARD: {
        "event": "has no title, date, time, duration or booking url: event details belong on "
        "reservation and appointment passes",
        "locations": "has no location: locations belong on reservation and appointment passes",
    },
    PassType.RESERVATION: {
        "balance": "has no balance: balances belong on membership-card passes",
        "tier": "has no membership tier: tiers belong on membership-card passes",
    },
    PassType.APPOINTMENT: {
        "balance": "has no balance: balances belong on membership-card passes",
        "tier": "has no membership tier: tiers belong on membership-card passes",
    },
}


def unsupported_for_type(content: Pass | PassUpdate, pass_type: PassType) -> dict[Capability, str]:
    """The features ``content`` uses that ``pass_type`` has no keys for (bookings: no balance;
    cards: no date, no location), each with why: every capability of the attribute in use."""
    wrong = _WRONG_FOR_TYPE[pass_type]
    # Only an attribute the content sets (or an update clears) can be in use: most passes set
    # none of these, and need not be listed feature by feature. (A loop, not any() of a
    # generator: the generator cost more than the tests it made.) A new pass's attribute of
    # None is in no use however it was given (features_in_use counts only values): pydantic's
    # fields-set property is read for a change alone, where a None given clears the attribute.
    values = content.__dict__
    for name in wrong:
        if values[name] is not None:
            break
    else:
        if type(content) is not PassUpdate and isinstance(content, Pass):
            return {}
        if content.model_fields_set.isdisjoint(wrong):
            return {}
    found: dict[Capability, str] = {}
    used = features_in_use(content)
    for name, why in wrong.items():
        for cap in _ATTRIBUTE_CAPS[name]:
            if cap in used:
                found[cap] = f"a LivePass {pass_type.value} {why}"
    return found


#: The capabilities each attribute of ``_WRONG_FOR_TYPE`` is used through.
_ATTRIBUTE_CAPS: dict[str, tuple[Capability, ...]] = {
    "event": (
        Capability.EVENT_TITLE,
        Capability.EVENT_STARTS_AT,
        Capability.EVENT_DURATION,
        Capability.EVENT_URL,
    ),
    "locations": (Capability.LOCATIONS,),
    "balance": (Capability.BALANCE,),
    "tier": (Capability.TIER,),
}


def address_of(new_pass: Pass) -> tuple[PassType | None, list[FieldProblem]]:
    """The pass type a new pass is written as (the first part of its URL path), or ``None``
    with why; and why its ``external_id`` cannot be the id part of that path."""
    problems: list[FieldProblem] = []
    pass_type: PassType | None = None
    try:
        pass_type = pass_type_of(new_pass.template, new_pass.kind)
    except ValueError as exc:
        where = "kind" if new_pass.template in PassType._value2member_map_ else "template"
        problems.append(FieldProblem(where, str(exc)))
    if new_pass.external_id is not None and (why := id_problem(new_pass.external_id)):
        problems.append(FieldProblem("external_id", why))
    return pass_type, problems


def pass_problems(
    new_pass: Pass, pass_type: PassType, body: Mapping[str, Any]
) -> list[FieldProblem]:
    """What LivePass would refuse in the create ``body`` built from ``new_pass`` as a
    ``pass_type``, checked locally (nothing is sent)."""
    problems = _content_problems(new_pass, pass_type)
    if problems:
        # The body carries these values as given: its rules would repeat them in LivePass's terms.
        return problems
    return vendor_problems(pass_type, body, new_pass.extra)


def update_problems(change: PassUpdate, pass_type: PassType | None) -> list[FieldProblem]:
    """What LivePass would refuse in an update of a pass of ``pass_type`` (its keys and
    values); ``None``, a type the id does not tell: the rules of every type."""
    problems = _content_problems(change, pass_type)
    cleared = change.cleared()
    if "extra" in cleared:
        problems.append(FieldProblem("extra", "is not stored by LivePass: nothing to clear"))
    if "balance" in cleared:
        # balance_amount is a JSON number: "" is not one, and leaving it out of an upsert whose
        # merge rule is undocumented may keep the old balance.
        problems.append(
            FieldProblem(
                "balance",
                "LivePass types balance_amount as a number and documents no empty value: "
                "set the balance to 0 instead of clearing it",
            )
        )
    return problems


def vendor_problems(
    pass_type: PassType, body: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> list[FieldProblem]:
    """LivePass's own body rules applied to a built body, named by neutral path.

    Keys that only ``extra`` adds are passed through: whether LivePass accepts undocumented keys
    is not documented, so walletpass neither refuses nor invents them.
    """
    problems = body_problems(pass_type, body)
    if not problems:  # (most bodies: no pass-through to work out)
        return []
    passed_through = (
        set(extra).difference(BODY_KEYS[pass_type], IGNORED_KEYS[pass_type]) if extra else set()
    )
    return [
        FieldProblem(neutral_path(p.key, extra), p.message)
        for p in problems
        if not (p.type == "object.unknown" and p.key in passed_through)
    ]


def neutral_path(key: str, extra: Mapping[str, Any] | None = None) -> str:
    """The neutral path to name in an error about vendor key ``key``."""
    if extra and key in extra:
        return f"extra.{key}"
    return _NEUTRAL_PATHS.get(key, key)
