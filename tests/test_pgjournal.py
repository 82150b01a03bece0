"""The PostgreSQL bulk journal against a real server (scripts/services starts it): the SQLite
journal's exactly-once semantics, plus claims that keep two workers off one item and leases that
hand a killed worker's items to another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from walletpass_passentry.emulator import PassEntryEmulator

import walletpass
from walletpass import Pass
from walletpass.errors import ConfigurationError, Conflict, WalletPassError
from walletpass.journal import JournalState
from walletpass.model import BulkItem
from walletpass.pgjournal import PostgresJournal, run_entries
from walletpass.testing.emulator import EmulatorServer, Fault

pytestmark = pytest.mark.services

TEMPLATE = "2e2d7ee8c306e8f0223dbdc1"


def sample(run: str, count: int) -> list[Pass]:
    return [
        Pass(template=TEMPLATE, external_id=f"{run}-{i}", fields={"fullName": f"Member {i}"})
        for i in range(count)
    ]


@pytest.fixture
def passentry() -> Iterator[tuple[PassEntryEmulator, str]]:
    app = PassEntryEmulator(rate_limit=1000)
    with EmulatorServer(app) as server:
        yield app, server.url


def connect(url: str) -> walletpass.Provider:
    return walletpass.connect(
        "passentry", base_url=url, api_key=PassEntryEmulator().api_key, rate_limit=0
    )


def created(app: PassEntryEmulator) -> list[int]:
    """Statuses of every create the emulator received."""
    return [e.status for e in app.journal if e.method == "POST" and e.path == "/api/v1/passes"]


def run_name() -> str:
    return f"run-{uuid.uuid4().hex[:12]}"


def test_a_rerun_skips_what_the_first_run_issued(
    passentry: tuple[PassEntryEmulator, str], postgres_url: str
) -> None:
    app, url = passentry
    run, passes = run_name(), sample("again", 20)
    wallet = connect(url)

    with PostgresJournal(postgres_url, run=run, provider="passentry") as journal:
        first = wallet.create_many(passes, journal=journal)
    with PostgresJournal(postgres_url, run=run, provider="passentry") as journal:
        second = wallet.create_many(passes, journal=journal)
        counts = journal.counts()
    wallet.close()

    assert first.succeeded == 20 and not any(item.skipped for item in first.items)
    assert second.succeeded == 20 and all(item.skipped for item in second.items)
    assert [i.issued.id for i in second.items] == [i.issued.id for i in first.items]  # type: ignore[union-attr]
    assert counts[JournalState.SUCCEEDED] == 20
    assert len(created(app)) == 20


def test_two_workers_given_the_same_items_issue_each_once(
    passentry: tuple[PassEntryEmulator, str], postgres_url: str
) -> None:
    app, url = passentry
    app.inject_randomly([Fault.latency(0.02)], rate=1.0, seed=1)
    run, passes = run_name(), sample("twice", 40)
    results = {}

    def worker(name: str) -> None:
        wallet = connect(url)
        with PostgresJournal(postgres_url, run=run, provider="passentry") as journal:
            results[name] = wallet.create_many(passes, journal=journal)
        wallet.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(created(app)) == 40
    assert all(200 <= status < 300 for status in created(app))
    for result in results.values():
        assert result.succeeded == 40
    ids_a = [item.issued.id for item in results["a"].items]  # type: ignore[union-attr]
    ids_b = [item.issued.id for item in results["b"].items]  # type: ignore[union-attr]
    assert ids_a == ids_b
    # every item was sent by exactly one worker and found settled by the other
    sent = [not a.skipped for a in results["a"].items]
    assert [not b.skipped for b in results["b"].items] == [not s for s in sent]


WORKER = r"""
import sys
import walletpass
from walletpass import Pass
from walletpass.pgjournal import PostgresJournal

url, key, dsn, run, count = sys.argv[1:6]
wallet = walletpass.connect("passentry", base_url=url, api_key=key, rate_limit=0, concurrency=4)
passes = [
    Pass(
        template="2e2d7ee8c306e8f0223dbdc1",
        external_id=f"killed-{i}",
        fields={"fullName": f"Member {i}"},  # the content the resuming run gives (sample())
    )
    for i in range(int(count))
]
with PostgresJournal(dsn, run=run, provider="passentry", lease=1.0) as journal:
    wallet.create_many(passes, journal=journal)
"""


def test_a_killed_workers_claims_pass_to_another_after_the_lease(
    passentry: tuple[PassEntryEmulator, str],
    postgres_url: str,
    succeeded_in: Callable[[str], int],
) -> None:
    app, url = passentry
    # slow answers, so that requests are in flight (sent, not answered) when the kill comes; and
    # enough of them that the worker is still running (about 4.5 s) when a test process starved by
    # a loaded machine sees the first ten settle and kills it
    app.inject_randomly([Fault.latency(0.15)], rate=1.0, seed=2)
    run, count = run_name(), 120
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER,
            url,
            PassEntryEmulator().api_key,
            postgres_url,
            run,
            str(count),
        ],
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    # The kill comes while the emulator holds a request it has not answered (the worker journals
    # an item in flight before sending it), not at a moment a busy machine happens to pick, when
    # the worker may be between items.
    while succeeded_in(run) < 10 or app.faults_applied <= len(app.journal):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr is not None:
        process.stderr.close()
    app.clear_faults()  # the rest is issued at full speed; the lease is what is waited for

    with PostgresJournal(postgres_url, run=run, provider="passentry", lease=1.0) as journal:
        in_flight = journal.counts()[JournalState.IN_FLIGHT]
        wallet = connect(url)
        result = wallet.create_many(sample("killed", count), journal=journal)
        wallet.close()

    assert in_flight >= 1  # the kill did catch requests in flight
    assert result.succeeded == count, [str(i.error) for i in result.items if not i.ok]
    live = [p for p in app.passes.values() if p.live]
    assert sorted(p.ext_id for p in live) == sorted(f"killed-{i}" for i in range(count))
    assert 409 not in created(app) and 422 not in created(app)  # nothing was sent twice


def test_an_item_held_by_a_live_worker_is_waited_for_then_found_settled(
    postgres_url: str,
) -> None:
    run = run_name()
    with (
        PostgresJournal(postgres_url, run=run, provider="fake", lease=5.0) as holder,
        PostgresJournal(
            postgres_url, run=run, provider="fake", lease=5.0, claim_timeout=0.3
        ) as other,
    ):
        with (
            holder.claim("ext:a"),
            pytest.raises(WalletPassError) as caught,
            other.claim("ext:a"),
        ):
            pass
        assert caught.value.retryable
        assert "held by another worker" in str(caught.value)
        with other.claim("ext:a"):  # released: free again at once
            pass


def test_a_run_belongs_to_one_provider(postgres_url: str) -> None:
    run = run_name()
    with PostgresJournal(postgres_url, run=run, provider="pass2u"):
        pass
    with pytest.raises(ConfigurationError, match="belongs to a run on provider 'pass2u'"):
        PostgresJournal(postgres_url, run=run, provider="passentry")


def test_an_unreachable_database_is_a_configuration_error_without_the_password() -> None:
    dsn = "postgresql://walletpass:pg-secret-pw-42@127.0.0.1:1/walletpass"
    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(dsn, run="x", provider="fake")
    assert "pg-secret-pw-42" not in str(caught.value)
    assert "127.0.0.1:1/walletpass" in str(caught.value)


def test_a_stored_error_never_holds_a_credential(postgres_url: str) -> None:
    # A plugin's own error (not walletpass's, whose messages are masked already) may quote the
    # vendor's echo of the key, in any printed form: the journal masks what it stores.
    from urllib.parse import quote

    from walletpass.redaction import MASK, register_secret, secret_forms

    secret = "sk_pgjournal_8d1f/+="
    register_secret(secret)
    with PostgresJournal(postgres_url, run=run_name(), provider="fake") as journal:
        journal.begin("row-1", 0, "print")
        error = RuntimeError(f"vendor said {secret!r} {quote(secret)}")
        journal.fail("row-1", error, retryable=False, outcome_unknown=False)
        entry = journal.get("row-1")
    assert entry is not None and entry.error_message is not None
    assert MASK in entry.error_message
    assert not any(form in entry.error_message for form in secret_forms(secret))


def test_a_database_lost_mid_run_stops_it_typed_and_the_rerun_issues_each_pass_once(
    postgres_url: str,
) -> None:
    import psycopg

    from walletpass.errors import JournalError

    app = PassEntryEmulator(rate_limit=1000)
    app.inject_randomly([Fault.latency(0.05)], rate=1.0, seed=4)
    run, passes = run_name(), sample("lost", 40)
    with EmulatorServer(app) as server:
        wallet = connect(server.url)

        def cut_when_under_way(item: BulkItem) -> None:
            # From the run's own on_item, when its eighth outcome is out: the cut lands while
            # most of the run is still to come, however loaded the machine (a thread polling
            # the table came too late once in sixteen runs: the run had ended, nothing raised).
            if item.index != 7:
                return
            with psycopg.connect(postgres_url, autocommit=True) as db:  # as a failover would
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    (f"walletpass journal {run}",),
                )

        journal = PostgresJournal(postgres_url, run=run, provider="passentry")
        try:
            with pytest.raises(JournalError) as caught:
                wallet.create_many(
                    passes, journal=journal, concurrency=4, on_item=cut_when_under_way
                )
        finally:
            journal.close()
        stopped = caught.value
        # the same run again, on a fresh connection: what was sent is looked up, not resent
        with PostgresJournal(postgres_url, run=run, provider="passentry") as journal:
            again = wallet.create_many(passes, journal=journal, concurrency=4)
        wallet.close()

    assert "the database failed" in str(stopped) and stopped.not_attempted
    settled = stopped.result.items
    assert settled and all(item.ok for item in settled)  # every outcome reported is true
    assert again.succeeded == 40, [str(i.error) for i in again.items if not i.ok][:3]
    live = [p.ext_id for p in app.passes.values() if p.live]
    assert sorted(live) == sorted(p.external_id for p in passes)  # each once: none lost, none twice
    assert len(created(app)) == 40


def test_a_worker_that_stalled_past_its_lease_sends_nothing_more(postgres_url: str) -> None:
    import psycopg

    from walletpass.errors import JournalError

    run = run_name()
    with (
        PostgresJournal(postgres_url, run=run, provider="fake", lease=30.0) as stalled,
        PostgresJournal(postgres_url, run=run, provider="fake", lease=30.0) as other,
        stalled.claim("ext:a"),
    ):
        # the first worker stalls (a GC pause, a suspended VM) until its lease has run out...
        with psycopg.connect(postgres_url, autocommit=True) as db:
            db.execute(
                "UPDATE walletpass_claims SET lease_until = now() - interval '1 second' "
                "WHERE run = %s AND owner = %s",
                (run, stalled.owner),
            )
        with other.claim("ext:a"):  # ...and another worker takes the item over
            other.begin("ext:a", 0, "print")
        # waking up, the first one is stopped before it would send
        with pytest.raises(JournalError) as caught:
            stalled.begin("ext:a", 0, "print")
        assert "taken over by another worker" in str(caught.value)
        entry = stalled.get("ext:a")
    assert entry is not None and entry.attempts == 1  # only the other worker's attempt


def test_an_item_sent_after_waiting_carries_no_stale_not_sent_error(postgres_url: str) -> None:
    """As on the SQLite journal: the in-flight record written at the dispatch point replaces
    the "not sent" one written while the item waited for its slot, error included."""
    journal = PostgresJournal(postgres_url, run=run_name(), provider="pass2u")
    with journal, journal.claim("pos:0"):
        journal.begin("pos:0", 0, "print")
        journal.not_sent("pos:0")
        journal.begin("pos:0", 0, "print")
        entry = journal.get("pos:0")
    assert entry is not None and entry.state is JournalState.IN_FLIGHT
    assert (entry.error_type, entry.error_message, entry.retryable) == (None, None, False)


# PostgreSQL text holds no NUL, which SQLite's does: an external id carrying one (Livepasses
# takes any text; a row of a damaged file) or a vendor refusal quoting one stopped the whole run
# with a JournalError, and every re-run again at the same item.
_ODD_IDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda text: text == text.strip()
)


@settings(max_examples=25, deadline=None)
@given(st.lists(_ODD_IDS, min_size=1, max_size=4, unique=True), st.data())
def test_any_external_id_and_any_message_are_kept_exactly_per_item(
    postgres_url: str, ids: list[str], data: st.DataObject
) -> None:
    # Each id and its NUL-free twin: they stay two items, neither taken for the other.
    keys = list(dict.fromkeys(k for i in ids for k in (f"ext:{i}", f"ext:{i.replace(chr(0), '')}")))
    keys.append(f"nul:{json.dumps(keys[0])}")  # spelt like a stored key: still its own item
    message = data.draw(st.text(min_size=1, max_size=20)) + "\x00"
    run = run_name()
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        for position, key in enumerate(keys):
            with journal.claim(key):
                journal.begin(key, position, "print")
                journal.fail(key, Conflict(message), retryable=False, outcome_unknown=False)
        entries = journal.entries()
        assert [journal.get(k).key for k in keys] == keys  # type: ignore[union-attr]
    assert [e.key for e in entries] == keys and all(e.attempts == 1 for e in entries)
    assert {e.error_message for e in entries} == {message.replace("\x00", "\\x00")}
    assert [e.key for e in run_entries(postgres_url, run)] == keys


def test_a_nul_in_an_external_id_or_a_refusal_fails_that_item_only(postgres_url: str) -> None:
    wallet = walletpass.connect("fake")
    wallet.fail_next("create", Conflict("the vendor quoted 'a\x00b'"))
    passes = [Pass(template="t", external_id=e) for e in ("first", "a\x00b", "c\x00", "last")]
    run = run_name()
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        result = wallet.create_many(passes, journal=journal, concurrency=1)
    assert [item.ok for item in result.items] == [False, True, True, True]
    assert "\\x00" in str(journal.get("ext:first").error_message)  # type: ignore[union-attr]
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        again = wallet.create_many(passes[1:], journal=journal)
        assert {e.key for e in journal.entries()} == {f"ext:{p.external_id}" for p in passes}
    assert again.succeeded == 3 and all(item.skipped for item in again.items)
    assert len(list(wallet.list())) == 3
    with pytest.raises(ConfigurationError, match="NUL"):
        PostgresJournal(postgres_url, run="a\x00b", provider="fake")


def test_a_position_entry_moves_under_a_key_holding_nul(postgres_url: str) -> None:
    """The move of an earlier walletpass's pos: entry (adopt_position_entry) wrote the key as
    given: DataError (a JournalError stopping the run) for one holding NUL, and the entry came
    back under its stored form."""
    key = "ext:a\x00b"
    with PostgresJournal(postgres_url, run=run_name(), provider="pass2u") as journal:
        journal.begin("pos:0", 0, "print")
        with journal.claim(key):
            moved = journal.adopt_position_entry(key, 0, "print")
        assert moved is not None and moved.key == key
        found = journal.get(key)
        assert found is not None and found.key == key and journal.get("pos:0") is None
