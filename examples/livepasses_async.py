"""Livepasses from an asyncio application: a guest list generated as an asynchronous batch with
progress streamed to a coroutine (say, to a browser over a websocket), everyone moved to
another gate, the templates listed page by page, and a webhook subscription, all on the event
loop (walletpass.aio drives the same plans as the sync API).

Runs against the Livepasses emulator started in-process (no key, no network):

    python examples/livepasses_async.py
"""

from __future__ import annotations

import asyncio

from walletpass_livepasses.emulator import DEFAULT_API_KEY, LivepassesEmulator

import walletpass.aio
from walletpass import Holder, Pass, PassKind, PassUpdate
from walletpass.testing.emulator import EmulatorServer

TEMPLATE = "tmpl-001"  # the emulator's EventTicket template


def ticket(i: int) -> Pass:
    return Pass(
        template=TEMPLATE,
        kind=PassKind.EVENT_TICKET,
        holder=Holder(first_name="Guest", last_name=f"No{i}", email=f"guest{i}@example.com"),
    )


async def main(url: str) -> None:
    progress: asyncio.Queue[tuple[int, int]] = asyncio.Queue()

    async def on_progress(done: int, total: int) -> None:  # awaited between status polls
        await progress.put((done, total))

    async def show_progress() -> list[int]:
        seen: list[int] = []
        while True:
            done, total = await progress.get()
            seen.append(done)
            if done == total:
                return seen

    async with await walletpass.aio.connect(
        "livepasses", base_url=url, api_key=DEFAULT_API_KEY, poll_interval=0.05
    ) as wallet:
        print(f"1. connected to {wallet.name!r} on the event loop")
        watcher = asyncio.create_task(show_progress())
        result = await wallet.generate_and_wait(
            [ticket(i) for i in range(120)], on_progress=on_progress
        )
        seen = await watcher
        print(f"2. {result.succeeded}/{result.total} issued; progress {seen[0]} -> {seen[-1]}")

        ids = [item.issued.id for item in result.items if item.issued][:20]
        moved = await wallet.bulk_update(ids, PassUpdate(fields={"gate": "East"}), concurrency=5)
        print(f"3. moved {moved.succeeded} guests to the East gate, 5 updates in flight")

        names = [template.name async for template in wallet.list_templates(page_size=2)]
        print(f"4. {len(names)} templates, read two per page: {', '.join(names[:3])}...")

        hook = await wallet.subscribe_events("https://shop.example/walletpass-hooks", ["issued"])
        listed = await wallet.list_event_subscriptions()
        await wallet.delete_event_subscription(hook.id)
        print(f"5. webhook {hook.id} subscribed, listed ({len(listed)}), deleted")


if __name__ == "__main__":
    with EmulatorServer(LivepassesEmulator(batch_rate=300)) as server:
        asyncio.run(main(server.url))
