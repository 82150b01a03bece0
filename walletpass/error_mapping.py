"""Error mapping: a vendor's error answer -> the walletpass error it means.

A provider's ``parse_error`` hook reads the vendor's error body into an :class:`ErrorInfo`; its
``error_table`` (rows of :class:`ErrorRule`, tried in order, then :data:`DEFAULT_ERROR_TABLE`)
picks the error class. :func:`error_from_response` puts the two together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from walletpass.errors import (
    AuthenticationError,
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.transport import (
    VendorResponse,
)

__all__ = [
    "DEFAULT_ERROR_TABLE",
    "ErrorInfo",
    "ErrorRule",
    "common_error_info",
    "error_from_response",
]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """What a vendor error body says, extracted by the provider's ``parse_error`` hook."""

    message: str | None = None
    code: str | None = None
    request_id: str | None = None
    details: Any = None
    fields: Mapping[str, Sequence[str]] | None = None


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of a provider's error table: match on status and/or vendor code, raise ``error``.

    Rules are tried in order; the first match wins. ``status`` may be an int or a range.
    """

    error: type[WalletPassError]
    status: int | range | None = None
    code: str | None = None
    retryable: bool | None = None

    def matches(self, status: int, code: str | None) -> bool:
        if self.status is not None:
            if isinstance(self.status, range):
                if status not in self.status:
                    return False
            elif status != self.status:
                return False
        return not (self.code is not None and self.code != code)


#: Used after a provider's own table: the HTTP meaning of a status.
DEFAULT_ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(AuthenticationError, status=401),
    ErrorRule(PermissionDenied, status=403),
    ErrorRule(NotFound, status=404),
    ErrorRule(NotFound, status=410),
    ErrorRule(Conflict, status=409),
    ErrorRule(ValidationError, status=400),
    ErrorRule(ValidationError, status=415),
    ErrorRule(ValidationError, status=422),
    ErrorRule(RateLimited, status=429),
    ErrorRule(ProviderUnavailable, status=range(500, 600)),
)


def common_error_info(response: VendorResponse) -> ErrorInfo:
    """Code/message/details from the common shapes of an error body (default ``parse_error``).

    Raises ``InvalidResponse`` for a body that is not JSON (the caller maps it by status).
    """
    body = response.json()
    if isinstance(body, Mapping):
        message = body.get("message") or body.get("error") or body.get("detail")
        if isinstance(message, Mapping):
            message = message.get("message")
        return ErrorInfo(message=str(message) if message else None, details=body)
    return ErrorInfo(details=body)


def error_from_response(
    response: VendorResponse,
    info: ErrorInfo,
    *,
    table: Sequence[ErrorRule],
    provider: str,
    label: str,
    operation: str | None,
    retry_after: Callable[[Mapping[str, str]], float | None],
) -> WalletPassError:
    """The walletpass error for a vendor error ``response`` whose body says ``info``.

    ``table`` is the provider's own rules (tried before :data:`DEFAULT_ERROR_TABLE`);
    ``provider`` is the name the error carries, ``label`` how its message names the provider;
    ``retry_after`` reads the wait a 429/503 asks for from the response headers.
    """
    request_id = info.request_id or response.request_id
    rule = next(
        (r for r in (*table, *DEFAULT_ERROR_TABLE) if r.matches(response.status, info.code)),
        None,
    )
    error_cls = rule.error if rule else WalletPassError
    message = info.message or f"HTTP {response.status}"
    kwargs: dict[str, Any] = {
        "provider": provider,
        "operation": operation,
        "status": response.status,
        "code": info.code,
        "request_id": request_id,
        "details": info.details,
    }
    if rule is not None and rule.retryable is not None:
        kwargs["retryable"] = rule.retryable
    if response.status in (429, 503):
        kwargs["retry_after"] = retry_after(response.headers)
    if issubclass(error_cls, ValidationError):
        problems = [
            FieldProblem(where, text)
            for where, texts in (info.fields or {}).items()
            for text in (texts if isinstance(texts, list | tuple) else [str(texts)])
        ]
        return error_cls(f"{label} refused the request: {message}", problems=problems, **kwargs)
    return error_cls(message, **kwargs)
