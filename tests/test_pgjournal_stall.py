"""A worker that stalls (a paused VM, a stopped process) while its request waits for a rate-limit
slot, past its lease, must not send when it wakes: another worker has taken the item over and
issued it. A real worker process, stopped with SIGSTOP; a real PostgreSQL (scripts/services)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from walletpass_passentry.emulator import PassEntryEmulator

import walletpass
from walletpass import Pass
from walletpass.journal import NOT_SENT
from walletpass.pgjournal import PostgresJournal
from walletpass.testing.emulator import EmulatorServer

pytestmark = pytest.mark.services

TEMPLATE = "2e2d7ee8c306e8f0223dbdc1"

# One slot every 4 seconds: after its first pass, the worker claims the second and waits for its
# slot (the item is recorded not sent while it waits, in flight once the slot is granted), where
# the test stops it.
WORKER = r"""
import json, sys
import walletpass
from walletpass import Pass
from walletpass.pgjournal import PostgresJournal

url, key, database, run = sys.argv[1:5]
wallet = walletpass.connect("passentry", base_url=url, api_key=key, rate_limit=0.25)
passes = [Pass(template="2e2d7ee8c306e8f0223dbdc1", external_id=f"{run}-{i}",
               fields={"fullName": f"M {i}"}) for i in range(2)]
try:
    with PostgresJournal(database, run=run, provider="passentry", lease=1.0) as journal:
        result = wallet.create_many(passes, journal=journal, concurrency=1)
    print(json.dumps({"ok": result.succeeded}), flush=True)
except walletpass.WalletPassError as exc:
    print(json.dumps({"error": type(exc).__name__, "message": exc.message}), flush=True)
"""


def waiting_for_second(database: str, run: str) -> bool:
    """The first pass is recorded issued and the second claimed and recorded not sent: the
    worker waits for the second's rate-limit slot (four seconds)."""
    import psycopg

    with psycopg.connect(database, autocommit=True) as db:
        rows = db.execute(
            "SELECT position, state, error_type FROM walletpass_items WHERE run = %s", (run,)
        ).fetchall()
        claims = db.execute("SELECT key FROM walletpass_claims WHERE run = %s", (run,)).fetchall()
    waiting = (1, "failed", NOT_SENT[0])
    return sorted(rows) == [(0, "succeeded", None), waiting] and claims == [(f"ext:{run}-1",)]


def test_a_worker_stalled_while_waiting_for_its_slot_does_not_send_what_another_issued(
    postgres_url: str,
) -> None:
    app = PassEntryEmulator(rate_limit=1000)
    run = f"stall-{uuid.uuid4().hex[:10]}"
    with EmulatorServer(app) as server:
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, server.url, app.api_key, postgres_url, run],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not waiting_for_second(postgres_url, run):
                assert worker.poll() is None, worker.communicate()
                assert time.monotonic() < deadline, "the worker never reached its second pass"
                time.sleep(0.05)
            os.kill(worker.pid, signal.SIGSTOP)  # the second pass waits for its slot: stall
            time.sleep(1.5)  # past its 1 s lease
            other = walletpass.connect(
                "passentry", base_url=server.url, api_key=app.api_key, rate_limit=0
            )
            passes = [
                Pass(template=TEMPLATE, external_id=f"{run}-{i}", fields={"fullName": f"M {i}"})
                for i in range(2)
            ]
            with PostgresJournal(postgres_url, run=run, provider="passentry", lease=1.0) as j:
                taken_over = other.create_many(passes, journal=j)
            os.kill(worker.pid, signal.SIGCONT)  # it wakes, its slot long due
            out, err = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert taken_over.succeeded == 2, taken_over.items
    said = json.loads(out.strip().splitlines()[-1])
    assert said.get("error") == "JournalError", (said, err)
    assert "taken over by another worker" in said["message"]
    externals = sorted(str(p.ext_id) for p in app.passes.values())
    assert externals == [f"{run}-0", f"{run}-1"]  # each once
