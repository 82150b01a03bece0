"""The Livepasses emulator's state: the account's records and the lookups every resource shares.

The records (templates, passes with their per-type counters, batches) and the pre-seeded templates
users of ``walletpass emulate livepasses`` rely on read here on their own; :class:`Store` holds
them with the account's settings, and every resource module (generation, passes, redemptions,
templates, webhooks) works on the one store its app was built with.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from walletpass.testing.emulator import Refused
from walletpass.timestamps import format_timestamp
from walletpass_livepasses import limits
from walletpass_livepasses.limits import TemplateStatus, TemplateType, VendorStatus

__all__ = [
    "EmulatedBatch",
    "EmulatedTemplate",
    "Store",
    "StoredPass",
    "default_templates",
    "new_id",
    "refused",
    "timestamp",
    "type_word",
]


def new_id(prefix: str, size: int = 12) -> str:
    return f"{prefix}{secrets.token_hex(size // 2)}"


@dataclass
class EmulatedTemplate:
    """A template as designed in the dashboard (or created through the API).

    ``type``: only ``EventTicket`` is a value the vendor's SDKs attest; the other
    :class:`TemplateType` names are inferences walletpass shares with the emulator. Any other text
    (e.g. ``"Generic"``) is served as given, and its passes behave as multi-use passes of no
    known family: ``/redeem`` refuses them with 422 ``OPERATION_NOT_ALLOWED``, as the vendor does.
    """

    id: str
    name: str
    type: TemplateType | str
    status: TemplateStatus = TemplateStatus.ACTIVE
    description: str | None = None
    business_features: dict[str, Any] = field(default_factory=dict)
    required_media: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EmulatedTemplate:
        """A template from plain data (e.g. ``--option`` values or a test's seed)."""
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            type=type_word(data.get("type", TemplateType.EVENT_TICKET)),
            status=TemplateStatus(data.get("status", TemplateStatus.ACTIVE)),
            description=data.get("description"),
            business_features=dict(data.get("business_features", {})),
        )


def type_word(word: Any) -> TemplateType | str:
    """A type word: a :class:`TemplateType` walletpass knows, or any other text as given."""
    try:
        return TemplateType(word)
    except ValueError:
        return str(word)


def default_templates() -> list[EmulatedTemplate]:
    """What ``walletpass emulate livepasses`` serves: one active template per type.

    ``tmpl-001`` is the event template the SDK README's examples use.
    """
    return [
        EmulatedTemplate(
            "tmpl-001",
            "Aurora Music Fest",
            TemplateType.EVENT_TICKET,
            description="Event ticket",
            business_features={"event": {"eventName": "Aurora Music Fest", "venueName": "Arena"}},
        ),
        EmulatedTemplate(
            "tmpl-loyalty",
            "Coffee Club",
            TemplateType.LOYALTY,
            description="Loyalty card with points and stamps",
            business_features={"loyalty": {"programName": "Coffee Club"}},
        ),
        EmulatedTemplate(
            "tmpl-coupon",
            "Summer Sale",
            TemplateType.COUPON,
            description="Coupon",
            business_features={"coupon": {"campaignName": "Summer Sale"}},
        ),
        EmulatedTemplate(
            "tmpl-membership",
            "City Gym",
            TemplateType.MEMBERSHIP,
            description="Membership card",
            business_features={"membership": {"programName": "City Gym"}},
        ),
        EmulatedTemplate(
            "tmpl-giftcard",
            "Gift Card",
            TemplateType.GIFT_CARD,
            description="Stored-value gift card",
            business_features={"giftCard": {"currency": "USD"}},
        ),
    ]


@dataclass
class StoredPass:
    """One pass and what Livepasses keeps about it, including the per-type counters."""

    id: str
    template_id: str
    template_type: TemplateType | str
    customer: dict[str, Any]
    business_data: dict[str, Any]
    personalizations: dict[str, Any]
    context: dict[str, Any]
    confirmation_code: str
    qr_code: str
    created_at: datetime
    status: VendorStatus = VendorStatus.ACTIVE
    updated_at: datetime | None = None
    valid_until: datetime | None = None
    #: Loyalty points and stamps (times of the stamps, newest last).
    points: int = 0
    lifetime_points: int = 0
    stamps: list[float] = field(default_factory=list)
    #: Coupon uses so far, and the coupon's maximum.
    uses: int = 0
    max_uses: int = 1
    #: Membership visits left (``None``: unlimited).
    visits_left: int | None = None
    #: Gift card balance.
    balance: Decimal = Decimal(0)
    #: ``updatedFields`` received so far, merged.
    updated_fields: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def holder_name(self) -> str:
        return f"{self.customer.get('firstName', '')} {self.customer.get('lastName', '')}".strip()

    @property
    def email(self) -> str | None:
        email = self.customer.get("email")
        return email if isinstance(email, str) else None


@dataclass
class EmulatedBatch:
    """An asynchronous generation: recipients are generated over time, in input order."""

    id: str
    template_id: str
    recipients: list[dict[str, Any]]
    context: dict[str, Any]
    started: float
    generated_at: datetime
    lines: list[dict[str, Any]] = field(default_factory=list)
    completed_at: datetime | None = None

    @property
    def total(self) -> int:
        return len(self.recipients)

    @property
    def done(self) -> int:
        return len(self.lines)

    @property
    def completed(self) -> bool:
        return self.done >= self.total


def refused(status: int, code: str, message: str) -> Refused:
    """A refusal in Livepasses' terms: an HTTP status and an ``error.code``."""
    return Refused(status, message, code=code)


def timestamp(value: datetime | None) -> str | None:
    """A time as Livepasses writes it (UTC, whole seconds, ``Z``); ``None`` stays ``None``."""
    return None if value is None else format_timestamp(value, limits.TIMESTAMPS)


@dataclass(eq=False)
class Store:
    """One emulated Livepasses account: its settings, its records, and the lookups and events
    every resource shares.

    The app's lock guards it; resources run under that lock (the app takes it for each request).
    """

    lock: threading.RLock
    clock: Callable[[], datetime]
    #: Generate requests above this many recipients become an asynchronous batch.
    async_threshold: int
    #: Passes a batch generates per second.
    batch_rate: float
    #: Seconds between two stamps of one card (the anti double-scan cooldown).
    stamp_cooldown: float
    #: Passes the account may generate (``None``: no quota), and how many it has.
    quota: int | None
    #: The webhook events this server version accepts (anything else is a 400).
    webhook_events: frozenset[str]
    #: Serve documented template types only (``limits.ATTESTED_TYPES``): an inferred one is
    #: refused, in a seed and on the wire, instead of served as if it were a fact.
    documented_only: bool = False
    generated: int = 0
    templates: dict[str, EmulatedTemplate] = field(default_factory=dict)
    passes: dict[str, StoredPass] = field(default_factory=dict)
    batches: dict[str, EmulatedBatch] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Webhook events that would have been delivered: ``{"event", "passId", "at"}``.
    events: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> str:
        """The current time as Livepasses writes it."""
        return timestamp(self.clock()) or ""

    def add_template(self, template: EmulatedTemplate | Mapping[str, Any]) -> EmulatedTemplate:
        built = (
            template
            if isinstance(template, EmulatedTemplate)
            else EmulatedTemplate.from_mapping(template)
        )
        if self.documented_only and (why := limits.inferred_type(built.type)) is not None:
            raise ValueError(f"template {built.id!r}: {why}; documented_only serves none")
        built.created_at = built.created_at or self.clock()
        with self.lock:
            self.templates[built.id] = built
        return built

    def template(self, template_id: str) -> EmulatedTemplate:
        """A template by id; 404 ``TEMPLATE_NOT_FOUND`` if there is none."""
        template = self.templates.get(template_id)
        if template is None:
            raise refused(404, "TEMPLATE_NOT_FOUND", f"Template {template_id} was not found.")
        return template

    def pass_(self, pass_id: str) -> StoredPass:
        """A pass by id, as the API sees it now; 404 ``PASS_NOT_FOUND`` if there is none."""
        stored = self.passes.get(pass_id)
        if stored is None:
            raise refused(404, "PASS_NOT_FOUND", f"Pass {pass_id} was not found.")
        self.refresh(stored)
        return stored

    def refresh(self, stored: StoredPass) -> None:
        """Expire a pass whose ``validUntil`` has passed."""
        if (
            stored.status is VendorStatus.ACTIVE
            and stored.valid_until is not None
            and self.clock() > stored.valid_until
        ):
            stored.status = VendorStatus.EXPIRED
            self.fire("pass.expired", stored.id)

    def usable_template(self, stored: StoredPass) -> None:
        """422 ``TEMPLATE_INACTIVE`` when the pass's template was deactivated."""
        if self.templates[stored.template_id].status is not TemplateStatus.ACTIVE:
            raise refused(
                422, "TEMPLATE_INACTIVE", f"The template of pass {stored.id} is inactive."
            )

    def fire(self, event: str, pass_id: str) -> None:
        """Record a webhook event that would have been delivered."""
        self.events.append({"event": event, "passId": pass_id, "at": self.now()})
