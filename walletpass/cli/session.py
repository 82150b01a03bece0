"""Which provider a command talks to, and with which settings.

The command line follows the library's precedence (``--set`` > environment > configuration file >
provider defaults; ``--provider`` > ``WALLETPASS_PROVIDER`` > the file's ``provider``) and adds one
rule of its own: with nothing configured it uses the fake provider, kept in an SQLite file in the
user's data directory, so that separate invocations see the same passes without any keys.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from walletpass.cli import stderr
from walletpass.cli.parser import UsageError
from walletpass.config import (
    CONFIG_FILE_NAME,
    PROVIDER_ENV,
    ResolvedConfig,
    env_prefix,
    resolve_config,
)
from walletpass.redaction import register_secret
from walletpass.registry import load_provider_class
from walletpass.settings import secret_setting_names

__all__ = [
    "DEFAULT_PROVIDER",
    "FAKE_FILE_NAME",
    "Selection",
    "default_fake_path",
    "select_provider",
    "user_data_dir",
]

DEFAULT_PROVIDER = "fake"
FAKE_FILE_NAME = "fake.sqlite3"
PATH_DEFAULT_SOURCE = "default: the user data directory"
NOTHING_CONFIGURED = "default: nothing configured"


def user_data_dir(
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """Where walletpass keeps user data, following each platform's convention."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if platform == "win32":
        local = env.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME")
        # The XDG spec says relative values are invalid and must be ignored.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "walletpass"


def default_fake_path(env: Mapping[str, str] | None = None) -> Path:
    return user_data_dir(env) / FAKE_FILE_NAME


@dataclass
class Selection:
    """A resolved configuration plus where the provider name came from."""

    resolved: ResolvedConfig
    provider_source: str

    @property
    def provider(self) -> str:
        return self.resolved.provider


def _settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return dict(getattr(args, "settings", None) or ())


def _provider_source(args: argparse.Namespace, env: Mapping[str, str], file: Path | None) -> str:
    if getattr(args, "provider", None):
        return "--provider"
    if env.get(PROVIDER_ENV):
        return f"environment ({PROVIDER_ENV})"
    if file is not None and _file_names_provider(file):
        return str(file)
    return NOTHING_CONFIGURED


def _file_names_provider(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return False
    if file.name == "pyproject.toml":
        data = data.get("tool", {}).get("walletpass", {})
    return isinstance(data, dict) and bool(data.get("provider"))


def select_provider(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, *, warn_instead: bool = False
) -> Selection:
    """Resolve provider and settings for a command, without connecting (``warn_instead``: see
    :func:`walletpass.config.resolve_config`)."""
    env = os.environ if env is None else env
    overrides = _settings_overrides(args)
    config_path = getattr(args, "config", None)
    resolved = resolve_config(
        getattr(args, "provider", None),
        path=config_path,
        env=env,
        default_provider=DEFAULT_PROVIDER,
        overrides=overrides,
        warn_instead=warn_instead,
    )
    settings_cls = load_provider_class(resolved.provider).Settings
    secrets = secret_setting_names(settings_cls)
    leaked = sorted(secrets & set(overrides))
    if leaked:
        names = ", ".join(env_prefix(resolved.provider) + name.upper() for name in leaked)
        raise UsageError(
            f"--set {', '.join(leaked)}: secrets are not taken on the command line (shell "
            f"history keeps them); set {names} in the environment"
        )
    for name in secrets:
        value = resolved.values.get(name)
        if isinstance(value, str):
            register_secret(value)
    if resolved.provider == DEFAULT_PROVIDER and not resolved.values.get("path"):
        resolved.values["path"] = str(default_fake_path(env))
        resolved.sources["path"] = PATH_DEFAULT_SOURCE
    selection = Selection(resolved, _provider_source(args, env, resolved.file))
    if selection.provider_source == NOTHING_CONFIGURED and not getattr(args, "quiet", False):
        # A typo in WALLETPASS_PROVIDER or a file in another directory looks exactly like this:
        # say once which provider is used and why, before anything else is printed.
        stderr.report(
            "note",
            f"using the built-in {resolved.provider} provider (passes kept in "
            f"{resolved.values.get('path')}) because no provider is configured: give "
            f"--provider, set {PROVIDER_ENV}, or add {CONFIG_FILE_NAME} (--quiet hides this)",
        )
    return selection


def describe_config_search() -> str:
    return (
        f"none found (looked at WALLETPASS_CONFIG, ./{CONFIG_FILE_NAME} and "
        "[tool.walletpass] in ./pyproject.toml)"
    )
