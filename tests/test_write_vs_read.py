"""A write reports only what it knows: what ``create`` and ``update`` return never contradicts
what the next ``get()`` reads (a part the write's answer does not say is reported as unknown,
never guessed), on every vendor's emulator and on the fake wearing its profile.

Pass2U is the case in point: its create and update answers carry the barcode's message but not
its symbology, which the model sets (Model Designer); get() reads it from the ``.pkpass``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import Barcode, BarcodeFormat, Holder, Pass, PassUpdate, Provider
from walletpass.capabilities import Capability, Support
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

PORTABLE = Path(__file__).with_name("portability")
PORTABLE_CONFIG = PORTABLE / "walletpass.toml"
PORTABLE_VENDORS = PORTABLE / "vendors.toml"

#: A Pass2U model whose barcodes are PDF417 (the emulator's default models are QR).
PDF417_MODEL = {
    "id": "7003",
    "style": "storeCard",
    "fields": ["name", "stamps"],
    "barcode_format": "PKBarcodeFormatPDF417",
}

#: Per vendor: the emulator's dashboard, and (template, kind, fields, update) for one pass.
VENDORS: dict[str, tuple[dict[str, Any], tuple[str, str, dict[str, Any], dict[str, Any]]]] = {
    "pass2u": ({"models": [PDF417_MODEL]}, ("7003", "loyalty", {"stamps": 3}, {"stamps": 4})),
    "passentry": (
        {
            "templates": [
                {
                    "uuid": "5f0e9c1d2b3a4f5e6d7c8b9a",
                    "name": "Coffee Club",
                    "pass_type": "storeCard",
                    "fields": ["fullName", "stamps"],
                }
            ]
        },
        ("5f0e9c1d2b3a4f5e6d7c8b9a", "loyalty", {"stamps": "3"}, {"stamps": "4"}),
    ),
    "livepasses": (
        {
            "batch_rate": 5000.0,
            "templates": [
                {
                    "id": "tmpl-coffee",
                    "name": "Coffee Club",
                    "type": "Loyalty",
                    "business_features": {"loyalty": {"programName": "Coffee Club"}},
                }
            ],
        },
        ("tmpl-coffee", "loyalty", {"currentPoints": 3}, {"currentPoints": 4}),
    ),
    "livepass": (
        {},
        ("membership-card", "loyalty", {"membership_tier": "gold"}, {"membership_tier": "x"}),
    ),
}

#: The parts of a pass compared: a write may leave one unknown (None), never report another.
PARTS = (
    "template",
    "kind",
    "status",
    "external_id",
    "holder.name",
    "barcode.message",
    "barcode.format",
    "barcode.alt_text",
)


def _part(issued: Any, path: str) -> Any:
    for name in path.split("."):
        issued = getattr(issued, name, None) if issued is not None else None
    return issued


@contextmanager
def _wallet(vendor: str, side: str, **settings: Any) -> Iterator[Provider]:
    if side == "profile":
        with walletpass.connect("fake", profile=vendor, **settings) as fake:
            yield fake
        return
    app = load_emulator(vendor, **VENDORS[vendor][0])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **settings) as real,
    ):
        yield real


def _contradictions(written: Any, read: Any) -> dict[str, tuple[Any, Any]]:
    found = {}
    # A field the write reported and the read leaves out must be one the read says it cannot
    # tell (unknown_parts), never one it reports absent.
    missing = sorted(set(written.fields) - set(read.fields))
    if missing and "fields" not in read.unknown_parts:
        found["fields"] = (missing, "absent")
    for path in PARTS:
        said, seen = _part(written, path), _part(read, path)
        if said is not None and seen is not None and said != seen:
            found[path] = (said, seen)
    return found


@pytest.mark.parametrize("side", ["emulator", "profile"])
@pytest.mark.parametrize("vendor", list(VENDORS))
@pytest.mark.parametrize("with_barcode", [True, False], ids=["barcode", "no-barcode"])
def test_a_write_never_contradicts_the_read_after_it(
    vendor: str, side: str, with_barcode: bool
) -> None:
    template, kind, fields, change = VENDORS[vendor][1]
    with _wallet(vendor, side) as wallet:
        barcodes = wallet.capabilities[Capability.BARCODE_QR].support is not Support.NONE
        if with_barcode and not barcodes:
            pytest.skip(f"{vendor} takes no barcode of the caller's")
        barcode = Barcode(message="MBR-0007781") if with_barcode else None
        new = Pass(
            template=template,
            kind=kind,
            holder=Holder(name="Ada Lovelace"),
            fields=fields,
            barcode=barcode,
        )
        created = wallet.create(new)
        assert _contradictions(created, wallet.get(created.id)) == {}
        updated = wallet.update(created.id, PassUpdate(fields=change))
        assert _contradictions(updated, wallet.get(created.id)) == {}


@pytest.mark.parametrize("side", ["emulator", "profile"])
def test_pass2u_reports_the_barcode_format_only_where_it_knows_it(side: str) -> None:
    new = Pass(template="7003", kind="loyalty", barcode=Barcode(message="MBR-1"))
    with _wallet("pass2u", side) as wallet:
        created = wallet.create(new)
        assert created.barcode == Barcode.model_construct(message="MBR-1", format=None)
        read = wallet.get(created.id)
        assert read.barcode is not None and read.barcode.message == "MBR-1"
        # The emulator's model draws PDF417; the profile cannot see a model and takes QR.
        assert read.barcode.format is (
            BarcodeFormat.PDF417 if side == "emulator" else BarcodeFormat.QR
        )
    aliases = {"card": {"id": "7003", "kind": "loyalty", "barcode_format": "pdf417"}}
    with _wallet("pass2u", side, templates=aliases) as wallet:
        created = wallet.create(Pass(template="card", barcode=Barcode(message="MBR-2")))
        assert created.barcode is not None and created.barcode.format is BarcodeFormat.PDF417
        assert wallet.get(created.id).barcode.format is BarcodeFormat.PDF417  # type: ignore[union-attr]


def test_a_pass_to_issue_names_its_barcode_format() -> None:
    with pytest.raises(walletpass.ValidationError, match="name the symbology"):
        Pass(template="t", barcode=Barcode(message="A", format=None))
    with pytest.raises(walletpass.ValidationError, match="name the symbology"):
        PassUpdate(barcode={"message": "A", "format": None})
    with pytest.raises(ValueError, match="not known"):
        _ = Barcode(message="A", format=None).symbology


#: Updates that leave a balance_field's points unchanged: the answer must still report them.
OTHER_CHANGES = {
    "pass2u": PassUpdate(holder=Holder(name="Ada King")),
    "passentry": PassUpdate(holder=Holder(name="Ada King")),
    "livepasses": PassUpdate(fields={"memberTier": "gold"}),
    "livepass": PassUpdate(holder=Holder(name="Ada King")),
}


@pytest.mark.parametrize("side", ["emulator", "profile"])
@pytest.mark.parametrize("vendor", list(VENDORS))
def test_an_update_that_leaves_the_points_reports_them_as_the_read_after_it(
    vendor: str, side: str
) -> None:
    # The coffee shop's aliases (the points are the pass's balance where the vendor keeps one,
    # a typed field on Pass2U). PassEntry's update answered no balance (its PATCH carries none)
    # where get() reads it: an update of the holder reported the card without its points.
    config = tomllib.loads(PORTABLE_CONFIG.read_text(encoding="utf-8"))["providers"][vendor]
    dashboard = tomllib.loads(PORTABLE_VENDORS.read_text(encoding="utf-8"))["dashboards"]
    settings = {"templates": config["templates"]}
    if side == "profile":
        context: Any = walletpass.connect("fake", profile=vendor, **settings)
    else:
        context = _served(vendor, dashboard.get(vendor, {}), settings)
    with context as wallet:
        card = wallet.create(
            Pass(
                template="coffee-card",
                external_id="M-1",
                holder=Holder(name="Ada Lovelace"),
                fields={"points": 90},
            )
        )
        updated = wallet.update(card.id, OTHER_CHANGES[vendor])
        read = wallet.get(card.id)
        if "fields" in wallet.behaviour.unread_on_get:  # Livepasses: the read has no fields
            assert "points" not in read.fields and "fields" in read.unknown_parts
        else:
            assert read.fields.get("points") == 90
            assert updated.fields.get("points") == read.fields.get("points")
            assert _part(updated, "balance.amount") == _part(read, "balance.amount")


@contextmanager
def _served(vendor: str, dashboard: dict[str, Any], settings: dict[str, Any]) -> Iterator[Provider]:
    app = load_emulator(vendor, **dashboard)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **settings) as real,
    ):
        yield real
