"""Shared fixtures: an emulator seeded with test templates, served on 127.0.0.1, and wallets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from walletpass_passentry import PassEntryProvider
from walletpass_passentry.emulator import DEFAULT_API_KEY, EmulatedTemplate, PassEntryEmulator
from walletpass_passentry.limits import PassType

from walletpass.testing.connections import Connections
from walletpass.testing.emulator import EmulatorServer

#: Template field ids every test template has (the conformance suite adds "conformance").
COMMON_FIELDS = ("fullName", "memberName", "stamps", "seat", "level", "conformance", "k0", "k1")

GENERIC = "2e2d7ee8c306e8f0223dbdc1"
STORE_CARD = "a91c0e7d55f2b3c4d6e7f809"
EVENT = "19cb334f9696e64e10e7759f"


def seeded_templates() -> list[EmulatedTemplate]:
    return [
        EmulatedTemplate(GENERIC, "PassEntry Ticketing", PassType.GENERIC, COMMON_FIELDS),
        EmulatedTemplate(STORE_CARD, "Coffee Club", PassType.STORE_CARD, COMMON_FIELDS),
        EmulatedTemplate(EVENT, "Spring Gala", PassType.EVENT_TICKET, COMMON_FIELDS),
    ]


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Override in a test module to build the emulator differently (rate window, page size)."""
    return {}


@pytest.fixture
def emulator(emulator_options: dict[str, Any]) -> PassEntryEmulator:
    return PassEntryEmulator(templates=seeded_templates(), **emulator_options)


@pytest.fixture
def server(emulator: PassEntryEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


@pytest.fixture
def connect(server: EmulatorServer, api_key: str) -> Iterator[Connections[PassEntryProvider]]:
    """``connect(**settings)``: a passentry provider on the emulator, closed after the test."""
    with Connections(PassEntryProvider, "passentry", server.url, api_key=api_key) as connections:
        yield connections


@pytest.fixture
def wallet(connect: Callable[..., PassEntryProvider]) -> PassEntryProvider:
    return connect()


@pytest.fixture
def offline() -> Iterator[PassEntryProvider]:
    """A provider never meant to send (pure hook tests); points at an unused port."""
    wallet = PassEntryProvider(api_key="pe-secret-token-123", base_url="http://127.0.0.1:9")
    yield wallet
    wallet.close()


@pytest.fixture
def tpl() -> dict[str, str]:
    """Template UUIDs of the seeded templates, by PassEntry type."""
    return {"generic": GENERIC, "storeCard": STORE_CARD, "eventTicket": EVENT}
