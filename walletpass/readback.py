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

import functools
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from walletpass.errors import WalletPassError
from walletpass.model import IssuedPass

if TYPE_CHECKING:
    from walletpass.behaviour import VendorBehaviour

__all__ = ["BATCH", "READ_BACK_FAILED", "completed_by_read", "read_back", "unknown_parts"]

#: ``IssuedPass.meta`` key naming the error of a read-back that failed after the write.
READ_BACK_FAILED = "read_back_failed"

#: The answer an item of ``create_many`` is when the vendor's own batch reported it (a
#: provider's native batch hooks), not a ``create``: see :func:`unknown_parts`.
BATCH = "batch"


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
    if unread:
        wholes, attributes = _split_parts(unread)
        for whole in wholes:
            update[whole] = getattr(written, whole)
        if attributes:  # "holder.phone": one attribute of the holder
            answered = written.holder
            for attribute in attributes:
                holder[attribute] = getattr(answered, attribute) if answered else None
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


def _split_parts(unread: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``unread``'s whole parts (``"fields"``) and its holder's attributes (``"phone"`` of
    ``"holder.phone"``), each in ``unread``'s order; remembered for the few collections a
    provider declares (its ``unread_on_get``: splitting each part on each update cost as much
    as the copy of the pass)."""
    try:
        return _split_known(unread)  # type: ignore[arg-type]  # (hashable: a frozenset, a tuple)
    except TypeError:  # (a list or set: split on each call)
        return _split(unread)


def _split(unread: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    wholes: list[str] = []
    attributes: list[str] = []
    for part in unread:
        whole, _, attribute = part.partition(".")
        if attribute:
            attributes.append(attribute)
        else:
            wholes.append(whole)
    return tuple(wholes), tuple(attributes)


_split_known = functools.lru_cache(maxsize=16)(_split)


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


def unknown_parts(
    issued: IssuedPass,
    behaviour: VendorBehaviour,
    answer: str,
    *,
    balance_aliased: bool = False,
    kind: bool = True,
) -> frozenset[str]:
    """The parts of ``issued`` its ``answer`` cannot show: ``IssuedPass.unknown_parts``.

    Decided once, for every provider and profile, from the provider's declarations of what
    each answer carries (its ``behaviour``), so ``None`` (or a key missing from ``fields``)
    for a part *not* named here means "absent", and for a part named here "not known":

    - ``get``, ``list`` and ``update`` (whose answer is the vendor's read, or completed by one,
      ``update_reads_back``): each part in ``unread_on_get`` that the answer has no value for
      (``"fields"`` always: the read has none, an update's answer only those it set); the
      balance is read where ``balance_read_when_aliased`` and the pass's alias names a
      ``balance_field`` (then ``None`` is absent), and known absent on a pass of a kind the
      vendor keeps none for and refuses one on (``balance_write_refusal``: a PassEntry event
      ticket). A ``create`` reports what was written,
      whole. An update whose read-back failed (``meta["read_back_failed"]``) shows
      only what its own answer said: ``"fields"`` too.
    - ``batch`` (:data:`BATCH`: an item of ``create_many`` that the vendor's batch reported,
      e.g. a line of Livepasses' asynchronous batch status, which carries no fields, balance,
      barcode or links, vendor notes 3.2): it carries no more than the vendor's read, so each
      part in ``unread_on_get`` it has no value for (``"fields"``: none at all; the core adds
      the fields sent, as for a create).
    - every answer: ``"kind"`` when it reports none (``kind`` is ``None``): no answer that says
      the kind leaves it out, and the vendor's type may stand for several kinds (a store card);
      ``"barcode.format"`` when a write's answer has a barcode but cannot say its symbology
      (``barcode_format_in_writes`` false, e.g. Pass2U: the model sets it).

    Args:
        issued: the pass as presented (logical names, attributes restored).
        behaviour: the provider's (or the profile's) :class:`~walletpass.behaviour.VendorBehaviour`.
        answer: ``"create"``, ``"update"``, ``"get"`` or ``"list"``
            (:data:`walletpass.behaviour.ANSWERS`), or :data:`BATCH`.
        balance_aliased: the pass's template alias names a ``balance_field``.
        kind: name the kind where ``issued`` has none (``False`` for a pass not yet presented,
            whose kind its template alias may still give).

    Returns:
        Part names from :data:`walletpass.behaviour.READABLE_PARTS` (and ``"barcode.format"``).
    """
    parts: set[str] = set()
    unread = behaviour.unread_on_get
    if unread and answer != "create":
        # Each readable part asked by name (VendorBehaviour refuses any other): a look-up per
        # part, where a loop over the unread parts dispatching on each cost 3-4 k a part.
        if "fields" in unread and (answer != BATCH or not issued.fields):
            parts.add("fields")
        if (
            "balance" in unread
            and issued.balance is None
            and not (balance_aliased and behaviour.balance_read_when_aliased)
            and not _keeps_no_balance(issued, behaviour)
        ):
            parts.add("balance")
        if "kind" in unread and issued.kind is None:
            parts.add("kind")
        if "barcode" in unread and issued.barcode is None:
            parts.add("barcode")
        if "urls" in unread and not _has_a_link(issued):
            parts.add("urls")
        # (each name asked: unread_on_get may be any collection of names, a tuple too)
        if "holder.email" in unread or "holder.phone" in unread or "holder.language" in unread:
            holder = issued.holder
            for part, attribute in _HOLDER_ATTRIBUTES.items():
                if part in unread and (holder is None or getattr(holder, attribute) is None):
                    parts.add(part)
    if answer == "update" and READ_BACK_FAILED in issued.meta:
        parts.add("fields")
    if kind and issued.kind is None:
        parts.add("kind")
    if (
        answer in ("create", "update")
        and not behaviour.barcode_format_in_writes
        and issued.barcode is not None
        and issued.barcode.format is None
    ):
        parts.add("barcode.format")
    return frozenset(parts)


def _keeps_no_balance(issued: IssuedPass, behaviour: VendorBehaviour) -> bool:
    """Whether ``issued`` is of a kind its vendor keeps no balance for and refuses one on
    (``balance_write_refusal``, ``balance_kinds``: a PassEntry event ticket): its balance is
    then known to be absent, though the read does not carry balances."""
    kinds = behaviour.balance_kinds
    return (
        behaviour.balance_write_refusal is not None
        and kinds is not None
        and issued.kind is not None
        and issued.kind not in kinds
    )


def _has_a_link(issued: IssuedPass) -> bool:
    """Whether any of the pass's links is set (the links are one part: none of them is no
    value). Its values are its four links: a loop over them, not PassUrls's pairs, which made
    this one part cost as much as the rest of unknown_parts."""
    for link in issued.urls.__dict__.values():  # noqa: SIM110  # (a generator cost more)
        if link is not None:
            return True
    return False


#: The holder's readable parts (walletpass.behaviour.READABLE_PARTS), each to its attribute.
_HOLDER_ATTRIBUTES = {
    "holder.email": "email",
    "holder.phone": "phone",
    "holder.language": "language",
}
