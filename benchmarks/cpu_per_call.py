"""Client CPU per call: walletpass vs the raw paths, in this process only.

    .venv/bin/python benchmarks/cpu_per_call.py                 # every vendor, create/get/update
    .venv/bin/python benchmarks/cpu_per_call.py pass2u --profile create   # cProfile one op
    valgrind --tool=callgrind --instr-atstart=no \
        .venv/bin/python benchmarks/cpu_per_call.py pass2u --instructions  # instructions per call
    valgrind --tool=callgrind --instr-atstart=no \
        .venv/bin/python benchmarks/cpu_per_call.py --instructions --stages  # a create by stage
    valgrind --tool=callgrind --instr-atstart=no --cache-sim=yes --I1=32768,8,64 \
        --D1=49152,12,64 --LL=2097152,16,64 \
        .venv/bin/python benchmarks/cpu_per_call.py passentry --instructions --cold  # cold calls
    (the same valgrind options) .venv/bin/python benchmarks/cpu_per_call.py passentry \
        --increments  # what each stage of a cold create adds inside the whole call

On a machine shared with other work, wall-clock medians move by more than walletpass's own
cost; the CPU time this process spends per call does not wait for the emulator (served from its
own process) nor for other programs. Each side runs blocks of calls alternately, and the best
block per side is reported (the least disturbed by caches and frequency changes): walletpass's
own work per call is its CPU time minus the raw side's. Under callgrind (``--instructions``)
the count of instructions executed per call is reported instead: it does not move with the
load at all (one block per side; callgrind_control switches counting on around each block).
With ``--stages`` a create is measured stage by stage instead (where walletpass's own share
goes): ``check+build`` (``prepare_create_request``: coercion, declarations, limits, the
template mapping, the build hook and the vendor's check of the built body; the one build
``create`` makes, where until 2026-12-01 the stage built the request a second time),
``send`` (the transport: headers, retry policy, deadline-bounded sockets, bounded read)
against ``pool`` (the same built request through the bare pool, the answer JSON-decoded),
``parse`` (the parse hook on the answer: decoding and the ``IssuedPass``), and ``whole``
(``create`` itself; what the stages do not add up to is the public method's own work:
presenting the pass in the application's terms, its status, the deadline scope).
With ``--cold`` (under callgrind's cache simulation) every cache line is evicted before each
call, as a call after a wait on the network finds the caches on a shared machine: the
per-call instructions, simulated cache misses and callgrind's cycle estimate (an L1 miss 10, a
last-level miss 100 cycles) show what a call's footprint costs, which instructions alone hide
(measured 2026-12-01: a PassEntry get runs fewer instructions than the pool's yet touches ~1,400
more cache lines; in the interleaved benchmark it costs ~100 us more CPU). Set
``CPU_PER_CALL_KEEP_DUMPS=1`` to keep callgrind's dumps for ``callgrind_annotate``.
Not a pass/fail test; a tool for seeing each cut.
"""

from __future__ import annotations

import argparse
import cProfile
import glob
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import requests
import urllib3

import walletpass
from walletpass.plans import drive
from walletpass.status import with_current_status

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import emulator  # noqa: E402
from run import VENDORS, Vendor, _raw_call, requests_call  # noqa: E402


def _cpu_per_call(calls: list[Callable[[], Any]]) -> float:
    started = time.process_time()
    for call in calls:
        call()
    return (time.process_time() - started) / len(calls)


def _instructions_per_call(calls: list[Callable[[], Any]]) -> float:
    """Instructions executed per call, counted by callgrind (this process must run under
    ``valgrind --tool=callgrind --instr-atstart=no``)."""
    return _events_per_call(calls)["Ir"]


#: Bytes swept between cold calls: twice the last-level cache ``--cold`` asks callgrind to
#: simulate (``--LL=2097152,16,64``), so no line a call touched survives to the next call.
_SWEPT = 4 * 1024 * 1024


_SWEEP = bytearray(_SWEPT)


def _evict() -> None:
    # One read per 64-byte line (a C-level copy of a strided slice).
    bytes(memoryview(_SWEEP)[::64])


def _cold_per_call(calls: list[Callable[[], Any]]) -> dict[str, float]:
    """Callgrind's simulated cache events per call with every cache line evicted before each
    call (a sweep of ``_SWEPT`` bytes), the sweep's own events taken away."""
    spent = _events_per_call([lambda call=call: (_evict(), call()) for call in calls])
    sweep = _events_per_call([_evict] * len(calls))
    return {event: spent[event] - sweep[event] for event in spent}


def _events_per_call(calls: list[Callable[[], Any]]) -> dict[str, float]:
    """Each event callgrind counted (``Ir``; with ``--cache-sim=yes`` also the cache misses),
    per call."""
    pid = str(os.getpid())

    def control(*args: str) -> None:
        subprocess.run(["callgrind_control", *args, pid], check=True, stdout=subprocess.DEVNULL)

    before = set(glob.glob(f"callgrind.out.{pid}.*"))
    control("--instr=on")
    control("--zero")
    for call in calls:
        call()
    control("--dump")
    control("--instr=off")
    (dump,) = set(glob.glob(f"callgrind.out.{pid}.*")) - before
    lines = Path(dump).read_text().splitlines()
    if not os.environ.get("CPU_PER_CALL_KEEP_DUMPS"):
        Path(dump).unlink()
    events = next(line for line in lines if line.startswith("events:")).split()[1:]
    totals = next(line for line in lines if line.startswith("totals:")).split()[1:]
    return {event: int(count) / len(calls) for event, count in zip(events, totals, strict=False)}


def _cold_cost(events: dict[str, float]) -> str:
    """Instructions, last-level misses and callgrind's cycle estimate (an L1 miss 10 cycles,
    a last-level miss 100), in thousands."""
    l1 = sum(events.get(e, 0.0) for e in ("I1mr", "D1mr", "D1mw"))
    ll = sum(events.get(e, 0.0) for e in ("ILmr", "DLmr", "DLmw"))
    cycles = events["Ir"] + 10 * l1 + 100 * ll
    return (
        f"Ir {events['Ir'] / 1e3:7.1f} L1miss {l1 / 1e3:5.1f} LLmiss {ll / 1e3:5.2f} "
        f"(code {events.get('ILmr', 0.0) / 1e3:4.2f}) est.cycles {cycles / 1e3:7.1f}"
    )


class _Connected(NamedTuple):
    url: str
    wallet: Any
    pool: urllib3.HTTPConnectionPool
    counter: Iterator[int]


@contextmanager
def _connected(vendor: Vendor) -> Iterator[_Connected]:
    """The vendor's emulator in its own process (a documented rate lifted: this is about
    overhead), walletpass connected to it, a bare pool to it and a counter for unique samples;
    the client side closed afterwards."""
    unlimited = {"rate_limit": 1_000_000} if vendor.documented_rate else {}
    with emulator(vendor.name, **unlimited) as emu:
        wallet = walletpass.connect(
            vendor.name, base_url=emu.url, api_key=emu.api_key, rate_limit=0
        )
        pool = urllib3.connection_from_url(emu.url, maxsize=1)
        try:
            yield _Connected(emu.url, wallet, pool, iter(range(10**9)))
        finally:
            wallet.close()
            pool.close()


def stages(vendor: Vendor, *, size: int, instructions: bool) -> None:
    """One create, stage by stage (see the module's docstring), per call."""
    count = _instructions_per_call if instructions else _cpu_per_call
    with _connected(vendor) as (url, wallet, pool, counter):

        def samples(run: str) -> list[Any]:
            return [vendor.sample(run, next(counter)) for _ in range(size)]

        def built(run: str) -> list[Any]:
            return [wallet.build_create(wallet.prepare_create(p)) for p in samples(run)]

        for sample in samples("warm")[:30]:
            wallet.create(sample)
        spent = {"whole": count([lambda p=p: wallet.create(p) for p in samples("w")])}
        # (prepare_create builds the request as part of its checks, the built body is checked:
        # the request it built is the one create sends, so the stage builds it once, as create)
        spent["check+build"] = count(
            [lambda p=p: wallet.prepare_create_request(p) for p in samples("c")]
        )
        send = wallet.transport.send
        spent["send"] = count([lambda r=r: send(r, operation="create") for r in built("s")])
        spent["pool"] = count([lambda r=r: _raw_call(pool, wallet, url, r) for r in built("p")])
        prepared = [wallet.prepare_create(p) for p in samples("a")]
        answers = [(send(wallet.build_create(p), operation="create"), p) for p in prepared]
        spent["parse"] = count([lambda a=a: wallet.parse_create(*a) for a in answers])
        unit, scale = ("k instructions", 1e-3) if instructions else ("us", 1e6)
        cells = "  ".join(f"{name} {value * scale:7.1f}" for name, value in spent.items())
        print(f"{vendor.name:11} create  {cells}  ({unit} per call)", flush=True)


def increments(vendor: Vendor, *, size: int) -> None:
    """A create's stages as what each adds inside the whole call, cold (``--cold``'s events).

    Alone, a stage measured cold pays for every line it shares with the rest of a call (the
    interpreter's own code and objects) as if no other stage had touched it: PassEntry's
    preparation alone touched 1.93 k lines, but adds 0.65 k to a call (2026-12-01). So each
    row here is a call made of the stages above it plus one more, and the increment is what
    that stage adds: ``send+parse`` (the request built beforehand: the transport and the parse
    hook), ``+build+check`` (the vendor's build hook and its check of what it built, on the
    checked pass), ``+core checks`` (the whole preparation, ``_prepare_create``: coercion,
    the template mapping, the features in use and the declarations, around the same build
    and check), ``+present`` (the status and ``_present_written``), ``create`` (the public
    method: its plan, the deadline, at-once sending), against ``pool`` (the built request
    through the bare pool). Repeated runs agree within about 0.05 k last-level misses.
    """
    with _connected(vendor) as (url, wallet, pool, counter):
        send, parse, parse_create = wallet.send, wallet.parse, wallet.parse_create

        def samples(run: str) -> list[Any]:
            return [vendor.sample(run, next(counter)) for _ in range(size)]

        def sent(prepared: Any, request: Any) -> Any:
            return parse(parse_create, send(request, "create"), prepared)

        def built(prepared: Any) -> Any:
            request = wallet.build_create(prepared)
            if problems := wallet.check(request, prepared):
                raise AssertionError(problems)
            return sent(prepared, request)

        def checked(new_pass: Any) -> Any:
            prepared, _, request = wallet._prepare_create(new_pass)
            return sent(prepared, request)

        def presented(new_pass: Any) -> Any:
            prepared, mapping, request = wallet._prepare_create(new_pass)
            issued = with_current_status(sent(prepared, request), expires_at=prepared.expires_at)
            return wallet._present_written(issued, mapping, prepared)

        for sample in samples("warm")[:30]:
            wallet.create(sample)
        for sample in samples("warm-stages")[:30]:
            presented(sample)
        rows: dict[str, list[Callable[[], Any]]] = {
            "send+parse": [
                lambda c=c: sent(c[0], c[2])
                for c in (wallet._prepare_create(p) for p in samples("s"))
            ],
            "+build+check": [
                lambda p=p: built(p) for p in (wallet.prepare_create(p) for p in samples("b"))
            ],
            "+core checks": [lambda p=p: checked(p) for p in samples("c")],
            "+present": [lambda p=p: presented(p) for p in samples("e")],
            "create": [lambda p=p: wallet.create(p) for p in samples("w")],
        }
        before: dict[str, float] | None = None
        for name, calls in rows.items():
            events = _cold_per_call(calls)
            added = (
                ""
                if before is None
                else ("  adds " + _cold_cost({e: events[e] - before[e] for e in events}))
            )
            print(f"{vendor.name:11} {name:13} {_cold_cost(events)}{added}", flush=True)
            before = events
        requests_built = [wallet.build_create(wallet.prepare_create(p)) for p in samples("p")]
        raw = _cold_per_call([lambda r=r: _raw_call(pool, wallet, url, r) for r in requests_built])
        print(f"{vendor.name:11} {'pool':13} {_cold_cost(raw)}  (thousands per call)", flush=True)


def _recorded(plan: Any, answer: Callable[[Any], Any]) -> list[Any]:
    """Drive ``plan`` once for real, keeping each step's answer (a ``Send``'s response)."""
    kept: list[Any] = []

    def keep(step: Any) -> Any:
        kept.append(answer(step))
        return kept[-1]

    drive(plan, keep)
    return kept


def _replayed(plan: Any, answers: list[Any]) -> Any:
    """Drive ``plan`` again on the answers it got: no I/O, only the plan's own work and its
    parse hooks."""
    given = iter(answers)
    return drive(plan, lambda step: next(given))


def parse_stages(vendor: Vendor, *, size: int, instructions: bool) -> None:
    """Each op's answer side, per call: ``parse`` (the op's plan, made beforehand, driven on
    answers recorded from the emulator: the parse hooks, with any read-back, and the plan's own
    steps, the later requests' builds among them; no I/O)
    and ``present`` (what the public method does with that pass: its current status and the
    round trip into the application's terms, ``unknown_parts``)."""
    count = _instructions_per_call if instructions else _cpu_per_call
    with _connected(vendor) as (_, wallet, _, counter):

        def sample() -> Any:
            return vendor.sample("parse", next(counter))

        for _ in range(30):
            wallet.create(sample())
        for op in ("create", "get", "update"):
            # (make the plan, the answers it got, finish as the public method does)
            cases: list[tuple[Callable[[], Any], list[Any], Callable[[Any], Any]]] = []
            for _ in range(size):
                if op == "create":
                    prepared, mapping, request = wallet._prepare_create(sample())

                    def plan(p: Any = prepared, r: Any = request) -> Any:
                        return wallet.plan_create(p, r)

                    def finish(issued: Any, p: Any = prepared, m: Any = mapping) -> Any:
                        issued = with_current_status(issued, expires_at=p.expires_at)
                        return wallet._present_written(issued, m, p)

                elif op == "get":
                    checked = wallet._check_id(str(wallet.create(sample()).id))

                    def plan(c: Any = checked) -> Any:
                        return wallet.plan_get(c)

                    def finish(issued: Any) -> Any:
                        return wallet.present(issued)

                else:
                    pass_id = str(wallet.create(sample()).id)
                    checked, change, mapping, request = wallet._prepare_update(
                        pass_id, vendor.change(next(counter))
                    )

                    def plan(c: Any = checked, ch: Any = change, r: Any = request) -> Any:
                        return wallet.plan_update(c, ch, r)

                    def finish(issued: Any, ch: Any = change, m: Any = mapping) -> Any:
                        if ch.expires_at is not None:
                            issued = with_current_status(issued, expires_at=ch.expires_at)
                        return wallet._present_written(issued, m, ch)

                cases.append((plan, _recorded(plan(), wallet.answer), finish))
            parsed = [_replayed(plan(), answers) for plan, answers, _ in cases]
            # (each plan made before counting: making one builds its first request)
            plans = [(plan(), answers) for plan, answers, _ in cases]
            spent = {
                "parse": count([lambda p=p: _replayed(*p) for p in plans]),
                "present": count(
                    [lambda c=c, i=i: c[2](i) for c, i in zip(cases, parsed, strict=True)]
                ),
            }
            unit, scale = ("k instructions", 1e-3) if instructions else ("us", 1e6)
            cells = "  ".join(f"{name} {value * scale:7.1f}" for name, value in spent.items())
            print(f"{vendor.name:11} {op:7} {cells}  ({unit} per call)", flush=True)


def measure(
    vendor: Vendor,
    *,
    blocks: int,
    size: int,
    profile: str | None,
    instructions: bool,
    cold: bool = False,
) -> None:
    with _connected(vendor) as (url, wallet, pool, counter), requests.Session() as session:

        def raw_pool(request: Any) -> Any:
            return _raw_call(pool, wallet, url, request)

        def raw_requests(request: Any) -> Any:
            return requests_call(session, wallet, url, request)

        def new_id() -> str:
            return str(wallet.create(vendor.sample("id", next(counter))).id)

        for _ in range(30):
            wallet.create(vendor.sample("warm", next(counter)))

        # One side's calls for one op in one block: (op, side) -> factory of `size` calls.
        def factory(op: str, side: str) -> list[Callable[[], Any]]:
            ids = [new_id() for _ in range(size)] if op != "create" else []
            if side == "wp":
                if op == "create":
                    passes = [vendor.sample("w", next(counter)) for _ in range(size)]
                    return [lambda p=p: wallet.create(p) for p in passes]
                if op == "get":
                    return [lambda i=i: wallet.get(i) for i in ids]
                changes = [vendor.change(next(counter)) for _ in ids]
                pairs = zip(ids, changes, strict=True)
                return [lambda i=i, c=c: wallet.update(i, c) for i, c in pairs]
            send = raw_pool if side == "pool" else raw_requests
            if op == "create":
                reqs = [
                    [wallet.build_create(wallet.prepare_create(vendor.sample("r", next(counter))))]
                    for _ in range(size)
                ]
            elif op == "get":
                reqs = [vendor.get_requests(wallet, i) for i in ids]
            else:
                reqs = [
                    vendor.update_requests(wallet, i, vendor.change(next(counter))) for i in ids
                ]
            return [lambda rs=rs: [send(r) for r in rs] for rs in reqs]

        ops = ("create", "get", "update") if profile is None else (profile,)
        if profile is not None:
            calls = factory(profile, "wp")
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for call in calls:
                call()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats("walletpass|http/client|urllib3", 90)
            return
        if cold:
            for op in ops:
                cost = {side: _cold_per_call(factory(op, side)) for side in ("wp", "pool")}
                extra = {event: cost["wp"][event] - cost["pool"][event] for event in cost["wp"]}
                print(
                    f"{vendor.name:11} {op:7} cold  wp {_cold_cost(cost['wp'])}  |  "
                    f"pool {_cold_cost(cost['pool'])}  |  wp-pool {_cold_cost(extra)}  "
                    "(thousands per call)",
                    flush=True,
                )
            return
        for op in ops:
            best = {"wp": float("inf"), "pool": float("inf"), "requests": float("inf")}
            for block in range(1 if instructions else blocks):
                order = ["wp", "pool", "requests"]
                if block % 2:
                    order.reverse()
                for side in order:
                    calls = factory(op, side)
                    spent = _instructions_per_call(calls) if instructions else _cpu_per_call(calls)
                    best[side] = min(best[side], spent)
            if instructions:
                unit, scale = "k instructions", 1e-3
            else:
                unit, scale = "us", 1e6
            print(
                f"{vendor.name:11} {op:7} wp {best['wp'] * scale:7.1f}  "
                f"pool {best['pool'] * scale:7.1f}  requests {best['requests'] * scale:7.1f}  "
                f"wp-pool {(best['wp'] - best['pool']) * scale:6.1f}  "
                f"wp-requests {(best['wp'] - best['requests']) * scale:6.1f}  ({unit} per call)",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vendors", nargs="*", default=[v.name for v in VENDORS])
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--profile", choices=("create", "get", "update"))
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (under callgrind)"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="with --instructions under callgrind --cache-sim=yes: every cache evicted before "
        "each call; instructions, last-level misses and cycles estimated per call",
    )
    parser.add_argument(
        "--stages", action="store_true", help="a create stage by stage (check+build, send, parse)"
    )
    parser.add_argument(
        "--parse",
        action="store_true",
        help="each op's answer side: its plan on recorded answers, then its presentation",
    )
    parser.add_argument(
        "--increments",
        action="store_true",
        help="under callgrind --cache-sim=yes: a create's stages, each as what it adds inside "
        "the whole call, cold",
    )
    args = parser.parse_args()
    for vendor in VENDORS:
        if vendor.name in args.vendors and args.increments:
            increments(vendor, size=args.size)
        elif vendor.name in args.vendors and args.parse:
            parse_stages(vendor, size=args.size, instructions=args.instructions)
        elif vendor.name in args.vendors and args.stages:
            stages(vendor, size=args.size, instructions=args.instructions)
        elif vendor.name in args.vendors:
            measure(
                vendor,
                blocks=args.blocks,
                size=args.size,
                profile=args.profile,
                instructions=args.instructions,
                cold=args.cold,
            )


if __name__ == "__main__":
    main()
