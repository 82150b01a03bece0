"""Client CPU per call on the async API (walletpass.aio), stage by stage, in this process only.

    .venv/bin/python benchmarks/async_cpu_per_call.py                  # pass2u and livepasses
    .venv/bin/python benchmarks/async_cpu_per_call.py livepasses --profile   # cProfile creates
    valgrind --tool=callgrind --instr-atstart=no \
        .venv/bin/python benchmarks/async_cpu_per_call.py --instructions     # instructions

A create measured whole and by stage, each stage a block of calls on one event loop, one call
in flight (the emulator answers from its own process, so none of its work is counted):

- ``whole``: ``await wallet.create(pass)`` on ``walletpass.aio``;
- ``check+build``: ``prepare_create`` and ``build_create`` (the sync API's, shared);
- ``send``: the async transport's ``send`` of the built request (wire form, deadline, attempt,
  bounded read, the retry decision and the ``VendorResponse``);
- ``parse``: the parse hook on the answer (shared with the sync API);
- ``aiohttp``: the same built request through a bare ``aiohttp.ClientSession`` with its defaults,
  headers and body written by hand, the answer JSON-decoded (``benchmarks/async_rows.py``'s
  baseline);
- ``sdk`` (Livepasses): the official SDK's create, called on the loop
  (``benchmarks/async_rows.py``'s "on the loop" side).

What ``whole`` costs beyond ``check+build + send + parse`` is the async provider's own work (the
plan loop, presenting the pass); what ``send`` costs beyond ``aiohttp`` is the async transport's.
CPU time is the best block's (load does not add CPU time to a block, only scatters it); under
callgrind (``--instructions``) the instructions executed per call are counted instead, one
block per stage, which load does not change at all. Not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import glob
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import decoded_answer, emulator, raw_headers_and_body  # noqa: E402
from run import VENDORS, Vendor  # noqa: E402

import walletpass  # noqa: E402

#: One stage's calls of a block: each an awaitable factory (or a plain function for sync stages).
Calls = list[Callable[[], Any]]


async def _run(calls: Calls) -> None:
    for call in calls:
        result = call()
        if isinstance(result, Awaitable):
            await result


async def _cpu(calls: Calls) -> float:
    started = time.process_time()
    await _run(calls)
    return (time.process_time() - started) / len(calls)


async def _wall(calls: Calls) -> float:
    started = time.perf_counter()
    await _run(calls)
    return (time.perf_counter() - started) / len(calls)


async def _instructions(calls: Calls) -> float:
    """Instructions per call, counted by callgrind around the block (this process must run
    under ``valgrind --tool=callgrind --instr-atstart=no``); callgrind_control runs while
    nothing is in flight, so blocking the loop there delays nothing that is counted."""
    pid = str(os.getpid())

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, pid], check=True, stdout=subprocess.DEVNULL)

    before = set(glob.glob(f"callgrind.out.{pid}.*"))
    control("--instr=on")
    control("--zero")
    await _run(calls)
    control("--dump")
    control("--instr=off")
    (dump,) = set(glob.glob(f"callgrind.out.{pid}.*")) - before
    totals = next(line for line in Path(dump).read_text().splitlines() if line.startswith("totals"))
    Path(dump).unlink()
    return int(totals.split()[1]) / len(calls)


async def _raw(session: Any, wallet: Any, base: str, request: Any) -> Any:
    headers, body = raw_headers_and_body(wallet, request)
    url = base.rstrip("/") + "/" + request.path.lstrip("/")
    async with session.request(
        request.method, url, headers=headers, data=body, params=request.query or None
    ) as answer:
        content = await answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"raw {request.method} answered {answer.status}")
    return decoded_answer(content, request)


async def stages(
    vendor: Vendor,
    *,
    size: int,
    blocks: int,
    instructions: bool,
    wall: bool,
    only: list[str] | None,
) -> None:
    import aiohttp

    from walletpass import aio

    unlimited = {"rate_limit": 1_000_000} if vendor.documented_rate else {}
    with emulator(vendor.name, **unlimited) as emu:
        sync = walletpass.connect(vendor.name, base_url=emu.url, api_key=emu.api_key, rate_limit=0)
        wallet = aio.AsyncProvider(sync)
        session = aiohttp.ClientSession()
        sdk = None
        if vendor.name == "livepasses":
            try:
                import livepasses
                from sdk_comparison import TEMPLATE, _theirs

                sdk = livepasses.Livepasses(emu.api_key, base_url=emu.url)
            except ImportError:
                sdk = None
        counter = iter(range(10**9))
        send = wallet.transport.send

        def samples(run: str) -> list[Any]:
            return [vendor.sample(run, next(counter)) for _ in range(size)]

        def built(run: str) -> list[Any]:
            return [sync.build_create(sync.prepare_create(p)) for p in samples(run)]

        async def answered(run: str) -> list[Any]:
            answers = []
            for p in samples(run):
                checked = sync.prepare_create(p)
                response = await send(sync.build_create(checked), operation="create")
                answers.append((response, checked))
            return answers

        def sdk_create(i: int) -> Any:
            assert sdk is not None
            params = livepasses.GeneratePassesParams(
                template_id=TEMPLATE, passes=[_theirs(livepasses, "s", i)]
            )
            return sdk.passes.generate(params)

        async def factory(stage: str) -> Calls:
            if stage == "whole":
                return [lambda p=p: wallet.create(p) for p in samples("w")]
            if stage == "check+build":
                return [lambda p=p: sync.build_create(sync.prepare_create(p)) for p in samples("c")]
            if stage == "send":
                return [lambda r=r: send(r, operation="create") for r in built("s")]
            if stage == "parse":
                return [lambda a=a: sync.parse_create(*a) for a in await answered("p")]
            if stage == "aiohttp":
                return [lambda r=r: _raw(session, sync, emu.url, r) for r in built("a")]
            return [lambda i=i: sdk_create(i) for i in range(size)]

        names = ["whole", "check+build", "send", "parse", "aiohttp"]
        if sdk is not None:
            names.append("sdk")
        names = [name for name in names if only is None or name in only]
        for stage in names:  # warm every path: pools, imports, validators
            await _run((await factory(stage))[:20])
        best = dict.fromkeys(names, float("inf"))
        for block in range(1 if instructions else blocks):
            order = names if block % 2 == 0 else names[::-1]
            for stage in order:
                calls = await factory(stage)
                spent = await (_instructions if instructions else _wall if wall else _cpu)(calls)
                best[stage] = min(best[stage], spent)
        unit, scale = ("k instructions", 1e-3) if instructions else ("us", 1e6)
        unit = unit if instructions else f"{unit} of {'wall' if wall else 'CPU'}"
        cells = "  ".join(f"{name} {value * scale:7.1f}" for name, value in best.items())
        summary = ""
        if only is None:
            own = best["whole"] - best["check+build"] - best["send"] - best["parse"]
            over = best["send"] - best["aiohttp"]
            summary = f"  provider's own {own * scale:6.1f}  send-aiohttp {over * scale:6.1f}"
        print(f"{vendor.name:11} create  {cells}{summary}  ({unit} per call)", flush=True)
        await wallet.aclose()
        await session.close()


async def profile(vendor: Vendor, *, size: int) -> None:
    from walletpass import aio

    unlimited = {"rate_limit": 1_000_000} if vendor.documented_rate else {}
    with emulator(vendor.name, **unlimited) as emu:
        sync = walletpass.connect(vendor.name, base_url=emu.url, api_key=emu.api_key, rate_limit=0)
        async with aio.AsyncProvider(sync) as wallet:
            for i in range(30):
                await wallet.create(vendor.sample("warm", i))
            passes = [vendor.sample("p", i) for i in range(size)]
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for p in passes:
                await wallet.create(p)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("walletpass|aiohttp", 80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("vendors", nargs="*", default=["pass2u", "livepasses"])
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="cProfile the creates instead")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (under callgrind)"
    )
    parser.add_argument("--wall", action="store_true", help="wall time per call, not CPU")
    parser.add_argument("--only", help="these stages only, comma-separated (e.g. send,whole)")
    args = parser.parse_args()
    for vendor in VENDORS:
        if vendor.name not in args.vendors:
            continue
        if args.profile:
            asyncio.run(profile(vendor, size=args.size))
        else:
            asyncio.run(
                stages(
                    vendor,
                    size=args.size,
                    blocks=args.blocks,
                    instructions=args.instructions,
                    wall=args.wall,
                    only=args.only.split(",") if args.only else None,
                )
            )


if __name__ == "__main__":
    main()
