"""The example script runs end to end against the emulator, as CI runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "passentry_event.py"


def test_event_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "second scan refused: AlreadyRedeemed" in done.stdout
    assert "push 'delivered'" in done.stdout
    assert "nullified: status=deleted" in done.stdout


DOCS = Path(__file__).resolve().parents[3] / "docs" / "providers" / "passentry.md"


def test_docs_capability_table_matches_the_declarations() -> None:
    """The page's table is the one docgen renders from the declarations (scripts/render-matrix
    rewrites it; the notes escaped for the site, every row in the matrix's order)."""
    from walletpass.cli import docgen

    text = DOCS.read_text(encoding="utf-8")
    table = docgen.capability_table("passentry")
    rendered = docgen.replace_between(text, docgen.CAPABILITY_MARKERS, table, where=str(DOCS))
    assert rendered == text, "run scripts/render-matrix: the capability table has drifted"
