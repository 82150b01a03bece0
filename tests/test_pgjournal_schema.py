"""The shared journal's tables carry the version of their layout, checked when a journal opens,
against a real PostgreSQL server (scripts/services starts it). Each test has a database of its
own: the marker is per database, and other tests share the default one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

import walletpass
from walletpass import Pass
from walletpass.errors import ConfigurationError

pytestmark = pytest.mark.services

psycopg = pytest.importorskip("psycopg")

from walletpass.pgjournal import SCHEMA_VERSION, PostgresJournal  # noqa: E402

#: The tables as walletpass made them before the marker existed (schema version 1).
BEFORE_THE_MARKER = """
CREATE TABLE walletpass_runs (run TEXT PRIMARY KEY, provider TEXT NOT NULL);
CREATE TABLE walletpass_items (
    run TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL,
    fingerprint TEXT NOT NULL, pass_id TEXT, issued TEXT, error_type TEXT, error_message TEXT,
    retryable INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    updated DOUBLE PRECISION NOT NULL, batched INTEGER NOT NULL DEFAULT 0, ticket TEXT,
    PRIMARY KEY (run, key)
);
CREATE TABLE walletpass_claims (
    run TEXT NOT NULL, key TEXT NOT NULL, owner TEXT NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL, PRIMARY KEY (run, key)
);
"""


@pytest.fixture
def database(postgres_url: str) -> Iterator[tuple[str, Any]]:
    """A fresh database: (its URL, an autocommit connection to it as the owner)."""
    name = f"wp_schema_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        url = urlunsplit(urlsplit(postgres_url)._replace(path=f"/{name}"))
        try:
            with psycopg.connect(url, autocommit=True) as owner:
                yield url, owner
        finally:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def marker(db: Any) -> list[tuple[int]]:
    return [tuple(row) for row in db.execute("SELECT version FROM walletpass_schema")]


def issue_one(url: str, run: str) -> int:
    wallet = walletpass.connect("fake")
    with PostgresJournal(url, run=run, provider="fake") as journal:
        result = wallet.create_many([Pass(template="t", external_id=f"{run}-1")], journal=journal)
    return result.succeeded


def test_new_tables_are_marked_with_this_version(database: tuple[str, Any]) -> None:
    url, db = database

    assert issue_one(url, "first") == 1

    assert marker(db) == [(SCHEMA_VERSION,)]


def test_tables_from_before_the_marker_are_version_1_and_get_it(
    database: tuple[str, Any],
) -> None:
    url, db = database
    db.execute(BEFORE_THE_MARKER)
    db.execute("INSERT INTO walletpass_runs VALUES ('old-run', 'fake')")

    assert issue_one(url, "next") == 1

    assert marker(db) == [(1,)]
    assert db.execute("SELECT count(*) FROM walletpass_runs").fetchone() == (2,)


@pytest.mark.parametrize(
    ("found", "said", "todo"),
    [
        (SCHEMA_VERSION + 1, "written by a newer walletpass", "upgrade walletpass"),
        (SCHEMA_VERSION + 7, "written by a newer walletpass", "upgrade walletpass"),
        (SCHEMA_VERSION - 1, "from an older walletpass", "then drop"),
    ],
    ids=["next", "much-newer", "older"],
)
def test_tables_of_another_version_are_refused_before_anything_is_written(
    database: tuple[str, Any], found: int, said: str, todo: str
) -> None:
    url, db = database
    issue_one(url, "made-here")
    db.execute("UPDATE walletpass_schema SET version = %s", (found,))
    before = db.execute("SELECT count(*) FROM walletpass_runs").fetchone()

    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(url, run="another", provider="fake")

    message = str(caught.value)
    assert f"schema version {found}" in message and f"reads version {SCHEMA_VERSION}" in message
    assert said in message and todo in message
    assert db.execute("SELECT count(*) FROM walletpass_runs").fetchone() == before
    assert marker(db) == [(found,)]


def test_an_emptied_marker_is_refused_saying_how_to_restore_it(
    database: tuple[str, Any],
) -> None:
    url, db = database
    issue_one(url, "made-here")
    db.execute("DELETE FROM walletpass_schema")

    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(url, run="another", provider="fake")

    assert "INSERT INTO walletpass_schema" in str(caught.value)


def test_a_role_that_may_not_create_tables_reads_unmarked_tables_as_version_1(
    database: tuple[str, Any],
) -> None:
    url, db = database
    db.execute(BEFORE_THE_MARKER)
    role = f"wp_role_{uuid.uuid4().hex[:8]}"
    db.execute(f"CREATE ROLE {role} LOGIN")
    try:
        db.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}")
        tables = "walletpass_runs, walletpass_items, walletpass_claims"
        db.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role}")
        parts = urlsplit(url)
        as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))

        assert issue_one(as_role, "by-role") == 1

        assert db.execute(_EXISTS).fetchone() == (False,)  # nothing created by that role
    finally:
        db.execute(f"DROP OWNED BY {role}")
        db.execute(f"DROP ROLE {role}")


_EXISTS = "SELECT to_regclass('walletpass_schema') IS NOT NULL"


_FINGERPRINTS = "SELECT to_regclass('walletpass_items_fingerprint') IS NOT NULL"


def test_the_fingerprint_index_is_made_with_new_tables(database: tuple[str, Any]) -> None:
    url, db = database
    issue_one(url, "first")
    assert db.execute(_FINGERPRINTS).fetchone() == (True,)


def test_tables_without_the_fingerprint_index_are_the_same_version(
    database: tuple[str, Any],
) -> None:
    # The index (for journals from before items were keyed by the external id a template field
    # keeps) changes no row: tables made before it are opened as they are by a role that may
    # only use them, and get it from one that may create it.
    url, db = database
    db.execute(BEFORE_THE_MARKER)
    db.execute("CREATE TABLE walletpass_schema (version INTEGER NOT NULL, only_row BOOLEAN "
               "PRIMARY KEY DEFAULT TRUE CHECK (only_row))")  # fmt: skip
    db.execute("INSERT INTO walletpass_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
    role = f"wp_role_{uuid.uuid4().hex[:8]}"
    db.execute(f"CREATE ROLE {role} LOGIN")
    try:
        tables = "walletpass_runs, walletpass_items, walletpass_claims"
        db.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role}")
        db.execute(f"GRANT SELECT ON walletpass_schema TO {role}")
        parts = urlsplit(url)
        as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))

        assert issue_one(as_role, "by-role") == 1
        assert db.execute(_FINGERPRINTS).fetchone() == (False,)  # that role may not make it

        assert issue_one(url, "by-owner") == 1
        assert db.execute(_FINGERPRINTS).fetchone() == (True,)
        assert marker(db) == [(SCHEMA_VERSION,)]
    finally:
        db.execute(f"DROP OWNED BY {role}")
        db.execute(f"DROP ROLE {role}")
