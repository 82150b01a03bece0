"""A typed template field is cleared the way every field is: by writing ``""``.

``fields={"gate": None}`` is refused on every provider, and its message says to write ``""``,
which reads back as the field being absent (docs/concepts.md, the neutral model). That held for
untyped fields only: a field whose alias declares a type (``int``, ``decimal``, ``bool``,
``date``, ``datetime``) refused ``""`` as "must be a whole number, got ''", so such a field could
not be cleared at all. ``""`` is no value of any type: it is sent as it is, and the next read
reports the field absent, on the fake, on each vendor's emulator and on its profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import Pass, PassField, PassUpdate, Provider, ValidationError
from walletpass.settings import FieldType
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: A value of each type, and its template field key.
VALUES: dict[FieldType, Any] = {
    FieldType.INT: 5,
    FieldType.DECIMAL: "12.50",
    FieldType.BOOL: True,
    FieldType.DATE: "2026-03-01",
    FieldType.DATETIME: "2026-03-01T10:00:00Z",
    FieldType.TEXT: "gold",
}
KEYS = {kind: f"f_{kind.value}" for kind in VALUES}

#: Per vendor whose reads return template fields: the dashboard and the template's id.
DASHBOARDS: dict[str, tuple[dict[str, Any], str]] = {
    "passentry": (
        {
            "templates": [
                {
                    "uuid": "aaaaaaaaaaaaaaaaaaaaaa09",
                    "pass_type": "generic",
                    "fields": ["fullName", *KEYS.values()],
                }
            ]
        },
        "aaaaaaaaaaaaaaaaaaaaaa09",
    ),
    "pass2u": (
        {"models": [{"id": "9001", "style": "generic", "fields": ["name", *KEYS.values()]}]},
        "9001",
    ),
}


def _templates(template: str) -> dict[str, Any]:
    fields = {kind.value: {"key": KEYS[kind], "type": kind.value} for kind in VALUES}
    return {"card": {"id": template, "kind": "generic", "fields": fields}}


@pytest.fixture(scope="module")
def wallets() -> Iterator[dict[str, Provider]]:
    found: dict[str, Provider] = {"fake": walletpass.connect("fake", templates=_templates("t"))}
    servers = []
    for vendor, (dashboard, template) in DASHBOARDS.items():
        app = load_emulator(vendor, **dashboard)
        server = EmulatorServer(app).__enter__()
        servers.append(server)
        found[vendor] = walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, templates=_templates(template)
        )
        found[f"fake(profile={vendor})"] = walletpass.connect(
            "fake", profile=vendor, templates=_templates(template)
        )
    yield found
    for wallet in found.values():
        wallet.close()
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.parametrize(
    "side", ["fake", "passentry", "fake(profile=passentry)", "pass2u", "fake(profile=pass2u)"]
)
@pytest.mark.parametrize("kind", list(VALUES), ids=lambda kind: kind.value)
def test_writing_blank_clears_a_typed_field(
    wallets: dict[str, Provider], side: str, kind: FieldType
) -> None:
    wallet = wallets[side]
    full = {k.value: v for k, v in VALUES.items()}
    card = wallet.create(Pass(template="card", holder={"name": "Ada Lovelace"}, fields=full))
    assert kind.value in card.fields
    updated = wallet.update(card.id, PassUpdate(fields={kind.value: ""}))
    read = wallet.get(card.id)
    for answer in (updated, read):
        assert kind.value not in answer.fields
        assert set(answer.fields) == set(full) - {kind.value}
    blank = wallet.create(
        Pass(template="card", holder={"name": "Ada Lovelace"}, fields={**full, kind.value: ""})
    )
    assert kind.value not in blank.fields and kind.value not in wallet.get(blank.id).fields


@given(
    kind=st.sampled_from(list(VALUES)),
    blank=st.sampled_from(["", PassField(value="", label="Level")]),
)
def test_blank_is_no_value_of_any_type(kind: FieldType, blank: Any) -> None:
    # Checked before sending, on the way out, for every type: "" passes, None is refused with
    # the advice to write "", and a value that is not of the type is refused.
    with walletpass.connect("fake", templates=_templates("t")) as wallet:
        prepared = wallet.prepare_create(Pass(template="card", fields={kind.value: blank}))
        assert prepared.fields[KEYS[kind]] == blank
        with pytest.raises(ValidationError, match='write ""'):
            PassUpdate(fields={kind.value: None})
        if kind is not FieldType.TEXT:
            with pytest.raises(ValidationError, match=f"fields.{kind.value}"):
                wallet.prepare_create(Pass(template="card", fields={kind.value: "x!"}))
