"""The threads an async ``create_many`` runs (issue 19, its peak memory): none of its own.

Each thread costs the process its stack and, with glibc, a malloc arena of its own; the sync
thread pool's hundred of them are most of what its run adds (docs/performance.md). The async run
sends every request on the event loop: without a journal it starts no thread at all, and with
one its journal steps borrow the loop's default executor, so the number of threads is that
executor's bound whatever the concurrency (measured: 2 threads for 100 in flight, against the
sync run's 101).

The client runs in a process of its own (the emulator serves it from this one, whose threads are
not counted), against the Pass2U emulator over HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The loop's default executor in the client program lends at most this many threads.
EXECUTOR_THREADS = 2

_PROGRAM = """
import asyncio, json, sys, threading
from concurrent.futures import ThreadPoolExecutor

import walletpass.aio

url, key, journal_dir, lend = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def members(run, count):
    for number in range(count):
        yield {"template": "1919", "barcode": {"message": f"{run}-{number:04d}"},
               "fields": {"name": f"Member {number}"}}


async def main():
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=lend))
    counts = {}
    async with await walletpass.aio.connect(
        "pass2u", base_url=url, api_key=key, rate_limit=0
    ) as wallet:
        for journal in (None, "journal"):
            for concurrency in (4, 40):
                run = f"{journal}-{concurrency}"
                before = threading.active_count()
                most = [before]

                def seen(item, most=most):
                    most[0] = max(most[0], threading.active_count())

                result = await wallet.create_many(
                    members(run, 120),
                    concurrency=concurrency,
                    journal=None if journal is None else f"{journal_dir}/{run}.db",
                    on_item=seen,
                )
                assert result.succeeded == 120, result.errors[:3]
                counts[run] = [before, most[0]]
    print(json.dumps(counts))


asyncio.run(main())
"""


def test_async_create_many_starts_no_thread_of_its_own(
    walletpass_emulator: Callable[..., Any], tmp_path: Path
) -> None:
    emulator = walletpass_emulator("pass2u", rate_limit=1_000_000)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _PROGRAM,
            emulator.url,
            emulator.app.api_key,
            str(tmp_path),
            str(EXECUTOR_THREADS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    # Without a journal: not one thread started, 4 or 40 in flight.
    for run in ("None-4", "None-40"):
        before, most = counts[run]
        assert most == before, (run, counts)
    # With one: the journal's database round trips in the loop's executor, never more threads
    # than it lends, whatever the concurrency (the main thread is the one counted in "1 +").
    for run in ("journal-4", "journal-40"):
        _, most = counts[run]
        assert most <= 1 + EXECUTOR_THREADS, (run, counts)
