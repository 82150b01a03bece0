"""What a vendor's JSON body can carry: the one check every outgoing value goes through.

The model's field rules say what a value *means*; this module says whether it can be *sent*.
Every vendor speaks UTF-8 JSON, so:

* text must be valid Unicode: a lone surrogate (``"A\\ud800"``, which Python strings allow but
  UTF-8 cannot encode) is refused;
* numbers must arrive as the number that was written. No vendor documents the range or the
  precision of its numbers (Pass2U calls some of them ``double``), so a number travels only
  where an IEEE-754 double holds it exactly, the one form every JSON reader keeps (RFC 8259,
  section 6): it is finite, its magnitude is at most about 1.8e308 and, unless zero, at least
  about 4.9e-324; a decimal has no more digits than the double nearest to it shows
  (``0.12345678901234567890`` would arrive as ``0.12345678901234568``: refused, not rounded);
  an integer is within ±(2**53 - 1), beyond which doubles skip integers (*inferred*: a vendor
  reading 64-bit integers would keep more; none documents it). A value that needs more is text;
  each refusal says so, naming the field and the number it would have arrived as;
* a decimal's size is judged from its exponent alone, before any conversion, so
  ``Decimal("1e999999999")`` is refused at once instead of being expanded to a billion digits;
* a datetime must still be a datetime once converted to UTC (Livepasses and PassEntry take UTC
  timestamps): ``9999-12-31T23:00-05:00`` is after the last instant Python can represent;
* a datetime's UTC offset is whole minutes: timestamps on the wire (ISO 8601, RFC 3339) write
  offsets as ``±hh:mm``, and JSON serialisers (pydantic's among them: the fake's store, bulk
  journals) cut an offset's seconds, so a local mean time such as Amsterdam's ``+00:19:32``
  before 1937 (``zoneinfo``) would arrive, or read back, as another instant;
* nesting is at most :data:`MAX_DEPTH` levels, and a container that contains itself is refused
  (*inferred*: .NET's JSON reader stops at 64 levels by default).

:func:`wire_problems` walks a value once (linear in its size), and names each bad part by its
dotted path (``fields.memberName``, ``extra.lines.3``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from walletpass.errors import FieldProblem, ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_INTEGER",
    "check_wire_value",
    "integer_problem",
    "number_problem",
    "text_problem",
    "wire_problems",
]

#: Deepest nesting of mappings and lists in a value (the ``extra`` escape hatch, field maps).
MAX_DEPTH = 64
#: The largest integer every JSON reader keeps exactly: a double holds every integer up to
#: 2**53, and 2**53 + 1 reads back as 2**53 (RFC 8259, section 6).
MAX_INTEGER = 2**53 - 1
#: The largest and smallest positive magnitudes an IEEE-754 double holds.
_MAX_DOUBLE = Decimal("1.7976931348623157e308")
_MIN_DOUBLE = Decimal("4.9406564584124654e-324")
#: Exponents outside this window are refused before any comparison that could expand them.
_MAX_EXPONENT = 309
_MIN_EXPONENT = -325


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be sent as UTF-8, or ``None``."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains an unpaired surrogate (U+{ord(text[exc.start]):04X}) at position "
            f"{exc.start}, which cannot be sent as UTF-8"
        )
    return None


def integer_problem(value: Any) -> str | None:
    """Why ``value`` cannot fill a vendor's integer member (a count, points), or ``None``.

    The one rule every provider and emulator applies to a member its vendor documents as an
    integer: an ``int`` (not a ``bool``) or a whole ``Decimal`` (sent as the integer); a
    ``float`` is refused whether or not it is whole. ``5.0`` goes on the wire as ``5.0``, a
    number with a fraction part, which a typed server's integer member (the documented ``int``)
    may refuse, and a float that is whole by accident of rounding is not a count the caller
    meant; the message says what to pass instead.

    :param value: the value as given (or as parsed from JSON, in an emulator).
    :returns: ``None`` when it is an integer JSON keeps exactly, else why not.
    """
    if isinstance(value, bool):
        return "must be a whole number, not a boolean"
    if isinstance(value, int):
        return number_problem(value)
    if isinstance(value, Decimal):
        # The double check first: it bounds the value, so int() below cannot expand it.
        problem = number_problem(value)
        if problem is None and value != value.to_integral_value():
            problem = "must be a whole number"
        return problem or number_problem(int(value))
    if isinstance(value, float):
        shown = repr(value)
        whole = math.isfinite(value) and value.is_integer()
        hint = f" (pass {int(value)}, an int)" if whole else ""
        return f"must be a whole number given as an int, not the float {shown}{hint}"
    return "must be a whole number"


def number_problem(value: int | float | Decimal) -> str | None:
    """Why ``value`` cannot be sent as a JSON number, or ``None`` (never expands ``value``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # bit_length() reads the size without converting a huge integer to text.
        if value.bit_length() > 53:
            return (
                f"is outside ±{MAX_INTEGER} (2**53 - 1), the integers a JSON number (an IEEE-754 "
                "double) keeps exactly: a vendor may read it as another number; send it as text"
            )
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number"
    if not value.is_finite():
        return "must be a finite number"
    if value.is_zero():
        return None
    # adjusted() is the exponent of the leading digit: computed from the exponent and the digit
    # count, with no arithmetic on the value itself.
    exponent = value.adjusted()
    if exponent > _MAX_EXPONENT or exponent < _MIN_EXPONENT:
        return "is too large or too small for the JSON number (a double) vendors read"
    magnitude = abs(value)
    if magnitude > _MAX_DOUBLE or magnitude < _MIN_DOUBLE:
        return "is too large or too small for the JSON number (a double) vendors read"
    # Bounded above, so the conversion is cheap; the double's shortest text is what a vendor
    # reading a double would keep and answer.
    kept = repr(float(value))
    if Decimal(kept) != value:
        return (
            f"has more digits than a JSON number (an IEEE-754 double) keeps: it would arrive "
            f"as {kept.removesuffix('.0')}; round it, or send it as text"
        )
    return None


def _datetime_problem(value: datetime) -> str | None:
    offset = value.utcoffset()
    if offset is None:
        return None  # the model's own rule (timezone-aware) reports it
    if offset % timedelta(minutes=1):
        return (
            f"has the UTC offset {_offset_text(offset)}, which is not whole minutes: timestamps "
            "are written with ±hh:mm offsets, so it would arrive as another instant; convert "
            "it, e.g. value.astimezone(timezone.utc)"
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        return "is outside the datetimes that can be written in UTC (year 1 to 9999)"
    return None


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    seconds = abs(offset).total_seconds()
    hours, rest = divmod(int(seconds), 3600)
    text = f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    fraction = abs(offset).microseconds
    return f"{text}.{fraction:06d}" if fraction else text


def _children(value: Any) -> tuple[Iterator[tuple[str, Any]], bool] | None:
    """The parts of a container, and whether their keys are the model's own field names
    (which need no check: they are the code's, not data)."""
    if isinstance(value, BaseModel):
        return ((name, getattr(value, name)) for name in type(value).__pydantic_fields__), True
    if isinstance(value, Mapping):
        return iter(value.items()), False
    if isinstance(value, list | tuple):
        return ((str(i), item) for i, item in enumerate(value)), True
    return None


def wire_problems(value: Any, location: str = "") -> list[FieldProblem]:
    """Every part of ``value`` a vendor's JSON body cannot carry, each under its dotted path.

    ``value`` may be a mapping, a list, a walletpass model or a scalar; other objects are left
    to the model's type rules. Runs in time linear in the size of ``value``.
    """
    if _plainly_sendable(value, 0):
        return []  # the usual case, told without building a path or a stack entry per part
    problems: list[FieldProblem] = []
    # An explicit stack instead of recursion: a hostile, deeply nested value cannot exhaust
    # Python's recursion limit here. Each entry: (path, value, depth, ids of its ancestors).
    stack: list[tuple[str, Any, int, frozenset[int]]] = [(location, value, 0, frozenset())]
    while stack:
        where, item, depth, ancestors = stack.pop()
        problem = _scalar_problem(item)
        if problem is not None:
            problems.append(FieldProblem(where or "value", problem))
            continue
        found = _children(item)
        if found is None:
            continue
        children, named_by_code = found
        if id(item) in ancestors:
            problems.append(FieldProblem(where or "value", "contains itself"))
            continue
        if depth >= MAX_DEPTH:
            problems.append(FieldProblem(where or "value", f"nests deeper than {MAX_DEPTH} levels"))
            continue
        inner = ancestors | {id(item)}
        pending = []
        for key, child in children:
            if (
                not named_by_code
                and isinstance(key, str)
                and (why := text_problem(key)) is not None
            ):
                problems.append(FieldProblem(f"{where}.{key!a}" if where else ascii(key), why))
                continue
            if child is None:  # (most of a model's fields: nothing to check, told at once)
                continue
            if type(child) is str:  # the commonest part, told apart without the ABC checks
                if child.isascii() or text_problem(child) is None:
                    continue
            elif not isinstance(child, _CONTAINERS) and _scalar_problem(child) is None:
                # Most parts are sendable scalars: nothing to report and nothing beneath, so
                # neither a path nor a stack entry is built for them. (Parts with a problem
                # still go through the stack, so problems keep their depth-first order.)
                continue
            path = f"{where}.{key}" if where else str(key)
            pending.append((path, child, depth + 1, inner))
        stack.extend(reversed(pending))
    return problems


_CONTAINERS = (BaseModel, Mapping, list, tuple)


def _plainly_sendable(value: Any, depth: int) -> bool:
    """``True`` only where :func:`wire_problems` would find nothing in ``value``; ``False``
    where it might find something (then it walks ``value`` itself and names each problem).

    Checks every part by the same rules, without paths: most content is ASCII text, small
    integers and ``None``. Recursion stops at :data:`MAX_DEPTH` (``False``: the walk reports
    the nesting, or the container that contains itself), so a hostile value cannot exhaust
    the stack here.
    """
    kind = type(value)
    if kind is str:
        return bool(value.isascii()) or text_problem(value) is None
    if value is None or kind is bool:
        return True
    if kind is int:
        return bool(value.bit_length() <= 53)
    if kind is float:
        return bool(math.isfinite(value))
    if kind is dict or kind is list or isinstance(value, _CONTAINERS):
        if depth >= MAX_DEPTH:
            return False
        if isinstance(value, BaseModel):
            children: Any = (getattr(value, name) for name in type(value).__pydantic_fields__)
        elif isinstance(value, Mapping):
            for key in value:
                if isinstance(key, str) and not key.isascii() and text_problem(key) is not None:
                    return False
            children = value.values()
        else:
            children = value
        depth += 1
        for child in children:
            # (None and ASCII text, most parts, told here without a call each)
            if child is None or (type(child) is str and child.isascii()):
                continue
            if not _plainly_sendable(child, depth):
                return False
        return True
    return _scalar_problem(value) is None


def _scalar_problem(item: Any) -> str | None:
    if isinstance(item, str):
        return text_problem(item)
    if isinstance(item, int | float | Decimal):
        return number_problem(item)
    if isinstance(item, datetime):
        return _datetime_problem(item)
    if isinstance(item, date | timedelta):
        return None
    return None


def check_wire_value(value: Any, location: str, **context: Any) -> None:
    """Raise :class:`~walletpass.errors.ValidationError` naming every unsendable part of
    ``value`` (see :func:`wire_problems`); ``context`` (``provider``, ``operation``) is passed
    to the error."""
    problems = wire_problems(value, location)
    if problems:
        raise ValidationError.from_problems(problems, **context)
