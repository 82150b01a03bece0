"""What the PassEntry provider sends, recorded by a server written from PassEntry's documentation
alone (walletpass.testing.recording), not by the emulator: every key the documents do not show must
be one the provider declares *inferred* (issue 16, field report 12)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from walletpass_passentry import PassEntryProvider

from walletpass import (
    Balance,
    Barcode,
    Beacon,
    Holder,
    Location,
    Nfc,
    NotUsedUp,
    Pass,
    PassKind,
    PassUpdate,
)
from walletpass.testing.recording import DocumentedRoute, RecordingServer, json_keys

UUID_ = "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90"

#: docs.passentry.com "Show pass": the pass resource (composed example of the reference).
PASS_RESOURCE = {
    "data": {
        "id": UUID_,
        "type": "pass",
        "attributes": {
            "downloadUrl": f"https://download.passentry.com?pass={UUID_}",
            "passType": "storeCard",
            "status": "issued",
            "extId": "crm-88213",
            "createdAt": "2027-03-01T08:00:00Z",
            "expiresAt": None,
            "passTemplateUuid": "a91c0e7d55f2b3c4d6e7f809",
            "passTemplateName": "Coffee Club",
            "nfc": None,
            "barcode": {},
            "passContent": {"memberName": "Priya Shah"},
        },
    },
    "meta": {"loyalty": {"balance": 500}},
}

#: Request keys the reference shows (create / update pages, later findings), as dotted paths;
#: ``pass.<field id>`` values are the caller's template fields.
DOCUMENTED = {
    "pass",
    "message",
    "groupTag",
    "tags",
    "passAction",
    "locations",
    *(f"locations[].{k}" for k in ("name", "latitude", "longitude", "radius", "message")),
    "beacons",
    *(f"beacons[].{k}" for k in ("name", "proximityUuid", "major", "minor", "message")),
    "pass.barcode",
    *(f"pass.barcode.{k}" for k in ("enabled", "type", "source", "value", "displayText")),
    "pass.nfc",
    "pass.nfc.enabled",
    "pass.templateOverride",
    # loyalty PATCH body
    "balance",
    "overrideBalance",
}

FIELDS = {"memberName"}


def _everything() -> Pass:
    return Pass(
        template="a91c0e7d55f2b3c4d6e7f809",
        kind=PassKind.LOYALTY,
        external_id="crm-88213",
        holder=Holder(name="Priya Shah"),
        fields={"memberName": "Priya Shah"},
        barcode=Barcode(message="M-1", format="qr"),
        nfc=Nfc(message="hello"),
        expires_at=datetime.now(UTC) + timedelta(days=30),
        colors={"background": "#112233", "foreground": "#ffffff", "label": "#abcdef"},
        images={"logo": "https://example.com/logo.png"},
        locations=[Location(latitude=51.5, longitude=-0.1, radius=50, name="Shop")],
        beacons=[Beacon(proximity_uuid=UUID(int=1), major=1, minor=2, name="Door")],
        group="SPRING_27",
        balance=Balance(amount=Decimal(500)),
    )


def test_every_undocumented_key_sent_is_declared_inferred() -> None:
    routes = [
        DocumentedRoute("POST", r"/api/v1/passes", PASS_RESOURCE),
        DocumentedRoute("PATCH", r"/api/v1/loyalty/[^/]+", PASS_RESOURCE),
    ]
    with RecordingServer(routes) as server:
        wallet = PassEntryProvider(
            api_key="pe_example_token", base_url=server.url, rate_limit=0, holder_name_field=None
        )
        try:
            wallet.create(_everything().model_copy(update={"holder": None}))
        finally:
            wallet.close()
    sent = [r for r in server.requests if r.body]
    assert [(r.method, r.path) for r in sent] == [
        ("POST", "/api/v1/passes"),
        ("PATCH", f"/api/v1/loyalty/{UUID_}"),
    ]
    keys = {key for r in sent for key in json_keys(r.json())}
    undocumented = {
        key
        for key in keys - DOCUMENTED
        if not any(key == f"pass.{f}" or key.startswith(f"pass.{f}.") for f in FIELDS)
    }
    # Each declared inference names its wire keys as whole dotted paths: a key counts as
    # declared only when its exact path is named (not a leaf or a prefix that happens to occur).
    inferred = {
        path
        for d in PassEntryProvider.capabilities.values()
        for item in d.inferred
        for path in re.findall(r"(?<![\w.])pass(?:\.\w+)+", item)
    }
    assert undocumented, "the emulator-free record shows the inferred keys"
    for key in sorted(undocumented):
        assert key in inferred, f"{key} is sent but neither documented nor declared inferred"
    assert sent[0].headers["authorization"] == "Bearer pe_example_token"


# -- JSON types: every key of every body, as the reference types it ---------------------------

TEXT = str
NUMBER = (int, float)
#: The JSON type of each documented (or declared inferred) body key, as dotted paths. Template
#: field values (``pass.<field id>``) are text, plain or as ``{"value": text}``.
JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "pass": dict,
    "message": TEXT,
    "groupTag": TEXT,
    "tags": list,
    "tags[]": TEXT,
    "passAction": TEXT,
    "locations": list,
    "locations[]": dict,
    "locations[].name": TEXT,
    "locations[].latitude": NUMBER,
    "locations[].longitude": NUMBER,
    "locations[].radius": NUMBER,
    "locations[].message": TEXT,
    "beacons": list,
    "beacons[]": dict,
    "beacons[].name": TEXT,
    "beacons[].proximityUuid": TEXT,
    "beacons[].major": int,
    "beacons[].minor": int,
    "beacons[].message": TEXT,
    "pass.barcode": dict,
    "pass.barcode.enabled": bool,
    "pass.barcode.type": TEXT,
    "pass.barcode.source": TEXT,
    "pass.barcode.value": TEXT,
    "pass.barcode.displayText": bool,
    "pass.nfc": dict,
    "pass.nfc.enabled": bool,
    # Inferred (declared): the NFC custom message, the expiry and the override's sub-keys.
    "pass.nfc.source": TEXT,
    "pass.nfc.customValue": TEXT,
    "pass.expiresAt": TEXT,
    "pass.templateOverride": dict,
    "pass.templateOverride.*": TEXT,
    # PATCH /api/v1/loyalty/{id} (later findings): a signed integer delta, a whole balance.
    "balance": int,
    "overrideBalance": int,
}
ENUMS = {
    "pass.barcode.type": {"qr", "code128", "aztec", "pdf417"},
    "pass.barcode.source": {"uuid", "extId", "custom"},
    "passAction": {"deactivate", "reactivate"},
}


def _typed_values(value: object, prefix: str = "") -> list[tuple[str, object]]:
    """Every (dotted path, value) of a body, containers included; list items as ``[]``."""
    found: list[tuple[str, object]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.append((path, item))
            found += _typed_values(item, path)
    elif isinstance(value, list):
        for item in value:
            found.append((f"{prefix}[]", item))
            found += _typed_values(item, f"{prefix}[]")
    return found


def _expected(path: str) -> type | tuple[type, ...]:
    if path.startswith("pass.templateOverride."):
        return JSON_TYPES["pass.templateOverride.*"]
    assert path in JSON_TYPES, f"{path} has no documented JSON type"
    return JSON_TYPES[path]


def _assert_json_types(body: object) -> None:
    for path, value in _typed_values(body):
        if path.startswith("pass.") and path.split(".")[1] in FIELDS:
            inner = path.split(".", 2)[2:] or [""]
            if inner == [""]:
                assert isinstance(value, str | dict), (path, value)
            else:
                assert inner == ["value"] and isinstance(value, str), (path, value)
            continue
        expected = _expected(path)
        boolean_for_number = isinstance(value, bool) and expected is not bool
        assert isinstance(value, expected) and not boolean_for_number, (path, value)
        if path in ENUMS:
            assert value in ENUMS[path], (path, value)


def test_every_key_of_create_update_and_loyalty_bodies_has_its_documented_json_type() -> None:
    routes = [
        DocumentedRoute("POST", r"/api/v1/passes", PASS_RESOURCE),
        DocumentedRoute("PATCH", r"/api/v1/passes/[^/]+", PASS_RESOURCE),
        DocumentedRoute("GET", r"/api/v1/passes/[^/]+", PASS_RESOURCE),
        DocumentedRoute("PATCH", r"/api/v1/loyalty/[^/]+", PASS_RESOURCE),
        DocumentedRoute("GET", r"/api/v1/loyalty/[^/]+", PASS_RESOURCE),
    ]
    with RecordingServer(routes) as server:
        wallet = PassEntryProvider(
            api_key="pe_example_token", base_url=server.url, rate_limit=0, holder_name_field=None
        )
        try:
            issued = wallet.create(_everything().model_copy(update={"holder": None}))
            everything = _everything()
            wallet.update(
                issued.id,
                PassUpdate(
                    fields={"memberName": "P. Shah"},
                    barcode=Barcode(message="M-2", format="pdf417"),
                    nfc=Nfc(),
                    expires_at=everything.expires_at,
                    colors=everything.colors,
                    locations=everything.locations,
                    beacons=everything.beacons,
                    group="SUMMER_27",
                    message="Your card changed",
                ),
            )
            wallet.update(issued.id, PassUpdate(barcode=None, nfc=None, locations=None))
            wallet.update(issued.id, PassUpdate(balance=Balance(amount=Decimal(750))))
            wallet.update(
                issued.id, PassUpdate(balance=Balance(amount=Decimal(20)), message="Top-up")
            )
            wallet.redeem(issued.id, amount=Decimal(3))
            wallet.deactivate(issued.id)
            # redeem(id) would not use a store card up: refused before any write (NotUsedUp).
            with pytest.raises(NotUsedUp):
                wallet.redeem(issued.id)
        finally:
            wallet.close()
    bodies = [(r.method, r.path, r.json()) for r in server.requests if r.body]
    assert [(m, p.rsplit("/", 1)[0]) for m, p, _ in bodies] == [
        ("POST", "/api/v1"),
        ("PATCH", "/api/v1/loyalty"),  # the new card's balance
        ("PATCH", "/api/v1/passes"),
        ("PATCH", "/api/v1/passes"),
        ("PATCH", "/api/v1/loyalty"),
        ("PATCH", "/api/v1/loyalty"),
        ("PATCH", "/api/v1/loyalty"),  # the redeemed amount, as a negative delta
        ("PATCH", "/api/v1/passes"),  # deactivate
    ]
    for _, _, body in bodies:
        _assert_json_types(body)
    loyalty = [body for _, path, body in bodies if "/loyalty/" in path]
    assert loyalty == [
        {"overrideBalance": 500},
        {"overrideBalance": 750},
        {"overrideBalance": 20, "message": "Top-up"},
        {"balance": -3},
    ]
    assert bodies[-1][2] == {"passAction": "deactivate"}
    cleared = bodies[3][2]
    assert cleared["pass"]["barcode"] == {"enabled": False}
    assert cleared["pass"]["nfc"] == {"enabled": False}
    assert cleared["locations"] == []
