"""The sync transport's reading of answer heads: ``http.client``'s, held to what aiohttp's parser
(under ``walletpass.aio``) accepts, so a malformed head is the same fault on both APIs
(:mod:`walletpass.answer_faults`).

``http.client`` reads heads leniently: it takes ``HTTP/1.9`` for ``HTTP/1.1``, a header line
without a colon ends its headers (the fields after it are dropped, ``Content-Length`` among
them), a lone CR splits a field in two, a NUL stays in a value, a head cut off by the connection
closing reads as complete, and an interim answer other than ``100 Continue`` (``103 Early Hints``)
is taken for the final one. :class:`StrictResponse` reads every head line as it goes past and
refuses what RFC 9112 does not allow, before ``http.client`` interprets it, with
:class:`MalformedHead` (an ``http.client.HTTPException``, which urllib3 reports as its
``ProtocolError``): a status line that is not ``HTTP/1.0`` or ``HTTP/1.1`` with a code from 100
to 999, a field line that is not ``name: value`` (RFC 9110 5.1 token, no whitespace before the
colon) or whose value holds a NUL or a CR (RFC 9110 5.5: reject, or replace). A folded line
(obs-fold) is read as ``http.client`` reads it (RFC 9112 5.2 lets a client unfold it). Interim
(1xx) answers before the final one are skipped (RFC 9110 15.2), ``101`` aside: a plain request
is never switched. A head the connection cut off is a lost connection (``RemoteDisconnected``).
The chunked framing is held to RFC 9112 7.1 as aiohttp's parser holds it: a chunk size line of
hexadecimal digits and well-formed extensions, CRLF after each chunk's data, trailer fields
``name: value``; a broken one is ``IncompleteRead``, a malformed trailer field
:class:`MalformedHead`. (These three override ``http.client``'s private chunk readers, unchanged
from Python 3.11 to 3.13.)
"""

from __future__ import annotations

import http.client
import re
from typing import Any

from walletpass.answer_faults import HEADER_FIELD, STATUS_LINE, AnswerFault

__all__ = ["MalformedHead", "StrictResponse"]

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] [1-9][0-9]{2}(?:[ \t][^\r\n]*)?\r?\n")
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_FIELD_LINE = re.compile(_TOKEN + rb":[^\x00\r\n]*\r?\n")
#: RFC 9112 7.1: hexadecimal digits, then extensions (``;name`` or ``;name=value``).
_CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[ \t]*"
    + _TOKEN
    + rb"(?:[ \t]*=[ \t]*(?:"
    + _TOKEN
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\.)*"))?)*[ \t]*\r?\n'
)
#: Longer lines are ``http.client``'s to refuse (``LineTooLong``), as too large.
_MAX_LINE = 65536


class MalformedHead(http.client.HTTPException):
    """The answer's head breaks HTTP/1.1 as ``fault`` says."""

    def __init__(self, fault: AnswerFault) -> None:
        super().__init__(fault.reason)
        self.fault = fault


class StrictResponse(http.client.HTTPResponse):
    """``http.client``'s response, reading its head through :class:`_HeadLines`, which refuses a
    malformed one, and skipping interim answers."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        real = self.fp
        lines = _HeadLines(real)
        self.fp = lines
        try:
            super().begin()
            while 100 < self.status < 200 and self.status != 101:
                # An interim answer (http.client skips 100 itself): the final one follows.
                lines.expect_status()
                self.headers = None
                super().begin()
        finally:
            if self.fp is lines:  # (http.client sets fp to None when it closes)
                self.fp = real

    # The chunked framing (RFC 9112 7.1), which http.client reads leniently too: it takes
    # anything after a chunk size's ';', and skips the two bytes after a chunk's data unread.
    # A broken framing is reported as http.client reports a chunk size it cannot read.

    def _read_next_chunk_size(self) -> int:
        line = self.fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("chunk size")
        found = _CHUNK_LINE.fullmatch(line)
        if found is None:
            self._close_conn()  # type: ignore[attr-defined]
            raise ValueError("not a chunk size line")  # (http.client: IncompleteRead)
        return int(found.group(1), 16)

    def _get_chunk_left(self) -> int | None:
        if self.chunk_left == 0:
            # A chunk's data was read whole: its line end follows.
            if self._safe_read(2) != b"\r\n":  # type: ignore[attr-defined]
                self._close_conn()  # type: ignore[attr-defined]
                raise http.client.IncompleteRead(b"")
            self.chunk_left = None
        left: int | None = super()._get_chunk_left()  # type: ignore[misc]
        return left

    def _read_and_discard_trailer(self) -> None:
        while True:
            line = self.fp.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                raise http.client.LineTooLong("trailer line")
            if line in (b"\r\n", b"\n"):
                return
            if not line.endswith(b"\n"):
                raise http.client.IncompleteRead(b"")  # cut off before the answer's end
            if not _FIELD_LINE.fullmatch(line):
                raise MalformedHead(HEADER_FIELD)


class _HeadLines:
    """The answer's file while its head is read: each line checked as it is read."""

    __slots__ = ("_fp", "_in_fields")

    def __init__(self, fp: Any) -> None:
        self._fp = fp
        self._in_fields = False

    def expect_status(self) -> None:
        self._in_fields = False

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._fp.readline(limit)
        if self._in_fields:
            if _FIELD_LINE.fullmatch(line) is not None:  # (nearly every line: checked first)
                return line
            if line in (b"\r\n", b"\n"):
                self._in_fields = False
            elif len(line) > _MAX_LINE:
                pass  # http.client refuses it as too long
            elif not line.endswith(b"\n"):
                raise http.client.RemoteDisconnected("closed inside the answer's head")
            elif line[:1] in (b" ", b"\t"):  # a folded line, the value's continuation
                value = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                if b"\x00" in value or b"\r" in value:
                    raise MalformedHead(HEADER_FIELD)
            else:
                raise MalformedHead(HEADER_FIELD)
        elif line.endswith(b"\n") and len(line) <= _MAX_LINE:
            if not _STATUS_LINE.fullmatch(line):
                raise MalformedHead(STATUS_LINE)
            self._in_fields = True
        # (An empty, cut short or too long status line: http.client reports it.)
        return line

    def close(self) -> None:
        self._fp.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)
