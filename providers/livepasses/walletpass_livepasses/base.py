"""The Livepasses settings and error table (envelopes and ids are read in ``operations``).

Errors map as the official SDK 0.3.0 maps them, onto walletpass's hierarchy: HTTP 401 and 403
decide first (a quota code on a 403 is a permission refusal), then ``error.code``
(``PASS_ALREADY_USED`` -> ``AlreadyRedeemed``, ``PASS_EXPIRED`` -> ``PassExpired``, quota codes ->
``QuotaExceeded``, ...), then the remaining statuses. ``error.traceId`` becomes the error's
``request_id`` and validation ``fields`` are kept per field.
"""

from __future__ import annotations

from pydantic import Field

from walletpass.errors import (
    AlreadyRedeemed,
    AuthenticationError,
    BusinessRuleError,
    Conflict,
    NotFound,
    PassExpired,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.provider import ErrorRule
from walletpass.settings import ProviderSettings
from walletpass_livepasses import limits

__all__ = ["ERROR_TABLE", "LivepassesSettings"]


class LivepassesSettings(ProviderSettings):
    """Livepasses settings: the common ones plus how asynchronous batches are followed."""

    poll_interval: float = Field(
        default=limits.SDK_POLL_INTERVAL,
        gt=0,
        le=60,
        description=(
            "the longest wait between batch status polls (the SDK polls every 2 s); polls come "
            "sooner when a batch's progress says it is about to finish"
        ),
    )
    batch_timeout: float = Field(
        default=limits.SDK_POLL_INTERVAL * limits.SDK_POLL_ATTEMPTS,
        gt=0,
        description="how long create/create_many follow an asynchronous batch before giving up",
    )


def _codes(
    codes: frozenset[str], error: type[WalletPassError], retryable: bool | None = None
) -> tuple[ErrorRule, ...]:
    return tuple(ErrorRule(error, code=code, retryable=retryable) for code in sorted(codes))


ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(AuthenticationError, status=401),
    ErrorRule(PermissionDenied, status=403),
    *_codes(limits.AUTH_CODES, AuthenticationError),
    *_codes(limits.FORBIDDEN_CODES, PermissionDenied),
    *_codes(limits.VALIDATION_CODES, ValidationError),
    *_codes(limits.NOT_FOUND_CODES, NotFound),
    ErrorRule(AlreadyRedeemed, code="PASS_ALREADY_USED"),
    ErrorRule(PassExpired, code="PASS_EXPIRED"),
    *_codes(limits.BUSINESS_CODES - {"PASS_ALREADY_USED", "PASS_EXPIRED"}, BusinessRuleError),
    *_codes(limits.RATE_CODES, RateLimited, retryable=True),
    *_codes(limits.QUOTA_CODES, QuotaExceeded),
    *_codes(limits.PER_PASS_CODES, Conflict),
    *_codes(limits.EXTERNAL_CODES, ProviderUnavailable, retryable=True),
    *_codes(limits.GENERAL_CODES - {"GENERAL_ERROR"}, ProviderUnavailable, retryable=True),
    # The SDK reads 422 as a business rule; every other status keeps its HTTP meaning (the
    # core's DEFAULT_ERROR_TABLE, tried after this table).
    ErrorRule(BusinessRuleError, status=422),
)
