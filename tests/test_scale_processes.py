"""Web-worker-like processes sharing vendor accounts through one real Redis (scripts/services).

Each process is what a gunicorn worker is: a forked process that calls ``walletpass.connect``
with ``rate_limit_backend`` and issues passes from several threads at once. The vendor is the
Pass2U emulator over real HTTP; what it received (and when) is the evidence.
"""

from __future__ import annotations

import itertools
import multiprocessing
import uuid
from collections.abc import Iterator
from multiprocessing.synchronize import Event

import pytest
import redis
from walletpass_pass2u.emulator import Pass2UEmulator

import walletpass
from walletpass import Barcode, Pass
from walletpass.provider import Provider
from walletpass.testing.emulator import EmulatorServer, Fault, JournalEntry

pytestmark = pytest.mark.services

FORK = multiprocessing.get_context("fork")  # how gunicorn makes its workers


def web_worker(
    settings: dict[str, object], count: int, tag: str, go: Event, out: multiprocessing.Queue
) -> None:
    """One web worker: connects on its own, then issues ``count`` passes from 8 threads."""
    wallet = walletpass.connect("pass2u", **settings)  # type: ignore[arg-type]
    passes = [
        Pass(template="1919", barcode=Barcode(message=f"{tag}-{i}"), fields={"name": f"M {i}"})
        for i in range(count)
    ]
    go.wait(30)
    result = wallet.create_many(passes, concurrency=8)
    out.put((tag, result.succeeded, result.failed))


def run(jobs: list[tuple[dict[str, object], int, str]]) -> dict[str, tuple[int, int]]:
    """Start one forked process per job, release them at once, and return tag -> (ok, failed)."""
    go = FORK.Event()
    out: multiprocessing.Queue = FORK.Queue()
    procs = [
        FORK.Process(target=web_worker, args=(settings, count, tag, go, out))
        for settings, count, tag in jobs
    ]
    for proc in procs:
        proc.start()
    try:
        go.set()
        results = {}
        for _ in procs:
            tag, ok, failed = out.get(timeout=60)
            results[tag] = (ok, failed)
        return results
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()


@pytest.fixture
def account() -> Iterator[tuple[Pass2UEmulator, str, str]]:
    """One Pass2U vendor account: its emulator, URL and API key."""
    key = f"key-{uuid.uuid4().hex}"
    app = Pass2UEmulator(api_key=key)
    with EmulatorServer(app) as server:
        yield app, server.url, key


other_account = account


def posts(app: Pass2UEmulator) -> list[JournalEntry]:
    return sorted((e for e in app.journal if e.method == "POST"), key=lambda e: e.at)


def test_a_retry_after_holds_every_process_on_the_key_even_those_already_given_a_slot(
    account: tuple[Pass2UEmulator, str, str],
    other_account: tuple[Pass2UEmulator, str, str],
    redis_url: str,
) -> None:
    """The vendor's first answer is a 429 with Retry-After: 2. Four processes of 8 threads were
    then waiting for slots of the shared schedule up to 3.2 s ahead (32 callers at 10/s): none of
    them may send inside the vendor's pause. A fifth process on another vendor account, sharing
    the same Redis, is not held at all."""
    app, url, key = account
    other, other_url, other_key = other_account
    app.inject(Fault.respond(429, headers={"Retry-After": "2"}), method="POST", times=1)
    shared = {"rate_limit": 10, "rate_limit_backend": redis_url, "max_retries": 2}

    results = run(
        [({"base_url": url, "api_key": key, **shared}, 8, f"a{n}") for n in range(4)]
        + [({"base_url": other_url, "api_key": other_key, **shared}, 40, "b")]
    )

    assert all(failed == 0 for _, failed in results.values()), results
    sent = posts(app)
    told = next(e.at for e in sent if e.status == 429)
    # A request already on its way when the 429 was answered may arrive just after it (on this
    # busy machine, a few hundred milliseconds).
    inside = [round(e.at - told, 2) for e in sent if told + 0.3 < e.at < told + 1.9]
    assert inside == []
    assert sum(e.status < 300 for e in sent) == 32
    # Another account is not held: its 40 sends (four seconds at 10/s, beside the pause) never
    # pause for the two seconds the first account waits.
    theirs = [e.at for e in posts(other)]
    assert theirs[0] < told + 1.9 and theirs[-1] > told
    assert max(b - a for a, b in itertools.pairwise(theirs)) < 1.5


def test_two_api_keys_on_one_redis_keep_independent_budgets_and_no_key_in_clear(
    account: tuple[Pass2UEmulator, str, str],
    other_account: tuple[Pass2UEmulator, str, str],
    redis_url: str,
) -> None:
    """Two vendor accounts, two processes each, one Redis: each account's passes are all issued
    under its vendor's limit, and Redis holds neither API key in any key or value (that one
    account's pause does not hold the other is shown above)."""
    app, url, key = account
    other, other_url, other_key = other_account
    shared = {"rate_limit": 40, "rate_limit_backend": redis_url, "max_retries": 0}

    results = run(
        [({"base_url": url, "api_key": key, **shared}, 20, f"a{n}") for n in range(2)]
        + [({"base_url": other_url, "api_key": other_key, **shared}, 20, f"b{n}") for n in range(2)]
    )

    assert all(failed == 0 for _, failed in results.values()), results
    for vendor in (app, other):
        assert [e.status < 300 for e in posts(vendor)] == [True] * 40
    client = redis.Redis.from_url(redis_url)
    for name in client.scan_iter("walletpass:ratelimit:pass2u:*"):
        stored = name + b" " + (client.dump(name) or b"")
        assert key.encode() not in stored
        assert other_key.encode() not in stored


def test_eight_web_workers_sharing_one_key_issue_every_pass_once_within_the_vendors_rate(
    account: tuple[Pass2UEmulator, str, str], redis_url: str
) -> None:
    """Eight forked web workers, each connecting on its own, 8 threads each, one API key: every
    pass is issued exactly once (a refused request is retried by the transport), and the vendor
    (100 requests/s, enforced over any second) refuses no more than a busy machine's arrival
    skew explains, with the margin docs/scale.md advises (rate_limit 95)."""
    app, url, key = account
    settings = {"base_url": url, "api_key": key, "rate_limit": 95, "rate_limit_backend": redis_url}
    settings["max_retries"] = 6  # a refused request is retried: none may end failed

    results = run([(settings, 25, f"w{n}") for n in range(8)])

    assert all(failed == 0 for _, failed in results.values()), results
    sent = posts(app)
    assert sum(e.status < 300 for e in sent) == 200
    assert len({e.json()["barcode"]["message"] for e in sent if e.status < 300}) == 200
    # Unshared, eight processes at 95/s each would have most requests refused (7 in 8 of them
    # over the vendor's rate). Shared, what is refused is requests arriving later than others
    # sent after them on a busy machine, as docs/scale.md explains: measured here 0 to 4% at
    # load average 19 on two cores, 17% with the whole suite running beside in three processes.
    assert sum(e.status == 429 for e in sent) <= 200 * 0.35


def preloaded_worker(wallet: Provider, n: int, out: multiprocessing.Queue) -> None:
    try:
        issued = []
        for i in range(6):
            message = f"p{n}-{i}"
            created = wallet.create(
                Pass(template="1919", barcode=Barcode(message=message), fields={"name": message})
            )
            read = wallet.get(created.id)
            issued.append((message, read.barcode.message if read.barcode else None))
        out.put((n, issued, None))
    except Exception as exc:
        out.put((n, [], f"{type(exc).__name__}: {exc}"))


def test_a_wallet_connected_before_the_fork_is_safe_in_every_child(
    account: tuple[Pass2UEmulator, str, str], redis_url: str
) -> None:
    """gunicorn --preload: the application (and its wallet) is set up once in the parent, which
    has already sent a request (its keep-alive connection is open), then forked into workers.
    Each child must use its own connections: on the parent's, the children's requests mix on one
    socket (the vendor reads garbage, answers go to the wrong process)."""
    app, url, key = account
    wallet = walletpass.connect(
        "pass2u", base_url=url, api_key=key, rate_limit=50, rate_limit_backend=redis_url
    )
    wallet.create(Pass(template="1919", barcode=Barcode(message="parent"), fields={"name": "P"}))
    out: multiprocessing.Queue = FORK.Queue()
    procs = [FORK.Process(target=preloaded_worker, args=(wallet, n, out)) for n in range(8)]
    for proc in procs:
        proc.start()
    try:
        results = [out.get(timeout=60) for _ in procs]
    finally:
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    wallet.close()

    assert [error for _, _, error in results if error] == []
    for _, issued, _ in results:
        assert [message for message, _ in issued] == [read for _, read in issued]
    assert [e.status for e in posts(app)] == [200] * 49
