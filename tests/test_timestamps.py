"""walletpass.timestamps: each vendor's written form, and the one rule answers are read by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass.timestamps import (
    MAX_TIMESTAMP_LENGTH,
    UTC_SECONDS,
    TimestampForm,
    format_timestamp,
    parse_timestamp,
    parse_unix_seconds,
)


class _NaiveZone(tzinfo):
    """A tzinfo that knows no offset: the datetime is still naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Years 2..9998, so that every instant stays representable in any zone within +-14 h.
aware = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)
forms = st.builds(
    TimestampForm,
    zone=st.one_of(st.none(), st.just(UTC), offsets),
    utc_as_z=st.booleans(),
    timespec=st.sampled_from(["seconds", "milliseconds", "microseconds"]),
)
_UNIT = {
    "seconds": timedelta(seconds=1),
    "milliseconds": timedelta(milliseconds=1),
    "microseconds": timedelta(microseconds=1),
}


def _truncated(value: datetime, timespec: str) -> datetime:
    if timespec == "seconds":
        return value.replace(microsecond=0)
    if timespec == "milliseconds":
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


@given(value=aware, form=forms)
def test_every_form_reads_back_as_the_same_instant_cut_to_its_precision(
    value: datetime, form: TimestampForm
) -> None:
    text = format_timestamp(value, form)
    parsed = parse_timestamp(text)
    assert parsed == _truncated(value, form.timespec)
    assert parsed is not None and value - parsed < _UNIT[form.timespec]
    assert text[:4].isdigit() and text[4] == "-"  # four-digit years, even below 1000


@given(value=aware)
def test_utc_seconds_is_the_z_form(value: datetime) -> None:
    text = format_timestamp(value, UTC_SECONDS)
    assert len(text) == 20 and text.endswith("Z")
    assert text == value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").zfill(20)


@given(value=aware)
def test_the_own_offset_form_keeps_the_offset(value: datetime) -> None:
    text = format_timestamp(value, TimestampForm(zone=None, utc_as_z=False))
    assert datetime.fromisoformat(text).utcoffset() == value.utcoffset()
    assert not text.endswith("Z")
    # Read back, the instant is told in UTC: one offset for what every provider answers.
    parsed = parse_timestamp(text)
    assert parsed == datetime.fromisoformat(text) and parsed.utcoffset() == timedelta(0)


def test_a_zone_writes_in_that_zone() -> None:
    eight = timezone(timedelta(hours=8))
    value = datetime(2026, 2, 25, 12, 0, 0, 999999, tzinfo=UTC)
    assert format_timestamp(value, TimestampForm(zone=eight, utc_as_z=False)) == (
        "2026-02-25T20:00:00+08:00"
    )
    assert format_timestamp(value, TimestampForm(timespec="milliseconds")) == (
        "2026-02-25T12:00:00.999Z"
    )


@pytest.mark.parametrize("value", [datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=_NaiveZone())])
def test_a_naive_datetime_cannot_be_written(value: datetime) -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_timestamp(value)


@given(
    naive=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    sep=st.sampled_from(["T", " "]),
)
def test_the_one_rule_a_timestamp_without_an_offset_is_utc(naive: datetime, sep: str) -> None:
    assert parse_timestamp(naive.isoformat(sep=sep)) == naive.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", datetime(2026, 12, 31, tzinfo=UTC)),  # Livepasses validUntil example
        ("2022-06-05T10:06:53Z", datetime(2022, 6, 5, 10, 6, 53, tzinfo=UTC)),  # PassEntry
        (
            "2027-06-30T23:59:59+02:00",  # Pass2U
            datetime(2027, 6, 30, 21, 59, 59, tzinfo=UTC),
        ),
        # .NET writes seven fractional digits; the seventh is below a microsecond.
        ("2026-02-25T12:00:00.1234567Z", datetime(2026, 2, 25, 12, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_documented_forms_are_read(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("absent", [None, ""])
def test_absent_is_none(absent: object) -> None:
    assert parse_timestamp(absent) is None


@pytest.mark.parametrize(
    "value",
    [
        "soon",
        "2026-13-01T00:00:00Z",
        "2026-02-30",
        "2026-02-25T25:00:00Z",
        "1" * (MAX_TIMESTAMP_LENGTH + 1),
        "2026-02-25T12:00:00Z" + " " * MAX_TIMESTAMP_LENGTH,
        1772020800,
        12.5,
        True,
        ["2026-02-25"],
        {"value": "2026-02-25"},
    ],
)
def test_anything_else_is_an_error_not_a_silent_none(value: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value)


@given(text=st.text(max_size=80))
def test_any_text_is_read_or_refused_with_value_error(text: str) -> None:
    try:
        parsed = parse_timestamp(text)
    except ValueError:
        return
    assert parsed is None or parsed.tzinfo is not None


def test_unix_seconds() -> None:
    assert parse_unix_seconds(1772020800) == datetime(2026, 2, 25, 12, 0, tzinfo=UTC)
    assert parse_unix_seconds(0.5) == datetime(1970, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert parse_unix_seconds(None) is None
    for bad in (True, "1772020800", float("nan"), float("inf"), 10**20, -(10**20)):
        with pytest.raises(ValueError):
            parse_unix_seconds(bad)
