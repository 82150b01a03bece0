"""The ``IssuedPass.meta`` a Pass2U answer carries, as the fake's Pass2U profile reports it.

Pass2U's create answer is the pass id alone; the pass's meta comes from its ``pass.json``
(pass2u.md: the pass's style, ``voided``), which a read downloads and an update reads back
(:data:`walletpass_pass2u.payloads.META_KEYS`). ``labels`` (every field of the model, with the
label the dashboard gave it) and ``relevant_at`` are the model's and the dashboard's: the profile,
which sees no dashboard, leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from walletpass.behaviour import MetaFacts
from walletpass.model import IssuedPass, PassStatus
from walletpass_pass2u.payloads import KIND_STYLES


def profile_meta(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
    """``{style, voided}`` of ``issued`` in every answer but the create's (``{}``): the style
    of the kind the pass was created as (none where it was created without one)."""
    if facts.answer == "create":
        return {}
    kind = facts.kept.kind
    style = None if kind is None else KIND_STYLES.get(kind)
    meta: dict[str, Any] = {}
    if style is not None:
        meta["style"] = style.value
    meta["voided"] = facts.kept.status is PassStatus.VOIDED
    return meta
