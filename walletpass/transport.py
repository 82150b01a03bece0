"""Shared HTTP for every provider: the only module that imports ``requests``.

It owns one session (and connection pool) per provider instance, timeouts and a total deadline per
call, the retry loop driven by :func:`walletpass.retry.decide`, the client-side rate limit, the
HTTPS rule, honest logging without credentials or bodies, and the translation of every
``requests`` failure into a walletpass error. Providers describe requests (:class:`VendorRequest`)
and read answers (:class:`VendorResponse`); they never see ``requests`` types, so an async
transport can replace this module without touching them.
"""

from __future__ import annotations

import ipaddress
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
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import requests.utils
from pydantic import SecretStr
from urllib3.exceptions import NewConnectionError

from walletpass._version import __version__
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    RateLimited,
    WalletPassError,
)
from walletpass.ratelimit import Limiter
from walletpass.redaction import redact_text, register_secret
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
    parse_retry_after,
)

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


@dataclass(frozen=True, slots=True)
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

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as JSON; ``InvalidResponse`` (with a redacted excerpt) when it is not."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deeply nested
            excerpt = redact_text(self.body[:200].decode("utf-8", "replace"))
            raise InvalidResponse(
                f"expected JSON from {self.method} {self.path} (HTTP {self.status}), "
                f"got: {excerpt!r}",
                status=self.status,
                request_id=self.request_id,
            ) from exc

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


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url_security(url: str) -> None:
    """Credentials travel only over HTTPS; plain HTTP is allowed to loopback (emulators) only."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        if not parts.hostname:
            raise ConfigurationError(f"URL {url!r} has no host")
        return
    if parts.scheme == "http":
        if is_loopback_host(parts.hostname):
            return
        raise ConfigurationError(
            f"refusing plain http:// to {parts.hostname!r}: credentials are only sent over https "
            "(http is allowed to loopback addresses such as 127.0.0.1, for emulators)"
        )
    raise ConfigurationError(f"URL {url!r} must start with https:// (or http:// to loopback)")


def network_proxy(base_url: str, configured: SecretStr | None) -> str | None:
    """The proxy for requests to ``base_url``: the setting, else the standard environment
    variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, honouring ``NO_PROXY``).

    Loopback addresses (emulators) are never proxied, whatever the environment says.
    """
    host = urlsplit(base_url).hostname
    if is_loopback_host(host):
        return None
    if configured is not None:
        return configured.get_secret_value()
    found = requests.utils.get_environ_proxies(base_url)
    scheme = urlsplit(base_url).scheme
    return found.get(scheme) or found.get("all") or None


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
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_url_security(base_url)
        self.provider = provider
        self.base_url = base_url.rstrip("/") + "/"
        self._auth_headers = dict(auth_headers or {})
        for value in self._auth_headers.values():
            register_secret(value)
            # "Bearer xyz" style: also mask the bare token
            register_secret(value.split(" ", 1)[-1])
        self._default_headers = dict(default_headers or {})
        self._proxies = {"http": proxy, "https": proxy} if proxy else {}
        if proxy:
            register_secret(proxy)  # it may carry user:password
            password = urlsplit(proxy).password
            if password:
                register_secret(password)
        self._verify = verify
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
            adapter = requests.adapters.HTTPAdapter(
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
        if path.startswith(("http://", "https://")):
            return path
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
        if not url.startswith(self.base_url):  # the base URL was checked once, up front
            check_url_security(url)
        started = self._clock()
        deadline = None if self.timeouts.total is None else started + self.timeouts.total
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
            response, outcome, cause = self._attempt(
                request, url, headers, (connect_timeout, read_timeout)
            )
            latency = self._clock() - sent_at
            self._log(request, attempt, response, outcome, latency)
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
            if response is not None:
                lowered = {k.lower(): v for k, v in response.headers.items()}
                return VendorResponse(
                    status=response.status_code,
                    headers=lowered,
                    body=response.content,
                    request_id=self._request_id(lowered),
                    elapsed=self._clock() - started,
                    attempts=attempt,
                    method=request.method,
                    path=request.path_template or request.path,
                )
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
    ) -> tuple[requests.Response | None, Outcome, BaseException | None]:
        body: bytes | None = request.data
        if request.has_json:
            body = json.dumps(request.json, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            session = self._session()
            # Prepared here rather than by Session.request: nothing of the session's state is
            # wanted (no cookies, auth or environment settings: trust_env is off), and skipping
            # its merging is a tenth of a millisecond per call.
            prepared = requests.PreparedRequest()
            prepared.prepare(
                method=request.method,
                url=url,
                headers={**session.headers, **headers},
                data=body,
                params=request.query,
            )
            response = session.send(prepared, timeout=timeout, allow_redirects=False)
            # Read the body inside the try: a reset while streaming it is still ambiguous.
            _ = response.content
        except requests.exceptions.SSLError as exc:
            return None, Fatal(f"TLS error: {type(exc).__name__}"), exc
        except requests.exceptions.ConnectTimeout as exc:
            return None, NotSent("connect timeout"), exc
        except requests.exceptions.ReadTimeout as exc:
            return None, Ambiguous("read timeout"), exc
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidHeader,
        ) as exc:
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                return None, NotSent("connection failed"), exc
            return None, Ambiguous("connection lost after sending"), exc
        except requests.exceptions.RequestException as exc:
            return None, Ambiguous(f"transport error: {type(exc).__name__}"), exc
        retry_after = None
        if response.status_code in (429, 503):
            retry_after = self._retry_after({k.lower(): v for k, v in response.headers.items()})
        return response, GotResponse(response.status_code, retry_after), None

    def _request_id(self, lowered: Mapping[str, str]) -> str | None:
        """The vendor's request id from response headers whose names are lower-cased."""
        for name in self._request_id_headers:
            if lowered.get(name):
                return lowered[name]
        return None

    def _log(
        self,
        request: VendorRequest,
        attempt: int,
        response: requests.Response | None,
        outcome: Outcome,
        latency: float,
    ) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        if response is not None:
            log.info(
                "%s %s -> %d in %.0fms (attempt %d, request id %s)",
                self.provider,
                request.describe(),
                response.status_code,
                latency * 1000,
                attempt,
                self._request_id({k.lower(): v for k, v in response.headers.items()}) or "-",
            )
        else:
            log.info(
                "%s %s -> no answer: %s after %.0fms (attempt %d)",
                self.provider,
                request.describe(),
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
                f"{request.describe()} failed after {attempts} attempt(s): {decision.reason} "
                f"(the request {what})",
                provider=self.provider,
                operation=operation,
                retryable=not isinstance(outcome, Fatal),
                outcome_unknown=decision.outcome_unknown,
            )
        if cause is not None:
            error.__cause__ = _scrubbed(cause)
        return error


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
