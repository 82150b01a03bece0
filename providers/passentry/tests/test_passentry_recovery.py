"""Done when: a create with ``external_id`` whose first attempt timed out after the emulator stored
the pass ends with exactly one pass and no error; without ``external_id`` it raises with
``outcome_unknown=True``. The emulator delays its answer past the provider's read timeout
(``Fault.delay_after``), so the pass exists although the client never saw the answer.
"""

from __future__ import annotations

import time

import pytest

from walletpass import Pass
from walletpass.errors import InvalidResponse, OutcomeUnknown, ProviderUnavailable
from walletpass.journal import BulkJournal, JournalState
from walletpass.testing.emulator import Fault

READ_TIMEOUT = 0.5
DELAY = 2.0


def _wait_for_posts(emulator, count: int) -> list:
    """The delayed answer is journalled when it is finally written: wait for it (bounded)."""
    deadline = time.monotonic() + DELAY + 10
    while time.monotonic() < deadline:
        posts = emulator.journal.find("POST", "/api/v1/passes")
        if len(posts) >= count:
            return posts
        time.sleep(0.05)
    return emulator.journal.find("POST", "/api/v1/passes")


def test_extid_create_recovers_after_read_timeout(connect, emulator, tpl) -> None:
    wallet = connect(timeout=READ_TIMEOUT, max_retries=2)
    emulator.inject(Fault.delay_after(DELAY), method="POST", path="/api/v1/passes")

    issued = wallet.create(Pass(template=tpl["generic"], external_id="order-1001"))

    live = emulator.live_passes()
    assert len(live) == 1, "exactly one pass exists"
    assert issued.id == live[0].uuid
    assert issued.external_id == "order-1001"
    lookups = emulator.journal.find("GET", "/api/v1/passes/order-1001")
    assert [e.status for e in lookups] == [200], "looked up by extId before any retry"
    assert len(_wait_for_posts(emulator, 1)) == 1, "the create was not sent again"


def test_extid_create_recovers_after_connection_reset_after_storing(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(Fault.reset_after(), method="POST", path="/api/v1/passes")
    issued = wallet.create(Pass(template=tpl["generic"], external_id="order-1002"))
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]
    assert len(emulator.journal.find("POST", "/api/v1/passes")) == 1


def test_extid_create_is_sent_again_when_the_lookup_finds_nothing(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(Fault.respond(502, {"errors": ["Bad Gateway"]}), method="POST")
    issued = wallet.create(Pass(template=tpl["generic"], external_id="order-1003"))
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]
    assert [(e.method, e.status) for e in emulator.journal] == [
        ("POST", 502),
        ("GET", 404),
        ("POST", 200),
    ]


def test_recovery_skips_a_nullified_pass_with_the_same_extid(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    old = wallet.create(Pass(template=tpl["generic"], external_id="order-1004"))
    wallet.delete(old.id)
    emulator.inject(Fault.respond(504, {"errors": ["Gateway Timeout"]}), method="POST")
    new = wallet.create(Pass(template=tpl["generic"], external_id="order-1004"))
    assert new.id != old.id
    assert [p.uuid for p in emulator.live_passes()] == [new.id]


def test_create_without_extid_times_out_with_outcome_unknown(connect, emulator, tpl) -> None:
    wallet = connect(timeout=READ_TIMEOUT, max_retries=2)
    emulator.inject(Fault.delay_after(DELAY), method="POST", path="/api/v1/passes")

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(Pass(template=tpl["generic"]))

    assert caught.value.outcome_unknown is True
    assert caught.value.provider == "passentry" and caught.value.operation == "create"
    assert len(emulator.live_passes()) == 1, "the pass was stored; walletpass did not duplicate it"
    assert emulator.journal.find("GET") == [], "no extId: nothing to look up"
    assert len(_wait_for_posts(emulator, 1)) == 1


def test_extid_create_recovers_from_an_unreadable_success(connect, emulator, tpl) -> None:
    # The pass was stored, then the answer came back garbled: walletpass reads it back by extId
    # instead of failing (the caller would retry and meet a duplicate extId) or resending.
    wallet = connect(max_retries=2)
    emulator.inject(Fault.malformed(200, b"<html>cached page</html>"), method="POST")
    issued = wallet.create(Pass(template=tpl["generic"], external_id="order-1005"))
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]
    assert len(emulator.journal.find("POST", "/api/v1/passes")) == 1


def test_unreadable_success_without_extid_is_an_unknown_outcome(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(Fault.malformed(200, b"<html>cached page</html>"), method="POST")
    with pytest.raises(InvalidResponse) as caught:
        wallet.create(Pass(template=tpl["generic"]))
    assert caught.value.outcome_unknown
    assert len(emulator.live_passes()) == 1  # it was made; only a human can match it now


def test_a_failed_lookup_after_a_lost_answer_is_outcome_unknown_and_a_rerun_reconciles(
    connect, emulator, tpl, tmp_path
) -> None:
    """Issue 15, case 6: the answer is lost after the pass was stored and the lookup gets 503.

    The call says the outcome is unknown (never "retryable"), the journal records it as unknown,
    and a re-run finds the pass instead of ending on the vendor's duplicate-extId refusal.
    """
    wallet = connect(max_retries=0)
    emulator.inject(Fault.reset_after(), method="POST", path="/api/v1/passes")
    emulator.inject(Fault.respond(503, {"errors": ["busy"]}), method="GET", times=5)
    with pytest.raises(OutcomeUnknown) as caught:
        wallet.create(Pass(template=tpl["generic"], external_id="order-2001"))
    assert (caught.value.outcome_unknown, caught.value.retryable) == (True, False)
    assert len(emulator.live_passes()) == 1

    journal = tmp_path / "run.db"
    emulator.clear_faults()
    emulator.inject(Fault.reset_after(), method="POST", path="/api/v1/passes")
    emulator.inject(Fault.respond(503, {"errors": ["busy"]}), method="GET", times=5)
    first = wallet.create_many(
        [Pass(template=tpl["generic"], external_id="order-2002")], journal=journal
    )
    assert first.items[0].error.outcome_unknown and not first.items[0].error.retryable
    with BulkJournal(journal, provider="passentry") as book:
        assert book.counts()[JournalState.UNKNOWN] == 1

    emulator.clear_faults()
    second = wallet.create_many(
        [Pass(template=tpl["generic"], external_id="order-2002")], journal=journal
    )
    assert second.items[0].ok and second.items[0].skipped
    assert len(emulator.live_passes()) == 2
    assert len(emulator.journal.find("POST", "/api/v1/passes")) == 2  # never sent again


# A server error thrown after the write (the emulator stores the pass, then answers 500) is the
# same ambiguity as a lost answer: the kind covers 500 and a CDN's 52x, not only 502/504.
@pytest.mark.parametrize("status", [500, 520, 524])
def test_extid_create_answered_a_server_error_after_storing_is_looked_up(
    connect, emulator, tpl, status: int
) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(
        Fault.malformed(status, b'{"errors": ["Internal Server Error"]}'),
        method="POST",
        path="/api/v1/passes",
    )
    issued = wallet.create(Pass(template=tpl["generic"], external_id=f"order-5{status}"))
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]
    assert len(emulator.journal.find("POST", "/api/v1/passes")) == 1, "not sent twice"


def test_create_without_extid_answered_500_after_storing_is_outcome_unknown(
    connect, emulator, tpl
) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(
        Fault.malformed(500, b'{"errors": ["Internal Server Error"]}'),
        method="POST",
        path="/api/v1/passes",
    )
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(Pass(template=tpl["generic"]))
    assert caught.value.outcome_unknown is True
    assert caught.value.retryable is False
    assert len(emulator.live_passes()) == 1
    assert len(emulator.journal.find("POST", "/api/v1/passes")) == 1


def test_a_refusal_leaves_the_outcome_known(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(Fault.respond(501, {"errors": ["Not Implemented"]}), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(Pass(template=tpl["generic"]))
    assert caught.value.outcome_unknown is False


def test_a_create_without_a_balance_is_sent_at_once_and_still_recovers(
    connect, emulator, tpl
) -> None:
    """PassEntry's plan_create is the driver's own for a pass without a balance where no alias
    names one (marked ``plain_when``): such a create, an extId one included, is sent at once and
    still looked up after an ambiguous failure; a pass with a balance, or an alias naming one,
    has its create driven (the balance written or read after the POST)."""
    from walletpass import Balance
    from walletpass.driver import sent_at_once

    wallet = connect(max_retries=2)
    plain = Pass(template=tpl["generic"], external_id="order-1201")
    assert sent_at_once(wallet, "recoverable create", plain, None)
    assert sent_at_once(wallet, "create", plain.model_copy(update={"external_id": None}), None)
    points = Pass(template=tpl["storeCard"], external_id="order-1202", balance=Balance(amount=5))
    assert not sent_at_once(wallet, "recoverable create", points, None)
    aliases = {"card": {"id": tpl["storeCard"], "balance_field": "points"}}
    assert not sent_at_once(connect(templates=aliases), "recoverable create", plain, None)

    emulator.inject(Fault.respond(502, {"errors": ["Bad Gateway"]}), method="POST")
    issued = wallet.create(plain)
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]
    assert [e.status for e in emulator.journal.find("GET", "/api/v1/passes/order-1201")] == [404]
    assert wallet.create(points).balance == Balance(amount=5)
