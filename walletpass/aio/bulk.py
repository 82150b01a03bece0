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

A provider with a native batch endpoint (a few large requests, each followed until the vendor
finishes) keeps the sync engine, run in a worker thread, with an async input handed over item by
item.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from walletpass.bulk import (
    BulkProgress,
    _as_error,
    _external_id,
    _item,
    _prepare,
    _Runner,
    _Tally,
    check_run_arguments,
    run_create_many,
)
from walletpass.errors import JournalError, WalletPassError
from walletpass.journal import BulkJournal, Journal
from walletpass.model import BulkItem, BulkResult, IssuedPass, Pass
from walletpass.send_checks import checked_before_sending
from walletpass.transport import VendorRequest

if TYPE_CHECKING:
    from walletpass.aio.provider import AsyncProvider

__all__ = ["run_create_many_async"]

_DONE = object()
_T = TypeVar("_T")

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
    check_run_arguments(concurrency, journal)
    sync = provider.sync
    if sync.native_batch_size:
        inputs = passes if isinstance(passes, Iterable) else _handed_over(passes)
        return await asyncio.to_thread(
            run_create_many,
            sync,
            inputs,
            concurrency=concurrency,
            on_progress=on_progress,
            journal=journal,
            on_item=on_item,
            keep_items=keep_items,
        )
    owned = isinstance(journal, str | Path)
    book: Journal | None
    if isinstance(journal, str | Path):
        book = await asyncio.to_thread(BulkJournal, journal, provider=sync.name)
    else:
        book = journal
    tally = _Tally(on_progress, on_item, keep_items, present=sync.present)
    run = _AsyncRun(provider, _Runner(sync, book), concurrency)
    try:
        claim_run = getattr(book, "claim_run", None)
        held = claim_run() if claim_run is not None else contextlib.nullcontext()
        await asyncio.to_thread(held.__enter__)
        try:
            source = _numbered(passes)
            await run.run(source, tally)
            if run.runner.stopped is not None:
                unread = await anext(source, None)
                raise run.runner.stop_error(iter([unread] if unread else []), tally)
        finally:
            await asyncio.to_thread(held.__exit__, None, None, None)
    finally:
        if owned and book is not None:
            await asyncio.to_thread(book.close)
    return tally.result()


class _AsyncRun:
    """One run's tasks: a bounded window of items, sent by at most ``concurrency`` worker tasks
    that take the next item as each finishes one (no task per item: an item waiting its turn is
    a future in the window, not a suspended coroutine, and the loop schedules ``concurrency``
    tasks, not one per input)."""

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
        window: deque[tuple[int, asyncio.Future[BulkItem | None] | BulkItem]] = deque()
        queue: asyncio.Queue[_Job] = asyncio.Queue()
        workers: list[asyncio.Task[None]] = []

        async def settle_oldest() -> None:
            index, pending = window.popleft()
            item = await pending if isinstance(pending, asyncio.Future) else pending
            runner.deliver(tally, item, index)

        try:
            # A stopped run reads no further input; what is in the window still settles.
            while runner.stopped is None and (next_item := await anext(source, None)) is not None:
                index, raw = next_item
                prepared = _prepare(runner.provider, raw)
                if isinstance(prepared, WalletPassError):
                    window.append((index, _item(index, _external_id(raw), prepared)))
                else:
                    outcome: asyncio.Future[BulkItem | None] = loop.create_future()
                    window.append((index, outcome))
                    queue.put_nowait((index, *prepared, outcome))
                    if len(workers) < self.concurrency and queue.qsize() > 0:
                        workers.append(asyncio.create_task(self.work(queue)))
                while len(window) >= self.max_window:
                    await settle_oldest()
            while window:
                await settle_oldest()
        except BaseException:
            for _, pending in window:
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
        earlier = await self._journal(runner.settled_earlier, index, new_pass)
        if earlier is not None:
            return earlier
        # Recorded in flight at the dispatch point, after the rate-limit wait (the async
        # transport runs the journal write in a worker thread: walletpass.send_checks).
        dispatch = runner.dispatch(index, new_pass)
        with checked_before_sending(dispatch) if dispatch is not None else contextlib.nullcontext():
            outcome: IssuedPass | WalletPassError = await self.provider._send_create(
                new_pass, request
            )
        if isinstance(outcome, JournalError):
            # The journal could not record the item, or the claim was lost while the request
            # waited: it was not sent (raised as before sending).
            raise outcome
        return await self._journal(runner.finish, index, new_pass, outcome, dispatch)

    async def _journal(self, step: Callable[..., _T], *args: Any) -> _T:
        """A step of the per-item protocol: in a worker thread when it reads or writes a journal
        (a database), at once when the run has none (then it does no input or output)."""
        if self.runner.journal is None:
            return step(*args)
        return await asyncio.to_thread(step, *args)


async def _numbered(passes: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[tuple[int, Any]]:
    """The input with its positions, read lazily (a sync iterable is read on the loop: give an
    async iterable for input that has to wait)."""
    if isinstance(passes, AsyncIterable):
        index = 0
        async for raw in passes:
            yield index, raw
            index += 1
        return
    for index, raw in enumerate(passes):
        yield index, raw


def _handed_over(passes: AsyncIterable[Any]) -> Iterator[Any]:
    """An async iterable read from a worker thread, item by item, on the loop that owns it."""
    loop = asyncio.get_running_loop()
    items = aiter(passes)

    def read() -> Iterator[Any]:
        while True:
            item = asyncio.run_coroutine_threadsafe(anext(items, _DONE), loop).result()
            if item is _DONE:
                return
            yield item

    return read()
