"""The retry decision, as one pure function.

Whether to try again depends only on what happened (never sent, ambiguous, or a definitive answer),
on how safe the request is to repeat, and on the time and attempts left. Keeping it pure makes the
policy testable exhaustively and keeps it in one place: every provider shares it.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

__all__ = [
    "Ambiguous",
    "Decision",
    "Fatal",
    "GotResponse",
    "NotSent",
    "Outcome",
    "RetryPolicy",
    "Safety",
    "backoff_delay",
    "decide",
    "parse_retry_after",
]


class Safety(StrEnum):
    """How safe a request is to send twice.

    SAFE: reads. IDEMPOTENT: repeating has the same effect as sending once (PUT, upserts, deletes).
    RECOVERABLE: not idempotent, but the result can be found again by the caller's external id, so
    after an ambiguous failure we look before we retry. UNSAFE: a repeat may duplicate the effect.
    """

    SAFE = "safe"
    IDEMPOTENT = "idempotent"
    RECOVERABLE = "recoverable"
    UNSAFE = "unsafe"

    @property
    def repeatable(self) -> bool:
        return self in (Safety.SAFE, Safety.IDEMPOTENT)


@dataclass(frozen=True, slots=True)
class NotSent:
    """The request never reached the server (DNS failure, refused, connect timeout)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """The request may have been processed (read timeout, connection reset after sending)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Fatal:
    """A failure that repeating cannot fix (TLS and certificate errors)."""

    reason: str


@dataclass(frozen=True, slots=True)
class GotResponse:
    """The server answered with this status; ``retry_after`` is its hint in seconds, if any."""

    status: int
    retry_after: float | None = None


Outcome = NotSent | Ambiguous | Fatal | GotResponse


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Knobs of the retry decision; the defaults are stripe-python's, which have served well."""

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 5.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries cannot be negative")
        if self.backoff_base <= 0 or self.backoff_cap < self.backoff_base:
            raise ValueError("backoff needs 0 < base <= cap")


@dataclass(frozen=True, slots=True)
class Decision:
    retry: bool
    delay: float = 0.0
    #: Why we stopped (or retried): shown in logs and in the final error.
    reason: str = ""
    #: The request may have taken effect (only meaningful when ``retry`` is False).
    outcome_unknown: bool = False


#: The decision after an answer below 400 (frozen: one for every call).
_SUCCESS = Decision(False, reason="success")

#: Statuses that mean the server did not act on the request and asks us to come back.
NOT_PROCESSED_STATUSES = frozenset({429, 503})
#: Gateway errors: the backend may or may not have processed the request.
GATEWAY_STATUSES = frozenset({502, 504})
#: Server errors that say the request was not acted on: not implemented, HTTP version not
#: supported, network authentication required (a captive proxy), and 503 (asks us to come back).
_NOT_ACTED_SERVER_STATUSES = frozenset({501, 503, 505, 511})


def may_have_acted(status: int) -> bool:
    """Whether an error answer with ``status`` leaves open that the request took effect.

    A server error other than those that say the request was not handled (501, 503, 505, 511)
    may come after the backend acted: a 500 thrown after the row was written, a gateway's
    502/504, a CDN's 520-524 while the origin was still working. For a request that must not
    be repeated blindly this means ``outcome_unknown``: the caller reconciles instead of
    treating the request as not done. 4xx answers say the request was refused.

    Args:
        status: the HTTP status of the answer.

    Returns:
        ``True`` for 5xx statuses (and anything above) other than 501, 503, 505 and 511.
    """
    return status >= 500 and status not in _NOT_ACTED_SERVER_STATUSES


def backoff_delay(
    attempt: int, policy: RetryPolicy, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff for retry number ``attempt`` (1-based), jittered into [d/2, d]."""
    ceiling = min(policy.backoff_base * 2 ** (attempt - 1), policy.backoff_cap)
    jittered = ceiling / 2 + rng() * ceiling / 2
    return float(max(policy.backoff_base / 2, jittered))


def decide(
    *,
    attempt: int,
    outcome: Outcome,
    safety: Safety,
    policy: RetryPolicy,
    time_left: float | None = None,
    rng: Callable[[], float] = random.random,
) -> Decision:
    """Decide whether attempt ``attempt`` (1-based, just finished) should be followed by another.

    ``time_left`` is what remains of the call's total deadline (``None``: no deadline).
    """
    if isinstance(outcome, GotResponse) and outcome.status < 400:
        return _SUCCESS
    if isinstance(outcome, Fatal):
        return Decision(False, reason=outcome.reason)

    retries_left = attempt <= policy.max_retries
    delay: float

    if isinstance(outcome, NotSent):
        delay = backoff_delay(attempt, policy, rng)
        reason = f"not sent: {outcome.reason}"
    elif isinstance(outcome, Ambiguous):
        if not safety.repeatable:
            # A repeat could duplicate the effect: the caller must recover (RECOVERABLE) or report.
            return Decision(False, reason=f"ambiguous: {outcome.reason}", outcome_unknown=True)
        delay = backoff_delay(attempt, policy, rng)
        reason = f"ambiguous: {outcome.reason}"
    elif outcome.status == 429:
        hint = outcome.retry_after
        if hint is not None and hint > policy.retry_after_cap:
            return Decision(False, reason="rate limited beyond the retry-after cap")
        delay = hint if hint is not None else backoff_delay(attempt, policy, rng)
        reason = "rate limited (429)"
    elif outcome.status == 503:
        hint = outcome.retry_after
        if hint is not None and hint <= policy.retry_after_cap:
            delay = hint
        else:
            delay = backoff_delay(attempt, policy, rng)
        reason = "service unavailable (503)"
    elif outcome.status in GATEWAY_STATUSES:
        if not safety.repeatable:
            return Decision(False, reason=f"gateway error ({outcome.status})", outcome_unknown=True)
        hint = outcome.retry_after
        if hint is not None and hint <= policy.retry_after_cap:
            delay = hint
        else:
            delay = backoff_delay(attempt, policy, rng)
        reason = f"gateway error ({outcome.status})"
    else:
        return Decision(
            False,
            reason=f"status {outcome.status} is not retryable",
            outcome_unknown=may_have_acted(outcome.status) and not safety.repeatable,
        )

    if not retries_left:
        unknown = isinstance(outcome, Ambiguous) or (
            isinstance(outcome, GotResponse) and outcome.status in GATEWAY_STATUSES
        )
        return Decision(
            False,
            reason=f"{reason}; retries exhausted",
            outcome_unknown=unknown and not safety.repeatable,
        )
    if time_left is not None and delay >= time_left:
        return Decision(False, reason=f"{reason}; the deadline leaves no time to retry")
    return Decision(True, delay=delay, reason=reason)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After``-style value: ``"3"``, ``"0.25"`` or an HTTP date."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
