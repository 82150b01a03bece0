"""Neutral model <-> Pass2U JSON, as pure functions.

Pass2U bodies mirror Apple's ``pass.json`` names (camelCase), colours are CSS ``rgb(r, g, b)``,
dates are ISO 8601 with seconds and an offset, and a pass's data lives in the model's *dynamic
fields* (``fields[]``: key / value / label / changeMessage). Pass2U has no holder name and no
external id of its own: the core keeps them in dynamic fields named by the template alias's
``attributes`` (the holder's default is the ``holder_name_field`` setting, "name" as in the
guide's membership-card example), so here they are plain fields both ways. Reading a pass back
means reading the ``pass.json`` inside its ``.pkpass``; :func:`issued_from_pass_json` turns that
into an :class:`IssuedPass`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from walletpass.barcodes import LARGEST_MESSAGE
from walletpass.change_message import parse_change_message
from walletpass.errors import FieldProblem
from walletpass.extra import merge_extra
from walletpass.kinds import APPLE_STYLES, KindTable
from walletpass.model import (
    Barcode,
    BarcodeFormat,
    IssuedPass,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
    PassUrls,
)
from walletpass.paths import segment_problem
from walletpass.rendering import render_fields
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass.values import text_problem
from walletpass_pass2u.limits import (
    CHANGE_MESSAGE_ESCAPE,
    PUBLIC_DOWNLOAD_URL,
    TIMESTAMPS,
    PassStyle,
)

__all__ = [
    "DEFAULT_HOLDER_FIELD",
    "KIND_STYLES",
    "META_KEYS",
    "change_message",
    "create_body",
    "decode_id",
    "encode_id",
    "field_value",
    "issued_from_answer",
    "issued_from_pass_json",
    "model_id_problem",
    "neutral_path",
    "public_urls",
    "reset_paths",
    "stated_format",
    "status_of",
    "update_body",
]

#: The dynamic field that carries ``holder.name`` unless the setting says otherwise.
DEFAULT_HOLDER_FIELD = "name"

#: The Apple style a neutral kind is issued with (used to check image types and grouping ids):
#: Pass2U models are Apple styles. A pass's style reads back as its kind, except generic and
#: storeCard, which several kinds share.
KIND_STYLES: KindTable[PassStyle] = APPLE_STYLES.translated(
    PassStyle, unread={PassStyle.GENERIC, PassStyle.STORE_CARD}
)

_BARCODE_FORMATS: dict[str, BarcodeFormat] = {
    "PKBarcodeFormatQR": BarcodeFormat.QR,
    "PKBarcodeFormatPDF417": BarcodeFormat.PDF417,
    "PKBarcodeFormatAztec": BarcodeFormat.AZTEC,
    "PKBarcodeFormatCode128": BarcodeFormat.CODE128,
}

FIELD_AREAS = ("headerFields", "primaryFields", "secondaryFields", "auxiliaryFields", "backFields")

_MODEL_ID = re.compile(r"^[^\s./?#%\\]{1,64}$")
_PASS_ID = re.compile(r"^[^\s/?#%\\]{1,128}$")


# -- ids -------------------------------------------------------------------------------------


def model_id_problem(template: str) -> str | None:
    """Why ``template`` cannot be a Pass2U model id (``None`` when it can)."""
    if _MODEL_ID.fullmatch(template):
        return None
    return (
        "must be a Pass2U model id (the Model ID shown in the dashboard, e.g. 1919): "
        "1 to 64 characters without spaces, '.', '/', '?', '#' or '%'"
    )


def encode_id(model_id: str, pass_id: str) -> str:
    """The opaque walletpass id: ``<modelId>.<passId>`` (every Pass2U URL needs both)."""
    return f"{model_id}.{pass_id}"


def decode_id(opaque: str) -> tuple[str, str]:
    """``(modelId, passId)`` from an opaque id; ``ValueError`` when it is not one."""
    model_id, dot, pass_id = opaque.partition(".")
    if (
        not dot
        or not _MODEL_ID.fullmatch(model_id)
        or not _PASS_ID.fullmatch(pass_id)
        or segment_problem(pass_id) is not None
    ):
        raise ValueError(
            "is not a Pass2U pass id: expected '<modelId>.<passId>' as returned by create(), "
            "e.g. '1919.VT-2I77F5ADz'"
        )
    return model_id, pass_id


# -- scalars -----------------------------------------------------------------------------------


def field_value(value: Any) -> str | int | float:
    """A neutral field value as Pass2U takes it: a string, a number or an ISO 8601 date string.

    Decimals are sent as their exact text (``"12.50"``), so no digit is lost to binary floats.
    """
    if type(value) is str:
        # (most values: returned as the tests below would, before isinstance of a pydantic
        # model, which goes through ABCMeta's Python-level check, and of a union)
        return value
    if isinstance(value, PassField):
        return field_value(value.value)
    if isinstance(value, bool):
        raise ValueError("Pass2U field values are text, numbers or dates, not booleans")
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value, TIMESTAMPS)
    if isinstance(value, date):
        return value.isoformat()
    raise ValueError(f"Pass2U cannot carry a field value of type {type(value).__name__}")


def change_message(message: str) -> str:
    """The ``changeMessage`` for a neutral update message, an Apple format string (read by
    :func:`walletpass.change_message.parse_change_message`). Pass2U alerts the holder only with
    ``%@`` in it ("Update a pass": changeMessage), so a message without a placeholder (``%%@``
    is the text "%@", not one) gets the new value after it: ``": %@"`` (``" %@"`` after ``:``,
    ``.``, ``!`` or ``?``).

    :raises ValidationError: (``message``) the message breaks Apple's format rules.
    """
    parsed = parse_change_message(message)
    if parsed.placeholders:
        return parsed.apple_format()
    text = parsed.apple_format().rstrip()
    if text.endswith((":", ".", "!", "?")):
        return f"{text} {CHANGE_MESSAGE_ESCAPE}"
    return f"{text}: {CHANGE_MESSAGE_ESCAPE}"


def status_of(voided: bool, expires_at: datetime | None, now: Callable[[], datetime]) -> PassStatus:
    """Pass2U voids a pass automatically once its expiration date passes.

    ``now`` gives the current time; it is asked only for a pass that has an expiration date.
    """
    if expires_at is not None and expires_at <= now():
        return _EXPIRED
    if voided:
        return _VOIDED
    return _ISSUED


#: The statuses an answer reports, read from the enum once (in CPython 3.11 reading a member
#: from its class is a Python-level look-up: every answer parsed made one or two).
_EXPIRED, _VOIDED, _ISSUED, _UNKNOWN = (
    PassStatus.EXPIRED,
    PassStatus.VOIDED,
    PassStatus.ISSUED,
    PassStatus.UNKNOWN,
)


# -- neutral -> Pass2U ---------------------------------------------------------------------------


def _fields(fields: Mapping[str, Any], message: str | None) -> list[dict[str, Any]]:
    """The ``fields[]`` entries of ``fields`` (not empty), each with the change message."""
    # A value Pass2U has no form for is refused here, by its neutral path: not sent, not lost.
    values = render_fields(fields, _render_value)
    entries: list[dict[str, Any]] = []
    for key, value in fields.items():
        entry: dict[str, Any] = {"key": key}
        if type(value) is not str and isinstance(value, PassField) and value.label is not None:
            entry["label"] = value.label
        entry["value"] = values[key]
        entries.append(entry)
    if message is not None:
        sent = change_message(message)
        for entry in entries:
            entry["changeMessage"] = sent
    return entries


def _render_value(_key: str, value: Any) -> str | int | float:
    """A field's value as :func:`render_fields` renders it (the key says nothing more)."""
    return field_value(value)


def _content_body(
    content: Pass | PassUpdate, names: AbstractSet[str], message: str | None = None
) -> dict[str, Any]:
    """The body for the neutral attributes in ``names`` that are not ``None`` (``fields``
    ``None`` adds no entry), in the order of the guide's examples."""
    # (each attribute read before its name is looked up: most are None; the top-level texts
    # written out, not walked with getattr)
    body: dict[str, Any] = {}
    if content.expires_at is not None and "expires_at" in names:
        body["expirationDate"] = format_timestamp(content.expires_at, TIMESTAMPS)
    if content.relevant_at is not None and "relevant_at" in names:
        body["relevantDate"] = format_timestamp(content.relevant_at, TIMESTAMPS)
    if content.colors is not None and "colors" in names:
        for attr, key in (
            ("foreground", "foregroundColor"),
            ("background", "backgroundColor"),
            ("label", "labelColor"),
        ):
            color = getattr(content.colors, attr)
            if color is not None:
                body[key] = color.css_rgb
    if content.logo_text is not None and "logo_text" in names:
        body["logoText"] = content.logo_text
    if content.description is not None and "description" in names:
        body["description"] = content.description
    if content.organization_name is not None and "organization_name" in names:
        body["organizationName"] = content.organization_name
    if content.group is not None and "group" in names:
        body["groupingIdentifier"] = content.group
    if content.barcode is not None and "barcode" in names:
        barcode: dict[str, Any] = {"message": content.barcode.message}
        if content.barcode.alt_text is not None:
            barcode["altText"] = content.barcode.alt_text
        body["barcode"] = barcode
    if content.fields and "fields" in names:
        # (no fields, no entries: a message goes on the entries only)
        body["fields"] = _fields(content.fields, message)
    if content.images is not None and "images" in names:
        body["images"] = [
            {"type": str(role), "hex": ref.id} for role, ref in content.images.items()
        ]
    if content.beacons is not None and "beacons" in names:
        body["beacons"] = [_beacon(b.proximity_uuid, b) for b in content.beacons]
    if content.locations is not None and "locations" in names:
        body["locations"] = [
            {
                "latitude": loc.latitude,
                "longitude": loc.longitude,
                **({"altitude": loc.altitude} if loc.altitude is not None else {}),
                **({"relevantText": loc.relevant_text} if loc.relevant_text is not None else {}),
            }
            for loc in content.locations
        ]
    return body


def _beacon(uuid: UUID, beacon: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"proximityUUID": str(uuid).upper()}
    for attr, key in (("major", "major"), ("minor", "minor"), ("relevant_text", "relevantText")):
        value = getattr(beacon, attr)
        if value is not None:
            entry[key] = value
    return entry


_CONTENT_NAMES = (
    "fields",
    "barcode",
    "locations",
    "beacons",
    "relevant_at",
    "expires_at",
    "colors",
    "logo_text",
    "description",
    "organization_name",
    "images",
    "group",
)
_CONTENT_SET = frozenset(_CONTENT_NAMES)


def create_body(new_pass: Pass) -> tuple[dict[str, Any], str | None]:
    """The create body and the ``utm_source`` tag ``extra`` asks for (``None``: the setting's)."""
    # (every name: _content_body leaves out what the pass does not set)
    body = _content_body(new_pass, _CONTENT_SET)
    if not new_pass.extra:
        return body, None  # (nothing to lay over the body, which is a new dict already)
    extra = dict(new_pass.extra)
    tag = extra.pop("utm_source", None)
    return merge_extra(body, extra), tag if isinstance(tag, str) else None


def update_body(change: PassUpdate) -> dict[str, Any]:
    """The partial PUT body: only what the update sets to a value (cleared names are resets)."""
    # (_content_body leaves out what is set to None: those are resets; the set read once, not
    # through the model_fields_set property, a Python-level call each time)
    given = change.__pydantic_fields_set__
    body = _content_body(change, given & _CONTENT_SET, change.message)
    if change.extra and "extra" in given:
        body = merge_extra(body, change.extra)
    return body


#: Neutral attributes an update may clear, and the Pass2U attributes that resets them.
CLEARABLE: dict[str, tuple[str, ...]] = {
    "expires_at": ("expirationDate",),
    "relevant_at": ("relevantDate",),
    "colors": ("backgroundColor", "foregroundColor", "labelColor"),
    "logo_text": ("logoText",),
    "description": ("description",),
    "organization_name": ("organizationName",),
    "group": ("groupingIdentifier",),
    "images": ("images",),
    "beacons": ("beacons",),
    "locations": ("locations",),
    "barcode": ("barcode",),
    "fields": ("fields",),
}


def reset_paths(cleared: AbstractSet[str]) -> tuple[list[str], list[FieldProblem]]:
    """The reset endpoints (``attributes/<name>``, ``fields/<key>``) an update that clears the
    names ``cleared`` (its ``PassUpdate.cleared()``) needs, and the names it cannot reset."""
    paths: list[str] = []
    problems: list[FieldProblem] = []
    for name in sorted(cleared):
        if name in CLEARABLE:
            paths += [f"attributes/{attribute}" for attribute in CLEARABLE[name]]
        else:
            hint = {
                "extra": "use reset_attribute() with the Pass2U attribute name",
                # The holder lives in a dynamic field (template alias attributes).
                "holder": "the holder is kept in a dynamic field: reset it with reset_field() or "
                "set it to a new value",
            }.get(name, "Pass2U has no such attribute to reset")
            problems.append(FieldProblem(name, f"cannot be cleared on Pass2U: {hint}"))
    return paths, problems


# -- Pass2U paths -> neutral names, for error messages ----------------------------------------

_TOP_NAMES = {
    "description": "description",
    "organizationName": "organization_name",
    "logoText": "logo_text",
    "expirationDate": "expires_at",
    "relevantDate": "relevant_at",
    "backgroundColor": "colors.background",
    "foregroundColor": "colors.foreground",
    "labelColor": "colors.label",
    "groupingIdentifier": "group",
    "images": "images",
    "beacons": "beacons",
    "locations": "locations",
    "fields": "fields",
    "barcode": "barcode",
}
_PATH = re.compile(r"^(?P<top>[A-Za-z]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>[A-Za-z]+))?$")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("u_u_i_d", "uuid")


def neutral_path(path: str, body: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    """The neutral field a problem at Pass2U key ``path`` of ``body`` comes from."""
    match = _PATH.fullmatch(path)
    if match is None:
        return path
    top, index, sub = match["top"], match["index"], match["sub"]
    if extra and top in extra:
        return f"extra.{path}"
    if top not in _TOP_NAMES:
        return f"extra.{path}"
    if index is None:
        if top == "barcode" and sub:
            return f"barcode.{_snake(sub)}"
        return _TOP_NAMES[top]
    items = body.get(top)
    item = items[int(index)] if isinstance(items, list) and int(index) < len(items) else {}
    item = item if isinstance(item, Mapping) else {}
    if top == "fields":
        key = item.get("key")
        if sub == "changeMessage":
            return "message"
        where = f"fields.{key}" if key is not None else f"fields.{index}"
        return f"{where}.label" if sub == "label" else where
    if top == "images":
        return f"images.{item.get('type', index)}"
    return f"{top}.{index}.{_snake(sub)}" if sub else f"{top}.{index}"


# -- Pass2U -> neutral -----------------------------------------------------------------------------


#: The public download page's address up to the pass id, which ends PUBLIC_DOWNLOAD_URL: every
#: answer's link is joined to it (formatting the template with a keyword cost ten times more).
_DOWNLOAD_PREFIX = PUBLIC_DOWNLOAD_URL.removesuffix("{pass_id}")


def public_urls(pass_id: str) -> PassUrls:
    """The public download page (no key needed; protected by the pass's passcode if set)."""
    return PassUrls(download=_DOWNLOAD_PREFIX + pass_id)


def stated_format(barcode: Barcode | None) -> BarcodeFormat | None:
    """The symbology of a barcode sent to Pass2U where it is known: named (the core lets a pass
    name one only where its template alias states the model's, ``template_fixed``), else
    ``None``: a default ``qr`` is not what the model draws."""
    # (the set itself: model_fields_set is a property, a Python-level call per answer)
    if barcode is None or "format" not in barcode.__pydantic_fields_set__:
        return None
    return barcode.format


def issued_from_answer(
    answer: Mapping[str, Any],
    *,
    provider: str,
    model_id: str,
    now: Callable[[], datetime],
    sent: Mapping[str, Any],
    kind: PassKind | None = None,
    barcode_format: BarcodeFormat | None = None,
) -> IssuedPass:
    """An :class:`IssuedPass` from a create/update answer and the body that was sent.

    The answer carries ids, the barcode message, a timestamp and the expiration date; the rest is
    what Pass2U stored from ``sent`` (it answers an error otherwise): the fields as sent, under
    the model's keys (the core maps them back to the application's names and types). ``now``
    gives the current time (asked only where the status depends on it: an expiration date).
    """
    pass_id = answer["passId"]
    if not isinstance(pass_id, str) or not _PASS_ID.fullmatch(pass_id):
        raise ValueError(f"passId {pass_id!r} is not a usable Pass2U pass id")
    created = parse_timestamp(answer.get("createdTime"))
    updated = parse_timestamp(answer.get("updatedTime")) or created
    expires = parse_timestamp(answer.get("expirationDate"))
    fields = {entry["key"]: entry.get("value") for entry in sent.get("fields", ())}
    barcode: Barcode | dict[str, Any] | None = None
    message = answer.get("barcodeMessage")
    if isinstance(message, str) and message:
        alt = sent.get("barcode", {}).get("altText")
        # The symbology is the model's (Model Designer) and the answer does not say it: known
        # only where the template alias states it, else unknown (get() reads it from the pass).
        barcode = _reported_barcode(message, barcode_format, alt)
    voided = sent.get("voided") is True
    if created:
        status = status_of(voided, expires, now)
    else:
        status = _update_status(sent.get("voided"), expires, now)
    return IssuedPass.model_validate(
        {
            "id": encode_id(model_id, pass_id),
            "vendor_id": pass_id,
            "provider": provider,
            "template": model_id,
            "kind": kind,
            "status": status,
            # (as a mapping: validated with the pass, not as a model of its own first)
            "urls": {"download": _DOWNLOAD_PREFIX + pass_id},
            "created_at": created,
            "updated_at": updated,
            "expires_at": expires,
            "fields": fields,
            "barcode": barcode,
            "raw": dict(answer),
        }
    )


def _reported_barcode(
    message: Any, barcode_format: BarcodeFormat | None, alt: Any
) -> Barcode | dict[str, Any]:
    """The barcode an answer reports, for the pass's validation: as the mapping it makes the
    Barcode from where Barcode's field rules cannot refuse nor change it (a message of 1 to
    7089 characters, an alt text ``None`` or of at most 255, both exactly ``str`` and Unicode,
    with no lone surrogate; a format ``None`` or a ``BarcodeFormat``), else made unvalidated
    (``Barcode.model_construct``).
    Either way the pass's validation runs Barcode's drawing check (a model validator runs on a
    model handed in too), so both give the same Barcode or the same refusal; the mapping saves
    making a model first."""
    if (
        type(message) is str
        and 0 < len(message) <= LARGEST_MESSAGE
        and (message.isascii() or text_problem(message) is None)
        and (
            alt is None
            or (
                type(alt) is str
                and len(alt) <= _ALT_TEXT_MAX
                and (alt.isascii() or text_problem(alt) is None)
            )
        )
        and (barcode_format is None or type(barcode_format) is BarcodeFormat)
    ):
        return {"message": message, "format": barcode_format, "alt_text": alt}
    return Barcode.model_construct(message=message, format=barcode_format, alt_text=alt)


#: Barcode.alt_text's own limit (the model's field; Pass2U's is smaller and checked on sending).
_ALT_TEXT_MAX = Barcode.model_fields["alt_text"].metadata[0].max_length


def _update_status(
    voided: Any, expires: datetime | None, now: Callable[[], datetime]
) -> PassStatus:
    """What an update answer tells of the pass's status.

    Pass2U's update answer (Pass API 2.0, "Update a pass") carries the expiration date but not
    ``voided``, and Pass2U documents no refusal to update a voided pass: unless the update itself
    set ``voided`` (through ``extra``), whether the pass was voided earlier (redeemed) is not told,
    so the status is ``unknown`` rather than a guess; ``get()`` reads it.
    """
    status = status_of(voided is True, expires, now)
    if status is _ISSUED and voided is not False:
        return _UNKNOWN
    return status


#: PassKit's pass styles, in the order pass.json is read for one.
_STYLES = tuple(style.value for style in PassStyle)


def _barcode(pass_json: Mapping[str, Any]) -> Barcode | dict[str, Any] | None:
    barcodes = pass_json.get("barcodes")
    raw = barcodes[0] if isinstance(barcodes, list) and barcodes else pass_json.get("barcode")
    # (a tuple: a union made and tested on every read cost more; the message read once)
    if not isinstance(raw, (dict, Mapping)):
        return None
    message = raw.get("message")
    if not isinstance(message, str):
        return None
    alt = raw.get("altText")
    return _reported_barcode(
        message,
        # PassKit requires the format; one it does not name is reported as not known.
        _BARCODE_FORMATS.get(str(raw.get("format"))),
        alt if isinstance(alt, str) else None,
    )


#: ``IssuedPass.meta`` keys a Pass2U pass may carry (the provider declares them).
META_KEYS: dict[str, str] = {
    "style": "the pass style of the model, e.g. 'storeCard' (text)",
    "voided": "whether the pass is voided (bool)",
    "labels": "field key -> the label pass.json shows for it",
    "relevant_at": "the pass's relevantDate as pass.json writes it (text)",
}


def issued_from_pass_json(
    pass_json: Mapping[str, Any],
    *,
    provider: str,
    model_id: str,
    pass_id: str,
    now: Callable[[], datetime],
) -> IssuedPass:
    """The pass as its ``pass.json`` shows it: fields (values as stored), barcode, expiry and
    status (``now`` gives the current time, asked only for a pass with an expiration date)."""
    style: str | None = None
    fields: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for name in _STYLES:
        areas = pass_json.get(name)
        # (a style absent is None: no abstract-class check for it; JSON's objects are dicts)
        if areas is not None and isinstance(areas, (dict, Mapping)):
            style = name
            # Each area's entries with a text key, in PassKit's order (one loop, no list made;
            # the exact types JSON makes tested first, an area left out skipped before its loop).
            for area in FIELD_AREAS:
                entries = areas.get(area)
                if not entries:
                    continue
                for entry in entries:
                    if type(entry) is dict or isinstance(entry, Mapping):
                        key = entry.get("key")
                        if type(key) is str or isinstance(key, str):
                            fields[key] = entry.get("value")
                            label = entry.get("label")
                            if label is not None and isinstance(label, str):
                                labels[key] = label
            break
    expires = parse_timestamp(pass_json.get("expirationDate"))
    voided = pass_json.get("voided") is True
    meta: dict[str, Any] = {"style": style, "voided": voided, "labels": labels}
    relevant = pass_json.get("relevantDate")
    if isinstance(relevant, str):
        meta["relevant_at"] = relevant
    return IssuedPass.model_validate(
        {
            "id": encode_id(model_id, pass_id),
            "vendor_id": pass_id,
            "provider": provider,
            "template": model_id,
            "kind": KIND_STYLES.kind_of(style),
            "status": status_of(voided, expires, now),
            # (as a mapping: validated with the pass, not as a model of its own first)
            "urls": {"download": _DOWNLOAD_PREFIX + pass_id},
            "expires_at": expires,
            "fields": fields,
            "barcode": _barcode(pass_json),
            "meta": meta,
            "raw": dict(pass_json),
        }
    )
