"""A journal answers for the input it recorded: an item it holds as issued from other content
(another file under the same journal or run name, an edited row) is refused with ``Conflict``,
never reported as issued with another member's pass nor sent a second time."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Barcode, Pass
from walletpass.errors import Conflict
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
