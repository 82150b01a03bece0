"""A process killed with requests in flight holds their places in the shared window only as long
as those requests could still reach the vendor: their attempt's time (the connect and read
timeouts) plus one window from their grant, not a fixed minute. The others then have the whole
rate again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import pytest

from walletpass.errors import RateLimited
from walletpass.ratelimit import build_limiter

pytestmark = pytest.mark.services

#: Takes every place of a 4/s window (requests "in flight", never answered), then waits to die.
HOLDER = r"""
import sys, time
from walletpass.ratelimit import build_limiter

limiter = build_limiter(provider="test", rate=4.0, burst=4, backend=sys.argv[1],
                        credentials=[sys.argv[2]], attempt_time=float(sys.argv[3]))
for _ in range(4):
    limiter.acquire("create")
print("holding", flush=True)
time.sleep(120)
"""


def test_a_killed_process_frees_its_places_within_its_requests_time(redis_url: str) -> None:
    account = f"key-{uuid.uuid4().hex}"
    attempt = 1.5  # connect_timeout + timeout, as the provider's settings give them
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, account, str(attempt)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        granted = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()

    other = build_limiter(
        provider="test",
        rate=4.0,
        burst=4,
        backend=redis_url,
        credentials=[account],
        attempt_time=attempt,
    )
    assert other is not None
    with pytest.raises(RateLimited):  # the window is full: the dead process's requests count
        other.acquire("create", max_wait=0)
    # Its requests could reach the vendor until their grant plus the attempt's time and one
    # window (1 s at 4/s); the vendor counts them for one window more. Then all four places
    # are this process's again.
    # Each place is asked for with the time left until then (max_wait): granted in time, or the
    # acquire gives up and the test fails, with no stopwatch on the test's own pace.
    bound = attempt + 2 * 1.0
    for _ in range(4):
        left = granted + bound + 0.5 - time.monotonic()
        release = other.acquire("create", max_wait=max(0.0, left))
        assert release is not None
