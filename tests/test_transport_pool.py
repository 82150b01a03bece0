"""The transport sends through urllib3's connection pools directly (issue 18, Deliver 6).

What ``requests`` did for it is done by walletpass now, and these tests hold it to the same
wire: the headers requests' session added, the body's length, headers refused before anything
is sent (never by the HTTP stack half way through a request), and keep-alive connections shared
by the threads of one provider.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.errors import ConfigurationError, WalletPassError
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorServer
from walletpass.transport import VendorRequest

from .hostile_server import BOUND, HostileServer, answer, head
from .test_transport import API_KEY, ItemsApp, provider, transport


@pytest.fixture
def app() -> ItemsApp:
    return ItemsApp()


@pytest.fixture
def server(app: ItemsApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


def test_the_headers_requests_added_are_still_sent(app: ItemsApp, server: EmulatorServer) -> None:
    wallet = provider(server.url)
    wallet.create({"template": "gold"})
    wallet.get("a1")
    wallet.delete("a1")

    created, read, deleted = (entry.headers for entry in app.journal.entries)
    for headers in (created, read, deleted):
        assert headers["connection"] == "keep-alive"
        assert "gzip" in headers["accept-encoding"] and "deflate" in headers["accept-encoding"]
        assert headers["authorization"] == f"Bearer {API_KEY}"
    assert created["content-length"] == str(len(b'{"template":"gold"}'))
    # A method that may carry a body says it has none; a GET says nothing.
    assert deleted["content-length"] == "0"
    assert read.get("content-length") is None


def test_a_request_header_named_twice_is_sent_once_with_the_last_value() -> None:
    request = VendorRequest(
        "PUT",
        "items/a1",
        Safety.IDEMPOTENT,
        data=b'{"colour":"red"}',
        headers={"content-type": "application/json", "ACCEPT": "text/csv"},
    )
    with HostileServer(answer(b'{"id":"a1"}')) as server:
        transport(server.url).send(request)

    [sent] = server.heads
    lines = [line.lower() for line in sent.split("\r\n")]
    assert [line for line in lines if line.startswith("content-type:")] == [
        "content-type: application/json"
    ]
    assert [line for line in lines if line.startswith("accept:")] == ["accept: text/csv"]


@pytest.mark.parametrize(
    "value",
    ["a\r\nX-Injected: 1", "line\nbreak", " leading", "trailing\t", "caf\u00e9", "\u2603", "\x00"],
    ids=["crlf", "lf", "leading-space", "trailing-tab", "latin-1", "beyond-latin-1", "nul"],
)
def test_a_header_the_wire_cannot_carry_is_refused_before_sending(
    app: ItemsApp, server: EmulatorServer, value: str
) -> None:
    request = VendorRequest("GET", "items/a1", Safety.SAFE, headers={"X-Note": value})

    with pytest.raises(ConfigurationError) as caught:
        transport(server.url).send(request)

    assert "X-Note" in str(caught.value) and value not in str(caught.value)
    assert len(app.journal) == 0


@pytest.mark.parametrize(
    "value",
    [["a"], {"b": 1}, 7, None, b"bytes"],
    ids=["list", "dict", "int", "none", "bytes"],
)
def test_a_header_value_that_is_not_text_is_refused_before_sending(
    app: ItemsApp, server: EmulatorServer, value: object
) -> None:
    request = VendorRequest("GET", "items/a1", Safety.SAFE, headers={"X-Note": value})  # type: ignore[dict-item]

    with pytest.raises(ConfigurationError, match="X-Note"):
        transport(server.url).send(request)

    assert len(app.journal) == 0


def test_headers_checked_once_are_still_checked_when_they_change(
    app: ItemsApp, server: EmulatorServer
) -> None:
    # One transport remembers the header sets it merged: a set it saw passes again, with each
    # body's own length; the same names with a value the wire cannot carry are still refused.
    sender = transport(server.url)
    for body in (b'{"a":1}', b'{"a":12345}'):
        request = VendorRequest(
            "PUT", "items/a1", Safety.IDEMPOTENT, data=body, headers={"X-Note": "fine"}
        )
        sender.send(request)
        assert app.journal.last().headers["content-length"] == str(len(body))
        assert app.journal.last().headers["X-Note"] == "fine"
    for bad in ("fine\r\nX-Injected: 1", ["fine"]):
        request = VendorRequest("GET", "items/a1", Safety.SAFE, headers={"X-Note": bad})  # type: ignore[dict-item]
        with pytest.raises(ConfigurationError, match="X-Note"):
            sender.send(request)
    assert len(app.journal) == 2


header_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=40, deadline=None)
@given(value=header_text)
def test_any_header_value_arrives_intact_or_is_refused_before_sending(value: str) -> None:
    app = ItemsApp()
    request = VendorRequest("GET", "items/a1", Safety.SAFE, headers={"X-Note": value})
    with EmulatorServer(app) as running:
        try:
            transport(running.url, max_retries=0).send(request)
        except ConfigurationError:
            assert len(app.journal) == 0
            return
    assert app.journal.last().headers["X-Note"] == value


def _keep_alive(body: bytes) -> object:
    def behave(conn: socket.socket, server: HostileServer) -> None:
        while not server.stopped.is_set():
            conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)
            if not _read_head(conn):
                return

    return behave


def _read_head(conn: socket.socket) -> bool:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    return True


def test_the_threads_of_one_provider_share_its_kept_alive_connections() -> None:
    body = json.dumps({"id": "a1"}).encode()
    with HostileServer(_keep_alive(body)) as server:  # type: ignore[arg-type]
        wallet = provider(server.url)
        ids: list[str] = []

        def one_call() -> None:
            ids.append(wallet.get("a1").id)

        for _ in range(4):  # one after another, each in its own thread
            worker = threading.Thread(target=one_call)
            worker.start()
            worker.join()
        wallet.close()

    assert ids == ["a1"] * 4
    assert len(server._threads) == 1  # one connection, accepted once


def test_close_closes_every_kept_alive_connection_whatever_still_refers_to_its_pool() -> None:
    # urllib3 2's PoolManager.clear() only forgets its pools (their connections close when a
    # pool is collected), so a pool an error's traceback still held (an application keeping the
    # error, or a reference cycle before the collector runs) kept its sockets open after
    # close(): 10 of 16 threads' connections after a soak with dropped connections.
    closed_by_client = threading.Semaphore(0)
    connections = 0

    def behave(conn: socket.socket, server: HostileServer) -> None:
        nonlocal connections
        connections += 1
        if connections == 1:
            return  # the first request's connection is closed unanswered
        body = json.dumps({"id": "a1"}).encode()
        conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)
        conn.settimeout(0.05)
        while not server.stopped.is_set():
            try:
                if not conn.recv(65536):
                    closed_by_client.release()
                    return
            except TimeoutError:
                continue

    with HostileServer(behave) as server:  # type: ignore[arg-type]
        wallet = provider(server.url, max_retries=0)
        with pytest.raises(WalletPassError) as kept:  # (the application keeps the error)
            wallet.get("a1")
        assert wallet.get("a1").id == "a1"  # a kept-alive connection
        wallet.close()
        assert closed_by_client.acquire(timeout=BOUND), "a kept-alive socket is still open"
        assert connections == 2
        assert kept.value.outcome_unknown is False
