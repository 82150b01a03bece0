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
    "PASS",
    "PASSES",
    "TEMPLATE",
    "TEMPLATES",
    "WEBHOOKS",
    "envelope",
    "request",
]

PASSES = "/api/passes"
TEMPLATES = "/api/templates"
WEBHOOKS = "/api/webhooks"
#: One pass, one template: the paths their operations extend.
PASS = PASSES + "/{passId}"
TEMPLATE = TEMPLATES + "/{templateId}"


def request(
    method: str,
    template: str,
    safety: Safety,
    *,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    **ids: str,
) -> VendorRequest:
    """``template`` filled with ``ids`` (each ``{name}`` by ``ids[name]``, quoted as one path
    segment: :func:`walletpass.paths.fill_path`); POST/PUT always get a body (``{}`` at least).

    E.g. ``request("GET", f"{PASS}/validate", Safety.SAFE, passId="p-0193")``.
    """
    # (fill_path reads each template once and fills one without ids once: no cache here)
    path = fill_path(template, **ids)
    # Booleans are spelled ``true``/``false`` by the transport, as the SDK sends them.
    params = None
    if query:
        params = {key: value for key, value in query.items() if value is not None} or None
    if body is None:
        body = {} if method in _WITH_BODY else NO_BODY
    return VendorRequest(method, path.path, safety, params, body, path_template=path.template)


#: The methods whose requests always carry a body (see the module's docstring).
_WITH_BODY = frozenset({"POST", "PUT"})


def envelope(body: Any) -> Mapping[str, Any]:
    """The ``{success, data | items, ...}`` object every answer is wrapped in."""
    if type(body) is not dict and not isinstance(body, Mapping):  # (JSON's: no ABC check)
        raise ValueError("the answer is not a Livepasses envelope (a JSON object)")
    return body
