"""A spend on a pass that keeps no balance is refused alike on PassEntry and its profile.

Only a store card has a loyalty balance on PassEntry. ``redeem(id, amount=X)`` on an event
ticket or a generic pass reached the loyalty endpoint, whose 422 "Pass is not a loyalty pass"
came out as a ``ValidationError``, while every other provider (and the fake wearing PassEntry's
profile) raises the ``BusinessRuleError`` "has no balance to deduct from" (docs/concepts.md, one
meaning per operation). Now the pass's type, which the redeem's read tells, decides it before
the loyalty endpoint is asked; nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import walletpass
from walletpass import BusinessRuleError, Holder, Pass, PassKind

from .conftest import EVENT, GENERIC

#: PassEntry template type -> the kinds a pass of it may be issued as (each without a balance).
NO_BALANCE = [
    pytest.param(EVENT, PassKind.EVENT_TICKET, id="eventTicket"),
    pytest.param(GENERIC, PassKind.GENERIC, id="generic"),
    pytest.param(GENERIC, PassKind.MEMBERSHIP, id="generic-membership"),
    pytest.param(GENERIC, PassKind.COUPON, id="generic-coupon"),
]


def _refusal(wallet: walletpass.Provider, template: str, kind: PassKind, amount: Decimal) -> str:
    issued = wallet.create(
        Pass(template=template, kind=kind, holder=Holder(name="Ada Lovelace"), fields={"k0": "x"})
    )
    with pytest.raises(BusinessRuleError) as refused:
        wallet.redeem(issued.id, amount=amount)
    assert refused.value.code == "NO_BALANCE"
    # The message less its "[<provider>.redeem] " prefix (the profile is fake(profile=passentry)).
    return str(refused.value).replace(issued.id, "<id>").split("] ", 1)[1]


@pytest.mark.parametrize(("template", "kind"), NO_BALANCE)
@pytest.mark.parametrize("amount", [Decimal(1), Decimal(5000)])
def test_a_spend_on_a_pass_without_a_balance_is_refused_before_any_write(
    wallet, emulator, template: str, kind: PassKind, amount: Decimal
) -> None:
    before = len(emulator.journal)
    seen = _refusal(wallet, template, kind, amount)
    sent = [(r.method, r.path) for r in list(emulator.journal)[before:]]
    assert [method for method, _ in sent] == ["POST", "GET"], sent  # the create, the redeem's read
    assert (
        seen
        == "pass '<id>' has no balance to deduct from; redeem it without an amount to use it up"
    )
    with walletpass.connect("fake", profile="passentry") as profile:
        assert _refusal(profile, template, kind, amount) == seen
