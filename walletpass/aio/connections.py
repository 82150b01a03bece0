"""The async transport's connections: httpx transports of one connection each, one lent to each
request in flight.

Why not one ``httpx.AsyncHTTPTransport`` for all of them: httpcore's connection pool (1.0) walks
every connection it holds, and probes each idle one's socket, whenever a request enters or leaves
it, so its cost per request grows with the number of connections; with 100 requests in flight it
cost about 7 ms of CPU per request on the benchmark machine, against about 1.4 ms for the same
requests lent one-connection transports (``benchmarks/async_rows.py``; encode/httpx issue 3215).
A one-connection transport's pool walks one connection. This is how the sync transport already
works (a urllib3 pool per thread, so a request never looks at another's connection).

Everything else about a connection is httpx's and httpcore's own: connecting (directly or through
the proxy), TLS, HTTP/1.1, keep-alive and its expiry, noticing a connection the server closed,
and the translation of httpcore's errors into httpx's.
"""

from __future__ import annotations

import ssl
import time
from collections import deque
from collections.abc import AsyncIterator

import httpx

__all__ = ["LentConnections"]

#: How long an idle connection is kept open (httpx's default): a vendor's front end usually
#: closes idle connections after 60 s or more, so reuse within this time is safe.
KEEPALIVE_EXPIRY = 5.0


class LentConnections:
    """Sends ``httpx.Request`` objects, each on a connection no other request in flight uses.

    ``ssl_context``: the TLS settings of every connection (made once: loading a CA bundle costs
    milliseconds). ``proxy``: the proxy URL, or ``None`` to connect directly.

    Connections are opened as requests need them and never waited for (the caller bounds the
    requests in flight, as ``create_many``'s ``concurrency`` does); idle ones are reused most
    recently used first, and closed once idle for :data:`KEEPALIVE_EXPIRY` seconds.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, proxy: str | None) -> None:
        self._ssl_context = ssl_context
        self._proxy = proxy
        #: Idle transports with the instant each was given back, oldest on the left.
        self._idle: deque[tuple[float, httpx.AsyncHTTPTransport]] = deque()
        self._lent: set[httpx.AsyncHTTPTransport] = set()

    def __len__(self) -> int:
        """The connections open or being lent (idle ones included)."""
        return len(self._idle) + len(self._lent)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the answer's body is streamed (read it, then ``aclose()`` it: that
        gives the connection back). Raises httpx's errors, as ``AsyncHTTPTransport`` does."""
        await self._close_expired()
        transport = self._idle.pop()[1] if self._idle else self._new()
        self._lent.add(transport)
        try:
            response = await transport.handle_async_request(request)
        except BaseException:
            self._give_back(transport)  # httpcore dropped a broken connection already
            raise
        response.stream = _GivenBackOnClose(response.stream, self, transport)
        return response

    async def aclose(self) -> None:
        """Close every connection, idle or lent."""
        transports = [t for _, t in self._idle] + list(self._lent)
        self._idle.clear()
        self._lent.clear()
        for transport in transports:
            await transport.aclose()

    def _new(self) -> httpx.AsyncHTTPTransport:
        return httpx.AsyncHTTPTransport(
            verify=self._ssl_context,
            trust_env=False,
            proxy=self._proxy,
            limits=httpx.Limits(
                max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY
            ),
        )

    def _give_back(self, transport: httpx.AsyncHTTPTransport) -> None:
        if transport in self._lent:
            self._lent.discard(transport)
            self._idle.append((time.monotonic(), transport))

    async def _close_expired(self) -> None:
        # The oldest idle transports are the least recently used: those unused for longer than
        # the expiry would only reconnect anyway, and their sockets would stay open until then.
        idle = self._idle
        too_old = time.monotonic() - KEEPALIVE_EXPIRY
        while idle and idle[0][0] < too_old:
            await idle.popleft()[1].aclose()


class _GivenBackOnClose(httpx.AsyncByteStream):
    """An answer's body stream that gives its connection back when closed."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream | object,
        lender: LentConnections,
        transport: httpx.AsyncHTTPTransport,
    ) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream
        self._lender = lender
        self._transport = transport

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._lender._give_back(self._transport)
