"""Every distribution in the repository declares its licence the current way (an SPDX expression and
the licence file it ships), so installing them prints none of setuptools' deprecation warnings."""

from __future__ import annotations

import os
import tomllib
import warnings
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = sorted(
    [
        ROOT / "pyproject.toml",
        ROOT / "examples/plugin_template/pyproject.toml",
        *ROOT.glob("providers/*/pyproject.toml"),
    ]
)


@pytest.mark.parametrize("pyproject", PROJECTS, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_licence_metadata_is_spdx_with_its_file(
    pyproject: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert not [c for c in project.get("classifiers", []) if c.startswith("License ::")]
    for name in project["license-files"]:
        assert (pyproject.parent / name).read_text(encoding="utf-8").strip()
    monkeypatch.chdir(pyproject.parent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = Distribution()
        apply_configuration(dist, os.fspath(pyproject))
    # (A ResourceWarning is another test's garbage collected meanwhile, not setuptools'.)
    deprecations = [
        str(w.message).splitlines()[0]
        for w in caught
        if not issubclass(w.category, ResourceWarning)
    ]
    assert deprecations == []
    assert dist.metadata.license_expression == "Apache-2.0"


def test_every_build_asks_for_a_setuptools_that_reads_spdx_licences() -> None:
    for pyproject in PROJECTS:
        requires = tomllib.loads(pyproject.read_text(encoding="utf-8"))["build-system"]["requires"]
        assert "setuptools>=77" in requires, pyproject
