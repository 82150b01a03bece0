"""A profile given its vendor's dashboard reports what only the dashboard knows.

``connect("fake", profile=vendor, dashboard=...)`` takes the dashboard as the vendor's emulator
is seeded with it; ``tests/test_profile_parity.py`` holds the meta it adds to the emulator's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import walletpass
from walletpass import Balance, ConfigurationError, Holder, Pass, PassUpdate, ValidationError

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


_LIVEPASSES = {
    "templates": [{"id": "t-loyal", "type": "Loyalty"}, {"id": "t-gift", "type": "GiftCard"}]
}
_PASS2U_STYLES = {
    "models": [
        {"id": "7001", "style": "storeCard", "fields": ["name"]},
        {"id": "7002", "style": "eventTicket", "fields": ["name"]},
    ]
}
_IMAGE = walletpass.ImageRef(id="abcdef0123")


@pytest.mark.parametrize(
    ("vendor", "dashboard", "template", "change", "location"),
    [
        # The model's style decides group and images (pass2u.md, update by style).
        ("pass2u", _PASS2U_STYLES, "7001", PassUpdate(group="g1"), "group"),
        ("pass2u", _PASS2U_STYLES, "7001", PassUpdate(images={"thumbnail": _IMAGE}), "images"),
        (
            "pass2u",
            _PASS2U_STYLES,
            "7002",
            PassUpdate(images={"strip": _IMAGE, "thumbnail": _IMAGE}),
            "images",
        ),
        # The template's type decides a balance's unit (livepasses.md, a balance's unit).
        (
            "livepasses",
            _LIVEPASSES,
            "t-loyal",
            PassUpdate(balance=Balance(amount=Decimal(7), currency="EUR")),
            "balance.currency",
        ),
        (
            "livepasses",
            _LIVEPASSES,
            "t-gift",
            PassUpdate(balance=Balance(amount=Decimal(7), currency="points")),
            "balance.currency",
        ),
    ],
)
def test_an_update_of_a_pass_made_without_a_kind_is_vetted_by_its_templates_type(
    walletpass_emulator: Any,
    vendor: str,
    dashboard: dict[str, Any],
    template: str,
    change: PassUpdate,
    location: str,
) -> None:
    """The vendor's provider reads the pass before such an update and learns its template's
    type; a profile given the dashboard knows it too, and refuses the same update alike (it
    took every one: a pass created without a kind was vetted as of no kind)."""
    new = Pass(template=template, holder=Holder(name="Ann Lee"))
    server = walletpass_emulator(vendor, **dashboard)
    with (
        walletpass.connect(vendor, api_key=server.app.api_key, base_url=server.url) as real,
        walletpass.connect("fake", profile=vendor, dashboard=dashboard) as fake,
    ):
        for wallet in (real, fake):
            issued = wallet.create(new)
            assert issued.kind is None
            with pytest.raises(ValidationError) as refused:
                wallet.update(issued.id, change)
            assert [p.location for p in refused.value.problems] == [location]


_PASSENTRY_TYPES = {
    "templates": [
        {"uuid": f"5f0e9c1d2b3a4f5e6d7c8b9{n}", "name": n, "pass_type": t, "fields": ["fullName"]}
        for n, t in (("a", "eventTicket"), ("b", "transit"), ("c", "storeCard"))
    ]
}
_PASS2U_ALL = {
    "models": [
        {"id": m, "style": s, "fields": ["name"]}
        for m, s in (("7001", "storeCard"), ("7002", "eventTicket"), ("7003", "coupon"))
    ]
}


@pytest.mark.parametrize(
    ("vendor", "dashboard", "change"),
    [
        ("passentry", _PASSENTRY_TYPES, PassUpdate(fields={"fullName": "Bo Li"})),
        ("pass2u", _PASS2U_ALL, PassUpdate(fields={"name": "Bo Li"})),
    ],
)
def test_a_pass_made_without_a_kind_reads_back_as_its_templates_type_reads(
    walletpass_emulator: Any, vendor: str, dashboard: dict[str, Any], change: PassUpdate
) -> None:
    """What the vendor's answers report of a pass of a template's type (PassEntry's passType in
    every answer and its meta's pass_type; a Pass2U model's style on a read and an update's
    read-back, and its meta's style) is reported alike by a profile given the dashboard (it
    reported no kind, and no pass_type or style)."""
    templates = [t.get("uuid") or t["id"] for t in next(iter(dashboard.values()))]
    server = walletpass_emulator(vendor, **dashboard)
    seen: list[list[tuple[str, object, object]]] = []
    with (
        walletpass.connect(vendor, api_key=server.app.api_key, base_url=server.url) as real,
        walletpass.connect("fake", profile=vendor, dashboard=dashboard) as fake,
    ):
        for wallet in (real, fake):
            answers: list[tuple[str, object, object]] = []
            for template in templates:
                made = wallet.create(Pass(template=template, holder=Holder(name="Ann Lee")))
                for answer, issued in (
                    ("create", made),
                    ("get", wallet.get(made.id)),
                    ("update", wallet.update(made.id, change)),
                ):
                    meta = {k: issued.meta.get(k) for k in ("pass_type", "style")}
                    answers.append((f"{template} {answer}", issued.kind, meta))
            seen.append(answers)
    assert seen[1] == seen[0]
    assert any(kind is not None for _, kind, _ in seen[0])  # (a type that reads back)
