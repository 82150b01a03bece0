"""A read that carries no balance still knows there is none on a pass that cannot keep one.

PassEntry's pass resource has no balance (its loyalty endpoint keeps store cards' points), so a
``get()`` or ``list()`` names ``balance`` in ``unknown_parts``: not known. But PassEntry keeps a
balance for store cards only and refuses one on any other pass (``balance_write_refusal``), so
an event ticket's balance is known to be absent: its read names nothing, as its create does
(a write and the next read agree). A store card's stays not known. The same on the profile.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import walletpass
from walletpass import Balance, Holder, IssuedPass, Pass, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

TICKET = "19cb334f9696e64e10e7759f"  # the emulator's eventTicket template
CARD = "a91c0e7d55f2b3c4d6e7f809"  # its storeCard template


@pytest.fixture(scope="module", params=["emulator", "profile"])
def wallet(request: pytest.FixtureRequest) -> Iterator[Provider]:
    if request.param == "profile":
        with walletpass.connect("fake", profile="passentry") as fake:
            yield fake
        return
    app = load_emulator("passentry")
    with (
        EmulatorServer(app) as server,
        walletpass.connect("passentry", base_url=server.url, api_key=app.api_key) as real,
    ):
        yield real


def _answers(wallet: Provider, issued: IssuedPass) -> list[IssuedPass]:
    listed = [p for p in wallet.list() if p.id == issued.id]
    return [issued, wallet.get(issued.id), *listed]


def test_an_event_tickets_balance_is_known_absent(wallet: Provider) -> None:
    ticket = wallet.create(
        Pass(template=TICKET, kind="event_ticket", holder=Holder(name="Ada Lovelace"))
    )
    answers = _answers(wallet, ticket)
    assert len(answers) == 3
    for answer in answers:
        assert answer.balance is None and "balance" not in answer.unknown_parts


def test_a_store_cards_balance_stays_not_known_on_read(wallet: Provider) -> None:
    card = wallet.create(
        Pass(template=CARD, kind="loyalty", holder=Holder(name="Ada"), balance=Balance(amount=5))
    )
    assert card.balance == Balance(amount=5) and "balance" not in card.unknown_parts
    for answer in _answers(wallet, card)[1:]:
        assert answer.balance is None and "balance" in answer.unknown_parts
