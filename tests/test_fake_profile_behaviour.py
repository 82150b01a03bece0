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
from walletpass import Holder, Pass, PassStatus, PassUpdate, Provider
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
        use_operations={walletpass.PassKind.LOYALTY: "the vendor operation punch(id)"},
        deleted_wipes=True,
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
    profile.update(ticket.id, PassUpdate(fields={"seat": "2B"}, message="Now %@"))
    assert profile.calls[-1].params["change"]["message"] == "Now %@"
    # A message shown beside one field needs exactly one, with or without %@.
    for message in ("Now %@", "Changed"):
        with pytest.raises(walletpass.ValidationError, match=r"fields\.gate, fields\.seat"):
            profile.update(
                ticket.id, PassUpdate(fields={"seat": "2B", "gate": "C"}, message=message)
            )


def test_redeem_voids_a_single_use_pass_and_refuses_a_card_naming_the_vendor_call(
    profile: walletpass.Provider,
) -> None:
    ticket = profile.create(Pass(template="t", kind="event_ticket"))
    used = profile.redeem(ticket.id)
    assert (used.status, used.meta["vendor_status"]) == (PassStatus.REDEEMED, "voided")
    assert profile.get(ticket.id).status is PassStatus.VOIDED
    with pytest.raises(walletpass.AlreadyRedeemed):
        profile.redeem(ticket.id)
    card = profile.create(Pass(template="t", kind="loyalty", holder=Holder(name="Ada")))
    with pytest.raises(walletpass.NotUsedUp, match=r"punch\(id\)"):
        profile.redeem(card.id)
    assert profile.get(card.id).status is PassStatus.ISSUED  # untouched


def test_a_vendor_whose_delete_wipes_the_pass_reads_back_a_bare_tombstone(
    profile: walletpass.Provider,
) -> None:
    card = profile.create(
        Pass(template="t", kind="loyalty", holder=Holder(name="Ada"), fields={"pts": 3})
    )
    profile.delete(card.id)
    read = profile.get(card.id)
    assert (read.status, read.fields, read.holder, read.balance) == (
        PassStatus.DELETED,
        {},
        None,
        None,
    )
    with pytest.raises(walletpass.NotFound):
        profile.update(card.id, PassUpdate(fields={"pts": 4}))


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


_CODES = iter(f"CV-{n:04d}" for n in range(1, 10_000))
#: Codes the vendor makes up next, before the running ones (a test queues a colliding one).
_UPCOMING: list[str] = []


def _made_up() -> str:
    return _UPCOMING.pop(0) if _UPCOMING else next(_CODES)


class _CodeMaker(_Vendor):
    """A vendor that makes up a code for a pass without one and checks the balance first."""

    name: ClassVar[str] = "code-vendor"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            **{k: _Vendor.capabilities[k] for k in _Vendor.capabilities},
            Capability.EXTERNAL_ID.value: native("the vendor's code; made up when not given"),
        }
    )
    field_held_attributes: ClassVar[frozenset[str]] = frozenset()
    behaviour: ClassVar[VendorBehaviour] = VendorBehaviour(new_external_id=_made_up)


@pytest.fixture
def maker() -> Iterator[walletpass.Provider]:
    register_provider("code-vendor", _CodeMaker)
    with walletpass.connect("fake", profile="code-vendor") as fake:
        yield fake
    unregister_provider("code-vendor")


def test_the_profile_makes_up_an_external_id_as_its_vendor_does(
    maker: walletpass.Provider,
) -> None:
    made = [maker.create(Pass(template="t", kind="event_ticket")) for _ in range(2)]
    codes = [ticket.external_id for ticket in made]
    assert all(code is not None and code.startswith("CV-") for code in codes)
    assert len(set(codes)) == 2
    # The code is the pass's: read back, and not made up again.
    assert [maker.get(ticket.id).external_id for ticket in made] == codes
    # A pass given one keeps it.
    assert maker.create(Pass(template="t", kind="loyalty", external_id="M-7")).external_id == "M-7"


def test_a_made_up_id_already_taken_is_made_up_again(maker: walletpass.Provider) -> None:
    maker.create(Pass(template="t", kind="loyalty", external_id="CV-TAKEN"))
    # The code the vendor makes up next is a live pass's: a fresh one is made up instead.
    _UPCOMING.extend(["CV-TAKEN", "CV-FRESH"])
    assert maker.create(Pass(template="t", kind="event_ticket")).external_id == "CV-FRESH"


def test_a_vendor_without_made_up_ids_leaves_them_out(profile: walletpass.Provider) -> None:
    assert profile.create(Pass(template="t", kind="event_ticket")).external_id is None


def test_spend_refusals_come_in_one_order_on_every_profile(
    maker: walletpass.Provider, profile: walletpass.Provider
) -> None:
    # A used ticket has no balance: every profile says it was used (the state first).
    for wallet in (maker, profile):
        ticket = wallet.create(Pass(template="t", kind="event_ticket"))
        wallet.redeem(ticket.id)
        with pytest.raises(walletpass.AlreadyRedeemed):
            wallet.redeem(ticket.id, amount=1)
        fresh = wallet.create(Pass(template="t", kind="event_ticket"))
        with pytest.raises(walletpass.BusinessRuleError) as caught:
            wallet.redeem(fresh.id, amount=1)
        assert caught.value.code == "NO_BALANCE"


def test_a_holder_part_the_read_cannot_return_is_left_out_of_it_alone() -> None:
    behaviour = VendorBehaviour(unread_on_get=frozenset({"holder.phone", "holder.language"}))
    holder = Holder(name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0018")
    issued = walletpass.IssuedPass(
        id="p1", vendor_id="p1", provider="v", holder=holder.model_copy(update={"language": "en"})
    )
    assert behaviour.answer(issued, read=False).holder == issued.holder
    read = behaviour.answer(issued, read=True).holder
    assert read == Holder(name="Ada Lovelace", email="ada@example.com")
    with pytest.raises(ValueError, match=r"holder\.address"):
        VendorBehaviour(unread_on_get=frozenset({"holder.address"}))


@pytest.mark.parametrize(
    "facts",
    [
        {"bookkeeping": {"read": frozenset()}},
        {"bookkeeping": {"get": frozenset({"expires_at"})}},
        {"url_forms": {"fetch": {"download": "/d/{vendor_id}"}}},
        {"url_forms": {"get": {"pkpass": "/d/{vendor_id}"}}},
        {"holder_name_whole": frozenset({"read"})},
    ],
)
def test_a_behaviour_naming_an_unknown_answer_attribute_or_url_is_refused(
    facts: dict[str, object],
) -> None:
    with pytest.raises(ValueError):
        VendorBehaviour(**facts)  # type: ignore[arg-type]


def test_a_profile_reports_the_urls_moments_and_verb_its_vendor_states() -> None:
    behaviour = VendorBehaviour(
        bookkeeping={"create": frozenset({"created_at"}), "get": frozenset({"version"})},
        url_forms={"create": {"download": "/d/{vendor_id}", "web": "/v/{token}"}},
        redeem_method=lambda kind, spent: f"{kind and kind.value}:{spent}",
    )
    wallet = walletpass.connect("fake")
    try:
        issued = wallet.create(Pass(template="t", kind="coupon", holder=Holder(name="A")))
        created = behaviour.answer(issued, read=False, created=True)
        read = behaviour.answer(issued, read=True)
    finally:
        wallet.close()
    assert (created.created_at, created.updated_at, created.version) == (
        issued.created_at,
        None,
        None,
    )
    assert (read.created_at, read.updated_at, read.version) == (None, None, 1)
    assert created.urls.download == f"https://fake.walletpass.invalid/d/{issued.id}"
    token = created.urls.web and created.urls.web.rsplit("/", 1)[1]
    assert token is not None and len(token) == 16
    assert behaviour.answer(issued, read=False, created=True).urls == created.urls  # stable
    assert dict(read.urls) == dict.fromkeys(("download", "apple", "google", "web"))
    assert behaviour.method(walletpass.PassKind.COUPON, spent=True) == "coupon:True"
    assert VendorBehaviour().method(None, spent=False) == "redeem"
