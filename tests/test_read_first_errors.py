"""An operation that reads before it writes fails in its own name (issue 14, verifier finding).

An ``update()`` through a template alias whose id does not name its template reads the pass
first (PassEntry, Livepasses); an emulated ``redeem()`` reads it to refuse what cannot be
redeemed (Pass2U, PassEntry); Livepasses' redeem may look the pass up to choose its verb. When
that read fails, the error names the operation the application called (``update``,
``redeem``), never ``get``: on every vendor's emulator over HTTP on 127.0.0.1, for a missing
pass, an unreadable answer and a vendor outage alike; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import walletpass
from walletpass import PassUpdate, Provider, WalletPassError
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.emulators import load_emulator

from .test_after_delete import CONFIG, DASHBOARDS, ticket

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Per vendor, the path pattern of its read of one pass.
READS = {
    "pass2u": r".*/models/[^/]+/passes/[^/]+",
    "passentry": r".*/passes/[^/]+",
    "livepasses": r".*/api/passes/lookup",
}

#: The calls that read first: (the operation named, the call on a pass id).
CALLS: dict[str, tuple[str, Callable[[Provider, str], Any]]] = {
    "update": ("update", lambda w, i: w.update(i, PassUpdate(fields={"seat": "14C"}))),
    "redeem": ("redeem", lambda w, i: w.redeem(i)),
}

FAULTS = {
    "outage": Fault.respond(503, {"error": "down"}),
    "unreadable": Fault.malformed(),
}


@contextmanager
def fresh(vendor: str) -> Iterator[tuple[Provider, str, Any]]:
    """A ticket created by one connection, and a second connection that has never seen it (so
    it must ask the vendor which template the pass is of), with the emulator."""
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    settings = CONFIG["providers"][vendor]
    with EmulatorServer(app) as server:
        with walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, **settings
        ) as first:
            issued = first.create(ticket())
        with walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, **settings
        ) as second:
            yield second, issued.id, app


def _reads_first(vendor: str, call: str) -> bool:
    # Pass2U's update names the model in its path (no read); Livepasses' redeem of a ticket
    # reads to choose its verb; every other pairing here reads first.
    return not (vendor == "pass2u" and call == "update")


CASES = [
    pytest.param(vendor, call, fault, id=f"{vendor}-{call}-{fault}")
    for vendor in READS
    for call in CALLS
    for fault in ("missing", *FAULTS)
    if _reads_first(vendor, call)
]


@pytest.mark.parametrize(("vendor", "call", "fault"), CASES)
def test_a_failed_read_is_reported_as_the_operation_called(
    vendor: str, call: str, fault: str
) -> None:
    operation, action = CALLS[call]
    with fresh(vendor) as (wallet, pass_id, app):
        target = pass_id
        if fault == "missing":  # an id of the right shape that the vendor never issued
            last = "1" if pass_id[-1] != "1" else "2"
            target = pass_id[:-1] + last
        else:
            app.inject(FAULTS[fault], method="GET", path=READS[vendor], times=10)
        before = len(app.journal.entries)
        with pytest.raises(WalletPassError) as failed:
            action(wallet, target)
        assert failed.value.operation == operation, repr(failed.value)
        assert failed.value.provider == vendor
        written = [e.method for e in app.journal.entries[before:] if e.method in WRITES]
        assert not written
