"""``redeem(id)`` without an amount uses a pass up; a card it does not use up is refused.

On every provider, its emulator (over HTTP on 127.0.0.1) and its profile, ``redeem(id)`` on a
loyalty card (or a membership or gift card) raises ``NotUsedUp`` before any write (a read to
learn the pass's kind is allowed), naming ``redeem(id, amount=X)``; the card stays as it was.
Livepasses' stamps and membership check-ins stay reachable by name.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Holder, NotUsedUp, Pass, PassKind, PassStatus
from walletpass.redemption import NOT_USED_UP_KINDS

from .test_after_delete import card, wallet_on

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Every provider that can redeem (LivePass cannot: UnsupportedOperation, the portability suite).
SIDES = (
    "fake",
    "pass2u",
    "fake:pass2u",
    "passentry",
    "fake:passentry",
    "livepasses",
    "fake:livepasses",
)


@pytest.mark.parametrize("side", SIDES)
def test_redeem_without_amount_on_a_loyalty_card_is_refused_before_any_write(side: str) -> None:
    with wallet_on(side) as (wallet, sent):
        issued = wallet.create(card("M-5005"))
        before = wallet.get(issued.id)
        count = len(sent())
        with pytest.raises(NotUsedUp) as refused:
            wallet.redeem(issued.id)
        message = str(refused.value)
        # Pass2U keeps no balance: its count is a field to update.
        has_balance = wallet.capabilities["balance"].support.value != "none"
        assert ("redeem(id, amount=X)" if has_balance else "update(id, PassUpdate(") in message
        assert refused.value.operation == "redeem"
        assert isinstance(refused.value, walletpass.BusinessRuleError)
        # Reads at most (to learn the kind), never a write: the card is unchanged, usable.
        assert not set(sent()[count:]) & WRITES, sent()[count:]
        after = wallet.get(issued.id)
        assert after.status == before.status and not after.status.is_final
        assert after.fields == before.fields
        if has_balance:  # spending from its balance still works
            assert wallet.redeem(issued.id, amount=5).status is PassStatus.ACTIVE


@pytest.mark.parametrize("side", ("livepasses", "fake:livepasses"))
def test_livepasses_names_its_stamp_and_check_in(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        issued = wallet.create(card("M-7007"))
        with pytest.raises(NotUsedUp) as refused:
            wallet.redeem(issued.id)
        # A loyalty card's use is a stamp; a check-in is a membership's (named on those only,
        # tests/test_not_used_up_advice.py).
        assert "stamp(id)" in str(refused.value)
        assert "membership_check_in(id)" not in str(refused.value)


def test_livepasses_stamp_stays_reachable() -> None:
    with wallet_on("livepasses") as (wallet, _):
        issued = wallet.create(card("M-8008"))
        stamped = wallet.stamp(issued.id)  # type: ignore[attr-defined]
        assert stamped.status is PassStatus.ACTIVE
        by_option = wallet.redeem(issued.id, options={"endpoint": "stamp"})
        assert by_option.status is PassStatus.ACTIVE
        assert not wallet.get(issued.id).status.is_final


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(list(PassKind)))
def test_every_kind_on_the_fake_follows_the_one_rule(kind: PassKind) -> None:
    """A kind a redeem uses up ends final; any other is refused and left as it was."""
    with walletpass.connect("fake") as fake:
        issued = fake.create(Pass(template="t", kind=kind, holder=Holder(name="A")))
        if kind in NOT_USED_UP_KINDS:
            with pytest.raises(NotUsedUp):
                fake.redeem(issued.id)
            assert not fake.get(issued.id).status.is_final
        else:
            assert fake.redeem(issued.id).status is PassStatus.REDEEMED
            assert fake.get(issued.id).status.is_final
