"""A ``Together`` step that one plan stops: the siblings stop promptly on both loops, nothing is
left running, the first exception comes out (a bug's wrapped as a walletpass error), and
``outcome_unknown`` says whether a sibling's write may have taken effect."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from walletpass.callbacks import acall_back, call_back
from walletpass.errors import NotFound, WalletPassError
from walletpass.outcomes import dispatch_count, note_dispatch
from walletpass.plans import Call, Now, Plan, Send, Step, Together, Wait, report
from walletpass.retry import Safety
from walletpass.sending import VendorRequest
from walletpass.together import together_in_tasks, together_in_threads

WRITE = VendorRequest("POST", "passes", Safety.UNSAFE, json={"template": "t"})
READ = VendorRequest("GET", "passes/1", Safety.SAFE)


class Interrupt(BaseException):
    """Stands for KeyboardInterrupt / SystemExit: not an Exception."""


class Log:
    """What the plans did: started, steps answered, closed (GeneratorExit or the end)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: set[int] = set()
        self.ended: set[int] = set()
        self.steps = 0
        self.polls = 0
        self.sent = 0


def _sync_answer(log: Log) -> Callable[[Step], Any]:
    def answer(step: Step) -> Any:
        with log.lock:
            log.steps += 1
        if isinstance(step, Send):
            note_dispatch()
            with log.lock:
                log.sent += 1
            return None
        if isinstance(step, Call):
            return call_back(step)
        if isinstance(step, Wait):
            threading.Event().wait(step.seconds)
            return 0.0
        return 0.0

    return answer


def _async_answer(log: Log) -> Callable[[Step], Any]:
    async def answer(step: Step) -> Any:
        log.steps += 1
        if isinstance(step, Send):
            note_dispatch()
            log.sent += 1
            return None
        if isinstance(step, Call):
            return await acall_back(step)
        if isinstance(step, Wait):
            await asyncio.sleep(step.seconds)
        return 0.0

    return answer


def _sibling(n: int, log: Log, request: VendorRequest | None) -> Plan[int]:
    """A long plan: sends once, then polls for up to a minute."""
    with log.lock:
        log.started.add(n)
    try:
        if request is not None:
            yield Send(request, "update")
        for _ in range(600):
            yield Wait(0.1)
            with log.lock:
                log.polls += 1
        return n
    finally:
        with log.lock:
            log.ended.add(n)


def _failing(log: Log, fault: str, sends: bool) -> Plan[int]:
    with log.lock:
        log.started.add(0)
    try:
        # Fail once the siblings run (and have sent, when they send), however slowly the
        # machine starts threads: a condition, not a timed pause.
        for _ in range(1000):
            with log.lock:
                if log.started >= {1, 2, 3} and (not sends or log.sent >= 3):
                    break
            yield Wait(0.01)
        if fault == "bug":
            raise RuntimeError("a bug in a parse hook")
        if fault == "interrupt":
            raise Interrupt
        if fault == "callback":

            def progress(done: int, total: int) -> None:
                raise RuntimeError("a bug in a progress callback")

            yield from report(progress, 1, 2, name="on_progress", acted=False)
        return 0
    finally:
        with log.lock:
            log.ended.add(0)


def _step(log: Log, fault: str, request: VendorRequest | None, plans: int = 8) -> Together:
    # 4 at once: plans 1-3 run beside the failing one, 4-7 are never started.
    return Together(
        [
            _failing(log, fault, request is not None),
            *(_sibling(n, log, request) for n in range(1, plans)),
        ],
        4,
    )


def _leftover_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("walletpass-together")]


def _run(api: str, step: Together, log: Log) -> tuple[BaseException, int]:
    """The step's exception and the caller's dispatch count after it."""
    if api == "threads":
        before = dispatch_count()
        with pytest.raises(BaseException) as raised:
            together_in_threads(step, _sync_answer(log))
        assert _leftover_threads() == []
        return raised.value, dispatch_count() - before

    async def main() -> tuple[BaseException, int]:
        before = dispatch_count()
        with pytest.raises(BaseException) as raised:
            await together_in_tasks(step, _async_answer(log))
        assert asyncio.all_tasks() == {asyncio.current_task()}  # no task left running
        return raised.value, dispatch_count() - before

    return asyncio.run(main())


@pytest.mark.parametrize("api", ["threads", "tasks"])
@pytest.mark.parametrize(
    ("fault", "request_sent", "unknown"),
    [
        ("bug", WRITE, True),
        ("bug", READ, False),
        ("bug", None, False),
        ("callback", WRITE, True),
        ("callback", READ, False),
        ("interrupt", WRITE, None),
    ],
)
def test_one_plans_exception_stops_its_siblings(
    api: str, fault: str, request_sent: VendorRequest | None, unknown: bool | None
) -> None:
    log = Log()
    error, dispatched = _run(api, _step(log, fault, request_sent), log)
    # Nothing more started, and every started plan stopped (long before its minute of polls).
    assert log.started == {0, 1, 2, 3}
    assert log.ended == {0, 1, 2, 3}
    assert log.polls < 600  # of 1800: stopped long before the end of their polls
    # The requests the siblings handed over count as the caller's.
    assert dispatched == (3 if request_sent is not None else 0) == log.sent
    if fault == "interrupt":
        assert isinstance(error, Interrupt)  # a BaseException comes out as it is
        return
    assert isinstance(error, WalletPassError)
    if fault == "bug":
        assert error.code == "unexpected_error"
        assert "RuntimeError" in str(error) and "a bug in a parse hook" in str(error)
        assert isinstance(error.__cause__, Exception)
    else:
        assert error.code == "callback_failed" and "on_progress" in str(error)
    assert error.outcome_unknown is unknown


def test_the_callers_cancellation_cancels_every_plan() -> None:
    log = Log()

    async def main() -> None:
        step = Together([_sibling(n, log, WRITE) for n in range(6)], 3)
        task = asyncio.create_task(together_in_tasks(step, _async_answer(log)))
        while log.polls < 6:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    assert log.started == log.ended == {0, 1, 2}


def test_a_keyboard_interrupt_in_the_waiting_thread_stops_the_workers(
    ctrl_c: Callable[[], None],
) -> None:
    log = Log()
    answer = _sync_answer(log)
    interrupted = threading.Event()

    def interrupting(step: Step) -> Any:
        # Ctrl-C reaches the main thread, which waits for the workers.
        if isinstance(step, Send) and not interrupted.is_set():
            interrupted.set()
            ctrl_c()
        return answer(step)

    step = Together([_sibling(n, log, READ) for n in range(5)], 3)
    with pytest.raises(KeyboardInterrupt):
        together_in_threads(step, interrupting)
    assert _leftover_threads() == []
    assert log.started == log.ended and log.started <= {0, 1, 2}  # 3, 4 never started
    assert log.polls < 600  # of 1800: stopped long before the end of their polls


def _refused(n: int) -> Plan[int]:
    yield Now()
    if n % 2:
        # A vendor's answer may carry any code: it is this plan's outcome, not a stop.
        raise NotFound("gone", status=404, code="callback_failed")
    return n


@pytest.mark.parametrize("api", ["threads", "tasks"])
def test_walletpass_errors_are_outcomes_and_stop_nothing(api: str) -> None:
    step = Together([_refused(n) for n in range(6)], 2)
    log = Log()
    if api == "threads":
        outcomes = together_in_threads(step, _sync_answer(log))
    else:
        outcomes = asyncio.run(together_in_tasks(step, _async_answer(log)))
    assert [o if isinstance(o, int) else type(o).__name__ for o in outcomes] == [
        0,
        "NotFound",
        2,
        "NotFound",
        4,
        "NotFound",
    ]
