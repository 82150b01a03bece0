"""The emulator on its own, over real HTTP: what LivePass documents, and the documented choices."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from walletpass_livepass.emulator import DEFAULT_API_KEY, LivePassEmulator
from walletpass_livepass.limits import PassType

from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import available_emulators, load_emulator

AUTH = {"Authorization": f"API_KEY {DEFAULT_API_KEY}"}
RESERVATION = {
    "full_name": "John Appleseed",
    "email": "john.appleseed@getlivepass.com",
    "phone_number": "",
    "barcode_type": "qr",
    "barcode_data": "1003",
    "silent": False,
    "balance_amount": "",
    "balance_currency": "",
    "membership_tier": "",
    "title": "Health Check-up",
    "date": "Nov 6, 2024",
    "time": "10:00am",
    "duration": "60min",
    "url": "https://example.com/appointments/edit/1003",
    "location_name": "Mainland Hospital",
    "location_address": "LivePass Street, 12",
    "location_url": "https://example.com/address/mainland-hospital",
}


@pytest.fixture
def clock() -> list[float]:
    return [1728203404.0]


@pytest.fixture
def emulator(clock: list[float]) -> LivePassEmulator:
    return LivePassEmulator(clock=lambda: clock[0])


@pytest.fixture
def http(server: EmulatorServer):
    def call(method: str, path: str, body: object = None, headers: dict | None = None):
        return requests.request(
            method, server.url + path, json=body, headers={**AUTH, **(headers or {})}, timeout=5
        )

    return call


def test_upsert_then_read_in_the_documented_shapes(http, emulator, clock) -> None:
    created = http("POST", "/reservation/1003", RESERVATION)
    assert created.status_code == 200
    echo = {k: v for k, v in RESERVATION.items() if not k.startswith(("balance", "membership"))}
    assert created.json() == {
        "type": "reservation",
        "id": "1003",
        "body": echo,
        "message": "Pass requested",
    }
    clock[0] += 225
    http("POST", "/reservation/1003", {**RESERVATION, "time": "11:00am"})
    read = http("GET", "/reservation/1003").json()
    assert set(read) == {"message", "body", "links", "id", "type"}
    assert (read["message"], read["id"], read["type"]) == ("Pass retrieved", "1003", "reservation")
    body = read["body"]
    assert (body["version"], body["created_at"], body["last_updated_at"]) == (
        2,
        1728203404,
        1728203629,
    )
    assert body["type"] == "reservation" and isinstance(body["token"], str)
    assert body["time"] == "11:00am"
    assert read["links"]["web"].startswith("https://app.getlivepass.com/view/")
    assert read["links"]["apple"].startswith("https://app.getlivepass.com/apple/")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer " + DEFAULT_API_KEY, "API_KEY wrong", "api_key " + DEFAULT_API_KEY, "API_KEY"],
)
def test_the_api_key_header_is_checked(server, emulator, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = requests.get(server.url + "/reservation/1003", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}


def test_unknown_pass_type_path_and_methods(http) -> None:
    assert http("POST", "/coupon/1", {}).status_code == 404
    assert http("GET", "/reservation/nobody").json() == {"message": "Pass not found"}
    deleted = http("DELETE", "/reservation/1003")
    assert deleted.status_code == 405 and deleted.headers["Allow"] == "GET, POST"


def test_json_content_type_is_required(server) -> None:
    answer = requests.post(
        server.url + "/reservation/1003",
        data=json.dumps(RESERVATION),  # curl's --data-raw sends a form content type
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert answer.status_code == 415


def test_joi_validation_errors(http, emulator) -> None:
    body = {"full_name": "Ines", "balance_amount": "500", "barcode_type": "pdf417", "x": 1}
    answer = http("POST", "/membership-card/GYM-1", body)
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message["_original"] == body
    assert [(d["path"], d["type"]) for d in message["details"]] == [
        (["balance_amount"], "number.base"),
        (["barcode_type"], "any.only"),
        (["x"], "object.unknown"),
    ]
    assert message["details"][0]["message"] == '"balance_amount" must be a number'
    assert emulator.passes == {}
    assert http("POST", "/reservation/1", [1, 2]).status_code == 400
    assert (
        http("POST", "/reservation/1", {"silent": "no"}).json()["message"]["details"][0]["message"]
        == '"silent" must be a boolean'
    )


def test_types_are_separate_namespaces(http, emulator) -> None:
    http("POST", "/reservation/1003", RESERVATION)
    http("POST", "/appointment/1003", {**RESERVATION, "title": "Dentist"})
    assert http("GET", "/reservation/1003").json()["body"]["title"] == "Health Check-up"
    assert http("GET", "/appointment/1003").json()["body"]["title"] == "Dentist"
    assert emulator.stored(PassType.APPOINTMENT, "1003").version == 1


def test_writes_replace_the_stored_pass(http, emulator) -> None:
    http("POST", "/reservation/1003", RESERVATION)
    http("POST", "/reservation/1003", {"title": "Only this", "silent": True})
    assert emulator.stored("reservation", "1003").body == {"title": "Only this", "silent": True}


def test_notifications_follow_silent(http, emulator) -> None:
    http("POST", "/reservation/1", {**RESERVATION, "silent": True})
    http("POST", "/reservation/2", {**RESERVATION, "email": "not an address"})
    # (an address with a line break after it is not one either: no mail goes to it)
    http("POST", "/reservation/4", {**RESERVATION, "email": RESERVATION["email"] + "\n"})
    http("POST", "/reservation/3", RESERVATION)
    http("POST", "/reservation/3", RESERVATION)  # unchanged: nothing to push
    http("POST", "/reservation/3", {**RESERVATION, "url": "https://x.y/z"})  # url does not notify
    http("POST", "/reservation/3", {**RESERVATION, "date": "Nov 7, 2024", "silent": True})
    http("POST", "/reservation/3", {**RESERVATION, "date": "Nov 8, 2024", "time": "9am"})
    assert [(n.channel, n.pass_id, n.to, n.changed) for n in emulator.notifications] == [
        ("email", "3", "john.appleseed@getlivepass.com", ()),
        ("push", "3", None, ("date", "time")),
    ]


def test_membership_card_keeps_its_own_keys(http, emulator) -> None:
    card = {"full_name": "Ines", "balance_amount": 120, "balance_currency": "credits"}
    echo = http("POST", "/membership-card/GYM-0042", {**card, "membership_tier": ""}).json()
    assert echo["body"] == {**card, "membership_tier": ""}
    answer = http("POST", "/membership-card/GYM-0042", {**card, "title": "x"})
    assert answer.json()["message"]["details"][0]["message"] == '"title" is not allowed'


def test_seeded_passes_and_the_no_argument_factory() -> None:
    seeded = LivePassEmulator(
        passes=[{"type": "reservation", "id": "1003", "body": RESERVATION, "version": 5}]
    )
    with EmulatorServer(seeded) as other:
        read = requests.get(other.url + "/reservation/1003", headers=AUTH, timeout=5).json()
    assert read["body"]["version"] == 5 and "balance_amount" not in read["body"]
    assert "livepass" in available_emulators()
    app = load_emulator("livepass")
    assert isinstance(app, LivePassEmulator) and app.api_key == DEFAULT_API_KEY and not app.passes
    assert load_emulator("livepass", api_key="other").api_key == "other"


def test_walletpass_emulator_fixture_serves_it(walletpass_emulator) -> None:
    server = walletpass_emulator("livepass")
    answer = requests.post(
        server.url + "/appointment/A-1", json={"title": "Dentist"}, headers=AUTH, timeout=5
    )
    assert answer.status_code == 200 and answer.json()["type"] == "appointment"


def test_walletpass_emulate_livepass_serves_it_from_a_shell() -> None:
    cli = Path(sys.executable).parent / "walletpass"
    process = subprocess.Popen(
        [str(cli), "emulate", "livepass", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ", 1)[1].split(" ", 1)[0]
        key = process.stdout.readline().strip().rsplit(" ", 1)[1]
        assert key == DEFAULT_API_KEY
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = requests.get(
                    url + "/reservation/1", headers={"Authorization": f"API_KEY {key}"}, timeout=5
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=20)
