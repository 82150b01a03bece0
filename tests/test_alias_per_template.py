"""One template alias per vendor template (issue 14, verification finding).

A read learns a pass's vendor template from the vendor's answer and names it by its alias. Two
aliases on one vendor template (LivePass ``loyalty`` and ``membership`` both on
``membership-card``) would make the provider and its profile read a pass back under different
logical names and kinds, so the configuration is refused, however it is given: keyword
arguments to ``connect``, environment variables, ``walletpass.toml``; and so is a logical name
spelled like another alias's vendor template id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import ConfigurationError

pytestmark = pytest.mark.usefixtures("isolated")

TWO_ON_ONE = {
    "loyalty": {"id": "membership-card", "kind": "loyalty"},
    "membership": {"id": "membership-card", "kind": "membership"},
}
#: "membership-card" as a logical name for another template, beside an alias on it.
SHADOWING = {"membership-card": {"id": "reservation"}, "loyalty": {"id": "membership-card"}}

CASES = pytest.mark.parametrize(
    ("templates", "named"),
    [
        (TWO_ON_ONE, ("'loyalty'", "'membership'", "'membership-card'")),
        (SHADOWING, ("'membership-card'", "'loyalty'", "'reservation'")),
        # Three names for one template, in another order: every one is named.
        ({"b": "t-1", "a": "t-1", "c": {"id": "t-1"}}, ("'a'", "'b'", "'c'", "'t-1'")),
    ],
    ids=["two-on-one", "logical-name-is-another-alias-id", "three-on-one"],
)


def _refused(connect: Any, named: tuple[str, ...]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connect()
    for name in named:
        assert name in str(caught.value)


@CASES
@pytest.mark.parametrize("target", ["livepass", "fake", "fake-profile"])
def test_from_code(templates: dict[str, Any], named: tuple[str, ...], target: str) -> None:
    if target == "fake-profile":
        _refused(lambda: walletpass.connect("fake", profile="livepass", templates=templates), named)
    else:
        _refused(lambda: walletpass.connect(target, api_key="k", templates=templates), named)


@CASES
def test_from_the_environment(
    templates: dict[str, Any], named: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_LIVEPASS_API_KEY", "k")
    monkeypatch.setenv("WALLETPASS_LIVEPASS_TEMPLATES", json.dumps(templates))
    _refused(lambda: walletpass.connect("livepass"), named)


@CASES
def test_from_the_configuration_file(
    templates: dict[str, Any],
    named: tuple[str, ...],
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WALLETPASS_LIVEPASS_API_KEY", "k")
    lines = ['provider = "livepass"']
    for logical, alias in templates.items():
        vendor = alias if isinstance(alias, str) else alias["id"]
        lines += [f'[providers.livepass.templates."{logical}"]', f'id = "{vendor}"']
    (isolated / "walletpass.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(walletpass.from_config, named)


def test_one_alias_per_template_and_an_alias_named_like_its_own_id_are_accepted() -> None:
    templates = {"membership-card": "membership-card", "tasting": "reservation", "x": "y"}
    with walletpass.connect("fake", profile="livepass", templates=templates) as wallet:
        assert set(wallet.settings.templates) == set(templates)
