"""A write reports every field the vendor accepted, on Livepasses and on its profile alike.

Livepasses keeps a field without a documented businessData name (``tableNumber`` below) in
``personalizations.customFields`` and does not answer it, and its lookup has no fields at all.
The core's rule (docs/concepts.md, "What a write reports"): a write reports what was sent,
overlaid by what the vendor answered, so ``"tableNumber" in issued.fields`` means the pass has
it; where the answer cannot show the whole field set (an update's answer, a read without
fields) ``unknown_parts`` says ``"fields"``: a key missing there is not known to be absent.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import walletpass
from walletpass import Holder, IssuedPass, Pass, PassUpdate
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
    return {"template": issued.template, "fields": issued.fields, "unknown": issued.unknown_parts}


def _on_both(action: Callable[[walletpass.Provider], Any]) -> tuple[Any, Any, Any]:
    """``action`` on Livepasses' emulator and on its profile, and the last body sent."""
    app = load_emulator("livepasses", **DASHBOARD)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "livepasses", base_url=server.url, api_key=app.api_key, templates=TEMPLATES
        ) as real,
    ):
        vendor = action(real)
        sent = app.journal.last().json()
    with walletpass.connect("fake", profile="livepasses", templates=TEMPLATES) as fake:
        return vendor, action(fake), sent


def test_a_custom_field_is_sent_but_not_answered_on_both() -> None:
    vendor, profile, sent = _on_both(lambda wallet: _seen(wallet.create(_ticket())))
    assert sent["passes"][0]["personalizations"]["customFields"] == {"tableNumber": "7"}
    assert vendor == {
        "template": "tasting",
        "fields": {"seat": "12B", "gateInfo": "C", "tableNumber": "7"},
        "unknown": frozenset(),
    }
    assert profile == vendor


def _moves(wallet: walletpass.Provider) -> list[dict[str, Any]]:
    ticket = wallet.create(_ticket())
    moved = wallet.update(ticket.id, PassUpdate(fields={"seat": "12C"}))
    return [_seen(moved), _seen(wallet.get(ticket.id))]


def test_an_update_and_a_read_say_their_fields_are_not_all_known() -> None:
    vendor, profile, _ = _on_both(_moves)
    # Every part the lookup has no value for (businessData, qrCode, wallet links, the
    # customer's phone and language): not known, rather than absent; the update read back has
    # only those it set.
    unknown = frozenset({"fields", "balance", "barcode", "urls", "holder.phone", "holder.language"})
    assert vendor == [
        {"template": "tasting", "fields": {"seat": "12C"}, "unknown": unknown},
        {"template": "tasting", "fields": {}, "unknown": unknown},
    ]
    assert profile == vendor


def test_where_reads_return_fields_nothing_is_marked_unknown() -> None:
    with walletpass.connect("fake", profile="passentry") as fake:
        ticket = fake.create(Pass(template="t", kind="event_ticket", fields={"seat": "1A"}))
        moved = fake.update(ticket.id, PassUpdate(fields={"seat": "2B"}))
        # PassEntry's pass resource (its update's answer, its read) has no loyalty balance, and
        # an event ticket keeps none on PassEntry: known absent, so nothing is unknown.
        assert [p.unknown_parts for p in (ticket, moved, fake.get(ticket.id))] == [
            frozenset(),
            frozenset(),
            frozenset(),
        ]
