"""The round trip on LivePass, over HTTP against its emulator: the coffee-shop scenario.

LivePass has no templates: the "template" is the pass type, so the application's ``coffee-card``
is a membership card (``points`` kept in ``balance_amount``, a JSON number, typed int) and its
``tasting`` ticket a reservation (``seat`` in ``title``, ``gate`` in ``location_name``). The member
number is the pass id LivePass keys the pass by. LivePass cannot redeem, so scanning the ticket and
spending points are clear refusals naming the alternative, before any request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepass import LivePassProvider
from walletpass_livepass.limits import PassType

from walletpass import (
    Balance,
    ConfigurationError,
    Holder,
    InvalidResponse,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
)

TEMPLATES: dict[str, Any] = {
    "coffee-card": {
        "id": "membership-card",
        "kind": "membership",
        "fields": {
            "points": {"key": "balance_amount", "type": "int"},
            "level": "membership_tier",
        },
    },
    "tasting": {
        "id": "reservation",
        "kind": "reservation",
        "fields": {"seat": "title", "gate": "location_name"},
    },
}

ADA = Holder(name="Ada Lovelace")


@pytest.fixture
def shop(connect) -> LivePassProvider:
    return connect(templates=TEMPLATES)


def requests_sent(emulator) -> int:
    return len(emulator.journal)


def test_the_coffee_shop_scenario(shop, emulator) -> None:
    # Enrol a member: the member number is LivePass's id for the card.
    card = shop.create(
        Pass(template="coffee-card", external_id="M-1001", holder=ADA, fields={"points": 90})
    )
    assert (card.id, card.template, card.vendor_template) == (
        "membership-card.M-1001",
        "coffee-card",
        "membership-card",
    )
    assert (card.external_id, card.holder, card.status) == ("M-1001", ADA, PassStatus.ISSUED)
    assert card.fields == {"points": 90}
    assert card.balance == Balance(amount=Decimal(90))
    sent = emulator.journal.find("POST", "/membership-card/M-1001")[-1].json()
    assert sent["balance_amount"] == 90 and sent["full_name"] == "Ada Lovelace"

    # Read it back: every field, typed, under the application's names.
    read = shop.get(card.id)
    assert (read.template, read.external_id, read.holder, read.status) == (
        "coffee-card",
        "M-1001",
        ADA,
        PassStatus.ISSUED,
    )
    assert read.fields == {"points": 90} and read.balance == Balance(amount=Decimal(90))
    # A membership-card reads back as the kind its alias states (a loyalty card issued as one).
    assert (card.kind, read.kind) == (PassKind.MEMBERSHIP, PassKind.MEMBERSHIP)
    assert read.urls.apple and read.urls.web

    # Top the points up. LivePass shows no text of the caller's: a message is refused (strict).
    before = requests_sent(emulator)
    with pytest.raises(UnsupportedFeature) as refused:
        shop.update(card.id, PassUpdate(fields={"points": 95}, message="You now have %@ points"))
    assert list(refused.value.features) == ["update.message"]
    assert requests_sent(emulator) == before
    topped = shop.update(card.id, PassUpdate(fields={"points": "95"}))
    assert (topped.template, topped.fields, topped.status) == (
        "coffee-card",
        {"points": 95},
        PassStatus.ISSUED,
    )
    assert topped.balance == Balance(amount=Decimal(95))
    assert shop.get(card.id).fields == {"points": 95}

    # Issue a tasting ticket and read it back.
    ticket = shop.create(Pass(template="tasting", holder=ADA, fields={"seat": "12B", "gate": "C"}))
    assert (ticket.template, ticket.fields, ticket.status) == (
        "tasting",
        {"seat": "12B", "gate": "C"},
        PassStatus.ISSUED,
    )
    assert shop.get(ticket.id).fields == {"seat": "12B", "gate": "C"}

    # Scan it at the door, spend points: LivePass has neither; refused before any request,
    # naming what to do instead.
    before = requests_sent(emulator)
    with pytest.raises(UnsupportedOperation) as scan:
        shop.redeem(ticket.id)
    assert "keep redemption state in your own system" in str(scan.value)
    with pytest.raises(UnsupportedOperation) as spend:
        shop.redeem(card.id, amount=5)
    assert "PassUpdate(balance=" in str(spend.value)
    assert requests_sent(emulator) == before
    assert shop.get(ticket.id).status is PassStatus.ISSUED


def test_a_message_is_dropped_with_a_warning_in_lenient_mode(connect, emulator) -> None:
    shop = connect(templates=TEMPLATES, strict=False)
    card = shop.create(Pass(template="coffee-card", external_id="M-7", holder=ADA))
    with pytest.warns(UserWarning, match="update.message"):
        topped = shop.update(card.id, PassUpdate(fields={"points": 95}, message="Now %@"))
    assert topped.fields == {"points": 95}


def test_typed_values_are_checked_before_sending(shop, emulator) -> None:
    with pytest.raises(ValidationError) as caught:
        shop.create(Pass(template="coffee-card", external_id="M-2", fields={"points": "lots"}))
    assert set(caught.value.fields) == {"fields.points"}
    assert requests_sent(emulator) == 0


def test_a_balance_not_of_its_declared_type_is_a_typed_error_naming_it(shop, emulator) -> None:
    """A stored value that does not read back as the declared int is reported, not returned."""
    card = shop.create(
        Pass(template="coffee-card", external_id="M-3", holder=ADA, fields={"points": 7})
    )
    emulator.passes[(PassType.MEMBERSHIP_CARD, "M-3")].body["balance_amount"] = 7.5
    with pytest.raises(InvalidResponse) as caught:
        shop.get(card.id)
    assert "fields.points" in str(caught.value) and "7.5" in str(caught.value)


def test_money_balances_read_back_with_their_currency(wallet) -> None:
    card = wallet.create(
        Pass(
            template="membership-card",
            external_id="GYM-42",
            holder=ADA,
            balance=Balance(amount=Decimal("12.5"), currency="EUR"),
        )
    )
    assert wallet.get(card.id).balance == Balance(amount=Decimal("12.5"), currency="EUR")
    assert wallet.get(card.id).fields["balance_amount"] == 12.5  # no alias: the vendor's JSON


def test_a_card_reads_back_as_the_kind_its_alias_states(connect) -> None:
    aliases = {"loyal": {"id": "membership-card", "kind": "loyalty"}}
    shop = connect(templates=aliases)
    card = shop.create(Pass(template="loyal", external_id="L-1", holder=ADA))
    assert card.kind is PassKind.LOYALTY
    assert shop.get(card.id).kind is PassKind.LOYALTY
    assert shop.update(card.id, PassUpdate(tier="Gold")).kind is PassKind.LOYALTY
    # Two aliases of one type: a read could not tell which one a pass came through, so the
    # configuration is refused, naming both (walletpass.settings, one alias per template).
    with pytest.raises(ConfigurationError, match=r"'gym'.*'membership-card'"):
        connect(templates={**aliases, "gym": {"id": "membership-card", "kind": "membership"}})
