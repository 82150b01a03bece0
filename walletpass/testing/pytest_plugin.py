"""The walletpass pytest plugin, loaded through the ``pytest11`` entry point.

Import-light on purpose: loading the plugin imports nothing from walletpass, so it costs nothing in
test sessions that never use it. Nothing is autouse.

Fixtures:

``fake_wallet``
    A fresh in-memory :class:`~walletpass.fake.FakeProvider`, closed after the test. Mark a test
    ``@pytest.mark.walletpass(profile="pass2u", strict=False, ...)`` to pass settings, e.g. to wear
    a vendor's profile so the test fails where that vendor would.
``fake_wallet_factory``
    ``make(**settings)`` builds more fakes (several accounts, profiles) closed after the test.
``async_fake_wallet``
    ``fake_wallet`` behind the async API: a :class:`~walletpass.aio.AsyncProvider` (same marker,
    ``await async_fake_wallet.create(...)``). A plain fixture, since the fake opens no
    connection: async tests run by anyio's pytest plugin (``@pytest.mark.anyio``) or by
    pytest-asyncio use it alike. Needs ``walletpass[async]``.
``walletpass_emulator``
    ``start("pass2u")`` serves an installed provider's vendor emulator on 127.0.0.1 for the test
    and returns the running :class:`~walletpass.testing.emulator.EmulatorServer`.
``ctrl_c``
    ``press()``, callable from any thread, does to the test process what Ctrl-C at a terminal
    does: ``KeyboardInterrupt`` in the main thread. For the test's duration SIGINT is handled by
    Python's default handler, so a test of what Ctrl-C stops works the same where the session
    was started with SIGINT ignored (a background job, ``nohup``, some CI runners: there
    ``_thread.interrupt_main()`` does nothing, and child processes inherit the ignored signal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from walletpass.aio import AsyncProvider
    from walletpass.fake import FakeProvider
    from walletpass.testing.emulator import EmulatorServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "walletpass(**settings): settings for the fake_wallet fixture (profile=..., strict=...)",
    )


@pytest.fixture
def fake_wallet_factory() -> Iterator[Callable[..., FakeProvider]]:
    from walletpass.fake import FakeProvider

    made: list[FakeProvider] = []

    def make(**settings: Any) -> FakeProvider:
        wallet = FakeProvider(**settings)
        made.append(wallet)
        return wallet

    yield make
    for wallet in made:
        wallet.close()


def _marked_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("walletpass"))):
        settings.update(marker.kwargs)
    return settings


@pytest.fixture
def fake_wallet(
    request: pytest.FixtureRequest, fake_wallet_factory: Callable[..., FakeProvider]
) -> FakeProvider:
    return fake_wallet_factory(**_marked_settings(request))


@pytest.fixture
def async_fake_wallet(
    request: pytest.FixtureRequest, fake_wallet_factory: Callable[..., FakeProvider]
) -> AsyncProvider:
    from walletpass.aio import AsyncProvider

    return AsyncProvider(fake_wallet_factory(**_marked_settings(request)))


@pytest.fixture
def ctrl_c() -> Iterator[Callable[[], None]]:
    import _thread
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("Ctrl-C is handled in the main thread; this test runs in another one")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield _thread.interrupt_main
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture
def walletpass_emulator() -> Iterator[Callable[..., EmulatorServer]]:
    from walletpass.testing.emulator import EmulatorServer
    from walletpass.testing.emulators import load_emulator

    servers: list[EmulatorServer] = []

    def start(vendor: str, **options: Any) -> EmulatorServer:
        server = EmulatorServer(load_emulator(vendor, **options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
