"""Switching vendors by configuration: one application function, two providers, no code change.

``sell_ticket()`` below is application code: it names a *logical* template ("vip-ticket") and its
own field keys, and never a vendor. A ``walletpass.toml`` maps the template per provider, and the
environment says which provider to use and holds the secret. The script runs the same function
twice: on the built-in fake provider, then on PassEntry (its emulator, served on 127.0.0.1 here,
stands in for the real API, so no key and no network are needed).

    python examples/switch_vendor.py
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import walletpass
from walletpass import Barcode, Holder, Pass, PassUpdate
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: A committed configuration file: templates per provider, never a secret.
CONFIG = """\
provider = "fake"

[providers.fake]
path = "{fake_path}"

[providers.passentry.templates.vip-ticket]
id = "19cb334f9696e64e10e7759f"   # the PassEntry template (UUID) of our event tickets
kind = "event_ticket"
fields = {{ entrance = "gate" }}    # our key "entrance" is the template's field "gate"
"""


@dataclass(frozen=True)
class Order:
    number: str
    customer: str
    seat: str
    entrance: str


def sell_ticket(order: Order) -> None:
    """The application: issue a ticket, move the seat, scan it at the door. No vendor named."""
    with walletpass.from_config() as wallet:
        ticket = wallet.create(
            Pass(
                template="vip-ticket",
                external_id=order.number,
                holder=Holder(name=order.customer),
                barcode=Barcode(message=order.number),
                fields={"seat": order.seat, "entrance": order.entrance},
            )
        )
        print(f"   [{wallet.name}] issued   {ticket.id} status={ticket.status}")
        vendor_template, logical = ticket.vendor_template, ticket.template
        print(f"   [{wallet.name}] template {vendor_template} (logical name: {logical})")

        moved = wallet.update(
            ticket.id, PassUpdate(fields={"seat": "14C"}, message="Your seat changed")
        )
        print(f"   [{wallet.name}] updated  seat={moved.fields.get('seat')}")

        redemption = wallet.redeem(ticket.id)
        print(f"   [{wallet.name}] redeemed status={redemption.status}")

        final = wallet.get(ticket.id)
        print(f"   [{wallet.name}] read     status={final.status} seat={final.fields['seat']}")
        try:
            wallet.redeem(ticket.id)
        except walletpass.AlreadyRedeemed as exc:
            print(f"   [{wallet.name}] second scan refused: {type(exc).__name__}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="walletpass-switch-") as tmp:
        run(Path(tmp))


def run(workdir: Path) -> None:
    config = workdir / "walletpass.toml"
    config.write_text(CONFIG.format(fake_path=(workdir / "passes.sqlite3").as_posix()))
    os.environ["WALLETPASS_CONFIG"] = str(config)
    order = Order(number="order-1003", customer="Ada Lovelace", seat="12B", entrance="C")

    print("1. walletpass.toml says provider = 'fake'")
    sell_ticket(order)

    # Going live with PassEntry is a deployment change: the provider name and the secret come
    # from the environment. Here the base URL points at the PassEntry emulator.
    app = load_emulator("passentry")
    with EmulatorServer(app) as server:
        os.environ["WALLETPASS_PROVIDER"] = "passentry"
        os.environ["WALLETPASS_PASSENTRY_API_KEY"] = app.api_key
        os.environ["WALLETPASS_PASSENTRY_BASE_URL"] = server.url
        print(f"2. WALLETPASS_PROVIDER=passentry (PassEntry emulator at {server.url})")
        sell_ticket(order)
        created = app.journal.find("POST", "/api/v1/passes")[0]
        query = {key: values[0] for key, values in created.query.items()}
        print(f"3. PassEntry received POST {created.path} {query}")
        print(f"   with the template's field ids: {sorted(created.json()['pass'])}")


if __name__ == "__main__":
    main()
