"""Serve one vendor emulator in its own process, for benchmarks.

Usage: python benchmarks/emulator_process.py VENDOR [--latency SECONDS] [--option KEY=JSON ...]

Prints one JSON line ``{"url": ..., "api_key": ...}`` once listening, then serves until its
standard input closes (so it never outlives the benchmark that started it). Running the emulator
in another process keeps its work off the measured process's interpreter lock, as a real vendor
would be.
"""

from __future__ import annotations

import argparse
import json
import sys

from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.emulators import load_emulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("vendor")
    parser.add_argument("--latency", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--option", action="append", default=[], help="KEY=JSON emulator option")
    args = parser.parse_args()
    options = {}
    for item in args.option:
        key, _, value = item.partition("=")
        options[key] = json.loads(value)
    app = load_emulator(args.vendor, **options)
    if args.latency > 0:
        app.inject_randomly([Fault.latency(args.latency)], rate=1.0, seed=0)
    with EmulatorServer(app) as server:
        print(json.dumps({"url": server.url, "api_key": getattr(app, "api_key", None)}), flush=True)
        sys.stdin.read()  # until the benchmark closes our stdin or exits


if __name__ == "__main__":
    main()
