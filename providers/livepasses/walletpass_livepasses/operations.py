"""What every Livepasses request shares (the settings, credentials, the error table, the answer
envelope, id checks) and the Livepasses-only operations: lookups, the redemption family, template
pushes, templates, webhooks.

Errors map as the official SDK 0.3.0 maps them, onto walletpass's hierarchy: HTTP 401 and 403
decide first (a quota code on a 403 is a permission refusal), then ``error.code``
(``PASS_ALREADY_USED`` -> ``AlreadyRedeemed``, ``PASS_EXPIRED`` -> ``PassExpired``, quota codes ->
``QuotaExceeded``, ...), then the remaining statuses. ``error.traceId`` becomes the error's
``request_id`` and validation ``fields`` are kept per field.

Each operation is a public method (a plan where it sends) that checks its input before sending
(``ValidationError``), goes through the shared transport and error table, and lets only
walletpass errors out. Names follow the official SDK's so migrating code reads the same (see the
migration table in ``docs/providers/livepasses.md``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, TypedDict, TypeVar, Unpack

from pydantic import Field

from walletpass.capabilities import emulated, native
from walletpass.errors import (
    AlreadyRedeemed,
    AuthenticationError,
    BusinessRuleError,
    Conflict,
    FieldProblem,
    NotFound,
    PassExpired,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.event_contract import subscription_url_problem
from walletpass.model import BulkItem, BulkResult, IssuedPass, Location, PassUpdate, Redemption
from walletpass.pass_ids import checked_by, decode_pass_id
from walletpass.plans import Emit, ListPlan, Plan, Send, Together
from walletpass.provider import ErrorInfo, ErrorRule, Provider, vendor_operation
from walletpass.redemption import already_redeemed
from walletpass.retry import Safety
from walletpass.settings import ProviderSettings
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_livepasses import limits, payloads, wire
from walletpass_livepasses.limits import Endpoint, TemplateType, TransactionType
from walletpass_livepasses.records import BatchStatus, Template, Validation, Webhook

__all__ = [
    "ERROR_TABLE",
    "CheckInOptions",
    "CouponOptions",
    "LivepassesSettings",
    "ScanOptions",
    "TemplateFilters",
    "VendorOperations",
]

_T = TypeVar("_T")


class LivepassesSettings(ProviderSettings):
    """Livepasses settings: the common ones plus how asynchronous batches are followed."""

    poll_interval: float = Field(
        default=limits.SDK_POLL_INTERVAL,
        gt=0,
        le=60,
        description=(
            "the longest wait between batch status polls (the SDK polls every 2 s); polls come "
            "sooner when a batch's progress says it is about to finish"
        ),
    )
    batch_timeout: float = Field(
        default=limits.SDK_POLL_INTERVAL * limits.SDK_POLL_ATTEMPTS,
        gt=0,
        description="how long create/create_many follow an asynchronous batch before giving up",
    )


def _codes(
    codes: frozenset[str], error: type[WalletPassError], retryable: bool | None = None
) -> tuple[ErrorRule, ...]:
    return tuple(ErrorRule(error, code=code, retryable=retryable) for code in sorted(codes))


ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(AuthenticationError, status=401),
    ErrorRule(PermissionDenied, status=403),
    *_codes(limits.AUTH_CODES, AuthenticationError),
    *_codes(limits.FORBIDDEN_CODES, PermissionDenied),
    *_codes(limits.VALIDATION_CODES, ValidationError),
    *_codes(limits.NOT_FOUND_CODES, NotFound),
    ErrorRule(AlreadyRedeemed, code="PASS_ALREADY_USED"),
    ErrorRule(PassExpired, code="PASS_EXPIRED"),
    *_codes(limits.BUSINESS_CODES - {"PASS_ALREADY_USED", "PASS_EXPIRED"}, BusinessRuleError),
    *_codes(limits.RATE_CODES, RateLimited, retryable=True),
    *_codes(limits.QUOTA_CODES, QuotaExceeded),
    *_codes(limits.PER_PASS_CODES, Conflict),
    *_codes(limits.EXTERNAL_CODES, ProviderUnavailable, retryable=True),
    *_codes(limits.GENERAL_CODES - {"GENERAL_ERROR"}, ProviderUnavailable, retryable=True),
    # The SDK reads 422 as a business rule; every other status keeps its HTTP meaning (the
    # core's DEFAULT_ERROR_TABLE, tried after this table).
    ErrorRule(BusinessRuleError, status=422),
)

LocationLike = Location | Mapping[str, Any]


def _options(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class CheckInOptions(TypedDict, total=False):
    """What ``/check-in`` takes besides the pass (livepasses.md 3.8), in Python spelling."""

    gate: str
    section: str
    location: LocationLike
    accepted_types: Sequence[str]
    redemption_method: str
    metadata: Mapping[str, str]


class CouponOptions(TypedDict, total=False):
    """What ``/redeem-coupon`` takes besides the pass (livepasses.md 3.8)."""

    location: LocationLike
    location_id: str
    transaction_amount: Decimal | float | int
    transaction_currency: str
    promo_code: str
    redemption_channel: str
    redemption_method: str
    accepted_types: Sequence[str]
    metadata: Mapping[str, str]


class ScanOptions(TypedDict, total=False):
    """What ``/redeem-by-scan`` takes besides the scanned value (livepasses.md 3.8)."""

    redemption_method: str
    redemption_channel: str
    latitude: float
    longitude: float


class TemplateFilters(TypedDict, total=False):
    """What ``GET /api/templates`` filters by (livepasses.md 3.9), in Python spelling."""

    status: str
    type: str
    search: str
    sort_by: str
    descending: bool
    page_size: int


#: The lookup's path (one key of its query: a pass id, a confirmation code or an email).
_LOOKUP = f"{wire.PASSES}/lookup"

#: The query names of :class:`TemplateFilters`, in the order the SDK sends them.
_TEMPLATE_QUERY = {
    "page_size": "pageSize",
    "search": "searchTerm",
    "sort_by": "sortBy",
    "descending": "sortDescending",
    "type": "type",
    "status": "status",
}

#: The wire names of :class:`ScanOptions`.
_SCAN_NAMES = {
    "redemption_method": "redemptionMethod",
    "redemption_channel": "redemptionChannel",
    "latitude": "latitude",
    "longitude": "longitude",
}


class VendorOperations(Provider[LivepassesSettings]):
    """What every Livepasses operation shares (credentials, the envelope, id checks) and the
    Livepasses-only operations; the neutral operations are in ``provider.py``."""

    default_base_url: ClassVar[str | None] = limits.DEFAULT_BASE_URL
    error_table: ClassVar[Sequence[ErrorRule]] = ERROR_TABLE

    def auth_headers(self) -> dict[str, str]:
        return {"X-API-Key": self.require_api_key()}

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """``{success: false, error: {code, message, details, traceId, fields}}``; an empty or
        non-JSON body (a challenge 401, a proxy page) is mapped by its status alone."""
        body = response.json()
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return ErrorInfo(
                message=f"HTTP {response.status}" + (" with an empty body" if body is None else ""),
                details=body,
            )
        message = str(error.get("message") or f"HTTP {response.status}")
        details = error.get("details")
        if isinstance(details, str) and details and details not in message:
            message = f"{message} ({details})"
        fields = error.get("fields")
        trace = error.get("traceId")
        code = error.get("code")
        return ErrorInfo(
            message=message,
            code=str(code) if code else None,
            request_id=str(trace) if trace else None,
            details=dict(error),
            fields=fields if isinstance(fields, Mapping) else None,
        )

    def decode_id(self, pass_id: str) -> str:
        return decode_pass_id(pass_id, self._id_decoder, provider=self.name)

    # -- helpers for hooks and operations -----------------------------------------------------

    def _refuse(self, problems: Sequence[FieldProblem], operation: str) -> None:
        ValidationError.refuse(problems, provider=self.name, operation=operation)

    def _checked_id(self, value: Any, what: str, operation: str) -> str:
        problem = limits.id_problem(value)
        if problem is not None or not isinstance(value, str):
            raise ValidationError.from_problems(
                [FieldProblem(what, problem or "must be text")],
                provider=self.name,
                operation=operation,
            )
        return value

    def _template_id(self, template: Any, operation: str) -> str:
        """A template id, or a logical template name configured for this provider."""
        alias = self.settings.templates.get(template) if isinstance(template, str) else None
        return self._checked_id(alias.id if alias else template, "template", operation)

    def envelope_of(self, response: VendorResponse, operation: str) -> Mapping[str, Any]:
        """The answer's envelope; a 2xx with ``success: false`` is an error, as for the SDK.

        An envelope whose ``success`` is neither ``true`` nor ``false`` (missing, null, text, a
        number...) is no answer Livepasses documents (vendor doc 2.1): ``ValueError``, so the
        parse makes it an ``InvalidResponse`` whose ``outcome_unknown`` says a write may have
        taken effect, not a vendor refusal that says it did not.
        """
        body = wire.envelope(response.json())
        success = body.get("success")
        if success is True:
            return body
        if success is False:
            raise self.error_for(response, operation)
        what = "missing" if success is None else f"{type(success).__name__}, not true or false"
        raise ValueError(f"the answer's envelope has no success flag (success is {what})")

    def data_of(self, response: VendorResponse, operation: str) -> Any:
        return self.envelope_of(response, operation).get("data")

    def _plan_fetch(
        self, request: VendorRequest, operation: str, convert: Callable[[Any], _T]
    ) -> Plan[_T]:
        """Send, then ``convert`` the envelope's ``data`` (a malformed answer: InvalidResponse)."""
        response = yield Send(request, operation)
        return self.parse(lambda r: convert(self.data_of(r, operation)), response)

    def error_from_code(self, code: str | None, message: str, operation: str) -> WalletPassError:
        """The walletpass error for a vendor code met outside an HTTP error (a failed recipient)."""
        rule = next(
            (r for r in self.error_table if r.status is None and code and r.code == code), None
        )
        error_cls = rule.error if rule is not None else BusinessRuleError
        return error_cls(message, provider=self.name, operation=operation, code=code)

    def __init__(self, settings: Any = None, /, **values: Any) -> None:
        super().__init__(settings, **values)
        # (the core's decoder of the id check, the one every decode_id call hands it: got once)
        self._id_decoder = checked_by(limits.id_problem)
        self._template_types: dict[str, TemplateType | None] = {}
        self._template_types_lock = threading.Lock()

    # -- lookup and validation ---------------------------------------------------------------

    def build_lookup(
        self,
        pass_id: str | None = None,
        *,
        confirmation_code: str | None = None,
        holder_email: str | None = None,
    ) -> VendorRequest:
        if confirmation_code is None and holder_email is None and pass_id is not None:
            # (a get's and an update's: the one key, its checks made here, no filtering)
            if not isinstance(pass_id, str) or not pass_id.strip():
                self._refuse([FieldProblem("passId", "must be a non-empty string")], "lookup")
            self.decode_id(pass_id)
            return wire.request("GET", _LOOKUP, Safety.SAFE, query={"passId": pass_id})
        given = _options(
            passId=pass_id, confirmationCode=confirmation_code, holderEmail=holder_email
        )
        if len(given) != 1:
            self._refuse(
                [
                    FieldProblem(
                        "lookup", "give exactly one of pass_id, confirmation_code, holder_email"
                    )
                ],
                "lookup",
            )
        for key, value in given.items():
            if not isinstance(value, str) or not value.strip():
                self._refuse([FieldProblem(key, "must be a non-empty string")], "lookup")
        if pass_id is not None:
            self.decode_id(pass_id)
        return wire.request("GET", _LOOKUP, Safety.SAFE, query=given)

    @vendor_operation(native("GET /api/passes/lookup by passId, confirmationCode or holderEmail"))
    def lookup(
        self,
        pass_id: str | None = None,
        *,
        confirmation_code: str | None = None,
        holder_email: str | None = None,
    ) -> Plan[IssuedPass]:
        """Find one pass by its id, its confirmation code or its holder's email.

        The answer has status and holder only: wallet URLs and business data are returned by
        generation alone. Several passes of one email: which one Livepasses picks is undocumented.
        """
        request = self.build_lookup(
            pass_id, confirmation_code=confirmation_code, holder_email=holder_email
        )
        return (
            yield from self._plan_fetch(
                request,
                "lookup",
                lambda data: payloads.issued_from_lookup(data, provider=self.name),
            )
        )

    def build_validate(self, pass_id: str) -> VendorRequest:
        self.decode_id(pass_id)
        return wire.request("GET", f"{wire.PASS}/validate", Safety.SAFE, passId=pass_id)

    @vendor_operation(native("GET /api/passes/{id}/validate"))
    def validate(self, pass_id: str) -> Plan[Validation]:
        """Whether the pass can be redeemed now, and how it may be verified (read-only)."""
        return (
            yield from self._plan_fetch(
                self.build_validate(pass_id),
                "validate",
                lambda data: payloads.validation_from(pass_id, data),
            )
        )

    # -- the redemption family ---------------------------------------------------------------

    def build_redemption(
        self, pass_id: str, endpoint: Endpoint, body: Mapping[str, Any]
    ) -> VendorRequest:
        self.decode_id(pass_id)
        return wire.request(
            "POST",
            f"{wire.PASS}/{endpoint.value}",
            Safety.UNSAFE,
            body=dict(body),
            passId=pass_id,
        )

    def _redeem_at(
        self,
        pass_id: str,
        endpoint: Endpoint,
        body: Mapping[str, Any],
        operation: str,
        amount: Decimal | None = None,
    ) -> Plan[Redemption]:
        def convert(data: Any) -> Redemption:
            if data.get("alreadyRedeemed") is True:
                raise already_redeemed(
                    pass_id, provider=self.name, operation=operation, details=dict(data)
                )
            return payloads.redemption_from(
                data, pass_id=pass_id, provider=self.name, method=endpoint.value, amount=amount
            )

        return (
            yield from self._plan_fetch(
                self.build_redemption(pass_id, endpoint, body), operation, convert
            )
        )

    def _family(
        self, pass_id: str, endpoint: Endpoint, operation: str, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        self.decode_id(pass_id)
        given = {key: value for key, value in options.items() if value is not None}
        built = payloads.redemption_body(endpoint, given, where=operation)
        self._refuse(built.problems, operation)
        return (yield from self._redeem_at(pass_id, endpoint, built.body, operation))

    @vendor_operation(native("POST /api/passes/{id}/check-in (gate, section, location)"))
    def check_in(self, pass_id: str, **options: Unpack[CheckInOptions]) -> Plan[Redemption]:
        """Event check-in (``/check-in``); a ticket is consumed, a second scan is refused.

        :param options: :class:`CheckInOptions` (``gate``, ``section``, ``location``,
            ``accepted_types``, ``redemption_method``, ``metadata``), checked before sending.
        """
        return (yield from self._family(pass_id, Endpoint.CHECK_IN, "check_in", options))

    @vendor_operation(native("POST /api/passes/{id}/redeem-coupon"))
    def redeem_coupon(self, pass_id: str, **options: Unpack[CouponOptions]) -> Plan[Redemption]:
        """Apply a coupon (``/redeem-coupon``); multi-use coupons count their uses.

        :param options: :class:`CouponOptions`, checked before sending.
        """
        return (yield from self._family(pass_id, Endpoint.REDEEM_COUPON, "redeem_coupon", options))

    @vendor_operation(native("POST /api/passes/{id}/loyalty/transact (earn or spend)"))
    def loyalty_transact(
        self,
        pass_id: str,
        transaction_type: TransactionType | str,
        points: int,
        *,
        description: str | None = None,
    ) -> Plan[Redemption]:
        """Earn or spend loyalty points (``/loyalty/transact``); ``remaining`` is the balance."""
        self.decode_id(pass_id)
        problems = []
        if transaction_type not in {t.value for t in TransactionType}:
            problems.append(FieldProblem("transaction_type", "must be 'earn' or 'spend'"))
        if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            problems.append(FieldProblem("points", "must be a positive whole number"))
        if description is not None and not isinstance(description, str):
            problems.append(FieldProblem("description", "must be text"))
        self._refuse(problems, "loyalty_transact")
        body = {"transactionType": str(transaction_type), "points": points}
        if description is not None:
            body["description"] = description
        return (
            yield from self._redeem_at(
                pass_id, Endpoint.LOYALTY, body, "loyalty_transact", Decimal(points)
            )
        )

    @vendor_operation(native("POST /api/passes/{id}/stamp with {} (cooldown against double scans)"))
    def stamp(self, pass_id: str) -> Plan[Redemption]:
        """Add one stamp; a repeat inside Livepasses' anti-double-scan cooldown is refused."""
        return (yield from self._family(pass_id, Endpoint.STAMP, "stamp", {}))

    @vendor_operation(native("POST /api/passes/{id}/unstamp with {}"))
    def unstamp(self, pass_id: str) -> Plan[Redemption]:
        """Take back the latest stamp (refused when there is none to undo)."""
        return (yield from self._family(pass_id, Endpoint.UNSTAMP, "unstamp", {}))

    @vendor_operation(
        native("POST /api/passes/{id}/membership/check-in (does not consume the pass)")
    )
    def membership_check_in(
        self, pass_id: str, *, gate: str | None = None, redemption_method: str | None = None
    ) -> Plan[Redemption]:
        """A membership door scan: the pass stays valid; quota memberships count down."""
        self.decode_id(pass_id)
        problems = [
            FieldProblem(name, "must be text")
            for name, value in (("gate", gate), ("redemption_method", redemption_method))
            if value is not None and not isinstance(value, str)
        ]
        self._refuse(problems, "membership_check_in")
        body = _options(gate=gate, redemptionMethod=redemption_method)
        return (
            yield from self._redeem_at(pass_id, Endpoint.MEMBERSHIP, body, "membership_check_in")
        )

    @vendor_operation(native("POST /api/passes/{id}/giftcard/redeem with an amount"))
    def redeem_gift_card(
        self,
        pass_id: str,
        amount: Decimal | float | int | str,
        *,
        reason: str | None = None,
        redemption_channel: str | None = None,
    ) -> Plan[Redemption]:
        """Take ``amount`` off a gift card; more than the balance is refused, balance untouched."""
        self.decode_id(pass_id)
        value = self._check_amount(amount)
        if value is None:
            self._refuse([FieldProblem("amount", "is required")], "redeem_gift_card")
        body = {"amount": payloads.wire_value(value)}
        extra = payloads.redemption_body(
            Endpoint.GIFT_CARD,
            _options(reason=reason, redemption_channel=redemption_channel),
            where="redeem_gift_card",
        )
        self._refuse(extra.problems, "redeem_gift_card")
        body.update(extra.body)
        return (
            yield from self._redeem_at(pass_id, Endpoint.GIFT_CARD, body, "redeem_gift_card", value)
        )

    def build_redeem_by_scan(
        self, scanned_value: str, **options: Unpack[ScanOptions]
    ) -> VendorRequest:
        body = {
            "scannedValue": scanned_value,
            **{_SCAN_NAMES.get(key, key): value for key, value in options.items()},
        }
        body = {key: value for key, value in body.items() if value is not None}
        problems = [
            FieldProblem(where, message)
            for where, message in limits.shape_problems(body, limits.REDEEM_BY_SCAN)
        ]
        for name, bound in (("latitude", 90), ("longitude", 180)):
            value = body.get(name)
            if isinstance(value, int | float) and not -bound <= value <= bound:
                problems.append(FieldProblem(name, f"must be between -{bound} and {bound}"))
        self._refuse(problems, "redeem_by_scan")
        return wire.request("POST", f"{wire.PASSES}/redeem-by-scan", Safety.UNSAFE, body=body)

    @vendor_operation(native("POST /api/passes/redeem-by-scan (barcode or NFC value)"))
    def redeem_by_scan(
        self, scanned_value: str, **options: Unpack[ScanOptions]
    ) -> Plan[Redemption]:
        """Resolve a scanned barcode or NFC value to its pass and redeem it in one call.

        :param options: :class:`ScanOptions` (``redemption_method``, ``redemption_channel``,
            ``latitude``, ``longitude``), checked before sending.
        """
        return (
            yield from self._plan_fetch(
                self.build_redeem_by_scan(scanned_value, **options),
                "redeem_by_scan",
                lambda data: payloads.redemption_from(
                    data, pass_id=str(data["passId"]), provider=self.name, method="redeem-by-scan"
                ),
            )
        )

    # -- batches -------------------------------------------------------------------------------

    def build_batch_status(self, batch_id: str) -> VendorRequest:
        self._checked_id(batch_id, "batch_id", "get_batch_status")
        return wire.request(
            "GET", f"{wire.PASSES}/batch/{{batchId}}/status", Safety.SAFE, batchId=batch_id
        )

    def _batch_status(self, batch_id: str, operation: str) -> Plan[BatchStatus]:
        return (
            yield from self._plan_fetch(
                self.build_batch_status(batch_id), operation, payloads.batch_status_from
            )
        )

    @vendor_operation(native("GET /api/passes/batch/{id}/status"))
    def get_batch_status(self, batch_id: str) -> Plan[BatchStatus]:
        """Progress and results of an asynchronous generation batch."""
        return (yield from self._batch_status(batch_id, "get_batch_status"))

    # -- updates beyond one pass ----------------------------------------------------------------

    def build_push_template(
        self, template: str, fields: Mapping[str, Any], reason: str | None = None
    ) -> VendorRequest:
        template_id = self._template_id(template, "push_template_update")
        problems = []
        if not isinstance(fields, Mapping) or not fields:
            problems.append(FieldProblem("fields", "must be a non-empty mapping"))
        else:  # the same updatedFields as a PUT's: the same documented name rule
            problems += [
                FieldProblem(f"fields.{key}", problem)
                for key in fields
                if (problem := limits.updated_field_problem(str(key))) is not None
            ]
        if reason is not None and not isinstance(reason, str):
            problems.append(FieldProblem("reason", "must be text"))
        elif reason is not None and len(reason) > limits.MAX_REASON:
            problems.append(
                FieldProblem(
                    "reason",
                    f"Livepasses allows at most {limits.MAX_REASON:,} characters in reason; this "
                    f"one is {len(reason):,} characters",
                )
            )
        self._refuse(problems, "push_template_update")
        body: dict[str, Any] = {
            "updatedFields": {str(k): payloads.wire_value(v) for k, v in fields.items()}
        }
        if reason is not None:
            body["reason"] = reason
        return wire.request(
            "POST",
            f"{wire.PASSES}/template/{{templateId}}/push",
            Safety.UNSAFE,
            body=body,
            templateId=template_id,
        )

    @vendor_operation(
        native(
            "POST /api/passes/template/{id}/push {updatedFields, reason} (all eligible passes); "
            "it notifies holders, so it is never repeated once it may have been received"
        )
    )
    def push_template_update(
        self, template: str, fields: Mapping[str, Any], *, reason: str | None = None
    ) -> Plan[dict[str, Any]]:
        """Apply ``fields`` to every eligible pass of a template (the current bulk update).

        Livepasses does not document which passes are eligible, nor the answer: it is returned
        as sent (``{}`` when empty).
        """
        return (
            yield from self._plan_fetch(
                self.build_push_template(template, fields, reason),
                "push_template_update",
                lambda data: dict(data) if isinstance(data, Mapping) else {},
            )
        )

    @vendor_operation(
        emulated(
            "one PUT /api/passes/{id} per pass, sent concurrently (0.1.0's /bulk-update is gone)"
        )
    )
    def bulk_update(
        self,
        pass_ids: Sequence[str],
        change: PassUpdate | Mapping[str, Any],
        *,
        concurrency: int | None = None,
    ) -> Plan[BulkResult]:
        """The same change on many passes: one PUT per pass, at most ``concurrency`` at once.

        Livepasses 0.2+ has no per-pass bulk endpoint (the old ``/bulk-update`` is gone); this
        is the replacement the seed README's ``bulk_update`` calls for. Each pass's update is
        ``update()``'s plan; the sync API runs them in threads, the async API in tasks.

        :param pass_ids: the passes' ids (a list).
        :param change: the change, as ``update()`` takes it; checked once before any request.
        :param concurrency: updates in flight at once (default: the ``concurrency`` setting).
        :returns: a ``BulkResult`` with one item per id, in input order: the pass after the
            change, or the error ``update()`` would have raised (one failing pass does not
            stop the others).
        :raises ValidationError: ``pass_ids`` is not a list, ``concurrency`` not a positive
            integer, or the change is malformed; nothing sent.
        """
        if isinstance(pass_ids, str) or not isinstance(pass_ids, Sequence):
            self._refuse([FieldProblem("pass_ids", "must be a list of ids")], "bulk_update")
        workers = concurrency or self.settings.concurrency
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            self._refuse([FieldProblem("concurrency", "must be a positive integer")], "bulk_update")
        # Check the change once, before any request: a bad change fails the call, not items.
        yield from self.plan_prepare_update("validation-only", change)
        outcomes = yield Together([self.plan_checked_update(i, change) for i in pass_ids], workers)
        items = [
            BulkItem(index=i, issued=o)
            if isinstance(o, IssuedPass)
            else BulkItem(index=i, error=o.with_context(provider=self.label, operation="update"))
            for i, o in enumerate(outcomes)
        ]
        return BulkResult(items=items)

    # -- templates -----------------------------------------------------------------------------

    def template_type(self, template: str, operation: str = "redeem") -> TemplateType | None:
        """A template's type, read once per provider instance (types do not change)."""
        return self.run(self.plan_template_type(template, operation))

    def plan_template_type(
        self, template: str, operation: str = "redeem"
    ) -> Plan[TemplateType | None]:
        """The plan of :meth:`template_type`: no request when the type is known already."""
        with self._template_types_lock:
            if template in self._template_types:
                return self._template_types[template]
        detail = yield from self._get_template(template, operation)
        try:
            found: TemplateType | None = TemplateType(detail.type)
        except ValueError:
            found = None
        with self._template_types_lock:
            self._template_types[template] = found
        return found

    def build_list_templates(
        self, page: int = 1, **filters: Unpack[TemplateFilters]
    ) -> VendorRequest:
        given: dict[str, Any] = {key: value for key, value in filters.items() if value is not None}
        problems = [
            FieldProblem(name, f"is not a template filter; known: {', '.join(_TEMPLATE_QUERY)}")
            for name in given
            if name not in _TEMPLATE_QUERY
        ]
        problems += [
            FieldProblem(name, "must be text")
            for name in ("status", "type", "search", "sort_by")
            if name in given and not isinstance(given[name], str)
        ]
        if not isinstance(given.get("descending", False), bool):
            problems.append(FieldProblem("descending", "must be true or false"))
        size = given.get("page_size", 1)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            problems.append(FieldProblem("page_size", "must be a positive integer"))
        self._refuse(problems, "list_templates")
        # The first page as the SDK asks for it: unnamed.
        query: dict[str, Any] = {"page": page} if page > 1 else {}
        query.update((key, given[name]) for name, key in _TEMPLATE_QUERY.items() if name in given)
        return wire.request("GET", wire.TEMPLATES, Safety.SAFE, query=query)

    @vendor_operation(native("GET /api/templates, paged lazily"), listing=True)
    def list_templates(self, **filters: Unpack[TemplateFilters]) -> ListPlan:
        """Every template matching the filters (``Template`` items), fetching pages as the
        iteration needs them; the filters are checked at the call (``ValidationError``).

        :param filters: :class:`TemplateFilters` (``status``, ``type``, ``search``,
            ``sort_by``, ``descending``, ``page_size``).
        """
        first = self.build_list_templates(1, **filters)
        yield from self._template_pages(first, filters)

    def _template_pages(self, first: VendorRequest, filters: TemplateFilters) -> ListPlan:
        request: VendorRequest | None = first
        page = 1
        while request is not None:
            response = yield Send(request, "list_templates")
            body, items = self.parse(self._template_page, response)
            yield Emit(items)
            total_pages = _total_pages(body)
            page += 1
            request = (
                self.build_list_templates(page, **filters)
                if items and page <= total_pages
                else None
            )

    def _template_page(self, response: VendorResponse) -> tuple[Mapping[str, Any], list[Template]]:
        body = self.envelope_of(response, "list_templates")
        return body, [payloads.template_from(item) for item in body.get("items") or ()]

    def build_get_template(self, template: str) -> VendorRequest:
        template_id = self._template_id(template, "get_template")
        return wire.request("GET", wire.TEMPLATE, Safety.SAFE, templateId=template_id)

    def _get_template(self, template: str, operation: str) -> Plan[Template]:
        return (
            yield from self._plan_fetch(
                self.build_get_template(template), operation, payloads.template_from
            )
        )

    @vendor_operation(native("GET /api/templates/{id}"))
    def get_template(self, template: str) -> Plan[Template]:
        """A template with its business features, platform support and media configuration."""
        return (yield from self._get_template(template, "get_template"))

    def build_create_template(
        self,
        name: str,
        business_features: Mapping[str, Any],
        *,
        description: str | None = None,
        required_media: Sequence[str] | None = None,
    ) -> VendorRequest:
        body = _options(
            name=name,
            businessFeatures=dict(business_features)
            if isinstance(business_features, Mapping)
            else business_features,
            description=description,
            requiredMedia=list(required_media) if required_media is not None else None,
        )
        problems = [
            FieldProblem(_python_name(where), message)
            for where, message in limits.shape_problems(body, limits.TEMPLATE_CREATE)
        ]
        if isinstance(business_features, Mapping) and (
            limits.template_type_of(business_features) is None
        ):
            blocks = ", ".join(sorted(limits.FEATURE_BLOCKS))
            problems.append(
                FieldProblem(
                    "business_features",
                    f"must hold exactly one type block ({blocks}), e.g. {{'event': {{...}}}}",
                )
            )
        self._refuse(problems, "create_template")
        return wire.request("POST", wire.TEMPLATES, Safety.UNSAFE, body=body)

    @vendor_operation(native("POST /api/templates (the businessFeatures block sets the type)"))
    def create_template(
        self,
        name: str,
        business_features: Mapping[str, Any],
        *,
        description: str | None = None,
        required_media: Sequence[str] | None = None,
    ) -> Plan[Template]:
        """Create a template; the block inside ``business_features`` decides its type."""
        request = self.build_create_template(
            name, business_features, description=description, required_media=required_media
        )
        return (yield from self._plan_fetch(request, "create_template", payloads.template_from))

    def build_update_template(
        self,
        template: str,
        *,
        name: str | None = None,
        description: str | None = None,
        business_features: Mapping[str, Any] | None = None,
    ) -> VendorRequest:
        template_id = self._template_id(template, "update_template")
        body = _options(
            name=name,
            description=description,
            businessFeatures=dict(business_features)
            if isinstance(business_features, Mapping)
            else business_features,
        )
        problems = [
            FieldProblem(_python_name(where), message)
            for where, message in limits.shape_problems(body, limits.TEMPLATE_UPDATE)
        ]
        if not body:
            problems.append(FieldProblem("template", "the update changes nothing"))
        self._refuse(problems, "update_template")
        return wire.request(
            "PUT", wire.TEMPLATE, Safety.IDEMPOTENT, body=body, templateId=template_id
        )

    @vendor_operation(native("PUT /api/templates/{id}"))
    def update_template(
        self,
        template: str,
        *,
        name: str | None = None,
        description: str | None = None,
        business_features: Mapping[str, Any] | None = None,
    ) -> Plan[Template]:
        request = self.build_update_template(
            template, name=name, description=description, business_features=business_features
        )
        updated = yield from self._plan_fetch(request, "update_template", payloads.template_from)
        with self._template_types_lock:
            self._template_types.pop(updated.id, None)
        return updated

    def build_template_state(self, template: str, action: str) -> VendorRequest:
        template_id = self._template_id(template, f"{action}_template")
        return wire.request(
            "POST",
            f"{wire.TEMPLATE}/{action}",
            Safety.IDEMPOTENT,
            templateId=template_id,
        )

    @vendor_operation(native("POST /api/templates/{id}/activate"))
    def activate_template(self, template: str) -> Plan[None]:
        """Let the template's passes be generated and used again."""
        yield Send(self.build_template_state(template, "activate"), "activate_template")

    @vendor_operation(native("POST /api/templates/{id}/deactivate"))
    def deactivate_template(self, template: str) -> Plan[None]:
        """Stop the template: every one of its passes then fails with ``TEMPLATE_INACTIVE``."""
        yield Send(self.build_template_state(template, "deactivate"), "deactivate_template")

    # -- webhooks -----------------------------------------------------------------------------

    def build_create_webhook(self, url: str, events: Sequence[str]) -> VendorRequest:
        problems = []
        # Livepasses states no scheme rule; its one example is https:// (livepasses.md 3.9):
        # walletpass's rule for webhook URLs (https, plain http to loopback only) is *inferred*.
        if (problem := subscription_url_problem(url)) is not None:
            problems.append(FieldProblem("url", problem))
        if isinstance(events, str) or not isinstance(events, Sequence) or not events:
            problems.append(FieldProblem("events", "must be a non-empty list of event names"))
        else:
            for index, event in enumerate(events):
                if event in limits.WEBHOOK_EVENTS:
                    continue
                hint = (
                    " (a 0.1.0 event the current API refuses)"
                    if event in limits.LEGACY_WEBHOOK_EVENTS
                    else ""
                )
                problems.append(
                    FieldProblem(
                        f"events.{index}",
                        f"{event!r} is not a Livepasses event{hint}; known: "
                        + ", ".join(sorted(limits.WEBHOOK_EVENTS)),
                    )
                )
        self._refuse(problems, "create_webhook")
        return wire.request(
            "POST", wire.WEBHOOKS, Safety.UNSAFE, body={"url": url, "events": list(events)}
        )

    @vendor_operation(
        native(
            "POST /api/webhooks (events checked against the documented set)",
            inferred=(
                "the https:// rule for url (plain http:// only to loopback): Livepasses states "
                "none; its one example is https://",
            ),
        )
    )
    def create_webhook(self, url: str, events: Sequence[str]) -> Plan[Webhook]:
        """Subscribe ``url`` to ``events``; the answer's ``secret`` is only shown now.

        Livepasses does not document how deliveries are signed, so walletpass offers no
        verification helper: keep the secret for when it does.
        """
        return (
            yield from self._plan_fetch(
                self.build_create_webhook(url, events), "create_webhook", payloads.webhook_from
            )
        )

    @vendor_operation(native("GET /api/webhooks"))
    def list_webhooks(self) -> Plan[list[Webhook]]:
        """Every webhook of the account (one answer, not paged)."""
        return (
            yield from self._plan_fetch(
                self.build_list_webhooks(), "list_webhooks", payloads.webhooks_from
            )
        )

    def build_list_webhooks(self) -> VendorRequest:
        return wire.request("GET", wire.WEBHOOKS, Safety.SAFE)

    def build_delete_webhook(self, webhook_id: str) -> VendorRequest:
        checked = self._checked_id(webhook_id, "webhook_id", "delete_webhook")
        return wire.request(
            "DELETE", f"{wire.WEBHOOKS}/{{webhookId}}", Safety.IDEMPOTENT, webhookId=checked
        )

    @vendor_operation(native("DELETE /api/webhooks/{id}"))
    def delete_webhook(self, webhook_id: str) -> Plan[None]:
        yield Send(self.build_delete_webhook(webhook_id), "delete_webhook")


def _total_pages(body: Mapping[str, Any]) -> int:
    pagination = body.get("pagination")
    if not isinstance(pagination, Mapping):
        return 1
    value = pagination.get("totalPages")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else 1


def _python_name(wire_path: str) -> str:
    names = {
        "businessFeatures": "business_features",
        "requiredMedia": "required_media",
    }
    head, dot, rest = wire_path.partition(".")
    return names.get(head, head) + dot + rest
