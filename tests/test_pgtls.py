"""The journal's database on another machine is reached only with TLS required, like the shared
limiter's Redis (``redis://`` to loopback only): libpq's default falls back to plain TCP."""

from __future__ import annotations

import ipaddress
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from walletpass.errors import ConfigurationError
from walletpass.pgjournal import PostgresJournal, describe_database
from walletpass.pgtls import refuse_clear_text_to_remote

SECRET = "S3cr3t-pg-password"

REMOTE = [
    f"postgresql://walletpass:{SECRET}@10.0.0.6:5432/walletpass",
    "postgresql://walletpass@db.example.com/walletpass",
    f"postgresql://walletpass@10.0.0.6/walletpass?sslmode=prefer&password={SECRET}",
    "postgresql://walletpass@10.0.0.6/walletpass?sslmode=allow",
    "postgresql://walletpass@10.0.0.6/walletpass?sslmode=disable",
    f"host=10.0.0.6 dbname=walletpass password={SECRET}",
    "host=127.0.0.1,10.0.0.6 dbname=walletpass",  # libpq may use either
    "host=localhost hostaddr=192.168.1.20 dbname=walletpass",  # hostaddr is where it connects
    "postgresql://walletpass@[2001:db8::1]:5432/walletpass",
]

LOCAL_OR_TLS = [
    "postgresql://postgres@127.0.0.1:5439/walletpass",
    f"postgresql://postgres:{SECRET}@localhost/walletpass",
    "postgresql://postgres@[::1]/walletpass",
    "postgresql:///walletpass",  # the default Unix socket
    "host=/var/run/postgresql dbname=walletpass",
    "postgresql://walletpass@10.0.0.6/walletpass?sslmode=require",
    "postgresql://walletpass@db.example.com/walletpass?sslmode=verify-full",
    "host=10.0.0.6,10.0.0.7 dbname=walletpass sslmode=verify-ca",
]


@pytest.mark.parametrize("dsn", REMOTE)
def test_a_database_on_another_machine_without_tls_required_is_refused(dsn: str) -> None:
    with pytest.raises(ConfigurationError, match="without TLS") as caught:
        describe_database(dsn)
    assert SECRET not in str(caught.value)
    assert "sslmode=verify-full" in str(caught.value)


@pytest.mark.parametrize("dsn", LOCAL_OR_TLS)
def test_this_machine_or_tls_required_is_accepted(dsn: str) -> None:
    refuse_clear_text_to_remote(conninfo_to_dict(dsn), environ={})


def test_libpq_environment_variables_count_where_the_string_says_nothing() -> None:
    parts = conninfo_to_dict("dbname=walletpass")
    with pytest.raises(ConfigurationError, match=r"'10\.0\.0\.6'"):
        refuse_clear_text_to_remote(parts, environ={"PGHOST": "10.0.0.6"})
    refuse_clear_text_to_remote(parts, environ={"PGHOST": "10.0.0.6", "PGSSLMODE": "require"})
    with pytest.raises(ConfigurationError):
        refuse_clear_text_to_remote(parts, environ={"PGHOSTADDR": "10.0.0.6"})


@given(st.ip_addresses(v=4))
def test_any_address_but_loopback_needs_tls(address: ipaddress.IPv4Address) -> None:
    parts = conninfo_to_dict(f"host={address} dbname=walletpass")
    if address.is_loopback:
        refuse_clear_text_to_remote(parts, environ={})
    else:
        with pytest.raises(ConfigurationError):
            refuse_clear_text_to_remote(parts, environ={})
    refuse_clear_text_to_remote({**parts, "sslmode": "verify-full"}, environ={})


def test_the_journal_refuses_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    attempts: list[object] = []
    monkeypatch.setattr(psycopg, "connect", lambda *a, **k: attempts.append(a))
    with pytest.raises(ConfigurationError, match="without TLS"):
        PostgresJournal(f"postgresql://w:{SECRET}@192.0.2.1/walletpass", run="r", provider="p")
    assert attempts == []  # refused before any connection attempt


def test_the_worker_command_says_so_and_exits_1() -> None:
    journal = "postgresql://walletpass@192.0.2.1:5432/walletpass"
    command = [sys.executable, "-m", "walletpass.cli", "worker", "celery://127.0.0.1:1/0"]
    done = subprocess.run(
        [*command, "-p", "fake", "--journal", journal],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "without TLS" in done.stderr
