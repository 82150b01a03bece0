"""Client-side rate limiting, so we stay under a vendor's documented rate instead of hitting 429s.

:class:`Limiter` is the interface the transport uses; :class:`RateLimiter` (a token bucket in this
process) is the default implementation. One limiter belongs to one provider instance and is shared
by all its threads (``create_many`` workers included). Vendors that limit per endpoint and method
(PassEntry) get one bucket per key. Waiting is bounded: a caller with a deadline is told how long
it would have to wait instead of being parked forever. A limiter shared by several processes
(:mod:`walletpass.redis_limiter`) implements the same interface.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from walletpass.accounts import credentials_digest
from walletpass.errors import ConfigurationError, RateLimited

__all__ = [
    "Limiter",
    "RateLimiter",
    "Release",
    "build_limiter",
    "check_backend_url",
    "check_rate",
]

#: What :meth:`Limiter.acquire` may return: the call the transport makes once the request it
#: admitted is answered (or abandoned: a timeout, a reset), so a limiter counting requests until
#: the vendor may have seen them (:mod:`walletpass.redis_limiter`) can stop counting it sooner.
Release = Callable[[], None]


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


class RateLimiter:
    """At most ``rate`` acquisitions per second per key, with bursts of up to ``burst``."""

    def __init__(
        self,
        rate: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
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

    def _refilled(self, key: str) -> _Bucket:
        """The bucket of ``key`` with the tokens earned since it was last used (lock held)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def reserve(self, key: str = "", *, max_wait: float | None = None) -> float:
        """Take a token now and return how long the caller must wait before using it.

        Raises ``RateLimited`` (taking nothing) when the wait would exceed ``max_wait``.
        """
        return self._take(key, max_wait)[0]

    def _take(self, key: str, max_wait: float | None) -> tuple[float, float]:
        """:meth:`reserve`, also returning the slot's time on the clock."""
        with self._lock:
            bucket = self._refilled(key)
            wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
            if max_wait is not None and wait > max_wait:
                raise RateLimited(
                    f"client-side rate limit: the next slot is {wait:.2f}s away, past the deadline",
                    retry_after=wait,
                )
            bucket.tokens -= 1
            return wait, bucket.updated + wait

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
        """Block until a request may be sent under the rate and outside a vendor's pause.

        Raises ``RateLimited`` when that is more than ``max_wait`` seconds away.
        """
        for wait in self.waits(key, max_wait=max_wait):
            self._sleep(wait)

    def waits(self, key: str = "", *, max_wait: float | None = None) -> Iterator[float]:
        """:meth:`acquire` as the waits it takes, for the caller to sleep (``time.sleep``, or
        ``await asyncio.sleep`` on an event loop): the slot is taken when the iterator ends.

        Raises ``RateLimited`` (from the iterator) when the slot is more than ``max_wait``
        seconds away.
        """
        deadline = None if max_wait is None else self._clock() + max_wait
        while True:
            wait, slot = self._take(
                key, None if deadline is None else max(0.0, deadline - self._clock())
            )
            if wait > 0:
                yield wait
            with self._lock:
                # (a microsecond's slack: a slot taken right after pause() is the pause's end)
                if slot + 1e-6 >= self._held_until.get(key, 0.0):
                    return
            # A Retry-After came while this caller slept: its slot lies inside the vendor's pause,
            # so it takes a new one, which pause() moved past it (waking all at the pause's end
            # would send them at once).

    def pause(self, key: str, seconds: float) -> None:
        """Send nothing under ``key`` for ``seconds`` (the vendor's ``Retry-After``), not even on
        a slot handed out before."""
        if seconds <= 0:
            return
        with self._lock:
            bucket = self._refilled(key)
            # reserve() waits (1 - tokens) / rate: at least ``seconds`` from now.
            bucket.tokens = min(bucket.tokens, 1 - seconds * self.rate)
            # Callers already given a slot inside the pause see this when they wake (acquire).
            until = bucket.updated + seconds
            self._held_until[key] = max(until, self._held_until.get(key, 0.0))

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}/s, burst={self.burst})"


def build_limiter(
    *,
    provider: str,
    rate: float | None,
    burst: int,
    backend: str | None = None,
    credentials: Sequence[str] = (),
    fallback_workers: int | None = None,
) -> Limiter | None:
    """The limiter a provider's settings ask for: ``None`` without a rate, an in-process
    :class:`RateLimiter` without ``backend``, else a limiter shared through ``backend``.

    ``credentials``: the values of the provider's auth headers; a shared limiter is keyed by a
    digest of them (one vendor account, one budget), never by the values. Raises
    ``ConfigurationError`` for an unknown backend scheme or one whose extra is not installed.
    """
    if not rate:
        return None
    if backend is None:
        return RateLimiter(rate, burst=burst)
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
