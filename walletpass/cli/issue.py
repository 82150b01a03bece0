"""``walletpass issue FILE``: a pass for every row of a CSV or JSON Lines export.

The run streams: rows are read, sent and written to the results file one at a time, so a
million-row export costs no more memory than a hundred rows. With ``--journal`` the run can be
killed at any moment and started again with the same command: what succeeded is skipped, what
failed retryably is retried, and what was in flight is looked up at the vendor before anything is
sent again (see :mod:`walletpass.journal`). A bad row is reported with its number and reason and
the run goes on; the exit status is 0 only when every row has its pass.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from walletpass.bulk import describe_positions
from walletpass.cli import distributed, render, stderr
from walletpass.cli.carry import check_carried
from walletpass.cli.parser import UsageError
from walletpass.cli.session import select_provider
from walletpass.cli.survey import DuplicateRow, survey
from walletpass.errors import JournalError, OutcomeUnknown, UnsupportedFeature, ValidationError
from walletpass.model import BulkItem, BulkResult
from walletpass.redaction import redact
from walletpass.rows import TARGETS, RowError, RowSource, read_rows, timezone_named
from walletpass.suggest import did_you_mean

__all__ = ["RESULT_COLUMNS", "cmd_issue", "count_rows", "results_path_for"]

RESULT_COLUMNS = (
    "row",
    "external_id",
    "status",
    "pass_id",
    "vendor_id",
    "download_url",
    "apple_url",
    "google_url",
    "error_type",
    "error",
)

#: How many failing rows are named on the terminal before the rest are left to the results file.
SHOWN_FAILURES = 20


def results_path_for(source: Path) -> Path:
    """``members.csv`` -> ``members.results.csv``; JSON Lines inputs get JSON Lines results."""
    suffix = ".csv" if source.suffix.lower() == ".csv" else ".jsonl"
    return source.with_name(f"{source.stem}.results{suffix}")


def count_rows(path: Path) -> int | None:
    """Data rows in the file (one cheap pass, constant memory), for the progress bar's ETA."""
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            if path.suffix.lower() == ".csv":
                return max(0, sum(1 for _ in csv.reader(handle)) - 1)
            return sum(1 for line in handle if line.strip())
    except (OSError, UnicodeDecodeError, csv.Error):
        return None  # read_rows reports the problem properly


def _mapping(pairs: list[tuple[str, str]] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column, target in pairs or ():
        if target and target not in TARGETS and not target.startswith("fields."):
            known = ", ".join(sorted(TARGETS))
            hint = did_you_mean(target, TARGETS)
            raise UsageError(
                f"--map {column}={target}: unknown target {target!r}"
                + (f" ({hint})" if hint else "")
                + "; use fields.<key> for a template field, an empty target to drop the column, "
                f"or one of: {known}"
            )
        if column in mapping and mapping[column] != target:
            # one column is one cell per row: a second --map would silently replace the first
            raise UsageError(
                f"--map {column}={mapping[column]} and --map {column}={target}: column "
                f"{column!r} is mapped twice and only one target can be kept; map it once "
                "(copy the column in the file to send it to two fields)"
            )
        mapping[column] = target
    return mapping


def _row_source(args: argparse.Namespace) -> RowSource:
    try:
        zone = timezone_named(args.tz) if args.tz else None
    except ValueError as exc:
        raise UsageError(f"--tz: {exc}") from None
    return RowSource(template=args.template, mapping=_mapping(args.mapping), default_tz=zone)


# ------------------------------------------------------------------------------------------
# The results file
# ------------------------------------------------------------------------------------------


def _status(item: BulkItem) -> str:
    if item.error is None:
        return "skipped" if item.skipped else "issued"
    if isinstance(item.error, OutcomeUnknown) or getattr(item.error, "outcome_unknown", False):
        return "unknown"
    if isinstance(item.error, DuplicateRow):
        return "duplicate"
    if isinstance(item.error, RowError):
        return "invalid"
    if isinstance(item.error, ValidationError | UnsupportedFeature) and item.error.status is None:
        return "invalid"  # refused by a check before sending: no vendor answer involved
    return "failed"


def _reason(error: Exception) -> str:
    """What went wrong with a row, for the line that already names the row and the error type:
    a row refused before it became a pass by its problems alone (its message repeats 'row N',
    after a '[provider.create]' prefix for a row no provider saw)."""
    if isinstance(error, RowError) and error.problems:
        return "; ".join(f"{p.location}: {p.message}" for p in error.problems)
    return str(error)


def result_record(item: BulkItem) -> dict[str, Any]:
    """One results line. Every outcome carries the input's row number and external id (a row
    refused before it became a pass included), so each line can be matched back."""
    issued = item.issued
    error = item.error
    row = getattr(error, "row", None)
    external_id = item.external_id or getattr(error, "external_id", None)
    return {
        "row": row if isinstance(row, int) else item.index + 1,
        "external_id": external_id if isinstance(external_id, str) else None,
        "status": _status(item),
        "pass_id": issued.id if issued else None,
        "vendor_id": issued.vendor_id if issued else None,
        "download_url": issued.urls.download if issued else None,
        "apple_url": issued.urls.apple if issued else None,
        "google_url": issued.urls.google if issued else None,
        "error_type": type(error).__name__ if error is not None else None,
        "error": str(error) if error is not None else None,
    }


class _ResultsWriter:
    """Appends one record per settled row and flushes it, so a killed run leaves a usable file.

    A write that fails (a full disk, a quota) is a :class:`JournalError`: the bulk run stops
    sending, since what it issued next could not be recorded.
    """

    def __init__(self, handle: IO[str], as_csv: bool, path: Path, journaled: bool = False) -> None:
        self._handle = handle
        self._path = path
        self._journaled = journaled
        #: How many rows were issued, and the first few (row, pass id): for the remedy.
        self.issued = 0
        self._first_issued: list[str] = []
        self._csv = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS) if as_csv else None
        if self._csv is not None:
            self._guarded(self._csv.writeheader)

    def write(self, record: dict[str, Any]) -> None:
        # Values may come from the vendor, which may echo a credential: masked like messages.
        record = redact(record)
        if record.get("pass_id"):
            self.issued += 1
            if len(self._first_issued) < 10:
                self._first_issued.append(f"row {record.get('row')}: {record['pass_id']}")
        if self._csv is not None:
            row = {k: "" if v is None else v for k, v in record.items()}
            self._guarded(lambda: self._csv.writerow(row) if self._csv else None)
        else:
            self._guarded(lambda: self._handle.write(json.dumps(record, ensure_ascii=False) + "\n"))
        self._guarded(self._handle.flush)

    def _guarded(self, step: Callable[[], object]) -> None:
        try:
            step()
        except OSError as exc:
            raise JournalError(
                f"cannot write the results file {self._path}: {exc.strerror or exc}; free "
                f"space on its disk (or choose another file with --results); {self.remedy()}"
            ) from None

    def interrupted(self, path: Path) -> str:
        """What a Ctrl-C during the run leaves: rows in flight may have been issued."""
        if self._journaled:
            return (
                f"interrupted after {self.issued} row(s) were issued (see {path}); rows being "
                "sent may have been issued too: run the same command again with the same "
                "--journal to finish, and none is issued twice"
            )
        return (
            f"interrupted after {self.issued} row(s) were issued (see {path}); rows being sent "
            "may have been issued too, and this run had no --journal, so running it again would "
            "issue them again on a vendor that does not deduplicate by external id: check the "
            "vendor before sending those rows again"
        )

    def remedy(self) -> str:
        """What to do about the rows already issued when the results cannot be written."""
        if self._journaled:
            return (
                "then run the same command again with the same --journal: what was issued is "
                "skipped"
            )
        if not self.issued:
            return "nothing was issued yet, so the same command can be run again"
        shown = "; ".join(self._first_issued) + ("; ..." if self.issued > 10 else "")
        return (
            f"{self.issued} row(s) were already issued ({shown}). This run had no --journal, so "
            "running it again would issue them again on a vendor that does not deduplicate by "
            "external id: remove those rows from the input first"
        )


@contextmanager
def _results_file(path: Path, journaled: bool = False) -> Iterator[_ResultsWriter]:
    try:
        handle = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            f"cannot write the results file {path}: {exc.strerror}; choose one with --results"
        ) from None
    try:
        writer = _ResultsWriter(handle, path.suffix.lower() == ".csv", path, journaled)
        yield writer
    except BaseException:
        with contextlib.suppress(OSError):  # the error in flight says more than this one
            handle.close()
        raise
    try:
        handle.close()
    except OSError as exc:  # closing flushes what the last write buffered
        raise JournalError(
            f"cannot finish the results file {path}: {exc.strerror or exc}; free space on its "
            f"disk; {writer.remedy()}"
        ) from None


# ------------------------------------------------------------------------------------------
# Progress
# ------------------------------------------------------------------------------------------


class _Progress(Protocol):
    def advance(self, item: BulkItem, succeeded: int, failed: int) -> None: ...
    def say(self, text: str) -> None: ...
    def close(self) -> None: ...


class _BarProgress:
    """A live bar (rate, ETA, successes, failures) drawn by tqdm on stderr."""

    def __init__(self, total: int | None) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            unit="pass",
            file=sys.stderr,
            mininterval=0.25,
            dynamic_ncols=True,
            desc="issuing",
        )

    def advance(self, item: BulkItem, succeeded: int, failed: int) -> None:
        self._bar.set_postfix_str(f"ok={succeeded} failed={failed}", refresh=False)
        self._bar.update(1)

    def say(self, text: str) -> None:
        self._bar.write(text, file=sys.stderr)

    def close(self) -> None:
        self._bar.close()


class _LineProgress:
    """Without tqdm (or with ``--no-progress``): a line now and then, readable in logs."""

    def __init__(self, total: int | None, every: float | None) -> None:
        self._total = total
        self._every = every
        self._started = time.monotonic()
        self._last = self._started
        self._done = 0

    def advance(self, item: BulkItem, succeeded: int, failed: int) -> None:
        self._done += 1
        now = time.monotonic()
        if self._every is None or now - self._last < self._every:
            return
        self._last = now
        rate = self._done / max(now - self._started, 1e-9)
        of = f"/{self._total}" if self._total is not None else ""
        sys.stderr.write(
            f"issuing: {self._done}{of} rows, {succeeded} ok, {failed} failed, {rate:.1f} pass/s\n"
        )

    def say(self, text: str) -> None:
        sys.stderr.write(text + "\n")

    def close(self) -> None:
        pass


def _progress(total: int | None, enabled: bool) -> _Progress:
    if not enabled:
        return _LineProgress(total, every=None)
    try:
        return _BarProgress(total)
    except ImportError:
        return _LineProgress(total, every=5.0)


# ------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    source_path = Path(args.file)
    rows = _row_source(args)
    results_path = Path(args.results) if args.results else results_path_for(source_path)
    target = _workers_target(args)
    _distinct_files(source_path, results_path, None if target else args.journal)
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    passes = read_rows(source_path, rows)  # checks the file's type and that it can be read
    found = survey(source_path, rows)  # everything decided before anything is sent
    total = found.rows
    if found.duplicates:
        passes = _without_duplicates(passes, found.duplicates)
    provider = select_provider(args).resolved.connect()
    shown = 0
    try:
        check_carried(provider, found.columns, rows)  # before the first row is sent
        if target is not None:
            distributed.check_target(target, provider)
        with _results_file(results_path, journaled=bool(args.journal)) as results:
            as_json = bool(getattr(args, "json", False))
            # with --json stderr carries JSON Lines only, so no bar is drawn there
            progress = _progress(total, enabled=not args.no_progress and not as_json)
            succeeded = failed = 0

            def on_item(item: BulkItem) -> None:
                nonlocal succeeded, failed, shown
                results.write(result_record(item))
                if item.ok:
                    succeeded += 1
                else:
                    failed += 1
                    if shown < SHOWN_FAILURES:
                        shown += 1
                        record = result_record(item)
                        if as_json:
                            stderr.report(
                                "row",
                                str(item.error),
                                row=record["row"],
                                external_id=record["external_id"],
                                status=record["status"],
                                type=record["error_type"],
                            )
                        else:
                            progress.say(
                                f"row {record['row']}: {record['error_type']}: "
                                f"{render.clean(_reason(item.error))}"
                            )
                progress.advance(item, succeeded, failed)

            try:
                if target is None:
                    result = provider.create_many(
                        passes,
                        concurrency=args.concurrency,
                        journal=args.journal,
                        on_item=on_item,
                        keep_items=False,
                    )
                else:
                    result = distributed.issue_on_workers(
                        target,
                        provider,
                        passes,
                        on_item=on_item,
                        chunk_size=args.chunk_size,
                        wait=args.wait,
                        say=lambda text: stderr.report("note", text),
                    )
            except JournalError as exc:
                raise _stopped(exc, results_path) from None
            except KeyboardInterrupt as exc:
                raise stderr.InterruptedAfterSending(
                    provider.label, "create", results.interrupted(results_path)
                ) from exc
            finally:
                progress.close()
    finally:
        provider.close()
    if result.failed > shown:
        stderr.report(
            "note", f"... and {result.failed - shown} more failed rows: see {results_path}"
        )
    _summary(args, result, results_path)
    return 0 if result.failed == 0 else 1


def _workers_target(args: argparse.Namespace) -> distributed.Target | None:
    """The ``--workers`` run's target, every option checked; ``None`` for a run in this process
    (whose options must not include the workers' own)."""
    if args.workers:
        return distributed.target_from_args(args)
    given = [
        option
        for option, value, default in (
            ("--run", args.run, None),
            ("--queue", args.queue, "walletpass"),
            ("--chunk-size", args.chunk_size, 100),
            ("--wait", args.wait, 1200.0),
        )
        if value != default
    ]
    if given:
        raise UsageError(f"{', '.join(given)}: only with --workers (a run across Celery workers)")
    return None


def _distinct_files(source: Path, results: Path, journal: str | None) -> None:
    """The input, results and journal are three different files: writing one over another
    would destroy the input or break both records (refused before anything is read or sent)."""
    roles = [("the input file", source), ("--results", results)]
    if journal:
        roles.append(("--journal", Path(journal)))
    for i, (role, path) in enumerate(roles):
        for other, other_path in roles[i + 1 :]:
            if path.resolve() == other_path.resolve():
                raise UsageError(f"{other} must not be {role} ({path}): each needs its own file")


def _without_duplicates(
    passes: Iterator[Any], duplicates: dict[int, tuple[int, str]]
) -> Iterator[Any]:
    """The rows in order, each later row of a repeated external id replaced by its refusal."""
    for number, item in enumerate(passes, start=1):
        if number in duplicates:
            first, external_id = duplicates[number]
            yield DuplicateRow(number, first, external_id)
        else:
            yield item


def _stopped(error: JournalError, results_path: Path) -> JournalError:
    """The stopping error in rows (1-based), after listing passes the results file lacks."""
    for item in error.unrecorded:
        if item.issued is not None:  # issued after the results file failed: say it somewhere
            stderr.report(
                "issued",
                f"row {item.index + 1}: issued pass {item.issued.id} "
                f"(external id {item.external_id}), not in {results_path}",
                row=item.index + 1,
                pass_id=item.issued.id,
                external_id=item.external_id,
            )
    rows = describe_positions(error.not_attempted, error.not_attempted_from, "row", base=1)
    base = error.message.split("; the run stopped", 1)[0]
    if rows:
        base += f"; the run stopped: rows not attempted: {rows}"
    error.message = base
    error.args = (base,)
    return error


def _summary(args: argparse.Namespace, result: BulkResult, results_path: Path) -> None:
    summary = {
        "rows": result.total,
        "succeeded": result.succeeded,
        "failed": result.failed,
        "skipped": result.skipped,
        "results": str(results_path),
        "journal": args.journal,
    }
    if getattr(args, "json", False):
        sys.stdout.write(render.dump_json(summary))
        return
    earlier = f" ({result.skipped} settled by an earlier run)" if result.skipped else ""
    sys.stdout.write(
        f"{result.succeeded} of {result.total} rows issued{earlier}; {result.failed} failed\n"
        f"results: {results_path}\n"
    )
    if result.failed and not args.journal:
        sys.stdout.write("tip: rerun with --journal FILE to retry only what failed\n")
