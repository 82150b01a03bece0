"""What the PassEntry provider sends, recorded by a server written from PassEntry's documentation
alone (walletpass.testing.recording), not by the emulator: every key the documents do not show must
be one the provider declares *inferred* (issue 16, field report 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from walletpass_passentry import PassEntryProvider

from walletpass import Balance, Barcode, Beacon, Holder, Location, Nfc, Pass, PassKind
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
    inferred = " ".join(
        item for d in PassEntryProvider.capabilities.values() for item in d.inferred
    )
    assert undocumented, "the emulator-free record shows the inferred keys"
    for key in sorted(undocumented):
        leaf = key.rsplit(".", 1)[-1]
        assert leaf in inferred or key.split(".")[1] in inferred, (
            f"{key} is sent but neither documented nor declared inferred"
        )
    assert sent[0].headers["authorization"] == "Bearer pe_example_token"
