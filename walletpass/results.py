"""What redeem and create_many report: :class:`Redemption`, :class:`BulkItem`, :class:`BulkResult`.

Part of the neutral model (:mod:`walletpass.model`, which names them and is their home for
pickles, reprs and imports): kept apart so that a process that only issues and reads passes
does not build them at import (each pydantic class costs 1 to 2 M instructions to make; see
tests/test_startup.py).
"""

# No ``from __future__ import annotations``, as in walletpass.model: pydantic reads the
# annotations as Python evaluated them.
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from walletpass.model import IssuedPass, NeutralModel, PassStatus

__all__ = ["BulkItem", "BulkResult", "Redemption"]

#: Their home is walletpass.model (``walletpass.model.BulkResult``): a pickle, a repr and the
#: reference documentation name them there.
_HOME = "walletpass.model"


class Redemption(NeutralModel):
    """The result of redeeming (using, checking in, voiding) a pass."""

    __module__ = _HOME

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    #: The ``IssuedPass.id`` of the pass redeemed.
    pass_id: str
    #: The name of the provider that redeemed it (``Provider.name``).
    provider: str
    #: ``REDEEMED`` when the pass was used up; ``ACTIVE`` after a spend from its balance or a
    #: use that leaves a multi-use pass usable.
    status: PassStatus
    #: When the vendor recorded it, where its answer says.
    redeemed_at: datetime | None = None
    #: What was spent, in the balance's unit (points, or the currency's main unit: ``2.50`` is
    #: two and a half euros). A redeem without an amount: ``None``, or ``1`` where the vendor
    #: counts uses (a loyalty stamp).
    amount: Decimal | None = None
    #: The balance left after ``redeem(id, amount=X)``, in the same unit, where the vendor
    #: reports it; ``None`` after a redeem without an amount on every provider (uses left, where
    #: a vendor tells them, are in ``meta``: each provider's page names the key).
    remaining: Decimal | None = None
    #: The vendor's verb for what it did, e.g. ``check-in``.
    method: str | None = Field(default=None, description="the vendor verb used, e.g. check-in")
    #: How the vendor did it, in its own terms (e.g. ``vendor_status``: ``"voided"``).
    meta: dict[str, Any] = Field(default_factory=dict)
    #: What the vendor answered, for anything the neutral model does not cover.
    raw: Any = None


class BulkItem(NeutralModel):
    """One input item's outcome in a bulk run."""

    __module__ = _HOME

    model_config = ConfigDict(defer_build=True, frozen=True, arbitrary_types_allowed=True)

    index: int
    external_id: str | None = None
    issued: IssuedPass | None = None
    error: Any = None  # a WalletPassError; typed loosely so the model stays serialisable
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Issued, now or by an earlier run recorded in the journal (then ``skipped``)."""
        return self.error is None


class BulkResult(NeutralModel):
    """Per-item outcomes of ``create_many``, in input order, with counts.

    With ``keep_items=False`` (very large runs that stream outcomes to ``on_item``) ``items`` stays
    empty and only the counts are kept.
    """

    __module__ = _HOME

    model_config = ConfigDict(defer_build=True, frozen=True, arbitrary_types_allowed=True)

    items: list[BulkItem]
    #: (total, succeeded, failed, skipped) as counted by the run; computed from items if absent.
    counts: tuple[int, int, int, int] | None = None

    @property
    def total(self) -> int:
        return self.counts[0] if self.counts else len(self.items)

    @property
    def succeeded(self) -> int:
        return self.counts[1] if self.counts else sum(1 for item in self.items if item.ok)

    @property
    def failed(self) -> int:
        return self.counts[2] if self.counts else self.total - self.succeeded

    @property
    def skipped(self) -> int:
        """Items a journal showed were settled by an earlier run (not sent again)."""
        return self.counts[3] if self.counts else sum(1 for item in self.items if item.skipped)

    @property
    def passes(self) -> list[IssuedPass]:
        return [item.issued for item in self.items if item.issued is not None]

    @property
    def errors(self) -> list[tuple[int, Any]]:
        return [(item.index, item.error) for item in self.items if item.error is not None]

    def raise_for_errors(self) -> None:
        """Raise the first item's error if any item failed."""
        for item in self.items:
            if item.error is not None:
                raise item.error

    def __iter__(self) -> Iterator[BulkItem]:  # type: ignore[override]  # iterate items, not fields
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
