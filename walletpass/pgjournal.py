"""A bulk journal in PostgreSQL, shared by workers on any number of machines.

Install with ``pip install walletpass[postgres]``. It keeps the same record as the SQLite
:class:`~walletpass.journal.BulkJournal` (one row per item: in flight, succeeded, failed, unknown)
with the same meaning, so ``create_many`` gives the same exactly-once guarantee; what it adds is
**claims**: before a worker looks at an item it claims it, so two workers given the same item (a
task delivered twice, two overlapping runs) never both send it. The second waits until the first
is done, then finds the item settled.

A claim is a lease. The worker holding it renews it every ``lease / 3`` seconds from a background
thread; a worker that dies (SIGKILL, a lost machine) stops renewing, and after ``lease`` seconds
its claims pass to whoever asks next. An item whose request had left (recorded *in flight* at
its dispatch point, after the rate limiter's wait) is reconciled exactly as a resumed SQLite run
would: the next worker asks the vendor by external id whether the pass exists and records it, or
reports it as unknown; it never sends it blindly again. An item the dead worker held while it
waited for its slot has no record of leaving, and is issued.

Tables (created on first use, shared by every run in the database): ``walletpass_runs`` (one row
per run: its provider), ``walletpass_items`` (the journal rows, keyed by run and item key),
``walletpass_claims`` (who holds which item until when, by the database's clock) and
``walletpass_schema`` (one row: the version of these tables' layout, :data:`SCHEMA_VERSION`).

The version is checked when a journal opens: tables of another layout (written by an older or a
newer walletpass) are refused with a ``ConfigurationError`` that says which version each side has
and what to do, before anything is read or written, since a worker reading rows of a layout it
does not know could report an issued pass as not issued and send it again. Tables made before
the marker existed are the first layout, version 1: opening them records the marker (when the
role may create a table; otherwise they are read as version 1).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from walletpass.errors import ConfigurationError, JournalError, WalletPassError
from walletpass.journal import (
    ENTRY_COLUMNS,
    NOT_SENT,
    POSITION_KEYS,
    JournalEntry,
    JournalState,
    entry_from_row,
    item_key,
)
from walletpass.model import IssuedPass
from walletpass.pgtls import refuse_clear_text_to_remote
from walletpass.redaction import redact_text, register_secret

__all__ = ["SCHEMA_VERSION", "PostgresJournal", "describe_database", "run_entries"]

#: The layout of the journal's tables this walletpass reads and writes. A change to the tables
#: that an older walletpass would misread raises it (and ships with its migration).
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS walletpass_runs (
    run TEXT PRIMARY KEY,
    provider TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS walletpass_items (
    run TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    pass_id TEXT,
    issued TEXT,
    error_type TEXT,
    error_message TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated DOUBLE PRECISION NOT NULL,
    batched INTEGER NOT NULL DEFAULT 0,
    ticket TEXT,
    PRIMARY KEY (run, key)
);
CREATE INDEX IF NOT EXISTS walletpass_items_fingerprint ON walletpass_items (run, fingerprint);
CREATE TABLE IF NOT EXISTS walletpass_claims (
    run TEXT NOT NULL,
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run, key)
);
"""

# The marker: one row. Created with the tables, or beside tables made before it (version 1).
_MARKER = """
CREATE TABLE IF NOT EXISTS walletpass_schema (
    version INTEGER NOT NULL,
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row)
)
"""
_MARK = "INSERT INTO walletpass_schema (version) VALUES (%s) ON CONFLICT DO NOTHING"

_MARKER_EXISTS = "SELECT to_regclass('walletpass_schema') IS NOT NULL"

_TABLES_EXIST = (
    "SELECT to_regclass('walletpass_runs') IS NOT NULL AND to_regclass('walletpass_items') IS NOT "
    "NULL AND to_regclass('walletpass_claims') IS NOT NULL"
)

# Made with the tables; beside tables made before it, by a role that may (it changes no row,
# so tables without it are the same layout: only adopt_position_entry reads slower there).
_FINGERPRINT_INDEX = (
    "CREATE INDEX IF NOT EXISTS walletpass_items_fingerprint ON walletpass_items (run, fingerprint)"
)
_FINGERPRINT_INDEX_EXISTS = "SELECT to_regclass('walletpass_items_fingerprint') IS NOT NULL"

#: Any constant: serialises the schema creation of workers starting together.
_SCHEMA_LOCK = 0x77616C6C


# PostgreSQL text cannot hold the NUL character, which SQLite's can and which an external id
# can carry (Livepasses takes any text; a row read from a damaged file) or a vendor's refusal
# quoting one: written as it is, one such item stopped the whole run with a JournalError, and
# every re-run again at the same item. So a key holding NUL is stored as its JSON text under a
# prefix no item key begins with (they begin "ext:" or "pos:"): it never equals another item's
# key, and every other key is stored exactly as before. A message keeps each NUL as the text
# \x00 (what repr shows).
_NUL_KEY = "nul:"


def _stored_key(key: str) -> str:
    """The row key for item ``key``: the same string unless it holds NUL (or begins like a
    stored one, which no item key does: then it is stored the same way, so none is misread)."""
    if "\x00" not in key and not key.startswith(_NUL_KEY):
        return key
    return _NUL_KEY + json.dumps(key)


def _stored_text(text: str) -> str:
    """A message as PostgreSQL text can hold it: each NUL written ``\\x00``, as repr shows it."""
    return text.replace("\x00", "\\x00")


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    """A stored row as the journal entry, its key as the bulk run made it."""
    key = row[0]
    if key.startswith(_NUL_KEY):
        row = (json.loads(key[len(_NUL_KEY) :]), *row[1:])
    return entry_from_row(row)


def describe_database(dsn: str) -> str:
    """Where the database is, without credentials; the password is registered as a secret."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise ConfigurationError(
            "the journal's database must be a PostgreSQL URL such as "
            "postgresql://user:password@host:5432/dbname, or a key=value connection string"
        ) from None
    register_secret(dsn)
    register_secret(str(parts.get("password") or ""))
    refuse_clear_text_to_remote(parts)
    host = parts.get("host") or "localhost"
    return f"postgresql://{host}:{parts.get('port') or 5432}/{parts.get('dbname') or ''}"


class PostgresJournal:
    """The journal of run ``run`` in the PostgreSQL database ``dsn``; thread-safe; a context
    manager. Pass it as ``create_many(..., journal=...)`` in every worker of the run.

    ``dsn``: ``postgresql://user:password@host:port/dbname`` (or a libpq key=value string; the
    password is masked everywhere); ``run``: the run's name, the same in every worker and on every
    re-run; ``provider``: the provider name the run belongs to; ``lease``: seconds after which a
    silent worker's claims pass to another worker; ``claim_timeout``: the longest a worker waits
    for an item another worker holds (default: two leases).

    Raises ``ConfigurationError`` when the database cannot be reached or the run belongs to
    another provider; a database failure later in the run is a ``JournalError`` (the run stops
    sending and reports what it did; the next statement connects again).
    """

    def __init__(
        self,
        dsn: str,
        *,
        run: str,
        provider: str,
        lease: float = 30.0,
        claim_timeout: float | None = None,
    ) -> None:
        if not run or "\x00" in run:
            raise ConfigurationError(
                "a shared journal needs a run name, without NUL characters (PostgreSQL text "
                "cannot hold them)"
            )
        if lease <= 0:
            raise ConfigurationError("lease must be a positive number of seconds")
        self.where = describe_database(dsn)
        self.path = f"{self.where} run {run!r}"  # what error messages call the journal
        self.run = run
        self.provider = provider
        self.lease = lease
        self.claim_timeout = 2 * lease if claim_timeout is None else claim_timeout
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._dsn = dsn
        self._lock = threading.Lock()
        self._held: set[str] = set()
        db: psycopg.Connection[Any] | None = None
        try:
            self._db = db = self._connect(timeout=10)
            self._prepare_tables(db)
            # The run's row is written here, so that a role that may only read fails now, as a
            # configuration error, not as a database outage at the first item.
            db.execute(
                "INSERT INTO walletpass_runs (run, provider) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (run, provider),
            )
        except psycopg.Error as exc:
            if db is not None:
                db.close()
            hint = (
                "; the journal's role needs to create its tables once (or find them made), "
                "to select, insert, update and delete in walletpass_runs, walletpass_items and "
                "walletpass_claims, and to select in walletpass_schema"
                if isinstance(exc, psycopg.errors.InsufficientPrivilege)
                else ""
            )
            raise ConfigurationError(
                f"cannot open the bulk journal at {self.where}: {_reason(exc)}{hint}"
            ) from None
        except WalletPassError:
            if db is not None:
                db.close()
            raise
        try:
            self._bind(provider)
        except WalletPassError:
            self._db.close()
            raise
        self._stop = threading.Event()
        self._renewer = threading.Thread(
            target=self._renew_leases, name="walletpass-journal-lease", daemon=True
        )
        self._renewer.start()

    def _prepare_tables(self, db: psycopg.Connection[Any]) -> None:
        """Check the tables' layout, then create what is missing; ``ConfigurationError`` for
        tables of another layout than :data:`SCHEMA_VERSION`, before anything is written."""
        marked = db.execute(_MARKER_EXISTS).fetchone() == (True,)
        if marked:
            _refuse_other_versions(self.where, self._marked(db))
        # Only a missing table is created: a role that may use the tables but not create any
        # (the usual grant where an owner runs the migrations) opens an existing journal.
        if db.execute(_TABLES_EXIST).fetchone() != (True,):
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                db.execute(_SCHEMA)
                db.execute(_MARKER)
                db.execute(_MARK, (SCHEMA_VERSION,))
        elif not marked:
            # Tables from before the marker: the first layout. Record it if this role may.
            try:
                with db.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    db.execute(_MARKER)
                    db.execute(_MARK, (1,))
            except psycopg.errors.InsufficientPrivilege:
                _refuse_other_versions(self.where, 1)
                return
        _refuse_other_versions(self.where, self._marked(db))
        if db.execute(_FINGERPRINT_INDEX_EXISTS).fetchone() != (True,):
            with contextlib.suppress(psycopg.errors.InsufficientPrivilege), db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                db.execute(_FINGERPRINT_INDEX)

    @staticmethod
    def _marked(db: psycopg.Connection[Any]) -> int | None:
        row = db.execute("SELECT version FROM walletpass_schema").fetchone()
        return None if row is None else int(row[0])

    def _connect(self, *, timeout: int) -> psycopg.Connection[Any]:
        # named, so that a database administrator sees whose connection it is
        name = f"walletpass journal {self.run}"[:63]
        return psycopg.connect(
            self._dsn, autocommit=True, connect_timeout=timeout, application_name=name
        )

    def _bind(self, provider: str) -> None:
        row = self._fetchone("SELECT provider FROM walletpass_runs WHERE run = %s", (self.run,))
        # The column holds the provider, then its account once a run bound it (bind_account).
        bound = str(row[0]).split(" ", 1)[0] if row else None
        if bound != provider:
            raise ConfigurationError(
                f"bulk journal {self.path} belongs to a run on provider "
                f"{bound!r}, not {provider!r}; use another run name",
                provider=provider,
            )

    def bind_account(self, account: str) -> None:
        """Tie the run to one vendor account (:func:`walletpass.accounts.account_of`): the first
        worker's account is recorded with the run's provider, and a worker or a re-run with
        another API key is refused, since the passes the run records as issued live in the first
        account. A run from before accounts were recorded takes the first account that uses it.

        Raises ``ConfigurationError`` for another account (nothing is sent), ``JournalError``
        when the database fails."""
        bound = f"{self.provider} {account}"
        self._execute(
            "UPDATE walletpass_runs SET provider = %s WHERE run = %s AND provider = %s",
            (bound, self.run, self.provider),
        )
        row = self._fetchone("SELECT provider FROM walletpass_runs WHERE run = %s", (self.run,))
        if row is None or row[0] != bound:
            raise ConfigurationError(
                f"bulk journal {self.path} belongs to a run on another {self.provider} account "
                "(another API key): the passes it records as issued are there, not in this "
                "one; use another run name",
                provider=self.provider,
            )

    def close(self) -> None:
        self._stop.set()
        self._renewer.join(timeout=5)
        with self._lock:
            with contextlib.suppress(psycopg.Error):
                self._db.execute(
                    "DELETE FROM walletpass_claims WHERE run = %s AND owner = %s",
                    (self.run, self.owner),
                )
            self._db.close()

    def __enter__(self) -> PostgresJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresJournal({self.where}, run={self.run!r})"

    # -- claims ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Hold ``key`` against every other worker while the block runs.

        Waits while another live worker holds it (up to ``claim_timeout`` seconds; then raises a
        retryable ``WalletPassError``), takes it over once that worker's lease has run out.
        """
        key = _stored_key(key)
        waited_until = time.monotonic() + self.claim_timeout
        pause = 0.05
        while not self._try_claim(key):
            if time.monotonic() > waited_until:
                raise WalletPassError(
                    f"item {key} of bulk journal {self.path} is still held by another worker "
                    f"after {self.claim_timeout:g}s; run again later",
                    operation="create",
                    retryable=True,
                )
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
        with self._lock:
            self._held.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(key)
            # A release that fails must not hide the item's outcome: the claim then simply
            # runs out with its lease.
            with contextlib.suppress(JournalError):
                self._execute(
                    "DELETE FROM walletpass_claims WHERE run = %s AND key = %s AND owner = %s",
                    (self.run, key, self.owner),
                )

    def _try_claim(self, key: str) -> bool:
        row = self._fetchone(
            "INSERT INTO walletpass_claims (run, key, owner, lease_until) "
            "VALUES (%s, %s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (run, key) DO UPDATE SET owner = excluded.owner, "
            "lease_until = excluded.lease_until "
            "WHERE walletpass_claims.lease_until < now() "
            "OR walletpass_claims.owner = excluded.owner "
            "RETURNING owner",
            (self.run, key, self.owner, self.lease),
        )
        return row is not None

    def _renew_leases(self) -> None:
        # Its own connection: a renewal never waits behind the workers' statements.
        connection: psycopg.Connection[Any] | None = None
        while not self._stop.wait(self.lease / 3):
            with self._lock:
                if not self._held:
                    continue
            try:
                if connection is None or connection.closed:
                    connection = self._connect(timeout=5)
                connection.execute(
                    "UPDATE walletpass_claims SET lease_until = now() + make_interval(secs => %s) "
                    "WHERE run = %s AND owner = %s",
                    (self.lease, self.run, self.owner),
                )
            except psycopg.Error:
                # The next round tries again; if the database stays away the leases run out and
                # another worker reconciles these items, which is safe.
                connection = None
        if connection is not None:
            connection.close()

    # -- reading ---------------------------------------------------------------------------

    def get(self, key: str) -> JournalEntry | None:
        key = _stored_key(key)
        row = self._fetchone(
            f"SELECT {ENTRY_COLUMNS} FROM walletpass_items WHERE run = %s AND key = %s",
            (self.run, key),
        )
        return _entry(row) if row is not None else None

    def counts(self) -> dict[JournalState, int]:
        rows = self._fetchall(
            "SELECT state, COUNT(*) FROM walletpass_items WHERE run = %s GROUP BY state",
            (self.run,),
        )
        found = {JournalState(state): count for state, count in rows}
        return {state: found.get(state, 0) for state in JournalState}

    def unresolved(self) -> list[JournalEntry]:
        """Items whose outcome is unknown and need a human decision (or a reconciling re-run)."""
        rows = self._fetchall(
            f"SELECT {ENTRY_COLUMNS} FROM walletpass_items WHERE run = %s AND state IN (%s, %s) "
            "ORDER BY position",
            (self.run, JournalState.IN_FLIGHT.value, JournalState.UNKNOWN.value),
        )
        return [_entry(row) for row in rows]

    def adopt_position_entry(self, key: str, position: int, print_: str) -> JournalEntry | None:
        """:meth:`walletpass.journal.BulkJournal.adopt_position_entry`, in this run: the
        ``pos:`` entry an earlier walletpass recorded for the item now keyed ``key`` (same
        fingerprint, the one at ``position`` first) moved under ``key`` and returned; else the
        entry at ``pos:{position}``, unmoved, or ``None``. (The bulk run calls it holding the
        claim on ``key``.)"""
        key = _stored_key(key)
        row = self._fetchone(
            "UPDATE walletpass_items SET key = %s, position = %s WHERE run = %s AND key = ("
            "SELECT key FROM walletpass_items WHERE run = %s AND fingerprint = %s AND key >= %s "
            "AND key < %s ORDER BY position = %s DESC, position LIMIT 1) AND NOT EXISTS ("
            "SELECT 1 FROM walletpass_items WHERE run = %s AND key = %s) "
            f"RETURNING {ENTRY_COLUMNS}",
            (key, position, self.run, self.run, print_, *POSITION_KEYS, position, self.run, key),
        )
        return _entry(row) if row is not None else self.get(item_key(position, None))

    def entries(self) -> list[JournalEntry]:
        """Every item of the run, in input order (for collecting a distributed run's results)."""
        rows = self._fetchall(
            f"SELECT {ENTRY_COLUMNS} FROM walletpass_items WHERE run = %s ORDER BY position",
            (self.run,),
        )
        return [_entry(row) for row in rows]

    # -- writing (the same statements as the SQLite journal, per run) ------------------------

    def confirm_claim(self, key: str) -> None:
        """Renew this worker's claim on ``key`` (if it holds one) and make sure it still does:
        the bulk run calls it (through :meth:`begin`) when it records the item in flight, at the
        request's dispatch point after the rate limiter's wait, and again right before each
        further attempt (see :mod:`walletpass.send_checks`).

        Raises ``JournalError`` (retryable; nothing is sent) when the worker stalled past its
        lease and another worker took the item over."""
        self._confirm_stored(_stored_key(key))

    def _confirm_stored(self, key: str) -> None:
        with self._lock:
            claimed = key in self._held
        if (
            claimed
            and self._fetchone(
                "UPDATE walletpass_claims SET lease_until = now() + make_interval(secs => %s) "
                "WHERE run = %s AND key = %s AND owner = %s RETURNING owner",
                (self.lease, self.run, key, self.owner),
            )
            is None
        ):
            raise JournalError(
                f"item {key} of bulk journal {self.path} was taken over by another worker: this "
                f"one stalled past its {self.lease:g}s lease, so it sends nothing more (the "
                "other worker settles the item)",
                operation="create",
                retryable=True,
            )

    def begin(self, key: str, position: int, print_: str, *, batched: bool = False) -> None:
        """Record the item as in flight: the last step before its request is sent (a bulk run
        calls it at the dispatch point, after the rate limiter's wait).

        For an item claimed through :meth:`claim`, the claim is renewed in the same breath; a
        worker that stalled past its lease (a long pause, a suspended VM) and lost the item to
        another raises ``JournalError`` here, before sending, rather than send what the other
        worker may already have issued (the run stops: its other claims are as stale).
        """
        key = _stored_key(key)
        self._confirm_stored(key)
        self._execute(
            "INSERT INTO walletpass_items (run, key, position, state, fingerprint, attempts, "
            "updated, batched) VALUES (%s, %s, %s, %s, %s, 1, %s, %s) ON CONFLICT (run, key) DO "
            "UPDATE SET state = excluded.state, position = excluded.position, "
            "fingerprint = excluded.fingerprint, attempts = walletpass_items.attempts + 1, "
            "updated = excluded.updated, batched = excluded.batched, ticket = NULL, "
            "error_type = NULL, error_message = NULL, retryable = 0",
            (
                self.run,
                key,
                position,
                JournalState.IN_FLIGHT.value,
                print_,
                time.time(),
                int(batched),
            ),
        )

    def not_sent(self, key: str) -> None:
        """As :meth:`walletpass.journal.BulkJournal.not_sent`: the item waits for its rate-limit
        slot, known not to have left (a worker killed now leaves it to be sent by the next).

        Only this worker's claim and its own in-flight record are changed: a worker that stalled
        past its lease raises ``JournalError`` (nothing is sent), and the record another worker
        settled meanwhile is never turned back into "not sent"."""
        key = _stored_key(key)
        self._confirm_stored(key)
        self._execute(
            "UPDATE walletpass_items SET state = %s, error_type = %s, error_message = %s, "
            "retryable = 1, attempts = attempts - 1, updated = %s "
            "WHERE run = %s AND key = %s AND state = %s",
            (
                JournalState.FAILED.value,
                *NOT_SENT,
                time.time(),
                self.run,
                key,
                JournalState.IN_FLIGHT.value,
            ),
        )

    def accepted(self, key: str, ticket: str) -> None:
        key = _stored_key(key)
        self._execute(
            "UPDATE walletpass_items SET ticket = %s, updated = %s WHERE run = %s AND key = %s",
            (ticket, time.time(), self.run, key),
        )

    def succeed(self, key: str, issued: IssuedPass) -> None:
        key = _stored_key(key)
        self._execute(
            "UPDATE walletpass_items SET state = %s, pass_id = %s, issued = %s, "
            "error_type = NULL, error_message = NULL, retryable = 0, updated = %s "
            "WHERE run = %s AND key = %s",
            (
                JournalState.SUCCEEDED.value,
                issued.id,
                issued.model_dump_json(exclude={"raw"}),
                time.time(),
                self.run,
                key,
            ),
        )

    def fail(
        self, key: str, error: BaseException, *, retryable: bool, outcome_unknown: bool
    ) -> None:
        key = _stored_key(key)
        state = JournalState.UNKNOWN if outcome_unknown else JournalState.FAILED
        self._execute(
            "UPDATE walletpass_items SET state = %s, error_type = %s, error_message = %s, "
            "retryable = %s, updated = %s WHERE run = %s AND key = %s",
            (
                state.value,
                type(error).__name__,
                _stored_text(redact_text(str(error))),  # a plugin's error may quote a vendor's echo
                int(retryable),
                time.time(),
                self.run,
                key,
            ),
        )

    def record_found(self, key: str, position: int, print_: str, issued: IssuedPass) -> None:
        """An unknown item turned out to exist at the vendor: it succeeded after all."""
        self.begin(key, position, print_)
        self.succeed(key, issued)

    def resolve(self, key: str, *, issued: bool, pass_id: str | None = None) -> None:
        """A human's decision on an unknown item: it was issued (skip it) or not (send again).

        :param key: the item's key, as ``unresolved()`` lists it (``JournalEntry.key``) and the
            run's errors name it: ``ext:<external id>`` for an item given an external id (also
            where the vendor keeps that id in a template field), else ``pos:<input position>``
            (``pos:0`` first).
        :param issued: True: the vendor has the pass, and later runs skip the item; False: it
            does not, and the next run sends it.
        :param pass_id: the pass's id when ``issued``, reported by later runs that skip it.
        :raises ConfigurationError: the journal holds no item under ``key``.
        """
        if self.get(key) is None:
            raise ConfigurationError(f"bulk journal {self.path} has no item {key!r}")
        key = _stored_key(key)
        if issued:
            self._execute(
                "UPDATE walletpass_items SET state = %s, pass_id = %s, updated = %s "
                "WHERE run = %s AND key = %s",
                (JournalState.SUCCEEDED.value, pass_id, time.time(), self.run, key),
            )
        else:
            self._execute(
                "DELETE FROM walletpass_items WHERE run = %s AND key = %s", (self.run, key)
            )

    # -- the connection --------------------------------------------------------------------

    @contextlib.contextmanager
    def _cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor on the journal's connection, connecting again first when the last one was
        lost. A database failure is a ``JournalError``: the bulk run stops sending (what it sent
        next could not be recorded) and reports every outcome it had; an item whose outcome
        could not be written stays *in flight*, so the next run looks it up instead of sending
        it again."""
        with self._lock:
            try:
                if self._db.closed or self._db.broken:
                    self._db = self._connect(timeout=10)
                with self._db.cursor() as cursor:
                    yield cursor
            except psycopg.Error as exc:
                raise JournalError(
                    f"bulk journal {self.path}: the database failed ({_reason(exc)}); "
                    "run again with the same journal when it is back: what was sent is looked "
                    "up, not sent again",
                    operation="create",
                    retryable=True,
                ) from None

    def _execute(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._cursor() as cursor:
            cursor.execute(sql, params)

    def _fetchone(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def _fetchall(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _refuse_other_versions(where: str, found: int | None) -> None:
    """``ConfigurationError`` unless ``found`` is :data:`SCHEMA_VERSION`."""
    if found == SCHEMA_VERSION:
        return
    tables = "walletpass_runs, walletpass_items, walletpass_claims and walletpass_schema"
    if found is None:
        said = "its schema marker (table walletpass_schema) is empty"
        todo = (
            f"if the tables are walletpass's version {SCHEMA_VERSION}, insert the row "
            f"(INSERT INTO walletpass_schema (version) VALUES ({SCHEMA_VERSION}))"
        )
    elif found > SCHEMA_VERSION:
        said = (
            f"its tables are schema version {found}, written by a newer walletpass; this "
            f"one reads version {SCHEMA_VERSION}"
        )
        todo = (
            "upgrade walletpass here (every worker of a run must run a walletpass of the "
            "same schema version)"
        )
    else:
        said = (
            f"its tables are schema version {found}, from an older walletpass; this one "
            f"reads version {SCHEMA_VERSION}"
        )
        todo = (
            "run the runs still in it to the end with that walletpass, then drop "
            f"{tables} (they are made again on first use), or use another database"
        )
    raise ConfigurationError(
        f"cannot open the bulk journal at {where}: {said}; {todo}. Nothing was read or written."
    )


def run_entries(dsn: str, run: str) -> list[JournalEntry]:
    """Every item of run ``run`` in the shared journal at ``dsn``, in input order, read without
    claiming or writing anything (a producer finding out what the workers did).

    Raises ``ConfigurationError`` when the database cannot be reached or read, or its tables are
    of another layout than :data:`SCHEMA_VERSION`; a run the database does not hold has no
    entries.
    """
    where = describe_database(dsn)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as db:
            if db.execute(_TABLES_EXIST).fetchone() != (True,):
                return []
            marked = db.execute(_MARKER_EXISTS).fetchone() == (True,)
            _refuse_other_versions(where, PostgresJournal._marked(db) if marked else 1)
            rows = db.execute(
                f"SELECT {ENTRY_COLUMNS} FROM walletpass_items WHERE run = %s ORDER BY position",
                (run,),
            ).fetchall()
    except psycopg.Error as exc:
        raise ConfigurationError(
            f"cannot read the bulk journal at {where}: {_reason(exc)}"
        ) from None
    return [_entry(row) for row in rows]


def _reason(exc: BaseException) -> str:
    """The failure's type and the server's or libpq's first line ("connection to server at
    ... failed: Connection refused", "permission denied for table walletpass_runs"): the type
    alone does not tell a stopped server from a missing database or a read-only role. Masked:
    the driver's text may quote the connection string."""
    lines = redact_text(str(exc)).strip().splitlines()
    said = " ".join(lines[0].split())[:200] if lines else ""
    return f"{type(exc).__name__}: {said}" if said else type(exc).__name__
