"""How deeply JSON from outside may nest: one bound for vendor answers and webhook deliveries.

Python's JSON reader accepts documents about 990 levels deep (the interpreter's recursion limit),
but pydantic writes about 250: an answer nested a few hundred levels deep was read, kept in
``IssuedPass.raw``, and then raised from ``model_dump_json()``, from ``walletpass get --raw`` and
from a journal's record of the pass, every time it was written out. A document deeper than
:data:`MAX_JSON_DEPTH` is refused where it is read instead, as the unreadable answer it is for
walletpass. Vendors' documents are a few levels deep (PassEntry's JSON:API event: 5).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_JSON_DEPTH", "nests_deeper_than"]

#: The deepest nesting of objects and arrays walletpass reads from a vendor (answers, webhook
#: deliveries); the document itself is level 1.
MAX_JSON_DEPTH = 64


def nests_deeper_than(value: Any, text: bytes | None = None, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (decoded JSON: dicts, lists and scalars) nests objects and arrays more
    than ``limit`` levels deep.

    :param value: the decoded document.
    :param text: the bytes it was decoded from, where at hand: a document with no more than
        ``limit`` opening brackets (inside strings or not) cannot nest deeper, which is most
        answers, so their decoded value is not walked (a count over the bytes costs a fraction
        of a microsecond for a typical answer; the walk, about as much as decoding).
    :param limit: the deepest nesting allowed (levels; the document itself is level 1).
    :returns: ``True`` when some object or array is below more than ``limit`` levels.
    """
    if text is not None and text.count(b"{") + text.count(b"[") <= limit:
        return False
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        if not level:
            return False
        # (level by level: each container once, scalars only tested, no path kept)
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return bool(level)
