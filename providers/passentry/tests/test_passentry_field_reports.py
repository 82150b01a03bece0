"""Field reports (issue 16) on PassEntry, through its emulator over HTTP on 127.0.0.1: the loyalty
balance PassEntry documents (11), status on create (6), barcode symbology (1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletpass import Balance, Holder, Pass, PassKind, PassStatus, PassUpdate, ValidationError
from walletpass.capabilities import Support
from walletpass.errors import BusinessRuleError, NotUsedUp

from .conftest import STORE_CARD

GENERIC = "2e2d7ee8c306e8f0223dbdc1"


def card(**values) -> Pass:
    data = {
        "template": STORE_CARD,
        "kind": PassKind.LOYALTY,
        "holder": Holder(name="Priya Shah"),
        "balance": Balance(amount=Decimal(500)),
    }
    data.update(values)
    return Pass(**data)


def _loyalty_calls(emulator) -> list[tuple[str, object]]:
    return [(e.method, e.json()) for e in emulator.journal.find(None, r"/api/v1/loyalty/.+")]


def test_11_balance_is_declared_and_rests_on_marked_inferences(wallet) -> None:
    declaration = wallet.capabilities["balance"]
    # EMULATED, not NATIVE: a get() of the pass resource cannot return it (issue 14).
    assert declaration.support is Support.EMULATED
    assert any("overrideBalance" in item for item in declaration.inferred)


def test_11_a_new_loyalty_card_gets_its_balance(wallet, emulator) -> None:
    issued = wallet.create(card())
    assert issued.meta["balance"] == Decimal(500)
    assert _loyalty_calls(emulator) == [("PATCH", {"overrideBalance": 500})]
    assert wallet.loyalty_balance(issued.id) == Decimal(500)
    assert emulator.passes[issued.vendor_id].loyalty_balance == 500


def test_11_redeem_with_an_amount_deducts_and_leaves_the_pass_active(wallet, emulator) -> None:
    issued = wallet.create(card())
    emulator.install(issued.vendor_id)
    spent = wallet.redeem(issued.id, amount=120)
    assert (spent.amount, spent.remaining, spent.method) == (Decimal(120), Decimal(380), "loyalty")
    # The pass stays live: not deactivated (the neutral answer says ACTIVE, issue 14).
    assert spent.status is PassStatus.ACTIVE
    assert not wallet.get(issued.id).status.is_final
    assert _loyalty_calls(emulator)[-1] == ("PATCH", {"balance": -120})
    assert wallet.loyalty_balance(issued.id) == Decimal(380)


def test_11_redeeming_more_than_the_balance_is_refused_before_deducting(wallet, emulator) -> None:
    issued = wallet.create(card(balance=Balance(amount=Decimal(10))))
    with pytest.raises(BusinessRuleError) as caught:
        wallet.redeem(issued.id, amount=11)
    assert caught.value.code == "INSUFFICIENT_BALANCE"
    assert [m for m, _ in _loyalty_calls(emulator)] == ["PATCH", "GET"]
    assert emulator.passes[issued.vendor_id].loyalty_balance == 10


def test_11_redeem_without_an_amount_does_not_use_a_store_card_up(wallet, emulator) -> None:
    issued = wallet.create(card())
    emulator.journal.clear()
    with pytest.raises(NotUsedUp, match=r"redeem\(id, amount=X\)"):
        wallet.redeem(issued.id)
    assert [e.method for e in emulator.journal] == ["GET"]  # a read, never a write
    assert not wallet.get(issued.id).status.is_final


def test_11_update_sets_the_balance_and_carries_the_message(wallet, emulator) -> None:
    issued = wallet.create(card())
    updated = wallet.update(
        issued.id, PassUpdate(balance=Balance(amount=Decimal(42)), message="Hi")
    )
    assert updated.meta["balance"] == Decimal(42)
    assert _loyalty_calls(emulator)[-1] == ("PATCH", {"overrideBalance": 42, "message": "Hi"})
    assert not emulator.journal.find("PATCH", r"/api/v1/passes/.+")
    wallet.update(issued.id, PassUpdate(balance=Balance(amount=Decimal(7)), fields={"stamps": "1"}))
    assert _loyalty_calls(emulator)[-1] == ("PATCH", {"overrideBalance": 7})
    assert emulator.passes[issued.vendor_id].loyalty_balance == 7


@pytest.mark.parametrize(
    ("balance", "where"),
    [
        (Balance(amount=Decimal("2.5")), "balance.amount"),
        (Balance(amount=Decimal(5), currency="EUR"), "balance.currency"),
    ],
)
def test_11_points_are_whole_and_have_no_currency(wallet, emulator, balance, where) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(card(balance=balance))
    assert [p.location for p in caught.value.problems] == [where]
    assert len(emulator.journal) == 0
    with pytest.raises(ValidationError):
        wallet.redeem("crm-1", amount="2.5")


def test_11_a_balance_on_a_template_without_one_leaves_no_pass_behind(wallet, emulator) -> None:
    with pytest.raises(ValidationError):
        wallet.create(card(template=GENERIC, kind=PassKind.GENERIC, external_id="crm-9"))
    (made,) = emulator.passes.values()
    assert made.status.value == "nullified"  # taken back: the extId is free again
    assert wallet.create(card(external_id="crm-9")).external_id == "crm-9"


def test_6_create_with_a_past_expiry_reports_what_get_reports(wallet) -> None:
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    issued = wallet.create(Pass(template=GENERIC, expires_at=past))
    assert issued.status is wallet.get(issued.id).status


def test_1_code128_of_japanese_text_is_refused_before_sending(wallet, emulator) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(
            {"template": GENERIC, "barcode": {"message": "入場券-0042", "format": "code128"}}
        )
    assert "Code 128 cannot encode" in str(caught.value)
    assert len(emulator.journal) == 0


def test_7_an_undocumented_extra_key_is_a_typo_on_passentry_too(connect, emulator) -> None:
    import warnings

    from walletpass.errors import UnsupportedFeatureWarning

    strict = connect()
    with pytest.raises(ValidationError) as caught:
        strict.create(Pass(template=GENERIC, extra={"sharingProhibited": True, "tag": ["x"]}))
    assert sorted(caught.value.fields) == ["extra.sharingProhibited", "extra.tag"]
    assert "did you mean 'tags'" in str(caught.value)
    assert len(emulator.journal) == 0
    lenient = connect(strict=False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        lenient.create(Pass(template=GENERIC, extra={"sharingProhibited": True, "groupTag": "G"}))
    (warning,) = [w for w in seen if issubclass(w.category, UnsupportedFeatureWarning)]
    assert "extra.sharingProhibited was dropped" in str(warning.message)
    body = emulator.journal.find("POST", r"/api/v1/passes")[-1].json()
    assert body.get("groupTag") == "G" and "sharingProhibited" not in body


def test_11_a_balance_field_alias_reads_the_balance_back_on_get_and_list(connect, emulator) -> None:
    """The points as a logical field (balance_field): written as the loyalty balance, read back
    from it; get() and list() read it (one more request per pass) only for such an alias."""
    aliases = {
        "card": {
            "id": STORE_CARD,
            "kind": "loyalty",
            "balance_field": {"name": "points", "type": "int"},
        }
    }
    wallet = connect(templates=aliases)
    issued = wallet.create(Pass(template="card", holder=Holder(name="Ada"), fields={"points": 90}))
    assert _loyalty_calls(emulator) == [("PATCH", {"overrideBalance": 90})]
    assert issued.fields["points"] == 90
    wallet.redeem(issued.id, amount=5)
    emulator.journal.clear()
    assert wallet.get(issued.id).fields["points"] == 85
    assert [(e.method, e.path.split("/")[3]) for e in emulator.journal] == [
        ("GET", "passes"),
        ("GET", "loyalty"),
    ]
    assert [p.fields["points"] for p in wallet.list(template="card")] == [85]
    # Without the alias the pass resource alone is read: no balance, no extra request.
    plain = connect()
    emulator.journal.clear()
    assert plain.get(issued.id).balance is None
    assert [e.method for e in emulator.journal] == ["GET"]


# -- 10, the same kind on PassEntry: a PATCH carrying a push message is never repeated ----------


@pytest.mark.parametrize(
    "change",
    [
        PassUpdate(fields={"memberName": "B"}, message="Your card changed"),
        PassUpdate(fields={"memberName": "B"}, extra={"message": "Your card changed"}),
        PassUpdate(extra={"message": "Double stamps today!"}),
    ],
    ids=["message", "message through extra", "only a message through extra"],
)
def test_10_an_update_that_pushes_a_message_is_not_repeated(connect, emulator, change) -> None:
    from walletpass.errors import WalletPassError
    from walletpass.testing.emulator import Fault

    wallet = connect(max_retries=3)
    issued = wallet.create(Pass(template=STORE_CARD, fields={"memberName": "A"}))
    emulator.inject(Fault.respond(502), method="PATCH", path=r"/api/v1/passes/.*", times=3)
    with pytest.raises(WalletPassError) as caught:
        wallet.update(issued.id, change)
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("PATCH")) == 1


def test_10_an_update_without_a_message_is_retried(connect, emulator) -> None:
    from walletpass.testing.emulator import Fault

    wallet = connect(max_retries=3)
    issued = wallet.create(Pass(template=STORE_CARD, fields={"memberName": "A"}))
    emulator.inject(Fault.respond(502), method="PATCH", path=r"/api/v1/passes/.*", times=1)
    assert wallet.update(issued.id, PassUpdate(fields={"memberName": "B"})).fields
    assert len(emulator.journal.find("PATCH")) == 2


def test_6_a_pass_reactivated_after_its_expiry_reports_what_get_reports(wallet) -> None:
    # PassEntry deactivates a pass at its expiry once; reactivate() brings it back although the
    # expiry has passed. Every answer then says what get() says: not expired.
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    issued = wallet.create(Pass(template=STORE_CARD, fields={"memberName": "A"}, expires_at=past))
    assert issued.status is PassStatus.EXPIRED is wallet.get(issued.id).status
    assert wallet.reactivate(issued.id).status is PassStatus.ISSUED
    assert wallet.get(issued.id).status is PassStatus.ISSUED
    updated = wallet.update(issued.id, PassUpdate(fields={"memberName": "B"}))
    assert updated.status is wallet.get(issued.id).status is PassStatus.ISSUED
    assert [p.status for p in wallet.list() if p.id == issued.id] == [PassStatus.ISSUED]


@pytest.mark.parametrize("status", [404, 422])
def test_11_a_pass_without_a_loyalty_record_reads_back_without_a_balance(
    connect, emulator, status
) -> None:
    from walletpass.testing.emulator import Fault

    aliases = {"card": {"id": STORE_CARD, "kind": "loyalty", "balance_field": "points"}}
    wallet = connect(templates=aliases)
    issued = wallet.create(Pass(template="card", holder=Holder(name="Ada"), fields={"points": 3}))
    emulator.inject(
        Fault.respond(status, {"message": "no loyalty"}), method="GET", path=r"/api/v1/loyalty/.+"
    )
    read = wallet.get(issued.id)
    assert read.balance is None and "points" not in read.fields
    assert read.holder == Holder(name="Ada")


@pytest.mark.parametrize("source", ["custom", "extId"])
def test_a_barcode_read_back_is_written_back_as_is(wallet, emulator, source: str) -> None:
    # PassEntry holds a displayText flag, not a text (passentry.md 4.1): get() reports no
    # alt_text it could not write, and the flag stays in raw.
    message = "crm-barcode-1" if source == "extId" else "M-0042"
    shown = {"pass": {"barcode": {"displayText": True}}}
    issued = wallet.create(
        card(external_id="crm-barcode-1", barcode={"message": message}, extra=shown)
    )
    got = wallet.get(issued.id)
    assert got.barcode is not None and got.barcode.message == message
    assert got.barcode.alt_text is None
    assert got.raw["data"]["attributes"]["barcode"]["displayText"] is True
    updated = wallet.update(issued.id, PassUpdate(barcode=got.barcode))
    assert updated.barcode == got.barcode
    assert wallet.get(issued.id).barcode == got.barcode
