"""Results of Livepasses-only operations that have no neutral counterpart.

Passes come back as :class:`walletpass.IssuedPass` and redemptions as :class:`walletpass.Redemption`
everywhere; these small frozen records cover what is Livepasses' own: validation answers, batch
status, templates and webhooks. Each keeps the vendor's answer in ``raw`` (except the webhook,
whose answer holds its signing secret: the secret lives only in ``Webhook.secret``, masked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from walletpass.model import PassStatus

__all__ = ["BatchPass", "BatchStatus", "Template", "Validation", "Webhook"]


@dataclass(frozen=True, slots=True)
class Validation:
    """Whether a pass can be redeemed now (``GET /api/passes/{id}/validate``)."""

    pass_id: str
    is_valid: bool
    can_be_redeemed: bool
    status: PassStatus
    vendor_status: str | None
    verification_methods: tuple[str, ...] = ()
    message: str | None = None
    raw: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, init=False)
class BatchPass:
    """One recipient's line in a batch status (no wallet URLs: the batch answer has none)."""

    pass_id: str | None
    email: str | None = None
    confirmation_code: str | None = None
    vendor_status: str | None = None
    has_apple_pass: bool = False
    has_google_pass: bool = False
    error_code: str | None = None
    error_message: str | None = None

    def __init__(  # noqa: PLR0917  # the dataclass's fields, positional as its own __init__ took them
        self,
        pass_id: str | None,
        email: str | None = None,
        confirmation_code: str | None = None,
        vendor_status: str | None = None,
        has_apple_pass: bool = False,
        has_google_pass: bool = False,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        # What the generated __init__ of a frozen dataclass does, each slot set through its
        # descriptor bound once rather than through ``object.__setattr__`` (every create reads
        # its answer's line into one: 16 k -> 7 k instructions).
        _set_pass_id(self, pass_id)
        _set_email(self, email)
        _set_confirmation_code(self, confirmation_code)
        _set_vendor_status(self, vendor_status)
        _set_has_apple_pass(self, has_apple_pass)
        _set_has_google_pass(self, has_google_pass)
        _set_error_code(self, error_code)
        _set_error_message(self, error_message)

    @property
    def failed(self) -> bool:
        return self.error_code is not None or (self.vendor_status or "").lower() == "failed"


(
    _set_pass_id,
    _set_email,
    _set_confirmation_code,
    _set_vendor_status,
    _set_has_apple_pass,
    _set_has_google_pass,
    _set_error_code,
    _set_error_message,
) = (getattr(BatchPass, name).__set__ for name in BatchPass.__slots__)


@dataclass(frozen=True, slots=True)
class BatchStatus:
    """An asynchronous generation batch (``GET /api/passes/batch/{id}/status``)."""

    batch_id: str
    state: str
    is_completed: bool
    progress: float
    total: int
    generated: int
    failed: int
    passes: tuple[BatchPass, ...] = ()
    completed_at: datetime | None = None
    estimated_completion: datetime | None = None
    raw: Any = field(default=None, compare=False)

    @property
    def done(self) -> int:
        """Recipients settled so far (generated or failed)."""
        return self.generated + self.failed


@dataclass(frozen=True, slots=True)
class Template:
    """A pass template: its type decides which redemption verbs its passes accept."""

    id: str
    name: str
    type: str
    status: str
    pass_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    description: str | None = None
    business_features: Mapping[str, Any] | None = None
    platform_support: Mapping[str, Any] | None = None
    media_configuration: Mapping[str, Any] | None = None
    raw: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook subscription. ``secret`` is only returned when the webhook is created."""

    id: str
    url: str
    events: tuple[str, ...]
    is_active: bool
    created_at: datetime | None = None
    secret: SecretStr | None = field(default=None, repr=False, compare=False)
