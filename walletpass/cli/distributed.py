"""``walletpass issue FILE --workers celery://...`` and ``walletpass worker``: one input file issued
by Celery workers on any number of machines (``pip install 'walletpass[celery]'``).

The ``issue`` process stays the producer: it reads and checks the file exactly as a single-process
run does, sends contiguous runs of good rows as chunk tasks (a bounded window of them at a time,
so memory and the broker's queue stay bounded), and writes each row's result in input order as the
chunks come back. Workers (``walletpass worker``) run each chunk with ``create_many`` against the
run's shared PostgreSQL journal (:mod:`walletpass.pgjournal`) under the provider's rate limit, so a
re-run of the same command skips what was issued and a killed worker's items are settled by the
others. Credentials never travel through the broker: each worker connects with its own settings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from walletpass.cli.parser import UsageError
from walletpass.config_lint import CELERY_BROKER_VARIABLE
from walletpass.errors import ConfigurationError, WalletPassError
from walletpass.model import BulkItem, BulkResult, Pass
from walletpass.redaction import register_secret

if TYPE_CHECKING:
    from celery import Celery
    from celery.result import AsyncResult

    from walletpass.provider import Provider

__all__ = ["BROKER_ENV", "Target", "cmd_worker", "issue_on_workers", "target_from_args"]

#: Where ``--workers celery`` (and ``walletpass worker celery``) read a broker URL holding a
#: password: the command line would keep it in shell history.
BROKER_ENV = CELERY_BROKER_VARIABLE

#: Chunks submitted ahead of the oldest one not yet collected.
WINDOW = 16

WORKERS_FORMS = (
    f"celery://HOST[:PORT][/DB] (a Redis broker), or celery with the broker URL in {BROKER_ENV}"
)


@dataclass(frozen=True)
class Target:
    """Where a distributed run goes: the broker (a Redis URL), its description without
    credentials, the queue, the shared journal's database and the run's name."""

    broker: str
    where: str
    queue: str
    database: str
    run: str

    def __repr__(self) -> str:  # the broker URL may hold a password
        return f"Target({self.where}, queue={self.queue!r}, run={self.run!r})"


def broker_url(value: str, env: dict[str, str] | os._Environ[str] | None = None) -> str:
    """The Redis broker URL ``--workers`` names; ``UsageError`` for any other form or for a
    password typed on the command line."""
    env = os.environ if env is None else env
    if value == "celery":
        url = env.get(BROKER_ENV, "")
        register_secret(url)
        if not url:
            raise UsageError(f"--workers celery: set {BROKER_ENV} to the broker's redis:// URL")
        if url.split(":", 1)[0].lower() not in ("redis", "rediss"):
            raise UsageError(f"{BROKER_ENV} must be a redis:// or rediss:// URL")
        return url
    scheme, sep, rest = value.partition("://")
    if scheme.lower() != "celery" or not sep:
        raise UsageError(f"--workers must be {WORKERS_FORMS}")
    authority = rest.split("/", 1)[0]
    if "@" in authority:
        register_secret(authority.rsplit("@", 1)[0])
        raise UsageError(
            "--workers: a broker URL with credentials is not taken on the command line (shell "
            f"history keeps it): put the whole redis:// URL in {BROKER_ENV} and give --workers "
            "celery"
        )
    return f"redis://{rest}"


def describe_broker(url: str) -> str:
    """The broker's address without credentials (its password is registered as a secret);
    ``ConfigurationError`` for a URL Redis cannot use or a password in clear to another host."""
    from walletpass.redis_limiter import describe_url

    return describe_url(url)


def database_url(value: str | None, option: str = "--journal") -> str:
    """The shared journal's PostgreSQL URL; ``UsageError`` for anything else or a password typed
    on the command line (libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``)."""
    if not value or value.split(":", 1)[0].lower() not in ("postgresql", "postgres"):
        raise UsageError(
            f"{option} must be the PostgreSQL database the workers share, e.g. "
            "postgresql://user@host:5432/dbname (the run's journal)"
        )
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(value)
    except Exception:  # the driver's text may quote the URL
        raise UsageError(f"{option}: not a PostgreSQL URL walletpass can read") from None
    if parts.get("password"):
        register_secret(str(parts["password"]))
        raise UsageError(
            f"{option}: a password is not taken on the command line (shell history keeps it): "
            "give it in PGPASSWORD or ~/.pgpass, which PostgreSQL's client reads"
        )
    return value


def target_from_args(args: argparse.Namespace) -> Target:
    """Checks every ``--workers`` option before anything is read or sent."""
    _needs_celery()
    broker = broker_url(args.workers)
    database = database_url(args.journal)
    if not args.run:
        raise UsageError(
            "--workers needs --run NAME: the run's name in the shared journal (the same name "
            "again resumes the run)"
        )
    if args.concurrency is not None:
        raise UsageError(
            "--concurrency is each worker's setting with --workers: give it to walletpass worker"
        )
    where = describe_broker(broker)
    return Target(broker, where, args.queue, database, args.run)


def _needs_celery() -> None:
    try:
        import celery  # noqa: F401
        import psycopg  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "running across workers needs Celery, redis and psycopg: pip install "
            "'walletpass[celery]'"
        ) from None


def celery_app(broker: str, queue: str, *, visibility_timeout: float | None = None) -> Celery:
    """The Celery app both sides build: Redis as broker and result store, one queue, one chunk
    task per worker at a time."""
    from celery import Celery

    app = Celery("walletpass", broker=broker, backend=broker, set_as_current=False)
    options: dict[str, Any] = {}
    if visibility_timeout is not None:
        options = {
            "visibility_timeout": visibility_timeout,
            "unacked_restore_interval": max(0.5, min(visibility_timeout / 4, 60.0)),
            # kombu's lock on the restore scan (milliseconds long): a worker killed while it
            # held it would otherwise block every redelivery for kombu's default 300 s
            "unacked_mutex_expire": 10,
        }
    app.conf.update(
        task_default_queue=queue,
        worker_prefetch_multiplier=1,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        result_extended=False,
    )
    return app


# ------------------------------------------------------------------------------------------
# The producer: walletpass issue --workers
# ------------------------------------------------------------------------------------------


def check_target(target: Target, provider: Provider) -> None:
    """Before any row is sent: the journal's database answers and the run is this provider's
    (``ConfigurationError`` otherwise), and the broker answers (a retryable
    ``WalletPassError``)."""
    from walletpass.pgjournal import PostgresJournal

    PostgresJournal(target.database, run=target.run, provider=provider.name).close()
    app = celery_app(target.broker, target.queue)
    try:
        _broker_answers(app, target.where, "nothing was sent: start it, or check --workers")
    finally:
        _close(app)


def _broker_answers(app: Celery, where: str, remedy: str) -> None:
    """A retryable ``WalletPassError`` (the address without credentials, then ``remedy``) unless
    the broker answers within a few seconds."""
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # kombu's and redis-py's errors; their text may quote the URL
        raise WalletPassError(
            f"cannot reach the Celery broker at {where} ({type(exc).__name__}); {remedy}",
            retryable=True,
        ) from None


def issue_on_workers(
    target: Target,
    provider: Provider,
    rows: Iterable[Any],
    *,
    on_item: Callable[[BulkItem], None],
    chunk_size: int,
    wait: float,
    say: Callable[[str], None],
) -> BulkResult:
    """Issue ``rows`` (passes, or errors for rows refused up front) across the workers consuming
    ``target.queue``; each item goes to ``on_item`` in input order. Raises a retryable
    ``WalletPassError`` when no chunk comes back for ``wait`` seconds (the workers go on with
    what they have; the same command again collects and resumes the run)."""
    from walletpass.celery import chunk_items, release_result, submit_chunk

    app = celery_app(target.broker, target.queue)
    if not _consumers(app, target.queue):
        say(
            f"no worker is consuming queue {target.queue!r} at {target.where} yet: the run "
            f"waits up to {wait:g}s for one (start them with: walletpass worker ...)"
        )
    counts = [0, 0, 0, 0]  # done, succeeded, failed, skipped
    pending: deque[BulkItem | tuple[int, int, AsyncResult[Any]]] = deque()
    in_flight = 0

    def deliver(item: BulkItem) -> None:
        counts[0] += 1
        counts[1 if item.ok else 2] += 1
        counts[3] += item.skipped
        on_item(item)

    def settle_oldest() -> None:
        nonlocal in_flight
        entry = pending.popleft()
        if isinstance(entry, BulkItem):
            deliver(entry)
            return
        first, count, result = entry
        try:
            items = chunk_items(target.run, first, count, result, timeout=wait)
        except WalletPassError as exc:
            release_result(result)
            why = (
                f"no result for rows {first + 1}-{first + count} in {wait:g}s from the workers "
                f"on queue {target.queue!r} at {target.where}; check that workers run "
                "(walletpass worker)"
                if exc.code == "chunk_pending"
                else f"the results of rows {first + 1}-{first + count} could not be read from "
                f"{target.where} ({(exc.details or {}).get('cause', 'error')})"
            )
            raise WalletPassError(
                f"run {target.run!r}: {why}, then run the same command again: what was issued "
                "is skipped",
                operation="create_many",
                retryable=True,
            ) from None
        in_flight -= 1
        release_result(result)
        for item in items:
            deliver(item)

    def submit(chunk: list[tuple[int, Pass | dict[str, Any]]]) -> None:
        nonlocal in_flight
        first = chunk[0][0]
        result = submit_chunk(app, target.run, first, [p for _, p in chunk], queue=target.queue)
        pending.append((first, len(chunk), result))
        in_flight += 1
        chunk.clear()
        while in_flight >= WINDOW:
            settle_oldest()

    try:

        def refuse(item: BulkItem) -> None:
            pending.append(item)
            while len(pending) > WINDOW * 2:  # refused rows held behind a chunk: bounded too
                settle_oldest()

        _produce(rows, provider, chunk_size, submit, refuse)
        while pending:
            settle_oldest()
    finally:
        for entry in pending:  # stopped early: the chunks not collected
            if not isinstance(entry, BulkItem):
                release_result(entry[2])
        _close(app)
    done, succeeded, failed, skipped = counts
    return BulkResult(items=[], counts=(done, succeeded, failed, skipped))


def _produce(
    rows: Iterable[Any],
    provider: Provider,
    chunk_size: int,
    submit: Callable[[list[tuple[int, Pass | dict[str, Any]]]], None],
    refuse: Callable[[BulkItem], None],
) -> None:
    """Cuts ``rows`` into chunks of contiguous good rows; a refused row is queued as its item."""
    chunk: list[tuple[int, Pass | dict[str, Any]]] = []
    for index, row in enumerate(rows):
        if isinstance(row, WalletPassError):
            # refused before it became a pass: reported here, never sent; the rows around it
            # go in separate chunks so each chunk's positions stay contiguous
            if chunk:
                submit(chunk)
            error = row.with_context(provider=provider.name, operation="create")
            refuse(
                BulkItem(index=index, external_id=getattr(row, "external_id", None), error=error)
            )
            continue
        chunk.append((index, row))
        if len(chunk) >= chunk_size:
            submit(chunk)
    if chunk:
        submit(chunk)


def _close(app: Celery) -> None:
    with contextlib.suppress(Exception):
        app.close()


def _consumers(app: Celery, queue: str) -> bool:
    """Whether a live worker consumes ``queue`` (asked over the broker, one second)."""
    try:
        replies = app.control.inspect(timeout=1.0).active_queues() or {}
    except Exception:
        return True  # cannot tell: say nothing rather than something wrong
    return any(q.get("name") == queue for queues in replies.values() for q in queues or ())


# ------------------------------------------------------------------------------------------
# The worker: walletpass worker
# ------------------------------------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    """Run one Celery worker process for ``walletpass issue --workers`` until stopped."""
    _needs_celery()
    from celery import signals

    from walletpass.celery import CeleryIssuer
    from walletpass.cli.session import select_provider

    broker = broker_url(args.broker)
    database = database_url(args.journal)
    where = describe_broker(broker)
    if args.lease <= 0 or args.visibility_timeout <= 0:
        raise UsageError("--lease and --visibility-timeout must be positive numbers of seconds")
    provider = select_provider(args).resolved.connect()  # settings checked before consuming
    if provider.default_base_url or provider.settings.base_url:
        # what connect() leaves to the transport (a missing API key, a rate limiter backend
        # that cannot be used) is checked here too, as `walletpass check` does: before a task
        # is taken, not in it
        provider.make_transport().close()
    _database_answers(database)
    app = celery_app(broker, args.queue, visibility_timeout=args.visibility_timeout)
    _broker_answers(app, where, "start it, or check the broker argument")
    CeleryIssuer(
        app,
        connect=lambda: provider,
        database=database,
        lease=args.lease,
        concurrency=args.concurrency,
    )

    @signals.worker_ready.connect(weak=False)
    def ready(**_: object) -> None:
        sys.stdout.write(
            f"walletpass worker: ready: {provider.label} passes from queue {args.queue!r} at "
            f"{where}; Ctrl-C to stop\n"
        )
        sys.stdout.flush()

    worker = app.Worker(
        pool_cls="solo",
        queues=[args.queue],
        hostname=f"{args.name}@%h" if args.name else None,
        loglevel="WARNING",
        quiet=True,
        without_gossip=True,
        without_mingle=True,
        redirect_stdouts=False,
    )
    try:
        worker.start()
    finally:
        provider.close()
    return int(worker.exitcode or 0)


def _database_answers(database: str) -> None:
    import psycopg

    try:
        psycopg.connect(database, connect_timeout=10).close()
    except psycopg.Error as exc:
        from walletpass.pgjournal import describe_database

        raise ConfigurationError(
            f"cannot reach the journal's database at {describe_database(database)} "
            f"({type(exc).__name__})"
        ) from None
