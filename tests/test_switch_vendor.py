"""Switching vendors by configuration: the same application code, three providers.

The application below knows one logical template ("vip-ticket") and one logical field ("seat").
``walletpass.toml`` maps them, per provider, to that vendor's template / model id and field keys;
secrets and vendor addresses come from the environment. Between runs only the configured provider
name changes (``WALLETPASS_PROVIDER``, or the file's ``provider`` key), and the pass is issued by
the embedded fake, by Pass2U and by PassEntry (the vendors through their emulators over HTTP on
127.0.0.1), each receiving its own template id and field keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import Barcode, Holder, IssuedPass, Pass
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

PASS2U_MODEL = "7001"
PASSENTRY_TEMPLATE = "5f0e9c1d2b3a4f5e6d7c8b9a"

CONFIG = f"""
provider = "fake"

[providers.fake]
path = "passes.sqlite3"

[providers.fake.templates.vip-ticket]
id = "fake-vip"
kind = "event_ticket"

[providers.pass2u.templates.vip-ticket]
id = "{PASS2U_MODEL}"
fields = {{ seat = "seat_no" }}

[providers.passentry.templates.vip-ticket]
id = "{PASSENTRY_TEMPLATE}"
fields = {{ seat = "seatNumber" }}
"""


# --------------------------------------------------------------------------------------------
# The application: no vendor name, no vendor id, no vendor field key
# --------------------------------------------------------------------------------------------


def issue_vip_ticket(name: str, seat: str, code: str) -> tuple[IssuedPass, IssuedPass]:
    """Issue a ticket and read it back, as an application's checkout would."""
    with walletpass.from_config() as wallet:
        ticket = wallet.create(
            Pass(
                template="vip-ticket",
                holder=Holder(name=name),
                barcode=Barcode(message=code),
                fields={"seat": seat},
            )
        )
        return ticket, wallet.get(ticket.id)


# --------------------------------------------------------------------------------------------
# The environment around it
# --------------------------------------------------------------------------------------------


@pytest.fixture
def vendors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Both vendor emulators running, their addresses and keys in the environment."""
    for key in list(os.environ):
        if key.startswith("WALLETPASS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "walletpass.toml").write_text(CONFIG)
    pass2u = load_emulator(
        "pass2u",
        models=[{"id": PASS2U_MODEL, "style": "eventTicket", "fields": ["name", "seat_no"]}],
    )
    passentry = load_emulator(
        "passentry",
        templates=[
            {
                "uuid": PASSENTRY_TEMPLATE,
                "pass_type": "eventTicket",
                "fields": ["fullName", "seatNumber"],
            }
        ],
    )
    with EmulatorServer(pass2u) as p2u_server, EmulatorServer(passentry) as pe_server:
        monkeypatch.setenv("WALLETPASS_PASS2U_BASE_URL", p2u_server.url)
        monkeypatch.setenv("WALLETPASS_PASS2U_API_KEY", pass2u.api_key)
        monkeypatch.setenv("WALLETPASS_PASSENTRY_BASE_URL", pe_server.url)
        monkeypatch.setenv("WALLETPASS_PASSENTRY_API_KEY", passentry.api_key)
        yield {"pass2u": pass2u, "passentry": passentry}


def test_only_the_configured_provider_name_changes(
    vendors: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    issued: dict[str, tuple[IssuedPass, IssuedPass]] = {}
    for provider in ("fake", "pass2u", "passentry"):
        monkeypatch.setenv("WALLETPASS_PROVIDER", provider)
        issued[provider] = issue_vip_ticket("Ada Lovelace", "12B", "VIP-1003")

    for provider, (ticket, read_back) in issued.items():
        assert ticket.provider == read_back.provider == provider
        assert read_back.id == ticket.id
        assert read_back.holder == Holder(name="Ada Lovelace")

    # Each vendor got its own template id and its own field key for the logical "seat".
    fake_ticket, _ = issued["fake"]
    # Every provider reads back in the application's terms: logical template, logical keys.
    for ticket, read_back in issued.values():
        assert (ticket.template, ticket.fields) == ("vip-ticket", {"seat": "12B"})
        assert (read_back.template, read_back.fields) == ("vip-ticket", {"seat": "12B"})
    assert fake_ticket.vendor_template == "fake-vip"
    assert fake_ticket.kind is walletpass.PassKind.EVENT_TICKET
    assert (tmp_path / "passes.sqlite3").is_file()  # the fake's own setting from the file

    p2u_ticket, p2u_back = issued["pass2u"]
    assert p2u_ticket.vendor_template == p2u_back.vendor_template == PASS2U_MODEL
    [p2u_create, p2u_get] = vendors["pass2u"].journal.entries
    assert (p2u_create.method, p2u_create.path) == ("POST", f"/models/{PASS2U_MODEL}/passes")
    assert p2u_create.json() == {
        "barcode": {"message": "VIP-1003"},
        "fields": [
            {"key": "seat_no", "value": "12B"},
            {"key": "name", "value": "Ada Lovelace"},  # holder.name, kept in the "name" field
        ],
    }
    assert p2u_get.method == "GET" and p2u_get.path.startswith(f"/models/{PASS2U_MODEL}/passes/")

    pe_ticket, pe_back = issued["passentry"]
    assert pe_ticket.vendor_template == pe_back.vendor_template == PASSENTRY_TEMPLATE
    [pe_create, pe_get] = vendors["passentry"].journal.entries
    assert (pe_create.method, pe_create.path) == ("POST", "/api/v1/passes")
    assert pe_create.query == {"passTemplate": [PASSENTRY_TEMPLATE]}
    body = pe_create.json()["pass"]
    assert body["fullName"] == {"value": "Ada Lovelace"}
    assert body["seatNumber"] == {"value": "12B"}
    assert "seat" not in body
    assert (pe_get.method, pe_get.path) == ("GET", f"/api/v1/passes/{pe_ticket.id}")


def test_the_file_alone_can_switch_the_vendor(vendors: dict[str, Any], tmp_path: Path) -> None:
    config = tmp_path / "walletpass.toml"
    config.write_text(CONFIG.replace('provider = "fake"', 'provider = "passentry"', 1))
    ticket, _ = issue_vip_ticket("Grace Hopper", "3A", "VIP-2")
    assert ticket.provider == "passentry" and ticket.fields == {"seat": "3A"}
    config.write_text(CONFIG.replace('provider = "fake"', 'provider = "pass2u"', 1))
    ticket, _ = issue_vip_ticket("Grace Hopper", "3A", "VIP-2")
    assert ticket.provider == "pass2u" and ticket.fields == {"seat": "3A"}
    assert len(vendors["passentry"].journal) == len(vendors["pass2u"].journal) == 2


def test_a_vendor_that_cannot_carry_what_the_app_sends_says_so_before_sending(
    vendors: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switching is honest: a field the new vendor lacks is refused, not silently dropped."""
    monkeypatch.setenv("WALLETPASS_PROVIDER", "pass2u")
    with walletpass.from_config() as wallet, pytest.raises(walletpass.UnsupportedFeature) as caught:
        wallet.create(Pass(template="vip-ticket", holder=Holder(email="ada@example.com")))
    assert caught.value.features == ("holder.email",)
    assert len(vendors["pass2u"].journal) == 0
    monkeypatch.setenv("WALLETPASS_PROVIDER", "fake")
    with walletpass.from_config() as wallet:
        ticket = wallet.create(Pass(template="vip-ticket", holder=Holder(email="ada@example.com")))
    assert ticket.holder == Holder(email="ada@example.com")


@pytest.mark.parametrize("provider", ["pass2u", "passentry"])
def test_updates_use_the_same_logical_field_names(
    vendors: dict[str, Any], monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    """An update renames alias fields too, even where the pass id does not name the template
    (PassEntry): walletpass reads the pass's template back instead of sending "seat" as is."""
    monkeypatch.setenv("WALLETPASS_PROVIDER", provider)
    ticket, _ = issue_vip_ticket("Ada Lovelace", "12B", "VIP-7")
    before = len(vendors[provider].journal.entries)
    with walletpass.from_config() as wallet:
        wallet.update(ticket.id, {"fields": {"seat": "14C"}})
        updating = vendors[provider].journal.entries[before:]
        after = wallet.get(ticket.id)
    # what docs/concepts.md states: Pass2U's id names the template, PassEntry's is read back
    # first (Pass2U reads the pass after its PUT: its answer is partial)
    methods = [e.method for e in updating]
    assert methods == {"pass2u": ["PUT", "GET"], "passentry": ["GET", "PATCH"]}[provider]
    vendor_key = {"pass2u": "seat_no", "passentry": "seatNumber"}[provider]
    assert after.fields["seat"] == "14C"
    assert vendor_key not in after.fields
    sent = [e for e in vendors[provider].journal.entries if e.method in ("PUT", "PATCH")]
    assert len(sent) == 1
    assert vendor_key in sent[0].body.decode() and '"seat"' not in sent[0].body.decode()
