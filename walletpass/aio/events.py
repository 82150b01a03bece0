"""Pass events on the async API: the sync provider's event operations, awaited.

The subscription operations run the checks :class:`walletpass.event_contract.EventOperations`
runs (the declaration, the URL rule, the event types, the vendor's gaps, the id) and drive the
provider's own ``plan_<op>`` hooks on the event loop, so no vendor code is written twice. A
provider that overrides the sync-only ``execute_<op>`` hook (version 1 of the contract) runs it
in a worker thread; the in-process fake runs on the loop. ``parse_events`` sends nothing, so it
is a plain method here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import SecretStr

from walletpass.events import EventSubscription, PassEvent, PassEventType
from walletpass.webhooks import DEFAULT_TOLERANCE

if TYPE_CHECKING:
    from walletpass.plans import Plan
    from walletpass.provider import Provider

__all__ = ["AsyncEventOperations"]

_T = TypeVar("_T")


class AsyncEventOperations:
    """The event operations of :class:`walletpass.aio.AsyncProvider` (mixed into it)."""

    if TYPE_CHECKING:
        sync: Provider[Any]
        _in_process: bool

        async def _drive(self, plan: Plan[_T]) -> _T: ...

        async def _in_thread(self, call: Callable[..., _T], *args: Any) -> _T: ...

    def parse_events(
        self,
        headers: Mapping[str, Any] | Iterable[tuple[str, Any]],
        body: bytes,
        *,
        secret: str | bytes | SecretStr | None = None,
        verify: bool = True,
        tolerance: float | None = DEFAULT_TOLERANCE,
    ) -> list[PassEvent]:
        """The events in one webhook delivery, verified first:
        :meth:`walletpass.Provider.parse_events` itself (the same arguments, result and errors).
        It sends nothing and waits for nothing, so it is called without ``await``."""
        return self.sync.parse_events(
            headers, body, secret=secret, verify=verify, tolerance=tolerance
        )

    async def subscribe_events(
        self, url: str, events: Iterable[PassEventType | str] | None = None
    ) -> EventSubscription:
        """Ask the vendor to POST events to ``url``:
        :meth:`walletpass.Provider.subscribe_events`, awaited (the same arguments, result and
        errors; every check before anything is sent)."""
        sync = self.sync
        if self._in_process:
            return sync.subscribe_events(url, events)
        with sync._guard("subscribe_events"):
            checked, chosen = sync._checked_subscription(url, events)
            if self._sync_only("execute_subscribe_events"):
                return await self._in_thread(sync.execute_subscribe_events, checked, chosen)
            return await self._drive(sync.plan_subscribe_events(checked, chosen))

    async def list_event_subscriptions(self) -> list[EventSubscription]:
        """Every webhook subscription of the account:
        :meth:`walletpass.Provider.list_event_subscriptions`, awaited."""
        sync = self.sync
        if self._in_process:
            return sync.list_event_subscriptions()
        with sync._guard("list_event_subscriptions"):
            sync._require_subscriptions("list_event_subscriptions")
            if self._sync_only("execute_list_event_subscriptions"):
                return await self._in_thread(sync.execute_list_event_subscriptions)
            return await self._drive(sync.plan_list_event_subscriptions())

    async def rotate_event_secret(self, subscription_id: str) -> EventSubscription:
        """A new signing secret for a subscription:
        :meth:`walletpass.Provider.rotate_event_secret`, awaited."""
        sync = self.sync
        if self._in_process:
            return sync.rotate_event_secret(subscription_id)
        with sync._guard("rotate_event_secret"):
            sync._require_subscriptions("rotate_event_secret")
            checked = sync._check_id(subscription_id)
            if self._sync_only("execute_rotate_event_secret"):
                return await self._in_thread(sync.execute_rotate_event_secret, checked)
            return await self._drive(sync.plan_rotate_event_secret(checked))

    async def delete_event_subscription(self, subscription_id: str) -> None:
        """Stop deliveries to a subscription:
        :meth:`walletpass.Provider.delete_event_subscription`, awaited."""
        sync = self.sync
        if self._in_process:
            sync.delete_event_subscription(subscription_id)
            return
        with sync._guard("delete_event_subscription"):
            sync._require_subscriptions("delete_event_subscription")
            checked = sync._check_id(subscription_id)
            if self._sync_only("execute_delete_event_subscription"):
                await self._in_thread(sync.execute_delete_event_subscription, checked)
                return
            await self._drive(sync.plan_delete_event_subscription(checked))

    def _sync_only(self, hook: str) -> bool:
        """Whether the provider overrides ``hook``, a sync-only step of version 1 of the
        contract (it sends by itself): then it runs in a worker thread."""
        from walletpass.provider import Provider

        return getattr(type(self.sync), hook) is not getattr(Provider, hook)
