"""Providers connected to an emulator for a test, every one closed when the test ends.

Each provider's test suite needs the same thing: ``connect(**settings)`` giving a provider of
its own class pointed at its emulator, with suite-wide defaults a test can override, and no
session left open afterwards. A plugin's suite uses it the same way.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from walletpass.config import connect
from walletpass.provider import Provider

__all__ = ["Connections"]

P = TypeVar("P", bound=Provider)


class Connections(Generic[P]):
    """``connections(**settings)`` -> a ``cls`` provider named ``name`` at ``base_url``.

    ``defaults`` apply to every connection; settings given in the call override them. A
    context manager: leaving it closes every provider it made.

    >>> with Connections(PassEntryProvider, "passentry", server.url, api_key=key) as connect:
    ...     wallet = connect(max_retries=0)
    """

    def __init__(self, cls: type[P], name: str, base_url: str, **defaults: Any) -> None:
        self.cls = cls
        self.name = name
        self.defaults: dict[str, Any] = {"base_url": base_url, **defaults}
        self._made: list[P] = []

    def __call__(self, **settings: Any) -> P:
        # Through the registry, exactly as an application connects.
        wallet = connect(self.name, **{**self.defaults, **settings})
        if not isinstance(wallet, self.cls):
            wallet.close()
            raise TypeError(
                f"{self.name!r} is a {type(wallet).__name__}, not a {self.cls.__name__}"
            )
        self._made.append(wallet)
        return wallet

    def close(self) -> None:
        made, self._made = self._made, []
        for wallet in made:
            wallet.close()

    def __enter__(self) -> Connections[P]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
