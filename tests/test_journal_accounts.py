"""A bulk journal belongs to one vendor account: a run resumed with another API key of the same
provider must not take the first account's passes for its own.

Before, the second account's run reported every item ``skipped`` (issued) while that account held
none of the passes: a whole run silently lost. Each journal kind is tried: an SQLite file given by
path, an SQLite journal object, and the shared PostgreSQL journal (a real server).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from walletpass_passentry.emulator import PassEntryEmulator

import walletpass
from walletpass import Pass
from walletpass.errors import ConfigurationError
from walletpass.journal import BulkJournal
from walletpass.testing.emulator import EmulatorServer

TEMPLATE = "2e2d7ee8c306e8f0223dbdc1"

Opener = Callable[[], AbstractContextManager[object] | str]


def sample(run: str) -> list[Pass]:
    return [
        Pass(template=TEMPLATE, external_id=f"{run}-{i}", fields={"fullName": f"M {i}"})
        for i in range(3)
    ]


@pytest.fixture
def two_accounts() -> Iterator[list[tuple[PassEntryEmulator, walletpass.Provider]]]:
    """Two PassEntry accounts (two API keys), each with its own passes."""
    accounts = []
    servers = []
    for key in (f"pe_a_{uuid.uuid4().hex}", f"pe_b_{uuid.uuid4().hex}"):
        app = PassEntryEmulator(api_key=key, rate_limit=1000)
        server = EmulatorServer(app).__enter__()
        servers.append(server)
        accounts.append(
            (app, walletpass.connect("passentry", base_url=server.url, api_key=key, rate_limit=0))
        )
    yield accounts
    for server in servers:
        server.__exit__(None, None, None)


def issue(wallet: walletpass.Provider, passes: list[Pass], journal: object) -> object:
    if isinstance(journal, str):
        return wallet.create_many(passes, journal=journal)
    with journal as opened:  # type: ignore[attr-defined]
        return wallet.create_many(passes, journal=opened)


def journals(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Callable[[], object]]:
    path = str(tmp_path / "run.db")
    run = (tmp_path / "run-name").read_text() if (tmp_path / "run-name").exists() else ""
    if not run:  # one run per test; the database outlives test sessions
        run = f"acct-{uuid.uuid4().hex[:12]}"
        (tmp_path / "run-name").write_text(run)

    def postgres() -> object:
        from walletpass.pgjournal import PostgresJournal

        url = request.getfixturevalue("postgres_url")
        return PostgresJournal(url, run=run, provider="passentry")

    return {
        "sqlite path": lambda: path,
        "sqlite journal": lambda: BulkJournal(path, provider="passentry"),
        "postgresql": postgres,
    }


KINDS = [
    "sqlite path",
    "sqlite journal",
    pytest.param("postgresql", marks=pytest.mark.services),
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_resumed_with_another_api_key_is_refused_before_sending(
    kind: str,
    two_accounts: list[tuple[PassEntryEmulator, walletpass.Provider]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    opener = journals(tmp_path, request)[kind]
    (first_app, first), (second_app, second) = two_accounts
    passes = sample(tmp_path.name)

    assert issue(first, passes, opener()).succeeded == 3  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError, match="another passentry account"):
        issue(second, passes, opener())
    again = issue(first, passes, opener())  # the first account resumes as before

    assert len(first_app.passes) == 3
    assert len(second_app.passes) == 0  # nothing sent with the other key
    assert [item.skipped for item in again.items] == [True] * 3  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_a_journal_written_before_accounts_were_recorded_takes_the_first_account_that_resumes_it(
    kind: str,
    two_accounts: list[tuple[PassEntryEmulator, walletpass.Provider]],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """A run begun by an older walletpass (its journal names the provider only) is resumed as
    before, and from then on belongs to that account."""
    opener = journals(tmp_path, request)[kind]
    (first_app, first), (_, second) = two_accounts
    passes = sample(tmp_path.name)
    issue(first, passes, opener())
    forget_account(kind, tmp_path, request)

    again = issue(first, passes, opener())
    with pytest.raises(ConfigurationError, match="another passentry account"):
        issue(second, passes, opener())

    assert [item.skipped for item in again.items] == [True] * 3  # type: ignore[attr-defined]
    assert len(first_app.passes) == 3


def forget_account(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """What an older walletpass wrote: the provider, no account."""
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as db:
            db.execute(
                "UPDATE walletpass_runs SET provider = 'passentry' WHERE run = %s",
                ((tmp_path / "run-name").read_text(),),
            )
    else:
        with sqlite3.connect(tmp_path / "run.db") as db:
            db.execute("DELETE FROM meta WHERE key = 'account'")


def test_the_account_is_a_digest_never_the_api_key(
    two_accounts: list[tuple[PassEntryEmulator, walletpass.Provider]], tmp_path: Path
) -> None:
    (_, first), _ = two_accounts
    first.create_many(sample(tmp_path.name), journal=str(tmp_path / "run.db"))
    key = first.settings.api_key.get_secret_value()  # type: ignore[union-attr]
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("run.db*"))  # -wal too
    assert b"passentry" in stored  # (the journal was written)
    assert key.encode() not in stored
