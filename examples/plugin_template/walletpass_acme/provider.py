"""The Acme provider: declarations as class data, and pure request/response hooks.

Everything walletpass needs to know about Acme without a network call is a class attribute
(``name``, ``Settings``, ``capabilities``, ``error_table``, the rate limit), so the CLI, the
capability matrix and the fake provider's ``acme`` profile read it straight from the class. The
hooks only translate: the base class runs the checks, sends, retries and maps errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from walletpass.capabilities import Capabilities, Capability, emulated, native, none
from walletpass.errors import (
    AlreadyRedeemed,
    Conflict,
    FieldProblem,
    PassExpired,
    ValidationError,
)
from walletpass.model import IssuedPass, Pass, PassUpdate, Redemption
from walletpass.paths import fill_path
from walletpass.plans import Plan, Send
from walletpass.provider import ErrorInfo, ErrorRule, ListFilters, Page, Provider
from walletpass.retry import Safety
from walletpass.settings import ProviderSettings
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_acme import limits, payloads

__all__ = ["AcmeProvider", "AcmeSettings"]

_NO_HOLDER_DATA = "Acme passes carry only a holder name: put contact data in a template field"


class AcmeSettings(ProviderSettings):
    """Acme takes only the settings every provider shares; ``api_key`` is required to send.

    A vendor setting would be declared here as a pydantic field with a default and a
    ``description`` (``walletpass config check`` lists it, ``WALLETPASS_ACME_<NAME>`` sets it).
    """


CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native(
            "POST /v1/passes; with external_id RECOVERABLE (looked up by externalRef before a "
            "retry)"
        ),
        Capability.GET: native("GET /v1/passes/{id}"),
        Capability.UPDATE: native("PATCH /v1/passes/{id}: only the parts given change"),
        Capability.REDEEM: native("POST /v1/passes/{id}/redeem (whole pass, no amount)"),
        Capability.DELETE: native("DELETE /v1/passes/{id}: the pass is gone (NotFound after)"),
        Capability.LIST: native("GET /v1/passes, cursor paging, at most 100 per page"),
        Capability.CREATE_MANY: emulated(
            "one create per pass, run concurrently under Acme's 50 requests/second"
        ),
        # kinds
        Capability.KIND_GENERIC: native('kind "generic"'),
        Capability.KIND_EVENT_TICKET: native('kind "event"'),
        Capability.KIND_LOYALTY: native('kind "loyalty"'),
        Capability.KIND_COUPON: none("Acme has no coupon template: use kind generic"),
        Capability.KIND_MEMBERSHIP: none("Acme has no membership template: use kind loyalty"),
        # fields
        Capability.EXTERNAL_ID: native("externalRef, unique among passes that are not deleted"),
        Capability.HOLDER_NAME: native("holderName (first and last name joined)"),
        Capability.HOLDER_EMAIL: none(_NO_HOLDER_DATA),
        Capability.HOLDER_PHONE: none(_NO_HOLDER_DATA),
        Capability.FIELDS: native("fields {key: text}", limit=limits.MAX_FIELDS),
        Capability.FIELD_LABELS: none("labels belong to the Acme template: design them there"),
        Capability.BARCODE_QR: native('barcode {"format": "QR"}'),
        Capability.BARCODE_CODE128: native('barcode {"format": "CODE128"}'),
        Capability.BARCODE_PDF417: none("Acme prints QR and Code 128 only: use qr"),
        Capability.BARCODE_AZTEC: none("Acme prints QR and Code 128 only: use qr"),
        Capability.EXPIRES_AT: native("expiresAt (UTC): Acme marks the pass expired then"),
        Capability.UPDATE_MESSAGE: native("notification: pushed to the holder with the change"),
        Capability.UPDATE_NOTIFY: none(
            "Acme notifies exactly when a notification text is given: set message or leave it out"
        ),
    }
)


class AcmeProvider(Provider[AcmeSettings]):
    """walletpass provider for the (fictional) Acme Passes API v1."""

    name: ClassVar[str] = "acme"
    summary: ClassVar[str] = "Acme Passes API v1 (template provider for plugin authors)"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    default_base_url: ClassVar[str | None] = "https://api.acme-passes.example"
    #: 40/s with bursts of 10 never exceeds Acme's 50 in any one-second window.
    default_rate_limit: ClassVar[float | None] = 40.0
    rate_limit_burst: ClassVar[int] = 10
    error_table: ClassVar[tuple[ErrorRule, ...]] = (
        ErrorRule(AlreadyRedeemed, status=409, code="already_redeemed"),
        ErrorRule(PassExpired, status=409, code="pass_expired"),
        ErrorRule(Conflict, status=409, code="duplicate_external_ref"),
    )

    # -- credentials and error bodies ----------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.require_api_key()}"}

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """Acme errors: ``{"error": {"code", "message", "fields"?}}``.

        Other JSON is read by the base class's common shapes. A body that is not JSON (a proxy's
        HTML 502 page, plain text) makes ``response.json()`` raise, and the core then maps the
        answer by its HTTP status alone (502 -> ``ProviderUnavailable``).
        """
        body = response.json()
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return super().parse_error(response)
        fields = error.get("fields")
        return ErrorInfo(
            message=str(error.get("message") or f"HTTP {response.status}"),
            code=str(error["code"]) if error.get("code") else None,
            details=body,
            fields=fields if isinstance(fields, Mapping) else None,
        )

    # -- vendor rules (the fake's "acme" profile runs these too) -------------------------

    def check(
        self, request: VendorRequest | None, subject: Pass | PassUpdate
    ) -> list[FieldProblem]:
        """Acme's limits for the pass or change ``request`` was built from, by neutral path."""
        problems = _content_problems(subject)
        message = subject.message if isinstance(subject, PassUpdate) else None
        if message is not None and (text := limits.notification_problem(message)):
            problems.append(FieldProblem("message", text))
        return problems

    def sample_pass_id(self, template: str | None) -> str:
        return "acp_0000000000000000"

    def decode_id(self, pass_id: str) -> str:
        if not limits.PASS_ID.fullmatch(pass_id):
            raise ValidationError.from_problems(
                [FieldProblem("pass_id", "is not an Acme pass id (acp_ and 16 hex digits)")]
            )
        return pass_id

    # -- hooks ---------------------------------------------------------------------------

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest(
            "POST",
            "v1/passes",
            Safety.RECOVERABLE if new_pass.external_id else Safety.UNSAFE,
            json=payloads.create_body(new_pass),
        )

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        return payloads.issued_from(response.json(), self.name)

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        # A plan (walletpass.plans): the core sends each yielded request and hands the answer
        # back, so the same steps run on the sync and the async API.
        request = VendorRequest(
            "GET",
            "v1/passes",
            Safety.SAFE,
            query={"externalRef": new_pass.external_id, "limit": 1},
        )
        response = yield Send(request, "create")
        return self.parse(_first_found, response, self.name)

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", _path(pass_id), Safety.SAFE, path_template="v1/passes/{id}")

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return payloads.issued_from(response.json(), self.name)

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        return VendorRequest(
            "PATCH",
            _path(pass_id),
            Safety.IDEMPOTENT,
            json=payloads.update_body(change),
            path_template="v1/passes/{id}",
        )

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return payloads.issued_from(response.json(), self.name)

    def build_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> VendorRequest:
        problems = []
        if amount is not None:
            problems.append(FieldProblem("amount", "Acme redeems whole passes and takes no amount"))
        if options:
            problems.append(FieldProblem("options", "Acme takes no redeem options"))
        if problems:
            raise ValidationError.from_problems(problems, provider=self.name)
        return VendorRequest(
            "POST",
            f"{_path(pass_id)}/redeem",
            Safety.UNSAFE,
            json={},
            path_template="v1/passes/{id}/redeem",
        )

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        issued = payloads.issued_from(response.json(), self.name)
        return Redemption(
            pass_id=pass_id,
            provider=self.name,
            status=issued.status,
            redeemed_at=issued.updated_at,
            method="redeem",
            raw=issued.raw,
        )

    def build_delete(self, pass_id: str) -> VendorRequest:
        return VendorRequest(
            "DELETE", _path(pass_id), Safety.IDEMPOTENT, path_template="v1/passes/{id}"
        )

    def build_list(self, filters: ListFilters) -> VendorRequest:
        return VendorRequest("GET", "v1/passes", Safety.SAFE, query=_list_query(filters))

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        body = response.json()
        items = [payloads.issued_from(item, self.name) for item in body["data"]]
        cursor = body.get("nextCursor")
        if not cursor:
            return Page(items)
        query = {**_list_query(filters), "cursor": cursor}
        return Page(items, VendorRequest("GET", "v1/passes", Safety.SAFE, query=query))


def _path(pass_id: str) -> str:
    return fill_path("v1/passes/{id}", id=pass_id).path


def _list_query(filters: ListFilters) -> dict[str, Any]:
    problems = []
    query: dict[str, Any] = {"limit": filters.page_size or limits.DEFAULT_PAGE_SIZE}
    if filters.page_size is not None and filters.page_size > limits.MAX_PAGE_SIZE:
        problems.append(
            FieldProblem("page_size", f"Acme pages hold at most {limits.MAX_PAGE_SIZE} passes")
        )
    if filters.template is not None:
        query["template"] = filters.template
    if filters.status is not None:
        vendor = {neutral: vendor for vendor, neutral in payloads.STATUSES.items()}
        if filters.status not in vendor:
            known = ", ".join(sorted(s.value for s in vendor))
            problems.append(FieldProblem("status", f"Acme lists passes by {known} only"))
        else:
            query["status"] = vendor[filters.status]
    if filters.extra:
        problems.append(FieldProblem("extra", "Acme takes no other list filters"))
    if problems:
        raise ValidationError.from_problems(problems, provider="acme", operation="list")
    return query


def _content_problems(content: Pass | PassUpdate) -> list[FieldProblem]:
    problems = []
    for key, value in (content.fields or {}).items():
        if text := limits.field_key_problem(key):
            problems.append(FieldProblem(f"fields.{key}", text))
        raw = getattr(value, "value", value)
        if isinstance(raw, bool):
            problems.append(
                FieldProblem(f"fields.{key}", "Acme fields are text: send the words to show")
            )
        elif text := limits.field_value_problem(payloads.field_text(value)):
            problems.append(FieldProblem(f"fields.{key}", text))
    name = payloads.holder_name(content.holder)
    if name is not None and (text := limits.holder_name_problem(name)):
        problems.append(FieldProblem("holder.name", text))
    if content.barcode is not None and (text := limits.barcode_problem(content.barcode.message)):
        problems.append(FieldProblem("barcode.message", text))
    return problems


def _first_found(response: VendorResponse, provider: str) -> IssuedPass | None:
    found = response.json()["data"]
    return payloads.issued_from(found[0], provider) if found else None
