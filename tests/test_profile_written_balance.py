"""A balance written without a template alias naming it: the profile spends what its vendor does.

A Livepasses pass keeps one balance: a create sets it with ``Pass.balance`` or
``businessData.currentPoints`` / ``accountBalance``, an update with ``PassUpdate.balance`` or
``updatedFields.points`` / ``currentPoints`` / ``accountBalance`` (livepasses.md 3.1, 3.6), and
the last one written is the one a spend takes from. A generate's ``points`` is no balance, only
an update's is. The fake wearing the Livepasses profile must spend the same balance as the
emulator (over HTTP on 127.0.0.1) after any sequence of such writes; it used to keep the first
balance it was given beside the one written later, and to take a created ``points`` field for a
balance the vendor never had. A balance given as ``Pass.balance`` is answered as the vendor's
provider answers it: under the vendor's keys in ``fields`` (Livepasses' create and update,
LivePass's every answer), read with the currency the vendor keeps (Livepasses' points: none).
A PassEntry update answer reports in ``meta`` only the balance it shows (the pass resource has
none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Balance, BusinessRuleError, Holder, Pass, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HOLDER = Holder(name="Ada Lovelace")


@dataclass
class Sides:
    emulator: Provider
    profile: Provider


@pytest.fixture(scope="module")
def livepasses() -> Iterator[Sides]:
    app = load_emulator("livepasses", stamp_cooldown=0.0)
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as real,
        walletpass.connect("fake", profile="livepasses") as fake,
    ):
        yield Sides(real, fake)


def _spent(wallet: Provider, pass_id: str, amount: int) -> Any:
    """What a spend of ``amount`` observes: what is left, or the refusal's type."""
    try:
        return wallet.redeem(pass_id, amount=amount).remaining
    except BusinessRuleError as exc:
        return type(exc).__name__


def test_a_created_points_field_is_no_balance(livepasses: Sides) -> None:
    # businessData.points on a generate is a custom field: the card's points stay at none.
    for wallet in (livepasses.emulator, livepasses.profile):
        card = wallet.create(
            Pass(template="tmpl-loyalty", kind="loyalty", holder=HOLDER, fields={"points": 90})
        )
        assert card.fields == {"points": 90}
        assert card.balance is None
        assert _spent(wallet, card.id, 5) == "BusinessRuleError"


@pytest.mark.parametrize(
    ("kind", "template", "given", "key"),
    [
        ("loyalty", "tmpl-loyalty", Balance(amount=90, currency="points"), "currentPoints"),
        ("loyalty", "tmpl-loyalty", Balance(amount=90, currency="points"), "points"),
        ("gift_card", "tmpl-giftcard", Balance(amount=90, currency="USD"), "accountBalance"),
    ],
)
def test_a_balance_field_written_later_replaces_the_balance_given(
    livepasses: Sides, kind: str, template: str, given: Balance, key: str
) -> None:
    for wallet in (livepasses.emulator, livepasses.profile):
        card = wallet.create(Pass(template=template, kind=kind, holder=HOLDER, balance=given))
        updated = wallet.update(card.id, PassUpdate(fields={key: 50}))
        assert updated.balance is not None and updated.balance.amount == 50, wallet.name
        assert wallet.redeem(card.id, amount=5).remaining == 45, wallet.name


#: One write of a Livepasses loyalty card's points: (how, amount).
WRITES = st.tuples(st.sampled_from(["balance", "currentPoints", "points"]), st.integers(0, 200))


def _update(how: str, amount: int) -> PassUpdate:
    if how == "balance":
        return PassUpdate(balance=Balance(amount=amount, currency="points"))
    return PassUpdate(fields={how: amount})


def _create(how: str | None, amount: int) -> Pass:
    if how == "balance":
        return Pass(
            template="tmpl-loyalty",
            kind="loyalty",
            holder=HOLDER,
            balance=Balance(amount=amount, currency="points"),
        )
    fields = {} if how is None else {how: amount}
    return Pass(template="tmpl-loyalty", kind="loyalty", holder=HOLDER, fields=fields)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    created=st.tuples(
        st.sampled_from([None, "balance", "currentPoints", "points"]), st.integers(0, 200)
    ),
    writes=st.lists(WRITES, max_size=3),
    spends=st.lists(st.integers(1, 120), min_size=1, max_size=3),
)
def test_the_profile_spends_the_balance_its_vendor_spends(
    livepasses: Sides,
    created: tuple[str | None, int],
    writes: list[tuple[str, int]],
    spends: list[int],
) -> None:
    seen: dict[str, list[Any]] = {}
    for side, wallet in (("emulator", livepasses.emulator), ("profile", livepasses.profile)):
        card = wallet.create(_create(*created))
        observed: list[Any] = [card.balance and card.balance.amount]
        for how, amount in writes:
            answer = wallet.update(card.id, _update(how, amount))
            observed.append(answer.balance and answer.balance.amount)
        observed += [_spent(wallet, card.id, amount) for amount in spends]
        seen[side] = observed
    assert seen["profile"] == seen["emulator"]


#: (vendor, template, kind, the balance given, the field an update changes)
GIVEN_BALANCES = [
    ("livepasses", "tmpl-loyalty", "loyalty", Balance(amount=90, currency="points"), "note"),
    ("livepasses", "tmpl-loyalty", "loyalty", Balance(amount=90), "note"),
    ("livepasses", "tmpl-giftcard", "gift_card", Balance(amount=50, currency="USD"), "note"),
    (
        "livepasses",
        "tmpl-giftcard",
        "gift_card",
        Balance(amount=Decimal("12.5"), currency="EUR"),
        "note",
    ),
    ("livepasses", "tmpl-giftcard", "gift_card", Balance(amount=30), "note"),
    (
        "livepass",
        "membership-card",
        "membership",
        Balance(amount=90, currency="EUR"),
        "membership_tier",
    ),
    ("livepass", "membership-card", "membership", Balance(amount=90), "membership_tier"),
]


@pytest.mark.parametrize(("vendor", "template", "kind", "given", "field"), GIVEN_BALANCES)
def test_a_given_balance_is_answered_as_its_vendor_answers_it(
    vendor: str, template: str, kind: str, given: Balance, field: str
) -> None:
    app = load_emulator(vendor)
    seen: dict[str, list[Any]] = {}
    with EmulatorServer(app) as server:
        real = walletpass.connect(vendor, base_url=server.url, api_key=app.api_key)
        fake = walletpass.connect("fake", profile=vendor)
        for side, wallet in (("emulator", real), ("profile", fake)):
            with wallet:
                card = wallet.create(
                    Pass(template=template, kind=kind, holder=HOLDER, balance=given)
                )
                lower = Balance(amount=given.amount - 1, currency=given.currency)
                answers = [
                    card,
                    wallet.update(card.id, PassUpdate(balance=lower)),
                    wallet.update(card.id, PassUpdate(fields={field: "gold"})),
                    wallet.get(card.id),
                ]
                seen[side] = [(answer.fields, answer.balance) for answer in answers]
    assert seen["profile"] == seen["emulator"]


# -- PassEntry: an update's meta reports the balance its answer shows ------------------------

PASSENTRY_CARD = "aaaaaaaaaaaaaaaaaaaaaa03"


def test_passentry_update_meta_reports_no_balance_the_answer_does_not_show() -> None:
    app = load_emulator(
        "passentry",
        templates=[
            {
                "uuid": PASSENTRY_CARD,
                "name": "Card",
                "pass_type": "storeCard",
                "fields": ["fullName", "note"],
            }
        ],
    )
    seen: dict[str, list[Any]] = {}
    with EmulatorServer(app) as server:
        real = walletpass.connect("passentry", base_url=server.url, api_key=app.api_key)
        fake = walletpass.connect("fake", profile="passentry")
        for side, wallet in (("emulator", real), ("profile", fake)):
            with wallet:
                card = wallet.create(
                    Pass(
                        template=PASSENTRY_CARD,
                        kind="loyalty",
                        holder=HOLDER,
                        fields={"note": "gold"},
                        balance=Balance(amount=90),
                    )
                )
                wallet.redeem(card.id, amount=Decimal(5))
                answers = [
                    wallet.update(card.id, PassUpdate(fields={"note": "silver"}, message="Now %@")),
                    wallet.update(card.id, PassUpdate(balance=Balance(amount=70))),
                ]
                seen[side] = [
                    (answer.balance, {k: v for k, v in answer.meta.items() if k != "template_name"})
                    for answer in answers
                ]
    assert seen["profile"] == seen["emulator"]
    (note_balance, note_meta), (balance, balance_meta) = seen["emulator"]
    assert note_balance is None and "balance" not in note_meta
    assert balance == Balance(amount=70) and balance_meta["balance"] == 70
