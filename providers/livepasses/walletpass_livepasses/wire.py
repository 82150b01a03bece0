"""Livepasses request construction and the answer envelope, shared by every operation.

Paths are built here with their ids URL-quoted, and each request carries a ``path_template`` (ids
replaced by placeholders) so logs never show pass ids. Every POST and PUT carries a JSON body,
``{}`` when there is nothing to say: the API's framework answers 415 to a DTO-binding POST without
one, and the SDK itself sends ``{}`` to ``/stamp`` and ``/unstamp`` for that reason.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from walletpass.paths import FilledPath, fill_path
from walletpass.retry import Safety
from walletpass.transport import VendorRequest

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
    if ids:
        template = base
        for placeholder, _ in ids:
            template += "/{" + placeholder + "}"
        path = fill_path(template + "/" + tail if tail else template, **dict(ids))
    else:
        path = _fixed_path(base + "/" + tail if tail else base)
    # Booleans are spelled ``true``/``false`` by the transport, as the SDK sends them.
    params = {key: value for key, value in query.items() if value is not None} if query else None
    if method in ("POST", "PUT") and body is None:
        body = {}
    if body is None:
        return VendorRequest(
            method, path.path, safety, query=params or None, path_template=path.template
        )
    return VendorRequest(
        method, path.path, safety, query=params or None, json=body, path_template=path.template
    )


@functools.lru_cache(maxsize=64)  # the few endpoints without an id in their path
def _fixed_path(template: str) -> FilledPath:
    """The path of an endpoint without ids: the same for every call, so filled once (its
    templates are this package's constants, never an answer's or a caller's text)."""
    return fill_path(template)


def envelope(body: Any) -> Mapping[str, Any]:
    """The ``{success, data | items, ...}`` object every answer is wrapped in."""
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not a Livepasses envelope (a JSON object)")
    return body
