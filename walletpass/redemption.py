"""Redeeming on a vendor that has no redeem of its own: what must be refused before the write.

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

from decimal import Decimal
from typing import Any

from walletpass.errors import AlreadyRedeemed, BusinessRuleError, NotFound, PassExpired
from walletpass.model import IssuedPass, PassStatus

__all__ = [
    "already_redeemed",
    "has_expired",
    "insufficient_balance",
    "no_balance",
    "refuse_unredeemable",
]


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
        raise NotFound(f"pass {current.id!r} was deleted", **context)
    if current.status is PassStatus.EXPIRED:
        raise has_expired(current.id, **context)
    if current.status in (PassStatus.VOIDED, PassStatus.REDEEMED):
        raise already_redeemed(current.id, **context)
