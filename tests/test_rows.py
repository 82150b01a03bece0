"""Rows of a CSV / JSON Lines export become passes; bad rows are reported, not fatal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import Pass
from walletpass.rows import RowError, RowSource, parse_when, read_rows, row_to_pass, timezone_named


def test_known_columns_go_to_fields_and_the_rest_become_template_fields(tmp_path: Path) -> None:
    export = tmp_path / "members.csv"
    export.write_text(
        "external_id,holder.name,Level,expires_at,Notes\n"
        "m-1,Ada Lovelace,gold,2030-01-01T00:00:00+01:00,vip\n"
    )
    source = RowSource(template="member-card", mapping={"Notes": ""})
    [item] = list(read_rows(export, source))
    assert isinstance(item, Pass)
    assert item.template == "member-card"
    assert item.external_id == "m-1"
    assert item.holder is not None and item.holder.name == "Ada Lovelace"
    assert item.fields == {"Level": "gold"}
    assert item.expires_at == datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=1)))


def test_renames_and_bad_rows_are_reported_with_their_number(tmp_path: Path) -> None:
    export = tmp_path / "tickets.csv"
    export.write_text(
        "Order,Name,Starts\n"
        "A-1,Ada,2030-05-01 20:00\n"
        "A-2,Grace,not a date\n"
        "A-3,Linus,2030-05-01 20:00,extra\n"
    )
    source = RowSource(
        template="ticket",
        mapping={"Order": "external_id", "Name": "holder.name", "Starts": "relevant_at"},
        default_tz=UTC,
    )
    first, second, third = read_rows(export, source)
    assert isinstance(first, Pass) and first.relevant_at == datetime(2030, 5, 1, 20, tzinfo=UTC)
    assert isinstance(second, RowError) and second.row == 2 and "Starts" in str(second)
    assert isinstance(third, RowError) and third.row == 3


def test_naive_dates_need_a_timezone() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        parse_when("2030-01-01 10:00")
    assert parse_when("2030-01-01 10:00", timezone_named("Europe/Paris")).utcoffset() == timedelta(
        hours=1
    )
    assert timezone_named("+02:00").utcoffset(None) == timedelta(hours=2)
    with pytest.raises(ValueError):
        timezone_named("Mars/Olympus")


def test_jsonl_rows_with_nested_holder(tmp_path: Path) -> None:
    export = tmp_path / "rows.jsonl"
    export.write_text(
        json.dumps({"template": "t", "holder": {"email": "ada@example.com"}, "seat": "1A"})
        + "\n\n[1, 2]\n{broken\n"
    )
    good, not_object, broken = read_rows(export, RowSource())
    assert isinstance(good, Pass) and good.holder is not None
    assert good.holder.email == "ada@example.com" and good.fields == {"seat": "1A"}
    assert isinstance(not_object, RowError) and not_object.row == 2
    assert isinstance(broken, RowError) and broken.row == 3


def test_unknown_target_and_missing_template_are_row_errors() -> None:
    with pytest.raises(RowError, match="unknown target"):
        row_to_pass(1, {"x": "1"}, RowSource(template="t", mapping={"x": "nope"}))
    with pytest.raises(RowError, match="template"):
        row_to_pass(1, {"x": "1"}, RowSource())


def test_unreadable_or_unsupported_files_are_validation_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"expected a \.csv or \.jsonl"):
        list(read_rows(tmp_path / "x.xlsx", RowSource()))
    with pytest.raises(ValueError, match="cannot read"):
        list(read_rows(tmp_path / "missing.csv", RowSource()))


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20).filter(lambda k: "." not in k and k.strip() == k),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_any_row_becomes_a_pass_or_a_row_error(row: dict[str, str]) -> None:
    try:
        issued = row_to_pass(7, row, RowSource(template="t"))
    except RowError as exc:
        assert exc.row == 7 and exc.problems
    else:
        assert issued.template == "t"


def test_row_errors_flow_through_create_many_in_position(tmp_path: Path) -> None:
    from walletpass.fake import FakeProvider

    export = tmp_path / "rows.csv"
    export.write_text("external_id,expires_at\na,2030-01-01T00:00Z\nb,soon\nc,\n")
    result = FakeProvider().create_many(read_rows(export, RowSource(template="t")))
    assert [item.ok for item in result.items] == [True, False, True]
    assert isinstance(result.items[1].error, RowError)
