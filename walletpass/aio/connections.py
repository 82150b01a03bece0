"""The async transport's connections: one ``aiohttp.ClientSession`` per event loop, set up so that
aiohttp only connects, sends and reads, and every decision stays walletpass's.

Why aiohttp: on the benchmark machine a request sent through it cost 0.40-0.56 ms of CPU, against
1.2-1.5 ms through httpx's transport and 4.8-6.2 ms through ``httpx.AsyncClient`` (issue 19,
``benchmarks/async_rows.py``); its connection pool does not walk every connection it holds on each
request, as httpcore 1.0's does (encode/httpx issue 3215).

What is turned off, and why:

- redirects are not followed and cookies are not kept (``DummyCookieJar``), as by the sync
  transport: the answer is what the vendor said;
- answers are not decompressed by aiohttp (``auto_decompress=False``): walletpass's
  :class:`~walletpass.bounds.BoundedBody` decompresses within ``max_answer_size``;
- aiohttp adds no header walletpass did not choose (the prepared request carries User-Agent,
  Accept, Accept-Encoding and Content-Length; the transport tells aiohttp to skip its
  ``Content-Type`` for a request that has none: :data:`NO_CONTENT_TYPE`);
- the environment is not read (``trust_env=False``): the proxy and CA bundle were read once, by
  the sync transport's rules;
- aiohttp's own resending of an idempotent request whose connection broke (RFC 9112 9.3.1) is
  refused by :func:`_no_hidden_resend`: walletpass's retry policy decides, counts the attempt and
  takes its rate-limit slot.

Added: a kept-alive connection is checked for a close (or stray bytes) before it is reused, as
urllib3 checks the sync transport's (:func:`_dropped`).

The connection pool has no limit (``limit=0``): callers bound the requests in flight
(``create_many``'s ``concurrency``), so a request never waits for a connection; idle ones are
kept for :data:`KEEPALIVE_EXPIRY` seconds. Answer heads are read with the sync transport's
limits (``http.client``'s: lines of 64 KiB, 99 header fields), so an answer one API accepts the
other does too.
"""

from __future__ import annotations

import select
import ssl
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import aiohttp
from aiohttp import http_parser
from aiohttp.client_reqrep import ClientRequest, ClientResponse

__all__ = [
    "KEEPALIVE_EXPIRY",
    "NO_CONTENT_TYPE",
    "LostConnection",
    "Sent",
    "abandon_session",
    "open_session",
    "sent_marker",
]

#: How long an idle connection is kept open: a vendor's front end usually closes idle
#: connections after 60 s or more, so reuse within this time is safe.
KEEPALIVE_EXPIRY = 5.0

#: The answer head limits of ``http.client`` (which the sync transport reads by): lines of 64 KiB,
#: and 100 lines after the status line, the empty one that ends the head among them, so 99 fields.
#: (aiohttp's pure-Python parser, used without its C extension, counts the status line and the
#: empty line too.)
MAX_LINE = 65536
MAX_HEADERS = 99 if http_parser.HttpResponseParser is not http_parser.HttpResponseParserPy else 101


class Sent:
    """Whether the attempt in progress got a connection: aiohttp writes the request head as soon
    as it has one, so before that a failure left the vendor untouched."""

    __slots__ = ("connected",)

    def __init__(self) -> None:
        self.connected = False


#: The attempt in progress in this task (set by the transport around each attempt).
sent_marker: ContextVar[Sent | None] = ContextVar("walletpass_aio_sent", default=None)


class LostConnection(Exception):
    """The connection broke after it was made (aiohttp's ``ServerDisconnectedError`` or
    ``ClientOSError``); ``cause`` is aiohttp's exception. Not an aiohttp error, so aiohttp does
    not resend the request itself."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


def _dropped(connection: Any, fd: int) -> bool:
    """Whether a kept-alive connection, its socket's file descriptor ``fd`` (-1: none), was
    closed by the vendor (or sent bytes no request asked for) while it sat idle, as urllib3
    judges a pooled connection before reusing it (``is_connection_dropped``: its socket is
    readable). aiohttp only asks whether the loop has seen the close yet, which it has not while
    the close waits in the loop's queue (many calls in flight): the request would be written
    into a closed connection and be lost, a write's outcome then unknown."""
    if fd < 0 or connection.transport is None:
        return True
    try:
        if _poll is not None:
            poller = _poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _descriptor(connection: Any) -> int:
    """The file descriptor of ``connection``'s socket (-1: it has none)."""
    transport = connection.transport
    sock = None if transport is None else transport.get_extra_info("socket")
    try:
        return -1 if sock is None else int(sock.fileno())
    except (OSError, ValueError):
        return -1


_poll = getattr(select, "poll", None)  # (not on Windows: select() there)


class _Connector(aiohttp.TCPConnector):
    """aiohttp's TCP connector, which never hands over a kept-alive connection the vendor
    dropped (:func:`_dropped`: it is closed and another taken, before a byte of the request is
    written, so the attempt, its retry budget and its rate-limit slot are spent once), and
    notes in :data:`sent_marker` when the attempt has its connection."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The connections handed over before (by their protocol) and their socket's file
        # descriptor, read when first handed over (a connection keeps its socket): only a
        # reused one is checked (a fresh TLS connection may be readable with the server's
        # session tickets).
        self._used: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    async def connect(
        self, req: ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout
    ) -> Any:
        used = self._used
        while True:
            connection = await super().connect(req, traces, timeout)
            protocol = connection.protocol
            if protocol is None:
                break
            fd = used.get(protocol)
            if fd is None:  # handed over for the first time
                used[protocol] = _descriptor(connection)
                break
            if not _dropped(connection, fd):
                break
            connection.close()  # nothing was written to it
        marker = sent_marker.get()
        if marker is not None:
            marker.connected = True
        return connection


Handler = Callable[[ClientRequest], Awaitable[ClientResponse]]

#: ``skip_auto_headers`` of a request without a ``Content-Type`` of its own, to which aiohttp
#: would add one (``application/octet-stream`` to a POST, PUT or PATCH, or to a raw body). Given
#: per request, not as the session's: aiohttp rebuilds a session's skip list into each request's
#: headers (~6 k instructions a request), which a request with a ``Content-Type`` does not need.
NO_CONTENT_TYPE = ("Content-Type",)


async def _no_hidden_resend(request: ClientRequest, handler: Handler) -> ClientResponse:
    """A client middleware: a connection that broke after it was made is reported as
    :class:`LostConnection`, which aiohttp does not answer by sending the request again."""
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:  # (nothing was sent; aiohttp does not resend these)
        raise
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        raise LostConnection(exc) from exc


def open_session(*, ssl_context: ssl.SSLContext | None) -> aiohttp.ClientSession:
    """A session for the running event loop, its TLS settings ``ssl_context`` (made once: loading
    a CA bundle costs milliseconds; ``None`` when the transport gives them with each https://
    request)."""
    connector = _Connector(
        ssl=ssl_context if ssl_context is not None else True,
        limit=0,
        limit_per_host=0,
        keepalive_timeout=KEEPALIVE_EXPIRY,
    )
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        trust_env=False,
        max_line_size=MAX_LINE,
        max_field_size=MAX_LINE,
        max_headers=MAX_HEADERS,
        middlewares=(_no_hidden_resend,),
        raise_for_status=False,
    )


def abandon_session(session: aiohttp.ClientSession) -> None:
    """Let go of a session made on another event loop, which cannot be awaited from this one:
    its connections are closed as far as that loop allows (at once when it is closed; when it
    runs next otherwise), and aiohttp is told so, rather than it reporting them unclosed when
    the session is collected."""
    connector = session.connector
    session.detach()
    if connector is not None:
        # The synchronous half of ``close()`` (the rest would have to run on that loop).
        connector._close()
