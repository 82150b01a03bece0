"""``IssuedPass.unknown_parts``: every part an answer cannot show is named, on every answer.

One rule for every provider, decided once in the core from each provider's declarations
(``walletpass.readback.unknown_parts``): a part the pass was written with that an answer
(``create``, ``update``, ``get``, ``list``) shows as ``None`` is named in ``unknown_parts`` (not
known), so ``None`` for a part *not* named there means "absent"; and a part named there shows no
value. The fake wearing a vendor's profile names the same parts as that vendor's emulator (over
HTTP on 127.0.0.1), answer by answer.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

import walletpass
from walletpass import Balance, IssuedPass, PassUpdate, Provider
from walletpass.behaviour import READABLE_PARTS
from walletpass.capabilities import Support
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from .test_declared_reads import CARD_TEMPLATES, EXPIRES, PARTS, _full_pass
from .test_portability import DASHBOARDS

VENDORS = tuple(DASHBOARDS)

#: part name (as unknown_parts spells it) -> what an answer shows for it.
SHOWN: dict[str, Callable[[IssuedPass], Any]] = {
    "external_id": lambda p: p.external_id,
    "holder.name": lambda p: p.holder and p.holder.display_name,
    "holder.email": lambda p: p.holder and p.holder.email,
    "holder.phone": lambda p: p.holder and p.holder.phone,
    "holder.language": lambda p: p.holder and p.holder.language,
    "balance": lambda p: p.balance,
    "expires_at": lambda p: p.expires_at,
    "barcode": lambda p: p.barcode,
    "kind": lambda p: p.kind,
    "urls": lambda p: p.urls.model_dump(exclude_none=True) or None,
}
#: capability -> the part it writes.
WRITES = {
    "external_id": "external_id",
    "holder.name": "holder.name",
    "holder.email": "holder.email",
    "holder.phone": "holder.phone",
    "holder.language": "holder.language",
    "balance": "balance",
    "expires_at": "expires_at",
    "barcode.qr": "barcode",
}


def test_every_part_a_declaration_may_name_is_checked() -> None:
    assert set(READABLE_PARTS) - {"fields"} <= set(SHOWN)


def _carried(wallet: Provider) -> list[str]:
    return [c for c in PARTS if wallet.capabilities[c].support is not Support.NONE]


def _answers(wallet: Provider, kind_in_alias: bool) -> dict[str, IssuedPass]:
    """The pass with every part the provider carries, as each answer reports it."""
    new_pass = _full_pass(_carried(wallet))
    if not kind_in_alias:
        new_pass = new_pass.model_copy(update={"kind": None})
        new_pass = type(new_pass).model_validate(
            new_pass.model_dump(exclude={"kind"}, exclude_none=True)
        )
        if new_pass.balance is not None and "livepasses" in wallet.label:
            # Without a kind only a currency says points or money there (Livepasses refuses a
            # balance whose place neither says: test_balance_place_on_create).
            points = Balance(amount=new_pass.balance.amount, currency="points")
            new_pass = new_pass.model_copy(update={"balance": points})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        created = wallet.create(new_pass)
        found = {"create": created}
        if wallet.capabilities["update"].support is not Support.NONE:
            found["update"] = wallet.update(created.id, _change(wallet))
        found["get"] = wallet.get(created.id)
        if wallet.capabilities["list"].support is not Support.NONE:
            found["list"] = next(p for p in wallet.list() if p.id == created.id)
    found["written"] = created  # the parts written: every carried one
    return found


def _change(wallet: Provider) -> PassUpdate:
    """A change every provider takes that leaves the parts written alone."""
    if wallet.capabilities["expires_at"].support is not Support.NONE:
        return PassUpdate(expires_at=EXPIRES + timedelta(days=1))
    return PassUpdate(tier="Gold")


def _templates(vendor: str, kind_in_alias: bool) -> dict[str, Any]:
    alias = dict(CARD_TEMPLATES[vendor])
    if vendor == "pass2u":
        alias["barcode_format"] = "qr"  # the emulator's model draws QR codes
    if not kind_in_alias:
        alias.pop("kind")
    return {"card": alias}


@contextmanager
def _emulated(vendor: str, **settings: Any) -> Iterator[Provider]:
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **settings) as w,
    ):
        yield w


def _check(wallet: Provider, answers: dict[str, IssuedPass]) -> dict[str, frozenset[str]]:
    written = {WRITES[c] for c in _carried(wallet)} | {"kind"}
    for answer, issued in answers.items():
        if answer == "written":
            continue
        for part in written:
            if SHOWN[part](issued) is None:
                assert part in issued.unknown_parts, (
                    f"{wallet.label} {answer}: {part} was written and shows None, but "
                    f"unknown_parts {sorted(issued.unknown_parts)} does not name it"
                )
        for part in issued.unknown_parts - {"fields", "barcode.format"}:
            assert SHOWN[part](issued) is None, f"{wallet.label} {answer}: {part} named unknown"
    return {answer: p.unknown_parts for answer, p in answers.items() if answer != "written"}


@pytest.mark.parametrize("kind_in_alias", [True, False], ids=["alias-kind", "no-alias-kind"])
@pytest.mark.parametrize("vendor", VENDORS)
def test_the_profile_names_what_its_vendor_names(vendor: str, kind_in_alias: bool) -> None:
    templates = _templates(vendor, kind_in_alias)
    with _emulated(vendor, templates=templates) as real:
        seen = _check(real, _answers(real, kind_in_alias))
    with walletpass.connect("fake", profile=vendor, templates=templates) as fake:
        profile = _check(fake, _answers(fake, kind_in_alias))
    if vendor == "livepasses" and not kind_in_alias:
        # Livepasses' list rows name the template's type, which its dashboard sets; the profile
        # cannot see a dashboard, so it does not know it (docs/concepts.md: declare the kind in
        # the alias): the one part a profile names unknown that its vendor shows.
        assert profile.pop("list") == seen.pop("list") | {"kind"}
    assert profile == seen


@pytest.mark.parametrize("kind_in_alias", [True, False], ids=["alias-kind", "no-alias-kind"])
def test_the_fake_names_only_the_kind_nobody_gave(kind_in_alias: bool) -> None:
    with walletpass.connect("fake", templates=_templates("fake", kind_in_alias)) as fake:
        seen = _check(fake, _answers(fake, kind_in_alias))
    expected = frozenset() if kind_in_alias else frozenset({"kind"})
    assert seen == dict.fromkeys(("create", "update", "get", "list"), expected)


def test_livepasses_lookup_names_every_part_it_does_not_carry() -> None:
    """The verifier's case: Livepasses' get() has balance and barcode None, and says so."""
    with _emulated("livepasses", templates=_templates("livepasses", True)) as real:
        answers = _answers(real, True)
    assert answers["create"].barcode is not None and answers["create"].unknown_parts == set()
    read = answers["get"]
    assert (read.balance, read.barcode) == (None, None)
    assert {"balance", "barcode", "fields", "holder.phone"} <= read.unknown_parts
    assert "kind" not in read.unknown_parts and read.kind is not None  # the alias says it
