"""The conformance suite against the fake provider, bare and wearing every vendor profile."""

from __future__ import annotations

import pytest

import walletpass
from walletpass import Barcode, Holder, Pass
from walletpass.fake import FakeProvider
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance

SAMPLE = Pass(
    template="vip-ticket",
    holder=Holder(name="Ada Lovelace"),
    barcode=Barcode(message="A-1003"),
    fields={"seat": "12B"},
)


class TestFakeConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        wallet = FakeProvider()
        return ConformanceSetup(
            wallet, SAMPLE, sent=lambda: len(wallet.calls), missing_id="fp_0000000000000000"
        )


def _profiles() -> list[str]:
    return [name for name in walletpass.available_providers() if name != "fake"]


@pytest.fixture(params=_profiles() or [None], ids=lambda p: p or "no-vendor-installed")
def profile(request: pytest.FixtureRequest) -> str | None:
    return request.param  # type: ignore[no-any-return]


class TestFakeProfileConformance(ProviderConformance):
    """Every installed vendor's profile: the fake must refuse exactly what that vendor refuses."""

    @pytest.fixture
    def conformance(self, profile: str | None) -> ConformanceSetup:
        wallet = FakeProvider(profile=profile)
        sample = SAMPLE
        if profile is not None:
            vendor = walletpass.registry.load_provider_class(profile)
            assert wallet.capabilities is vendor.capabilities
        return ConformanceSetup(
            wallet, sample, sent=lambda: len(wallet.calls), missing_id="fp_0000000000000000"
        )
