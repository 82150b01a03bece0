"""What a redeem or a write must refuse before it writes: one rule for every provider.

``redeem(id)`` without an amount means "use this pass up once; it ends final" (a ticket, a
coupon, a boarding pass). A pass whose use is measured some other way (a loyalty or store card's
points, a membership's check-ins, a gift card's money) is not used up by a redeem: every provider
and profile refuses it with :class:`~walletpass.errors.NotUsedUp` before any write
(:func:`refuse_not_used_up`), naming ``redeem(id, amount=...)`` and the vendor's own operation for
a stamp or a check-in where it has one.

A deleted pass (``delete()``) is gone for every write: ``update`` and ``redeem`` raise
``NotFound`` on every provider, its emulator and its profile (:func:`deleted_error`), while
``get()`` reports its tombstone (``DELETED``) or ``NotFound`` as the vendor's behaviour
declares (:attr:`VendorBehaviour.deleted_on_get <walletpass.behaviour.VendorBehaviour>`).

Pass2U (``PUT {"voided": true}``) and PassEntry (``passAction: deactivate``) redeem a pass by
ending it, a write that succeeds just as well on a pass that was already ended, expired or
deleted. So the provider reads the pass first and refuses, as a vendor with a real redeem would,
what a redeem cannot do; :func:`refuse_unredeemable` is that one check.

The refusals a redeem or a spend meets because of the pass's state are written here once, so
they read the same on every provider and on the fake wearing its profile (the vendor's own
words in an error answer aside): :func:`already_redeemed`, :func:`has_expired`,
:func:`no_balance`, :func:`insufficient_balance`. What a vendor said beyond them (its state's
name, its answer) goes in ``details``, never into a text its profile could not repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from walletpass.errors import AlreadyRedeemed, BusinessRuleError, NotFound, NotUsedUp, PassExpired
from walletpass.kinds import KindTable
from walletpass.model import IssuedPass, PassKind, PassStatus

__all__ = [
    "NOT_USED_UP_KINDS",
    "already_redeemed",
    "deleted_error",
    "has_expired",
    "insufficient_balance",
    "judged_by_type",
    "kind_to_judge",
    "no_balance",
    "refuse_not_used_up",
    "refuse_unredeemable",
]

#: Kinds a redeem without an amount does not use up: their use is a balance, a stamp or a
#: check-in, and the pass stays in use after it.
NOT_USED_UP_KINDS = frozenset({PassKind.LOYALTY, PassKind.MEMBERSHIP, PassKind.GIFT_CARD})


def already_redeemed(pass_id: str, **context: Any) -> AlreadyRedeemed:
    """The refusal of a pass that was used up (redeemed, voided, deactivated) before.

    :param context: the error's ``provider``, ``operation`` and ``details``.
    """
    return AlreadyRedeemed(
        f"pass {pass_id!r} was already redeemed", code="ALREADY_REDEEMED", **context
    )


def has_expired(pass_id: str, **context: Any) -> PassExpired:
    """The refusal of a pass whose expiry has passed (``context`` as :func:`already_redeemed`)."""
    return PassExpired(f"pass {pass_id!r} has expired", code="EXPIRED", **context)


def no_balance(pass_id: str, **context: Any) -> BusinessRuleError:
    """The refusal of ``redeem(id, amount=X)`` on a pass that keeps no balance (a ticket)."""
    return BusinessRuleError(
        f"pass {pass_id!r} has no balance to deduct from; redeem it without an amount to use it up",
        code="NO_BALANCE",
        **context,
    )


def insufficient_balance(
    pass_id: str, held: Decimal | int, amount: Decimal, **context: Any
) -> BusinessRuleError:
    """The refusal of a spend larger than the balance; nothing was deducted."""
    return BusinessRuleError(
        f"pass {pass_id!r} has a balance of {held}, less than {amount}",
        code="INSUFFICIENT_BALANCE",
        **context,
    )


def deleted_error(pass_id: str, **context: Any) -> NotFound:
    """The one error a write (``update``, ``redeem``) on a deleted pass raises everywhere.

    :param pass_id: the pass's id.
    :param context: the error's ``provider``, ``operation`` and ``details`` (the vendor's own
        word for the state, e.g. ``{"vendor_status": "nullified"}``).
    :returns: the ``NotFound`` to raise.
    """
    return NotFound(
        f"pass {pass_id!r} was deleted: a deleted pass cannot be changed or redeemed",
        code="DELETED",
        **context,
    )


def kind_to_judge(
    kind: PassKind | None, vendor_type: str | None, kinds: KindTable[Any] | None
) -> PassKind | None:
    """The kind a redeem judges a pass by (:func:`refuse_not_used_up`): the one known (its
    template alias's, else the vendor's read), else, where the vendor's type of the pass is
    shared by several kinds that a redeem uses up none of (an Apple store card: a loyalty card or
    a gift card), the first of them; ``None`` where that cannot be told (a generic pass may be a
    membership card or a single-use pass).

    :param kind: the kind known: the template alias's, else the read's; ``None``: unknown.
    :param vendor_type: the vendor's type of the pass (e.g. its Apple style), if known.
    :param kinds: the vendor's kind table (``VendorBehaviour.kinds``).
    """
    if kind is not None or vendor_type is None or kinds is None:
        return kind
    shared = [each for each, own in kinds.items() if own == vendor_type]
    if shared and all(each in NOT_USED_UP_KINDS for each in shared):
        return shared[0]
    return None


def judged_by_type(
    kind: PassKind | None, vendor_type: str | None, kinds: KindTable[Any] | None
) -> str | None:
    """How a ``NotUsedUp`` message names a pass judged by its vendor type alone
    (:func:`kind_to_judge`), where that type is shared by several kinds: the type and the kinds it
    may be (``"storeCard pass (a loyalty or gift card)"``); ``None`` where the kind is known or the
    type is one kind's, so the message names the kind. The message then says no more than is known.

    :param kind: the kind known (the template alias's, else the read's); ``None``: unknown.
    :param vendor_type: the vendor's type of the pass, if known.
    :param kinds: the vendor's kind table (``VendorBehaviour.kinds``).
    """
    if kind is not None or vendor_type is None or kinds is None:
        return None
    shared = [each.value.replace("_", " ") for each, own in kinds.items() if own == vendor_type]
    if len(shared) < 2:
        return None
    return f"{vendor_type} pass (a {' or '.join(shared)})"


def refuse_not_used_up(
    kind: PassKind | None,
    pass_id: str,
    *,
    provider: str,
    use_operations: Mapping[PassKind, str] | None = None,
    balance: bool = True,
    has_balance: bool = True,
    judged_as: str | None = None,
) -> None:
    """Return when a redeem without an amount may use up a pass of ``kind``; raise otherwise.

    :param kind: the pass's kind as known before the write (the vendor's read, else its
        template alias's kind); ``None``: not known, not refused.
    :param pass_id: the pass's id.
    :param provider: the provider name the error carries.
    :param use_operations: per kind, the vendor's own calls that record a use without using
        the pass up (``VendorBehaviour.use_operations``; Livepasses: a loyalty card's
        ``stamp(id)``, a membership's ``membership_check_in(id)``): the one for ``kind`` is
        named in the message.
    :param balance: the provider's passes have a balance (its ``balance`` declaration is not
        ``none``); ``False``: the message names an update of the field that keeps the count.
    :param has_balance: this pass keeps a balance (``VendorBehaviour.balance_kinds``, or the
        pass's own balance): the message names ``redeem(id, amount=X)``; ``False``: it names
        no spend, as there is nothing to spend from.
    :param judged_as: how to name the pass where ``kind`` was judged from a vendor type several
        kinds share (:func:`judged_by_type`); default: its kind.

    The message names only alternatives that exist for this pass on this provider: a spend
    where it keeps a balance, the vendor's call for its kind, else says there is none.

    :raises NotUsedUp: ``kind`` is one of :data:`NOT_USED_UP_KINDS`.
    """
    if kind not in NOT_USED_UP_KINDS:
        return
    ways = []
    if not balance:
        ways.append(
            "change the field that keeps its count with update(id, PassUpdate(fields={...}))"
        )
    elif has_balance:
        ways.append("spend from its balance with redeem(id, amount=X)")
    operation = (use_operations or {}).get(kind)
    if operation:
        ways.append(f"record a use with {operation}")
    advice = (
        " or ".join(ways)
        if ways
        else f"it keeps no balance, and {provider} has no call that records a use of it"
    )
    named = judged_as or f"{kind.value.replace('_', ' ')} pass"
    raise NotUsedUp(
        f"pass {pass_id!r} is a {named}, which redeem(id) does not "
        f"use up (a redeem without an amount ends a single-use pass): {advice}",
        provider=provider,
        operation="redeem",
        code="NOT_USED_UP",
    )


def refuse_unredeemable(current: IssuedPass, *, provider: str, operation: str = "redeem") -> None:
    """Return when ``current`` (the pass as just read) may be redeemed; raise otherwise.

    :param current: the pass as a ``get`` right before the redeem reports it.
    :param provider: the provider name the error carries.
    :raises NotFound: the pass was deleted (PassEntry: nullified).
    :raises PassExpired: its expiry has passed.
    :raises AlreadyRedeemed: it was redeemed (voided, deactivated) before.
    """
    # The vendor's own word for the state ("nullified", "deactivated"), where the read kept it:
    # in details, as the text is the one every provider and profile gives.
    vendor = current.meta.get("vendor_status")
    context: dict[str, Any] = {"provider": provider, "operation": operation}
    if isinstance(vendor, str) and vendor:
        context["details"] = {"vendor_status": vendor}
    if current.status is PassStatus.DELETED:
        raise deleted_error(current.id, **context)
    if current.status is PassStatus.EXPIRED:
        raise has_expired(current.id, **context)
    if current.status in (PassStatus.VOIDED, PassStatus.REDEEMED):
        raise already_redeemed(current.id, **context)
