"""What aiohttp's complaint about an answer is, in the one table of answer faults
(:mod:`walletpass.answer_faults`) the sync transport maps ``http.client``'s into.

aiohttp's parser (llhttp, or its pure-Python twin when the C extension is not installed) refuses a
malformed head with an exception of :mod:`aiohttp.http_exceptions`, which the client wraps: a head
refused as ``ClientResponseError`` (whose cause is an ``HttpProcessingError`` whose cause is the
parser's), a body that broke off as ``ClientPayloadError`` (whose cause is the parser's). The
parser's exception is found in that chain and read by its type where aiohttp gives one
(``BadStatusLine``, ``LineTooLong``, ``ContentLengthError`` and ``TransferEncodingError`` for a body
that ended early, ``InvalidHeader``); llhttp reports every other fault as a plain
``BadHttpMessage``, told apart by the words of its message (the fallback, tested case by case in
``tests/test_malformed_answer_heads.py``): "Content-Length" or "Transfer-Encoding" (their values
or their combination), "chunk" or "trailer" (the chunked framing), "Too many headers" (the head's
size), "Data after" (more body than declared); anything else is a malformed header field.
"""

from __future__ import annotations

from aiohttp import http_exceptions

from walletpass.answer_faults import (
    BODY_BROKEN,
    FRAMING_HEADERS,
    HEAD_TOO_LARGE,
    HEADER_FIELD,
    STATUS_LINE,
    AnswerFault,
)

__all__ = ["answer_fault"]

#: A plain ``BadHttpMessage``'s words (lower case) and the fault they name, the first found wins.
_BY_WORDS: tuple[tuple[str, AnswerFault], ...] = (
    ("too many headers", HEAD_TOO_LARGE),
    ("too many trailers", HEAD_TOO_LARGE),  # (the pure-Python parser's words)
    ("content-length", FRAMING_HEADERS),
    ("transfer-encoding", FRAMING_HEADERS),
    ("chunk", BODY_BROKEN),
    ("trailer", BODY_BROKEN),
    ("data after", BODY_BROKEN),
    ("not enough data", BODY_BROKEN),
)


def answer_fault(exc: BaseException) -> AnswerFault | None:
    """The fault aiohttp's parser found behind ``exc`` (``None``: it found none; the connection
    was lost or something else failed)."""
    for current in _chain(exc):
        if isinstance(
            current, http_exceptions.ContentLengthError | http_exceptions.TransferEncodingError
        ):
            return BODY_BROKEN  # "Not enough data to satisfy ...": the body ended early
        if isinstance(current, http_exceptions.BadStatusLine):
            return STATUS_LINE
        if isinstance(current, http_exceptions.LineTooLong):
            return HEAD_TOO_LARGE
        if isinstance(current, http_exceptions.InvalidHeader):
            # Its words quote the field (a name, a line or a value, any words in it), so they
            # are not read: the pure-Python parser names a refused Content-Length value by the
            # bare name; anything else it (or llhttp, for a NUL) refuses is the field itself.
            refused = str(getattr(current, "hdr", "")).lower()
            return FRAMING_HEADERS if refused == "content-length" else HEADER_FIELD
        if isinstance(current, http_exceptions.BadHttpMessage):
            # Only llhttp's description, not the bytes it quotes after it (a body's words).
            words = str(current.message).split(":\n", 1)[0].lower()
            for found, fault in _BY_WORDS:
                if found in words:
                    return fault
            return HEADER_FIELD
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes and contexts, innermost last (the parser's exception is deepest:
    the wrappers' own types say less)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 16 and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen[::-1]
