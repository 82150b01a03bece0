"""Values a vendor's JSON cannot carry are refused before anything is sent, naming the field.

Issue 15, case 5: a lone surrogate in a field value passed the model, then failed while sending
("unexpected UnicodeEncodeError"), aborted a journaled bulk run and was reported as "may have been
sent"; ``Decimal("1e999999999")`` made validation spin for minutes. The fix lives once, in
:mod:`walletpass.values`, which every pass and update runs through (:class:`walletpass.Pass` and
:class:`walletpass.PassUpdate` check their input before and after conversion) and which redeem
amounts, redeem options and list filters use. These tests feed each kind of unsendable value
(unencodable text, non-finite and out-of-range numbers, decimals with huge exponents, datetimes
that overflow in UTC, over-deep or self-containing structures) at many places through
``create``, ``update``, ``create_many`` and ``walletpass issue``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walletpass import Pass, PassUpdate, ValidationError
from walletpass.cli import main
from walletpass.fake import FakeProvider
from walletpass.journal import BulkJournal, JournalState
from walletpass.values import MAX_DEPTH, number_problem, text_problem, wire_problems

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------
# Strategies: one unsendable value of each kind, and the places a value can sit in a pass
# --------------------------------------------------------------------------------------------

lone_surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
unencodable_text = st.builds(
    lambda before, bad, after: before + bad + after,
    st.text(max_size=5),
    lone_surrogate,
    st.text(max_size=5),
)
non_finite = st.sampled_from(
    [math_inf := float("inf"), -math_inf, float("nan"), Decimal("NaN"), Decimal("-Infinity")]
)
out_of_range_int = st.one_of(
    st.integers(min_value=2**53, max_value=10**4000),
    st.integers(min_value=-(10**4000), max_value=-(2**53)),
)
huge_exponent = st.builds(
    lambda digits, exponent, sign: Decimal(f"{sign}{digits}e{exponent}"),
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=400, max_value=10**15) | st.integers(min_value=-(10**15), max_value=-400),
    st.sampled_from(["", "-"]),
)
numbers = st.one_of(non_finite, out_of_range_int, huge_exponent)
#: Aware datetimes whose UTC form is before year 1 or after year 9999.
overflowing_datetime = st.one_of(
    st.integers(min_value=1, max_value=23).map(
        lambda h: datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=h)))
    ),
    st.integers(min_value=1, max_value=23).map(
        lambda h: datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=h)))
    ),
)
#: Aware datetimes whose UTC offset is not whole minutes (a local mean time, a made-up zone):
#: timestamps travel with +hh:mm offsets, and pydantic's JSON cuts the seconds.
odd_offset_datetime = st.builds(
    lambda seconds, hours, sign: datetime(
        2030, 6, 1, 12, tzinfo=timezone(sign * timedelta(hours=hours, seconds=seconds))
    ),
    st.integers(min_value=1, max_value=59),
    st.integers(min_value=0, max_value=13),
    st.sampled_from([1, -1]),
)

#: (where the bad value goes, the problem's location, a builder of pass content around it).
PLACES_TEXT: list[tuple[str, Any]] = [
    ("fields.memberName", lambda v: {"fields": {"memberName": v}}),
    ("fields.seat.label", lambda v: {"fields": {"seat": {"value": "1", "label": v}}}),
    ("holder.name", lambda v: {"holder": {"name": v}}),
    ("barcode.message", lambda v: {"barcode": {"message": v}}),
    ("barcode.alt_text", lambda v: {"barcode": {"message": "x", "alt_text": v}}),
    ("description", lambda v: {"description": v}),
    ("locations.0.name", lambda v: {"locations": [{"latitude": 1, "longitude": 2, "name": v}]}),
    ("extra.deep.0.note", lambda v: {"extra": {"deep": [{"note": v}]}}),
    ("event.title", lambda v: {"event": {"title": v}}),
    ("tier", lambda v: {"tier": v}),
]
PLACES_NUMBER: list[tuple[str, Any]] = [
    ("fields.points", lambda v: {"fields": {"points": v}}),
    ("fields.points.value", lambda v: {"fields": {"points": {"value": v, "label": "P"}}}),
    ("extra.a.1", lambda v: {"extra": {"a": [1, v]}}),
]
PLACES_DATETIME: list[tuple[str, Any]] = [
    ("expires_at", lambda v: {"expires_at": v}),
    ("relevant_at", lambda v: {"relevant_at": v}),
    ("fields.doors", lambda v: {"fields": {"doors": v}}),
    ("event.starts_at", lambda v: {"event": {"starts_at": v}}),
]


def _placed(places: list[tuple[str, Any]], values: st.SearchStrategy[Any]) -> Any:
    return st.tuples(st.sampled_from(places), values).map(lambda p: (p[0][0], p[0][1](p[1])))


unsendable = st.one_of(
    _placed(PLACES_TEXT, unencodable_text),
    _placed(PLACES_NUMBER, numbers),
    _placed(PLACES_DATETIME, overflowing_datetime),
    _placed(PLACES_DATETIME, odd_offset_datetime),
)


def _located(error: ValidationError) -> set[str]:
    return {p.location for p in error.problems}


@pytest.fixture(scope="module")
def wallet() -> Any:
    with FakeProvider() as made:
        yield made


# --------------------------------------------------------------------------------------------
# The issue's inputs
# --------------------------------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_by_the_model_naming_the_field(wallet: FakeProvider) -> None:
    wallet.reset_calls()
    with pytest.raises(ValidationError) as caught:
        wallet.create({"template": "t", "fields": {"memberName": "A\ud800"}})
    assert _located(caught.value) == {"fields.memberName"}
    assert "surrogate" in str(caught.value) and not caught.value.outcome_unknown
    assert wallet.calls == []  # nothing was sent


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ({"fields": {"points": Decimal("1e999999999")}}, "fields.points"),
        ({"balance": {"amount": Decimal("1e999999999")}}, "balance.amount"),
        ({"balance": {"amount": "1e999999999"}}, "balance.amount"),  # text the model converts
        ({"balance": {"amount": Decimal("-1e-999999999")}}, "balance.amount"),
        ({"fields": {"points": 10**100_000}}, "fields.points"),
    ],
)
def test_huge_numbers_are_refused_at_once(
    wallet: FakeProvider, content: dict[str, Any], where: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create({"template": "t", **content})
    assert _located(caught.value) == {where}


@pytest.mark.parametrize("amount", [Decimal("1e999999999"), "1e999999999", float("inf"), 2**70])
def test_redeem_amounts_are_bounded_before_any_conversion(
    wallet: FakeProvider, amount: Any
) -> None:
    issued = wallet.create({"template": "t"})
    with pytest.raises(ValidationError) as caught:
        wallet.redeem(issued.id, amount=amount)
    assert _located(caught.value) == {"amount"}
    assert wallet.get(issued.id).status.value == "issued"


def test_redeem_options_and_list_filters_are_checked_too(wallet: FakeProvider) -> None:
    issued = wallet.create({"template": "t"})
    with pytest.raises(ValidationError) as caught:
        wallet.redeem(issued.id, options={"note": "\udcff", "n": [float("nan")]})
    assert _located(caught.value) == {"options.note", "options.n.0"}
    with pytest.raises(ValidationError) as caught:
        wallet.list(extra={"q": "\ud83d"})
    assert _located(caught.value) == {"extra.q"}


def test_dates_that_overflow_in_utc_and_events_ending_after_9999() -> None:
    with pytest.raises(ValidationError) as caught:
        Pass(template="t", expires_at="9999-12-31T23:00:00-05:00")
    assert _located(caught.value) == {"expires_at"}
    with pytest.raises(ValidationError) as caught:
        Pass(
            template="t",
            event={"starts_at": datetime(9999, 12, 31, tzinfo=UTC), "duration": timedelta(days=2)},
        )
    assert _located(caught.value) == {"event"}
    # The last representable instants themselves are fine.
    Pass(template="t", expires_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    Pass(template="t", relevant_at=datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))))


def test_nesting_is_bounded_and_cycles_are_refused_without_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(50_000):  # far past Python's recursion limit
        deep = [deep]
    problems = wire_problems({"extra": deep})
    assert len(problems) == 1 and "deeper than" in problems[0].message
    with pytest.raises(ValidationError):
        Pass(template="t", extra={"a": deep})
    looped: dict[str, Any] = {}
    looped["self"] = looped
    with pytest.raises(ValidationError) as caught:
        Pass(template="t", extra=looped)
    assert _located(caught.value) == {"extra.self"}
    # Exactly at the limit is accepted.
    ok: Any = 1
    for _ in range(MAX_DEPTH - 2):
        ok = [ok]
    Pass(template="t", extra={"a": ok})


def test_the_boundaries_of_each_kind() -> None:
    assert number_problem(2**53 - 1) is None and number_problem(-(2**53) + 1) is None
    assert number_problem(2**53) is not None and number_problem(-(2**53)) is not None
    assert number_problem(Decimal("1.7976931348623157e308")) is None
    assert number_problem(Decimal("1.8e308")) is not None
    assert number_problem(Decimal("5e-324")) is None and number_problem(Decimal("1e-330"))
    assert number_problem(Decimal("0E-999999999")) is None  # zero is zero at any exponent
    assert number_problem(True) is None
    assert text_problem("e\u0301🎟️\x00") is None  # paired surrogates (emoji) are fine
    assert text_problem("\ud83c\udf9f") is not None  # a pair spelled as two lone halves


# --------------------------------------------------------------------------------------------
# Every kind, every place, every entry point
# --------------------------------------------------------------------------------------------


@QUICK
@given(unsendable)
def test_create_refuses_before_sending(wallet: FakeProvider, case: tuple[str, Any]) -> None:
    where, content = case
    before = wallet.pass_count
    with pytest.raises(ValidationError) as caught:
        wallet.create({"template": "t", **content})
    assert where in _located(caught.value) or any(
        loc.startswith(where.split(".")[0]) for loc in _located(caught.value)
    )
    assert not caught.value.outcome_unknown and not str(caught.value).startswith("unexpected")
    assert wallet.pass_count == before


@QUICK
@given(unsendable)
def test_update_refuses_before_sending(wallet: FakeProvider, case: tuple[str, Any]) -> None:
    where, content = case
    issued = wallet.create({"template": "t", "fields": {"memberName": "Ada"}})
    with pytest.raises(ValidationError) as caught:
        wallet.update(issued.id, content)
    assert any(loc.startswith(where.split(".")[0]) for loc in _located(caught.value))
    assert wallet.get(issued.id).version == 1  # unchanged
    with pytest.raises(ValidationError):
        PassUpdate(**content)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(unsendable, min_size=1, max_size=3), st.integers(min_value=0, max_value=3))
def test_create_many_isolates_each_bad_item_and_journals_nothing_unknown(
    tmp_path_factory: pytest.TempPathFactory, bad: list[tuple[str, Any]], good: int
) -> None:
    items: list[dict[str, Any]] = [
        {"template": "t", "external_id": f"bad-{i}", **content}
        for i, (_, content) in enumerate(bad)
    ]
    items += [{"template": "t", "external_id": f"good-{i}"} for i in range(good)]
    journal = tmp_path_factory.mktemp("journal") / "run.db"
    with FakeProvider() as fresh:
        result = fresh.create_many(items, journal=journal)
        assert result.succeeded == good and fresh.pass_count == good
    for item in result.items[: len(bad)]:
        assert isinstance(item.error, ValidationError)
        assert not item.error.outcome_unknown
    with BulkJournal(journal, provider="fake") as book:
        assert book.counts()[JournalState.UNKNOWN] == 0
        assert book.counts()[JournalState.IN_FLIGHT] == 0


def test_walletpass_issue_reports_unsendable_rows_and_issues_the_rest(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = isolated
    # JSON can spell all of these: a lone surrogate escape, a huge number, a far-future offset.
    lines = [
        '{"external_id": "ok-1", "fields": {"name": "Ada"}}',
        '{"external_id": "bad-1", "fields": {"name": "A\\ud800"}}',
        '{"external_id": "bad-2", "fields": {"points": 1e999999999}}',
        '{"external_id": "bad-3", "fields": {"points": 123456789012345678901234567890}}',
        '{"external_id": "bad-4", "expires_at": "9999-12-31T23:00:00-05:00"}',
        '{"external_id": "ok-2", "holder": {"name": "Grace"}}',
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code = main(["issue", str(source), "--template", "t", "--no-progress", "--json"])

    assert code == 1
    results = [
        json.loads(line)
        for line in (tmp_path / "rows.results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["status"] for r in results] == [
        "issued",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "issued",
    ]
    assert [r["row"] for r in results] == [1, 2, 3, 4, 5, 6]
    assert "fields.name" in results[1]["error"] and "surrogate" in results[1]["error"]
    assert "fields.points" in results[2]["error"] and "fields.points" in results[3]["error"]
    assert "expires_at" in results[4]["error"]
    assert not any("unexpected" in (r["error"] or "") for r in results)
    assert "Traceback" not in capsys.readouterr().err


#: The JSON a person's export could hold for each kind (JSON spells surrogates as escapes).
json_unsendable = st.one_of(
    unencodable_text.map(lambda text: ("fields.name", {"fields": {"name": text}})),
    unencodable_text.map(lambda text: ("holder.name", {"holder": {"name": text}})),
    unencodable_text.map(lambda text: ("barcode.message", {"barcode": {"message": text}})),
    out_of_range_int.map(lambda number: ("fields.points", {"fields": {"points": number}})),
    st.sampled_from(["1e400", "-1e999999999", "NaN", "Infinity"]).map(
        lambda text: ("fields.points", {"fields": {"points": json.loads(text)}})
    ),
    overflowing_datetime.map(lambda when: ("expires_at", {"expires_at": when.isoformat()})),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_unsendable)
def test_walletpass_issue_reports_every_kind_for_its_row(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, dict[str, Any]]
) -> None:
    where, content = case
    folder = tmp_path_factory.mktemp("issue")
    source = folder / "rows.jsonl"
    rows = [{"external_id": "a"}, {"external_id": "b", **content}, {"external_id": "c"}]
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    environ = {"XDG_DATA_HOME": str(folder / "data")}
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("WALLETPASS_"):
                patch.delenv(key)
        for key, value in environ.items():
            patch.setenv(key, value)
        assert main(["issue", str(source), "--template", "t", "--no-progress"]) == 1
    results = [
        json.loads(line)
        for line in (folder / "rows.results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r["status"] for r in results] == ["issued", "invalid", "issued"]
    assert where in results[1]["error"] and "unexpected" not in results[1]["error"]


# --------------------------------------------------------------------------------------------
# Any shape: the check finds the one bad part wherever it sits, and nothing in clean content
# --------------------------------------------------------------------------------------------

sendable_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8).filter(lambda t: text_problem(t) is None),
    st.just(datetime(2030, 1, 1, tzinfo=UTC)),
)
unsendable_leaf = st.one_of(unencodable_text, numbers, overflowing_datetime, odd_offset_datetime)
shapes = st.recursive(
    sendable_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text("abc", max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


def _plant(shape: Any, bad: Any, choice: int, path: str = "") -> tuple[Any, str]:
    """``shape`` with ``bad`` put in place of one of its leaves (the ``choice``-th in order,
    counting round), and that place's path."""
    leaves: list[str] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, f"{where}.{key}" if where else key)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, f"{where}.{index}" if where else str(index))
        else:
            leaves.append(where)

    walk(shape, path)
    target = leaves[choice % len(leaves)]

    def put(value: Any, where: str) -> Any:
        if where == target and not isinstance(value, dict | list):
            return bad
        if isinstance(value, dict):
            return {k: put(v, f"{where}.{k}" if where else k) for k, v in value.items()}
        if isinstance(value, list):
            return [put(v, f"{where}.{i}" if where else str(i)) for i, v in enumerate(value)]
        return value

    return put(shape, path), target


@QUICK
@given(shape=shapes, bad=unsendable_leaf, choice=st.integers(min_value=0, max_value=50))
def test_one_bad_part_is_found_wherever_it_sits(shape: Any, bad: Any, choice: int) -> None:
    content = {"extra": shape, "tier": "gold"}  # (one leaf at least, whatever the shape)
    assert wire_problems(content) == []
    planted, where = _plant(content, bad, choice)
    assert [p.location for p in wire_problems(planted)] == [where]


@QUICK
@given(shape=shapes, key=unencodable_text)
def test_a_bad_key_is_found_at_any_depth(shape: Any, key: str) -> None:
    nested = {"extra": [{"a": shape, key: 1}]}
    assert len(wire_problems(nested)) == 1
