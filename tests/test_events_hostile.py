"""Pass events under hostile input: what a verified delivery may still get wrong, repeated and
oddly-cased headers, replay-window arguments, receivers' answers, and the emulators' deliveries.

Each test stands for a kind of fault; the members listed are the ones the kind's fix covers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

import walletpass
from walletpass import Pass, PassEvent, PassEventType, WebhookError
from walletpass.errors import ValidationError
from walletpass.event_contract import check_subscription_url
from walletpass.receivers import asgi_receiver, wsgi_receiver
from walletpass.redaction import register_secret
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.webhooks import WebhookSender
from walletpass.webhooks import MAX_WEBHOOK_BYTES, check_fresh, lower_headers

SECRET = "s3cret-key"


@pytest.fixture
def passentry() -> Any:
    wallet = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")
    yield wallet
    wallet.close()


def _payload(
    *,
    kind: str = "passInstalled",
    pass_id: Any = "p-1",
    when: datetime | None = None,
) -> dict[str, Any]:
    return {
        "data": {
            "id": "evt-1",
            "type": "webhook",
            "attributes": {
                "timeStamp": (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "webhookType": kind,
            },
            "relationships": {"pass": {"data": {"id": pass_id, "type": "pass"}}},
        },
        "included": [
            {"id": pass_id, "type": "pass", "attributes": {"extId": "E-1", "status": "active"}}
        ],
    }


def _sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(payload: Any, secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {"X-Webhook-Signature": _sign(body, secret), "Content-Type": "application/json"}, body


# --------------------------------------------------------------------------------------------
# Headers: any case, and a repeated signature never decided by which copy a dict kept
# --------------------------------------------------------------------------------------------


def test_header_names_are_matched_in_any_case(passentry: Any) -> None:
    _, body = _signed(_payload())
    for name in ("x-webhook-signature", "X-WEBHOOK-SIGNATURE", "X-Webhook-Signature"):
        assert passentry.parse_events({name: _sign(body)}, body, secret=SECRET)


@pytest.mark.parametrize("valid_first", [True, False])
@pytest.mark.parametrize("second_name", ["X-Webhook-Signature", "x-webhook-signature"])
def test_a_repeated_signature_header_is_refused_whichever_copy_comes_first(
    passentry: Any, valid_first: bool, second_name: str
) -> None:
    _, body = _signed(_payload())
    copies = [_sign(body), "00" * 32]
    if not valid_first:
        copies.reverse()
    headers = [("X-Webhook-Signature", copies[0]), (second_name, copies[1])]
    with pytest.raises(WebhookError) as caught:
        passentry.parse_events(headers, body, secret=SECRET)
    assert caught.value.reason == "bad_signature"
    # Even two identical copies are one combined value, as HTTP combines repeated fields.
    with pytest.raises(WebhookError):
        passentry.parse_events(
            [("X-Webhook-Signature", _sign(body)), (second_name, _sign(body))],
            body,
            secret=SECRET,
        )


def test_repeated_headers_keep_every_value_in_order() -> None:
    assert lower_headers([("A", "1"), ("a", "2"), ("B", b"3")]) == {"a": "1, 2", "b": "3"}


# --------------------------------------------------------------------------------------------
# The replay window argument: a caller's mistake, said before anything is read
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tolerance", [0, -1, float("nan"), float("inf"), 1e300, 10**400, True, "300", [300]]
)
def test_a_bad_tolerance_is_a_validation_error_everywhere(passentry: Any, tolerance: Any) -> None:
    headers, body = _signed(_payload())
    with pytest.raises(ValidationError, match="tolerance"):
        passentry.parse_events(headers, body, secret=SECRET, tolerance=tolerance)
    with pytest.raises(ValidationError, match="tolerance"):
        check_fresh(datetime.now(UTC), tolerance=tolerance)
    for receiver in (wsgi_receiver, asgi_receiver):
        with pytest.raises(ValidationError, match="tolerance"):
            receiver(passentry, secret=SECRET, handler=print, tolerance=tolerance)


def test_window_edges_are_exact(passentry: Any) -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    for inside in (timedelta(seconds=300), timedelta(seconds=-300), timedelta(0)):
        check_fresh(now + inside, tolerance=300, now=lambda: now)
    for outside in (timedelta(seconds=300, microseconds=1), timedelta(seconds=-300.5)):
        with pytest.raises(WebhookError, match=r"300\.\d s away.*300 s replay window"):
            check_fresh(now + outside, tolerance=300, now=lambda: now)
    # Far-off years (either side, any offset) are stale, never an overflow.
    for text in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        payload = _payload()
        payload["data"]["attributes"]["timeStamp"] = text
        with pytest.raises(WebhookError) as caught:
            passentry.parse_events(*_signed(payload), secret=SECRET)
        assert caught.value.reason == "stale"


# --------------------------------------------------------------------------------------------
# A signed payload of the wrong shape: refused as unreadable, naming the member, never guessed
# --------------------------------------------------------------------------------------------


def _with(path: Sequence[Any], value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(payload: dict[str, Any]) -> Any:
        target: Any = payload
        for key in path[:-1]:
            target = target[key]
        if value is _DROP:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return payload

    return change


_DROP = object()
_PASS_ID = ("data", "relationships", "pass", "data", "id")

WRONG_SHAPES = {
    "body is an array": lambda p: [p],
    "body is null": lambda p: None,
    "body is a string": lambda p: "passInstalled",
    "data is null": _with(("data",), None),
    "data is an array": lambda p: {**p, "data": [p["data"]]},
    "attributes missing": _with(("data", "attributes"), _DROP),
    "webhookType missing": _with(("data", "attributes", "webhookType"), _DROP),
    "webhookType a number": _with(("data", "attributes", "webhookType"), 3),
    "webhookType a boolean": _with(("data", "attributes", "webhookType"), True),
    "relationships an array": _with(("data", "relationships"), []),
    "pass link a string": _with(("data", "relationships", "pass"), "p-1"),
    "pass data an array": _with(("data", "relationships", "pass", "data"), ["p-1"]),
    "pass id missing": _with(_PASS_ID, _DROP),
    "pass id null": _with(_PASS_ID, None),
    "pass id empty": _with(_PASS_ID, ""),
    "pass id a number": _with(_PASS_ID, 12),
    "pass id a number as text is fine, an object is not": _with(_PASS_ID, {"id": "p-1"}),
    "pass id with a newline": _with(_PASS_ID, "p-1\nX-Injected: 1"),
    "pass id with a space": _with(_PASS_ID, "p 1"),
    "pass id too long": _with(_PASS_ID, "p" * 513),
    "included an object": _with(("included",), {"0": {}}),
    "included a string": _with(("included",), "pass"),
    "included item a string": _with(("included",), ["pass"]),
    "included attributes a string": _with(("included", 0, "attributes"), "active"),
    "extId a number": _with(("included", 0, "attributes", "extId"), 42),
    "status an array": _with(("included", 0, "attributes", "status"), ["active"]),
    "event id an object": _with(("data", "id"), {"id": 1}),
}


@pytest.mark.parametrize("change", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_signed_delivery_of_the_wrong_shape_is_unreadable(
    passentry: Any, change: Callable[[dict[str, Any]], Any]
) -> None:
    headers, body = _signed(change(_payload()))
    with pytest.raises(WebhookError) as caught:
        passentry.parse_events(headers, body, secret=SECRET)
    assert caught.value.reason == "unreadable"
    assert SECRET not in str(caught.value)


def test_an_unknown_event_name_is_kept_as_other_and_may_name_no_pass(passentry: Any) -> None:
    payload = _with(("data", "relationships"), _DROP)(_payload(kind="passExploded"))
    payload["included"] = []
    [event] = passentry.parse_events(*_signed(payload), secret=SECRET)
    assert (event.type, event.vendor_event, event.pass_id) == (
        PassEventType.OTHER,
        "passExploded",
        None,
    )


def test_optional_members_may_be_null(passentry: Any) -> None:
    payload = _payload()
    payload["included"][0]["attributes"] = {"extId": None, "status": None}
    payload["data"]["id"] = None
    [event] = passentry.parse_events(*_signed(payload), secret=SECRET)
    assert (event.external_id, event.event_id, event.meta) == (None, None, {})


_ids = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80)


@settings(max_examples=60, deadline=None)
@given(
    pass_id=st.uuids().map(str) | _ids,
    ext_id=st.none() | st.text(min_size=1, max_size=40),
    kind=st.sampled_from(["passCreated", "passInstalled", "passRemoved", "passScanned"]),
    drift=st.integers(-290, 290),
    encoding=st.sampled_from(["hex", "HEX", "base64", "sha256=hex"]),
)
def test_every_well_formed_signed_delivery_verifies_and_round_trips(
    pass_id: str, ext_id: str | None, kind: str, drift: int, encoding: str
) -> None:
    """The verified path, reached on every example whose pass id the API accepts (the fuzz
    test mostly meets refusals); a pass id the API refuses is refused in a delivery too."""
    import base64

    from walletpass.errors import ProviderUnavailable

    wallet = walletpass.connect(
        "passentry", api_key="k" * 24, base_url="http://127.0.0.1:9", max_retries=0
    )
    payload = _payload(
        kind=kind, pass_id=pass_id, when=datetime.now(UTC) + timedelta(seconds=drift)
    )
    payload["included"][0]["attributes"]["extId"] = ext_id
    body = json.dumps(payload).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    signature = {
        "hex": digest.hex(),
        "HEX": digest.hex().upper(),
        "base64": base64.b64encode(digest).decode(),
        "sha256=hex": "sha256=" + digest.hex(),
    }[encoding]
    try:
        [event] = wallet.parse_events({"x-webhook-signature": signature}, body, secret=SECRET)
    except WebhookError as exc:
        assert exc.reason == "unreadable" and "pass id" in str(exc)
        with pytest.raises(ValidationError):  # the API refuses it too, before sending
            wallet.get(pass_id)
    else:
        assert event.verified and event.pass_id == pass_id and event.external_id == ext_id
        assert event.vendor_event == kind and event.raw == payload
        with pytest.raises(ProviderUnavailable):  # the API takes it (nothing listens on :9)
            wallet.get(pass_id)
    finally:
        wallet.close()


# --------------------------------------------------------------------------------------------
# Receivers: the status codes, chunked bodies, failing handlers and secret functions
# --------------------------------------------------------------------------------------------


def _post(url: str, headers: dict[str, str], body: Any) -> int:
    return requests.post(url, data=body, headers=headers, timeout=5).status_code


def test_the_wsgi_receiver_reads_a_chunked_delivery(passentry: Any) -> None:
    got: list[PassEvent] = []
    headers, body = _signed(_payload())
    with EmulatorServer(wsgi_receiver(passentry, secret=SECRET, handler=got.extend)) as server:
        # requests sends an iterator chunked (no Content-Length); wsgiref marks the input's end.
        chunks = iter([body[:10], body[10:]])
        status = _post(server.url + "/hook", headers, chunks)
    # wsgiref does not decode chunked bodies: then nothing can be read safely, and the delivery
    # is refused (never hung on); a server that marks the end gets the whole body.
    assert status in (200, 403)
    environ = {
        "REQUEST_METHOD": "POST",
        "wsgi.input": _Stream(body),
        "wsgi.input_terminated": True,
        "HTTP_X_WEBHOOK_SIGNATURE": headers["X-Webhook-Signature"],
    }
    answers: list[str] = []
    app = wsgi_receiver(passentry, secret=SECRET, handler=got.extend)
    app(environ, lambda status, headers: answers.append(status))
    assert answers == ["200 OK"] and [e.pass_id for e in got][-1] == "p-1"
    environ["wsgi.input"] = _Stream(b" " * (MAX_WEBHOOK_BYTES + 1))
    app(environ, lambda status, headers: answers.append(status))
    assert answers[-1].startswith("413")


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        chunk, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return chunk


@pytest.mark.parametrize("length", ["abc", "-1", "²", "9" * 40, str(MAX_WEBHOOK_BYTES + 1)])
def test_the_wsgi_receiver_refuses_a_bad_or_oversized_length_unread(
    passentry: Any, length: str
) -> None:
    app = wsgi_receiver(passentry, secret=SECRET, handler=print)
    answers: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": length, "wsgi.input": None}
    app(environ, lambda status, headers: answers.append(status))
    assert answers == ["413 Content Too Large"]


def _boom(events: Sequence[PassEvent]) -> None:
    raise RuntimeError("the application's handler failed")


async def _async_boom(events: Sequence[PassEvent]) -> None:
    raise RuntimeError("the application's handler failed")


def _no_secret() -> str:
    raise KeyError("PASSENTRY_WEBHOOK_SECRET")


@pytest.mark.parametrize(
    ("handler", "secret"), [(_boom, SECRET), (print, _no_secret)], ids=["handler", "secret"]
)
def test_a_failing_handler_or_secret_function_is_answered_500_and_logged(
    passentry: Any, caplog: pytest.LogCaptureFixture, handler: Any, secret: Any
) -> None:
    headers, body = _signed(_payload())
    with caplog.at_level(logging.ERROR, "walletpass.webhooks"):
        with EmulatorServer(wsgi_receiver(passentry, secret=secret, handler=handler)) as server:
            assert _post(server.url + "/h", headers, body) == 500
        asgi_handler = _async_boom if handler is _boom else handler
        app = asgi_receiver(passentry, secret=secret, handler=asgi_handler)
        assert _call_asgi(app, headers, body) == 500
    assert len([r for r in caplog.records if r.exc_info]) == 2
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        b"",
        lambda: None,
        lambda: "",
        # An empty SecretStr (os.environ.get(...) wrapped) and a value that is no text are no
        # secret either: verifying with them answered 403, blaming the delivery.
        SecretStr(""),
        lambda: SecretStr(""),
        12,
        lambda: ["s3cret-key"],
    ],
)
def test_a_receiver_without_a_secret_answers_500_not_a_refusal(
    passentry: Any, caplog: pytest.LogCaptureFixture, secret: Any
) -> None:
    """No secret configured is the receiver's fault, not the sender's: 500 (a vendor that
    retries comes back once it is configured), never a 403 blaming the delivery."""
    headers, body = _signed(_payload())
    got: list[PassEvent] = []
    with EmulatorServer(wsgi_receiver(passentry, secret=secret, handler=got.extend)) as server:
        assert _post(server.url + "/h", headers, body) == 500
    assert (
        _call_asgi(asgi_receiver(passentry, secret=secret, handler=got.extend), headers, body)
        == 500
    )
    assert got == [] and "no passentry webhook secret" in caplog.text


def _call_asgi(app: Any, headers: dict[str, str], body: bytes) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app(scope, receive, send))
    return int(sent[0]["status"])


def test_the_asgi_receiver_refuses_a_repeated_signature_header(passentry: Any) -> None:
    headers, body = _signed(_payload())
    got: list[PassEvent] = []
    app = asgi_receiver(passentry, secret=SECRET, handler=got.extend)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    signature = headers["X-Webhook-Signature"].encode()
    scope = {
        "type": "http",
        "method": "POST",
        "headers": [(b"x-webhook-signature", b"00" * 32), (b"x-webhook-signature", signature)],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 403 and got == []


# --------------------------------------------------------------------------------------------
# Subscription URLs and emulator deliveries: one URL parser, loopback only, never a failed call
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://shop.example/hook",
        "http://127.1/hook",  # a short IPv4 form parsers disagree on
        "http://0x7f.0.0.1/hook",
        "http://2130706433/hook",
        "https://user:pw@shop.example/hook",
        "https://shop.example\\@127.0.0.1/hook",
        "https://shop.example/ho ok",
        "ftp://shop.example/hook",
        "//shop.example/hook",
        "https://[fe80::1%25eth0]/hook",
        "https://shop.example:99999/hook",
        "https://%73hop.example/hook",
        "",
        None,
        42,
    ],
)
def test_subscription_urls_are_read_by_the_parser_walletpass_connects_with(url: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        check_subscription_url(url)
    assert [p.location for p in caught.value.problems] == ["url"]


def test_subscription_urls_come_back_in_canonical_form() -> None:
    assert check_subscription_url("https://Shop.Example/Hook#x") == "https://shop.example/Hook"
    assert check_subscription_url("http://[::1]:8080/h") == "http://[::1]:8080/h"
    assert check_subscription_url("http://localhost:1/h") == "http://localhost:1/h"


def test_an_emulator_never_contacts_a_receiver_off_this_machine() -> None:
    sender = WebhookSender()
    for url in ("https://shop.example/hook", "http://127.1/hook", "not a url"):
        sender.send(url, b"{}", {"X-Webhook-Signature": "x"})
    assert sender.wait(2)
    assert [d.status for d in sender.deliveries] == [None, None, None]
    assert all(d.error and "this machine only" in d.error for d in sender.deliveries)
    sender.close()


def test_a_subscription_off_this_machine_does_not_break_the_emulated_api() -> None:
    from walletpass_passentry.emulator import PassEntryEmulator

    emulator = PassEntryEmulator()
    with EmulatorServer(emulator) as vendor:
        wallet = walletpass.connect("passentry", api_key=emulator.api_key, base_url=vendor.url)
        wallet.subscribe_events("https://shop.example/hooks", ["issued"])
        issued = wallet.create(Pass(template="2e2d7ee8c306e8f0223dbdc1", external_id="X-1"))
        assert wallet.get(issued.id).external_id == "X-1"
        [delivery] = emulator.webhooks.deliveries
        assert delivery.status is None and delivery.error is not None
        wallet.close()
    emulator.webhooks.close()


# --------------------------------------------------------------------------------------------
# walletpass events listen: a bad window is a usage error; vendor text cannot drive the terminal
# --------------------------------------------------------------------------------------------


def _cli_env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(
        WALLETPASS_PASSENTRY_API_KEY="k" * 24,
        WALLETPASS_PASSENTRY_BASE_URL="http://127.0.0.1:9",
        WALLETPASS_WEBHOOK_SECRET=SECRET,
    )
    return env


@pytest.mark.parametrize("window", ["nan", "inf", "0", "-5", "1e300", "soon"])
def test_events_listen_refuses_a_bad_window_as_a_usage_error(window: str) -> None:
    import subprocess
    import sys

    listen = [sys.executable, "-m", "walletpass.cli", "-p", "passentry", "events", "listen"]
    done = subprocess.run(
        [*listen, "--tolerance", window],
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and "--tolerance" in done.stderr
    assert SECRET not in done.stdout + done.stderr


def test_events_listen_shows_vendor_text_escaped() -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    payload = _payload()
    payload["included"][0]["attributes"]["extId"] = "E-1\x1b[2J\x1b[31mPWNED\r"
    headers, body = _signed(payload)
    args = [sys.executable, "-m", "walletpass.cli", "-p", "passentry", "events", "listen"]
    with subprocess.Popen(
        [*args, "--port", str(port)],
        env=_cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stderr is not None
            assert "listening" in process.stderr.readline()
            assert _post(f"http://127.0.0.1:{port}/", headers, body) == 200
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
    [line] = out.splitlines()
    assert "\x1b" not in out and "\r" not in out
    assert "(E-1\\x1b[2J\\x1b[31mPWNED\\r)" in line
    assert SECRET not in out + err


def test_an_oversized_body_is_refused_before_its_signature_is_computed(passentry: Any) -> None:
    """Hashing a huge body is work a forger could make the receiver do: the size comes first."""
    body = b" " * (MAX_WEBHOOK_BYTES + 1)
    for headers in ({}, {"X-Webhook-Signature": "00" * 32}):
        with pytest.raises(WebhookError, match="more than") as caught:
            passentry.parse_events(headers, body, secret=SECRET)
        assert caught.value.reason == "unreadable"


# --------------------------------------------------------------------------------------------
# Receivers for a provider that cannot receive: refused when made, not at every delivery
# --------------------------------------------------------------------------------------------

_NOT_RECEIVING = [
    ("livepasses", {"api_key": "k" * 24, "base_url": "http://127.0.0.1:9"}),
    ("pass2u", {"api_key": "k" * 24, "base_url": "http://127.0.0.1:9"}),
    ("livepass", {"api_key": "k" * 24, "base_url": "http://127.0.0.1:9"}),
    ("fake", {}),
    *(("fake", {"profile": vendor}) for vendor in ("livepasses", "pass2u", "livepass")),
]


@pytest.mark.parametrize(("name", "settings_"), _NOT_RECEIVING)
@pytest.mark.parametrize("api", ["sync", "async"])
def test_a_receiver_for_a_provider_that_cannot_receive_is_refused_when_made(
    name: str, settings_: dict[str, Any], api: str
) -> None:
    """Made anyway, every delivery raised parse_events' UnsupportedOperation out of the app: a
    bare 500 and a traceback per delivery, which a vendor retries for ever."""
    import walletpass.aio

    async def refusals() -> list[walletpass.UnsupportedOperation]:
        wallet: Any = (
            walletpass.connect(name, **settings_)
            if api == "sync"
            else await walletpass.aio.connect(name, **settings_)
        )
        caught = []
        makers: list[Callable[..., Any]] = [asgi_receiver]
        if api == "sync":
            makers.append(wsgi_receiver)
        for make in makers:
            with pytest.raises(walletpass.UnsupportedOperation) as refused:
                make(wallet, secret=SECRET, handler=print)
            caught.append(refused.value)
        if api == "async":
            await wallet.aclose()
        else:
            wallet.close()
        return caught

    for error in asyncio.run(refusals()):
        assert error.operation == "events.receive" and error.alternative


# --------------------------------------------------------------------------------------------
# Depth: what a delivery reads into can be written out again
# --------------------------------------------------------------------------------------------


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=985), st.sampled_from(["scan", "extra"]))
def test_a_signed_delivery_is_refused_or_its_events_can_be_written_out(
    depth: int, where: str
) -> None:
    """Python's JSON reads ~990 levels, pydantic writes ~250: a delivery nested a few hundred
    deep was read, then PassEvent.model_dump_json() (and events listen --json) raised at every
    delivery of it."""
    passentry = walletpass.connect("passentry", api_key="k" * 24, base_url="http://127.0.0.1:9")
    payload = _payload()
    if where == "scan":
        payload["included"].append({"type": "scan", "attributes": {"deep": _nested(depth)}})
    else:
        payload["data"]["attributes"]["deep"] = _nested(depth)
    body = json.dumps(payload).encode()
    headers = {"X-Webhook-Signature": _sign(body)}
    try:
        events = passentry.parse_events(headers, body, secret=SECRET)
    except WebhookError as refused:
        assert refused.reason == "unreadable" and depth > 50
        return
    for event in events:
        json.loads(event.model_dump_json())
        json.dumps(event.model_dump(mode="json"))


def test_a_subscriptions_signing_secret_is_masked_wherever_it_is_quoted() -> None:
    """SecretStr hid it in the subscription's repr only: a vendor error or a log line quoting
    it printed it, where the API key is masked."""
    from walletpass_passentry.emulator import PassEntryEmulator

    from walletpass.redaction import redact_text

    with EmulatorServer(PassEntryEmulator(rate_limit=1000)) as server:
        wallet = walletpass.connect(
            "passentry", base_url=server.url, api_key=PassEntryEmulator().api_key, rate_limit=0
        )
        made = wallet.subscribe_events("http://127.0.0.1:9/hooks", ["installed"])
        rotated = wallet.rotate_event_secret(made.id)
        wallet.close()
    for subscription in (made, rotated):
        assert subscription.secret is not None
        secret = subscription.secret.get_secret_value()
        assert secret not in redact_text(f"the vendor said: bad key {secret}")
        assert secret not in str(walletpass.WalletPassError(f"echo {secret}"))


def _masked(secret: str) -> bool:
    from walletpass.redaction import redact_text

    return secret not in redact_text(f"a log line quoting {secret}.")


@pytest.mark.parametrize("given_as", ["text", "SecretStr", "bytes", "function", "parse_events"])
@pytest.mark.parametrize("app", ["wsgi", "asgi"])
def test_a_receivers_signing_secret_is_masked_wherever_it_is_quoted(
    passentry: Any, given_as: str, app: str
) -> None:
    """A receiver's secret (as given, or what its function returns at a delivery) was never
    registered: a handler's error, a log line or a vendor echo quoting it printed it whole,
    where the API key and a subscription's secret are masked."""
    import secrets as random_secrets

    secret = "whsec_" + random_secrets.token_hex(16)
    headers, body = _signed(_payload(), secret)
    got: list[PassEvent] = []
    if given_as == "parse_events":
        assert passentry.parse_events(headers, body, secret=secret)
        assert _masked(secret)
        return
    given: Any = {
        "text": secret,
        "SecretStr": SecretStr(secret),
        "bytes": secret.encode(),
        "function": lambda: SecretStr(secret),
    }[given_as]
    if app == "wsgi":
        with EmulatorServer(wsgi_receiver(passentry, secret=given, handler=got.extend)) as server:
            assert _post(server.url + "/h", headers, body) == 200
    else:
        assert (
            _call_asgi(asgi_receiver(passentry, secret=given, handler=got.extend), headers, body)
            == 200
        )
    assert got and _masked(secret)


@pytest.mark.parametrize("secret", ["s", "other", "s3cret7"])
def test_a_short_receiver_secret_masks_no_ordinary_words(passentry: Any, secret: str) -> None:
    """Under MIN_SECRET_LENGTH characters a secret is not remembered (the one rule of
    register_secret): a test suite's signing secret "other" masked that word everywhere."""
    from walletpass.redaction import redact_text

    headers, body = _signed(_payload(), secret)
    app = wsgi_receiver(passentry, secret=lambda: secret, handler=print)
    assert _call_asgi(asgi_receiver(passentry, secret=secret, handler=list), headers, body) == 200
    with EmulatorServer(app) as server:
        assert _post(server.url + "/h", headers, body) == 200
    text = f"the other one: {secret}"
    assert redact_text(text) == text


def _failing_with(secret: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        try:
            try:
                raise KeyError(secret)  # (a KeyError's message is the repr of its argument)
            except KeyError:
                raise ValueError(f"bad key {secret.encode()!r}")  # noqa: B904 (context: the KeyError)
        except ValueError as cause:
            error = RuntimeError(f"could not store the events under {secret!r}")
            error.add_note(f"secret in use: {secret}")
            raise error from cause

    return fail


@pytest.mark.parametrize("fails", ["handler", "secret function"])
def test_a_traceback_logged_by_a_receiver_shows_no_secret_but_is_still_there(
    passentry: Any, caplog: pytest.LogCaptureFixture, fails: str
) -> None:
    """Your code's error is logged with its traceback: the secret in its message, its cause,
    its context, its notes, a repr of it, was printed whole (the secret function's traceback
    above all: its frames are where the secret is read)."""
    import secrets as random_secrets

    secret = "whsec_" + random_secrets.token_hex(16)
    headers, body = _signed(_payload(), secret)
    register_secret(secret)  # (as a rotation before made it known)
    failing = _failing_with(secret)
    handler, given = (failing, secret) if fails == "handler" else (list, failing)
    with caplog.at_level(logging.ERROR, "walletpass.webhooks"):
        with EmulatorServer(wsgi_receiver(passentry, secret=given, handler=handler)) as server:
            assert _post(server.url + "/h", headers, body) == 500
        assert (
            _call_asgi(asgi_receiver(passentry, secret=given, handler=handler), headers, body)
            == 500
        )
    assert len(caplog.records) == 2
    for record in caplog.records:
        shown = logging.Formatter().format(record)
        assert secret not in shown and secret.upper() not in shown
        assert "Traceback" in shown and "RuntimeError: could not store" in shown
        assert "ValueError: bad key" in shown and "KeyError" in shown
        assert "secret in use: ***" in shown
