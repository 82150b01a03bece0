"""The User-Agent names the provider's distribution and version, found without scanning every
installed distribution when the package is named like its distribution."""

from __future__ import annotations

from importlib import metadata

import pytest
from walletpass_livepasses import LivepassesProvider

from walletpass import transport_setup
from walletpass.transport_setup import user_agent_for


def test_a_plugin_package_names_its_distribution_and_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_scan() -> dict[str, list[str]]:
        raise AssertionError("every installed distribution was scanned")

    monkeypatch.setattr(metadata, "packages_distributions", no_scan)
    transport_setup._package_distributions.cache_clear()

    agent = user_agent_for(LivepassesProvider, "shop/1")

    version = metadata.version("walletpass-livepasses")
    assert f" walletpass-livepasses/{version} " in agent or (
        f" walletpass_livepasses/{version} " in agent
    )
    assert agent.endswith(" shop/1")


class _Local:
    """A provider class in a module no distribution is named after."""


def test_a_module_no_distribution_is_named_after_names_none() -> None:
    agent = user_agent_for(_Local, None)

    assert agent.split()[1].startswith("python/")
