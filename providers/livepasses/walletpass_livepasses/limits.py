"""Livepasses' wire contract as data: request shapes, enumerations, error codes and limits.

One module so the provider (checking before it sends), the emulator (refusing like the vendor) and
the fake provider's ``livepasses`` profile refuse exactly the same things. Livepasses publishes no
API reference; everything here is read from its official SDK (0.3.0, the newest; 0.1.0 where it
differs), as summarised in the vendor notes. Where the SDK is silent (string lengths, most value
sets, the maximum recipients per call) no rule is invented.

The request shapes matter because the API refuses with 400 any body field its request DTO does not
declare: :func:`shape_problems` checks a JSON value against a :class:`Shape`, and is what both the
provider (for ``Pass.extra`` and redeem options) and the emulator (for every body) use.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from walletpass.kinds import KindTable
from walletpass.messages import quantity
from walletpass.model import PassKind
from walletpass.paths import segment_problem
from walletpass.timestamps import UTC_SECONDS, TimestampForm
from walletpass.values import integer_problem

__all__ = [
    "ATTESTED_TYPES",
    "AUTH_CODES",
    "BUSINESS_CODES",
    "BUSINESS_CONTEXT",
    "BUSINESS_DATA",
    "BUSINESS_DATA_INTEGERS",
    "BUSINESS_DATA_NUMBERS",
    "CUSTOMER",
    "DEFAULT_BASE_URL",
    "DEFAULT_PAGE_SIZE",
    "DELIVERY_METHODS",
    "ENDPOINT_BODIES",
    "EXTERNAL_CODES",
    "FAILED_STATUS",
    "FEATURE_BLOCKS",
    "FORBIDDEN_CODES",
    "GENERAL_CODES",
    "GENERATE",
    "GENERATION_OPTIONS",
    "LEGACY_WEBHOOK_EVENTS",
    "LIST_PASSES_QUERY",
    "LIST_TEMPLATES_QUERY",
    "LOCATION",
    "LOOKUP_QUERY",
    "MAX_MESSAGE_BODY",
    "MAX_MESSAGE_HEADER",
    "MAX_REASON",
    "NOT_FOUND_CODES",
    "PASS_ID_PATTERN",
    "PERSONALIZATIONS",
    "PER_PASS_CODES",
    "PUSH_TEMPLATE",
    "QUOTA_CODES",
    "RATE_CODES",
    "RECIPIENT",
    "RECIPIENT_KEYS",
    "REDEEM_BY_SCAN",
    "REQUEST_LEVEL_KEYS",
    "SDK_POLL_ATTEMPTS",
    "SDK_POLL_INTERVAL",
    "TEMPLATE_CREATE",
    "TEMPLATE_KINDS",
    "TEMPLATE_UPDATE",
    "TIMESTAMPS",
    "UPDATED_FIELD_NAME",
    "UPDATED_INTEGERS",
    "UPDATE_PASS",
    "VALIDATION_CODES",
    "WEBHOOK_CREATE",
    "WEBHOOK_EVENTS",
    "BatchState",
    "Endpoint",
    "ListOf",
    "Shape",
    "Spec",
    "TemplateStatus",
    "TemplateType",
    "TransactionType",
    "Value",
    "VendorStatus",
    "id_problem",
    "inferred_type",
    "made_up_confirmation_code",
    "made_up_qr_code",
    "shape_problems",
    "template_type_of",
    "updated_value_problem",
]

DEFAULT_BASE_URL = "https://api.livepasses.com"
#: UTC with a ``Z``, whole seconds: the form of every timestamp in the SDK 0.3.0 fixtures
#: (``2026-02-25T12:00:00Z``).
TIMESTAMPS: TimestampForm = UTC_SECONDS
#: What the API assumes when a list request names no page size (the SDK's fallback too).
DEFAULT_PAGE_SIZE = 20
#: The SDK's ``generate_and_wait`` polling: every 2 s, 150 polls (about five minutes).
SDK_POLL_INTERVAL = 2.0
SDK_POLL_ATTEMPTS = 150

#: The query parameters of the routes that take any (SDK 0.3.0, vendor notes 3.3, 3.4, 3.9); no
#: other route takes one. The C# SDK's ``platform`` list filter (values and meaning undocumented)
#: and the 0.1-era ``passNumber`` lookup are not among them.
LIST_PASSES_QUERY = frozenset(
    {"page", "pageSize", "searchTerm", "sortBy", "sortDescending", "templateId", "status"}
)
LOOKUP_QUERY = frozenset({"passId", "confirmationCode", "holderEmail"})
LIST_TEMPLATES_QUERY = frozenset(
    {"page", "pageSize", "searchTerm", "sortBy", "sortDescending", "type", "status"}
)

#: ``PUT /api/passes/{id}`` length limits (the only lengths the SDK documents).
MAX_REASON = 500
MAX_MESSAGE_HEADER = 80
MAX_MESSAGE_BODY = 2000

#: Server-assigned ids go into URL paths; their format is not documented, so walletpass only
#: insists that they fit a path segment.
PASS_ID_PATTERN = re.compile(r"^[A-Za-z0-9._~:@-]{1,200}$")


def id_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a Livepasses id in a URL path, or ``None``."""
    if not isinstance(value, str) or not PASS_ID_PATTERN.fullmatch(value):
        return "must be a Livepasses id: 1-200 letters, digits or . _ ~ : @ - (no / or spaces)"
    return segment_problem(value)


#: :func:`id_problem` of a pass's template, asked once per template (the answer depends on the
#: text alone, and a run creates passes of a few templates; 256 at most are kept).
template_problem = functools.lru_cache(maxsize=256)(id_problem)


# ---------------------------------------------------------------------------------------------
# Enumerations (values PascalCase, as in the SDK's fixtures; the full sets are not published)
# ---------------------------------------------------------------------------------------------


#: A pass's ``status``. Active and Redeemed appear in the SDK; Expired and Cancelled are read from
#: the ``PASS_EXPIRED`` code and the ``pass.expired`` / ``pass.cancelled`` events.
VendorStatus = StrEnum(
    "VendorStatus",
    {"ACTIVE": "Active", "REDEEMED": "Redeemed", "EXPIRED": "Expired", "CANCELLED": "Cancelled"},
)


#: A recipient that could not be generated (inside a 200 answer).
FAILED_STATUS = "failed"


BatchState = StrEnum("BatchState", {"PROCESSING": "Processing", "COMPLETED": "Completed"})


TemplateStatus = StrEnum("TemplateStatus", {"ACTIVE": "Active", "INACTIVE": "Inactive"})


TransactionType = StrEnum("TransactionType", {"EARN": "earn", "SPEND": "spend"})


#: The redemption family: the path tail under ``/api/passes/{passId}/``.
Endpoint = StrEnum(
    "Endpoint",
    {
        "REDEEM": "redeem",
        "CHECK_IN": "check-in",
        "REDEEM_COUPON": "redeem-coupon",
        "LOYALTY": "loyalty/transact",
        "STAMP": "stamp",
        "UNSTAMP": "unstamp",
        "MEMBERSHIP": "membership/check-in",
        "GIFT_CARD": "giftcard/redeem",
    },
)


class TemplateType(StrEnum):
    """A template's ``type`` (and a pass's ``passType``), one per documented verb family, with
    what each type means to walletpass, declared once per type: ``kind``, the neutral kind
    issued as it and read back from it; ``endpoint``, the verb a neutral ``redeem()`` calls for
    its passes (anything else: ``redeem``); ``block``, the ``businessFeatures`` block that makes
    a template of it (0.3.0 README: "the block you send decides the template type"; the same
    words are 0.1.0's ``passType``).

    Only ``EventTicket`` is attested (the SDKs' fixtures); the other words are *inferred* from
    their verb families and shared with the emulator. Without a stated kind (``options``, the
    template alias) the provider routes a redemption, and places a balance update, by the kind
    of these words (declared *inferred*); any other word is refused, naming the choices.
    """

    _value_: str
    kind: PassKind
    endpoint: Endpoint
    block: str

    def __new__(cls, word: str, *facts: Any) -> TemplateType:
        # (*facts: looking a type up by its word, TemplateType("Loyalty"), passes the word only)
        member = str.__new__(cls, word)
        member._value_ = word
        member.kind, member.endpoint, member.block = facts
        return member

    EVENT_TICKET = "EventTicket", PassKind.EVENT_TICKET, Endpoint.CHECK_IN, "event"
    LOYALTY = "Loyalty", PassKind.LOYALTY, Endpoint.STAMP, "loyalty"
    COUPON = "Coupon", PassKind.COUPON, Endpoint.REDEEM_COUPON, "coupon"
    MEMBERSHIP = "Membership", PassKind.MEMBERSHIP, Endpoint.MEMBERSHIP, "membership"
    GIFT_CARD = "GiftCard", PassKind.GIFT_CARD, Endpoint.GIFT_CARD, "giftCard"


#: The template type each neutral pass kind is issued as, and the kind each type reads back as
#: (generic and the other kinds: none, the template decides).
TEMPLATE_KINDS: KindTable[TemplateType] = KindTable({t: [t.kind] for t in TemplateType})

#: The template type each ``businessFeatures`` block (or 0.1.0 ``passType`` word) asks for.
FEATURE_BLOCKS: Mapping[str, TemplateType] = {t.block: t for t in TemplateType}

#: The type words Livepasses' own sources show: ``EventTicket`` (a pass list row's ``passType``
#: in the SDK's test fixtures, livepasses.md 2.2 and 3.3; "Only EventTicket is an attested
#: template/pass type value", Later findings), made by the ``event`` block (3.9: "the block
#: inside businessFeatures decides the type, e.g. {"event": {...}}"). ``Loyalty``, ``Coupon``,
#: ``Membership`` and ``GiftCard`` (and their blocks ``loyalty``, ``coupon``, ``membership``,
#: ``giftCard``) are *inferred* from the verb families (3.8) and the PascalCase of the values
#: seen (2.2): no source shows them.
ATTESTED_TYPES: frozenset[TemplateType] = frozenset({TemplateType.EVENT_TICKET})


def inferred_type(word: object) -> str | None:
    """Why the template type ``word`` is not a documented fact (``None``: it is one)."""
    if word in ATTESTED_TYPES:
        return None
    if isinstance(word, TemplateType):
        return f"the type {word.value!r} is inferred (only EventTicket is attested)"
    return f"the type {word!s} is no word Livepasses documents (only EventTicket is attested)"


def template_type_of(business_features: Mapping[str, Any]) -> TemplateType | None:
    """The type a ``businessFeatures`` object asks for: a type block, or 0.1.0's ``passType``."""
    blocks = [FEATURE_BLOCKS[key] for key in business_features if key in FEATURE_BLOCKS]
    if len(blocks) == 1:
        return blocks[0]
    legacy = business_features.get("passType")
    if not blocks and isinstance(legacy, str) and legacy in FEATURE_BLOCKS:
        return FEATURE_BLOCKS[legacy]
    return None


#: ``options.deliveryMethod`` values listed in the SDK.
DELIVERY_METHODS = frozenset({"auto", "email", "sms", "whatsapp", "webhook", "return_urls"})

#: Webhook events the API accepts (0.3.0; anything else is a 400). ``*`` means all of them.
WEBHOOK_EVENTS = frozenset(
    {
        "pass.generated",
        "pass.installed",
        "pass.removed",
        "pass.redeemed",
        "pass.updated",
        "pass.cancelled",
        "pass.expired",
        "loyalty.transacted",
        "coupon.applied",
        "membership.checked_in",
        "transfer.initiated",
        "transfer.accepted",
        "transfer.declined",
        "transfer.revoked",
        "transfer.expired",
        "pass.sharing_suspected",
        "*",
    }
)
#: Events of 0.1.0 (and the seed README) that the current API refuses.
LEGACY_WEBHOOK_EVENTS = frozenset({"pass.checked_in", "batch.completed", "batch.failed"})

# ---------------------------------------------------------------------------------------------
# Error codes (``error.code``), grouped as the SDK maps them
# ---------------------------------------------------------------------------------------------

GENERAL_CODES = frozenset({"GENERAL_ERROR", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
AUTH_CODES = frozenset({"UNAUTHORIZED", "INVALID_API_KEY", "API_KEY_EXPIRED", "API_KEY_REVOKED"})
FORBIDDEN_CODES = frozenset({"FORBIDDEN", "INSUFFICIENT_PERMISSIONS"})
VALIDATION_CODES = frozenset(
    {
        "VALIDATION_ERROR",
        "REQUIRED_FIELD_MISSING",
        "INVALID_FIELD_FORMAT",
        "FIELD_TOO_LONG",
        "FIELD_TOO_SHORT",
        "INVALID_FIELD_VALUE",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "NOT_FOUND",
        "PASS_NOT_FOUND",
        "TEMPLATE_NOT_FOUND",
        "TENANT_NOT_FOUND",
        "PARTNERSHIP_NOT_FOUND",
    }
)
BUSINESS_CODES = frozenset(
    {
        "BUSINESS_RULE_VIOLATION",
        "OPERATION_NOT_ALLOWED",
        "PASS_EXPIRED",
        "PASS_ALREADY_USED",
        "TEMPLATE_INACTIVE",
        "RESOURCE_LOCKED",
        "RESOURCE_EXPIRED",
    }
)
RATE_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS"})
QUOTA_CODES = frozenset(
    {"QUOTA_EXCEEDED", "API_QUOTA_EXCEEDED", "SUBSCRIPTION_REQUIRED", "FEATURE_NOT_AVAILABLE"}
)
EXTERNAL_CODES = frozenset({"EXTERNAL_SERVICE_ERROR", "APPLE_WALLET_ERROR", "GOOGLE_WALLET_ERROR"})
#: Codes that come inside a 200 generate answer, on one recipient.
PER_PASS_CODES = frozenset({"MEMBERSHIP_NUMBER_CONFLICT"})

# ---------------------------------------------------------------------------------------------
# Request shapes
# ---------------------------------------------------------------------------------------------


class Value(StrEnum):
    """A JSON value's expected type."""

    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TEXT_LIST = "list of text"
    TEXT_MAP = "object of text values"
    #: Caller-owned data sent verbatim (``updatedFields``, ``businessFeatures``).
    OBJECT = "object"


@dataclass(frozen=True)
class ListOf:
    item: Shape
    min_items: int = 0


@dataclass(frozen=True)
class Shape:
    """A request DTO: the members it declares and the ones it requires."""

    members: Mapping[str, Value | Shape | ListOf]
    required: frozenset[str] = field(default_factory=frozenset)


Spec = Value | Shape | ListOf

_TEXT = Value.TEXT

CUSTOMER = Shape(
    {
        "firstName": _TEXT,
        "lastName": _TEXT,
        "email": _TEXT,
        "phone": _TEXT,
        "preferredLanguage": _TEXT,
    },
    frozenset({"firstName", "lastName"}),
)

#: ``businessData``: the union of the event, loyalty and coupon fields.
BUSINESS_DATA_NUMBERS = frozenset({"price", "accountBalance"})
BUSINESS_DATA_INTEGERS = frozenset({"currentPoints", "lifetimePoints", "maxUsageCount"})
BUSINESS_DATA = Shape(
    {
        # event
        "sectionInfo": _TEXT,
        "rowInfo": _TEXT,
        "seatNumber": _TEXT,
        "gateInfo": _TEXT,
        "confirmationCode": _TEXT,
        "ticketType": _TEXT,
        "price": Value.NUMBER,
        "currency": _TEXT,
        # loyalty
        "membershipNumber": _TEXT,
        "currentPoints": Value.INTEGER,
        "memberTier": _TEXT,
        "lifetimePoints": Value.INTEGER,
        "accountBalance": Value.NUMBER,
        "memberSince": _TEXT,
        "favoriteStore": _TEXT,
        # coupon
        "promoCode": _TEXT,
        "campaignId": _TEXT,
        "customerSegment": _TEXT,
        "maxUsageCount": Value.INTEGER,
        "sourceChannel": _TEXT,
    }
)
PERSONALIZATIONS = Shape(
    {"dietaryRestrictions": _TEXT, "accessibilityNeeds": _TEXT, "customFields": Value.TEXT_MAP}
)
RECIPIENT = Shape(
    {"customer": CUSTOMER, "businessData": BUSINESS_DATA, "personalizations": PERSONALIZATIONS},
    frozenset({"customer", "businessData"}),
)
#: Keys of a recipient entry, and the request-level keys a pass's ``extra`` may also set.
RECIPIENT_KEYS = frozenset(RECIPIENT.members)
REQUEST_LEVEL_KEYS = frozenset({"businessContext", "options"})

BUSINESS_CONTEXT = Shape(
    {
        "event": Shape(
            {
                "eventName": _TEXT,
                "eventDate": _TEXT,
                "doorsOpen": _TEXT,
                "specialAnnouncement": _TEXT,
            }
        ),
        "loyalty": Shape({"programUpdate": _TEXT, "seasonalMessage": _TEXT}),
        "coupon": Shape(
            {
                "campaignName": _TEXT,
                "specialMessage": _TEXT,
                "promotionStartDate": _TEXT,
                "promotionEndDate": _TEXT,
            }
        ),
    }
)
GENERATION_OPTIONS = Shape({"deliveryMethod": _TEXT, "generateForAllPlatforms": Value.BOOLEAN})
GENERATE = Shape(
    {
        "templateId": _TEXT,
        "passes": ListOf(RECIPIENT, min_items=1),
        "businessContext": BUSINESS_CONTEXT,
        "options": GENERATION_OPTIONS,
    },
    frozenset({"templateId", "passes"}),
)

LOCATION = Shape({"name": _TEXT, "latitude": Value.NUMBER, "longitude": Value.NUMBER})
_TYPES = Value.TEXT_LIST
ENDPOINT_BODIES: Mapping[Endpoint, Shape] = {
    Endpoint.REDEEM: Shape(
        {
            "acceptedTypes": _TYPES,
            "redemptionMethod": _TEXT,
            "redemptionChannel": _TEXT,
            "location": LOCATION,
            "confirmationCode": _TEXT,
            "metadata": Value.TEXT_MAP,
        }
    ),
    Endpoint.CHECK_IN: Shape(
        {
            "acceptedTypes": _TYPES,
            "gate": _TEXT,
            "section": _TEXT,
            "redemptionMethod": _TEXT,
            "location": LOCATION,
            "metadata": Value.TEXT_MAP,
        }
    ),
    Endpoint.REDEEM_COUPON: Shape(
        {
            "acceptedTypes": _TYPES,
            "redemptionChannel": _TEXT,
            "location": LOCATION,
            "locationId": _TEXT,
            "transactionAmount": Value.NUMBER,
            "transactionCurrency": _TEXT,
            "promoCode": _TEXT,
            "redemptionMethod": _TEXT,
            "metadata": Value.TEXT_MAP,
        }
    ),
    Endpoint.LOYALTY: Shape(
        {"transactionType": _TEXT, "points": Value.INTEGER, "description": _TEXT},
        frozenset({"transactionType", "points"}),
    ),
    Endpoint.GIFT_CARD: Shape(
        {"amount": Value.NUMBER, "reason": _TEXT, "redemptionChannel": _TEXT},
        frozenset({"amount"}),
    ),
    Endpoint.MEMBERSHIP: Shape({"gate": _TEXT, "redemptionMethod": _TEXT}),
    Endpoint.STAMP: Shape({}),
    Endpoint.UNSTAMP: Shape({}),
}
REDEEM_BY_SCAN = Shape(
    {
        "scannedValue": _TEXT,
        "redemptionMethod": _TEXT,
        "redemptionChannel": _TEXT,
        "latitude": Value.NUMBER,
        "longitude": Value.NUMBER,
    },
    frozenset({"scannedValue"}),
)
#: ``updatedFields`` keys are "the pass type's updatable field names in camelCase" (0.3.0 README:
#: ``memberTier``, ``points``, ``validUntil``, ``gate``); the full list is not published, so only
#: the documented form is checked.
UPDATED_FIELD_NAME = re.compile(r"^[a-z][A-Za-z0-9]*$")


def updated_field_problem(key: str) -> str | None:
    """Why ``key`` cannot be an ``updatedFields`` name, or ``None``."""
    if UPDATED_FIELD_NAME.fullmatch(key):
        return None
    return "must be an updatable field name in camelCase (e.g. memberTier, validUntil)"


#: ``updatedFields`` names holding counts: generation's int members (section 3.1) and
#: ``points``, whose type is *inferred* from the update example (``"points": 1250``, 3.6).
UPDATED_INTEGERS = BUSINESS_DATA_INTEGERS | {"points"}


def updated_value_problem(key: str, value: Any) -> str | None:
    """Why ``value`` cannot be the ``updatedFields`` member ``key``, or ``None``: counts are
    integers (:func:`walletpass.values.integer_problem`); other values are verbatim (their types
    are UNKNOWN). The provider's check and the emulator both ask this."""
    return integer_problem(value) if key in UPDATED_INTEGERS else None


UPDATE_PASS = Shape(
    {
        "updatedFields": Value.OBJECT,
        "reason": _TEXT,
        "messageHeader": _TEXT,
        "messageBody": _TEXT,
        "notify": Value.BOOLEAN,
    }
)
PUSH_TEMPLATE = Shape(
    {"updatedFields": Value.OBJECT, "reason": _TEXT}, frozenset({"updatedFields"})
)
TEMPLATE_CREATE = Shape(
    {
        "name": _TEXT,
        "businessFeatures": Value.OBJECT,
        "description": _TEXT,
        "requiredMedia": _TYPES,
    },
    frozenset({"name", "businessFeatures"}),
)
TEMPLATE_UPDATE = Shape({"name": _TEXT, "description": _TEXT, "businessFeatures": Value.OBJECT})
WEBHOOK_CREATE = Shape({"url": _TEXT, "events": _TYPES}, frozenset({"url", "events"}))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_ok(value: Any, kind: Value) -> bool:
    if kind is Value.TEXT:
        return isinstance(value, str)
    if kind is Value.NUMBER:
        return _is_number(value)
    if kind is Value.INTEGER:
        return integer_problem(value) is None
    if kind is Value.BOOLEAN:
        return isinstance(value, bool)
    if kind is Value.TEXT_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is Value.TEXT_MAP:
        return isinstance(value, dict | Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    return isinstance(value, dict | Mapping)


def shape_problems(value: Any, spec: Spec, path: str = "") -> list[tuple[str, str]]:
    """Every way ``value`` breaks ``spec``, as (wire path, message) pairs; nulls count as absent.

    Paths are the API's own (``passes[0].customer.firstName``), the keys of its ``fields``.
    """
    if isinstance(spec, Value):
        if spec is Value.INTEGER and (problem := integer_problem(value)) is not None:
            return [(path, problem)]
        return [] if _value_ok(value, spec) else [(path, f"must be {_a(spec)}")]
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return [(path, "must be an array")]
        found: list[tuple[str, str]] = []
        if len(value) < spec.min_items:
            found.append((path, f"must hold at least {quantity(spec.min_items, 'item')}"))
        for index, item in enumerate(value):
            found += shape_problems(item, spec.item, f"{path}[{index}]")
        return found
    if not isinstance(value, dict | Mapping):
        return [(path, "must be an object")]
    found = []
    for key, member in value.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in spec.members:
            found.append((where, "is not a field of this request"))
        elif member is not None:
            found += shape_problems(member, spec.members[key], where)
    for key in sorted(spec.required):
        if value.get(key) is None or value.get(key) == "":
            found.append((f"{path}.{key}" if path else key, "is required"))
    return found


def _a(kind: Value) -> str:
    return f"an {kind.value}" if kind.value[0] in "aeiou" else f"a {kind.value}"


def made_up_confirmation_code() -> str:
    """A confirmation code as Livepasses makes one up for a pass generated without one.

    Documented by example only: a generate request without ``businessData.confirmationCode``
    is answered with one (``"HL-4410"``, vendor notes 3.1). Its form is *inferred*: letters, a
    dash, then uppercase hex; the emulator and the fake's ``livepasses`` profile both use this.
    """
    return "LP-" + secrets.token_hex(3).upper()


def made_up_qr_code(pass_id: str, confirmation_code: str) -> str:
    """The ``qrCode`` Livepasses answers for a pass it generated (it draws every pass's QR code
    itself; a generate request cannot carry one).

    Documented by example only, with its content elided (``"qrCode": "…"``, vendor notes 3.1).
    The form here is made up (*inferred*: nothing depends on it but that it names the pass);
    the emulator and the fake's ``livepasses`` profile both use it, so a profile's create reports
    a QR code where the vendor's does.
    """
    return f"LP1:{pass_id}:{confirmation_code}"
