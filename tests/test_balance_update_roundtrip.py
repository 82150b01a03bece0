"""A balance changed by ``update()`` is the balance the next spend takes from (issue 14).

Found on Livepasses: a gift card created with 50 and updated to 60 reported 60 everywhere, but
the next ``redeem(id, amount=10)`` spent from 50 on the vendor (the update sent the amount as
loyalty points, where the vendor does not keep a gift card's money). Every balance kind (a gift
card's money, a loyalty card's points), with the kind stated by a template alias or only by the
vendor's template, runs update balance -> get -> spend -> get -> overspend on the emulator (over
HTTP on 127.0.0.1), on the fake wearing the vendor's profile and on the fake, and each reports
the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Balance, BusinessRuleError, Holder, Pass, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: Livepasses' seeded templates and the kind each one's type reads as.
KINDS = {"tmpl-giftcard": "gift_card", "tmpl-loyalty": "loyalty"}
ALIASES = {t: {"id": t, "kind": k} for t, k in KINDS.items()}


def observe(wallet: Provider, template: str, before: int, after: int, spend: int) -> list[Any]:
    """What an application sees of the balance: the update's, a spend's, an overspend."""
    issued = wallet.create(
        Pass(
            template=template,
            kind=KINDS[template],
            holder=Holder(name="Mara Okafor"),
            balance=Balance(amount=Decimal(before)),
        )
    )
    seen: list[Any] = []
    updated = wallet.update(issued.id, PassUpdate(balance=Balance(amount=Decimal(after))))
    seen.append(("update", updated.balance and updated.balance.amount))
    read = wallet.get(issued.id)
    seen.append(("get", read.status.value))
    spent = wallet.redeem(issued.id, amount=spend)
    seen.append(("spend", spent.status.value, spent.amount, spent.remaining))
    with pytest.raises(BusinessRuleError):  # one more than is left: nothing spent
        wallet.redeem(issued.id, amount=after - spend + 1)
    if after > spend:
        last = wallet.redeem(issued.id, amount=after - spend)
        seen.append(("spend the rest", last.remaining))
    return seen


@contextmanager
def sides(aliased: bool) -> Iterator[dict[str, Provider]]:
    settings: dict[str, Any] = {"templates": ALIASES} if aliased else {}
    app = load_emulator("livepasses", stamp_cooldown=0.0)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "livepasses", base_url=server.url, api_key=app.api_key, **settings
        ) as real,
        walletpass.connect("fake", profile="livepasses", **settings) as profile,
        walletpass.connect("fake", templates=ALIASES) as fake,
    ):
        yield {"emulator": real, "profile": profile, "fake": fake}


@pytest.mark.parametrize("aliased", [True, False], ids=["alias-kind", "template-type"])
@pytest.mark.parametrize("template", sorted(KINDS))
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.integers(min_value=0, max_value=500),
    after=st.integers(min_value=1, max_value=5_000),
    data=st.data(),
)
def test_an_updated_balance_is_what_the_next_spend_takes_from(
    template: str, aliased: bool, before: int, after: int, data: st.DataObject
) -> None:
    spend = data.draw(st.integers(min_value=1, max_value=after))
    with sides(aliased) as wallets:
        seen = {name: observe(w, template, before, after, spend) for name, w in wallets.items()}
    expected_spend = ("spend", "active", Decimal(spend), Decimal(after - spend))
    assert seen["emulator"][0] == ("update", Decimal(after))
    assert seen["emulator"][2] == expected_spend
    assert seen["profile"] == seen["emulator"]
    # The fake reads its balance back; the rest is the same numbers.
    assert [s for s in seen["fake"] if s[0] != "get"] == [
        s for s in seen["emulator"] if s[0] != "get"
    ]


def test_a_gift_cards_balance_update_is_sent_where_the_vendor_spends_it() -> None:
    app = load_emulator("livepasses")
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as real,
    ):
        card = real.create(
            Pass(
                template="tmpl-giftcard",
                kind="gift_card",
                holder=Holder(name="Mara Okafor"),
                balance=Balance(amount=50),
            )
        )
        real.update(card.id, PassUpdate(balance=Balance(amount=60)))
        puts = [e.json() for e in app.journal.entries if e.method == "PUT"]
        assert puts == [{"updatedFields": {"accountBalance": 60}, "notify": False}]
        # The kind was read before the write (the create told the pass's template): the
        # template's type, then the PUT.
        sent = [(e.method, e.path) for e in app.journal.entries[1:]]
        assert sent[:2] == [
            ("GET", "/api/templates/tmpl-giftcard"),
            ("PUT", f"/api/passes/{card.id}"),
        ]


def test_the_emulator_refuses_points_on_a_gift_card() -> None:
    app = load_emulator("livepasses")
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as real,
    ):
        card = real.create(
            Pass(
                template="tmpl-giftcard",
                kind="gift_card",
                holder=Holder(name="Mara Okafor"),
                balance=Balance(amount=50),
            )
        )
        # Points are a loyalty card's: the vendor's updatable names per type are UNKNOWN, so the
        # emulator takes only the inference walletpass sends by (accountBalance).
        with pytest.raises(walletpass.ValidationError):
            real.update(card.id, PassUpdate(fields={"points": 60}))
        assert real.redeem(card.id, amount=50).remaining == 0
