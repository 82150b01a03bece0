"""The ``IssuedPass.meta`` a LivePass answer carries, as the fake's LivePass profile reports it.

LivePass answers a write (``POST /pass``) with ``message`` "Pass requested" and a read
(``GET /pass``) with "Pass retrieved" (vendor API reference, the example answers), and its
``body`` echoes the ``silent`` the last write sent (:data:`walletpass_livepass.payloads.META_KEYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from walletpass.behaviour import MetaFacts
from walletpass.model import IssuedPass

#: ``message`` per answer: a write's, a read's.
WRITE_MESSAGE = "Pass requested"
READ_MESSAGE = "Pass retrieved"


def profile_meta(issued: IssuedPass, facts: MetaFacts) -> Mapping[str, Any]:
    """``{message, silent}`` of ``issued`` in ``facts.answer``: a write is silent unless it
    notified the holder (the provider's default settings never do: ``notify_on_create`` and
    ``notify_on_update`` are off); a read echoes the last write's."""
    read = facts.answer in ("get", "list")
    if facts.change is not None:
        notified = facts.change.notify is True
    elif read:
        # (the last update's notify, whether or not it had a message: LivePass takes none)
        notified = facts.kept.meta.get("notify") is True
    else:
        notified = False
    return {"message": READ_MESSAGE if read else WRITE_MESSAGE, "silent": not notified}
