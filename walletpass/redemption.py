"""Redeeming on a vendor that has no redeem of its own: what must be refused before the write.

Pass2U (``PUT {"voided": true}``) and PassEntry (``passAction: deactivate``) redeem a pass by
ending it, a write that succeeds just as well on a pass that was already ended, expired or
deleted. So the provider reads the pass first and refuses, as a vendor with a real redeem would,
what a redeem cannot do; :func:`refuse_unredeemable` is that one check.
"""

from __future__ import annotations

from walletpass.errors import AlreadyRedeemed, NotFound, PassExpired
from walletpass.model import IssuedPass, PassStatus

__all__ = ["refuse_unredeemable"]


def refuse_unredeemable(current: IssuedPass, *, provider: str, operation: str = "redeem") -> None:
    """Return when ``current`` (the pass as just read) may be redeemed; raise otherwise.

    :param current: the pass as a ``get`` right before the redeem reports it.
    :param provider: the provider name the error carries.
    :raises NotFound: the pass was deleted (PassEntry: nullified).
    :raises PassExpired: its expiry has passed.
    :raises AlreadyRedeemed: it was redeemed (voided, deactivated) before.
    """
    error: type[NotFound | PassExpired | AlreadyRedeemed]
    if current.status is PassStatus.DELETED:
        error, why = NotFound, "was deleted"
    elif current.status is PassStatus.EXPIRED:
        error, why = PassExpired, f"expired at {current.expires_at}"
    elif current.status in (PassStatus.VOIDED, PassStatus.REDEEMED):
        error, why = AlreadyRedeemed, "was already redeemed (voided)"
    else:
        return
    # The vendor's own word for the state ("nullified", "deactivated"), where the read kept it.
    vendor = current.meta.get("vendor_status")
    said = f" (the vendor's status: {vendor})" if isinstance(vendor, str) and vendor else ""
    raise error(f"pass {current.id!r} {why}{said}", provider=provider, operation=operation)
