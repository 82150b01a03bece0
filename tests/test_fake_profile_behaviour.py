"""The fake's vendor profile takes the vendor's behaviour from the vendor's own class.

A made-up vendor, registered in-process, states its facts; the fake wearing its profile must act
on them: no vendor package, emulator or network involved (tests/test_profile_parity.py holds the
real vendors' profiles to their emulators).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from pydantic import Field

import walletpass
from walletpass import Holder, Pass, PassKind, PassStatus, PassUpdate, Provider
from walletpass.behaviour import VendorBehaviour
from walletpass.capabilities import Capabilities, Capability, emulated, native
from walletpass.registry import register_provider, unregister_provider
from walletpass.settings import ProviderSettings


class _Settings(ProviderSettings):
    # A required setting: the profile cannot build the vendor with defaults.
    account: str = Field(min_length=1)


class _Vendor(Provider):
    name: ClassVar[str] = "cafe-vendor"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            **{cap.value: native("stored") for cap in Capability if cap.is_operation},
            Capability.FIELDS.value: native("fields"),
            Capability.EXTERNAL_ID.value: emulated("kept in a template field"),
            Capability.HOLDER_NAME.value: native("name"),
            Capability.UPDATE_MESSAGE.value: native("change message"),
            Capability.BALANCE.value: native("the points field"),
            Capability.KIND_LOYALTY.value: native("loyalty"),
            Capability.KIND_EVENT_TICKET.value: native("ticket"),
        }
    )
    field_held_attributes: ClassVar[frozenset[str]] = frozenset({"external_id"})
    free_text_messages: ClassVar[bool] = False
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(
        redeemed_status=PassStatus.VOIDED,
        reusable_kinds=frozenset({PassKind.LOYALTY}),
        counted_kinds=frozenset({PassKind.LOYALTY}),
        used_status=None,
        balance_fields=("pts",),
        text_values=True,
        unread_on_get=frozenset({"balance"}),
    )
    Settings: ClassVar[type[ProviderSettings]] = _Settings


@pytest.fixture
def profile() -> Iterator[walletpass.Provider]:
    register_provider("cafe-vendor", _Vendor)
    aliases = {"card": {"id": "tpl", "kind": "loyalty", "attributes": {"external_id": "member_no"}}}
    with walletpass.connect("fake", profile="cafe-vendor", templates=aliases) as fake:
        yield fake
    unregister_provider("cafe-vendor")


def test_attributes_the_vendor_keeps_in_fields_are_refused_without_a_home(
    profile: walletpass.Provider,
) -> None:
    with pytest.raises(walletpass.UnsupportedFeature, match=r"fake\(profile=cafe-vendor\)"):
        profile.create(Pass(template="tpl", kind="loyalty", external_id="M-1"))
    card = profile.create(Pass(template="card", external_id="M-1"))
    assert card.external_id == "M-1"
    assert profile.calls[-1].params["fields"] == {"member_no": "M-1"}


def test_a_change_message_placeholder_is_passed_on_where_the_vendor_fills_it(
    profile: walletpass.Provider,
) -> None:
    ticket = profile.create(Pass(template="t", kind="event_ticket", fields={"seat": "1A"}))
    profile.update(ticket.id, PassUpdate(fields={"seat": "2B", "gate": "C"}, message="Now %@"))
    assert profile.calls[-1].params["change"]["message"] == "Now %@"


def test_redeem_voids_a_single_use_pass_and_keeps_a_reusable_one(
    profile: walletpass.Provider,
) -> None:
    ticket = profile.create(Pass(template="t", kind="event_ticket"))
    used = profile.redeem(ticket.id)
    assert (used.status, used.meta["vendor_status"]) == (PassStatus.REDEEMED, "voided")
    assert profile.get(ticket.id).status is PassStatus.VOIDED
    with pytest.raises(walletpass.AlreadyRedeemed):
        profile.redeem(ticket.id)
    card = profile.create(Pass(template="t", kind="loyalty", holder=Holder(name="Ada")))
    stamps = [profile.redeem(card.id) for _ in range(2)]
    assert [(u.status, u.amount, u.remaining) for u in stamps] == [
        (PassStatus.ACTIVE, 1, 1),
        (PassStatus.ACTIVE, 1, 2),
    ]
    assert profile.get(card.id).status is PassStatus.ISSUED  # used_status=None: unchanged


def test_balance_fields_text_values_and_what_a_read_leaves_out(
    profile: walletpass.Provider,
) -> None:
    card = profile.create(Pass(template="t", kind="loyalty", fields={"pts": 10, "tier": 2}))
    assert card.fields == {"pts": "10", "tier": "2"}
    assert card.balance is not None and card.balance.amount == 10
    spent = profile.redeem(card.id, amount=4)
    assert (spent.status, spent.remaining) == (PassStatus.ACTIVE, 6)
    read = profile.get(card.id)
    assert read.fields == {"pts": "6", "tier": "2"}
    assert read.balance is None
    assert read.status is PassStatus.ISSUED
