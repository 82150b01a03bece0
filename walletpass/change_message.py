"""What ``PassUpdate.message`` means, once for every provider.

``message`` is the notification text shown to the holder when the update reaches their wallet,
written as Apple's ``changeMessage``: a format string (PassKit Package Format Reference,
"changeMessage": "must include the %@ placeholder"; Foundation's String Format Specifiers):

* ``%@`` stands for the new value of the one value the update changes (a field, a part of the
  holder, or its balance: :func:`message_values` names them by the application's names, from
  the update as the application wrote it, so every provider picks the same one); ``%1$@`` is
  the same value named by its position, and may appear several times (``%@`` may appear once:
  a second ``%@`` would stand for a second value); ``%@`` and ``%1$@`` are not mixed in one message;
* ``%%`` is a literal percent sign (``"50%% off"`` reads "50% off");
* any other ``%`` begins a format specifier (``%d``, ``%s``, ``%2$@``, ``% o`` in ``"50% off"``)
  that a wallet would fill with a value the message does not have: refused, before anything is
  sent, on every provider alike (write ``%%`` for a percent sign).

:func:`parse_change_message` reads a message once by these rules; every provider uses its parse.
Vendors that send the message as free text (PassEntry, Livepasses, the fake) would show it as
written, so walletpass renders it before sending: the placeholders filled in with the new value
where exactly one value changes, ``%%`` as ``%``; an update whose placeholder could mean several
values or none is refused (write the text out in full instead). Vendors that take a per-field
change message (Pass2U) receive the message as an Apple format string (``%1$@`` written ``%@``)
on the one field it is about, which their wallets render the same way; such a vendor needs the
update to change exactly one value, with or without a placeholder (:func:`require_one_value`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from walletpass.copies import replaced
from walletpass.errors import FieldProblem, ValidationError
from walletpass.model import PassField, PassUpdate

__all__ = [
    "PLACEHOLDER",
    "POSITIONAL_PLACEHOLDER",
    "ChangeMessage",
    "as_apple_format",
    "display_value",
    "message_values",
    "parse_change_message",
    "placeholder_value",
    "require_one_value",
    "substitute_placeholder",
]

#: Apple's placeholder for a changed field's new value in a change message.
PLACEHOLDER = "%@"
#: The same value named by its position (the one argument a change message has).
POSITIONAL_PLACEHOLDER = "%1$@"

#: A format specifier as Foundation reads one after ``%`` (IEEE printf, plus ``@`` for an
#: object): an optional ``n$`` position, flags, width, precision, length and the conversion.
#: Compiled by ``re`` at its first use (a message to read), not at import (start-up).
_SPECIFIER = (
    r"(?P<position>[0-9]+\$)?[-+ #0']*(?:[0-9]+|\*)?(?:\.(?:[0-9]+|\*)?)?"
    r"(?:hh|h|ll|l|q|L|z|t|j)?(?P<conversion>[@dDiuUxXoOfFeEgGaAcCsSpn])?"
)


class ChangeMessage(NamedTuple):
    """A change message read by Apple's format rules.

    ``parts``: the text between placeholders, with ``%%`` already read as ``%`` (one more
    part than there are placeholders); ``positional``: the placeholders are ``%1$@``.
    """

    parts: tuple[str, ...]
    positional: bool = False

    @property
    def placeholders(self) -> int:
        """How many times the new value appears."""
        return len(self.parts) - 1

    def render(self, value: str = "") -> str:
        """The text a holder reads: each placeholder as ``value``, ``%%`` as ``%``."""
        return value.join(self.parts)

    def apple_format(self) -> str:
        """The message as an Apple format string: ``%`` written ``%%``, the placeholders ``%@``
        (``%1$@`` where the value appears more than once)."""
        mark = POSITIONAL_PLACEHOLDER if self.placeholders > 1 else PLACEHOLDER
        return mark.join(part.replace("%", "%%") for part in self.parts)


def parse_change_message(message: str) -> ChangeMessage:
    """``message`` read by Apple's format rules (see the module's documentation).

    :param message: a ``PassUpdate.message``.
    :returns: its parse.
    :raises ValidationError: (``message``) a ``%`` that begins a specifier other than ``%@``,
        ``%1$@`` and ``%%`` (a wallet would fill it with a value the message does not have, or
        garble it), a second ``%@``, or ``%@`` and ``%1$@`` mixed; the error names the first
        and its position.
    """
    if "%" not in message:
        return ChangeMessage((message,))
    parts: list[str] = []
    current: list[str] = []
    kinds: set[str] = set()
    at = 0
    while (found := message.find("%", at)) >= 0:
        current.append(message[at:found])
        if message.startswith("%", found + 1):
            current.append("%")
            at = found + 2
            continue
        spec = re.compile(_SPECIFIER).match(message, found + 1)
        assert spec is not None  # every part of the pattern is optional
        end = spec.end()
        written = message[found:end] if spec.group("conversion") else message[found : end + 1]
        if spec.group("conversion") != "@" or written not in (PLACEHOLDER, POSITIONAL_PLACEHOLDER):
            raise _refusal(_unknown_specifier(written, found))
        if written == PLACEHOLDER and PLACEHOLDER in kinds:
            raise _refusal(
                f"{PLACEHOLDER} appears twice (at {found}): a second {PLACEHOLDER} stands for a "
                f"second value, and a change message has one, the new value; write "
                f"{POSITIONAL_PLACEHOLDER} for each place it appears"
            )
        kinds.add(written)
        if len(kinds) > 1:
            raise _refusal(
                f"{PLACEHOLDER} and {POSITIONAL_PLACEHOLDER} are mixed (at {found}): Apple's "
                f"format rules leave the result undefined; write {POSITIONAL_PLACEHOLDER} "
                "for each place the new value appears"
            )
        parts.append("".join(current))
        current = []
        at = end
    current.append(message[at:])
    parts.append("".join(current))
    return ChangeMessage(tuple(parts), positional=POSITIONAL_PLACEHOLDER in kinds)


def _unknown_specifier(written: str, at: int) -> str:
    if written == "%":
        return (
            f"ends with a lone % (at {at}), which Apple's format rules read as the start of a "
            "specifier: write %% for a percent sign"
        )
    if written.endswith("@") and "$" in written:
        return (
            f"{written!r} (at {at}) stands for value number {written[1:].partition('$')[0]}, but a "
            f"change message has one value, the new one: write {PLACEHOLDER} or "
            f"{POSITIONAL_PLACEHOLDER}"
        )
    return (
        f"{written!r} (at {at}) is a format specifier a wallet would fill with a value this "
        f"message does not have (only {PLACEHOLDER} and {POSITIONAL_PLACEHOLDER} stand for the "
        "new value): write %% for a percent sign"
    )


def _refusal(reason: str) -> ValidationError:
    return ValidationError.from_problems([FieldProblem("message", reason)])


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


#: The parts of a holder a message can be about, each a value of its own.
_HOLDER_PARTS = ("name", "first_name", "last_name", "email", "phone", "language")
#: Paired with a value the update clears: it has no new value to show.
_NOT_SHOWN = object()
#: The parts of an update whose values a message can be about: what a wallet shows beside a
#: notification (Apple's changeMessage belongs to a field). Other attributes (a barcode, dates,
#: colours, ...) may change in the same update; a message is never about them.
_VALUED = ("balance", "fields", "holder")


def message_values(change: PassUpdate) -> list[tuple[str, Any]]:
    """The values a message of ``change`` can be about, by the application's logical names.

    ``change`` is the update as the application wrote it (before a template alias renames
    anything), so the answer is the same on every provider: ``fields.<key>`` for each field
    (a template alias's balance field is one of them), ``holder.<part>`` for each part of the
    holder it sets, ``balance`` for a balance given as such. A value the update clears is
    paired with a private marker: it has no new value to show.
    """
    values: list[tuple[str, Any]] = []
    changed = change.changed()
    for name in _VALUED:
        if name not in changed:
            continue
        value = changed[name]
        if value is None:
            values.append((name, _NOT_SHOWN))
        elif name == "fields":
            values += [(f"fields.{key}", v) for key, v in value.items()]
        elif name == "holder":
            parts = [p for p in _HOLDER_PARTS if p in value.model_fields_set]
            values += [
                (f"holder.{p}", _NOT_SHOWN if getattr(value, p) is None else getattr(value, p))
                for p in parts
            ]
        else:
            values.append(("balance", value.amount))
    return values


def placeholder_value(change: PassUpdate, *, provider: str | None = None) -> str | None:
    """The text ``%@`` stands for in ``change.message``: the one value the update changes,
    decided from the update as the application wrote it (:func:`message_values`), the same on
    every provider; ``None`` where the message has no placeholder (or there is no message).

    :raises ValidationError: (``message``) the message breaks Apple's format rules, or it has
        a placeholder while the update changes several of these values, none, or clears the
        one it changes; the error names the values by the application's
        names (``fields.points``, ``holder.name``).
    """
    if change.message is None or not _parsed(change.message, provider).placeholders:
        return None
    rule = f"{PLACEHOLDER} stands for the new value of"
    return display_value(_the_one_value(change, provider, rule, "write the message out in full"))


def require_one_value(change: PassUpdate, *, provider: str | None = None) -> None:
    """For vendors that show a message beside the one field it is about (Pass2U's per-field
    ``changeMessage``): ``change`` with a message must change exactly one value a wallet can
    show, with or without ``%@``, or the vendor would alert once per field, or on none.

    :raises ValidationError: (``message``) as :func:`placeholder_value`.
    """
    if change.message is not None:
        rule = "this vendor shows a message beside the new value of"
        _the_one_value(change, provider, rule, "send the other changes in an update of their own")


def _the_one_value(change: PassUpdate, provider: str | None, rule: str, remedy: str) -> Any:
    values = message_values(change)
    if len(values) == 1 and values[0][1] is not _NOT_SHOWN:
        return values[0][1]
    if len(values) == 1:
        described = f"only {values[0][0]}, which it clears (no new value to show)"
    elif values:
        described = ", ".join(sorted(name for name, _ in values))
    else:
        # Say what it does change: "no value" read as if the update changed nothing at all.
        others = sorted(change.changed())
        described = "none of them" + (
            f" (only {', '.join(others)}, which a message is never about)" if others else ""
        )
    raise ValidationError.from_problems(
        [
            FieldProblem(
                "message",
                f"{rule} the one field or holder detail an update changes, but this update "
                f"changes {described}: {remedy}",
            )
        ],
        provider=provider,
    )


def substitute_placeholder(
    change: PassUpdate, *, provider: str | None = None, value: str | None = None
) -> PassUpdate:
    """``change`` with its message rendered as the holder reads it: the placeholders replaced
    by ``value`` (default: :func:`placeholder_value` of ``change``), ``%%`` by ``%``.

    ``value`` is for an update already renamed into a vendor's terms: the core decides it from
    the application's update, once, so every provider shows the same text.

    Raises:
        ValidationError: (``message``) as :func:`placeholder_value`.
    """
    message = change.message
    if message is None:
        return change
    parsed = _parsed(message, provider)
    if not parsed.placeholders:
        return _with_message(change, parsed.render())
    if value is None:
        value = placeholder_value(change, provider=provider)
        assert value is not None  # the message has a placeholder
    return _with_message(change, parsed.render(value))


def as_apple_format(change: PassUpdate, *, provider: str | None = None) -> PassUpdate:
    """``change`` with its message written as an Apple format string, for vendors whose wallets
    fill the placeholder in (``%1$@`` alone written ``%@``; the text otherwise unchanged).

    Raises:
        ValidationError: (``message``) the message breaks Apple's format rules.
    """
    if change.message is None:
        return change
    written = _parsed(change.message, provider).apple_format()
    return change if written == change.message else _with_message(change, written)


def _parsed(message: str, provider: str | None) -> ChangeMessage:
    try:
        return parse_change_message(message)
    except ValidationError as exc:
        raise ValidationError.from_problems(exc.problems, provider=provider) from None


def _with_message(change: PassUpdate, text: str) -> PassUpdate:
    return change if text == change.message else replaced(change, {"message": text})
