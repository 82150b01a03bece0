"""Livepasses event tickets: issue one, then a whole guest list as an asynchronous batch, check
guests in at the door, and move everyone to another gate.

Runs against the Livepasses emulator started in-process (no key, no network): the same code talks
to the real API with ``walletpass.connect("livepasses", api_key=...)`` and your template id.

    python examples/livepasses_event.py
"""

from __future__ import annotations

from datetime import UTC, datetime

from walletpass_livepasses.emulator import DEFAULT_API_KEY, LivepassesEmulator

import walletpass
from walletpass import Event, Holder, Pass, PassKind, PassUpdate
from walletpass.bulk import BulkProgress
from walletpass.errors import AlreadyRedeemed, UnsupportedOperation
from walletpass.testing.emulator import EmulatorServer

TEMPLATE = "tmpl-001"  # the emulator's EventTicket template (the SDK README's id)
CONCERT = Event(title="Aurora Music Fest", starts_at=datetime(2030, 6, 15, 20, tzinfo=UTC))


def ticket(first: str, last: str, email: str, **fields: object) -> Pass:
    return Pass(
        template=TEMPLATE,
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name=first, last_name=last, email=email),
        fields=dict(fields) or None,
        event=CONCERT,
    )


def main() -> None:
    emulator = LivepassesEmulator(batch_rate=2000)  # the emulator generates 2000 passes/s
    with EmulatorServer(emulator) as server:
        wallet = walletpass.connect(
            "livepasses", base_url=server.url, api_key=DEFAULT_API_KEY, poll_interval=0.05
        )
        print(f"1. connected to {wallet.name!r} at {server.url} (Livepasses emulator)")

        vip = wallet.create(
            ticket(
                "Alice",
                "Smith",
                "alice@example.com",
                sectionInfo="VIP",
                rowInfo="A",
                seatNumber="1",
            ).model_copy(update={"external_id": "ORDER-1001"})  # confirmation code: safe retries
        )
        print(f"2. issued   {vip.id}  code={vip.external_id}  status={vip.status}")
        print(f"   Apple    {vip.urls.apple}")
        print(f"   Google   {vip.urls.google[:60]}...")

        fetched = wallet.get(vip.id)
        print(
            f"3. read back: holder={fetched.holder.name!r} "
            f"redeemable={fetched.meta['can_be_redeemed']}"
        )

        guests = [ticket("Guest", f"No{i}", f"guest{i}@example.com") for i in range(250)]
        reports: list[BulkProgress] = []
        result = wallet.create_many(guests, on_progress=reports.append)
        batches = {item.issued.meta["batch_id"] for item in result.items if item.issued}
        print(
            f"4. guest list: {result.succeeded}/{result.total} issued through {len(batches)} "
            f"asynchronous batches ({len(reports)} progress reports)"
        )

        seen: list[int] = []
        late = wallet.generate_and_wait(
            [ticket("Late", f"No{i}", f"late{i}@example.com") for i in range(60)],
            on_progress=lambda done, total: seen.append(done),
        )
        print(f"5. late list: {late.succeeded} issued, progress seen {seen[0]} -> {seen[-1]}")

        door = wallet.redeem(vip.id, options={"gate": "North", "location": {"name": "North Gate"}})
        print(f"6. scanned at the door: {door.method} -> status={door.status}")
        try:
            wallet.redeem(vip.id)
        except AlreadyRedeemed as exc:
            print(f"7. second scan refused: {type(exc).__name__} ({exc.code})")

        guest = result.items[0].issued  # batch passes come without QR payload: scan the code
        scanned = wallet.redeem_by_scan(guest.external_id, redemption_method="manual_entry")
        print(f"8. confirmation code {guest.external_id} of guest 0 entered -> {scanned.status}")

        moved = wallet.push_template_update(TEMPLATE, {"gateInfo": "Gate C"}, reason="Gate change")
        print(f"9. gate change pushed to {moved['passesUpdated']} active passes")
        wallet.update(result.items[1].issued.id, PassUpdate(message="Doors open at 19:00"))
        print("10. message sent to guest 1")

        checked_in = list(wallet.list(template=TEMPLATE, status="redeemed", page_size=50))
        print(f"11. checked in so far: {len(checked_in)}")

        try:
            wallet.delete(guest.id)
        except UnsupportedOperation as exc:
            print(f"12. delete: {exc.alternative}")

        hook = wallet.create_webhook("https://example.com/hooks/livepasses", ["pass.redeemed"])
        print(f"13. webhook {hook.id} subscribed (secret kept: {hook.secret})")
        wallet.close()


if __name__ == "__main__":
    main()
