"""The Livepasses provider: declarations and the neutral operations.

Livepasses generates Apple and Google Wallet passes from templates, one or many recipients per
``POST /api/passes/generate``; large requests become asynchronous batches that are followed by
polling. There is no pass read by id except a lookup, no deletion, and redemption is a family of
verbs chosen by the template's type.

The package, one job a module: ``capabilities`` (what walletpass can do on Livepasses),
``payloads`` (translation), ``checks`` (the vendor's rules :meth:`LivepassesProvider.check`
applies) over ``limits`` (the documented shapes and values), this module (the neutral
operations as plans), ``batches`` (generation batches and their polling), ``operations``
(settings, the error table, the envelope, id checks and the Livepasses-only operations),
``events`` (webhook subscriptions) and ``emulator``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar

from walletpass.batch_report import BatchReport
from walletpass.behaviour import VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.errors import (
    FieldProblem,
    NotFound,
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
from walletpass.plans import ListPlan, Plan, Send, reading_back, report
from walletpass.provider import ListFilters, Page, vendor_operation
from walletpass.redemption import (
    already_redeemed,
    no_balance,
    refuse_not_used_up,
    refuse_unredeemable,
)
from walletpass.retry import Safety
from walletpass.roundtrip import TemplateMapping
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_livepasses import batches, checks, limits, payloads, wire
from walletpass_livepasses.capabilities import CAPABILITIES
from walletpass_livepasses.events import LivepassesEvents
from walletpass_livepasses.limits import Endpoint, TemplateType
from walletpass_livepasses.meta import dashboard_templates, profile_meta
from walletpass_livepasses.operations import LivepassesSettings, VendorOperations
from walletpass_livepasses.payloads import Redeeming

__all__ = ["CAPABILITIES", "LivepassesProvider", "LivepassesSettings"]

#: What extra may carry: a recipient's and the generate request's declared keys (create); an
#: update's reason and messageHeader.
_EXTRA_KEYS: Mapping[str, frozenset[str]] = {
    "create": frozenset(limits.RECIPIENT_KEYS | limits.REQUEST_LEVEL_KEYS),
    "update": frozenset({"reason", "messageHeader"}),
    # list(extra=): searchTerm, sortBy and sortDescending under their neutral spellings.
    "list": frozenset({"search_term", "sort_by", "sort_descending"}),
}

#: Recipients per generate call. Livepasses publishes no maximum; the SDK's docs speak of
#: "hundreds" per call, and 100 keeps progress reports frequent.
BATCH_SIZE = 100

_KINDS = {kind.value: kind for kind in PassKind}
_ENDPOINTS = {e.value: e for e in Endpoint if e is not Endpoint.UNSTAMP}


#: The generate call's path.
_GENERATE = f"{wire.PASSES}/generate"

#: Livepasses' /loyalty/transact takes "points (int, required)" (its API table).
_WHOLE_POINTS = "spending loyalty points needs a whole number of points"


#: How many pass -> template pairs a provider remembers (about 100 bytes each).
TEMPLATE_MEMORY = 10_000


def _redeem_endpoint(kind: PassKind | None, spent: bool) -> str:
    """The endpoint a redemption of a pass of ``kind`` is reported made at (its ``method``)."""
    if kind is None:  # the provider refuses to guess (options), the profile's fake verb
        return "spend" if spent else "redeem"
    return _kind_endpoint(kind, Decimal(1) if spent else None).value


class LivepassesProvider(VendorOperations, LivepassesEvents[LivepassesSettings]):
    """Livepasses (https://livepasses.com): Apple and Google Wallet passes from templates."""

    name: ClassVar[str] = "livepasses"
    #: redeem(id) on a loyalty, membership or gift card is refused (NotUsedUp): a stamp or a
    #: check-in is asked for by name (use_operations); points and money live in
    #: businessData.currentPoints / accountBalance; the lookup a get() makes returns no business
    #: data (SDK 0.3.0: PassLookupResult) and of the customer only the name and email; a pass
    #: generated without a confirmation code gets one from Livepasses (vendor notes 3.1's
    #: example answer); an amount for a pass whose verb has no balance, like a bare redeem of a
    #: card, is refused after a lookup of the pass's state (a used pass says so first: the one
    #: check order of docs/concepts.md), before any redemption is sent.
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        use_operations={
            PassKind.LOYALTY: (
                "the vendor operation stamp(id) (a loyalty stamp), or "
                "redeem(id, options={'endpoint': 'stamp'})"
            ),
            PassKind.MEMBERSHIP: (
                "the vendor operation membership_check_in(id), or "
                "redeem(id, options={'endpoint': 'membership/check-in'})"
            ),
        },
        # /loyalty/transact spends points, /giftcard/redeem money; no other verb takes an amount.
        balance_kinds=frozenset({PassKind.LOYALTY, PassKind.GIFT_CARD}),
        # "points": the key an update's businessData carries them in (the SDK's update example).
        balance_fields=("currentPoints", "accountBalance", "points"),
        # ...and only an update's: a generate's businessData.points is a field like any other.
        update_names={"points": "currentPoints"},
        # list(status=...) filters issued and active alike, by Active.
        listed_alike=payloads.LISTED_ALIKE,
        # The create and update answers echo the keys the write put a balance in.
        balance_in_fields=payloads.balance_in_fields,
        # ...and read back from them as its provider reads them (points: no currency).
        balance_read=payloads.balance_from,
        # The lookup carries no business data, no qrCode and no wallet links (vendor notes
        # 3.4, 7), only the create answer's pass line does.
        unread_on_get=frozenset(
            {"fields", "balance", "barcode", "urls", "holder.phone", "holder.language"}
        ),
        update_reads_back=True,
        # The lookup's holderName is the holder's name (vendor notes 3.4): no first, last.
        holder_name_whole=frozenset({"get", "list", "update"}),
        whole_name=payloads.holder_name,
        new_external_id=limits.made_up_confirmation_code,
        # Livepasses draws every pass's QR code itself and its create answers it (qrCode).
        new_barcode=payloads.made_up_barcode,
        # /loyalty/transact takes whole points; a gift card's amount keeps its decimals.
        fractional_spend=_WHOLE_POINTS,
        # The create answer's businessData: its documented names, not personalizations.
        created_fields=frozenset(limits.BUSINESS_DATA.members),
        whole_spend_kinds=frozenset({PassKind.LOYALTY}),
        # The lookup and the create and update answers carry no pass type; the list rows do.
        kind_answered_by=frozenset({"list"}),
        # The endpoint the pass's kind is redeemed at (a loyalty spend: loyalty/transact).
        redeem_method=_redeem_endpoint,
        # Only the create answer's pass line has links (the lookup and list rows have none).
        url_forms={
            "create": {
                "download": "/passes/{vendor_id}.pkpass",
                "apple": "/apple/{vendor_id}",
                "google": "/gp/v/save/{token}",
            }
        },
        # Every answer has the pass's creation time; only the list rows an update time; none
        # a version.
        bookkeeping={
            **dict.fromkeys(("create", "update", "get"), frozenset({"created_at"})),
            "list": frozenset({"created_at", "updated_at"}),
        },
        # ...its updatedAt null until a change (livepasses.md 3.3's list item).
        updated_once_changed=True,
        # The create and update answers echo the businessData a tier is written to.
        attributes_in_fields=payloads.tier_in_fields,
        # /redeem-coupon answers the uses left (newBalance): 0 once a coupon is used up.
        counted_uses=frozenset({PassKind.COUPON}),
        # ... up to the coupon's maxUsageCount (3.1; /redeem-coupon: "incl. multi-use coupons").
        uses_field="maxUsageCount",
        # Where nothing says the kind, the balance's place does: money is a gift card's
        # (accountBalance, /giftcard/redeem), points a loyalty card's (/loyalty/transact).
        balance_kind=payloads.balance_kind,
        # A pass expires once its validUntil has passed (vendor notes 3.6, 7).
        expiry_field="validUntil",
        # Each answer's own keys: the generate line's, the lookup's, the validation's, a row's.
        meta_of=profile_meta,
        # What only the dashboard knows, for a profile given it (the fake's dashboard).
        dashboard_templates=dashboard_templates,
        # An amount on a pass whose verb has no balance is refused naming the verb (check-in).
        verb_in_refusals=True,
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
        # The sample ids this instance made (sample_pass_id), with the kind each stands for:
        # one per kind at most, and never an id the vendor answered.
        self._sample_kinds: dict[str, PassKind] = {}
        self._written: IssuedPass | None = None

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

    def sample_pass_id_of_kind(self, template: str | None, kind: PassKind | None) -> str:
        """An id for the fake's profile to vet an update of a pass of ``kind`` with: the body
        is built for that kind (:meth:`kind_known` tells it for this id), as this provider
        builds it after reading the pass, so its rules over the body (a gift card's money at
        least 0, whole points) run for the profile too. Without a kind: the kind is not known."""
        if kind is None:
            return self.sample_pass_id(template)
        sample = f"walletpass-sample-{kind.value}"
        self._sample_kinds[sample] = kind
        return sample

    def _remember_template(self, pass_id: str, template: str | None) -> None:
        if not template:
            return
        with self._templates_seen_lock:
            self._templates_seen[pass_id] = template
            self._templates_seen.move_to_end(pass_id)
            if len(self._templates_seen) > TEMPLATE_MEMORY:
                self._templates_seen.popitem(last=False)

    def present(
        self, issued: IssuedPass, mapping: TemplateMapping | None = None, *, answer: str = "get"
    ) -> IssuedPass:
        self._remember_template(issued.id, issued.template)
        return super().present(issued, mapping, answer=answer)

    # -- create --------------------------------------------------------------------------------

    def build_generate(self, passes: Sequence[Pass]) -> VendorRequest:
        """One generate call for passes sharing a template, event context and options."""
        first = passes[0]
        context, options = payloads.request_context(first)
        body = payloads.generate_body(
            first.template, [payloads.recipient(p) for p in passes], context, options
        )
        # Recoverable when every pass can be found by its external id (its confirmation code).
        safety = Safety.RECOVERABLE
        for new_pass in passes:
            if new_pass.external_id is None:
                safety = Safety.UNSAFE
                break
        return wire.request("POST", _GENERATE, safety, body=body)

    def build_create(self, new_pass: Pass) -> VendorRequest:
        """The one-pass generate call, :meth:`build_generate` of ``[new_pass]`` made without the
        list of one (Livepasses' rules are :meth:`check`'s)."""
        context, options = payloads.request_context(new_pass)
        body = payloads.generate_body(
            new_pass.template, (payloads.recipient(new_pass),), context, options
        )
        safety = Safety.UNSAFE if new_pass.external_id is None else Safety.RECOVERABLE
        return wire.request("POST", _GENERATE, safety, body=body)

    def check(
        self,
        request: VendorRequest | None,
        subject: Pass | PassUpdate | ListFilters | Redeeming,
        *,
        pass_id: str | None = None,
    ) -> list[FieldProblem]:
        """Livepasses' rules, over what ``request`` was built from, each problem at its neutral
        field: for a pass, the holder's first and last name, field values and lengths, the
        per-kind context, a key set twice, whole points, the template id
        (``checks.pass_problems``); for a change, what an issued pass cannot change and the
        ``updatedFields`` rules (``checks.update_problems``), and over the built body where
        the pass's kind put a balance (whole points, a gift card's money at least 0); for a
        listing's filters, the status values, the template id and the ``extra`` filters' types;
        for a redemption, its options and the amount its verb takes (gift cards: an amount;
        loyalty: whole points; the others: none). ``create`` and ``update`` are checked by the
        core; ``list`` and ``redeem`` by this provider's plans, before their first request.
        Sources: livepasses.md sections 3.1, 3.3, 3.6 and 3.8, the SDK 0.3.0 DTOs.

        :param request: the built request, or ``None`` where it is not built yet (a
            redemption whose verb a lookup decides; an update whose balance place the pass's
            kind decides: its body's rules run when :meth:`plan_update` has built it).
        :param subject: the ``Pass`` or ``PassUpdate`` after the template mapping, the
            ``ListFilters``, or the :class:`~walletpass_livepasses.payloads.Redeeming`.
        :param pass_id: the updated pass's id (``None`` otherwise): where its kind is known
            (:meth:`kind_known`), an update's balance must be in that kind's unit (a loyalty
            card's points, a gift card's money).
        :returns: the problems found; empty when Livepasses would take it.
        """
        if type(subject) is Pass:  # (a create's: none of the other subjects' types)
            return self._pass_problems(subject)
        if isinstance(subject, ListFilters):
            return checks.list_problems(subject)
        if isinstance(subject, Redeeming):
            return self._redeem_problems(subject)
        if isinstance(subject, PassUpdate):
            kind = (
                self.kind_known(pass_id)
                if pass_id is not None and subject.balance is not None
                else None
            )
            return checks.update_problems(subject, request.json if request else None, kind)
        return self._pass_problems(subject)

    @staticmethod
    def _pass_problems(new_pass: Pass) -> list[FieldProblem]:
        problems = checks.pass_problems(new_pass)
        template_problem = limits.template_problem(new_pass.template)
        if template_problem is not None:
            problems.insert(0, FieldProblem("template", template_problem))
        return problems

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        """A synchronous answer's one pass (asynchronous answers are followed by ``create``)."""
        data = self.data_of(response, "create")
        if data.get("isAsyncProcessing"):
            raise ValueError("an asynchronous generation answer has no passes to parse")
        outcome = batches.settle_sync(self, data, [new_pass])[0]
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
        read: IssuedPass | list[IssuedPass | WalletPassError] | batches.Job
        if request.safety is Safety.RECOVERABLE:

            def attempt() -> Plan[list[IssuedPass | WalletPassError] | batches.Job]:
                response = yield Send(request, "create")
                read = batches.read_generation(self, response, [0], [new_pass], "create")
                # An answer that leaves the one recipient's outcome unknown (unreadable, or
                # not placeable) is the attempt's failure: the loop looks the pass up before
                # any resend, as for a connection lost after sending.
                outcome = read[0] if isinstance(read, list) else None
                if isinstance(outcome, WalletPassError) and outcome.outcome_unknown:
                    raise outcome
                return read

            read = yield from self.plan_recoverable_create(new_pass, attempt, request)
        else:  # (sent once: no attempt to hand the look-up, so none made)
            response = yield Send(request, "create")
            read = batches.read_generation(self, response, [0], [new_pass], "create")
        if isinstance(read, IssuedPass):  # found by the look-up after an ambiguous failure
            return read
        if isinstance(read, batches.Job):
            yield from batches.follow(
                self, [read], None, total=1, already_done=0, operation="create"
            )
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
        return found

    # -- create_many: the native batch path ------------------------------------------------------

    def plan_create_batch(
        self, passes: Sequence[Pass], report: BatchReport
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """One generate call per group of passes that can share one; batches followed together
        (:func:`walletpass_livepasses.batches.create_batch`): progress after each round of
        batch status polls, each asynchronous batch reported accepted as soon as Livepasses
        answers with it (a journal can follow it after a crash: :meth:`follow_batch`).
        """
        return batches.create_batch(self, passes, report)

    def plan_follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """Outcomes of ``passes`` from batch ``ticket``, which an earlier run saw accepted.

        The batch is polled as :meth:`create_many` polls it (until ``batch_timeout``); its lines
        are matched to ``passes`` by confirmation code (the external id), then by unique email.
        """
        self.decode_id(ticket)  # a batch id has the shape of any Livepasses id
        keys = [batches.recipient_key(p) for p in passes]
        job = batches.Job(ticket, list(range(len(passes))), list(passes), keys)
        return batches.followed(self, job)

    @vendor_operation(native("create_many with a progress callback fed by the batch status polls"))
    def generate_and_wait(
        self,
        passes: Sequence[Pass | Mapping[str, Any]],
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Plan[BulkResult]:
        """``create_many`` with live progress: ``on_progress(done, total)`` after each poll.

        Every input gets an outcome in input order; invalid ones fail before anything is sent.
        On ``walletpass.aio`` ``on_progress`` may be a coroutine function (it is awaited).

        :param passes: the passes (or mappings), at most any number: sent in batches of
            ``BATCH_SIZE``.
        :param on_progress: ``on_progress(done, total)``, counts of passes.
        :returns: a ``BulkResult``, one item per input in order.
        :raises UnsupportedOperation: the provider cannot create passes in bulk.
        :raises WalletPassError: ``on_progress`` raised: the run stops there, the error names
            the callback (``code`` ``"callback_failed"``) and says ``outcome_unknown`` once a
            batch was sent (Livepasses goes on generating it).
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

            def progress(finished: int, _total: int, offset: int = offset) -> Any:
                # What on_progress returns goes back to the driver (an awaitable is awaited).
                return on_progress(offset + finished, total) if on_progress else None

            results = yield from self.plan_create_batch(
                [p for _, p in chunk], BatchReport(on_progress=progress)
            )
            outcomes.update((i, r) for (i, _), r in zip(chunk, results, strict=True))
            done += len(chunk)
        items = []
        for index, item in enumerate(prepared):
            outcome = outcomes.get(index, item)
            if isinstance(outcome, IssuedPass):
                items.append(BulkItem(index=index, issued=outcome))
            else:
                items.append(BulkItem(index=index, error=outcome))
        yield from report(on_progress, total, total, name="on_progress", acted=bool(valid))
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
        # (read before the validation is sent: a lookup walletpass cannot read stops the get)
        issued = self.parse(self.parse_get, looked_up, pass_id)
        # The lookup names no type: the core reports the kind the template alias states.
        return (
            yield from self._plan_fetch(
                validate, "get", lambda data: payloads.with_validation(issued, data)
            )
        )

    # -- update --------------------------------------------------------------------------------

    def update_builds_after_read(self, pass_id: str, change: PassUpdate) -> bool:
        """Whether the PUT waits for a read of the pass: its template is not known to this
        provider (the one lookup the update sends tells it, with the kind an alias states), or
        a balance without a currency goes where the pass's kind keeps it and the kind is not
        known yet (:meth:`kind_known`). The body is then built once, after that read, in
        :meth:`plan_update`, and checked there before the PUT is sent."""
        return self.template_of(pass_id) is None or (
            payloads.balance_needs_kind(change) and self.kind_known(pass_id) is None
        )

    def plan_template_from_vendor(
        self, pass_id: str, operation: str = "update"
    ) -> Plan[str | None]:
        """The pass's template from one lookup (a get() adds a validation, which says nothing
        of the template), remembered: the same update's kind decision (:meth:`plan_kind`)
        then sends no second lookup."""
        found = yield from self._plan_fetch(
            self.build_lookup(pass_id),
            operation,
            lambda data: payloads.issued_from_lookup(data, provider=self.name),
        )
        self._remember_template(pass_id, found.template)
        return found.template

    def build_update(
        self, pass_id: str, change: PassUpdate, kind: PassKind | None = None
    ) -> VendorRequest:
        """The PUT for ``change`` (Livepasses' rules are :meth:`check`'s); a balance goes where
        the pass's ``kind`` keeps it (default: the kind known without a read, :meth:`kind_known`;
        :meth:`plan_update` reads it where a balance needs it)."""
        if kind is None and change.balance is not None:  # (only a balance's place needs it)
            kind = self.kind_known(pass_id)
        body = payloads.update_body(change, kind)
        return wire.request(
            "PUT", wire.PASS, payloads.update_safety(body), body=body, passId=pass_id
        )

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        """The update as Livepasses took it: ``fields`` are the ``updatedFields`` it accepted.

        The answer's shape is undocumented (the SDK discards it), so nothing is read from it;
        :meth:`execute_update` adds the pass's template and status from a lookup.
        """
        data = self.data_of(response, "update")
        sent = response.sent().json or {}
        updated = dict(sent.get("updatedFields") or {})
        # The kind decides only how points are read (a gift card's are its money's place).
        kind = (
            self.kind_known(pass_id) if "currentPoints" in updated or "points" in updated else None
        )
        meta: dict[str, Any] = {}
        if "messageBody" in sent:
            meta["notified"] = sent.get("notify", True)
        values = {
            "id": pass_id,
            "vendor_id": pass_id,
            "fields": updated,
            "balance": payloads.balance_from(updated, kind),
            "meta": meta,
            "raw": data,
        }
        if (
            type(pass_id) is str
            and pass_id
            and pass_id.isascii()
            and pass_id.isprintable()
            and all(type(key) is str for key in updated)
        ):
            # Every value here is walletpass's own (the id the core checked, the fields and
            # balance this update sent, its notify) or the answer's data, which the pass keeps
            # as it is (raw): where validation would keep each as given (an id PassId takes as
            # it is, text keys), the pass is the written pass's copy with them set, the same
            # pass (fields set included) without validating a whole IssuedPass on every update.
            return self._written_pass().model_copy(update=values)
        return IssuedPass.model_validate({**values, "provider": self.name})

    def _written_pass(self) -> IssuedPass:
        """The pass an update's write answer is made from (:meth:`parse_update`), with every
        key it sets given, made at this provider's first update (its name is all it holds)."""
        written = self._written
        if written is None:
            written = self._written = IssuedPass.model_validate(
                {
                    "id": "p",
                    "vendor_id": "p",
                    "provider": self.name,
                    "fields": {},
                    "balance": None,
                    "meta": {},
                    "raw": None,
                }
            )
        return written

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """The PUT, then a lookup: the PUT's answer says nothing about the pass, and the lookup
        tells its template (to read the fields back under their logical names) and its status
        after the change (a ``validUntil`` in the past expires it).

        Without ``request`` (:meth:`update_builds_after_read`) the pass's kind is read first
        where the balance needs it (:meth:`plan_kind`: no lookup when the update's template
        read told the template already), then the body is built once and checked
        (``checked_update_request``) before the PUT is sent."""
        return self._plan_update(pass_id, change, request)

    def _plan_update(
        self, pass_id: str, change: PassUpdate, put: VendorRequest | None
    ) -> Plan[IssuedPass]:
        if put is None:
            if payloads.balance_needs_kind(change) and self.kind_known(pass_id) is None:
                # A balance without a currency is a gift card's money (accountBalance, where
                # /giftcard/redeem spends it) or loyalty points (points): the pass's kind,
                # read before the write, says which (kind_known tells it from then on).
                yield from self.plan_kind(pass_id, "update", remember=True)
            put = self.checked_update_request(pass_id, change)
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
        """The redemption request once the verb is known (``options['endpoint']``), for a
        redemption :meth:`check` passed. Raises ``ValidationError`` only for what no request
        can carry: no verb, an amount on a verb without one, an option the verb does not take.
        """
        opts = dict(options)
        endpoint = _ENDPOINTS.get(str(opts.pop("endpoint", "")))
        opts.pop("kind", None)
        if endpoint is None:
            raise ValidationError.from_problems(
                [FieldProblem("options.endpoint", _ENDPOINT_HELP)],
                provider=self.name,
                operation="redeem",
            )
        built = payloads.redemption_body(endpoint, opts)
        uncarried = list(built.problems)  # an option with no place (or form) in this body
        if amount is not None and endpoint not in _BALANCE_VERBS:
            uncarried.append(_no_amount(endpoint))
        self._refuse(uncarried, "redeem")
        body = dict(built.body)
        if amount is not None and endpoint is Endpoint.GIFT_CARD:
            body = {"amount": payloads.wire_value(amount), **body}
        elif amount is not None and endpoint is Endpoint.LOYALTY:
            body = {"transactionType": "spend", "points": payloads.wire_value(amount), **body}
        return self.build_redemption(pass_id, endpoint, body)

    def _redeem_problems(self, call: Redeeming) -> list[FieldProblem]:
        """The rules of a redemption. Before its verb is known: nothing, if the verb of some
        kind of pass would take it (that verb's rules run once a read has chosen it, before the
        redemption is sent), else the problems of the verb that comes closest."""
        if call.endpoint is None:
            verbs = {_kind_endpoint(kind, call.amount) for kind in PassKind}
            if call.amount is not None:  # a verb without a balance is the pass's refusal
                verbs &= _BALANCE_VERBS
            found = [self._redeem_problems(replace(call, endpoint=verb)) for verb in sorted(verbs)]
            return [] if not all(found) else min(found, key=len)
        problems = list(payloads.redemption_body(call.endpoint, call.options).problems)
        amount = call.amount
        if call.endpoint is Endpoint.GIFT_CARD:
            if amount is None:
                problems.append(FieldProblem("amount", "a gift card redemption needs the amount"))
        elif call.endpoint is Endpoint.LOYALTY:
            fraction = None if amount is None else self.behaviour.fraction_refusal(amount)
            if amount is None or fraction is not None:
                problems.append(FieldProblem("amount", fraction or _WHOLE_POINTS))
        elif amount is not None:
            problems.append(_no_amount(call.endpoint))
        return problems

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        data = self.data_of(response, "redeem")
        method = response.path.rsplit("{passId}/", 1)[-1]
        return payloads.redemption_from(data, pass_id=pass_id, provider=self.name, method=method)

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        """The verb of the pass's kind (read from options, the template alias, or the
        template's type, which may take a lookup and a template read first).

        Every rule runs before the first request where the verb is known without reading
        (``options['endpoint']``, ``options['kind']``, or the alias kind of a pass this provider
        has seen); else the options no verb takes are refused first, and the chosen verb's own
        rules after the reads that chose it, before the redemption is sent.
        """
        opts = dict(options)
        endpoint_name = opts.pop("endpoint", None)
        kind_name = opts.pop("kind", None)
        problems = []
        if endpoint_name is not None and endpoint_name not in _ENDPOINTS:
            problems.append(FieldProblem("options.endpoint", _ENDPOINT_HELP))
        if kind_name is not None and kind_name not in _KINDS:
            problems.append(
                FieldProblem("options.kind", f"must be one of {', '.join(sorted(_KINDS))}")
            )
        self._refuse(problems, "redeem")
        kind = _KINDS.get(kind_name or "")
        explicit = _ENDPOINTS.get(endpoint_name) if endpoint_name is not None else None
        endpoint = explicit or self._endpoint_known(pass_id, kind, amount)
        refusal = self._vet_redemption(
            pass_id, endpoint, amount, opts, explicit=explicit is not None, kind=kind
        )
        return self._plan_redeem(
            pass_id,
            amount,
            opts,
            endpoint,
            explicit=explicit is not None,
            kind=kind,
            refusal=refusal,
        )

    def _endpoint_known(
        self, pass_id: str, kind: PassKind | None, amount: Decimal | None
    ) -> Endpoint | None:
        """The verb, where no read is needed to know it: the kind given, or the alias kind of
        the template of a pass this provider has seen."""
        if kind is None:
            template = self.template_of(pass_id)
            kind = self._alias_kind(template) if template is not None else None
        return _kind_endpoint(kind, amount) if kind is not None else None

    def _vet_redemption(
        self,
        pass_id: str,
        endpoint: Endpoint | None,
        amount: Decimal | None,
        opts: Mapping[str, Any],
        *,
        explicit: bool,
        kind: PassKind | None = None,
    ) -> WalletPassError | None:
        """The redemption's rules once its verb is known: a malformed one raises
        (``ValidationError``); the refusal of this pass's kind (``NotUsedUp``, no balance) is
        returned, raised after the pass's state is read (:meth:`_refused_after_state`).

        ``kind``: the kind ``options`` gave, if any."""
        refused_as: PassKind | None = None  # the kind whose redeem(id) this is refused as
        if amount is None and explicit and endpoint is Endpoint.REDEEM:
            # /redeem is "terminal, single-use only: multi-use passes are refused with 422
            # OPERATION_NOT_ALLOWED" (livepasses.md, the redemption table): a pass of a kind
            # redeem(id) does not use up (a loyalty card, a membership, a gift card), known as
            # such without a read, is refused as a bare redeem(id) of it is, before anything
            # is sent (its kind unknown, the vendor's refusal says it).
            refused_as = kind or self.kind_known(pass_id)
        elif amount is None and not explicit and endpoint is not None:
            # redeem(id) uses a pass up on every provider; a stamp, a check-in or a gift card's
            # spend leaves it in use, so it is asked for by name (options endpoint, or the vendor
            # operations behaviour.use_operations names), never by a bare redeem.
            refused_as = _NOT_USED_UP_VERBS.get(endpoint)
        if refused_as is not None:
            try:
                refuse_not_used_up(
                    refused_as,
                    pass_id,
                    provider=self.name,
                    use_operations=self.behaviour.use_operations,
                    has_balance=refused_as in (self.behaviour.balance_kinds or ()),
                )
            except WalletPassError as refusal:
                return refusal
        if (
            amount is not None
            and endpoint is not None
            and not explicit
            and endpoint not in _BALANCE_VERBS
        ):
            # The pass's kind chose a verb without a balance (a ticket, coupon, membership): the
            # pass has none to deduct from, as on every provider (docs/concepts.md).
            return no_balance(
                pass_id, provider=self.name, operation="redeem", details={"verb": endpoint.value}
            )
        self._refuse(self.check(None, Redeeming(endpoint, amount, opts)), "redeem")
        return None

    def _refused_after_state(self, pass_id: str, refusal: WalletPassError) -> Plan[Redemption]:
        """``refusal`` (the pass's kind refuses this redeem), after the one check order every
        provider follows (docs/concepts.md): a pass deleted, expired or used up is refused for
        that first (``NotFound``, ``PassExpired``, ``AlreadyRedeemed``). One lookup; nothing is
        written."""
        current = yield from self._plan_fetch(
            self.build_lookup(pass_id),
            "redeem",
            lambda data: payloads.issued_from_lookup(data, provider=self.name),
        )
        refuse_unredeemable(current, provider=self.name)
        raise refusal

    def _plan_redeem(
        self,
        pass_id: str,
        amount: Decimal | None,
        opts: dict[str, Any],
        known: Endpoint | None,
        *,
        explicit: bool,
        kind: PassKind | None,
        refusal: WalletPassError | None = None,
    ) -> Plan[Redemption]:
        endpoint = known
        if endpoint is None:  # the verb a read chooses: its own rules, before the write
            endpoint = yield from self._endpoint_for(pass_id, amount, kind)
            refusal = self._vet_redemption(pass_id, endpoint, amount, opts, explicit=explicit)
        if refusal is not None:
            return (yield from self._refused_after_state(pass_id, refusal))
        request = self.build_redeem(pass_id, amount, {**opts, "endpoint": endpoint.value})
        response = yield Send(request, "redeem")
        redemption = self.parse(self.parse_redeem, response, pass_id)
        raw = redemption.raw if isinstance(redemption.raw, Mapping) else {}
        if raw.get("alreadyRedeemed") is True:
            raise already_redeemed(
                pass_id, provider=self.name, operation="redeem", details=dict(raw)
            )
        if amount is not None:  # what was taken off, whatever sign the vendor reports
            redemption = redemption.model_copy(update={"amount": amount})
        return redemption

    def _endpoint_for(
        self, pass_id: str, amount: Decimal | None, kind: PassKind | None
    ) -> Plan[Endpoint]:
        """The redemption verb for this pass.

        In order: the kind given (``options['kind']``); the kind the template alias of the pass's
        template states; the kind of the template's type (:meth:`plan_kind`). Only
        ``EventTicket`` is an attested type name; ``Loyalty``, ``Coupon``, ``Membership`` and
        ``GiftCard`` are *inferred* (livepasses.md, Later findings), so a template of any other
        type is refused here, before a redemption is sent, naming the ways to say which verb
        applies (``/redeem`` refuses multi-use passes).
        """
        if kind is None:
            kind = yield from self.plan_kind(pass_id, "redeem", remember=True)
        return _kind_endpoint(kind, amount)

    def kind_known(self, pass_id: str) -> PassKind | None:
        """The pass's kind where no request is needed to tell it: the template alias's kind of
        the template of a pass this provider has seen, else that template's type if it was read
        already; ``None``: a read would be needed."""
        template = self.template_of(pass_id)
        if template is None:
            return self._sample_kinds.get(pass_id)
        kind = self._alias_kind(template)
        if kind is None:
            with self._template_types_lock:
                found = self._template_types.get(template)
            kind = found.kind if found is not None else None
        return kind

    def plan_kind(self, pass_id: str, operation: str, *, remember: bool = False) -> Plan[PassKind]:
        """The pass's kind, reading what is needed (the lookup for its template, then the
        template for its type) as a step of ``operation``: the template alias's kind, else the
        kind of the template's type (names other than ``EventTicket`` *inferred*).

        :param remember: keep the pass's template for later calls (a redeem's; an update's
            answer is presented, which keeps it, so its plan asks the same whenever replayed).
        :raises ValidationError: the template's type is not one walletpass knows (``Generic``):
            the message names ``options`` kind or endpoint and the template alias's kind.
        :raises WalletPassError: what the reads raise (``NotFound``...), naming ``operation``.
        """
        # A pass never changes template: one this provider has seen needs no lookup.
        template = self.template_of(pass_id)
        if template is None:
            found = yield from self._plan_fetch(
                self.build_lookup(pass_id),
                operation,
                lambda data: payloads.issued_from_lookup(data, provider=self.name),
            )
            template = found.template
            if remember:
                self._remember_template(pass_id, template)
        kind = self._alias_kind(template)
        if kind is not None:
            return kind
        found_type = (yield from self.plan_template_type(template, operation)) if template else None
        if found_type is None:
            raise ValidationError.from_problems(
                [FieldProblem("options", _unattested_type(template, found_type))],
                provider=self.name,
                operation=operation,
            )
        return found_type.kind

    def _alias_kind(self, template: str | None) -> PassKind | None:
        """The kind a configured template alias states for vendor template ``template``."""
        if not self.settings.templates:
            return None
        kinds = {
            alias.kind
            for alias in self.settings.templates.values()
            if alias.id == template and alias.kind is not None
        }
        return kinds.pop() if len(kinds) == 1 else None

    # -- list ----------------------------------------------------------------------------------

    def plan_list(self, filters: ListFilters) -> ListPlan:
        """:meth:`check` of the filters, then the core's paging from :meth:`build_list`."""
        self._refuse(self.check(None, filters), "list")
        return self.plan_pages(self.build_list(filters), filters)

    def build_list(self, filters: ListFilters, page: int = 1) -> VendorRequest:
        """Page ``page`` of a listing whose filters :meth:`check` passed; a status Livepasses
        has no value for is the one thing it refuses (no query could carry it)."""
        status = None
        if filters.status is not None:
            status = payloads.vendor_status_for(filters.status)
            if status is None:
                self._refuse([FieldProblem("status", checks.LIST_STATUSES)], "list")
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

#: The verbs a bare redeem(id) would reach for a pass it does not use up, and that kind.
_NOT_USED_UP_VERBS: Mapping[Endpoint, PassKind] = {
    Endpoint.STAMP: PassKind.LOYALTY,
    Endpoint.MEMBERSHIP: PassKind.MEMBERSHIP,
    Endpoint.GIFT_CARD: PassKind.GIFT_CARD,
}


def _kind_endpoint(kind: PassKind, amount: Decimal | None) -> Endpoint:
    """The verb that redeems a pass of ``kind`` (a loyalty spend: /loyalty/transact)."""
    template_type = limits.TEMPLATE_KINDS.get(kind)
    if template_type is TemplateType.LOYALTY and amount is not None:
        return Endpoint.LOYALTY
    if template_type is None:
        return Endpoint.REDEEM
    return template_type.endpoint


def _no_amount(endpoint: Endpoint) -> FieldProblem:
    return FieldProblem(
        "amount",
        f"/{endpoint.value} takes no amount (gift cards and loyalty points do; a coupon's "
        "purchase is options transaction_amount)",
    )


def _unattested_type(template: str | None, found: TemplateType | None) -> str:
    shown = repr(found.value) if found else "not a name walletpass knows"
    return (
        f"walletpass cannot tell which verb redeems a pass of template {template!r} (type "
        f"{shown}): Livepasses documents no template type but EventTicket (-> /check-in), and "
        "/redeem refuses multi-use passes. Say which verb applies with "
        f"options={{'kind': ...}} ({', '.join(sorted(k.value for k in limits.TEMPLATE_KINDS))}"
        f"), options={{'endpoint': ...}} ({', '.join(sorted(_ENDPOINTS))}), or kind in the "
        "template alias of this template"
    )
