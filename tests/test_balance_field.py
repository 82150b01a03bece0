"""A template alias's ``balance_field``: a logical field that is the pass's balance.

Written under its logical name, it travels as the pass's balance; read back, the balance fills it
again, typed, on every provider with balances (the portability suite runs it on each vendor's
emulator); a provider without balances refuses it before anything is sent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Pass, PassUpdate
from walletpass.model import Balance, IssuedPass
from walletpass.roundtrip import TemplateMapping, issued_from_vendor
from walletpass.settings import TemplateAlias

CARD = {"id": "card", "kind": "loyalty", "balance_field": {"name": "points", "type": "int"}}
WALLET = {
    "id": "wallet",
    "kind": "gift_card",
    "balance_field": {"name": "credit", "currency": "EUR"},
}


@pytest.fixture
def fake() -> walletpass.Provider:
    with walletpass.connect("fake", templates={"card": CARD, "wallet": WALLET}) as wallet:
        yield wallet


def test_written_as_a_field_sent_as_the_balance_read_back_as_the_field(fake) -> None:
    card = fake.create(Pass(template="card", fields={"points": 90, "tier": "gold"}))
    sent = fake.calls[-1].params
    assert sent["balance"] == {"amount": "90"} and sent["fields"] == {"tier": "gold"}
    for seen in (card, fake.get(card.id), next(iter(fake.list(template="card")))):
        assert seen.fields == {"points": 90, "tier": "gold"}
        assert seen.balance == Balance(amount=Decimal(90))
    spent = fake.redeem(card.id, amount=5)
    assert spent.remaining == 85 and fake.get(card.id).fields["points"] == 85


def test_a_decimal_balance_keeps_its_currency(fake) -> None:
    issued = fake.create(Pass(template="wallet", fields={"credit": "12.50"}))
    assert issued.fields == {"credit": Decimal("12.50")}
    assert issued.balance == Balance(amount=Decimal("12.50"), currency="EUR")


def test_an_update_of_the_field_sets_the_balance_and_fills_in_the_message(fake) -> None:
    card = fake.create(Pass(template="card", fields={"points": 90}))
    updated = fake.update(card.id, PassUpdate(fields={"points": 95}, message="Now %@ points"))
    change = fake.calls[-1].params["change"]
    assert change == {"balance": {"amount": "95", "currency": None}, "message": "Now 95 points"}
    assert updated.fields == {"points": 95}
    # With another field, %@ is ambiguous and refused, as for two fields: named as written.
    with pytest.raises(walletpass.ValidationError, match=r"changes fields\.points, fields\.tier:"):
        fake.update(card.id, PassUpdate(fields={"points": 1, "tier": "x"}, message="%@"))


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"points": 9.5}, "fields.points: must be a whole number"),
        ({"points": "lots"}, "fields.points: must be a whole number"),
        ({"points": True}, "fields.points: must be a whole number"),
        ({"points": {"value": 3, "label": "Points"}}, "fields.points: is the pass's balance"),
    ],
)
def test_a_value_that_is_no_balance_is_refused_before_sending(fake, fields, problem) -> None:
    with pytest.raises(walletpass.ValidationError, match=problem):
        fake.create(Pass(template="card", fields=fields))
    assert fake.calls == []


def test_the_field_and_the_balance_together_are_refused(fake) -> None:
    with pytest.raises(walletpass.ValidationError, match=r"give only fields\.points"):
        fake.create(Pass(template="card", fields={"points": 1}, balance=Balance(amount=2)))
    assert fake.calls == []


@pytest.mark.parametrize("profile", ["pass2u"])
@pytest.mark.parametrize("strict", [True, False])
def test_a_provider_without_balances_refuses_it_clearly(profile: str, strict: bool) -> None:
    with walletpass.connect("fake", profile=profile, templates={"card": CARD}, strict=strict) as w:
        with pytest.raises(walletpass.UnsupportedFeature, match="balance_field") as caught:
            w.create(Pass(template="card", fields={"points": 1}))
        assert list(caught.value.features) == ["balance"]
        assert "no balance attribute" in str(caught.value)  # the declaration's note
        assert w.calls == []


def test_the_alias_key_is_checked_and_suggested() -> None:
    with pytest.raises(walletpass.ConfigurationError, match="did you mean 'balance_field'"):
        walletpass.connect("fake", templates={"c": {"id": "c", "balance_feild": "points"}})
    with pytest.raises(walletpass.ConfigurationError, match=r"int \(whole points\) or decimal"):
        walletpass.connect(
            "fake", templates={"c": {"id": "c", "balance_field": {"name": "p", "type": "text"}}}
        )
    with pytest.raises(walletpass.ConfigurationError, match="cannot also map to a template"):
        walletpass.connect(
            "fake", templates={"c": {"id": "c", "balance_field": "p", "fields": {"p": "k"}}}
        )


def _mapping(balance_keys: tuple[str, ...] = ()) -> TemplateMapping:
    alias = TemplateAlias.model_validate(CARD)
    return TemplateMapping("card", alias, balance_keys=balance_keys)


def test_the_vendors_own_balance_key_is_not_repeated_as_a_field() -> None:
    issued = IssuedPass(
        id="p",
        vendor_id="p",
        provider="v",
        template="card",
        fields={"currentPoints": 90, "memberTier": "gold"},
        balance=Balance(amount=Decimal(90)),
    )
    seen = issued_from_vendor(issued, _mapping(("currentPoints", "accountBalance")))
    assert seen.fields == {"points": 90, "memberTier": "gold"}
    # A read without the balance (a vendor's lookup) leaves the field out, not half-answered.
    unread = issued.model_copy(update={"balance": None, "fields": {}})
    assert "points" not in issued_from_vendor(unread, _mapping()).fields


def test_a_balance_that_is_not_of_the_declared_type_is_an_invalid_response() -> None:
    issued = IssuedPass(
        id="p", vendor_id="p", provider="v", template="card", balance=Balance(amount=Decimal("1.5"))
    )
    with pytest.raises(walletpass.InvalidResponse, match=r"fields.points \(the balance\)"):
        issued_from_vendor(issued, _mapping())


@settings(max_examples=60, deadline=None)
@given(points=st.integers(min_value=0, max_value=10**12))
def test_any_whole_balance_reads_back_as_written(points: int) -> None:
    with walletpass.connect("fake", templates={"card": CARD}) as wallet:
        card = wallet.create(Pass(template="card", fields={"points": points}))
        assert card.fields == {"points": points}
        assert wallet.get(card.id).fields == {"points": points}


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(
        min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False
    )
)
def test_any_decimal_balance_reads_back_as_written(amount: Decimal) -> None:
    with walletpass.connect("fake", templates={"wallet": WALLET}) as wallet:
        issued = wallet.create(Pass(template="wallet", fields={"credit": amount}))
        assert wallet.get(issued.id).fields["credit"] == amount
