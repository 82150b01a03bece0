"""Livepasses' multi-request operations are plans: the batch path, replayed without HTTP.

A create_many that Livepasses turns into asynchronous batches, recorded over the emulator, is
replayed through a scripted driver (no socket, a clock of its own): the same plan polls the
same batch statuses, pauses only through ``Wait`` steps, and settles every recipient the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from walletpass_livepasses.emulator import LivepassesEmulator

from walletpass import Holder, Pass, PassKind, WalletPassError
from walletpass.batch_report import BatchReport
from walletpass.errors import ProviderUnavailable
from walletpass.testing.scripted import Recorder, ScriptedDriver, answer_with
from walletpass.transport import VendorRequest, VendorResponse


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    # Asynchronous from 5 recipients, slow enough that the batch is polled more than once.
    return {"async_threshold": 5, "batch_rate": 10.0}


def guest(i: int) -> Pass:
    return Pass(
        template="tmpl-001",
        kind=PassKind.EVENT_TICKET,
        external_id=f"CONF-{i}",
        holder=Holder(first_name="Guest", last_name=f"N{i}", email=f"guest{i}@example.com"),
    )


def _by_route(recorded: list[Any]) -> Any:
    """Answers from a recording, by route: each generate its recorded answer, the status polls
    the recorded statuses in order (the last one again for any further poll)."""
    generates = [e.response for e in recorded if e.request.method == "POST"]
    statuses = [e.response for e in recorded if e.request.path.endswith("/status")]
    assert statuses, "the recording never polled a batch"

    def respond(request: VendorRequest) -> VendorResponse:
        if request.method == "POST":
            return generates.pop(0)
        return statuses.pop(0) if len(statuses) > 1 else statuses[0]

    return respond


def test_a_batch_followed_over_http_settles_the_same_when_replayed_without_it(
    wallet: Any, emulator: LivepassesEmulator
) -> None:
    passes = [wallet.prepare_create(guest(i)) for i in range(8)]
    with Recorder(wallet) as recorded:
        over_http = wallet.execute_create_batch(passes)
    assert all(not isinstance(o, WalletPassError) for o in over_http)

    replay = ScriptedDriver(wallet, _by_route(recorded.exchanges))
    replayed = replay.run(wallet.plan_create_batch(passes, BatchReport()))

    assert replayed == over_http
    assert replay.waits and all(0 < w <= wallet.settings.poll_interval for w in replay.waits)


def test_a_batch_still_running_at_the_deadline_is_an_unknown_outcome_without_waiting_for_it(
    wallet: Any,
) -> None:
    passes = [wallet.prepare_create(guest(i)) for i in range(6)]
    accepted = answer_with(
        wallet.build_generate(passes),
        202,
        {"success": True, "data": {"isAsyncProcessing": True, "batchId": "batch-1"}},
    )

    def respond(request: VendorRequest) -> VendorResponse:
        if request.method == "POST":
            return accepted
        running = {"batchId": "batch-1", "isCompleted": False, "progressPercentage": 0}
        return answer_with(request, 200, {"success": True, "data": running})

    replay = ScriptedDriver(wallet, respond)
    outcomes = replay.run(wallet.plan_create_batch(passes, BatchReport()))

    for outcome in outcomes:
        assert isinstance(outcome, ProviderUnavailable) and outcome.outcome_unknown
        assert "still processing" in str(outcome)
    # The scripted clock went past batch_timeout through Wait steps alone.
    assert sum(replay.waits) <= wallet.settings.batch_timeout
    assert sum(replay.waits) > wallet.settings.batch_timeout / 2
