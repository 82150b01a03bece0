"""Vendor-only operations, declared once where they are written.

A provider's own operations (Pass2U's ``upload_image``, PassEntry's ``reactivate``, Livepasses'
loyalty transactions...) are ordinary methods marked with :func:`vendor_operation`. The mark is
the one place the name is written: the method's name is the capability key, its declaration joins
the class's ``capabilities`` and its name ``extra_operations`` (listed by ``walletpass
capabilities``), and every call runs guarded like the neutral operations (only walletpass errors
escape, each naming the provider and the operation). Arguments are checked the public way, e.g.
with :meth:`walletpass.Provider.check_pass_id`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from walletpass.capabilities import Declaration

__all__ = ["VendorOperation", "declared_operations", "vendor_operation"]

P = ParamSpec("P")
R = TypeVar("R")

_MARK = "__walletpass_operation__"


@dataclass(frozen=True, slots=True)
class VendorOperation:
    """One vendor-only operation: its name (the method's) and its declaration."""

    name: str
    declaration: Declaration


def vendor_operation(
    declaration: Declaration,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the decorated provider method a vendor-only operation.

    :param declaration: ``native(note)`` or ``emulated(note)`` (with ``inferred=`` where the
        vendor does not document a detail), as in ``capabilities``.
    :returns: the method, run inside the provider's guard: a walletpass error gets the provider
        and operation as context; any other exception becomes a ``WalletPassError`` whose cause
        is a redacted stand-in. A method returning an iterator is guarded while it is iterated.
    """

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        name = method.__name__

        @functools.wraps(method)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            provider: Any = args[0]
            with provider._guard(name):
                result = method(*args, **kwargs)
            if isinstance(result, Iterator):
                # A lazy listing fails while it is iterated: guarded there too.
                return provider._guarded_iter(name, result)  # type: ignore[no-any-return]
            return result

        setattr(guarded, _MARK, VendorOperation(name, declaration))
        return guarded

    return decorate


def declared_operations(namespace: Mapping[str, Any]) -> list[VendorOperation]:
    """The vendor operations marked in one class body (``vars(cls)``), in source order."""
    found = []
    for value in namespace.values():
        operation = getattr(value, _MARK, None)
        if isinstance(operation, VendorOperation):
            found.append(operation)
    return found
