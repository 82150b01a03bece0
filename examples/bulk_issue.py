"""Bulk issuance from a CSV export with `walletpass issue`: killed half-way, then resumed.

A loyalty programme exports its members to CSV. `walletpass issue` turns each row into a pass
through PassEntry (here its emulator, in-process, with 10% of requests failing transiently),
records every outcome in a journal, and writes a results file. The first run is stopped half-way
(as Ctrl-C or a crash would); running the same command again issues only what is missing.

    python examples/bulk_issue.py
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from walletpass_passentry.emulator import DEFAULT_API_KEY, PassEntryEmulator

from walletpass.testing.emulator import EmulatorServer, Fault

COFFEE_CLUB = "a91c0e7d55f2b3c4d6e7f809"  # the emulator's store-card template
MEMBERS = 60


def write_export(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Member No", "Name", "Stamps", "Valid until"])
        writer.writerow(["CC-0007", "Member 7", "3", "31/02/2027"])  # no such day: reported
        for i in range(MEMBERS):
            writer.writerow([f"CC-{1000 + i}", f"Member {i}", i % 10, "2027-12-31 23:59"])


def issue_command(export: Path, journal: Path, results: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "walletpass.cli",
        "issue",
        str(export),
        "--template",
        COFFEE_CLUB,
        "--map",
        "Member No=external_id",
        "--map",
        "Name=fields.memberName",
        "--map",
        "Stamps=fields.stamps",
        "--map",
        "Valid until=expires_at",
        "--tz",
        "Europe/London",  # the export's dates carry no timezone
        "--journal",
        str(journal),
        "--results",
        str(results),
        "--no-progress",
    ]


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="walletpass-bulk-"))
    export, journal, results = workdir / "members.csv", workdir / "run.db", workdir / "out.csv"
    write_export(export)
    emulator = PassEntryEmulator(rate_limit=1_000)
    # One request in ten fails as vendors do on a bad day; the run must not notice.
    emulator.inject_randomly(
        [
            Fault.respond(503, {"errors": ["Service Unavailable"]}),
            Fault.respond(
                429, {"errors": ["Too Many Requests"]}, headers={"x-rate-limit-retry-after": "0.1"}
            ),
            Fault.reset(),
            Fault.latency(0.2),
        ],
        rate=0.1,
        seed=7,
    )
    with EmulatorServer(emulator) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
        env.update(
            WALLETPASS_PROVIDER="passentry",
            WALLETPASS_PASSENTRY_BASE_URL=server.url,
            WALLETPASS_PASSENTRY_API_KEY=DEFAULT_API_KEY,
            # The emulator allows more than PassEntry's documented 10/s, to keep this short.
            WALLETPASS_PASSENTRY_RATE_LIMIT="100",
        )
        print(f"1. {MEMBERS + 1} rows in {export.name}; PassEntry emulator at {server.url}")

        first = subprocess.Popen(
            issue_command(export, journal, results),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while len(emulator.passes) < MEMBERS // 3 and first.poll() is None:
            time.sleep(0.01)
        first.kill()  # as a crash would: no chance to clean up
        first.wait()
        print(f"2. first run killed after {len(emulator.passes)} passes were issued")

        rerun = subprocess.run(
            issue_command(export, journal, results),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        print("3. the same command again:")
        for line in rerun.stdout.strip().splitlines():
            print(f"     {line}")
        print(f"   exit status {rerun.returncode} (1: not every row has its pass)")

    with results.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    statuses = Counter(row["status"] for row in rows)
    print(f"4. results file: {dict(sorted(statuses.items()))}")
    bad = next(row for row in rows if row["status"] == "invalid")
    print(f"   row {bad['row']} refused: {bad['error']}")
    per_member = Counter(stored.ext_id for stored in emulator.passes.values())
    print(
        f"5. PassEntry holds {len(emulator.passes)} passes for {MEMBERS} valid members; "
        f"duplicates: {sum(n - 1 for n in per_member.values())}; "
        f"faults injected: {emulator.faults_applied}"
    )


if __name__ == "__main__":
    main()
