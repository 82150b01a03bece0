"""Done when: the guide's membership-card examples, expressed neutrally, give the guide's bodies."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from walletpass_pass2u.png import encode_png

from walletpass import Barcode, Colors, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.model import PassStatus
from walletpass.transport import VendorResponse

TAIPEI = timezone(timedelta(hours=8))
THUMBNAIL_HEX = "d33b9f1426d363340c2946557f173c402cd74014"

#: "Create pass" example request body of the Pass API 2.2.3 guide, verbatim.
SEED_CREATE_BODY = {
    "expirationDate": "2018-12-31T23:00:15+08:00",
    "foregroundColor": "rgb(51, 50, 46)",
    "backgroundColor": "rgb(237, 219, 21)",
    "labelColor": "rgb(196, 54, 39)",
    "sharingProhibited": True,
    "barcode": {"message": "1234567890", "altText": "1234567890"},
    "fields": [
        {"key": "name", "value": "Fi-Lin,Chen"},
        {"key": "birth", "value": "Dec\u201910 1999"},
        {"key": "level", "value": "GOLD"},
    ],
    "images": [{"type": "thumbnail", "hex": THUMBNAIL_HEX}],
    "locations": [
        {
            "latitude": 25.0413093,
            "longitude": 121.55269329999999,
            "relevantText": "Store nearby on 1st and Main.",
        },
        {
            "latitude": 12.0413093,
            "longitude": 81.3226,
            "relevantText": "Take a break with Bistro Coffee",
        },
    ],
}

#: "Update pass" example request body (the guide's trailing comma removed).
SEED_UPDATE_BODY = {
    "expirationDate": "2019-12-31T23:00:15+08:00",
    "foregroundColor": "rgb(51, 50, 46)",
    "backgroundColor": "rgb(211, 79, 46)",
    "labelColor": "rgb(196, 54, 39)",
    "fields": [
        {
            "key": "level",
            "value": "DIAMOND",
            "changeMessage": "You get highest and most rewarding level %@",
        }
    ],
}

#: "Create pass" example response body.
SEED_CREATE_ANSWER = {
    "barcodeMessage": "1234567890",
    "modelId": 1919,
    "passId": "VT-2I77F5ADz",
    "createdTime": "2018-01-25T16:19:36+08:00",
    "expirationDate": "2018-12-31T23:00:15+08:00",
}

MEMBERSHIP_CARD = Pass(
    template="1919",
    kind=PassKind.MEMBERSHIP,
    holder=Holder(name="Fi-Lin,Chen"),
    fields={"birth": "Dec\u201910 1999", "level": "GOLD"},
    barcode=Barcode(message="1234567890", alt_text="1234567890"),
    expires_at=datetime(2018, 12, 31, 23, 0, 15, tzinfo=TAIPEI),
    colors=Colors(foreground="rgb(51, 50, 46)", background="#eddb15", label="rgb(196, 54, 39)"),
    images={"thumbnail": THUMBNAIL_HEX},
    locations=[
        Location(
            latitude=25.0413093,
            longitude=121.55269329999999,
            relevant_text="Store nearby on 1st and Main.",
        ),
        Location(
            latitude=12.0413093, longitude=81.3226, relevant_text="Take a break with Bistro Coffee"
        ),
    ],
    extra={"sharingProhibited": True},
)

LEVEL_UPGRADE = PassUpdate(
    expires_at=datetime(2019, 12, 31, 23, 0, 15, tzinfo=TAIPEI),
    colors=Colors(foreground="rgb(51, 50, 46)", background="rgb(211, 79, 46)", label="#c43627"),
    fields={"level": "DIAMOND"},
    message="You get highest and most rewarding level %@",
)


def _shape(value: object) -> object:
    """Keys and value types, recursively: what "same keys and value formats" compares."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


def _by_key(body: Any) -> Any:
    """``body`` with ``fields[]`` in key order: each entry is placed by its key in the model's
    design, so the array's order carries nothing (the core adds the holder's field last)."""
    return {**body, "fields": sorted(body["fields"], key=lambda entry: entry["key"])}


def test_seed_membership_card_create_body_matches_the_guide(offline) -> None:
    request = offline.build_create(offline.prepare_create(MEMBERSHIP_CARD))
    assert request.method == "POST"
    assert request.path == "models/1919/passes"
    assert request.query is None
    assert request.headers == {"Accept": "application/json"}
    assert _shape(request.json) == _shape(SEED_CREATE_BODY)
    assert _by_key(request.json) == _by_key(SEED_CREATE_BODY)


def test_seed_membership_card_update_body_matches_the_guide(offline) -> None:
    pass_id, change = offline.prepare_update("1919.VT-2I77F5ADz", LEVEL_UPGRADE)
    request = offline.build_update(pass_id, change)
    assert request.method == "PUT"
    assert request.path == "models/1919/passes/VT-2I77F5ADz"
    assert request.headers == {"Accept": "application/json"}
    assert _shape(request.json) == _shape(SEED_UPDATE_BODY)
    assert request.json == SEED_UPDATE_BODY
    assert offline.build_resets(pass_id, change) == []


def test_seed_bodies_go_over_the_wire_unchanged(wallet, emulator, api_key) -> None:
    emulator.images[THUMBNAIL_HEX] = encode_png(180, 180)
    issued = wallet.create(MEMBERSHIP_CARD)
    sent = emulator.journal.last()
    assert (sent.method, sent.path) == ("POST", "/models/1919/passes")
    assert sent.headers["x-api-key"] == api_key
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["content-type"] == "application/json"
    assert _by_key(json.loads(sent.body)) == _by_key(SEED_CREATE_BODY)

    wallet.update(issued.id, LEVEL_UPGRADE)
    sent, read = emulator.journal.entries[-2:]
    assert (sent.method, sent.path) == ("PUT", f"/models/1919/passes/{issued.vendor_id}")
    assert (read.method, read.path) == ("GET", sent.path)  # the update's read-back
    assert json.loads(sent.body) == SEED_UPDATE_BODY

    card = wallet.get(issued.id)
    assert card.holder is not None and card.holder.name == "Fi-Lin,Chen"
    assert (card.fields["birth"], card.fields["level"]) == ("Dec\u201910 1999", "DIAMOND")
    assert card.raw["backgroundColor"] == "rgb(211, 79, 46)"
    assert card.status is PassStatus.EXPIRED  # the guide's dates are in the past


def test_seed_create_answer_parses_into_an_issued_pass(offline) -> None:
    prepared = offline.prepare_create(MEMBERSHIP_CARD)
    response = VendorResponse(
        200,
        {},
        json.dumps(SEED_CREATE_ANSWER).encode(),
        request=offline.build_create(prepared),  # the parse hook reads what was sent from it
    )
    issued = offline.present(offline.parse_create(response, prepared))
    assert issued.id == "1919.VT-2I77F5ADz"
    assert issued.vendor_id == "VT-2I77F5ADz"
    assert issued.template == "1919"
    assert issued.urls.download == "https://www.pass2u.net/d/VT-2I77F5ADz"
    assert issued.created_at == datetime(2018, 1, 25, 16, 19, 36, tzinfo=TAIPEI)
    assert issued.expires_at == datetime(2018, 12, 31, 23, 0, 15, tzinfo=TAIPEI)
    assert issued.barcode is not None and issued.barcode.message == "1234567890"
    assert issued.fields == {"birth": "Dec\u201910 1999", "level": "GOLD"}
    assert issued.holder is not None and issued.holder.name == "Fi-Lin,Chen"
    assert issued.raw == SEED_CREATE_ANSWER
