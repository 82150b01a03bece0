"""The LivePass provider: declarations, pure request/response hooks and the update merge.

LivePass (getlivepass.com) keys every pass by *your* id and offers one upsert (``POST
/{type}/{id}``) and one read (``GET /{type}/{id}``) per pass type. So a create is IDEMPOTENT and
retried safely; an update reads the pass, merges the change and writes the full field set back,
because LivePass does not say whether a POST replaces or merges; redeem, delete and list do not
exist and are declared NONE with the alternative, so they fail before any request.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from walletpass.behaviour import ANSWERS, VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, emulated, native, none
from walletpass.errors import (
    FieldProblem,
    NotFound,
    ValidationError,
)
from walletpass.model import IssuedPass, Pass, PassKind, PassUpdate
from walletpass.pass_ids import decode_pass_id
from walletpass.paths import FilledPath, fill_path
from walletpass.plans import Plan, Send
from walletpass.provider import ErrorInfo, ErrorRule, Provider
from walletpass.retry import Safety
from walletpass.settings import ProviderSettings, TemplateAlias
from walletpass.transport import NO_BODY, VendorRequest, VendorResponse
from walletpass_livepass import checks, limits, payloads
from walletpass_livepass.limits import PassType
from walletpass_livepass.meta import profile_meta


def made_up_id() -> str:
    """The id this provider gives a pass created without ``external_id``: LivePass keys every
    pass by the caller's own id (``POST /{type}/{id}``), so one is made up (random, path-safe)."""
    return f"wp-{secrets.token_hex(10)}"


__all__ = ["CAPABILITIES", "LivePassProvider", "LivePassSettings"]


class LivePassSettings(ProviderSettings):
    """LivePass settings: the common ones plus who gets told about creates and updates."""

    notify_on_create: bool = Field(
        default=False,
        description="create with silent=false, so LivePass emails the pass to a valid holder "
        "email (such a create is never sent twice: after an ambiguous failure it is read back "
        "by external_id, or reported with outcome_unknown)",
    )
    notify_on_update: bool = Field(
        default=False,
        description="updates that do not set PassUpdate.notify push changes to the holder",
    )


_DESIGN = "the pass design is set in LivePass, not per pass"
_BOOKINGS = "reservation and appointment passes"

CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native(
            "POST /{type}/{id}: an upsert keyed by your id (external_id, or one walletpass "
            "generates): a silent one is IDEMPOTENT and retried after an ambiguous failure; one "
            "that e-mails the holder (notify_on_create) is read back by external_id instead, "
            "never sent twice"
        ),
        Capability.GET: native(
            "GET /{type}/{id}: the fields (balance_amount also as IssuedPass.balance), version, "
            "timestamps and the links.web / links.apple pass links"
        ),
        Capability.UPDATE: emulated(
            "GET /{type}/{id}, merge the change into the current fields, then POST the full "
            "field set (LivePass documents no partial update)"
        ),
        Capability.REDEEM: none(
            "LivePass has no redeem, check-in or balance spend: keep redemption state in your "
            "own system and, to show it on the pass, update() a visible field such as the title; "
            "spend a membership card's balance by updating it to what is left, "
            "update(id, PassUpdate(balance=...))"
        ),
        Capability.DELETE: none(
            "LivePass cannot delete, void or expire a pass: stop honouring it in your own system "
            "and update() it to say so (its url field can point at your cancel page)"
        ),
        Capability.LIST: none(
            "LivePass has no listing: the ids are yours, so keep IssuedPass.id in your own store"
        ),
        Capability.EVENTS_RECEIVE: none(
            "LivePass documents no webhooks: read a pass's state with get(id) instead"
        ),
        Capability.EVENTS_SUBSCRIBE: none(
            "LivePass documents no webhooks: read a pass's state with get(id) instead"
        ),
        Capability.CREATE_MANY: emulated(
            "one upsert per pass, run concurrently (LivePass has no batch endpoint); a retried "
            "upsert makes no duplicate"
        ),
        # kinds
        Capability.KIND_GENERIC: emulated(
            "the template names the LivePass type: reservation, membership-card or appointment "
            "(directly or through a template alias)"
        ),
        Capability.KIND_RESERVATION: native(
            "the reservation type: title, date, time, duration, url and one location"
        ),
        Capability.KIND_APPOINTMENT: native(
            "the appointment type (the same fields as a reservation)"
        ),
        Capability.KIND_MEMBERSHIP: native("the membership-card type: balance and tier"),
        Capability.KIND_LOYALTY: emulated(
            "issued as a membership-card: balance_amount (points or money) and membership_tier"
        ),
        Capability.KIND_EVENT_TICKET: none(
            "LivePass has no ticket type: issue it as kind reservation (title, date, time, "
            "location)"
        ),
        Capability.KIND_COUPON: none("LivePass has no coupon type"),
        Capability.KIND_GIFT_CARD: none(
            "LivePass has no gift card type: a membership card carries a balance"
        ),
        Capability.KIND_BOARDING_PASS: none("LivePass has no boarding pass type"),
        # fields
        Capability.EXTERNAL_ID: native(
            "the id in the URL path: letters, digits, '_' and '-', at most 128 (walletpass's "
            "rule; LivePass documents none); without one walletpass generates an id"
        ),
        Capability.HOLDER_NAME: native("full_name (a first and last name are joined)"),
        Capability.HOLDER_EMAIL: native(
            "email: LivePass emails the pass when it is valid and the create is not silent "
            "(notify_on_create)"
        ),
        Capability.HOLDER_PHONE: native("phone_number (international format)"),
        Capability.HOLDER_LANGUAGE: none("LivePass has no per-pass language"),
        Capability.FIELDS: native(
            "the type's own keys as text: title, date, time, duration, url and location_* "
            "(reservation, appointment); balance_amount, balance_currency and membership_tier "
            "(membership-card)"
        ),
        Capability.FIELD_LABELS: none("the labels are LivePass's own: send plain values"),
        Capability.BARCODE_QR: native(
            "barcode_type qr, barcode_data = the message; without a barcode the QR code "
            "encodes the pass id, as LivePass suggests"
        ),
        Capability.BARCODE_PDF417: none("LivePass accepts only barcode_type qr"),
        Capability.BARCODE_AZTEC: none("LivePass accepts only barcode_type qr"),
        Capability.BARCODE_CODE128: none("LivePass accepts only barcode_type qr"),
        Capability.BARCODE_ALT_TEXT: none("LivePass prints no text under the code"),
        Capability.LOCATIONS: native(
            f"location_lat / location_lng (sent as text), {_BOOKINGS} only; the pass shows "
            "when the phone is near it",
            limit=limits.MAX_LOCATIONS,
        ),
        Capability.LOCATION_NAME: native("location_name"),
        Capability.LOCATION_ADDRESS: native("location_address"),
        Capability.LOCATION_URL: native("location_url (e.g. a maps link)"),
        Capability.LOCATION_ALTITUDE: none("LivePass locations have no altitude"),
        Capability.LOCATION_RADIUS: none("LivePass chooses the relevance radius itself"),
        Capability.LOCATION_RELEVANT_TEXT: none(
            "LivePass shows no text near the location: use its name"
        ),
        Capability.BEACONS: none("LivePass passes have no beacons: use the one location"),
        Capability.BEACON_RELEVANT_TEXT: none("LivePass passes have no beacons"),
        Capability.BEACON_NAME: none("LivePass passes have no beacons"),
        Capability.RELEVANT_AT: none(
            "LivePass has no relevant date: the booking's own date is event.starts_at"
        ),
        Capability.EXPIRES_AT: none(
            "LivePass passes do not expire: stop honouring the pass in your own system"
        ),
        Capability.COLOR_BACKGROUND: none(_DESIGN),
        Capability.COLOR_FOREGROUND: none(_DESIGN),
        Capability.COLOR_LABEL: none(_DESIGN),
        Capability.LOGO_TEXT: none(_DESIGN),
        Capability.DESCRIPTION: none(_DESIGN),
        Capability.ORGANIZATION_NAME: none(_DESIGN),
        Capability.IMAGES: none(f"{_DESIGN}; LivePass has no image upload"),
        Capability.GROUP: none("LivePass passes are not grouped"),
        Capability.NFC: none("LivePass passes have no NFC payload"),
        Capability.BALANCE: native(
            "balance_amount (a JSON number) and balance_currency (money or e.g. points), "
            "membership-card passes only"
        ),
        Capability.TIER: native("membership_tier, membership-card passes only"),
        Capability.EVENT_TITLE: native(f"title, {_BOOKINGS}"),
        Capability.EVENT_STARTS_AT: emulated(
            "rendered as LivePass's free text: date 'Nov 6, 2024' and time '10:00am', in the "
            "datetime's own time zone; other forms go as fields['date'] / fields['time']"
        ),
        Capability.EVENT_DURATION: emulated(
            "rendered as whole minutes ('60min'); other forms go as fields['duration']"
        ),
        Capability.EVENT_URL: native("url: your page to view, change or cancel the booking"),
        Capability.EXTRA: native(
            "deep-merged last into the request body; whether LivePass accepts undocumented keys "
            "is unknown (the emulator refuses them)"
        ),
        # updates
        Capability.UPDATE_MESSAGE: none(
            "LivePass sends no text of yours: changes to title, date, time, duration, location, "
            "balance or tier are pushed when the update notifies (notify=True)"
        ),
        Capability.UPDATE_NOTIFY: native(
            "silent = not notify (default: the notify_on_update setting, off); a notifying "
            "update is never sent twice (an ambiguous failure is outcome_unknown)"
        ),
        Capability.UPDATE_CLEAR: emulated(
            "a string value set to None is sent as an empty string in the full field set (the "
            'documented examples send "" for absent text); a cleared barcode goes back to the '
            "pass id; a cleared email is left out and a balance cannot be cleared (a number: set "
            "it to 0)"
        ),
    }
)


class LivePassProvider(Provider[LivePassSettings]):
    """LivePass (https://getlivepass.com): reservation, membership and appointment passes."""

    name: ClassVar[str] = "livepass"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    # A membership card's balance_amount is its balance (IssuedPass.balance on every answer);
    # a pass created without external_id gets an id this provider makes up (new_id()).
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        balance_fields=("balance_amount",),
        # full_name is the only name a pass has (livepass.md): every answer reports it whole.
        holder_name_whole=ANSWERS,
        # Every answer with a pass record carries the balance among its fields too.
        balance_in_fields=payloads.balance_in_fields,
        attributes_in_fields=payloads.attributes_in_fields,
        # ... in the one field set the pass's own fields are in: an update's event (tier,
        # location...) replaces an own field written earlier under one of its keys.
        attribute_field_keys=payloads.OWNED_BY,
        # A field's value is kept as its write sends it: free text (balance_amount a number).
        field_values=payloads.field_values,
        balance_read=payloads.balance_read,
        new_external_id=made_up_id,
        # Every path is /{type}/{your id}: the pass's vendor id is its external id.
        keyed_by_external_id=True,
        # A loyalty card is issued as a membership-card, which reads back as a membership.
        kinds=payloads.KIND_TYPES,
        # The template id is the pass type: a pass's kind is its template's, asked or not.
        template_is_type=True,
        # A pass without a barcode gets its id as its QR code (payloads: barcode_data).
        new_barcode=payloads.own_barcode,
        # The pass record's share links (a token of the vendor's); the create answer has none.
        url_forms={
            answer: {"apple": "/apple/{token}", "web": "/view/{token}"}
            for answer in ("update", "get")
        },
        # The create answer ("Pass requested") has no pass record; the read has created_at,
        # updated_at and version; an update's answer created_at alone. (LivePass has no list.)
        bookkeeping={
            "update": frozenset({"created_at"}),
            "get": frozenset({"created_at", "updated_at", "version"}),
        },
        # A write's answer says "Pass requested", a read's "Pass retrieved"; body.silent echoed.
        meta_of=profile_meta,
    )
    meta_keys: ClassVar[Mapping[str, str]] = payloads.META_KEYS
    default_base_url: ClassVar[str | None] = limits.DEFAULT_BASE_URL
    #: Every key LivePass's three pages document (each type's keys are checked by the body rules).
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "create": limits.ALL_BODY_KEYS,
        "update": limits.ALL_BODY_KEYS,
    }
    summary: ClassVar[str] = (
        "LivePass (getlivepass.com): reservation, membership-card and appointment passes keyed "
        "by your own id"
    )
    #: LivePass documents no status codes: the HTTP meanings (the core's DEFAULT_ERROR_TABLE)
    #: decide, so the provider adds no rows of its own.
    error_table: ClassVar[Sequence[ErrorRule]] = ()

    # -- credentials and errors ---------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {limits.AUTH_HEADER: f"{limits.AUTH_SCHEME} {self.require_api_key()}"}

    def default_headers(self) -> dict[str, str]:
        # Listed as required on GET too, although a GET has no body.
        return {"Content-Type": limits.CONTENT_TYPE}

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        """LivePass errors carry ``message``: a string, or a validation object.

        The one documented example is an object starting with ``_original`` (an echo of the
        request, with the holder's personal data) and, as Joi validation errors do, a
        ``details`` list. The echo is left out of the error's details.
        """
        body = response.json()
        if not isinstance(body, Mapping):
            return ErrorInfo(details=body)
        message = body.get("message")
        if isinstance(message, str):
            return ErrorInfo(message=message, details=dict(body))
        if not isinstance(message, Mapping):
            return ErrorInfo(details=dict(body))
        kept = {k: v for k, v in message.items() if k != "_original"}
        texts: list[str] = []
        fields: dict[str, list[str]] = {}
        details = kept.get("details")
        for item in details if isinstance(details, list) else ():
            if not isinstance(item, Mapping) or not isinstance(item.get("message"), str):
                continue
            texts.append(item["message"])
            path = item.get("path")
            key = ".".join(str(p) for p in path) if isinstance(path, list) and path else "body"
            fields.setdefault(checks.neutral_path(key), []).append(item["message"])
        return ErrorInfo(
            message="; ".join(texts) or "the request was refused",
            details={**{k: v for k, v in body.items() if k != "message"}, "message": kept},
            fields=fields or None,
        )

    # -- validation (pure; reused by the fake provider's "livepass" profile) ----------------

    def check(
        self,
        request: VendorRequest | None,
        subject: Pass | PassUpdate,
        *,
        pass_id: str | None = None,
    ) -> list[FieldProblem]:
        """LivePass's rules (:mod:`walletpass_livepass.checks`: keys per pass type, values,
        the body rules of livepass.md) over the create body ``build_create`` made, each problem
        under its neutral field path. An update has no request yet (``None``: it is merged into
        the pass read first): its rules are the pass type's, which ``pass_id`` names
        (``membership-card.C-1``), so a field key the type lacks is refused before that read.
        The fake's profile runs this same check, with an id of its pass's template.

        :param request: the create request built from ``subject``, or ``None`` for an update.
        :param subject: the ``Pass`` or ``PassUpdate``.
        :param pass_id: the updated pass's id (``None`` on create).
        :returns: the problems found; empty when LivePass would accept it.
        """
        if isinstance(subject, PassUpdate):
            pass_type = self._decoded(pass_id) if pass_id is not None else None
            return checks.update_problems(subject, pass_type)
        pass_type = payloads.pass_type_of(subject.template, subject.kind)
        body = request.json if request is not None and isinstance(request.json, dict) else {}
        return checks.pass_problems(subject, pass_type, body)

    def decode_id(self, pass_id: str) -> tuple[PassType, str]:
        return decode_pass_id(pass_id, payloads.decode_id, provider=self.name)

    def _decoded(self, pass_id: str) -> PassType | None:
        """The type a pass id names, or ``None`` for an id of another shape (refused elsewhere).

        Through :meth:`decode_id` (the core's one decoding, which remembers the ids it
        accepted): an update's id is decoded by its checks, its read and its write alike.
        """
        try:
            return self.decode_id(pass_id)[0]
        except ValueError:  # (ValidationError is one)
            return None

    def template_of(self, pass_id: str) -> str | None:
        return self.decode_id(pass_id)[0].value

    def sample_pass_id(self, template: str | None) -> str:
        """An id of ``template``'s pass type (the type is the template), for the fake's profile."""
        if template is not None and template in PassType._value2member_map_:
            return payloads.encode_id(PassType(template), "sample")
        return super().sample_pass_id(template)

    def unsupported_here(
        self, subject: Pass | PassUpdate, pass_id: str | None
    ) -> Mapping[Capability, str]:
        """What the pass's LivePass type has no keys for (livepass.md: each type's body keys):
        a membership card has no event details or location, a reservation or appointment no
        balance or tier. The type is the template's (or the kind's) on create, the id's on
        update; where neither tells it, nothing here (``check`` refuses the template).

        :param subject: the ``Pass`` or ``PassUpdate``.
        :param pass_id: the id of the updated pass (``None`` on create).
        :returns: each such feature in use, with why.
        """
        if isinstance(subject, Pass):
            try:
                pass_type = payloads.pass_type_of(subject.template, subject.kind)
            except ValueError:
                return {}
        elif pass_id is not None and (decoded := self._decoded(pass_id)) is not None:
            pass_type = decoded
        else:
            return {}
        return checks.unsupported_for_type(subject, pass_type)

    def new_id(self) -> str:
        """A LivePass id for a pass created without ``external_id`` (random, path-safe)."""
        return made_up_id()

    @staticmethod
    def _request(
        method: str, pass_type: PassType, vendor_id: str, safety: Safety, body: Any = None
    ) -> VendorRequest:
        path = _path(pass_type, vendor_id)
        return VendorRequest(
            method,
            path.path,
            safety,
            json=NO_BODY if body is None else body,
            path_template=path.template,
        )

    # -- create ------------------------------------------------------------------------------

    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The upsert for ``new_pass`` at ``/{type}/{id}``: a pass with no such path (no type,
        an id that cannot be a path segment) or a field value LivePass has no form for is
        refused (``ValidationError``); LivePass's other rules are :meth:`check`'s."""
        pass_type, problems = checks.address_of(new_pass)
        if problems or pass_type is None:  # no type is always among the problems
            raise ValidationError.from_problems(problems)
        vendor_id = new_pass.external_id or self.new_id()
        silent = not self.settings.notify_on_create
        body = payloads.create_body(new_pass, pass_type, vendor_id, silent=silent)
        return self._request("POST", pass_type, vendor_id, _write_safety(body, new_pass), body)

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        # The kind the type reads back as, as get() reports it: not the kind asked.
        return self._with_alias_kind(
            payloads.issued_from_answer(response.json(), provider=self.name)
        )

    def plan_find_by_external_id(
        self, new_pass: Pass, request: VendorRequest | None = None
    ) -> Plan[IssuedPass | None]:
        """The pass at ``/{type}/{external_id}`` holding what ``new_pass`` writes, else ``None``.

        The ids are the caller's, so a create whose outcome is unknown (or a resumed bulk run's
        item that was in flight) is settled by reading it. A create is an upsert, so a pass may
        have been at that id before: it counts as this create's only when every key the create
        sends holds the value it sends (else the write did not land, and sending it is what the
        caller asked for). When it is absent (or not generated yet) the upsert is sent again.

        :param request: the create that was sent (the recoverable create hands over the body it
            built and checked); ``None`` only where an earlier run sent it (a resumed bulk
            run), so the body is built here from ``new_pass``, as that run built it.
        """
        if new_pass.external_id is None:
            return None
        pass_type = payloads.pass_type_of(new_pass.template, new_pass.kind)
        pass_id = payloads.encode_id(pass_type, new_pass.external_id)
        try:
            response = yield Send(self.build_get(pass_id), "create")
        except NotFound:
            return None
        sent = (request if request is not None else self.build_create(new_pass)).json or {}
        stored = self.parse(_answer_body, response)
        if any(stored.get(key) != value for key, value in sent.items() if key != "silent"):
            return None
        return self.parse(self.parse_get, response, pass_id)

    # -- get ---------------------------------------------------------------------------------

    def build_get(self, pass_id: str) -> VendorRequest:
        pass_type, vendor_id = self.decode_id(pass_id)
        return self._request("GET", pass_type, vendor_id, Safety.SAFE)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return self._issued_from_get(response.json(), pass_id)

    def _issued_from_get(self, answer: Any, pass_id: str) -> IssuedPass:
        issued = payloads.issued_from_answer(answer, provider=self.name)
        if issued.id != pass_id:
            raise ValueError(f"the answer is about {issued.id!r}, not {pass_id!r}")
        return self._with_alias_kind(issued)

    def _with_alias_kind(self, issued: IssuedPass) -> IssuedPass:
        templates = self.settings.templates
        if not templates:  # (most providers: no alias, and no call to say so)
            return issued
        kind = self._alias_kind(templates, issued.template)
        return issued if kind is None else issued.model_copy(update={"kind": kind})

    @staticmethod
    def _alias_kind(
        templates: Mapping[str, TemplateAlias], pass_type: str | None
    ) -> PassKind | None:
        """The kind the template aliases of ``pass_type`` state, when they agree and the type
        carries it: a loyalty card is issued as a membership-card, which reads back as one."""
        kinds = {
            alias.kind
            for alias in templates.values()
            if alias.id == pass_type and alias.kind is not None
        }
        if len(kinds) != 1:
            return None
        kind = kinds.pop()
        return kind if payloads.KIND_TYPES.get(kind) == pass_type else None

    # -- update: read, merge, write the full field set -----------------------------------------

    def build_merge(
        self, pass_id: str, change: PassUpdate, current: Mapping[str, Any]
    ) -> VendorRequest:
        """The POST that writes ``change`` over ``current`` (the body of a GET answer)."""
        pass_type, vendor_id = self.decode_id(pass_id)
        notify = change.notify if change.notify is not None else self.settings.notify_on_update
        body = payloads.merged_body(pass_type, vendor_id, current, change, silent=not notify)
        return self._request("POST", pass_type, vendor_id, _write_safety(body), body)

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return self._with_alias_kind(
            payloads.issued_from_answer(response.json(), provider=self.name)
        )

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """Read the pass, merge ``change`` into its field set, write it whole (LivePass's write
        replaces the pass): no one-request build, so ``request`` is always ``None``."""
        # Every rule, the pass type's keys included, was check()'s, before this plan started.
        return self._plan_merge(pass_id, change)

    def _plan_merge(self, pass_id: str, change: PassUpdate) -> Plan[IssuedPass]:
        # NotFound here: an update never creates a pass.
        response = yield Send(self.build_get(pass_id), "update")
        urls, created_at, current = self.parse(self._read_for_merge, response, pass_id)
        # (through the build hook: the one body an update builds, as the pipeline counts them)
        written = yield Send(self.build_merge(pass_id, change, current), "update")
        # The POST answer has no links and no creation time; they do not change with an update.
        return self.parse(self._parse_merged, written, (urls, created_at))

    def _parse_merged(
        self,
        response: VendorResponse,
        kept: tuple[payloads.Links, datetime | None],
    ) -> IssuedPass:
        """:meth:`parse_update` of the merged write's answer, with the links and ``created_at``
        the update ``kept`` of the pass it read (the pass validated once, with them)."""
        return self._with_alias_kind(
            payloads.issued_from_answer(response.json(), provider=self.name, kept=kept)
        )

    def _read_for_merge(
        self, response: VendorResponse, pass_id: str
    ) -> tuple[payloads.Links, datetime | None, Mapping[str, Any]]:
        """The GET answer an update merges into, decoded once: what the update keeps of the
        pass (:meth:`_kept_by_update`) and the ``body`` the merge writes over, in that order
        (one parse hook: an answer refused by either is ``InvalidResponse`` alike)."""
        answer = response.json()
        urls, created_at = self._kept_by_update(answer, pass_id)
        return urls, created_at, _body_of(answer)

    def _kept_by_update(self, answer: Any, pass_id: str) -> tuple[payloads.Links, datetime | None]:
        """The links (as a pass is validated with them: ``payloads.Links``) and ``created_at``
        of the pass an update read, refused as :meth:`parse_get` refuses the answer (the same
        error, type and message)."""
        kept = payloads.kept_by_update(answer, pass_id)
        if kept is None:  # about another pass: the read's own reading says so
            current = self._issued_from_get(answer, pass_id)
            return {"web": current.urls.web, "apple": current.urls.apple}, current.created_at
        return kept


#: Each type's one path: ``/{type}/{id}``.
_PATHS: dict[PassType, str] = {pass_type: f"{pass_type.value}/{{id}}" for pass_type in PassType}

#: The paths filled lately, by pass type and LivePass id (ids and paths only: no secret).
_filled_paths: dict[tuple[PassType, str], FilledPath] = {}
_PATHS_REMEMBERED = 1024
_filling = threading.Lock()


def _path(pass_type: PassType, vendor_id: str) -> FilledPath:
    """The pass's path, remembered: every request about a pass goes to its one path, and an
    update fills it twice (the GET of the pass, then the POST of the merge), as a create and a
    read of the pass after it do. A ``FilledPath`` is a tuple, shared as it is; a refused id
    (``ValidationError``) is refused by ``fill_path`` each time, and not remembered."""
    key = (pass_type, vendor_id)
    path = _filled_paths.get(key)
    if path is None:
        path = fill_path(_PATHS[pass_type], id=vendor_id)
        with _filling:  # (the size's test and the insert as one: the bound holds under threads)
            if len(_filled_paths) >= _PATHS_REMEMBERED:
                _filled_paths.clear()  # (bounded; a pass is mostly addressed again soon after)
            _filled_paths[key] = path
    return path


def _write_safety(body: Mapping[str, Any], new_pass: Pass | None = None) -> Safety:
    """How safe the upsert ``body`` is to send twice (judged on what is sent, ``extra`` included).

    A silent one is IDEMPOTENT: keyed by the id in the path, a repeat leaves one pass. One that
    notifies the holder (``silent: false``) may e-mail or push again when repeated - LivePass
    does not say (livepass.md, section 5) - so it is never repeated once it may have been
    received: a create with the caller's id is RECOVERABLE (looked up by that id, sent again only
    when LivePass has no such pass), anything else UNSAFE (an ambiguous failure is reported with
    ``outcome_unknown``).
    """
    if body.get("silent") is True:
        return Safety.IDEMPOTENT
    if new_pass is not None and new_pass.external_id is not None:
        return Safety.RECOVERABLE
    return Safety.UNSAFE


def _answer_body(response: VendorResponse) -> Mapping[str, Any]:
    """The ``body`` object of a GET answer, unredacted: what an update merges into."""
    return _body_of(response.json())


def _body_of(answer: Any) -> Mapping[str, Any]:
    body = answer["body"]
    if not isinstance(body, Mapping):
        raise ValueError("body is not a JSON object")
    return body
