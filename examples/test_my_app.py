"""How an application unit-tests its pass code with the ``fake_wallet`` pytest fixture.

The fixture comes with walletpass (a pytest plugin, nothing to configure). The fake runs the same
checks as real providers, records every call, takes injected faults, and can wear a vendor's
*profile* so a test fails where that vendor would. Run it like any test module:

    python -m pytest examples/test_my_app.py

The profile tests need the walletpass-pass2u and walletpass-passentry packages installed, since a
profile borrows the vendor's declarations and limits from its provider package.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import walletpass
from walletpass import (
    Barcode,
    Capability,
    Holder,
    IssuedPass,
    Pass,
    PassKind,
    PassStatus,
    Provider,
)

# --- the application code under test (normally imported from your package) ----------------


@dataclass(frozen=True)
class Member:
    number: str
    name: str
    email: str
    points: int


#: Members whose card could not be issued because the vendor was unavailable; a job retries them.
retry_queue: list[str] = []


def issue_card(wallet: Provider, member: Member) -> IssuedPass | None:
    """Issue a loyalty card; queue the member for later when the vendor is temporarily down.

    Portable across vendors: optional data is sent only where the provider can carry it.
    """
    can = wallet.capabilities.supports
    card = Pass(
        template="member-card",
        kind=PassKind.LOYALTY,
        external_id=member.number if can(Capability.EXTERNAL_ID) else None,
        holder=Holder(
            name=member.name, email=member.email if can(Capability.HOLDER_EMAIL) else None
        ),
        barcode=Barcode(message=member.number),
        fields={"points": member.points},
    )
    try:
        return wallet.create(card)
    except walletpass.WalletPassError as exc:
        if not exc.retryable:
            raise
        retry_queue.append(member.number)
        return None


# --- the tests ------------------------------------------------------------------------------

ADA = Member(number="M-1815", name="Ada Lovelace", email="ada@example.com", points=120)


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    retry_queue.clear()


def test_issues_a_card(fake_wallet) -> None:
    card = issue_card(fake_wallet, ADA)

    assert card is not None and card.status is PassStatus.ISSUED
    assert fake_wallet.get(card.id).fields == {"points": 120}
    [call, _get] = fake_wallet.calls
    assert call.operation == "create"
    assert call.params["external_id"] == "M-1815"
    assert call.params["holder"] == {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.mark.walletpass(profile="passentry")
def test_card_fits_passentry(fake_wallet) -> None:
    """PassEntry passes carry no holder email: the app must leave it out, and it does."""
    card = issue_card(fake_wallet, ADA)

    assert card is not None and card.holder == Holder(name="Ada Lovelace")
    # PassEntry keeps the name in the template's fullName field (holder_name_field).
    assert fake_wallet.calls[0].params["fields"]["fullName"] == "Ada Lovelace"
    # What would happen to code that did not check: refused before anything is sent.
    with pytest.raises(walletpass.UnsupportedFeature) as refused:
        fake_wallet.create(
            Pass(template="member-card", holder=Holder(name="Ada", email="ada@example.com"))
        )
    assert refused.value.features == ("holder.email",)


MEMBER_MODEL = {"id": "1919", "attributes": {"external_id": "member_no"}}


@pytest.mark.walletpass(profile="pass2u", templates={"member-card": MEMBER_MODEL})
def test_card_fits_pass2u(fake_wallet) -> None:
    """Pass2U has no external ids: configuration keeps the member number in a model field."""
    card = issue_card(fake_wallet, ADA)

    assert card is not None and card.vendor_template == "1919"
    assert card.external_id == "M-1815"  # read back from the field
    sent = fake_wallet.calls[0].params
    assert "external_id" not in sent and sent["fields"]["member_no"] == "M-1815"
    with pytest.raises(walletpass.UnsupportedOperation, match="Pass2U has no listing"):
        fake_wallet.list()


def test_vendor_outage_queues_the_member(fake_wallet) -> None:
    fake_wallet.fail_next("create", walletpass.ProviderUnavailable)

    assert issue_card(fake_wallet, ADA) is None
    assert retry_queue == ["M-1815"]
    assert fake_wallet.pass_count == 0
    # The outage is over: the retry job succeeds.
    assert issue_card(fake_wallet, ADA) is not None


def test_bad_credentials_are_not_swallowed(fake_wallet) -> None:
    fake_wallet.fail_next("create", walletpass.AuthenticationError("key revoked"))

    with pytest.raises(walletpass.AuthenticationError, match="key revoked"):
        issue_card(fake_wallet, ADA)
    assert retry_queue == []
