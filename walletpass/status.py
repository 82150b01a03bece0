"""Status rules that hold on every vendor, so an operation reports what a ``get()`` would.

A pass whose expiry time has passed is expired, whatever the vendor said when it answered: the
vendors that take an expiry (Pass2U voids the pass after ``expirationDate``; PassEntry deactivates
it at its expiry) report it so on their next read, and the fake does the same. An operation that
returns a pass therefore derives its status here, in one place, instead of echoing the status of
the moment before the expiry was looked at.
"""

from __future__ import annotations

from datetime import UTC, datetime

from walletpass.model import IssuedPass, PassStatus

__all__ = ["status_at", "with_current_status"]


def status_at(status: PassStatus, expires_at: datetime | None, now: datetime) -> PassStatus:
    """``status`` as of ``now``: ``EXPIRED`` once ``expires_at`` has passed, unless the pass is
    already in a final state (redeemed, voided, deleted: those say more than the expiry)."""
    if expires_at is None or status.is_final:
        return status
    if expires_at.tzinfo is None:  # vendors' naive timestamps are UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    return PassStatus.EXPIRED if expires_at <= now else status


def with_current_status(
    issued: IssuedPass, *, expires_at: datetime | None = None, now: datetime | None = None
) -> IssuedPass:
    """``issued`` with the status a read right now would report (see :func:`status_at`).

    ``expires_at``: the expiry the caller sent, used when the vendor's answer does not echo one.
    Raises ``TypeError`` (a provider's bug) for a write's result that is not an ``IssuedPass``.
    """
    if not isinstance(issued, IssuedPass):
        # (every write's result passes here first: a plugin's parse_create returning the
        # vendor's dict is said so, not as the AttributeError of .expires_at)
        raise TypeError(
            f"the write gave {type(issued).__name__}, not an IssuedPass: parse_create and "
            "parse_update (or their plans) must return one"
        )
    expiry = issued.expires_at or expires_at
    if expiry is None:  # (the common case: no clock read)
        return issued
    current = status_at(issued.status, expiry, now or datetime.now(UTC))
    if current is issued.status:
        return issued
    return issued.model_copy(update={"status": current})
