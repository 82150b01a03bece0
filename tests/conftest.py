"""Shared fixtures for the core tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from walletpass import registry


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    """Tests that register or install plugins must not leak them into other tests."""
    yield
    registry.clear_cache()


# -- real servers (scripts/services starts them; CI always does) ------------------------------

REDIS_URL = os.environ.get("WALLETPASS_TEST_REDIS_URL", "redis://127.0.0.1:6390/0")
POSTGRES_URL = os.environ.get(
    "WALLETPASS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5439/walletpass"
)


def _missing(what: str, exc: BaseException) -> None:
    message = f"{what} is not running ({type(exc).__name__}): start it with scripts/services start"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI starts the servers: their absence is a broken build
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis server on loopback (the ``services`` marker's tests)."""
    import redis

    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        _missing(f"Redis at {REDIS_URL}", exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A real PostgreSQL server on loopback (the ``services`` marker's tests)."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=2) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        _missing(f"PostgreSQL at {POSTGRES_URL}", exc)
    return POSTGRES_URL
