"""Start-up in instructions: the first create against the dependencies' import, load-free.

    .venv/bin/python benchmarks/startup_instructions.py [--runs 2]

Runs each command of the start-up rows (``benchmarks/run.py --only startup``) in a fresh
process under valgrind's cachegrind (``--cache-sim=no``: instruction counts only) and prints
the instructions beyond bare Python and the ratio. A count does not move with the machine's
load, so it shows what a change saves where wall and CPU times on a shared machine cannot;
the wall rows of ``run.py`` remain the target's measure. The bytecode is compiled first and
stevedore's entry-point cache warmed, as on an installed system. Needs ``valgrind`` on PATH.
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


def instructions(code: str) -> int:
    """Instructions a fresh ``python -c code`` executes (cachegrind's ``I refs``)."""
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
    valgrind.append("--cachegrind-out-file=/dev/null")
    done = subprocess.run(
        [*valgrind, sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat the three counts")
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(walletpass.__file__).parent)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run([sys.executable, "-c", FIRST_CREATE], check=True)  # stevedore's cache
    for _ in range(args.runs):
        bare = instructions("pass")
        deps = instructions(STARTUP_BASELINE) - bare
        ours = instructions(FIRST_CREATE) - bare
        print(
            f"first create {ours / 1e6:.1f} M, dependencies {deps / 1e6:.1f} M "
            f"(beyond bare Python {bare / 1e6:.1f} M): {ours / deps:.3f}x"
        )


if __name__ == "__main__":
    main()
