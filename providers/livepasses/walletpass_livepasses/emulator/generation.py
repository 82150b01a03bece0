"""Generation: ``POST /api/passes/generate`` and the asynchronous batches it may start.

Small requests are generated at once; above the store's ``async_threshold`` recipients the answer
is 202 with a ``batchOperation`` and the recipients are generated over time at ``batch_rate`` per
second, in input order, polled through ``GET /api/passes/batch/{batchId}/status`` (vendor notes
3.1, 3.2). A recipient whose ``membershipNumber`` is taken on the template fails alone
(``status: "failed"``, ``MEMBERSHIP_NUMBER_CONFLICT``) inside a 200 answer.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from walletpass.testing.emulator import EmulatorRequest, EmulatorResponse, route
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import Resource, invalid, json_number
from walletpass_livepasses.emulator.state import (
    EmulatedBatch,
    EmulatedTemplate,
    StoredPass,
    new_id,
    refused,
    timestamp,
)
from walletpass_livepasses.limits import TemplateStatus, TemplateType

__all__ = ["WALLET_HOST", "Generation"]

WALLET_HOST = "https://wallet.livepasses.com"


class Generation(Resource):
    """Generating passes, at once or as a batch followed over time."""

    @route("POST", "/api/passes/generate")
    def generate(self, request: EmulatorRequest) -> EmulatorResponse:
        store = self.store
        body = self.body(request, limits.GENERATE)
        template = store.template(body["templateId"])
        if template.status is not TemplateStatus.ACTIVE:
            raise refused(422, "TEMPLATE_INACTIVE", f"Template {template.id} is inactive.")
        method = (body.get("options") or {}).get("deliveryMethod")
        if method is not None and method not in limits.DELIVERY_METHODS:
            raise invalid([("options.deliveryMethod", "is not a delivery method")])
        recipients: list[dict[str, Any]] = body["passes"]
        if store.quota is not None and store.generated + len(recipients) > store.quota:
            raise refused(
                422,
                "QUOTA_EXCEEDED",
                f"Generating {len(recipients)} passes would exceed the plan's quota "
                f"of {store.quota}.",
            )
        store.generated += len(recipients)
        context = dict(body.get("businessContext") or {})
        batch_id = new_id("b-")
        now = store.clock()
        answer: dict[str, Any] = {
            "batchId": batch_id,
            "templateId": template.id,
            "generatedAt": timestamp(now),
            "totalPasses": len(recipients),
        }
        if len(recipients) > store.async_threshold:
            batch = EmulatedBatch(batch_id, template.id, recipients, context, time.monotonic(), now)
            store.batches[batch_id] = batch
            answer.update(
                isAsyncProcessing=True,
                passes=[],
                batchOperation={
                    "id": batch_id,
                    "status": limits.BatchState.PROCESSING.value,
                    "totalRecipients": batch.total,
                    "passesGenerated": 0,
                    "generationFailures": 0,
                    "progressPercentage": 0,
                    "estimatedCompletion": timestamp(
                        now + timedelta(seconds=batch.total / max(store.batch_rate, 1e-9))
                    ),
                    "statusPollUrl": f"/api/passes/batch/{batch_id}/status",
                },
            )
            return self.ok(answer, 202, "Batch accepted")
        entries = [self.generate_one(template, r, context) for r in recipients]
        revenue = sum(
            (Decimal(str(r["businessData"].get("price") or 0)) for r in recipients), Decimal(0)
        )
        answer.update(
            isAsyncProcessing=False,
            passes=entries,
            delivery={
                "method": method or "return_urls",
                "status": "completed",
                "sentAt": timestamp(now),
                "details": [
                    {"recipient": e.get("customerEmail"), "status": e["status"]} for e in entries
                ],
            },
            businessMetrics={
                "totalRevenue": json_number(revenue),
                "revenueByType": {},
                "distributionByType": {str(template.type): len(entries)},
            },
        )
        return self.ok(answer)

    def generate_one(
        self,
        template: EmulatedTemplate,
        recipient: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Generate one recipient's pass; its entry in a generate answer (failed or not)."""
        store = self.store
        customer = dict(recipient["customer"])
        data = {k: v for k, v in dict(recipient["businessData"]).items() if v is not None}
        member = data.get("membershipNumber")
        if member is not None and any(
            p.template_id == template.id and p.business_data.get("membershipNumber") == member
            for p in store.passes.values()
        ):
            return {
                "id": None,
                "customerEmail": customer.get("email"),
                "confirmationCode": data.get("confirmationCode"),
                "status": limits.FAILED_STATUS,
                "errorCode": "MEMBERSHIP_NUMBER_CONFLICT",
                "errorMessage": f"Membership number {member} is already in use.",
            }
        pass_id = new_id("p-")
        code = str(data.get("confirmationCode") or limits.made_up_confirmation_code())
        data["confirmationCode"] = code
        stored = StoredPass(
            id=pass_id,
            template_id=template.id,
            template_type=template.type,
            customer=customer,
            business_data=data,
            personalizations=dict(recipient.get("personalizations") or {}),
            context=dict(context),
            confirmation_code=code,
            qr_code=limits.made_up_qr_code(pass_id, code),
            created_at=store.clock(),
            points=int(data.get("currentPoints") or 0),
            lifetime_points=int(data.get("lifetimePoints") or data.get("currentPoints") or 0),
            max_uses=int(data.get("maxUsageCount") or 1),
            visits_left=int(data["maxUsageCount"])
            if template.type is TemplateType.MEMBERSHIP and data.get("maxUsageCount")
            else None,
            balance=Decimal(str(data.get("accountBalance") or 0)),
        )
        store.passes[pass_id] = stored
        store.fire("pass.generated", pass_id)
        jwt = base64.urlsafe_b64encode(
            json.dumps({"typ": "savetowallet", "pass": pass_id}).encode()
        ).decode()
        return {
            "id": pass_id,
            "customerEmail": stored.email,
            "confirmationCode": code,
            "status": stored.status.value,
            "qrCode": stored.qr_code,
            "platforms": {
                "apple": {
                    "available": True,
                    "addToWalletUrl": f"{WALLET_HOST}/apple/{pass_id}",
                    "passUrl": f"{WALLET_HOST}/passes/{pass_id}.pkpass",
                    "features": [],
                },
                "google": {
                    "available": True,
                    "addToWalletUrl": f"https://pay.google.com/gp/v/save/{jwt}",
                    "jwtToken": jwt,
                    "features": [],
                },
            },
            "businessData": data,
            "analytics": {
                "trackingId": new_id("t-", 8),
                "engagementUrl": f"{WALLET_HOST}/e/{pass_id}",
            },
        }

    def advance(self, batch: EmulatedBatch, due: int | None = None) -> None:
        """Generate the batch's recipients due by now (or the first ``due`` of them)."""
        if batch.completed:
            return
        if due is None:
            due = int((time.monotonic() - batch.started) * self.store.batch_rate)
        template = self.store.templates[batch.template_id]
        for recipient in batch.recipients[batch.done : min(due, batch.total)]:
            entry = self.generate_one(template, recipient, batch.context)
            batch.lines.append(
                {
                    "passId": entry["id"],
                    "customerEmail": entry.get("customerEmail"),
                    "confirmationCode": entry.get("confirmationCode"),
                    "status": entry["status"],
                    "hasApplePass": entry["id"] is not None,
                    "hasGooglePass": entry["id"] is not None,
                    **(
                        {"errorCode": entry["errorCode"], "errorMessage": entry["errorMessage"]}
                        if "errorCode" in entry
                        else {}
                    ),
                }
            )
        if batch.completed:
            batch.completed_at = self.store.clock()

    def advance_all(self, *, finish: bool = False) -> None:
        """Bring every batch up to date (``finish``: generate all that is left now)."""
        for batch in self.store.batches.values():
            self.advance(batch, batch.total if finish else None)

    @route("GET", "/api/passes/batch/{batchId}/status")
    def batch_status(self, request: EmulatorRequest) -> EmulatorResponse:
        batch = self.store.batches.get(request.params["batchId"])
        if batch is None:
            raise refused(404, "NOT_FOUND", f"Batch {request.params['batchId']} was not found.")
        failures = sum(1 for line in batch.lines if line["status"] == limits.FAILED_STATUS)
        generated = batch.done - failures
        remaining = batch.total - batch.done
        return self.ok(
            {
                "batchId": batch.id,
                "status": (
                    limits.BatchState.COMPLETED if batch.completed else limits.BatchState.PROCESSING
                ).value,
                "isCompleted": batch.completed,
                "isActive": not batch.completed,
                "progressPercentage": round(100 * batch.done / batch.total, 1),
                "statistics": {
                    "totalRecipients": batch.total,
                    "passesGenerated": generated,
                    "generationFailures": failures,
                    "deliverySent": generated,
                    "deliveryFailed": 0,
                },
                "generatedPasses": list(batch.lines),
                "estimatedCompletion": None
                if batch.completed
                else timestamp(
                    self.store.clock()
                    + timedelta(seconds=remaining / max(self.store.batch_rate, 1e-9))
                ),
                "completedAt": timestamp(batch.completed_at),
            }
        )
