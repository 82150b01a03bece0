"""Quick start: issue, update, redeem, read back and delete a pass — no keys, no network.

Runs on the embedded fake provider, which keeps its passes in an SQLite file, so the same pass
can be picked up later by another process (try ``walletpass get <id>`` with the same file). Swap
``connect("fake", ...)`` for ``connect("pass2u", api_key=...)``, or use
``walletpass.from_config()``, and the rest of the code stays the same.

    python examples/quickstart.py [--path passes.sqlite3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import walletpass
from walletpass import Barcode, Holder, Pass, PassUpdate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", help="SQLite file for the fake provider (default: a temp file)")
    args = parser.parse_args()
    path = Path(args.path or Path(tempfile.mkdtemp()) / "passes.sqlite3")

    with walletpass.connect("fake", path=str(path)) as wallet:
        print(f"1. connected to {wallet.name!r}; passes are kept in {path}")

        ticket = wallet.create(
            Pass(
                template="vip-ticket",
                kind="event_ticket",
                external_id="order-1003",
                holder=Holder(name="Ada Lovelace", email="ada@example.com"),
                barcode=Barcode(message="A-1003"),
                fields={"seat": "12B", "gate": "C"},
            )
        )
        print(f"2. issued   {ticket.id}  status={ticket.status}  seat={ticket.fields['seat']}")
        print(f"   download {ticket.urls.download}")

        moved = wallet.update(
            ticket.id, PassUpdate(fields={"seat": "14C"}, message="Your seat changed to %@")
        )
        print(f"3. updated  {moved.id}  seat={moved.fields['seat']}  version={moved.version}")

        redemption = wallet.redeem(ticket.id)
        print(f"4. redeemed {redemption.pass_id}  status={redemption.status}")

        current = wallet.get(ticket.id)
        print(f"5. fetched  {current.id}  status={current.status}  seat={current.fields['seat']}")

        try:
            wallet.redeem(ticket.id)
        except walletpass.AlreadyRedeemed as exc:
            print(f"6. a second redeem is refused: {exc}")

        wallet.delete(ticket.id)
        gone = wallet.get(ticket.id)
        print(f"7. deleted  {gone.id}  status={gone.status}")


if __name__ == "__main__":
    main()
