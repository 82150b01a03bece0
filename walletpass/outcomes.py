"""When a write may have taken effect and walletpass could not find out: one error for it.

A create whose answer was lost (a connection reset after the vendor acted, a gateway error, an
unreadable success) is reconciled by looking the pass up. When that lookup itself fails, nobody
knows whether the pass exists. Reporting the lookup's own error (a retryable
``ProviderUnavailable``, say) would invite a blind retry that issues the pass twice, so both the
single-call path (:meth:`walletpass.provider.Provider.create`) and a bulk journal's reconciling
re-run raise :class:`~walletpass.errors.OutcomeUnknown` instead: ``outcome_unknown`` true,
``retryable`` false, the lookup's error chained as its cause.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from walletpass.errors import OutcomeUnknown, WalletPassError

__all__ = [
    "check_before_sending",
    "check_before_sending_async",
    "checked_before_sending",
    "count_dispatches",
    "dispatch_count",
    "dispatch_waits",
    "known_unsent",
    "note_dispatch",
    "note_dispatch_async",
    "note_waiting",
    "note_waiting_async",
    "unreconciled",
]

#: Requests handed to vendors so far: the calling thread's, or the asyncio task's (a context
#: variable: each task of an async bulk run counts its own).
_count: ContextVar[int] = ContextVar("walletpass_dispatches", default=0)


#: The check a bulk run sets for its item's request (see :mod:`walletpass.send_checks`).
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
    on it; a check that says it does no I/O (``does_io`` false) runs on the loop."""
    check = _check.get()
    if check is None:
        return
    if not getattr(check, "does_io", True):
        check()
        return
    import asyncio  # (not at import time: the sync API never needs it)

    await asyncio.to_thread(check)


def note_waiting() -> None:
    """Record that the calling thread (or asyncio task) is about to wait for the rate limiter
    before a request: the core transport calls it, where it knows that request has not left.

    A bulk run records its item in flight before the item's create runs (a plugin may reach its
    vendor on a client of its own, which tells nobody), and the check it sets
    (:func:`checked_before_sending`) may offer ``before_wait``: then this records the item as
    not sent while it waits, unless one of its requests was already handed to the vendor (noted
    by :func:`note_dispatch`). What that raises (``JournalError``) propagates: nothing is sent.
    """
    before_wait = getattr(_check.get(), "before_wait", None)
    if before_wait is not None:
        before_wait()


async def note_waiting_async() -> None:
    """:func:`note_waiting` from the event loop: the journal write runs in a worker thread."""
    check = _check.get()
    before_wait = getattr(check, "before_wait", None)
    if before_wait is None:
        return
    if not getattr(check, "does_io", True):
        before_wait()  # (no journal: a flag, on the loop)
        return
    import asyncio

    await asyncio.to_thread(before_wait)


def known_unsent() -> bool:
    """Whether the core transport vouches that no request of the calling thread's (or task's)
    current item has left: it reached its wait for the rate limiter (:func:`note_waiting`) and
    none was handed to the vendor since. ``False`` when no check offering that is set, or
    nothing told: whatever else runs the item's create (a plugin's own HTTP client) may have
    sent it."""
    return bool(getattr(_check.get(), "unsent", False))


def note_dispatch() -> None:
    """Record that the calling thread (or asyncio task) is about to hand a request to the vendor,
    after every wait (the rate limiter's included): the last moment before bytes can leave.

    Runs the check a bulk run sets for the item's request first (:mod:`walletpass.send_checks`:
    it records the item in flight in the journal, or confirms the item is still this worker's);
    what that raises (``JournalError``) means the request must not be sent, and it is not
    counted. The transports call it before each attempt, so providers that send through
    :meth:`walletpass.provider.Provider.send` (the contract) need do nothing. A provider whose
    vendor is reached another way (the fake, a plugin with its own client) calls it just before
    that, from the thread running the operation: a bulk run's item is in flight from before its
    create runs anyway, and this keeps a later request of the same create through the core
    transport from recording it not sent while it waits (:func:`note_waiting`).
    """
    check_before_sending()
    _count.set(_count.get() + 1)


async def note_dispatch_async() -> None:
    """:func:`note_dispatch` from the event loop (the async transport): the bulk run's check runs
    in a worker thread; the dispatch is counted in the calling task."""
    await check_before_sending_async()
    _count.set(_count.get() + 1)


def dispatch_waits() -> bool:
    """Whether :func:`note_dispatch_async` has anything to wait for: a check that does I/O (a
    journal write) is set for the calling task. When not, :func:`note_dispatch` does the same
    on the loop, without a coroutine per request."""
    check = _check.get()
    return check is not None and bool(getattr(check, "does_io", True))


def dispatch_count() -> int:
    """How many requests the calling thread has handed to vendors (see :func:`note_dispatch`).

    A bulk run compares it before and after an item's create: an unexpected exception with no
    dispatch in between happened before anything was sent, so it is a plain failure, not an
    unknown outcome a re-run would have to reconcile.
    """
    return _count.get()


#: How a failed request says it had no effect: about the lookup, not the write it reconciles,
#: so left out of the unknown outcome's message, which would otherwise seem to contradict it.
_NOT_DONE = " (the request did not take effect)"


def _describe(error: BaseException) -> str:
    if isinstance(error, WalletPassError):
        return f"{type(error).__name__}: {error.message}"
    return f"unexpected {type(error).__name__}"


def unreconciled(
    sent: BaseException | str,
    lookup: BaseException,
    *,
    provider: str,
    subject: Any = None,
    operation: str = "create",
) -> OutcomeUnknown:
    """The error for a write that may have taken effect when the lookup meant to tell failed.

    ``sent``: the send's error (or a description of why its outcome is unknown); ``lookup``:
    what the lookup raised; ``subject``: the pass (its external id is named).
    """
    what = sent if isinstance(sent, str) else _describe(sent)
    looked = _describe(lookup).replace(_NOT_DONE, "")
    ext = getattr(subject, "external_id", None)
    named = f" with external id {ext!r}" if ext else ""
    status = getattr(sent, "status", None)
    request_id = getattr(sent, "request_id", None)
    return OutcomeUnknown(
        f"the {operation} of a pass{named} may have taken effect ({what}), and looking it up "
        f"failed ({looked}): it was not sent again, to avoid a duplicate; check the "
        "vendor (a bulk journal re-run looks it up again) before sending it again",
        provider=provider,
        operation=operation,
        status=status,
        request_id=request_id,
        outcome_unknown=True,
        retryable=False,
    )


def count_dispatches(count: int) -> None:
    """Add ``count`` requests handed to vendors by work done on the caller's behalf in other
    threads or tasks (the plans of a :class:`walletpass.plans.Together` step) to the calling
    thread's (or task's) :func:`dispatch_count`."""
    if count:
        _count.set(_count.get() + count)
