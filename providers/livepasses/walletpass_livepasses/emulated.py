"""The Livepasses emulator's state: templates, passes with their per-type counters, batches.

Kept apart from the routes so the records (and the pre-seeded templates users of
``walletpass emulate livepasses`` rely on) read on their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from walletpass_livepasses.limits import TemplateStatus, TemplateType, VendorStatus

__all__ = [
    "EmulatedBatch",
    "EmulatedTemplate",
    "StoredPass",
    "default_templates",
    "new_id",
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
            type=TemplateType(data.get("type", TemplateType.EVENT_TICKET)),
            status=TemplateStatus(data.get("status", TemplateStatus.ACTIVE)),
            description=data.get("description"),
            business_features=dict(data.get("business_features", {})),
        )


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
