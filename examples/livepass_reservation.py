"""LivePass reservation: book it under your own id, read its wallet links, move it with a push,
repeat the create safely, and see what LivePass cannot do.

Runs against the LivePass emulator started in-process (no key, no network): the same code talks to
the real API with ``walletpass.connect("livepass", api_key=...)``.

    python examples/livepass_reservation.py
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from walletpass_livepass.emulator import DEFAULT_API_KEY, LivePassEmulator

import walletpass
from walletpass import Barcode, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import UnsupportedOperation
from walletpass.model import Event
from walletpass.testing.emulator import EmulatorServer, Fault

DUBAI = timezone(timedelta(hours=4))
HOSPITAL = Location(
    latitude=25.2048,
    longitude=55.2708,
    name="Mainland Hospital",
    address="LivePass Street, 12",
    url="https://example.com/address/mainland-hospital",
)


def main() -> None:
    emulator = LivePassEmulator()
    with EmulatorServer(emulator) as server:
        wallet = walletpass.connect(
            "livepass",
            base_url=server.url,
            api_key=DEFAULT_API_KEY,
            notify_on_create=True,  # LivePass emails the pass to the holder on create
        )
        print(f"1. connected to {wallet.name!r} at {server.url} (LivePass emulator)")

        visit = Event(
            title="Health Check-up",
            starts_at=datetime(
                2030, 11, 6, 10, 0, tzinfo=DUBAI
            ),  # rendered "Nov 6, 2030", "10:00am"
            duration=timedelta(minutes=60),  # rendered "60min"
            url="https://example.com/appointments/edit/1003",
        )
        booking = Pass(
            template="reservation",
            kind=PassKind.RESERVATION,
            external_id="1003",  # your booking id: LivePass keys the pass by it
            holder=Holder(name="John Appleseed", email="john.appleseed@example.com"),
            barcode=Barcode(message="1003"),
            event=visit,
            locations=[HOSPITAL],
        )
        issued = wallet.create(booking)
        print(f"2. booked   {issued.id}: {issued.fields['date']} at {issued.fields['time']}")

        fetched = wallet.get(issued.id)
        print(f"3. version {fetched.version}, Apple Wallet link {fetched.urls.apple}")
        print(f"   web page  {fetched.urls.web}")

        later = visit.model_copy(update={"starts_at": datetime(2030, 11, 6, 11, 30, tzinfo=DUBAI)})
        # notify: push the new time to the holder's wallet (updates are silent by default)
        moved = wallet.update(issued.id, PassUpdate(event=later, notify=True))
        print(f"4. moved to {moved.fields['time']}; place kept: {moved.fields['location_name']}")

        # The answer to the next write is lost after LivePass stored it. This client e-mails on
        # create, and LivePass does not say whether a repeat e-mails again, so walletpass reads
        # the pass by your id instead of sending it again: it holds the write, so that is the
        # answer (a silent create, the default, is simply sent again: an upsert keyed by your id).
        emulator.inject(Fault.reset_after(), method="POST")
        again = wallet.create(booking.model_copy(update={"event": later}))
        stored = emulator.stored("reservation", "1003")
        print(
            f"5. connection lost, create read back (not re-sent): still {again.id}, "
            f"{len(emulator.passes)} pass, version {stored.version}, "
            f"{len(emulator.journal.find('POST', '/reservation/1003'))} writes"
        )

        for operation in (wallet.redeem, wallet.delete):
            try:
                operation(issued.id)
            except UnsupportedOperation as exc:
                print(f"6. {operation.__name__} refused before any request: {exc.alternative}")

        card = wallet.create(
            Pass(
                template="membership-card",
                kind=PassKind.MEMBERSHIP,
                external_id="GYM-0042",
                holder=Holder(name="Ines Duarte", email="ines@example.net"),
                balance={"amount": "120", "currency": "credits"},
                tier="Silver",
            )
        )
        topped = wallet.update(
            card.id, PassUpdate(balance={"amount": "150", "currency": "credits"})
        )
        print(f"7. card {card.id}: balance {topped.fields['balance_amount']} credits")

        sent = [f"{n.channel} ({n.pass_type.value} {n.pass_id})" for n in emulator.notifications]
        print(f"8. LivePass would have sent: {', '.join(sent)}")
        wallet.close()


if __name__ == "__main__":
    main()
