"""Bounded calls against a hostile server on 127.0.0.1 (issue 15, cases 3, 4 and 10; and 3xx).

The server (:mod:`tests.hostile_server`) drips bodies and headers, never answers, promises or
sends more than any answer should be, and sends decompression bombs. Every call must end by its
deadline with a typed error, hold no more memory than the answer-size limit allows, and say
whether the request may have taken effect. Deadlines and sizes are small so each test takes
about a second. A deadline is told by its error (which names it) and, where the time is the
behaviour itself, by a bound an order of magnitude past it: each stalling behaviour holds a call
for 30 s (``hostile_server.STALL``), a call ended by its deadline of about a second returns
within ``BOUND``, so a loaded machine never fails a test and a missing deadline always does.
"""

from __future__ import annotations

import gzip
import json
import socket
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from walletpass import IssuedPass
from walletpass.bounds import DEFAULT_MAX_ANSWER_BYTES
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    RedirectNotFollowed,
    WalletPassError,
)
from walletpass.retry import Safety
from walletpass.testing.aio import on_async_api
from walletpass.transport import Timeouts, VendorRequest

from .hostile_server import (
    BOUND,
    STALL,
    HostileServer,
    answer,
    bomb,
    drip_body,
    drip_headers,
    elapsed,
    flood,
    head,
    silent,
)
from .test_transport import API_KEY, HttpTestProvider, transport


@pytest.fixture(autouse=True, scope="module")
def _models_built() -> None:
    """The pass models build on first use (about a second on a loaded machine): not inside a
    timed call."""
    IssuedPass(id="warm", vendor_id="warm", provider="warm")


#: Every test of a provider's calls runs on the sync API and on the async one (walletpass.aio,
#: each call awaited to completion): the same bounds, errors and outcomes.
_ON: dict[str, Any] = {}


@pytest.fixture(autouse=True, params=["sync", "async"])
def _api(request: pytest.FixtureRequest) -> Iterator[None]:
    made: list[Any] = []
    _ON.update(api=request.param, made=made)
    yield
    for client in made:
        client.close()


def wallet(server: HostileServer, **settings: Any) -> Any:
    values: dict[str, Any] = {
        "base_url": f"{server.url}/v1",
        "api_key": API_KEY,
        "max_retries": 2,
        "timeout": 0.5,
        "deadline": 1.0,
    }
    values.update(settings)
    client = HttpTestProvider(**values)
    if _ON["api"] == "async":
        client = on_async_api(client)
        _ON["made"].append(client)
    return client


@pytest.fixture
def hostile() -> Iterator[list[HostileServer]]:
    """Servers started by a test, closed after it."""
    started: list[HostileServer] = []
    yield started
    for server in started:
        server.close()


def serve(hostile: list[HostileServer], behaviour: Any, **kwargs: Any) -> HostileServer:
    server = HostileServer(behaviour, **kwargs)
    hostile.append(server)
    return server


# ---------------------------------------------------------------------------------------------
# The deadline bounds the whole call (case 3 and its kind)
# ---------------------------------------------------------------------------------------------


def test_case_3_a_dripping_body_is_cut_off_at_the_deadline(hostile: list[HostileServer]) -> None:
    # Issue 15, case 3: a body dripped a byte at a time held get() for 38 s with timeout=2,
    # deadline=3. Each byte comes well within the read timeout; only the deadline can stop it.
    server = serve(hostile, drip_body(round(STALL / 0.05), every=0.05))

    client = wallet(server, timeout=0.5, deadline=1.0)
    took, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND
    assert "deadline of 1.0s passed" in str(error)
    assert error.outcome_unknown is False  # a read has no effect to be unknown


def test_a_dripping_answer_to_a_write_may_have_taken_effect(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, drip_body(round(STALL / 0.05), every=0.05))

    client = wallet(server)
    took, error = elapsed(lambda: client.create({"template": "gold"}))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND
    assert "deadline of 1.0s passed" in str(error)
    assert error.outcome_unknown is True
    assert len(server.heads) == 1  # never sent twice


def test_headers_dripped_forever_are_cut_off_at_the_deadline(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, drip_headers(every=0.02))

    client = wallet(server, deadline=0.8)
    took, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND
    assert "deadline" in str(error)


def test_a_server_that_never_sends_headers_is_bounded_by_the_deadline(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, silent)

    client = wallet(server, timeout=30, deadline=0.8)

    took, error = elapsed(lambda: client.create({"template": "g"}))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND
    assert "deadline of 0.8s passed" in str(error)
    assert error.outcome_unknown is True


def test_retries_never_run_past_the_deadline(hostile: list[HostileServer]) -> None:
    # Each attempt ends at its read timeout and is retried (a read is safe to repeat); the
    # deadline still ends the whole call.
    server = serve(hostile, silent)

    client = wallet(server, timeout=0.3, deadline=1.0, max_retries=10)

    took, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND  # ten retries after 0.3 s timeouts and their backoff: 20 s or more
    assert 2 <= len(server.heads) < 11  # it did retry, and the deadline ended the retries


def test_a_server_that_does_not_read_the_request_body_is_bounded(
    hostile: list[HostileServer],
) -> None:
    # The send side: 32 MB to a server that never reads blocks in sendall once buffers fill.
    server = serve(hostile, silent, read_request=False)
    big = VendorRequest("POST", "items", Safety.UNSAFE, data=b"x" * (32 * 1024 * 1024))
    sender = transport(server.url, timeouts=Timeouts(connect=1.0, read=30.0, total=0.8))

    took, error = elapsed(lambda: sender.send(big))

    assert isinstance(error, ProviderUnavailable)
    assert took < BOUND
    assert error.outcome_unknown is True  # part of it went out


def test_a_deadline_does_not_break_keep_alive_for_normal_answers(
    hostile: list[HostileServer],
) -> None:
    body = json.dumps({"id": "a1"}).encode()

    def keep_alive(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)
        while not server.stopped.is_set():  # serve further requests on the same connection
            server._read_request(conn)
            conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)

    server = serve(hostile, keep_alive)
    client = wallet(server)

    assert [client.get("a1").id for _ in range(5)] == ["a1"] * 5
    assert len(server.heads) == 5
    assert len(server._threads) == 1  # one connection served all five


def next_request(conn: socket.socket, server: HostileServer) -> bool:
    """Read the next request on a kept-alive connection; ``False`` once the client closed it."""
    before = len(server.heads)
    server._read_request(conn)
    return len(server.heads) > before


@pytest.mark.parametrize("pieces", [2, 7])
def test_a_body_arriving_in_pieces_is_read_to_its_declared_length(
    hostile: list[HostileServer], pieces: int
) -> None:
    # The body is read up to the length its head declares, however many reads that takes, and
    # no further: the connection then serves the next call.
    body = json.dumps({"id": "a1", "pad": "x" * 300}).encode()
    size = -(-len(body) // pieces)

    def in_pieces(conn: socket.socket, server: HostileServer) -> None:
        while not server.stopped.is_set():
            conn.sendall(head(Content_Type="application/json", Content_Length=len(body)))
            for start in range(0, len(body), size):
                server.sleep(0.02)
                conn.sendall(body[start : start + size])
            if not next_request(conn, server):
                return

    server = serve(hostile, in_pieces)
    client = wallet(server)

    ids = [client.get("a1").id for _ in range(3)]
    client.close()

    assert ids == ["a1"] * 3
    assert len(server._threads) == 1


@pytest.mark.parametrize(
    ("status", "error"), [("204 No Content", None), ("304 Not Modified", RedirectNotFollowed)]
)
def test_an_answer_that_has_no_body_is_read_empty_whatever_length_it_declares(
    hostile: list[HostileServer], status: str, error: type[Exception] | None
) -> None:
    # A 204 or 304 has no body (RFC 9110 15.3.5, 15.4.5), even with a Content-Length (a 304's
    # is the stored representation's): nothing is waited for, the next call is served (a 304,
    # a 3xx, is the redirect walletpass does not follow, as any other).
    def no_body(conn: socket.socket, server: HostileServer) -> None:
        while not server.stopped.is_set():
            conn.sendall(head(status, Content_Length=12))
            if not next_request(conn, server):
                return

    server = serve(hostile, no_body)
    client = wallet(server, timeout=2.0, deadline=5.0)

    def delete_twice() -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        for _ in range(2):
            try:
                outcomes.append(client.delete("a1"))
            except WalletPassError as exc:
                outcomes.append(exc)
        return outcomes

    outcomes = delete_twice()
    client.close()

    # Waiting for the 12 bytes would end each delete in its read timeout (ProviderUnavailable)
    # and retry it (a delete is repeatable): the outcomes and the request count tell, no clock.
    assert [None if o is None else type(o) for o in outcomes] == [error, error]
    assert len(server.heads) == 2
    assert len(server._threads) == 1


# ---------------------------------------------------------------------------------------------
# Answers have a maximum size, counted after decompression (case 4 and its kind)
# ---------------------------------------------------------------------------------------------


LIMIT = 256 * 1024


def peak_while(call: Any) -> tuple[int, BaseException | None]:
    """Peak bytes allocated by Python while ``call`` runs, and what it raised."""
    tracemalloc.start()
    try:
        _, error = elapsed(call)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, error


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "until-close"])
def test_case_4_an_oversized_answer_is_refused_with_bounded_memory(
    hostile: list[HostileServer], declare: bool
) -> None:
    # Issue 15, case 4: a 200 MB answer raised peak RSS to 450-850 MB. Here 16 MB against a
    # 256 KiB limit: memory stays near the limit, never near the answer.
    server = serve(hostile, flood(16 * 1024 * 1024, declare=declare))

    client = wallet(server, max_answer_size=LIMIT)
    peak, error = peak_while(lambda: client.get("a1"))

    assert isinstance(error, InvalidResponse)
    assert "max_answer_size" in str(error) and str(LIMIT) in str(error)
    assert error.outcome_unknown is False
    assert peak < 4 * LIMIT


def test_a_declared_oversized_answer_is_refused_before_reading_it(
    hostile: list[HostileServer],
) -> None:
    def promise(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head(Content_Type="application/json", Content_Length=200 * 1024 * 1024))
        server.stopped.wait(30)  # and never sends it

    server = serve(hostile, promise)

    client = wallet(server, max_answer_size=LIMIT, deadline=20)
    _, error = elapsed(lambda: client.get("a1"))

    # Refused on the declared length: reading first would end in the read timeout (0.5 s) of a
    # body that never comes, a retried ProviderUnavailable, never this.
    assert isinstance(error, InvalidResponse)
    assert "209715200 bytes" in str(error)
    assert len(server.heads) == 1


def test_an_oversized_success_to_a_write_may_have_taken_effect(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, flood(4 * LIMIT, declare=True))

    client = wallet(server, max_answer_size=LIMIT)
    _, error = elapsed(lambda: client.create({"template": "g"}))

    assert isinstance(error, InvalidResponse)
    assert error.outcome_unknown is True
    assert len(server.heads) == 1


@pytest.mark.parametrize("coding", ["gzip", "deflate", "gzip, gzip"])
def test_decompression_bombs_are_counted_after_decompression(
    hostile: list[HostileServer], coding: str
) -> None:
    payload = bomb(coding, 16 * 1024 * 1024)
    assert len(payload) < LIMIT / 10  # small on the wire: only the inflated size can tell
    server = serve(hostile, answer(payload, Content_Encoding=coding))

    client = wallet(server, max_answer_size=LIMIT)
    peak, error = peak_while(lambda: client.get("a1"))

    assert isinstance(error, InvalidResponse)
    assert "max_answer_size" in str(error)
    assert peak < 4 * LIMIT


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
)
def test_compressed_answers_within_the_limit_are_read(
    hostile: list[HostileServer], coding: str, compress: Any
) -> None:
    server = serve(hostile, answer(compress(b'{"id": "a1"}'), Content_Encoding=coding))

    assert wallet(server).get("a1").id == "a1"


def test_a_corrupt_compressed_answer_is_an_invalid_response(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, answer(b"this is not gzip at all", Content_Encoding="gzip"))

    client = wallet(server)
    _, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, InvalidResponse)
    assert "corrupt" in str(error)


def test_an_answer_exactly_at_the_limit_is_read(hostile: list[HostileServer]) -> None:
    body = json.dumps({"id": "a1", "pad": "x" * (LIMIT - 100)}).encode()
    body += b" " * (LIMIT - len(body))
    server = serve(hostile, answer(body))

    assert wallet(server, max_answer_size=LIMIT).get("a1").id == "a1"


def test_the_default_limit_fits_pass_downloads_and_is_configurable() -> None:
    assert DEFAULT_MAX_ANSWER_BYTES == 64 * 1024 * 1024
    assert HttpTestProvider(api_key="k").settings.max_answer_size == DEFAULT_MAX_ANSWER_BYTES
    with pytest.raises(ConfigurationError, match="max_answer_size"):
        HttpTestProvider(api_key="k", max_answer_size=10)


# ---------------------------------------------------------------------------------------------
# Redirects are never followed (case 10)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "write_unknown"),
    [
        ("301 Moved Permanently", False),
        ("302 Found", True),
        ("303 See Other", True),
        ("307 Temporary Redirect", False),
        ("308 Permanent Redirect", False),
    ],
)
def test_case_10_a_redirect_is_a_typed_error_naming_where_it_pointed(
    hostile: list[HostileServer], status: str, write_unknown: bool
) -> None:
    target = serve(hostile, answer(b'{"id": "a1"}'))
    server = serve(hostile, answer(b"", status, Location=f"{target.url}/elsewhere"))
    client = wallet(server)

    _, read_error = elapsed(lambda: client.get("a1"))
    _, write_error = elapsed(lambda: client.create({"template": "g"}))

    assert isinstance(read_error, RedirectNotFollowed)
    assert read_error.status == int(status[:3])
    assert read_error.location == f"{target.url}/elsewhere"
    assert "does not follow redirects" in str(read_error)
    assert f"{target.url}/elsewhere" in str(read_error)
    assert read_error.outcome_unknown is False and read_error.retryable is False
    assert isinstance(write_error, RedirectNotFollowed)
    assert write_error.outcome_unknown is write_unknown
    assert target.heads == []  # nothing, credentials least of all, went where it pointed


def test_a_relative_or_missing_location_is_reported_as_such(
    hostile: list[HostileServer],
) -> None:
    relative = serve(hostile, answer(b"", "301 Moved Permanently", Location="../v2/items/a1"))
    nowhere = serve(hostile, answer(b"", "302 Found"))

    client = wallet(relative)
    _, pointed = elapsed(lambda: client.get("a1"))
    client = wallet(nowhere)
    _, unnamed = elapsed(lambda: client.get("a1"))

    assert isinstance(pointed, RedirectNotFollowed)
    assert pointed.location == f"{relative.url}/v1/v2/items/a1"  # resolved against /v1/items/a1
    assert isinstance(unnamed, RedirectNotFollowed)
    assert unnamed.location is None
    assert "without a Location" in str(unnamed)


def test_a_hostile_location_is_redacted_cleaned_and_shortened(
    hostile: list[HostileServer],
) -> None:
    location = f"https://evil.test/?k={API_KEY}&\x1b[31m" + "a" * 5000
    server = serve(hostile, answer(b"", "307 Temporary Redirect", Location=location))

    client = wallet(server)
    _, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, WalletPassError)
    assert API_KEY not in str(error) and "\x1b" not in str(error)
    assert len(str(error)) < 700
    # Both APIs read the answer the same way (the async one once made httpx.AsyncClient build
    # the redirect's next request, whose URL parser refused the control character).
    assert isinstance(error, RedirectNotFollowed)
    assert error.location is not None
    assert API_KEY not in error.location and "\x1b" not in error.location


def test_every_hostile_failure_is_a_walletpass_error(hostile: list[HostileServer]) -> None:
    """Garbage of every kind gets a typed error, never a requests or urllib3 exception."""
    garbage = [
        b"not http at all\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}",
        b"HTTP/1.1 999 What\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n{}",
    ]
    for raw in garbage:

        def behave(conn: socket.socket, server: HostileServer, raw: bytes = raw) -> None:
            conn.sendall(raw)

        server = serve(hostile, behave)
        _, error = elapsed(lambda server=server: wallet(server, max_retries=0).get("a1"))
        assert isinstance(error, WalletPassError), (raw[:40], error)


# ---------------------------------------------------------------------------------------------
# A malformed answer came after the request was sent: never "invalid request", never "not done"
# ---------------------------------------------------------------------------------------------


def raw(data: bytes) -> Any:
    def behave(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(data)

    return behave


MALFORMED = {
    "conflicting content-length": b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
    b"Content-Length: 100\r\n\r\n{}",
    "negative content-length": b"HTTP/1.1 201 Created\r\nContent-Length: -5\r\n\r\n{}",
    "non-numeric content-length": b"HTTP/1.1 201 Created\r\nContent-Length: 2x\r\n\r\n{}",
    # (An interim 1xx and then nothing: tests/test_malformed_answer_heads.py, interim-then-close.)
    "final 1xx with a body": b"HTTP/1.1 103 Early Hints\r\nContent-Length: 2\r\n\r\n{}",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_answer_to_a_write_may_have_taken_effect(
    hostile: list[HostileServer], data: bytes
) -> None:
    server = serve(hostile, raw(data))

    _, error = elapsed(lambda: wallet(server).create({"template": "g"}))

    assert isinstance(error, InvalidResponse), repr(error)
    assert (error.outcome_unknown, error.retryable) == (True, False)
    assert "invalid request" not in str(error)
    assert len(server.heads) == 1  # never sent twice


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_answer_to_a_read_is_a_typed_answer_error(
    hostile: list[HostileServer], data: bytes
) -> None:
    server = serve(hostile, raw(data))

    _, error = elapsed(lambda: wallet(server, max_retries=0).get("a1"))

    assert isinstance(error, InvalidResponse), repr(error)
    assert not error.outcome_unknown and not error.retryable
    assert "invalid request" not in str(error)
