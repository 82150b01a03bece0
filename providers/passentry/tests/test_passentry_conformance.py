"""The conformance suite: passentry through its emulator over HTTP, and the fake's profile."""

from __future__ import annotations

from decimal import Decimal

import pytest
from walletpass_passentry import PassEntryProvider

import walletpass
from walletpass import Balance, Barcode, Holder, Pass, PassKind, PassUpdate
from walletpass.capabilities import Capability
from walletpass.fake import FakeProvider
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance

GENERIC = "2e2d7ee8c306e8f0223dbdc1"
STORE_CARD = "a91c0e7d55f2b3c4d6e7f809"

#: PassEntry balances are whole loyalty points on store-card templates (no currency).
EXAMPLES = {
    # extra takes the body keys PassEntry documents (anything else is refused as a typo).
    Capability.EXTRA: lambda p: p.model_copy(update={"extra": {"tags": ["conformance"]}}),
    Capability.BALANCE: lambda p: p.model_copy(
        update={
            "template": STORE_CARD,
            "kind": PassKind.LOYALTY,
            "balance": Balance(amount=Decimal(10)),
        }
    ),
}

SAMPLE = Pass(
    template=GENERIC,
    kind=PassKind.MEMBERSHIP,
    holder=Holder(name="Ada Lovelace"),
    barcode=Barcode(message="A-1003"),
    fields={"level": "GOLD", "stamps": "4"},
)


class TestPassEntryConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, connect, emulator, server) -> ConformanceSetup:
        wallet = connect()
        assert server.url.startswith("http://127.0.0.1:")
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(emulator.journal),
            update=PassUpdate(fields={"level": "DIAMOND"}),
            missing_id="00000000-0000-4000-8000-000000000000",
            examples=EXAMPLES,
        )


class TestPassEntryFakeProfileConformance(ProviderConformance):
    """``connect("fake", profile="passentry")`` passes the suite with a pass PassEntry takes."""

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        wallet = walletpass.connect("fake", profile="passentry")
        assert isinstance(wallet, FakeProvider)
        # The vendor's declarations, except events (the fake delivers those in-process).
        assert {
            k: wallet.capabilities[k]
            for k in PassEntryProvider.capabilities
            if not k.startswith("events.")
        } == {
            k: v for k, v in PassEntryProvider.capabilities.items() if not k.startswith("events.")
        }
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(wallet.calls),
            update=PassUpdate(fields={"level": "DIAMOND"}),
            missing_id="fp_0000000000000000",
            examples=EXAMPLES,
        )
