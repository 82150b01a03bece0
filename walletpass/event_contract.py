"""The provider contract for pass events: receiving webhooks and managing subscriptions.

:class:`EventOperations` is mixed into :class:`walletpass.Provider`. The public methods
(``parse_events``, ``subscribe_events``, ``list_event_subscriptions``, ``rotate_event_secret``,
``delete_event_subscription``) run the checks every provider shares: the declaration, the
subscription URL's scheme, the signature (through the provider's ``verify_event_delivery`` hook,
which uses :mod:`walletpass.webhooks`), the replay window, and the translation of events into the
application's terms. Providers implement the hooks.
"""

from __future__ import annotations

import ipaddress
import warnings
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import SecretStr

from walletpass.capabilities import Capability
from walletpass.errors import (
    FieldProblem,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
    WebhookError,
)
from walletpass.events import EventSubscription, PassEvent, PassEventType
from walletpass.webhooks import DEFAULT_TOLERANCE, check_fresh, lower_headers, read_json

if TYPE_CHECKING:
    from walletpass.roundtrip import TemplateMapping

__all__ = ["EventOperations", "UnverifiedWebhookWarning", "check_subscription_url"]


class UnverifiedWebhookWarning(UserWarning):
    """Events were parsed from a delivery whose signature was not checked (``verify=False``)."""


_LOOPBACK_NAMES = frozenset({"localhost"})


def check_subscription_url(url: Any) -> str:
    """``url`` if it is an HTTPS address (plain HTTP only to this machine, for tests).

    Raises:
        ValidationError: (``url``) not an absolute URL, another scheme, credentials or
            backslashes in it, or plain HTTP to a host other than loopback.
    """
    problem = None
    if not isinstance(url, str) or not url or len(url) > 2048:
        problem = "must be an https:// URL"
    elif "\\" in url or any(c.isspace() or ord(c) < 32 for c in url):
        problem = "must not contain backslashes, spaces or control characters"
    else:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.username is not None or parts.password is not None:
            problem = "must not carry credentials (user:password@)"
        elif not host:
            problem = "must be an absolute URL with a host"
        elif parts.scheme == "http" and not _is_loopback(host):
            problem = "must use https:// (plain http:// only to this machine, for tests)"
        elif parts.scheme not in ("http", "https"):
            problem = "must be an https:// URL"
    if problem:
        raise ValidationError.from_problems([FieldProblem("url", problem)])
    return str(url)


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _event_types(events: Iterable[PassEventType | str] | None) -> tuple[PassEventType, ...]:
    if events is None:
        return ()
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise ValidationError.from_problems(
            [FieldProblem("events", "must be a list of event types, e.g. ['installed']")]
        )
    chosen: list[PassEventType] = []
    problems = []
    for item in events:
        try:
            kind = PassEventType(item)
        except ValueError:
            valid = ", ".join(t.value for t in PassEventType if t is not PassEventType.OTHER)
            problems.append(
                FieldProblem("events", f"{item!r} is not an event type; valid: {valid}")
            )
            continue
        if kind not in chosen:
            chosen.append(kind)
    if problems:
        raise ValidationError.from_problems(problems)
    return tuple(chosen)


class EventOperations:
    """Pass-event operations every provider has; NONE unless the provider declares them."""

    if TYPE_CHECKING:
        name: ClassVar[str]

        def require(self, operation: Capability | str) -> None: ...

        def mapping_for_vendor_template(self, vendor_template: str | None) -> TemplateMapping: ...

        def _check_id(self, pass_id: Any) -> str: ...

        def _guard(self, operation: str) -> AbstractContextManager[None]: ...

    # -- receiving ---------------------------------------------------------------------------

    def parse_events(
        self,
        headers: Mapping[str, Any] | Iterable[tuple[str, Any]],
        body: bytes,
        *,
        secret: str | bytes | SecretStr | None = None,
        verify: bool = True,
        tolerance: float | None = DEFAULT_TOLERANCE,
    ) -> list[PassEvent]:
        """The events in one webhook delivery, verified first.

        Args:
            headers: the delivery's HTTP headers (any case).
            body: the raw request body, exactly as received (the signature covers these bytes).
            secret: the subscription's signing secret (``EventSubscription.secret``).
            verify: ``False`` skips the signature check, with an ``UnverifiedWebhookWarning``
                and ``PassEvent.verified`` false: only for vendors or set-ups that cannot sign.
            tolerance: the replay window in seconds, checked against the payload's timestamp
                (``None``: no freshness check).

        Returns:
            One ``PassEvent`` per vendor event, in delivery order, in the application's terms.

        Raises:
            UnsupportedOperation: the provider's vendor has no webhooks.
            WebhookError: a missing or wrong signature, a stale delivery, an unreadable body,
                or a vendor whose signing scheme is unpublished while ``verify`` is true
                (``reason`` says which); nothing else escapes.
        """
        with self._guard("parse_events"):
            self.require(Capability.EVENTS_RECEIVE)
        try:
            if tolerance is not None and (
                isinstance(tolerance, bool)
                or not isinstance(tolerance, int | float)
                or not tolerance > 0
            ):
                raise WebhookError("tolerance must be a positive number of seconds")
            lowered = lower_headers(headers)
            raw_body = bytes(body) if isinstance(body, bytes | bytearray | memoryview) else body
            if not isinstance(raw_body, bytes):
                raise WebhookError("the delivery body must be the raw bytes received")
            if verify:
                self.verify_event_delivery(lowered, raw_body, secret)
            else:
                warnings.warn(
                    f"{self.name} events parsed without verifying the delivery's signature",
                    UnverifiedWebhookWarning,
                    stacklevel=2,
                )
            payload = read_json(raw_body)
            events = self.events_from_delivery(lowered, payload)
            if verify:
                for event in events:
                    check_fresh(event.occurred_at, tolerance=tolerance)
            return [self._event_in_app_terms(e, verified=verify) for e in events]
        except WebhookError as exc:
            exc.with_context(provider=self.name, operation="parse_events")
            raise
        except (WalletPassError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WebhookError(
                f"{self.name} delivery not understood: {type(exc).__name__}",
                reason="unreadable",
                provider=self.name,
                operation="parse_events",
            ) from None
        except RecursionError:
            raise WebhookError(
                f"{self.name} delivery nested too deeply",
                reason="unreadable",
                provider=self.name,
                operation="parse_events",
            ) from None

    def _event_in_app_terms(self, event: PassEvent, *, verified: bool) -> PassEvent:
        update: dict[str, Any] = {"verified": verified}
        mapping = self.mapping_for_vendor_template(event.template)
        if mapping.logical is not None:
            update["template"] = mapping.logical
            update["meta"] = {**event.meta, "vendor_template": event.template}
        return event.model_copy(update=update)

    def verify_event_delivery(
        self, headers: Mapping[str, str], body: bytes, secret: str | bytes | SecretStr | None
    ) -> None:
        """Hook: raise ``WebhookVerificationError`` unless the delivery is authentic.

        Use :func:`walletpass.webhooks.verify_hmac_sha256` and friends; the default refuses,
        because a provider that cannot verify must say so rather than accept anything.
        """
        raise WebhookError(
            f"{self.name} publishes no way to verify webhook deliveries; pass verify=False to "
            "accept them unverified (with a warning), only behind your own authentication",
            reason="unverifiable",
        )

    def events_from_delivery(self, headers: Mapping[str, str], payload: Any) -> list[PassEvent]:
        """Hook: the vendor's delivery payload as ``PassEvent``s (vendor template ids)."""
        raise WebhookError(f"{self.name} does not read webhook deliveries", reason="unreadable")

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe_events(
        self, url: str, events: Iterable[PassEventType | str] | None = None
    ) -> EventSubscription:
        """Ask the vendor to POST events to ``url``; ``events`` limits which (default: all).

        Returns:
            The subscription, with its signing ``secret`` (keep it: ``parse_events`` needs it).

        Raises:
            UnsupportedOperation: the vendor has no subscription API (or no such event).
            ValidationError: a URL that is not https:// (plain http:// only to loopback), or an
                unknown event type; nothing is sent.
            WalletPassError: the vendor's refusal, as for every call.
        """
        with self._guard("subscribe_events"):
            self.require(Capability.EVENTS_SUBSCRIBE)
            checked = check_subscription_url(url)
            return self.execute_subscribe_events(checked, _event_types(events))

    def list_event_subscriptions(self) -> list[EventSubscription]:
        """Every webhook subscription of the account (secrets are not revealed here)."""
        with self._guard("list_event_subscriptions"):
            self.require(Capability.EVENTS_SUBSCRIBE)
            return self.execute_list_event_subscriptions()

    def rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        """A new signing secret for a subscription (the vendor may retire the old one at once)."""
        with self._guard("rotate_event_secret"):
            self.require(Capability.EVENTS_SUBSCRIBE)
            return self.execute_rotate_event_secret(self._check_id(subscription_id))

    def delete_event_subscription(self, subscription_id: str) -> None:
        """Stop deliveries to a subscription."""
        with self._guard("delete_event_subscription"):
            self.require(Capability.EVENTS_SUBSCRIBE)
            self.execute_delete_event_subscription(self._check_id(subscription_id))

    def execute_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> EventSubscription:
        raise self._no_event_hook("subscribe_events")

    def execute_list_event_subscriptions(self) -> list[EventSubscription]:
        raise self._no_event_hook("list_event_subscriptions")

    def execute_rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        raise self._no_event_hook("rotate_event_secret")

    def execute_delete_event_subscription(self, subscription_id: str) -> None:
        raise self._no_event_hook("delete_event_subscription")

    def _no_event_hook(self, operation: str) -> UnsupportedOperation:
        return UnsupportedOperation(
            f"{self.name} does not support {operation}",
            provider=self.name,
            operation=operation,
        )
