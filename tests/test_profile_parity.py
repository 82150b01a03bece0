"""A vendor profile behaves like its vendor: the same calls, the same outcomes.

``connect("fake", profile=vendor)`` is what an application's tests use in place of the vendor.
For each vendor, one scenario runs on the profile and on the vendor's emulator (over HTTP on
127.0.0.1), with the same template aliases (the portability suite's ``walletpass.toml``), and every
observation must be equal: what each call returns (statuses, typed fields, attributes, amounts,
the redemption's vendor status), and every error, by type and message, the provider's name aside
(the profile is named ``fake(profile=<vendor>)``). Refusals must come before sending on both.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import (
    Holder,
    IssuedPass,
    Pass,
    PassUpdate,
    Provider,
    Redemption,
    WalletPassError,
)
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]
VENDORS = tuple(DASHBOARDS)

#: (vendor, step) -> what the profile still does differently from its vendor (strict xfail).
GAPS: dict[tuple[str, str], str] = {}


def seen_pass(issued: IssuedPass) -> dict[str, Any]:
    return {
        "template": issued.template,
        "vendor_template": issued.vendor_template,
        "kind": issued.kind and issued.kind.value,
        "status": issued.status.value,
        "external_id": issued.external_id,
        "holder": issued.holder and issued.holder.model_dump(exclude_none=True),
        "fields": issued.fields,
        "balance": issued.balance and issued.balance.model_dump(exclude_none=True),
    }


def seen_redemption(used: Redemption) -> dict[str, Any]:
    return {
        "status": used.status.value,
        "amount": used.amount,
        "remaining": used.remaining,
        "vendor_status": used.meta.get("vendor_status"),
        # Two clocks differ: whether the moment is known, and in which offset it is told.
        "redeemed_at": used.redeemed_at and used.redeemed_at.utcoffset(),
    }


@dataclass
class Run:
    """One side of the comparison: a provider and how to count what reached the vendor."""

    wallet: Provider
    sent: Callable[[], int]
    card: str | None = None
    ticket: str | None = None
    #: A pass the scenario deletes (where the provider can).
    doomed: str | None = None
    #: External ids the vendor (or the profile) made up for passes created without one.
    made_up: list[str] = field(default_factory=list)

    def created(self, new_pass: Pass) -> IssuedPass:
        issued = self.wallet.create(new_pass)
        if new_pass.external_id is None and issued.external_id is not None:
            self.made_up.append(issued.external_id)
        return issued


def _card(run: Run) -> Any:
    issued = run.wallet.create(
        Pass(
            template="coffee-card",
            kind="loyalty",
            external_id="M-1001",
            holder=Holder(name="Ada Lovelace"),
            fields={"points": 90},
        )
    )
    run.card = issued.id
    return seen_pass(issued)


def _doomed(run: Run) -> Any:
    issued = run.wallet.create(
        Pass(
            template="coffee-card",
            kind="loyalty",
            external_id="M-9009",
            holder=Holder(name="Grace Hopper"),
            fields={"points": 7},
        )
    )
    run.doomed = issued.id
    return seen_pass(issued)


def _ticket(run: Run) -> Any:
    issued = run.created(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder=Holder(name="Ada Lovelace"),
            fields={"seat": "12B", "gate": "C"},
        )
    )
    run.ticket = issued.id
    return seen_pass(issued)


STEPS: dict[str, Callable[[Run], Any]] = {
    "create_card": _card,
    "get_card": lambda run: seen_pass(run.wallet.get(run.card)),
    "top_up": lambda run: seen_pass(
        run.wallet.update(
            run.card, PassUpdate(fields={"points": 95}, message="You now have %@ points")
        )
    ),
    "top_up_quietly": lambda run: seen_pass(
        run.wallet.update(run.card, PassUpdate(fields={"points": 95}))
    ),
    "get_topped_up": lambda run: seen_pass(run.wallet.get(run.card)),
    "spend_points": lambda run: seen_redemption(run.wallet.redeem(run.card, amount=5)),
    # Half a point from whole points: refused with the vendor's words, nothing spent (get_spent).
    "spend_fraction": lambda run: seen_redemption(
        run.wallet.redeem(run.card, amount=Decimal("2.5"))
    ),
    "get_spent": lambda run: seen_pass(run.wallet.get(run.card)),
    "overspend": lambda run: seen_redemption(run.wallet.redeem(run.card, amount=10_000)),
    "use_card": lambda run: seen_redemption(run.wallet.redeem(run.card)),
    "get_used_card": lambda run: seen_pass(run.wallet.get(run.card)),
    "create_ticket": _ticket,
    # One field of two: a vendor whose read has no fields (Livepasses) answers the one it set.
    "move_seat": lambda run: seen_pass(
        run.wallet.update(run.ticket, PassUpdate(fields={"seat": "12C"}))
    ),
    "scan_ticket": lambda run: seen_redemption(run.wallet.redeem(run.ticket)),
    "scan_again": lambda run: seen_redemption(run.wallet.redeem(run.ticket)),
    "get_ticket": lambda run: seen_pass(run.wallet.get(run.ticket)),
    "spend_on_ticket": lambda run: seen_redemption(run.wallet.redeem(run.ticket, amount=1)),
    "holder_email": lambda run: seen_pass(
        run.created(
            Pass(template="coffee-card", kind="loyalty", holder=Holder(email="ada@example.com"))
        )
    ),
    "ambiguous_message": lambda run: seen_pass(
        run.wallet.update(
            run.ticket, PassUpdate(fields={"seat": "14C", "gate": "D"}, message="Now %@")
        )
    ),
    "list": lambda run: [seen_pass(p) for p in run.wallet.list(template="coffee-card")],
    "delete_ticket": lambda run: run.wallet.delete(run.ticket),
    # After delete(): one outcome on the vendor and its profile (DELETED, then NotFound for
    # every write; or the same documented refusal where the vendor cannot delete).
    "create_doomed": _doomed,
    "delete_pass": lambda run: run.wallet.delete(run.doomed),
    "get_deleted": lambda run: seen_pass(run.wallet.get(run.doomed)),
    "update_deleted": lambda run: seen_pass(
        run.wallet.update(run.doomed, PassUpdate(fields={"points": 8}))
    ),
    "redeem_deleted": lambda run: seen_redemption(run.wallet.redeem(run.doomed)),
    "spend_deleted": lambda run: seen_redemption(run.wallet.redeem(run.doomed, amount=1)),
    "delete_again": lambda run: run.wallet.delete(run.doomed),
    # A field the pass never set is absent on both sides (a Pass2U model shows it empty).
    "unset_field": lambda run: [
        seen_pass(
            issued := run.created(
                Pass(
                    template="tasting",
                    kind="event_ticket",
                    holder=Holder(name="Ada Lovelace"),
                    fields={"seat": "1A"},
                )
            )
        ),
        seen_pass(run.wallet.get(issued.id)),
    ],
    # A card created without its balance field: what the vendor gives it (PassEntry: 0), from
    # the create's answer and from get alike.
    "card_without_points": lambda run: [
        seen_pass(
            card := run.created(
                Pass(
                    template="coffee-card",
                    external_id="M-2002",
                    holder=Holder(name="Grace Hopper"),
                )
            )
        ),
        seen_pass(run.wallet.get(card.id)),
    ],
    # An untyped value reads back as the vendor answers it (PassEntry: text).
    "untyped_value": lambda run: seen_pass(
        run.wallet.get(
            run.created(
                Pass(template="tasting", kind="event_ticket", fields={"seat": 14, "gate": "D"})
            ).id
        )
    ),
}


@dataclass(frozen=True)
class Seen:
    """A step's outcome: its value, or its error's type and message (provider name aside).

    The message is compared for walletpass's own refusals and input errors; an error about the
    pass's state (``AlreadyRedeemed``, ``NotFound``, a balance too low) carries the vendor's
    own words, which a profile cannot know: only its type is compared.
    """

    value: Any = None
    error: tuple[str, str] | None = None
    sent_before_refusal: bool = False


#: Steps that need the card or the ticket.
NEEDS = {
    **dict.fromkeys(
        (
            "get_card",
            "top_up",
            "top_up_quietly",
            "get_topped_up",
            "spend_points",
            "spend_fraction",
            "get_spent",
        ),
        "card",
    ),
    **dict.fromkeys(("overspend", "use_card", "get_used_card"), "card"),
    **dict.fromkeys(
        (
            "move_seat",
            "scan_ticket",
            "scan_again",
            "get_ticket",
            "spend_on_ticket",
            "ambiguous_message",
        ),
        "ticket",
    ),
    "delete_ticket": "ticket",
    **dict.fromkeys(
        (
            "delete_pass",
            "get_deleted",
            "update_deleted",
            "redeem_deleted",
            "spend_deleted",
            "delete_again",
        ),
        "doomed",
    ),
}


def _words(exc: WalletPassError, label: str) -> str:
    """The error's message, the provider's name aside, wherever walletpass wrote it (no vendor
    answer carried it: ``status`` is ``None``); a vendor's own words in an error answer are
    ones a profile cannot know."""
    if exc.status is not None:
        return VENDOR_WORDS
    return str(exc).replace(label, "<provider>")


VENDOR_WORDS = "<the vendor's words>"


def observe(run: Run, label: str) -> dict[str, Seen]:
    """Every step on ``run``, named ``label`` in its messages."""
    seen: dict[str, Seen] = {}
    for step, action in STEPS.items():
        needed = NEEDS.get(step)
        if needed and getattr(run, needed) is None:
            seen[step] = Seen(value=f"not reached: no {needed}")
            continue
        before = run.sent()
        try:
            seen[step] = Seen(value=action(run))
        except WalletPassError as exc:
            refused = isinstance(
                exc, walletpass.UnsupportedFeature | walletpass.UnsupportedOperation
            )
            message = _words(exc, label)
            seen[step] = Seen(
                error=(type(exc).__name__, message),
                sent_before_refusal=refused and run.sent() > before,
            )
    return seen


def _normalised(value: Any, run: Run) -> Any:
    """Ids differ between the two sides by nature: compare them as roles (a made-up external id
    by the order it was made up in, so a read must report the one its create did)."""
    if isinstance(value, str):
        roles = [("<card id>", run.card), ("<ticket id>", run.ticket), ("<doomed>", run.doomed)]
        roles += [(f"<made-up external id {n}>", made) for n, made in enumerate(run.made_up)]
        for role, pass_id in roles:
            if pass_id is not None:
                value = value.replace(pass_id, role)
        return value
    if isinstance(value, dict):
        return {k: _normalised(v, run) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_normalised(v, run) for v in value)
    return value


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, dict[str, tuple[Seen, Seen]]]]:
    """Per vendor and step: (what the profile did, what the emulator did)."""
    found: dict[str, dict[str, tuple[Seen, Seen]]] = {}
    for vendor, dashboard in DASHBOARDS.items():
        aliases = CONFIG["providers"][vendor]
        settings = {k: v for k, v in aliases.items() if k == "templates"}
        app = load_emulator(vendor, **dashboard)
        with EmulatorServer(app) as server:
            with walletpass.connect(
                vendor, base_url=server.url, api_key=app.api_key, **aliases
            ) as real:
                real_run = Run(real, lambda app=app: len(app.journal))
                real_seen = observe(real_run, vendor)
            with walletpass.connect("fake", profile=vendor, **settings) as fake:
                fake_run = Run(fake, lambda fake=fake: len(fake.calls))
                fake_seen = observe(fake_run, f"fake(profile={vendor})")
        found[vendor] = {
            step: (
                _normalised_seen(fake_seen[step], fake_run),
                _normalised_seen(real_seen[step], real_run),
            )
            for step in STEPS
        }
    yield found


def _normalised_seen(seen: Seen, run: Run) -> Seen:
    return Seen(
        _normalised(seen.value, run), _normalised(seen.error, run), seen.sent_before_refusal
    )


def _cases(steps: Iterable[str], gaps: Mapping[tuple[str, str], str]) -> Iterator[Any]:
    """(vendor, step) for every vendor and step, a step in ``gaps`` marked strict xfail."""
    for vendor in VENDORS:
        for step in steps:
            gap = gaps.get((vendor, step))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(vendor, step, id=f"{vendor}-{step}", marks=marks)


@pytest.mark.parametrize(("vendor", "step"), list(_cases(STEPS, GAPS)))
def test_the_profile_does_what_its_vendor_does(
    outcomes: dict[str, dict[str, tuple[Seen, Seen]]], vendor: str, step: str
) -> None:
    profile, emulator = outcomes[vendor][step]
    assert not emulator.sent_before_refusal, f"{vendor} sent a request before refusing {step}"
    assert _as_compared(profile, emulator) == emulator


def _as_compared(profile: Seen, emulator: Seen) -> Seen:
    """``profile`` as compared with ``emulator``: where the vendor's own error answer gave the
    words, which a profile cannot know, the error's type alone."""
    if profile.error and emulator.error and emulator.error[1] == VENDOR_WORDS:
        return Seen(profile.value, (profile.error[0], VENDOR_WORDS), profile.sent_before_refusal)
    return profile


# -- without template aliases ----------------------------------------------------------------
#
# An application may name the vendor's own templates and fields (no alias): the profile must
# then report what the vendor reports, e.g. the kind its template's type reads back as (or none
# where its answer does not say), not the kind the create asked for. The kind asked is the
# template's own, as a user designing the template in the dashboard would ask.

#: Per vendor: (template, kind, holder, fields) for a card and a ticket, and the card's update.
PLAIN: dict[str, dict[str, Any]] = {
    "pass2u": {
        "card": ("7001", "loyalty", {"stamps": 3}),
        "ticket": ("7002", "event_ticket", {"seat_no": "12B", "gate": "C"}),
        "update": {"stamps": 4},
    },
    "passentry": {
        "card": ("5f0e9c1d2b3a4f5e6d7c8b9a", "loyalty", {"stamps": "3"}),
        "ticket": ("19cb334f9696e64e10e7759f", "event_ticket", {"seat": "12B", "gate": "C"}),
        "update": {"stamps": "4"},
    },
    "livepasses": {
        "card": ("tmpl-coffee", "loyalty", {"currentPoints": 3}),
        "ticket": ("tmpl-tasting", "event_ticket", {"seatNumber": "12B"}),
        "update": {"currentPoints": 4},
    },
    "livepass": {
        "card": ("membership-card", "loyalty", {"membership_tier": "gold"}),
        "ticket": ("reservation", "reservation", {"title": "Tasting"}),
        "update": {"membership_tier": "silver"},
    },
}


#: (vendor, step) -> what the profile still does differently from its vendor without aliases.
PLAIN_GAPS: dict[tuple[str, str], str] = {
    ("passentry", "spend"): "without an alias's balance_field the profile's card keeps no "
    "balance (no balance to deduct from), while PassEntry's loyalty endpoint holds 0 (a balance "
    "of 0, less than 1)",
    ("livepasses", "spend"): "a template of type Loyalty with no kind in an alias: Livepasses' "
    "provider refuses to guess the verb (options), the profile spends from currentPoints",
    ("livepasses", "use_card"): (
        "without an alias Livepasses cannot tell the card's kind (only the EventTicket template "
        "type is attested) and refuses with ValidationError naming options; the profile, which "
        "cannot see the dashboard, judges by the kind the create asked and raises NotUsedUp"
    ),
}


def seen_plain(issued: IssuedPass) -> dict[str, Any]:
    """``seen_pass`` and the barcode (a write may not know its format: Pass2U's)."""
    barcode = issued.barcode and issued.barcode.model_dump(mode="json")
    return {**seen_pass(issued), "barcode": barcode}


def _plain_create(run: Run, vendor: str, which: str) -> Any:
    template, kind, fields = PLAIN[vendor][which]
    issued = run.created(
        Pass(template=template, kind=kind, holder=Holder(name="Ada Lovelace"), fields=fields)
    )
    setattr(run, which, issued.id)
    return seen_plain(issued)


PLAIN_STEPS: dict[str, Callable[[Run, str], Any]] = {
    "create_card": lambda run, vendor: _plain_create(run, vendor, "card"),
    "get_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    "update_card": lambda run, vendor: seen_plain(
        run.wallet.update(run.card, PassUpdate(fields=PLAIN[vendor]["update"]))
    ),
    "get_updated_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    # A spend where no alias names the balance: each vendor's own rule, in the same words.
    "spend": lambda run, vendor: seen_redemption(run.wallet.redeem(run.card, amount=1)),
    "create_ticket": lambda run, vendor: _plain_create(run, vendor, "ticket"),
    "get_ticket": lambda run, vendor: seen_plain(run.wallet.get(run.ticket)),
    "list": lambda run, vendor: [
        seen_plain(p) for p in run.wallet.list(template=PLAIN[vendor]["card"][0])
    ],
    # redeem(id) on the card: refused alike (NotUsedUp, or the vendor's documented refusal).
    "use_card": lambda run, vendor: seen_redemption(run.wallet.redeem(run.card)),
    "delete_card": lambda run, vendor: run.wallet.delete(run.card),
    "get_deleted_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    "update_deleted_card": lambda run, vendor: seen_plain(
        run.wallet.update(run.card, PassUpdate(fields=PLAIN[vendor]["update"]))
    ),
    "redeem_deleted_ticket": lambda run, vendor: [
        run.wallet.delete(run.ticket),
        seen_plain(run.wallet.get(run.ticket)),
        seen_redemption(run.wallet.redeem(run.ticket)),
    ],
}


def _observe_plain(run: Run, vendor: str, label: str) -> dict[str, Seen]:
    seen: dict[str, Seen] = {}
    for step, action in PLAIN_STEPS.items():
        try:
            seen[step] = Seen(value=action(run, vendor))
        except WalletPassError as exc:
            seen[step] = Seen(error=(type(exc).__name__, _words(exc, label)))
    return seen


@pytest.fixture(scope="module")
def plain_outcomes() -> dict[str, dict[str, tuple[Seen, Seen]]]:
    """Per vendor and step, without aliases: (what the profile did, what the emulator did)."""
    found: dict[str, dict[str, tuple[Seen, Seen]]] = {}
    for vendor, dashboard in DASHBOARDS.items():
        app = load_emulator(vendor, **dashboard)
        with (
            EmulatorServer(app) as server,
            walletpass.connect(vendor, base_url=server.url, api_key=app.api_key) as real,
        ):
            real_run = Run(real, lambda app=app: len(app.journal))
            real_seen = _observe_plain(real_run, vendor, vendor)
        with walletpass.connect("fake", profile=vendor) as fake:
            fake_run = Run(fake, lambda fake=fake: len(fake.calls))
            fake_seen = _observe_plain(fake_run, vendor, f"fake(profile={vendor})")
        found[vendor] = {
            step: (
                _normalised_seen(fake_seen[step], fake_run),
                _normalised_seen(real_seen[step], real_run),
            )
            for step in PLAIN_STEPS
        }
    return found


@pytest.mark.parametrize(("vendor", "step"), list(_cases(PLAIN_STEPS, PLAIN_GAPS)))
def test_without_aliases_the_profile_reports_what_its_vendor_reports(
    plain_outcomes: dict[str, dict[str, tuple[Seen, Seen]]], vendor: str, step: str
) -> None:
    profile, emulator = plain_outcomes[vendor][step]
    assert _as_compared(profile, emulator) == emulator
