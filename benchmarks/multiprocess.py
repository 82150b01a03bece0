"""Beyond one process: four workers sharing one Pass2U key, and a Celery run losing a worker.

Against the Pass2U emulator (100 requests/s per key enforced, 20 ms added to every answer):

* **one process** with the in-process limiter, retries off: the 429 answers it gets (the
  arrival rule kept in memory, :mod:`walletpass.ratelimit`);
* **per-process limits** (today's default): four processes, each keeping itself to 100/s, send
  about four times what the key allows; the row reports the send rate against the limit and the
  429 answers (retries are off, so none is hidden);
* **shared limiter** (``rate_limit_backend`` on Redis): the same four processes, one budget;
  the row reports the rate against the ideal (``(count - 1) / 100 + round trip``) and the 429s;
* **killed worker**: the same input issued by four Celery workers (PostgreSQL journal, shared
  limiter, the transport's default retries), one SIGKILLed a quarter of the way in; the row
  reports what the vendor holds, what the killed worker held (items waiting for a rate-limit
  slot, which the others issue; items in flight, which Pass2U cannot be asked about and so end
  ``OutcomeUnknown``), the unknown items split by whether the vendor received them, and the 429
  answers it gave.

They need the Redis and PostgreSQL servers of ``scripts/services start``; without them the rows
say so instead of a figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from common import Row, emulator

HERE = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("WALLETPASS_TEST_REDIS_URL", "redis://127.0.0.1:6390/0")
POSTGRES_URL = os.environ.get(
    "WALLETPASS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5439/walletpass"
)
WORKERS = 4
RATE = 100.0  # Pass2U's documented requests/second per key
LATENCY = 0.02
SECTION = "beyond one process"
#: One queue per benchmark process: celery_app reads it once, when this process first imports it.
QUEUE = f"walletpass-bench-{uuid.uuid4().hex[:8]}"


def services_missing() -> str | None:
    """Why the rows cannot run, or ``None``."""
    import psycopg
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        psycopg.connect(POSTGRES_URL, connect_timeout=2).close()
    except (redis.RedisError, psycopg.Error) as exc:
        return f"{type(exc).__name__}: run scripts/services start"
    return None


def _run_workers(
    url: str,
    key: str,
    count: int,
    backend: str | None,
    rate: float | None = None,
    *,
    workers: int = WORKERS,
) -> tuple[float, list[Any]]:
    """``workers`` processes sharing ``count`` creates, started together; (elapsed, reports)."""
    each = count // workers
    worker = [sys.executable, str(HERE / "issue_worker.py")]
    extra = [] if rate is None else [str(rate)]
    procs = [
        subprocess.Popen(
            [*worker, url, key, str(each), f"w{n}", backend or "-", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a benchmark worker did not start")
    started = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    # The run ends when the last worker reports, not when the interpreters have exited (on a
    # loaded machine their shutdown took two seconds more).
    reports = [json.loads(proc.stdout.readline()) for proc in procs if proc.stdout is not None]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.communicate(timeout=600)
    return elapsed, reports


def _round_trip(url: str, key: str) -> float:
    import walletpass
    from walletpass import Barcode, Pass

    wallet = walletpass.connect("pass2u", base_url=url, api_key=key)
    best = float("inf")
    for n in range(5):  # the best of five: one call alone is at the mercy of the machine
        started = time.perf_counter()
        wallet.create(
            Pass(template="1919", barcode=Barcode(message=f"probe-{n}"), fields={"name": "P"})
        )
        best = min(best, time.perf_counter() - started)
    wallet.close()
    return best


def shared_limiter_rows(count: int, *, with_margin: bool = False) -> list[Row]:
    """The per-process and shared rows; ``with_margin`` adds the shared limiter at
    ``rate_limit = 95`` (the margin docs/scale.md suggests for a busy machine)."""
    missing = services_missing()
    if missing:
        return [Row(SECTION, "shared rate limit", f"not run ({missing})", "-", None, "-", None)]
    rows = []
    with emulator("pass2u", latency=LATENCY) as emu:
        round_trip = _round_trip(emu.url, emu.api_key)
        time.sleep(1.5)  # the vendor's one-second window forgets the probe
        elapsed, reports = _run_workers(emu.url, emu.api_key, count, None, workers=1)
        rows.append(_one_process_row(count, elapsed, reports, round_trip))
        time.sleep(1.5)
        elapsed, reports = _run_workers(emu.url, emu.api_key, count, None)
        sent = sum(r["ok"] + r["failed"] for r in reports)
        limited = sum(r["errors"].get("RateLimited", 0) for r in reports)
        rate = sent / elapsed
        rows.append(
            Row(
                SECTION,
                f"pass2u: {WORKERS} processes x {count // WORKERS} passes, per-process limits",
                f"sent {rate:.0f}/s; {limited} answered 429 ({limited / sent:.0%})",
                f"vendor limit {RATE:.0f}/s",
                rate / RATE,
                "(the overrun the shared limiter removes)",
                None,
            )
        )
        for rate in [None, 95.0] if with_margin else [None]:
            time.sleep(1.5)
            elapsed, reports = _run_workers(emu.url, emu.api_key, count, REDIS_URL, rate)
            rows.append(_shared_row(count, elapsed, reports, round_trip, rate))
    return rows


def _one_process_row(count: int, elapsed: float, reports: list[Any], round_trip: float) -> Row:
    """One process alone with the in-process limiter (the arrival rule kept in memory)."""
    ok = sum(r["ok"] for r in reports)
    limited = sum(r["errors"].get("RateLimited", 0) for r in reports)
    ideal = (count - 1) / RATE + round_trip
    return Row(
        SECTION,
        f"pass2u: 1 process x {count} passes, in-process limiter",
        f"{ok / elapsed:.1f} passes/s ({elapsed:.2f} s); {limited} answered 429",
        f"ideal {RATE:.0f}/s ({ideal:.2f} s)",
        ideal / elapsed,
        "0 x 429 (the arrival rule in one process)",
        limited == 0 and ok == count,
    )


def _shared_row(
    count: int, elapsed: float, reports: list[Any], round_trip: float, rate: float | None
) -> Row:
    ok = sum(r["ok"] for r in reports)
    limited = sum(r["errors"].get("RateLimited", 0) for r in reports)
    # A configured rate_limit below the vendor's is the ideal that row can reach: the margin
    # costs throughput on purpose, and the row measures the limiter, not the margin.
    limit = RATE if rate is None else min(rate, RATE)
    ideal = (count - 1) / limit + round_trip
    efficiency = ideal / elapsed
    setting = "" if rate is None else f", rate_limit {rate:g}"
    return Row(
        SECTION,
        f"pass2u: {WORKERS} processes x {count // WORKERS} passes, shared limiter (Redis){setting}",
        f"{ok / elapsed:.1f} passes/s ({elapsed:.2f} s); {limited} answered 429",
        f"ideal {limit:.0f}/s ({ideal:.2f} s)",
        efficiency,
        ">= 0.95 of ideal, 0 x 429",
        efficiency >= 0.95 and limited == 0 and ok == count,
    )


def _why_not_started(job: Any) -> str:
    """Why a killed-worker run ended, or stalled, before a quarter of it was issued."""
    if not job.ready():
        return f"the run did not start in {START_TIMEOUT:.0f} s (or its workers died)"
    failed = [item.error for item in job.collect(timeout=30).items if item.error is not None]
    if not failed:
        return "the run ended early"
    first = failed[0]
    return f"{len(failed)} items failed, the first with {type(first).__name__}: {first}"


#: How long the killed-worker run may take to issue its first quarter before it is reported as
#: not started (seconds).
START_TIMEOUT = 90.0


def _held_at_kill(run: str, pid: int) -> tuple[int, int]:
    """The items the killed worker held: (not sent: waiting for a rate-limit slot, or not
    begun; recorded in flight: their create had begun and not waited for a slot since)."""
    import psycopg

    from walletpass.journal import NOT_SENT

    with psycopg.connect(POSTGRES_URL, autocommit=True) as db:
        rows = db.execute(
            "SELECT CASE WHEN i.error_type = %s THEN NULL ELSE i.state END "
            "FROM walletpass_claims c LEFT JOIN walletpass_items i "
            "ON i.run = c.run AND i.key = c.key WHERE c.run = %s AND c.owner LIKE %s",
            (NOT_SENT[0], run, f"%:{pid}:%"),
        ).fetchall()
    states = [state for (state,) in rows]
    return states.count(None), states.count("in_flight")


def killed_worker_row(count: int) -> Row:
    missing = services_missing()
    name = f"pass2u: {count} passes over {WORKERS} Celery workers, one SIGKILLed"
    if missing:
        return Row(SECTION, name, f"not run ({missing})", "-", None, "-", None)
    from walletpass_pass2u.emulator import Pass2UEmulator

    from walletpass.testing.emulator import EmulatorServer, Fault

    vendor = Pass2UEmulator(api_key=f"bench-{uuid.uuid4().hex[:8]}")
    vendor.inject_randomly([Fault.latency(LATENCY)], rate=1.0, seed=0)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    with EmulatorServer(vendor) as server:
        env = {
            **os.environ,
            "BENCH_REDIS_URL": REDIS_URL,
            "BENCH_POSTGRES_URL": POSTGRES_URL,
            "BENCH_VENDOR_URL": server.url,
            "BENCH_VENDOR_KEY": vendor.api_key,
            "BENCH_QUEUE": QUEUE,
            "PYTHONPATH": str(HERE),
        }
        os.environ.update({k: v for k, v in env.items() if k.startswith("BENCH_")})
        sys.path.insert(0, str(HERE))
        import celery_app

        from walletpass import Barcode, Pass

        celery = [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "--pool=solo"]
        quiet = ["--loglevel=ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        workers = [
            subprocess.Popen(
                [*celery, f"--hostname=bench{n}@%h", *quiet],
                cwd=HERE,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(WORKERS)
        ]
        try:
            passes = [
                Pass(template="1919", barcode=Barcode(message=f"{run}-{i}"), fields={"name": "M"})
                for i in range(count)
            ]
            started = time.perf_counter()
            job = celery_app.issuer.issue_many(passes, run=run)
            # Wait for a quarter to be issued, but also for the run to end without it (every
            # item refused, the workers gone): waiting on the vendor alone is what once hung
            # here, when each pass was refused before sending (see walletpass.celery._as_payload).
            give_up = time.monotonic() + START_TIMEOUT
            while (
                len(vendor.passes) < count // 4
                and time.monotonic() < give_up
                and not job.ready()
                and any(worker.poll() is None for worker in workers)
            ):
                time.sleep(0.01)
            if len(vendor.passes) < count // 4:
                issued = len(vendor.passes)
                return Row(
                    SECTION,
                    name,
                    f"workers issued {issued} of {count} passes: {_why_not_started(job)}",
                    f"{count} passes",
                    issued / count,
                    "no duplicate, none lost",
                    False,
                )
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=30)
            waiting, sending = _held_at_kill(run, workers[0].pid)
            result = job.collect(timeout=600)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        held = Counter(p.barcode_message() for p in vendor.passes.values())
        posts = [e for e in vendor.journal if e.method == "POST"]
        creates = [e.status for e in posts]
    wanted = {p.barcode.message for p in passes if p.barcode is not None}
    duplicated = sum(1 for n in held.values() if n > 1)
    missing_passes = len(wanted - set(held))
    errors = Counter(type(i.error).__name__ for i in result.items if not i.ok)
    unknown = errors.get("OutcomeUnknown", 0)
    # Where the unknown items were when the worker died: a create the vendor received (on the
    # wire, or answered before the answer was journaled) or one it never saw (still waiting for
    # a rate-limit slot): the emulator's request log tells them apart.
    unknown_messages = [
        passes[i.index].barcode.message  # type: ignore[union-attr]
        for i in result.items
        if type(i.error).__name__ == "OutcomeUnknown"
    ]
    reached = sum(1 for m in unknown_messages if any(f'"{m}"'.encode() in e.body for e in posts))
    # An item the killed worker had in flight cannot be looked up at Pass2U (no external ids):
    # it is reported OutcomeUnknown, never sent again; "lost" counts passes neither at the vendor
    # nor reported.
    lost = missing_passes - sum(
        1
        for i in result.items
        if not i.ok and passes[i.index].barcode.message not in held  # type: ignore[union-attr]
    )
    return Row(
        SECTION,
        name,
        f"vendor holds {len(held)} ({duplicated} duplicated, {lost} lost); "
        f"killed holding {waiting} waiting for a slot, {sending} in flight; "
        f"{result.succeeded} ok, {unknown} unknown ({reached} reached the vendor, "
        f"{unknown - reached} never did); {creates.count(429)} x 429; {elapsed:.1f} s",
        f"{count} passes",
        len(held) / count,
        "exactly the input: no duplicate, none lost, none unknown",
        duplicated == 0 and lost == 0 and len(held) == count and unknown == 0,
    )
