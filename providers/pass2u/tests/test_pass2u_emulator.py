"""The emulator on its own, spoken to with plain HTTP (urllib), as any client would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from walletpass_pass2u.emulator import DEFAULT_API_KEY, EmulatedModel, Pass2UEmulator
from walletpass_pass2u.limits import PassStyle

import walletpass
from walletpass.testing.emulators import available_emulators, load_emulator


def call(
    server: Any,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        server.url + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


JSON = {
    "x-api-key": DEFAULT_API_KEY,
    "Content-Type": "application/json",
    "Accept": "application/json",
}


def create(server: Any, payload: dict[str, Any], model: str = "1919") -> tuple[int, Any]:
    status, _, body = call(
        server, "POST", f"/models/{model}/passes", json.dumps(payload).encode(), JSON
    )
    return status, json.loads(body) if body else None


def test_create_answers_the_documented_shape(server) -> None:
    status, answer = create(server, {"barcode": {"message": "1234567890"}})
    assert status == 200
    assert set(answer) == {"barcodeMessage", "modelId", "passId", "createdTime"}
    assert answer["modelId"] == 1919 and answer["barcodeMessage"] == "1234567890"
    assert answer["createdTime"].endswith("+08:00")


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({}, 403, "Forbidden"),
        ({"x-api-key": "wrong"}, 403, "Forbidden"),
        (
            {"x-api-key": DEFAULT_API_KEY, "Content-Type": "text/plain", "Accept": "*/*"},
            415,
            "Unsupported",
        ),
        # The guide's JSON headers include Accept: a request without it is not a documented one.
        (
            {"x-api-key": DEFAULT_API_KEY, "Content-Type": "application/json"},
            405,
            "Not Acceptable",
        ),
        (
            {
                "x-api-key": DEFAULT_API_KEY,
                "Content-Type": "application/json",
                "Accept": "text/html",
            },
            405,
            "Not Acceptable",
        ),
    ],
)
def test_headers_are_enforced(server, headers, status, words) -> None:
    code, response_headers, body = call(server, "POST", "/models/1919/passes", b"{}", headers)
    assert code == status
    assert response_headers["Content-Type"] == "application/json"
    assert words in json.loads(body)["message"]


def test_documented_statuses(server, png) -> None:
    assert call(server, "PATCH", "/models/1919/passes/X", b"{}", JSON)[0] == 405
    assert call(server, "GET", "/nowhere", None, JSON)[0] == 404
    assert create(server, {}, model="77")[0] == 404
    status, answer = create(server, {"logoText": "x" * 36, "fields": [{"key": "nope"}]})
    assert status == 400
    assert "logoText" in answer["message"] and "'nope' is not a dynamic field" in answer["message"]
    assert call(server, "POST", "/models/1919/passes", b"{not json", JSON)[0] == 400
    assert call(server, "POST", "/models/1919/passes", b"[]", JSON)[0] == 400

    _, answer = create(server, {})
    pass_path = f"/models/1919/passes/{answer['passId']}"
    # No JSON read exists: asking for JSON is not acceptable.
    assert call(server, "GET", pass_path, None, JSON)[0] == 405
    status, headers, body = call(
        server,
        "GET",
        pass_path,
        None,
        {"x-api-key": DEFAULT_API_KEY, "Accept": "application/vnd.apple.pkpass"},
    )
    assert status == 200 and body.startswith(b"PK\x03\x04")
    assert headers["Content-Type"] == "application/vnd.apple.pkpass"
    assert answer["passId"] in headers["Content-Disposition"]

    reset = {"x-api-key": DEFAULT_API_KEY, "Accept": "application/json"}
    status, headers, body = call(server, "DELETE", pass_path + "/attributes/logoText", None, reset)
    assert (status, body, headers["Content-Type"]) == (200, b"", "application/json")
    assert call(server, "DELETE", pass_path + "/attributes/bogus", None, reset)[0] == 400
    assert call(server, "DELETE", pass_path + "/fields/bogus", None, reset)[0] == 404
    assert call(server, "DELETE", pass_path + "/fields/level/attributes/key", None, reset)[0] == 400

    image = {"x-api-key": DEFAULT_API_KEY, "Accept": "application/json"}
    assert call(server, "POST", "/images", png(), {**image, "Content-Type": "image/jpeg"})[0] == 415
    assert (
        call(server, "POST", "/images", b"GIF89a...", {**image, "Content-Type": "image/png"})[0]
        == 415
    )
    status, _, body = call(
        server, "POST", "/images", png(1025, 4), {**image, "Content-Type": "image/png"}
    )
    assert status == 400 and b"1024" in body


def test_update_is_partial_and_checks_the_model(server, emulator) -> None:
    _, answer = create(server, {"logoText": "A", "fields": [{"key": "level", "value": "GOLD"}]})
    path = f"/models/1919/passes/{answer['passId']}"
    body = json.dumps({"fields": [{"key": "birth", "value": "1999"}]}).encode()
    status, _, raw = call(server, "PUT", path, body, JSON)
    assert status == 200 and "updatedTime" in json.loads(raw)
    stored = emulator.stored("1919", answer["passId"])
    assert stored.attributes["logoText"] == "A"
    assert stored.fields == {"level": {"value": "GOLD"}, "birth": {"value": "1999"}}
    assert call(server, "PUT", "/models/2040/passes/" + answer["passId"], b"{}", JSON)[0] == 404


def test_images_must_be_uploaded_and_fit_the_style(server, png) -> None:
    status, answer = create(server, {"images": [{"type": "thumbnail", "hex": "ab" * 20}]})
    assert status == 400 and "no uploaded image" in answer["message"]
    upload = {
        "x-api-key": DEFAULT_API_KEY,
        "Content-Type": "image/png",
        "Accept": "application/json",
    }
    _, _, raw = call(server, "POST", "/images", png(), upload)
    hex_id = json.loads(raw)["hex"]
    assert create(server, {"images": [{"type": "thumbnail", "hex": hex_id}]})[0] == 200
    status, answer = create(server, {"images": [{"type": "strip", "hex": hex_id}]})
    assert status == 400 and "generic pass shows only" in answer["message"]


def test_rate_limit_answers_429_with_the_message(models) -> None:
    from walletpass.testing.emulator import EmulatorServer

    app = Pass2UEmulator(models=models, rate_limit=2, rate_window=60)
    with EmulatorServer(app) as server:
        statuses = [create(server, {})[0] for _ in range(3)]
        other_key = call(server, "POST", "/models/1919/passes", b"{}", {**JSON, "x-api-key": "x"})
    assert statuses == [200, 200, 429]
    assert other_key[0] == 403


def test_default_emulator_serves_documented_defaults() -> None:
    app = Pass2UEmulator()
    assert app.api_key == DEFAULT_API_KEY
    assert set(app.models) == {"1919", "2040", "3001"}
    assert app.models["3001"].style is PassStyle.EVENT_TICKET


def test_models_from_plain_data() -> None:
    app = Pass2UEmulator(
        "key",
        [
            {
                "id": 55,
                "style": "coupon",
                "fields": ["offer", {"key": "code", "label": "Code"}],
                "barcode": "non-replicable",
                "barcode_format": "PKBarcodeFormatAztec",
                "attributes": {"logoText": "Deals"},
            }
        ],
    )
    model = app.models["55"]
    assert isinstance(model, EmulatedModel)
    assert [f.key for f in model.fields] == ["offer", "code"]
    assert model.barcode_format == "PKBarcodeFormatAztec"
    assert model.attributes["logoText"] == "Deals"


def test_entry_points_register_provider_and_emulator() -> None:
    assert "pass2u" in walletpass.available_providers()
    assert "pass2u" in available_emulators()
    app = load_emulator("pass2u", api_key="seeded", models=[{"id": "1", "fields": ["a"]}])
    assert isinstance(app, Pass2UEmulator) and set(app.models) == {"1"}
    assert isinstance(load_emulator("pass2u"), Pass2UEmulator)


def test_the_pytest_fixture_serves_it(walletpass_emulator) -> None:
    server = walletpass_emulator("pass2u")
    wallet = walletpass.connect("pass2u", base_url=server.url, api_key=DEFAULT_API_KEY)
    issued = wallet.create(walletpass.Pass(template="1919", fields={"level": "GOLD"}))
    assert wallet.get(issued.id).fields["level"] == "GOLD"
    wallet.close()
