"""The shared limiter through a Redis outage, with real processes and a real Redis server.

Processes that share one vendor key fall back to a share of the rate each while Redis is away
(``rate_limit_workers``). Through the whole outage (Redis going away, gone, coming back, and
slow rather than gone) the vendor must never see more than its rate in any window: not when some
processes are back on the shared window while others still send on their shares, not when the
shared window's places vanished with a restarted server.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from collections.abc import Callable

import pytest
import redis
from walletpass_pass2u.emulator import Pass2UEmulator

from walletpass.testing.emulator import EmulatorServer

from .test_shared_limiter import run_together

pytestmark = pytest.mark.services

#: One process issuing passes on several threads until its time is up.
WORKER = r"""
import json, sys, time
import walletpass
from walletpass import Barcode, Pass

url, key, backend, rate, workers, tag, seconds = sys.argv[1:8]
wallet = walletpass.connect(
    "pass2u", base_url=url, api_key=key, max_retries=0, concurrency=6,
    rate_limit=float(rate), rate_limit_backend=backend, rate_limit_workers=int(workers),
)
print("ready", flush=True)
sys.stdin.readline()
end = time.monotonic() + float(seconds)

def passes():
    n = 0
    while time.monotonic() < end:
        n += 1
        yield Pass(template="1919", barcode=Barcode(message=f"{tag}-{n}"), fields={"name": "M"})

result = wallet.create_many(passes())
print(json.dumps({"ok": result.succeeded, "failed": result.failed}), flush=True)
"""

RATE = 30
WORKERS = 3


def stop_and_resume(url: str) -> list[tuple[float, Callable[[], object]]]:
    """Redis stops answering (its process stopped: every call times out) two seconds in and
    answers again three seconds later, its windows intact."""
    with redis.Redis.from_url(url) as client:
        pid = int(client.info("server")["process_id"])
    return [
        (2.0, lambda: os.kill(pid, signal.SIGSTOP)),
        (5.0, lambda: os.kill(pid, signal.SIGCONT)),
    ]


@pytest.mark.parametrize("outage", ["restarted", "too slow to answer"])
def test_through_a_redis_outage_the_processes_never_overrun_the_vendor(
    own_redis: Callable[[bool], str], outage: str
) -> None:
    """Redis is killed two seconds in and started again (empty) three seconds later, or stops
    answering for those three seconds: the processes fall back to a third of the rate each,
    then return to the shared window at different moments (each tries Redis again on its own
    schedule), never together above the vendor's rate."""
    key = f"key-{uuid.uuid4().hex}"
    app = Pass2UEmulator(api_key=key, rate_limit=RATE)
    url = own_redis(True)
    events = (
        [(2.0, lambda: own_redis(False)), (5.0, lambda: own_redis(True))]
        if outage == "restarted"
        else stop_and_resume(url)
    )
    with EmulatorServer(app) as server:
        settings = [server.url, key, url, str(RATE), str(WORKERS)]
        results = run_together(
            [[sys.executable, "-c", WORKER, *settings, f"w{n}", "14"] for n in range(WORKERS)],
            timeout=75,
            events=events,
        )

    posts = [entry for entry in app.journal if entry.method == "POST"]
    refused = [entry for entry in posts if entry.status == 429]
    # The emulator counts arrivals in a sliding one-second window, as Pass2U's "N per second":
    # a request past the rate is answered 429 (and retries are off, so it fails).
    assert refused == [], f"{len(refused)} of {len(posts)} requests over the vendor's rate"
    assert sum(r["failed"] for r in results) == 0
    assert sum(r["ok"] for r in results) == len(posts)
    # (and they did send through the outage and after it)
    assert len(posts) > RATE * 6
