"""PassEntry webhooks end to end: subscribe on the emulator, act on passes, receive signed
deliveries on a local receiver, verify and parse them; and every refusal case."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from walletpass_passentry import PassEntryProvider
from walletpass_passentry.emulator import PassEntryEmulator

from walletpass import Holder, Pass, PassEvent, PassEventType, WebhookError
from walletpass.errors import UnsupportedOperation, ValidationError
from walletpass.receivers import wsgi_receiver
from walletpass.testing.emulator import EmulatorServer

from .conftest import EVENT, GENERIC


class Inbox:
    """What a receiver got: verified events, and the raw deliveries for replay tests."""

    def __init__(self) -> None:
        self.events: list[PassEvent] = []
        self.lock = threading.Lock()

    def __call__(self, events: Sequence[PassEvent]) -> None:
        with self.lock:
            self.events.extend(events)


@pytest.fixture
def templates() -> dict[str, Any]:
    return {"tasting": {"id": EVENT, "fields": {"seat": "seat"}}}


def test_events_are_delivered_verified_and_in_the_applications_terms(
    connect: Callable[..., PassEntryProvider],
    templates: dict[str, Any],
    emulator: PassEntryEmulator,
) -> None:
    wallet = connect(templates=templates)
    inbox = Inbox()
    secrets: dict[str, Any] = {}
    app = wsgi_receiver(wallet, secret=lambda: secrets["current"], handler=inbox)
    with EmulatorServer(app) as server:
        subscription = wallet.subscribe_events(
            server.url + "/hooks", ["issued", "installed", "removed", "scanned"]
        )
        assert subscription.secret is not None
        assert subscription.secret.get_secret_value() not in repr(subscription)
        secrets["current"] = subscription.secret
        assert subscription.events == (
            PassEventType.ISSUED,
            PassEventType.INSTALLED,
            PassEventType.REMOVED,
            PassEventType.SCANNED,
        )
        ticket = wallet.create(
            Pass(
                template="tasting",
                external_id="T-1",
                holder=Holder(name="Ada"),
                fields={"seat": "4A"},
            )
        )
        emulator.install(ticket.id)
        emulator.remove(ticket.id)
        wallet.redeem(ticket.id, options={"reader_id": "door-1"})
        assert emulator.webhooks.wait(5)
    assert [e.type for e in inbox.events] == [
        PassEventType.ISSUED,
        PassEventType.INSTALLED,
        PassEventType.REMOVED,
        PassEventType.SCANNED,
    ]
    for event in inbox.events:
        assert event.provider == "passentry" and event.verified
        assert event.pass_id == ticket.id
        assert event.external_id == "T-1"
        assert event.template == "tasting"  # logical, not the vendor's UUID
        assert event.meta["vendor_template"] == EVENT
        assert event.occurred_at is not None and event.occurred_at.tzinfo is not None
    assert wallet.get(inbox.events[0].pass_id or "").id == ticket.id  # the id works with the API
    assert inbox.events[-1].meta["reader"]["name"] == "door-1"
    assert [d.status for d in emulator.webhooks.deliveries] == [200] * 4


def _delivery(
    secret: str, *, when: datetime | None = None, kind: str = "passInstalled"
) -> tuple[dict[str, str], bytes]:
    payload = {
        "data": {
            "id": "evt-1",
            "type": "webhook",
            "attributes": {
                "timeStamp": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "webhookType": kind,
            },
            "relationships": {"pass": {"data": {"id": "p-1", "type": "pass"}}},
        },
        "included": [
            {
                "id": "p-1",
                "type": "pass",
                "attributes": {"extId": "E-1", "passTemplateUuid": GENERIC},
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Webhook-Signature": signature, "Content-Type": "application/json"}, body


def test_a_signed_delivery_parses(offline: PassEntryProvider) -> None:
    headers, body = _delivery("s3cret")
    [event] = offline.parse_events(headers, body, secret="s3cret")
    assert (event.type, event.pass_id, event.external_id, event.template) == (
        PassEventType.INSTALLED,
        "p-1",
        "E-1",
        GENERIC,
    )
    assert event.vendor_event == "passInstalled" and event.event_id == "evt-1"


def test_base64_signatures_are_accepted_too(offline: PassEntryProvider) -> None:
    import base64

    headers, body = _delivery("s3cret")
    digest = hmac.new(b"s3cret", body, hashlib.sha256).digest()
    headers["X-Webhook-Signature"] = base64.b64encode(digest).decode()
    assert offline.parse_events(headers, body, secret="s3cret")[0].verified


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h, b: (h, b.replace(b"E-1", b"E-2")), "bad_signature"),  # tampered body
        (lambda h, b: ({**h, "X-Webhook-Signature": "00" * 32}, b), "bad_signature"),
        (
            lambda h, b: ({k: v for k, v in h.items() if k != "X-Webhook-Signature"}, b),
            "missing_signature",
        ),
        (lambda h, b: ({**h, "X-Webhook-Signature": "not hex!"}, b), "bad_signature"),
    ],
)
def test_tampered_or_unsigned_deliveries_are_refused(
    offline: PassEntryProvider, tamper: Any, reason: str
) -> None:
    headers, body = tamper(*_delivery("s3cret"))
    with pytest.raises(WebhookError) as caught:
        offline.parse_events(headers, body, secret="s3cret")
    assert caught.value.reason == reason
    assert "s3cret" not in str(caught.value)


def test_a_wrong_secret_is_refused(offline: PassEntryProvider) -> None:
    headers, body = _delivery("s3cret")
    with pytest.raises(WebhookError) as caught:
        offline.parse_events(headers, body, secret="other")
    assert caught.value.reason == "bad_signature"


@pytest.mark.parametrize("offset", [timedelta(minutes=-10), timedelta(minutes=10)])
def test_stale_and_replayed_deliveries_are_refused(
    offline: PassEntryProvider, offset: timedelta
) -> None:
    headers, body = _delivery("s3cret", when=datetime.now(UTC) + offset)
    with pytest.raises(WebhookError) as caught:
        offline.parse_events(headers, body, secret="s3cret")
    assert caught.value.reason == "stale"
    # A wider window (configurable) accepts it.
    assert offline.parse_events(headers, body, secret="s3cret", tolerance=3600)


def test_verification_can_be_turned_off_only_explicitly_with_a_warning(
    offline: PassEntryProvider,
) -> None:
    headers, body = _delivery("s3cret")
    del headers["X-Webhook-Signature"]
    with pytest.warns(UserWarning, match="without verifying"):
        [event] = offline.parse_events(headers, body, verify=False)
    assert not event.verified


def test_the_receiver_answers_403_and_logs_no_secret(
    offline: PassEntryProvider, caplog: pytest.LogCaptureFixture
) -> None:
    import requests

    inbox = Inbox()
    with EmulatorServer(wsgi_receiver(offline, secret="s3cret", handler=inbox)) as server:
        headers, body = _delivery("wrong-secret")
        answer = requests.post(server.url + "/hook", data=body, headers=headers, timeout=5)
        assert answer.status_code == 403
        answer = requests.post(
            server.url + "/hook",
            data=b"{not json",
            headers={
                "X-Webhook-Signature": hmac.new(b"s3cret", b"{not json", hashlib.sha256).hexdigest()
            },
            timeout=5,
        )
        assert answer.status_code == 400
        headers, body = _delivery("s3cret")
        assert (
            requests.post(server.url + "/hook", data=body, headers=headers, timeout=5).status_code
            == 200
        )
        assert requests.get(server.url + "/hook", timeout=5).status_code == 405
    assert [e.type for e in inbox.events] == [PassEventType.INSTALLED]
    assert "s3cret" not in caplog.text and "wrong-secret" not in caplog.text


def test_rotating_the_secret_retires_the_old_one(wallet: PassEntryProvider) -> None:
    subscription = wallet.subscribe_events("http://127.0.0.1:9/hook", ["issued"])
    rotated = wallet.rotate_event_secret(subscription.id)
    assert rotated.secret is not None and subscription.secret is not None
    assert rotated.secret.get_secret_value() != subscription.secret.get_secret_value()
    old = subscription.secret.get_secret_value()
    new = rotated.secret.get_secret_value()
    headers, body = _delivery(new)
    assert wallet.parse_events(headers, body, secret=new)
    with pytest.raises(WebhookError):
        wallet.parse_events(headers, body, secret=old)
    assert [s.id for s in wallet.list_event_subscriptions()] == [subscription.id]
    assert all(s.secret is None for s in wallet.list_event_subscriptions())


def test_subscriptions_are_checked_before_sending(
    wallet: PassEntryProvider, emulator: PassEntryEmulator
) -> None:
    with pytest.raises(ValidationError, match="https"):
        wallet.subscribe_events("http://example.com/hook")
    with pytest.raises(ValidationError, match="credentials"):
        wallet.subscribe_events("https://user:pw@example.com/hook")
    with pytest.raises(ValidationError, match="not an event type"):
        wallet.subscribe_events("https://example.com/hook", ["instaled"])
    with pytest.raises(UnsupportedOperation, match="redeemed"):
        wallet.subscribe_events("https://example.com/hook", ["redeemed"])
    with pytest.raises(UnsupportedOperation, match="disable_event_subscription"):
        wallet.delete_event_subscription("sub-1")
    assert len(emulator.journal) == 0


def test_a_disabled_subscription_gets_nothing(
    wallet: PassEntryProvider, emulator: PassEntryEmulator
) -> None:
    subscription = wallet.subscribe_events("http://127.0.0.1:9/hook", ["issued"])
    assert not wallet.disable_event_subscription(subscription.id).enabled
    wallet.create(Pass(template=GENERIC))
    assert emulator.webhooks.wait(2)
    assert emulator.webhooks.deliveries == []
