"""The public names: all importable from ``walletpass``, loaded only when first used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import walletpass


def test_every_public_name_resolves_to_the_object_of_its_module() -> None:
    import walletpass.config
    import walletpass.model

    assert walletpass.Pass is walletpass.model.Pass
    assert walletpass.connect is walletpass.config.connect
    for name in walletpass.__all__:
        assert getattr(walletpass, name) is not None, name


def test_star_import_and_dir_list_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from walletpass import *", namespace)
    assert set(walletpass.__all__) <= set(namespace)
    assert set(walletpass.__all__) <= set(dir(walletpass))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Passs'"):
        walletpass.Passs  # noqa: B018
    with pytest.raises(ImportError):
        exec("from walletpass import Passs", {})


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


def test_importing_walletpass_loads_neither_the_model_nor_its_dependencies() -> None:
    # What keeps `walletpass --help`, the pytest plugin and an application's start-up fast.
    loaded = _modules_after("import walletpass")
    assert not {"walletpass.model", "walletpass.provider", "pydantic", "requests"} & loaded


def test_first_use_loads_what_it_needs() -> None:
    loaded = _modules_after("import walletpass\nwalletpass.Pass(template='t')")
    assert {"walletpass.model", "pydantic"} <= loaded
