"""What every Livepasses operation shares: settings, credentials, the envelope and the error table.

Errors map as the official SDK 0.3.0 maps them, onto walletpass's hierarchy: HTTP 401 and 403
decide first (a quota code on a 403 is a permission refusal), then ``error.code``
(``PASS_ALREADY_USED`` -> ``AlreadyRedeemed``, ``PASS_EXPIRED`` -> ``PassExpired``, quota codes ->
``QuotaExceeded``, ...), then the remaining statuses. ``error.traceId`` becomes the error's
``request_id`` and validation ``fields`` are kept per field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar, cast

from pydantic import Field

from walletpass.errors import (
    AlreadyRedeemed,
    AuthenticationError,
    BusinessRuleError,
    Conflict,
    FieldProblem,
    NotFound,
    PassExpired,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.pass_ids import checked_by, decode_pass_id
from walletpass.plans import Plan, Send
from walletpass.provider import ErrorInfo, ErrorRule, Provider
from walletpass.settings import ProviderSettings
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_livepasses import limits, wire

__all__ = ["ERROR_TABLE", "LivepassesBase", "LivepassesSettings"]

_T = TypeVar("_T")


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


class LivepassesBase(Provider[LivepassesSettings]):
    """Credentials, envelope reading and id checks for the Livepasses provider."""

    default_base_url: ClassVar[str | None] = limits.DEFAULT_BASE_URL
    error_table: ClassVar[Sequence[ErrorRule]] = ERROR_TABLE

    def auth_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.require_api_key()}

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """``{success: false, error: {code, message, details, traceId, fields}}``; an empty or
        non-JSON body (a challenge 401, a proxy page) is mapped by its status alone."""
        body = response.json()
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return ErrorInfo(
                message=f"HTTP {response.status}" + (" with an empty body" if body is None else ""),
                details=body,
            )
        message = str(error.get("message") or f"HTTP {response.status}")
        details = error.get("details")
        if isinstance(details, str) and details and details not in message:
            message = f"{message} ({details})"
        fields = error.get("fields")
        trace = error.get("traceId")
        code = error.get("code")
        return ErrorInfo(
            message=message,
            code=str(code) if code else None,
            request_id=str(trace) if trace else None,
            details=dict(error),
            fields=fields if isinstance(fields, Mapping) else None,
        )

    def decode_id(self, pass_id: str) -> str:
        return decode_pass_id(pass_id, checked_by(limits.id_problem), provider=self.name)

    # -- helpers for hooks and operations -----------------------------------------------------

    def _refuse(self, problems: Sequence[FieldProblem], operation: str) -> None:
        ValidationError.refuse(problems, provider=self.name, operation=operation)

    def _checked_id(self, value: Any, what: str, operation: str) -> str:
        problem = limits.id_problem(value)
        self._refuse([FieldProblem(what, problem)] if problem else [], operation)
        return cast("str", value)

    def _template_id(self, template: Any, operation: str) -> str:
        """A template id, or a logical template name configured for this provider."""
        alias = self.settings.templates.get(template) if isinstance(template, str) else None
        return self._checked_id(alias.id if alias else template, "template", operation)

    def envelope_of(self, response: VendorResponse, operation: str) -> Mapping[str, Any]:
        """The answer's envelope; a 2xx with ``success: false`` is an error, as for the SDK."""
        body = wire.envelope(response.json())
        if body.get("success") is not True:
            raise self.error_for(response, operation)
        return body

    def data_of(self, response: VendorResponse, operation: str) -> Any:
        return self.envelope_of(response, operation).get("data")

    def _plan_fetch(
        self, request: VendorRequest, operation: str, convert: Callable[[Any], _T]
    ) -> Plan[_T]:
        """Send, then ``convert`` the envelope's ``data`` (a malformed answer: InvalidResponse)."""
        response = yield Send(request, operation)
        return self.parse(lambda r: convert(self.data_of(r, operation)), response)

    def error_from_code(self, code: str | None, message: str, operation: str) -> WalletPassError:
        """The walletpass error for a vendor code met outside an HTTP error (a failed recipient)."""
        rule = next(
            (r for r in self.error_table if r.status is None and code and r.code == code), None
        )
        error_cls = rule.error if rule is not None else BusinessRuleError
        return error_cls(message, provider=self.name, operation=operation, code=code)
