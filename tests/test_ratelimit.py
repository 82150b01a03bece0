"""The client-side limiter (a token bucket pacing, a window of places by arrival as the
guarantee): exact arithmetic on a fake clock, then a real burst on the wire.

The wire test lets several threads fire a burst through one transport at an emulator that
enforces a per-second window (answering 429 beyond it, as vendors do): with the limiter nothing is
refused and the burst is spread out; without it the same burst is refused (the control that shows
the emulator would notice). Timing assertions are lower bounds with generous tolerance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass.errors import RateLimited
from walletpass.provider import Provider
from walletpass.ratelimit import RateLimiter, Release
from walletpass.retry import RetryPolicy, Safety
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Fault,
    RateWindow,
    route,
)
from walletpass.transport import Timeouts, Transport, VendorRequest


class FakeClock:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def limiter(rate: float, burst: int = 1) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate, burst=burst, clock=clock, sleep=clock.sleep), clock


# ---------------------------------------------------------------------------------------------
# Arithmetic on a fake clock
# ---------------------------------------------------------------------------------------------


def test_burst_is_free_then_requests_are_spaced_by_the_rate() -> None:
    bucket, clock = limiter(rate=4, burst=3)
    grants = []
    for _ in range(5):
        bucket.acquire()()  # answered at once
        grants.append(clock.now - 1000.0)

    # the bucket lets a burst of 3, then one per 0.25 s; the window holds the vendor's "4 per
    # second" by arrival: the fifth waits until the first left the window (the bucket alone
    # would have sent it at 0.5, the fifth request within a second)
    assert grants == pytest.approx([0, 0, 0, 0.25, 1.0])


def test_a_request_in_flight_keeps_its_place_until_its_answer() -> None:
    bucket, clock = limiter(rate=2)  # 2 per 1 s window
    first = bucket.acquire()
    bucket.acquire()  # at 0.5, still unanswered (its place lasts the lease)
    answered_at = 1003.0

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now >= answered_at:
            first()  # the first request's answer comes at 3.0 s

    bucket._sleep = sleep
    bucket.acquire()
    # the first request could have reached the vendor as late as its answer: one window later
    assert clock.now - 1000.0 == pytest.approx(4.0, abs=0.01)


def test_a_place_answered_in_the_usual_time_ends_at_its_grant_plus_the_spread() -> None:
    bucket, clock = limiter(rate=2)
    for _ in range(20):  # answers 0.3 s after their grants, every time: the spread shrinks
        release = bucket.acquire()
        clock.now += 0.3
        release()
    granted = clock.now
    release = bucket.acquire()
    clock.now += 0.3
    release()
    bucket.acquire()
    # held until its grant plus the (small) spread, not until its answer 0.3 s later
    assert clock.now - granted < 1.0 + 0.05


def test_a_request_slower_than_usual_keeps_its_place_longer() -> None:
    bucket, clock = limiter(rate=1)
    for _ in range(20):
        release = bucket.acquire()
        clock.now += 0.1
        release()
    release = bucket.acquire()
    granted = clock.now
    clock.now += 0.8  # eight times the usual: it may have reached the vendor that much later
    release()
    bucket.acquire()
    # its answer widens the spread (this answer counted) to at least its lateness: the place is
    # held until its answer less the usual time (0.7 s), then a window; the bucket alone: 1.0
    assert clock.now - granted == pytest.approx(0.7 + 1.0, abs=0.01)


def test_releasing_twice_ends_the_place_once() -> None:
    bucket, clock = limiter(rate=1)
    release = bucket.acquire()
    clock.now += 0.2
    release()
    clock.now += 5
    release()  # (no effect: the estimate learnt one answer)
    assert bucket._windows[""].srtt == pytest.approx(0.2)


def test_idle_time_refills_up_to_the_burst_only() -> None:
    bucket, clock = limiter(rate=2, burst=2)
    for _ in range(2):
        assert bucket.reserve() == 0
    clock.now += 60  # a long pause refills two tokens, not 120

    assert bucket.reserve() == 0
    assert bucket.reserve() == 0
    assert bucket.reserve() == pytest.approx(0.5)


def test_keys_have_separate_buckets() -> None:
    bucket, _ = limiter(rate=1, burst=1)

    assert bucket.reserve("POST /passes") == 0
    assert bucket.reserve("GET /passes") == 0
    assert bucket.reserve("POST /passes") == pytest.approx(1.0)


def test_wait_beyond_max_wait_raises_and_takes_nothing() -> None:
    bucket, clock = limiter(rate=2, burst=1)
    bucket.acquire()

    with pytest.raises(RateLimited) as caught:
        bucket.acquire(max_wait=0.1)
    assert caught.value.retry_after == pytest.approx(0.5)
    assert caught.value.retryable is True

    # the refusal consumed no token: the next slot is still 0.5 s away, not 1 s
    assert bucket.reserve(max_wait=0.5) == pytest.approx(0.5)
    assert clock.now == 1000.0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_nonsense_settings_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate, burst=burst)


def test_repr_shows_the_rate() -> None:
    assert repr(RateLimiter(2.5, burst=4)) == "RateLimiter(rate=2.5/s, burst=4)"


@given(
    rate=st.floats(min_value=0.1, max_value=1000),
    burst=st.integers(min_value=1, max_value=20),
    arrivals=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=60),
)
def test_no_window_ever_holds_more_than_burst_plus_rate_times_its_length(
    rate: float, burst: int, arrivals: list[float]
) -> None:
    bucket, clock = limiter(rate, burst)
    grants: list[float] = []
    for pause in arrivals:
        clock.now += pause
        bucket.acquire()()
        grants.append(clock.now)

    assert grants == sorted(grants)
    per_window = max(burst, int(rate), 1)
    window = per_window / rate
    for first in range(len(grants)):
        for last in range(first, len(grants)):
            in_window = last - first + 1
            assert in_window <= burst + rate * (grants[last] - grants[first]) + 1e-6
            # and by the window: N per vendor window, however the bucket would allow more
            if grants[last] - grants[first] < window - 1e-6:
                assert in_window <= per_window


# ---------------------------------------------------------------------------------------------
# A real burst against an emulator that enforces a window
# ---------------------------------------------------------------------------------------------

WINDOW = 8  # the emulator refuses a 9th request within any second


class LimitedApp(EmulatorApp):
    def __init__(self) -> None:
        super().__init__()
        self.window = RateWindow(per_second=WINDOW)

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        wait = self.window.hit("key")
        if wait is None:
            return None
        return EmulatorResponse.json_body(
            {"message": "too many requests"}, 429, {"Retry-After": f"{wait:.3f}"}
        )

    @route("GET", "/ping")
    def ping(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"pong": True})


@pytest.fixture
def app() -> LimitedApp:
    return LimitedApp()


@pytest.fixture
def server(app: LimitedApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


def burst(sender: Transport, count: int, threads: int = 4) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()
    ping = VendorRequest("GET", "ping", Safety.SAFE)
    queue = list(range(count))

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                queue.pop()
            status = sender.send(ping).status
            with lock:
                statuses.append(status)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return statuses


def make_transport(url: str, rate_limiter: RateLimiter | None) -> Transport:
    return Transport(
        provider="test-http",
        base_url=url,
        rate_limiter=rate_limiter,
        policy=RetryPolicy(max_retries=0),
        timeouts=Timeouts(connect=2.0, read=5.0, total=10.0),
    )


def test_a_burst_stays_under_the_rate(app: LimitedApp, server: EmulatorServer) -> None:
    rate, allowance, count = 5.0, 1, 12
    sender = make_transport(server.url, RateLimiter(rate, burst=allowance))

    statuses = burst(sender, count)

    assert statuses == [200] * count
    arrivals = sorted(entry.at for entry in app.journal)
    assert len(arrivals) == count
    # the token bucket needs (count - burst) / rate seconds for the burst; allow 20 % slack
    assert arrivals[-1] - arrivals[0] >= (count - allowance) / rate * 0.8
    # and at no point did more than burst + rate requests arrive within one second
    for i, start in enumerate(arrivals):
        within = [t for t in arrivals[i:] if t - start < 1.0]
        assert len(within) <= WINDOW


def test_the_same_burst_without_a_limiter_is_refused(
    app: LimitedApp, server: EmulatorServer
) -> None:
    statuses = burst(make_transport(server.url, None), 20)

    assert statuses.count(429) >= 1


def test_limiter_that_cannot_fit_the_deadline_raises_before_sending(
    app: LimitedApp, server: EmulatorServer
) -> None:
    # One clock for the limiter and the transport, which moves only when something sleeps: the
    # next slot is 10 s away, past the 1 s deadline, so the call is refused without a wait.
    clock = FakeClock()
    sender = Transport(
        provider="test-http",
        base_url=server.url,
        rate_limiter=RateLimiter(0.1, burst=1, clock=clock, sleep=clock.sleep),
        timeouts=Timeouts(read=2.0, total=1.0),
        clock=clock,
        sleep=clock.sleep,
    )
    ping = VendorRequest("GET", "ping", Safety.SAFE)
    assert sender.send(ping).ok
    before = clock.now

    with pytest.raises(RateLimited) as caught:
        sender.send(ping, operation="get")

    assert clock.now == before  # nobody slept
    assert caught.value.retry_after == pytest.approx(10.0)
    assert (caught.value.provider, caught.value.operation) == ("test-http", "get")
    assert len(app.journal) == 1
    # another endpoint's bucket is untouched
    assert sender.send(VendorRequest("GET", "ping", Safety.SAFE, rate_key="other")).ok
    assert len(app.journal) == 2


class RatedProvider(Provider):
    name = "test-rated"
    default_rate_limit = 50.0
    rate_limit_burst = 5


@pytest.mark.parametrize(
    ("setting", "expected"),
    [({}, (50.0, 5)), ({"rate_limit": 2.0}, (2.0, 5)), ({"rate_limit": 0}, None)],
    ids=["vendor-default", "configured", "switched-off"],
)
def test_provider_builds_the_limiter_from_settings(
    setting: dict[str, float], expected: tuple[float, int] | None
) -> None:
    wallet = RatedProvider(base_url="https://api.example.com", **setting)

    limit = wallet.transport.rate_limiter
    if expected is None:
        assert limit is None
    else:
        assert limit is not None
        assert (limit.rate, limit.burst) == expected


def test_pause_holds_the_bucket_for_the_vendors_retry_after() -> None:
    bucket, clock = limiter(rate=10.0, burst=5)

    bucket.pause("", 2.0)

    assert bucket.reserve("") == pytest.approx(2.0)
    assert bucket.reserve("other") == 0.0  # another endpoint's bucket is not paused
    clock.sleep(3.0)
    assert bucket.reserve("") == 0.0


@given(
    rate=st.floats(min_value=0.5, max_value=1000),
    burst=st.integers(min_value=1, max_value=5),
    told=st.lists(st.none() | st.floats(min_value=0.01, max_value=5), min_size=1, max_size=30),
)
def test_no_request_goes_inside_a_retry_after_even_on_a_slot_given_before_it(
    rate: float, burst: int, told: list[float | None]
) -> None:
    """While a caller sleeps until its slot, another thread may be told Retry-After: the caller
    must not wake and send inside that pause, nor may the callers behind it."""
    clock = FakeClock()
    pauses: list[tuple[int, float, float]] = []  # (sends before it, when, seconds)
    script = iter(told)

    def sleep(seconds: float) -> None:
        seconds_told = next(script, None)
        if seconds_told is not None:  # another thread's answer, while this one waits
            bucket.pause("", seconds_told)
            pauses.append((len(sends), clock.now, seconds_told))
        clock.sleep(seconds)

    bucket = RateLimiter(rate, burst=burst, clock=clock, sleep=sleep)
    sends: list[float] = []
    for _ in range(len(told) + burst + 1):
        bucket.acquire("")
        sends.append(clock.now)

    inside = [
        (t, at, seconds)
        for before, at, seconds in pauses
        for t in sends[before:]
        if t < at + seconds - 1e-6
    ]
    assert inside == []


def test_a_retry_after_holds_a_caller_already_waiting_for_a_place_in_the_window() -> None:
    """A caller past its slot, waiting for the window (full of answered requests), when the
    vendor's Retry-After reaches another thread: it sends after the pause, not as the window
    frees inside it."""
    bucket, clock = limiter(rate=2, burst=2)  # 2 per 1 s window
    for _ in range(2):
        bucket.acquire()()  # answered at once: the window is full until 1.0
    told: list[float] = []

    def sleep(seconds: float) -> None:
        if len(told) == 0 and clock.now > 1000.0:  # waiting for the window, past its slot (0.5)
            bucket.pause("", 3.0)
            told.append(clock.now)
        clock.sleep(seconds)

    bucket._sleep = sleep
    bucket.acquire()

    assert told == [pytest.approx(1000.5)]
    assert clock.now >= told[0] + 3.0 - 1e-6  # (the window alone would have let it go at 1.0)


def test_a_429_with_retry_after_pauses_every_thread_of_the_provider(
    app: LimitedApp, server: EmulatorServer
) -> None:
    clock = FakeClock()
    shared = RateLimiter(1000.0, burst=1, clock=clock, sleep=clock.sleep)
    sender = make_transport(server.url, shared)
    app.inject(Fault.respond(429, headers={"Retry-After": "4"}))

    assert sender.send(VendorRequest("GET", "ping", Safety.SAFE)).status == 429
    # the next caller, whichever thread, waits out the vendor's four seconds
    assert shared.reserve("") == pytest.approx(4.0, abs=0.01)


class AnswerAwareLimiter:
    """A limiter that wants to hear when each request it let through was answered or abandoned
    (as the shared one does): records the moments."""

    def __init__(self) -> None:
        self.released: list[float] = []

    def acquire(self, key: str = "", *, max_wait: float | None = None) -> Release | None:
        return lambda: self.released.append(time.time())

    def pause(self, key: str, seconds: float) -> None:
        pass


def test_the_transport_tells_the_limiter_once_each_attempt_is_answered_or_abandoned(
    app: LimitedApp, server: EmulatorServer
) -> None:
    recorder = AnswerAwareLimiter()
    sender = Transport(
        provider="test-http",
        base_url=server.url,
        rate_limiter=recorder,
        policy=RetryPolicy(max_retries=2, backoff_base=0.01, backoff_cap=0.05),
        timeouts=Timeouts(connect=2.0, read=5.0, total=10.0),
    )
    app.inject(Fault.reset())  # the first attempt gets no answer; the retry is answered

    assert sender.send(VendorRequest("GET", "ping", Safety.SAFE)).ok

    assert len(recorder.released) == 2
    answered = [entry.at for entry in app.journal]
    assert len(answered) == 2
    # each after the vendor saw the attempt it ends
    assert all(r >= a for r, a in zip(recorder.released, answered, strict=True))
