"""Connecting an async provider: by name, or chosen and configured by file and environment."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from typing import Any

from walletpass import config
from walletpass.aio.provider import AsyncProvider
from walletpass.provider import Provider

__all__ = ["connect", "from_config"]


async def connect(name: str, /, **settings: Any) -> AsyncProvider:
    """An async provider by name: :func:`walletpass.connect`'s arguments, settings and errors
    (``ProviderNotFound``; ``ConfigurationError`` for an unknown or malformed setting), and
    ``ConfigurationError`` for a proxy the async transport cannot connect through (only
    ``http://`` proxies: :func:`walletpass.aio.transport.check_proxy`).

    :param name: the provider's registered name (``"pass2u"``, ``"fake"``...).
    :param settings: its settings, then the environment's (``WALLETPASS_<PROVIDER>_<SETTING>``).
    :returns: an :class:`~walletpass.aio.AsyncProvider`; use it as ``async with``.
    """
    connected = await asyncio.to_thread(_ready, config.connect, name, **settings)
    return _sending(connected)


async def from_config(
    path: str | os.PathLike[str] | None = None,
    *,
    provider: str | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> AsyncProvider:
    """An async provider chosen and configured by file and environment:
    :func:`walletpass.from_config`'s arguments, settings and errors.

    :returns: an :class:`~walletpass.aio.AsyncProvider`; use it as ``async with``.
    """
    connected = await asyncio.to_thread(
        _ready, config.from_config, path, provider=provider, env=env, **overrides
    )
    return _sending(connected)


def _sending(connected: Provider[Any]) -> AsyncProvider:
    """``connected`` on the async API; its async transport is made with it (a setting that
    transport refuses, a SOCKS proxy, is a ``ConfigurationError`` here, the provider closed)."""
    try:
        return AsyncProvider(connected)
    except BaseException:
        connected.close()
        raise


def _ready(connect: Callable[..., Provider[Any]], *args: Any, **kwargs: Any) -> Provider[Any]:
    """A connected provider whose slow first-use work is done (in the calling worker thread,
    not on the event loop): finding its distribution for the User-Agent reads every installed
    package's metadata (seconds on a loaded machine, measured)."""
    provider = connect(*args, **kwargs)
    provider.user_agent()
    return provider
