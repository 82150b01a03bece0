"""The plan steps for composite operations: ``Call`` (the caller's callbacks, awaited on the
async loop) and ``Together`` (several plans at once, bounded), on every driver."""

from __future__ import annotations

import asyncio
import threading
import warnings
from typing import Any

import pytest

from walletpass.callbacks import acall_back, call_back
from walletpass.errors import JournalError, NotFound, ValidationError, WalletPassError
from walletpass.plans import Call, Plan, Step, Together, Wait, adrive, drive, report
from walletpass.together import together_in_tasks, together_in_threads


def _answer(step: Step) -> Any:
    if isinstance(step, Call):
        return call_back(step)
    if isinstance(step, Wait):
        return 0.0
    raise AssertionError(step)


async def _aanswer(step: Step) -> Any:
    if isinstance(step, Call):
        return await acall_back(step)
    return _answer(step)


def _reporting(callback: Any, *, acted: bool) -> Plan[str]:
    yield from report(callback, 1, 2, name="on_progress", acted=acted)
    return "done"


@pytest.mark.parametrize("acted", [False, True])
def test_a_callback_that_raises_stops_the_plan_with_an_error_naming_it(acted: bool) -> None:
    def boom(done: int, total: int) -> None:
        raise KeyError("oops")

    for run in (lambda p: drive(p, _answer), lambda p: asyncio.run(adrive(p, _aanswer))):
        with pytest.raises(WalletPassError) as failed:
            run(_reporting(boom, acted=acted))
        assert failed.value.code == "callback_failed"
        assert "on_progress" in str(failed.value) and "KeyError" in str(failed.value)
        assert failed.value.outcome_unknown is acted


def test_a_callbacks_own_walletpass_error_comes_out_as_it_is() -> None:
    journal_down = JournalError("disk full")

    def record(done: int, total: int) -> None:
        raise journal_down

    with pytest.raises(JournalError) as failed:
        drive(_reporting(record, acted=True), _answer)
    assert failed.value is journal_down and journal_down.outcome_unknown


def test_coroutine_callbacks_are_awaited_async_and_refused_sync() -> None:
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        await asyncio.sleep(0)
        seen.append((done, total))

    assert asyncio.run(adrive(_reporting(progress, acted=False), _aanswer)) == "done"
    assert seen == [(1, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the coroutine is closed, never "never awaited"
        with pytest.raises(ValidationError, match="on_progress"):
            drive(_reporting(progress, acted=False), _answer)
    assert drive(_reporting(None, acted=True), _answer) == "done"  # no callback: no step


def _item(n: int, gate: dict[str, Any]) -> Plan[int]:
    with gate["lock"]:
        gate["now"] += 1
        gate["most"] = max(gate["most"], gate["now"])
    yield Wait(0)
    with gate["lock"]:
        gate["now"] -= 1
    if n % 3 == 0:
        raise NotFound(f"no {n}")
    return n * 10


@pytest.mark.parametrize("api", ["threads", "tasks"])
@pytest.mark.parametrize("limit", [1, 3])
def test_together_gives_one_outcome_per_plan_in_order_within_its_limit(
    api: str, limit: int
) -> None:
    gate: dict[str, Any] = {"lock": threading.Lock(), "now": 0, "most": 0}
    plans = [_item(n, gate) for n in range(1, 10)]
    step = Together(plans, limit)
    if api == "threads":
        outcomes = together_in_threads(step, _answer)
    else:
        outcomes = asyncio.run(together_in_tasks(step, _aanswer))
    assert [o if isinstance(o, int) else type(o).__name__ for o in outcomes] == [
        10,
        20,
        "NotFound",
        40,
        50,
        "NotFound",
        70,
        80,
        "NotFound",
    ]
    assert 1 <= gate["most"] <= limit
