"""When to ask again about a vendor job that finishes in the background (an asynchronous batch).

A fixed interval makes every job look up to one whole interval slower than it is: a batch that
finishes 0.1 s after a poll is noticed ``interval - 0.1`` s later. A bulk run made of several
batches pays that once per batch. The schedule below asks early while nothing is known, then
aims at the moment the job's own progress predicts it will end, and never waits longer than the
interval the user configured, so it costs a few extra status reads per batch at most.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The first pause: short, so a small batch is noticed finished almost as soon as it is.
FIRST_PAUSE = 0.25
#: Never poll more often than this, however close the predicted end.
SHORTEST_PAUSE = 0.05
#: Aim slightly past the predicted end, so one poll usually finds the job complete.
MARGIN = 1.05


class PollSchedule:
    """Pauses between polls of one or more jobs started together at ``started`` (monotonic)."""

    def __init__(self, longest: float, started: float) -> None:
        self.longest = longest
        self.started = started
        self._blind = min(FIRST_PAUSE, longest)

    def next_pause(self, pending: Iterable[tuple[int, int]], now: float) -> float:
        """Seconds to wait before the next poll, given ``(done, total)`` of each unfinished job.

        With progress to go by, the pause lasts until the soonest job's predicted end; before
        any progress, pauses double from :data:`FIRST_PAUSE`; always within
        ``[SHORTEST_PAUSE, longest]`` (``longest`` alone when it is shorter still).
        """
        elapsed = max(now - self.started, 1e-6)
        predictions = [
            (total - done) * elapsed / done * MARGIN for done, total in pending if 0 < done < total
        ]
        if predictions:
            pause = min(predictions)
        else:
            pause = self._blind
            self._blind = min(self._blind * 2, self.longest)
        return min(max(pause, SHORTEST_PAUSE), self.longest)
