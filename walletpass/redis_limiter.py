"""A rate limiter shared by every process that uses one vendor API key, kept in Redis.

Install with ``pip install walletpass[redis]`` and set the provider's ``rate_limit_backend`` to a
Redis URL (``redis://[:password@]host:port/db``, ``rediss://`` for TLS, ``unix:///path``). Every
walletpass process (gunicorn workers, Celery workers, several machines) configured with the same
backend and the same API key then shares one budget of the vendor's documented rate.

Vendors count requests when they *arrive*; walletpass can only decide when to *send*, and on a
busy machine (or network) a request can arrive later than one sent after it. So the two rules of
the in-process limiter (:mod:`walletpass.ratelimit`), here run atomically on the Redis server by
Lua scripts with the server's clock (no two processes take one place, and the clocks of the
machines running walletpass do not matter):

* **The window is the guarantee.** The vendor's "N per second" is N requests per window of
  ``N / rate`` seconds (1 s for Pass2U's 100/s). Every request takes a place in a shared window
  before it is sent and keeps it until it can no longer reach the vendor: while in flight, and
  after its answer (or after the transport gave up on it) until the earlier of that moment and
  its grant plus the *spread*, K = 4 mean deviations of recent grant-to-answer times (RFC 6298's
  estimator, kept in Redis by every process's answers); a request slower than the smoothed time
  plus that spread keeps its place until its answer. A request may go only while fewer than N
  places are held within the last window. Waiting callers queue first come, first served, each
  told when its own place frees.
* **The schedule paces.** GCRA (a token bucket kept as one timestamp) gives each caller a slot,
  spaced at the pace the window lets requests out (the window plus the time a place is held past
  its grant, over N), so that callers rarely wait on the window; a vendor's ``Retry-After``
  moves the shared timestamp forward, so every process holds off, not only the one that was told.

What this guarantees: no window of the vendor's length holds more than N arrivals, provided that
(1) a request reaches the vendor, if at all, between its grant and its answer (or the moment the
transport gave up on it), and (2) among requests answered in their usual time, none reaches the
vendor more than the spread later, after its grant, than another does. (1) alone covers every
request that was slow to be answered; (2) is what lets a place end before its answer plus a
window, which is where the throughput comes from (with (1) alone a place lasts a whole round trip
longer). A process that dies with requests in flight holds their places as long as those could
still reach the vendor: their attempt's time (the provider's connect and read timeouts) plus one
window from their grant (:func:`walletpass.ratelimit.in_flight_lease`).
The guarantee is for a per-second window, sliding or fixed (a fixed second is one such window);
a vendor enforcing a token bucket with a smaller burst than its per-second figure would need the
schedule alone to hold it, which arrival jitter can defeat (Pass2U documents only "100 requests
per second per API key").

The Redis keys are ``walletpass:ratelimit:<provider>:<digest>:<rate key>`` (the schedule) and
``...:window``, ``...:queue``, ``...:latency`` and ``...:hold`` (the end of a vendor's pause)
beside it, where the digest is a SHA-256 of the provider's credentials: never the API key itself.

When Redis cannot be reached (or answers with an error), the limiter never sends more than it may:

* with ``rate_limit_workers = N`` it falls back to an in-process share, ``per window // N``
  requests in every window of the vendor's length (so N processes together stay under the
  vendor's rate), after one window (the shared window's last places leave the vendor's), logs a
  warning once per outage, and tries Redis again every few seconds. Processes return to Redis
  one by one, so one back (or one finding Redis restarted, its mark gone) opens a *recovery
  period* in which every process keeps to its share as well as to the shared window, until the
  last one's share sends have left the vendor's window (docs/scale.md, "When Redis is
  unreachable");
* without it, it fails closed: the call raises :class:`~walletpass.errors.ProviderUnavailable`
  (``retryable``, nothing was sent).
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.connection import Connection, SSLConnection, UnixDomainSocketConnection, parse_url
from redis.retry import Retry

from walletpass.errors import ConfigurationError, ProviderUnavailable, RateLimited
from walletpass.ratelimit import (
    SPREAD_DEVIATIONS,
    RateLimiter,
    Release,
    check_rate,
    in_flight_lease,
)
from walletpass.redaction import masked_logger, redact_text, register_secret
from walletpass.transport import is_loopback_host

__all__ = ["SCRIPTS", "Plan", "RedisLimiter", "Script", "check_url"]

log = masked_logger("walletpass.ratelimit")

# The schedule (GCRA) spaces the slots; the window (a sorted set) is the guarantee. Both run in the
# Redis server with its clock (microseconds), so no two processes take one slot and the clocks of
# the machines running walletpass do not matter. See the module doc for the rule.

# KEYS[1]: the theoretical arrival time (TAT) of the next request; KEYS[2]: the latency estimate;
# KEYS[3]: the server's mark for this key (absent: a server that restarted or was flushed, or the
# key's first use); KEYS[4]: the end of a recovery period (µs): processes may still be sending on
# their fallback share, unseen by the window. ARGV: the vendor's window (µs), requests per window,
# burst, largest acceptable wait (µs; negative: unbounded), K, the recovery period (µs; 0: no
# fallback, nothing to recover from), 1 when the caller is back from its own fallback. Returns
# {taken (0/1), wait in µs until the caller's slot, the slot (µs; '' when not taken), µs of the
# recovery period left (0: none)}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local recovery = tonumber(ARGV[6])
local recovering = 0
if recovery > 0 then
  -- Sends made on a fallback share are in no window here: while some process may still be
  -- making them (it tries Redis again on its own schedule), everyone keeps to its share too.
  if ARGV[7] == '1' or redis.call('EXISTS', KEYS[3]) == 0 then
    local until_ = now + recovery
    if until_ > (tonumber(redis.call('GET', KEYS[4]) or '') or 0) then
      redis.call('SET', KEYS[4], string.format('%d', until_), 'PX', math.ceil(recovery / 1000))
    end
  end
  redis.call('SET', KEYS[3], '1', 'PX', 86400000)
  local ends = tonumber(redis.call('GET', KEYS[4]) or '') or 0
  if ends > now then recovering = ends - now end
end
local window = tonumber(ARGV[1])
local per_window = tonumber(ARGV[2])
local stats = redis.call('HMGET', KEYS[2], 'srtt', 'rttvar')
local srtt = tonumber(stats[1]) or 0
local spread = (tonumber(stats[2]) or 0) * tonumber(ARGV[5])
-- slots at the pace the window lets requests out: each holds its place for the window plus
-- the time it is counted past its grant (see _END)
local interval = (window + math.min(srtt, spread)) / per_window
local tolerance = (tonumber(ARGV[3]) - 1) * interval
local max_wait = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if max_wait >= 0 and wait > max_wait then return {0, math.floor(wait), '', recovering} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, math.floor(wait), string.format('%d', now + wait), recovering}
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

# KEYS[1]: the window: one member per request, scored by the latest moment it may reach the vendor
# (in flight: its grant plus the lease). KEYS[2]: the callers waiting for a place, first come
# first served (scored by when they first asked), so that each is told when *its* place frees
# rather than all waking for the next one. KEYS[3]: the end of the vendor's pause (µs; _PAUSE):
# no place is given inside it, even to a caller that passed the schedule before it was announced
# (it keeps its turn in the queue). ARGV: requests per window, the window (µs), the lease (µs), the
# caller's unique name, the pace (µs). Returns {0, member} when the request may go now, else {µs
# to wait, ''}.
_BEGIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_window = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now - window))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - lease))
local hold = tonumber(redis.call('GET', KEYS[3]) or '')
if hold and hold > now then
  redis.call('ZADD', KEYS[2], 'NX', now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], math.ceil(lease / 1000) + 1000)
  return {math.max(1, math.floor(hold - now)), ''}
end
local ahead = redis.call('ZRANK', KEYS[2], ARGV[4]) or redis.call('ZCARD', KEYS[2])
local held = redis.call('ZCARD', KEYS[1])
if held + ahead < per_window then
  redis.call('ZREM', KEYS[2], ARGV[4])
  local member = string.format('%d', now) .. ':' .. ARGV[4]
  redis.call('ZADD', KEYS[1], now + lease, member)
  redis.call('PEXPIRE', KEYS[1], math.ceil((window + lease) / 1000) + 1000)
  return {0, member}
end
redis.call('ZADD', KEYS[2], 'NX', now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], math.ceil(lease / 1000) + 1000)
-- this caller goes when the place of the (held + ahead - per_window)-th oldest request frees
local index = held + ahead - per_window
local frees = tonumber(redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')[2] or now)
if frees > now then  -- that request is still in flight: ask again in one pace
  return {math.max(1, tonumber(ARGV[5])), ''}
end
return {math.max(1, math.floor(frees + window - now)), ''}
"""

# KEYS[1]: the schedule's TAT; KEYS[2]: the latency estimate. ARGV: the slot a caller gave up
# before using it (µs), the vendor's window (µs), requests per window, K. While that slot is
# still ahead, the schedule moves back by one interval (as _ACQUIRE spaces them), so the callers
# after it are not pushed back for a request never sent.
_UNSLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if tonumber(ARGV[1]) <= now then return 0 end
local stats = redis.call('HMGET', KEYS[2], 'srtt', 'rttvar')
local spread = (tonumber(stats[2]) or 0) * tonumber(ARGV[4])
local gap = (tonumber(ARGV[2]) + math.min(tonumber(stats[1]) or 0, spread)) / tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '')
if tat == nil or tat - gap < now then return 0 end
redis.call('SET', KEYS[1], string.format('%d', tat - gap), 'PX',
           math.ceil((tat - gap - now) / 1000) + 1000)
return 1
"""

# KEYS[1]: the queue of _BEGIN. ARGV: the caller's name. A caller that gives up leaves it.
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1]: the window; KEYS[2]: the latency estimate (RFC 6298's smoothed round trip and mean
# deviation, of grant-to-answer times). ARGV: the member _BEGIN gave, K. The request's place in
# the window ends at the earlier of its answer (it cannot reach the vendor after that) and its
# grant plus the spread of grant-to-answer times (K mean deviations, this answer counted); a
# request slower than usual (longer than the smoothed time plus that spread) keeps its place
# until its answer.
_END = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local granted = tonumber(string.match(ARGV[1], '^(%d+):'))
local took = now - granted
local stats = redis.call('HMGET', KEYS[2], 'srtt', 'rttvar')
local srtt = tonumber(stats[1])
local rttvar = tonumber(stats[2])
local until_ = now
if srtt == nil or rttvar == nil then
  srtt = took
  rttvar = took / 2
else
  rttvar = rttvar + (math.abs(srtt - took) - rttvar) / 4
  local spread = tonumber(ARGV[2]) * rttvar
  if took <= srtt + spread then until_ = math.min(now, granted + spread) end
  srtt = srtt + (took - srtt) / 8
end
redis.call('HSET', KEYS[2], 'srtt', string.format('%d', srtt),
           'rttvar', string.format('%d', rttvar))
redis.call('PEXPIRE', KEYS[2], 600000)
redis.call('ZADD', KEYS[1], 'XX', 'LT', string.format('%d', until_), ARGV[1])
return 1
"""

#: The keys of _ACQUIRE, after the rate key's own name.
_ACQUIRE_KEYS = ("", ":latency", ":epoch", ":recovering")

#: The scripts by the name a plan's :class:`Script` step gives: one source for the blocking and the
#: asyncio clients (each registers them; Redis caches them by digest).
SCRIPTS = {
    "acquire": _ACQUIRE,
    "pause": _PAUSE,
    "held": _HELD,
    "begin": _BEGIN,
    "leave": _LEAVE,
    "unslot": _UNSLOT,
    "end": _END,
}


class Abandoned(Exception):
    """Thrown into a plan by its driver when the caller stops waiting (a cancelled task, an
    ``asyncio.timeout``, Ctrl-C): the plan gives back what it holds (its slot, its turn in the
    queue) with its last steps, then lets it through (see :func:`abandon`)."""


def abandon(plan: Plan[Any]) -> Plan[None]:
    """The steps that give back what ``plan`` holds, its caller gone: :class:`Abandoned` thrown
    in, its scripts run (their failures thrown back in: what they would give back then runs out
    with its lease), its waits skipped; ends when the plan does, however it ends."""
    answer: Any = None
    failure: BaseException | None = Abandoned()
    while True:
        try:
            step = plan.throw(failure) if failure is not None else plan.send(answer)
        except BaseException:  # (Abandoned let through, the plan's end, or its own error)
            return
        answer, failure = None, None
        if isinstance(step, Script):
            try:
                answer = yield step
            except redis.RedisError as exc:
                failure = exc


@dataclass(frozen=True, slots=True)
class Script:
    """A plan's step: run the script ``script`` (a name in :data:`SCRIPTS`) on the server."""

    script: str
    keys: list[str]
    args: list[Any]


_T = TypeVar("_T")
#: The limiter's algorithm as steps a driver carries out: a :class:`Script` to run (its answer
#: sent back in, a ``redis.RedisError`` thrown back in) or a wait in seconds (``time.sleep``, or
#: ``asyncio.sleep`` on a loop), as :meth:`walletpass.ratelimit.RateLimiter.admission` yields;
#: the plan's value is the outcome.
Plan = Generator[Script | float, Any, _T]

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
    Redis; ``attempt_time``: the longest an attempt may take to deliver its request (see
    :func:`walletpass.ratelimit.in_flight_lease`). Raises ``ConfigurationError`` for a malformed
    URL or a clear-text password to a remote host.
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
        attempt_time: float | None = None,
    ) -> None:
        check_rate(rate, burst)
        if fallback_workers is not None and fallback_workers < 1:
            raise ValueError("fallback_workers must be at least 1")
        if fallback_workers is not None and fallback_workers > max(burst, int(rate), 1):
            raise ConfigurationError(
                f"rate_limit_workers = {fallback_workers} is more processes than the vendor's "
                f"window holds requests ({max(burst, int(rate), 1)}): their shares could not "
                "add up to the vendor's rate; leave rate_limit_workers unset (fail closed while "
                "Redis is unreachable)",
                provider=provider,
            )
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
        self._scripts = {name: self._client.register_script(src) for name, src in SCRIPTS.items()}
        # The vendor's "N per second" as N requests per window: the per-second figure (or the
        # burst) over the window it fills at the rate (1 s for 100/s, 2 s for 0.5/s).
        self._per_window = max(burst, int(rate), 1)
        # (rounded up: a window shorter than the vendor's, by even a microsecond, holds one more)
        self._window_us = math.ceil(1_000_000 * self._per_window / self.rate)
        self._clock = clock
        self._sleep = sleep
        # A request with no answer (its process killed mid-request) holds its place as long as
        # it could still reach the vendor (see walletpass.ratelimit.in_flight_lease).
        self._lease_us = int(1_000_000 * in_flight_lease(attempt_time, self._window_us / 1e6))
        self._fallback = (
            fallback_limiter(
                self._per_window,
                self._window_us / 1_000_000,
                fallback_workers,
                clock=clock,
                sleep=sleep,
            )
            if fallback_workers
            else None
        )
        #: How long after a process is back on Redis (or finds it restarted) every process keeps
        #: to its fallback share as well (µs): until the last process still sending on its share
        #: has tried Redis again (each does within RECONNECT_INTERVAL plus a timed-out call and
        #: the call that finds it back) and its last sends on it have left the vendor's window.
        self._recovery_us = (
            int(1_000_000 * (RECONNECT_INTERVAL + 2 * timeout) + self._window_us)
            if self._fallback is not None
            else 0
        )
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_since = 0.0
        self._down_reason: str | None = None
        self._url = url
        self._timeout = timeout

    # -- the Limiter interface -------------------------------------------------------------

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> Release | None:
        """Block until this process's request may be sent (see ``walletpass.ratelimit.Limiter``).

        Returns the call to make once the request is answered or abandoned (its place in the
        shared window then ends sooner than its lease); while Redis is unreachable (also when it
        went away after this caller's slot, before its place in the window), the fallback's
        release (the in-process window).
        Raises ``RateLimited`` when the shared next slot, or room in the window, is more than
        ``max_wait`` seconds away (nothing taken), ``ProviderUnavailable`` when Redis is
        unreachable and there is no fallback (nothing sent, retryable).
        """
        taken = self._drive(self.acquire_plan(key, max_wait))
        if not isinstance(taken, _Place):
            return taken
        return lambda: self._drive(self.end_plan(taken))

    def pause(self, key: str, seconds: float) -> None:
        """Hold every process sharing the key for ``seconds`` (the vendor's ``Retry-After``).

        Never raises: with Redis unreachable, only this process's fallback is paused.
        """
        self._drive(self.pause_plan(key, seconds))

    def close(self) -> None:
        self._client.close()

    def for_asyncio(self) -> Any:
        """This limiter on the event loop (:class:`walletpass.aio.redis_limiter.AsyncRedisLimiter`:
        the same scripts, keys, fallback and outage state, over ``redis.asyncio``)."""
        from walletpass.aio.redis_limiter import AsyncRedisLimiter

        return AsyncRedisLimiter(self)

    def __repr__(self) -> str:
        return f"RedisLimiter({self.where}, rate={self.rate:g}/s, burst={self.burst})"

    def _drive(self, plan: Plan[_T]) -> _T:
        """Carry out ``plan`` with the blocking client: its scripts run, its waits slept."""
        answer: Any = None
        failure: redis.RedisError | None = None
        while True:
            try:
                step = plan.throw(failure) if failure is not None else plan.send(answer)
            except StopIteration as done:
                result: _T = done.value
                return result
            answer, failure = None, None
            try:
                if isinstance(step, Script):
                    answer = self._scripts[step.script](keys=step.keys, args=step.args)
                else:
                    self._sleep(step)
            except redis.RedisError as exc:
                failure = exc
            except BaseException:  # the caller stopped waiting (Ctrl-C): give back, then stop
                self._drive(abandon(plan))
                raise

    # -- the algorithm, as plans: steps a blocking or an asyncio client carries out -----------

    def acquire_plan(self, key: str, max_wait: float | None) -> Plan[_Place | Release]:
        """:meth:`acquire` as steps (:class:`Script` and waits); its value is the
        window place to end (:meth:`end_plan`) or the fallback's release. A driver
        throws a ``redis.RedisError`` a script raised back into the plan."""
        deadline = None if max_wait is None else self._clock() + max_wait
        while True:
            if not self._reachable():
                return (yield from self._fallback_plan(key, deadline))
            left = None if deadline is None else max(0.0, deadline - self._clock())
            limit = -1 if left is None else int(left * 1_000_000)
            returning = self._down_reason is not None
            try:
                taken, wait_us, slot, recovering = yield Script(
                    "acquire",
                    [f"{self._key(key)}{part}" for part in _ACQUIRE_KEYS],
                    [
                        *(self._window_us, self._per_window, self.burst, limit),
                        *(SPREAD_DEVIATIONS, self._recovery_us, int(returning)),
                    ],
                )
            except redis.RedisError as exc:
                self._went_down(exc)
                return (yield from self._fallback_plan(key, deadline))
            self._came_back()
            wait = int(wait_us) / 1_000_000
            if not int(taken):
                raise RateLimited(
                    f"shared rate limit: the next slot is {wait:.2f}s away, past the deadline",
                    provider=self.provider,
                    retry_after=wait,
                )
            try:
                if wait > 0:
                    yield wait
                inside = yield from self._inside_pause(key, slot)
            except Abandoned:
                yield from self._unslot(key, slot)
                raise
            if inside is None:  # Redis went away after the slot: see below
                return (yield from self._fallback_plan(key, deadline))
            if not inside:
                break
            # A Retry-After reached some process while this caller slept: its slot lies inside
            # the vendor's pause, so it takes a new one, which pause() moved past the pause
            # (waking every such caller at the pause's end would send them all at once).
        share: Release | None = None
        if int(recovering) and self._fallback is not None:
            # Other processes may still be sending on their fallback shares, which no window
            # here counts: this one keeps to its share as well (its own fallback sends, and
            # those it makes now, are in that share's window).
            share = yield from self._fallback.admission(key, max_wait=_left(deadline, self._clock))
        try:
            place = yield from self._begin(key, deadline)
        except BaseException:
            if share is not None:
                share()
            raise
        if place is None:
            # Redis went away after the slot, before the place: the slot only paces, and the
            # window may be full of other processes' requests still reaching the vendor, so
            # this caller waits as every fallback caller does (or fails closed).
            if share is not None:
                share()
            return (yield from self._fallback_plan(key, deadline))
        place.share = share
        return place

    def _unslot(self, key: str, slot: bytes) -> Plan[None]:
        """Give the schedule back the slot (the server's µs) of a caller that stopped waiting
        for it, if it is still ahead."""
        try:
            yield Script(
                "unslot",
                [self._key(key), self._key(key) + ":latency"],
                [slot, self._window_us, self._per_window, SPREAD_DEVIATIONS],
            )
        except redis.RedisError as exc:
            self._went_down(exc)

    def _inside_pause(self, key: str, slot: bytes) -> Plan[bool | None]:
        """Whether the slot (the server's µs) lies inside a vendor's pause (``Retry-After``) for
        ``key`` announced since it was given; ``None`` when Redis fails now."""
        try:
            return bool((yield Script("held", [self._key(key) + ":hold"], [slot])))
        except redis.RedisError as exc:
            self._went_down(exc)
            return None

    def _begin(self, key: str, deadline: float | None) -> Plan[_Place | None]:
        """Take a place in the shared window, waiting while it is full; the place to end, or
        ``None`` when Redis fails meanwhile.

        The schedule spaces the slots; the window is the guarantee. A caller that woke up late
        for its slot (a busy machine, a paused process) would otherwise send among the callers
        of later slots, and the vendor's window, which counts arrivals, would hold one too many.
        """
        name = uuid.uuid4().hex
        try:
            return (yield from self._enter(key, deadline, name))
        except Abandoned:
            # Stopped waiting for a place: its turn in the queue is given up, so the callers
            # behind it are not held back for a request never sent.
            yield from self._leave(key, name)
            raise

    def _leave(self, key: str, name: str) -> Plan[None]:
        """Take the caller ``name`` out of the queue for ``key``'s window."""
        try:
            yield Script("leave", [self._key(key) + ":queue"], [name])
        except redis.RedisError as exc:
            self._went_down(exc)  # its turn runs out with the lease

    def _enter(self, key: str, deadline: float | None, name: str) -> Plan[_Place | None]:
        """:meth:`_begin`'s loop: ask for a place, wait, ask again."""
        window = self._key(key) + ":window"
        queue = self._key(key) + ":queue"
        pace = self._window_us // self._per_window
        lease = self._lease_us
        while True:
            try:
                wait_us, member = yield Script(
                    "begin",
                    [window, queue, self._key(key) + ":hold"],
                    [self._per_window, self._window_us, lease, name, pace],
                )
            except redis.RedisError as exc:
                self._went_down(exc)
                return None
            wait = int(wait_us) / 1_000_000
            if wait <= 0:
                return _Place(window, self._key(key) + ":latency", member)
            if deadline is not None and self._clock() + wait > deadline:
                yield from self._leave(key, name)
                raise RateLimited(
                    f"shared rate limit: the vendor's window leaves no room for {wait:.2f}s, "
                    "past the deadline",
                    provider=self.provider,
                    retry_after=wait,
                )
            yield wait

    def end_plan(self, place: _Place) -> Plan[None]:
        """End one request's place in the window, and in this process's share when it took one
        there too (once: a second call does nothing)."""
        if place.ended:
            return
        place.ended = True
        if place.share is not None:
            place.share()
        try:
            yield Script("end", [place.window, place.latency], [place.member, SPREAD_DEVIATIONS])
        except redis.RedisError as exc:
            # The place runs out with its lease: the window is only ever held longer.
            self._went_down(exc)

    def pause_plan(self, key: str, seconds: float) -> Plan[None]:
        """:meth:`pause` as steps."""
        if seconds <= 0:
            return
        if self._fallback is not None:
            self._fallback.pause(key, seconds)
        if not self._reachable():
            return
        try:
            yield Script(
                "pause",
                [self._key(key), self._key(key) + ":hold"],
                [int(seconds * 1_000_000), self._window_us // self._per_window, self.burst],
            )
        except redis.RedisError as exc:
            self._went_down(exc)

    def _fallback_plan(self, key: str, deadline: float | None) -> Plan[Release]:
        """This process's share of the rate, while Redis is unreachable: first one whole window
        after Redis was lost (the shared window's last places, which nothing here counts, leave
        the vendor's window meanwhile), then at ``rate / rate_limit_workers``."""
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
        with self._lock:
            lost_at = self._down_since
        wait = lost_at + self._window_us / 1_000_000 - self._clock()
        if wait > 0:
            if deadline is not None and self._clock() + wait > deadline:
                raise RateLimited(
                    f"shared rate limit: Redis is unreachable and this process may send on its "
                    f"share of the rate only {wait:.2f}s from now, past the deadline",
                    provider=self.provider,
                    retry_after=wait,
                )
            yield wait
        return (yield from self._fallback.admission(key, max_wait=_left(deadline, self._clock)))

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
            now = self._clock()
            self._down_until = now + RECONNECT_INTERVAL
            if first:
                self._down_since = now
            self._down_reason = reason
        if first:
            fallback = (
                f"each process now sends at most {self._fallback.rate:g}/s "
                f"(rate_limit / rate_limit_workers = {self.rate:g} / {self.fallback_workers}), "
                "after one window of the vendor's"
                if self._fallback is not None
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


@dataclass(slots=True)
class _Place:
    """One request's place in the shared window (the member _BEGIN gave), to end once."""

    window: str
    latency: str
    member: Any
    ended: bool = False
    #: Its place in this process's fallback share too, taken while processes may still be
    #: sending on theirs (a recovery period).
    share: Release | None = None


def fallback_limiter(
    per_window: int,
    window: float,
    workers: int,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> RateLimiter:
    """One process's share of a vendor window of ``per_window`` requests per ``window``
    seconds among ``workers`` processes: ``per_window // workers`` requests in every window of
    the vendor's own length, so that the shares add up to at most the vendor's figure in any of
    its windows (``rate / workers`` over a window of another length would not: 10/s among 4
    processes is 2 per 0.8 s each, up to 4 in one second). ``workers`` is at most
    ``per_window`` (checked by :class:`RedisLimiter`)."""
    share = max(1, per_window // workers)
    rate = share / window
    # (RateLimiter's window holds max(burst, int(rate)) requests: this share, over ``window``)
    return RateLimiter(rate, burst=1 if int(rate) == share else share, clock=clock, sleep=sleep)


def _left(deadline: float | None, clock: Callable[[], float]) -> float | None:
    return None if deadline is None else max(0.0, deadline - clock())


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
