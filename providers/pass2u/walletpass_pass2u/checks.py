"""Pass2U's rules over a built body and the content it was built from, before anything is sent.

What :meth:`Pass2UProvider.check` refuses, and so also what the fake provider's ``pass2u``
profile refuses: the body limits of :mod:`walletpass_pass2u.limits` (guide, section 3 "Pass
attributes": lengths, per-style rules), image references, the create-only ``utm_source``, and
for updates change messages and resets ("Update a pass"). Every problem is named by the neutral
field path that fed the vendor key (``logo_text``, ``fields.seat``), never only by Pass2U's
name. A field value Pass2U has no form for is refused earlier, by the body build
(:func:`walletpass.rendering.render_fields`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from walletpass.change_message import parse_change_message
from walletpass.errors import FieldProblem
from walletpass.model import Pass, PassUpdate
from walletpass_pass2u import limits, payloads
from walletpass_pass2u.limits import PassStyle

__all__ = ["pass_problems", "update_problems"]


def pass_problems(body: Mapping[str, Any], new_pass: Pass) -> list[FieldProblem]:
    """What Pass2U would refuse in the create ``body`` built from ``new_pass``."""
    problems = _content_problems(new_pass)
    if problems:
        # The body carries these parts as given: its limits would repeat them in Pass2U's terms.
        return problems
    vendor = limits.check_body(body)
    if "images" in body or "groupingIdentifier" in body:
        # (what check_style checks: a body without either has nothing for it to find, and
        # KIND_STYLES has every kind, so its look-up cannot fail)
        vendor += limits.check_style(body, payloads.KIND_STYLES[new_pass.kind])
    return _neutral(vendor, body, new_pass.extra) if vendor else vendor


def update_problems(
    body: Mapping[str, Any], change: PassUpdate, style: PassStyle | None = None
) -> list[FieldProblem]:
    """What Pass2U would refuse in the update ``body`` built from ``change`` (and its resets),
    on a pass of the model's ``style`` (``None``: not known, so the per-style rules, a group
    and the image types, are not judged; the provider then reads the pass before sending a
    body that has either: ``Pass2UProvider.update_builds_after_read``)."""
    problems = _content_problems(change)
    cleared = change.cleared()
    if cleared:  # (most updates clear nothing)
        problems += payloads.reset_paths(cleared)[1]
    if change.message is not None and not (
        change.fields or (change.holder and change.holder.display_name)
    ):
        problems.append(
            FieldProblem(
                "message",
                "Pass2U shows a message only as the change message of changed fields: "
                "change at least one field with it",
            )
        )
    if change.message is not None:
        problems += _change_message_problems(change.message)
    if problems:
        # The body's own limits would only repeat these in Pass2U's terms.
        return problems
    vendor = limits.check_body(body)
    if style is not None and ("images" in body or "groupingIdentifier" in body):
        # The model's style rules an update's body as it rules a create's (the emulated
        # vendor checks both alike): a store card's group is a 400 otherwise.
        vendor += limits.check_style(body, style)
    return _neutral(vendor, body, change.extra) if vendor else vendor


def _content_problems(content: Pass | PassUpdate) -> list[FieldProblem]:
    """Image references and the ``utm_source`` tag, which the body carries as given."""
    problems: list[FieldProblem] = []
    for role, ref in content.images.items() if content.images else ():
        if str(role) not in limits.IMAGE_TYPES:
            problems.append(
                FieldProblem(
                    f"images.{role!s}",
                    f"Pass2U has no {role!s} image (types: {', '.join(limits.IMAGE_TYPES)})",
                )
            )
        elif ref.id is None:
            problems.append(
                FieldProblem(
                    f"images.{role!s}",
                    "Pass2U references images by the id upload_image() returns, not by URL: "
                    "upload the PNG first",
                )
            )
    extra = content.extra
    if extra and "utm_source" in extra:
        tag = extra["utm_source"]
        if isinstance(content, PassUpdate):
            problems.append(
                FieldProblem("extra.utm_source", "is a create-only query parameter of Pass2U")
            )
        elif not isinstance(tag, str) or not tag:
            problems.append(FieldProblem("extra.utm_source", "must be a non-empty string"))
    return problems


def _neutral(
    vendor: Sequence[FieldProblem], body: Mapping[str, Any], extra: Mapping[str, Any] | None
) -> list[FieldProblem]:
    """``vendor`` (problems at Pass2U paths of ``body``) at the neutral paths that fed them."""
    return [FieldProblem(payloads.neutral_path(p.location, body, extra), p.message) for p in vendor]


def _change_message_problems(message: str) -> list[FieldProblem]:
    """The change-message rules, measured on what is sent and explained in the caller's terms:
    one ``%@`` and the length limit."""
    if parse_change_message(message).placeholders > 1:
        # "Must contain %@ (replaced by the new value)": %1$@, the only way to repeat the
        # value by Apple's rules, is not %@, so whether Pass2U alerts with it is unknown.
        return [
            FieldProblem(
                "message",
                "Pass2U's change message shows the new value once (fields[].changeMessage "
                "must contain %@, and a second %@ would stand for a second value): write "
                "%@ once",
            )
        ]
    limit = limits.FIELD_LIMITS["changeMessage"]
    sent = payloads.change_message(message)
    if len(sent) <= limit:
        return []
    added = len(sent) - len(message)
    detail = (
        f"; walletpass adds {sent[len(message.rstrip()) :]!r} ({added} characters) for the new "
        f"value, so at most {limit - added} characters without %@"
        if added > 0
        else ""
    )
    return [
        FieldProblem(
            "message",
            f"Pass2U allows at most {limit} characters in a change message (fields[]."
            f"changeMessage); this message is {len(message)} characters, {len(sent)} as sent"
            f"{detail}",
        )
    ]
