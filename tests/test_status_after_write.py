"""The status an operation returns is the status a ``get()`` right after it reports (issue 16,
field report 6), for every operation that returns a pass: create, update, create_many and list.

The report was a create with a past expiry answering ``issued`` while ``get()`` said ``expired``.
The same held for an update setting a past expiry and for each item of ``create_many``, on the
fake and on every fake profile (while the vendors' emulators answered ``expired``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import walletpass
from walletpass import Holder, Pass, PassStatus, PassUpdate
from walletpass.provider import Provider
from walletpass.status import status_at

#: The fake alone, and wearing each profile that takes an expiry (a template each accepts).
SETUPS = {
    "fake": ({}, "t"),
    "fake(profile=pass2u)": ({"profile": "pass2u"}, "1919"),
    "fake(profile=passentry)": ({"profile": "passentry"}, "2e2d7ee8c306e8f0223dbdc1"),
}
#: Expiry offsets from now: clearly past, clearly future (a test run never spans an hour).
OFFSETS = {"a day ago": timedelta(days=-1), "a second ago": timedelta(seconds=-1)}
FUTURE = timedelta(hours=1)


@pytest.fixture(params=sorted(SETUPS))
def wallet(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Provider, str]]:
    settings, template = SETUPS[request.param]
    with walletpass.connect("fake", path=str(tmp_path / "passes.db"), **settings) as wallet:
        yield wallet, template


def _pass(template: str, expires_at: datetime | None) -> Pass:
    return Pass(template=template, holder=Holder(name="Ada Lovelace"), expires_at=expires_at)


@pytest.mark.parametrize("offset", list(OFFSETS.values()), ids=list(OFFSETS))
def test_an_update_setting_a_past_expiry_reports_expired_as_get_does(wallet, offset) -> None:
    provider, template = wallet
    issued = provider.create(_pass(template, None))
    updated = provider.update(issued.id, PassUpdate(expires_at=datetime.now(UTC) + offset))
    assert updated.status is PassStatus.EXPIRED
    assert provider.get(issued.id).status is updated.status


def test_an_update_moving_the_expiry_to_the_future_reports_what_get_reports(wallet) -> None:
    provider, template = wallet
    issued = provider.create(_pass(template, datetime.now(UTC) + FUTURE))
    updated = provider.update(issued.id, PassUpdate(expires_at=datetime.now(UTC) + 2 * FUTURE))
    assert updated.status is provider.get(issued.id).status is PassStatus.ISSUED


@pytest.mark.parametrize("offset", [*OFFSETS.values(), FUTURE], ids=[*OFFSETS, "in an hour"])
def test_each_create_many_item_reports_what_get_reports(wallet, offset) -> None:
    provider, template = wallet
    expires = datetime.now(UTC) + offset
    result = provider.create_many([_pass(template, expires), _pass(template, None)])
    for item in result.items:
        assert item.issued is not None, item.error
        assert item.issued.status is provider.get(item.issued.id).status
    assert [i.issued.status for i in result.items if i.issued] == [
        status_at(PassStatus.ISSUED, expires, datetime.now(UTC)),
        PassStatus.ISSUED,
    ]


def test_status_at_leaves_final_states_and_reads_naive_expiries_as_utc() -> None:
    now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    naive_past = datetime(2027, 1, 1, 11)
    assert status_at(PassStatus.ISSUED, naive_past, now) is PassStatus.EXPIRED
    assert status_at(PassStatus.ISSUED, now, now) is PassStatus.EXPIRED  # expires at: gone
    assert status_at(PassStatus.REDEEMED, naive_past, now) is PassStatus.REDEEMED
    assert status_at(PassStatus.VOIDED, naive_past, now) is PassStatus.VOIDED
    assert status_at(PassStatus.ISSUED, now + timedelta(seconds=1), now) is PassStatus.ISSUED
