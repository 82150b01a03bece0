"""Typed alias values reach each vendor in a form it keeps and come back as their type.

A ``bool`` field travels as the text ``true`` / ``false`` (Pass2U, PassEntry and Livepasses
refuse a JSON boolean in a template field); a ``decimal`` in digits, so ``Decimal("1E+30")`` is
not kept as the text ``1E+30``; and an answer in exponent form reads back as the same amount.
Run over HTTP on each vendor's emulator and on its fake profile, whose answers must be equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import walletpass
from walletpass import Holder, Pass, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

FIELDS = ["name", "seat", "vip", "price", "day", "doors"]
TYPED = {
    "vip": {"key": "vip", "type": "bool"},
    "price": {"key": "price", "type": "decimal"},
    "day": {"key": "day", "type": "date"},
    "doors": {"key": "doors", "type": "datetime"},
}
VENDORS: dict[str, tuple[dict[str, Any], str]] = {
    "pass2u": ({"models": [{"id": "7002", "style": "eventTicket", "fields": FIELDS}]}, "7002"),
    "passentry": (
        {
            "templates": [
                {
                    "uuid": "19cb334f9696e64e10e7759f",
                    "pass_type": "eventTicket",
                    "fields": ["fullName", *FIELDS],
                }
            ]
        },
        "19cb334f9696e64e10e7759f",
    ),
}
VALUES = {
    "vip": True,
    "price": Decimal("1E+30"),
    "day": date(2026, 12, 24),
    "doors": datetime(2026, 12, 24, 19, 30, tzinfo=UTC),
}


@pytest.fixture(params=[(v, side) for v in VENDORS for side in ("emulator", "profile")], ids=str)
def wallet(request: pytest.FixtureRequest) -> Iterator[Provider]:
    vendor, side = request.param
    dashboard, template = VENDORS[vendor]
    templates = {"tasting": {"id": template, "kind": "event_ticket", "fields": TYPED}}
    if side == "profile":
        with walletpass.connect("fake", profile=vendor, templates=templates) as fake:
            yield fake
        return
    app = load_emulator(vendor, **dashboard)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, templates=templates
        ) as real,
    ):
        yield real


def test_typed_values_round_trip(wallet: Provider) -> None:
    created = wallet.create(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder=Holder(name="Ada Lovelace"),
            fields={"seat": "12B", **VALUES},
        )
    )
    for issued in (created, wallet.get(created.id)):
        for name, value in VALUES.items():
            assert issued.fields[name] == value and type(issued.fields[name]) is type(value)
    assert str(wallet.get(created.id).fields["price"]) == "1" + "0" * 30
    updated = wallet.update(created.id, PassUpdate(fields={"vip": False}))
    assert updated.fields["vip"] is False
    assert wallet.get(created.id).fields["vip"] is False


@pytest.mark.parametrize(
    "doors",
    [
        datetime(2026, 10, 25, 1, 30, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 59, 59, 1, tzinfo=UTC),
        "2026-10-25T01:30:00.5+05:30",
    ],
    ids=repr,
)
def test_a_fraction_of_a_second_is_refused_not_cut_off(wallet: Provider, doors: Any) -> None:
    # The vendors' forms keep whole seconds: a fraction would read back as another instant.
    change = PassUpdate(fields={"doors": doors})
    new_pass = Pass(template="tasting", kind="event_ticket", fields={"doors": doors})
    with pytest.raises(walletpass.ValidationError, match="fraction of a second") as raised:
        wallet.create(new_pass)
    assert "fields.doors" in str(raised.value)
    issued = wallet.create(Pass(template="tasting", kind="event_ticket", fields={"seat": "1"}))
    with pytest.raises(walletpass.ValidationError, match="fraction of a second"):
        wallet.update(issued.id, change)
    assert "doors" not in wallet.get(issued.id).fields


def test_the_plain_fake_refuses_a_fraction_of_a_second_too() -> None:
    templates = {"tasting": {"id": "tasting", "kind": "event_ticket", "fields": TYPED}}
    doors = datetime(2026, 12, 24, 19, 30, 0, 500000, tzinfo=UTC)
    with walletpass.connect("fake", templates=templates) as fake:
        with pytest.raises(walletpass.ValidationError, match="fraction of a second"):
            fake.create(Pass(template="tasting", kind="event_ticket", fields={"doors": doors}))
        kept = fake.create(
            Pass(
                template="tasting",
                kind="event_ticket",
                fields={"doors": doors.replace(microsecond=0)},
            )
        )
        assert fake.get(kept.id).fields["doors"] == doors.replace(microsecond=0)


@pytest.mark.parametrize(
    "doors",
    [
        datetime(1930, 5, 1, 19, 30, tzinfo=ZoneInfo("Europe/Amsterdam")),  # +00:19:32 (LMT)
        datetime(2026, 12, 24, 19, 30, tzinfo=timezone(timedelta(hours=1, seconds=30))),
        datetime(2026, 12, 24, 19, 30, tzinfo=timezone(-timedelta(hours=9, minutes=30, seconds=1))),
    ],
    ids=repr,
)
@pytest.mark.parametrize("where", ["fields.doors", "expires_at"])
def test_an_offset_that_is_not_whole_minutes_is_refused_before_sending(
    wallet: Provider, doors: datetime, where: str
) -> None:
    # Timestamps travel with +hh:mm offsets and pydantic's JSON cuts an offset's seconds: such
    # a value was sent and then read back as another instant (the fake, its profiles) or made
    # the create that had just issued the pass fail with InvalidResponse (Pass2U).
    content: dict[str, Any] = {"template": "tasting", "kind": "event_ticket"}
    content.update({"fields": {"doors": doors}} if where == "fields.doors" else {where: doors})
    with pytest.raises(walletpass.ValidationError, match="not whole minutes") as raised:
        wallet.create(content)
    assert where in str(raised.value) and not raised.value.outcome_unknown
    issued = wallet.create(Pass(template="tasting", kind="event_ticket", fields={"seat": "1"}))
    change: dict[str, Any] = (
        {"fields": {"doors": doors}} if where == "fields.doors" else {where: doors}
    )
    with pytest.raises(walletpass.ValidationError, match="not whole minutes"):
        wallet.update(issued.id, change)
    assert "doors" not in wallet.get(issued.id).fields
    # The same instant in UTC is kept as written.
    kept = wallet.create(
        Pass(template="tasting", kind="event_ticket", fields={"doors": doors.astimezone(UTC)})
    )
    assert wallet.get(kept.id).fields["doors"] == doors


def test_a_datetime_reads_back_as_its_instant_in_utc(wallet: Provider) -> None:
    # The instant is the value; its offset is a way of writing it, kept by some vendors and not
    # by others (PassEntry and Livepasses keep UTC): every read answers in UTC.
    doors = datetime(2026, 12, 24, 19, 30, tzinfo=timezone(timedelta(hours=-5)))
    created = wallet.create(
        Pass(template="tasting", kind="event_ticket", holder=Holder(name="Ada Lovelace"))
    )
    updated = wallet.update(created.id, PassUpdate(fields={"doors": doors}))
    for read in (updated, wallet.get(created.id)):
        assert read.fields["doors"] == doors
        assert read.fields["doors"].utcoffset() == timedelta(0)


def test_the_plain_fake_reads_a_datetime_back_in_utc_too() -> None:
    doors = datetime(2026, 12, 24, 19, 30, tzinfo=timezone(timedelta(hours=9)))
    templates = {"tasting": {"id": "t", "kind": "event_ticket", "fields": TYPED}}
    with walletpass.connect("fake", templates=templates) as fake:
        created = fake.create(Pass(template="tasting", fields={"doors": doors}))
        for read in (created, fake.get(created.id)):
            assert (read.fields["doors"], read.fields["doors"].utcoffset()) == (doors, timedelta(0))
