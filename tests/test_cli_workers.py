"""``walletpass issue FILE --workers celery://...`` with real ``walletpass worker`` processes, a
real Redis broker and the shared journal in a real PostgreSQL: the same results rows as a run in
one process, resumable by running the same command again, a SIGKILLed worker's rows settled by
the others, and nothing secret in any output or task."""

from __future__ import annotations

import base64
import csv
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from walletpass_pass2u.emulator import Pass2UEmulator
from walletpass_passentry.emulator import DEFAULT_API_KEY, PassEntryEmulator

from walletpass.cli.issue import RESULT_COLUMNS
from walletpass.testing.emulator import EmulatorServer, Fault

pytestmark = pytest.mark.services

CONCERT = "2e2d7ee8c306e8f0223dbdc1"  # the PassEntry emulator's event template
WALLETPASS = [sys.executable, "-m", "walletpass.cli"]
#: A killed worker's chunk is delivered again 4 s after it was taken (a chunk takes about 1 s).
REDELIVER = ["--visibility-timeout", "4"]


def broker_of(redis_url: str) -> str:
    """``redis://127.0.0.1:6390/0`` as ``--workers`` takes it."""
    return "celery://" + redis_url.split("://", 1)[1]


class Workers:
    """``walletpass worker`` processes, started and stopped by the test."""

    def __init__(self, env: dict[str, str], argv: list[str]) -> None:
        self.env, self.argv = env, argv
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, count: int) -> list[subprocess.Popen[str]]:
        started = [
            subprocess.Popen(
                [*WALLETPASS, "worker", *self.argv, "--name", f"w{len(self.procs) + n}"],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(count)
        ]
        deadline = time.monotonic() + 60
        for proc in started:  # each says when it consumes
            assert proc.stdout is not None
            while not select.select([proc.stdout], [], [], 0.2)[0]:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "a worker did not get ready"
            assert "walletpass worker: ready" in proc.stdout.readline()
        self.procs += started
        return started

    def stop(self) -> str:
        """Stops every worker still running; what they all wrote."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        said = []
        for proc in self.procs:
            try:
                out, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            said.append(out + err)
        return "\n".join(said)


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    name = f"walletpass-cli-test-{uuid.uuid4().hex[:8]}"
    yield name
    with redis.Redis.from_url(redis_url) as client:  # what a test left queued goes with it
        client.delete(name)


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == list(RESULT_COLUMNS)
        return list(reader)


#: The password of the Redis user the secret tests connect as.
SECRET = "pw-" + uuid.uuid4().hex


@pytest.fixture
def secret_broker(redis_url: str) -> Iterator[str]:
    """A broker URL with a password: a Redis user of the test server with its own password."""
    user = f"walletpass-{uuid.uuid4().hex[:8]}"
    with redis.Redis.from_url(redis_url) as client:
        client.acl_setuser(
            user, enabled=True, passwords=[f"+{SECRET}"], keys=["*"], channels=["*"],
            commands=["+@all"],
        )  # fmt: skip
        try:
            yield redis_url.replace("redis://", f"redis://{user}:{SECRET}@", 1)
        finally:
            client.acl_deluser(user)


def no_secret_in(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert SECRET.encode().hex() not in text


@pytest.fixture
def passentry() -> Iterator[tuple[PassEntryEmulator, str]]:
    app = PassEntryEmulator(rate_limit=100)
    app.inject_randomly([Fault.latency(0.03)], rate=1.0, seed=5)
    with EmulatorServer(app) as server:
        yield app, server.url


def environment(
    tmp_path: Path, provider: str, url: str, key: str, redis_url: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    prefix = f"WALLETPASS_{provider.upper()}_"
    env.update(
        {
            "WALLETPASS_PROVIDER": provider,
            prefix + "BASE_URL": url,
            prefix + "API_KEY": key,
            prefix + "RATE_LIMIT": "90",
            prefix + "RATE_LIMIT_BACKEND": redis_url,
            prefix + "CONCURRENCY": "4",
            "HOME": str(tmp_path),
        }
    )
    return env


def test_a_file_issued_across_workers_survives_a_killed_worker_and_resumes(
    tmp_path: Path,
    passentry: tuple[PassEntryEmulator, str],
    secret_broker: str,
    postgres_url: str,
    queue: str,
    succeeded_in: Callable[[str], int],
    held_by: Callable[[str, int], list[str]],
) -> None:
    app, url = passentry
    count, run = 240, f"cli-{uuid.uuid4().hex[:8]}"
    source = write_rows(
        tmp_path / "guests.csv",
        ["external_id", "fullName"],
        [[f"{run}-{i}", f"Guest {i}"] for i in range(count)],
    )
    # the broker, results and rate limit on a Redis that wants a password, given as it must be:
    # in the environment (--workers celery)
    env = environment(tmp_path, "passentry", url, DEFAULT_API_KEY, secret_broker)
    env["WALLETPASS_CELERY_BROKER_URL"] = secret_broker
    broker = "celery"
    workers = Workers(
        env,
        [broker, "--journal", postgres_url, "--queue", queue, "--lease", "2", *REDELIVER],
    )
    command = [*WALLETPASS, "issue", str(source), "--template", CONCERT, "--workers", broker]
    command += ["--journal", postgres_url, "--run", run, "--queue", queue, "--chunk-size", "20"]
    command += ["--no-progress"]
    try:
        victim, *_ = workers.start(3)
        producer = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        # kill a worker a fifth of the way in, while it holds rows (requests in flight)
        while succeeded_in(run) < count // 5 or not held_by(run, victim.pid):
            assert time.monotonic() < deadline, "the workers never got going"
            assert producer.poll() is None, producer.communicate()
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        orphaned = held_by(run, victim.pid)
        out, err = producer.communicate(timeout=120)
        first = read_results(tmp_path / "guests.results.csv")
        # the same command again: everything is settled, nothing is sent
        posts = len([e for e in app.journal if e.method == "POST"])
        again = subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=120
        )
        second = read_results(tmp_path / "guests.results.csv")
    finally:
        said = workers.stop()

    assert producer.returncode == 0, err
    assert f"{count} of {count} rows issued" in out
    assert [row["row"] for row in first] == [str(i) for i in range(1, count + 1)]
    # rows the killed worker issued come back "skipped" from the chunk's second delivery
    assert {row["status"] for row in first} <= {"issued", "skipped"}, first[:3]
    assert [row["external_id"] for row in first] == [f"{run}-{i}" for i in range(count)]
    assert all(row["pass_id"] for row in first)
    live = [p for p in app.passes.values() if p.live]
    assert sorted(p.ext_id for p in live) == sorted(f"{run}-{i}" for i in range(count))
    creates = [e.status for e in app.journal if e.method == "POST" and e.path == "/api/v1/passes"]
    assert all(200 <= status < 300 for status in creates)  # no duplicate, no 429
    assert orphaned  # the killed worker died holding rows, which the others then settled

    assert again.returncode == 0, again.stderr
    assert f"{count} of {count} rows issued ({count} settled by an earlier run)" in again.stdout
    assert {row["status"] for row in second} == {"skipped"}
    assert [row["pass_id"] for row in second] == [row["pass_id"] for row in first]
    assert len([e for e in app.journal if e.method == "POST"]) == posts
    assert "Traceback" not in said + err + again.stderr
    results = (tmp_path / "guests.results.csv").read_text()
    no_secret_in(said, out, err, again.stdout, again.stderr, results)


@pytest.mark.usefixtures("ctrl_c")
def test_a_partial_run_is_finished_by_running_the_same_command_again(
    tmp_path: Path,
    redis_url: str,
    postgres_url: str,
    queue: str,
    succeeded_in: Callable[[str], int],
) -> None:
    vendor = Pass2UEmulator()
    vendor.inject_randomly([Fault.latency(0.02)], rate=1.0, seed=2)
    count, run = 150, f"cli-{uuid.uuid4().hex[:8]}"
    rows = [[f"{run}-{i}", f"Member {i}"] for i in range(count)]
    rows[7] = ["B" * 8000, "Member 7"]  # refused in the producer, before any worker sees it
    # a barcode column: its format is left to the template (Pass2U refuses a named one)
    source = write_rows(tmp_path / "members.csv", ["barcode", "name"], rows)
    broker = broker_of(redis_url)
    with EmulatorServer(vendor) as server:
        env = environment(tmp_path, "pass2u", server.url, vendor.api_key, redis_url)
        workers = Workers(env, [broker, "--journal", postgres_url, "--queue", queue])
        command = [*WALLETPASS, "issue", str(source), "--template", "1919", "--workers", broker]
        command += ["--journal", postgres_url, "--run", run, "--queue", queue]
        # chunks of 5: the producer keeps 16 chunks (80 rows) in flight, so Ctrl-C leaves rows
        # that were never sent
        command += ["--chunk-size", "5", "--no-progress", "--map", "name=fields.name"]
        try:
            workers.start(2)
            # (ctrl_c: SIGINT handled here for the test, so the producer gets the terminal's
            # Ctrl-C even where the suite runs with SIGINT ignored, which children inherit)
            producer = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            deadline = time.monotonic() + 60
            while succeeded_in(run) < 20:
                assert time.monotonic() < deadline, "the workers never got going"
                time.sleep(0.01)
            producer.send_signal(signal.SIGINT)  # Ctrl-C: the producer stops, the run is partial
            _, err = producer.communicate(timeout=30)
            partial = read_results(tmp_path / "members.results.csv")
            again = subprocess.run(
                command, check=False, env=env, capture_output=True, text=True, timeout=120
            )
            results = read_results(tmp_path / "members.results.csv")
        finally:
            said = workers.stop()

    assert producer.returncode == 130, err
    assert len(partial) < count
    assert again.returncode == 1, again.stderr  # row 8 cannot be drawn: refused, the rest issued
    assert len(results) == count
    statuses = [row["status"] for row in results]
    assert statuses[7] == "invalid" and "barcode.message" in results[7]["error"]
    assert set(statuses[:7] + statuses[8:]) <= {"issued", "skipped"}
    assert "skipped" in statuses and "issued" in statuses
    held = [p.barcode_message() for p in vendor.passes.values()]
    assert sorted(held) == sorted(f"{run}-{i}" for i in range(count) if i != 7)  # each once
    assert "Traceback" not in said + again.stderr


def test_no_worker_on_the_queue_is_said_the_wait_is_bounded_and_tasks_hold_no_secret(
    tmp_path: Path,
    redis_url: str,
    secret_broker: str,
    postgres_url: str,
    queue: str,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api_key = "pe_live_" + uuid.uuid4().hex
    monkeypatch.setenv("WALLETPASS_CELERY_BROKER_URL", secret_broker)
    monkeypatch.setenv("WALLETPASS_PASSENTRY_API_KEY", api_key)
    monkeypatch.setenv("WALLETPASS_PASSENTRY_BASE_URL", "http://127.0.0.1:9")  # never reached
    source = write_rows(
        tmp_path / "m.csv", ["external_id", "fullName"], [["A-1", "A"], ["A-2", "B"]]
    )
    started = time.monotonic()
    done = cli(
        "issue", str(source), "-p", "passentry", "--template", CONCERT, "--workers", "celery",
        "--journal", postgres_url, "--run", f"cli-{uuid.uuid4().hex[:8]}", "--queue", queue,
        "--wait", "2", "--no-progress",
    )  # fmt: skip

    assert time.monotonic() - started < 30
    assert done.code == 1
    assert f"no worker is consuming queue {queue!r}" in done.err
    assert "no result for rows 1-2 in 2s" in done.err and "run the same command again" in done.err
    assert "redis://127.0.0.1:6390/0" in done.err  # where, without the credentials
    no_secret_in(done.out, done.err)
    assert api_key not in done.err
    # the task waiting in the queue carries the run and the rows, no credential of any kind
    with redis.Redis.from_url(redis_url) as client:
        queued = client.lrange(queue, 0, -1)
    assert len(queued) == 1
    message = json.loads(queued[0])
    body = base64.b64decode(message["body"]).decode()
    assert '"A-1"' in body and "fullName" in body
    for text in (queued[0].decode(), body):
        no_secret_in(text)
        assert api_key not in text and "pe_live_" not in text


def test_the_workers_options_are_checked_before_anything_is_read(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_rows(tmp_path / "m.csv", ["external_id"], [["A-1"]])
    base = ["issue", str(source), "-p", "fake", "--template", "t"]
    pg = "postgresql://postgres@127.0.0.1:5439/walletpass"
    workers = ["--workers", "celery://127.0.0.1/0"]
    cases = {
        "--workers must be celery://": ["--workers", "redis://h/0", "--journal", pg, "--run", "r"],
        "not taken on the command line": [
            "--workers", f"celery://u:{SECRET}@127.0.0.1/0", "--journal", pg, "--run", "r"
        ],
        "set WALLETPASS_CELERY_BROKER_URL": ["--workers", "celery", "--journal", pg, "--run", "r"],
        "--journal must be the PostgreSQL": [*workers, "--journal", "run.db", "--run", "r"],
        "PGPASSWORD": [*workers, "--journal", f"postgresql://u:{SECRET}@h/db", "--run", "r"],
        "--workers needs --run NAME": [*workers, "--journal", pg],
        "give it to walletpass worker": [
            *workers, "--journal", pg, "--run", "r", "--concurrency", "3"
        ],
        "--run: only with --workers": ["--run", "r"],
        "--chunk-size: only with --workers": ["--chunk-size", "5"],
    }  # fmt: skip
    for expected, extra in cases.items():
        done = cli(*base, *extra)
        line = done.one_error_line()
        assert done.code == 2 and expected in line, (extra, line)
        no_secret_in(line)
    assert not (tmp_path / "m.results.csv").exists()  # nothing was started


def test_an_unreachable_broker_stops_the_run_before_anything_is_sent(
    tmp_path: Path, postgres_url: str, cli: Callable[..., Any]
) -> None:
    source = write_rows(tmp_path / "m.csv", ["external_id"], [["A-1"]])
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = cli(
        "issue", str(source), "-p", "fake", "--template", "t", "--workers",
        f"celery://127.0.0.1:{port}/0", "--journal", postgres_url, "--run", "r-unreachable",
    )  # fmt: skip

    line = done.one_error_line()
    assert done.code == 1
    assert f"cannot reach the Celery broker at redis://127.0.0.1:{port}/0" in line
    assert "nothing was sent" in line


def test_a_worker_checks_its_broker_and_never_shows_its_password(
    tmp_path: Path, postgres_url: str
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env["WALLETPASS_CELERY_BROKER_URL"] = f"redis://walletpass:{SECRET}@127.0.0.1:{port}/0"
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [*WALLETPASS, "worker", "celery", "-p", "fake", "--journal", postgres_url],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1, done.stderr
    assert f"cannot reach the Celery broker at redis://127.0.0.1:{port}/0" in done.stderr
    no_secret_in(done.stdout, done.stderr)


def test_reprs_of_a_distributed_run_show_where_not_the_password(postgres_url: str) -> None:
    from walletpass.cli.distributed import Target, describe_broker
    from walletpass.pgjournal import PostgresJournal

    broker = f"redis://walletpass:{SECRET}@127.0.0.1:6390/0"
    target = Target(broker, describe_broker(broker), "q", postgres_url, "run-1")
    dsn = postgres_url.replace("postgres@", f"postgres:{SECRET}@", 1)  # trust: not checked
    with PostgresJournal(dsn, run=f"repr-{uuid.uuid4().hex[:6]}", provider="fake") as journal:
        shown = [repr(target), str(target), repr(journal), journal.path]
    assert "redis://127.0.0.1:6390/0" in repr(target)
    no_secret_in(*shown)


def test_a_worker_checks_its_journal_database_before_consuming(
    tmp_path: Path, redis_url: str
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env["HOME"] = str(tmp_path)
    env["PGPASSWORD"] = SECRET  # where a password goes; never shown
    journal = f"postgresql://walletpass@127.0.0.1:{port}/walletpass"
    done = subprocess.run(
        [*WALLETPASS, "worker", broker_of(redis_url), "-p", "fake", "--journal", journal],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1, done.stderr
    assert f"cannot reach the journal's database at postgresql://127.0.0.1:{port}/walletpass" in (
        done.stderr
    )
    no_secret_in(done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("provider", "settings", "said"),
    [
        ("passentry", {}, "needs an api_key"),
        ("pass2u", {}, "needs an api_key"),
        (  # a key that would cross the network in clear
            "passentry",
            {"API_KEY": SECRET, "BASE_URL": "http://10.0.0.1/api"},
            "base_url: uses plain http://",
        ),
    ],
    ids=["passentry without a key", "pass2u without a key", "key over plain HTTP"],
)
def test_a_worker_checks_its_providers_settings_before_consuming(
    tmp_path: Path,
    redis_url: str,
    postgres_url: str,
    provider: str,
    settings: dict[str, str],
    said: str,
) -> None:
    """What connect() leaves to the transport is checked before a task is taken (it said
    'ready' and consumed with no API key, failing every chunk it took)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env["HOME"] = str(tmp_path)
    prefix = f"WALLETPASS_{provider.upper()}_"
    env.update({prefix + name: value for name, value in settings.items()})
    queue = f"q-{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [
            *WALLETPASS,
            "worker",
            broker_of(redis_url),
            "-p",
            provider,
            "--journal",
            postgres_url,
            "--queue",
            queue,
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "ready" not in done.stdout
    assert said in done.stderr
    no_secret_in(done.stdout, done.stderr)


def test_a_worker_holds_no_database_connection_for_runs_it_has_finished(
    tmp_path: Path, redis_url: str, postgres_url: str, queue: str
) -> None:
    """A worker lives for many runs: once a run's chunks are done, it keeps none of that run's
    journal connections (named ``walletpass journal <run>``) or threads; kept, each finished run
    cost a connection and a thread for the worker's life, until the database refused more."""
    import psycopg

    vendor = Pass2UEmulator()
    prefix = f"conn-{uuid.uuid4().hex[:8]}"
    broker = broker_of(redis_url)
    with EmulatorServer(vendor) as server:
        env = environment(tmp_path, "pass2u", server.url, vendor.api_key, redis_url)
        workers = Workers(env, [broker, "--journal", postgres_url, "--queue", queue])
        try:
            workers.start(1)
            for n in range(3):
                run = f"{prefix}-{n}"
                rows = [[f"{run}-{i}", f"Member {i}"] for i in range(4)]
                source = write_rows(tmp_path / f"{run}.csv", ["barcode", "name"], rows)
                command = [*WALLETPASS, "issue", str(source), "--template", "1919"]
                command += ["--workers", broker, "--journal", postgres_url, "--run", run]
                command += ["--queue", queue, "--no-progress", "--map", "name=fields.name"]
                done = subprocess.run(
                    command, check=False, env=env, capture_output=True, text=True, timeout=120
                )
                assert done.returncode == 0, done.stderr
            # (a chunk's journal is closed before its task returns its result)
            with psycopg.connect(postgres_url, autocommit=True) as db:
                held = db.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                    (f"walletpass journal {prefix}%",),
                ).fetchall()
        finally:
            workers.stop()

    assert held == []
    assert len(vendor.passes) == 12
