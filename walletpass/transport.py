"""Shared HTTP for every provider: with :mod:`walletpass.bounds` (its socket-level helpers), the
only module that imports ``requests``.

It owns one session (and connection pool) per provider instance, timeouts and a total deadline per
call (bounding every socket operation), the maximum answer size, the retry loop driven by
:func:`walletpass.retry.decide`, the client-side rate limit, the HTTPS rule (on the address
:mod:`walletpass.urls` parsed, which is the address connected to), redirects refused, honest
logging without credentials or bodies, and the translation of every ``requests`` failure into a
walletpass error. Providers describe requests (:class:`VendorRequest`)
and read answers (:class:`VendorResponse`); they never see ``requests`` types, so an async
transport can replace this module without touching them.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

import requests
import requests.utils
import urllib3.exceptions
from pydantic import SecretStr
from urllib3.exceptions import NewConnectionError

from walletpass._version import __version__
from walletpass.bounds import (
    DEFAULT_MAX_ANSWER_BYTES,
    AnswerTooLarge,
    BoundedAdapter,
    MalformedAnswer,
    call_time_left,
    deadline_scope,
    read_bounded,
)
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    RateLimited,
    RedirectNotFollowed,
    WalletPassError,
)
from walletpass.messages import quantity
from walletpass.ratelimit import Limiter
from walletpass.redaction import redact_text, register_secret, scrub_exception, unfit_for_secret
from walletpass.retry import (
    Ambiguous,
    Decision,
    Fatal,
    GotResponse,
    NotSent,
    Outcome,
    RetryPolicy,
    Safety,
    decide,
    may_have_acted,
    parse_retry_after,
)
from walletpass.urls import Endpoint, UrlError, is_loopback_host, parse_url

__all__ = [
    "Timeouts",
    "Transport",
    "VendorRequest",
    "VendorResponse",
    "ca_bundle_from_environment",
    "check_url_security",
    "is_loopback_host",
    "network_proxy",
]

log = logging.getLogger("walletpass.http")

_NO_BODY = object()


def _query(
    query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
) -> Mapping[str, Any] | Sequence[tuple[str, Any]] | None:
    """Query values as vendors read them: a boolean is ``true`` / ``false`` (the JSON spelling),
    not Python's ``True``; other values are left to ``requests`` (text as given, ``None``
    left out)."""
    if not query:
        return query
    items = query.items() if isinstance(query, Mapping) else query
    if not any(isinstance(value, bool) for _, value in items):
        return query
    return [
        (key, ("true" if value else "false") if isinstance(value, bool) else value)
        for key, value in items
    ]


@dataclass(frozen=True, slots=True)
class VendorRequest:
    """One HTTP request a provider wants sent, built by a pure ``build_*`` hook."""

    method: str
    path: str
    safety: Safety
    query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None
    json: Any = _NO_BODY
    data: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: ``"json"`` parses the answer as JSON, ``"bytes"`` keeps it raw (file downloads).
    expect: str = "json"
    #: The path with ids replaced by placeholders: logged instead of ``path`` (ids can be personal).
    path_template: str | None = None
    #: Rate-limit bucket key, for vendors that limit per endpoint (``None``: one bucket).
    rate_key: str | None = None

    @property
    def has_json(self) -> bool:
        return self.json is not _NO_BODY

    def describe(self) -> str:
        return f"{self.method} {self.path_template or self.path}"


@dataclass(frozen=True, slots=True, repr=False)
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
        """The body parsed as JSON; ``InvalidResponse`` (with a redacted excerpt) when it is not."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deeply nested
            problem = exc
        excerpt = redact_text(self.body[:200].decode("utf-8", "replace"))
        # Raised outside the handler, from a scrubbed cause: the decoder's error keeps the
        # whole body, which may echo the credentials.
        raise InvalidResponse(
            f"expected JSON from {self.method} {self.path} (HTTP {self.status}), got: {excerpt!r}",
            status=self.status,
            request_id=self.request_id,
        ) from scrub_exception(problem)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


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
        endpoint = parse_url(url, base=base)
    except UrlError as exc:
        raise ConfigurationError(f"refusing the URL: it {exc}") from None
    if endpoint.scheme == "http" and not endpoint.is_loopback:
        raise ConfigurationError(
            f"refusing plain http:// to {endpoint.host!r}: credentials are only sent over https "
            "(http is allowed to loopback addresses such as 127.0.0.1, for emulators)"
        )
    return endpoint


def network_proxy(base_url: str, configured: SecretStr | None) -> str | None:
    """The proxy for requests to ``base_url``: the setting, else the standard environment
    variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, honouring ``NO_PROXY``).

    Loopback addresses (emulators) are never proxied, whatever the environment says. A proxy
    URL is read by the same parser as every other URL; a malformed one is a ``ConfigurationError``.
    """
    endpoint = check_url_security(base_url, base=True)
    if endpoint.is_loopback:
        return None
    proxy: str | None
    if configured is not None:
        proxy = configured.get_secret_value()
    else:
        found = requests.utils.get_environ_proxies(endpoint.url)
        proxy = found.get(endpoint.scheme) or found.get("all") or None
    if proxy is None:
        return None
    try:
        return parse_url(proxy, proxy=True).url
    except UrlError as exc:
        where = "the proxy setting" if configured is not None else "the environment's proxy"
        raise ConfigurationError(f"refusing {where}: it {exc}") from None


def ca_bundle_from_environment() -> str | None:
    """``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, as requests itself would read them."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def default_user_agent(
    provider_dist: str | None, provider_version: str | None, app_info: str | None
) -> str:
    parts = [f"walletpass/{__version__}"]
    if provider_dist:
        parts.append(f"{provider_dist}/{provider_version or 'unknown'}")
    parts.append(f"python/{platform.python_version()}")
    parts.append(f"requests/{requests.__version__}")
    if app_info:
        parts.append(app_info)
    return " ".join(parts)


DEFAULT_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-trace-id")


class Transport:
    """Sends :class:`VendorRequest` objects for one provider instance. Thread-safe."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        auth_headers: Mapping[str, str] | None = None,
        default_headers: Mapping[str, str] | None = None,
        timeouts: Timeouts | None = None,
        policy: RetryPolicy | None = None,
        rate_limiter: Limiter | None = None,
        user_agent: str | None = None,
        retry_after: Callable[[Mapping[str, str]], float | None] | None = None,
        request_id_headers: Sequence[str] = DEFAULT_REQUEST_ID_HEADERS,
        pool_size: int = 10,
        proxy: str | None = None,
        verify: bool | str = True,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        sleep: Callable[[float], None] = time.sleep,
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
        self._proxies = {"http": proxy, "https": proxy} if proxy else {}
        if proxy:
            register_secret(proxy)  # it may carry user:password
            userinfo = parse_url(proxy, proxy=True).userinfo
            if userinfo:
                password = userinfo.partition(":")[2]
                for secret in (userinfo, password, unquote(userinfo), unquote(password)):
                    register_secret(secret)
        self._verify = verify
        if max_answer_bytes < 1:
            raise ConfigurationError("max_answer_size must be at least 1 byte", provider=provider)
        self.max_answer_bytes = max_answer_bytes
        self.timeouts = timeouts or Timeouts()
        self.policy = policy or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.user_agent = user_agent or default_user_agent(None, None, None)
        self._retry_after = retry_after or (
            lambda headers: parse_retry_after(headers.get("retry-after"))
        )
        self._request_id_headers = tuple(h.lower() for h in request_id_headers)
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self._pool_size = pool_size
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._closed = False

    # -- session management ---------------------------------------------------------------

    def _session(self) -> requests.Session:
        # One session is shared; requests' Session is safe for concurrent requests through a
        # pooled adapter, but we keep one per thread to avoid sharing cookie jars mid-request.
        if self._closed:
            # A closed session would silently reopen its pool; refuse in every thread instead.
            raise ConfigurationError(f"the {self.provider} provider was closed")
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # The environment (proxies, CA bundle) was read once, when the provider was set up.
            session.trust_env = False
            session.proxies = dict(self._proxies)
            session.verify = self._verify
            adapter = BoundedAdapter(
                pool_connections=1, pool_maxsize=self._pool_size, max_retries=0
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        self._closed = True
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def __repr__(self) -> str:
        return f"Transport(provider={self.provider!r}, base_url={self.base_url!r})"

    # -- sending ----------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        """The URL for a request path: relative to the base URL, or an absolute URL (a vendor's
        next-page link) checked and rebuilt by the one parser like the base URL was."""
        if path.startswith(("http://", "https://")):
            return check_url_security(path).url
        relative = path.lstrip("/")
        segments = relative.split("?", 1)[0].split("/")
        if "." not in segments and ".." not in segments:  # no dot segments: a plain append
            return self.base_url + relative
        return urljoin(self.base_url, relative)

    def send(self, request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        """Send with retries; return the final answer (even an error status) or raise.

        Raises ``ProviderUnavailable`` for failures without an answer (``outcome_unknown`` set when
        the request may have taken effect), ``RateLimited`` when the client-side limiter cannot
        fit the request before the deadline, ``ConfigurationError`` for a forbidden URL.
        """
        url = self.url_for(request.path)
        started = self._clock()
        deadline = None if self.timeouts.total is None else started + self.timeouts.total
        outer = call_time_left()  # the operation's own deadline, when it sends several requests
        if outer is not None and (deadline is None or started + outer < deadline):
            deadline = started + outer
        headers = self._headers_for(request)
        attempt = 0
        while True:
            attempt += 1
            time_left = None if deadline is None else deadline - self._clock()
            if time_left is not None and time_left <= 0:
                raise ProviderUnavailable(
                    f"{request.describe()}: total deadline of {self.timeouts.total}s passed",
                    provider=self.provider,
                    operation=operation,
                )
            if self.rate_limiter is not None:
                try:
                    self.rate_limiter.acquire(request.rate_key or "", max_wait=time_left)
                except RateLimited as exc:
                    raise exc.with_context(provider=self.provider, operation=operation) from None
                time_left = None if deadline is None else deadline - self._clock()
            read_timeout = (
                self.timeouts.read
                if time_left is None
                else max(0.001, min(self.timeouts.read, time_left))
            )
            connect_timeout = (
                self.timeouts.connect
                if time_left is None
                else max(0.001, min(self.timeouts.connect, time_left))
            )
            sent_at = self._clock()
            # The socket-level deadline runs on the real monotonic clock (``_clock`` may be a
            # test's): the same instant, expressed in it.
            wire_deadline = None if time_left is None else time.monotonic() + time_left
            answer, outcome, cause = self._attempt(
                request, url, headers, (connect_timeout, read_timeout), wire_deadline
            )
            if isinstance(outcome, _Unreadable):  # nothing a repeat could fix
                raise self._unreadable(request, outcome, operation)
            latency = self._clock() - sent_at
            self._log(request, attempt, answer, outcome, latency)
            if self.rate_limiter is not None and isinstance(outcome, GotResponse):
                hint = outcome.retry_after
                if hint is not None and hint > 0:
                    # Everyone sharing the limiter (other threads, other processes) holds off too;
                    # capped like the retry delay, so a hostile answer cannot park us for days.
                    pause = min(hint, self.policy.retry_after_cap)
                    self.rate_limiter.pause(request.rate_key or "", pause)
            time_left = None if deadline is None else deadline - self._clock()
            decision = decide(
                attempt=attempt,
                outcome=outcome,
                safety=request.safety,
                policy=self.policy,
                time_left=time_left,
                rng=self._rng,
            )
            if decision.retry:
                log.info(
                    "%s %s: retrying in %.2fs (attempt %d, %s)",
                    self.provider,
                    request.describe(),
                    decision.delay,
                    attempt,
                    decision.reason,
                )
                self._sleep(decision.delay)
                continue
            if answer is not None:
                vendor_response = VendorResponse(
                    status=answer.status,
                    headers=answer.headers,
                    body=answer.body,
                    request_id=self._request_id(answer.headers),
                    elapsed=self._clock() - started,
                    attempts=attempt,
                    method=request.method,
                    path=request.path_template or request.path,
                    request=request,
                )
                if 300 <= answer.status < 400:
                    raise self._redirect(request, url, vendor_response, operation)
                return vendor_response
            raise self._failure(
                request,
                outcome,
                decision=decision,
                cause=cause,
                operation=operation,
                attempts=attempt,
            )

    def _headers_for(self, request: VendorRequest) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent}
        if request.expect == "json":
            headers["Accept"] = "application/json"
        headers.update(self._default_headers)
        if request.has_json:
            headers["Content-Type"] = "application/json"
        headers.update(request.headers)
        headers.update(self._auth_headers)
        return headers

    def _attempt(
        self,
        request: VendorRequest,
        url: str,
        headers: Mapping[str, str],
        timeout: tuple[float, float],
        deadline: float | None,
    ) -> tuple[_Answer | None, Outcome | _Unreadable, BaseException | None]:
        body: bytes | None = request.data
        if request.has_json:
            body = json.dumps(request.json, separators=(",", ":"), ensure_ascii=False).encode()
        response: requests.Response | None = None
        try:
            session = self._session()
            # Prepared here rather than by Session.request: nothing of the session's state is
            # wanted (no cookies, auth or environment settings: trust_env is off), and skipping
            # its merging is a tenth of a millisecond per call. The steps are PreparedRequest.
            # prepare()'s, less the cookie jar it would build empty for every request (no jar
            # is ever attached, so no Cookie header is ever sent either way).
            prepared = requests.PreparedRequest()
            prepared.prepare_method(request.method)
            prepared.prepare_url(url, _query(request.query))
            prepared.prepare_headers({**session.headers, **headers})
            prepared.prepare_body(body, None)
            prepared.prepare_auth(None, url)  # credentials in the URL's userinfo, as prepare()
            # Straight to the connection adapter: Session.send would add only what is never
            # used here (response hooks, a cookie jar no request reads, a look for a redirect
            # that is never followed).
            adapter = session.get_adapter(prepared.url or url)
        except (requests.exceptions.RequestException, ValueError) as exc:
            # Only here is an invalid URL or header ours: nothing was sent. (The same error
            # types raised once sending began describe the vendor's answer: see below.)
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        try:
            with deadline_scope(deadline):
                response = adapter.send(
                    prepared,
                    stream=True,
                    timeout=timeout,
                    verify=self._verify,
                    cert=None,
                    proxies=self._proxies,
                )
                # Read the body inside the try: a reset while streaming it is still ambiguous.
                content = read_bounded(response.raw, self.max_answer_bytes)
            response.raw.release_conn()  # read to its end: the connection serves the next call
        except AnswerTooLarge as exc:
            assert response is not None
            response.close()  # the rest is never read: the connection cannot be reused
            size = f"{exc.declared} bytes" if exc.declared else "more"
            why = f"the answer is larger than max_answer_size ({exc.limit} bytes; it has {size})"
            return None, _Unreadable(response.status_code, why), None
        except requests.exceptions.SSLError as exc:
            return None, Fatal(f"TLS error: {type(exc).__name__}"), exc
        except requests.exceptions.ConnectTimeout as exc:
            return None, NotSent(self._late("connect timeout", deadline)), exc
        except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError) as exc:
            if response is not None:
                response.close()
            return None, Ambiguous(self._late("read timeout", deadline)), exc
        except MalformedAnswer as exc:
            assert response is not None
            response.close()
            return None, _Unreadable(response.status_code, exc.reason), None
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            # Raised choosing a connection for the prepared URL, before anything is sent.
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        except requests.exceptions.InvalidHeader as exc:
            # Headers were checked when preparing: this one is the answer's (conflicting
            # Content-Length values, say), which came after the request was sent.
            why = self._late(f"malformed answer: {type(exc).__name__}", deadline)
            return None, Ambiguous(why), exc
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                return None, NotSent(self._late("connection failed", deadline)), exc
            return None, Ambiguous(self._late("connection lost after sending", deadline)), exc
        except urllib3.exceptions.DecodeError as exc:
            assert response is not None
            response.close()
            return None, _Unreadable(response.status_code, "its compressed body is corrupt"), exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            # (urllib3's own errors come from reading the body: a reset or a truncated answer.)
            if response is not None:
                response.close()
            why = self._late(f"transport error: {type(exc).__name__}", deadline)
            return None, Ambiguous(why), exc
        lowered = {k.lower(): v for k, v in response.headers.items()}
        retry_after = None
        if response.status_code in (429, 503):
            retry_after = self._retry_after(lowered)
        answer = _Answer(response.status_code, lowered, content)
        return answer, GotResponse(response.status_code, retry_after), None

    def _late(self, reason: str, deadline: float | None) -> str:
        """``reason``, or that the call's deadline cut the attempt short when it did."""
        if deadline is not None and time.monotonic() >= deadline:
            return f"the call's deadline of {self.timeouts.total}s passed ({reason})"
        return reason

    def _request_id(self, lowered: Mapping[str, str]) -> str | None:
        """The vendor's request id from response headers whose names are lower-cased (shown
        in messages, so redacted, printable and short whatever the server sent)."""
        for name in self._request_id_headers:
            if lowered.get(name):
                return shown(lowered[name], 128)
        return None

    def _redirect(
        self, request: VendorRequest, url: str, response: VendorResponse, operation: str | None
    ) -> RedirectNotFollowed:
        target = response.header("location")
        location = shown(urljoin(url, target.strip()), 300) if target else None
        where = f"to {location}" if location else "without a Location"
        # 302/303 answer a request that was processed (post/redirect/get); the others say the
        # request belongs elsewhere, so it was not acted on.
        acted = response.status in (302, 303) and not request.safety.repeatable
        return RedirectNotFollowed(
            f"{request.describe()}: the vendor answered HTTP {response.status}, a redirect "
            f"{where}; walletpass does not follow redirects (the credentials would go along). "
            "If the vendor has moved its API, set base_url to the new address",
            location=location,
            provider=self.provider,
            operation=operation,
            status=response.status,
            request_id=response.request_id,
            outcome_unknown=acted,
        )

    def _unreadable(
        self, request: VendorRequest, outcome: _Unreadable, operation: str | None
    ) -> InvalidResponse:
        # Like an unreadable success: a write the vendor answered (2xx, or a gateway error) may
        # have been made; an error answer says it was not.
        acted = not request.safety.repeatable and (
            outcome.status < 400 or may_have_acted(outcome.status)
        )
        what = "may have taken effect" if acted else "did not take effect"
        return InvalidResponse(
            f"{request.describe()}: HTTP {outcome.status}, but {outcome.reason} "
            f"(the request {what})",
            provider=self.provider,
            operation=operation,
            status=outcome.status,
            outcome_unknown=acted,
        )

    def _log(
        self,
        request: VendorRequest,
        attempt: int,
        answer: _Answer | None,
        outcome: Outcome | _Unreadable,
        latency: float,
    ) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        if answer is not None:
            log.info(
                "%s %s -> %d in %.0fms (attempt %d, request id %s)",
                self.provider,
                redact_text(request.describe()),
                answer.status,
                latency * 1000,
                attempt,
                self._request_id(answer.headers) or "-",
            )
        else:
            log.info(
                "%s %s -> no answer: %s after %.0fms (attempt %d)",
                self.provider,
                redact_text(request.describe()),
                getattr(outcome, "reason", outcome),
                latency * 1000,
                attempt,
            )

    def _failure(
        self,
        request: VendorRequest,
        outcome: Outcome,
        *,
        decision: Decision,
        cause: BaseException | None,
        operation: str | None,
        attempts: int,
    ) -> WalletPassError:
        if isinstance(outcome, Fatal) and outcome.reason.startswith("invalid request"):
            error: WalletPassError = ConfigurationError(
                f"{request.describe()}: {outcome.reason}",
                provider=self.provider,
                operation=operation,
            )
        else:
            what = "may have taken effect" if decision.outcome_unknown else "did not take effect"
            error = ProviderUnavailable(
                f"{request.describe()} failed after {quantity(attempts, 'attempt')}: "
                f"{decision.reason} "
                f"(the request {what})",
                provider=self.provider,
                operation=operation,
                retryable=not isinstance(outcome, Fatal),
                outcome_unknown=decision.outcome_unknown,
            )
        if cause is not None:
            error.__cause__ = _scrubbed(cause)
        return error


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    #: lower-case names
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """An answer that arrived but cannot be used (too large, corrupt compression)."""

    status: int
    reason: str


def shown(text: str, limit: int) -> str:
    """A server-supplied ``text`` fit for a message: redacted, control characters replaced,
    at most ``limit`` characters."""
    cleaned = "".join(char if char.isprintable() else "?" for char in redact_text(text))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _unfit_for_header(value: str) -> str | None:
    if not all(" " <= char <= "~" for char in value):
        return "contains a character HTTP headers cannot carry (non-ASCII or control)"
    return None


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the failure happened before a connection existed (nothing was sent)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        pending.extend(
            arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)
        )
    return False


class _TransportFailure(Exception):
    """Carries a scrubbed description of a ``requests`` failure as ``__cause__``."""


def _scrubbed(cause: BaseException) -> BaseException:
    # requests' exceptions hold the PreparedRequest (with our auth headers) in ``.request``;
    # keep only a redacted description so the credential can't be reached through __cause__.
    return _TransportFailure(redact_text(f"{type(cause).__name__}: {cause}"))
