"""Finding vendor emulators that installed provider packages ship.

A provider distribution that ships an emulator registers a factory (a callable returning a WSGI app,
usually the emulator class itself) under the ``walletpass.emulators`` entry point group with the
provider's name. ``walletpass emulate <vendor>`` and the ``walletpass_emulator`` fixture use it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
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
    accepted = _accepted_options(factory)
    unknown = sorted(set(options) - accepted) if accepted is not None else []
    if accepted is not None and unknown:
        # An emulator taking ``**limits: Unpack[SomeTypedDict]`` accepts any keyword at run
        # time: a misspelt option (``modls``) would start an emulator without the models.
        from walletpass.suggest import did_you_mean

        said = "; ".join(
            f"{name!r}" + (f" ({hint})" if (hint := did_you_mean(name, accepted)) else "")
            for name in unknown
        )
        raise ConfigurationError(
            f"the emulator for {vendor!r} has no option {said}; its options: "
            + ", ".join(sorted(accepted)),
            provider=vendor,
        )
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


def _accepted_options(factory: Callable[..., Any]) -> frozenset[str] | None:
    """The keyword options ``factory`` takes, its ``**kwargs`` typed ``Unpack[TypedDict]``
    included; ``None`` when it takes any keyword (or its signature cannot be read)."""
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return None
    named = {
        name
        for name, parameter in parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    rest = [p for p in parameters.values() if p.kind is p.VAR_KEYWORD]
    if not rest:
        return frozenset(named)
    # a class's keywords are those of the __init__ it runs (its own or inherited), whose
    # annotations the class itself does not carry
    function = (
        next(vars(cls)["__init__"] for cls in factory.__mro__ if "__init__" in vars(cls))
        if isinstance(factory, type)
        else factory
    )
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:  # an annotation naming something its module cannot resolve
        return None
    unpacked = hints.get(rest[0].name)
    if typing.get_origin(unpacked) is not typing.Unpack:
        return None
    (keys,) = typing.get_args(unpacked)
    if not typing.is_typeddict(keys):
        return None
    return frozenset(named | set(typing.get_type_hints(keys)))


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
