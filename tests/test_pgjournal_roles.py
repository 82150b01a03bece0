"""Opening the shared journal as the roles and against the servers users have: a role that may
use the tables but not create them (an owner ran the migrations) opens an existing journal; a
role that may only read, a stopped server and a missing database are each refused when the
journal is opened, with the server's reason (not only a class name), and no password."""

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

from walletpass.pgjournal import PostgresJournal  # noqa: E402

TABLES = "walletpass_runs, walletpass_items, walletpass_claims"


def as_role(url: str, role: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    login = f"{role}:{password}" if password else role
    return urlunsplit(parts._replace(netloc=f"{login}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def role(postgres_url: str) -> Iterator[tuple[str, Any]]:
    name = f"wp_role_{uuid.uuid4().hex[:8]}"
    PostgresJournal(postgres_url, run=f"tables-{name}", provider="fake").close()  # tables exist
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN")
        yield name, admin
        admin.execute(f"DROP OWNED BY {name}")
        admin.execute(f"DROP ROLE {name}")


def test_a_role_that_may_use_but_not_create_tables_runs_a_journal(
    postgres_url: str, role: tuple[str, Any]
) -> None:
    name, admin = role
    admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLES} TO {name}")
    admin.execute(f"GRANT SELECT ON walletpass_schema TO {name}")  # the layout's version
    wallet = walletpass.connect("fake")
    with PostgresJournal(as_role(postgres_url, name), run=name, provider="fake") as journal:
        result = wallet.create_many([Pass(template="t", external_id="m-1")], journal=journal)
    assert result.succeeded == 1


def test_a_role_that_may_only_read_is_refused_when_the_journal_opens(
    postgres_url: str, role: tuple[str, Any]
) -> None:
    name, admin = role
    admin.execute(f"GRANT SELECT ON {TABLES}, walletpass_schema TO {name}")
    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(as_role(postgres_url, name), run=name, provider="fake")
    message = str(caught.value)
    assert "permission denied" in message and "insert" in message


def test_a_role_that_may_not_read_the_schema_version_is_told_which_grant_it_lacks(
    postgres_url: str, role: tuple[str, Any]
) -> None:
    name, admin = role
    admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLES} TO {name}")
    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(as_role(postgres_url, name), run=name, provider="fake")
    message = str(caught.value)
    assert "permission denied for table walletpass_schema" in message
    assert "select in walletpass_schema" in message


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda parts: parts._replace(netloc=f"postgres:pw-gone-123@127.0.0.1:{1}"), "refused"),
        (lambda parts: parts._replace(path="/no_such_db_t21"), "does not exist"),
    ],
)
def test_a_stopped_server_and_a_missing_database_are_told_apart(
    postgres_url: str, change: Any, said: str
) -> None:
    url = urlunsplit(change(urlsplit(as_role(postgres_url, "postgres", "pw-gone-123"))))
    with pytest.raises(ConfigurationError) as caught:
        PostgresJournal(url, run="nowhere", provider="fake")
    assert said in str(caught.value)
    assert "pw-gone-123" not in str(caught.value)
