"""``connect("fake", profile="livepasses")`` refuses what Livepasses would, before anything runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walletpass
from walletpass import Barcode, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import NotUsedUp, UnsupportedFeature, UnsupportedOperation, ValidationError
from walletpass.fake import FakeProvider


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    wallet = walletpass.connect("fake", profile="livepasses")
    assert isinstance(wallet, FakeProvider)
    yield wallet
    wallet.close()


def test_fake_livepasses_refuses_delete_with_the_alternatives(fake) -> None:
    with pytest.raises(UnsupportedOperation, match="validUntil"):
        fake.delete("fp_0000000000000000")


def test_fake_livepasses_refuses_what_livepasses_cannot_carry(fake) -> None:
    with pytest.raises(UnsupportedFeature) as caught:
        fake.create(
            Pass(
                template="tmpl-001",
                holder=Holder(name="Ada Lovelace"),
                barcode=Barcode(message="A-1"),
                locations=[Location(latitude=1, longitude=2)],
                kind=PassKind.BOARDING_PASS,
            )
        )
    assert set(caught.value.features) == {"barcode.qr", "locations", "kind.boarding_pass"}
    assert fake.calls == []


@pytest.mark.parametrize(
    ("new_pass", "where"),
    [
        (Pass(template="tmpl-001", holder=Holder(name="Cher")), "holder"),
        (Pass(template="tmpl-001"), "holder"),
        (
            Pass(template="tmpl-001", holder=Holder(name="Ada Lovelace"), extra={"notes": "x"}),
            "extra.notes",
        ),
        (
            Pass(
                template="tmpl-001", holder=Holder(name="Ada Lovelace"), fields={"price": "cheap"}
            ),
            "fields.price",
        ),
    ],
)
def test_fake_livepasses_applies_the_vendor_rules(fake, new_pass: Pass, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fake.create(new_pass)
    assert where in caught.value.fields
    assert fake.calls == []


def test_fake_livepasses_accepts_what_livepasses_accepts(fake) -> None:
    issued = fake.create(
        Pass(
            template="tmpl-loyalty",
            kind=PassKind.LOYALTY,
            external_id="MEM-1",
            holder=Holder(name="Priya Shah", email="priya@example.com", language="en"),
            tier="Gold",
            fields={"membershipNumber": "MEM-1", "favoriteStore": "Canal St"},
        )
    )
    fake.update(issued.id, PassUpdate(fields={"memberTier": "Platinum"}, message="Congrats"))
    with pytest.raises(ValidationError, match="holder"):
        fake.update(issued.id, PassUpdate(holder=Holder(name="Someone Else")))
    with pytest.raises(NotUsedUp):  # as Livepasses: a stamp is asked for by name
        fake.redeem(issued.id)
