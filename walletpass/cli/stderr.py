"""Everything ``walletpass`` writes to stderr: notes, warnings, per-row reports and the error.

For people each is one line, ``walletpass: <level>: <message>``. With ``--json`` each is one JSON
object on its own line (JSON Lines), so a script can read stderr as it reads stdout; the error, if
any, is the last line and has a stable shape (see :func:`error_object` and docs/cli.md):

``{"level": "error", "type": ..., "provider": ..., "operation": ..., "message": ...,
"problems": [{"field": ..., "message": ...}], "retryable": ..., "outcome_unknown": ...,
"request_id": ..., "exit_status": ...}``

Every message is redacted and made printable first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "ERROR_KEYS",
    "InterruptedAfterSending",
    "error",
    "error_object",
    "json_mode",
    "one_line",
    "report",
]

_json: ContextVar[bool] = ContextVar("walletpass_cli_json", default=False)

#: The keys of a ``--json`` error object, in order; tests and docs hold the shape to this.
ERROR_KEYS = (
    "level",
    "type",
    "provider",
    "operation",
    "message",
    "problems",
    "retryable",
    "outcome_unknown",
    "request_id",
    "exit_status",
)


def one_line(text: str) -> str:
    """Redacted, printable, on one line."""
    from walletpass.redaction import redact_text

    flat = " ".join(part.strip() for part in redact_text(text).splitlines() if part.strip())
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in flat)


@contextmanager
def json_mode(enabled: bool) -> Iterator[None]:
    """Report as JSON Lines for the duration of one command."""
    token = _json.set(enabled)
    try:
        yield
    finally:
        _json.reset(token)


def report(level: str, message: str, **fields: Any) -> None:
    """One note, warning or row report on stderr."""
    text = one_line(message)
    if _json.get():
        sys.stderr.write(json.dumps({"level": level, "message": text, **fields}) + "\n")
    else:
        sys.stderr.write(f"walletpass: {level}: {text}\n")
    sys.stderr.flush()


class InterruptedAfterSending(KeyboardInterrupt):
    """Ctrl-C pressed once a request of a change (``operation``) had been handed to the vendor:
    the change may have taken effect, and the error says so (``outcome_unknown``)."""

    outcome_unknown = True
    retryable = False

    def __init__(self, provider: str, operation: str, message: str | None = None) -> None:
        super().__init__(provider, operation)
        self.provider = provider
        self.operation = operation
        self.message = message or (
            f"interrupted after the {operation} had been sent to the vendor: it may have "
            "taken effect (check with 'walletpass get' or 'walletpass list' before running it "
            "again)"
        )

    def __str__(self) -> str:
        return self.message


def error_object(exc: BaseException | None, message: str, exit_status: int) -> dict[str, Any]:
    """The ``--json`` error: what failed, where, each field problem, and whether to retry."""
    problems = [
        {"field": getattr(p, "location", None), "message": one_line(str(getattr(p, "message", p)))}
        for p in getattr(exc, "problems", ()) or ()
    ]
    provider = getattr(exc, "provider", None)
    operation = getattr(exc, "operation", None)
    request_id = getattr(exc, "request_id", None)
    return {
        "level": "error",
        "type": _type_name(exc),
        "provider": provider if isinstance(provider, str) else None,
        "operation": operation if isinstance(operation, str) else None,
        "message": one_line(message),
        "problems": problems,
        "retryable": bool(getattr(exc, "retryable", False)),
        "outcome_unknown": bool(getattr(exc, "outcome_unknown", False)),
        "request_id": request_id if isinstance(request_id, str) else None,
        "exit_status": exit_status,
    }


def _type_name(exc: BaseException | None) -> str:
    if exc is None:
        return "Error"
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt"  # (whether or not a change had been sent: outcome_unknown)
    return type(exc).__name__


def error(
    message: str, exc: BaseException | None, exit_status: int, *, plain: str | None = None
) -> None:
    """The command's one error, last on stderr; ``plain`` is the message without the
    ``[provider.operation]`` prefix, which the JSON object gives as fields."""
    if _json.get():
        shown = error_object(exc, message if plain is None else plain, exit_status)
        sys.stderr.write(json.dumps(shown) + "\n")
    else:
        sys.stderr.write(f"walletpass: error: {one_line(message)}\n")
    sys.stderr.flush()
