"""Connections on one event loop, closed on that loop, whichever way their owner leaves it
(issue 19, verifier finding F11): the async transport's aiohttp session and the Redis-shared
limiter's ``redis.asyncio`` client.

A connection belongs to the loop that opened it and can be closed only there. A provider used
from one loop after another (a test suite's ``asyncio.run`` or pytest-asyncio loop per test)
must close each loop's connections on that loop, or the garbage collector finds them open and
reports them (``ResourceWarning``, a failure under ``-W error``). Three ways they end:

- their owner closes them on their loop (:meth:`LoopBound.aclose`): closed there;
- another loop takes the owner over, or closes it (:meth:`LoopBound.let_go`): closed on their
  own loop, from that loop's thread (``call_soon_threadsafe``) when the loop is still open;
- the loop ends with them still open: ``asyncio.run`` and ``asyncio.Runner`` (which
  pytest-asyncio runs its loops with) cancel every task left before closing the loop, and the
  keeper task closes them on that cancellation.

Left to the collector still: connections of a loop closed by hand without running its tasks to
their end (an aiohttp session's are then closed as far as that closed loop allows).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import aiohttp

from walletpass.aio.connections import abandon_session, open_session

__all__ = ["LoopBound", "LoopSession"]


class LoopBound:
    """A keeper task on the running event loop that awaits ``close()`` when cancelled: by
    :meth:`aclose`, :meth:`let_go`, or the loop's end. ``abandon()``: closes what it can at once,
    without awaiting (``None``: nothing can be), for when ``close()`` cannot run on the loop.
    Made inside a coroutine on that loop."""

    __slots__ = ("_abandon", "_close", "_closing", "_keeper", "loop")

    def __init__(
        self, close: Callable[[], Awaitable[None]], abandon: Callable[[], None] | None = None
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._close = close
        self._abandon = abandon
        self._closing = False
        self._keeper = self.loop.create_task(
            self._keep(), name="walletpass: closes its connections when this loop ends"
        )
        # A keeper cancelled before its first step never runs its ``finally``: then this
        # callback, on the keeper's loop, closes what can be closed at once.
        self._keeper.add_done_callback(self._kept)

    async def aclose(self) -> None:
        """Close (on the keeper's loop): closed when this returns."""
        self._keeper.cancel()
        # (Waited for without taking on its cancellation: a cancellation of the caller still
        # reaches the caller.)
        await asyncio.wait((self._keeper,))

    def let_go(self) -> None:
        """Close from outside the keeper's loop (another loop's code, or none running): on that
        loop, from its thread, when the loop is still open (at once if it runs, else when it runs
        next); else as far as the closed loop allows."""
        if self._keeper.done():
            return  # (its loop ended and closed them)
        if self.loop.is_closed():
            if self._abandon is not None:
                self._abandon()
            return
        self.loop.call_soon_threadsafe(self._keeper.cancel)

    async def _keep(self) -> None:
        try:
            await self.loop.create_future()  # until cancelled
        finally:
            self._closing = True
            await self._close()

    def _kept(self, keeper: asyncio.Task[None]) -> None:
        if not self._closing and self._abandon is not None:
            self._abandon()


class LoopSession(LoopBound):
    """An ``aiohttp.ClientSession`` (:func:`~walletpass.aio.connections.open_session`, TLS
    settings ``ssl_context``) made for the running event loop, closed on it (:class:`LoopBound`).
    """

    __slots__ = ("session",)

    def __init__(self, ssl_context: ssl.SSLContext | None) -> None:
        self.session: aiohttp.ClientSession = open_session(ssl_context=ssl_context)
        session = self.session
        super().__init__(
            session.close, lambda: None if session.closed else abandon_session(session)
        )
