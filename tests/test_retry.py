"""The pure retry decision and ``Retry-After`` parsing, checked exhaustively.

A table states the expected decision for every safety class against every kind of outcome (the
policy of ARCHITECTURE.md §6); hypothesis then checks the invariants over arbitrary outcomes,
policies, attempts, deadlines and jitter, and feeds ``parse_retry_after`` every form a vendor may
send (seconds, decimal seconds, the three HTTP-date forms) as well as arbitrary garbage.
"""

from __future__ import annotations

import email.utils
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from walletpass.retry import (
    Ambiguous,
    Fatal,
    GotResponse,
    NotSent,
    Outcome,
    RetryPolicy,
    Safety,
    backoff_delay,
    decide,
    parse_retry_after,
)

POLICY = RetryPolicy(max_retries=2, backoff_base=0.5, backoff_cap=5.0, retry_after_cap=60.0)
REPEATABLE = {Safety.SAFE, Safety.IDEMPOTENT}
EVERY = set(Safety)

#: outcome -> (safety classes that retry while attempts and time are left,
#:             safety classes for which the outcome is unknown once we stop)
TABLE: dict[str, tuple[Outcome, set[Safety], set[Safety]]] = {
    "not-sent": (NotSent("connection refused"), EVERY, set()),
    "ambiguous": (Ambiguous("read timeout"), REPEATABLE, EVERY - REPEATABLE),
    "fatal": (Fatal("TLS error"), set(), set()),
    "200": (GotResponse(200), set(), set()),
    "201": (GotResponse(201), set(), set()),
    "204": (GotResponse(204), set(), set()),
    "304": (GotResponse(304), set(), set()),
    "400": (GotResponse(400), set(), set()),
    "401": (GotResponse(401), set(), set()),
    "404": (GotResponse(404), set(), set()),
    "409": (GotResponse(409), set(), set()),
    "422": (GotResponse(422), set(), set()),
    "429": (GotResponse(429), EVERY, set()),
    "429-retry-after": (GotResponse(429, 3.0), EVERY, set()),
    "429-retry-after-over-cap": (GotResponse(429, 600.0), set(), set()),
    # A server error may come after the backend acted (a 500 thrown after the write, a CDN's
    # 524 while the origin works): final, and unknown for a request that must not repeat.
    "500": (GotResponse(500), set(), EVERY - REPEATABLE),
    "501": (GotResponse(501), set(), set()),
    "505": (GotResponse(505), set(), set()),
    "507": (GotResponse(507), set(), EVERY - REPEATABLE),
    "511": (GotResponse(511), set(), set()),
    "520": (GotResponse(520), set(), EVERY - REPEATABLE),
    "524": (GotResponse(524), set(), EVERY - REPEATABLE),
    "502": (GotResponse(502), REPEATABLE, EVERY - REPEATABLE),
    "503": (GotResponse(503), EVERY, set()),
    "503-retry-after": (GotResponse(503, 2.0), EVERY, set()),
    "503-retry-after-over-cap": (GotResponse(503, 600.0), EVERY, set()),
    "504": (GotResponse(504), REPEATABLE, EVERY - REPEATABLE),
}


@pytest.mark.parametrize("safety", list(Safety))
@pytest.mark.parametrize("label", list(TABLE))
def test_every_safety_class_against_every_outcome(label: str, safety: Safety) -> None:
    outcome, retried_for, unknown_for = TABLE[label]

    with_budget = decide(attempt=1, outcome=outcome, safety=safety, policy=POLICY)
    exhausted = decide(attempt=3, outcome=outcome, safety=safety, policy=POLICY)
    no_time = decide(attempt=1, outcome=outcome, safety=safety, policy=POLICY, time_left=0.01)

    assert with_budget.retry is (safety in retried_for)
    assert exhausted.retry is False
    assert no_time.retry is False
    assert exhausted.outcome_unknown is (safety in unknown_for)
    if not with_budget.retry:
        assert with_budget.outcome_unknown is (safety in unknown_for)
    else:
        assert with_budget.outcome_unknown is False
        assert with_budget.delay > 0
        assert no_time.outcome_unknown is False
    assert with_budget.reason
    assert exhausted.reason


@pytest.mark.parametrize("safety", list(Safety))
def test_retry_after_hint_is_the_delay(safety: Safety) -> None:
    for status in (429, 503):
        decision = decide(attempt=1, outcome=GotResponse(status, 7.5), safety=safety, policy=POLICY)
        assert decision.retry
        assert decision.delay == 7.5


def test_503_hint_beyond_cap_falls_back_to_backoff() -> None:
    decision = decide(
        attempt=2,
        outcome=GotResponse(503, 600.0),
        safety=Safety.UNSAFE,
        policy=POLICY,
        rng=lambda: 1.0,
    )
    assert decision.retry
    assert decision.delay == backoff_delay(2, POLICY, lambda: 1.0) == 1.0


def test_safety_repeatable_flag() -> None:
    assert {s for s in Safety if s.repeatable} == REPEATABLE


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

reasons = st.text(min_size=1, max_size=20)
hints = st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False))
outcomes: st.SearchStrategy[Outcome] = st.one_of(
    st.builds(NotSent, reasons),
    st.builds(Ambiguous, reasons),
    st.builds(Fatal, reasons),
    st.builds(GotResponse, st.integers(min_value=100, max_value=599), hints),
    st.builds(GotResponse, st.sampled_from([429, 502, 503, 504]), hints),
)


@st.composite
def policies(draw: st.DrawFn) -> RetryPolicy:
    base = draw(st.floats(min_value=0.001, max_value=10))
    return RetryPolicy(
        max_retries=draw(st.integers(min_value=0, max_value=10)),
        backoff_base=base,
        backoff_cap=draw(st.floats(min_value=base, max_value=100)),
        retry_after_cap=draw(st.floats(min_value=0, max_value=1000)),
    )


attempts = st.integers(min_value=1, max_value=15)
time_lefts = st.one_of(st.none(), st.floats(min_value=-10, max_value=1e4))
jitters = st.floats(min_value=0, max_value=1)


def _retry_in_principle(outcome: Outcome, safety: Safety, policy: RetryPolicy) -> bool:
    """Whether the outcome class is retryable for this safety class, budget aside."""
    if isinstance(outcome, NotSent):
        return True
    if isinstance(outcome, Ambiguous):
        return safety.repeatable
    if isinstance(outcome, Fatal):
        return False
    if outcome.status == 429:
        return outcome.retry_after is None or outcome.retry_after <= policy.retry_after_cap
    if outcome.status == 503:
        return True
    if outcome.status in (502, 504):
        return safety.repeatable
    return False


@given(
    outcome=outcomes,
    safety=st.sampled_from(Safety),
    policy=policies(),
    attempt=attempts,
    time_left=time_lefts,
    jitter=jitters,
)
def test_decide_invariants(
    outcome: Outcome,
    safety: Safety,
    policy: RetryPolicy,
    attempt: int,
    time_left: float | None,
    jitter: float,
) -> None:
    def decision_now() -> object:
        return decide(
            attempt=attempt,
            outcome=outcome,
            safety=safety,
            policy=policy,
            time_left=time_left,
            rng=lambda: jitter,
        )

    decision = decide(
        attempt=attempt,
        outcome=outcome,
        safety=safety,
        policy=policy,
        time_left=time_left,
        rng=lambda: jitter,
    )
    # pure: the same inputs give the same answer
    assert decision_now() == decision
    assert decision.reason

    budget_left = attempt <= policy.max_retries
    in_principle = _retry_in_principle(outcome, safety, policy)

    if decision.retry:
        assert in_principle
        assert budget_left
        assert decision.delay >= 0
        assert math.isfinite(decision.delay)
        assert time_left is None or decision.delay < time_left
        assert decision.outcome_unknown is False
        hint = outcome.retry_after if isinstance(outcome, GotResponse) else None
        if hint is not None and hint <= policy.retry_after_cap:
            assert decision.delay == hint
        else:
            assert decision.delay == backoff_delay(attempt, policy, lambda: jitter)
    elif in_principle and budget_left and time_left is None:
        pytest.fail(f"should have retried: {decision}")

    # the request may have taken effect only if it was not repeatable and possibly processed
    # (a server error other than 501/503/505/511 may come after the backend acted)
    possibly_processed = isinstance(outcome, Ambiguous) or (
        isinstance(outcome, GotResponse)
        and outcome.status >= 500
        and outcome.status not in (501, 503, 505, 511)
    )
    assert decision.outcome_unknown is (
        not decision.retry and possibly_processed and not safety.repeatable
    )


@given(outcome=outcomes, policy=policies(), attempt=attempts, time_left=time_lefts)
def test_unsafe_ambiguity_is_never_repeated(
    outcome: Outcome, policy: RetryPolicy, attempt: int, time_left: float | None
) -> None:
    for safety in (Safety.UNSAFE, Safety.RECOVERABLE):
        decision = decide(
            attempt=attempt, outcome=outcome, safety=safety, policy=policy, time_left=time_left
        )
        if isinstance(outcome, Ambiguous):
            assert not decision.retry
            assert decision.outcome_unknown


@given(
    status=st.integers(min_value=100, max_value=599),
    safety=st.sampled_from(Safety),
    policy=policies(),
    attempt=attempts,
)
def test_statuses_outside_the_retry_set_are_final(
    status: int, safety: Safety, policy: RetryPolicy, attempt: int
) -> None:
    decision = decide(attempt=attempt, outcome=GotResponse(status), safety=safety, policy=policy)
    if status not in (429, 502, 503, 504):
        assert decision.retry is False
        server_error_after_acting = status >= 500 and status not in (501, 503, 505, 511)
        assert decision.outcome_unknown is (server_error_after_acting and not safety.repeatable)


@given(policy=policies(), attempt=st.integers(min_value=1, max_value=60), jitter=jitters)
def test_backoff_is_exponential_jittered_and_capped(
    policy: RetryPolicy, attempt: int, jitter: float
) -> None:
    delay = backoff_delay(attempt, policy, lambda: jitter)
    ceiling = min(policy.backoff_base * 2 ** (attempt - 1), policy.backoff_cap)

    assert policy.backoff_base / 2 <= delay <= max(policy.backoff_cap, policy.backoff_base)
    assert ceiling / 2 - 1e-9 <= delay <= ceiling + 1e-9
    assert (
        backoff_delay(attempt, policy, lambda: 0.0)
        <= delay
        <= (backoff_delay(attempt, policy, lambda: 1.0))
    )
    if attempt > 1:
        assert backoff_delay(attempt, policy, lambda: 1.0) >= backoff_delay(
            attempt - 1, policy, lambda: 1.0
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"backoff_base": 0},
        {"backoff_base": -0.5},
        {"backoff_base": 2.0, "backoff_cap": 1.0},
    ],
)
def test_retry_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# parse_retry_after
# ---------------------------------------------------------------------------------------------

NOW = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def imf_fixdate(when: datetime) -> str:
    return email.utils.format_datetime(when, usegmt=True)


def rfc850_date(when: datetime) -> str:
    return (
        f"{DAYS[when.weekday()]}, {when.day:02d}-{MONTHS[when.month - 1]}-{when.year % 100:02d} "
        f"{when:%H:%M:%S} GMT"
    )


def asctime_date(when: datetime) -> str:
    return (
        f"{DAYS[when.weekday()][:3]} {MONTHS[when.month - 1]} {when.day:2d} "
        f"{when:%H:%M:%S} {when.year}"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("3", 3.0),
        ("120", 120.0),
        ("0.25", 0.25),
        ("1.5", 1.5),
        ("  7  ", 7.0),
        ("-4", 0.0),
        ("Fri, 14 Mar 2025 15:09:36 GMT", 10.0),
        ("Friday, 14-Mar-25 15:09:36 GMT", 10.0),
        ("Fri Mar 14 15:09:36 2025", 10.0),
        ("Fri, 14 Mar 2025 16:09:36 +0100", 10.0),
        ("Fri, 14 Mar 2025 15:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("-inf", None),
        ("1e999", None),
        ("Fri, 14 Mar 99999 15:09:36 GMT", None),
        ("Fri, 31 Feb 2025 15:09:36 GMT", None),
    ],
)
def test_parse_retry_after_examples(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


@given(st.integers(min_value=0, max_value=10**12))
def test_delta_seconds(seconds: int) -> None:
    assert parse_retry_after(str(seconds)) == float(seconds)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.sampled_from(["", " ", "\t"]))
def test_decimal_seconds(seconds: float, pad: str) -> None:
    assert parse_retry_after(f"{pad}{seconds!r}{pad}") == seconds


@given(st.floats(max_value=-1e-9, allow_infinity=False, allow_nan=False))
def test_negative_seconds_mean_now(seconds: float) -> None:
    assert parse_retry_after(repr(seconds)) == 0.0


whens = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2068, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
nows = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2068, 12, 31), timezones=st.just(UTC)
)


@given(when=whens, now=nows, form=st.sampled_from([imf_fixdate, rfc850_date, asctime_date]))
@example(when=NOW + timedelta(seconds=30), now=NOW, form=imf_fixdate)
def test_http_dates_in_all_three_forms(when: datetime, now: datetime, form: object) -> None:
    assert callable(form)
    text = form(when)
    expected = max(0.0, (when - now).total_seconds())
    assert parse_retry_after(text, now=now) == pytest.approx(expected, abs=1e-6)


@given(st.text(max_size=60))
@example("Mon, 32 Jan 2025 00:00:00 GMT")
@example("Mon, 01 Jan 2025 25:61:61 GMT")
@example("0 0 0 0 0")
@example("1_000")
@example("\x00")
def test_arbitrary_text_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or (math.isfinite(result) and result >= 0)


@given(
    st.from_regex(r"\A[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} -?\d{1,6} \d\d:\d\d:\d\d [A-Z+\-0-9]{1,5}\Z")
)
def test_date_shaped_garbage_never_raises(value: str) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or (math.isfinite(result) and result >= 0)
