"""The emulator harness's one way to read a body, a page and its number, and to take turns."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass.testing.emulator import (
    BadRequest,
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    Refused,
    page_of,
    route,
)


def _request(body: bytes = b"", content_type: str | None = None, **query: str) -> EmulatorRequest:
    headers = {"content-type": content_type} if content_type is not None else {}
    return EmulatorRequest("POST", "/x", {k: [v] for k, v in query.items()}, headers, body)


@pytest.mark.parametrize(
    ("content_type", "media_type"),
    [
        (None, ""),
        ("application/json", "application/json"),
        ("Application/JSON; charset=utf-8", "application/json"),
        ("  image/png ;q=1", "image/png"),
    ],
)
def test_media_type_is_the_content_type_without_parameters(
    content_type: str | None, media_type: str
) -> None:
    assert _request(content_type=content_type).media_type == media_type


def test_json_object_reads_a_json_object_and_refuses_the_rest_in_the_vendors_words() -> None:
    ok = _request(b'{"a": 1}', "application/json; charset=utf-8")
    assert ok.json_object("send JSON") == {"a": 1}
    with pytest.raises(Refused) as wrong:
        _request(b'{"a": 1}', "text/plain").json_object("send JSON")
    assert (wrong.value.status, wrong.value.messages) == (415, ["send JSON"])
    with pytest.raises(Refused):  # no Content-Type is another media type
        _request(b'{"a": 1}').json_object("send JSON")
    for body in (b"", b"{", b"[1]", b'"text"', b"\xff"):
        with pytest.raises(BadRequest):
            _request(body, "application/json").json_object("send JSON")
    # Optional: no body is an empty object, whatever the Content-Type; a body is read as ever.
    assert _request(b"", None).json_object("send JSON", optional=True) == {}
    with pytest.raises(Refused):
        _request(b"{}", "text/plain").json_object("send JSON", optional=True)
    png = _request(b'{"a": 2}', "application/vnd.acme+json")
    assert png.json_object("send JSON", media_type="application/vnd.acme+json") == {"a": 2}


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_int_arg_reads_integers(number: int) -> None:
    assert _request(n=str(number)).int_arg("n", 7) == number


@pytest.mark.parametrize("raw", ["", "1.5", "one", "0x10", "1e3"])
def test_int_arg_is_none_for_anything_else_and_the_default_when_absent(raw: str) -> None:
    assert _request(n=raw).int_arg("n", 7) is None
    assert _request().int_arg("n", 7) == 7


@given(
    items=st.lists(st.integers(), max_size=60),
    size=st.integers(min_value=1, max_value=25),
)
def test_pages_cover_the_list_once_in_order(items: list[int], size: int) -> None:
    first, pages = page_of(items, 1, size)
    assert pages == max(1, -(-len(items) // size))
    chunks = [first] + [page_of(items, n, size)[0] for n in range(2, pages + 1)]
    assert [item for chunk in chunks for item in chunk] == items
    assert all(0 < len(chunk) <= size for chunk in chunks if items)
    assert page_of(items, pages + 1, size) == ([], pages)


class _Counter(EmulatorApp):
    """Reads, waits, writes: two requests at once would lose a count without turns."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    @route("POST", "/count")
    def bump(self, request: EmulatorRequest) -> EmulatorResponse:
        seen = self.count
        time.sleep(0.002)
        self.count = seen + 1
        return EmulatorResponse.json_body({"count": self.count})


def test_requests_take_turns_under_the_apps_lock() -> None:
    app = _Counter()
    request = EmulatorRequest("POST", "/count", {}, {}, b"")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: app.handle(request), range(40)))
    assert app.count == 40
    assert sorted(json.loads(a.body)["count"] for a in answers) == list(range(1, 41))
    # A test holding the lock keeps requests out until it lets go.
    results: list[Any] = []
    with app.lock:
        worker = threading.Thread(target=lambda: results.append(app.handle(request)))
        worker.start()
        worker.join(0.1)
        assert worker.is_alive() and app.count == 40
    worker.join(5)
    assert app.count == 41 and len(results) == 1
