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


_Parsed = tuple[tuple[str, ...], frozenset[str], tuple[str, ...], Any, Any]


def _parse(template: str) -> _Parsed:
    """The placeholders' names (in order, and as a set), the template split at them (text,
    name, text, ..., text: what ``re.split`` gives), for a template without any its one filled
    path, and for one with a single placeholder the text before it, its name and the text
    after it; read once per template (a provider's few endpoint templates)."""
    names = tuple(_PLACEHOLDER.findall(template))
    pieces = tuple(_PLACEHOLDER.split(template))
    constant = None if names else _filled(("".join(pieces), template))
    single = pieces if len(pieces) == 3 else None
    parsed = names, frozenset(names), pieces, constant, single
    if len(_parsed) >= _TEMPLATES_REMEMBERED:
        _parsed.clear()  # (bounded)
    _parsed[template] = parsed
    return parsed


#: Templates read lately (a plain dict: an ``lru_cache`` call cost more than the rest of a
#: lookup), by their text.
_parsed: dict[str, _Parsed] = {}
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
    names, named, pieces, constant, single = parsed
    if len(ids) != len(named):
        raise _wrong_ids(template, names, ids)
    if constant is not None:
        return constant  # type: ignore[no-any-return]
    # Most ids are ASCII letters, digits and dashes (uuids among them): nothing to quote, and
    # never "", "." or "..". Three string methods, where the pattern below cost 2.5 k
    # instructions for a uuid. (The loop's test, without the loop for most templates: one id.)
    if single is not None:
        before, name, after = single
        value = ids.get(name)  # (None: not this name, the loop below says so)
        if (
            type(value) is str
            and value.isascii()
            and (value.isalnum() or value.replace("-", "").isalnum())
        ):
            return _filled((before + value + after, template))
    parts = list(pieces)
    at = 1  # every other piece is a placeholder's name
    for name in names:
        try:
            value = ids[name]
        except KeyError:  # (as many ids as names: one of them is not a placeholder's)
            raise _wrong_ids(template, names, ids) from None
        if (
            type(value) is str
            and value.isascii()
            and (value.isalnum() or value.replace("-", "").isalnum())
        ):
            parts[at] = value
        else:
            parts[at] = _segment(names, named, ids, value, template)
        at += 2
    return _filled(("".join(parts), template))


def _wrong_ids(template: str, names: tuple[str, ...], ids: dict[str, Any]) -> ValueError:
    return ValueError(
        f"path template {template!r} takes ids {sorted(set(names))}, got {sorted(ids)}"
    )


def _segment(
    names: tuple[str, ...], named: frozenset[str], ids: dict[str, Any], value: Any, template: str
) -> str:
    """``value`` quoted as one path segment (any id the loop's test did not pass).

    :raises ValueError: the ids are not the placeholders (checked before any id is refused).
    :raises ValidationError: what :func:`segment_problem` says of each id, at its name.
    :raises UnicodeEncodeError: ``value`` has a lone surrogate (UTF-8 cannot carry it).
    """
    if named != ids.keys():
        raise _wrong_ids(template, names, ids)
    # Every id checked before this one is quoted (quoting a lone surrogate fails: the refusal of
    # another id comes first, as when each id was checked before any was filled in).
    _refuse_ids(names, ids)
    return value if _UNQUOTED.fullmatch(value) else quote(value, safe="")


def _refuse_ids(names: tuple[str, ...], ids: dict[str, Any]) -> None:
    """:raises ValidationError: what :func:`segment_problem` says of each id, at its name."""
    problems = [
        FieldProblem(name, problem)
        for name in names
        if (problem := segment_problem(ids[name])) is not None
    ]
    if problems:
        raise ValidationError.from_problems(problems)
