"""Pass events end to end: subscribe, receive signed PassEntry webhooks, verify, react.

A local receiver (``walletpass.receivers.wsgi_receiver``) runs on 127.0.0.1; the application
subscribes it at the PassEntry emulator, issues a ticket, the holder adds it to a wallet, the
door scans it — and the receiver gets one verified ``PassEvent`` per step, in the application's
terms (logical template, its own external id). A forged delivery is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

import requests
from walletpass_passentry.emulator import EmulatedTemplate, PassEntryEmulator
from walletpass_passentry.limits import PassType

import walletpass
from walletpass import Pass, PassEvent
from walletpass.receivers import wsgi_receiver
from walletpass.testing.emulator import EmulatorServer

TEMPLATE = "19cb334f9696e64e10e7759f"


def main() -> None:
    emulator = PassEntryEmulator(
        templates=[EmulatedTemplate(TEMPLATE, "Tasting", PassType.EVENT_TICKET, ("seat",))]
    )
    with EmulatorServer(emulator) as vendor:
        wallet = walletpass.connect(
            "passentry",
            api_key=emulator.api_key,
            base_url=vendor.url,
            templates={"tasting": {"id": TEMPLATE}},
        )
        secrets: dict[str, Any] = {}

        def on_events(events: Sequence[PassEvent]) -> None:
            for event in events:
                print(
                    f"event {event.type.value:<9} pass {event.external_id} "
                    f"template {event.template} verified={event.verified}"
                )

        receiver = wsgi_receiver(wallet, secret=lambda: secrets["key"], handler=on_events)
        with EmulatorServer(receiver) as hooks:
            subscription = wallet.subscribe_events(hooks.url + "/webhooks/passentry")
            assert subscription.secret is not None
            secrets["key"] = subscription.secret
            print(f"subscribed to {', '.join(e.value for e in subscription.events)}")

            ticket = wallet.create(
                Pass(template="tasting", external_id="T-42", fields={"seat": "4A"})
            )
            emulator.install(ticket.id)  # the holder adds it to a wallet
            wallet.redeem(ticket.id, options={"reader_id": "door-1"})  # scanned at the door
            emulator.webhooks.wait(10)

            forged = json.dumps({"data": {"attributes": {"webhookType": "passInstalled"}}}).encode()
            signature = hmac.new(b"guessed", forged, hashlib.sha256).hexdigest()
            answer = requests.post(
                hooks.url + "/webhooks/passentry",
                data=forged,
                headers={"X-Webhook-Signature": signature},
                timeout=5,
            )
            print(f"forged delivery answered {answer.status_code}")
        wallet.close()


if __name__ == "__main__":
    main()
