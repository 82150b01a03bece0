"""Translation tests: the pure build/parse hooks, exact requests, and hypothesis round trips.

The round trip goes neutral Pass -> Pass2U JSON (build hook) -> the emulator's stored pass ->
pass.json inside a real .pkpass -> IssuedPass (parse hook), without HTTP, so hypothesis can run
many examples quickly.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_pass2u import Pass2UProvider, payloads
from walletpass_pass2u.emulator import EmulatedModel, ModelField, Pass2UEmulator
from walletpass_pass2u.limits import TIMESTAMPS, PassStyle, check_body
from walletpass_pass2u.pkpass import build_pkpass

from walletpass import Barcode, Beacon, Colors, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import FieldProblem, UnsupportedFeature, ValidationError
from walletpass.model import BarcodeFormat, Color, ImageRef, PassField, PassStatus
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorRequest
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass.transport import VendorRequest, VendorResponse

KEYS = ("k0", "k1", "k2", "k3")
HEADERS = {
    "x-api-key": "test-key",
    "content-type": "application/json",
    "accept": "application/json",
}

offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    offsets,
)
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s != "")
field_values = st.one_of(
    text,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**6, min_value=-(10**6)
    ),
    aware,
)
colors = st.builds(Color, *(st.integers(0, 255) for _ in range(3)))
locations = st.builds(
    Location,
    latitude=st.floats(-90, 90, allow_nan=False),
    longitude=st.floats(-180, 180, allow_nan=False),
    altitude=st.none() | st.floats(-400, 9000, allow_nan=False),
    relevant_text=st.none() | text,
)
beacons = st.builds(
    Beacon,
    proximity_uuid=st.uuids(),
    major=st.none() | st.integers(0, 65535),
    minor=st.none() | st.integers(0, 65535),
    relevant_text=st.none() | text,
)
passes = st.builds(
    Pass,
    template=st.just("9000"),
    holder=st.none() | st.builds(Holder, name=text),
    fields=st.dictionaries(st.sampled_from(KEYS), field_values, max_size=4),
    barcode=st.none()
    | st.builds(Barcode, message=text, alt_text=st.none() | text.filter(lambda s: len(s) <= 35)),
    expires_at=st.none() | aware,
    relevant_at=st.none() | aware,
    colors=st.none() | st.builds(Colors, background=colors, foreground=colors, label=colors),
    logo_text=st.none() | text.filter(lambda s: len(s) <= 35),
    locations=st.none() | st.lists(locations, max_size=10),
    beacons=st.none() | st.lists(beacons, max_size=10),
)


def _emulator() -> Pass2UEmulator:
    model = EmulatedModel("9000", PassStyle.GENERIC, tuple(ModelField(k) for k in ("name", *KEYS)))
    return Pass2UEmulator("test-key", [model])


def _expected_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new_pass=passes)
def test_round_trip_neutral_to_pass2u_to_pass_json_to_issued_pass(new_pass: Pass) -> None:
    # The core keeps the holder in the model's "name" field (holder_name_field) both ways.
    provider = Pass2UProvider(api_key="test-key")
    body, tag = payloads.create_body(provider.prepare_create(new_pass))
    assert tag is None
    assert check_body(body) == []

    app = _emulator()
    created = app.handle(
        EmulatorRequest("POST", "/models/9000/passes", {}, HEADERS, json.dumps(body).encode())
    )
    assert created.status == 200, created.body
    pass_id = json.loads(created.body)["passId"]
    pkpass = app.handle(
        EmulatorRequest(
            "GET",
            f"/models/9000/passes/{pass_id}",
            {},
            {"x-api-key": "test-key", "accept": "application/vnd.apple.pkpass"},
            b"",
        )
    )
    assert pkpass.status == 200
    issued = provider.present(
        provider.parse_get(
            VendorResponse(200, {}, pkpass.body), payloads.encode_id("9000", pass_id)
        )
    )

    assert issued.id == f"9000.{pass_id}"
    for key, value in (new_pass.fields or {}).items():
        if value == "":
            assert key not in issued.fields  # empty text: no value, absent on every provider
            continue
        assert issued.fields[key] == _expected_value(value)
    for key in set(KEYS) - set(new_pass.fields or {}):
        assert key not in issued.fields  # the model's empty default: no value
    assert "name" not in issued.fields
    name = new_pass.holder.name if new_pass.holder else None
    assert (issued.holder.name if issued.holder else None) == name
    if new_pass.barcode is None:
        assert issued.barcode is None
    else:
        assert issued.barcode is not None
        assert issued.barcode.message == new_pass.barcode.message
        assert issued.barcode.alt_text == new_pass.barcode.alt_text
    if new_pass.expires_at is not None:
        assert issued.expires_at == new_pass.expires_at.replace(microsecond=0)
        expired = issued.expires_at <= datetime.now(UTC)
        assert issued.status is (PassStatus.EXPIRED if expired else PassStatus.ISSUED)
    else:
        assert issued.status is PassStatus.ISSUED
    if new_pass.colors is not None:
        assert issued.raw["backgroundColor"] == new_pass.colors.background.css_rgb
        assert issued.raw["labelColor"] == new_pass.colors.label.css_rgb
    if new_pass.locations is not None:
        assert len(issued.raw.get("locations", [])) == len(new_pass.locations)
    if new_pass.relevant_at is not None:
        assert issued.meta["relevant_at"] == format_timestamp(new_pass.relevant_at, TIMESTAMPS)


@given(value=aware)
def test_dates_have_seconds_and_offset(value: datetime) -> None:
    rendered = format_timestamp(value, TIMESTAMPS)
    assert check_body({"expirationDate": rendered}) == []
    assert parse_timestamp(rendered) == value.replace(microsecond=0)


@given(color=colors)
def test_colours_are_css_rgb_within_the_length_limit(color: Color) -> None:
    body, _ = payloads.create_body(
        Pass(template="1", colors=Colors(background=color, foreground=color, label=color))
    )
    assert body["backgroundColor"] == f"rgb({color.red}, {color.green}, {color.blue})"
    assert check_body(body) == []


@given(
    model=st.from_regex(r"[0-9A-Za-z_-]{1,20}", fullmatch=True),
    # (a pass id "." or ".." cannot be a path segment: decode_id refuses it, tested below)
    vendor=st.from_regex(r"[0-9A-Za-z_.-]{1,30}", fullmatch=True).filter(
        lambda v: v not in (".", "..")
    ),
)
def test_ids_round_trip(model: str, vendor: str) -> None:
    assert payloads.decode_id(payloads.encode_id(model, vendor)) == (model, vendor)


_OPAQUE_IDS = st.one_of(
    st.builds(
        payloads.encode_id,
        st.from_regex(r"[0-9A-Za-z_-]{1,20}", fullmatch=True),
        st.from_regex(r"[0-9A-Za-z_.é%~-]{1,30}", fullmatch=True),
    ),
    st.text(max_size=12),
    st.sampled_from(["1919.", "1919..", "1919...", "a\n.b", "1.b\n", "1.x/y", "é.ü", "1.%41"]),
)


def _path_or_error(make, pass_id: str) -> object:
    try:
        return make(pass_id)
    except Exception as exc:  # the same error either way
        return (type(exc), str(exc))


@given(pass_ids=st.lists(_OPAQUE_IDS, min_size=1, max_size=4))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_passs_path_from_memory_is_the_one_filled_from_its_id(pass_ids) -> None:
    """The path of a pass as the provider addresses it (remembered after the first time) is
    what decoding its id and filling the path template makes, or the same refusal, each time."""
    from walletpass_pass2u import provider as module

    from walletpass.paths import fill_path

    wallet = Pass2UProvider(api_key="k" * 32, base_url="http://127.0.0.1:9")

    def filled(pass_id: str) -> object:
        model_id, vendor_id = wallet.decode_id(pass_id)
        return fill_path(module._PASS_PATH, modelId=model_id, passId=vendor_id)

    for pass_id in [*pass_ids, *pass_ids]:  # (the second time from memory)
        expected = _path_or_error(filled, pass_id)
        assert _path_or_error(wallet._pass_path, pass_id) == expected
        assert _path_or_error(lambda i: wallet.build_get(i).path, pass_id) == _path_or_error(
            lambda i: filled(i)[0], pass_id
        )
        assert _path_or_error(_fields_of(wallet.build_get), pass_id) == _path_or_error(
            _fields_of(lambda i: _download(*filled(i))), pass_id
        )
        assert _path_or_error(lambda i: module._address(wallet, i)[:2], pass_id) == (
            _path_or_error(wallet.decode_id, pass_id)
        )
    assert len(module._addresses) <= module._REMEMBERED


def _download(path: str, template: str) -> VendorRequest:
    """The .pkpass download of the pass at ``path``, made anew."""
    return VendorRequest(
        "GET",
        path,
        Safety.SAFE,
        headers={"Accept": "application/vnd.apple.pkpass"},
        expect="bytes",
        path_template=template,
    )


def _fields_of(make):
    """``make(i)``'s request as the values of its fields, to compare one made anew with one
    from memory."""
    return lambda i: {name: getattr(make(i), name) for name in VendorRequest.__slots__}


@given(
    templates=st.lists(
        st.one_of(
            st.from_regex(r"[0-9A-Za-z_é%~-]{1,10}", fullmatch=True),
            st.text(min_size=1, max_size=8),
            st.sampled_from(["1919", "a.b", "a/b", "x" * 65, "1\n", "é", "%41", "a b"]),
        ),
        min_size=1,
        max_size=4,
    ),
    value=st.sampled_from(["v", 1.5, True]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_create_path_from_memory_is_the_one_filled_from_its_model_id(templates, value) -> None:
    """The path a create posts to (remembered after the first time) is its model's path as
    filled from the template, and a template that cannot be a model id is refused the same
    way (before the body's own refusal of a value Pass2U has no form for), each time."""
    from walletpass.paths import fill_path

    wallet = Pass2UProvider(api_key="k" * 32, base_url="http://127.0.0.1:9")

    def general(template: str) -> object:
        problem = payloads.model_id_problem(template)
        if problem:
            raise ValidationError.from_problems([FieldProblem("template", problem)])
        payloads.create_body(Pass(template=template, fields={"f": value}))
        return fill_path("models/{modelId}/passes", modelId=template).path

    for template in [*templates, *templates]:  # (the second time from memory)
        new_pass = Pass(template=template, fields={"f": value})
        assert _path_or_error(lambda t, p=new_pass: wallet.build_create(p).path, template) == (
            _path_or_error(general, template)
        )


def test_the_remembered_paths_are_bounded_and_shared_safely_by_threads() -> None:
    """Ids beyond the memory's size clear it, never grow it past it; threads addressing their
    own passes at once each get their own pass's path."""
    from concurrent.futures import ThreadPoolExecutor

    from walletpass_pass2u import provider as module

    wallet = Pass2UProvider(api_key="k" * 32, base_url="http://127.0.0.1:9")
    count = module._REMEMBERED * 3

    def address(n: int) -> tuple[int, str]:
        return n, wallet._pass_path(payloads.encode_id(str(n % 7), f"P-{n}")).path

    def sizes(n: int) -> tuple[int, str, int]:
        # (the size read in the thread that inserted, just after: between two threads' checks
        # and inserts is where a bound is lost)
        number, path = address(n)
        return number, path, len(module._addresses)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switched as often as the interpreter can
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n, path, size in pool.map(sizes, range(count)):
                assert path == f"models/{n % 7}/passes/P-{n}"
                assert size <= module._REMEMBERED
    finally:
        sys.setswitchinterval(switch_interval)


@pytest.mark.parametrize(
    "bad",
    [
        "1919",
        ".VT-1",
        "1919.",
        "a/b.VT-1",
        "1919.VT/1",
        "1919.VT 1",
        "19%20.x",
        "1919..",
        "1919...",
    ],
)
def test_malformed_ids_are_refused_locally(offline, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        offline.get(bad)
    assert "pass_id" in caught.value.fields


def test_build_create_exact_request(offline) -> None:
    new_pass = offline.prepare_create(
        Pass(
            template="1919",
            holder=Holder(first_name="Ada", last_name="Lovelace"),
            fields={
                "level": PassField(value="GOLD", label="Tier"),
                "points": 120,
                "balance": Decimal("12.50"),
                "since": datetime(2027, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
            },
            beacons=[Beacon(proximity_uuid=uuid.UUID(int=1), major=1, minor=2)],
            locations=[Location(latitude=1.5, longitude=2.5, altitude=30.0)],
            images={"logo": ImageRef(id="ab12")},
            logo_text="Club",
            description="Members",
            organization_name="Bistro",
            relevant_at=datetime(2027, 6, 1, 12, 0, tzinfo=UTC),
            extra={"utm_source": "newsletter", "barcode": {"altText": "x"}, "passcode": "9"},
            barcode=Barcode(message="M-1"),
        )
    )
    request = offline.build_create(new_pass)
    assert (request.method, request.path, request.safety) == (
        "POST",
        "models/1919/passes",
        Safety.UNSAFE,
    )
    assert request.query == {"utm_source": "newsletter"}
    assert request.headers == {"Accept": "application/json"}
    assert request.path_template == "models/{modelId}/passes"
    assert request.json == {
        "relevantDate": "2027-06-01T12:00:00+00:00",
        "logoText": "Club",
        "description": "Members",
        "organizationName": "Bistro",
        "barcode": {"message": "M-1", "altText": "x"},
        "fields": [
            {"key": "level", "label": "Tier", "value": "GOLD"},
            {"key": "points", "value": 120},
            {"key": "balance", "value": "12.50"},
            {"key": "since", "value": "2027-01-02T03:04:05+00:00"},
            {"key": "name", "value": "Ada Lovelace"},
        ],
        "images": [{"type": "logo", "hex": "ab12"}],
        "beacons": [
            {"proximityUUID": "00000000-0000-0000-0000-000000000001", "major": 1, "minor": 2}
        ],
        "locations": [{"latitude": 1.5, "longitude": 2.5, "altitude": 30.0}],
        "passcode": "9",
    }


def test_utm_source_setting_goes_to_the_query(connect) -> None:
    wallet = connect(utm_source="website")
    request = wallet.build_create(wallet.prepare_create(Pass(template="1919")))
    assert request.query == {"utm_source": "website"}
    overridden = wallet.prepare_create(Pass(template="1919", extra={"utm_source": "app"}))
    assert wallet.build_create(overridden).query == {"utm_source": "app"}
    assert wallet.build_create(overridden).json == {}


def test_holder_field_setting_renames_the_holder_field(connect) -> None:
    wallet = connect(holder_name_field="member")
    request = wallet.build_create(
        wallet.prepare_create(Pass(template="1", holder=Holder(name="Ada")))
    )
    assert request.json == {"fields": [{"key": "member", "value": "Ada"}]}
    for off in (None, "none", "None", "NONE"):
        none = connect(holder_name_field=off)
        with pytest.raises(UnsupportedFeature, match=r"holder\.name only in a template field"):
            none.create(Pass(template="1919", holder=Holder(name="Ada")))
    # A template alias names the field where the setting names none.
    aliased = connect(
        holder_name_field="none",
        templates={"card": {"id": "1", "attributes": {"holder.name": "n"}}},
    )
    request = aliased.build_create(
        aliased.prepare_create(Pass(template="card", holder=Holder(name="Ada")))
    )
    assert request.json == {"fields": [{"key": "n", "value": "Ada"}]}


def test_build_get_downloads_the_pkpass(offline) -> None:
    request = offline.build_get("1919.VT-2I77F5ADz")
    assert (request.method, request.path, request.safety, request.expect) == (
        "GET",
        "models/1919/passes/VT-2I77F5ADz",
        Safety.SAFE,
        "bytes",
    )
    assert request.headers == {"Accept": "application/vnd.apple.pkpass"}
    assert request.path_template == "models/{modelId}/passes/{passId}"


def test_build_update_message_becomes_change_message(offline) -> None:
    pass_id, change = offline.prepare_update(
        "1919.P-1", PassUpdate(fields={"seat": "14C"}, message="Your seat changed")
    )
    request = offline.build_update(pass_id, change)
    assert (request.method, request.path, request.safety) == (
        "PUT",
        "models/1919/passes/P-1",
        Safety.IDEMPOTENT,
    )
    assert request.json == {
        "fields": [{"key": "seat", "value": "14C", "changeMessage": "Your seat changed: %@"}]
    }
    _, named = offline.prepare_update(
        "1919.P-1", PassUpdate(holder=Holder(name="Ada"), message="Hi %@")
    )
    assert offline.build_update(pass_id, named).json == {
        "fields": [{"key": "name", "value": "Ada", "changeMessage": "Hi %@"}]
    }


def test_a_message_beside_two_fields_is_refused_not_sent_twice(offline) -> None:
    # One alert per changed field would be two notifications for one message.
    for message in ("Your seat changed", "Now %@"):
        with pytest.raises(ValidationError, match=r"fields\.seat, holder\.name"):
            offline.prepare_update(
                "1919.P-1",
                PassUpdate(fields={"seat": "14C"}, holder=Holder(name="Ada"), message=message),
            )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Now %@", "Now %@"),
        ("Level changed", "Level changed: %@"),
        ("Level:", "Level: %@"),
        ("Upgraded!", "Upgraded! %@"),
    ],
)
def test_change_message_gets_the_escape_when_missing(message: str, expected: str) -> None:
    assert payloads.change_message(message) == expected


def test_build_resets_for_cleared_values(offline) -> None:
    # The holder lives in a dynamic field: clearing it is refused (reset_field() resets it).
    with pytest.raises(ValidationError, match="cannot be cleared") as caught:
        offline.prepare_update("1919.P-1", PassUpdate(holder=None, fields={"a": "b"}))
    assert "holder" in caught.value.fields
    with pytest.raises(ValidationError, match="reset_field") as caught:
        offline.prepare_update("1919.P-1", PassUpdate(holder=None))
    pass_id, change = offline.prepare_update(
        "1919.P-1", PassUpdate(logo_text=None, colors=None, fields={"a": "b"})
    )
    assert offline.build_update(pass_id, change).json == {"fields": [{"key": "a", "value": "b"}]}
    resets = offline.build_resets(pass_id, change)
    assert [(r.method, r.path, r.safety) for r in resets] == [
        ("DELETE", "models/1919/passes/P-1/attributes/backgroundColor", Safety.IDEMPOTENT),
        ("DELETE", "models/1919/passes/P-1/attributes/foregroundColor", Safety.IDEMPOTENT),
        ("DELETE", "models/1919/passes/P-1/attributes/labelColor", Safety.IDEMPOTENT),
        ("DELETE", "models/1919/passes/P-1/attributes/logoText", Safety.IDEMPOTENT),
    ]
    assert resets[3].path_template == (
        "models/{modelId}/passes/{passId}/attributes/{attributeName}"
    )


def test_build_redeem(offline) -> None:
    redeem = offline.build_redeem("1919.P-1", None, {})
    assert (redeem.method, redeem.path, redeem.json) == (
        "PUT",
        "models/1919/passes/P-1",
        {"voided": True},
    )


def test_build_upload_image(offline, png) -> None:
    data = png(10, 10)
    request = offline.build_upload_image(data)
    assert (request.method, request.path, request.data) == ("POST", "images", data)
    assert request.headers == {"Content-Type": "image/png", "Accept": "application/json"}
    assert not request.has_json


def test_parse_pass_json_reads_every_area_and_state(offline) -> None:
    pass_json = {
        "voided": True,
        "expirationDate": "2099-01-01T00:00:00+08:00",
        "relevantDate": "2098-01-01T00:00:00Z",
        "barcodes": [{"format": "PKBarcodeFormatPDF417", "message": "B-1", "altText": "B 1"}],
        "eventTicket": {
            "headerFields": [{"key": "gate", "label": "Gate", "value": "C"}],
            "primaryFields": [{"key": "name", "value": "Ada"}],
            "backFields": [{"key": "terms", "value": 3}],
        },
    }
    parsed = offline.parse_get(VendorResponse(200, {}, build_pkpass(pass_json)), "3001.X-1")
    # The hook answers in Pass2U's terms: the holder's field is a plain field...
    assert parsed.fields == {"gate": "C", "name": "Ada", "terms": 3}
    assert parsed.holder is None and parsed.template == "3001"
    # ...and the core restores it (holder_name_field "name").
    issued = offline.present(parsed)
    assert issued.status is PassStatus.VOIDED
    assert issued.kind is PassKind.EVENT_TICKET
    assert issued.fields == {"gate": "C", "terms": 3}
    assert issued.holder is not None and issued.holder.name == "Ada"
    assert issued.barcode is not None
    assert (issued.barcode.message, issued.barcode.format.value, issued.barcode.alt_text) == (
        "B-1",
        "pdf417",
        "B 1",
    )
    assert issued.meta["labels"] == {"gate": "Gate"}
    assert issued.meta["style"] == "eventTicket"


# Named ids: the cut archive's bytes hold its build time, and test ids must not change between
# two collections (pytest-xdist collects once per process and refuses ids that differ).
@pytest.mark.parametrize(
    "body",
    [b"not a zip", b"PK\x03\x04broken", build_pkpass({"a": 1})[:40]],
    ids=["not-a-zip", "broken-header", "truncated-archive"],
)
def test_unreadable_pkpass_is_invalid_response(offline, body: bytes) -> None:
    from walletpass.errors import InvalidResponse

    with pytest.raises(InvalidResponse):
        offline.parse(offline.parse_get, VendorResponse(200, {}, body), "1919.X-1")


def test_error_paths_name_neutral_fields() -> None:
    body = {
        "logoText": "x",
        "fields": [{"key": "name", "value": "v"}, {"key": "seat", "label": "L", "value": "v"}],
        "locations": [{"latitude": 1, "longitude": 2, "relevantText": "t"}],
        "images": [{"type": "strip", "hex": "zz"}],
        "passcode": "p",
    }
    path = payloads.neutral_path
    assert path("logoText", body) == "logo_text"
    assert path("fields[0].value", body) == "fields.name"
    assert path("fields[1].label", body) == "fields.seat.label"
    assert path("fields[1].changeMessage", body) == "message"
    assert path("locations[0].relevantText", body) == "locations.0.relevant_text"
    assert path("images[0].hex", body) == "images.strip"
    assert path("passcode", body) == "extra.passcode"
    assert path("logoText", body, extra={"logoText": "y"}) == "extra.logoText"
    assert path("barcode.altText", body) == "barcode.alt_text"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    pass_json=st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    others=st.dictionaries(
        st.from_regex(r"[a-z0-9_-]{1,10}(@2x)?\.png", fullmatch=True),
        st.binary(max_size=40),
        max_size=3,
    ),
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_pass_json_is_read_from_among_the_archives_files(pass_json, others) -> None:
    from walletpass_pass2u.pkpass import read_pass_json, read_pkpass

    data = build_pkpass(pass_json, others)
    assert read_pass_json(data) == pass_json
    assert json.loads(read_pkpass(data)["pass.json"]) == pass_json


def test_a_pkpass_without_pass_json_or_with_two_is_read_as_zipfile_finds_it() -> None:
    import io
    import zipfile

    from walletpass_pass2u.pkpass import read_pass_json

    def archive(*entries: tuple[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name, data in entries:
                out.writestr(name, data)
        return buffer.getvalue()

    with pytest.raises(ValueError, match=r"no pass\.json"):
        read_pass_json(archive(("icon.png", b"x"), ("Pass.json", b"{}")))
    # A name given twice: the archive's last entry of that name (zipfile's own lookup).
    twice = archive(("pass.json", b'{"n": 1}'), ("icon.png", b"x"), ("pass.json", b'{"n": 2}'))
    assert read_pass_json(twice) == {"n": 2}
    with pytest.raises(ValueError, match="not a JSON object"):
        read_pass_json(archive(("pass.json", b"[1]")))


_ODD = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
_TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0x80), min_size=1, max_size=30),
    st.integers(min_value=250, max_value=260).map(lambda n: "é" * n),
    st.integers(min_value=7085, max_value=7095).map(lambda n: "x" * n),
    # (a lone surrogate: JSON decodes "\ud800" to one; it is not Unicode, and a str field's
    # validation refuses it where model_construct keeps it)
    st.builds(
        lambda before, surrogate, after: before + surrogate + after,
        st.text(max_size=5),
        st.characters(categories=["Cs"]),
        st.text(max_size=5),
    ),
)


def _both_ways(parse):
    """``parse()``'s pass (or its error's type and text), made as it is and the general way:
    every reported barcode made unvalidated (model_construct), then validated with the pass."""

    def outcome() -> object:
        try:
            return parse()
        except Exception as exc:  # the same error, from either way
            return (type(exc), str(exc))

    fast = outcome()
    with mock.patch.object(
        payloads,
        "_reported_barcode",
        lambda m, f, a: Barcode.model_construct(message=m, format=f, alt_text=a),
    ):
        general = outcome()
    assert type(fast) is type(general)
    assert fast == general
    if isinstance(general, tuple) or general.barcode is None:
        return
    assert type(fast.barcode) is Barcode
    assert [type(v) for v in fast.barcode.__dict__.values()] == [
        type(v) for v in general.barcode.__dict__.values()
    ]
    assert fast.barcode.model_fields_set == general.barcode.model_fields_set


@given(
    message=st.one_of(_TEXTS, _ODD),
    alt=st.one_of(_TEXTS, _ODD),
    # (a format's text, not a BarcodeFormat: not what the provider passes, but the function's)
    barcode_format=st.one_of(st.none(), st.sampled_from([*BarcodeFormat, "qr"])),
    sent_barcode=st.booleans(),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_written_passs_barcode_is_the_one_model_construct_makes(
    message, alt, barcode_format, sent_barcode
) -> None:
    answer = {
        "passId": "P-1",
        "createdTime": "2026-01-02T03:04:05+08:00",
        "barcodeMessage": message,
    }
    sent = {"barcode": {"message": "m", "altText": alt}} if sent_barcode else {}
    _both_ways(
        lambda: payloads.issued_from_answer(
            answer,
            provider="pass2u",
            model_id="1919",
            now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
            sent=sent,
            barcode_format=barcode_format,
        )
    )


@given(
    message=st.one_of(_TEXTS, _ODD),
    alt=st.one_of(_TEXTS, _ODD),
    symbology=st.one_of(
        st.sampled_from(["PKBarcodeFormatQR", "PKBarcodeFormatPDF417", "PKBarcodeFormatAztec"]),
        st.sampled_from(["PKBarcodeFormatCode128", "EAN13"]),
        _ODD,
    ),
    where=st.sampled_from(["barcodes", "barcode"]),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_read_passs_barcode_is_the_one_model_construct_makes(
    message, alt, symbology, where
) -> None:
    raw = {"message": message, "format": symbology, "altText": alt}
    pass_json = {
        where: [raw] if where == "barcodes" else raw,
        "storeCard": {"primaryFields": [{"key": "points", "value": 5}]},
    }
    _both_ways(
        lambda: payloads.issued_from_pass_json(
            pass_json,
            provider="pass2u",
            model_id="1919",
            pass_id="P-1",
            now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        )
    )


class _Str(str):
    """A key or label of a str subclass (no JSON decoder makes one; a caller's mapping may)."""


class _Entry(dict):  # type: ignore[type-arg]
    """An entry of a dict subclass."""


_ENTRY_TEXT = st.one_of(st.text(max_size=6), st.builds(_Str, st.text(max_size=6)))
_ENTRY_ODD = st.one_of(st.none(), st.integers(), st.booleans(), st.lists(st.text(), max_size=1))
_ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "key": st.one_of(_ENTRY_TEXT, _ENTRY_ODD),
        "value": st.one_of(_ENTRY_TEXT, _ENTRY_ODD),
        "label": st.one_of(_ENTRY_TEXT, _ENTRY_ODD),
    },
)
_ENTRIES = st.one_of(
    st.none(),
    st.sampled_from(["", 0, [], {}]),
    st.text(max_size=3),
    st.lists(
        st.one_of(
            _ENTRY,
            _ENTRY.map(_Entry),
            _ENTRY.map(MappingProxyType),
            _ENTRY_ODD,
            st.text(max_size=2),
        ),
        max_size=4,
    ),
)


def _walked(areas: object) -> tuple[dict[str, object], dict[str, str]]:
    """The fields and labels of a style's areas as the plain isinstance tests read them."""
    fields: dict[str, object] = {}
    labels: dict[str, str] = {}
    for area in payloads.FIELD_AREAS:
        for entry in areas.get(area) or ():  # type: ignore[attr-defined]
            if isinstance(entry, dict | Mapping):
                key = entry.get("key")
                if isinstance(key, str):
                    fields[key] = entry.get("value")
                    label = entry.get("label")
                    if isinstance(label, str):
                        labels[key] = label
    return fields, labels


@given(
    areas=st.dictionaries(
        st.sampled_from([*payloads.FIELD_AREAS, "transitType", "other"]), _ENTRIES, max_size=6
    )
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_read_passs_fields_and_labels_are_each_text_keyed_entry_in_passkits_order(
    areas,
) -> None:
    """The walk of a pass.json's areas (exact dicts and text tested first, an empty area
    skipped) reads the fields and labels the plain isinstance tests read, in the same order,
    whatever the entries are (odd types, str and dict subclasses, other mappings), or fails
    with the same error."""

    def read() -> object:
        issued = payloads.issued_from_pass_json(
            {"generic": areas},
            provider="pass2u",
            model_id="1919",
            pass_id="P-1",
            now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        )
        return list(issued.fields.items()), list(issued.meta["labels"].items())

    def plain() -> object:
        fields, labels = _walked(areas)
        return list(fields.items()), list(labels.items())

    assert _path_or_error(lambda _: read(), "") == _path_or_error(lambda _: plain(), "")


@given(
    pass_id=st.one_of(
        st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=20),
        st.sampled_from(["{pass_id}", "{}", "{{x}}", "VT-2I77F5ADz", "é"]),
    )
)
def test_a_passs_download_link_is_the_documented_address_with_its_id(pass_id) -> None:
    """The link every answer reports is joined to the address's part before the id: the same
    text as filling PUBLIC_DOWNLOAD_URL's placeholder (braces in an id included)."""
    from walletpass_pass2u.limits import PUBLIC_DOWNLOAD_URL

    expected = PUBLIC_DOWNLOAD_URL.format(pass_id=pass_id)
    assert payloads.public_urls(pass_id).download == expected
    pass_json = {"generic": {}}
    read = payloads.issued_from_pass_json(
        pass_json, provider="pass2u", model_id="1", pass_id=pass_id, now=lambda: datetime.now(UTC)
    )
    assert read.urls.download == expected


@given(value=st.one_of(st.text(), _TEXTS))
def test_a_text_field_value_is_sent_as_it_is(value) -> None:
    """field_value's first test (exact text, returned before the isinstance chain) gives what
    the chain gives text: the value itself."""
    assert payloads.field_value(value) is value
    assert payloads.field_value(PassField(value=value)) is value


@given(
    raw=st.one_of(
        st.binary(max_size=12),
        st.text(max_size=8).map(lambda t: json.dumps(t).encode()),
    ),
    mark=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"]),
)
def test_pass_json_is_read_as_utf_8_with_an_optional_byte_order_mark(raw, mark) -> None:
    """The codec read_pass_json picks for pass.json (utf-8, or utf-8-sig where the mark is)
    reads every byte string as utf-8-sig does: the same text or the same error."""
    from walletpass_pass2u.pkpass import _encoding

    def decoded(codec: str) -> object:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError as exc:
            return (type(exc), str(exc))

    raw = mark + raw
    assert decoded(_encoding(raw)) == decoded("utf-8-sig")


def _broken(text: str, where: str, line_break: str) -> str:
    """``text`` with ``line_break`` at its end or in its middle."""
    if where == "end":
        return text + line_break
    return text[:1] + line_break + text[1:]


_LINE_BREAKS = {
    "where": st.sampled_from(["end", "middle"]),
    "line_break": st.sampled_from(["\n", "\r\n"]),
}


@given(
    model=st.from_regex(r"[0-9A-Za-z_-]{2,20}", fullmatch=True),
    vendor=st.from_regex(r"[0-9A-Za-z_-]{2,30}", fullmatch=True),
    **_LINE_BREAKS,
)
def test_an_id_with_a_line_break_is_refused_as_any_other_id_that_is_not_one(
    model: str, vendor: str, where: str, line_break: str
) -> None:
    """A model id, a pass id or an opaque id with a line break (a final one included, which a
    ``$`` would have let through) is refused with the words any other malformed one gets."""
    assert payloads.model_id_problem(model) is None
    assert payloads.model_id_problem(_broken(model, where, line_break)) == (
        payloads.model_id_problem("19 19")
    )
    refusal = _path_or_error(payloads.decode_id, "19 19.x")
    assert refusal[0] is ValueError  # type: ignore[index]
    for opaque in (
        payloads.encode_id(_broken(model, where, line_break), vendor),
        payloads.encode_id(model, _broken(vendor, where, line_break)),
    ):
        assert _path_or_error(payloads.decode_id, opaque) == refusal
    with pytest.raises(ValueError, match="is not a usable Pass2U pass id"):
        payloads.issued_from_answer(
            {"passId": _broken(vendor, where, line_break)},
            provider="pass2u",
            model_id=model,
            now=lambda: datetime.now(UTC),
            sent={},
        )
