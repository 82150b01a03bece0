"""A multi-use coupon used up stays used up, on Livepasses' emulator and on its profile.

Each ``redeem(id)`` of a Livepasses coupon uses it once up to its ``maxUsageCount``; the last use
leaves it ``redeemed``, a final status (docs/concepts.md). An update raising the count afterwards
gives it no more uses on either side: the next ``redeem(id)`` raises ``AlreadyRedeemed`` and
``get()`` still says ``redeemed``. The emulator used to take two more uses of the redeemed coupon,
each answered ``redeemed`` with uses left, where the profile refused.
"""

from __future__ import annotations

import walletpass
from walletpass import Holder, Pass, PassUpdate
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator


def test_raising_the_count_of_a_used_up_coupon_gives_it_no_more_uses() -> None:
    app = load_emulator("livepasses")
    seen: dict[str, list[object]] = {}
    with EmulatorServer(app) as server:
        real = walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key)
        fake = walletpass.connect("fake", profile="livepasses")
        for side, wallet in (("emulator", real), ("profile", fake)):
            with wallet:
                coupon = wallet.create(
                    Pass(
                        template="tmpl-coupon",
                        kind="coupon",
                        holder=Holder(name="Ada Lovelace"),
                        fields={"maxUsageCount": 2},
                    )
                )
                uses = [wallet.redeem(coupon.id).status.value for _ in range(2)]
                wallet.update(coupon.id, PassUpdate(fields={"maxUsageCount": 5}))
                try:
                    wallet.redeem(coupon.id)
                except walletpass.AlreadyRedeemed:
                    after = "AlreadyRedeemed"
                else:
                    after = "redeemed again"
                seen[side] = [uses, after, wallet.get(coupon.id).status.value]
    assert (
        seen["emulator"]
        == seen["profile"]
        == [
            ["active", "redeemed"],
            "AlreadyRedeemed",
            "redeemed",
        ]
    )
