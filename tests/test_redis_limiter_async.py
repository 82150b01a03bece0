"""The Redis-shared limiter from async code (walletpass.aio): ``redis.asyncio``, no worker
threads, the same Lua scripts and keys as the blocking client, so a sync process and an async
one share one budget. A real Redis (scripts/services)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis

from walletpass.aio.ratelimit import asyncio_limiter
from walletpass.aio.redis_limiter import AsyncRedisLimiter
from walletpass.errors import ProviderUnavailable
from walletpass.redis_limiter import RedisLimiter

pytestmark = [pytest.mark.services, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class NoThreads(concurrent.futures.ThreadPoolExecutor):
    """A default executor that refuses work: proves nothing ran in a worker thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"ran in a worker thread: {fn!r}")


def limiter_on(redis_url: str, namespace: str, rate: float, **options: Any) -> RedisLimiter:
    return RedisLimiter(redis_url, rate=rate, namespace=namespace, provider="test", **options)


def within_window(grants: list[float], per_window: int, window: float) -> bool:
    """No window of ``window`` seconds holds more than ``per_window`` of ``grants``."""
    grants = sorted(grants)
    return all(
        grants[i + per_window] - grants[i] >= window - 0.005
        for i in range(len(grants) - per_window)
    )


async def test_the_async_limiter_runs_on_redis_asyncio_with_no_worker_thread(
    redis_url: str,
) -> None:
    namespace = f"walletpass:test:{uuid.uuid4().hex}"
    limiter = asyncio_limiter(limiter_on(redis_url, namespace, rate=5.0))
    assert isinstance(limiter, AsyncRedisLimiter)
    asyncio.get_running_loop().set_default_executor(NoThreads())
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(ticking())
    grants = []
    started = time.monotonic()
    for _ in range(7):
        release = await limiter.acquire("POST /passes")
        grants.append(time.monotonic())
        assert release is not None
        await release()
    ticker.cancel()
    await limiter.aclose()

    assert within_window(grants, 5, 1.0)  # 5 per second (the window)
    assert grants[-1] - started >= 1.0
    assert ticks > 50  # the loop ran other tasks all along
    with redis.Redis.from_url(redis_url) as client:
        keys = {k.decode() for k in client.keys(f"{namespace}:*")}
    # the keys the blocking client uses (the schedule, the window, the latency estimate)
    base = f"{namespace}:POST /passes"
    assert {base, base + ":window", base + ":latency"} <= keys


SYNC_WORKER = r"""
import json, sys, time
from walletpass.redis_limiter import RedisLimiter

url, namespace, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
limiter = RedisLimiter(url, rate=10.0, namespace=namespace, provider="test")
print("ready", flush=True)
sys.stdin.readline()
grants = []
for _ in range(count):
    release = limiter.acquire("")
    grants.append(time.time())
    release()
print(json.dumps(grants), flush=True)
"""


async def test_a_sync_process_and_an_async_one_share_one_budget(redis_url: str) -> None:
    namespace = f"walletpass:test:{uuid.uuid4().hex}"
    other = subprocess.Popen(
        [sys.executable, "-c", SYNC_WORKER, redis_url, namespace, "12"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "ready"
        limiter = asyncio_limiter(limiter_on(redis_url, namespace, rate=10.0))
        assert limiter is not None
        other.stdin.write("go\n")
        other.stdin.flush()
        mine = []
        for _ in range(12):
            release = await limiter.acquire("")
            mine.append(time.time())
            assert release is not None
            await release()
        theirs = json.loads(await asyncio.to_thread(other.stdout.readline))
    finally:
        other.kill()
        other.wait()

    both = mine + theirs
    # one budget of 10 per second for the two processes: 24 grants span at least 1.4 s
    assert within_window(both, 10, 1.0)
    assert max(both) - min(both) >= 1.4 - 0.01


async def test_a_retry_after_from_async_code_holds_the_sync_callers_too(redis_url: str) -> None:
    namespace = f"walletpass:test:{uuid.uuid4().hex}"
    sync = limiter_on(redis_url, namespace, rate=10.0)
    limiter = asyncio_limiter(limiter_on(redis_url, namespace, rate=10.0))
    assert limiter is not None
    await limiter.pause("", 1.0)
    started = time.monotonic()
    release = await asyncio.to_thread(sync.acquire, "")
    assert time.monotonic() - started >= 0.95
    assert release is not None
    release()


async def test_redis_unreachable_fails_closed_or_falls_back_as_the_sync_limiter() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        down = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    closed = asyncio_limiter(limiter_on(down, "walletpass:test:x", rate=10.0, timeout=0.5))
    assert closed is not None
    with pytest.raises(ProviderUnavailable) as caught:
        await closed.acquire("")
    assert caught.value.retryable

    shared = limiter_on(down, "walletpass:test:x", rate=10.0, timeout=0.5, fallback_workers=2)
    fallback = asyncio_limiter(shared)
    assert fallback is not None
    started = time.monotonic()
    for _ in range(3):  # 10 / 2 = 5 per second in this process
        release = await fallback.acquire("")
        assert release is not None
        await release()
    assert time.monotonic() - started >= 0.35


def test_each_event_loops_redis_connections_are_closed_on_that_loop(redis_url: str) -> None:
    """Used from one ``asyncio.run`` after another and then closed (issue 19, verifier finding
    F11's kind), or never closed: no connection is left for the garbage collector to report."""
    import gc
    import warnings

    def scenario(close: bool) -> None:
        namespace = f"walletpass:test:{uuid.uuid4().hex}"
        limiter = asyncio_limiter(limiter_on(redis_url, namespace, rate=100.0))
        assert isinstance(limiter, AsyncRedisLimiter)

        async def once() -> None:
            release = await limiter.acquire("k", max_wait=5)
            assert release is not None
            await release()

        for _ in range(3):
            asyncio.run(once())
        if close:
            asyncio.run(limiter.aclose())

    for close in (True, False):
        with warnings.catch_warnings():  # (earlier tests' garbage is not this scenario's)
            warnings.simplefilter("ignore")
            gc.collect()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scenario(close)
            gc.collect()
        assert [f"{w.category.__name__}: {w.message}" for w in caught] == [], close


@pytest.mark.parametrize("fallback_workers", [1, None])
async def test_a_slot_that_outlived_redis_is_not_a_place_on_the_loop_either(
    own_redis: Callable[[bool], str], fallback_workers: int | None
) -> None:
    """As the blocking limiter: Redis lost while the caller waits for its slot or its place
    (the window full of another process's requests in flight) means the fallback's one window
    before a share place, or failing closed; never a request on the slot alone."""
    url = own_redis(True)
    namespace = f"walletpass:test:{uuid.uuid4().hex[:8]}"
    other = limiter_on(url, namespace, rate=5.0, burst=5)
    for _ in range(5):
        other.acquire("create")
    limiter = AsyncRedisLimiter(
        limiter_on(url, namespace, 5.0, burst=5, fallback_workers=fallback_workers)
    )
    lost_at: list[float] = []

    def lose() -> None:
        own_redis(False)
        lost_at.append(time.monotonic())

    asyncio.get_running_loop().call_later(0.1, lose)
    if fallback_workers is None:
        with pytest.raises(ProviderUnavailable):
            await limiter.acquire("create")
    else:
        assert await limiter.acquire("create") is not None
        assert time.monotonic() - lost_at[0] >= 1.0
    assert lost_at
    await limiter.aclose()
    other.close()
