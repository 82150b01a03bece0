"""The Livepasses profile answers a create as Livepasses does: only the businessData names.

Livepasses keeps a field without a documented businessData name (``tableNumber`` below) in
``personalizations.customFields`` and does not answer it; the fake wearing its profile must not
answer it either, or an application tested against the profile reads a field back that the
vendor never returns.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import walletpass
from walletpass import Holder, IssuedPass, Pass
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
DASHBOARD = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"][
    "livepasses"
]
TEMPLATES = {
    "tasting": {"id": "tmpl-tasting", "kind": "event_ticket", "fields": {"seat": "seatNumber"}}
}


def _ticket() -> Pass:
    return Pass(
        template="tasting",
        kind="event_ticket",
        holder=Holder(name="Ada Lovelace"),
        fields={"seat": "12B", "gateInfo": "C", "tableNumber": "7"},
    )


def _seen(issued: IssuedPass) -> dict[str, Any]:
    return {"template": issued.template, "fields": issued.fields}


def test_a_custom_field_is_sent_but_not_answered_on_both() -> None:
    app = load_emulator("livepasses", **DASHBOARD)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "livepasses", base_url=server.url, api_key=app.api_key, templates=TEMPLATES
        ) as real,
    ):
        vendor = _seen(real.create(_ticket()))
        sent = app.journal.last().json()
    with walletpass.connect("fake", profile="livepasses", templates=TEMPLATES) as fake:
        profile = _seen(fake.create(_ticket()))
    assert sent["passes"][0]["personalizations"]["customFields"] == {"tableNumber": "7"}
    assert vendor == {"template": "tasting", "fields": {"seat": "12B", "gateInfo": "C"}}
    assert profile == vendor
