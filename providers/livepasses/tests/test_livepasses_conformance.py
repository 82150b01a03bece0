"""Done when: the conformance suite passes for livepasses through its emulator over real HTTP on
127.0.0.1, and for the fake provider wearing the livepasses profile."""

from __future__ import annotations

import pytest
from walletpass_livepasses import LivepassesProvider

import walletpass
from walletpass import Capability, Holder, Pass, PassKind, PassUpdate
from walletpass.fake import FakeProvider
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance

SAMPLE = Pass(
    template="tmpl-001",
    kind=PassKind.EVENT_TICKET,
    holder=Holder(name="Ada Lovelace", email="ada@example.com"),
)
#: Livepasses refuses undeclared fields, so ``extra`` is exercised with a documented one.
EXAMPLES = {
    Capability.EXTRA: lambda base: base.model_copy(
        update={"extra": {"personalizations": {"dietaryRestrictions": "vegetarian"}}}
    )
}
#: Livepasses' lookup returns no business data, so the update is checked by its message.
UPDATE = PassUpdate(message="Doors open at 19:00", notify=False)


class TestLivepassesConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, connect, emulator, server) -> ConformanceSetup:
        wallet = connect()
        assert server.url.startswith("http://127.0.0.1:")
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(emulator.journal),
            update=UPDATE,
            missing_id="p-000000000000",
            examples=EXAMPLES,
        )


class TestLivepassesFakeProfileConformance(ProviderConformance):
    """``connect("fake", profile="livepasses")`` passes the suite with a pass Livepasses takes."""

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        wallet = walletpass.connect("fake", profile="livepasses")
        assert isinstance(wallet, FakeProvider)
        # The vendor's declarations, except events (the fake delivers those in-process).
        assert {
            k: wallet.capabilities[k]
            for k in LivepassesProvider.capabilities
            if not k.startswith("events.")
        } == {
            k: v for k, v in LivepassesProvider.capabilities.items() if not k.startswith("events.")
        }
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(wallet.calls),
            update=UPDATE,
            missing_id="fp_0000000000000000",
            examples=EXAMPLES,
        )
