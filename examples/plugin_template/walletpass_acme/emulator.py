"""A stateful emulator of the Acme Passes API v1, served over real HTTP by walletpass's harness.

It answers exactly what the API description in this distribution's README documents: bearer-key
authentication (401), the six pass routes, the limits of :mod:`walletpass_acme.limits` (422 with
per-field messages), unique external references among live passes (409), the redeem state machine
(409 ``already_redeemed`` / ``pass_expired``), cursor paging, 50 requests per second per key (429
with ``Retry-After``) and an ``X-Request-Id`` on every answer. Routing, 404/405 for unknown routes,
the request journal and fault injection come from :class:`walletpass.testing.emulator.EmulatorApp`.

``AcmeEmulator()`` with no arguments is what ``walletpass emulate acme`` serves.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from walletpass.testing.emulator import (
    BadRequest,
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    RateWindow,
    Refused,
    route,
)
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_acme import limits
from walletpass_acme.limits import VendorBarcode, VendorKind, VendorStatus

__all__ = ["DEFAULT_API_KEY", "DEFAULT_TEMPLATES", "AcmeEmulator", "StoredPass"]

#: The key ``walletpass emulate acme`` accepts (printed when it starts).
DEFAULT_API_KEY = "ak_test_walletpass_emulator"
#: Templates that exist in the emulated account.
DEFAULT_TEMPLATES = ("tpl_ticket", "tpl_card", "tpl_generic")
DOWNLOAD_URL = "https://wallet.acme-passes.example/p/{id}"

_CREATE_KEYS = frozenset(
    {"template", "kind", "externalRef", "holderName", "fields", "barcode", "expiresAt"}
)
_UPDATE_KEYS = frozenset({"holderName", "fields", "barcode", "expiresAt", "notification"})


@dataclass
class StoredPass:
    """One pass as Acme keeps it."""

    id: str
    seq: int
    template: str
    kind: str
    created_at: datetime
    updated_at: datetime
    external_ref: str | None = None
    holder_name: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    barcode: dict[str, str] | None = None
    expires_at: datetime | None = None
    status: VendorStatus = VendorStatus.ISSUED
    notifications: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "template": self.template,
            "kind": self.kind,
            "externalRef": self.external_ref,
            "holderName": self.holder_name,
            "fields": dict(self.fields),
            "barcode": dict(self.barcode) if self.barcode else None,
            "expiresAt": _format(self.expires_at),
            "status": self.status.value,
            "createdAt": _format(self.created_at),
            "updatedAt": _format(self.updated_at),
            "downloadUrl": DOWNLOAD_URL.format(id=self.id),
        }


def _invalid(problems: Mapping[str, list[str]]) -> Refused:
    """A 422 answer: field path -> messages (raised anywhere in a handler)."""
    message = "; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items())
    return Refused(422, message, code="invalid_request", fields=problems)


class AcmeEmulator(EmulatorApp):
    """The Acme Passes API v1 as a WSGI app; see the module docstring."""

    prefix = "/v1"

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        templates: Iterable[str] | str = DEFAULT_TEMPLATES,
        *,
        rate_limit: int = limits.RATE_LIMIT_PER_SECOND,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not api_key.startswith(limits.API_KEY_PREFIX):
            raise ValueError(f"Acme API keys start with {limits.API_KEY_PREFIX!r}")
        super().__init__(api_key=api_key, clock=clock)
        names = templates.split(",") if isinstance(templates, str) else templates
        self.templates = frozenset(t.strip() for t in names if t.strip())
        self.passes: dict[str, StoredPass] = {}
        self._seq = 0
        self._window = RateWindow(rate_limit)

    # -- what happens on phones, for tests -----------------------------------------------

    def install(self, pass_id: str) -> None:
        """The holder added the pass to a wallet."""
        with self.lock:
            self.passes[pass_id].status = VendorStatus.INSTALLED

    # -- harness hooks -------------------------------------------------------------------

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        codes = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}
        return self._error(status, codes.get(status, "invalid_request"), message)

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme != "Bearer" or not self.is_api_key(token):
            return self._error(401, "unauthorized", "missing or invalid API key")
        wait = self._window.hit(token)
        if wait is not None:
            response = self._error(429, "rate_limited", "more than 50 requests in one second")
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        return None

    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        code = refused.code or "invalid_request"
        return self._error(refused.status, code, refused.message, refused.fields)

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        response = super().handle(request)
        response.headers.setdefault("X-Request-Id", f"req_{secrets.token_hex(8)}")
        return response

    # -- routes --------------------------------------------------------------------------

    @route("POST", "/passes")
    def create(self, request: EmulatorRequest) -> EmulatorResponse:
        body = _object(request, _CREATE_KEYS)
        template = body.get("template")
        if not isinstance(template, str) or template not in self.templates:
            raise _invalid({"template": [f"no template {template!r} in this account"]})
        kind = body.get("kind", VendorKind.GENERIC.value)
        if kind not in {k.value for k in VendorKind}:
            raise _invalid({"kind": [f"must be one of {', '.join(k.value for k in VendorKind)}"]})
        ref = body.get("externalRef")
        if ref is not None and (not isinstance(ref, str) or not 1 <= len(ref) <= 200):
            raise _invalid({"externalRef": ["must be text of 1 to 200 characters"]})
        content = _content(body)
        now = self.clock()
        if ref is not None and any(p.external_ref == ref for p in self.passes.values()):
            return self._error(
                409, "duplicate_external_ref", f"a pass with externalRef {ref!r} exists"
            )
        self._seq += 1
        stored = StoredPass(
            id=f"acp_{secrets.token_hex(8)}",
            seq=self._seq,
            template=template,
            kind=kind,
            created_at=now,
            updated_at=now,
            external_ref=ref,
            holder_name=content.get("holderName"),
            fields=content.get("fields", {}),
            barcode=content.get("barcode"),
            expires_at=content.get("expiresAt"),
        )
        self.passes[stored.id] = stored
        return EmulatorResponse.json_body(stored.as_json(), 201)

    @route("GET", "/passes/{pass_id}")
    def show(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._find(request.params["pass_id"])
        if stored is None:
            return self._missing(request.params["pass_id"])
        return EmulatorResponse.json_body(stored.as_json())

    @route("PATCH", "/passes/{pass_id}")
    def update(self, request: EmulatorRequest) -> EmulatorResponse:
        body = _object(request, _UPDATE_KEYS)
        if not body:
            raise _invalid({"body": ["nothing to change"]})
        content = _content(body)
        note = body.get("notification")
        if note is not None and (
            not isinstance(note, str) or not note or limits.notification_problem(note)
        ):
            raise _invalid({"notification": [f"text of 1 to {limits.MAX_NOTIFICATION} characters"]})
        stored = self._find(request.params["pass_id"])
        if stored is None:
            return self._missing(request.params["pass_id"])
        merged = {**stored.fields, **content.get("fields", {})}
        if len(merged) > limits.MAX_FIELDS:
            raise _invalid({"fields": [f"at most {limits.MAX_FIELDS} fields per pass"]})
        stored.fields = merged
        for key, attr in (
            ("holderName", "holder_name"),
            ("barcode", "barcode"),
            ("expiresAt", "expires_at"),
        ):
            if key in content:
                setattr(stored, attr, content[key])
        if note is not None:
            stored.notifications.append(note)
        stored.updated_at = self.clock()
        return EmulatorResponse.json_body(stored.as_json())

    @route("POST", "/passes/{pass_id}/redeem")
    def redeem(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._find(request.params["pass_id"])
        if stored is None:
            return self._missing(request.params["pass_id"])
        if stored.status is VendorStatus.REDEEMED:
            return self._error(409, "already_redeemed", f"pass {stored.id} was redeemed")
        if stored.status is VendorStatus.EXPIRED:
            return self._error(409, "pass_expired", f"pass {stored.id} has expired")
        stored.status = VendorStatus.REDEEMED
        stored.updated_at = self.clock()
        return EmulatorResponse.json_body(stored.as_json())

    @route("DELETE", "/passes/{pass_id}")
    def delete(self, request: EmulatorRequest) -> EmulatorResponse:
        if self.passes.pop(request.params["pass_id"], None) is None:
            return self._missing(request.params["pass_id"])
        return EmulatorResponse.empty(204)

    @route("GET", "/passes")
    def list_passes(self, request: EmulatorRequest) -> EmulatorResponse:
        try:
            size = int(request.arg("limit") or limits.DEFAULT_PAGE_SIZE)
            after = int(request.arg("cursor") or 0)
        except ValueError:
            raise _invalid({"limit": ["limit and cursor are whole numbers"]}) from None
        if not 1 <= size <= limits.MAX_PAGE_SIZE:
            raise _invalid({"limit": [f"from 1 to {limits.MAX_PAGE_SIZE}"]})
        wanted = {
            "template": request.arg("template"),
            "status": request.arg("status"),
            "externalRef": request.arg("externalRef"),
        }
        for stored in self.passes.values():
            self._expire(stored)
        matching = [
            p.as_json() for p in sorted(self.passes.values(), key=lambda p: p.seq) if p.seq > after
        ]
        seqs = {p.id: p.seq for p in self.passes.values()}
        matching = [
            item
            for item in matching
            if all(value is None or item[key] == value for key, value in wanted.items())
        ]
        page = matching[:size]
        more = len(matching) > size
        cursor = str(seqs[page[-1]["id"]]) if page and more else None
        return EmulatorResponse.json_body({"data": page, "nextCursor": cursor})

    # -- helpers -------------------------------------------------------------------------

    def _find(self, pass_id: str) -> StoredPass | None:
        stored = self.passes.get(pass_id)
        if stored is not None:
            self._expire(stored)
        return stored

    def _expire(self, stored: StoredPass) -> None:
        if (
            stored.expires_at is not None
            and stored.expires_at <= self.clock()
            and stored.status in (VendorStatus.ISSUED, VendorStatus.INSTALLED)
        ):
            stored.status = VendorStatus.EXPIRED

    def _missing(self, pass_id: str) -> EmulatorResponse:
        return self._error(404, "not_found", f"no pass {pass_id!r}")

    @staticmethod
    def _error(
        status: int, code: str, message: str, fields: Mapping[str, list[str]] | None = None
    ) -> EmulatorResponse:
        error: dict[str, Any] = {"code": code, "message": message}
        if fields:
            error["fields"] = dict(fields)
        return EmulatorResponse.json_body({"error": error}, status)


def _format(value: datetime | None) -> str | None:
    return format_timestamp(value, limits.TIMESTAMPS) if value else None


def _object(request: EmulatorRequest, allowed: frozenset[str]) -> dict[str, Any]:
    try:
        body = request.json()
    except BadRequest as exc:
        raise _invalid({"body": [str(exc)]}) from None
    if not isinstance(body, dict):
        raise _invalid({"body": ["must be a JSON object"]})
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _invalid({key: ["unknown key"] for key in unknown})
    return body


def _content(body: Mapping[str, Any]) -> dict[str, Any]:
    """Check the parts a create and an update share; their stored form, by body key."""
    problems: dict[str, list[str]] = {}
    content: dict[str, Any] = {}
    if "holderName" in body:
        name = body["holderName"]
        if not isinstance(name, str) or not name:
            problems["holderName"] = ["must be non-empty text"]
        elif text := limits.holder_name_problem(name):
            problems["holderName"] = [text]
        else:
            content["holderName"] = name
    if "fields" in body:
        fields = body["fields"]
        if not isinstance(fields, dict):
            problems["fields"] = ["must be an object of text values"]
        else:
            if len(fields) > limits.MAX_FIELDS:
                problems["fields"] = [f"at most {limits.MAX_FIELDS} fields per pass"]
            for key, value in fields.items():
                where = f"fields.{key}"
                if text := limits.field_key_problem(key):
                    problems.setdefault(where, []).append(text)
                if not isinstance(value, str):
                    problems.setdefault(where, []).append("must be text")
                elif text := limits.field_value_problem(value):
                    problems.setdefault(where, []).append(text)
            content["fields"] = dict(fields)
    if "barcode" in body:
        barcode = body["barcode"]
        formats = {f.value for f in VendorBarcode}
        if (
            not isinstance(barcode, dict)
            or set(barcode) != {"format", "value"}
            or barcode["format"] not in formats
            or not isinstance(barcode["value"], str)
            or not barcode["value"]
        ):
            problems["barcode"] = [f"must be {{format: {' or '.join(sorted(formats))}, value}}"]
        elif text := limits.barcode_problem(barcode["value"]):
            problems["barcode.value"] = [text]
        else:
            content["barcode"] = dict(barcode)
    if "expiresAt" in body:
        raw = body["expiresAt"]
        try:
            if not isinstance(raw, str) or not raw.endswith("Z"):
                raise ValueError(raw)
            content["expiresAt"] = parse_timestamp(raw)
        except ValueError:
            problems["expiresAt"] = ["must be UTC date and time like 2030-01-31T18:00:00Z"]
    if problems:
        raise _invalid(problems)
    return content
