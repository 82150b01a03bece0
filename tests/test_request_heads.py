"""The sync transport writes a request's header fields in one pass (walletpass.request_heads), not
one ``putheader`` at a time through urllib3 and ``http.client``: what goes on the wire must be
what urllib3's own ``request`` writes, byte for byte, for every request, and what they refuse
must still be refused the same way.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.connection import HTTPConnection

from walletpass.pools import POOL_CLASSES


class _Wire:
    """A connected socket that keeps what is sent."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += bytes(data)

    def settimeout(self, timeout: Any) -> None:
        pass


def written(cls: type[Any], method: str, url: str, **kwargs: Any) -> Any:
    """What ``cls`` sends for the request, or the type and words of what it raises."""
    connection = cls("vendor.example", 8080)
    connection.sock = _Wire()
    try:
        connection.request(method, url, **kwargs)
    except Exception as exc:  # compared below
        return type(exc), str(exc)
    return connection.sock.sent


WALLETPASS = POOL_CLASSES["http"].ConnectionCls

TOKEN = st.text(
    alphabet="!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-",
    min_size=1,
    max_size=16,
)
#: Names and values of every kind, the sendable and the not (line breaks, NUL, non-Latin-1,
#: folded values, names urllib3 and http.client handle themselves).
NAME = TOKEN | st.sampled_from(
    ["Host", "host", "Accept-Encoding", "Content-Length", "Transfer-Encoding", "User-Agent",
     "X A", "X:A", "X: A", "", "Ä", "X\r\nB", "X\nB", "X\rB", "X\x00"]
)  # fmt: skip
VALUE = st.text(max_size=24) | st.sampled_from(
    [
        "",
        " lead",
        "trail ",
        "a\r\n b",
        "a\nb",
        "a\rb",
        "a\x00b",
        "caf\xe9",
        "\u20ac",
        "7",
        "chunked",
        "a\r\nInjected: 1",
        "a\nInjected: 1",
        "a\r\n\r\nGET / HTTP/1.1",
        "\r\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    path=st.sampled_from(["/v1/passes", "/v1/passes/a%2Fb?x=1", "http://vendor.example/abs"]),
    fields=st.lists(st.tuples(NAME, VALUE), max_size=8),
    body=st.none() | st.binary(max_size=40) | st.text(max_size=10),
    chunked=st.booleans(),
    agent=st.booleans(),
    length=st.booleans(),
)
def test_every_request_goes_on_the_wire_as_urllib3_writes_it(
    method: str,
    path: str,
    fields: list[tuple[str, str]],
    body: Any,
    chunked: bool,
    agent: bool,
    length: bool,
) -> None:
    headers = dict(fields)
    if agent:
        headers["User-Agent"] = "walletpass/0.1"
    if length and body is not None:
        headers["Content-Length"] = str(len(body))
    kwargs = {"body": body, "headers": headers, "chunked": chunked}
    assert written(WALLETPASS, method, path, **kwargs) == written(
        HTTPConnection, method, path, **kwargs
    )


@pytest.mark.parametrize(
    ("method", "headers", "body"),
    [
        # what the transport sends: a read, a write with its length, a write without a body
        (
            "GET",
            {"User-Agent": "w", "Accept-Encoding": "gzip", "Accept": "*/*", "X-Api-Key": "k"},
            None,
        ),
        ("POST", {"User-Agent": "w", "Content-Length": "2", "Content-Type": "a/b"}, b"{}"),
        ("DELETE", {"User-Agent": "w", "Content-Length": "0"}, None),
        # urllib3 adds to these: written by urllib3 itself
        ("POST", {"User-Agent": "w"}, b"{}"),
        ("GET", {"Accept": "*/*"}, None),
        ("GET", None, None),
        # refused by http.client, the same way
        ("GET", {"User-Agent": "w", "X-A": "a\r\nInjected: 1"}, None),
        ("GET", {"User-Agent": "w", "X\nA": "1"}, None),
    ],
)
def test_the_requests_the_transport_sends_and_those_it_never_does(
    method: str, headers: dict[str, str] | None, body: bytes | None
) -> None:
    ours = written(WALLETPASS, method, "/p", body=body, headers=headers)
    assert ours == written(HTTPConnection, method, "/p", body=body, headers=headers)
    if isinstance(ours, bytes):
        assert ours.startswith(b"%s /p HTTP/1.1\r\nHost: vendor.example:8080\r\n" % method.encode())
