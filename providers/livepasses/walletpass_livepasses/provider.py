"""The Livepasses provider: declarations and the neutral operations.

Livepasses generates Apple and Google Wallet passes from templates, one or many recipients per
``POST /api/passes/generate``; large requests become asynchronous batches that are followed by
polling. There is no pass read by id except a lookup, no deletion, and redemption is a family of
verbs chosen by the template's type. The Livepasses-only operations live in ``operations.py``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from walletpass.behaviour import VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, emulated, native, none
from walletpass.errors import (
    BusinessRuleError,
    FieldProblem,
    NotFound,
    ProviderUnavailable,
    ValidationError,
    WalletPassError,
)
from walletpass.model import (
    BulkItem,
    BulkResult,
    IssuedPass,
    Pass,
    PassKind,
    PassUpdate,
    Redemption,
)
from walletpass.plans import Now, Plan, Send, Wait, reading_back
from walletpass.polling import PollSchedule
from walletpass.provider import ListFilters, Page, vendor_operation
from walletpass.retry import Safety
from walletpass.roundtrip import TemplateMapping
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_livepasses import limits, payloads, wire
from walletpass_livepasses.base import LivepassesSettings
from walletpass_livepasses.batches import RecipientKey, match_lines
from walletpass_livepasses.events import LivepassesEvents
from walletpass_livepasses.limits import Endpoint, TemplateType
from walletpass_livepasses.operations import VendorOperations
from walletpass_livepasses.records import BatchPass, BatchStatus

__all__ = ["CAPABILITIES", "LivepassesProvider", "LivepassesSettings"]

_TEMPLATE_LEVEL = "design is template-level on Livepasses (set it in the template)"
#: What no Livepasses read returns (its lookup and list items carry no business data).
_NOT_READ_BACK = (
    "fields, balance, tier, holder phone and language, wallet links and barcode are not "
    "returned (Livepasses' lookup carries no business data; get() leaves them out rather than "
    "return some): keep what create() and update() answer"
)
_WRITE_ONLY = "get() and list() cannot read it back (Livepasses' lookup carries no business data)"
#: What extra may carry: a recipient's and the generate request's declared keys (create); an
#: update's reason and messageHeader.
_EXTRA_KEYS: Mapping[str, frozenset[str]] = {
    "create": frozenset(limits.RECIPIENT_KEYS | limits.REQUEST_LEVEL_KEYS),
    "update": frozenset({"reason", "messageHeader"}),
    # list(extra=): searchTerm, sortBy and sortDescending under their neutral spellings.
    "list": frozenset({"search_term", "sort_by", "sort_descending"}),
}

_KIND_NOTE = (
    "the template's type decides; redeem() uses the kind given in options, else the template "
    "alias's kind, else the template's type if it is EventTicket (type names other than "
    "EventTicket are inferred)"
)

CAPABILITIES = Capabilities(
    {
        # operations
        Capability.CREATE: native(
            "POST /api/passes/generate with one recipient; wallet links in urls (apple, google, "
            "download = Apple passUrl); a failed recipient raises with its code; followed by "
            "polling if Livepasses answers with an asynchronous batch. With external_id "
            "RECOVERABLE (looked up by confirmation code before any resend)"
        ),
        Capability.GET: native(
            "GET /api/passes/lookup?passId= then GET /api/passes/{id}/validate: template, "
            "status, holder name and email, confirmation code (external_id) and redeemability "
            f"only; {_NOT_READ_BACK}"
        ),
        Capability.UPDATE: native(
            "PUT /api/passes/{id} {updatedFields (verbatim keys), messageBody, notify}, then "
            "GET /api/passes/lookup for the pass's template and status after the change; the "
            "answer's fields are the updatedFields Livepasses accepted"
        ),
        Capability.REDEEM: native(
            "the verb of the pass's kind: event ticket -> /check-in, coupon -> /redeem-coupon, "
            "loyalty -> /stamp (with amount: /loyalty/transact spend), membership -> "
            "/membership/check-in, gift card -> /giftcard/redeem (amount required), other "
            "kinds -> /redeem; the kind comes from options kind (or endpoint), else the "
            "template alias of the pass's template, else the template's type when it is "
            "EventTicket (the only type value Livepasses attests); any other template is "
            "refused before sending, naming these options"
        ),
        Capability.DELETE: none(
            "Livepasses documents no deletion: expire the pass with "
            "update(fields={'validUntil': <past date>}), or deactivate_template() (stops every "
            "pass of the template)"
        ),
        Capability.LIST: native(
            "GET /api/passes?page=&pageSize= (templateId, status, searchTerm filters), pages "
            "fetched lazily until totalPages; like get(), no fields or balance"
        ),
        Capability.CREATE_MANY: native(
            "POST /api/passes/generate with up to 100 recipients per call (passes sharing a "
            "template and event context); asynchronous batches are polled (aimed at each batch's "
            "predicted end, at most poll_interval apart) until batch_timeout; outcomes in input "
            "order (async passes have no wallet links or fields: the batch status carries none)"
        ),
        # kinds
        Capability.KIND_GENERIC: native(f"any template; {_KIND_NOTE}"),
        Capability.KIND_EVENT_TICKET: native(f"an EventTicket template; {_KIND_NOTE}"),
        Capability.KIND_LOYALTY: native(
            f"a Loyalty template; {_KIND_NOTE}",
            inferred=("the template type name Loyalty (only EventTicket is attested)",),
        ),
        Capability.KIND_COUPON: native(
            f"a Coupon template; {_KIND_NOTE}",
            inferred=("the template type name Coupon (only EventTicket is attested)",),
        ),
        Capability.KIND_MEMBERSHIP: native(
            f"a Membership template; {_KIND_NOTE}",
            inferred=("the template type name Membership (only EventTicket is attested)",),
        ),
        Capability.KIND_GIFT_CARD: native(
            f"a GiftCard template; {_KIND_NOTE}",
            inferred=("the template type name GiftCard (only EventTicket is attested)",),
        ),
        Capability.KIND_RESERVATION: none(
            "Livepasses has no reservation type: use an event ticket"
        ),
        Capability.KIND_APPOINTMENT: none(
            "Livepasses has no appointment type: use an event ticket"
        ),
        Capability.KIND_BOARDING_PASS: none("Livepasses has no boarding-pass type"),
        # fields
        Capability.EXTERNAL_ID: native(
            "businessData.confirmationCode (the client-supplied business key; "
            "lookup(confirmation_code=) finds the pass again)"
        ),
        Capability.HOLDER_NAME: native(
            "customer.firstName + lastName, both required (holder.name is split at the last space)"
        ),
        Capability.HOLDER_EMAIL: native("customer.email"),
        Capability.HOLDER_PHONE: emulated(
            f"sent as customer.phone; {_WRITE_ONLY}: no answer returns it"
        ),
        Capability.HOLDER_LANGUAGE: emulated(
            f"sent as customer.preferredLanguage; {_WRITE_ONLY}: no answer returns it"
        ),
        Capability.FIELDS: emulated(
            "documented businessData names (sectionInfo, seatNumber, memberTier, promoCode, ...) "
            "go to businessData, typed; any other key to personalizations.customFields as text, "
            f"verbatim; on update: updatedFields, verbatim. {_WRITE_ONLY}: create() reports the "
            "businessData Livepasses answers (custom fields are not in it), update() the "
            "updatedFields it accepted"
        ),
        Capability.FIELD_LABELS: none("labels belong to the template: design them there"),
        Capability.BARCODE_QR: none(
            "Livepasses draws the pass's QR code itself (IssuedPass.barcode / qrCode)"
        ),
        Capability.BARCODE_PDF417: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_AZTEC: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_CODE128: none("Livepasses draws the pass's barcode itself"),
        Capability.BARCODE_ALT_TEXT: none("Livepasses draws the pass's barcode itself"),
        Capability.LOCATIONS: none(
            "no relevance locations on Livepasses passes (a redemption's location is a redeem "
            "option)"
        ),
        Capability.LOCATION_ALTITUDE: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_RADIUS: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_RELEVANT_TEXT: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_NAME: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_ADDRESS: none("no relevance locations on Livepasses passes"),
        Capability.LOCATION_URL: none("no relevance locations on Livepasses passes"),
        Capability.BEACONS: none("no beacons on Livepasses passes"),
        Capability.BEACON_RELEVANT_TEXT: none("no beacons on Livepasses passes"),
        Capability.BEACON_NAME: none("no beacons on Livepasses passes"),
        Capability.RELEVANT_AT: none("no relevant date: use the event context (event.starts_at)"),
        Capability.EXPIRES_AT: none(
            "generation takes no expiry: set it afterwards with "
            "update(fields={'validUntil': '2027-12-31'})"
        ),
        Capability.COLOR_BACKGROUND: none(_TEMPLATE_LEVEL),
        Capability.COLOR_FOREGROUND: none(_TEMPLATE_LEVEL),
        Capability.COLOR_LABEL: none(_TEMPLATE_LEVEL),
        Capability.LOGO_TEXT: none(_TEMPLATE_LEVEL),
        Capability.DESCRIPTION: none(_TEMPLATE_LEVEL),
        Capability.ORGANIZATION_NAME: none(_TEMPLATE_LEVEL),
        Capability.IMAGES: none(
            "no image upload: media are template-level (requiredMedia / mediaConfiguration)"
        ),
        Capability.GROUP: none("no pass groups on Livepasses"),
        Capability.NFC: none(
            "NFC is configured per template; redeem_by_scan() resolves NFC tap values"
        ),
        Capability.BALANCE: emulated(
            "points (no currency, or 'points') -> businessData.currentPoints (update: "
            "updatedFields.points); money -> accountBalance + currency. "
            f"{_WRITE_ONLY}: create() and update() report it in IssuedPass.balance, "
            "redeem(amount=) in Redemption.remaining",
            inferred=(
                "a money balance on update as updatedFields.accountBalance and currency (the "
                "generate names; updatable names are not published beyond memberTier, points, "
                "validUntil, gate)",
            ),
        ),
        Capability.TIER: emulated(
            "businessData.memberTier (update: updatedFields.memberTier); "
            f"{_WRITE_ONLY}: create() and update() report it as fields['memberTier']"
        ),
        Capability.EVENT_TITLE: native(
            "businessContext.event.eventName (create only; shared by a generate call)"
        ),
        Capability.EVENT_STARTS_AT: native(
            "businessContext.event.eventDate, UTC (create only; shared by a generate call)"
        ),
        Capability.EVENT_DURATION: none(
            "no event duration: put doorsOpen in extra.businessContext"
        ),
        Capability.EVENT_URL: none("no event URL on Livepasses passes: use a custom field"),
        Capability.EXTRA: native(
            "create: deep-merged into the recipient (customer, businessData, personalizations) "
            "and the request (businessContext, options); update: reason, messageHeader"
        ),
        # updates
        Capability.UPDATE_MESSAGE: native("messageBody (at most 2000 characters)"),
        Capability.UPDATE_NOTIFY: native(
            "notify (False: no holder-visible banner); sent false when no message is given"
        ),
        Capability.UPDATE_CLEAR: none("Livepasses cannot clear a field: send a new value"),
        # Livepasses-only operations
        # Pass events: see walletpass_livepasses.events
        Capability.EVENTS_SUBSCRIBE: native(
            "documented (SDK 0.3.0): subscribe_events -> POST /api/webhooks {url, events} "
            "answering the secret, list (GET, not paged), delete (DELETE /api/webhooks/{id}); "
            "an event outside the server's allow-list is a 400; no secret rotation: delete and "
            "subscribe again; the default subscribes the seven mapped events, not '*'",
            inferred=(
                "the neutral meaning of pass.generated (issued) and pass.cancelled (voided), "
                "from their names",
                "pass.expired: allowed by 0.3.0, refused with 400 per the unreleased changelog "
                "(server-version dependent)",
            ),
        ),
        Capability.EVENTS_RECEIVE: none(
            "Livepasses publishes neither how deliveries are signed (header, algorithm, signed "
            "bytes, encoding) nor what they contain, so walletpass cannot verify or parse them: "
            "check deliveries with your own authentication and read the JSON yourself"
        ),
    }
)

#: Recipients per generate call. Livepasses publishes no maximum; the SDK's docs speak of
#: "hundreds" per call, and 100 keeps progress reports frequent.
BATCH_SIZE = 100

_KINDS = {kind.value: kind for kind in PassKind}
_ENDPOINTS = {e.value: e for e in Endpoint if e is not Endpoint.UNSTAMP}


#: Livepasses' /loyalty/transact takes "points (int, required)" (its API table).
_WHOLE_POINTS = "spending loyalty points needs a whole number of points"


@dataclass
class _Job:
    """One generate call of a bulk run that Livepasses turned into an asynchronous batch."""

    batch_id: str
    positions: list[int]
    passes: list[Pass]
    keys: list[RecipientKey]
    status: BatchStatus | None = None
    settled: bool = False
    outcomes: dict[int, IssuedPass | WalletPassError] = field(default_factory=dict)


def _key(new_pass: Pass) -> RecipientKey:
    holder = new_pass.holder
    code = new_pass.external_id or _text_field(new_pass, "confirmationCode")
    return RecipientKey(email=holder.email if holder else None, confirmation_code=code)


def _text_field(new_pass: Pass, key: str) -> str | None:
    value = (new_pass.fields or {}).get(key)
    value = getattr(value, "value", value)
    return value if isinstance(value, str) else None


#: How many pass -> template pairs a provider remembers (about 100 bytes each).
TEMPLATE_MEMORY = 10_000


class LivepassesProvider(VendorOperations, LivepassesEvents[LivepassesSettings]):
    """Livepasses (https://livepasses.com): Apple and Google Wallet passes from templates."""

    name: ClassVar[str] = "livepasses"
    #: A loyalty redeem stamps (answering 1 and the stamps so far) and a membership redeem checks
    #: in (neither uses the pass up, nor changes what a read reports);
    #: points and money live in businessData.currentPoints / accountBalance; the lookup a get()
    #: makes returns no business data (SDK 0.3.0: PassLookupResult) and of the
    #: customer only the name and email; a pass generated without a
    #: confirmation code gets one from Livepasses (vendor notes 3.1's example answer); an amount
    #: for a pass whose verb has no balance is refused before anything is sent, so before the
    #: vendor could say the pass was used (execute_redeem).
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        reusable_kinds=frozenset({PassKind.LOYALTY, PassKind.MEMBERSHIP}),
        counted_kinds=frozenset({PassKind.LOYALTY}),
        used_status=None,
        balance_fields=("currentPoints", "accountBalance"),
        unread_on_get=frozenset({"fields", "balance", "holder.phone", "holder.language"}),
        update_reads_back=True,
        new_external_id=limits.made_up_confirmation_code,
        spend_checks=("balance", "state"),
        # /loyalty/transact takes whole points; a gift card's amount keeps its decimals.
        fractional_spend=_WHOLE_POINTS,
        # The create answer's businessData: its documented names, not personalizations.
        created_fields=frozenset(limits.BUSINESS_DATA.members),
        whole_spend_kinds=frozenset({PassKind.LOYALTY}),
    )
    meta_keys: ClassVar[Mapping[str, str]] = payloads.META_KEYS
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = _EXTRA_KEYS
    summary: ClassVar[str] = (
        "Livepasses: wallet passes from templates, async batches, redemption verbs, loyalty"
    )
    native_batch_size: ClassVar[int | None] = BATCH_SIZE

    def __init__(self, settings: Any = None, /, **values: Any) -> None:
        super().__init__(settings, **values)
        self._templates_seen: OrderedDict[str, str] = OrderedDict()
        self._templates_seen_lock = threading.Lock()

    # -- the template of a pass ------------------------------------------------------------------

    def template_of(self, pass_id: str) -> str | None:
        """The template of a pass this provider has created or read, else ``None``.

        Livepasses ids do not carry the template, but a pass never changes template (no endpoint
        moves one), so what an answer said stays true: an update through a template alias then
        needs no lookup first. The most recent :data:`TEMPLATE_MEMORY` passes are remembered.
        """
        with self._templates_seen_lock:
            template = self._templates_seen.get(pass_id)
            if template is not None:
                self._templates_seen.move_to_end(pass_id)
            return template

    def _remember_template(self, pass_id: str, template: str | None) -> None:
        if not template:
            return
        with self._templates_seen_lock:
            self._templates_seen[pass_id] = template
            self._templates_seen.move_to_end(pass_id)
            if len(self._templates_seen) > TEMPLATE_MEMORY:
                self._templates_seen.popitem(last=False)

    def present(self, issued: IssuedPass, mapping: TemplateMapping | None = None) -> IssuedPass:
        self._remember_template(issued.id, issued.template)
        return super().present(issued, mapping)

    # -- create --------------------------------------------------------------------------------

    def build_generate(self, passes: Sequence[Pass]) -> VendorRequest:
        """One generate call for passes sharing a template, event context and options."""
        first = passes[0]
        context, options = payloads.request_context(first)
        body = payloads.generate_body(
            first.template, [payloads.recipient(p) for p in passes], context, options
        )
        every_one_findable = all(p.external_id is not None for p in passes)
        safety = Safety.RECOVERABLE if every_one_findable else Safety.UNSAFE
        return wire.request("POST", f"{wire.PASSES}/generate", safety, body=body)

    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The one-pass generate call; Livepasses' rules (``payloads``: lengths, per-kind
        context, the template id) refuse what it cannot carry first (``ValidationError``)."""
        problems = payloads.pass_problems(new_pass)
        template_problem = limits.id_problem(new_pass.template)
        if template_problem is not None:
            problems.insert(0, FieldProblem("template", template_problem))
        self._refuse(problems, "create")
        return self.build_generate([new_pass])

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        """A synchronous answer's one pass (asynchronous answers are followed by ``create``)."""
        data = self.data_of(response, "create")
        if data.get("isAsyncProcessing"):
            raise ValueError("an asynchronous generation answer has no passes to parse")
        outcome = self._settle_sync(data, [new_pass])[0]
        if isinstance(outcome, WalletPassError):
            raise outcome
        return outcome

    def plan_create(self, new_pass: Pass, request: VendorRequest | None = None) -> Plan[IssuedPass]:
        """The one-recipient generate call (with an external id, recoverable: the core's
        look-up by confirmation code before any resend); an asynchronous answer is followed by
        polling its batch, which is never sent again."""
        built = request if request is not None else self.build_create(new_pass)
        return self._plan_create(built, new_pass)

    def _plan_create(self, request: VendorRequest, new_pass: Pass) -> Plan[IssuedPass]:
        def attempt() -> Plan[list[IssuedPass | WalletPassError] | _Job]:
            response = yield Send(request, "create")
            return self._read_generation(response, [0], [new_pass], "create")

        read: IssuedPass | list[IssuedPass | WalletPassError] | _Job
        if request.safety is Safety.RECOVERABLE:
            read = yield from self.plan_recoverable_create(new_pass, attempt)
        else:
            read = yield from attempt()
        if isinstance(read, IssuedPass):  # found by the look-up after an ambiguous failure
            return read
        if isinstance(read, _Job):
            yield from self._follow([read], None, 1, 0, "create")
            outcome = read.outcomes[0]
        else:
            outcome = read[0]
        if isinstance(outcome, WalletPassError):
            raise outcome
        return outcome

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        """The pass whose confirmation code is this external id, if it is from this template."""
        if new_pass.external_id is None:
            return None
        try:
            found = yield from self._plan_fetch(
                self.build_lookup(confirmation_code=new_pass.external_id),
                "create",
                lambda data: payloads.issued_from_lookup(data, provider=self.name),
            )
        except NotFound:
            return None
        if found.template not in (None, new_pass.template):
            return None
        return found.model_copy(update={"kind": new_pass.kind})

    # -- create_many: the native batch path ------------------------------------------------------

    def plan_create_batch(
        self,
        passes: Sequence[Pass],
        on_progress: Callable[[int, int], None] | None = None,
        on_accepted: Callable[[Sequence[int], str], None] | None = None,
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """One generate call per group of passes that can share one; batches followed together.

        ``on_progress(done, total)`` is called after each round of batch status polls;
        ``on_accepted(positions, batch_id)`` as soon as Livepasses answers with an asynchronous
        batch, so a journal can follow that batch after a crash (:meth:`follow_batch`).
        """
        groups: dict[tuple[str, str], list[int]] = {}
        for index, new_pass in enumerate(passes):
            groups.setdefault(payloads.group_key(new_pass), []).append(index)
        outcomes: dict[int, IssuedPass | WalletPassError] = {}
        jobs: list[_Job] = []
        for positions in groups.values():
            members = [passes[i] for i in positions]
            try:
                response = yield Send(self.build_generate(members), "create_many")
            except WalletPassError as exc:
                outcomes.update(dict.fromkeys(positions, exc))
                continue
            read = self._read_generation(response, positions, members, "create_many")
            if isinstance(read, _Job):
                if on_accepted is not None:
                    on_accepted(positions, read.batch_id)
                jobs.append(read)
            else:
                outcomes.update(zip(positions, read, strict=True))
        if jobs:
            done_sync = len(outcomes)
            yield from self._follow(jobs, on_progress, len(passes), done_sync, "create_many")
            for job in jobs:
                outcomes.update(job.outcomes)
        return [outcomes[i] for i in range(len(passes))]

    def plan_follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """Outcomes of ``passes`` from batch ``ticket``, which an earlier run saw accepted.

        The batch is polled as :meth:`create_many` polls it (until ``batch_timeout``); its lines
        are matched to ``passes`` by confirmation code (the external id), then by unique email.
        """
        self.decode_id(ticket)  # a batch id has the shape of any Livepasses id
        job = _Job(ticket, list(range(len(passes))), list(passes), [_key(p) for p in passes])
        return self._plan_followed(job)

    def _plan_followed(self, job: _Job) -> Plan[list[IssuedPass | WalletPassError]]:
        yield from self._follow([job], None, len(job.passes), 0, "create_many")
        return [job.outcomes[i] for i in range(len(job.passes))]

    def _read_generation(
        self,
        response: VendorResponse,
        positions: list[int],
        members: list[Pass],
        operation: str,
    ) -> list[IssuedPass | WalletPassError] | _Job:
        """Outcomes of a synchronous generate answer, or the batch job of an asynchronous one."""
        try:
            data = self.parse(lambda r: _mapping(self.data_of(r, operation)), response)
            if not data.get("isAsyncProcessing"):
                return self.parse(lambda _: self._settle_sync(data, members), response)
            batch_id = self.parse(lambda _: _batch_id(data), response)
        except WalletPassError as exc:
            return [exc] * len(members)
        return _Job(batch_id, positions, members, [_key(p) for p in members])

    def _settle_sync(
        self, data: Mapping[str, Any], members: Sequence[Pass]
    ) -> list[IssuedPass | WalletPassError]:
        entries = [e for e in data.get("passes") or () if isinstance(e, Mapping)]
        lines = [payloads.batch_pass_from(e) for e in entries]
        matched = match_lines([_key(p) for p in members], lines, in_order=True)
        entry_of = {id(line): entry for line, entry in zip(lines, entries, strict=True)}
        outcomes: list[IssuedPass | WalletPassError] = []
        batch_id = data.get("batchId")
        for new_pass, line in zip(members, matched, strict=True):
            if line is None or (line.pass_id is None and not line.failed):
                outcomes.append(
                    ProviderUnavailable(
                        f"Livepasses' answer (batch {batch_id}) has no pass id for this recipient",
                        provider=self.name,
                        operation="create",
                        outcome_unknown=True,
                    )
                )
                continue
            if line.failed:
                outcomes.append(self._recipient_error(line, batch_id))
                continue
            entry = entry_of[id(line)]
            outcomes.append(
                payloads.issued_from_generated(
                    entry,
                    provider=self.name,
                    template=new_pass.template,
                    kind=new_pass.kind,
                    holder=new_pass.holder,
                    batch_id=str(batch_id) if batch_id else None,
                    generated_at=data.get("generatedAt"),
                )
            )
        return outcomes

    def _recipient_error(self, line: BatchPass, batch_id: Any) -> WalletPassError:
        message = line.error_message or "Livepasses could not generate this pass"
        return self.error_from_code(line.error_code, f"{message} (batch {batch_id})", "create")

    def _follow(
        self,
        jobs: list[_Job],
        on_progress: Callable[[int, int], None] | None,
        total: int,
        already_done: int,
        operation: str,
    ) -> Plan[None]:
        """Poll every job's batch until all are complete or ``batch_timeout`` has passed.

        Polls are spaced by :class:`PollSchedule`: quickly at first, then as the batch's own
        progress predicts its end, never further apart than ``poll_interval`` — a batch is
        noticed finished within moments instead of up to a whole fixed interval late.
        """
        started = yield Now()
        deadline = started + self.settings.batch_timeout
        schedule = PollSchedule(self.settings.poll_interval, started)
        while True:
            for job in jobs:
                if job.settled:
                    continue
                try:
                    job.status = yield from self._batch_status(job.batch_id, operation)
                except WalletPassError as exc:
                    exc.outcome_unknown = True  # the batch may still generate these passes
                    job.outcomes = dict.fromkeys(job.positions, exc)
                    job.settled = True
                    continue
                if job.status.is_completed:
                    self._settle_job(job, complete=True)
            if on_progress is not None:
                done = already_done + sum(
                    len(j.positions) if j.settled else (j.status.done if j.status else 0)
                    for j in jobs
                )
                on_progress(min(done, total), total)
            if all(job.settled for job in jobs):
                return
            pending = [
                (j.status.done, j.status.total) if j.status else (0, len(j.positions))
                for j in jobs
                if not j.settled
            ]
            now = yield Now()
            pause = schedule.next_pause(pending, now)
            if now + pause > deadline:
                for job in jobs:
                    if not job.settled:
                        self._settle_job(job, complete=False)
                return
            yield Wait(pause)

    def _settle_job(self, job: _Job, *, complete: bool) -> None:
        status = job.status
        lines = list(status.passes) if status else []
        in_order = status is not None and len(lines) == status.done
        matched = match_lines(job.keys, lines, in_order=in_order)
        unmatched = [i for i, line in enumerate(matched) if line is None]
        listed_failures = sum(1 for line in lines if line.failed)
        silent_failures = (status.failed - listed_failures) if status else 0
        for position, new_pass, line in zip(job.positions, job.passes, matched, strict=True):
            if line is not None and line.failed:
                job.outcomes[position] = self._recipient_error(line, job.batch_id)
            elif line is not None and line.pass_id is None:
                job.outcomes[position] = self._unknown(job, "its batch status line has no passId")
            elif line is not None:
                job.outcomes[position] = payloads.issued_from_summary(
                    line,
                    provider=self.name,
                    template=new_pass.template,
                    kind=new_pass.kind,
                    holder=new_pass.holder,
                    batch_id=job.batch_id,
                )
            elif complete and len(unmatched) == silent_failures:
                job.outcomes[position] = BusinessRuleError(
                    f"Livepasses did not generate this pass (batch {job.batch_id} reports "
                    f"{status.failed if status else 0} failure(s) without saying whose)",
                    provider=self.name,
                    operation="create",
                )
            elif complete:
                job.outcomes[position] = self._unknown(
                    job, "the batch status does not tell which pass is this recipient's"
                )
            else:
                job.outcomes[position] = self._unknown(
                    job,
                    f"the batch was still processing after {self.settings.batch_timeout:g}s; "
                    f"follow it with get_batch_status({job.batch_id!r})",
                )
        job.settled = True

    def _unknown(self, job: _Job, why: str) -> WalletPassError:
        return ProviderUnavailable(
            f"batch {job.batch_id}: {why}",
            provider=self.name,
            operation="create",
            outcome_unknown=True,
            details={"batch_id": job.batch_id},
        )

    @vendor_operation(native("create_many with a progress callback fed by the batch status polls"))
    def generate_and_wait(
        self,
        passes: Sequence[Pass | Mapping[str, Any]],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> BulkResult:
        """``create_many`` with live progress: ``on_progress(done, total)`` after each poll.

        Every input gets an outcome in input order; invalid ones fail before anything is sent.
        """
        self.require(Capability.CREATE_MANY)
        prepared: list[Pass | WalletPassError] = []
        for raw in passes:
            try:
                prepared.append(self.prepare_create(raw))
            except WalletPassError as exc:
                prepared.append(exc.with_context(provider=self.name, operation="create"))
        valid = [(i, p) for i, p in enumerate(prepared) if isinstance(p, Pass)]
        outcomes: dict[int, IssuedPass | WalletPassError] = {}
        total = len(prepared)
        done = total - len(valid)
        for start in range(0, len(valid), BATCH_SIZE):
            chunk = valid[start : start + BATCH_SIZE]
            offset = done

            def report(finished: int, _total: int, offset: int = offset) -> None:
                if on_progress is not None:
                    on_progress(offset + finished, total)

            results = self.run(self.plan_create_batch([p for _, p in chunk], report))
            outcomes.update((i, r) for (i, _), r in zip(chunk, results, strict=True))
            done += len(chunk)
        items = []
        for index, item in enumerate(prepared):
            outcome = outcomes.get(index, item)
            if isinstance(outcome, IssuedPass):
                items.append(BulkItem(index=index, issued=outcome))
            else:
                items.append(BulkItem(index=index, error=outcome))
        if on_progress is not None:
            on_progress(total, total)
        return BulkResult(items=items)

    # -- get -----------------------------------------------------------------------------------

    def build_get(self, pass_id: str) -> VendorRequest:
        return self.build_lookup(pass_id)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return payloads.issued_from_lookup(self.data_of(response, "get"), provider=self.name)

    def plan_get(self, pass_id: str) -> Plan[IssuedPass]:
        """The lookup, completed by the validation answer (redeemability, current status)."""
        return self._plan_get(self.build_get(pass_id), self.build_validate(pass_id), pass_id)

    def _plan_get(
        self, lookup: VendorRequest, validate: VendorRequest, pass_id: str
    ) -> Plan[IssuedPass]:
        looked_up = yield Send(lookup, "get")
        self.parse(self.parse_get, looked_up, pass_id)
        validation = yield from self._plan_fetch(
            validate, "get", lambda data: payloads.validation_from(pass_id, data)
        )
        # The lookup names no type: the core reports the kind the template alias states.
        return self.parse(
            lambda r: payloads.issued_from_lookup(
                self.data_of(r, "get"), provider=self.name, validation=validation
            ),
            looked_up,
        )

    # -- update --------------------------------------------------------------------------------

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        """The PUT for ``change``, after Livepasses' rules refused what it cannot carry."""
        self._refuse(payloads.update_problems(change), "update")
        body = payloads.update_body(change)
        return wire.request(
            "PUT",
            wire.PASSES,
            payloads.update_safety(body),
            ids=(("passId", pass_id),),
            body=body,
        )

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        """The update as Livepasses took it: ``fields`` are the ``updatedFields`` it accepted.

        The answer's shape is undocumented (the SDK discards it), so nothing is read from it;
        :meth:`execute_update` adds the pass's template and status from a lookup.
        """
        data = self.data_of(response, "update")
        sent = payloads.update_body(change)
        updated = dict(sent.get("updatedFields") or {})
        meta: dict[str, Any] = {}
        if "messageBody" in sent:
            meta["notified"] = sent.get("notify", True)
        return IssuedPass(
            id=pass_id,
            vendor_id=pass_id,
            provider=self.name,
            fields=updated,
            balance=payloads.balance_from(updated),
            meta=meta,
            raw=data,
        )

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """The PUT, then a lookup: the PUT's answer says nothing about the pass, and the lookup
        tells its template (to read the fields back under their logical names) and its status
        after the change (a ``validUntil`` in the past expires it)."""
        put = request if request is not None else self.build_update(pass_id, change)
        return self._plan_update(pass_id, change, put)

    def _plan_update(
        self, pass_id: str, change: PassUpdate, put: VendorRequest
    ) -> Plan[IssuedPass]:
        response = yield Send(put, "update")
        updated = self.parse(self.parse_update, response, pass_id, change)
        return (
            yield from reading_back(
                updated,
                lambda: self._plan_fetch(
                    self.build_lookup(pass_id),
                    "update",
                    lambda data: payloads.issued_from_lookup(data, provider=self.name),
                ),
                unread=self.behaviour.unread_on_get,
            )
        )

    # -- redeem --------------------------------------------------------------------------------

    def build_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> VendorRequest:
        """The redemption request once the endpoint is known (``options['endpoint']``)."""
        opts = dict(options)
        endpoint = _ENDPOINTS.get(str(opts.pop("endpoint", "")))
        opts.pop("kind", None)
        if endpoint is None:
            raise ValidationError.from_problems(
                [FieldProblem("options.endpoint", _ENDPOINT_HELP)], provider=self.name
            )
        built = payloads.redemption_body(endpoint, opts)
        body = dict(built.body)
        problems = list(built.problems)
        if endpoint is Endpoint.GIFT_CARD:
            if amount is None:
                problems.append(FieldProblem("amount", "a gift card redemption needs the amount"))
            else:
                body = {"amount": payloads.wire_value(amount), **body}
        elif endpoint is Endpoint.LOYALTY:
            fraction = None if amount is None else self.behaviour.fraction_refusal(amount)
            if amount is None or fraction is not None:
                problems.append(FieldProblem("amount", fraction or _WHOLE_POINTS))
            else:
                body = {"transactionType": "spend", "points": int(amount), **body}
        elif amount is not None:
            problems.append(
                FieldProblem(
                    "amount",
                    f"/{endpoint.value} takes no amount (gift cards and loyalty points do; a "
                    "coupon's purchase is options transaction_amount)",
                )
            )
        self._refuse(problems, "redeem")
        return self.build_redemption(pass_id, endpoint, body)

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        data = self.data_of(response, "redeem")
        method = response.path.rsplit("{passId}/", 1)[-1]
        return payloads.redemption_from(data, pass_id=pass_id, provider=self.name, method=method)

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        """The verb of the pass's kind (read from options, the template alias, or the
        template's type, which may take a lookup and a template read first)."""
        opts = dict(options)
        endpoint_name = opts.pop("endpoint", None)
        kind_name = opts.pop("kind", None)
        problems = payloads.redeem_option_problems(opts)
        if endpoint_name is not None and endpoint_name not in _ENDPOINTS:
            problems.append(FieldProblem("options.endpoint", _ENDPOINT_HELP))
        if kind_name is not None and kind_name not in _KINDS:
            problems.append(
                FieldProblem("options.kind", f"must be one of {', '.join(sorted(_KINDS))}")
            )
        self._refuse(problems, "redeem")
        return self._plan_redeem(pass_id, amount, opts, endpoint_name, _KINDS.get(kind_name or ""))

    def _plan_redeem(
        self,
        pass_id: str,
        amount: Decimal | None,
        opts: dict[str, Any],
        endpoint_name: str | None,
        kind: PassKind | None,
    ) -> Plan[Redemption]:
        endpoint = (
            _ENDPOINTS[endpoint_name]
            if endpoint_name is not None
            else (yield from self._endpoint_for(pass_id, amount, kind))
        )
        if amount is not None and endpoint_name is None and endpoint not in _BALANCE_VERBS:
            # The pass's kind chose a verb without a balance (a ticket, coupon, membership): the
            # pass has none to deduct from, as on every provider (docs/concepts.md).
            raise BusinessRuleError(
                f"pass {pass_id!r} has no balance to deduct an amount from (its verb is "
                f"/{endpoint.value}; loyalty points and gift cards have balances): redeem it "
                "without an amount to use it",
                provider=self.name,
                operation="redeem",
            )
        request = self.build_redeem(pass_id, amount, {**opts, "endpoint": endpoint.value})
        response = yield Send(request, "redeem")
        redemption = self.parse(self.parse_redeem, response, pass_id)
        raw = redemption.raw if isinstance(redemption.raw, Mapping) else {}
        if raw.get("alreadyRedeemed") is True:
            from walletpass.errors import AlreadyRedeemed

            raise AlreadyRedeemed(
                f"pass {pass_id!r} was already redeemed ({endpoint.value})",
                provider=self.name,
                operation="redeem",
                details=dict(raw),
            )
        if amount is not None:  # what was taken off, whatever sign the vendor reports
            redemption = redemption.model_copy(update={"amount": amount})
        return redemption

    def _endpoint_for(
        self, pass_id: str, amount: Decimal | None, kind: PassKind | None
    ) -> Plan[Endpoint]:
        """The redemption verb for this pass, from attested facts only.

        In order: the kind given (``options['kind']``); the kind the template alias of the pass's
        template states; the template's type when it is ``EventTicket``, the one type value the
        vendor's SDKs attest. Livepasses publishes no other type names (``Loyalty``, ``Coupon``...
        are inferences), and ``/redeem`` refuses multi-use passes, so any other template is
        refused here, before a redemption is sent, naming the ways to say which verb applies.
        """
        if kind is None:
            # A pass never changes template: one this provider has seen needs no lookup.
            template = self.template_of(pass_id)
            if template is None:
                found = yield from self._plan_fetch(
                    self.build_lookup(pass_id),
                    "redeem",
                    lambda data: payloads.issued_from_lookup(data, provider=self.name),
                )
                template = found.template
                self._remember_template(pass_id, template)
            kind = self._alias_kind(template)
            if kind is None:
                found_type = (yield from self.plan_template_type(template)) if template else None
                if found_type is not TemplateType.EVENT_TICKET:
                    raise ValidationError.from_problems(
                        [FieldProblem("options", _unattested_type(template, found_type))],
                        provider=self.name,
                        operation="redeem",
                    )
                kind = PassKind.EVENT_TICKET
        template_type = limits.KIND_TEMPLATE_TYPES.get(kind)
        if template_type is TemplateType.LOYALTY and amount is not None:
            return Endpoint.LOYALTY
        if template_type is None:
            return Endpoint.REDEEM
        return limits.TYPE_ENDPOINTS.get(template_type, Endpoint.REDEEM)

    def _alias_kind(self, template: str | None) -> PassKind | None:
        """The kind a configured template alias states for vendor template ``template``."""
        kinds = {
            alias.kind
            for alias in self.settings.templates.values()
            if alias.id == template and alias.kind is not None
        }
        return kinds.pop() if len(kinds) == 1 else None

    # -- list ----------------------------------------------------------------------------------

    def build_list(self, filters: ListFilters, page: int = 1) -> VendorRequest:
        problems: list[FieldProblem] = []
        status = None
        if filters.status is not None:
            status = payloads.vendor_status_for(filters.status)
            if status is None:
                problems.append(
                    FieldProblem(
                        "status",
                        "Livepasses lists by active, redeemed, expired or voided (Cancelled)",
                    )
                )
        if filters.template is not None:
            problem = limits.id_problem(filters.template)
            if problem:
                problems.append(FieldProblem("template", problem))
        for key, value in filters.extra.items():
            kind = _LIST_EXTRA.get(key)
            if kind is bool and not isinstance(value, bool):
                problems.append(FieldProblem(f"extra.{key}", "must be true or false"))
            elif kind is str and not isinstance(value, str):
                problems.append(FieldProblem(f"extra.{key}", "must be text"))
        self._refuse(problems, "list")
        query: dict[str, Any] = {"page": page}
        if filters.page_size is not None:
            query["pageSize"] = filters.page_size
        query.update(
            {
                "searchTerm": filters.extra.get("search_term"),
                "sortBy": filters.extra.get("sort_by"),
                "sortDescending": filters.extra.get("sort_descending"),
                "templateId": filters.template,
                "status": status,
            }
        )
        return wire.request("GET", wire.PASSES, Safety.SAFE, query=query)

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        body = self.envelope_of(response, "list")
        items = [
            payloads.issued_from_list_item(item, provider=self.name)
            for item in body.get("items") or ()
        ]
        pagination = body.get("pagination") or {}
        current = int(pagination.get("currentPage") or 1)
        pages = int(pagination.get("totalPages") or 1)
        following = self.build_list(filters, current + 1) if items and current < pages else None
        return Page(items, following)


_ENDPOINT_HELP = "must be one of " + ", ".join(sorted(_ENDPOINTS))
#: The verbs that deduct an amount from a balance.
_BALANCE_VERBS = frozenset({Endpoint.LOYALTY, Endpoint.GIFT_CARD})


def _unattested_type(template: str | None, found: TemplateType | None) -> str:
    shown = repr(found.value) if found else "not a name walletpass knows"
    return (
        f"walletpass cannot tell which verb redeems a pass of template {template!r} (type "
        f"{shown}): Livepasses documents no template type but EventTicket (-> /check-in), and "
        "/redeem refuses multi-use passes. Say which verb applies with "
        f"options={{'kind': ...}} ({', '.join(sorted(k.value for k in limits.KIND_TEMPLATE_TYPES))}"
        f"), options={{'endpoint': ...}} ({', '.join(sorted(_ENDPOINTS))}), or kind in the "
        "template alias of this template"
    )


_LIST_EXTRA: dict[str, type] = {"search_term": str, "sort_by": str, "sort_descending": bool}


def _batch_id(data: Mapping[str, Any]) -> str:
    operation = data.get("batchOperation")
    batch_id = operation.get("id") if isinstance(operation, Mapping) else None
    batch_id = batch_id or data.get("batchId")
    if not isinstance(batch_id, str) or not batch_id:
        raise ValueError("an asynchronous generation answer names no batch")
    # The id goes into every status poll's path: one that cannot be a path segment ('..', '/')
    # is refused at the answer, not sent to another endpoint.
    problem = limits.id_problem(batch_id)
    if problem is not None:
        raise ValueError(f"the answer's batch id {problem}")
    return batch_id


def _mapping(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError("the answer's data is not an object")
    return data
