"""How results look: aligned tables for people, JSON for scripts.

Vendor answers end up on a terminal here, so every value is made printable first: a holder name
with an escape sequence in it must not be able to rewrite the user's screen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from walletpass.matrix import text_table
from walletpass.model import Barcode, IssuedPass, Redemption

__all__ = [
    "clean",
    "dump_json",
    "pairs",
    "pass_data",
    "pass_table",
    "passes_table",
    "redemption_table",
    "table",
]


def clean(value: Any) -> str:
    """One printable line: control characters are shown escaped, not interpreted."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = value if isinstance(value, str) else str(value)
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return text_table(headers, [[clean(v) for v in row] for row in rows])


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


def pass_data(issued: IssuedPass, *, raw: bool = False) -> dict[str, Any]:
    """The pass as JSON data; the vendor's raw answer only when asked for (``unknown_parts``
    sorted, as :class:`~walletpass.model.IssuedPass` writes it in JSON)."""
    return issued.model_dump(mode="json", exclude=None if raw else {"raw"})


def _holder(issued: IssuedPass) -> str | None:
    if issued.holder is None:
        return None
    name = issued.holder.display_name
    email = issued.holder.email
    if name and email:
        return f"{name} <{email}>"
    return name or email or issued.holder.phone


def _barcode(barcode: Barcode) -> str:
    symbology = barcode.format.value if barcode.format is not None else "format not known"
    return f"{symbology}: {barcode.message}"


def pass_table(issued: IssuedPass, *, raw: bool = False) -> str:
    barcode = issued.barcode
    lines: list[tuple[str, Any]] = [
        ("id", issued.id),
        ("status", issued.status.value),
        ("provider", issued.provider),
        ("vendor id", issued.vendor_id if issued.vendor_id != issued.id else None),
        ("template", issued.template),
        (
            "vendor template",
            issued.vendor_template if issued.vendor_template != issued.template else None,
        ),
        ("kind", issued.kind.value if issued.kind else None),
        ("external id", issued.external_id),
        ("holder", _holder(issued)),
        ("barcode", _barcode(barcode) if barcode else None),
        ("expires", issued.expires_at),
        ("created", issued.created_at),
        ("updated", issued.updated_at),
        ("version", issued.version),
        ("balance", _balance(issued)),
        # What this answer cannot show: a part missing above is not known, not absent.
        ("not known", ", ".join(sorted(issued.unknown_parts))),
    ]
    lines += [(f"url {name}", url) for name, url in issued.urls]
    lines += [(f"field {key}", _value(value)) for key, value in issued.fields.items()]
    lines += [(f"meta {key}", _value(value)) for key, value in issued.meta.items()]
    if raw:
        lines.append(("raw", json.dumps(issued.raw, ensure_ascii=False, default=str)))
    return pairs(lines)


def _balance(issued: IssuedPass) -> str | None:
    if issued.balance is None:
        return None
    amount, currency = issued.balance.amount, issued.balance.currency
    return f"{amount} {currency}" if currency else str(amount)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def pairs(items: Iterable[tuple[str, Any]]) -> str:
    """Key/value lines, keys aligned; empty values left out."""
    shown = [(key, clean(value)) for key, value in items if value is not None and value != ""]
    width = max((len(key) for key, _ in shown), default=0)
    return "".join(f"{key.ljust(width)}  {value}\n" for key, value in shown)


def passes_table(passes: Sequence[IssuedPass]) -> str:
    return table(
        ["ID", "STATUS", "TEMPLATE", "EXTERNAL ID", "HOLDER", "UPDATED"],
        (
            [
                p.id,
                p.status.value,
                p.template or "",
                p.external_id or "",
                _holder(p) or "",
                p.updated_at or p.created_at or "",
            ]
            for p in passes
        ),
    )


def redemption_table(redemption: Redemption) -> str:
    return pairs(
        [
            ("pass", redemption.pass_id),
            ("status", redemption.status.value),
            ("provider", redemption.provider),
            ("redeemed", redemption.redeemed_at),
            ("method", redemption.method),
            ("amount", redemption.amount),
            ("remaining", redemption.remaining),
        ]
    )
