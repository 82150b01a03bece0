"""The async transport's connections, seen from a real HTTP/1.1 server on 127.0.0.1 that counts
them: a request in flight never shares its connection, idle ones are reused, expired ones are
closed, and one the server closed is replaced without the caller noticing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from walletpass.aio import AsyncTransport, connections
from walletpass.errors import ConfigurationError
from walletpass.retry import Safety
from walletpass.transport import VendorRequest

from .test_transport import transport

GET = VendorRequest("GET", "items", Safety.SAFE)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Counting:
    """What the server saw: connections accepted, open now, at most open at once, requests."""

    url: str = ""
    accepted: int = 0
    open_now: int = 0
    most_open: int = 0
    requests: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    close_after_answer: bool = False
    hold: float = 0.0
    closed_by_client: int = 0


@asynccontextmanager
async def counting_server(**options: object) -> AsyncIterator[Counting]:
    seen = Counting(**options)  # type: ignore[arg-type]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.accepted += 1
        seen.open_now += 1
        seen.most_open = max(seen.most_open, seen.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                seen.requests += 1
                seen.in_flight += 1
                seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
                try:  # holding the answer, noticing a client that hangs up meanwhile
                    early = await asyncio.wait_for(reader.read(1), seen.hold or 0.0001)
                except TimeoutError:
                    early = None
                seen.in_flight -= 1
                if early == b"":
                    seen.closed_by_client += 1
                    break
                body = b'{"id": "a1"}'
                connection = b"close" if seen.close_after_answer else b"keep-alive"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\nConnection: %s\r\n\r\n%s"
                    % (len(body), connection, body)
                )
                await writer.drain()
                if seen.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            seen.closed_by_client += 1
        finally:
            seen.open_now -= 1
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    seen.url = f"http://127.0.0.1:{port}"
    async with server:
        yield seen
        server.close()


async def _until(condition: Callable[[], bool], *, within: float) -> None:
    """Wait until ``condition()`` holds, failing after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while not condition():
        assert loop.time() < give_up, "condition not met in time"
        await asyncio.sleep(0.02)


async def _settle() -> None:
    for _ in range(20):  # let the server's handlers see closed connections
        await asyncio.sleep(0.01)


async def test_sequential_calls_reuse_one_connection() -> None:
    async with counting_server() as seen:
        sender = AsyncTransport(transport(seen.url))
        try:
            for _ in range(10):
                assert (await sender.send(GET)).status == 200
        finally:
            await sender.aclose()
        await _settle()
    assert (seen.requests, seen.accepted) == (10, 1)
    assert seen.open_now == 0  # closed with the transport


async def test_each_request_in_flight_has_its_own_connection_then_they_are_reused() -> None:
    async with counting_server(hold=0.05) as seen:
        sender = AsyncTransport(transport(seen.url))
        try:
            answers = await asyncio.gather(*(sender.send(GET) for _ in range(20)))
            assert seen.most_in_flight == 20  # never queued behind one another
            answers += await asyncio.gather(*(sender.send(GET) for _ in range(20)))
            for _ in range(5):
                answers.append(await sender.send(GET))
        finally:
            await sender.aclose()
    assert [a.status for a in answers] == [200] * 45
    assert seen.accepted == 20 and seen.most_open == 20


async def test_idle_connections_past_the_keepalive_expiry_are_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connections, "KEEPALIVE_EXPIRY", 2.0)
    async with counting_server(hold=0.02) as seen:
        sender = AsyncTransport(transport(seen.url))
        try:
            await asyncio.gather(*(sender.send(GET) for _ in range(5)))
            await _settle()
            assert seen.open_now == 5  # kept for reuse
            # aiohttp closes them on a timer, not on the next request; on a loaded machine
            # the server's handlers may see the closes late, so wait for them (bounded).
            await asyncio.sleep(2.5)
            await _until(lambda: seen.open_now == 0, within=10.0)
            await sender.send(GET)
            await _settle()
            assert seen.open_now == 1 and seen.accepted == 6
        finally:
            await sender.aclose()


async def test_a_connection_the_server_closed_is_replaced() -> None:
    async with counting_server(close_after_answer=True) as seen:
        sender = AsyncTransport(transport(seen.url))
        try:
            for _ in range(5):
                assert (await sender.send(GET)).status == 200
                await _settle()
        finally:
            await sender.aclose()
    assert (seen.requests, seen.accepted) == (5, 5)


async def test_a_cancelled_request_gives_its_connection_up() -> None:
    async with counting_server(hold=2.0) as seen:
        sender = AsyncTransport(transport(seen.url))
        try:
            task = asyncio.create_task(sender.send(GET))
            while seen.requests == 0:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await _settle()
            assert seen.closed_by_client == 1 and seen.open_now == 0  # nobody could read it
            seen.hold = 0.0
            assert (await sender.send(GET)).status == 200
        finally:
            await sender.aclose()


def test_a_transport_used_from_another_event_loop_connects_again_there() -> None:
    """Each ``asyncio.run`` is a loop of its own (a connection cannot outlive its loop): the
    second opens its own connection, and closing from a third closes nothing twice."""

    async def serve_and_send() -> tuple[int, int]:
        async with counting_server() as seen:
            sender = AsyncTransport(transport(seen.url))
            statuses = await asyncio.to_thread(
                lambda: [asyncio.run(sender.send(GET)).status for _ in range(2)]
            )
            await asyncio.to_thread(asyncio.run, sender.aclose())
            with pytest.raises(ConfigurationError):
                await sender.send(GET)
            return len(statuses), seen.accepted

    assert asyncio.run(serve_and_send()) == (2, 2)
