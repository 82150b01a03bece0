"""walletpass.readback: a write's partial answer completed by a read of the pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from walletpass.errors import NotFound, ProviderUnavailable
from walletpass.model import Balance, Holder, IssuedPass, PassKind, PassStatus
from walletpass.readback import READ_BACK_FAILED, completed_by_read, read_back

WRITTEN = IssuedPass(
    id="p-1",
    vendor_id="p-1",
    provider="v",
    fields={"seat": "12C"},
    balance=Balance(amount=5),
    kind=PassKind.EVENT_TICKET,
    updated_at=datetime(2027, 1, 1, tzinfo=UTC),
    meta={"notified": True},
    raw={"ok": True},
)
READ = IssuedPass(
    id="p-1",
    vendor_id="p-1",
    provider="v",
    template="tpl",
    external_id="LP-1",
    status=PassStatus.VOIDED,
    holder=Holder(name="Ada"),
    fields={"seat": "12C", "gate": "C"},
    meta={"notified": False, "labels": {}},
    raw={"read": 1},
)


def test_the_read_wins_except_for_what_it_cannot_return() -> None:
    whole = completed_by_read(WRITTEN, READ)
    assert (whole.status, whole.external_id, whole.holder) == (
        PassStatus.VOIDED,
        "LP-1",
        Holder(name="Ada"),
    )
    assert whole.fields == {"seat": "12C", "gate": "C"} and whole.balance is None
    assert whole.kind is PassKind.EVENT_TICKET  # the read does not tell it
    assert whole.updated_at == WRITTEN.updated_at
    assert whole.meta == {"notified": True, "labels": {}}  # the write's own meta wins
    assert whole.raw == {"write": {"ok": True}, "read": {"read": 1}}
    partial = completed_by_read(WRITTEN, READ, unread={"fields", "balance"})
    assert partial.fields == {"seat": "12C"} and partial.balance == Balance(amount=5)
    assert partial.status is PassStatus.VOIDED


@pytest.mark.parametrize(
    ("written", "read", "expected"),
    [
        # the read's name, the write's phone and language (the read cannot return them)
        (
            Holder(name="Ada", phone="+44 20 7946 0018", language="en"),
            Holder(name="Ada Lovelace"),
            Holder(name="Ada Lovelace", phone="+44 20 7946 0018", language="en"),
        ),
        # what the write did not carry stays unset, even where the read has a value
        (Holder(name="Ada"), Holder(name="Ada", phone="+1 555 0100"), Holder(name="Ada")),
        # a read without a holder: the write's holder with its unread parts
        (Holder(name="Ada", language="fr"), None, Holder(name="Ada", language="fr")),
    ],
)
def test_a_holder_part_the_read_cannot_return_comes_from_the_write(
    written: Holder, read: Holder | None, expected: Holder
) -> None:
    whole = completed_by_read(
        WRITTEN.model_copy(update={"holder": written}),
        READ.model_copy(update={"holder": read}),
        unread={"holder.phone", "holder.language"},
    )
    assert whole.holder == expected


@pytest.mark.parametrize("error", [NotFound("gone"), ProviderUnavailable("down")])
def test_a_read_that_fails_leaves_the_write_answer_with_its_error_named(error: Exception) -> None:
    def failing() -> IssuedPass:
        raise error

    answered = read_back(WRITTEN, failing)
    assert answered.meta == {"notified": True, READ_BACK_FAILED: type(error).__name__}
    assert answered.status is PassStatus.UNKNOWN and answered.fields == WRITTEN.fields


def test_a_read_that_works_completes_the_answer() -> None:
    assert read_back(WRITTEN, lambda: READ) == completed_by_read(WRITTEN, READ)
