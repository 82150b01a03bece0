"""fill_path's fast path (templates read once, ids checked by type and value in the loop, a
template without ids filled once) gives exactly what the general reading gives: the same path
and template, the same ValueError, the same ValidationError with the same problems."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.errors import FieldProblem, ValidationError
from walletpass.paths import FilledPath, fill_path, segment_problem


class _Id(str):
    """An id of a str subclass: a segment like any text."""

    __slots__ = ()


def _general(template: str, ids: dict[str, Any]) -> FilledPath:
    """fill_path written the slow way: split the template, check every id, quote each."""
    names = re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    if set(names) != set(ids):
        raise ValueError(
            f"path template {template!r} takes ids {sorted(set(names))}, got {sorted(ids)}"
        )
    problems = [
        FieldProblem(name, problem)
        for name in names
        if (problem := segment_problem(ids[name])) is not None
    ]
    if problems:
        raise ValidationError.from_problems(problems)
    pieces = re.split(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    for at in range(1, len(pieces), 2):
        pieces[at] = quote(ids[pieces[at]], safe="")
    return FilledPath("".join(pieces), template)


_names = st.sampled_from(["id", "passId", "modelId", "x"])
_templates = st.lists(
    st.one_of(_names.map(lambda name: "{" + name + "}"), st.text("ab/{}._-é", max_size=4)),
    max_size=5,
).map("/".join)
_values = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", ".", "..", "a/b", "x?y", "#", "m-1", "é", "\ud800", "-", "--", "٣", "Ⅻ"]),
    # (what the loop's own test passes, and what it must not: ASCII letters, digits and dashes
    # beside the other unreserved characters, digits and letters beyond ASCII, uuids)
    st.text("aZ09-_.~é٣ /%", max_size=8),
    st.uuids().map(str),
    st.sampled_from(["", ".", "m-1", "a/b"]).map(_Id),
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=1),
)


def _outcome(template: str, ids: dict[str, Any], fill: Any) -> Any:
    try:
        filled = fill(template, ids)
    except ValidationError as exc:
        return ("refused", str(exc), [(p.location, p.message) for p in exc.problems])
    except ValueError as exc:
        return ("bug", str(exc))
    return ("filled", type(filled), tuple(filled), [type(part) for part in filled])


@settings(max_examples=400, deadline=None)
@given(template=_templates, ids=st.dictionaries(_names, _values, max_size=4), twice=st.booleans())
def test_the_fast_path_is_the_general_path(template: str, ids: dict[str, Any], twice: bool) -> None:
    if twice:
        _outcome(template, ids, lambda t, i: fill_path(t, **i))
    assert _outcome(template, ids, lambda t, i: fill_path(t, **i)) == _outcome(
        template, ids, _general
    )


def test_a_template_without_ids_refuses_ids_given_to_it() -> None:
    assert fill_path("api/passes") == FilledPath("api/passes", "api/passes")
    with pytest.raises(ValueError, match="takes ids"):
        fill_path("api/passes", id="1")
