"""Which vendor account a provider works for, without its credentials.

One vendor account (one API key) has one rate limit and one set of passes. The shared rate limiter
keys its budget by it, and a bulk journal records it, so that a run begun with one API key is not
taken for done by another (its passes live in the first account). The account is a SHA-256 digest
of the provider's credentials (the values of its auth headers): never the credentials themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Protocol

__all__ = ["account_of", "credentials_digest"]


class _HasCredentials(Protocol):
    def auth_headers(self) -> dict[str, str]: ...


def credentials_digest(credentials: Iterable[str]) -> str:
    """32 hex digits naming the account that ``credentials`` (auth header values, any order)
    authenticate; the same credentials always give the same digest."""
    return hashlib.sha256("\0".join(sorted(credentials)).encode()).hexdigest()[:32]


def account_of(provider: _HasCredentials) -> str:
    """The digest of ``provider``'s credentials (:func:`credentials_digest`). Raises what
    ``provider.auth_headers()`` raises (``ConfigurationError`` naming a missing API key)."""
    return credentials_digest(provider.auth_headers().values())
