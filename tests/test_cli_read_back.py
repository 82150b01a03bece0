"""The command line shows a pass in the application's terms, and says what an answer cannot show.

``walletpass get`` prints what ``IssuedPass`` carries: the logical template and the vendor's,
the balance, and, where the vendor's read cannot return a part (the Livepasses profile's lookup:
no fields, balance, barcode, links, holder phone or language), a ``not known`` line naming those
parts, so a part missing from the table is not taken for absent. ``--json`` lists them sorted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONFIG = """\
provider = "fake"

[providers.fake]
profile = "livepasses"

[providers.fake.templates.coffee-card]
id = "tmpl-loyalty"
kind = "loyalty"
balance_field = { name = "points", type = "int" }
"""


def _lines(out: str) -> dict[str, str]:
    return {line[:18].strip(): line[18:].strip() for line in out.splitlines()}


def test_get_names_what_the_read_cannot_show_and_create_shows_the_balance(
    cli: Any, isolated: Path
) -> None:
    (isolated / "walletpass.toml").write_text(CONFIG, encoding="utf-8")
    created = cli(
        "create",
        "--template",
        "coffee-card",
        "--holder-name",
        "Ada Lovelace",
        "--field",
        "points=90",
        "--json",
    )
    assert created.code == 0, created.err
    card = created.json()
    assert card["fields"] == {"points": 90} and card["unknown_parts"] == []
    table = cli("get", card["id"]).out
    lines = _lines(table)
    assert lines["template"] == "coffee-card"
    assert lines["vendor template"] == "tmpl-loyalty"
    assert lines["not known"] == "balance, barcode, fields, holder.language, holder.phone, urls"
    assert "field points" not in table
    read = cli("get", card["id"], "--json").json()
    assert (
        read["unknown_parts"]
        == sorted(read["unknown_parts"])
        == [
            "balance",
            "barcode",
            "fields",
            "holder.language",
            "holder.phone",
            "urls",
        ]
    )
    updated = cli("update", card["id"], "--field", "points=95")
    assert updated.code == 0, updated.err
    assert _lines(updated.out)["balance"] == "95"
    assert _lines(updated.out)["field points"] == "95"


def test_a_whole_answer_has_no_not_known_line(cli: Any) -> None:
    created = cli(
        "create", "--template", "vip-ticket", "--kind", "event_ticket", "--field", "seat=12B"
    )
    assert created.code == 0, created.err
    assert "not known" not in created.out
