"""The pipeline driver: the one loop that drives every operation's plan
(:mod:`walletpass.plans`), sending a built request, mapping a vendor error, running a parse hook;
and the default plans of the neutral operations (build hook -> send -> parse hook)."""

from __future__ import annotations

import inspect
import operator
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from walletpass.callbacks import call_back
from walletpass.capabilities import Capability, Support
from walletpass.contract import ListFilters, ProviderContract, SettingsT
from walletpass.errors import (
    BusinessRuleError,
    InvalidResponse,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.model import (
    IssuedPass,
    Pass,
    PassStatus,
    PassUpdate,
)
from walletpass.outcomes import unreconciled
from walletpass.plans import (
    _PLAIN,
    Call,
    ListPlan,
    Now,
    Plan,
    Send,
    Step,
    Together,
    Wait,
    as_part_of,
    drive,
    drive_items,
    paging,
    recovering,
)
from walletpass.redaction import raise_scrubbed, scrub_exception
from walletpass.redemption import (
    deleted_error,
    judged_by_type,
    kind_to_judge,
    refuse_not_used_up,
    refuse_unredeemable,
)
from walletpass.together import together_in_threads

if TYPE_CHECKING:
    # Types only: the HTTP side loads with the first request sent or error answer read, so the
    # fake (which sends none) never loads it.
    from walletpass.batch_report import BatchReport
    from walletpass.results import Redemption
    from walletpass.transport import VendorRequest, VendorResponse

__all__ = ["Driver", "sent_at_once"]

_T = TypeVar("_T")


class Driver(ProviderContract[SettingsT]):
    """The execution steps: every operation is a plan (:mod:`walletpass.plans`) that
    :meth:`run` (or, for listings, :meth:`iterate`) drives.

    Providers override ``plan_<op>`` for operations that take several requests. A plugin
    written for the version 1 contract may override ``execute_<op>`` instead (sending with
    :meth:`send` itself): the public methods call ``execute_<op>``, whose default runs
    ``plan_<op>``, so such an override keeps working on the sync API.
    """

    if TYPE_CHECKING:

        def checked_update_request(self, pass_id: str, change: PassUpdate) -> VendorRequest: ...

    # -- the one loop ---------------------------------------------------------------------------

    def run(self, plan: Plan[_T]) -> _T:
        """Drive ``plan`` to its end (:func:`walletpass.plans.drive`) and return its result.

        ``Send`` goes through :meth:`send` (retries, the rate limit, the deadline, the error
        table); its error is thrown into the plan. ``Wait`` sleeps; ``Now`` reads the monotonic
        clock. A plan that emits items is a listing: drive it with :meth:`iterate`.

        :param plan: the plan.
        :returns: what the plan returns.
        :raises WalletPassError: what the plan raises (an error thrown in and not caught).
        """
        return drive(plan, self.answer)

    def iterate(self, plan: ListPlan) -> Iterator[Any]:
        """Drive a listing's ``plan`` lazily (:func:`walletpass.plans.drive_items`): the items
        of each ``Emit``, in order.

        The plan runs at once up to its first step, so every check it makes before its first
        request raises here, at the call; each later step runs when the caller needs the items
        it leads to (a request's error is raised by the ``next()`` that needed its page).

        :param plan: the listing's plan.
        :returns: an iterator of the items it emits.
        :raises WalletPassError: a check the plan makes before its first step.
        """
        return drive_items(plan, self.answer)

    def answer(self, step: Step) -> Any:
        """Carry out one step of a plan (not ``Emit``): a ``Send``'s 2xx response, or the
        clock after a ``Wait`` or at a ``Now``; a ``Call`` calls the caller's callback, a
        ``Together`` runs its plans in threads (:mod:`walletpass.together`).

        :raises WalletPassError: the error a ``Send``'s answer maps to.
        """
        if isinstance(step, Send):
            return self.send(step.request, step.operation)
        if isinstance(step, Wait):
            if step.seconds > 0:
                time.sleep(step.seconds)
            return time.monotonic()
        if isinstance(step, Now):
            return time.monotonic()
        if isinstance(step, Call):
            return call_back(step)
        if isinstance(step, Together):
            return together_in_threads(step, self.answer)
        raise TypeError(f"not a step a plan may yield: {step!r}")

    # -- the plans of the neutral operations -----------------------------------------------------

    def plan_create(self, new_pass: Pass, request: VendorRequest | None = None) -> Plan[IssuedPass]:
        """The plan of a create: send the request the checks built, :meth:`parse_create`; a
        RECOVERABLE request with an ``external_id`` is looked up before any resend
        (:meth:`plan_recoverable_create`).

        Override (as every ``plan_<op>``) only where the operation needs several requests: yield
        ``Send(request, operation)`` for each (the answer comes back; an error answer is thrown
        in as the walletpass error it maps to) and read each answer with
        ``self.parse(hook, response, ...)``. Runs after every check has passed.

        Where this plan is not overridden (or an override marked
        :func:`walletpass.plans.plain_when` holds), ``create()`` sends the request and parses
        the answer itself, without making this plan: the same requests, result and errors
        (``get()`` and :meth:`plan_get` alike). A recoverable create goes on with
        :meth:`plan_recoverable_create`'s loop only after an ambiguous failure.

        :param new_pass: the checked pass, in the vendor's terms.
        :param request: the request :meth:`build_create` made while the pass was checked (sent
            as it is, so the body is built once); ``None``: it is built here.
        :returns: a plan whose result is the issued pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``, ``BusinessRuleError``...: the provider's ``error_table``, then
            the HTTP defaults), or ``ProviderUnavailable`` / ``RateLimited`` from the transport;
            ``outcome_unknown`` is set wherever the request may have taken effect.
        """
        built = request if request is not None else self.build_create(new_pass)
        # (Safety.RECOVERABLE, a StrEnum, by its value: no import statement run per create)
        if built.safety == "recoverable" and new_pass.external_id is not None:
            return self.plan_recoverable_create(
                new_pass,
                lambda: self._single(built, "create", self.parse_create, new_pass),
                request=built,
            )
        return self._single(built, "create", self.parse_create, new_pass)

    def plan_recoverable_create(
        self,
        new_pass: Pass,
        attempt: Callable[[], Plan[_T]],
        request: VendorRequest | None = None,
    ) -> Plan[_T | IssuedPass]:
        """The recoverable create, the one loop every provider uses: ``attempt()`` (a plan that
        sends the create and reads its answer), and after a failure that leaves the outcome
        unknown, :meth:`plan_reconcile_create` before any resend; at most ``max_retries + 1``
        attempts.

        :param new_pass: the pass being created (its ``external_id`` is set).
        :param attempt: makes the plan of one attempt.
        :param request: the built, checked request ``attempt`` sends, handed to the look-up (a
            vendor that compares what it holds with what was sent reads the body from it, not
            from a second build).
        :returns: a plan whose result is the attempt's, or the pass a look-up found.
        :raises OutcomeUnknown: a look-up failed, so nobody knows whether the pass exists.
        """
        return self._recovering_create(new_pass, attempt, request, None)

    def _recovering_create(
        self,
        new_pass: Pass,
        attempt: Callable[[], Plan[_T]],
        request: VendorRequest | None,
        failed: WalletPassError | None,
    ) -> Plan[_T | IssuedPass]:
        """:meth:`plan_recoverable_create`'s loop; ``failed``: the first attempt's ambiguous
        failure where ``create`` made that attempt itself (the loop starts with its look-up)."""
        return recovering(
            attempt,
            lambda sent: self.plan_reconcile_create(sent, new_pass, request),
            self.settings.max_retries + 1,
            failed=failed,
        )

    def plan_get(self, pass_id: str) -> Plan[IssuedPass]:
        """The plan of a read: :meth:`build_get`, send, :meth:`parse_get` (see
        :meth:`plan_create` for how to override it).

        :param pass_id: the checked id.
        :returns: a plan whose result is the pass (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``...).
        """
        request = self.build_get(pass_id)
        return self._single(request, "get", self.parse_get, pass_id)

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        """The plan of an update: send the request the checks built, :meth:`parse_update`
        (see :meth:`plan_create` for how to override it).

        :param pass_id: the checked id.
        :param change: the checked change, in the vendor's terms.
        :param request: the request :meth:`build_update` made while the change was checked
            (sent as it is); ``None``: it is built and checked here
            (``checked_update_request``).
        :returns: a plan whose result is the pass after the change (the core presents it).
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``,
            ``AlreadyRedeemed``...).
        """
        built = request if request is not None else self.checked_update_request(pass_id, change)
        return self._single(built, "update", self.parse_update, pass_id, change)

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        """The plan of a redemption: :meth:`build_redeem`, send, :meth:`parse_redeem` (see
        :meth:`plan_create` for how to override it).

        :param pass_id: the checked id.
        :param amount: ``None``, or the checked positive amount in the balance's unit.
        :param options: the caller's options.
        :returns: a plan whose result is the vendor's ``Redemption`` (the core gives its
            status the one meaning).
        :raises WalletPassError: the error the vendor's answer maps to (``AlreadyRedeemed``...).
        """
        request = self.build_redeem(pass_id, amount, options)
        return self._single(request, "redeem", self.parse_redeem, pass_id)

    def plan_delete(self, pass_id: str) -> Plan[None]:
        """The plan of a deletion: :meth:`build_delete`, send (any 2xx means done).

        :param pass_id: the checked id.
        :returns: a plan whose result is ``None``.
        :raises WalletPassError: the error the vendor's answer maps to (``NotFound``...).
        """
        request = self.build_delete(pass_id)

        def delete() -> Plan[None]:
            yield Send(request, "delete")

        return delete()

    def plan_list(self, filters: ListFilters) -> ListPlan:
        """The plan of a listing: :meth:`build_list`, then :meth:`parse_list` page after page
        while ``Page.next`` is set (:meth:`plan_pages`), each page's items emitted.

        :param filters: the checked filters.
        :returns: a listing's plan (driven lazily by :meth:`iterate`).
        :raises WalletPassError: the error a page's answer maps to, when that page is needed.
        """
        return self.plan_pages(self.build_list(filters), filters)

    def plan_pages(self, first: VendorRequest, filters: ListFilters) -> ListPlan:
        """Follow ``Page.next`` from ``first`` (:meth:`parse_list` reads each page): the one
        paging loop (:func:`walletpass.plans.paging`).

        :param first: the first page's request.
        :param filters: the listing's filters.
        :returns: a listing's plan emitting each page's items.
        :raises InvalidResponse: a next page that repeats a page already read.
        """
        return paging(
            first,
            "list",
            lambda response: self.parse(self.parse_list, response, filters),
            label=self.label,
        )

    def plan_template_from_vendor(
        self, pass_id: str, operation: str = "update"
    ) -> Plan[str | None]:
        """The template the vendor says the pass belongs to (one read, as ``get``): what an
        update through a template alias needs when the id does not tell.

        :param pass_id: the checked id.
        :param operation: the operation the read is a step of (its errors name it).
        :returns: a plan whose result is the vendor's template id, or ``None``.
        :raises WalletPassError: what the read raises (``NotFound``...), naming ``operation``.
        """
        issued = yield from as_part_of(self.plan_get(pass_id), operation)
        return issued.template

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        """The plan of :meth:`find_by_external_id`: the pass the vendor holds under
        ``new_pass.external_id``, or ``None``. Providers whose vendor can look passes up
        override this (or, as version 1 of the contract did, ``find_by_external_id`` itself).
        An override may add a keyword parameter ``request: VendorRequest | None = None``: the
        recoverable create then passes the request it sent (``None`` where it was sent by an
        earlier run, as a resumed bulk run's).

        :param new_pass: the pass that was sent (its ``external_id`` is set).
        :returns: a plan whose result is the pass the vendor holds, or ``None``.
        :raises UnsupportedOperation: the vendor cannot look passes up (default).
        """
        if _overrides(type(self), "find_by_external_id"):
            # A version 1 plugin's own look-up, which sends by itself (sync only).
            return _done(self.find_by_external_id(new_pass))
        return _failing(
            UnsupportedOperation(
                f"{self.label} cannot look passes up by external id", provider=self.label
            )
        )

    def plan_reconcile_create(
        self, sent: WalletPassError, new_pass: Pass, request: VendorRequest | None = None
    ) -> Plan[IssuedPass | None]:
        """Look up a create whose outcome ``sent`` left unknown: the one reconciliation path.

        :param sent: the failure that left the outcome unknown.
        :param new_pass: the pass that was sent.
        :param request: the request that was sent, where this run built it (handed to a
            :meth:`plan_find_by_external_id` that takes ``request``).
        :returns: a plan whose result is the pass the vendor holds, or ``None`` when it holds
            none (sending again is safe).
        :raises OutcomeUnknown: the lookup itself failed (``outcome_unknown`` true, never
            retryable), so nobody knows whether the pass exists.
        """
        try:
            if request is not None and _takes_request(type(self), "plan_find_by_external_id"):
                find: Callable[..., Plan[IssuedPass | None]] = self.plan_find_by_external_id
                return (yield from find(new_pass, request=request))
            return (yield from self.plan_find_by_external_id(new_pass))
        except Exception as lookup:
            error = unreconciled(sent, lookup, provider=self.name, subject=new_pass)
            if isinstance(lookup, WalletPassError):
                raise error from lookup
            raise_scrubbed(error, lookup)

    def plan_redeem_after_read(
        self,
        pass_id: str,
        request: VendorRequest,
        *,
        type_of: Callable[[IssuedPass], str | None] | None = None,
    ) -> Plan[Redemption]:
        """An emulated redemption (a vendor whose redeem is a plain write, e.g. voiding the
        pass): read the pass (:meth:`plan_get`), refuse one that cannot be redeemed, then send
        ``request`` and read its answer with :meth:`parse_redeem`.

        :param pass_id: the checked id.
        :param request: the built redemption request (built before the read, so its checks
            come first).
        :param type_of: the vendor's type of the read pass (:meth:`refuse_redeem`'s
            ``vendor_type``).
        :returns: a plan whose result is the vendor's ``Redemption``.
        :raises NotFound: the pass was deleted.
        :raises PassExpired: the pass has expired.
        :raises AlreadyRedeemed: the pass was redeemed (voided) already.
        :raises NotUsedUp: the pass is of a kind a redeem does not use up.
        """
        current = yield from as_part_of(self.plan_get(pass_id), "redeem")
        self.refuse_redeem(current, None, vendor_type=type_of(current) if type_of else None)
        response = yield Send(request, "redeem")
        return self.parse(self.parse_redeem, response, pass_id)

    def plan_refused_if_deleted(self, write: Plan[_T], pass_id: str, operation: str) -> Plan[_T]:
        """``write``, where a refusal may mean the pass was deleted: when the vendor refuses it
        (its ``ValidationError`` or ``BusinessRuleError`` answer), the pass is read, and a
        deleted one raises the one error every provider raises for a write on a deleted pass
        (:func:`walletpass.redemption.deleted_error`) instead of the vendor's own word. For
        vendors whose answer to a write on a deleted pass is undocumented (PassEntry).

        :param write: the plan that writes.
        :param pass_id: the checked id.
        :param operation: the operation (``update``, ``redeem``).
        :returns: a plan whose result is ``write``'s.
        :raises NotFound: the pass was deleted.
        """
        try:
            return (yield from write)
        except (ValidationError, BusinessRuleError) as refused:
            if refused.status is None:  # walletpass's own refusal: nothing was asked
                raise
            try:
                current = yield from self.plan_get(pass_id)
            except WalletPassError:
                raise refused from None
            if current.status is not PassStatus.DELETED:
                raise
            vendor = current.meta.get("vendor_status")
            details = {"vendor_status": vendor} if isinstance(vendor, str) and vendor else None
            raise deleted_error(
                pass_id, provider=self.name, operation=operation, details=details
            ) from refused

    def refuse_redeem(
        self, current: IssuedPass, amount: Decimal | None, *, vendor_type: str | None = None
    ) -> None:
        """What a redeem must refuse on the pass as just read, before it writes (the one rule
        of :mod:`walletpass.redemption`, for a vendor whose redeem is a plain write).

        :param current: the pass as a ``get`` right before the redeem reports it (the vendor's
            terms: its template is the vendor's).
        :param amount: the amount to spend, or ``None`` to use the pass up.
        :param vendor_type: the vendor's type of the pass as read (its Apple style), judged by
            where neither a template alias nor the read says the kind (:func:`kind_to_judge`
            with ``behaviour.kinds``: a store card is refused).
        :raises NotFound: the pass was deleted.
        :raises PassExpired: the pass has expired.
        :raises AlreadyRedeemed: the pass was redeemed (voided) already.
        :raises NotUsedUp: ``amount`` is ``None`` and the pass is of a kind a redeem does not
            use up (its kind as read, else its template alias's).
        """
        refuse_unredeemable(current, provider=self.name)
        if amount is not None:
            return
        kinds = {
            alias.kind
            for alias in self.settings.templates.values()
            if alias.id == current.template and alias.kind is not None
        }
        known = kinds.pop() if len(kinds) == 1 else current.kind
        kind = kind_to_judge(known, vendor_type, self.behaviour.kinds)
        refuse_not_used_up(
            kind,
            current.id,
            provider=self.name,
            use_operations=self.behaviour.use_operations,
            balance=self.capabilities[Capability.BALANCE].support is not Support.NONE,
            has_balance=kind in (self.behaviour.balance_kinds or (kind,)),
            judged_as=judged_by_type(known, vendor_type, self.behaviour.kinds),
        )

    def _single(
        self, request: VendorRequest, operation: str, hook: Callable[..., _T], *args: Any
    ) -> Plan[_T]:
        response = yield Send(request, operation)
        return self.parse(hook, response, *args)

    def plan_create_batch(
        self, passes: Sequence[Pass], report: BatchReport
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """The plan that creates several passes in one vendor batch (providers that set
        ``native_batch_size``); one outcome per input, in order.

        Report to the caller through ``report``'s steps: ``yield from report.accepted(positions,
        ticket)`` as soon as the vendor has taken the passes at ``positions`` into a job that
        runs in the background, named by ``ticket`` (a batch id), so a bulk journal can collect
        its outcomes through :meth:`follow_batch` after a crash; ``yield from
        report.progress(done, total)`` as the vendor reports progress.

        :param passes: the checked passes, in the vendor's terms (at most
            ``native_batch_size``).
        :param report: the caller's callbacks (:class:`walletpass.batch_report.BatchReport`).
        :returns: a plan whose result is one ``IssuedPass`` or ``WalletPassError`` per input, in
            input order (an error with ``outcome_unknown`` where the vendor may have issued
            that pass).
        :raises WalletPassError: a failure of the whole batch before the vendor took it.
        """
        raise self._missing_hook("plan_create_batch")

    def plan_follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> Plan[list[IssuedPass | WalletPassError]]:
        """The plan that collects the outcomes of ``passes``, which an earlier run saw accepted
        into the vendor's background job ``ticket`` (providers that report tickets).

        :param ticket: the batch id ``on_accepted`` reported (checked here, before any step).
        :param passes: the passes of that batch, in the order they were sent.
        :returns: a plan whose result is one ``IssuedPass`` or ``WalletPassError`` per pass, in
            order; a job still running past the provider's deadline gives errors with
            ``outcome_unknown``.
        :raises UnsupportedOperation: the provider does not follow background batches
            (default).
        """
        raise UnsupportedOperation(
            f"{self.label} does not follow background batches",
            provider=self.label,
            operation="follow_batch",
        )

    # -- the sync entry points (version 1 of the contract: still overridable) ----------------------

    def execute_create(self, new_pass: Pass, request: VendorRequest | None = None) -> IssuedPass:
        """Run :meth:`plan_create` (the version 1 hook: override ``plan_create`` instead).

        :param new_pass: the checked pass, in the vendor's terms.
        :param request: the request built while the pass was checked, or ``None``.
        :returns: the issued pass (the core presents it).
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_create(new_pass, request))

    def execute_get(self, pass_id: str) -> IssuedPass:
        """Run :meth:`plan_get` (the version 1 hook: override ``plan_get`` instead).

        :param pass_id: the checked id.
        :returns: the pass (the core presents it).
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_get(pass_id))

    def execute_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> IssuedPass:
        """Run :meth:`plan_update` (the version 1 hook: override ``plan_update`` instead).

        :param pass_id: the checked id.
        :param change: the checked change, in the vendor's terms.
        :param request: the request built while the change was checked, or ``None``.
        :returns: the pass after the change (the core presents it).
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_update(pass_id, change, request))

    def execute_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Redemption:
        """Run :meth:`plan_redeem` (the version 1 hook: override ``plan_redeem`` instead).

        :param pass_id: the checked id.
        :param amount: ``None``, or the checked positive amount in the balance's unit.
        :param options: the caller's options.
        :returns: the vendor's ``Redemption``.
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_redeem(pass_id, amount, options))

    def execute_delete(self, pass_id: str) -> None:
        """Run :meth:`plan_delete` (the version 1 hook: override ``plan_delete`` instead).

        :param pass_id: the checked id.
        :returns: ``None``.
        :raises WalletPassError: what the plan raises.
        """
        self.run(self.plan_delete(pass_id))

    def execute_list(self, filters: ListFilters) -> Iterator[IssuedPass]:
        """Drive :meth:`plan_list` lazily (the version 1 hook: override ``plan_list``
        instead); its checks run now, pages are requested as the caller iterates.

        :param filters: the checked filters.
        :returns: an iterator of passes (the core presents each).
        :raises WalletPassError: a check of the filters, at the call; a page's error, by the
            ``next()`` that needed it.
        """
        return self.iterate(self.plan_list(filters))

    def pages(self, first: VendorRequest, filters: ListFilters) -> Iterator[IssuedPass]:
        """:meth:`plan_pages`, driven lazily."""
        return self.iterate(self.plan_pages(first, filters))

    def execute_create_batch(
        self,
        passes: Sequence[Pass],
        on_progress: Callable[[int, int], None] | None = None,
        on_accepted: Callable[[Sequence[int], str], None] | None = None,
    ) -> list[IssuedPass | WalletPassError]:
        """Run :meth:`plan_create_batch` (the version 1 hook: override that instead).

        :param passes: the checked passes, in the vendor's terms.
        :param on_progress: ``on_progress(done, total)`` as the vendor reports progress.
        :param on_accepted: ``on_accepted(positions, ticket)`` when the vendor takes passes
            into a background job.
        :returns: one ``IssuedPass`` or ``WalletPassError`` per input, in input order.
        :raises WalletPassError: a failure of the whole batch before the vendor took it.
        """
        from walletpass.batch_report import BatchReport

        return self.run(self.plan_create_batch(passes, BatchReport(on_progress, on_accepted)))

    def follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> list[IssuedPass | WalletPassError]:
        """The outcomes of ``passes``, which an earlier run saw accepted into job ``ticket``
        (runs :meth:`plan_follow_batch`, guarded like every operation).

        :param ticket: the batch id ``on_accepted`` reported.
        :param passes: the passes of that batch, in the order they were sent.
        :returns: one ``IssuedPass`` or ``WalletPassError`` per pass, in order.
        :raises UnsupportedOperation: the provider does not follow background batches.
        :raises ValidationError: ``ticket`` is not one of the vendor's batch ids.
        """
        with self._guard("create_many"):
            return self.run(self.plan_follow_batch(ticket, passes))

    def _template_from_vendor(self, pass_id: str) -> str | None:
        """The template the vendor says the pass belongs to (one read, as ``get``)."""
        if _overrides(type(self), "execute_get"):  # a version 1 plugin's own read
            try:
                return self.execute_get(pass_id).template
            except WalletPassError as exc:  # a step of the update: its errors name update
                exc.operation = "update"
                raise
        return self.run(self.plan_template_from_vendor(pass_id))

    def find_by_external_id(self, new_pass: Pass) -> IssuedPass | None:
        """Look a pass up by its external id (runs :meth:`plan_find_by_external_id`; a
        version 1 plugin may override this instead, sync only).

        :param new_pass: the pass that was sent (its ``external_id`` is set).
        :returns: the pass the vendor holds under that id, or ``None`` when it has none.
        :raises UnsupportedOperation: the vendor cannot look passes up (default).
        """
        return self.run(self.plan_find_by_external_id(new_pass))

    def send_prepared(self, operation: str, *args: Any, request: VendorRequest | None) -> Any:
        """Run ``execute_<operation>(*args)`` with the request built while checking them.

        An override written before the build moved into the checks (no ``request``
        parameter) still works: it builds its request itself, once more.
        """
        execute = getattr(self, f"execute_{operation}")
        if request is not None and _takes_request(type(self), f"execute_{operation}"):
            return execute(*args, request)
        return execute(*args)

    def send(self, request: VendorRequest, operation: str) -> VendorResponse:
        """Send through the shared transport; a non-2xx answer raises through the error table."""
        transport = self.transport
        # (the transport counts the dispatch after its rate-limit wait: outcomes.note_dispatch)
        return self.accept(transport.send(request, operation=operation), request, operation)

    def accept(
        self, response: VendorResponse, request: VendorRequest, operation: str
    ) -> VendorResponse:
        """``response`` when it is a 2xx answer to ``request``; else its walletpass error
        (through the error table; ``outcome_unknown`` where the request may have acted), raised.
        Every driver of plans, sync or async, reads answers through this.

        :raises WalletPassError: the error a non-2xx answer maps to.
        """
        if not 200 <= response.status < 300:
            from walletpass.retry import may_have_acted

            error = self.error_for(response, operation)
            # A server error (a 500 after the write, a gateway's 502) means the backend may have
            # acted: for a request that must not be repeated blindly the caller has to
            # reconcile (RECOVERABLE creates look it up).
            if may_have_acted(response.status) and not request.safety.repeatable:
                error.outcome_unknown = True
            raise error
        return response

    def parse(self, hook: Callable[..., _T], response: VendorResponse, *args: Any) -> _T:
        """Run a parse hook; a response missing what the hook expects is ``InvalidResponse``.

        :param hook: the parse hook (``self.parse_get``...), called as ``hook(response, *args)``.
        :param response: the 2xx answer the hook reads.
        :param args: the hook's other arguments (the pass, the id...).
        :returns: what the hook returns.
        :raises InvalidResponse: the hook raised ``KeyError``, ``TypeError``, ``ValueError``,
            ``IndexError``, ``AttributeError`` or ``OverflowError``, or a model built from the
            answer refused it (a ``ValidationError``: the vendor's answer is invalid, not the
            caller's input), or the hook raised ``InvalidResponse`` itself; the hook's own
            exception is its (scrubbed) cause; ``outcome_unknown`` where the answered request
            was a write (not ``GET``, ``HEAD`` or ``OPTIONS``): it took effect.
        :raises WalletPassError: any other walletpass error the hook raised, as it is.
        """
        try:
            return hook(response, *args)
        except InvalidResponse as exc:
            exc.outcome_unknown = exc.outcome_unknown or _acted(response)
            raise
        except ValidationError as exc:
            # A model built from the answer refused it (a pass id with a terminal escape...):
            # the vendor's answer is invalid, not the caller's input.
            problem: BaseException = exc
        except WalletPassError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            problem = exc  # (OverflowError: a JSON number like 1e999 turned into an int)
        acted = _acted(response)
        # Raised outside the handler so the hook's exception (whose text may quote a vendor echo
        # of the credentials) is reachable only through its scrubbed stand-in.
        raise InvalidResponse(
            f"unexpected response to {response.method} {response.path}: "
            f"{type(problem).__name__}: {problem}",
            provider=self.label,
            status=response.status,
            request_id=response.request_id,
            outcome_unknown=acted,
        ) from scrub_exception(problem)

    def error_for(self, response: VendorResponse, operation: str | None) -> WalletPassError:
        """Build the walletpass error for a vendor error response."""
        from walletpass.error_mapping import ErrorInfo, error_from_response

        try:
            info = self.parse_error(response)
        except InvalidResponse:  # a proxy's HTML page, a challenge's text: not the vendor's JSON
            info = ErrorInfo(message=f"HTTP {response.status} with a non-JSON body")
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            # JSON of a shape the hook was not written for: the status alone decides.
            info = ErrorInfo(
                message=f"HTTP {response.status} with an error body that could not be read"
            )
        return error_from_response(
            response,
            info,
            table=self.error_table,
            provider=self.name,
            label=self.label,
            operation=operation,
            retry_after=self.retry_after,
        )

    def reconcile_create(self, sent: WalletPassError, new_pass: Pass) -> IssuedPass | None:
        """Run :meth:`plan_reconcile_create`: the pass the vendor holds, or ``None``.

        Raises:
            OutcomeUnknown: the lookup itself failed, so nobody knows whether the pass exists.
        """
        return self.run(self.plan_reconcile_create(sent, new_pass))


def _acted(response: VendorResponse) -> bool:
    """Whether a success the parse hook cannot read answers a request that changes something:
    then the change was made but its result (the new pass's id...) is unknown, for the caller
    (and a bulk journal) to reconcile rather than to treat as "not done"."""
    return response.ok and response.method.upper() not in ("GET", "HEAD", "OPTIONS")


_TAKES_REQUEST: dict[tuple[type, str], bool] = {}


def _takes_request(cls: type, hook: str) -> bool:
    """Whether ``cls``'s ``hook`` accepts the prepared ``request`` (asked once per class)."""
    known = _TAKES_REQUEST.get((cls, hook))
    if known is None:
        known = "request" in inspect.signature(getattr(cls, hook)).parameters
        _TAKES_REQUEST[(cls, hook)] = known
    return known


#: The steps of each operation's plan of one request, as the driver defines them (its plan
#: first: an override marked ``plain_when`` may stand in for it).
_STEP_NAMES: dict[str, tuple[str, ...]] = {
    op: (f"plan_{op}", f"execute_{op}", "run", "answer", "send_prepared", "_single")
    for op in ("create", "get")
}
#: A recoverable create with an external id: its loop too (the public method goes on with it
#: after an ambiguous failure of the attempt it sent at once).
_STEP_NAMES["recoverable create"] = (*_STEP_NAMES["create"], "plan_recoverable_create")
#: What, set on an instance, replaces a step of those plans (a test's own loop).
_STEPS = frozenset(name for names in _STEP_NAMES.values() for name in names)
#: Per operation: its plan's name and the driver's own plan; its other steps read off a class in
#: one call, and the driver's own (taken at import: a step replaced later on Driver itself counts
#: as replaced).
_AT_ONCE = {
    op: (
        names[0],
        getattr(Driver, names[0]),
        operator.attrgetter(*names[1:]),
        operator.attrgetter(*names[1:])(Driver),
    )
    for op, names in _STEP_NAMES.items()
}


def sent_at_once(provider: Driver[Any], operation: str, *arguments: Any) -> bool:
    """Whether ``provider``'s ``operation`` (``"create"``, ``"recoverable create"`` or
    ``"get"``) is the driver's own plan, driven by its own loop, with nothing of it replaced on
    the class (or on :class:`Driver`) or the instance: then the public method sends the request
    and parses its answer itself, as that plan does (the same calls, errors and order), without
    making a generator, a ``Send`` and the loop that steps them (a recoverable create goes on
    with :meth:`Driver.plan_recoverable_create`'s loop only after an ambiguous failure). A
    ``plan_<op>`` override marked :func:`walletpass.plans.plain_when` counts as the driver's
    own on the calls where its test holds, given the plan's ``arguments`` (a create's pass and
    request, a get's id), when the plan its ``super()`` reaches is the driver's own.

    Asked on every call, not remembered per class: a step replaced after the class made calls
    (a test's ``monkeypatch.setattr`` on the provider class) is driven from its next call on.
    """
    name, own, rest_of, own_rest = _AT_ONCE[operation]
    cls = type(provider)
    # (the instance's names iterated, not the steps': an instance holds a handful)
    if rest_of(cls) != own_rest or not _STEPS.isdisjoint(provider.__dict__):
        return False
    plan = getattr(cls, name)
    if plan is own:
        return True
    try:
        plain = _PLAIN.get(plan)
    except TypeError:  # (an unhashable stand-in a test set: not marked)
        return False
    if plain is None:
        return False
    above = _ABOVE.get((cls, plan), cls)  # (cls: not asked yet; never the answer)
    if above is cls:
        above = _above(cls, plan, name)
    if getattr(above, name, None) is not own:
        return False  # (the plan super() reaches is another class's, or patched)
    return bool(plain(provider, *arguments))


#: (class, its marked plan) -> the class whose attribute is the plan that one reaches through
#: ``super()``, for classes whose MRO tail is that class's own (asked once per pair; bounded).
_ABOVE: dict[tuple[type, Any], type | None] = {}


def _above(cls: type, plan: Any, name: str) -> type | None:
    """The class after the one holding ``plan`` in ``cls``'s MRO, where that class's own MRO is
    the rest of ``cls``'s (single inheritance from there: a ``getattr`` on it is what
    ``super()`` reaches); ``None`` otherwise. Remembered in :data:`_ABOVE`."""
    mro = cls.__mro__
    found: type | None = None
    for at, klass in enumerate(mro):
        if klass.__dict__.get(name) is plan:
            if at + 1 < len(mro) and mro[at + 1].__mro__ == mro[at + 1 :]:
                found = mro[at + 1]
            break
    if len(_ABOVE) < 256:
        _ABOVE[cls, plan] = found
    return found


def _overrides(cls: type, name: str) -> bool:
    """Whether ``cls`` replaces the driver's ``name`` (a version 1 plugin's own step)."""
    return getattr(cls, name) is not getattr(Driver, name)


def _done(value: _T) -> Plan[_T]:
    """A plan with no step: ``value`` at once."""
    return value
    yield  # a generator: never reached


def _failing(error: WalletPassError) -> Plan[Any]:
    """A plan with no step that raises ``error``."""
    raise error
    yield  # a generator: never reached
