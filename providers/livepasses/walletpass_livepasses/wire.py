"""Livepasses request construction and the answer envelope, shared by every operation.

Paths are built here with their ids URL-quoted, and each request carries a ``path_template`` (ids
replaced by placeholders) so logs never show pass ids. Every POST and PUT carries a JSON body,
``{}`` when there is nothing to say: the API's framework answers 415 to a DTO-binding POST without
one, and the SDK itself sends ``{}`` to ``/stamp`` and ``/unstamp`` for that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from walletpass.paths import fill_path
from walletpass.retry import Safety
from walletpass.transport import NO_BODY, VendorRequest

__all__ = [
    "PASSES",
    "TEMPLATES",
    "WEBHOOKS",
    "envelope",
    "request",
]

PASSES = "/api/passes"
TEMPLATES = "/api/templates"
WEBHOOKS = "/api/webhooks"


def request(
    method: str,
    base: str,
    safety: Safety,
    *,
    ids: tuple[tuple[str, str], ...] = (),
    tail: str = "",
    query: Mapping[str, Any] | None = None,
    body: Any = None,
) -> VendorRequest:
    """``base`` + ``/{id}`` segments + ``tail``; POST/PUT always get a body (``{}`` at least).

    ``ids`` are (placeholder, value) pairs, e.g. ``(("passId", "p-0193"),)``.
    """
    template = base
    for placeholder, _ in ids:
        template += "/{" + placeholder + "}"
    # (fill_path reads each template once and fills one without ids once: no cache here)
    path = fill_path(template + "/" + tail if tail else template, **dict(ids))
    # Booleans are spelled ``true``/``false`` by the transport, as the SDK sends them.
    params = {key: value for key, value in query.items() if value is not None} if query else None
    if body is None:
        body = {} if method in ("POST", "PUT") else NO_BODY
    return VendorRequest(
        method, path.path, safety, query=params or None, json=body, path_template=path.template
    )


def envelope(body: Any) -> Mapping[str, Any]:
    """The ``{success, data | items, ...}`` object every answer is wrapped in."""
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not a Livepasses envelope (a JSON object)")
    return body
