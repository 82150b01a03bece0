"""The fake wearing a vendor's profile refuses what that vendor's provider refuses by the pass's
kind, before sending (issue 14, Deliver 5).

Livepasses keeps a balance without a currency where the pass's kind keeps it: a gift card's
money (``accountBalance``, a number of at least 0, *inferred*) or loyalty points (``points``,
whole numbers); its provider builds the update body once the kind is known (its alias or a read)
and checks that body before the PUT. The profile knows the stored pass's kind and hands it
to the vendor's rules (``sample_pass_id_of_kind(template, kind)``), so it builds and checks the
same body: the same refusals and acceptances, with and without a template alias. Each case runs on
the emulator's provider over HTTP on 127.0.0.1 and on the profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Balance, Holder, Pass, PassUpdate, Provider, ValidationError
from walletpass.contract import ProviderContract
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HOLDER = Holder(name="Ada Lovelace")

#: Aliases stating each template's kind, and a balance field for each (its value is the balance).
ALIASES = {
    "card": {
        "id": "tmpl-loyalty",
        "kind": "loyalty",
        "balance_field": {"name": "stamps", "type": "decimal"},
    },
    "gift": {
        "id": "tmpl-giftcard",
        "kind": "gift_card",
        "balance_field": {"name": "credit", "type": "decimal"},
    },
}

#: (template, kind, opening balance) of each kind whose balance place Livepasses decides.
CARDS: dict[str, tuple[str, Balance | None]] = {
    "gift_card": ("tmpl-giftcard", Balance(amount=50, currency="USD")),
    "loyalty": ("tmpl-loyalty", Balance(amount=50, currency="points")),
    # kinds with no money of their own: a balance without a currency is taken as points
    "coupon": ("tmpl-coupon", None),
    "membership": ("tmpl-membership", None),
    "event_ticket": ("tmpl-001", None),
}
ALIASED = {"gift_card": ("gift", "credit"), "loyalty": ("card", "stamps")}


class Sides:
    def __init__(self, app: Any, emulator: Provider, profile: Provider, aliased: bool) -> None:
        self.app, self.emulator, self.profile = app, emulator, profile
        self.aliased = aliased


@pytest.fixture(scope="module", params=["no-alias", "aliased"])
def sides(request: pytest.FixtureRequest) -> Iterator[Sides]:
    templates = ALIASES if request.param == "aliased" else None
    extra: dict[str, Any] = {"templates": templates} if templates else {}
    app = load_emulator("livepasses")
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key, **extra) as real,
        walletpass.connect("fake", profile="livepasses", **extra) as fake,
    ):
        yield Sides(app, real, fake, templates is not None)


def _issue(wallet: Provider, kind: str, aliased: bool) -> str:
    template, opening = CARDS[kind]
    name = ALIASED[kind][0] if aliased and kind in ALIASED else template
    return wallet.create(Pass(template=name, kind=kind, holder=HOLDER, balance=opening)).id


def _observe(wallet: Provider, pass_id: str, change: PassUpdate) -> Any:
    """The balance the update leaves, or where its refusal points."""
    try:
        updated = wallet.update(pass_id, change)
    except ValidationError as exc:
        return ("refused", [p.location for p in exc.problems])
    return ("kept", updated.balance.amount if updated.balance is not None else None)


def _change(amount: Decimal, kind: str, how: str) -> PassUpdate:
    if how == "balance":
        return PassUpdate(balance=Balance(amount=amount))
    return PassUpdate(fields={ALIASED[kind][1]: amount})


def _hows(sides: Sides, kind: str) -> list[str]:
    aliased = sides.aliased
    return ["balance", "field"] if aliased and kind in ALIASED else ["balance"]


@pytest.mark.parametrize("kind", sorted(CARDS))
@pytest.mark.parametrize(
    "amount", [Decimal(-5), Decimal("-0.01"), Decimal("12.5"), Decimal(7), Decimal(0)]
)
def test_a_kind_dependent_rule_is_the_same_on_the_profile(
    sides: Sides, kind: str, amount: Decimal
) -> None:
    aliased = sides.aliased
    for how in _hows(sides, kind):
        change = _change(amount, kind, how)
        seen = {}
        for name, wallet in (("emulator", sides.emulator), ("profile", sides.profile)):
            pass_id = _issue(wallet, kind, aliased)
            sides.app.journal.clear()
            seen[name] = _observe(wallet, pass_id, change)
            if name == "emulator" and seen[name][0] == "refused":
                assert sides.app.journal.find("PUT") == [], "refused after the write was sent"
                if aliased:  # the alias states the kind: refused before any request
                    assert sides.app.journal.entries == []
        assert seen["profile"] == seen["emulator"], (kind, amount, how)
        # The rule itself: a gift card's money is at least 0; points are whole.
        refused = amount < 0 if kind == "gift_card" else amount != int(amount)
        assert (seen["emulator"][0] == "refused") is refused, seen


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(CARDS)),
    amount=st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
)
def test_any_balance_update_is_refused_or_taken_alike(
    sides: Sides, kind: str, amount: Decimal
) -> None:
    aliased = sides.aliased
    change = _change(amount, kind, "balance")
    observed = [
        _observe(wallet, _issue(wallet, kind, aliased), change)
        for wallet in (sides.emulator, sides.profile)
    ]
    assert observed[0] == observed[1]


class _OldPlugin(ProviderContract[Any]):
    """A third-party provider that overrides only ``sample_pass_id``."""

    name = "old-plugin"

    def sample_pass_id(self, template: str | None) -> str:
        return f"old-{template}"


def test_a_plugin_overriding_only_sample_pass_id_is_still_asked() -> None:
    rules = _OldPlugin.__new__(_OldPlugin)
    assert rules.sample_pass_id_of_kind("tmpl", walletpass.PassKind.GIFT_CARD) == "old-tmpl"
