"""Side-by-side benchmarks: what walletpass costs on top of the alternatives, as ratios.

    .venv/bin/python benchmarks/run.py            # the full run (about two minutes)
    .venv/bin/python benchmarks/run.py --quick    # a smaller run that checks everything works
    .venv/bin/python benchmarks/run.py --only per-call,sdk,startup   # some sections only

Every comparison runs both sides in the same process against the same emulator (served from a
separate process, as a vendor would be), taking turns call by call in rounds whose order
alternates, so machine noise hits both sides alike; each side's per-call time is printed as
min / median / max over the rounds, and the ratio is of the medians. Nothing here is a
pass/fail test: the targets are printed next to the figures, and docs/performance.md records
runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
import urllib3

import walletpass
from walletpass import Barcode, Event, Holder, Pass, PassKind, PassUpdate
from walletpass.provider import Provider

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    FIRST_CREATE,
    STARTUP_BASELINE,
    Row,
    decoded_answer,
    emulator,
    ratio_of_medians,
    ratio_of_minimums,
    raw_headers_and_body,
    raw_query,
    spread,
)
from multiprocess import killed_worker_row, shared_limiter_rows  # noqa: E402
from sdk_comparison import livepasses_rows  # noqa: E402

# ------------------------------------------------------------------------------------------
# Vendors compared (any provider with an emulator could be added here)
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vendor:
    name: str
    #: Requests per second the vendor documents; None: no documented limit (no throughput row).
    documented_rate: float | None
    sample: Callable[[str, int], Pass]
    #: The requests ``get`` sends, for the raw side to send the same (default: build_get's one).
    get_requests: Callable[[Any, str], list[Any]] = lambda wallet, pass_id: [
        wallet.build_get(pass_id)
    ]
    #: A change for ``update`` (the i-th), and the requests that update sends, for the raw side
    #: (default: build_update's one, on the change as walletpass prepares it).
    change: Callable[[int], PassUpdate] = lambda i: PassUpdate(fields={"name": f"Renamed {i}"})
    update_requests: Callable[[Any, str, PassUpdate], list[Any]] = lambda wallet, pass_id, change: [
        wallet.build_update(*wallet.prepare_update(pass_id, change))
    ]


def _pass2u_update(wallet: Any, pass_id: str, change: PassUpdate) -> list[Any]:
    # The PUT, then the read-back Pass2U's partial answer needs (the .pkpass download).
    return [wallet.build_update(*wallet.prepare_update(pass_id, change)), wallet.build_get(pass_id)]


def _livepasses_update(wallet: Any, pass_id: str, change: PassUpdate) -> list[Any]:
    # The PUT, then the lookup that tells the pass's status (its answer says nothing).
    prepared = wallet.build_update(*wallet.prepare_update(pass_id, change))
    return [prepared, wallet.build_lookup(pass_id)]


def _livepass_update(wallet: Any, pass_id: str, change: PassUpdate) -> list[Any]:
    # LivePass writes the whole pass: the GET of what is there, then the POST of the merge.
    checked_id, checked = wallet.prepare_update(pass_id, change)
    current = wallet.send(wallet.build_get(checked_id), "get").json()["body"]
    return [wallet.build_get(checked_id), wallet.build_merge(checked_id, checked, current)]


VENDORS = [
    Vendor(
        "pass2u",
        100.0,
        lambda run, i: Pass(
            template="1919", barcode=Barcode(message=f"{run}-{i}"), fields={"name": f"Member {i}"}
        ),
        update_requests=_pass2u_update,
    ),
    Vendor(
        "passentry",
        10.0,
        lambda run, i: Pass(
            template="2e2d7ee8c306e8f0223dbdc1",
            external_id=f"{run}-{i}",
            fields={"fullName": f"Member {i}"},
        ),
        change=lambda i: PassUpdate(fields={"fullName": f"Renamed {i}"}),
    ),
    Vendor(
        "livepasses",
        None,
        lambda run, i: Pass(
            template="tmpl-001",
            kind=PassKind.EVENT_TICKET,
            holder=Holder(first_name="Guest", last_name=f"{run}{i}", email=f"{run}{i}@example.com"),
            fields={"seatNumber": str(i)},
        ),
        # get is the lookup completed by the validation: two GETs on both sides.
        lambda wallet, pass_id: [wallet.build_lookup(pass_id), wallet.build_validate(pass_id)],
        change=lambda i: PassUpdate(fields={"seatNumber": f"R{i}"}),
        update_requests=_livepasses_update,
    ),
    Vendor(
        "livepass",
        None,
        lambda run, i: Pass(
            template="reservation",
            kind=PassKind.RESERVATION,
            external_id=f"{run}-{i}",
            holder=Holder(name=f"Guest {i}"),
            event=Event(title="Dinner", starts_at=datetime(2027, 3, 1, 19, 30, tzinfo=UTC)),
        ),
        change=lambda i: PassUpdate(holder=Holder(name=f"Renamed {i}")),
        update_requests=_livepass_update,
    ),
]


# ------------------------------------------------------------------------------------------
# 1. Per-call overhead: walletpass vs urllib3's connection pool sending the identical request
# ------------------------------------------------------------------------------------------


def _raw_call(pool: urllib3.HTTPConnectionPool, provider: Provider, base: str, request: Any) -> Any:
    """The fastest path through the HTTP stack walletpass sends through: the request written by
    hand (same method, target, headers and body) and handed to urllib3's connection pool, the
    one walletpass sends through, with none of walletpass's checks; the answer decoded."""
    headers, body = raw_headers_and_body(provider, request)
    target = urllib3.util.parse_url(base).path or ""
    target = target.rstrip("/") + "/" + request.path.lstrip("/")
    if request.query:
        target += "?" + raw_query(request.query)
    response = pool.urlopen(
        request.method, target, body=body, headers=headers, retries=False, redirect=False
    )
    if response.status >= 400:
        raise RuntimeError(f"the raw side got HTTP {response.status}")
    return decoded_answer(response.data, request)


def requests_call(session: requests.Session, provider: Provider, base: str, request: Any) -> Any:
    """Issue 14's baseline: the same request (method, URL, headers, JSON body) prepared once
    by hand and sent through ``requests``' ``Session.send`` (no ``Session.request`` merging,
    no checks); the answer decoded."""
    headers, body = raw_headers_and_body(provider, request)
    url = base.rstrip("/") + "/" + request.path.lstrip("/")
    if request.query:
        url += "?" + raw_query(request.query)
    prepared = requests.Request(request.method, url, headers=headers, data=body).prepare()
    response = session.send(prepared, timeout=30, allow_redirects=False)
    if response.status_code >= 400:
        raise RuntimeError(f"the requests side got HTTP {response.status_code}")
    return decoded_answer(response.content, request)


def _interleaved(
    times: dict[str, list[float]],
    op: str,
    sides: dict[str, tuple[list[Any], Callable[[Any], Any]]],
    round_no: int,
) -> None:
    """One round of ``op``: the sides take turns call by call (the order alternating round by
    round), so a busy spell on the machine falls on every side alike; each side's mean per call
    in the round is recorded."""
    order = sorted(sides, reverse=bool(round_no % 2))
    spent = dict.fromkeys(order, 0.0)
    count = len(sides[order[0]][0])
    for index in range(count):
        for side in order:
            items, call = sides[side]
            started = time.perf_counter()
            call(items[index])
            spent[side] += time.perf_counter() - started
    for side in order:
        times[f"{side} {op}"].append(spent[side] / count)


def per_call_rows(vendor: Vendor, rounds: int, per_round: int) -> list[Row]:
    # Vendors with a documented rate are measured with it lifted: this is about overhead.
    unlimited = {"rate_limit": 1_000_000} if vendor.documented_rate else {}
    with emulator(vendor.name, **unlimited) as emu:
        wallet = walletpass.connect(
            vendor.name, base_url=emu.url, api_key=emu.api_key, rate_limit=0
        )
        pool = urllib3.connection_from_url(emu.url, maxsize=1)
        session = requests.Session()
        counter = iter(range(10**9))
        # The two baselines: the bare pool (issue 18) and a prepared request through
        # requests' Session.send (issue 14's "raw requests").
        baselines: dict[str, Callable[[Any], Any]] = {
            "pool": lambda request: _raw_call(pool, wallet, emu.url, request),
            "requests": lambda request: requests_call(session, wallet, emu.url, request),
        }
        # Warm every path (connection pools, imports, pydantic validators).
        for _ in range(20):
            wallet.create(vendor.sample("warm-w", next(counter)))
            for send in baselines.values():
                send(
                    wallet.build_create(
                        wallet.prepare_create(vendor.sample("warm-r", next(counter)))
                    )
                )
        sides = ("wp", *baselines)
        times: dict[str, list[float]] = {
            f"{side} {op}": [] for side in sides for op in ("create", "get", "update")
        }
        ids: list[str] = []

        def each(send: Callable[[Any], Any]) -> Callable[[list[Any]], None]:
            def send_all(requests_of_one_call: list[Any]) -> None:
                for request in requests_of_one_call:
                    send(request)

            return send_all

        for round_no in range(rounds):
            create_sides: dict[str, tuple[list[Any], Callable[[Any], Any]]] = {
                "wp": (
                    [vendor.sample("w", next(counter)) for _ in range(per_round)],
                    lambda new_pass: ids.append(wallet.create(new_pass).id),
                )
            }
            for side, send in baselines.items():
                built = [
                    wallet.build_create(wallet.prepare_create(vendor.sample("r", next(counter))))
                    for _ in range(per_round)
                ]
                create_sides[side] = (built, send)
            _interleaved(times, "create", create_sides, round_no)
            chosen = ids[-per_round:]
            get_sides: dict[str, tuple[list[Any], Callable[[Any], Any]]] = {
                "wp": (chosen, wallet.get)
            }
            for side, send in baselines.items():
                get_sides[side] = (
                    [vendor.get_requests(wallet, pass_id) for pass_id in chosen],
                    each(send),
                )
            _interleaved(times, "get", get_sides, round_no)
            update_sides: dict[str, tuple[list[Any], Callable[[Any], Any]]] = {
                "wp": (
                    [(pass_id, vendor.change(next(counter))) for pass_id in chosen],
                    lambda change: wallet.update(*change),
                )
            }
            for side, send in baselines.items():
                update_sides[side] = (
                    [
                        vendor.update_requests(wallet, pass_id, vendor.change(next(counter)))
                        for pass_id in chosen
                    ],
                    each(send),
                )
            _interleaved(times, "update", update_sides, round_no)
        wallet.close()
        pool.close()
        session.close()
    rows = []
    described = {"pool": "raw urllib3 pool", "requests": "raw requests Session.send"}
    for op in ("create", "get", "update"):
        for side, what in described.items():
            ours, theirs = times[f"wp {op}"], times[f"{side} {op}"]
            ratio = ratio_of_medians(ours, theirs)
            rows.append(
                Row(
                    "per-call overhead",
                    f"{vendor.name} {op} vs {what}",
                    spread(ours),
                    spread(theirs) + f" ({what})",
                    ratio,
                    "<= 1.15x",
                    ratio <= 1.15,
                    min_ratio=ratio_of_minimums(ours, theirs),
                )
            )
    return rows


# ------------------------------------------------------------------------------------------
# 3. create_many throughput vs the ideal the vendor's rate limit and latency allow
# ------------------------------------------------------------------------------------------


def throughput_row(vendor: Vendor, count: int, latency: float) -> Row:
    with emulator(vendor.name, latency=latency) as emu:
        wallet = walletpass.connect(vendor.name, base_url=emu.url, api_key=emu.api_key)
        # One call alone measures the round trip a worker cannot beat.
        started = time.perf_counter()
        wallet.create(vendor.sample("probe", 0))
        round_trip = time.perf_counter() - started
        time.sleep(1.5)  # let the vendor's one-second window forget the probe
        concurrency = wallet.settings.concurrency
        passes = (vendor.sample("bulk", i) for i in range(count))
        started = time.perf_counter()
        result = wallet.create_many(passes)
        elapsed = time.perf_counter() - started
        wallet.close()
    if result.failed:
        raise RuntimeError(f"{vendor.name}: {result.failed} creates failed in the throughput run")
    assert vendor.documented_rate is not None
    ideal_rate = min(vendor.documented_rate, concurrency / round_trip)
    # The last request still takes a round trip after the limiter lets it go.
    ideal = (count - 1) / ideal_rate + round_trip
    measured_rate = count / elapsed
    efficiency = ideal / elapsed
    return Row(
        "create_many throughput",
        f"{vendor.name}: {count} passes, {latency * 1000:.0f} ms latency",
        f"{measured_rate:.1f} passes/s ({elapsed:.2f} s)",
        f"ideal {ideal_rate:.1f}/s ({ideal:.2f} s)",
        efficiency,
        ">= 0.90 of ideal",
        efficiency >= 0.90,
    )


# ------------------------------------------------------------------------------------------
# 4. Start-up: import time and `walletpass --help`
# ------------------------------------------------------------------------------------------


def _best_times(
    commands: dict[str, list[str]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """The best wall time and the best CPU time (user + system, from the child's resource
    usage) of each command over ``repeat`` rounds, the commands interleaved (their order
    alternating) so a busy spell on the machine hits them all alike. On a loaded machine the
    CPU time moves much less than the wall time: waiting for a core is not counted."""
    wall = dict.fromkeys(commands, float("inf"))
    cpu = dict.fromkeys(commands, float("inf"))
    for round_no in range(repeat):
        for name in sorted(commands, reverse=bool(round_no % 2)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(commands[name], check=True, stdout=subprocess.DEVNULL)
            wall[name] = min(wall[name], time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            cpu[name] = min(cpu[name], used)
    return wall, cpu


def startup_rows(repeat: int) -> list[Row]:
    python = sys.executable
    # An installed wheel has its bytecode compiled at install time, as the dependencies in
    # site-packages do; a checkout run under PYTHONDONTWRITEBYTECODE would compile walletpass's
    # sources on every start and measure the compiler, not walletpass.
    subprocess.run(
        [python, "-m", "compileall", "-q", str(Path(walletpass.__file__).parent)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deps, first_create = STARTUP_BASELINE, FIRST_CREATE
    best, cpu = _best_times(
        {
            "bare": [python, "-c", "pass"],
            "ours": [python, "-c", "import walletpass"],
            "used": [python, "-c", first_create],
            "theirs": [python, "-c", deps],
            "help": [str(Path(python).with_name("walletpass")), "--help"],
        },
        repeat,
    )
    bare, ours, used, theirs, helped = (
        best[name] for name in ("bare", "ours", "used", "theirs", "help")
    )
    baseline = f"{(theirs - bare) * 1000:.0f} ms (its dependencies alone)"
    # Best-of-N wall times: below a few milliseconds the difference to bare Python is noise.
    ours = max(ours, bare)
    # The same first create in CPU time, which the machine's load disturbs far less.
    used_cpu = (cpu["used"] - cpu["bare"]) / (cpu["theirs"] - cpu["bare"])
    return [
        Row(
            "start-up",
            "import walletpass (beyond bare python)",
            f"{(ours - bare) * 1000:.0f} ms",
            baseline,
            (ours - bare) / (theirs - bare),
            "close to 1x",
            (ours - bare) / (theirs - bare) <= 1.25,
        ),
        Row(
            "start-up",
            "import walletpass + connect('fake') + one create",
            f"{(used - bare) * 1000:.0f} ms",
            baseline,
            (used - bare) / (theirs - bare),
            "<= 1.15x",
            (used - bare) / (theirs - bare) <= 1.15,
        ),
        Row(
            "start-up",
            "import walletpass + connect('fake') + one create (CPU time)",
            f"{(cpu['used'] - cpu['bare']) * 1000:.0f} ms",
            f"{(cpu['theirs'] - cpu['bare']) * 1000:.0f} ms (its dependencies alone)",
            used_cpu,
            "<= 1.15x",
            used_cpu <= 1.15,
        ),
        Row(
            "start-up",
            "walletpass --help (wall time)",
            f"{helped * 1000:.0f} ms",
            f"{bare * 1000:.0f} ms (bare python)",
            helped / bare,
            "-",
            None,
        ),
    ]


# ------------------------------------------------------------------------------------------


def render(rows: list[Row]) -> str:
    headers = [
        "section",
        "benchmark",
        "walletpass",
        "baseline",
        "ratio",
        "min ratio",
        "target",
        "met",
    ]
    table = [headers, *[row.cells() for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) for line in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


SECTIONS = ("per-call", "sdk", "throughput", "scale", "startup", "async")
#: What a run without --only measures (the async API's rows: --only async).
DEFAULT_SECTIONS = SECTIONS[:-1]


def _sections(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in chosen if part not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(SECTIONS)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument(
        "--only",
        type=_sections,
        default=DEFAULT_SECTIONS,
        metavar="SECTION[,SECTION...]",
        help=f"only these sections, of: {', '.join(SECTIONS)} (scale needs the services)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    only: tuple[str, ...] = args.only
    rows: list[Row] = []
    if "per-call" in only:
        for vendor in VENDORS:
            rows += per_call_rows(vendor, rounds=3 if quick else 15, per_round=7 if quick else 40)
    if "sdk" in only:
        rows += livepasses_rows(quick=quick)
    if "throughput" in only:
        for vendor in VENDORS:
            if vendor.documented_rate is None:
                continue
            count = int(vendor.documented_rate * (1 if quick else 10))
            rows.append(throughput_row(vendor, count=max(count, 10), latency=0.02))
    if "scale" in only:
        rows += shared_limiter_rows(count=200 if quick else 2000, with_margin=not quick)
        rows.append(killed_worker_row(count=120 if quick else 2000))
    if "startup" in only:
        rows += startup_rows(repeat=3 if quick else 20)
    if "async" in only:
        from async_rows import async_rows

        rows += async_rows(quick=quick)
    print(render(rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps([row.__dict__ for row in rows], indent=2, default=str), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
