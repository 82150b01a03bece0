"""A new pass's balance goes where its vendor keeps that kind of balance, or is refused (issue 14).

Found on Livepasses: a gift card created with ``Balance(amount=50)`` and neither a kind nor a
template alias kind was sent as loyalty points (``currentPoints``); the vendor keeps a gift
card's money in ``accountBalance``, so the card started empty, silently. Generation keeps the two
apart and a create cannot learn the template's type without a read, so a balance whose place is
not known (no currency, no kind) is refused before any request, on the vendor and on the fake
wearing its profile alike; with a kind or a currency it lands where the next spend takes from.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

import walletpass
from walletpass import Balance, Holder, Pass, Provider, ValidationError
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator


@contextmanager
def sides() -> Iterator[tuple[Any, dict[str, Provider]]]:
    app = load_emulator("livepasses", stamp_cooldown=0.0)
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as real,
        walletpass.connect("fake", profile="livepasses") as profile,
    ):
        yield app, {"emulator": real, "profile": profile}


@pytest.mark.parametrize("template", ["tmpl-giftcard", "tmpl-loyalty"])
@pytest.mark.parametrize("amount", ["50", "12.5", "0"])
def test_a_balance_without_a_currency_or_kind_is_refused_before_any_request(
    template: str, amount: str
) -> None:
    with sides() as (app, wallets):
        texts = set()
        for wallet in wallets.values():
            before = len(app.passes)
            with pytest.raises(ValidationError) as refused:
                wallet.create(
                    Pass(
                        template=template,
                        holder=Holder(name="Mara Okafor"),
                        balance=Balance(amount=Decimal(amount)),
                    )
                )
            assert len(app.passes) == before  # nothing issued
            texts.add(str(refused.value).split("] ", 1)[1])  # after the provider's name
            assert "currency" in str(refused.value) and "kind" in str(refused.value)
        assert len(texts) == 1  # the same refusal on the vendor and on its profile


@pytest.mark.parametrize(
    ("template", "balance", "kind"),
    [
        ("tmpl-giftcard", Balance(amount=Decimal(50)), "gift_card"),
        ("tmpl-giftcard", Balance(amount=Decimal("50.25"), currency="USD"), None),
        ("tmpl-loyalty", Balance(amount=Decimal(50)), "loyalty"),
        ("tmpl-loyalty", Balance(amount=Decimal(50), currency="points"), None),
    ],
    ids=["giftcard-kind", "giftcard-currency", "loyalty-kind", "loyalty-points"],
)
def test_a_placed_balance_is_the_one_the_next_spend_takes_from(
    template: str, balance: Balance, kind: str | None
) -> None:
    seen = {}
    with sides() as (_, wallets):
        for side, wallet in wallets.items():
            stated: dict[str, Any] = {} if kind is None else {"kind": kind}
            issued = wallet.create(
                Pass(
                    template=template,
                    holder=Holder(name="Mara Okafor"),
                    balance=balance,
                    **stated,
                )
            )
            spent = wallet.redeem(issued.id, amount=10, options={"kind": KIND_OF[template]})
            seen[side] = (spent.status.value, spent.remaining)
    assert seen["emulator"] == seen["profile"]
    assert seen["emulator"][1] == balance.amount - 10


KIND_OF = {"tmpl-giftcard": "gift_card", "tmpl-loyalty": "loyalty"}
