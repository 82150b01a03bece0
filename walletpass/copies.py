"""Changed copies of already-validated models, without validating or defaulting again.

The core rewrites a checked ``Pass`` or ``PassUpdate`` into the vendor's terms several times per
call (aliases, template facts, lenient drops, the change message). Each new value is one the
core itself built from validated parts, so validating again would only repeat work; and
``model_construct`` resolves (and deep-copies) the default of every unset field, which cost more
than the rest of the rewrite. A shallow copy keeps every other field as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["replaced"]

M = TypeVar("M", bound=BaseModel)


def replaced(model: M, update: Mapping[str, Any], *, unset: Iterable[str] = ()) -> M:
    """A shallow copy of ``model`` with ``update``'s fields set (and counted as set), and the
    fields in ``unset`` back to their defaults and no longer counted as set (what a change that
    omits them means).

    :param model: a validated model.
    :param update: field name -> a value already of the field's type (not validated here).
    :param unset: field names to return to their defaults (a name also in ``update`` is set).
    :returns: the copy; ``model`` is unchanged.
    """
    copied = model.model_copy(update=dict(update))
    fields = type(model).model_fields
    for name in unset:
        if name in update:
            continue
        copied.__dict__[name] = fields[name].get_default(call_default_factory=True)
        copied.__pydantic_fields_set__.discard(name)
    return copied
