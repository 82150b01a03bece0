"""A vendor profile receives webhooks as its vendor does: the same verification, the same
refusals and the same ``PassEvent``s (the provider's name aside), since applications test their
webhook endpoint against ``connect("fake", profile=...)``. A profile whose vendor cannot receive
refuses exactly as that vendor does."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import walletpass
from walletpass import PassEventType, Provider, WalletPassError, WebhookError
from walletpass.capabilities import Capability
from walletpass.errors import UnsupportedOperation
from walletpass.receivers import wsgi_receiver
from walletpass.registry import load_provider_class
from walletpass.testing.emulator import EmulatorServer

SECRET = "whsec-profile"
TEMPLATE = "19cb334f9696e64e10e7759f"
#: An id of the fake's form, which PassEntry accepts too (a UUID or extId is opaque to it).
PASS_ID = "fp_0123456789abcdef"
TEMPLATES = {"tasting": {"id": TEMPLATE}}


@pytest.fixture
def pair() -> Iterator[tuple[Provider, Provider]]:
    vendor = walletpass.connect(
        "passentry",
        api_key="k" * 24,
        base_url="http://127.0.0.1:9",
        templates=TEMPLATES,
    )
    profile = walletpass.connect("fake", profile="passentry", templates=TEMPLATES)
    yield vendor, profile
    vendor.close()
    profile.close()


def _payload(kind: str = "passScanned", when: datetime | None = None) -> dict[str, Any]:
    return {
        "data": {
            "id": "0196-evt",
            "type": "webhook",
            "attributes": {
                "timeStamp": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "webhookType": kind,
            },
            "relationships": {"pass": {"data": {"id": PASS_ID, "type": "pass"}}},
        },
        "included": [
            {
                "id": PASS_ID,
                "type": "pass",
                "attributes": {"extId": "T-1", "passTemplateUuid": TEMPLATE, "status": "active"},
            },
            {"id": "s-1", "type": "scan", "attributes": {"status": "successful"}},
            {"id": "r-1", "type": "reader", "attributes": {"name": "door-1"}},
        ],
    }


def _delivery(
    payload: Any = None, secret: str = SECRET, encode: Callable[[bytes], str] | None = None
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(_payload() if payload is None else payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Webhook-Signature": (encode or bytes.hex)(digest)}, body


_AGE = re.compile(r"(\d+(?:\.\d+)?) s away")


def _outcome(provider: Provider, headers: Any, body: bytes, **options: Any) -> Any:
    try:
        events = provider.parse_events(headers, body, **options)
    except WalletPassError as exc:
        message = str(exc).replace(provider.label, "<provider>").replace(provider.name, "<p>")
        # A stale delivery's message gives its age as read at the check: the vendor and the
        # profile check a moment apart (0.1 s under load), so the figure is compared in tens
        # of seconds (the cases are 360 s off either way: far from 355 and 365).
        ages = [round(float(age) / 10) for age in _AGE.findall(message)]
        message = _AGE.sub("<age> s away", message)
        return (type(exc).__name__, getattr(exc, "reason", None), message, ages)
    return [e.model_dump(exclude={"provider"}) for e in events]


def _tampered() -> tuple[dict[str, str], bytes]:
    headers, body = _delivery()
    return headers, body.replace(b"T-1", b"T-2")


def _stale(offset: timedelta) -> Callable[[], tuple[dict[str, str], bytes]]:
    return lambda: _delivery(_payload(when=datetime.now(UTC) + offset))


CASES: dict[str, Callable[[], tuple[Any, bytes]]] = {
    "valid (hex)": _delivery,
    "valid (base64)": lambda: _delivery(encode=lambda d: base64.b64encode(d).decode()),
    "valid, other event": lambda: _delivery(_payload("passRemoved")),
    "unknown event name": lambda: _delivery(_payload("passExploded")),
    "tampered body": _tampered,
    "wrong secret": lambda: _delivery(secret="guessed"),
    "missing signature": lambda: ({}, _delivery()[1]),
    "empty signature": lambda: ({"X-Webhook-Signature": " "}, _delivery()[1]),
    "signature not hex": lambda: ({"X-Webhook-Signature": "zz" * 32}, _delivery()[1]),
    "repeated signature": lambda: (
        [("X-Webhook-Signature", _delivery()[0]["X-Webhook-Signature"])] * 2,
        _delivery()[1],
    ),
    "stale": _stale(timedelta(minutes=-6)),
    "from the future": _stale(timedelta(minutes=6)),
    "no timestamp": lambda: _delivery(
        {**_payload(), "data": {**_payload()["data"], "attributes": {"webhookType": "passScanned"}}}
    ),
    "not JSON": lambda: _signed_raw(b"{not json"),
    "not UTF-8": lambda: _signed_raw(b'{"a": "\xff"}'),
    "too large": lambda: _signed_raw(b" " * (1 << 20) + b"{}"),
    "an array": lambda: _delivery([_payload()]),
    "pass id a number": lambda: _delivery(
        {
            **_payload(),
            "data": {**_payload()["data"], "relationships": {"pass": {"data": {"id": 7}}}},
        }
    ),
}


def _signed_raw(body: bytes) -> tuple[dict[str, str], bytes]:
    return {
        "X-Webhook-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    }, body


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_passentry_profile_verifies_and_refuses_as_passentry_does(
    pair: tuple[Provider, Provider], case: Callable[[], tuple[Any, bytes]]
) -> None:
    vendor, profile = pair
    headers, body = case()
    seen = _outcome(vendor, headers, body, secret=SECRET)
    assert _outcome(profile, headers, body, secret=SECRET) == seen
    # A wider window, or none, changes both alike.
    assert _outcome(profile, headers, body, secret=SECRET, tolerance=None) == _outcome(
        vendor, headers, body, secret=SECRET, tolerance=None
    )


def test_the_profile_hands_the_application_the_vendors_events(
    pair: tuple[Provider, Provider],
) -> None:
    _, profile = pair
    [event] = profile.parse_events(*_delivery(), secret=SECRET)
    assert (event.type, event.pass_id, event.external_id, event.template) == (
        PassEventType.SCANNED,
        PASS_ID,
        "T-1",
        "tasting",  # logical, as configured
    )
    assert event.meta["reader"] == {"name": "door-1"} and event.verified
    assert event.provider == "fake"
    with pytest.warns(UserWarning, match="without verifying"):
        [unverified] = profile.parse_events({}, _delivery()[1], verify=False)
    assert not unverified.verified


def test_an_application_endpoint_tested_against_the_profile() -> None:
    """What an application's own test does: create a pass on the profile, mount its receiver on
    it, post the delivery PassEntry would send (built by the provider package, as its emulator
    builds it), see its handler get the event in its own terms; a forged one is answered 403."""
    import requests
    from walletpass_passentry.deliveries import delivery_payload, signed_delivery

    from walletpass import Pass

    wallet = walletpass.connect("fake", profile="passentry", templates=TEMPLATES)
    ticket = wallet.create(Pass(template="tasting", external_id="T-9"))
    got: list[Any] = []
    payload = delivery_payload(
        "passInstalled",
        ticket.id,
        pass_attributes={"extId": "T-9", "passTemplateUuid": TEMPLATE, "status": "active"},
    )
    with EmulatorServer(wsgi_receiver(wallet, secret=SECRET, handler=got.extend)) as server:
        headers, body = signed_delivery(payload, SECRET)
        assert requests.post(server.url, data=body, headers=headers, timeout=5).status_code == 200
        forged, body = signed_delivery(payload, "guessed")
        assert requests.post(server.url, data=body, headers=forged, timeout=5).status_code == 403
    [event] = got
    assert (event.type, event.pass_id, event.external_id, event.template) == (
        PassEventType.INSTALLED,
        ticket.id,
        "T-9",
        "tasting",
    )
    assert wallet.get(event.pass_id or "").external_id == "T-9"
    wallet.close()


@pytest.mark.parametrize(
    "vendor",
    [
        name
        for name in walletpass.available_providers()
        if name != "fake"
        and not load_provider_class(name).capabilities.supports(Capability.EVENTS_RECEIVE)
    ],
)
@pytest.mark.parametrize("verify", [True, False])
def test_a_profile_whose_vendor_cannot_receive_refuses_as_the_vendor_does(
    vendor: str, verify: bool
) -> None:
    real = walletpass.connect(vendor, api_key="k" * 24, base_url="http://127.0.0.1:9")
    profile = walletpass.connect("fake", profile=vendor)
    headers, body = _delivery()
    try:
        seen = _outcome(real, headers, body, secret=SECRET, verify=verify)
        assert seen[0] == "UnsupportedOperation"
        assert _outcome(profile, headers, body, secret=SECRET, verify=verify) == seen
    finally:
        real.close()
        profile.close()


@pytest.mark.parametrize(
    "vendor",
    [
        name
        for name in walletpass.available_providers()
        if not load_provider_class(name).capabilities.supports(Capability.EVENTS_RECEIVE)
    ],
)
def test_a_receiver_for_a_vendor_that_cannot_receive_names_what_to_do_instead(
    vendor: str,
) -> None:
    # Pass2U's and LivePass's refusal said only "not declared by this provider" (their matrix
    # had no events entries), leaving a new user nowhere to go
    wallet = walletpass.connect(vendor, api_key="k" * 24, base_url="http://127.0.0.1:9")
    try:
        for declared in (Capability.EVENTS_RECEIVE, Capability.EVENTS_SUBSCRIBE):
            if not wallet.capabilities.supports(declared):
                assert wallet.capabilities[declared].note != "not declared by this provider"
        with pytest.raises(UnsupportedOperation) as caught:
            wsgi_receiver(wallet, secret=SECRET, handler=lambda events: None)
        assert caught.value.alternative
        assert caught.value.alternative != "not declared by this provider"
        assert caught.value.alternative in str(caught.value)
    finally:
        wallet.close()


def test_livepasses_profile_names_the_unpublished_signing_scheme() -> None:
    profile = walletpass.connect("fake", profile="livepasses")
    with pytest.raises(WalletPassError, match="publishes neither how deliveries are signed"):
        profile.parse_events({"X-Signature": "x"}, b"{}", secret="s")
    profile.close()


def test_a_profile_leaves_the_fake_itself_unchanged() -> None:
    fake = walletpass.connect("fake")
    with pytest.raises(WalletPassError, match="add_event_handler"):
        fake.parse_events(*_delivery(), secret=SECRET)
    fake.close()
    with pytest.raises(WebhookError):
        walletpass.connect("fake", profile="passentry").parse_events({}, b"{}", secret=SECRET)


# --------------------------------------------------------------------------------------------
# In-process handlers: a profile hands them what its vendor delivers, and a failing handler
# never fails the operation (a vendor's call does not fail when its receiver does)
# --------------------------------------------------------------------------------------------


#: Per profile: template aliases, a pass its vendor takes, an update it takes.
PLAYS: dict[str | None, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    None: ({"tasting": TEMPLATE}, {"template": "tasting", "external_id": "H-1"}, {}),
    "passentry": ({"tasting": TEMPLATE}, {"template": "tasting", "external_id": "H-1"}, {}),
    "pass2u": (
        {"tasting": "1919"},
        {"template": "tasting", "holder": {"name": "Ada Lovelace"}},
        {},
    ),
    "livepass": (
        {},
        {"template": "reservation", "external_id": "H-1", "fields": {"title": "Table"}},
        {"fields": {"title": "Table 2"}},
    ),
    "livepasses": (
        {"tasting": {"id": "tmpl-001", "kind": "event_ticket"}},
        {"template": "tasting", "holder": {"name": "Ada Lovelace"}},
        {"fields": {"seatNumber": "2"}},
    ),
}


def _holder_plays(profile: str | None) -> list[str]:
    """Every operation that makes an event, as far as the profile's vendor supports it."""
    from walletpass.errors import UnsupportedOperation

    templates, new_pass, change = PLAYS[profile]
    settings: dict[str, Any] = {"templates": templates}
    if profile is not None:
        settings["profile"] = profile
    fake: Any = walletpass.connect("fake", **settings)
    seen: list[str] = []
    fake.add_event_handler(lambda event: seen.append(event.type.value))
    try:
        issued = fake.create(new_pass)
        fake.install(issued.id)
        fake.update(issued.id, change or {"fields": {"seat": "2"}})
        fake.remove(issued.id)
        for operation in (fake.redeem, fake.delete):
            # LivePass has no redeem; neither LivePass nor Livepasses has a delete
            with contextlib.suppress(UnsupportedOperation):
                operation(issued.id)
    finally:
        fake.close()
    return seen


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (None, ["issued", "installed", "updated", "removed", "redeemed", "deleted"]),
        ("passentry", ["issued", "installed", "removed"]),  # passCreated/Installed/Removed
        ("livepasses", ["issued", "installed", "updated", "removed", "redeemed"]),
        ("pass2u", []),  # no webhooks documented
        ("livepass", []),  # no webhooks
    ],
)
def test_a_profiles_handlers_get_only_what_its_vendor_delivers(
    profile: str | None, expected: list[str]
) -> None:
    assert _holder_plays(profile) == expected


def test_a_failing_handler_does_not_fail_the_operation() -> None:
    from walletpass import Pass
    from walletpass.fake import EventHandlerWarning

    fake = walletpass.connect("fake", templates={"tasting": TEMPLATE})
    later: list[Any] = []

    def broken(event: Any) -> None:
        raise RuntimeError("the application's handler failed")

    fake.add_event_handler(broken)
    fake.add_event_handler(later.append)
    with pytest.warns(EventHandlerWarning, match="RuntimeError.*issued.*succeeded"):
        issued = fake.create(Pass(template="tasting", external_id="W-1"))
    assert fake.get(issued.id).external_id == "W-1"  # created once, and said so
    assert [e.pass_id for e in later] == [issued.id]  # the other handler still got it
    fake.close()


def test_subscribing_asks_only_for_what_the_vendor_delivers() -> None:
    from walletpass.errors import UnsupportedOperation

    passentry = load_provider_class("passentry")
    livepasses = load_provider_class("livepasses")
    assert [t.value for t in passentry.event_types] == ["issued", "installed", "removed", "scanned"]
    assert [t.value for t in livepasses.event_types] == [
        "issued",
        "installed",
        "removed",
        "redeemed",
        "updated",
        "voided",
        "expired",
    ]
    wallet = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")
    with pytest.raises(UnsupportedOperation, match="no webhook event for deleted, voided") as c:
        wallet.subscribe_events("https://shop.example/h", ["issued", "deleted", "voided"])
    assert "issued, installed, removed, scanned" in str(c.value)
    wallet.close()
