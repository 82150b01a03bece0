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
  pytest-asyncio runs its loops with) close every async generator left on the loop before
  closing it (``shutdown_asyncgens``), and the keeper, one, closes them then.

Left to the collector still: connections of a loop closed by hand without
``shutdown_asyncgens()`` (an aiohttp session's are then closed as far as that closed loop allows).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncGenerator, Awaitable, Callable

import aiohttp

from walletpass.aio.connections import abandon_session, open_session

__all__ = ["LoopBound", "LoopSession"]


class LoopBound:
    """Awaits ``close()`` on the event loop it was started on (:meth:`start`, in a coroutine on
    that loop) when told to (:meth:`aclose`, :meth:`let_go`) or when the loop ends. No task is
    left on the loop (code that checks ``asyncio.all_tasks()`` sees none): the keeper is an
    async generator suspended on that loop, which ``asyncio.run`` and ``asyncio.Runner`` (which
    pytest-asyncio runs its loops with) close before closing the loop
    (``loop.shutdown_asyncgens()``), as the loop does if it is collected first. ``abandon()``:
    closes what it can at once, without awaiting (``None``: nothing can be), for a loop already
    closed."""

    __slots__ = ("_abandon", "_closing", "_keeper", "loop")

    def __init__(
        self, close: Callable[[], Awaitable[None]], abandon: Callable[[], None] | None
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self._abandon = abandon
        self._closing = False
        self._keeper = self._keep(close)

    @classmethod
    async def start(
        cls, close: Callable[[], Awaitable[None]], abandon: Callable[[], None] | None = None
    ) -> LoopBound:
        """Started on the running loop (its first step there registers it with the loop)."""
        bound = cls(close, abandon)
        await bound._keeper.asend(None)
        return bound

    async def aclose(self) -> None:
        """Close (on the keeper's loop): closed when this returns."""
        await self._keeper.aclose()

    def let_go(self) -> None:
        """Close from outside the keeper's loop (another loop's code, or none running): on that
        loop, from its thread, when the loop is still open (at once if it runs, else when it runs
        next); else as far as the closed loop allows."""
        if self._closing:
            return  # (its loop ended and closed it)
        if self.loop.is_closed():
            if self._abandon is not None:
                self._abandon()
            return
        asyncio.run_coroutine_threadsafe(self._keeper.aclose(), self.loop)

    async def _keep(self, close: Callable[[], Awaitable[None]]) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self._closing = True
            await close()


class LoopSession(LoopBound):
    """An ``aiohttp.ClientSession`` (:func:`~walletpass.aio.connections.open_session`, TLS
    settings ``ssl_context``) made for the running event loop, closed on it (:class:`LoopBound`).
    """

    __slots__ = ("session",)

    session: aiohttp.ClientSession

    @classmethod
    async def open(cls, ssl_context: ssl.SSLContext | None) -> LoopSession:
        """A session for the running loop, its keeper started."""
        session = open_session(ssl_context=ssl_context)

        def abandon() -> None:
            if not session.closed:
                abandon_session(session)

        bound = await cls.start(session.close, abandon)
        assert isinstance(bound, LoopSession)
        bound.session = session
        return bound
