"""The ``IssuedPass.meta`` a PassEntry answer carries, as the fake's PassEntry profile reports it.

Every answer is the pass resource (passentry.md, "Pass resource"): its ``status``, ``passType``,
``latestMessage`` and lifecycle timestamps (``deactivatedAt``, ``nullifiedAt``); an update with a
``message`` adds ``meta.notifications`` and, on the pass's own PATCH, the
``X-Notification-Status`` header (passentry.md, "Update a pass"); a loyalty balance the provider
read or wrote is kept as ``balance`` (:data:`walletpass_passentry.payloads.META_KEYS`).
``template_name`` (``passTemplateName``) is the name the dashboard gave the template: the
profile reports it where it was given the dashboard (:func:`dashboard_templates`), else leaves
it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from walletpass.behaviour import MetaFacts
from walletpass.model import IssuedPass, PassStatus, PassUpdate
from walletpass_passentry.limits import PASS_RESERVED_KEYS, VendorStatus
from walletpass_passentry.payloads import KIND_PASS_TYPES, template_override

#: PassEntry's ``status`` of a pass in each neutral status the profile keeps it in.
VENDOR_STATUSES: Mapping[PassStatus, VendorStatus] = {
    PassStatus.ISSUED: VendorStatus.ISSUED,
    PassStatus.INSTALLED: VendorStatus.ACTIVE,
    PassStatus.ACTIVE: VendorStatus.ACTIVE,
    PassStatus.VOIDED: VendorStatus.DEACTIVATED,
    PassStatus.EXPIRED: VendorStatus.DEACTIVATED,
    PassStatus.DELETED: VendorStatus.NULLIFIED,
}

#: What ``meta.notifications`` says of a message to a pass not in a wallet: on the pass's own
#: PATCH (passentry.md's example), on a loyalty write (*inferred*: the docs show none), and on a
#: deactivated pass's PATCH (*inferred*); ``delivered`` for a pass in a wallet is *inferred*
#: too (passentry.md: "Other status values besides notDelivered: UNKNOWN").
NOT_ADDED = "Pass has not been added to the wallet"
NOT_ADDED_LOYALTY = "Pass has not been added"
DEACTIVATED = "Pass is deactivated"
DELIVERED = "Notification sent to the wallet"


def profile_meta(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
    """The pass resource's meta of ``issued``: ``vendor_status``, ``pass_type`` (of the kind
    the pass was created as), ``latest_message``, ``deactivated_at`` / ``nullified_at`` (when
    the profile changed its status), ``balance`` where the answer reports one, and an update's
    ``notification``."""
    kept = facts.kept
    meta: dict[str, Any] = {}
    status = VENDOR_STATUSES.get(kept.status)
    if status is not None:
        meta["vendor_status"] = status.value
    pass_type = None if kept.kind is None else KIND_PASS_TYPES.get(kept.kind)
    if pass_type is not None:
        meta["pass_type"] = pass_type.value
    message = kept.meta.get("last_message")
    if isinstance(message, str):
        meta["latest_message"] = message
    moment = kept.updated_at
    if moment is not None and status in (VendorStatus.DEACTIVATED, VendorStatus.NULLIFIED):
        name = "nullified_at" if status is VendorStatus.NULLIFIED else "deactivated_at"
        meta[name] = _when(moment)
    # passentry.md: "when [the expiry] is reached the pass is deactivated": at its expiry.
    expires = kept.expires_at
    if kept.status is PassStatus.EXPIRED and expires is not None:
        meta["deactivated_at"] = _when(expires)
    used = kept.meta.get("used_at")
    if status is VendorStatus.NULLIFIED and isinstance(used, str):
        # A nullified pass keeps the deactivatedAt of the redeem that deactivated it before.
        meta["deactivated_at"] = _when(datetime.fromisoformat(used))
    elif (
        status is VendorStatus.NULLIFIED
        and expires is not None
        and moment is not None
        and expires < moment
    ):
        # ...or of the expiry that had (a nullify sets expiresAt to its own time where the
        # pass had none: no deactivation then).
        meta["deactivated_at"] = _when(expires)
    meta.update(_as_sent(kept))
    template_name = facts.template.get("name")
    if isinstance(template_name, str):
        meta["template_name"] = (
            template_name  # passTemplateName: the dashboard's (dashboard_templates)
        )
    if facts.change is not None and facts.change.message is not None:
        meta["notification"] = _notification(kept.status, facts.change)
    # An update's answer is the pass resource, with meta.loyalty only where the update wrote the
    # balance (passentry.md, "Loyalty"), or the provider read it after the update because the
    # template alias names a balance_field: a fields-only update of a gift card reports none.
    wrote = facts.change is None or "balance" in facts.change.changed() or facts.balance_aliased
    if issued.balance is not None and wrote:
        meta["balance"] = issued.balance.amount
    return meta


def _as_sent(kept: IssuedPass) -> dict[str, Any]:
    """What the pass resource answers back of what was sent (the parameters the fake keeps,
    ``MetaFacts.kept.raw``): ``groupTag``; ``nfc``, the NFC message (the pass UUID where none
    was given: ``_nfc_json``); ``passDesign``, the template override (its colours, images)."""
    sent = kept.raw if isinstance(kept.raw, Mapping) else {}
    meta: dict[str, Any] = {}
    if isinstance(sent.get("group"), str):
        meta["group_tag"] = sent["group"]
    nfc = sent.get("nfc")
    if isinstance(nfc, Mapping):
        message = nfc.get("message")
        meta["nfc"] = message if isinstance(message, str) else kept.vendor_id
    design = {key: sent[key] for key in ("colors", "images") if sent.get(key) is not None}
    if design:
        override = template_override(PassUpdate.model_validate(design))
        if override:
            meta["passDesign"] = override
    return meta


def _when(moment: datetime) -> str:
    """``moment`` as the pass resource's lifecycle times are written (UTC, seconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _notification(status: PassStatus, change: PassUpdate) -> dict[str, str]:
    """``meta.notifications`` of an update with a message; with the header where the message
    went with the pass's own PATCH, not with a balance written alone (its loyalty write)."""
    loyalty = change.balance is not None and set(change.changed()) <= {"balance", "message"}
    if status in (PassStatus.INSTALLED, PassStatus.ACTIVE):
        word, text = "delivered", DELIVERED
    elif loyalty:
        word, text = "notDelivered", NOT_ADDED_LOYALTY
    elif status in (PassStatus.VOIDED, PassStatus.EXPIRED):
        word, text = "notDelivered", DEACTIVATED
    else:
        word, text = "notDelivered", NOT_ADDED
    return (
        {"status": word, "message": text}
        if loyalty
        else {
            "status": word,
            "message": text,
            "header": word,
        }
    )


def dashboard_templates(dashboard: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Template UUID -> ``{"name": ..., "fields": ...}`` of the ``templates`` a dashboard has,
    given as the emulator is seeded with them (``{uuid, name, pass_type, fields}``; a template
    without a name is named by its UUID, as the emulator names it); ``fields``: the keys a
    pass's ``pass`` object may carry (the template's field ids, and the pass options:
    passentry.md, "Template field ids are the keys you use in pass")."""
    from walletpass_passentry.emulator import EmulatedTemplate

    facts: dict[str, dict[str, Any]] = {}
    for given in dashboard.get("templates") or ():
        template = EmulatedTemplate.from_mapping(given)
        facts[template.uuid] = {"name": template.name}
        # The template's passType, which every answer about a pass of it reports: a kind
        # issued as it (a store card's reads back as none: KIND_PASS_TYPES).
        kind = next((k for k, t in KIND_PASS_TYPES.items() if t is template.pass_type), None)
        if kind is not None:
            facts[template.uuid]["kind"] = kind
        if "fields" in given:  # (a dashboard that does not list them: not judged)
            facts[template.uuid]["fields"] = frozenset(template.fields) | PASS_RESERVED_KEYS
    return facts
