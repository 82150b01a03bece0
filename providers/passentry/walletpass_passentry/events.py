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
are the raw body, and the delete path (none is documented: ``delete_event_subscription`` is
refused, ``disable_event_subscription`` sends the documented update with ``enabled: false``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from walletpass import Provider, UnsupportedOperation, VendorRequest, VendorResponse
from walletpass.events import EventSubscription, PassEvent, PassEventType
from walletpass.retry import Safety
from walletpass.webhooks import header, timestamp, verify_hmac_sha256

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


def _subscriptions_path(subscription_id: str | None = None, action: str | None = None) -> str:
    path = _SUBSCRIPTIONS
    if subscription_id is not None:
        path += f"/{quote(subscription_id, safe='')}"
    if action is not None:
        path += f"/{action}"
    return path


def _request(method: str, path: str, template: str, safety: Safety, **kwargs: Any) -> VendorRequest:
    return VendorRequest(
        method, path, safety, path_template=template, rate_key=f"{method} {template}", **kwargs
    )


class PassEntryEvents(Provider):
    """The webhook half of the PassEntry provider (mixed into :class:`PassEntryProvider`)."""

    # -- receiving ---------------------------------------------------------------------------

    def verify_event_delivery(
        self, headers: Mapping[str, str], body: bytes, secret: str | bytes | SecretStr | None
    ) -> None:
        verify_hmac_sha256(
            secret, body, header(headers, SIGNATURE_HEADER), header_name=SIGNATURE_HEADER
        )

    def events_from_delivery(self, headers: Mapping[str, str], payload: Any) -> list[PassEvent]:
        data = payload["data"]
        attributes = data["attributes"]
        name = attributes["webhookType"]
        if not isinstance(name, str):
            raise TypeError("webhookType must be text")
        relationships = data.get("relationships") or {}
        linked = (relationships.get("pass") or {}).get("data") or {}
        pass_id = linked.get("id") if isinstance(linked, Mapping) else None
        included = payload.get("included") or []
        resource = next(
            (
                item
                for item in included
                if isinstance(item, Mapping)
                and item.get("type") == "pass"
                and (pass_id is None or item.get("id") == pass_id)
            ),
            None,
        )
        pass_attributes = (resource or {}).get("attributes") or {}
        ext_id = pass_attributes.get("extId")
        template = pass_attributes.get("passTemplateUuid")
        meta: dict[str, Any] = {}
        if isinstance(pass_attributes.get("status"), str):
            meta["vendor_status"] = pass_attributes["status"]
        for rel in ("scan", "reader"):
            related = next(
                (i for i in included if isinstance(i, Mapping) and i.get("type") == rel), None
            )
            if related is not None:
                meta[rel] = related.get("attributes")
        return [
            PassEvent(
                type=EVENT_NAMES.get(name, PassEventType.OTHER),
                provider=self.name,
                pass_id=str(pass_id) if pass_id is not None else None,
                external_id=ext_id if isinstance(ext_id, str) and ext_id else None,
                template=template if isinstance(template, str) else None,
                occurred_at=timestamp(attributes.get("timeStamp")),
                event_id=str(data["id"]) if data.get("id") is not None else None,
                vendor_event=name,
                meta=meta,
                raw=payload,
            )
        ]

    # -- subscriptions -----------------------------------------------------------------------

    def execute_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> EventSubscription:
        chosen = events or tuple(EVENT_NAMES.values())
        unknown = [e.value for e in chosen if e not in _VENDOR_NAMES]
        if unknown:
            raise UnsupportedOperation(
                f"PassEntry has no webhook for {', '.join(unknown)}; its events: "
                + ", ".join(sorted(e.value for e in _VENDOR_NAMES)),
                provider=self.name,
                operation="subscribe_events",
            )
        body = {
            "webhookSubscription": {
                "url": url,
                "enabled": True,
                "subscribedEvents": [_VENDOR_NAMES[e] for e in chosen],
            }
        }
        request = _request("POST", _SUBSCRIPTIONS, _SUBSCRIPTIONS, Safety.UNSAFE, json=body)
        return self.parse(self.parse_subscription, self.send(request, "subscribe_events"))

    def execute_list_event_subscriptions(self) -> list[EventSubscription]:
        found: list[EventSubscription] = []
        page = 1
        while True:
            request = _request(
                "GET",
                _SUBSCRIPTIONS,
                _SUBSCRIPTIONS,
                Safety.SAFE,
                query={"page": page, "perPage": _PAGE_SIZE},
            )
            answer = self.send(request, "list_event_subscriptions")
            items, pages = self.parse(self.parse_subscription_page, answer)
            found.extend(items)
            if page >= pages or not items:
                return found
            page += 1

    def execute_rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        template = f"{_SUBSCRIPTIONS}/{{id}}/rotate-secret"
        request = _request(
            "PATCH",
            _subscriptions_path(subscription_id, "rotate-secret"),
            template,
            Safety.UNSAFE,  # each call issues another key: never repeated blindly
        )
        return self.parse(self.parse_subscription, self.send(request, "rotate_event_secret"))

    def execute_delete_event_subscription(self, subscription_id: str) -> None:
        raise UnsupportedOperation(
            "PassEntry documents no way to delete a webhook subscription: "
            "disable_event_subscription() turns it off (PATCH enabled=false)",
            provider=self.name,
            operation="delete_event_subscription",
            alternative="disable_event_subscription()",
        )

    def disable_event_subscription(self, subscription_id: str) -> EventSubscription:
        """Stop deliveries to a subscription (``PATCH .../{id}`` with ``enabled: false``)."""
        with self._guard("disable_event_subscription"):
            checked = self._check_id(subscription_id)
            request = _request(
                "PATCH",
                _subscriptions_path(checked),
                f"{_SUBSCRIPTIONS}/{{id}}",
                Safety.IDEMPOTENT,
                json={"webhookSubscription": {"enabled": False}},
            )
            return self.parse(
                self.parse_subscription, self.send(request, "disable_event_subscription")
            )

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
        return EventSubscription(
            id=str(data["id"]),
            provider=self.name,
            url=str(attributes["url"]),
            events=tuple(EVENT_NAMES[n] for n in names if n in EVENT_NAMES),
            vendor_events=tuple(str(n) for n in names),
            enabled=bool(attributes.get("enabled", True)),
            secret=SecretStr(secret) if isinstance(secret, str) and secret else None,
            raw={k: v for k, v in attributes.items() if k != "secretKey"},
        )
