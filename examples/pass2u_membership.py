"""Pass2U membership card: photo upload, issue, read back, upgrade, download, redeem, retire.

Runs against the Pass2U emulator started in-process (no key, no network): the same code talks to
the real Pass API with ``walletpass.connect("pass2u", api_key=...)`` and your own model id.

    python examples/pass2u_membership.py
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from walletpass_pass2u.emulator import DEFAULT_API_KEY, Pass2UEmulator
from walletpass_pass2u.png import encode_png

import walletpass
from walletpass import Barcode, Colors, Holder, Location, Pass, PassKind, PassUpdate
from walletpass.errors import AlreadyRedeemed, UnsupportedOperation
from walletpass.testing.emulator import EmulatorServer

MODEL_ID = "1919"  # the emulator's membership-card model (generic style: name, birth, level)


def main() -> None:
    with EmulatorServer(Pass2UEmulator()) as server:
        wallet = walletpass.connect("pass2u", base_url=server.url, api_key=DEFAULT_API_KEY)
        print(f"1. connected to {wallet.name!r} at {server.url} (Pass2U emulator)")

        photo = wallet.upload_image(
            encode_png(180, 180, (240, 200, 160)), role="thumbnail", kind="membership"
        )
        print(f"2. uploaded the member photo: hex {photo.id}")

        card = wallet.create(
            Pass(
                template=MODEL_ID,
                kind=PassKind.MEMBERSHIP,
                holder=Holder(name="Fi-Lin Chen"),
                fields={"birth": "Dec 10, 1999", "level": "GOLD"},
                barcode=Barcode(message="MBR-0001234", alt_text="MBR-0001234"),
                colors=Colors(background="#eddb15", foreground="#33322e", label="#c43627"),
                expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=365),
                images={"thumbnail": photo},
                locations=[
                    Location(latitude=25.0413, longitude=121.5527, relevant_text="Store nearby"),
                    Location(latitude=25.0330, longitude=121.5654, relevant_text="Coffee time?"),
                ],
                extra={"sharingProhibited": True, "utm_source": "example"},
            )
        )
        print(f"3. issued   {card.id}  status={card.status}")
        print(f"   share    {card.urls.download}")

        fetched = wallet.get(card.id)
        holder = fetched.holder.name if fetched.holder else None
        print(f"4. read     holder={holder!r} level={fetched.fields['level']!r}")

        wallet.update(
            card.id,
            PassUpdate(
                fields={"level": "DIAMOND"},
                colors=Colors(background="rgb(211, 79, 46)"),
                message="You reached level",
            ),
        )
        print(f"5. upgraded level={wallet.get(card.id).fields['level']!r} (holder alerted)")

        with zipfile.ZipFile(io.BytesIO(wallet.download_pkpass(card.id))) as archive:
            print(f"6. .pkpass holds {', '.join(sorted(archive.namelist()))}")

        redemption = wallet.redeem(card.id)
        print(f"7. redeemed status={redemption.status} (Pass2U: voided)")
        try:
            wallet.redeem(card.id)
        except AlreadyRedeemed as exc:
            print(f"8. second redeem refused: {type(exc).__name__}")

        wallet.reset_field(card.id, "level")
        print(f"9. level reset to the model default: {wallet.get(card.id).fields['level']!r}")

        try:
            wallet.delete(card.id)
        except UnsupportedOperation as exc:
            # Pass2U has no delete: the refusal names the alternatives (expire it, or redeem).
            print(f"10. delete refused before sending: {type(exc).__name__}")
        wallet.update(card.id, PassUpdate(expires_at=datetime.now(UTC)))
        print(f"11. retired by expiring it: status={wallet.get(card.id).status}")
        wallet.close()


if __name__ == "__main__":
    main()
