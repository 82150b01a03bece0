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
import inspect
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, Literal, NamedTuple, ParamSpec, Protocol, TypeVar, overload

from walletpass.capabilities import Declaration

__all__ = ["VendorOperation", "declared_operations", "operation_of", "vendor_operation"]

P = ParamSpec("P")
R = TypeVar("R")

_MARK = "__walletpass_operation__"


class VendorOperation(NamedTuple):
    """One vendor-only operation: its name (the method's) and its declaration.

    ``plan`` is the undecorated method when it is written as a plan (a generator function:
    :mod:`walletpass.plans`): a driver other than the sync one calls ``plan(provider, *args)``
    and drives what it returns.
    """

    name: str
    declaration: Declaration
    plan: Callable[..., Any] | None = None
    #: The plan is a listing's (it emits items): drivers return its items lazily.
    listing: bool = False


class _Marking(Protocol):
    """The decorator :func:`vendor_operation` returns: a plan's method is typed as returning
    the plan's result (the driver runs it), any other method keeps its type."""

    @overload
    def __call__(self, method: Callable[P, Generator[Any, Any, R]]) -> Callable[P, R]: ...

    @overload
    def __call__(self, method: Callable[P, R]) -> Callable[P, R]: ...


class _ListingMarking(Protocol):
    """The decorator ``vendor_operation(..., listing=True)`` returns: a listing's plan method
    is typed as returning an iterator of the items it emits."""

    def __call__(
        self, method: Callable[P, Generator[Any, Any, None]]
    ) -> Callable[P, Iterator[Any]]: ...


@overload
def vendor_operation(declaration: Declaration) -> _Marking: ...


@overload
def vendor_operation(declaration: Declaration, *, listing: Literal[True]) -> _ListingMarking: ...


def vendor_operation(declaration: Declaration, *, listing: bool = False) -> Any:
    """Declare the decorated provider method a vendor-only operation.

    The method is either plain (it returns its result; a generator of items is a lazy listing)
    or a plan: a generator function annotated ``-> Plan[...]`` that yields
    :mod:`walletpass.plans` steps (``Send``, ``Wait``...) and returns its result, which the
    provider's driver runs, so calling it returns that result. Write it as a plan when it sends,
    so every driver (sync or async) runs the same steps.

    A listing that pages (or otherwise sends while it is iterated) is a plan too: a generator
    function annotated ``-> ListPlan`` that yields ``Emit(items)`` among its steps, marked with
    ``listing=True``; calling it runs its checks (the steps before its first request) at once
    and returns the items lazily (an async iterator on the async API).

    :param declaration: ``native(note)`` or ``emulated(note)`` (with ``inferred=`` where the
        vendor does not document a detail), as in ``capabilities``.
    :param listing: the method is a listing's plan (see above).
    :returns: the method, run inside the provider's guard: a walletpass error gets the provider
        and operation as context; any other exception becomes a ``WalletPassError`` whose cause
        is a redacted stand-in. A method returning an iterator is guarded while it is iterated.
    :raises ValueError: ``declaration`` is ``none(...)``: a method the vendor does not have
        would run although the matrix says it is not supported; leave the method out (and
        declare it ``none(alternative)`` in ``capabilities`` if a reader should find why).
    :raises TypeError: (when the class body is read) ``listing=True`` on a method that is not a
        generator function: a listing's plan yields its steps.
    """
    if not declaration.available:
        # Refused where it is written: the method would otherwise run on every call while the
        # declarations (the matrix, the CLI, the fake's profile) say the vendor cannot do it.
        raise ValueError(
            f"a vendor operation is declared native(...) or emulated(...), not NONE "
            f"({declaration.note!r}): leave the method out, and declare it none(...) in "
            "capabilities"
        )

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        name = method.__name__
        if listing and not inspect.isgeneratorfunction(method):
            raise TypeError(
                f"{name}: listing=True marks a listing's plan, a generator function "
                "(-> ListPlan) that yields Emit(items) among its steps; a method that returns "
                "its items is marked without listing=True"
            )
        is_plan = listing or _is_plan(method)

        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            provider: Any = args[0]
            with provider._guard(name):
                result = method(*args, **kwargs)
                if listing:
                    result = provider.iterate(result)
                elif is_plan:
                    result = provider.run(result)
            if isinstance(result, Iterator):
                # A lazy listing fails while it is iterated: guarded there too.
                return provider._guarded_iter(name, result)
            return result

        marked = VendorOperation(name, declaration, method if is_plan else None, listing)
        setattr(guarded, _MARK, marked)
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


def operation_of(provider_cls: type, name: str) -> VendorOperation | None:
    """The vendor operation ``name`` of a provider class (``None``: it has none of that name);
    its ``plan`` is what an async driver calls with ``(provider, *args)`` and drives."""
    operation = getattr(getattr(provider_cls, name, None), _MARK, None)
    return operation if isinstance(operation, VendorOperation) else None


def _is_plan(method: Callable[..., Any]) -> bool:
    """Whether ``method`` is written as a plan: a generator function annotated ``Plan[...]``
    (a generator of items, annotated ``Iterator[...]``, is a lazy listing)."""
    if not inspect.isgeneratorfunction(method):
        return False
    # The annotation as written (a string under postponed evaluation), or the alias's expansion.
    returns = str(inspect.get_annotations(method).get("return", ""))
    return returns.startswith("Plan[") or "walletpass.plans.Send" in returns
