"""The fake's ``balance_field``: a balance kept in a template field, as some vendors keep points."""

from __future__ import annotations

from decimal import Decimal

import pytest

import walletpass
from walletpass import BusinessRuleError, Pass, PassStatus

CARD = {"card": {"id": "tpl-card", "fields": {"points": {"key": "stamps", "type": "int"}}}}


def test_redeem_with_an_amount_spends_the_balance_field_and_reads_back_what_is_left() -> None:
    fake = walletpass.connect("fake", templates=CARD, balance_field="stamps")
    card = fake.create(Pass(template="card", kind="loyalty", fields={"points": 95}))
    assert card.balance is not None and card.balance.amount == 95
    spent = fake.redeem(card.id, amount=5)
    assert (spent.status, spent.amount, spent.remaining) == (
        PassStatus.ACTIVE,
        Decimal(5),
        Decimal(90),
    )
    again = fake.get(card.id)
    # Still usable (the answer's ACTIVE); its lifecycle status is what it was.
    assert again.fields == {"points": 90} and again.status is PassStatus.ISSUED
    assert fake.redeem(card.id, amount=90).remaining == 0
    with pytest.raises(BusinessRuleError, match="balance of 0, less than 1"):
        fake.redeem(card.id, amount=1)


def test_a_balance_field_that_holds_no_number_is_refused_and_left_alone() -> None:
    fake = walletpass.connect("fake", balance_field="stamps")
    card = fake.create(Pass(template="t", fields={"stamps": "many"}))
    with pytest.raises(BusinessRuleError, match="'many', not a number"):
        fake.redeem(card.id, amount=1)
    assert fake.get(card.id).fields == {"stamps": "many"}


def test_without_the_field_or_the_setting_a_pass_has_no_balance() -> None:
    fake = walletpass.connect("fake", balance_field="stamps")
    ticket = fake.create(Pass(template="t", fields={"seat": "1A"}))
    with pytest.raises(BusinessRuleError, match="no balance"):
        fake.redeem(ticket.id, amount=1)
    plain = walletpass.connect("fake")
    card = plain.create(Pass(template="t", fields={"stamps": 5}))
    with pytest.raises(BusinessRuleError, match="no balance"):
        plain.redeem(card.id, amount=1)
