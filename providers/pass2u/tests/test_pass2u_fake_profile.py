"""Done when: ``connect("fake", profile="pass2u")`` refuses what Pass2U would refuse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import walletpass
from walletpass import Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import (
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
)
from walletpass.fake import FakeProvider
from walletpass.model import PassStatus


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    wallet = walletpass.connect("fake", profile="pass2u")
    assert isinstance(wallet, FakeProvider)
    yield wallet
    wallet.close()


def test_fake_pass2u_refuses_eleven_locations(fake) -> None:
    too_many = [{"latitude": 1.0, "longitude": float(i)} for i in range(11)]
    with pytest.raises(ValidationError, match="10"):
        fake.create({"template": "1919", "locations": too_many})
    assert fake.calls == []


def test_fake_pass2u_refuses_list(fake) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        fake.list()
    assert "own store" in str(caught.value)


@pytest.mark.parametrize(
    ("new_pass", "where"),
    [
        (Pass(template="1919", logo_text="x" * 36), "logo_text"),
        (Pass(template="1919", images={"logo": "https://example.com/logo.png"}), "images.logo"),
        (Pass(template="1919", group="g"), "group"),
        (Pass(template="1919", kind=PassKind.COUPON, images={"thumbnail": "ab"}), "images"),
        (Pass(template="1919", fields={"flag": True}), "fields.flag"),
        (Pass(template="1919", extra={"passCode": "1"}), "extra.passCode"),
        (Pass(template="19.19"), "template"),
        (
            Pass(
                template="1919",
                locations=[Location(latitude=1, longitude=1, relevant_text="t" * 256)],
            ),
            "locations.0.relevant_text",
        ),
    ],
)
def test_fake_pass2u_applies_the_vendor_limits(fake, new_pass: Pass, where: str) -> None:
    with pytest.raises(ValidationError) as caught:
        fake.create(new_pass)
    assert where in caught.value.fields
    assert fake.calls == []


def test_fake_pass2u_refuses_fields_pass2u_cannot_carry(fake) -> None:
    # Pass2U keeps an external id only in a field a template alias names: none here.
    with pytest.raises(UnsupportedFeature, match="external_id only in a template field") as caught:
        fake.create(Pass(template="1919", external_id="order-1"))
    assert list(caught.value.features) == ["external_id"]
    with pytest.raises(UnsupportedFeature) as caught:
        fake.create(
            Pass(
                template="1919",
                holder=Holder(name="Ada", email="ada@example.com"),
                locations=[Location(latitude=1, longitude=2, radius=50)],
            )
        )
    assert set(caught.value.features) == {"holder.email", "locations.radius"}
    with pytest.raises(UnsupportedFeature, match=r"update\.notify"):
        fake.update("fp_0000000000000000", PassUpdate(fields={"a": "b"}, notify=True))
    with pytest.raises(ValidationError, match="message"):
        fake.update("fp_0000000000000000", PassUpdate(message="hello"))


def test_fake_pass2u_accepts_what_pass2u_accepts(fake) -> None:
    issued = fake.create(
        Pass(
            template="1919",
            kind=PassKind.MEMBERSHIP,
            holder=Holder(name="Fi-Lin,Chen"),
            fields={"birth": "Dec 1999", "level": "GOLD"},
            images={"thumbnail": "d33b9f1426d363340c2946557f173c402cd74014"},
            expires_at=datetime.now(UTC) + timedelta(days=365),
            extra={"sharingProhibited": True},
        )
    )
    assert issued.status is PassStatus.ISSUED
    fake.update(issued.id, PassUpdate(fields={"level": "DIAMOND"}, message="Now %@"))
    assert fake.redeem(issued.id).pass_id == issued.id


@pytest.mark.parametrize("days", [-400, -1, 1])
def test_a_pass_past_its_expiry_reads_back_voided_as_on_pass2u(walletpass_emulator, days) -> None:
    """pass2u.md: after ``expirationDate`` passes the pass "is automatically voided": the
    emulator's pass.json says ``voided: true`` then, and the profile said ``false`` (found by the
    neutrality harness). Expired by its create or by an update, read by get and by update."""
    server = walletpass_emulator("pass2u", models=[{"id": "7001", "style": "storeCard"}])
    expiry = datetime.now(UTC) + timedelta(days=days)
    seen = []
    with (
        walletpass.connect("pass2u", base_url=server.url, api_key=server.app.api_key) as real,
        walletpass.connect("fake", profile="pass2u") as fake,
    ):
        for wallet in (real, fake):
            made = wallet.create(Pass(template="7001", expires_at=expiry))
            later = wallet.create(Pass(template="7001"))
            seen.append(
                (
                    wallet.get(made.id).meta["voided"],
                    wallet.update(later.id, PassUpdate(expires_at=expiry)).meta["voided"],
                    wallet.get(later.id).meta["voided"],
                )
            )
    assert seen[1] == seen[0] == ((days < 0,) * 3)
