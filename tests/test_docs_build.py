"""The documentation site builds in strict mode, and strict mode catches what it must.

CI runs ``mkdocs build --strict``; these tests run the same build, check that the API reference is
really generated from the docstrings and that every provider page and example is in the site, and
prove on a copy of the docs that a broken link, a broken anchor or a link to a missing example
fails the build.
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


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=config.parent,
        env=env,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    done = _build(ROOT / "mkdocs.yml", target)
    assert done.returncode == 0, done.stderr
    return target


def test_api_reference_is_generated_from_docstrings(site: Path) -> None:
    provider = (site / "reference" / "provider" / "index.html").read_text(encoding="utf-8")
    assert "Base class of every walletpass provider" in provider
    assert "prepare_create" in provider
    model = (site / "reference" / "model" / "index.html").read_text(encoding="utf-8")
    assert "A pass to issue." in model


def test_the_api_reference_documents_every_hook(site: Path) -> None:
    spec = importlib.util.spec_from_file_location("hook_docs", ROOT / "tests" / "test_hook_docs.py")
    assert spec is not None and spec.loader is not None
    hook_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook_docs)
    pages = "".join(
        (site / "reference" / page / "index.html").read_text(encoding="utf-8")
        for page in ("provider", "events")
    )
    missing = [
        name
        for name in hook_docs.hook_names()
        if not re.search(rf'id="walletpass\.[\w.]+\.{name}"', pages)
    ]
    assert not missing, f"hooks missing from the API reference: {missing}"


def test_the_api_reference_documents_the_vendor_operation_declaration(site: Path) -> None:
    """docs/plugins.md declares vendor-only operations with @vendor_operation: its signature
    (the declaration, ``listing``) and errors are in the reference, not only in the guide."""
    provider = (site / "reference" / "provider" / "index.html").read_text(encoding="utf-8")
    assert 'id="walletpass.vendor_operations.vendor_operation"' in provider


def test_every_provider_page_is_in_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    pages = sorted(p.stem for p in (ROOT / "docs" / "providers").glob("*.md"))
    assert pages, "docs/providers/ has no page"
    for page in pages:
        assert f'href="providers/{page}/"' in home, page


def test_every_example_is_on_the_examples_page(site: Path) -> None:
    page = (site / "examples" / "index.html").read_text(encoding="utf-8")
    for script in sorted((ROOT / "examples").glob("*.py")):
        anchor = "example-" + re.sub(r"[^a-z0-9]+", "-", script.name.lower()).strip("-")
        assert f'id="{anchor}"' in page, script.name
    assert 'id="example-plugin-template"' in page
    assert "walletpass_acme/provider.py" in page and "AcmeProvider" in page


def test_links_to_examples_lead_to_the_examples_page(site: Path) -> None:
    concepts = (site / "concepts" / "index.html").read_text(encoding="utf-8")
    assert 'href="../examples/#example-switch-vendor-py"' in concepts


def _copy_docs(tmp_path: Path) -> Path:
    """The docs, config and examples in a scratch directory, to break them safely."""
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".*")
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", copy / "examples", ignore=ignore)
    (copy / "walletpass").symlink_to(ROOT / "walletpass", target_is_directory=True)
    return copy


#: One broken reference of each kind, and the name the strict build's warning gives it.
BROKEN = {
    "page": ("[gone](no-such-page.md)", "no-such-page.md"),
    "anchor": ("[gone](configuration.md#no-such-section)", "no-such-section"),
    "example": ("[gone](../examples/no_such_example.py)", "no_such_example.py"),
}


def test_broken_links_fail_the_strict_build(tmp_path: Path) -> None:
    # One build for all three kinds (a build takes over a minute on a loaded machine): strict mode
    # aborts only after reporting every warning, and a warning there is a failed build, so each
    # kind's own warning line shows that kind alone would fail it.
    copy = _copy_docs(tmp_path)
    page = copy / "docs" / "concepts.md"
    links = "".join(f"\nSee {link}.\n" for link, _ in BROKEN.values())
    page.write_text(page.read_text(encoding="utf-8") + links, encoding="utf-8")
    done = _build(copy / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    for kind, (_, reported) in BROKEN.items():
        assert any(reported in line for line in warnings), (kind, done.stderr)
