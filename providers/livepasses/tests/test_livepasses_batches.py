"""create_many through Livepasses' native batches: chunks, asynchronous batches followed by polling
with progress and a deadline, per-recipient outcomes in input order, and answers that do not line
up with the input."""

from __future__ import annotations

import time
from typing import Any

import pytest
from walletpass_livepasses.emulator import LivepassesEmulator
from walletpass_livepasses.limits import TemplateStatus

from walletpass import Holder, Pass, PassKind
from walletpass.bulk import BulkProgress
from walletpass.errors import (
    BusinessRuleError,
    Conflict,
    InvalidResponse,
    NotFound,
    OutcomeUnknown,
    ProviderUnavailable,
    ValidationError,
)
from walletpass.journal import BulkJournal, fingerprint, item_key
from walletpass.testing.emulator import Fault

STATUS_PATH = r"/api/passes/batch/[^/]+/status"


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"async_threshold": 10, "batch_rate": 4000.0}


def guest(i: int, template: str = "tmpl-001", **fields: Any) -> Pass:
    return Pass(
        template=template,
        # Each template's own kind: a kind its alias contradicts is refused before sending.
        kind=PassKind.LOYALTY if template == "tmpl-loyalty" else PassKind.EVENT_TICKET,
        holder=Holder(first_name="Guest", last_name=f"N{i}", email=f"guest{i}@example.com"),
        fields=fields or None,
    )


def test_500_recipients_complete_through_the_async_batch_path_in_input_order(
    wallet, emulator: LivepassesEmulator
) -> None:
    passes: list[Any] = [guest(i) for i in range(500)]
    passes[10] = guest(10, membershipNumber="MEM-DUP")
    passes[400] = guest(400, membershipNumber="MEM-DUP")  # refused by Livepasses: already in use
    passes[250] = {"template": "tmpl-001", "holder": {"name": "Cher"}}  # no last name: refused
    progress: list[BulkProgress] = []
    started = time.monotonic()

    result = wallet.create_many(passes, on_progress=progress.append)

    assert time.monotonic() - started > 0  # (no wall-clock bound: 2-core CI machines vary)
    assert (result.total, result.succeeded, result.failed) == (500, 498, 2)
    assert [item.index for item in result.items] == list(range(500))
    assert isinstance(result.items[250].error, ValidationError)
    conflict = result.items[400].error
    assert isinstance(conflict, Conflict) and conflict.code == "MEMBERSHIP_NUMBER_CONFLICT"
    for index, item in enumerate(result.items):
        if item.issued is not None:  # each outcome is that recipient's own pass
            assert emulator.stored(item.issued.id).email == f"guest{index}@example.com"
            assert item.issued.meta["batch_id"]
    generates = emulator.journal.find("POST", "/api/passes/generate")
    assert [e.status for e in generates] == [202] * 5  # five asynchronous batches of <= 100
    assert [len(e.json()["passes"]) for e in generates] == [100, 100, 99, 100, 100]
    assert emulator.journal.find("GET", STATUS_PATH)
    assert [p.done for p in progress] == list(range(1, 501))
    assert progress[-1] == BulkProgress(done=500, succeeded=498, failed=2)


def test_generate_and_wait_reports_batch_progress_as_it_polls(connect, emulator) -> None:
    # A batch of about a second (151 at 150/s) polled every 10 ms: a poll thread that a loaded
    # machine starves for a few hundred ms still reads it mid-way (at 600/s it saw only the end).
    emulator.batch_rate = 150.0
    wallet = connect(poll_interval=0.01)
    seen: list[tuple[int, int]] = []
    result = wallet.generate_and_wait(
        [guest(i) for i in range(150)] + [{"template": ""}],
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert (result.total, result.succeeded, result.failed) == (151, 150, 1)
    assert seen[-1] == (151, 151)
    assert all(total == 151 for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) >= 3  # one report per poll round at least, plus the final one


def test_a_finished_batch_is_noticed_without_waiting_out_the_poll_interval(
    connect, emulator
) -> None:
    # Each batch of 100 at 400/s takes 0.25 s. Polled on a fixed 30 s clock, no batch would be
    # seen finished before its 10 s deadline, and every item would end with an unknown outcome;
    # polls aimed at the predicted end see each batch finished long before, even when a loaded
    # machine starves the poll thread for seconds. (The margin is the deadline, not a stopwatch.)
    emulator.batch_rate = 400.0
    wallet = connect(poll_interval=30.0, batch_timeout=10.0)
    result = wallet.create_many([guest(i) for i in range(500)])
    assert result.succeeded == 500
    generates = emulator.journal.find("POST", "/api/passes/generate")
    polls = emulator.journal.find("GET", STATUS_PATH)
    assert len(generates) == len(emulator.batches) == 5
    assert len(polls) <= 5 * 6  # a handful of status reads per batch, not a busy loop
    for generate, batch_id in zip(generates, emulator.batches, strict=True):
        # The provider stops polling a batch once it reads it complete: its last poll is that.
        last_poll = [p for p in polls if batch_id in p.path][-1]
        assert last_poll.at - generate.at < 10.0, batch_id


def test_a_batch_still_running_at_the_deadline_gives_unknown_outcomes(connect, emulator) -> None:
    emulator.batch_rate = 4.0
    wallet = connect(poll_interval=0.05, batch_timeout=0.3)
    result = wallet.create_many([guest(i) for i in range(20)])
    pending = [item.error for item in result.items if item.error is not None]
    assert pending, "a 20-recipient batch at 4/s cannot finish in 0.3 s"
    for error in pending:
        assert isinstance(error, ProviderUnavailable)
        assert error.outcome_unknown
        assert "get_batch_status" in str(error)
    batch_id = pending[0].details["batch_id"]
    emulator.finish_batches()
    status = wallet.get_batch_status(batch_id)
    assert status.is_completed and status.total == 20 and status.generated == 20
    assert [line.email for line in status.passes] == [f"guest{i}@example.com" for i in range(20)]
    finished = [item for item in result.items if item.issued is not None]
    for item in finished:
        assert item.issued.id == status.passes[item.index].pass_id


def test_a_rerun_collects_what_an_unfinished_batch_generated_without_resending(
    connect, emulator: LivepassesEmulator, tmp_path
) -> None:
    # The first run gives up on a slow batch (its deadline); the journal keeps the batch id, so
    # the re-run follows that batch to its end instead of sending anyone again.
    emulator.batch_rate = 40.0
    journal = tmp_path / "run.db"
    passes = [guest(i).model_copy(update={"external_id": f"T-{i:03d}"}) for i in range(40)]

    first = connect(poll_interval=0.05, batch_timeout=0.3).create_many(passes, journal=journal)
    assert 0 < first.succeeded < 40  # the deadline passed with the batch half done
    assert all(item.error.outcome_unknown for item in first.items if item.error)

    rerun = connect(poll_interval=0.05).create_many(passes, journal=journal)
    assert rerun.succeeded == 40
    assert [item.skipped for item in rerun.items] == [item.ok for item in first.items]
    assert len(emulator.journal.find("POST", "/api/passes/generate")) == 1  # nothing re-sent
    [batch_id] = emulator.batches
    assert emulator.journal.find("GET", f"/api/passes/batch/{batch_id}/status")
    issued = {item.issued.id for item in rerun.items if item.issued}
    assert issued == {line["passId"] for line in emulator.batches[batch_id].lines}


def test_a_rerun_never_resends_a_batched_item_the_vendor_does_not_have_yet(
    connect, emulator: LivepassesEmulator, tmp_path
) -> None:
    # Killed after sending, before Livepasses answered with its batch id: no batch to follow,
    # and a lookup that finds nothing may mean "not yet". Reported, not sent again.
    journal = tmp_path / "run.db"
    passes = [guest(i).model_copy(update={"external_id": f"U-{i:03d}"}) for i in range(20)]
    with BulkJournal(journal, provider="livepasses") as book:
        for index, item in enumerate(passes):
            book.begin(item_key(index, item.external_id), index, fingerprint(item), batched=True)

    rerun = connect().create_many(passes, journal=journal)
    assert all(isinstance(item.error, OutcomeUnknown) for item in rerun.items)
    assert "may still be generating it" in str(rerun.items[0].error)
    assert emulator.journal.find("POST", "/api/passes/generate") == []


def test_passes_that_cannot_share_a_call_are_sent_separately(wallet, emulator) -> None:
    from walletpass import Event

    passes = [
        guest(0),
        guest(1, template="tmpl-loyalty"),
        guest(2).model_copy(update={"event": Event(title="Matinee")}),
        guest(3),
        guest(4, template="tmpl-loyalty"),
    ]
    result = wallet.create_many(passes)
    assert result.succeeded == 5
    assert [emulator.stored(i.issued.id).template_id for i in result.items] == [
        "tmpl-001",
        "tmpl-loyalty",
        "tmpl-001",
        "tmpl-001",
        "tmpl-loyalty",
    ]
    bodies = [e.json() for e in emulator.journal.find("POST", "/api/passes/generate")]
    assert [(b["templateId"], len(b["passes"]), "businessContext" in b) for b in bodies] == [
        ("tmpl-001", 2, False),
        ("tmpl-loyalty", 2, False),
        ("tmpl-001", 1, True),
    ]


def test_a_refused_generate_fails_only_its_own_group(wallet, emulator) -> None:
    emulator.templates["tmpl-loyalty"].status = TemplateStatus.INACTIVE
    result = wallet.create_many([guest(0), guest(1, template="tmpl-loyalty"), guest(2)])
    assert [item.ok for item in result.items] == [True, False, True]
    error = result.items[1].error
    assert isinstance(error, BusinessRuleError) and error.code == "TEMPLATE_INACTIVE"
    assert error.request_id and error.request_id.startswith("0HN")


def test_sync_answers_carry_per_recipient_failures(wallet, emulator) -> None:
    result = wallet.create_many(
        [guest(0, membershipNumber="M-1"), guest(1, membershipNumber="M-1"), guest(2)]
    )
    assert emulator.journal.find("POST", "/api/passes/generate")[0].status == 200
    assert [type(item.error).__name__ if item.error else "ok" for item in result.items] == [
        "ok",
        "Conflict",
        "ok",
    ]
    assert result.items[0].issued.urls.apple  # synchronous passes come with wallet links


def _crafted_status(lines: list[dict[str, Any]], failures: int, total: int) -> dict[str, Any]:
    return {
        "success": True,
        "data": {
            "batchId": "b-crafted",
            "status": "Completed",
            "isCompleted": True,
            "isActive": False,
            "progressPercentage": 100,
            "statistics": {
                "totalRecipients": total,
                "passesGenerated": len(lines),
                "generationFailures": failures,
            },
            "generatedPasses": lines,
        },
    }


def test_batch_lines_out_of_order_and_in_the_csharp_spelling_are_matched_by_email(
    wallet, emulator
) -> None:
    lines = [
        {"id": f"p-x{i}", "holderEmail": f"GUEST{i}@example.com", "status": "Active"}
        for i in reversed(range(12))
        if i != 5
    ]
    emulator.inject(Fault.respond(200, _crafted_status(lines, 1, 12)), path=STATUS_PATH)
    result = wallet.create_many([guest(i) for i in range(12)])
    for index, item in enumerate(result.items):
        if index == 5:
            assert isinstance(item.error, BusinessRuleError)
            assert "did not generate" in str(item.error)
        else:
            assert item.issued.id == f"p-x{index}"


def test_batch_lines_that_cannot_be_told_apart_are_not_guessed(wallet, emulator) -> None:
    passes = [
        Pass(template="tmpl-001", holder=Holder(first_name="Same", last_name=f"N{i}"))
        for i in range(12)
    ]
    # 11 passes and one failure, listed without saying which recipient failed: nobody can tell.
    lines = [{"passId": f"p-y{i}", "status": "Active"} for i in range(11)]
    emulator.inject(Fault.respond(200, _crafted_status(lines, 1, 12)), path=STATUS_PATH)
    result = wallet.create_many(passes)
    assert result.succeeded == 0
    for item in result.items:
        assert isinstance(item.error, ProviderUnavailable) and item.error.outcome_unknown


def test_a_failing_status_poll_leaves_the_outcome_unknown(wallet, emulator) -> None:
    emulator.inject(
        Fault.respond(
            404,
            {"success": False, "data": None, "error": {"code": "NOT_FOUND", "message": "gone"}},
        ),
        path=STATUS_PATH,
    )
    result = wallet.create_many([guest(i) for i in range(11)])
    assert result.failed == 11
    for item in result.items:
        assert isinstance(item.error, NotFound) and item.error.outcome_unknown


def test_a_synchronous_line_without_a_pass_id_is_an_unknown_outcome(wallet, emulator) -> None:
    answer = {
        "success": True,
        "data": {
            "batchId": "b-odd",
            "isAsyncProcessing": False,
            "passes": [
                {"id": "p-ok", "customerEmail": "guest0@example.com", "status": "Active"},
                {"id": None, "customerEmail": "guest1@example.com", "status": "Active"},
            ],
        },
    }
    emulator.inject(Fault.respond(200, answer), path="/api/passes/generate")
    result = wallet.create_many([guest(0), guest(1)])
    assert result.items[0].issued.id == "p-ok"
    error = result.items[1].error
    assert isinstance(error, ProviderUnavailable) and error.outcome_unknown


@pytest.mark.parametrize("batch_id", ["..", "a/b", "b?x=1"])
def test_a_batch_id_that_cannot_be_a_path_segment_is_an_invalid_answer(
    wallet, emulator: LivepassesEmulator, batch_id: str
) -> None:
    # Every status poll puts the id in its path: '..' would poll another endpoint.
    answer = {"success": True, "data": {"isAsyncProcessing": True, "batchId": batch_id}}
    emulator.inject(Fault.respond(202, answer), method="POST", path="/api/passes/generate")
    result = wallet.create_many([guest(i) for i in range(11)])
    assert result.failed == 11
    for item in result.items:
        assert isinstance(item.error, InvalidResponse) and item.error.outcome_unknown
        assert "batch id" in str(item.error)
    assert not emulator.journal.find("GET", r"/api/passes/.*")
