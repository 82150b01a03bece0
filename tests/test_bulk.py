"""create_many: input order, per-item errors, progress, streaming, and the resumable journal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from walletpass import (
    AlreadyRedeemed,
    BulkProgress,
    ConfigurationError,
    OutcomeUnknown,
    Pass,
    ProviderUnavailable,
    ValidationError,
    WalletPassError,
)
from walletpass.fake import FakeProvider
from walletpass.journal import BulkJournal, JournalState, fingerprint, item_key


def _passes(n: int, *, external: bool = True) -> list[Pass]:
    return [
        Pass(
            template="season",
            external_id=f"row-{i}" if external else None,
            fields={"row": str(i)},
        )
        for i in range(n)
    ]


def test_outcomes_in_input_order_with_invalid_items_and_progress() -> None:
    wallet = FakeProvider()
    progress: list[BulkProgress] = []
    inputs: list[object] = [*_passes(3), {"template": ""}, *_passes(2, external=False)]
    result = wallet.create_many(inputs, concurrency=3, on_progress=progress.append)  # type: ignore[arg-type]
    assert [item.index for item in result.items] == list(range(6))
    assert (result.total, result.succeeded, result.failed) == (6, 5, 1)
    assert isinstance(result.items[3].error, ValidationError)
    assert [p.done for p in progress] == [1, 2, 3, 4, 5, 6]
    assert progress[-1].failed == 1
    assert wallet.pass_count == 5


def test_streaming_keeps_counts_only_and_reports_each_item_in_order() -> None:
    wallet = FakeProvider()
    seen: list[int] = []

    def generated() -> object:
        for i in range(200):
            yield {"template": "t", "fields": {"n": i}}

    result = wallet.create_many(
        generated(),  # type: ignore[arg-type]
        concurrency=4,
        on_item=lambda item: seen.append(item.index),
        keep_items=False,
    )
    assert result.items == []
    assert (result.total, result.succeeded, result.failed) == (200, 200, 0)
    assert seen == list(range(200))


def test_rerun_with_journal_skips_what_succeeded(tmp_path: Path) -> None:
    wallet = FakeProvider()
    journal = tmp_path / "run.db"
    first = wallet.create_many(_passes(20), journal=journal)
    assert first.succeeded == 20 and first.skipped == 0
    again = wallet.create_many(_passes(20), journal=journal)
    assert (again.succeeded, again.skipped) == (20, 20)
    assert [item.issued.id for item in again.items] == [item.issued.id for item in first.items]  # type: ignore[union-attr]
    assert wallet.pass_count == 20
    assert sum(1 for call in wallet.calls if call.operation == "create") == 20


def test_retryable_failures_are_sent_again(tmp_path: Path) -> None:
    wallet = FakeProvider()
    journal = tmp_path / "run.db"
    wallet.fail_next("create", ProviderUnavailable("vendor down", retryable=True), times=3)
    first = wallet.create_many(_passes(5), concurrency=1, journal=journal)
    assert first.failed == 3
    second = wallet.create_many(_passes(5), concurrency=1, journal=journal)
    assert (second.succeeded, second.skipped) == (5, 2)
    assert wallet.pass_count == 5


def test_final_failures_are_kept_unless_the_input_changed(tmp_path: Path) -> None:
    wallet = FakeProvider()
    journal = tmp_path / "run.db"
    wallet.fail_next("create", AlreadyRedeemed("refused for good", retryable=False))
    first = wallet.create_many(_passes(1), journal=journal)
    assert first.failed == 1
    unchanged = wallet.create_many(_passes(1), journal=journal)
    assert unchanged.failed == 1 and unchanged.items[0].skipped
    assert "earlier run" in str(unchanged.items[0].error)
    fixed = [_passes(1)[0].model_copy(update={"fields": {"row": "fixed"}})]
    assert wallet.create_many(fixed, journal=journal).succeeded == 1
    assert wallet.pass_count == 1


def test_in_flight_item_found_at_the_vendor_is_not_issued_again(tmp_path: Path) -> None:
    wallet = FakeProvider()
    journal_path = tmp_path / "run.db"
    [stored, missing] = _passes(2)
    wallet.create(stored)  # the vendor got it, then the process died before journaling
    with BulkJournal(journal_path, provider="fake") as journal:
        for index, item in enumerate((stored, missing)):
            journal.begin(item_key(index, item.external_id), index, fingerprint(item))
    result = wallet.create_many([stored, missing], journal=journal_path)
    assert result.succeeded == 2
    assert result.items[0].skipped and not result.items[1].skipped
    assert wallet.pass_count == 2
    with BulkJournal(journal_path, provider="fake") as journal:
        assert journal.counts()[JournalState.SUCCEEDED] == 2


def test_in_flight_item_without_external_id_is_reported_not_resent(tmp_path: Path) -> None:
    wallet = FakeProvider()
    journal_path = tmp_path / "run.db"
    [item] = _passes(1, external=False)
    with BulkJournal(journal_path, provider="fake") as journal:
        journal.begin(item_key(0, None), 0, fingerprint(item))
    result = wallet.create_many([item], journal=journal_path)
    assert isinstance(result.items[0].error, OutcomeUnknown)
    assert result.items[0].error.outcome_unknown
    assert wallet.pass_count == 0
    with BulkJournal(journal_path, provider="fake") as journal:
        assert [e.key for e in journal.unresolved()] == ["pos:0"]
        journal.resolve("pos:0", issued=False)
    assert wallet.create_many([item], journal=journal_path).succeeded == 1


def test_in_flight_batch_item_not_found_yet_is_reported_not_resent(tmp_path: Path) -> None:
    # A vendor batch may still be generating an item after the run died: "not found" then
    # means "not yet", so sending it again could make a second pass once the batch ends.
    wallet = FakeProvider()
    journal_path = tmp_path / "run.db"
    [done, pending] = _passes(2)
    wallet.create(done)
    with BulkJournal(journal_path, provider="fake") as journal:
        for index, item in enumerate((done, pending)):
            journal.begin(item_key(index, item.external_id), index, fingerprint(item), batched=True)
    first = wallet.create_many([done, pending], journal=journal_path)
    assert first.items[0].ok and first.items[0].skipped
    assert isinstance(first.items[1].error, OutcomeUnknown)
    assert "may still be generating it" in str(first.items[1].error)
    assert wallet.pass_count == 1  # nothing sent

    wallet.create(pending)  # the vendor's batch finished in the meantime
    second = wallet.create_many([done, pending], journal=journal_path)
    assert second.succeeded == 2 and all(item.skipped for item in second.items)
    assert wallet.pass_count == 2


def test_a_journal_written_before_the_batched_column_still_opens(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('provider', 'fake');
            CREATE TABLE items (key TEXT PRIMARY KEY, position INTEGER NOT NULL,
                state TEXT NOT NULL, fingerprint TEXT NOT NULL, pass_id TEXT, issued TEXT,
                error_type TEXT, error_message TEXT, retryable INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL);
            INSERT INTO items VALUES ('ext:a', 0, 'in_flight', 'f', NULL, NULL, NULL, NULL,
                0, 1, 0);
            """
        )
    with BulkJournal(path, provider="fake") as journal:
        entry = journal.get("ext:a")
        assert entry is not None and entry.state is JournalState.IN_FLIGHT
        assert not entry.batched


def test_journal_belongs_to_one_provider(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    BulkJournal(journal, provider="fake").close()
    with pytest.raises(ConfigurationError, match="belongs to a run on provider 'fake'"):
        BulkJournal(journal, provider="other")


def test_bad_journal_argument_is_refused_before_anything_is_sent() -> None:
    wallet = FakeProvider()
    with pytest.raises(ValidationError):
        wallet.create_many(_passes(1), journal=42)  # type: ignore[arg-type]
    assert wallet.pass_count == 0


_KILLED_RUN = textwrap.dedent(
    """
    import sys
    from walletpass import Pass
    from walletpass.fake import FakeProvider

    store, journal, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    wallet = FakeProvider(path=store)

    def report(progress):
        print(progress.done, flush=True)

    passes = (
        Pass(template="season", external_id=f"row-{i}", fields={"row": str(i)})
        for i in range(total)
    )
    wallet.create_many(passes, concurrency=4, journal=journal, on_progress=report)
    print("finished", flush=True)
    """
)


def test_killed_run_resumes_with_no_duplicates_and_no_losses(tmp_path: Path) -> None:
    store, journal, total = tmp_path / "vendor.sqlite3", tmp_path / "run.db", 400
    script = tmp_path / "run.py"
    script.write_text(_KILLED_RUN)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store), str(journal), str(total)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip().isdigit() and int(line) >= 50:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    wallet = FakeProvider(path=str(store))
    assert 0 < wallet.pass_count < total
    result = wallet.create_many(
        (
            Pass(template="season", external_id=f"row-{i}", fields={"row": str(i)})
            for i in range(total)
        ),
        journal=journal,
    )
    assert (result.total, result.succeeded, result.failed) == (total, total, 0)
    assert result.skipped >= 50
    assert wallet.pass_count == total
    external_ids = {p.external_id for p in wallet.list()}
    assert external_ids == {f"row-{i}" for i in range(total)}


def test_a_provider_bug_while_sending_is_an_unknown_outcome_not_a_failure(tmp_path: Path) -> None:
    # A plugin that crashes after its request went out: the pass may exist. Recording it as a
    # plain failure would make the re-run send it again; unknown makes the re-run look first.
    class CrashesAfterSending(FakeProvider):
        crash = True

        def execute_create(self, new_pass: Pass) -> Any:
            issued = super().execute_create(new_pass)
            if self.crash and new_pass.external_id == "row-1":
                raise KeyError("parsing bug")
            return issued

    wallet = CrashesAfterSending()
    journal = tmp_path / "run.db"
    first = wallet.create_many(_passes(3), journal=journal)
    error = first.items[1].error
    assert error is not None and error.outcome_unknown
    assert "may have been sent" in str(error)
    with BulkJournal(journal, provider="fake") as book:
        assert [e.key for e in book.unresolved()] == ["ext:row-1"]

    wallet.crash = False  # the bug fixed; the vendor still has what it had
    rerun = wallet.create_many(_passes(3), journal=journal)
    assert rerun.succeeded == 3 and all(item.skipped for item in rerun.items)
    assert wallet.pass_count == 3


class _BatchingFake(FakeProvider):
    """A fake with a native batch endpoint whose batches a journal can follow (or not)."""

    native_batch_size = 5
    followed: list[str]

    def execute_create_batch(
        self, passes: Any, on_progress: Any = None, on_accepted: Any = None
    ) -> list[Any]:
        if on_accepted is not None:
            on_accepted(list(range(len(passes))), "batch-1")
        return [self.execute_create(p) for p in passes]


class _FollowingFake(_BatchingFake):
    def follow_batch(self, ticket: str, passes: Any) -> list[Any]:
        self.followed = [*getattr(self, "followed", []), ticket]
        return [self.find_by_external_id(p) or self.execute_create(p) for p in passes]


def _accepted_then_killed(journal: Path, passes: list[Pass], ticket: str = "batch-1") -> None:
    with BulkJournal(journal, provider="fake") as book:
        for index, item in enumerate(passes):
            key = item_key(index, item.external_id)
            book.begin(key, index, fingerprint(item), batched=True)
            book.accepted(key, ticket)


def test_items_accepted_into_a_batch_are_collected_by_following_it(tmp_path: Path) -> None:
    wallet = _FollowingFake()
    journal = tmp_path / "run.db"
    passes = _passes(3)
    _accepted_then_killed(journal, passes)
    result = wallet.create_many(passes, journal=journal)
    assert result.succeeded == 3 and wallet.followed == ["batch-1"]  # one follow for the batch
    with BulkJournal(journal, provider="fake") as book:
        assert book.counts()[JournalState.SUCCEEDED] == 3


def test_a_batch_that_cannot_be_followed_falls_back_to_looking_items_up(tmp_path: Path) -> None:
    wallet = _BatchingFake()
    journal = tmp_path / "run.db"
    passes = _passes(2)
    wallet.create(passes[0])  # the batch made the first one before the run died
    _accepted_then_killed(journal, passes)
    result = wallet.create_many(passes, journal=journal)
    assert result.items[0].ok and result.items[0].skipped
    assert isinstance(result.items[1].error, OutcomeUnknown)  # not found yet: never re-sent
    assert wallet.pass_count == 1


def test_a_follow_that_fails_leaves_the_items_unknown_for_the_next_run(tmp_path: Path) -> None:
    class Broken(_BatchingFake):
        def follow_batch(self, ticket: str, passes: Any) -> list[Any]:
            raise RuntimeError("status endpoint down")

    journal = tmp_path / "run.db"
    passes = _passes(2)
    _accepted_then_killed(journal, passes)
    result = Broken().create_many(passes, journal=journal)
    assert all(item.error is not None and item.error.outcome_unknown for item in result.items)
    with BulkJournal(journal, provider="fake") as book:
        assert {entry.ticket for entry in book.unresolved()} == {"batch-1"}  # kept for next time
    assert _FollowingFake().create_many(passes, journal=journal).succeeded == 2


def test_a_run_records_the_batch_each_item_was_accepted_into(tmp_path: Path) -> None:
    journal = tmp_path / "run.db"
    assert _BatchingFake().create_many(_passes(7), journal=journal).succeeded == 7
    with BulkJournal(journal, provider="fake") as book:
        entries = [book.get(item_key(i, f"row-{i}")) for i in range(7)]
    assert all(e is not None and e.ticket == "batch-1" and e.batched for e in entries)


#: Pass2U keeps an external id in a model field (no member of its own): the alias names it.
_FIELD_KEPT = {
    "dashboard": {
        "models": [{"id": "7001", "style": "storeCard", "fields": ["name", "member_no"]}]
    },
    "templates": {
        "card": {"kind": "loyalty", "id": "7001", "attributes": {"external_id": "member_no"}}
    },
}


def _field_kept_items() -> list[Any]:
    return [
        {"template": "card", "kind": "loyalty", "external_id": "M-1"},
        {"template": "card", "kind": "loyalty", "external_id": "M-2"},
        {"template": "card", "kind": "loyalty", "external_id": "M-3", "tier": ""},  # invalid
        Pass(template="card", kind="loyalty", external_id="M-4"),
    ]


@pytest.mark.parametrize("journaled", [False, True])
def test_each_item_reports_its_own_external_id_where_a_field_keeps_it(
    tmp_path: Path, journaled: bool
) -> None:
    # Each item names the external id the application gave it, as on every vendor, whatever
    # became of it (issued, refused by the vendor, invalid), also where the vendor keeps it in
    # a template field (the pass sent carries it there, not as its external id).
    import walletpass

    journal = tmp_path / "run.db" if journaled else None
    with walletpass.connect("fake", profile="pass2u", **_FIELD_KEPT) as wallet:
        wallet.fail_next("create", ProviderUnavailable)  # the first item sent
        result = wallet.create_many(_field_kept_items(), concurrency=1, journal=journal)
        outcomes = [(item.external_id, item.ok) for item in result.items]
        assert outcomes == [("M-1", False), ("M-2", True), ("M-3", False), ("M-4", True)]
        assert [item.issued.external_id for item in result.items if item.issued] == ["M-2", "M-4"]
        if journaled:  # a re-run: what the journal settled keeps its external id too
            again = wallet.create_many(_field_kept_items(), concurrency=1, journal=journal)
            assert [(item.external_id, item.skipped) for item in again.items] == [
                ("M-1", False),
                ("M-2", True),
                ("M-3", False),
                ("M-4", True),
            ]


def test_each_item_reports_its_own_external_id_where_a_field_keeps_it_async() -> None:
    import asyncio

    import walletpass.aio

    async def run() -> list[tuple[str | None, bool]]:
        wallet = await walletpass.aio.connect("fake", profile="pass2u", **_FIELD_KEPT)
        async with wallet:
            await wallet.fail_next("create", ProviderUnavailable)
            result = await wallet.create_many(_field_kept_items(), concurrency=1)
            return [(item.external_id, item.ok) for item in result.items]

    assert asyncio.run(run()) == [("M-1", False), ("M-2", True), ("M-3", False), ("M-4", True)]


def test_the_configuration_errors_create_many_documents_are_the_ones_it_raises(
    tmp_path: Path,
) -> None:
    """Its docstring said ``ConfigurationError`` meant "no base_url or credentials"; those fail
    each item instead. What create_many raises at the call is a journal it cannot use."""
    import inspect

    from walletpass.capabilities import Capabilities, Capability, emulated
    from walletpass.errors import ConfigurationError
    from walletpass.provider import Provider

    from .test_minimal_plugin import StampProvider

    class OtherFake(FakeProvider):
        name = "other-fake"

    journal = tmp_path / "run.db"
    FakeProvider().create_many([{"template": "t"}], journal=journal)
    with pytest.raises(ConfigurationError, match="belongs to a run on provider 'fake'"):
        OtherFake().create_many([{"template": "t"}], journal=journal)
    with pytest.raises(ConfigurationError, match="not a postgresql:// URL"):
        FakeProvider().create_many([{"template": "t"}], journal="postgresql://u:p@h/db")

    class BulkStamp(StampProvider):
        capabilities = Capabilities(
            {**StampProvider.capabilities, Capability.CREATE_MANY: emulated("one create each")}
        )

    with BulkStamp(base_url="http://127.0.0.1:9") as keyless:
        result = keyless.create_many([{"template": "t"}])
    assert result.failed == 1
    assert isinstance(result.items[0].error, ConfigurationError)
    assert "needs an api_key" in str(result.items[0].error)
    doc = " ".join((inspect.getdoc(Provider.create_many) or "").split())
    assert "another provider" in doc and "database URL" in doc and "each item fails" in doc


# -- the caller's code failing mid-run: the input, on_item, on_progress ---------------------


def _failing_input(count: int, fails_at: int) -> Any:
    for index in range(count):
        if index == fails_at:
            raise KeyError("column 'email' missing")
        yield Pass(template="t", external_id=f"in-{index}")


async def _failing_async_input(count: int, fails_at: int) -> Any:
    for new_pass in _failing_input(count, fails_at):
        yield new_pass


def _run_on(api: str, passes: Any, **options: Any) -> tuple[Any, list[Any]]:
    """create_many on a fresh fake, sync or async: (result, the passes the fake holds)."""
    import asyncio

    import walletpass.aio

    if api == "sync":
        fake = FakeProvider()
        return fake.create_many(passes, **options), list(fake.list())

    async def run() -> tuple[Any, list[Any]]:
        wallet = await walletpass.aio.connect("fake")
        result = await wallet.create_many(passes, **options)
        return result, [found async for found in wallet.list()]

    return asyncio.run(run())


@pytest.mark.parametrize("api", ["sync", "async", "async-iterable"])
@pytest.mark.parametrize("fails_at", [0, 3, 9])
@pytest.mark.parametrize("concurrency", [1, 4])
def test_an_input_that_raises_ends_the_run_there_with_every_outcome_before_it(
    api: str, fails_at: int, concurrency: int, tmp_path: Path
) -> None:
    """It raised a bare 'unexpected KeyError' with no outcome, though the passes before it were
    issued: their ids were lost, and a run again without a journal issued them twice."""
    passes = (
        _failing_async_input(12, fails_at)
        if api == "async-iterable"
        else _failing_input(12, fails_at)
    )
    seen: list[int] = []
    result, held = _run_on(
        "sync" if api == "sync" else "async",
        passes,
        concurrency=concurrency,
        journal=tmp_path / "run.db",
        on_item=lambda item: seen.append(item.index),
    )

    assert result.total == fails_at + 1 and seen == list(range(fails_at + 1))
    assert [item.ok for item in result.items] == [True] * fails_at + [False]
    failed = result.items[-1].error
    assert failed is not None and failed.code == "input_failed"
    assert "KeyError" in str(failed) and not failed.outcome_unknown
    assert sorted(p.external_id for p in held) == sorted(f"in-{i}" for i in range(fails_at))
    with BulkJournal(tmp_path / "run.db", provider="fake") as journal:
        assert journal.counts()[JournalState.SUCCEEDED] == fails_at


@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("callback", ["on_item", "on_progress"])
def test_a_callback_that_raises_stops_the_run_naming_it(api: str, callback: str) -> None:
    """As every callback (docs/asyncio.md, Callbacks): code callback_failed, outcome_unknown
    (passes were issued); it was a bare 'unexpected RuntimeError', outcome known."""

    def fails(value: Any) -> None:
        if getattr(value, "index", getattr(value, "done", 0)) >= 3:
            raise RuntimeError("the application's bug")

    passes = [Pass(template="t", external_id=f"cb-{index}") for index in range(10)]
    with pytest.raises(WalletPassError) as stopped:
        _run_on(api, passes, **{callback: fails})
    error = stopped.value
    assert (error.code, error.outcome_unknown, error.retryable) == ("callback_failed", True, False)
    assert callback in str(error) and "RuntimeError" in str(error)


@pytest.mark.parametrize("api", ["sync", "async"])
@pytest.mark.parametrize("callback", ["on_item", "on_progress"])
def test_a_coroutine_or_uncallable_callback_is_refused_before_anything_is_sent(
    api: str, callback: str
) -> None:
    async def coroutine(value: Any) -> None:
        pass

    for given in (coroutine, "print"):
        passes = [Pass(template="t", external_id=f"co-{index}") for index in range(3)]
        with pytest.raises(ValidationError) as refused:
            _run_on(api, passes, **{callback: given})
        assert refused.value.problems[0].location == callback
