"""Livepasses' rules for listings and redemptions are its ``check``'s, run before any request;
``build_list`` and ``build_redeem`` refuse only what no request could carry (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepasses.limits import Endpoint
from walletpass_livepasses.payloads import Redeeming

from walletpass import Holder, ListFilters, Pass, PassKind, PassStatus
from walletpass.errors import BusinessRuleError, NotUsedUp, ValidationError


@pytest.fixture
def fresh(connect, wallet) -> Any:
    """A second provider with the same template aliases that has seen none of ``wallet``'s
    passes: the template of a pass is unknown to it without a lookup."""
    return connect(templates=dict(wallet.settings.templates))


def _issue(wallet: Any, template: str, kind: PassKind) -> str:
    issued = wallet.create(Pass(template=template, kind=kind, holder=Holder(name="Mara Okafor")))
    return str(issued.id)


LOYALTY = ("tmpl-loyalty", PassKind.LOYALTY)
GIFT_CARD = ("tmpl-giftcard", PassKind.GIFT_CARD)


@pytest.mark.parametrize(
    ("issued", "amount", "options", "where"),
    [
        # the verb is known without reading: every rule before any request
        (LOYALTY, Decimal("2.5"), {"kind": "loyalty"}, "amount"),
        (LOYALTY, Decimal(3), {"endpoint": "check-in"}, "amount"),
        (LOYALTY, None, {"kind": "event_ticket", "promo_code": "X"}, "options.promo_code"),
        (LOYALTY, None, {"endpoint": "stamp", "gate": "North"}, "options.gate"),
        (LOYALTY, None, {"kind": "coupon", "accepted_types": 5}, "options.accepted_types"),
        # a lookup would choose the verb, but no verb would take this: refused before it
        (GIFT_CARD, Decimal(5), {"gate": "North"}, "options.gate"),  # no balance verb has one
        (GIFT_CARD, None, {"pin": "1234"}, "options.pin"),  # no verb has such an option
        (GIFT_CARD, None, {"gate": 7}, "options.gate"),
    ],
)
def test_a_redemption_check_refuses_is_refused_before_any_request(
    wallet, fresh, emulator, issued, amount, options, where
) -> None:
    pass_id = _issue(wallet, *issued)
    before = len(emulator.journal.entries)
    with pytest.raises(ValidationError) as caught:
        fresh.redeem(pass_id, amount=amount, options=options)
    assert where in caught.value.fields
    assert len(emulator.journal.entries) == before


def test_a_verb_chosen_by_a_read_is_checked_before_the_redemption_is_sent(
    wallet, fresh, emulator
) -> None:
    # The verb of a pass this provider has not seen is read first (a lookup, SAFE); a rule of
    # that verb alone (loyalty spends whole points; a gift card takes 2.5) is then refused
    # before anything is written.
    pass_id = _issue(wallet, "tmpl-loyalty", PassKind.LOYALTY)
    before = len(emulator.journal.entries)
    with pytest.raises(ValidationError) as caught:
        fresh.redeem(pass_id, amount=Decimal("2.5"))
    assert "amount" in caught.value.fields
    sent = emulator.journal.entries[before:]
    assert sent and all(entry.method == "GET" for entry in sent)


def test_an_amount_for_a_kind_without_a_balance_is_refused_before_any_write(
    wallet, emulator
) -> None:
    pass_id = _issue(wallet, "tmpl-coupon", PassKind.COUPON)  # seen: its alias kind is known
    before = len(emulator.journal.entries)
    with pytest.raises(BusinessRuleError, match="no balance"):
        wallet.redeem(pass_id, amount=Decimal(1))
    # One lookup of the pass's state first (the one check order, docs/concepts.md), no write.
    assert [e.path for e in emulator.journal.entries[before:]] == ["/api/passes/lookup"]


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        ({"status": PassStatus.DELETED}, "status"),
        ({"template": "tmpl/1"}, "template"),
        ({"extra": {"sort_descending": "yes"}}, "extra.sort_descending"),
        ({"extra": {"search_term": 5}}, "extra.search_term"),
    ],
)
def test_list_filters_are_checked_at_the_call(wallet, emulator, filters, where) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.list(**filters)
    assert where in caught.value.fields
    assert len(emulator.journal.entries) == 0


def test_check_holds_the_rules_and_the_builds_only_what_they_cannot_express(offline) -> None:
    # check() names every problem; the build hooks assume a checked call and refuse only what
    # no request could carry.
    assert [p.location for p in offline.check(None, ListFilters(extra={"sort_by": 1}))] == [
        "extra.sort_by"
    ]
    assert offline.build_list(ListFilters(extra={"sort_by": "status"})).query["sortBy"] == "status"
    with pytest.raises(ValidationError):
        offline.build_list(ListFilters(status=PassStatus.DELETED))  # no vendor value to send
    gift = Redeeming(Endpoint.GIFT_CARD, None, {})
    assert [p.location for p in offline.check(None, gift)] == ["amount"]
    with pytest.raises(ValidationError):
        offline.build_redeem("p-1", None, {"endpoint": "shred"})  # no such verb
    with pytest.raises(ValidationError):
        offline.build_redeem("p-1", Decimal(1), {"endpoint": "check-in"})  # nowhere to put it


def test_a_bare_redeem_of_a_card_it_would_not_use_up_is_refused_before_any_write(
    wallet, fresh, emulator
) -> None:
    pass_id = _issue(wallet, *LOYALTY)
    before = len(emulator.journal.entries)
    for options in ({"kind": "gift_card"}, {"kind": "loyalty"}, {"kind": "membership"}):
        with pytest.raises(NotUsedUp):
            fresh.redeem(pass_id, options=options)
    # The pass's state is read first (a used or expired card says so), nothing is written.
    assert {e.method for e in emulator.journal.entries[before:]} == {"GET"}
