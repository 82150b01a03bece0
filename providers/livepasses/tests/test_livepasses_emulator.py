"""The emulator itself: what it serves with no arguments, its entry point and pytest fixture,
``walletpass emulate livepasses``, and the wire rules it enforces (auth, 415, unknown fields)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import (
    DEFAULT_API_KEY,
    EmulatedTemplate,
    LivepassesEmulator,
)
from walletpass_livepasses.limits import TemplateType

import walletpass
from walletpass import Holder, Pass
from walletpass.errors import NotUsedUp
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import available_emulators, load_emulator


def test_default_emulator_serves_one_template_per_type() -> None:
    emulator = LivepassesEmulator()
    assert emulator.api_key == DEFAULT_API_KEY
    assert {t.id: t.type for t in emulator.templates.values()} == {
        "tmpl-001": TemplateType.EVENT_TICKET,
        "tmpl-loyalty": TemplateType.LOYALTY,
        "tmpl-coupon": TemplateType.COUPON,
        "tmpl-membership": TemplateType.MEMBERSHIP,
        "tmpl-giftcard": TemplateType.GIFT_CARD,
    }


def test_entry_point_options_and_pytest_fixture(walletpass_emulator) -> None:
    assert "livepasses" in available_emulators()
    app = load_emulator(
        "livepasses",
        api_key="seeded",
        templates=[{"id": "tpl-x", "name": "X", "type": "Coupon"}],
        async_threshold="3",
        batch_rate="50",
    )
    assert isinstance(app, LivepassesEmulator)
    assert (app.api_key, list(app.templates), app.async_threshold, app.batch_rate) == (
        "seeded",
        ["tpl-x"],
        3,
        50.0,
    )
    server = walletpass_emulator("livepasses")
    wallet = walletpass.connect("livepasses", base_url=server.url, api_key=DEFAULT_API_KEY)
    assert wallet.get_template("tmpl-001").name == "Aurora Music Fest"
    wallet.close()


def test_walletpass_emulate_serves_it() -> None:
    cli = Path(sys.executable).with_name("walletpass")
    process = subprocess.Popen(
        [str(cli), "emulate", "livepasses", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ", 1)[1].split(" ", 1)[0]
        key = process.stdout.readline().split(": ", 1)[1].strip()
        assert key == DEFAULT_API_KEY
        answer = requests.get(f"{url}/api/templates", headers={"X-API-Key": key}, timeout=10)
        assert answer.status_code == 200 and answer.json()["pagination"]["totalItems"] == 5
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def http(server):
    session = requests.Session()

    def call(method: str, path: str, body: object = None, key: str | None = DEFAULT_API_KEY, **kw):
        headers = {"X-API-Key": key} if key else {}
        headers.update(kw.pop("headers", {}))
        data = None if body is None else json.dumps(body)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        return session.request(method, server.url + path, data=data, headers=headers, timeout=10)

    yield call
    session.close()


def test_auth_envelope_and_routes(http) -> None:
    missing = http("GET", "/api/templates", key=None)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "UNAUTHORIZED"
    wrong = http("GET", "/api/templates", key="lp_live_nope")
    body = wrong.json()
    assert (body["success"], body["data"], body["error"]["code"]) == (
        False,
        None,
        "INVALID_API_KEY",
    )
    assert set(body["error"]) == {"code", "message", "details", "timestamp", "traceId"}
    ok = http("GET", "/api/templates/tmpl-001").json()
    assert ok["success"] is True and ok["data"]["id"] == "tmpl-001" and ok["meta"]["traceId"]
    assert http("GET", "/api/nothing").status_code == 404
    assert http("DELETE", "/api/templates/tmpl-001").status_code == 405


def test_bodies_are_checked_like_the_api(http) -> None:
    assert http("POST", "/api/passes/p-1/stamp").status_code == 415  # the SDK sends {} for this
    plain = http("POST", "/api/passes/generate", {"x": 1}, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    refused = http(
        "POST",
        "/api/passes/generate",
        {"templateId": "tmpl-001", "passes": [{"customer": {"firstName": "A"}, "notes": "x"}]},
    ).json()["error"]
    assert refused["code"] == "VALIDATION_ERROR"
    assert refused["fields"] == {
        "passes[0].notes": ["is not a field of this request"],
        "passes[0].customer.lastName": ["is required"],
        "passes[0].businessData": ["is required"],
    }
    assert (
        http("POST", "/api/passes/generate", {"templateId": "t", "passes": []}).status_code == 400
    )
    bad_page = http("GET", "/api/passes?page=0")
    assert bad_page.status_code == 400 and "page" in bad_page.json()["error"]["fields"]
    short = http("PUT", "/api/passes/p-1", {"messageHeader": "h" * 81, "messageBody": "b"})
    assert short.json()["error"]["code"] == "FIELD_TOO_LONG"
    empty = http("PUT", "/api/passes/p-1", {"notify": False})
    assert empty.json()["error"]["code"] == "REQUIRED_FIELD_MISSING"


def test_generation_answers_sync_then_async(http, emulator) -> None:
    emulator.async_threshold = 2
    recipient = {"customer": {"firstName": "A", "lastName": "B"}, "businessData": {"price": 10}}
    sync = http(
        "POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [recipient] * 2}
    )
    data = sync.json()["data"]
    assert (sync.status_code, data["isAsyncProcessing"], data["totalPasses"]) == (200, False, 2)
    assert data["businessMetrics"]["totalRevenue"] == 20
    assert data["delivery"]["method"] == "return_urls"
    emulator.batch_rate = 0.0
    queued = http(
        "POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [recipient] * 3}
    )
    batch = queued.json()["data"]
    assert (queued.status_code, batch["isAsyncProcessing"], batch["passes"]) == (202, True, [])
    operation = batch["batchOperation"]
    assert operation["id"] == batch["batchId"] and operation["statusPollUrl"].endswith("/status")
    status = http("GET", operation["statusPollUrl"]).json()["data"]
    assert (status["isCompleted"], status["progressPercentage"]) == (False, 0)
    emulator.finish_batches()
    status = http("GET", operation["statusPollUrl"]).json()["data"]
    assert (status["isCompleted"], status["statistics"]["passesGenerated"]) == (True, 3)
    inactive = http("POST", "/api/templates/tmpl-001/deactivate")
    assert inactive.status_code == 200  # bodyless: accepted, as the SDK sends it
    refused = http(
        "POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [recipient]}
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "TEMPLATE_INACTIVE")
    missing = http("POST", "/api/passes/generate", {"templateId": "nope", "passes": [recipient]})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "TEMPLATE_NOT_FOUND")


def test_seeded_templates_serve_a_provider() -> None:
    emulator = LivepassesEmulator(
        "lp_test_custom", [EmulatedTemplate("gym-1", "Gym", TemplateType.MEMBERSHIP)]
    )
    with EmulatorServer(emulator) as server:
        # The template alias states the kind: Livepasses documents no type name but EventTicket.
        wallet = LivepassesProvider(
            api_key="lp_test_custom",
            base_url=server.url,
            templates={"gym": {"id": "gym-1", "kind": "membership"}},
        )
        issued = wallet.create(Pass(template="gym", holder=Holder(name="Ada Lovelace")))
        with pytest.raises(NotUsedUp, match=r"membership_check_in\(id\)"):
            wallet.redeem(issued.id)  # a check-in leaves the pass in use: asked by name
        assert wallet.membership_check_in(issued.id).method == "membership/check-in"
        wallet.close()
