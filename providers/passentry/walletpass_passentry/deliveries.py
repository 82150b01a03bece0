"""PassEntry webhook deliveries as PassEntry sends them, built in one place.

The emulator delivers these, and an application's tests post them to its own receiver (one
mounted on ``connect("fake", profile="passentry")`` verifies and reads them exactly as the
PassEntry provider does). Documented (Webhooks guide): the JSON:API document (``data.id``,
``data.attributes.webhookType`` and ``timeStamp`` in ISO 8601 UTC, ``data.relationships.pass``,
the pass in ``included``; ``passScanned`` adds ``scan`` and ``reader``) and HMAC-SHA256 keyed by
the subscription's ``secretKey`` in ``X-Webhook-Signature``. *Inferred*: the signature is the
hex digest of the exact body bytes (the encoding is not published; the provider accepts hex or
base64), and the included pass carries the pass resource's attributes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from walletpass.timestamps import format_timestamp
from walletpass_passentry.events import SIGNATURE_HEADER
from walletpass_passentry.limits import TIMESTAMPS

__all__ = ["delivery_payload", "signed_delivery"]


def delivery_payload(
    webhook_type: str,
    pass_id: str,
    *,
    pass_attributes: Mapping[str, Any] | None = None,
    related: Iterable[Mapping[str, Any]] = (),
    when: datetime | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """One delivery's JSON document.

    Args:
        webhook_type: ``passCreated``, ``passInstalled``, ``passRemoved`` or ``passScanned``.
        pass_id: the pass's id (its UUID at PassEntry; a fake's ``fp_...`` id on a profile).
        pass_attributes: the included pass's attributes (``extId``, ``passTemplateUuid``,
            ``status``...); the pass resource as a read would show it.
        related: further included resources (``{"id", "type": "scan" | "reader",
            "attributes"}`` for a scan).
        when: the event's time (aware; default now), written as PassEntry writes timestamps.
        event_id: ``data.id`` (default a new UUID).
    """
    return {
        "data": {
            "id": event_id or str(uuid.uuid4()),
            "type": "webhook",
            "attributes": {
                "timeStamp": format_timestamp(when or datetime.now(UTC), TIMESTAMPS),
                "webhookType": webhook_type,
            },
            "relationships": {"pass": {"data": {"id": pass_id, "type": "pass"}}},
        },
        "included": [
            {"id": pass_id, "type": "pass", "attributes": dict(pass_attributes or {})},
            *(dict(item) for item in related),
        ],
    }


def signed_delivery(payload: Any, secret: str | bytes) -> tuple[dict[str, str], bytes]:
    """The headers and body of a POST carrying ``payload``, signed with ``secret``.

    Returns:
        ``({"Content-Type": "application/json", "X-Webhook-Signature": hex}, body)``: post
        both unchanged (the signature covers these exact bytes).
    """
    body = json.dumps(payload, separators=(",", ":")).encode()
    key = secret.encode() if isinstance(secret, str) else secret
    signature = hmac.new(key, body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", SIGNATURE_HEADER: signature}, body
