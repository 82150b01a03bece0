"""One meaning per redemption field and one check order, on every provider (issue 14).

``Redemption.remaining`` is the balance left after ``redeem(id, amount=X)``; after ``redeem(id)``
it is ``None`` everywhere (a vendor's count of uses goes in ``meta``). Each rule is run on the
fake, on every vendor's emulator (over HTTP on 127.0.0.1) and on the fake wearing its profile.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass import PassStatus, Redemption
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
    import walletpass
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
