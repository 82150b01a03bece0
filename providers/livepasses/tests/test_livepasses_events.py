"""Livepasses webhooks through the neutral subscription API, on the emulator; receiving is
refused honestly because the vendor publishes no way to verify or read deliveries."""

from __future__ import annotations

from typing import Any

import pytest
from walletpass_livepasses import LivepassesProvider, limits
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


def test_the_whole_subscription_flow_over_http(
    wallet: LivepassesProvider, emulator: LivepassesEmulator
) -> None:
    """create -> list -> delete -> list, each on the documented route, over HTTP."""
    from walletpass.errors import NotFound

    subscription = wallet.subscribe_events("https://shop.example/hooks", ["redeemed", "updated"])
    assert subscription.id in emulator.webhooks and subscription.enabled
    assert subscription.secret is not None
    assert subscription.secret.get_secret_value() == emulator.webhooks[subscription.id]["secret"]
    [listed] = wallet.list_event_subscriptions()
    assert (listed.id, listed.url, listed.events, listed.secret) == (
        subscription.id,
        "https://shop.example/hooks",
        (PassEventType.REDEEMED, PassEventType.UPDATED),
        None,  # the list never shows the secret
    )
    wallet.delete_event_subscription(subscription.id)
    assert wallet.list_event_subscriptions() == [] and emulator.webhooks == {}
    with pytest.raises(NotFound):
        wallet.delete_event_subscription(subscription.id)
    assert [(e.method, e.path) for e in emulator.journal] == [
        ("POST", "/api/webhooks"),
        ("GET", "/api/webhooks"),
        ("DELETE", f"/api/webhooks/{subscription.id}"),
        ("GET", "/api/webhooks"),
        ("DELETE", f"/api/webhooks/{subscription.id}"),
    ]


@pytest.mark.parametrize("event", ["pass.exploded", "batch.completed", "pass.checked_in", ""])
def test_the_vendor_answers_400_to_an_event_outside_its_allow_list(
    server: Any, emulator: LivepassesEmulator, event: str
) -> None:
    """What Livepasses documents (SDK 0.3.0: anything else is rejected with 400), over HTTP."""
    import requests

    answer = requests.post(
        server.url + "/api/webhooks",
        json={"url": "https://shop.example/hooks", "events": ["pass.redeemed", event]},
        headers={"X-API-Key": emulator.api_key},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
    assert emulator.webhooks == {}


@pytest.mark.parametrize(
    "emulator_options",
    [{"webhook_events": limits.WEBHOOK_EVENTS - {"pass.expired"}}],
)
def test_a_server_that_refuses_an_event_answers_with_a_typed_400(
    wallet: LivepassesProvider, emulator: LivepassesEmulator
) -> None:
    """The allow-list is server-version dependent (the unreleased changelog drops
    ``pass.expired``): the vendor's 400 surfaces as a ValidationError naming the event, and
    nothing is subscribed; the other events still subscribe."""
    with pytest.raises(ValidationError, match=r"pass\.expired") as caught:
        wallet.subscribe_events("https://shop.example/hooks", ["installed", "expired"])
    assert not caught.value.outcome_unknown
    with pytest.raises(ValidationError, match=r"pass\.expired"):
        wallet.subscribe_events("https://shop.example/hooks")  # every event, expired too
    assert emulator.webhooks == {}
    subscription = wallet.subscribe_events("https://shop.example/hooks", ["installed"])
    assert [s.id for s in wallet.list_event_subscriptions()] == [subscription.id]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("isActive", "false"),
        ("isActive", None),
        ("events", "pass.redeemed"),
        ("events", [1]),
        ("url", None),
        ("id", 7),
    ],
)
def test_a_webhook_answer_of_the_wrong_shape_is_refused_not_coerced(
    wallet: LivepassesProvider, emulator: LivepassesEmulator, key: str, value: Any
) -> None:
    """'false' as text is not an active webhook, a missing isActive not an inactive one."""
    from walletpass.errors import InvalidResponse

    subscription = wallet.subscribe_events("https://shop.example/hooks", ["redeemed"])
    if value is None:
        del emulator.webhooks[subscription.id][key]
    else:
        emulator.webhooks[subscription.id][key] = value
    with pytest.raises(InvalidResponse):
        wallet.list_event_subscriptions()
