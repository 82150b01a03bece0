"""Livepasses' rules over a pass, a change and the built update body, before anything is sent.

What :meth:`LivepassesProvider.check` refuses, and so also what the fake provider's
``livepasses`` profile refuses: a pass's holder names, business-data values and types, a key
set twice, where a balance can go, ``extra`` shapes (livepasses.md 3.1, the SDK 0.3.0 DTOs); a
change's ``updatedFields`` names and values, its ``extra`` and message lengths, and where the
pass's kind put a balance in the built body (3.6). Every problem is named by the neutral field
path that fed the vendor key (``holder``, ``fields.seatNumber``, ``balance.amount``). The
translation itself is :mod:`walletpass_livepasses.payloads`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from walletpass.errors import FieldProblem
from walletpass.model import Balance, Holder, Pass, PassField, PassKind, PassUpdate
from walletpass.provider import ListFilters
from walletpass.values import integer_problem
from walletpass_livepasses import limits, payloads
from walletpass_livepasses.limits import (
    BUSINESS_CONTEXT,
    BUSINESS_DATA,
    DELIVERY_METHODS,
    GENERATION_OPTIONS,
    RECIPIENT_KEYS,
    REQUEST_LEVEL_KEYS,
    Shape,
    Value,
    shape_problems,
)

__all__ = ["LIST_STATUSES", "list_problems", "pass_problems", "update_problems"]


def _text_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return "is sent as text; send the words to show instead of a boolean"
    return None


def _number_problem(value: Any, kind: Value) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return f"Livepasses expects {'an integer' if kind is Value.INTEGER else 'a number'}"
    if kind is Value.INTEGER:
        # livepasses.md 3.1: currentPoints, lifetimePoints and maxUsageCount are int.
        return integer_problem(value)
    return None


def _partial(shape: Shape) -> Shape:
    return Shape(shape.members)


def _extra_problems(extra: Mapping[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    specs: dict[str, Shape] = {
        "customer": _partial(limits.CUSTOMER),
        "businessData": BUSINESS_DATA,
        "personalizations": limits.PERSONALIZATIONS,
        "businessContext": BUSINESS_CONTEXT,
        "options": GENERATION_OPTIONS,
    }
    for key, value in extra.items():
        if key not in specs:
            allowed = ", ".join(sorted(RECIPIENT_KEYS | REQUEST_LEVEL_KEYS))
            problems.append(
                FieldProblem(
                    f"extra.{key}", f"Livepasses refuses undeclared fields; extra takes {allowed}"
                )
            )
            continue
        for where, message in shape_problems(value, specs[key], key):
            problems.append(FieldProblem(f"extra.{where}", message))
    method = (extra.get("options") or {}).get("deliveryMethod")
    if isinstance(method, str) and method not in DELIVERY_METHODS:
        problems.append(
            FieldProblem(
                "extra.options.deliveryMethod",
                f"must be one of {', '.join(sorted(DELIVERY_METHODS))}",
            )
        )
    return problems


def _field_problems(fields: Mapping[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    members = BUSINESS_DATA.members
    for key, raw in fields.items():
        value = raw.value if isinstance(raw, PassField) else raw  # (plain_value, inline)
        spec = members.get(key)
        if spec is Value.NUMBER or spec is Value.INTEGER:
            message = _number_problem(value, spec)
        elif isinstance(value, bool):
            message = _text_problem(value)
        else:  # (text and other values: _text_problem finds nothing)
            continue
        if message is not None:
            problems.append(FieldProblem(f"fields.{key}", message))
    return problems


def _unplaced_balance(balance: Balance | None, kind: PassKind | None) -> bool:
    """Whether a new pass's balance has no known place: no currency and no kind that says
    (``generic``, the default, says nothing).

    Generation keeps points and money in different fields, and a balance sent as points on a
    gift-card template is kept where neither ``/giftcard/redeem`` nor the read looks (the card
    would start empty), so without a kind or a currency it is refused, not guessed."""
    return balance is not None and balance.currency is None and kind in (None, PassKind.GENERIC)


def _balance_problem(balance: Balance | None, kind: PassKind | None = None) -> FieldProblem | None:
    if balance is None:
        return None
    if (
        not payloads.is_money(balance, kind)
        and balance.amount != balance.amount.to_integral_value()
    ):
        # An update cannot tell a gift card here (its kind may take a read): money says so by
        # its currency.
        return FieldProblem(
            "balance.amount",
            "loyalty points are whole numbers on Livepasses (a gift card's money: give the "
            "balance's currency, e.g. Balance(amount=..., currency='USD'))",
        )
    return None


def _unit_problem(balance: Balance | None, kind: PassKind | None) -> FieldProblem | None:
    """A balance in a unit the pass's ``kind`` does not keep its balance in: a loyalty card's
    is its points (``currentPoints``; the update's ``points``), which ``redeem(amount=...)``
    spends through ``/loyalty/transact``, a gift card's its money (``accountBalance``), which
    ``/giftcard/redeem`` spends (livepasses.md 3.1, 3.8). Sent in the other unit it lands
    where the spend does not look: the card reads back the amount and then has 0 to spend.
    ``None`` (kind not known yet, or any other kind): nothing to judge."""
    if balance is None or balance.currency is None:
        return None
    money = payloads.is_money(balance, kind)
    if kind is PassKind.LOYALTY and money:
        return FieldProblem(
            "balance.currency",
            f"a Livepasses loyalty card's balance is its points (currentPoints, which "
            f"redeem(amount=...) spends through /loyalty/transact), not money in "
            f"{balance.currency!r}: give the balance without a currency (or 'points'); a "
            "loyalty card's money account goes in fields={'accountBalance': ...}",
        )
    if kind is PassKind.GIFT_CARD and not money:
        return FieldProblem(
            "balance.currency",
            "a Livepasses gift card's balance is its money (accountBalance, which "
            "redeem(amount=...) spends through /giftcard/redeem), not points: give the "
            "balance its money's currency (e.g. 'USD') or none",
        )
    return None


def _conflicts(
    fields: Mapping[str, Any], owners: Mapping[str, tuple[bool, Sequence[str]]]
) -> list[FieldProblem]:
    problems = []
    for neutral, (used, keys) in owners.items():
        if not used:
            continue
        for key in keys:
            if key in fields:
                problems.append(
                    FieldProblem(f"fields.{key}", f"is also set by {neutral}: give only one")
                )
    return problems


def _new_balance_problems(balance: Balance, kind: PassKind | None) -> list[FieldProblem]:
    """A new pass's balance: refused where its place is not known, else by its amount."""
    if _unplaced_balance(balance, kind):
        return [
            FieldProblem(
                "balance",
                "Livepasses keeps loyalty points (currentPoints) and a gift card's money "
                "(accountBalance) apart, and this pass's kind does not say which this is: give "
                "the balance a currency (currency='points' for points, e.g. 'USD' for money), "
                "the pass a kind, or its template alias a kind",
            )
        ]
    problems = [_unit_problem(balance, kind), _balance_problem(balance, kind)]
    return [problem for problem in problems if problem is not None]


def pass_problems(new_pass: Pass) -> list[FieldProblem]:
    """Everything Livepasses would refuse in this pass, before anything is sent."""
    problems: list[FieldProblem] = []
    first, last = (new_pass.holder or Holder()).split_name()
    if not first or not last:
        problems.append(
            FieldProblem(
                "holder",
                "Livepasses needs the holder's first and last name (customer.firstName and "
                "lastName are required): give holder.name as 'First Last', or first_name and "
                "last_name",
            )
        )
    fields = new_pass.fields or {}
    problems += _field_problems(fields)
    if fields and (
        new_pass.external_id is not None
        or new_pass.tier is not None
        or new_pass.balance is not None
    ):  # (else no field can be set twice)
        money = new_pass.balance is not None and payloads.is_money(new_pass.balance, new_pass.kind)
        problems += _conflicts(
            fields,
            {
                "external_id": (new_pass.external_id is not None, ["confirmationCode"]),
                "tier": (new_pass.tier is not None, ["memberTier"]),
                "balance": (
                    new_pass.balance is not None,
                    ["accountBalance", "currency"] if money else ["currentPoints"],
                ),
            },
        )
    if new_pass.balance is not None:  # (most passes: neither balance rule has anything to see)
        problems += _new_balance_problems(new_pass.balance, new_pass.kind)
    if new_pass.extra:
        problems += _extra_problems(new_pass.extra)
    return problems


_UPDATE_EXTRA = {"reason": limits.MAX_REASON, "messageHeader": limits.MAX_MESSAGE_HEADER}


def update_problems(
    change: PassUpdate, body: Mapping[str, Any] | None = None, kind: PassKind | None = None
) -> list[FieldProblem]:
    """Everything Livepasses would refuse in ``change``; with ``body`` (the built
    ``PUT /api/passes/{id}`` body) also its rules over where the balance went, which the pass's
    kind decides (``None``: the kind is not read yet: a fraction without a currency is refused,
    as it could be points, and the rest waits for the built body); with the pass's ``kind``,
    a balance's unit is that kind's (:func:`_unit_problem`)."""
    problems: list[FieldProblem] = []
    set_fields = change.model_fields_set
    if "holder" in set_fields and change.holder is not None:
        problems.append(
            FieldProblem("holder", "Livepasses cannot change the holder of an issued pass")
        )
    if "event" in set_fields and change.event is not None:
        problems.append(
            FieldProblem(
                "event",
                "the event context is fixed at generation; change updatable event fields "
                "through fields (updatedFields), or push_template_update() for all passes",
            )
        )
    for key, raw in (change.fields or {}).items():
        problem = limits.updated_field_problem(key) or limits.updated_value_problem(
            key, payloads.plain_value(raw)
        )
        if problem is not None:
            problems.append(FieldProblem(f"fields.{key}", problem))
    for key, value in (change.extra or {}).items():
        if key not in _UPDATE_EXTRA:
            problems.append(
                FieldProblem(
                    f"extra.{key}", "an update's extra takes only reason and messageHeader"
                )
            )
        elif not isinstance(value, str):
            problems.append(FieldProblem(f"extra.{key}", "must be text"))
        elif len(value) > _UPDATE_EXTRA[key]:
            problems.append(
                FieldProblem(
                    f"extra.{key}",
                    f"Livepasses allows at most {_UPDATE_EXTRA[key]:,} characters in {key}; "
                    f"this one is {len(value):,} characters",
                )
            )
    if change.message is not None and len(change.message) > limits.MAX_MESSAGE_BODY:
        problems.append(
            FieldProblem(
                "message",
                f"Livepasses allows at most {limits.MAX_MESSAGE_BODY:,} characters in "
                f"messageBody; this message is {len(change.message):,} characters as sent",
            )
        )
    fields = change.fields or {}
    found = _field_problems(fields)
    if found:  # (a value sent as text is no problem in updatedFields, whose types are UNKNOWN)
        problems += [p for p in found if not p.message.startswith("is sent as")]
    if fields and (change.tier is not None or change.balance is not None):
        problems += _conflicts(
            fields,
            {
                "tier": (change.tier is not None, ["memberTier"]),
                "balance": (change.balance is not None, ["points", "accountBalance", "currency"]),
            },
        )
    unit = _unit_problem(change.balance, kind)
    if unit is not None:
        problems.append(unit)
    if body is not None:
        problems += _placed_balance_problems(change, body)
    else:
        # Before the pass's kind is read a fraction without a currency could be points, which
        # are whole: refused before any request (a currency says money).
        balance = _balance_problem(change.balance)
        if balance is not None:
            problems.append(balance)
    # (what payloads.updated_fields would put in updatedFields: nothing, exactly when none of
    # these is set)
    if (
        not change.fields
        and change.tier is None
        and change.balance is None
        and change.message is None
    ):
        problems.append(
            FieldProblem(
                "change",
                "Livepasses needs updated fields (fields, tier, balance) or a message",
            )
        )
    return problems


def _placed_balance_problems(change: PassUpdate, body: Mapping[str, Any]) -> list[FieldProblem]:
    """The balance where the built ``body`` put it: loyalty ``points`` are whole numbers (the
    update example's ``"points": 1250``, livepasses.md 3.6: *inferred* type), a gift card's
    ``accountBalance`` a number of at least 0 (*inferred*: generation documents it as a number,
    3.1; a negative balance is nothing ``/giftcard/redeem`` could spend, and the emulator refuses
    it as walletpass's inference). Each problem at ``balance.amount``."""
    if change.balance is None:
        return []
    updated = body.get("updatedFields")
    updated = updated if isinstance(updated, Mapping) else {}
    if "accountBalance" in updated:
        value = updated["accountBalance"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            return [
                FieldProblem(
                    "balance.amount",
                    "a gift card's balance (accountBalance) is a number of at least 0",
                )
            ]
        return []
    if "points" in updated and limits.updated_value_problem("points", updated["points"]):
        return [
            FieldProblem(
                "balance.amount",
                "loyalty points are whole numbers on Livepasses (a gift card's money: give the "
                "balance's currency, e.g. Balance(amount=..., currency='USD'))",
            )
        ]
    return []


#: Why a status cannot be listed by.
LIST_STATUSES = "Livepasses lists by active, redeemed, expired or voided (Cancelled)"

#: The types of the neutral ``extra`` list filters.
_LIST_EXTRA: dict[str, type] = {"search_term": str, "sort_by": str, "sort_descending": bool}


def list_problems(filters: ListFilters) -> list[FieldProblem]:
    """What Livepasses' list query cannot carry: a status it has no value for, a template id
    that is not one, and the types of the ``extra`` filters (searchTerm, sortBy,
    sortDescending; livepasses.md 2.2 and 3.3)."""
    problems: list[FieldProblem] = []
    if filters.status is not None and payloads.vendor_status_for(filters.status) is None:
        problems.append(FieldProblem("status", LIST_STATUSES))
    if filters.template is not None:
        problem = limits.id_problem(filters.template)
        if problem:
            problems.append(FieldProblem("template", problem))
    for key, value in filters.extra.items():
        kind = _LIST_EXTRA.get(key)
        if kind is bool and not isinstance(value, bool):
            problems.append(FieldProblem(f"extra.{key}", "must be true or false"))
        elif kind is str and not isinstance(value, str):
            problems.append(FieldProblem(f"extra.{key}", "must be text"))
    return problems
