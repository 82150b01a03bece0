"""Client-side rate limiting on the event loop: the limiters of :mod:`walletpass.ratelimit`,
awaited instead of blocking.

:class:`AsyncRateLimiter` is the in-process token bucket itself (a
:class:`walletpass.ratelimit.RateLimiter`: the same algorithm, the same buckets, shared with sync
calls of the same provider) whose waits are ``asyncio.sleep``: taking a slot never blocks the loop
(the bucket's lock is held for microseconds), waiting for it lets other tasks run. The
Redis-shared limiter of :mod:`walletpass.redis_limiter` runs its own algorithm (written once, as
plans of script calls and waits) on ``redis.asyncio``
(:class:`walletpass.aio.redis_limiter.AsyncRedisLimiter`). Any other
:class:`~walletpass.ratelimit.Limiter` is awaited in a worker thread (:class:`ThreadedLimiter`),
so its network round trips and sleeps never block the loop either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from walletpass.ratelimit import Limiter, RateLimiter, Release

__all__ = ["AsyncLimiter", "AsyncRateLimiter", "AsyncRelease", "ThreadedLimiter", "asyncio_limiter"]

#: What :meth:`AsyncLimiter.acquire` may return: awaited by the transport once the request it
#: admitted is answered or abandoned (see :data:`walletpass.ratelimit.Release`).
AsyncRelease = Callable[[], Awaitable[None]]


@runtime_checkable
class AsyncLimiter(Protocol):
    """What the async transport needs from a rate limiter: :class:`walletpass.ratelimit.Limiter`
    with awaitable methods. ``key`` names one of the vendor's limits (``""``: the only one)."""

    async def acquire(self, key: str = "", *, max_wait: float | None = None) -> AsyncRelease | None:
        """Wait until a request may be sent under the rate.

        Returns ``None``, or an :data:`AsyncRelease` the caller awaits once, when the request
        has been answered or abandoned. Raises ``RateLimited`` (taking nothing) when the wait
        would exceed ``max_wait`` seconds, ``ProviderUnavailable`` when a shared limiter cannot
        be reached and fails closed.
        """

    async def pause(self, key: str, seconds: float) -> None:
        """The vendor asked (``Retry-After``) that nothing be sent under ``key`` for
        ``seconds``: hold every caller sharing this limiter until then."""


class AsyncRateLimiter:
    """At most ``rate`` acquisitions per second per key, with bursts of up to ``burst``, on the
    event loop; or, given ``limiter``, that in-process limiter's own buckets.

    Raises ``ValueError`` for a rate that is not positive or a burst below 1.
    """

    def __init__(
        self, rate: float | None = None, *, burst: int = 1, limiter: RateLimiter | None = None
    ) -> None:
        if limiter is None:
            if rate is None:
                raise ValueError("give a rate or a RateLimiter")
            limiter = RateLimiter(rate, burst=burst)
        self.limiter = limiter

    async def acquire(self, key: str = "", *, max_wait: float | None = None) -> AsyncRelease:
        """Wait (without blocking the loop) for a slot under the rate, outside a vendor's pause,
        with a place in the window, as :meth:`walletpass.ratelimit.RateLimiter.acquire` does;
        returns the release to await once the request is answered or abandoned.
        ``RateLimited`` when that is more than ``max_wait`` seconds away."""
        admission = self.limiter.admission(key, max_wait=max_wait)
        try:
            while True:
                try:
                    wait = next(admission)
                except StopIteration as admitted:
                    release: Release = admitted.value
                    break
                await asyncio.sleep(wait)
        finally:
            # Cancelled while it waited (the task, an asyncio.timeout around the call): the
            # slot it was given, still ahead, goes back to the schedule.
            admission.close()

        async def done() -> None:
            release()  # (a few microseconds under the limiter's lock)

        return done

    async def pause(self, key: str, seconds: float) -> None:
        """Send nothing under ``key`` for ``seconds`` (the vendor's ``Retry-After``), not even on
        a slot handed out before."""
        self.limiter.pause(key, seconds)

    def __repr__(self) -> str:
        return f"AsyncRateLimiter({self.limiter!r})"


class ThreadedLimiter:
    """A blocking :class:`~walletpass.ratelimit.Limiter` awaited in a worker thread (the
    event loop's default executor). ``max_wait`` counts from the call, time spent waiting for a
    free thread included."""

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter

    async def acquire(self, key: str = "", *, max_wait: float | None = None) -> AsyncRelease | None:
        """As the wrapped limiter's ``acquire`` (its errors unchanged); its release, if it
        returns one, is run in a worker thread too."""
        end = None if max_wait is None else time.monotonic() + max_wait

        def take() -> Release | None:
            left = None if end is None else max(0.0, end - time.monotonic())
            return self.limiter.acquire(key, max_wait=left)

        taking = asyncio.ensure_future(asyncio.to_thread(take))
        try:
            # (the thread cannot be stopped: shielded, it finishes, and what it took is
            # released below when nobody is left to use it)
            release = await asyncio.shield(taking)
        except asyncio.CancelledError:
            taking.add_done_callback(_release_unused)
            raise
        if release is None:
            return None

        async def done() -> None:
            await asyncio.to_thread(release)

        return done

    async def pause(self, key: str, seconds: float) -> None:
        """As the wrapped limiter's ``pause``."""
        await asyncio.to_thread(self.limiter.pause, key, seconds)

    def __repr__(self) -> str:
        return f"ThreadedLimiter({self.limiter!r})"


def _release_unused(taking: asyncio.Future[Release | None]) -> None:
    """What a worker thread acquired for a caller that stopped waiting: released (in a worker
    thread), so its place in a window is not held until its lease for a request never sent."""
    if taking.cancelled() or taking.exception() is not None:
        return
    release = taking.result()
    if release is not None:
        asyncio.get_running_loop().run_in_executor(None, release)


def asyncio_limiter(limiter: Limiter | None) -> AsyncLimiter | None:
    """``limiter`` made awaitable: an in-process :class:`~walletpass.ratelimit.RateLimiter`
    keeps its buckets (:class:`AsyncRateLimiter`), a limiter offering its own asyncio form
    (``for_asyncio()``: the Redis-shared one, on ``redis.asyncio``) gives it, any other limiter
    runs in worker threads (:class:`ThreadedLimiter`); ``None`` stays ``None``."""
    if limiter is None:
        return None
    if isinstance(limiter, RateLimiter):
        return AsyncRateLimiter(limiter=limiter)
    for_asyncio = getattr(limiter, "for_asyncio", None)
    if for_asyncio is not None:
        native: AsyncLimiter = for_asyncio()
        return native
    return ThreadedLimiter(limiter)
