"""A stateful emulator of the Livepasses API, served over real HTTP by walletpass's harness.

It reproduces what the official SDK (0.3.0) sends and expects: ``X-API-Key`` (401 without a valid
key, 403 for a read-only key writing), the ``{success, data | items + pagination, error}``
envelope, every documented route, 400 for any body field a request DTO does not declare (with the
per-field ``fields`` map) and for any query parameter the SDK does not send, 415 for a POST/PUT
whose DTO needs a body and gets none (the SDK sends ``{}`` to ``/stamp`` for that reason; routes
whose SDK call may send no body accept none), generation that is synchronous for small requests and
an asynchronous batch above ``async_threshold`` recipients (generated over time at ``batch_rate``
per second, polled through the batch status), per-recipient failures
(``MEMBERSHIP_NUMBER_CONFLICT``), the redemption state machine of each template type, loyalty
points and stamps with an anti-double-scan cooldown, gift card balances, membership visit quotas,
expiry through ``validUntil``, template activation, webhooks with their secret and the documented
event set, a quota, and 429 with an integer ``Retry-After``.

Where the SDK does not say (value sets, lengths, the response of some writes, which passes a
template push reaches) the emulator chooses, and ``docs/providers/livepasses.md`` lists those
choices; the provider never depends on them. Webhook deliveries are not sent (their payload and
signature are undocumented): the events that would fire are recorded in :attr:`events`.

``documented_only=True`` (``--option documented_only:=true``) serves the documented template
type alone (``EventTicket``, :data:`~walletpass_livepasses.limits.ATTESTED_TYPES`): the
defaults are ``tmpl-001`` only; seeding a template of another type raises ``ValueError``; a
template created with another type's block and a ``type`` filter naming another word are 400
``VALIDATION_ERROR`` saying the word is inferred. A test run in that mode passes on documented
facts alone.

Inferences it shares with the provider: the pass statuses ``Expired`` and ``Cancelled`` (only
``Active`` and ``Redeemed`` are attested), served and filtered by; the template type
names other than ``EventTicket`` (served as given, see
:class:`~walletpass_livepasses.emulator.state.EmulatedTemplate`), and
``updatedFields`` names beyond the ones the SDK shows (``memberTier``, ``points``, ``validUntil``,
``gate``), such as ``accountBalance`` and ``currency`` for a money balance: any camelCase name is
taken, since the updatable names are not published; other spellings are refused (400
``INVALID_FIELD_FORMAT``).

``LivepassesEmulator()`` with no arguments is what ``walletpass emulate livepasses`` serves: API key
:data:`DEFAULT_API_KEY` and the templates of :func:`default_templates`.

The app checks what every route shares (the key, the rate, read-only keys) and answers in the
vendor's error envelope; the routes live with their resource, each a module of this package over
the one :class:`~walletpass_livepasses.emulator.state.Store` of the account: generation and
batches (:mod:`.generation`), reading and updating passes (:mod:`.passes`), the redemption
verbs (:mod:`.redemptions`), templates (:mod:`.templates`) and webhooks (:mod:`.webhooks`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, overload

from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    RateWindow,
    Refused,
)
from walletpass_livepasses import limits
from walletpass_livepasses.emulator.envelope import error_answer
from walletpass_livepasses.emulator.generation import Generation
from walletpass_livepasses.emulator.passes import Passes
from walletpass_livepasses.emulator.redemptions import Redemptions
from walletpass_livepasses.emulator.state import (
    EmulatedBatch,
    EmulatedTemplate,
    Store,
    StoredPass,
    default_templates,
)
from walletpass_livepasses.emulator.templates import Templates
from walletpass_livepasses.emulator.webhooks import Webhooks
from walletpass_livepasses.limits import VendorStatus

__all__ = [
    "DEFAULT_API_KEY",
    "EmulatedTemplate",
    "LivepassesEmulator",
    "StoredPass",
    "default_templates",
]

#: The emulator's default API key (Livepasses keys look like ``lp_live_...`` / ``lp_test_...``).
DEFAULT_API_KEY = "lp_test_walletpass_emulator_key"

_T = TypeVar("_T")


def _number(value: Any, cast: Callable[[str], Any]) -> Any:
    # ``walletpass emulate --option key=value`` hands every value over as text.
    return cast(value) if isinstance(value, str) else value


def _defaults(documented_only: bool) -> list[EmulatedTemplate]:
    """The templates served without seeds: one per type, or the documented type's alone."""
    return [
        t
        for t in default_templates()
        if not documented_only or limits.inferred_type(t.type) is None
    ]


def _flag(value: Any) -> bool:
    """A yes/no option (``--option key=value`` hands it over as text: ``true`` / ``false``)."""
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise ValueError(f"expected true or false, got {value!r}")
        return value.lower() == "true"
    return bool(value)


def _code_for(status: int) -> str:
    """The ``error.code`` of a refusal the harness words (routing, query, malformed JSON)."""
    return {400: "VALIDATION_ERROR", 404: "NOT_FOUND"}.get(status, "GENERAL_ERROR")


class _OnStore(Generic[_T]):
    """An attribute of the app that is the store's: ``emulator.passes``, ``emulator.quota = 1``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, app: None, owner: type) -> _OnStore[_T]: ...
    @overload
    def __get__(self, app: LivepassesEmulator, owner: type) -> _T: ...
    def __get__(self, app: LivepassesEmulator | None, owner: type) -> _T | _OnStore[_T]:
        if app is None:
            return self
        value: _T = getattr(app.store, self.name)
        return value

    def __set__(self, app: LivepassesEmulator, value: _T) -> None:
        setattr(app.store, self.name, value)


class LivepassesEmulator(EmulatorApp):
    """The Livepasses API in a WSGI app; see the module docstring.

    Composed, not inherited: each resource is a handler object over the account's one
    :class:`Store` (``store``), mounted here; the account's records and settings read and write
    through the app as before (``emulator.passes``, ``emulator.batch_rate = 0``).
    """

    # Livepasses refuses any body member a request DTO does not declare (vendor notes 2.3); a
    # query parameter the SDK never sends is refused the same way, so a guess cannot pass.
    documented_query_only = True

    templates = _OnStore[dict[str, EmulatedTemplate]]()
    passes = _OnStore[dict[str, StoredPass]]()
    batches = _OnStore[dict[str, EmulatedBatch]]()
    webhooks = _OnStore[dict[str, dict[str, Any]]]()
    #: Webhook events that would have been delivered: ``{"event", "passId", "at"}``.
    events = _OnStore[list[dict[str, Any]]]()
    generated = _OnStore[int]()
    quota = _OnStore[int | None]()
    async_threshold = _OnStore[int]()
    batch_rate = _OnStore[float]()
    stamp_cooldown = _OnStore[float]()
    #: The webhook events this server version accepts (anything else is a 400). The
    #: allow-list changes between versions (0.3.0 accepts ``pass.expired``; the unreleased
    #: changelog says the API refuses it): default 0.3.0's.
    webhook_events = _OnStore[frozenset[str]]()

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        templates: Iterable[EmulatedTemplate | Mapping[str, Any]] | None = None,
        *,
        async_threshold: int = 10,
        batch_rate: float = 200.0,
        stamp_cooldown: float = 1.0,
        rate_limit: int | None = None,
        quota: int | None = None,
        read_only_keys: Iterable[str] = (),
        revoked_keys: Iterable[str] = (),
        clock: Callable[[], datetime] | None = None,
        webhook_events: Iterable[str] | None = None,
        documented_only: bool = False,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.read_only_keys = frozenset(read_only_keys)
        self.revoked_keys = frozenset(revoked_keys)
        self.rate = None if rate_limit is None else RateWindow(int(_number(rate_limit, int)))
        self.store = Store(
            self.lock,
            clock or (lambda: datetime.now(UTC)),
            async_threshold=int(_number(async_threshold, int)),
            batch_rate=float(_number(batch_rate, float)),
            stamp_cooldown=float(_number(stamp_cooldown, float)),
            quota=None if quota is None else int(_number(quota, int)),
            webhook_events=(
                limits.WEBHOOK_EVENTS if webhook_events is None else frozenset(webhook_events)
            ),
            documented_only=_flag(documented_only),
        )
        seeds: Iterable[EmulatedTemplate | Mapping[str, Any]] = (
            templates if templates is not None else _defaults(self.store.documented_only)
        )
        for template in seeds:
            self.store.add_template(template)
        self.generation = Generation(self.store)
        self.mount(
            self.generation,
            Passes(self.store),
            Redemptions(self.store),
            Templates(self.store),
            Webhooks(self.store),
        )

    # -- seeding and inspection ---------------------------------------------------------------

    def add_template(self, template: EmulatedTemplate | Mapping[str, Any]) -> EmulatedTemplate:
        """Seed a template, as designing one in the dashboard would."""
        return self.store.add_template(template)

    def stored(self, pass_id: str) -> StoredPass:
        """A pass by id (``KeyError`` if absent), as the API sees it now."""
        with self.lock:
            found = self.store.passes[pass_id]
            self.store.refresh(found)
            return found

    def cancel(self, pass_id: str) -> None:
        """Cancel a pass the way the dashboard can (the API offers no endpoint for it)."""
        with self.lock:
            self.store.passes[pass_id].status = VendorStatus.CANCELLED
            self.store.fire("pass.cancelled", pass_id)

    def finish_batches(self) -> None:
        """Generate every pending batch recipient now (tests that do not want to wait)."""
        with self.lock:
            self.generation.advance_all(finish=True)

    # -- what every route shares ----------------------------------------------------------------

    def error_response(self, status: int, message: str) -> EmulatorResponse:
        return error_answer(self.store, status, _code_for(status), message)

    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        return error_answer(
            self.store,
            refused.status,
            refused.code or _code_for(refused.status),
            refused.message,
            details=refused.details,
            fields=refused.fields,
        )

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        key = request.header("x-api-key")
        if not key:
            return error_answer(
                self.store, 401, "UNAUTHORIZED", "An API key is required (X-API-Key)."
            )
        if key in self.revoked_keys:
            return error_answer(self.store, 401, "API_KEY_REVOKED", "The API key was revoked.")
        known = self.is_api_key(key)
        if not known and key not in self.read_only_keys:
            return error_answer(self.store, 401, "INVALID_API_KEY", "The API key is not valid.")
        if self.rate is not None:
            wait = self.rate.hit(key)
            if wait is not None:
                return error_answer(
                    self.store,
                    429,
                    "RATE_LIMIT_EXCEEDED",
                    "Too many requests.",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
        if key in self.read_only_keys and request.method != "GET":
            return error_answer(
                self.store, 403, "INSUFFICIENT_PERMISSIONS", "This API key may only read."
            )
        return None

    def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        with self.lock:
            # Batches generate in the background at the vendor; here, by the time of each request.
            self.generation.advance_all()
            return super().handle(request)
