"""Start-up in instructions: the first create against the dependencies' import, load-free.

    .venv/bin/python benchmarks/startup_instructions.py [--runs 2] [--misses]

Runs each command of the start-up rows (``benchmarks/run.py --only startup``) in a fresh
process under valgrind's cachegrind (``--cache-sim=no``: instruction counts only) and prints
the instructions beyond bare Python and the ratio. A count does not move with the machine's
load, so it shows what a change saves where wall and CPU times on a shared machine cannot;
the wall rows of ``run.py`` remain the target's measure. The bytecode is compiled first and
stevedore's entry-point cache warmed, as on an installed system. Needs ``valgrind`` on PATH.

Wall and CPU time follow more than the count: ``--misses`` also simulates the caches and the
branch predictor and prints, beside the instructions, the first-level instruction and data
cache misses and the mispredicted branches of each side, beyond bare Python. The first create
runs much code once (pydantic building schemas, sqlite), which misses and mispredicts more per
instruction than importing the dependencies does: on 2026-12-01 the count said 1.060x while
the misses were 1.13-1.16x and the mispredicts 1.10x, as the CPU-time row (1.10x) was.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import FIRST_CREATE, STARTUP_BASELINE  # noqa: E402

import walletpass  # noqa: E402

#: cachegrind's summary lines read with ``--misses``, and how this script names them.
EVENTS = {
    "I refs": "instructions",
    "I1 misses": "I1 misses",
    "D1 misses": "D1 misses",
    "Mispredicts": "mispredicts",
}


def counts(code: str, *, misses: bool = False) -> dict[str, int]:
    """What a fresh ``python -c code`` executes under cachegrind: its instructions (``I refs``)
    and, with ``misses``, its simulated first-level cache misses and mispredicted branches."""
    valgrind = ["valgrind", "--tool=cachegrind", "--cachegrind-out-file=/dev/null"]
    valgrind += ["--cache-sim=yes", "--branch-sim=yes"] if misses else ["--cache-sim=no"]
    done = subprocess.run(
        [*valgrind, sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
    )
    found: dict[str, int] = {}
    for event, name in EVENTS.items():
        spelled = r"\s+".join(event.split())  # cachegrind pads its labels: "I   refs"
        line = re.search(rf"{spelled}:\s+([\d,]+)", done.stderr)
        if line is not None:
            found[name] = int(line.group(1).replace(",", ""))
    if "instructions" not in found or (misses and len(found) != len(EVENTS)):
        raise SystemExit(f"no counts in valgrind's output:\n{done.stderr}")
    return found


def instructions(code: str) -> int:
    """Instructions a fresh ``python -c code`` executes (cachegrind's ``I refs``)."""
    return counts(code)["instructions"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat the three counts")
    parser.add_argument(
        "--misses",
        action="store_true",
        help="also the cache misses and mispredicted branches (a slower simulation)",
    )
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(walletpass.__file__).parent)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run([sys.executable, "-c", FIRST_CREATE], check=True)  # stevedore's cache
    for _ in range(args.runs):
        bare = counts("pass", misses=args.misses)
        deps = counts(STARTUP_BASELINE, misses=args.misses)
        used = counts(FIRST_CREATE, misses=args.misses)
        for name in bare:
            ours, theirs = used[name] - bare[name], deps[name] - bare[name]
            label = "first create" if name == "instructions" else f"  {name}"
            print(
                f"{label} {ours / 1e6:.1f} M, dependencies {theirs / 1e6:.1f} M "
                f"(beyond bare Python {bare[name] / 1e6:.1f} M): {ours / theirs:.3f}x"
            )


if __name__ == "__main__":
    main()
