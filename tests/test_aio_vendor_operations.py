"""Vendor-only operations on the async API: a plan (a listing's included) is driven on the
event loop by the async transport; a third-party plugin's plain method, written for the sync
contract, still works, run in a worker thread (the only code that takes that path)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from walletpass import native
from walletpass.errors import UnsupportedOperation, ValidationError
from walletpass.plans import Emit, ListPlan, Plan, Send
from walletpass.provider import vendor_operation
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorServer
from walletpass.transport import VendorRequest

from .test_transport import API_KEY, HttpTestProvider, ItemsApp

pytest.importorskip("aiohttp")

from walletpass.aio import AsyncProvider

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class ItemsWithOperations(HttpTestProvider):
    name = "test-http-ops"

    @vendor_operation(native("GET /items/{id}, one per key"), listing=True)
    def read_each(self, keys: list[str]) -> ListPlan:
        """Each item, read as the iteration needs it."""
        for key in keys:
            checked = self.check_pass_id(key)
            response = yield Send(VendorRequest("GET", f"items/{checked}", Safety.SAFE), "read")
            yield Emit([response.json()["id"]])

    @vendor_operation(native("GET /items/{id}, sent by the method itself"))
    def read_plain(self, key: str) -> tuple[str, int]:
        """A plain method, as a version 1 plugin writes one: it sends by itself."""
        response = self.send(VendorRequest("GET", f"items/{key}", Safety.SAFE), "read_plain")
        return str(response.json()["id"]), threading.get_ident()

    @vendor_operation(native("GET /items/{id}, a plain generator"))
    def read_plain_each(self, keys: list[str]) -> Iterator[tuple[str, int]]:
        for key in keys:
            yield self.read_plain(key)

    @vendor_operation(native("GET /items/{id} as a plan"))
    def read_planned(self, key: str) -> Plan[str]:
        response = yield Send(VendorRequest("GET", f"items/{key}", Safety.SAFE), "read")
        return str(response.json()["id"])


@pytest.fixture
def wallet() -> Iterator[tuple[AsyncProvider, ItemsApp]]:
    app = ItemsApp()
    with EmulatorServer(app) as server:
        sync = ItemsWithOperations(base_url=f"{server.url}/v1", api_key=API_KEY)
        yield AsyncProvider(sync), app


async def test_a_listing_plan_is_an_async_iterator_driven_on_the_loop(
    wallet: tuple[AsyncProvider, ItemsApp],
) -> None:
    aw, app = wallet
    with pytest.raises(ValidationError):
        aw.read_each(["bad id"])  # its checks before the first request: at the call
    listing = aw.read_each(["a1", "a2"])
    assert len(app.journal) == 0  # nothing sent before the iteration needs it
    assert [item async for item in listing] == ["a1", "a2"]
    agents = {e.headers["user-agent"] for e in app.journal.entries}
    assert all(" aiohttp/" in agent for agent in agents)  # sent by the async transport
    assert await aw.read_planned("a3") == "a3"
    assert list(aw.sync.read_each(["s1"])) == ["s1"]  # the same plan on the sync API
    await aw.aclose()


async def test_a_plugins_plain_vendor_method_still_works_in_a_worker_thread(
    wallet: tuple[AsyncProvider, ItemsApp],
) -> None:
    aw, app = wallet
    loop_thread = threading.get_ident()
    key, ran_in = await aw.read_plain("p1")
    assert key == "p1" and ran_in != loop_thread
    assert [k async for k, _ in await aw.read_plain_each(["p2", "p3"])] == ["p2", "p3"]
    agents = {e.headers["user-agent"] for e in app.journal.entries}
    assert not any(" aiohttp/" in agent for agent in agents)  # the sync transport, as written
    await aw.aclose()


async def test_event_operations_of_a_version_1_plugin_run_its_own_hooks_after_the_checks() -> None:
    from .test_events import _GappyProvider

    class Gappy(_GappyProvider):
        sent: list[str] = []  # its own record (the base class's is another test's)

    gappy = Gappy()
    threads: list[int] = []
    original = gappy.execute_rotate_event_secret

    def rotate(subscription_id: str) -> Any:
        threads.append(threading.get_ident())
        return original(subscription_id)

    gappy.execute_rotate_event_secret = rotate  # type: ignore[method-assign]
    aw = AsyncProvider(gappy)
    with pytest.raises(UnsupportedOperation) as gap:
        await aw.delete_event_subscription("sub-1")  # a declared gap: refused before any hook
    assert gap.value.alternative == "disable()"
    with pytest.raises(ValidationError):
        await aw.rotate_event_secret("bad id")  # the id is checked first
    await aw.rotate_event_secret("sub-2")  # its own sync hook, in a worker thread
    assert gappy.sent == ["sub-2"] and threads != [threading.get_ident()]
    with pytest.raises(UnsupportedOperation):
        await aw.subscribe_events("https://example.com/hook")  # no hook: says so
    await aw.aclose()
