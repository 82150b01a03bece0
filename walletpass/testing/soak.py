"""Helpers for crash tests of bulk runs: kill a run at a chosen point, as ``kill -9`` would.

A resumable bulk run is only proven by killing one for real, mid-way, with requests in flight,
and re-running it with the same journal. The moment to kill is read from the journal the run
writes (and, optionally, from the emulator), never from a sleep, so the test is deterministic
on a slow machine and quick on a fast one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from walletpass.journal import JournalState

__all__ = ["kill_when_journal_shows"]


def kill_when_journal_shows(
    process: subprocess.Popen[bytes],
    journal: str | Path,
    *,
    provider: str,
    succeeded: int,
    in_flight: int = 0,
    also: Callable[[], bool] | None = None,
    timeout: float = 60.0,
) -> None:
    """SIGKILL ``process`` once ``journal`` records ``succeeded`` successes, at least
    ``in_flight`` items sent without an answer yet, and ``also()``. A test about requests in
    flight asks for one: the moment successes reach the count can fall between two items, with
    nothing in flight.

    Raises ``AssertionError`` (with the run's stderr when it was captured) if the run ends by
    itself first, or if the point is not reached within ``timeout`` seconds (the run is killed).
    """
    path = Path(journal)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise AssertionError(f"the run ended before it could be killed\n{stderr}")
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=10)
            raise AssertionError(
                f"the run never reached {succeeded} successes with {in_flight} in flight"
                " to be killed"
            )
        if (
            path.exists()
            and (also is None or also())
            and _count(path, provider, JournalState.SUCCEEDED) >= succeeded
            and _count(path, provider, JournalState.IN_FLIGHT) >= in_flight
        ):
            break
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()


def _count(path: Path, provider: str, state: JournalState) -> int:
    # Read-only, so watching never creates, migrates or claims the journal the run writes.
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            owner = db.execute("SELECT value FROM meta WHERE key = 'provider'").fetchone()
            if owner is None or owner[0] != provider:
                return 0
            (count,) = db.execute(
                "SELECT COUNT(*) FROM items WHERE state = ?", (state.value,)
            ).fetchone()
            return int(count)
    except sqlite3.Error:  # not created yet, or the writer holds the database for a moment
        return 0
