"""Carrying out a :class:`~walletpass.plans.Together` step: several plans at once, at most
``limit`` in flight, one outcome per plan in order (its result, or the walletpass error it
raised). The sync driver runs them in threads, the async driver in tasks; the caller's context
(the call's deadline, the dispatch count) goes with each one."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any

from walletpass.errors import WalletPassError
from walletpass.plans import Plan, Together

__all__ = ["together_in_tasks", "together_in_threads"]


def together_in_threads(
    step: Together, run: Callable[[Plan[Any]], Any]
) -> list[Any | WalletPassError]:
    """``step``'s plans, each driven by ``run`` in a worker thread (at most ``step.limit``).

    :returns: one outcome per plan, in order.
    :raises Exception: what is not a walletpass error (a bug) propagates.
    """

    def one(plan: Plan[Any], context: contextvars.Context) -> Any:
        try:
            return context.run(run, plan)
        except WalletPassError as exc:
            return exc

    from concurrent.futures import ThreadPoolExecutor  # only when a plan runs several at once

    plans = list(step.plans)
    if not plans:
        return []
    workers = max(1, min(step.limit, len(plans)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="walletpass") as pool:
        return list(pool.map(one, plans, [contextvars.copy_context() for _ in plans]))


async def together_in_tasks(
    step: Together, drive: Callable[[Plan[Any]], Awaitable[Any]]
) -> list[Any | WalletPassError]:
    """``step``'s plans, each driven by ``drive`` in an asyncio task (at most ``step.limit``
    at once).

    :returns: one outcome per plan, in order.
    :raises Exception: what is not a walletpass error (a bug) propagates.
    """
    import asyncio  # the async API only: never imported by ``import walletpass``

    gate = asyncio.Semaphore(max(1, step.limit))

    async def one(plan: Plan[Any]) -> Any:
        async with gate:
            try:
                return await drive(plan)
            except WalletPassError as exc:
                return exc

    return list(await asyncio.gather(*(one(plan) for plan in step.plans)))
