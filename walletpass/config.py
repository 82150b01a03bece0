"""Connecting to a provider from code, environment and configuration files.

Precedence, highest first: keyword arguments, environment variables, the configuration file,
the provider's defaults. The provider name comes from the argument, then ``WALLETPASS_PROVIDER``,
then the file's ``provider`` key. Secrets (``SecretStr`` settings such as ``api_key``) are refused
in configuration files, which tend to get committed: they come from the environment
(``WALLETPASS_<PROVIDER>_API_KEY``) or from code.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from walletpass import config_lint
from walletpass.errors import ConfigurationError, ConfigurationWarning
from walletpass.provider import Provider
from walletpass.redaction import MASK, is_secret_key
from walletpass.registry import available_providers, load_provider_class
from walletpass.settings import ProviderSettings, path_setting_names, secret_setting_names
from walletpass.suggest import did_you_mean

__all__ = [
    "ResolvedConfig",
    "connect",
    "env_prefix",
    "find_config_file",
    "from_config",
    "resolve_config",
]

CONFIG_ENV = "WALLETPASS_CONFIG"
PROVIDER_ENV = "WALLETPASS_PROVIDER"
CONFIG_FILE_NAME = "walletpass.toml"


def env_prefix(provider: str) -> str:
    """``WALLETPASS_PASS2U_`` for provider ``pass2u``."""
    return "WALLETPASS_" + re.sub(r"[^A-Za-z0-9]", "_", provider).upper() + "_"


def _warn(message: str, *, stacklevel: int) -> None:
    """A ``ConfigurationWarning`` whose text any UTF-8 stream can write.

    Environment variable names and values reach these messages as Python decoded them: a byte
    that is not UTF-8 is a lone surrogate, which a UTF-8 log file refuses (and pytest-xdist,
    whose worker then dies and drops the rest of its tests). It is shown escaped (``\\udcff``),
    as the command line shows it.
    """
    text = message.encode("utf-8", "backslashreplace").decode("utf-8")
    warnings.warn(text, ConfigurationWarning, stacklevel=stacklevel)


def _settings_from_env(
    provider: str,
    settings_cls: type[ProviderSettings],
    env: Mapping[str, str],
    *,
    warn_instead: bool = False,
) -> dict[str, Any]:
    prefix = env_prefix(provider)
    values: dict[str, Any] = {}
    known = {name.upper(): name for name in settings_cls.model_fields}
    for key, raw in env.items():
        if not key.startswith(prefix):
            continue
        setting = known.get(key[len(prefix) :])
        if setting is None:
            valid = [prefix + k for k in sorted(known)]
            hint = did_you_mean(key, valid)
            problem = ConfigurationError(
                f"environment variable {key} names no setting of provider {provider!r}"
                + (f" ({hint})" if hint else "")
                + f"; valid: {', '.join(valid)}",
                provider=provider,
            )
            if not warn_instead:
                raise problem
            _warn(problem.message, stacklevel=5)
            continue
        values[setting] = _env_value(raw, settings_cls, setting)
    return values


def _env_value(raw: str, settings_cls: type[ProviderSettings], setting: str) -> Any:
    annotation = repr(settings_cls.model_fields[setting].annotation)
    if (
        annotation.startswith(("dict", "list", "typing.Dict", "typing.List"))
        or "dict[" in annotation
    ):
        try:
            return json.loads(raw)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"setting {setting!r} from the environment must be JSON"
            ) from None
    return raw


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def find_config_file(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    env = os.environ if env is None else env
    explicit = env.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_file(path):
            raise ConfigurationError(f"{CONFIG_ENV} points to {path}, which is not a file")
        return path
    base = cwd or Path.cwd()
    for candidate in (base / CONFIG_FILE_NAME, base / "pyproject.toml"):
        if _is_file(candidate):
            if candidate.name == "pyproject.toml":
                tool = _read_toml(candidate).get("tool", {})
                if not isinstance(tool, dict):
                    raise ConfigurationError(f"{candidate}: [tool] must be a table")
                if "walletpass" not in tool:
                    continue
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read configuration file {path}: {exc.strerror or exc}"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"configuration file {path} is not UTF-8 text") from None
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(config_lint.toml_problem(path, exc, text)) from None


def _file_section(path: Path) -> dict[str, Any]:
    data = _read_toml(path)
    section = data.get("tool", {}).get("walletpass", {}) if path.name == "pyproject.toml" else data
    if not isinstance(section, dict):
        raise ConfigurationError(f"{path}: the walletpass section must be a table")
    unknown = config_lint.unknown_top_level(path, section)
    if unknown:
        raise ConfigurationError(unknown)
    return section


@dataclass
class ResolvedConfig:
    """The outcome of resolving configuration, with where each value came from."""

    provider: str
    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    file: Path | None = None
    #: Names of the settings that hold secrets (masked in the repr).
    secrets: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        shown = {
            key: MASK if key in self.secrets or is_secret_key(key) else value
            for key, value in self.values.items()
        }
        return (
            f"ResolvedConfig(provider={self.provider!r}, values={shown!r}, "
            f"sources={self.sources!r}, file={self.file!r})"
        )

    def connect(self) -> Provider:
        try:
            return load_provider_class(self.provider)(self.values)
        except ConfigurationError as exc:
            where = self._origins(exc)
            if not where:
                raise
            failure = ConfigurationError(
                f"{exc.message} ({where})", provider=exc.provider, details=exc.details
            )
        # Raised outside the handler, as load_settings raises its own: nothing of the first
        # error's context (pydantic's, which quotes input) stays reachable.
        raise failure

    def _origins(self, exc: ConfigurationError) -> str:
        """Where each refused value was read from, when the caller did not pass it: a value set
        by an environment variable or a file is fixed there, not where the error is raised."""
        invalid = exc.details.get("invalid") if isinstance(exc.details, dict) else None
        said = []
        for name in dict.fromkeys(str(location).split(".", 1)[0] for location in invalid or ()):
            origin = self.sources.get(name)
            if origin == "environment":
                said.append(f"{name} was read from {env_prefix(self.provider)}{name.upper()}")
            elif origin is not None and origin != "argument":
                said.append(f"{name} was read from {origin}")
        return "; ".join(said)


def resolve_config(
    provider: str | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    use_file: bool = True,
    default_provider: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    warn_instead: bool = False,
) -> ResolvedConfig:
    """Work out the provider and its settings without connecting (``walletpass config check``).

    ``warn_instead``: an environment variable naming no setting of the provider, and a secret
    stored in the file, are warned (``ConfigurationWarning``) and left out instead of raised, so
    that ``walletpass config check`` can still show every other setting and every problem.
    """
    env = os.environ if env is None else env
    if not isinstance(env, Mapping):
        raise ConfigurationError("env must be a mapping of environment variable names to values")
    config_path: Path | None
    if path is not None:
        if not isinstance(path, str | os.PathLike):
            raise ConfigurationError(
                f"the configuration path must be a file path, not {type(path).__name__}"
            )
        config_path = Path(path).expanduser()  # as WALLETPASS_CONFIG is
        if not _is_file(config_path):
            raise ConfigurationError(f"configuration file {config_path} does not exist")
    else:
        config_path = find_config_file(env) if use_file else None
    section = _file_section(config_path) if config_path else {}

    name = provider or env.get(PROVIDER_ENV) or section.get("provider") or default_provider
    if not name:
        raise ConfigurationError(
            "no provider configured: pass one to connect()/from_config(), set "
            f'{PROVIDER_ENV}, or put provider = "..." in {CONFIG_FILE_NAME}'
        )
    if not isinstance(name, str):
        raise ConfigurationError("the configured provider name must be a string")
    settings_cls = load_provider_class(name).Settings

    providers = section.get("providers") or {}
    if not isinstance(providers, dict):
        raise ConfigurationError(f"{config_path}: providers must be a table of provider tables")
    file_values = providers.get(name) or {}
    if not isinstance(file_values, dict):
        raise ConfigurationError(
            f"{config_path}: providers.{name} must be a table of settings", provider=name
        )
    found: list[str] = []
    # Listing installed providers reads every distribution's metadata (tens of milliseconds):
    # only when a table or a variable belongs to some other provider than this one.
    other_tables = [table for table in providers if table != name]
    other_variables = {
        key: value
        for key, value in env.items()
        if key.startswith("WALLETPASS_")
        and key not in config_lint.GLOBAL_VARIABLES
        and not key.startswith(env_prefix(name))
    }
    if other_tables or other_variables:
        installed = available_providers()
        found = config_lint.variable_warnings(other_variables, installed)
        if config_path is not None:
            found[:0] = config_lint.provider_table_warnings(config_path, providers, installed)
    if config_path is not None:
        # A path in the file means a place next to the file, wherever the program runs.
        file_values = config_lint.relative_to(
            config_path.resolve().parent, file_values, path_setting_names(settings_cls)
        )
    for message in found:
        _warn(message, stacklevel=4)
    file_values = dict(file_values)
    secrets = secret_setting_names(settings_cls)
    leaked = sorted(secrets & set(file_values))
    if leaked:
        problem = ConfigurationError(
            f"{config_path}: secret setting(s) {', '.join(leaked)} must not be stored in a "
            f"configuration file; set {', '.join(env_prefix(name) + s.upper() for s in leaked)} "
            "in the environment instead",
            provider=name,
        )
        if not warn_instead:
            raise problem
        _warn(problem.message, stacklevel=4)
        for secret in leaked:
            del file_values[secret]
    env_values = _settings_from_env(name, settings_cls, env, warn_instead=warn_instead)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for origin, layer in (
        (str(config_path), file_values),
        ("environment", env_values),
        ("argument", dict(overrides or {})),
    ):
        for key, value in layer.items():
            values[key] = value
            sources[key] = origin
    return ResolvedConfig(
        provider=name, values=values, sources=sources, file=config_path, secrets=secrets
    )


def connect(name: str, /, **settings: Any) -> Provider:
    """A connected provider by name; settings from keyword arguments, then the environment.

    The configuration file is not read (use :func:`from_config` for that), so code that passes
    everything explicitly behaves the same wherever it runs.

    :param name: the provider's registered name (``"pass2u"``, ``"fake"``, a plugin's).
    :param settings: its settings (``ProviderSettings`` and the provider's own: ``api_key``,
        ``base_url``, ``deadline`` in seconds...); a setting not given is read from
        ``WALLETPASS_<PROVIDER>_<SETTING>``.
    :returns: the provider, ready to use (nothing is sent until the first call); close it, or
        use it as ``with``.
    :raises ProviderNotFound: no provider of that name is installed (the message names the
        installed ones and how to install it).
    :raises ConfigurationError: an unknown setting (with the valid ones), or a malformed one
        (each named, with what is wrong and the variable that set it), a plain ``http://``
        ``base_url`` (or a plugin's declared ``default_base_url``) to a host that is not
        loopback among them. A missing
        ``api_key`` is refused by the first call instead, before anything is sent.
    """
    resolved = resolve_config(name, use_file=False, overrides=settings)
    return resolved.connect()


def from_config(
    path: str | os.PathLike[str] | None = None,
    *,
    provider: str | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Provider:
    """A provider chosen and configured by file and environment: switch vendors without code.

    Each setting is taken from the first of: ``overrides``, the environment
    (``WALLETPASS_<PROVIDER>_<SETTING>``), the provider's table in the configuration file.

    :param path: the configuration file; default: ``WALLETPASS_CONFIG``, else
        ``walletpass.toml`` or ``pyproject.toml``'s ``[tool.walletpass]`` in the current
        directory, else none.
    :param provider: the provider's name; default: ``WALLETPASS_PROVIDER``, else the file's
        ``provider``.
    :param env: the environment to read instead of ``os.environ``.
    :param overrides: settings that win over the file and the environment.
    :returns: the provider, as :func:`connect` returns one.
    :raises ProviderNotFound: the chosen provider is not installed.
    :raises ConfigurationError: no provider chosen; ``path`` (or ``WALLETPASS_CONFIG``) is not
        a file; the file is not valid TOML or its tables have the wrong shape; the file holds
        a secret setting (secrets come from the environment); an unknown or malformed
        setting, as for :func:`connect`.
    """
    return resolve_config(provider, path=path, env=env, overrides=overrides).connect()
