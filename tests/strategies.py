"""Hypothesis helpers shared by the property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def maybe(
    draw: st.DrawFn, name: str, strategy: st.SearchStrategy[Any], into: dict[str, Any]
) -> None:
    """Sets ``into[name]`` to a value drawn from ``strategy`` (``None`` too where it draws one:
    on an update, a clear) or leaves it out, so the model's default applies; at random."""
    if draw(st.booleans()):
        into[name] = draw(strategy)
