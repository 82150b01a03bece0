"""The ``IssuedPass.meta`` a Livepasses answer carries, as the fake's Livepasses profile reports it.

Per answer (livepasses.md; :data:`walletpass_livepasses.payloads.META_KEYS`): the generate
answer's pass line (3.1: ``status``, ``platforms.*.available``, the batch's ``batchId`` and
``analytics.trackingId`` / ``engagementUrl``, which Livepasses makes up: the profile makes them
up in the documented form, ``b-...``, ``t-...``, and a link on the fake's own host); an update's
lookup (``status``, ``isValid``) and whether its message was pushed; a get's lookup and
validation (3.4: ``isValid``, ``canBeRedeemed``, ``verificationMethods``, ``message``); a list
row's ``status``, ``passType`` and ``hasApplePass`` / ``hasGooglePass``. ``template_name`` (a
list row's ``templateName``) is the name the dashboard gave the template: the profile reports
it where it was given the dashboard (:func:`dashboard_templates`), else leaves it out.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from walletpass.behaviour import PROFILE_URL_BASE, MetaFacts
from walletpass.model import IssuedPass
from walletpass_livepasses.limits import TEMPLATE_KINDS
from walletpass_livepasses.payloads import vendor_status_for

#: A validation's ``verificationMethods`` (livepasses.md 3.4's example; the same for every pass).
VERIFICATION_METHODS = ("qr", "confirmation_code")


def profile_meta(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
    """The meta of ``issued`` in ``facts.answer``, by the answer it comes from (see the module)."""
    kept = facts.kept
    status = vendor_status_for(kept.status)
    usable = status == "Active"
    meta: dict[str, Any] = {"vendor_status": status}
    if facts.answer == "create":
        meta.update(
            batch_id=f"b-{secrets.token_hex(6)}",
            has_apple_pass=True,
            has_google_pass=True,
            tracking_id=f"t-{secrets.token_hex(4)}",
            # *inferred*: livepasses.md shows "https://…"; the profile's host never resolves.
            engagement_url=f"{PROFILE_URL_BASE}/e/{kept.vendor_id}",
        )
    elif facts.answer == "update":
        meta["is_valid"] = usable
        if facts.change is not None and facts.change.message is not None:
            meta["notified"] = facts.change.notify is not False
    elif facts.answer == "get":
        meta.update(
            is_valid=usable,
            can_be_redeemed=usable,
            verification_methods=list(VERIFICATION_METHODS),
        )
        if not usable and status is not None:
            # *inferred*: the docs show message null for a valid pass only.
            meta["validation_message"] = f"The pass is {status.lower()}."
    else:
        kind = kept.kind
        pass_type = None if kind is None else TEMPLATE_KINDS.get(kind)
        meta.update(
            template_name=facts.template.get("name"),
            pass_type=None if pass_type is None else pass_type.value,
            has_apple_pass=True,
            has_google_pass=True,
        )
    return {key: value for key, value in meta.items() if value is not None}


def dashboard_templates(dashboard: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Template id -> ``{"name": ..., "kind": ...}`` of the ``templates`` a dashboard has, given
    as the emulator is seeded with them (``{id, name, type, business_features}``); ``kind``: the
    kind of the template's type, which the provider reads before a balance update or a
    redemption of a pass created without a kind (where the type names one)."""
    from walletpass_livepasses.emulator.state import EmulatedTemplate

    facts: dict[str, dict[str, Any]] = {}
    for given in dashboard.get("templates") or ():
        template = EmulatedTemplate.from_mapping(given)
        facts[template.id] = {"name": template.name}
        kind = TEMPLATE_KINDS.kind_of(str(template.type))
        if kind is not None:
            facts[template.id]["kind"] = kind
    return facts
