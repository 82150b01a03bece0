"""Livepasses webhooks through the neutral subscription API.

Documented (official SDK 0.3.0, ``webhooks``): ``POST /api/webhooks`` with ``{url, events}``
answers the webhook with its ``secret``; ``GET /api/webhooks`` lists them; ``DELETE
/api/webhooks/{id}`` removes one; the event allow-list (``pass.generated``, ``pass.installed``,
``pass.removed``, ``pass.redeemed``, ``pass.updated``, ``pass.cancelled``, ``pass.expired``, ...).

Not published anywhere found: how deliveries are signed (header, algorithm, signed bytes,
encoding) and what a delivery contains. So this provider does **not** receive events
(``events.receive`` is NONE): parsing an unverifiable payload of guessed shape would present
unchecked data as verified. Secret rotation is not documented either (delete and subscribe
again). The vendor's unreleased changelog says ``pass.expired`` subscriptions are refused with
400, while 0.3.0 allows them: ``expired`` is sent as documented in 0.3.0, and a refusal surfaces
as the vendor's error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from walletpass import Provider
from walletpass.event_contract import EventGap
from walletpass.events import EventSubscription, PassEventType
from walletpass.plans import Plan, Send
from walletpass.provider import SettingsT
from walletpass.transport import VendorRequest
from walletpass_livepasses import payloads
from walletpass_livepasses.records import Webhook

_T = TypeVar("_T")

__all__ = ["EVENT_NAMES", "LivepassesEvents"]

#: Neutral event type -> the Livepasses event that means it (SDK 0.3.0 allow-list).
EVENT_NAMES: Mapping[PassEventType, str] = {
    PassEventType.ISSUED: "pass.generated",
    PassEventType.INSTALLED: "pass.installed",
    PassEventType.REMOVED: "pass.removed",
    PassEventType.REDEEMED: "pass.redeemed",
    PassEventType.UPDATED: "pass.updated",
    PassEventType.VOIDED: "pass.cancelled",
    PassEventType.EXPIRED: "pass.expired",
}
_NEUTRAL = {name: neutral for neutral, name in EVENT_NAMES.items()}


class LivepassesEvents(Provider[SettingsT]):
    """The subscription half of the Livepasses provider (mixed into ``LivepassesProvider``)."""

    event_types = tuple(EVENT_NAMES)
    event_gaps: ClassVar[Mapping[str, EventGap]] = {
        "rotate_event_secret": EventGap(
            "Livepasses documents no secret rotation: delete_event_subscription() and "
            "subscribe_events() again for a new secret",
            alternative="delete_event_subscription() then subscribe_events()",
        )
    }

    if TYPE_CHECKING:  # the webhook requests (walletpass_livepasses.operations)

        def build_create_webhook(self, url: str, events: Sequence[str]) -> VendorRequest: ...

        def build_list_webhooks(self) -> VendorRequest: ...

        def build_delete_webhook(self, webhook_id: str) -> VendorRequest: ...

        def _plan_fetch(
            self, request: VendorRequest, operation: str, convert: Callable[[Any], _T]
        ) -> Plan[_T]: ...

    def plan_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> Plan[EventSubscription]:
        request = self.build_create_webhook(url, [EVENT_NAMES[e] for e in events])
        return self._plan_subscribed(request)

    def _plan_subscribed(self, request: VendorRequest) -> Plan[EventSubscription]:
        hook = yield from self._plan_fetch(request, "subscribe_events", payloads.webhook_from)
        return self._subscription(hook)

    def plan_list_event_subscriptions(self) -> Plan[list[EventSubscription]]:
        hooks = yield from self._plan_fetch(
            self.build_list_webhooks(), "list_event_subscriptions", payloads.webhooks_from
        )
        return [self._subscription(hook) for hook in hooks]

    def plan_delete_event_subscription(self, subscription_id: str) -> Plan[None]:
        request = self.build_delete_webhook(subscription_id)

        def delete() -> Plan[None]:
            yield Send(request, "delete_event_subscription")

        return delete()

    def _subscription(self, hook: Webhook) -> EventSubscription:
        return EventSubscription(
            id=hook.id,
            provider=self.name,
            url=hook.url,
            events=tuple(_NEUTRAL[e] for e in hook.events if e in _NEUTRAL),
            vendor_events=hook.events,
            enabled=hook.is_active,
            secret=hook.secret,
            raw={"id": hook.id, "url": hook.url, "events": list(hook.events)},
        )
