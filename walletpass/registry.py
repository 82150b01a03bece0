"""Finding providers by name: stevedore entry points plus in-process registrations.

Providers are distributions that declare an entry point in the ``walletpass.providers``
namespace, exactly like a third-party plugin would. Only the provider asked for is imported, so a
broken plugin cannot break the others, and listing names imports nothing at all.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from importlib import metadata
from typing import Any, NamedTuple

from stevedore import DriverManager
from stevedore.exception import MultipleMatches, NoMatches

from walletpass.contract import SUPPORTED_PROVIDER_API_VERSIONS
from walletpass.errors import ConfigurationError, ProviderNotFound
from walletpass.provider import Provider
from walletpass.pydantic_plugins import skip_scan_when_none_installed
from walletpass.suggest import did_you_mean

__all__ = [
    "NAMESPACE",
    "ProviderInfo",
    "available_providers",
    "clear_cache",
    "load_provider_class",
    "provider_info",
    "published_providers",
    "register_provider",
    "unregister_provider",
]

NAMESPACE = "walletpass.providers"

_lock = threading.Lock()
_registered: dict[str, type[Provider]] = {}
_loaded: dict[str, type[Provider]] = {}


class ProviderInfo(NamedTuple):
    name: str
    distribution: str | None
    version: str | None
    target: str
    registered_in_process: bool = False


def register_provider(name: str, provider_cls: type[Provider], *, replace: bool = False) -> None:
    """Make a provider class available under ``name`` in this process, no packaging needed."""
    _check_provider_class(name, provider_cls, origin="register_provider()")
    with _lock:
        if name in _registered and _registered[name] is not provider_cls and not replace:
            raise ConfigurationError(
                f"a provider named {name!r} is already registered "
                f"({_registered[name].__qualname__}); pass replace=True to override it"
            )
        _registered[name] = provider_cls


def unregister_provider(name: str) -> None:
    with _lock:
        _registered.pop(name, None)


def clear_cache() -> None:
    """Forget loaded classes and stevedore's entry-point cache (after installing a plugin)."""
    from stevedore.extension import ExtensionManager

    with _lock:
        _loaded.clear()
    ExtensionManager.ENTRY_POINT_CACHE.pop(NAMESPACE, None)


def _entry_points() -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=NAMESPACE))


def available_providers() -> list[str]:
    """Names of all providers: installed entry points and in-process registrations (no imports)."""
    names = {ep.name for ep in _entry_points()}
    with _lock:
        names.update(_registered)
    return sorted(names)


def provider_info(name: str) -> ProviderInfo:
    """Where a provider comes from, without importing it."""
    with _lock:
        registered = _registered.get(name)
    if registered is not None:
        return ProviderInfo(
            name=name,
            distribution=None,
            version=None,
            target=f"{registered.__module__}:{registered.__qualname__}",
            registered_in_process=True,
        )
    for ep in _entry_points():
        if ep.name == name:
            dist = ep.dist
            return ProviderInfo(
                name=name,
                distribution=dist.metadata["Name"] if dist else None,
                version=dist.version if dist else None,
                target=ep.value,
            )
    raise _not_found(name)


# "walletpass-pass2u; extra == \"pass2u\"": the provider named like the extra that installs it
# Compiled by ``re`` at its first use, not at import (start-up).
_EXTRA_REQUIREMENT = r'^(walletpass-([A-Za-z0-9_.-]+?))\s*;\s*extra\s*==\s*"([^"]+)"'


@cache
def published_providers() -> dict[str, str]:
    """Provider name -> the distribution that publishes it, for the providers walletpass itself
    names as extras (``pip install walletpass[pass2u]``): the only packages an install hint may
    name, because they are known to exist. Read from walletpass's own metadata."""
    try:
        requirements = metadata.requires("walletpass") or []
    except metadata.PackageNotFoundError:
        return {}
    found: dict[str, str] = {}
    for requirement in requirements:
        matched = re.match(_EXTRA_REQUIREMENT, requirement)
        if matched and matched.group(2) == matched.group(3):
            found[matched.group(3)] = matched.group(1)
    return found


def _not_found(name: str) -> ProviderNotFound:
    installed = available_providers()
    known = ", ".join(installed) or "none"
    advice = [did_you_mean(name, installed)]
    package = published_providers().get(name)
    if package is not None:
        advice.append(f"install it with: pip install {package}")
    elif not advice[0]:
        advice.append("a third-party provider is installed from its own package")
    return ProviderNotFound(
        f"no walletpass provider named {name!r} (installed: {known}); "
        + "; ".join(part for part in advice if part),
        provider=name,
    )


def _same_target_or_conflict(namespace: str, name: str, extensions: list[Any]) -> Any:
    targets = {ext.entry_point.value for ext in extensions}
    if len(targets) == 1:  # the same distribution seen twice on sys.path is not a conflict
        return extensions[0]
    raise MultipleMatches(", ".join(sorted(targets)))


def load_provider_class(name: str) -> type[Provider]:
    """The provider class registered under ``name``; imports only that plugin."""
    if not isinstance(name, str) or not name:
        raise ProviderNotFound("a provider name must be a non-empty string")
    with _lock:
        found = _registered.get(name) or _loaded.get(name)
    if found is not None:
        return found

    failure: list[tuple[Any, BaseException]] = []

    def on_failure(manager: Any, entry_point: Any, error: BaseException) -> None:
        failure.append((entry_point, error))

    try:
        manager: DriverManager[Any] = DriverManager(
            NAMESPACE,
            name,
            invoke_on_load=False,
            on_load_failure_callback=on_failure,
            on_missing_entrypoints_callback=lambda names: None,
            conflict_resolver=_same_target_or_conflict,
        )
    except NoMatches:
        if failure:
            raise _load_failed(name, *failure[0]) from failure[0][1]
        raise _not_found(name) from None
    except MultipleMatches as exc:
        raise ConfigurationError(
            f"two installed plugins claim the provider name {name!r} ({exc}); "
            "uninstall one of them",
            provider=name,
        ) from None
    except Exception as exc:  # stevedore itself failing must still be a walletpass error
        raise ProviderNotFound(f"could not load provider {name!r}: {exc}", provider=name) from exc
    # stevedore has just read every installed entry point: spare pydantic the same scan.
    skip_scan_when_none_installed()
    driver: Any = manager.driver
    provider_cls = _check_provider_class(name, driver, origin=f"entry point {name!r}")
    with _lock:
        _loaded[name] = provider_cls
    return provider_cls


def _distribution_name(name: str, target: str) -> str | None:
    """The distribution that declares this entry point (stevedore's cached ones lack ``dist``)."""
    for ep in _entry_points():
        if ep.name == name and ep.value == target and ep.dist is not None:
            return str(ep.dist.metadata["Name"])
    return None


def _load_failed(name: str, entry_point: Any, error: BaseException) -> ProviderNotFound:
    dist = getattr(entry_point, "dist", None)
    package = (
        (dist.metadata["Name"] if dist is not None else None)
        or _distribution_name(name, entry_point.value)
        or entry_point.value.split(":")[0]
    )
    return ProviderNotFound(
        f"the provider {name!r} from package {package!r} failed to import: "
        f"{type(error).__name__}: {error}; "
        f"try reinstalling it: pip install --force-reinstall {package}",
        provider=name,
    )


def _check_provider_class(name: str, provider_cls: Any, *, origin: str) -> type[Provider]:
    if not isinstance(provider_cls, type) or not issubclass(provider_cls, Provider):
        raise ConfigurationError(
            f"{origin} for {name!r} does not point to a walletpass.Provider subclass "
            f"(got {provider_cls!r})",
            provider=name,
        )
    if provider_cls.name != name:
        raise ConfigurationError(
            f"{origin}: class {provider_cls.__qualname__} declares name {provider_cls.name!r}, "
            f"not {name!r}",
            provider=name,
        )
    if provider_cls.provider_api_version not in SUPPORTED_PROVIDER_API_VERSIONS:
        raise ConfigurationError(
            f"provider {name!r} was written for provider API version "
            f"{provider_cls.provider_api_version}, this walletpass speaks "
            f"{', '.join(map(str, sorted(SUPPORTED_PROVIDER_API_VERSIONS)))}; "
            "upgrade the plugin or walletpass",
            provider=name,
        )
    return provider_cls
