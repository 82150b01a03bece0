"""The neutral operations against the emulator over HTTP: what LivePass lacks is refused before any
request, creates are retried safely as upserts, updates merge into the current pass."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from walletpass import Barcode, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import (
    NotFound,
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
)
from walletpass.model import Balance, Event
from walletpass.testing.emulator import Fault

DUBAI = timezone(timedelta(hours=4))

BOOKING = Pass(
    template="reservation",
    external_id="R-1",
    holder=Holder(name="Tom Reyes", email="tom@example.com"),
    event=Event(
        title="Dinner for two",
        starts_at=datetime(2030, 1, 9, 20, 0, tzinfo=DUBAI),
        duration=timedelta(hours=2),
        url="https://bookings.example.com/r/7781",
    ),
    locations=[
        Location(latitude=25.2048, longitude=55.2708, name="Casa Mar", address="12 Quay Street")
    ],
)

CARD = Pass(
    template="membership-card",
    kind=PassKind.MEMBERSHIP,
    external_id="GYM-0042",
    holder=Holder(name="Ines Duarte", email="ines@example.net", phone="+351210000000"),
    balance=Balance(amount=Decimal("120"), currency="credits"),
    tier="Silver",
    barcode=Barcode(message="GYM-0042"),
)


def _posts(emulator) -> list[dict]:
    return [json.loads(e.body) for e in emulator.journal.find("POST")]


# -- Done when: redeem and delete raise UnsupportedOperation before any HTTP ---------------------


@pytest.mark.parametrize("operation", ["redeem", "delete"])
def test_redeem_and_delete_raise_unsupported_operation_before_any_http(
    wallet, emulator, operation: str
) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        getattr(wallet, operation)("reservation.1003")
    error = caught.value
    assert error.provider == "livepass" and error.operation == operation
    assert "livepass" in str(error) and operation in str(error)
    assert error.alternative and "your own system" in error.alternative
    assert len(emulator.journal) == 0


def test_unsupported_operations_need_no_valid_id_and_no_credentials(server) -> None:
    import walletpass

    keyless = walletpass.connect("livepass", base_url=server.url)
    for call in (
        lambda: keyless.redeem("not even an id", amount=5),
        lambda: keyless.delete("x"),
        keyless.list,
    ):
        with pytest.raises(UnsupportedOperation):
            call()
    assert len(server.app.journal) == 0


def test_list_names_the_alternative_before_any_request(wallet, emulator) -> None:
    with pytest.raises(UnsupportedOperation, match=r"keep IssuedPass\.id in your own store"):
        wallet.list()
    assert len(emulator.journal) == 0


# -- create: an idempotent upsert ----------------------------------------------------------------


def test_create_is_retried_after_a_reset_and_leaves_one_pass(wallet, emulator) -> None:
    emulator.inject(Fault.reset_after(), method="POST")  # stored, then the answer is lost
    issued = wallet.create(BOOKING)
    attempts = emulator.journal.find("POST", "/reservation/R-1")
    assert [e.status for e in attempts] == [0, 200]
    assert attempts[0].body == attempts[1].body
    assert list(emulator.passes) == [("reservation", "R-1")]
    assert issued.id == "reservation.R-1"
    assert wallet.get(issued.id).version == 2  # both writes counted, one pass
    assert emulator.notifications == []  # silent by default: the retry told nobody


def test_create_retried_after_a_reset_before_processing_writes_once(wallet, emulator) -> None:
    emulator.inject(Fault.reset(), method="POST")
    wallet.create(BOOKING)
    assert len(emulator.journal.find("POST")) == 2
    assert emulator.stored("reservation", "R-1").version == 1


def test_create_again_with_the_same_id_updates_the_same_pass(wallet, emulator) -> None:
    first = wallet.create(BOOKING)
    moved = BOOKING.event.model_copy(update={"title": "Dinner for three"})
    second = wallet.create(BOOKING.model_copy(update={"event": moved}))
    assert first.id == second.id
    assert len(emulator.passes) == 1
    stored = emulator.stored("reservation", "R-1")
    assert (stored.version, stored.body["title"]) == (2, "Dinner for three")


def test_creates_without_external_id_get_distinct_path_safe_ids(wallet, emulator) -> None:
    anonymous = BOOKING.model_copy(update={"external_id": None})
    ids = {wallet.create(anonymous).vendor_id for _ in range(3)}
    assert len(ids) == 3
    for vendor_id in ids:
        assert vendor_id.startswith("wp-") and len(vendor_id) == 23
        assert emulator.stored("reservation", vendor_id).body["barcode_data"] == vendor_id


def test_create_sends_silent_unless_notify_on_create(connect, emulator) -> None:
    connect().create(BOOKING)
    assert _posts(emulator)[-1]["silent"] is True
    assert emulator.notifications == []
    connect(notify_on_create=True).create(BOOKING.model_copy(update={"external_id": "R-2"}))
    assert _posts(emulator)[-1]["silent"] is False
    assert [(n.channel, n.pass_id, n.to) for n in emulator.notifications] == [
        ("email", "R-2", "tom@example.com")
    ]


def test_appointment_location_goes_as_text_coordinates(wallet, emulator) -> None:
    wallet.create(BOOKING.model_copy(update={"template": "appointment", "external_id": "A-7"}))
    body = _posts(emulator)[-1]
    assert (body["location_lat"], body["location_lng"]) == ("25.2048", "55.2708")
    assert (body["location_name"], body["location_address"]) == ("Casa Mar", "12 Quay Street")
    assert "location_url" not in body  # no value: left out, not sent as ""
    assert (body["date"], body["time"], body["duration"]) == ("Jan 9, 2030", "8:00pm", "120min")
    assert emulator.journal.last().path == "/appointment/A-7"


def test_membership_card_body_and_answer(wallet, emulator) -> None:
    issued = wallet.create(CARD)
    assert _posts(emulator)[-1] == {
        "full_name": "Ines Duarte",
        "email": "ines@example.net",
        "phone_number": "+351210000000",
        "barcode_type": "qr",
        "barcode_data": "GYM-0042",
        "silent": True,
        "balance_amount": 120,
        "balance_currency": "credits",
        "membership_tier": "Silver",
    }
    assert issued.id == "membership-card.GYM-0042" and issued.kind is PassKind.MEMBERSHIP
    fetched = wallet.get(issued.id)
    assert fetched.fields == {
        "balance_amount": 120,
        "balance_currency": "credits",
        "membership_tier": "Silver",
    }
    assert fetched.holder is not None and fetched.holder.phone == "+351210000000"


def test_loyalty_kind_is_issued_as_a_membership_card(wallet) -> None:
    loyalty = CARD.model_copy(update={"template": "points", "kind": PassKind.LOYALTY})
    issued = wallet.create(loyalty)
    # The create reports what the next get() reads: the type's kind, not the kind asked.
    assert issued.id == "membership-card.GYM-0042" and issued.kind is PassKind.MEMBERSHIP
    assert wallet.get(issued.id).kind is PassKind.MEMBERSHIP


def test_template_alias_names_the_type(connect, emulator) -> None:
    wallet = connect(templates={"booking": "appointment"})
    issued = wallet.create(BOOKING.model_copy(update={"template": "booking"}))
    assert issued.id == "appointment.R-1"
    assert emulator.journal.last().path == "/appointment/R-1"


def test_ids_are_namespaced_by_type(wallet) -> None:
    wallet.create(BOOKING)
    with pytest.raises(NotFound):
        wallet.get("appointment.R-1")


# -- update: read, merge, write everything --------------------------------------------------------


def test_update_merges_the_change_into_the_current_pass(wallet, emulator) -> None:
    issued = wallet.create(BOOKING)
    emulator.journal.clear()
    updated = wallet.update(issued.id, PassUpdate(fields={"time": "9:30pm"}))
    assert [(e.method, e.path) for e in emulator.journal] == [
        ("GET", "/reservation/R-1"),
        ("POST", "/reservation/R-1"),
    ]
    sent = _posts(emulator)[-1]
    assert sent["time"] == "9:30pm"
    assert (sent["title"], sent["date"], sent["duration"]) == (
        "Dinner for two",
        "Jan 9, 2030",
        "120min",
    )
    assert (sent["location_name"], sent["location_lat"]) == ("Casa Mar", "25.2048")
    assert sent["full_name"] == "Tom Reyes" and sent["barcode_data"] == "R-1"
    assert "version" not in sent and "token" not in sent and "type" not in sent
    assert updated.fields["time"] == "9:30pm"
    assert updated.urls.apple and updated.urls.web  # kept from the read
    fetched = wallet.get(issued.id)
    assert fetched.version == 2
    assert fetched.fields["location_address"] == "12 Quay Street"
    assert fetched.holder is not None and fetched.holder.email == "tom@example.com"


def test_update_replaces_given_objects_and_clears_none(wallet, emulator) -> None:
    issued = wallet.create(BOOKING.model_copy(update={"barcode": Barcode(message="TABLE-9")}))
    wallet.update(
        issued.id,
        PassUpdate(holder=Holder(name="Tomás Reyes"), barcode=None, locations=None),
    )
    sent = _posts(emulator)[-1]
    assert (sent["full_name"], sent["phone_number"]) == ("Tomás Reyes", "")
    assert "email" not in sent  # "" is no address: the replaced holder's email is left out
    assert sent["barcode_data"] == "R-1"  # a cleared barcode goes back to the pass id
    assert all(sent[k] == "" for k in ("location_name", "location_lat", "location_lng"))
    fetched = wallet.get(issued.id)
    assert "location_name" not in fetched.fields
    assert fetched.fields["title"] == "Dinner for two"


def test_update_with_an_empty_location_list_removes_the_location(wallet, emulator) -> None:
    issued = wallet.create(BOOKING)
    wallet.update(issued.id, PassUpdate(locations=[]))
    assert _posts(emulator)[-1]["location_lat"] == ""


def test_update_of_a_missing_pass_is_not_found_and_creates_nothing(wallet, emulator) -> None:
    with pytest.raises(NotFound):
        wallet.update("reservation.nobody", PassUpdate(fields={"title": "x"}))
    assert [e.method for e in emulator.journal] == ["GET"]
    assert emulator.passes == {}


def test_update_notifies_only_when_asked(connect, emulator) -> None:
    wallet = connect()
    issued = wallet.create(BOOKING)
    wallet.update(issued.id, PassUpdate(fields={"time": "9:00pm"}))
    assert _posts(emulator)[-1]["silent"] is True
    assert emulator.notifications == []
    wallet.update(issued.id, PassUpdate(fields={"time": "9:30pm"}, notify=True))
    assert _posts(emulator)[-1]["silent"] is False
    assert [(n.channel, n.changed) for n in emulator.notifications] == [("push", ("time",))]
    noisy = connect(notify_on_update=True)
    noisy.update(issued.id, PassUpdate(fields={"title": "Dinner for three"}))
    noisy.update(issued.id, PassUpdate(fields={"title": "Dinner for four"}, notify=False))
    assert [n.changed for n in emulator.notifications] == [("time",), ("title",)]


def test_a_retried_update_does_not_notify_unless_asked(wallet, emulator) -> None:
    issued = wallet.create(BOOKING)
    emulator.inject(Fault.reset_after(), method="POST")
    wallet.update(issued.id, PassUpdate(fields={"time": "10:00pm"}))
    assert [e.status for e in emulator.journal.find("POST")] == [200, 0, 200]
    assert emulator.notifications == []
    assert wallet.get(issued.id).fields["time"] == "10:00pm"


def test_membership_update_of_the_balance(wallet, emulator) -> None:
    issued = wallet.create(CARD)
    wallet.update(
        issued.id, PassUpdate(balance=Balance(amount=Decimal("150.5"), currency="credits"))
    )
    sent = _posts(emulator)[-1]
    assert (sent["balance_amount"], sent["membership_tier"]) == (150.5, "Silver")
    assert wallet.get(issued.id).fields["balance_amount"] == 150.5


@pytest.mark.parametrize(
    ("pass_id", "change", "where"),
    [
        ("reservation.R-1", PassUpdate(balance=Balance(amount=Decimal(1))), "balance"),
        ("appointment.R-1", PassUpdate(tier="Gold"), "tier"),
        ("membership-card.C-1", PassUpdate(event=Event(title="x")), "event.title"),
        (
            "membership-card.C-1",
            PassUpdate(locations=[Location(latitude=1, longitude=2)]),
            "locations",
        ),
        ("membership-card.C-1", PassUpdate(fields={"title": "x"}), "fields.title"),
        ("reservation.R-1", PassUpdate(fields={"balance_amount": 3}), "fields.balance_amount"),
    ],
)
def test_update_refuses_what_the_type_cannot_carry_before_any_request(
    wallet, emulator, pass_id: str, change: PassUpdate, where: str
) -> None:
    # An attribute the type has no keys for is a feature this pass cannot carry (the core's
    # unsupported_here: UnsupportedFeature); a field name it lacks is invalid input.
    expected = ValidationError if where.startswith("fields.") else UnsupportedFeature
    with pytest.raises(expected) as caught:
        wallet.update(pass_id, change)
    if isinstance(caught.value, UnsupportedFeature):
        assert caught.value.features == (where,)
    else:
        assert where in caught.value.fields
    assert len(emulator.journal) == 0


def test_update_message_is_refused_with_the_notify_alternative(wallet, emulator) -> None:
    with pytest.raises(UnsupportedFeature) as caught:
        wallet.update("reservation.R-1", PassUpdate(fields={"time": "9pm"}, message="Moved"))
    assert list(caught.value.features) == ["update.message"]
    assert "notify=True" in str(caught.value)
    assert len(emulator.journal) == 0


@pytest.mark.parametrize(
    "bad_id",
    ["1003", "coupon.1003", "reservation.", "reservation.a/b", "reservation.a.b", "Reservation.1"],
)
def test_malformed_ids_are_refused_before_any_request(wallet, emulator, bad_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.get(bad_id)
    assert "pass_id" in caught.value.fields
    with pytest.raises(ValidationError):
        wallet.update(bad_id, PassUpdate(fields={"title": "x"}))
    assert len(emulator.journal) == 0


# -- create_many ---------------------------------------------------------------------------------


def test_create_many_upserts_concurrently_and_reports_per_item(wallet, emulator) -> None:
    passes = [BOOKING.model_copy(update={"external_id": f"R-{i}"}) for i in range(6)]
    passes.insert(3, BOOKING.model_copy(update={"external_id": "bad id"}))
    result = wallet.create_many(passes, concurrency=4)
    assert (result.total, result.succeeded, result.failed) == (7, 6, 1)
    assert isinstance(result.items[3].error, ValidationError)
    assert [i.issued.id for i in result.items if i.issued] == [
        f"reservation.R-{i}" for i in range(6)
    ]
    assert len(emulator.passes) == 6
    again = wallet.create_many(passes[:3])
    assert again.succeeded == 3 and len(emulator.passes) == 6  # upserts: no duplicates
    assert emulator.stored("reservation", "R-0").version == 2
