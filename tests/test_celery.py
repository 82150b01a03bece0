"""Bulk issuance across real Celery worker processes (Redis as broker and result store, the
shared journal in PostgreSQL, the rate limit shared through Redis), one of them SIGKILLed
mid-run: the others finish the run with every pass issued exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass import Pass
from walletpass.testing.emulator import EmulatorServer, Fault

pytestmark = pytest.mark.services

TEMPLATE = "2e2d7ee8c306e8f0223dbdc1"

# The module producer and workers share, as an application would write it.
APP_MODULE = """
import os

from celery import Celery

import walletpass
from walletpass.celery import CeleryIssuer

broker = os.environ["TEST_REDIS_URL"]
app = Celery("walletpass-test", broker=broker, backend=broker)
app.conf.update(
    task_default_queue=os.environ["TEST_QUEUE"],
    worker_prefetch_multiplier=1,
    # a chunk takes about a second: a lost worker's chunk is delivered again 4 s after it started
    broker_transport_options={
        "visibility_timeout": 4,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    },
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
issuer = CeleryIssuer(
    app,
    connect=lambda: walletpass.connect(
        "passentry",
        base_url=os.environ["TEST_VENDOR_URL"],
        api_key=os.environ["TEST_VENDOR_KEY"],
        rate_limit=90,
        rate_limit_backend=broker,
        concurrency=4,
    ),
    database=os.environ["TEST_POSTGRES_URL"],
    lease=2.0,
    chunk_size=20,
)
"""


@pytest.fixture
def passentry() -> Iterator[tuple[PassEntryEmulator, str]]:
    app = PassEntryEmulator(rate_limit=100)
    app.inject_randomly([Fault.latency(0.03)], rate=1.0, seed=3)
    with EmulatorServer(app) as server:
        yield app, server.url


@pytest.fixture
def environment(
    tmp_path: Path,
    passentry: tuple[PassEntryEmulator, str],
    redis_url: str,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    (tmp_path / "issuing.py").write_text(APP_MODULE)
    values = {
        "TEST_REDIS_URL": redis_url,
        "TEST_QUEUE": f"walletpass-test-{uuid.uuid4().hex[:8]}",
        "TEST_VENDOR_URL": passentry[1],
        "TEST_VENDOR_KEY": PassEntryEmulator().api_key,
        "TEST_POSTGRES_URL": postgres_url,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(tmp_path))
    return {**os.environ, **values, "PYTHONPATH": str(tmp_path)}


def start_worker(name: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "issuing",
            "worker",
            "--pool=solo",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=ERROR",
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_run_spread_over_workers_survives_one_being_killed(
    environment: dict[str, str],
    tmp_path: Path,
    passentry: tuple[PassEntryEmulator, str],
    postgres_url: str,
    succeeded_in: Callable[[str], int],
    held_by: Callable[[str, int], list[str]],
) -> None:
    import issuing  # the module written by the fixture, as the producer imports it

    app, _ = passentry
    count, run = 300, f"celery-{uuid.uuid4().hex[:8]}"
    passes = [
        Pass(template=TEMPLATE, external_id=f"{run}-{i}", fields={"fullName": f"Member {i}"})
        for i in range(count)
    ]
    workers = [start_worker(f"w{n}", environment, tmp_path) for n in range(3)]
    try:
        job = issuing.issuer.issue_many(passes, run=run)
        victim = workers[0]
        deadline = time.monotonic() + 60
        # kill a worker a fifth of the way in, while it holds items (requests in flight)
        while succeeded_in(run) < 60 or not held_by(run, victim.pid):
            assert time.monotonic() < deadline, "the workers never got going"
            assert all(w.poll() is None for w in workers)
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        orphaned = held_by(run, victim.pid)

        result = job.collect(timeout=120)
        # re-submitting the run resumes it: everything is already issued
        again = issuing.issuer.issue_many(passes, run=run).collect(timeout=60)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()

    assert [item.index for item in result.items] == list(range(count))
    assert result.succeeded == count, [str(item.error) for item in result.items if not item.ok][:5]
    live = [p for p in app.passes.values() if p.live]
    assert sorted(p.ext_id for p in live) == sorted(p.external_id for p in passes)  # type: ignore[misc]
    creates = [e.status for e in app.journal if e.method == "POST" and e.path == "/api/v1/passes"]
    assert all(200 <= status < 300 for status in creates)  # no duplicate, no 429
    assert len(creates) >= count
    assert orphaned  # the killed worker died holding items, which the others then settled
    assert again.succeeded == count and all(item.skipped for item in again.items)
    assert len([e for e in app.journal if e.method == "POST"]) == len(creates)
