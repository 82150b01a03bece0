"""The redemption family: one verb per template type, each with its own state machine
(vendor notes 3.8).

``/redeem`` consumes single-use passes only (event tickets, single-use coupons); ``/check-in``
consumes an event ticket; coupons count uses up to ``maxUsageCount``; loyalty cards earn and
spend points (``/loyalty/transact``) and collect stamps with an anti double-scan cooldown;
memberships count visits down on a quota; gift cards spend their ``accountBalance``;
``/redeem-by-scan`` resolves a QR payload, confirmation code or id and applies the verb of the
pass's type. A wrong verb for the type, an expired or cancelled pass, or an inactive template is
refused with 422.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from walletpass.testing.emulator import EmulatorRequest, EmulatorResponse, Refused, route
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import Resource, invalid, json_number
from walletpass_livepasses.emulator.state import StoredPass, refused
from walletpass_livepasses.limits import ENDPOINT_BODIES, Endpoint, TemplateType, VendorStatus

__all__ = ["Redemptions"]


class Redemptions(Resource):
    """Redeeming, checking in, stamping and spending: ``POST /api/passes/{passId}/<verb>``."""

    def _redeemable(self, stored: StoredPass, body: Mapping[str, Any]) -> None:
        self.store.usable_template(stored)
        if stored.status is VendorStatus.EXPIRED:
            raise refused(422, "PASS_EXPIRED", f"Pass {stored.id} has expired.")
        if stored.status is VendorStatus.CANCELLED:
            raise refused(422, "OPERATION_NOT_ALLOWED", f"Pass {stored.id} was cancelled.")
        accepted = body.get("acceptedTypes")
        if accepted and str(stored.template_type) not in accepted:
            raise refused(
                422,
                "OPERATION_NOT_ALLOWED",
                f"Pass {stored.id} is a {stored.template_type!s}, not one of {accepted}.",
            )

    def _wrong_verb(self, stored: StoredPass, verb: str) -> Refused:
        return refused(
            422,
            "OPERATION_NOT_ALLOWED",
            f"A {stored.template_type!s} pass cannot be used with {verb}.",
        )

    def _result(
        self,
        stored: StoredPass,
        body: Mapping[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        location = body.get("location")
        return {
            "passId": stored.id,
            "newStatus": stored.status.value,
            "redeemedAt": self.store.now(),
            "alreadyRedeemed": False,
            "location": dict(location) if isinstance(location, Mapping) else None,
            "pointsEarned": extra.get("points_earned"),
            "newBalance": extra.get("new_balance"),
            "transactionType": extra.get("transaction_type"),
        }

    def _consume(self, stored: StoredPass) -> None:
        if stored.status is VendorStatus.REDEEMED:
            raise refused(422, "PASS_ALREADY_USED", f"Pass {stored.id} was already used.")
        stored.status = VendorStatus.REDEEMED
        stored.updated_at = self.store.clock()
        self.store.fire("pass.redeemed", stored.id)

    def _redemption(self, request: EmulatorRequest, endpoint: Endpoint, optional: bool) -> Any:
        body = self.body(request, ENDPOINT_BODIES[endpoint], optional=optional)
        stored = self.store.pass_(request.params["passId"])
        self._redeemable(stored, body)
        return body, stored

    @route("POST", "/api/passes/{passId}/redeem")
    def redeem(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.REDEEM, optional=True)
        single_use = stored.template_type is TemplateType.EVENT_TICKET or (
            stored.template_type is TemplateType.COUPON and stored.max_uses == 1
        )
        if not single_use:
            raise self._wrong_verb(stored, "redeem (it is not single-use)")
        code = body.get("confirmationCode")
        if code is not None and code != stored.confirmation_code:
            raise refused(422, "BUSINESS_RULE_VIOLATION", "The confirmation code does not match.")
        self._consume(stored)
        if stored.template_type is TemplateType.COUPON:
            stored.uses += 1
        return self.ok(self._result(stored, body))

    def _check_in(self, stored: StoredPass, body: Mapping[str, Any]) -> dict[str, Any]:
        if stored.template_type is not TemplateType.EVENT_TICKET:
            raise self._wrong_verb(stored, "check-in")
        self._consume(stored)
        return self._result(stored, body)

    @route("POST", "/api/passes/{passId}/check-in")
    def check_in(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.CHECK_IN, optional=True)
        return self.ok(self._check_in(stored, body))

    def _coupon(self, stored: StoredPass, body: Mapping[str, Any]) -> dict[str, Any]:
        if stored.template_type is not TemplateType.COUPON:
            raise self._wrong_verb(stored, "redeem-coupon")
        promo = body.get("promoCode")
        expected = stored.business_data.get("promoCode")
        if promo is not None and expected is not None and promo != expected:
            raise refused(422, "BUSINESS_RULE_VIOLATION", "The promo code does not match.")
        # A used-up coupon stays used up: raising its maxUsageCount afterwards gives it no more
        # uses (*inferred*: Livepasses documents no way back from Redeemed), as a redeemed pass
        # is final everywhere (docs/concepts.md).
        if stored.uses >= stored.max_uses or stored.status is VendorStatus.REDEEMED:
            raise refused(
                422, "PASS_ALREADY_USED", f"Coupon {stored.id} was used {stored.uses} time(s)."
            )
        stored.uses += 1
        if stored.uses >= stored.max_uses:
            stored.status = VendorStatus.REDEEMED
            self.store.fire("pass.redeemed", stored.id)
        stored.updated_at = self.store.clock()
        self.store.fire("coupon.applied", stored.id)
        return self._result(stored, body, new_balance=stored.max_uses - stored.uses)

    @route("POST", "/api/passes/{passId}/redeem-coupon")
    def redeem_coupon(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.REDEEM_COUPON, optional=True)
        return self.ok(self._coupon(stored, body))

    @route("POST", "/api/passes/{passId}/loyalty/transact")
    def loyalty_transact(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.LOYALTY, optional=False)
        if stored.template_type is not TemplateType.LOYALTY:
            raise self._wrong_verb(stored, "loyalty/transact")
        kind = body["transactionType"]
        points = int(body["points"])
        if kind not in {t.value for t in limits.TransactionType}:
            raise invalid([("transactionType", "must be earn or spend")], "INVALID_FIELD_VALUE")
        if points <= 0:
            raise invalid([("points", "must be positive")], "INVALID_FIELD_VALUE")
        if kind == "spend" and points > stored.points:
            raise refused(
                422,
                "BUSINESS_RULE_VIOLATION",
                f"Insufficient points: the balance is {stored.points}.",
            )
        stored.points += points if kind == "earn" else -points
        if kind == "earn":
            stored.lifetime_points += points
        stored.business_data["currentPoints"] = stored.points
        stored.updated_at = self.store.clock()
        self.store.fire("loyalty.transacted", stored.id)
        return self.ok(
            self._result(
                stored,
                body,
                points_earned=points if kind == "earn" else -points,
                new_balance=stored.points,
                transaction_type=kind,
            )
        )

    def _stamp(self, stored: StoredPass, body: Mapping[str, Any]) -> dict[str, Any]:
        if stored.template_type is not TemplateType.LOYALTY:
            raise self._wrong_verb(stored, "stamp")
        now = time.monotonic()
        if stored.stamps and now - stored.stamps[-1] < self.store.stamp_cooldown:
            raise refused(
                422,
                "RESOURCE_LOCKED",
                "This card was stamped moments ago (anti double-scan cooldown).",
            )
        stored.stamps.append(now)
        stored.updated_at = self.store.clock()
        self.store.fire("loyalty.transacted", stored.id)
        return self._result(
            stored, body, points_earned=1, new_balance=len(stored.stamps), transaction_type="stamp"
        )

    @route("POST", "/api/passes/{passId}/stamp")
    def stamp(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.STAMP, optional=False)
        return self.ok(self._stamp(stored, body))

    @route("POST", "/api/passes/{passId}/unstamp")
    def unstamp(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.UNSTAMP, optional=False)
        if stored.template_type is not TemplateType.LOYALTY:
            raise self._wrong_verb(stored, "unstamp")
        if not stored.stamps:
            raise refused(422, "OPERATION_NOT_ALLOWED", "There is no stamp to undo.")
        stored.stamps.pop()
        stored.updated_at = self.store.clock()
        return self.ok(
            self._result(
                stored,
                body,
                points_earned=-1,
                new_balance=len(stored.stamps),
                transaction_type="unstamp",
            )
        )

    def _membership(self, stored: StoredPass, body: Mapping[str, Any]) -> dict[str, Any]:
        if stored.template_type is not TemplateType.MEMBERSHIP:
            raise self._wrong_verb(stored, "membership/check-in")
        if stored.visits_left is not None:
            if stored.visits_left <= 0:
                raise refused(
                    422, "BUSINESS_RULE_VIOLATION", "No visits are left on this membership."
                )
            stored.visits_left -= 1
        stored.updated_at = self.store.clock()
        self.store.fire("membership.checked_in", stored.id)
        return self._result(stored, body, new_balance=stored.visits_left)

    @route("POST", "/api/passes/{passId}/membership/check-in")
    def membership_check_in(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.MEMBERSHIP, optional=True)
        return self.ok(self._membership(stored, body))

    @route("POST", "/api/passes/{passId}/giftcard/redeem")
    def gift_card(self, request: EmulatorRequest) -> EmulatorResponse:
        body, stored = self._redemption(request, Endpoint.GIFT_CARD, optional=False)
        if stored.template_type is not TemplateType.GIFT_CARD:
            raise self._wrong_verb(stored, "giftcard/redeem")
        try:
            amount = Decimal(str(body["amount"]))
        except InvalidOperation:
            raise invalid([("amount", "must be a number")]) from None
        if amount <= 0:
            raise invalid([("amount", "must be positive")], "INVALID_FIELD_VALUE")
        if amount > stored.balance:
            raise refused(
                422,
                "BUSINESS_RULE_VIOLATION",
                f"The amount exceeds the card's balance of {stored.balance}.",
            )
        stored.balance -= amount
        stored.business_data["accountBalance"] = json_number(stored.balance)
        stored.updated_at = self.store.clock()
        self.store.fire("pass.redeemed", stored.id)
        return self.ok(
            self._result(
                stored, body, new_balance=json_number(stored.balance), transaction_type="redeem"
            )
        )

    @route("POST", "/api/passes/redeem-by-scan")
    def redeem_by_scan(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.REDEEM_BY_SCAN)
        value = body["scannedValue"]
        stored = next(
            (
                p
                for p in self.store.passes.values()
                if value in (p.qr_code, p.confirmation_code, p.id)
            ),
            None,
        )
        if stored is None:
            raise refused(404, "PASS_NOT_FOUND", "The scanned value matches no pass.")
        self.store.refresh(stored)
        self._redeemable(stored, {})
        handlers: dict[str, Callable[[StoredPass, Mapping[str, Any]], dict[str, Any]]] = {
            TemplateType.EVENT_TICKET: self._check_in,
            TemplateType.COUPON: self._coupon,
            TemplateType.MEMBERSHIP: self._membership,
            TemplateType.LOYALTY: self._stamp,
        }
        handler = handlers.get(stored.template_type)
        if handler is None:
            raise self._wrong_verb(stored, "redeem-by-scan (it needs an amount)")
        return self.ok(handler(stored, {}))
