"""What a forked child process must not keep of its parent's objects.

gunicorn's ``--preload``, Celery's prefork pool and ``multiprocessing``'s fork start method make
worker processes by forking a parent that may already have set up a provider. The child then
holds copies of the parent's open sockets: two processes writing requests on one keep-alive
connection and reading each other's answers (a 400, a lost connection, or another request's pass).
An object holding such state registers here and is told, in every child right after the fork,
to drop it (it then connects afresh when next used); the parent is not disturbed.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol

__all__ = ["ForkAware", "register"]


class ForkAware(Protocol):
    def after_fork_in_child(self) -> None:
        """Forget what belongs to the parent process (connections, locks); never raises."""


_owners: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def register(owner: ForkAware) -> None:
    """Have ``owner.after_fork_in_child()`` called in every process forked from this one for as
    long as ``owner`` lives (held weakly)."""
    _owners.add(owner)


def _in_child() -> None:
    for owner in list(_owners):
        owner.after_fork_in_child()


os.register_at_fork(after_in_child=_in_child)
