"""Issuing a CSV file across worker processes from the command line.

Two commands, no Celery code of your own:

    walletpass worker celery://127.0.0.1:6390/0 --journal postgresql://postgres@127.0.0.1:5439/walletpass
    walletpass issue guests.csv --template ... --workers celery://127.0.0.1:6390/0 \\
        --journal postgresql://postgres@127.0.0.1:5439/walletpass --run spring-gala

This script plays both parts against the PassEntry emulator: it starts two ``walletpass worker``
processes (each with its own provider settings, from its environment), runs ``walletpass issue
--workers`` on a 40-row file, then runs the very same command again to show that a re-run
resumes the run (everything is already issued: nothing is sent twice).

It needs Redis and PostgreSQL; the project's ``scripts/services start`` runs both on loopback
(set ``REDIS_URL`` / ``JOURNAL_DATABASE_URL`` to use your own).

    python examples/cli_workers.py
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
DATABASE_URL = os.environ.get(
    "JOURNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5439/walletpass"
)
CONCERT = "2e2d7ee8c306e8f0223dbdc1"  # the PassEntry emulator's event template
WALLETPASS = [sys.executable, "-m", "walletpass.cli"]  # the `walletpass` command


def start_worker(name: str, broker: str, queue: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``walletpass worker``, as you would start it on each machine."""
    command = [*WALLETPASS, "worker", broker, "--journal", DATABASE_URL]
    return subprocess.Popen(
        [*command, "--queue", queue, "--name", name],
        env=env,
        stdout=subprocess.PIPE,  # its "ready" line; its errors go to our stderr
        text=True,
    )


def wait_ready(worker: subprocess.Popen[str]) -> None:
    """A worker prints "walletpass worker: ready: ..." once it consumes."""
    assert worker.stdout is not None
    if "ready" not in worker.stdout.readline():
        raise SystemExit(
            f"a worker did not start (exit status {worker.wait()}, its error above); this "
            "example needs Redis and PostgreSQL: scripts/services start, or set REDIS_URL and "
            "JOURNAL_DATABASE_URL"
        )


def main() -> None:
    from walletpass_passentry.emulator import DEFAULT_API_KEY, PassEntryEmulator

    from walletpass.testing.emulator import EmulatorServer

    run = f"spring-gala-{uuid.uuid4().hex[:6]}"
    queue = f"walletpass-example-{run}"  # one queue per demo run, so no other worker takes it
    broker = "celery://" + REDIS_URL.split("://", 1)[1]
    folder = Path(tempfile.mkdtemp())
    guests = folder / "guests.csv"
    with guests.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "fullName"])
        writer.writerows([f"{run}-{i}", f"Guest {i}"] for i in range(40))

    with EmulatorServer(PassEntryEmulator()) as vendor:
        # each worker's own settings: the API key never travels through the broker
        env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
        env.update(
            {
                "WALLETPASS_PROVIDER": "passentry",
                "WALLETPASS_PASSENTRY_BASE_URL": vendor.url,
                "WALLETPASS_PASSENTRY_API_KEY": DEFAULT_API_KEY,
                # PassEntry's 10 requests/s, shared by both workers
                "WALLETPASS_PASSENTRY_RATE_LIMIT_BACKEND": REDIS_URL,
            }
        )
        workers = [start_worker(f"worker{n}", broker, queue, env) for n in range(2)]
        for worker in workers:
            wait_ready(worker)
        print("2 workers ready")
        issue = [*WALLETPASS, "issue", str(guests), "--template", CONCERT, "--workers", broker]
        issue += ["--journal", DATABASE_URL, "--run", run, "--queue", queue, "--no-progress"]
        try:
            for attempt in ("first run", "same command again"):
                done = subprocess.run(issue, env=env, capture_output=True, text=True, check=False)
                print(f"{attempt}: exit status {done.returncode}")
                print("  " + done.stdout.strip().replace("\n", "\n  "))
            with (folder / "guests.results.csv").open(newline="") as handle:
                statuses = sorted({row["status"] for row in csv.DictReader(handle)})
            print(f"results file statuses after the re-run: {', '.join(statuses)}")
            held = [p.ext_id for p in vendor.app.passes.values()]
            twice = len(held) - len(set(held))
            print(f"PassEntry holds {len(held)} passes for 40 guests; duplicates: {twice}")
        finally:
            for worker in workers:
                worker.terminate()  # a warm shutdown: a task in hand is finished first
            for worker in workers:
                worker.wait(timeout=30)


if __name__ == "__main__":
    main()
