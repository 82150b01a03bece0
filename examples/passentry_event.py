"""PassEntry event ticket: issue by your own id, change the seat with a push, scan at the door,
then retire it for good.

Runs against the PassEntry emulator started in-process (no key, no network): the same code talks
to the real API with ``walletpass.connect("passentry", api_key=...)`` and your template UUID.

    python examples/passentry_event.py
"""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

from walletpass_passentry.emulator import DEFAULT_API_KEY, PassEntryEmulator

import walletpass
from walletpass import Barcode, Beacon, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import AlreadyRedeemed, BusinessRuleError
from walletpass.testing.emulator import EmulatorServer

TEMPLATE = "19cb334f9696e64e10e7759f"  # the emulator's eventTicket template: seat, gate, session
VENUE = Location(
    name="Venue",
    latitude=51.54321132456805,
    longitude=-0.022901231803803924,
    radius=400,  # event tickets may use up to 1000 m; other passes 100 m
    relevant_text="Welcome to the venue",
)


def main() -> None:
    emulator = PassEntryEmulator()
    with EmulatorServer(emulator) as server:
        wallet = walletpass.connect(
            "passentry", base_url=server.url, api_key=DEFAULT_API_KEY, reader_id="door-1"
        )
        print(f"1. connected to {wallet.name!r} at {server.url} (PassEntry emulator)")

        ticket = wallet.create(
            Pass(
                template=TEMPLATE,
                kind=PassKind.EVENT_TICKET,
                external_id="order-1003",  # your id: safe to retry, addressable later
                holder=Holder(name="Jane Roberts"),
                fields={"seat": "12B", "gate": "C", "session": "Evening"},
                barcode=Barcode(message="order-1003"),  # sent as source extId, not repeated
                expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=2),
                locations=[VENUE],
                beacons=[Beacon(proximity_uuid=uuid.uuid4(), major=1, minor=3, name="Gate C")],
                group="SPRING_GALA",
            )
        )
        print(f"2. issued   {ticket.id}  extId={ticket.external_id}  status={ticket.status}")
        print(f"   share    {ticket.urls.download}")

        fetched = wallet.get("order-1003")
        print(f"3. read by extId: seat={fetched.fields['seat']!r} holder={fetched.holder.name!r}")

        with zipfile.ZipFile(io.BytesIO(wallet.download_pkpass(ticket.id))) as archive:
            print(f"4. direct .pkpass (not yet installed) holds {archive.namelist()}")

        emulator.install(ticket.id, device="iphone")  # the holder adds it to Apple Wallet
        try:
            wallet.download_pkpass(ticket.id)
        except BusinessRuleError as exc:
            print(f"5. installed now, pass source withheld: {type(exc).__name__}")

        moved = wallet.update(
            ticket.id,
            PassUpdate(fields={"seat": "14C"}, message="Your seat changed to 14C"),
        )
        notification = moved.meta["notification"]
        print(f"6. seat moved, push {notification['status']!r}: {moved.meta['latest_message']!r}")

        redemption = wallet.redeem(ticket.id)
        print(f"7. scanned at the door: status={redemption.status} (deactivated, scan logged)")
        try:
            wallet.redeem(ticket.id)
        except AlreadyRedeemed as exc:
            print(f"8. second scan refused: {type(exc).__name__}")

        print(f"9. reactivated: status={wallet.reactivate(ticket.id).status}")
        print(f"10. passes in the account: {len(list(wallet.list()))}")

        wallet.delete(ticket.id)  # nullify: irreversible
        print(f"11. nullified: status={wallet.get(ticket.id).status}; extId free for reuse")
        wallet.close()


if __name__ == "__main__":
    main()
