"""Start-up: what ``import walletpass``, ``connect('fake')`` and one ``create`` load.

The start-up benchmark (``benchmarks/run.py --only startup``) measures this path against the
import time of walletpass's dependencies; these tests keep what it does not need from creeping
back onto it (each module below cost measurable start-up time when it was loaded there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIRST_CREATE = (
    "import walletpass\n"
    "w = walletpass.connect('fake')\n"
    "w.create(walletpass.Pass(template='t', fields={'name': 'Ada'}))\n"
    "w.close()\n"
)

#: The HTTP side: loaded with the first transport, request sent or error answer read. The fake
#: sends nothing, so its first create needs none of it.
HTTP_SIDE = {
    "walletpass.transport",
    "walletpass.transport_setup",
    "walletpass.sending",
    "walletpass.send_checks",
    "walletpass.retry",
    "walletpass.error_mapping",
    "walletpass.pools",
    "walletpass.forks",
    "walletpass.ratelimit",
    "walletpass.accounts",
    "walletpass.urls",
    "requests",
    "urllib3",
    "http.client",
    "ssl",
    "httpx",
    "aiohttp",
}

#: Loaded by the operations, files and features that need them, never by a first create.
ELSEWHERE = {
    "walletpass.bulk",
    "walletpass.journal",
    "walletpass.aio",
    "walletpass.celery",
    "walletpass.cli",
    "walletpass.matrix",
    "walletpass.redis_limiter",
    "walletpass.pgjournal",
    "tomllib",  # a configuration file to read
    "difflib",  # an unknown name to match
    "walletpass.timestamps",  # a webhook delivery to read
    "walletpass.events",  # the event models: a delivery to read, a handler to call
    "walletpass.results",  # Redemption, BulkItem, BulkResult: a redeem, a bulk run
    # pydantic's serializer decorators (9 M instructions to import): a field's core schema
    # carries its own serializer instead (walletpass.model._SortedInJson)
    "pydantic.functional_serializers",
}


def _modules_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return set(json.loads(out))


@pytest.fixture(scope="module")
def after_first_create() -> set[str]:
    return _modules_after(FIRST_CREATE)


def _loaded(loaded: set[str], names: set[str]) -> list[str]:
    return sorted(m for m in loaded if m in names or m.rsplit(".", 1)[0] in names)


def test_the_fakes_first_create_loads_nothing_of_the_http_side(
    after_first_create: set[str],
) -> None:
    assert "walletpass.fake" in after_first_create  # the path ran
    assert _loaded(after_first_create, HTTP_SIDE) == []


def test_the_fakes_first_create_loads_no_operation_it_does_not_run(
    after_first_create: set[str],
) -> None:
    assert _loaded(after_first_create, ELSEWHERE) == []


#: Records on the first create are NamedTuples or plain classes: a dataclass's generated methods
#: cost 2 to 10 M instructions each to compile at import (more with more fields), and this path
#: had 17 of them. What may still be built here, and why.
DATACLASSES_ALLOWED = {
    "walletpass.config.ResolvedConfig",  # mutable, its repr masks secrets
}

COUNT_DATACLASSES = (
    "import dataclasses, json\n"
    "built = []\n"
    "real = dataclasses._process_class\n"
    "def counting(cls, *args, **kw):\n"
    "    built.append(f'{cls.__module__}.{cls.__qualname__}')\n"
    "    return real(cls, *args, **kw)\n"
    "dataclasses._process_class = counting\n"
)


def test_the_fakes_first_create_builds_no_dataclass_of_its_own() -> None:
    out = _run(COUNT_DATACLASSES + FIRST_CREATE + "print(json.dumps(sorted(set(built))))")
    built = {name for name in json.loads(out) if name.startswith("walletpass")}
    assert built <= DATACLASSES_ALLOWED


def test_the_http_side_loads_with_the_first_transport() -> None:
    # The lazy imports are where the HTTP side is first needed: a provider's transport.
    loaded = _modules_after(
        FIRST_CREATE
        + "from walletpass.provider import ErrorRule\n"
        + "p = walletpass.connect('fake', base_url='https://vendor.example')\n"
        + "p.transport\n"
    )
    assert {"walletpass.transport", "walletpass.error_mapping", "urllib3"} <= loaded


def test_the_error_mapping_stays_importable_from_the_provider_module() -> None:
    from walletpass import error_mapping, provider

    assert provider.ErrorRule is error_mapping.ErrorRule
    assert provider.ErrorInfo is error_mapping.ErrorInfo
    assert provider.DEFAULT_ERROR_TABLE is error_mapping.DEFAULT_ERROR_TABLE
    with pytest.raises(AttributeError, match="no attribute 'ErrorRules'"):
        provider.ErrorRules  # noqa: B018


def test_the_fakes_first_create_builds_no_result_model_it_does_not_return() -> None:
    # Each pydantic class costs 1 to 2 M instructions to make: a redeem's and a bulk run's
    # results are made with their first use.
    out = _run(
        FIRST_CREATE + "import walletpass.model as m\n"
        "print(sorted({'Redemption', 'BulkItem', 'BulkResult'} & set(vars(m))))"
    )
    assert out == "[]"


def test_the_results_built_later_keep_walletpass_model_as_their_home() -> None:
    # Built with their first use (walletpass.results), named where they always were: pickles,
    # reprs and imports of walletpass.model.Redemption keep working.
    out = _run(
        "import pickle, walletpass.model as m\n"
        "from walletpass import BulkItem, BulkResult, Redemption\n"
        "r = BulkResult(items=[BulkItem(index=0, external_id='C1')])\n"
        "assert pickle.loads(pickle.dumps(r)) == r\n"
        "print([(c.__module__, c.__qualname__, getattr(m, c.__qualname__) is c)"
        " for c in (Redemption, BulkItem, BulkResult)])"
    )
    assert out == str(
        [("walletpass.model", name, True) for name in ("Redemption", "BulkItem", "BulkResult")]
    )
    with pytest.raises(AttributeError, match="no attribute 'Redemptions'"):
        import walletpass.model

        walletpass.model.Redemptions  # noqa: B018


def _run(code: str, *, path: str | None = None) -> str:
    env = dict(os.environ)
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    if path is not None:
        env["PYTHONPATH"] = path
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout.strip()


COUNT_PYDANTIC_SCANS = (
    "import importlib.metadata as m\n"
    "scans = []\n"
    "real = m.entry_points\n"
    "def counting(**kw):\n"
    "    scans.append(kw.get('group'))\n"
    "    return real(**kw)\n"
    "m.entry_points = counting\n"
)


def test_pydantic_does_not_scan_again_for_plugins_when_none_is_installed() -> None:
    # Finding the provider read every installed entry point; pydantic's own scan for its
    # plugins (as long as importing walletpass's modules) is spared when it would find none.
    out = _run(COUNT_PYDANTIC_SCANS + FIRST_CREATE + "print(scans.count('pydantic'))")
    assert out == "0"


def test_an_installed_pydantic_plugin_is_still_loaded_and_used(tmp_path: Path) -> None:
    dist = tmp_path / "watching_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: watching-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pydantic]\nwatching = watching_plugin:plugin\n")
    (tmp_path / "watching_plugin.py").write_text(
        "seen = []\n"
        "class _Plugin:\n"
        "    def new_schema_validator(self, schema, schema_type, path, kind, config, settings):\n"
        "        seen.append(path.name)\n"
        "        return None, None, None\n"
        "plugin = _Plugin()\n"
    )
    out = _run(
        FIRST_CREATE + "import watching_plugin; print(sorted(set(watching_plugin.seen)))",
        path=str(tmp_path),
    )
    assert "Pass" in out and "FakeSettings" in out
