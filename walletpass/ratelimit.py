"""Client-side rate limiting, so we stay under a vendor's documented rate instead of hitting 429s.

:class:`Limiter` is the interface the transport uses; :class:`RateLimiter` (in this process) is the
default implementation. One limiter belongs to one provider instance and is shared by all its
threads (``create_many`` workers included). Vendors that limit per endpoint and method (PassEntry)
get one budget per key. Waiting is bounded: a caller with a deadline is told how long it would
have to wait instead of being parked forever. A limiter shared by several processes
(:mod:`walletpass.redis_limiter`) implements the same interface and holds the same guarantee.

Vendors count requests when they *arrive*; a limiter can only decide when to *send*, and a request
can arrive later than one sent after it (a thread descheduled between its grant and the socket, a
busy network). A token bucket alone spaces the sends, not the arrivals: one process at Pass2U's
100/s, retries off, had 33 to 50 of 2,000 requests refused with 429 (docs/scale.md). So both
limiters follow two rules:

* **The window is the guarantee** (the *arrival rule*). The vendor's "N per second" is N requests
  per window of ``N / rate`` seconds. Every request takes a place in the window when it is
  granted and keeps it until it can no longer reach the vendor: while in flight, and after its
  answer (or after the transport gave up on it) until the earlier of that moment and its grant
  plus the *spread*, :data:`SPREAD_DEVIATIONS` mean deviations of recent grant-to-answer times
  (RFC 6298's estimator); a request slower than the smoothed time plus that spread keeps its place
  until its answer. A request may go only while fewer than N places are held within the last
  window.
* **The schedule paces**: a token bucket (bursts of ``burst``) spaces the grants at the pace the
  window lets requests out (the window plus the time a place is held past its grant, over N), so
  that callers rarely wait on the window; a vendor's ``Retry-After`` moves it past the pause for
  every caller sharing the limiter.

What this guarantees: no window of the vendor's length holds more than N arrivals, provided that
(1) a request reaches the vendor, if at all, between its grant and its answer (or the moment the
transport gave up on it), and (2) among requests answered in their usual time, none reaches the
vendor more than the spread later, after its grant, than another does. A request with no answer
keeps its place for the longest its attempt may take plus one window (:func:`in_flight_lease`:
a caller that never releases it, or a process that died with it in flight: the shared limiter).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from walletpass.accounts import credentials_digest
from walletpass.errors import ConfigurationError, RateLimited

__all__ = [
    "IN_FLIGHT_LEASE",
    "SPREAD_DEVIATIONS",
    "Limiter",
    "RateLimiter",
    "Release",
    "build_limiter",
    "check_backend_url",
    "check_rate",
    "in_flight_lease",
]

#: What :meth:`Limiter.acquire` may return: the call the transport makes once the request it
#: admitted is answered (or abandoned: a timeout, a reset), so a limiter counting requests until
#: the vendor may have seen them (:mod:`walletpass.redis_limiter`) can stop counting it sooner.
Release = Callable[[], None]

#: How long a request with no answer yet keeps its place in the window, seconds, when the
#: limiter is not told how long an attempt may take (``attempt_time``): longer than the default
#: connect and read timeouts, 5 + 30 s. A process that dies with a request in flight holds that
#: place this long (the shared limiter).
IN_FLIGHT_LEASE = 60.0


def in_flight_lease(attempt_time: float | None, window: float) -> float:
    """How long a request with no answer keeps its place after its grant, seconds: the longest
    its attempt may take to deliver it (``attempt_time``: the connect and read timeouts, past
    which the transport gives up on it) plus one window for the work between its grant and its
    first byte (the dispatch point's journal write); :data:`IN_FLIGHT_LEASE` when unknown."""
    return IN_FLIGHT_LEASE if attempt_time is None else attempt_time + window


#: How many mean deviations of the grant-to-answer time a request is assumed to reach the vendor
#: within, relative to the others (RFC 6298's K, for the same estimate).
SPREAD_DEVIATIONS = 4


@runtime_checkable
class Limiter(Protocol):
    """What the transport needs from a rate limiter; thread-safe.

    ``key`` names one of the vendor's limits (``VendorRequest.rate_key``; ``""``: the only one).
    """

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> Release | None:
        """Block until a request may be sent under the rate.

        Returns ``None``, or a :data:`Release` the caller calls once, when the request has been
        answered or abandoned. Raises ``RateLimited`` (taking nothing) when the wait would
        exceed ``max_wait`` seconds, ``ProviderUnavailable`` when a shared limiter cannot be
        reached and fails closed.
        """

    def pause(self, key: str, seconds: float) -> None:
        """The vendor asked us (``Retry-After``) to send nothing under ``key`` for ``seconds``:
        hold every caller sharing this limiter until then."""


def check_rate(rate: float, burst: int) -> None:
    """``ValueError`` unless ``rate`` (requests/second) is positive and ``burst`` at least 1."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if burst < 1:
        raise ValueError("burst must be at least 1")


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class _Place:
    """One request's place in the window."""

    granted: float
    #: The latest moment the request may reach the vendor (in flight: its grant plus the lease).
    end: float


@dataclass(slots=True)
class _Window:
    """The places held under one key, and the grant-to-answer estimate (RFC 6298)."""

    places: list[_Place] = field(default_factory=list)
    srtt: float | None = None
    rttvar: float = 0.0


class RateLimiter:
    """At most ``rate`` requests per second per key, by arrival (see the module doc): no window
    of ``max(burst, rate) / rate`` seconds holds more than ``max(burst, rate)`` of them, spaced by
    a token bucket with bursts of up to ``burst``.

    Raises ``ValueError`` for a rate that is not positive or a burst below 1.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempt_time: float | None = None,
    ) -> None:
        check_rate(rate, burst)
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        # key -> clock time until which the vendor asked for nothing (Retry-After)
        self._held_until: dict[str, float] = {}
        # The vendor's "N per second" as N requests per window: the per-second figure (or the
        # burst) over the window it fills at the rate (1 s for 100/s, 2 s for 0.5/s).
        self._per_window = max(burst, int(rate), 1)
        self._window = self._per_window / self.rate
        self._windows: dict[str, _Window] = {}
        self._lease = in_flight_lease(attempt_time, self._window)

    def _refilled(self, key: str) -> _Bucket:
        """The bucket of ``key`` with the tokens earned since it was last used (lock held)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        earned = (now - bucket.updated) * self._pace(key)
        bucket.tokens = min(float(self.burst), bucket.tokens + earned)
        bucket.updated = now
        return bucket

    def _pace(self, key: str) -> float:
        """The bucket's rate for ``key`` (lock held): the pace the window lets requests out, each
        place held for the window plus the time it is counted past its grant (the smaller of the
        smoothed grant-to-answer time and the spread), over N; so that callers rarely wait on
        the window. The rate itself until an answer is known."""
        window = self._windows.get(key)
        if window is None or window.srtt is None:
            return self.rate
        held = min(window.srtt, SPREAD_DEVIATIONS * window.rttvar)
        return self._per_window / (self._window + held)

    def reserve(self, key: str = "", *, max_wait: float | None = None) -> float:
        """Take a token now and return how long the caller must wait before using it.

        Raises ``RateLimited`` (taking nothing) when the wait would exceed ``max_wait``.
        """
        return self._take(key, max_wait)[0]

    def _take(self, key: str, max_wait: float | None) -> tuple[float, float]:
        """:meth:`reserve`, also returning the slot's time on the clock."""
        with self._lock:
            bucket = self._refilled(key)
            wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self._pace(key)
            if max_wait is not None and wait > max_wait:
                raise RateLimited(
                    f"client-side rate limit: the next slot is {wait:.2f}s away, past the deadline",
                    retry_after=wait,
                )
            bucket.tokens -= 1
            return wait, bucket.updated + wait

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> Release:
        """Block until a request may be sent under the rate, outside a vendor's pause, with a
        place in the window; return the :data:`Release` to call once it is answered or
        abandoned (its place then ends sooner than the lease).

        Raises ``RateLimited`` when that is more than ``max_wait`` seconds away.
        """
        # (closed when interrupted while it waits, Ctrl-C: its slot is given back)
        with contextlib.closing(self.admission(key, max_wait=max_wait)) as admission:
            while True:
                try:
                    wait = next(admission)
                except StopIteration as admitted:
                    release: Release = admitted.value
                    return release
                self._sleep(wait)

    def admission(
        self, key: str = "", *, max_wait: float | None = None
    ) -> Generator[float, None, Release]:
        """:meth:`acquire` as the waits it takes, for the caller to sleep (``time.sleep``, or
        ``await asyncio.sleep`` on an event loop); the generator's value is the release.

        Raises ``RateLimited`` (from the generator) when the slot, or a place in the window, is
        more than ``max_wait`` seconds away (a place refused leaves its slot unused). A caller
        that stops waiting closes the generator (or throws into it): a slot still ahead is
        given back to the schedule.
        """
        deadline = None if max_wait is None else self._clock() + max_wait
        yield from self.waits(key, max_wait=max_wait)
        while True:
            wait, place = self._enter_window(key)
            if place is not None:
                return _Release(self, key, place)
            if deadline is not None and self._clock() + wait > deadline:
                raise RateLimited(
                    f"client-side rate limit: the vendor's window leaves no room for {wait:.2f}s,"
                    " past the deadline",
                    retry_after=wait,
                )
            yield wait

    def _enter_window(self, key: str) -> tuple[float, _Place | None]:
        """A place in ``key``'s window now, or how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            # No place inside a vendor's pause, even for a caller whose slot came before it was
            # announced and who has waited for the window since.
            held_until = self._held_until.get(key, 0.0)
            if held_until > now:
                return held_until - now, None
            window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window()
            places = window.places
            if len(places) >= self._per_window:  # (bounded: forgotten once the window is full)
                horizon = now - self._window
                places[:] = [place for place in places if place.end >= horizon]
            if len(places) < self._per_window:
                place = _Place(now, now + self._lease)
                places.append(place)
                return 0.0, place
            # this caller goes when the place of the (held - N)-th oldest end frees
            frees = sorted(place.end for place in places)[len(places) - self._per_window]
            if frees > now:  # that request is still in flight: ask again in one pace
                return self._window / self._per_window, None
            return max(frees + self._window - now, 1e-6), None

    def _end(self, key: str, place: _Place) -> None:
        """The request on ``place`` was answered or abandoned: its place ends at the earlier of
        now and its grant plus the spread (this answer counted), unless it was slower than usual
        (see the module doc); the estimate learns its grant-to-answer time."""
        with self._lock:
            now = self._clock()
            window = self._windows[key]
            took = now - place.granted
            until = now
            if window.srtt is None:
                window.srtt, window.rttvar = took, took / 2
            else:
                window.rttvar += (abs(window.srtt - took) - window.rttvar) / 4
                spread = SPREAD_DEVIATIONS * window.rttvar
                if took <= window.srtt + spread:
                    until = min(now, place.granted + spread)
                window.srtt += (took - window.srtt) / 8
            place.end = min(place.end, until)

    def waits(self, key: str = "", *, max_wait: float | None = None) -> Iterator[float]:
        """The schedule's waits alone (the token bucket and a vendor's pause, without the
        window), for the caller to sleep: the slot is taken when the iterator ends.

        Raises ``RateLimited`` (from the iterator) when the slot is more than ``max_wait``
        seconds away.
        """
        deadline = None if max_wait is None else self._clock() + max_wait
        while True:
            wait, slot = self._take(
                key, None if deadline is None else max(0.0, deadline - self._clock())
            )
            if wait > 0:
                try:
                    yield wait
                except BaseException:  # the caller stopped waiting (cancelled, interrupted)
                    self._give_back(key, slot)
                    raise
            with self._lock:
                # (a microsecond's slack: a slot taken right after pause() is the pause's end)
                if slot + 1e-6 >= self._held_until.get(key, 0.0):
                    return
            # A Retry-After came while this caller slept: its slot lies inside the vendor's pause,
            # so it takes a new one, which pause() moved past it (waking all at the pause's end
            # would send them at once).

    def _give_back(self, key: str, slot: float) -> None:
        """A caller gave up the slot it was given for ``slot`` (clock time) before using it: the
        token returns to the bucket if that moment is still ahead, so the callers after it are
        not pushed back for a request never sent (the window still holds every request)."""
        with self._lock:
            bucket = self._refilled(key)
            if slot > bucket.updated:
                bucket.tokens = min(float(self.burst), bucket.tokens + 1)

    def pause(self, key: str, seconds: float) -> None:
        """Send nothing under ``key`` for ``seconds`` (the vendor's ``Retry-After``), not even on
        a slot handed out before."""
        if seconds <= 0:
            return
        with self._lock:
            bucket = self._refilled(key)
            # reserve() waits (1 - tokens) / rate: at least ``seconds`` from now.
            bucket.tokens = min(bucket.tokens, 1 - seconds * self._pace(key))
            # Callers already given a slot inside the pause see this when they wake (acquire).
            until = bucket.updated + seconds
            self._held_until[key] = max(until, self._held_until.get(key, 0.0))

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}/s, burst={self.burst})"


class _Release:
    """Ends one request's place in the window, once (calling it again does nothing)."""

    __slots__ = ("_key", "_limiter", "_place")

    def __init__(self, limiter: RateLimiter, key: str, place: _Place) -> None:
        self._limiter: RateLimiter | None = limiter
        self._key = key
        self._place = place

    def __call__(self) -> None:
        limiter, self._limiter = self._limiter, None
        if limiter is not None:
            limiter._end(self._key, self._place)


def build_limiter(
    *,
    provider: str,
    rate: float | None,
    burst: int,
    backend: str | None = None,
    credentials: Sequence[str] = (),
    fallback_workers: int | None = None,
    attempt_time: float | None = None,
) -> Limiter | None:
    """The limiter a provider's settings ask for: ``None`` without a rate, an in-process
    :class:`RateLimiter` without ``backend``, else a limiter shared through ``backend``.

    ``credentials``: the values of the provider's auth headers; a shared limiter is keyed by a
    digest of them (one vendor account, one budget), never by the values. ``attempt_time``: the
    longest an attempt may take to deliver its request, seconds (the connect and read timeouts):
    a request with no answer (its process killed) holds its place that long plus one window
    (:func:`in_flight_lease`). Raises
    ``ConfigurationError`` for an unknown backend scheme or one whose extra is not installed.
    """
    if not rate:
        return None
    if backend is None:
        return RateLimiter(rate, burst=burst, attempt_time=attempt_time)
    try:
        check_backend_url(backend)
    except ConfigurationError as exc:
        raise exc.with_context(provider=provider) from None
    try:
        from walletpass.redis_limiter import RedisLimiter
    except ImportError:
        raise ConfigurationError(
            "rate_limit_backend needs the Redis client: pip install 'walletpass[redis]'",
            provider=provider,
        ) from None
    digest = credentials_digest(credentials)
    try:
        return RedisLimiter(
            backend,
            rate=rate,
            burst=burst,
            namespace=f"walletpass:ratelimit:{provider}:{digest}",
            provider=provider,
            fallback_workers=fallback_workers,
            attempt_time=attempt_time,
        )
    except ConfigurationError as exc:
        raise exc.with_context(provider=provider) from None


def check_backend_url(backend: str) -> None:
    """Refuse a ``rate_limit_backend`` that is not a Redis URL the Redis client can read, when
    the provider is configured rather than at its first call (the URL is never quoted: it may
    hold a password). ``ConfigurationError`` says what is expected."""
    scheme = backend.split(":", 1)[0].lower()
    if scheme not in ("redis", "rediss", "unix"):
        raise ConfigurationError(
            "rate_limit_backend must be a Redis URL (redis://, rediss:// or unix://)"
        )
    try:
        from walletpass.redis_limiter import check_url
    except ImportError:
        return  # without the Redis client, building the limiter says to install it
    check_url(backend)
