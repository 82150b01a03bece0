"""The async transport: the sync transport's calls, sent through httpx's async transport
(``httpx.AsyncHTTPTransport``, one connection per request in flight: :mod:`.connections`).

Every decision is the one :mod:`walletpass.sending` makes for the ``requests`` transport: the URL
(the one URL parser, plain HTTP to loopback only), the headers and body bytes, the call's deadline
and each attempt's timeouts, retries and their delays, ``Retry-After``, the answer, and the
walletpass error (``outcome_unknown`` wherever the request may have taken effect). Answers are
read within ``max_answer_size`` and decompressed by the same decoders
(:class:`walletpass.bounds.BoundedBody`); the query is encoded by the same encoder. What is left
here is the input and output: connecting, sending, reading, waiting and the rate limiter, on the
event loop.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Mapping
from typing import Any

import httpx

from walletpass.aio.connections import LentConnections
from walletpass.aio.ratelimit import AsyncLimiter, asyncio_limiter
from walletpass.bounds import (
    AnswerTooLarge,
    BoundedBody,
    CorruptEncoding,
    MalformedAnswer,
    expected_length,
)
from walletpass.errors import ConfigurationError, RateLimited
from walletpass.outcomes import note_dispatch_async
from walletpass.retry import Ambiguous, Fatal, NotSent
from walletpass.sending import (
    Attempted,
    BaseTransport,
    Call,
    Unreadable,
    VendorRequest,
    VendorResponse,
)
from walletpass.transport import Prepared, Transport, http_stack

__all__ = ["AsyncTransport"]

_CHUNK = 64 * 1024


class AsyncTransport:
    """Sends :class:`~walletpass.sending.VendorRequest` objects on the running event loop.

    ``rules``: the provider's sync :class:`~walletpass.transport.Transport`, whose settings and
    decisions (base URL, credentials, timeouts, retry policy, proxy, CA bundle, answer size) this
    transport follows; nothing is sent through it. ``limiter``: the rate limiter, awaited
    (default: the sync transport's limiter made asyncio-aware, so both share one budget).
    Connections (:class:`~walletpass.aio.connections.LentConnections`) are opened from the first
    request on, on the loop that sends it; :meth:`aclose` closes them. Requests go to httpx's
    transport directly: ``httpx.AsyncClient``'s per-request work (cookies, authentication and
    redirect flows, event hooks) is none walletpass uses, as the sync transport skips
    ``requests``' session.
    """

    def __init__(self, rules: Transport, *, limiter: AsyncLimiter | None = None) -> None:
        self.rules: BaseTransport = rules
        self._wire = rules
        self.provider = rules.provider
        self.rate_limiter = limiter if limiter is not None else asyncio_limiter(rules.rate_limiter)
        self._proxy = rules.proxy
        self._verify = rules.verify
        # The User-Agent names the HTTP stack that sends.
        self._user_agent = rules.user_agent.replace(http_stack(), f"httpx/{httpx.__version__}")
        self._connections: LentConnections | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"AsyncTransport(provider={self.provider!r}, base_url={self.rules.base_url!r})"

    def _connections_for_loop(self) -> LentConnections:
        if self._closed:
            raise ConfigurationError(f"the {self.provider} provider was closed")
        loop = asyncio.get_running_loop()
        if self._connections is not None and self._loop is not loop:
            # A connection belongs to the loop that opened it; another loop (a test's,
            # asyncio.run per call) opens its own.
            self._connections = None
        if self._connections is None:
            verify: ssl.SSLContext | bool = True
            if isinstance(self._verify, str):  # a CA bundle: a file, or a directory of them
                bundle = self._verify
                verify = (
                    ssl.create_default_context(capath=bundle)
                    if os.path.isdir(bundle)
                    else ssl.create_default_context(cafile=bundle)
                )
            elif self._verify is False:
                verify = False
            # The environment (proxies, CA bundle) was read once, when the provider was set up,
            # by the same rules as the sync transport's.
            self._connections = LentConnections(
                ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
                proxy=self._proxy,
            )
            self._loop = loop
        return self._connections

    async def aclose(self) -> None:
        """Close the connection pool; later requests raise ``ConfigurationError``."""
        self._closed = True
        connections, self._connections = self._connections, None
        if connections is not None:
            await connections.aclose()

    async def send(self, request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        """Send with retries; return the final answer (even an error status) or raise, exactly
        as :meth:`walletpass.transport.Transport.send` does.

        Raises ``ProviderUnavailable`` for failures without an answer (``outcome_unknown`` set when
        the request may have taken effect), ``InvalidResponse`` for an answer too large or
        unreadable, ``RedirectNotFollowed``, ``RateLimited`` when the client-side limiter cannot
        fit the request before the deadline, ``ConfigurationError`` for a forbidden URL or a
        closed provider.
        """
        # The TLS context is made before the call's clock starts, as the sync transport's pools
        # are made with the transport.
        self._connections_for_loop()
        call = self.rules.begin(request, operation)
        prepared = self._wire._prepare(call)  # the sync transport's wire form, once per call
        while True:
            time_left = call.next_attempt()
            release = None
            if self.rate_limiter is not None:
                try:
                    release = await self.rate_limiter.acquire(call.rate_key, max_wait=time_left)
                except RateLimited as exc:
                    raise call.limited(exc) from None
            try:
                await note_dispatch_async()  # after the limiter: see note_dispatch
                attempted = await self._attempt(call, prepared)
            finally:
                if release is not None:
                    await release()  # answered or abandoned: the vendor cannot count it any later
            pause = call.pause_for(attempted)
            if pause is not None and self.rate_limiter is not None:
                await self.rate_limiter.pause(call.rate_key, pause)
            step = call.settle(attempted)
            if isinstance(step, VendorResponse):
                return step
            await asyncio.sleep(step)

    async def _attempt(self, call: Call, prepared: Prepared) -> Attempted:
        rules = self.rules
        connect, read = call.timeouts()
        deadline = call.wire_deadline()
        sent = _Sent()
        try:
            connections = self._connections_for_loop()
            headers = prepared.headers
            if headers.get("User-Agent") == rules.user_agent:
                headers = {**headers, "User-Agent": self._user_agent}
            outgoing = httpx.Request(
                prepared.method,
                prepared.endpoint.origin + prepared.target,
                headers=headers,
                content=prepared.body,
                extensions={
                    "timeout": {"connect": connect, "read": read, "write": read, "pool": connect},
                    "trace": sent.trace,
                },
            )
        except ConfigurationError:
            raise
        except (httpx.InvalidURL, ValueError) as exc:
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout_at(_loop_instant(deadline)):
                response = await connections.send(outgoing)
                try:
                    content = await self._read(response)
                finally:
                    await response.aclose()
        except AnswerTooLarge as exc:
            assert response is not None
            size = f"{exc.declared} bytes" if exc.declared else "more"
            why = f"the answer is larger than max_answer_size ({exc.limit} bytes; it has {size})"
            return None, Unreadable(response.status_code, why), None
        except MalformedAnswer as exc:
            assert response is not None
            return None, Unreadable(response.status_code, exc.reason), None
        except CorruptEncoding:
            assert response is not None
            return None, Unreadable(response.status_code, "its compressed body is corrupt"), None
        except TimeoutError as exc:  # the call's deadline, wherever the attempt was
            if sent.headers:
                return None, Ambiguous(rules.late("read timeout", deadline)), exc
            return None, NotSent(rules.late("connect timeout", deadline)), exc
        except httpx.ConnectTimeout as exc:
            return None, NotSent(rules.late("connect timeout", deadline)), exc
        except httpx.PoolTimeout as exc:
            return None, NotSent(rules.late("no free connection", deadline)), exc
        except httpx.TimeoutException as exc:  # read or write: the request was (partly) sent
            return None, Ambiguous(rules.late("read timeout", deadline)), exc
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            # Refused by the HTTP stack before a valid request went out.
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        except httpx.ConnectError as exc:
            tls = _tls_failure(exc)
            if tls is not None:
                return None, Fatal(f"TLS error: {type(tls).__name__}"), exc
            return None, NotSent(rules.late("connection failed", deadline)), exc
        except httpx.RemoteProtocolError as exc:
            if response is not None:  # the head was read: its body broke the framing
                why = rules.late(f"malformed answer: {type(exc).__name__}", deadline)
                return None, Ambiguous(why), exc
            if not sent.headers:
                return None, NotSent(rules.late("connection failed", deadline)), exc
            return None, Ambiguous(rules.late("connection lost after sending", deadline)), exc
        except (httpx.TransportError, OSError) as exc:
            if not sent.headers:
                return None, NotSent(rules.late("connection failed", deadline)), exc
            why = rules.late(f"transport error: {type(exc).__name__}", deadline)
            return None, Ambiguous(why), exc
        lowered = {name.lower(): value for name, value in response.headers.items()}
        return rules.answer_of(response.status_code, lowered, content)

    async def _read(self, response: httpx.Response) -> bytes:
        """The whole decompressed body within ``max_answer_size`` (checked against the declared
        length first, then counted as it is decompressed)."""
        limit = self.rules.max_answer_bytes
        headers = response.headers
        # (The framing itself, a body shorter or longer than declared, h11 enforces.)
        expected_length(response.status_code, headers, limit)
        body = BoundedBody(headers.get("content-encoding"), limit)
        async for raw in response.aiter_raw(_CHUNK):
            body.feed(raw)
        return body.body()


class _Sent:
    """Whether the request's head went out on the wire (httpcore's trace of the attempt): before
    that, a failure left the vendor untouched."""

    __slots__ = ("headers",)

    def __init__(self) -> None:
        self.headers = False

    async def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event.endswith("send_request_headers.started"):
            self.headers = True


def _loop_instant(deadline: float | None) -> float | None:
    """A :func:`time.monotonic` instant on the running loop's clock."""
    if deadline is None:
        return None
    loop = asyncio.get_running_loop()
    return loop.time() + (deadline - time.monotonic())


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a failed connection, if that is what it was."""
    seen: set[int] = set()
    current: BaseException | None = exc
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        pending.extend([current.__cause__, current.__context__])
    return None
