"""The PassEntry provider: declarations, pure request/response hooks and PassEntry-only operations.

PassEntry (API v1) issues Apple and Google Wallet passes from templates designed in its dashboard,
addressable by its UUID or by the caller's own ``extId``. Creates with an external id are
RECOVERABLE: after an ambiguous failure walletpass looks the pass up by ``extId`` before sending
again, so no duplicate is issued. ``redeem`` is emulated with ``passAction: deactivate``;
``delete`` is PassEntry's irreversible *nullify*.
"""

from __future__ import annotations

import base64
import binascii
import warnings
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from walletpass.behaviour import ANSWERS, VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, emulated, native, none
from walletpass.errors import (
    BusinessRuleError,
    ConfigurationWarning,
    FieldProblem,
    InvalidResponse,
    NotFound,
    ValidationError,
    WalletPassError,
)
from walletpass.model import (
    Balance,
    Beacon,
    IssuedPass,
    Location,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    Redemption,
)
from walletpass.pass_ids import checked_by, decode_pass_id
from walletpass.paths import FilledPath, fill_path
from walletpass.plans import ListPlan, Plan, Send, as_part_of, each, plain_when
from walletpass.provider import ErrorInfo, ErrorRule, ListFilters, Page, vendor_operation
from walletpass.readback import READ_BACK_FAILED
from walletpass.redemption import insufficient_balance, no_balance
from walletpass.retry import Safety, parse_retry_after
from walletpass.settings import ProviderSettings, none_word
from walletpass.timestamps import parse_timestamp
from walletpass.transport import NO_BODY, VendorRequest, VendorResponse
from walletpass_passentry import checks, limits, loyalty, payloads
from walletpass_passentry.events import PassEntryEvents
from walletpass_passentry.limits import PassAction, PassSource, VendorStatus
from walletpass_passentry.meta import dashboard_templates, profile_meta
from walletpass_passentry.payloads import ValueFormat

__all__ = ["PassEntryProvider", "PassEntrySettings"]

PKPASS_MAGIC = b"PK\x03\x04"


class PassEntrySettings(ProviderSettings):
    """PassEntry settings: the common ones plus how template fields and scans are written."""

    holder_name_field: str | None = Field(
        default="fullName",
        min_length=1,
        description=(
            "the templates' field id that keeps holder.name where a template alias's attributes "
            'name none ("none": no default, the holder needs an alias)'
        ),
    )
    field_value_format: ValueFormat = Field(
        default=ValueFormat.OBJECT,
        description='template field values as {"value": ...} objects (newer docs) or plain text',
    )
    reader_id: str | None = Field(
        default=None,
        min_length=1,
        description="a PassEntry reader id: redeem() also logs a scan (POST /api/v1/scans/log)",
    )

    _none_word = field_validator("holder_name_field", mode="before")(none_word)


_KIND_NOTE = (
    "the template's type decides (a kind the template alias's kind contradicts is refused "
    "before sending); a storeCard or generic pass reads back as the alias's kind, an "
    "eventTicket or transit one as its type says"
)


def _kind_declarations() -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for kind, pass_type in payloads.KIND_PASS_TYPES.items():
        if kind in (
            PassKind.GENERIC,
            PassKind.EVENT_TICKET,
            PassKind.LOYALTY,
            PassKind.BOARDING_PASS,
        ):
            declared[f"kind.{kind.value}"] = native(f"a {pass_type.value} template; {_KIND_NOTE}")
        else:
            declared[f"kind.{kind.value}"] = emulated(
                f"PassEntry has no {kind.value} type: issued from a {pass_type.value} template"
            )
    return declared


_BARCODE_NOTE = (
    "pass.barcode {enabled, type, source: custom, value}; source extId when the message is the "
    "external id"
)
_RADIUS_NOTE = (
    "locations[].radius in metres: more than 10 and less than 1000, at most 100 unless the pass "
    "is an event ticket"
)
_OVERRIDE_NOTE = "pass.templateOverride (per-pass design; template changes stop applying)"


#: Wire details PassEntry's documentation does not show (its later findings list them as still
#: undocumented); each declaration that rests on one says so.
def _inferred_override(*roles: str) -> tuple[str]:
    """The inference behind ``roles``' templateOverride keys, naming each key exactly."""
    keys = ", ".join(f"pass.templateOverride.{limits.TEMPLATE_OVERRIDE_KEYS[r]}" for r in roles)
    return (f"the templateOverride sub-key names {keys}",)


_INFERRED_EXPIRY = ("the expiry request key pass.expiresAt (mirrors the expiresAt attribute)",)
_INFERRED_NFC = ("the custom NFC message keys pass.nfc.source / pass.nfc.customValue",)
_INFERRED_PAGING = ("list paging by following links.next",)

CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native(
            "POST /api/v1/passes?passTemplate=...; with external_id (extId) RECOVERABLE: after an "
            "ambiguous failure it is looked up by extId before any retry"
        ),
        Capability.GET: native("GET /api/v1/passes/{uuid or extId}"),
        Capability.UPDATE: native("PATCH /api/v1/passes/{id} (partial)"),
        Capability.REDEEM: emulated(
            "reads the pass, refuses a deactivated one (AlreadyRedeemed; PassExpired after its "
            'expiry), then PATCH {"passAction": "deactivate"} (reversible with reactivate()); '
            "with the reader_id setting also logs a scan (POST /api/v1/scans/log). With an "
            "amount (whole points): reads the loyalty balance, refuses more than it holds, then "
            "PATCH /api/v1/loyalty/{id} {balance: -amount}; the pass stays active and "
            "Redemption.remaining is the new balance",
            inferred=loyalty.INFERRED,
        ),
        Capability.DELETE: native(
            "POST /api/v1/passes/{id}/nullify: IRREVERSIBLE wipe of the pass's data, a tombstone "
            "stays (status deleted, no fields, holder or barcode) and the extId becomes "
            "reusable; idempotent. After it, update and redeem raise NotFound (a refused write "
            "is followed by a read that finds the pass nullified)",
            inferred=(
                "PassEntry documents no answer to a write on a nullified pass: the emulator "
                "refuses it with 422, and the provider maps any refusal of a write on a "
                "nullified pass to NotFound",
            ),
        ),
        Capability.LIST: emulated(
            "GET /api/v1/passes, following links.next while the answer has one (PassEntry "
            "documents no paging parameters); template and status are filtered client-side; "
            "page_size is refused",
            inferred=_INFERRED_PAGING,
        ),
        Capability.CREATE_MANY: emulated(
            "one create per pass, run concurrently under PassEntry's 10 requests/second per "
            "endpoint and method (the client-side limiter sends at most 9/s per endpoint); the "
            "CSV batch endpoint is not used"
        ),
        # kinds
        **_kind_declarations(),
        # fields
        Capability.EXTERNAL_ID: native(
            "?extId= on create; unique among passes that are not nullified"
        ),
        Capability.HOLDER_NAME: emulated(
            "PassEntry has no holder name: kept in the template field named by the template "
            "alias's attributes (default: the holder_name_field setting, fullName), read back "
            "from it"
        ),
        Capability.HOLDER_EMAIL: none("PassEntry passes have no holder contact data: use a field"),
        Capability.HOLDER_PHONE: none("PassEntry passes have no holder contact data: use a field"),
        Capability.HOLDER_LANGUAGE: none(
            "the language is the template's (defaultLanguage and localisations)"
        ),
        Capability.FIELDS: native("pass.<templateFieldId>, as text"),
        Capability.FIELD_LABELS: none("labels are part of the template: design them there"),
        Capability.BARCODE_QR: native(_BARCODE_NOTE),
        Capability.BARCODE_PDF417: native(_BARCODE_NOTE),
        Capability.BARCODE_AZTEC: native(_BARCODE_NOTE),
        Capability.BARCODE_CODE128: native(_BARCODE_NOTE),
        Capability.BARCODE_ALT_TEXT: none(
            "PassEntry can print only the barcode's own value under it: use "
            'extra={"pass": {"barcode": {"displayText": true}}}'
        ),
        Capability.LOCATIONS: native(
            "locations[] (Apple Wallet only); an update replaces them all",
            limit=limits.MAX_LOCATIONS,
        ),
        Capability.LOCATION_RADIUS: native(_RADIUS_NOTE),
        Capability.LOCATION_RELEVANT_TEXT: native("locations[].message"),
        Capability.LOCATION_NAME: native("locations[].name (display only)"),
        Capability.LOCATION_ALTITUDE: none("PassEntry locations have no altitude"),
        Capability.LOCATION_ADDRESS: none(
            "PassEntry geocodes the address from latitude/longitude itself"
        ),
        Capability.LOCATION_URL: none("PassEntry locations have no URL"),
        Capability.BEACONS: native(
            "beacons[] {proximityUuid, major, minor} (Apple Wallet only); an update replaces them",
            limit=limits.MAX_BEACONS,
        ),
        Capability.BEACON_RELEVANT_TEXT: native("beacons[].message"),
        Capability.BEACON_NAME: native("beacons[].name (display only)"),
        Capability.RELEVANT_AT: none("PassEntry has no relevant date: use locations or beacons"),
        Capability.EXPIRES_AT: native(
            "pass.expiresAt (UTC): PassEntry deactivates the pass then (Google may lag 24 h)",
            inferred=_INFERRED_EXPIRY,
        ),
        Capability.COLOR_BACKGROUND: native(
            f"backgroundColor (hex) in {_OVERRIDE_NOTE}",
            inferred=_inferred_override("background"),
        ),
        Capability.COLOR_FOREGROUND: native(
            f"textColor (hex, iPhone only) in {_OVERRIDE_NOTE}",
            inferred=_inferred_override("foreground"),
        ),
        Capability.COLOR_LABEL: native(
            f"labelColor (hex, iPhone only) in {_OVERRIDE_NOTE}",
            inferred=_inferred_override("label"),
        ),
        Capability.LOGO_TEXT: none("the logo text is part of the template"),
        Capability.DESCRIPTION: none("the description is part of the template"),
        Capability.ORGANIZATION_NAME: none("the organisation name is part of the template"),
        Capability.IMAGES: native(
            f"logo, strip/hero (banner) and thumbnail (generic passes) as direct PNG/JPEG URLs in "
            f"{_OVERRIDE_NOTE}; PassEntry has no image upload",
            inferred=_inferred_override("banner", "logo", "thumbnail"),
        ),
        Capability.GROUP: native("groupTag"),
        Capability.NFC: native(
            'pass.nfc {"enabled": true} (the pass UUID is the NFC message); a custom message '
            "as source custom + customValue",
            inferred=_INFERRED_NFC,
        ),
        # EMULATED: the pass resource has no balance, so a plain get() cannot return it.
        Capability.BALANCE: emulated(
            "whole loyalty points, no currency, on store-card (loyalty) templates, kept in the "
            "loyalty endpoint: PATCH /api/v1/loyalty/{id} {overrideBalance} right after the "
            "create (a failure nullifies the new pass, so none is left without its balance) and "
            "on update; create and update report it in IssuedPass.balance; get() and list() "
            "leave it out (the pass resource carries no balance) unless the template alias names "
            "a balance_field: then they read it (GET /api/v1/loyalty/{id}, one more request per "
            "pass), and so do a create that sets none (what get() reports next: the new "
            "pass's balance, 0 in the emulator) and an update that changes none; "
            "loyalty_balance() reads it",
            inferred=loyalty.INFERRED,
        ),
        Capability.TIER: none("no tier attribute: use a template field"),
        Capability.EVENT_TITLE: none("event details are template fields: use fields"),
        Capability.EVENT_STARTS_AT: none("event details are template fields: use fields"),
        Capability.EVENT_DURATION: none("event details are template fields: use fields"),
        Capability.EVENT_URL: none("event details are template fields: use fields"),
        Capability.EXTRA: native(
            "deep-merged last into the request body (e.g. pass options walletpass does not map)"
        ),
        # updates
        Capability.UPDATE_MESSAGE: native(
            "message: pushed to the holder; the result's meta.notification reports "
            "X-Notification-Status and meta.notifications"
        ),
        Capability.UPDATE_NOTIFY: none(
            "PassEntry notifies exactly when the update carries a message: set message, or "
            "leave it out for a silent update"
        ),
        Capability.UPDATE_CLEAR: emulated(
            'nfc / barcode set to None are switched off ({"enabled": false}), locations / '
            "beacons set to None are emptied; nothing else can be cleared"
        ),
        # PassEntry-only operations
        # Pass events (webhooks): see walletpass_passentry.events
        Capability.EVENTS_RECEIVE: native(
            "documented: the events passCreated (issued), passInstalled (installed), "
            "passRemoved (removed), passScanned (scanned, with scan and reader); the JSON:API "
            "delivery (data.id, data.attributes.webhookType and .timeStamp in ISO 8601 UTC, "
            "data.relationships.pass, the pass in included); HMAC-SHA256 in "
            "X-Webhook-Signature keyed by the subscription's secretKey; timeStamp for replay "
            "protection (the window, 300 s by default, is walletpass's: PassEntry states none)",
            inferred=(
                "signed bytes: the raw body",
                "signature encoding: hex or base64, both accepted",
                "the included pass carries the pass resource's attributes (extId, "
                "passTemplateUuid): the example shows only status",
            ),
        ),
        Capability.EVENTS_SUBSCRIBE: native(
            "documented: create (HTTPS URL, the four events), list (page/perPage up to 100, "
            "meta.totalPages), rotate secret (the old key dies at once); no delete is "
            "documented: delete_event_subscription is refused, disable_event_subscription() "
            "instead; the retry schedule is not published"
        ),
    }
)


#: The decoder of a pass id (its check, made once: ``checked_by`` is an ``lru_cache`` call
#: on every id decoded otherwise).
_DECODE_ID = checked_by(limits.id_problem)

#: The passes collection's path (no id in it: filled once, not per request), and one pass's.
_PASSES = fill_path(f"{limits.API_PREFIX}/passes")
_PASS = f"{limits.API_PREFIX}/passes/{{id}}"
#: The safeties of create, get and update, read from the enum once (as payloads' members).
_RECOVERABLE, _UNSAFE, _SAFE, _IDEMPOTENT = (
    Safety.RECOVERABLE,
    Safety.UNSAFE,
    Safety.SAFE,
    Safety.IDEMPOTENT,
)


def _passes_path(pass_id: str | None = None, action: str | None = None) -> FilledPath:
    """A pass URL path and the template logged (and rate-limited) instead of it."""
    if pass_id is None:
        return _PASSES
    if action is None:
        return fill_path(_PASS, id=pass_id)
    return fill_path(f"{_PASS}/{action}", id=pass_id)


def _request(
    method: str,
    path: tuple[str, str],
    safety: Safety,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> VendorRequest:
    """A request rate-limited per endpoint and method, as PassEntry counts them; ``query`` is
    the request's own (each build makes a new one: kept, not copied)."""
    url, template = path
    return VendorRequest(
        method,
        url,
        safety,
        query=query or None,
        json=NO_BODY if body is None else body,
        path_template=template,
        rate_key=f"{method} {template}",
    )


class PassEntryProvider(PassEntryEvents[PassEntrySettings]):
    """PassEntry API v1 (https://passentry.com): Apple and Google Wallet passes from templates."""

    name: ClassVar[str] = "passentry"
    #: Redeeming deactivates the pass (read back as voided); template field values are text
    #: (PassEntry API: pass content values are strings).
    #: Spending points leaves the pass's status as it was (the spend's answer is the pass
    #: resource, with that status), and a pass resource carries no loyalty balance (API v1, Show
    #: pass: no balance attribute; GET /api/v1/loyalty/{id} has it, read where an alias asks).
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        # The loyalty endpoint answers a spend with the balance alone: no moment.
        spend_reports_time=False,
        # Nullify strips the pass's data and keeps a tombstone (passentry.md 4.5).
        deleted_wipes=True,
        redeemed_status=PassStatus.VOIDED,
        text_values=True,
        spend_status=None,
        unread_on_get=frozenset({"balance"}),
        balance_read_when_aliased=True,
        # The emulator's, inferred: PassEntry does not say what a new store card's balance is.
        opening_balance=Decimal(0),
        # The loyalty PATCH takes "balance (a signed integer delta)": whole points only.
        fractional_spend="PassEntry loyalty balances are whole points (an integer); got {amount}",
        kinds=payloads.KIND_PASS_TYPES,
        # Only a store card keeps a loyalty balance (a loyalty card or a gift card).
        balance_kinds=frozenset({PassKind.LOYALTY, PassKind.GIFT_CARD}),
        # Its loyalty endpoint answers 422 for a pass not of a store-card template (inferred).
        balance_write_refusal="Pass is not a loyalty pass",
        # A use deactivates the pass (passAction); a spend PATCHes its loyalty balance.
        redeem_method=lambda kind, spent: "loyalty" if spent else "deactivate",
        # Every pass resource has its download link (downloadUrl).
        url_forms={answer: {"download": "?pass={vendor_id}"} for answer in ANSWERS},
        # Every pass resource has createdAt; none has an update time or a version.
        bookkeeping=dict.fromkeys(ANSWERS, frozenset({"created_at"})),
        # The pass resource's status, passType, latestMessage, lifecycle times; an update's
        # notification; the loyalty balance read or written.
        meta_of=profile_meta,
        # What only the dashboard knows, for a profile given it (the fake's dashboard).
        dashboard_templates=dashboard_templates,
    )
    meta_keys: ClassVar[Mapping[str, str]] = payloads.META_KEYS
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    default_base_url: ClassVar[str | None] = limits.DEFAULT_BASE_URL
    default_rate_limit: ClassVar[float | None] = float(limits.CLIENT_RATE_PER_SECOND)
    summary: ClassVar[str] = (
        "PassEntry API v1: Apple and Google Wallet passes from templates, by UUID or extId"
    )
    #: A PassEntry pass has no holder: "Template field values go inside the pass object, keyed by
    #: the template field id (e.g. fullName)" (API v1, Create pass), so the core keeps it there.
    field_held_attributes: ClassVar[frozenset[str]] = frozenset({"holder.name"})
    #: The body keys PassEntry's reference shows (create / update pages, later findings).
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "create": frozenset({"pass", "message", "locations", "beacons", "groupTag", "tags"}),
        "update": frozenset(
            {"pass", "message", "locations", "beacons", "groupTag", "tags", "passAction"}
        ),
        # passentry.md 4.4 documents no filter or paging parameter for GET /api/v1/passes.
        "list": frozenset(),
    }
    #: PassEntry's statuses mean what HTTP says (400, 401, 403, 404, 409, 415, 422, 429, 5xx):
    #: the core's DEFAULT_ERROR_TABLE maps them, so the provider adds no rows of its own.
    error_table: ClassVar[Sequence[ErrorRule]] = ()

    # -- credentials, errors, retries --------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.require_api_key()}"}

    @staticmethod
    def retry_after(headers: Mapping[str, str]) -> float | None:
        """PassEntry's 429 says how long to wait in ``x-rate-limit-retry-after``, decimal seconds
        (``0.35``), not in the standard ``Retry-After``; a gateway may still send the latter."""
        hint = parse_retry_after(headers.get("x-rate-limit-retry-after"))
        return hint if hint is not None else parse_retry_after(headers.get("retry-after"))

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """PassEntry errors are ``{"errors": ["..."]}``; JSON:API error objects are read too."""
        body = response.json()
        errors = body.get("errors") if isinstance(body, Mapping) else None
        if not isinstance(errors, list) or not errors:
            return super().parse_error(response)
        messages: list[str] = []
        code: str | None = None
        for error in errors:
            if isinstance(error, Mapping):
                text = error.get("detail") or error.get("title") or error.get("message")
                messages.append(str(text) if text else str(dict(error)))
                if code is None and error.get("code") is not None:
                    code = str(error["code"])
            else:
                messages.append(str(error))
        return ErrorInfo(message="; ".join(messages), code=code, details=body)

    # -- the vendor's rules (the fake's "passentry" profile runs them too) ------------------

    def check(
        self, request: VendorRequest | None, subject: Pass | PassUpdate
    ) -> list[FieldProblem]:
        """PassEntry's rules (:mod:`walletpass_passentry.checks`: reserved keys, radius by pass
        type, image slots and URLs, NFC keys, whole-point balances, the extId in URL paths,
        what an update may clear), each problem under its neutral field path.

        :param request: the request ``build_create``/``build_update`` made from ``subject``.
        :param subject: the ``Pass`` or ``PassUpdate`` it was built from.
        :returns: the problems found; empty when PassEntry would accept it.
        """
        # (a change told by its exact type first: isinstance of a PassUpdate against Pass is
        # an ABC check, a call from C, on every update)
        if type(subject) is PassUpdate or not isinstance(subject, Pass):
            return checks.update_problems(subject)
        return checks.pass_problems(subject)

    # -- ids --------------------------------------------------------------------------------

    def decode_id(self, pass_id: str) -> str:
        """A pass UUID or extId: opaque, but it must fit the ``/passes/{id}`` path slot."""
        return decode_pass_id(pass_id, _DECODE_ID, provider=self.name)

    def sample_pass_id(self, template: str | None) -> str:
        return "00000000-0000-4000-8000-000000000000"

    def default_attribute_fields(self) -> Mapping[str, str]:
        """``holder.name`` -> the ``holder_name_field`` setting (none when it is ``None``)."""
        field = self.settings.holder_name_field
        return {"holder.name": field} if field is not None else {}

    # -- create ------------------------------------------------------------------------------

    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The POST for ``new_pass``; a field value PassEntry has no text for is refused
        (``ValidationError``), its other rules are :meth:`check`'s."""
        body = payloads.create_body(new_pass, value_format=self.settings.field_value_format)
        safety = _RECOVERABLE if new_pass.external_id is not None else _UNSAFE
        return _request(
            "POST", _passes_path(), safety, query=payloads.create_query(new_pass), body=body
        )

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        """The pass as PassEntry made it: its kind is the template's type, as ``get`` reports
        it, never the kind asked for (the template decides; the type is in the answer)."""
        issued = self._issued(response)
        if "kind" not in new_pass.model_fields_set:
            return issued  # (no kind asked for: the template's is the pass's)
        made = issued.meta.get("pass_type")
        asked = payloads.KIND_PASS_TYPES[new_pass.kind]
        if isinstance(made, str) and made != asked.value:
            warnings.warn(
                f"{self.name}: template {issued.template!r} is a {made} template, so the pass is "
                f"a {made} pass, not the {new_pass.kind.value} asked for (a {asked.value} "
                "template's). Declare the template's kind in a template alias to have such a "
                "pass refused before it is sent",
                ConfigurationWarning,
                stacklevel=2,
            )
        return issued

    # (a pass without a balance, where no alias names one: the plan is the driver's own, sent at
    # once)
    @plain_when(
        lambda provider, new_pass, request: (
            new_pass.balance is None and not provider._aliases_name_a_balance()
        )
    )
    def plan_create(self, new_pass: Pass, request: VendorRequest | None = None) -> Plan[IssuedPass]:
        """The POST (recoverable by extId), then the loyalty balance where the pass has one: a
        pass resource carries none (API v1, Create pass)."""
        created = super().plan_create(new_pass, request)
        if new_pass.balance is None:
            # What get() reports next: the balance PassEntry gave the new pass, where its
            # template alias reads one (the create's answer carries none).
            if not self._aliases_name_a_balance():
                return created  # (none does: the plan is the POST's own)
            return self._plan_balance_after(created, "create")
        return self._plan_with_balance(created, int(new_pass.balance.amount))

    def _plan_balance_after(self, written: Plan[IssuedPass], operation: str) -> Plan[IssuedPass]:
        """The pass a write made or changed, with the balance its template alias reads (the
        write's answer carries none), so the write reports what the next get() does."""
        issued = yield from written
        try:
            return (yield from self._plan_aliased_balance(issued, operation))
        except WalletPassError as exc:
            # The write took effect: reported without its balance, the failed read named.
            meta = {**issued.meta, READ_BACK_FAILED: type(exc).__name__}
            return issued.model_copy(update={"meta": meta})

    def _plan_with_balance(self, created: Plan[IssuedPass], points: int) -> Plan[IssuedPass]:
        issued = yield from created
        try:
            response = yield Send(loyalty.write_request(issued.vendor_id, set_to=points), "create")
            balance = self.parse(loyalty.balance_of, response)
        except WalletPassError as exc:
            # The pass exists without the balance asked for. Nullify it (idempotent, frees the
            # extId) so nothing is left half-written; if even that fails, a pass may remain.
            try:
                yield Send(self.build_delete(issued.vendor_id), "create")
            except WalletPassError:
                exc.outcome_unknown = True
            raise
        return _with_balance(issued, balance)

    def _issued(self, response: VendorResponse) -> IssuedPass:
        return payloads.issued_from_resource(
            response.json(), provider=self.name, headers=response.headers
        )

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        """The live pass with this extId from this template, or ``None`` (then it was not made).

        A nullified pass, or one from another template, is not the one being created.
        """
        if new_pass.external_id is None:
            return None
        try:
            response = yield Send(self.build_get(new_pass.external_id), "create")
        except NotFound:
            return None
        found = self.parse(self.parse_get, response, "")
        if found.status is PassStatus.DELETED or found.template != new_pass.template:
            return None
        return found

    # -- get ---------------------------------------------------------------------------------

    def build_get(self, pass_id: str, source: PassSource | None = None) -> VendorRequest:
        query = {"includePassSource": source.value} if source is not None else None
        return _request("GET", _passes_path(pass_id), _SAFE, query=query)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return self._issued(response)

    # (where no alias names a balance the plan is the driver's own: sent at once)
    @plain_when(lambda provider, pass_id: not provider._aliases_name_a_balance())
    def plan_get(self, pass_id: str) -> Plan[IssuedPass]:
        """The pass, and its balance where its template alias asks for one."""
        read = super().plan_get(pass_id)
        return self._plan_aliased(read) if self._aliases_name_a_balance() else read

    def _aliases_name_a_balance(self) -> bool:
        """Whether any template alias names a balance_field; where none does, no pass's alias
        does, and no write or read is followed by a read of its balance. Asked on each call (an
        application may change the aliases after ``connect()``)."""
        templates = self.settings.templates
        return bool(templates) and any(
            alias.balance_field is not None for alias in templates.values()
        )

    def _plan_aliased(self, read: Plan[IssuedPass]) -> Plan[IssuedPass]:
        issued = yield from read
        return (yield from self._plan_aliased_balance(issued))

    def _plan_aliased_balance(self, issued: IssuedPass, operation: str = "get") -> Plan[IssuedPass]:
        """``issued`` with its loyalty balance, where its template alias names a balance_field.

        A pass resource carries no balance (API v1, Show pass); the application asked to read
        it under a logical name, so it is read: ``GET /api/v1/loyalty/{id}``, one more request.
        A pass PassEntry keeps no balance for (refused: ``ValidationError``, or no loyalty record:
        ``NotFound``, though the pass was just read) reads back without.
        """
        if issued.balance is not None or not self._aliases_name_a_balance():
            return issued  # (where no alias names one, neither does this pass's: no lookup)
        alias = self.mapping_for_vendor_template(issued.template).alias
        if alias is None or alias.balance_field is None:
            return issued
        try:
            response = yield Send(loyalty.read_request(issued.vendor_id), operation)
            points = self.parse(loyalty.balance_of, response)
        except (ValidationError, NotFound):
            return issued
        return _with_balance(issued, points)

    # -- update ------------------------------------------------------------------------------

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        """The PATCH for ``change``; a field value PassEntry has no text for is refused
        (``ValidationError``), its other rules (what an update may clear among them) are
        :meth:`check`'s."""
        body = payloads.update_body(change, value_format=self.settings.field_value_format)
        # A repeated PATCH changes nothing more, but would push its message a second time: judged
        # on the body sent, so a message given through extra counts too.
        safety = _UNSAFE if "message" in body else _IDEMPOTENT
        return _request("PATCH", _passes_path(pass_id), safety, body=body)

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return self._issued(response)

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """The PATCH; a balance is written to the pass's loyalty record (not part of the pass's
        own body), before the PATCH when there is one (a refused balance writes nothing).
        PassEntry documents no answer to a write on a nullified pass (*inferred*: a refusal), so
        a refused update reads the pass and raises ``NotFound`` for a nullified one, as every
        provider does for a deleted pass."""
        return self.plan_refused_if_deleted(
            self._plan_update_pass(pass_id, change, request), pass_id, "update"
        )

    def _plan_update_pass(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None
    ) -> Plan[IssuedPass]:
        if change.balance is None:
            # What get() reports next: the balance the pass keeps, where its template alias
            # reads one (the PATCH's answer carries none).
            written = super().plan_update(pass_id, change, request)
            if not self._aliases_name_a_balance():
                return written
            return self._plan_balance_after(written, "update")
        rest = {k: getattr(change, k) for k in change.model_fields_set if k != "balance"}
        others = PassUpdate.model_construct(_fields_set=set(rest), **rest)
        # The message goes with the pass's own update when there is one, else with the balance.
        message = None if others.changed() else change.message
        # The balance is not part of the pass's own body: the request checked is this one's.
        own = super().plan_update(pass_id, others, request) if others.changed() else None
        write = loyalty.write_request(pass_id, set_to=int(change.balance.amount), message=message)
        return self._plan_balance_update(own, write)

    def _plan_balance_update(
        self, own: Plan[IssuedPass] | None, write: VendorRequest
    ) -> Plan[IssuedPass]:
        # The loyalty write first: PassEntry refuses it for a pass whose template keeps no
        # loyalty balance (an event ticket, a generic pass: 422, which nothing here can tell
        # beforehand), and the pass's own change, checked against PassEntry's rules before
        # anything was sent, is then not sent either, so the pass is not left half-written.
        response = yield Send(write, "update")
        balance = self.parse(loyalty.balance_of, response)
        issued = (yield from own) if own is not None else self.parse(self._issued, response)
        return _with_balance(issued, balance)

    # -- redeem (emulated) and delete ---------------------------------------------------------

    def build_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> VendorRequest:
        problems: list[FieldProblem] = []
        fraction = None if amount is None else self.behaviour.fraction_refusal(amount)
        if fraction is not None:
            problems.append(FieldProblem("amount", fraction))
        unknown = sorted(set(options) - {"reader_id"})
        if unknown:
            problems.append(
                FieldProblem("options", f"only 'reader_id' is accepted, got {', '.join(unknown)}")
            )
        reader = options.get("reader_id")
        if reader is not None and (not isinstance(reader, str) or not reader):
            problems.append(FieldProblem("options.reader_id", "must be a non-empty string"))
        ValidationError.refuse(problems, provider=self.name, operation="redeem")
        if amount is not None:
            return loyalty.write_request(pass_id, delta=-int(amount))
        return self._action_request(pass_id, PassAction.DEACTIVATE)

    def _action_request(self, pass_id: str, action: PassAction) -> VendorRequest:
        return _request(
            "PATCH", _passes_path(pass_id), Safety.IDEMPOTENT, body={"passAction": action.value}
        )

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        issued = self._issued(response)
        deactivated = issued.meta.get("deactivated_at")
        return Redemption(
            pass_id=pass_id,
            provider=self.name,
            status=PassStatus.VOIDED,
            redeemed_at=parse_timestamp(deactivated),
            method="deactivate",
            raw=issued.raw,
        )

    def build_scan_log(self, issued: IssuedPass, reader_id: str) -> VendorRequest:
        """The logged (externally validated) scan that records a redeem at a reader."""
        scan = {
            "readerId": reader_id,
            "scanType": "barcode",
            "status": "successful",
            "statusDetail": "",
            "scanValue": issued.vendor_id,
            "passId": issued.vendor_id,
        }
        path = f"{limits.API_PREFIX}/scans/log"
        return _request("POST", (path, path), Safety.UNSAFE, body={"scan": scan})

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        """Emulated: the pass is read (one already deactivated, nullified or expired is
        refused), then deactivated, or points are taken off its loyalty balance; a reader id
        logs the scan."""
        request = self.build_redeem(pass_id, amount, options)
        reader = options.get("reader_id") or self.settings.reader_id
        return self._plan_redeem(pass_id, amount, request, reader)

    def _plan_redeem(
        self, pass_id: str, amount: Decimal | None, request: VendorRequest, reader: str | None
    ) -> Plan[Redemption]:
        current = yield from as_part_of(self.plan_get(pass_id), "redeem")
        pass_type = current.meta.get("pass_type")
        self.refuse_redeem(
            current, amount, vendor_type=pass_type if isinstance(pass_type, str) else None
        )
        if amount is not None:
            redemption = yield from self._plan_spend_points(pass_id, amount, request, current)
        else:
            response = yield Send(request, "redeem")
            redemption = self.parse(self.parse_redeem, response, pass_id)
        if reader is None:
            return redemption
        logged = yield Send(self.build_scan_log(current, reader), "redeem")
        scan = self.parse(VendorResponse.json, logged)
        return redemption.model_copy(update={"raw": {"pass": redemption.raw, "scan": scan}})

    def _plan_spend_points(
        self, pass_id: str, amount: Decimal, request: VendorRequest, current: IssuedPass
    ) -> Plan[Redemption]:
        """Take ``amount`` points off the loyalty balance; the pass stays as it is.

        Only a store card keeps a loyalty balance (the loyalty endpoint refuses any other pass,
        422 "Pass is not a loyalty pass" on the emulator): another pass, whose type the read
        just told, is refused here as on every provider (``BusinessRuleError``, no balance),
        before the loyalty endpoint is asked."""
        if current.meta.get("pass_type") not in (None, limits.PassType.STORE_CARD):
            raise no_balance(pass_id, provider=self.name, operation="redeem")
        balance = yield from self._plan_loyalty_balance(pass_id, "redeem")
        if amount > balance:
            raise insufficient_balance(
                pass_id, balance, amount, provider=self.name, operation="redeem"
            )
        response = yield Send(request, "redeem")
        remaining = self.parse(loyalty.balance_of, response)
        return Redemption(
            pass_id=pass_id,
            provider=self.name,
            status=current.status,
            amount=amount,
            remaining=remaining,
            method="loyalty",
            raw=self.parse(VendorResponse.json, response),
        )

    def _plan_loyalty_balance(self, pass_id: str, operation: str) -> Plan[Decimal]:
        response = yield Send(loyalty.read_request(pass_id), operation)
        return self.parse(loyalty.balance_of, response)

    @vendor_operation(
        native(
            "GET /api/v1/loyalty/{id} -> meta.loyalty.balance (whole points)",
            inferred=loyalty.INFERRED,
        )
    )
    def loyalty_balance(self, pass_id: str) -> Plan[Decimal]:
        """The pass's loyalty balance in whole points (``GET /api/v1/loyalty/{id}``).

        Raises ``ValidationError`` for a malformed id, ``NotFound`` for an unknown pass, and the
        vendor's refusal (``ValidationError``, 422 on the emulator) for a pass with no balance
        (not a store card). Inferred details: see :data:`walletpass_passentry.loyalty.INFERRED`.
        """
        checked = self.check_pass_id(pass_id)
        return (yield from self._plan_loyalty_balance(checked, "loyalty_balance"))

    def build_delete(self, pass_id: str) -> VendorRequest:
        return _request("POST", _passes_path(pass_id, "nullify"), Safety.IDEMPOTENT)

    # -- list --------------------------------------------------------------------------------

    def build_list(self, filters: ListFilters) -> VendorRequest:
        if filters.page_size is not None:
            problem = "PassEntry documents no paging parameters: pages follow links.next"
            ValidationError.refuse(
                [FieldProblem("page_size", problem)], provider=self.name, operation="list"
            )
        # No list filter is documented (extra_keys["list"] is empty), so no query is sent.
        return _request("GET", _passes_path(), Safety.SAFE)

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        answer = response.json()
        data = answer["data"]
        if not isinstance(data, list):
            raise ValueError("the list answer's data is not an array")
        items = [payloads.issued_from_list_item(item, provider=self.name) for item in data]
        items = [
            item
            for item in items
            if (filters.template is None or item.template == filters.template)
            and (filters.status is None or item.status is filters.status)
        ]
        links = answer.get("links")
        link = links.get("next") if isinstance(links, Mapping) else None
        return Page(items, self._next_request(link, response) if link else None)

    def _next_request(self, link: Any, response: VendorResponse) -> VendorRequest:
        if not isinstance(link, str):
            raise ValueError("links.next is not a URL")
        target = urlsplit(link)
        base = urlsplit(self.settings.base_url or self.default_base_url or "")
        if target.netloc and (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise InvalidResponse(
                f"links.next points at another host ({target.scheme}://{target.netloc}); "
                "walletpass does not send the API key there",
                provider=self.name,
                status=response.status,
                request_id=response.request_id,
            )
        return _request("GET", (link, _passes_path()[1]), Safety.SAFE)

    def plan_list(self, filters: ListFilters) -> ListPlan:
        """Pages through ``links.next``; the first request is built (and checked) at once.
        Each pass's balance is read as ``get()`` reads it (where its alias asks)."""
        return each(super().plan_list(filters), self._plan_aliased_balance)

    # -- PassEntry-only operations ------------------------------------------------------------

    @vendor_operation(native('PATCH {"passAction": "deactivate"} (shown as expired; reversible)'))
    def deactivate(self, pass_id: str) -> Plan[IssuedPass]:
        """Deactivate the pass: wallets show it as expired; ``reactivate()`` undoes it."""
        return (yield from self._pass_action(pass_id, PassAction.DEACTIVATE))

    @vendor_operation(native('PATCH {"passAction": "reactivate"}'))
    def reactivate(self, pass_id: str) -> Plan[IssuedPass]:
        """Undo ``deactivate()`` (Apple users may have to unhide the pass in Wallet)."""
        return (yield from self._pass_action(pass_id, PassAction.REACTIVATE))

    def _pass_action(self, pass_id: str, action: PassAction) -> Plan[IssuedPass]:
        checked = self.check_pass_id(pass_id)
        response = yield Send(self._action_request(checked, action), action.value)
        return self.present(self.parse(self._issued, response))

    @vendor_operation(
        native(
            "GET /api/v1/passes/{id}?includePassSource=apple, base64-decoded; only while the "
            "pass is not active (installed)"
        )
    )
    def download_pkpass(self, pass_id: str) -> Plan[bytes]:
        """The Apple ``.pkpass`` file, to deliver without PassEntry's download page.

        PassEntry returns it only while the pass is not active (not installed in a wallet).
        """
        source = yield from self._pass_source(pass_id, PassSource.APPLE, "download_pkpass")
        for value in source.values():
            data = _decode_pkpass(value)
            if data is not None:
                return data
        raise InvalidResponse("PassEntry's passSource holds no base64 .pkpass", provider=self.name)

    @vendor_operation(
        native(
            "GET /api/v1/passes/{id}?includePassSource=google -> googleDownloadUrl; only while "
            "the pass is not active"
        )
    )
    def google_save_url(self, pass_id: str) -> Plan[str]:
        """The Add-to-Google-Wallet URL (``googleDownloadUrl``), while the pass is not active."""
        source = yield from self._pass_source(pass_id, PassSource.GOOGLE, "google_save_url")
        url = source.get(limits.GOOGLE_PASS_SOURCE_KEY)
        if not isinstance(url, str) or not url:
            raise InvalidResponse(
                "PassEntry's passSource has no googleDownloadUrl", provider=self.name
            )
        return url

    def _pass_source(
        self, pass_id: str, source: PassSource, operation: str
    ) -> Plan[Mapping[str, Any]]:
        checked = self.check_pass_id(pass_id)
        response = yield Send(self.build_get(checked, source), operation)
        attributes = self.parse(lambda r: payloads.resource_of(r.json())["attributes"], response)
        found = payloads.pass_source(attributes)
        if found is not None:
            return found
        if attributes.get("status") == VendorStatus.ACTIVE:
            raise BusinessRuleError(
                f"pass {checked!r} is active (installed in a wallet): PassEntry returns its "
                f"{source.value} pass source only while it is not; share urls.download instead",
                provider=self.name,
                operation=operation,
                code="PASS_ACTIVE",
            )
        raise InvalidResponse(
            f"PassEntry returned no passSource for includePassSource={source.value}",
            provider=self.name,
        )

    @vendor_operation(native("PATCH with locations[]: replaces all the pass's locations"))
    def replace_locations(self, pass_id: str, locations: Sequence[Location]) -> Plan[IssuedPass]:
        """Replace all the pass's locations (an empty list removes them): ``update()`` of
        ``locations`` alone, so its arguments, answer and errors are ``update()``'s.

        :param pass_id: the pass's ``IssuedPass.id``.
        :param locations: at most 10 ``Location`` (radius in metres, PassEntry's rules apply).
        :returns: the pass after the change.
        :raises ValidationError: a malformed id or location; nothing sent.
        :raises NotFound: no such pass.
        """
        # Exactly a neutral update of that one part: checked, built once and sent as update().
        return (yield from self.plan_checked_update(pass_id, _replacing("locations", locations)))

    @vendor_operation(native("PATCH with beacons[]: replaces all the pass's beacons"))
    def replace_beacons(self, pass_id: str, beacons: Sequence[Beacon]) -> Plan[IssuedPass]:
        """Replace all the pass's beacons (an empty list removes them): ``update()`` of
        ``beacons`` alone, so its arguments, answer and errors are ``update()``'s.

        :param pass_id: the pass's ``IssuedPass.id``.
        :param beacons: at most 10 ``Beacon``.
        :returns: the pass after the change.
        :raises ValidationError: a malformed id or beacon; nothing sent.
        :raises NotFound: no such pass.
        """
        return (yield from self.plan_checked_update(pass_id, _replacing("beacons", beacons)))


def _replacing(part: str, values: Sequence[Any]) -> dict[str, Any]:
    """The change of ``part`` alone (checked as every change is); ``values`` that are not a
    list are refused by field."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError.from_problems([FieldProblem(part, "must be a list")])
    return {part: list(values)}


def _with_balance(issued: IssuedPass, points: Decimal) -> IssuedPass:
    """``issued`` with the loyalty balance PassEntry just answered (``meta.loyalty.balance``)."""
    return issued.model_copy(
        update={"balance": Balance(amount=points), "meta": {**issued.meta, "balance": points}}
    )


def _decode_pkpass(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(PKPASS_MAGIC) else None
