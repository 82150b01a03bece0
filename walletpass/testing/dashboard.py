"""What an emulated vendor's dashboard holds: the templates or models passes are issued from.

Vendors issue passes from objects designed in their dashboards (Pass2U models, PassEntry and
Livepasses templates). An emulator is seeded with some when it is made, a test adds more as a
designer would, and the request handlers read them by id. :class:`Dashboard` is that store,
written once for every emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, TypeVar

__all__ = ["Dashboard"]

T = TypeVar("T")


class Dashboard(Mapping[str, T]):
    """Dashboard objects by id: a read-only mapping plus :meth:`add`; thread-safe.

    :param read: builds an object from its mapping form (e.g. ``EmulatedModel.from_mapping``),
        raising ``ValueError``/``KeyError`` for a malformed one.
    :param key: the id an object is addressed by in the vendor's API.
    :param lock: the emulator's lock (``EmulatorApp.lock``), held while the store changes.
    :param seeded: the objects (or their mapping forms) the dashboard starts with.
    """

    def __init__(
        self,
        read: Callable[[Mapping[str, Any]], T],
        key: Callable[[T], str],
        lock: AbstractContextManager[Any],
        seeded: Iterable[T | Mapping[str, Any]] = (),
    ) -> None:
        self._read = read
        self._key = key
        self._lock = lock
        self._items: dict[str, T] = {}
        for item in seeded:
            self.add(item)

    def add(self, item: T | Mapping[str, Any]) -> T:
        """Design one: ``item``, or the object its mapping form describes, under its id
        (replacing an object with that id, as saving a design again would).

        :returns: the object stored.
        """
        built: T = self._read(item) if isinstance(item, Mapping) else item
        with self._lock:
            self._items[self._key(built)] = built
        return built

    def __getitem__(self, key: str) -> T:
        with self._lock:
            return self._items[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
