"""Items a Celery worker holds while they wait for a rate-limit slot are not yet sent: when the
worker is SIGKILLed there, the others issue them after the lease, exactly once, even on Pass2U,
which cannot be asked whether a pass exists. Real Celery worker processes, Redis (broker, results,
the shared limiter) and PostgreSQL (the shared journal); the Pass2U emulator as the vendor.

An item waiting for its slot is recorded not sent, and in flight at its request's dispatch
point, after the limiter granted the slot (walletpass.send_checks): before the fix the journal
said "in flight" from before the wait, and each such item was reported OutcomeUnknown instead of
being issued.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.services

pytest.importorskip("celery")

from walletpass_pass2u.emulator import Pass2UEmulator  # noqa: E402

from walletpass import Barcode, Pass  # noqa: E402
from walletpass.journal import NOT_SENT  # noqa: E402
from walletpass.testing.emulator import EmulatorServer, Fault  # noqa: E402

from .test_celery import start_worker, write_app  # noqa: E402


def held_in(postgres_url: str) -> Callable[[str, int], dict[str, str | None]]:
    """``held(run, pid)``: the items worker ``pid`` has claimed, each with its journal state:
    ``None`` (not sent: no entry yet, or recorded waiting for its rate-limit slot) or
    ``"in_flight"`` (its create began: past its slot, or about to wait for it)."""
    import psycopg

    def keys(run: str, pid: int) -> dict[str, str | None]:
        with psycopg.connect(postgres_url, autocommit=True) as db:
            rows = db.execute(
                "SELECT c.key, CASE WHEN i.error_type = %s THEN NULL ELSE i.state END "
                "FROM walletpass_claims c LEFT JOIN walletpass_items i "
                "ON i.run = c.run AND i.key = c.key WHERE c.run = %s AND c.owner LIKE %s",
                (NOT_SENT[0], run, f"%:{pid}:%"),
            ).fetchall()
        return dict(rows)

    return keys


def postgres_ports(pid: int, postgres_url: str) -> set[int]:
    """The local ports of process ``pid``'s TCP connections to the PostgreSQL server."""
    from urllib.parse import urlsplit

    server_port = urlsplit(postgres_url).port or 5432
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in (f"/proc/{pid}/net/tcp", f"/proc/{pid}/net/tcp6"):
        try:
            with open(table) as lines:
                rows = lines.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cells = row.split()
            local, remote, inode = cells[1], cells[2], cells[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def until_served(postgres_url: str, ports: set[int], *, within: float = 15.0) -> None:
    """Wait until the server has ended the backends of the connections from ``ports`` (a
    killed client's last statements are executed, committed or rolled back, by then)."""
    import psycopg

    deadline = time.monotonic() + within
    with psycopg.connect(postgres_url, autocommit=True) as db:
        while ports:
            left = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s)",
                (sorted(ports),),
            ).fetchone()
            if not left or not left[0]:
                return
            assert time.monotonic() < deadline, "PostgreSQL kept a killed worker's backends"
            time.sleep(0.02)


def test_items_waiting_for_their_slot_in_a_killed_worker_are_issued_by_the_others_once(
    tmp_path: Path,
    redis_url: str,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    succeeded_in: Callable[[str], int],
) -> None:
    vendor = Pass2UEmulator(api_key=f"dispatch-{uuid.uuid4().hex[:8]}")
    vendor.inject_randomly([Fault.latency(0.02)], rate=1.0, seed=5)
    count, run = 96, f"dispatch-{uuid.uuid4().hex[:8]}"
    held_by = held_in(postgres_url)
    with EmulatorServer(vendor) as server:
        # 20 requests/s shared by three workers of four threads each: most of a worker's
        # claimed items wait for their slot at any moment.
        env = write_app(
            tmp_path,
            "dispatching",
            redis_url,
            server.url,
            postgres_url,
            monkeypatch,
            TEST_PROVIDER="pass2u",
            TEST_VENDOR_KEY=vendor.api_key,
            TEST_RATE="20",
        )
        import dispatching  # the module written above, as the producer imports it

        passes = [
            Pass(template="1919", barcode=Barcode(message=f"{run}-{i}"), fields={"name": "M"})
            for i in range(count)
        ]
        workers = [start_worker(f"d{n}", env, tmp_path, "dispatching") for n in range(3)]
        try:
            job = dispatching.issuer.issue_many(passes, run=run)
            victim = workers[0]
            deadline = time.monotonic() + 60
            # Kill a worker, after some issuing, while it holds items that have waited for their
            # slot a while (claimed, not sent: a slot is 0.6 s away for each of the twelve
            # threads; before the fix, when items were recorded in flight before the wait and
            # stayed so through it, none was seen unsent this long).
            unrecorded_since: dict[str, float] = {}
            while True:
                assert time.monotonic() < deadline, "no worker was seen waiting for a slot"
                assert all(w.poll() is None for w in workers)
                now = time.monotonic()
                unrecorded = [k for k, state in held_by(run, victim.pid).items() if state is None]
                unrecorded_since = {k: unrecorded_since.get(k, now) for k in unrecorded}
                waited_long = [k for k, since in unrecorded_since.items() if now - since >= 0.3]
                if len(waited_long) >= 2 and succeeded_in(run) >= 12:
                    # Frozen, then asked again: an item seen waiting may have got its slot
                    # since (a loaded machine), and the kill must find one still waiting.
                    victim.send_signal(signal.SIGSTOP)
                    if None in held_by(run, victim.pid).values():
                        break
                    victim.send_signal(signal.SIGCONT)
                time.sleep(0.005)
            # Frozen first (above), so that the connections seen are all it has; what it held
            # when it died is read once PostgreSQL has finished its last statements (a write
            # sent just before the kill can still be executing when the process is gone).
            ports = postgres_ports(victim.pid, postgres_url)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            until_served(postgres_url, ports)
            at_kill = held_by(run, victim.pid)
            result = job.collect(timeout=120)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
            for worker in workers:
                worker.wait(timeout=10)

    held = Counter(p.barcode_message() for p in vendor.passes.values())
    waited = [key for key, state in at_kill.items() if state is None]
    sending = [key for key, state in at_kill.items() if state == "in_flight"]
    assert waited, "the victim held no item waiting for its slot when it was killed"
    by_key = {f"pos:{item.index}": item for item in result.items}
    for key in waited:  # each item the dead worker held unsent was issued by another, once
        item = by_key[key]
        assert item.ok and not item.skipped, (key, item.error)
    assert all(n == 1 for n in held.values())  # no duplicate anywhere
    for item in result.items:
        message = passes[item.index].barcode.message  # type: ignore[union-attr]
        if item.ok:
            assert held[message] == 1
        else:
            # only a request that had reached its dispatch point when the worker died (on the
            # wire, or answered before the answer was recorded) stays unknown, never guessed
            assert type(item.error).__name__ == "OutcomeUnknown", item.error
            assert item.error is not None and item.error.outcome_unknown
            assert f"pos:{item.index}" in sending, (item.index, at_kill)
