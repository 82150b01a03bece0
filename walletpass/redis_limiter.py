"""A rate limiter shared by every process that uses one vendor API key, kept in Redis.

Install with ``pip install walletpass[redis]`` and set the provider's ``rate_limit_backend`` to a
Redis URL (``redis://[:password@]host:port/db``, ``rediss://`` for TLS, ``unix:///path``). Every
walletpass process (gunicorn workers, Celery workers, several machines) configured with the same
backend and the same API key then shares one budget of the vendor's documented rate.

The algorithm is GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp, the
"theoretical arrival time"), run atomically on the server by one Lua script with the server's
clock, so no two processes can take the same slot and clock skew between machines does not
matter. Each caller is given its own slot and sleeps until it; a vendor's ``Retry-After`` moves
the shared timestamp forward, so every process holds off, not only the one that was told.

The schedule spaces requests; a second script is the guarantee. Right before sending, a caller
records its send in a shared log (a sorted set, by the server's clock) and waits while the last
``SEND_WINDOW`` seconds already hold the vendor's per-second number of sends. Without it, a
caller that woke up late for its slot (a busy machine, a paused process) would send among the
callers of later slots, and the vendor's window would count one too many. What the log cannot
see is a request that *arrives* at the vendor later than one sent after it: ``SEND_WINDOW`` has a
small margin for that; a busy machine needs a larger one (a ``rate_limit`` a few percent under the
vendor's figure).

The Redis keys are ``walletpass:ratelimit:<provider>:<digest>:<rate key>`` (and ``...:sent``, the
log, and ``...:hold``, the end of a vendor's pause), where the digest is a SHA-256 of the
provider's credentials: never the API key itself.

When Redis cannot be reached (or answers with an error), the limiter never sends more than it may:

* with ``rate_limit_workers = N`` it falls back to an in-process limit of ``rate / N`` (so N
  processes together stay under the vendor's rate), logs a warning once per outage, and tries
  Redis again every few seconds;
* without it, it fails closed: the call raises :class:`~walletpass.errors.ProviderUnavailable`
  (``retryable``, nothing was sent).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection, parse_url
from redis.retry import Retry

from walletpass.errors import ConfigurationError, ProviderUnavailable, RateLimited
from walletpass.ratelimit import RateLimiter, check_rate
from walletpass.redaction import redact_text, register_secret
from walletpass.transport import is_loopback_host

__all__ = ["RedisLimiter", "check_url"]

log = logging.getLogger("walletpass.ratelimit")

# KEYS[1]: the theoretical arrival time (TAT, microseconds of the server clock) of the next request.
# ARGV: emission interval (µs), burst, largest acceptable wait (µs; negative: unbounded).
# Returns {taken (0/1), wait in µs until the caller's slot, the slot (µs; when taken)}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = (tonumber(ARGV[2]) - 1) * interval
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if max_wait >= 0 and wait > max_wait then return {0, math.floor(wait)} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, math.floor(wait), string.format('%d', now + wait)}
"""

# KEYS[1]: as above; KEYS[2]: the end of the vendor's pause (µs). ARGV: pause (µs), emission
# interval (µs), burst. Nobody's slot comes before now + pause, and a caller given an earlier slot
# finds the pause when it wakes (_HELD).
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1]) + (tonumber(ARGV[3]) - 1) * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if target > tat then
  redis.call('SET', KEYS[1], string.format('%d', target),
             'PX', math.ceil((target - now) / 1000) + 1000)
end
local hold = now + tonumber(ARGV[1])
if hold > (tonumber(redis.call('GET', KEYS[2]) or '') or 0) then
  redis.call('SET', KEYS[2], string.format('%d', hold), 'PX', math.ceil(tonumber(ARGV[1]) / 1000))
end
return 1
"""

# KEYS[1]: the end of the vendor's pause (µs). ARGV: a slot (µs). Returns 1 when the slot lies
# inside the pause.
_HELD = """
local hold = tonumber(redis.call('GET', KEYS[1]) or '')
if hold and hold > tonumber(ARGV[1]) then return 1 end
return 0
"""

# KEYS[1]: the log of actual sends (a sorted set scored by the server clock, µs). ARGV: how many
# sends a window may hold, the window (µs), this send's unique name. Returns 0 when the send was
# recorded, else the µs until the oldest send leaves the window.
_COMMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return math.max(1, math.floor(oldest + window - now))
"""

#: The window the log of actual sends is kept over, seconds: a vendor's "N per second" plus a
#: margin for requests that arrive at the vendor later than others sent after them.
SEND_WINDOW = 1.02

#: Seconds between attempts to reach Redis again while falling back.
RECONNECT_INTERVAL = 5.0


def check_url(url: str) -> None:
    """``ConfigurationError`` unless redis-py can read ``url`` (see :func:`_connection_options`)."""
    _connection_options(url)


def describe_url(url: str) -> str:
    """``url`` without credentials (``redis://host:port/db``); its password is registered as a
    secret. ``ConfigurationError`` for a URL redis-py cannot read or a password in clear to
    another machine; the URL's options are not checked against redis-py's connection (a Celery
    broker's URL carries kombu's options, which kombu reads)."""
    return _connection_options(url, check_options=False)[1]


def _connection_options(url: str, *, check_options: bool = True) -> tuple[dict[str, Any], str]:
    """redis-py's own reading of ``url`` (the one it connects with) and a description without
    credentials. Refuses a password sent in clear to a host that is not on this machine and, with
    ``check_options``, what :func:`_check_reading` refuses."""
    try:
        options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]  # untyped there
    except ValueError:
        # redis-py's message may quote the URL, password included.
        raise ConfigurationError(
            "rate_limit_backend must be a URL like redis://[:password@]host:port/db, "
            "rediss://... (TLS) or unix:///path/to/socket"
        ) from None
    if options.get("password"):  # a URL without one holds nothing to hide (and says where)
        register_secret(url)
        register_secret(options["password"])
    connection = options.get("connection_class")
    if check_options:
        _check_reading(url, options, connection or Connection)
    if connection is UnixDomainSocketConnection:
        return options, f"unix://{options.get('path')}"
    host = options.get("host", "localhost")
    where = f"{host}:{options.get('port', 6379)}/{options.get('db', 0)}"
    tls = connection is SSLConnection
    if options.get("password") and not tls and not is_loopback_host(host):
        raise ConfigurationError(
            f"refusing to send the Redis password in clear to {host!r}: use rediss:// (TLS) for a "
            "Redis server on another machine (redis:// is allowed to loopback addresses)"
        )
    return options, ("rediss://" if tls else "redis://") + where


def _check_reading(url: str, options: dict[str, Any], connection: type[Any]) -> None:
    """Refuse what redis-py would read loosely or only refuse at the first call: a path that is
    not a database number (``/1/2`` is read as db 12, ``/abc`` and ``/0/x`` as db 0: another
    account's budget, silently), and a query option its connection does not take (``?foo=1``,
    ``?ssl_cert_reqs=`` on ``redis://``: a ``TypeError`` from the first request)."""
    parsed = urlsplit(url)
    if parsed.scheme.lower() != "unix":
        db = unquote(parsed.path).removeprefix("/")
        if db and not (db.isascii() and db.isdigit()):
            raise ConfigurationError(
                "rate_limit_backend: the path of a redis:// or rediss:// URL is the database "
                "number (redis://host:port/0); it was not a number"
            )
    settings = {name: value for name, value in options.items() if name != "connection_class"}
    try:
        connection(**settings)  # builds the object only: no socket is opened
    except TypeError as exc:
        unknown = _UNKNOWN_OPTION.search(str(exc))
        raise ConfigurationError(
            "rate_limit_backend: the Redis client does not take the URL option "
            f"{unknown.group(1) if unknown else '(unknown)'!r}"
            + (" (TLS options need rediss://)" if connection is Connection else "")
        ) from None


_UNKNOWN_OPTION = re.compile(r"unexpected keyword argument '(\w+)'")


class RedisLimiter:
    """At most ``rate`` requests per second per key across every process sharing ``namespace``.

    ``url``: the Redis server (see the module doc); ``namespace``: the key prefix naming the vendor
    account (``walletpass:ratelimit:<provider>:<credential digest>``); ``fallback_workers``: when
    Redis is unreachable, send at ``rate / fallback_workers`` in this process (``None``: fail
    closed with ``ProviderUnavailable``); ``timeout``: seconds for connecting to and hearing from
    Redis. Raises ``ConfigurationError`` for a malformed URL or a clear-text password to a remote
    host.
    """

    def __init__(
        self,
        url: str,
        *,
        rate: float,
        burst: int = 1,
        namespace: str,
        provider: str,
        fallback_workers: int | None = None,
        timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check_rate(rate, burst)
        if fallback_workers is not None and fallback_workers < 1:
            raise ValueError("fallback_workers must be at least 1")
        options, self.where = _connection_options(url)
        self.rate = float(rate)
        self.burst = burst
        self.namespace = namespace
        self.provider = provider
        self.fallback_workers = fallback_workers
        pool = redis.ConnectionPool(
            **options,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # a failure falls back at once; callers retry
        )
        self._client = redis.Redis(connection_pool=pool)
        self._acquire_script = self._client.register_script(_ACQUIRE)
        self._pause_script = self._client.register_script(_PAUSE)
        self._held_script = self._client.register_script(_HELD)
        self._commit_script = self._client.register_script(_COMMIT)
        # The most sends one window may hold: the vendor's per-second figure (or the burst).
        self._per_window = max(burst, int(rate))
        # The schedule spaces slots at the pace the log allows (``per_window`` sends per
        # SEND_WINDOW), not at 1/rate: a schedule even 2% faster than the log gets ahead of it
        # by 20 ms a second, until every caller waits on the log and all of them wake together
        # for each send that leaves it (measured: ~5 log round trips per send in one process).
        self._interval_us = 1_000_000 * max(1 / self.rate, SEND_WINDOW / self._per_window)
        self._clock = clock
        self._sleep = sleep
        self._fallback = (
            RateLimiter(self.rate / fallback_workers, burst=1, clock=clock, sleep=sleep)
            if fallback_workers
            else None
        )
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_reason: str | None = None

    # -- the Limiter interface -------------------------------------------------------------

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
        """Block until this process's request may be sent (see ``walletpass.ratelimit.Limiter``).

        Raises ``RateLimited`` when the shared next slot is more than ``max_wait`` seconds away
        (nothing taken), ``ProviderUnavailable`` when Redis is unreachable and there is no
        fallback (nothing sent, retryable).
        """
        deadline = None if max_wait is None else self._clock() + max_wait
        while True:
            if not self._reachable():
                self._acquire_fallback(key, max_wait)
                return
            left = None if deadline is None else max(0.0, deadline - self._clock())
            limit = -1 if left is None else int(left * 1_000_000)
            try:
                taken, wait_us, *slot = self._acquire_script(
                    keys=[self._key(key)], args=[repr(self._interval_us), self.burst, limit]
                )
            except redis.RedisError as exc:
                self._went_down(exc)
                self._acquire_fallback(key, max_wait)
                return
            self._came_back()
            wait = int(wait_us) / 1_000_000
            if not int(taken):
                raise RateLimited(
                    f"shared rate limit: the next slot is {wait:.2f}s away, past the deadline",
                    provider=self.provider,
                    retry_after=wait,
                )
            if wait > 0:
                self._sleep(wait)
            if not self._inside_pause(key, slot[0]):
                break
            # A Retry-After reached some process while this caller slept: its slot lies inside
            # the vendor's pause, so it takes a new one, which pause() moved past the pause
            # (waking every such caller at the pause's end would send them all at once).
        self._commit(key, deadline)

    def _inside_pause(self, key: str, slot: bytes) -> bool:
        """Whether the slot (the server's µs) lies inside a vendor's pause (``Retry-After``) for
        ``key`` announced since it was given; ``False`` when Redis fails now: the slot was taken
        under the shared schedule, as in :meth:`_commit`."""
        try:
            return bool(self._held_script(keys=[self._key(key) + ":hold"], args=[slot]))
        except redis.RedisError as exc:
            self._went_down(exc)
            return False

    def _commit(self, key: str, deadline: float | None) -> None:
        """Record the send in the shared log, waiting while the last window is full.

        The schedule spaces the slots; the log is the guarantee. A caller that woke up late for
        its slot (a busy machine, a paused process) would otherwise send among the callers of
        later slots, and the vendor's window, which counts arrivals, would hold one too many.
        """
        name = f"{uuid.uuid4().hex}"
        while True:
            try:
                wait_us = self._commit_script(
                    keys=[self._key(key) + ":sent"],
                    args=[self._per_window, int(SEND_WINDOW * 1_000_000), name],
                )
            except redis.RedisError as exc:
                # The slot was taken under the shared schedule: send on it rather than fail.
                self._went_down(exc)
                return
            wait = int(wait_us) / 1_000_000
            if wait <= 0:
                return
            if deadline is not None and self._clock() + wait > deadline:
                raise RateLimited(
                    f"shared rate limit: the last second's sends leave no room for {wait:.2f}s, "
                    "past the deadline",
                    provider=self.provider,
                    retry_after=wait,
                )
            self._sleep(wait)

    def pause(self, key: str, seconds: float) -> None:
        """Hold every process sharing the key for ``seconds`` (the vendor's ``Retry-After``).

        Never raises: with Redis unreachable, only this process's fallback is paused.
        """
        if seconds <= 0:
            return
        if self._fallback is not None:
            self._fallback.pause(key, seconds)
        if not self._reachable():
            return
        try:
            self._pause_script(
                keys=[self._key(key), self._key(key) + ":hold"],
                args=[int(seconds * 1_000_000), repr(self._interval_us), self.burst],
            )
        except redis.RedisError as exc:
            self._went_down(exc)

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"RedisLimiter({self.where}, rate={self.rate:g}/s, burst={self.burst})"

    # -- outages ---------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def _reachable(self) -> bool:
        with self._lock:
            return self._clock() >= self._down_until

    def _went_down(self, exc: BaseException) -> None:
        reason = _failure(exc)
        with self._lock:
            first = self._down_reason is None
            self._down_until = self._clock() + RECONNECT_INTERVAL
            self._down_reason = reason
        if first:
            fallback = (
                f"each process now sends at most {self.rate / self.fallback_workers:g}/s "
                f"(rate_limit / rate_limit_workers = {self.rate:g} / {self.fallback_workers})"
                if self.fallback_workers
                else "calls fail (ProviderUnavailable) until it is back: set rate_limit_workers "
                "to fall back to a per-process share of the rate instead"
            )
            log.warning(
                "%s: the shared rate limiter at %s %s; %s",
                self.provider,
                self.where,
                reason,
                fallback,
            )

    def _came_back(self) -> None:
        if self._down_reason is None:
            return
        with self._lock:
            was, self._down_reason = self._down_reason, None
        if was is not None:
            log.warning("%s: the shared rate limiter at %s is back", self.provider, self.where)

    def _acquire_fallback(self, key: str, max_wait: float | None) -> None:
        if self._fallback is None:
            reason = self._down_reason or "is unreachable"
            remedy = (
                "Start Redis" if reason.startswith("is unreachable") else "Fix rate_limit_backend"
            )
            raise ProviderUnavailable(
                f"the shared rate limiter at {self.where} {reason}; nothing was sent. {remedy}, "
                "or set rate_limit_workers to fall back to a per-process share of the rate",
                provider=self.provider,
                retryable=True,
            )
        self._fallback.acquire(key, max_wait=max_wait)


def _failure(exc: BaseException) -> str:
    """What went wrong with Redis, as the rest of a sentence: a server that cannot be reached
    ("is unreachable (ConnectionError)") is told apart from one that refuses the limiter, which no
    restart mends (a wrong password, a database number past the server's ``databases``). The
    server's own words are kept for a refusal, masked: a connection error's text may quote the URL.
    """
    name = type(exc).__name__
    if isinstance(exc, redis.AuthenticationError):
        return f"refused the credentials of rate_limit_backend ({name})"
    if isinstance(exc, redis.ResponseError):
        said = " ".join(redact_text(str(exc)).split())[:160]
        return f"refused the limiter's commands ({name}: {said})"
    return f"is unreachable ({name})"
