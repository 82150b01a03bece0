"""The async transport's own HTTP stack (aiohttp) against hostile answers and networks on
127.0.0.1: what aiohttp itself refuses or reports (its answer-head limits, a connection closed
after the request went out, a proxy refusing) comes out as the walletpass error the sync
transport gives for the same answer, with ``outcome_unknown`` where the request may have taken
effect, no aiohttp exception or secret anywhere in it, and no request sent behind walletpass's
back (aiohttp resends an idempotent request on a broken connection unless told not to)."""

from __future__ import annotations

import asyncio
import socket
import traceback
from typing import Any

import pytest

import walletpass.aio
from walletpass.aio import AsyncTransport
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    WalletPassError,
)
from walletpass.retry import Safety
from walletpass.transport import Timeouts, Transport, VendorRequest

from . import test_aio_transport
from .hostile_server import HostileServer, answer, head
from .test_aio_transport import serve
from .test_transport import API_KEY, transport

POST = VendorRequest("POST", "items", Safety.UNSAFE, json={"template": "g"})
#: Hostile servers started by a test, closed after it (the async transport tests' fixture).
hostile = test_aio_transport.hostile

PUT = VendorRequest("PUT", "items/a1", Safety.IDEMPOTENT, json={"colour": "red"})
GET = VendorRequest("GET", "items", Safety.SAFE)


def both(rules: Transport, request: VendorRequest) -> tuple[Any, Any]:
    """What the sync transport and the async one came to for ``request`` (answer or error)."""

    async def on_loop() -> Any:
        sender = AsyncTransport(rules)
        try:
            return await sender.send(request, operation="test")
        finally:
            await sender.aclose()

    outcomes = []
    for attempt in (lambda: rules.send(request, operation="test"), lambda: asyncio.run(on_loop())):
        try:
            outcomes.append(attempt())
        except Exception as exc:  # compared below
            outcomes.append(exc)
    return outcomes[0], outcomes[1]


def assert_clean(error: BaseException) -> None:
    """A walletpass error whose whole chain (as a traceback prints it) holds no aiohttp
    exception and no credential."""
    assert isinstance(error, WalletPassError), repr(error)
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    assert not any(type(e).__module__.startswith("aiohttp") for e in chain), chain
    printed = "".join(traceback.format_exception(error))
    assert API_KEY not in printed


# -- aiohttp's answer-head limits: the sync transport's limits, the same typed error --------------


@pytest.mark.parametrize(
    ("extra", "accepted"),
    [
        ({"X_Long": "a" * 20_000}, True),  # past aiohttp's default 8190, within http.client's
        ({f"X_H{n}": "1" for n in range(90)}, True),  # within 99 fields
        ({"X_Long": "a" * 70_000}, False),  # past http.client's 64 KiB line
        ({f"X_H{n}": "1" for n in range(120)}, False),  # past 99 fields
    ],
    ids=["long-line-ok", "many-fields-ok", "line-too-long", "too-many-fields"],
)
def test_answer_heads_are_read_within_the_sync_transports_limits(
    hostile: list[HostileServer], extra: dict[str, str], accepted: bool
) -> None:
    body = b'{"id": "a1"}'
    served = serve(hostile, answer(body, **extra))
    sync, async_ = both(transport(served.url, max_retries=0), POST)

    if accepted:
        assert sync.status == async_.status == 200 and async_.json() == {"id": "a1"}
        return
    # A head larger than walletpass reads is an answer it cannot read, as a body past
    # max_answer_size is: never retried (walletpass.answer_faults).
    assert type(async_) is type(sync) is InvalidResponse
    assert str(async_) == str(sync) and "head is larger than walletpass reads" in str(async_)
    assert async_.outcome_unknown is sync.outcome_unknown is True  # the POST went out
    assert_clean(async_)


def test_a_malformed_status_line_is_a_typed_error_after_sending(
    hostile: list[HostileServer],
) -> None:
    def garbage(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 abc Nonsense\r\n\r\n")

    served = serve(hostile, garbage)
    sync, async_ = both(transport(served.url, max_retries=0), POST)

    assert type(sync) is type(async_) is InvalidResponse and str(sync) == str(async_)
    assert "status line" in str(async_)
    assert async_.outcome_unknown is True
    assert_clean(async_)


@pytest.mark.parametrize(
    ("framing", "error"),
    [
        (head(Transfer_Encoding="chunked") + b"zz\r\nabc", ProviderUnavailable),  # chunk size
        (head(Transfer_Encoding="chunked") + b"5\r\nab", ProviderUnavailable),  # chunk cut
        (head(Content_Length="50") + b'{"id": 1}', ProviderUnavailable),  # shorter than declared
        (head(Content_Length="9", content_length="10") + b'{"id": 1}', InvalidResponse),
        (head(Content_Length="5", Transfer_Encoding="chunked") + b"5\r\nabcde", InvalidResponse),
    ],
    ids=["bad-chunk", "cut-chunk", "short-body", "conflicting-lengths", "length-and-chunked"],
)
def test_broken_framing_is_a_typed_error_the_write_may_have_taken_effect(
    hostile: list[HostileServer], framing: bytes, error: type[WalletPassError]
) -> None:
    def send(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(framing)

    served = serve(hostile, send)
    sync, async_ = both(transport(served.url, max_retries=0), POST)

    assert type(sync) is type(async_) is error and str(sync) == str(async_)
    assert async_.outcome_unknown is True
    assert_clean(async_)


# -- a connection closed after sending: outcome unknown, and no resend behind walletpass's back --


def hang_up(conn: socket.socket, server: HostileServer) -> None:
    """Read the request, then close without a word (aiohttp: ServerDisconnectedError)."""


def test_a_connection_closed_after_a_write_was_sent_leaves_its_outcome_unknown(
    hostile: list[HostileServer],
) -> None:
    served = serve(hostile, hang_up)
    sync, async_ = both(transport(served.url, max_retries=2), POST)

    assert isinstance(async_, ProviderUnavailable) and isinstance(sync, ProviderUnavailable)
    assert async_.outcome_unknown is sync.outcome_unknown is True
    assert "connection lost after sending" in str(async_)
    assert len(served.heads) == 2  # once by each API: an unsafe write is never repeated
    assert_clean(async_)


def test_an_idempotent_request_is_resent_only_by_the_retry_policy(
    hostile: list[HostileServer],
) -> None:
    """aiohttp would send a PUT or a GET again on its own when the connection breaks; the
    vendor would see more requests than walletpass counted (and rate limited)."""
    served = serve(hostile, hang_up)
    rules = transport(served.url, max_retries=0)
    _, async_ = both(rules, PUT)
    assert isinstance(async_, ProviderUnavailable) and "1 attempt" in str(async_)
    assert len(served.heads) == 2  # one each: no attempt walletpass did not decide

    served.heads.clear()
    _, async_ = both(transport(served.url, max_retries=2), GET)
    assert isinstance(async_, ProviderUnavailable) and "3 attempts" in str(async_)
    assert len(served.heads) == 6
    assert async_.outcome_unknown is False  # a read has no effect to be unknown


def test_an_answer_lost_to_the_call_deadline_reports_where_it_was(
    hostile: list[HostileServer],
) -> None:
    def never(conn: socket.socket, server: HostileServer) -> None:
        server.sleep(5)

    served = serve(hostile, never)
    rules = transport(served.url, max_retries=0, timeouts=Timeouts(connect=1, read=5, total=0.5))
    sync, async_ = both(rules, POST)

    assert isinstance(async_, ProviderUnavailable) and async_.outcome_unknown is True
    assert "deadline of 0.5s passed (read timeout)" in str(async_)
    assert str(async_) == str(sync)


# -- answers as the sync transport reads them ---------------------------------------------------


def test_repeated_answer_headers_are_joined_as_by_the_sync_transport(
    hostile: list[HostileServer],
) -> None:
    def twice(conn: socket.socket, server: HostileServer) -> None:
        body = b"{}"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Trace: a\r\nx-trace: b\r\n"
            b"Connection: close\r\n\r\n" + body
        )

    served = serve(hostile, twice)
    sync, async_ = both(transport(served.url), GET)
    assert async_.header("x-trace") == sync.header("x-trace") == "a, b"


@pytest.mark.parametrize(
    ("request_", "content_type"),
    [
        (VendorRequest("POST", "files", Safety.UNSAFE, data=b"\x00\x01raw"), None),
        (VendorRequest("POST", "items/a1/void", Safety.UNSAFE), None),
        (VendorRequest("PATCH", "items/a1", Safety.UNSAFE), None),
        (VendorRequest("PUT", "items/a1", Safety.IDEMPOTENT, data=b"raw"), None),
        (VendorRequest("DELETE", "items/a1", Safety.IDEMPOTENT), None),
        (GET, None),
        (POST, "application/json"),
        (
            VendorRequest(
                "POST", "files", Safety.UNSAFE, data=b"<a/>", headers={"content-type": "text/xml"}
            ),
            "text/xml",
        ),
    ],
)
def test_a_request_goes_with_no_content_type_but_its_own(
    hostile: list[HostileServer], request_: VendorRequest, content_type: str | None
) -> None:
    """aiohttp adds ``application/octet-stream`` to a POST, PUT or PATCH, or to a raw body,
    without a Content-Type; walletpass sends the request's own or none, as the sync API does."""
    served = serve(hostile, answer(b"{}"))
    both(transport(served.url), request_)

    sync_head, async_head = (h.lower().split("\r\n") for h in served.heads)
    sent = [line for line in async_head if line.startswith("content-type:")]
    assert sent == ([] if content_type is None else [f"content-type: {content_type}"])
    assert sorted(line for line in async_head if not line.startswith("user-agent")) == sorted(
        line for line in sync_head if not line.startswith("user-agent")
    )


# -- proxies ---------------------------------------------------------------------------------


def refusing_proxy(status: bytes) -> HostileServer:
    """An HTTP proxy that answers every CONNECT with ``status`` (its heads recorded)."""

    def refuse(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")

    return HostileServer(refuse)


@pytest.mark.parametrize(
    "status", [b"407 Proxy Authentication Required", b"403 Forbidden", b"502 Bad Gateway"]
)
def test_a_proxy_refusing_to_connect_is_a_typed_error_nothing_reached_the_vendor(
    status: bytes,
) -> None:
    proxy = refusing_proxy(status)
    try:
        rules = Transport(
            provider="test-http",
            base_url="https://api.vendor.test/v1",
            auth_headers={"Authorization": f"Bearer {API_KEY}"},
            proxy=proxy.url.replace("http://", "http://ops:s3cret-pw@"),
            timeouts=Timeouts(connect=2, read=2, total=5),
        )
        _, async_ = both(rules, POST)
    finally:
        proxy.close()

    assert proxy.heads[-1].startswith("CONNECT api.vendor.test:443 ")
    assert isinstance(async_, ProviderUnavailable)
    assert async_.outcome_unknown is False  # refused before the vendor was reached
    assert "connection failed" in str(async_)
    assert_clean(async_)
    assert "s3cret-pw" not in "".join(traceback.format_exception(async_))


@pytest.mark.parametrize("scheme", ["socks5", "socks5h", "https"])
def test_a_proxy_aiohttp_cannot_connect_through_is_refused_when_connecting(scheme: str) -> None:
    async def connect() -> None:
        await walletpass.aio.connect(
            "pass2u",
            api_key="k" * 32,
            base_url="https://api.pass2u.net/v2",
            proxy=f"{scheme}://ops:s3cret-pw@proxy.example:1080",
        )

    with pytest.raises(ConfigurationError) as refused:
        asyncio.run(connect())

    message = str(refused.value)
    assert f"not {scheme}://" in message and "sync API" in message
    assert "s3cret-pw" not in message and "proxy.example" not in message


def test_a_socks_proxy_from_the_environment_is_refused_when_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "socks5://ops:s3cret-pw@proxy.example:1080")

    async def connect() -> None:
        await walletpass.aio.connect(
            "pass2u", api_key="k" * 32, base_url="https://api.pass2u.net/v2"
        )

    with pytest.raises(ConfigurationError) as refused:
        asyncio.run(connect())
    assert "HTTPS_PROXY" in str(refused.value) and "s3cret-pw" not in str(refused.value)
