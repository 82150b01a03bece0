"""Which neutral features a pass or an update actually uses, and how to drop one.

The pipeline compares this list with the provider's declarations. In strict mode every feature in
use that the provider does not support is reported at once; in lenient mode each one is dropped
(with a warning) by the stripper registered for it here, so the build hook never sees it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from walletpass.barcodes import barcode_problem
from walletpass.capabilities import Capability
from walletpass.model import Barcode, BarcodeFormat, Pass, PassKind, PassUpdate, _PassContent

__all__ = ["barcode_fallback", "features_in_use", "strip_features"]

C = TypeVar("C", bound=_PassContent)

_SIMPLE = {
    "relevant_at": Capability.RELEVANT_AT,
    "expires_at": Capability.EXPIRES_AT,
    "logo_text": Capability.LOGO_TEXT,
    "description": Capability.DESCRIPTION,
    "organization_name": Capability.ORGANIZATION_NAME,
    "images": Capability.IMAGES,
    "group": Capability.GROUP,
    "nfc": Capability.NFC,
    "balance": Capability.BALANCE,
    "tier": Capability.TIER,
    "extra": Capability.EXTRA,
    "fields": Capability.FIELDS,
    "locations": Capability.LOCATIONS,
    "beacons": Capability.BEACONS,
}

_HOLDER = {
    "name": Capability.HOLDER_NAME,
    "first_name": Capability.HOLDER_NAME,
    "last_name": Capability.HOLDER_NAME,
    "email": Capability.HOLDER_EMAIL,
    "phone": Capability.HOLDER_PHONE,
    "language": Capability.HOLDER_LANGUAGE,
}

_LOCATION = {
    "altitude": Capability.LOCATION_ALTITUDE,
    "radius": Capability.LOCATION_RADIUS,
    "relevant_text": Capability.LOCATION_RELEVANT_TEXT,
    "name": Capability.LOCATION_NAME,
    "address": Capability.LOCATION_ADDRESS,
    "url": Capability.LOCATION_URL,
}

_BEACON = {"relevant_text": Capability.BEACON_RELEVANT_TEXT, "name": Capability.BEACON_NAME}

_EVENT = {
    "title": Capability.EVENT_TITLE,
    "starts_at": Capability.EVENT_STARTS_AT,
    "duration": Capability.EVENT_DURATION,
    "url": Capability.EVENT_URL,
}

_COLORS = {
    "background": Capability.COLOR_BACKGROUND,
    "foreground": Capability.COLOR_FOREGROUND,
    "label": Capability.COLOR_LABEL,
}


#: Each kind's and each barcode format's capability, looked up once (not built from text per call).
_KIND_CAPS = {kind: Capability(f"kind.{kind.value}") for kind in PassKind}
_FORMAT_CAPS = {fmt: Capability(f"barcode.{fmt.value}") for fmt in BarcodeFormat}
#: The parts named in ``_SIMPLE`` before ``fields`` (each read for being set, or for its size
#: where it is a list or a dict), taken out of a model's field dict in one call from C: most
#: passes set none of them, which one comparison with a tuple of ``None`` tells.
_PLAIN_ITEMS = tuple(_SIMPLE.items())[: tuple(_SIMPLE).index("fields")]
_plain_values = operator.itemgetter(*(name for name, _ in _PLAIN_ITEMS))
_NO_PLAIN = (None,) * len(_PLAIN_ITEMS)
#: The parts after ``fields``, in ``_SIMPLE``'s order (the order the count problems are
#: reported in).
_LATER_ITEMS = tuple(_SIMPLE.items())[len(_PLAIN_ITEMS) + 1 :]
_later_values = operator.itemgetter(*(name for name, _ in _LATER_ITEMS))
_NO_LATER = (None,) * len(_LATER_ITEMS)
_HOLDER_ITEMS = tuple(_HOLDER.items())
_COLORS_ITEMS = tuple(_COLORS.items())
_EVENT_ITEMS = tuple(_EVENT.items())
_LOCATION_ITEMS = tuple(_LOCATION.items())
_BEACON_ITEMS = tuple(_BEACON.items())
#: What a part's count is the size of (a tuple: ``list | dict`` makes a new union per check).
_SIZED = (list, dict)

#: Bound once: an enum member read through its class runs enum's Python descriptor code on
#: CPython 3.11 (about a thousand instructions each), and these are read per create and update.
_EXTERNAL_ID = Capability.EXTERNAL_ID
_UPDATE_MESSAGE = Capability.UPDATE_MESSAGE
_UPDATE_NOTIFY = Capability.UPDATE_NOTIFY
_UPDATE_CLEAR = Capability.UPDATE_CLEAR
_FIELD_LABELS = Capability.FIELD_LABELS
_FIELDS = Capability.FIELDS
_BARCODE_ALT_TEXT = Capability.BARCODE_ALT_TEXT


def features_in_use(content: _PassContent) -> dict[Capability, int]:
    """Features used by a pass or update, each with a count (items) for limit checks."""
    # (Runs for every create and update, so it is written for speed: values are read from the
    # models' field dicts, where pydantic keeps them, and the few capabilities two parts can
    # both add keep the larger count; every other one is added once.)
    used: dict[Capability, int] = {}
    values = content.__dict__
    update = False
    # (Pass first: an isinstance that fails runs the models' ABC check, a call of its own)
    if isinstance(content, Pass):
        used[_KIND_CAPS[values["kind"]]] = 1
        if values["external_id"] is not None:
            used[_EXTERNAL_ID] = 1
    elif isinstance(content, PassUpdate):
        update = True
        if values["message"] is not None:
            used[_UPDATE_MESSAGE] = 1
        if values["notify"] is not None:
            used[_UPDATE_NOTIFY] = 1
        for name in content.__pydantic_fields_set__:
            if values[name] is None:
                # (the cleared parts, a set a method makes, asked only where a part set is None)
                for cleared in content.cleared():
                    used[_UPDATE_CLEAR] = 1
                    if cleared in _SIMPLE:
                        used[_SIMPLE[cleared]] = 1
                break

    plain = _plain_values(values)
    if plain != _NO_PLAIN:  # (a part of these set: each looked at)
        _sized_or_set(zip(_PLAIN_ITEMS, plain, strict=True), content, update, used)
    fields = values["fields"]
    if fields is not None:
        if not isinstance(fields, _SIZED):
            if _FIELDS not in used:
                used[_FIELDS] = 1
        # (the fields set, a property, read only for an empty part of an update)
        elif fields or (update and "fields" in content.model_fields_set):
            count = len(fields)
            if _FIELDS not in used or used[_FIELDS] < count:
                used[_FIELDS] = count
    later = _later_values(values)
    if later != _NO_LATER:
        _sized_or_set(zip(_LATER_ITEMS, later, strict=True), content, update, used)
    if fields:
        for field in fields.values():  # (a loop: any() over a generator costs a frame per call)
            if getattr(field, "label", None) is not None:
                used[_FIELD_LABELS] = 1
                break
    holder = values["holder"]
    if holder is not None:
        parts = holder.__dict__
        for name, cap in _HOLDER_ITEMS:
            if parts[name] is not None:
                used[cap] = 1
    barcode = values["barcode"]
    if barcode is not None:
        # (the format as stored: the ``symbology`` property, a call, only where it is unknown,
        # to raise what it raises)
        symbology = barcode.__dict__["format"]
        used[_FORMAT_CAPS[barcode.symbology if symbology is None else symbology]] = 1
        if barcode.alt_text is not None:
            used[_BARCODE_ALT_TEXT] = 1
    # (each part tested where it is, not through a loop over the parts: most passes have none
    # of them, and a tuple of parts built and walked per call cost more than the tests)
    locations = values["locations"]
    if locations:
        _nested_parts(locations, _LOCATION_ITEMS, used)
    beacons = values["beacons"]
    if beacons:
        _nested_parts(beacons, _BEACON_ITEMS, used)
    colors = values["colors"]
    if colors is not None:
        _nested_parts((colors,), _COLORS_ITEMS, used)
    event = values["event"]
    if event is not None:
        _nested_parts((event,), _EVENT_ITEMS, used)
    return used


def _sized_or_set(
    items: Iterable[tuple[tuple[str, Capability], Any]],
    content: _PassContent,
    update: bool,
    used: dict[Capability, int],
) -> None:
    """Each part of ``items`` (``((name, capability), value)``) that is set, added to ``used``:
    a list's or a dict's size (an empty one only where an update sets it), else 1."""
    for (name, cap), value in items:
        if value is None:
            continue
        if isinstance(value, _SIZED):
            # (the fields set, a property, read only for an empty part of an update)
            if value or (update and name in content.model_fields_set):
                count = len(value)
                if cap not in used or used[cap] < count:
                    used[cap] = count
        elif cap not in used:
            used[cap] = 1


def _nested_parts(
    items: Iterable[Any], names: tuple[tuple[str, Capability], ...], used: dict[Capability, int]
) -> None:
    """Each of ``names`` set on any of ``items`` (models), added to ``used``."""
    for item in items:
        parts = item.__dict__
        for name, cap in names:
            if parts[name] is not None:
                used[cap] = 1


def _clear_nested(attr: str, sub: str) -> Callable[[Any], dict[str, Any]]:
    def strip(content: Any) -> dict[str, Any]:
        value = getattr(content, attr)
        if value is None:
            return {}
        if isinstance(value, list):
            return {attr: [item.model_copy(update={sub: None}) for item in value]}
        stripped = value.model_copy(update={sub: None})
        if all(getattr(stripped, name) is None for name in type(stripped).model_fields):
            return {attr: None}  # nothing left: an empty event or colors is no event or colors
        return {attr: stripped}

    return strip


def _drop(attr: str) -> Callable[[Any], dict[str, Any]]:
    return lambda content: {attr: None}


def _strip_holder(cap: Capability) -> Callable[[Any], dict[str, Any]]:
    attrs = [a for a, c in _HOLDER.items() if c is cap]

    def strip(content: Any) -> dict[str, Any]:
        if content.holder is None:
            return {}
        return {"holder": content.holder.model_copy(update=dict.fromkeys(attrs))}

    return strip


def _strip_labels(content: Any) -> dict[str, Any]:
    if not content.fields:
        return {}
    return {
        "fields": {k: getattr(v, "value", v) for k, v in content.fields.items()},
    }


_STRIPPERS: dict[Capability, Callable[[Any], dict[str, Any]]] = {
    **{cap: _drop(name) for name, cap in _SIMPLE.items()},
    **{cap: _strip_holder(cap) for cap in set(_HOLDER.values())},
    **{cap: _clear_nested("locations", attr) for attr, cap in _LOCATION.items()},
    **{cap: _clear_nested("beacons", attr) for attr, cap in _BEACON.items()},
    **{cap: _clear_nested("colors", attr) for attr, cap in _COLORS.items()},
    **{cap: _clear_nested("event", attr) for attr, cap in _EVENT.items()},
    Capability.FIELD_LABELS: _strip_labels,
    Capability.BARCODE_ALT_TEXT: _clear_nested("barcode", "alt_text"),
    Capability.BARCODE_QR: _drop("barcode"),
    Capability.BARCODE_PDF417: _drop("barcode"),
    Capability.BARCODE_AZTEC: _drop("barcode"),
    Capability.BARCODE_CODE128: _drop("barcode"),
    Capability.EXTERNAL_ID: _drop("external_id"),
    Capability.UPDATE_MESSAGE: _drop("message"),
    Capability.UPDATE_NOTIFY: _drop("notify"),
}

#: Features that cannot be dropped without changing what the pass *is*:
#: refused even in lenient mode.
NEVER_LENIENT = frozenset(c for c in Capability if c.value.startswith("kind.")) | {
    Capability.UPDATE_CLEAR
}


#: The barcode formats, each under its capability, in the order a fallback is chosen.
BARCODE_FORMATS: tuple[tuple[Capability, BarcodeFormat], ...] = (
    (Capability.BARCODE_QR, BarcodeFormat.QR),
    (Capability.BARCODE_AZTEC, BarcodeFormat.AZTEC),
    (Capability.BARCODE_PDF417, BarcodeFormat.PDF417),
    (Capability.BARCODE_CODE128, BarcodeFormat.CODE128),
)


def barcode_fallback(
    barcode: Barcode, supported: Callable[[Capability], bool]
) -> BarcodeFormat | None:
    """The format a barcode whose own format the provider lacks is sent in (lenient mode): the
    first supported one that can draw its message, or ``None`` when there is none."""
    for cap, fmt in BARCODE_FORMATS:
        if supported(cap) and barcode_problem(barcode.message, fmt.value) is None:
            return fmt
    return None


def strip_features(
    content: C, features: set[Capability], *, barcode_format: BarcodeFormat | None = None
) -> C:
    """A copy of ``content`` without the given features (lenient mode).

    Each feature goes with the smallest part that carries it: an unsupported barcode *format*
    takes only the format, and the message is kept in ``barcode_format`` (see
    :func:`barcode_fallback`); only without one is the barcode dropped.
    """
    if barcode_format is not None and content.barcode is not None:
        own = Capability(f"barcode.{content.barcode.symbology.value}")
        if own in features:
            features = features - {own}
            switched = content.barcode.model_copy(update={"format": barcode_format})
            content = _replace(content, {"barcode": switched})
    result = content
    for cap in sorted(features, key=lambda c: c.value):
        stripper = _STRIPPERS.get(cap)
        if stripper is None:
            continue
        update = stripper(result)
        if not update:
            continue
        result = _replace(result, update)
    return result


def _replace(result: C, update: dict[str, Any]) -> C:
    if isinstance(result, PassUpdate):
        # Dropping a feature from an update means "leave it unchanged", not "clear it".
        data = {k: getattr(result, k) for k in result.model_fields_set}
        for key, value in update.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return type(result).model_construct(_fields_set=set(data), **data)  # type: ignore[return-value]  # C is PassUpdate here
    return result.model_copy(update=update)
