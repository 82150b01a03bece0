"""Whether the provider can carry every column ``walletpass issue`` will send, decided before the
first row is sent.

A column the vendor has no place for (PassEntry and ``holder.email``; Pass2U and ``external_id``
without a template alias that keeps it in a field) would otherwise be refused row by row, and only
on rows whose cell happens to be filled: the outcome would depend on the data. Here one pass
holding a typical value for every column's target goes through the provider's own checks
(:meth:`walletpass.provider.Provider.prepare_create`, which sends nothing), so the answer is the
provider's declarations, never a second copy of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from walletpass.cli.parser import UsageError
from walletpass.errors import UnsupportedFeature, WalletPassError
from walletpass.model import Pass
from walletpass.provider import Provider
from walletpass.rows import RowSource

__all__ = ["check_carried"]

_LATER = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)

#: A value of the right type for each neutral target (only its presence matters to the checks).
_SAMPLES: Mapping[str, Any] = {
    "external_id": "probe-1",
    "holder.name": "Ada Lovelace",
    "holder.first_name": "Ada",
    "holder.last_name": "Lovelace",
    "holder.email": "ada@example.com",
    "holder.phone": "+15555550100",
    "holder.language": "en",
    "barcode": "1",
    "barcode.message": "1",
    "barcode.alt_text": "1",
    "expires_at": _LATER,
    "relevant_at": _LATER,
    "description": "x",
    "logo_text": "x",
    "organization_name": "x",
    "group": "x",
    "tier": "x",
    "colors.background": "#000000",
    "colors.foreground": "#ffffff",
    "colors.label": "#ffffff",
}


def check_carried(provider: Provider, columns: list[str], source: RowSource) -> None:
    """Refuse (``UsageError``, exit 2) columns whose target the provider cannot carry.

    Only the provider's strict refusals count: in lenient mode the provider warns (once, now)
    and drops the part per row, as documented. Targets whose support depends on each row's
    value (``kind``, ``barcode.format``, ``template``, and without ``--template`` the attributes
    a template alias keeps in a field) are left to the row.
    """
    # Without --template, attributes a vendor keeps in a field depend on each row's template
    # alias: they are left to the row, and the rest is decided with a stand-in template name.
    row_decided = provider.field_held_attributes if source.template is None else frozenset()
    used: dict[str, str] = {}
    data: dict[str, Any] = {"template": source.template or "walletpass-check"}
    for column in columns:
        target = source.target_of(column)
        if target is None or target in row_decided:
            continue
        if target.startswith("fields."):
            data.setdefault("fields", {})[target.removeprefix("fields.")] = "x"
            used.setdefault("fields", column)
            continue
        if target not in _SAMPLES:
            continue
        place = "barcode.message" if target == "barcode" else target
        head, _, tail = place.partition(".")
        if tail:
            data.setdefault(head, {})[tail] = _SAMPLES[target]
        else:
            data[head] = _SAMPLES[target]
        used[place] = column
    try:
        probe = Pass.model_validate(data)
    except WalletPassError:
        return  # a sample the model refuses: the rows report their own values
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            provider.prepare_create(probe)
    except UnsupportedFeature as exc:
        columns_of = [_column_of(feature, used) for feature in exc.features]
        named = ", ".join(
            f"column {c!r}" + ("" if c == f else f" ({f})")
            for c, f in zip(columns_of, exc.features, strict=True)
        )
        drops = " ".join(f"--map '{c}='" for c in columns_of)
        raise UsageError(
            f"{named}: {exc.message}; nothing was sent. Drop the column ({drops}), or set "
            "strict = false (e.g. --set strict=false) to drop what the vendor cannot carry "
            "with a warning"
        ) from None
    except WalletPassError:
        return  # a limit on a value: each row is checked with its own


def _column_of(feature: str, used: Mapping[str, str]) -> str:
    """The column that filled ``feature`` (``barcode.qr`` is the ``barcode`` column's code)."""
    head = feature.split(".", 1)[0]
    if feature in used:
        return used[feature]
    if head in used:
        return used[head]
    # a feature the provider names by its own detail of a part (``barcode.qr``) comes from the
    # column that made the part: a barcode is made by its message (the ``barcode`` column)
    if f"{head}.message" in used:
        return used[f"{head}.message"]
    return next((column for place, column in used.items() if place.split(".")[0] == head), feature)
