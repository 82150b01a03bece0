"""A template alias's ``attributes`` entry the provider will never honour is refused when the
provider is configured (issue 14, verifier finding F18).

An attribute is kept in a template field only where the provider keeps it so
(``field_held_attributes``: Pass2U ``external_id`` and ``holder.name``, PassEntry
``holder.name``); one the provider neither keeps in a field nor carries itself (declared NONE:
Pass2U's and PassEntry's ``holder.email`` and ``holder.phone``) was accepted at load, ignored,
and then every create setting it raised ``UnsupportedFeature``. It is a ``ConfigurationError``
at load, naming the attribute, the template alias and what the provider can keep in a field,
whichever way the configuration arrives (code, environment, TOML) and on the fake wearing the
vendor's profile. An attribute the provider carries itself (Livepasses' ``holder.email``) or
keeps in a field stays accepted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import ConfigurationError, Holder, Pass, Provider

#: The settings each vendor needs to be built (nothing is sent).
VENDOR = {
    "pass2u": {"api_key": "p2u-test-key", "base_url": "http://127.0.0.1:9"},
    "passentry": {"api_key": "pe-test-key", "base_url": "http://127.0.0.1:9"},
    "livepasses": {"api_key": "lp_test_key_123", "base_url": "http://127.0.0.1:9"},
}

#: (provider, attribute) never honoured: declared NONE and not kept in a field.
NEVER_KEPT = [
    ("pass2u", "holder.email"),
    ("pass2u", "holder.phone"),
    ("passentry", "holder.email"),
    ("passentry", "holder.phone"),
]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("WALLETPASS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _templates(attribute: str) -> dict[str, Any]:
    return {"member": {"id": "1919", "attributes": {attribute: "mail"}}}


def _says_why(exc: ConfigurationError, provider: str, attribute: str) -> None:
    message = str(exc)
    assert attribute in message
    assert "'member'" in message  # the template alias
    kept = {"pass2u": ("external_id", "holder.name"), "passentry": ("holder.name",)}[provider]
    assert all(name in message for name in kept), message


@pytest.mark.parametrize(("provider", "attribute"), NEVER_KEPT)
def test_refused_from_code(provider: str, attribute: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(provider, **VENDOR[provider], templates=_templates(attribute))
    _says_why(caught.value, provider, attribute)


@pytest.mark.parametrize(("provider", "attribute"), NEVER_KEPT)
def test_refused_from_the_environment(
    provider: str, attribute: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"WALLETPASS_{provider.upper()}_"
    monkeypatch.setenv(prefix + "TEMPLATES", json.dumps(_templates(attribute)))
    for key, value in VENDOR[provider].items():
        monkeypatch.setenv(prefix + key.upper(), value)
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config(provider=provider)
    _says_why(caught.value, provider, attribute)


@pytest.mark.parametrize(("provider", "attribute"), NEVER_KEPT)
def test_refused_from_toml(
    provider: str, attribute: str, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (the key is a secret: the environment's, never the file's)
    monkeypatch.setenv(f"WALLETPASS_{provider.upper()}_API_KEY", VENDOR[provider]["api_key"])
    settings = f'base_url = "{VENDOR[provider]["base_url"]}"'
    (isolated / "walletpass.toml").write_text(
        f'provider = "{provider}"\n[providers.{provider}]\n{settings}\n'
        f'[providers.{provider}.templates.member]\nid = "1919"\n'
        f'attributes = {{ "{attribute}" = "mail" }}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as caught:
        walletpass.from_config()
    _says_why(caught.value, provider, attribute)


@pytest.mark.parametrize(("provider", "attribute"), NEVER_KEPT)
def test_refused_by_the_fake_wearing_the_profile(provider: str, attribute: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake", profile=provider, templates=_templates(attribute))
    _says_why(caught.value, provider, attribute)


def _made(wallet: Provider) -> Any:
    with wallet:
        return wallet.create(
            Pass(
                template="member",
                holder=Holder(name="Ada Lovelace", email="ada@example.org"),
                external_id="M-1",
            )
        )


@pytest.mark.parametrize(
    ("provider", "attribute"),
    [("pass2u", "external_id"), ("pass2u", "holder.name"), ("passentry", "holder.name")],
)
def test_an_attribute_kept_in_a_field_is_accepted(provider: str, attribute: str) -> None:
    walletpass.connect(provider, **VENDOR[provider], templates=_templates(attribute)).close()
    walletpass.connect("fake", profile=provider, templates=_templates(attribute)).close()


@pytest.mark.parametrize("profile", [None, "livepasses"])
def test_an_attribute_the_provider_carries_itself_is_accepted(profile: str | None) -> None:
    # The fake and Livepasses keep the holder's email themselves: the entry is honoured.
    extra = {"profile": profile} if profile else {}
    wallet = walletpass.connect("fake", templates=_templates("holder.email"), **extra)
    made = _made(wallet)
    assert made.holder is not None and made.holder.email == "ada@example.org"
    walletpass.connect(
        "livepasses", **VENDOR["livepasses"], templates=_templates("holder.email")
    ).close()


@pytest.mark.parametrize(("provider", "attribute"), NEVER_KEPT[:1] + NEVER_KEPT[-1:])
def test_refused_on_the_async_api(provider: str, attribute: str) -> None:
    import asyncio

    import walletpass.aio

    async def connecting() -> None:
        await walletpass.aio.connect(provider, **VENDOR[provider], templates=_templates(attribute))

    with pytest.raises(ConfigurationError) as caught:
        asyncio.run(connecting())
    _says_why(caught.value, provider, attribute)
    assert not str(caught.value).startswith(f"[{provider}] {provider}:")  # named once
