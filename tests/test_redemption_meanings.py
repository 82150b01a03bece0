"""One meaning per redemption field and one check order, on every provider (issue 14).

``Redemption.remaining`` is the balance left after ``redeem(id, amount=X)``; after ``redeem(id)``
it is ``None`` everywhere (a vendor's count of uses goes in ``meta``). Each rule is run on the
fake, on every vendor's emulator (over HTTP on 127.0.0.1) and on the fake wearing its profile.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import PassStatus, PassUpdate, Redemption
from walletpass.presentation import neutral_redemption

from .test_after_delete import card, ticket, wallet_on

#: Every side that can redeem (LivePass cannot: UnsupportedOperation).
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
def test_redeem_without_an_amount_reports_no_remaining(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        used = wallet.redeem(wallet.create(ticket()).id)
        assert (used.status, used.remaining) == (PassStatus.REDEEMED, None)


@pytest.mark.parametrize("side", [s for s in SIDES if "pass2u" not in s])  # Pass2U: no balance
def test_a_spend_reports_the_balance_left(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        spent = wallet.redeem(wallet.create(card("M-4141")).id, amount=5)
        assert (spent.status, spent.amount, spent.remaining) == (PassStatus.ACTIVE, 5, 85)


@settings(max_examples=25, deadline=None)
@given(
    count=st.decimals(min_value=0, max_value=10_000, places=0),
    status=st.sampled_from([PassStatus.REDEEMED, PassStatus.ACTIVE, PassStatus.VOIDED]),
)
def test_a_count_a_provider_reports_after_a_use_is_not_a_remaining_balance(
    count: Decimal, status: PassStatus
) -> None:
    # A third-party provider's parse that reads uses left as a balance: the core keeps the
    # number in meta, and remaining keeps its one meaning.
    reported = Redemption(pass_id="p-1", provider="other", status=status, remaining=count)
    used = neutral_redemption(reported, None)
    assert used.remaining is None and used.meta["vendor_count"] == count
    spent = neutral_redemption(reported, Decimal(1))
    assert spent.remaining == count and "vendor_count" not in spent.meta


#: Livepasses' seeded coupon template, its kind stated by an alias (only EventTicket is attested).
_COUPONS = {"coupon": {"id": "tmpl-coupon", "kind": "coupon"}}


def test_a_livepasses_coupon_tells_its_uses_left_in_meta_on_the_emulator_and_the_profile() -> None:
    from walletpass import Holder, Pass
    from walletpass.testing.emulator import EmulatorServer
    from walletpass.testing.emulators import load_emulator

    coupon = Pass(template="coupon", kind="coupon", holder=Holder(name="Ada Lovelace"))
    app = load_emulator("livepasses")
    seen = []
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "livepasses", base_url=server.url, api_key=app.api_key, templates=_COUPONS
        ) as real,
        walletpass.connect("fake", profile="livepasses", templates=_COUPONS) as profile,
    ):
        for wallet in (real, profile):
            used = wallet.redeem(wallet.create(coupon).id)
            seen.append((used.status, used.amount, used.remaining, used.meta))
    assert seen == [(PassStatus.REDEEMED, None, None, {"uses_left": 0})] * 2


# -- one check order for a redeem that cannot be done -------------------------------------------
#
# The whole kind: redeem(id) or redeem(id, amount=X) on a pass that is used up, expired or
# deleted, or a spend on a pass without a balance. One order everywhere (docs/concepts.md): what
# the provider cannot do at all (UnsupportedFeature: Pass2U keeps no balances), then malformed
# input (ValidationError), then the pass's state (NotFound for a deleted pass, PassExpired,
# AlreadyRedeemed), then the pass's kind (no balance to deduct from: BusinessRuleError
# NO_BALANCE; not used up by a redeem: NotUsedUp). Nothing is written by any of them.

_STATE_ERRORS = {
    "used": walletpass.AlreadyRedeemed,
    "expired": walletpass.PassExpired,
    "deleted": walletpass.NotFound,
}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _into(wallet: Any, pass_id: str, state: str) -> None:
    """Put the pass in ``state`` the way an application would; skip where the vendor cannot."""
    try:
        if state == "used":
            wallet.redeem(pass_id)
        elif state == "deleted":
            wallet.delete(pass_id)
        elif "livepasses" in wallet.name or "livepasses" in wallet.label:
            # Livepasses' expiry is its validUntil field (vendor notes 3.6), not expires_at.
            past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
            wallet.update(pass_id, PassUpdate(fields={"validUntil": past}))
        else:
            wallet.update(pass_id, PassUpdate(expires_at=datetime.now(UTC) - timedelta(days=1)))
    except (walletpass.UnsupportedOperation, walletpass.UnsupportedFeature) as exc:
        pytest.skip(f"{state} is not a state this provider can put a pass in: {exc}")


@pytest.mark.parametrize("amount", [None, 1], ids=["redeem", "spend"])
@pytest.mark.parametrize("state", sorted(_STATE_ERRORS))
@pytest.mark.parametrize("side", SIDES)
def test_a_pass_that_cannot_be_used_is_refused_for_its_state_first(
    side: str, state: str, amount: int | None
) -> None:
    with wallet_on(side) as (wallet, sent):
        issued = wallet.create(ticket())
        _into(wallet, issued.id, state)
        before = len(sent())
        expected: type[Exception] = _STATE_ERRORS[state]
        if amount is not None and wallet.capabilities["balance"].support.value == "none":
            expected = walletpass.UnsupportedFeature  # the provider cannot spend at all
        with pytest.raises(walletpass.WalletPassError) as refused:
            wallet.redeem(issued.id, amount=amount)
        assert type(refused.value) is expected, repr(refused.value)
        assert refused.value.operation == "redeem"
        if amount is not None:  # a spend is refused by walletpass, before any write is sent
            assert not set(sent()[before:]) & _WRITES


@pytest.mark.parametrize("side", [s for s in SIDES if "pass2u" not in s])
def test_a_spend_on_a_usable_pass_without_a_balance_is_refused_for_that(side: str) -> None:
    with wallet_on(side) as (wallet, sent):
        issued = wallet.create(ticket())
        before = len(sent())
        with pytest.raises(walletpass.BusinessRuleError) as refused:
            wallet.redeem(issued.id, amount=1)
        assert refused.value.code == "NO_BALANCE"
        assert not set(sent()[before:]) & _WRITES
        # Still usable: the refusal changed nothing.
        assert wallet.redeem(issued.id).status is PassStatus.REDEEMED


@pytest.mark.parametrize("state", ["used", "expired"])
@pytest.mark.parametrize("side", ["livepasses", "fake:livepasses", "fake"])
def test_a_card_redeem_without_an_amount_is_refused_for_its_state_first(
    side: str, state: str
) -> None:
    # NotUsedUp is about the pass's kind: a card that expired says so first.
    with wallet_on(side) as (wallet, _):
        issued = wallet.create(card("M-6006"))
        if state == "used":
            wallet.redeem(issued.id, amount=90)  # spent to 0: still usable, so not "used"
            with pytest.raises(walletpass.NotUsedUp):
                wallet.redeem(issued.id)
            return
        _into(wallet, issued.id, state)
        with pytest.raises(walletpass.PassExpired):
            wallet.redeem(issued.id)
