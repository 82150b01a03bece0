"""Shared fixtures for the core tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from walletpass import registry


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    """Tests that register or install plugins must not leak them into other tests."""
    yield
    registry.clear_cache()
