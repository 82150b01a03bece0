"""The provider contract and the one pipeline every operation goes through.

A provider declares what its vendor can do (``capabilities``) and which settings it takes
(``Provider[Settings]``), and implements small pure hooks: ``build_<op>`` turns neutral input into
a :class:`VendorRequest` (raising for what the vendor cannot express), ``check`` holds the vendor's
rules over that request, ``parse_<op>`` turns a :class:`VendorResponse` (which carries the request
it answers) into neutral output. The base class owns the public methods and runs, for every call,
in this order:

1. capability check (NONE -> ``UnsupportedOperation`` naming the alternative),
2. neutral validation (pydantic model -> ``ValidationError``),
3. template alias resolution,
4. fields in use vs declarations (strict: ``UnsupportedFeature`` naming every field; lenient:
   one ``UnsupportedFeatureWarning`` per field, and the field is dropped),
5. declared counts, the build hook (once) and the provider's ``check`` of what it built,
6. the built request -> shared transport -> parse hook, vendor errors through the error table.

Nothing is sent before every check has passed. Vendors whose operation takes several requests
override ``execute_<op>`` and still use ``send`` and their pure hooks.

The jobs live in their own modules; this one composes them and owns the public methods:
:mod:`walletpass.contract` (declarations and hooks), :mod:`walletpass.preparation` (the checks
before sending), :mod:`walletpass.driver` (send, parse, execution steps),
:mod:`walletpass.error_mapping` (vendor errors -> walletpass errors),
:mod:`walletpass.transport_setup` (building the HTTP transport) and
:mod:`walletpass.presentation` (answers in the application's terms). The names plugins import
(``Provider``, ``ErrorInfo``, ``ErrorRule``, ``ListFilters``, ``Page``) stay importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from walletpass.bounds import enter_call_deadline, leave_call_deadline
from walletpass.capabilities import Capability
from walletpass.contract import PROVIDER_API_VERSION, ListFilters, Page, ProviderContract, SettingsT
from walletpass.driver import Driver, sent_at_once
from walletpass.errors import (
    FieldProblem,
    ValidationError,
    WalletPassError,
)
from walletpass.model import (
    IssuedPass,
    Pass,
    PassStatus,
    PassUpdate,
)
from walletpass.plans import Plan
from walletpass.preparation import Preparation
from walletpass.presentation import neutral_redemption
from walletpass.status import with_current_status
from walletpass.vendor_operations import vendor_operation

if TYPE_CHECKING:
    from walletpass.bulk import BulkProgress
    from walletpass.error_mapping import DEFAULT_ERROR_TABLE, ErrorInfo, ErrorRule
    from walletpass.journal import Journal
    from walletpass.results import BulkItem, BulkResult, Redemption

__all__ = [
    "DEFAULT_ERROR_TABLE",
    "PROVIDER_API_VERSION",
    "ErrorInfo",
    "ErrorRule",
    "ListFilters",
    "Page",
    "Provider",
    "ProviderContract",
    "SettingsT",
    "vendor_operation",
]


#: Bound once (an enum member read through its class runs enum's Python descriptor code on
#: CPython 3.11, about a thousand instructions): the capability every get() requires.
_GET = Capability.GET


class Provider(Preparation[SettingsT], Driver[SettingsT]):
    """Base class of every walletpass provider (vendor backends, the fake, third-party plugins).

    The declarations and hooks are :class:`~walletpass.contract.ProviderContract`'s; the checks
    before sending are :class:`~walletpass.preparation.Preparation`'s, the execution steps
    :class:`~walletpass.driver.Driver`'s. This class owns the public methods.

    The request errors every operation that sends may raise, besides those its own
    documentation names: what the provider's ``error_table``, then the HTTP defaults, map the
    vendor's answer to (``AuthenticationError`` for 401, ``PermissionDenied`` for 403,
    ``NotFound`` for 404 and 410, ``Conflict`` for 409, ``ValidationError`` for 400, 415 and
    422, ``RateLimited`` for 429, ``ProviderUnavailable`` for 5xx; a vendor's error codes may
    name ``QuotaExceeded`` or a ``BusinessRuleError``); ``InvalidResponse`` for an answer that
    cannot be read, ``RedirectNotFollowed`` for a 3xx, ``ConfigurationError`` for a missing
    ``base_url`` or credential; and a fault in the provider's own code as a
    ``WalletPassError`` naming it (``code="unexpected_error"``).
    """

    def create(self, new_pass: Pass | Mapping[str, Any]) -> IssuedPass:
        """Issue a pass.

        Every check (neutral validation, the declarations, the vendor's limits, the template
        alias) runs before anything is sent; a create the vendor may or may not have received is
        looked up by ``external_id`` before any resend where the provider declares it
        RECOVERABLE, so a pass is never issued twice.

        :param new_pass: the pass, or a mapping with the same keys (validated into a ``Pass``).
        :returns: the issued pass: its opaque ``id`` (pass it to every other call), the
            vendor's ``vendor_id``, ``status`` as a ``get()`` right now would report it,
            wallet links in ``urls`` where the vendor gives them, the fields and holder under
            the application's logical names, and vendor details in ``meta`` (keys listed on each
            provider's page).
        :raises ValidationError: the pass is malformed or breaks a vendor limit (every problem
            at once, by field path; nothing sent), or the vendor refused it as invalid (400,
            415, 422: its field problems, where it names them).
        :raises UnsupportedOperation: the provider cannot issue passes (the message names the
            alternative); nothing sent.
        :raises UnsupportedFeature: the pass uses a field the provider declares NONE (strict
            mode; lenient mode warns with ``UnsupportedFeatureWarning`` and drops only that
            part); nothing sent.
        :raises Conflict: the vendor already has a pass with this ``external_id``.
        :raises OutcomeUnknown: an earlier attempt may have issued it and the vendor cannot be
            asked (nothing is re-sent).
        :raises BusinessRuleError: the vendor refused it for a business reason.
        :raises NotFound: the template does not exist at the vendor.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        try:
            prepared, mapping, request = self._prepare_create(new_pass)
            # The deadline bounds the whole create, a reconciling lookup included (begun after
            # the checks; two plain calls, where a with-block is three calls from C).
            deadline = enter_call_deadline(self.settings.deadline)
            try:
                # (Safety.RECOVERABLE, a StrEnum, by its value, as plan_create tests it)
                recoverable = request is not None and (
                    request.safety == "recoverable" and prepared.external_id is not None
                )
                if request is not None and sent_at_once(
                    self, "recoverable create" if recoverable else "create", prepared, request
                ):
                    # plan_create's first attempt, without its generator
                    failed: WalletPassError | None = None
                    try:
                        response = self.send(request, "create")
                        try:
                            issued = self.parse(self.parse_create, response, prepared)
                        except StopIteration as exc:
                            # (what a hook's StopIteration is inside the plan's generator)
                            raise RuntimeError("generator raised StopIteration") from exc
                    except WalletPassError as exc:
                        if not (recoverable and exc.outcome_unknown):
                            raise
                        failed = exc
                    if failed is not None:
                        # The request may have acted: the plan's loop goes on from here, with
                        # its look-up (run outside the handler, as the plan runs it).
                        issued = self.run(
                            self._recovering_create(
                                prepared,
                                lambda: self._single(
                                    request, "create", self.parse_create, prepared
                                ),
                                request,
                                failed,
                            )
                        )
                else:
                    issued = self.send_prepared("create", prepared, request=request)
            finally:
                leave_call_deadline(deadline)
            issued = with_current_status(issued, expires_at=prepared.expires_at)
            return self._present_written(issued, mapping, prepared)
        except Exception as exc:
            self._escaping(exc, "create")
            raise

    def get(self, pass_id: str) -> IssuedPass:
        """Read a pass back as the vendor reports it now.

        :param pass_id: the ``IssuedPass.id`` a create returned (checked locally first).
        :returns: the pass, as :meth:`create` returns one; parts the vendor's read cannot return
            (its ``behaviour.unread_on_get``: fields, balance or holder contact data) are left out
            entirely, never guessed.
        :raises UnsupportedOperation: the provider cannot read passes (the message names the
            alternative); nothing sent.
        :raises ValidationError: a malformed id (nothing sent), or the vendor refused the
            request as invalid (400, 415, 422).
        :raises NotFound: no such pass (``NotFound.provider`` names the provider).
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        try:
            self.require(_GET)
            checked = self._check_id(pass_id)
            if sent_at_once(self, "get", checked):
                # plan_get's one request, without its generator
                response = self.send(self.build_get(checked), "get")
                try:
                    read = self.parse(self.parse_get, response, checked)
                except StopIteration as exc:  # (as in plan_get's generator: see create)
                    raise RuntimeError("generator raised StopIteration") from exc
                return self.present(read)
            # A read of several requests is one call: one deadline bounds them all.
            deadline = enter_call_deadline(self.settings.deadline)
            try:
                read = self.execute_get(checked)
            finally:
                leave_call_deadline(deadline)
            return self.present(read)
        except Exception as exc:
            self._escaping(exc, "get")
            raise

    def update(self, pass_id: str, change: PassUpdate | Mapping[str, Any]) -> IssuedPass:
        """Change an issued pass; fields left out stay as they are.

        Only the parts set on ``change`` are sent (``None`` clears a part where the provider
        declares ``update.clear``); ``message`` is pushed to the holder where the vendor can,
        ``notify`` asks for (or against) a notification. The change is checked before it is
        sent.

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param change: a ``PassUpdate``, or a mapping with the same keys.
        :returns: the pass after the change, as :meth:`create` returns one, with the status a
            ``get()`` right after would report.
        :raises UnsupportedOperation: the provider cannot update passes; nothing sent.
        :raises ValidationError: a malformed id or change, or one breaking a vendor limit
            (nothing sent), or the vendor refused it as invalid (400, 415, 422).
        :raises UnsupportedFeature: the change uses a field or behaviour (message, notify,
            clearing) declared NONE; nothing sent.
        :raises NotFound: no such pass.
        :raises AlreadyRedeemed: the vendor refuses to change a used or voided pass.
        :raises PassExpired: the vendor refuses to change an expired pass.
        :raises BusinessRuleError: any other business refusal by the vendor.
        :raises Conflict: a concurrent change the vendor refused.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        try:
            checked, prepared, mapping, request = self._prepare_update(pass_id, change)
            # One deadline bounds the update's requests (a read before or after the write).
            deadline = enter_call_deadline(self.settings.deadline)
            try:
                issued = self.send_prepared("update", checked, prepared, request=request)
            finally:
                leave_call_deadline(deadline)
            if prepared.expires_at is not None:
                # An expiry this update sets that has passed makes the pass expired, as a get()
                # right after reports (the vendor's answer may predate looking at it).
                issued = with_current_status(issued, expires_at=prepared.expires_at)
            return self._present_written(issued, mapping, prepared)
        except Exception as exc:
            self._escaping(exc, "update")
            raise

    def plan_checked_update(
        self, pass_id: str, change: PassUpdate | Mapping[str, Any]
    ) -> Plan[IssuedPass]:
        """:meth:`update` as one plan: every check (and the template read an alias may need),
        :meth:`plan_update`, the answer presented as ``update()`` presents it. What the async
        API drives for ``update()``, and what a vendor-only operation that is an update of one
        part (or of many passes) yields from, so every driver runs it.

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param change: a ``PassUpdate``, or a mapping with the same keys.
        :returns: a plan whose result is the pass after the change, as :meth:`update` returns
            it.
        :raises WalletPassError: what :meth:`update` raises, without the provider and operation
            filled in (the caller's guard adds them).
        """
        checked, prepared, mapping, request = yield from self._prepare_update_plan(pass_id, change)
        issued = yield from self.plan_update(checked, prepared, request)
        if prepared.expires_at is not None:
            issued = with_current_status(issued, expires_at=prepared.expires_at)
        return self._present_written(issued, mapping, prepared)

    def redeem(
        self,
        pass_id: str,
        *,
        amount: Decimal | int | float | str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Redemption:
        """Redeem a pass: consume it, or spend ``amount`` from its balance.

        Without ``amount`` the pass is used up (a ticket scanned at the door, a coupon applied):
        the answer's ``status`` is ``REDEEMED`` on every provider (how the vendor did it, e.g. by
        voiding the pass, is in ``meta["vendor_status"]``), a ``get()`` afterwards reports a
        final status, and redeeming again raises ``AlreadyRedeemed``. A pass whose vendor counts
        its uses (a multi-use coupon) is used once per call: ``ACTIVE`` with the uses left in
        ``meta`` until the last use, which is ``REDEEMED`` (docs/concepts.md).

        With ``amount`` (a positive number, in the balance's unit: points, or the currency's
        main unit) it is deducted from the pass's balance (points, gift card); the pass stays
        ``ACTIVE`` and ``remaining`` reports the balance left where the vendor tells it.

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :param amount: how much to spend, in the balance's unit: points, or the currency's main
            unit (``Decimal("2.50")`` is two and a half euros, not cents); a positive number
            (``Decimal``, ``int``, ``float`` or numeric text). A vendor that counts whole points
            refuses a fraction.
        :param options: vendor-specific redemption options (each provider's page lists them),
            checked before sending.
        :returns: a ``Redemption``: ``status`` (``REDEEMED`` for a use-up; ``ACTIVE`` after a
            spend, or a use that leaves a multi-use pass usable), ``amount`` (what was spent, in
            the balance's unit; without an amount ``None``, or ``1`` where the vendor counts
            uses), ``remaining`` (after a spend, the balance left, same unit, where the vendor
            tells it; without an amount always ``None``), ``redeemed_at``, ``method`` (the
            vendor's verb, e.g. ``check-in``) and ``meta`` (``vendor_status``: the vendor's own
            word for the result where it differs from ``status``; uses left or stamps where the
            vendor counts them, under the key its provider page names).
        :raises UnsupportedOperation: the provider cannot redeem at all (the message names the
            alternative); nothing sent.
        :raises UnsupportedFeature: ``amount`` on a provider whose passes have no balance;
            nothing sent.
        :raises ValidationError: a malformed id, amount or options (nothing sent), or the
            vendor refused the request as invalid (400, 415, 422).
        :raises NotUsedUp: no ``amount``, on a pass a redeem does not use up (a kind of
            :data:`walletpass.redemption.NOT_USED_UP_KINDS`: a loyalty, membership or gift
            card); refused before any write, the message naming the spend or the vendor's own
            call for a use (``behaviour.use_operations``) where there is one.
        :raises AlreadyRedeemed: the pass was used up or voided already.
        :raises PassExpired: the pass has expired.
        :raises BusinessRuleError: any other refusal, e.g. an amount larger than the balance.
        :raises NotFound: no such pass.
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        try:
            checked, value, checked_options = self._prepare_redeem(pass_id, amount, options)
            deadline = enter_call_deadline(self.settings.deadline)  # (its requests: one call)
            try:
                result = self.execute_redeem(checked, value, checked_options)
            finally:
                leave_call_deadline(deadline)
            return neutral_redemption(result, value)
        except Exception as exc:
            self._escaping(exc, "redeem")
            raise

    def delete(self, pass_id: str) -> None:
        """Remove or permanently invalidate a pass (what that means is declared per provider, in
        its ``delete`` note; a ``get()`` afterwards raises ``NotFound`` or reports ``DELETED``,
        ``VOIDED`` or ``EXPIRED``).

        :param pass_id: the ``IssuedPass.id`` a create returned.
        :returns: ``None``.
        :raises UnsupportedOperation: the provider cannot delete passes (the message names the
            alternative, e.g. expiring it by update); nothing sent.
        :raises NotFound: no such pass.
        :raises ValidationError: a malformed id (nothing sent), or the vendor refused the
            request as invalid (400, 415, 422).
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        try:
            self.require(Capability.DELETE)
            checked = self._check_id(pass_id)
            deadline = enter_call_deadline(self.settings.deadline)  # (its requests: one call)
            try:
                self.execute_delete(checked)
            finally:
                leave_call_deadline(deadline)
        except Exception as exc:
            self._escaping(exc, "delete")
            raise

    def list(
        self,
        *,
        template: str | None = None,
        status: PassStatus | str | None = None,
        page_size: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Iterator[IssuedPass]:
        """Iterate over passes, fetching pages lazily. Checks happen now; requests on iteration.

        The errors of a request are raised while iterating, by the ``next()`` that needed its
        page.

        :param template: only passes of this template (a logical name or the vendor's id).
        :param status: only passes in this status (a ``PassStatus`` or its value).
        :param page_size: passes per request, within the vendor's limits (``None``: the
            vendor's default).
        :param extra: vendor-specific filters (each provider's page lists them).
        :returns: an iterator of ``IssuedPass``, as :meth:`get` reports each; the next page is
            requested when the previous one is used up.
        :raises UnsupportedOperation: the provider cannot list passes; raised at the call.
        :raises ValidationError: a malformed filter, or one the vendor cannot apply (nothing
            sent), or the vendor refused a page's request as invalid (400, 415, 422).
        :raises NotFound: the vendor has no such template (or no list where it was asked).
        :raises ProviderUnavailable: no answer, a 5xx, a timeout or the ``deadline`` passed
            (``outcome_unknown`` where the request may have taken effect).
        :raises WalletPassError: the other request errors (see the class's): ``Conflict``,
            ``AuthenticationError``, ``PermissionDenied``, ``RateLimited``, ``QuotaExceeded``,
            ``BusinessRuleError``, ``InvalidResponse``, ``RedirectNotFollowed``,
            ``ConfigurationError``.
        """
        with self._guard("list"):
            self.require(Capability.LIST)
            filters = self._list_filters(template, status, page_size, extra)
            # Built now, so the vendor's checks of the filters run at the call.
            items = self.execute_list(filters)
        return self._guarded_iter("list", (self.present(item, answer="list") for item in items))

    def create_many(
        self,
        passes: Iterable[Pass | Mapping[str, Any] | WalletPassError],
        *,
        concurrency: int | None = None,
        journal: str | os.PathLike[str] | Journal | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        on_item: Callable[[BulkItem], None] | None = None,
        keep_items: bool = True,
    ) -> BulkResult:
        """Issue many passes; one outcome per input, in input order, never aborting half-way.

        ``journal`` (a file path) makes the run resumable without duplicates: see
        :mod:`walletpass.journal`; a :class:`~walletpass.pgjournal.PostgresJournal` shares the run
        with other workers. ``on_item`` receives each outcome in input order as it is
        settled; with ``keep_items=False`` the result keeps counts only (constant memory).
        An item may also be a ``WalletPassError`` saying why an input record could not become a
        pass (see :mod:`walletpass.rows`): it is reported as that item's failure, so positions
        stay aligned with the input.

        :param passes: an iterable of passes (or mappings), read lazily. One that raises ends
            the run there: that position fails (``code`` ``"input_failed"``) after every
            outcome before it, and nothing after it is read.
        :param concurrency: requests in flight at once (default: the ``concurrency`` setting);
            the provider's rate limit still applies.
        :param journal: a file path or a ``Journal``: what was settled is recorded, and a rerun
            with the same journal skips it.
        :param on_progress: called with a ``BulkProgress`` as items settle (a plain function).
        :param on_item: called with each ``BulkItem`` in input order (a plain function).
        :param keep_items: ``False`` keeps counts only (constant memory).
        :returns: a ``BulkResult``: ``items`` (one ``BulkItem`` per input, in order: ``issued``
            or ``error`` — a ``WalletPassError`` of the kinds :meth:`create` raises, with
            ``outcome_unknown`` where the vendor may have issued it — or ``skipped``) and the
            counts ``total``, ``succeeded``, ``failed``, ``skipped``. A failed item never stops
            the run.
        :raises UnsupportedOperation: the provider cannot create passes in bulk.
        :raises ValidationError: ``passes`` is not an iterable of passes.
        :raises ValidationError: ``concurrency`` is not a positive integer, ``journal`` is
            neither a path nor a journal, or ``on_item`` / ``on_progress`` is a coroutine
            function or not callable (before anything is sent).
        :raises WalletPassError: ``on_item`` or ``on_progress`` raised (``code``
            ``"callback_failed"``, ``outcome_unknown``: creates were sent); the run stopped.
        :raises JournalInUse: another run holds the journal file.
        :raises JournalError: the journal cannot be read or written; the run stops, and the
            error names the items not attempted (``not_attempted``) and carries the
            ``BulkResult`` so far (``result``).
        :raises ConfigurationError: the journal belongs to a run on another provider or
            vendor account, or ``journal`` is a database URL (a PostgreSQL journal is a
            ``PostgresJournal``). A missing ``base_url`` or credential is not raised: each
            item fails with that ``ConfigurationError``, nothing sent.
        """
        from walletpass.bulk import run_create_many

        with self._guard("create_many"):
            self.require(Capability.CREATE_MANY)
            self.require(Capability.CREATE)
            if isinstance(passes, str | bytes | Mapping | Pass) or not isinstance(passes, Iterable):
                raise ValidationError.from_problems(
                    [FieldProblem("passes", "must be an iterable of passes, e.g. a list")]
                )
            return run_create_many(
                self,
                passes,
                concurrency=concurrency or self.settings.concurrency,
                on_progress=on_progress,
                journal=Path(journal) if isinstance(journal, os.PathLike) else journal,
                on_item=on_item,
                keep_items=keep_items,
            )


# Re-exported for plugins (``from walletpass.provider import ErrorRule``), loaded on first use:
# the error mapping belongs to the HTTP side, which the fake never needs.
_ERROR_MAPPING_NAMES = frozenset({"DEFAULT_ERROR_TABLE", "ErrorInfo", "ErrorRule"})


def __getattr__(name: str) -> Any:
    if name in _ERROR_MAPPING_NAMES:
        from walletpass import error_mapping

        value = getattr(error_mapping, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
