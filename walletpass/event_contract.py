"""The provider contract for pass events: receiving webhooks and managing subscriptions.

:class:`EventOperations` is mixed into :class:`walletpass.Provider`. The public methods
(``parse_events``, ``subscribe_events``, ``list_event_subscriptions``, ``rotate_event_secret``,
``delete_event_subscription``) run the checks every provider shares: the declaration, the
subscription URL's scheme, the signature (through the provider's ``verify_event_delivery`` hook,
which uses :mod:`walletpass.webhooks`), the replay window, and the translation of events into the
application's terms. Providers implement the hooks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from pydantic import SecretStr

from walletpass.capabilities import Capability
from walletpass.errors import (
    FieldProblem,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
    WalletPassWarning,
    WebhookError,
)
from walletpass.event_types import PassEventType
from walletpass.redaction import register_secret
from walletpass.webhooks import (
    DEFAULT_TOLERANCE,
    MAX_WEBHOOK_BYTES,
    check_fresh,
    check_tolerance,
    lower_headers,
    read_json,
)

_T = TypeVar("_T")

if TYPE_CHECKING:
    from walletpass.events import EventSubscription, PassEvent
    from walletpass.plans import Plan
    from walletpass.roundtrip import TemplateMapping

__all__ = [
    "EventGap",
    "EventOperations",
    "UnverifiedWebhookWarning",
    "check_subscription_url",
    "subscription_url_problem",
]


class UnverifiedWebhookWarning(WalletPassWarning):
    """Events were parsed from a delivery whose signature was not checked (``verify=False``)."""


#: What reading a payload of the wrong shape raises (a list where a mapping was documented, a
#: missing key, a number where text was): the delivery is unreadable, not the hook broken.
_WRONG_SHAPE = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)


def check_subscription_url(url: Any) -> str:
    """``url`` if it is an HTTPS address (plain HTTP only to this machine, for tests).

    Read by :func:`walletpass.urls.parse_url`, the parser walletpass connects with, so what is
    judged loopback here is where a connection to it would go; the canonical form is returned.

    Raises:
        ValidationError: (``url``) not an absolute http(s) URL that parser accepts (no
            credentials, backslashes, spaces or control characters), or plain HTTP to a host
            other than loopback.
    """
    from walletpass.urls import parse_url  # with the first subscription, not at import

    problem = subscription_url_problem(url)
    if problem is not None:
        raise ValidationError.from_problems([FieldProblem("url", problem)])
    return parse_url(url).url


def subscription_url_problem(url: Any) -> str | None:
    """Why ``url`` cannot receive webhook deliveries, or ``None``: the rule of
    :func:`check_subscription_url` as a problem text, for a provider's own webhook operation
    and for its emulator (which refuses what the provider refuses).

    :param url: the address as given (or as an emulator received it).
    :returns: ``None`` for an https:// URL (or plain http:// to loopback), else why not.
    """
    from walletpass.urls import UrlError, parse_url, require_https

    try:
        require_https(parse_url(url))
    except UrlError as exc:
        return str(exc)
    return None


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


class EventGap(NamedTuple):
    """A subscription operation a vendor with a subscription API does not offer.

    :ivar why: what the vendor lacks, in its documentation's terms (the error's message).
    :ivar alternative: what to call instead (``UnsupportedOperation.alternative``).
    """

    why: str
    alternative: str


class EventOperations:
    """Pass-event operations every provider has; NONE unless the provider declares them."""

    #: Subscription operations (``rotate_event_secret``, ``delete_event_subscription``...) the
    #: vendor does not offer although it declares ``events.subscribe``, each with why and what
    #: to call instead: refused with ``UnsupportedOperation`` before anything is sent.
    event_gaps: ClassVar[Mapping[str, EventGap]] = {}

    #: The neutral event types the vendor delivers, in the vendor's documented order: what
    #: ``subscribe_events`` may ask for (all of them by default), and the only events the fake
    #: wearing this vendor's profile hands its in-process handlers. Empty: none.
    event_types: ClassVar[tuple[PassEventType, ...]] = ()

    if TYPE_CHECKING:
        name: ClassVar[str]

        def require(self, operation: Capability | str) -> None: ...

        def mapping_for_vendor_template(self, vendor_template: str | None) -> TemplateMapping: ...

        def _check_id(self, pass_id: Any) -> str: ...

        def _guard(self, operation: str) -> AbstractContextManager[None]: ...

        def run(self, plan: Plan[_T]) -> _T: ...

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
                (``None``: no freshness check; at most a year).

        Returns:
            One ``PassEvent`` per vendor event, in delivery order, in the application's terms;
            each ``pass_id`` passes the same check as an id given to ``get()``.

        Raises:
            UnsupportedOperation: the provider's vendor has no webhooks.
            ValidationError: (``tolerance``) not a finite number of seconds above 0 and at most
                a year: the caller's mistake, raised before the delivery is looked at.
            WebhookError: a missing or wrong signature, a stale delivery, an unreadable body
                (including a pass id walletpass's API would refuse), or a vendor whose signing
                scheme is unpublished while ``verify`` is true (``reason`` says which); nothing
                else comes from the delivery.
        """
        with self._guard("parse_events"):
            # Masked wherever it is printed from now on, as the API key is (a receiver's
            # secret function's result comes here too, on each delivery).
            register_secret(secret)
            self.require(Capability.EVENTS_RECEIVE)
            window = check_tolerance(tolerance)
            try:
                return self._parse_delivery(headers, body, secret, verify=verify, window=window)
            except WebhookError:
                raise
            except (WalletPassError, *_WRONG_SHAPE) as exc:
                # What a payload of the wrong shape raises in a hook that reads it as documented.
                raise WebhookError(
                    f"{self.name} delivery not understood: {type(exc).__name__}",
                    reason="unreadable",
                ) from None

    def _parse_delivery(
        self, headers: Any, body: Any, secret: Any, *, verify: bool, window: float | None
    ) -> list[PassEvent]:
        lowered = lower_headers(headers)
        raw_body = bytes(body) if isinstance(body, bytes | bytearray | memoryview) else body
        if not isinstance(raw_body, bytes):
            raise WebhookError("the delivery body must be the raw bytes received")
        if len(raw_body) > MAX_WEBHOOK_BYTES:
            # Before the signature: hashing an oversized body is work a forger could make us do.
            raise WebhookError(
                f"the delivery body is {len(raw_body)} bytes, more than {MAX_WEBHOOK_BYTES} "
                "(a pass event is a few kilobytes)"
            )
        if verify:
            self.verify_event_delivery(lowered, raw_body, secret)
        else:
            warnings.warn(
                f"{self.name} events parsed without verifying the delivery's signature",
                UnverifiedWebhookWarning,
                stacklevel=4,
            )
        payload = read_json(raw_body)
        events = self.events_from_delivery(lowered, payload)
        if verify:
            for event in events:
                check_fresh(event.occurred_at, tolerance=window)
        return [self._event_in_app_terms(e, verified=verify) for e in events]

    def _event_in_app_terms(self, event: PassEvent, *, verified: bool) -> PassEvent:
        if event.pass_id is not None:
            try:
                self._check_id(event.pass_id)
            except ValidationError:
                # The event promises an id the API accepts: one it would refuse is no pass of
                # this account, whoever signed it.
                raise WebhookError(
                    f"{self.name} delivery names a pass id walletpass's API would refuse",
                    reason="unreadable",
                ) from None
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

        :param headers: the delivery's headers, names in lower case.
        :param body: the raw body, exactly as received.
        :param secret: the subscription's signing secret, as the caller gave it.
        :returns: ``None`` when the delivery is authentic.
        :raises WebhookVerificationError: a missing or wrong signature.
        :raises WebhookError: the vendor publishes no way to verify (default,
            ``reason="unverifiable"``).
        """
        raise WebhookError(
            f"{self.name} publishes no way to verify webhook deliveries; pass verify=False to "
            "accept them unverified (with a warning), only behind your own authentication",
            reason="unverifiable",
        )

    def events_from_delivery(self, headers: Mapping[str, str], payload: Any) -> list[PassEvent]:
        """Hook: the vendor's delivery payload as ``PassEvent``s (vendor template ids).

        :param headers: the delivery's headers, names in lower case.
        :param payload: the parsed JSON body (already verified).
        :returns: one ``PassEvent`` per vendor event, in delivery order; the core checks each
            pass id and timestamp and maps templates to logical names.
        :raises WebhookError: a payload not in the vendor's shape (``reason="unreadable"``;
            a ``KeyError`` or ``TypeError`` raised here is reported the same way).
        """
        raise WebhookError(f"{self.name} does not read webhook deliveries", reason="unreadable")

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe_events(
        self, url: str, events: Iterable[PassEventType | str] | None = None
    ) -> EventSubscription:
        """Ask the vendor to POST events to ``url``; ``events`` limits which (default: all).

        Returns:
            The subscription, with its signing ``secret`` (keep it: ``parse_events`` needs it).

        Raises:
            UnsupportedOperation: the vendor has no subscription API, or delivers no event of a
                type asked for (``event_types`` lists those it does); nothing is sent.
            ValidationError: a URL that is not https:// (plain http:// only to loopback), or an
                unknown event type; nothing is sent.
            WalletPassError: the vendor's refusal, as for every call.
        """
        with self._guard("subscribe_events"):
            checked, chosen = self._checked_subscription(url, events)
            return self.execute_subscribe_events(checked, chosen)

    def _checked_subscription(self, url: Any, events: Any) -> tuple[str, tuple[PassEventType, ...]]:
        """Every check of ``subscribe_events`` (both APIs run it): the canonical URL and the
        event types to ask for."""
        self.require(Capability.EVENTS_SUBSCRIBE)
        checked = check_subscription_url(url)
        chosen = _event_types(events) or self.event_types
        missing = [e.value for e in chosen if e not in self.event_types]
        if missing or not chosen:
            offered = ", ".join(e.value for e in self.event_types) or "none"
            raise UnsupportedOperation(
                f"{self.name} delivers no webhook event for {', '.join(missing) or 'any type'}"
                f"; its events: {offered}",
                operation="subscribe_events",
                alternative=f"subscribe to some of: {offered}",
            )
        return checked, chosen

    def list_event_subscriptions(self) -> list[EventSubscription]:
        """Every webhook subscription of the account (secrets are not revealed here)."""
        with self._guard("list_event_subscriptions"):
            self._require_subscriptions("list_event_subscriptions")
            return self.execute_list_event_subscriptions()

    def rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        """A new signing secret for a subscription (the vendor may retire the old one at once)."""
        with self._guard("rotate_event_secret"):
            self._require_subscriptions("rotate_event_secret")
            return self.execute_rotate_event_secret(self._check_id(subscription_id))

    def delete_event_subscription(self, subscription_id: str) -> None:
        """Stop deliveries to a subscription."""
        with self._guard("delete_event_subscription"):
            self._require_subscriptions("delete_event_subscription")
            self.execute_delete_event_subscription(self._check_id(subscription_id))

    def execute_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> EventSubscription:
        """Run :meth:`plan_subscribe_events` (the version 1 hook: override that instead).

        :param url: the checked, canonical HTTPS (or loopback) URL.
        :param events: the event types, never empty.
        :returns: the new ``EventSubscription``.
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_subscribe_events(url, events))

    def execute_list_event_subscriptions(self) -> list[EventSubscription]:
        """Run :meth:`plan_list_event_subscriptions` (the version 1 hook: override that
        instead).

        :returns: the subscriptions (no secrets).
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_list_event_subscriptions())

    def execute_rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        """Run :meth:`plan_rotate_event_secret` (the version 1 hook: override that instead).

        :param subscription_id: the checked subscription id.
        :returns: the subscription with its new ``secret``.
        :raises WalletPassError: what the plan raises.
        """
        return self.run(self.plan_rotate_event_secret(subscription_id))

    def execute_delete_event_subscription(self, subscription_id: str) -> None:
        """Run :meth:`plan_delete_event_subscription` (the version 1 hook: override that
        instead).

        :param subscription_id: the checked subscription id.
        :returns: ``None``.
        :raises WalletPassError: what the plan raises.
        """
        self.run(self.plan_delete_event_subscription(subscription_id))

    def plan_subscribe_events(
        self, url: str, events: tuple[PassEventType, ...]
    ) -> Plan[EventSubscription]:
        """Hook: the plan (:mod:`walletpass.plans`) that asks the vendor to deliver ``events``
        to ``url``.

        :param url: the checked, canonical HTTPS (or loopback) URL.
        :param events: the event types, never empty, each one of :attr:`event_types`.
        :returns: a plan whose result is the new ``EventSubscription``, with its signing
            ``secret``.
        :raises WalletPassError: the vendor's refusal, mapped like every answer.
        """
        raise self._no_event_hook("subscribe_events")

    def plan_list_event_subscriptions(self) -> Plan[list[EventSubscription]]:
        """Hook: the plan that lists every subscription of the account, following the
        vendor's pages.

        :returns: a plan whose result is the subscriptions (no secrets).
        :raises WalletPassError: the vendor's refusal, mapped like every answer.
        """
        raise self._no_event_hook("list_event_subscriptions")

    def plan_rotate_event_secret(self, subscription_id: str) -> Plan[EventSubscription]:
        """Hook: the plan that gets a new signing secret for a subscription.

        :param subscription_id: the checked subscription id.
        :returns: a plan whose result is the subscription with its new ``secret``.
        :raises WalletPassError: the vendor's refusal (``NotFound``...).
        """
        raise self._no_event_hook("rotate_event_secret")

    def plan_delete_event_subscription(self, subscription_id: str) -> Plan[None]:
        """Hook: the plan that stops deliveries to a subscription.

        :param subscription_id: the checked subscription id.
        :returns: a plan whose result is ``None``.
        :raises WalletPassError: the vendor's refusal (``NotFound``...).
        """
        raise self._no_event_hook("delete_event_subscription")

    def _require_subscriptions(self, operation: str) -> None:
        """Refuse ``operation`` unless ``events.subscribe`` is declared and it is no gap."""
        self.require(Capability.EVENTS_SUBSCRIBE)
        gap = self.event_gaps.get(operation)
        if gap is not None:
            raise UnsupportedOperation(
                gap.why, provider=self.name, operation=operation, alternative=gap.alternative
            )

    def _no_event_hook(self, operation: str) -> UnsupportedOperation:
        return UnsupportedOperation(
            f"{self.name} does not support {operation}",
            provider=self.name,
            operation=operation,
        )
