"""A write's answer completed by reading the pass back, for vendors whose answer is partial.

Some vendors answer a write with little about the pass: Pass2U's update answer carries neither
``voided`` nor the fields the update did not set, Livepasses' says nothing about the pass at all.
An application must not see ``UNKNOWN`` for a state walletpass can learn, nor a pass missing the
fields it did not touch, so such a provider reads the pass back right after the write (one more
request, counted in its declarations) and reports what that read says, keeping from the write's
own answer only the parts the read cannot return (its ``behaviour.unread_on_get``).

A read that fails after the write succeeded does not turn the call into a failure (the change
was made): the write's own answer is reported, its status left ``UNKNOWN``, and
``meta["read_back_failed"]`` names the error.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from walletpass.errors import WalletPassError
from walletpass.model import IssuedPass

__all__ = ["READ_BACK_FAILED", "completed_by_read", "read_back"]

#: ``IssuedPass.meta`` key naming the error of a read-back that failed after the write.
READ_BACK_FAILED = "read_back_failed"


def completed_by_read(
    written: IssuedPass, read: IssuedPass, *, unread: Collection[str] = ()
) -> IssuedPass:
    """``read`` (the pass as read right after the write), with ``written``'s parts in ``unread``.

    Args:
        written: what the provider parsed from the write's answer.
        read: what a read of the same pass returned right after.
        unread: parts of a pass the read cannot return (``"fields"``, ``"balance"``,
            ``"kind"``, ``"holder.phone"``...: :data:`walletpass.behaviour.READABLE_PARTS`):
            taken from ``written``.

    Returns:
        The pass as read, with the write's id, the parts the read cannot return, the write's
        ``updated_at`` where the read has none, both ``meta`` (the write's wins) and both raw
        answers (``raw = {"write": ..., "read": ...}``).
    """
    update: dict[str, Any] = {}
    holder: dict[str, Any] = {}
    for part in unread:
        whole, _, attribute = part.partition(".")
        if attribute:  # "holder.phone": one attribute of the holder
            holder[attribute] = getattr(written.holder, attribute) if written.holder else None
        else:
            update[whole] = getattr(written, whole)
    base = read.holder or written.holder
    if holder and base is not None:
        update["holder"] = base.model_copy(update=holder)
    update["id"] = written.id
    update["updated_at"] = read.updated_at or written.updated_at
    update["meta"] = {**read.meta, **written.meta}
    update["raw"] = {"write": written.raw, "read": read.raw}
    if read.kind is None and written.kind is not None:
        update["kind"] = written.kind
    return read.model_copy(update=update)


def read_back(
    written: IssuedPass, read: Callable[[], IssuedPass], *, unread: Collection[str] = ()
) -> IssuedPass:
    """:func:`completed_by_read` with ``read()``'s pass; ``written`` (its failure named in
    ``meta``, see :data:`READ_BACK_FAILED`) when the read raises a walletpass error."""
    try:
        found = read()
    except WalletPassError as exc:
        meta = {**written.meta, READ_BACK_FAILED: type(exc).__name__}
        return written.model_copy(update={"meta": meta})
    return completed_by_read(written, found, unread=unread)
