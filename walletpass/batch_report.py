"""What a native batch reports to its caller while it runs: :class:`BatchReport`.

The contract hands ``plan_create_batch`` one of these instead of the caller's callbacks, so a
provider reports progress and accepted background jobs through plan steps without restating
the callbacks' shapes or the rule for calling them (:func:`walletpass.plans.report`: a step,
never a direct call, so the async driver can await a coroutine callback and a failing one
stops the plan with an honest ``outcome_unknown``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from walletpass.plans import Plan, report

__all__ = ["BatchReport"]


class BatchReport(NamedTuple):
    """The caller's callbacks for one native batch.

    Attributes:
        on_progress: ``on_progress(done, total)``, counts of passes, as the vendor reports
            progress; ``None``: not reported.
        on_accepted: ``on_accepted(positions, ticket)`` as soon as the vendor has taken the
            passes at ``positions`` (indexes into the batch) into a job that runs in the
            background, named by ``ticket`` (its batch id): a bulk journal records it, so a run
            that dies while the job runs can collect the outcomes through ``follow_batch``
            instead of guessing; ``None``: not reported.

    On ``walletpass.aio`` either may be a coroutine function (the driver awaits it).
    """

    on_progress: Callable[[int, int], Any] | None = None
    on_accepted: Callable[[Sequence[int], str], Any] | None = None

    def progress(self, done: int, total: int) -> Plan[None]:
        """Report ``done`` of ``total`` passes: ``yield from report.progress(done, total)``.

        :raises WalletPassError: the callback raised; ``outcome_unknown`` (the batch was sent).
        """
        return report(self.on_progress, done, total, name="on_progress", acted=True)

    def accepted(self, positions: Sequence[int], ticket: str) -> Plan[None]:
        """Report the passes at ``positions`` taken into background job ``ticket``:
        ``yield from report.accepted(positions, ticket)``.

        :raises WalletPassError: the callback raised; ``outcome_unknown`` (the vendor holds
            the job).
        """
        return report(self.on_accepted, positions, ticket, name="on_accepted", acted=True)
