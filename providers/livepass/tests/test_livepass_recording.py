"""What the LivePass provider sends, recorded by a server written from LivePass's documentation
alone (walletpass.testing.recording; ../shared/vendor-api/livepass.md), not by the emulator: the
documented paths and headers, and only documented keys for the pass type, each in the JSON type the
documentation gives it (issue 16, field reports 8 and 12).

Everything below is copied from the documentation pages, not from the provider: the key tables of
sections 3.1-3.3 and the composed example answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepass import LivePassProvider

from walletpass import Balance, Barcode, Event, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.testing.recording import DocumentedRoute, Recorded, RecordingServer

KEY = "lpk_example_key"
TEXT = str
NUMBER = (int, float)

#: Section 3.1: the body fields every type takes, and their documented JSON types.
COMMON: dict[str, type | tuple[type, ...]] = {
    "full_name": TEXT,
    "email": TEXT,
    "phone_number": TEXT,
    "silent": bool,
    "barcode_type": TEXT,
    "barcode_data": TEXT,
}
#: Sections 3.2 (membership card) and 3.3 (appointment and reservation: identical field sets).
BY_TYPE: dict[str, dict[str, type | tuple[type, ...]]] = {
    "membership-card": {
        **COMMON,
        "balance_amount": NUMBER,
        "balance_currency": TEXT,
        "membership_tier": TEXT,
    },
    **{
        kind: {
            **COMMON,
            **dict.fromkeys(
                (
                    "title",
                    "date",
                    "time",
                    "duration",
                    "url",
                    "location_name",
                    "location_address",
                    "location_url",
                    "location_lat",
                    "location_lng",
                ),
                TEXT,
            ),
        }
        for kind in ("appointment", "reservation")
    },
}
#: Section 3.1: "Only allowed value: qr".
BARCODE_TYPES = {"qr"}


def _post_answer(kind: str, pass_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Section 3.2's POST answer: ``{type, id, body, message}``, ``body`` echoing the request."""
    return {"type": kind, "id": pass_id, "body": body, "message": "Pass requested"}


def _get_answer(kind: str, pass_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Section 3.3's GET answer: ``{message, body, links, id, type}``, epoch-second stamps."""
    stored = {
        "version": 3,
        "created_at": 1767225600,
        "last_updated_at": 1767229200,
        "type": kind,
        "token": "[MASKED]",
        **body,
    }
    return {
        "message": "Pass retrieved",
        "body": stored,
        "links": {
            "web": "https://app.getlivepass.com/view/x",
            "apple": "https://app.getlivepass.com/apple/x",
        },
        "id": pass_id,
        "type": kind,
    }


CARD = {
    "full_name": "Ines Duarte",
    "email": "ines@example.net",
    "phone_number": "+351210000000",
    "silent": True,
    "balance_amount": 120,
    "balance_currency": "credits",
    "membership_tier": "Silver",
    "barcode_type": "qr",
    "barcode_data": "GYM-0042",
}
TABLE = {
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
    "location_lat": "38.7223",
    "location_lng": "-9.1393",
    "barcode_type": "qr",
    "barcode_data": "7781",
}
ROUTES = [
    DocumentedRoute(
        "POST", r"/membership-card/GYM-0042", _post_answer("membership-card", "GYM-0042", CARD)
    ),
    DocumentedRoute(
        "GET", r"/membership-card/GYM-0042", _get_answer("membership-card", "GYM-0042", CARD)
    ),
    DocumentedRoute("POST", r"/reservation/7781", _post_answer("reservation", "7781", TABLE)),
    DocumentedRoute("GET", r"/reservation/7781", _get_answer("reservation", "7781", TABLE)),
]


def _check(request: Recorded) -> None:
    """One request against the documentation: path, headers, keys and JSON types."""
    kind = request.path.strip("/").split("/")[0]
    assert kind in BY_TYPE, request.path
    assert request.headers["authorization"] == f"API_KEY {KEY}"  # section 1: not Bearer
    if request.method == "GET":
        return
    assert request.headers["content-type"].split(";")[0] == "application/json"
    body = request.json()
    assert isinstance(body, dict)
    documented = BY_TYPE[kind]
    for key, value in body.items():
        assert key in documented, f"{request.method} {request.path} sends undocumented {key!r}"
        expected = documented[key]
        boolean_for_number = isinstance(value, bool) and expected is not bool
        assert isinstance(value, expected) and not boolean_for_number, (kind, key, value)
    assert body["barcode_type"] in BARCODE_TYPES
    # Section 3.2's later finding: "" is not a number, nor an email address.
    assert body.get("email") != ""


@pytest.fixture
def recorded() -> list[Recorded]:
    with RecordingServer(ROUTES) as server:
        wallet = LivePassProvider(api_key=KEY, base_url=server.url, max_retries=0)
        try:
            card = wallet.create(
                Pass(
                    template="membership-card",
                    kind=PassKind.MEMBERSHIP,
                    external_id="GYM-0042",
                    holder=Holder(
                        name="Ines Duarte", email="ines@example.net", phone="+351210000000"
                    ),
                    balance=Balance(amount=Decimal(120), currency="credits"),
                    tier="Silver",
                    barcode=Barcode(message="GYM-0042"),
                )
            )
            wallet.update(card.id, PassUpdate(tier="Gold", balance=Balance(amount=Decimal("7.5"))))
            wallet.update(card.id, PassUpdate(holder=Holder(name="Ines D.")))  # no email now
            booking = wallet.create(
                Pass(
                    template="reservation",
                    kind=PassKind.RESERVATION,
                    external_id="7781",
                    holder=Holder(name="Tom Reyes"),
                    event=Event(
                        title="Dinner for two",
                        starts_at=datetime(2027, 1, 9, 20, tzinfo=UTC),
                        duration=timedelta(hours=2),
                        url="https://bookings.example.com/r/7781",
                    ),
                    locations=[
                        Location(
                            latitude=38.7223,
                            longitude=-9.1393,
                            name="Casa Mar",
                            address="12 Quay Street",
                            url="https://maps.example.com/?q=casa+mar",
                        )
                    ],
                )
            )
            wallet.update(booking.id, PassUpdate(locations=[]))
        finally:
            wallet.close()
    return server.requests


def test_every_request_has_the_documented_path_headers_keys_and_json_types(recorded) -> None:
    assert [(r.method, r.path) for r in recorded] == [
        ("POST", "/membership-card/GYM-0042"),
        ("GET", "/membership-card/GYM-0042"),  # no partial update: read, then the whole pass
        ("POST", "/membership-card/GYM-0042"),
        ("GET", "/membership-card/GYM-0042"),
        ("POST", "/membership-card/GYM-0042"),
        ("POST", "/reservation/7781"),
        ("GET", "/reservation/7781"),
        ("POST", "/reservation/7781"),
    ]
    for request in recorded:
        _check(request)


def test_values_reach_the_vendor_as_documented(recorded) -> None:
    card, _, topped_up, _, renamed, booking, _, moved = recorded
    assert card.json()["balance_amount"] == 120 and card.json()["silent"] is True
    assert topped_up.json()["balance_amount"] == 7.5
    assert topped_up.json()["membership_tier"] == "Gold"
    assert "email" not in renamed.json()  # the new holder has none: left out, never ""
    sent = booking.json()
    assert (sent["location_lat"], sent["location_lng"]) == ("38.7223", "-9.1393")
    assert not {"balance_amount", "balance_currency", "membership_tier"} & set(sent)
    # A removed location empties every location key (strings), as a whole upsert must.
    assert {k: v for k, v in moved.json().items() if k.startswith("location_")} == dict.fromkeys(
        ("location_name", "location_address", "location_url", "location_lat", "location_lng"), ""
    )
