"""Timestamps on the wire: one way to write them, one way to read them, for every vendor.

A vendor states *how* it writes a timestamp as data, a :class:`TimestampForm` (converted to UTC
and written with ``Z``, or kept in its own offset; whole seconds or finer), and every provider,
fake profile and emulator formats through :func:`format_timestamp` with that form. Reading is the
same for every vendor, by :func:`parse_timestamp`, under one rule:

* **A timestamp without an offset is UTC.** Livepasses and PassEntry document their timestamps
  as UTC, Pass2U always writes an offset (so the rule never changes a Pass2U date), and the
  webhook receivers read deliveries the same way (:func:`walletpass.webhooks.timestamp`). A bare
  date (``2026-12-31``, Livepasses' ``validUntil`` example) is the start of that day in UTC.
* **Absent is ``None``**: a missing value, JSON ``null`` or an empty string.
* **Anything else that is not an ISO 8601 timestamp is an error** (:class:`ValueError`), never a
  silent ``None``: inside a parse hook the core turns it into ``InvalidResponse``, so a vendor's
  unreadable expiry is reported instead of being dropped.

:func:`parse_unix_seconds` reads vendors that answer with Unix seconds (LivePass's
``created_at``) under the same rules for absent and unreadable values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timezone, tzinfo
from typing import Any, Literal

from pydantic_core import TzInfo

__all__ = [
    "MAX_TIMESTAMP_LENGTH",
    "UTC_SECONDS",
    "TimestampForm",
    "format_timestamp",
    "parse_timestamp",
    "parse_unix_seconds",
    "plain_offset",
]

#: Longer text is refused unread: ``2026-02-25T12:00:00.1234567+08:00`` is 33 characters.
MAX_TIMESTAMP_LENGTH = 64

Timespec = Literal["seconds", "milliseconds", "microseconds"]


@dataclass(frozen=True, slots=True)
class TimestampForm:
    """How one vendor writes a timestamp in its requests (or its emulator in its answers).

    :param zone: the zone a value is converted to before it is written; ``None`` keeps the
        value's own offset (Pass2U: "ISO 8601 with seconds + offset").
    :param utc_as_z: write a zero offset as ``Z`` rather than ``+00:00``.
    :param timespec: the finest unit written (``"seconds"``: fractions are cut off, not rounded,
        so a written time is never later than the value).
    """

    zone: tzinfo | None = UTC
    utc_as_z: bool = True
    timespec: Timespec = "seconds"


#: UTC with a ``Z``, whole seconds: ``2026-02-25T12:00:00Z`` (Livepasses, PassEntry).
UTC_SECONDS = TimestampForm()


def format_timestamp(value: datetime, form: TimestampForm = UTC_SECONDS) -> str:
    """``value`` written in ``form``, e.g. ``2026-02-25T12:00:00Z`` or ``...T20:00:00+08:00``.

    :param value: a timezone-aware datetime (the model only holds aware ones).
    :raises ValueError: ``value`` is naive, or cannot be expressed in ``form.zone`` (an instant
        after 9999-12-31 once converted; :mod:`walletpass.values` refuses those before sending).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a timestamp needs a time zone (an aware datetime)")
    if form.zone is not None:
        try:
            value = value.astimezone(form.zone)
        except OverflowError:
            raise ValueError(f"{value.isoformat()} cannot be written in {form.zone}") from None
    # isoformat, not strftime: "%Y" is not zero-padded below year 1000 on every platform.
    text = value.isoformat(timespec=form.timespec)
    if form.utc_as_z and text.endswith("+00:00"):
        text = text[: -len("+00:00")] + "Z"
    return text


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (or date) from an answer, as an aware datetime.

    :param value: the JSON value of a timestamp member.
    :returns: ``None`` for ``None`` or ``""``; otherwise the instant in UTC, with an
        offset-less value read as UTC (the module's one rule). The offset a vendor wrote is a
        way of writing the instant (Pass2U writes its own zone's, PassEntry and Livepasses
        UTC): every provider answers in UTC, so the same instant reads the same everywhere.
    :raises ValueError: ``value`` is not a string, longer than :data:`MAX_TIMESTAMP_LENGTH`, or
        not ISO 8601.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"a timestamp must be ISO 8601 text, got {type(value).__name__}")
    if len(value) > MAX_TIMESTAMP_LENGTH:
        raise ValueError(f"a timestamp is at most {MAX_TIMESTAMP_LENGTH} characters")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 at an offset that moves it out of range
        raise ValueError(f"{value!r} is outside the instants UTC can write") from None


def parse_unix_seconds(value: Any) -> datetime | None:
    """Unix seconds (a JSON number) as an aware UTC datetime.

    :returns: ``None`` for ``None``.
    :raises ValueError: ``value`` is not a finite number, or is outside the years 1 to 9999.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"a Unix timestamp must be a finite number, got {value!r}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value!r} seconds is outside the dates a timestamp can hold") from None


def plain_offset(moment: datetime) -> datetime:
    """``moment`` with its offset as a :class:`datetime.timezone` (``UTC`` itself for +00:00),
    as :func:`parse_timestamp` gives every answer's moments: pydantic's JSON validation gives
    its own ``TzInfo`` instead, so a pass restored from JSON (a bulk journal's, a Celery
    payload's) would not equal, nor print as, the one a create returned. Any other zone (a
    ``ZoneInfo``, ``UTC``) and a naive moment are returned as they are."""
    if type(moment.tzinfo) is not TzInfo:
        return moment
    offset = moment.utcoffset()
    return moment.replace(tzinfo=UTC if not offset else timezone(offset))
