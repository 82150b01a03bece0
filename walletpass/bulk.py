"""``create_many``: many passes, one outcome each, in input order, never aborting half-way.

Inputs are consumed lazily and only a bounded window of them is in flight, so an iterator of any
length can be fed in. Each item goes through the same checks as ``create``; an invalid item gets
its ``ValidationError`` in the result and the run goes on. Providers with a native batch endpoint
(``native_batch_size``) receive chunks; the others are called concurrently under the provider's
rate limiter, which all workers share. With a journal (see :mod:`walletpass.journal`) a re-run of
an interrupted job skips what was issued and never issues a pass twice.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from walletpass import errors as _errors
from walletpass.accounts import account_of
from walletpass.errors import (
    Conflict,
    FieldProblem,
    JournalError,
    OutcomeUnknown,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.journal import (
    BulkJournal,
    Journal,
    JournalEntry,
    JournalState,
    fingerprint,
    item_key,
)
from walletpass.model import BulkItem, BulkResult, IssuedPass, Pass
from walletpass.outcomes import unreconciled
from walletpass.presentation import with_sent_fields
from walletpass.readback import BATCH, unknown_parts
from walletpass.redaction import scrub_exception
from walletpass.send_checks import checked_before_sending
from walletpass.status import with_current_status
from walletpass.transport import VendorRequest

if TYPE_CHECKING:
    from walletpass.behaviour import VendorBehaviour

__all__ = ["BulkProgress", "BulkProvider", "run_create_many"]

_T = TypeVar("_T")

#: Marks a stop caused by failing to deliver results (their later outcomes go to ``unrecorded``).
_DELIVERY_FAILED: tuple[Any, ...] = ("delivery failed",)


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """Reported after each item completes."""

    done: int
    succeeded: int
    failed: int
    skipped: int = 0


class BulkProvider(Protocol):
    """What a bulk run needs of a provider (every :class:`walletpass.Provider` has it).

    A protocol rather than the class, so this module does not depend on the provider module
    that calls it.
    """

    @property
    def name(self) -> str: ...

    @property
    def native_batch_size(self) -> int | None: ...

    def auth_headers(self) -> dict[str, str]: ...

    def prepare_create_request(
        self, new_pass: Pass | Mapping[str, Any]
    ) -> tuple[Pass, VendorRequest | None]: ...

    def send_prepared(self, operation: str, *args: Any, request: VendorRequest | None) -> Any: ...

    def present(
        self, issued: IssuedPass, mapping: Any = None, *, answer: str = "get"
    ) -> IssuedPass: ...

    def execute_create(self, new_pass: Pass) -> IssuedPass: ...

    def execute_create_batch(
        self,
        passes: Sequence[Pass],
        on_progress: Callable[[int, int], None] | None = None,
        on_accepted: Callable[[Sequence[int], str], None] | None = None,
    ) -> list[IssuedPass | WalletPassError]: ...

    def follow_batch(
        self, ticket: str, passes: Sequence[Pass]
    ) -> list[IssuedPass | WalletPassError]: ...

    def find_by_external_id(self, new_pass: Pass) -> IssuedPass | None: ...


class _Tally:
    def __init__(
        self,
        on_progress: Callable[[BulkProgress], None] | None,
        on_item: Callable[[BulkItem], None] | None,
        keep: bool,
        present: Callable[[IssuedPass], IssuedPass] | None = None,
    ) -> None:
        self.items: list[BulkItem] = []
        self._present = present
        self.done = 0
        self.succeeded = 0
        self.failed = 0
        self.skipped = 0
        self._on_progress = on_progress
        self._on_item = on_item
        self._keep = keep

    def result(self) -> BulkResult:
        return BulkResult(
            items=self.items, counts=(self.done, self.succeeded, self.failed, self.skipped)
        )

    def record(self, item: BulkItem) -> None:
        if item.issued is not None and self._present is not None:
            # Every outcome leaves in the application's terms (logical template and fields).
            try:
                item = item.model_copy(update={"issued": self._present(item.issued)})
            except WalletPassError as exc:
                item = item.model_copy(update={"issued": None, "error": exc})
        if self._keep:
            self.items.append(item)
        self.done += 1
        if item.ok:
            self.succeeded += 1
        else:
            self.failed += 1
        if item.skipped:
            self.skipped += 1
        if self._on_item is not None:
            _call_back(self._on_item, "on_item", item)
        if self._on_progress is not None:
            progress = BulkProgress(self.done, self.succeeded, self.failed, self.skipped)
            _call_back(self._on_progress, "on_progress", progress)


def _call_back(callback: Callable[[Any], Any], name: str, value: Any) -> None:
    """The caller's ``on_item`` / ``on_progress``, under the rule of every callback
    (:mod:`walletpass.callbacks`): one that raises stops the run with a ``WalletPassError``
    naming it (``code`` ``"callback_failed"``; its own walletpass error, such as the CLI's
    results file's ``JournalError``, as it is), ``outcome_unknown`` since the run's creates may
    have acted (those settled, and those still on the wire)."""
    try:
        callback(value)
    except WalletPassError:
        raise
    except Exception as exc:
        problem = exc
    else:
        return
    raise WalletPassError(
        f"the {name} callback raised {type(problem).__name__}: {problem}; the run stopped there",
        operation="create_many",
        code="callback_failed",
        outcome_unknown=True,
    ) from scrub_exception(problem)


def numbered(passes: Iterable[Any], first: int = 0) -> Iterator[tuple[int, Any]]:
    """The input with its positions from ``first``, read lazily. An input that raises (a
    generator over a file meeting a row it cannot read, a database cursor that fails) ends
    there: its error is the outcome of the position it failed at (:func:`input_failed`), so
    every outcome before it is reported, none lost with the run."""
    iterator = iter(passes)
    index = first
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            yield index, input_failed(exc)
            return
        yield index, raw
        index += 1


def input_failed(exc: Exception) -> WalletPassError:
    """The outcome of the position where reading the input raised ``exc``: nothing was sent
    for it, and no item after it was read."""
    if isinstance(exc, WalletPassError):
        return exc
    error = WalletPassError(
        f"reading the input raised {type(exc).__name__}: {exc}; no item after this one was "
        "read (the outcomes before it stand: fix the input and run it again, with a journal "
        "to skip what was issued)",
        operation="create",
        code="input_failed",
    )
    error.__cause__ = scrub_exception(exc)
    return error


def _created(provider: BulkProvider) -> Callable[[IssuedPass], IssuedPass]:
    """``provider.present`` for the items of a bulk run: each is the answer to a create."""
    return functools.partial(provider.present, answer="create")


def _as_error(
    exc: BaseException, provider: BulkProvider, *, sending: bool = False
) -> WalletPassError:
    """``exc`` as a walletpass error; ``sending``: it came from code that may have sent it."""
    if isinstance(exc, WalletPassError):
        return exc.with_context(provider=provider.name, operation="create")  # type: ignore[no-any-return]
    # A plugin bug: keep its story, but only through a stand-in whose text is redacted. Raised
    # while sending, nobody can say how far it got: the journal must treat it as unknown and
    # reconcile, never as "not done" (which a re-run would send again).
    wrapped = WalletPassError(
        f"unexpected {type(exc).__name__}: {exc}"
        + ("; the request may have been sent" if sending else ""),
        provider=provider.name,
        operation="create",
        outcome_unknown=sending,
    )
    wrapped.__cause__ = scrub_exception(exc)
    return wrapped


def _unknown_in(ticket: str, provider: BulkProvider) -> WalletPassError:
    return OutcomeUnknown(
        f"sent in {provider.name} batch {ticket}, which this provider cannot follow: check the "
        "vendor, then record the answer with BulkJournal.resolve()",
        provider=provider.name,
        operation="create",
        outcome_unknown=True,
    )


def _external_id(raw: Any) -> str | None:
    if isinstance(raw, Pass):
        return raw.external_id
    if isinstance(raw, Mapping):
        value = raw.get("external_id")
        return value if isinstance(value, str) else None
    # an input row that could not become a pass may still know its id (walletpass.rows.RowError)
    value = getattr(raw, "external_id", None)
    return value if isinstance(value, str) else None


def _prepare(
    provider: BulkProvider, raw: Any
) -> tuple[Pass, VendorRequest | None] | WalletPassError:
    if isinstance(raw, WalletPassError):  # an input row that could not become a pass
        return _as_error(raw, provider)
    try:
        return provider.prepare_create_request(raw)
    except Exception as exc:
        return _as_error(exc, provider)


def run_create_many(
    provider: BulkProvider,
    passes: Iterable[Pass | Mapping[str, Any] | WalletPassError],
    *,
    concurrency: int,
    on_progress: Callable[[BulkProgress], None] | None = None,
    journal: str | Path | Journal | None = None,
    on_item: Callable[[BulkItem], None] | None = None,
    keep_items: bool = True,
    first_index: int = 0,
) -> BulkResult:
    """``first_index``: the position of the first pass in the whole input, when ``passes`` is one
    chunk of it (item indexes and journal keys count from there)."""
    check_run_arguments(concurrency, journal, on_item, on_progress)
    owned = isinstance(journal, str | Path)
    book = (
        BulkJournal(journal, provider=provider.name) if isinstance(journal, str | Path) else journal
    )
    tally = _Tally(on_progress, on_item, keep_items, present=_created(provider))
    runner = _Runner(provider, book)
    try:
        # The passes a journal records live in one vendor account: a run with another API key
        # must not take them for its own (BulkJournal and PostgresJournal record the account).
        bind_account = getattr(book, "bind_account", None)
        if bind_account is not None:
            bind_account(account_of(provider))
        # A journal offering claim_run() (BulkJournal) is held by this run alone; one shared by
        # several workers on purpose (the PostgreSQL journal) has none and claims per item.
        claim_run = getattr(book, "claim_run", None)
        with claim_run() if claim_run is not None else contextlib.nullcontext():
            source = numbered(passes, first_index)
            if provider.native_batch_size:
                runner.run_batches(source, provider.native_batch_size, tally)
            else:
                runner.run_concurrent(source, concurrency, tally)
            if runner.stopped is not None:
                raise runner.stop_error(source, tally)
    finally:
        if owned and book is not None:
            book.close()
    return tally.result()


def check_run_arguments(
    concurrency: Any, journal: Any, on_item: Any = None, on_progress: Any = None
) -> None:
    """``ValidationError`` unless ``concurrency`` is a positive integer, ``journal`` is
    ``None``, a file path or a journal, and the callbacks are plain functions (both APIs call
    them without awaiting, in input order: a coroutine function's work would never run)."""
    for name, callback in (("on_item", on_item), ("on_progress", on_progress)):
        if callback is not None and (
            inspect.iscoroutinefunction(callback) or not callable(callback)
        ):
            raise ValidationError.from_problems(
                [FieldProblem(name, "must be a plain function (create_many does not await it)")]
            )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError.from_problems(
            [FieldProblem("concurrency", "must be a positive integer")]
        )
    if journal is not None and not isinstance(journal, str | Path | Journal):
        raise ValidationError.from_problems(
            [FieldProblem("journal", "must be a file path, a BulkJournal or a PostgresJournal")]
        )


def describe_positions(
    positions: Sequence[int], rest_from: int | None, noun: str, *, base: int = 0
) -> str:
    """``[4, 6, 7, 8]`` + ``9`` -> ``"4, every item from 6 on"`` (numbers shifted by ``base``)."""
    spans: list[list[int]] = []
    for position in sorted(positions):
        if spans and position == spans[-1][1] + 1:
            spans[-1][1] = position
        else:
            spans.append([position, position])
    tail = rest_from
    if tail is not None and spans and spans[-1][1] + 1 == tail:
        tail = spans.pop()[0]
    parts = [f"{a + base}" if a == b else f"{a + base}-{b + base}" for a, b in spans]
    if tail is not None:
        parts.append(f"every {noun} from {tail + base} on")
    return ", ".join(parts)


def _item(index: int, external_id: str | None, outcome: IssuedPass | WalletPassError) -> BulkItem:
    if isinstance(outcome, IssuedPass):
        return BulkItem(index=index, external_id=external_id, issued=outcome)
    return BulkItem(index=index, external_id=external_id, error=outcome)


def _stored_error(entry: JournalEntry, provider: str) -> WalletPassError:
    cls = getattr(_errors, entry.error_type or "", None)
    if not (isinstance(cls, type) and issubclass(cls, WalletPassError)):
        cls = WalletPassError
    error = cls.__new__(cls)
    WalletPassError.__init__(
        error,
        f"failed in an earlier run and the input is unchanged: {entry.error_message}",
        provider=provider,
        operation="create",
        retryable=False,
    )
    if isinstance(error, ValidationError):
        error.problems = ()
    return error


class _Dispatch:
    """One item's journal record around its create: the check a bulk run sets for the item's
    create (:func:`walletpass.send_checks.checked_before_sending`).

    The item is recorded in flight before its create runs (:meth:`mark`): whatever runs it
    may reach the vendor on a client of its own (a plugin's ``execute_create``, a plan hook),
    which tells nobody, so until the core transport says otherwise a worker killed mid-create
    leaves the item to be looked up, never to be sent again blind. The core transport says
    otherwise precisely: before it waits for the rate limiter it calls :meth:`before_wait`,
    which records the item as not sent while it waits (unless one of its requests was already
    handed to the vendor), and at its dispatch point, after the wait, it calls the check
    itself, which records the item in flight again (a journal shared by workers confirms the
    claim in the same breath: ``PostgresJournal.begin``); each later dispatch (a retry, a second
    request of the same create) confirms the claim is still this worker's. What any of these
    raises (``JournalError``) stops the request unsent. So an item a worker was killed holding
    while it waited for its slot is known unsent and issued by whoever claims it next.

    Without a journal it only tracks whether the item is known unsent (:attr:`unsent`), which
    tells a crash that sent nothing from one that may have.
    """

    __slots__ = ("dispatched", "journal", "key", "marked", "new_pass", "position", "unsent")

    def __init__(self, journal: Journal | None, key: str, position: int, new_pass: Pass) -> None:
        self.journal = journal
        self.key = key
        self.position = position
        self.new_pass = new_pass
        #: Whether the journal holds the item in flight.
        self.marked = False
        #: Whether a request of the item was handed to the vendor (noted by note_dispatch).
        self.dispatched = False
        #: Whether the core transport vouches that nothing of the item has left yet.
        self.unsent = False

    def mark(self) -> None:
        """Record the item in flight (``JournalError`` when the journal cannot)."""
        if self.journal is not None:
            self.journal.begin(self.key, self.position, fingerprint(self.new_pass))
        self.marked = True

    @property
    def does_io(self) -> bool:
        """Whether it reads or writes a journal (the async transport then runs it in a worker
        thread; without one it only keeps flags, on the loop)."""
        return self.journal is not None

    def before_wait(self) -> None:
        """The core transport is about to wait for the rate limiter: nothing of this request
        has left. Unless an earlier request of the item was handed to the vendor, the item is
        known unsent (recorded so, when the journal can say it)."""
        if self.dispatched:
            return
        not_sent = _not_sent(self.journal)
        if not_sent is not None:
            not_sent(self.key)
            self.marked = False
        self.unsent = True

    def __call__(self) -> None:
        self.dispatched = True
        self.unsent = False
        if not self.marked:
            self.mark()
            return
        confirm = getattr(self.journal, "confirm_claim", None)
        if confirm is not None:
            confirm(self.key)


def _not_sent(journal: Journal | None) -> Callable[[str], None] | None:
    """The journal's ``not_sent`` (a journal without one keeps a waiting item in flight)."""
    return getattr(journal, "not_sent", None) if journal is not None else None


#: The vendor questions of the protocol (the names of :class:`Ask`).
FIND, FOLLOW, CREATE_BATCH = "find_by_external_id", "follow_batch", "create_batch"


class Io:
    """A need of the bulk protocol: read or write the journal, ``call(*args)`` (the async run
    does it in a worker thread, so a database never blocks the loop)."""

    __slots__ = ("args", "call")

    def __init__(self, call: Callable[..., Any], *args: Any) -> None:
        self.call = call
        self.args = args


class Claim:
    """A need: hold ``claim`` (an item's journal claim) until the batch is settled."""

    __slots__ = ("claim",)

    def __init__(self, claim: contextlib.AbstractContextManager[None]) -> None:
        self.claim = claim


class Ask:
    """A need: ask the vendor, through the provider's bulk hooks. ``FIND``
    (``find_by_external_id(new_pass)``), ``FOLLOW`` (``follow_batch(ticket, passes)``) or
    ``CREATE_BATCH`` (``execute_create_batch`` of ``items``, ``(index, pass)`` pairs, whose
    acceptance into a vendor job is recorded with :meth:`_Runner.accepted`). The sync run calls
    the provider's methods; the async run drives their plans on the loop."""

    __slots__ = ("args", "operation")

    def __init__(self, operation: str, *args: Any) -> None:
        self.operation = operation
        self.args = args


Need: TypeAlias = Io | Claim | Ask
#: The bulk run's protocol with the journal and the vendor, written once: a generator of needs,
#: each answered (or its exception thrown in) by the sync or the async executor.
Work: TypeAlias = Generator[Need, Any, _T]


class _Runner:
    """One bulk run: the per-item protocol with the journal, shared by both execution paths."""

    def __init__(self, provider: BulkProvider, journal: Journal | None) -> None:
        self.provider = provider
        self.journal = journal
        #: Set when recording outcomes failed (journal or results I/O): nothing more is sent.
        self.stopped: JournalError | None = None
        self.not_attempted: list[int] = []
        self.unrecorded: list[BulkItem] = []
        self._stop_lock = threading.Lock()
        #: The external id the application gave each item read and not yet delivered whose pass
        #: as sent has none (its vendor keeps it in a template field: Pass2U), by position.
        self._given: dict[int, str] = {}

    # -- stopping --------------------------------------------------------------------------

    def halt(self, error: JournalError) -> None:
        with self._stop_lock:
            if self.stopped is None:
                self.stopped = error

    def deliver(
        self, tally: _Tally, item: BulkItem | None, index: int, external_id: str | None
    ) -> None:
        """Hand a settled item on, in input order; ``None``: it was never sent.
        ``external_id``: the input's (:func:`_external_id`), which the item reports."""
        self._given.pop(index, None)
        if item is None:
            self.not_attempted.append(index)
            return
        if item.external_id != external_id:
            # Settled from the pass as sent, in the vendor's terms: where a template field keeps
            # the external id (Pass2U's alias attributes), that pass has none of its own.
            item = item.model_copy(update={"external_id": external_id})
        if self.stopped is not None and self.stopped.unrecorded is _DELIVERY_FAILED:
            self.unrecorded.append(item)
            return
        try:
            tally.record(item)
        except JournalError as exc:  # the results could not be written (e.g. a full disk)
            exc.unrecorded = _DELIVERY_FAILED
            self.halt(exc)
            if self.stopped is not exc:  # an earlier journal error stopped the run first
                self.stopped.unrecorded = _DELIVERY_FAILED  # type: ignore[union-attr]
            self.unrecorded.append(item)

    def stop_error(self, source: Iterator[tuple[int, Any]], tally: _Tally) -> JournalError:
        """The error that stopped the run, saying which items were not attempted."""
        error = self.stopped
        assert error is not None
        unread = next(source, None)
        error.not_attempted = tuple(self.not_attempted)
        error.not_attempted_from = unread[0] if unread is not None else None
        error.unrecorded = tuple(self.unrecorded)
        error.result = tally.result()
        listed = describe_positions(self.not_attempted, error.not_attempted_from, "item")
        error.message += (
            f"; the run stopped: not attempted (input positions from 0): {listed}"
            if listed
            else "; the run stopped after its last item"
        )
        error.args = (error.message,)
        return error

    # -- journal protocol ------------------------------------------------------------------

    def read(self, index: int, raw: Any, new_pass: Pass) -> None:
        """Note the item at ``index`` read from ``raw`` and checked into ``new_pass``: where the
        pass as sent has no external id and the input has one (a vendor keeping it in a
        template field), the journal keys the item by the input's (:meth:`key`), so that an
        edited or reordered input keeps each row's outcome with its row."""
        if new_pass.external_id is None:
            given = _external_id(raw)
            if given:
                self._given[index] = given

    def key(self, index: int, new_pass: Pass) -> str:
        """The item's journal key: the external id the application gave it, else its position."""
        return item_key(index, new_pass.external_id or self._given.get(index))

    def settled_earlier(self, index: int, new_pass: Pass) -> BulkItem | None:
        """The item's outcome if the journal already decides it; ``None``: send it."""
        return self.carry_out(self.decide_earlier(index, new_pass))

    def decide_earlier(self, index: int, new_pass: Pass) -> Work[BulkItem | None]:
        """:meth:`settled_earlier`'s protocol (what it needs of the journal and the vendor)."""
        if self.journal is None:
            return None
        key = self.key(index, new_pass)
        entry: JournalEntry | None = yield Io(self.journal.get, key)
        if entry is None and new_pass.external_id is None and index in self._given:
            # Such items were keyed by their position until 2026-12: a journal written then
            # holds this one there (or, with the same content, where the input had it).
            entry = yield Io(self._by_position, key, index, new_pass)
        if entry is None:
            return None
        key = entry.key  # (a position key where the entry could not be this item's for sure)
        ext = new_pass.external_id
        if entry.state is JournalState.SUCCEEDED:
            if entry.fingerprint != fingerprint(new_pass):
                issued = entry.issued.id if entry.issued else entry.pass_id
                return BulkItem(index=index, external_id=ext, error=self._changed(key, issued))
            return BulkItem(index=index, external_id=ext, issued=entry.issued, skipped=True)
        if entry.state is JournalState.FAILED:
            if not entry.retryable and entry.fingerprint == fingerprint(new_pass):
                error = _stored_error(entry, self.provider.name)
                return BulkItem(index=index, external_id=ext, error=error, skipped=True)
            return None
        return (yield from self._reconcile(index, key, new_pass, entry))

    def _by_position(self, key: str, index: int, new_pass: Pass) -> JournalEntry | None:
        """The entry an earlier walletpass recorded by position for the item keyed ``key``:
        the journal's ``adopt_position_entry`` where it has one, else its ``pos:`` entry."""
        assert self.journal is not None
        adopt = getattr(self.journal, "adopt_position_entry", None)
        if adopt is not None:
            entry: JournalEntry | None = adopt(key, index, fingerprint(new_pass))
            return entry
        return self.journal.get(item_key(index, None))

    def _reconcile(
        self, index: int, key: str, new_pass: Pass, entry: JournalEntry
    ) -> Work[BulkItem | None]:
        ext = new_pass.external_id
        why = (
            "was in flight when an earlier run stopped"
            if entry.state is JournalState.IN_FLIGHT
            else f"had an unknown outcome in an earlier run ({entry.error_message})"
        )
        if ext is not None:
            try:
                found: IssuedPass | None = yield Ask(FIND, new_pass)
            except UnsupportedOperation:
                pass
            except Exception as exc:
                # The journal keeps the item unknown (nothing is written): the next run asks again.
                error = unreconciled(why, exc, provider=self.provider.name, subject=new_pass)
                error.__cause__ = exc if isinstance(exc, WalletPassError) else scrub_exception(exc)
                return BulkItem(index=index, external_id=ext, error=error)
            else:
                if found is None and not entry.batched:
                    return None
                if found is None:
                    error = OutcomeUnknown(
                        f"item {key} {why}, inside a {self.provider.name} batch that may "
                        "still be generating it: it was not found yet, and was not sent again "
                        "to avoid a duplicate; run again once the vendor's batches have "
                        "finished, or record the answer with BulkJournal.resolve()",
                        provider=self.provider.name,
                        operation="create",
                        outcome_unknown=True,
                    )
                    return BulkItem(index=index, external_id=ext, error=error)
                assert self.journal is not None
                # The vendor's read (a lookup): what it cannot show is named as a get()'s.
                found = self.answered(found, "get")
                # What the vendor holds was made from the content the earlier run sent.
                yield Io(self.journal.record_found, key, index, entry.fingerprint, found)
                if entry.fingerprint != fingerprint(new_pass):
                    return BulkItem(
                        index=index, external_id=ext, error=self._changed(key, found.id)
                    )
                return BulkItem(index=index, external_id=ext, issued=found, skipped=True)
        error = OutcomeUnknown(
            f"item {key} {why}; {self.provider.name} cannot be asked whether the pass exists "
            + (
                "by external id"
                if ext
                else "by an external id it keeps in a template field"
                if index in self._given
                else "(the item has no external id)"
            )
            + ", so it was not sent again to avoid a duplicate: check the vendor, then record "
            "the answer with BulkJournal.resolve()",
            provider=self.provider.name,
            operation="create",
            outcome_unknown=True,
        )
        return BulkItem(index=index, external_id=ext, error=error)

    def _changed(self, key: str, pass_id: str | None) -> Conflict:
        """An item the journal holds as issued from other content: reporting that pass as this
        item's would hand one member another's pass (a position-keyed item of another input) or
        drop the change unseen; sending again would issue a second pass for one external id."""
        return Conflict(
            f"item {key} was issued by an earlier run under this journal (pass {pass_id}) from "
            "different content: the input changed since, and nothing was sent. Give a new input "
            "its own journal (or run name), or change the issued pass with update()",
            provider=self.provider.name,
            operation="create",
        )

    def begin(self, index: int, new_pass: Pass, *, batched: bool = False) -> None:
        if self.journal is not None:
            key = self.key(index, new_pass)
            self.journal.begin(key, index, fingerprint(new_pass), batched=batched)

    def dispatch(self, index: int, new_pass: Pass) -> _Dispatch:
        """The item's record around its create (see :class:`_Dispatch`); call its ``mark()``
        before the create runs."""
        return _Dispatch(self.journal, self.key(index, new_pass), index, new_pass)

    def finish(
        self,
        index: int,
        new_pass: Pass,
        outcome: IssuedPass | WalletPassError,
        dispatch: _Dispatch | None = None,
        *,
        answer: str = "create",
    ) -> BulkItem:
        """Record ``outcome`` (``dispatch``: the item's record at its dispatch point, when the
        journal is written there; ``answer``: ``"create"``, or :data:`BATCH` where the vendor's
        batch reported it) and return the item."""
        if isinstance(outcome, IssuedPass):
            # What a get() right after reports, as create() answers (walletpass.status).
            outcome = with_current_status(outcome, expires_at=new_pass.expires_at)
            # The fields the vendor accepted, as create() reports them, and the parts its answer
            # cannot show, named before the journal keeps it (a later run's skipped item too).
            outcome = self.answered(with_sent_fields(outcome, new_pass), answer)
        if self.journal is not None:
            key = self.key(index, new_pass)
            try:
                # (the item's row exists: the create marked it in flight before it ran)
                if isinstance(outcome, IssuedPass):
                    self.journal.succeed(key, outcome)
                else:
                    self.journal.fail(
                        key,
                        outcome,
                        retryable=outcome.retryable,
                        outcome_unknown=outcome.outcome_unknown,
                    )
            except JournalError as exc:
                # The outcome happened; it is still reported. The journal keeps the item in
                # flight, so a re-run looks it up instead of sending it again.
                self.halt(exc)
        return _item(index, new_pass.external_id, outcome)

    def answered(self, issued: IssuedPass, answer: str) -> IssuedPass:
        """``issued`` with the parts ``answer`` cannot show named (``unknown_parts``, decided in
        :func:`walletpass.readback.unknown_parts` from the provider's declarations; the kind is
        named when the item is presented, where the template alias may give it)."""
        behaviour: VendorBehaviour | None = getattr(self.provider, "behaviour", None)
        if behaviour is None:
            return issued
        mapping = getattr(self.provider, "mapping_for_vendor_template", None)
        aliased = mapping is not None and mapping(issued.template).balance is not None
        named = unknown_parts(issued, behaviour, answer, balance_aliased=aliased, kind=False)
        if named <= issued.unknown_parts:
            return issued
        return issued.model_copy(update={"unknown_parts": issued.unknown_parts | named})

    def claim(self, index: int, new_pass: Pass) -> contextlib.AbstractContextManager[None]:
        """Hold the item against other workers sharing the journal, until its outcome is written."""
        if self.journal is None:
            return contextlib.nullcontext()
        return self.journal.claim(self.key(index, new_pass))

    def issue_one(
        self, index: int, new_pass: Pass, request: VendorRequest | None = None
    ) -> BulkItem | None:
        """The item's outcome; ``None`` when it was not sent because the run is stopping."""
        if self.stopped is not None:
            return None
        try:
            with self.claim(index, new_pass):
                return self._issue_claimed(index, new_pass, request)
        except JournalError as exc:  # before sending: the journal could not be read or written
            self.halt(exc)
            return None
        except WalletPassError as exc:  # the claim could not be had: nothing was sent
            return _item(index, new_pass.external_id, _as_error(exc, self.provider))

    def _issue_claimed(
        self, index: int, new_pass: Pass, request: VendorRequest | None = None
    ) -> BulkItem:
        earlier = self.settled_earlier(index, new_pass)
        if earlier is not None:
            return earlier
        # In flight before the create runs, known unsent while the core transport waits for
        # the rate limiter, in flight again at its dispatch point (see _Dispatch): a worker
        # dying while it waits leaves the item unsent, one dying anywhere else in flight.
        dispatch = self.dispatch(index, new_pass)
        dispatch.mark()
        try:
            # The request built while the pass was checked: its body is not built again.
            with checked_before_sending(dispatch):
                outcome: IssuedPass | WalletPassError = self.provider.send_prepared(
                    "create", new_pass, request=request
                )
        except JournalError:
            # The journal could not record the item, or the claim was lost while the request
            # waited: it was not sent.
            raise
        except Exception as exc:
            # Only the core transport can say nothing left (it was waiting for its slot): a
            # crash anywhere else may have followed a request on a client of the provider's own.
            outcome = _as_error(exc, self.provider, sending=not dispatch.unsent)
        return self.finish(index, new_pass, outcome, dispatch)

    # -- execution paths -------------------------------------------------------------------

    def run_batches(self, source: Iterator[tuple[int, Any]], size: int, tally: _Tally) -> None:
        while self.stopped is None and (chunk := list(itertools.islice(source, size))):
            with contextlib.ExitStack() as claims:
                try:
                    settled = self.carry_out(self.run_chunk(chunk), claims)
                except JournalError as exc:  # before the batch went out: none of it was sent
                    self.halt(exc)
                    settled = {}
                for index, raw in chunk:
                    self.deliver(tally, settled.get(index), index, _external_id(raw))

    def run_chunk(self, chunk: list[tuple[int, Any]]) -> Work[dict[int, BulkItem]]:
        """One batch's protocol: each input checked and claimed, the journal's earlier outcomes
        and open vendor jobs taken first, the rest sent in one batch and recorded.

        :raises JournalError: before the batch went out (none of it was sent).
        """
        settled: dict[int, BulkItem] = {}
        to_send: list[tuple[int, Pass]] = []
        to_follow: dict[str, list[tuple[int, Pass]]] = {}
        for index, raw in chunk:
            checked = _prepare(self.provider, raw)
            if isinstance(checked, WalletPassError):
                settled[index] = _item(index, _external_id(raw), checked)
                continue
            prepared = checked[0]  # a batch is built as one request: the pass's own is unused
            self.read(index, raw, prepared)
            try:
                yield Claim(self.claim(index, prepared))
            except JournalError:
                raise
            except WalletPassError as exc:  # held elsewhere too long: nothing was sent
                settled[index] = _item(index, prepared.external_id, _as_error(exc, self.provider))
                continue
            ticket: str | None = yield Io(self._open_ticket, index, prepared)
            if ticket is not None:
                to_follow.setdefault(ticket, []).append((index, prepared))
                continue
            earlier = yield from self.decide_earlier(index, prepared)
            if earlier is not None:
                settled[index] = earlier
            else:
                to_send.append((index, prepared))
        for ticket, items in to_follow.items():
            settled.update((yield from self._follow(ticket, items)))
        for index, new_pass in to_send:
            yield Io(functools.partial(self.begin, batched=True), index, new_pass)
        outcomes = yield from self._send_batch(to_send)
        for (index, new_pass), outcome in zip(to_send, outcomes, strict=True):
            finish = functools.partial(self.finish, answer=BATCH)
            settled[index] = yield Io(finish, index, new_pass, outcome)
        return settled

    def _open_ticket(self, index: int, new_pass: Pass) -> str | None:
        """The vendor job an earlier run saw this item accepted into, if still unsettled."""
        if self.journal is None:
            return None
        entry = self.journal.get(self.key(index, new_pass))
        if entry is None or entry.ticket is None:
            return None
        if entry.state not in (JournalState.IN_FLIGHT, JournalState.UNKNOWN):
            return None
        if entry.fingerprint != fingerprint(new_pass):
            return None  # the input changed since: what the job made is not this item
        return entry.ticket

    def _follow(self, ticket: str, items: list[tuple[int, Pass]]) -> Work[dict[int, BulkItem]]:
        """Collect from the vendor's job what an earlier run left in flight inside it."""
        passes = [p for _, p in items]
        followed: dict[int, BulkItem] = {}
        try:
            outcomes = list((yield Ask(FOLLOW, ticket, passes)))
            if len(outcomes) != len(passes):
                raise WalletPassError(
                    f"batch {ticket} gave {len(outcomes)} outcomes for {len(passes)} passes",
                    provider=self.provider.name,
                    operation="create_many",
                )
        except UnsupportedOperation:
            # The provider reported tickets but cannot follow them: settle as without one.
            for index, new_pass in items:
                earlier = yield from self.decide_earlier(index, new_pass)
                followed[index] = earlier or (
                    yield Io(self.finish, index, new_pass, _unknown_in(ticket, self.provider))
                )
            return followed
        except Exception as exc:
            error = _as_error(exc, self.provider)
            error.outcome_unknown = True  # the job may still make these passes
            outcomes = [error] * len(passes)
        for (index, new_pass), outcome in zip(items, outcomes, strict=True):
            settled = (
                outcome if isinstance(outcome, IssuedPass) else _as_error(outcome, self.provider)
            )
            finish = functools.partial(self.finish, answer=BATCH)
            followed[index] = yield Io(finish, index, new_pass, settled)
        return followed

    def _send_batch(
        self, items: list[tuple[int, Pass]]
    ) -> Work[list[IssuedPass | WalletPassError]]:
        if not items:
            return []
        passes = [p for _, p in items]
        try:
            outcomes = yield Ask(CREATE_BATCH, items)
            if len(outcomes) != len(passes):
                raise WalletPassError(
                    f"batch returned {len(outcomes)} outcomes for {len(passes)} passes",
                    provider=self.provider.name,
                    operation="create_many",
                )
        except Exception as exc:
            # Batch implementations may send from helper threads: assume the worst.
            return [_as_error(exc, self.provider, sending=True)] * len(passes)
        # Errors returned, not raised, still get their provider and operation, as in issue_one.
        return [o if isinstance(o, IssuedPass) else _as_error(o, self.provider) for o in outcomes]

    def accepted(
        self, items: list[tuple[int, Pass]], positions: Sequence[int], ticket: str
    ) -> None:
        """Record that the vendor took ``items`` at ``positions`` into its job ``ticket``."""
        if self.journal is not None:
            for position in positions:
                index, new_pass = items[position]
                self.journal.accepted(self.key(index, new_pass), ticket)

    # -- the sync executor of the protocol -------------------------------------------------

    def carry_out(self, protocol: Work[_T], claims: contextlib.ExitStack | None = None) -> _T:
        """Run ``protocol`` here: the journal read and written, the vendor asked, in this
        thread (the async run has its own executor: :mod:`walletpass.aio.bulk`)."""
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                need = protocol.throw(error) if error is not None else protocol.send(reply)
            except StopIteration as done:
                result: _T = done.value
                return result
            reply, error = None, None
            try:
                reply = self._answer(need, claims)
            except Exception as exc:
                error = exc

    def _answer(self, need: Need, claims: contextlib.ExitStack | None) -> Any:
        if isinstance(need, Io):
            return need.call(*need.args)
        if isinstance(need, Claim):
            assert claims is not None
            return claims.enter_context(need.claim)
        provider = self.provider
        if need.operation == FIND:
            return provider.find_by_external_id(*need.args)
        if need.operation == FOLLOW:
            return provider.follow_batch(*need.args)
        (items,) = need.args
        return provider.execute_create_batch(
            [p for _, p in items], on_accepted=functools.partial(self.accepted, items)
        )

    def run_concurrent(
        self, source: Iterator[tuple[int, Any]], concurrency: int, tally: _Tally
    ) -> None:
        window: deque[tuple[int, Future[BulkItem | None] | BulkItem, str | None]] = deque()
        # Outcomes leave in input order, so a slow item (a retry backing off) holds back those
        # behind it; a deep window keeps every worker busy meanwhile, in bounded memory.
        max_window = concurrency * 16

        def settle_oldest() -> None:
            index, pending, external_id = window.popleft()
            item = pending.result() if isinstance(pending, Future) else pending
            self.deliver(tally, item, index, external_id)

        with ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="walletpass-bulk"
        ) as pool:
            try:
                # A stopped run reads no further input; what is in the window still settles.
                while self.stopped is None and (next_item := next(source, None)) is not None:
                    index, raw = next_item
                    prepared = _prepare(self.provider, raw)
                    external_id = _external_id(raw)
                    if not isinstance(prepared, WalletPassError):
                        self.read(index, raw, prepared[0])
                        issued = pool.submit(self.issue_one, index, *prepared)
                        window.append((index, issued, external_id))
                    else:
                        window.append((index, _item(index, external_id, prepared), external_id))
                    while len(window) >= max_window:
                        settle_oldest()
                while window:
                    settle_oldest()
            except BaseException:
                for _, pending, _ in window:
                    if isinstance(pending, Future):
                        pending.cancel()
                raise
