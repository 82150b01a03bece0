"""Livepasses' composite operations (generate_and_wait, bulk_update, list_templates) written
once as plans: one result on the sync and the async API, from recorded exchanges replayed with
no socket and over the emulator's HTTP; progress callbacks as steps (a coroutine one awaited on
the async API, a failing one stopping the run with an honest error)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import LivepassesEmulator

from walletpass import Holder, Pass, PassKind, PassUpdate
from walletpass.errors import NotFound, ValidationError, WalletPassError
from walletpass.model import BulkResult
from walletpass.testing.scripted import Recorder, ScriptedDriver
from walletpass.vendor_operations import operation_of

pytest.importorskip("aiohttp")

from walletpass.aio import AsyncProvider

from .conftest import EVENT


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"async_threshold": 2, "batch_rate": 400.0}


def guest(i: int) -> Pass:
    return Pass(
        template=EVENT,
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name="Guest", last_name=f"N{i}", email=f"guest{i}@example.com"),
    )


def outcome_view(result: BulkResult) -> list[Any]:
    return [
        (i.index, i.issued.id if i.issued else None, type(i.error).__name__ if i.error else None)
        for i in result.items
    ]


def test_every_vendor_operation_of_the_shipped_providers_is_a_plan() -> None:
    # No thread fallback for the shipped providers: the async API drives each one.
    from walletpass_pass2u import Pass2UProvider
    from walletpass_passentry import PassEntryProvider

    for cls in (LivepassesProvider, PassEntryProvider, Pass2UProvider):
        plain = [n for n in cls.extra_operations if operation_of(cls, n).plan is None]
        assert plain == [], cls.__name__


def test_generate_and_wait_replayed_gives_one_result_on_both_loops(
    connect: Callable[..., LivepassesProvider],
) -> None:
    wallet = connect(poll_interval=0.01)
    passes: list[Any] = [guest(i) for i in range(5)] + [{"template": ""}]
    live_progress: list[tuple[int, int]] = []
    with Recorder(wallet) as recorded:
        live = wallet.generate_and_wait(
            passes, on_progress=lambda d, t: live_progress.append((d, t))
        )
    plan_of = operation_of(LivepassesProvider, "generate_and_wait").plan
    assert plan_of is not None

    sync_seen: list[tuple[int, int]] = []
    sync_driver = ScriptedDriver.replaying(wallet, recorded.exchanges)
    replayed = sync_driver.run(
        plan_of(wallet, passes, on_progress=lambda d, t: sync_seen.append((d, t)))
    )

    async_seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:  # a coroutine callback, awaited
        await asyncio.sleep(0)
        async_seen.append((done, total))

    async_driver = ScriptedDriver.replaying(wallet, recorded.exchanges)
    replayed_async = asyncio.run(async_driver.arun(plan_of(wallet, passes, on_progress=progress)))

    assert outcome_view(live) == outcome_view(replayed) == outcome_view(replayed_async)
    assert (live.total, live.succeeded, live.failed) == (6, 5, 1)
    assert [r.issued for r in replayed.items] == [r.issued for r in replayed_async.items]
    assert sync_seen == async_seen == live_progress
    assert [name for name, _ in sync_driver.calls] == ["on_progress"] * len(sync_seen)
    assert sync_seen[-1] == (6, 6)
    assert sync_driver.sent == async_driver.sent  # the same requests, in the same order
    assert sync_driver.waits == async_driver.waits  # polls spaced on the scripted clock


def test_composites_over_http_on_both_apis(
    connect: Callable[..., LivepassesProvider], emulator: LivepassesEmulator
) -> None:
    wallet = connect(poll_interval=0.01)
    created = [wallet.create(guest(i)) for i in range(3)]
    ids = [p.id for p in created]
    ids.insert(1, "p-000000000000")
    sync_bulk = wallet.bulk_update(ids, PassUpdate(fields={"seat": "A1"}), concurrency=2)
    sync_templates = [t.id for t in wallet.list_templates(page_size=1)]
    seen: list[tuple[int, int]] = []

    async def on_progress(done: int, total: int) -> None:
        seen.append((done, total))

    async def on_async_api() -> tuple[Any, ...]:
        async with AsyncProvider(connect(poll_interval=0.01)) as aw:
            bulk = await aw.bulk_update(ids, PassUpdate(fields={"seat": "B2"}), concurrency=2)
            listing = aw.list_templates(page_size=1)  # checks at the call, pages lazily
            templates = [t.id async for t in listing]
            with pytest.raises(ValidationError):
                aw.list_templates(page_size=0)
            generated = await aw.generate_and_wait([guest(10), guest(11)], on_progress=on_progress)
            return bulk, templates, generated

    before = len(emulator.journal.find("GET", r"/api/templates"))
    async_bulk, async_templates, generated = asyncio.run(on_async_api())
    assert outcome_view(async_bulk)[1] == outcome_view(sync_bulk)[1] == (1, None, "NotFound")
    assert [i.issued.id for i in async_bulk.items if i.issued] == [p.id for p in created]
    assert isinstance(async_bulk.items[1].error, NotFound)
    assert async_bulk.items[1].error.operation == "update"
    assert async_templates == sync_templates and len(async_templates) >= 2
    assert len(emulator.journal.find("GET", r"/api/templates")) - before == len(async_templates)
    assert generated.succeeded == 2 and seen[-1] == (2, 2)


def test_a_failing_progress_callback_stops_the_run_with_an_honest_error(
    connect: Callable[..., LivepassesProvider],
) -> None:
    wallet = connect(poll_interval=0.01)

    def boom(done: int, total: int) -> None:
        raise RuntimeError("dashboard is down")

    with pytest.raises(WalletPassError) as failed:
        wallet.generate_and_wait([guest(1), guest(2)], on_progress=boom)
    error = failed.value
    assert error.code == "callback_failed" and "on_progress" in str(error)
    assert error.outcome_unknown  # the batch was sent: Livepasses goes on generating it
    assert error.operation == "generate_and_wait"

    async def coroutine_progress(done: int, total: int) -> None:
        return None

    # A coroutine function given to the sync API: refused by name, never left unawaited.
    with pytest.raises(ValidationError, match="on_progress"):
        wallet.generate_and_wait([guest(3), guest(4)], on_progress=coroutine_progress)

    async def failing(done: int, total: int) -> None:
        raise LookupError("no such dashboard")

    async def on_async_api() -> WalletPassError:
        async with AsyncProvider(connect(poll_interval=0.01)) as aw:
            with pytest.raises(WalletPassError) as caught:
                await aw.generate_and_wait([guest(5), guest(6)], on_progress=failing)
            return caught.value

    async_error = asyncio.run(on_async_api())
    assert async_error.code == "callback_failed" and async_error.outcome_unknown
    assert "LookupError" in str(async_error)


def test_bulk_update_and_list_templates_replayed_give_one_result_on_both_loops(
    connect: Callable[..., LivepassesProvider],
) -> None:
    wallet = connect()
    ids = [wallet.create(guest(i)).id for i in range(2)] + ["p-000000000000"]
    change = PassUpdate(fields={"seat": "C3"})
    bulk_plan = operation_of(LivepassesProvider, "bulk_update").plan
    list_plan = operation_of(LivepassesProvider, "list_templates").plan
    assert bulk_plan is not None and list_plan is not None
    with Recorder(wallet) as recorded:  # one at a time: the order a script replays
        live = wallet.bulk_update(ids, change, concurrency=1)
        live_templates = [t.id for t in wallet.list_templates(page_size=2)]

    def sync_run() -> tuple[BulkResult, list[str]]:
        driver = ScriptedDriver.replaying(wallet, recorded.exchanges)
        result = driver.run(bulk_plan(wallet, ids, change, concurrency=1))
        return result, [t.id for t in driver.items(list_plan(wallet, page_size=2))]

    async def async_run() -> tuple[BulkResult, list[str]]:
        driver = ScriptedDriver.replaying(wallet, recorded.exchanges)
        result = await driver.arun(bulk_plan(wallet, ids, change, concurrency=1))
        return result, [t.id async for t in driver.aitems(list_plan(wallet, page_size=2))]

    (replayed, templates), (replayed_async, templates_async) = sync_run(), asyncio.run(async_run())
    assert outcome_view(live) == outcome_view(replayed) == outcome_view(replayed_async)
    assert outcome_view(live)[2] == (2, None, "NotFound")
    assert [i.issued for i in replayed.items] == [i.issued for i in replayed_async.items]
    assert live_templates == templates == templates_async and len(templates) >= 3
