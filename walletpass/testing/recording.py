"""A recording server written from a vendor's documentation, not from a provider or an emulator.

The emulators share walletpass's reading of each vendor (they accept what the provider sends, and
say which of it is inferred). A test that only talks to them cannot catch a wrong guess. A
:class:`RecordingServer` knows nothing but what a test writes down from the vendor's documents:
for each route, the documented example answer. It records every request as received, so a test
compares what the provider really sent with the documented keys, and finds every key that rests
on inference (which must then be declared so).

It is deliberately small and separate: plain :mod:`wsgiref` on 127.0.0.1, no emulator code.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

__all__ = ["DocumentedRoute", "Recorded", "RecordingServer", "json_keys"]


@dataclass(frozen=True)
class DocumentedRoute:
    """One route as the vendor documents it: method, path pattern and the example answer."""

    method: str
    path: str  # a regular expression matched against the whole path
    answer: Any
    status: int = 200


@dataclass
class Recorded:
    """One request as it reached the server."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # stdlib's name
        pass


@dataclass
class RecordingServer:
    """``with RecordingServer(routes) as server:`` serves ``routes`` on ``server.url``."""

    routes: list[DocumentedRoute]
    requests: list[Recorded] = field(default_factory=list)

    def _app(self, environ: Mapping[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        self.requests.append(Recorded(method, path, environ.get("QUERY_STRING", ""), headers, body))
        for route in self.routes:
            if route.method == method and re.fullmatch(route.path, path):
                payload = json.dumps(route.answer).encode()
                start_response(
                    f"{route.status} OK",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
                )
                return [payload]
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]

    def __enter__(self) -> RecordingServer:
        self._server = make_server("127.0.0.1", 0, self._app, WSGIServer, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def json_keys(value: Any, prefix: str = "") -> Iterator[str]:
    """Every key path of a JSON value, dotted (``pass.barcode.type``); list items as ``[]``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from json_keys(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from json_keys(item, f"{prefix}[]")
