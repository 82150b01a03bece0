"""``walletpass issue`` against the PassEntry emulator: killed and resumed, and at scale.

These run the real console command in a subprocess, as an operator would, with the emulator in
this process holding the vendor's state.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass.testing.emulator import EmulatorServer, Fault

GENERIC = "2e2d7ee8c306e8f0223dbdc1"
WALLETPASS = [sys.executable, "-m", "walletpass.cli"]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"rate_limit": 1_000_000}


def _write_csv(path: Path, count: int, prefix: str = "M") -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Member No", "Name", "Points"])
        for i in range(count):
            writer.writerow([f"{prefix}-{i:06d}", f"Member {i}", i % 500])


def _env(server: EmulatorServer, api_key: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(
        {
            "WALLETPASS_PROVIDER": "passentry",
            "WALLETPASS_PASSENTRY_BASE_URL": server.url,
            "WALLETPASS_PASSENTRY_API_KEY": api_key,
            "WALLETPASS_PASSENTRY_RATE_LIMIT": "0",
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
    )
    return env


def _issue_args(source: Path, journal: Path, results: Path) -> list[str]:
    return [
        *WALLETPASS,
        "issue",
        str(source),
        "--template",
        GENERIC,
        "--map",
        "Member No=external_id",
        "--map",
        "Name=fields.memberName",
        "--map",
        "Points=fields.stamps",
        "--journal",
        str(journal),
        "--results",
        str(results),
    ]


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_issue_killed_mid_run_then_rerun_has_no_duplicates_and_no_losses(
    emulator: PassEntryEmulator, server: EmulatorServer, api_key: str, tmp_path: Path
) -> None:
    count = 300
    source, journal, results = tmp_path / "m.csv", tmp_path / "run.db", tmp_path / "r.csv"
    _write_csv(source, count)
    env = _env(server, api_key, tmp_path)
    emulator.inject_randomly([Fault.delay_after(0.03)], rate=1.0, seed=2)

    process = subprocess.Popen(
        _issue_args(source, journal, results),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(emulator.passes) < 60 and time.monotonic() < deadline:
        assert process.poll() is None, "the run finished before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    emulator.clear_faults()
    assert 60 <= len(emulator.passes) < count

    rerun = subprocess.run(
        [*_issue_args(source, journal, results), "--no-progress"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert rerun.returncode == 0, rerun.stderr
    assert f"{count} of {count} rows issued" in rerun.stdout
    assert len(emulator.passes) == count  # zero losses
    ext_ids = Counter(stored.ext_id for stored in emulator.passes.values())
    assert max(ext_ids.values()) == 1  # zero duplicates
    assert set(ext_ids) == {f"M-{i:06d}" for i in range(count)}
    rows = _results(results)
    assert [row["row"] for row in rows] == [str(i + 1) for i in range(count)]
    assert {row["status"] for row in rows} <= {"issued", "skipped"}
    assert sum(row["status"] == "skipped" for row in rows) >= 60
    assert all(row["pass_id"] for row in rows)


def test_ten_thousand_rows_with_a_progress_bar_in_flat_memory(
    emulator: PassEntryEmulator, server: EmulatorServer, api_key: str, tmp_path: Path
) -> None:
    env = _env(server, api_key, tmp_path)
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write_csv(small, 500, "S")
    _write_csv(large, 10_000, "L")

    def run(source: Path, tag: str) -> tuple[int, str]:
        args = [
            sys.executable,
            "-c",
            "import resource, sys\n"
            "from walletpass.cli import main\n"
            "code = main(sys.argv[1:])\n"
            "sys.stdout.write(f'peak-kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n"
            "sys.exit(code)\n",
            *_issue_args(source, tmp_path / f"{tag}.db", tmp_path / f"{tag}.results.csv")[3:],
        ]
        done = subprocess.run(
            args, check=False, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
        peak = int(done.stdout.rsplit("peak-kib=", 1)[1].split()[0])
        return peak, done.stderr

    small_peak, _ = run(small, "small")
    large_peak, progress = run(large, "large")

    assert len(emulator.passes) == 10_500
    assert "10000/10000" in progress and "pass/s" in progress  # tqdm's live bar
    assert "ok=10000 failed=0" in progress
    rows = _results(tmp_path / "large.results.csv")
    assert len(rows) == 10_000 and all(row["status"] == "issued" for row in rows)
    growth_mib = (large_peak - small_peak) / 1024
    print(
        f"peak RSS: {small_peak / 1024:.1f} MiB for 500 rows, {large_peak / 1024:.1f} MiB "
        f"for 10,000 rows (growth {growth_mib:.1f} MiB)"
    )
    assert growth_mib < 50


def _limited(limit: int) -> Callable[[], None]:
    """A child's file-size limit (RLIMIT_FSIZE): writes past it fail, like a full disk."""

    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _run(
    args: list[str], env: dict[str, str], *, file_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The command in a child process, its files limited to ``file_limit`` bytes if given."""
    return subprocess.run(
        args,
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited(file_limit) if file_limit is not None else None,
    )


def _stderr_passes(stderr: str) -> set[str]:
    """Pass ids the run printed because its results file could not take them."""
    return {
        line.split("issued pass ", 1)[1].split()[0]
        for line in stderr.splitlines()
        if "issued pass " in line
    }


def test_a_results_file_on_a_full_disk_stops_the_run_and_loses_no_pass_id(
    emulator: PassEntryEmulator, server: EmulatorServer, api_key: str, tmp_path: Path
) -> None:
    """Issue 15, case 9: the results file filled up: "unexpected OSError ... this is a bug"."""
    source, results = tmp_path / "m.csv", tmp_path / "r.csv"
    _write_csv(source, 300)
    args = _issue_args(source, tmp_path / "unused.db", results)
    args = [*args[: args.index("--journal")], "--results", str(results), "--no-progress"]
    # Room for the up-front index of external ids (~12 KiB), not for 300 results rows.
    done = _run(args, _env(server, api_key, tmp_path), file_limit=32 * 1024)
    assert done.returncode == 1, done.stderr
    assert "cannot write the results file" in done.stderr and "free space" in done.stderr
    assert "rows not attempted" in done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
    recorded = {row["pass_id"] for row in _results(results) if row["pass_id"]}
    vendor = {stored.uuid for stored in emulator.passes.values()}
    assert 0 < len(vendor) < 300
    # Every pass the vendor issued is in the results file or named on stderr.
    assert vendor <= recorded | _stderr_passes(done.stderr)


def test_a_journal_on_a_full_disk_keeps_the_results_file_complete_and_resumes(
    emulator: PassEntryEmulator, server: EmulatorServer, api_key: str, tmp_path: Path
) -> None:
    """Issue 15, case 9: a journal on a full disk gave "unexpected OperationalError"."""
    source, journal = tmp_path / "m.csv", tmp_path / "run.db"
    results = tmp_path / "r.csv"
    _write_csv(source, 120)
    env = _env(server, api_key, tmp_path)
    args = [*_issue_args(source, journal, results), "--no-progress"]
    done = _run(args, env, file_limit=80 * 1024)
    assert done.returncode == 1, done.stderr
    assert "cannot write bulk journal" in done.stderr and "same journal" in done.stderr
    assert "rows not attempted" in done.stderr
    assert "unexpected" not in done.stderr
    issued = {stored.uuid for stored in emulator.passes.values()}
    assert 0 < len(issued) < 120
    assert issued <= {row["pass_id"] for row in _results(results)}  # complete up to the error

    rerun = _run(args, env)
    assert rerun.returncode == 0, rerun.stderr
    ext_ids = Counter(stored.ext_id for stored in emulator.passes.values())
    assert len(ext_ids) == 120 and max(ext_ids.values()) == 1  # no loss, no duplicate


def test_a_second_concurrent_run_on_one_journal_is_refused(
    emulator: PassEntryEmulator, server: EmulatorServer, api_key: str, tmp_path: Path
) -> None:
    """Issue 15, case 8: two runs on one journal issued rows twice, each reporting "ok"."""
    source, journal = tmp_path / "m.csv", tmp_path / "run.db"
    _write_csv(source, 40)
    env = _env(server, api_key, tmp_path)
    # Slow answers keep the first run going (40 x 0.5 s) for as long as the second needs to start
    # on a loaded machine; once the second is refused they are cleared and the first finishes.
    emulator.inject_randomly([Fault.latency(0.5)], rate=1.0, seed=3)
    first = subprocess.Popen(
        [*_issue_args(source, journal, tmp_path / "a.csv"), "--no-progress", "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not emulator.passes and time.monotonic() < deadline:
            time.sleep(0.02)
        second = subprocess.run(
            [*_issue_args(source, journal, tmp_path / "b.csv"), "--no-progress"],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "in use by another run" in second.stderr and f"pid {first.pid}" in second.stderr
        assert first.poll() is None  # refused at once, while the first run still works
    finally:
        emulator.clear_faults()
        first.wait(timeout=120)
    ext_ids = Counter(stored.ext_id for stored in emulator.passes.values())
    assert len(ext_ids) == 40 and max(ext_ids.values()) == 1
