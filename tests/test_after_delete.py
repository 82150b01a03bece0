"""``delete()`` means one thing everywhere, and so does a pass after it.

A provider that deletes (the fake, PassEntry's nullify) leaves a pass that ``get()`` reports as
``deleted`` and that ``update`` and ``redeem`` (with or without an amount) refuse with
``NotFound``: on the vendor's emulator (over HTTP on 127.0.0.1), on the fake wearing its profile
and on the plain fake alike. A provider that cannot delete (Pass2U, Livepasses, LivePass)
refuses ``delete()`` with ``UnsupportedOperation`` before sending, naming the alternatives by
their public calls, on the vendor and on its profile; Pass2U's alternatives work on both.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import (
    Holder,
    NotFound,
    Pass,
    PassStatus,
    PassUpdate,
    Provider,
    UnsupportedOperation,
)
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]


@contextmanager
def wallet_on(side: str) -> Iterator[tuple[Provider, Callable[[], list[str]]]]:
    """The shop's wallet on ``side`` ("fake", "<vendor>" for its emulator or
    "fake:<vendor>" for its profile) and the methods of what reached the vendor so far."""
    if side == "fake":
        with walletpass.connect("fake", **CONFIG["providers"]["fake"]) as fake:
            yield fake, list
        return
    if side.startswith("fake:"):
        vendor = side.split(":", 1)[1]
        templates = CONFIG["providers"][vendor]["templates"]
        with walletpass.connect("fake", profile=vendor, templates=templates) as fake:
            yield fake, list
        return
    app = load_emulator(side, **DASHBOARDS[side])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            side, base_url=server.url, api_key=app.api_key, **CONFIG["providers"][side]
        ) as real,
    ):
        yield real, lambda: [entry.method for entry in app.journal.entries]


def ticket() -> Pass:
    return Pass(
        template="tasting",
        kind="event_ticket",
        holder=Holder(name="Ada Lovelace"),
        fields={"seat": "12B", "gate": "C"},
    )


def card(member: str) -> Pass:
    return Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=member,
        holder=Holder(name="Ada Lovelace"),
        fields={"points": 90},
    )


DELETING = ("fake", "passentry", "fake:passentry")


@pytest.mark.parametrize("side", DELETING)
def test_a_deleted_pass_reads_deleted_and_refuses_every_write(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        doomed = wallet.create(ticket())
        wallet.delete(doomed.id)
        assert wallet.get(doomed.id).status is PassStatus.DELETED
        with pytest.raises(NotFound) as updated:
            wallet.update(doomed.id, PassUpdate(fields={"seat": "14C"}))
        assert updated.value.operation == "update"
        assert "deleted" in str(updated.value)
        with pytest.raises(NotFound) as redeemed:
            wallet.redeem(doomed.id)
        assert redeemed.value.operation == "redeem"
        # Deleting again is no error (PassEntry's nullify is idempotent) and changes nothing.
        wallet.delete(doomed.id)
        assert wallet.get(doomed.id).status is PassStatus.DELETED


@pytest.mark.parametrize("side", DELETING)
def test_a_deleted_card_refuses_a_spend_and_a_balance_update(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        doomed = wallet.create(card("M-3003"))
        wallet.delete(doomed.id)
        assert wallet.get(doomed.id).status is PassStatus.DELETED
        with pytest.raises(NotFound):
            wallet.redeem(doomed.id, amount=5)
        with pytest.raises(NotFound):
            wallet.update(doomed.id, PassUpdate(fields={"points": 100}))
        with pytest.raises(NotFound):
            wallet.update(doomed.id, PassUpdate(balance={"amount": 100}))
        # The external id is free again for a new pass.
        assert wallet.create(card("M-3003")).status is not PassStatus.DELETED


PASS2U = ("pass2u", "fake:pass2u")
CANNOT_DELETE = ("pass2u", "fake:pass2u", "livepasses", "fake:livepasses", "livepass")


@pytest.mark.parametrize("side", CANNOT_DELETE)
def test_a_vendor_that_cannot_delete_refuses_before_sending(side: str) -> None:
    with wallet_on(side) as (wallet, sent):
        pass_id = wallet.create(card("M-4004")).id
        before = len(sent())
        with pytest.raises(UnsupportedOperation) as refused:
            wallet.delete(pass_id)
        assert len(sent()) == before
        assert refused.value.operation == "delete"
        assert wallet.capabilities["delete"].note in str(refused.value)
        # The pass is untouched.
        assert not wallet.get(pass_id).status.is_final


@pytest.mark.parametrize("side", PASS2U)
def test_pass2u_names_its_alternatives_by_their_public_calls(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        with pytest.raises(UnsupportedOperation) as refused:
            wallet.delete(wallet.create(ticket()).id)
        message = str(refused.value)
        assert "update(id, PassUpdate(expires_at=<now>))" in message
        assert "redeem(id)" in message


def _expire(wallet: Provider, pass_id: str) -> Any:
    return wallet.update(pass_id, PassUpdate(expires_at=datetime.now(UTC) - timedelta(seconds=1)))


@pytest.mark.parametrize("side", PASS2U)
def test_pass2u_alternative_expire_by_update(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        pass_id = wallet.create(ticket()).id
        assert _expire(wallet, pass_id).status is PassStatus.EXPIRED
        assert wallet.get(pass_id).status is PassStatus.EXPIRED
        with pytest.raises(walletpass.PassExpired):
            wallet.redeem(pass_id)


@pytest.mark.parametrize("side", PASS2U)
def test_pass2u_alternative_use_up_by_redeem(side: str) -> None:
    with wallet_on(side) as (wallet, _):
        pass_id = wallet.create(ticket()).id
        assert wallet.redeem(pass_id).status is PassStatus.REDEEMED
        assert wallet.get(pass_id).status.is_final
        with pytest.raises(walletpass.AlreadyRedeemed):
            wallet.redeem(pass_id)


def test_the_after_delete_rule_is_behaviour_data() -> None:
    """A vendor that forgets a deleted pass: its profile's get() raises NotFound, and its
    writes NotFound too (the same error as for a tombstone)."""
    with walletpass.connect("fake") as fake:
        vars(fake)["behaviour"] = fake.behaviour._replace(deleted_on_get=False)
        doomed = fake.create(Pass(template="t", kind="event_ticket"))
        fake.delete(doomed.id)
        with pytest.raises(NotFound):
            fake.get(doomed.id)
        with pytest.raises(NotFound):
            fake.update(doomed.id, PassUpdate(fields={"a": "b"}))
        with pytest.raises(NotFound):
            fake.redeem(doomed.id)
