"""PassEntry's documented limits and enumerations, as data, with the checks that use them.

One module so the provider (before sending), the emulator (refusing like the vendor) and the fake
provider's ``passentry`` profile all refuse exactly the same things. Every rule here comes from
PassEntry's API reference (``docs.passentry.com``); where the reference is silent (string lengths,
extId syntax beyond what a URL path needs) the check is left out rather than guessed.

The checks work on plain values, so the provider applies them to neutral fields and the emulator
to the vendor's JSON.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from walletpass.paths import segment_problem
from walletpass.timestamps import UTC_SECONDS, TimestampForm

__all__ = [
    "API_PREFIX",
    "APPLE_PASS_SOURCE_KEY",
    "BARCODE_SOURCES",
    "BARCODE_TYPES",
    "CLIENT_RATE_PER_SECOND",
    "DEFAULT_BASE_URL",
    "EVENT_RADIUS_MAX",
    "GOOGLE_PASS_SOURCE_KEY",
    "IMAGE_EXTENSIONS",
    "LOYALTY_BODY_KEYS",
    "LOYALTY_DELTA_KEY",
    "LOYALTY_MESSAGE_KEY",
    "LOYALTY_OVERRIDE_KEY",
    "LOYALTY_PATH",
    "MAX_BEACONS",
    "MAX_LOCATIONS",
    "NFC_SOURCES",
    "OTHER_RADIUS_MAX",
    "PASS_RESERVED_KEYS",
    "RADIUS_MAX_EXCLUSIVE",
    "RADIUS_MIN_EXCLUSIVE",
    "RATE_LIMIT_PER_SECOND",
    "TEMPLATE_OVERRIDE_KEYS",
    "TIMESTAMPS",
    "PassAction",
    "PassSource",
    "PassType",
    "VendorStatus",
    "hex_color_problem",
    "id_problem",
    "image_url_problem",
    "radius_problem",
]

DEFAULT_BASE_URL = "https://api.passentry.com"
#: Every documented path starts with it.
API_PREFIX = "api/v1"
#: "Timestamps: ISO 8601 UTC strings (``2022-06-05T10:06:53Z``)" (API v1, conventions).
TIMESTAMPS: TimestampForm = UTC_SECONDS

#: Loyalty balance endpoints (docs.passentry.com, later findings): ``GET`` / ``PATCH
#: /api/v1/loyalty/{id}``; the PATCH body takes ``balance`` (a signed integer *delta*),
#: ``overrideBalance`` (set the balance outright) and ``message`` (notification text); the answer
#: carries ``meta.loyalty.balance``. Inferred, not documented: that ``{id}`` is the pass's UUID or
#: extId, that the keys sit at the top level of the body, that ``overrideBalance`` takes the new
#: balance (an integer), that only a store-card (loyalty) pass has a balance, and the GET answer's
#: shape (read the same way as the PATCH answer).
LOYALTY_PATH = "loyalty"
LOYALTY_DELTA_KEY = "balance"
LOYALTY_OVERRIDE_KEY = "overrideBalance"  # inferred: takes the new balance
LOYALTY_MESSAGE_KEY = "message"
LOYALTY_BODY_KEYS = frozenset({LOYALTY_DELTA_KEY, LOYALTY_OVERRIDE_KEY, LOYALTY_MESSAGE_KEY})

#: "10 requests per second per endpoint and HTTP method" (sliding window).
RATE_LIMIT_PER_SECOND = 10
#: The vendor's own advice is to aim for 9 per second; the client-side limiter uses it.
CLIENT_RATE_PER_SECOND = 9

MAX_LOCATIONS = 10
MAX_BEACONS = 10

#: Geofence radius in metres: "10 < x < 1000"; at most 1000 for eventTicket, 100 for the others.
RADIUS_MIN_EXCLUSIVE = 10.0
RADIUS_MAX_EXCLUSIVE = 1000.0
EVENT_RADIUS_MAX = 1000.0
OTHER_RADIUS_MAX = 100.0


# The vendor's words, declared as data (member name: vendor value).

#: ``passType`` of a pass (its template's type).
PassType = StrEnum(
    "PassType",
    {
        "GENERIC": "generic",
        "EVENT_TICKET": "eventTicket",
        "STORE_CARD": "storeCard",
        "TRANSIT": "transit",
    },
)


class VendorStatus(StrEnum):
    """``status`` of a pass; each word's meaning as PassEntry documents it (the neutral status
    each reads back as: ``walletpass_passentry.payloads.status_of``)."""

    #: Created, not (yet) in a wallet.
    ISSUED = "issued"
    #: In a wallet.
    ACTIVE = "active"
    #: The holder removed it from the wallet; still valid, it can be added again.
    REMOVED = "removed"
    #: ``passAction`` ``deactivate``, or past its expiry.
    DEACTIVATED = "deactivated"
    #: Irreversibly wiped: the "delete".
    NULLIFIED = "nullified"


#: ``passAction`` of an update.
PassAction = StrEnum("PassAction", {"DEACTIVATE": "deactivate", "REACTIVATE": "reactivate"})
#: ``includePassSource``: which wallet's direct pass to return (only while not active).
PassSource = StrEnum("PassSource", {"APPLE": "apple", "GOOGLE": "google"})


BARCODE_TYPES = frozenset({"qr", "code128", "aztec", "pdf417"})
BARCODE_SOURCES = frozenset({"uuid", "extId", "custom"})
#: The batch CSV's ``nfc_source`` values; the JSON object is assumed to mirror them.
NFC_SOURCES = frozenset({"uuid", "extId", "custom"})

#: ``passSource`` keys. Google's is documented; Apple's (a base64 .pkpass) is not, so the provider
#: does not rely on it (it takes the value that decodes to a zip); the emulator uses this one.
GOOGLE_PASS_SOURCE_KEY = "googleDownloadUrl"
APPLE_PASS_SOURCE_KEY = "applePassBase64"

#: Keys inside the ``pass`` object that are options, not template field ids.
PASS_RESERVED_KEYS = frozenset(
    {
        "barcode",
        "nfc",
        "nfcEnabled",
        "expiresAt",
        "templateOverride",
        "beacons",
        "beaconActions",
        "locations",
        "locationActions",
    }
)

#: ``templateOverride`` sub-keys, by neutral name. The reference describes each value (hex
#: colours, direct image URLs) but its stored copies do not show the key names: these are
#: walletpass's reading, kept in one place: *inferred* (declared on colors.* and images).
TEMPLATE_OVERRIDE_KEYS: dict[str, str] = {
    "background": "backgroundColor",
    "foreground": "textColor",
    "label": "labelColor",
    "banner": "bannerImage",
    "logo": "logoImage",
    "thumbnail": "thumbnailImage",
}
#: Image URLs must point straight at a PNG or JPEG file.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def radius_problem(radius: float, *, event_ticket: bool | None) -> str | None:
    """Why a geofence radius is refused, or ``None``.

    ``event_ticket`` is ``None`` when the pass type is not known (updates): then only the
    absolute range is checked and PassEntry applies the 100 m rule itself.
    """
    if not RADIUS_MIN_EXCLUSIVE < radius < RADIUS_MAX_EXCLUSIVE:
        return (
            f"must be more than {RADIUS_MIN_EXCLUSIVE:g} and less than "
            f"{RADIUS_MAX_EXCLUSIVE:g} metres, got {radius:g}"
        )
    if event_ticket is False and radius > OTHER_RADIUS_MAX:
        return (
            f"must be at most {OTHER_RADIUS_MAX:g} metres unless the pass is an event ticket "
            f"(up to {EVENT_RADIUS_MAX:g}), got {radius:g}"
        )
    return None


def hex_color_problem(value: object) -> str | None:
    if isinstance(value, str) and _HEX_COLOR.fullmatch(value):
        return None
    return f"must be a hex colour such as #1a2b3c, got {value!r}"


def image_url_problem(url: object) -> str | None:
    """Direct image URLs only: http(s), and a PNG or JPEG file name."""
    if not isinstance(url, str):
        return "must be a URL"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be a direct http(s) image URL, got {url!r}"
    if not parts.path.lower().endswith(IMAGE_EXTENSIONS):
        return f"must be a direct link to a PNG or JPEG file (.png, .jpg, .jpeg), got {url!r}"
    return None


def id_problem(value: object) -> str | None:
    """Why a pass id or extId cannot sit in the ``/passes/{id}`` path slot, or ``None``."""
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if "/" in value or not value.isprintable() or " " in value:
        return "must be printable, without spaces or '/'"
    return segment_problem(value)
