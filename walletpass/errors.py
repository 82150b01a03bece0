"""The walletpass exception hierarchy.

Every error that leaves the public API is a :class:`WalletPassError`, so an application needs one
``except`` clause to be safe, and can still branch on the precise subclass. The attributes say what
a caller needs to decide what to do next: may I retry (``retryable``, ``retry_after``), did the
request perhaps take effect anyway (``outcome_unknown``), and how do I quote it to the vendor's
support desk (``request_id``). ``details`` is always redacted: it never holds a credential.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from walletpass.redaction import redact, redact_text

__all__ = [
    "AlreadyRedeemed",
    "AuthenticationError",
    "BusinessRuleError",
    "ConfigurationError",
    "ConfigurationWarning",
    "Conflict",
    "FieldProblem",
    "InvalidResponse",
    "JournalError",
    "JournalInUse",
    "NotFound",
    "OutcomeUnknown",
    "PassExpired",
    "PermissionDenied",
    "ProviderNotFound",
    "ProviderUnavailable",
    "QuotaExceeded",
    "RateLimited",
    "RedirectNotFollowed",
    "ResultsUnavailable",
    "UnsupportedFeature",
    "UnsupportedFeatureWarning",
    "UnsupportedOperation",
    "ValidationError",
    "WalletPassError",
    "WalletPassWarning",
    "WebhookError",
    "WebhookVerificationError",
]


class WalletPassError(Exception):
    """Root of every error walletpass raises."""

    #: Whether the same call may succeed if repeated later.
    #: (The class default; instances may differ.)
    default_retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        details: Any = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        # Vendors echo request parts (credentials included) in their error messages.
        message = redact_text(message)
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.operation = operation
        self.status = status
        # Vendor-supplied too (error bodies, response headers): redacted like the message.
        self.code = None if code is None else redact_text(code)
        self.request_id = None if request_id is None else redact_text(request_id)
        self.details = redact(details)
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed if repeated later.

        Never true while ``outcome_unknown`` is: the first attempt may have taken effect, so a
        blind repeat could act twice (issue a second pass). Reconcile first (a bulk journal
        re-run looks the pass up), then decide.
        """
        return self._retryable and not self.outcome_unknown

    @retryable.setter
    def retryable(self, value: bool) -> None:
        self._retryable = bool(value)

    def __str__(self) -> str:
        prefix = f"request {self.request_id}: " if self.request_id else ""
        where = ""
        if self.provider and self.operation:
            where = f"[{self.provider}.{self.operation}] "
        elif self.provider:
            where = f"[{self.provider}] "
        return f"{prefix}{where}{self.message}"

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        for name in ("provider", "operation", "status", "code", "request_id"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        if self.outcome_unknown:
            parts.append("outcome_unknown=True")
        return f"{type(self).__name__}({', '.join(parts)})"

    def with_context(self, *, provider: str | None = None, operation: str | None = None) -> Any:
        """Fill in where the error happened, without overwriting what is already known."""
        if self.provider is None:
            self.provider = provider
        if self.operation is None:
            self.operation = operation
        return self


class ConfigurationError(WalletPassError):
    """Settings are missing, unknown or inconsistent; fix the configuration, not the call."""


class WalletPassWarning(UserWarning):
    """The base of walletpass's warnings. Its message is masked as an error's is
    (:func:`walletpass.redaction.redact_text`): warnings quote vendors' answers and the errors of
    your code (an event handler's), either of which may hold a credential."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_text(arg) if isinstance(arg, str) else arg for arg in args))


class ConfigurationWarning(WalletPassWarning):
    """Configuration that is probably a mistake but may be meant for another installation: a
    ``[providers.NAME]`` table or a ``WALLETPASS_...`` variable naming no installed provider.
    ``walletpass config check`` reports these as problems."""


class ProviderNotFound(ConfigurationError):
    """No provider of that name is installed or registered, or its plugin failed to import."""


class UnsupportedOperation(WalletPassError):
    """The vendor has no way to perform this operation (its declaration is NONE)."""

    def __init__(self, message: str, *, alternative: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.alternative = alternative


class UnsupportedFeature(WalletPassError):
    """The pass uses fields the vendor cannot carry; ``features`` names every one of them."""

    def __init__(self, message: str, *, features: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.features = tuple(features)


class UnsupportedFeatureWarning(WalletPassWarning):
    """Emitted in lenient mode, once per field, when a field the vendor lacks is dropped."""


class FieldProblem:
    """One problem with one input field: where it is (a dotted path) and what is wrong."""

    __slots__ = ("location", "message")

    def __init__(self, location: str, message: str) -> None:
        self.location = location
        self.message = message

    def __repr__(self) -> str:
        return f"FieldProblem({self.location!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldProblem) and (self.location, self.message) == (
            other.location,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.location, self.message))


class ValidationError(WalletPassError, ValueError):
    """The input is invalid; ``problems`` lists each field and what is wrong with it."""

    def __init__(
        self,
        message: str,
        *,
        problems: Sequence[FieldProblem] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.problems = tuple(problems)

    @classmethod
    def from_problems(cls, problems: Sequence[FieldProblem], **kwargs: Any) -> ValidationError:
        listed = "; ".join(
            f"{p.location}: {p.message}" if p.location else p.message for p in problems
        )
        return cls(f"invalid input: {listed}", problems=problems, **kwargs)

    @classmethod
    def refuse(cls, problems: Sequence[FieldProblem], **kwargs: Any) -> None:
        """Raise :meth:`from_problems` when there is any problem; return when there is none.

        ``kwargs`` are the error's context (``provider``, ``operation``).
        """
        if problems:
            raise cls.from_problems(problems, **kwargs)

    @property
    def fields(self) -> Mapping[str, list[str]]:
        """Problems grouped by field path."""
        grouped: dict[str, list[str]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.location, []).append(problem.message)
        return grouped


class AuthenticationError(WalletPassError):
    """The vendor refused the credentials (HTTP 401, or the vendor's equivalent)."""


class PermissionDenied(WalletPassError):
    """The credentials are valid but not allowed to do this (HTTP 403)."""


class NotFound(WalletPassError, LookupError):
    """The pass, template or resource does not exist (or is no longer visible)."""


class Conflict(WalletPassError):
    """The request conflicts with the current state (duplicate id, concurrent change)."""


class RateLimited(WalletPassError):
    """The vendor asked us to slow down and waiting was not allowed or not long enough."""

    default_retryable = True


class QuotaExceeded(WalletPassError):
    """The account's quota or plan limit is used up; waiting a few seconds will not help."""


class BusinessRuleError(WalletPassError):
    """The vendor refused the request for a business reason (state, balance, eligibility)."""


class AlreadyRedeemed(BusinessRuleError):
    """The pass was already redeemed (or voided) and cannot be redeemed again."""


class PassExpired(BusinessRuleError):
    """The pass has expired."""


class NotUsedUp(BusinessRuleError):
    """``redeem(id)`` without an amount on a pass a redeem does not use up (a loyalty or store
    card, a membership card, a gift card): refused before any write. Spend from its balance with
    ``redeem(id, amount=...)``; the message names the vendor's own operation for a stamp or a
    check-in where it has one."""


class ProviderUnavailable(WalletPassError):
    """The vendor could not be reached or failed (5xx, timeout, connection error)."""

    default_retryable = True


class OutcomeUnknown(WalletPassError):
    """An earlier attempt may have issued this pass and the vendor cannot be asked whether it did.

    Raised (or reported per item by ``create_many`` with a journal) instead of sending again, so a
    pass is never issued twice; a person decides, then records the decision in the journal.
    """


class InvalidResponse(WalletPassError):
    """The vendor answered with something walletpass could not understand."""


class RedirectNotFollowed(WalletPassError):
    """The vendor answered with a redirect (3xx), which walletpass never follows: the credentials
    would travel with the request to wherever the answer points.

    ``location`` is where the vendor pointed (resolved against the request's URL, redacted and
    shortened), or ``None`` when the answer named no place. A redirect usually means the vendor
    moved its API: set ``base_url`` to the new address once it is confirmed to be the vendor's.
    """

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = None if location is None else redact_text(location)


class JournalError(WalletPassError):
    """A bulk journal or results file could not be read or written (full disk, I/O error...).

    The message says what to do. A bulk run stops at it, because what it would send next could
    not be recorded. Then ``not_attempted`` lists the input positions (0-based) that were not
    sent, ``not_attempted_from`` is the position from which no item was even read (``None``: the
    input was used up), ``unrecorded`` holds outcomes (``BulkItem``) settled after the results
    could no longer be delivered (their pass ids are nowhere else when there is no journal),
    and ``result`` is the run's ``BulkResult`` up to the error.
    """

    def __init__(
        self,
        message: str,
        *,
        not_attempted: Sequence[int] = (),
        not_attempted_from: int | None = None,
        unrecorded: Sequence[Any] = (),
        result: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.not_attempted = tuple(not_attempted)
        self.not_attempted_from = not_attempted_from
        self.unrecorded = tuple(unrecorded)
        self.result = result


class ResultsUnavailable(WalletPassError):
    """A distributed run's results could not be read (its result store, e.g. Redis, failed while
    they were being collected). Retryable: the workers go on; collect again once the store is
    back, or submit the run again (what was issued is skipped).

    ``result`` is a ``BulkResult`` of every item of the run, in input order: the outcomes that
    were collected, the passes the shared journal records as issued, and for every other item a
    retryable error saying its outcome is not known yet.
    """

    default_retryable = True

    def __init__(self, message: str, *, result: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.result = result


class JournalInUse(JournalError):
    """Another run is using this bulk journal right now; two at once would issue passes twice."""


class WebhookError(WalletPassError):
    """A webhook delivery that walletpass will not turn into events.

    ``reason`` says why: ``"missing_signature"``, ``"bad_signature"``, ``"stale"`` (outside the
    replay window), ``"unreadable"`` (not the vendor's payload) or ``"unverifiable"`` (the vendor
    publishes no way to verify it and verification was not explicitly turned off).
    """

    def __init__(self, message: str, *, reason: str = "unreadable", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


class WebhookVerificationError(WebhookError):
    """A webhook delivery failed signature or freshness verification."""
