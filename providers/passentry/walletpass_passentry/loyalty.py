"""PassEntry loyalty balances: the requests and the answer, pure (no sending).

Documented (docs.passentry.com, later findings): ``GET`` and ``PATCH /api/v1/loyalty/{id}``; the
PATCH body takes ``balance`` (a signed integer delta), ``overrideBalance`` (set the balance
outright) and ``message``; the answer carries ``meta.loyalty.balance``.

*Inferred* (not shown by the documentation; see :data:`INFERRED`): ``{id}`` is the pass's UUID or
extId, the keys sit at the top level of the body, ``overrideBalance`` takes the new balance as an
integer, only store-card (loyalty) passes have a balance, and the GET answer carries
``meta.loyalty.balance`` like the PATCH answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from walletpass.paths import FilledPath, fill_path
from walletpass.retry import Safety
from walletpass.transport import VendorRequest, VendorResponse
from walletpass_passentry import limits

__all__ = ["INFERRED", "balance_of", "read_request", "write_request"]

#: The wire details of the loyalty endpoints PassEntry's documentation does not show.
INFERRED = (
    "the path id is the pass UUID or extId",
    "balance / overrideBalance / message are top-level body keys",
    "overrideBalance takes the new balance (an integer)",
    "only store-card passes have a balance",
    "GET answers carry meta.loyalty.balance like PATCH answers",
)


def _path(pass_id: str) -> FilledPath:
    return fill_path(f"{limits.API_PREFIX}/{limits.LOYALTY_PATH}/{{id}}", id=pass_id)


def _request(method: str, pass_id: str, safety: Safety, body: Any = None) -> VendorRequest:
    url, template = _path(pass_id)
    extra: dict[str, Any] = {} if body is None else {"json": body}
    return VendorRequest(
        method, url, safety, path_template=template, rate_key=f"{method} {template}", **extra
    )


def read_request(pass_id: str) -> VendorRequest:
    """``GET /api/v1/loyalty/{id}``."""
    return _request("GET", pass_id, Safety.SAFE)


def write_request(
    pass_id: str, *, set_to: int | None = None, delta: int | None = None, message: str | None = None
) -> VendorRequest:
    """``PATCH /api/v1/loyalty/{id}``: ``overrideBalance`` (``set_to``, repeatable) or a signed
    ``balance`` delta (never repeated blindly: a second one moves the balance again)."""
    if (set_to is None) == (delta is None):
        raise ValueError("give exactly one of set_to and delta")
    body: dict[str, Any] = (
        {limits.LOYALTY_OVERRIDE_KEY: set_to}
        if set_to is not None
        else {limits.LOYALTY_DELTA_KEY: delta}
    )
    if message is not None:
        body[limits.LOYALTY_MESSAGE_KEY] = message
    # A message is pushed to the holder each time the request is processed.
    repeatable = set_to is not None and message is None
    return _request("PATCH", pass_id, Safety.IDEMPOTENT if repeatable else Safety.UNSAFE, body)


def balance_of(response: VendorResponse) -> Decimal:
    """``meta.loyalty.balance`` of an answer (``ValueError`` when it is not an integer)."""
    answer = response.json()
    meta = answer.get("meta") if isinstance(answer, Mapping) else None
    loyalty = meta.get("loyalty") if isinstance(meta, Mapping) else None
    balance = loyalty.get("balance") if isinstance(loyalty, Mapping) else None
    if isinstance(balance, str) and balance.lstrip("-").isdigit():  # scans send "5"
        balance = int(balance)
    if isinstance(balance, bool) or not isinstance(balance, int):
        raise ValueError("the answer has no integer meta.loyalty.balance")
    return Decimal(balance)
