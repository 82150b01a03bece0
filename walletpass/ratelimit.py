"""A client-side token bucket, so we stay under a vendor's documented rate instead of hitting 429s.

One limiter belongs to one provider instance and is shared by all its threads (``create_many``
workers included). Vendors that limit per endpoint and method (PassEntry) get one bucket per key.
Waiting is bounded: a caller with a deadline is told how long it would have to wait instead of
being parked forever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from walletpass.errors import RateLimited

__all__ = ["RateLimiter"]


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
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, key: str = "", *, max_wait: float | None = None) -> float:
        """Take a token now and return how long the caller must wait before using it.

        Raises ``RateLimited`` (taking nothing) when the wait would exceed ``max_wait``.
        """
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate
            )
            bucket.updated = now
            wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
            if max_wait is not None and wait > max_wait:
                raise RateLimited(
                    f"client-side rate limit: the next slot is {wait:.2f}s away, past the deadline",
                    retry_after=wait,
                )
            bucket.tokens -= 1
            return wait

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
        """Block until a request may be sent under the rate."""
        wait = self.reserve(key, max_wait=max_wait)
        if wait > 0:
            self._sleep(wait)

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}/s, burst={self.burst})"
