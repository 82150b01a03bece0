"""The conformance suite against the fake provider, and its parity with every vendor profile.

The full suite runs against each vendor profile in that vendor's own package (which knows a pass
the vendor accepts); here we check what only the core can check for every installed vendor at
once: ``connect("fake", profile=X)`` accepts and refuses exactly what X itself would, field for
field, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import walletpass
from walletpass import Barcode, Holder, Pass, WalletPassError
from walletpass.fake import FakeProvider
from walletpass.provider import Provider
from walletpass.testing.conformance import (
    FEATURE_EXAMPLES,
    ConformanceSetup,
    ProviderConformance,
)

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


def _vendor(name: str) -> Provider:
    """The real provider, pointed nowhere: ``prepare_create`` never sends."""
    return walletpass.connect(name, api_key="parity-key", base_url="http://127.0.0.1:9/")


def _verdict(provider: Provider, candidate: Pass) -> tuple[str, frozenset[str]]:
    try:
        provider.prepare_create(candidate)
    except WalletPassError as exc:
        problems = getattr(exc, "problems", None) or []
        features = frozenset(getattr(exc, "features", None) or ())
        where = frozenset(f"{p.location}: {p.message}" for p in problems) | features
        return type(exc).__name__, where
    return "accepted", frozenset()


_CANDIDATES: dict[str, Callable[[Pass], Pass]] = {
    "sample": lambda base: base,
    **{f"feature:{feature}": build for feature, build in FEATURE_EXAMPLES.items()},
}

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_every_shipped_vendor_is_installed() -> None:
    # The developer set-up installs every provider distribution; an empty list would make the
    # parity tests below vacuous, so it is a failure, not a skip.
    assert set(_profiles()) >= {"pass2u", "passentry", "livepasses", "livepass"}


@pytest.mark.parametrize("profile", _profiles(), ids=str)
def test_profile_shares_the_vendors_declarations(profile: str) -> None:
    wallet = FakeProvider(profile=profile)
    vendor = walletpass.registry.load_provider_class(profile)
    # The vendor's declarations, except events (the fake delivers those in-process).
    assert {
        k: wallet.capabilities[k] for k in vendor.capabilities if not k.startswith("events.")
    } == {k: v for k, v in vendor.capabilities.items() if not k.startswith("events.")}


@pytest.mark.parametrize("candidate", list(_CANDIDATES), ids=str)
@pytest.mark.parametrize("profile", _profiles(), ids=str)
def test_profile_refuses_exactly_what_the_vendor_refuses(profile: str, candidate: str) -> None:
    new_pass = _CANDIDATES[candidate](SAMPLE)
    fake_verdict = _verdict(FakeProvider(profile=profile), new_pass)
    vendor_verdict = _verdict(_vendor(profile), new_pass)
    assert fake_verdict == vendor_verdict


def test_a_sample_with_an_external_id_is_refused_by_the_setup_not_met_as_a_conflict() -> None:
    """The suite issues the sample many times; with an external id the second create of a
    vendor (here the fake) that keeps one pass per external id is a ``Conflict``, which would
    fail tests for a reason that is the setup's. The setup says so at once."""
    keyed = SAMPLE.model_copy(update={"external_id": "order-7"})
    wallet = FakeProvider()
    wallet.create(keyed)
    with pytest.raises(walletpass.Conflict):
        wallet.create(keyed)
    with pytest.raises(ValueError, match=r"has external_id 'order-7'.*leave it out"):
        ConformanceSetup(wallet, keyed, sent=lambda: len(wallet.calls))
