"""The last step before a request leaves, after every wait: the check a caller sets for it.

A bulk run with a journal records an item *in flight* at the last moment before its request can
leave this process: after the rate limiter granted the slot, which may take seconds (many threads,
a vendor's ``Retry-After``). An item whose worker died before that moment is known to be unsent
(the journal never saw it leave), so another worker issues it after the claim's lease, even on a
vendor that cannot be asked whether a pass exists (Pass2U); only a request truly on the wire when
a worker dies stays an unknown outcome. The same check stops a worker that stalled in that wait (a
paused VM, a stopped process) past its lease: another worker has taken the item over, and the
stalled one, waking, must not send it a second time (the journal's claim is confirmed as it is
recorded, and again before every retry).

So the transports call :func:`walletpass.outcomes.note_dispatch` after the limiter and before each
attempt (it runs :func:`check_before_sending`, then counts the dispatch), a provider that reaches
its vendor another way calls it just before, and the bulk run sets the check for the item's
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
