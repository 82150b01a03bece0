"""The coffee shop's round trip on Pass2U, over HTTP against its emulator.

The application writes under its own names (template ``coffee-card``, field ``points`` typed
int, ``joined`` typed date, its member number as ``external_id``, the holder's name) and reads
everything back under them; ``walletpass.toml`` alone says that Pass2U keeps the member number
in the model's ``member_no`` field and the name in ``name`` (Pass2U has neither attribute).
Each step asserts what the application sees and what reached Pass2U.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from walletpass_pass2u.emulator import EmulatedModel, ModelField, Pass2UEmulator
from walletpass_pass2u.limits import PassStyle

import walletpass
from walletpass import (
    AlreadyRedeemed,
    Holder,
    InvalidResponse,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    Provider,
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
)
from walletpass.testing.emulator import EmulatorServer

CONFIG = """
provider = "pass2u"

[providers.pass2u.templates.coffee-card]
id = "7001"
kind = "loyalty"
fields = { points = { key = "stamps", type = "int" }, joined = { key = "since", type = "date" } }
attributes = { external_id = "member_no", "holder.name" = "name" }

# A second card design whose holder field is called "member" (and member id "member_id").
[providers.pass2u.templates.gift-card]
id = "7003"
fields = { credit = { key = "credit", type = "decimal" } }
attributes = { external_id = "member_id", "holder.name" = "member" }

[providers.pass2u.templates.tasting]
id = "7002"
kind = "event_ticket"
fields = { seat = "seat_no" }
"""

#: The shop's models as designed in the Pass2U dashboard.
MODELS = [
    EmulatedModel(
        "7001",
        PassStyle.STORE_CARD,
        tuple(ModelField(k, k.title()) for k in ("name", "member_no", "stamps", "since")),
    ),
    EmulatedModel(
        "7002",
        PassStyle.EVENT_TICKET,
        tuple(ModelField(k, k.title()) for k in ("name", "seat_no", "gate")),
    ),
    EmulatedModel(
        "7003",
        PassStyle.STORE_CARD,
        tuple(ModelField(k, k.title()) for k in ("member", "member_id", "credit")),
    ),
]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Provider, Pass2UEmulator]]:
    """The shop's wallet, configured by ``walletpass.toml`` and the environment only."""
    emulator = Pass2UEmulator(models=MODELS)
    (tmp_path / "walletpass.toml").write_text(CONFIG)
    with EmulatorServer(emulator) as server:
        env = {
            "WALLETPASS_PASS2U_BASE_URL": server.url,
            "WALLETPASS_PASS2U_API_KEY": emulator.api_key,
        }
        with walletpass.from_config(tmp_path / "walletpass.toml", env=env) as wallet:
            yield wallet, emulator


def card(member: str = "M-1001", points: int = 90) -> Pass:
    return Pass(
        template="coffee-card",
        external_id=member,
        holder=Holder(name="Ada Lovelace"),
        fields={"points": points, "joined": date(2026, 1, 2)},
    )


def test_enrol_read_and_top_up_a_member_card(shop: tuple[Provider, Pass2UEmulator]) -> None:
    wallet, emulator = shop
    issued = wallet.create(card())
    sent = emulator.journal.last().json()
    assert sorted(sent["fields"], key=lambda f: f["key"]) == [
        {"key": "member_no", "value": "M-1001"},
        {"key": "name", "value": "Ada Lovelace"},
        {"key": "since", "value": "2026-01-02"},
        {"key": "stamps", "value": 90},
    ]
    for seen in (issued, wallet.get(issued.id)):
        assert (seen.template, seen.vendor_template) == ("coffee-card", "7001")
        assert seen.external_id == "M-1001"
        assert seen.holder is not None and seen.holder.name == "Ada Lovelace"
        assert seen.fields == {"points": 90, "joined": date(2026, 1, 2)}
        assert seen.status is PassStatus.ISSUED
    assert wallet.get(issued.id).kind is PassKind.LOYALTY

    updated = wallet.update(
        issued.id, PassUpdate(fields={"points": "95"}, message="You now have %@ points")
    )
    put, read = emulator.journal.entries[-2:]
    # Pass2U's change message keeps %@: the wallet fills in the new value on the phone.
    assert put.json() == {
        "fields": [{"key": "stamps", "value": 95, "changeMessage": "You now have %@ points"}]
    }
    # Its answer has neither voided nor the fields not set: the pass is read back.
    assert (read.method, read.path) == ("GET", put.path)
    assert (updated.template, updated.status) == ("coffee-card", PassStatus.ISSUED)
    assert updated.fields == {"points": 95, "joined": date(2026, 1, 2)}
    assert updated.external_id == "M-1001" and updated.holder == issued.holder
    again = wallet.get(issued.id)
    assert again.fields == {"points": 95, "joined": date(2026, 1, 2)}
    assert (again.external_id, again.status) == ("M-1001", PassStatus.ISSUED)


def test_a_field_never_set_reads_back_as_no_value(shop: tuple[Provider, Pass2UEmulator]) -> None:
    wallet, _ = shop
    issued = wallet.create(Pass(template="coffee-card", external_id="M-7", fields={"points": 1}))
    seen = wallet.get(issued.id)
    # The model's empty defaults: no holder, no joining date (absent, not an unreadable date),
    # as the create's answer reported it.
    assert seen.holder is None and seen.fields == {"points": 1} == issued.fields


def test_the_ticket_is_scanned_once(shop: tuple[Provider, Pass2UEmulator]) -> None:
    wallet, emulator = shop
    ticket = wallet.create(
        Pass(
            template="tasting",
            holder=Holder(name="Ada Lovelace"),
            fields={"seat": "12B", "gate": "C"},
        )
    )
    assert (ticket.template, ticket.kind, ticket.fields) == (
        "tasting",
        PassKind.EVENT_TICKET,
        {"seat": "12B", "gate": "C"},
    )
    assert ticket.holder is not None and ticket.holder.name == "Ada Lovelace"

    used = wallet.redeem(ticket.id)
    assert (used.status, used.meta, used.method) == (
        PassStatus.REDEEMED,
        {"vendor_status": "voided"},
        "void",
    )
    assert emulator.journal.last().json() == {"voided": True}
    before = len(emulator.journal)
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem(ticket.id)
    assert [e.method for e in emulator.journal.entries[before:]] == ["GET"]  # read, no PUT
    read = wallet.get(ticket.id)
    assert read.status is PassStatus.VOIDED and read.status.is_final
    assert (read.template, read.fields) == ("tasting", {"seat": "12B", "gate": "C"})
    assert read.holder is not None and read.holder.name == "Ada Lovelace"


def test_refusals_come_before_anything_is_sent(shop: tuple[Provider, Pass2UEmulator]) -> None:
    wallet, emulator = shop
    issued = wallet.create(card())
    before = len(emulator.journal)
    # No balance on Pass2U: spending points is refused, naming the declaration.
    with pytest.raises(UnsupportedFeature, match="balance") as caught:
        wallet.redeem(issued.id, amount=5)
    assert list(caught.value.features) == ["balance"]
    assert "no balance attribute" in str(caught.value)
    with pytest.raises(UnsupportedOperation, match="no listing"):
        wallet.list(template="coffee-card")
    # The tasting alias names no field for a member number: refused, naming the setting.
    with pytest.raises(UnsupportedFeature, match="template alias 'tasting'") as refused:
        wallet.create(Pass(template="tasting", external_id="M-1001"))
    assert list(refused.value.features) == ["external_id"]
    # A value not of its declared type, and a field set both directly and as an attribute.
    with pytest.raises(ValidationError) as invalid:
        wallet.create(card().model_copy(update={"fields": {"points": "ninety"}}))
    assert "fields.points" in invalid.value.fields
    with pytest.raises(ValidationError, match="give only external_id"):
        wallet.create(Pass(template="coffee-card", external_id="M-1", fields={"member_no": "x"}))
    assert len(emulator.journal) == before


def test_two_models_naming_the_holder_field_differently(
    shop: tuple[Provider, Pass2UEmulator],
) -> None:
    wallet, emulator = shop
    gift = wallet.create(
        Pass(
            template="gift-card",
            external_id="G-9",
            holder=Holder(first_name="Grace", last_name="Hopper"),
            fields={"credit": Decimal("12.50")},
        )
    )
    assert sorted(emulator.journal.last().json()["fields"], key=lambda f: f["key"]) == [
        {"key": "credit", "value": "12.50"},
        {"key": "member", "value": "Grace Hopper"},
        {"key": "member_id", "value": "G-9"},
    ]
    member = wallet.create(card())
    for issued, template in ((gift, "gift-card"), (member, "coffee-card")):
        read = wallet.get(issued.id)
        assert read.template == template
        assert read.holder is not None
    assert wallet.get(gift.id).fields == {"credit": Decimal("12.50")}
    assert wallet.get(gift.id).external_id == "G-9"
    assert wallet.get(member.id).external_id == "M-1001"


def test_an_unreadable_typed_value_is_an_invalid_response(
    shop: tuple[Provider, Pass2UEmulator],
) -> None:
    wallet, emulator = shop
    issued = wallet.create(card())
    # Someone edits the pass outside the application (e.g. in the dashboard).
    stored = emulator.stored("7001", issued.vendor_id)
    stored.fields["stamps"]["value"] = "ninety-five"
    with pytest.raises(InvalidResponse, match=r"fields\.points") as caught:
        wallet.get(issued.id)
    assert "'ninety-five'" in str(caught.value)


def test_holder_name_field_none_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "walletpass.toml").write_text('provider = "pass2u"\n')
    env = {"WALLETPASS_PASS2U_API_KEY": "k", "WALLETPASS_PASS2U_HOLDER_NAME_FIELD": "None"}
    with walletpass.from_config(tmp_path / "walletpass.toml", env=env) as wallet:
        assert wallet.settings.holder_name_field is None  # type: ignore[attr-defined]
        with pytest.raises(UnsupportedFeature, match=r"holder\.name only in a template field"):
            wallet.prepare_create(Pass(template="1919", holder=Holder(name="Ada")))
    (tmp_path / "walletpass.toml").write_text(
        'provider = "pass2u"\n[providers.pass2u]\nholder_name_field = "none"\n'
    )
    with walletpass.from_config(
        tmp_path / "walletpass.toml", env={"WALLETPASS_PASS2U_API_KEY": "k"}
    ) as wallet:
        assert wallet.settings.holder_name_field is None  # type: ignore[attr-defined]
