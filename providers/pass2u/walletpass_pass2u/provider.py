"""The Pass2U provider: declarations, pure request/response hooks and the Pass2U-only operations.

Pass2U (Pass API 2.0) issues Apple Wallet passes from *models* designed in its dashboard. Its API
creates, updates and downloads passes, resets per-pass customisations and uploads images; it has
no JSON read, no redeem, no delete and no listing. walletpass emulates ``get`` (download the
``.pkpass`` and read ``pass.json``), ``redeem`` (read, then set ``voided``) and ``delete`` (void
and expire now), and says so in the declarations below.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple, TypeVar

from pydantic import Field, field_validator

from walletpass.behaviour import ANSWERS, VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, emulated, native, none
from walletpass.errors import (
    AuthenticationError,
    FieldProblem,
    InvalidResponse,
    UnsupportedOperation,
    ValidationError,
)
from walletpass.model import (
    ImageRef,
    ImageRole,
    IssuedPass,
    Pass,
    PassKind,
    PassStatus,
    PassUpdate,
    Redemption,
)
from walletpass.pass_ids import decode_pass_id
from walletpass.paths import FilledPath, fill_path
from walletpass.plans import Plan, Send, as_part_of, reading_back
from walletpass.provider import ErrorInfo, ErrorRule, Provider, vendor_operation
from walletpass.retry import Safety
from walletpass.settings import ProviderSettings, none_word
from walletpass.timestamps import parse_timestamp
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_pass2u import checks, limits, payloads
from walletpass_pass2u.limits import PassStyle
from walletpass_pass2u.meta import dashboard_templates, profile_meta
from walletpass_pass2u.pkpass import PKPASS_MAGIC, read_pass_json
from walletpass_pass2u.png import check_upload

__all__ = ["Pass2UProvider", "Pass2USettings"]

_STYLE_NOTE = (
    "the pass style is the model's (chosen in the Pass2U dashboard): a kind the template alias's "
    "kind contradicts is refused before sending; create reports the alias's kind (its answer "
    "does not say the style), get the style's (a store card or generic pass: the alias's)"
)


class Pass2USettings(ProviderSettings):
    """Pass2U settings: the common ones plus the issuing channel tag and the holder-name field."""

    utm_source: str | None = Field(
        default=None,
        min_length=1,
        description="channel tag sent as ?utm_source= on every create (Pass.extra can override)",
    )
    holder_name_field: str | None = Field(
        default=payloads.DEFAULT_HOLDER_FIELD,
        min_length=1,
        max_length=limits.FIELD_LIMITS["key"],
        description=(
            "the models' dynamic field that keeps holder.name where a template alias's "
            'attributes name none ("none": no default, the holder needs an alias)'
        ),
    )

    _none_word = field_validator("holder_name_field", mode="before")(none_word)

    @field_validator("holder_name_field")
    @classmethod
    def _no_slash(cls, value: str | None) -> str | None:
        if value is not None and ("/" in value or value.strip() != value):
            raise ValueError("must be a dynamic field key without '/' or surrounding spaces")
        return value


def _kind_declarations() -> dict[str, Any]:
    return {
        f"kind.{kind.value}": native(
            f"a model of style {payloads.KIND_STYLES[kind].value}; {_STYLE_NOTE}"
        )
        for kind in PassKind
    }


_BARCODE_NOTE = (
    "barcode.message only: the symbology is set on the model (Model Designer), not per pass. "
    "State it as barcode_format in the template alias: a pass asking for another symbology is "
    "refused before sending, one leaving it out takes the alias's; a pass naming a symbology "
    "for a model no alias describes is refused (nothing could check it)"
)

CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native("POST /models/{modelId}/passes; template = the model id"),
        Capability.GET: emulated(
            "downloads the .pkpass (GET /models/{modelId}/passes/{passId}, Accept: "
            "application/vnd.apple.pkpass) and reads its pass.json; Pass2U has no JSON read"
        ),
        Capability.UPDATE: native(
            "PUT /models/{modelId}/passes/{passId} (partial), then the pass is read back as get "
            "does (its answer has neither voided nor the fields not set): two requests"
        ),
        Capability.REDEEM: emulated(
            "reads the pass (as get), refuses a voided one with AlreadyRedeemed and an expired "
            'one with PassExpired, then PUT {"voided": true}; Pass2U has no redeem'
        ),
        # Pass API 2.0 has no delete (pass2u.md section 7, "Delete = not possible via API");
        # voiding and expiring would leave a pass the vendor still changes and reads, which is
        # not what delete() means on the vendors that delete.
        Capability.DELETE: none(
            "Pass2U cannot delete passes (Pass API 2.0 has no delete): expire the pass with "
            "update(id, PassUpdate(expires_at=<now>)), or use up a single-use pass with "
            "redeem(id) (it is voided)"
        ),
        Capability.LIST: none(
            "Pass2U has no listing: keep the ids create() returns in your own store"
        ),
        # guide 2.1's issue/installation callbacks are absent from the current guide (2.2.3):
        # their path, payload and signature are unknown, so nothing can be verified or read
        Capability.EVENTS_RECEIVE: none(
            "Pass2U's guide documents no webhook deliveries (no payload, no signature): read a "
            "pass's state with get(id) instead"
        ),
        Capability.EVENTS_SUBSCRIBE: none(
            "Pass2U's guide documents no webhook subscription: read a pass's state with get(id) "
            "instead"
        ),
        Capability.CREATE_MANY: emulated(
            "one create per pass, run concurrently and kept under Pass2U's 100 requests/second "
            "per key by the client-side rate limiter (Pass2U has no batch endpoint)"
        ),
        # kinds
        **_kind_declarations(),
        # fields
        Capability.EXTERNAL_ID: emulated(
            "Pass2U has no external id: kept in the dynamic field named by the template alias's "
            "attributes (no default; refused where no alias names one), read back from it"
        ),
        Capability.HOLDER_NAME: emulated(
            "Pass2U has no holder name: kept in the dynamic field named by the template alias's "
            "attributes (default: the holder_name_field setting, 'name'), read back from it"
        ),
        Capability.HOLDER_EMAIL: none("Pass2U passes have no holder contact data: use a field"),
        Capability.HOLDER_PHONE: none("Pass2U passes have no holder contact data: use a field"),
        Capability.HOLDER_LANGUAGE: none("Pass2U has no per-pass language: design it in the model"),
        Capability.FIELDS: native("fields[] of the model's dynamic fields (key / value)"),
        Capability.FIELD_LABELS: native(
            "fields[].label (max 150 characters); written only: a read returns the field's "
            "value alone, as on every provider"
        ),
        Capability.BARCODE_QR: emulated(_BARCODE_NOTE),
        Capability.BARCODE_PDF417: emulated(_BARCODE_NOTE),
        Capability.BARCODE_AZTEC: emulated(_BARCODE_NOTE),
        Capability.BARCODE_CODE128: emulated(_BARCODE_NOTE),
        Capability.BARCODE_ALT_TEXT: native("barcode.altText (max 35 characters)"),
        Capability.LOCATIONS: native("locations[]", limit=limits.MAX_LOCATIONS),
        Capability.LOCATION_ALTITUDE: native("locations[].altitude"),
        Capability.LOCATION_RELEVANT_TEXT: native("locations[].relevantText (max 255)"),
        Capability.LOCATION_RADIUS: none(
            "no per-location radius: set the pass-level maxDistance (metres) through extra"
        ),
        Capability.LOCATION_NAME: none("no location name: use relevant_text"),
        Capability.LOCATION_ADDRESS: none("no location address: use relevant_text"),
        Capability.LOCATION_URL: none("no location URL"),
        Capability.BEACONS: native("beacons[]", limit=limits.MAX_BEACONS),
        Capability.BEACON_RELEVANT_TEXT: native("beacons[].relevantText (max 255)"),
        Capability.BEACON_NAME: none("no beacon name: use relevant_text"),
        Capability.RELEVANT_AT: native("relevantDate, ISO 8601 with seconds and offset"),
        Capability.EXPIRES_AT: native(
            "expirationDate, ISO 8601 with seconds and offset; Pass2U voids the pass after it"
        ),
        Capability.COLOR_BACKGROUND: native("backgroundColor as CSS rgb(r, g, b)"),
        Capability.COLOR_FOREGROUND: native("foregroundColor as CSS rgb(r, g, b)"),
        Capability.COLOR_LABEL: native("labelColor as CSS rgb(r, g, b)"),
        Capability.LOGO_TEXT: native("logoText (max 35 characters)"),
        Capability.DESCRIPTION: native("description (max 255 characters)"),
        Capability.ORGANIZATION_NAME: native("organizationName (max 100 characters)"),
        Capability.IMAGES: native(
            "images[] by the hex upload_image() returns; the array replaces all of the model's "
            "images; the types allowed depend on the pass style"
        ),
        Capability.GROUP: native(
            "groupingIdentifier (max 50), event tickets and boarding passes only"
        ),
        Capability.NFC: none("Pass API 2.0 has no NFC attributes"),
        Capability.BALANCE: none(
            "no balance attribute (Points/Credits fields are not API-writable): use a dynamic field"
        ),
        Capability.TIER: none("no tier attribute: use a dynamic field such as 'level'"),
        Capability.EVENT_TITLE: none("no event attributes: use dynamic fields"),
        Capability.EVENT_STARTS_AT: none("no event attributes: use relevant_at and fields"),
        Capability.EVENT_DURATION: none("no event attributes: use dynamic fields"),
        Capability.EVENT_URL: none("no event attributes: use dynamic fields"),
        Capability.EXTRA: native(
            "deep-merged into the body: passcode, maxDistance, voided, sharingProhibited, "
            "associatedStoreIdentifiers, appLaunchURL, associatedPlayIdentifiers, "
            "androidAppLaunchURL; utm_source goes to the create query"
        ),
        # updates
        Capability.UPDATE_MESSAGE: emulated(
            "becomes the changeMessage of the one field the update changes (': %@' is "
            "appended when the message has no %@); needs exactly one changed field or holder "
            "detail"
        ),
        Capability.UPDATE_NOTIFY: none(
            "Pass2U pushes every update to the device; the lock-screen alert appears only for "
            "fields with a change message: set message"
        ),
        Capability.UPDATE_CLEAR: emulated(
            "an attribute set to None is reset to the model's default with DELETE "
            ".../attributes/{name}, one request each; one dynamic field is not cleared by None "
            "(refused on every provider): reset_field() resets it"
        ),
    }
)

#: Neutral names of top-level attributes, accepted by reset_attribute() besides Pass2U's own.
_NEUTRAL_ATTRIBUTES = {
    "expires_at": "expirationDate",
    "relevant_at": "relevantDate",
    "logo_text": "logoText",
    "organization_name": "organizationName",
    "group": "groupingIdentifier",
}


class Pass2UProvider(Provider[Pass2USettings]):
    """Pass2U Pass API 2.0 (https://www.pass2u.net): Apple Wallet passes from dashboard models."""

    name: ClassVar[str] = "pass2u"
    #: Redeeming voids the pass (Pass2U has no redeem: PUT {"voided": true}); an update reads
    #: the pass back, its answer being partial (plan_update).
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        redeemed_status=PassStatus.VOIDED,
        update_reads_back=True,
        # Only the .pkpass a read downloads says the model's style; the JSON answers do not.
        kinds=payloads.KIND_STYLES,
        kind_answered_by=frozenset({"get"}),
        barcode_format_in_writes=False,
        redeem_method=lambda kind, spent: "void",
        # Every answer has the pass's download link (passUrl).
        url_forms={answer: {"download": "/d/{vendor_id}"} for answer in ANSWERS},
        # The create answer has createdAt and updatedAt, the update answer updatedAt; the read
        # (pass details) has neither; no answer numbers the pass's versions.
        bookkeeping={
            "create": frozenset({"created_at", "updated_at"}),
            "update": frozenset({"updated_at"}),
        },
        # pass.json's style and voided flag, on every answer but the create's.
        meta_of=profile_meta,
        # What only the dashboard knows, for a profile given it (the fake's dashboard).
        dashboard_templates=dashboard_templates,
    )
    meta_keys: ClassVar[Mapping[str, str]] = payloads.META_KEYS
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    default_base_url: ClassVar[str | None] = limits.DEFAULT_BASE_URL
    default_rate_limit: ClassVar[float | None] = float(limits.RATE_LIMIT_PER_SECOND)
    summary: ClassVar[str] = "Pass2U Pass API 2.0: Apple Wallet passes from dashboard models"
    #: The update message becomes each changed field's Apple changeMessage, whose %@ the wallet
    #: fills in (Pass2U Pass API 2.0, "Update a pass": changeMessage).
    free_text_messages: ClassVar[bool] = False
    #: Pass API 2.0 has neither an external id nor a holder: a pass's data is the model's dynamic
    #: fields ("Pass attributes": fields[]), so the core keeps both in a field.
    field_held_attributes: ClassVar[frozenset[str]] = frozenset({"external_id", "holder.name"})
    template_fixed: ClassVar[frozenset[str]] = frozenset({"barcode.format"})
    #: The guide's pass attributes (section 3), plus the create query's utm_source.
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "create": limits.BODY_KEYS | {"utm_source"},
        "update": limits.BODY_KEYS,
    }
    #: Where Pass2U's statuses differ from their HTTP meaning; every other status (400, 404,
    #: 409, 415, 429, 503, 504...) is mapped by the core's DEFAULT_ERROR_TABLE.
    error_table: ClassVar[Sequence[ErrorRule]] = (
        # "403 Access Denied Exception"; no 401 is listed, so a bad key gets 403 (inferred).
        ErrorRule(AuthenticationError, status=403),
        ErrorRule(UnsupportedOperation, status=405),
    )

    def __init__(self, settings: Any = None, /, **values: Any) -> None:
        super().__init__(settings, **values)
        # The model style of each pass a read before an update found, and of each sample id
        # the fake's profile vets an update with (sample_pass_id_of_kind): what the update's
        # per-style rules are judged by (style_known). Bounded as the module's memories are.
        self._styles: dict[str, PassStyle] = {}

    def default_attribute_fields(self) -> Mapping[str, str]:
        """``holder.name`` -> the ``holder_name_field`` setting (none when it is ``None``)."""
        field = self.settings.holder_name_field
        return {"holder.name": field} if field is not None else {}

    def now(self) -> datetime:
        """The current time (a method so tests can pin it)."""
        return datetime.now(UTC)

    # -- credentials and errors ---------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {limits.API_KEY_HEADER: self.require_api_key()}

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """Pass2U errors are ``{"message": "..."}``; gateways may answer with anything else."""
        body = response.json()
        if isinstance(body, Mapping) and isinstance(body.get("message"), str):
            return ErrorInfo(message=body["message"], details=dict(body))
        return ErrorInfo(details=body)

    # -- the vendor's rules over a built request (the fake's "pass2u" profile runs them too) --

    def check(
        self,
        request: VendorRequest | None,
        subject: Pass | PassUpdate,
        *,
        pass_id: str | None = None,
    ) -> list[FieldProblem]:
        """Pass2U's rules (:mod:`walletpass_pass2u.checks`) over the body
        ``build_create``/``build_update`` made from ``subject`` (guide, section 3 "Pass
        attributes" lengths and per-style rules; "Update a pass" for change messages and
        resets), each problem under its neutral field path. An update's per-style rules
        (``groupingIdentifier`` "Event tickets & boarding passes only", the image types) are
        those of the style of the updated pass's model (:meth:`style_known`).

        :param request: the request built from ``subject``.
        :param subject: the ``Pass`` or ``PassUpdate`` it was built from.
        :param pass_id: the updated pass's id (``None`` on create).
        :returns: the problems found; empty when Pass2U would accept it.
        """
        body = request.json if request is not None and isinstance(request.json, dict) else {}
        if isinstance(subject, Pass):
            return checks.pass_problems(body, subject)
        style = self.style_known(pass_id) if pass_id is not None and body else None
        return checks.update_problems(body, subject, style)

    def style_known(self, pass_id: str) -> PassStyle | None:
        """The style of the model of pass ``pass_id`` where no request is needed to tell it:
        as a read before an update of it found, else the style of the kind its template
        alias states; ``None``: only a read of the pass (its ``pass.json``) tells it."""
        style = self._styles.get(pass_id)
        if style is None:
            alias = self.mapping_for_vendor_template(self.template_of(pass_id)).alias
            if alias is not None and alias.kind is not None:
                style = payloads.KIND_STYLES[alias.kind]
        return style

    def sample_pass_id_of_kind(self, template: str | None, kind: PassKind | None) -> str:
        """An id for the fake's profile to vet an update of a pass of ``kind`` with: its
        model's style is that kind's (:meth:`style_known` tells it for this id), so the
        update's per-style rules run for the profile as for this provider after its read."""
        sample = self.sample_pass_id(template)
        if kind is None:
            return sample
        sample = f"{sample}-{kind.value}"
        _remember(self._styles, sample, payloads.KIND_STYLES[kind])
        return sample

    def update_builds_after_read(self, pass_id: str, change: PassUpdate) -> bool:
        """Whether the PUT waits for a read of the pass: it sets a group or images, whose
        rules are the model's style's, and the style is not known (:meth:`style_known`). The
        body is then built and checked once the read told the style, before it is sent
        (:meth:`plan_update`)."""
        return (change.group is not None or bool(change.images)) and self.style_known(
            pass_id
        ) is None

    def sample_pass_id(self, template: str | None) -> str:
        model = template if template and payloads.model_id_problem(template) is None else "1"
        return payloads.encode_id(model, "sample")

    def decode_id(self, pass_id: str) -> tuple[str, str]:
        return decode_pass_id(pass_id, payloads.decode_id, provider=self.name)

    def template_of(self, pass_id: str) -> str | None:
        return self.decode_id(pass_id)[0]

    # -- paths ---------------------------------------------------------------------------------

    def _pass_path(self, pass_id: str, *segments: tuple[str, str | None]) -> FilledPath:
        """The pass's URL path and its loggable template; ``segments`` are (value, placeholder):
        a literal segment has no placeholder, an id has one (``"{fieldKey}"``)."""
        if not segments:  # (the pass itself: every read and write)
            return _address(self, pass_id).filled
        model_id, vendor_id = self.decode_id(pass_id)
        template = _PASS_PATH
        ids = {"modelId": model_id, "passId": vendor_id}
        for value, placeholder in segments:
            template += f"/{placeholder or value}"
            if placeholder is not None:
                ids[placeholder.strip("{}")] = value
        return fill_path(template, **ids)

    # -- create --------------------------------------------------------------------------------

    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The POST for ``new_pass`` to its model's path: a template that cannot be a model id
        (nothing to address) or a field value Pass2U has no form for is refused
        (``ValidationError``); Pass2U's other rules are :meth:`check`'s."""
        path = _model_passes(new_pass.template)
        body, tag = payloads.create_body(new_pass)
        tag = tag or self.settings.utm_source
        return VendorRequest(
            "POST",
            path,
            _UNSAFE,
            query={"utm_source": tag} if tag else None,
            json=body,
            headers={"Accept": limits.ACCEPT_JSON},
            path_template=_MODEL_PASSES,
        )

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        answer = response.json()
        return payloads.issued_from_answer(
            answer,
            provider=self.name,
            model_id=new_pass.template,
            now=self.now,
            sent=response.sent().json,
            # The model's style decides the kind, and the answer does not say it: reported as
            # the template alias's kind (the core fills it in) or not at all, never as the kind
            # asked for; get() reads the style from the pass.
            kind=None,
            barcode_format=payloads.stated_format(new_pass.barcode),
        )

    # -- get -------------------------------------------------------------------------------------

    def build_get(self, pass_id: str) -> VendorRequest:
        """The ``.pkpass`` download of the pass (one request per pass, remembered: see
        :func:`_address`)."""
        return _address(self, pass_id).read

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        address = _address(self, pass_id)
        return payloads.issued_from_pass_json(
            read_pass_json(response.body),
            provider=self.name,
            model_id=address.model_id,
            pass_id=address.vendor_id,
            now=self.now,
        )

    # -- update ----------------------------------------------------------------------------------

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        """The partial PUT for ``change``; a field value Pass2U has no form for is refused
        (``ValidationError``), Pass2U's other rules are :meth:`check`'s."""
        return self._put(pass_id, payloads.update_body(change))

    def _put(self, pass_id: str, body: dict[str, Any]) -> VendorRequest:
        path, template = self._pass_path(pass_id)
        return VendorRequest(
            "PUT",
            path,
            _IDEMPOTENT,
            json=body,
            headers={"Accept": limits.ACCEPT_JSON},
            path_template=template,
        )

    def build_resets(self, pass_id: str, change: PassUpdate) -> list[VendorRequest]:
        """The DELETE requests that reset what ``change`` clears (``None`` values)."""
        cleared = change.cleared()
        if not cleared:  # (most updates: no request, no refusal to make)
            return []
        paths, problems = payloads.reset_paths(cleared)
        if problems:
            ValidationError.refuse(problems, provider=self.name, operation="update")
        requests = []
        for reset in paths:
            collection, name = reset.split("/", 1)
            requests.append(
                self._reset_request(pass_id, (collection, None), (name, _PLACEHOLDERS[collection]))
            )
        return requests

    def _reset_request(self, pass_id: str, *segments: tuple[str, str | None]) -> VendorRequest:
        path, template = self._pass_path(pass_id, *segments)
        return VendorRequest(
            "DELETE",
            path,
            _IDEMPOTENT,
            headers={"Accept": limits.ACCEPT_JSON},
            path_template=template,
        )

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return payloads.issued_from_answer(
            response.json(),
            provider=self.name,
            model_id=_address(self, pass_id).model_id,
            now=self.now,
            sent=response.sent().json,
            barcode_format=payloads.stated_format(change.barcode),
        )

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """The PUT (when the change sets something), the DELETEs that reset what it clears,
        then a read: the PUT's answer carries neither voided nor the fields this update did not
        set (Pass API 2.0, "Update a pass"), so the answer is the pass as read right after."""
        return self._plan_update(pass_id, change, request, self.build_resets(pass_id, change))

    def _plan_update(
        self,
        pass_id: str,
        change: PassUpdate,
        put: VendorRequest | None,
        resets: list[VendorRequest],
    ) -> Plan[IssuedPass]:
        if put is None:
            if (change.group is not None or change.images) and self.style_known(pass_id) is None:
                # (update_builds_after_read) Only the pass.json a read downloads says the
                # model's style, which rules the group and the image types this body sets.
                current = yield from as_part_of(self.plan_get(pass_id), "update")
                style = _STYLES.get(_style_of(current) or "")
                if style is not None:
                    _remember(self._styles, pass_id, style)
            put = self.checked_update_request(pass_id, change)
        issued: IssuedPass | None = None
        if put.json:
            response = yield Send(put, "update")
            issued = self.parse(self.parse_update, response, pass_id, change)
        for reset in resets:
            yield Send(reset, "update")
        if issued is None:
            model_id, vendor_id = _address(self, pass_id)[:2]
            issued = IssuedPass(
                id=pass_id,
                vendor_id=vendor_id,
                provider=self.name,
                template=model_id,
                urls=payloads.public_urls(vendor_id),
                updated_at=self.now(),
            )
        return (
            yield from reading_back(
                issued, lambda: self.plan_get(pass_id), unread=self.behaviour.unread_on_get
            )
        )

    # -- redeem (emulated) -------------------------------------------------------------------

    def build_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> VendorRequest:
        # An amount never reaches here: Pass2U has no balance (BALANCE is NONE), so the core
        # refuses redeem(amount=...) with UnsupportedFeature before anything is sent.
        if options:
            raise ValidationError.from_problems(
                [FieldProblem("options", f"Pass2U redeem takes no options, got {sorted(options)}")],
                provider=self.name,
                operation="redeem",
            )
        return self._put(pass_id, {"voided": True})

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        answer = response.json()
        return Redemption(
            pass_id=pass_id,
            provider=self.name,
            status=PassStatus.VOIDED,
            redeemed_at=parse_timestamp(answer.get("updatedTime")) or self.now(),
            method="void",
            raw=answer,
        )

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        """Emulated: the pass is read (one already voided or expired is refused), then voided."""
        return self.plan_redeem_after_read(
            pass_id, self.build_redeem(pass_id, amount, options), type_of=_style_of
        )

    # -- Pass2U-only operations -------------------------------------------------------------------

    @vendor_operation(
        native(
            "POST /images: PNG only, max 4 MB and 1024 x 1024 px",
            inferred=(
                "the PNG is sent as the raw request body (Content-Type: image/png); the guide "
                "does not say whether it wants a raw body or a multipart form part",
            ),
        )
    )
    def upload_image(
        self,
        png: bytes,
        *,
        role: ImageRole | str | None = None,
        kind: PassKind | str | None = None,
    ) -> Plan[ImageRef]:
        """Upload a PNG (max 4 MB, 1024 x 1024 px) and get the reference to use in ``images``.

        Every rule is checked locally from the PNG header before anything is sent. With ``role``
        and ``kind``, the image type must also be one that kind's pass style shows.
        """
        _, problems = check_upload(png)
        problems += self._role_problems(role, kind)
        ValidationError.refuse(problems, provider=self.name)
        request = self.build_upload_image(bytes(png))
        response = yield Send(request, "upload_image")
        return self.parse(self.parse_upload_image, response)

    @staticmethod
    def _role_problems(role: Any, kind: Any) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        if role is None:
            if kind is not None:
                problems.append(FieldProblem("kind", "is only checked together with a role"))
            return problems
        if str(role) not in limits.IMAGE_TYPES:
            return [FieldProblem("role", f"must be one of {', '.join(limits.IMAGE_TYPES)}")]
        if kind is None:
            return problems
        try:
            style = payloads.KIND_STYLES[PassKind(kind)]
        except ValueError:
            return [FieldProblem("kind", f"must be one of {', '.join(k.value for k in PassKind)}")]
        vendor = limits.check_style({"images": [{"type": str(role)}]}, style)
        return [FieldProblem("role", p.message) for p in vendor]

    def build_upload_image(self, png: bytes) -> VendorRequest:
        return VendorRequest(
            "POST",
            "images",
            _IDEMPOTENT,  # the answer is a hash of the content: a repeat adds nothing new
            data=png,
            headers={"Content-Type": "image/png", "Accept": limits.ACCEPT_JSON},
        )

    def parse_upload_image(self, response: VendorResponse) -> ImageRef:
        hex_id = response.json()["hex"]
        if (
            not isinstance(hex_id, str)
            or not 0 < len(hex_id) <= limits.IMAGE_HEX_MAX
            or any(c not in "0123456789abcdefABCDEF" for c in hex_id)
        ):
            raise ValueError(f"hex {hex_id!r} is not an image hash")
        return ImageRef(id=hex_id)

    @vendor_operation(native("GET /models/{modelId}/passes/{passId} as a .pkpass"))
    def download_pkpass(self, pass_id: str) -> Plan[bytes]:
        """The pass's ``.pkpass`` file (to serve from your own site or app)."""
        checked = self.check_pass_id(pass_id)
        # (the pass's own download, not the build_get hook a subclass may change for its gets)
        response: VendorResponse = yield Send(_address(self, checked).read, "download_pkpass")
        if not response.body.startswith(PKPASS_MAGIC):
            raise InvalidResponse(
                "Pass2U answered the .pkpass download with something that is not a zip file",
                provider=self.name,
                status=response.status,
                request_id=response.request_id,
            )
        return response.body

    @vendor_operation(native("DELETE .../passes/{passId}/attributes/{attributeName}"))
    def reset_attribute(self, pass_id: str, attribute: str) -> Plan[None]:
        """Reset one pass attribute (``logoText``, ``images``, ...) to the model's default.

        Pass2U's attribute names are taken as they are; the neutral names of the top-level
        attributes (``logo_text``, ``expires_at``, ...) are accepted too.
        """
        checked = self.check_pass_id(pass_id)
        name = _NEUTRAL_ATTRIBUTES.get(attribute, attribute) if isinstance(attribute, str) else ""
        if name not in limits.RESETTABLE_ATTRIBUTES:
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        "attribute",
                        "must be a Pass2U pass attribute: "
                        + ", ".join(sorted(limits.RESETTABLE_ATTRIBUTES)),
                    )
                ],
                provider=self.name,
            )
        request = self._reset_request(
            checked, ("attributes", None), (name, _PLACEHOLDERS["attributes"])
        )
        yield Send(request, "reset_attribute")

    @vendor_operation(native("DELETE .../passes/{passId}/fields/{fieldKey}"))
    def reset_field(self, pass_id: str, key: str) -> Plan[None]:
        """Reset one dynamic field (value, label, change message) to the model's default."""
        checked = self.check_pass_id(pass_id)
        self._check_field_key(key)
        request = self._reset_request(checked, ("fields", None), (key, _PLACEHOLDERS["fields"]))
        yield Send(request, "reset_field")

    @vendor_operation(
        native("DELETE .../passes/{passId}/fields/{fieldKey}/attributes/{attributeName}")
    )
    def reset_field_attribute(self, pass_id: str, key: str, attribute: str) -> Plan[None]:
        """Reset one attribute (``label``, ``value`` or ``changeMessage``) of a dynamic field."""
        checked = self.check_pass_id(pass_id)
        self._check_field_key(key)
        if attribute not in limits.FIELD_ATTRIBUTES:
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        "attribute",
                        f"must be one of {', '.join(sorted(limits.FIELD_ATTRIBUTES))}",
                    )
                ],
                provider=self.name,
            )
        request = self._reset_request(
            checked,
            ("fields", None),
            (key, _PLACEHOLDERS["fields"]),
            ("attributes", None),
            (attribute, _PLACEHOLDERS["attributes"]),
        )
        yield Send(request, "reset_field_attribute")

    def _check_field_key(self, key: Any) -> None:
        limit = limits.FIELD_LIMITS["key"]
        if (
            not isinstance(key, str)
            or not 0 < len(key) <= limit
            or "/" in key
            or key.strip() != key
        ):
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        "key",
                        f"must be a dynamic field key of 1 to {limit} characters, without '/' "
                        "or surrounding spaces",
                    )
                ],
                provider=self.name,
            )


_PASS_PATH = "models/{modelId}/passes/{passId}"
_MODEL_PASSES = "models/{modelId}/passes"


class _Address(NamedTuple):
    """What a pass id addresses: its model and Pass2U pass ids, the path of the pass and the
    request that downloads its ``.pkpass`` (every read, and every update's read-back)."""

    model_id: str
    vendor_id: str
    filled: FilledPath
    read: VendorRequest


def _address(provider: Pass2UProvider, pass_id: str) -> _Address:
    """What ``pass_id`` addresses (decoded by ``provider``), remembered: an update addresses its
    pass twice (the PUT, then the read-back's download) and reads its ids twice more (both
    answers' passes), a redeem likewise; each fill decoded the id and quoted both parts again,
    and each read made the same download request anew. The request is shared by every read of
    the pass: a ``VendorRequest`` is frozen, and nothing that sends one changes its headers."""
    key = (type(provider), pass_id)
    address = _addresses.get(key)
    if address is None:
        model_id, vendor_id = provider.decode_id(pass_id)
        filled = fill_path(_PASS_PATH, modelId=model_id, passId=vendor_id)
        read = VendorRequest(
            "GET",
            filled.path,
            _SAFE,
            headers={"Accept": limits.ACCEPT_PKPASS},
            expect="bytes",
            path_template=filled.template,
        )
        address = _remember(_addresses, key, _Address(model_id, vendor_id, filled, read))
    return address


def _model_passes(model_id: str) -> str:
    """The path creates of model ``model_id`` are posted to, remembered (every create of a run
    posts to its template's few models); ``ValidationError`` (``template``) where ``model_id``
    cannot be a Pass2U model id, which nothing could address."""
    filled = _create_paths.get(model_id)
    if filled is None:
        problem = payloads.model_id_problem(model_id)
        if problem:
            raise ValidationError.from_problems([FieldProblem("template", problem)])
        filled = _remember(_create_paths, model_id, fill_path(_MODEL_PASSES, modelId=model_id).path)
    return filled


_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(memory: dict[_K, _V], key: _K, value: _V) -> _V:
    with _remembering:  # (the size's test and the insert as one: the bound holds under threads)
        if len(memory) >= _REMEMBERED:
            memory.clear()  # (bounded; an id comes back soon after it was used)
        memory[key] = value
    return value


#: Passes addressed lately, by provider class and opaque id: what decoding and filling made of
#: it, a pure function of the two (a class decodes every id alike, whatever its settings); and
#: the create paths of models by model id. Only what decoded and filled is kept (no secret: the
#: credentials are the transport's); a dict's get and set are atomic and what is kept is
#: immutable, so threads share it safely.
_addresses: dict[tuple[type, str], _Address] = {}
_create_paths: dict[str, str] = {}
_REMEMBERED = 1024
_remembering = threading.Lock()
#: The requests' safeties, read from the enum once (a member read from its class is a
#: Python-level look-up in CPython 3.11, on every request built).
_UNSAFE, _SAFE, _IDEMPOTENT = Safety.UNSAFE, Safety.SAFE, Safety.IDEMPOTENT
_PLACEHOLDERS = {"attributes": "{attributeName}", "fields": "{fieldKey}"}


#: The model styles by their pass.json names.
_STYLES: dict[str, PassStyle] = {style.value: style for style in PassStyle}


def _style_of(current: IssuedPass) -> str | None:
    """The model's Apple style, as the read of the pass found it."""
    style = current.meta.get("style")
    return style if isinstance(style, str) else None
