"""A spend leaves the lifecycle status a read reports as it was (issue 14, verification finding).

``redeem(id, amount=X)`` answers ``Redemption.status == ACTIVE`` ("still usable after this
spend") everywhere; a ``get()`` afterwards reports the status the pass had before the spend
(``issued``; ``installed`` on the fake after ``install()``), never ``active``: on the fake, on
every profile that keeps balances, and (tests/test_portability.py, ``spend_points``) on every
vendor's emulator.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import walletpass
from walletpass import Balance, Pass, PassStatus

#: The profiles whose passes keep a balance, with a loyalty template alias for each.
CARDS = {
    None: {"id": "coffee-card", "kind": "loyalty", "balance_field": "points"},
    "passentry": {"id": "5f0e9c1d2b3a4f5e6d7c8b9a", "kind": "loyalty", "balance_field": "points"},
    "livepasses": {"id": "tmpl-coffee", "kind": "loyalty", "balance_field": "points"},
}


@pytest.mark.parametrize("profile", list(CARDS))
@pytest.mark.parametrize("spends", [1, 3])
def test_a_spend_leaves_the_status_a_read_reports(profile: str | None, spends: int) -> None:
    templates = {"card": CARDS[profile]}
    with walletpass.connect("fake", profile=profile, templates=templates) as wallet:
        card = wallet.create(
            Pass(template="card", external_id="M-1", fields={"points": 90}, holder={"name": "A B"})
        )
        before = wallet.get(card.id).status
        for n in range(spends):
            spent = wallet.redeem(card.id, amount=5)
            assert (spent.status, spent.remaining) == (PassStatus.ACTIVE, Decimal(85 - 5 * n))
        after = wallet.get(card.id)
        assert after.status is before is PassStatus.ISSUED
        assert after.fields.get("points", 90 - 5 * spends) == 90 - 5 * spends


def test_an_installed_card_stays_installed_after_a_spend() -> None:
    with walletpass.connect("fake") as wallet:
        card = wallet.create(Pass(template="t", kind="gift_card", balance=Balance(amount=20)))
        wallet.install(card.id)  # type: ignore[attr-defined]
        assert wallet.redeem(card.id, amount="2.50").status is PassStatus.ACTIVE
        read = wallet.get(card.id)
        assert (read.status, read.balance) == (PassStatus.INSTALLED, Balance(amount="17.50"))
