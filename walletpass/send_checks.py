"""The last step before a request leaves, after every wait: the check a caller sets for it.

A bulk run with a journal records an item *in flight* at the last moment before its request can
leave this process: after the rate limiter granted the slot, which may take seconds (many threads,
a vendor's ``Retry-After``). An item whose worker died before that moment is known to be unsent
(the journal never saw it leave), so another worker issues it after the claim's lease, even on a
vendor that cannot be asked whether a pass exists (Pass2U); only a request truly on the wire when
a worker dies stays an unknown outcome. The same check stops a worker that stalled in that wait (a
paused VM, a stopped process) past its lease: another worker has taken the item over, and the
stalled one, waking, must not send it a second time (the journal's claim is confirmed as it is
recorded, and again before every retry).

So the transports call :func:`walletpass.outcomes.note_dispatch` after the limiter and before each
attempt (it runs :func:`check_before_sending`, then counts the dispatch), a provider that reaches
its vendor another way calls it just before, and the bulk run sets the check for the item's
request with :func:`checked_before_sending`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["check_before_sending", "check_before_sending_async", "checked_before_sending"]

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
    """Run the check set by :func:`checked_before_sending` (nothing when none is set); what it
    raises propagates, and the request must then not be sent."""
    check = _check.get()
    if check is not None:
        check()


async def check_before_sending_async() -> None:
    """:func:`check_before_sending` for a request about to leave from the event loop: the check
    (a journal write: a database round trip) runs in a worker thread, so the loop never blocks
    on it."""
    check = _check.get()
    if check is not None:
        import asyncio  # (not at import time: the sync API never needs it)

        await asyncio.to_thread(check)
