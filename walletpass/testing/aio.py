"""Testing the async API with suites written for the sync one.

:class:`BlockingProvider` presents an :class:`~walletpass.aio.AsyncProvider` with the sync
provider's interface, running each call to completion on its own event loop: the conformance kit
(:mod:`walletpass.testing.conformance`) and any sync test of an application run unchanged against
the async API, so both APIs are held to one specification. Application code on asyncio uses
:class:`~walletpass.aio.AsyncProvider` directly.

Needs the async extra (``pip install 'walletpass[async]'``).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from walletpass.aio import AsyncProvider
from walletpass.provider import Provider

__all__ = ["BlockingProvider", "on_async_api"]


class BlockingProvider:
    """``provider``'s operations called like a sync provider's (each awaited on this object's
    event loop); every other attribute is the async provider's, else the sync provider's.
    :meth:`close` closes the async provider and the loop."""

    def __init__(self, provider: AsyncProvider) -> None:
        self.async_provider = provider
        self._runner = asyncio.Runner()
        self._closed = False

    def _run(self, awaitable: Any) -> Any:
        return self._runner.run(awaitable)

    def create(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.create(*args, **kwargs))

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.get(*args, **kwargs))

    def update(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.update(*args, **kwargs))

    def redeem(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.redeem(*args, **kwargs))

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.delete(*args, **kwargs))

    def create_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.create_many(*args, **kwargs))

    def subscribe_events(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.subscribe_events(*args, **kwargs))

    def list_event_subscriptions(self) -> Any:
        return self._run(self.async_provider.list_event_subscriptions())

    def rotate_event_secret(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.rotate_event_secret(*args, **kwargs))

    def delete_event_subscription(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(self.async_provider.delete_event_subscription(*args, **kwargs))

    def list(self, **filters: Any) -> Iterator[Any]:
        return self._blocking_iter(self.async_provider.list(**filters))

    def _blocking_iter(self, items: AsyncIterator[Any]) -> Iterator[Any]:
        while True:
            try:
                yield self._run(items.__anext__())
            except StopAsyncIteration:
                return

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self.async_provider.aclose())
        finally:
            self._runner.close()

    def __enter__(self) -> BlockingProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BlockingProvider({self.async_provider!r})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            value = getattr(self.async_provider, name)
        except AttributeError:
            return getattr(self.async_provider.sync, name)
        if name in type(self.async_provider.sync).extra_operations and callable(value):
            return self._blocking(value)
        return value

    def _blocking(self, operation: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = operation(*args, **kwargs)
            if inspect.isawaitable(result):
                result = self._run(result)
            if isinstance(result, AsyncIterator):
                return self._blocking_iter(result)
            return result

        return call


def on_async_api(provider: Provider[Any]) -> Any:
    """``provider`` (a connected sync provider) behind the async API, called the sync way: a
    :class:`BlockingProvider` over an :class:`~walletpass.aio.AsyncProvider` composing it."""
    return BlockingProvider(AsyncProvider(provider))
