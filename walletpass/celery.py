"""Issuing a large input across Celery workers (``pip install walletpass[celery]``).

The input is cut into chunks; each chunk is one Celery task that a worker runs with
``create_many`` against the run's shared :class:`~walletpass.pgjournal.PostgresJournal`, under the
provider's rate limit (shared through Redis when ``rate_limit_backend`` is set, as it should be
with more than one worker). Results come back per item, in input order. Because the journal is
shared and claims every item:

* a task delivered twice (a worker lost mid-task, a visibility timeout) never issues an item twice:
  the second delivery finds it settled or reconciles it by external id;
* re-submitting the same input under the same run name resumes it: what was issued is skipped.

One module, imported by the producer and by every worker, binds walletpass to your Celery app::

    # issuing.py
    app = Celery("issuing", broker=REDIS_URL, backend=REDIS_URL)
    issuer = CeleryIssuer(
        app,
        connect=lambda: walletpass.connect("passentry"),  # settings from the worker's environment
        database=os.environ["JOURNAL_DATABASE_URL"],
    )

    # the producer
    job = issuer.issue_many(passes, run="season-2027")
    result = job.collect(timeout=3600)  # a BulkResult, as create_many returns

Credentials never travel through the broker: each worker connects with its own settings and
reaches the journal with its own database URL; a task carries the run name and the passes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from celery import Celery
from celery.result import AsyncResult

from walletpass import errors as _errors
from walletpass.bulk import run_create_many
from walletpass.errors import JournalError, ResultsUnavailable, ValidationError, WalletPassError
from walletpass.journal import JournalEntry, JournalState
from walletpass.model import BulkItem, BulkResult, Pass, restored_pass
from walletpass.pgjournal import PostgresJournal, run_entries
from walletpass.provider import Provider

__all__ = [
    "TASK_NAME",
    "CeleryIssuer",
    "IssueJob",
    "chunk_items",
    "release_result",
    "stopped_chunk_items",
    "submit_chunk",
]

#: The name the chunk task is registered under in the Celery app.
TASK_NAME = "walletpass.issue_chunk"


def submit_chunk(
    app: Celery,
    run: str,
    first: int,
    passes: Sequence[Pass | Mapping[str, Any]],
    *,
    queue: str | None = None,
) -> AsyncResult[Any]:
    """Send one chunk task by name (the producer needs no worker code): the passes of run ``run``
    from input position ``first`` on, to ``queue`` (default: the app's default queue).

    Raises ``ValidationError`` when a pass given as a mapping holds a value that cannot be sent
    as JSON (nothing sent), and a retryable ``WalletPassError`` with ``code``
    ``"submit_failed"`` (``details["cause"]``: the failure's type) when the broker or the result
    backend fails; ``outcome_unknown`` is true then, as the task may have reached the broker.
    """
    from kombu.exceptions import EncodeError

    payload = [_as_payload(p) for p in passes]
    try:
        return app.send_task(TASK_NAME, args=(run, first, payload), queue=queue)
    except EncodeError as exc:
        raise ValidationError.from_problems(
            [
                _errors.FieldProblem(
                    "passes",
                    f"the chunk at item {first} cannot be sent as JSON ({exc}): give Pass "
                    "objects, or mappings of JSON values",
                )
            ]
        ) from None
    except Exception as exc:  # Celery's, kombu's and redis-py's errors; their text may quote a URL
        raise WalletPassError(
            f"run {run!r}: the chunk at item {first} could not be submitted (the Celery broker "
            f"or result backend failed: {type(exc).__name__}); it may have reached the broker: "
            "once both answer, submit the run again under the same name (what was issued is "
            "skipped)",
            operation="create_many",
            code="submit_failed",
            details={"cause": type(exc).__name__},
            retryable=True,
            outcome_unknown=True,
        ) from None


class CeleryIssuer:
    """Registers walletpass's chunk task on ``app`` and submits runs to it.

    ``connect``: called once in each worker process to build the provider (so its credentials
    come from the worker's environment or code, never through the broker); ``database``: the
    PostgreSQL URL of the shared journal, as seen by the workers; ``lease``: the journal's claim
    lease in seconds (how soon a dead worker's items pass to another); ``chunk_size``: passes per
    task; ``concurrency``: threads per task (default: the provider's ``concurrency`` setting).

    The task is registered with ``acks_late`` and ``reject_on_worker_lost``, so a chunk whose
    worker dies is delivered again; configure the broker's redelivery (for Redis, the
    ``visibility_timeout`` transport option) to be longer than a chunk takes.
    """

    def __init__(
        self,
        app: Celery,
        *,
        connect: Callable[[], Provider],
        database: str,
        lease: float = 30.0,
        chunk_size: int = 100,
        concurrency: int | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.app = app
        self.chunk_size = chunk_size
        self._connect = connect
        self._database = database
        self._lease = lease
        self._concurrency = concurrency
        self._lock = threading.Lock()
        self._provider: Provider | None = None

        # A plain function: Celery reads the task's signature from it (a bound method's would
        # count ``self``).
        def issue_chunk(run: str, first: int, payload: list[dict[str, Any]]) -> list[Any]:
            return self._issue_chunk(run, first, payload)

        self.task = app.task(
            name=TASK_NAME, acks_late=True, reject_on_worker_lost=True, ignore_result=False
        )(issue_chunk)

    # -- the producer ----------------------------------------------------------------------

    def issue_many(
        self, passes: Iterable[Pass | Mapping[str, Any]], *, run: str, chunk_size: int | None = None
    ) -> IssueJob:
        """Submit ``passes`` as chunk tasks of the run named ``run``; returns at once.

        Submitting the same input under the same run name again resumes the run (what was issued is
        reported ``skipped``). Give the passes external ids: they identify items across
        re-submissions and let a lost worker's items be looked up at the vendor. Raises
        ``ValidationError`` for an empty run name (or one holding NUL), and what
        :func:`submit_chunk` raises when a chunk cannot be submitted (the broker or the result
        backend unreachable); when chunks before it were submitted, their workers go on with them,
        so the error's ``outcome_unknown`` is true and ``details["submitted"]`` counts their items.
        """
        if not run or "\x00" in run:
            # (A NUL, which PostgreSQL text cannot hold, failed every chunk on every worker as
            # a retryable error, so each re-submission failed the same way.)
            raise ValidationError.from_problems(
                [_errors.FieldProblem("run", "must be a non-empty name without NUL characters")]
            )
        size = chunk_size or self.chunk_size
        results: list[tuple[int, int, AsyncResult[Any]]] = []
        source = iter(passes)
        first = 0
        try:
            while chunk := list(itertools.islice(source, size)):
                results.append((first, len(chunk), submit_chunk(self.app, run, first, chunk)))
                first += len(chunk)
        except WalletPassError as exc:
            for _, _, submitted in results:
                release_result(submitted)
            if not results:
                raise
            raise WalletPassError(
                f"{exc.message} (the {first} items before it were submitted: the workers go on "
                "with them)",
                operation="create_many",
                code=exc.code,
                details={**(exc.details or {}), "submitted": first},
                retryable=exc.retryable,
                outcome_unknown=True,
            ) from exc
        return IssueJob(run, results, journal=lambda: run_entries(self._database, run))

    # -- the worker ------------------------------------------------------------------------

    def _issue_chunk(self, run: str, first: int, payload: list[dict[str, Any]]) -> list[Any]:
        provider = self._worker_provider()
        # One journal per chunk, closed with it: a worker lives for many runs, and a journal
        # kept per run held two database connections and a thread each for the worker's life.
        with PostgresJournal(
            self._database, run=run, provider=provider.name, lease=self._lease
        ) as journal:
            try:
                result = run_create_many(
                    provider,
                    payload,
                    concurrency=self._concurrency or provider.settings.concurrency,
                    journal=journal,
                    first_index=first,
                )
            except JournalError as exc:  # the database failed mid-chunk
                stopped = stopped_chunk_items(first, len(payload), exc)
                return [_item_payload(item) for item in stopped]
        return [_item_payload(item) for item in result.items]

    def _worker_provider(self) -> Provider:
        with self._lock:
            if self._provider is None:
                self._provider = self._connect()
            return self._provider


class IssueJob:
    """A submitted run: its chunk tasks, and their items once the workers are done."""

    def __init__(
        self,
        run: str,
        chunks: Sequence[tuple[int, int, AsyncResult[Any]]],
        *,
        journal: Callable[[], Sequence[JournalEntry]] | None = None,
    ) -> None:
        """``journal``: reads the run's shared journal, for what is known when the results
        cannot be read."""
        self.run = run
        self.chunks = list(chunks)
        self._journal = journal

    @property
    def total(self) -> int:
        return sum(count for _, count, _ in self.chunks)

    def ready(self) -> bool:
        """Whether every chunk has finished (successfully or not).

        Raises a retryable ``WalletPassError`` with ``code`` ``"result_backend_failed"``
        (``details["cause"]``: the failure's type) when the result backend cannot be read.
        """
        try:
            return all(result.ready() for _, _, result in self.chunks)
        except Exception as exc:  # the result backend failed (its text may quote its URL)
            raise WalletPassError(
                f"run {self.run!r}: the chunks' state could not be read (the result backend "
                f"failed: {type(exc).__name__}); the workers go on, ask again later",
                operation="create_many",
                code="result_backend_failed",
                details={"cause": type(exc).__name__},
                retryable=True,
            ) from None

    def collect(self, timeout: float | None = None) -> BulkResult:
        """Wait for every chunk and return the outcomes in input order.

        ``timeout``: seconds for the whole wait; past it, raises a retryable ``WalletPassError``
        (the run goes on in the workers: collect again, or re-submit to resume). A chunk that
        failed as a whole (its worker could not open the journal, say) gives each of its items a
        retryable ``WalletPassError`` naming the cause; re-submitting the run retries them.
        When the result store fails (Redis lost), raises ``ResultsUnavailable`` whose ``result``
        holds every item: those collected, those the shared journal records as issued, the
        rest a retryable error.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        items: list[BulkItem] = []
        for first, count, result in self.chunks:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                items.extend(chunk_items(self.run, first, count, result, timeout=left))
            except WalletPassError as exc:
                if exc.code != "result_backend_failed":
                    raise
                raise self._unavailable(items, first, exc) from None
            release_result(result)
        return BulkResult(items=items)

    def _unavailable(
        self, collected: list[BulkItem], first: int, failure: WalletPassError
    ) -> ResultsUnavailable:
        """What is known when the results stopped at the chunk at ``first``: the items
        collected, then what the shared journal says about the rest."""
        cause = (failure.details or {}).get("cause", "error")
        found: dict[int, JournalEntry] = {}
        journal_said = ""
        if self._journal is not None:
            try:
                found = {entry.position: entry for entry in self._journal()}
            except WalletPassError as exc:
                journal_said = f" (the journal could not be read either: {exc.message})"
        not_yet = WalletPassError(
            f"run {self.run!r}: this item's outcome was not collected (the result store "
            f"failed: {cause}) and the journal does not record it issued; collect again, or "
            "submit the run again",
            operation="create",
            retryable=True,
        )
        items = list(collected)
        from_journal = 0
        for index in range(first, self.total):
            entry = found.get(index)
            if entry is not None and entry.state is JournalState.SUCCEEDED:
                external_id = entry.key[4:] if entry.key.startswith("ext:") else None
                items.append(BulkItem(index=index, external_id=external_id, issued=entry.issued))
                from_journal += 1
            else:
                items.append(BulkItem(index=index, error=not_yet))
        issued = sum(item.ok for item in items)
        return ResultsUnavailable(
            f"run {self.run!r}: the result store failed while collecting ({cause}); "
            f"{issued} of {self.total} items are known issued ({issued - from_journal} from "
            f"the results, {from_journal} from the shared journal){journal_said}, "
            f"{self.total - issued} not known yet. The workers go on: collect again once the "
            "result store is back, or submit the run again with the same name (what was "
            "issued is skipped)",
            operation="create_many",
            code="result_backend_failed",
            details={"cause": cause},
            result=BulkResult(items=items),
        )


def chunk_items(
    run: str, first: int, count: int, result: AsyncResult[Any], *, timeout: float | None
) -> list[BulkItem]:
    """The ``count`` outcomes of chunk task ``result`` (positions ``first``...) once it is done.

    Waits at most ``timeout`` seconds (``None``: as long as it takes); past it, raises a retryable
    ``WalletPassError`` with ``code`` ``"chunk_pending"`` (the chunk goes on in its worker), or
    ``"result_backend_failed"`` when the result backend cannot be read (``details["cause"]``:
    the failure's type). A chunk that failed as a whole (its
    worker could not open the journal, say) gives each of its items a retryable
    ``WalletPassError`` naming the cause; submitting the run again retries them.
    """
    from celery.exceptions import TimeoutError as NotYet

    try:
        value = result.get(timeout=timeout, propagate=False)
    except NotYet:
        raise WalletPassError(
            f"run {run!r}: no result for the chunk at item {first} within {timeout:g}s; the "
            "workers go on, collect again later",
            operation="create_many",
            code="chunk_pending",
            retryable=True,
        ) from None
    except Exception as exc:  # the result backend failed (its text may quote its URL)
        raise WalletPassError(
            f"run {run!r}: the result of the chunk at item {first} could not be read (the "
            f"result backend failed: {type(exc).__name__}); the workers go on, collect again "
            "later",
            operation="create_many",
            code="result_backend_failed",
            details={"cause": type(exc).__name__},
            retryable=True,
        ) from None
    if result.failed() or not isinstance(value, list) or len(value) != count:
        cause = type(value).__name__ if isinstance(value, BaseException) else "no result"
        error = WalletPassError(
            f"run {run!r}: the chunk at item {first} failed in its worker ({cause}); "
            "submit the run again to retry its items",
            operation="create_many",
            retryable=True,
        )
        return [BulkItem(index=first + i, error=error) for i in range(count)]
    return [_item_from_payload(entry) for entry in value]


def release_result(result: AsyncResult[Any]) -> None:
    """Stop listening for a collected chunk's result now, while its store is there: left to
    garbage collection, Celery unsubscribes whenever the object is collected, reconnecting to
    Redis for it (and, with Redis gone by then, printing an ignored exception)."""
    backend: Any = result.backend  # the Redis backend's listener is not in the type stubs
    with contextlib.suppress(Exception):
        backend.remove_pending_result(result)


def stopped_chunk_items(first: int, count: int, error: JournalError) -> list[BulkItem]:
    """The chunk's items when its journal failed part-way: each outcome the run had (an issued
    pass is reported as issued), and for the items it did not attempt, a retryable error saying
    so (submitting the run again sends them; the journal keeps what was sent in flight, so it is
    looked up, not sent twice)."""
    known = {item.index: item for item in (error.result.items if error.result else ())}
    known.update((item.index, item) for item in error.unrecorded if isinstance(item, BulkItem))
    cause = error.message.split("; the run stopped", 1)[0]
    not_attempted = JournalError(
        f"{cause}; this item was not attempted: submit the run again",
        provider=error.provider,
        operation="create",
        retryable=True,
    )
    return [
        known.get(index) or BulkItem(index=index, error=not_attempted)
        for index in range(first, first + count)
    ]


def _as_payload(item: Pass | Mapping[str, Any]) -> dict[str, Any]:
    """The pass as the worker must rebuild it: only what the caller set. A default written out
    would arrive as a choice the caller never made (``Barcode.format`` left out takes the
    symbology the vendor's template fixes; written out as ``"qr"`` it asks for QR, which a Pass2U
    template refuses)."""
    if isinstance(item, Pass):
        return item.model_dump(mode="json", exclude_unset=True)
    return dict(item)


def _item_payload(item: BulkItem) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "index": item.index,
        "external_id": item.external_id,
        "skipped": item.skipped,
    }
    if item.issued is not None:
        payload["issued"] = item.issued.model_dump(mode="json", exclude={"raw"})
    if item.error is not None:
        error: WalletPassError = item.error
        payload["error"] = {
            "type": type(error).__name__,
            "message": error.message,
            "retryable": error.retryable,
            "outcome_unknown": error.outcome_unknown,
            "provider": error.provider,
            "operation": error.operation,
            "status": error.status,
            "code": error.code,
            "request_id": error.request_id,
            "retry_after": error.retry_after,
            # Redacted when the error was made; what JSON cannot carry goes as its text.
            "details": json.loads(json.dumps(error.details, default=str)),
            # What a subclass adds: the field problems of a refused row above all, which an
            # application shows per field, as it does for create_many's items.
            **{
                name: _json_safe(getattr(error, name))
                for name in _ERROR_EXTRAS
                if hasattr(error, name)
            },
        }
    return payload


#: The attributes walletpass error classes add beside the root's, carried across the broker.
_ERROR_EXTRAS = ("problems", "features", "alternative", "location")


def _json_safe(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(v, _errors.FieldProblem) for v in value):
        return [[problem.location, problem.message] for problem in value]
    return list(value) if isinstance(value, tuple) else value


def _item_from_payload(payload: Mapping[str, Any]) -> BulkItem:
    issued = payload.get("issued")
    error = payload.get("error")
    return BulkItem(
        index=payload["index"],
        external_id=payload.get("external_id"),
        issued=restored_pass(issued) if issued is not None else None,
        error=_error_from_payload(error) if error is not None else None,
        skipped=bool(payload.get("skipped")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _error_from_payload(payload: Mapping[str, Any]) -> WalletPassError:
    """The worker's error as the same walletpass class (plain ``WalletPassError`` if unknown)."""
    cls = getattr(_errors, str(payload.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, WalletPassError)):
        cls = WalletPassError
    error = cls.__new__(cls)
    WalletPassError.__init__(
        error,
        str(payload.get("message")),
        provider=payload.get("provider"),
        operation=_text(payload.get("operation")) or "create",
        retryable=bool(payload.get("retryable")),
        outcome_unknown=bool(payload.get("outcome_unknown")),
        status=status if isinstance(status := payload.get("status"), int) else None,
        code=_text(payload.get("code")),
        request_id=_text(payload.get("request_id")),
        details=payload.get("details"),
        retry_after=(
            float(after)
            if isinstance(after := payload.get("retry_after"), int | float)
            and not isinstance(after, bool)
            else None
        ),
    )
    # A worker of an earlier walletpass sends none of these: each takes its class's default.
    if isinstance(error, ValidationError):
        error.problems = tuple(
            _errors.FieldProblem(str(location), str(message))
            for location, message in payload.get("problems") or ()
        )
    if isinstance(error, _errors.UnsupportedFeature):
        error.features = tuple(str(f) for f in payload.get("features") or ())
    if isinstance(error, _errors.UnsupportedOperation):
        error.alternative = _text(payload.get("alternative"))
    if isinstance(error, _errors.RedirectNotFollowed):
        error.location = _text(payload.get("location"))
    if isinstance(error, JournalError):
        error.not_attempted, error.not_attempted_from = (), None
        error.unrecorded, error.result = (), None
    return error
