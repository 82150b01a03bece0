"""Shared fixtures: the LivePass emulator served on 127.0.0.1, and providers pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from walletpass_livepass import LivePassProvider
from walletpass_livepass.emulator import DEFAULT_API_KEY, LivePassEmulator

from walletpass.testing.connections import Connections
from walletpass.testing.emulator import EmulatorServer


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY


@pytest.fixture
def emulator() -> LivePassEmulator:
    return LivePassEmulator()


@pytest.fixture
def server(emulator: LivePassEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


@pytest.fixture
def connect(server: EmulatorServer, api_key: str) -> Iterator[Connections[LivePassProvider]]:
    """``connect(**settings)``: a livepass provider on the emulator, closed after the test."""
    with Connections(LivePassProvider, "livepass", server.url, api_key=api_key) as connections:
        yield connections


@pytest.fixture
def wallet(connect: Callable[..., LivePassProvider]) -> LivePassProvider:
    return connect()


@pytest.fixture
def offline() -> Iterator[LivePassProvider]:
    """A provider never meant to send (pure hook tests); points at an unused port."""
    wallet = LivePassProvider(api_key="lp-secret-key-4711", base_url="http://127.0.0.1:9")
    yield wallet
    wallet.close()
