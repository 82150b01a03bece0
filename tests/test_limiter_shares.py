"""A process's fallback share of a shared rate limit (``rate_limit_workers``): what it admits
alone, and when processes still on the shared window keep to it as well."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from walletpass.errors import ConfigurationError
from walletpass.redis_limiter import RedisLimiter


def most_in_any_window(times: list[float], window: float) -> int:
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= window - 1e-9:
            first += 1
        most = max(most, last - first + 1)
    return most


@settings(max_examples=60, deadline=None)
@given(
    rate=st.floats(min_value=0.5, max_value=120.0),
    burst=st.integers(min_value=1, max_value=4),
    workers=st.integers(min_value=1, max_value=16),
)
def test_the_shares_add_up_to_at_most_the_vendors_window(
    rate: float, burst: int, workers: int
) -> None:
    """However the rate divides (10/s among 4 processes is 2.5 each), the processes' fallback
    shares together never put more than the vendor's figure in one of its windows."""
    per_window = max(burst, int(rate), 1)
    window = per_window / rate
    assume(workers <= per_window)  # more is refused (below)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RedisLimiter(
        "redis://127.0.0.1:1/0",  # nothing listens: this process sends on its share
        rate=rate,
        burst=burst,
        namespace="walletpass:test:shares",
        provider="test",
        fallback_workers=workers,
        clock=lambda: now[0],
        sleep=sleep,
    )
    sent: list[float] = []
    for _ in range(3 * per_window // workers + 3):
        release = limiter.acquire()
        assert release is not None
        release()  # sent and answered at once
        sent.append(now[0])
    assert most_in_any_window(sent, window) * workers <= per_window


def test_more_workers_than_the_window_holds_is_refused() -> None:
    with pytest.raises(ConfigurationError) as caught:
        RedisLimiter(
            "redis://127.0.0.1:6390/0",
            rate=10.0,
            namespace="walletpass:test:shares",
            provider="passentry",
            fallback_workers=11,
        )
    assert "rate_limit_workers" in str(caught.value)


@pytest.mark.services
def test_after_a_server_restart_every_process_keeps_to_its_share_for_a_while(
    redis_url: str,
) -> None:
    """A server found without the limiter's mark (restarted, flushed) may have lost the places
    of processes still sending on their fallback shares: for a recovery period, a process on
    the shared window is also held to its own share (here 100/s among 4: 25/s)."""
    namespace = f"walletpass:test:{uuid.uuid4().hex[:8]}"
    limiter = RedisLimiter(
        redis_url, rate=100.0, namespace=namespace, provider="test", fallback_workers=4
    )
    started = time.monotonic()
    for _ in range(11):
        limiter.acquire("create")()  # type: ignore[misc]
    took = time.monotonic() - started
    limiter.close()

    assert took >= 0.38  # ten intervals of 40 ms (the shared schedule alone: 10 ms)
    client = redis.Redis.from_url(redis_url)
    left = client.pttl(f"{namespace}:create:recovering")
    assert 5_000 < left <= 8_000  # 5 s between retries, two timed-out calls, one window


@pytest.mark.services
def test_without_a_fallback_nothing_is_held_back(redis_url: str) -> None:
    """Failing closed, no process sends while Redis is away: there is nothing to recover from."""
    namespace = f"walletpass:test:{uuid.uuid4().hex[:8]}"
    limiter = RedisLimiter(redis_url, rate=100.0, namespace=namespace, provider="test")
    for _ in range(3):
        limiter.acquire("create")()  # type: ignore[misc]
    limiter.close()
    client = redis.Redis.from_url(redis_url)
    assert client.exists(f"{namespace}:create:recovering") == 0
    assert client.exists(f"{namespace}:create:epoch") == 0
