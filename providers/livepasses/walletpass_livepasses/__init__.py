"""walletpass provider for Livepasses: wallet passes from templates, batches, redemption verbs.

>>> import walletpass
>>> wallet = walletpass.connect("livepasses", api_key="lp_live_...")      # doctest: +SKIP
>>> ticket = walletpass.Pass(template="tmpl-001", kind="event_ticket",
...                          holder=walletpass.Holder(name="Alice Smith"),
...                          fields={"sectionInfo": "VIP", "seatNumber": "1"})
>>> wallet.create(ticket)                                                 # doctest: +SKIP

The template is the Livepasses template id; ``IssuedPass.id`` is the Livepasses pass id.
Livepasses-only operations (lookup, validate, check_in, redeem_coupon, loyalty_transact, stamp,
templates, webhooks, ...) are methods of :class:`LivepassesProvider`; see
docs/providers/livepasses.md.
"""

from __future__ import annotations

from walletpass_livepasses.operations import LivepassesSettings
from walletpass_livepasses.provider import LivepassesProvider

__all__ = ["LivepassesProvider", "LivepassesSettings"]
