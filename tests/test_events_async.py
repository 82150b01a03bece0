"""The fake's in-process event handlers on the async API: coroutine handlers awaited, plain ones
called, the same events in the same order as on the sync fake (each profile only its vendor's),
a failing handler a warning that leaves the operation standing; ``create_many`` delivers an
``issued`` event for each pass it makes, as a vendor does; and a coroutine handler where nothing
can await it (the sync fake, the WSGI receiver) is said so, never silently dropped."""

from __future__ import annotations

import asyncio
import contextlib
import io
import warnings
from typing import Any

import pytest

import walletpass
from walletpass.aio import AsyncProvider
from walletpass.errors import UnsupportedOperation, ValidationError
from walletpass.events import PassEvent
from walletpass.fake import EventHandlerWarning
from walletpass.receivers import wsgi_receiver

from .test_events_hostile import SECRET, _payload, _signed
from .test_events_profiles import PLAYS, _holder_plays

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _holder_plays_async(profile: str | None) -> tuple[list[str], list[str]]:
    """:func:`_holder_plays` on ``walletpass.aio``, seen by a coroutine handler and a plain one."""
    templates, new_pass, change = PLAYS[profile]
    settings: dict[str, Any] = {"templates": templates}
    if profile is not None:
        settings["profile"] = profile
    awaited: list[str] = []
    called: list[str] = []

    async def handler(event: PassEvent) -> None:
        await asyncio.sleep(0)  # really suspends: only an awaited handler gets past this
        awaited.append(event.type.value)

    async with AsyncProvider(walletpass.connect("fake", **settings)) as fake:
        await fake.add_event_handler(handler)
        await fake.add_event_handler(lambda event: called.append(event.type.value))
        issued = await fake.create(new_pass)
        assert awaited[:1] == called[:1]  # handled by the time create's await returned
        await fake.install(issued.id)
        await fake.update(issued.id, change or {"fields": {"seat": "2"}})
        await fake.remove(issued.id)
        for operation in (fake.redeem, fake.delete):
            with contextlib.suppress(UnsupportedOperation):
                await operation(issued.id)
    return awaited, called


@pytest.mark.parametrize("profile", list(PLAYS))
async def test_coroutine_handlers_are_awaited_with_the_sync_fakes_events(
    profile: str | None,
) -> None:
    awaited, called = await _holder_plays_async(profile)
    assert awaited == called == _holder_plays(profile)


@pytest.mark.walletpass(profile="passentry")
async def test_a_failing_coroutine_handler_is_a_warning_and_the_others_still_run(
    async_fake_wallet: AsyncProvider,
) -> None:
    later: list[str | None] = []

    async def broken(event: PassEvent) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the application's handler failed")

    async def after(event: PassEvent) -> None:
        later.append(event.pass_id)

    await async_fake_wallet.add_event_handler(broken)
    await async_fake_wallet.add_event_handler(after)
    with pytest.warns(EventHandlerWarning, match="RuntimeError.*issued.*succeeded"):
        issued = await async_fake_wallet.create({"template": "t", "external_id": "W-1"})
    assert (await async_fake_wallet.get(issued.id)).external_id == "W-1"  # created once
    assert later == [issued.id]


async def test_create_many_delivers_an_issued_event_for_each_pass(
    async_fake_wallet: AsyncProvider,
) -> None:
    awaited: list[str | None] = []

    async def handler(event: PassEvent) -> None:
        await asyncio.sleep(0)
        awaited.append(event.external_id)

    await async_fake_wallet.add_event_handler(handler)
    passes = [{"template": "t", "external_id": f"B-{n}"} for n in range(5)]
    result = await async_fake_wallet.create_many([*passes, {"template": ""}], concurrency=2)

    assert (result.succeeded, result.failed) == (5, 1)
    assert sorted(awaited, key=str) == [f"B-{n}" for n in range(5)]  # none for the refused one


def test_create_many_delivers_an_issued_event_for_each_pass_on_the_sync_fake() -> None:
    fake = walletpass.connect("fake")
    seen: list[PassEvent] = []
    fake.add_event_handler(seen.append)  # type: ignore[attr-defined]
    result = fake.create_many([{"template": "t", "external_id": f"S-{n}"} for n in range(3)])
    assert sorted(e.external_id or "" for e in seen) == ["S-0", "S-1", "S-2"]
    assert {e.pass_id for e in seen} == {p.id for p in result.passes}
    assert {e.template for e in seen} == {"t"}
    fake.close()


def test_a_coroutine_handler_on_the_sync_fake_is_said_to_be_not_run() -> None:
    fake = walletpass.connect("fake")
    ran: list[str | None] = []

    async def handler(event: PassEvent) -> None:
        ran.append(event.pass_id)

    fake.add_event_handler(handler)  # type: ignore[attr-defined]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        issued = fake.create({"template": "t"})
    assert [w.category for w in caught] == [EventHandlerWarning]  # no "never awaited" either
    assert "not run" in str(caught[0].message) and "walletpass.aio" in str(caught[0].message)
    assert ran == [] and fake.get(issued.id).id == issued.id  # the operation stood
    fake.close()


def _wsgi_post(app: Any, headers: dict[str, str], body: bytes) -> tuple[str, bytes]:
    answered: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ["CONTENT_TYPE" if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    chunks = app(environ, lambda status, headers: answered.append(status))
    return answered[0], b"".join(chunks)


def test_the_wsgi_receiver_never_answers_200_for_a_handler_it_cannot_await() -> None:
    passentry = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")

    async def handler(events: Any) -> None:  # pragma: no cover - never run
        raise AssertionError

    with pytest.raises(ValidationError, match="asgi_receiver"):
        wsgi_receiver(passentry, secret=SECRET, handler=handler)

    # A plain function that returns a coroutine is only seen at a delivery.
    delivered: list[Any] = []

    def sneaky(events: Any) -> Any:
        delivered.extend(events)
        return handler(events)

    app = wsgi_receiver(passentry, secret=SECRET, handler=sneaky)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the coroutine is closed, never "never awaited"
        status, body = _wsgi_post(app, *_signed(_payload()))
    assert [event.pass_id for event in delivered] == ["p-1"]  # verified, handed over
    assert status.startswith("500") and b"handler failed" in body  # so PassEntry delivers again
    passentry.close()
