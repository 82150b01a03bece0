"""LivePass's documented wire vocabulary and limits, as data, with the body checks that use them.

One module so the provider (before sending), the emulator (refusing like the vendor) and the fake
provider's ``livepass`` profile agree on exactly the same rules. LivePass documents three pass
types with fixed snake_case keys, one barcode type, one location per pass and nothing else: no
lengths, no required keys, no id syntax. Where the documentation is silent this module says what
walletpass chose and why, and never guesses a limit it could not justify.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "ALL_BODY_KEYS",
    "AUTH_HEADER",
    "AUTH_SCHEME",
    "BARCODE_KEYS",
    "BARCODE_TYPES",
    "BODY_KEYS",
    "BOOKING_KEYS",
    "CONTENT_KEYS",
    "CONTENT_TYPE",
    "COORDINATE_KEYS",
    "CREATE_MESSAGE",
    "DEFAULT_BASE_URL",
    "EMPTIABLE_KEYS",
    "GET_MESSAGE",
    "HOLDER_KEYS",
    "IGNORED_KEYS",
    "LOCATION_KEYS",
    "MAX_ID_LENGTH",
    "MAX_LOCATIONS",
    "MEMBERSHIP_KEYS",
    "NOTIFYING_KEYS",
    "READ_ONLY_KEYS",
    "STRING_KEYS",
    "BodyProblem",
    "PassType",
    "body_problems",
    "coordinate_problem",
    "id_problem",
]

DEFAULT_BASE_URL = "https://api.getlivepass.com"

#: ``Authorization: API_KEY <key>``: the literal word, one space, the key (not ``Bearer``).
AUTH_HEADER = "Authorization"
AUTH_SCHEME = "API_KEY"
#: Listed as a required header for POST and GET alike.
CONTENT_TYPE = "application/json"

#: ``message`` of the two documented answers.
CREATE_MESSAGE = "Pass requested"
GET_MESSAGE = "Pass retrieved"


#: The three documented pass types; each is also the first path segment.
PassType = StrEnum(
    "PassType",
    {
        "RESERVATION": "reservation",
        "MEMBERSHIP_CARD": "membership-card",
        "APPOINTMENT": "appointment",
    },
)


HOLDER_KEYS = ("full_name", "email", "phone_number")
BARCODE_KEYS = ("barcode_type", "barcode_data")
MEMBERSHIP_KEYS = ("balance_amount", "balance_currency", "membership_tier")
LOCATION_KEYS = (
    "location_name",
    "location_address",
    "location_url",
    "location_lat",
    "location_lng",
)
COORDINATE_KEYS = ("location_lat", "location_lng")
BOOKING_KEYS = ("title", "date", "time", "duration", "url", *LOCATION_KEYS)

#: Every documented request key of each type, in the order of the documentation's examples.
BODY_KEYS: dict[PassType, tuple[str, ...]] = {
    PassType.MEMBERSHIP_CARD: (*HOLDER_KEYS, *BARCODE_KEYS, "silent", *MEMBERSHIP_KEYS),
    PassType.RESERVATION: (*HOLDER_KEYS, *BARCODE_KEYS, "silent", *BOOKING_KEYS),
    PassType.APPOINTMENT: (*HOLDER_KEYS, *BARCODE_KEYS, "silent", *BOOKING_KEYS),
}

#: Every key documented for any type (what ``extra`` may name).
ALL_BODY_KEYS = frozenset(key for keys in BODY_KEYS.values() for key in keys)

#: The keys that hold a pass's own content (what ``Pass.fields`` may carry, per type).
CONTENT_KEYS: dict[PassType, tuple[str, ...]] = {
    PassType.MEMBERSHIP_CARD: MEMBERSHIP_KEYS,
    PassType.RESERVATION: BOOKING_KEYS,
    PassType.APPOINTMENT: BOOKING_KEYS,
}

#: Keys the documentation's reservation and appointment examples send as empty strings although
#: those types do not document them; the answer's echo leaves them out, so LivePass drops them.
IGNORED_KEYS: dict[PassType, tuple[str, ...]] = {
    PassType.MEMBERSHIP_CARD: (),
    PassType.RESERVATION: MEMBERSHIP_KEYS,
    PassType.APPOINTMENT: MEMBERSHIP_KEYS,
}

#: A change to one of these on a booking (reservation, appointment) is pushed to the holder.
_BOOKING_NOTIFYING = (
    "title",
    "date",
    "time",
    "duration",
    "location_name",
    "location_address",
    "location_url",
)

#: A change to one of these is pushed to the holder's wallet (when ``silent`` is false).
NOTIFYING_KEYS: dict[PassType, tuple[str, ...]] = {
    PassType.MEMBERSHIP_CARD: MEMBERSHIP_KEYS,
    PassType.RESERVATION: _BOOKING_NOTIFYING,
    PassType.APPOINTMENT: _BOOKING_NOTIFYING,
}

#: Keys a GET answer's ``body`` adds to what was sent (never sent back).
READ_ONLY_KEYS = ("version", "created_at", "last_updated_at", "type", "token")

#: ``barcode_type``: "Allowed values: qr".
BARCODE_TYPES = ("qr",)

#: Location fields are scalars: one location per pass.
MAX_LOCATIONS = 1

#: LivePass does not document its id syntax. Ids travel in the URL path, so walletpass accepts
#: only characters that need no escaping there (letters, digits, ``_``, ``-``) and a length no
#: reasonable system exceeds; ``.`` is excluded because walletpass's opaque ids use it.
MAX_ID_LENGTH = 128
_ID = re.compile(r"^[A-Za-z0-9_-]+$")

#: Keys typed ``string`` by the documentation (``silent`` is bool, ``balance_amount`` a number).
STRING_KEYS = frozenset(
    {*HOLDER_KEYS, "barcode_data", "balance_currency", "membership_tier", *BOOKING_KEYS}
)

#: String keys an update may send as ``""`` to empty them (the documentation's examples show
#: ``""`` for values a pass does not have, e.g. ``phone_number``). Never ``email`` (``""`` is no
#: address, and LivePass emails a valid one) nor ``balance_amount`` (a JSON number: ``""`` is not
#: one). A key with no value is otherwise left out of the body.
EMPTIABLE_KEYS = frozenset(STRING_KEYS - {"email", "barcode_data"})

_COORDINATE_RANGES = {"location_lat": 90.0, "location_lng": 180.0}


def id_problem(value: object) -> str | None:
    """Why ``value`` cannot be a LivePass pass id (walletpass's path-safe rule), or ``None``."""
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
    if not _ID.fullmatch(value):
        return "may contain only letters, digits, '_' and '-' (it is part of the URL path)"
    return None


def coordinate_problem(key: str, value: object) -> str | None:
    """Why a ``location_lat`` / ``location_lng`` text is not a coordinate, or ``None``."""
    if value == "":
        return None
    if not isinstance(value, str):
        return "must be a string"
    try:
        number = float(value)
    except ValueError:
        return f"must be a decimal number, got {value!r}"
    limit = _COORDINATE_RANGES[key]
    if not math.isfinite(number) or not -limit <= number <= limit:
        return f"must be between -{limit:g} and {limit:g}, got {value!r}"
    return None


@dataclass(frozen=True, slots=True)
class BodyProblem:
    """One refused key of a request body, in the shape of a Joi validation detail."""

    key: str
    message: str
    type: str

    def detail(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "path": [self.key],
            "type": self.type,
            "context": {"label": self.key, "key": self.key},
        }


#: :data:`BODY_KEYS` and :data:`IGNORED_KEYS` as sets, for the body check's per-key tests.
_KNOWN = {pass_type: frozenset(keys) for pass_type, keys in BODY_KEYS.items()}
_IGNORED = {pass_type: frozenset(keys) for pass_type, keys in IGNORED_KEYS.items()}
#: The keys of each type whose only rule is "a string" (the body check's last branch).
_TEXTS = {
    pass_type: known - _IGNORED[pass_type] - {"silent", "balance_amount", "barcode_type"}
    for pass_type, known in _KNOWN.items()
}


def body_problems(pass_type: PassType, body: Mapping[str, Any]) -> list[BodyProblem]:
    """Every problem of a POST body for ``pass_type``, as the emulator reports them.

    Types follow the documentation (strings, a boolean ``silent``, a numeric ``balance_amount``,
    ``barcode_type`` only ``qr``): a ``""`` where the documentation types a number is refused
    (its membership-card page types ``balance_amount`` as a number). Empty strings are accepted
    for string keys, because the documentation's own examples send them for values they do not
    have. Keys LivePass does not
    document for the type are reported as ``object.unknown`` (Joi's default); callers that pass
    undocumented keys through on purpose filter those out.
    """
    problems: list[BodyProblem] = []
    known = _KNOWN[pass_type]
    ignored = _IGNORED[pass_type]
    texts = _TEXTS[pass_type]
    for key, value in body.items():
        if type(value) is str and key in texts:
            continue  # (most of a body: what the last branch below accepts, tested first)
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
                allowed = ", ".join(BARCODE_TYPES)
                problems.append(BodyProblem(key, f'"{key}" must be [{allowed}]', "any.only"))
        elif not isinstance(value, str):
            problems.append(BodyProblem(key, f'"{key}" must be a string', "string.base"))
    return problems
