"""An async provider used from one event loop after another (issue 19, verifier finding F11).

A test suite that runs each test's calls in its own ``asyncio.run`` (or pytest-asyncio's loop
per test) shares one provider across loops. Each loop's connections are closed on that loop
before it ends, so none is left for the garbage collector to report (``ResourceWarning``: a
test failure under ``-W error`` or pytest's ``filterwarnings = error``); a loop still running
elsewhere has its connections closed on it, from its own thread.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from walletpass import IssuedPass, Pass
from walletpass.aio import AsyncProvider
from walletpass.testing.emulator import EmulatorServer

from .test_transport import API_KEY, HttpTestProvider, ItemsApp


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(ItemsApp()) as running:
        yield running


def wallet(server: EmulatorServer) -> AsyncProvider:
    return AsyncProvider(
        HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY, timeout=5, deadline=10)
    )


def left_for_the_collector(scenario: Callable[[], None]) -> list[str]:
    """The warnings ``scenario`` leaves behind, found by a full collection after it.

    Earlier tests' garbage is not the scenario's: what is collectable is collected first, and
    every loop, transport and socket still alive then (an earlier test's, released only later,
    e.g. when a thread of its ends) is held until the count is taken, so its warning cannot
    fall into the scenario's window (a full suite on a loaded machine counted another file's
    unclosed loop and its eight connections here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()
        alive_before = [
            thing
            for thing in gc.get_objects()
            if isinstance(thing, asyncio.AbstractEventLoop | asyncio.BaseTransport | socket.socket)
        ]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scenario()
            gc.collect()
    finally:
        # Released now, an earlier test's unclosed loop may fail in its own finaliser (its
        # self-pipe socket finalised first in the same cycle): not the scenario's either.
        report_unraisable = sys.unraisablehook
        sys.unraisablehook = lambda unraisable: None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                del alive_before
                gc.collect()
        finally:
            sys.unraisablehook = report_unraisable
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def test_a_provider_moved_from_loop_to_loop_leaves_no_connection_open(
    server: EmulatorServer,
) -> None:
    results: list[Any] = []

    def scenario() -> None:
        provider = wallet(server)
        for _ in range(3):
            results.append(asyncio.run(provider.create(Pass(template="gg"))))
        asyncio.run(provider.aclose())

    assert left_for_the_collector(scenario) == []
    assert [type(result) for result in results] == [IssuedPass] * 3


def test_a_provider_never_closed_leaves_no_connection_open_when_its_loops_end(
    server: EmulatorServer,
) -> None:
    def scenario() -> None:
        provider = wallet(server)
        for _ in range(2):
            with asyncio.Runner() as runner:  # (pytest-asyncio's loop per test is one)
                runner.run(provider.create(Pass(template="gg")))
        del provider

    assert left_for_the_collector(scenario) == []


def test_a_loop_still_running_elsewhere_has_its_connections_closed_on_it(
    server: EmulatorServer,
) -> None:
    def scenario() -> None:
        provider = wallet(server)
        other = asyncio.new_event_loop()
        thread = threading.Thread(target=other.run_forever, daemon=True)
        thread.start()
        try:
            first = asyncio.run_coroutine_threadsafe(provider.create(Pass(template="gg")), other)
            assert isinstance(first.result(timeout=10), IssuedPass)
            # This loop takes the provider over; the other one keeps running meanwhile.
            assert isinstance(asyncio.run(provider.create(Pass(template="gg"))), IssuedPass)
            asyncio.run(provider.aclose())
            # The other loop closed its connections itself: nothing of it is open.
            done = asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), other)
            done.result(timeout=10)
        finally:
            other.call_soon_threadsafe(other.stop)
            thread.join(timeout=10)
            other.close()

    assert left_for_the_collector(scenario) == []
