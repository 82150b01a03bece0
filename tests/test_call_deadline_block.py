"""walletpass.bounds.call_deadline as its function form behaved (291abd6 made it a class): one
block per instance (an instance entered again inside its own block is refused instead of ending
the outer block's deadline early, silently), and usable as a decorator, each call its own block
(breaker finding F2)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from walletpass.bounds import call_deadline, call_time_left


def test_an_instance_entered_inside_its_own_block_is_refused_and_the_deadline_stays() -> None:
    block = call_deadline(60)
    with block:
        with pytest.raises(RuntimeError, match="already entered"), block:
            pass  # pragma: no cover (never entered)
        left = call_time_left()
        assert left is not None and 0 < left <= 60
    assert call_time_left() is None


def test_an_instance_used_again_after_its_block_is_a_new_block() -> None:
    block = call_deadline(30)
    for _ in range(2):
        with block:
            left = call_time_left()
            assert left is not None and 0 < left <= 30
        assert call_time_left() is None


def test_nested_blocks_keep_the_earlier_end() -> None:
    with call_deadline(5):
        with call_deadline(60):
            inner = call_time_left()
            assert inner is not None and inner <= 5
        with call_deadline(None):
            assert (call_time_left() or 99) <= 5
        with call_deadline(1):
            assert (call_time_left() or 99) <= 1
        assert (call_time_left() or 99) <= 5
    assert call_time_left() is None


def test_as_a_decorator_each_call_is_a_block_of_its_own() -> None:
    seen: list[float | None] = []

    @call_deadline(20)
    def work(depth: int) -> int:
        seen.append(call_time_left())
        return depth if depth == 0 else work(depth - 1) + 1

    assert work(2) == 2
    assert all(left is not None and 0 < left <= 20 for left in seen)
    assert call_time_left() is None

    errors: list[BaseException] = []

    def run() -> None:
        try:
            work(1)
        except BaseException as exc:  # pragma: no cover (the test reports it)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert work.__name__ == "work"


def test_each_asyncio_task_has_its_own_block() -> None:
    async def one(seconds: float) -> float | None:
        with call_deadline(seconds):
            await asyncio.sleep(0)
            return call_time_left()

    async def both() -> list[float | None]:
        return list(await asyncio.gather(one(3), one(30)))

    short, long = asyncio.run(both())
    assert short is not None and short <= 3
    assert long is not None and 3 < long <= 30
