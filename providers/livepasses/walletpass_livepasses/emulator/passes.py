"""Passes as they are read and changed: the list, the lookup, validation, the update and the
template push (vendor notes 3.3 to 3.7).

``updatedFields`` names are the pass type's field names in camelCase (3.6); the updatable names are
not published beyond ``memberTier``, ``points``, ``validUntil`` and ``gate``, so any camelCase name
is taken (an inference shared with the provider, declared there) and any other spelling is
refused with 400 ``INVALID_FIELD_FORMAT``, on a PUT and on a push alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from walletpass.messages import quantity
from walletpass.testing.emulator import EmulatorRequest, EmulatorResponse, route
from walletpass.timestamps import parse_timestamp
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import Resource, invalid
from walletpass_livepasses.emulator.state import StoredPass, refused, timestamp
from walletpass_livepasses.limits import BUSINESS_DATA, TemplateStatus, TemplateType, VendorStatus

__all__ = ["Passes"]


class Passes(Resource):
    """Reading passes and changing their fields."""

    def _list_item(self, stored: StoredPass) -> dict[str, Any]:
        template = self.store.templates.get(stored.template_id)
        return {
            "id": stored.id,
            "templateId": stored.template_id,
            "templateName": template.name if template else None,
            "status": stored.status.value,
            "holderName": stored.holder_name,
            "holderEmail": stored.email,
            "confirmationCode": stored.confirmation_code,
            "passType": str(stored.template_type),
            "hasApplePass": True,
            "hasGooglePass": True,
            "createdAt": timestamp(stored.created_at),
            "updatedAt": timestamp(stored.updated_at),
        }

    @route("GET", "/api/passes", query=limits.LIST_PASSES_QUERY)
    def list_passes(self, request: EmulatorRequest) -> EmulatorResponse:
        page, size = self.page(request)
        found = list(self.store.passes.values())
        for stored in found:
            self.store.refresh(stored)
        template = request.arg("templateId")
        status = request.arg("status")
        term = (request.arg("searchTerm") or "").casefold()
        found = [
            p
            for p in found
            if (template is None or p.template_id == template)
            and (status is None or p.status.value == status)
            and (
                not term
                or any(
                    term in (value or "").casefold()
                    for value in (p.id, p.holder_name, p.email, p.confirmation_code)
                )
            )
        ]
        keys: dict[str, Callable[[StoredPass], Any]] = {
            "createdAt": lambda p: p.created_at,
            "holderName": lambda p: p.holder_name.casefold(),
            "status": lambda p: p.status.value,
        }
        return self.sorted_page(request, found, keys, self._list_item, page=page, size=size)

    @route("GET", "/api/passes/lookup", query=limits.LOOKUP_QUERY)
    def lookup(self, request: EmulatorRequest) -> EmulatorResponse:
        given = {
            name: str(request.arg(name))
            for name in ("passId", "confirmationCode", "holderEmail")
            if request.arg(name)
        }
        if len(given) != 1:
            raise invalid([("passId", "give exactly one of passId, confirmationCode, holderEmail")])
        ((name, value),) = given.items()
        if name == "passId":
            matches = [self.store.passes[value]] if value in self.store.passes else []
        elif name == "confirmationCode":
            matches = [p for p in self.store.passes.values() if p.confirmation_code == value]
        else:
            matches = [
                p
                for p in self.store.passes.values()
                if (p.email or "").casefold() == value.casefold()
            ]
        if not matches:
            raise refused(404, "PASS_NOT_FOUND", "No pass matches the lookup.")
        stored = max(matches, key=lambda p: p.created_at)
        self.store.refresh(stored)
        return self.ok(
            {
                "passId": stored.id,
                "templateId": stored.template_id,
                "status": stored.status.value,
                "isValid": stored.status is VendorStatus.ACTIVE,
                "holderName": stored.holder_name,
                "holderEmail": stored.email,
                "confirmationCode": stored.confirmation_code,
                "createdAt": timestamp(stored.created_at),
            }
        )

    @route("GET", "/api/passes/{passId}/validate")
    def validate(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self.store.pass_(request.params["passId"])
        template = self.store.templates[stored.template_id]
        active = stored.status is VendorStatus.ACTIVE
        usable = active and template.status is TemplateStatus.ACTIVE
        message = None
        if not active:
            message = f"The pass is {stored.status.value.lower()}."
        elif not usable:
            message = "The pass's template is inactive."
        return self.ok(
            {
                "isValid": active,
                "canBeRedeemed": usable,
                "status": stored.status.value,
                "verificationMethods": ["qr", "confirmation_code"],
                "message": message,
            }
        )

    # -- changes ---------------------------------------------------------------------------------

    @route("PUT", "/api/passes/{passId}")
    def update(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.UPDATE_PASS)
        lengths = (
            ("reason", limits.MAX_REASON),
            ("messageHeader", limits.MAX_MESSAGE_HEADER),
            ("messageBody", limits.MAX_MESSAGE_BODY),
        )
        too_long = [
            (key, f"must be at most {quantity(size, 'character')}")
            for key, size in lengths
            if len(body.get(key) or "") > size
        ]
        if too_long:
            raise invalid(too_long, "FIELD_TOO_LONG")
        if not body.get("updatedFields") and not body.get("messageBody"):
            raise invalid(
                [("updatedFields", "send non-empty updatedFields or a messageBody")],
                "REQUIRED_FIELD_MISSING",
            )
        self._check_updated(body.get("updatedFields") or {})
        stored = self.store.pass_(request.params["passId"])
        self.store.usable_template(stored)
        _check_balance_names(stored, body.get("updatedFields") or {})
        self._apply_fields(stored, body.get("updatedFields") or {})
        if body.get("messageBody"):
            stored.messages.append(
                {
                    "header": body.get("messageHeader"),
                    "body": body["messageBody"],
                    "notify": body.get("notify", True),
                }
            )
        stored.updated_at = self.store.clock()
        self.store.refresh(stored)
        self.store.fire("pass.updated", stored.id)
        return self.ok({"passId": stored.id, "updatedAt": timestamp(stored.updated_at)})

    def _apply_fields(self, stored: StoredPass, fields: Mapping[str, Any]) -> None:
        """Apply ``updatedFields`` already checked by :meth:`_check_updated`."""
        if "validUntil" in fields:
            stored.valid_until = _valid_until(fields["validUntil"])
            if stored.status is VendorStatus.EXPIRED and (
                stored.valid_until is None or stored.valid_until > self.store.clock()
            ):
                stored.status = VendorStatus.ACTIVE
        for name in ("points", "currentPoints"):
            if name in fields:
                stored.points = fields[name]
        if "maxUsageCount" in fields and stored.template_type is TemplateType.COUPON:
            # The uses a coupon allows are its maxUsageCount as it now reads (*inferred*: the
            # docs do not say whether an update changes the count a redemption checks).
            stored.max_uses = int(fields["maxUsageCount"] or 1)
        if "accountBalance" in fields and stored.template_type is TemplateType.GIFT_CARD:
            # The money /giftcard/redeem spends (*inferred*: the generate name, livepasses.md 3.1;
            # no updatable name for it is published).
            stored.balance = Decimal(str(fields["accountBalance"]))
        for key, value in fields.items():
            stored.updated_fields[key] = value
            if key in BUSINESS_DATA.members:
                stored.business_data[key] = value

    @staticmethod
    def _check_updated(updated: Mapping[str, Any]) -> None:
        """Every ``updatedFields`` member, before any is applied (a refusal changes nothing).

        Names are the pass type's field names in camelCase (section 3.6), on a PUT and on a
        template push alike; whether a null clears a field is not documented, so none is taken
        as a clear; points are integers and ``validUntil`` a date or timestamp.
        """
        named = [
            (f"updatedFields.{key}", problem)
            for key in updated
            if (problem := limits.updated_field_problem(str(key))) is not None
        ]
        if named:
            raise invalid(named, "INVALID_FIELD_FORMAT")
        nulls = [
            (f"updatedFields.{key}", "must not be null: clearing a field is not documented")
            for key, value in updated.items()
            if value is None
        ]
        if nulls:
            raise invalid(nulls, "INVALID_FIELD_VALUE")
        counts = [
            (f"updatedFields.{key}", problem)
            for key, value in updated.items()
            if (problem := limits.updated_value_problem(str(key), value)) is not None
        ]
        if counts:
            raise invalid(counts)
        if "validUntil" in updated:
            _valid_until(updated["validUntil"])

    @route("POST", "/api/passes/template/{templateId}/push")
    def push(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.PUSH_TEMPLATE)
        if not body["updatedFields"]:
            raise invalid([("updatedFields", "must not be empty")], "REQUIRED_FIELD_MISSING")
        self._check_updated(body["updatedFields"])
        template = self.store.template(request.params["templateId"])
        if template.status is not TemplateStatus.ACTIVE:
            raise refused(422, "TEMPLATE_INACTIVE", f"Template {template.id} is inactive.")
        touched = 0
        for stored in self.store.passes.values():
            self.store.refresh(stored)
            if stored.template_id == template.id and stored.status is VendorStatus.ACTIVE:
                _check_balance_names(stored, body["updatedFields"])
                self._apply_fields(stored, body["updatedFields"])
                stored.updated_at = self.store.clock()
                self.store.fire("pass.updated", stored.id)
                touched += 1
        return self.ok({"templateId": template.id, "passesUpdated": touched})


def _check_balance_names(stored: StoredPass, updated: Mapping[str, Any]) -> None:
    """A balance is changed under the name of the pass's type: a gift card keeps money
    (``accountBalance``, a number of at least 0), never points; 400 otherwise, nothing
    applied. The updatable names per type are UNKNOWN (livepasses.md 3.6): these are the
    inference walletpass sends by, so anything else is refused rather than taken."""
    if stored.template_type is not TemplateType.GIFT_CARD:
        return
    problems = [
        (f"updatedFields.{key}", "a gift card keeps no points: its balance is accountBalance")
        for key in ("points", "currentPoints")
        if key in updated
    ]
    if "accountBalance" in updated:
        value = updated["accountBalance"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(("updatedFields.accountBalance", "must be a number of at least 0"))
    if problems:
        raise invalid(problems, "INVALID_FIELD_VALUE")


def _valid_until(value: Any) -> datetime:
    """``updatedFields.validUntil`` as a time; 400 ``INVALID_FIELD_FORMAT`` if it is not one."""
    # What a bare date means (the SDK README's only example) is not documented: read as the
    # start of that day in UTC, the one rule the provider reads answers by.
    with contextlib.suppress(ValueError):
        parsed = parse_timestamp(value)
        if parsed is not None:
            return parsed
    raise invalid(
        [("updatedFields.validUntil", "must be an ISO 8601 date or timestamp")],
        "INVALID_FIELD_FORMAT",
    )
