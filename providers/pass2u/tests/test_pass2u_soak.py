"""Soak: a thousand passes through a flaky Pass2U, and a run killed mid-way then resumed.

Pass2U has no idempotency key and no lookup by the caller's id, so a create whose connection
breaks after sending is a genuinely unknown outcome: walletpass must report it, never send it
again. Faults that the vendor documents as "not processed" (429, 503) and latency spikes are
retried until every pass exists exactly once; resets are exercised on reads, where repeating is
safe, and on creates to show that they are reported rather than duplicated.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from walletpass_pass2u import Pass2UProvider
from walletpass_pass2u.emulator import Pass2UEmulator

from walletpass import Barcode, OutcomeUnknown, Pass
from walletpass.journal import BulkJournal
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.soak import kill_when_journal_shows

THROTTLED = Fault.respond(
    429, {"message": "Too Many Requests: the limit is 100 requests per second per API key"}
)
UNAVAILABLE = Fault.respond(503, {"message": "Service Unavailable"})
SPIKE = Fault.latency(0.3)


@pytest.fixture
def emulator_rate() -> int:
    return 1_000_000  # the soak is about faults; throughput is the benchmarks' business


@pytest.fixture
def emulator(models, emulator_rate) -> Pass2UEmulator:  # type: ignore[no-untyped-def]
    return Pass2UEmulator(models=models, rate_limit=emulator_rate)


def _passes(count: int, prefix: str = "S") -> list[Pass]:
    return [
        Pass(template="1919", barcode=Barcode(message=f"{prefix}-{i:05d}"), fields={"k0": str(i)})
        for i in range(count)
    ]


def _barcodes(emulator: Pass2UEmulator) -> Counter[str]:
    return Counter(str(stored.barcode_message()) for stored in emulator.passes.values())


def test_a_thousand_passes_through_ten_percent_transient_faults(
    connect: Callable[..., Pass2UProvider], emulator: Pass2UEmulator
) -> None:
    emulator.inject_randomly([THROTTLED, UNAVAILABLE, SPIKE], rate=0.1, seed=7)
    wallet = connect(max_retries=8, rate_limit=0, concurrency=16)

    result = wallet.create_many(_passes(1000))

    assert (result.total, result.succeeded, result.failed) == (1000, 1000, 0)
    assert len(emulator.passes) == 1000
    assert max(_barcodes(emulator).values()) == 1
    assert emulator.faults_applied >= 60  # the faults really happened (about 10% of ~1,100)
    assert [item.index for item in result] == list(range(1000))

    # Reads repeat safely, so connection resets join the mix there.
    emulator.clear_faults()
    emulator.inject_randomly(
        [THROTTLED, UNAVAILABLE, SPIKE, Fault.reset()], rate=0.1, seed=8, method="GET"
    )
    ids = [item.issued.id for item in result if item.issued is not None]
    with ThreadPoolExecutor(16) as pool:
        read_back = list(pool.map(lambda pass_id: wallet.get(pass_id).id, ids))
    assert read_back == ids


def test_resets_after_sending_a_create_are_reported_never_duplicated(
    connect: Callable[..., Pass2UProvider], emulator: Pass2UEmulator
) -> None:
    emulator.inject_randomly([Fault.reset_after(), Fault.reset()], rate=0.1, seed=3)
    wallet = connect(max_retries=4, rate_limit=0, concurrency=8)

    result = wallet.create_many(_passes(300, "R"))

    unknown = [item for item in result if item.error is not None]
    assert unknown, "the seed gives some resets"
    assert all(item.error.outcome_unknown for item in unknown)
    assert max(_barcodes(emulator).values()) == 1
    # Every success is in the emulator; an unknown item is there only if its reset came after.
    assert result.succeeded <= len(emulator.passes) <= result.succeeded + len(unknown)


_KILLED_RUN = textwrap.dedent(
    """
    import sys
    import walletpass
    from walletpass import Barcode, Pass

    url, key, journal, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    wallet = walletpass.connect("pass2u", base_url=url, api_key=key, rate_limit=0, concurrency=4)
    passes = (
        Pass(template="1919", barcode=Barcode(message=f"K-{i:05d}"), fields={"k0": str(i)})
        for i in range(count)
    )
    wallet.create_many(passes, journal=journal, keep_items=False)
    """
)


def test_a_run_killed_mid_way_resumes_without_duplicates(
    connect: Callable[..., Pass2UProvider],
    emulator: Pass2UEmulator,
    server: EmulatorServer,
    api_key: str,
    tmp_path: Path,
) -> None:
    count = 200
    journal = tmp_path / "run.db"
    # Slow answers keep requests in flight when the kill lands.
    emulator.inject_randomly([Fault.delay_after(0.05)], rate=1.0, seed=1)
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_RUN, server.url, api_key, str(journal), str(count)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    kill_when_journal_shows(process, journal, provider="pass2u", succeeded=40, in_flight=1)
    assert process.returncode == -signal.SIGKILL
    emulator.clear_faults()
    before = len(emulator.passes)
    assert 40 <= before < count

    wallet = connect(rate_limit=0)
    passes = [
        Pass(template="1919", barcode=Barcode(message=f"K-{i:05d}"), fields={"k0": str(i)})
        for i in range(count)
    ]
    resumed = wallet.create_many(passes, journal=journal)

    # Nothing was sent twice; items that were in flight are reported for a decision, because
    # Pass2U cannot be asked whether they exist.
    assert max(_barcodes(emulator).values()) == 1
    unknown = [item for item in resumed if item.error is not None]
    assert all(isinstance(item.error, OutcomeUnknown) for item in unknown)
    assert resumed.skipped >= 40
    assert len(emulator.passes) <= resumed.succeeded + len(unknown)

    # The human decision: look at the vendor, record what is there, rerun.
    present = {str(stored.barcode_message()): stored for stored in emulator.passes.values()}
    with BulkJournal(journal, provider="pass2u") as book:
        for entry in book.unresolved():
            stored = present.get(f"K-{entry.position:05d}")
            if stored is None:
                book.resolve(entry.key, issued=False)
            else:
                book.resolve(entry.key, issued=True, pass_id=f"1919.{stored.pass_id}")
    final = wallet.create_many(passes, journal=journal)

    assert (final.succeeded, final.failed) == (count, 0)
    assert len(emulator.passes) == count
    assert max(_barcodes(emulator).values()) == 1
