"""The async transport: the sync transport's calls, sent through aiohttp (one
``aiohttp.ClientSession`` per event loop: :mod:`.connections`).

Every decision is the one :mod:`walletpass.sending` makes for the sync transport: the URL (the one
URL parser, plain HTTP to loopback only), the headers and body bytes, the call's deadline and each
attempt's timeouts, retries and their delays, ``Retry-After``, the answer, and the walletpass
error (``outcome_unknown`` wherever the request may have taken effect). Answers are read within
``max_answer_size`` and decompressed by the same decoders (:class:`walletpass.bounds.BoundedBody`);
the query is encoded by the same encoder. What is left here is the input and output: connecting,
sending, reading, waiting and the rate limiter, on the event loop; and turning every aiohttp
failure into what the attempt came to (no aiohttp exception reaches the caller).
"""

from __future__ import annotations

import asyncio
import math
import os
import ssl
import time
from typing import Any

import aiohttp
from yarl import URL

from walletpass.aio.connections import NO_CONTENT_TYPE, LostConnection, Sent, sent_marker
from walletpass.aio.heads import answer_fault
from walletpass.aio.loop_session import LoopSession
from walletpass.aio.ratelimit import AsyncLimiter, asyncio_limiter
from walletpass.answer_faults import (
    BODY_BROKEN,
    FIELD_NAME,
    HEADER_FIELD,
    STATUS_LINE,
    outcome_of,
)
from walletpass.bounds import (
    AnswerTooLarge,
    BoundedBody,
    CorruptEncoding,
    MalformedAnswer,
    expected_length,
)
from walletpass.errors import ConfigurationError, RateLimited
from walletpass.outcomes import (
    dispatch_waits,
    note_dispatch,
    note_dispatch_async,
    note_waiting_async,
)
from walletpass.retry import Ambiguous, Fatal, NotSent, Outcome
from walletpass.sending import (
    Answer,
    Attempted,
    BaseTransport,
    Call,
    Unreadable,
    VendorRequest,
    VendorResponse,
    new_answer,
)
from walletpass.transport import Prepared, Transport, http_stack

__all__ = ["AsyncTransport", "check_proxy"]

#: The proxy forms aiohttp connects through: a plain HTTP proxy (``CONNECT`` for https://
#: vendors), with ``user:password@`` sent as ``Proxy-Authorization: Basic``.
PROXY_SCHEMES = ("http",)


def check_proxy(proxy: str | None, provider: str) -> None:
    """Refuse a proxy the async transport cannot connect through, before anything is sent.

    Raises ``ConfigurationError`` for a ``socks5://``, ``socks5h://`` or ``https://`` proxy
    (aiohttp connects through ``http://`` proxies only; its TLS-to-the-proxy support is not
    tested here): the sync API connects through them. The message never quotes the proxy URL
    (it may carry a password).
    """
    if proxy is None:
        return
    scheme = proxy.partition(":")[0].lower()
    if scheme not in PROXY_SCHEMES:
        raise ConfigurationError(
            f"the async API (walletpass.aio, sending through aiohttp) connects through http:// "
            f"proxies only, not {scheme}:// (from the proxy setting, or HTTPS_PROXY / ALL_PROXY "
            "in the environment); use an http:// proxy, or the sync API, which supports this one",
            provider=provider,
        )


class AsyncTransport:
    """Sends :class:`~walletpass.sending.VendorRequest` objects on the running event loop.

    ``rules``: the provider's sync :class:`~walletpass.transport.Transport`, whose settings and
    decisions (base URL, credentials, timeouts, retry policy, proxy, CA bundle, answer size) this
    transport follows; nothing is sent through it. ``limiter``: the rate limiter, awaited
    (default: the sync transport's limiter made asyncio-aware, so both share one budget).

    The TLS settings are made here when the base URL is https:// or a proxy is set (else with
    the first https:// request), the aiohttp session (:func:`.connections.open_session`) on the
    first request of each event loop, both before the call's deadline starts; :meth:`aclose`
    closes the connections. Raises ``ConfigurationError`` for a proxy aiohttp cannot connect
    through (:func:`check_proxy`) and for a CA bundle that cannot be loaded.
    """

    def __init__(self, rules: Transport, *, limiter: AsyncLimiter | None = None) -> None:
        self.rules: BaseTransport = rules
        self._wire = rules
        self.provider = rules.provider
        self.rate_limiter = limiter if limiter is not None else asyncio_limiter(rules.rate_limiter)
        check_proxy(rules.proxy, rules.provider)
        self._proxy = None if rules.proxy is None else URL(rules.proxy, encoded=True)
        # The CA bundle is loaded here when TLS can be used, before any call's deadline starts;
        # a plain http:// base URL (loopback only) loads it for the first https:// URL, as the
        # sync transport's pools do.
        self._ssl_context: ssl.SSLContext | None = None
        if rules.endpoint.scheme == "https" or rules.proxy is not None:
            self._ssl_context = _tls_context(rules.verify, rules.provider)
        # The User-Agent names the HTTP stack that sends.
        self._user_agent = rules.user_agent.replace(http_stack(), f"aiohttp/{aiohttp.__version__}")
        self._session: aiohttp.ClientSession | None = None
        self._on_loop: LoopSession | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"AsyncTransport(provider={self.provider!r}, base_url={self.rules.base_url!r})"

    def _session_for_loop(self) -> aiohttp.ClientSession | None:
        """This loop's session (``None``: none yet, :meth:`_open` makes it)."""
        if self._closed:
            raise ConfigurationError(f"the {self.provider} provider was closed")
        session = self._session
        on_loop = self._on_loop
        if (
            session is not None
            and on_loop is not None
            and on_loop.loop is asyncio.get_running_loop()
            and not session.closed  # (closed with the loop's async generators)
        ):
            return session
        return None

    async def _open(self) -> aiohttp.ClientSession:
        if self._on_loop is not None:
            # A connection belongs to the loop that opened it; another loop (a test's,
            # asyncio.run per call) opens its own, and the old one's are closed on their loop.
            self._on_loop.let_go()
        on_loop = self._on_loop = await LoopSession.open(self._ssl_context)
        self._session = on_loop.session
        return self._session

    def _tls(self) -> ssl.SSLContext:
        """The TLS settings of every https:// connection (made once)."""
        if self._ssl_context is None:
            self._ssl_context = _tls_context(self._wire.verify, self.provider)
        return self._ssl_context

    async def aclose(self) -> None:
        """Close the connections (those of another event loop on that loop:
        :class:`~walletpass.aio.loop_session.LoopSession`); later requests raise
        ``ConfigurationError``."""
        self._closed = True
        on_loop, self._on_loop, self._session = self._on_loop, None, None
        if on_loop is not None:
            if on_loop.loop is asyncio.get_running_loop():
                await on_loop.aclose()
            else:
                on_loop.let_go()

    async def send(self, request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        """Send with retries; return the final answer (even an error status) or raise, exactly
        as :meth:`walletpass.transport.Transport.send` does.

        Raises ``ProviderUnavailable`` for failures without an answer (``outcome_unknown`` set when
        the request may have taken effect), ``InvalidResponse`` for an answer too large or
        unreadable, ``RedirectNotFollowed``, ``RateLimited`` when the client-side limiter cannot
        fit the request before the deadline, ``ConfigurationError`` for a forbidden URL or a
        closed provider.
        """
        # The session is made before the call's clock starts, as the sync transport's pools
        # are made with the transport.
        if self._session_for_loop() is None:
            await self._open()
        call = self.rules.begin(request, operation)
        prepared = self._wire._prepare(call)  # the sync transport's wire form, once per call
        headers = prepared.headers
        if headers.get("User-Agent") == self.rules.user_agent:
            headers = {**headers, "User-Agent": self._user_agent}
        # (A request whose own Content-Type is spelled in another case gets the skip list too,
        # harmlessly: aiohttp adds none to headers that have one.)
        skip = None if "Content-Type" in headers else NO_CONTENT_TYPE
        while True:
            time_left = call.next_attempt()
            release = None
            if self.rate_limiter is not None:
                await note_waiting_async()  # known unsent while it waits: see note_waiting
                try:
                    release = await self.rate_limiter.acquire(call.rate_key, max_wait=time_left)
                except RateLimited as exc:
                    raise call.limited(exc) from None
            try:
                # After the limiter: see note_dispatch (awaited only for a check that waits).
                if dispatch_waits():
                    await note_dispatch_async()
                else:
                    note_dispatch()
                answer, failure, cause = await self._attempt(call, prepared, headers, skip)
            finally:
                if release is not None:
                    await release()  # answered or abandoned: the vendor cannot count it any later
            attempted: Attempted
            if answer is not None:
                if 200 <= answer.status < 300:  # (nearly every call: no retry, no hold-off)
                    return call.succeeded(answer)
                attempted = self.rules.answer_of(answer.status, answer.headers, answer.body)
            else:
                assert failure is not None
                attempted = None, failure, cause
            pause = call.pause_for(attempted)
            if pause is not None and self.rate_limiter is not None:
                await self.rate_limiter.pause(call.rate_key, pause)
            step = call.settle(attempted)
            if isinstance(step, VendorResponse):
                return step
            await asyncio.sleep(step)

    async def _attempt(
        self,
        call: Call,
        prepared: Prepared,
        headers: dict[str, str],
        skip: tuple[str, ...] | None,
    ) -> tuple[Answer | None, Outcome | Unreadable | None, BaseException | None]:
        """One attempt: ``prepared`` sent with ``headers`` (its own with the User-Agent naming
        aiohttp, made once per call) and aiohttp's ``skip_auto_headers`` ``skip``, within the
        attempt's timeouts and the call's deadline:
        the answer read, or what the attempt came to without one (as the sync transport's
        :func:`walletpass.exchange.exchange` returns it)."""
        rules = self.rules
        (connect, read), deadline = call.window()
        session = self._session_for_loop() or await self._open()
        sent = Sent()
        marker = sent_marker.set(sent)
        response: aiohttp.ClientResponse | None = None
        try:
            response = await session.request(
                prepared.method,
                URL(prepared.endpoint.origin + prepared.target, encoded=True),
                ssl=self._tls() if prepared.endpoint.scheme == "https" else True,
                headers=headers,
                skip_auto_headers=skip,
                data=prepared.body,
                allow_redirects=False,
                proxy=self._proxy,
                timeout=_timeouts(connect, read, deadline),
            )
            try:
                content, merged = await self._read(response)
            except BaseException:
                response.close()  # not read to its end: the connection cannot serve again
                raise
            response.release()
        except AnswerTooLarge as exc:
            assert response is not None
            size = f"{exc.declared} bytes" if exc.declared else "more"
            why = f"the answer is larger than max_answer_size ({exc.limit} bytes; it has {size})"
            return None, Unreadable(response.status, why), None
        except MalformedAnswer as exc:
            assert response is not None
            if exc.fault is not None:
                return None, outcome_of(exc.fault, rules.late, deadline), None
            return None, Unreadable(response.status, exc.reason), None
        except CorruptEncoding:
            assert response is not None
            return None, Unreadable(response.status, "its compressed body is corrupt"), None
        except (aiohttp.ClientError, LostConnection, OSError, ValueError) as exc:
            # (OSError: TimeoutError is one, the call's deadline among them.)
            return None, _failed(exc, sent, response, rules, deadline), exc
        finally:
            sent_marker.reset(marker)
        return new_answer((response.status, merged, content)), None, None

    async def _read(self, response: aiohttp.ClientResponse) -> tuple[bytes, dict[str, str]]:
        """The whole decompressed body within ``max_answer_size`` (checked against the declared
        length first, then counted as it is decompressed), and the headers it was read by
        (:func:`_merged`).

        (The framing itself, a body shorter or longer than declared, aiohttp's parser enforces:
        its error is raised by the read that reaches it. Each read waits within the attempt's
        timeouts: :func:`_timeouts`.)"""
        limit = self.rules.max_answer_bytes
        version = response.version
        if version is not None and (version.major != 1 or version.minor > 1):
            # (llhttp reads "HTTP/2.0" or "HTTP/3.0" in a head as it reads "HTTP/1.1".)
            raise MalformedAnswer(STATUS_LINE.reason, STATUS_LINE)
        for name, _ in response.raw_headers:
            if FIELD_NAME.fullmatch(name) is None:
                # aiohttp runs llhttp leniently outside Python's dev mode: it lets whitespace
                # before a framing header's colon through ("Content-Length : 2"), kept in the name.
                raise MalformedAnswer(HEADER_FIELD.reason, HEADER_FIELD)
        # Every field read as the sync transport reads it, a repeated one joined: two
        # Content-Length fields are a list (refused), two Content-Encoding fields two codings.
        headers = _merged(response.headers)
        content = response.content
        declared = expected_length(response.status, headers, limit)
        if declared is not None:
            # Not compressed and its length, within the limit, told: read as it is (usually in
            # one piece), stopping at that length rather than waiting for one more, empty, read.
            pieces: list[bytes] = []
            received = 0
            while received < declared:
                piece = await content.readany()
                if not piece:
                    break
                pieces.append(piece)
                received += len(piece)
            return b"".join(pieces), headers
        body = BoundedBody(headers.get("content-encoding"), limit)
        while piece := await content.readany():
            body.feed(piece)
        return body.body(), headers


def _failed(
    exc: Exception,
    sent: Sent,
    response: aiohttp.ClientResponse | None,
    rules: BaseTransport,
    deadline: float | None,
) -> Any:
    """What an attempt that ended with ``exc`` came to (an outcome the retry policy reads): not
    sent (no connection was made), ambiguous (the request may have reached the vendor) or fatal
    (nothing a repeat could fix)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return NotSent(rules.late("connect timeout", deadline))
    if isinstance(exc, aiohttp.ClientSSLError) or (
        isinstance(exc, aiohttp.ClientConnectorError) and _tls_failure(exc) is not None
    ):
        tls = _tls_failure(exc) or exc
        return Fatal(f"TLS error: {type(tls).__name__}")
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ClientHttpProxyError):
        # (A proxy that refused to connect to the vendor, 407 say, answered before anything was
        # sent to the vendor.)
        return NotSent(rules.late("connection failed", deadline))
    if isinstance(exc, TimeoutError):  # the call's deadline, or aiohttp's read timeout
        if sent.connected:
            return Ambiguous(rules.late("read timeout", deadline))
        return NotSent(rules.late("connect timeout", deadline))
    if not sent.connected:
        if isinstance(exc, ValueError):  # (aiohttp's InvalidURL is one) refused before sending
            return Fatal(f"invalid request: {type(exc).__name__}")
        return NotSent(rules.late("connection failed", deadline))
    fault = answer_fault(exc)
    if fault is not None:  # the parser refused the head, or the body broke off
        return outcome_of(fault, rules.late, deadline)
    if response is not None:
        # The head was read and the connection broke while the body was read.
        return outcome_of(BODY_BROKEN, rules.late, deadline)
    if isinstance(exc, aiohttp.ClientResponseError):
        # A head aiohttp refused without saying how (not one of its parser's exceptions).
        name = type(exc).__name__
        return Ambiguous(rules.late(f"malformed answer: {name}", deadline))
    if isinstance(exc, LostConnection):
        return Ambiguous(rules.late("connection lost after sending", deadline))
    return Ambiguous(rules.late(f"transport error: {type(exc).__name__}", deadline))


def _merged(headers: Any) -> dict[str, str]:
    """The answer's headers with lower-case names, a repeated one joined with ", " (as the sync
    transport reads them)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if len(lowered) == len(headers):  # (no name repeated: the usual answer)
        return lowered
    lowered = {}
    for name, value in headers.items():
        key = name.lower()
        lowered[key] = f"{lowered[key]}, {value}" if key in lowered else value
    return lowered


def _tls_context(verify: bool | str, provider: str) -> ssl.SSLContext:
    """The TLS settings of every connection, as the sync transport's (:mod:`walletpass.pools`):
    certificates always verified, against the CA bundle setting (a file or a directory) or the
    one ``requests`` uses (certifi's). ``ConfigurationError`` when the bundle cannot be loaded."""
    if isinstance(verify, str):
        location = verify
    else:
        import certifi  # a dependency of requests

        location = certifi.where()
    try:
        if os.path.isdir(location):
            return ssl.create_default_context(capath=location)
        return ssl.create_default_context(cafile=location)
    except OSError as exc:  # (ssl.SSLError is one)
        raise ConfigurationError(
            f"the CA bundle of {provider!r} cannot be used ({type(exc).__name__})",
            provider=provider,
        ) from None


#: The last attempt's aiohttp timeouts and what they were made of (connect, read, total in
#: whole milliseconds): the next attempt with the same three, nearly every first attempt of a
#: call (begun within the same millisecond of its call's deadline), takes them as they are
#: (aiohttp never changes a ``ClientTimeout``; making one costs ~10 k instructions). One list
#: entry, replaced whole: another thread may replace it meanwhile.
_last_timeouts: list[tuple[tuple[float, float, float | None], aiohttp.ClientTimeout]] = [
    (
        (5.0, 30.0, None),
        aiohttp.ClientTimeout(total=None, connect=None, sock_connect=5.0, sock_read=30.0),
    )
]


def _timeouts(connect: float, read: float, deadline: float | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for one attempt: ``connect`` and ``read`` (seconds, already shortened
    to the time left) per connection and per read, and the call's ``deadline`` (a
    :func:`time.monotonic` instant) as the total, which aiohttp enforces from the request to
    the body's last read (one deadline layer, aiohttp's: an ``asyncio.timeout`` around it added
    a second timer to every attempt). aiohttp rounds a total of 5 s or more up to the next whole
    second unless told otherwise; the total given is the time left rounded up to the next
    millisecond, so the deadline has passed when aiohttp's timer fires (the message says so:
    :meth:`~walletpass.sending.BaseTransport.late`) and the same total comes back from one call
    to the next (asyncio waits for a timer in whole milliseconds already: ``epoll``'s unit)."""
    key: tuple[float, float, float | None]
    if deadline is None:
        key = (connect, read, None)
    else:
        # (aiohttp reads a total of 0 as none: an attempt begun on the deadline gets a
        # millisecond.)
        key = (connect, read, max(math.ceil((deadline - time.monotonic()) * 1000), 1) / 1000)
    last = _last_timeouts[0]
    if last[0] == key:
        return last[1]
    if deadline is None:
        made = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)
    else:
        made = aiohttp.ClientTimeout(
            total=key[2],
            connect=None,
            sock_connect=connect,
            sock_read=read,
            ceil_threshold=math.inf,
        )
    _last_timeouts[0] = (key, made)
    return made


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a failed connection, if that is what it was."""
    seen: set[int] = set()
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
