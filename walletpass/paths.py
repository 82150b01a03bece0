"""Request paths with ids in them: the one place an id becomes part of a URL.

A provider writes each endpoint as a template, ``"models/{modelId}/passes/{passId}"``, and
:func:`fill_path` puts the ids in, each percent-quoted as exactly one path segment, so an id can
never add a segment, a query or a fragment (``a/b``, ``x?y``, ``#``). The template, with its
placeholders, is what logs, metrics and rate-limit keys show (``VendorRequest.path_template``):
ids never reach them.

``.`` and ``..`` cannot be quoted away: URL parsers (urllib3 among them) remove them as dot
segments, so ``passes/..`` would be sent as a request for the parent resource. They are refused
here, and :func:`segment_problem` lets a provider's id check refuse them (and empty ids) before
any request is built.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple
from urllib.parse import quote

from walletpass.errors import FieldProblem, ValidationError

__all__ = ["FilledPath", "fill_path", "segment_problem"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: What ``quote(value, safe="")`` leaves as it is (RFC 3986's unreserved characters).
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+")


def _parse(template: str) -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...], Any]:
    """The placeholders' names (in order, and as a set), the template split at them (text,
    name, text, ..., text: what ``re.split`` gives), and, for a template without any, its one
    filled path; read once per template (a provider's few endpoint templates)."""
    names = tuple(_PLACEHOLDER.findall(template))
    pieces = tuple(_PLACEHOLDER.split(template))
    constant = None if names else _filled(("".join(pieces), template))
    parsed = names, frozenset(names), pieces, constant
    if len(_parsed) >= _TEMPLATES_REMEMBERED:
        _parsed.clear()  # (bounded)
    _parsed[template] = parsed
    return parsed


#: Templates read lately (a plain dict: an ``lru_cache`` call cost more than the rest of a
#: lookup), by their text.
_parsed: dict[str, tuple[tuple[str, ...], frozenset[str], tuple[str, ...], Any]] = {}
_TEMPLATES_REMEMBERED = 512


class FilledPath(NamedTuple):
    """A request path and the template it was filled from.

    :ivar path: the relative URL path, every id quoted (``models/1919/passes/VT%2F2``).
    :ivar template: the template with its placeholders (``models/{modelId}/passes/{passId}``).
    """

    path: str
    template: str


#: A ``FilledPath`` of a ``(path, template)`` pair, made without the generated ``__new__``'s frame.
_filled = functools.partial(tuple.__new__, FilledPath)


def segment_problem(value: object) -> str | None:
    """Why ``value`` cannot be one URL path segment (an id in a path), or ``None``.

    Any non-empty text can be quoted into a segment except ``.`` and ``..``, which URL parsers
    resolve away (RFC 3986, section 5.2.4).
    """
    if not isinstance(value, str) or not value:
        return "must be a non-empty string"
    if value in (".", ".."):
        return "cannot be '.' or '..' (a URL path would drop it)"
    return None


def fill_path(template: str, /, **ids: str) -> FilledPath:
    """``template`` with each ``{name}`` replaced by ``ids[name]``, quoted as one path segment.

    :param template: a relative path with placeholders, e.g. ``"api/v1/passes/{id}/nullify"``.
    :param ids: the value for every placeholder of ``template``.
    :returns: the filled path and ``template``.
    :raises ValidationError: an id is empty, ``.`` or ``..`` (:func:`segment_problem`); the
        problem is located at the placeholder's name.
    :raises ValueError: a placeholder has no id, or an id has no placeholder (a provider bug).
    """
    parsed = _parsed.get(template)
    if parsed is None:
        parsed = _parse(template)
    names, named, pieces, constant = parsed
    if named != ids.keys():
        raise ValueError(
            f"path template {template!r} takes ids {sorted(set(names))}, got {sorted(ids)}"
        )
    if constant is not None:
        return constant  # type: ignore[no-any-return]
    parts = list(pieces)
    at = 1  # every other piece is a placeholder's name
    for name in names:
        value = ids[name]
        if type(value) is not str or value in _NOT_SEGMENTS:
            _refuse_ids(names, ids)  # (returns where segment_problem finds nothing: a subclass)
        # (most ids are letters, digits and dashes: quoting would return them unchanged)
        parts[at] = value if _UNQUOTED.fullmatch(value) else quote(value, safe="")
        at += 2
    return _filled(("".join(parts), template))


#: Text :func:`segment_problem` refuses (the rest of what it refuses is not text).
_NOT_SEGMENTS = frozenset({"", ".", ".."})


def _refuse_ids(names: tuple[str, ...], ids: dict[str, Any]) -> None:
    """:raises ValidationError: what :func:`segment_problem` says of each id, at its name."""
    problems = [
        FieldProblem(name, problem)
        for name in names
        if (problem := segment_problem(ids[name])) is not None
    ]
    if problems:
        raise ValidationError.from_problems(problems)
