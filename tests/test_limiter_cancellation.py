"""A caller that stops waiting for its rate-limit slot (its task cancelled, an ``asyncio.timeout``
around the call, Ctrl-C) gives back what it reserved: the slot on the schedule and its turn in
the shared window's queue, so the callers after it are not held back for a request never sent.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import redis

from walletpass.aio.ratelimit import AsyncRateLimiter, ThreadedLimiter
from walletpass.ratelimit import RateLimiter
from walletpass.redis_limiter import RedisLimiter

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def stop_waiting(acquire: object, how: str) -> None:
    """Run ``acquire`` (a coroutine) until it waits, then stop it the way ``how`` says."""
    if how == "timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await acquire  # type: ignore[misc]
        return
    task = asyncio.ensure_future(acquire)  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("how", ["cancel", "timeout"])
async def test_a_cancelled_waiter_gives_its_slot_back_in_process(how: str) -> None:
    limiter = AsyncRateLimiter(limiter=RateLimiter(4.0))  # one slot every 250 ms
    await limiter.acquire("k")  # the slot now
    await stop_waiting(limiter.acquire("k"), how)  # the next, 250 ms away, given up

    # The next caller takes the slot the cancelled one gave up, not the one after it.
    assert limiter.limiter.reserve("k") <= 0.25


@pytest.mark.parametrize("how", ["cancel", "timeout"])
async def test_a_cancelled_waiter_in_a_thread_releases_what_it_got(how: str) -> None:
    """A blocking limiter awaited in a worker thread: the thread cannot be stopped, so what it
    acquires once its caller is gone is released at once, not held until the place's lease."""
    released = threading.Event()

    class Slow:
        def acquire(self, key: str = "", *, max_wait: float | None = None) -> object:
            threading.Event().wait(0.2)  # a slot 200 ms away
            return released.set

        def pause(self, key: str, seconds: float) -> None:
            pass

    await stop_waiting(ThreadedLimiter(Slow()).acquire("k"), how)
    assert await asyncio.to_thread(released.wait, 2)


@pytest.mark.services
@pytest.mark.parametrize("how", ["cancel", "timeout"])
async def test_a_cancelled_waiter_gives_its_slot_and_its_turn_back_in_redis(
    redis_url: str, how: str
) -> None:
    namespace = f"walletpass:test:{uuid.uuid4().hex[:8]}"
    shared = RedisLimiter(redis_url, rate=4.0, namespace=namespace, provider="test")
    limiter = shared.for_asyncio()
    try:
        await limiter.acquire("k")  # the slot now; the next is 250 ms away
        await stop_waiting(limiter.acquire("k"), how)
        assert shared.acquire("k", max_wait=0.3) is not None  # the given-up slot, not the next

        # The window full (four requests in flight, none answered): the next caller queues for
        # a place, and gives its turn back when it stops waiting.
        full = RedisLimiter(redis_url, rate=4.0, burst=4, namespace=namespace + "w", provider="t")
        for _ in range(4):
            full.acquire("k")
        waiting = full.for_asyncio()
        await stop_waiting(waiting.acquire("k"), how)
        queue = f"{namespace}w:k:queue"
        assert redis.Redis.from_url(redis_url).zcard(queue) == 0
        await waiting.aclose()
        full.close()
    finally:
        await limiter.aclose()
        shared.close()


def test_an_interrupted_blocking_waiter_gives_its_slot_back() -> None:
    """Ctrl-C while a thread sleeps until its slot: the slot goes back to the schedule."""

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    limiter = RateLimiter(4.0, sleep=interrupted)
    limiter.acquire("k")  # the slot now
    with pytest.raises(KeyboardInterrupt):
        limiter.acquire("k")  # the next, 250 ms away: interrupted while it waits
    assert limiter.reserve("k") <= 0.25
