"""The ways an answer's head and framing can be malformed, and what each one means: one table,
into which both transports map what their HTTP stack reports (the sync one from ``http.client``
and urllib3 in :mod:`walletpass.exchange`, the async one from aiohttp in ``walletpass.aio``), so
the same malformed answer is the same walletpass error, with the same message, on both APIs.

Two kinds, decided by where the fault is:

- **the head is garbled** (its status line, a header field, its ``Content-Length`` or
  ``Transfer-Encoding``, or a head larger than walletpass reads): the answer is
  ``InvalidResponse``, never retried. A garbled head comes from the vendor's front end or a
  middlebox between, and a repeat meets the same server; it is the "answer walletpass cannot
  understand" of an oversized or corruptly compressed answer. Nothing in a garbled head is
  trusted, its status included, so a request that is not repeatable may have taken effect
  (``outcome_unknown``), whatever status the head seemed to carry.
- **the body broke off** (shorter than its ``Content-Length``, or its chunked framing broken or
  cut before its last chunk): like a connection lost after sending, ``ProviderUnavailable``,
  retried where the request is repeatable (reads, idempotent writes), else ``outcome_unknown``.

A connection closed before any of the answer arrived, or in the middle of its head, stays
"connection lost after sending" (the retry policy's ``Ambiguous``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from walletpass.retry import Ambiguous, Outcome

if TYPE_CHECKING:  # (sending reads answers through bounds, which raises these faults)
    from walletpass.sending import Unreadable

__all__ = [
    "BODY_BROKEN",
    "FAULTS",
    "FIELD_NAME",
    "FRAMING_HEADERS",
    "HEADER_FIELD",
    "HEAD_TOO_LARGE",
    "STATUS_LINE",
    "AnswerFault",
    "outcome_of",
]


@dataclass(frozen=True, slots=True)
class AnswerFault:
    """One way an answer can be malformed. ``reason`` ends the error's message ("... but
    {reason}"); ``in_head``: the head is garbled (``InvalidResponse``) rather than the body
    broken off (``ProviderUnavailable``)."""

    name: str
    reason: str
    in_head: bool


#: Not ``HTTP/1.0`` or ``HTTP/1.1``, a status code that is not three digits from 100, garbage.
STATUS_LINE = AnswerFault("status line", "its status line is not an HTTP/1.1 status line", True)
#: A line longer than 64 KiB or more than 99 header fields (``http.client``'s limits, 100 lines
#: with the empty one ending the head, which the async transport applies too).
HEAD_TOO_LARGE = AnswerFault(
    "head too large",
    "its head is larger than walletpass reads (lines of at most 64 KiB, at most 99 fields)",
    True,
)
#: A header (or trailer) line that is not ``name: value`` (no colon, whitespace before it, an
#: empty name), or a value with a NUL or a lone CR. (aiohttp's parser words a malformed trailer
#: field as it words a header field: both are this fault.)
HEADER_FIELD = AnswerFault("header field", "a header field is malformed", True)
#: A header field's name (RFC 9110 5.1: a token), nothing before its colon but the name: the one
#: rule both transports hold a name to (a name outside it is :data:`HEADER_FIELD`).
FIELD_NAME = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Where the body ends not declared as HTTP/1.1 allows: a ``Content-Length`` that is not one
#: decimal byte count (non-numeric, signed, negative, past 18 digits, a list, two fields), a
#: ``Transfer-Encoding`` other than ``chunked`` (walletpass asks for no other), or both headers.
FRAMING_HEADERS = AnswerFault(
    "framing headers",
    "its Content-Length or Transfer-Encoding does not say where its body ends "
    "(one byte count, or chunked, not both)",
    True,
)
#: The body ended before the length it declared, or its chunked framing is broken (a chunk
#: size that is not hexadecimal, a chunk without its line end, no last chunk).
BODY_BROKEN = AnswerFault(
    "body broken off",
    "its body broke off before its end (shorter than declared, or its chunked framing broken)",
    False,
)

#: Every fault, in the order the docs list them.
FAULTS = (STATUS_LINE, HEAD_TOO_LARGE, HEADER_FIELD, FRAMING_HEADERS, BODY_BROKEN)


def outcome_of(
    fault: AnswerFault, late: Callable[[str, float | None], str], deadline: float | None
) -> Outcome | Unreadable:
    """What an attempt that met ``fault`` came to: an answer that cannot be used (status unknown:
    nothing of a garbled head is trusted), or a broken-off answer the retry policy reads as
    ``Ambiguous`` (``late``: the transport's, naming the call's deadline when it cut in)."""
    from walletpass.sending import Unreadable

    if fault.in_head:
        return Unreadable(None, fault.reason)
    return Ambiguous(late(f"malformed answer: {fault.reason}", deadline))
