"""Mistakes in a configuration file or environment, said in words with "did you mean".

:func:`walletpass.config.resolve_config` raises what cannot be meant (an unknown top-level key, a
file that is not TOML) and warns (:class:`~walletpass.errors.ConfigurationWarning`) about what may
be meant for another installation (a provider table or a ``WALLETPASS_...`` variable naming no
provider installed here); ``walletpass config check`` reports both.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from walletpass.suggest import did_you_mean

if TYPE_CHECKING:
    import tomllib

__all__ = [
    "CELERY_BROKER_VARIABLE",
    "GLOBAL_VARIABLES",
    "TOP_LEVEL_KEYS",
    "provider_table_warnings",
    "relative_to",
    "toml_problem",
    "unknown_top_level",
    "variable_warnings",
]

TOP_LEVEL_KEYS = ("provider", "providers")
#: The Celery broker's URL, password included, for ``walletpass issue --workers celery`` and
#: ``walletpass worker celery`` (the command line would keep it in shell history).
CELERY_BROKER_VARIABLE = "WALLETPASS_CELERY_BROKER_URL"
#: Environment variables walletpass reads that belong to no provider: every one, or the lint warns
#: that a variable the docs tell users to set is never read.
#: ``WALLETPASS_WEBHOOK_SECRET`` is read by ``walletpass events listen`` (its default source).
GLOBAL_VARIABLES = (
    "WALLETPASS_CONFIG",
    "WALLETPASS_PROVIDER",
    "WALLETPASS_WEBHOOK_SECRET",
    CELERY_BROKER_VARIABLE,
)

# Patterns are compiled by ``re`` at their first use (and cached there), not at import: start-up
# pays only for those a run uses.
_WHERE = r"^(?P<what>.*?) \(at line (?P<line>\d+), column (?P<column>\d+)\)$"
_HEADER = r"^\s*\[\[?\s*(?P<name>[^\]]+?)\s*\]\]?"


def _prefix(provider: str) -> str:
    return "WALLETPASS_" + re.sub(r"[^A-Za-z0-9]", "_", provider).upper() + "_"


def toml_problem(path: Path, exc: tomllib.TOMLDecodeError, text: str | None) -> str:
    """The parser's complaint with its line, and for a key given twice, which key and why.

    Only a table header is quoted from the file: any other line may hold a value someone
    should not see in a log.
    """
    matched = re.match(_WHERE, str(exc))
    if matched is None:
        return f"configuration file {path} is not valid TOML: {exc}"
    what, line = matched["what"], int(matched["line"])
    source = (text or "").splitlines()
    content = source[line - 1] if 0 < line <= len(source) else ""
    header = re.match(_HEADER, content)
    where = f"configuration file {path} is not valid TOML: line {line}"
    if what.startswith(("Cannot overwrite a value", "Cannot declare", "Cannot mutate")):
        if header is not None:
            name = header["name"]
            first = name.split(".", 1)[0].strip().strip("\"'")
            advice = ""
            if first != "providers" and did_you_mean(first, ["providers"]):
                rest = name.split(".", 1)[1] if "." in name else "NAME"
                advice = f"; provider settings go in [providers.{rest}]"
            if first == "provider":
                return (
                    f"{where}: [{name}] makes 'provider' a table, but 'provider' is already "
                    f"the name of the provider to use{advice}"
                )
            return f"{where}: [{name}] is declared twice, or names a key already set{advice}"
        key = content.split("=", 1)[0].strip() if "=" in content else ""
        if key:
            return f"{where}: '{key}' is set twice (or its table already has that key)"
        return f"{where}: a key or table is set twice"
    shown = f": {content.strip()}" if header is not None else ""
    return f"{where}, column {matched['column']}: {what[:1].lower()}{what[1:]}{shown}"


def unknown_top_level(path: Path, keys: Iterable[str]) -> str | None:
    """``None``, or the message for keys other than ``provider`` / ``providers``."""
    unknown = sorted(set(keys) - set(TOP_LEVEL_KEYS))
    if not unknown:
        return None
    described = ", ".join(
        f"{key} ({hint})" if (hint := did_you_mean(key, TOP_LEVEL_KEYS)) else key for key in unknown
    )
    return f"{path}: unknown key(s) {described}; valid: provider, providers ([providers.NAME])"


def provider_table_warnings(
    path: Path, tables: Mapping[str, Any], installed: Collection[str]
) -> list[str]:
    """One warning per ``[providers.NAME]`` whose NAME is no installed provider."""
    found = []
    for name in sorted(set(tables) - set(installed)):
        hint = did_you_mean(name, installed)
        found.append(
            f"{path}: [providers.{name}] names no installed provider"
            + (f" ({hint})" if hint else f" (installed: {', '.join(sorted(installed))})")
            + "; its settings are not used"
        )
    return found


def variable_warnings(env: Mapping[str, str], installed: Collection[str]) -> list[str]:
    """One warning per ``WALLETPASS_...`` variable that walletpass would never read here."""
    prefixes = {_prefix(name): name for name in installed}
    found = []
    for key in sorted(env):
        if not key.startswith("WALLETPASS_") or key in GLOBAL_VARIABLES:
            continue
        if any(key.startswith(prefix) for prefix in prefixes):
            continue  # a provider's own variable: the provider checks its setting name
        candidates = list(GLOBAL_VARIABLES)
        for prefix in prefixes:
            # the same setting under each installed provider's prefix
            depth = prefix.count("_") - 1
            parts = key.split("_")
            if len(parts) > depth + 1:
                candidates.append(prefix + "_".join(parts[depth + 1 :]))
        hint = did_you_mean(key, candidates)
        found.append(
            f"environment variable {key} is not one walletpass reads"
            + (f" ({hint})" if hint else " (no installed provider has that prefix)")
        )
    return found


def relative_to(base: Path, values: Mapping[str, Any], names: Collection[str]) -> dict[str, Any]:
    """``values`` with each relative path setting in ``names`` made relative to ``base``."""
    fixed = dict(values)
    for name in names:
        value = fixed.get(name)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            fixed[name] = str(base / value)
    return fixed
