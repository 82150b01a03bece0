"""A multi-use coupon, redeemed up to and past its uses: the profile does what its vendor does.

Livepasses coupons carry ``maxUsageCount`` (vendor notes 3.1) and ``/redeem-coupon`` serves
"coupons incl. multi-use coupons" (3.8): each ``redeem(id)`` uses the coupon once. The one
meaning (docs/concepts.md, "One meaning per operation and status"): a use that leaves the coupon
usable answers ``Redemption.status`` ``active`` with the uses left in ``meta["uses_left"]`` and a
``get()`` still reports ``issued``; the last use answers ``redeemed`` (``uses_left`` 0) and a
``get()`` then reports ``redeemed``; one more is ``AlreadyRedeemed``. The emulator (the vendor,
over HTTP on 127.0.0.1) and the fake wearing the Livepasses profile must agree on every
observation, with and without a template alias naming the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import walletpass
from walletpass import Holder, Pass, PassStatus, PassUpdate, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

#: The coupon template as a user designs it in the dashboard, and an alias that names its kind
#: and its count in the application's words.
_ALIASES = {
    "coupon": {
        "id": "tmpl-coupon",
        "kind": "coupon",
        "fields": {"uses": {"key": "maxUsageCount", "type": "int"}, "code": "promoCode"},
    }
}


@contextmanager
def _sides(aliased: bool) -> Iterator[tuple[Provider, Provider]]:
    """(the emulator's provider, the profile), configured alike."""
    settings: dict[str, Any] = {"templates": _ALIASES} if aliased else {}
    app = load_emulator("livepasses")
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            "livepasses", base_url=server.url, api_key=app.api_key, **settings
        ) as real,
        walletpass.connect("fake", profile="livepasses", **settings) as profile,
    ):
        yield real, profile


def _coupon(aliased: bool, uses: int | None) -> Pass:
    if aliased:
        fields: dict[str, Any] = {"code": "SUMMER20"} | ({} if uses is None else {"uses": uses})
        return Pass(template="coupon", holder=Holder(name="Ada Lovelace"), fields=fields)
    fields = {"promoCode": "SUMMER20"} | ({} if uses is None else {"maxUsageCount": uses})
    return Pass(
        template="tmpl-coupon", kind="coupon", holder=Holder(name="Ada Lovelace"), fields=fields
    )


def _uses(wallet: Provider, pass_id: str, times: int) -> list[Any]:
    """What ``times`` redeems and a ``get()`` after each show, the refusals as their type."""
    seen: list[Any] = []
    for _ in range(times):
        try:
            used = wallet.redeem(pass_id)
        except walletpass.WalletPassError as exc:
            seen.append(
                (
                    type(exc).__name__,
                    exc.operation,
                    exc.retryable,
                    exc.outcome_unknown,
                    # walletpass's words where walletpass wrote them, the vendor's where its
                    # answer carried them (docs/concepts.md): both say the coupon is used up.
                    "already redeemed" in str(exc) or "was used" in str(exc),
                )
            )
        else:
            seen.append(
                (
                    used.status,
                    used.method,
                    used.amount,
                    used.remaining,
                    used.meta,
                    used.redeemed_at is not None,
                )
            )
        seen.append(wallet.get(pass_id).status)
    return seen


@pytest.mark.parametrize("aliased", [False, True], ids=["vendor-keys", "alias"])
@pytest.mark.parametrize("count", [None, 1, 2, 3])
def test_a_coupon_is_used_once_per_redeem_until_its_uses_are_gone(
    count: int | None, aliased: bool
) -> None:
    allowed = count or 1
    with _sides(aliased) as (real, profile):
        observed = []
        for wallet in (real, profile):
            issued = wallet.create(_coupon(aliased, count))
            observed.append(_uses(wallet, issued.id, allowed + 2))
    vendor, fake = observed
    assert fake == vendor
    # The one meaning, spelled out: active with the uses left until the last, which is final.
    for n in range(allowed):
        status, method, amount, remaining, meta, timed = vendor[2 * n]
        last = n == allowed - 1
        assert status is (PassStatus.REDEEMED if last else PassStatus.ACTIVE)
        assert (method, amount, remaining, timed) == ("redeem-coupon", None, None, True)
        assert meta == {"uses_left": allowed - n - 1}
        assert vendor[2 * n + 1] is (PassStatus.REDEEMED if last else PassStatus.ISSUED)
    for n in range(allowed, allowed + 2):
        assert vendor[2 * n] == ("AlreadyRedeemed", "redeem", False, False, True)
        assert vendor[2 * n + 1] is PassStatus.REDEEMED


def test_the_profiles_refusal_of_a_used_up_coupon_is_walletpass_own() -> None:
    with _sides(aliased=False) as (real, profile):
        for wallet in (real, profile):
            issued = wallet.create(_coupon(False, 2))
            wallet.redeem(issued.id)
            wallet.redeem(issued.id)
            with pytest.raises(walletpass.AlreadyRedeemed) as refused:
                wallet.redeem(issued.id)
            if wallet is profile:
                assert str(refused.value).endswith(f"pass {issued.id!r} was already redeemed")
                assert refused.value.details == {"vendor_status": "Redeemed"}
            else:  # the vendor's answer: its code and words
                assert refused.value.code == "PASS_ALREADY_USED"


def test_a_spend_on_a_coupon_in_use_is_refused_alike() -> None:
    # An amount on a coupon: no balance (step 4 of the one check order), used or not.
    with _sides(aliased=False) as (real, profile):
        seen = []
        for wallet in (real, profile):
            issued = wallet.create(_coupon(False, 3))
            wallet.redeem(issued.id)
            with pytest.raises(walletpass.BusinessRuleError) as refused:
                wallet.redeem(issued.id, amount=1)
            seen.append((type(refused.value).__name__, refused.value.code))
            seen.append(wallet.redeem(issued.id).meta)
        assert seen[0:2] == seen[2:4]
        assert seen[1] == {"uses_left": 1}


def test_raising_a_coupons_count_by_update_gives_it_more_uses_alike() -> None:
    with _sides(aliased=True) as (real, profile):
        observed = []
        for wallet in (real, profile):
            issued = wallet.create(_coupon(True, 1))
            wallet.update(issued.id, PassUpdate(fields={"uses": 3}))
            observed.append(_uses(wallet, issued.id, 4))
        assert observed[0] == observed[1]
        assert [seen[4] for seen in observed[0][0:6:2]] == [
            {"uses_left": 2},
            {"uses_left": 1},
            {"uses_left": 0},
        ]


# -- the verb a spend reports where nothing says the pass's kind ----------------------------------
#
# Without a kind (none given, no alias) Livepasses' provider learns the verb from the template's
# type; the profile sees no dashboard, but where the balance lives says it as well (money in
# accountBalance: a gift card's /giftcard/redeem; points in currentPoints: /loyalty/transact).

_SPENDS = {
    "money": ("tmpl-giftcard", {"balance": walletpass.Balance(amount=50, currency="USD")}),
    "points": ("tmpl-loyalty", {"balance": walletpass.Balance(amount=50, currency="points")}),
    "points-field": ("tmpl-loyalty", {"fields": {"currentPoints": 50}}),
}


@pytest.mark.parametrize("place", sorted(_SPENDS))
def test_a_spend_without_a_kind_reports_the_vendors_verb_on_the_profile(place: str) -> None:
    template, values = _SPENDS[place]
    new = Pass(template=template, holder=Holder(name="Ada Lovelace"), **values)
    with _sides(aliased=False) as (real, profile):
        seen = []
        for wallet in (real, profile):
            spent = wallet.redeem(wallet.create(new).id, amount=5)
            seen.append((spent.status, spent.method, spent.amount, spent.remaining, spent.meta))
    assert seen[0] == seen[1]
    assert seen[0][1] == ("giftcard/redeem" if place == "money" else "loyalty/transact")
