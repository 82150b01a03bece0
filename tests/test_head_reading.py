"""The sync transport reads a well-formed answer head itself, in one pass (walletpass.heads), not
through ``http.client``'s reading and the ``email`` parser behind it: for every head both accept,
what it reads must be what ``http.client`` reads (status, reason, version, the fields in order
with their values, and where the body ends), so that nothing urllib3 or walletpass reads from the
answer changes. The malformed heads are tests/test_malformed_answer_heads.py's.
"""

from __future__ import annotations

import http.client
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.heads import StrictResponse

TOKEN = st.text(
    alphabet="!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
    min_size=1,
    max_size=20,
)
#: A value's bytes: anything but NUL, CR and LF (control characters and obs-text included).
VALUE = st.binary(max_size=40).map(
    lambda raw: raw.replace(b"\x00", b"").replace(b"\r", b"").replace(b"\n", b"")
)
FRAMING_NAMES = st.sampled_from(
    ["Content-Length", "content-length", "Transfer-Encoding", "Connection", "Keep-Alive",
     "Proxy-Connection", "CONNECTION"]
)  # fmt: skip
FRAMING_VALUES = st.sampled_from(
    [b"0", b"12", b" 7 ", b"-1", b"x", b"chunked", b"Chunked", b"close", b"Close", b"",
     b"keep-alive", b"Keep-Alive", b"timeout=5", b"upgrade, close"]
)  # fmt: skip


class _Socket:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(io.BytesIO(self.raw))


def read(cls: type[http.client.HTTPResponse], raw: bytes, method: str = "GET") -> dict[str, Any]:
    response = cls(_Socket(raw), method=method)  # type: ignore[arg-type]
    response.begin()
    return {
        "status": response.status,
        "reason": response.reason,
        "version": response.version,
        "fields": response.msg.items(),
        "framing": (response.length, response.chunked, response.will_close),
        "body": body(response),
    }


def body(response: http.client.HTTPResponse) -> Any:
    """The body as read, or the type of what reading it raised (a length longer than the body)."""
    try:
        return response.read()
    except http.client.HTTPException as exc:
        return type(exc)


def head(status: bytes, fields: list[tuple[str, bytes]], *, end: bytes = b"\r\n") -> bytes:
    lines = [status] + [name.encode() + b":" + value for name, value in fields]
    return end.join(lines) + end + end + b"body"


@settings(max_examples=300, deadline=None)
@given(
    version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0"]),
    code=st.integers(200, 599),
    reason=st.sampled_from([b"", b" ", b" OK", b"  Two  words ", b"\tTab", b" caf\xe9"]),
    fields=st.lists(
        st.tuples(TOKEN, VALUE) | st.tuples(FRAMING_NAMES, FRAMING_VALUES), max_size=12
    ),
    padding=st.sampled_from([b"", b" ", b"  ", b"\t"]),
    end=st.sampled_from([b"\r\n", b"\n"]),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
)
def test_a_well_formed_head_reads_as_http_client_reads_it(
    version: bytes,
    code: int,
    reason: bytes,
    fields: list[tuple[str, bytes]],
    padding: bytes,
    end: bytes,
    method: str,
) -> None:
    raw = head(version + b" %d" % code + reason, [(n, padding + v) for n, v in fields], end=end)
    assert read(StrictResponse, raw, method) == read(http.client.HTTPResponse, raw, method)


@pytest.mark.parametrize(
    "raw",
    [
        # a folded value keeps its continuation, line end included, as http.client keeps it
        head(b"HTTP/1.1 200 OK", [("X-A", b" 1"), ("Content-Length", b" 4")])[:-4].replace(
            b"X-A: 1\r\n", b"X-A: 1\r\n  more\r\n\tand more\r\n"
        )
        + b"body",
        # a continuation before any field is ignored, as http.client ignores it
        b"HTTP/1.1 200 OK\r\n more\r\nContent-Length: 4\r\n\r\nbody",
        # interim answers are skipped, their fields with them
        b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody",
        # 99 fields and the empty line: as many lines as http.client reads
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 98 + b"Content-Length: 4\r\n\r\nbody",
        # no reason phrase; a status without a body
        b"HTTP/1.1 204\r\nContent-Length: 4\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
    ],
)
def test_the_head_forms_http_client_reads_its_own_way(raw: bytes) -> None:
    expected = read(http.client.HTTPResponse, raw)
    assert read(StrictResponse, raw) == expected


def test_one_line_more_than_http_client_reads_is_refused_as_it_refuses_it() -> None:
    raw = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 99 + b"Content-Length: 4\r\n\r\nbody"
    for cls in (http.client.HTTPResponse, StrictResponse):
        with pytest.raises(http.client.HTTPException, match="got more than 100 headers"):
            read(cls, raw)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.lists(st.tuples(TOKEN, VALUE), max_size=10),
    rewritten=st.lists(st.tuples(TOKEN, VALUE), max_size=3),
)
def test_the_fields_read_back_as_http_clients_message_gives_them(
    fields: list[tuple[str, bytes]], rewritten: list[tuple[str, bytes]]
) -> None:
    # StrictResponse's message gives its items() as stored (no compat32 check for surrogates,
    # which a head decoded as ISO-8859-1 never has), also after urllib3's rewrite of folded
    # values (it deletes the fields and sets them again).
    from walletpass.heads import _Head

    ours, theirs = _Head(), http.client.HTTPMessage()
    for message in (ours, theirs):
        for name, value in fields:
            message.set_raw(name, value.decode("iso-8859-1"))
        for name, value in rewritten:
            del message[name]
            message[name] = value.decode("iso-8859-1")
    assert ours.items() == theirs.items()
