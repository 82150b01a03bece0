"""Calling the caller's callbacks from a plan's :class:`~walletpass.plans.Call` step.

A progress callback is the caller's code: whatever it raises must not escape as anything but a
walletpass error, and an asyncio caller may hand a coroutine function, which only the async
driver can await. Both drivers carry the step out here, so the rules are written once:

* the sync driver (:func:`call_back`) calls the callback; one that returns an awaitable (a
  coroutine function given to the sync API) is refused with a ``ValidationError`` naming it, and
  the coroutine is closed unrun;
* the async driver (:func:`acall_back`) calls it and awaits what it returns when that is
  awaitable;
* a callback that raises a walletpass error raises it as it is (a journal's ``JournalError``
  stays one); anything else becomes a ``WalletPassError`` naming the callback (``code``
  ``"callback_failed"``), its cause a redacted stand-in.
"""

from __future__ import annotations

import inspect
from typing import Any

from walletpass.errors import FieldProblem, ValidationError, WalletPassError
from walletpass.plans import Call
from walletpass.redaction import raise_scrubbed, scrub_exception

__all__ = ["acall_back", "call_back"]


def call_back(step: Call) -> None:
    """Carry out ``step`` on the sync API.

    :raises ValidationError: the callback returned an awaitable (use ``walletpass.aio`` for a
        coroutine callback).
    :raises WalletPassError: the callback raised.
    """
    result = _called(step)
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if callable(close):
            close()  # never run: no "coroutine was never awaited" warning either
        raise ValidationError.from_problems(
            [
                FieldProblem(
                    step.name,
                    "returned an awaitable: the sync API calls plain functions; await the "
                    "operation on walletpass.aio to pass a coroutine function",
                )
            ]
        )


async def acall_back(step: Call) -> None:
    """Carry out ``step`` on the async API: the callback's awaitable, awaited.

    :raises WalletPassError: the callback (or what it returned) raised.
    """
    result = _called(step)
    if inspect.isawaitable(result):
        try:
            await result
        except WalletPassError:
            raise
        except Exception as exc:
            raise_scrubbed(_failed(step, exc), exc)


def _called(step: Call) -> Any:
    try:
        return step.callback(*step.args)
    except WalletPassError:
        raise
    except Exception as exc:
        problem = exc
    raise _failed(step, problem) from scrub_exception(problem)


def _failed(step: Call, exc: Exception) -> WalletPassError:
    return WalletPassError(
        f"the {step.name} callback raised {type(exc).__name__}: {exc}; the operation stopped there",
        code="callback_failed",
    )
