"""The example script runs end to end against the emulator, as CI runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "pass2u_membership.py"


def test_membership_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "second redeem refused: AlreadyRedeemed" in done.stdout
    assert "status=expired" in done.stdout
