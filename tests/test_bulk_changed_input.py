"""A journal answers for the input it recorded: an item it holds as issued from other content
(another file under the same journal or run name, an edited row) is refused with ``Conflict``,
never reported as issued with another member's pass nor sent a second time."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Barcode, Pass
from walletpass.errors import (
    Conflict,
    JournalError,
    OutcomeUnknown,
    PermissionDenied,
    ProviderUnavailable,
)
from walletpass.journal import BulkJournal, fingerprint, item_key


def member(name: str, external_id: str | None = None) -> Pass:
    return Pass(
        template="t", external_id=external_id, barcode=Barcode(message=name), fields={"name": name}
    )


def test_another_input_under_the_same_journal_is_refused_item_by_item(tmp_path: Path) -> None:
    wallet = walletpass.connect("fake")
    journal = tmp_path / "run.db"
    first = wallet.create_many([member(f"alice-{i}") for i in range(3)], journal=journal)
    second = wallet.create_many([member(f"bob-{i}") for i in range(3)], journal=journal)

    assert first.succeeded == 3
    assert second.succeeded == 0
    for item, earlier in zip(second.items, first.items, strict=True):
        assert isinstance(item.error, Conflict)
        assert item.issued is None and not item.skipped
        assert earlier.issued is not None and earlier.issued.id in str(item.error)
    assert len(list(wallet.list())) == 3  # nothing sent for the second input


def test_an_edited_row_is_refused_and_the_unchanged_rows_still_skip(tmp_path: Path) -> None:
    wallet = walletpass.connect("fake")
    journal = tmp_path / "run.db"
    rows = [member(f"m-{i}", external_id=f"m-{i}") for i in range(3)]
    wallet.create_many(rows, journal=journal)
    rows[1] = member("m-1 renamed", external_id="m-1")

    again = wallet.create_many(rows, journal=journal)

    assert [item.skipped for item in again.items] == [True, False, True]
    assert isinstance(again.items[1].error, Conflict)
    assert len(list(wallet.list())) == 3


def test_a_pass_found_for_an_in_flight_item_of_other_content_is_refused(tmp_path: Path) -> None:
    # An earlier run sent content A for m-1 and stopped before the answer; the vendor has it.
    wallet = walletpass.connect("fake")
    sent = member("A", external_id="m-1")
    issued = wallet.create(sent)
    with BulkJournal(tmp_path / "run.db", provider="fake") as journal:
        journal.begin(item_key(0, "m-1"), 0, fingerprint(sent))

        changed = wallet.create_many([member("B", external_id="m-1")], journal=journal)
        same = wallet.create_many([sent], journal=journal)

    assert isinstance(changed.items[0].error, Conflict)
    assert issued.id in str(changed.items[0].error)
    # the journal now records what the vendor holds, so the original input resumes exactly
    assert same.items[0].skipped and same.items[0].issued is not None
    assert same.items[0].issued.id == issued.id
    assert len(list(wallet.list())) == 1


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_any_change_of_content_is_seen(
    tmp_path_factory: pytest.TempPathFactory, a: str, b: str
) -> None:
    wallet = walletpass.connect("fake")
    journal = tmp_path_factory.mktemp("j") / "run.db"
    wallet.create_many([member(a)], journal=journal)
    again = wallet.create_many([member(b)], journal=journal)
    item = again.items[0]
    if a == b:
        assert item.skipped and item.error is None
    else:
        assert isinstance(item.error, Conflict)


@pytest.mark.services
def test_a_run_name_resubmitted_with_another_input_is_refused(postgres_url: str) -> None:
    from walletpass.pgjournal import PostgresJournal

    wallet = walletpass.connect("fake")
    run = f"changed-{uuid.uuid4().hex[:8]}"
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        wallet.create_many([member(f"alice-{i}") for i in range(2)], journal=journal)
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        second = wallet.create_many([member(f"bob-{i}") for i in range(2)], journal=journal)
    assert all(isinstance(item.error, Conflict) for item in second.items)
    assert len(list(wallet.list())) == 2


# -- a vendor keeping the external id in a template field (Pass2U): keyed by the input's id -----

#: Pass2U keeps an external id in a model field named by the template alias (the pass as sent
#: has no external id of its own); the fake wearing its profile does the same.
FIELD_KEPT = {
    "dashboard": {
        "models": [{"id": "7001", "style": "storeCard", "fields": ["name", "member_no"]}]
    },
    "templates": {
        "card": {"kind": "loyalty", "id": "7001", "attributes": {"external_id": "member_no"}}
    },
}


def card(external_id: str, name: str = "") -> dict[str, Any]:
    return {
        "template": "card",
        "kind": "loyalty",
        "external_id": external_id,
        "holder": {"name": name or f"holder of {external_id}"},
    }


def field_kept_wallet() -> Any:
    return walletpass.connect("fake", profile="pass2u", **FIELD_KEPT)


def passes_per_member(wallet: Any) -> dict[str, int]:
    """The passes the vendor made, per member number (Pass2U has no listing: the creates the
    fake's vendor carried out, their member number in the alias's field)."""
    held: dict[str, int] = {}
    for call in wallet.calls:
        if call.operation == "create" and call.error is None:
            member_no = call.params["fields"]["member_no"]
            held[member_no] = held.get(member_no, 0) + 1
    return held


class Staged:
    """A journal around another (the Journal protocol, as create_many uses it) that stages each
    member's fate when its create begins, and, with ``old_positions``, writes every key as
    walletpass did before items whose vendor keeps the external id in a template field were
    keyed by it: ``pos:N``, N the member's position in the input it ran (the runner computed
    ``item_key(index, new_pass.external_id)``, and that pass has none). It offers no
    ``adopt_position_entry``: that walletpass had none.

    Fates: ``retry`` (a retryable failure), ``refused`` (a permanent one), ``sent`` (the vendor
    made the pass, then the run died before recording it: in flight), ``unsent`` (the run died
    with the request unanswered and the vendor has nothing: in flight). A run stops at its
    first death (its writes fail as a killed process's would): nothing after it is attempted.
    """

    def __init__(
        self,
        inner: Any,
        wallet: Any,
        fates: dict[str, str],
        old_positions: dict[str, int] | None = None,
    ) -> None:
        self.inner = inner
        self.provider = inner.provider
        self._wallet = wallet
        self._fates = fates
        self._old = old_positions
        self._dying: set[str] = set()

    def _key(self, key: str) -> str:
        if self._old is None or not key.startswith("ext:"):
            return key
        return item_key(self._old[key.removeprefix("ext:")], None)

    def __getattr__(self, name: str) -> Any:  # counts, unresolved, close, bind_account...
        if name == "adopt_position_entry":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def claim(self, key: str) -> Any:
        return self.inner.claim(self._key(key))

    def get(self, key: str) -> Any:
        return self.inner.get(self._key(key))

    def begin(self, key: str, position: int, print_: str, *, batched: bool = False) -> None:
        self.inner.begin(self._key(key), position, print_, batched=batched)
        fate = self._fates.get(key.removeprefix("ext:"))
        if fate == "retry":
            self._wallet.fail_next("create", ProviderUnavailable)
        elif fate == "refused":
            self._wallet.fail_next("create", PermissionDenied("not for this member"))
        elif fate in ("sent", "unsent"):
            if fate == "unsent":
                self._wallet.fail_next("create", OutcomeUnknown("no answer", outcome_unknown=True))
            self._dying.add(key)

    def not_sent(self, key: str) -> None:
        self.inner.not_sent(self._key(key))

    def confirm_claim(self, key: str) -> None:
        confirm = getattr(self.inner, "confirm_claim", None)
        if confirm is not None:
            confirm(self._key(key))

    def accepted(self, key: str, ticket: str) -> None:
        self.inner.accepted(self._key(key), ticket)

    def _die_if_staged(self, key: str) -> None:
        if key in self._dying:
            raise JournalError("the process was killed here")

    def succeed(self, key: str, issued: Any) -> None:
        self._die_if_staged(key)
        self.inner.succeed(self._key(key), issued)

    def fail(self, key: str, error: Any, *, retryable: bool, outcome_unknown: bool) -> None:
        self._die_if_staged(key)
        self.inner.fail(self._key(key), error, retryable=retryable, outcome_unknown=outcome_unknown)

    def record_found(self, key: str, position: int, print_: str, issued: Any) -> None:
        self.inner.record_found(self._key(key), position, print_, issued)

    def resolve(self, key: str, *, issued: bool, pass_id: str | None = None) -> None:
        self.inner.resolve(self._key(key), issued=issued, pass_id=pass_id)


def stopped_run(wallet: Any, rows: list[Any], journal: Any) -> Any:
    """``create_many`` of ``rows``, one at a time; the result, or the stop's partial result."""
    try:
        return wallet.create_many(rows, concurrency=1, journal=journal)
    except JournalError as stop:
        return stop.result


FATES = ("ok", "retry", "refused", "sent", "unsent")


def expected_after_old_run(fates: list[str]) -> dict[str, str]:
    """What the old run left per member (its input order: M-0, M-1, ...): it stops at the
    first death, so members after it were not attempted."""
    left: dict[str, str] = {}
    for i, fate in enumerate(fates):
        left[f"M-{i}"] = fate
        if fate in ("sent", "unsent"):
            for j in range(i + 1, len(fates)):
                left[f"M-{j}"] = "unread"
            break
    return left


def check_resume(wallet: Any, left: dict[str, str], order: list[str], result: Any) -> None:
    """Resumed in ``order`` (the same members, unedited) by this walletpass: every row keeps
    its own outcome, nothing is issued twice and nothing is lost.

    An old ``pos:N`` record of another member at a row's position (the input was reordered)
    that is not yet taken by its own member decides that row as that walletpass did
    (``Conflict`` if it was issued); once its member has taken it, the row is this member's."""
    remaining = {i: f"M-{i}" for i, _ in enumerate(left) if left[f"M-{i}"] != "unread"}
    issued_before = {m for m, fate in left.items() if fate in ("ok", "sent")}
    for position, (member_id, item) in enumerate(zip(order, result.items, strict=True)):
        assert item.external_id == member_id
        fate = left[member_id]
        if fate != "unread":
            remaining = {p: m for p, m in remaining.items() if m != member_id}
        elif position in remaining:  # another member's old record, still where it was
            # issued: Conflict; in flight: unknown; failed (for other content): sent
            other = left[remaining[position]]
            fate = {"ok": "conflict", "sent": "unsent", "unsent": "unsent"}.get(other, "new")
        else:
            fate = "new"
        if fate == "ok":
            assert item.skipped and item.issued is not None, item
        elif fate in ("retry", "new", "unread"):
            assert item.ok and not item.skipped, item
        elif fate == "refused":
            assert item.skipped and isinstance(item.error, PermissionDenied), item
        elif fate == "conflict":
            assert isinstance(item.error, Conflict), item
        else:  # in flight: the vendor cannot be asked, so it is not sent again
            assert isinstance(item.error, OutcomeUnknown) and not item.skipped, item
    held = passes_per_member(wallet)
    assert all(count == 1 for count in held.values()), held
    for member_id, fate in left.items():
        if fate in ("ok", "sent"):
            assert held.get(member_id) == 1
        if fate == "unsent":
            assert member_id not in held
    assert issued_before <= set(held)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_field_kept_external_ids_key_the_journal(tmp_path: Path, asynchronous: bool) -> None:
    wallet = field_kept_wallet()
    journal = tmp_path / "run.db"
    rows = [card("M-0"), card("M-1"), card("M-2")]
    if asynchronous:
        import asyncio

        import walletpass.aio

        async def run() -> None:
            async with await walletpass.aio.connect("fake", profile="pass2u", **FIELD_KEPT) as w:
                await w.create_many(rows, concurrency=2, journal=journal)

        asyncio.run(run())
    else:
        wallet.create_many(rows, concurrency=2, journal=journal)
    with BulkJournal(journal, provider="fake") as book:
        assert [book.get(item_key(i, None)) for i in range(3)] == [None] * 3
        entries = [book.get(item_key(i, f"M-{i}")) for i in range(3)]
    assert all(e is not None and e.position == i for i, e in enumerate(entries))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from(("ok", "retry")), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
    st.sets(st.integers(0, 5)),
)
def test_field_kept_ids_keep_each_rows_outcome_when_the_input_is_edited_or_reordered(
    tmp_path_factory: pytest.TempPathFactory, fates: list[str], shuffler: Any, edited: set[int]
) -> None:
    wallet = field_kept_wallet()
    journal = tmp_path_factory.mktemp("j") / "run.db"
    members = [f"M-{i}" for i in range(len(fates))]
    with BulkJournal(journal, provider="fake") as book:
        first = wallet.create_many(
            [card(m) for m in members],
            concurrency=1,
            journal=Staged(book, wallet, dict(zip(members, fates, strict=True))),
        )
    issued = {item.external_id: item.issued.id for item in first.items if item.issued}
    order = list(members)
    shuffler.shuffle(order)
    again = wallet.create_many(
        [card(m, "renamed" if int(m[2:]) in edited else "") for m in order],
        concurrency=2,
        journal=journal,
    )
    for member_id, item in zip(order, again.items, strict=True):
        assert item.external_id == member_id
        if member_id not in issued:  # failed retryably: issued now
            assert item.ok and not item.skipped
        elif int(member_id[2:]) in edited:  # issued from other content: refused, not resent
            assert isinstance(item.error, Conflict) and issued[member_id] in str(item.error)
        else:
            assert item.skipped and item.issued is not None
            assert item.issued.id == issued[member_id]
    assert passes_per_member(wallet) == dict.fromkeys(members, 1)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(FATES), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_a_journal_keyed_by_position_before_resumes_exactly(
    tmp_path_factory: pytest.TempPathFactory, fates: list[str], shuffler: Any, reorder: bool
) -> None:
    # A journal written by the walletpass that keyed such items by position, stopped mid-run
    # (an item in flight, sent or not), resumed by this one in the same or another order.
    wallet = field_kept_wallet()
    journal = tmp_path_factory.mktemp("j") / "run.db"
    members = [f"M-{i}" for i in range(len(fates))]
    old = {m: i for i, m in enumerate(members)}
    with BulkJournal(journal, provider="fake") as book:
        stopped_run(
            wallet,
            [card(m) for m in members],
            Staged(book, wallet, dict(zip(members, fates, strict=True)), old),
        )
    left = expected_after_old_run(fates)
    order = list(members)
    if reorder:
        shuffler.shuffle(order)

    resumed = wallet.create_many([card(m) for m in order], concurrency=1, journal=journal)

    check_resume(wallet, left, order, resumed)
    # once more: nothing is sent twice, and every member neither in flight nor refused has
    # its pass
    wallet.create_many([card(m) for m in order], concurrency=1, journal=journal)
    held = passes_per_member(wallet)
    assert all(count == 1 for count in held.values())
    assert {m for m, f in left.items() if f not in ("unsent", "sent", "refused")} <= set(held)


def old_run(wallet: Any, book: Any) -> dict[str, str]:
    """Six members through the walletpass that keyed them by position, stopped at M-4 (sent,
    unrecorded): what it left per member."""
    fates = ["ok", "retry", "refused", "ok", "sent", "ok"]
    members = [f"M-{i}" for i in range(len(fates))]
    staged = Staged(
        book, wallet, dict(zip(members, fates, strict=True)), {m: i for i, m in enumerate(members)}
    )
    stopped_run(wallet, [card(m) for m in members], staged)
    return expected_after_old_run(fates)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_a_journal_keyed_by_position_before_resumes_exactly_sync_and_async(
    tmp_path: Path, asynchronous: bool
) -> None:
    wallet = field_kept_wallet()
    journal = tmp_path / "run.db"

    def resume(rows: list[Any]) -> Any:
        if not asynchronous:
            return wallet.create_many(rows, concurrency=2, journal=journal)
        import asyncio

        from walletpass.aio import AsyncProvider

        async def run() -> Any:
            return await AsyncProvider(wallet).create_many(rows, concurrency=2, journal=journal)

        return asyncio.run(run())

    with BulkJournal(journal, provider="fake") as book:
        left = old_run(wallet, book)
    resumed = resume([card(f"M-{i}") for i in range(6)])
    check_resume(wallet, left, [f"M-{i}" for i in range(6)], resumed)
    with BulkJournal(journal, provider="fake") as book:  # what the old run left is keyed anew
        assert book.get(item_key(0, None)) is None and book.get(item_key(0, "M-0")) is not None
        # in flight: under its own key, which the error names for BulkJournal.resolve()
        assert [entry.key for entry in book.unresolved()] == [item_key(4, "M-4")]
        assert item_key(4, "M-4") in str(resumed.items[4].error)


def test_a_journal_without_adopt_position_entry_is_read_at_the_items_position(
    tmp_path: Path,
) -> None:
    # A journal of the application's own (the Journal protocol, before adopt_position_entry):
    # the run reads such an item's position record, unmoved, and resumes the same input exactly.
    wallet = field_kept_wallet()
    with BulkJournal(tmp_path / "run.db", provider="fake") as book:
        left = old_run(wallet, book)
        own = Staged(book, wallet, {})  # no adopt_position_entry, keys as the run gives them
        resumed = wallet.create_many([card(f"M-{i}") for i in range(6)], journal=own)
        check_resume(wallet, left, [f"M-{i}" for i in range(6)], resumed)
        assert book.get(item_key(0, None)) is not None  # read, not moved
        assert item_key(4, None) in str(resumed.items[4].error)


@pytest.mark.services
def test_a_postgres_journal_keyed_by_position_before_resumes_exactly(postgres_url: str) -> None:
    from walletpass.pgjournal import PostgresJournal

    wallet = field_kept_wallet()
    run = f"field-kept-{uuid.uuid4().hex[:8]}"
    members = [f"M-{i}" for i in range(6)]
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        left = old_run(wallet, journal)
    order = [members[i] for i in (5, 3, 1, 0, 2, 4)]  # reordered, too
    with PostgresJournal(postgres_url, run=run, provider="fake") as journal:
        resumed = wallet.create_many([card(m) for m in order], concurrency=2, journal=journal)
        assert journal.get(item_key(0, None)) is None
        assert journal.get(item_key(3, "M-0")) is not None  # moved to its key and new position
    check_resume(wallet, left, order, resumed)
