"""Every example runs, as a new user would run it.

Each ``examples/*.py`` script runs in its own process and must exit 0 printing what it promises;
``examples/test_my_app.py`` runs under pytest; and ``examples/plugin_template`` is built, installed
into a throwaway directory (offline: no build isolation, no dependencies) and its own test suite —
the conformance suite through its emulator — runs against the installed copy, not the source.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TEMPLATE = EXAMPLES / "plugin_template"

#: What each script must print (scripts not listed must exit 0 and print something).
EXPECTED: dict[str, list[str]] = {
    "quickstart.py": [
        "2. issued   fp_",
        "4. redeemed",
        "6. a second redeem is refused:",
        "status=deleted",
    ],
    "bulk_issue.py": [
        "60 of 61 rows issued",
        "exit status 1",
        "row 1 refused: [passentry.create] row 1: Valid until: not a date: '31/02/2027'",
        "PassEntry holds 60 passes for 60 valid members; duplicates: 0",
    ],
    "events_receiver.py": [
        "subscribed to issued, installed, removed, scanned",
        "event issued    pass T-42 template tasting verified=True",
        "event installed pass T-42 template tasting verified=True",
        "event scanned   pass T-42 template tasting verified=True",
        "forged delivery answered 403",
    ],
    "switch_vendor.py": [
        # The same read-back on every provider; only Pass2U cannot spend points.
        "[fake] enrolled   coffee-card M-1001 Ada Lovelace: 90 points (issued)",
        "[fake] topped up  95 points",
        "[fake] read back  coffee-card M-1001 Ada Lovelace: 95 points (issued)",
        "[fake] ticket     tasting seat 12B gate C: valid",
        "[fake] scanned    redeemed",
        "[fake] rescanned  refused: AlreadyRedeemed",
        "[fake] read back  tasting seat 12B gate C: used",
        "[passentry] enrolled   coffee-card M-1001 Ada Lovelace: 90 points (issued)",
        "[passentry] topped up  95 points",
        "[passentry] read back  coffee-card M-1001 Ada Lovelace: 95 points (issued)",
        "[passentry] ticket     tasting seat 12B gate C: valid",
        "[passentry] scanned    redeemed",
        "[passentry] rescanned  refused: AlreadyRedeemed",
        "[passentry] read back  tasting seat 12B gate C: used",
        "[pass2u] enrolled   coffee-card M-1001 Ada Lovelace: 90 points (issued)",
        "[pass2u] topped up  95 points",
        "[pass2u] read back  coffee-card M-1001 Ada Lovelace: 95 points (issued)",
        "[pass2u] ticket     tasting seat 12B gate C: valid",
        "[pass2u] scanned    redeemed",
        "[pass2u] rescanned  refused: AlreadyRedeemed",
        "[pass2u] read back  tasting seat 12B gate C: used",
        "[fake] spend 5    active, 90 points left",
        "[passentry] spend 5    active, 90 points left",
        "[pass2u] spend 5    refused before sending: UnsupportedFeature (balance)",
    ],
    "minimal_plugin.py": [
        "issued st_1 (issued); Stamp received {'template': 'coffee', 'holder': 'Ada Lovelace', "
        "'fields': {'stamps': '3'}}",
        "get refused before sending: [stamp.get] stamp does not support get: Stamp has no read",
        "requests sent: 1",
    ],
    "fastapi_app.py": [
        "issued fp_",
        "tickets: 2, seats 12B, 12C",
        "scanned: HTTP 200 redeemed",
        "scanned again: HTTP 409 AlreadyRedeemed",
        "a malformed id: HTTP 422 ValidationError",
    ],
}


#: Scripts that need a dev dependency a development environment made before it may lack.
NEEDS_DEV_PACKAGES = {"fastapi_app.py": "fastapi"}

#: Scripts that need the real Redis and PostgreSQL servers (scripts/services).
NEEDS_SERVICES = {"celery_bulk_issue.py", "cli_workers.py"}

EXPECTED["celery_bulk_issue.py"] = [
    "27 of 27 passes issued by 2 workers",
    "re-submitted: 27 skipped as already issued",
    "PassEntry holds 27 passes for 27 inputs; duplicates: 0",
]


EXPECTED["cli_workers.py"] = [
    "2 workers ready",
    "first run: exit status 0",
    "40 of 40 rows issued; 0 failed",
    "same command again: exit status 0",
    "40 of 40 rows issued (40 settled by an earlier run); 0 failed",
    "results file statuses after the re-run: skipped",
    "PassEntry holds 40 passes for 40 guests; duplicates: 0",
]


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without walletpass settings, which would change what runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(extra)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=cwd,
        env=env,
    )


SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("test_"))


def test_the_documented_examples_exist() -> None:
    assert set(EXPECTED) <= set(SCRIPTS)
    assert (EXAMPLES / "test_my_app.py").is_file()


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, marks=pytest.mark.services) if s in NEEDS_SERVICES else s for s in SCRIPTS],
)
def test_example_script_runs(script: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if (
        script in NEEDS_DEV_PACKAGES
        and importlib.util.find_spec(NEEDS_DEV_PACKAGES[script]) is None
    ):
        message = f"{script} needs {NEEDS_DEV_PACKAGES[script]}: run ./scripts/bootstrap again"
        if os.environ.get("CI"):
            pytest.fail(
                message
            )  # CI installs the dev dependencies: their absence is a broken build
        pytest.skip(message)
    if script in NEEDS_SERVICES:
        request.getfixturevalue("redis_url")  # skips (fails under CI) without the servers
        request.getfixturevalue("postgres_url")
    done = _run([str(EXAMPLES / script)], cwd=tmp_path, env=_clean_env(HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), f"{script} printed nothing"
    assert "Traceback" not in done.stderr
    for line in EXPECTED.get(script, []):
        assert line in done.stdout, f"{script} did not print {line!r}:\n{done.stdout}"


def test_the_cli_workers_example_without_its_servers_says_what_is_missing(tmp_path: Path) -> None:
    """A new user who runs it before ``scripts/services start`` reads why it stopped and what to
    do (it said "a worker did not start (exit status 1)": the workers' errors were discarded)."""
    pytest.importorskip("celery")
    closed = "127.0.0.1:1"  # nothing listens on port 1
    env = _clean_env(
        HOME=str(tmp_path),
        REDIS_URL=f"redis://{closed}/0",
        JOURNAL_DATABASE_URL=f"postgresql://postgres@{closed}/walletpass",
    )
    done = _run([str(EXAMPLES / "cli_workers.py")], cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "walletpass: error: cannot reach the journal's database" in done.stderr
    assert "scripts/services start" in done.stderr


def test_users_unit_tests_pass_with_fake_wallet(tmp_path: Path) -> None:
    done = _run(
        ["-m", "pytest", str(EXAMPLES / "test_my_app.py"), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=_clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


@pytest.fixture(scope="module")
def installed_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build and install the template from a scratch copy; return (tests dir, install dir)."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(
        TEMPLATE,
        source,
        ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".*"),
    )
    target = work / "site"
    install = _run(
        [
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(source),
        ],
        cwd=work,
        env=_clean_env(),
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Only the installed copy may be importable from here on.
    shutil.rmtree(source / "walletpass_acme")
    return source / "tests", target


def _with_plugin(target: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH", "")) if p)
    return _clean_env(PYTHONPATH=path)


def test_plugin_template_passes_its_tests_when_installed(
    installed_template: tuple[Path, Path],
) -> None:
    tests, target = installed_template
    done = _run(
        ["-m", "pytest", str(tests), "-q", "-p", "no:cacheprovider"],
        cwd=tests.parent.parent,
        env=_with_plugin(target),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"(\d+) passed", done.stdout)
    # the conformance suite (twice: emulator and fake profile) plus the template's own tests
    assert passed is not None and int(passed.group(1)) >= 30, done.stdout


def test_installed_plugin_is_found_by_the_cli(installed_template: tuple[Path, Path]) -> None:
    _, target = installed_template
    env = _with_plugin(target)
    providers = _run(["-m", "walletpass.cli", "providers"], cwd=target.parent, env=env)
    assert providers.returncode == 0, providers.stderr
    row = next(line for line in providers.stdout.splitlines() if line.startswith("acme "))
    assert row.split()[1:4] == ["walletpass-acme", "0.1.0", "yes"]

    capabilities = _run(
        ["-m", "walletpass.cli", "capabilities", "acme", "--format", "csv"],
        cwd=target.parent,
        env=env,
    )
    assert capabilities.returncode == 0, capabilities.stderr
    assert "kind.coupon" in capabilities.stdout
    assert "Acme has no coupon template: use kind generic" in capabilities.stdout
