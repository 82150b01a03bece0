"""Pass2U's documented limits: the body check shared with the emulator, and local validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from walletpass_pass2u import Pass2UProvider
from walletpass_pass2u.limits import (
    MAX_IMAGE_BYTES,
    PassStyle,
    check_body,
    check_style,
    is_pass2u_date,
    parse_css_rgb,
)
from walletpass_pass2u.png import check_upload, encode_png, read_png_header

from walletpass import Barcode, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import ValidationError
from walletpass.model import ImageRef, PassField
from walletpass.testing.rules import vendor_problems

_RULES = Pass2UProvider()


def validate(subject: Pass | PassUpdate) -> list:
    return vendor_problems(_RULES, subject)


def _where(problems) -> dict[str, str]:
    return {p.location: p.message for p in problems}


@given(length=st.integers(min_value=1, max_value=255))
def test_logo_text_limit_is_35(length: int) -> None:
    problems = _where(validate(Pass(template="1", logo_text="x" * length)))
    if length <= 35:
        assert problems == {}
    else:
        assert "35" in problems["logo_text"] and str(length) in problems["logo_text"]


@given(length=st.integers(min_value=1, max_value=200))
def test_field_label_limit_is_150(length: int) -> None:
    new_pass = Pass(template="1", fields={"f": PassField(value="v", label="l" * length)})
    problems = _where(validate(new_pass))
    assert ("fields.f.label" in problems) is (length > 150)


@given(length=st.integers(min_value=1, max_value=120))
def test_change_message_limit_is_80_including_the_added_escape(length: int) -> None:
    change = PassUpdate(fields={"f": "v"}, message="m" * length)
    problems = _where(validate(change))
    # "mmm…" becomes "mmm…: %@" (4 more characters)
    assert ("message" in problems) is (length + 4 > 80)


@given(length=st.integers(min_value=1, max_value=2048))
def test_barcode_alt_text_limit_is_35(length: int) -> None:
    new_pass = Pass(template="1", barcode=Barcode(message="m", alt_text="a" * min(length, 255)))
    problems = _where(validate(new_pass))
    assert ("barcode.alt_text" in problems) is (min(length, 255) > 35)


@pytest.mark.parametrize(
    ("new_pass", "where", "words"),
    [
        (Pass(template="1", description="d" * 256), "description", "255"),
        (Pass(template="1", organization_name="o" * 101), "organization_name", "100"),
        (Pass(template="1.2"), "template", "model id"),
        (Pass(template="a/b"), "template", "model id"),
        (Pass(template="1", group="g"), "group", "event tickets"),
        (Pass(template="1", kind=PassKind.EVENT_TICKET, group="g" * 51), "group", "50"),
        (Pass(template="1", fields={"flag": True}), "fields.flag", "booleans"),
        (Pass(template="1", fields={"f": "v" * 5001}), "fields.f", "5000"),
        (Pass(template="1", images={"logo": "https://example.com/l.png"}), "images.logo", "URL"),
        (Pass(template="1", images={"hero": "abc"}), "images.hero", "no hero"),
        (Pass(template="1", images={"strip": "abc"}), "images", "generic"),
        (Pass(template="1", images={"logo": "xyz"}), "images.logo", "hexadecimal"),
        (
            Pass(
                template="1", locations=[Location(latitude=1, longitude=1, relevant_text="r" * 256)]
            ),
            "locations.0.relevant_text",
            "255",
        ),
        (Pass(template="1", extra={"passCode": "1"}), "extra.passCode", "not a Pass2U"),
        (Pass(template="1", extra={"passcode": "p" * 101}), "extra.passcode", "100"),
        (Pass(template="1", extra={"utm_source": ""}), "extra.utm_source", "non-empty"),
        (
            Pass(template="1", extra={"associatedStoreIdentifiers": [1, 2]}),
            "extra.associatedStoreIdentifiers",
            "at most 1 item, got 2",
        ),
        (
            Pass(template="1", extra={"associatedStoreIdentifiers": [123456789012]}),
            "extra.associatedStoreIdentifiers[0]",
            "11 digits",
        ),
        (Pass(template="1", extra={"maxDistance": -1}), "extra.maxDistance", "non-negative"),
        (Pass(template="1", extra={"voided": "yes"}), "extra.voided", "true or false"),
    ],
)
def test_vendor_limits_name_the_neutral_field(new_pass: Pass, where: str, words: str) -> None:
    problems = _where(validate(new_pass))
    assert where in problems, problems
    assert words in problems[where]


def test_a_valid_pass_has_no_problems() -> None:
    new_pass = Pass(
        template="3001",
        kind=PassKind.EVENT_TICKET,
        group="tour-2027",
        images={"background": ImageRef(id="ab"), "thumbnail": ImageRef(id="cd")},
        extra={"associatedStoreIdentifiers": [12345678901], "appLaunchURL": "app://x"},
    )
    assert validate(new_pass) == []


def test_update_rules() -> None:
    check = validate
    assert _where(check(PassUpdate(message="hello")))["message"].startswith("Pass2U shows")
    assert "extra" in _where(check(PassUpdate(extra=None)))
    assert "extra.utm_source" in _where(check(PassUpdate(extra={"utm_source": "x"})))
    assert "event" in _where(check(PassUpdate(event=None)))
    assert check(PassUpdate(logo_text=None, holder=Holder(name="A"), message="hi")) == []


def test_holder_field_conflicts_are_checked_with_the_instance_setting(connect, emulator) -> None:
    clash = Pass(template="1919", holder=Holder(name="A"), fields={"name": "B"})
    assert validate(clash) == []  # the class cannot know which field carries the holder
    with pytest.raises(ValidationError) as caught:
        connect().create(clash)
    [message] = caught.value.fields["fields.name"]
    assert "template field 'name' holds holder.name" in message
    assert "holder_name_field" in message and "give only holder.name" in message
    assert len(emulator.journal) == 0
    renamed = connect(holder_name_field="level")
    issued = renamed.create(clash)
    assert issued.holder is not None and issued.holder.name == "A"
    assert issued.fields == {"name": "B"}
    assert emulator.journal.last().json()["fields"] == [
        {"key": "name", "value": "B"},
        {"key": "level", "value": "A"},
    ]
    # Through an alias the message names the alias.
    aliased = connect(templates={"card": {"id": "1919", "attributes": {"holder.name": "level"}}})
    with pytest.raises(ValidationError, match="template alias's attributes"):
        aliased.create(Pass(template="card", holder=Holder(name="A"), fields={"level": "B"}))
    assert len(emulator.journal) == 1


def test_limits_are_refused_before_sending(wallet, emulator) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(Pass(template="1919", logo_text="x" * 36))
    assert caught.value.fields == {"logo_text": ["Pass2U allows at most 35 characters, got 36"]}
    assert caught.value.provider == "pass2u"
    assert len(emulator.journal) == 0


def test_check_body_reports_vendor_paths() -> None:
    problems = _where(
        check_body(
            {
                "backgroundColor": "#ffffff",
                "expirationDate": "2027-01-01T00:00+08:00",
                "relevantDate": "2027-01-01T00:00:00",
                "beacons": [{"proximityUUID": "u", "major": 70000}] * 11,
                "locations": [{"latitude": 91, "longitude": "x"}],
                "fields": [{"key": "a", "changeMessage": "no escape"}, {"key": "a", "bogus": 1}],
                "images": [{"type": "hero", "hex": "ab"}],
                "barcode": {"message": "m", "format": "qr"},
                "nope": 1,
            }
        )
    )
    assert set(problems) >= {
        "backgroundColor",
        "expirationDate",
        "relevantDate",
        "beacons",
        "beacons[0].major",
        "locations[0].latitude",
        "locations[0].longitude",
        "fields[0].changeMessage",
        "fields[1].key",
        "fields[1].bogus",
        "images[0].type",
        "barcode.format",
        "nope",
    }


def test_check_style_image_layouts() -> None:
    ticket = {"images": [{"type": "strip"}, {"type": "icon"}]}
    assert check_style(ticket, PassStyle.EVENT_TICKET) == []  # layout 2
    mixed = {"images": [{"type": "strip"}, {"type": "thumbnail"}]}
    assert check_style(mixed, PassStyle.EVENT_TICKET)  # no layout shows both
    assert check_style({"images": [{"type": "footer"}]}, PassStyle.BOARDING_PASS) == []
    assert check_style({"images": [{"type": "footer"}]}, PassStyle.COUPON)
    assert check_style({"groupingIdentifier": "g"}, PassStyle.BOARDING_PASS) == []


@given(r=st.integers(0, 300), g=st.integers(0, 255), b=st.integers(0, 255))
def test_css_rgb_parsing(r: int, g: int, b: int) -> None:
    parsed = parse_css_rgb(f"rgb({r}, {g}, {b})")
    assert parsed == ((r, g, b) if r <= 255 else None)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2018-10-18T16:53:00+08:00", True),
        ("2018-10-18T16:53:00Z", True),
        ("2018-10-18T16:53+08:00", False),
        ("2018-10-18T16:53:00", False),
        ("2018-13-18T16:53:00+08:00", False),
        ("2018-10-18", False),
    ],
)
def test_dates_need_seconds_and_a_zone(text: str, ok: bool) -> None:
    assert is_pass2u_date(text) is ok


def test_png_header_checks() -> None:
    assert read_png_header(encode_png(3, 7)) is not None
    info = read_png_header(encode_png(3, 7))
    assert info is not None and (info.width, info.height) == (3, 7)
    corrupted = bytearray(encode_png(3, 7))
    corrupted[20] ^= 0xFF  # breaks the IHDR CRC
    assert read_png_header(bytes(corrupted)) is None
    assert check_upload(encode_png(1024, 1024))[1] == []
    assert check_upload("not bytes")[1][0].message == "must be the PNG file's bytes"
    big = encode_png(1, 1, padding=MAX_IMAGE_BYTES)
    assert "4 MB" in check_upload(big)[1][0].message


def test_validation_uses_the_time_zone_of_the_value() -> None:
    new_pass = Pass(template="1", expires_at=datetime(2027, 1, 1, 0, 0, 0, 123456, tzinfo=UTC))
    assert validate(new_pass) == []


_PART = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.booleans(),
    st.text(max_size=3),
    st.text(min_size=78, max_size=82),
    st.text(min_size=148, max_size=152),
    st.builds(lambda pad: pad + "%@", st.text(max_size=80)),
)


@given(label=_PART, message=_PART, absent=st.sets(st.sampled_from(["label", "changeMessage"])))
def test_a_field_entrys_label_and_change_message_are_checked_only_where_given(
    label, message, absent
) -> None:
    entry = {"key": "seat", "value": "A1", "label": label, "changeMessage": message}
    for part in absent:
        del entry[part]
    expected: list[tuple[str, str]] = []
    for part, value, limit in (("label", label, 150), ("changeMessage", message, 80)):
        at = f"fields[0].{part}"
        if part in absent or value is None:
            continue
        if not isinstance(value, str):
            expected.append((at, "must be a string"))
            continue
        if len(value) > limit:
            expected.append((at, f"Pass2U allows at most {limit} characters, got {len(value)}"))
        if part == "changeMessage" and "%@" not in value:
            expected.append((at, "must contain %@ (replaced by the new value)"))
    found = [(p.location, p.message) for p in check_body({"fields": [entry]})]
    assert found == expected


_KEYS = st.one_of(
    st.none(),
    st.integers(-2, 2),
    st.booleans(),
    st.just(""),
    st.sampled_from(["seat", "name", "ü-ß"]),
    st.integers(min_value=98, max_value=102).map(lambda n: "k" * n),
)
_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=5),
    st.integers(min_value=4998, max_value=5002).map(lambda n: "é" * n),
)


@given(
    entries=st.lists(
        st.fixed_dictionaries({}, optional={"key": _KEYS, "value": _VALUES}), max_size=3
    )
)
def test_a_field_entrys_key_and_value_are_refused_exactly_where_pass2u_would(entries) -> None:
    expected: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        at = f"fields[{i}]"
        key = entry.get("key")
        if key is None:
            expected.append((f"{at}.key", "is required"))
        elif not isinstance(key, str):
            expected.append((f"{at}.key", "must be a string"))
        else:
            if len(key) > 100:
                expected.append(
                    (f"{at}.key", f"Pass2U allows at most 100 characters, got {len(key)}")
                )
            if not key:
                expected.append((f"{at}.key", "must not be empty"))
            elif key in seen:
                expected.append((f"{at}.key", f"field {key!r} is given twice"))
            seen.add(key)
        value = entry.get("value")
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            continue
        if not isinstance(value, str):
            expected.append((f"{at}.value", "must be a string"))
        elif len(value) > 5000:
            expected.append(
                (f"{at}.value", f"Pass2U allows at most 5000 characters, got {len(value)}")
            )
    found = [(p.location, p.message) for p in check_body({"fields": entries})]
    assert found == expected


#: Text just within and just over each limit the body check has (35, 80, 100, 150, 5000, 7089).
_AT_LIMITS = st.sampled_from([35, 36, 80, 81, 100, 101, 150, 151, 5000, 5001, 7089, 7090]).map(
    lambda n: "é" * n
)
_ANY_PART = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.text(max_size=4),
    _AT_LIMITS,
    st.sampled_from(["rgb(1, 2, 3)", "rgb(300, 0, 0)", "2027-01-01T00:00:00+08:00", "%@", ""]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
_BARCODES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "message": st.one_of(st.sampled_from(["é" * 7089, "é" * 7090]), _ANY_PART),
            "altText": st.one_of(st.sampled_from(["é" * 35, "é" * 36]), _ANY_PART),
            "format": _ANY_PART,
        },
    ),
    _ANY_PART,
)
_ENTRIES = st.one_of(
    st.dictionaries(
        st.sampled_from(["key", "value", "label", "changeMessage", "altText"]),
        st.one_of(_AT_LIMITS, _ANY_PART),
        max_size=4,
    ),
    _ANY_PART,
)
_SCALARS = st.dictionaries(
    st.sampled_from(
        [
            "logoText",
            "backgroundColor",
            "expirationDate",
            "voided",
            "maxDistance",
            "associatedPlayIdentifiers",
            "associatedStoreIdentifiers",
            "unknownKey",
        ]
    ),
    st.one_of(_ANY_PART, st.lists(_ANY_PART, max_size=2)),
    max_size=3,
)


def _found_both_ways(body: object) -> None:
    """check_body's problems for ``body`` as it finds them and walking every part: the barcode's
    and each field entry's key checks run, and the top-level scalars' groups always entered."""
    from unittest import mock

    from walletpass_pass2u import limits

    fast = [(p.location, p.message) for p in check_body(body)]
    with (
        mock.patch.object(limits, "_plain_barcode", lambda barcode: False),
        mock.patch.object(limits, "_FIELD_KEY_SET", frozenset()),
        mock.patch.object(limits, "_SCALAR_KEYS", limits.BODY_KEYS | {"unknownKey"}),
    ):
        general = [(p.location, p.message) for p in check_body(body)]
    assert fast == general


@given(barcode=_BARCODES, scalars=_SCALARS)
@example(barcode={"message": "é" * 7089, "altText": "é" * 35}, scalars={})
@example(barcode={"message": "é" * 7090}, scalars={})
@example(barcode={"message": "m", "altText": "é" * 36}, scalars={})
@example(barcode={"message": 7, "altText": None}, scalars={})
@example(barcode={"message": "m", "format": "QR"}, scalars={})
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_the_barcode_check_is_skipped_only_where_it_finds_nothing(barcode, scalars) -> None:
    _found_both_ways({**scalars, "barcode": barcode})


@given(fields=st.one_of(st.lists(_ENTRIES, min_size=1, max_size=3), _ANY_PART))
@example(fields=[{"key": "k", "value": "v", "label": "l", "changeMessage": "%@"}])
@example(fields=[{"key": "k", "value": "v", "altText": "a"}])
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_field_entrys_keys_are_checked_only_where_one_could_be_wrong(fields) -> None:
    _found_both_ways({"fields": fields})


@given(scalars=_SCALARS, parts=st.sets(st.sampled_from(["barcode", "fields"])))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_the_top_level_scalars_are_walked_only_where_the_body_has_one(scalars, parts) -> None:
    _found_both_ways({**scalars, **{part: {"message": "m"} for part in parts}})


_STYLED = st.dictionaries(
    st.sampled_from(["images", "groupingIdentifier", "fields", "logoText", "unknownKey"]),
    st.one_of(
        _ANY_PART,
        st.lists(
            st.one_of(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["icon", "strip", "background", "footer", "x"])},
                    optional={"hex": st.sampled_from(["ab12", "zz", ""])},
                ),
                _ANY_PART,
            ),
            max_size=3,
        ),
    ),
    max_size=3,
)


@given(
    body=_STYLED,
    kind=st.sampled_from(list(PassKind)),
    extra=st.one_of(st.none(), st.just({"logoText": "x"}), st.just({"utm_source": ""})),
)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_a_create_body_is_checked_against_its_style_only_where_the_style_could_refuse_it(
    body, kind, extra
) -> None:
    """pass_problems as it runs (check_style only for a body with images or a grouping id,
    the neutral names looked up only for problems) is the general rule: the pass's own
    problems, else every problem of the body and of its style, under their neutral names."""
    from walletpass_pass2u import checks, limits, payloads

    new_pass = Pass(template="1", kind=kind, extra=extra)
    problems = checks._content_problems(new_pass)
    if not problems:
        vendor = check_body(body) + limits.check_style(body, payloads.KIND_STYLES[kind])
        problems = checks._neutral(vendor, body, new_pass.extra)
    found = checks.pass_problems(body, new_pass)
    assert [(p.location, p.message) for p in found] == [(p.location, p.message) for p in problems]


@pytest.mark.parametrize("hex_id", ["ab12\n", "ab12\r\n", "ab\n12"])
def test_an_image_hash_with_a_line_break_is_refused_as_any_other_that_is_not_hexadecimal(
    hex_id: str,
) -> None:
    def problems(hex_id: str) -> list[object]:
        return check_body({"images": [{"type": "logo", "hex": hex_id}]})

    assert problems(hex_id) == problems("zz12")
    assert any("hexadecimal" in str(problem) for problem in problems(hex_id))
