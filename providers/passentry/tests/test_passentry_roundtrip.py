"""The coffee shop's round trip on PassEntry, over HTTP against its emulator.

The application writes under its own names (template ``coffee-card``, field ``points`` typed
int, ``joined`` typed date, its member number, the holder's name) and reads everything back
under them; ``walletpass.toml`` alone maps them to PassEntry's template UUIDs and field ids.
PassEntry stores every template field as text and its pass ids (UUIDs) do not carry the
template: the provider learns it from each answer, and the core converts the text back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from walletpass_passentry.emulator import EmulatedTemplate, PassEntryEmulator
from walletpass_passentry.limits import PassType

import walletpass
from walletpass import (
    AlreadyRedeemed,
    Balance,
    BusinessRuleError,
    Holder,
    InvalidResponse,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    Provider,
    UnsupportedFeature,
    ValidationError,
)
from walletpass.testing.emulator import EmulatorServer

CARD = "5f0e9c1d2b3a4f5e6d7c8b9a"
TASTING = "19cb334f9696e64e10e7759f"
GIFT = "0a1b2c3d4e5f60718293a4b5"

CONFIG = f"""
provider = "passentry"

# The holder's name goes to fullName, the holder_name_field default.
[providers.passentry.templates.coffee-card]
id = "{CARD}"
kind = "loyalty"
fields.points = {{ key = "stamps", type = "int" }}
fields.joined = {{ key = "since", type = "date" }}

# A second design whose holder field is called memberName.
[providers.passentry.templates.gift-card]
id = "{GIFT}"
fields = {{ credit = {{ key = "credit", type = "decimal" }} }}
attributes = {{ "holder.name" = "memberName" }}

[providers.passentry.templates.tasting]
id = "{TASTING}"
"""

#: The shop's templates as designed in the PassEntry dashboard.
TEMPLATES = [
    EmulatedTemplate(CARD, "Coffee Club", PassType.STORE_CARD, ("fullName", "stamps", "since")),
    EmulatedTemplate(TASTING, "Tasting", PassType.EVENT_TICKET, ("fullName", "seat", "gate")),
    EmulatedTemplate(GIFT, "Gift card", PassType.STORE_CARD, ("memberName", "credit")),
]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Provider, PassEntryEmulator]]:
    """The shop's wallet, configured by ``walletpass.toml`` and the environment only."""
    emulator = PassEntryEmulator(templates=TEMPLATES)
    (tmp_path / "walletpass.toml").write_text(CONFIG)
    with EmulatorServer(emulator) as server:
        env = {
            "WALLETPASS_PASSENTRY_BASE_URL": server.url,
            "WALLETPASS_PASSENTRY_API_KEY": emulator.api_key,
        }
        with walletpass.from_config(tmp_path / "walletpass.toml", env=env) as wallet:
            yield wallet, emulator


def card(member: str = "M-1001", points: int = 90) -> Pass:
    return Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=member,
        holder=Holder(name="Ada Lovelace"),
        fields={"points": points, "joined": date(2026, 1, 2)},
    )


def _seen_card(seen: Any) -> tuple[Any, ...]:
    return (
        seen.template,
        seen.vendor_template,
        seen.kind,
        seen.external_id,
        seen.holder.name if seen.holder else None,
        seen.fields,
        seen.status,
    )


EXPECTED_CARD = (
    "coffee-card",
    CARD,
    PassKind.LOYALTY,
    "M-1001",
    "Ada Lovelace",
    {"points": 90, "joined": date(2026, 1, 2)},
    PassStatus.ISSUED,
)


def test_enrol_read_list_and_top_up_a_member_card(
    shop: tuple[Provider, PassEntryEmulator],
) -> None:
    wallet, emulator = shop
    issued = wallet.create(card())
    sent = emulator.journal.last()
    assert sent.query == {"passTemplate": [CARD], "extId": ["M-1001"]}
    assert sent.json() == {
        "pass": {
            "stamps": {"value": "90"},
            "since": {"value": "2026-01-02"},
            "fullName": {"value": "Ada Lovelace"},
        }
    }
    # The answer stores text; the application reads its own names and types, by UUID or extId.
    assert emulator.stored(issued.id).content["stamps"] == {"value": "90"}
    for seen in (issued, wallet.get(issued.id), wallet.get("M-1001")):
        assert _seen_card(seen) == EXPECTED_CARD
    [listed] = wallet.list(template="coffee-card")
    assert _seen_card(listed) == EXPECTED_CARD

    updated = wallet.update(
        issued.id, PassUpdate(fields={"points": 95}, message="You now have %@ points")
    )
    # PassEntry shows the message as free text: walletpass fills in the one changed value.
    assert emulator.journal.last().json() == {
        "pass": {"stamps": {"value": "95"}},
        "message": "You now have 95 points",
    }
    assert updated.fields == {"points": 95, "joined": date(2026, 1, 2)}
    assert updated.status is PassStatus.ISSUED  # the update answer carries the status
    assert wallet.get(issued.id).fields["points"] == 95


def test_the_ticket_is_scanned_once(shop: tuple[Provider, PassEntryEmulator]) -> None:
    wallet, emulator = shop
    ticket = wallet.create(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder=Holder(name="Ada Lovelace"),
            fields={"seat": "12B", "gate": "C"},
        )
    )
    assert (ticket.template, ticket.kind, ticket.fields) == (
        "tasting",
        PassKind.EVENT_TICKET,
        {"seat": "12B", "gate": "C"},
    )
    used = wallet.redeem(ticket.id)
    assert (used.status, used.meta, used.method) == (
        PassStatus.REDEEMED,
        {"vendor_status": "voided"},
        "deactivate",
    )
    assert emulator.journal.last().json() == {"passAction": "deactivate"}
    before = len(emulator.journal)
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem(ticket.id)
    assert [e.method for e in emulator.journal.entries[before:]] == ["GET"]  # read, no PATCH
    read = wallet.get(ticket.id)
    assert read.status is PassStatus.VOIDED and read.status.is_final
    assert (read.template, read.kind, read.fields) == (
        "tasting",
        PassKind.EVENT_TICKET,
        {"seat": "12B", "gate": "C"},
    )
    assert read.holder is not None and read.holder.name == "Ada Lovelace"


def test_refusals_come_before_anything_is_sent(shop: tuple[Provider, PassEntryEmulator]) -> None:
    wallet, emulator = shop
    wallet.create(card())
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as invalid:
        wallet.create(card().model_copy(update={"fields": {"points": "ninety"}}))
    assert "fields.points" in invalid.value.fields
    # fullName keeps the holder's name (holder_name_field): setting both is ambiguous.
    with pytest.raises(ValidationError, match=r"give only holder\.name") as both:
        wallet.create(card().model_copy(update={"fields": {"fullName": "Someone Else"}}))
    assert "holder_name_field" in str(both.value)
    assert len(emulator.journal) == before


def test_points_are_spent_from_the_loyalty_balance(
    shop: tuple[Provider, PassEntryEmulator],
) -> None:
    wallet, emulator = shop
    issued = wallet.create(card().model_copy(update={"balance": Balance(amount=90)}))
    assert issued.balance == Balance(amount=90)
    spent = wallet.redeem(issued.id, amount=5)
    assert (spent.status, spent.amount, spent.remaining) == (
        PassStatus.ACTIVE,
        Decimal(5),
        Decimal(85),
    )
    assert emulator.journal.last().json() == {"balance": -5}
    read = wallet.get(issued.id)
    # The pass stays as it was; its resource carries no balance (loyalty_balance() reads it).
    assert (read.status, read.balance) == (PassStatus.ISSUED, None)
    assert wallet.loyalty_balance(issued.id) == 85  # type: ignore[attr-defined]
    # Points kept only in a template field are not the loyalty balance: nothing to spend.
    plain = wallet.create(card("M-2"))
    with pytest.raises(BusinessRuleError, match="has a balance of 0, less than 5") as caught:
        wallet.redeem(plain.id, amount=5)
    assert caught.value.code == "INSUFFICIENT_BALANCE"


def test_two_templates_naming_the_holder_field_differently(
    shop: tuple[Provider, PassEntryEmulator],
) -> None:
    wallet, emulator = shop
    gift = wallet.create(
        Pass(
            template="gift-card",
            holder=Holder(first_name="Grace", last_name="Hopper"),
            fields={"credit": Decimal("12.50")},
        )
    )
    assert emulator.journal.last().json() == {
        "pass": {"credit": {"value": "12.50"}, "memberName": {"value": "Grace Hopper"}}
    }
    member = wallet.create(card())
    read_gift, read_member = wallet.get(gift.id), wallet.get(member.id)
    assert (read_gift.template, read_gift.fields) == ("gift-card", {"credit": Decimal("12.50")})
    assert read_gift.holder is not None and read_gift.holder.name == "Grace Hopper"
    assert read_member.holder is not None and read_member.holder.name == "Ada Lovelace"


def test_an_unreadable_typed_value_is_an_invalid_response(
    shop: tuple[Provider, PassEntryEmulator],
) -> None:
    wallet, emulator = shop
    issued = wallet.create(card())
    emulator.stored(issued.id).content["stamps"] = {"value": "ninety-five"}  # a dashboard edit
    with pytest.raises(InvalidResponse, match=r"fields\.points") as caught:
        wallet.get(issued.id)
    assert "'ninety-five'" in str(caught.value)


def test_holder_name_field_none_needs_an_alias(tmp_path: Path) -> None:
    (tmp_path / "walletpass.toml").write_text(
        'provider = "passentry"\n[providers.passentry]\nholder_name_field = "None"\n'
    )
    env = {"WALLETPASS_PASSENTRY_API_KEY": "k"}
    with (
        walletpass.from_config(tmp_path / "walletpass.toml", env=env) as wallet,
        pytest.raises(UnsupportedFeature, match=r"holder\.name only in a template field"),
    ):
        wallet.prepare_create(Pass(template=CARD, holder=Holder(name="Ada")))
    env["WALLETPASS_PASSENTRY_HOLDER_NAME_FIELD"] = "none"
    (tmp_path / "walletpass.toml").write_text('provider = "passentry"\n')
    with walletpass.from_config(tmp_path / "walletpass.toml", env=env) as wallet:
        assert wallet.default_attribute_fields() == {}


def test_passentry_only_operations_answer_in_the_applications_terms(
    shop: tuple[Provider, PassEntryEmulator],
) -> None:
    wallet, _ = shop
    issued = wallet.create(card())
    deactivated = wallet.deactivate(issued.id)  # type: ignore[attr-defined]
    assert deactivated.status is PassStatus.VOIDED
    for seen in (
        deactivated,
        wallet.reactivate(issued.id),  # type: ignore[attr-defined]
        wallet.replace_locations(issued.id, []),  # type: ignore[attr-defined]
    ):
        assert (seen.template, seen.external_id, seen.fields) == (
            "coffee-card",
            "M-1001",
            {"points": 90, "joined": date(2026, 1, 2)},
        )
        assert seen.holder is not None and seen.holder.name == "Ada Lovelace"
