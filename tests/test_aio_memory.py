"""What the async API holds in memory (issue 19): ``create_many`` on the event loop keeps a bounded
amount of memory whatever the input's length."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator, Callable
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


#: What the sync API sends through, which the async API (aiohttp) never needs: urllib3 and the
#: sync transport's exchange and pools, requests, and the CA bundle for a plain http:// vendor.
SYNC_STACK = ("urllib3", "requests", "walletpass.exchange", "walletpass.pools", "certifi")

_ASYNC_PROGRAM = """
import asyncio, json, sys
import walletpass.aio

async def main(url, key):
    async with await walletpass.aio.connect("pass2u", base_url=url, api_key=key) as wallet:
        issued = await wallet.create({"template": "1919", "fields": {"name": "Ada"}})
        await wallet.get(issued.id)
        await wallet.create_many([{"template": "1919", "fields": {"name": "Bo"}}])

asyncio.run(main(sys.argv[1], sys.argv[2]))
print(json.dumps(sorted(sys.modules)))
"""


def test_the_async_api_loads_no_part_of_the_sync_http_stack(
    walletpass_emulator: Callable[..., Any],
) -> None:
    """An asyncio program (import, connect, create, get, create_many against the Pass2U emulator
    over HTTP) loads aiohttp and nothing of what the sync API sends through: urllib3 alone was
    2.6 MiB of its memory, the CA bundle another 2.6 MiB (measured, issue 19)."""
    emulator = walletpass_emulator("pass2u")
    key = emulator.app.api_key
    done = subprocess.run(
        [sys.executable, "-c", _ASYNC_PROGRAM, emulator.url, key],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "aiohttp" in loaded
    assert not loaded & set(SYNC_STACK)
    assert not {name for name in loaded if name.startswith(("urllib3.", "requests."))}


def test_accept_encoding_is_urllib3s_rule() -> None:
    """Decided without loading urllib3 (:mod:`walletpass.codings`), the same as urllib3's own
    decision, whose decoders decompress the answers."""
    from urllib3.util import make_headers

    from walletpass.codings import ACCEPT_ENCODING

    urllib3s = make_headers(accept_encoding=True)["accept-encoding"]
    assert ACCEPT_ENCODING.split(", ") == [part.strip() for part in urllib3s.split(",")]
