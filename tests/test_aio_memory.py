"""What the async API holds in memory (issue 19): ``create_many`` on the event loop keeps a bounded
amount of memory whatever the input's length."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

import pytest

from walletpass.aio import AsyncProvider
from walletpass.model import BulkItem

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _members(count: int, run: str) -> AsyncIterator[dict[str, Any]]:
    for number in range(count):
        yield {
            "template": "card",
            "external_id": f"{run}-{number:06d}",
            "fields": {"name": f"Member {number}"},
        }


async def test_create_many_holds_bounded_memory_whatever_the_input_length(
    async_fake_wallet: AsyncProvider,
) -> None:
    """2,000 creates from an async generator, 10 in flight, outcomes not kept: the Python memory
    the run allocates (tracemalloc) peaks at a bound that depends on the concurrency, not on how
    many items went through. Before, the run read, checked and built a whole window of items
    (16 x the concurrency) ahead of the workers and held them all (about 630 KiB here)."""
    fake: Any = async_fake_wallet.sync
    # Its code loaded and caches warm before memory is traced.
    await async_fake_wallet.create_many(_members(5, "warm"), concurrency=2)
    fake.reset_calls()
    early_peak: list[int] = []

    def settled(item: BulkItem) -> None:
        fake.reset_calls()  # the fake's log of calls (for assertions) would grow with the run
        if item.index == 200:
            early_peak.append(tracemalloc.get_traced_memory()[1])

    tracemalloc.start()
    try:
        result = await async_fake_wallet.create_many(
            _members(2000, "m"), concurrency=10, keep_items=False, on_item=settled
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (result.total, result.succeeded, result.items) == (2000, 2000, [])
    # Measured about 100-120 KiB (20 built items at most: 10 queued, 10 in flight).
    assert peak < 320 * 1024
    # Independent of the count: no more after 2,000 items than after the first 200.
    assert peak <= early_peak[0] + 64 * 1024
