"""A deliberately hostile HTTP server on 127.0.0.1, for the transport's bounds.

Emulators play by the rules of HTTP; this one does not. Each test gives it a *behaviour*: a
function that receives the accepted connection (after the request head and any declared body
were read) and writes whatever bytes it likes, as slowly as it likes: a body dripped a byte at a
time, headers that never end, a gigabyte promised, a decompression bomb. ``heads`` records every
request that arrived, so a test can also prove what was (not) sent.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

Behaviour = Callable[[socket.socket, "HostileServer"], None]

#: How long the stalling behaviours hold a call: far past the deadlines of the tests (about a
#: second), so a call that ends by its deadline is told at once from one that waited for them.
STALL = 30.0
#: A call ended by its deadline (a second or less) returns well within this, however loaded the
#: machine; one that waited for the server's stall does not.
BOUND = 10.0


class HostileServer:
    def __init__(
        self, behaviour: Behaviour, *, read_request: bool = True, tls: ssl.SSLContext | None = None
    ) -> None:
        self.behaviour = behaviour
        self.read_request = read_request
        self.tls = tls
        self.heads: list[str] = []
        self.stopped = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stopped.set()
        self._sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                if self.read_request:
                    self._read_request(conn)
                self.behaviour(conn, self)
            except OSError:
                pass  # the client gave up (as it should): nothing to clean up

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        text = head.decode("latin-1")
        self.heads.append(text)
        length = 0
        for line in text.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the test is over."""
        self.stopped.wait(seconds)


def head(status: str = "200 OK", **headers: Any) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(body: bytes, status: str = "200 OK", **headers: Any) -> Behaviour:
    """A well-formed answer (the control case, or a payload like a bomb sent at full speed)."""

    def behave(conn: socket.socket, server: HostileServer) -> None:
        headers.setdefault("Content_Type", "application/json")
        headers.setdefault("Connection", "close")  # one answer per connection
        conn.sendall(head(status, Content_Length=len(body), **headers) + body)

    return behave


def drip_body(size: int, every: float) -> Behaviour:
    """Headers at once, then the declared body one byte every ``every`` seconds."""

    def behave(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Length=size))
        for _ in range(size):
            if server.stopped.is_set():
                return
            conn.sendall(b" ")
            server.sleep(every)

    return behave


def drip_headers(every: float, *, for_seconds: float = STALL) -> Behaviour:
    """A status line, then header bytes one at a time for ``for_seconds``, never reaching the
    blank line (then the connection closes)."""

    def behave(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for index in range(round(for_seconds / every)):
            if server.stopped.is_set():
                return
            conn.sendall(b"X-Slow: y\r\n" if index % 20 == 19 else b"X")
            server.sleep(every)

    return behave


def silent(conn: socket.socket, server: HostileServer) -> None:
    """Reads the request and never answers (closes the connection after ``STALL`` s)."""
    server.stopped.wait(STALL)


def flood(size: int, *, declare: bool, chunk: int = 65536) -> Behaviour:
    """``size`` bytes of body as fast as the client takes them, with or without saying so."""

    def behave(conn: socket.socket, server: HostileServer) -> None:
        if declare:
            conn.sendall(head(Content_Type="application/json", Content_Length=size))
        else:
            conn.sendall(head(Content_Type="application/json", Connection="close"))
        block = b"x" * chunk
        sent = 0
        while sent < size and not server.stopped.is_set():
            conn.sendall(block)
            sent += chunk

    return behave


@cache
def bomb(coding: str, expanded: int) -> bytes:
    """``expanded`` zero bytes compressed with ``coding`` (``gzip``, ``deflate`` or
    ``gzip, gzip``): a few hundred kilobytes that inflate a thousandfold."""
    if coding == "gzip, gzip":
        return gzip.compress(bomb("gzip", expanded), compresslevel=9)
    if coding == "gzip":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    elif coding == "deflate":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
    else:
        raise ValueError(coding)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(expanded // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def elapsed(call: Callable[[], Any]) -> tuple[float, BaseException | None]:
    """Seconds ``call`` took and what it raised (``None`` when it returned)."""
    started = time.monotonic()
    try:
        call()
    except BaseException as exc:  # the test inspects it
        return time.monotonic() - started, exc
    return time.monotonic() - started, None
