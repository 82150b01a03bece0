"""Pure translation between walletpass's neutral model and Livepasses' camelCase JSON.

Requests: a :class:`~walletpass.Pass` becomes one recipient of ``POST /api/passes/generate``
(holder -> ``customer``, the documented business-data names in ``fields`` -> ``businessData``,
every other field -> ``personalizations.customFields``, the event -> ``businessContext.event``),
and a :class:`~walletpass.PassUpdate` becomes the ``PUT /api/passes/{id}`` body. Caller-owned maps
(custom field names, ``updatedFields``, ``metadata``) are sent verbatim: the official SDK
camel-cases custom field names, which silently renames them; walletpass does not.

Answers: generated passes, lookups, list items and redemption results become ``IssuedPass`` /
``Redemption``. No function here does I/O, so all of them are unit- and property-tested directly.
What Livepasses refuses in a pass or a change is :mod:`walletpass_livepasses.checks`'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from walletpass.behaviour import MetaFacts
from walletpass.errors import FieldProblem
from walletpass.extra import merge_extra
from walletpass.model import (
    Balance,
    Barcode,
    Holder,
    IssuedPass,
    Location,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
    Redemption,
)
from walletpass.retry import Safety
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_livepasses import limits
from walletpass_livepasses.limits import (
    BUSINESS_DATA,
    ENDPOINT_BODIES,
    RECIPIENT_KEYS,
    Endpoint,
    Value,
    VendorStatus,
    shape_problems,
)
from walletpass_livepasses.records import BatchPass, BatchStatus, Template, Validation, Webhook

__all__ = [
    "BALANCE_METHODS",
    "COUNT_KEYS",
    "LISTED_ALIKE",
    "META_KEYS",
    "POINT_CURRENCIES",
    "RedeemRequest",
    "Redeeming",
    "balance_from",
    "balance_kind",
    "batch_pass_from",
    "batch_status_from",
    "generate_body",
    "group_key",
    "is_money",
    "issued_from_generated",
    "issued_from_list_item",
    "issued_from_lookup",
    "issued_from_summary",
    "kind_of",
    "plain_value",
    "recipient",
    "redeem_option_problems",
    "redemption_body",
    "redemption_from",
    "redemption_status_of",
    "request_context",
    "status_of",
    "template_from",
    "update_body",
    "updated_fields",
    "validation_from",
    "vendor_status_for",
    "webhook_from",
    "wire_value",
    "with_validation",
]

#: Balance currencies meaning loyalty points (-> ``currentPoints``); any other is money.
POINT_CURRENCIES = frozenset({"points", "pts", "point"})

#: A pass's state as a read (generate, batch status, lookup, validate, list) reports it. Livepasses'
#: ``Active`` says the pass is valid, not that it is in a wallet or was ever used: the neutral
#: ``issued`` (docs/concepts.md, "One meaning per operation and status").
_STATUSES = {
    VendorStatus.ACTIVE: PassStatus.ISSUED,
    VendorStatus.REDEEMED: PassStatus.REDEEMED,
    VendorStatus.EXPIRED: PassStatus.EXPIRED,
    VendorStatus.CANCELLED: PassStatus.VOIDED,
}
#: The same by the word an answer spells (``VendorStatus``'s values).
_STATUS_WORDS = {vendor.value: neutral for vendor, neutral in _STATUSES.items()}
#: The list filter for each neutral status (``issued`` and ``active`` are both ``Active`` there).
_VENDOR_STATUSES = {
    **{neutral: vendor for vendor, neutral in _STATUSES.items()},
    PassStatus.ACTIVE: VendorStatus.ACTIVE,
}
#: Per neutral status a list filter names, the neutral statuses of the passes it lists: those
#: its one vendor status stands for (``issued`` and ``active`` both list as ``Active``).
LISTED_ALIKE: dict[PassStatus, frozenset[PassStatus]] = {
    status: frozenset(other for other, same in _VENDOR_STATUSES.items() if same is vendor)
    for status, vendor in _VENDOR_STATUSES.items()
}

# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def wire_value(value: Any) -> Any:
    """A neutral field value as JSON: numbers stay numbers, times become ISO text."""
    if type(value) is str:  # (most values: text is sent as it is)
        return value
    if isinstance(value, PassField):
        return wire_value(value.value)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_timestamp(value, limits.TIMESTAMPS)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    if type(value) is str:  # (text is sent as it is: wire_value returns it unchanged)
        return value
    rendered = wire_value(value)
    return rendered if isinstance(rendered, str) else json.dumps(rendered)


def plain_value(value: Any) -> Any:
    return value.value if isinstance(value, PassField) else value


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def is_money(balance: Balance, kind: PassKind | None = None) -> bool:
    """Whether ``balance`` is money (``accountBalance``) rather than loyalty points.

    A currency other than points says money; so does a gift card's kind without a currency, as
    a gift card's balance is what ``/giftcard/redeem`` spends and its read reports
    (``accountBalance``, :func:`balance_from`): sent as points it would be kept where neither
    looks (*inferred*, like the gift card type itself: livepasses.md, Later findings)."""
    if balance.currency is not None:
        return balance.currency.lower() not in POINT_CURRENCIES
    return kind is PassKind.GIFT_CARD


def balance_kind(balance: Balance | None, field: str | None) -> PassKind | None:
    """The kind of pass Livepasses keeps ``balance`` (or the business data ``field`` holding
    it) for: money (``accountBalance``) a gift card's, points (``currentPoints``, an update's
    ``points``) a loyalty card's; ``None`` for anything else. The fake's profile judges a spend
    of a pass of no known kind by it (``VendorBehaviour.balance_kind``)."""
    if balance is not None:
        return PassKind.GIFT_CARD if is_money(balance) else PassKind.LOYALTY
    return {
        "accountBalance": PassKind.GIFT_CARD,
        "currentPoints": PassKind.LOYALTY,
        "points": PassKind.LOYALTY,
    }.get(field or "")


def _balance_fields(
    balance: Balance, *, for_update: bool, kind: PassKind | None = None
) -> dict[str, Any]:
    if not is_money(balance, kind):
        # The SDK's update example names the points ``points``; generation calls them currentPoints.
        # On update the amount goes as given: a fraction is the check's to refuse (it reads the
        # built body), never cut off here.
        if for_update:
            return {"points": wire_value(balance.amount)}
        return {"currentPoints": int(balance.amount)}
    # On update these names are inferred (declared on balance): Livepasses publishes no list of
    # updatable names, and shows none for money.
    money: dict[str, Any] = {"accountBalance": wire_value(balance.amount)}
    if balance.currency is not None:
        money["currency"] = balance.currency
    return money


def balance_in_fields(balance: Balance, facts: MetaFacts) -> dict[str, Any]:
    """The businessData keys a pass's balance is answered in (the profile's
    ``VendorBehaviour.balance_in_fields``): the create answer's businessData and an update's
    accepted updatedFields echo the keys the write put the balance in (:func:`_balance_fields`:
    ``currentPoints`` or ``points``, a gift card's ``accountBalance``); the lookup carries no
    business data."""
    kind = facts.kept.kind
    if facts.answer == "create":
        return _balance_fields(balance, for_update=False, kind=kind)
    change = facts.change
    if facts.answer == "update" and change is not None and change.balance is not None:
        return _balance_fields(change.balance, for_update=True, kind=kind)
    return {}


def _business_field(key: str, value: Any) -> Any:
    spec = BUSINESS_DATA.members[key]
    if spec is Value.INTEGER:
        return int(Decimal(str(value)))
    if spec is Value.NUMBER:
        return wire_value(Decimal(str(value)) if isinstance(value, float) else value)
    return _text(value)


def tier_in_fields(facts: MetaFacts) -> dict[str, Any]:
    """The ``memberTier`` a create or an update answer echoes among the fields (the profile's
    ``VendorBehaviour.attributes_in_fields``): the tier the create sent (:func:`recipient`) or
    the update wrote (its ``updatedFields``); a read carries no business data."""
    if facts.answer == "create":
        sent = facts.kept.raw if isinstance(facts.kept.raw, Mapping) else {}
        tier = sent.get("tier")
    elif facts.answer == "update" and facts.change is not None:
        tier = facts.change.tier
    else:
        return {}
    return {"memberTier": tier} if isinstance(tier, str) else {}


def holder_name(holder: Holder) -> str | None:
    """The ``holderName`` Livepasses' lookup reports of ``holder`` (its profile's
    ``VendorBehaviour.whole_name``): the ``customer.firstName`` and ``lastName`` a create sends
    (:func:`recipient`), joined by a space, as its emulator infers."""
    return " ".join(part for part in holder.split_name() if part) or None


def recipient(new_pass: Pass) -> dict[str, Any]:
    """The pass as one entry of ``passes[]`` (``Pass.extra`` minus its request-level keys)."""
    holder = new_pass.holder or Holder()
    first, last = holder.split_name()
    customer: dict[str, Any] = {"firstName": first, "lastName": last}
    if holder.email is not None:
        customer["email"] = holder.email
    if holder.phone is not None:
        customer["phone"] = holder.phone
    if holder.language is not None:
        customer["preferredLanguage"] = holder.language
    business: dict[str, Any] = {}
    custom: dict[str, str] = {}
    for key, raw in (new_pass.fields or {}).items():
        value = raw.value if isinstance(raw, PassField) else raw  # (plain_value, inline)
        if key in BUSINESS_DATA.members:
            business[key] = _business_field(key, value)
        else:
            custom[key] = _text(value)
    if new_pass.external_id is not None:
        business["confirmationCode"] = new_pass.external_id
    if new_pass.tier is not None:
        business["memberTier"] = new_pass.tier
    if new_pass.balance is not None:
        business.update(_balance_fields(new_pass.balance, for_update=False, kind=new_pass.kind))
    entry: dict[str, Any] = {"customer": customer, "businessData": business}
    if custom:
        entry["personalizations"] = {"customFields": custom}
    if not new_pass.extra:
        return entry  # (nothing to lay over it: the entry is this call's own)
    extra = {k: v for k, v in new_pass.extra.items() if k in RECIPIENT_KEYS}
    return merge_extra(entry, extra)


def request_context(new_pass: Pass) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The request-level ``businessContext`` and ``options`` this pass asks for.

    They apply to every recipient of a generate call, so passes that differ here are sent in
    separate calls.
    """
    context: dict[str, Any] = {}
    if new_pass.event is not None:
        event: dict[str, Any] = {}
        if new_pass.event.title is not None:
            event["eventName"] = new_pass.event.title
        if new_pass.event.starts_at is not None:
            event["eventDate"] = format_timestamp(new_pass.event.starts_at, limits.TIMESTAMPS)
        if event:
            context["event"] = event
    extra = new_pass.extra
    if not extra:  # (most passes: nothing of the request's own to look for)
        return (context or None), None
    if isinstance(extra.get("businessContext"), Mapping):
        context = merge_extra(context, extra["businessContext"])
    options = extra.get("options")
    return (context or None), (dict(options) if isinstance(options, Mapping) and options else None)


def group_key(new_pass: Pass) -> tuple[str, str]:
    """Passes with equal keys can share one generate call."""
    context, options = request_context(new_pass)
    shared = json.dumps([context, options], sort_keys=True, default=str)
    return new_pass.template, shared


def generate_body(
    template: str,
    recipients: Sequence[Mapping[str, Any]],
    context: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"templateId": template, "passes": list(recipients)}
    if context:
        body["businessContext"] = dict(context)
    if options:
        body["options"] = dict(options)
    return body


# ---------------------------------------------------------------------------------------------
# Update
# ---------------------------------------------------------------------------------------------


def updated_fields(change: PassUpdate, kind: PassKind | None = None) -> dict[str, Any]:
    updated = {key: wire_value(value) for key, value in (change.fields or {}).items()}
    if change.tier is not None:
        updated["memberTier"] = change.tier
    if change.balance is not None:
        updated.update(_balance_fields(change.balance, for_update=True, kind=kind))
    return updated


def balance_needs_kind(change: PassUpdate) -> bool:
    """Whether ``change``'s balance is judged by the pass's kind: a balance without a currency
    is a gift card's money (``accountBalance``) or loyalty points (``points``), and one with a
    currency must be in the unit that kind keeps (``checks``: no money on a loyalty card, no
    points on a gift card)."""
    return change.balance is not None


def update_body(change: PassUpdate, kind: PassKind | None = None) -> dict[str, Any]:
    """``PUT /api/passes/{id}``: ``updatedFields`` verbatim, the message and ``notify``.

    With no message and ``notify`` unset, ``notify: false`` is sent: the vendor documents that
    ``false`` suppresses the holder-visible banner (livepasses.md 3.6), and whether a PUT that
    leaves ``notify`` out shows one (and shows it again when repeated) is UNKNOWN. Sent so, a
    field change is silent and a repeat of the PUT writes the same values and nothing else, so
    :func:`update_safety` may let the transport repeat it.
    """
    body: dict[str, Any] = {}
    updated = updated_fields(change, kind)
    if updated:
        body["updatedFields"] = updated
    extra = change.extra or {}
    if "reason" in extra:
        body["reason"] = extra["reason"]
    if "messageHeader" in extra:
        body["messageHeader"] = extra["messageHeader"]
    if change.message is not None:
        body["messageBody"] = change.message
    if change.notify is not None:
        body["notify"] = change.notify
    elif change.message is None:
        body["notify"] = False
    return body


def update_safety(body: Mapping[str, Any]) -> Safety:
    """Whether the PUT ``body`` may be repeated after it may have been received.

    Only a silent one (``notify: false``, no ``messageBody``) is repeatable: livepasses.md 3.6
    leaves UNKNOWN whether a repeated PUT shows its message or banner again, so a PUT that can
    tell the holder anything is sent once (a gateway error then leaves the outcome unknown).
    """
    silent = body.get("notify") is False and "messageBody" not in body
    return Safety.IDEMPOTENT if silent else Safety.UNSAFE


# ---------------------------------------------------------------------------------------------
# Answers -> neutral
# ---------------------------------------------------------------------------------------------


def status_of(vendor: Any) -> PassStatus:
    """The neutral status of a pass state read from Livepasses (``unknown`` for other words)."""
    if type(vendor) is str:  # (an answer's word: looked up as the enum looks its values up)
        return _STATUS_WORDS.get(vendor, PassStatus.UNKNOWN)
    try:
        return _STATUSES[VendorStatus(vendor)]
    except ValueError:
        return PassStatus.UNKNOWN


def redemption_status_of(vendor: Any) -> PassStatus:
    """The neutral status a redemption verb's ``newStatus`` reports.

    ``Active`` after a stamp, a points spend, a gift-card deduction, a multi-use coupon or a
    membership check-in means the pass was just used and stays usable: the neutral ``active``.
    """
    if vendor == VendorStatus.ACTIVE.value:
        return PassStatus.ACTIVE
    return status_of(vendor)


def vendor_status_for(status: PassStatus) -> str | None:
    """The ``status`` list filter for a neutral status (``None``: Livepasses has no such one)."""
    vendor = _VENDOR_STATUSES.get(status)
    return vendor.value if vendor is not None else None


def kind_of(pass_type: Any) -> PassKind | None:
    return limits.TEMPLATE_KINDS.kind_of(pass_type) if isinstance(pass_type, str) else None


def _holder_values(name: Any, email: Any) -> dict[str, str] | None:
    """The holder an answer's ``holderName`` and ``holderEmail`` tell, as the mapping a
    ``Holder`` is validated from (``None``: neither is text)."""
    values: dict[str, str] = {}
    if isinstance(name, str) and name:
        values["name"] = name
    if isinstance(email, str) and email:
        values["email"] = email
    return values or None


def _holder(name: Any = None, email: Any = None) -> Holder | None:
    values = _holder_values(name, email)
    if values is None:
        return None
    try:
        return Holder.model_validate(values)
    except ValueError:  # a value the neutral model refuses: keep it in raw only
        return None


def made_up_barcode(issued: IssuedPass) -> Barcode:
    """The QR code Livepasses gives every pass it generates (:func:`limits.made_up_qr_code`), for
    the fake's ``livepasses`` profile."""
    return Barcode(message=limits.made_up_qr_code(issued.vendor_id, issued.external_id or ""))


def _barcode(qr_code: Any) -> Barcode | dict[str, str] | None:
    """The pass's QR code from the answer's ``qrCode`` (an image's data URL is none), for the
    pass's validation: as the mapping it makes the Barcode from where Barcode's rules cannot
    refuse it (ASCII text, at most 2,048 characters: as many bytes, which every QR code holds),
    which saves making a model first; else made here, so a refusal is the one it always was."""
    if not isinstance(qr_code, str) or not qr_code or qr_code.startswith("data:"):
        return None
    if len(qr_code) > 2048:
        return None
    if type(qr_code) is str and qr_code.isascii():
        return {"message": qr_code}
    return Barcode(message=qr_code)


def _business_data(data: Any) -> dict[str, Any]:
    """The pass's business data as fields; the confirmation code is ``external_id`` instead."""
    if type(data) is not dict and not isinstance(data, Mapping):  # (a JSON object: no ABC check)
        return {}
    # (a plain loop, not a comprehension: its frame cost 3 k cycles cold per create)
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if value is not None and key != "confirmationCode":
            fields[str(key)] = value
    return fields


#: The types a JSON number (or a Decimal) is read as (a tuple: ``int | float | Decimal`` would
#: make a new union on every call).
_NUMBERS = (int, float, Decimal)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, _NUMBERS):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Decimal(str(value))


def balance_from(data: Any, kind: PassKind | None = None) -> Balance | None:
    """The balance business data reports: loyalty points (``currentPoints``, or the update
    name ``points``) or money (``accountBalance`` in ``currency``); a gift card's is its money.

    A value that is not a JSON number is not reported as a balance (it stays in ``fields``).
    """
    if type(data) is not dict and not isinstance(data, Mapping):  # (a JSON object: no ABC check)
        return None
    if "currentPoints" not in data and "points" not in data and "accountBalance" not in data:
        return None  # (most passes: nothing below could be read)
    points = _number(data.get("currentPoints", data.get("points")))
    money = _number(data.get("accountBalance"))
    currency = data.get("currency")
    try:
        if kind is not PassKind.GIFT_CARD and points is not None:
            return Balance(amount=points)
        if money is None:
            return None
        named = isinstance(currency, str) and 0 < len(currency) <= 32
        return Balance(amount=money, currency=currency if named else None)
    except ValueError:  # beyond what the neutral model holds: the raw answer keeps it
        return None


#: ``IssuedPass.meta`` keys a Livepasses pass may carry (the provider declares them).
META_KEYS: dict[str, str] = {
    "vendor_status": "Livepasses' own status of the pass, e.g. 'Active' (text)",
    "batch_id": "the generate batch that issued the pass (create and create_many)",
    "has_apple_pass": "whether an Apple Wallet pass was generated (bool)",
    "has_google_pass": "whether a Google Wallet pass was generated (bool)",
    "tracking_id": "the analytics trackingId of a generated pass",
    "engagement_url": "the analytics engagementUrl of a generated pass",
    "is_valid": "the lookup's isValid (get, update)",
    "can_be_redeemed": "the validation's canBeRedeemed (get)",
    "verification_methods": "the validation's verification methods (get; a list of text)",
    "validation_message": "the validation's message, where it gives one (get)",
    "template_name": "the pass's template name (list)",
    "pass_type": "the pass's type as Livepasses names it, e.g. 'EventTicket' (list)",
    "notified": "whether the update's message was pushed to the holder (update, bool)",
}


def issued_from_generated(
    entry: Mapping[str, Any],
    *,
    provider: str,
    template: str,
    kind: PassKind | None,
    holder: Holder | None,
    batch_id: str | None = None,
    generated_at: Any = None,
) -> IssuedPass:
    """A pass from the ``passes[]`` of a synchronous generate answer, with its wallet links."""
    platforms = entry.get("platforms") or {}
    apple = platforms.get("apple") or {}
    google = platforms.get("google") or {}
    analytics = entry.get("analytics") or {}
    pass_id = str(entry["id"])
    status = entry.get("status")
    # (the keys without a value left out as they are set, not filtered out afterwards)
    meta: dict[str, Any] = {} if status is None else {"vendor_status": status}
    if batch_id is not None:
        meta["batch_id"] = batch_id
    meta["has_apple_pass"] = bool(apple.get("available"))
    meta["has_google_pass"] = bool(google.get("available"))
    if analytics.get("trackingId"):
        meta["tracking_id"] = analytics["trackingId"]
    if analytics.get("engagementUrl"):
        meta["engagement_url"] = analytics["engagementUrl"]
    business = entry.get("businessData")
    return IssuedPass.model_validate(
        {
            "id": pass_id,
            "vendor_id": pass_id,
            "provider": provider,
            "template": template,
            "kind": kind,
            "external_id": entry.get("confirmationCode"),
            "status": status_of(status),
            "urls": {
                "download": apple.get("passUrl"),
                "apple": apple.get("addToWalletUrl"),
                "google": google.get("addToWalletUrl"),
            },
            "created_at": parse_timestamp(generated_at),
            "holder": holder,
            "fields": _business_data(business),
            "balance": balance_from(business, kind),
            "barcode": _barcode(entry.get("qrCode")),
            "meta": meta,
            # (a decoded answer's own entry, as it is: a copy of it was made on every create)
            "raw": entry if type(entry) is dict else dict(entry),
        }
    )


def _line_text(value: Any, name: str) -> str | None:
    """``value``, a text member ``name`` of an answer line (or ``None``); anything else is an
    answer walletpass cannot read (``ValueError``, so ``InvalidResponse``), never a later crash."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{name} is {type(value).__name__}, not text")


def batch_pass_from(entry: Mapping[str, Any]) -> BatchPass:
    """A ``generatedPasses[]`` line (the C# SDK's ``id`` / ``holderEmail`` spellings too: a
    present ``passId`` or ``customerEmail`` is read, even ``null``, else the other)."""
    pass_id = entry.get("passId", entry.get("id"))
    if pass_id is not None and (isinstance(pass_id, bool) or not isinstance(pass_id, str | int)):
        raise ValueError(f"passId is {type(pass_id).__name__}, not an id")
    email = entry["customerEmail"] if "customerEmail" in entry else entry.get("holderEmail")
    get = entry.get
    code = get("confirmationCode")
    status = get("status")
    error_code = get("errorCode")
    error_message = get("errorMessage")
    # (JSON's text and null by exact type first, without a call each: every create reads its
    # answer's line; anything else goes through _line_text, which keeps it or refuses it)
    return BatchPass(
        str(pass_id) if pass_id not in (None, "") else None,
        email if email is None or type(email) is str else _line_text(email, "customerEmail"),
        code if code is None or type(code) is str else _line_text(code, "confirmationCode"),
        status if status is None or type(status) is str else _line_text(status, "status"),
        bool(get("hasApplePass")),
        bool(get("hasGooglePass")),
        error_code
        if error_code is None or type(error_code) is str
        else _line_text(error_code, "errorCode"),
        error_message
        if error_message is None or type(error_message) is str
        else _line_text(error_message, "errorMessage"),
    )


def issued_from_summary(
    line: BatchPass,
    *,
    provider: str,
    template: str,
    kind: PassKind | None,
    holder: Holder | None,
    batch_id: str,
) -> IssuedPass:
    """A pass generated by an asynchronous batch: the batch answer carries no wallet URLs."""
    if line.pass_id is None:
        raise ValueError("a generated pass in the batch status has no passId")
    return IssuedPass(
        id=line.pass_id,
        vendor_id=line.pass_id,
        provider=provider,
        template=template,
        kind=kind,
        external_id=line.confirmation_code,
        status=status_of(line.vendor_status),
        holder=holder,
        meta={
            "vendor_status": line.vendor_status,
            "batch_id": batch_id,
            "has_apple_pass": line.has_apple_pass,
            "has_google_pass": line.has_google_pass,
        },
        raw={
            "passId": line.pass_id,
            "customerEmail": line.email,
            "confirmationCode": line.confirmation_code,
            "status": line.vendor_status,
        },
    )


def batch_status_from(data: Mapping[str, Any]) -> BatchStatus:
    statistics = data.get("statistics") or {}
    lines = tuple(
        batch_pass_from(e) for e in data.get("generatedPasses") or () if isinstance(e, Mapping)
    )
    total = int(statistics.get("totalRecipients") or 0)
    generated = int(statistics.get("passesGenerated") or 0)
    failed = int(statistics.get("generationFailures") or 0)
    return BatchStatus(
        batch_id=str(data.get("batchId") or ""),
        state=str(data.get("status") or ""),
        is_completed=bool(data.get("isCompleted")),
        progress=float(data.get("progressPercentage") or 0.0),
        total=total,
        generated=generated,
        failed=failed,
        passes=lines,
        completed_at=parse_timestamp(data.get("completedAt")),
        estimated_completion=parse_timestamp(data.get("estimatedCompletion")),
        raw=dict(data),
    )


def validation_from(pass_id: str, data: Mapping[str, Any]) -> Validation:
    return Validation(
        pass_id=pass_id,
        is_valid=bool(data.get("isValid")),
        can_be_redeemed=bool(data.get("canBeRedeemed")),
        status=status_of(data.get("status")),
        vendor_status=data.get("status"),
        verification_methods=tuple(str(m) for m in data.get("verificationMethods") or ()),
        message=data.get("message"),
        raw=dict(data),
    )


def issued_from_lookup(data: Mapping[str, Any], *, provider: str) -> IssuedPass:
    """The pass a lookup answer tells (no business data, no wallet links); a get completes it
    with the validation answer (:func:`with_validation`)."""
    pass_id = str(data["passId"])
    status = data.get("status")
    valid = data.get("isValid")
    # (the keys without a value left out as they are set, not filtered out afterwards)
    meta: dict[str, Any] = {} if status is None else {"vendor_status": status}
    if valid is not None:
        meta["is_valid"] = valid
    name, email = data.get("holderName"), data.get("holderEmail")
    # The holder is validated with the pass, from its mapping (one validation, where a Holder
    # made first cost a third of the lookup's reading)...
    holder = _holder_values(name, email)
    values = {
        "id": pass_id,
        "vendor_id": pass_id,
        "provider": provider,
        "template": data.get("templateId"),
        "external_id": data.get("confirmationCode"),
        "status": status_of(status),
        "created_at": parse_timestamp(data.get("createdAt")),
        "holder": holder,
        "meta": meta,
        "raw": {"lookup": dict(data), "validation": None},
    }
    try:
        return IssuedPass.model_validate(values)
    except ValueError:
        if holder is None:
            raise
    # ...and where the pass is refused, read again as it always was: a holder the neutral model
    # refuses is left out (raw keeps it), and what else is refused is refused alone.
    values["holder"] = _holder(name, email)
    return IssuedPass.model_validate(values)


def with_validation(issued: IssuedPass, data: Mapping[str, Any]) -> IssuedPass:
    """``issued`` (a lookup's pass) completed by the pass's validation answer ``data`` (the
    ``/validate`` envelope's data): redeemability in ``meta``, and the status the validation
    reports where it names one. Read as :func:`validation_from` reads it, without the
    :class:`Validation` record a get does not return (a malformed answer fails alike)."""
    can_be_redeemed = bool(data.get("canBeRedeemed"))
    status = status_of(data.get("status"))
    methods = [str(m) for m in data.get("verificationMethods") or ()]
    message = data.get("message")
    meta = {**issued.meta, "can_be_redeemed": can_be_redeemed, "verification_methods": methods}
    if message:
        meta["validation_message"] = message
    raw = {**issued.raw, "validation": dict(data)}
    return issued.model_copy(
        update={
            "meta": meta,
            "status": issued.status if status is PassStatus.UNKNOWN else status,
            "raw": raw,
        }
    )


def issued_from_list_item(item: Mapping[str, Any], *, provider: str) -> IssuedPass:
    pass_id = str(item["id"])
    meta = {
        "vendor_status": item.get("status"),
        "template_name": item.get("templateName"),
        "pass_type": item.get("passType"),
        "has_apple_pass": item.get("hasApplePass"),
        "has_google_pass": item.get("hasGooglePass"),
    }
    return IssuedPass(
        id=pass_id,
        vendor_id=pass_id,
        provider=provider,
        template=item.get("templateId"),
        kind=kind_of(item.get("passType")),
        external_id=item.get("confirmationCode"),
        status=status_of(item.get("status")),
        created_at=parse_timestamp(item.get("createdAt")),
        updated_at=parse_timestamp(item.get("updatedAt")),
        holder=_holder(item.get("holderName"), item.get("holderEmail")),
        meta={k: v for k, v in meta.items() if v is not None},
        raw=dict(item),
    )


#: What a redemption answer's ``newBalance`` counts, per verb that is not a spend: it is kept in
#: ``Redemption.meta`` under this key, never in ``remaining`` (the balance left after
#: ``redeem(id, amount=X)``: docs/concepts.md). ``redeem-by-scan`` applies the verb of the pass's
#: type, which its answer does not name: its count keeps the vendor's name.
COUNT_KEYS: Mapping[str, str] = {
    Endpoint.REDEEM_COUPON.value: "uses_left",
    Endpoint.MEMBERSHIP.value: "uses_left",
    Endpoint.STAMP.value: "stamps",
    Endpoint.UNSTAMP.value: "stamps",
    "redeem-by-scan": "new_balance",
}
#: The verbs whose ``newBalance`` is the balance left after a spend (``remaining``).
BALANCE_METHODS = frozenset({Endpoint.LOYALTY.value, Endpoint.GIFT_CARD.value})


def redemption_from(
    data: Mapping[str, Any],
    *,
    pass_id: str,
    provider: str,
    method: str,
    amount: Decimal | None = None,
) -> Redemption:
    """Any member of the redemption family answers with the same result object.

    ``newBalance`` is ``remaining`` only after a spend (``/loyalty/transact``,
    ``/giftcard/redeem``); after any other verb it counts uses (a coupon's or a membership's
    uses left, a card's stamps) and goes in ``meta`` (:data:`COUNT_KEYS`).
    """
    earned = data.get("pointsEarned")
    balance = _number(data.get("newBalance"))
    if amount is None and isinstance(earned, int | float) and not isinstance(earned, bool):
        amount = Decimal(str(earned))
    meta: dict[str, Any] = {}
    remaining = None
    if method in BALANCE_METHODS:
        remaining = balance
    elif balance is not None and method in COUNT_KEYS:
        meta[COUNT_KEYS[method]] = (
            int(balance) if balance == balance.to_integral_value() else balance
        )
    return Redemption(
        pass_id=pass_id,
        provider=provider,
        status=redemption_status_of(data.get("newStatus")),
        redeemed_at=parse_timestamp(data.get("redeemedAt")),
        amount=amount,
        remaining=remaining,
        method=method,
        meta=meta,
        raw=dict(data),
    )


def template_from(data: Mapping[str, Any]) -> Template:
    def obj(key: str) -> Mapping[str, Any] | None:
        value = data.get(key)
        return dict(value) if isinstance(value, Mapping) else None

    return Template(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        type=str(data.get("type") or ""),
        status=str(data.get("status") or ""),
        pass_count=int(data.get("passCount") or 0),
        created_at=parse_timestamp(data.get("createdAt")),
        updated_at=parse_timestamp(data.get("updatedAt")),
        description=data.get("description"),
        business_features=obj("businessFeatures"),
        platform_support=obj("platformSupport"),
        media_configuration=obj("mediaConfiguration"),
        raw=dict(data),
    )


def webhooks_from(data: Any) -> list[Webhook]:
    """Every webhook in the list answer's ``data`` (an array)."""
    if not isinstance(data, list):
        raise ValueError("the webhook list is not an array")
    return [webhook_from(item) for item in data]


def webhook_from(data: Mapping[str, Any]) -> Webhook:
    from pydantic import SecretStr

    secret = data.get("secret")
    events = data["events"]
    # The documented webhook (SDK 0.3.0: id, url, events, isActive, createdAt, secret), read as
    # documented and never coerced: "false" as text is not an active webhook, nor is a missing
    # isActive an inactive one, and one string is not a list of one-letter events.
    if (
        not isinstance(data["id"], str)
        or not isinstance(data["url"], str)
        or not isinstance(events, list)
        or not all(isinstance(e, str) for e in events)
        or not isinstance(data["isActive"], bool)
    ):
        raise ValueError(
            "a webhook needs a text id and url, events as a list of names and isActive as a boolean"
        )
    return Webhook(
        id=data["id"],
        url=data["url"],
        events=tuple(events),
        is_active=data["isActive"],
        created_at=parse_timestamp(data.get("createdAt")),
        secret=SecretStr(secret) if isinstance(secret, str) and secret else None,
    )


# ---------------------------------------------------------------------------------------------
# Redemption requests
# ---------------------------------------------------------------------------------------------

#: Python-style option names (what ``redeem(options=...)`` and the vendor methods take) -> wire.
OPTION_NAMES: Mapping[str, str] = {
    "accepted_types": "acceptedTypes",
    "redemption_method": "redemptionMethod",
    "redemption_channel": "redemptionChannel",
    "location": "location",
    "confirmation_code": "confirmationCode",
    "metadata": "metadata",
    "gate": "gate",
    "section": "section",
    "location_id": "locationId",
    "transaction_amount": "transactionAmount",
    "transaction_currency": "transactionCurrency",
    "promo_code": "promoCode",
    "reason": "reason",
    "description": "description",
}


@dataclass(frozen=True, slots=True)
class Redeeming:
    """A ``redeem()`` as :meth:`LivepassesProvider.check` judges it: the verb (``None`` while
    the pass's kind is unknown), the amount to spend (``None``: use the pass), and the redeem
    options without ``endpoint`` and ``kind``."""

    endpoint: Endpoint | None
    amount: Decimal | None
    options: Mapping[str, Any]


class RedeemRequest:
    """A redemption body for one endpoint, from Python-style options (``gate="North"``)."""

    __slots__ = ("body", "problems")

    def __init__(self, body: dict[str, Any], problems: list[FieldProblem]) -> None:
        self.body = body
        self.problems = problems


def _location(value: Any) -> Any:
    if isinstance(value, Location):
        result: dict[str, Any] = {"latitude": value.latitude, "longitude": value.longitude}
        if value.name is not None:
            result["name"] = value.name
        return result
    return dict(value) if isinstance(value, Mapping) else value


def _option_value(wire: str, value: Any, spec: Any) -> Any:
    if wire == "location":
        return _location(value)
    if spec is Value.TEXT_LIST and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if spec is Value.TEXT_LIST and isinstance(value, tuple):
        return list(value)
    if spec is Value.NUMBER and isinstance(value, str | Decimal) and not isinstance(value, bool):
        try:
            return wire_value(Decimal(str(value)))
        except ArithmeticError:
            return value
    if isinstance(value, Decimal):
        return wire_value(value)
    return value


def redeem_option_problems(
    options: Mapping[str, Any], where: str = "options"
) -> list[FieldProblem]:
    """Problems any endpoint would have with these options (unknown names, wrong types)."""
    problems: list[FieldProblem] = []
    union: dict[str, Any] = {}
    for shape in ENDPOINT_BODIES.values():
        union.update(shape.members)
    for key, value in options.items():
        wire = OPTION_NAMES.get(key)
        if wire is None:
            known = ", ".join(sorted(OPTION_NAMES))
            problems.append(
                FieldProblem(f"{where}.{key}", f"is not a redeem option; known: {known}")
            )
            continue
        for path, message in shape_problems(
            _option_value(wire, value, union[wire]), union[wire], wire
        ):
            problems.append(FieldProblem(f"{where}.{key}{path[len(wire) :]}", message))
    return problems


def redemption_body(
    endpoint: Endpoint, options: Mapping[str, Any], where: str = "options"
) -> RedeemRequest:
    """The body ``endpoint`` takes for these options; options it does not declare are problems."""
    shape = ENDPOINT_BODIES[endpoint]
    body: dict[str, Any] = {}
    problems = redeem_option_problems(options, where)
    for key, value in options.items():
        wire = OPTION_NAMES.get(key)
        if wire is None or value is None:
            continue
        if wire not in shape.members:
            takes = ", ".join(sorted(k for k, w in OPTION_NAMES.items() if w in shape.members))
            problems.append(
                FieldProblem(
                    f"{where}.{key}",
                    f"/{endpoint.value} does not take it (it takes: {takes or 'nothing'})",
                )
            )
            continue
        body[wire] = _option_value(wire, value, shape.members[wire])
    return RedeemRequest(body, problems)
