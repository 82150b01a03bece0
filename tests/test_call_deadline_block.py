"""walletpass.bounds.call_deadline as its function form behaved (291abd6 made it a class): one
block per instance (an instance entered again inside its own block is refused instead of ending
the outer block's deadline early, silently), and usable as a decorator, each call its own block
(breaker finding F2). Its two plain functions (``enter_call_deadline`` /
``leave_call_deadline``, what a public method calls in its own ``try``) make the same blocks."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.bounds import (
    call_deadline,
    call_time_left,
    enter_call_deadline,
    leave_call_deadline,
)


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


@contextlib.contextmanager
def _by_functions(seconds: float | None) -> Iterator[None]:
    token = enter_call_deadline(seconds)
    try:
        yield
    finally:
        leave_call_deadline(token)


_seconds = st.one_of(
    st.none(),
    st.floats(min_value=0.001, max_value=1e6),
    st.sampled_from([0.001, 5.0, 5.0, 90.0]),  # (equal ends: the inner one is set anew)
)


def _left(end: float | None) -> float | None:
    return None if end is None else end - 1000.0


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(st.tuples(_seconds, st.booleans()), max_size=6))
def test_the_functions_make_the_blocks_the_class_makes(
    blocks: list[tuple[float | None, bool]],
) -> None:
    # Nested blocks, each entered by the class or by the functions (drawn): at every depth the
    # end in force is the earlier of the enclosing one's and its own, and leaving a block puts
    # the enclosing one's back (the clock stands still, so ends compare exactly).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "monotonic", lambda: 1000.0)
        entered: list[contextlib.AbstractContextManager[None]] = []
        ends: list[float | None] = [None]
        for seconds, as_class in blocks:
            block = call_deadline(seconds) if as_class else _by_functions(seconds)
            block.__enter__()
            entered.append(block)
            outer = ends[-1]
            own = None if seconds is None else 1000.0 + seconds
            ends.append(own if outer is None else outer if own is None else min(outer, own))
            assert call_time_left() == _left(ends[-1])
        while entered:
            entered.pop().__exit__(None, None, None)
            ends.pop()
            assert call_time_left() == _left(ends[-1])
    assert call_time_left() is None


#: Operations that send more than one request on a vendor (read then write, write then read
#: back): (vendor, template, operation). Livepasses: get = lookup + validate, update = PUT +
#: lookup, redeem = template + transact; PassEntry: redeem = the pass + its loyalty balance.
_SEVERAL_REQUESTS = [
    ("livepasses", "tmpl-loyalty", "get"),
    ("livepasses", "tmpl-loyalty", "update"),
    ("livepasses", "tmpl-loyalty", "redeem"),
    ("passentry", "a91c0e7d55f2b3c4d6e7f809", "redeem"),
]


@pytest.mark.parametrize(("vendor", "template", "operation"), _SEVERAL_REQUESTS)
def test_the_deadline_bounds_an_operation_of_several_requests_as_one_call(
    walletpass_emulator: Any, vendor: str, template: str, operation: str
) -> None:
    # Before, only create was one call: each request of an update, a redeem or a get had the
    # whole deadline again (deadline 1 s, two requests of 0.6 s: the update took 1.22 s, with
    # its read-back).
    import walletpass
    from walletpass import IssuedPass, Pass, PassUpdate, ProviderUnavailable
    from walletpass.readback import READ_BACK_FAILED
    from walletpass.testing.emulator import Fault

    server = walletpass_emulator(vendor)
    wallet = walletpass.connect(
        vendor, base_url=server.url, api_key=server.app.api_key, rate_limit=0, max_retries=0
    )
    issued = wallet.create(Pass(template=template, external_id="D1", holder={"name": "Ada B"}))
    bounded = walletpass.connect(
        vendor,
        base_url=server.url,
        api_key=server.app.api_key,
        rate_limit=0,
        max_retries=0,
        timeout=5,
        deadline=1.0,
    )
    calls: dict[str, Callable[[], object]] = {
        "get": lambda: bounded.get(issued.id),
        "update": lambda: bounded.update(issued.id, PassUpdate(message="Hello")),
        "redeem": lambda: bounded.redeem(issued.id, amount=1),
    }
    server.app.journal.clear()
    server.app.inject(Fault.latency(0.6), times=50)  # each request alone fits in the deadline
    if operation == "update":  # the write was made: its read-back is what the deadline cut
        updated = calls[operation]()
        assert isinstance(updated, IssuedPass)
        assert updated.meta[READ_BACK_FAILED] == "ProviderUnavailable"
    else:
        with pytest.raises(ProviderUnavailable, match=r"deadline of 1\.0s passed"):
            calls[operation]()
    wallet.close()
    bounded.close()


@pytest.mark.parametrize(("vendor", "template", "operation"), _SEVERAL_REQUESTS)
def test_on_walletpass_aio_too(
    walletpass_emulator: Any, vendor: str, template: str, operation: str
) -> None:
    import walletpass
    import walletpass.aio
    from walletpass import IssuedPass, Pass, PassUpdate, ProviderUnavailable
    from walletpass.readback import READ_BACK_FAILED
    from walletpass.testing.emulator import Fault

    server = walletpass_emulator(vendor)
    settings: dict[str, Any] = {"base_url": server.url, "api_key": server.app.api_key}
    settings.update(rate_limit=0, max_retries=0)
    with walletpass.connect(vendor, **settings) as wallet:
        issued = wallet.create(Pass(template=template, external_id="D1", holder={"name": "Ada B"}))

    async def run() -> object:
        async with await walletpass.aio.connect(
            vendor, **settings, timeout=5, deadline=1.0
        ) as bounded:
            server.app.inject(Fault.latency(0.6), times=50)
            if operation == "get":
                return await bounded.get(issued.id)
            if operation == "update":
                return await bounded.update(issued.id, PassUpdate(message="Hello"))
            return await bounded.redeem(issued.id, amount=1)

    if operation == "update":
        updated = asyncio.run(run())
        assert isinstance(updated, IssuedPass)
        assert updated.meta[READ_BACK_FAILED] == "ProviderUnavailable"
    else:
        with pytest.raises(ProviderUnavailable, match=r"deadline of 1\.0s passed"):
            asyncio.run(run())
