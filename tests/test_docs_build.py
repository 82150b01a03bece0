"""The documentation site builds in strict mode, and strict mode catches what it must.

CI runs ``mkdocs build --strict``; these tests run the same build, check that the API reference is
really generated from the docstrings and that every provider page and example is in the site, and
prove on a copy of the docs that a broken link, a broken anchor or a link to a missing example
fails the build.
"""

from __future__ import annotations

import ast
import importlib
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


def _reference_ids(site: Path) -> set[str]:
    return {
        found
        for page in (site / "reference").glob("*/index.html")
        for found in re.findall(r'id="(walletpass[\w.]*)"', page.read_text(encoding="utf-8"))
    }


def _documented(name: str, ids: set[str]) -> bool:
    """Whether ``module.attr`` (as a provider imports it) has an entry: under that name, under
    the name of the object's home (a re-export), or as that name in another module."""
    module_name, _, attr = name.rpartition(".")
    if name in ids:
        return True
    obj = getattr(importlib.import_module(module_name), attr)
    home = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(home, str) and isinstance(qualname, str) and f"{home}.{qualname}" in ids:
        return True
    return any(found.endswith(f".{attr}") for found in ids)


def _names_the_providers_import() -> set[str]:
    names: set[str] = set()
    for source in ROOT.glob("providers/*/walletpass_*/**/*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module is None:
                continue
            if node.module == "walletpass" or node.module.startswith("walletpass."):
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_core_name_the_bundled_providers_use_is_in_the_api_reference(site: Path) -> None:
    """What the four bundled providers import from the core is what a plugin builds on: each
    name is in the reference, with its shapes and errors, not only in the core's source."""
    names = _names_the_providers_import()
    assert "walletpass.plans.Send" in names and "walletpass.paths.fill_path" in names
    ids = _reference_ids(site)
    missing = sorted(name for name in names if not _documented(name, ids))
    assert not missing, f"used by the bundled providers, missing from the API reference: {missing}"


def test_every_core_name_the_plugin_guide_names_is_in_the_api_reference(site: Path) -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    named = {
        dotted
        for dotted in re.findall(r"\bwalletpass(?:\.[a-z_]\w*)+\.[A-Za-z_]\w*", guide)
        # (entry-point groups, not modules)
        if not dotted.startswith(("walletpass.providers", "walletpass.emulators"))
    }
    assert "walletpass.rendering.render_fields" in named
    ids = _reference_ids(site)
    missing = sorted(name for name in named if not _documented(name, ids))
    assert not missing, f"named by docs/plugins.md, missing from the API reference: {missing}"


#: Declarations docs/plugins.md tells a plugin to set; the code documents each with a ``#:``
#: comment, which the reference shows only through the griffe_sphinx extension.
DECLARATIONS = {
    "default_base_url": "production API address",
    "error_table": "error rules, tried before the HTTP defaults",
    "meta_keys": "keys this provider may report",
    "native_batch_size": "native batch endpoint",
    "provider_api_version": "contract version this class was written for",
    "field_held_attributes": "can carry only in a template field",
    "template_fixed": "takes from the template, not the request",
}


def test_the_provider_declarations_are_in_the_api_reference_with_their_meaning(
    site: Path,
) -> None:
    page = (site / "reference" / "provider" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    for name, meaning in DECLARATIONS.items():
        assert f'id="walletpass.provider.Provider.{name}"' in page, name
        assert meaning in text, (name, meaning)


@pytest.mark.parametrize("model", ["IssuedPass", "Redemption"])
def test_every_field_of_what_an_operation_returns_is_documented(site: Path, model: str) -> None:
    """What create/get/update/list and redeem return is read field by field: each field has
    its entry (the meaning, the unit of an amount) in the reference."""
    import walletpass.model

    page = (site / "reference" / "model" / "index.html").read_text(encoding="utf-8")
    fields = getattr(walletpass.model, model).model_fields
    missing = [name for name in fields if f'id="walletpass.model.{model}.{name}"' not in page]
    assert not missing, f"{model} fields without an entry in the API reference: {missing}"


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


def test_the_errors_guide_lists_every_error_class() -> None:
    """docs/errors.md's table is where an application looks up what it may catch."""
    import inspect

    import walletpass.errors

    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    classes = [
        name
        for name, value in vars(walletpass.errors).items()
        if inspect.isclass(value)
        and issubclass(value, walletpass.errors.WalletPassError)
        and value is not walletpass.errors.WalletPassError
    ]
    missing = [name for name in classes if not re.search(rf"^\| (↳ )?`{name}`", table, re.M)]
    assert not missing, f"error classes missing from docs/errors.md's table: {missing}"
