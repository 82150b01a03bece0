"""The async provider (walletpass.aio): the sync provider's code, driven on the event loop.

The conformance kit and the portability suite run on the async API too (each test twice); here
is what only the async API has: plans sent by the async transport (aiohttp on the wire), many
calls in flight on one loop, ``async with``, ``list`` as an async iterator, code written for the
sync contract only run in worker threads, the ``async_fake_wallet`` fixture under anyio's pytest
plugin, and ``connect``/``from_config``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import walletpass
import walletpass.aio
from walletpass import IssuedPass, Pass
from walletpass.aio import AsyncProvider
from walletpass.capabilities import Capabilities, Capability, emulated
from walletpass.errors import (
    ConfigurationError,
    NotFound,
    ProviderUnavailable,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.testing.emulator import EmulatorServer, Fault

from .test_minimal_plugin import StampEmulator, StampProvider
from .test_transport import API_KEY, HttpTestProvider, ItemsApp

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # walletpass.aio is asyncio's (its limiter sleeps with asyncio.sleep)


@pytest.fixture
def app() -> ItemsApp:
    return ItemsApp()


@pytest.fixture
def server(app: ItemsApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


class BulkItemsProvider(HttpTestProvider):
    """The items vendor, with create_many emulated by concurrent creates."""

    name = "test-http-bulk"
    capabilities = Capabilities(
        {
            **HttpTestProvider.capabilities,
            Capability.CREATE_MANY: emulated("concurrent creates"),
        }
    )


def items_wallet(server: EmulatorServer, **settings: Any) -> AsyncProvider:
    values: dict[str, Any] = {"base_url": f"{server.url}/v1", "api_key": API_KEY}
    values.update(settings)
    return AsyncProvider(BulkItemsProvider(**values))


async def test_operations_are_sent_by_the_async_transport(
    app: ItemsApp, server: EmulatorServer
) -> None:
    async with items_wallet(server) as wallet:
        issued = await wallet.create({"template": "gold"})
        read = await wallet.get(issued.id)
        await wallet.delete(issued.id)

    assert read.id == issued.id
    assert [(e.method, e.path) for e in app.journal.entries] == [
        ("POST", "/v1/items"),
        ("GET", f"/v1/items/{issued.id}"),
        ("DELETE", f"/v1/items/{issued.id}"),
    ]
    assert all(" aiohttp/" in entry.headers["user-agent"] for entry in app.journal.entries)


class GatheringApp(ItemsApp):
    """Answers no request until ``parties`` of them are in flight at once: a barrier, not a
    clock, so a loaded machine cannot fail it (calls sent one after another never fill it, and
    the first one's wait breaks it)."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.all_in = threading.Barrier(parties, timeout=30)

    def handle(self, request: Any) -> Any:
        self.all_in.wait()
        return super().handle(request)


async def test_many_calls_are_in_flight_at_once_on_one_loop() -> None:
    app = GatheringApp(40)
    with EmulatorServer(app) as server:
        async with items_wallet(server, max_retries=0) as wallet:
            found = await asyncio.gather(*(wallet.get(f"a{i}") for i in range(40)))

    assert [p.id for p in found] == [f"a{i}" for i in range(40)]
    assert not app.all_in.broken


async def test_the_vendors_errors_and_the_transports_are_the_sync_apis(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(404, {"message": "no such item"}))
    app.inject(Fault.reset_after())
    async with items_wallet(server, max_retries=0) as wallet:
        with pytest.raises(NotFound) as missing:
            await wallet.get("a1")
        with pytest.raises(ProviderUnavailable) as lost:
            await wallet.create({"template": "gold"})

    assert missing.value.provider == "test-http-bulk" and missing.value.operation == "get"
    assert lost.value.outcome_unknown is True and lost.value.operation == "create"
    assert API_KEY not in repr(lost.value) and API_KEY not in str(lost.value.__cause__)


async def test_checks_run_before_anything_is_sent(app: ItemsApp, server: EmulatorServer) -> None:
    async with items_wallet(server) as wallet:
        with pytest.raises(ValidationError):
            await wallet.get("has spaces\n")
        with pytest.raises(UnsupportedOperation):
            await wallet.update("a1", {"description": "x"})
        with pytest.raises(ValidationError):
            await wallet.create({"template": ""})

    assert len(app.journal) == 0


async def test_a_closed_provider_refuses_to_send(app: ItemsApp, server: EmulatorServer) -> None:
    wallet = items_wallet(server)
    async with wallet:
        await wallet.get("a1")

    with pytest.raises(ConfigurationError, match="closed"):
        await wallet.get("a2")
    assert len(app.journal) == 1


async def test_list_is_an_async_iterator_whose_checks_run_at_the_call(
    async_fake_wallet: AsyncProvider,
) -> None:
    for number in range(3):
        await async_fake_wallet.create({"template": "t", "external_id": f"m-{number}"})

    with pytest.raises(ValidationError):
        async_fake_wallet.list(page_size=0)  # raised by the call, before any iteration
    found = [p.external_id async for p in async_fake_wallet.list(template="t")]

    assert sorted(found) == ["m-0", "m-1", "m-2"]


async def test_the_async_fake_wallet_fixture_takes_the_marker(
    async_fake_wallet: AsyncProvider,
) -> None:
    issued = await async_fake_wallet.create({"template": "t"})
    assert isinstance(issued, IssuedPass)
    assert [call.operation for call in async_fake_wallet.calls] == ["create"]


@pytest.mark.walletpass(profile="pass2u")
async def test_the_async_fake_wallet_wears_a_profile(async_fake_wallet: AsyncProvider) -> None:
    assert async_fake_wallet.label == "fake(profile=pass2u)"
    with pytest.raises(WalletPassError):
        await async_fake_wallet.create({"template": "t", "kind": "coupon", "fields": {"": 1}})


async def test_fake_vendor_operations_are_awaitable(async_fake_wallet: AsyncProvider) -> None:
    await async_fake_wallet.fail_next("create", ProviderUnavailable)
    with pytest.raises(ProviderUnavailable):
        await async_fake_wallet.create({"template": "t"})
    assert (await async_fake_wallet.create({"template": "t"})).template == "t"


async def test_a_plugin_written_for_the_sync_contract_works_async_unchanged() -> None:
    # examples/minimal_plugin.py, untouched: its create runs as a plan on the event loop.
    vendor = StampEmulator()
    with EmulatorServer(vendor) as server:
        plugin = StampProvider(base_url=server.url, api_key=StampEmulator.api_key)
        async with AsyncProvider(plugin) as wallet:
            issued = await wallet.create(Pass(template="stamp", holder={"name": "Ada"}))
            with pytest.raises(UnsupportedOperation):
                await wallet.get(issued.id)

    assert issued.id
    assert " aiohttp/" in vendor.journal.last().headers["user-agent"]


async def test_connect_and_from_config(tmp_path: Any) -> None:
    async with await walletpass.aio.connect("fake", strict=False) as wallet:
        assert wallet.name == "fake" and wallet.settings.strict is False
        assert (await wallet.create({"template": "t"})).provider == "fake"
    config = tmp_path / "walletpass.toml"
    config.write_text('provider = "fake"\n[providers.fake]\nstrict = false\n', encoding="utf-8")
    async with await walletpass.aio.from_config(config, env={}) as wallet:
        assert wallet.name == "fake" and wallet.settings.strict is False
    with pytest.raises(walletpass.ConfigurationError):
        await walletpass.aio.connect("no-such-vendor")


async def test_the_deadline_bounds_the_whole_async_call(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.latency(3.0))
    async with items_wallet(server, deadline=0.5, max_retries=0) as wallet:
        with pytest.raises(ProviderUnavailable) as late:
            await wallet.get("a1")
        # Raised while the vendor still held the request (no clock read: a loaded machine
        # cannot fail it), and by the deadline, not by an answer.
        assert app.processed == []

    assert "deadline" in str(late.value)


# -- create_many ------------------------------------------------------------------------------


class _InFlight:
    """A WSGI app counting the requests it is answering at once (the most at any moment)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._lock:
                self.now -= 1


async def test_create_many_keeps_at_most_concurrency_creates_in_flight(app: ItemsApp) -> None:
    for _ in range(20):
        app.inject(Fault.latency(0.3))  # each create held long enough for the others to arrive
    counted = _InFlight(app)
    with EmulatorServer(counted) as server:
        async with items_wallet(server) as wallet:
            passes = [{"template": f"t{i}"} for i in range(20)]
            result = await wallet.create_many(passes, concurrency=5)

    assert (result.total, result.succeeded) == (20, 20)
    assert [item.issued.template for item in result if item.issued] == [f"t{i}" for i in range(20)]
    # Never a sixth at once; several at once (not one after another), however loaded the
    # machine (a timed bound failed at load 25).
    assert 2 <= counted.most <= 5


async def test_create_many_reads_an_async_input_lazily_in_order(
    async_fake_wallet: AsyncProvider,
) -> None:
    read = 0

    async def members() -> Any:
        nonlocal read
        for number in range(500):
            read += 1
            yield {"template": "card", "external_id": f"m-{number:03d}"}

    seen: list[tuple[int, int]] = []
    result = await async_fake_wallet.create_many(
        members(),
        concurrency=2,
        keep_items=False,
        on_item=lambda item: seen.append((item.index, read)),
    )

    assert (result.total, result.succeeded, result.items) == (500, 500, [])
    assert [index for index, _ in seen] == list(range(500))
    # The first outcome was delivered with only a window of the input read (2 x 16 ahead).
    assert seen[0][1] <= 2 * 16 + 1


async def test_create_many_with_a_journal_resumes_without_sending_again(
    app: ItemsApp, server: EmulatorServer, tmp_path: Any
) -> None:
    journal = tmp_path / "run.db"
    passes = [{"template": f"t{i}"} for i in range(10)]
    async with items_wallet(server) as wallet:
        first = await wallet.create_many(passes, journal=journal)
        again = await wallet.create_many(passes, journal=journal)

    assert (first.succeeded, first.skipped) == (10, 0)
    assert (again.succeeded, again.skipped) == (10, 10)
    assert len(app.processed) == 10


async def test_create_many_reports_each_failure_and_goes_on(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.reset_after())  # the first create takes effect, its answer is lost
    async with items_wallet(server, max_retries=0) as wallet:
        result = await wallet.create_many(
            [{"template": "a"}, {"template": ""}, {"template": "c"}], concurrency=1
        )

    first, invalid, third = result.items
    assert first.error is not None and first.error.outcome_unknown is True
    assert isinstance(invalid.error, ValidationError)
    assert third.issued is not None and third.issued.template == "c"
    with pytest.raises(ValidationError):
        await items_wallet(server).create_many("not passes")  # type: ignore[arg-type]
