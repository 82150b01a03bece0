"""The Redis-shared rate limiter on the event loop, over ``redis.asyncio``.

:class:`AsyncRedisLimiter` carries out the very plans of
:class:`walletpass.redis_limiter.RedisLimiter` (the same Lua scripts, from one source, under the
same keys, with the same fallback and outage state): its script calls are awaited on an asyncio
Redis connection and its waits are ``asyncio.sleep``, so an async provider sharing a vendor key
with sync processes (or other loops) takes part in one budget without a worker thread per waiting
request. Install with ``pip install walletpass[redis]``; built by
:func:`walletpass.aio.ratelimit.asyncio_limiter` for a provider whose ``rate_limit_backend`` is
set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from walletpass.aio.loop_session import LoopBound
from walletpass.redis_limiter import SCRIPTS, Plan, RedisLimiter, Script, _Place, abandon

__all__ = ["AsyncRedisLimiter"]

_T = TypeVar("_T")


class AsyncRedisLimiter:
    """``limiter``'s algorithm and state, awaited: see the module doc. Its connections belong to
    the event loop that first uses them; on another loop (a second ``asyncio.run``) it opens
    its own."""

    def __init__(self, limiter: RedisLimiter) -> None:
        self.limiter = limiter
        self._on_loop: LoopBound | None = None  # closes the client on its loop
        self._client: redis.asyncio.Redis | None = None
        self._scripts: dict[str, Any] = {}

    async def acquire(
        self, key: str = "", *, max_wait: float | None = None
    ) -> Callable[[], Awaitable[None]] | None:
        """As :meth:`walletpass.redis_limiter.RedisLimiter.acquire` (the same errors), without
        blocking the loop; the release it returns is awaited."""
        taken = await self._drive(self.limiter.acquire_plan(key, max_wait))
        if isinstance(taken, _Place):
            place = taken

            async def end() -> None:
                await self._drive(self.limiter.end_plan(place))

            return end
        release = taken  # the in-process fallback's (microseconds under its lock)

        async def done() -> None:
            release()

        return done

    async def pause(self, key: str, seconds: float) -> None:
        """As :meth:`walletpass.redis_limiter.RedisLimiter.pause`; never raises."""
        await self._drive(self.limiter.pause_plan(key, seconds))

    async def aclose(self) -> None:
        """Close the Redis connections (those of another event loop on that loop:
        :class:`~walletpass.aio.loop_session.LoopBound`)."""
        on_loop, self._client, self._on_loop = self._on_loop, None, None
        if on_loop is not None:
            if on_loop.loop is asyncio.get_running_loop():
                await on_loop.aclose()
            else:
                on_loop.let_go()

    def __repr__(self) -> str:
        return f"AsyncRedisLimiter({self.limiter!r})"

    async def _scripts_for_loop(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        on_loop = self._on_loop
        if self._client is None or on_loop is None or on_loop.loop is not loop:
            if on_loop is not None:
                on_loop.let_go()  # the old loop's connections, closed on that loop
            limiter = self.limiter
            pool = redis.asyncio.ConnectionPool.from_url(
                limiter._url,
                socket_timeout=limiter._timeout,
                socket_connect_timeout=limiter._timeout,
                retry=Retry(NoBackoff(), 0),  # a failure falls back at once, as the sync client
            )
            self._client = client = redis.asyncio.Redis(connection_pool=pool)
            # (A pool handed to the client is not closed with it unless told.)
            self._on_loop = await LoopBound.start(lambda: client.aclose(close_connection_pool=True))
            self._scripts = {
                name: self._client.register_script(source) for name, source in SCRIPTS.items()
            }
        return self._scripts

    async def _drive(self, plan: Plan[_T]) -> _T:
        """Carry out ``plan`` on the loop: its scripts awaited, its waits ``asyncio.sleep``."""
        answer: Any = None
        failure: redis.RedisError | None = None
        while True:
            try:
                step = plan.throw(failure) if failure is not None else plan.send(answer)
            except StopIteration as done:
                result: _T = done.value
                return result
            answer, failure = None, None
            try:
                if isinstance(step, Script):
                    scripts = await self._scripts_for_loop()
                    answer = await scripts[step.script](keys=step.keys, args=step.args)
                else:
                    await asyncio.sleep(step)
            except redis.RedisError as exc:
                failure = exc
            except BaseException:
                # Cancelled while waiting (the task, an asyncio.timeout around the call): what
                # the plan holds (its slot, its turn in the queue) is given back, then it stops.
                await self._drive(abandon(plan))
                raise
