"""A head read at once from the buffer (walletpass.heads' fast path for a whole, well-formed
final head) is read exactly as the line-by-line reading reads it: for any bytes a server sends
(well-formed, interim answers first, folded, bare LF, cut off, malformed, too many fields, too
long), the same status, reason, version, fields, fields handed over (take_fields), framing and
body left, or the same refusal (type and message)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass import heads
from walletpass.heads import StrictResponse, take_fields


class _Unbuffered(io.BufferedReader):
    """A buffered file that shows nothing of its buffer: the head is read line by line."""

    def peek(self, size: int = 0) -> bytes:
        return b""


class _Socket:
    def __init__(self, raw: bytes, file: type[io.BufferedReader]) -> None:
        self.raw = raw
        self.file = file

    def makefile(self, mode: str) -> io.BufferedReader:
        return self.file(io.BytesIO(self.raw))


def _read(raw: bytes, file: type[io.BufferedReader]) -> Any:
    take_fields()
    response = StrictResponse(_Socket(raw, file), method="GET")  # type: ignore[arg-type]
    try:
        response.begin()
    except Exception as exc:  # the refusal is what is compared
        return type(exc), str(exc), response.fp.read() if response.fp else None
    return {
        "status": response.status,
        "reason": response.reason,
        "version": response.version,
        "fields": response.msg.items(),
        "taken": take_fields(),
        "framing": (response.length, response.chunked, response.will_close),
        "rest": response.fp.read(),
    }


def _same(raw: bytes) -> Any:
    at_once = _read(raw, io.BufferedReader)
    assert at_once == _read(raw, _Unbuffered)
    return at_once


TOKEN = st.text(
    alphabet="!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
    min_size=1,
    max_size=12,
)
#: A value's bytes, nearly always as a field may carry them (no NUL, CR or LF: control
#: characters and obs-text included), blanks before and after; sometimes anything.
VALUE = st.tuples(
    st.sampled_from([b"", b" ", b"\t", b" \t ", b"  "]),
    st.binary(max_size=30).map(
        lambda raw: raw.replace(b"\x00", b"").replace(b"\r", b"").replace(b"\n", b"")
    )
    | st.sampled_from([b"0", b"4", b" 4 ", b"-1", b"x", b"chunked", b"close", b"keep-alive"]),
    st.sampled_from([b"", b" ", b"\t", b" \x85"]),
).map(b"".join) | st.binary(max_size=30)
_WELL_FORMED_STATUS = [
    b"HTTP/1.1 200 OK", b"HTTP/1.0 201 Created", b"HTTP/1.1 204", b"HTTP/1.1 200 ",
    b"HTTP/1.1 299 caf\xe9  ", b"HTTP/1.1 200\tTab", b"HTTP/1.1 200   Spaced \x1c",
    b"HTTP/1.1 404 Not Found", b"HTTP/1.1 999 Max", b"HTTP/1.1 304 Not Modified",
    b"HTTP/1.1 200 O\x00K",
]  # fmt: skip
STATUS = st.sampled_from(
    _WELL_FORMED_STATUS * 3
    + [b"HTTP/1.1 101 Switching", b"HTTP/1.1 100 Continue", b"HTTP/1.1 103 Early Hints",
       b"HTTP/1.2 200 OK", b"HTTP/1.1 099 Low", b"HTTP/1.1 20 OK", b"HTTP/1.1 200 O\rK",
       b"ICY 200 OK", b""]
)  # fmt: skip
NAME = TOKEN | st.sampled_from(
    ["Content-Length", "content-length", "Transfer-Encoding", "Connection", "Keep-Alive",
     "Set-Cookie", "X-A", "x-a", "Bad Name", "", "Na\xefve", " Lead", "Trail "]
)  # fmt: skip
FIELD = st.tuples(NAME, VALUE, st.sampled_from([b":"] * 6 + [b" :", b""]))
END = st.sampled_from([b"\r\n"] * 8 + [b"\n", b"\r"])
EXTRA = st.sampled_from([b""] * 8 + [b" folded", b"\tfolded", b"no colon", b"\x00", b"\r"])


@st.composite
def _heads(draw: st.DrawFn) -> bytes:
    parts = []
    for status in draw(st.lists(STATUS, min_size=1, max_size=3)):
        lines = [status]
        for name, value, colon in draw(st.lists(FIELD, max_size=8)):
            lines.append(name.encode("latin-1") + colon + value)
        extra = draw(EXTRA)
        if extra:
            lines.insert(draw(st.integers(1, len(lines))), extra)
        ends = [draw(END) for _ in lines]
        parts.append(b"".join(line + end for line, end in zip(lines, ends, strict=True)))
        parts.append(draw(END))
    raw = b"".join(parts) + draw(st.sampled_from([b"", b"body", b"\r\n\r\nmore"]))
    cut = draw(st.none() | st.integers(0, len(raw)))
    return raw if cut is None else raw[:cut]


@settings(max_examples=1500, deadline=None)
@given(_heads())
def test_any_head_reads_at_once_as_line_by_line(raw: bytes) -> None:
    _same(raw)


def _head(count: int) -> bytes:
    fields = b"".join(b"X-%d: v\r\n" % n for n in range(count))
    return b"HTTP/1.1 200 OK\r\n" + fields + b"\r\nbody"


@pytest.mark.parametrize("count", [0, 1, 97, 98, 99, 100, 101, 150])
def test_as_many_fields_as_allowed_and_one_more(count: int) -> None:
    got = _same(_head(count))
    assert isinstance(got, tuple) == (count >= 100), got


def test_a_head_read_at_once_is_read_at_once() -> None:
    file = io.BufferedReader(
        io.BytesIO(_head(2).replace(b"\r\n\r\n", b"\r\nContent-Length: 4\r\n\r\n"))
    )
    assert heads._buffered_head(file) == (
        11,
        200,
        "OK",
        [("X-0", "v"), ("X-1", "v"), ("Content-Length", "4")],
    )
    assert file.read() == b"body"
    for other in (
        b"HTTP/1.1 100 Continue\r\n\r\n" + _head(1),
        _head(1).replace(b"\r\n", b"\n", 1),
        b"HTTP/1.1 200 OK\r\nA: b\r\n",
    ):
        file = io.BufferedReader(io.BytesIO(other))
        assert heads._buffered_head(file) is None
        assert file.read() == other  # (nothing taken)


@pytest.mark.parametrize("size", [65_000, 65_536, 70_000])
def test_a_long_head_reads_at_once_as_line_by_line(size: int) -> None:
    line = b"X-Long: " + b"v" * size + b"\r\n"
    raw = b"HTTP/1.1 200 OK\r\n" + line + b"\r\n"
    assert _read(raw, io.BufferedReader) == _read(raw, _Unbuffered)
    assert _read(raw, _Large) == _read(raw, _Unbuffered)


class _Large(io.BufferedReader):
    """A buffer larger than the longest line allowed: a whole long head fits in it."""

    def __init__(self, raw: Any) -> None:
        super().__init__(raw, 2**17)


@pytest.mark.parametrize(
    "line",
    [b"X-A: a\x00b", b"X-A: a\rb", b"X A: b", b"X-A : b", b": b", b"X-\xe9: b", b" folded"],
)
def test_a_malformed_field_line_is_refused_as_line_by_line(line: bytes) -> None:
    raw = b"HTTP/1.1 200 OK\r\nDate: today\r\n" + line + b"\r\nContent-Length: 4\r\n\r\nbody"
    got = _same(raw)
    if line != b" folded":  # (a fold is read as http.client reads it)
        assert isinstance(got, tuple), got
