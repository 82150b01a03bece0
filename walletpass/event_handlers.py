"""Handing an event to in-process handlers (the fake provider's ``add_event_handler``), the
same way on both APIs.

The contract is a vendor's webhook's: a handler that raises does not fail the operation that
made the event (the vendor's call does not fail when its receiver does; failing it would invite
a retry that issues twice), it is reported as an :class:`EventHandlerWarning`, and the other
handlers still get the event, in the order they were added.

A handler may be a coroutine function. On ``walletpass.aio`` the operation runs inside
:func:`awaiting`, which awaits what such handlers return once the operation's own work is done,
before its ``await`` returns (so a test sees its handler's effect right after the call). On the
sync API nothing can await it: the coroutine is closed unrun and an ``EventHandlerWarning`` says
so (``-W error::walletpass.fake.EventHandlerWarning`` makes it fail a test run), as a callback's
coroutine is refused there (:mod:`walletpass.callbacks`).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from walletpass.errors import WalletPassWarning

__all__ = ["EventHandlerWarning", "awaiting", "call_handlers"]

_T = TypeVar("_T")

#: The awaitables handlers returned during an operation run by :func:`awaiting` (``None``:
#: the sync API, where none can be awaited), each with what the warning of its failure says.
_pending: ContextVar[list[tuple[Awaitable[Any], str]] | None] = ContextVar(
    "walletpass_pending_handlers", default=None
)


class EventHandlerWarning(WalletPassWarning):
    """A handler given to :meth:`walletpass.fake.FakeProvider.add_event_handler` raised (or,
    on the sync API, was a coroutine function); the operation stood."""


def call_handlers(handlers: Iterable[Callable[[Any], Any]], event: Any, what: str) -> None:
    """Call each handler with ``event``; ``what`` names it in warnings (``"the issued event of
    fp_1"``). Never raises (but for a warning filter set to ``error``)."""
    for handler in list(handlers):
        try:
            result = handler(event)
        except Exception as exc:
            _warn(exc, what)
            continue
        if not inspect.isawaitable(result):
            continue
        pending = _pending.get()
        if pending is None:
            _close(result)
            warnings.warn(
                f"an event handler returned an awaitable on {what}: it was not run, since the "
                "sync API cannot await it; use walletpass.aio for a coroutine handler",
                EventHandlerWarning,
                stacklevel=4,
            )
            continue
        pending.append((result, what))


async def awaiting(call: Callable[..., _T], *args: Any) -> _T:
    """``call(*args)`` (an in-process operation, run on the event loop), then every awaitable
    its events' handlers returned, awaited in order; their failures are warnings.

    :returns: what ``call`` returns.
    :raises Exception: what ``call`` raises (the handlers' awaitables are then closed unrun).
    """
    token = _pending.set([])
    try:
        result = call(*args)
    except BaseException:
        for awaitable, _ in _pending.get() or ():
            _close(awaitable)
        raise
    finally:
        pending = _pending.get() or []
        _pending.reset(token)
    for index, (awaitable, what) in enumerate(pending):
        try:
            await awaitable
        except Exception as exc:
            _warn(exc, what)
        except BaseException:  # cancelled while awaiting: the rest are never run
            for rest, _ in pending[index + 1 :]:
                _close(rest)
            raise
    return result


def _warn(exc: Exception, what: str) -> None:
    warnings.warn(
        f"an event handler raised {type(exc).__name__} on {what}: {exc}; the operation itself "
        "succeeded",
        EventHandlerWarning,
        stacklevel=4,
    )


def _close(awaitable: Awaitable[Any]) -> None:
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()  # never run: no "coroutine was never awaited" warning either
