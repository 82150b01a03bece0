"""A bulk run's memory: which items were issued, which failed, which may or may not have been.

``create_many(..., journal="run.db")`` records every item's outcome in an SQLite file, keyed by the
external id the application gave the item (or, without one, its position in the input), also
where the vendor keeps that id in a template field (Pass2U) and the pass as sent has none: a
journal written before such items were keyed so holds them by position, and is still read
(:meth:`BulkJournal.adopt_position_entry`). Re-running the same job with the
same journal after a crash, a Ctrl-C or a SIGKILL:

* skips what succeeded (the stored pass is returned, marked ``skipped``);
* re-sends what failed retryably, and what failed for good only if the item's content changed;
* for an item that was *in flight* when the run died (or whose outcome was unknown), asks the
  provider whether the vendor has it, by external id, before sending again — and, where the vendor
  cannot be asked, reports it as :class:`~walletpass.errors.OutcomeUnknown` for a human to decide
  instead of risking a duplicate pass.

Each state change is committed before the next step, so what the file says is what happened. An
item is recorded *in flight* before its create runs (a plugin may reach its vendor on a client
of its own, which tells nobody); while the core transport waits for the rate limiter's slot it
is recorded *not sent* (a retryable failure), and in flight again at the last moment before its
request leaves (:mod:`walletpass.send_checks`): one a run held while it waited is known to be
unsent, and the re-run sends it.

One run at a time: a run claims the journal (:meth:`BulkJournal.claim_run`, an exclusive lock on
the journal file itself, so every name of it (a symlink, a hard link) meets the same lock, which
the operating system releases when the process ends, even by SIGKILL), and
a second concurrent run on the same file is refused at once with
:class:`~walletpass.errors.JournalInUse`. Reading the journal, or :meth:`BulkJournal.resolve`,
needs no claim. A journal shared by several workers on purpose (the scale-out journal) opts out
with ``single_run=False``. A journal that cannot be read or written (a full disk, an I/O error)
raises :class:`~walletpass.errors.JournalError` saying what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from walletpass.errors import ConfigurationError, JournalError, JournalInUse
from walletpass.model import IssuedPass, Pass, restored_pass
from walletpass.redaction import redact_text

__all__ = [
    "ENTRY_COLUMNS",
    "NOT_SENT",
    "BulkJournal",
    "Journal",
    "JournalEntry",
    "JournalState",
    "entry_from_row",
    "fingerprint",
    "item_key",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    state TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    pass_id TEXT,
    issued TEXT,
    error_type TEXT,
    error_message TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    batched INTEGER NOT NULL DEFAULT 0,
    ticket TEXT
);
CREATE INDEX IF NOT EXISTS items_fingerprint ON items (fingerprint);
"""

_COLUMNS = (
    "key, position, state, fingerprint, pass_id, issued, error_type, error_message, retryable, "
    "attempts, batched, ticket"
)


class JournalState(StrEnum):
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class JournalEntry:
    key: str
    position: int
    state: JournalState
    fingerprint: str
    pass_id: str | None
    issued: IssuedPass | None
    error_type: str | None
    error_message: str | None
    retryable: bool
    attempts: int
    #: Sent in a vendor batch that may finish in the background after the run stopped: the
    #: vendor not having the pass yet does not mean it never will.
    batched: bool = False
    #: The vendor's background job (batch id) that accepted the item, when it reported one.
    ticket: str | None = None


def item_key(position: int, external_id: str | None) -> str:
    """External ids identify an item across edits of the input; positions only within one file.

    ``external_id``: the one the application gave the item (where the vendor keeps it in a
    template field, the pass as sent has none: the input's is meant)."""
    return f"ext:{external_id}" if external_id else f"pos:{position}"


#: Where ``pos:`` keys begin and end in a journal's key order (``;`` follows ``:``): a range the
#: key's index answers, where ``LIKE 'pos:%'`` would read every row.
POSITION_KEYS = ("pos:", "pos;")


def fingerprint(new_pass: Pass) -> str:
    """A digest of the pass content, to tell a corrected input row from the one that failed."""
    payload = new_pass.model_dump_json(exclude_none=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


#: What a journal records for an item waiting for its rate-limit slot (``not_sent``): its error
#: type and message, a retryable failure (nothing left).
NOT_SENT = ("NotSent", "waiting for a rate-limit slot when its run stopped: it was not sent")

#: A URL's scheme, as a journal "path" that is really a database URL starts.
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class BulkJournal:
    """The SQLite-backed journal of one bulk job; thread-safe; a context manager.

    ``single_run``: refuse a second concurrent run on the same file (see :meth:`claim_run`).
    Raises :class:`~walletpass.errors.JournalError` when the file cannot be opened and
    :class:`~walletpass.errors.ConfigurationError` when it belongs to another provider.
    """

    def __init__(self, path: str | Path, *, provider: str, single_run: bool = True) -> None:
        scheme = _URL_SCHEME.match(str(path))
        if scheme:
            # Read as a file name it would print a database password in every message (and
            # create a file under a folder named "postgresql:").
            raise ConfigurationError(
                f"a bulk journal here is an SQLite file path, not a {scheme.group(1)}:// URL: "
                "for the journal workers share in PostgreSQL, pass a "
                "walletpass.pgjournal.PostgresJournal(url, run=..., provider=...) as journal= "
                "(from the command line: --workers celery://... with --journal postgresql://... "
                "and --run NAME)",
                provider=provider,
            )
        self.path = Path(path)
        self.single_run = single_run
        self._run_lock: _RunLock | None = None
        try:
            self._db = sqlite3.connect(
                str(self.path), check_same_thread=False, isolation_level=None
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(items)")}
            # Journals written before these columns existed gain them, empty.
            if "batched" not in columns:
                self._db.execute("ALTER TABLE items ADD COLUMN batched INTEGER NOT NULL DEFAULT 0")
            if "ticket" not in columns:
                self._db.execute("ALTER TABLE items ADD COLUMN ticket TEXT")
        except sqlite3.Error as exc:
            raise JournalError(
                f"cannot open bulk journal {self.path}: {exc}; check that its folder exists, is "
                "writable and has free space, or choose another journal file"
            ) from None
        self._lock = threading.Lock()
        self.provider = provider
        self._bind(provider)

    def _bind(self, provider: str) -> None:
        with self._lock:
            # Another process (a resumed run, a watcher) may open the file at the same moment:
            # the first to write the provider wins and everyone checks against it.
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('provider', ?)", (provider,))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'provider'").fetchone()
            if row[0] != provider:
                raise ConfigurationError(
                    f"bulk journal {self.path} belongs to a run on provider {row[0]!r}, "
                    f"not {provider!r}; use another journal file",
                    provider=provider,
                )

    def bind_account(self, account: str) -> None:
        """Tie the journal to one vendor account (:func:`walletpass.accounts.account_of`): the
        first run's account is recorded, and a run with another API key is refused, since the
        passes this journal records as issued live in the first account. A journal from before
        accounts were recorded takes the first account that uses it.

        Raises ``ConfigurationError`` for another account (nothing is sent)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('account', ?)", (account,))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'account'").fetchone()
        if row[0] != account:
            raise ConfigurationError(
                f"bulk journal {self.path} belongs to a run on another {self.provider} account "
                "(another API key): the passes it records as issued are there, not in this "
                "one; use another journal file",
                provider=self.provider,
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    @contextlib.contextmanager
    def claim_run(self) -> Iterator[None]:
        """Hold the journal for one run; :class:`~walletpass.errors.JournalInUse` at once if
        another run (in this or another process) holds it. A no-op with ``single_run=False``."""
        if not self.single_run:
            yield
            return
        lock = _RunLock(self.path)
        lock.acquire(holder=self._holder)
        self._run_lock = lock
        with contextlib.suppress(sqlite3.Error), self._lock:  # who holds it: for that message
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('run_holder', ?)", (f"pid {os.getpid()}",)
            )
        try:
            yield
        finally:
            lock.release()
            self._run_lock = None

    def _holder(self) -> str:
        try:
            with self._lock:
                row = self._db.execute("SELECT value FROM meta WHERE key = 'run_holder'").fetchone()
        except sqlite3.Error:
            return ""
        return str(row[0]) if row and str(row[0]).startswith("pid ") else ""

    @contextlib.contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Nothing to hold: one run at a time owns an SQLite journal (see :class:`Journal`)."""
        yield

    def __enter__(self) -> BulkJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------

    def get(self, key: str) -> JournalEntry | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM items WHERE key = ?", (key,))
        return _entry(rows[0]) if rows else None

    def counts(self) -> dict[JournalState, int]:
        rows = self._read("SELECT state, COUNT(*) FROM items GROUP BY state")
        found = {JournalState(state): count for state, count in rows}
        return {state: found.get(state, 0) for state in JournalState}

    def unresolved(self) -> list[JournalEntry]:
        """Items whose outcome is unknown and need a human decision (or a reconciling re-run)."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM items WHERE state IN (?, ?) ORDER BY position",
            (JournalState.IN_FLIGHT.value, JournalState.UNKNOWN.value),
        )
        return [_entry(row) for row in rows]

    def adopt_position_entry(self, key: str, position: int, print_: str) -> JournalEntry | None:
        """The entry a walletpass from before recorded by position for the item now keyed
        ``key`` (its external id, which its vendor keeps in a template field: walletpass keyed
        such items by their position until 2026-12), so that a journal written then is resumed
        without sending an item twice.

        A ``pos:`` entry with fingerprint ``print_`` (the one at ``position`` first) is this
        item, wherever the earlier input had it: it is moved under ``key`` and ``position``
        (committed) and returned, unless ``key`` already has an entry. Otherwise the entry at
        ``pos:{position}``, unmoved (another content: the caller decides as that walletpass
        did), or ``None``.

        :raises JournalError: the journal cannot be read or written.
        """
        moved = self._read(
            f"UPDATE items SET key = ?, position = ? WHERE key = (SELECT key FROM items "
            "WHERE fingerprint = ? AND key >= ? AND key < ? ORDER BY position = ? DESC, "
            "position LIMIT 1) AND NOT EXISTS (SELECT 1 FROM items WHERE key = ?) "
            f"RETURNING {_COLUMNS}",
            (key, position, print_, *POSITION_KEYS, position, key),
            verb="write",
        )
        return _entry(moved[0]) if moved else self.get(item_key(position, None))

    # -- writing -------------------------------------------------------------------------

    def begin(self, key: str, position: int, print_: str, *, batched: bool = False) -> None:
        """Record that the item is about to be sent (committed before the request goes out).

        ``batched``: it goes in a vendor batch that may complete after this process is gone.
        """
        self._write(
            "INSERT INTO items (key, position, state, fingerprint, attempts, updated, batched) "
            "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(key) DO UPDATE SET state = excluded.state, "
            "position = excluded.position, fingerprint = excluded.fingerprint, "
            "attempts = items.attempts + 1, updated = excluded.updated, "
            "batched = excluded.batched, ticket = NULL, error_type = NULL, error_message = NULL, "
            "retryable = 0",
            (key, position, JournalState.IN_FLIGHT.value, print_, time.time(), int(batched)),
        )

    def not_sent(self, key: str) -> None:
        """The item, recorded in flight, is known not to have left: its request waits for the
        rate limiter (:func:`walletpass.outcomes.note_waiting`). Recorded as a retryable
        failure, so a run that finds it so (its worker died waiting) sends it; the attempt
        counted when it was recorded in flight is taken back (``attempts`` counts the creates
        that may have reached the vendor)."""
        self._write(
            "UPDATE items SET state = ?, error_type = ?, error_message = ?, retryable = 1, "
            "attempts = attempts - 1, updated = ? WHERE key = ? AND state = ?",
            (JournalState.FAILED.value, *NOT_SENT, time.time(), key, JournalState.IN_FLIGHT.value),
        )

    def accepted(self, key: str, ticket: str) -> None:
        """The vendor took the item into its background job ``ticket`` (committed at once)."""
        self._write(
            "UPDATE items SET ticket = ?, updated = ? WHERE key = ?", (ticket, time.time(), key)
        )

    def succeed(self, key: str, issued: IssuedPass) -> None:
        self._write(
            "UPDATE items SET state = ?, pass_id = ?, issued = ?, error_type = NULL, "
            "error_message = NULL, retryable = 0, updated = ? WHERE key = ?",
            (
                JournalState.SUCCEEDED.value,
                issued.id,
                issued.model_dump_json(exclude={"raw"}),
                time.time(),
                key,
            ),
        )

    def fail(
        self, key: str, error: BaseException, *, retryable: bool, outcome_unknown: bool
    ) -> None:
        state = JournalState.UNKNOWN if outcome_unknown else JournalState.FAILED
        self._write(
            "UPDATE items SET state = ?, error_type = ?, error_message = ?, retryable = ?, "
            "updated = ? WHERE key = ?",
            (
                state.value,
                type(error).__name__,
                redact_text(str(error)),
                int(retryable),
                time.time(),
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
        entry = self.get(key)
        if entry is None:
            raise ConfigurationError(f"bulk journal {self.path} has no item {key!r}")
        if issued:
            self._write(
                "UPDATE items SET state = ?, pass_id = ?, updated = ? WHERE key = ?",
                (JournalState.SUCCEEDED.value, pass_id, time.time(), key),
            )
        else:
            self._write("DELETE FROM items WHERE key = ?", (key,))

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            try:
                self._db.execute(sql, params)
            except sqlite3.Error as exc:
                raise self._io_error(exc, "write") from None

    def _read(self, sql: str, params: tuple[Any, ...] = (), *, verb: str = "read") -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._io_error(exc, verb) from None

    def _io_error(self, exc: sqlite3.Error, verb: str) -> JournalError:
        return JournalError(
            f"cannot {verb} bulk journal {self.path}: {exc}; free space on its disk (or fix the "
            "file's permissions), then run the same job again with the same journal: what it "
            "recorded is skipped and an item in flight is looked up before anything is re-sent"
        )


class _RunLock:
    """An exclusive advisory lock on a journal, released by the OS if the process dies.

    It is taken on the journal's file itself (its inode), not on a name derived from the path
    as given: a symlink or a hard link to the journal is the same file, so the same lock.
    (SQLite's own locks are POSIX record locks, independent of ``flock``.) On Windows, where
    locks are mandatory and would stop SQLite reading, a ``.lock`` file beside the journal's
    resolved path is locked instead.
    """

    def __init__(self, journal: Path) -> None:
        self.journal = journal
        self._fd: int | None = None

    def acquire(self, holder: Callable[[], str]) -> None:
        """Take the lock, or raise :class:`JournalInUse` naming ``holder()`` when it says."""
        if sys.platform == "win32":
            target = Path(os.path.realpath(self.journal))
            target = target.with_name(target.name + ".lock")
            flags = os.O_RDWR | os.O_CREAT
        else:
            target, flags = self.journal, os.O_RDONLY
        try:
            fd = os.open(target, flags, 0o644)
        except OSError as exc:
            raise JournalError(
                f"cannot open {target} to lock the journal for this run: {exc.strerror}"
            ) from None
        try:
            _lock_file(fd)
        except BlockingIOError:
            os.close(fd)
            held = holder()
            raise JournalInUse(
                f"bulk journal {self.journal} is in use by another run"
                f"{f' ({held})' if held else ''}; two runs on one "
                "journal would send the same items twice: wait for that run to finish (or "
                "stop it), or give this run its own journal file"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise JournalError(f"cannot lock {target}: {exc.strerror}") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing drops the lock


def _lock_file(fd: int) -> None:
    """Lock ``fd`` without waiting; ``BlockingIOError`` if someone else holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            raise BlockingIOError(str(exc)) from None
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    issued = restored_pass(json.loads(row[5])) if row[5] else None
    return JournalEntry(
        key=row[0],
        position=row[1],
        state=JournalState(row[2]),
        fingerprint=row[3],
        pass_id=row[4],
        issued=issued,
        error_type=row[6],
        error_message=row[7],
        retryable=bool(row[8]),
        attempts=row[9],
        batched=bool(row[10]),
        ticket=row[11],
    )


#: The columns :func:`entry_from_row` reads, in order; other journal stores select the same.
ENTRY_COLUMNS = _COLUMNS
#: One stored row (``ENTRY_COLUMNS``) as a :class:`JournalEntry`.
entry_from_row = _entry


@runtime_checkable
class Journal(Protocol):
    """What ``create_many`` needs from a journal: :class:`BulkJournal` (SQLite, one machine) and
    :class:`walletpass.pgjournal.PostgresJournal` (PostgreSQL, shared by workers) implement it.

    Keys are :func:`item_key` strings, ``print_`` a :func:`fingerprint`. Each write is durable
    before it returns. ``claim(key)`` holds the item against other workers for the duration of a
    ``with`` block: the runner claims an item before reading its entry and keeps the claim until
    the outcome is written, so a journal shared by several workers never lets two of them send
    one item; a journal used by one run at a time can hold nothing.
    """

    provider: str

    def claim(self, key: str) -> contextlib.AbstractContextManager[None]: ...
    def get(self, key: str) -> JournalEntry | None: ...
    def begin(self, key: str, position: int, print_: str, *, batched: bool = False) -> None: ...
    # (optional: ``not_sent(key)``, the item known unsent while it waits for its slot; a journal
    # without it keeps such an item in flight, looked up before it is sent again)
    def accepted(self, key: str, ticket: str) -> None: ...
    def succeed(self, key: str, issued: IssuedPass) -> None: ...
    def fail(
        self, key: str, error: BaseException, *, retryable: bool, outcome_unknown: bool
    ) -> None: ...
    def record_found(self, key: str, position: int, print_: str, issued: IssuedPass) -> None: ...
    # (optional: ``adopt_position_entry(key, position, print_)``, the entry an earlier walletpass
    # recorded by position for an item now keyed by the external id its vendor keeps in a
    # template field; a journal without it is read at ``pos:{position}``, unmoved)
    def counts(self) -> dict[JournalState, int]: ...
    def unresolved(self) -> list[JournalEntry]: ...
    def resolve(self, key: str, *, issued: bool, pass_id: str | None = None) -> None: ...
    def close(self) -> None: ...
