"""The last step before a request leaves, after every wait: the check a caller sets for it.

A bulk run with a journal records an item *in flight* before its create runs (whatever runs it
may reach the vendor on a client of its own, which tells nobody), then, when the core transport
is about to wait for the rate limiter's slot (which may take seconds: many threads, a vendor's
``Retry-After``), *not sent* (:func:`walletpass.outcomes.note_waiting`), and in flight again at
the last moment before its request can leave this process, after the slot was granted. An item
whose worker died while it waited is known to be unsent, so another worker issues it after the
claim's lease, even on a vendor that cannot be asked whether a pass exists (Pass2U); a request
truly on the wire when a worker dies, or any moment of a create outside the core transport's
wait, stays an unknown outcome. The same check stops a worker that stalled in that wait (a
paused VM, a stopped process) past its lease: another worker has taken the item over, and the
stalled one, waking, must not send it a second time (the journal's claim is confirmed as it is
recorded, and again before every retry).

So the transports call :func:`walletpass.outcomes.note_waiting` before the limiter and
:func:`walletpass.outcomes.note_dispatch` after it, before each attempt (it runs
:func:`check_before_sending`, then counts the dispatch), a provider that reaches its vendor
another way calls ``note_dispatch`` just before, and the bulk run sets the check for the item's
request with :func:`checked_before_sending`.
"""

from __future__ import annotations

# (kept in walletpass.outcomes, beside the dispatch count it guards: the fake's path, which
# counts dispatches too, loads no module of the HTTP side)
from walletpass.outcomes import (
    check_before_sending,
    check_before_sending_async,
    checked_before_sending,
)

__all__ = ["check_before_sending", "check_before_sending_async", "checked_before_sending"]
