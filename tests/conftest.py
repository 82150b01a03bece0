"""Shared fixtures for the core tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from walletpass import registry


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No walletpass configuration is visible (variables, files); the command line's default
    fake store lives under tmp_path, which is also the working directory."""
    for key in list(os.environ):
        if key.startswith("WALLETPASS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


#: The line saying the command line fell back to the fake because nothing is configured.
FALLBACK_NOTICE = "walletpass: note: using the built-in fake provider"


class CliRun:
    """One in-process ``walletpass`` run: exit status, stdout, stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("walletpass: error: ")]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("walletpass: warning: ")]

    def one_error_line(self) -> str:
        """The run failed with exactly one line on stderr (besides the notice that the fake is
        used because nothing is configured) and no traceback."""
        assert self.code in (1, 2), (self.code, self.out, self.err)
        lines = [line for line in self.err.splitlines() if not line.startswith(FALLBACK_NOTICE)]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("walletpass: error: "), self.err
        assert "Traceback" not in self.err
        assert self.out == ""
        return lines[0]


@pytest.fixture
def cli(isolated: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """``cli("list", "--json")``: run the command line in this process, isolated."""
    from walletpass.cli import main

    def run(*argv: str) -> CliRun:
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    """Tests that register or install plugins must not leak them into other tests."""
    yield
    registry.clear_cache()


#: What the process-wide secret registry holds, and what was decided from it
#: (walletpass.redaction; see its register_secret).
_REGISTRY = (
    "_known_secrets",
    "_matchers_cache",
    "_needles_cache",
    "_longest_cache",
    "_secret_keys_by_shape",
    "_plain_names",
)


@pytest.fixture(autouse=True, scope="module")
def _secrets_stay_in_their_module() -> Iterator[None]:
    """The secrets a test module registers (hypothesis draws hundreds, some as short as four
    characters: "umbe" masks a key named "phone_number") are forgotten when the module ends:
    the registry is process-wide, so they masked what later modules on the same worker read
    back (a LivePass seed test's raw answer failed now and then in full runs)."""
    from walletpass import redaction

    saved = {name: getattr(redaction, name).copy() for name in _REGISTRY}
    yield
    for name, value in saved.items():
        setattr(redaction, name, value)


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


@pytest.fixture
def succeeded_in(postgres_url: str) -> Callable[[str], int]:
    """``succeeded_in(run)``: how many items of a shared-journal run have succeeded so far, read
    straight from the database (as a watcher would, without opening the journal)."""
    import psycopg

    def count(run: str) -> int:
        with psycopg.connect(postgres_url, autocommit=True) as db:
            row = db.execute(
                "SELECT COUNT(*) FROM walletpass_items WHERE run = %s AND state = 'succeeded'",
                (run,),
            ).fetchone()
        return int(row[0]) if row else 0

    return count


@pytest.fixture
def held_by(postgres_url: str) -> Callable[[str, int], list[str]]:
    """``held_by(run, pid)``: keys of a shared-journal run's items claimed right now by the
    worker process ``pid`` (read straight from the database)."""
    import psycopg

    def keys(run: str, pid: int) -> list[str]:
        with psycopg.connect(postgres_url, autocommit=True) as db:
            rows = db.execute(
                "SELECT key FROM walletpass_claims WHERE run = %s AND owner LIKE %s",
                (run, f"%:{pid}:%"),
            ).fetchall()
        return [row[0] for row in rows]

    return keys


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """Every name resolution and socket connect made in the test process, as it happens."""
    seen: list[tuple[str, object]] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        seen.append(("connect", address))
        real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(("resolve", host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


#: A throwaway server: loopback only, nothing kept on disk.
REDIS_SERVER = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[[bool], str]]:
    """A Redis server of this test alone (the shared one must stay up for the others):
    ``own_redis(True)`` starts it (again, on the same port), ``own_redis(False)`` SIGKILLs it;
    each returns its URL."""
    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    server: list[subprocess.Popen[bytes]] = []

    def switch(up: bool) -> str:
        if not up:
            server.pop().kill()
            return url
        server.append(
            subprocess.Popen(
                [*REDIS_SERVER, "--port", str(port), "--dir", str(tmp_path)],
                stdout=subprocess.DEVNULL,
            )
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=0.2) as client:
                    client.ping()
                return url
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    yield switch
    for proc in server:
        proc.kill()
        proc.wait()
