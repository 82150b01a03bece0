"""walletpass provider for Pass2U (Pass API 2.0): Apple Wallet passes issued from dashboard models.

>>> import walletpass
>>> wallet = walletpass.connect("pass2u", api_key="...")       # doctest: +SKIP
>>> wallet.create(walletpass.Pass(template="1919", fields={"level": "GOLD"}))  # doctest: +SKIP

The model id is the template; ``IssuedPass.id`` packs model and pass ids ("1919.VT-2I77F5ADz").
Pass2U-only operations: ``upload_image``, ``download_pkpass``, ``reset_attribute``,
``reset_field`` and ``reset_field_attribute``. See docs/providers/pass2u.md.
"""

from __future__ import annotations

from walletpass_pass2u.provider import Pass2UProvider, Pass2USettings

__all__ = ["Pass2UProvider", "Pass2USettings"]
