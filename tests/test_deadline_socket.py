"""The deadline-bounded socket keeps a socket's own rule for its files: closing it while an answer
is still read through a file made by ``makefile()`` leaves it open until that file is closed (an
answer that ends its connection, ``Connection: close``, is read after ``http.client`` closed the
connection), and closes it then; with no file open, it closes at once."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from walletpass.bounds import DeadlineSocket
from walletpass.retry import Safety
from walletpass.sending import VendorRequest
from walletpass.transport import Transport

from .hostile_server import Behaviour, HostileServer


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_a_socket_closed_while_its_file_is_open_closes_with_the_file(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    sock = DeadlineSocket(ours)
    reader = sock.makefile("rb")
    sock.close()
    assert ours.fileno() != -1  # still open: the answer is being read through it
    theirs.sendall(b"the rest of the answer")
    theirs.close()
    assert reader.read() == b"the rest of the answer"
    reader.close()
    assert ours.fileno() == -1


def test_a_socket_with_no_open_file_closes_at_once(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, _ = pair
    sock = DeadlineSocket(ours)
    sock.makefile("rb").close()
    assert ours.fileno() != -1
    sock.close()
    assert ours.fileno() == -1


def test_a_socket_closes_with_the_last_of_its_files(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, _ = pair
    sock = DeadlineSocket(ours)
    first, second = sock.makefile("rb"), sock.makefile("rb")
    sock.close()
    first.close()
    first.close()  # (a second close of the same file counts once)
    assert ours.fileno() != -1
    second.close()
    assert ours.fileno() == -1


def _closing_answer(body: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, server: HostileServer) -> None:
        head = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        conn.sendall(head + body[:1000])
        time.sleep(0.05)  # (the rest arrives after http.client has closed the connection)
        conn.sendall(body[1000:])

    return behaviour


def test_an_answer_that_ends_its_connection_is_read_whole_then_a_new_one_is_made() -> None:
    body = bytes(range(256)) * 800  # 200 KiB: many reads after the connection was closed
    with HostileServer(_closing_answer(body)) as server:
        transport = Transport(provider="test", base_url=server.url)
        try:
            request = VendorRequest("GET", "/file", Safety.SAFE, expect="bytes")
            for _ in range(2):
                answer = transport.send(request, operation="get")
                assert answer.status == 200
                assert answer.body == body
            assert len(server.heads) == 2
        finally:
            transport.close()
