"""Every member of the redemption family, through the neutral ``redeem()`` (the verb chosen by the
pass's template type) and through the Livepasses-only methods, with each type's state machine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from walletpass_livepasses.limits import TemplateStatus

from walletpass import Balance, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import (
    AlreadyRedeemed,
    BusinessRuleError,
    NotFound,
    NotUsedUp,
    PassExpired,
    ValidationError,
)
from walletpass.model import PassStatus


def issue(wallet, template: str, kind: PassKind, **values: Any):
    data: dict[str, Any] = {
        "template": template,
        "kind": kind,
        "holder": Holder(name="Mara Okafor", email="mara@example.org"),
    }
    data.update(values)
    return wallet.create(Pass(**data))


def verbs(emulator, pass_id: str) -> list[str]:
    return [
        f"{e.method} {e.path.replace(pass_id, '{id}')}"
        for e in emulator.journal.entries
        if pass_id in e.path or "lookup" in e.path or "/api/templates/" in e.path
    ]


def test_event_ticket_redeem_is_a_check_in_found_by_lookup(connect, emulator) -> None:
    ticket = issue(connect(), "tmpl-001", PassKind.EVENT_TICKET)
    wallet = connect()  # has not seen the pass: looks it up for its template
    emulator.journal.clear()
    redemption = wallet.redeem(ticket.id, options={"gate": "North", "location": {"name": "N"}})
    assert (redemption.status, redemption.method) == (PassStatus.REDEEMED, "check-in")
    assert verbs(emulator, ticket.id) == [
        "GET /api/passes/lookup",
        "GET /api/templates/tmpl-001",
        "POST /api/passes/{id}/check-in",
    ]
    assert emulator.journal.last().json() == {"gate": "North", "location": {"name": "N"}}
    with pytest.raises(AlreadyRedeemed) as caught:
        wallet.redeem(ticket.id)
    assert caught.value.code == "PASS_ALREADY_USED" and caught.value.status == 422
    # the template's type was read once, the pass's template remembered: no second lookup
    assert len(emulator.journal.find("GET", "/api/templates/tmpl-001")) == 1
    assert len(emulator.journal.find("GET", "/api/passes/lookup")) == 1


def test_the_kind_or_endpoint_option_skips_the_lookup(wallet, emulator) -> None:
    coupon = issue(wallet, "tmpl-coupon", PassKind.COUPON, fields={"maxUsageCount": 2})
    emulator.journal.clear()
    first = wallet.redeem(coupon.id, options={"kind": "coupon", "transaction_amount": "45000"})
    # redeem(id): remaining is a spend's balance, None; the uses left are in meta (issue 14)
    seen = (first.method, first.status, first.remaining, first.meta)
    assert seen == ("redeem-coupon", PassStatus.ACTIVE, None, {"uses_left": 1})
    assert [e.path for e in emulator.journal.entries] == [f"/api/passes/{coupon.id}/redeem-coupon"]
    assert emulator.journal.last().json() == {"transactionAmount": 45000}
    second = wallet.redeem(coupon.id, options={"endpoint": "redeem-coupon"})
    assert second.status is PassStatus.REDEEMED
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem_coupon(coupon.id)


def test_single_use_redeem_refuses_multi_use_passes(wallet, connect, emulator) -> None:
    card = issue(wallet, "tmpl-loyalty", PassKind.LOYALTY)
    # The kind known without a read (this wallet issued it): refused as redeem(id) of it is,
    # before anything is sent, as the fake wearing the Livepasses profile refuses it.
    sent = len(emulator.journal.entries)
    with pytest.raises(NotUsedUp) as caught:
        wallet.redeem(card.id, options={"endpoint": "redeem"})
    assert "stamp" in str(caught.value)
    assert not [e for e in emulator.journal.entries[sent:] if e.method == "POST"]
    # Its kind unknown (another process's wallet): Livepasses' own refusal says it.
    stranger = connect()
    with pytest.raises(BusinessRuleError) as refused:
        stranger.redeem(card.id, options={"endpoint": "redeem"})
    assert refused.value.code == "OPERATION_NOT_ALLOWED"
    assert emulator.journal.entries[-1].path.endswith(f"{card.id}/redeem")
    assert wallet.get(card.id).status is PassStatus.ISSUED  # (neither used it)
    single = issue(wallet, "tmpl-coupon", PassKind.COUPON)
    assert wallet.redeem(single.id, options={"endpoint": "redeem"}).status is PassStatus.REDEEMED


def test_loyalty_redeem_stamps_and_with_an_amount_spends_points(wallet, emulator) -> None:
    card = issue(wallet, "tmpl-loyalty", PassKind.LOYALTY, balance=Balance(amount=Decimal(500)))
    with pytest.raises(NotUsedUp, match=r"stamp\(id\)"):
        wallet.redeem(card.id)  # a stamp leaves the card in use: asked for by name
    stamped = wallet.redeem(card.id, options={"endpoint": "stamp"})
    assert (stamped.method, stamped.remaining, stamped.meta) == ("stamp", None, {"stamps": 1})
    assert emulator.journal.last().json() == {}
    spent = wallet.redeem(card.id, amount=120)
    assert (spent.method, spent.amount, spent.remaining) == ("loyalty/transact", 120, 380)
    assert emulator.journal.last().json() == {"transactionType": "spend", "points": 120}
    with pytest.raises(BusinessRuleError, match="Insufficient points"):
        wallet.redeem(card.id, amount=1000)
    with pytest.raises(ValidationError, match="whole number"):
        wallet.redeem(card.id, amount="2.5", options={"kind": "loyalty"})


def test_loyalty_earn_spend_stamp_and_unstamp(wallet, emulator) -> None:
    card = issue(wallet, "tmpl-loyalty", PassKind.LOYALTY, fields={"currentPoints": 500})
    earned = wallet.loyalty_transact(card.id, "earn", 100, description="Purchase at Store #42")
    assert (earned.amount, earned.remaining) == (100, 600)
    spent = wallet.loyalty_transact(card.id, "spend", 50, description="Free coffee")
    assert spent.remaining == 550
    assert emulator.stored(card.id).lifetime_points == 600
    assert (wallet.stamp(card.id).remaining, wallet.stamp(card.id).meta) == (None, {"stamps": 2})
    assert wallet.unstamp(card.id).meta == {"stamps": 1}
    assert wallet.unstamp(card.id).meta == {"stamps": 0}
    with pytest.raises(BusinessRuleError) as caught:
        wallet.unstamp(card.id)
    assert caught.value.code == "OPERATION_NOT_ALLOWED"
    for bad in (("gift", 5), ("earn", 0), ("earn", True)):
        with pytest.raises(ValidationError):
            wallet.loyalty_transact(card.id, *bad)


def test_a_second_stamp_inside_the_cooldown_is_refused(wallet, emulator) -> None:
    emulator.stamp_cooldown = 60.0
    card = issue(wallet, "tmpl-loyalty", PassKind.LOYALTY)
    wallet.stamp(card.id)
    with pytest.raises(BusinessRuleError) as caught:
        wallet.stamp(card.id)
    assert caught.value.code == "RESOURCE_LOCKED"
    assert len(emulator.stored(card.id).stamps) == 1


def test_membership_check_in_keeps_the_pass_and_counts_down_a_quota(wallet) -> None:
    member = issue(wallet, "tmpl-membership", PassKind.MEMBERSHIP, fields={"maxUsageCount": 2})
    with pytest.raises(NotUsedUp):
        wallet.redeem(member.id)
    first = wallet.redeem(member.id, options={"endpoint": "membership/check-in"})
    assert (first.method, first.status, first.remaining, first.meta) == (
        "membership/check-in",
        PassStatus.ACTIVE,
        None,
        {"uses_left": 1},
    )
    assert wallet.membership_check_in(member.id, gate="Door 2").meta == {"uses_left": 0}
    with pytest.raises(BusinessRuleError, match="No visits"):
        wallet.membership_check_in(member.id)
    # Still valid; Livepasses' "Active" does not say whether it was used: the neutral "issued".
    assert wallet.get(member.id).status is PassStatus.ISSUED
    unlimited = issue(wallet, "tmpl-membership", PassKind.MEMBERSHIP)
    for _ in range(3):
        unlimited_use = wallet.membership_check_in(unlimited.id)
        assert (unlimited_use.remaining, unlimited_use.meta) == (None, {})


def test_gift_card_redeem_needs_an_amount_and_keeps_the_balance_on_refusal(
    wallet, emulator
) -> None:
    card = issue(
        wallet,
        "tmpl-giftcard",
        PassKind.GIFT_CARD,
        balance=Balance(amount=Decimal("50"), currency="USD"),
    )
    with pytest.raises(NotUsedUp, match=r"redeem\(id, amount=X\)"):
        wallet.redeem(card.id)
    paid = wallet.redeem(card.id, amount="12.50", options={"reason": "Lunch"})
    assert (paid.method, paid.amount, paid.remaining) == (
        "giftcard/redeem",
        Decimal("12.50"),
        Decimal("37.5"),
    )
    assert emulator.journal.last().json() == {"amount": 12.5, "reason": "Lunch"}
    with pytest.raises(BusinessRuleError, match="exceeds"):
        wallet.redeem_gift_card(card.id, 100)
    assert emulator.stored(card.id).balance == Decimal("37.5")
    with pytest.raises(ValidationError):
        wallet.redeem_gift_card(card.id, -1)


def test_check_in_and_coupon_methods_validate_their_options(wallet, emulator) -> None:
    ticket = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET)
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.check_in(ticket.id, location={"name": "X", "altitude": 3})
    assert "check_in.location.altitude" in caught.value.fields
    with pytest.raises(ValidationError):
        wallet.redeem(ticket.id, options={"endpoint": "check-in", "promo_code": "X"})
    with pytest.raises(ValidationError):
        wallet.redeem(ticket.id, amount=5, options={"endpoint": "check-in"})
    with pytest.raises(ValidationError):
        wallet.redeem(ticket.id, options={"endpoint": "teleport"})
    with pytest.raises(ValidationError):
        wallet.redeem(ticket.id, options={"kind": "spaceship"})
    assert len(emulator.journal) == before
    done = wallet.check_in(
        ticket.id,
        gate="Main Gate",
        section="B",
        location=Location(name="Main Gate", latitude=4.6097, longitude=-74.0817),
        accepted_types=["EventTicket"],
        redemption_method="barcode_scan",
        metadata={"lane": "3"},
    )
    assert done.raw["location"] == {"name": "Main Gate", "latitude": 4.6097, "longitude": -74.0817}
    assert emulator.journal.last().json()["acceptedTypes"] == ["EventTicket"]


def test_accepted_types_and_codes_are_enforced(wallet) -> None:
    ticket = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET, external_id="HL-1")
    with pytest.raises(BusinessRuleError):
        wallet.check_in(ticket.id, accepted_types=["Coupon"])
    with pytest.raises(BusinessRuleError, match="confirmation code"):
        wallet.redeem(ticket.id, options={"endpoint": "redeem", "confirmation_code": "HL-2"})
    assert wallet.redeem(ticket.id, options={"endpoint": "redeem", "confirmation_code": "HL-1"})
    coupon = issue(wallet, "tmpl-coupon", PassKind.COUPON, fields={"promoCode": "SUMMER"})
    with pytest.raises(BusinessRuleError, match="promo code"):
        wallet.redeem_coupon(coupon.id, promo_code="WINTER")


def test_expired_and_inactive_passes_are_refused(wallet, emulator) -> None:
    ticket = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET)
    wallet.update(ticket.id, PassUpdate(fields={"validUntil": "2020-01-01"}))
    assert wallet.get(ticket.id).status is PassStatus.EXPIRED
    with pytest.raises(PassExpired) as caught:
        wallet.redeem(ticket.id)
    assert caught.value.code == "PASS_EXPIRED"
    other = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET)
    wallet.deactivate_template("tmpl-001")
    assert emulator.templates["tmpl-001"].status is TemplateStatus.INACTIVE
    with pytest.raises(BusinessRuleError) as inactive:
        wallet.check_in(other.id)
    assert inactive.value.code == "TEMPLATE_INACTIVE"
    assert wallet.validate(other.id).can_be_redeemed is False
    wallet.activate_template("tmpl-001")
    assert wallet.check_in(other.id).status is PassStatus.REDEEMED


def test_redeem_by_scan_resolves_qr_codes_and_confirmation_codes(wallet, emulator) -> None:
    ticket = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET)
    scanned = wallet.redeem_by_scan(
        ticket.barcode.message, redemption_method="qr", latitude=4.6, longitude=-74.0
    )
    assert (scanned.pass_id, scanned.status) == (ticket.id, PassStatus.REDEEMED)
    assert emulator.journal.last().json() == {
        "scannedValue": ticket.barcode.message,
        "redemptionMethod": "qr",
        "latitude": 4.6,
        "longitude": -74.0,
    }
    card = issue(wallet, "tmpl-loyalty", PassKind.LOYALTY, external_id="CARD-9")
    assert wallet.redeem_by_scan("CARD-9").method == "redeem-by-scan"
    assert len(emulator.stored(card.id).stamps) == 1
    gift = issue(wallet, "tmpl-giftcard", PassKind.GIFT_CARD)
    with pytest.raises(BusinessRuleError):
        wallet.redeem_by_scan(gift.external_id)
    with pytest.raises(NotFound):
        wallet.redeem_by_scan("nothing-like-it")
    with pytest.raises(ValidationError):
        wallet.redeem_by_scan("x", latitude=91)


def test_already_redeemed_flag_in_a_200_is_an_already_redeemed_error(wallet, emulator) -> None:
    from walletpass.testing.emulator import Fault

    ticket = issue(wallet, "tmpl-001", PassKind.EVENT_TICKET)
    answer = {
        "success": True,
        "data": {
            "passId": ticket.id,
            "newStatus": "Redeemed",
            "redeemedAt": None,
            "alreadyRedeemed": True,
        },
    }
    emulator.inject(Fault.respond(200, answer), method="POST")
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem(ticket.id, options={"kind": "event_ticket"})
    emulator.inject(Fault.respond(200, answer), method="POST")
    with pytest.raises(AlreadyRedeemed):
        wallet.check_in(ticket.id)
