"""The HTTP clients alone at the bulk row's load: what each costs per request with 100 requests
in flight, before any walletpass code runs (issue 19: is the async client the bottleneck?).

Every client sends the same Pass2U create (the body and headers walletpass's build hook makes)
1,000 times, 100 in flight, to one Pass2U emulator answering after 20 ms (its rate limit
lifted), each client in a fresh process; the cells are wall time and the process's CPU time per
request:

* ``httpx.AsyncClient``, its default pool, and with the pool sized to the requests in flight
  (what walletpass.aio sent through until it moved to aiohttp);
* urllib3 pools in a pool of 100 threads, as walletpass's sync ``create_many`` sends;
* ``aiohttp.ClientSession`` with its default settings (pool limited to the requests in flight);
* ``aiohttp`` set up as walletpass.aio sends (:func:`walletpass.aio.connections.open_session`:
  no cookie jar, no decompression, the resend-refusing middleware, an unlimited pool).

    .venv/bin/python benchmarks/async_clients.py [--count 1000] [--in-flight 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import emulator  # noqa: E402

CLIENTS = ("httpx-default", "httpx-sized", "urllib3-threads", "aiohttp", "aiohttp-walletpass")


def _requests(url: str, api_key: str, count: int) -> list[tuple[str, str, dict[str, str], bytes]]:
    import walletpass
    from walletpass import Barcode, Pass

    wallet = walletpass.connect("pass2u", base_url=url, api_key=api_key, rate_limit=0)
    built = []
    for i in range(count):
        new_pass = Pass(template="1919", barcode=Barcode(message=f"c{time.time_ns()}-{i}"))
        request = wallet.build_create(wallet.prepare_create(new_pass))
        headers = {
            **request.headers,
            **wallet.auth_headers(),
            "Content-Type": "application/json",
        }
        body = json.dumps(request.json, separators=(",", ":")).encode()
        built.append((request.method, f"{url}/{request.path}", headers, body))
    return built


async def _httpx(kind: str, requests: list[Any], in_flight: int) -> list[int]:
    import httpx

    statuses: list[int] = []
    gate = asyncio.Semaphore(in_flight)
    size = in_flight if kind == "httpx-sized" else None
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    if kind == "httpx-default":
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(limits=limits) as client:

        async def sent(method: str, url: str, headers: dict[str, str], body: bytes) -> None:
            async with gate:
                response = await client.request(method, url, headers=headers, content=body)
                statuses.append(response.status_code)

        await asyncio.gather(*(sent(*r) for r in requests))
    return statuses


async def _aiohttp(kind: str, requests: list[Any], in_flight: int) -> list[int]:
    import ssl

    import aiohttp

    from walletpass.aio.connections import open_session

    statuses: list[int] = []
    gate = asyncio.Semaphore(in_flight)
    if kind == "aiohttp-walletpass":
        made = open_session(ssl_context=ssl.create_default_context())
    else:
        made = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight))
    async with made as session:

        async def one(method: str, url: str, headers: dict[str, str], body: bytes) -> None:
            async with gate, session.request(method, url, headers=headers, data=body) as answer:
                await answer.read()
                statuses.append(answer.status)

        await asyncio.gather(*(one(*r) for r in requests))
    return statuses


def _threads(requests: list[Any], in_flight: int) -> list[int]:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import urllib3

    local = threading.local()

    def one(request: tuple[str, str, dict[str, str], bytes]) -> int:
        method, url, headers, body = request
        pool = getattr(local, "pool", None)
        if pool is None:
            pool = local.pool = urllib3.connection_from_url(url, maxsize=1)
        target = urllib3.util.parse_url(url).request_uri
        answer = pool.urlopen(method, target, headers=headers, body=body, retries=False)
        return int(answer.status)

    with ThreadPoolExecutor(in_flight) as workers:
        return list(workers.map(one, requests))


def _client(kind: str, url: str, api_key: str, count: int, in_flight: int) -> dict[str, float]:
    requests = _requests(url, api_key, count)
    # The client's modules are loaded before the clock starts: the cells are per request.
    if kind.startswith("aiohttp"):
        import aiohttp  # noqa: F401

        import walletpass.aio.connections  # noqa: F401
    elif kind.startswith("httpx"):
        import httpx  # noqa: F401
    cpu_started, started = time.process_time(), time.perf_counter()
    if kind == "urllib3-threads":
        statuses = _threads(requests, in_flight)
    elif kind.startswith("aiohttp"):
        statuses = asyncio.run(_aiohttp(kind, requests, in_flight))
    else:
        statuses = asyncio.run(_httpx(kind, requests, in_flight))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if statuses != [200] * count:
        raise RuntimeError(f"{kind}: not every create answered 200: {sorted(set(statuses))}")
    return {"elapsed": elapsed, "cpu": cpu}


def client_floor(count: int, in_flight: int, repeat: int) -> list[str]:
    """One line per client: wall and CPU per request, min / median / max over ``repeat``."""
    lines = [f"load average {os.getloadavg()[0]:.0f} at the start"]
    measured: dict[str, list[dict[str, float]]] = {kind: [] for kind in CLIENTS}
    with emulator("pass2u", latency=0.02, rate_limit=1_000_000) as emu:
        for round_no in range(repeat):
            kinds = CLIENTS if round_no % 2 == 0 else tuple(reversed(CLIENTS))
            for kind in kinds:
                command = [sys.executable, __file__, "--client", kind, emu.url, emu.api_key]
                done = subprocess.run(
                    [*command, str(count), str(in_flight)],
                    check=False,
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"{kind} failed: {done.stderr[-2000:]}")
                measured[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for kind, runs in measured.items():
        wall = sorted(r["elapsed"] for r in runs)
        cpu = sorted(r["cpu"] / count * 1000 for r in runs)
        lines.append(
            f"{kind:18} wall {wall[0]:.2f} / {wall[len(wall) // 2]:.2f} / {wall[-1]:.2f} s,"
            f" CPU {cpu[0]:.2f} / {cpu[len(cpu) // 2]:.2f} / {cpu[-1]:.2f} ms per request"
        )
    lines.append(f"load average {os.getloadavg()[0]:.0f} at the end")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--client", nargs=5, metavar=("KIND", "URL", "KEY", "COUNT", "IN_FLIGHT"))
    args = parser.parse_args()
    if args.client:
        kind, url, key, count, in_flight = args.client
        print(json.dumps(_client(kind, url, key, int(count), int(in_flight))))
        return 0
    for line in client_floor(args.count, args.in_flight, args.repeat):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
