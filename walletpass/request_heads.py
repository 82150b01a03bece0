"""The sync transport's writing of request heads: the header fields encoded and checked in one
pass, where urllib3 hands them to ``http.client`` one field at a time.

urllib3's ``HTTPConnection.request`` puts each field through two ``putheader`` layers (urllib3's
skip-header check, then ``http.client``'s encoding and its name and value checks, a regular
expression each): for the handful of fields of a walletpass request that costs more than the rest
of writing the request. :class:`OnePassHead` writes what urllib3 would, byte for byte
(tests/test_request_heads.py compares them): the request line and ``Host`` (still ``http.client``'s
``putrequest``), then the fields in their order, each ``name: value``, checked together (every
name a token; no value with a CR, LF or NUL, every value encodable as ISO-8859-1 as
``http.client`` encodes it). A request that does not pass it, or that urllib3 would add a field to
(a framing field: chunked, a body that is not bytes, a body or a write without its
``Content-Length``; its default ``User-Agent``), is written by urllib3's own ``request``, which
refuses or frames it as it always has. The transport gives every request ``User-Agent`` and, where
a body may go, ``Content-Length``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# (what urllib3 2's response reads of its request: set by its connection's request, as here)
from urllib3._base_connection import _ResponseOptions
from urllib3.connection import HTTPConnection

__all__ = ["OnePassHead"]

#: Methods urllib3 sends no framing field for when they carry no body (a subset of its list).
_NO_BODY = frozenset({"GET", "HEAD"})
#: Field names, one a line, as ``http.client`` accepts them (RFC 9110 5.1 tokens).
_NAMES = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\n[!#$%&'*+.^_`|~0-9A-Za-z-]+)*")


class OnePassHead(HTTPConnection):
    """urllib3's connection writing the header fields of a request in one pass (see the module's
    docstring); everything else is urllib3's."""

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        chunked: bool = False,
        preload_content: bool = True,
        decode_content: bool = True,
        enforce_content_length: bool = True,
    ) -> None:
        names = {name.lower() for name in headers} if headers else set()
        fields = None
        if (
            headers is not None
            and not chunked
            and "transfer-encoding" not in names
            and "user-agent" in names
            and ("content-length" in names or (body is None and method.upper() in _NO_BODY))
            and (body is None or type(body) is bytes)
        ):
            fields = _encoded(headers)
        if fields is None:
            super().request(
                method,
                url,
                body,
                headers,
                chunked=chunked,
                preload_content=preload_content,
                decode_content=decode_content,
                enforce_content_length=enforce_content_length,
            )
            return
        if self.sock is not None:
            self.sock.settimeout(self.timeout)
        self._response_options = _ResponseOptions(
            request_method=method,
            request_url=url,
            preload_content=preload_content,
            decode_content=decode_content,
            enforce_content_length=enforce_content_length,
        )
        self.putrequest(
            method,
            url,
            skip_accept_encoding="accept-encoding" in names,
            skip_host="host" in names,
        )
        if fields:
            # (http.client joins its buffered lines with CRLF and ends the head itself)
            self._buffer.append(fields[:-2])  # type: ignore[attr-defined]
        self.endheaders()
        if body:
            self.send(body)


def _encoded(headers: Mapping[str, str]) -> bytes | None:
    """The fields as they go on the wire, or ``None`` when one is not sendable as it stands
    (urllib3 and ``http.client`` then write them, and refuse what they refuse)."""
    try:
        text = "".join([name + ": " + value + "\r\n" for name, value in headers.items()])
        raw = text.encode("iso-8859-1")
        names = _NAMES.fullmatch("\n".join(headers))
    except (TypeError, UnicodeEncodeError):
        return None
    # Every name a token, and no CR, LF (one of each per field: the lines written here, so no
    # value breaks a line to start a field of its own) or NUL anywhere.
    count = len(headers)
    if names is None or raw.count(b"\n") != count or raw.count(b"\r") != count or b"\x00" in raw:
        return None
    return raw
