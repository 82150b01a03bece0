"""Carrying out a :class:`~walletpass.plans.Together` step: several plans at once, at most
``limit`` in flight, one outcome per plan in order (its result, or the walletpass error it
raised). The sync driver runs them in threads, the async driver in tasks; the caller's context
(the call's deadline, the bulk run's send check) goes with each one.

A walletpass error is one plan's outcome: the others go on (one pass's refusal does not stop a
bulk update). Anything else stops the whole step: an exception that is not a walletpass error
(a bug), a ``BaseException`` (``KeyboardInterrupt``, ``SystemExit``, the caller's
``asyncio.CancelledError``) or a failing callback (``code`` ``"callback_failed"``, which stops
its operation by the rule of :mod:`walletpass.callbacks`). Then no further plan is started, the
plans running are stopped (tasks are cancelled; a thread stops at its plan's next step, so a
request already in flight finishes, bounded by the call's deadline, and a pause between polls
is cut short), every worker has ended before the step raises, and:

* a ``BaseException`` propagates as it is;
* a walletpass error (the failing callback's) propagates itself;
* any other exception becomes a ``WalletPassError`` naming it (``code`` ``"unexpected_error"``,
  its cause a redacted stand-in), as :meth:`walletpass.contract.ProviderContract._guard` would
  make it: only walletpass errors leave an operation.

Either walletpass error says ``outcome_unknown`` when any of the plans (the failing one or a
sibling) had handed the vendor a request that changes something: the step stopped without
knowing those outcomes. Every request the plans handed over counts as the caller's
(:func:`walletpass.outcomes.dispatch_count`), so a bulk run around the step sees them too.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from walletpass.errors import WalletPassError
from walletpass.outcomes import count_dispatches, dispatch_count
from walletpass.plans import Send, Step, Together, Wait, adrive, drive
from walletpass.redaction import scrub_exception

__all__ = ["together_in_tasks", "together_in_threads"]

#: The codes of walletpass errors that stop an operation rather than fail one of its plans.
_STOPPING = frozenset({"callback_failed", "unexpected_error"})
#: Methods whose requests change nothing at the vendor.
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Stopped(Exception):
    """Raised in a thread's plan at its next step once the step was stopped (never escapes)."""


def _stops(exc: BaseException) -> bool:
    """Whether ``exc``, raised by one plan, stops the whole step (see the module docstring)."""
    if not isinstance(exc, WalletPassError):
        return True
    # A vendor's error always has a status: a code of ours on one is the vendor's own text.
    return exc.status is None and exc.code in _STOPPING


class _Step:
    """One ``Together`` step's shared state: the outcomes, which plans may have acted, the first
    exception that stopped it."""

    def __init__(self, step: Together) -> None:
        self.plans = list(step.plans)
        self.outcomes: list[Any] = [None] * len(self.plans)
        self.workers = max(1, min(step.limit, len(self.plans)))
        self.acted = [False] * len(self.plans)
        self.dispatched = 0
        self.first: BaseException | None = None
        self.lock = threading.Lock()
        self._next = iter(range(len(self.plans)))

    def take(self) -> int | None:
        """The next plan to start, or ``None``: none left, or the step stopped."""
        with self.lock:
            if self.first is not None:
                return None
            return next(self._next, None)

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.first is None:
                self.first = exc

    def tracking(self, index: int, answer: Callable[[Step], Any]) -> Callable[[Step], Any]:
        """``answer``, noting when plan ``index`` hands the vendor a write."""

        def tracked(step: Step) -> Any:
            if not isinstance(step, Send) or step.request.method.upper() in _READS:
                return answer(step)
            before = dispatch_count()
            try:
                return answer(step)
            finally:
                if dispatch_count() != before:
                    self.acted[index] = True

        return tracked

    def settle(self, index: int, run: Callable[..., Any], *args: Any) -> None:
        """Plan ``index``'s outcome, from ``run(*args)``, or the exception that stops the step."""
        before = dispatch_count()
        try:
            self.outcomes[index] = run(*args)
        except WalletPassError as exc:
            if _stops(exc):
                self.fail(exc)
            else:
                self.outcomes[index] = exc
        except _Stopped:
            pass
        except BaseException as exc:
            self.fail(exc)
        finally:
            with self.lock:
                self.dispatched += dispatch_count() - before

    def close_unstarted(self) -> None:
        """Close the plans never started (a generator closed unrun runs none of its code)."""
        for index in iter(self.take_rest, None):
            self.plans[index].close()

    def take_rest(self) -> int | None:
        with self.lock:
            return next(self._next, None)

    def result(self) -> list[Any]:
        """The outcomes, or the stopping exception (see the module docstring), raised."""
        count_dispatches(self.dispatched)
        first = self.first
        if first is None:
            return self.outcomes
        acted = sum(self.acted)
        if isinstance(first, WalletPassError):
            first.outcome_unknown = first.outcome_unknown or acted > 0
            raise first
        if not isinstance(first, Exception):
            raise first
        error = WalletPassError(
            f"unexpected {type(first).__name__} in one of {len(self.plans)} plans run together: "
            f"{first}; the others were stopped"
            + (f" ({acted} of them had sent a change that may have taken effect)" if acted else ""),
            code="unexpected_error",
            outcome_unknown=acted > 0,
        )
        raise error from scrub_exception(first)


def together_in_threads(step: Together, answer: Callable[[Step], Any]) -> list[Any]:
    """``step``'s plans, driven with ``answer`` in worker threads (at most ``step.limit``).

    :param step: the step.
    :param answer: the driver's answer to one step (:meth:`walletpass.driver.Driver.answer`).
    :returns: one outcome per plan, in order: its result or its walletpass error.
    :raises BaseException: what stopped the step, as the module docstring says.
    """
    state = _Step(step)
    if not state.plans:
        return []
    stop = threading.Event()

    def stoppable(index: int) -> Callable[[Step], Any]:
        tracked = state.tracking(index, answer)

        def answered(step: Step) -> Any:
            if stop.is_set():
                raise _Stopped
            if isinstance(step, Wait):
                # A pause the stop cuts short (a plain sleep would hold the step up to its end).
                if stop.wait(step.seconds) if step.seconds > 0 else stop.is_set():
                    raise _Stopped
                return time.monotonic()
            return tracked(step)

        return answered

    began = [threading.Event() for _ in range(state.workers)]
    ended = [threading.Event() for _ in range(state.workers)]

    def work(n: int) -> None:  # in a copy of the caller's context: its deadline, its send check
        began[n].set()
        try:
            while (index := state.take()) is not None:
                plan = state.plans[index]
                try:
                    state.settle(index, drive, plan, stoppable(index))
                finally:
                    plan.close()  # a plan stopped between steps runs its cleanup now
                    if state.first is not None:
                        stop.set()
        finally:
            ended[n].set()

    threads = [
        threading.Thread(
            target=contextvars.copy_context().run,
            args=(work, n),
            name=f"walletpass-together-{n}",
            daemon=True,
        )
        for n in range(state.workers)
    ]
    starting = 0
    try:
        for thread in threads:
            starting += 1  # (a Ctrl-C inside start() lands after the thread was started)
            thread.start()
        # Waited on events, not Thread.join: a KeyboardInterrupt that lands inside join(timeout)
        # can leave CPython taking the thread for ended while it still runs (bpo-45274's fix
        # releases the thread's own lock), and the step would return with it running.
        for n in range(starting):
            while not ended[n].wait(0.1):
                pass
    except BaseException as exc:  # the caller's (KeyboardInterrupt in the waiting thread)
        state.fail(exc)
        stop.set()
        for n in range(starting):
            # A thread whose start was cut short before it ran never begins (nor ends).
            if began[n].is_set() or began[n].wait(_BEGIN_WAIT):
                ended[n].wait()
    finally:
        state.close_unstarted()
    for n in range(starting):
        if began[n].is_set():
            threads[n].join()  # each has ended its work: this only lets it exit
    return state.result()


#: How long a stopped step waits for a worker thread it was starting to begin, in seconds.
_BEGIN_WAIT = 2.0


async def together_in_tasks(step: Together, answer: Callable[[Step], Awaitable[Any]]) -> list[Any]:
    """``step``'s plans, driven with ``answer`` in asyncio tasks (at most ``step.limit`` at
    once, each taking the next plan as it finishes one).

    :param step: the step.
    :param answer: the async driver's answer to one step.
    :returns: one outcome per plan, in order: its result or its walletpass error.
    :raises BaseException: what stopped the step, as the module docstring says
        (``asyncio.CancelledError`` when the caller was cancelled).
    """
    import asyncio  # the async API only: never imported by ``import walletpass``

    state = _Step(step)
    if not state.plans:
        return []

    def tracked(index: int) -> Callable[[Step], Awaitable[Any]]:
        async def answered(step: Step) -> Any:
            if not isinstance(step, Send) or step.request.method.upper() in _READS:
                return await answer(step)
            before = dispatch_count()
            try:
                return await answer(step)
            finally:
                if dispatch_count() != before:
                    state.acted[index] = True

        return answered

    async def work() -> None:
        while (index := state.take()) is not None:
            plan = state.plans[index]
            before = dispatch_count()
            try:
                state.outcomes[index] = await adrive(plan, tracked(index))
            except WalletPassError as exc:
                if _stops(exc):
                    state.fail(exc)
                    return
                state.outcomes[index] = exc
            except asyncio.CancelledError:
                raise  # ours (the step stopped) or the caller's: recorded where it is seen
            except BaseException as exc:
                state.fail(exc)
                return
            finally:
                plan.close()
                state.dispatched += dispatch_count() - before

    tasks = [asyncio.create_task(work()) for _ in range(state.workers)]
    try:
        while state.first is None and not all(task.done() for task in tasks):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if task.done() and task.cancelled():  # cancelled by someone else
                    state.fail(asyncio.CancelledError())
    except BaseException as exc:  # the caller was cancelled while waiting
        state.fail(exc)
        await _stopped(tasks)
        state.close_unstarted()
        count_dispatches(state.dispatched)
        raise
    cancelled = await _stopped(tasks)
    state.close_unstarted()
    if cancelled:  # the caller was cancelled while the tasks were stopping
        count_dispatches(state.dispatched)
        raise asyncio.CancelledError
    return state.result()


async def _stopped(tasks: list[Any]) -> bool:
    """Cancel every task and wait until each has ended, even if the caller is cancelled again
    meanwhile (each task was cancelled, so this is short): whether it was."""
    import asyncio

    for task in tasks:
        task.cancel()
    cancelled = False
    pending = [task for task in tasks if not task.done()]
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError:
            cancelled = True
        pending = [task for task in pending if not task.done()]
    return cancelled
