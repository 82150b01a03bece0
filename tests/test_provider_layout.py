"""Every provider distribution has the same files for the same jobs (issue 18, Deliver 4).

``payloads`` translates, ``checks`` holds the vendor's rules that ``check()`` applies,
``provider`` holds the provider class, ``emulator`` (a module or a package) serves the vendor's
documented API. Settings are typed (``Provider[SettingsT]``), so no provider needs ``cast``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(p for p in ROOT.glob("providers/*/walletpass_*") if (p / "__init__.py").exists())
JOBS = ("payloads", "checks", "provider", "emulator")


def test_every_vendor_is_found() -> None:
    assert {p.name for p in PACKAGES} >= {
        "walletpass_livepass",
        "walletpass_livepasses",
        "walletpass_pass2u",
        "walletpass_passentry",
    }


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_same_files_for_the_same_jobs(package: Path) -> None:
    missing = [
        job
        for job in JOBS
        if not (package / f"{job}.py").exists() and not (package / job / "__init__.py").exists()
    ]
    assert not missing, f"{package.name} has no module for: {', '.join(missing)}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_no_typing_cast(package: Path) -> None:
    casts = []
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "typing"
                and any(alias.name == "cast" for alias in node.names)
            ):
                casts.append(str(source.relative_to(ROOT)))
    assert not casts, f"typing.cast in {casts}"
