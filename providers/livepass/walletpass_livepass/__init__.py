"""walletpass provider for LivePass (getlivepass.com): passes keyed by your own id.

>>> import walletpass
>>> wallet = walletpass.connect("livepass", api_key="...")           # doctest: +SKIP
>>> wallet.create(walletpass.Pass(template="reservation", external_id="1003",
...                               event={"title": "Health Check-up"}))  # doctest: +SKIP

LivePass is not Livepasses (livepasses.com), a different vendor with its own provider. Its API has
one upsert and one read per pass type (reservation, membership-card, appointment); walletpass
merges updates into the current pass and refuses what LivePass cannot do. See
docs/providers/livepass.md.
"""

from __future__ import annotations

from walletpass_livepass.provider import LivePassProvider, LivePassSettings

__all__ = ["LivePassProvider", "LivePassSettings"]
