"""No async operation of any provider runs in a thread: every request of ``walletpass.aio`` is
sent on the event loop, by the plans the sync API runs, with only journal access (a database
round trip, awaited in ``asyncio.to_thread``) handed to worker threads.

The coffee shop of the portability suite runs on the async API of every provider (the fake and
each vendor's emulator), with the loop's default executor (what ``asyncio.to_thread`` and
``run_in_executor(None, ...)`` use) recording every call it is given; ``create_many`` runs with
and without a journal, Livepasses' through its native batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import walletpass.aio
from walletpass.bulk import _Dispatch, _Runner
from walletpass.errors import WalletPassError
from walletpass.journal import BulkJournal
from walletpass.testing.aio import BlockingProvider

from .test_portability import CONFIG, STEPS, Backend, Shop, backends, card_for

#: The bulk run's steps that only read or write its journal.
#: (_by_position: the record an earlier walletpass kept by position: adopt_position_entry)
JOURNAL_STEPS = frozenset({"finish", "accepted", "_open_ticket", "begin", "_by_position"})


class RecordingExecutor(ThreadPoolExecutor):
    """A default executor that keeps what it was asked to run."""

    def __init__(self) -> None:
        super().__init__(max_workers=2, thread_name_prefix="recorded")
        self.calls: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls.append(_callee(fn, args))
        return super().submit(fn, *args, **kwargs)


def _callee(fn: Any, args: tuple[Any, ...]) -> Any:
    """What runs: ``asyncio.to_thread(f, ...)`` hands over ``partial(context.run, f, ...)``."""
    if getattr(fn, "__func__", None) is contextvars.Context.run or (
        getattr(fn, "__name__", None) == "run"
        and isinstance(getattr(fn, "__self__", None), contextvars.Context)
    ):
        fn = args[0]
    while isinstance(fn, functools.partial):
        if isinstance(getattr(fn.func, "__self__", None), contextvars.Context):
            fn = fn.args[0]
        else:
            fn = fn.func
    return fn


def _journal_access(call: Any) -> bool:
    owner = getattr(call, "__self__", None)
    # _Dispatch: the item recorded in flight before its create (mark), not sent while it waits
    # for a rate-limit slot (before_wait), in flight again at its request's dispatch point.
    if call is BulkJournal or isinstance(call, _Dispatch) or isinstance(owner, BulkJournal):
        return True
    if isinstance(owner, _Dispatch) and call.__name__ in ("mark", "before_wait"):
        return True
    if isinstance(owner, _Runner):
        return call.__name__ in JOURNAL_STEPS
    # The journal's claims (BulkJournal.claim, claim_run) are context managers.
    return isinstance(owner, contextlib._GeneratorContextManager | contextlib.nullcontext)


def _shop_on_async_api(backend: Backend, journal: Path) -> list[Any]:
    """Every step of the shop, a delete and two journaled bulk runs; what went to threads."""
    provider = asyncio.run(walletpass.aio.from_config(CONFIG, env=backend.env))
    recorder = RecordingExecutor()
    with BlockingProvider(provider) as wallet:
        wallet._runner.get_loop().set_default_executor(recorder)
        shop = Shop(wallet)  # type: ignore[arg-type]
        for action in STEPS.values():
            with contextlib.suppress(WalletPassError):  # a vendor's documented refusals
                action(shop)
        unjournaled = list(recorder.calls)
        members = [card_for(f"M-3{n:03d}", f"Member {n}", n) for n in range(12)]
        for _ in range(2):  # the second run finds every item in the journal
            with contextlib.suppress(WalletPassError):
                wallet.create_many(members, journal=journal, concurrency=3)
        if shop.card is not None:
            with contextlib.suppress(WalletPassError):
                wallet.delete(shop.card)
    recorder.shutdown()
    assert unjournaled == [], f"{backend.name}: operations in threads: {unjournaled}"
    return recorder.calls


@pytest.fixture(scope="module")
def handed_to_threads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    with backends() as started:
        return {
            name: _shop_on_async_api(backend, tmp_path_factory.mktemp(name) / "run.db")
            for name, backend in started.items()
        }


@pytest.mark.parametrize("provider", ["fake", "livepasses", "livepass", "pass2u", "passentry"])
def test_only_journal_access_runs_in_a_thread(
    handed_to_threads: dict[str, list[Any]], provider: str
) -> None:
    calls = handed_to_threads[provider]
    assert calls, "the journaled runs read and wrote their journal from worker threads"
    assert [call for call in calls if not _journal_access(call)] == []


#: The hooks of the sync contract alone: a provider overriding one sends by itself, so the async
#: API runs that operation in a worker thread.
SYNC_ONLY_HOOKS = (
    "execute_create",
    "execute_get",
    "execute_update",
    "execute_redeem",
    "execute_delete",
    "execute_list",
    "execute_create_batch",
    "follow_batch",
    "find_by_external_id",
    "execute_subscribe_events",
    "execute_list_event_subscriptions",
    "execute_rotate_event_secret",
    "execute_delete_event_subscription",
)


@pytest.mark.parametrize("provider", ["livepasses", "livepass", "pass2u", "passentry"])
def test_no_shipped_provider_takes_a_thread_path(provider: str) -> None:
    # What the scenario above does not reach (vendor-only operations, event subscriptions):
    # a shipped provider overrides no sync-only hook and writes every vendor operation as a
    # plan, so the async API drives all of it on the loop.
    from walletpass.provider import Provider
    from walletpass.registry import load_provider_class
    from walletpass.vendor_operations import operation_of

    cls = load_provider_class(provider)
    assert [h for h in SYNC_ONLY_HOOKS if getattr(cls, h) is not getattr(Provider, h)] == []
    plain = [n for n in cls.extra_operations if getattr(operation_of(cls, n), "plan", None) is None]
    assert plain == []
