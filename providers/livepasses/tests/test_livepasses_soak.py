"""Soak: a thousand passes through a flaky Livepasses, a run killed mid-way then resumed, and
answers nobody can read, all on create_many's native path (``POST /api/passes/generate`` with many
recipients, asynchronous batches followed through ``GET /api/passes/batch/{id}/status``).

Livepasses has no idempotency key, and these passes carry no external id (confirmation code) to
look them up by, so a generate whose connection breaks after sending is a genuinely unknown
outcome: walletpass must report it, never send it again. What the vendor documents as "not
processed" (429 with its ``Retry-After``, 503) and latency spikes are retried until every pass
exists exactly once. A reset of a generate POST cannot be told apart by a client from one that
came after the request took effect (both are "connection reset by peer" after the body was sent),
so resets on generate are exercised where they belong: among the unknown outcomes, reported and
never re-sent. Batch status polls are safe reads, so resets before and after the emulator
answered join the mix there.

Each chunk of 100 passes is sent as five small synchronous generate calls (five recipients each,
at most ``async_threshold``) and three asynchronous batches of 25, generated at ``batch_rate`` per
second and polled (``poll_interval`` 20 ms), so both of the emulator's paths are under fault.
The fault seeds are chosen so that every kind of fault lands on each route.
"""

from __future__ import annotations

import contextlib
import itertools
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import LivepassesEmulator

from walletpass import Event, Holder, Pass, PassKind
from walletpass.errors import (
    InvalidResponse,
    OutcomeUnknown,
    ProviderUnavailable,
    WalletPassError,
)
from walletpass.journal import BulkJournal, JournalState, fingerprint
from walletpass.model import BulkResult
from walletpass.testing.aio import on_async_api
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.soak import kill_when_journal_shows

EVENT = "tmpl-001"
GENERATE = "/api/passes/generate"
STATUS = r"/api/passes/batch/[^/]+/status"


def _refusal(code: str, message: str) -> dict[str, Any]:
    """Livepasses' error envelope, as the emulator's ``refuse`` writes it."""
    return {
        "success": False,
        "data": None,
        "error": {
            "code": code,
            "message": message,
            "details": None,
            "timestamp": "2027-01-05T10:00:01Z",
            "traceId": "0HN8K2SOAK01",
        },
    }


#: Livepasses' own 429: its envelope and the integer-seconds Retry-After the emulator sends.
THROTTLED = Fault.respond(
    429, _refusal("RATE_LIMIT_EXCEEDED", "Too many requests."), headers={"Retry-After": "1"}
)
UNAVAILABLE = Fault.respond(503, _refusal("SERVICE_UNAVAILABLE", "Service unavailable."))
SPIKE = Fault.latency(0.3)
#: Not processed, so safe to repeat on any request.
NOT_PROCESSED = [THROTTLED, UNAVAILABLE, SPIKE]
#: A batch status poll is a read: a reset before or after the answer is safe to repeat too.
POLL_FAULTS = [*NOT_PROCESSED, Fault.reset(), Fault.reset_after()]

PROXY_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML = {"Content-Type": "text/html"}


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    # Groups of more than 10 recipients go asynchronous; 250 per second keeps a 25-recipient
    # batch running for about 100 ms, so it is polled several times.
    return {"async_threshold": 10, "batch_rate": 250.0}


def _email(prefix: str, i: int) -> str:
    return f"{prefix}{i:05d}@example.com"


def guest(i: int, prefix: str = "s") -> Pass:
    """Per 100 consecutive inputs: five matinees of five (sync), three galas of 25 (async)."""
    title = f"Matinee {i // 4 % 5}" if i % 4 == 0 else f"Gala {i % 3}"
    return Pass(
        template=EVENT,
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name="Guest", last_name=f"N{i}", email=_email(prefix, i)),
        event=Event(title=title),
    )


def _held(emulator: LivepassesEmulator) -> Counter[str | None]:
    """Recipients the emulator holds a pass for, by email."""
    with emulator.lock:
        return Counter(stored.email for stored in emulator.passes.values())


def _sent(emulator: LivepassesEmulator, statuses: tuple[int, ...] | None = None) -> Counter[str]:
    """Recipients of the generate calls the emulator received (answered with ``statuses``)."""
    sent: Counter[str] = Counter()
    for entry in emulator.journal.find("POST", GENERATE):
        if statuses is not None and entry.status not in statuses:
            continue
        try:
            body = entry.json()
        except ValueError:  # a body cut short by the kill: the emulator refused it
            continue
        if not isinstance(body, dict):  # the kill landed before any of the body was sent
            continue
        sent.update(recipient["customer"]["email"] for recipient in body["passes"])
    return sent


# -- 1. a thousand passes, one request in ten hit by a transient fault ---------------------------


def test_a_thousand_passes_through_ten_percent_transient_faults(
    connect: Callable[..., LivepassesProvider], emulator: LivepassesEmulator
) -> None:
    emulator.inject_randomly(NOT_PROCESSED, rate=0.1, method="POST", path=GENERATE, seed=9)
    emulator.inject_randomly(POLL_FAULTS, rate=0.1, method="GET", path=STATUS, seed=162)
    wallet = connect(max_retries=8, rate_limit=0)

    result = wallet.create_many([guest(i) for i in range(1000)])

    assert [type(e).__name__ for _, e in result.errors] == []
    assert (result.total, result.succeeded, result.failed) == (1000, 1000, 0)
    held = _held(emulator)
    assert len(emulator.passes) == 1000
    assert set(held) == {_email("s", i) for i in range(1000)}
    assert max(held.values()) == 1
    # Input order, and each outcome is that recipient's own pass (lines matched under faults).
    assert [item.index for item in result] == list(range(1000))
    for index, item in enumerate(result):
        assert item.issued is not None
        assert emulator.passes[item.issued.id].email == _email("s", index)
    # Every recipient was generated once: the retried requests had not been processed.
    assert max(_sent(emulator, statuses=(200, 202)).values()) == 1

    # Both of the emulator's paths ran: 50 synchronous calls, 30 batches each followed by polls.
    generates = emulator.journal.find("POST", GENERATE)
    polls = emulator.journal.find("GET", STATUS)
    answered = Counter(e.status for e in generates)
    assert (answered[200], answered[202]) == (50, 30)
    assert {e.path.split("/")[-2] for e in polls} == set(emulator.batches)
    # The faults really happened, of every kind on each route (the seeds see to it).
    assert emulator.faults_applied >= 15
    assert {429, 503} <= set(answered)
    assert {0, 429, 503} <= {e.status for e in polls}  # 0: a reset, before or after answering
    # Each 429 was honoured: the retry waited out Retry-After (1 s).
    for route in (generates, polls):
        for throttled, retry in itertools.pairwise(route):
            if throttled.status == 429:
                assert retry.at - throttled.at >= 0.95


# -- 2. resets of generate calls: unknown outcomes, never sent again -----------------------------


@pytest.mark.parametrize("api", ["sync", "async"])
def test_resets_of_generate_calls_are_unknown_outcomes_never_sent_again(
    connect: Callable[..., LivepassesProvider],
    emulator: LivepassesEmulator,
    tmp_path: Path,
    api: str,
) -> None:
    # Resets before the request took effect and after it did, which the client cannot tell apart.
    emulator.inject_randomly(
        [Fault.reset(), Fault.reset_after()], rate=0.2, method="POST", path=GENERATE, seed=5
    )
    wallet = connect(max_retries=4, rate_limit=0)
    if api == "async":  # the same batches driven on an event loop (walletpass.aio)
        wallet = on_async_api(wallet)
    journal = tmp_path / "resets.db"
    passes = [guest(i, "r") for i in range(300)]

    result = wallet.create_many(passes, journal=journal)

    unknown = [item for item in result if not item.ok]
    assert unknown, "the seed gives some resets"
    for item in unknown:
        assert isinstance(item.error, ProviderUnavailable)
        assert item.error.outcome_unknown and item.error.provider == "livepasses"
    assert result.succeeded + len(unknown) == 300
    # No recipient was sent twice, reset or not.
    assert max(_sent(emulator).values()) == 1
    emulator.finish_batches()  # what Livepasses accepted, it finishes generating
    held = _held(emulator)
    assert max(held.values()) == 1
    assert all(held[_email("r", item.index)] == 1 for item in result if item.ok)
    after_effect = [item for item in unknown if held[_email("r", item.index)]]
    before_effect = [item for item in unknown if not held[_email("r", item.index)]]
    assert after_effect and before_effect, "the seed gives both kinds of reset"
    assert len(emulator.passes) == result.succeeded + len(after_effect)

    # Re-run with the journal: the successes are skipped; the unknown items are OutcomeUnknown,
    # for a person to decide, and nothing is sent.
    posts = len(emulator.journal.find("POST", GENERATE))
    again = wallet.create_many(passes, journal=journal)
    assert again.skipped == result.succeeded
    assert [item.index for item in again if not item.ok] == [item.index for item in unknown]
    assert all(isinstance(item.error, OutcomeUnknown) for item in again if not item.ok)
    assert len(emulator.journal.find("POST", GENERATE)) == posts
    if api == "async":
        wallet.close()


# -- 3. SIGKILL mid-way, then the same journal ---------------------------------------------------

_GUESTS = textwrap.dedent(
    """
    import sys
    from walletpass import Event, Holder, Pass, PassKind

    url, key, journal, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    settings = {"base_url": url, "api_key": key, "rate_limit": 0, "poll_interval": 0.02}

    def guest(i):  # the soak module's guest(i, "k")
        title = f"Matinee {i // 4 % 5}" if i % 4 == 0 else f"Gala {i % 3}"
        return Pass(
            template="tmpl-001",
            kind=PassKind.EVENT_TICKET,
            holder=Holder(first_name="Guest", last_name=f"N{i}", email=f"k{i:05d}@example.com"),
            event=Event(title=title),
        )
    """
)

#: The run that is killed, on each API: the async one runs the same batches on the event loop
#: (walletpass.aio: plan_create_batch driven there, the journal written from worker threads).
KILLED_RUNS = {
    "sync": _GUESTS
    + textwrap.dedent(
        """
        import walletpass

        wallet = walletpass.connect("livepasses", **settings)
        wallet.create_many((guest(i) for i in range(count)), journal=journal, keep_items=False)
        """
    ),
    "async": _GUESTS
    + textwrap.dedent(
        """
        import asyncio
        import walletpass.aio

        async def run():
            async with await walletpass.aio.connect("livepasses", **settings) as wallet:
                passes = (guest(i) for i in range(count))
                await wallet.create_many(passes, journal=journal, keep_items=False)

        asyncio.run(run())
        """
    ),
}


def _kill_mid_batch(
    journal: Path, done: int, emulator: LivepassesEmulator, process: subprocess.Popen[bytes]
) -> None:
    """SIGKILL once ``done`` items succeeded and a later chunk's batch is still generating,
    its id already in the journal (the run saw Livepasses accept it)."""

    def generating_and_journaled() -> bool:
        with emulator.lock:
            running = [batch.id for batch in emulator.batches.values() if not batch.completed]
        if not running:
            return False
        try:
            with contextlib.closing(sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True)) as db:
                tickets = {row[0] for row in db.execute("SELECT DISTINCT ticket FROM items")}
        except sqlite3.Error:
            return False
        return bool(tickets & set(running))

    kill_when_journal_shows(
        process, journal, provider="livepasses", succeeded=done, also=generating_and_journaled
    )


@pytest.mark.parametrize("api", ["sync", "async"])
def test_a_run_killed_mid_way_resumes_with_every_pass_exactly_once(
    connect: Callable[..., LivepassesProvider],
    emulator: LivepassesEmulator,
    server: EmulatorServer,
    api_key: str,
    tmp_path: Path,
    api: str,
) -> None:
    count = 400
    journal = tmp_path / "run.db"
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUNS[api], server.url, api_key, str(journal), str(count)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _kill_mid_batch(journal, 100, emulator, process)
    assert process.returncode == -signal.SIGKILL
    passes = [guest(i, "k") for i in range(count)]
    with BulkJournal(journal, provider="livepasses") as book:
        counts = book.counts()
        unresolved = book.unresolved()
        first = book.get("pos:0")
    in_flight = [entry.position for entry in unresolved]
    # Accepted into a batch (Livepasses answered with its id) vs sent and still unanswered.
    in_batch = [entry.position for entry in unresolved if entry.ticket]
    unanswered = [entry.position for entry in unresolved if not entry.ticket]
    assert first is not None and first.fingerprint == fingerprint(passes[0])  # same inputs
    done_before = counts[JournalState.SUCCEEDED]
    assert 100 <= done_before < count
    assert in_batch, "the kill landed while a batch was generating"
    emulator.finish_batches()  # the batch accepted before the kill goes on generating

    # The re-runs on the same API as the killed run.
    wallet = connect(rate_limit=0) if api == "sync" else on_async_api(connect(rate_limit=0))
    resumed = wallet.create_many(passes, journal=journal)

    # What succeeded is skipped; what was in a batch is collected from that batch; what was
    # sent but never answered is reported, not re-sent (these inputs have no external id, so
    # Livepasses cannot be asked); what was never sent is created now.
    assert resumed.skipped == done_before
    by_index = {item.index: item for item in resumed}
    assert all(by_index[i].ok and not by_index[i].skipped for i in in_batch)
    followed_ids = {by_index[i].issued.id for i in in_batch}
    assert followed_ids <= set(emulator.passes)
    unknown = [item for item in resumed if not item.ok]
    assert [item.index for item in unknown] == unanswered
    assert all(isinstance(item.error, OutcomeUnknown) for item in unknown)
    created = [
        item for item in resumed if item.ok and not item.skipped and item.index not in in_batch
    ]
    assert len(created) == count - done_before - len(in_flight) > 0
    assert max(_sent(emulator).values()) == 1
    held = _held(emulator)
    assert max(held.values()) == 1
    generated_unanswered = [i for i in unanswered if held[_email("k", i)]]
    assert len(emulator.passes) == resumed.succeeded + len(generated_unanswered)

    # The human decision: look at the vendor, record what is there, run again.
    present = {stored.email: stored for stored in emulator.passes.values()}
    with BulkJournal(journal, provider="livepasses") as book:
        for entry in book.unresolved():
            stored = present.get(_email("k", entry.position))
            if stored is None:
                book.resolve(entry.key, issued=False)
            else:
                book.resolve(entry.key, issued=True, pass_id=stored.id)
    final = wallet.create_many(passes, journal=journal)

    assert (final.succeeded, final.failed) == (count, 0)
    assert len(emulator.passes) == count
    held = _held(emulator)
    assert set(held) == {_email("k", i) for i in range(count)}
    assert max(held.values()) == 1
    sent = _sent(emulator)  # across the killed run and both re-runs
    assert set(sent) == set(held) and max(sent.values()) == 1
    if api == "async":
        wallet.close()  # its event loop (the sync provider is the fixture's to close)


# -- 4. HTML and malformed answers: typed errors, per item ---------------------------------------


def _two_groups() -> list[Pass]:
    """Twelve gala guests (one asynchronous batch), then three matinee guests (synchronous)."""
    galas = [
        guest(i * 4 + 1, "m").model_copy(update={"event": Event(title="Gala")}) for i in range(12)
    ]
    matinees = [
        guest(i * 4, "m").model_copy(update={"event": Event(title="Matinee")}) for i in range(3)
    ]
    return galas + matinees


def _assert_typed(result: BulkResult, failing: range, error_type: type[WalletPassError]) -> None:
    for item in result:
        if item.index in failing:
            # The precise type: never a raw exception, nor one wrapped in the base class.
            assert type(item.error) is error_type, repr(item.error)
            assert item.error.provider == "livepasses"
        else:
            assert item.ok, repr(item.error)


def _ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}


def _completed(**data: Any) -> dict[str, Any]:
    return _ok({"batchId": "b-x", "status": "Completed", "isCompleted": True, **data})


_STATS = {"totalRecipients": 12, "passesGenerated": 12, "generationFailures": 0}
DEEP = b'{"success": true, "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
INFINITE = (
    b'{"success": true, "data": {"isCompleted": true, "statistics": {"totalRecipients": 1e999}}}'
)

#: (answer to the gala group's generate call, error for its 12 recipients, outcome_unknown
#: expected (None: not asserted), passes the call generated before answering so).
GENERATE_ANSWERS = [
    pytest.param(
        Fault.respond(502, body=PROXY_502, headers=HTML),
        ProviderUnavailable,
        True,
        0,
        id="502-html-from-a-proxy",
    ),
    pytest.param(
        Fault.respond(500, body=b"<h1>Internal Server Error</h1>", headers=HTML),
        ProviderUnavailable,
        None,
        0,
        id="500-html",
    ),
    pytest.param(Fault.malformed(), InvalidResponse, None, 12, id="200-truncated-json"),
    pytest.param(
        Fault.malformed(200, b"<!DOCTYPE html><html><body>Welcome</body></html>"),
        InvalidResponse,
        None,
        12,
        id="200-html",
    ),
    pytest.param(Fault.malformed(200, DEEP), InvalidResponse, None, 12, id="200-nested-too-deep"),
    pytest.param(
        Fault.malformed(200, b'["not", "an", "envelope"]'),
        InvalidResponse,
        None,
        12,
        id="200-json-array",
    ),
    pytest.param(
        Fault.respond(200, _ok("generated")),
        InvalidResponse,
        None,
        0,
        id="200-data-not-an-object",
    ),
    pytest.param(
        Fault.respond(202, _ok({"isAsyncProcessing": True, "passes": []})),
        InvalidResponse,
        None,
        0,
        id="202-async-without-batch-id",
    ),
    pytest.param(
        Fault.respond(
            200,
            _ok({"isAsyncProcessing": False, "passes": [{"id": "p-1", "customerEmail": 7}] * 12}),
        ),
        InvalidResponse,
        None,
        0,
        id="200-lines-of-the-wrong-types",
    ),
]


@pytest.mark.parametrize(("fault", "error_type", "unknown", "created"), GENERATE_ANSWERS)
def test_unreadable_generate_answers_are_typed_errors_for_their_own_recipients(
    connect: Callable[..., LivepassesProvider],
    emulator: LivepassesEmulator,
    fault: Fault,
    error_type: type[WalletPassError],
    unknown: bool | None,
    created: int,
) -> None:
    wallet = connect(max_retries=1, rate_limit=0)
    # 502 (the backend may have acted) and 500 are not repeated on a non-idempotent POST.
    emulator.inject(fault, method="POST", path=GENERATE)

    result = wallet.create_many(_two_groups())

    _assert_typed(result, range(12), error_type)
    if unknown is not None:
        assert all(item.error.outcome_unknown is unknown for item in result.items[:12])
    assert len(emulator.journal.find("POST", GENERATE)) == 2  # nothing was sent again
    emulator.finish_batches()
    # The matinee group, and whatever the faulted call generated before answering so.
    assert len(emulator.passes) == 3 + created
    assert max(_held(emulator).values()) == 1


#: (answer to the gala batch's status poll, error for its 12 recipients).
POLL_ANSWERS = [
    pytest.param(
        Fault.respond(502, body=PROXY_502, headers=HTML), ProviderUnavailable, id="502-html"
    ),
    pytest.param(
        Fault.respond(503, body=b"<html>Service Unavailable</html>", headers=HTML),
        ProviderUnavailable,
        id="503-html",
    ),
    pytest.param(Fault.malformed(), InvalidResponse, id="200-truncated-json"),
    pytest.param(Fault.malformed(200, b"<html>Please wait</html>"), InvalidResponse, id="200-html"),
    pytest.param(Fault.malformed(200, b"null"), InvalidResponse, id="200-null"),
    pytest.param(Fault.malformed(200, DEEP), InvalidResponse, id="200-nested-too-deep"),
    pytest.param(Fault.malformed(200, INFINITE), InvalidResponse, id="200-count-1e999"),
    pytest.param(Fault.respond(200, _ok([])), InvalidResponse, id="200-data-a-list"),
    pytest.param(
        Fault.respond(200, _completed(statistics=[12])),
        InvalidResponse,
        id="200-statistics-not-an-object",
    ),
    pytest.param(
        Fault.respond(200, _completed(statistics={**_STATS, "totalRecipients": "twelve"})),
        InvalidResponse,
        id="200-count-not-a-number",
    ),
    pytest.param(
        Fault.respond(
            200,
            _completed(
                statistics=_STATS,
                generatedPasses=[{"passId": f"p-{i}", "customerEmail": i} for i in range(12)],
            ),
        ),
        InvalidResponse,
        id="200-email-not-text",
    ),
    pytest.param(
        Fault.respond(
            200,
            _completed(statistics=_STATS, generatedPasses=[{"passId": "p-1", "status": 1}] * 12),
        ),
        InvalidResponse,
        id="200-status-not-text",
    ),
    pytest.param(
        Fault.respond(
            200,
            _completed(statistics=_STATS, generatedPasses=[{"passId": {"id": "p-1"}}] * 12),
        ),
        InvalidResponse,
        id="200-pass-id-an-object",
    ),
]


@pytest.mark.parametrize(("fault", "error_type"), POLL_ANSWERS)
def test_unreadable_batch_status_answers_are_typed_unknown_outcomes(
    connect: Callable[..., LivepassesProvider],
    emulator: LivepassesEmulator,
    fault: Fault,
    error_type: type[WalletPassError],
) -> None:
    wallet = connect(max_retries=1, rate_limit=0)
    # A poll is a safe read: an error status is retried (once here), so it must persist.
    emulator.inject(fault, method="GET", path=STATUS, times=2 if fault.status >= 500 else 1)

    result = wallet.create_many(_two_groups())

    # Only the batch's recipients are affected; the synchronous group's passes are reported.
    _assert_typed(result, range(12), error_type)
    # The batch was accepted: its passes may exist, so these outcomes are unknown, not failures.
    assert all(item.error.outcome_unknown for item in result.items[:12])
    assert len(emulator.journal.find("POST", GENERATE)) == 2  # and nothing was sent again


def test_one_html_gateway_page_on_a_poll_is_retried_away(
    connect: Callable[..., LivepassesProvider], emulator: LivepassesEmulator
) -> None:
    wallet = connect(max_retries=1, rate_limit=0)
    emulator.inject(Fault.respond(502, body=PROXY_502, headers=HTML), method="GET", path=STATUS)
    result = wallet.create_many(_two_groups())
    assert (result.succeeded, result.failed) == (15, 0)
    assert emulator.journal.find("GET", STATUS)[0].status == 502
