"""A plugin that reaches its vendor with its own HTTP client, outside the core transport, and a
bulk worker killed while its request is on the wire: the item must be in flight in the journal
(looked up, or reported unknown, by the next run), never taken for unsent and issued twice.

The core transport tells the journal precisely when a request leaves (after the rate limiter's
wait); nothing tells it for a plugin's own client, so an item is in flight from before its
create runs until the core transport says otherwise.
"""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from walletpass import Pass
from walletpass.errors import OutcomeUnknown
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    route,
)

#: The plugin, as a module the worker process and this test both import: creates go out on the
#: plugin's own ``requests`` session (its ``execute_create``); with ``LOOKUP`` it can also look
#: a pass up by external id (on the same client).
PLUGIN = """
from typing import ClassVar

import requests

from walletpass import IssuedPass, Pass, PassStatus, Provider
from walletpass.capabilities import Capabilities, Capability, emulated, native


class OwnClientProvider(Provider):
    name: ClassVar[str] = "ownclient"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /v1/passes, on the plugin's own client"),
            Capability.CREATE_MANY: emulated("one create per pass"),
            Capability.KIND_GENERIC: native("every pass is generic"),
            Capability.EXTERNAL_ID: native("external_id"),
        }
    )
    lookup = False

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": "Bearer sk_own"}

    def execute_create(self, new_pass: Pass) -> IssuedPass:
        answer = requests.post(
            f"{self.settings.base_url}/v1/passes",
            json={"template": new_pass.template, "external_id": new_pass.external_id},
            headers=self.auth_headers(),
            timeout=30,
        )
        answer.raise_for_status()
        return self._issued(answer.json()["id"], new_pass)

    def find_by_external_id(self, new_pass: Pass) -> IssuedPass | None:
        if not self.lookup:
            return super().find_by_external_id(new_pass)
        answer = requests.get(
            f"{self.settings.base_url}/v1/passes",
            params={"external_id": new_pass.external_id},
            headers=self.auth_headers(),
            timeout=30,
        )
        found = answer.json()
        return self._issued(found["id"], new_pass) if found else None

    def _issued(self, pass_id: str, new_pass: Pass) -> IssuedPass:
        return IssuedPass(
            id=pass_id,
            vendor_id=pass_id,
            provider=self.name,
            template=new_pass.template,
            external_id=new_pass.external_id,
            status=PassStatus.ISSUED,
        )


class OwnClientWithLookup(OwnClientProvider):
    lookup = True
"""

WORKER = """
import sys
sys.path.insert(0, sys.argv[1])
from ownclient_plugin import OwnClientProvider, OwnClientWithLookup
from walletpass import Pass

cls = OwnClientWithLookup if sys.argv[4] == "lookup" else OwnClientProvider
wallet = cls(base_url=sys.argv[2], api_key="sk_own")
passes = [Pass(template="coffee", external_id=f"row-{i}") for i in range(5)]
wallet.create_many(passes, journal=sys.argv[3], concurrency=1)
"""


class StampVendor(EmulatorApp):
    """Creates passes (one per request: a duplicate is a second pass) and finds them by external
    id. The create of ``row-2`` acts, then holds its answer until :attr:`answer` is set."""

    prefix = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)
        self.passes: list[tuple[str, str]] = []  # (id, external id), in the order made
        self.acted = threading.Event()
        self.answer = threading.Event()

    @route("POST", "/passes")
    def create(self, request: EmulatorRequest) -> EmulatorResponse:
        body = request.json()
        pass_id = f"st_{next(self.ids)}"
        self.passes.append((pass_id, body["external_id"]))
        if body["external_id"] == "row-2" and not self.acted.is_set():
            self.acted.set()
            self.answer.wait(30)  # the worker is killed meanwhile
        return EmulatorResponse.json_body({"id": pass_id}, 201)

    @route("GET", "/passes", query=["external_id"])
    def find(self, request: EmulatorRequest) -> EmulatorResponse:
        wanted = request.query["external_id"][0]
        found = [pass_id for pass_id, ext in self.passes if ext == wanted]
        return EmulatorResponse.json_body({"id": found[0]} if found else None)


@pytest.mark.parametrize("lookup", [True, False], ids=["vendor can look up", "vendor cannot"])
def test_a_worker_killed_mid_request_on_a_plugins_own_client_never_issues_twice(
    tmp_path: Path, lookup: bool
) -> None:
    (tmp_path / "ownclient_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        from ownclient_plugin import (  # type: ignore[import-not-found]
            OwnClientProvider,
            OwnClientWithLookup,
        )
    finally:
        sys.path.remove(str(tmp_path))
    vendor = StampVendor()
    journal = tmp_path / "run.db"
    with EmulatorServer(vendor) as server:
        mode = "lookup" if lookup else "no"
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), server.url, str(journal), mode]
        )
        try:
            assert vendor.acted.wait(30), "the worker never sent row-2"
            worker.send_signal(signal.SIGKILL)  # its request on the wire, the vendor has acted
            worker.wait(10)
        finally:
            vendor.answer.set()
            if worker.poll() is None:
                worker.kill()
                worker.wait()

        cls: Any = OwnClientWithLookup if lookup else OwnClientProvider
        with cls(base_url=server.url, api_key="sk_own") as wallet:
            rerun = wallet.create_many(
                [Pass(template="coffee", external_id=f"row-{i}") for i in range(5)],
                journal=journal,
                concurrency=1,
            )

    made = [ext for _, ext in vendor.passes]
    assert sorted(made) == [f"row-{i}" for i in range(5)], f"issued twice: {made}"
    row = rerun.items[2]
    if lookup:  # found at the vendor by its external id: settled as issued
        assert row.ok and row.skipped and row.issued is not None
        assert row.issued.id == next(pid for pid, ext in vendor.passes if ext == "row-2")
    else:  # nobody can tell: left for a person to decide, not sent again
        assert isinstance(row.error, OutcomeUnknown)
    assert all(item.ok for i, item in enumerate(rerun.items) if i != 2)
