"""What ``walletpass issue`` decides about an input file before it sends anything.

One read of the file, in constant memory apart from an on-disk index of external ids, answers
everything that depends on the command rather than on one row's data:

- every ``--map`` column exists in the file (else exit 2, with "did you mean");
- every column that will be sent somewhere can become that field: a column that would become a
  template field under a name the model refuses (``Member No.``) is refused up front, never row
  by row depending on whether its cell happens to be empty (exit 2, naming the ``--map`` that
  fixes it);
- no two columns go to the same place, and no column is named twice (exit 2);
- there is a template: ``--template`` or a column that goes to ``template`` (exit 2);
- external ids are unique: the **first row with an external id is issued; every later row with
  the same id is not sent** and is reported with both row numbers (a deterministic rule, where
  sending both made the winner depend on thread timing).
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from walletpass.cli.parser import UsageError
from walletpass.errors import FieldProblem, JournalError, ValidationError
from walletpass.rows import (
    TARGETS,
    RowError,
    RowSource,
    UnclosedQuote,
    csv_table,
    external_id_of,
    jsonl_rows,
)
from walletpass.suggest import did_you_mean

__all__ = ["DuplicateRow", "Survey", "survey"]

#: Distinct keys tracked in a JSON Lines file; a file with more is not a table.
MAX_COLUMNS = 10_000


class DuplicateRow(RowError):
    """A row whose external id an earlier row already has; it is not sent."""

    def __init__(self, row: int, first: int, external_id: str) -> None:
        super().__init__(
            row,
            [
                FieldProblem(
                    "external_id",
                    f"{external_id!r} is already the external id of row {first}; row {row} "
                    "is not sent (each external id once per file: only its first row is "
                    "considered)",
                )
            ],
        )
        self.first = first
        self.external_id = external_id


@dataclass
class Survey:
    """What one read of the input found."""

    rows: int = 0
    columns: list[str] = field(default_factory=list)
    #: later row number -> (first row number, external id)
    duplicates: dict[int, tuple[int, str]] = field(default_factory=dict)


def survey(path: Path, source: RowSource) -> Survey:
    """Read ``path`` once and refuse (``UsageError``) what no row could get right."""
    found = Survey()
    with _IdIndex() as ids:
        rows = _csv(path, found) if path.suffix.lower() == ".csv" else _jsonl(path, found)
        for number, row in rows:
            found.rows = number
            value = external_id_of(row, source)
            if value is not None:
                first = ids.first_row(value, number)
                if first != number:
                    found.duplicates[number] = (first, value)
    _check_columns(found.columns, source)
    return found


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """A file that cannot be read is a ``ValidationError`` naming it, as in read_rows."""
    try:
        yield
    except UnicodeDecodeError:
        raise ValidationError.from_problems(
            [FieldProblem("file", f"{path.name} is not UTF-8 text")]
        ) from None
    except csv.Error as exc:
        raise ValidationError.from_problems(
            [FieldProblem("file", f"{path.name} is not a readable CSV file: {exc}")]
        ) from None
    except OSError as exc:
        raise ValidationError.from_problems(
            [FieldProblem("file", f"cannot read {path}: {exc.strerror}")]
        ) from None


def _csv(path: Path, found: Survey) -> Iterator[tuple[int, Mapping[str, Any]]]:
    # Bytes that are not UTF-8, or a cell over the CSV reader's limit, are one row's problem
    # (walletpass.rows reports it for that row when it is read for sending), not the file's.
    with (
        _reading(path),
        path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle,
    ):
        try:
            header, rows = csv_table(handle)
        except ValidationError as exc:  # not UTF-8 text: nothing in it can be read
            said = "; ".join(problem.message for problem in exc.problems)
            raise UsageError(f"{path.name} {said}; nothing was sent") from None
        if header is None:
            raise UsageError(f"{path}: the file is empty (a CSV needs a header row)")
        _check_header(header)
        found.columns = header
        for number, cells in rows:
            if isinstance(cells, UnclosedQuote):
                raise UsageError(f"{path.name}: {cells}; nothing was sent")
            yield (
                number,
                {} if isinstance(cells, RowError) else dict(zip(header, cells, strict=False)),
            )


def _jsonl(path: Path, found: Survey) -> Iterator[tuple[int, Mapping[str, Any]]]:
    seen: dict[str, None] = {}
    with _reading(path), path.open(encoding="utf-8-sig", errors="surrogateescape") as handle:
        for number, row in jsonl_rows(handle):
            if isinstance(row, RowError):
                yield number, {}  # the row reports itself when it is read for sending
                continue
            if len(seen) < MAX_COLUMNS:
                seen.update(dict.fromkeys(row))
            yield number, row
    found.columns = list(seen)


def _check_header(header: list[str]) -> None:
    positions: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in positions:
            raise UsageError(
                f"the header names column {name!r} twice (columns {positions[name]} and "
                f"{position}): one would silently replace the other; rename one"
            )
        positions[name] = position


def _check_columns(columns: list[str], source: RowSource) -> None:
    """Every problem of the command against this header, in one usage error."""
    from walletpass.model import Pass

    problems: list[str] = []
    present = set(columns)
    for column in source.mapping:
        if column not in present:
            hint = did_you_mean(column, columns)
            listed = ", ".join(repr(c) for c in columns[:20]) or "none"
            problems.append(
                f"--map {column}=...: the file has no column {column!r}"
                + (f" ({hint})" if hint else "")
                + f"; its columns: {listed}"
            )
    where: dict[str, str] = {}
    for position, column in enumerate(columns, start=1):
        target = source.target_of(column)
        if target is None:
            continue
        if target in where:
            problems.append(
                f"columns {where[target]!r} and {column!r} both go to {target}: one would "
                f"silently replace the other; drop one with --map '{column}='"
            )
            continue
        where[target] = column
        if not target.startswith("fields."):
            continue
        if column not in source.mapping and (near := _neutral_spelling(column)) is not None:
            # "External_ID" becoming a template field would silently lose the member's id
            problems.append(
                f"column {column!r} would become template field {column!r} (did you mean "
                f"{near}?): map it explicitly: --map '{column}={near}', or keep it as a "
                f"template field with --map '{column}=fields.{column}'"
            )
            continue
        key = target.removeprefix("fields.")
        try:
            Pass.model_validate({"template": "t", "fields": {key: "x"}})
        except ValidationError as exc:
            reason = "; ".join(p.message for p in exc.problems)
            name = f"column {column!r}" if column else f"column {position} (no name)"
            mapped = column in source.mapping
            advice = (
                f"map it to a valid key (--map '{column}=fields.{_suggested_key(key)}') or drop "
                f"it (--map '{column}=')"
                if column
                else "name it in the header row or remove it"
            )
            problems.append(
                f"{name} {'is mapped to' if mapped else 'would become'} template field "
                f"{key!r}, which cannot be a field key ({reason}): {advice}"
            )
    if source.template is not None and "template" in where:
        problems.append(
            f"--template {source.template} and column {where['template']!r} both give the "
            "template and only one can be kept: leave out --template, or drop the column "
            f"with --map '{where['template']}='"
        )
    if source.template is None and "template" not in where:
        problems.insert(
            0,
            "no template: give --template NAME, or a column that goes to template "
            "(a 'template' column or --map 'COLUMN=template')",
        )
    if problems:
        raise UsageError("; ".join(problems))


def _neutral_spelling(column: str) -> str | None:
    """The neutral target a column is named like, apart from case and separators
    (``External_ID``, ``Holder Name``, ``expires-at``), or ``None``."""
    squashed = _squash(column)
    return next((t for t in sorted(TARGETS) if _squash(t) == squashed), None)


def _squash(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())


def _suggested_key(key: str) -> str:
    cleaned = "_".join(key.split()).strip("._") or "field"
    return cleaned[:128]


class _IdIndex:
    """External id -> the first row that has it, kept in a temporary SQLite file so that a
    million-row export costs disk, not memory."""

    def __enter__(self) -> _IdIndex:
        self._dir = tempfile.TemporaryDirectory(prefix="walletpass-ids-")
        try:
            self._db = sqlite3.connect(Path(self._dir.name) / "ids.sqlite3")
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE ids (external_id TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID"
            )
        except sqlite3.Error as exc:
            self._dir.cleanup()
            raise self._io_error(exc) from None
        return self

    def first_row(self, external_id: str, row: int) -> int:
        try:
            self._db.execute(
                "INSERT OR IGNORE INTO ids (external_id, row) VALUES (?, ?)", (external_id, row)
            )
            found = self._db.execute(
                "SELECT row FROM ids WHERE external_id = ?", (external_id,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._io_error(exc) from None
        return int(found[0])

    def _io_error(self, exc: sqlite3.Error) -> JournalError:
        # Nothing has been sent yet: the run can simply be started again once there is room.
        return JournalError(
            f"cannot index the file's external ids in {self._dir.name}: {exc}; free space in "
            "the temporary folder (or point TMPDIR elsewhere) and run the command again"
        )

    def __exit__(self, *exc: object) -> None:
        self._db.close()
        self._dir.cleanup()
