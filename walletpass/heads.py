"""The sync transport's reading of answer heads: ``http.client``'s, held to what aiohttp's parser
(under ``walletpass.aio``) accepts, so a malformed head is the same fault on both APIs
(:mod:`walletpass.answer_faults`).

``http.client`` reads heads leniently: it takes ``HTTP/1.9`` for ``HTTP/1.1``, a header line
without a colon ends its headers (the fields after it are dropped, ``Content-Length`` among them),
a lone CR splits a field in two, a NUL stays in a value, a head cut off by the connection closing
reads as complete, and an interim answer other than ``100 Continue`` (``103 Early Hints``) is taken
for the final one. :class:`StrictResponse` reads the head itself, in one pass, every line checked
as it is read (a whole final head already in the buffer, as nearly every one is, checked by one
pattern and split at once), and refuses what RFC 9112 does not allow with :class:`MalformedHead` (an
``http.client.HTTPException``, which urllib3 reports as its ``ProtocolError``); what it reads from
a well-formed head is what ``http.client`` would (the fields, their values, where the body ends:
tests/test_head_reading.py), without ``http.client``'s hand-off of the head to the ``email``
package's parser, which costs more per answer than all the checks of this reading (about 150 k
instructions for an answer of half a dozen fields). Refused: a status line that is not ``HTTP/1.0``
or ``HTTP/1.1`` with a code from 100 to 999, a field line that is not ``name: value`` (RFC 9110 5.1
token, no whitespace before the colon) or whose value holds a NUL or a CR (RFC 9110 5.5: reject, or
replace). A folded line (obs-fold) is read as ``http.client`` reads it (RFC 9112 5.2 lets a client
unfold it). Interim (1xx) answers before the final one are skipped (RFC 9110 15.2), ``101`` aside:
a plain request is never switched. A head the connection cut off is a lost connection
(``RemoteDisconnected``, or ``BadStatusLine`` for a status line cut off, which
:mod:`walletpass.exchange` tells from garbage by how it begins). More than 100 lines in a head, or
a line longer than 64 KiB, is refused as ``http.client`` refuses it. The chunked framing is held to
RFC 9112 7.1 as aiohttp's parser holds it: a chunk size line of hexadecimal digits and well-formed
extensions, CRLF after each chunk's data, trailer fields ``name: value``; a broken one is
``IncompleteRead``, a malformed trailer field :class:`MalformedHead`. (These three override
``http.client``'s private chunk readers, unchanged from Python 3.11 to 3.13, as is ``_method``,
which the framing of a head read here uses as ``http.client``'s ``begin`` does.)
"""

from __future__ import annotations

import http.client
import re
import threading
from typing import Any

from walletpass.answer_faults import (
    FIELD_NAME,
    HEAD_TOO_LARGE,
    HEADER_FIELD,
    STATUS_LINE,
    AnswerFault,
)

__all__ = ["MalformedHead", "StrictResponse", "take_fields"]

_STATUS_LINE = re.compile(rb"HTTP/1\.[01] [1-9][0-9]{2}(?:[ \t][^\r\n]*)?\r?\n")
_TOKEN = FIELD_NAME.pattern
_FIELD_LINE = re.compile(_TOKEN + rb":[^\x00\r\n]*\r?\n")
#: A whole head as nearly every answer sends it: the status line and field lines as
#: ``_STATUS_LINE`` and ``_FIELD_LINE`` take them, each line ending in CRLF, then the empty line.
_WHOLE_HEAD = re.compile(
    rb"HTTP/1\.[01] [1-9][0-9]{2}(?:[ \t][^\r\n]*)?\r\n(?:" + _TOKEN + rb":[^\x00\r\n]*\r\n)*\r\n"
)
#: RFC 9112 7.1: hexadecimal digits, then extensions (``;name`` or ``;name=value``).
_CHUNK_LINE = re.compile(
    rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[ \t]*"
    + _TOKEN
    + rb"(?:[ \t]*=[ \t]*(?:"
    + _TOKEN
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\.)*"))?)*[ \t]*\r?\n'
)
#: Longer lines, and more lines in a head, are refused as ``http.client`` refuses them (as too
#: large: ``LineTooLong``, ``HTTPException``).
_MAX_LINE = 65536
_MAX_FIELDS = 100


class _Read(threading.local):
    """The fields of the last head this thread read (see :func:`take_fields`)."""

    fields: dict[str, str] | None = None


_read = _Read()


def take_fields() -> dict[str, str] | None:
    """The fields of the answer head this thread read last, as urllib3's response reads them
    (``{name.lower(): ", ".join(values)}``: each name once, where it first came, its values in
    order), and forgets them; ``None`` when no head was read since, or the last one had a value
    folded over lines ending in CRLF (urllib3 rewrites those its own way: read them from the
    response).

    A connection reads its answer's head in the thread that sends the request, within
    ``urlopen``: the fields taken after it returns are its answer's, without walking urllib3's
    copy of them (a generator step and a join per field: 20 k instructions of an answer's 600).
    Taken before ``urlopen`` too, so that an answer read otherwise (a SOCKS proxy's connections
    read heads with ``http.client``) is never given an earlier answer's fields.
    """
    fields = _read.fields
    _read.fields = None
    return fields


class MalformedHead(http.client.HTTPException):
    """The answer's head breaks HTTP/1.1 as ``fault`` says."""

    def __init__(self, fault: AnswerFault) -> None:
        super().__init__(fault.reason)
        self.fault = fault


class _Head(http.client.HTTPMessage):
    """An answer head's fields as :class:`StrictResponse` stores them (``set_raw``), read back by
    ``items()`` as stored: urllib3 reads every answer's fields through it, and ``email``'s
    ``compat32`` policy, behind ``http.client``'s own ``items()``, checks each value for
    surrogates first, to return it unchanged when it has none (16 k instructions for six
    fields, against 1 k). A head read here is decoded as ISO-8859-1, and urllib3 only rewrites
    folded values from it: no value ever has a surrogate."""

    def items(self) -> list[tuple[str, Any]]:
        return list(self.raw_items())


class StrictResponse(http.client.HTTPResponse):
    """``http.client``'s response, its head read here in one pass (each line checked as it is
    read, refusing a malformed one, interim answers skipped) instead of by ``http.client``, whose
    reading hands the head to the ``email`` package's parser: most of what reading an answer
    costs, per request, for the handful of fields an answer carries."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        fp = self.fp
        whole = _buffered_head(fp)
        if whole is not None:
            version, status, reason, fields = whole
        else:
            while True:
                version, status, reason = _status_line(fp.readline(_MAX_LINE + 1))
                fields = _fields(fp)
                # An interim answer (RFC 9110 15.2): the final one follows. 101 is a final
                # answer here (a plain request is never switched), refused by the caller.
                if not 100 <= status < 200 or status == 101:
                    break
        message = _Head()
        first: dict[str, str] = {}  # (each name's first value: what HTTPMessage.get gives)
        merged: dict[str, str] | None = {}  # (take_fields': every value, joined)
        for name, raw in fields:
            value = raw.rstrip("\r\n")
            message.set_raw(name, value)
            key = name.lower()
            if key not in first:
                first[key] = value
                if merged is not None:
                    merged[key] = value
            elif merged is not None:
                merged[key] += ", " + value
            if merged is not None and "\r\n" in value:  # folded: urllib3 rewrites it
                merged = None
        _read.fields = merged
        self.headers = self.msg = message
        self.code = self.status = status
        self.reason = reason
        self.version = version
        self._frame(status, first)

    def _frame(self, status: int, first: dict[str, str]) -> None:
        """Where the body ends and whether the connection closes after it, decided from the
        head as ``http.client.HTTPResponse.begin`` decides it (RFC 9112 6.3, 9.3; the fields'
        own syntax is checked by the caller, who sees every ``Content-Length`` and
        ``Transfer-Encoding``)."""
        coding = first.get("transfer-encoding")
        # (Spaces after the value are not part of it, RFC 9110 5.5: http.client kept them, so
        # "chunked " passed the framing check as chunked and was read as a plain body. A tab
        # there is kept, as llhttp, under walletpass.aio, does not frame "chunked\t" either.)
        self.chunked = coding is not None and coding.rstrip(" ").lower() == "chunked"
        self.chunk_left = None
        connection = first.get("connection", "").lower()
        if self.version == 11:
            self.will_close = "close" in connection
        else:  # HTTP/1.0 closes unless asked to keep alive (Proxy-Connection: Netscape's)
            self.will_close = not (
                first.get("keep-alive")
                or "keep-alive" in connection
                or "keep-alive" in first.get("proxy-connection", "").lower()
            )
        self.length = None
        declared = first.get("content-length")
        if declared and not self.chunked:
            try:
                length = int(declared)
            except ValueError:
                pass
            else:
                self.length = length if length >= 0 else None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True

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
        # As many trailer fields as header fields (aiohttp's parser counts them alike): an
        # endless trailer would otherwise be read until the deadline.
        for _ in range(_MAX_FIELDS):
            line = self.fp.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                raise http.client.LineTooLong("trailer line")
            if line in (b"\r\n", b"\n"):
                return
            if not line.endswith(b"\n"):
                raise http.client.IncompleteRead(b"")  # cut off before the answer's end
            if not _FIELD_LINE.fullmatch(line):
                raise MalformedHead(HEADER_FIELD)
        raise MalformedHead(HEAD_TOO_LARGE)


def _buffered_head(fp: Any) -> tuple[int, int, str, list[tuple[str, str]]] | None:
    """A final answer's head read at once, when it is whole in ``fp``'s buffer already (one
    receive brings a head, nearly always), every line ends in CRLF, none is folded, and it has
    fewer fields than the most allowed: checked by one pattern, split once and taken from the
    buffer, where reading it line by line cost a read, a match and a decoding per line (a head
    of four fields 45.8 -> 30.9 k instructions, of twelve 103.5 -> 63.0 k). The version, status,
    reason and fields are what :func:`_status_line` and :func:`_fields` read of the same head
    (values without their line end). ``None``, nothing taken, for any other head (an interim
    answer's, one cut over receives, a malformed one): read line by line."""
    try:
        buffered = fp.peek()  # (the one receive the first line's reading would make)
    except AttributeError:  # a file without a buffer (http.client always makes one)
        return None
    end = buffered.find(b"\r\n\r\n") + 4
    if not 4 <= end <= _MAX_LINE or _WHOLE_HEAD.fullmatch(buffered, 0, end) is None:
        return None
    status = int(buffered[9:12])
    if 100 <= status < 200 and status != 101:
        return None  # an interim answer: the final one follows
    lines = buffered[:end].decode("iso-8859-1").split("\r\n")
    if len(lines) - 3 >= _MAX_FIELDS:  # (the status line, the empty line, the split's last "")
        return None  # (refused line by line, as http.client refuses it)
    fp.read(end)
    fields = []
    for line in lines[1:-2]:
        name, _, value = line.partition(":")
        fields.append((name, value.lstrip(" \t")))
    first = lines[0]
    return (10 if first[7] == "0" else 11), status, first[13:].strip(), fields


def _status_line(line: bytes) -> tuple[int, int, str]:
    """The HTTP version (10 or 11), code and reason phrase of a status line read with its line
    end; refuses what RFC 9112 4 does not allow."""
    if len(line) > _MAX_LINE:
        raise http.client.LineTooLong("status line")
    if not line:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    if not line.endswith(b"\n"):
        # Cut off by the close: the connection lost if it began as a status line would.
        raise http.client.BadStatusLine(line.decode("iso-8859-1"))
    if _STATUS_LINE.fullmatch(line) is None:
        raise MalformedHead(STATUS_LINE)
    reason = line[13:].decode("iso-8859-1").strip()
    return (10 if line[7] == 0x30 else 11), int(line[9:12]), reason


def _fields(fp: Any) -> list[tuple[str, str]]:
    """The header fields up to the empty line ending the head, each line checked as it is read:
    names and values as ``http.client`` would give them once their last line end is removed
    (the value's leading blanks removed, a folded continuation kept in it with its line end)."""
    fields: list[tuple[str, str]] = []
    lines = 0
    while True:
        line: bytes = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if _FIELD_LINE.fullmatch(line) is not None:  # (nearly every line: checked first)
            name, _, value = line.decode("iso-8859-1").partition(":")
            fields.append((name, value.lstrip(" \t")))
        elif line in (b"\r\n", b"\n"):
            lines += 1
            if lines > _MAX_FIELDS:
                raise http.client.HTTPException(f"got more than {_MAX_FIELDS} headers")
            return fields
        elif not line.endswith(b"\n"):
            raise http.client.RemoteDisconnected("closed inside the answer's head")
        elif line[:1] in (b" ", b"\t"):  # a folded line, the value's continuation
            content = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            if b"\x00" in content or b"\r" in content:
                raise MalformedHead(HEADER_FIELD)
            if fields:  # (before any field, http.client ignores it)
                name, before = fields[-1]
                fields[-1] = (name, before + line.decode("iso-8859-1"))
        else:
            raise MalformedHead(HEADER_FIELD)
        lines += 1
        if lines > _MAX_FIELDS:
            raise http.client.HTTPException(f"got more than {_MAX_FIELDS} headers")
