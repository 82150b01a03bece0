"""A spend meets the balance the vendor keeps, with or without a template alias that reads it.

PassEntry keeps a loyalty record for every store card (a loyalty or gift card), 0 when the
pass was given none (*inferred*: the emulator's, PassEntry does not document it). A spend from
such a card created without a balance, through no alias naming a ``balance_field``, meets that
balance: "has a balance of 0, less than 1" (``BusinessRuleError``), on the emulator and on the
fake wearing PassEntry's profile alike; a pass of another kind keeps none ("has no balance to
deduct from"). The profile's reads still leave the balance out, as PassEntry's pass resource does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import walletpass
from walletpass import BusinessRuleError, Pass, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from .test_portability import DASHBOARDS

STORE_CARD = "5f0e9c1d2b3a4f5e6d7c8b9a"
EVENT = "19cb334f9696e64e10e7759f"


@contextmanager
def _passentry(side: str) -> Iterator[Provider]:
    if side == "profile":
        with walletpass.connect("fake", profile="passentry") as fake:
            yield fake
        return
    app = load_emulator("passentry", **DASHBOARDS["passentry"])
    with (
        EmulatorServer(app) as server,
        walletpass.connect("passentry", base_url=server.url, api_key=app.api_key) as real,
    ):
        yield real


def _spend(side: str, template: str, kind: str, amount: int) -> tuple[str, str | None]:
    with _passentry(side) as wallet:
        issued = wallet.create(Pass(template=template, kind=kind, holder={"name": "Ada L"}))
        with pytest.raises(BusinessRuleError) as refused:
            wallet.redeem(issued.id, amount=amount)
        read = wallet.get(issued.id)
        # A store card's balance is not on the pass resource (not known); a pass of a kind
        # PassEntry keeps none for has none (known absent, walletpass.readback).
        assert read.balance is None
        assert ("balance" in read.unknown_parts) is (kind in ("loyalty", "gift_card"))
        return refused.value.message.split("'", 2)[2], refused.value.code


@pytest.mark.parametrize(
    ("template", "kind", "amount", "said"),
    [
        (STORE_CARD, "loyalty", 1, "has a balance of 0, less than 1"),
        (STORE_CARD, "loyalty", 250, "has a balance of 0, less than 250"),
        (STORE_CARD, "gift_card", 3, "has a balance of 0, less than 3"),
        (EVENT, "event_ticket", 1, "has no balance to deduct from"),
    ],
)
def test_the_profile_spends_from_the_balance_its_vendor_keeps(
    template: str, kind: str, amount: int, said: str
) -> None:
    vendor = _spend("emulator", template, kind, amount)
    assert said in vendor[0]
    assert _spend("profile", template, kind, amount) == vendor
