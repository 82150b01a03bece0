"""PassEntry's limits, refused the same way by the provider, the emulator and the fake's profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from walletpass_passentry import PassEntryProvider

import walletpass
from walletpass import Location, Pass, PassKind, PassUpdate
from walletpass.errors import ValidationError
from walletpass.fake import FakeProvider
from walletpass.testing.rules import vendor_problems

GENERIC = "2e2d7ee8c306e8f0223dbdc1"


def _with_radius(radius: float, kind: PassKind = PassKind.GENERIC, template: str = GENERIC):
    return Pass(
        template=template,
        kind=kind,
        locations=[Location(latitude=51.5, longitude=-0.02, radius=radius)],
    )


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    wallet = walletpass.connect("fake", profile="passentry")
    assert isinstance(wallet, FakeProvider)
    yield wallet
    wallet.close()


def test_fake_passentry_refuses_a_150m_radius_on_a_non_event_pass(fake) -> None:
    """Done when: connect("fake", profile="passentry") refuses 150 m on a non-event pass."""
    with pytest.raises(ValidationError) as caught:
        fake.create(_with_radius(150))
    assert list(caught.value.fields) == ["locations.0.radius"]
    assert "at most 100 metres" in str(caught.value)
    assert fake.calls == []
    issued = fake.create(_with_radius(150, PassKind.EVENT_TICKET))
    assert issued.id.startswith("fp_")


def test_provider_refuses_a_150m_radius_before_sending(wallet, emulator) -> None:
    with pytest.raises(ValidationError, match="100"):
        wallet.create(_with_radius(150, PassKind.LOYALTY))
    assert len(emulator.journal) == 0


def test_event_ticket_takes_up_to_1000m(wallet, emulator, tpl) -> None:
    issued = wallet.create(_with_radius(999, PassKind.EVENT_TICKET, tpl["eventTicket"]))
    assert emulator.stored(issued.id).locations[0]["radius"] == 999


def test_the_template_type_decides_at_passentry(wallet, emulator, tpl) -> None:
    """The kind only selects walletpass's local rule; PassEntry checks the template's type."""
    with pytest.raises(ValidationError) as caught:
        wallet.create(_with_radius(150, PassKind.EVENT_TICKET, tpl["generic"]))
    assert caught.value.status == 422
    assert "locations[0].radius" in str(caught.value)
    assert emulator.live_passes() == []


@pytest.mark.parametrize("radius", [5, 10, 1000, 1500])
def test_radius_outside_10_to_1000_is_refused_for_every_kind(fake, radius) -> None:
    with pytest.raises(ValidationError, match="more than 10 and less than 1000"):
        fake.create(_with_radius(radius, PassKind.EVENT_TICKET))


def test_update_radius_is_checked_against_the_absolute_range(wallet, emulator, tpl) -> None:
    issued = wallet.create(Pass(template=tpl["generic"]))
    before = len(emulator.journal)
    with pytest.raises(ValidationError, match="less than 1000"):
        wallet.update(
            issued.id, PassUpdate(locations=[Location(latitude=1, longitude=1, radius=1000)])
        )
    assert len(emulator.journal) == before
    # 150 m fits the absolute range; PassEntry itself refuses it on this generic pass
    with pytest.raises(ValidationError) as caught:
        wallet.update(
            issued.id, PassUpdate(locations=[Location(latitude=1, longitude=1, radius=150)])
        )
    assert caught.value.status == 422


@given(
    radius=st.floats(0.01, 5000, allow_nan=False),
    kind=st.sampled_from(PassKind),
)
def test_radius_rule_property(radius: float, kind: PassKind) -> None:
    problems = vendor_problems(PassEntryProvider(), _with_radius(radius, kind))
    allowed = 10 < radius < 1000 and (radius <= 100 or kind is PassKind.EVENT_TICKET)
    assert (problems == []) is allowed
    assert all(p.location == "locations.0.radius" for p in problems)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ({"images": {"logo": "0123abcd"}}, "images.logo"),
        ({"images": {"icon": "https://cdn.example.com/icon.png"}}, "images.icon"),
        ({"images": {"logo": "https://cdn.example.com/logo.gif"}}, "images.logo"),
        (
            {
                "images": {
                    "strip": "https://cdn.example.com/a.png",
                    "hero": "https://cdn.example.com/b.png",
                }
            },
            "images",
        ),
        (
            {"kind": "loyalty", "images": {"thumbnail": "https://cdn.example.com/t.jpg"}},
            "images.thumbnail",
        ),
        ({"external_id": "a/b"}, "external_id"),
        ({"fields": {"templateOverride": "x"}}, "fields.templateOverride"),
        ({"fields": {"vip": True}}, "fields.vip"),
        ({"nfc": {"encryption_public_key": "MFkw"}}, "nfc.encryption_public_key"),
    ],
)
def test_vendor_rules_refused_by_provider_and_fake(fake, offline, content, where) -> None:
    new_pass = {"template": GENERIC, **content}
    for wallet in (fake, offline):
        with pytest.raises(ValidationError) as caught:
            wallet.create(new_pass)
        assert where in caught.value.fields, caught.value.fields
    assert fake.calls == []


def test_emulator_enforces_counts_and_shapes(server, api_key, tpl) -> None:
    url = f"{server.url}/api/v1/passes"
    headers = {"Authorization": f"Bearer {api_key}"}
    eleven = [{"latitude": 1.0, "longitude": float(i), "radius": 50} for i in range(11)]
    answer = requests.post(
        url,
        params={"passTemplate": tpl["generic"]},
        json={"locations": eleven, "beacons": [{"proximityUuid": "nope", "major": 70000}]},
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert "locations: maximum of 10, got 11" in errors
    assert "beacons[0].proximityUuid must be a UUID" in errors
    assert "beacons[0].major must be an integer from 0 to 65535" in errors
    answer = requests.post(
        url,
        params={"passTemplate": tpl["storeCard"]},
        json={"pass": {"templateOverride": {"backgroundColor": "red", "thumbnailImage": "x"}}},
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 422
    assert len(answer.json()["errors"]) == 3  # colour, URL, thumbnail on a storeCard


@given(
    colour=st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True),
    where=st.sampled_from(["end", "middle"]),
    line_break=st.sampled_from(["\n", "\r\n"]),
)
def test_a_colour_with_a_line_break_is_refused_as_any_other_not_hex(
    colour: str, where: str, line_break: str
) -> None:
    """A final line break too (which a ``$`` would have let through)."""
    from walletpass_passentry.limits import hex_color_problem

    broken = colour + line_break if where == "end" else colour[:4] + line_break + colour[4:]
    assert hex_color_problem(colour) is None
    assert hex_color_problem(broken) == f"must be a hex colour such as #1a2b3c, got {broken!r}"
