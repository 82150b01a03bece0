"""Done when (limits as data): ``connect("fake", profile="livepass")`` refuses what LivePass would
refuse — more than one location, beacons, a PDF417 barcode, redeem, delete, list — before any
call is recorded, and accepts what LivePass takes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from walletpass_livepass import LivePassProvider

import walletpass
from walletpass import Barcode, Beacon, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import UnsupportedFeature, UnsupportedOperation, ValidationError
from walletpass.fake import FakeProvider
from walletpass.model import Balance, BarcodeFormat, Event


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    wallet = walletpass.connect("fake", profile="livepass")
    assert isinstance(wallet, FakeProvider)
    yield wallet
    wallet.close()


BOOKING = Pass(template="reservation", holder=Holder(name="Ada"), event=Event(title="Visit"))


def test_fake_livepass_refuses_a_second_location(fake) -> None:
    two = [Location(latitude=1, longitude=2), Location(latitude=3, longitude=4)]
    with pytest.raises(ValidationError, match="at most 1") as caught:
        fake.create(BOOKING.model_copy(update={"locations": two}))
    assert "locations" in caught.value.fields
    assert fake.calls == []


def test_fake_livepass_refuses_beacons_and_pdf417(fake) -> None:
    beacon = Beacon(proximity_uuid=uuid.uuid4(), major=1)
    with pytest.raises(UnsupportedFeature) as caught:
        fake.create(
            BOOKING.model_copy(
                update={
                    "beacons": [beacon],
                    "barcode": Barcode(message="A", format=BarcodeFormat.PDF417),
                }
            )
        )
    assert set(caught.value.features) == {"beacons", "barcode.pdf417"}
    assert "only barcode_type qr" in str(caught.value)
    assert fake.calls == []


@pytest.mark.parametrize("operation", ["redeem", "delete"])
def test_fake_livepass_refuses_redeem_and_delete(fake, operation: str) -> None:
    issued = fake.create(BOOKING)
    fake.reset_calls()
    with pytest.raises(UnsupportedOperation, match="your own system"):
        getattr(fake, operation)(issued.id)
    with pytest.raises(UnsupportedOperation):
        fake.list()
    assert fake.calls == []


@pytest.mark.parametrize(
    ("new_pass", "where"),
    [
        (Pass(template="vip"), "template"),
        (Pass(template="reservation", fields={"seat": "12B"}), "fields.seat"),
        (Pass(template="reservation", external_id="order/1"), "external_id"),
        (
            Pass(template="reservation", event=Event(duration=timedelta(seconds=30))),
            "event.duration",
        ),
    ],
)
def test_fake_livepass_applies_the_vendor_rules(fake, new_pass: Pass, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fake.create(new_pass)
    assert where in caught.value.fields
    assert fake.calls == []


def test_fake_livepass_and_the_provider_agree(fake) -> None:
    vendor = LivePassProvider(api_key="k", base_url="http://127.0.0.1:9")
    candidates = [
        BOOKING,
        Pass(template="points", kind=PassKind.LOYALTY, tier="Gold"),
        Pass(template="reservation", fields={"seat": "1"}),
        Pass(template="reservation", tier="Gold"),
        Pass(template="membership-card", locations=[Location(latitude=1, longitude=2)]),
    ]
    for candidate in candidates:
        verdicts = []
        for wallet in (fake, vendor):
            try:
                wallet.prepare_create(candidate)
                verdicts.append("accepted")
            except ValidationError as exc:
                verdicts.append(sorted(exc.fields))
            except UnsupportedFeature as exc:
                verdicts.append(sorted(exc.features))
        assert verdicts[0] == verdicts[1], candidate


def test_fake_livepass_accepts_what_livepass_takes(fake) -> None:
    card = fake.create(
        Pass(
            template="membership-card",
            kind=PassKind.MEMBERSHIP,
            external_id="GYM-0042",
            holder=Holder(name="Ines Duarte", email="ines@example.net"),
            balance=Balance(amount=Decimal("120"), currency="credits"),
            tier="Silver",
        )
    )
    fake.update(card.id, PassUpdate(tier="Gold", notify=True))
    # LivePass's update answer numbers no version; its read does (behaviour.bookkeeping).
    assert fake.get(card.id).version == 2
    with pytest.raises(UnsupportedFeature, match="notify=True"):
        fake.update(card.id, PassUpdate(tier="Gold", message="You are gold now"))


@pytest.mark.parametrize(
    ("template", "fields", "verdict"),
    [
        ("membership-card", {"title": "x"}, ["fields.title"]),
        ("reservation", {"balance_amount": 3}, ["fields.balance_amount"]),
        ("appointment", {"membership_tier": "Gold"}, ["fields.membership_tier"]),
        ("membership-card", {"membership_tier": "Gold"}, "accepted"),
        ("reservation", {"title": "Dinner"}, "accepted"),
    ],
)
def test_an_update_key_is_judged_by_the_pass_type_alike_on_profile_and_provider(
    fake, template: str, fields: dict[str, object], verdict: object
) -> None:
    # One check per provider: the type a LivePass id names reaches check(), so the profile (an
    # id of its pass's template) and the provider (the pass's own id) refuse the same keys.
    vendor = LivePassProvider(api_key="k", base_url="http://127.0.0.1:9")
    issued = fake.create(Pass(template=template, holder=Holder(name="Ada")))
    change = PassUpdate(fields=fields)
    verdicts = []
    for wallet, pass_id in ((fake, issued.id), (vendor, f"{template}.R-1")):
        try:
            wallet.prepare_update(pass_id, change)
            verdicts.append("accepted")
        except ValidationError as exc:
            verdicts.append(sorted(exc.fields))
    assert verdicts == [verdict, verdict]


def test_vendor_problems_judge_an_update_by_the_pass_id_given() -> None:
    from walletpass.testing.rules import vendor_problems

    vendor = LivePassProvider(api_key="k", base_url="http://127.0.0.1:9")
    change = PassUpdate(fields={"title": "x"})
    assert [p.location for p in vendor_problems(vendor, change, "membership-card.C-1")] == [
        "fields.title"
    ]
    assert vendor_problems(vendor, change, "reservation.R-1") == []
