"""Masking of credentials wherever data might be shown to a person or a log.

Vendors echo request parts in error bodies and users paste exceptions into tickets, so anything
that leaves walletpass in text form passes through here first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

#: Keys whose values are secret whatever they contain (compared case-insensitively, without
#: ``-`` and ``_``).
SECRET_KEY_MARKERS = (
    "apikey",
    "authorization",
    "token",
    "secret",
    "password",
    "passcode",
    "credential",
    "signature",
    "cookie",
)

_registry_lock = threading.Lock()
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked even where it appears inside free text."""
    if value and len(value) >= 4:
        with _registry_lock:
            _known_secrets.add(value)


def is_secret_key(key: str) -> bool:
    normalised = re.sub(r"[-_\s]", "", key).lower()
    return any(marker in normalised for marker in SECRET_KEY_MARKERS)


def redact_text(text: str) -> str:
    """Replace every registered secret that occurs in ``text``."""
    with _registry_lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret keys masked and registered secrets removed from strings."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        return {
            str(k): (MASK if is_secret_key(str(k)) and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    return redact_text(str(value))


def redact_headers(
    headers: Mapping[str, str], extra_secret_names: Iterable[str] = ()
) -> dict[str, str]:
    """Headers safe to show: credentials masked, by name and by value."""
    secret_names = {name.lower() for name in extra_secret_names}
    shown: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in secret_names or is_secret_key(name):
            shown[name] = MASK
        else:
            shown[name] = redact_text(value)
    return shown


class RedactedException(Exception):
    """Stands in, as a ``__cause__``, for an exception whose text held a credential."""


def scrub_exception(exc: BaseException) -> BaseException:
    """``exc`` itself when no text in its chain holds a registered secret, else a stand-in.

    The stand-in keeps the type name, the redacted message and the traceback (frames show code,
    not values), and drops the chain: chained exceptions are printed with tracebacks and may carry
    the same vendor echo.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        for text in (str(current), repr(current)):
            if redact_text(text) != text:
                stand_in = RedactedException(redact_text(f"{type(exc).__name__}: {exc}"))
                return stand_in.with_traceback(exc.__traceback__)
        pending += [current.__cause__, current.__context__]
    return exc
