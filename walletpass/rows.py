"""Turning rows of a CSV or JSON Lines export into passes, one row at a time.

A loyalty programme's membership export or a season's ticket list is a table. Each column goes to a
neutral field: by default a column named like a field (``external_id``, ``holder.name``,
``expires_at``, ``barcode`` ...) goes there and every other column becomes a template field of the
same name; ``mapping`` renames (``{"Member No": "external_id"}``) or drops (``{"Notes": ""}``)
columns. Dates typed by people are parsed with python-dateutil and must carry a timezone unless a
default one is given. A row that cannot become a pass yields a :class:`RowError` naming the row
and the reason, and reading goes on.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from dateutil import parser as date_parser
from dateutil import tz as date_tz

from walletpass.errors import FieldProblem, ValidationError, WalletPassError
from walletpass.messages import json_problem
from walletpass.model import Pass

__all__ = [
    "TARGETS",
    "RowError",
    "RowSource",
    "UnclosedQuote",
    "csv_table",
    "external_id_of",
    "flatten_row",
    "jsonl_rows",
    "parse_when",
    "read_rows",
    "row_to_pass",
    "timezone_named",
]

#: Neutral targets a column can map to (``fields.<key>`` is also accepted).
TARGETS: frozenset[str] = frozenset(
    {
        "template",
        "kind",
        "external_id",
        "holder.name",
        "holder.first_name",
        "holder.last_name",
        "holder.email",
        "holder.phone",
        "holder.language",
        "barcode",
        "barcode.message",
        "barcode.format",
        "barcode.alt_text",
        "expires_at",
        "relevant_at",
        "description",
        "logo_text",
        "organization_name",
        "group",
        "tier",
        "colors.background",
        "colors.foreground",
        "colors.label",
    }
)
_DATES = {"expires_at", "relevant_at"}


class RowError(ValidationError):
    """A row that could not become a pass; ``row`` is its 1-based number among data rows."""

    def __init__(
        self, row: int, problems: list[FieldProblem], *, external_id: str | None = None
    ) -> None:
        reasons = "; ".join(f"{p.location}: {p.message}" for p in problems)
        super().__init__(f"row {row}: {reasons}", problems=problems)
        self.row = row
        #: the row's external id as written in the file, so a refused row can be matched back
        self.external_id = external_id


@dataclass(frozen=True)
class RowSource:
    """How rows become passes: the template, column renames, and the default timezone."""

    template: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    default_tz: tzinfo | None = None

    def target_of(self, column: str) -> str | None:
        if column in self.mapping:
            return self.mapping[column] or None
        if column in TARGETS or column.startswith("fields."):
            return column
        return f"fields.{column}"


def parse_when(text: str, default_tz: tzinfo | None = None) -> datetime:
    """A date a person typed, which must say its timezone unless ``default_tz`` is given."""
    example = "write it like 2030-06-01 23:00 +02:00"
    try:
        value = date_parser.parse(text)
    except date_parser.ParserError as exc:
        # dateutil wraps the calendar's reason ("day is out of range for month: %s"); its own
        # "Unknown string format" says nothing a person can act on
        reason = str(exc.args[0]) if exc.args else ""
        reason = reason.removesuffix(": %s") if reason.endswith(": %s") else ""
        if not reason or reason.startswith(("Unknown string format", "String does not contain")):
            raise ValueError(f"not a date: {text!r} ({example})") from None
        raise ValueError(f"not a date: {text!r} ({reason}; {example})") from None
    except OverflowError:
        raise ValueError(f"not a date: {text!r} (a number in it is far too large)") from None
    except ValueError as exc:  # the calendar's: "day is out of range for month"
        raise ValueError(f"not a date: {text!r} ({exc}; {example})") from None
    if value.tzinfo is None:
        if default_tz is None:
            raise ValueError(f"{text!r} has no timezone: add one (e.g. +02:00) or give --tz")
        value = value.replace(tzinfo=default_tz)
    return value


def timezone_named(name: str) -> tzinfo:
    """``--tz Europe/Paris`` / ``UTC`` / ``+02:00``; ``ValueError`` if unknown."""
    found = date_tz.gettz(name)
    if found is None:
        try:
            found = date_parser.parse(f"2000-01-01T00:00:00{name}").tzinfo
        except (ValueError, OverflowError):
            found = None
    if found is None:
        raise ValueError(f"unknown timezone {name!r}")
    return found


def row_to_pass(number: int, row: Mapping[str, Any], source: RowSource) -> Pass:
    """One row as a :class:`Pass`; :class:`RowError` naming every problem otherwise."""
    data: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    if source.template is not None:
        data["template"] = source.template
    for column, raw in row.items():
        target = source.target_of(column)
        if target is None or raw is None or raw == "":
            continue
        if target not in TARGETS and not target.startswith("fields."):
            problems.append(FieldProblem(column, f"maps to unknown target {target!r}"))
            continue
        value: Any = raw
        if target in _DATES and isinstance(raw, str):
            try:
                value = parse_when(raw, source.default_tz)
            except ValueError as exc:
                problems.append(FieldProblem(column, str(exc)))
                continue
        if target == "external_id" and isinstance(raw, int) and not isinstance(raw, bool):
            # a JSON Lines export may write a member number as a number: its digits are the id
            value = str(raw)
        if target == "barcode":
            target = "barcode.message"
        _put(data, target.split(".", 1) if "." in target else [target], value)
    external_id = external_id_of(row, source)
    if problems:
        raise RowError(number, problems, external_id=external_id)
    if "template" not in data:
        raise RowError(
            number,
            [FieldProblem("template", "no template column and no --template")],
            external_id=external_id,
        )
    try:
        return Pass.model_validate(data)
    except ValidationError as exc:
        raise RowError(number, list(exc.problems), external_id=external_id) from None


def _put(data: dict[str, Any], path: list[str], value: Any) -> None:
    if len(path) == 1:
        data[path[0]] = value
    else:
        data.setdefault(path[0], {})[path[1]] = value


def read_rows(path: str | Path, source: RowSource) -> Iterator[Pass | WalletPassError]:
    """Stream a ``.csv`` or ``.jsonl`` file as passes (or the row's error), in file order.

    The file's type and readability are checked now, before the first row is asked for, so a
    caller learns of a wrong path before it has set anything else in motion.
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise ValidationError.from_problems(
            [FieldProblem("file", f"{file.name}: expected a .csv or .jsonl file")]
        )
    try:
        # Bytes that are not UTF-8 are kept as escapes and reported for their own row; decoding
        # strictly would end the whole file at the first bad byte.
        handle = file.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    except OSError as exc:
        raise ValidationError.from_problems(
            [FieldProblem("file", f"cannot read {file}: {exc.strerror}")]
        ) from None
    return _passes(handle, suffix, source)


def _passes(handle: IO[str], suffix: str, source: RowSource) -> Iterator[Pass | WalletPassError]:
    with handle:
        rows = _csv_rows(handle, source) if suffix == ".csv" else jsonl_rows(handle)
        for number, row in rows:
            if isinstance(row, RowError):
                yield row
                continue
            try:
                yield row_to_pass(number, row, source)
            except RowError as exc:
                yield exc


def _undecodable(number: int, row: Mapping[str, Any]) -> RowError | None:
    """A row error naming each cell (or column name) holding bytes that were not UTF-8."""
    problems = []
    for column, value in row.items():
        for where, text in ((column, column), (column, value)):
            if isinstance(text, str) and (bad := _escaped_bytes(text)):
                problems.append(
                    FieldProblem(
                        str(where).encode("utf-8", "replace").decode("utf-8"),
                        f"holds bytes that are not UTF-8 ({bad}): save the file as UTF-8",
                    )
                )
                break
    return RowError(number, problems) if problems else None


def _escaped_bytes(text: str) -> str:
    if text.isascii():
        return ""
    found = [f"0x{ord(c) - 0xDC00:02X}" for c in text if 0xDC80 <= ord(c) <= 0xDCFF]
    return " ".join(found[:4]) + (" ..." if len(found) > 4 else "")


class UnclosedQuote(RowError):
    """A quoted cell that is never closed: the rest of the file would be read as that one cell,
    silently swallowing every later row, so the whole file is refused."""


def _delimiter(first_line: str) -> str:
    """``,`` unless the header is one column whose name holds ``;`` or a tab (a European Excel
    export, or a TSV): then that character separates the columns of every row."""
    cells = next(csv.reader([first_line]), [])
    if len(cells) == 1:
        found = [d for d in (";", "\t") if d in cells[0]]
        if len(found) == 1:
            return found[0]
    return ","


def _encoding_problem(first_line: str) -> str | None:
    """A header showing the file is UTF-16 text (Excel's "Unicode Text"): one message for the
    file instead of garbled column names (Latin-1 bytes are reported where they are)."""
    if first_line.startswith(("\udcff\udcfe", "\udcfe\udcff")) or "\x00" in first_line:
        return "is UTF-16 text (Excel's 'Unicode Text'): save it as 'CSV UTF-8'"
    return None


def _csv_problem(exc: csv.Error, line: int) -> str:
    """The CSV reader's complaint in words a person can act on, with the file's line number."""
    text = str(exc)
    if text.startswith("field larger than field limit"):
        return (
            f"a cell is longer than {csv.field_size_limit()} characters (line {line}); "
            "shorten it or split it over columns"
        )
    if "expected after" in text:
        return (
            f"text follows a closing quote in the same cell (line {line}); quote the whole "
            'cell and write a quote inside it as ""'
        )
    return f"cannot be read as CSV (line {line}): {text}"


def csv_table(
    handle: IO[str],
) -> tuple[list[str] | None, Iterator[tuple[int, list[str] | RowError]]]:
    """The header (``None`` for an empty file) and ``(row number, cells or the row's error)``.

    The one CSV reader of the library, used both to survey a file and to send it. Cells are
    separated by ``,`` or, when the header says so, ``;`` or a tab (see :func:`_delimiter`). The
    reader is strict: a cell that is quoted and then continued (``"x"y``) is that row's error,
    not silently joined, and a quote never closed is an :class:`UnclosedQuote`.
    """
    first = handle.readline()
    if not first:
        return None, iter(())
    if (problem := _encoding_problem(first)) is not None:
        raise ValidationError.from_problems([FieldProblem("file", problem)])
    delimiter = _delimiter(first)
    reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ValidationError.from_problems(
            [FieldProblem("header", _csv_problem(exc, reader.line_num))]
        ) from None
    return header, _csv_cells(reader)


def _csv_cells(reader: Any) -> Iterator[tuple[int, list[str] | RowError]]:
    number = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            if str(exc) == "unexpected end of data":
                yield (
                    number,
                    UnclosedQuote(
                        number,
                        [
                            FieldProblem(
                                f"line {start}",
                                "a quoted cell starts on this row and is never closed, so "
                                "every later row would be read into it; close the quote "
                                '(a quote inside a quoted cell is written "")',
                            )
                        ],
                    ),
                )
                return
            yield number, RowError(number, [FieldProblem("row", _csv_problem(exc, start))])
            continue
        number += 1
        yield number, cells


def _csv_rows(
    handle: IO[str], source: RowSource
) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    header, rows = csv_table(handle)
    for number, cells in rows:
        if isinstance(cells, RowError):
            yield number, cells
        elif len(cells) > len(header or ()):
            row = dict(zip(header or (), cells, strict=False))
            yield (
                number,
                RowError(
                    number,
                    [
                        FieldProblem(
                            "row",
                            f"has {len(cells)} cells but the header names "
                            f"{len(header or ())} columns; quote cells that contain "
                            "the separator",
                        )
                    ],
                    external_id=external_id_of(row, source),
                ),
            )
        else:
            row = dict(zip(header or (), cells, strict=False))
            yield number, _undecodable(number, row) or row


def external_id_of(row: Mapping[str, Any], source: RowSource) -> str | None:
    """The row's external id as written (text, or a JSON whole number as its digits)."""
    for column, cell in row.items():
        if cell in (None, "") or source.target_of(column) != "external_id":
            continue
        if isinstance(cell, str):
            return cell
        if isinstance(cell, int) and not isinstance(cell, bool):
            return str(cell)
    return None


#: The longest JSON Lines row read (bytes of text); a longer line is that row's error.
MAX_JSONL_LINE = 1024 * 1024


def jsonl_rows(handle: IO[str]) -> Iterator[tuple[int, Mapping[str, Any] | RowError]]:
    """``(row number, flattened object)`` per non-blank line, or the line's ``RowError``."""
    number = 0
    while line := handle.readline(MAX_JSONL_LINE + 1):
        if len(line) > MAX_JSONL_LINE and not line.endswith("\n"):
            while (rest := handle.readline(MAX_JSONL_LINE)) and not rest.endswith("\n"):
                pass  # skip the rest of the oversized line, a bounded piece at a time
            number += 1
            yield (
                number,
                RowError(
                    number, [FieldProblem("row", f"is longer than {MAX_JSONL_LINE} characters")]
                ),
            )
            continue
        if not line.strip():
            continue
        number += 1
        try:
            row = json.loads(line)
        except ValueError as exc:
            yield (
                number,
                RowError(number, [FieldProblem("row", f"not valid JSON: {json_problem(exc)}")]),
            )
            continue
        except RecursionError:  # nested deeper than the parser goes
            yield number, RowError(number, [FieldProblem("row", "not valid JSON: nested too deep")])
            continue
        if not isinstance(row, dict):
            yield number, RowError(number, [FieldProblem("row", "must be a JSON object")])
        else:
            flat = flatten_row(row)
            yield number, _undecodable(number, flat) or flat


def flatten_row(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"holder": {"name": "Ada"}}`` -> ``{"holder.name": "Ada"}`` (fields kept as a map)."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name in ("holder", "barcode", "colors", "fields"):
            flat.update(flatten_row(value, f"{name}."))
        else:
            flat[name] = value
    return flat
