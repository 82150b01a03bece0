"""Bulk issuance across real Celery worker processes (Redis as broker and result store, the
shared journal in PostgreSQL, the rate limit shared through Redis), one of them SIGKILLed
mid-run: the others finish the run with every pass issued exactly once; and Redis lost while the
producer collects the results."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass import Pass
from walletpass.errors import ResultsUnavailable
from walletpass.testing.emulator import EmulatorServer, Fault

pytestmark = pytest.mark.services

pytest.importorskip("celery")

from walletpass.celery import release_result  # noqa: E402

TEMPLATE = "2e2d7ee8c306e8f0223dbdc1"

# The module producer and workers share, as an application would write it (the vendor and the
# shared rate from the environment: PassEntry at 90/s unless a test says otherwise).
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
        # kombu's lock on the restore: a worker killed while it held it would block every
        # redelivery for the default 300 s (a scan takes milliseconds)
        "unacked_mutex_expire": 2,
    },
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    # how long the producer tries to reach a lost result store before it says so (Celery's
    # default: 20 attempts a second apart)
    result_backend_transport_options={"retry_policy": {"max_retries": 3}},
)
issuer = CeleryIssuer(
    app,
    connect=lambda: walletpass.connect(
        os.environ.get("TEST_PROVIDER", "passentry"),
        base_url=os.environ["TEST_VENDOR_URL"],
        api_key=os.environ["TEST_VENDOR_KEY"],
        rate_limit=float(os.environ.get("TEST_RATE", "90")),
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


def write_app(
    folder: Path,
    module: str,
    broker: str,
    vendor_url: str,
    postgres_url: str,
    env: Any,
    **settings: str,
) -> dict[str, str]:
    """Write the app module as ``module`` in ``folder``, importable here (``env``: the
    monkeypatch that sets its environment; ``settings``: more of it, ``TEST_PROVIDER`` say);
    returns the workers' environment."""
    (folder / f"{module}.py").write_text(APP_MODULE)
    values = {
        "TEST_REDIS_URL": broker,
        "TEST_QUEUE": f"walletpass-test-{uuid.uuid4().hex[:8]}",
        "TEST_VENDOR_URL": vendor_url,
        "TEST_VENDOR_KEY": PassEntryEmulator().api_key,
        "TEST_POSTGRES_URL": postgres_url,
        **settings,
    }
    for name, value in values.items():
        env.setenv(name, value)
    env.syspath_prepend(str(folder))
    return {**os.environ, **values, "PYTHONPATH": str(folder)}


@pytest.fixture
def environment(
    tmp_path: Path,
    passentry: tuple[PassEntryEmulator, str],
    redis_url: str,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    return write_app(tmp_path, "issuing", redis_url, passentry[1], postgres_url, monkeypatch)


def start_worker(
    name: str, env: dict[str, str], cwd: Path, module: str = "issuing"
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            module,
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
        # kill a worker a fifth of the way in, while it holds items (requests in flight): it is
        # stopped while asked, so what it holds when it is found holding is what it dies with
        while True:
            assert time.monotonic() < deadline, "the workers never got going"
            assert all(w.poll() is None for w in workers)
            if succeeded_in(run) >= 60:
                victim.send_signal(signal.SIGSTOP)
                if held_by(run, victim.pid):
                    break
                victim.send_signal(signal.SIGCONT)
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


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
    for worker in workers:
        worker.wait(timeout=10)


def test_redis_lost_while_collecting_says_what_is_known_and_the_rerun_resumes(
    tmp_path: Path,
    own_redis: Callable[[bool], str],
    passentry: tuple[PassEntryEmulator, str],
    postgres_url: str,
    succeeded_in: Callable[[str], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis (broker and result store; a server of this test alone, so the shared one stays up
    for the other tests) dies while the producer collects: it gets a typed error that says what
    is known, from the results it had and from the shared journal, once Celery gives up
    reconnecting; nothing is lost, and submitting the run again once Redis is back issues the
    rest, none twice."""
    env = write_app(
        tmp_path, "issuing_collect", own_redis(True), passentry[1], postgres_url, monkeypatch
    )
    import issuing_collect  # the module written above, as the producer imports it

    vendor, _ = passentry
    count, run = 120, f"collect-{uuid.uuid4().hex[:8]}"
    passes = [
        Pass(template=TEMPLATE, external_id=f"{run}-{i}", fields={"fullName": f"Member {i}"})
        for i in range(count)
    ]
    workers = [start_worker(f"c{n}", env, tmp_path, "issuing_collect") for n in range(2)]
    try:
        job = issuing_collect.issuer.issue_many(passes, run=run)
        deadline = time.monotonic() + 60
        while not job.chunks[0][2].ready() or succeeded_in(run) < 40:
            assert time.monotonic() < deadline, "the workers never got going"
            time.sleep(0.01)
        # Redis dies while the producer waits on a chunk still being issued
        threading.Timer(0.3, own_redis, args=(False,)).start()
        started = time.monotonic()
        with pytest.raises(ResultsUnavailable) as caught:
            job.collect(timeout=60)
        waited = time.monotonic() - started
        stop(workers)

        error = caught.value
        # What the error holds, without the traceback that keeps the job's pending results
        # alive: they are let go below while Redis is up (Celery stops listening for each when
        # it is garbage collected; with Redis away that prints an ignored exception).
        told = (error.message, error.code, error.retryable, error.result)
        journaled = succeeded_in(run)
        own_redis(True)  # back, empty (the test server keeps nothing): the queue is gone
        workers = [start_worker(f"d{n}", env, tmp_path, "issuing_collect") for n in range(2)]
        again = issuing_collect.issuer.issue_many(passes, run=run).collect(timeout=60)
        for _, _, pending in job.chunks:  # (Celery holds them until told)
            release_result(pending)
        del job, caught, error, pending
        gc.collect()
    finally:
        stop(workers)

    assert waited < 30  # told once Celery gave up reconnecting, not at the collect's timeout
    message, code, retryable, result = told
    assert retryable and code == "result_backend_failed"
    assert result is not None
    assert [item.index for item in result.items] == list(range(count))
    known = [item for item in result.items if item.ok]
    # what the results held, and what the journal says was issued: every issued pass is known
    assert 40 <= len(known) <= journaled  # (requests in flight when Redis died may end later)
    assert all(item.issued is not None for item in known)
    assert f"{len(known)} of {count}" in message
    unknown = [item for item in result.items if not item.ok]
    assert all(item.error is not None and item.error.retryable for item in unknown)
    assert "submit the run again" in message

    assert again.succeeded == count, [str(i.error) for i in again.items if not i.ok][:3]
    assert sum(item.skipped for item in again.items) >= len(known)
    live = [p for p in vendor.passes.values() if p.live]
    assert sorted(p.ext_id for p in live) == sorted(p.external_id for p in passes)  # type: ignore[misc]
