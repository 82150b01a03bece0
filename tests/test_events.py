"""Pass events: the neutral model, verification, receivers, and the fake's in-process events."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st

import walletpass
from walletpass import Pass, PassEvent, PassEventType, WebhookError
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.errors import UnsupportedOperation, WebhookVerificationError
from walletpass.event_contract import EventGap
from walletpass.receivers import asgi_receiver
from walletpass.registry import load_provider_class
from walletpass.webhooks import check_fresh, verify_hmac_sha256

# --------------------------------------------------------------------------------------------
# Verification helpers
# --------------------------------------------------------------------------------------------


def test_hmac_accepts_hex_base64_and_a_sha256_prefix_only_with_the_key() -> None:
    import base64

    body = b'{"a":1}'
    digest = hmac.new(b"key", body, hashlib.sha256).digest()
    for form in (digest.hex(), digest.hex().upper(), base64.b64encode(digest).decode()):
        verify_hmac_sha256("key", body, form, header_name="X-Sig")
        verify_hmac_sha256("key", body, "sha256=" + form, header_name="X-Sig")
    for wrong in ("", "00" * 32, digest.hex()[:-2], "key"):
        with pytest.raises(WebhookVerificationError) as caught:
            verify_hmac_sha256("key", body, wrong, header_name="X-Sig")
        assert caught.value.reason == "bad_signature"
    with pytest.raises(WebhookVerificationError, match="no signing secret"):
        verify_hmac_sha256("", body, digest.hex(), header_name="X-Sig")
    with pytest.raises(WebhookVerificationError) as caught:
        verify_hmac_sha256("key", body, None, header_name="X-Sig")
    assert caught.value.reason == "missing_signature"


def test_freshness_window() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    check_fresh(now - timedelta(seconds=299), tolerance=300, now=lambda: now)
    for off in (timedelta(seconds=301), timedelta(seconds=-301)):
        with pytest.raises(WebhookVerificationError) as caught:
            check_fresh(now - off, tolerance=300, now=lambda: now)
        assert caught.value.reason == "stale"
    with pytest.raises(WebhookVerificationError, match="no readable timestamp"):
        check_fresh(None, tolerance=300)
    check_fresh(None, tolerance=None)


# --------------------------------------------------------------------------------------------
# Every provider that receives events: only WebhookError or verified events come out
# --------------------------------------------------------------------------------------------

RECEIVERS = [
    name
    for name in walletpass.available_providers()
    if load_provider_class(name).capabilities.supports(Capability.EVENTS_RECEIVE)
]

#: Every receiver to fuzz: each vendor that receives, and the fake wearing its profile (which
#: verifies and reads the vendor's deliveries with the vendor's own hooks).
RECEIVER_CONNECTIONS = {
    **{
        name: (name, {"api_key": "k" * 24, "base_url": "http://127.0.0.1:9"})
        for name in RECEIVERS
        if name != "fake"
    },
    **{f"fake-{name}": ("fake", {"profile": name}) for name in RECEIVERS if name != "fake"},
}

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _now_give_or_take(seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


#: Members of a PassEntry delivery that a near-valid body replaces with arbitrary JSON.
_MEMBERS = (
    ("data", "id"),
    ("data", "attributes", "timeStamp"),
    ("data", "attributes", "webhookType"),
    ("data", "relationships"),
    ("data", "relationships", "pass", "data", "id"),
    ("included",),
    ("included", 0, "attributes"),
)


@st.composite
def _near_valid(draw: st.DrawFn) -> bytes:
    """A documented delivery, or one with a single member replaced by arbitrary JSON.

    Timestamps are drawn when the example runs (not when this module is imported, which in a
    long suite is more than a replay window earlier): otherwise no example could verify.
    """
    # A PassEntry UUID, or an id of the fake's form (PassEntry accepts both; a profile only
    # the fake's own, as its get() does).
    pass_id = draw(
        st.uuids().map(str) | st.binary(min_size=8, max_size=8).map(lambda b: f"fp_{b.hex()}")
    )
    payload: dict[str, Any] = {
        "data": {
            "id": draw(st.uuids().map(str)),
            "type": "webhook",
            "attributes": {
                "timeStamp": _now_give_or_take(draw(st.integers(-400, 400))),
                "webhookType": draw(
                    st.sampled_from(["passCreated", "passInstalled", "passScanned", "passNew"])
                ),
            },
            "relationships": {"pass": {"data": {"id": pass_id, "type": "pass"}}},
        },
        "included": [{"id": pass_id, "type": "pass", "attributes": {"extId": "E-1"}}],
    }
    if draw(st.booleans()):
        *parents, last = draw(st.sampled_from(_MEMBERS))
        target: Any = payload
        for key in parents:
            target = target[key]
        target[last] = draw(_json)
    return json.dumps(payload).encode()


def _bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        _near_valid(),
        st.binary(max_size=200),
        _json.map(lambda v: json.dumps(v).encode()),
    )


def test_some_vendor_receives_events() -> None:
    assert "passentry" in RECEIVERS


@pytest.mark.parametrize("receiver", RECEIVER_CONNECTIONS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=_bodies(),
    headers=st.dictionaries(st.text(max_size=30), st.text(max_size=80), max_size=4),
    # Mostly signed and verified, so that the verified path is reached too (its share is shown
    # by --hypothesis-show-statistics as the "verified" event).
    sign=st.sampled_from([True, True, True, False]),
    verify=st.sampled_from([True, True, True, False]),
)
def test_parse_events_lets_only_webhook_errors_or_events_out(
    receiver: str, body: bytes, headers: dict[str, str], sign: bool, verify: bool
) -> None:
    name, settings_ = RECEIVER_CONNECTIONS[receiver]
    provider = walletpass.connect(name, **settings_)
    try:
        if sign:
            signature = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            headers = {**headers, "X-Webhook-Signature": signature}
        try:
            with pytest.warns() if not verify else _nothing():
                events = provider.parse_events(headers, body, secret="s3cret", verify=verify)
        except WebhookError as exc:
            assert exc.reason in {
                "missing_signature",
                "bad_signature",
                "stale",
                "unreadable",
                "unverifiable",
            }
            assert "s3cret" not in str(exc)
            return
        assert all(isinstance(e, PassEvent) and e.verified is verify for e in events)
        if verify:
            assert sign  # nothing unsigned is ever verified
            hypothesis_event("verified")
    finally:
        provider.close()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: Any) -> None:
        return None


def test_providers_without_webhooks_say_so() -> None:
    fake = walletpass.connect("fake")
    with pytest.raises(UnsupportedOperation, match="add_event_handler"):
        fake.parse_events({}, b"{}", secret="x")
    with pytest.raises(UnsupportedOperation, match="add_event_handler"):
        fake.subscribe_events("https://example.com/hook")
    # A profile receives as its vendor does (tests/test_events_profiles.py), but subscribes
    # nowhere: its events go to in-process handlers.
    profiled = walletpass.connect("fake", profile="passentry")
    with pytest.raises(UnsupportedOperation, match="add_event_handler"):
        profiled.subscribe_events("https://example.com/hook")


class _GappyProvider(walletpass.Provider):
    """Subscribes, but has no way to delete a subscription: a declared gap, no hook."""

    name = "gappy"
    capabilities = Capabilities({Capability.EVENTS_SUBSCRIBE: native("webhooks")})
    event_gaps = {"delete_event_subscription": EventGap("no delete here", "disable()")}
    sent: list[str] = []

    def execute_delete_event_subscription(self, subscription_id: str) -> None:
        self.sent.append(subscription_id)

    def execute_rotate_event_secret(self, subscription_id: str) -> Any:
        self.sent.append(subscription_id)
        return None


def test_a_declared_event_gap_is_refused_with_its_alternative_before_any_hook() -> None:
    gappy = _GappyProvider()
    with pytest.raises(UnsupportedOperation) as caught:
        gappy.delete_event_subscription("sub-1")
    assert caught.value.alternative == "disable()"
    assert caught.value.operation == "delete_event_subscription"
    assert str(caught.value).endswith("no delete here")
    assert gappy.sent == []
    gappy.rotate_event_secret("sub-2")  # not a gap: the hook runs
    assert gappy.sent == ["sub-2"]


# --------------------------------------------------------------------------------------------
# The ASGI receiver, driven as an ASGI server would
# --------------------------------------------------------------------------------------------


def _signed(secret: str, kind: str = "passInstalled") -> tuple[list[tuple[bytes, bytes]], bytes]:
    payload = {
        "data": {
            "id": "evt",
            "type": "webhook",
            "attributes": {
                "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "webhookType": kind,
            },
            "relationships": {"pass": {"data": {"id": "p-1", "type": "pass"}}},
        },
        "included": [],
    }
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return [(b"x-webhook-signature", signature), (b"content-type", b"application/json")], body


def _call_asgi(
    app: Any, headers: list[tuple[bytes, bytes]], body: bytes, method: str = "POST"
) -> int:
    sent: list[dict[str, Any]] = []
    chunks = [body[: len(body) // 2], body[len(body) // 2 :]]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/hook", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"])


def test_asgi_receiver_verifies_and_hands_events_to_an_async_handler() -> None:
    wallet = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")
    got: list[PassEvent] = []

    async def handler(events: Sequence[PassEvent]) -> None:
        got.extend(events)

    app = asgi_receiver(wallet, secret="s3cret", handler=handler)
    headers, body = _signed("s3cret")
    assert _call_asgi(app, headers, body) == 200
    assert [e.type for e in got] == [PassEventType.INSTALLED]
    headers, body = _signed("wrong")
    assert _call_asgi(app, headers, body) == 403
    assert _call_asgi(app, headers, body, method="GET") == 405
    assert len(got) == 1
    wallet.close()


# --------------------------------------------------------------------------------------------
# The fake: events in-process, in the application's terms
# --------------------------------------------------------------------------------------------


def test_the_fake_emits_events_to_in_process_handlers() -> None:
    fake = walletpass.connect("fake", templates={"tasting": "tpl-7"})
    events: list[PassEvent] = []
    fake.add_event_handler(events.append)  # type: ignore[attr-defined]
    ticket = fake.create(Pass(template="tasting", external_id="T-1"))
    fake.install(ticket.id)  # type: ignore[attr-defined]
    fake.update(ticket.id, {"fields": {"seat": "2B"}})
    fake.redeem(ticket.id)
    card = fake.create(Pass(template="tasting", balance={"amount": 10}))
    fake.redeem(card.id, amount=3)
    fake.remove(card.id)  # type: ignore[attr-defined]
    fake.delete(card.id)
    assert [e.type for e in events] == [
        PassEventType.ISSUED,
        PassEventType.INSTALLED,
        PassEventType.UPDATED,
        PassEventType.REDEEMED,
        PassEventType.ISSUED,
        PassEventType.UPDATED,
        PassEventType.REMOVED,
        PassEventType.DELETED,
    ]
    assert {e.template for e in events} == {"tasting"}
    assert events[0].external_id == "T-1" and events[0].pass_id == ticket.id
    assert events[5].meta == {"amount": "3"}
    assert fake.get(ticket.id).status.value == "redeemed"


# --------------------------------------------------------------------------------------------
# walletpass events listen
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("as_json", [False, True])
def test_events_listen_prints_verified_events_and_refuses_forged_ones(as_json: bool) -> None:
    import os
    import subprocess
    import sys

    import requests

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(
        WALLETPASS_PASSENTRY_API_KEY="k" * 24,
        WALLETPASS_PASSENTRY_BASE_URL="http://127.0.0.1:9",
        WALLETPASS_WEBHOOK_SECRET="s3cret",
    )
    args = [sys.executable, "-m", "walletpass.cli", "-p", "passentry", "events", "listen"]
    args += ["--port", str(port), *(["--json"] if as_json else [])]
    with subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            url = f"http://127.0.0.1:{port}/"
            assert process.stderr is not None
            ready = process.stderr.readline()  # printed once the receiver listens
            assert "listening for passentry webhooks" in ready
            forged_headers, forged = _signed("guess")
            assert (
                requests.post(
                    url,
                    data=forged,
                    headers={k.decode(): v.decode() for k, v in forged_headers},
                    timeout=5,
                ).status_code
                == 403
            )
            headers, body = _signed("s3cret", "passScanned")
            answer = requests.post(
                url, data=body, headers={k.decode(): v.decode() for k, v in headers}, timeout=5
            )
            assert answer.status_code == 200
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, (out, err)
    if as_json:
        shown = json.loads(lines[0])
        assert (shown["type"], shown["pass_id"], shown["verified"]) == ("scanned", "p-1", True)
    else:
        assert "scanned" in lines[0] and "pass p-1" in lines[0] and "[passScanned]" in lines[0]
    assert "s3cret" not in out + err + ready


def test_events_listen_needs_the_secret_in_the_environment() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(WALLETPASS_PASSENTRY_API_KEY="k" * 24)
    done = subprocess.run(
        [sys.executable, "-m", "walletpass.cli", "-p", "passentry", "events", "listen"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "WALLETPASS_WEBHOOK_SECRET" in done.stderr


def test_asgi_receiver_runs_a_plain_handler_off_the_event_loop() -> None:
    """A plain function handler (one that may block on a database write) runs in a worker
    thread, as Starlette runs a plain endpoint, so the server's other requests go on; a
    coroutine function is awaited on the loop, and an awaitable a plain function returns is
    awaited too (brk16: a plain handler ran on the loop and blocked every other request)."""
    wallet = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")
    ran_in: list[tuple[str, bool]] = []

    def on_the_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def plain(events: Sequence[PassEvent]) -> None:
        ran_in.append(("plain", on_the_loop()))

    async def coroutine(events: Sequence[PassEvent]) -> None:
        ran_in.append(("coroutine", on_the_loop()))

    class Callable:
        async def __call__(self, events: Sequence[PassEvent]) -> None:
            ran_in.append(("async __call__", on_the_loop()))

    def returns_an_awaitable(events: Sequence[PassEvent]) -> Any:
        ran_in.append(("plain, returning an awaitable", on_the_loop()))
        return coroutine(events)

    for handler in (plain, coroutine, Callable(), returns_an_awaitable):
        app = asgi_receiver(wallet, secret="s3cret", handler=handler)
        assert _call_asgi(app, *_signed("s3cret")) == 200
    assert ran_in == [
        ("plain", False),
        ("coroutine", True),
        ("async __call__", True),
        ("plain, returning an awaitable", False),
        ("coroutine", True),
    ]

    def failing(events: Sequence[PassEvent]) -> None:
        raise RuntimeError("the database is down")

    app = asgi_receiver(wallet, secret="s3cret", handler=failing)
    assert _call_asgi(app, *_signed("s3cret")) == 500  # so the vendor delivers again
    wallet.close()
