"""The async API (walletpass.aio) side by side with its alternatives (issue 19).

* per-call overhead: walletpass.aio's create and get vs a bare ``httpx.AsyncClient`` (the
  issue's baseline) and a bare ``aiohttp.ClientSession`` (the stack walletpass.aio sends
  through) sending the same requests (built by walletpass's hooks, prepared by hand), one call
  in flight, the three taking turns call by call on one event loop; wall time and this
  process's CPU time per call (target: at most 1.10x);
* 1,000 creates with 100 in flight against an emulator answering after 20 ms: the async
  ``create_many`` (tasks) vs the sync one (a thread pool of 100), each side in a fresh process
  (so peak memory is its own), alternating (target: at least the same throughput with less peak
  memory);
* the Livepasses provider on the async API vs the official SDK (sync: httpx.Client, it has no
  async client), called on the loop and, as an asyncio application must, in a worker thread
  (``asyncio.to_thread``); one call in flight, the three taking turns (target: faster).

    .venv/bin/python benchmarks/async_rows.py [--quick]

``benchmarks/run.py`` prints these rows with the others (its ``async`` section).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    Row,
    decoded_answer,
    emulator,
    ratio_of_medians,
    ratio_of_minimums,
    raw_headers_and_body,
    spread,
)

import walletpass  # noqa: E402
from walletpass import Barcode, Pass  # noqa: E402

# walletpass.aio (and aiohttp, httpx) are imported where used: the sync side of the bulk row, a
# process of its own, holds only what the sync API loads.


def _pass2u_pass(run: str, i: int) -> Pass:
    return Pass(
        template="1919", barcode=Barcode(message=f"{run}-{i:06d}"), fields={"name": f"Member {i}"}
    )


# ------------------------------------------------------------------------------------------
# 1. Per-call overhead: walletpass.aio vs bare httpx.AsyncClient and bare aiohttp
# ------------------------------------------------------------------------------------------

#: The per-call sides: walletpass.aio, then its two baselines: a bare ``httpx.AsyncClient`` (the
#: issue's) and a bare ``aiohttp.ClientSession``, the stack walletpass.aio sends through (issue
#: 18's rule: the baseline is the fastest raw path of that stack).
PER_CALL_SIDES = ("wp", "httpx", "aiohttp")
_BASELINE_NAMES = {"httpx": "raw httpx.AsyncClient", "aiohttp": "raw aiohttp.ClientSession"}


async def _raw_send(client: Any, wallet: Any, base: str, request: Any) -> Any:
    """The request as a bare client's user would send it (``client``: an ``httpx.AsyncClient``
    or an ``aiohttp.ClientSession``): headers and body by hand, the answer decoded."""
    headers, body = raw_headers_and_body(wallet, request)
    url = base.rstrip("/") + "/" + request.path.lstrip("/")
    if hasattr(client, "cookie_jar"):  # aiohttp
        async with client.request(
            request.method, url, headers=headers, data=body, params=request.query or None
        ) as answer:
            content = await answer.read()
            status = answer.status
    else:
        response = await client.request(
            request.method, url, headers=headers, content=body, params=request.query or None
        )
        content, status = response.content, response.status_code
    if status >= 400:
        raise RuntimeError(f"raw {request.method} answered {status}")
    return decoded_answer(content, request)


def _cpu_cells(cpu: list[float]) -> str:
    """The median CPU time per call over the rounds (this process's: the emulator runs in its
    own), in milliseconds: what load does not change."""
    return f"CPU {statistics.median(cpu) * 1000:.3f} ms"


async def _per_call(url: str, api_key: str, rounds: int, per_round: int) -> list[Row]:
    import aiohttp
    import httpx

    from walletpass import aio

    sync = walletpass.connect("pass2u", base_url=url, api_key=api_key, rate_limit=0)
    keys = [f"{side} {op}" for side in PER_CALL_SIDES for op in ("c", "g")]
    times: dict[str, list[float]] = {key: [] for key in keys}
    cpus: dict[str, list[float]] = {key: [] for key in keys}
    counter = iter(range(10**9))
    load = [os.getloadavg()[0]]
    async with (
        aio.AsyncProvider(sync) as wallet,
        httpx.AsyncClient() as httpx_client,
        aiohttp.ClientSession() as aiohttp_client,
    ):
        clients = {"httpx": httpx_client, "aiohttp": aiohttp_client}
        for _ in range(min(20, rounds * per_round)):  # warm all: pools, imports, validators
            await wallet.get((await wallet.create(_pass2u_pass("warm", next(counter)))).id)
            for client in clients.values():
                built = sync.build_create(sync.prepare_create(_pass2u_pass("warm", next(counter))))
                await _raw_send(client, sync, url, built)
        for round_no in range(rounds):
            shift = round_no % len(PER_CALL_SIDES)
            order = PER_CALL_SIDES[shift:] + PER_CALL_SIDES[:shift]
            spent = dict.fromkeys(keys, 0.0)
            spent_cpu = dict.fromkeys(keys, 0.0)
            ids: list[str] = []
            for _ in range(per_round):
                for side in order:
                    new_pass = _pass2u_pass(side, next(counter))
                    theirs = None
                    if side != "wp":
                        theirs = sync.build_create(sync.prepare_create(new_pass))
                    cpu_started, started = time.process_time(), time.perf_counter()
                    if theirs is None:
                        ids.append((await wallet.create(new_pass)).id)
                    else:
                        await _raw_send(clients[side], sync, url, theirs)
                    spent[f"{side} c"] += time.perf_counter() - started
                    spent_cpu[f"{side} c"] += time.process_time() - cpu_started
            for pass_id in ids:
                read = sync.build_get(sync.check_pass_id(pass_id))
                for side in order:
                    cpu_started, started = time.process_time(), time.perf_counter()
                    if side == "wp":
                        await wallet.get(pass_id)
                    else:
                        await _raw_send(clients[side], sync, url, read)
                    spent[f"{side} g"] += time.perf_counter() - started
                    spent_cpu[f"{side} g"] += time.process_time() - cpu_started
            for name in keys:
                times[name].append(spent[name] / per_round)
                cpus[name].append(spent_cpu[name] / per_round)
    load.append(os.getloadavg()[0])
    rows = []
    for op, name in (("c", "create"), ("g", "get")):
        ours = f"wp {op}"
        for baseline in ("httpx", "aiohttp"):
            theirs = f"{baseline} {op}"
            ratio = ratio_of_medians(times[ours], times[theirs])
            cpu_ratio = statistics.median(cpus[ours]) / statistics.median(cpus[theirs])
            rows.append(
                Row(
                    "async per-call overhead",
                    f"pass2u {name}: walletpass.aio vs {_BASELINE_NAMES[baseline]}"
                    f" (load {load[0]:.0f}-{load[1]:.0f}; CPU ratio {cpu_ratio:.3f}x)",
                    f"{spread(times[ours])}, {_cpu_cells(cpus[ours])}",
                    f"{spread(times[theirs])}, {_cpu_cells(cpus[theirs])}"
                    f" ({_BASELINE_NAMES[baseline]})",
                    ratio,
                    "<= 1.10x",
                    ratio <= 1.10,
                    min_ratio=ratio_of_minimums(times[ours], times[theirs]),
                )
            )
    return rows


def async_per_call_rows(*, quick: bool) -> list[Row]:
    rounds, per_round = (3, 5) if quick else (15, 40)
    with emulator("pass2u", rate_limit=1_000_000) as emu:
        return asyncio.run(_per_call(emu.url, emu.api_key, rounds, per_round))


# ------------------------------------------------------------------------------------------
# 2. 1,000 creates, 100 in flight, 20 ms latency: async tasks vs the sync thread pool
# ------------------------------------------------------------------------------------------


def _rss_mib() -> float:
    """This process's resident memory now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _side(api: str, url: str, api_key: str, count: int, in_flight: int) -> dict[str, float]:
    """One side of the bulk row, run in this (fresh) process: its wall and CPU time, its peak
    resident memory and that peak's growth over what the process held before the run.

    Peak RSS (the kernel's high-water mark of this process), not tracemalloc: it counts what the
    machine pays for the run (thread stacks, sockets, TLS and C buffers, the allocator's own
    slack) where tracemalloc sees only Python's allocations, and tracing every allocation slows
    the side that allocates more (measured: it changed the async side's time by about 10%)."""
    passes = (_pass2u_pass(f"{api}{time.time_ns()}", i) for i in range(count))
    settings: dict[str, Any] = {"base_url": url, "api_key": api_key, "rate_limit": 0}
    threads = [0]

    def settled(item: Any) -> None:
        # The threads the process runs, looked at every 25 items (on both sides alike): the
        # sync pool's are gone when the run returns.
        if item.index % 25 == 0:
            threads[0] = max(threads[0], len(os.listdir("/proc/self/task")))

    bare = _rss_mib()
    # Each side's HTTP stack is loaded before "before": the growth is what the run holds (the
    # peak, what the process as a whole needed, counts the stack's code too).
    if api == "sync":
        import urllib3  # noqa: F401

        stack = _rss_mib() - bare  # the HTTP client library alone
        from walletpass import exchange, pools  # noqa: F401  (loaded with the first transport)
    else:
        import aiohttp  # noqa: F401

        stack = _rss_mib() - bare
        from walletpass import aio
    before = _rss_mib()
    cpu_started = time.process_time()
    started = time.perf_counter()
    if api == "sync":
        with walletpass.connect("pass2u", **settings) as wallet:
            result = wallet.create_many(passes, concurrency=in_flight, on_item=settled)
    else:

        async def run() -> Any:
            async with await aio.connect("pass2u", **settings) as wallet:
                return await wallet.create_many(passes, concurrency=in_flight, on_item=settled)

        result = asyncio.run(run())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if result.succeeded != count:
        kinds = sorted({f"{type(error).__name__}: {error}"[:200] for _, error in result.errors})
        raise RuntimeError(f"{api}: {result.failed} of {count} creates failed: {kinds}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "rss_mib": peak,
        "start_mib": before,
        "stack_mib": stack,
        "grown_mib": peak - before,
        "threads": threads[0],
    }


def async_bulk_row(*, quick: bool) -> Row:
    """The issue's row: 1,000 creates with 100 in flight against a Pass2U emulator answering
    after 20 ms; no rate limit in the way (the emulator's is lifted, walletpass's is off: the
    row measures the clients, not a vendor's limit). Each side runs in a fresh process, three
    times, alternating which goes first."""
    count, in_flight, latency = (100, 20, 0.02) if quick else (1000, 100, 0.02)
    repeat = 1 if quick else 3
    measured: dict[str, list[dict[str, float]]] = {"sync": [], "async": []}
    load = [os.getloadavg()[0]]
    # As installed (a wheel's bytecode is compiled at install time, as site-packages' is): a
    # checkout run under PYTHONDONTWRITEBYTECODE would compile walletpass's and the provider's
    # sources in each side's process, and the compiler's memory (in whichever thread imports
    # first) would count in its peak.
    import walletpass_pass2u

    for package in (walletpass, walletpass_pass2u):
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(Path(str(package.__file__)).parent)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    with emulator("pass2u", latency=latency, rate_limit=1_000_000) as emu:
        for round_no in range(repeat):
            for api in ("sync", "async") if round_no % 2 == 0 else ("async", "sync"):
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--side",
                        api,
                        emu.url,
                        emu.api_key,
                        str(count),
                        str(in_flight),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                measured[api].append(json.loads(done.stdout.strip().splitlines()[-1]))
    load.append(os.getloadavg()[0])

    def rates(api: str) -> list[float]:
        return sorted(count / m["elapsed"] for m in measured[api])

    def median(api: str, key: str) -> float:
        return statistics.median(m[key] for m in measured[api])

    def cell(api: str) -> str:
        low, mid, high = rates(api)[0], statistics.median(rates(api)), rates(api)[-1]
        cpu_ms = median(api, "cpu") / count * 1000
        client = "urllib3" if api == "sync" else "aiohttp"
        threads = max(m["threads"] for m in measured[api])
        return (
            f"{low:.0f} / {mid:.0f} / {high:.0f} creates/s, CPU {cpu_ms:.2f} ms/create,"
            f" peak RSS {median(api, 'rss_mib'):.1f} MiB"
            f" ({median(api, 'start_mib'):.1f} with its API loaded, of which {client}"
            f" {median(api, 'stack_mib'):.1f}; +{median(api, 'grown_mib'):.1f} MiB in the run,"
            f" {threads:.0f} threads at most)"
        )

    ours, theirs = statistics.median(rates("async")), statistics.median(rates("sync"))
    # The memory target is the peak: what each process needed in all, its API's code
    # (aiohttp and asyncio; urllib3 and threads) and what its run held.
    async_peak, sync_peak = median("async", "rss_mib"), median("sync", "rss_mib")
    less_memory = async_peak < sync_peak
    verdicts = (
        f"throughput {'met' if ours >= theirs else 'NOT met'},"
        f" peak RSS {async_peak:.1f} vs {sync_peak:.1f} MiB:"
        f" {'met (less)' if less_memory else 'NOT met (not less)'}"
    )
    return Row(
        "async create_many",
        f"pass2u: {count} creates, {in_flight} in flight, {latency * 1000:.0f} ms latency"
        f" (load {load[0]:.0f}-{load[1]:.0f}; {verdicts})",
        cell("async"),
        cell("sync") + f" (sync, {in_flight} threads)",
        theirs / ours,
        "time <= 1.00x, less peak memory",
        ours >= theirs and less_memory,
        min_ratio=rates("sync")[-1] / rates("async")[-1],  # the fastest runs' times
    )


# ------------------------------------------------------------------------------------------
# 3. Livepasses on the async API vs the official SDK
# ------------------------------------------------------------------------------------------


async def _vs_sdk(url: str, api_key: str, rounds: int, per_round: int) -> list[Row]:
    import livepasses
    from sdk_comparison import TEMPLATE, _ours, _theirs

    from walletpass import aio

    sdk = livepasses.Livepasses(api_key, base_url=url)

    def sdk_create(run: str, i: int) -> str:
        params = livepasses.GeneratePassesParams(
            template_id=TEMPLATE, passes=[_theirs(livepasses, run, i)]
        )
        return str(sdk.passes.generate(params).passes[0].id)

    def sdk_get(pass_id: str) -> Any:
        lookup = sdk.passes.lookup(livepasses.LookupPassParams(pass_id=pass_id))
        return lookup, sdk.passes.validate(pass_id)

    # Three sides: walletpass.aio; the SDK called on the loop (the bare cost of its calls, which
    # block the loop meanwhile); the SDK in a worker thread (asyncio.to_thread), as an asyncio
    # application has to call a sync client not to stall its other tasks.
    sides = ("wp", "sdk", "thread")
    counter = iter(range(10**9))
    times: dict[str, list[float]] = {f"{s} {op}": [] for s in sides for op in ("c", "g")}
    cpus: dict[str, list[float]] = {name: [] for name in times}
    load = [os.getloadavg()[0]]
    async with await aio.connect("livepasses", base_url=url, api_key=api_key) as wallet:
        for _ in range(min(20, rounds * per_round)):
            await wallet.get((await wallet.create(_ours("warm", next(counter)))).id)
            sdk_get(sdk_create("warm", next(counter)))
            await asyncio.to_thread(sdk_get, sdk_create("warm", next(counter)))
        for round_no in range(rounds):
            order = sides[round_no % 3 :] + sides[: round_no % 3]
            spent = dict.fromkeys(times, 0.0)
            spent_cpu = dict.fromkeys(times, 0.0)
            ids: dict[str, list[str]] = {side: [] for side in sides}
            for _ in range(per_round):
                for side in order:
                    i = next(counter)
                    cpu_started, started = time.process_time(), time.perf_counter()
                    if side == "wp":
                        ids[side].append((await wallet.create(_ours("w", i))).id)
                    elif side == "sdk":
                        ids[side].append(sdk_create("s", i))
                    else:
                        ids[side].append(await asyncio.to_thread(sdk_create, "t", i))
                    spent[f"{side} c"] += time.perf_counter() - started
                    spent_cpu[f"{side} c"] += time.process_time() - cpu_started
            for index in range(per_round):
                for side in order:
                    cpu_started, started = time.process_time(), time.perf_counter()
                    if side == "wp":
                        await wallet.get(ids[side][index])
                    elif side == "sdk":
                        sdk_get(ids[side][index])
                    else:
                        await asyncio.to_thread(sdk_get, ids[side][index])
                    spent[f"{side} g"] += time.perf_counter() - started
                    spent_cpu[f"{side} g"] += time.process_time() - cpu_started
            for name, total in spent.items():
                times[name].append(total / per_round)
                cpus[name].append(spent_cpu[name] / per_round)
    load.append(os.getloadavg()[0])
    rows = []
    for op, name in (("c", "create (one-recipient generate)"), ("g", "get (two GETs)")):
        for baseline, how in (("sdk", "on the loop"), ("thread", "in asyncio.to_thread")):
            ratio = ratio_of_medians(times[f"wp {op}"], times[f"{baseline} {op}"])
            cpu_ratio = statistics.median(cpus[f"wp {op}"]) / statistics.median(
                cpus[f"{baseline} {op}"]
            )
            rows.append(
                Row(
                    "async vs official SDK",
                    f"livepasses {name}: walletpass.aio vs the SDK {how}"
                    f" (load {load[0]:.0f}-{load[1]:.0f}; CPU ratio {cpu_ratio:.3f}x)",
                    f"{spread(times[f'wp {op}'])}, {_cpu_cells(cpus[f'wp {op}'])}",
                    f"{spread(times[f'{baseline} {op}'])}, {_cpu_cells(cpus[f'{baseline} {op}'])}"
                    f" (livepasses {livepasses.__version__}, sync)",
                    ratio,
                    "< 1.00x",
                    ratio < 1.0,
                    min_ratio=ratio_of_minimums(times[f"wp {op}"], times[f"{baseline} {op}"]),
                )
            )
    return rows


def async_sdk_rows(*, quick: bool) -> list[Row]:
    try:
        import livepasses  # noqa: F401
    except ImportError:
        return [
            Row(
                "async vs official SDK",
                "livepasses (SDK not installed: pip install '.[vendor-sdks]')",
                "-",
                "-",
                None,
                "< 1.00x",
                None,
            )
        ]
    rounds, per_round = (2, 5) if quick else (15, 40)
    with emulator("livepasses", rate_limit=None) as emu:
        return asyncio.run(_vs_sdk(emu.url, emu.api_key, rounds, per_round))


def async_rows(*, quick: bool) -> list[Row]:
    return [
        *async_per_call_rows(quick=quick),
        async_bulk_row(quick=quick),
        *async_sdk_rows(quick=quick),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--side", nargs=5, metavar=("API", "URL", "KEY", "COUNT", "IN_FLIGHT"))
    args = parser.parse_args(argv)
    if args.side:
        api, url, key, count, in_flight = args.side
        print(json.dumps(_side(api, url, key, int(count), int(in_flight))))
        return 0
    from run import render

    print(render(async_rows(quick=args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
