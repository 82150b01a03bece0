"""PassEntry on the async API: webhook subscriptions and replace_locations/replace_beacons, the
provider's own plans driven on the event loop over the emulator's HTTP, giving what the sync API
gives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from walletpass_passentry import PassEntryProvider
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass import Holder, Location, Pass, PassEvent, PassEventType
from walletpass.errors import UnsupportedOperation, ValidationError
from walletpass.receivers import wsgi_receiver
from walletpass.testing.emulator import EmulatorServer

from .conftest import EVENT, GENERIC

pytest.importorskip("aiohttp")

from walletpass.aio import AsyncProvider


def test_subscriptions_and_deliveries_on_the_async_api(
    connect: Callable[..., PassEntryProvider], emulator: PassEntryEmulator
) -> None:
    wallet = connect(templates={"tasting": {"id": EVENT, "fields": {"seat": "seat"}}})
    received: list[PassEvent] = []
    lock = threading.Lock()
    secrets: dict[str, Any] = {}

    def inbox(events: Sequence[PassEvent]) -> None:
        with lock:
            received.extend(events)

    receiver = wsgi_receiver(wallet, secret=lambda: secrets["current"], handler=inbox)

    async def scenario(url: str) -> dict[str, Any]:
        async with AsyncProvider(wallet) as aw:
            subscription = await aw.subscribe_events(url, ["issued"])
            assert subscription.secret is not None
            secrets["current"] = subscription.secret
            await aw.create(
                Pass(template="tasting", holder=Holder(name="Ada"), fields={"seat": "1"})
            )
            listed = await aw.list_event_subscriptions()
            listed_sync = wallet.list_event_subscriptions()
            rotated = await aw.rotate_event_secret(subscription.id)
            disabled = await aw.disable_event_subscription(subscription.id)
            with pytest.raises(UnsupportedOperation) as gap:
                await aw.delete_event_subscription(subscription.id)
            with pytest.raises(ValidationError):
                await aw.subscribe_events("http://shop.example/hooks")  # not loopback
            return {
                "subscription": subscription,
                "listed": listed,
                "listed_sync": listed_sync,
                "rotated": rotated,
                "disabled": disabled,
                "gap": gap.value,
            }

    with EmulatorServer(receiver) as server:
        sent_before = len(emulator.journal)
        got = asyncio.run(scenario(server.url + "/hooks"))
        assert emulator.webhooks.wait(5)
    subscription = got["subscription"]
    assert subscription.events == (PassEventType.ISSUED,)
    assert [s.id for s in got["listed"]] == [s.id for s in got["listed_sync"]]
    assert subscription.id in {s.id for s in got["listed"]}
    assert got["rotated"].secret is not None
    assert got["rotated"].secret.get_secret_value() != subscription.secret.get_secret_value()
    assert got["disabled"].enabled is False
    assert got["gap"].alternative == "disable_event_subscription()"
    # subscribe, create, list (twice), rotate, disable: the refusals sent nothing
    assert len(emulator.journal) - sent_before == 6
    assert [e.type for e in received] == [PassEventType.ISSUED]


def test_replace_locations_and_beacons_on_the_async_api(
    connect: Callable[..., PassEntryProvider], emulator: PassEntryEmulator
) -> None:
    # update()'s one plan on the loop: the same body and answer as the sync API's.
    wallet = connect()
    issued = wallet.create(Pass(template=GENERIC))
    spot = [Location(latitude=51.5, longitude=-0.1, radius=40, name="A")]
    synced = wallet.replace_locations(issued.id, spot)
    sync_body = emulator.journal.last().json()

    async def scenario() -> Any:
        async with AsyncProvider(connect()) as aw:
            done = await aw.replace_locations(issued.id, spot)
            with pytest.raises(ValidationError):
                await aw.replace_beacons(issued.id, "not a list")  # type: ignore[arg-type]
            return done

    before = len(emulator.journal)
    awaited = asyncio.run(scenario())
    assert len(emulator.journal) - before == 1
    assert emulator.journal.last().json() == sync_body
    assert " aiohttp/" in emulator.journal.last().headers["user-agent"]
    assert awaited.model_dump(exclude={"meta"}) == synced.model_dump(exclude={"meta"})
