"""A last check right before a request leaves, after every wait: the one a caller sets for it.

A bulk run sharing a journal with other workers marks an item *in flight* (renewing its claim on
the item) before sending; the request then waits for its rate-limit slot, which may take seconds
(many threads, a vendor's ``Retry-After``). A worker that stalls there (a paused VM, a stopped
process) past its lease loses the item to another worker, which finds nothing at the vendor and
issues it; the stalled worker, waking, would send it a second time. So the transports call
:func:`check_before_sending` after the limiter and before each attempt, and the bulk run sets the
check (its journal confirms the claim is still its own) for the item's request.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["check_before_sending", "checked_before_sending"]

_check: ContextVar[Callable[[], None] | None] = ContextVar("walletpass_send_check", default=None)


@contextlib.contextmanager
def checked_before_sending(check: Callable[[], None]) -> Iterator[None]:
    """Run ``check`` before every attempt the calling thread (or asyncio task) sends in the
    block; what it raises stops the request unsent and propagates."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)


def check_before_sending() -> None:
    """The transports' call, after the rate limiter and before an attempt goes out. Raises what
    the check set by :func:`checked_before_sending` raises (nothing when none is set)."""
    check = _check.get()
    if check is not None:
        check()
