"""What the Pass2U provider sends, recorded by a server written from the Pass API guide alone
(walletpass.testing.recording), not by the emulator: every key is one the guide documents, and
the one shape it leaves open (the image upload's body) is declared inferred (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from walletpass_pass2u import Pass2UProvider

from walletpass import Barcode, Beacon, Location, Pass, PassField
from walletpass.testing.recording import DocumentedRoute, RecordingServer, json_keys

#: Guide 2.2.3 section 4.1: the create answer; section 4.5: the upload answer.
CREATED = {
    "barcodeMessage": "MBR-0007781",
    "modelId": 2040,
    "passId": "Qe-8sLw2Kx",
    "createdTime": "2027-01-05T18:20:11+08:00",
    "expirationDate": "2027-12-31T23:59:59+09:00",
}
UPLOADED = {"hex": "3f0c1a9be0d44e7a91c2b5d6e7f8a9b0c1d2e3f4"}

#: Section 3: the pass attributes, top level and lower level.
DOCUMENTED = {
    *[
        "description",
        "organizationName",
        "passcode",
        "associatedStoreIdentifiers",
        "appLaunchURL",
        "associatedPlayIdentifiers",
        "androidAppLaunchURL",
        "expirationDate",
        "voided",
        "maxDistance",
        "relevantDate",
        "backgroundColor",
        "foregroundColor",
        "labelColor",
        "groupingIdentifier",
        "logoText",
        "sharingProhibited",
        "images",
        "beacons",
        "locations",
        "barcode",
        "fields",
    ],
    "images[].type",
    "images[].hex",
    *(f"beacons[].{k}" for k in ("major", "minor", "proximityUUID", "relevantText")),
    *(f"locations[].{k}" for k in ("latitude", "longitude", "altitude", "relevantText")),
    "barcode.message",
    "barcode.altText",
    *(f"fields[].{k}" for k in ("key", "label", "value", "changeMessage")),
}


def test_every_key_sent_is_documented_and_the_upload_shape_is_declared_inferred(png) -> None:
    routes = [
        DocumentedRoute("POST", r"/models/[^/]+/passes", CREATED),
        DocumentedRoute("POST", r"/images", UPLOADED),
    ]
    with RecordingServer(routes) as server:
        wallet = Pass2UProvider(api_key="e6a45207817bb8e9b1f3e67bb696067c", base_url=server.url)
        try:
            image = wallet.upload_image(png(180, 180))
            wallet.create(
                Pass(
                    template="2040",
                    barcode=Barcode(message="MBR-0007781", alt_text="MBR-0007781"),
                    fields={"tier": PassField(value="Gold", label="Tier")},
                    expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=9),
                    colors={"background": "#123456", "foreground": "#ffffff", "label": "#c8dcf0"},
                    logo_text="Club",
                    images={"thumbnail": image},
                    locations=[Location(latitude=35.6595, longitude=139.7005, relevant_text="Hi")],
                    beacons=[Beacon(proximity_uuid=UUID(int=7), major=1, minor=2)],
                )
            )
        finally:
            wallet.close()
    upload, create = server.requests
    # The upload: a raw PNG body, the reading of "the image binary data" walletpass chose.
    assert upload.headers["content-type"] == "image/png" and upload.body.startswith(b"\x89PNG")
    inferred = Pass2UProvider.capabilities["upload_image"].inferred
    assert any("raw request body" in item for item in inferred)
    # The create: only documented keys, with the guide's JSON headers.
    assert set(json_keys(create.json())) <= DOCUMENTED
    assert create.headers["accept"] == "application/json"
    assert create.headers["x-api-key"] == "e6a45207817bb8e9b1f3e67bb696067c"


#: The JSON type the guide gives each key sent above (section 3 tables).
TYPES: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys(
        [
            "expirationDate",
            "backgroundColor",
            "foregroundColor",
            "labelColor",
            "logoText",
            "images[].type",
            "images[].hex",
            "barcode.message",
            "barcode.altText",
            "fields[].key",
            "fields[].label",
            "beacons[].proximityUUID",
            "locations[].relevantText",
        ],
        str,
    ),
    # "String, ISO 8601 date string, or number"
    "fields[].value": (str, int, float),
    **dict.fromkeys(["beacons[].major", "beacons[].minor"], int),
    **dict.fromkeys(["locations[].latitude", "locations[].longitude"], (int, float)),
}


def _values(value: object, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found += _values(item, path) if isinstance(item, dict | list) else [(path, item)]
    elif isinstance(value, list):
        for item in value:
            found += _values(item, f"{prefix}[]")
    return found


def test_every_value_sent_has_its_documented_json_type(png) -> None:
    routes = [
        DocumentedRoute("POST", r"/models/[^/]+/passes", CREATED),
        DocumentedRoute("POST", r"/images", UPLOADED),
    ]
    with RecordingServer(routes) as server:
        wallet = Pass2UProvider(api_key="e6a45207817bb8e9b1f3e67bb696067c", base_url=server.url)
        try:
            wallet.create(
                Pass(
                    template="2040",
                    barcode=Barcode(message="M-1", alt_text="M-1"),
                    fields={"tier": PassField(value=3, label="Tier"), "since": "2027"},
                    expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=9),
                    colors={"background": "#123456"},
                    locations=[Location(latitude=35, longitude=139.7005)],
                    beacons=[Beacon(proximity_uuid=UUID(int=7), major=1, minor=2)],
                )
            )
        finally:
            wallet.close()
    (create,) = server.requests
    for path, value in _values(create.json()):
        expected = TYPES[path]
        boolean_for_number = isinstance(value, bool) and expected is not bool
        assert isinstance(value, expected) and not boolean_for_number, (path, value)
