"""Livepasses loyalty and stored value: a coffee-club card that earns, spends and stamps, a tier
upgrade, a coupon, a gift card and a gym membership.

Runs against the Livepasses emulator started in-process (no key, no network): the same code talks
to the real API with ``walletpass.connect("livepasses", api_key=...)`` and your template ids.

    python examples/livepasses_loyalty.py
"""

from __future__ import annotations

from decimal import Decimal

from walletpass_livepasses.emulator import DEFAULT_API_KEY, LivepassesEmulator

import walletpass
from walletpass import Balance, Holder, Pass, PassKind, PassUpdate
from walletpass.errors import BusinessRuleError, PassExpired
from walletpass.testing.emulator import EmulatorServer

PRIYA = Holder(first_name="Priya", last_name="Shah", email="priya@example.com")


def main() -> None:
    with EmulatorServer(LivepassesEmulator(stamp_cooldown=60)) as server:
        wallet = walletpass.connect(
            "livepasses",
            base_url=server.url,
            api_key=DEFAULT_API_KEY,
            # Livepasses documents no template type but EventTicket: say which kind each
            # template is, so redeem() picks the right verb (a points spend, a gift card's amount).
            templates={
                "tmpl-loyalty": {"id": "tmpl-loyalty", "kind": "loyalty"},
                "tmpl-coupon": {"id": "tmpl-coupon", "kind": "coupon"},
                "tmpl-giftcard": {"id": "tmpl-giftcard", "kind": "gift_card"},
                "tmpl-membership": {"id": "tmpl-membership", "kind": "membership"},
            },
        )
        print(f"1. connected to {wallet.name!r} at {server.url} (Livepasses emulator)")
        for template in wallet.list_templates(status="Active"):
            print(f"   template {template.id:<16} {template.type:<12} {template.name}")

        card = wallet.create(
            Pass(
                template="tmpl-loyalty",
                kind=PassKind.LOYALTY,
                holder=PRIYA,
                tier="Gold",
                balance=Balance(amount=Decimal(500)),  # points: businessData.currentPoints
                fields={"membershipNumber": "MEM-12345", "favoriteStore": "Canal St"},
            )
        )
        print(f"2. loyalty card {card.id}: tier={card.fields['memberTier']} points=500")

        earned = wallet.loyalty_transact(card.id, "earn", 100, description="Purchase at Store #42")
        print(f"3. earned 100 -> balance {earned.remaining}")
        spent = wallet.redeem(card.id, amount=50)  # a loyalty redeem with an amount spends points
        print(f"4. spent {spent.amount} via {spent.method} -> balance {spent.remaining}")

        # A bare redeem(id) would not use the card up, so it is refused; a stamp is asked for
        # by name (the vendor operation stamp, or redeem(id, options={"endpoint": "stamp"})).
        stamped = wallet.stamp(card.id)
        print(f"5. stamped -> {stamped.meta['stamps']} stamp(s)")
        try:
            wallet.stamp(card.id)
        except BusinessRuleError as exc:
            print(f"6. double scan refused: {exc.code}")
        print(f"7. mis-scan undone -> {wallet.unstamp(card.id).meta['stamps']} stamp(s)")

        wallet.update(card.id, PassUpdate(tier="Platinum", notify=False))
        print("8. tier upgraded to Platinum silently (no banner on the phone)")

        coupon = wallet.create(
            Pass(
                template="tmpl-coupon",
                kind=PassKind.COUPON,
                holder=PRIYA,
                fields={"promoCode": "SUMMER2026", "campaignId": "camp-001", "maxUsageCount": 2},
            )
        )
        for use in (1, 2):
            applied = wallet.redeem_coupon(
                coupon.id,
                promo_code="SUMMER2026",
                transaction_amount=45000,
                transaction_currency="COP",
                metadata={"order": f"#1234{use}"},
            )
            left = applied.meta["uses_left"]
            print(f"9.{use} coupon applied -> uses left {left}, status {applied.status}")

        gift = wallet.create(
            Pass(
                template="tmpl-giftcard",
                kind=PassKind.GIFT_CARD,
                holder=PRIYA,
                balance=Balance(amount=Decimal("50.00"), currency="USD"),
            )
        )
        paid = wallet.redeem(gift.id, amount="12.50", options={"reason": "Lunch"})
        print(f"10. gift card paid {paid.amount} -> {paid.remaining} left")
        try:
            wallet.redeem_gift_card(gift.id, 100)
        except BusinessRuleError as exc:
            print(f"11. 100 refused, balance untouched: {exc.message}")

        gym = wallet.create(
            Pass(
                template="tmpl-membership",
                kind=PassKind.MEMBERSHIP,
                holder=PRIYA,
                fields={"maxUsageCount": 10},
            )
        )
        visit = wallet.membership_check_in(gym.id, gate="Door 2")
        print(
            f"12. gym check-in ({visit.method}) -> {visit.meta.get('uses_left')} visits left, "
            f"still {visit.status}"
        )

        wallet.update(card.id, PassUpdate(fields={"validUntil": "2020-01-01"}))
        try:
            wallet.redeem(card.id, amount=1)
        except PassExpired as exc:
            print(f"13. expired card refused: {exc.code}; status now {wallet.get(card.id).status}")
        wallet.close()


if __name__ == "__main__":
    main()
