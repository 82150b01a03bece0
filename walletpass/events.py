"""Pass events: what happens to a pass after it is issued, in one neutral shape.

Vendors push events (a pass installed in a wallet, removed, scanned, redeemed...) as signed
webhooks, each in its own shape and with its own signing secret. A provider that receives them
turns a delivery into :class:`PassEvent` objects with :meth:`walletpass.Provider.parse_events`,
after verifying it (:mod:`walletpass.webhooks`); the vendor's own event stays in ``raw``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field, SecretStr, field_validator

from walletpass.event_types import PassEventType
from walletpass.model import NeutralModel
from walletpass.redaction import register_secret

__all__ = ["EventSubscription", "PassEvent", "PassEventType"]


class PassEvent(NeutralModel):
    """One thing that happened to one pass, as a vendor reported it.

    ``pass_id`` is in the form walletpass's API accepts (``wallet.get(event.pass_id)`` works);
    ``template`` is the logical template name where configuration maps the vendor's template;
    ``occurred_at`` is when the vendor says it happened (timezone-aware); ``vendor_event`` is the
    vendor's own event name and ``raw`` the vendor's event as delivered.
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    type: PassEventType
    provider: str
    pass_id: str | None = None
    external_id: str | None = None
    template: str | None = None
    occurred_at: datetime | None = None
    #: The vendor's id of this delivery/event, where it gives one (for de-duplication).
    event_id: str | None = None
    vendor_event: str
    #: Verified against the vendor's signature (False only when verification was turned off).
    verified: bool = True
    meta: dict[str, Any] = Field(default_factory=dict)
    raw: Any = None


class EventSubscription(NeutralModel):
    """A webhook subscription at the vendor: where events go and which ones.

    ``secret`` is the signing secret to pass to ``parse_events`` (a ``SecretStr``: never shown in
    reprs or logs; ``secret.get_secret_value()`` to store it). It is present only in the answers
    that reveal it (creation, rotation).
    """

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    id: str
    provider: str
    url: str
    events: tuple[PassEventType, ...] = ()
    vendor_events: tuple[str, ...] = ()
    enabled: bool = True
    secret: SecretStr | None = None
    raw: Any = None

    @field_validator("secret")
    @classmethod
    def _masked_everywhere(cls, value: SecretStr | None) -> SecretStr | None:
        # SecretStr hides it in this model's reprs only: registered, it is masked wherever
        # else it is quoted (a vendor's error echoing it, a log line), as the API key is.
        if value is not None:
            register_secret(value.get_secret_value())
        return value
