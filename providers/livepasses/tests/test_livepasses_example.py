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
    """The page's table is the one docgen renders from the declarations (scripts/render-matrix
    rewrites it; the notes escaped for the site, every row in the matrix's order)."""
    from walletpass.cli import docgen

    text = DOCS.read_text(encoding="utf-8")
    table = docgen.capability_table("livepasses")
    rendered = docgen.replace_between(text, docgen.CAPABILITY_MARKERS, table, where=str(DOCS))
    assert rendered == text, "run scripts/render-matrix: the capability table has drifted"


def test_docs_list_every_livepasses_only_operation() -> None:
    from walletpass_livepasses import LivepassesProvider

    text = DOCS.read_text(encoding="utf-8").split("## Livepasses-only operations", 1)[1]
    for name in LivepassesProvider.extra_operations:
        assert f"`{name}(" in text or f"{name}(" in text or f"`{name}`" in text, name
