"""Translation tests: the pure build/parse hooks, exact requests, and hypothesis round trips.

The round trip goes neutral Pass -> LivePass JSON (build hook) -> the emulator's upsert and read
(in process, no HTTP) -> IssuedPass (parse hook), so hypothesis can run many examples quickly.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepass import limits, payloads
from walletpass_livepass.emulator import DEFAULT_API_KEY, LivePassEmulator
from walletpass_livepass.limits import PassType

from walletpass import Barcode, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import InvalidResponse, ValidationError
from walletpass.model import Balance, BarcodeFormat, Event
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorRequest
from walletpass.transport import VendorResponse

#: A GET answer's body for a reservation (the documentation's composed example).
CURRENT = {
    "version": 3,
    "created_at": 1767225600,
    "last_updated_at": 1767229200,
    "type": "reservation",
    "token": "[MASKED]",
    "full_name": "Tom Reyes",
    "email": "tom@example.com",
    "phone_number": "",
    "silent": False,
    "title": "Dinner for two",
    "date": "Fri 9 Jan",
    "time": "20:00",
    "duration": "2h",
    "url": "https://bookings.example.com/r/7781",
    "location_name": "Casa Mar",
    "location_address": "12 Quay Street",
    "location_url": "https://maps.example.com/?q=casa+mar",
    "barcode_type": "qr",
    "barcode_data": "7781",
}


def _answer(payload: object) -> VendorResponse:
    return VendorResponse(200, {}, json.dumps(payload).encode(), method="GET", path="x")


# ------------------------------------------------------------------------------------------
# Requests, exactly
# ------------------------------------------------------------------------------------------


def test_credentials_and_content_type_headers(offline) -> None:
    assert offline.auth_headers() == {"Authorization": "API_KEY lp-secret-key-4711"}
    assert offline.default_headers() == {"Content-Type": "application/json"}
    assert offline.default_base_url == "https://api.getlivepass.com"
    assert "lp-secret-key-4711" not in repr(offline) + repr(offline.settings)


def test_get_request_is_exact(offline) -> None:
    request = offline.build_get("membership-card.GYM-0042")
    assert (request.method, request.path) == ("GET", "membership-card/GYM-0042")
    assert request.safety is Safety.SAFE
    assert not request.has_json and request.query is None
    assert request.path_template == "membership-card/{id}"  # ids are not logged


def test_create_without_barcode_encodes_the_id_and_omits_coordinates(offline) -> None:
    new_pass = Pass(
        template="appointment", external_id="A-1", event=Event(title="Dentist", url="https://x.y/a")
    )
    request = offline.build_create(offline.prepare_create(new_pass))
    assert request.path == "appointment/A-1" and request.path_template == "appointment/{id}"
    # Keys without a value are left out, never sent as "" (balance_amount is a number).
    assert request.json == {
        "barcode_type": "qr",
        "barcode_data": "A-1",
        "silent": True,
        "title": "Dentist",
        "url": "https://x.y/a",
    }


def test_create_with_location_and_extra(offline) -> None:
    new_pass = Pass(
        template="booking",
        kind=PassKind.RESERVATION,
        external_id="R_9",
        holder=Holder(first_name="Ada", last_name="Lovelace", phone="+44 20 7946 0018"),
        locations=[Location(latitude=-33.8568, longitude=151.2153, url="https://maps/x")],
        extra={"silent": False, "duration": "all evening"},
    )
    body = offline.build_create(offline.prepare_create(new_pass)).json
    assert body["full_name"] == "Ada Lovelace" and body["phone_number"] == "+44 20 7946 0018"
    assert (body["location_lat"], body["location_lng"], body["location_url"]) == (
        "-33.8568",
        "151.2153",
        "https://maps/x",
    )
    assert "location_name" not in body and body["silent"] is False
    assert body["duration"] == "all evening"  # extra is merged last


def test_merged_body_lays_the_change_over_the_current_pass() -> None:
    change = PassUpdate(
        event=Event(
            title="Dinner for three",
            starts_at=datetime(2030, 1, 9, 21, 5, tzinfo=UTC),
        ),
        barcode=None,
        notify=True,
    )
    body = payloads.merged_body(PassType.RESERVATION, "7781", CURRENT, change, silent=False)
    assert body == {
        "full_name": "Tom Reyes",
        "email": "tom@example.com",
        "phone_number": "",
        "barcode_type": "qr",
        "barcode_data": "7781",
        "silent": False,
        "title": "Dinner for three",
        "date": "Jan 9, 2030",
        "time": "9:05pm",
        "duration": "",  # the event object replaces the old one
        "url": "",
        "location_name": "Casa Mar",
        "location_address": "12 Quay Street",
        "location_url": "https://maps.example.com/?q=casa+mar",
        "location_lat": "",
        "location_lng": "",
    }


def test_update_build_merge_uses_the_notify_setting(offline) -> None:
    change = PassUpdate(fields={"title": "x"})
    request = offline.build_merge("reservation.7781", change, CURRENT)
    assert (request.method, request.path, request.safety) == (
        "POST",
        "reservation/7781",
        Safety.IDEMPOTENT,
    )
    assert request.json["silent"] is True
    loud = type(offline)(offline.settings.model_copy(update={"notify_on_update": True}))
    assert loud.build_merge("reservation.7781", change, CURRENT).json["silent"] is False
    quiet = change.model_copy(update={"notify": False})
    assert loud.build_merge("reservation.7781", quiet, CURRENT).json["silent"] is True


def test_cleared_fields_empty_every_content_key() -> None:
    change = PassUpdate(fields=None, tier="Gold")
    body = payloads.merged_body(
        PassType.MEMBERSHIP_CARD,
        "C-1",
        {"balance_amount": 5, "balance_currency": "pts", "membership_tier": "Silver"},
        change,
        silent=True,
    )
    assert (body["balance_currency"], body["membership_tier"]) == ("", "Gold")
    assert "balance_amount" not in body  # a number: "" is not one, so it is left out


@pytest.mark.parametrize(
    ("value", "key", "text"),
    [
        (datetime(2024, 11, 6, 10, 0, tzinfo=UTC), "date", "Nov 6, 2024"),
        (datetime(2024, 11, 6, 0, 5, tzinfo=UTC), "time", "12:05am"),
        (datetime(2024, 11, 6, 12, 0, tzinfo=UTC), "time", "12:00pm"),
        (datetime(2024, 2, 29, 23, 59, tzinfo=UTC), "title", "Feb 29, 2024 11:59pm"),
        (date(2031, 1, 2), "date", "Jan 2, 2031"),
        (Decimal("12.50"), "title", "12.50"),
        (0.00001, "location_lat", "0.00001"),
        (7, "duration", "7"),
    ],
)
def test_field_text_forms(value: object, key: str, text: str) -> None:
    assert payloads.field_text(key, value) == text


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------


def test_get_answer_with_odd_values_parses_leniently(offline) -> None:
    answer = {
        "message": "Pass retrieved",
        "body": {
            "version": True,
            "created_at": None,
            "email": "not-an-address",
            "membership_tier": "",
            "balance_amount": 0,
            "token": "s3cr3t-token",
        },
        "links": "none",
        "id": 42,
        "type": "membership-card",
    }
    issued = offline.parse_get(_answer(answer), "membership-card.42")
    assert issued.version is None and issued.created_at is None and issued.updated_at is None
    assert issued.holder is not None and issued.holder.email == "not-an-address"
    assert issued.fields == {"balance_amount": 0}
    assert issued.urls.web is None and issued.barcode is None
    assert "s3cr3t-token" not in repr(issued)


@pytest.mark.parametrize("stamp", ["yesterday", 10**30, float("nan"), True, [1700000000]])
@pytest.mark.parametrize("key", ["created_at", "last_updated_at"])
def test_an_unreadable_timestamp_is_an_invalid_response_not_a_dropped_one(
    offline, key: str, stamp: object
) -> None:
    # One rule for every vendor (walletpass.timestamps): absent is None, unreadable is an error.
    answer = {"message": "Pass retrieved", "body": {key: stamp}, "id": "42"}
    response = _answer({**answer, "type": "membership-card"})
    with pytest.raises(InvalidResponse, match=r"Unix timestamp|outside the dates"):
        offline.parse(offline.parse_get, response, "membership-card.42")


# ------------------------------------------------------------------------------------------
# Types, ids, scalars (hypothesis)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "kind", "expected"),
    [
        ("reservation", PassKind.GENERIC, PassType.RESERVATION),
        ("membership-card", PassKind.LOYALTY, PassType.MEMBERSHIP_CARD),
        ("anything", PassKind.APPOINTMENT, PassType.APPOINTMENT),
        ("anything", PassKind.MEMBERSHIP, PassType.MEMBERSHIP_CARD),
    ],
)
def test_pass_type_from_template_or_kind(template: str, kind: PassKind, expected: PassType) -> None:
    assert payloads.pass_type_of(template, kind) is expected


@pytest.mark.parametrize(
    ("template", "kind", "words"),
    [
        ("vip", PassKind.GENERIC, "must name a LivePass pass type"),
        ("reservation", PassKind.MEMBERSHIP, "but the template names reservation"),
    ],
)
def test_pass_type_problems(template: str, kind: PassKind, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        payloads.pass_type_of(template, kind)


ids = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=128)


@given(pass_type=st.sampled_from(PassType), vendor_id=ids)
def test_opaque_ids_round_trip(pass_type: PassType, vendor_id: str) -> None:
    assert payloads.decode_id(payloads.encode_id(pass_type, vendor_id)) == (pass_type, vendor_id)


@given(
    # (surrounding whitespace is refused by the neutral model itself, before any vendor rule)
    vendor_id=st.text(min_size=1, max_size=40).filter(
        lambda s: limits.id_problem(s) is not None and s == s.strip()
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_ids_outside_the_path_safe_charset_are_refused(offline, vendor_id: str) -> None:
    with pytest.raises(ValueError):
        payloads.decode_id(f"reservation.{vendor_id}")
    problems = _refused(offline, Pass(template="reservation", external_id=vendor_id))
    assert "external_id" in {p.location for p in problems}


def _refused(wallet, new_pass: Pass) -> list:
    """The problems ``wallet`` refuses ``new_pass`` with before sending (none: accepted)."""
    try:
        wallet.prepare_create(new_pass)
    except ValidationError as exc:
        return list(exc.problems)
    return []


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_rendered_dates_read_back(day: date) -> None:
    assert datetime.strptime(payloads.render_date(day), "%b %d, %Y").date() == day


@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_rendered_times_read_back(hour: int, minute: int) -> None:
    text = payloads.render_time(datetime(2030, 1, 1, hour, minute, tzinfo=UTC))
    parsed = datetime.strptime(text, "%I:%M%p")
    assert (parsed.hour, parsed.minute) == (hour, minute)
    assert text == text.lower() and not text.startswith("0")


@given(minutes=st.integers(1, 100_000))
def test_durations_in_whole_minutes(minutes: int) -> None:
    assert payloads.render_duration(timedelta(minutes=minutes)) == f"{minutes}min"


@given(
    amount=st.decimals(
        allow_nan=False, allow_infinity=False, places=3, min_value=-(10**16), max_value=10**16
    )
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_balance_amounts_are_sent_exactly_or_refused(offline, amount: Decimal) -> None:
    if Decimal(repr(float(amount))) != amount:
        # A number a double would change is refused by the core for every vendor first.
        with pytest.raises(ValidationError, match="would arrive as"):
            Pass(template="membership-card", balance=Balance(amount=amount))
        return
    card = Pass(template="membership-card", balance=Balance(amount=amount))
    # No precision rule of LivePass's own (none is documented): what the core lets through is sent.
    assert _refused(offline, card) == []
    number = payloads.json_number(amount)
    assert Decimal(repr(json.loads(json.dumps(number)))) == amount


# ------------------------------------------------------------------------------------------
# Round trip through the emulator (in process)
# ------------------------------------------------------------------------------------------

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
zones = st.sampled_from([UTC, timezone(timedelta(hours=4)), timezone(timedelta(hours=-7))])
holders = st.builds(
    Holder,
    name=text,
    email=st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|net)", fullmatch=True) | st.none(),
    phone=st.from_regex(r"\+[0-9]{6,14}", fullmatch=True) | st.none(),
)
events = st.builds(
    Event,
    title=text,
    starts_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
    ),
    duration=st.integers(1, 10_000).map(lambda m: timedelta(minutes=m)),
    url=st.none() | st.just("https://example.com/b/1"),
)
places = st.builds(
    Location,
    latitude=st.floats(-90, 90, allow_nan=False),
    longitude=st.floats(-180, 180, allow_nan=False),
    name=st.none() | text,
    address=st.none() | text,
)
bookings = st.builds(
    Pass,
    template=st.sampled_from(["reservation", "appointment"]),
    external_id=ids,
    holder=holders,
    event=events,
    barcode=st.none() | st.builds(Barcode, message=text),
    locations=st.none() | places.map(lambda p: [p]),
)


_SLOW_FIXTURE = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _through_emulator(app: LivePassEmulator, request) -> VendorResponse:
    headers = {"authorization": f"API_KEY {DEFAULT_API_KEY}", "content-type": "application/json"}
    path = "/" + request.path
    sent = app.handle(
        EmulatorRequest(request.method, path, {}, headers, json.dumps(request.json).encode())
    )
    assert sent.status == 200, sent.body
    read = app.handle(EmulatorRequest("GET", path, {}, headers, b""))
    return VendorResponse(read.status, {}, read.body, method="GET", path=path)


@settings(max_examples=60, deadline=None, suppress_health_check=_SLOW_FIXTURE)
@given(booking=bookings)
def test_bookings_round_trip_through_the_emulator(offline, booking: Pass) -> None:
    request = offline.build_create(offline.prepare_create(booking))
    pass_id = f"{booking.template}.{booking.external_id}"
    issued = offline.parse_get(_through_emulator(LivePassEmulator(), request), pass_id)
    assert issued.holder is not None and issued.holder.name == booking.holder.name
    assert (issued.holder.email, issued.holder.phone) == (
        booking.holder.email,
        booking.holder.phone,
    )
    event = booking.event
    assert issued.fields["title"] == event.title
    assert issued.fields["date"] == payloads.render_date(event.starts_at)
    assert issued.fields["time"] == payloads.render_time(event.starts_at)
    assert issued.fields["duration"] == payloads.render_duration(event.duration)
    assert issued.barcode is not None and issued.barcode.format is BarcodeFormat.QR
    assert issued.barcode.message == (
        booking.barcode.message if booking.barcode else booking.external_id
    )
    if booking.locations:
        place = booking.locations[0]
        assert float(issued.fields["location_lat"]) == place.latitude
        assert float(issued.fields["location_lng"]) == place.longitude
        assert issued.fields.get("location_name") == place.name
    else:
        assert not any(key.startswith("location_") for key in issued.fields)
    assert issued.version == 1 and issued.urls.web and issued.urls.apple


cards = st.builds(
    Pass,
    template=st.just("membership-card"),
    external_id=ids,
    holder=holders,
    balance=st.none()
    | st.builds(
        Balance,
        amount=st.decimals(
            allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
        ),
        currency=st.none() | text,
    ),
    tier=st.none() | text.filter(lambda t: len(t) <= 100),
)


@settings(max_examples=60, deadline=None, suppress_health_check=_SLOW_FIXTURE)
@given(card=cards)
def test_cards_round_trip_through_the_emulator(offline, card: Pass) -> None:
    request = offline.build_create(offline.prepare_create(card))
    response = _through_emulator(LivePassEmulator(), request)
    issued = offline.parse_get(response, f"membership-card.{card.external_id}")
    if card.balance is None:
        assert "balance_amount" not in issued.fields
    else:
        assert Decimal(repr(issued.fields["balance_amount"])) == card.balance.amount
        assert issued.fields.get("balance_currency") == card.balance.currency
    assert issued.fields.get("membership_tier") == card.tier


@settings(max_examples=40, deadline=None)
@given(
    current=st.fixed_dictionaries(
        dict.fromkeys(("title", "date", "time", "duration", "url", "location_name"), text)
    ),
    changed=st.dictionaries(
        st.sampled_from(["title", "date", "time", "duration"]), text, min_size=1
    ),
)
def test_updates_keep_what_they_do_not_change(current: dict, changed: dict) -> None:
    body = payloads.merged_body(
        PassType.APPOINTMENT, "A-1", current, PassUpdate(fields=changed), silent=True
    )
    for key, value in current.items():
        assert body[key] == changed.get(key, value)
    assert set(limits.BODY_KEYS[PassType.APPOINTMENT]) & limits.EMPTIABLE_KEYS <= set(body)
    assert limits.body_problems(PassType.APPOINTMENT, body) == []


# ------------------------------------------------------------------------------------------
# Bad input (hypothesis)
# ------------------------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.from_regex(r"[a-z_]{1,20}", fullmatch=True).filter(
        lambda k: k not in limits.BOOKING_KEYS
    )
)
def test_unknown_field_keys_are_refused_naming_the_key(offline, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        offline.prepare_create(Pass(template="reservation", fields={key: "x"}))
    assert f"fields.{key}" in caught.value.fields
    assert "title" in str(caught.value)  # names the keys that exist


@pytest.mark.parametrize(
    ("new_pass", "where"),
    [
        (Pass(template="reservation", fields={"title": True}), "fields.title"),
        (
            Pass(template="membership-card", fields={"balance_amount": "500"}),
            "fields.balance_amount",
        ),
        (Pass(template="reservation", fields={"location_lat": "north"}), "fields.location_lat"),
        (Pass(template="reservation", fields={"location_lng": 181}), "fields.location_lng"),
        (
            Pass(template="reservation", event=Event(duration=timedelta(seconds=90))),
            "event.duration",
        ),
        (
            Pass(template="reservation", event=Event(title="A"), fields={"title": "B"}),
            "fields.title",
        ),
        (Pass(template="reservation", extra={"silent": "no"}), "extra.silent"),
        (Pass(template="reservation", external_id="a.b"), "external_id"),
        (Pass(template="reservation", external_id="x" * 129), "external_id"),
        (Pass(template="reservation", kind=PassKind.APPOINTMENT), "kind"),
        (Pass(template="vip"), "template"),
    ],
)
def test_vendor_rules_refuse_before_sending(offline, new_pass: Pass, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        offline.prepare_create(new_pass)
    assert where in caught.value.fields, caught.value.fields


def test_clearing_extra_is_refused(offline) -> None:
    with pytest.raises(ValidationError, match="nothing to clear"):
        offline.prepare_update("reservation.R-1", PassUpdate(extra=None))


def _membership_answer(**body: object) -> dict[str, object]:
    return {"type": "membership-card", "id": "M-1", "message": "Pass retrieved", "body": body}


@given(
    amount=st.one_of(
        st.integers(min_value=-(10**15), max_value=10**15),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
    ),
    currency=st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=40)),
)
def test_a_membership_cards_balance_reads_back_with_its_currency(amount, currency) -> None:
    issued = payloads.issued_from_answer(
        _membership_answer(balance_amount=amount, balance_currency=currency), provider="livepass"
    )
    assert issued.balance is not None
    assert issued.balance.amount == Decimal(repr(amount))
    named = isinstance(currency, str) and 0 < len(currency) <= 32
    assert issued.balance.currency == (currency if named else None)
    assert issued.fields["balance_amount"] == amount  # the vendor's value stays in fields


@given(
    amount=st.one_of(
        st.none(), st.booleans(), st.text(max_size=6), st.just(float("nan")), st.just(float("inf"))
    )
)
def test_a_balance_amount_that_is_no_json_number_is_no_balance(amount) -> None:
    issued = payloads.issued_from_answer(
        _membership_answer(balance_amount=amount), provider="livepass"
    )
    assert issued.balance is None


@given(
    pass_id=st.from_regex(r"[A-Za-z0-9_-]{2,40}", fullmatch=True),
    where=st.sampled_from(["end", "middle"]),
    line_break=st.sampled_from(["\n", "\r\n"]),
)
def test_a_pass_id_with_a_line_break_is_refused_as_any_other_not_path_safe(
    pass_id: str, where: str, line_break: str
) -> None:
    """A final line break too (which a ``$`` would have let through)."""
    broken = pass_id + line_break if where == "end" else pass_id[:1] + line_break + pass_id[1:]
    assert limits.id_problem(pass_id) is None
    assert limits.id_problem(broken) == limits.id_problem("a/b")
