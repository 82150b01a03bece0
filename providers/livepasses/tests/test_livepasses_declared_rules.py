"""Rules the Livepasses documents leave open, decided once and kept alike by the provider, its
emulator and the fake's profile: counts are integers (a float is refused, whole or not), webhook
URLs are https:// (plain http:// to loopback only, *inferred*), and the list declaration says
which status values are inferred."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import DEFAULT_API_KEY

import walletpass
from walletpass import Capability, Pass, PassKind, PassUpdate, ValidationError
from walletpass.testing.emulator import EmulatorServer

LOYALTY = "tmpl-loyalty"


def _raw(server: EmulatorServer, method: str, path: str, body: Any) -> requests.Response:
    return requests.request(
        method,
        server.url + path,
        json=body,
        headers={"X-API-Key": DEFAULT_API_KEY},
        timeout=5,
    )


def _card(**fields: Any) -> Pass:
    return Pass(
        template=LOYALTY,
        kind=PassKind.LOYALTY,
        holder={"name": "Mara Okafor"},
        fields=fields,
    )


@pytest.mark.parametrize("count", [5.0, 5.5, 0.0, -2.0])
@pytest.mark.parametrize("key", ["currentPoints", "lifetimePoints", "maxUsageCount"])
def test_a_float_count_is_refused_before_sending(wallet, emulator, key, count) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(_card(**{key: count}))
    assert "must be a whole number given as an int" in caught.value.fields[f"fields.{key}"][0]
    assert len(emulator.journal) == 0


def test_a_whole_decimal_count_goes_out_as_an_integer(wallet, emulator) -> None:
    wallet.create(_card(currentPoints=Decimal("5"), lifetimePoints=7))
    sent = emulator.journal.last().json()["passes"][0]["businessData"]
    assert sent["currentPoints"] == 5 and isinstance(sent["currentPoints"], int)
    assert sent["lifetimePoints"] == 7


@pytest.mark.parametrize("key", ["points", "currentPoints"])
@pytest.mark.parametrize("count", [5.0, 2.5, "12"])
def test_an_update_with_a_count_that_is_no_integer_sends_nothing(
    wallet, emulator, key, count
) -> None:
    issued = wallet.create(_card(currentPoints=1))
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.update(issued.id, PassUpdate(fields={key: count}))
    assert f"fields.{key}" in caught.value.fields
    assert len(emulator.journal) == before
    wallet.update(issued.id, PassUpdate(fields={key: 6}))  # an int is sent


@pytest.mark.parametrize("count", [5.0, 1.5])
def test_the_emulator_refuses_a_float_count_as_the_provider_does(server, count) -> None:
    recipient = {
        "customer": {"firstName": "Mara", "lastName": "Okafor"},
        "businessData": {"currentPoints": count},
    }
    answer = _raw(
        server, "POST", "/api/passes/generate", {"templateId": LOYALTY, "passes": [recipient]}
    )
    assert answer.status_code == 400
    assert "passes[0].businessData.currentPoints" in answer.json()["error"]["fields"]
    made = _raw(
        server,
        "POST",
        "/api/passes/generate",
        {"templateId": LOYALTY, "passes": [{**recipient, "businessData": {"currentPoints": 5}}]},
    )
    assert made.status_code == 200
    pass_id = made.json()["data"]["passes"][0]["id"]
    update = _raw(server, "PUT", f"/api/passes/{pass_id}", {"updatedFields": {"points": count}})
    assert update.status_code == 400
    assert "updatedFields.points" in update.json()["error"]["fields"]


def test_the_fake_profile_refuses_a_float_count_too() -> None:
    fake = walletpass.connect("fake", profile="livepasses")
    with pytest.raises(ValidationError) as caught:
        fake.create(_card(currentPoints=5.0))
    assert "fields.currentPoints" in caught.value.fields


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example/livepasses", "http://10.0.0.7/h", "https://user:pw@hooks.example/h"],
)
def test_a_webhook_url_the_rule_refuses_is_refused_by_provider_and_emulator(
    wallet, emulator, server, url
) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create_webhook(url, ["pass.redeemed"])
    assert "url" in caught.value.fields
    assert len(emulator.journal) == 0
    answer = _raw(server, "POST", "/api/webhooks", {"url": url, "events": ["pass.redeemed"]})
    assert answer.status_code == 400
    assert "url" in answer.json()["error"]["fields"]


def test_plain_http_to_loopback_is_taken_for_tests(wallet) -> None:
    hook = wallet.create_webhook("http://127.0.0.1:8080/hooks", ["pass.redeemed"])
    assert hook.url == "http://127.0.0.1:8080/hooks"


def test_the_inferred_rules_are_declared() -> None:
    declared = LivepassesProvider.capabilities
    listing = declared[Capability.LIST]
    assert any("Expired and Cancelled" in item for item in listing.inferred)
    webhook = declared["create_webhook"]
    assert any("https://" in item for item in webhook.inferred)
