"""The async transport against real HTTP servers on 127.0.0.1: the same requests on the wire as
the sync transport, the same retries, deadline, outcome and errors (both follow
:mod:`walletpass.sending`), with its own input and output (aiohttp) bounded the same way."""

from __future__ import annotations

import asyncio
import gzip
import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.aio import AsyncRateLimiter, AsyncTransport, ThreadedLimiter
from walletpass.aio import ratelimit as aio_ratelimit
from walletpass.aio.ratelimit import asyncio_limiter
from walletpass.errors import (
    ConfigurationError,
    InvalidResponse,
    ProviderUnavailable,
    RateLimited,
    RedirectNotFollowed,
)
from walletpass.ratelimit import RateLimiter
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.transport import Timeouts, Transport, VendorRequest

from .hostile_server import BOUND, STALL, HostileServer, answer, bomb, drip_body, flood, head
from .test_transport import GET, ItemsApp, closed_port, transport

_T = TypeVar("_T")


def run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coroutine)


async def send_once(rules: Transport, request: VendorRequest, **kwargs: Any) -> Any:
    sender = AsyncTransport(rules, **kwargs)
    try:
        return await sender.send(request, operation="test")
    finally:
        await sender.aclose()


def outcome(rules: Transport, request: VendorRequest) -> BaseException | Any:
    try:
        return run(send_once(rules, request))
    except Exception as exc:
        return exc


@pytest.fixture
def app() -> ItemsApp:
    return ItemsApp()


@pytest.fixture
def server(app: ItemsApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


@pytest.fixture
def hostile() -> Iterator[list[HostileServer]]:
    started: list[HostileServer] = []
    yield started
    for server in started:
        server.close()


def serve(hostile: list[HostileServer], behaviour: Any) -> HostileServer:
    server = HostileServer(behaviour)
    hostile.append(server)
    return server


def test_import_walletpass_never_imports_the_async_package_or_aiohttp() -> None:
    code = (
        "import sys, walletpass\n"
        "walletpass.connect('fake').create({'template': 't'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'httpx')"
        " or m.startswith('walletpass.aio')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_same_request_reaches_the_wire_from_both_transports(
    app: ItemsApp, server: EmulatorServer
) -> None:
    request = VendorRequest(
        "PUT",
        "items/a1",
        Safety.IDEMPOTENT,
        query={"expand": "holder", "page": 2, "live": True, "skip": None, "tag": ["a", "b é"]},
        json={"colour": "röd", "n": 1},
        headers={"X-Extra": "1"},
    )
    rules = transport(server.url)
    rules.send(request)
    run(send_once(rules, request))

    sync, async_ = app.journal.entries
    assert (async_.method, async_.path, async_.query) == (sync.method, sync.path, sync.query)
    assert async_.query["live"] == ["true"] and "skip" not in async_.query
    assert async_.body == sync.body
    differing = {"user-agent"}
    assert {k.lower(): v for k, v in async_.headers.items() if k.lower() not in differing} == {
        k.lower(): v for k, v in sync.headers.items() if k.lower() not in differing
    }
    assert " aiohttp/" in async_.headers["user-agent"]
    assert async_.headers["user-agent"].split(" ")[0] == sync.headers["user-agent"].split(" ")[0]


def test_429_retry_after_is_waited_for_then_answered(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(429, {}, headers={"Retry-After": "0.3"}))
    started = time.monotonic()

    response = run(send_once(transport(server.url), GET))

    assert response.status == 200 and response.attempts == 2
    assert time.monotonic() - started >= 0.3
    assert len(app.journal) == 2


def test_an_unsafe_post_is_not_repeated_after_a_lost_answer(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.reset_after())
    post = VendorRequest("POST", "items", Safety.UNSAFE, json={"template": "g"})

    error = outcome(transport(server.url), post)

    assert isinstance(error, ProviderUnavailable)
    assert error.outcome_unknown is True
    assert app.processed == ["POST /v1/items"]


def test_a_read_is_retried_after_a_lost_answer(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.reset_after())

    response = run(send_once(transport(server.url), GET))

    assert response.status == 200 and response.attempts == 2


def test_a_refused_connection_is_retried_then_unavailable_and_not_sent() -> None:
    rules = transport(f"http://127.0.0.1:{closed_port()}", max_retries=1)
    post = VendorRequest("POST", "items", Safety.UNSAFE, json={})

    error = outcome(rules, post)

    assert isinstance(error, ProviderUnavailable)
    assert error.outcome_unknown is False and error.retryable is True
    assert "2 attempts" in str(error) and "connection failed" in str(error)


def test_a_dripping_body_is_cut_off_at_the_deadline(hostile: list[HostileServer]) -> None:
    # The body drips for 30 s, each byte within the read timeout: only the deadline ends it.
    server = serve(hostile, drip_body(round(STALL / 0.05), every=0.05))
    rules = transport(server.url, timeouts=Timeouts(connect=1, read=0.5, total=1.0))
    started = time.monotonic()

    error = outcome(rules, GET)

    assert isinstance(error, ProviderUnavailable)
    assert time.monotonic() - started < BOUND
    assert "deadline of 1.0s passed" in str(error)


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "until-close"])
def test_an_oversized_answer_is_refused(hostile: list[HostileServer], declare: bool) -> None:
    server = serve(hostile, flood(4 * 1024 * 1024, declare=declare))
    rules = transport(server.url, max_answer_bytes=256 * 1024)

    error = outcome(rules, GET)

    assert isinstance(error, InvalidResponse)
    assert "max_answer_size" in str(error) and error.outcome_unknown is False


def test_a_decompression_bomb_is_counted_after_decompression(
    hostile: list[HostileServer],
) -> None:
    server = serve(hostile, answer(bomb("gzip", 16 * 1024 * 1024), Content_Encoding="gzip"))
    rules = transport(server.url, max_answer_bytes=256 * 1024)

    error = outcome(rules, GET)

    assert isinstance(error, InvalidResponse) and "max_answer_size" in str(error)


def test_compressed_and_corrupt_answers(hostile: list[HostileServer]) -> None:
    good = serve(hostile, answer(gzip.compress(b'{"id": "a1"}'), Content_Encoding="gzip"))
    bad = serve(hostile, answer(b"not gzip at all", Content_Encoding="gzip"))

    assert run(send_once(transport(good.url), GET)).json() == {"id": "a1"}
    error = outcome(transport(bad.url), GET)
    assert isinstance(error, InvalidResponse) and "corrupt" in str(error)


def test_a_non_numeric_content_length_is_an_unreadable_answer(
    hostile: list[HostileServer],
) -> None:
    def lie(conn: Any, server: HostileServer) -> None:
        conn.sendall(head(Content_Length="-5") + b"{}")

    server = serve(hostile, lie)
    error = outcome(transport(server.url), GET)
    # As on the sync API (tests/test_malformed_answer_heads.py has the whole kind): never retried.
    assert isinstance(error, InvalidResponse) and not error.retryable
    assert "Content-Length" in str(error) and len(server.heads) == 1


def test_a_redirect_is_not_followed(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(302, {}, headers={"Location": "https://elsewhere.test/v1"}))
    post = VendorRequest("POST", "items", Safety.UNSAFE, json={})

    error = outcome(transport(server.url), post)

    assert isinstance(error, RedirectNotFollowed)
    assert error.location == "https://elsewhere.test/v1" and error.outcome_unknown is True
    assert len(app.journal) == 1


@pytest.mark.parametrize(
    "header",
    [
        ("X-Note", "line\r\nX-Injected: 1"),
        ("X-Note", "nul\x00"),
        ("X-Note", "caf\u00e9"),
        ("X-Note", " padded"),
        ("X Note", "name with a space"),
        ("X-Note:", "colon in the name"),
    ],
)
def test_a_header_the_wire_cannot_carry_is_refused_before_sending_as_by_the_sync_api(
    app: ItemsApp, server: EmulatorServer, header: tuple[str, str]
) -> None:
    request = VendorRequest("GET", "items", Safety.SAFE, headers=dict([header]))

    error = outcome(transport(server.url), request)
    try:
        transport(server.url).send(request, operation="test")
    except ConfigurationError as exc:
        sync_error: BaseException = exc

    assert isinstance(error, ConfigurationError) and str(error) == str(sync_error)
    assert len(app.journal) == 0


def test_an_absolute_plain_http_url_elsewhere_is_refused_before_connecting(
    server: EmulatorServer,
) -> None:
    request = VendorRequest("GET", "http://example.com/v1/items", Safety.SAFE)

    error = outcome(transport(server.url), request)

    assert isinstance(error, ConfigurationError) and "https" in str(error)


def test_a_closed_transport_refuses_to_send(app: ItemsApp, server: EmulatorServer) -> None:
    async def scenario() -> BaseException | None:
        sender = AsyncTransport(transport(server.url))
        await sender.send(GET)
        await sender.aclose()
        try:
            await sender.send(GET)
        except ConfigurationError as exc:
            return exc
        return None

    assert isinstance(run(scenario()), ConfigurationError)
    assert len(app.journal) == 1


def test_concurrent_sends_share_one_client(app: ItemsApp, server: EmulatorServer) -> None:
    async def scenario() -> list[int]:
        sender = AsyncTransport(transport(server.url))
        try:
            answers = await asyncio.gather(*(sender.send(GET) for _ in range(20)))
        finally:
            await sender.aclose()
        return [a.status for a in answers]

    assert run(scenario()) == [200] * 20


# -- the asyncio-aware limiters ---------------------------------------------------------------


def test_the_async_limiter_spaces_requests_without_blocking_the_loop() -> None:
    rate = 20.0  # slots 50 ms apart
    period = 1 / rate

    async def scenario() -> tuple[float, list[float], list[int]]:
        limiter = AsyncRateLimiter(rate, burst=1)
        ticks = 0
        stop = False

        async def ticker() -> None:
            # Runs once in every turn of the loop: whenever the limiter waits, it ticks.
            nonlocal ticks
            while not stop:
                ticks += 1
                await asyncio.sleep(0)

        background = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        start = time.monotonic()  # before the first slot, which is handed out at once
        times, ticks_at = [], []
        for _ in range(5):
            await limiter.acquire()
            times.append(time.monotonic())
            ticks_at.append(ticks)
        stop = True
        await background
        return start, times, ticks_at

    start, times, ticks_at = run(scenario())
    shown = [round(at - start, 3) for at in times]
    # The n-th slot is never taken before n periods from the start: the rate, read from the
    # limiter's schedule. (A waiter woken late on a loaded machine narrows the gap to the next
    # one, whose slot was never moved, so gaps one by one prove nothing about the rate.)
    assert all(at - start >= n * period - 0.001 for n, at in enumerate(times)), shown
    # Whenever a slot was still ahead when the previous one was taken, the limiter waited for it
    # on the loop: other tasks ran in between. (A slot already due when a late waiter woke is
    # handed out at once, rightly without a wait; 5 ms of slack for being descheduled between.)
    waited = [n for n in range(1, 5) if times[n - 1] - start < n * period - 0.005]
    assert waited, shown  # the first slot is handed out at once, the second is 50 ms ahead
    assert all(ticks_at[n] > ticks_at[n - 1] for n in waited), (shown, ticks_at)


def test_the_async_limiter_refuses_a_slot_past_max_wait_and_honours_pause() -> None:
    async def scenario() -> None:
        limiter = AsyncRateLimiter(1, burst=1)
        await limiter.acquire()
        with pytest.raises(RateLimited):
            await limiter.acquire(max_wait=0.1)
        await limiter.pause("", 5.0)
        with pytest.raises(RateLimited):
            await limiter.acquire(max_wait=4.0)

    run(scenario())


def test_an_in_process_limiter_is_shared_with_the_sync_side_others_run_in_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = RateLimiter(5, burst=1)
    shared = asyncio_limiter(bucket)
    assert isinstance(shared, AsyncRateLimiter) and shared.limiter is bucket
    assert asyncio_limiter(None) is None

    class Blocking:
        def __init__(self) -> None:
            self.calls: list[tuple[str, float | None]] = []

        def acquire(self, key: str = "", *, max_wait: float | None = None) -> None:
            self.calls.append((key, max_wait))

        def pause(self, key: str, seconds: float) -> None:
            self.calls.append((key, seconds))

    blocking = Blocking()
    threaded = asyncio_limiter(blocking)
    assert isinstance(threaded, ThreadedLimiter)

    class Clock:
        """The limiter module's clock: 0.7 s pass between each reading (a slow thread start)."""

        def __init__(self) -> None:
            self.now = 100.0

        def monotonic(self) -> float:
            self.now += 0.7
            return self.now - 0.7

    monkeypatch.setattr(aio_ratelimit, "time", Clock())

    async def use() -> None:
        await threaded.acquire("k", max_wait=3.0)
        await threaded.pause("k", 2.0)

    run(use())
    (key, waited), paused = blocking.calls
    # max_wait counts from the call: the 0.7 s before the thread ran are taken off
    assert key == "k" and waited == pytest.approx(2.3)
    assert paused == ("k", 2.0)


def test_retry_after_pauses_the_shared_limiter(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(429, {}, headers={"Retry-After": "0.2"}))

    class Recording(AsyncRateLimiter):
        paused: list[tuple[str, float]] = []

        async def pause(self, key: str, seconds: float) -> None:
            self.paused.append((key, seconds))
            await super().pause(key, seconds)

    limiter = Recording(100, burst=5)
    response = run(send_once(transport(server.url), GET, limiter=limiter))

    assert response.status == 200
    assert limiter.paused == [("", 0.2)]


def test_a_pause_holds_tasks_already_given_a_slot_inside_it() -> None:
    async def scenario() -> list[float]:
        limiter = AsyncRateLimiter(10, burst=1)
        await limiter.acquire()
        started = time.monotonic()
        waiting = [asyncio.create_task(limiter.acquire()) for _ in range(3)]
        await asyncio.sleep(0.01)  # each has its slot (0.1 s apart) and sleeps on it
        await limiter.pause("", 0.5)
        released = []
        for task in asyncio.as_completed(waiting):
            await task
            released.append(time.monotonic() - started)
        return released

    released = run(scenario())
    assert all(at >= 0.49 for at in released)
    assert released[-1] - released[0] >= 0.15  # still spaced after the pause, not all at once


def test_a_threaded_limiters_release_is_awaited_once_each_attempt_is_answered(
    app: ItemsApp, server: EmulatorServer
) -> None:
    """The shared limiter counts each request until it is answered: the async transport hands
    the answer back too (in a worker thread, like the rest of a blocking limiter)."""
    app.inject(Fault.reset())  # the first attempt gets no answer; the retry is answered
    released: list[tuple[float, str]] = []

    class AnswerAware:
        def acquire(
            self, key: str = "", *, max_wait: float | None = None
        ) -> Callable[[], None] | None:
            return lambda: released.append((time.time(), threading.current_thread().name))

        def pause(self, key: str, seconds: float) -> None:
            pass

    limiter = ThreadedLimiter(AnswerAware())
    rules = transport(server.url)
    response = run(send_once(rules, GET, limiter=limiter))

    assert response.status == 200
    assert len(released) == 2
    seen = [entry.at for entry in app.journal]
    assert all(done >= at for (done, _), at in zip(released, seen, strict=True))
    assert all(name != threading.main_thread().name for _, name in released)


def test_the_tls_settings_are_loaded_before_the_first_calls_deadline(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading a CA bundle takes milliseconds, far more on a loaded machine: made with the
    provider, not inside its first call (here it takes longer than the create's deadline)."""
    from walletpass.aio import AsyncProvider
    from walletpass.aio import transport as aio_transport

    from .test_transport import API_KEY, HttpTestProvider

    loaded = aio_transport._tls_context

    def slowly(*args: Any) -> Any:
        time.sleep(0.6)
        return loaded(*args)

    monkeypatch.setattr(aio_transport, "_tls_context", slowly)
    wallet = HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY, deadline=0.5)

    async def scenario() -> Any:
        async with AsyncProvider(wallet) as on_loop:
            return await on_loop.create({"template": "gold"})

    assert run(scenario()).id


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([5.0, 0.25, 7.5]) | st.floats(0.001, 100.0),
            st.sampled_from([30.0, 0.25]) | st.floats(0.001, 100.0),
            st.none() | st.sampled_from([90.0, 0.0004]) | st.floats(-5.0, 100.0),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_each_attempt_gets_aiohttp_timeouts_of_its_own_window(
    attempts: list[tuple[float, float, float | None]],
) -> None:
    """The attempt's aiohttp timeouts (taken as the last attempt's when the same) carry its
    connect and read timeouts, and a total that ends no sooner than the call's deadline and no
    more than a millisecond after it (at least a millisecond: aiohttp reads 0 as none)."""
    from walletpass.aio import transport as aio_transport

    for connect, read, left in attempts:
        before = time.monotonic()
        deadline = None if left is None else before + left
        made = aio_transport._timeouts(connect, read, deadline)
        after = time.monotonic()
        assert (made.connect, made.sock_connect, made.sock_read) == (None, connect, read)
        if deadline is None:
            assert made.total is None
            continue
        assert made.ceil_threshold == math.inf  # (aiohttp would round the total up a second)
        assert made.total is not None and made.total >= 0.001
        assert made.total >= deadline - after - 1e-9  # its timer fires with the deadline past
        assert made.total <= max(deadline - before, 0.0) + 0.001 + 1e-9
