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
    from walletpass_passentry import PassEntryProvider

    section = DOCS.read_text(encoding="utf-8").split("## Capabilities", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            name, support, note = (cell.strip() for cell in line.strip("|").split(" | ", 2))
            rows[name.strip("`")] = (support, note.replace("\\|", "|"))
    declared = PassEntryProvider.capabilities.complete(PassEntryProvider.extra_operations)
    for key, declaration in declared.items():
        support = declaration.support.value.upper()
        if declaration.limit is not None:
            support += f" (max {declaration.limit})"
        note = declaration.note
        if declaration.inferred:  # marked as in the capability matrix, and listed
            support += "\\*"
            note += f" [inferred: {'; '.join(declaration.inferred)}]"
        assert rows.pop(key) == (support, note), key
    assert rows == {}, "the docs list capabilities the provider does not declare"
