"""Issuing a season's passes across Celery workers, with one shared rate limit and journal.

This file is both the module your producer and workers import (the Celery app and the
``CeleryIssuer`` below) and a demo (``main``) that starts the PassEntry emulator, two Celery
workers, submits 27 passes, collects the outcomes, and re-submits the run to show it resumes.

It needs Redis and PostgreSQL; the project's ``scripts/services start`` runs both on loopback
(set ``REDIS_URL`` / ``JOURNAL_DATABASE_URL`` to use your own).

    python examples/celery_bulk_issue.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery import Celery

import walletpass
from walletpass import Pass
from walletpass.celery import CeleryIssuer

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
DATABASE_URL = os.environ.get(
    "JOURNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5439/walletpass"
)
CONCERT = "2e2d7ee8c306e8f0223dbdc1"  # the PassEntry emulator's event template

app = Celery("issuing", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_default_queue=os.environ.get("ISSUING_QUEUE", "walletpass-issuing"),
    worker_prefetch_multiplier=1,
    # longer than a chunk takes: a chunk whose worker died is delivered again after this
    # kombu's restore lock expires soon: a worker killed while holding it would otherwise
    # hold back every redelivery for 300 s
    broker_transport_options={"visibility_timeout": 60, "unacked_mutex_expire": 10},
    broker_connection_retry_on_startup=True,
)

issuer = CeleryIssuer(
    app,
    # Runs in each worker: settings (the API key above all) come from the worker's environment.
    connect=lambda: walletpass.connect(
        "passentry",
        # the vendor's limit, shared by every worker through Redis
        rate_limit_backend=REDIS_URL,
    ),
    database=DATABASE_URL,
    chunk_size=9,
)


def start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """``celery -A celery_bulk_issue worker``, as you would start them on each machine."""
    here = Path(__file__).resolve().parent
    celery = [sys.executable, "-m", "celery", "-A", Path(__file__).stem, "worker", "--pool=solo"]
    quiet = ["--loglevel=ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return [
        subprocess.Popen(
            [*celery, f"--hostname=worker{n}@%h", *quiet],
            cwd=here,
            env={**env, "PYTHONPATH": str(here)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def main() -> None:
    from walletpass_passentry.emulator import DEFAULT_API_KEY, PassEntryEmulator

    from walletpass.testing.emulator import EmulatorServer

    run = f"season-{uuid.uuid4().hex[:6]}"
    passes = [
        Pass(template=CONCERT, external_id=f"{run}-{i}", fields={"fullName": f"Guest {i}"})
        for i in range(27)
    ]
    with EmulatorServer(PassEntryEmulator()) as vendor:
        env = {
            **os.environ,
            "WALLETPASS_PASSENTRY_BASE_URL": vendor.url,
            "WALLETPASS_PASSENTRY_API_KEY": DEFAULT_API_KEY,
            "ISSUING_QUEUE": f"walletpass-example-{run}",
        }
        os.environ.update(env)
        app.conf.task_default_queue = env["ISSUING_QUEUE"]
        workers = start_workers(2, env)
        try:
            started = time.monotonic()
            try:
                result = issuer.issue_many(passes, run=run).collect(timeout=120)
            except walletpass.WalletPassError as exc:
                raise SystemExit(
                    f"{exc}\nthis example needs Redis and PostgreSQL: scripts/services start, "
                    "or set REDIS_URL and JOURNAL_DATABASE_URL"
                ) from None
            elapsed = time.monotonic() - started
            print(f"{result.succeeded} of {result.total} passes issued by 2 workers")
            print(f"  ({elapsed:.1f} s at PassEntry's 9 requests/s, shared by both workers)")
            for item in result.items[:3]:
                assert item.issued is not None
                print(f"  item {item.index}: {item.external_id} -> {item.issued.id}")
            again = issuer.issue_many(passes, run=run).collect(timeout=120)
            skipped = sum(item.skipped for item in again.items)
            print(f"re-submitted: {skipped} skipped as already issued")
            held = [p.ext_id for p in vendor.app.passes.values()]
            twice = len(held) - len(set(held))
            print(f"PassEntry holds {len(held)} passes for {len(passes)} inputs", end="; ")
            print(f"duplicates: {twice}")
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)


if __name__ == "__main__":
    main()
