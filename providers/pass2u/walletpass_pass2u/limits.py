"""Pass2U's documented limits and enumerations, as data, and the check of a request body.

One module so the provider (before sending), the emulator (answering 400 like the vendor) and the
fake provider's ``pass2u`` profile all refuse exactly the same things. Every number here comes from
the Pass API 2.2.3 user guide; where the guide is silent the check is left out rather than guessed.
The body check speaks in Pass2U's own key paths (``locations[3].relevantText``); the provider
translates them back to neutral field names for its errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from enum import StrEnum
from typing import Any

from walletpass.errors import FieldProblem
from walletpass.messages import quantity
from walletpass.timestamps import TimestampForm, parse_timestamp

__all__ = [
    "ACCEPT_JSON",
    "ACCEPT_PKPASS",
    "API_KEY_HEADER",
    "BARCODE_LIMITS",
    "BEACON_LIMITS",
    "BODY_KEYS",
    "DEFAULT_BASE_URL",
    "FIELD_ATTRIBUTES",
    "FIELD_LIMITS",
    "IMAGE_HEX_MAX",
    "IMAGE_LAYOUTS",
    "IMAGE_TYPES",
    "LOCATION_LIMITS",
    "MAX_BEACONS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_LOCATIONS",
    "PUBLIC_DOWNLOAD_URL",
    "RATE_LIMIT_PER_SECOND",
    "RESETTABLE_ATTRIBUTES",
    "STRING_LIMITS",
    "TIMESTAMPS",
    "PassStyle",
    "check_body",
    "check_style",
    "is_pass2u_date",
    "parse_css_rgb",
]

DEFAULT_BASE_URL = "https://api.pass2u.net/v2"
API_KEY_HEADER = "x-api-key"
ACCEPT_JSON = "application/json"
ACCEPT_PKPASS = "application/vnd.apple.pkpass"
PUBLIC_DOWNLOAD_URL = "https://www.pass2u.net/d/{pass_id}"

#: "ISO 8601 strings that must include seconds and a UTC offset, e.g.
#: ``2027-06-30T23:59:59+02:00``" (Pass API 2.2.3 guide): the value's own offset, never ``Z``.
TIMESTAMPS = TimestampForm(zone=None, utc_as_z=False)

#: "100 requests per second per API for each API key"; excess gets HTTP 429.
RATE_LIMIT_PER_SECOND = 100

#: Upload image: PNG only, at most 4 MB and 1024 x 1024 pixels.
MAX_IMAGE_BYTES = 4 * 1024 * 1024
MAX_IMAGE_PIXELS = 1024

MAX_LOCATIONS = 10
MAX_BEACONS = 10
IMAGE_HEX_MAX = 50

#: Top-level string attributes and their documented maximum lengths.
STRING_LIMITS: dict[str, int] = {
    "description": 255,
    "organizationName": 100,
    "passcode": 100,
    "appLaunchURL": 255,
    "androidAppLaunchURL": 255,
    "expirationDate": 30,
    "relevantDate": 30,
    "backgroundColor": 18,
    "foregroundColor": 30,
    "labelColor": 18,
    "groupingIdentifier": 50,
    "logoText": 35,
}

COLOR_KEYS = ("backgroundColor", "foregroundColor", "labelColor")
DATE_KEYS = ("expirationDate", "relevantDate")
BOOLEAN_KEYS = ("voided", "sharingProhibited")

#: Every key a create or update body may carry ("sharingProhibited" appears in the guide's create
#: example only; it is accepted as Apple's key of the same name).
BODY_KEYS: frozenset[str] = frozenset(
    {
        *STRING_LIMITS,
        *BOOLEAN_KEYS,
        "associatedStoreIdentifiers",
        "associatedPlayIdentifiers",
        "maxDistance",
        "images",
        "beacons",
        "locations",
        "barcode",
        "fields",
    }
)

#: What ``DELETE …/attributes/{attributeName}`` takes: any top-level or lower-level key.
RESETTABLE_ATTRIBUTES: frozenset[str] = BODY_KEYS

#: Attributes of one field that ``DELETE …/fields/{key}/attributes/{name}`` can reset.
FIELD_ATTRIBUTES: frozenset[str] = frozenset({"label", "value", "changeMessage"})

FIELD_LIMITS: dict[str, int] = {"key": 100, "label": 150, "value": 5000, "changeMessage": 80}
BARCODE_LIMITS: dict[str, int] = {"message": 7089, "altText": 35}
LOCATION_LIMITS: dict[str, int] = {"relevantText": 255}
BEACON_LIMITS: dict[str, int] = {"proximityUUID": 36, "relevantText": 255}
STORE_ID_MAX_DIGITS = 11
PLAY_ID_MAX = 255
CHANGE_MESSAGE_ESCAPE = "%@"


#: The Apple pass style a Pass2U model is designed with (fixed per model, in the dashboard).
PassStyle = StrEnum(
    "PassStyle",
    {
        "BOARDING_PASS": "boardingPass",
        "COUPON": "coupon",
        "EVENT_TICKET": "eventTicket",
        "STORE_CARD": "storeCard",
        "GENERIC": "generic",
    },
)


IMAGE_TYPES: tuple[str, ...] = ("icon", "logo", "strip", "background", "thumbnail", "footer")

#: Image types each style shows. Event tickets come in two layouts; a pass uses one of them.
IMAGE_LAYOUTS: dict[PassStyle, tuple[frozenset[str], ...]] = {
    PassStyle.BOARDING_PASS: (frozenset({"icon", "logo", "footer"}),),
    PassStyle.COUPON: (frozenset({"icon", "logo", "strip"}),),
    PassStyle.EVENT_TICKET: (
        frozenset({"icon", "logo", "background", "thumbnail"}),
        frozenset({"icon", "logo", "strip"}),
    ),
    PassStyle.STORE_CARD: (frozenset({"icon", "logo", "strip"}),),
    PassStyle.GENERIC: (frozenset({"icon", "logo", "thumbnail"}),),
}

#: groupingIdentifier: "For event tickets and boarding passes; otherwise not allowed."
GROUPING_STYLES = frozenset({PassStyle.EVENT_TICKET, PassStyle.BOARDING_PASS})

_RGB = re.compile(r"^rgb\((\d{1,3}), ?(\d{1,3}), ?(\d{1,3})\)\Z", re.ASCII)
#: Seconds and an offset, as every example shows; fractional seconds appear in none, so they are
#: refused rather than assumed accepted.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})\Z", re.ASCII)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_UINT16 = 65535


def parse_css_rgb(text: str) -> tuple[int, int, int] | None:
    """The components of a CSS ``rgb(r, g, b)`` string, or ``None`` if it is not one."""
    match = _RGB.match(text)
    if match is None:
        return None
    red, green, blue = (int(part) for part in match.groups())
    if max(red, green, blue) > 255:
        return None
    return red, green, blue


def is_pass2u_date(text: str) -> bool:
    """ISO 8601 with hours, minutes, seconds and a time zone, as every Pass2U date must be."""
    if not _DATE.match(text):
        return False
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    """Collects problems while walking one body."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def string(
        self, path: str, value: Any, limit: int, *, required: bool = False, suffix: str = ""
    ) -> None:
        """``value`` a string of at most ``limit`` characters (or absent, unless ``required``);
        a problem is located at ``path + suffix`` (joined only when there is one)."""
        if value is None:
            if required:
                self.add(path + suffix, "is required")
            return
        if not isinstance(value, str):
            self.add(path + suffix, "must be a string")
        elif len(value) > limit:
            self.add(
                path + suffix,
                f"Pass2U allows at most {quantity(limit, 'character')}, got {len(value)}",
            )

    def obj(self, path: str, value: Any, allowed: Sequence[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, dict | Mapping):
            self.add(path, "must be an object")
            return None
        for key in value:
            if key not in allowed:
                self.add(f"{path}.{key}", f"is not a Pass2U key (allowed: {', '.join(allowed)})")
        return value

    def array(self, path: str, value: Any, limit: int | None = None) -> Sequence[Any]:
        if not isinstance(value, list):
            self.add(path, "must be an array")
            return []
        if limit is not None and len(value) > limit:
            self.add(path, f"Pass2U allows at most {quantity(limit, 'item')}, got {len(value)}")
        return value


def check_body(body: Any) -> list[FieldProblem]:
    """Everything the guide says about a create/update body, as problems with Pass2U key paths."""
    check = _Checker()
    if not isinstance(body, (dict, Mapping)):  # (a tuple: a union costs more to test)
        check.add("", "the request body must be a JSON object")
        return check.problems
    present = body.keys()
    if not present <= BODY_KEYS:
        for key in sorted(set(body) - BODY_KEYS):
            check.add(
                key, f"is not a Pass2U pass attribute (allowed: {', '.join(sorted(BODY_KEYS))})"
            )
    # (Each group is walked only when the body has one of its keys: most bodies carry a few,
    # and none of the top-level scalars. The groups are sets: a view's isdisjoint walks the
    # smaller side only when the other is a set.)
    if not present.isdisjoint(_SCALAR_KEYS):
        _check_scalars(check, body, present)
    if "images" in body:
        _check_images(check, body["images"])
    if "beacons" in body:
        _check_beacons(check, body["beacons"])
    if "locations" in body:
        _check_locations(check, body["locations"])
    if "barcode" in body and not _plain_barcode(body["barcode"]):
        barcode = check.obj("barcode", body["barcode"], _BARCODE_KEYS)
        if barcode is not None:
            for key, limit in BARCODE_LIMITS.items():
                check.string("barcode.", barcode.get(key), limit, suffix=key)
    if "fields" in body:
        _check_fields(check, body["fields"])
    return check.problems


def _check_scalars(check: _Checker, body: Mapping[str, Any], present: AbstractSet[str]) -> None:
    """The top-level strings, colours, dates, booleans, distance and app ids of ``body``."""
    if not present.isdisjoint(_STRING_KEYS):
        for key, limit in STRING_LIMITS.items():
            if key in body:
                check.string(key, body[key], limit)
    if not present.isdisjoint(_COLOR_SET):
        for key in COLOR_KEYS:
            value = body.get(key)
            if isinstance(value, str) and parse_css_rgb(value) is None:
                check.add(key, "must be a CSS colour rgb(r, g, b) with components 0..255")
    if not present.isdisjoint(_DATE_SET):
        for key in DATE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and not is_pass2u_date(value):
                check.add(
                    key,
                    "must be ISO 8601 with seconds and a time zone, e.g. 2027-12-31T23:59:59+08:00",
                )
    if not present.isdisjoint(_BOOLEAN_SET):
        for key in BOOLEAN_KEYS:
            if key in body and not isinstance(body[key], bool):
                check.add(key, "must be true or false")
    if "maxDistance" in body:
        distance = body["maxDistance"]
        if not _is_number(distance) or distance < 0:
            check.add("maxDistance", "must be a non-negative number of metres")
    if not present.isdisjoint(_APP_ID_KEYS):
        _check_app_ids(check, body)


#: The app ids a body may carry (checked only where it has one).
_APP_ID_KEYS = ("associatedStoreIdentifiers", "associatedPlayIdentifiers")

#: The groups of top-level keys check_body walks, as sets (see there), and all of them.
_STRING_KEYS = frozenset(STRING_LIMITS)
_COLOR_SET = frozenset(COLOR_KEYS)
_DATE_SET = frozenset(DATE_KEYS)
_BOOLEAN_SET = frozenset(BOOLEAN_KEYS)
_SCALAR_KEYS = _STRING_KEYS | _COLOR_SET | _DATE_SET | _BOOLEAN_SET | {"maxDistance", *_APP_ID_KEYS}


def _plain_barcode(barcode: Any) -> bool:
    """Whether ``barcode`` has nothing the barcode's checks could find (as nearly every one
    built from a pass has): an object of Pass2U's barcode keys only, a message and an alt text
    each absent or text within its limit. The checks are not run for it."""
    if type(barcode) is not dict or not barcode.keys() <= _BARCODE_KEY_SET:
        return False
    message = barcode.get("message")
    alt = barcode.get("altText")
    return (message is None or (type(message) is str and len(message) <= _MESSAGE_MAX)) and (
        alt is None or (type(alt) is str and len(alt) <= _ALT_TEXT_MAX)
    )


#: The barcode's message and alt text limits, read on every barcode.
_MESSAGE_MAX, _ALT_TEXT_MAX = BARCODE_LIMITS["message"], BARCODE_LIMITS["altText"]


def _check_app_ids(check: _Checker, body: Mapping[str, Any]) -> None:
    if "associatedStoreIdentifiers" in body:
        ids = check.array("associatedStoreIdentifiers", body["associatedStoreIdentifiers"], 1)
        for i, value in enumerate(ids):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value <= 0
                or len(str(value)) > STORE_ID_MAX_DIGITS
            ):
                check.add(
                    f"associatedStoreIdentifiers[{i}]",
                    f"must be an App Store id: a positive number of at most "
                    f"{STORE_ID_MAX_DIGITS} digits",
                )
    if "associatedPlayIdentifiers" in body:
        ids = check.array("associatedPlayIdentifiers", body["associatedPlayIdentifiers"], 1)
        for i, value in enumerate(ids):
            check.string(f"associatedPlayIdentifiers[{i}]", value, PLAY_ID_MAX, required=True)


def _check_images(check: _Checker, value: Any) -> None:
    seen: set[str] = set()
    for i, item in enumerate(check.array("images", value)):
        image = check.obj(f"images[{i}]", item, ("type", "hex"))
        if image is None:
            continue
        kind = image.get("type")
        if kind not in IMAGE_TYPES:
            check.add(f"images[{i}].type", f"must be one of {', '.join(IMAGE_TYPES)}")
        elif kind in seen:
            check.add(f"images[{i}].type", f"image type {kind!r} is given twice")
        else:
            seen.add(kind)
        hex_id = image.get("hex")
        check.string(f"images[{i}].hex", hex_id, IMAGE_HEX_MAX, required=True)
        if isinstance(hex_id, str) and not _HEX.fullmatch(hex_id):
            check.add(f"images[{i}].hex", "must be the hexadecimal hash returned by upload_image()")


def _check_beacons(check: _Checker, value: Any) -> None:
    for i, item in enumerate(check.array("beacons", value, MAX_BEACONS)):
        beacon = check.obj(
            f"beacons[{i}]", item, ("proximityUUID", "major", "minor", "relevantText")
        )
        if beacon is None:
            continue
        check.string(f"beacons[{i}].proximityUUID", beacon.get("proximityUUID"), 36, required=True)
        check.string(f"beacons[{i}].relevantText", beacon.get("relevantText"), 255)
        for key in ("major", "minor"):
            number = beacon.get(key)
            if number is not None and (
                not isinstance(number, int)
                or isinstance(number, bool)
                or not 0 <= number <= _UINT16
            ):
                check.add(f"beacons[{i}].{key}", "must be a 16-bit unsigned integer (0..65535)")


def _check_locations(check: _Checker, value: Any) -> None:
    for i, item in enumerate(check.array("locations", value, MAX_LOCATIONS)):
        location = check.obj(
            f"locations[{i}]", item, ("latitude", "longitude", "altitude", "relevantText")
        )
        if location is None:
            continue
        for key, bound in (("latitude", 90), ("longitude", 180)):
            number = location.get(key)
            if not isinstance(number, int | float) or isinstance(number, bool):
                number = None
            if number is None or not -bound <= number <= bound:
                check.add(f"locations[{i}].{key}", f"must be a number of degrees within ±{bound}")
        altitude = location.get("altitude")
        if altitude is not None and not _is_number(altitude):
            check.add(f"locations[{i}].altitude", "must be a number of metres")
        check.string(f"locations[{i}].relevantText", location.get("relevantText"), 255)


#: The keys of a field entry and of the barcode, in the guide's order (named in the refusal of
#: any other key).
_FIELD_KEYS = tuple(FIELD_LIMITS)
_BARCODE_KEYS = tuple(BARCODE_LIMITS)
_FIELD_KEY_SET = frozenset(_FIELD_KEYS)
_BARCODE_KEY_SET = frozenset(_BARCODE_KEYS)


def _check_fields(check: _Checker, value: Any) -> None:
    keys: set[str] = set()
    for i, item in enumerate(value if type(value) is list else check.array("fields", value)):
        # (the entry's path, fields[i], is made only for a problem or a part to check: most
        # entries have neither)
        if type(item) is dict and item.keys() <= _FIELD_KEY_SET:
            entry: Mapping[str, Any] = item  # (nothing for check.obj to find: an entry we built)
        else:
            checked = check.obj(f"fields[{i}]", item, _FIELD_KEYS)
            if checked is None:
                continue
            entry = checked
        # (A key or value that is text within its limit, as nearly every one is, has nothing
        # for check.string to find: it is not called for them.)
        key = entry.get("key")
        if not (type(key) is str and 0 < len(key) <= _KEY_MAX):
            check.string(f"fields[{i}]", key, _KEY_MAX, required=True, suffix=".key")
        if isinstance(key, str):
            if not key:
                check.add(f"fields[{i}].key", "must not be empty")
            elif key in keys:
                check.add(f"fields[{i}].key", f"field {key!r} is given twice")
            keys.add(key)
        # (an optional part that is absent has nothing to check: most entries have no label
        # and no change message)
        label = entry.get("label")
        if label is not None:
            check.string(f"fields[{i}]", label, FIELD_LIMITS["label"], suffix=".label")
        field_value = entry.get("value")
        if (
            field_value is not None
            and not (type(field_value) is str and len(field_value) <= _VALUE_MAX)
            and not _is_number(field_value)
        ):
            check.string(f"fields[{i}]", field_value, _VALUE_MAX, suffix=".value")
        message = entry.get("changeMessage")
        if message is not None:
            at = f"fields[{i}]"
            check.string(at, message, FIELD_LIMITS["changeMessage"], suffix=".changeMessage")
            if isinstance(message, str) and CHANGE_MESSAGE_ESCAPE not in message:
                check.add(f"{at}.changeMessage", "must contain %@ (replaced by the new value)")


#: A field entry's key and value limits, read on every entry (a list is what check.array
#: passes as it is: the entries are walked without the call).
_KEY_MAX, _VALUE_MAX = FIELD_LIMITS["key"], FIELD_LIMITS["value"]


def check_style(body: Mapping[str, Any], style: PassStyle) -> list[FieldProblem]:
    """What depends on the model's style: its image types and grouping identifiers."""
    problems: list[FieldProblem] = []
    images = body.get("images")
    if isinstance(images, list):
        types = {i.get("type") for i in images if isinstance(i, Mapping)}
        layouts = IMAGE_LAYOUTS[style]
        if types and not any(types <= layout for layout in layouts):
            allowed = " or ".join(", ".join(sorted(layout)) for layout in layouts)
            problems.append(
                FieldProblem(
                    "images",
                    f"a {style.value} pass shows only these image types: {allowed} "
                    f"(got {', '.join(sorted(str(t) for t in types))})",
                )
            )
    if "groupingIdentifier" in body and style not in GROUPING_STYLES:
        problems.append(
            FieldProblem(
                "groupingIdentifier",
                "is allowed only on event tickets and boarding passes, "
                f"not on a {style.value} pass",
            )
        )
    return problems
