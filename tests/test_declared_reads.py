"""No capability declaration claims NATIVE for a part of a pass that the read-back cannot return.

``IssuedPass`` carries these parts of a pass back to the application: ``external_id``, the
holder (name, email, phone, language), ``fields``, ``balance``, ``expires_at`` and the barcode.
For each of them a provider declares NATIVE, a pass carrying it, created on the vendor's emulator
(over HTTP on 127.0.0.1) or on the fake wearing the vendor's profile, must come back from
``get()`` with that part as written; and a part the provider's ``behaviour`` says a read cannot
return (``unread_on_get``) must not be declared NATIVE at all (EMULATED, with the note saying how
and what a read leaves out). Template fields round-trip in the portability suite
(tests/test_portability.py), on every vendor, under their logical names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import walletpass
from walletpass import Balance, Barcode, Holder, IssuedPass, Pass, PassField, Provider
from walletpass.behaviour import READABLE_PARTS
from walletpass.capabilities import Support
from walletpass.registry import load_provider_class
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from .test_portability import DASHBOARDS

VENDORS = tuple(DASHBOARDS)

#: The loyalty template each vendor's dashboard has (tests/portability/vendors.toml).
CARD_TEMPLATES: dict[str, dict[str, Any]] = {
    "fake": {"id": "coffee-card", "kind": "loyalty"},
    "pass2u": {
        "id": "7001",
        "kind": "loyalty",
        "attributes": {"external_id": "member_no", "holder.name": "name"},
    },
    "passentry": {"id": "5f0e9c1d2b3a4f5e6d7c8b9a", "kind": "loyalty"},
    "livepasses": {"id": "tmpl-coffee", "kind": "loyalty"},
    "livepass": {"id": "membership-card", "kind": "loyalty"},
}

EXPIRES = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)

#: capability -> (the pass values that set it, what the read returns for it, what it should be)
PARTS: dict[str, tuple[dict[str, Any], Callable[[IssuedPass], Any], Any]] = {
    "external_id": ({"external_id": "M-7001"}, lambda p: p.external_id, "M-7001"),
    "holder.name": (
        {"holder": {"name": "Ada Lovelace"}},
        lambda p: p.holder and p.holder.display_name,
        "Ada Lovelace",
    ),
    "holder.email": (
        {"holder": {"email": "ada@example.com"}},
        lambda p: p.holder and p.holder.email,
        "ada@example.com",
    ),
    "holder.phone": (
        {"holder": {"phone": "+15551234567"}},
        lambda p: p.holder and p.holder.phone,
        "+15551234567",
    ),
    "holder.language": (
        {"holder": {"language": "en"}},
        lambda p: p.holder and p.holder.language,
        "en",
    ),
    "balance": (
        {"balance": Balance(amount=Decimal(90))},
        lambda p: p.balance and p.balance.amount,
        Decimal(90),
    ),
    "expires_at": ({"expires_at": EXPIRES}, lambda p: p.expires_at, EXPIRES),
    "barcode.qr": (
        {"barcode": Barcode(message="M-7001", format="qr")},
        lambda p: p.barcode and (p.barcode.message, p.barcode.format.value),
        ("M-7001", "qr"),
    ),
}

#: A part ``behaviour.unread_on_get`` may name -> the capabilities that carry it.
UNREAD_CAPABILITIES = {
    "fields": ("fields",),
    "balance": ("balance",),
    "kind": (),  # the kind is never declared as a carried part
    "urls": (),  # nor are the pass's links: the vendor makes them
    "barcode": ("barcode.qr", "barcode.pdf417", "barcode.aztec", "barcode.code128"),
    "holder.email": ("holder.email",),
    "holder.phone": ("holder.phone",),
    "holder.language": ("holder.language",),
}


def test_every_part_a_read_may_be_unable_to_return_names_its_capabilities() -> None:
    # A part added to READABLE_PARTS must say which declarations carry it, or the check below
    # could not hold a provider that leaves it out to its declarations.
    assert set(UNREAD_CAPABILITIES) == set(READABLE_PARTS)


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_part_a_read_cannot_return_is_not_declared_native(vendor: str) -> None:
    provider = load_provider_class(vendor)
    for part in provider.behaviour.unread_on_get:
        for capability in UNREAD_CAPABILITIES[part]:
            declaration = provider.capabilities[capability]
            assert declaration.support is not Support.NATIVE, (
                f"{vendor} declares {capability} NATIVE, but its get() cannot return {part}"
            )


def _native_parts(wallet: Provider) -> list[str]:
    return [c for c in PARTS if wallet.capabilities[c].support is Support.NATIVE]


def _full_pass(parts: list[str]) -> Pass:
    values: dict[str, Any] = {"template": "card", "kind": "loyalty"}
    holder: dict[str, Any] = {}
    for capability in parts:
        written = PARTS[capability][0]
        holder.update(written.get("holder", {}))
        values.update({k: v for k, v in written.items() if k != "holder"})
    if holder:
        values["holder"] = Holder(**holder)
    return Pass(**values)


def _round_trip(wallet: Provider) -> dict[str, tuple[Any, Any]]:
    """capability -> (read back, written), for every part the provider declares NATIVE."""
    parts = _native_parts(wallet)
    read = wallet.get(wallet.create(_full_pass(parts)).id)
    return {c: (PARTS[c][1](read), PARTS[c][2]) for c in parts}


@pytest.fixture(scope="module")
def emulated() -> Iterator[dict[str, dict[str, tuple[Any, Any]]]]:
    found: dict[str, dict[str, tuple[Any, Any]]] = {}
    for vendor in VENDORS:
        app = load_emulator(vendor, **DASHBOARDS[vendor])
        with EmulatorServer(app) as server:
            templates = {"card": CARD_TEMPLATES[vendor]}
            with walletpass.connect(
                vendor, base_url=server.url, api_key=app.api_key, templates=templates
            ) as wallet:
                found[vendor] = _round_trip(wallet)
    yield found


@pytest.mark.parametrize("vendor", VENDORS)
def test_what_a_vendor_declares_native_its_read_returns(
    emulated: dict[str, dict[str, tuple[Any, Any]]], vendor: str
) -> None:
    assert emulated[vendor], f"{vendor} declares none of the readable parts NATIVE"
    for capability, (read, written) in emulated[vendor].items():
        assert read == written, f"{vendor} declares {capability} NATIVE; get() returned {read!r}"


@pytest.mark.parametrize("profile", [None, *VENDORS])
def test_what_a_profile_declares_native_its_read_returns(profile: str | None) -> None:
    templates = {"card": CARD_TEMPLATES[profile or "fake"]}
    with walletpass.connect("fake", profile=profile, templates=templates) as wallet:
        for capability, (read, written) in _round_trip(wallet).items():
            assert read == written, (
                f"{wallet.label} declares {capability} NATIVE; get() returned {read!r}"
            )


#: Per vendor declaring ``fields.label`` NATIVE: a template field of its card template.
LABELLED_FIELDS = {"fake": "note", "pass2u": "member_no"}


@pytest.mark.parametrize(
    ("vendor", "side"), [("fake", "profile"), ("pass2u", "vendor"), ("pass2u", "profile")]
)
def test_a_label_is_written_and_its_read_returns_the_value_alone(vendor: str, side: str) -> None:
    # fields.label is NATIVE for the write only; its note says a read returns the value alone,
    # as every provider's does (no read carries labels: fields are values).
    key = LABELLED_FIELDS[vendor]
    written = Pass(
        template=CARD_TEMPLATES[vendor]["id"],
        kind="loyalty",
        holder=Holder(name="Ada Lovelace"),
        fields={key: PassField(value="M-1", label="Member")},
    )
    if vendor == "fake" or side == "profile":
        wallet = walletpass.connect("fake", profile=None if vendor == "fake" else vendor)
        reads = _label_reads(wallet, written)
    else:
        app = load_emulator(vendor, **DASHBOARDS[vendor])
        with EmulatorServer(app) as server:
            wallet = walletpass.connect(vendor, base_url=server.url, api_key=app.api_key)
            reads = _label_reads(wallet, written)
    assert "read returns the field's value alone" in wallet.capabilities["fields.label"].note
    assert reads == [{key: "M-1"}, {key: "M-1"}]


def _label_reads(wallet: Provider, written: Pass) -> list[dict[str, Any]]:
    with wallet:
        created = wallet.create(written)
        return [created.fields, wallet.get(created.id).fields]
