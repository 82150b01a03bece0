"""A Livepasses update whose body depends on the pass's template (issue 18, Deliver 1).

Where a balance without a currency goes (``points`` or a gift card's ``accountBalance``) is the
pass's kind, which only the vendor can tell a provider that has not seen the pass. The one read
of its template (a lookup) serves both the template mapping and the kind; the body is built once,
after that read, and the built body passes ``check()`` before the write is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepasses import LivepassesProvider

from walletpass import Balance, PassKind, PassUpdate, ValidationError
from walletpass.transport import VendorRequest

from .conftest import GIFT_CARD, LOYALTY, SEEDED_KINDS

#: A loyalty alias whose balance is the "points" field, and an event alias renaming two fields:
#: an update of "points" could belong to either, so the template is the vendor's to tell.
ALIASES = {
    "card": {"id": LOYALTY, "kind": "loyalty", "balance_field": {"name": "points", "type": "int"}},
    "gift": {"id": GIFT_CARD, "balance_field": {"name": "credit", "type": "decimal"}},
    "show": {"id": "tmpl-001", "kind": "event_ticket", "fields": {"seat": "seatNumber"}},
}


class Counted:
    """The ``build_update`` calls of one provider instance."""

    def __init__(self, wallet: LivepassesProvider) -> None:
        self.built: list[VendorRequest] = []
        hook = wallet.build_update

        def counted(*args: Any, **kwargs: Any) -> VendorRequest:
            request = hook(*args, **kwargs)
            self.built.append(request)
            return request

        vars(wallet)["build_update"] = counted


def _before_write(emulator: Any) -> list[tuple[str, str]]:
    """The requests up to the first PUT (all of them when none was sent)."""
    seen = []
    for entry in emulator.journal.entries:
        seen.append((entry.method, entry.path))
        if entry.method == "PUT":
            break
    return seen


def _issue(
    connect: Callable[..., LivepassesProvider], make_pass: Callable[..., Any], **kw: Any
) -> str:
    creator = connect(templates=SEEDED_KINDS)
    return creator.create(make_pass(**kw)).id


@pytest.mark.parametrize(
    ("template", "kind", "opening", "change", "place", "sent"),
    [
        # a balance alone: the kind decides points or money
        (
            LOYALTY,
            PassKind.LOYALTY,
            Balance(amount=10, currency="points"),
            {"balance": Balance(amount=7)},
            "points",
            7,
        ),
        (
            GIFT_CARD,
            PassKind.GIFT_CARD,
            Balance(amount=50, currency="USD"),
            {"balance": Balance(amount=12)},
            "accountBalance",
            12,
        ),
        # the alias's balance field: three templates it could belong to, then the kind
        (
            LOYALTY,
            PassKind.LOYALTY,
            Balance(amount=10, currency="points"),
            {"fields": {"points": 95}},
            "points",
            95,
        ),
        (
            GIFT_CARD,
            PassKind.GIFT_CARD,
            Balance(amount=50, currency="USD"),
            {"fields": {"credit": Decimal("20")}},
            "accountBalance",
            20,
        ),
    ],
    ids=["points", "gift-card", "alias-points", "alias-gift-card"],
)
def test_one_lookup_and_one_build_when_the_template_is_the_vendors_to_tell(
    connect: Callable[..., LivepassesProvider],
    make_pass: Callable[..., Any],
    emulator: Any,
    template: str,
    kind: PassKind,
    opening: Balance,
    change: dict[str, Any],
    place: str,
    sent: Any,
) -> None:
    pass_id = _issue(connect, make_pass, template=template, kind=kind, balance=opening)
    fresh = connect(templates=ALIASES)  # it has not seen the pass
    counted = Counted(fresh)
    emulator.journal.clear()
    fresh.update(pass_id, PassUpdate(**change))
    before = _before_write(emulator)
    lookups = [path for method, path in before if path.endswith("/lookup")]
    assert len(lookups) == 1, before
    assert not any(path.endswith("/validate") for _, path in before), before
    assert len(counted.built) == 1, f"the update body was built {len(counted.built)} times"
    put = emulator.journal.find("PUT")[0].json()
    assert put["updatedFields"] == {place: sent}
    assert put == counted.built[0].json


@pytest.mark.parametrize(
    "change",
    [{"balance": Balance(amount=-5)}, {"fields": {"credit": -5}}],
    ids=["balance", "alias-balance-field"],
)
def test_a_body_only_the_kind_read_makes_invalid_is_refused_before_the_write(
    connect: Callable[..., LivepassesProvider],
    make_pass: Callable[..., Any],
    emulator: Any,
    change: dict[str, Any],
) -> None:
    """Sent as points, -5 would be taken; the read says gift card, whose accountBalance is a
    number of at least 0 (*inferred*, as the emulator): the rebuilt body's check refuses it."""
    pass_id = _issue(
        connect,
        make_pass,
        template=GIFT_CARD,
        kind=PassKind.GIFT_CARD,
        balance=Balance(amount=50, currency="USD"),
    )
    fresh = connect(templates=ALIASES)
    emulator.journal.clear()
    with pytest.raises(ValidationError) as caught:
        fresh.update(pass_id, PassUpdate(**change))
    # (the alias's balance field is the balance once mapped: the problem is at its place)
    assert [p.location for p in caught.value.problems] == ["balance.amount"]
    assert emulator.journal.find("PUT") == [], "the write was sent before its body was checked"


def test_a_gift_cards_money_keeps_its_cents_where_the_kind_is_known(
    wallet: LivepassesProvider, make_pass: Callable[..., Any], emulator: Any
) -> None:
    """The rule over the built body sees where the balance went: a gift card's 12.50 is money
    (accountBalance), not a fraction of a point."""
    card = wallet.create(
        make_pass(
            template=GIFT_CARD, kind=PassKind.GIFT_CARD, balance=Balance(amount=50, currency="USD")
        )
    )
    updated = wallet.update(card.id, PassUpdate(balance=Balance(amount=Decimal("12.50"))))
    assert emulator.journal.find("PUT")[0].json()["updatedFields"] == {"accountBalance": 12.5}
    assert updated.balance is not None and updated.balance.amount == Decimal("12.5")
