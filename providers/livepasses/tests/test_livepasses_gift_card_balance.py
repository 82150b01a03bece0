"""A gift card's balance is money wherever it is written, read and spent.

Livepasses spends a gift card from its ``accountBalance`` (``/giftcard/redeem``) and its read
reports that balance. A balance given without a currency (``Balance(amount=50)``, or a template
alias's ``balance_field``) on a gift card was sent as loyalty points (``currentPoints``), so the
create reported a balance of 50 that the first spend found to be 0, and a balance of 12.50 was
refused as "loyalty points are whole numbers". The fake wearing the Livepasses profile spent it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Balance, BusinessRuleError, Holder, Pass, PassKind

from .conftest import GIFT_CARD, SEEDED_KINDS

AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


def _card(amount: Decimal, *, kind: PassKind | None = PassKind.GIFT_CARD) -> Pass:
    """A gift card (``kind=None``: the kind left to the template alias)."""
    data = {"template": GIFT_CARD, "holder": Holder(name="Mara Okafor")}
    return Pass(**data, balance=Balance(amount=amount), **({"kind": kind} if kind else {}))


def _spend_all_but_a_cent(wallet: walletpass.Provider, amount: Decimal) -> list[object]:
    """What the application sees: the create's balance, a spend, and an overspend refused."""
    card = wallet.create(_card(amount))
    seen: list[object] = [card.balance and card.balance.amount]
    spend = amount - Decimal("0.01")
    if spend > 0:
        spent = wallet.redeem(card.id, amount=spend)
        seen.append((spent.status.value, spent.amount, spent.remaining))
    with pytest.raises(BusinessRuleError) as refused:
        wallet.redeem(card.id, amount=Decimal("0.02"))
    seen.append(type(refused.value).__name__)
    return seen


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=AMOUNTS)
def test_a_gift_card_without_a_currency_spends_what_it_was_issued_with(
    wallet: walletpass.Provider, emulator, amount: Decimal
) -> None:
    seen = _spend_all_but_a_cent(wallet, amount)
    expected: list[object] = [amount]
    if amount > Decimal("0.01"):
        expected.append(("active", amount - Decimal("0.01"), Decimal("0.01")))
    assert seen == [*expected, "BusinessRuleError"]
    with walletpass.connect("fake", profile="livepasses", templates=SEEDED_KINDS) as profile:
        assert _spend_all_but_a_cent(profile, amount) == seen


def test_the_gift_cards_balance_is_sent_as_money(wallet, emulator) -> None:
    wallet.create(_card(Decimal("12.50")))
    sent = emulator.journal.last().json()["passes"][0]["businessData"]
    assert sent == {"accountBalance": 12.5}
    # A loyalty card's balance without a currency stays points.
    wallet.create(
        Pass(
            template="tmpl-loyalty",
            kind=PassKind.LOYALTY,
            holder=Holder(name="Mara Okafor"),
            balance=Balance(amount=Decimal(40)),
        )
    )
    assert emulator.journal.last().json()["passes"][0]["businessData"] == {"currentPoints": 40}


def test_the_alias_kind_decides_without_a_kind_on_the_pass(wallet, emulator) -> None:
    card = wallet.create(_card(Decimal("20"), kind=None))
    assert emulator.journal.last().json()["passes"][0]["businessData"] == {"accountBalance": 20}
    assert wallet.redeem(card.id, amount=5).remaining == Decimal(15)
