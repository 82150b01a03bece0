"""What ``PassUpdate.message`` means, once for every provider.

``message`` is the notification text shown to the holder when the update reaches their wallet.
``%@`` in it stands for the new value of the one field the update changes (or of its balance,
where that is the one value it changes), as in Apple's ``changeMessage``. Vendors that take a
per-field change message (Pass2U) receive ``%@`` as it is and their wallets fill it in. Vendors
that send the message as free text (PassEntry, Livepasses, the fake) would show a literal ``%@``,
so walletpass fills it in before sending: with the new value where exactly one value changes, and
refuses the update where ``%@`` could mean several values or none (write the text out in full
instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from walletpass.copies import replaced
from walletpass.errors import FieldProblem, ValidationError
from walletpass.model import PassField, PassUpdate

__all__ = ["PLACEHOLDER", "display_value", "substitute_placeholder"]

#: Apple's placeholder for a changed field's new value in a change message.
PLACEHOLDER = "%@"


def display_value(value: Any) -> str:
    """How a field value reads in a notification (dates ISO 8601, booleans yes/no)."""
    if isinstance(value, PassField):
        value = value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def substitute_placeholder(
    change: PassUpdate, *, provider: str | None = None, names: Mapping[str, str] | None = None
) -> PassUpdate:
    """``change`` with ``%@`` in its message replaced by the one changed value.

    ``names``: what the application calls the parts ``change`` sets (``"fields.stamps"`` ->
    ``"fields.points"``, ``"balance"`` -> ``"fields.points"``), where a template alias renamed
    them, so a refusal names what the application wrote.

    Raises:
        ValidationError: (``message``) the message has ``%@`` but the update changes no field
            value, or more than one value, so ``%@`` would be ambiguous.
    """
    message = change.message
    if message is None or PLACEHOLDER not in message:
        return change
    values: list[tuple[str, Any]] = [
        (f"fields.{key}", value) for key, value in (change.fields or {}).items()
    ]
    if change.balance is not None:
        # A balance is one value too (e.g. the points a template alias's balance_field holds).
        values.append(("balance", change.balance.amount))
    others = sorted(name for name in change.changed() if name not in ("fields", "balance"))
    if "balance" in change.changed() and change.balance is None:
        others.append("balance")
    if len(values) != 1 or others:
        renamed = names or {}
        named = {renamed.get(name, name) for name, _ in values} | set(others)
        # A part named within a whole (holder.name kept in a field) says it: not the whole too.
        named -= {whole for whole in set(named) if any(n.startswith(f"{whole}.") for n in named)}
        changed = sorted(named)
        described = ", ".join(changed) if changed else "no field value"
        raise ValidationError.from_problems(
            [
                FieldProblem(
                    "message",
                    f"{PLACEHOLDER} stands for the new value of the one field an update "
                    f"changes, but this update changes {described}: write the message out "
                    "in full",
                )
            ],
            provider=provider,
        )
    text = message.replace(PLACEHOLDER, display_value(values[0][1]))
    return replaced(change, {"message": text})
