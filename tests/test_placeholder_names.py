"""An ambiguous ``%@`` is refused naming the fields as the application wrote them.

The refusal comes after the template alias turned the update into the vendor's terms; it must
still say ``fields.points`` (a ``balance_field``), ``fields.seat`` (renamed to the vendor's
``seat_no``) and ``holder.name`` (kept in a template field), never the vendor's key or
``balance``, on every provider that sends the message as free text, and on its profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import walletpass
from walletpass import Holder, Pass, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

TEMPLATES = {
    "card": {
        "id": "19cb334f9696e64e10e7759f",
        "kind": "loyalty",
        "balance_field": {"name": "points", "type": "int"},
        "fields": {"seat": "seat_no"},
        "attributes": {"holder.name": "fullName"},
    }
}
DASHBOARD = {
    "templates": [
        {
            "uuid": "19cb334f9696e64e10e7759f",
            "pass_type": "storeCard",
            "fields": ["fullName", "seat_no", "gate"],
        }
    ]
}


@pytest.fixture(params=["fake", "profile", "passentry"])
def wallet(request: pytest.FixtureRequest) -> Iterator[Provider]:
    if request.param != "passentry":
        profile: dict[str, Any] = {"profile": "passentry"} if request.param == "profile" else {}
        with walletpass.connect("fake", templates=TEMPLATES, **profile) as fake:
            yield fake
        return
    app = load_emulator("passentry", **DASHBOARD)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "passentry", base_url=server.url, api_key=app.api_key, templates=TEMPLATES
        ) as real,
    ):
        yield real


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"fields": {"points": 5, "seat": "2A"}}, "fields.points, fields.seat"),
        ({"fields": {"seat": "2A", "gate": "B"}}, "fields.gate, fields.seat"),
        ({"fields": {"points": 5}, "holder": {"name": "Ada Byron"}}, "fields.points, holder.name"),
    ],
)
def test_the_refusal_names_the_applications_fields(
    wallet: Provider, change: dict[str, Any], named: str
) -> None:
    card = wallet.create(
        Pass(
            template="card",
            kind="loyalty",
            holder=Holder(name="Ada Lovelace"),
            fields={"points": 1},
        )
    )
    with pytest.raises(walletpass.ValidationError) as refused:
        wallet.update(card.id, PassUpdate(message="Now %@", **change))
    text = str(refused.value)
    assert f"this update changes {named}:" in text
    for vendor_word in ("seat_no", "fullName", "balance"):
        assert vendor_word not in text


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"expires_at": "2031-01-01T00:00:00Z"},
            "none of them (only expires_at, which a message is never about)",
        ),
        (
            {"expires_at": "2031-01-01T00:00:00Z", "tier": "gold"},
            "none of them (only expires_at, tier, which a message is never about)",
        ),
    ],
)
def test_an_update_of_no_such_value_is_refused_saying_what_it_changes(
    change: dict[str, Any], named: str
) -> None:
    # An update changing only what a message is never about is told what it changes, not that
    # it "changes no value".
    with walletpass.connect("fake") as wallet:
        card = wallet.create(Pass(template="card", kind="loyalty"))
        with pytest.raises(walletpass.ValidationError) as refused:
            wallet.update(card.id, PassUpdate(message="Now %@", **change))
    text = str(refused.value)
    assert f"this update changes {named}:" in text
