"""A vendor profile behaves like its vendor for every kind of pass the vendor has.

``test_profile_parity.py`` holds each profile to its vendor's emulator over a loyalty card and an
event ticket. Here the same comparison (every attribute of each result and error, ids by role,
moments by shape: that module's ``seen_*`` and ``_normalised``) runs over every other kind each
vendor's dashboard can give a template (``tests/portability/vendors.toml``: a coupon, a
membership card, a gift card, a boarding pass, an appointment), with the template alias of
``tests/portability/walletpass.toml`` and without, through one scenario: create, get, update
(its fields, then its balance), spend from it, use it, use it again, read it, list, delete and
read it after the delete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

import walletpass
from walletpass import Balance, Holder, Pass, PassUpdate, WalletPassError
from walletpass.model import Beacon, Color, Colors, Location, Nfc
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

from . import test_profile_parity as parity


@dataclass(frozen=True)
class Case:
    """One kind of pass on one vendor, in the vendor's own terms (no alias).

    ``alias``: the logical template of ``walletpass.toml`` that names ``template`` (its fields
    are written under their logical names in the aliased run), or ``None``: no alias.
    """

    template: str
    kind: str
    fields: dict[str, Any]
    update: dict[str, Any]
    alias: str | None = None
    balance: Decimal | None = None
    top_up: Decimal | None = None
    spend: Decimal = Decimal(5)


#: Per vendor, per kind: the pass the scenario issues (each vendor's documented template types).
CASES: dict[str, dict[str, Case]] = {
    "pass2u": {
        "coupon": Case("7003", "coupon", {"offer": "2 FOR 1"}, {"offer": "3 FOR 2"}, "voucher"),
        "membership": Case(
            "7004",
            "membership",
            {"member_no": "G-77", "tier_name": "gold"},
            {"tier_name": "silver"},
            "members",
        ),
        # Pass2U keeps no balance: a gift card's credit is a field of its model.
        "gift_card": Case(
            "7005", "gift_card", {"card_no": "GC-1", "credit": "50"}, {"credit": "45"}, "gift-card"
        ),
        "boarding_pass": Case(
            "7006", "boarding_pass", {"seat_no": "3A", "gate": "B2"}, {"gate": "B4"}, "boarding"
        ),
    },
    "passentry": {
        "coupon": Case(
            "6a1b2c3d4e5f6a7b8c9d0e1f",
            "coupon",
            {"offer": "2 FOR 1"},
            {"offer": "3 FOR 2"},
            "voucher",
        ),
        "membership": Case(
            "6b2c3d4e5f6a7b8c9d0e1f2a",
            "membership",
            {"member_no": "G-77", "tier_name": "gold"},
            {"tier_name": "silver"},
            "members",
        ),
        "gift_card": Case(
            "6c3d4e5f6a7b8c9d0e1f2a3b",
            "gift_card",
            {"card_no": "GC-1"},
            {"card_no": "GC-2"},
            "gift-card",
            balance=Decimal(50),
            top_up=Decimal(60),
        ),
        "boarding_pass": Case(
            "6d4e5f6a7b8c9d0e1f2a3b4c",
            "boarding_pass",
            {"seat": "3A", "gate": "B2"},
            {"gate": "B4"},
            "boarding",
        ),
    },
    "livepasses": {
        "coupon": Case(
            "tmpl-voucher",
            "coupon",
            {"promoCode": "TWOFORONE"},
            {"promoCode": "THREEFORTWO"},
            "voucher",
        ),
        "membership": Case(
            "tmpl-members",
            "membership",
            {"membershipNumber": "G-77", "memberTier": "gold"},
            {"memberTier": "silver"},
            "members",
        ),
        "gift_card": Case(
            "tmpl-gift",
            "gift_card",
            {},
            {},
            "gift-card",
            balance=Decimal(50),
            top_up=Decimal(60),
        ),
    },
    "livepass": {
        "membership": Case(
            "membership-card",
            "membership",
            {"membership_tier": "gold"},
            {"membership_tier": "silver"},
            balance=Decimal(50),
            top_up=Decimal(60),
        ),
        "appointment": Case(
            "appointment",
            "appointment",
            {"title": "Cupping"},
            {"title": "Roasting"},
            "appointment",
        ),
    },
}


def _logical(vendor: str, case: Case, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` (vendor keys) under the logical names of ``case``'s template alias."""
    alias = parity.CONFIG["providers"][vendor]["templates"][case.alias]
    names = {
        (entry if isinstance(entry, str) else entry["key"]): name
        for name, entry in alias.get("fields", {}).items()
    }
    return {names.get(key, key): value for key, value in fields.items()}


@dataclass
class KindRun:
    """One side, one case: the provider, what it sent, and the pass the scenario issued."""

    run: parity.Run
    case: Case
    vendor: str
    aliased: bool

    def fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        return _logical(self.vendor, self.case, fields) if self.aliased else fields

    @property
    def template(self) -> str:
        assert self.case.alias is not None or not self.aliased
        return self.case.alias if self.aliased and self.case.alias else self.case.template


RELEVANT_AT = datetime(2026, 12, 24, 18, 30, tzinfo=timezone(timedelta(hours=1)))


DECORATION = PassUpdate(
    group="autumn",
    nfc=Nfc(message="member-77"),
    locations=[Location(latitude=51.5, longitude=-0.12, relevant_text="Near the roastery")],
    beacons=[Beacon(proximity_uuid=UUID("e2c56db5-dffb-48d2-b060-d0f5a71096e0"), major=1)],
    colors=Colors(background=Color(16, 32, 48)),
)


def _create(k: KindRun) -> Any:
    case = k.case
    balance = None if case.balance is None else Balance(amount=case.balance)
    new = Pass(
        template=k.template,
        holder=Holder(name="Ada Lovelace"),
        fields=k.fields(case.fields),
        balance=balance,
        **({} if k.aliased else {"kind": case.kind}),
    )
    issued = k.run.created(new)
    k.run.card = issued.id
    return parity.seen_pass(issued)


def _top_up(k: KindRun) -> Any:
    amount = k.case.top_up if k.case.top_up is not None else Decimal(60)
    return parity.seen_pass(
        k.run.wallet.update(k.run.card, PassUpdate(balance=Balance(amount=amount)))
    )


STEPS: dict[str, Callable[[KindRun], Any]] = {
    "create": _create,
    "get": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "update": lambda k: parity.seen_pass(
        k.run.wallet.update(k.run.card, PassUpdate(fields=k.fields(k.case.update)))
    ),
    # A message with the change: what each vendor says of it (PassEntry's latest_message and
    # notification, Livepasses' notified).
    "notify": lambda k: parity.seen_pass(
        k.run.wallet.update(
            k.run.card, PassUpdate(fields=k.fields(k.case.update), message="Your pass changed")
        )
    ),
    "get_notified": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "top_up": _top_up,
    # What PassEntry answers back as it was sent (meta nfc, locations, beacons, passDesign,
    # group_tag); a vendor that cannot carry one of them refuses the whole change.
    "decorate": lambda k: parity.seen_pass(k.run.wallet.update(k.run.card, DECORATION)),
    # Pass2U reports the relevant date it was given in meta (relevant_at); others refuse it.
    "set_relevant": lambda k: parity.seen_pass(
        k.run.wallet.update(k.run.card, PassUpdate(relevant_at=RELEVANT_AT))
    ),
    "get_updated": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "spend": lambda k: parity.seen_redemption(k.run.wallet.redeem(k.run.card, amount=k.case.spend)),
    "get_spent": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "use": lambda k: parity.seen_redemption(k.run.wallet.redeem(k.run.card)),
    "use_again": lambda k: parity.seen_redemption(k.run.wallet.redeem(k.run.card)),
    "get_used": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "list": lambda k: [parity.seen_pass(p) for p in k.run.wallet.list(template=k.template)],
    "delete": lambda k: k.run.wallet.delete(k.run.card),
    "get_deleted": lambda k: parity.seen_pass(k.run.wallet.get(k.run.card)),
    "update_deleted": lambda k: parity.seen_pass(
        k.run.wallet.update(k.run.card, PassUpdate(fields=k.fields(k.case.update)))
    ),
}


def _observe(k: KindRun, label: str) -> dict[str, parity.Seen]:
    seen: dict[str, parity.Seen] = {}
    for step, action in STEPS.items():
        if step != "create" and k.run.card is None:
            seen[step] = parity.Seen(value="not reached: no pass")
            continue
        before = k.run.sent()
        try:
            seen[step] = parity.Seen(value=action(k))
        except WalletPassError as exc:
            refused = isinstance(
                exc, walletpass.UnsupportedFeature | walletpass.UnsupportedOperation
            )
            seen[step] = parity.Seen(
                error=parity._seen_error(exc, label),
                sent_before_refusal=refused and k.run.sent() > before,
            )
    return seen


#: (vendor, kind, aliased, step) -> what the profile still does differently (strict xfail).
GAPS: dict[tuple[str, str, bool, str], str] = {}

Found = dict[tuple[str, str, bool], dict[str, tuple[parity.Seen, parity.Seen]]]


@pytest.fixture(scope="module")
def kind_outcomes() -> Found:
    """Per (vendor, kind, aliased) and step: (what the profile did, what the emulator did)."""
    return observe_every_kind()


def observe_every_kind() -> Found:
    """Every case of ``CASES``, aliased and not, on each profile and each emulator (the meta
    keys each emulator's results carried: ``META_OBSERVED``)."""
    parity.META_SEEN.clear()
    found: Found = {}
    for vendor, cases in CASES.items():
        aliases = parity.CONFIG["providers"][vendor]
        settings = {k: v for k, v in aliases.items() if k == "templates"}
        for aliased in (True, False):
            app = load_emulator(vendor, **parity.DASHBOARDS[vendor])
            with (
                EmulatorServer(app) as server,
                walletpass.connect(
                    vendor,
                    base_url=server.url,
                    api_key=app.api_key,
                    **(aliases if aliased else {}),
                ) as real,
                walletpass.connect(
                    "fake",
                    profile=vendor,
                    dashboard=parity.DASHBOARDS[vendor],
                    **(settings if aliased else {}),
                ) as fake,
            ):
                for kind, case in cases.items():
                    if aliased and case.alias is None:
                        continue
                    real_run = parity.Run(real, lambda app=app: len(app.journal))
                    fake_run = parity.Run(fake, lambda fake=fake: len(fake.calls))
                    real_seen = _observe(KindRun(real_run, case, vendor, aliased), vendor)
                    fake_seen = _observe(
                        KindRun(fake_run, case, vendor, aliased), f"fake(profile={vendor})"
                    )
                    found[(vendor, kind, aliased)] = {
                        step: (
                            parity._normalised_seen(fake_seen[step], fake_run),
                            parity._normalised_seen(real_seen[step], real_run),
                        )
                        for step in STEPS
                    }
    META_OBSERVED.update({vendor: set(parity.META_SEEN.get(vendor, ())) for vendor in CASES})
    return found


def _cases() -> Iterator[Any]:
    for vendor, cases in CASES.items():
        for kind, case in cases.items():
            for aliased in (True, False):
                if aliased and case.alias is None:
                    continue
                for step in STEPS:
                    gap = GAPS.get((vendor, kind, aliased, step))
                    marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
                    name = f"{vendor}-{kind}-{'alias' if aliased else 'plain'}-{step}"
                    yield pytest.param(vendor, kind, aliased, step, id=name, marks=marks)


@pytest.mark.parametrize(("vendor", "kind", "aliased", "step"), list(_cases()))
def test_the_profile_does_what_its_vendor_does_for_every_kind(
    kind_outcomes: Found, vendor: str, kind: str, aliased: bool, step: str
) -> None:
    profile, emulator = kind_outcomes[(vendor, kind, aliased)][step]
    assert not emulator.sent_before_refusal, f"{vendor} sent a request before refusing {step}"
    assert parity._as_compared(profile, emulator) == emulator


#: vendor -> the ``IssuedPass.meta`` keys the scenario met in the emulator's results.
META_OBSERVED: dict[str, set[str]] = {}

#: (vendor, meta key) -> why the scenario cannot meet a key the provider page documents; the
#: test fails once the scenario meets it, so the entry must go.
NOT_REACHED: dict[tuple[str, str], str] = {
    **dict.fromkeys(
        [("passentry", "device_type"), ("passentry", "added_at"), ("passentry", "removed_at")],
        "set when the holder adds the pass to a wallet or removes it, which no call of the API "
        "does (the emulator's holder actions, the profile's install() / remove())",
    ),
    **dict.fromkeys(
        [("passentry", "locations"), ("passentry", "beacons")],
        "PassEntry answers them only to a read asking includeLocations / includeBeacons, which "
        "the provider never sends",
    ),
}


def documented_meta_keys(vendor: str) -> set[str]:
    """The keys of the ``IssuedPass.meta`` table on ``docs/providers/<vendor>.md``."""
    page = (parity.HERE.parent.parent / "docs" / "providers" / f"{vendor}.md").read_text(
        encoding="utf-8"
    )
    table = page.split("<!-- meta-keys:start -->", 1)[1].split("<!-- meta-keys:end -->", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE))


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_each_provider_page_lists_the_meta_keys_its_vendor_answers(
    kind_outcomes: Found, vendor: str
) -> None:
    """The meta table of the vendor's page is what its emulator answered over the scenario:
    no key it answered is missing from the page, and each key on the page was answered (or is
    in ``NOT_REACHED``, with why the scenario cannot meet it)."""
    documented = documented_meta_keys(vendor)
    observed = META_OBSERVED[vendor]
    unreached = {key for (named, key) in NOT_REACHED if named == vendor}
    assert documented, f"docs/providers/{vendor}.md has no meta table"
    assert observed - documented == set(), "answered, not on the page"
    assert documented - observed == unreached, "on the page, never answered"
