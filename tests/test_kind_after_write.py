"""A write reports the pass the vendor made: what ``get()`` reports next, never the request.

The vendor's template decides the kind (a Pass2U model's style, a PassEntry or Livepasses
template's type). Where a template alias declares that kind, a pass asking for another is
refused before anything is sent, on every provider and profile; one leaving ``kind`` out takes
the alias's. Where no alias declares it, the vendor's answer decides (PassEntry's ``passType``,
with a ``ConfigurationWarning`` when it is not what was asked), or the kind is left unknown
where the answer does not say (Pass2U's create), never made up from the request.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import ConfigurationWarning, Holder, Pass, PassKind, Provider, ValidationError
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]
VENDORS = ("pass2u", "passentry", "livepasses")
SIDES = [(v, s) for v in VENDORS for s in ("emulator", "profile")] + [("fake", "plain")]


class Side:
    def __init__(self, wallet: Provider, sent: Any, vendor: str) -> None:
        self.wallet, self.sent, self.vendor = wallet, sent, vendor


@pytest.fixture(params=SIDES, ids=str)
def side(request: pytest.FixtureRequest) -> Iterator[Side]:
    vendor, how = request.param
    aliases = CONFIG["providers"][vendor]
    templates = {"templates": aliases["templates"]}
    if how != "emulator":
        profile = None if how == "plain" else vendor
        with walletpass.connect("fake", profile=profile, **templates) as fake:
            yield Side(fake, lambda: len(fake.calls), vendor)
        return
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **aliases) as real,
    ):
        yield Side(real, lambda: len(app.journal), vendor)


def _card(**kind: Any) -> Pass:
    return Pass(
        template="coffee-card",
        external_id="M-1001",
        holder=Holder(name="Ada Lovelace"),
        fields={"points": 90},
        **kind,
    )


@pytest.mark.parametrize("asked", ["coupon", "generic", "gift_card", "event_ticket"])
def test_a_kind_the_alias_contradicts_is_refused_before_sending(side: Side, asked: str) -> None:
    before = side.sent()
    with pytest.raises(ValidationError) as caught:
        side.wallet.create(_card(kind=asked))
    assert [p.location for p in caught.value.problems] == ["kind"]
    assert "'coffee-card' is a loyalty template" in caught.value.problems[0].message
    assert side.sent() == before


@pytest.mark.parametrize("kind", [{}, {"kind": "loyalty"}], ids=["left-out", "the-alias-kind"])
def test_the_write_reports_the_kind_get_reports(side: Side, kind: dict[str, Any]) -> None:
    created = side.wallet.create(_card(**kind))
    assert created.kind is PassKind.LOYALTY
    assert side.wallet.get(created.id).kind is created.kind
    ticket = side.wallet.create(
        Pass(template="tasting", holder=Holder(name="Ada Lovelace"), fields={"seat": "1A"})
    )
    assert ticket.kind is PassKind.EVENT_TICKET
    assert side.wallet.get(ticket.id).kind is ticket.kind


def _passentry() -> Iterator[Provider]:
    app = load_emulator("passentry", **DASHBOARDS["passentry"])
    with (
        EmulatorServer(app) as server,
        walletpass.connect("passentry", base_url=server.url, api_key=app.api_key) as real,
    ):
        yield real


@pytest.mark.parametrize(
    ("template", "asked", "made"),
    [
        ("5f0e9c1d2b3a4f5e6d7c8b9a", "generic", None),  # a storeCard: loyalty or gift card
        ("5f0e9c1d2b3a4f5e6d7c8b9a", "event_ticket", None),
        ("19cb334f9696e64e10e7759f", "generic", PassKind.EVENT_TICKET),
        ("19cb334f9696e64e10e7759f", "loyalty", PassKind.EVENT_TICKET),
    ],
)
def test_without_an_alias_passentry_reports_the_template_type(
    template: str, asked: str, made: PassKind | None
) -> None:
    for wallet in _passentry():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            created = wallet.create(
                Pass(template=template, kind=asked, holder=Holder(name="Ada Lovelace"))
            )
        assert created.kind is made
        assert wallet.get(created.id).kind is created.kind
        assert any(issubclass(w.category, ConfigurationWarning) for w in caught)


def test_without_an_alias_pass2u_does_not_make_up_the_kind() -> None:
    app = load_emulator("pass2u", **DASHBOARDS["pass2u"])
    with (
        EmulatorServer(app) as server,
        walletpass.connect("pass2u", base_url=server.url, api_key=app.api_key) as real,
    ):
        # Model 7001 is a store card; the create's answer does not say so.
        created = real.create(Pass(template="7001", kind="coupon", fields={"stamps": "3"}))
        assert created.kind is None
        assert real.get(created.id).kind is None  # a store card: loyalty or gift card
        ticket = real.create(Pass(template="7002", kind="coupon", fields={"seat_no": "3"}))
        assert ticket.kind is None
        assert real.get(ticket.id).kind is PassKind.EVENT_TICKET  # the model's style says


def test_without_an_alias_livepasses_does_not_make_up_the_kind() -> None:
    app = load_emulator("livepasses", **DASHBOARDS["livepasses"])
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as real,
    ):
        # Neither the generate answer nor the look-up names the template's type.
        created = real.create(
            Pass(template="tmpl-tasting", kind="coupon", holder=Holder(name="Ada Lovelace"))
        )
        assert created.kind is None
        assert real.get(created.id).kind is None
