"""The async transport's session on one event loop, closed on that loop, whichever way the
provider leaves it (issue 19, verifier finding F11).

A connection belongs to the loop that opened it and can be closed only there. A provider used
from one loop after another (a test suite's ``asyncio.run`` or pytest-asyncio loop per test)
must close each loop's connections on that loop, or the garbage collector finds them open and
reports them (``ResourceWarning``, a failure under ``-W error``). Three ways a session ends:

- the provider is closed on the session's loop (:meth:`LoopSession.aclose`): closed there;
- another loop takes the provider over, or closes it (:meth:`LoopSession.let_go`): closed on its
  own loop, from that loop's thread (``call_soon_threadsafe``) when the loop is still open;
- the loop ends with the session still open: ``asyncio.run`` and ``asyncio.Runner`` (which
  pytest-asyncio runs its loops with) cancel every task left before closing the loop, and the
  session's keeper task closes the session on that cancellation.

Left to the collector still: a loop closed by hand without running its tasks to their end (the
session's connections are then closed as far as that closed loop allows, and aiohttp told so).
"""

from __future__ import annotations

import asyncio
import ssl

import aiohttp

from walletpass.aio.connections import abandon_session, open_session

__all__ = ["LoopSession"]


class LoopSession:
    """An ``aiohttp.ClientSession`` (:func:`~walletpass.aio.connections.open_session`, TLS
    settings ``ssl_context``) made for the running event loop, and the keeper task that closes
    it when that loop ends. Made inside a coroutine on that loop."""

    __slots__ = ("_keeper", "loop", "session")

    def __init__(self, ssl_context: ssl.SSLContext | None) -> None:
        self.loop = asyncio.get_running_loop()
        self.session: aiohttp.ClientSession = open_session(ssl_context=ssl_context)
        self._keeper = self.loop.create_task(
            _keep(self.session), name="walletpass: closes its connections when this loop ends"
        )
        # A keeper cancelled before its first step never runs its ``finally``: the session is
        # then closed by this callback, on the keeper's loop, at once.
        self._keeper.add_done_callback(self._closed)

    async def aclose(self) -> None:
        """Close the session (on its own loop): its connections are closed when this returns."""
        self._keeper.cancel()
        # (Waited for without taking on its cancellation: a cancellation of the caller still
        # reaches the caller.)
        await asyncio.wait((self._keeper,))

    def _closed(self, keeper: asyncio.Task[None]) -> None:
        if not self.session.closed:
            abandon_session(self.session)

    def let_go(self) -> None:
        """Close the session from outside its loop (another loop's code, or none running): on
        its loop, from that loop's thread, when the loop is still open (at once if it runs, else
        when it runs next); else as far as the closed loop allows."""
        if self._keeper.done():
            return  # (its loop ended and closed it)
        if self.loop.is_closed():
            abandon_session(self.session)
            return
        self.loop.call_soon_threadsafe(self._keeper.cancel)


async def _keep(session: aiohttp.ClientSession) -> None:
    """Wait until cancelled (by :class:`LoopSession`, or by the loop's end), then close
    ``session``."""
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        await session.close()
