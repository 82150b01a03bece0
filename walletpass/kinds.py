"""A vendor's pass types and the neutral kinds, both ways, from one declaration.

Every vendor sorts passes into types of its own (Apple styles, template types, LivePass's pass
types), and a provider needs the relation twice: the type a pass of each neutral kind is issued
as, and the kind a pass of each type reads back as. Written as two tables they drift apart; a
:class:`KindTable` is declared once, per vendor type, with the kinds issued as it::

    KINDS = KindTable(
        {Style.GENERIC: "generic membership", Style.STORE_CARD: "loyalty gift_card"},
        unread={Style.GENERIC},
    )

The kinds are ``PassKind`` members or their values, several in one space-separated string.
A pass of a type reads back as the first kind listed for it, unless the type is ``unread``
(many kinds share it and the vendor's answer does not say which: the kind stays unknown rather
than guessed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

from walletpass.model import PassKind

__all__ = ["APPLE_STYLES", "KindTable"]

V = TypeVar("V", bound=str)
W = TypeVar("W", bound=str)


class KindTable(Generic[V]):
    """Vendor type <-> neutral kind, declared once per vendor type.

    :param issued_as: vendor type -> the kinds issued as that type (each kind under one type
        at most), the one a read reports first: ``PassKind`` members, or their values in one
        space-separated string (``"loyalty gift_card"``).
    :param unread: vendor types whose passes read back as no kind (shared by several kinds).
    :raises ValueError: a kind listed under two types, a type with no kind, a name that is no
        ``PassKind``, or an ``unread`` type that is not declared.
    """

    __slots__ = ("_kinds", "_types")

    def __init__(
        self, issued_as: Mapping[V, str | Sequence[PassKind]], *, unread: Collection[V] = ()
    ) -> None:
        types: dict[PassKind, V] = {}
        listed = {
            vendor_type: [PassKind(k) for k in kinds.split()] if isinstance(kinds, str) else kinds
            for vendor_type, kinds in issued_as.items()
        }
        for vendor_type, kinds in listed.items():
            if not kinds:
                raise ValueError(f"vendor type {vendor_type!r} lists no kind")
            for kind in kinds:
                if kind in types:
                    raise ValueError(f"kind {kind.value!r} is listed under two vendor types")
                types[kind] = vendor_type
        stray = set(unread) - set(issued_as)
        if stray:
            raise ValueError(f"unread vendor types are not declared: {sorted(stray)}")
        self._types = types
        self._kinds: dict[str, PassKind] = {
            vendor_type: kinds[0]
            for vendor_type, kinds in listed.items()
            if vendor_type not in unread
        }

    def __getitem__(self, kind: PassKind) -> V:
        """The vendor type a pass of ``kind`` is issued as; ``KeyError`` when it has none."""
        return self._types[kind]

    def get(self, kind: PassKind) -> V | None:
        """The vendor type a pass of ``kind`` is issued as, or ``None`` when it has none."""
        return self._types.get(kind)

    def __iter__(self) -> Iterator[PassKind]:
        """The kinds that have a vendor type, in declaration order."""
        return iter(self._types)

    def __contains__(self, kind: object) -> bool:
        return kind in self._types

    def items(self) -> Iterator[tuple[PassKind, V]]:
        """``(kind, vendor type)`` for every kind that has one, in declaration order."""
        return iter(self._types.items())

    def translated(
        self, vendor_type: Callable[[V], W], *, unread: Collection[W] = ()
    ) -> KindTable[W]:
        """This table with each type named as a vendor names it (``vendor_type(type)``);
        types named alike merge, their kinds in this table's order (so the first type's first
        kind is what the merged type reads back as).

        :param vendor_type: this table's type -> the vendor's (e.g. ``PassStyle``).
        :param unread: the vendor's types whose passes read back as no kind.
        :returns: the vendor's ``KindTable``.
        """
        merged: dict[W, list[PassKind]] = {}
        for kind, own in self._types.items():
            merged.setdefault(vendor_type(own), []).append(kind)
        return KindTable(merged, unread=unread)

    def kind_of(self, vendor_type: str | None) -> PassKind | None:
        """The kind a pass of ``vendor_type`` (as the vendor's answer spells it) reads back as;
        ``None`` for an unread, unknown or absent type."""
        if vendor_type is None:
            return None
        return self._kinds.get(vendor_type)


#: Apple Wallet's five pass styles (PassKit, "Pass Design and Creation": ``generic``,
#: ``eventTicket``, ``storeCard``, ``coupon``, ``boardingPass``) and the neutral kinds each
#: shows: where a vendor that issues passes by Apple style starts (:meth:`KindTable.translated`).
APPLE_STYLES: KindTable[str] = KindTable(
    {
        "generic": "generic membership reservation appointment",
        "eventTicket": "event_ticket",
        "storeCard": "loyalty gift_card",
        "coupon": "coupon",
        "boardingPass": "boarding_pass",
    }
)
