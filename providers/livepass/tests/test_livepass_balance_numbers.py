"""LivePass's ``balance_amount`` is a JSON number with no documented precision (membership-card
page): walletpass's one rule for JSON numbers applies (exact in an IEEE double, integers within
2**53 - 1), on the emulator and on the fake wearing the LivePass profile alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepass import LivePassProvider

import walletpass
from walletpass import Balance, Holder, Pass, PassUpdate, Provider
from walletpass.errors import ValidationError
from walletpass.values import MAX_INTEGER

#: More than 15 significant digits, each held exactly by a double.
EXACT = [
    Decimal(MAX_INTEGER),
    Decimal(-MAX_INTEGER),
    Decimal("1234567890123456"),
    Decimal("0.1234567890123456"),
    Decimal("1.0000000000000002"),
    Decimal("12345678.12345678"),
]


@pytest.fixture
def profile() -> Iterator[Provider]:
    with walletpass.connect("fake", profile="livepass") as fake:
        yield fake


@pytest.fixture(params=["emulator", "profile"])
def either(request, wallet: LivePassProvider, profile: Provider) -> Provider:
    return wallet if request.param == "emulator" else profile


def _card(amount: Decimal) -> Pass:
    return Pass(
        template="membership-card", holder=Holder(name="Ada"), balance=Balance(amount=amount)
    )


@pytest.mark.parametrize("amount", EXACT, ids=str)
def test_a_balance_a_double_holds_exactly_is_kept(either: Provider, amount: Decimal) -> None:
    card = either.create(_card(Decimal(0)))
    updated = either.update(card.id, PassUpdate(balance=Balance(amount=amount)))
    assert updated.balance is not None and updated.balance.amount == amount
    read = either.get(card.id)
    assert read.balance is not None and read.balance.amount == amount
    created = either.create(_card(amount))
    assert either.get(created.id).balance.amount == amount  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "amount", [Decimal(MAX_INTEGER + 2), Decimal("0.12345678901234567891")], ids=str
)
def test_a_balance_a_double_would_change_is_refused_before_sending(amount: Decimal) -> None:
    with pytest.raises(ValidationError, match=r"balance\.amount"):
        _card(amount)


def test_a_balance_field_follows_the_same_rule(
    either: Provider, connect: Callable[..., LivePassProvider]
) -> None:
    card = either.create(
        Pass(
            template="membership-card",
            holder=Holder(name="Ada"),
            fields={"balance_amount": Decimal("1234567890123456")},
        )
    )
    assert either.get(card.id).balance.amount == Decimal("1234567890123456")  # type: ignore[union-attr]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amount=st.integers(10**15, MAX_INTEGER)
    | st.integers(-MAX_INTEGER, MAX_INTEGER)
    | st.decimals(
        places=4, allow_nan=False, allow_infinity=False, min_value=-(10**11), max_value=10**11
    )
)
def test_the_emulator_and_the_profile_agree_on_every_number(
    wallet: LivePassProvider, profile: Provider, amount: int | Decimal
) -> None:
    amount = Decimal(amount)
    try:
        card = _card(amount)
    except ValidationError:
        assert Decimal(repr(float(amount))) != amount  # the core's rule, for every vendor
        return
    seen = []
    for side in (wallet, profile):
        created = side.create(card)
        seen.append(side.get(created.id).balance.amount)  # type: ignore[union-attr]
    assert seen == [amount, amount]
