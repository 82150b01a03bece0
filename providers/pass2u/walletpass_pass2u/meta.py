"""The ``IssuedPass.meta`` a Pass2U answer carries, as the fake's Pass2U profile reports it.

Pass2U's create answer is the pass id alone; the pass's meta comes from its ``pass.json``
(pass2u.md: the pass's style, ``voided``), which a read downloads and an update reads back
(:data:`walletpass_pass2u.payloads.META_KEYS`), and its ``relevantDate`` (``relevant_at``) as the
create or the last update that set it wrote it. ``labels`` (every field of the model, with the
label the dashboard gave it) is the dashboard's: the profile reports it where it was given the
dashboard (:func:`dashboard_templates`), else leaves it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from walletpass.behaviour import MetaFacts
from walletpass.model import IssuedPass, PassStatus
from walletpass.timestamps import format_timestamp
from walletpass_pass2u.limits import TIMESTAMPS
from walletpass_pass2u.payloads import KIND_STYLES


def profile_meta(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
    """``{style, voided, relevant_at}`` of ``issued`` in every answer but the create's (``{}``):
    the style of the kind the pass was created as (none where it was created without one), and
    the relevant date the pass was last given, in the form the provider sends it."""
    if facts.answer == "create":
        return {}
    kind = facts.kept.kind
    style = None if kind is None else KIND_STYLES.get(kind)
    meta: dict[str, Any] = {}
    if style is not None:
        meta["style"] = style.value
    # pass2u.md: once expirationDate passes the pass "is automatically voided".
    expires = facts.kept.expires_at
    meta["voided"] = facts.kept.status is PassStatus.VOIDED or (
        expires is not None and expires <= datetime.now(UTC)
    )
    labels = facts.template.get("labels")
    if isinstance(labels, Mapping):
        meta["labels"] = dict(labels)  # pass.json's: the model's (dashboard_templates)
    # The parameters the pass was created with, as each update changed them (MetaFacts.kept).
    sent = facts.kept.raw if isinstance(facts.kept.raw, Mapping) else {}
    relevant = sent.get("relevant_at")
    if isinstance(relevant, str):
        # In the offset it was given, as the provider sends it (parse_timestamp would make it UTC).
        meta["relevant_at"] = format_timestamp(datetime.fromisoformat(relevant), TIMESTAMPS)
    return meta


def dashboard_templates(dashboard: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Model id -> ``{"labels": {field key: label}, "fields": ..., "kind": ...}`` of the
    ``models`` a dashboard has, given as the emulator is seeded with them (``{id, style,
    fields}``, a field a key or ``{key, label, ...}``): every field of the model, as its
    ``pass.json`` shows them, the keys of its Dynamic ones, which a pass may set, and a kind of
    the model's style."""
    from walletpass_pass2u.emulator import EmulatedModel

    facts: dict[str, dict[str, Any]] = {}
    for given in dashboard.get("models") or ():
        model = EmulatedModel.from_mapping(given)
        facts[model.id] = {"labels": {f.key: f.label for f in model.fields}}
        # The model's style decides which group and images an update may set (update_problems):
        # a kind of that style, as the provider's read before such an update tells it.
        styled = next((kind for kind, style in KIND_STYLES.items() if style is model.style), None)
        if styled is not None:
            facts[model.id]["kind"] = styled
        if "fields" in given:  # (a dashboard that does not list them: not judged)
            # pass2u.md: only the model's Dynamic fields can be set through the API.
            facts[model.id]["fields"] = frozenset(f.key for f in model.fields if f.dynamic)
    return facts
