"""``fake``: a provider that behaves like a real one, without a vendor.

It runs the same pipeline as every real provider (so bad input fails the same way), keeps passes
in SQLite (in memory by default; a file when given ``path``, so separate processes such as CLI
invocations share them), gives unique realistic ids, enforces real-life rules (unknown ids are
``NotFound``, a second redeem is ``AlreadyRedeemed``, external ids are unique among live passes),
records every call with its normalised parameters, takes injected faults, and can wear a vendor
*profile*: ``connect("fake", profile="pass2u")`` applies that vendor's declarations and limits, so
an application's tests fail where that vendor would.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import MethodType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from pydantic import Field

from walletpass.attribute_homes import check_attribute_homes
from walletpass.behaviour import PROFILE_URL_BASE, MetaFacts, VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, Support, native, none
from walletpass.errors import (
    BusinessRuleError,
    ConfigurationError,
    Conflict,
    FieldProblem,
    NotFound,
    ProviderUnavailable,
    ValidationError,
    WalletPassError,
)
from walletpass.event_handlers import EventHandlerWarning, call_handlers
from walletpass.event_types import PassEventType
from walletpass.model import (
    Balance,
    Holder,
    IssuedPass,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
    PassUrls,
    fields_as_plain,
    restored_pass,
)
from walletpass.outcomes import note_dispatch
from walletpass.plans import Emit, ListPlan, Plan, at_once
from walletpass.provider import ListFilters, Provider, ProviderContract
from walletpass.readback import completed_by_read
from walletpass.redemption import (
    already_redeemed,
    deleted_error,
    has_expired,
    insufficient_balance,
    judged_by_type,
    kind_to_judge,
    no_balance,
    refuse_not_used_up,
)
from walletpass.settings import PATH_SETTING, FieldType, ProviderSettings

if TYPE_CHECKING:
    from walletpass.events import PassEvent
    from walletpass.results import Redemption
    from walletpass.transport import VendorRequest

__all__ = ["EventHandlerWarning", "FakeProvider", "FakeSettings", "RecordedCall"]

# Compiled by ``re`` at its first use, not at import (start-up).
_FAKE_ID = r"^fp_[0-9a-f]{16}$"
#: How often a profile makes up another external id when the one it made up is taken.
_MADE_UP_TRIES = 20
_DOWNLOAD_BASE = f"{PROFILE_URL_BASE}/p/"

#: The kept pass's ``meta`` key counting the redeems made of a pass whose uses the profile's
#: vendor counts (``VendorBehaviour.uses_field``); a profile reports its vendor's meta instead.
_USES_MADE = "uses"
#: The kept pass's ``meta`` key holding when a profile's pass was used up (ISO 8601), which its
#: vendor may still report after a later change of status (PassEntry's deactivatedAt on a
#: nullified pass); a profile reports its vendor's meta instead.
_USED_AT = "used_at"
#: The kept pass's ``meta`` key holding the ``notify`` the last update asked for (absent: none),
#: which a vendor may echo on later reads (LivePass's ``silent``); a profile reports its
#: vendor's meta instead.
_NOTIFY = "notify"


#: What a delete that wipes a pass (``VendorBehaviour.deleted_wipes``) takes from the parameters
#: the fake keeps (its ``raw``): the pass's data and design, as PassEntry's nullify does
#: (passentry.md 4.5: fields, barcode, NFC, locations, images go).
_WIPED = frozenset(
    {"fields", "holder", "barcode", "balance", "nfc", "locations", "beacons", "images", "colors"}
)


class FakeSettings(ProviderSettings):
    path: str | None = Field(
        default=None,
        description="SQLite file to keep passes in (None: in memory, per instance)",
        json_schema_extra=PATH_SETTING,
    )
    profile: str | None = Field(
        default=None, description="behave like this vendor: its declarations and limits"
    )
    dashboard: dict[str, Any] | None = Field(
        default=None,
        description=(
            "with a profile: the vendor dashboard's templates, as the vendor's emulator is "
            "seeded with them (its page lists them), so the profile reports what only the "
            "dashboard knows (a template's name, a Pass2U model's field labels)"
        ),
    )
    balance_field: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "the template field that holds a pass's balance where the pass has no balance "
            "attribute (e.g. a loyalty card's points), spent by redeem(amount=...)"
        ),
    )


class RecordedCall(NamedTuple):
    """One call that passed every check, with the parameters the provider would have sent."""

    operation: str
    params: dict[str, Any]
    error: WalletPassError | None = None


# Plain classes, not dataclasses: every fake builds these, and a dataclass's generated methods
# cost start-up time (tests/test_startup.py) that nothing here uses.
class _Fault:
    __slots__ = ("error", "times")

    def __init__(self, error: WalletPassError | type[WalletPassError], times: int) -> None:
        self.error = error
        self.times = times


class _Faults:
    __slots__ = ("lock", "pending")

    def __init__(self) -> None:
        self.pending: dict[str, list[_Fault]] = {}
        self.lock = threading.Lock()

    def take(self, operation: str) -> WalletPassError | None:
        with self.lock:
            for key in (operation, "*"):
                queue = self.pending.get(key)
                if queue:
                    fault = queue[0]
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.pop(0)
                    error = fault.error
                    if isinstance(error, type):
                        return error(f"injected {error.__name__} for {operation}")
                    return error
        return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS passes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    template TEXT NOT NULL,
    status TEXT NOT NULL,
    external_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passes_external_id ON passes (external_id);
"""


class _Connection:
    """The store's SQLite connection, whose failures (a full disk, an I/O error, a file
    locked too long) are :class:`ProviderUnavailable` naming the file, not SQLite's error."""

    def __init__(self, conn: sqlite3.Connection, path: str | None) -> None:
        self._conn = conn
        self._path = path

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.Error as exc:
            # A failed COMMIT may have reached the file: the change's outcome is unknown.
            committing = sql.lstrip().upper().startswith("COMMIT")
            raise ProviderUnavailable(
                f"the fake provider cannot read or write its passes file {self._path!r}: "
                f"{exc}; check that its disk has free space and the file is readable and "
                "writable",
                provider="fake",
                retryable=False,
                outcome_unknown=committing,
            ) from None

    def close(self) -> None:
        self._conn.close()


class _Store:
    """Passes as JSON rows in SQLite; one connection guarded by a lock (thread-safe)."""

    def __init__(self, path: str | None) -> None:
        try:
            self._conn = _Connection(self._open(path), path)
        except (OSError, ValueError, sqlite3.Error) as exc:
            raise ConfigurationError(
                f"the fake provider cannot keep passes in path {path!r}: {exc}", provider="fake"
            ) from None
        # Reentrant: a state change holds it across its read and its write (see atomic()).
        self._lock = threading.RLock()
        self._in_transaction = False

    @staticmethod
    def _open(path: str | None) -> sqlite3.Connection:
        target = ":memory:"
        if path:
            file = Path(path).expanduser()
            file.parent.mkdir(parents=True, exist_ok=True)
            target = str(file)
        conn = sqlite3.connect(target, check_same_thread=False, timeout=30, isolation_level=None)
        try:
            if path:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction around a read-decide-write: what is read inside cannot change
        before what is written inside, in this process (the lock) or another sharing the file
        (``BEGIN IMMEDIATE`` takes SQLite's write lock before the read). An exception writes
        nothing. So two concurrent redeems of one pass make one redemption, as at a vendor."""
        with self._lock:
            if self._in_transaction:  # already inside one: part of it
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._in_transaction = False

    def insert(self, issued: IssuedPass) -> None:
        with self.atomic():
            if issued.external_id is not None:
                row = self._conn.execute(
                    "SELECT id FROM passes WHERE external_id = ? AND status != ?",
                    (issued.external_id, PassStatus.DELETED.value),
                ).fetchone()
                if row is not None:
                    raise Conflict(
                        f"a live pass with external id {issued.external_id!r} already exists "
                        f"({row[0]})",
                        code="DUPLICATE_EXTERNAL_ID",
                    )
            self._conn.execute(
                "INSERT INTO passes (id, template, status, external_id, data)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    issued.id,
                    issued.template or "",
                    issued.status.value,
                    issued.external_id,
                    issued.model_dump_json(),
                ),
            )

    def get(self, pass_id: str) -> IssuedPass | None:
        with self._lock:
            row = self._conn.execute("SELECT data FROM passes WHERE id = ?", (pass_id,)).fetchone()
        return restored_pass(row[0]) if row else None

    def replace(self, issued: IssuedPass) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE passes SET status = ?, data = ? WHERE id = ?",
                (issued.status.value, issued.model_dump_json(), issued.id),
            )

    def find_external(self, external_id: str) -> IssuedPass | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM passes WHERE external_id = ? AND status != ? ORDER BY seq DESC",
                (external_id, PassStatus.DELETED.value),
            ).fetchone()
        return restored_pass(row[0]) if row else None

    def page(
        self, after_seq: int, limit: int, template: str | None, statuses: tuple[str, ...]
    ) -> list[tuple[int, IssuedPass]]:
        """Up to ``limit`` passes after ``after_seq``, of ``template`` and in one of
        ``statuses`` (where given)."""
        query = "SELECT seq, data FROM passes WHERE seq > ?"
        args: list[Any] = [after_seq]
        if template is not None:
            query += " AND template = ?"
            args.append(template)
        if statuses:
            query += f" AND status IN ({', '.join('?' * len(statuses))})"
            args.extend(statuses)
        query += " ORDER BY seq LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._conn.execute(query, args).fetchall()
        return [(seq, restored_pass(data)) for seq, data in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM passes").fetchone()[0])


#: The fake has no webhooks: it hands events to in-process handlers instead.
_EVENTS = {
    Capability.EVENTS_RECEIVE.value: none(
        "the fake calls in-process handlers: add_event_handler(handler), no HTTP"
    ),
    Capability.EVENTS_SUBSCRIBE.value: none(
        "the fake calls in-process handlers: add_event_handler(handler), no HTTP"
    ),
}

_ALL_NATIVE = Capabilities(
    {
        **{cap.value: native("stored by the fake provider") for cap in Capability},
        # A label is written, never read back: a read answers values alone on every provider.
        Capability.FIELD_LABELS.value: native(
            "accepted; a read returns the field's value alone, as on every provider"
        ),
        **_EVENTS,
    }
)


def _json_value(value: Any) -> Any:
    if isinstance(value, PassField):
        return _json_value(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _now() -> datetime:
    return datetime.now(UTC)


def _as_kept(name: str, value: Any) -> Any:
    """``value`` of the pass's part ``name`` as a vendor keeps and answers it: a moment in UTC
    (concepts.md: every moment read back is told in UTC; the instant is the value), and a
    holder with no part set (lenient mode dropped the only one) as no holder, as every vendor's
    read reports it."""
    if name == "expires_at" and isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, Holder) and not value.model_dump(exclude_none=True):
        return None
    return value


class FakeProvider(Provider[FakeSettings]):
    """An in-process provider for tests and local development; see the module docstring."""

    name: ClassVar[str] = "fake"
    capabilities: ClassVar[Capabilities] = _ALL_NATIVE
    summary: ClassVar[str] = "in-process fake for tests and local development (SQLite, no network)"
    #: ``extra`` is stored as given on create/update; list filters beyond the neutral ones do
    #: not exist in the fake, so a ``list(extra=...)`` key is refused rather than ignored.
    extra_keys: ClassVar[Mapping[str, frozenset[str]] | None] = {"list": frozenset()}
    #: The fake's own; a profile reports its vendor's (``behaviour.meta_of``).
    meta_keys: ClassVar[Mapping[str, str]] = {
        "last_message": "the message of the last update that had one",
        "notified": "whether that update notified the holder (bool)",
    }
    #: Every event the fake's operations make (a profile: only its vendor's).
    event_types: ClassVar[tuple[PassEventType, ...]] = tuple(
        kind for kind in PassEventType if kind is not PassEventType.OTHER
    )
    extra_operations: ClassVar[tuple[str, ...]] = (
        "fail_next",
        "calls",
        "reset_calls",
        "add_event_handler",
        "install",
        "remove",
    )

    def __init__(self, settings: Any = None, /, **values: Any) -> None:
        super().__init__(settings, **values)
        fake_settings = self.settings
        self.profile: str | None = fake_settings.profile
        self._vendor: Provider | None = None
        if self.profile:
            self._wear(self.profile)
        if fake_settings.balance_field is not None:
            vars(self)["behaviour"] = self.behaviour._replace(
                balance_fields=(fake_settings.balance_field, *self.behaviour.balance_fields),
            )
        self._store = _Store(fake_settings.path)
        self._faults = _Faults()
        self._calls: list[RecordedCall] = []
        self._event_handlers: list[Callable[[PassEvent], Any]] = []
        self._calls_lock = threading.Lock()

    def _wear(self, profile: str) -> None:
        """Take the vendor's declarations, checks and behaviour, for this instance only.

        Everything comes from the vendor's own class and an instance of it with default
        settings that never sends: its build hooks and ``check`` vet every create and update
        (:attr:`vendor_rules`), so a profile follows its vendor as the vendor's provider changes.
        """
        from walletpass.registry import load_provider_class

        vendor = load_provider_class(profile)
        try:
            self._vendor = vendor()
        except WalletPassError:
            # A vendor whose settings have required values cannot be built without them: its
            # settings-dependent defaults (default attribute fields) are then the fake's own,
            # and only its declarations vet a call.
            self._vendor = None
        for name in (
            "capabilities",
            "field_held_attributes",
            "free_text_messages",
            "behaviour",
            "template_fixed",
            "extra_keys",
        ):
            vars(self)[name] = getattr(vendor, name)
        if self._vendor is not None:
            vars(self)["default_attribute_fields"] = self._vendor.default_attribute_fields
        if vendor.behaviour.meta_of is not None:
            # The profile reports its vendor's meta keys (behaviour.meta_of), not the fake's own.
            vars(self)["meta_keys"] = vendor.meta_keys
            self._seed_dashboard(vendor.behaviour)
        # Receiving is the vendor's: the profile verifies and reads a delivery with the vendor's
        # own hooks and declaration, so an application tests its webhook endpoint against the
        # fake and meets the vendor's refusals. Subscribing stays the fake's (in-process
        # handlers, never HTTP).
        subscribe = Capability.EVENTS_SUBSCRIBE.value
        vars(self)["capabilities"] = Capabilities(
            {
                **{k: vendor.capabilities[k] for k in vendor.capabilities},
                subscribe: _EVENTS[subscribe],
            }
        )
        for hook in ("verify_event_delivery", "events_from_delivery"):
            vars(self)[hook] = MethodType(getattr(vendor, hook), self)
        # In-process handlers see only what the vendor would deliver (none for a vendor
        # without webhooks).
        vars(self)["event_types"] = vendor.event_types
        # The profile's declarations judge the template aliases, as its vendor's provider does.
        check_attribute_homes(self)

    def _seed_dashboard(self, behaviour: VendorBehaviour) -> None:
        """Report what the ``dashboard`` setting shows of each pass's template in the vendor's
        meta (``VendorBehaviour.dashboard_templates``, ``MetaFacts.template``)."""
        dashboard, read = self.settings.dashboard, behaviour.dashboard_templates
        meta_of = behaviour.meta_of
        if not dashboard or meta_of is None:
            return
        if read is None:
            raise ConfigurationError(
                f"{self.label}: dashboard is given, but {self.profile}'s dashboard adds nothing "
                "its profile reports: leave it out",
                provider=self.label,
            )
        try:
            templates = read(dashboard)
        except (TypeError, ValueError, KeyError) as exc:
            raise ConfigurationError(
                f"{self.label}: dashboard is not {self.profile}'s dashboard as its emulator takes "
                f"it ({type(exc).__name__}: {exc})",
                provider=self.label,
            ) from None

        def seeded(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
            template = templates.get(facts.kept.template or "", {})
            return meta_of(issued, facts._replace(template=template))

        vars(self)["behaviour"] = behaviour._replace(meta_of=seeded)
        vars(self)["_dashboard_templates"] = templates

    def _check_template_fields(
        self, template: str | None, fields: Mapping[str, Any] | None
    ) -> None:
        """Refuse, as the vendor does, a field the template given in the ``dashboard`` setting
        does not have (its facts' ``fields``; a template the dashboard lacks is not judged)."""
        if not fields:
            return
        facts = getattr(self, "_dashboard_templates", {}).get(template or "", {})
        known = facts.get("fields")
        if known is None:
            return
        problems = [
            FieldProblem(f"fields.{key}", f"{key!r} is not a field of template {template}")
            for key in fields
            if key not in known
        ]
        if problems:
            raise ValidationError.from_problems(problems)

    @property
    def vendor_rules(self) -> ProviderContract[Any] | None:
        """Wearing a profile, the vendor's own provider (default settings, never sends) builds
        and checks every create and update, so the profile refuses what the vendor refuses;
        the plain fake has no vendor rules."""
        return self._vendor

    @property
    def label(self) -> str:
        return f"fake(profile={self.profile})" if self.profile else self.name

    def __repr__(self) -> str:
        profile = f" profile={self.profile!r}" if self.profile else ""
        return f"<FakeProvider{profile} passes={self._store.count()}>"

    # -- pass events, in-process ------------------------------------------------------------

    def add_event_handler(self, handler: Callable[[PassEvent], Any]) -> None:
        """Call ``handler(event)`` for every event of this fake's passes, as it happens.

        What a vendor would deliver by webhook, without HTTP: ``issued`` for each pass made
        (``create`` and each item of ``create_many``), ``updated``,
        ``redeemed`` (or ``updated`` for a balance spend), ``deleted``, and ``installed`` /
        ``removed`` when a test plays the holder with :meth:`install` / :meth:`remove`; a
        profile only those its vendor delivers (:attr:`event_types`: PassEntry's issued,
        installed, removed, scanned; none for Pass2U and LivePass). Events are in the
        application's terms (logical template). A handler that raises does not fail
        the operation, as a vendor's call does not fail when its receiver does: the error is an
        :class:`EventHandlerWarning` (``-W error::walletpass.fake.EventHandlerWarning`` makes
        it fail a test run), and the other handlers still get the event.

        ``handler`` may be a coroutine function on ``walletpass.aio``: what it returns is
        awaited before the operation's ``await`` returns, its failure a warning too. The sync
        API cannot await it: there it is not run, and an ``EventHandlerWarning`` says so
        (:mod:`walletpass.event_handlers`).

        :param handler: ``handler(event)``, ``event`` a :class:`walletpass.events.PassEvent`.
        :raises ValidationError: ``handler`` is not callable.
        """
        if not callable(handler):
            raise ValidationError.from_problems([FieldProblem("handler", "must be callable")])
        self._event_handlers.append(handler)

    def _emit(self, kind: PassEventType, issued: IssuedPass, **meta: Any) -> None:
        if not self._event_handlers or kind not in self.event_types:
            return
        from walletpass.events import PassEvent  # built only when a handler is waiting

        event = PassEvent(
            type=kind,
            provider=self.name,
            pass_id=issued.id,
            external_id=issued.external_id,
            template=issued.template,
            occurred_at=_now(),
            event_id=f"fe_{secrets.token_hex(8)}",
            vendor_event=kind.value,
            meta=meta,
        )
        # (walletpass.event_handlers: a handler's failure is a warning; a coroutine handler is
        # awaited on walletpass.aio)
        call_handlers(self._event_handlers, event, f"the {kind.value} event of {issued.id}")

    def update(self, pass_id: str, change: PassUpdate | Mapping[str, Any]) -> IssuedPass:
        updated = super().update(pass_id, change)
        self._emit(PassEventType.UPDATED, updated)
        return updated

    def redeem(
        self,
        pass_id: str,
        *,
        amount: Decimal | int | float | str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Redemption:
        result = super().redeem(pass_id, amount=amount, options=options)
        if self._event_handlers:
            # A use that leaves the pass usable (a spend, a multi-use coupon's) is a change.
            final = result.status.is_final
            kind = PassEventType.REDEEMED if final else PassEventType.UPDATED
            meta = {} if result.amount is None else {"amount": str(result.amount)}
            self._emit(kind, self.present(self._load(pass_id)), **meta)
        return result

    def delete(self, pass_id: str) -> None:
        super().delete(pass_id)
        if self._event_handlers:
            self._emit(PassEventType.DELETED, self.present(self._load(pass_id)))

    def install(self, pass_id: str) -> None:
        """Play the holder adding the pass to a wallet: status ``installed``, an event."""
        with self._guard("install"):
            current = self._load_live(self._check_id(pass_id), "install")
            if current.status.is_final:
                raise BusinessRuleError(
                    f"a {current.status.value} pass cannot be added to a wallet", code="FINAL"
                )
            installed = current.model_copy(update={"status": PassStatus.INSTALLED})
            self._store.replace(installed)
            self._emit(PassEventType.INSTALLED, self.present(installed))

    def remove(self, pass_id: str) -> None:
        """Play the holder removing the pass from their wallet: an event (status unchanged)."""
        with self._guard("remove"):
            current = self._load_live(self._check_id(pass_id), "remove")
            self._emit(PassEventType.REMOVED, self.present(current))

    def close(self) -> None:
        self._store.close()
        if self._vendor is not None:
            self._vendor.close()

    # -- testing helpers ----------------------------------------------------------------

    def fail_next(
        self,
        operation: str,
        error: WalletPassError | type[WalletPassError],
        *,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``operation`` (or ``"*"``: any) raise ``error``.

        The fault strikes after every check has passed, where a real provider would talk to its
        vendor, so validation still comes first, exactly as in production.
        """
        # create_many issues each pass through create: a create fault strikes per item.
        valid = {c.value for c in Capability if c.is_operation} - {"create_many"} | {"*"}
        if not isinstance(operation, str) or operation not in valid:
            hint = (
                "; create_many fails per item: inject 'create' faults"
                if operation == "create_many"
                else ""
            )
            raise ValidationError.from_problems(
                [FieldProblem("operation", f"must be one of {', '.join(sorted(valid))}{hint}")]
            )
        if not (
            isinstance(error, WalletPassError)
            or (isinstance(error, type) and issubclass(error, WalletPassError))
        ):
            raise ValidationError.from_problems(
                [FieldProblem("error", "must be a WalletPassError instance or subclass")]
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValidationError.from_problems(
                [FieldProblem("times", "must be a positive integer")]
            )
        with self._faults.lock:
            self._faults.pending.setdefault(operation, []).append(_Fault(error, times))

    @property
    def calls(self) -> list[RecordedCall]:
        """Calls that passed validation, in order, with normalised parameters."""
        with self._calls_lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    @property
    def pass_count(self) -> int:
        return self._store.count()

    def _enter(self, operation: str, params: dict[str, Any]) -> None:
        note_dispatch()  # the fake's "vendor" acts from here on
        error = self._faults.take(operation)
        with self._calls_lock:
            self._calls.append(RecordedCall(operation, params, error))
        if error is not None:
            raise error

    # -- the contract -----------------------------------------------------------------

    def decode_id(self, pass_id: str) -> str:
        if not re.fullmatch(_FAKE_ID, pass_id):
            raise ValidationError.from_problems(
                [
                    FieldProblem(
                        "pass_id", "is not a fake provider id (fp_ followed by 16 hex digits)"
                    )
                ]
            )
        return pass_id

    def _opening_balance(self, new_pass: Pass) -> Balance | None:
        """The balance the profile's vendor gives a new pass created without one
        (``behaviour.opening_balance``), where its template alias reads a balance."""
        opening = self.behaviour.opening_balance
        if opening is None:
            return None
        spec = self.mapping_for_vendor_template(new_pass.template).balance
        return Balance(amount=opening, currency=spec.currency) if spec is not None else None

    def template_of(self, pass_id: str) -> str | None:
        # Fake ids do not carry the template, the store does: updates rename alias fields too.
        issued = self._store.get(pass_id)
        return issued.template if issued is not None else None

    def _known_kind(self, pass_id: str) -> PassKind | None:
        # The store knows the pass's kind: the profile's vendor builds the update body its
        # provider would after reading the pass (Livepasses: where a balance goes).
        # A pass created without a kind: its vendor's provider learns the type of its
        # template from a read, which the dashboard, where given, tells the profile.
        issued = self._store.get(pass_id)
        if issued is None:
            return None
        return issued.kind if issued.kind is not None else self._dashboard_kind(issued.template)

    def _dashboard_kind(self, template: str | None) -> PassKind | None:
        """A kind of ``template``'s type, where the ``dashboard`` setting tells it (its facts'
        ``kind``, ``VendorBehaviour.dashboard_templates``)."""
        facts = getattr(self, "_dashboard_templates", {}).get(template or "", {})
        kind = facts.get("kind")
        return kind if isinstance(kind, PassKind) else None

    def _as_its_vendor_has_it(self, issued: IssuedPass) -> IssuedPass:
        """``issued`` as its vendor keeps it, for an answer: a pass created without a kind is
        of its template's type, which the vendor's answers report (PassEntry's passType, a
        Pass2U model's style on a read), where the dashboard tells it; the store keeps no
        kind the application did not give."""
        if issued.kind is not None:
            return issued
        kind = self._dashboard_kind(issued.template)
        return issued if kind is None else issued.model_copy(update={"kind": kind})

    # The operations are plans with no step (walletpass.plans.at_once): the fake's "vendor" is
    # in memory, so the sync and the async API run the same operations on it.

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        return at_once(self._find_now, new_pass)

    def _find_now(self, new_pass: Pass) -> IssuedPass | None:
        return self._store.find_external(new_pass.external_id) if new_pass.external_id else None

    def _load(self, pass_id: str) -> IssuedPass:
        issued = self._store.get(pass_id)
        if issued is None:
            raise NotFound(f"no pass with id {pass_id!r}", code="NOT_FOUND")
        return issued

    def _load_live(self, pass_id: str, operation: str) -> IssuedPass:
        issued = self._load(pass_id)
        if issued.status is PassStatus.DELETED:
            raise deleted_error(
                pass_id,
                provider=self.label,
                operation=operation,
                details=self.behaviour.state_details(issued),
            )
        return issued

    def plan_create(self, new_pass: Pass, request: VendorRequest | None = None) -> Plan[IssuedPass]:
        return at_once(self._create_now, new_pass)

    def _create_now(self, new_pass: Pass) -> IssuedPass:
        params = new_pass.model_dump(mode="json", exclude_none=True)
        self._enter("create", params)
        # (after _enter: the vendor received it and refused it)
        self._check_template_fields(new_pass.template, new_pass.fields)
        pass_id = f"fp_{secrets.token_hex(8)}"
        now = _now()
        external_id = new_pass.external_id
        if external_id is None and self.behaviour.new_external_id is not None:
            external_id = self.behaviour.new_external_id()  # as the profile's vendor does
        issued = IssuedPass(
            id=pass_id,
            vendor_id=self._vendor_id(pass_id, external_id),
            provider=self.name,
            template=new_pass.template,
            # The fake invents no kind the application did not give (a template alias's kind
            # counts as given): without one a pass has none, and reads back with kind None,
            # named in unknown_parts, as on a vendor whose template could be of several kinds.
            kind=new_pass.kind if "kind" in new_pass.model_fields_set else None,
            external_id=external_id,
            status=PassStatus.ISSUED,
            urls=PassUrls(download=f"{_DOWNLOAD_BASE}{pass_id}.pkpass"),
            created_at=now,
            updated_at=now,
            expires_at=_as_kept("expires_at", new_pass.expires_at),
            holder=_as_kept("holder", new_pass.holder),
            fields=self._field_values(new_pass.fields),
            barcode=new_pass.barcode,
            balance=new_pass.balance or self._opening_balance(new_pass),
            version=1,
            raw=params,
        )
        made_up = external_id is not None and new_pass.external_id is None
        for _ in range(_MADE_UP_TRIES if made_up else 1):
            issued = self._with_own_barcode(issued)
            try:
                self._store.insert(issued)
                break
            except Conflict:
                if not made_up or self.behaviour.new_external_id is None:
                    raise
                # A made-up code already taken (a vendor makes up a fresh one): another one.
                other = self.behaviour.new_external_id()
                issued = issued.model_copy(
                    update={
                        "external_id": other,
                        "vendor_id": self._vendor_id(pass_id, other),
                        "barcode": None,
                    }
                )
        else:
            raise ProviderUnavailable(
                f"{self.label} could not make up an unused external id in {_MADE_UP_TRIES} tries",
                provider=self.label,
            )
        refusal = self.behaviour.balance_write_refusal
        if refusal and new_pass.balance is not None and not self._keeps_balance(issued):
            # As the vendor's provider: the pass is made, its balance write refused, and the
            # new pass deleted so that none is left without the balance asked for (PassEntry
            # nullifies it: a tombstone a list still shows).
            with self._store.atomic():
                self._store.replace(self._tombstone(issued))
            raise ValidationError.from_problems([FieldProblem("balance", refusal)])
        answer = self.behaviour.answer(
            self._as_its_vendor_has_it(issued),
            read=False,
            created=True,
            kind_aliased=self._kind_aliased(issued),
            barcode_stated=self._barcode_stated(issued),
        )
        # Where every pass is made (create() and each item of create_many), as a vendor
        # delivers an issued event for each pass however it was made.
        if self._event_handlers:
            self._emit(PassEventType.ISSUED, self.present(answer))
        return answer

    def _vendor_id(self, pass_id: str, external_id: str | None) -> str:
        """The vendor id of a new pass: its external id where the profile's vendor keys passes
        by it (``keyed_by_external_id``), else the fake's id."""
        if self.behaviour.keyed_by_external_id and external_id is not None:
            return external_id
        return pass_id

    def plan_get(self, pass_id: str) -> Plan[IssuedPass]:
        return at_once(self._get_now, pass_id)

    def _get_now(self, pass_id: str) -> IssuedPass:
        self._enter("get", {"pass_id": pass_id})
        with self._store.atomic():  # the expiry it records never overwrites a redemption
            issued = self._with_expiry(self._load(pass_id))
        if issued.status is PassStatus.DELETED and not self.behaviour.deleted_on_get:
            raise NotFound(f"no pass with id {pass_id!r}", code="NOT_FOUND")
        return self._read_answer(issued)

    def _read_answer(self, issued: IssuedPass, *, listed: bool = False) -> IssuedPass:
        """``issued`` as its vendor answers a read (the balance too where an alias asks)."""
        alias = self.mapping_for_vendor_template(issued.template).alias
        aliased = alias is not None and alias.balance_field is not None
        return self.behaviour.answer(
            self._as_its_vendor_has_it(issued),
            read=True,
            balance_aliased=aliased,
            listed=listed,
            kind_aliased=self._kind_aliased(issued),
        )

    def _with_own_barcode(self, issued: IssuedPass) -> IssuedPass:
        """``issued`` with the barcode its vendor gives a pass without one (``new_barcode``)."""
        if issued.barcode is not None or self.behaviour.new_barcode is None:
            return issued
        return issued.model_copy(update={"barcode": self.behaviour.new_barcode(issued)})

    def _barcode_stated(self, issued: IssuedPass) -> bool:
        """Whether the template alias of ``issued``'s template states its barcode format."""
        alias = self.mapping_for_vendor_template(issued.template).alias
        return alias is not None and alias.barcode_format is not None

    def _kind_aliased(self, issued: IssuedPass) -> bool:
        """Whether the template alias of ``issued``'s template declares its kind."""
        alias = self.mapping_for_vendor_template(issued.template).alias
        return alias is not None and alias.kind is not None

    def _with_expiry(self, issued: IssuedPass) -> IssuedPass:
        expires = issued.expires_at or self._expiry_in_fields(issued)
        if expires is not None and expires <= _now() and not issued.status.is_final:
            issued = issued.model_copy(update={"status": PassStatus.EXPIRED})
            self._store.replace(issued)
        return issued

    def _expiry_in_fields(self, issued: IssuedPass) -> datetime | None:
        """The expiry the profile's vendor keeps in a field (``behaviour.expiry_field``)."""
        name = self.behaviour.expiry_field
        value = (issued.fields or {}).get(name) if name else None
        if not isinstance(value, str | date):
            return None
        # Imported here: a fake's first create loads no part it does not run (test_startup).
        from walletpass.timestamps import parse_timestamp

        try:
            return parse_timestamp(value if isinstance(value, str) else value.isoformat())
        except ValueError:
            return None

    def plan_update(
        self, pass_id: str, change: PassUpdate, request: VendorRequest | None = None
    ) -> Plan[IssuedPass]:
        return at_once(self._update_now, pass_id, change)

    def _update_now(self, pass_id: str, change: PassUpdate) -> IssuedPass:
        params = {"pass_id": pass_id, "change": change.model_dump(mode="json", exclude_unset=True)}
        self._enter("update", params)
        with self._store.atomic():  # no concurrent update is lost between read and write
            current = self._load_live(pass_id, "update")
            self._check_template_fields(current.template, change.fields)
            refusal = self.behaviour.balance_write_refusal
            if refusal and change.balance is not None and not self._keeps_balance(current):
                raise ValidationError.from_problems([FieldProblem("balance", refusal)])
            updated = self._with_own_barcode(self._updated(current, change))
            self._store.replace(updated)
            # An expiry the update set in the past takes effect at once, as on a vendor.
            updated = self._with_expiry(updated)
        aliased = self._kind_aliased(updated)
        stated = self._barcode_stated(updated)
        if not self.behaviour.update_reads_back:
            answer = self.behaviour.answer(
                self._as_its_vendor_has_it(updated),
                read=False,
                kind_aliased=aliased,
                barcode_stated=stated,
                change=change,
            )
            return self._unread_left_out(answer, change, self._as_its_vendor_has_it(updated))
        # As the profile's vendor: the update's own answer (what it set) completed by a read.
        changed = change.changed()
        written = updated.model_copy(
            update={
                "fields": {k: v for k, v in updated.fields.items() if k in (change.fields or {})},
                "balance": updated.balance if "balance" in changed else None,
                "barcode": updated.barcode if "barcode" in changed else None,
                # The vendor's update answer carries no holder it was not given.
                "holder": updated.holder if "holder" in changed else None,
            }
        )
        own = self.behaviour.answer(
            self._as_its_vendor_has_it(written),
            read=False,
            kind_aliased=aliased,
            barcode_stated=stated,
            change=change,
        )
        answer = completed_by_read(
            own, self._read_answer(updated), unread=self.behaviour.unread_on_get
        )
        if self.behaviour.meta_of is None:
            return answer
        # The vendor's meta of an update is its update answer's, not the read's it was completed
        # by (Livepasses: the lookup's isValid, not the validation a get() adds).
        return answer.model_copy(update={"meta": own.meta})

    def _unread_left_out(
        self, answer: IssuedPass, change: PassUpdate, kept_pass: IssuedPass
    ) -> IssuedPass:
        """``answer`` without the parts the vendor's read cannot return (``unread_on_get``)
        that ``change`` did not set: the vendor answers an update with the pass as its read
        shows it (PassEntry: the pass resource, with no loyalty balance unless an alias reads
        it), and its meta is that answer's (no ``balance`` the answer does not show);
        ``kept_pass``: the pass as stored after the change."""
        if not self.behaviour.unread_on_get:
            return answer
        alias = self.mapping_for_vendor_template(answer.template).alias
        balance_aliased = alias is not None and alias.balance_field is not None
        as_read = self.behaviour.answer(answer, read=True, balance_aliased=balance_aliased)
        changed = change.changed()
        kept: dict[str, Any] = {
            part: getattr(answer, part) for part in ("balance", "barcode") if part in changed
        }
        if "holder" in changed:
            kept["holder"] = answer.holder
        if "fields" in self.behaviour.unread_on_get:
            kept["fields"] = {k: v for k, v in answer.fields.items() if k in (change.fields or {})}
        left = as_read.model_copy(update={**kept, "kind": answer.kind, "meta": answer.meta})
        if self.behaviour.meta_of is None:
            return left
        # (the vendor's provider reads the balance such an alias names after the write)
        facts = MetaFacts("update", kept_pass, change, balance_aliased=balance_aliased)
        meta = self.behaviour.meta_of(left, facts)
        return left.model_copy(update={"meta": dict(meta)})

    def _field_values(self, fields: Mapping[str, Any] | None) -> dict[str, Any]:
        """``fields`` as the pass keeps them: as its profile's vendor stores them
        (``VendorBehaviour.field_values``), else in their JSON forms."""
        stored = self.behaviour.field_values
        if stored is not None and fields:
            return dict(stored(fields))
        return {k: _json_value(v) for k, v in fields_as_plain(fields).items()}

    def _updated(self, current: IssuedPass, change: PassUpdate) -> IssuedPass:
        raw = dict(current.raw or {})
        changes: dict[str, Any] = {}
        changed = change.changed()
        own = current.fields
        homes = self.behaviour.attribute_field_keys
        if homes is not None and own:
            # The vendor writes these attributes into the one field set: each own field under
            # a key this update's attributes write is replaced by that write.
            replaced = {key for name in changed if name != "fields" for key in homes.get(name, ())}
            if replaced & own.keys():
                own = {key: value for key, value in own.items() if key not in replaced}
                changes["fields"] = raw["fields"] = own
        for name, value in changed.items():
            if name == "fields":
                if value is None:
                    merged: dict[str, Any] = {}
                else:
                    written = self.behaviour.kept_fields(self._field_values(value))
                    merged = {**own, **written}
                    # The vendor keeps one balance: a field that writes it replaces the one
                    # the pass was given, which a spend would otherwise still take from.
                    amount = self.behaviour.written_balance(written)
                    if amount is not None and current.balance is not None:
                        changes.setdefault(
                            "balance", current.balance.model_copy(update={"amount": amount})
                        )
                changes["fields"] = merged
                raw["fields"] = merged
                continue
            if name in ("holder", "barcode", "expires_at", "balance"):
                changes[name] = _as_kept(name, value)
            dumped = change.model_dump(mode="json", include={name}).get(name)
            if dumped is None:
                raw.pop(name, None)
            else:
                raw[name] = dumped
        meta = dict(current.meta)
        if change.message is not None:
            meta["last_message"] = change.message
            meta["notified"] = change.notify is not False
        if self.behaviour.meta_of is not None:
            meta[_NOTIFY] = change.notify
        return current.model_copy(
            update={
                **changes,
                "updated_at": _now(),
                "version": (current.version or 0) + 1,
                "meta": meta,
                "raw": raw,
            }
        )

    def plan_redeem(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Plan[Redemption]:
        if options and self._vendor is not None:
            self._vet_redeem_options(self._vendor, pass_id, amount, options)
        return at_once(self._redeem_now, pass_id, amount, options)

    def _vet_redeem_options(
        self,
        vendor: Provider,
        pass_id: str,
        amount: Decimal | None,
        options: Mapping[str, Any],
    ) -> None:
        """Wearing a profile, a redemption's ``options`` as its vendor's provider takes them:
        that provider plans the same redemption (for a pass of the stored pass's kind) up to
        its first request, which is never sent, so what it refuses before sending (an option
        or verb it has not, an amount its verb does not take) is refused here too."""
        sample = self._vendor_sample_id(vendor, pass_id)
        plan = None
        try:
            plan = vendor.plan_redeem(sample, amount, options)
            next(plan)
        except StopIteration:
            pass
        except ValidationError as exc:
            raise ValidationError.from_problems(
                exc.problems, provider=self.label, operation="redeem"
            ) from None
        finally:
            if plan is not None:
                plan.close()

    def _redeem_now(
        self, pass_id: str, amount: Decimal | None, options: Mapping[str, Any]
    ) -> Redemption:
        if amount is not None and not self.behaviour.whole_spend_kinds:
            # A vendor whose every balance is whole points refuses a fraction before it looks.
            self._refuse_fraction(self.behaviour.fraction_refusal(amount))
        params: dict[str, Any] = {"pass_id": pass_id}
        if amount is not None:
            params["amount"] = str(amount)
        if options:
            params["options"] = dict(options)
        self._enter("redeem", params)
        with self._store.atomic():  # the status (or balance) read is the one written over
            return self._redeemed(pass_id, amount, params)

    def _redeemed(self, pass_id: str, amount: Decimal | None, params: dict[str, Any]) -> Redemption:
        current = self._with_vendor_balance(self._with_expiry(self._load_live(pass_id, "redeem")))
        # One order on every provider and profile (docs/concepts.md): malformed input (a
        # fraction of whole points), then the pass's state (used up, voided, expired), then
        # whether it has a balance to spend from.
        if amount is not None:
            self._refuse_fraction(self._fraction_refusal(current, amount))
        self._check_usable(current)
        if amount is not None and not (
            self._keeps_balance(current)
            and (self._balance_key(current) is not None or current.balance is not None)
        ):
            raise self._no_balance(current)
        now = _now()
        if amount is not None:
            return self._spend(current, amount, now, params)
        judged = self._kind_to_judge(current)
        balance_kinds = self.behaviour.balance_kinds
        refuse_not_used_up(
            judged,
            pass_id,
            provider=self.label,
            use_operations=self.behaviour.use_operations,
            balance=self.capabilities[Capability.BALANCE].support is not Support.NONE,
            has_balance=(
                judged in balance_kinds
                if balance_kinds is not None
                else current.balance is not None or self._balance_key(current) is not None
            ),
            judged_as=self._judged_as(current),
        )
        status = self.behaviour.redeemed_status
        update: dict[str, Any] = {"status": status, "updated_at": now}
        meta: dict[str, Any] = {}
        if judged in self.behaviour.counted_uses:
            # The vendor counts this pass's uses (a multi-use coupon): used up on the last.
            used = int(current.meta.get(_USES_MADE, 0)) + 1
            left = self.behaviour.uses_allowed(current.fields) - used
            if left < 0:  # its count was lowered below the uses made
                raise already_redeemed(pass_id, details=self.behaviour.state_details(current))
            update["meta"] = {**current.meta, _USES_MADE: used}
            meta["uses_left"] = left
            if left:
                update["status"] = current.status
                status = PassStatus.ACTIVE
        if status is not PassStatus.ACTIVE and self.behaviour.meta_of is not None:
            update["meta"] = {**update.get("meta", current.meta), _USED_AT: now.isoformat()}
        self._store.replace(current.model_copy(update=update))
        from walletpass.results import Redemption  # built with the first redeem

        return Redemption(
            pass_id=pass_id,
            provider=self.name,
            status=status,
            redeemed_at=now,
            method=self.behaviour.method(judged, spent=False),
            meta=meta,
            raw=params,
        )

    def _with_vendor_balance(self, current: IssuedPass) -> IssuedPass:
        """``current`` with the balance its profile's vendor keeps for it though it was given
        none: the vendor's opening balance (``behaviour.opening_balance``) on a pass of a kind
        that keeps one (``behaviour.balance_kinds``; PassEntry: a store card's loyalty record,
        0, *inferred*), whether or not a template alias reads it back. A spend then meets the
        balance the vendor would ("a balance of 0, less than 1"), not "no balance"."""
        opening, kinds = self.behaviour.opening_balance, self.behaviour.balance_kinds
        if (
            opening is None
            or kinds is None
            or current.balance is not None
            or self._balance_key(current) is not None
            or self._kind_to_judge(current) not in kinds
        ):
            return current
        return current.model_copy(update={"balance": Balance(amount=opening)})

    def _kind_to_judge(self, current: IssuedPass) -> PassKind | None:
        """The kind the profile's vendor judges a redeem by: the alias's, else what its read
        would say (the type the kind asked is issued as, :func:`kind_to_judge`)."""
        kinds = self.behaviour.kinds
        if kinds is None or current.kind is None or self._kind_aliased(current):
            return current.kind
        vendor_type = kinds.get(current.kind)
        return kind_to_judge(kinds.kind_of(vendor_type), vendor_type, kinds)

    def _judged_as(self, current: IssuedPass) -> str | None:
        """How the profile's vendor names a pass it judges by a type several kinds share
        (:func:`judged_by_type`), from the type the pass's kind is issued as."""
        kinds = self.behaviour.kinds
        if kinds is None or current.kind is None or self._kind_aliased(current):
            return None
        vendor_type = kinds.get(current.kind)
        return judged_by_type(kinds.kind_of(vendor_type), vendor_type, kinds)

    def _fraction_refusal(self, current: IssuedPass, amount: Decimal) -> str | None:
        """Why ``amount`` cannot be spent from ``current``'s whole-point balance, if it cannot:
        the profile's vendor's rule for the pass's kind, or, on the fake itself, the pass's
        template alias keeping the balance as whole points (``balance_field`` of type int),
        which a fraction would leave unreadable."""
        if self.behaviour.whole_spend_kinds:
            if current.kind in self.behaviour.whole_spend_kinds:
                return self.behaviour.fraction_refusal(amount)
            return None
        if self.profile or amount == amount.to_integral_value():
            return None
        for name, alias in self.settings.templates.items():
            spec = alias.balance_field
            if alias.id == current.template and spec is not None and spec.type is FieldType.INT:
                return (
                    f"template alias {name!r} keeps fields.{spec.name} as whole points (its "
                    f"balance_field's type is int); got {amount}"
                )
        return None

    @staticmethod
    def _refuse_fraction(refusal: str | None) -> None:
        if refusal is not None:
            raise ValidationError.from_problems([FieldProblem("amount", refusal)])

    def _check_usable(self, current: IssuedPass) -> None:
        """Refuse a pass already used up or expired (``AlreadyRedeemed`` / ``PassExpired``)."""
        if current.status in (
            PassStatus.REDEEMED,
            PassStatus.VOIDED,
            self.behaviour.redeemed_status,
        ):
            raise already_redeemed(current.id, details=self.behaviour.state_details(current))
        if current.status is PassStatus.EXPIRED:
            raise has_expired(current.id, details=self.behaviour.state_details(current))

    def _balance_key(self, current: IssuedPass) -> str | None:
        """The field that keeps the pass's balance, where it has no balance attribute."""
        return self.behaviour.balance_field(current.fields)

    def _keeps_balance(self, current: IssuedPass) -> bool:
        """Whether the profile's vendor keeps a balance for a pass of ``current``'s kind
        (``behaviour.balance_kinds``), judged by the vendor type the kind is issued as
        (PassEntry: a gift card is a store card, as a loyalty card is); a pass of no kind, or
        the fake itself, may keep one."""
        kinds, table = self.behaviour.balance_kinds, self.behaviour.kinds
        if kinds is None or current.kind is None:
            return True
        if table is None:
            return current.kind in kinds
        return table.get(current.kind) in {table.get(kind) for kind in kinds}

    def _no_balance(self, current: IssuedPass) -> BusinessRuleError:
        """The refusal of an amount on ``current``, which has no balance (naming the vendor's
        verb for its kind where the vendor's provider does: ``verb_in_refusals``)."""
        kind = self._kind_to_judge(current)
        kinds = self.behaviour.balance_kinds
        if kinds is not None and kind in kinds:
            return no_balance(current.id)
        return no_balance(current.id, details=self.behaviour.verb_details(kind))

    def _spend(
        self, current: IssuedPass, amount: Decimal, now: datetime, params: dict[str, Any]
    ) -> Redemption:
        """Deduct ``amount`` from the pass's balance; the pass stays usable."""
        balance = current.balance
        key = self._balance_key(current)
        if balance is None and key is not None:
            return self._spend_field(current, key, amount, now, params)
        if balance is None:
            raise self._no_balance(current)
        if amount > balance.amount:
            raise insufficient_balance(current.id, balance.amount, amount)
        remaining = balance.amount - amount
        # A spend leaves the pass's lifecycle status as it was, on every provider (docs/concepts.md,
        # the status table): only the answer says it is still usable.
        after = current.status
        self._store.replace(
            current.model_copy(
                update={
                    "balance": balance.model_copy(update={"amount": remaining}),
                    "status": after,
                    "updated_at": now,
                }
            )
        )
        from walletpass.results import Redemption  # built with the first redeem

        return Redemption(
            pass_id=current.id,
            provider=self.name,
            status=self.behaviour.spend_status or after,
            redeemed_at=now if self.behaviour.spend_reports_time else None,
            amount=amount,
            remaining=remaining,
            method=self._spend_method(current, balance, None),
            raw=params,
        )

    def _spend_field(
        self, current: IssuedPass, key: str, amount: Decimal, now: datetime, params: dict[str, Any]
    ) -> Redemption:
        """Deduct ``amount`` from the balance kept in field ``key`` (a behaviour balance field)."""
        value = current.fields[key]
        try:
            held = Decimal(str(value))
        except ArithmeticError:
            held = Decimal("NaN")
        if isinstance(value, bool) or not held.is_finite():
            raise BusinessRuleError(
                f"pass {current.id!r} keeps its balance in field {key!r}, which holds "
                f"{value!r}, not a number",
                code="NO_BALANCE",
            )
        if amount > held:
            raise insufficient_balance(current.id, held, amount)
        remaining = held - amount
        # Kept in the JSON type the field had: whole points stay whole numbers.
        kept: Any = str(remaining)
        if isinstance(value, int | float):
            whole = isinstance(value, int) and remaining == remaining.to_integral_value()
            kept = int(remaining) if whole else float(remaining)
        # A spend leaves the pass's lifecycle status as it was, on every provider (docs/concepts.md,
        # the status table): only the answer says it is still usable.
        after = current.status
        self._store.replace(
            current.model_copy(
                update={"fields": {**current.fields, key: kept}, "status": after, "updated_at": now}
            )
        )
        from walletpass.results import Redemption  # built with the first redeem

        return Redemption(
            pass_id=current.id,
            provider=self.name,
            status=self.behaviour.spend_status or after,
            redeemed_at=now if self.behaviour.spend_reports_time else None,
            amount=amount,
            remaining=remaining,
            method=self._spend_method(current, None, key),
            raw=params,
        )

    def _spend_method(self, current: IssuedPass, balance: Balance | None, key: str | None) -> str:
        """``Redemption.method`` of a spend from ``current``'s ``balance`` (or its field
        ``key``): its kind's verb, else that of the kind its vendor keeps such a balance for
        (``behaviour.balance_kind``)."""
        kind = self._kind_to_judge(current)
        if kind is None and self.behaviour.balance_kind is not None:
            kind = self.behaviour.balance_kind(balance, key)
        return self.behaviour.method(kind, spent=True)

    def plan_delete(self, pass_id: str) -> Plan[None]:
        return at_once(self._delete_now, pass_id)

    def _delete_now(self, pass_id: str) -> None:
        self._enter("delete", {"pass_id": pass_id})
        with self._store.atomic():
            current = self._load(pass_id)
            if current.status is not PassStatus.DELETED:
                self._store.replace(self._tombstone(current))

    def _tombstone(self, current: IssuedPass) -> IssuedPass:
        """``current`` deleted, as its vendor keeps a deleted pass (``deleted_wipes``)."""
        now = _now()
        update: dict[str, Any] = {"status": PassStatus.DELETED, "updated_at": now}
        if self.behaviour.deleted_wipes:
            update.update(
                fields={},
                holder=None,
                barcode=None,
                balance=None,
                expires_at=current.expires_at or now,
                # What the tombstone keeps of what was sent (its group, its relevant
                # date...): the vendor's meta of it may still say so (meta_of).
                raw={k: v for k, v in (current.raw or {}).items() if k not in _WIPED},
            )
        return current.model_copy(update=update)

    def plan_list(self, filters: ListFilters) -> ListPlan:
        if self._vendor is not None:
            # Wearing a profile: the vendor's provider plans the same listing up to its first
            # request, which is never sent, so the filters its vendor cannot take (PassEntry's
            # page_size, a status Livepasses has no value for) are refused here too.
            try:
                self._vendor.plan_list(filters)
            except ValidationError as exc:
                raise ValidationError.from_problems(
                    exc.problems, provider=self.label, operation="list"
                ) from None
        return self._listing(filters)

    def _listing(self, filters: ListFilters) -> ListPlan:
        yield Emit(())  # nothing is read before the caller asks for the first pass
        params = {
            k: v
            for k, v in {
                "template": filters.template,
                "status": filters.status.value if filters.status else None,
                "page_size": filters.page_size,
            }.items()
            if v is not None
        }
        self._enter("list", params)
        after = 0
        size = filters.page_size or 100
        statuses: tuple[str, ...] = ()
        if filters.status is not None:
            alike = self.behaviour.listed_alike
            listed = alike.get(filters.status) if alike is not None else None
            statuses = tuple(sorted(s.value for s in listed)) if listed else (filters.status.value,)
        while True:
            rows = self._store.page(after, size, filters.template, statuses)
            for seq, issued in rows:
                after = seq
                yield Emit((self._read_answer(issued, listed=True),))
            if len(rows) < size:
                return
