"""PassEntry webhooks: subscriptions and signed deliveries, as neutral pass events.

Documented (PassEntry API v1, "Webhooks" guide and "Webhook subscriptions" reference):

- Subscriptions: ``POST /api/v1/webhook-subscriptions`` with ``{"webhookSubscription": {"url",
  "enabled", "subscribedEvents"}}`` answers 201 with ``secretKey``; ``PATCH
  /api/v1/webhook-subscriptions/{id}/rotate-secret`` issues a new key (the old one dies at
  once); ``GET /api/v1/webhook-subscriptions`` lists with ``page`` / ``perPage`` (max 100) and a
  ``meta.totalPages``; ``PATCH /api/v1/webhook-subscriptions/{id}`` updates. URLs must be HTTPS.
- Events: ``passCreated``, ``passInstalled``, ``passRemoved``, ``passScanned``, delivered as a
  JSON:API document (``data.attributes.webhookType``, ``data.attributes.timeStamp``,
  ``data.relationships.pass``, the pass in ``included``).
- Signature: ``X-Webhook-Signature`` = HMAC-SHA256 of the payload keyed by ``secretKey``.

*Inferred* (not published; see the provider page): the signature's output encoding (hex or
base64 — both are accepted, which costs no strength: both need the key), that the signed bytes
are the raw body, that the included pass carries the pass resource's attributes (``extId``,
``passTemplateUuid``: the guide's example shows only ``status``), and the update body that
disables a subscription (``{"webhookSubscription": {"enabled": false}}``: the update's keys are
not published, so the create body's are used). No delete is documented:
``delete_event_subscription`` is refused, ``disable_event_subscription`` sends the update.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import SecretStr

from walletpass import Provider, VendorRequest, VendorResponse
from walletpass.capabilities import native
from walletpass.event_contract import EventGap
from walletpass.events import EventSubscription, PassEvent, PassEventType
from walletpass.paths import FilledPath, fill_path
from walletpass.plans import Plan, Send
from walletpass.provider import SettingsT, vendor_operation
from walletpass.retry import Safety
from walletpass.webhooks import (
    header,
    payload_list,
    payload_object,
    payload_text,
    timestamp,
    verify_hmac_sha256,
)

__all__ = ["EVENT_NAMES", "SIGNATURE_HEADER", "PassEntryEvents"]

SIGNATURE_HEADER = "X-Webhook-Signature"
_SUBSCRIPTIONS = "/api/v1/webhook-subscriptions"

#: PassEntry's event names and their neutral meaning (Webhooks guide).
EVENT_NAMES: Mapping[str, PassEventType] = {
    "passCreated": PassEventType.ISSUED,
    "passInstalled": PassEventType.INSTALLED,
    "passRemoved": PassEventType.REMOVED,
    "passScanned": PassEventType.SCANNED,
}
_VENDOR_NAMES = {neutral: name for name, neutral in EVENT_NAMES.items()}

#: Documented maximum ``perPage`` of the subscription list.
_PAGE_SIZE = 100


def _subscriptions_path(
    subscription_id: str | None = None, action: str | None = None
) -> FilledPath:
    if subscription_id is None:
        return fill_path(_SUBSCRIPTIONS)
    tail = f"/{action}" if action is not None else ""
    return fill_path(f"{_SUBSCRIPTIONS}/{{id}}{tail}", id=subscription_id)


def _request(method: str, path: FilledPath, safety: Safety, **kwargs: Any) -> VendorRequest:
    return VendorRequest(
        method,
        path.path,
        safety,
        path_template=path.template,
        rate_key=f"{method} {path.template}",
        **kwargs,
    )


class PassEntryEvents(Provider[SettingsT]):
    """The webhook half of the PassEntry provider (mixed into :class:`PassEntryProvider`)."""

    event_types = tuple(EVENT_NAMES.values())
    event_gaps: ClassVar[Mapping[str, EventGap]] = {
        "delete_event_subscription": EventGap(
            "PassEntry documents no way to delete a webhook subscription: "
            "disable_event_subscription() turns it off (PATCH enabled=false)",
            alternative="disable_event_subscription()",
        )
    }

    # -- receiving ---------------------------------------------------------------------------

    def verify_event_delivery(
        self, headers: Mapping[str, str], body: bytes, secret: str | bytes | SecretStr | None
    ) -> None:
        verify_hmac_sha256(
            secret, body, header(headers, SIGNATURE_HEADER), header_name=SIGNATURE_HEADER
        )

    def events_from_delivery(self, headers: Mapping[str, str], payload: Any) -> list[PassEvent]:
        document = payload_object(payload, "body", required=True)
        data = payload_object(document.get("data"), "data", required=True)
        attributes = payload_object(data.get("attributes"), "data.attributes", required=True)
        name = payload_text(attributes.get("webhookType"), "webhookType", required=True)
        assert name is not None  # required
        # Every documented event is about one pass (Webhooks guide): without it the event says
        # nothing an application can act on. An event name PassEntry adds later may have none.
        link = payload_object(
            payload_object(data.get("relationships"), "data.relationships").get("pass"),
            "data.relationships.pass",
        )
        pass_id = payload_text(
            payload_object(link.get("data"), "data.relationships.pass.data").get("id"),
            "pass id (data.relationships.pass.data.id)",
            required=name in EVENT_NAMES,
        )
        included = [
            payload_object(item, f"included[{i}]", required=True)
            for i, item in enumerate(payload_list(document.get("included"), "included"))
        ]
        resource = next(
            (
                item
                for item in included
                if item.get("type") == "pass" and (pass_id is None or item.get("id") == pass_id)
            ),
            {},
        )
        pass_attributes = payload_object(resource.get("attributes"), "included pass attributes")
        meta: dict[str, Any] = {}
        status = payload_text(pass_attributes.get("status"), "included pass status")
        if status is not None:
            meta["vendor_status"] = status
        for rel in ("scan", "reader"):
            related = next((i for i in included if i.get("type") == rel), None)
            if related is not None:
                meta[rel] = dict(payload_object(related.get("attributes"), f"included {rel}"))
        return [
            PassEvent(
                type=EVENT_NAMES.get(name, PassEventType.OTHER),
                provider=self.name,
                pass_id=pass_id,
                external_id=payload_text(pass_attributes.get("extId"), "included pass extId"),
                template=payload_text(
                    pass_attributes.get("passTemplateUuid"), "included pass passTemplateUuid"
                ),
                occurred_at=timestamp(attributes.get("timeStamp")),
                event_id=payload_text(data.get("id"), "data.id"),
                vendor_event=name,
                meta=meta,
                raw=payload,
            )
        ]

    # -- subscriptions -----------------------------------------------------------------------

    def plan_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> Plan[EventSubscription]:
        body = {
            "webhookSubscription": {
                "url": url,
                "enabled": True,
                "subscribedEvents": [_VENDOR_NAMES[e] for e in events],
            }
        }
        request = _request("POST", _subscriptions_path(), Safety.UNSAFE, json=body)
        return self._plan_subscription(request, "subscribe_events")

    def _plan_subscription(self, request: VendorRequest, operation: str) -> Plan[EventSubscription]:
        response = yield Send(request, operation)
        return self.parse(self.parse_subscription, response)

    def plan_list_event_subscriptions(self) -> Plan[list[EventSubscription]]:
        found: list[EventSubscription] = []
        page = 1
        while True:
            request = _request(
                "GET",
                _subscriptions_path(),
                Safety.SAFE,
                query={"page": page, "perPage": _PAGE_SIZE},
            )
            answer = yield Send(request, "list_event_subscriptions")
            items, pages = self.parse(self.parse_subscription_page, answer)
            known = {s.id for s in found}
            fresh = [item for item in items if item.id not in known]
            found.extend(fresh)
            # A page with nothing new ends the listing: an answer that repeats a page while
            # claiming ever more pages would otherwise never end (PassEntry caps subscriptions
            # at 10 per organisation and entity, so real lists are a few pages).
            if page >= pages or not fresh:
                return found
            page += 1

    def plan_rotate_event_secret(self, subscription_id: str) -> Plan[EventSubscription]:
        request = _request(
            "PATCH",
            _subscriptions_path(subscription_id, "rotate-secret"),
            Safety.UNSAFE,  # each call issues another key: never repeated blindly
        )
        return self._plan_subscription(request, "rotate_event_secret")

    @vendor_operation(
        native(
            "PATCH /api/v1/webhook-subscriptions/{id} (documented) with enabled=false",
            inferred=(
                "the update body {'webhookSubscription': {'enabled': false}}: the update's keys "
                "are not published, taken from the create body",
            ),
        )
    )
    def disable_event_subscription(self, subscription_id: str) -> Plan[EventSubscription]:
        """Stop deliveries to a subscription (``PATCH .../{id}`` with ``enabled: false``)."""
        checked = self.check_pass_id(subscription_id)
        request = _request(
            "PATCH",
            _subscriptions_path(checked),
            Safety.IDEMPOTENT,
            # inferred: the update's keys are not published; the create body's are used
            json={"webhookSubscription": {"enabled": False}},
        )
        return (yield from self._plan_subscription(request, "disable_event_subscription"))

    # -- parse hooks ---------------------------------------------------------------------------

    def parse_subscription(self, response: VendorResponse) -> EventSubscription:
        return self._subscription(response.json()["data"])

    def parse_subscription_page(
        self, response: VendorResponse
    ) -> tuple[list[EventSubscription], int]:
        body = response.json()
        items = [self._subscription(item) for item in body["data"]]
        pages = int((body.get("meta") or {}).get("totalPages") or 1)
        return items, pages

    def _subscription(self, data: Mapping[str, Any]) -> EventSubscription:
        attributes = data["attributes"]
        names: Sequence[str] = attributes.get("subscribedEvents") or []
        secret = attributes.get("secretKey")
        enabled = attributes.get("enabled", True)
        # Read as documented, never coerced: "false" as text is not a disabled subscription's
        # enabled=True, and a name given as one string is not a list of one-letter events.
        if (
            not isinstance(data["id"], str)
            or not isinstance(attributes["url"], str)
            or not isinstance(names, list)
            or not all(isinstance(n, str) for n in names)
            or not isinstance(enabled, bool)
        ):
            raise ValueError(
                "a webhook subscription needs a text id and url, subscribedEvents as a list of "
                "names and enabled as a boolean"
            )
        return EventSubscription(
            id=data["id"],
            provider=self.name,
            url=attributes["url"],
            events=tuple(EVENT_NAMES[n] for n in names if n in EVENT_NAMES),
            vendor_events=tuple(names),
            enabled=enabled,
            secret=SecretStr(secret) if isinstance(secret, str) and secret else None,
            raw={k: v for k, v in attributes.items() if k != "secretKey"},
        )
