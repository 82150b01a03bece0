"""walletpass provider for the (fictional) Acme Passes API v1: a template for plugin authors.

>>> import walletpass
>>> wallet = walletpass.connect("acme", api_key="ak_...")           # doctest: +SKIP
>>> wallet.create(walletpass.Pass(template="tpl_ticket", fields={"seat": "12B"}))  # doctest: +SKIP

Copy this distribution, rename ``acme`` / ``Acme`` to your vendor, and replace the declarations,
limits, hooks and emulator with what your vendor documents. See the walletpass guide "Writing a
provider plugin" (docs/plugins.md).
"""

from __future__ import annotations

from walletpass_acme.provider import AcmeProvider, AcmeSettings

__all__ = ["AcmeProvider", "AcmeSettings"]
