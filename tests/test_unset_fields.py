"""One rule for a field with no value: it is absent from ``fields``, on every provider and profile.

A field the pass never set (a Pass2U model shows it empty in the ``.pkpass``), one set to empty
text, one cleared with ``None``: vendors answer these as a missing key, ``null`` or ``""``, and
the fake stores nothing. Read back, none of them is in ``IssuedPass.fields``: ``fields`` holds
values only, so a create's answer, the following ``get`` and the profile all report the same.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import Holder, IssuedPass, Pass, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]
VENDORS = ("pass2u", "passentry", "livepasses")
SIDES = [(v, s) for v in VENDORS for s in ("emulator", "profile")] + [("fake", "plain")]


@pytest.fixture(params=SIDES, ids=str)
def wallet(request: pytest.FixtureRequest) -> Iterator[Provider]:
    vendor, side = request.param
    aliases = CONFIG["providers"][vendor]
    templates = {"templates": aliases["templates"]}
    if side != "emulator":
        with walletpass.connect(
            "fake", profile=None if side == "plain" else vendor, **templates
        ) as fake:
            yield fake
        return
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **aliases) as real,
    ):
        yield real


def _no_empty_values(issued: IssuedPass) -> None:
    empty = {k: v for k, v in issued.fields.items() if v is None or v == ""}
    assert not empty, f"fields with no value are reported: {empty}"


def _readable(wallet: Provider) -> bool:
    # Livepasses' lookup carries no business data: its reads leave fields out (declared).
    return getattr(wallet, "profile", None) != "livepasses" and wallet.name != "livepasses"


def _ticket(wallet: Provider, fields: dict[str, Any]) -> IssuedPass:
    return wallet.create(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder=Holder(name="Ada Lovelace"),
            fields=fields,
        )
    )


def test_a_field_never_set_is_absent_from_create_and_get(wallet: Provider) -> None:
    created = _ticket(wallet, {"seat": "12B"})
    _no_empty_values(created)
    assert created.fields == {"seat": "12B"}
    if _readable(wallet):
        read = wallet.get(created.id)
        _no_empty_values(read)
        assert read.fields == created.fields


def test_a_card_without_its_typed_field_reads_back_without_it(wallet: Provider) -> None:
    created = wallet.create(
        Pass(
            template="coffee-card",
            kind="loyalty",
            external_id="M-1001",
            holder=Holder(name="Ada Lovelace"),
        )
    )
    _no_empty_values(created)
    if _readable(wallet):
        read = wallet.get(created.id)
        _no_empty_values(read)
        # The balance field reads what the vendor gave the new pass (PassEntry: 0), from the
        # create's answer as from get.
        assert read.fields.get("points") == created.fields.get("points")


def test_empty_text_and_a_cleared_field_read_back_absent(wallet: Provider) -> None:
    created = _ticket(wallet, {"seat": "12B", "gate": ""})
    _no_empty_values(created)
    assert created.fields == {"seat": "12B"}
    updated = wallet.update(created.id, PassUpdate(fields={"seat": "14C", "gate": "D"}))
    _no_empty_values(updated)
    assert updated.fields["seat"] == "14C" and updated.fields["gate"] == "D"
    if _readable(wallet):
        _no_empty_values(wallet.get(created.id))
