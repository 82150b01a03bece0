"""Livepasses' ``bulk_update`` (one PUT per pass, run as a ``Together`` step) stopped half-way:
by the caller's cancellation on ``walletpass.aio`` and by Ctrl-C on the sync API. No further
update is started, nothing is left running when the call has raised, and only the requests
already in flight reach the emulator afterwards."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import LivepassesEmulator

from walletpass import Holder, Pass, PassKind, PassUpdate
from walletpass.aio import AsyncProvider
from walletpass.testing.emulator import Fault

from .conftest import EVENT

PUT = r"/api/passes/[^/]+$"
COUNT, CONCURRENCY = 24, 3


def _issued(wallet: LivepassesProvider) -> list[str]:
    return [
        wallet.create(
            Pass(
                template=EVENT,
                kind=PassKind.EVENT_TICKET,
                holder=Holder(first_name="Guest", last_name=f"N{i}", email=f"g{i}@example.com"),
            )
        ).id
        for i in range(COUNT)
    ]


def _puts(emulator: LivepassesEmulator) -> int:
    return len(emulator.journal.find("PUT", PUT))


def _slowly(emulator: LivepassesEmulator) -> None:
    # Each update takes effect, then is answered 0.2 s later: several are in flight at once.
    emulator.inject(Fault.delay_after(0.2), method="PUT", path=PUT, times=COUNT)


def _together_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("walletpass-together")]


def test_cancelling_the_async_bulk_update_cancels_every_update(
    connect: Callable[..., LivepassesProvider], emulator: LivepassesEmulator
) -> None:
    ids = _issued(connect())
    _slowly(emulator)

    async def main() -> tuple[int, int]:
        async with AsyncProvider(connect()) as wallet:
            change = PassUpdate(fields={"seat": "A1"})
            task = asyncio.create_task(wallet.bulk_update(ids, change, concurrency=CONCURRENCY))
            while _puts(emulator) < CONCURRENCY:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert asyncio.all_tasks() == {asyncio.current_task()}  # no update left running
            at_cancel = _puts(emulator)
            await asyncio.sleep(0.5)  # longer than an update takes
            return at_cancel, _puts(emulator)

    at_cancel, later = asyncio.run(main())
    # Those in flight at the cancellation may still arrive; nothing new was started.
    assert later <= at_cancel + CONCURRENCY < COUNT


def test_ctrl_c_during_the_sync_bulk_update_stops_every_worker(
    connect: Callable[..., LivepassesProvider],
    emulator: LivepassesEmulator,
    ctrl_c: Callable[[], None],
) -> None:
    wallet = connect()
    ids = _issued(wallet)
    _slowly(emulator)

    def interrupt_once_updates_are_in_flight() -> None:
        while _puts(emulator) < CONCURRENCY:
            time.sleep(0.01)
        ctrl_c()  # what Ctrl-C does to the waiting thread

    watcher = threading.Thread(target=interrupt_once_updates_are_in_flight)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        wallet.bulk_update(ids, PassUpdate(fields={"seat": "A1"}), concurrency=CONCURRENCY)
    watcher.join()
    # Every worker ended before the interrupt came out: in-flight requests finished first.
    assert _together_threads() == []
    at_interrupt = _puts(emulator)
    time.sleep(0.5)
    assert _puts(emulator) == at_interrupt < COUNT
