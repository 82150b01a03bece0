"""Pass2U on the async API (walletpass.aio): its vendor-only operations written as plans are
driven on the event loop (sent by aiohttp), with the sync provider's checks and errors. The neutral
operations are covered by the conformance suite and the portability suite on both APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from walletpass_pass2u import Pass2UProvider
from walletpass_pass2u.emulator import Pass2UEmulator

from walletpass import Barcode, Pass, ValidationError
from walletpass.aio import AsyncProvider


def test_a_vendor_operation_written_as_a_plan_is_driven_on_the_loop(
    connect: Callable[..., Pass2UProvider], emulator: Pass2UEmulator
) -> None:
    async def scenario() -> bytes:
        async with AsyncProvider(connect()) as wallet:
            issued = await wallet.create(Pass(template="1919", barcode=Barcode(message="A-1")))
            with pytest.raises(ValidationError):
                await wallet.download_pkpass("not a pass id")
            return bytes(await wallet.download_pkpass(issued.id))

    archive = asyncio.run(scenario())

    assert archive.startswith(b"PK")
    download = emulator.journal.last()
    assert download.method == "GET" and " aiohttp/" in download.headers["user-agent"]
