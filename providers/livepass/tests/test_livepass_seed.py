"""Done when: the seed's reservation example (John Appleseed, Health Check-up, Mainland Hospital),
expressed through the neutral model, produces the seed's request path, headers and body keys, and
the seed's GET answer parses into an IssuedPass with both links.

The seed is LivePass's "Reservations API" page (``seeds/001_4d0711b1e0235832.txt``); its request,
POST answer and GET answer are copied here verbatim.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from walletpass import Barcode, Holder, Pass, PassKind
from walletpass.model import Event, PassStatus
from walletpass.retry import Safety
from walletpass.transport import VendorResponse

#: ``--data-raw`` of the seed's "Create or Update Reservation" request.
SEED_REQUEST_BODY = {
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

#: What walletpass sends for it: the seed's keys in the seed's order, without the ones the seed
#: sends as ``""`` for values the pass does not have. ``balance_amount`` is a number where LivePass
#: documents it, so ``""`` is never sent for it; no key goes without a value (issue 16).
EXPECTED_BODY = {key: value for key, value in SEED_REQUEST_BODY.items() if value != ""}

#: The seed's POST response.
SEED_POST_ANSWER = {
    "type": "reservation",
    "id": "1003",
    "body": {
        "full_name": "John Appleseed",
        "email": "john.appleseed@getlivepass.com",
        "phone_number": "",
        "barcode_type": "qr",
        "barcode_data": "1003",
        "silent": False,
        "title": "Health Check-up",
        "date": "Nov 6, 2024",
        "time": "10:00am",
        "duration": "60min",
        "url": "https://example.com/appointments/edit/1003",
        "location_name": "Mainland Hospital",
        "location_address": "LivePass Street, 12",
        "location_url": "https://example.com/address/mainland-hospital",
    },
    "message": "Pass requested",
}

#: The seed's GET response ("Get Reservation").
SEED_GET_ANSWER = {
    "message": "Pass retrieved",
    "body": {
        "version": 1,
        "created_at": 1728203404,
        "barcode_data": "1003",
        "location_url": "https://example.com/address/mainland-hospital",
        "barcode_type": "qr",
        "time": "10:00am",
        "silent": False,
        "full_name": "John Appleseed",
        "url": "https://example.com/reservations/edit/1003",
        "email": "john.appleseed@getlivepass.com",
        "location_name": "Mainland Hospital",
        "date": "Nov 6, 2024",
        "token": "[REDACTED]",
        "last_updated_at": 1728203629,
        "phone_number": "",
        "duration": "60min",
        "location_address": "LivePass Street, 12",
        "title": "Health Check-up",
        "type": "reservation",
    },
    "links": {
        "web": "https://app.getlivepass.com/view/...",
        "apple": "https://app.getlivepass.com/apple/...",
    },
    "id": "1003",
    "type": "reservation",
}

DUBAI = timezone(timedelta(hours=4))
HOSPITAL = {
    "location_name": "Mainland Hospital",
    "location_address": "LivePass Street, 12",
    "location_url": "https://example.com/address/mainland-hospital",
}

#: The seed's reservation, neutrally: typed date and duration, rendered in LivePass's free text.
SEED_RESERVATION = Pass(
    template="reservation",
    kind=PassKind.RESERVATION,
    external_id="1003",
    holder=Holder(name="John Appleseed", email="john.appleseed@getlivepass.com"),
    barcode=Barcode(message="1003"),
    event=Event(
        title="Health Check-up",
        starts_at=datetime(2024, 11, 6, 10, 0, tzinfo=DUBAI),
        duration=timedelta(minutes=60),
        url="https://example.com/appointments/edit/1003",
    ),
    # No coordinates in the seed, so the place cannot be a neutral Location: its texts go as fields.
    fields=HOSPITAL,
)

#: The same reservation with the date, time and duration given as LivePass's own text.
SEED_RESERVATION_AS_TEXT = Pass(
    template="reservation",
    external_id="1003",
    holder=Holder(name="John Appleseed", email="john.appleseed@getlivepass.com"),
    barcode=Barcode(message="1003"),
    fields={
        "title": "Health Check-up",
        "date": "Nov 6, 2024",
        "time": "10:00am",
        "duration": "60min",
        "url": "https://example.com/appointments/edit/1003",
        **HOSPITAL,
    },
)


def _response(payload: object) -> VendorResponse:
    return VendorResponse(200, {}, json.dumps(payload).encode(), method="GET", path="x")


@pytest.mark.parametrize("reservation", [SEED_RESERVATION, SEED_RESERVATION_AS_TEXT])
def test_seed_reservation_builds_the_seed_request(reservation: Pass, offline) -> None:
    offline = type(offline)(offline.settings.model_copy(update={"notify_on_create": True}))
    request = offline.build_create(offline.prepare_create(reservation))
    assert (request.method, request.path) == ("POST", "reservation/1003")
    # It e-mails the holder (silent: false): looked up by the id after an ambiguous failure,
    # never repeated blindly (a silent create is IDEMPOTENT).
    assert request.safety is Safety.RECOVERABLE
    assert list(request.json) == list(EXPECTED_BODY)
    assert request.json == EXPECTED_BODY


def test_seed_reservation_request_path_headers_and_body_keys(connect, emulator, api_key) -> None:
    wallet = connect(notify_on_create=True)
    wallet.create(SEED_RESERVATION)
    sent = emulator.journal.last()
    assert (sent.method, sent.path) == ("POST", "/reservation/1003")
    assert sent.headers["authorization"] == f"API_KEY {api_key}"
    assert sent.headers["content-type"] == "application/json"
    body = json.loads(sent.body)
    assert list(body) == list(EXPECTED_BODY)
    assert body == EXPECTED_BODY
    assert sent.status == 200


def test_seed_post_answer_parses_into_an_issued_pass(offline) -> None:
    issued = offline.parse_create(_response(SEED_POST_ANSWER), SEED_RESERVATION)
    assert (issued.id, issued.vendor_id, issued.template) == (
        "reservation.1003",
        "1003",
        "reservation",
    )
    assert issued.kind is PassKind.RESERVATION
    assert issued.holder is not None and issued.holder.name == "John Appleseed"
    assert issued.barcode is not None and issued.barcode.message == "1003"
    assert issued.fields["title"] == "Health Check-up"
    assert issued.meta["message"] == "Pass requested"
    assert issued.raw == SEED_POST_ANSWER


def test_seed_get_response_parses_into_issued_pass_with_both_links(offline) -> None:
    issued = offline.parse_get(_response(SEED_GET_ANSWER), "reservation.1003")
    assert issued.id == "reservation.1003" and issued.vendor_id == "1003"
    assert issued.urls.web == "https://app.getlivepass.com/view/..."
    assert issued.urls.apple == "https://app.getlivepass.com/apple/..."
    assert issued.urls.google is None and issued.urls.download is None
    assert issued.version == 1
    assert issued.created_at == datetime(2024, 10, 6, 8, 30, 4, tzinfo=UTC)
    assert issued.updated_at == datetime(2024, 10, 6, 8, 33, 49, tzinfo=UTC)
    assert issued.created_at.tzinfo is not None
    assert issued.status is PassStatus.ISSUED
    assert issued.kind is PassKind.RESERVATION
    assert issued.holder is not None
    assert (issued.holder.name, issued.holder.email, issued.holder.phone) == (
        "John Appleseed",
        "john.appleseed@getlivepass.com",
        None,
    )
    assert issued.fields == {
        "title": "Health Check-up",
        "date": "Nov 6, 2024",
        "time": "10:00am",
        "duration": "60min",
        "url": "https://example.com/reservations/edit/1003",
        **HOSPITAL,
    }
    assert issued.raw["body"]["token"] == "***"  # undocumented purpose: treated as a secret


def test_seed_reservation_round_trips_through_the_emulator(wallet, emulator) -> None:
    created = wallet.create(SEED_RESERVATION)
    fetched = wallet.get(created.id)
    assert fetched.id == created.id == "reservation.1003"
    assert fetched.urls.web and fetched.urls.apple
    assert fetched.version == 1
    assert fetched.fields == {
        key: SEED_REQUEST_BODY[key]
        for key in ("title", "date", "time", "duration", "url", *HOSPITAL)
    }
    assert fetched.holder is not None and fetched.holder.name == "John Appleseed"
    stored = emulator.stored("reservation", "1003")
    assert "balance_amount" not in stored.body  # dropped, as the seed's echo shows
