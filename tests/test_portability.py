"""Portability: one application, written once, run unchanged on every provider.

The coffee shop below enrols members on a loyalty card (member number, holder name, points),
reads the card back, tops the points up with a notification, enrols several members at once,
lists its cards, issues a tasting ticket (seat, gate), scans it at the door, scans it again,
reads it back, and spends points. It names no vendor, no vendor template id and no vendor field
key: ``walletpass.toml`` maps its logical templates per provider, and the environment says which
provider to use. The same run on the fake and on each vendor's emulator (over HTTP on
127.0.0.1), on the sync API and on the async one (``walletpass.aio``), must observe exactly
:data:`EXPECTED`: logical template and field names, typed values, the same statuses, the same
errors.

The vendor side lives in ``tests/portability/``: ``walletpass.toml`` (the shop's configuration)
and ``vendors.toml`` (each vendor's dashboard, seeded into its emulator; the steps a vendor truly
cannot do, which must end in the refusal its declarations document, before anything is sent; the
parts of a pass a vendor's read does not return, which the read must leave out entirely; and
the steps a provider still gets wrong, marked strict xfail naming what is missing).
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import walletpass
import walletpass.aio
from walletpass import (
    Holder,
    IssuedPass,
    Pass,
    PassUpdate,
    Provider,
    UnsupportedOperation,
    WalletPassError,
)
from walletpass.testing.aio import BlockingProvider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = HERE / "walletpass.toml"
VENDORS: dict[str, Any] = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))
DASHBOARDS: dict[str, dict[str, Any]] = VENDORS["dashboards"]
REFUSED: dict[str, dict[str, str]] = VENDORS["refused"]
LEFT_OUT: dict[str, dict[str, str]] = VENDORS["left_out"]
GAPS: dict[str, dict[str, str]] = VENDORS["gaps"]
PROVIDERS = ("fake", *DASHBOARDS)

MISSING = "<missing>"

# --------------------------------------------------------------------------------------------
# The application
# --------------------------------------------------------------------------------------------


def card_for(member: str, name: str, points: int) -> Pass:
    return Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=member,
        holder=Holder(name=name),
        fields={"points": points},
    )


def card_seen(card: IssuedPass) -> dict[str, Any]:
    """What the shop reads off a loyalty card."""
    return {
        "template": card.template,
        "kind": card.kind and card.kind.value,
        "status": card.status.value,
        "member": card.external_id,
        "holder": card.holder.display_name if card.holder else None,
        "fields": {key: card.fields.get(key, MISSING) for key in ("points",)},
    }


def ticket_seen(ticket: IssuedPass) -> dict[str, Any]:
    """What the door staff read off a ticket (its status: still usable or used up)."""
    return {
        "template": ticket.template,
        "kind": ticket.kind and ticket.kind.value,
        "used_up": ticket.status.is_final,
        "holder": ticket.holder.display_name if ticket.holder else None,
        "fields": {key: ticket.fields.get(key, MISSING) for key in ("seat", "gate")},
    }


@dataclass
class Shop:
    """The coffee shop's state between steps: the ids the wallet gave it."""

    wallet: Provider
    card: str | None = None
    ticket: str | None = None

    def enrol(self) -> Any:
        issued = self.wallet.create(card_for("M-1001", "Ada Lovelace", 90))
        self.card = issued.id
        return card_seen(issued)

    def read_card(self) -> Any:
        return card_seen(self.wallet.get(self._card()))

    def top_up(self) -> Any:
        change = PassUpdate(fields={"points": 95}, message="You now have %@ points")
        updated = self.wallet.update(self._card(), change)
        return {"answer": card_seen(updated), "read": card_seen(self.wallet.get(self._card()))}

    def enrol_many(self) -> Any:
        result = self.wallet.create_many(
            [card_for("M-2001", "Grace Hopper", 10), card_for("M-2002", "Alan Turing", 20)]
        )
        return {
            "succeeded": result.succeeded,
            "failed": result.failed,
            "cards": [card_seen(p) for p in result.passes],
        }

    def list_cards(self) -> Any:
        cards = [card_seen(p) for p in self.wallet.list(template="coffee-card")]
        return sorted(cards, key=lambda card: str(card["member"]))

    def issue_ticket(self) -> Any:
        issued = self.wallet.create(
            Pass(
                template="tasting",
                kind="event_ticket",
                holder=Holder(name="Ada Lovelace"),
                fields={"seat": "12B", "gate": "C"},
            )
        )
        self.ticket = issued.id
        return ticket_seen(issued)

    def scan_ticket(self) -> Any:
        used = self.wallet.redeem(self._ticket())
        return {"status": used.status.value, "amount": used.amount, "remaining": used.remaining}

    def scan_again(self) -> Any:
        return self.scan_ticket()

    def read_ticket(self) -> Any:
        return ticket_seen(self.wallet.get(self._ticket()))

    def spend_points(self) -> Any:
        spent = self.wallet.redeem(self._card(), amount=5)
        after = self.wallet.get(self._card())
        return {
            "status": spent.status.value,
            "amount": spent.amount,
            "remaining": spent.remaining,
            # The exact status: a spend leaves the lifecycle status as it was (issued).
            "read": {"status": after.status.value, "fields": card_seen(after)["fields"]},
        }

    def use_card(self) -> Any:
        """A bare redeem on the loyalty card: it would not use the card up, so it is refused."""
        used = self.wallet.redeem(self._card())
        return {"status": used.status.value}

    def delete_ticket(self) -> Any:
        self.wallet.delete(self._ticket())
        return {"status": self.wallet.get(self._ticket()).status.value}

    def after_delete(self) -> Any:
        """What every write on the deleted ticket meets: one error everywhere."""
        seen = {}
        for name, write in (
            (
                "update",
                lambda: self.wallet.update(self._ticket(), PassUpdate(fields={"seat": "1A"})),
            ),
            ("redeem", lambda: self.wallet.redeem(self._ticket())),
        ):
            try:
                write()
                seen[name] = "done"
            except WalletPassError as exc:
                seen[name] = type(exc).__name__
        return seen

    # A step whose pass an earlier step could not issue still asks the vendor with a placeholder
    # id, so an operation the vendor lacks is refused as such rather than skipped.
    def _card(self) -> str:
        return self.card or "not-issued"

    def _ticket(self) -> str:
        return self.ticket or "not-issued"


STEPS: dict[str, Callable[[Shop], Any]] = {
    "enrol": Shop.enrol,
    "read_card": Shop.read_card,
    "top_up": Shop.top_up,
    "enrol_many": Shop.enrol_many,
    "list_cards": Shop.list_cards,
    "issue_ticket": Shop.issue_ticket,
    "scan_ticket": Shop.scan_ticket,
    "scan_again": Shop.scan_again,
    "read_ticket": Shop.read_ticket,
    "spend_points": Shop.spend_points,
    "use_card": Shop.use_card,
    "delete_ticket": Shop.delete_ticket,
    "after_delete": Shop.after_delete,
}

#: Steps that need the pass of an earlier step.
NEEDS = {
    "read_card": "enrol",
    "top_up": "enrol",
    "scan_ticket": "issue_ticket",
    "scan_again": "issue_ticket",
    "read_ticket": "issue_ticket",
    "spend_points": "enrol",
    "use_card": "enrol",
    "delete_ticket": "issue_ticket",
    "after_delete": "delete_ticket",
}


def _card(member: str, name: str, points: int, status: str = "issued") -> dict[str, Any]:
    return {
        "template": "coffee-card",
        "kind": "loyalty",
        "status": status,
        "member": member,
        "holder": name,
        "fields": {"points": points},
    }


_TICKET = {
    "template": "tasting",
    "kind": "event_ticket",
    "holder": "Ada Lovelace",
    "fields": {"seat": "12B", "gate": "C"},
}

#: What the shop observes, identical on every provider.
EXPECTED: dict[str, Any] = {
    "enrol": _card("M-1001", "Ada Lovelace", 90),
    "read_card": _card("M-1001", "Ada Lovelace", 90),
    "top_up": {
        "answer": _card("M-1001", "Ada Lovelace", 95),
        "read": _card("M-1001", "Ada Lovelace", 95),
    },
    "enrol_many": {
        "succeeded": 2,
        "failed": 0,
        "cards": [_card("M-2001", "Grace Hopper", 10), _card("M-2002", "Alan Turing", 20)],
    },
    "list_cards": [
        _card("M-1001", "Ada Lovelace", 95),
        _card("M-2001", "Grace Hopper", 10),
        _card("M-2002", "Alan Turing", 20),
    ],
    "issue_ticket": {**_TICKET, "used_up": False},
    "scan_ticket": {"status": "redeemed", "amount": None, "remaining": None},
    "scan_again": {"error": "AlreadyRedeemed"},
    "read_ticket": {**_TICKET, "used_up": True},
    "spend_points": {
        "status": "active",
        "amount": Decimal(5),
        "remaining": Decimal(90),
        "read": {"status": "issued", "fields": {"points": 90}},
    },
    "use_card": {"error": "NotUsedUp"},
    "delete_ticket": {"status": "deleted"},
    "after_delete": {"update": "NotFound", "redeem": "NotFound"},
}

# --------------------------------------------------------------------------------------------
# Running it
# --------------------------------------------------------------------------------------------


@dataclass
class Backend:
    """One provider the shop can run on: its environment and, for a vendor, its emulator."""

    name: str
    env: dict[str, str]
    emulator: Any = None

    def sent(self) -> int:
        """Requests that reached the vendor so far (the fake sends none)."""
        return len(self.emulator.journal) if self.emulator is not None else 0


@contextmanager
def backends() -> Iterator[dict[str, Backend]]:
    """Every provider; each vendor's emulator seeded with the shop's dashboard, on 127.0.0.1."""
    found = {"fake": Backend("fake", {"WALLETPASS_PROVIDER": "fake"})}
    servers: list[EmulatorServer] = []
    try:
        for vendor, dashboard in DASHBOARDS.items():
            app = load_emulator(vendor, **dashboard)
            server = EmulatorServer(app)
            servers.append(server.__enter__())
            prefix = f"WALLETPASS_{vendor.upper()}_"
            env = {"WALLETPASS_PROVIDER": vendor}
            env.update({prefix + "BASE_URL": server.url, prefix + "API_KEY": app.api_key})
            found[vendor] = Backend(vendor, env, app)
        yield found
    finally:
        for server in servers:
            server.__exit__(None, None, None)


@dataclass
class Observation:
    """What one step showed: its result, or the error it raised and what was sent meanwhile."""

    value: Any = None
    error: WalletPassError | None = None
    sent: int = 0
    declarations: dict[str, tuple[str, str]] = field(default_factory=dict)

    def shown(self) -> Any:
        if self.error is not None:
            return {"error": type(self.error).__name__}
        return self.value


def connected(backend: Backend, api: str) -> Any:
    """The shop's wallet on ``backend``, configured by the file and the environment only, on the
    sync API or on the async one (``walletpass.aio``, each call awaited to completion)."""
    if api == "sync":
        return walletpass.from_config(CONFIG, env=backend.env)
    return BlockingProvider(asyncio.run(walletpass.aio.from_config(CONFIG, env=backend.env)))


def run(backend: Backend, api: str) -> dict[str, Observation]:
    """The whole scenario on one provider and one API."""
    seen: dict[str, Observation] = {}
    with connected(backend, api) as wallet:
        shop = Shop(wallet)
        for step, action in STEPS.items():
            needed = NEEDS.get(step)
            if needed and seen[needed].error is not None and step not in _ID_FREE_REFUSALS:
                seen[step] = Observation(value="not reached")
                continue
            before = backend.sent()
            try:
                seen[step] = Observation(action(shop))
            except WalletPassError as exc:
                seen[step] = Observation(
                    error=exc, sent=backend.sent() - before, declarations=_declared(wallet, exc)
                )
    return seen


#: Steps whose refusal does not depend on the pass (the operation itself is declared missing).
_ID_FREE_REFUSALS = frozenset(
    {"scan_ticket", "scan_again", "spend_points", "use_card", "delete_ticket"}
)


def _declared(wallet: Provider, exc: WalletPassError) -> dict[str, tuple[str, str]]:
    """The provider's declarations for what ``exc`` names: support and note."""
    if isinstance(exc, UnsupportedOperation):
        names = [exc.operation] if exc.operation else []
    else:
        names = list(getattr(exc, "features", ()) or ())
    declared = {}
    for name in names:
        try:
            declaration = wallet.capabilities[name]
        except (KeyError, ValueError):
            continue
        declared[name] = (declaration.support.value, declaration.note)
    return declared


APIS = ("sync", "async")


@pytest.fixture(scope="module")
def observations() -> dict[tuple[str, str], dict[str, Observation]]:
    """Each API's run on every provider, each with emulators of its own (fresh dashboards)."""
    seen = {}
    for api in APIS:
        with backends() as started:
            seen.update({(api, name): run(backend, api) for name, backend in started.items()})
    return seen


def _expected(provider: str, step: str) -> Any:
    expected = EXPECTED[step]
    left_out = LEFT_OUT[provider].get(step) if provider in LEFT_OUT else None
    return expected if left_out is None else _left_out(expected, left_out.split("."))


def _left_out(value: Any, path: list[str]) -> Any:
    """``value`` with the part at ``path`` read back as nothing (a list: in every item)."""
    if isinstance(value, list):
        return [_left_out(item, path) for item in value]
    head, rest = path[0], path[1:]
    if not rest:
        return {**value, head: dict.fromkeys(value[head], MISSING)}
    return {**value, head: _left_out(value[head], rest)}


def _cases() -> Iterator[Any]:
    for api in APIS:
        for provider in PROVIDERS:
            for step in STEPS:
                gap = GAPS.get(provider, {}).get(step)
                marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
                # (the sync ids stay as they were)
                name = f"{provider}-{step}" if api == "sync" else f"async-{provider}-{step}"
                yield pytest.param(api, provider, step, id=name, marks=marks)


@pytest.mark.parametrize(("api", "provider", "step"), list(_cases()))
def test_every_provider_observes_the_same(
    observations: dict[tuple[str, str], dict[str, Observation]], api: str, provider: str, step: str
) -> None:
    seen = observations[api, provider][step]
    refusal = REFUSED.get(provider, {}).get(step)
    if refusal is None:
        assert seen.shown() == _expected(provider, step), seen.error
        return
    if refusal == "not reached":
        assert seen.value == "not reached"
        return
    # The documented refusal: its type, nothing sent, and the declaration it quotes.
    assert seen.error is not None, f"{provider} did {step}, which it is declared unable to do"
    assert type(seen.error).__name__ == refusal, seen.error
    assert seen.sent == 0, f"{provider} sent {seen.sent} request(s) before refusing {step}"
    assert seen.declarations, f"{provider} refused {step} naming nothing it declares: {seen.error}"
    for name, (support, note) in seen.declarations.items():
        assert support == "none", f"{provider} refused {name}, which it declares {support}"
        assert note in str(seen.error)
    assert provider in str(seen.error)
