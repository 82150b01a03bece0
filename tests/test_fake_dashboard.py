"""A profile given its vendor's dashboard reports what only the dashboard knows.

``connect("fake", profile=vendor, dashboard=...)`` takes the dashboard as the vendor's emulator
is seeded with it; ``tests/test_profile_parity.py`` holds the meta it adds to the emulator's.
"""

from __future__ import annotations

import pytest

import walletpass
from walletpass import ConfigurationError, Holder, Pass

PASSENTRY = {
    "templates": [
        {"uuid": "5f0e9c1d2b3a4f5e6d7c8b9a", "name": "Coffee Club", "pass_type": "storeCard"},
    ]
}
PASS2U = {"models": [{"id": "7001", "style": "storeCard", "fields": ["name", "stamps"]}]}


def test_a_passentry_profile_names_the_template_its_dashboard_names() -> None:
    with walletpass.connect("fake", profile="passentry", dashboard=PASSENTRY) as fake:
        issued = fake.create(Pass(template="5f0e9c1d2b3a4f5e6d7c8b9a", holder=Holder(name="A")))
        assert issued.meta["template_name"] == "Coffee Club"
        assert fake.get(issued.id).meta["template_name"] == "Coffee Club"
        other = fake.create(Pass(template="19cb334f9696e64e10e7759f"))
        assert "template_name" not in other.meta  # not on the dashboard given


def test_without_a_dashboard_the_profile_leaves_the_dashboards_meta_out() -> None:
    with walletpass.connect("fake", profile="passentry") as fake:
        assert "template_name" not in fake.create(Pass(template="5f0e9c1d2b3a4f5e6d7c8b9a")).meta


def test_a_pass2u_profile_reports_its_models_field_labels_on_a_read() -> None:
    with walletpass.connect("fake", profile="pass2u", dashboard=PASS2U) as fake:
        issued = fake.create(Pass(template="7001", fields={"stamps": 3}))
        assert "labels" not in issued.meta  # the create's answer is the pass id alone
        assert fake.get(issued.id).meta["labels"] == {"name": "", "stamps": ""}


@pytest.mark.parametrize(
    ("profile", "dashboard", "says"),
    [
        ("livepass", {"templates": [{"id": "x"}]}, "adds nothing its profile reports"),
        ("passentry", {"templates": [{"name": "no uuid"}]}, "as its emulator takes it"),
        ("pass2u", {"models": [{"id": "1", "style": "no such style"}]}, "as its emulator takes"),
    ],
)
def test_a_dashboard_the_profile_cannot_read_is_refused_when_it_connects(
    profile: str, dashboard: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        walletpass.connect("fake", profile=profile, dashboard=dashboard)
