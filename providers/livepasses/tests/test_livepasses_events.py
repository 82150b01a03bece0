"""Livepasses webhooks through the neutral subscription API, on the emulator; receiving is
refused honestly because the vendor publishes no way to verify or read deliveries."""

from __future__ import annotations

import pytest
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import LivepassesEmulator

from walletpass import PassEventType
from walletpass.errors import UnsupportedOperation, ValidationError


def test_subscribe_list_and_delete_map_neutral_events(
    wallet: LivepassesProvider, emulator: LivepassesEmulator
) -> None:
    subscription = wallet.subscribe_events(
        "https://shop.example/hooks", ["issued", "installed", "voided"]
    )
    assert subscription.events == (
        PassEventType.ISSUED,
        PassEventType.INSTALLED,
        PassEventType.VOIDED,
    )
    assert subscription.vendor_events == ("pass.generated", "pass.installed", "pass.cancelled")
    assert subscription.secret is not None
    assert subscription.secret.get_secret_value() not in repr(subscription)
    sent = emulator.journal.last().json()
    assert sent == {
        "url": "https://shop.example/hooks",
        "events": ["pass.generated", "pass.installed", "pass.cancelled"],
    }
    [listed] = wallet.list_event_subscriptions()
    assert listed.id == subscription.id and listed.events == subscription.events
    wallet.delete_event_subscription(subscription.id)
    assert wallet.list_event_subscriptions() == []


def test_every_neutral_event_by_default(wallet: LivepassesProvider) -> None:
    subscription = wallet.subscribe_events("https://shop.example/all")
    assert set(subscription.events) == {
        PassEventType.ISSUED,
        PassEventType.INSTALLED,
        PassEventType.REMOVED,
        PassEventType.REDEEMED,
        PassEventType.UPDATED,
        PassEventType.VOIDED,
        PassEventType.EXPIRED,
    }


def test_refusals_happen_before_sending(
    wallet: LivepassesProvider, emulator: LivepassesEmulator
) -> None:
    with pytest.raises(UnsupportedOperation, match="no webhook event for scanned"):
        wallet.subscribe_events("https://shop.example/hooks", ["scanned"])
    with pytest.raises(ValidationError, match="https"):
        wallet.subscribe_events("http://shop.example/hooks")
    with pytest.raises(UnsupportedOperation, match="subscribe_events"):
        wallet.rotate_event_secret("wh-1")
    with pytest.raises(UnsupportedOperation, match="publishes neither"):
        wallet.parse_events({"X-Signature": "x"}, b"{}", secret="s")
    assert len(emulator.journal) == 0
