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


# --------------------------------------------------------------------------------------------
# Every refusal, end to end: real deliveries from the emulator to a receiver over HTTP
# --------------------------------------------------------------------------------------------


class Receiver:
    """A WSGI receiver on 127.0.0.1 with a switchable secret; what it got and answered."""

    def __init__(self, wallet: PassEntryProvider) -> None:
        self.secret: Any = None
        self.inbox = Inbox()
        self.app = wsgi_receiver(wallet, secret=lambda: self.secret, handler=self.inbox)

    def post(self, url: str, headers: Any, body: bytes) -> int:
        import requests

        return requests.post(url, data=body, headers=headers, timeout=5).status_code


def test_every_refusal_end_to_end(
    connect: Callable[..., PassEntryProvider], emulator: PassEntryEmulator
) -> None:
    wallet = connect()
    receiver = Receiver(wallet)
    with EmulatorServer(receiver.app) as hooks:
        url = hooks.url + "/webhooks/passentry"
        subscription = wallet.subscribe_events(url, ["issued", "installed"])
        assert subscription.secret is not None
        receiver.secret = subscription.secret

        ticket = wallet.create(Pass(template=GENERIC, external_id="R-1"))
        assert emulator.webhooks.wait(5)
        delivered = emulator.webhooks.deliveries[-1]
        assert delivered.status == 200
        headers, body = delivered.headers, delivered.body

        # A replay inside the window is authentic: it is accepted, with the same event id (the
        # application de-duplicates by event_id, as the vendor may deliver twice).
        assert receiver.post(url, headers, body) == 200
        first, again = receiver.inbox.events
        assert first.event_id == again.event_id and first.pass_id == ticket.id

        tampered = body.replace(b"R-1", b"R-2")
        assert receiver.post(url, headers, tampered) == 403
        unsigned = {k: v for k, v in headers.items() if k != "X-Webhook-Signature"}
        assert receiver.post(url, unsigned, body) == 403
        guessed = hmac.new(b"guessed", body, hashlib.sha256).hexdigest()
        assert receiver.post(url, {**unsigned, "X-Webhook-Signature": guessed}, body) == 403
        garbage = b'{"data": []}'
        signed_garbage = hmac.new(
            subscription.secret.get_secret_value().encode(), garbage, hashlib.sha256
        ).hexdigest()
        assert receiver.post(url, {"X-Webhook-Signature": signed_garbage}, garbage) == 400
        assert receiver.post(url, headers, b" " * (1 << 20) + body) == 413

        # Rotation: the vendor signs with the new key at once; a receiver still on the old one
        # refuses (403) until it switches, and a delivery signed with the old key is refused
        # after the switch.
        rotated = wallet.rotate_event_secret(subscription.id)
        emulator.install(ticket.id)
        assert emulator.webhooks.wait(5)
        assert emulator.webhooks.deliveries[-1].status == 403
        receiver.secret = rotated.secret
        assert receiver.post(url, headers, body) == 403  # signed with the retired key
        emulator.remove(ticket.id)  # not subscribed: nothing is sent
        wallet.create(Pass(template=GENERIC, external_id="R-2"))
        assert emulator.webhooks.wait(5)
        assert emulator.webhooks.deliveries[-1].status == 200
    assert [e.external_id for e in receiver.inbox.events] == ["R-1", "R-1", "R-2"]
    assert all(e.verified for e in receiver.inbox.events)


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_delivery_stamped_outside_the_window_is_refused_end_to_end(
    skew: timedelta, api_key: str
) -> None:
    """The vendor's clock 6 minutes off (a delayed or replayed delivery, or one from the
    future): the receiver answers 403, and accepts it with a wider window."""
    from .conftest import seeded_templates

    emulator = PassEntryEmulator(
        templates=seeded_templates(), clock=lambda: datetime.now(UTC) + skew
    )
    with EmulatorServer(emulator) as vendor:
        wallet = PassEntryProvider(api_key=api_key, base_url=vendor.url)
        inbox = Inbox()
        secrets: dict[str, Any] = {}
        strict = wsgi_receiver(wallet, secret=lambda: secrets["key"], handler=inbox)
        wide = wsgi_receiver(wallet, secret=lambda: secrets["key"], handler=inbox, tolerance=600)
        with EmulatorServer(strict) as strict_hooks, EmulatorServer(wide) as wide_hooks:
            # One subscription at a time, each with its own key.
            for hooks in (strict_hooks, wide_hooks):
                subscription = wallet.subscribe_events(hooks.url + "/hook", ["issued"])
                secrets["key"] = subscription.secret
                wallet.create(Pass(template=GENERIC))
                assert emulator.webhooks.wait(5)
                wallet.disable_event_subscription(subscription.id)
        wallet.close()
    assert [d.status for d in emulator.webhooks.deliveries] == [403, 200]
    assert len(inbox.events) == 1


def test_a_subscription_list_that_repeats_itself_ends(api_key: str) -> None:
    """A hostile or broken answer: the same page over and over, claiming a billion pages. The
    listing ends at the first page with nothing new, without losing a subscription."""
    from walletpass.testing.emulator import EmulatorServer

    requests_seen: list[str] = []
    page = {
        "data": [
            {
                "id": f"sub-{n}",
                "type": "webhookSubscription",
                "attributes": {"url": f"https://shop.example/{n}", "subscribedEvents": []},
            }
            for n in range(2)
        ],
        "meta": {"totalPages": 10**9},
    }

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        requests_seen.append(environ.get("QUERY_STRING", ""))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(page).encode()]

    with EmulatorServer(app) as server:
        wallet = PassEntryProvider(api_key=api_key, base_url=server.url)
        assert [s.id for s in wallet.list_event_subscriptions()] == ["sub-0", "sub-1"]
        wallet.close()
    assert len(requests_seen) == 2


@pytest.mark.parametrize(
    "attributes",
    [
        {"url": "https://shop.example/h", "enabled": "false", "subscribedEvents": []},
        {"url": "https://shop.example/h", "enabled": 0, "subscribedEvents": []},
        {"url": "https://shop.example/h", "subscribedEvents": "passCreated"},
        {"url": "https://shop.example/h", "subscribedEvents": [1]},
        {"url": {"href": "https://shop.example/h"}, "subscribedEvents": []},
        {"url": None, "subscribedEvents": []},
    ],
)
def test_a_subscription_answer_of_the_wrong_shape_is_refused_not_coerced(
    api_key: str, attributes: dict[str, Any]
) -> None:
    """'false' as text is not enabled=True, a string is not a list of one-letter events."""
    from walletpass.errors import InvalidResponse
    from walletpass.testing.emulator import EmulatorServer

    answer = {"data": [{"id": "sub-1", "type": "webhookSubscription", "attributes": attributes}]}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    with EmulatorServer(app) as server:
        wallet = PassEntryProvider(api_key=api_key, base_url=server.url)
        with pytest.raises(InvalidResponse):
            wallet.list_event_subscriptions()
        wallet.close()
