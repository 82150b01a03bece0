"""A FastAPI ticket desk on walletpass's async API (walletpass.aio).

The app issues a tasting ticket per guest, lists the tickets, and scans them at the door; every
walletpass call is awaited on the event loop (no thread pool). One async provider is opened when
the app starts and closed when it stops (``lifespan``); walletpass errors become HTTP answers in
one exception handler.

Run as a script, it plays a short evening against the fake provider through httpx's ASGI
transport (no server, no network; httpx is this script's dependency, not walletpass's, which
sends through aiohttp): two guests, a list, a scan, a second scan refused. Set
``WALLETPASS_PROVIDER`` (and that provider's settings) to run the same app on a vendor.

    python examples/fastapi_app.py
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import walletpass.aio
from walletpass import (
    AlreadyRedeemed,
    NotFound,
    Pass,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
    WalletPassError,
)

# --8<-- [start:app]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One provider (one connection pool) for the app's life; the environment chooses the vendor.
    provider = None if "WALLETPASS_PROVIDER" in os.environ else "fake"
    async with await walletpass.aio.from_config(provider=provider) as wallet:
        app.state.wallet = wallet
        yield


app = FastAPI(lifespan=lifespan)


class Guest(BaseModel):
    name: str
    seat: str


@app.post("/tickets", status_code=201)
async def issue_ticket(guest: Guest, request: Request) -> dict[str, Any]:
    wallet: walletpass.aio.AsyncProvider = request.app.state.wallet
    ticket = await wallet.create(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder={"name": guest.name},
            fields={"seat": guest.seat},
        )
    )
    return {"id": ticket.id, "status": ticket.status.value, "links": ticket.urls}


@app.get("/tickets")
async def list_tickets(request: Request) -> list[dict[str, Any]]:
    wallet: walletpass.aio.AsyncProvider = request.app.state.wallet
    return [
        {"id": ticket.id, "seat": ticket.fields.get("seat"), "status": ticket.status.value}
        async for ticket in wallet.list(template="tasting")
    ]


@app.post("/tickets/{ticket_id}/scan")
async def scan_ticket(ticket_id: str, request: Request) -> dict[str, Any]:
    wallet: walletpass.aio.AsyncProvider = request.app.state.wallet
    used = await wallet.redeem(ticket_id)
    return {"id": ticket_id, "status": used.status.value}


#: walletpass errors as HTTP answers: the caller's mistakes, the pass's state, the vendor's.
STATUS_FOR: list[tuple[type[WalletPassError], int]] = [
    (ValidationError, 422),
    (NotFound, 404),
    (AlreadyRedeemed, 409),
    (RateLimited, 429),
    (ProviderUnavailable, 503),
]


@app.exception_handler(WalletPassError)
async def wallet_error(request: Request, exc: Exception) -> JSONResponse:
    status = next((code for kind, code in STATUS_FOR if isinstance(exc, kind)), 502)
    return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=status)


# --8<-- [end:app]


async def evening() -> None:
    """The app served in-process through httpx's ASGI transport (lifespan run by hand: the
    transport does not send lifespan events)."""
    async with (
        lifespan(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as desk,
    ):
        first = (await desk.post("/tickets", json={"name": "Ada Lovelace", "seat": "12B"})).json()
        await desk.post("/tickets", json={"name": "Grace Hopper", "seat": "12C"})
        print(f"issued {first['id']} ({first['status']})")
        seats = sorted(ticket["seat"] for ticket in (await desk.get("/tickets")).json())
        print(f"tickets: {len(seats)}, seats {', '.join(seats)}")
        scanned = await desk.post(f"/tickets/{first['id']}/scan")
        print(f"scanned: HTTP {scanned.status_code} {scanned.json()['status']}")
        again = await desk.post(f"/tickets/{first['id']}/scan")
        print(f"scanned again: HTTP {again.status_code} {again.json()['error']}")
        bad = await desk.post("/tickets/not%20an%20id/scan")
        print(f"a malformed id: HTTP {bad.status_code} {bad.json()['error']}")


if __name__ == "__main__":
    asyncio.run(evening())
