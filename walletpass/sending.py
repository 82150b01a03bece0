"""What sending one :class:`VendorRequest` means, decided once for every HTTP stack.

A transport (:class:`walletpass.transport.Transport` on ``requests``, and
``walletpass.aio.AsyncTransport`` on ``aiohttp``) does only the input and output: it connects,
sends, reads the answer within the size limit, waits and takes rate-limit slots. Everything it
decides is here and is pure: the URL (by the one URL parser, :mod:`walletpass.urls`), the headers,
the request body's bytes, the call's deadline and each attempt's timeouts, whether to try again
(:func:`walletpass.retry.decide`), how long the vendor asked everyone to hold off, what the
answer is, and the walletpass error for every failure (with ``outcome_unknown`` wherever the
request may have taken effect). So both transports send the same requests and raise the same
errors, with credentials and bodies kept out of logs and messages.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urljoin

from walletpass.bounds import call_time_left
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    RateLimited,
    RedirectNotFollowed,
    WalletPassError,
)
from walletpass.messages import quantity
from walletpass.nesting import MAX_JSON_DEPTH, nests_deeper_than
from walletpass.redaction import (
    masked_excerpt,
    masked_logger,
    redact_text,
    register_secret,
    scrub_exception,
    unfit_for_secret,
)
from walletpass.request_ids import DEFAULT_REQUEST_ID_HEADERS
from walletpass.retry import (
    Decision,
    Fatal,
    GotResponse,
    Outcome,
    RetryPolicy,
    Safety,
    decide,
    may_have_acted,
    parse_retry_after,
)
from walletpass.urls import Endpoint, UrlError, parse_url, require_https

__all__ = [
    "DEFAULT_REQUEST_ID_HEADERS",
    "NO_BODY",
    "Answer",
    "BaseTransport",
    "Call",
    "Timeouts",
    "Unreadable",
    "VendorRequest",
    "VendorResponse",
    "check_url_security",
    "new_answer",
    "shown",
]

log = masked_logger("walletpass.http")


class _NoBody:
    """The type of :data:`NO_BODY`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_BODY"

    def __reduce__(self) -> str:
        return "NO_BODY"  # (pickled and copied as the one module-level marker)


#: ``VendorRequest.json`` when the request has no body (``None`` would be the JSON ``null``):
#: the default; a build hook with an optional body passes ``body if ... else NO_BODY``.
NO_BODY: Any = _NoBody()
_NEW_HEADERS: Any = object()

#: The one encoder of request bodies (``json.dumps`` with options builds a new one per call).
_BODY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: The same encoder without its record of the containers open (a dict of their ids, kept to
#: refuse a body that contains itself: a sixth of a small body's cost). Such a body recurses
#: instead, until ``RecursionError``, and is encoded again by ``_BODY_ENCODER``, which refuses
#: it as before.
_ACYCLIC_BODY_ENCODER = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, check_circular=False
)
#: The one decoder of answers (``json.loads``' own, made alike: no hooks).
_ANSWER_DECODER = json.JSONDecoder()
_JSON_OPENERS = (b"{", b"[")


@dataclass(frozen=True, slots=True, init=False)
class VendorRequest:
    """One HTTP request a provider wants sent, built by a pure ``build_*`` hook.

    ``headers`` not given is a new empty dict (a request's own, as a default factory would make).
    """

    method: str
    path: str
    safety: Safety
    query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None
    json: Any = NO_BODY
    data: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: ``"json"`` parses the answer as JSON, ``"bytes"`` keeps it raw (file downloads).
    expect: str = "json"
    #: The path with ids replaced by placeholders: logged instead of ``path`` (ids can be personal).
    path_template: str | None = None
    #: Rate-limit bucket key, for vendors that limit per endpoint (``None``: one bucket).
    rate_key: str | None = None

    def __init__(  # noqa: PLR0917  # the dataclass's fields, positional as its own __init__ took them
        self,
        method: str,
        path: str,
        safety: Safety,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        json: Any = NO_BODY,
        data: bytes | None = None,
        headers: Mapping[str, str] = _NEW_HEADERS,  # (a marker: a new dict of its own)
        expect: str = "json",
        path_template: str | None = None,
        rate_key: str | None = None,
    ) -> None:
        # What the generated __init__ of a frozen dataclass does, each slot set through its
        # descriptor bound once rather than through ``object.__setattr__`` (every op builds one
        # or two requests: 15.7 k -> 8.4 k instructions per request).
        _set_method(self, method)
        _set_path(self, path)
        _set_safety(self, safety)
        _set_query(self, query)
        _set_json(self, json)
        _set_data(self, data)
        _set_headers(self, {} if headers is _NEW_HEADERS else headers)
        _set_expect(self, expect)
        _set_path_template(self, path_template)
        _set_rate_key(self, rate_key)

    @property
    def has_json(self) -> bool:
        return self.json is not NO_BODY

    def describe(self) -> str:
        return f"{self.method} {self.path_template or self.path}"

    def body(self) -> bytes | None:
        """The bytes sent as the body: the JSON compactly encoded (UTF-8), else ``data``."""
        content = self.json
        if content is NO_BODY:
            return self.data
        try:
            return _ACYCLIC_BODY_ENCODER.encode(content).encode()
        except RecursionError:
            # Contains itself, or is nested too deep: the encoder that keeps its record says
            # which, as it did alone.
            return _BODY_ENCODER.encode(content).encode()


(
    _set_method,
    _set_path,
    _set_safety,
    _set_query,
    _set_json,
    _set_data,
    _set_headers,
    _set_expect,
    _set_path_template,
    _set_rate_key,
) = (getattr(VendorRequest, name).__set__ for name in VendorRequest.__slots__)


@dataclass(frozen=True, slots=True, repr=False, init=False)
class VendorResponse:
    """The vendor's answer: status, headers (lower-case names), raw body, and what we measured."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    request_id: str | None = None
    elapsed: float = 0.0
    attempts: int = 1
    method: str = ""
    path: str = ""
    #: The request this answers, as it was sent: parse hooks read what they sent from here
    #: (``response.request.json``) instead of building the body again.
    request: VendorRequest | None = None

    def __init__(  # noqa: PLR0917  # the dataclass's fields, positional as its own __init__ took them
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        request_id: str | None = None,
        elapsed: float = 0.0,
        attempts: int = 1,
        method: str = "",
        path: str = "",
        request: VendorRequest | None = None,
    ) -> None:
        # As VendorRequest's (one per op): each slot set through its descriptor bound once.
        _set_status(self, status)
        _set_response_headers(self, headers)
        _set_body(self, body)
        _set_request_id(self, request_id)
        _set_elapsed(self, elapsed)
        _set_attempts(self, attempts)
        _set_response_method(self, method)
        _set_response_path(self, path)
        _set_request(self, request)

    def __repr__(self) -> str:
        # Vendors echo credentials in bodies and headers: a repr shows neither, only their size.
        return (
            f"VendorResponse(status={self.status}, {self.method} {redact_text(self.path)}, "
            f"request_id={self.request_id!r}, {len(self.body)} bytes)"
        )

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def sent(self) -> VendorRequest:
        """The request this answers, as it was sent (parse hooks read their body from here).

        Raises:
            ValueError: a response made without its request (the parse step reports it as
                ``InvalidResponse``).
        """
        if self.request is None:
            raise ValueError("the response does not carry the request it answers")
        return self.request

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON; ``InvalidResponse`` (with a redacted excerpt) when it is not,
        or when it nests objects and arrays more than
        :data:`~walletpass.nesting.MAX_JSON_DEPTH` levels deep."""
        body = self.body
        if not body.strip():
            return None
        try:
            # An object or an array whose second byte is not NUL is UTF-8 by json's own reading
            # of the encoding (no byte order mark starts with "{" or "[", UTF-16 and UTF-32 put
            # a NUL there): decoded as json.loads decodes it, without that reading (its
            # detect_encoding, then the codec looked up by name: 25.2 -> 18.1 k instructions
            # for a five-key answer).
            if body[:1] in _JSON_OPENERS and body[1:2] != b"\x00":
                decoded = _ANSWER_DECODER.decode(body.decode("utf-8", "surrogatepass"))
            else:
                decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deeply nested
            problem = exc
        else:
            if not nests_deeper_than(decoded, body):
                return decoded
            # Read, but not writable again (IssuedPass.raw, get --raw, a journal's record)
            raise InvalidResponse(
                f"the JSON from {self.method} {self.path} (HTTP {self.status}) nests objects "
                f"and arrays more than {MAX_JSON_DEPTH} levels deep",
                status=self.status,
                request_id=self.request_id,
            )
        excerpt = masked_excerpt(self.body, 200)
        # Raised outside the handler, from a scrubbed cause: the decoder's error keeps the
        # whole body, which may echo the credentials.
        raise InvalidResponse(
            f"expected JSON from {self.method} {self.path} (HTTP {self.status}), got: {excerpt!r}",
            status=self.status,
            request_id=self.request_id,
        ) from scrub_exception(problem)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


(
    _set_status,
    _set_response_headers,
    _set_body,
    _set_request_id,
    _set_elapsed,
    _set_attempts,
    _set_response_method,
    _set_response_path,
    _set_request,
) = (getattr(VendorResponse, name).__set__ for name in VendorResponse.__slots__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Connect and read timeouts per attempt, and a total deadline per call (all in seconds)."""

    connect: float = 5.0
    read: float = 30.0
    total: float | None = 90.0

    def __post_init__(self) -> None:
        for name in ("connect", "read"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} timeout must be positive")
        if self.total is not None and self.total <= 0:
            raise ValueError("total deadline must be positive")


def check_url_security(url: str, *, base: bool = False) -> Endpoint:
    """Parse ``url`` with the one URL parser (:func:`walletpass.urls.parse_url`) and apply the
    rule: credentials travel only over HTTPS; plain HTTP goes to loopback (emulators) only.

    Returns the parsed :class:`~walletpass.urls.Endpoint`, whose ``url`` is the only form
    walletpass connects to. Raises ``ConfigurationError`` for an ambiguous or malformed URL and
    for plain HTTP elsewhere; the message never quotes the URL (it may hold a password).
    """
    try:
        return require_https(parse_url(url, base=base))
    except UrlError as exc:
        raise ConfigurationError(f"refusing the URL: it {exc}") from None


class Answer(NamedTuple):
    """An answer as a transport read it: status, headers (lower-case names), whole body. (A
    named tuple: one is made per attempt, and a frozen dataclass sets each field through
    ``object.__setattr__``.)"""

    status: int
    headers: Mapping[str, str]
    body: bytes


#: An :class:`Answer` of a ``(status, headers, body)`` triple, made without the generated
#: ``__new__``'s frame (2.6 k -> 1.6 k instructions).
new_answer = functools.partial(tuple.__new__, Answer)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An answer that arrived but cannot be used (too large, corrupt compression, a garbled head:
    :mod:`walletpass.answer_faults`); ``status`` is ``None`` when the head was not trusted."""

    status: int | None
    reason: str


#: What one attempt came to: the answer (when one was read), what happened, and the HTTP
#: stack's exception (kept only as a scrubbed cause of the final error).
Attempted = tuple[Answer | None, Outcome | Unreadable, BaseException | None]


class BaseTransport:
    """The HTTP-stack-independent half of a transport: its settings and every decision.

    Subclasses connect and send (``send`` drives a :class:`Call`). Raises ``ConfigurationError``
    for a base URL the HTTPS rule refuses, a credential header that cannot be sent safely, or a
    ``max_answer_bytes`` below 1.
    """

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        auth_headers: Mapping[str, str] | None = None,
        default_headers: Mapping[str, str] | None = None,
        timeouts: Timeouts | None = None,
        policy: RetryPolicy | None = None,
        user_agent: str,
        retry_after: Callable[[Mapping[str, str]], float | None] | None = None,
        request_id_headers: Sequence[str] = DEFAULT_REQUEST_ID_HEADERS,
        max_answer_bytes: int,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = check_url_security(base_url, base=True)
        self.provider = provider
        # The URL rebuilt from the one parse: what the HTTP stack sees can't be read otherwise.
        self.base_url = self.endpoint.url.rstrip("/") + "/"
        self._auth_headers = dict(auth_headers or {})
        for name, value in self._auth_headers.items():
            register_secret(value)
            # "Bearer xyz" style: also mask the bare token
            register_secret(value.split(" ", 1)[-1])
            problem = unfit_for_secret(value.split(" ", 1)[-1]) or _unfit_for_header(value)
            if problem:
                # Refused here, not by the HTTP stack, whose error would quote the value.
                raise ConfigurationError(
                    f"the {name} credential header of {provider!r} {problem}", provider=provider
                )
        self._default_headers = dict(default_headers or {})
        if max_answer_bytes < 1:
            raise ConfigurationError("max_answer_size must be at least 1 byte", provider=provider)
        self.max_answer_bytes = max_answer_bytes
        self.timeouts = timeouts or Timeouts()
        self.policy = policy or RetryPolicy()
        self.user_agent = user_agent
        self._retry_after = retry_after or (
            lambda headers: parse_retry_after(headers.get("retry-after"))
        )
        self._request_id_headers = tuple(h.lower() for h in request_id_headers)
        self._request_id_names = frozenset(self._request_id_headers)
        self._rng = rng
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self.base_url!r})"

    def url_for(self, path: str) -> str:
        """The URL for a request path: relative to the base URL, or an absolute URL (a vendor's
        next-page link) checked and rebuilt by the one parser like the base URL was."""
        if path.startswith(("http://", "https://")):
            return check_url_security(path).url
        relative = path.lstrip("/")
        if "." not in relative:  # (nearly every path: no dot, so no dot segment)
            return self.base_url + relative
        segments = relative.split("?", 1)[0].split("/")
        if "." not in segments and ".." not in segments:  # no dot segments: a plain append
            return self.base_url + relative
        return urljoin(self.base_url, relative)

    def headers_for(self, request: VendorRequest) -> dict[str, str]:
        """The request's headers: ours, the provider's defaults, the request's own, and the
        credentials last (nothing a request sets can replace them)."""
        headers = {"User-Agent": self.user_agent}
        if request.expect == "json":
            headers["Accept"] = "application/json"
        headers.update(self._default_headers)
        if request.has_json:
            headers["Content-Type"] = "application/json"
        headers.update(request.headers)
        headers.update(self._auth_headers)
        return headers

    def answer_of(self, status: int, headers: Mapping[str, str], body: bytes) -> Attempted:
        """What an attempt that read an answer came to (``headers`` with lower-case names)."""
        retry_after = self._retry_after(headers) if status in (429, 503) else None
        return new_answer((status, headers, body)), GotResponse(status, retry_after), None

    def late(self, reason: str, deadline: float | None) -> str:
        """``reason``, or that the call's deadline (a :func:`time.monotonic` instant) cut the
        attempt short when it did."""
        if deadline is not None and time.monotonic() >= deadline:
            return f"the call's deadline of {self.timeouts.total}s passed ({reason})"
        return reason

    def request_id(self, lowered: Mapping[str, str]) -> str | None:
        """The vendor's request id from response headers whose names are lower-cased (shown
        in messages, so redacted, printable and short whatever the server sent)."""
        if self._request_id_names.isdisjoint(lowered):  # (most answers: one look at each name)
            return None
        for name in self._request_id_headers:
            if lowered.get(name):
                return shown(lowered[name], 128)
        return None

    def begin(self, request: VendorRequest, operation: str | None) -> Call:
        """The decisions of one call sending ``request`` (``ConfigurationError`` for a URL the
        HTTPS rule refuses: nothing sent)."""
        return Call(self, request, operation)


class Call:
    """One call: the request's URL and headers, its deadline, and after each attempt whether to
    try again, return the answer or raise.

    A transport's ``send`` is this loop (with its own waiting, rate limiter and attempt)::

        call = transport.begin(request, operation)
        while True:
            time_left = call.next_attempt()          # raises once the deadline has passed
            ...take a rate-limit slot within time_left (call.limited(exc) if refused)...
            attempted = ...one attempt, within the timeouts and deadline of call.window()...
            pause = call.pause_for(attempted)       # the vendor asked everyone to hold off
            ...pause the rate limiter...
            delay = call.settle(attempted)          # a VendorResponse is returned, errors raised
            ...wait delay seconds...
    """

    __slots__ = (
        "attempt",
        "deadline",
        "operation",
        "request",
        "sent_at",
        "started",
        "transport",
        "url",
    )

    def __init__(
        self, transport: BaseTransport, request: VendorRequest, operation: str | None
    ) -> None:
        self.transport = transport
        self.request = request
        self.operation = operation
        self.url = transport.url_for(request.path)
        clock = transport._clock
        self.started = clock()
        total = transport.timeouts.total
        self.deadline = None if total is None else self.started + total
        # The operation's own deadline, when it sends several requests (a create and the
        # lookup that reconciles it): the earlier end wins.
        outer = call_time_left()
        if outer is not None and (self.deadline is None or self.started + outer < self.deadline):
            self.deadline = self.started + outer
        self.attempt = 0
        self.sent_at = self.started

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers (:meth:`BaseTransport.headers_for`): made when asked for, as a
        transport that knows the same header set already has its wire form made."""
        return self.transport.headers_for(self.request)

    @property
    def rate_key(self) -> str:
        return self.request.rate_key or ""

    def time_left(self) -> float | None:
        """Seconds left before the deadline (``None``: no deadline)."""
        return None if self.deadline is None else self.deadline - self.transport._clock()

    def next_attempt(self) -> float | None:
        """Count an attempt; the seconds left for it. ``ProviderUnavailable`` (nothing sent)
        once the deadline has passed."""
        self.attempt += 1
        if self.deadline is None:
            return None
        time_left = self.deadline - self.transport._clock()
        if time_left <= 0:
            raise ProviderUnavailable(
                f"{self.request.describe()}: total deadline of "
                f"{self.transport.timeouts.total}s passed",
                provider=self.transport.provider,
                operation=self.operation,
            )
        return time_left

    def limited(self, exc: RateLimited) -> RateLimited:
        """The rate limiter's refusal, naming the provider and operation."""
        limited: RateLimited = exc.with_context(
            provider=self.transport.provider, operation=self.operation
        )
        return limited

    def window(self) -> tuple[tuple[float, float], float | None]:
        """The attempt about to start: its ``(connect, read)`` timeouts, shortened to the time
        left, and the deadline on the real monotonic clock (the transport's clock may be a
        test's), which every socket operation is bounded by (``None``: no deadline); marks the
        attempt as sent now. (One method and one reading of the clock for the three, where
        two methods read it three times.)"""
        now = self.sent_at = self.transport._clock()
        configured = self.transport.timeouts
        connect, read = configured.connect, configured.read
        if self.deadline is None:
            return (connect, read), None
        time_left = self.deadline - now
        # (Conditionals, not min() and max(): these four builtin calls cost 5 k instructions
        # per attempt, the rest of the method 2 k.)
        connect = time_left if time_left < connect else connect
        read = time_left if time_left < read else read
        return (
            ((connect if connect > 0.001 else 0.001), (read if read > 0.001 else 0.001)),
            time.monotonic() + time_left,
        )

    def pause_for(self, attempted: Attempted) -> float | None:
        """Seconds everyone sharing the rate limiter must hold off because the vendor said so
        (``Retry-After`` on an answer), capped like the retry delay, so a hostile answer cannot
        park every caller for days; ``None`` when it did not say."""
        outcome = attempted[1]
        if isinstance(outcome, GotResponse) and outcome.retry_after and outcome.retry_after > 0:
            return min(outcome.retry_after, self.transport.policy.retry_after_cap)
        return None

    def settle(self, attempted: Attempted) -> float | VendorResponse:
        """After an attempt: the seconds to wait before the next one, or the answer (any status
        but a redirect's). Raises the walletpass error the attempt came to when no attempt is
        left to try: ``ProviderUnavailable`` (``outcome_unknown`` where the request may have
        taken effect), ``InvalidResponse`` (an answer too large or unreadable),
        ``RedirectNotFollowed``, ``ConfigurationError`` (a request the HTTP stack refused to
        send)."""
        answer, outcome, cause = attempted
        transport = self.transport
        if isinstance(outcome, Unreadable):  # nothing a repeat could fix
            raise self._unreadable(outcome)
        self._log(answer, outcome, transport._clock() - self.sent_at)
        time_left = self.time_left()
        decision = decide(
            attempt=self.attempt,
            outcome=outcome,
            safety=self.request.safety,
            policy=transport.policy,
            time_left=time_left,
            rng=transport._rng,
        )
        if decision.retry:
            log.info(
                "%s %s: retrying in %.2fs (attempt %d, %s)",
                transport.provider,
                self.request.describe(),
                decision.delay,
                self.attempt,
                decision.reason,
            )
            return decision.delay
        if answer is not None:
            response = self._response(answer)
            if 300 <= answer.status < 400:
                raise self._redirect(response)
            return response
        raise self._failure(outcome, decision, cause)

    def succeeded(self, answer: Answer) -> VendorResponse:
        """:meth:`settle` of an attempt answered with a 2xx status, without the steps that
        cannot apply to one (a 2xx is never retried, asks no one to hold off, is no redirect):
        the answer, logged as :meth:`settle` logs it."""
        if log.isEnabledFor(logging.INFO):
            self._log(answer, None, self.transport._clock() - self.sent_at)
        return self._response(answer)

    def _response(self, answer: Answer) -> VendorResponse:
        transport = self.transport
        request = self.request
        status, headers, body = answer
        # (Positional: a class called with keywords packs them into a dict first, 4 k
        # instructions for these nine.)
        return VendorResponse(
            status,
            headers,
            body,
            transport.request_id(headers),  # request_id
            transport._clock() - self.started,  # elapsed
            self.attempt,  # attempts
            request.method,
            request.path_template or request.path,  # path
            request,
        )

    def _redirect(self, response: VendorResponse) -> RedirectNotFollowed:
        target = response.header("location")
        location = shown(urljoin(self.url, target.strip()), 300) if target else None
        where = f"to {location}" if location else "without a Location"
        # 302/303 answer a request that was processed (post/redirect/get); the others say the
        # request belongs elsewhere, so it was not acted on.
        acted = response.status in (302, 303) and not self.request.safety.repeatable
        return RedirectNotFollowed(
            f"{self.request.describe()}: the vendor answered HTTP {response.status}, a redirect "
            f"{where}; walletpass does not follow redirects (the credentials would go along). "
            "If the vendor has moved its API, set base_url to the new address",
            location=location,
            provider=self.transport.provider,
            operation=self.operation,
            status=response.status,
            request_id=response.request_id,
            outcome_unknown=acted,
        )

    def _unreadable(self, outcome: Unreadable) -> InvalidResponse:
        # Like an unreadable success: a write the vendor answered (2xx, or a gateway error) may
        # have been made; an error answer says it was not. A garbled head (no status trusted)
        # says nothing either way.
        status = outcome.status
        acted = not self.request.safety.repeatable and (
            status is None or status < 400 or may_have_acted(status)
        )
        what = "may have taken effect" if acted else "did not take effect"
        answered = "an answer" if status is None else f"HTTP {status}"
        return InvalidResponse(
            f"{self.request.describe()}: {answered}, but {outcome.reason} (the request {what})",
            provider=self.transport.provider,
            operation=self.operation,
            status=outcome.status,
            outcome_unknown=acted,
        )

    def _log(self, answer: Answer | None, outcome: Outcome | None, latency: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        transport = self.transport
        if answer is not None:
            log.info(
                "%s %s -> %d in %.0fms (attempt %d, request id %s)",
                transport.provider,
                redact_text(self.request.describe()),
                answer.status,
                latency * 1000,
                self.attempt,
                transport.request_id(answer.headers) or "-",
            )
        else:
            log.info(
                "%s %s -> no answer: %s after %.0fms (attempt %d)",
                transport.provider,
                redact_text(self.request.describe()),
                getattr(outcome, "reason", outcome),
                latency * 1000,
                self.attempt,
            )

    def _failure(
        self, outcome: Outcome, decision: Decision, cause: BaseException | None
    ) -> WalletPassError:
        request = self.request
        if isinstance(outcome, Fatal) and outcome.reason.startswith("invalid request"):
            error: WalletPassError = ConfigurationError(
                f"{request.describe()}: {outcome.reason}",
                provider=self.transport.provider,
                operation=self.operation,
            )
        else:
            what = "may have taken effect" if decision.outcome_unknown else "did not take effect"
            error = ProviderUnavailable(
                f"{request.describe()} failed after {quantity(self.attempt, 'attempt')}: "
                f"{decision.reason} "
                f"(the request {what})",
                provider=self.transport.provider,
                operation=self.operation,
                retryable=not isinstance(outcome, Fatal),
                outcome_unknown=decision.outcome_unknown,
            )
        if cause is not None:
            error.__cause__ = _scrubbed(cause)
        return error


def shown(text: str, limit: int) -> str:
    """A server-supplied ``text`` fit for a message: redacted, control characters replaced,
    at most ``limit`` characters."""
    return "".join(char if char.isprintable() else "?" for char in masked_excerpt(text, limit))


def _unfit_for_header(value: str) -> str | None:
    if not all(" " <= char <= "~" for char in value):
        return "contains a character HTTP headers cannot carry (non-ASCII or control)"
    return None


class _TransportFailure(Exception):
    """Carries a scrubbed description of an HTTP stack's failure as ``__cause__``."""


def _scrubbed(cause: BaseException) -> BaseException:
    # The HTTP stacks' exceptions hold the request (with our auth headers); keep only a
    # redacted description so the credential can't be reached through __cause__.
    return _TransportFailure(redact_text(f"{type(cause).__name__}: {cause}"))
