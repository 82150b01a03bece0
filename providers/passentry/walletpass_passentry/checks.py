"""Neutral passes and updates checked against PassEntry's limits, before anything is sent.

These are what the provider's ``check`` refuses (``ValidationError``), and so also what the fake
provider's ``passentry`` profile refuses; a field value with no PassEntry text at all is refused
earlier, by the body build (:func:`walletpass.rendering.render_fields`). They only depend on the
content (never on settings), and speak in neutral field paths (``locations.2.radius``) so errors
point at the caller's input.
"""

from __future__ import annotations

from collections.abc import Mapping

from walletpass.errors import FieldProblem
from walletpass.model import Balance, ImageRole, ImageValue, Pass, PassKind, PassUpdate
from walletpass_passentry.limits import (
    PASS_RESERVED_KEYS,
    PassType,
    id_problem,
    image_url_problem,
    radius_problem,
)
from walletpass_passentry.payloads import IMAGE_ROLES, KIND_PASS_TYPES

__all__ = ["CLEARABLE", "pass_problems", "update_problems"]

#: What an update can clear (``None``): NFC and barcode are switched off, locations and beacons
#: emptied. PassEntry documents no way to clear anything else.
CLEARABLE = frozenset({"nfc", "barcode", "locations", "beacons"})


def pass_problems(new_pass: Pass) -> list[FieldProblem]:
    problems = _content_problems(new_pass, new_pass.kind)
    if new_pass.external_id is not None:
        why = id_problem(new_pass.external_id)
        if why is not None:
            problems.append(FieldProblem("external_id", f"{why} (it is used in URL paths)"))
    return problems


def update_problems(change: PassUpdate) -> list[FieldProblem]:
    problems = _content_problems(change, None)
    cleared = change.cleared()
    if not cleared or cleared <= CLEARABLE:
        return problems  # (most changes clear nothing: no set difference sorted)
    for name in sorted(cleared - CLEARABLE):
        problems.append(
            FieldProblem(
                name,
                "PassEntry cannot clear it (only nfc, barcode, locations and beacons can be "
                "cleared): send a new value instead",
            )
        )
    return problems


def _content_problems(content: Pass | PassUpdate, kind: PassKind | None) -> list[FieldProblem]:
    # (most passes and changes set fields alone: each other part's rules run where it is set,
    # and the pass type, which only the radius and image rules ask, is looked up there)
    problems = [] if content.balance is None else _balance_problems(content.balance)
    fields = content.fields
    if fields and not PASS_RESERVED_KEYS.isdisjoint(fields):
        for key in fields:
            if key in PASS_RESERVED_KEYS:
                problems.append(
                    FieldProblem(
                        f"fields.{key}", "is a PassEntry pass option, not a template field id"
                    )
                )
    if content.locations:
        event = None if kind is None else KIND_PASS_TYPES[kind] is PassType.EVENT_TICKET
        for i, location in enumerate(content.locations):
            if location.radius is not None:
                why = radius_problem(location.radius, event_ticket=event)
                if why is not None:
                    problems.append(FieldProblem(f"locations.{i}.radius", why))
    if content.nfc is not None:
        if content.nfc.encryption_public_key is not None:
            problems.append(
                FieldProblem(
                    "nfc.encryption_public_key",
                    "PassEntry configures NFC keys for the account, not per pass",
                )
            )
        if content.nfc.requires_authentication:
            problems.append(
                FieldProblem(
                    "nfc.requires_authentication",
                    "PassEntry configures NFC authentication for the account, not per pass",
                )
            )
    if content.images:
        pass_type = KIND_PASS_TYPES[kind] if kind is not None else None
        problems += _image_problems(content.images, pass_type)
    return problems


def _image_problems(
    images: Mapping[ImageRole, ImageValue], pass_type: PassType | None
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    roles = {ImageRole(role) for role in images}
    for role, image in images.items():
        where = f"images.{ImageRole(role).value}"
        if ImageRole(role) not in IMAGE_ROLES:
            allowed = ", ".join(sorted(r.value for r in IMAGE_ROLES))
            problems.append(
                FieldProblem(where, f"PassEntry can override only these images: {allowed}")
            )
            continue
        if image.url is None:
            problems.append(
                FieldProblem(where, "PassEntry has no image upload: give a direct image URL")
            )
            continue
        why = image_url_problem(image.url)
        if why is not None:
            problems.append(FieldProblem(where, why))
    if {ImageRole.STRIP, ImageRole.HERO} <= roles:
        problems.append(
            FieldProblem("images", "strip and hero are both PassEntry's banner: give one of them")
        )
    if ImageRole.THUMBNAIL in roles and pass_type not in (None, PassType.GENERIC):
        problems.append(
            FieldProblem("images.thumbnail", "PassEntry shows a thumbnail on generic passes only")
        )
    return problems


def _balance_problems(balance: Balance) -> list[FieldProblem]:
    """A PassEntry loyalty balance is a whole number of points (a signed integer), no currency."""
    problems = []
    if balance.amount != balance.amount.to_integral_value():
        problems.append(
            FieldProblem(
                "balance.amount",
                f"PassEntry loyalty balances are whole points (an integer); got {balance.amount}",
            )
        )
    if balance.currency is not None:
        problems.append(
            FieldProblem(
                "balance.currency",
                "PassEntry loyalty balances are points with no currency: leave it out (show a "
                "unit in a template field)",
            )
        )
    return problems
