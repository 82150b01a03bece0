"""Webhook subscriptions: register, list, delete (vendor notes 3.10).

Events outside the server version's allow-list are a 400. Deliveries are not sent (their payload
and signature are undocumented): the events that would fire are recorded in the store's
``events``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from walletpass.event_contract import subscription_url_problem
from walletpass.testing.emulator import EmulatorRequest, EmulatorResponse, route
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import Resource, invalid
from walletpass_livepasses.emulator.state import new_id, refused

__all__ = ["Webhooks"]


class Webhooks(Resource):
    """``/api/webhooks``: subscriptions, each answered once with its secret."""

    def _webhook_view(self, hook: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in hook.items() if k != "secret"}

    @route("POST", "/api/webhooks")
    def create_webhook(self, request: EmulatorRequest) -> EmulatorResponse:
        body = self.body(request, limits.WEBHOOK_CREATE)
        problems = []
        # Inferred, as the provider's check (Livepasses states no scheme rule; its example is
        # https://): the emulator refuses what the provider refuses.
        if (problem := subscription_url_problem(body["url"])) is not None:
            problems.append(("url", problem))
        if not body["events"]:
            problems.append(("events", "must name at least one event"))
        for index, event in enumerate(body["events"]):
            if event not in self.store.webhook_events:
                problems.append((f"events[{index}]", f"'{event}' is not a supported event"))
        if problems:
            raise invalid(problems)
        hook = {
            "id": new_id("wh-"),
            "url": body["url"],
            "events": list(body["events"]),
            "isActive": True,
            "createdAt": self.store.now(),
            "secret": "whsec_" + secrets.token_hex(24),
        }
        self.store.webhooks[hook["id"]] = hook
        return self.ok(dict(hook), 201, "Created")

    @route("GET", "/api/webhooks")
    def list_webhooks(self, request: EmulatorRequest) -> EmulatorResponse:
        return self.ok([self._webhook_view(h) for h in self.store.webhooks.values()])

    @route("DELETE", "/api/webhooks/{webhookId}")
    def delete_webhook(self, request: EmulatorRequest) -> EmulatorResponse:
        if self.store.webhooks.pop(request.params["webhookId"], None) is None:
            raise refused(404, "NOT_FOUND", "The webhook was not found.")
        return self.ok(None, message="Deleted")
