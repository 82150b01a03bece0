"""The round trip on Livepasses, over HTTP against its emulator: the coffee-shop scenario.

The application writes under its own names (template ``coffee-card`` with ``points`` typed int and
``joined`` typed date, template ``tasting`` with ``seat`` and ``gate``); ``templates`` (what a
``walletpass.toml`` holds) maps them to the Livepasses templates and business-data keys. Every
step is observed as the application sees it: logical template and field names, typed values,
neutral statuses and errors. Where Livepasses cannot answer (its lookup carries no business data)
the read-back leaves the fields out, as the provider declares.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepasses import LivepassesProvider

from walletpass import (
    AlreadyRedeemed,
    Balance,
    BusinessRuleError,
    Capability,
    Holder,
    NotUsedUp,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    Support,
    ValidationError,
)

TEMPLATES: dict[str, Any] = {
    "coffee-card": {
        "id": "tmpl-loyalty",
        "kind": "loyalty",
        "fields": {
            "points": {"key": "currentPoints", "type": "int"},
            "joined": {"key": "memberSince", "type": "date"},
        },
    },
    "tasting": {
        "id": "tmpl-001",
        "kind": "event_ticket",
        "fields": {"seat": "seatNumber", "gate": "gateInfo"},
    },
    "gym": {"id": "tmpl-membership", "kind": "membership", "fields": {"visits": "maxUsageCount"}},
}

ADA = Holder(name="Ada Lovelace", email="ada@example.org")


@pytest.fixture
def shop(connect) -> LivepassesProvider:
    return connect(templates=TEMPLATES)


def enrol(shop: LivepassesProvider, member: str = "M-1001", points: Any = 90):
    return shop.create(
        Pass(
            template="coffee-card",
            external_id=member,
            holder=ADA,
            fields={"points": points, "joined": date(2026, 1, 2)},
        )
    )


def test_the_coffee_shop_scenario(shop, emulator) -> None:
    # Enrol a member: the answer is in the application's terms, values of their declared types.
    card = enrol(shop)
    assert (card.template, card.vendor_template) == ("coffee-card", "tmpl-loyalty")
    assert card.fields == {"points": 90, "joined": date(2026, 1, 2)}
    assert (card.external_id, card.holder, card.status) == ("M-1001", ADA, PassStatus.ISSUED)
    assert card.balance == Balance(amount=Decimal(90))
    sent = emulator.journal.find("POST", "/api/passes/generate")[-1].json()
    assert sent["templateId"] == "tmpl-loyalty"
    assert sent["passes"][0]["businessData"] == {
        "currentPoints": 90,
        "memberSince": "2026-01-02",
        "confirmationCode": "M-1001",
    }

    # Read it back: the lookup tells template, holder, member number and status, and no fields.
    read = shop.get(card.id)
    assert (read.template, read.vendor_template, read.external_id) == (
        "coffee-card",
        "tmpl-loyalty",
        "M-1001",
    )
    assert read.kind is PassKind.LOYALTY  # the lookup names no type: the alias states it
    assert (read.holder, read.status, read.fields, read.balance) == (
        ADA,
        PassStatus.ISSUED,
        {},
        None,
    )

    # Top the points up: %@ is filled in before Livepasses shows the message as free text.
    topped = shop.update(
        card.id, PassUpdate(fields={"points": 95}, message="You now have %@ points")
    )
    assert (topped.template, topped.fields, topped.status) == (
        "coffee-card",
        {"points": 95},
        PassStatus.ISSUED,
    )
    assert topped.balance == Balance(amount=Decimal(95)) and topped.kind is PassKind.LOYALTY
    stored = emulator.stored(card.id)
    assert stored.points == 95
    assert stored.messages[-1]["body"] == "You now have 95 points"

    # Issue a tasting ticket, scan it at the door, scan again, read it back.
    ticket = shop.create(Pass(template="tasting", holder=ADA, fields={"seat": "12B", "gate": "C"}))
    assert (ticket.template, ticket.fields, ticket.status) == (
        "tasting",
        {"seat": "12B", "gate": "C"},
        PassStatus.ISSUED,
    )
    scan = shop.redeem(ticket.id)
    assert (scan.status, scan.method) == (PassStatus.REDEEMED, "check-in")
    with pytest.raises(AlreadyRedeemed) as again:
        shop.redeem(ticket.id)
    assert again.value.code == "PASS_ALREADY_USED"
    final = shop.get(ticket.id)
    assert (final.template, final.status, final.fields) == ("tasting", PassStatus.REDEEMED, {})
    assert final.kind is PassKind.EVENT_TICKET

    # Spend points: a repeatable deduction from the balance, the card stays usable.
    spent = shop.redeem(card.id, amount=5)
    assert (spent.status, spent.amount, spent.remaining, spent.method) == (
        PassStatus.ACTIVE,
        Decimal(5),
        Decimal(90),
        "loyalty/transact",
    )
    assert shop.redeem(card.id, amount=10).remaining == Decimal(80)
    with pytest.raises(BusinessRuleError, match="Insufficient points"):
        shop.redeem(card.id, amount=1000)

    # Listing reports the logical templates too.
    listed = {p.id: p for p in shop.list()}
    assert (listed[card.id].template, listed[card.id].fields) == ("coffee-card", {})
    assert (listed[ticket.id].template, listed[ticket.id].status) == (
        "tasting",
        PassStatus.REDEEMED,
    )


def test_typed_values_are_normalised_and_checked_before_sending(shop, emulator) -> None:
    card = enrol(shop, points="42")
    assert card.fields["points"] == 42
    assert (
        emulator.journal.find("POST", "/api/passes/generate")[-1].json()["passes"][0][
            "businessData"
        ]["currentPoints"]
        == 42
    )
    for bad in ({"points": "many"}, {"points": 1.5}, {"joined": "last spring"}):
        with pytest.raises(ValidationError) as caught:
            shop.update(card.id, PassUpdate(fields=bad))
        assert set(caught.value.fields) == {f"fields.{next(iter(bad))}"}
    # Learning the template for the update is a read; nothing was written.
    assert not emulator.journal.find("PUT", r"/api/passes/[^/]+")


def test_a_value_written_by_the_vendor_key_the_alias_renames_is_refused(connect, emulator) -> None:
    """A template field the alias types as a date (``since`` -> ``favoriteStore``) cannot be
    given text through its vendor key: that write is refused before sending, naming the
    logical name, so Livepasses' update answer (what it accepted) always reads back as a date.
    (An answer that does not convert is an ``InvalidResponse`` naming the field and the
    vendor's text: tests/test_roundtrip.py, and over HTTP on PassEntry and Pass2U.)"""
    shop = connect(
        templates={
            "odd": {
                "id": "tmpl-loyalty",
                "fields": {"since": {"key": "favoriteStore", "type": "date"}},
            }
        }
    )
    issued = shop.create(
        Pass(template="tmpl-loyalty", holder=ADA, fields={"favoriteStore": "Canal St"})
    )
    sent = len(emulator.journal.entries)
    with pytest.raises(ValidationError) as caught:
        shop.update(issued.id, PassUpdate(fields={"favoriteStore": "Dock Rd"}))
    assert "write fields.since" in str(caught.value)
    assert not [e for e in emulator.journal.entries[sent:] if e.method == "PUT"]


def test_redeem_without_amount_on_multi_use_passes_is_refused_and_checks_in_by_name(
    shop, emulator
) -> None:
    member = shop.create(Pass(template="gym", holder=ADA, fields={"visits": 3}))
    sent = len(emulator.journal.entries)
    with pytest.raises(NotUsedUp):
        shop.redeem(member.id)
    assert {e.method for e in emulator.journal.entries[sent:]} == {"GET"}  # no write
    visit = shop.redeem(member.id, options={"endpoint": "membership/check-in"})
    assert (visit.status, visit.method, visit.remaining, visit.meta) == (
        PassStatus.ACTIVE,
        "membership/check-in",
        None,
        {"uses_left": 2},
    )
    assert shop.get(member.id).status is PassStatus.ISSUED  # valid; "Active" says no more


def test_the_declarations_say_what_get_cannot_return() -> None:
    caps = LivepassesProvider.capabilities
    assert "fields, balance" in caps[Capability.GET].note
    for cap in (
        Capability.FIELDS,
        Capability.BALANCE,
        Capability.TIER,
        Capability.HOLDER_PHONE,
        Capability.HOLDER_LANGUAGE,
    ):
        assert caps[cap].support is Support.EMULATED, cap
        assert "cannot read it back" in caps[cap].note, cap
    for cap in (Capability.EXTERNAL_ID, Capability.HOLDER_NAME, Capability.HOLDER_EMAIL):
        assert caps[cap].support is Support.NATIVE, cap  # the lookup returns these


def test_an_update_learns_the_template_once(shop, connect, emulator) -> None:
    """Livepasses ids do not carry the template; a pass never changes template, so a pass this
    provider created or read is updated through its alias without a lookup first."""
    card = enrol(shop)
    before = len(emulator.journal)
    shop.update(card.id, PassUpdate(fields={"points": 91}))
    assert [(e.method, e.path) for e in emulator.journal.entries[before:]] == [
        ("PUT", f"/api/passes/{card.id}"),
        ("GET", "/api/passes/lookup"),
    ]
    other = connect(templates=TEMPLATES)  # knows nothing of the pass: reads it first
    before = len(emulator.journal)
    assert other.update(card.id, PassUpdate(fields={"points": 92})).fields == {"points": 92}
    # One lookup tells the template (no validation: it says nothing of the template), the PUT,
    # and the lookup that reads the pass back.
    assert [(e.method, e.path) for e in emulator.journal.entries[before:]] == [
        ("GET", "/api/passes/lookup"),
        ("PUT", f"/api/passes/{card.id}"),
        ("GET", "/api/passes/lookup"),
    ]
    assert emulator.stored(card.id).business_data["currentPoints"] == 92


def test_an_amount_on_a_pass_without_a_balance_is_a_business_rule_error(shop, emulator) -> None:
    """As on every provider: the ticket has no balance to deduct from (nothing is sent)."""
    ticket = shop.create(Pass(template="tasting", holder=ADA, fields={"seat": "1A"}))
    with pytest.raises(BusinessRuleError, match="no balance") as caught:
        shop.redeem(ticket.id, amount=1)
    assert caught.value.outcome_unknown is False
    assert not emulator.journal.find("POST", r"/api/passes/[^/]+/check-in")
    assert shop.redeem(ticket.id).status is PassStatus.REDEEMED  # still usable: nothing was used
