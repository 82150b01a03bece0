"""The crash-test helper: kills at the journal's signal, and says why when it cannot."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from walletpass.testing.soak import kill_when_journal_shows

_RUN = textwrap.dedent(
    """
    import sys, time
    from walletpass import Pass
    from walletpass.fake import FakeProvider

    def slow():
        for i in range(10_000):
            time.sleep(0.005)
            yield Pass(template="t", external_id=f"x{i}")

    FakeProvider().create_many(slow(), journal=sys.argv[1], keep_items=False)
    """
)


def test_kills_the_run_once_the_journal_shows_enough_successes(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    process = subprocess.Popen([sys.executable, "-c", _RUN, str(journal)], stderr=subprocess.PIPE)
    kill_when_journal_shows(process, journal, provider="fake", succeeded=20)
    assert process.returncode == -9


def test_a_run_that_ends_first_is_an_assertion_with_its_stderr(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.exit('boom')"], stderr=subprocess.PIPE
    )
    with pytest.raises(AssertionError, match="ended before it could be killed\nboom"):
        kill_when_journal_shows(process, tmp_path / "run.db", provider="fake", succeeded=1)


def test_a_run_that_never_gets_there_is_killed_and_reported(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(AssertionError, match="never reached 5 successes"):
        kill_when_journal_shows(
            process, tmp_path / "run.db", provider="fake", succeeded=5, timeout=0.5
        )
    assert process.returncode is not None


def test_the_kill_waits_for_a_request_in_flight_when_asked(tmp_path: Path) -> None:
    # The fake answers at once: successes pile up while nothing stays in flight long enough.
    journal = tmp_path / "run.db"
    process = subprocess.Popen([sys.executable, "-c", _RUN, str(journal)], stderr=subprocess.PIPE)
    with pytest.raises(AssertionError, match="20 successes with 50 in flight"):
        kill_when_journal_shows(
            process, journal, provider="fake", succeeded=20, in_flight=50, timeout=2.0
        )
    assert process.returncode is not None
