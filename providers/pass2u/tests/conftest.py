"""Shared fixtures: an emulator seeded with test models, served on 127.0.0.1, and a wallet on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from walletpass_pass2u import Pass2UProvider
from walletpass_pass2u.emulator import (
    DEFAULT_API_KEY,
    BarcodeMode,
    EmulatedModel,
    ModelField,
    Pass2UEmulator,
)
from walletpass_pass2u.limits import PassStyle
from walletpass_pass2u.png import encode_png

from walletpass.testing.connections import Connections
from walletpass.testing.emulator import EmulatorServer

#: Field keys every test model accepts (the conformance suite adds "conformance").
COMMON_FIELDS = ("name", "birth", "level", "conformance", "k0", "k1", "k2", "k3")


def _fields(*keys: str) -> tuple[ModelField, ...]:
    return tuple(ModelField(key, key.title()) for key in keys)


def seeded_models() -> list[EmulatedModel]:
    return [
        EmulatedModel("1919", PassStyle.GENERIC, _fields(*COMMON_FIELDS)),
        EmulatedModel(
            "3001", PassStyle.EVENT_TICKET, _fields(*COMMON_FIELDS, "seat"), BarcodeMode.RANDOM
        ),
        EmulatedModel(
            "2040",
            PassStyle.STORE_CARD,
            (*_fields(*COMMON_FIELDS), ModelField("points", "Points", 0, dynamic=False)),
            BarcodeMode.NON_REPLICABLE,
            "PKBarcodeFormatPDF417",
        ),
        EmulatedModel(
            "4001",
            PassStyle.GENERIC,
            _fields(*COMMON_FIELDS),
            barcode_format="PKBarcodeFormatAztec",
        ),
        EmulatedModel(
            "4002",
            PassStyle.GENERIC,
            _fields(*COMMON_FIELDS),
            barcode_format="PKBarcodeFormatCode128",
        ),
    ]


#: Template aliases stating each seeded model's barcode symbology (Pass2U fixes it per model).
MODEL_ALIASES = {
    "qr-model": {"id": "1919", "barcode_format": "qr"},
    "pdf417-model": {"id": "2040", "barcode_format": "pdf417"},
    "aztec-model": {"id": "4001", "barcode_format": "aztec"},
    "code128-model": {"id": "4002", "barcode_format": "code128"},
}


@pytest.fixture
def api_key() -> str:
    return DEFAULT_API_KEY


@pytest.fixture
def models() -> list[EmulatedModel]:
    return seeded_models()


@pytest.fixture
def emulator(models: list[EmulatedModel]) -> Pass2UEmulator:
    return Pass2UEmulator(models=models)


@pytest.fixture
def server(emulator: Pass2UEmulator) -> Iterator[EmulatorServer]:
    with EmulatorServer(emulator) as running:
        yield running


@pytest.fixture
def connect(server: EmulatorServer, api_key: str) -> Iterator[Connections[Pass2UProvider]]:
    """``connect(**settings)``: a pass2u provider on the emulator, closed after the test."""
    with Connections(
        Pass2UProvider, "pass2u", server.url, api_key=api_key, max_retries=2
    ) as connections:
        yield connections


@pytest.fixture
def wallet(connect: Callable[..., Pass2UProvider]) -> Pass2UProvider:
    return connect()


@pytest.fixture
def png() -> Callable[..., bytes]:
    """``png(width, height, padding=0)``: a valid PNG file of that size."""

    def make(width: int = 58, height: int = 58, *, padding: int = 0) -> bytes:
        return encode_png(width, height, (10, 120, 200), padding=padding)

    return make


@pytest.fixture
def offline() -> Iterator[Pass2UProvider]:
    """A provider that is never meant to send (pure hook tests); points at an unused port."""
    wallet = Pass2UProvider(api_key="k" * 32, base_url="http://127.0.0.1:9")
    yield wallet
    wallet.close()
