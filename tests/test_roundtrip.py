"""The round trip: an application reads back what it wrote, under its own names and types.

Template aliases rename fields, type them and keep neutral attributes in template fields; every
operation that returns a pass reports it in the application's terms. These tests use the fake
(which stores what the vendor would store, in vendor terms) so the mapping is observable both in
what is sent (``calls``) and in what comes back.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import (
    ConfigurationError,
    Holder,
    InvalidResponse,
    Pass,
    PassStatus,
    PassUpdate,
    UnsupportedFeature,
    ValidationError,
)
from walletpass.change_message import substitute_placeholder
from walletpass.fake import FakeProvider
from walletpass.roundtrip import convert_read, convert_write
from walletpass.settings import FieldType, TemplateAlias

CARD = {
    "coffee-card": {
        "id": "tpl-card",
        "kind": "loyalty",
        "fields": {
            "points": {"key": "stamps", "type": "int"},
            "joined": {"key": "since", "type": "date"},
            "level": "tier_name",
            "vip": {"key": "is_vip", "type": "bool"},
            "credit": {"key": "credit_eur", "type": "decimal"},
            "renews": {"key": "renewal", "type": "datetime"},
        },
        "attributes": {"external_id": "member_no", "holder.name": "name"},
    }
}


def wallet(**settings: Any) -> FakeProvider:
    provider = walletpass.connect("fake", templates=CARD, **settings)
    assert isinstance(provider, FakeProvider)
    return provider


def test_create_get_update_and_list_read_back_logical_names_and_types() -> None:
    fake = wallet()
    card = fake.create(
        Pass(
            template="coffee-card",
            external_id="M-1001",
            holder=Holder(name="Ada Lovelace"),
            fields={
                "points": 90,
                "joined": date(2026, 1, 2),
                "level": "gold",
                "vip": True,
                "credit": Decimal("12.50"),
                "renews": datetime(2027, 1, 2, 9, 30, tzinfo=UTC),
            },
        )
    )
    sent = fake.calls[-1].params
    assert sent["template"] == "tpl-card"
    assert sent["fields"]["stamps"] == 90 and sent["fields"]["member_no"] == "M-1001"
    assert sent["fields"]["name"] == "Ada Lovelace" and sent["fields"]["tier_name"] == "gold"
    expected = {
        "points": 90,
        "joined": date(2026, 1, 2),
        "level": "gold",
        "vip": True,
        "credit": Decimal("12.50"),
        "renews": datetime(2027, 1, 2, 9, 30, tzinfo=UTC),
    }
    for read in (card, fake.get(card.id), next(iter(fake.list(template="coffee-card")))):
        assert (read.template, read.vendor_template) == ("coffee-card", "tpl-card")
        assert read.fields == expected
        assert read.external_id == "M-1001"
        assert read.holder == Holder(name="Ada Lovelace")
    topped = fake.update(card.id, PassUpdate(fields={"points": "95"}))
    assert topped.fields["points"] == 95  # "95" was normalised to the declared int
    assert fake.calls[-1].params["change"]["fields"] == {"stamps": 95}
    assert fake.get(card.id).fields["points"] == 95


def test_create_many_results_are_in_the_applications_terms() -> None:
    fake = wallet()
    result = fake.create_many(
        [Pass(template="coffee-card", external_id=f"M-{i}", fields={"points": i}) for i in range(3)]
    )
    assert [p.fields for p in result.passes] == [{"points": i} for i in range(3)]
    assert [p.external_id for p in result.passes] == ["M-0", "M-1", "M-2"]
    assert {p.template for p in result.passes} == {"coffee-card"}


def test_a_value_not_of_its_declared_type_is_refused_before_sending() -> None:
    fake = wallet()
    with pytest.raises(ValidationError) as caught:
        fake.create(
            Pass(template="coffee-card", fields={"points": "ninety", "joined": "yesterday"})
        )
    paths = {p.location for p in caught.value.problems}
    assert paths == {"fields.points", "fields.joined"}
    assert "whole number" in str(caught.value) and "'ninety'" in str(caught.value)
    assert fake.calls == []


def test_an_answer_not_of_its_declared_type_is_invalid_response_naming_field_and_text() -> None:
    fake = wallet()
    card = fake.create(Pass(template="coffee-card", fields={"points": 3}))
    # The vendor-side record changes behind walletpass's back (a dashboard edit).
    stored = fake._store.get(card.id)
    assert stored is not None
    fake._store.replace(stored.model_copy(update={"fields": {"stamps": "lots"}}))
    with pytest.raises(InvalidResponse, match=r"fields\.points.*'lots'"):
        fake.get(card.id)


def test_an_attribute_and_its_field_set_together_is_refused() -> None:
    with pytest.raises(ValidationError, match="member_no"):
        wallet().create(
            Pass(template="coffee-card", external_id="M-1", fields={"member_no": "M-2"})
        )


def test_fields_the_alias_does_not_name_keep_the_vendor_key() -> None:
    card = wallet().create(Pass(template="coffee-card", fields={"points": 1, "note": "hi"}))
    assert card.fields == {"points": 1, "note": "hi"}


def test_two_templates_can_differ_in_their_attribute_fields() -> None:
    templates = {
        **CARD,
        "ticket": {"id": "tpl-ticket", "attributes": {"holder.name": "guest"}},
    }
    fake = walletpass.connect("fake", templates=templates)
    ticket = fake.create(Pass(template="ticket", holder=Holder(name="Grace")))
    assert fake.calls[-1].params["fields"] == {"guest": "Grace"}
    assert fake.get(ticket.id).holder == Holder(name="Grace")
    assert fake.get(ticket.id).template == "ticket"


@pytest.mark.parametrize(
    ("alias", "match"),
    [
        ({"id": "t", "fields": {"a": "k", "b": "k"}}, "claimed twice"),
        ({"id": "t", "fields": {"a": "k"}, "attributes": {"external_id": "k"}}, "claimed twice"),
        ({"id": "t", "attributes": {"holder.nmae": "n"}}, "unknown attribute"),
        ({"id": "t", "fields": {"a": {"key": "k", "type": "integer"}}}, "type"),
        ({"id": "t", "fields": {"a": {"key": "k k"}}}, "key"),
    ],
)
def test_bad_alias_declarations_are_configuration_errors(alias: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        walletpass.connect("fake", templates={"x": alias})


def test_typed_fields_from_toml(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "walletpass.toml").write_text(
        'provider = "fake"\n'
        "[providers.fake.templates.coffee-card]\n"
        'id = "tpl"\n'
        'fields = { points = { key = "stamps", type = "int" }, seat = "seat_no" }\n'
        'attributes = { external_id = "member_no", "holder.name" = "name" }\n'
    )
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.startswith("WALLETPASS_")]:
        monkeypatch.delenv(key)
    fake = walletpass.from_config()
    card = fake.create(Pass(template="coffee-card", external_id="M-9", fields={"points": 5}))
    assert (card.external_id, card.fields) == ("M-9", {"points": 5})


# --------------------------------------------------------------------------------------------
# Redeem and statuses: one meaning everywhere
# --------------------------------------------------------------------------------------------


def test_redeem_consumes_and_a_second_redeem_is_already_redeemed() -> None:
    fake = walletpass.connect("fake")
    ticket = fake.create(Pass(template="t", kind="event_ticket"))
    used = fake.redeem(ticket.id)
    assert used.status is PassStatus.REDEEMED
    assert fake.get(ticket.id).status.is_final
    with pytest.raises(walletpass.AlreadyRedeemed):
        fake.redeem(ticket.id)


def test_redeem_with_an_amount_spends_the_balance_and_keeps_the_pass_active() -> None:
    fake = walletpass.connect("fake")
    card = fake.create(
        Pass(template="t", kind="loyalty", balance={"amount": 90, "currency": "points"})
    )
    spent = fake.redeem(card.id, amount=5)
    assert (spent.status, spent.amount, spent.remaining) == (
        PassStatus.ACTIVE,
        Decimal(5),
        Decimal(85),
    )
    again = fake.redeem(card.id, amount=5)
    assert again.remaining == Decimal(80)
    # The answer says "still usable"; the lifecycle status a read reports stays what it was.
    assert fake.get(card.id).status is PassStatus.ISSUED


def test_redeem_with_an_amount_beyond_the_balance_is_refused() -> None:
    fake = walletpass.connect("fake")
    card = fake.create(Pass(template="t", kind="loyalty", balance={"amount": 3}))
    with pytest.raises(walletpass.BusinessRuleError, match="balance"):
        fake.redeem(card.id, amount=5)
    assert fake.redeem(card.id, amount=3).remaining == 0


def test_redeem_with_an_amount_on_a_pass_without_balance_is_refused() -> None:
    fake = walletpass.connect("fake")
    ticket = fake.create(Pass(template="t", kind="event_ticket"))
    with pytest.raises(walletpass.BusinessRuleError, match="no balance"):
        fake.redeem(ticket.id, amount=1)
    assert fake.get(ticket.id).status is PassStatus.ISSUED


def test_redeem_with_an_amount_where_the_vendor_has_no_balance_is_unsupported() -> None:
    fake = walletpass.connect("fake", profile="pass2u")
    with pytest.raises(UnsupportedFeature, match="balance"):
        fake.redeem("fp_0123456789abcdef", amount=1)
    assert fake.calls == []


# --------------------------------------------------------------------------------------------
# %@ in change messages
# --------------------------------------------------------------------------------------------


def test_placeholder_is_filled_with_the_one_changed_value() -> None:
    change = substitute_placeholder(
        PassUpdate(fields={"seat": "14C"}, message="Your seat changed to %@")
    )
    assert change.message == "Your seat changed to 14C"
    assert change.fields == {"seat": "14C"}
    named = substitute_placeholder(PassUpdate(holder={"name": "Ada"}, message="Hi %@"))
    assert named.message == "Hi Ada"
    # A message is about a value a wallet shows: other attributes may change beside it.
    moved = PassUpdate(fields={"gate": "C4"}, expires_at="2031-01-01T00:00:00Z", message="%@ now")
    assert substitute_placeholder(moved).message == "C4 now"


@pytest.mark.parametrize(
    "change",
    [
        {"fields": {"seat": "14C", "gate": "4"}, "message": "Now %@"},
        {"fields": {"seat": "14C"}, "holder": {"name": "A"}, "message": "Now %@"},
        {"holder": {"first_name": "A", "last_name": "B"}, "message": "Now %@"},
        {"expires_at": "2031-01-01T00:00:00Z", "message": "Until %@"},
        {"fields": {"seat": "14C"}, "balance": {"amount": 5}, "message": "Now %@"},
        {"holder": {"name": "A", "email": None}, "message": "Now %@"},
        {"message": "Hello %@"},
    ],
)
def test_an_ambiguous_placeholder_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="%@"):
        substitute_placeholder(PassUpdate(**change))


def test_the_fake_never_stores_a_literal_placeholder() -> None:
    fake = walletpass.connect("fake")
    ticket = fake.create(Pass(template="t", fields={"seat": "12B"}))
    updated = fake.update(ticket.id, PassUpdate(fields={"seat": "14C"}, message="Seat: %@"))
    assert updated.meta["last_message"] == "Seat: 14C"


# --------------------------------------------------------------------------------------------
# Conversions, property-tested
# --------------------------------------------------------------------------------------------

_VALUES = {
    # Numbers a double keeps exactly (walletpass.values): the others are refused on write.
    FieldType.INT: st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    FieldType.DECIMAL: st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=4),
        # Exponent forms: Decimal("1E+30"), Decimal("2.5E-7") are amounts too.
        st.builds(
            lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
            st.integers(min_value=-(10**15), max_value=10**15),
            st.integers(min_value=-40, max_value=40),
        ),
    ).filter(lambda d: -60 < d.adjusted() < 60 and Decimal(repr(float(d))) == d),
    FieldType.BOOL: st.booleans(),
    FieldType.DATE: st.dates(),
    FieldType.DATETIME: st.datetimes(timezones=st.just(UTC)).map(
        lambda d: d.replace(tzinfo=UTC, microsecond=0)
    ),
    FieldType.TEXT: st.text(min_size=0, max_size=40),
}


@pytest.mark.parametrize("kind", list(FieldType))
@given(data=st.data())
def test_a_written_value_reads_back_equal_from_json_or_text(kind: FieldType, data: Any) -> None:
    value = data.draw(_VALUES[kind])
    written = convert_write(value, kind)
    # A bool travels as text (no vendor's fields hold JSON booleans); the rest as themselves.
    assert written == ({True: "true", False: "false"}[value] if kind is FieldType.BOOL else value)
    as_text = written.isoformat() if isinstance(written, date) else str(written)
    if kind is FieldType.DECIMAL and written and written.adjusted() >= -6:
        # Written out in digits: a vendor keeping the text answers no exponent (Python writes
        # one only below a millionth).
        assert "E" not in as_text
    # Vendors answer either the JSON value or its text; both read back as the written value.
    assert convert_read(as_text, kind) == value
    json_form = written if isinstance(written, bool | int | str) else as_text
    assert convert_read(json_form, kind) == value
    if kind is FieldType.DECIMAL:
        # A vendor may answer a number in exponent form: it is the same amount.
        assert convert_read(f"{value:E}", kind) == value


@given(st.one_of(st.text(max_size=30), st.floats(), st.none(), st.lists(st.integers())))
def test_read_conversion_raises_only_value_error(value: Any) -> None:
    for kind in FieldType:
        with contextlib.suppress(ValueError):
            convert_read(value, kind)


def test_huge_decimal_and_datetime_text_are_refused_quickly() -> None:
    with pytest.raises(ValueError, match="number"):
        convert_write(Decimal("1e999999999"), FieldType.DECIMAL)
    with pytest.raises(ValueError, match="64 significant digits"):
        convert_write(Decimal("0." + "1" * 65), FieldType.DECIMAL)
    with pytest.raises(ValueError, match="not a number"):
        convert_read("1" * 66 + "E+9", FieldType.DECIMAL)
    with pytest.raises(ValueError, match="whole number"):
        convert_write(Decimal("1e999999999"), FieldType.INT)
    with pytest.raises(ValueError, match="whole number"):
        convert_write("9" * 100, FieldType.INT)
    with pytest.raises(ValueError, match="offset"):
        convert_write(datetime(2026, 1, 1), FieldType.DATETIME)
    assert convert_write(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(0), FieldType.DATETIME)


@given(st.datetimes(timezones=st.just(UTC)).filter(lambda d: d.microsecond != 0))
def test_a_datetime_with_a_fraction_of_a_second_is_refused(value: datetime) -> None:
    # The vendors keep whole seconds: the fraction would be cut off, never read back.
    with pytest.raises(ValueError, match="fraction of a second"):
        convert_write(value, FieldType.DATETIME)
    with pytest.raises(ValueError, match="fraction of a second"):
        convert_write(value.isoformat(), FieldType.DATETIME)
    assert convert_read(value.isoformat(), FieldType.DATETIME) == value


def test_template_alias_shorthand_field_is_untyped() -> None:
    alias = TemplateAlias.model_validate({"id": "t", "fields": {"seat": "seat_no"}})
    assert alias.vendor_key("seat") == "seat_no" and alias.field_type("seat") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("\u0664\u0662", FieldType.INT),  # Arabic-Indic 4 2: int() reads them as 42
        ("\uff14\uff12", FieldType.INT),  # fullwidth 4 2
        ("\u0664\u0662.\u0665", FieldType.DECIMAL),
        ("\uff11.\uff15", FieldType.DECIMAL),
        ("20260329", FieldType.DATE),  # ISO 8601's basic form, not the YYYY-MM-DD named
        ("2026-W13-7", FieldType.DATE),  # a week date
        ("2026-089", FieldType.DATE),  # an ordinal date
        ("\u0662\u0660\u0662\u0666-\u0660\u0663-\u0662\u0669", FieldType.DATE),
    ],
)
def test_text_in_a_form_the_type_does_not_name_is_refused_both_ways(
    text: str, kind: FieldType
) -> None:
    """Typed text is read in the one form its error names (ASCII digits, YYYY-MM-DD): anything
    else another reader of the vendor's text would take differently is refused on the way out
    and reported on the way in, never read as a value."""
    with pytest.raises(ValueError):
        convert_write(text, kind)
    with pytest.raises(ValueError, match="vendor answered"):
        convert_read(text, kind)


@given(st.dates())
def test_a_date_as_yyyy_mm_dd_text_reads_back(value: date) -> None:
    assert convert_read(value.isoformat(), FieldType.DATE) == value
    assert convert_write(value.isoformat(), FieldType.DATE) == value
