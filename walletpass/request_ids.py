"""The response headers that carry a vendor's request id, unless a provider declares its own.

Apart from :mod:`walletpass.sending` (which reads them) so that declaring a provider
(:attr:`walletpass.contract.ProviderContract.request_id_headers`) does not load the HTTP side:
the fake never sends, and ``import walletpass`` plus its first ``create`` stay cheap.
"""

from __future__ import annotations

__all__ = ["DEFAULT_REQUEST_ID_HEADERS"]

#: Lower-case names, tried in order.
DEFAULT_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-trace-id")
