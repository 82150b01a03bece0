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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from walletpass import Provider
from walletpass.event_contract import EventGap
from walletpass.events import EventSubscription, PassEventType
from walletpass.provider import SettingsT
from walletpass_livepasses.records import Webhook

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

    if TYPE_CHECKING:  # the vendor-only webhook operations (walletpass_livepasses.operations)

        def create_webhook(self, url: str, events: Sequence[str]) -> Webhook: ...

        def list_webhooks(self) -> list[Webhook]: ...

        def delete_webhook(self, webhook_id: str) -> None: ...

    def execute_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> EventSubscription:
        return self._subscription(self.create_webhook(url, [EVENT_NAMES[e] for e in events]))

    def execute_list_event_subscriptions(self) -> list[EventSubscription]:
        return [self._subscription(hook) for hook in self.list_webhooks()]

    def execute_delete_event_subscription(self, subscription_id: str) -> None:
        self.delete_webhook(subscription_id)

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
