"""The smallest plugin (examples/minimal_plugin.py) passes the conformance suite, and stays small.

A create-only vendor is served by a small emulator over real HTTP on 127.0.0.1; the suite checks
every declaration: creates work and carry the holder and fields, every other operation and field
is refused before sending.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from walletpass import Holder, Pass
from walletpass.provider import Provider
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    route,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "minimal_plugin.py"

#: The plugin part of the example (between its snippet marks, blank lines aside), as
#: docs/plugins.md promises.
MAX_PLUGIN_LINES = 40


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location("minimal_plugin", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


StampProvider: type[Provider] = _load_example().StampProvider


class StampEmulator(EmulatorApp):
    """Stamp's one documented route: ``POST /v1/passes`` with a bearer key, answering an id."""

    prefix = "/v1"
    api_key = "sk_conformance"

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)

    @route("POST", "/passes")
    def create(self, request: EmulatorRequest) -> EmulatorResponse:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return EmulatorResponse.json_body({"error": "unauthorized"}, 401)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("template"), str):
            return EmulatorResponse.json_body({"error": "template is required"}, 400)
        return EmulatorResponse.json_body({"id": f"st_{next(self.ids)}"}, 201)


@pytest.fixture
def stamp() -> Iterator[EmulatorServer]:
    with EmulatorServer(StampEmulator()) as server:
        yield server


class TestMinimalPluginConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, stamp: EmulatorServer) -> Iterator[ConformanceSetup]:
        journal = stamp.app.journal  # type: ignore[attr-defined]  # the StampEmulator's
        with StampProvider(base_url=stamp.url, api_key=StampEmulator.api_key) as wallet:
            yield ConformanceSetup(
                wallet,
                Pass(template="coffee", holder=Holder(name="Ada Lovelace"), fields={"stamps": 3}),
                sent=lambda: len(journal),
            )


def test_the_minimal_plugin_stays_small() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    plugin = text.split("# --8<-- [start:plugin]")[1].split("# --8<-- [end:plugin]")[0]
    lines = [line for line in plugin.splitlines() if line.strip()]
    assert len(lines) <= MAX_PLUGIN_LINES, f"the minimal plugin grew to {len(lines)} lines"
