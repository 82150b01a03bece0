"""Masking of credentials wherever data might be shown to a person or a log.

Vendors echo request parts in error bodies and users paste exceptions into tickets, so anything
that leaves walletpass in text form passes through here first.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

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
# Every form of every registered secret, longest first (so a form inside a longer one never
# leaves the rest of the longer one showing); rebuilt when a secret is registered.
_forms_cache: dict[str, tuple[str, ...]] = {}


def secret_forms(secret: str) -> set[str]:
    """Every way ``secret`` can be printed by Python, JSON, HTTP or HTML.

    A key is rarely printed as itself: ``repr()`` and tracebacks escape it (``\\n``, ``\\xe9``),
    JSON escapes it (``\\u00e9``, ``\\"``), a query string or a proxy URL percent-encodes it (in
    either hex case), an HTML error page entity-escapes it, HTTP header values are decoded as
    Latin-1, and ``repr(bytes)`` shows its UTF-8 bytes. Masking only the raw text would miss them.
    """
    forms = {secret}
    escaped = {
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.encode("unicode_escape", "backslashreplace").decode("ascii"),
    }
    # repr() picks its quote by the whole string's content: inside a longer text, a quote in the
    # secret may come out escaped.
    escaped |= {form.replace(q, "\\" + q) for form in list(escaped) for q in "'\""}
    forms |= escaped
    # Escaped twice: a repr of a message that already held a repr (exception chains, JSON logs).
    forms |= {repr(form)[1:-1] for form in escaped} | {json.dumps(form)[1:-1] for form in escaped}
    raw = secret.encode("utf-8", "surrogatepass")
    forms.add(repr(raw)[2:-1])
    forms.add(raw.decode("latin-1"))
    # (Percent escapes upper-case, \\x and \\u escapes lower-case: redact_text compares text
    # in that case, so a vendor's other spelling matches too.)
    forms |= {quote(secret, safe=""), quote(secret), quote_plus(secret, safe="")}
    import html  # only when a secret is registered

    forms.add(html.escape(secret))
    forms.add(html.escape(secret, quote=False))
    # Vendors echo a key in other spellings too: upper or lower case, hex, and base64 (a
    # decoded Basic/Bearer header, a token dump), standard or URL-safe, within longer data.
    forms |= {secret.upper(), secret.lower(), raw.hex(), raw.hex().upper()}
    forms |= _base64_forms(raw)
    return {form for form in forms if form}


#: Shortest base64 run taken as a key's: shorter runs could match unrelated text.
_MIN_BASE64 = 8


def _base64_forms(raw: bytes) -> set[str]:
    """``raw`` in base64, alone and inside longer data: at each of the three byte alignments
    the characters that depend on ``raw``'s bytes only (the groups shared with the bytes
    around it vary, so they are left out), standard and URL-safe."""
    forms = {base64.b64encode(raw).decode("ascii")}
    for shift in range(3):
        data = b"\0" * shift + raw
        encoded = base64.b64encode(data).decode("ascii")
        core = encoded[4 if shift else 0 : (len(data) // 3) * 4]
        if len(core) >= _MIN_BASE64:
            forms.add(core)
    forms |= {form.rstrip("=") for form in forms}
    forms |= {form.translate(_URLSAFE) for form in forms}
    return {form for form in forms if len(form) >= _MIN_BASE64}


_URLSAFE = str.maketrans("+/", "-_")


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked, in every printed form, even inside free text."""
    if value and len(value) >= 4:
        with _registry_lock:
            if value not in _known_secrets:
                _known_secrets.add(value)
                _forms_cache.clear()


def _all_forms() -> tuple[str, ...]:
    with _registry_lock:
        forms = _forms_cache.get("all")
        if forms is None:
            every: set[str] = set()
            for secret in _known_secrets:
                every |= secret_forms(secret)
            forms = _forms_cache["all"] = tuple(sorted(every, key=len, reverse=True))
        return forms


def unfit_for_secret(value: str) -> str | None:
    """Why ``value`` cannot be a credential (whitespace or a control character), else ``None``.

    Such a character is a copy-and-paste accident (a trailing newline from a file, a tab, a
    zero-width space), and it is what makes the HTTP stack print the value in its error.
    """
    for char in value:
        if char.isspace() or unicodedata.category(char).startswith(("C", "Z")):
            what = "whitespace" if char.isspace() else "a control or invisible character"
            return f"contains {what} (U+{ord(char):04X}); check for a stray newline or space"
    return None


@functools.lru_cache(maxsize=4096)  # answers repeat the same few keys: decided once each
def is_secret_key(key: str) -> bool:
    normalised = re.sub(r"[-_\s]", "", key).lower()
    return any(marker in normalised for marker in SECRET_KEY_MARKERS)


# Escapes whose hex digits may come in either case; secret_forms gives the canonical case, and
# text is compared in that case (same length, so positions carry over to the original text).
_HEX_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})")


def _canonical_case(match: re.Match[str]) -> str:
    escape = match.group()
    return escape.upper() if escape.startswith("%") else escape[:2] + escape[2:].lower()


def redact_text(text: str) -> str:
    """Replace every registered secret, in any of its :func:`secret_forms`, in ``text``."""
    forms = _all_forms()
    if not forms:
        return text
    canonical = _HEX_ESCAPES.sub(_canonical_case, text) if ("%" in text or "\\" in text) else text
    if canonical == text:
        # Substring tests run at C speed; a regex alternation of every form would not.
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return text
    # Mixed-case escapes: find the forms in the canonical copy, mask those spans of the original.
    hidden = bytearray(len(text))
    for form in forms:
        start = canonical.find(form)
        while start != -1:
            hidden[start : start + len(form)] = b"\x01" * len(form)
            start = canonical.find(form, start + 1)
    shown: list[str] = []
    index = 0
    while index < len(text):
        if hidden[index]:
            end = hidden.find(b"\x00", index)
            index = len(text) if end == -1 else end
            shown.append(MASK)
        else:
            end = hidden.find(b"\x01", index)
            end = len(text) if end == -1 else end
            shown.append(text[index:end])
            index = end
    return "".join(shown)


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
        # Attributes too: a JSONDecodeError keeps the whole document (``doc``), a
        # UnicodeDecodeError the whole bytes (``object``): a vendor's echo of the key, perhaps.
        attributes = [getattr(current, name, None) for name in ("doc", "object")]
        attributes.append(getattr(current, "__dict__", None))
        for text in (str(current), repr(current), *(repr(a) for a in attributes if a)):
            if redact_text(text) != text:
                stand_in = RedactedException(redact_text(f"{type(exc).__name__}: {exc}"))
                return stand_in.with_traceback(exc.__traceback__)
        pending += [current.__cause__, current.__context__]
    return exc
