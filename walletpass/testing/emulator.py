"""A harness for vendor emulators: WSGI apps served over real HTTP on 127.0.0.1.

Vendor packages write their emulator as a subclass of :class:`EmulatorApp`: a small stateful WSGI
application reproducing the vendor's documented routes, auth header, limits, status codes and
error bodies. The harness adds what every emulator needs and no vendor should write twice: routing
(404 for unknown routes, 405 for a known path with another method), a request journal for
assertions, fault injection (status codes with the vendor's retry header, latency, connection
resets before or after the request took effect, malformed bodies), a per-key request-rate window,
and a threaded server that runs in the test process (:class:`EmulatorServer`) or in the foreground
(:func:`serve`, used by ``walletpass emulate``).

Only the standard library is used, so serving an emulator needs nothing beyond walletpass itself.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import re
import secrets
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any, ClassVar, TypedDict, TypeGuard, TypeVar
from urllib.parse import parse_qs, unquote
from wsgiref.handlers import BaseHandler
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from walletpass.redaction import redact_headers
from walletpass.testing.dashboard import Dashboard

__all__ = [
    "WILDCARD_HOSTS",
    "AccountLimits",
    "BadRequest",
    "EmulatorApp",
    "EmulatorRequest",
    "EmulatorResponse",
    "EmulatorServer",
    "Fault",
    "InexactNumber",
    "Journal",
    "JournalEntry",
    "RateWindow",
    "Refused",
    "exact_json",
    "local_url_host",
    "page_of",
    "route",
    "serve",
]

_SOCKET_KEY = "walletpass.emulator.socket"

_Item = TypeVar("_Item")
_R = TypeVar("_R")


def _utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------
# Requests and responses
# ---------------------------------------------------------------------------------------------


class BadRequest(Exception):
    """Raised by :meth:`EmulatorRequest.json` when the body is not the JSON the route needs."""


class Refused(Exception):
    """A documented error answer, raised from anywhere inside a route handler.

    :meth:`EmulatorApp.handle` catches it and answers with :meth:`EmulatorApp.refusal_response`,
    which writes it in the vendor's error shape, so a handler can refuse from deep inside a check
    without threading a response back up.

    :param status: the HTTP status of the answer.
    :param messages: the error texts, in the order the vendor lists them.
    :param code: the vendor's error code, where it has codes.
    :param details: the vendor's free-text details, where it has them.
    :param fields: request path -> messages, for vendors that name the fields they refuse.
    """

    def __init__(
        self,
        status: int,
        *messages: str,
        code: str | None = None,
        details: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)
        self.code = code
        self.details = details
        self.fields = {key: list(texts) for key, texts in fields.items()} if fields else None

    @property
    def message(self) -> str:
        """The messages as one text."""
        return "; ".join(self.messages)

    @classmethod
    def for_fields(
        cls,
        status: int,
        problems: Iterable[tuple[str, str]],
        message: str | None = None,
        *,
        code: str | None = None,
    ) -> Refused:
        """A refusal of named fields: ``problems`` are ``(path, text)`` pairs, grouped by path.

        ``message`` defaults to the problems as ``"path: text"``; ``details`` is the first
        problem as ``"path text"``.
        """
        pairs = list(problems)
        fields: dict[str, list[str]] = {}
        for where, text in pairs:
            fields.setdefault(where, []).append(text)
        listed = "; ".join(f"{where}: {text}" for where, text in pairs)
        return cls(
            status,
            listed if message is None else message,
            code=code,
            details=" ".join(pairs[0]).strip() if pairs else None,
            fields=fields,
        )


class _Headers(Mapping[str, str]):
    """Case-insensitive, read-only request headers."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = {k.lower(): v for k, v in items}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(redact_headers(self._items))


class InexactNumber(ValueError):
    """A JSON number a double does not hold exactly (see :func:`_exact_float`)."""


def _exact_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused where a double would change it.

    No vendor documents the precision of its numbers (*inferred*): an emulator reading them as
    doubles, as most JSON readers do, would round ``0.12345678901234567890`` silently. It
    refuses instead, so a test never passes with a number the vendor may keep differently.
    """
    value = float(text)
    if not math.isfinite(value) or Decimal(repr(value)) != Decimal(text):
        raise InexactNumber(
            f"number {text[:40]} is not exactly an IEEE-754 double (inferred: the vendor's "
            "number precision is not documented)"
        )
    return value


def _exact_int(text: str) -> int:
    """A JSON integer, refused beyond ±(2**53 - 1), where doubles skip integers (*inferred*)."""
    if len(text.lstrip("-")) > 16 or abs(int(text)) > 2**53 - 1:
        raise InexactNumber(
            f"integer {text[:40]} is beyond 2**53 - 1, the integers a double holds exactly "
            "(inferred: the vendor's integer range is not documented)"
        )
    return int(text)


def exact_json(body: bytes | str) -> Any:
    """``body`` parsed as JSON, as every emulator reads a request: :class:`InexactNumber` (a
    ``ValueError``) for a number an IEEE-754 double would change, ``ValueError`` for bad JSON."""
    return json.loads(body, parse_float=_exact_float, parse_int=_exact_int)


@dataclass(frozen=True)
class EmulatorRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON; :class:`BadRequest` if it is empty or malformed."""
        if not self.body:
            raise BadRequest("request body is empty")
        try:
            return exact_json(self.body)
        except InexactNumber as exc:
            raise BadRequest(str(exc)) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"request body is not valid JSON: {exc}") from None

    @property
    def media_type(self) -> str:
        """The ``Content-Type`` without its parameters, lower-cased (``""`` when none was sent)."""
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json_object(
        self, unsupported: str, *, media_type: str = "application/json", optional: bool = False
    ) -> dict[str, Any]:
        """The body as a JSON object, read the way vendor APIs read one.

        :param unsupported: the vendor's text for a body of another ``Content-Type``.
        :param media_type: the media type the route takes.
        :param optional: a request without a body is ``{}`` (whatever its ``Content-Type``).
        :raises Refused: 415 with ``unsupported`` when the ``Content-Type`` is another.
        :raises BadRequest: no body (unless ``optional``), malformed JSON, or JSON that is not an
            object.
        """
        if optional and not self.body:
            return {}
        if self.media_type != media_type:
            raise Refused(415, unsupported)
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        return body

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int | None:
        """Query parameter ``name`` as an integer: ``default`` when absent, ``None`` when it is
        not an integer (blank included), for the vendor to refuse in its own words."""
        raw = self.arg(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            return None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


def page_of(items: Sequence[_Item], number: int, size: int) -> tuple[list[_Item], int]:
    """Page ``number`` (counted from 1) of ``items`` cut into pages of ``size``, and how many pages
    there are: at least one, as an empty list is one empty page."""
    start = (number - 1) * size
    return list(items[start : start + size]), max(1, math.ceil(len(items) / size))


@dataclass
class EmulatorResponse:
    """What a route handler answers: status, body bytes and headers, written to the client as
    they are (the harness adds nothing but ``Content-Length``)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json_body(
        cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> EmulatorResponse:
        """``payload`` as compact JSON with ``Content-Type: application/json``.

        :param payload: any value ``json.dumps`` accepts.
        :param status: the HTTP status (default 200).
        :param headers: more headers; a ``Content-Type`` here replaces the JSON one.
        :returns: the response.
        :raises TypeError: ``payload`` is not JSON-serialisable.
        """
        return cls(
            status,
            json.dumps(payload, separators=(",", ":")).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> EmulatorResponse:
        """A response without a body (default ``204 No Content``), with ``headers``."""
        return cls(status, b"", dict(headers or {}))


# ---------------------------------------------------------------------------------------------
# Journal
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalEntry:
    """One request the emulator received, with the status it answered (0: connection dropped)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    status: int
    at: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"<JournalEntry {self.method} {self.path} -> {self.status}>"


class Journal:
    """Every request an emulator received, in arrival order; thread-safe."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def find(self, method: str | None = None, path: str | None = None) -> list[JournalEntry]:
        """Entries matching a method and a path regular expression (full match)."""
        pattern = re.compile(path) if path is not None else None
        return [
            e
            for e in self.entries
            if (method is None or e.method == method.upper())
            and (pattern is None or pattern.fullmatch(e.path))
        ]

    def last(self) -> JournalEntry:
        with self._lock:
            if not self._entries:
                raise LookupError("the emulator has received no request")
            return self._entries[-1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """Something to do to the next matching request(s) instead of, or besides, answering it.

    Build one with the class methods. ``after`` faults let the request take effect first, which is
    how a real "did my POST go through?" ambiguity arises.
    """

    kind: str
    status: int = 0
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0

    @classmethod
    def respond(
        cls,
        status: int,
        payload: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Fault:
        """Answer with ``status`` (and a JSON payload or raw body) without processing."""
        if body is None:
            body = b"" if payload is None else json.dumps(payload).encode()
        hdrs = dict(headers or {})
        if payload is not None:
            hdrs.setdefault("Content-Type", "application/json")
        return cls("respond", status=status, body=body, headers=tuple(hdrs.items()))

    @classmethod
    def latency(cls, seconds: float) -> Fault:
        """Wait ``seconds`` before processing normally."""
        return cls("latency", seconds=seconds)

    @classmethod
    def delay_after(cls, seconds: float) -> Fault:
        """Process the request (it takes effect), then wait before answering."""
        return cls("delay_after", seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Drop the connection without processing (the request did not take effect)."""
        return cls("reset")

    @classmethod
    def reset_after(cls) -> Fault:
        """Process the request (it takes effect), then drop the connection unanswered."""
        return cls("reset_after")

    @classmethod
    def malformed(cls, status: int = 200, body: bytes = b'{"truncated": ') -> Fault:
        """Process the request, then answer with a body that is not what the docs promise."""
        return cls(
            "malformed", status=status, body=body, headers=(("Content-Type", "application/json"),)
        )


@dataclass
class _PendingFault:
    fault: Fault
    method: str | None
    path: re.Pattern[str] | None
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or bool(self.path.fullmatch(path))
        )


@dataclass
class _RandomFaults:
    faults: tuple[Fault, ...]
    rate: float
    method: str | None
    path: re.Pattern[str] | None
    rng: random.Random

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or bool(self.path.fullmatch(path))
        )


class _ConnectionDropped(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Rate window
# ---------------------------------------------------------------------------------------------


class RateWindow:
    """A sliding one-second window per key: what a vendor's "N requests per second" means."""

    def __init__(self, per_second: int, window: float = 1.0) -> None:
        self.per_second = per_second
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count a request; ``None`` if allowed, else the seconds until one would be."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.per_second:
                return max(0.001, hits[0] + self.window - now)
            hits.append(now)
            return None


# ---------------------------------------------------------------------------------------------
# Routing and the app base class
# ---------------------------------------------------------------------------------------------

Handler = Callable[..., EmulatorResponse]


def route(
    method: str, template: str, *, query: Iterable[str] | None = None
) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of ``METHOD /path/{param}``: a method of an
    :class:`EmulatorApp`, or of a resource object the app mounts (:meth:`EmulatorApp.mount`).

    ``query`` names the query parameters the vendor documents for the route; any other is
    refused (400, through :meth:`EmulatorApp.refusal_response`, naming it). ``None`` leaves the
    query unchecked, unless the app sets :attr:`EmulatorApp.documented_query_only`: then a route
    that names none takes none.
    """
    names = None if query is None else frozenset(query)

    def mark(func: Handler) -> Handler:
        routes: list[tuple[str, str, frozenset[str] | None]] = list(
            getattr(func, "_emulator_routes", [])
        )
        routes.append((method.upper(), template, names))
        func._emulator_routes = routes  # type: ignore[attr-defined]
        return func

    return mark


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-zA-Z_][a-zA-Z0-9_]*\})", template)
    regex = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") and p.endswith("}") else re.escape(p)
        for p in parts
    )
    return re.compile(regex)


class AccountLimits(TypedDict, total=False):
    """The keyword arguments an emulated account's request budget and clock take (each
    emulator documents its defaults)."""

    #: Requests allowed per window.
    rate_limit: int
    #: The window's length in seconds.
    rate_window: float
    #: The vendor's clock (default: now, in UTC).
    clock: Callable[[], datetime] | None


class EmulatorApp:
    """Base WSGI app: routes, journal, faults. Subclasses add vendor routes with :func:`route`.

    Override :meth:`error_response` to answer errors in the vendor's documented shape and
    :meth:`before_route` for checks every documented route shares (auth header, rate limit).
    Requests are handled one at a time under :attr:`lock`; take it in methods a test calls
    directly (seeding, holder actions) too.
    """

    #: Mount point every route sits under (e.g. ``"/v2"``).
    prefix: ClassVar[str] = ""
    #: Refuse query parameters a route does not name in :func:`route` (``query=``), so a client
    #: that guesses one learns it at once instead of seeing it ignored.
    documented_query_only: ClassVar[bool] = False
    #: The account's API key (``None``: an emulator that checks credentials its own way);
    #: :meth:`is_api_key` compares a request's key with it.
    api_key: str | None = None

    def __init__(
        self, *, api_key: str | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        if api_key is not None:  # else the class's own (an emulator may declare it there)
            self.api_key = api_key
        #: The vendor's clock (default: now, in UTC); a test passes its own to move time.
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.journal = Journal()
        self._faults: list[_PendingFault] = []
        self._random_faults: list[_RandomFaults] = []
        #: How many requests a fault was applied to (queued or random).
        self.faults_applied = 0
        self._faults_lock = threading.Lock()
        self.lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler, frozenset[str] | None]] = []
        self.mount(self)

    def is_api_key(self, given: str | None) -> TypeGuard[str]:
        """Whether ``given`` is this account's API key (compared in constant time)."""
        expected = self.api_key
        if not given or expected is None:
            return False
        return secrets.compare_digest(given.encode(), expected.encode())

    def catalogue(
        self,
        read: Callable[[Mapping[str, Any]], _R],
        key: Callable[[_R], str],
        given: Iterable[_R | Mapping[str, Any]] | None,
        default: Callable[[], Iterable[_R | Mapping[str, Any]]],
    ) -> Dashboard[_R]:
        """The account's dashboard-made records (templates, models), seeded with ``given``,
        or with ``default()`` when it is ``None``; guarded by :attr:`lock`."""
        return Dashboard(read, key, self.lock, default() if given is None else given)

    def mount(self, *resources: object) -> None:
        """Serve the :func:`route`-marked methods of ``resources`` as well.

        An emulator of a large API can keep one handler object per vendor resource (passes,
        templates, webhooks...) over shared state and mount each in its app; routes keep the
        app's :attr:`prefix`, hooks and journal.
        """
        for resource in resources:
            for name in dir(type(resource)):
                func = getattr(type(resource), name, None)
                for method, template, named in getattr(func, "_emulator_routes", ()):
                    query = frozenset() if named is None and self.documented_query_only else named
                    self._routes.append(
                        (method, _compile(self.prefix + template), getattr(resource, name), query)
                    )

    # -- fault injection ---------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
    ) -> None:
        """Apply ``fault`` to the next ``times`` requests matching ``method`` and ``path``."""
        pattern = re.compile(path) if path is not None else None
        with self._faults_lock:
            self._faults.append(
                _PendingFault(fault, method.upper() if method else None, pattern, times)
            )

    def inject_randomly(
        self,
        faults: Iterable[Fault],
        *,
        rate: float,
        method: str | None = None,
        path: str | None = None,
        seed: int | None = None,
    ) -> None:
        """Apply one of ``faults``, picked at random, to a ``rate`` share of matching requests.

        What a flaky vendor looks like over a long run (soak tests). A seed makes the sequence
        of decisions repeatable; which request gets which fault still depends on arrival order.
        Faults queued with :meth:`inject` take precedence.
        """
        chosen = tuple(faults)
        if not chosen:
            raise ValueError("inject_randomly needs at least one fault")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is a share of requests, between 0 and 1")
        pattern = re.compile(path) if path is not None else None
        rule = _RandomFaults(
            chosen, rate, method.upper() if method else None, pattern, random.Random(seed)
        )
        with self._faults_lock:
            self._random_faults.append(rule)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()
            self._random_faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._faults_lock:
            for pending in self._faults:
                if pending.matches(method, path):
                    pending.remaining -= 1
                    if pending.remaining <= 0:
                        self._faults.remove(pending)
                    self.faults_applied += 1
                    return pending.fault
            for rule in self._random_faults:
                if rule.matches(method, path) and rule.rng.random() < rule.rate:
                    self.faults_applied += 1
                    return rule.rng.choice(rule.faults)
        return None

    # -- hooks ---------------------------------------------------------------------------

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        """The vendor's error body; the default is ``{"message": ...}``."""
        return EmulatorResponse.json_body({"message": message}, status)

    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        """The answer to a :class:`Refused` raised by a handler (default: :meth:`error_response`).

        Override it where the vendor's error body has more than one message (codes, details,
        per-field lists).
        """
        return self.error_response(refused.status, refused.message)

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Checks shared by every route (auth, rate limit); return a response to short-circuit."""
        return None

    # -- dispatch ------------------------------------------------------------------------

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer ``request``: the hooks and its route's handler, one request at a time under
        :attr:`lock` (a vendor's writes appear one after another; faults act outside it)."""
        with self.lock:
            return self._dispatch(request)

    def _dispatch(self, request: EmulatorRequest) -> EmulatorResponse:
        allowed: list[str] = []
        for method, pattern, handler, query in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            routed = EmulatorRequest(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
                {k: unquote(v) for k, v in match.groupdict().items()},
            )
            try:
                early = self.before_route(routed)
                if early is not None:
                    return early
                if query is not None and not query.issuperset(routed.query):
                    raise Refused.for_fields(
                        400,
                        [
                            (name, "is not a query parameter of this request")
                            for name in routed.query
                            if name not in query
                        ],
                    )
                return handler(routed)
            except BadRequest as exc:
                return self.error_response(400, str(exc))
            except Refused as refused:
                return self.refusal_response(refused)
        if allowed:
            response = self.error_response(405, f"method {request.method} not allowed")
            response.headers["Allow"] = ", ".join(sorted(set(allowed)))
            return response
        return self.error_response(404, f"no route for {request.method} {request.path}")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = _request_from_environ(environ)
        fault = self._take_fault(request.method, request.path)
        status = 0
        try:
            response = self._respond(request, fault, environ)
            status = response.status
        finally:
            self.journal.record(
                JournalEntry(
                    request.method,
                    request.path,
                    request.query,
                    request.headers,
                    request.body,
                    status,
                    time.time(),
                )
            )
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        start_response(f"{response.status} {_reason(response.status)}", list(headers.items()))
        return [response.body]

    def _respond(
        self, request: EmulatorRequest, fault: Fault | None, environ: dict[str, Any]
    ) -> EmulatorResponse:
        if fault is None:
            return self.handle(request)
        if fault.kind == "respond":
            return EmulatorResponse(fault.status, fault.body, dict(fault.headers))
        if fault.kind == "reset":
            _drop(environ)
        if fault.kind == "latency":
            time.sleep(fault.seconds)
            return self.handle(request)
        response = self.handle(request)
        if fault.kind == "delay_after":
            time.sleep(fault.seconds)
            return response
        if fault.kind == "reset_after":
            _drop(environ)
        return EmulatorResponse(fault.status, fault.body, dict(fault.headers))


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get(_SOCKET_KEY)
    if isinstance(sock, socket.socket):
        # RST instead of FIN: the client sees "connection reset by peer", as in the wild.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raise _ConnectionDropped


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _request_from_environ(environ: dict[str, Any]) -> EmulatorRequest:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    headers = [
        (key[5:].replace("_", "-").lower(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    if environ.get("CONTENT_TYPE"):
        headers.append(("content-type", environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("content-length", environ["CONTENT_LENGTH"]))
    raw_path = environ.get("PATH_INFO", "/")
    # PATH_INFO is latin-1 decoded bytes per PEP 3333; restore UTF-8.
    path = raw_path.encode("latin-1").decode("utf-8", "replace")
    return EmulatorRequest(
        environ["REQUEST_METHOD"].upper(),
        path,
        parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        _Headers(headers),
        body,
    )


# ---------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 overflows under a concurrent client: the kernel then
    # drops handshakes (a one-second SYN retry) or connections that already carry a request,
    # which a client must treat as "maybe processed". A real vendor's load balancer does not.
    request_queue_size = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def close_connections(self, wait: float = 2.0) -> None:
        """End every kept-alive connection: a stopped emulator answers nothing, as a dead host.

        Reading is shut first, so idle connections end at once while an answer being written
        still reaches its client; then up to ``wait`` seconds for those answers to finish.
        """
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with self._open_lock:
                if not self._open:
                    return
            time.sleep(0.01)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped connections are injected on purpose; anything else is the emulator's own bug
        # and is printed by the base class for the developer to see.
        if isinstance(sys.exc_info()[1], _ConnectionDropped | ConnectionError):
            return
        super().handle_error(request, client_address)


class _ServerHandler(ServerHandler):
    http_version = "1.1"

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        headers = self.headers  # type: ignore[attr-defined]  # set by BaseHandler.start_response
        if headers is not None and "Content-Length" not in headers:
            # Without a length the body ends when the connection does: say so, then close.
            headers["Connection"] = "close"
            self.request_handler.close_connection = True  # type: ignore[attr-defined]

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], _ConnectionDropped):
            raise _ConnectionDropped
        super().handle_error()

    def close(self) -> None:
        if getattr(self, "status", None) is None:  # dropped before answering: nothing to log
            BaseHandler.close(self)
        else:
            super().close()


class _QuietHandler(WSGIRequestHandler):
    quiet = True
    protocol_version = "HTTP/1.1"
    # wsgiref writes the head and the body separately: with Nagle on, a kept-alive connection
    # would wait out the client's delayed ACK (40 ms) on every answer.
    disable_nagle_algorithm = True

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ[_SOCKET_KEY] = self.connection
        if self.headers.get("content-type") is None:
            # wsgiref fills in "text/plain" for a request that sent none; the journal must show
            # what the client really sent, so an emulator can refuse a missing Content-Type.
            environ.pop("CONTENT_TYPE", None)
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def handle(self) -> None:
        # HTTP/1.1 with keep-alive, as every vendor's front end speaks: a client's pooled
        # connection serves request after request, so per-call timings are not inflated by a
        # TCP handshake each time. A request that says "Connection: close", an answer without a
        # length, or an injected drop ends the connection.
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        # WSGIRequestHandler.handle for one request, with a server handler that lets an
        # injected drop through.
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            self.close_connection = True
            return
        handler = _ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # a socket file, as in wsgiref itself
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # as wsgiref does
        try:
            handler.run(self.server.get_app())  # type: ignore[attr-defined]
        except _ConnectionDropped:
            # Close for real now (SO_LINGER 0 was set), so the peer gets a reset, not a reply.
            self.close_connection = True
            self.wfile.close()
            self.rfile.close()
            self.connection.close()
            return


class _LoudHandler(_QuietHandler):
    quiet = False


class EmulatorServer:
    """Serve a WSGI app on 127.0.0.1 in a background thread; a context manager.

    >>> with EmulatorServer(app) as server:
    ...     wallet = walletpass.connect("pass2u", base_url=server.url, api_key="test")
    """

    def __init__(self, app: Callable[..., Any], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = make_server(
            host.strip("[]"),
            port,
            app,
            server_class=_server_class(host.strip("[]")),
            handler_class=_QuietHandler,
        )
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{local_url_host(self.host)}:{self.port}"

    def start(self) -> EmulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"walletpass-emulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})


class _ThreadingServer6(_ThreadingServer):
    address_family = socket.AF_INET6


def _server_class(host: str) -> type[_ThreadingServer]:
    """An IPv6 listener for an IPv6 address (``::``, ``::1``): socketserver binds IPv4 only."""
    return _ThreadingServer6 if ":" in host else _ThreadingServer


def local_url_host(host: str) -> str:
    """The host part of a URL that reaches a server bound to ``host`` from this machine:
    loopback for a wildcard bind, IPv6 addresses in brackets."""
    bare = host.strip("[]")
    if bare in WILDCARD_HOSTS:
        return "[::1]" if bare == "::" else "127.0.0.1"
    return f"[{bare}]" if ":" in bare else bare


def serve(
    app: Callable[..., Any],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``app`` in the foreground until interrupted (``walletpass emulate``); ``ready``
    gets the base URL a client on this machine uses (a loopback address when ``host`` is a
    wildcard such as ``0.0.0.0``)."""
    bare = host.strip("[]")
    server = make_server(
        bare, port, app, server_class=_server_class(bare), handler_class=_LoudHandler
    )
    url = f"http://{local_url_host(host)}:{server.server_address[1]}"
    if ready is not None:
        ready(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.close_connections()  # answers in progress finish (and are logged) first
        server.server_close()
