"""Shared HTTP for every provider on ``requests``: with :mod:`walletpass.bounds` (its socket-level
helpers), the only module that imports ``requests``.

It owns one session (and connection pool) per provider instance, bounds every socket operation by
the call's deadline, reads answers within the maximum answer size, waits and takes rate-limit
slots, and translates every ``requests`` failure into what the attempt came to. Every decision
(the URL by the one URL parser, headers, deadline, retries, the answer or the walletpass error,
redaction) is :mod:`walletpass.sending`'s, shared with the async transport
(``walletpass.aio``). Providers describe requests (:class:`VendorRequest`) and read answers
(:class:`VendorResponse`); they never see ``requests`` types.
"""

from __future__ import annotations

import os
import platform
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import unquote

import requests
import requests.utils
import urllib3.exceptions
from pydantic import SecretStr
from urllib3.exceptions import NewConnectionError

from walletpass import forks
from walletpass._version import __version__
from walletpass.bounds import (
    DEFAULT_MAX_ANSWER_BYTES,
    AnswerTooLarge,
    BoundedAdapter,
    MalformedAnswer,
    deadline_scope,
    read_bounded,
)
from walletpass.errors import ConfigurationError, RateLimited
from walletpass.ratelimit import Limiter
from walletpass.redaction import register_secret
from walletpass.retry import Ambiguous, Fatal, NotSent, RetryPolicy, Safety
from walletpass.sending import (
    DEFAULT_REQUEST_ID_HEADERS,
    Attempted,
    BaseTransport,
    Timeouts,
    Unreadable,
    VendorRequest,
    VendorResponse,
    check_url_security,
    query_values,
    shown,
)
from walletpass.urls import UrlError, is_loopback_host, parse_url

__all__ = [
    "DEFAULT_REQUEST_ID_HEADERS",
    "RetryPolicy",
    "Safety",
    "Timeouts",
    "Transport",
    "VendorRequest",
    "VendorResponse",
    "ca_bundle_from_environment",
    "check_url_security",
    "is_loopback_host",
    "network_proxy",
    "shown",
]


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


class Transport(BaseTransport):
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
        super().__init__(
            provider=provider,
            base_url=base_url,
            auth_headers=auth_headers,
            default_headers=default_headers,
            timeouts=timeouts,
            policy=policy,
            user_agent=user_agent or default_user_agent(None, None, None),
            retry_after=retry_after,
            request_id_headers=request_id_headers,
            max_answer_bytes=max_answer_bytes,
            rng=rng,
            clock=clock,
        )
        self._proxies = {"http": proxy, "https": proxy} if proxy else {}
        if proxy:
            register_secret(proxy)  # it may carry user:password
            userinfo = parse_url(proxy, proxy=True).userinfo
            if userinfo:
                password = userinfo.partition(":")[2]
                for secret in (userinfo, password, unquote(userinfo), unquote(password)):
                    register_secret(secret)
        self._verify = verify
        #: The proxy URL (``None``: direct), the CA bundle (or ``True``: the default one) and
        #: the connections kept alive: the async transport connects as this one does.
        self.proxy = proxy
        self.verify = verify
        self.pool_size = pool_size
        self.rate_limiter = rate_limiter
        self._sleep = sleep
        self._pool_size = pool_size
        self.after_fork_in_child()
        self._closed = False
        forks.register(self)

    # -- session management ---------------------------------------------------------------

    def after_fork_in_child(self) -> None:
        """No sessions yet (and, in a forked child, none of the parent's: their pooled sockets
        are the parent's connections; they are left open for it)."""
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

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

    # -- sending ----------------------------------------------------------------------------

    def send(self, request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        """Send with retries; return the final answer (even an error status) or raise.

        Raises ``ProviderUnavailable`` for failures without an answer (``outcome_unknown`` set when
        the request may have taken effect), ``RateLimited`` when the client-side limiter cannot
        fit the request before the deadline, ``ConfigurationError`` for a forbidden URL.
        """
        call = self.begin(request, operation)
        while True:
            time_left = call.next_attempt()
            if self.rate_limiter is not None:
                try:
                    self.rate_limiter.acquire(call.rate_key, max_wait=time_left)
                except RateLimited as exc:
                    raise call.limited(exc) from None
            timeout = call.timeouts()
            attempted = self._attempt(
                request, call.url, call.headers, timeout, call.wire_deadline()
            )
            pause = call.pause_for(attempted)
            if pause is not None and self.rate_limiter is not None:
                # Everyone sharing the limiter (other threads, other processes) holds off too.
                self.rate_limiter.pause(call.rate_key, pause)
            step = call.settle(attempted)
            if isinstance(step, VendorResponse):
                return step
            self._sleep(step)

    def _attempt(
        self,
        request: VendorRequest,
        url: str,
        headers: Mapping[str, str],
        timeout: tuple[float, float],
        deadline: float | None,
    ) -> Attempted:
        body = request.body()
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
            prepared.prepare_url(url, query_values(request.query))
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
            return None, Unreadable(response.status_code, why), None
        except requests.exceptions.SSLError as exc:
            return None, Fatal(f"TLS error: {type(exc).__name__}"), exc
        except requests.exceptions.ConnectTimeout as exc:
            return None, NotSent(self.late("connect timeout", deadline)), exc
        except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError) as exc:
            if response is not None:
                response.close()
            return None, Ambiguous(self.late("read timeout", deadline)), exc
        except MalformedAnswer as exc:
            assert response is not None
            response.close()
            return None, Unreadable(response.status_code, exc.reason), None
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            # Raised choosing a connection for the prepared URL, before anything is sent.
            return None, Fatal(f"invalid request: {type(exc).__name__}"), exc
        except requests.exceptions.InvalidHeader as exc:
            # Headers were checked when preparing: this one is the answer's (conflicting
            # Content-Length values, say), which came after the request was sent.
            why = self.late(f"malformed answer: {type(exc).__name__}", deadline)
            return None, Ambiguous(why), exc
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                return None, NotSent(self.late("connection failed", deadline)), exc
            return None, Ambiguous(self.late("connection lost after sending", deadline)), exc
        except urllib3.exceptions.DecodeError as exc:
            assert response is not None
            response.close()
            return None, Unreadable(response.status_code, "its compressed body is corrupt"), exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            # (urllib3's own errors come from reading the body: a reset or a truncated answer.)
            if response is not None:
                response.close()
            why = self.late(f"transport error: {type(exc).__name__}", deadline)
            return None, Ambiguous(why), exc
        lowered = {k.lower(): v for k, v in response.headers.items()}
        return self.answer_of(response.status_code, lowered, content)


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
