"""Support that depends on the pass type (issue 16, kind 4: lenient mode drops the smallest
unsupported part). A LivePass membership card has no event details and no location; a reservation
or an appointment has no balance and no tier (livepass.md, each type's body keys). Strict mode
refuses such a part with ``UnsupportedFeature`` naming it and why, before anything is sent;
lenient mode drops exactly that part, with a warning naming it, and sends the rest. The same on
the vendor (over its emulator) and on the fake wearing its profile.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepass import LivePassProvider
from walletpass_livepass.emulator import LivePassEmulator

import walletpass
from walletpass import (
    Balance,
    Event,
    Holder,
    Location,
    Pass,
    PassUpdate,
    UnsupportedFeature,
    UnsupportedFeatureWarning,
)
from walletpass.provider import Provider

HOLDER = Holder(name="Ada Lovelace", email="ada@example.com")
SPOT = Location(latitude=52.52, longitude=13.40, name="Front desk")
EVENT = Event(title="Induction", starts_at=datetime(2026, 12, 1, 18, 0, tzinfo=UTC))

#: (pass type, attribute, value, the features it uses there, a word of the reason)
WRONG: list[tuple[str, str, Any, set[str], str]] = [
    ("membership-card", "locations", [SPOT], {"locations"}, "has no location"),
    ("membership-card", "event", EVENT, {"event.title", "event.starts_at"}, "event details"),
    ("reservation", "balance", Balance(amount=Decimal(5)), {"balance"}, "has no balance"),
    ("reservation", "tier", "Gold", {"tier"}, "has no membership tier"),
    ("appointment", "balance", Balance(amount=Decimal(5)), {"balance"}, "has no balance"),
]
IDS = [f"{t}-{a}" for t, a, *_ in WRONG]


def _base(pass_type: str) -> dict[str, Any]:
    content: dict[str, Any] = {"template": pass_type, "holder": HOLDER}
    if pass_type != "membership-card":
        content["event"] = Event(title="Visit", starts_at=datetime(2026, 12, 1, tzinfo=UTC))
    return content


def _with(pass_type: str, attribute: str, value: Any) -> Pass:
    content = _base(pass_type)
    if attribute == "event":
        content["event"] = value
    else:
        content[attribute] = value
    return Pass(**content)


@pytest.fixture(params=["vendor", "profile"])
def wearer(request: pytest.FixtureRequest, connect: Callable[..., LivePassProvider]) -> Any:
    """``make(strict=...)``: the vendor over its emulator, or the fake wearing its profile."""

    def make(*, strict: bool) -> Provider:
        if request.param == "vendor":
            return connect(strict=strict)
        return walletpass.connect("fake", profile="livepass", strict=strict)

    return make


@pytest.mark.parametrize(("pass_type", "attribute", "value", "features", "why"), WRONG, ids=IDS)
def test_strict_refuses_the_part_the_type_cannot_carry(
    wearer, emulator: LivePassEmulator, pass_type, attribute, value, features, why
) -> None:
    wallet = wearer(strict=True)
    with pytest.raises(UnsupportedFeature) as caught:
        wallet.create(_with(pass_type, attribute, value))
    assert set(caught.value.features) == features
    assert f"a LivePass {pass_type} has no" in str(caught.value) and why in str(caught.value)
    assert len(emulator.journal) == 0


@pytest.mark.parametrize(("pass_type", "attribute", "value", "features", "why"), WRONG, ids=IDS)
def test_lenient_drops_only_that_part_and_says_which(
    wearer, emulator: LivePassEmulator, pass_type, attribute, value, features, why
) -> None:
    wallet = wearer(strict=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        prepared = wallet.prepare_create(_with(pass_type, attribute, value))
    messages = [str(w.message) for w in seen if w.category is UnsupportedFeatureWarning]
    assert {m.split("'")[1] for m in messages} == features, messages
    assert all("on this pass; it was dropped" in m and why in m for m in messages)
    assert getattr(prepared, attribute) in (None, [])
    assert prepared.holder == HOLDER
    if pass_type != "membership-card":
        assert prepared.event is not None and prepared.event.title == "Visit"
    # Sent and stored without that part (the warning was given once, above).
    stored = wallet.get(wallet.create(_with(pass_type, attribute, value)).id)
    assert stored.holder is not None and stored.holder.name == "Ada Lovelace"
    if attribute == "balance":
        assert stored.balance is None
    if attribute == "tier":
        assert "membership_tier" not in stored.fields and "tier" not in stored.fields


@pytest.mark.parametrize("strict", [True, False])
def test_an_update_is_judged_by_the_type_its_id_names(
    connect, emulator: LivePassEmulator, strict: bool
) -> None:
    wallet = connect(strict=strict)
    card = wallet.create(Pass(template="membership-card", holder=HOLDER, tier="Silver"))
    before = len(emulator.journal)
    change = PassUpdate(tier="Gold", locations=[SPOT])
    if strict:
        with pytest.raises(UnsupportedFeature) as caught:
            wallet.update(card.id, change)
        assert caught.value.features == ("locations",)
        assert len(emulator.journal) == before
        return
    with pytest.warns(UnsupportedFeatureWarning, match="'locations' on this pass"):
        updated = wallet.update(card.id, change)
    assert "Gold" in updated.fields.values()
    written = emulator.journal.find("POST", r".*")[-1].json()
    assert written["membership_tier"] == "Gold"
    assert not any(key.startswith("location") for key in written)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.sets(st.sampled_from(["locations", "event"]), min_size=1),
    name=st.text(alphabet="abcdefghij ", min_size=1, max_size=20).map(str.strip).filter(bool),
)
def test_the_profile_drops_exactly_the_chosen_parts(chosen: set[str], name: str) -> None:
    content: dict[str, Any] = {"template": "membership-card", "holder": Holder(name=name)}
    values = {"locations": [SPOT], "event": EVENT}
    content.update({attribute: values[attribute] for attribute in chosen})
    with (
        walletpass.connect("fake", profile="livepass", strict=False) as wallet,
        warnings.catch_warnings(record=True) as seen,
    ):
        warnings.simplefilter("always")
        prepared = wallet.prepare_create(Pass(**content))
    dropped = {str(w.message).split("'")[1].split(".")[0] for w in seen}
    assert dropped == chosen
    assert prepared.holder == Holder(name=name)
    assert prepared.locations in (None, []) and prepared.event is None


@pytest.mark.parametrize(
    "change",
    [
        PassUpdate(event=None),
        PassUpdate(event=Event()),
        PassUpdate(event=None, tier="gold"),
        PassUpdate(event=Event(), fields={"membership_tier": "silver"}),
    ],
    ids=["cleared", "empty", "cleared-with-tier", "empty-with-field"],
)
def test_clearing_what_a_membership_card_cannot_have_sends_no_key_of_it(
    wallet, emulator, change: PassUpdate
) -> None:
    """An update that clears the event (``None``, or an ``Event()`` with nothing set) emptied
    title, date, time, duration and url in the body, on a membership card too, which has none
    of them: LivePass answered 400 '"title" is not allowed' (found by the neutrality harness's
    Hypothesis test, where the profile took the update). A type keeps only its own keys."""
    made = wallet.create(Pass(template="membership-card", kind="membership", holder=HOLDER))
    updated = wallet.update(made.id, change)
    sent = emulator.journal.last().json()
    assert not {"title", "date", "time", "duration", "url"} & set(sent)
    with walletpass.connect("fake", profile="livepass") as profile:
        other = profile.create(Pass(template="membership-card", kind="membership", holder=HOLDER))
        assert profile.update(other.id, change).fields == updated.fields
