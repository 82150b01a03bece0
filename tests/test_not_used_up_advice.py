"""``NotUsedUp`` names only the alternatives that exist for the pass and the provider.

``redeem(id)`` on a pass it would not use up (a loyalty, membership or gift card) is refused on
every provider; the refusal suggests ``redeem(id, amount=X)`` only where the pass keeps a
balance (``VendorBehaviour.balance_kinds``, or on the fake the pass's own balance), the
vendor's own call for a use only for the kind it records (Livepasses: a loyalty card's
``stamp(id)``, a membership's ``membership_check_in(id)``), an update of the field that keeps
the count where the provider has no balances (Pass2U), and otherwise says there is none. The
same text on the fake wearing a vendor's profile as on the vendor's emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import walletpass
from walletpass import Balance, NotUsedUp, Pass, PassKind, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from .test_declared_reads import CARD_TEMPLATES
from .test_portability import DASHBOARDS

SPEND = "redeem(id, amount=X)"
STAMP = "stamp(id)"
CHECK_IN = "membership_check_in(id)"
UPDATE = "update(id, PassUpdate("
NONE = "keeps no balance"

#: vendor -> kind -> the phrases the refusal has (the others of SPEND, STAMP, CHECK_IN, UPDATE
#: and NONE it must not have).
EXPECTED: dict[str, dict[str, set[str]]] = {
    "livepasses": {
        "loyalty": {SPEND, STAMP},
        "membership": {CHECK_IN},
        "gift_card": {SPEND},
    },
    "passentry": {"loyalty": {SPEND}, "membership": {NONE}, "gift_card": {SPEND}},
    "pass2u": {"loyalty": {UPDATE}, "membership": {UPDATE}, "gift_card": {UPDATE}},
}
PHRASES = {SPEND, STAMP, CHECK_IN, UPDATE, NONE}


def _alias(vendor: str, kind: str) -> dict[str, Any]:
    return {"card": {**CARD_TEMPLATES[vendor], "kind": kind}}


@contextmanager
def _on(side: str, vendor: str, kind: str) -> Iterator[Provider]:
    templates = _alias(vendor, kind)
    if side == "profile":
        with walletpass.connect("fake", profile=vendor, templates=templates) as fake:
            yield fake
        return
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, templates=templates
        ) as real,
    ):
        yield real


def _refusal(wallet: Provider, new_pass: Pass) -> str:
    issued = wallet.create(new_pass)
    with pytest.raises(NotUsedUp) as refused:
        wallet.redeem(issued.id)
    return str(refused.value)


def _phrases(message: str) -> set[str]:
    return {phrase for phrase in PHRASES if phrase in message}


@pytest.mark.parametrize("kind", ["loyalty", "membership", "gift_card"])
@pytest.mark.parametrize("vendor", list(EXPECTED))
def test_the_profile_suggests_what_exists_for_the_pass(vendor: str, kind: str) -> None:
    with _on("profile", vendor, kind) as wallet:
        message = _refusal(wallet, Pass(template="card", external_id="M-1", holder={"name": "A B"}))
    assert _phrases(message) == EXPECTED[vendor][kind], message


@pytest.mark.parametrize(
    ("vendor", "kind"),
    [("livepasses", "loyalty"), ("livepasses", "membership"), ("passentry", "loyalty")],
)
def test_the_vendor_suggests_the_same(vendor: str, kind: str) -> None:
    new_pass = Pass(template="card", external_id="M-2", holder={"name": "A B"})
    with _on("emulator", vendor, kind) as real:
        vendor_says = _refusal(real, new_pass)
    with _on("profile", vendor, kind) as fake:
        profile_says = _refusal(fake, new_pass)
    assert _phrases(vendor_says) == _phrases(profile_says) == EXPECTED[vendor][kind]


@pytest.mark.parametrize("with_balance", [True, False])
@pytest.mark.parametrize("kind", [PassKind.LOYALTY, PassKind.MEMBERSHIP, PassKind.GIFT_CARD])
def test_the_fake_suggests_a_spend_only_for_a_pass_with_a_balance(
    kind: PassKind, with_balance: bool
) -> None:
    balance = Balance(amount=10) if with_balance else None
    with walletpass.connect("fake") as fake:
        message = _refusal(fake, Pass(template="t", kind=kind, balance=balance))
    assert _phrases(message) == ({SPEND} if with_balance else {NONE}), message
    assert "fake" in message
