"""The neutral event types, apart from the event models (:mod:`walletpass.events`).

Every provider class names the types it reports when it is defined; the models that carry an
event are built only when an event is (a delivery read, a fake's handler called), which keeps
them off the path of a process that never sees one.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PassEventType"]


class PassEventType(StrEnum):
    """The closed set of neutral event types (the union of what the vendors report)."""

    #: The pass was created (PassEntry ``passCreated``, Livepasses ``pass.created``).
    ISSUED = "issued"
    #: The holder added the pass to a wallet.
    INSTALLED = "installed"
    #: The holder removed the pass from a wallet.
    REMOVED = "removed"
    #: The pass's content changed.
    UPDATED = "updated"
    #: A reader scanned the pass (whether or not it was accepted).
    SCANNED = "scanned"
    #: The pass was used up (a ticket checked in, a coupon redeemed).
    REDEEMED = "redeemed"
    #: The pass passed its expiry.
    EXPIRED = "expired"
    #: The pass was invalidated (voided, cancelled, deactivated).
    VOIDED = "voided"
    #: The pass was deleted.
    DELETED = "deleted"
    #: Something the vendor reports that has no neutral meaning; see ``vendor_event``.
    OTHER = "other"
