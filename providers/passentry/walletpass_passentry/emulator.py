"""A stateful emulator of PassEntry's API v1 passes, served over real HTTP by walletpass's harness.

It reproduces what PassEntry's reference documents: ``Authorization: Bearer`` (401 without a valid
key), create / show / update / list / nullify of passes and the logged scan, JSON:API-style answers
(``data.id``, ``data.attributes``, ``meta``, ``links``), ``{"errors": [...]}`` error bodies,
extId uniqueness among passes that are not nullified, the deactivate / reactivate / nullify state
machine, expiry, location and beacon counts and geofence radius rules (checked against the
template's type), ``passSource`` only while the pass is not active, the push-message header and
``meta.notifications``, and 10 requests per second per endpoint and method with PassEntry's
``x-rate-limit-*`` headers and its decimal ``x-rate-limit-retry-after`` on 429, and the loyalty
balance endpoints (``GET`` / ``PATCH /api/v1/loyalty/{id}``: ``balance`` delta, ``overrideBalance``,
``message``, ``meta.loyalty.balance``).

Inferences shared with the provider, accepted here because the provider sends them (each is marked
*inferred* in the provider's declarations and page): the loyalty path id is the pass UUID or extId,
the loyalty keys are top-level, ``overrideBalance`` takes the new balance, only store-card passes
have one; ``pass.expiresAt`` as the expiry key, ``source``/``customValue`` in ``pass.nfc`` for a
custom NFC message, the ``templateOverride`` sub-keys, ``links.next`` paging of the list, and
the webhook subscription update body (``{"webhookSubscription": {...}}`` as in the create) that
disables a subscription.

Where the reference is silent the emulator chooses, and ``docs/providers/passentry.md`` lists the
choices (status codes of validation errors and duplicate extIds, list paging, the Apple
``passSource`` key, ...). The provider never depends on them.

``PassEntryEmulator()`` with no arguments is what ``walletpass emulate passentry`` serves: API key
:data:`DEFAULT_API_KEY` and the templates of :func:`default_templates`. Holder actions that only
happen on phones (adding the pass to a wallet, removing it) are methods: :meth:`install`,
:meth:`remove`.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import math
import secrets
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard, Unpack

from walletpass.event_contract import subscription_url_problem
from walletpass.testing.emulator import (
    AccountLimits,
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    RateWindow,
    Refused,
    page_of,
    route,
)
from walletpass.testing.webhooks import WebhookSender
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_passentry.deliveries import delivery_payload, signed_delivery
from walletpass_passentry.limits import (
    APPLE_PASS_SOURCE_KEY,
    BARCODE_SOURCES,
    BARCODE_TYPES,
    GOOGLE_PASS_SOURCE_KEY,
    LOYALTY_BODY_KEYS,
    LOYALTY_DELTA_KEY,
    LOYALTY_MESSAGE_KEY,
    LOYALTY_OVERRIDE_KEY,
    MAX_BEACONS,
    MAX_LOCATIONS,
    NFC_SOURCES,
    PASS_RESERVED_KEYS,
    RATE_LIMIT_PER_SECOND,
    TEMPLATE_OVERRIDE_KEYS,
    TIMESTAMPS,
    PassAction,
    PassSource,
    PassType,
    VendorStatus,
    hex_color_problem,
    id_problem,
    image_url_problem,
    radius_problem,
)

__all__ = [
    "DEFAULT_API_KEY",
    "EmulatedTemplate",
    "PassEntryEmulator",
    "StoredPass",
    "default_templates",
]

#: The emulator's default API key (PassEntry keys are opaque bearer tokens).
DEFAULT_API_KEY = "pe_test_walletpass_emulator_key"

#: The documented webhook events and the subscription cap (Webhook subscriptions reference).
WEBHOOK_EVENTS = ("passCreated", "passInstalled", "passRemoved", "passScanned")
MAX_SUBSCRIPTIONS = 10

DOWNLOAD_URL = "https://download.passentry.com?pass={uuid}"
GOOGLE_SAVE_URL = "https://pay.google.com/gp/v/save/{uuid}"

_COLOR_KEYS = {TEMPLATE_OVERRIDE_KEYS[n] for n in ("background", "foreground", "label")}
_IMAGE_KEYS = {TEMPLATE_OVERRIDE_KEYS[n] for n in ("banner", "logo", "thumbnail")}


@dataclass
class EmulatedTemplate:
    """A pass template as designed in the dashboard: its UUID, type and field ids."""

    uuid: str
    name: str
    pass_type: PassType = PassType.GENERIC
    fields: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EmulatedTemplate:
        """A template from plain data (e.g. options given to ``walletpass emulate``)."""
        return cls(
            uuid=str(data["uuid"]),
            name=str(data.get("name", data["uuid"])),
            pass_type=PassType(data.get("pass_type", data.get("passType", PassType.GENERIC))),
            fields=tuple(str(f) for f in data.get("fields", ())),
        )


def default_templates() -> list[EmulatedTemplate]:
    """What ``walletpass emulate passentry`` serves: one template per PassEntry type."""
    return [
        EmulatedTemplate(
            "2e2d7ee8c306e8f0223dbdc1", "PassEntry Ticketing", PassType.GENERIC, ("fullName",)
        ),
        EmulatedTemplate(
            "a91c0e7d55f2b3c4d6e7f809",
            "Coffee Club",
            PassType.STORE_CARD,
            ("fullName", "memberName", "stamps"),
        ),
        EmulatedTemplate(
            "19cb334f9696e64e10e7759f",
            "Spring Gala",
            PassType.EVENT_TICKET,
            ("fullName", "seat", "gate", "session"),
        ),
        EmulatedTemplate(
            "7f3a9b2c1d0e4f5a6b7c8d9e",
            "City Shuttle",
            PassType.TRANSIT,
            ("fullName", "route", "departure"),
        ),
    ]


@dataclass
class StoredPass:
    """One pass and everything PassEntry keeps about it."""

    uuid: str
    template: EmulatedTemplate
    ext_id: str | None
    created_at: datetime
    status: VendorStatus = VendorStatus.ISSUED
    content: dict[str, Any] = field(default_factory=dict)
    barcode: dict[str, Any] | None = None
    nfc: dict[str, Any] | None = None
    expires_at: datetime | None = None
    expiry_applied: bool = False
    override: dict[str, Any] = field(default_factory=dict)
    locations: list[dict[str, Any]] = field(default_factory=list)
    beacons: list[dict[str, Any]] = field(default_factory=list)
    group_tag: str | None = None
    latest_message: str | None = None
    device_type: str | None = None
    added_at: datetime | None = None
    removed_at: datetime | None = None
    deactivated_at: datetime | None = None
    nullified_at: datetime | None = None
    #: The status to go back to on reactivate.
    before_deactivation: VendorStatus = VendorStatus.ISSUED
    #: Loyalty points (store-card passes; ``/api/v1/loyalty/{id}``).
    loyalty_balance: int = 0

    @property
    def live(self) -> bool:
        return self.status is not VendorStatus.NULLIFIED


class _EndpointWindow(RateWindow):
    """PassEntry's sliding window per key, also telling how many requests remain."""

    def check(self, key: str) -> tuple[float | None, int]:
        wait = self.hit(key)
        with self._lock:
            used = len(self._hits.get(key, ()))
        return wait, max(0, self.per_second - used)


#: What an answer's ``meta`` holds (notifications, loyalty), if anything.
Meta = dict[str, Any] | None


class PassEntryEmulator(EmulatorApp):
    """PassEntry's passes API in a WSGI app; see the module docstring."""

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        templates: Iterable[EmulatedTemplate | Mapping[str, Any]] | None = None,
        *,
        page_size: int = 25,
        **limits: Unpack[AccountLimits],
    ) -> None:
        """:param page_size: passes per list page; :param limits: ``rate_limit`` (default
        :data:`RATE_LIMIT_PER_SECOND`) requests per endpoint per ``rate_window`` seconds
        (default 1), and the ``clock``."""
        super().__init__(api_key=api_key, clock=limits.get("clock"))
        self.templates = self.catalogue(
            EmulatedTemplate.from_mapping, lambda found: found.uuid, templates, default_templates
        )
        self.passes: dict[str, StoredPass] = {}
        #: Logged scans, in order (``POST /api/v1/scans/log``).
        self.scans: list[dict[str, Any]] = []
        self.rate = _EndpointWindow(
            limits.get("rate_limit", RATE_LIMIT_PER_SECOND), limits.get("rate_window", 1.0)
        )
        self.page_size = page_size
        self._local = threading.local()
        #: Webhook subscriptions by id, and the sender that delivers their events.
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.webhooks = WebhookSender()

    # -- seeding and holder actions ---------------------------------------------------------

    def add_template(self, template: EmulatedTemplate | Mapping[str, Any]) -> EmulatedTemplate:
        return self.templates.add(template)

    def stored(self, pass_id: str) -> StoredPass:
        """A pass by UUID or extId, as the API would find it (``KeyError`` if absent)."""
        with self.lock:
            found = self._find(pass_id)
            if found is None:
                raise KeyError(pass_id)
            return found

    def install(self, pass_id: str, device: str = "iphone") -> None:
        """The holder adds the pass to a wallet: ``issued``/``removed`` -> ``active``."""
        with self.lock:
            stored = self.stored(pass_id)
            self._expire(stored)
            if stored.status not in (VendorStatus.ISSUED, VendorStatus.REMOVED):
                raise ValueError(f"a {stored.status} pass cannot be added to a wallet")
            stored.status = VendorStatus.ACTIVE
            stored.device_type = device
            stored.added_at = self.clock()
            self._emit("passInstalled", stored)

    def remove(self, pass_id: str) -> None:
        """The holder deletes the pass from the wallet: ``active`` -> ``removed``."""
        with self.lock:
            stored = self.stored(pass_id)
            if stored.status is not VendorStatus.ACTIVE:
                raise ValueError(f"a {stored.status} pass is not in a wallet")
            stored.status = VendorStatus.REMOVED
            stored.removed_at = self.clock()
            self._emit("passRemoved", stored)

    def live_passes(self) -> list[StoredPass]:
        with self.lock:
            return [p for p in self.passes.values() if p.live]

    # -- shared checks ------------------------------------------------------------------------

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        return EmulatorResponse.json_body({"errors": [message]}, status)

    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        return EmulatorResponse.json_body({"errors": refused.messages}, refused.status)

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not self.is_api_key(token.strip()):
            return self.error_response(401, "Unauthorized")
        endpoint = request.path
        for name, value in request.params.items():
            endpoint = endpoint.replace(f"/{value}", f"/{{{name}}}", 1)
        wait, remaining = self.rate.check(f"{token}|{request.method} {endpoint}")
        reset = math.ceil(time.time() + (wait if wait is not None else self.rate.window))
        headers = {
            "x-rate-limit-limit": str(self.rate.per_second),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
            "x-rate-limit-url": request.path,
        }
        self._local.rate_headers = headers
        if wait is not None:
            return EmulatorResponse.json_body(
                {"errors": ["Too Many Requests"]},
                429,
                {**headers, "x-rate-limit-retry-after": f"{max(wait, 0.01):.2f}"},
            )
        return None

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        self._local.rate_headers = {}
        response = super().handle(request)
        for name, value in self._local.rate_headers.items():
            response.headers.setdefault(name, value)
        return response

    def _body(self, request: EmulatorRequest) -> dict[str, Any]:
        return request.json_object("Content-Type must be application/json", optional=True)

    def _find(self, pass_id: str) -> StoredPass | None:
        found = self.passes.get(pass_id)
        if found is not None:
            return found
        by_ext = [p for p in self.passes.values() if p.ext_id == pass_id]
        live = [p for p in by_ext if p.live]
        if live:
            return live[0]
        return by_ext[-1] if by_ext else None

    def _pass(self, pass_id: str) -> StoredPass:
        found = self._find(pass_id)
        if found is None:
            raise Refused(404, "Pass not found")
        self._expire(found)
        return found

    def _expire(self, stored: StoredPass) -> None:
        """PassEntry deactivates a pass when its expiry time comes."""
        if (
            stored.expires_at is not None
            and not stored.expiry_applied
            and stored.expires_at <= self.clock()
            and stored.status in (VendorStatus.ISSUED, VendorStatus.ACTIVE, VendorStatus.REMOVED)
        ):
            stored.before_deactivation = stored.status
            stored.status = VendorStatus.DEACTIVATED
            stored.deactivated_at = stored.expires_at
            stored.expiry_applied = True

    # -- body validation ----------------------------------------------------------------------

    def _check(self, template: EmulatedTemplate, body: Mapping[str, Any], *, update: bool) -> None:
        problems: list[str] = []
        if "passAction" in body:
            if not update:
                problems.append("passAction is only available when updating a pass")
            elif body["passAction"] not in {a.value for a in PassAction}:
                problems.append("passAction must be deactivate or reactivate")
        for key, kind in (("message", str), ("groupTag", str), ("pass", dict)):
            if key in body and not isinstance(body[key], kind):
                problems.append(f"{key} must be a {'string' if kind is str else 'object'}")
        inner = body.get("pass")
        if isinstance(inner, dict):
            problems += self._check_pass(template, inner)
        event = template.pass_type is PassType.EVENT_TICKET
        problems += _check_list(
            body, "locations", MAX_LOCATIONS, lambda i, v: _location(i, v, event)
        )
        problems += _check_list(body, "beacons", MAX_BEACONS, _beacon)
        if problems:
            raise Refused(422, *problems)

    def _check_pass(self, template: EmulatedTemplate, inner: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        for key, value in inner.items():
            if key in PASS_RESERVED_KEYS:
                continue
            if key not in template.fields:
                problems.append(f"pass.{key} is not a field of template {template.uuid}")
            raw = (
                value.get("value") if isinstance(value, dict) and set(value) == {"value"} else value
            )
            if not isinstance(raw, str):
                problems.append(f'pass.{key} must be a string or {{"value": string}}')
        if "barcode" in inner:
            problems += _barcode_problems(inner["barcode"])
        if "nfc" in inner:
            problems += _nfc_problems(inner["nfc"])
        if "nfcEnabled" in inner and not isinstance(inner["nfcEnabled"], bool):
            problems.append("pass.nfcEnabled must be a boolean")
        if "expiresAt" in inner:
            try:
                if parse_timestamp(inner["expiresAt"]) is None:
                    raise ValueError
            except ValueError:
                problems.append("pass.expiresAt must be an ISO 8601 UTC timestamp")
        if "templateOverride" in inner:
            problems += _override_problems(inner["templateOverride"], template.pass_type)
        for legacy in ("beacons", "beaconActions", "locations", "locationActions"):
            if legacy in inner:
                problems.append(
                    f"pass.{legacy} (the legacy per-pass form) is not emulated: use the "
                    "top-level locations / beacons"
                )
        return problems

    def _apply(self, stored: StoredPass, body: Mapping[str, Any]) -> None:
        inner = body.get("pass") or {}
        for key, value in inner.items():
            if key == "barcode":
                stored.barcode = None if not value.get("enabled", True) else copy.deepcopy(value)
            elif key == "nfc":
                stored.nfc = None if not value.get("enabled", True) else copy.deepcopy(value)
            elif key == "nfcEnabled":
                stored.nfc = {"enabled": True} if value else None
            elif key == "expiresAt":
                stored.expires_at = parse_timestamp(value)
                stored.expiry_applied = False
            elif key == "templateOverride":
                stored.override.update(value)
            else:
                stored.content[key] = copy.deepcopy(value)
        if "locations" in body:
            stored.locations = copy.deepcopy(body["locations"])
        if "beacons" in body:
            stored.beacons = copy.deepcopy(body["beacons"])
        if "groupTag" in body:
            stored.group_tag = body["groupTag"]

    # -- answers ------------------------------------------------------------------------------

    def _resource(self, stored: StoredPass, request: EmulatorRequest) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return format_timestamp(value, TIMESTAMPS) if value is not None else None

        attributes: dict[str, Any] = {
            "downloadUrl": DOWNLOAD_URL.format(uuid=stored.uuid),
            "passType": stored.template.pass_type.value,
            "deviceType": stored.device_type,
            "status": stored.status.value,
            "extId": stored.ext_id,
            "groupTag": stored.group_tag,
            "createdAt": stamp(stored.created_at),
            "addedAt": stamp(stored.added_at),
            "removedAt": stamp(stored.removed_at),
            "deactivatedAt": stamp(stored.deactivated_at),
            "expiresAt": stamp(stored.expires_at),
            "passTemplateUuid": stored.template.uuid,
            "passTemplateName": stored.template.name,
            "nfc": self._nfc_message(stored),
            "barcode": self._barcode(stored),
            "latestMessage": stored.latest_message,
            "passContent": copy.deepcopy(stored.content),
        }
        if stored.nullified_at is not None:
            attributes["nullifiedAt"] = stamp(stored.nullified_at)
        if request.arg("includeLocations") == "true":
            attributes["locations"] = copy.deepcopy(stored.locations)
        if request.arg("includeBeacons") == "true":
            attributes["beacons"] = copy.deepcopy(stored.beacons)
        if request.arg("includePassDesign") == "true" or stored.override:
            attributes["passDesign"] = copy.deepcopy(stored.override)
        source = request.arg("includePassSource")
        if source is not None and stored.status is not VendorStatus.ACTIVE and stored.live:
            attributes["passSource"] = self._pass_source(stored, PassSource(source))
        return {"id": stored.uuid, "type": "pass", "attributes": attributes}

    @staticmethod
    def _nfc_message(stored: StoredPass) -> str | None:
        if stored.nfc is None:
            return None
        source = stored.nfc.get("source", "uuid")
        if source == "custom":
            value = stored.nfc.get("customValue")
            return value if isinstance(value, str) else None
        return stored.ext_id if source == "extId" else stored.uuid

    @staticmethod
    def _barcode(stored: StoredPass) -> dict[str, Any]:
        if stored.barcode is None:
            return {}
        barcode = {"enabled": True, "type": "qr", "source": "uuid", "displayText": False}
        barcode.update(stored.barcode)
        if barcode["source"] != "custom":
            barcode.pop("value", None)
        return barcode

    def _pass_source(self, stored: StoredPass, source: PassSource) -> dict[str, Any]:
        if source is PassSource.GOOGLE:
            return {GOOGLE_PASS_SOURCE_KEY: GOOGLE_SAVE_URL.format(uuid=stored.uuid)}
        pass_json = {
            "formatVersion": 1,
            "serialNumber": stored.uuid,
            "description": stored.template.name,
            "passEntry": {"passContent": stored.content, "barcode": self._barcode(stored)},
        }
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("pass.json", json.dumps(pass_json))
        return {APPLE_PASS_SOURCE_KEY: base64.b64encode(buffer.getvalue()).decode()}

    def _answer(
        self, stored: StoredPass, request: EmulatorRequest, meta: Meta = None
    ) -> EmulatorResponse:
        """The pass as a resource, with ``meta`` where there is any."""
        payload: dict[str, Any] = {"data": self._resource(stored, request)}
        if meta:
            payload["meta"] = meta
        return EmulatorResponse.json_body(payload)

    def _source_arg(self, request: EmulatorRequest) -> None:
        source = request.arg("includePassSource")
        if source is not None and source not in {s.value for s in PassSource}:
            raise Refused(400, "includePassSource must be apple or google")

    # -- routes -------------------------------------------------------------------------------

    @route("POST", "/api/v1/passes")
    def create_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        template_id = request.arg("passTemplate")
        if not template_id:
            raise Refused(400, "passTemplate is required")
        template = self.templates.get(template_id)
        if template is None:
            raise Refused(404, "Pass template not found")
        self._source_arg(request)
        body = self._body(request)
        ext_id = request.arg("extId")
        if ext_id is not None:
            why = id_problem(ext_id)
            if why is not None:
                raise Refused(422, f"extId {why}")
            if any(p.ext_id == ext_id and p.live for p in self.passes.values()):
                raise Refused(409, "Ext ID has already been taken")
        self._check(template, body, update=False)
        stored = StoredPass(str(uuid.uuid4()), template, ext_id, self.clock())
        self._apply(stored, body)
        self.passes[stored.uuid] = stored
        self._emit("passCreated", stored)
        return self._answer(stored, request)

    @route("GET", "/api/v1/passes/{id}")
    def show_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        self._source_arg(request)
        return self._answer(self._pass(request.params["id"]), request)

    @route("PATCH", "/api/v1/passes/{id}")
    def update_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._pass(request.params["id"])
        body = self._body(request)
        if not stored.live:
            # Inferred: passentry.md does not say what a PATCH of a nullified pass answers.
            raise Refused(422, "Pass has been nullified and can no longer be updated")
        self._check(stored.template, body, update=True)
        self._apply(stored, body)
        action = body.get("passAction")
        now = self.clock()
        if action == PassAction.DEACTIVATE and stored.status is not VendorStatus.DEACTIVATED:
            stored.before_deactivation = stored.status
            stored.status = VendorStatus.DEACTIVATED
            stored.deactivated_at = now
        elif action == PassAction.REACTIVATE and stored.status is VendorStatus.DEACTIVATED:
            stored.status = stored.before_deactivation
            stored.deactivated_at = None
        self._expire(stored)
        message = body.get("message")
        if not isinstance(message, str):
            return self._answer(stored, request)
        stored.latest_message = message
        if stored.status is VendorStatus.ACTIVE:
            status, text = "delivered", "Notification sent to the wallet"
        elif stored.status is VendorStatus.DEACTIVATED:
            status, text = "notDelivered", "Pass is deactivated"
        else:
            status, text = "notDelivered", "Pass has not been added to the wallet"
        answer = self._answer(
            stored, request, {"notifications": {"status": status, "message": text}}
        )
        # The pass update's answer says the status in a header too (passentry.md, update).
        answer.headers["X-Notification-Status"] = status
        return answer

    @route("GET", "/api/v1/passes")
    def list_passes(self, request: EmulatorRequest) -> EmulatorResponse:
        page = request.int_arg("page", 1)
        if page is None:
            raise Refused(400, "page must be a number")
        if page < 1:
            raise Refused(400, "page must be 1 or more")
        chunk, pages = page_of(list(self.passes.values()), page, self.page_size)
        for stored in chunk:
            self._expire(stored)
        payload: dict[str, Any] = {"data": [self._resource(p, request) for p in chunk]}
        base = f"http://{request.header('host') or 'localhost'}{request.path}"
        links = {"self": f"{base}?page={page}"}
        if page < pages:
            links["next"] = f"{base}?page={page + 1}"
        payload["links"] = links
        return EmulatorResponse.json_body(payload)

    @route("POST", "/api/v1/passes/{id}/nullify")
    def nullify_pass(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._pass(request.params["id"])
        if stored.live:
            now = self.clock()
            stored.status = VendorStatus.NULLIFIED
            stored.nullified_at = now
            stored.expires_at = stored.expires_at or now
            stored.content = {}
            stored.barcode = None
            stored.nfc = None
            stored.override = {}
            stored.locations = []
            stored.beacons = []
        return self._answer(stored, request)

    # -- loyalty balance (docs.passentry.com, later findings) ----------------------------------
    #
    # Documented: GET and PATCH /api/v1/loyalty/{id}; PATCH takes ``balance`` (a signed integer
    # delta), ``overrideBalance`` (set outright) and ``message``; the answer has
    # meta.loyalty.balance. Inferences shared with the provider (marked so in its declarations):
    # {id} is the pass UUID or extId, the keys are top-level, overrideBalance takes the new balance,
    # only store-card passes have a balance (422 otherwise), sending both balance and
    # overrideBalance is refused, and the GET answer is shaped like the PATCH answer. Whether
    # PassEntry lets a balance go below zero is not documented: the emulator does not refuse it.

    def _loyalty_pass(self, pass_id: str) -> StoredPass:
        stored = self._pass(pass_id)
        if not stored.live:
            raise Refused(422, "Pass has been nullified")
        if stored.template.pass_type is not PassType.STORE_CARD:
            raise Refused(422, "Pass is not a loyalty pass")
        return stored

    def _loyalty_answer(
        self, stored: StoredPass, request: EmulatorRequest, meta: Meta = None
    ) -> EmulatorResponse:
        loyalty = {"loyalty": {"balance": stored.loyalty_balance}}
        return self._answer(stored, request, {**(meta or {}), **loyalty})

    @route("GET", "/api/v1/loyalty/{id}")
    def show_loyalty(self, request: EmulatorRequest) -> EmulatorResponse:
        return self._loyalty_answer(self._loyalty_pass(request.params["id"]), request)

    @route("PATCH", "/api/v1/loyalty/{id}")
    def update_loyalty(self, request: EmulatorRequest) -> EmulatorResponse:
        stored = self._loyalty_pass(request.params["id"])
        body = self._body(request)
        problems = [
            f"{key} is not a loyalty attribute" for key in body if key not in (LOYALTY_BODY_KEYS)
        ]
        for key in (LOYALTY_DELTA_KEY, LOYALTY_OVERRIDE_KEY):
            value = body.get(key)
            if key in body and (isinstance(value, bool) or not isinstance(value, int)):
                problems.append(f"{key} must be an integer")
        if LOYALTY_DELTA_KEY in body and LOYALTY_OVERRIDE_KEY in body:
            problems.append(f"send either {LOYALTY_DELTA_KEY} or {LOYALTY_OVERRIDE_KEY}")
        if not (LOYALTY_DELTA_KEY in body or LOYALTY_OVERRIDE_KEY in body):
            problems.append(f"{LOYALTY_DELTA_KEY} or {LOYALTY_OVERRIDE_KEY} is required")
        message = body.get(LOYALTY_MESSAGE_KEY)
        if LOYALTY_MESSAGE_KEY in body and not isinstance(message, str):
            problems.append(f"{LOYALTY_MESSAGE_KEY} must be a string")
        if problems:
            raise Refused(422, *problems)
        if LOYALTY_OVERRIDE_KEY in body:
            stored.loyalty_balance = body[LOYALTY_OVERRIDE_KEY]
        else:
            stored.loyalty_balance += body[LOYALTY_DELTA_KEY]
        if not isinstance(message, str):
            return self._loyalty_answer(stored, request)
        stored.latest_message = message
        delivered = stored.status is VendorStatus.ACTIVE
        status = "delivered" if delivered else "notDelivered"
        text = "Notification sent to the wallet" if delivered else "Pass has not been added"
        return self._loyalty_answer(
            stored, request, {"notifications": {"status": status, "message": text}}
        )

    @route("POST", "/api/v1/scans/log")
    def log_scan(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self._body(request)
        scan = body.get("scan")
        if not isinstance(scan, dict):
            raise Refused(422, "scan must be an object")
        problems = [
            f"scan.{key} is required"
            for key in ("readerId", "scanType", "status")
            if not isinstance(scan.get(key), str) or not scan.get(key)
        ]
        if scan.get("status") not in (None, "successful", "failed"):
            problems.append("scan.status must be successful or failed")
        if problems:
            raise Refused(422, *problems)
        target = scan.get("passId") or scan.get("scanValue")
        stored = self._pass(str(target)) if target else None
        info = {
            "scanId": str(uuid.uuid4()),
            "scanType": scan["scanType"],
            "scanValue": scan.get("scanValue", target),
            "validationType": "externalValidation",
            "status": scan["status"],
            "statusDetail": scan.get("statusDetail", ""),
            "scannedAt": format_timestamp(self.clock(), TIMESTAMPS),
            "passId": stored.uuid if stored else None,
            "passExtId": stored.ext_id if stored else None,
            "readerId": scan["readerId"],
        }
        self.scans.append(info)
        if stored is not None:
            scan_resource = {"id": info["scanId"], "type": "scan", "attributes": dict(info)}
            reader = {
                "id": info["readerId"],
                "type": "reader",
                "attributes": {"name": info["readerId"], "readerType": "api"},
            }
            self._emit("passScanned", stored, (scan_resource, reader))
        return EmulatorResponse.json_body({"scanInfo": info})

    # -- webhooks (Webhooks guide, Webhook subscriptions reference) ------------------------------
    #
    # Documented: the routes below, HTTPS-only URLs, at most 10 organisation subscriptions, no
    # duplicate URL, the four event names, the JSON:API delivery, HMAC-SHA256 keyed by secretKey
    # in X-Webhook-Signature. Deviations, said here because the provider shares them: plain
    # http:// is accepted for loopback receivers (tests cannot serve TLS), the signature is hex
    # (the encoding is not published: an inference the provider tolerates either way), list
    # answers leave secretKey out (whether PassEntry shows it there is not published; the
    # provider never relies on it), each event is delivered once (the retry schedule is not
    # published), and the included pass carries the pass resource's attributes (the guide's
    # example shows only status; inferred, as in the provider). Deliveries go to receivers on
    # this machine only (walletpass.testing.webhooks).

    def _emit(
        self,
        webhook_type: str,
        stored: StoredPass,
        related: Iterable[dict[str, Any]] = (),
    ) -> None:
        fake_request = EmulatorRequest("GET", "/", {}, {}, b"", {})
        resource = self._resource(stored, fake_request)
        for subscription in list(self.subscriptions.values()):
            if not subscription["enabled"] or webhook_type not in subscription["subscribedEvents"]:
                continue
            payload = delivery_payload(
                webhook_type,
                stored.uuid,
                pass_attributes=resource["attributes"],
                related=related,
                when=self.clock(),
            )
            headers, body = signed_delivery(payload, subscription["secretKey"])
            self.webhooks.send(subscription["url"], body, headers)

    def _subscription_view(self, sub: Mapping[str, Any], *, secret: bool) -> dict[str, Any]:
        attributes = {k: v for k, v in sub.items() if k != "id" and (secret or k != "secretKey")}
        return {"id": sub["id"], "type": "webhookSubscription", "attributes": attributes}

    def _subscription(self, request: EmulatorRequest) -> dict[str, Any]:
        found = self.subscriptions.get(request.params["id"])
        if found is None:
            raise Refused(404, "Webhook subscription not found")
        return found

    def _subscription_problems(self, inner: Mapping[str, Any], *, creating: bool) -> list[str]:
        problems = []
        url = inner.get("url")
        if creating or "url" in inner:
            if subscription_url_problem(url) is not None:
                problems.append("url must be an HTTPS URL")
            elif any(s["url"] == url for s in self.subscriptions.values()):
                problems.append("url has already been taken")
        events = inner.get("subscribedEvents")
        if (creating or "subscribedEvents" in inner) and (
            not isinstance(events, list)
            or not events
            or any(e not in WEBHOOK_EVENTS for e in events)
        ):
            problems.append(
                "subscribedEvents must be a non-empty list of " + ", ".join(WEBHOOK_EVENTS)
            )
        if "enabled" in inner and not isinstance(inner["enabled"], bool):
            problems.append("enabled must be a boolean")
        return problems

    @route("POST", "/api/v1/webhook-subscriptions")
    def create_subscription(self, request: EmulatorRequest) -> EmulatorResponse:
        inner = self._body(request).get("webhookSubscription")
        if not isinstance(inner, dict):
            raise Refused(422, "webhookSubscription must be an object")
        problems = self._subscription_problems(inner, creating=True)
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            problems.append(f"at most {MAX_SUBSCRIPTIONS} subscriptions per organisation")
        if problems:
            raise Refused(422, *problems)
        sub = {
            "id": str(uuid.uuid4()),
            "url": inner["url"],
            "secretKey": secrets.token_hex(32),
            "enabled": inner.get("enabled", True),
            "scopeType": "organisation",
            "scopeName": "Emulated organisation",
            "subscribedEvents": list(inner["subscribedEvents"]),
        }
        self.subscriptions[sub["id"]] = sub
        return EmulatorResponse.json_body({"data": self._subscription_view(sub, secret=True)}, 201)

    @route("GET", "/api/v1/webhook-subscriptions")
    def list_subscriptions(self, request: EmulatorRequest) -> EmulatorResponse:
        page = request.int_arg("page", 1)
        per_page = request.int_arg("perPage", 5)
        if page is None or per_page is None:
            raise Refused(400, "page and perPage must be integers")
        if page < 1 or not 1 <= per_page <= 100:
            raise Refused(400, "page must be >= 1 and perPage from 1 to 100")
        subs = list(self.subscriptions.values())
        chunk, total_pages = page_of(subs, page, per_page)
        return EmulatorResponse.json_body(
            {
                "data": [self._subscription_view(s, secret=False) for s in chunk],
                "meta": {
                    "totalCount": len(subs),
                    "resultsPerPage": per_page,
                    "currentPage": page,
                    "totalPages": total_pages,
                },
                "links": {},
            }
        )

    @route("GET", "/api/v1/webhook-subscriptions/{id}")
    def show_subscription(self, request: EmulatorRequest) -> EmulatorResponse:
        sub = self._subscription(request)
        return EmulatorResponse.json_body({"data": self._subscription_view(sub, secret=False)})

    @route("PATCH", "/api/v1/webhook-subscriptions/{id}")
    def update_subscription(self, request: EmulatorRequest) -> EmulatorResponse:
        sub = self._subscription(request)
        inner = self._body(request).get("webhookSubscription")
        if not isinstance(inner, dict):
            raise Refused(422, "webhookSubscription must be an object")
        problems = self._subscription_problems(inner, creating=False)
        if problems:
            raise Refused(422, *problems)
        for key in ("url", "enabled", "subscribedEvents"):
            if key in inner:
                sub[key] = inner[key]
        return EmulatorResponse.json_body({"data": self._subscription_view(sub, secret=False)})

    @route("PATCH", "/api/v1/webhook-subscriptions/{id}/rotate-secret")
    def rotate_subscription_secret(self, request: EmulatorRequest) -> EmulatorResponse:
        sub = self._subscription(request)
        sub["secretKey"] = secrets.token_hex(32)  # the old key stops working at once
        return EmulatorResponse.json_body({"data": self._subscription_view(sub, secret=True)})


# -- body checks (vendor JSON) -----------------------------------------------------------------


def _check_list(
    body: Mapping[str, Any], key: str, limit: int, check: Callable[[int, Any], list[str]]
) -> list[str]:
    if key not in body:
        return []
    items = body[key]
    if not isinstance(items, list):
        return [f"{key} must be an array"]
    problems = [f"{key}: maximum of {limit}, got {len(items)}"] if len(items) > limit else []
    for i, item in enumerate(items):
        problems += check(i, item)
    return problems


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _location(i: int, item: Any, event: bool) -> list[str]:
    where = f"locations[{i}]"
    if not isinstance(item, dict):
        return [f"{where} must be an object"]
    problems = []
    lat, lng = item.get("latitude"), item.get("longitude")
    if not _number(lat) or not -90 <= lat <= 90:
        problems.append(f"{where}.latitude must be a number from -90 to 90")
    if not _number(lng) or not -180 <= lng <= 180:
        problems.append(f"{where}.longitude must be a number from -180 to 180")
    if "radius" in item:
        radius = item["radius"]
        why = (
            radius_problem(float(radius), event_ticket=event)
            if _number(radius)
            else "must be a number"
        )
        if why is not None:
            problems.append(f"{where}.radius {why}")
    problems += _strings(item, where, ("name", "message"))
    return problems


def _beacon(i: int, item: Any) -> list[str]:
    where = f"beacons[{i}]"
    if not isinstance(item, dict):
        return [f"{where} must be an object"]
    problems = []
    try:
        uuid.UUID(str(item.get("proximityUuid")))
    except ValueError:
        problems.append(f"{where}.proximityUuid must be a UUID")
    for key in ("major", "minor"):
        value = item.get(key)
        if key in item and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 65535
        ):
            problems.append(f"{where}.{key} must be an integer from 0 to 65535")
    problems += _strings(item, where, ("name", "message"))
    return problems


def _strings(item: Mapping[str, Any], where: str, keys: tuple[str, ...]) -> list[str]:
    return [
        f"{where}.{k} must be a string" for k in keys if k in item and not isinstance(item[k], str)
    ]


def _barcode_problems(barcode: Any) -> list[str]:
    if not isinstance(barcode, dict):
        return ["pass.barcode must be an object"]
    problems = []
    if not isinstance(barcode.get("enabled", True), bool):
        problems.append("pass.barcode.enabled must be a boolean")
    if not barcode.get("enabled", True):
        return problems
    if barcode.get("type", "qr") not in BARCODE_TYPES:
        problems.append(f"pass.barcode.type must be one of {', '.join(sorted(BARCODE_TYPES))}")
    source = barcode.get("source", "uuid")
    if source not in BARCODE_SOURCES:
        problems.append(f"pass.barcode.source must be one of {', '.join(sorted(BARCODE_SOURCES))}")
    value = barcode.get("value")
    if source == "custom" and (not isinstance(value, str) or not value):
        problems.append("pass.barcode.value is required when the source is custom")
    if not isinstance(barcode.get("displayText", False), bool):
        problems.append("pass.barcode.displayText must be a boolean")
    return problems


def _nfc_problems(nfc: Any) -> list[str]:
    if not isinstance(nfc, dict) or not isinstance(nfc.get("enabled"), bool):
        return ['pass.nfc must be an object with a boolean "enabled"']
    source = nfc.get("source", "uuid")
    if source not in NFC_SOURCES:
        return [f"pass.nfc.source must be one of {', '.join(sorted(NFC_SOURCES))}"]
    value = nfc.get("customValue")
    if nfc["enabled"] and source == "custom" and (not isinstance(value, str) or not value):
        return ["pass.nfc.customValue is required when the source is custom"]
    return []


def _override_problems(override: Any, pass_type: PassType) -> list[str]:
    if not isinstance(override, dict):
        return ["pass.templateOverride must be an object"]
    problems = []
    for key, value in override.items():
        where = f"pass.templateOverride.{key}"
        if key in _COLOR_KEYS:
            why = hex_color_problem(value)
        elif key in _IMAGE_KEYS:
            why = image_url_problem(value)
        else:
            why = "is not a template override"
        if why is not None:
            problems.append(f"{where} {why}")
    thumbnail = TEMPLATE_OVERRIDE_KEYS["thumbnail"]
    if thumbnail in override and pass_type is not PassType.GENERIC:
        problems.append(f"pass.templateOverride.{thumbnail} is only available on generic passes")
    return problems
