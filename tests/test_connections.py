"""The test helper that connects providers to an emulator and closes them all afterwards."""

from __future__ import annotations

import pytest

from walletpass.fake import FakeProvider
from walletpass.provider import Provider
from walletpass.testing.connections import Connections


class _Other(FakeProvider):
    pass


def test_defaults_apply_and_call_settings_override_them() -> None:
    with Connections(FakeProvider, "fake", "http://127.0.0.1:9", max_retries=1) as connect:
        first = connect()
        second = connect(max_retries=4)
        assert (first.settings.max_retries, second.settings.max_retries) == (1, 4)
        assert isinstance(first, FakeProvider)


def test_every_provider_it_made_is_closed_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[int] = []
    monkeypatch.setattr(FakeProvider, "close", lambda self: closed.append(id(self)))
    with Connections(Provider, "fake", "http://127.0.0.1:9") as connect:
        wallets = [connect(), connect()]
        assert closed == []
    assert sorted(closed) == sorted(id(wallet) for wallet in wallets)


def test_a_provider_of_another_class_is_refused() -> None:
    with (
        Connections(_Other, "fake", "http://127.0.0.1:9") as connect,
        pytest.raises(TypeError, match="not a _Other"),
    ):
        connect()
