"""The neutral model's declarative rules: what every vendor refuses is refused before any provider.

Each rule is checked at its boundary (the last accepted value and the first refused one) and then,
with hypothesis, over whole ranges: every refusal is walletpass's ``ValidationError`` (never
pydantic's) and names the offending field by its dotted path, so an application can show it next
to the right input.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from walletpass import (
    Barcode,
    BarcodeFormat,
    Beacon,
    Color,
    Colors,
    Event,
    Holder,
    Location,
    Pass,
    PassField,
    PassUpdate,
    ValidationError,
    WalletPassError,
)
from walletpass.model import MAX_BEACONS, MAX_LOCATIONS, IssuedPass, PassUrls

UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
AWARE = datetime(2031, 5, 17, 20, 30, tzinfo=UTC)
NAIVE = datetime(2031, 5, 17, 20, 30)


def refused(build: Any) -> ValidationError:
    """Run ``build`` and return the walletpass ValidationError it must raise."""
    with pytest.raises(ValidationError) as caught:
        build()
    error = caught.value
    assert isinstance(error, WalletPassError) and isinstance(error, ValueError)
    assert error.problems, "a ValidationError lists its problems"
    return error


def locations_of(error: ValidationError) -> set[str]:
    return {problem.location for problem in error.problems}


# --------------------------------------------------------------------------------------------
# Datetimes
# --------------------------------------------------------------------------------------------


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: as ambiguous as no tzinfo at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


@pytest.mark.parametrize("name", ["relevant_at", "expires_at"])
def test_naive_datetimes_are_refused_on_passes_and_updates(name: str) -> None:
    for model, base in ((Pass, {"template": "t"}), (PassUpdate, {})):
        error = refused(lambda model=model, base=base: model(**base, **{name: NAIVE}))
        assert locations_of(error) == {name}
        assert "timezone-aware" in str(error)
        assert getattr(model(**base, **{name: AWARE}), name) == AWARE


def test_a_tzinfo_without_an_offset_counts_as_naive() -> None:
    error = refused(lambda: Pass(template="t", expires_at=NAIVE.replace(tzinfo=_NoOffset())))
    assert locations_of(error) == {"expires_at"}


def test_naive_datetimes_are_refused_inside_events_and_template_fields() -> None:
    assert locations_of(refused(lambda: Pass(template="t", event={"starts_at": NAIVE}))) == {
        "event.starts_at"
    }
    error = refused(lambda: Pass(template="t", fields={"doors": NAIVE}))
    assert locations_of(error) == {"fields.doors"}
    assert "timezone-aware" in str(error)
    error = refused(lambda: Pass(template="t", fields={"doors": {"value": NAIVE, "label": "D"}}))
    assert locations_of(error) == {"fields.doors"}
    kept = Pass(template="t", fields={"doors": AWARE, "day": date(2031, 5, 17)})
    assert kept.fields == {"doors": AWARE, "day": date(2031, 5, 17)}


def test_iso_strings_with_an_offset_are_accepted_and_keep_it() -> None:
    parsed = Pass.model_validate({"template": "t", "relevant_at": "2031-05-17T20:30:00+02:00"})
    assert parsed.relevant_at is not None
    assert parsed.relevant_at.utcoffset() == timedelta(hours=2)
    error = refused(
        lambda: Pass.model_validate({"template": "t", "expires_at": "2031-05-17T20:30"})
    )
    assert locations_of(error) == {"expires_at"}


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.one_of(st.none(), st.timezones()),
    )
)
def test_any_datetime_is_accepted_exactly_when_it_knows_its_offset(moment: datetime) -> None:
    aware = moment.tzinfo is not None and moment.utcoffset() is not None
    if aware:
        assert Pass(template="t", expires_at=moment).expires_at == moment
    else:
        assert locations_of(refused(lambda: Pass(template="t", expires_at=moment))) == {
            "expires_at"
        }


# --------------------------------------------------------------------------------------------
# Locations and beacons
# --------------------------------------------------------------------------------------------


def _location(i: int = 0) -> Location:
    return Location(latitude=48.85 + i / 100, longitude=2.35)


def _beacon(i: int = 0) -> Beacon:
    return Beacon(proximity_uuid=UUID, major=i, minor=i)


def test_at_most_ten_locations_and_ten_beacons() -> None:
    assert MAX_LOCATIONS == MAX_BEACONS == 10
    full = Pass(
        template="t",
        locations=[_location(i) for i in range(10)],
        beacons=[_beacon(i) for i in range(10)],
    )
    assert full.locations is not None and len(full.locations) == 10
    assert full.beacons is not None and len(full.beacons) == 10
    error = refused(lambda: Pass(template="t", locations=[_location(i) for i in range(11)]))
    assert locations_of(error) == {"locations"}
    assert "at most 10" in str(error)
    error = refused(lambda: PassUpdate(beacons=[_beacon(i) for i in range(11)]))
    assert locations_of(error) == {"beacons"}


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(-90, -180), (90, 180), (0, 0), (-89.999999, 179.999999)]
)
def test_coordinates_on_the_boundary_are_accepted(latitude: float, longitude: float) -> None:
    place = Location(latitude=latitude, longitude=longitude)
    assert (place.latitude, place.longitude) == (latitude, longitude)


@pytest.mark.parametrize(
    ("latitude", "longitude", "bad"),
    [
        (90.000001, 0, "latitude"),
        (-90.5, 0, "latitude"),
        (0, 180.000001, "longitude"),
        (0, -181, "longitude"),
        (math.nan, 0, "latitude"),
        (0, math.inf, "longitude"),
        ("north", 0, "latitude"),
    ],
)
def test_coordinates_out_of_range_are_refused(latitude: Any, longitude: Any, bad: str) -> None:
    assert locations_of(refused(lambda: Location(latitude=latitude, longitude=longitude))) == {bad}
    nested = refused(
        lambda: Pass.model_validate(
            {
                "template": "t",
                "locations": [
                    {"latitude": 1, "longitude": 1},
                    {"latitude": latitude, "longitude": longitude},
                ],
            }
        )
    )
    assert locations_of(nested) == {f"locations.1.{bad}"}


def test_a_location_radius_must_be_positive() -> None:
    assert Location(latitude=1, longitude=1, radius=0.5).radius == 0.5
    assert locations_of(refused(lambda: Location(latitude=1, longitude=1, radius=0))) == {"radius"}


_OUTSIDE_LATITUDE = st.one_of(
    st.floats(min_value=90, exclude_min=True, allow_infinity=True, allow_nan=False),
    st.floats(max_value=-90, exclude_max=True, allow_infinity=True, allow_nan=False),
    st.just(math.nan),
)
_OUTSIDE_LONGITUDE = st.one_of(
    st.floats(min_value=180, exclude_min=True, allow_nan=False),
    st.floats(max_value=-180, exclude_max=True, allow_nan=False),
    st.just(math.nan),
)
_LATITUDE = st.floats(min_value=-90, max_value=90)
_LONGITUDE = st.floats(min_value=-180, max_value=180)


@given(
    st.one_of(
        st.tuples(_OUTSIDE_LATITUDE, _LONGITUDE, st.just("latitude")),
        st.tuples(_LATITUDE, _OUTSIDE_LONGITUDE, st.just("longitude")),
    ),
    st.integers(min_value=0, max_value=9),
)
def test_any_out_of_range_coordinate_is_refused_naming_the_field(
    case: tuple[float, float, str], index: int
) -> None:
    latitude, longitude, bad = case
    places: list[dict[str, Any]] = [{"latitude": 0, "longitude": 0}] * 10
    places[index] = {"latitude": latitude, "longitude": longitude}
    error = refused(lambda: Pass.model_validate({"template": "t", "locations": places}))
    assert locations_of(error) == {f"locations.{index}.{bad}"}


@given(_LATITUDE, _LONGITUDE)
def test_any_coordinate_in_range_is_kept_exactly(latitude: float, longitude: float) -> None:
    place = Location(latitude=latitude, longitude=longitude)
    assert (place.latitude, place.longitude) == (latitude, longitude)
    assert Location.model_validate_json(place.model_dump_json()) == place


@pytest.mark.parametrize("value", [0, 1, 65534, 65535])
def test_beacon_major_and_minor_take_16_bit_values(value: int) -> None:
    beacon = Beacon(proximity_uuid=UUID, major=value, minor=value)
    assert (beacon.major, beacon.minor) == (value, value)


@given(
    st.one_of(st.integers(max_value=-1), st.integers(min_value=65536)),
    st.sampled_from(["major", "minor"]),
)
def test_any_beacon_number_outside_16_bits_is_refused_naming_it(value: int, which: str) -> None:
    error = refused(
        lambda: Pass.model_validate(
            {"template": "t", "beacons": [{"proximity_uuid": UUID, which: value}]}
        )
    )
    assert locations_of(error) == {f"beacons.0.{which}"}


def test_a_beacon_needs_a_real_uuid() -> None:
    assert Beacon(proximity_uuid=UUID).proximity_uuid.hex == UUID.replace("-", "")
    assert locations_of(refused(lambda: Beacon(proximity_uuid="not-a-uuid"))) == {"proximity_uuid"}
    assert locations_of(refused(lambda: Beacon.model_validate({}))) == {"proximity_uuid"}


# --------------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "#1A2B3C",
        "#1a2b3c",
        "rgb(26, 43, 60)",
        "rgb(26,43,60)",
        "RGB( 26 , 43 , 60 )",
        "  #1a2b3c  ",
        (26, 43, 60),
    ],
)
def test_both_colour_spellings_mean_the_same_colour(written: Any) -> None:
    colors = Colors(background=written)
    assert colors.background == Color(26, 43, 60)
    assert colors.background is not None
    assert colors.background.hex == "#1a2b3c"
    assert colors.background.css_rgb == "rgb(26, 43, 60)"
    assert colors.model_dump(mode="json") == {
        "background": "#1a2b3c",
        "foreground": None,
        "label": None,
    }


@pytest.mark.parametrize(
    "written",
    [
        "#abc",
        "#1a2b3c4d",
        "#GGGGGG",
        "red",
        "rgb(256, 0, 0)",
        "rgb(-1, 0, 0)",
        "rgba(1, 2, 3, 0.5)",
        "rgb(1, 2)",
        "hsl(120, 50%, 50%)",
        "",
        5,
        None.__class__,
        (1, 2, 300),
        (1, 2),
    ],
)
def test_other_colour_spellings_are_refused_naming_the_field(written: Any) -> None:
    error = refused(lambda: Pass(template="t", colors={"foreground": written}))
    assert locations_of(error) == {"colors.foreground"}


def test_color_used_directly_raises_walletpass_errors() -> None:
    for build in (
        lambda: Color.parse("#abc"),
        lambda: Color.parse("rgb(300, 0, 0)"),
        lambda: Color(0, 0, 256),
        lambda: Color(-1, 0, 0),
        lambda: Color(1.5, 0, 0),  # type: ignore[arg-type]
        lambda: Color("1", 0, 0),  # type: ignore[arg-type]
    ):
        refused(build)
    assert Color.parse("rgb(0, 0, 255)") == Color(0, 0, 255)
    assert str(Color(255, 0, 0)) == "#ff0000" and repr(Color(255, 0, 0)) == "Color('#ff0000')"
    assert len({Color(1, 2, 3), Color.parse("#010203")}) == 1


_COMPONENT = st.integers(min_value=0, max_value=255)


@given(_COMPONENT, _COMPONENT, _COMPONENT, st.booleans(), st.booleans())
def test_valid_colours_round_trip(red: int, green: int, blue: int, upper: bool, css: bool) -> None:
    written = f"rgb({red}, {green}, {blue})" if css else f"#{red:02x}{green:02x}{blue:02x}"
    if upper:
        written = written.upper()
    colors = Colors(label=written)
    assert colors.label == Color(red, green, blue)
    again = Colors.model_validate_json(colors.model_dump_json())
    assert again == colors
    assert colors.label is not None
    assert Color.parse(colors.label.css_rgb) == Color.parse(colors.label.hex) == colors.label


@functools.cache
def _published_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """Pass's and Colors' JSON schemas, built once (each build took up to half a second)."""
    return Pass.model_json_schema(), Colors.model_json_schema()


@given(_COMPONENT, _COMPONENT, _COMPONENT, st.booleans(), st.booleans())
def test_the_published_json_schema_accepts_what_the_model_accepts(
    red: int, green: int, blue: int, upper: bool, css: bool
) -> None:
    written = f"rgb({red}, {green}, {blue})" if css else f"#{red:02x}{green:02x}{blue:02x}"
    written = written.upper() if upper else written
    schema, colors_schema = _published_schemas()
    colour = colors_schema["properties"]["label"]["anyOf"][0]
    assert colour["type"] == "string"
    assert re.fullmatch(colour["pattern"], written)
    assert not re.fullmatch(colour["pattern"], "red")
    assert "colors" in schema["properties"]


@given(
    st.tuples(_COMPONENT, _COMPONENT, _COMPONENT).flatmap(
        lambda rgb: st.sampled_from(range(3)).map(
            lambda i: tuple(256 + v if j == i else v for j, v in enumerate(rgb))
        )
    )
)
def test_any_component_above_255_is_refused(rgb: tuple[int, int, int]) -> None:
    error = refused(lambda: Colors(background="rgb({}, {}, {})".format(*rgb)))
    assert locations_of(error) == {"background"}
    assert "outside 0..255" in str(error)


# --------------------------------------------------------------------------------------------
# Barcodes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["qr", "pdf417", "aztec", "code128"])
def test_the_four_barcode_formats(written: str) -> None:
    assert Barcode(message="A-1", format=written).format is BarcodeFormat(written)


def test_barcodes_default_to_qr_and_refuse_other_formats() -> None:
    assert Barcode(message="A-1").format is BarcodeFormat.QR
    assert {f.value for f in BarcodeFormat} == {"qr", "pdf417", "aztec", "code128"}
    for other in ("ean13", "datamatrix", "QR CODE", ""):
        error = refused(
            lambda other=other: Pass(template="t", barcode={"message": "x", "format": other})
        )
        assert locations_of(error) == {"barcode.format"}
        assert all(name in str(error) for name in ("qr", "pdf417", "aztec", "code128"))
    assert locations_of(refused(lambda: Barcode(message=""))) == {"message"}
    # No symbology holds more than 7,089 characters (a QR code of digits); shorter limits are
    # the symbology's (tests/test_barcodes.py) or the vendor's.
    assert locations_of(refused(lambda: Barcode(message="1" * 7090))) == {"message"}
    assert Barcode(message="1" * 7089).message


# --------------------------------------------------------------------------------------------
# PassUpdate: omitted versus cleared
# --------------------------------------------------------------------------------------------

_CLEARABLE = sorted(set(PassUpdate.model_fields) - {"message", "notify"})


def test_an_omitted_field_is_unchanged_and_an_explicit_none_clears_it() -> None:
    change = PassUpdate(fields={"seat": "14C"}, expires_at=None, message="Seat changed")
    assert change.changed() == {"fields": {"seat": "14C"}, "expires_at": None}
    assert change.cleared() == frozenset({"expires_at"})
    assert "relevant_at" not in change.changed()
    assert change.model_dump(exclude_unset=True) == {
        "fields": {"seat": "14C"},
        "expires_at": None,
        "message": "Seat changed",
    }


def test_an_update_that_changes_nothing_is_empty() -> None:
    assert PassUpdate().is_empty()
    assert PassUpdate(notify=False).is_empty()
    assert not PassUpdate(message="Hello").is_empty()
    assert not PassUpdate(barcode=None).is_empty()


def test_cleared_and_omitted_survive_a_mapping_and_json() -> None:
    parsed = PassUpdate.model_validate({"description": None, "logo_text": "New"})
    assert parsed.cleared() == frozenset({"description"})
    again = PassUpdate.model_validate_json(parsed.model_dump_json(exclude_unset=True))
    assert again.changed() == parsed.changed() == {"description": None, "logo_text": "New"}


@given(st.sets(st.sampled_from(_CLEARABLE)), st.sets(st.sampled_from(["logo_text", "group"])))
def test_any_set_of_cleared_fields_is_reported_exactly(cleared: set[str], set_: set[str]) -> None:
    values: dict[str, Any] = dict.fromkeys(cleared)
    values.update(dict.fromkeys(set_ - cleared, "value"))
    change = PassUpdate(**values)
    assert change.cleared() == frozenset(cleared)
    assert set(change.changed()) == cleared | set_


def test_the_fake_clears_what_was_cleared_and_keeps_what_was_omitted() -> None:
    from walletpass.fake import FakeProvider

    with FakeProvider() as wallet:
        issued = wallet.create(
            Pass(template="t", description="Gala", logo_text="ACME", fields={"seat": "12B"})
        )
        updated = wallet.update(issued.id, PassUpdate(description=None))
        assert "description" not in updated.raw and updated.raw["logo_text"] == "ACME"
        assert updated.fields == {"seat": "12B"}
        assert wallet.update(issued.id, PassUpdate(fields=None)).fields == {}


# --------------------------------------------------------------------------------------------
# The rest of the declarative surface
# --------------------------------------------------------------------------------------------


def test_unknown_keys_are_refused_not_ignored() -> None:
    error = refused(
        lambda: Pass.model_validate({"template": "t", "colours": {"background": "#fff"}})
    )
    assert locations_of(error) == {"colours"}
    assert locations_of(refused(lambda: Holder.model_validate({"nick": "Ada"}))) == {"nick"}


def test_models_are_frozen() -> None:
    ticket = Pass(template="t")
    with pytest.raises(Exception, match="frozen"):
        ticket.template = "other"  # type: ignore[misc]


def test_template_fields_name_the_key_that_is_wrong() -> None:
    error = refused(lambda: Pass(template="t", fields={"seat": "12B", "gate": [1, 2]}))
    assert locations_of(error) == {"fields.gate"}
    assert len(error.problems) == 1
    error = refused(lambda: Pass(template="t", fields={"score": math.nan}))
    assert [p.message for p in error.problems] == ["must be a finite number"]
    error = refused(lambda: Pass(template="t", fields={"seat": {"value": "1", "label": "x" * 256}}))
    assert locations_of(error) == {"fields.seat"}
    assert "255" in str(error)
    assert locations_of(refused(lambda: Pass(template="t", fields={"two words": 1}))) == {
        "fields.two words"
    }
    labelled = Pass(template="t", fields={"seat": {"value": "12B", "label": "Seat"}})
    assert labelled.fields == {"seat": PassField(value="12B", label="Seat")}


def test_holder_images_events_and_text_limits() -> None:
    assert locations_of(refused(lambda: Holder(email="not-an-address"))) == {"email"}
    assert locations_of(refused(lambda: Holder(name=""))) == {"name"}
    assert Holder(first_name="Ada", last_name="Lovelace").display_name == "Ada Lovelace"
    assert Holder(name="Ada King Lovelace").split_name() == ("Ada King", "Lovelace")
    images = Pass(template="t", images={"logo": "https://cdn.example/logo.png", "icon": "img-7"})
    assert images.images is not None
    assert {role.value: (ref.id, ref.url) for role, ref in images.images.items()} == {
        "logo": (None, "https://cdn.example/logo.png"),
        "icon": ("img-7", None),
    }
    assert locations_of(refused(lambda: Pass(template="t", images={"banner": "x"}))) == {
        "images.banner"
    }
    assert locations_of(refused(lambda: Event(duration=timedelta(0)))) == {"duration"}
    assert locations_of(refused(lambda: Pass(template=""))) == {"template"}
    assert locations_of(refused(lambda: Pass(template="t", kind="ticket"))) == {"kind"}


def test_problems_from_several_fields_are_reported_together() -> None:
    error = refused(
        lambda: Pass.model_validate(
            {
                "template": "t",
                "expires_at": "2031-01-01T00:00:00",
                "locations": [{"latitude": 95, "longitude": 0}],
                "barcode": {"message": "x", "format": "ean13"},
            }
        )
    )
    assert locations_of(error) == {"expires_at", "locations.0.latitude", "barcode.format"}
    assert set(error.fields) == locations_of(error)


@given(st.text(max_size=50))
def test_json_input_never_escapes_as_anything_but_a_validation_error(text: str) -> None:
    for model in (Pass, PassUpdate, Location, Colors):
        with contextlib.suppress(ValidationError):
            model.model_validate_json(text)
    try:
        parsed = json.loads(text)
    except ValueError:
        return
    for model in (Pass, PassUpdate):
        with contextlib.suppress(ValidationError):
            model.model_validate(parsed)


def test_a_pass_survives_json_both_ways() -> None:
    ticket = Pass(
        template="vip",
        holder=Holder(name="Ada"),
        barcode=Barcode(message="A-1", format="aztec"),
        locations=[_location()],
        beacons=[Beacon(proximity_uuid=uuid4(), major=1)],
        expires_at=datetime(2031, 1, 1, tzinfo=timezone(timedelta(hours=-5))),
        colors=Colors(background="rgb(1, 2, 3)"),
        fields={"seat": "12B", "row": 7, "vip": True, "price": PassField(value=9.5, label="€")},
    )
    assert Pass.model_validate_json(ticket.model_dump_json()) == ticket


@pytest.mark.parametrize("key", ["gate", "points", "x"])
def test_one_field_is_not_cleared_by_none_and_the_refusal_says_how(key: str) -> None:
    # The docs promise no per-field clear by None: refused the same on every provider.
    with pytest.raises(ValidationError) as refused:
        PassUpdate(fields={key: None})
    assert list(refused.value.fields) == [f"fields.{key}"]
    assert 'write ""' in str(refused.value) and "reset_field()" in str(refused.value)
    assert PassUpdate(fields=None).cleared() == {"fields"}


@pytest.mark.parametrize(
    ("model", "update"),
    [
        (IssuedPass(id="a", vendor_id="a", provider="x"), {"fields": {"k": 1}}),
        (IssuedPass(id="a", vendor_id="a", provider="x", meta={"m": 1}), {}),
        (Pass(template="t", fields={"name": "Ada"}), {"template": "u", "fields": None}),
        (PassUpdate(fields={"name": "Ada"}), {"message": "hi"}),
        (PassUpdate(holder=None), None),
    ],
    ids=["issued", "issued-no-update", "pass", "update", "update-cleared"],
)
def test_a_copy_is_what_pydantic_copies(model: BaseModel, update: dict[str, Any] | None) -> None:
    # NeutralModel copies in one step (the presentation copies every answer a few times):
    # the same values and the same set fields as pydantic's own shallow copy, the original
    # unchanged, and a deep copy still deep.
    before = dict(model.__dict__), set(model.model_fields_set)
    ours = model.model_copy(update=update)
    theirs = BaseModel.model_copy(model, update=update)
    assert type(ours) is type(model)
    assert ours.__dict__ == theirs.__dict__ and ours.__dict__ is not model.__dict__
    assert ours.model_fields_set == theirs.model_fields_set
    assert (dict(model.__dict__), set(model.model_fields_set)) == before
    assert ours == theirs
    deep = model.model_copy(deep=True)
    assert deep == model and (not model.__dict__.get("fields") or deep.fields is not model.fields)


def test_a_pass_read_without_links_has_empty_links() -> None:
    first = IssuedPass(id="a", vendor_id="a", provider="x")
    second = IssuedPass(id="b", vendor_id="b", provider="x")
    assert first.urls == PassUrls() and dict(second.urls) == dict.fromkeys(
        ("download", "apple", "google", "web")
    )
    assert "urls" not in first.model_fields_set
