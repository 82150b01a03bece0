"""On read, a vendor key named like a logical field never overwrites it, nor is overwritten.

With ``points -> stamps``, a template that also has a field literally named ``points`` answers
both keys: ``fields["points"]`` is the alias's (the value of ``stamps``) whatever order the
vendor answers in, and the vendor's own ``points`` is kept, not lost, in
``meta["shadowed_fields"]`` (and in ``raw``), with a ``ConfigurationWarning`` saying so. The same
holds for the balance field (``balance_field = "points"`` and a template field ``points``).
Ambiguities the configuration alone shows are refused when it is loaded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import walletpass
from walletpass import ConfigurationError, ConfigurationWarning, Holder, Pass, Provider
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

PASSENTRY_TEMPLATE = "5f0e9c1d2b3a4f5e6d7c8b9a"
VENDORS: dict[str, tuple[dict[str, Any], str]] = {
    "passentry": (
        {
            "templates": [
                {
                    "uuid": PASSENTRY_TEMPLATE,
                    "name": "Coffee Club",
                    "pass_type": "storeCard",
                    "fields": ["fullName", "stamps", "points", "bonus"],
                }
            ]
        },
        PASSENTRY_TEMPLATE,
    ),
    "pass2u": (
        {
            "models": [
                {
                    "id": "7001",
                    "style": "storeCard",
                    "fields": ["name", "stamps", "points", "bonus"],
                }
            ]
        },
        "7001",
    ),
}
SIDES = [(v, s) for v in VENDORS for s in ("emulator", "profile")] + [("fake", "plain")]


def _connect(vendor: str, side: str, templates: dict[str, Any]) -> Iterator[Provider]:
    if side == "plain":
        with walletpass.connect("fake", templates=templates) as fake:
            yield fake
        return
    if side == "profile":
        with walletpass.connect("fake", profile=vendor, templates=templates) as fake:
            yield fake
        return
    dashboard, _ = VENDORS[vendor]
    app = load_emulator(vendor, **dashboard)
    with (
        EmulatorServer(app) as server,
        walletpass.connect(
            vendor, base_url=server.url, api_key=app.api_key, templates=templates
        ) as real,
    ):
        yield real


def _template(vendor: str) -> str:
    return VENDORS[vendor][1] if vendor in VENDORS else "card-template"


@pytest.fixture(params=SIDES, ids=str)
def side(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


def _created_directly(wallet: Provider, vendor: str, fields: dict[str, Any]) -> str:
    """A pass written under the vendor's own keys (the template id, no alias)."""
    return wallet.create(
        Pass(
            template=_template(vendor),
            kind="loyalty",
            holder=Holder(name="Ada Lovelace"),
            fields=fields,
        )
    ).id


@pytest.mark.parametrize(
    "fields",
    [{"stamps": "5", "points": "7"}, {"points": "7", "stamps": "5"}],
    ids=["alias-key-first", "shadowing-key-first"],
)
def test_the_logical_field_wins_and_the_vendor_key_is_kept(
    side: tuple[str, str], fields: dict[str, str]
) -> None:
    vendor, how = side
    aliases = {"card": {"id": _template(vendor), "kind": "loyalty", "fields": {"points": "stamps"}}}
    for wallet in _connect(vendor, how, aliases):
        pass_id = _created_directly(wallet, vendor, fields)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read = wallet.get(pass_id)
        assert read.template == "card"
        assert read.fields["points"] == "5"
        assert read.meta["shadowed_fields"] == {"points": "7"}
        assert any(
            issubclass(w.category, ConfigurationWarning) and "shadowed_fields" in str(w.message)
            for w in caught
        )


def test_a_field_nothing_shadows_reads_back_without_a_warning(side: tuple[str, str]) -> None:
    vendor, how = side
    aliases = {"card": {"id": _template(vendor), "kind": "loyalty", "fields": {"points": "stamps"}}}
    for wallet in _connect(vendor, how, aliases):
        pass_id = _created_directly(wallet, vendor, {"stamps": "5", "bonus": "1"})
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConfigurationWarning)
            read = wallet.get(pass_id)
        assert read.fields["points"] == "5" and read.fields["bonus"] == "1"
        assert "shadowed_fields" not in read.meta


def test_the_balance_field_is_not_overwritten_by_a_vendor_key() -> None:
    aliases = {"card": {"id": "card-template", "kind": "loyalty", "balance_field": "points"}}
    with walletpass.connect("fake", templates=aliases) as fake:
        pass_id = fake.create(
            Pass(
                template="card-template",
                kind="loyalty",
                balance={"amount": 40},
                fields={"points": "seven"},
            )
        ).id
        with pytest.warns(ConfigurationWarning, match="shadowed_fields"):
            read = fake.get(pass_id)
    assert read.fields["points"] == 40
    assert read.meta["shadowed_fields"] == {"points": "seven"}


@pytest.mark.parametrize(
    "alias",
    [
        # The balance's name is a template key the alias gives another field or an attribute.
        {"id": "t", "fields": {"stamps": "points"}, "balance_field": "points"},
        {"id": "t", "attributes": {"external_id": "points"}, "balance_field": "points"},
        # A logical name that is the key an attribute lives in: writing fields.member_no would
        # not reach the member_no field, and reading would not show it.
        {"id": "t", "fields": {"member_no": "stamps"}, "attributes": {"external_id": "member_no"}},
    ],
)
def test_an_ambiguous_alias_is_refused_at_load(alias: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="names two things"):
        walletpass.connect("fake", templates={"card": alias})
