"""The example scripts run end to end against the emulator, as CI runs them, and the docs page
lists exactly the provider's declarations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "providers" / "livepasses.md"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "livepasses_event.py",
            [
                "guest list: 250/250 issued through 3 asynchronous batches (250 progress reports)",
                "second scan refused: AlreadyRedeemed (PASS_ALREADY_USED)",
                "delete: Livepasses documents no deletion",
                "(secret kept: **********)",
            ],
        ),
        (
            "livepasses_loyalty.py",
            [
                "spent 50 via loyalty/transact -> balance 550",
                "double scan refused: RESOURCE_LOCKED",
                "9.2 coupon applied -> uses left 0, status redeemed",
                "expired card refused: PASS_EXPIRED; status now expired",
            ],
        ),
    ],
)
def test_example_runs(script: str, expected: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for line in expected:
        assert line in done.stdout


def test_docs_capability_table_matches_the_declarations() -> None:
    from walletpass_livepasses import LivepassesProvider

    section = DOCS.read_text(encoding="utf-8").split("## Capabilities", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            name, support, note = (cell.strip() for cell in line.strip("|").split(" | ", 2))
            rows[name.strip("`")] = (support, note.replace("\\|", "|"))
    declared = LivepassesProvider.capabilities.complete(LivepassesProvider.extra_operations)
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


def test_docs_list_every_livepasses_only_operation() -> None:
    from walletpass_livepasses import LivepassesProvider

    text = DOCS.read_text(encoding="utf-8").split("## Livepasses-only operations", 1)[1]
    for name in LivepassesProvider.extra_operations:
        assert f"`{name}(" in text or f"{name}(" in text or f"`{name}`" in text, name
