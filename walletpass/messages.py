"""Pydantic's validation report in words a person acts on, keeping each problem's field path.

Pydantic explains a failed ``pattern`` by quoting the regular expression and a failed type check
with its internal type names; neither helps someone fixing a CSV cell or a configuration file.
Every pydantic report walletpass turns into one of its own errors goes through
:func:`problems_from_pydantic`, so no such text reaches a user. A pattern is declared with
:func:`pattern` together with what it means, so no pattern can exist without its words.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from walletpass.errors import FieldProblem
from walletpass.suggest import did_you_mean

__all__ = [
    "describe",
    "json_problem",
    "keys_at",
    "pattern",
    "problems_from_pydantic",
    "quantity",
]

_PATTERN_WORDS: dict[str, str] = {}

#: Said of a value that breaks a pattern declared without words (a plugin's own, say).
_UNNAMED_PATTERN = "is not in the accepted form"


def pattern(regex: str, words: str) -> str:
    """Declare a ``Field(pattern=...)`` and what a value breaking it is, e.g.
    ``pattern(r"^[^@\\s]+@[^@\\s]+$", "not an email address")``; returns ``regex``."""
    _PATTERN_WORDS[regex] = words
    return regex


def quantity(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun`` in agreement: ``quantity(1, "item")`` is ``"1 item"``,
    ``quantity(2, "item")`` is ``"2 items"`` (``plural`` for nouns not made with an ``s``).

    Every message that states a count or a limit says it through this, so no message reads
    "at most 1 items"."""
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


def json_problem(exc: ValueError) -> str:
    """Why text is not JSON, by line and column: ``expecting a value at line 1, column 5``
    (the parser's character offset and class name left out)."""
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    reason = str(getattr(exc, "msg", "") or "not JSON")
    reason = reason[:1].lower() + reason[1:]
    if reason.startswith("expecting value"):
        reason = "expecting a value" + reason.removeprefix("expecting value")
    return f"{reason} at line {line}, column {column}" if line and column else reason


def problems_from_pydantic(
    exc: PydanticValidationError,
    *,
    model: type[BaseModel] | None = None,
    prefix: str = "",
    with_input: bool = True,
) -> list[FieldProblem]:
    """One :class:`FieldProblem` per pydantic error: ``holder.email: not an email address``.

    ``model`` (the class validated) lets an unknown key be answered with the keys valid at that
    place and the closest of them; ``with_input=False`` for secrets-bearing input (settings), so
    no value is measured or quoted.
    """
    problems = []
    for error in exc.errors(include_url=False, include_input=with_input):
        loc = tuple(error["loc"])
        is_key = bool(loc) and loc[-1] == "[key]"
        if is_key:
            loc = loc[:-1]
        location = ".".join(str(part) for part in loc)
        if prefix:
            location = f"{prefix}.{location}" if location else prefix
        message = describe(error, model=model)
        if is_key:
            message = f"the key {message}"
        problems.append(FieldProblem(location, message))
    return problems


def describe(error: Mapping[str, Any], *, model: type[BaseModel] | None = None) -> str:
    """What is wrong with the value, in words (never a regular expression or a type name)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    given = error.get("input")
    if kind == "string_pattern_mismatch":
        return _PATTERN_WORDS.get(str(ctx.get("pattern")), _UNNAMED_PATTERN)
    if kind == "extra_forbidden":
        return _unknown_key(tuple(error.get("loc") or ()), model)
    if kind == "missing":
        return "is required"
    if kind == "string_too_long":
        return _measured(f"must be at most {_count(ctx.get('max_length'), 'character')}", given)
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return _measured(f"must be at least {_count(ctx.get('min_length'), 'character')}", given)
    if kind in ("too_long", "too_short"):
        bound = "at most" if kind == "too_long" else "at least"
        limit = ctx.get("max_length" if kind == "too_long" else "min_length")
        found = f", got {ctx['actual_length']}" if "actual_length" in ctx else ""
        return f"must have {bound} {_count(limit, 'item')}{found}"
    words = _SIMPLE.get(kind)
    if words is not None:
        return words.format(**ctx) if ctx else words
    message = str(error.get("msg", "is not valid"))
    for lead in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(lead)
    if message.startswith("Input should be "):
        message = "must be " + message.removeprefix("Input should be ")
    return message


_SIMPLE = {
    "string_type": "must be text",
    "string_unicode": "must be valid Unicode text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number, not a fraction",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "dict_type": "must be a table of keys and values (a JSON object)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "datetime_type": "must be a date and time",
    "datetime_parsing": "is not a date and time (e.g. 2030-06-01T21:00:00+02:00)",
    "datetime_from_date_parsing": "is not a date and time (e.g. 2030-06-01T21:00:00+02:00)",
    "date_type": "must be a date",
    "date_parsing": "is not a date (e.g. 2030-06-01)",
    "date_from_datetime_parsing": "is not a date (e.g. 2030-06-01)",
    "timezone_aware": "must say its timezone (e.g. +02:00 or Z)",
    "url_parsing": "is not a URL",
    "url_scheme": "must be a URL starting with {expected_schemes}",
    "uuid_parsing": "is not a UUID",
    "uuid_type": "is not a UUID",
    "model_type": "must be a table of keys and values (a JSON object)",
    "model_attributes_type": "must be a table of keys and values (a JSON object)",
    "none_required": "must be empty (null)",
    "frozen_instance": "cannot be changed once set",
    "is_instance_of": "is not a value this field takes",
}


def _count(limit: Any, noun: str) -> str:
    return quantity(limit, noun) if isinstance(limit, int) else f"{limit} {noun}s"


def _measured(rule: str, given: Any) -> str:
    return f"{rule}, got {len(given)}" if isinstance(given, str) else rule


def _unknown_key(loc: tuple[Any, ...], model: type[BaseModel] | None) -> str:
    name = str(loc[-1]) if loc else ""
    valid = keys_at(model, loc[:-1]) if model is not None else None
    if not valid:
        return "is not a key this takes"
    hint = did_you_mean(name, valid)
    return f"unknown key{f' ({hint})' if hint else ''}; valid keys: {', '.join(sorted(valid))}"


def keys_at(model: type[BaseModel], path: Sequence[Any]) -> list[str] | None:
    """The keys the model accepts at ``path`` (a pydantic ``loc``), following nested models,
    mappings, lists and unions; ``None`` where no model is found there."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return None
    for candidate in _members(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            names = []
            for field_name, info in candidate.model_fields.items():
                names.append(info.alias or field_name)
            return names
    return None


def _step(current: Any, part: Any) -> Any:
    for candidate in _members(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            if isinstance(part, str):
                for field_name, info in candidate.model_fields.items():
                    if part in (field_name, info.alias):
                        return info.annotation
            continue
        origin = typing.get_origin(candidate)
        args = typing.get_args(candidate)
        if origin in (dict, Mapping) and len(args) == 2:
            return args[1]
        if origin in (list, tuple, Sequence, set, frozenset) and args and isinstance(part, int):
            return args[0]
    return None


def _members(annotation: Any) -> list[Any]:
    """``A | None`` -> ``[A, None]``; ``Annotated[A, ...]`` -> ``[A]``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        members: list[Any] = []
        for arg in typing.get_args(annotation):
            members.extend(_members(arg))
        return members
    return [annotation]
