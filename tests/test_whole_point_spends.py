"""A fraction spent from whole points is refused before anything changes, on the fake itself.

The fake keeps a balance as the number it is given; a template alias whose ``balance_field`` is
an ``int`` says the application reads it back as whole points, so half a point spent would leave
a balance its own ``get()`` cannot read. Each vendor profile refuses as its vendor does
(tests/test_profile_parity.py holds those against the emulators).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Pass

TEMPLATES = {
    "points-card": {
        "id": "points-card",
        "kind": "loyalty",
        "balance_field": {"name": "points", "type": "int"},
    },
    "gift-card": {
        "id": "gift-card",
        "kind": "gift_card",
        "balance_field": {"name": "credit", "type": "decimal"},
    },
}

fractions = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3).filter(
    lambda amount: amount != amount.to_integral_value()
)


@given(amount=fractions)
@settings(max_examples=40, deadline=None)
def test_a_fraction_of_whole_points_is_refused_and_nothing_is_spent(amount: Decimal) -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        card = wallet.create(Pass(template="points-card", fields={"points": 50}))
        with pytest.raises(walletpass.ValidationError) as refused:
            wallet.redeem(card.id, amount=amount)
        assert refused.value.problems[0].location == "amount"
        assert "'points-card'" in str(refused.value) and "whole points" in str(refused.value)
        assert wallet.get(card.id).fields["points"] == 50


@given(amount=st.integers(min_value=1, max_value=50))
@settings(max_examples=20, deadline=None)
def test_whole_points_are_spent(amount: int) -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        card = wallet.create(Pass(template="points-card", fields={"points": 50}))
        # A whole number written with decimals (or an exponent) is whole points too.
        spent = wallet.redeem(card.id, amount=Decimal(amount).quantize(Decimal("0.01")))
        assert spent.remaining == 50 - amount
        assert wallet.get(card.id).fields["points"] == 50 - amount


@given(amount=fractions)
@settings(max_examples=20, deadline=None)
def test_a_decimal_balance_spends_fractions(amount: Decimal) -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        card = wallet.create(Pass(template="gift-card", fields={"credit": Decimal("50.00")}))
        assert wallet.redeem(card.id, amount=amount).remaining == Decimal("50.00") - amount
        assert wallet.get(card.id).fields["credit"] == Decimal("50.00") - amount
