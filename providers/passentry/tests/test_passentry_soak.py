"""Soak: a thousand passes through a flaky PassEntry, and a run killed mid-way then resumed.

PassEntry can be asked for a pass by the caller's ``extId``, so every ambiguity (a reset after the
request was sent, a kill while requests were in flight) is settled by looking before sending again:
the runs below end with exactly one pass per input and no item left undecided.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from walletpass_passentry import PassEntryProvider
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass import Pass
from walletpass.journal import BulkJournal
from walletpass.testing.aio import on_async_api
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.soak import kill_when_journal_shows

GENERIC = "2e2d7ee8c306e8f0223dbdc1"

#: PassEntry's own 429: its error body and its decimal-seconds retry header.
THROTTLED = Fault.respond(
    429, {"errors": ["Too Many Requests"]}, headers={"x-rate-limit-retry-after": "0.05"}
)
UNAVAILABLE = Fault.respond(503, {"errors": ["Service Unavailable"]})
TRANSIENT = [
    THROTTLED,
    UNAVAILABLE,
    Fault.reset(),
    Fault.reset_after(),
    Fault.latency(0.3),
]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    # The soak is about faults; the documented 10/s window is covered by the rate-limit tests.
    return {"rate_limit": 1_000_000}


def _passes(count: int, prefix: str) -> list[Pass]:
    return [
        Pass(template=GENERIC, external_id=f"{prefix}-{i:05d}", fields={"k0": str(i)})
        for i in range(count)
    ]


def _ext_ids(emulator: PassEntryEmulator) -> Counter[str | None]:
    return Counter(stored.ext_id for stored in emulator.passes.values())


def test_a_thousand_passes_through_ten_percent_transient_faults(
    connect: Callable[..., PassEntryProvider], emulator: PassEntryEmulator
) -> None:
    emulator.inject_randomly(TRANSIENT, rate=0.1, seed=11)
    wallet = connect(max_retries=8, rate_limit=0, concurrency=16)

    result = wallet.create_many(_passes(1000, "S"))

    assert [type(e).__name__ for _, e in result.errors] == []
    assert (result.total, result.succeeded, result.failed) == (1000, 1000, 0)
    assert len(emulator.passes) == 1000
    assert max(_ext_ids(emulator).values()) == 1
    assert emulator.faults_applied >= 60
    assert [item.external_id for item in result] == [f"S-{i:05d}" for i in range(1000)]


_KILLED_RUN = textwrap.dedent(
    """
    import sys
    import walletpass
    from walletpass import Pass

    url, key, journal, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    wallet = walletpass.connect(
        "passentry", base_url=url, api_key=key, rate_limit=0, concurrency=4
    )
    passes = (
        Pass(template=sys.argv[5], external_id=f"K-{i:05d}", fields={"k0": str(i)})
        for i in range(count)
    )
    wallet.create_many(passes, journal=journal, keep_items=False)
    """
)


#: The same run on the async API (walletpass.aio): tasks on one event loop, the journal written
#: from worker threads.
_KILLED_RUN_ASYNC = textwrap.dedent(
    """
    import asyncio
    import sys
    import walletpass.aio
    from walletpass import Pass

    url, key, journal, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    passes = (
        Pass(template=sys.argv[5], external_id=f"K-{i:05d}", fields={"k0": str(i)})
        for i in range(count)
    )

    async def run():
        async with await walletpass.aio.connect(
            "passentry", base_url=url, api_key=key, rate_limit=0, concurrency=4
        ) as wallet:
            await wallet.create_many(passes, journal=journal, keep_items=False)

    asyncio.run(run())
    """
)
KILLED_RUNS = {"sync": _KILLED_RUN, "async": _KILLED_RUN_ASYNC}


@pytest.mark.parametrize("api", ["sync", "async"])
def test_a_run_killed_mid_way_resumes_with_every_pass_exactly_once(
    connect: Callable[..., PassEntryProvider],
    emulator: PassEntryEmulator,
    server: EmulatorServer,
    api_key: str,
    tmp_path: Path,
    api: str,
) -> None:
    count = 200
    journal = tmp_path / "run.db"
    # Answers that come slowly, after the pass exists: the kill lands with requests in flight.
    emulator.inject_randomly([Fault.delay_after(0.05)], rate=1.0, seed=1)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_RUNS[api],
            server.url,
            api_key,
            str(journal),
            str(count),
            GENERIC,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    kill_when_journal_shows(process, journal, provider="passentry", succeeded=40, in_flight=1)
    assert process.returncode == -signal.SIGKILL
    emulator.clear_faults()
    assert 40 <= len(emulator.passes) < count
    with BulkJournal(journal, provider="passentry") as book:
        in_flight = [entry.key for entry in book.unresolved()]

    wallet = connect(rate_limit=0)
    if api == "async":  # killed and resumed on the async API
        wallet = on_async_api(wallet)
    try:
        resumed = wallet.create_many(_passes(count, "K"), journal=journal)
    finally:
        if api == "async":
            wallet.close()  # its event loop (the sync provider is the fixture's to close)

    assert (resumed.succeeded, resumed.failed) == (count, 0)
    assert resumed.skipped >= 40
    assert len(emulator.passes) == count
    assert max(_ext_ids(emulator).values()) == 1
    # Items that were in flight were looked up by extId, not sent blindly.
    lookups = {entry.path for entry in emulator.journal.find("GET")}
    for key in in_flight:
        assert any(path.endswith(key.removeprefix("ext:")) for path in lookups)
