"""A card a redeem refuses by its vendor type alone is named as what that type may be.

PassEntry's and Pass2U's store card is a loyalty card or a gift card (``VendorBehaviour.kinds``):
without a kind from a template alias the vendor's read cannot tell which, so ``NotUsedUp`` names
the type and both kinds rather than claiming one (it said "a loyalty pass" of a gift card), on the
emulator's provider and on the profile alike; with the alias's kind it names the kind.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import walletpass
from walletpass import Balance, Holder, Pass
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: vendor -> (emulator options seeding one store-card template, its id, the holder field)
STORE_CARDS: dict[str, tuple[dict[str, Any], str]] = {
    "passentry": (
        {
            "templates": [
                {
                    "uuid": "aaaaaaaaaaaaaaaaaaaaaa04",
                    "name": "Gift",
                    "pass_type": "storeCard",
                    "fields": ["fullName", "note"],
                }
            ]
        },
        "aaaaaaaaaaaaaaaaaaaaaa04",
    ),
    "pass2u": (
        {"models": [{"id": "8004", "style": "storeCard", "fields": ["name", "note"]}]},
        "8004",
    ),
}


def _refusal(wallet: Any, template: str, kind: str) -> str:
    balance = Balance(amount=Decimal(50)) if wallet.capabilities.supports("balance") else None
    card = wallet.create(
        Pass(
            template=template,
            kind=kind,
            holder=Holder(name="Ada Lovelace"),
            fields={"note": "gold"},
            balance=balance,
        )
    )
    with pytest.raises(walletpass.NotUsedUp) as caught:
        wallet.redeem(card.id)
    # The message without its "[provider.operation]" label, which names the side.
    return str(caught.value).split("] ", 1)[1].replace(card.id, "ID")


@pytest.mark.parametrize("kind", ["gift_card", "loyalty"])
@pytest.mark.parametrize("vendor", sorted(STORE_CARDS))
def test_a_store_card_of_no_known_kind_is_named_by_its_type(vendor: str, kind: str) -> None:
    options, template = STORE_CARDS[vendor]
    app = load_emulator(vendor, **options)
    with EmulatorServer(app) as server:
        settings = {"base_url": server.url, "api_key": app.api_key}
        if vendor == "pass2u":
            settings["holder_name_field"] = "name"
        with walletpass.connect(vendor, **settings) as real:
            on_vendor = _refusal(real, template, kind)
    with walletpass.connect("fake", profile=vendor, dashboard=options) as fake:
        on_profile = _refusal(fake, template, kind)
    assert on_vendor == on_profile
    assert "is a storeCard pass (a loyalty or gift card)" in on_vendor
    assert "loyalty pass" not in on_vendor


@pytest.mark.parametrize("vendor", sorted(STORE_CARDS))
def test_a_store_card_of_an_aliased_kind_is_named_by_its_kind(vendor: str) -> None:
    options, template = STORE_CARDS[vendor]
    app = load_emulator(vendor, **options)
    alias = {"gift": {"id": template, "kind": "gift_card"}}
    with EmulatorServer(app) as server:
        settings: dict[str, Any] = {
            "base_url": server.url,
            "api_key": app.api_key,
            "templates": alias,
        }
        if vendor == "pass2u":
            settings["holder_name_field"] = "name"
        with walletpass.connect(vendor, **settings) as real:
            text = _refusal(real, "gift", "gift_card")
    assert "is a gift card pass" in text


def test_unknown_parts_are_written_sorted_in_json() -> None:
    """``IssuedPass.unknown_parts`` is a set; JSON writes it sorted, so one answer always
    prints the same (the CLI's ``--json`` and an application's ``model_dump_json`` alike)."""
    import json

    from walletpass.model import IssuedPass

    parts = ["holder.phone", "balance", "urls", "fields", "barcode", "holder.language"]
    issued = IssuedPass(
        id="p", vendor_id="p", provider="fake", template="t", unknown_parts=frozenset(parts)
    )
    assert issued.model_dump(mode="json")["unknown_parts"] == sorted(parts)
    assert json.loads(issued.model_dump_json())["unknown_parts"] == sorted(parts)
    assert issued.model_dump()["unknown_parts"] == frozenset(parts)
