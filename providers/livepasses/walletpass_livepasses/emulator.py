"""A stateful emulator of the Livepasses API, served over real HTTP by walletpass's harness.

It reproduces what the official SDK (0.3.0) sends and expects: ``X-API-Key`` (401 without a valid
key, 403 for a read-only key writing), the ``{success, data | items + pagination, error}``
envelope, every documented route, 400 for any body field a request DTO does not declare (with the
per-field ``fields`` map), 415 for a POST/PUT whose DTO needs a body and gets none (the SDK sends
``{}`` to ``/stamp`` for that reason; routes whose SDK call may send no body accept none),
generation that is synchronous for small requests and an asynchronous batch above
``async_threshold`` recipients (generated over time at ``batch_rate`` per second, polled through
the batch status), per-recipient failures (``MEMBERSHIP_NUMBER_CONFLICT``), the redemption state
machine of each template type, loyalty points and stamps with an anti-double-scan cooldown, gift
card balances, membership visit quotas, expiry through ``validUntil``, template activation, webhooks
with their secret and the documented event set, a quota, and 429 with an integer ``Retry-After``.

Where the SDK does not say (value sets, lengths, the response of some writes, which passes a
template push reaches) the emulator chooses, and ``docs/providers/livepasses.md`` lists those
choices; the provider never depends on them. Webhook deliveries are not sent (their payload and
signature are undocumented): the events that would fire are recorded in :attr:`events`.

Inferences it shares with the provider (the capability matrix marks them): the template type
names other than ``EventTicket`` (served as given, see :mod:`walletpass_livepasses.emulated`), and
``updatedFields`` names beyond the ones the SDK shows (``memberTier``, ``points``, ``validUntil``,
``gate``), such as ``accountBalance`` and ``currency`` for a money balance: any camelCase name is
taken, since the updatable names are not published; other spellings are refused (400
``INVALID_FIELD_FORMAT``).

``LivepassesEmulator()`` with no arguments is what ``walletpass emulate livepasses`` serves: API key
:data:`DEFAULT_API_KEY` and the templates of :func:`default_templates`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from walletpass.messages import quantity
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    RateWindow,
    Refused,
    route,
)
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_livepasses import limits
from walletpass_livepasses.emulated import (
    EmulatedBatch,
    EmulatedTemplate,
    StoredPass,
    default_templates,
    new_id,
)
from walletpass_livepasses.limits import (
    BUSINESS_DATA,
    ENDPOINT_BODIES,
    Endpoint,
    Shape,
    TemplateStatus,
    TemplateType,
    VendorStatus,
    shape_problems,
)

__all__ = [
    "DEFAULT_API_KEY",
    "EmulatedTemplate",
    "LivepassesEmulator",
    "StoredPass",
    "default_templates",
]

#: The emulator's default API key (Livepasses keys look like ``lp_live_...`` / ``lp_test_...``).
DEFAULT_API_KEY = "lp_test_walletpass_emulator_key"

WALLET_HOST = "https://wallet.livepasses.com"


def _refused(status: int, code: str, message: str) -> Refused:
    return Refused(status, message, code=code)


def _invalid(problems: list[tuple[str, str]], code: str = "VALIDATION_ERROR") -> Refused:
    refused = Refused.for_fields(
        400,
        [(where or "body", text) for where, text in problems],
        "One or more fields are invalid.",
        code=code,
    )
    # The details name the first problem as it was found (an empty path stays empty).
    refused.details = " ".join(problems[0]).strip()
    return refused


def _number(value: Any, cast: Callable[[str], Any]) -> Any:
    return cast(value) if isinstance(value, str) else value


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value, limits.TIMESTAMPS)


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class LivepassesEmulator(EmulatorApp):
    """The Livepasses API in a WSGI app; see the module docstring."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        templates: Iterable[EmulatedTemplate | Mapping[str, Any]] | None = None,
        *,
        async_threshold: int = 10,
        batch_rate: float = 200.0,
        stamp_cooldown: float = 1.0,
        rate_limit: int | None = None,
        quota: int | None = None,
        read_only_keys: Iterable[str] = (),
        revoked_keys: Iterable[str] = (),
        clock: Callable[[], datetime] | None = None,
        webhook_events: Iterable[str] | None = None,
    ) -> None:
        super().__init__()
        #: The webhook events this server version accepts (anything else is a 400). The
        #: allow-list changes between versions (0.3.0 accepts ``pass.expired``; the unreleased
        #: changelog says the API refuses it): default 0.3.0's.
        self.webhook_events = (
            limits.WEBHOOK_EVENTS if webhook_events is None else frozenset(webhook_events)
        )
        self.api_key = api_key
        self.read_only_keys = frozenset(read_only_keys)
        self.revoked_keys = frozenset(revoked_keys)
        self.async_threshold = int(_number(async_threshold, int))
        self.batch_rate = float(_number(batch_rate, float))
        self.stamp_cooldown = float(_number(stamp_cooldown, float))
        self.quota = None if quota is None else int(_number(quota, int))
        self.rate = None if rate_limit is None else RateWindow(int(_number(rate_limit, int)))
        self._clock = clock or (lambda: datetime.now(UTC))
        self.templates: dict[str, EmulatedTemplate] = {}
        for template in default_templates() if templates is None else templates:
            self.add_template(template)
        self.passes: dict[str, StoredPass] = {}
        self.batches: dict[str, EmulatedBatch] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        #: Webhook events that would have been delivered: ``{"event", "passId", "at"}``.
        self.events: list[dict[str, Any]] = []
        self.generated = 0

    # -- seeding and inspection ---------------------------------------------------------------

    def add_template(self, template: EmulatedTemplate | Mapping[str, Any]) -> EmulatedTemplate:
        built = (
            template
            if isinstance(template, EmulatedTemplate)
            else EmulatedTemplate.from_mapping(template)
        )
        now = self._clock()
        built.created_at = built.created_at or now
        with self.lock:
            self.templates[built.id] = built
        return built

    def stored(self, pass_id: str) -> StoredPass:
        """A pass by id (``KeyError`` if absent), as the API sees it now."""
        with self.lock:
            found = self.passes[pass_id]
            self._refresh(found)
            return found

    def cancel(self, pass_id: str) -> None:
        """Cancel a pass the way the dashboard can (the API offers no endpoint for it)."""
        with self.lock:
            self.passes[pass_id].status = VendorStatus.CANCELLED
            self._fire("pass.cancelled", pass_id)

    def finish_batches(self) -> None:
        """Generate every pending batch recipient now (tests that do not want to wait)."""
        with self.lock:
            for batch in self.batches.values():
                self._advance(batch, batch.total)

    # -- envelope and shared checks ----------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        return {"traceId": "0HN" + secrets.token_hex(6).upper(), "timestamp": self._now()}

    def _now(self) -> str:
        return _timestamp(self._clock()) or ""

    def ok(self, data: Any, status: int = 200, message: str = "OK") -> EmulatorResponse:
        return EmulatorResponse.json_body(
            {"success": True, "message": message, "data": data, "meta": self._meta()}, status
        )

    def paged(self, items: list[Any], page: int, size: int) -> EmulatorResponse:
        total = len(items)
        pages = max(1, math.ceil(total / size))
        chunk = items[(page - 1) * size : page * size]
        return EmulatorResponse.json_body(
            {
                "success": True,
                "items": chunk,
                "pagination": {
                    "currentPage": page,
                    "pageSize": size,
                    "totalPages": pages,
                    "totalItems": total,
                },
                "meta": self._meta(),
            }
        )

    def refuse(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: str | None = None,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> EmulatorResponse:
        error: dict[str, Any] = {
            "code": code,
            "message": message,
            "details": details,
            "timestamp": self._now(),
            "traceId": "0HN" + secrets.token_hex(6).upper(),
        }
        if fields:
            error["fields"] = dict(fields)
        return EmulatorResponse.json_body(
            {"success": False, "data": None, "error": error}, status, headers
        )

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        codes = {400: "VALIDATION_ERROR", 404: "NOT_FOUND", 405: "GENERAL_ERROR"}
        return self.refuse(status, codes.get(status, "GENERAL_ERROR"), message)

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        key = request.header("x-api-key")
        if not key:
            return self.refuse(401, "UNAUTHORIZED", "An API key is required (X-API-Key).")
        if key in self.revoked_keys:
            return self.refuse(401, "API_KEY_REVOKED", "The API key was revoked.")
        known = secrets.compare_digest(key.encode(), self.api_key.encode())
        if not known and key not in self.read_only_keys:
            return self.refuse(401, "INVALID_API_KEY", "The API key is not valid.")
        if self.rate is not None:
            wait = self.rate.hit(key)
            if wait is not None:
                return self.refuse(
                    429,
                    "RATE_LIMIT_EXCEEDED",
                    "Too many requests.",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
        if key in self.read_only_keys and request.method != "GET":
            return self.refuse(403, "INSUFFICIENT_PERMISSIONS", "This API key may only read.")
        return None

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        with self.lock:
            for batch in self.batches.values():
                self._advance(batch)
            return super().handle(request)

    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        return self.refuse(
            refused.status,
            refused.code or "GENERAL_ERROR",
            refused.message,
            details=refused.details,
            fields=refused.fields,
        )

    def _body(self, request: EmulatorRequest, shape: Shape, *, optional: bool = False) -> Any:
        """The request DTO: 415 without a JSON body (unless optional), 400 for any bad member."""
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        if not request.body:
            if optional:
                return {}
            raise _refused(415, "GENERAL_ERROR", "A JSON request body is required.")
        if content_type != "application/json":
            raise _refused(415, "GENERAL_ERROR", "Content-Type must be application/json.")
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise _invalid([("body", "is not valid JSON")]) from None
        problems = shape_problems(body, shape)
        if problems:
            raise _invalid(problems)
        return body

    def _page(self, request: EmulatorRequest) -> tuple[int, int]:
        problems = []
        values = []
        for name, default in (("page", 1), ("pageSize", limits.DEFAULT_PAGE_SIZE)):
            raw = request.arg(name)
            try:
                value = default if raw is None else int(raw)
            except ValueError:
                value = 0
            if value < 1:
                problems.append((name, "must be a positive integer"))
            values.append(value)
        if problems:
            raise _invalid(problems)
        return values[0], values[1]

    def _template(self, template_id: str) -> EmulatedTemplate:
        template = self.templates.get(template_id)
        if template is None:
            raise _refused(404, "TEMPLATE_NOT_FOUND", f"Template {template_id} was not found.")
        return template

    def _pass(self, pass_id: str) -> StoredPass:
        stored = self.passes.get(pass_id)
        if stored is None:
            raise _refused(404, "PASS_NOT_FOUND", f"Pass {pass_id} was not found.")
        self._refresh(stored)
        return stored

    def _refresh(self, stored: StoredPass) -> None:
        if (
            stored.status is VendorStatus.ACTIVE
            and stored.valid_until is not None
            and self._clock() > stored.valid_until
        ):
            stored.status = VendorStatus.EXPIRED
            self._fire("pass.expired", stored.id)

    def _fire(self, event: str, pass_id: str) -> None:
        self.events.append({"event": event, "passId": pass_id, "at": self._now()})

    # -- generation ---------------------------------------------------------------------------

    @route("POST", "/api/passes/generate")
    def generate(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.GENERATE)
        template = self._template(body["templateId"])
        if template.status is not TemplateStatus.ACTIVE:
            raise _refused(422, "TEMPLATE_INACTIVE", f"Template {template.id} is inactive.")
        method = (body.get("options") or {}).get("deliveryMethod")
        if method is not None and method not in limits.DELIVERY_METHODS:
            raise _invalid([("options.deliveryMethod", "is not a delivery method")])
        recipients: list[dict[str, Any]] = body["passes"]
        if self.quota is not None and self.generated + len(recipients) > self.quota:
            raise _refused(
                422,
                "QUOTA_EXCEEDED",
                f"Generating {len(recipients)} passes would exceed the plan's quota "
                f"of {self.quota}.",
            )
        self.generated += len(recipients)
        context = dict(body.get("businessContext") or {})
        batch_id = new_id("b-")
        now = self._clock()
        answer: dict[str, Any] = {
            "batchId": batch_id,
            "templateId": template.id,
            "generatedAt": _timestamp(now),
            "totalPasses": len(recipients),
        }
        if len(recipients) > self.async_threshold:
            batch = EmulatedBatch(batch_id, template.id, recipients, context, time.monotonic(), now)
            self.batches[batch_id] = batch
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
                    "estimatedCompletion": _timestamp(
                        now + timedelta(seconds=batch.total / max(self.batch_rate, 1e-9))
                    ),
                    "statusPollUrl": f"/api/passes/batch/{batch_id}/status",
                },
            )
            return self.ok(answer, 202, "Batch accepted")
        entries = [self._generate_one(template, r, context, batch_id) for r in recipients]
        revenue = sum(
            (Decimal(str(r["businessData"].get("price") or 0)) for r in recipients), Decimal(0)
        )
        answer.update(
            isAsyncProcessing=False,
            passes=entries,
            delivery={
                "method": method or "return_urls",
                "status": "completed",
                "sentAt": _timestamp(now),
                "details": [
                    {"recipient": e.get("customerEmail"), "status": e["status"]} for e in entries
                ],
            },
            businessMetrics={
                "totalRevenue": _json_number(revenue),
                "revenueByType": {},
                "distributionByType": {str(template.type): len(entries)},
            },
        )
        return self.ok(answer)

    def _generate_one(
        self,
        template: EmulatedTemplate,
        recipient: Mapping[str, Any],
        context: Mapping[str, Any],
        batch_id: str,
    ) -> dict[str, Any]:
        customer = dict(recipient["customer"])
        data = {k: v for k, v in dict(recipient["businessData"]).items() if v is not None}
        member = data.get("membershipNumber")
        if member is not None and any(
            p.template_id == template.id and p.business_data.get("membershipNumber") == member
            for p in self.passes.values()
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
            qr_code=f"LP1:{pass_id}:{code}",
            created_at=self._clock(),
            points=int(data.get("currentPoints") or 0),
            lifetime_points=int(data.get("lifetimePoints") or data.get("currentPoints") or 0),
            max_uses=int(data.get("maxUsageCount") or 1),
            visits_left=int(data["maxUsageCount"])
            if template.type is TemplateType.MEMBERSHIP and data.get("maxUsageCount")
            else None,
            balance=Decimal(str(data.get("accountBalance") or 0)),
        )
        self.passes[pass_id] = stored
        self._fire("pass.generated", pass_id)
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

    def _advance(self, batch: EmulatedBatch, due: int | None = None) -> None:
        if batch.completed:
            return
        if due is None:
            due = int((time.monotonic() - batch.started) * self.batch_rate)
        template = self.templates[batch.template_id]
        for recipient in batch.recipients[batch.done : min(due, batch.total)]:
            entry = self._generate_one(template, recipient, batch.context, batch.id)
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
            batch.completed_at = self._clock()

    @route("GET", "/api/passes/batch/{batchId}/status")
    def batch_status(self, request: EmulatorRequest) -> EmulatorResponse:
        batch = self.batches.get(request.params["batchId"])
        if batch is None:
            raise _refused(404, "NOT_FOUND", f"Batch {request.params['batchId']} was not found.")
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
                else _timestamp(
                    self._clock() + timedelta(seconds=remaining / max(self.batch_rate, 1e-9))
                ),
                "completedAt": _timestamp(batch.completed_at),
            }
        )

    # -- reading passes -----------------------------------------------------------------------

    def _list_item(self, stored: StoredPass) -> dict[str, Any]:
        template = self.templates.get(stored.template_id)
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
            "createdAt": _timestamp(stored.created_at),
            "updatedAt": _timestamp(stored.updated_at),
        }

    @route("GET", "/api/passes")
    def list_passes(self, request: EmulatorRequest) -> EmulatorResponse:
        page, size = self._page(request)
        found = list(self.passes.values())
        for stored in found:
            self._refresh(stored)
        template = request.arg("templateId")
        status = request.arg("status")
        term = (request.arg("searchTerm") or "").casefold()
        found = [
            p
            for p in found
            if (template is None or p.template_id == template)
            and (status is None or p.status.value.casefold() == status.casefold())
            and (
                not term
                or any(
                    term in (value or "").casefold()
                    for value in (p.id, p.holder_name, p.email, p.confirmation_code)
                )
            )
        ]
        sort_by = request.arg("sortBy") or "createdAt"
        keys: dict[str, Callable[[StoredPass], Any]] = {
            "createdAt": lambda p: p.created_at,
            "holderName": lambda p: p.holder_name.casefold(),
            "status": lambda p: p.status.value,
        }
        if sort_by not in keys:
            raise _invalid([("sortBy", f"must be one of {', '.join(keys)}")])
        descending = (request.arg("sortDescending") or "false").lower() == "true"
        found.sort(key=keys[sort_by], reverse=descending)
        return self.paged([self._list_item(p) for p in found], page, size)

    @route("GET", "/api/passes/lookup")
    def lookup(self, request: EmulatorRequest) -> EmulatorResponse:
        given = {
            name: str(request.arg(name))
            for name in ("passId", "confirmationCode", "holderEmail")
            if request.arg(name)
        }
        if len(given) != 1:
            raise _invalid(
                [("passId", "give exactly one of passId, confirmationCode, holderEmail")]
            )
        ((name, value),) = given.items()
        if name == "passId":
            matches = [self.passes[value]] if value in self.passes else []
        elif name == "confirmationCode":
            matches = [p for p in self.passes.values() if p.confirmation_code == value]
        else:
            matches = [
                p for p in self.passes.values() if (p.email or "").casefold() == value.casefold()
            ]
        if not matches:
            raise _refused(404, "PASS_NOT_FOUND", "No pass matches the lookup.")
        stored = max(matches, key=lambda p: p.created_at)
        self._refresh(stored)
        return self.ok(
            {
                "passId": stored.id,
                "templateId": stored.template_id,
                "status": stored.status.value,
                "isValid": stored.status is VendorStatus.ACTIVE,
                "holderName": stored.holder_name,
                "holderEmail": stored.email,
                "confirmationCode": stored.confirmation_code,
                "createdAt": _timestamp(stored.created_at),
            }
        )

    @route("GET", "/api/passes/{passId}/validate")
    def validate(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._pass(request.params["passId"])
        template = self.templates[stored.template_id]
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

    # -- updates ------------------------------------------------------------------------------

    @route("PUT", "/api/passes/{passId}")
    def update(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.UPDATE_PASS)
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
            raise _invalid(too_long, "FIELD_TOO_LONG")
        if not body.get("updatedFields") and not body.get("messageBody"):
            raise _invalid(
                [("updatedFields", "send non-empty updatedFields or a messageBody")],
                "REQUIRED_FIELD_MISSING",
            )
        self._check_updated_names(body.get("updatedFields") or {})
        stored = self._pass(request.params["passId"])
        self._usable_template(stored)
        self._apply_fields(stored, body.get("updatedFields") or {})
        if body.get("messageBody"):
            stored.messages.append(
                {
                    "header": body.get("messageHeader"),
                    "body": body["messageBody"],
                    "notify": body.get("notify", True),
                }
            )
        stored.updated_at = self._clock()
        self._refresh(stored)
        self._fire("pass.updated", stored.id)
        return self.ok({"passId": stored.id, "updatedAt": _timestamp(stored.updated_at)})

    def _apply_fields(self, stored: StoredPass, fields: Mapping[str, Any]) -> None:
        if "validUntil" in fields:
            stored.valid_until = self._valid_until(fields["validUntil"])
            if stored.status is VendorStatus.EXPIRED and (
                stored.valid_until is None or stored.valid_until > self._clock()
            ):
                stored.status = VendorStatus.ACTIVE
        for name in ("points", "currentPoints"):
            if name in fields:
                value = fields[name]
                if isinstance(value, bool) or not isinstance(value, int):
                    raise _invalid([(f"updatedFields.{name}", "must be an integer")])
                stored.points = value
        for key, value in fields.items():
            stored.updated_fields[key] = value
            if key in BUSINESS_DATA.members:
                stored.business_data[key] = value

    def _valid_until(self, value: Any) -> datetime | None:
        if value is None:
            return None
        # What a bare date means (the SDK README's only example) is not documented: read as the
        # start of that day in UTC, the one rule the provider reads answers by.
        with contextlib.suppress(ValueError):
            parsed = parse_timestamp(value)
            if parsed is not None:
                return parsed
        raise _invalid(
            [("updatedFields.validUntil", "must be an ISO 8601 date or timestamp")],
            "INVALID_FIELD_FORMAT",
        )

    @staticmethod
    def _check_updated_names(updated: Mapping[str, Any]) -> None:
        """``updatedFields`` names are the pass type's field names in camelCase (section 3.6),
        on a PUT and on a template push alike."""
        named = [
            (f"updatedFields.{key}", problem)
            for key in updated
            if (problem := limits.updated_field_problem(str(key))) is not None
        ]
        if named:
            raise _invalid(named, "INVALID_FIELD_FORMAT")

    @route("POST", "/api/passes/template/{templateId}/push")
    def push(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.PUSH_TEMPLATE)
        if not body["updatedFields"]:
            raise _invalid([("updatedFields", "must not be empty")], "REQUIRED_FIELD_MISSING")
        self._check_updated_names(body["updatedFields"])
        template = self._template(request.params["templateId"])
        if template.status is not TemplateStatus.ACTIVE:
            raise _refused(422, "TEMPLATE_INACTIVE", f"Template {template.id} is inactive.")
        touched = 0
        for stored in self.passes.values():
            self._refresh(stored)
            if stored.template_id == template.id and stored.status is VendorStatus.ACTIVE:
                self._apply_fields(stored, body["updatedFields"])
                stored.updated_at = self._clock()
                self._fire("pass.updated", stored.id)
                touched += 1
        return self.ok({"templateId": template.id, "passesUpdated": touched})

    # -- the redemption family ----------------------------------------------------------------

    def _usable_template(self, stored: StoredPass) -> None:
        if self.templates[stored.template_id].status is not TemplateStatus.ACTIVE:
            raise _refused(
                422, "TEMPLATE_INACTIVE", f"The template of pass {stored.id} is inactive."
            )

    def _redeemable(self, stored: StoredPass, body: Mapping[str, Any]) -> None:
        self._usable_template(stored)
        if stored.status is VendorStatus.EXPIRED:
            raise _refused(422, "PASS_EXPIRED", f"Pass {stored.id} has expired.")
        if stored.status is VendorStatus.CANCELLED:
            raise _refused(422, "OPERATION_NOT_ALLOWED", f"Pass {stored.id} was cancelled.")
        accepted = body.get("acceptedTypes")
        if accepted and str(stored.template_type) not in accepted:
            raise _refused(
                422,
                "OPERATION_NOT_ALLOWED",
                f"Pass {stored.id} is a {stored.template_type!s}, not one of {accepted}.",
            )

    def _wrong_verb(self, stored: StoredPass, verb: str) -> Refused:
        return _refused(
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
            "redeemedAt": self._now(),
            "alreadyRedeemed": False,
            "location": dict(location) if isinstance(location, Mapping) else None,
            "pointsEarned": extra.get("points_earned"),
            "newBalance": extra.get("new_balance"),
            "transactionType": extra.get("transaction_type"),
        }

    def _consume(self, stored: StoredPass) -> None:
        if stored.status is VendorStatus.REDEEMED:
            raise _refused(422, "PASS_ALREADY_USED", f"Pass {stored.id} was already used.")
        stored.status = VendorStatus.REDEEMED
        stored.updated_at = self._clock()
        self._fire("pass.redeemed", stored.id)

    def _redemption(self, request: EmulatorRequest, endpoint: Endpoint, optional: bool) -> Any:
        body = self._body(request, ENDPOINT_BODIES[endpoint], optional=optional)
        stored = self._pass(request.params["passId"])
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
            raise _refused(422, "BUSINESS_RULE_VIOLATION", "The confirmation code does not match.")
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
            raise _refused(422, "BUSINESS_RULE_VIOLATION", "The promo code does not match.")
        if stored.uses >= stored.max_uses:
            raise _refused(
                422, "PASS_ALREADY_USED", f"Coupon {stored.id} was used {stored.uses} time(s)."
            )
        stored.uses += 1
        if stored.uses >= stored.max_uses:
            stored.status = VendorStatus.REDEEMED
            self._fire("pass.redeemed", stored.id)
        stored.updated_at = self._clock()
        self._fire("coupon.applied", stored.id)
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
            raise _invalid([("transactionType", "must be earn or spend")], "INVALID_FIELD_VALUE")
        if points <= 0:
            raise _invalid([("points", "must be positive")], "INVALID_FIELD_VALUE")
        if kind == "spend" and points > stored.points:
            raise _refused(
                422,
                "BUSINESS_RULE_VIOLATION",
                f"Insufficient points: the balance is {stored.points}.",
            )
        stored.points += points if kind == "earn" else -points
        if kind == "earn":
            stored.lifetime_points += points
        stored.business_data["currentPoints"] = stored.points
        stored.updated_at = self._clock()
        self._fire("loyalty.transacted", stored.id)
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
        if stored.stamps and now - stored.stamps[-1] < self.stamp_cooldown:
            raise _refused(
                422,
                "RESOURCE_LOCKED",
                "This card was stamped moments ago (anti double-scan cooldown).",
            )
        stored.stamps.append(now)
        stored.updated_at = self._clock()
        self._fire("loyalty.transacted", stored.id)
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
            raise _refused(422, "OPERATION_NOT_ALLOWED", "There is no stamp to undo.")
        stored.stamps.pop()
        stored.updated_at = self._clock()
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
                raise _refused(
                    422, "BUSINESS_RULE_VIOLATION", "No visits are left on this membership."
                )
            stored.visits_left -= 1
        stored.updated_at = self._clock()
        self._fire("membership.checked_in", stored.id)
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
            raise _invalid([("amount", "must be a number")]) from None
        if amount <= 0:
            raise _invalid([("amount", "must be positive")], "INVALID_FIELD_VALUE")
        if amount > stored.balance:
            raise _refused(
                422,
                "BUSINESS_RULE_VIOLATION",
                f"The amount exceeds the card's balance of {stored.balance}.",
            )
        stored.balance -= amount
        stored.business_data["accountBalance"] = _json_number(stored.balance)
        stored.updated_at = self._clock()
        self._fire("pass.redeemed", stored.id)
        return self.ok(
            self._result(
                stored, body, new_balance=_json_number(stored.balance), transaction_type="redeem"
            )
        )

    @route("POST", "/api/passes/redeem-by-scan")
    def redeem_by_scan(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.REDEEM_BY_SCAN)
        value = body["scannedValue"]
        stored = next(
            (p for p in self.passes.values() if value in (p.qr_code, p.confirmation_code, p.id)),
            None,
        )
        if stored is None:
            raise _refused(404, "PASS_NOT_FOUND", "The scanned value matches no pass.")
        self._refresh(stored)
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

    # -- templates ----------------------------------------------------------------------------

    def _template_item(self, template: EmulatedTemplate) -> dict[str, Any]:
        return {
            "id": template.id,
            "name": template.name,
            "type": str(template.type),
            "status": template.status.value,
            "passCount": sum(1 for p in self.passes.values() if p.template_id == template.id),
            "createdAt": _timestamp(template.created_at),
            "description": template.description,
            "updatedAt": _timestamp(template.updated_at),
        }

    def _template_detail(self, template: EmulatedTemplate) -> dict[str, Any]:
        return {
            **self._template_item(template),
            "businessFeatures": dict(template.business_features),
            "platformSupport": {"apple": True, "google": True},
            "mediaConfiguration": {"requiredMedia": list(template.required_media)},
        }

    @route("GET", "/api/templates")
    def list_templates(self, request: EmulatorRequest) -> EmulatorResponse:
        page, size = self._page(request)
        status = request.arg("status")
        kind = request.arg("type")
        term = (request.arg("searchTerm") or "").casefold()
        found = [
            t
            for t in self.templates.values()
            if (status is None or t.status.value.casefold() == status.casefold())
            and (kind is None or str(t.type).casefold() == kind.casefold())
            and (not term or term in t.name.casefold())
        ]
        sort_by = request.arg("sortBy") or "createdAt"
        keys: dict[str, Callable[[EmulatedTemplate], Any]] = {
            "createdAt": lambda t: (t.created_at, t.id),
            "name": lambda t: t.name.casefold(),
        }
        if sort_by not in keys:
            raise _invalid([("sortBy", f"must be one of {', '.join(keys)}")])
        descending = (request.arg("sortDescending") or "false").lower() == "true"
        found.sort(key=keys[sort_by], reverse=descending)
        return self.paged([self._template_item(t) for t in found], page, size)

    @route("GET", "/api/templates/{templateId}")
    def get_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self.ok(self._template_detail(self._template(request.params["templateId"])))

    @route("POST", "/api/templates")
    def create_template(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.TEMPLATE_CREATE)
        kind = limits.template_type_of(body["businessFeatures"])
        if kind is None:
            raise _invalid(
                [("businessFeatures", "must hold exactly one pass type block, e.g. event")]
            )
        template = self.add_template(
            EmulatedTemplate(
                id=new_id("tmpl-", 8),
                name=body["name"],
                type=kind,
                description=body.get("description"),
                business_features=dict(body["businessFeatures"]),
                required_media=list(body.get("requiredMedia") or []),
            )
        )
        return self.ok(self._template_detail(template), 201, "Created")

    @route("PUT", "/api/templates/{templateId}")
    def update_template(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.TEMPLATE_UPDATE)
        template = self._template(request.params["templateId"])
        features = body.get("businessFeatures")
        if features is not None:
            kind = limits.template_type_of(features)
            if kind is not None and kind is not template.type:
                raise _refused(
                    422, "OPERATION_NOT_ALLOWED", "A template's pass type cannot change."
                )
            template.business_features = dict(features)
        if body.get("name") is not None:
            template.name = body["name"]
        if body.get("description") is not None:
            template.description = body["description"]
        template.updated_at = self._clock()
        return self.ok(self._template_detail(template))

    def _set_template_status(
        self, request: EmulatorRequest, status: TemplateStatus
    ) -> EmulatorResponse:
        self._body(request, Shape({}), optional=True)
        template = self._template(request.params["templateId"])
        template.status = status
        template.updated_at = self._clock()
        return self.ok(self._template_item(template))

    @route("POST", "/api/templates/{templateId}/activate")
    def activate_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self._set_template_status(request, TemplateStatus.ACTIVE)

    @route("POST", "/api/templates/{templateId}/deactivate")
    def deactivate_template(self, request: EmulatorRequest) -> EmulatorResponse:
        return self._set_template_status(request, TemplateStatus.INACTIVE)

    # -- webhooks -----------------------------------------------------------------------------

    def _webhook_view(self, hook: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in hook.items() if k != "secret"}

    @route("POST", "/api/webhooks")
    def create_webhook(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request, limits.WEBHOOK_CREATE)
        problems = []
        parts = urlsplit(body["url"])
        if parts.scheme not in ("https", "http") or not parts.netloc:
            problems.append(("url", "must be an absolute http(s) URL"))
        if not body["events"]:
            problems.append(("events", "must name at least one event"))
        for index, event in enumerate(body["events"]):
            if event not in self.webhook_events:
                problems.append((f"events[{index}]", f"'{event}' is not a supported event"))
        if problems:
            raise _invalid(problems)
        hook = {
            "id": new_id("wh-"),
            "url": body["url"],
            "events": list(body["events"]),
            "isActive": True,
            "createdAt": self._now(),
            "secret": "whsec_" + secrets.token_hex(24),
        }
        self.webhooks[hook["id"]] = hook
        return self.ok(dict(hook), 201, "Created")

    @route("GET", "/api/webhooks")
    def list_webhooks(self, request: EmulatorRequest) -> EmulatorResponse:
        return self.ok([self._webhook_view(h) for h in self.webhooks.values()])

    @route("DELETE", "/api/webhooks/{webhookId}")
    def delete_webhook(self, request: EmulatorRequest) -> EmulatorResponse:
        if self.webhooks.pop(request.params["webhookId"], None) is None:
            raise _refused(404, "NOT_FOUND", "The webhook was not found.")
        return self.ok(None, message="Deleted")
