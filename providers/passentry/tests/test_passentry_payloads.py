"""Translation tests: the pure build/parse hooks, exact requests, and hypothesis round trips.

The round trip goes neutral Pass -> PassEntry JSON (build hook) -> the emulator's stored pass and
JSON:API answer (in process, no HTTP) -> IssuedPass (parse hook), so hypothesis can run many
examples quickly.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_passentry import PassEntryProvider, payloads
from walletpass_passentry.emulator import EmulatedTemplate, PassEntryEmulator
from walletpass_passentry.limits import PASS_RESERVED_KEYS, TIMESTAMPS, PassType
from walletpass_passentry.payloads import ValueFormat

from walletpass import Barcode, Beacon, Colors, Holder, Location, Nfc, Pass, PassKind, PassUpdate
from walletpass.errors import ValidationError
from walletpass.model import BarcodeFormat, PassField, PassStatus
from walletpass.provider import ListFilters
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorRequest
from walletpass.testing.rules import vendor_problems
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass.transport import VendorResponse

TEMPLATE = "a91c0e7d55f2b3c4d6e7f809"
KEYS = ("k0", "k1", "k2", "k3")


def _response(payload: object, status: int = 200, headers: dict[str, str] | None = None):
    return VendorResponse(
        status=status,
        headers=headers or {},
        body=json.dumps(payload).encode(),
        method="GET",
        path="api/v1/passes/{id}",
    )


# ------------------------------------------------------------------------------------------
# Requests, exactly
# ------------------------------------------------------------------------------------------


def test_create_request_is_exact(offline: PassEntryProvider) -> None:
    new_pass = Pass(
        template=TEMPLATE,
        kind=PassKind.LOYALTY,
        external_id="crm-88213",
        holder=Holder(first_name="Priya", last_name="Shah"),
        fields={
            "stamps": 4,
            "balance": Decimal("12.50"),
            "joined": date(2027, 3, 1),
            "visit": datetime(2027, 3, 1, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=2))),
        },
        barcode=Barcode(message="crm-88213", format=BarcodeFormat.PDF417),
        nfc=Nfc(),
        expires_at=datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC),
        colors=Colors.model_validate({"background": "rgb(26, 43, 60)", "label": "#FFFFFF"}),
        images={"logo": "https://cdn.example.com/logo.png"},
        locations=[
            Location(
                latitude=53.4794,
                longitude=-2.2453,
                radius=80,
                name="Canal St shop",
                relevant_text="Your coffee club card",
            )
        ],
        beacons=[
            Beacon(
                proximity_uuid=uuid.UUID("123e4567-e89b-12d3-a456-426614174000"),
                major=1,
                minor=2,
                name="Till",
                relevant_text="Show your card",
            )
        ],
        group="SPRING_27",
        extra={"pass": {"barcode": {"displayText": True}}},
    )
    # The core puts the holder's name in its template field (holder_name_field, fullName).
    request = offline.build_create(offline.prepare_create(new_pass))
    assert (request.method, request.path) == ("POST", "api/v1/passes")
    assert request.query == {"passTemplate": TEMPLATE, "extId": "crm-88213"}
    assert request.safety is Safety.RECOVERABLE
    assert request.rate_key == "POST api/v1/passes"
    assert request.json == {
        "pass": {
            "stamps": {"value": "4"},
            "balance": {"value": "12.50"},
            "joined": {"value": "2027-03-01"},
            "visit": {"value": "2027-03-01T07:30:15Z"},
            "fullName": {"value": "Priya Shah"},
            "barcode": {"enabled": True, "type": "pdf417", "source": "extId", "displayText": True},
            "nfc": {"enabled": True},
            "expiresAt": "2027-12-31T23:59:59Z",
            "templateOverride": {
                "backgroundColor": "#1a2b3c",
                "labelColor": "#ffffff",
                "logoImage": "https://cdn.example.com/logo.png",
            },
        },
        "locations": [
            {
                "name": "Canal St shop",
                "latitude": 53.4794,
                "longitude": -2.2453,
                "radius": 80,
                "message": "Your coffee club card",
            }
        ],
        "beacons": [
            {
                "name": "Till",
                "proximityUuid": "123e4567-e89b-12d3-a456-426614174000",
                "major": 1,
                "minor": 2,
                "message": "Show your card",
            }
        ],
        "groupTag": "SPRING_27",
    }


def test_create_headers_on_the_wire(wallet: PassEntryProvider, emulator, tpl, api_key) -> None:
    wallet.create(Pass(template=tpl["generic"], fields={"level": "GOLD"}))
    entry = emulator.journal.last()
    assert entry.method == "POST" and entry.path == "/api/v1/passes"
    assert entry.query == {"passTemplate": [tpl["generic"]]}
    assert entry.headers["authorization"] == f"Bearer {api_key}"
    assert entry.headers["content-type"] == "application/json"
    assert entry.json() == {"pass": {"level": {"value": "GOLD"}}}


def test_create_without_external_id_is_unsafe_and_plain_values(offline) -> None:
    plain = PassEntryProvider(
        api_key="k", base_url="http://127.0.0.1:9", field_value_format="plain"
    )
    request = plain.build_create(
        Pass(template=TEMPLATE, barcode=Barcode(message="A-1", format="aztec"), fields={"a": "b"})
    )
    assert request.safety is Safety.UNSAFE
    assert request.query == {"passTemplate": TEMPLATE}
    assert request.json == {
        "pass": {
            "a": "b",
            "barcode": {"enabled": True, "type": "aztec", "source": "custom", "value": "A-1"},
        }
    }


@pytest.mark.parametrize(
    ("value_format", "full_name"),
    [
        ("object", {"value": "Jane Roberts"}),  # the current update-pass page
        ("plain", "Jane Roberts"),  # the earlier copy of the same page
    ],
)
def test_docs_update_example_through_passupdate(value_format, full_name) -> None:
    """Done when: the docs' update example (name change, push message, one location)."""
    wallet = PassEntryProvider(
        api_key="k", base_url="http://127.0.0.1:9", field_value_format=value_format
    )
    change = PassUpdate(
        holder=Holder(name="Jane Roberts"),
        nfc=None,
        message="Your pass details have been updated. Click to show pass",
        locations=[
            Location(
                name="Venue",
                latitude=51.54321132456805,
                longitude=-0.022901231803803924,
                radius=100,
                relevant_text="Welcome to the venue",
            )
        ],
    )
    checked_id, prepared = wallet.prepare_update("d2ac8d95-6914-4cac-957c-2a5ccf534390", change)
    request = wallet.build_update(checked_id, prepared)
    assert (request.method, request.path) == (
        "PATCH",
        "api/v1/passes/d2ac8d95-6914-4cac-957c-2a5ccf534390",
    )
    docs_body = {
        "pass": {"nfc": {"enabled": False}, "fullName": full_name},
        "message": "Your pass details have been updated. Click to show pass",
        "locations": [
            {
                "name": "Venue",
                "latitude": 51.54321132456805,
                "longitude": -0.022901231803803924,
                "radius": 100,
                "message": "Welcome to the venue",
            }
        ],
    }
    assert request.json == docs_body
    # same keys and value formats, down to the JSON text of each value
    assert json.dumps(request.json, sort_keys=True) == json.dumps(docs_body, sort_keys=True)
    assert request.safety is Safety.UNSAFE  # a repeat would push the message twice


def test_update_clears_and_silent_updates(offline) -> None:
    change = PassUpdate(barcode=None, beacons=None, locations=[], group="B")
    _, prepared = offline.prepare_update("p-1", change)
    request = offline.build_update("p-1", prepared)
    assert request.json == {
        "pass": {"barcode": {"enabled": False}},
        "locations": [],
        "beacons": [],
        "groupTag": "B",
    }
    assert request.safety is Safety.IDEMPOTENT
    with pytest.raises(ValidationError) as caught:
        offline.prepare_update("p-1", PassUpdate(expires_at=None, fields=None))
    assert set(caught.value.fields) == {"expires_at", "fields"}


def test_get_delete_redeem_list_requests(offline) -> None:
    get = offline.build_get("crm-88213")
    assert (get.method, get.path, get.safety, get.query) == (
        "GET",
        "api/v1/passes/crm-88213",
        Safety.SAFE,
        None,
    )
    assert get.path_template == "api/v1/passes/{id}" and get.rate_key == "GET api/v1/passes/{id}"
    delete = offline.build_delete("6c1f9e2a")
    assert (delete.method, delete.path, delete.safety, delete.has_json) == (
        "POST",
        "api/v1/passes/6c1f9e2a/nullify",
        Safety.IDEMPOTENT,
        False,
    )
    redeem = offline.build_redeem("6c1f9e2a", None, {})
    assert (redeem.method, redeem.json) == ("PATCH", {"passAction": "deactivate"})
    listing = offline.build_list(ListFilters())
    assert (listing.method, listing.path, listing.query) == ("GET", "api/v1/passes", None)
    # PassEntry documents no list filter (passentry.md 4.4): a key is refused before sending.
    with pytest.raises(ValidationError) as caught:
        offline.list(extra={"groupTag": "A"})
    assert [p.location for p in caught.value.problems] == ["extra.groupTag"]
    with pytest.raises(ValidationError, match=r"links\.next"):
        offline.build_list(ListFilters(page_size=10))


def test_ids_are_checked_locally(offline) -> None:
    for bad in ("a/b", "..", "."):
        with pytest.raises(ValidationError):
            offline.get(bad)
    assert offline.decode_id("crm-88213") == "crm-88213"


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------

DOCS_ANSWER = {
    "data": {
        "id": "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90",
        "type": "pass",
        "attributes": {
            "downloadUrl": "https://download.passentry.com?pass=6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90",
            "passType": "storeCard",
            "deviceType": "iphone",
            "status": "active",
            "extId": "crm-88213",
            "groupTag": "SPRING_27",
            "createdAt": "2027-03-01T08:00:00Z",
            "addedAt": "2027-03-01T08:05:12Z",
            "removedAt": None,
            "deactivatedAt": None,
            "expiresAt": "2027-12-31T23:59:59Z",
            "passTemplateUuid": "a91c0e7d55f2b3c4d6e7f809",
            "passTemplateName": "Coffee Club",
            "nfc": "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90",
            "barcode": {"enabled": True, "type": "qr", "source": "extId", "displayText": False},
            "latestMessage": "Your stamp card was updated",
            "passContent": {"memberName": "Priya Shah", "stamps": {"value": "4"}},
        },
    }
}


def test_parse_the_documented_pass_resource(offline) -> None:
    issued = offline.parse_get(_response(DOCS_ANSWER), "crm-88213")
    assert issued.id == issued.vendor_id == "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90"
    assert issued.provider == "passentry"
    assert issued.template == "a91c0e7d55f2b3c4d6e7f809"
    # A storeCard is a loyalty card or a gift card: the template alias's kind says which.
    assert issued.kind is None and issued.meta["pass_type"] == "storeCard"
    assert issued.external_id == "crm-88213"
    assert issued.status is PassStatus.INSTALLED
    assert issued.urls.download.endswith("pass=6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90")
    assert issued.created_at == datetime(2027, 3, 1, 8, tzinfo=UTC)
    assert issued.expires_at == datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert issued.fields == {"memberName": "Priya Shah", "stamps": "4"}
    assert issued.barcode == Barcode(message="crm-88213", format=BarcodeFormat.QR)
    assert issued.meta["template_name"] == "Coffee Club"
    assert issued.meta["vendor_status"] == "active"
    assert issued.meta["nfc"] == "6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90"
    assert issued.raw == DOCS_ANSWER


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        ("issued", {}, PassStatus.ISSUED),
        ("active", {}, PassStatus.INSTALLED),
        ("removed", {}, PassStatus.ISSUED),
        ("deactivated", {"deactivatedAt": "2027-05-01T00:00:00Z"}, PassStatus.VOIDED),
        (
            "deactivated",
            {"deactivatedAt": "2027-12-31T23:59:59Z", "expiresAt": "2027-12-31T23:59:59Z"},
            PassStatus.EXPIRED,
        ),
        ("nullified", {"nullifiedAt": "2027-05-01T00:00:00Z"}, PassStatus.DELETED),
        ("somethingNew", {}, PassStatus.UNKNOWN),
    ],
)
def test_status_mapping(offline, status, extra, expected) -> None:
    answer = json.loads(json.dumps(DOCS_ANSWER))
    answer["data"]["attributes"].update({"status": status, "expiresAt": None, **extra})
    assert offline.parse_get(_response(answer), "x").status is expected


def test_update_answer_reports_the_notification(offline) -> None:
    answer = json.loads(json.dumps(DOCS_ANSWER))
    answer["meta"] = {
        "notifications": {
            "status": "notDelivered",
            "message": "Pass has not been added to the wallet",
        }
    }
    issued = offline.parse_update(
        _response(answer, headers={"x-notification-status": "notDelivered"}),
        "x",
        PassUpdate(message="hi"),
    )
    assert issued.meta["notification"] == {
        "status": "notDelivered",
        "message": "Pass has not been added to the wallet",
        "header": "notDelivered",
    }


def test_malformed_answers_are_invalid_response(wallet, emulator, tpl) -> None:
    from walletpass.errors import InvalidResponse
    from walletpass.testing.emulator import Fault

    emulator.inject(Fault.malformed(200, b'{"data": {"id": 5}}'), method="POST")
    with pytest.raises(InvalidResponse):
        wallet.create(Pass(template=tpl["generic"]))


def test_retry_after_reads_passentrys_header() -> None:
    assert PassEntryProvider.retry_after({"x-rate-limit-retry-after": "0.35"}) == 0.35
    assert PassEntryProvider.retry_after({"retry-after": "2"}) == 2.0
    assert (
        PassEntryProvider.retry_after({"x-rate-limit-retry-after": "0.2", "retry-after": "9"})
        == 0.2
    )
    assert PassEntryProvider.retry_after({}) is None


# ------------------------------------------------------------------------------------------
# Hypothesis round trips
# ------------------------------------------------------------------------------------------

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
)
aware = st.builds(
    lambda dt, minutes: dt.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-12 * 60, 14 * 60),
)
future = st.builds(
    lambda dt: dt.replace(tzinfo=UTC),
    st.datetimes(min_value=datetime(2040, 1, 1), max_value=datetime(2100, 1, 1)),
)
field_values = st.one_of(
    text,
    st.integers(-(10**12), 10**12),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**6), max_value=10**6
    ),
    aware,
)
locations = st.builds(
    Location,
    latitude=st.floats(-90, 90, allow_nan=False),
    longitude=st.floats(-180, 180, allow_nan=False),
    radius=st.one_of(st.none(), st.integers(11, 100).map(float), st.floats(10.5, 100)),
    relevant_text=st.one_of(st.none(), text),
    name=st.one_of(st.none(), text),
)
beacons = st.builds(
    Beacon,
    proximity_uuid=st.uuids(),
    major=st.one_of(st.none(), st.integers(0, 65535)),
    minor=st.one_of(st.none(), st.integers(0, 65535)),
    relevant_text=st.one_of(st.none(), text),
    name=st.one_of(st.none(), text),
)
passes = st.builds(
    Pass,
    template=st.just(TEMPLATE),
    external_id=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
    holder=st.one_of(st.none(), st.builds(Holder, name=text)),
    fields=st.dictionaries(st.sampled_from(KEYS), field_values, max_size=4),
    barcode=st.one_of(
        st.none(),
        st.tuples(text, st.sampled_from(BarcodeFormat))
        # Code 128 draws only Latin-1 (walletpass.barcodes): other text is refused by the model
        .filter(lambda m: m[1] is not BarcodeFormat.CODE128 or max(map(ord, m[0])) <= 0xFF)
        .map(lambda m: Barcode(message=m[0], format=m[1])),
    ),
    locations=st.lists(locations, max_size=10),
    beacons=st.lists(beacons, max_size=10),
    group=st.one_of(st.none(), text),
    expires_at=st.one_of(st.none(), future),
)


def _emulate(emulator: PassEntryEmulator, request, token: str) -> VendorResponse:
    """Run a built request through the emulator in process and wrap its answer."""
    answer = emulator.handle(
        EmulatorRequest(
            request.method,
            "/" + request.path,
            {k: [v] for k, v in (request.query or {}).items()},
            {"authorization": f"Bearer {token}", "content-type": "application/json"},
            json.dumps(request.json).encode() if request.has_json else b"",
        )
    )
    assert answer.status == 200, answer.body
    return VendorResponse(
        status=answer.status,
        headers={k.lower(): v for k, v in answer.headers.items()},
        body=answer.body,
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(new_pass=passes, value_format=st.sampled_from(ValueFormat))
def test_round_trip_through_the_emulator(new_pass: Pass, value_format: ValueFormat) -> None:
    emulator = PassEntryEmulator(
        "k",
        [EmulatedTemplate(TEMPLATE, "Coffee Club", PassType.STORE_CARD, ("fullName", *KEYS))],
        rate_limit=10**6,
    )
    wallet = PassEntryProvider(
        api_key="k", base_url="http://127.0.0.1:9", field_value_format=value_format
    )
    assert vendor_problems(wallet, new_pass) == []
    prepared = wallet.prepare_create(new_pass)
    request = wallet.build_create(prepared)
    # The hook answers in PassEntry's terms, the core in the application's (holder restored).
    issued = wallet.present(wallet.parse_create(_emulate(emulator, request, "k"), prepared))
    assert issued.template == TEMPLATE
    assert issued.external_id == new_pass.external_id
    assert issued.status is PassStatus.ISSUED
    expected = {
        k: payloads.field_value(v, ValueFormat.PLAIN) for k, v in (new_pass.fields or {}).items()
    }
    assert issued.fields == expected
    assert issued.holder == new_pass.holder
    if new_pass.barcode is None:
        assert issued.barcode is None
    else:
        assert issued.barcode is not None
        assert (issued.barcode.message, issued.barcode.format) == (
            new_pass.barcode.message,
            new_pass.barcode.format,
        )
    if new_pass.expires_at is not None:
        assert issued.expires_at == new_pass.expires_at.replace(microsecond=0)
    fetched = _emulate(emulator, wallet.build_get(issued.id), "k")
    stored = emulator.stored(issued.id)
    assert [payloads.location_from_json(loc) for loc in stored.locations] == [
        payloads.location_from_json(payloads.location_json(loc)) for loc in new_pass.locations or []
    ]
    assert [payloads.beacon_from_json(b) for b in stored.beacons] == list(new_pass.beacons or [])
    assert stored.group_tag == new_pass.group
    assert wallet.present(wallet.parse_get(fetched, issued.id)).fields == expected


@given(location=locations)
def test_location_round_trip(location: Location) -> None:
    assert payloads.location_from_json(payloads.location_json(location)) == location


@given(beacon=beacons)
def test_beacon_round_trip(beacon: Beacon) -> None:
    assert payloads.beacon_from_json(payloads.beacon_json(beacon)) == beacon


@given(value=aware)
def test_datetimes_round_trip_in_utc_to_the_second(value: datetime) -> None:
    text_value = format_timestamp(value, TIMESTAMPS)
    assert text_value.endswith("Z") and len(text_value) == 20
    assert parse_timestamp(text_value) == value.replace(microsecond=0)


@given(value=field_values, value_format=st.sampled_from(ValueFormat))
def test_field_values_round_trip(value, value_format: ValueFormat) -> None:
    written = payloads.field_value(value, value_format)
    unwrapped = payloads.unwrap_value(written)
    assert isinstance(unwrapped, str)
    if isinstance(value, Decimal):
        assert Decimal(unwrapped) == value
    elif isinstance(value, int):
        assert int(unwrapped) == value
    elif isinstance(value, datetime):
        assert parse_timestamp(unwrapped) == value.replace(microsecond=0)
    else:
        assert unwrapped == value


@given(key=st.sampled_from(sorted(PASS_RESERVED_KEYS)), value=text)
def test_reserved_pass_keys_are_refused_as_fields(key: str, value: str) -> None:
    problems = vendor_problems(PassEntryProvider(), Pass(template=TEMPLATE, fields={key: value}))
    assert [p.location for p in problems] == [f"fields.{key}"]


@given(flag=st.booleans())
def test_booleans_are_refused_as_field_values(flag: bool) -> None:
    problems = vendor_problems(PassEntryProvider(), Pass(template=TEMPLATE, fields={"k0": flag}))
    assert [p.location for p in problems] == ["fields.k0"]


@pytest.mark.parametrize(
    ("key", "stamp"),
    [("createdAt", "soon"), ("expiresAt", "2026-02-30T00:00:00Z"), ("createdAt", 1772020800)],
)
def test_an_unreadable_answer_timestamp_is_invalid_response(wallet, emulator, tpl, key, stamp):
    from walletpass.errors import InvalidResponse
    from walletpass.testing.emulator import Fault

    issued = wallet.create(Pass(template=tpl["generic"]))
    answer = wallet.get(issued.id).raw
    answer["data"]["attributes"][key] = stamp
    emulator.inject(Fault.respond(200, answer), method="GET")
    with pytest.raises(InvalidResponse, match="timestamp"):
        wallet.get(issued.id)


def test_an_answer_timestamp_without_an_offset_is_utc(wallet, emulator, tpl) -> None:
    from walletpass.testing.emulator import Fault

    issued = wallet.create(Pass(template=tpl["generic"]))
    answer = wallet.get(issued.id).raw
    answer["data"]["attributes"]["createdAt"] = "2026-02-25T12:00:00"
    emulator.inject(Fault.respond(200, answer), method="GET")
    assert wallet.get(issued.id).created_at == datetime(2026, 2, 25, 12, tzinfo=UTC)


# ------------------------------------------------------------------------------------------
# Decoded answers (dicts) read as any other mapping is
# ------------------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["", "value", "issued", "active", "deactivated", "nullified", "extId"]),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_stamps = st.one_of(
    st.none(), st.sampled_from(["2027-03-01T08:00:00Z", "2027-12-31T23:59:59Z", "soon"]), _json
)
_field_value = st.one_of(
    _json,
    st.builds(lambda v: {"value": v}, _json),
    st.builds(lambda v, w: {"value": v, "x": w}, _json, _json),
)
_content = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(sorted(PASS_RESERVED_KEYS)), st.text(max_size=8)),
        _field_value,
        max_size=4,
    ),
    _json,
)
_barcodes = st.one_of(
    _json,
    st.fixed_dictionaries(
        {"enabled": st.one_of(st.booleans(), _json)},
        optional={
            "type": st.one_of(st.sampled_from([f.value for f in BarcodeFormat]), _json),
            "source": st.one_of(st.sampled_from(["custom", "extId", "uuid"]), _json),
            "value": st.one_of(text, _json),
        },
    ),
)
_sources = st.one_of(_json, st.fixed_dictionaries({"googleDownloadUrl": st.one_of(text, _json)}))
#: What the vendor's answer may hold anywhere (any JSON), beside what the model must read.
_free = {
    "passType": st.one_of(st.sampled_from([t.value for t in PassType]), _json),
    "passTemplateName": _json,
    "addedAt": _json,
    "removedAt": _json,
    "deviceType": _json,
    "groupTag": _json,
    "latestMessage": _json,
    "nfc": _json,
    "locations": _json,
    "beacons": _json,
    "passDesign": _json,
    "passSource": _sources,
    "barcode": _barcodes,
    "passContent": _content,
}
_statuses = st.sampled_from(["issued", "active", "removed", "deactivated", "nullified", "new"])
_good_stamps = st.one_of(
    st.none(), st.sampled_from(["2027-03-01T08:00:00Z", "2027-12-31T23:59:59Z"])
)
#: An answer the pass is read from (every typed attribute as the model takes it)...
_readable = st.fixed_dictionaries(
    {},
    optional={
        **_free,
        "status": _statuses,
        "passTemplateUuid": st.one_of(st.none(), st.just(TEMPLATE)),
        "extId": st.one_of(st.none(), text),
        "downloadUrl": st.one_of(st.none(), st.just("https://download.passentry.com?pass=p")),
        "createdAt": _good_stamps,
        "expiresAt": _good_stamps,
        "deactivatedAt": _good_stamps,
        "nullifiedAt": _good_stamps,
    },
)
#: ... and one that may be refused anywhere.
_odd = st.fixed_dictionaries(
    {},
    optional={
        **_free,
        "status": st.one_of(_statuses, _json),
        "passTemplateUuid": _json,
        "extId": st.one_of(text, _json),
        "downloadUrl": _json,
        "createdAt": st.one_of(_good_stamps, st.just("soon"), _json),
        "expiresAt": st.one_of(_good_stamps, _json),
        "deactivatedAt": st.one_of(_good_stamps, _json),
    },
)
_ids = st.one_of(st.just("6c1f9e2a-41d7-4f0e-9b8a-2d7c3e5f1a90"), text)
_answers = st.fixed_dictionaries(
    {
        "data": st.one_of(
            st.fixed_dictionaries(
                {"id": _ids, "attributes": _readable}, optional={"type": st.just("pass")}
            ),
            st.fixed_dictionaries(
                {"id": _ids, "attributes": _readable}, optional={"type": st.just("pass")}
            ),
            st.fixed_dictionaries(
                {}, optional={"id": st.one_of(_ids, _json), "attributes": st.one_of(_odd, _json)}
            ),
            _json,
        )
    },
    optional={
        "meta": st.one_of(
            _json,
            st.fixed_dictionaries(
                {"notifications": st.one_of(_json, st.dictionaries(st.text(max_size=8), _json))}
            ),
        )
    },
)


def _as_mappings(value: object) -> object:
    """``value`` with every dict a read-only mapping (not a dict): the general path."""
    from types import MappingProxyType

    if isinstance(value, dict):
        return MappingProxyType({k: _as_mappings(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_as_mappings(v) for v in value]
    return value


def _plain(value: object) -> object:
    """Mappings as dicts and models as their fields, to compare the two reads."""
    from collections.abc import Mapping

    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return (type(value).__name__, {k: _plain(v) for k, v in value.__dict__.items()})
    if isinstance(value, Mapping):
        return ("mapping", [(k, _plain(v)) for k, v in value.items()])  # (order kept)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read(answer: object, headers: dict[str, str]) -> object:
    try:
        issued = payloads.issued_from_resource(answer, provider="passentry", headers=headers)
    except Exception as exc:  # (the parse step makes any of them InvalidResponse)
        # (a message naming the odd value's type names the mapping the answer was read as)
        return ("raised", type(exc), str(exc).replace("mappingproxy", "dict"))
    return _plain(issued)


@settings(max_examples=400, deadline=None)
@given(
    answer=_answers,
    header=st.one_of(st.none(), st.sampled_from(["notDelivered", "delivered", ""])),
)
def test_a_decoded_answer_reads_as_any_mapping_does(answer: dict, header: str | None) -> None:
    """The dict fast paths (``type(x) is dict``) give exactly what the ``Mapping`` path gives:
    the same pass (fields, meta in its order, status, urls, barcode) or the same error."""
    headers = {} if header is None else {"x-notification-status": header}
    assert _read(answer, headers) == _read(_as_mappings(answer), headers)


#: The pass resource's attributes kept in meta under a name of walletpass's, in meta's order.
_META_AS_NAMED = {
    "status": "vendor_status",
    "passType": "pass_type",
    "passTemplateName": "template_name",
    "deviceType": "device_type",
    "groupTag": "group_tag",
    "latestMessage": "latest_message",
    "nfc": "nfc",
    "addedAt": "added_at",
    "removedAt": "removed_at",
    "deactivatedAt": "deactivated_at",
    "nullifiedAt": "nullified_at",
}


def _read_by_the_general_readers(answer: object, headers: dict[str, str]) -> object:
    """The pass as each part's own reader reads it (``status_of``, ``_barcode_of``,
    ``notification_of``, ``pass_source``, ``parse_timestamp`` of every value, null included),
    in the order the parse reads the parts: what the parse's shortcuts must equal."""
    from collections.abc import Mapping

    from walletpass.model import IssuedPass

    try:
        data = payloads.resource_of(answer)
        pass_id, attributes = data["id"], data["attributes"]
        content = attributes.get("passContent")
        fields = {
            key: payloads.unwrap_value(value)
            for key, value in (content.items() if isinstance(content, Mapping) else ())
            if key not in PASS_RESERVED_KEYS
        }
        source = payloads.pass_source(attributes)
        google = source.get("googleDownloadUrl") if source is not None else None
        pass_type = attributes.get("passType")
        meta = {
            name: attributes[key]
            for key, name in _META_AS_NAMED.items()
            if attributes.get(key) is not None
        }
        assert isinstance(answer, Mapping)
        notification = payloads.notification_of(headers, answer)
        if notification is not None:
            meta["notification"] = notification
        for name in ("locations", "beacons", "passDesign"):
            if attributes.get(name) is not None:
                meta[name] = attributes[name]
        issued = IssuedPass.model_validate(
            {
                "id": pass_id,
                "vendor_id": pass_id,
                "provider": "passentry",
                "template": attributes.get("passTemplateUuid"),
                "kind": payloads.KIND_PASS_TYPES.kind_of(
                    pass_type if isinstance(pass_type, str) else None
                ),
                "external_id": attributes.get("extId"),
                "status": payloads.status_of(attributes),
                "urls": {
                    "download": attributes.get("downloadUrl"),
                    "google": google if isinstance(google, str) else None,
                },
                "created_at": parse_timestamp(attributes.get("createdAt")),
                "expires_at": parse_timestamp(attributes.get("expiresAt")),
                "fields": fields,
                "barcode": payloads._barcode_of(pass_id, attributes),
                "meta": meta,
                "raw": answer,
            }
        )
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return _plain(issued), issued.model_fields_set


@settings(max_examples=400, deadline=None)
@given(
    answer=_answers,
    header=st.one_of(st.none(), st.sampled_from(["notDelivered", "delivered", ""])),
)
def test_the_parse_reads_each_part_as_its_own_reader_does(answer: dict, header: str | None) -> None:
    """The parse tells the parts most answers leave out (a null or empty barcode, no expiry,
    no notification, a status other than deactivated) without calling their readers: the same
    pass, or the same error, as reading every part with its reader."""
    _assert_read_as_the_general_readers_do(answer, header)


#: Attributes holding exactly the ones every answer carries (the parse's one-call read), each
#: as the model takes it or as any JSON, ...
_every_answered = st.fixed_dictionaries(
    {
        **dict.fromkeys(payloads._ANSWERED, _json),
        **{key: _free[key] for key in payloads._ANSWERED if key in _free},
        "status": st.one_of(_statuses, _json),
        "passTemplateUuid": st.one_of(st.none(), st.just(TEMPLATE), _json),
        "extId": st.one_of(st.none(), text, _json),
        "downloadUrl": st.one_of(st.none(), st.just("https://download.passentry.com?pass=p")),
        "createdAt": st.one_of(_good_stamps, _stamps),
        "expiresAt": st.one_of(_good_stamps, _stamps),
        "deactivatedAt": st.one_of(_good_stamps, _stamps),
    }
)


def _one_swapped(attributes: dict, index: int, key: str, value: object) -> dict:
    """``attributes`` with the one at ``index`` replaced by ``key`` (as many keys, where
    ``key`` is not one of them)."""
    swapped = dict(attributes)
    swapped.pop(list(swapped)[index % len(swapped)])
    swapped[key] = value
    return swapped


#: ... and attributes of every other shape: one swapped for another key (an occasional one, or
#: one PassEntry may add), occasional ones added, any subset, any keys.
_any_attributes = st.one_of(
    _every_answered,
    st.builds(
        _one_swapped,
        _every_answered,
        st.integers(0, 40),
        st.one_of(st.sampled_from(payloads._OCCASIONAL), st.text(max_size=6)),
        _json,
    ),
    st.builds(
        lambda attributes, more: {**attributes, **more},
        _every_answered,
        st.dictionaries(st.sampled_from(payloads._OCCASIONAL), _json, min_size=1),
    ),
    _readable,
    _odd,
    st.dictionaries(
        st.one_of(st.sampled_from(payloads._ATTRIBUTES_READ), st.text(max_size=6)),
        _json,
        max_size=24,
    ),
)


@settings(max_examples=400, deadline=None)
@given(attributes=_any_attributes)
def test_the_attributes_are_read_as_each_get_reads_them(attributes: dict) -> None:
    """The one-call read of an answer holding exactly the attributes every answer carries
    gives what a ``get`` of each attribute read gives, for any attributes (as a dict or as
    another mapping, which takes the ``get`` path)."""
    for read in (attributes, _as_mappings(attributes)):
        expected = tuple(read.get(key) for key in payloads._ATTRIBUTES_READ)  # type: ignore[union-attr]
        assert payloads._attribute_values(read) == expected  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(
    answer=st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {"id": _ids, "attributes": _any_attributes}, optional={"type": st.just("pass")}
            )
        },
        optional={"meta": _json},
    ),
    header=st.one_of(st.none(), st.sampled_from(["notDelivered", "delivered", ""])),
)
def test_an_answer_of_every_attribute_reads_as_its_parts_readers_do(
    answer: dict, header: str | None
) -> None:
    """An answer whose attributes are exactly those every answer carries (the parse's one-call
    read), or another shape, is read as each part's own reader reads it: the same pass and
    fields set, or the same error."""
    _assert_read_as_the_general_readers_do(answer, header)


@given(value=_field_value)
def test_a_field_value_unwraps_as_any_mapping_does(value: object) -> None:
    assert _plain(payloads.unwrap_value(value)) == _plain(
        payloads.unwrap_value(_as_mappings(value))
    )


class _Text(str):
    """Text that is not exactly ``str``: it takes the general path of ``field_value``."""


@given(value=st.text(max_size=40), value_format=st.sampled_from(ValueFormat))
def test_text_field_values_are_written_as_the_general_path_writes_them(
    value: str, value_format: ValueFormat
) -> None:
    written = payloads.field_value(value, value_format)
    assert written == payloads.field_value(_Text(value), value_format)
    text = written["value"] if value_format is ValueFormat.OBJECT else written
    assert type(text) is str


def _written(write: Callable[[object], Any], value: object) -> object:
    try:
        written = write(value)
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return written, type(written["value"] if isinstance(written, dict) else written)


@given(
    value=st.one_of(
        field_values,
        st.text(max_size=40),
        st.text(max_size=40).map(_Text),
        st.booleans(),
        st.floats(),
        st.dates(),
        st.none(),
        st.builds(lambda v: PassField(value=v), st.one_of(text, st.integers(), st.booleans())),
    ),
    value_format=st.sampled_from(ValueFormat),
)
def test_a_body_renders_field_values_as_field_value_does(
    value: object, value_format: ValueFormat
) -> None:
    """The renderer a body's build hands render_fields (text wrapped at once) writes every
    value, or refuses it with the same error, as field_value does."""
    render = payloads._FIELD_RENDERERS[value_format]
    assert _written(lambda v: render("k", v), value) == _written(
        lambda v: payloads.field_value(v, value_format), value
    )


_template_ids = st.sampled_from(["t0", "t1", "t2"])


@settings(max_examples=60, deadline=None)
@given(
    # (one alias per vendor template, as the settings require; some name a balance_field)
    aliases=st.lists(
        st.tuples(_template_ids, st.booleans()), max_size=3, unique_by=lambda a: a[0]
    ).map(
        lambda pairs: {
            f"logical-{template}": {"id": template, **({"balance_field": "points"} if read else {})}
            for template, read in pairs
        }
    ),
    template=st.one_of(st.none(), _template_ids),
)
def test_a_balance_is_read_exactly_where_the_pass_alias_names_one(aliases, template) -> None:
    """The read is skipped at once when no alias names a balance_field; else the pass's own
    alias (the general lookup) decides, as before the shortcut."""
    wallet = PassEntryProvider(
        api_key="pe-secret-token-123", base_url="http://127.0.0.1:9", templates=aliases
    )
    try:
        issued = payloads.issued_from_resource(
            {"data": {"id": "p-1", "attributes": {"passTemplateUuid": template}}},
            provider="passentry",
        )
        alias = wallet.mapping_for_vendor_template(template).alias
        expected = alias is not None and alias.balance_field is not None
        plan = wallet._plan_aliased_balance(issued)
        try:
            step = next(plan)
        except StopIteration as done:
            assert not expected and done.value is issued
        else:
            assert expected and step.request.path == "api/v1/loyalty/p-1"
        # get() as a whole: the read of the pass, then the balance's exactly where expected
        answer = {"data": {"id": "p-1", "attributes": {"passTemplateUuid": template}}}
        got = wallet.plan_get("p-1")
        assert next(got).request.path == "api/v1/passes/p-1"
        try:
            step = got.send(_response(answer))
        except StopIteration as done:
            assert not expected and done.value.vendor_id == "p-1"
        else:
            assert expected and step.request.path == "api/v1/loyalty/p-1"
    finally:
        wallet.close()


def _general_body(content: Pass | PassUpdate, value_format: ValueFormat) -> dict[str, Any]:
    """The body as the general path writes it, every part asked (what the build did before
    a pass or change that sets fields alone had a shortcut)."""
    from walletpass.extra import merge_extra

    update = isinstance(content, PassUpdate)
    body = payloads._body(
        content,
        external_id=None if update else content.external_id,
        value_format=value_format,
        set_fields=content.model_fields_set if update else frozenset(),
    )
    if update and content.message is not None:
        body["message"] = content.message
    return merge_extra(body, content.extra) if content.extra else body


def _body_or_error(build: Callable[[], object]) -> object:
    try:
        return build()
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def _or_none(model: Callable[..., object]) -> Callable[..., object]:
    """``model`` built from what was drawn, or ``None`` (the part left out) where the model
    itself refuses it: the draw is then still a pass or change to build a body of."""

    def build(**values: object) -> object:
        try:
            return model(**values)
        except ValidationError:
            return None

    return build


_odd_field_values = st.one_of(
    field_values,
    st.text(max_size=3000),  # (unicode, huge)
    st.text(max_size=10).map(_Text),
    st.booleans(),  # (refused: no PassEntry text)
    st.floats(),
    st.dates(),
    st.none(),
    st.builds(lambda v: PassField(value=v), st.one_of(text, st.integers(), st.booleans())),
)
# Each part either left out, set to a value or (an update) cleared with None.
_parts = {
    "fields": st.one_of(
        st.none(), st.dictionaries(st.text(min_size=1, max_size=8), _odd_field_values, max_size=4)
    ),
    # (a message the model refuses, e.g. an NFC one over 64 UTF-8 bytes, leaves the part out)
    "barcode": st.one_of(st.none(), st.builds(_or_none(Barcode), message=text)),
    "nfc": st.one_of(st.none(), st.builds(_or_none(Nfc), message=st.one_of(st.none(), text))),
    "locations": st.one_of(st.none(), st.lists(locations, max_size=2)),
    "beacons": st.one_of(st.none(), st.lists(beacons, max_size=2)),
    "group": st.one_of(st.none(), text),
    "expires_at": st.one_of(st.none(), future),
    "colors": st.one_of(st.none(), st.builds(Colors, background=st.just("#112233"))),
    "images": st.one_of(
        st.none(), st.just({}), st.just({"logo": {"url": "https://example.com/l.png"}})
    ),
    "extra": st.one_of(
        st.none(), st.just({}), st.dictionaries(st.sampled_from(["pass", "tags"]), _json_leaf)
    ),
}


@settings(max_examples=300, deadline=None)
@given(
    parts=st.fixed_dictionaries({}, optional=_parts),
    message=st.one_of(st.none(), text),
    external_id=st.one_of(st.none(), text),
    update=st.booleans(),
    value_format=st.sampled_from(ValueFormat),
)
def test_a_body_of_fields_alone_is_the_general_body(
    parts: dict[str, Any],
    message: str | None,
    external_id: str | None,
    update: bool,
    value_format: ValueFormat,
) -> None:
    """A pass or change that sets no part but its fields (most of them) has its body made
    without asking each part: the same body, or the same refusal, as the general path's, for
    any parts set, left out or cleared."""
    try:
        if update:
            content: Pass | PassUpdate = PassUpdate(
                **parts, **({} if message is None else {"message": message})
            )
        else:
            given = {k: v for k, v in parts.items() if v is not None}
            content = Pass(template=TEMPLATE, external_id=external_id, **given)
    except ValidationError:
        return  # (not a pass or change: nothing is built from it)
    if update:
        assert isinstance(content, PassUpdate)
        built = _body_or_error(lambda: payloads.update_body(content, value_format=value_format))
    else:
        assert isinstance(content, Pass)
        built = _body_or_error(lambda: payloads.create_body(content, value_format=value_format))
    assert built == _body_or_error(lambda: _general_body(content, value_format))


def _assert_read_as_the_general_readers_do(answer: dict, header: str | None) -> None:
    """The parse's pass and fields set, or its error, equal reading each part with its reader."""
    headers = {} if header is None else {"x-notification-status": header}
    try:
        issued = payloads.issued_from_resource(answer, provider="passentry", headers=headers)
    except Exception as exc:
        read: object = ("raised", type(exc), str(exc))
    else:
        read = (_plain(issued), issued.model_fields_set)
    assert read == _read_by_the_general_readers(answer, headers)
