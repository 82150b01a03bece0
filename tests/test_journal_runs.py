"""One run per journal, and journal I/O errors typed, with the run stopping cleanly.

Issue 15, case 8: two processes running the same job on one ``journal=`` issued rows twice, each
reporting "ok 120". Case 9 (part): a journal on a full disk gave "unexpected OperationalError".
The fixes live in :mod:`walletpass.journal`: a run claims the journal (``BulkJournal.claim_run``,
an OS lock released even by SIGKILL), a second run is refused at once with ``JournalInUse``, and
every SQLite failure is a ``JournalError`` saying what to do. :mod:`walletpass.bulk` stops sending
at a ``JournalError``, still reports every outcome it has, and says which items it did not
attempt. A full disk is simulated portably: ``RLIMIT_FSIZE`` in a child process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from walletpass import JournalError, JournalInUse, Pass
from walletpass.bulk import describe_positions
from walletpass.fake import FakeProvider
from walletpass.journal import BulkJournal, JournalState

PASSES = [Pass(template="t", external_id=f"m-{i}") for i in range(6)]


def test_a_second_run_on_a_journal_in_use_is_refused_at_once(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    release = threading.Event()
    started = threading.Event()
    with FakeProvider() as fake:

        def slow(item: object) -> None:
            started.set()
            release.wait(10)

        first = threading.Thread(
            target=lambda: fake.create_many(PASSES, journal=journal, on_item=slow, concurrency=1)
        )
        first.start()
        try:
            assert started.wait(10)
            # The first run's worker issues its whole window while on_item holds delivery.
            deadline = time.monotonic() + 10
            while fake.pass_count < len(PASSES) and time.monotonic() < deadline:
                time.sleep(0.01)
            sent_before = fake.pass_count
            # At once: a run waiting for the lock would wait for the first run, which on_item
            # holds until this block ends, and then run instead of raising.
            with pytest.raises(JournalInUse) as caught:
                fake.create_many(PASSES, journal=journal)
            assert "in use by another run" in str(caught.value)
            assert f"pid {__import__('os').getpid()}" in str(caught.value)
            assert fake.pass_count == sent_before  # the refused run sent nothing
        finally:
            release.set()
            first.join()
        # Once the first run is over, the journal can be used again.
        again = fake.create_many(PASSES, journal=journal)
        assert again.skipped == len(PASSES) and fake.pass_count == len(PASSES)


HOLDER = """
import sys, time
from walletpass.journal import BulkJournal
with BulkJournal(sys.argv[1], provider="fake") as book, book.claim_run():
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_run_in_another_process_holds_the_journal_until_it_dies(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journal)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with FakeProvider() as fake:
            with pytest.raises(JournalInUse):
                fake.create_many(PASSES, journal=journal)
            assert fake.pass_count == 0
            holder.kill()  # SIGKILL: no clean-up code runs, the OS drops the lock
            holder.wait(10)
            result = fake.create_many(PASSES, journal=journal)
            assert result.succeeded == len(PASSES)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


def test_a_shared_journal_opts_out_and_reading_needs_no_claim(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    with FakeProvider() as fake, BulkJournal(journal, provider="fake") as book:
        # Reading (a watcher, a human resolving items) is not a run.
        with book.claim_run(), BulkJournal(journal, provider="fake") as reader:
            assert reader.counts()[JournalState.SUCCEEDED] == 0
        shared_a = BulkJournal(journal, provider="fake", single_run=False)
        shared_b = BulkJournal(journal, provider="fake", single_run=False)
        with shared_a, shared_b, shared_a.claim_run(), shared_b.claim_run():
            fake.create_many(PASSES[:2], journal=shared_a)
            fake.create_many(PASSES[2:], journal=shared_b)
        assert fake.pass_count == len(PASSES)


FULL_DISK = """
import json, resource, signal, sys
from walletpass import JournalError, Pass
from walletpass.bulk import describe_positions
from walletpass.fake import FakeProvider

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
journal, limit = sys.argv[1], int(sys.argv[2])
delivered = []
with FakeProvider() as fake:  # in memory: the journal is the only file written
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        fake.create_many(
            [Pass(template="t", external_id=f"m-{i}", description="x" * 400) for i in range(400)],
            journal=journal,
            concurrency=4,
            on_item=lambda item: delivered.append(item.issued.id if item.ok else None),
        )
        outcome = {"error": None}
    except JournalError as exc:
        outcome = {
            "error": type(exc).__name__,
            "message": str(exc),
            "not_attempted": list(exc.not_attempted),
            "not_attempted_from": exc.not_attempted_from,
        }
    ids = {p.id for p in fake.list()}
    outcome["issued"] = len(ids)
    outcome["delivered"] = sorted(i for i in delivered if i)
    outcome["all_issued_delivered"] = ids == set(outcome["delivered"])
print(json.dumps(outcome))
"""


def test_a_journal_on_a_full_disk_stops_the_run_with_a_typed_error(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    ran = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(FULL_DISK), str(journal), str(96 * 1024)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout)
    assert outcome["error"] == "JournalError", outcome
    assert "cannot write bulk journal" in outcome["message"]
    assert "free space" in outcome["message"] and "same journal" in outcome["message"]
    assert "not attempted" in outcome["message"]
    assert outcome["not_attempted_from"] is not None and outcome["not_attempted_from"] < 400
    assert 0 < outcome["issued"] < 400
    # Every pass the vendor holds was handed to on_item: nothing issued is missing.
    assert outcome["all_issued_delivered"], outcome

    # What the journal could record is there; every other issued pass is still "in flight",
    # so a re-run looks it up instead of sending it again.
    with BulkJournal(journal, provider="fake") as book:
        counts = book.counts()
    assert counts[JournalState.SUCCEEDED] + counts[JournalState.IN_FLIGHT] >= outcome["issued"]
    assert counts[JournalState.UNKNOWN] == 0


def test_positions_are_described_as_ranges() -> None:
    assert describe_positions([4, 6, 7, 8], 9, "item") == "4, every item from 6 on"
    assert describe_positions([1, 2, 5], None, "row", base=1) == "2-3, 6"
    assert describe_positions([], 0, "row", base=1) == "every row from 1 on"


def test_journal_errors_are_walletpass_errors_with_a_remedy(tmp_path: Path) -> None:
    folder = tmp_path / "missing" / "deeper"
    with pytest.raises(JournalError) as caught:
        BulkJournal(folder / "run.db", provider="fake")
    assert "folder exists" in str(caught.value)


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_another_name_for_the_journal_meets_the_same_lock(tmp_path: Path, link: str) -> None:
    # The lock is the journal file's own: a symlinked or hard-linked name cannot bypass it.
    journal = tmp_path / "run.db"
    other = tmp_path / "elsewhere" / "alias.db"
    other.parent.mkdir()
    with BulkJournal(journal, provider="fake") as book, book.claim_run():
        getattr(other, "symlink_to" if link == "symlink" else "hardlink_to")(journal)
        # (SQLite may already refuse to open a hard link to a journal open in WAL mode: that
        # is a refusal too. What must never happen is a second run's claim succeeding.)
        with (
            pytest.raises((JournalInUse, JournalError)) as caught,
            BulkJournal(other, provider="fake") as alias,
            alias.claim_run(),
        ):
            pass
        if isinstance(caught.value, JournalInUse):
            assert f"pid {__import__('os').getpid()}" in str(caught.value)
    if link == "symlink":
        with BulkJournal(other, provider="fake") as alias, alias.claim_run():
            pass  # released with the first run: usable again under either name
