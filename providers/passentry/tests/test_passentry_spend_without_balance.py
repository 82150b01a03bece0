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
from walletpass import Balance, BusinessRuleError, Holder, Pass, PassKind, PassUpdate

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


def _balance_at_create(
    wallet: walletpass.Provider, template: str, kind: PassKind
) -> tuple[object, ...]:
    """What a create with a balance on a pass that keeps none leaves: the error, and the
    nullified pass a list shows (external id freed: a create with it succeeds again)."""
    with pytest.raises(walletpass.ValidationError) as refused:
        wallet.create(
            Pass(template=template, kind=kind, external_id="E-77", balance=Balance(amount=3))
        )
    left = [(p.status, p.external_id, p.balance) for p in wallet.list(template=template)]
    again = wallet.create(Pass(template=template, kind=kind, external_id="E-77"))
    return refused.value.outcome_unknown, refused.value.retryable, left, again.status


@pytest.mark.parametrize(("template", "kind"), NO_BALANCE)
def test_a_balance_at_create_on_a_pass_without_one_is_refused_alike(
    wallet, template: str, kind: PassKind
) -> None:
    """PassEntry's provider creates the pass, its loyalty write is refused (422 "Pass is not a
    loyalty pass") and it nullifies the new pass; the profile issued the pass with the balance
    (found by the neutrality harness: 18 of 300 PassEntry examples). The profile now refuses it
    as the vendor does, leaving the same tombstone."""
    seen = _balance_at_create(wallet, template, kind)
    assert seen[0:2] == (False, False)
    with walletpass.connect("fake", profile="passentry") as profile:
        assert _balance_at_create(profile, template, kind) == seen


def _update_with_balance(wallet: walletpass.Provider, template: str, kind: PassKind) -> object:
    """What an update writing a balance and a field leaves on a pass that keeps no balance:
    the error's type, and the field as a read reports it afterwards."""
    issued = wallet.create(
        Pass(template=template, kind=kind, holder=Holder(name="Ada Lovelace"), fields={"k0": "x"})
    )
    with pytest.raises(walletpass.ValidationError) as refused:
        wallet.update(issued.id, PassUpdate(fields={"k0": "changed"}, balance=Balance(amount=3)))
    return type(refused.value).__name__, wallet.get(issued.id).fields.get("k0")


@pytest.mark.parametrize(("template", "kind"), NO_BALANCE)
def test_an_update_whose_balance_is_refused_writes_nothing_else(
    wallet, emulator, template: str, kind: PassKind
) -> None:
    """The loyalty write goes first: when PassEntry refuses it (not a loyalty pass), the pass's
    own change is not sent, so the pass is not left half-written (neu16: the field was changed
    and the update reported failed)."""
    before = len(emulator.journal)
    seen = _update_with_balance(wallet, template, kind)
    assert seen == ("ValidationError", "x")
    patched = [r.path for r in list(emulator.journal)[before:] if r.method == "PATCH"]
    assert all("/loyalty/" in path for path in patched), patched
    with walletpass.connect("fake", profile="passentry") as profile:
        assert _update_with_balance(profile, template, kind) == seen
