"""Template field values in a vendor's wire form, refused by neutral path where it has none.

A build hook turns each of ``Pass.fields`` into what its vendor stores (text, a number, an
object), and some values have no such form (a boolean where the vendor keeps text; an infinite
number). Sending without them would drop data, so the build refuses them: every value the
vendor's renderer refuses, all at once, each named ``fields.<key>`` as the caller wrote it. The
vendor's other rules belong in the provider's ``check``, which sees the built request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from walletpass.errors import FieldProblem, ValidationError

__all__ = ["render_fields"]

T = TypeVar("T")


def render_fields(
    fields: Mapping[str, Any] | None, render: Callable[[str, Any], T]
) -> dict[str, T]:
    """Every field value rendered by the vendor's ``render``, in the input's order.

    :param fields: ``Pass.fields`` / ``PassUpdate.fields`` (template key -> value or
        ``PassField``), or ``None``.
    :param render: ``render(key, value)`` -> the vendor's form of one value (``value`` as given,
        ``PassField`` included); raises ``ValueError`` saying why a value has none.
    :returns: template key -> rendered value (empty for ``None``).
    :raises ValidationError: one ``FieldProblem`` at ``fields.<key>`` per value ``render``
        refused, with its reason; nothing is sent.
    """
    rendered: dict[str, T] = {}
    if not fields:
        return rendered
    problems: list[FieldProblem] | None = None
    for key, value in fields.items():
        try:
            rendered[key] = render(key, value)
        except ValueError as exc:
            # (made at the first refusal: a body without one makes no list and no refuse call)
            if problems is None:
                problems = []
            problems.append(FieldProblem(f"fields.{key}", str(exc)))
    if problems is not None:
        raise ValidationError.from_problems(problems)
    return rendered
