"""Finding vendor emulators that installed provider packages ship.

A provider distribution that ships an emulator registers a factory (a callable returning a WSGI app,
usually the emulator class itself) under the ``walletpass.emulators`` entry point group with the
provider's name. ``walletpass emulate <vendor>`` and the ``walletpass_emulator`` fixture use it.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from walletpass.errors import ConfigurationError, ProviderNotFound

__all__ = ["EMULATOR_NAMESPACE", "available_emulators", "load_emulator"]

EMULATOR_NAMESPACE = "walletpass.emulators"


def available_emulators() -> list[str]:
    """Names of providers whose package ships an emulator (nothing is imported)."""
    return sorted({ep.name for ep in entry_points(group=EMULATOR_NAMESPACE)})


def load_emulator(vendor: str, **options: Any) -> Any:
    """Build the emulator WSGI app of ``vendor`` with ``options`` (e.g. seeded models)."""
    found = [ep for ep in entry_points(group=EMULATOR_NAMESPACE) if ep.name == vendor]
    if not found:
        raise _no_emulator(vendor)
    if len({ep.value for ep in found}) > 1:
        raise ConfigurationError(
            f"two installed packages ship an emulator named {vendor!r}: "
            + ", ".join(sorted({ep.value for ep in found})),
            provider=vendor,
        )
    try:
        factory = found[0].load()
    except Exception as exc:
        raise ProviderNotFound(
            f"the emulator for {vendor!r} ({found[0].value}) failed to import: "
            f"{type(exc).__name__}: {exc}",
            provider=vendor,
        ) from exc
    try:
        return factory(**options)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # Options of the wrong shape fail inside the emulator's constructor in any of these
        # ways (a list of models given as text, from the command line's KEY=VALUE).
        text = [k for k, v in options.items() if isinstance(v, str)]
        hint = (
            f"; {', '.join(sorted(text))} given as text: give a number, list or table as JSON "
            "(on the command line KEY:=JSON, e.g. --option 'models:=[...]')"
            if text
            else ""
        )
        raise ConfigurationError(
            f"the emulator for {vendor!r} does not accept these options "
            f"({type(exc).__name__}: {exc}){hint}",
            provider=vendor,
        ) from exc


def _no_emulator(vendor: str) -> ProviderNotFound:
    from walletpass.registry import available_providers, published_providers
    from walletpass.suggest import did_you_mean

    emulators = available_emulators()
    names = ", ".join(emulators) or "none installed"
    if vendor in available_providers():
        advice = f"the {vendor!r} provider is installed but ships no emulator"
    else:
        advice = did_you_mean(vendor, emulators)
        package = published_providers().get(vendor)
        if not advice and package is not None:
            advice = f"install its provider package: pip install {package}"
    return ProviderNotFound(
        f"no emulator for {vendor!r} (emulators available: {names})"
        + (f"; {advice}" if advice else ""),
        provider=vendor,
    )
