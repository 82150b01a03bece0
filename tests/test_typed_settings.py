"""A provider's settings model is its type argument: ``Provider[AcmeSettings]``.

The argument types ``self.settings`` for the type checker (``mypy --strict`` runs over every
provider without a ``cast``) and, unless the class declares ``Settings`` itself, becomes the
model the provider validates its settings with.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import Field

from walletpass import ConfigurationError, Provider
from walletpass.provider import SettingsT
from walletpass.registry import load_provider_class
from walletpass.settings import ProviderSettings


class AcmeSettings(ProviderSettings):
    region: str = Field(default="eu", min_length=2)


class OtherSettings(ProviderSettings):
    shard: int = 1


class AcmeProvider(Provider[AcmeSettings]):
    name: ClassVar[str] = "acme-typed"


def test_the_type_argument_is_the_settings_model() -> None:
    assert AcmeProvider.Settings is AcmeSettings
    provider = AcmeProvider(region="us")
    assert isinstance(provider.settings, AcmeSettings)
    assert provider.settings.region == "us"


def test_the_model_validates_the_vendor_settings() -> None:
    with pytest.raises(ConfigurationError, match="region"):
        AcmeProvider(region="x")


def test_a_generic_intermediate_class_passes_the_argument_on() -> None:
    class Events(Provider[SettingsT]):
        pass

    class WithEvents(Events[AcmeSettings]):
        name: ClassVar[str] = "acme-events"

    assert WithEvents.Settings is AcmeSettings
    assert WithEvents().settings.region == "eu"


def test_a_declared_settings_model_of_the_argument_is_kept() -> None:
    class Narrower(AcmeSettings):
        zone: str = "a"

    class Declared(Provider[AcmeSettings]):
        name: ClassVar[str] = "acme-declared"
        Settings: ClassVar[type[ProviderSettings]] = Narrower

    assert Declared.Settings is Narrower
    assert isinstance(Declared().settings, Narrower)


def test_a_declared_model_contradicting_the_argument_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match=r"OtherSettings.*AcmeSettings"):

        class Wrong(Provider[AcmeSettings]):
            name: ClassVar[str] = "acme-wrong"
            Settings: ClassVar[type[ProviderSettings]] = OtherSettings


def test_a_bare_provider_keeps_the_common_settings() -> None:
    class Plain(Provider):
        name: ClassVar[str] = "plain"

    assert Plain.Settings is ProviderSettings
    assert type(Plain().settings) is ProviderSettings


@pytest.mark.parametrize("vendor", ["fake", "pass2u", "passentry", "livepass", "livepasses"])
def test_every_shipped_provider_is_built_with_its_own_settings_model(vendor: str) -> None:
    cls = load_provider_class(vendor)
    assert cls.Settings is not ProviderSettings
    provider = cls()
    try:
        assert type(provider.settings) is cls.Settings
    finally:
        provider.close()
