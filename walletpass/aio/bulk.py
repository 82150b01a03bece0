"""``create_many`` on the event loop: asyncio tasks instead of a thread pool.

The per-item protocol is the sync engine's own (:class:`walletpass.bulk._Runner`): the same checks
of each input, the same journal entries (looked up, begun, settled), the same reconciliation of
items an earlier run left in flight, the same outcomes in input order, so a run started with one
API resumes with the other. What differs is where things run: at most ``concurrency`` creates are
in flight, sent by as many worker tasks on the loop (each through the async transport), the
journal is read and written in worker threads (SQLite or PostgreSQL never block the loop; an
item is recorded in flight when its request passes the rate limiter, :mod:`walletpass.send_checks`,
except with the in-process fake, whose "vendor" is reached on the loop itself), and
the input, a sync or an async iterable, is read lazily, a bounded window ahead of the oldest
unsettled item (constant memory, whatever its length).

A provider with a native batch endpoint (``native_batch_size``: a few large requests, each
followed until the vendor finishes) is run the same way on the loop: the input read in chunks,
each chunk through the sync engine's own protocol (:meth:`walletpass.bulk._Runner.run_chunk`:
the journal's earlier outcomes, the vendor jobs an earlier run left open, one batch, the journal
entries), the vendor asked by driving the provider's plans (``plan_create_batch``,
``plan_follow_batch``, ``plan_find_by_external_id``) through the async transport, and the
journal read and written in worker threads. Only code written for the sync contract alone (a
plugin overriding ``execute_create_batch``, ``follow_batch`` or ``find_by_external_id``, which
send by themselves) runs in a worker thread.

No thread runs anything but journal access (and such sync-only plugin code): each journal
call is one short database round trip in ``asyncio.to_thread``, awaited, so the loop goes on
serving other tasks meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from walletpass.accounts import account_of
from walletpass.batch_report import BatchReport
from walletpass.bulk import (
    FIND,
    FOLLOW,
    Ask,
    BulkProgress,
    Claim,
    Io,
    Need,
    Work,
    _as_error,
    _created,
    _external_id,
    _item,
    _prepare,
    _Runner,
    _Tally,
    check_run_arguments,
    input_failed,
    numbered,
)
from walletpass.errors import JournalError, WalletPassError
from walletpass.journal import BulkJournal, Journal
from walletpass.model import BulkItem, BulkResult, IssuedPass, Pass
from walletpass.send_checks import checked_before_sending
from walletpass.transport import VendorRequest

if TYPE_CHECKING:
    from walletpass.aio.provider import AsyncProvider

__all__ = ["run_create_many_async"]

_T = TypeVar("_T")
_I = TypeVar("_I")

#: An item for a worker: its index, the checked pass, its built request, where its outcome goes.
_Job = tuple[int, Pass, VendorRequest | None, "asyncio.Future[BulkItem | None]"]


async def run_create_many_async(
    provider: AsyncProvider,
    passes: Iterable[Any] | AsyncIterable[Any],
    *,
    concurrency: int,
    journal: str | Path | Journal | None = None,
    on_progress: Callable[[BulkProgress], None] | None = None,
    on_item: Callable[[BulkItem], None] | None = None,
    keep_items: bool = True,
) -> BulkResult:
    """The async run of :meth:`walletpass.aio.AsyncProvider.create_many` (its arguments, result
    and errors)."""
    check_run_arguments(concurrency, journal, on_item, on_progress)
    sync = provider.sync
    owned = isinstance(journal, str | Path)
    book: Journal | None
    if isinstance(journal, str | Path):
        book = await asyncio.to_thread(BulkJournal, journal, provider=sync.name)
    else:
        book = journal
    tally = _Tally(on_progress, on_item, keep_items, present=_created(sync))
    run = _AsyncRun(provider, _Runner(sync, book), concurrency)
    try:
        # As the sync run: the journal's passes live in one vendor account (bind_account), and
        # a journal offering claim_run() is held by this run alone.
        bind_account = getattr(book, "bind_account", None)
        if bind_account is not None:
            await asyncio.to_thread(bind_account, account_of(sync))
        claim_run = getattr(book, "claim_run", None)
        held = claim_run() if claim_run is not None else contextlib.nullcontext()
        await run._journal(held.__enter__)
        try:
            source = _numbered(passes)
            if sync.native_batch_size:
                await run.run_batches(source, sync.native_batch_size, tally)
            else:
                await run.run(source, tally)
            if run.runner.stopped is not None:
                unread = await anext(source, None)
                raise run.runner.stop_error(iter([unread] if unread else []), tally)
        finally:
            await run._journal(held.__exit__, None, None, None)
    finally:
        if owned and book is not None:
            await asyncio.to_thread(book.close)
    return tally.result()


class _AsyncRun:
    """One run's tasks: a bounded window of items, sent by at most ``concurrency`` worker tasks
    that take the next item as each finishes one (no task per item: an item waiting its turn is
    a future in the window, not a suspended coroutine, and the loop schedules ``concurrency``
    tasks, not one per input).

    Memory: an input is read, checked and built only when the hand-off queue has room (at most
    ``concurrency`` built items wait there for a worker), so no more than ``2 * concurrency``
    built passes and requests exist at once; the window ahead of them holds futures and
    finished outcomes waiting for an older one, each handed on (and let go of, without
    ``keep_items``) as soon as everything before it is."""

    def __init__(self, provider: AsyncProvider, runner: _Runner, concurrency: int) -> None:
        self.provider = provider
        self.runner = runner
        self.concurrency = concurrency
        # Outcomes leave in input order, so a slow item holds back those behind it; a deep
        # window keeps every worker busy meanwhile, in bounded memory (as the sync engine's).
        self.max_window = concurrency * 16

    async def run(self, source: AsyncIterator[tuple[int, Any]], tally: _Tally) -> None:
        runner = self.runner
        loop = asyncio.get_running_loop()
        window: deque[tuple[int, asyncio.Future[BulkItem | None] | BulkItem, str | None]] = deque()
        # Bounded: the input is read as fast as workers take it, not a whole window ahead (a
        # window of built passes and requests was most of the run's memory, measured).
        queue: asyncio.Queue[_Job] = asyncio.Queue(maxsize=self.concurrency)
        workers: list[asyncio.Task[None]] = []

        async def settle_oldest() -> None:
            index, pending, external_id = window.popleft()
            item = await pending if isinstance(pending, asyncio.Future) else pending
            runner.deliver(tally, item, index, external_id)

        def settle_finished() -> None:
            # What is already settled leaves now, in order (its memory with it).
            while window and not _waiting(window[0][1]):
                index, pending, external_id = window.popleft()
                item = pending.result() if isinstance(pending, asyncio.Future) else pending
                runner.deliver(tally, item, index, external_id)

        try:
            # A stopped run reads no further input; what is in the window still settles.
            while runner.stopped is None and (next_item := await anext(source, None)) is not None:
                index, raw = next_item
                prepared = _prepare(runner.provider, raw)
                external_id = _external_id(raw)
                if isinstance(prepared, WalletPassError):
                    window.append((index, _item(index, external_id, prepared), external_id))
                else:
                    runner.read(index, raw, prepared[0])
                    outcome: asyncio.Future[BulkItem | None] = loop.create_future()
                    window.append((index, outcome, external_id))
                    await queue.put((index, *prepared, outcome))
                    if len(workers) < self.concurrency and queue.qsize() > 0:
                        workers.append(asyncio.create_task(self.work(queue)))
                settle_finished()
                while len(window) >= self.max_window:
                    await settle_oldest()
            while window:
                await settle_oldest()
        except BaseException:
            for _, pending, _ in window:
                if isinstance(pending, asyncio.Future):
                    pending.cancel()
            raise
        finally:
            for worker in workers:  # idle now (or the run failed): none is sending
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def work(self, queue: asyncio.Queue[_Job]) -> None:
        """A worker: issue the next queued item, settle its future, take the next."""
        while True:
            index, new_pass, request, outcome = await queue.get()
            if outcome.cancelled():
                continue
            try:
                item = await self.issue_one(index, new_pass, request)
            except asyncio.CancelledError:
                outcome.cancel()
                raise
            except Exception as exc:  # a fault of walletpass's: the run stops with it
                outcome.set_exception(exc)
            else:
                outcome.set_result(item)

    async def issue_one(
        self, index: int, new_pass: Pass, request: VendorRequest | None
    ) -> BulkItem | None:
        """:meth:`walletpass.bulk._Runner.issue_one`, awaited: the journal in worker threads,
        the create on the loop. ``None`` when it was not sent because the run is stopping."""
        runner = self.runner
        if runner.stopped is not None:
            return None
        try:
            claim = runner.claim(index, new_pass)
            await self._journal(claim.__enter__)
            try:
                return await self._issue_claimed(index, new_pass, request)
            finally:
                await self._journal(claim.__exit__, None, None, None)
        except JournalError as exc:  # before sending: the journal could not be used
            runner.halt(exc)
            return None
        except WalletPassError as exc:  # the claim could not be had: nothing was sent
            return _item(index, new_pass.external_id, _as_error(exc, runner.provider))

    async def _issue_claimed(
        self, index: int, new_pass: Pass, request: VendorRequest | None
    ) -> BulkItem:
        runner = self.runner
        earlier = await self.carry_out(runner.decide_earlier(index, new_pass))
        if earlier is not None:
            return earlier
        # In flight before the create runs, known unsent while the transport waits for the rate
        # limiter (the async transport writes the journal in a worker thread): bulk._Dispatch.
        dispatch = runner.dispatch(index, new_pass)
        await self._journal(dispatch.mark)
        with checked_before_sending(dispatch):
            outcome: IssuedPass | WalletPassError = await self.provider._send_create(
                new_pass, request
            )
        if isinstance(outcome, JournalError):
            # The journal could not record the item, or the claim was lost while the request
            # waited: it was not sent (raised as before sending).
            raise outcome
        return await self._journal(runner.finish, index, new_pass, outcome, dispatch)

    async def run_batches(
        self, source: AsyncIterator[tuple[int, Any]], size: int, tally: _Tally
    ) -> None:
        """:meth:`walletpass.bulk._Runner.run_batches`, awaited: chunks of ``size`` read from
        ``source``, each run through the one chunk protocol."""
        runner = self.runner
        while runner.stopped is None:
            chunk = [item async for item in _taken(source, size)]
            if not chunk:
                return
            async with contextlib.AsyncExitStack() as claims:
                try:
                    settled = await self.carry_out(runner.run_chunk(chunk), claims)
                except JournalError as exc:  # before the batch went out: none of it was sent
                    runner.halt(exc)
                    settled = {}
                for index, raw in chunk:
                    runner.deliver(tally, settled.get(index), index, _external_id(raw))

    async def carry_out(
        self, work: Work[_T], claims: contextlib.AsyncExitStack | None = None
    ) -> _T:
        """The async executor of the bulk protocol (:meth:`walletpass.bulk._Runner.carry_out`
        is the sync one): journal needs in worker threads, vendor needs on the loop."""
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                need = work.throw(error) if error is not None else work.send(reply)
            except StopIteration as done:
                result: _T = done.value
                return result
            reply, error = None, None
            try:
                reply = await self._answer(need, claims)
            except Exception as exc:
                error = exc

    async def _answer(self, need: Need, claims: contextlib.AsyncExitStack | None) -> Any:
        if isinstance(need, Io):
            return await self._journal(need.call, *need.args)
        if isinstance(need, Claim):
            assert claims is not None
            claim = need.claim
            await self._journal(claim.__enter__)
            claims.push_async_callback(self._journal, claim.__exit__, None, None, None)
            return None
        return await self._ask(need)

    async def _ask(self, need: Ask) -> Any:
        """A vendor need, by the provider's plans on the loop (code written for the sync
        contract alone, which sends by itself, in a worker thread)."""
        provider, sync = self.provider, self.provider.sync
        if need.operation == FIND:
            if provider._sync_only("find_by_external_id"):
                return await provider._in_thread(sync.find_by_external_id, *need.args)
            return await provider._drive(sync.plan_find_by_external_id(*need.args))
        if need.operation == FOLLOW:
            if provider._sync_only("follow_batch"):
                return await provider._in_thread(sync.follow_batch, *need.args)
            with sync._guard("create_many"):  # as the sync follow_batch
                return await provider._drive(sync.plan_follow_batch(*need.args))
        (items,) = need.args
        passes = [p for _, p in items]
        if provider._sync_only("execute_create_batch"):
            accept = functools.partial(self.runner.accepted, items)
            return await provider._in_thread(
                functools.partial(sync.execute_create_batch, passes, on_accepted=accept)
            )

        async def accepted(positions: Sequence[int], ticket: str) -> None:
            await self._journal(self.runner.accepted, items, positions, ticket)

        # The plan calls back through a Call step, which the async driver awaits.
        plan = sync.plan_create_batch(passes, BatchReport(on_accepted=accepted))
        return await provider._drive(plan)

    async def _journal(self, step: Callable[..., _T], *args: Any) -> _T:
        """A step of the per-item protocol: in a worker thread when it reads or writes a journal
        (a database), at once when the run has none (then it does no input or output)."""
        if self.runner.journal is None:
            return step(*args)
        return await asyncio.to_thread(step, *args)


def _waiting(pending: asyncio.Future[BulkItem | None] | BulkItem) -> bool:
    """Whether a window entry's outcome is still to come."""
    return isinstance(pending, asyncio.Future) and not pending.done()


async def _numbered(passes: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[tuple[int, Any]]:
    """The input with its positions, read lazily (a sync iterable is read on the loop: give an
    async iterable for input that has to wait); an input that raises ends there, as on the
    sync API (:func:`walletpass.bulk.numbered`)."""
    if not isinstance(passes, AsyncIterable):
        for numbered_item in numbered(passes):
            yield numbered_item
        return
    iterator = aiter(passes)
    index = 0
    while True:
        try:
            raw = await anext(iterator)
        except StopAsyncIteration:
            return
        except Exception as exc:
            yield index, input_failed(exc)
            return
        yield index, raw
        index += 1


async def _taken(source: AsyncIterator[_I], size: int) -> AsyncIterator[_I]:
    """The next ``size`` items of ``source`` (fewer at its end)."""
    for _ in range(size):
        item = await anext(source, None)
        if item is None:
            return
        yield item
