"""walletpass for asyncio applications: the same providers, operations, checks, errors, retries,
rate limits and redaction as the sync API, sent through aiohttp.

>>> async with await walletpass.aio.connect("fake") as wallet:
...     issued = await wallet.create({"template": "vip"})
...     async for found in wallet.list():
...         ...

Install with ``pip install 'walletpass[async]'``. ``import walletpass`` never imports this package
(nor aiohttp).
"""

from __future__ import annotations

try:
    import aiohttp  # noqa: F401  (the extra's one dependency: say so at import)
except ImportError as exc:  # pragma: no cover - exercised by the packaging test
    raise ImportError("walletpass.aio needs aiohttp: pip install 'walletpass[async]'") from exc

from walletpass.aio.connecting import connect, from_config
from walletpass.aio.provider import AsyncProvider
from walletpass.aio.ratelimit import AsyncLimiter, AsyncRateLimiter, ThreadedLimiter
from walletpass.aio.transport import AsyncTransport

__all__ = [
    "AsyncLimiter",
    "AsyncProvider",
    "AsyncRateLimiter",
    "AsyncTransport",
    "ThreadedLimiter",
    "connect",
    "from_config",
]
