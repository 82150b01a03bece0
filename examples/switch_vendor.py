"""Switching vendors by configuration: one coffee-shop application, three providers, no code change.

``coffee_shop()`` below is application code: it enrols a member on a loyalty card (member number,
name, points), tops the points up, reads the card back, issues a tasting ticket, scans it twice,
reads it back and spends points. It names *logical* templates ("coffee-card", "tasting") and its
own field names ("points", "seat", "gate"), never a vendor. ``walletpass.toml`` maps them per
provider; the environment says which provider to use and holds the secret. The script runs the
same function on the built-in fake, on PassEntry and on Pass2U (their emulators, served on
127.0.0.1 here, stand in for the real APIs, so no key and no network are needed) and prints what
the application reads back: the same lines on every provider. The card's points are its balance
where the vendor keeps balances (the alias's ``balance_field``: the fake, and PassEntry's loyalty
balance), so spending points works there; Pass2U has no balances (its points are a model field),
so it refuses the spend before sending.

    python examples/switch_vendor.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import walletpass
from walletpass import Holder, IssuedPass, Pass, PassUpdate
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: A committed configuration file: templates per provider, never a secret.
CONFIG = """\
provider = "fake"

[providers.fake]
path = "{fake_path}"

[providers.fake.templates.coffee-card]
id = "coffee-card"
kind = "loyalty"
balance_field = {{ name = "points", type = "int" }}  # the points are the card's balance

[providers.fake.templates.tasting]
id = "tasting"
kind = "event_ticket"

# PassEntry: our templates' UUIDs; the holder's name goes to fullName (the default); the points
# are the pass's loyalty balance.
[providers.passentry.templates.coffee-card]
id = "5f0e9c1d2b3a4f5e6d7c8b9a"
kind = "loyalty"
balance_field = {{ name = "points", type = "int" }}

[providers.passentry.templates.tasting]
id = "19cb334f9696e64e10e7759f"
kind = "event_ticket"

# Pass2U: our models; Pass2U has no external id, so the member number lives in a model field.
[providers.pass2u.templates.coffee-card]
id = "7001"
kind = "loyalty"
fields = {{ points = {{ key = "stamps", type = "int" }} }}
attributes = {{ external_id = "member_no", "holder.name" = "name" }}

[providers.pass2u.templates.tasting]
id = "7002"
kind = "event_ticket"
fields = {{ seat = "seat_no" }}
"""

#: The templates as we designed them in each vendor's dashboard (seeded into the emulators).
DASHBOARDS = {
    "passentry": {
        "templates": [
            {
                "uuid": "5f0e9c1d2b3a4f5e6d7c8b9a",
                "pass_type": "storeCard",
                "fields": ["fullName", "stamps"],
            },
            {
                "uuid": "19cb334f9696e64e10e7759f",
                "pass_type": "eventTicket",
                "fields": ["fullName", "seat", "gate"],
            },
        ]
    },
    "pass2u": {
        "models": [
            {"id": "7001", "style": "storeCard", "fields": ["name", "member_no", "stamps"]},
            {"id": "7002", "style": "eventTicket", "fields": ["name", "seat_no", "gate"]},
        ]
    },
}


def card_line(card: IssuedPass) -> str:
    holder = card.holder.display_name if card.holder else None
    points = card.fields.get("points")
    return f"{card.template} {card.external_id} {holder}: {points!r} points ({card.status})"


def ticket_line(ticket: IssuedPass) -> str:
    seat, gate = ticket.fields.get("seat"), ticket.fields.get("gate")
    used = "used" if ticket.status.is_final else "valid"
    return f"{ticket.template} seat {seat} gate {gate}: {used}"


def coffee_shop() -> None:
    """The application. No vendor named, no vendor id, no vendor field key."""
    with walletpass.from_config() as wallet:

        def say(step: str, text: str) -> None:
            print(f"   [{wallet.name}] {step:<10} {text}")

        card = wallet.create(
            Pass(
                template="coffee-card",
                kind="loyalty",
                external_id="M-1001",
                holder=Holder(name="Ada Lovelace"),
                fields={"points": 90},
            )
        )
        say("enrolled", card_line(card))
        change = PassUpdate(fields={"points": 95}, message="You now have %@ points")
        say("topped up", f"{wallet.update(card.id, change).fields['points']!r} points")
        say("read back", card_line(wallet.get(card.id)))

        ticket = wallet.create(
            Pass(
                template="tasting",
                kind="event_ticket",
                holder=Holder(name="Ada Lovelace"),
                fields={"seat": "12B", "gate": "C"},
            )
        )
        say("ticket", ticket_line(ticket))
        say("scanned", str(wallet.redeem(ticket.id).status))
        try:
            wallet.redeem(ticket.id)
        except walletpass.AlreadyRedeemed as exc:
            say("rescanned", f"refused: {type(exc).__name__}")
        say("read back", ticket_line(wallet.get(ticket.id)))

        try:
            spent = wallet.redeem(card.id, amount=5)
        except walletpass.UnsupportedFeature as exc:
            say("spend 5", f"refused before sending: {type(exc).__name__} ({exc.features[0]})")
        except walletpass.BusinessRuleError as exc:
            say("spend 5", f"refused by the vendor: {type(exc).__name__}")
        else:
            say("spend 5", f"{spent.status}, {spent.remaining} points left")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="walletpass-switch-") as tmp:
        run(Path(tmp))


def run(workdir: Path) -> None:
    config = workdir / "walletpass.toml"
    config.write_text(CONFIG.format(fake_path=(workdir / "passes.sqlite3").as_posix()))
    os.environ["WALLETPASS_CONFIG"] = str(config)

    print("1. walletpass.toml says provider = 'fake'")
    coffee_shop()

    # Going live is a deployment change: the provider name and the secret come from the
    # environment. Here each vendor's base URL points at its emulator.
    for step, vendor in enumerate(DASHBOARDS, start=2):
        app = load_emulator(vendor, **DASHBOARDS[vendor])
        with EmulatorServer(app) as server:
            prefix = f"WALLETPASS_{vendor.upper()}_"
            os.environ["WALLETPASS_PROVIDER"] = vendor
            os.environ[prefix + "API_KEY"] = app.api_key
            os.environ[prefix + "BASE_URL"] = server.url
            print(f"{step}. WALLETPASS_PROVIDER={vendor} (the {vendor} emulator at {server.url})")
            coffee_shop()


if __name__ == "__main__":
    main()
