"""The poll schedule for background vendor jobs: early polls, then aimed at the predicted end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass.polling import FIRST_PAUSE, SHORTEST_PAUSE, PollSchedule


def test_without_progress_pauses_double_from_the_first_up_to_the_longest() -> None:
    schedule = PollSchedule(longest=2.0, started=0.0)
    pauses = [schedule.next_pause([(0, 100)], now=t) for t in (0.0, 0.3, 0.8, 1.8, 3.8, 5.8)]
    assert pauses == [FIRST_PAUSE, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_with_progress_the_pause_lasts_until_the_predicted_end() -> None:
    schedule = PollSchedule(longest=2.0, started=10.0)
    # 50 of 100 done after 0.25 s: the rest should take another 0.25 s (plus a small margin).
    assert schedule.next_pause([(50, 100)], now=10.25) == pytest.approx(0.25 * 1.05)


def test_the_soonest_of_several_jobs_decides() -> None:
    schedule = PollSchedule(longest=2.0, started=0.0)
    assert schedule.next_pause([(10, 100), (90, 100)], now=1.0) == pytest.approx((10 / 90) * 1.05)


def test_a_slow_job_is_still_polled_every_longest_interval() -> None:
    schedule = PollSchedule(longest=2.0, started=0.0)
    assert schedule.next_pause([(1, 1000)], now=1.0) == 2.0


def test_a_configured_interval_shorter_than_every_bound_is_kept() -> None:
    schedule = PollSchedule(longest=0.01, started=0.0)
    assert schedule.next_pause([(0, 10)], now=0.0) == 0.01
    assert schedule.next_pause([(9, 10)], now=1.0) == 0.01


@given(
    longest=st.floats(min_value=0.001, max_value=60),
    elapsed=st.floats(min_value=0, max_value=3600),
    jobs=st.lists(
        st.integers(min_value=1, max_value=10_000).flatmap(
            lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
        ),
        max_size=20,
    ),
)
def test_every_pause_is_within_bounds(
    longest: float, elapsed: float, jobs: list[tuple[int, int]]
) -> None:
    pause = PollSchedule(longest, started=100.0).next_pause(jobs, now=100.0 + elapsed)
    assert pause <= longest
    assert pause >= min(SHORTEST_PAUSE, longest)
