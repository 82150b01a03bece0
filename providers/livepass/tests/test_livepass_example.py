"""The example script runs end to end against the emulator, as CI runs it; the docs page's
capability table is exactly the provider's declarations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "livepass_reservation.py"
DOCS = ROOT / "docs" / "providers" / "livepass.md"


def test_reservation_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "booked   reservation.1003: Nov 6, 2030 at 10:00am" in out
    assert "Apple Wallet link https://app.getlivepass.com/apple/" in out
    assert "moved to 11:30am; place kept: Mainland Hospital" in out
    read_back = "create read back (not re-sent): still reservation.1003, 1 pass, version 3"
    assert f"{read_back}, 3 writes" in out
    assert "redeem refused before any request" in out
    assert "delete refused before any request" in out
    assert "card membership-card.GYM-0042: balance 150 credits" in out
    assert "email (reservation 1003), push (reservation 1003)" in out


def test_docs_capability_table_matches_the_declarations() -> None:
    """The page's table is the one docgen renders from the declarations (scripts/render-matrix
    rewrites it; the notes escaped for the site, every row in the matrix's order)."""
    from walletpass.cli import docgen

    text = DOCS.read_text(encoding="utf-8")
    table = docgen.capability_table("livepass")
    rendered = docgen.replace_between(text, docgen.CAPABILITY_MARKERS, table, where=str(DOCS))
    assert rendered == text, "run scripts/render-matrix: the capability table has drifted"


def test_docs_name_the_emulator_defaults() -> None:
    from walletpass_livepass.emulator import DEFAULT_API_KEY

    text = DOCS.read_text(encoding="utf-8")
    assert f"`{DEFAULT_API_KEY}`" in text
    assert "walletpass emulate livepass" in text
    assert "not** Livepasses" in text
