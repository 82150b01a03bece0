"""Shared HTTP for every provider, sent through urllib3's connection pools directly.

It owns one set of keep-alive connection pools per provider instance, shared by its threads
(:mod:`walletpass.pools`: TLS, proxies), bounds every socket operation by the call's deadline,
reads answers within the maximum answer size, waits and takes rate-limit slots, and translates
every urllib3 failure into what the attempt came to (:mod:`walletpass.exchange`). ``requests``'
session and adapter cost more per call than all of walletpass's own work; what they decided (the
headers they added, the query's encoding, TLS, proxies) is decided here the same way. Every
other decision (the URL by the one URL parser, headers, deadline, retries, the answer or the
walletpass error, redaction) is :mod:`walletpass.sending`'s, shared with the async transport
(``walletpass.aio``). Providers describe requests (:class:`VendorRequest`) and read answers
(:class:`VendorResponse`); they never see urllib3 types.

urllib3 is loaded with the first transport, not by ``import walletpass``: a program that only
uses the fake never loads the HTTP stack.
"""

from __future__ import annotations

import functools
import os
import platform
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urlencode

from pydantic import SecretStr

from walletpass import forks
from walletpass._version import __version__
from walletpass.bounds import DEFAULT_MAX_ANSWER_BYTES
from walletpass.codings import ACCEPT_ENCODING
from walletpass.errors import ConfigurationError, RateLimited
from walletpass.outcomes import note_dispatch, note_waiting
from walletpass.ratelimit import Limiter
from walletpass.redaction import register_secret
from walletpass.retry import RetryPolicy, Safety
from walletpass.sending import (
    DEFAULT_REQUEST_ID_HEADERS,
    NO_BODY,
    Attempted,
    BaseTransport,
    Call,
    Timeouts,
    VendorRequest,
    VendorResponse,
    check_url_security,
    shown,
)
from walletpass.urls import Endpoint, UrlError, is_loopback_host, parse_url

if TYPE_CHECKING:
    from walletpass.pools import Pools

__all__ = [
    "DEFAULT_REQUEST_ID_HEADERS",
    "NO_BODY",
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
        import requests.utils  # its reading of NO_PROXY (CIDR, ports), once per provider

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
    parts.append(http_stack())
    if app_info:
        parts.append(app_info)
    return " ".join(parts)


def http_stack() -> str:
    """The HTTP stack that sends, as the User-Agent names it: ``urllib3/<version>``, read from
    its installed metadata (importing urllib3 to ask would load it into async programs, which
    never send through it)."""
    from importlib.metadata import version

    return f"urllib3/{version('urllib3')}"


def query_string(query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> str:
    """The query as vendors read it, encoded as ``requests`` encoded ``params``: a boolean is
    ``true`` / ``false`` (the JSON spelling, not Python's ``True``), a list or tuple gives the
    name once per value, ``None`` is left out, other values are their text; form-encoded
    (``+`` for a space)."""
    if not query:
        return ""
    items = query.items() if isinstance(query, Mapping) else query
    pairs: list[tuple[str | bytes, str | bytes]] = []
    for key, value in items:
        values: Iterable[Any] = value if _is_many(value) else (value,)
        for one in values:
            if one is None:
                continue
            if isinstance(one, bool):
                pairs.append((key, "true" if one else "false"))
            else:
                pairs.append((key, one if isinstance(one, str | bytes) else str(one)))
    return urlencode(pairs)


def _is_many(value: Any) -> bool:
    return hasattr(value, "__iter__") and not isinstance(value, str | bytes | Mapping)


# Header fields as RFC 9110 defines them (a token for the name; visible ASCII, spaces and tabs
# inside, for the value). Stricter than the HTTP stack, which would send a NUL, a character
# beyond ASCII (read differently by different servers) or edge whitespace (dropped by the
# server's parser): each would reach the vendor altered, or not at all.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"(?:[!-~](?:[\t -~]*[!-~])?)?")


class Prepared(NamedTuple):
    """A request as it goes on the wire: where to, and the target (path and query), headers
    and body sent there. (A named tuple: one is made per call, and a frozen dataclass sets
    each field through ``object.__setattr__``.)"""

    endpoint: Endpoint
    method: str
    target: str
    headers: dict[str, str]
    body: bytes | None


#: A :class:`Prepared` of its five fields as a tuple, made without the generated ``__new__``'s
#: frame (3.1 k -> 1.8 k instructions).
_new_prepared = functools.partial(tuple.__new__, Prepared)


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
        if proxy:
            register_secret(proxy)  # it may carry user:password
            userinfo = parse_url(proxy, proxy=True).userinfo
            if userinfo:
                password = userinfo.partition(":")[2]
                for secret in (userinfo, password, unquote(userinfo), unquote(password)):
                    register_secret(secret)
        #: The proxy URL (``None``: direct), the CA bundle (or ``True``: the default one) and
        #: the connections kept alive: the async transport connects as this one does.
        self.proxy = proxy
        self.verify = verify
        self.pool_size = pool_size
        self.rate_limiter = rate_limiter
        self._sleep = sleep
        #: What requests' session sent unless told otherwise (the User-Agent is ours).
        self._stack_headers = {
            "user-agent": ("User-Agent", self.user_agent),
            "accept-encoding": ("Accept-Encoding", ACCEPT_ENCODING),
            "accept": ("Accept", "*/*"),
            "connection": ("Connection", "keep-alive"),
        }
        # Header sets already merged and found sendable, by the call's headers (bounded: a
        # value that differs on every call, an idempotency key say, is checked every time once
        # the bound is reached).
        self._header_sets: dict[tuple[Any, ...], tuple[dict[str, str], str, bool]] = {}
        self._origin_slash = self.endpoint.origin + "/"
        self._pool_settings: dict[str, Any] = {"size": pool_size, "proxy": proxy, "verify": verify}
        self.after_fork_in_child()
        self._closed = False
        forks.register(self)

    # -- connections ----------------------------------------------------------------------

    def after_fork_in_child(self) -> None:
        """No connections yet (and, in a forked child, none of the parent's: its pooled sockets
        are the parent's connections; they are left open for it)."""
        self._pools: Pools | None = None
        self._opening = threading.Lock()

    def _open(self) -> Pools:
        """The connection pools, made by the first send (before its call's clock starts), and
        urllib3 loaded with them: the async API follows this transport's rules and never sends
        through it, so it never loads urllib3 (issue 19: memory)."""
        with self._opening:
            if self._pools is None:
                from walletpass import exchange, pools

                self._exchange = exchange.exchange
                self._pools = pools.Pools(**self._pool_settings)
            return self._pools

    def close(self) -> None:
        """Close the connections; every later send, in any thread, is refused."""
        self._closed = True
        with self._opening:
            if self._pools is not None:
                self._pools.close()

    # -- sending ----------------------------------------------------------------------------

    def send(self, request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        """Send with retries; return the final answer (even an error status) or raise.

        Raises ``ProviderUnavailable`` for failures without an answer (``outcome_unknown`` set when
        the request may have taken effect), ``RateLimited`` when the client-side limiter cannot
        fit the request before the deadline, ``ConfigurationError`` for a forbidden URL.
        """
        pools = self._pools if self._pools is not None else self._open()
        call = self.begin(request, operation)
        prepared = self._prepare(call)
        while True:
            time_left = call.next_attempt()
            if self._closed:
                # Closed pools would silently reopen; refuse in every thread instead.
                raise ConfigurationError(
                    f"the {self.provider} provider was closed", provider=self.provider
                )
            release = None
            if self.rate_limiter is not None:
                note_waiting()  # a bulk run's item is known unsent while it waits here
                try:
                    release = self.rate_limiter.acquire(call.rate_key, max_wait=time_left)
                except RateLimited as exc:
                    raise call.limited(exc) from None
            try:
                note_dispatch()  # after the limiter: a bulk run records the item in flight here
                timeouts, deadline = call.window()
                answer, failure, cause = self._exchange(
                    pools,
                    prepared,
                    timeouts=timeouts,
                    deadline=deadline,
                    max_answer_bytes=self.max_answer_bytes,
                    late=self.late,
                )
            finally:
                if release is not None:
                    release()  # answered or abandoned: the vendor cannot count it any later
            attempted: Attempted
            if answer is not None:
                if 200 <= answer.status < 300:  # (nearly every call: no retry, no hold-off)
                    return call.succeeded(answer)
                attempted = self.answer_of(answer.status, answer.headers, answer.body)
            else:
                assert failure is not None
                attempted = None, failure, cause
            pause = call.pause_for(attempted)
            if pause is not None and self.rate_limiter is not None:
                # Everyone sharing the limiter (other threads, other processes) holds off too.
                self.rate_limiter.pause(call.rate_key, pause)
            step = call.settle(attempted)
            if isinstance(step, VendorResponse):
                return step
            self._sleep(step)

    def _prepare(self, call: Call) -> Prepared:
        """The call's request as it goes on the wire, built once for all its attempts.

        Raises:
            ConfigurationError: a header the wire cannot carry (named, its value not quoted):
                nothing is sent.
        """
        request = call.request
        if call.url.startswith(self._origin_slash):  # the base URL's host: connect where it said
            endpoint, target = self.endpoint, call.url[len(self._origin_slash) - 1 :]
        else:  # a vendor's absolute link, as the one parser read it
            endpoint = check_url_security(call.url)
            target = endpoint.target
        if request.query:  # (most requests have none)
            query = query_string(request.query)
            if query:
                target += ("&" if "?" in target else "?") + query
        # The same header set comes back on almost every call: merged and checked once. What
        # it is made of besides the request's own headers is fixed for the transport (its
        # User-Agent, default and credential headers), or decided by the request's kind.
        key = (request.expect == "json", request.json is not NO_BODY, *request.headers.items())
        try:
            known = self._header_sets.get(key)
        except TypeError:  # a value that is not text (unhashable): the check names it
            known = None
        if known is None:
            known = self._merged_headers(call)
            if len(self._header_sets) < 256:  # (bounded: a per-call value, an idempotency key)
                self._header_sets[key] = known  # (its values are text: it hashes)
        merged, length_name, length_given = known
        headers = dict(merged)
        body = request.body()
        # As requests did: the body's length, and 0 for a method that could carry one.
        if body is not None:
            headers[length_name] = str(len(body))
        elif request.method not in ("GET", "HEAD") and not length_given:
            headers["Content-Length"] = "0"
        return _new_prepared((endpoint, request.method, target, headers, body))

    def _merged_headers(self, call: Call) -> tuple[dict[str, str], str, bool]:
        """requests' session headers, then the call's (credentials last), names compared
        without case, the last value kept; the name the body's length goes under, and whether
        the call set one.

        Raises:
            ConfigurationError: a header the wire cannot carry (named, its value not quoted).
        """
        merged = dict(self._stack_headers)
        for name, value in call.headers.items():
            if (
                not isinstance(name, str)
                or not isinstance(value, str)
                or (not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(value))
            ):
                raise ConfigurationError(
                    f"{call.request.describe()}: the {name!r} header cannot be sent: HTTP "
                    "header values are visible ASCII, without line breaks or whitespace at "
                    "either end",
                    provider=self.provider,
                    operation=call.operation,
                )
            merged[name.lower()] = (name, value)
        length = merged.get("content-length")
        return (
            dict(merged.values()),
            length[0] if length else "Content-Length",
            length is not None,
        )
