"""The emulator itself: routes, auth, JSON:API answers, the state machine, how users start it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from walletpass_passentry.emulator import (
    DEFAULT_API_KEY,
    PassEntryEmulator,
    default_templates,
)

import walletpass
from walletpass import Pass, PassKind, PassStatus
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import available_emulators, load_emulator


@pytest.fixture
def http(server, api_key):
    """``http(method, path, **kwargs)``: a raw authenticated request to the emulator."""

    def call(method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {api_key}", **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{server.url}{path}", headers=headers, timeout=10, **kwargs
        )

    return call


def test_default_emulator_serves_documented_templates() -> None:
    emulator = PassEntryEmulator()
    assert emulator.api_key == DEFAULT_API_KEY
    assert sorted(t.pass_type.value for t in emulator.templates.values()) == [
        "eventTicket",
        "generic",
        "storeCard",
        "transit",
    ]
    assert {t.uuid for t in default_templates()} == set(emulator.templates)


def test_entry_point_and_options() -> None:
    assert "passentry" in available_emulators()
    app = load_emulator(
        "passentry",
        api_key="k",
        templates=[{"uuid": "t1", "passType": "eventTicket", "fields": ["seat"]}],
    )
    assert isinstance(app, PassEntryEmulator)
    assert app.templates["t1"].fields == ("seat",)
    with EmulatorServer(app) as server:
        wallet = walletpass.connect("passentry", base_url=server.url, api_key="k")
        issued = wallet.create(Pass(template="t1", fields={"seat": "12B"}))
        # The template is eventTicket: the pass is an event ticket, whatever the create asked.
        assert issued.kind is PassKind.EVENT_TICKET
        assert wallet.get(issued.id).meta["pass_type"] == "eventTicket"
        wallet.close()


def test_pytest_fixture_serves_it(walletpass_emulator) -> None:
    server = walletpass_emulator("passentry")
    wallet = walletpass.connect("passentry", base_url=server.url, api_key=DEFAULT_API_KEY)
    issued = wallet.create(Pass(template="2e2d7ee8c306e8f0223dbdc1", holder={"name": "Ada"}))
    fetched = wallet.get(issued.id)
    assert fetched.holder is not None and fetched.holder.name == "Ada"  # the fullName field
    wallet.close()


def test_auth_routes_and_content_type(server, http, tpl) -> None:
    anonymous = requests.get(f"{server.url}/api/v1/passes", timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (401, {"errors": ["Unauthorized"]})
    wrong = requests.get(
        f"{server.url}/api/v1/passes", headers={"Authorization": "Token x"}, timeout=10
    )
    assert wrong.status_code == 401
    unknown = http("GET", "/api/v1/nowhere")
    assert unknown.status_code == 404 and "errors" in unknown.json()
    assert http("DELETE", "/api/v1/passes/x").status_code == 405
    form = http(
        "POST",
        "/api/v1/passes",
        params={"passTemplate": tpl["generic"]},
        data="a=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    missing = http("POST", "/api/v1/passes", json={})
    assert (missing.status_code, missing.json()) == (400, {"errors": ["passTemplate is required"]})
    bad_source = http("GET", "/api/v1/passes/x", params={"includePassSource": "apple,google"})
    assert bad_source.status_code == 400


def test_jsonapi_answer_and_include_flags(http, tpl) -> None:
    created = http(
        "POST",
        "/api/v1/passes",
        params={"passTemplate": tpl["eventTicket"], "extId": "gala-1"},
        json={
            "pass": {"seat": "12B", "barcode": {"enabled": True, "type": "qr", "source": "extId"}},
            "locations": [{"latitude": 51.5, "longitude": -0.1, "radius": 500}],
            "groupTag": "GALA",
        },
    )
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["type"] == "pass" and set(data) == {"id", "type", "attributes"}
    attributes = data["attributes"]
    assert attributes["status"] == "issued"
    assert attributes["extId"] == "gala-1"
    assert attributes["passType"] == "eventTicket"
    assert attributes["passTemplateName"] == "Spring Gala"
    assert attributes["passContent"] == {"seat": "12B"}
    assert attributes["barcode"] == {
        "enabled": True,
        "type": "qr",
        "source": "extId",
        "displayText": False,
    }
    assert attributes["downloadUrl"].endswith(data["id"])
    assert "locations" not in attributes and "passSource" not in attributes
    shown = http(
        "GET",
        "/api/v1/passes/gala-1",
        params={"includeLocations": "true", "includeBeacons": "true"},
    ).json()["data"]["attributes"]
    assert shown["locations"] == [{"latitude": 51.5, "longitude": -0.1, "radius": 500}]
    assert shown["beacons"] == []


def test_state_machine(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"], external_id="sm-1"))

    def status() -> str:
        return str(emulator.stored("sm-1").status.value)

    assert status() == "issued"
    emulator.install(issued.id)
    assert status() == "active"
    emulator.remove(issued.id)
    assert (status(), wallet.get("sm-1").status) == ("removed", PassStatus.ISSUED)
    wallet.deactivate("sm-1")
    assert status() == "deactivated"
    with pytest.raises(ValueError, match="cannot be added"):
        emulator.install(issued.id)
    wallet.reactivate("sm-1")
    assert status() == "removed"
    emulator.install(issued.id)
    wallet.delete("sm-1")
    assert status() == "nullified"
    assert wallet.get(issued.id).status is PassStatus.DELETED
    with pytest.raises(KeyError):
        emulator.stored("never-made")


def test_expiry_deactivates_once(wallet, emulator, tpl) -> None:
    soon = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    issued = wallet.create(Pass(template=tpl["generic"], expires_at=soon))
    expired = wallet.get(issued.id)
    assert expired.status is PassStatus.EXPIRED
    assert expired.meta["deactivated_at"] == expired.raw["data"]["attributes"]["expiresAt"]
    assert wallet.reactivate(issued.id).status is PassStatus.ISSUED  # not expired again
    later = datetime.now(UTC) + timedelta(days=30)
    wallet.update(issued.id, {"expires_at": later})
    assert wallet.get(issued.id).expires_at == later.replace(microsecond=0)


def test_pass_source_only_while_not_active(http, emulator, tpl) -> None:
    created = http("POST", "/api/v1/passes", params={"passTemplate": tpl["generic"]}, json={})
    pass_id = created.json()["data"]["id"]
    google = http("GET", f"/api/v1/passes/{pass_id}", params={"includePassSource": "google"})
    assert "googleDownloadUrl" in google.json()["data"]["attributes"]["passSource"]
    emulator.install(pass_id)
    active = http("GET", f"/api/v1/passes/{pass_id}", params={"includePassSource": "apple"})
    assert "passSource" not in active.json()["data"]["attributes"]


def test_extid_unique_among_passes_not_nullified(http, tpl) -> None:
    def create():
        return http(
            "POST", "/api/v1/passes", params={"passTemplate": tpl["generic"], "extId": "u-1"}
        )

    first = create()
    assert first.status_code == 200
    assert create().status_code == 409
    http("POST", f"/api/v1/passes/{first.json()['data']['id']}/nullify")
    assert create().status_code == 200


def test_scan_log_shape_is_checked(http) -> None:
    answer = http("POST", "/api/v1/scans/log", json={"scan": {"readerId": "r"}})
    assert answer.status_code == 422
    assert "scan.scanType is required" in answer.json()["errors"]


@pytest.mark.parametrize("colour", ["#ffffff\n", "#ffffff\r\n", "#fff\nfff"])
def test_a_template_colour_with_a_line_break_is_refused(http, emulator, tpl, colour) -> None:
    # (the documented form is #RRGGBB: nothing after it; a `$` took a final line break)
    def create(value: str):
        return http(
            "POST",
            "/api/v1/passes",
            params={"passTemplate": tpl["generic"]},
            json={"pass": {"templateOverride": {"backgroundColor": value}}},
        )

    answers = [create(colour), create("white")]
    assert [answer.status_code for answer in answers] == [422, 422]
    assert answers[0].json() == {
        "errors": [
            "pass.templateOverride.backgroundColor "
            f"must be a hex colour such as #1a2b3c, got {colour!r}"
        ]
    }
    assert answers[1].json() == {
        "errors": [
            "pass.templateOverride.backgroundColor "
            "must be a hex colour such as #1a2b3c, got 'white'"
        ]
    }
    assert create("#ffffff").status_code == 200
