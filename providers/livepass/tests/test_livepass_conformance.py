"""The conformance suite: livepass through its emulator over real HTTP, and the fake's profile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from walletpass_livepass import LivePassProvider

import walletpass
from walletpass import Barcode, Holder, Pass, PassKind, PassUpdate
from walletpass.capabilities import Capability
from walletpass.fake import FakeProvider
from walletpass.model import Balance, Event, PassField
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance

SAMPLE = Pass(
    template="reservation",
    kind=PassKind.RESERVATION,
    holder=Holder(name="Ada Lovelace", email="ada@example.com"),
    barcode=Barcode(message="A-1003"),
    event=Event(title="Health Check-up", url="https://example.com/r/1003"),
    fields={"duration": "45 minutes"},
)

UPDATE = PassUpdate(fields={"duration": "90 minutes"})


def _card(**values: object) -> Callable[[Pass], Pass]:
    """A membership card built from the sample (cards carry no date, place or title)."""

    def build(base: Pass) -> Pass:
        return base.model_copy(
            update={"template": "membership-card", "event": None, "fields": None, **values}
        )

    return build


#: Where a LivePass pass needs its own example: the type decides which keys exist.
EXAMPLES: dict[Capability, Callable[[Pass], Pass]] = {
    Capability.KIND_MEMBERSHIP: _card(kind=PassKind.MEMBERSHIP),
    Capability.KIND_LOYALTY: _card(kind=PassKind.LOYALTY),
    Capability.KIND_APPOINTMENT: lambda p: p.model_copy(
        update={"template": "appointment", "kind": PassKind.APPOINTMENT}
    ),
    Capability.BALANCE: _card(
        kind=PassKind.MEMBERSHIP, balance=Balance(amount=Decimal("10.00"), currency="EUR")
    ),
    Capability.TIER: _card(kind=PassKind.MEMBERSHIP, tier="gold"),
    # fields take LivePass's own keys; the sample already uses "duration".
    Capability.FIELDS: lambda p: p.model_copy(
        update={"fields": {**(p.fields or {}), "time": "10:00am"}}
    ),
    Capability.FIELD_LABELS: lambda p: p.model_copy(
        update={"fields": {"time": PassField(value="10:00am", label="Time")}}
    ),
    # The sample gives the duration as text: a typed one replaces it.
    Capability.EVENT_DURATION: lambda p: p.model_copy(
        update={"event": Event(duration=timedelta(hours=2)), "fields": None}
    ),
    # Documented keys pass the emulator; whether LivePass takes others is unknown.
    Capability.EXTRA: lambda p: p.model_copy(update={"extra": {"phone_number": "+971501234567"}}),
}


class TestLivePassConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, connect, emulator, server) -> ConformanceSetup:
        assert server.url.startswith("http://127.0.0.1:")
        return ConformanceSetup(
            connect(),
            SAMPLE,
            sent=lambda: len(emulator.journal),
            update=UPDATE,
            missing_id="reservation.no-such-pass",
            examples=EXAMPLES,
        )


class TestLivePassFakeProfileConformance(ProviderConformance):
    """``connect("fake", profile="livepass")`` passes the suite with a pass LivePass takes."""

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        wallet = walletpass.connect("fake", profile="livepass")
        assert isinstance(wallet, FakeProvider)
        # The vendor's declarations, except events (the fake delivers those in-process).
        assert {
            k: wallet.capabilities[k]
            for k in LivePassProvider.capabilities
            if not k.startswith("events.")
        } == {k: v for k, v in LivePassProvider.capabilities.items() if not k.startswith("events.")}
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(wallet.calls),
            update=UPDATE,
            missing_id="fp_0000000000000000",
            examples=EXAMPLES,
        )
