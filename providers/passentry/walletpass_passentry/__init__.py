"""walletpass provider for PassEntry (API v1): Apple and Google Wallet passes from templates.

>>> import walletpass
>>> wallet = walletpass.connect("passentry", api_key="...")          # doctest: +SKIP
>>> wallet.create(walletpass.Pass(template="a91c0e7d55f2b3c4d6e7f809", external_id="crm-1",
...                               fields={"stamps": "0"}))            # doctest: +SKIP

The template is the PassEntry template UUID; ``IssuedPass.id`` is the pass UUID. PassEntry-only
operations: ``deactivate``, ``reactivate``, ``download_pkpass``, ``google_save_url``,
``replace_locations`` and ``replace_beacons``. See docs/providers/passentry.md.
"""

from __future__ import annotations

from walletpass_passentry.provider import PassEntryProvider, PassEntrySettings

__all__ = ["PassEntryProvider", "PassEntrySettings"]
