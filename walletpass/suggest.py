""" "Did you mean ...?" for names a person typed: providers, settings, template alias keys,
configuration tables and environment variables.

Matching is the standard library's :func:`difflib.get_close_matches`, compared case-insensitively
(``Pass2U`` finds ``pass2u``) and returning the candidates as they are spelt.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["close_matches", "did_you_mean"]

#: How alike two names must be (difflib's ratio, 0..1) to be offered as a correction.
CUTOFF = 0.6


def close_matches(word: str, candidates: Iterable[str], *, limit: int = 3) -> list[str]:
    """The candidates that look like ``word``, best first (at most ``limit``; may be empty).

    A candidate equal to ``word`` apart from case always comes first.
    """
    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(candidate.casefold(), candidate)
    folded = word.casefold()
    import difflib  # only when a name is unknown

    found = difflib.get_close_matches(folded, list(by_folded), n=limit, cutoff=CUTOFF)
    if folded in by_folded and folded in found:
        found.remove(folded)
        found.insert(0, folded)
    return [by_folded[match] for match in found]


def did_you_mean(word: str, candidates: Iterable[str], *, quote: str = "'") -> str:
    """``"did you mean 'timeout'?"`` (or ``"did you mean 'a' or 'b'?"``); ``""`` if nothing fits."""
    found = close_matches(word, candidates, limit=2)
    if not found:
        return ""
    return "did you mean " + " or ".join(f"{quote}{name}{quote}" for name in found) + "?"
