"""The async provider: a sync provider's operations, awaited.

An :class:`AsyncProvider` composes one sync :class:`~walletpass.provider.Provider` and runs its
code: every check before sending (the same ``_prepare_*`` the sync methods run), the build hooks,
the vendor's ``check``, the parse hooks, the error table and the presentation of answers. Only the
sending differs: an operation written as a plan (``plan_<op>``, :mod:`walletpass.plans`) is driven
on the event loop, each request sent by the :class:`~walletpass.aio.transport.AsyncTransport`.
Code written for the sync contract only (a plugin that overrides ``execute_<op>``, a vendor-only
operation that sends by itself) runs unchanged in a worker thread, with the sync transport; the
in-process fake, which sends nothing, runs on the loop (its coroutine event handlers awaited).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from walletpass.aio.events import AsyncEventOperations
from walletpass.aio.ratelimit import AsyncLimiter
from walletpass.aio.transport import AsyncTransport
from walletpass.bounds import call_deadline
from walletpass.bulk import _as_error
from walletpass.callbacks import acall_back
from walletpass.capabilities import Capabilities, Capability
from walletpass.errors import ConfigurationError, FieldProblem, ValidationError, WalletPassError
from walletpass.event_handlers import awaiting
from walletpass.model import (
    BulkItem,
    BulkResult,
    IssuedPass,
    Pass,
    PassStatus,
    PassUpdate,
    Redemption,
)
from walletpass.outcomes import known_unsent
from walletpass.plans import (
    Call,
    ListPlan,
    Now,
    Plan,
    Send,
    Step,
    Together,
    Wait,
    adrive,
    adrive_items,
    first_step,
)
from walletpass.presentation import neutral_redemption
from walletpass.provider import Provider
from walletpass.status import with_current_status
from walletpass.together import together_in_tasks
from walletpass.transport import VendorRequest
from walletpass.vendor_operations import operation_of

if TYPE_CHECKING:
    from walletpass.bulk import BulkProgress
    from walletpass.journal import Journal

__all__ = ["AsyncProvider"]

_T = TypeVar("_T")

_DONE = object()


class AsyncProvider(AsyncEventOperations):
    """A provider for asyncio applications: the operations of ``provider`` as coroutines.

    ``provider``: a connected sync provider (any: vendor packages, the fake, plugins); its
    settings, declarations and code are used as they are. ``limiter``: the rate limiter awaited
    before each request (default: the provider's own, made asyncio-aware, so sync and async
    calls of one provider share one budget).

    Use it as ``async with``: leaving closes its HTTP client (and the sync provider's).
    """

    def __init__(self, provider: Provider[Any], *, limiter: AsyncLimiter | None = None) -> None:
        self.sync = provider
        self._limiter = limiter
        self._transport: AsyncTransport | None = None
        self._plans: dict[str, bool] = {}  # what _planned() found, by operation
        # The fake keeps everything in memory: its calls take microseconds and never wait.
        self._in_process = is_fake(provider)
        if not self._in_process:
            try:
                rules = provider.transport
            except ConfigurationError:
                rules = None  # none to make (a plugin sending by itself): its calls say so
            if rules is not None:
                # Made now, not inside the first call's deadline: loading the CA bundle takes
                # milliseconds (more on a loaded machine), and a setting the async transport
                # refuses (a SOCKS proxy) is a ConfigurationError here.
                self._transport = AsyncTransport(rules, limiter=limiter)

    # -- what the provider is ---------------------------------------------------------------

    @property
    def name(self) -> str:
        """The provider's registered name (``"pass2u"``, ``"fake"``...)."""
        return self.sync.name

    @property
    def label(self) -> str:
        """How errors name the provider (``fake(profile=pass2u)`` for a fake wearing a profile)."""
        return self.sync.label

    @property
    def capabilities(self) -> Capabilities:
        """What the vendor can do, as the sync provider declares it."""
        return self.sync.capabilities

    @property
    def settings(self) -> Any:
        """The provider's settings (secrets stay ``SecretStr``)."""
        return self.sync.settings

    @property
    def extra_operations(self) -> tuple[str, ...]:
        """The vendor-only operations, awaitable as attributes of this provider."""
        return self.sync.extra_operations

    def require(self, operation: Capability | str) -> None:
        """Raise ``UnsupportedOperation`` (naming the alternative) unless the vendor offers
        ``operation`` (a :class:`~walletpass.capabilities.Capability` or its key, such as
        ``"events.receive"``): the sync provider's :meth:`~walletpass.Provider.require`; nothing
        is sent, so it is not awaited."""
        self.sync.require(operation)

    def __repr__(self) -> str:
        return f"AsyncProvider({self.sync!r})"

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def transport(self) -> AsyncTransport:
        """The async transport, made on first use from the provider's own transport settings."""
        if self._transport is None:
            self._transport = AsyncTransport(self.sync.transport, limiter=self._limiter)
        return self._transport

    async def aclose(self) -> None:
        """Close the HTTP clients; later calls raise ``ConfigurationError``."""
        if self._transport is not None:
            await self._transport.aclose()
        self.sync.close()

    async def __aenter__(self) -> AsyncProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- the neutral operations -------------------------------------------------------------

    async def create(self, new_pass: Pass | Mapping[str, Any]) -> IssuedPass:
        """Issue a pass: :meth:`walletpass.provider.Provider.create`, awaited (the same
        arguments, result and errors)."""
        sync = self.sync
        if not self._planned("create"):
            return await self._in_thread(sync.create, new_pass)
        with sync._guard("create"):
            prepared, mapping, request = sync._prepare_create(new_pass)
            with call_deadline(sync.settings.deadline):
                issued = await self._drive(sync.plan_create(prepared, request))
            issued = with_current_status(issued, expires_at=prepared.expires_at)
            return sync._present_written(issued, mapping, prepared)

    async def get(self, pass_id: str) -> IssuedPass:
        """Read a pass: :meth:`walletpass.provider.Provider.get`, awaited (the same arguments,
        result and errors)."""
        sync = self.sync
        if not self._planned("get"):
            return await self._in_thread(sync.get, pass_id)
        with sync._guard("get"):
            sync.require(Capability.GET)
            checked = sync._check_id(pass_id)
            with call_deadline(sync.settings.deadline):  # (its requests: one call)
                read = await self._drive(sync.plan_get(checked))
            return sync.present(read)

    async def update(self, pass_id: str, change: PassUpdate | Mapping[str, Any]) -> IssuedPass:
        """Change a pass: :meth:`walletpass.provider.Provider.update`, awaited (the same arguments,
        result and errors)."""
        sync = self.sync
        if not self._planned("update"):
            return await self._in_thread(sync.update, pass_id, change)
        with sync._guard("update"):
            plan = sync.plan_checked_update(pass_id, change)
            with call_deadline(sync.settings.deadline):  # (its requests: one call)
                return await self._drive(plan)

    async def redeem(
        self,
        pass_id: str,
        *,
        amount: Decimal | int | float | str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Redemption:
        """Redeem a pass: :meth:`walletpass.provider.Provider.redeem`, awaited (the same arguments,
        result and errors)."""
        sync = self.sync
        if not self._planned("redeem"):
            return await self._in_thread(
                functools.partial(sync.redeem, pass_id, amount=amount, options=options)
            )
        with sync._guard("redeem"):
            checked, value, checked_options = sync._prepare_redeem(pass_id, amount, options)
            with call_deadline(sync.settings.deadline):  # (its requests: one call)
                result = await self._drive(sync.plan_redeem(checked, value, checked_options))
            return neutral_redemption(result, value)

    async def delete(self, pass_id: str) -> None:
        """Delete or invalidate a pass: :meth:`walletpass.provider.Provider.delete`, awaited
        (the same arguments, result and errors)."""
        sync = self.sync
        if not self._planned("delete"):
            await self._in_thread(sync.delete, pass_id)
            return
        with sync._guard("delete"):
            sync.require(Capability.DELETE)
            checked = sync._check_id(pass_id)
            with call_deadline(sync.settings.deadline):  # (its requests: one call)
                await self._drive(sync.plan_delete(checked))

    def list(
        self,
        *,
        template: str | None = None,
        status: PassStatus | str | None = None,
        page_size: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[IssuedPass]:
        """Iterate over passes (``async for``), pages requested as they are needed:
        :meth:`walletpass.provider.Provider.list` (the same arguments, items and errors). The
        checks run at the call (raising ``ValidationError``, ``UnsupportedOperation`` here); a
        request's error is raised by the iteration step that needed its page."""
        sync = self.sync
        if not self._planned("list"):
            items = sync.list(template=template, status=status, page_size=page_size, extra=extra)
            return self._iterate_in_thread(items)
        with sync._guard("list"):
            sync.require(Capability.LIST)
            filters = sync._list_filters(template, status, page_size, extra)
            plan = sync.plan_list(filters)
            first = first_step(plan)  # the plan's own checks, before any request, raise here
        return self._drive_items(plan, first)

    async def create_many(
        self,
        passes: Iterable[Pass | Mapping[str, Any] | WalletPassError]
        | AsyncIterable[Pass | Mapping[str, Any] | WalletPassError],
        *,
        concurrency: int | None = None,
        journal: str | os.PathLike[str] | Journal | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        on_item: Callable[[BulkItem], None] | None = None,
        keep_items: bool = True,
    ) -> BulkResult:
        """Issue many passes: :meth:`walletpass.provider.Provider.create_many`'s arguments,
        journal, resumption, result and errors, with asyncio tasks (at most ``concurrency``
        creates in flight; a provider with native batches sends them, and follows them, on the
        loop too); only the journal is read and written in worker threads, never on the loop.

        :param passes: an iterable or an async iterable of passes (or mappings, or the
            ``WalletPassError`` of an input record), read lazily, in constant memory.
        :raises ValidationError: ``passes`` is not an (async) iterable of passes, or an argument
            is malformed.
        """
        from walletpass.aio.bulk import run_create_many_async

        sync = self.sync
        with sync._guard("create_many"):
            sync.require(Capability.CREATE_MANY)
            sync.require(Capability.CREATE)
            if isinstance(passes, str | bytes | Mapping | Pass) or not isinstance(
                passes, Iterable | AsyncIterable
            ):
                raise ValidationError.from_problems(
                    [FieldProblem("passes", "must be an iterable of passes, e.g. a list")]
                )
            return await run_create_many_async(
                self,
                passes,
                concurrency=concurrency or sync.settings.concurrency,
                journal=Path(journal) if isinstance(journal, os.PathLike) else journal,
                on_progress=on_progress,
                on_item=on_item,
                keep_items=keep_items,
            )

    async def _send_create(
        self, new_pass: Pass, request: VendorRequest | None
    ) -> IssuedPass | WalletPassError:
        """A checked pass's create, as a bulk run sends it (``send_prepared``): the issued pass,
        or the error (``outcome_unknown`` where something may have been sent); never raises."""
        sync = self.sync
        if not self._planned("create"):
            return await self._in_thread(_sent_or_error, sync, new_pass, request)
        try:
            return await self._drive(sync.plan_create(new_pass, request))
        except Exception as exc:
            return _as_error(exc, sync, sending=not known_unsent())

    def __getattr__(self, name: str) -> Any:
        # Vendor-only operations (Pass2U's upload_image, PassEntry's reactivate...): one written
        # as a plan is driven on the loop; any other runs unchanged in a worker thread.
        if name.startswith("_") or name not in type(self.sync).extra_operations:
            raise AttributeError(name)
        operation = getattr(self.sync, name)
        if not callable(operation):  # a property (the fake's recorded ``calls``)
            return operation
        declared = operation_of(type(self.sync), name)
        plan = declared.plan if declared is not None and not self._in_process else None
        if plan is not None and declared is not None and declared.listing:

            def listing(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                # As list(): the checks run at the call, pages as the iteration needs them.
                with self.sync._guard(name):
                    items = plan(self.sync, *args, **kwargs)
                    first = first_step(items)
                return self._drive_items(items, first, name)

            listing.__name__ = name
            listing.__doc__ = operation.__doc__
            return listing

        async def vendor_operation(*args: Any, **kwargs: Any) -> Any:
            if plan is not None:
                with self.sync._guard(name):
                    return await self._drive(plan(self.sync, *args, **kwargs))
            result = await self._in_thread(functools.partial(operation, *args, **kwargs))
            if isinstance(result, Iterator):
                return self._iterate_in_thread(result)
            return result

        vendor_operation.__name__ = name
        vendor_operation.__doc__ = operation.__doc__
        return vendor_operation

    # -- driving ------------------------------------------------------------------------------

    def _planned(self, operation: str) -> bool:
        """Whether the operation runs as a plan here: not on the in-process fake, nor where the
        provider overrides a sync-only hook the operation runs (``execute_<op>``, and version 1's
        ``find_by_external_id``)."""
        planned = self._plans.get(operation)
        if planned is None:
            planned = self._plans[operation] = self._runs_plan(operation)
        return planned

    def _runs_plan(self, operation: str) -> bool:
        if self._in_process:
            return False
        hooks = [f"execute_{operation}"]
        if operation == "update":
            hooks.append("execute_get")  # the template read an aliased update may need
        if operation == "create":
            hooks.append("find_by_external_id")  # the look-up before a recoverable resend
        cls = type(self.sync)
        return all(getattr(cls, hook) is getattr(Provider, hook) for hook in hooks)

    async def _in_thread(self, call: Callable[..., _T], *args: Any) -> _T:
        if self._in_process:
            # On the loop; the fake's coroutine event handlers awaited after it.
            return await awaiting(call, *args)
        return await asyncio.to_thread(call, *args)

    async def _iterate_in_thread(self, items: Iterator[_T]) -> AsyncIterator[_T]:
        while True:
            item: Any = await self._in_thread(next, items, _DONE)
            if item is _DONE:
                return
            yield item

    async def _answer(self, step: Step) -> Any:
        """Carry out one step of a plan, as :meth:`walletpass.driver.Driver.answer` does."""
        if isinstance(step, Send):
            response = await self.transport.send(step.request, operation=step.operation)
            return self.sync.accept(response, step.request, step.operation)
        if isinstance(step, Wait):
            if step.seconds > 0:
                await asyncio.sleep(step.seconds)
            return time.monotonic()
        if isinstance(step, Now):
            return time.monotonic()
        if isinstance(step, Call):
            return await acall_back(step)
        if isinstance(step, Together):
            return await together_in_tasks(step, self._answer)
        raise TypeError(f"not a step a plan may yield: {step!r}")

    async def _drive(self, plan: Plan[_T]) -> _T:
        """The async loop (:func:`walletpass.plans.adrive`), each step answered here."""
        return await adrive(plan, self._answer)

    async def _drive_items(
        self, plan: ListPlan, step: Step | None, operation: str = "list"
    ) -> AsyncIterator[Any]:
        """A listing's items (:func:`walletpass.plans.adrive_items`), guarded as ``operation``;
        the neutral ``list``'s presented as the sync ``list`` presents them."""
        sync = self.sync
        with sync._guard(operation):
            async for item in adrive_items(plan, step, self._answer):
                yield sync.present(item, answer="list") if operation == "list" else item


def _sent_or_error(
    sync: Provider[Any], new_pass: Pass, request: VendorRequest | None
) -> IssuedPass | WalletPassError:
    """``send_prepared("create")`` in the thread that runs it (with the task's send check,
    copied into the thread's context): the issued pass or the error, as a bulk run records it."""
    try:
        issued: IssuedPass = sync.send_prepared("create", new_pass, request=request)
    except Exception as exc:
        # (only the core transport can vouch that nothing left: see walletpass.bulk._Dispatch)
        return _as_error(exc, sync, sending=not known_unsent())
    return issued


def is_fake(provider: object) -> bool:
    """Whether ``provider`` is the in-process fake, without loading the fake (its profiles cost
    megabytes of memory an application that never uses it would carry): a program that has not
    imported it has none."""
    fake = sys.modules.get("walletpass.fake")
    return fake is not None and isinstance(provider, fake.FakeProvider)
