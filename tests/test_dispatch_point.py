"""A bulk run records an item not sent while its request waits for the rate limiter's slot, and
in flight at its dispatch point, after the slot was granted (walletpass.send_checks): a run that
dies while items wait leaves them known to be unsent, and a re-run issues them, even on a vendor
that cannot be asked whether a pass exists (Pass2U). The same rule for the SQLite journal, the
sync and the async ``create_many``. (The shared PostgreSQL journal across Celery workers:
test_celery_dispatch.py; a plugin sending on its own client, which the item stays in flight
for: test_plugin_own_client.py.)"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from walletpass_pass2u.emulator import Pass2UEmulator

import walletpass
import walletpass.aio
from walletpass import Barcode, Pass
from walletpass.errors import RateLimited
from walletpass.journal import BulkJournal, JournalState
from walletpass.testing.emulator import EmulatorServer

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def states(path: Path) -> dict[str, int]:
    """The journal's items by state, read without opening it as a journal."""
    if not path.exists():
        return {}
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        try:
            rows = db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        except sqlite3.OperationalError:  # no table yet
            return {}
    return dict(rows)


class Probe:
    """A limiter that notes the journal's states while each request waits for its slot, and
    refuses the slot (``RateLimited``) to the requests numbered in ``refuse``."""

    def __init__(self, journal: Path, refuse: tuple[int, ...] = ()) -> None:
        self.journal = journal
        self.refuse = refuse
        self.seen: list[dict[str, int]] = []

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
        self.seen.append(states(self.journal))
        if len(self.seen) - 1 in self.refuse:
            raise RateLimited("client-side rate limit: no slot before the deadline")

    def pause(self, key: str, seconds: float) -> None:
        pass


class AsyncProbe:
    """:class:`Probe` for the async transport."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    async def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
        self.probe.acquire(key, max_wait=max_wait)

    async def pause(self, key: str, seconds: float) -> None:
        pass


@pytest.fixture
def pass2u() -> Iterator[tuple[Pass2UEmulator, str]]:
    app = Pass2UEmulator()
    with EmulatorServer(app) as server:
        yield app, server.url


def passes(count: int) -> list[Pass]:
    return [
        Pass(template="1919", barcode=Barcode(message=f"m-{i}"), fields={"name": f"M {i}"})
        for i in range(count)
    ]


def held(app: Pass2UEmulator) -> list[str | None]:
    return sorted(p.barcode_message() for p in app.passes.values())


#: The journal's states each time one of three items (one at a time) waits for its slot: the
#: earlier ones issued, the waiting one a retryable failure (not sent), none in flight.
WHILE_WAITING = [{"failed": 1}, {"succeeded": 1, "failed": 1}, {"succeeded": 2, "failed": 1}]


def test_an_item_waiting_for_its_slot_is_recorded_not_sent(
    pass2u: tuple[Pass2UEmulator, str], tmp_path: Path
) -> None:
    app, url = pass2u
    journal = tmp_path / "run.db"
    wallet = walletpass.connect("pass2u", base_url=url, api_key=app.api_key)
    probe = Probe(journal)
    wallet.transport.rate_limiter = probe
    result = wallet.create_many(passes(3), journal=journal, concurrency=1)
    assert result.succeeded == 3
    # while each waited, the items before it were issued and it was recorded not sent
    assert probe.seen == WHILE_WAITING
    assert states(journal) == {"succeeded": 3}


async def test_the_async_run_records_an_item_at_the_same_point(
    pass2u: tuple[Pass2UEmulator, str], tmp_path: Path
) -> None:
    app, url = pass2u
    journal = tmp_path / "run.db"
    probe = Probe(journal)
    async with await walletpass.aio.connect("pass2u", base_url=url, api_key=app.api_key) as wallet:
        wallet.transport.rate_limiter = AsyncProbe(probe)
        result = await wallet.create_many(passes(3), journal=journal, concurrency=1)
    assert result.succeeded == 3
    assert probe.seen == WHILE_WAITING
    assert states(journal) == {"succeeded": 3}


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_an_item_refused_its_slot_is_a_plain_failure_a_rerun_sends(
    pass2u: tuple[Pass2UEmulator, str], tmp_path: Path, api: str
) -> None:
    app, url = pass2u
    journal = tmp_path / "run.db"
    probe = Probe(journal, refuse=(1,))
    if api == "sync":
        wallet = walletpass.connect("pass2u", base_url=url, api_key=app.api_key, max_retries=0)
        wallet.transport.rate_limiter = probe
        first = wallet.create_many(passes(3), journal=journal, concurrency=1)
    else:
        async with await walletpass.aio.connect(
            "pass2u", base_url=url, api_key=app.api_key, max_retries=0
        ) as awallet:
            awallet.transport.rate_limiter = AsyncProbe(probe)
            first = await awallet.create_many(passes(3), journal=journal, concurrency=1)
    error = first.items[1].error
    assert isinstance(error, RateLimited) and not error.outcome_unknown
    assert held(app) == ["m-0", "m-2"]  # nothing left for the refused item
    with BulkJournal(journal, provider="pass2u") as book:
        entry = book.get("pos:1")
        assert entry is not None and entry.state is JournalState.FAILED and entry.retryable
        assert book.unresolved() == []

    # the re-run sends it (it is known unsent), and only it
    again = walletpass.connect("pass2u", base_url=url, api_key=app.api_key)
    rerun = again.create_many(passes(3), journal=journal)
    assert rerun.succeeded == 3
    assert [item.skipped for item in rerun.items] == [True, False, True]
    assert held(app) == ["m-0", "m-1", "m-2"]


def test_not_sent_only_turns_the_items_own_in_flight_record_back(tmp_path: Path) -> None:
    """A worker that waits for its slot records its item not sent; a record settled meanwhile
    (issued by whoever took the item over, or failed) is never turned back into "not sent",
    which would have a re-run issue it again."""
    from walletpass import IssuedPass, PassStatus

    with BulkJournal(tmp_path / "run.db", provider="pass2u") as book:
        book.begin("pos:0", 0, "print")
        book.not_sent("pos:0")
        entry = book.get("pos:0")
        assert entry is not None and entry.state is JournalState.FAILED and entry.retryable
        assert entry.attempts == 0  # nothing may have reached the vendor

        book.begin("pos:1", 1, "print")
        issued = IssuedPass(id="p1", vendor_id="p1", provider="pass2u", status=PassStatus.ISSUED)
        book.succeed("pos:1", issued)
        book.not_sent("pos:1")
        settled = book.get("pos:1")
        assert settled is not None and settled.state is JournalState.SUCCEEDED


def test_an_item_sent_after_waiting_carries_no_stale_not_sent_error(tmp_path: Path) -> None:
    """Recorded not sent while it waited, then in flight at its dispatch point: the in-flight
    record says nothing of the wait (a reader told "not sent" would re-issue a pass that may be
    at the vendor). The same for a retryable failure from an earlier run, sent again."""
    with BulkJournal(tmp_path / "run.db", provider="pass2u") as book:
        book.begin("pos:0", 0, "print")
        book.not_sent("pos:0")
        book.begin("pos:0", 0, "print")
        entry = book.get("pos:0")
        assert entry is not None and entry.state is JournalState.IN_FLIGHT
        assert (entry.error_type, entry.error_message, entry.retryable) == (None, None, False)
