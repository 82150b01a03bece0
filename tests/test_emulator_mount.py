"""An emulator composed of resource objects: mounted routes are the app's routes in every way."""

from __future__ import annotations

import json
from typing import Any

import requests

from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Refused,
    route,
)


class _Shelf:
    """One resource over state the app shares with its other resources."""

    def __init__(self, books: dict[str, str]) -> None:
        self.books = books

    @route("GET", "/books/{book_id}")
    def read(self, request: EmulatorRequest) -> EmulatorResponse:
        title = self.books.get(request.params["book_id"])
        if title is None:
            raise Refused(404, "no such book")
        return EmulatorResponse.json_body({"title": title})

    @route("PUT", "/books/{book_id}")
    def write(self, request: EmulatorRequest) -> EmulatorResponse:
        self.books[request.params["book_id"]] = request.json()["title"]
        return EmulatorResponse.empty()


class _Desk:
    def __init__(self, books: dict[str, str]) -> None:
        self.books = books

    @route("GET", "/count")
    def count(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"count": len(self.books)})


class _Library(EmulatorApp):
    prefix = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.books: dict[str, str] = {}
        self.mount(_Shelf(self.books), _Desk(self.books))

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        if request.header("x-key") != "k":
            return self.error_response(401, "no key")
        return None

    @route("GET", "/health")
    def health(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"ok": True})


def _answer(response: requests.Response) -> tuple[int, Any]:
    return response.status_code, json.loads(response.content) if response.content else None


def test_mounted_resources_serve_under_the_apps_prefix_hooks_and_journal() -> None:
    app = _Library()
    with EmulatorServer(app) as server, requests.Session() as http:
        key = {"x-key": "k"}
        base = f"{server.url}/v1"
        assert _answer(http.put(f"{base}/books/b1", json={"title": "Dune"}, headers=key)) == (
            204,
            None,
        )
        assert _answer(http.get(f"{base}/books/b1", headers=key)) == (200, {"title": "Dune"})
        assert _answer(http.get(f"{base}/count", headers=key)) == (200, {"count": 1})
        assert _answer(http.get(f"{base}/health", headers=key)) == (200, {"ok": True})
        # The app's hooks run before a mounted route, and its refusal plumbing answers for it.
        assert _answer(http.get(f"{base}/books/b1")) == (401, {"message": "no key"})
        assert _answer(http.get(f"{base}/books/b2", headers=key)) == (
            404,
            {"message": "no such book"},
        )
        # A mounted path with another method is a 405 naming the methods it has.
        refused = http.delete(f"{base}/books/b1", headers=key)
        assert refused.status_code == 405
        assert refused.headers["Allow"] == "GET, PUT"
        # Without the prefix, nothing is mounted.
        assert http.get(f"{server.url}/books/b1", headers=key).status_code == 404
    assert [(e.method, e.path, e.status) for e in app.journal] == [
        ("PUT", "/v1/books/b1", 204),
        ("GET", "/v1/books/b1", 200),
        ("GET", "/v1/count", 200),
        ("GET", "/v1/health", 200),
        ("GET", "/v1/books/b1", 401),
        ("GET", "/v1/books/b2", 404),
        ("DELETE", "/v1/books/b1", 405),
        ("GET", "/books/b1", 404),
    ]
