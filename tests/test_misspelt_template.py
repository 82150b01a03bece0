"""A template name that is no configured alias but is spelt like one (found by a new-user trial:
``vip-tikcet`` went to Pass2U as a model id, answered only "model vip-tikcet does not exist",
and the fake, which takes any template, let the typo through an application's unit tests).

The name still goes to the vendor as its own template id (an application may mix aliases and
vendor ids); a ``ConfigurationWarning`` says which alias it looks like, once per template.
"""

from __future__ import annotations

import warnings

import pytest

import walletpass
from walletpass import ConfigurationWarning, Holder, Pass, ValidationError

pytestmark = pytest.mark.usefixtures("isolated")

TEMPLATES = {"vip-ticket": {"id": "tmpl-123"}, "member": "tmpl-9"}


def _said(call: object) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()  # type: ignore[operator]
    return [str(w.message) for w in caught if issubclass(w.category, ConfigurationWarning)]


def test_a_misspelt_alias_is_warned_once_and_the_name_still_sent() -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        issued: list[walletpass.IssuedPass] = []
        said = _said(lambda: issued.append(wallet.create(Pass(template="vip-tikcet"))))
        assert said == [
            "fake: template 'vip-tikcet' is not a configured template alias (did you mean "
            "'vip-ticket'?); it is sent to the vendor as the vendor's own template id"
        ]
        assert _said(lambda: wallet.create(Pass(template="vip-tikcet"))) == []
        assert [call.operation for call in wallet.calls] == ["create", "create"]
        assert issued[0].template == issued[0].vendor_template == "vip-tikcet"


@pytest.mark.parametrize(
    "template",
    ["vip-ticket", "member", "tmpl-123", "tmpl-9", "a91c0e7d55f2b3c4d6e7f809", "1919"],
    ids=["alias", "short-alias", "alias-vendor-id", "short-alias-vendor-id", "vendor-id", "digits"],
)
def test_an_alias_a_configured_vendor_id_or_an_unrelated_id_is_not_warned(template: str) -> None:
    with walletpass.connect("fake", templates=TEMPLATES) as wallet:
        assert _said(lambda: wallet.create(Pass(template=template))) == []


def test_without_aliases_nothing_is_compared() -> None:
    with walletpass.connect("fake") as wallet:
        assert _said(lambda: wallet.create(Pass(template="vip-tikcet"))) == []


@pytest.mark.parametrize("vendor", ["pass2u", "passentry", "livepass", "livepasses"])
def test_every_provider_warns_before_anything_is_sent(vendor: str) -> None:
    # prepare_create sends nothing: the warning comes with the checks, before any request
    # (LivePass, whose templates are its pass types, then refuses the name itself).
    new_pass = Pass(template="Vip-Tickett", holder=Holder(name="Ada Lovelace"))

    def prepare() -> None:
        try:
            wallet.prepare_create(new_pass)
        except ValidationError as exc:
            assert vendor == "livepass" and "Vip-Tickett" in str(exc)

    with walletpass.connect(
        vendor, api_key="k" * 32, base_url="http://127.0.0.1:9", templates=TEMPLATES
    ) as wallet:
        said = _said(prepare)
    assert len(said) == 1 and "did you mean 'vip-ticket'?" in said[0], said
    assert said[0].startswith(f"{vendor}: template 'Vip-Tickett' is not a configured")
