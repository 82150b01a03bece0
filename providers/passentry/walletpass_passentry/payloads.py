"""Pure translation between the neutral model and PassEntry's JSON, both ways.

Requests are plain objects (``pass``, ``locations``, ``beacons``, ``groupTag``, ``message``,
``passAction``); answers are JSON:API-like resources (``data.id``, ``data.attributes``). Nothing
here sends anything or reads settings: the provider passes in what it needs (the template field
value format), so hypothesis can round-trip every function without HTTP. The holder's name is a
plain template field here both ways: the core puts it in the field the template alias's
``attributes`` name (default: the ``holder_name_field`` setting) and restores it on read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter
from typing import Any, TypeGuard

from walletpass.extra import merge_extra
from walletpass.kinds import APPLE_STYLES, KindTable
from walletpass.model import (
    Barcode,
    BarcodeFormat,
    Beacon,
    ImageRole,
    IssuedPass,
    Location,
    Nfc,
    Pass,
    PassField,
    PassStatus,
    PassUpdate,
)
from walletpass.rendering import render_fields
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_passentry.limits import (
    GOOGLE_PASS_SOURCE_KEY,
    PASS_RESERVED_KEYS,
    TEMPLATE_OVERRIDE_KEYS,
    TIMESTAMPS,
    PassType,
    VendorStatus,
)

__all__ = [
    "IMAGE_ROLES",
    "KIND_PASS_TYPES",
    "META_KEYS",
    "ValueFormat",
    "beacon_from_json",
    "beacon_json",
    "create_body",
    "create_query",
    "field_value",
    "issued_from_list_item",
    "issued_from_resource",
    "location_from_json",
    "location_json",
    "notification_of",
    "pass_source",
    "resource_of",
    "status_of",
    "unwrap_value",
    "update_body",
]


#: The Apple styles PassEntry names otherwise.
_NOT_APPLE = {"coupon": PassType.GENERIC, "boardingPass": PassType.TRANSIT}


class ValueFormat(StrEnum):
    """How a template field value is written inside ``pass``.

    The reference shows both: ``"fullName": "Jane Roberts"`` (older examples) and
    ``"fullName": {"value": "Jane Roberts"}`` (the newer update and pass-binding examples).
    """

    OBJECT = "object"
    PLAIN = "plain"


#: The PassEntry template type a neutral kind is issued from (the template decides; the kind
#: only tells walletpass which radius rule applies), and the kind a pass's type reads back as.
#: PassEntry's types are Apple's styles (API v1, passType), but for coupons, which are generic
#: templates, and boarding passes, which are transit ones. A storeCard is a loyalty card or a
#: gift card, a generic pass one of five kinds: those types are unread, so such a pass reads
#: back as its template alias's kind (the core fills it in), or none, never as a guess or as
#: the kind a create asked for, which the template may not be.
KIND_PASS_TYPES: KindTable[PassType] = APPLE_STYLES.translated(
    lambda style: _NOT_APPLE.get(style) or PassType(style),
    unread={PassType.STORE_CARD, PassType.GENERIC},
)

#: Neutral image roles a pass can override, and the override slot each one fills.
IMAGE_ROLES: dict[ImageRole, str] = {
    ImageRole.LOGO: "logo",
    ImageRole.STRIP: "banner",
    ImageRole.HERO: "banner",
    ImageRole.THUMBNAIL: "thumbnail",
}

_STATUSES: dict[str, PassStatus] = {
    VendorStatus.ISSUED: PassStatus.ISSUED,
    VendorStatus.ACTIVE: PassStatus.INSTALLED,
    # The holder deleted it from the wallet; it is still valid and can be added again.
    VendorStatus.REMOVED: PassStatus.ISSUED,
    VendorStatus.DEACTIVATED: PassStatus.VOIDED,
    VendorStatus.NULLIFIED: PassStatus.DELETED,
}

# Enum members each answer and body uses, read from their classes once: in CPython 3.11 reading
# a member from its enum class is a Python-level lookup (0.7 k instructions each time).
_OBJECT = ValueFormat.OBJECT
_UNKNOWN = PassStatus.UNKNOWN
_VOIDED = PassStatus.VOIDED


# ------------------------------------------------------------------------------------------
# Scalars
# ------------------------------------------------------------------------------------------


def field_value(value: Any, value_format: ValueFormat) -> Any:
    """A neutral field value as PassEntry text (numbers exactly, datetimes in UTC)."""
    if type(value) is str:  # (most values: text is sent as it is, as str() would give it)
        return {"value": value} if value_format is _OBJECT else value
    if isinstance(value, PassField):
        value = value.value
    if isinstance(value, bool):
        raise ValueError("booleans have no PassEntry text form: send the words to show")
    if isinstance(value, datetime):
        text = format_timestamp(value, TIMESTAMPS)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        text = repr(value)
    else:
        text = str(value)
    return {"value": text} if value_format is _OBJECT else text


def _object_field(_key: str, value: Any) -> Any:
    """:func:`field_value` in the object format, as ``render_fields`` calls a renderer: text
    (most values) wrapped at once, without a closure made per body and a call more per field."""
    if type(value) is str:
        return {"value": value}
    return field_value(value, _OBJECT)


def _plain_field(_key: str, value: Any) -> Any:
    """:func:`field_value` in the plain format, as ``render_fields`` calls a renderer."""
    if type(value) is str:
        return value
    return field_value(value, ValueFormat.PLAIN)


#: The renderer of each format (:func:`field_value`'s result, one call per field).
_FIELD_RENDERERS = {ValueFormat.OBJECT: _object_field, ValueFormat.PLAIN: _plain_field}


def unwrap_value(value: Any) -> Any:
    """A stored template field value, whichever of the two documented shapes it has."""
    if type(value) is dict:
        # (a decoded answer's objects are dicts: its keys are exactly {"value"} when it has
        # one key and that is "value", with no set built)
        return value["value"] if len(value) == 1 and "value" in value else value
    if type(value) is str:
        return value  # (plain text, as the plain format stores it: no Mapping's ABC check)
    if isinstance(value, Mapping) and set(value) == {"value"}:
        return value["value"]
    return value


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, answered at once for a dict (what a decoded answer's
    objects are) without the ABC's instance check."""
    return type(value) is dict or isinstance(value, Mapping)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# ------------------------------------------------------------------------------------------
# Parts of a body
# ------------------------------------------------------------------------------------------


def location_json(location: Location) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if location.name is not None:
        body["name"] = location.name
    body["latitude"] = location.latitude
    body["longitude"] = location.longitude
    if location.radius is not None:
        body["radius"] = _number(location.radius)
    if location.relevant_text is not None:
        body["message"] = location.relevant_text
    return body


def location_from_json(data: Mapping[str, Any]) -> Location:
    radius = data.get("radius")
    return Location(
        latitude=float(data["latitude"]),
        longitude=float(data["longitude"]),
        radius=float(radius) if radius is not None else None,
        relevant_text=data.get("message"),
        name=data.get("name"),
    )


def beacon_json(beacon: Beacon) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if beacon.name is not None:
        body["name"] = beacon.name
    body["proximityUuid"] = str(beacon.proximity_uuid)
    if beacon.major is not None:
        body["major"] = beacon.major
    if beacon.minor is not None:
        body["minor"] = beacon.minor
    if beacon.relevant_text is not None:
        body["message"] = beacon.relevant_text
    return body


def beacon_from_json(data: Mapping[str, Any]) -> Beacon:
    return Beacon(
        proximity_uuid=data["proximityUuid"],
        major=data.get("major"),
        minor=data.get("minor"),
        relevant_text=data.get("message"),
        name=data.get("name"),
    )


def _barcode_json(barcode: Barcode, external_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"enabled": True, "type": barcode.symbology.value}
    if external_id is not None and barcode.message == external_id:
        body["source"] = "extId"  # PassEntry fills in the extId: the value is not sent twice
    else:
        body["source"] = "custom"
        body["value"] = barcode.message
    return body


def _nfc_json(nfc: Nfc) -> dict[str, Any]:
    if nfc.message is None:
        return {"enabled": True}  # PassEntry uses the pass UUID as the NFC message
    # Inferred (declared on nfc): the batch CSV's nfc_source / nfc_custom_value, as JSON keys.
    return {"enabled": True, "source": "custom", "customValue": nfc.message}


def template_override(content: Pass | PassUpdate) -> dict[str, Any]:
    """``pass.templateOverride`` of ``content``: its colours and image urls."""
    override: dict[str, Any] = {}
    if content.colors is not None:
        for name in ("background", "foreground", "label"):
            color = getattr(content.colors, name)
            if color is not None:
                override[TEMPLATE_OVERRIDE_KEYS[name]] = color.hex
    for role, image in (content.images or {}).items():
        slot = IMAGE_ROLES.get(ImageRole(role))
        if slot is not None and image.url is not None:
            override[TEMPLATE_OVERRIDE_KEYS[slot]] = image.url
    return override


def _body(
    content: Pass | PassUpdate,
    *,
    external_id: str | None,
    value_format: ValueFormat,
    set_fields: AbstractSet[str],
) -> dict[str, Any]:
    # A value PassEntry has no text for is refused here, by its neutral path: not sent, not lost.
    inner: dict[str, Any] = render_fields(content.fields, _FIELD_RENDERERS[value_format])
    if content.barcode is not None:
        inner["barcode"] = _barcode_json(content.barcode, external_id)
    elif "barcode" in set_fields:
        inner["barcode"] = {"enabled": False}
    if content.nfc is not None:
        inner["nfc"] = _nfc_json(content.nfc)
    elif "nfc" in set_fields:
        inner["nfc"] = {"enabled": False}
    if content.expires_at is not None:
        # Inferred (declared on expires_at): the request key mirrors the expiresAt attribute.
        inner["expiresAt"] = format_timestamp(content.expires_at, TIMESTAMPS)
    if content.colors is not None or content.images:
        override = template_override(content)
        if override:
            inner["templateOverride"] = override
    body: dict[str, Any] = {"pass": inner} if inner else {}
    if content.locations is not None:
        body["locations"] = [location_json(loc) for loc in content.locations]
    elif "locations" in set_fields:
        body["locations"] = []
    if content.beacons is not None:
        body["beacons"] = [beacon_json(b) for b in content.beacons]
    elif "beacons" in set_fields:
        body["beacons"] = []
    if content.group is not None:
        body["groupTag"] = content.group
    return body


#: A create sets no field to ``None`` (only an update can clear one).
_NONE_SET: AbstractSet[str] = frozenset()

#: What a body holds besides the template fields (:func:`_body`, ``extra``, an update's
#: ``message``). A pass or change that sets none of them (most set fields alone) holds each
#: one's default, ``None``, so its body is its fields' alone: made without asking each part.
_BODY_PARTS = frozenset(
    {
        "barcode",
        "nfc",
        "expires_at",
        "colors",
        "images",
        "locations",
        "beacons",
        "group",
        "extra",
        "message",
    }
)


def _fields_body(content: Pass | PassUpdate, value_format: ValueFormat) -> dict[str, Any]:
    """:func:`_body` of ``content`` that sets no :data:`_BODY_PARTS`: ``pass`` with the fields."""
    inner: dict[str, Any] = render_fields(content.fields, _FIELD_RENDERERS[value_format])
    return {"pass": inner} if inner else {}


def create_query(new_pass: Pass) -> dict[str, str]:
    query = {"passTemplate": new_pass.template}
    if new_pass.external_id is not None:
        query["extId"] = new_pass.external_id
    return query


def create_body(new_pass: Pass, *, value_format: ValueFormat) -> dict[str, Any]:
    """The POST ``/api/v1/passes`` body; ``Pass.extra`` is deep-merged last."""
    if new_pass.model_fields_set.isdisjoint(_BODY_PARTS):
        return _fields_body(new_pass, value_format)
    body = _body(
        new_pass,
        external_id=new_pass.external_id,
        value_format=value_format,
        set_fields=_NONE_SET,
    )
    return merge_extra(body, new_pass.extra) if new_pass.extra else body


def update_body(change: PassUpdate, *, value_format: ValueFormat) -> dict[str, Any]:
    """The PATCH body: only what the update sets. ``None`` turns NFC / barcode off and empties
    locations / beacons (the only things PassEntry can clear); ``message`` is the push text."""
    set_fields = change.model_fields_set
    if set_fields.isdisjoint(_BODY_PARTS):
        return _fields_body(change, value_format)
    body = _body(change, external_id=None, value_format=value_format, set_fields=set_fields)
    if change.message is not None:
        body["message"] = change.message
    return merge_extra(body, change.extra) if change.extra else body


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------


def resource_of(answer: Any) -> Mapping[str, Any]:
    """``data`` of a single-resource answer, checked to be a pass."""
    data = answer["data"]
    # (every create, get and update answer is checked here: a dict told without a call)
    if not (type(data) is dict or isinstance(data, Mapping)) or not isinstance(data.get("id"), str):
        raise ValueError("the answer's data is not a resource with an id")
    attributes = data.get("attributes")
    if not (type(attributes) is dict or isinstance(attributes, Mapping)):
        raise ValueError("the answer's data has no attributes")
    return data


def status_of(attributes: Mapping[str, Any]) -> PassStatus:
    """The neutral status; a pass deactivated by its expiry time is ``expired``."""
    vendor = attributes.get("status")
    status = _STATUSES.get(vendor, PassStatus.UNKNOWN) if isinstance(vendor, str) else None
    if status is PassStatus.VOIDED:
        expires = parse_timestamp(attributes.get("expiresAt"))
        deactivated = parse_timestamp(attributes.get("deactivatedAt"))
        if expires is not None and deactivated is not None and deactivated >= expires:
            return PassStatus.EXPIRED
    return status or PassStatus.UNKNOWN


def pass_source(attributes: Mapping[str, Any]) -> Mapping[str, Any] | None:
    source = attributes.get("passSource")
    return source if source is not None and _is_mapping(source) else None


def _barcode_of(pass_id: str, attributes: Mapping[str, Any]) -> Barcode | None:
    data = attributes.get("barcode")
    if data is None or not _is_mapping(data) or not data.get("enabled"):
        return None
    source = data.get("source", "custom")
    message = {"extId": attributes.get("extId"), "uuid": pass_id}.get(source, data.get("value"))
    if not isinstance(message, str) or not message:
        return None
    try:
        # A type the answer leaves out or PassEntry added since is not known, not guessed.
        fmt: BarcodeFormat | None = BarcodeFormat(data["type"])
    except (KeyError, ValueError, TypeError):
        fmt = None
    # No alt_text: PassEntry holds a displayText flag (passentry.md 4.1), not a text, and
    # BARCODE_ALT_TEXT is NONE, so a pass read back is written back as is (the flag is in raw).
    return Barcode(message=message, format=fmt)


def notification_of(headers: Mapping[str, str], answer: Mapping[str, Any]) -> dict[str, Any] | None:
    """What PassEntry said about the push message: the header and ``meta.notifications``."""
    meta = answer.get("meta")
    header = headers.get("x-notification-status")
    if meta is None and header is None:
        return None  # (every answer but an update's with a message)
    notifications = meta.get("notifications") if _is_mapping(meta) else None
    if header is None and not _is_mapping(notifications):
        return None
    result: dict[str, Any] = {}
    if _is_mapping(notifications):
        result.update({k: v for k, v in notifications.items() if k in ("status", "message")})
    if header is not None:
        result["header"] = header
        result.setdefault("status", header)
    return result


#: The pass resource's attributes the parse reads: those its answers carry every time, null
#: where unset (as the emulator, written from PassEntry's pass resource example, answers them;
#: an answer of another shape is read one get at a time) ...
_ANSWERED = (
    "downloadUrl",
    "passType",
    "deviceType",
    "status",
    "extId",
    "groupTag",
    "createdAt",
    "addedAt",
    "removedAt",
    "deactivatedAt",
    "expiresAt",
    "passTemplateUuid",
    "passTemplateName",
    "nfc",
    "barcode",
    "latestMessage",
    "passContent",
)
#: ... and those an answer carries only where they are set or asked for (a nullified pass's
#: time, a pass source, locations, beacons, a per-pass design).
_OCCASIONAL = ("nullifiedAt", "passSource", "locations", "beacons", "passDesign")
_ATTRIBUTES_READ = _ANSWERED + _OCCASIONAL
_ANSWERED_VALUES = itemgetter(*_ANSWERED)
_NO_OCCASIONAL = (None,) * len(_OCCASIONAL)


def _attribute_values(attributes: Mapping[str, Any]) -> tuple[Any, ...]:
    """``attributes.get`` of each of :data:`_ATTRIBUTES_READ`, in order.

    Most answers hold exactly the attributes every answer carries (:data:`_ANSWERED`): as many
    keys as those, all of them there, leave no room for another, so the occasional ones are
    absent and the rest is one ``itemgetter`` call (22 ``get`` calls cost more)."""
    if type(attributes) is dict and len(attributes) == len(_ANSWERED):
        try:
            return _ANSWERED_VALUES(attributes) + _NO_OCCASIONAL  # type: ignore[no-any-return]
        except KeyError:
            pass  # (as many keys, not all of them these)
    return tuple(map(attributes.get, _ATTRIBUTES_READ))


#: ``IssuedPass.meta`` keys a PassEntry pass may carry (the provider declares them).
META_KEYS: dict[str, str] = {
    "vendor_status": "PassEntry's own status of the pass, e.g. 'active' (text)",
    "pass_type": "the template's pass type, e.g. 'storeCard' (text)",
    "template_name": "the name of the pass's template (text)",
    "device_type": "the device the pass is installed on: 'iphone' or 'android' (text)",
    "group_tag": "the pass's groupTag (text)",
    "latest_message": "the last message pushed to the holder (text)",
    "nfc": "the pass's NFC settings as PassEntry answers them",
    "added_at": "when the holder added the pass to a wallet (ISO 8601 text)",
    "removed_at": "when the holder removed it (ISO 8601 text)",
    "deactivated_at": "when it was deactivated (ISO 8601 text)",
    "nullified_at": "when it was nullified, i.e. deleted (ISO 8601 text)",
    "notification": "what PassEntry said about an update's message: status, message and the "
    "X-Notification-Status header",
    "locations": "the pass's locations as PassEntry answers them",
    "beacons": "the pass's beacons as PassEntry answers them",
    "passDesign": "the per-pass design overrides (colours, images) as PassEntry answers them",
    "balance": "the loyalty balance in whole points after a create or update that set it",
}


def issued_from_resource(
    answer: Any, *, provider: str, headers: Mapping[str, str] | None = None
) -> IssuedPass:
    """An ``IssuedPass`` from a pass resource answer (create, show, update, nullify).

    ``template`` is the answer's ``passTemplateUuid`` (a pass id does not carry it) and
    ``fields`` are ``passContent`` under the template's field ids, as text as PassEntry stores
    them: the core maps them back to the application's names and declared types.
    """
    return _issued(resource_of(answer), answer, provider, {} if headers is None else headers)


def _issued(
    data: Mapping[str, Any], answer: Any, provider: str, headers: Mapping[str, str]
) -> IssuedPass:
    # Every answer of a create, get and update is read here: the parts most answers leave out
    # (null or absent: no barcode, expiry, pass source, notification) are told at once, before
    # their readers are called, and a status but a deactivated one is looked up, not derived.
    pass_id: str = data["id"]
    attributes: Mapping[str, Any] = data["attributes"]
    (
        download,
        pass_type,
        device_type,
        vendor_status,
        external_id,
        group_tag,
        created,
        added,
        removed,
        deactivated,
        expires,
        template,
        template_name,
        nfc,
        barcode,
        latest_message,
        content,
        nullified,
        source,
        locations,
        beacons,
        design,
    ) = _attribute_values(attributes)
    fields: dict[str, Any] = {}
    if content is not None and (type(content) is dict or isinstance(content, Mapping)):
        for key, raw_value in content.items():
            if key not in PASS_RESERVED_KEYS:
                # (the object format's {"value": text}, unwrapped without unwrap_value's call)
                fields[key] = (
                    raw_value["value"]
                    if type(raw_value) is dict and len(raw_value) == 1 and "value" in raw_value
                    else unwrap_value(raw_value)
                )
    google = (
        source.get(GOOGLE_PASS_SOURCE_KEY)
        if source is not None and (type(source) is dict or isinstance(source, Mapping))
        else None
    )
    # META_KEYS' attributes kept as answered, in this order (each test a local's, no call).
    meta: dict[str, Any] = {}
    if vendor_status is not None:
        meta["vendor_status"] = vendor_status
    if pass_type is not None:
        meta["pass_type"] = pass_type
    if template_name is not None:
        meta["template_name"] = template_name
    if device_type is not None:
        meta["device_type"] = device_type
    if group_tag is not None:
        meta["group_tag"] = group_tag
    if latest_message is not None:
        meta["latest_message"] = latest_message
    if nfc is not None:
        meta["nfc"] = nfc
    if added is not None:
        meta["added_at"] = added
    if removed is not None:
        meta["removed_at"] = removed
    if deactivated is not None:
        meta["deactivated_at"] = deactivated
    if nullified is not None:
        meta["nullified_at"] = nullified
    # (notification_of's answer for no meta and no header, none, told without the call)
    if (type(answer) is dict or isinstance(answer, Mapping)) and (
        answer.get("meta") is not None or headers.get("x-notification-status") is not None
    ):
        notification = notification_of(headers, answer)
        if notification is not None:
            meta["notification"] = notification
    if locations is not None:
        meta["locations"] = locations
    if beacons is not None:
        meta["beacons"] = beacons
    if design is not None:
        meta["passDesign"] = design
    status = _STATUSES.get(vendor_status, _UNKNOWN) if isinstance(vendor_status, str) else _UNKNOWN
    if status is _VOIDED:
        status = status_of(attributes)  # (deactivated: expired when its expiry did it)
    return IssuedPass.model_validate(
        {
            "id": pass_id,
            "vendor_id": pass_id,
            "provider": provider,
            "template": template,
            "kind": KIND_PASS_TYPES.kind_of(pass_type) if isinstance(pass_type, str) else None,
            "external_id": external_id,
            "status": status,
            "urls": {
                "download": download,
                "google": google if isinstance(google, str) else None,
            },
            "created_at": None if created is None else parse_timestamp(created),
            "expires_at": None if expires is None else parse_timestamp(expires),
            "fields": fields,
            # (a falsy barcode, null or {}, is one _barcode_of reads as none: not enabled)
            "barcode": _barcode_of(pass_id, attributes) if barcode else None,
            "meta": meta,
            "raw": answer,
        }
    )


def issued_from_list_item(data: Mapping[str, Any], *, provider: str) -> IssuedPass:
    """One element of a list answer's ``data`` array."""
    if not isinstance(data.get("id"), str) or not isinstance(data.get("attributes"), Mapping):
        raise ValueError("a listed pass is not a resource with an id and attributes")
    return _issued(data, data, provider, {})
