"""Verifying webhook deliveries, once for every provider.

Every check a provider needs to trust a delivery lives here: the signature (an HMAC compared in
constant time), the replay window (the payload's own timestamp against the receiver's clock) and
the bounds on what is read. Providers say *which* header, key and encoding their vendor uses;
they never compare signatures themselves.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from walletpass.errors import FieldProblem, ValidationError, WebhookError, WebhookVerificationError
from walletpass.nesting import MAX_JSON_DEPTH, nests_deeper_than

__all__ = [
    "DEFAULT_TOLERANCE",
    "MAX_TOLERANCE",
    "MAX_WEBHOOK_BYTES",
    "MAX_WEBHOOK_DEPTH",
    "check_fresh",
    "check_tolerance",
    "header",
    "hmac_sha256",
    "lower_headers",
    "payload_list",
    "payload_object",
    "payload_text",
    "read_json",
    "secret_bytes",
    "timestamp",
    "verify_hmac_sha256",
]

#: The replay window: a delivery whose payload timestamp is further than this from now (in
#: either direction) is refused as stale. Seconds; configurable per call.
DEFAULT_TOLERANCE = 300.0

#: The widest replay window accepted (a year, in seconds): a wider one rules out no replay that
#: matters, so turn the check off explicitly (``tolerance=None``) instead.
MAX_TOLERANCE = 365 * 24 * 3600.0

#: Deliveries larger than this are refused unread (a pass event is a few kilobytes).
MAX_WEBHOOK_BYTES = 1 << 20

#: The deepest nesting of objects and arrays a delivery may have (the document itself is level
#: 1; PassEntry's JSON:API event is 5 deep): the bound of every JSON walletpass reads from a
#: vendor (:data:`walletpass.nesting.MAX_JSON_DEPTH`, which says why).
MAX_WEBHOOK_DEPTH = MAX_JSON_DEPTH


def lower_headers(headers: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Header names lower-cased (HTTP names are case-insensitive); values as text.

    A name given more than once (in any case) keeps every value, joined with ``", "`` in the
    order received, as HTTP combines repeated fields (RFC 9110 §5.3): a signature header sent
    twice is then one value that matches no signature, whichever copy came first, instead of
    whichever copy a dict happened to keep.

    Raises:
        WebhookError: headers that are not name/value text pairs.
    """
    try:
        items = headers.items() if isinstance(headers, Mapping) else iter(headers)
        result: dict[str, str] = {}
        for name, value in items:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            if not isinstance(name, str) or not isinstance(text, str):
                raise TypeError("header names and values must be text")
            key = name.lower()
            result[key] = f"{result[key]}, {text}" if key in result else text
        return result
    except (TypeError, ValueError, AttributeError) as exc:
        raise WebhookError(f"unreadable headers: {exc}", reason="unreadable") from None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value from :func:`lower_headers` output, ``None`` if absent or empty."""
    value = headers.get(name.lower())
    return value.strip() if value and value.strip() else None


def secret_bytes(secret: str | bytes | SecretStr | None) -> bytes:
    """The signing key as bytes.

    Raises:
        WebhookVerificationError: no secret given (verification cannot run without one).
    """
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    if isinstance(secret, str):
        secret = secret.encode("utf-8", "surrogatepass")
    if not isinstance(secret, bytes) or not secret:
        raise WebhookVerificationError(
            "no signing secret given: pass the subscription's secret to verify deliveries",
            reason="bad_signature",
        )
    return secret


def hmac_sha256(secret: str | bytes | SecretStr, body: bytes) -> bytes:
    """The raw HMAC-SHA256 digest of ``body`` keyed with ``secret``."""
    return hmac.new(secret_bytes(secret), body, hashlib.sha256).digest()


def _decoded_signatures(signature: str) -> list[bytes]:
    """The byte strings a signature header may stand for: hex and/or base64 of a digest."""
    text = signature.strip()
    for prefix in ("sha256=", "v1="):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    decoded: list[bytes] = []
    with contextlib.suppress(ValueError):
        decoded.append(bytes.fromhex(text))
    with contextlib.suppress(binascii.Error, ValueError):
        decoded.append(base64.b64decode(text, validate=True))
    return [d for d in decoded if len(d) == hashlib.sha256().digest_size]


def verify_hmac_sha256(
    secret: str | bytes | SecretStr | None,
    body: bytes,
    signature: str | None,
    *,
    header_name: str,
) -> None:
    """Check that ``signature`` is the HMAC-SHA256 of ``body`` under ``secret``.

    The signature may be hex or base64 (with an optional ``sha256=`` prefix): both encode the
    same 32-byte digest, so accepting either costs no strength (a forger still needs the key).
    The comparison is constant-time.

    Raises:
        WebhookVerificationError: no secret, no signature (``missing_signature``) or a signature
            that does not match (``bad_signature``).
    """
    key = secret_bytes(secret)
    if signature is None:
        raise WebhookVerificationError(
            f"the delivery has no {header_name} header", reason="missing_signature"
        )
    expected = hmac.new(key, body, hashlib.sha256).digest()
    # Compare against every decoding without stopping early, so timing says nothing.
    matched = False
    for candidate in _decoded_signatures(signature) or [b""]:
        matched |= hmac.compare_digest(candidate, expected)
    if not matched:
        raise WebhookVerificationError(
            f"the {header_name} signature does not match the body: a wrong secret, a changed "
            "body, or not a delivery from the vendor",
            reason="bad_signature",
        )


def read_json(body: bytes | str | bytearray) -> Any:
    """The delivery's JSON payload.

    Raises:
        WebhookError: (``unreadable``) too large, not UTF-8, not JSON, or nested more than
            :data:`MAX_WEBHOOK_DEPTH` levels deep.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not isinstance(body, bytes | bytearray):
        raise WebhookError("the delivery body must be bytes", reason="unreadable")
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookError(
            f"the delivery body is {len(body)} bytes, more than {MAX_WEBHOOK_BYTES} "
            "(a pass event is a few kilobytes)",
            reason="unreadable",
        )
    try:
        payload = json.loads(bytes(body).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WebhookError(
            f"the delivery body is not JSON: {type(exc).__name__}", reason="unreadable"
        ) from None
    if nests_deeper_than(payload, bytes(body), MAX_WEBHOOK_DEPTH):
        raise WebhookError(
            f"the delivery body nests objects and arrays more than {MAX_WEBHOOK_DEPTH} levels "
            "deep (a pass event is a few levels deep)",
            reason="unreadable",
        )
    return payload


def check_tolerance(tolerance: Any) -> float | None:
    """``tolerance`` as a replay window in seconds, or ``None`` (no freshness check).

    Raises:
        ValidationError: (``tolerance``) not a number, not finite, not above zero, or more than
            :data:`MAX_TOLERANCE` (a window that wide protects nothing: pass ``None``).
    """
    if tolerance is None:
        return None
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, int | float)
        or not 0 < tolerance <= MAX_TOLERANCE  # also false for NaN; no float() of a huge int
    ):
        raise ValidationError.from_problems(
            [
                FieldProblem(
                    "tolerance",
                    f"must be a number of seconds above 0 and at most {MAX_TOLERANCE:.0f} "
                    "(None turns the replay check off)",
                )
            ]
        )
    return float(tolerance)


def check_fresh(
    occurred_at: datetime | None,
    *,
    tolerance: float | None,
    now: Callable[[], datetime] | None = None,
) -> None:
    """Refuse a delivery whose own timestamp is outside the replay window.

    ``tolerance`` is in seconds; ``None`` turns the check off (document why where you do).

    Raises:
        ValidationError: a ``tolerance`` :func:`check_tolerance` refuses.
        WebhookVerificationError: (``stale``) no timestamp to check, or one too far from now.
    """
    window = check_tolerance(tolerance)
    if window is None:
        return
    if occurred_at is None:
        raise WebhookVerificationError(
            "the delivery carries no readable timestamp, so a replay cannot be ruled out",
            reason="stale",
        )
    current = (now or (lambda: datetime.now(UTC)))()
    drift = abs(current - occurred_at)
    if drift > timedelta(seconds=window):
        raise WebhookVerificationError(
            f"the delivery is {drift.total_seconds():.1f} s away from now, outside the "
            f"{window:g} s replay window: a replayed or delayed delivery",
            reason="stale",
        )


def timestamp(value: Any) -> datetime | None:
    """A vendor timestamp (ISO 8601 text) as an aware datetime, ``None`` if unreadable.

    Read by :func:`walletpass.timestamps.parse_timestamp`, under its one rule: a timestamp
    without an offset is UTC (the vendors that sign deliveries document their timestamps as UTC,
    PassEntry: "ISO 8601 UTC strings"). A delivery's time only informs, so an unreadable one is
    ``None`` here rather than a refused delivery.
    """
    if not isinstance(value, str) or len(value) < 10:
        return None
    from walletpass.timestamps import parse_timestamp  # with the first delivery, not at import

    try:
        return parse_timestamp(value)
    except ValueError:
        return None


# -- reading a verified payload: its documented shape or a clear refusal ----------------------


def payload_object(value: Any, where: str, *, required: bool = False) -> Mapping[str, Any]:
    """``value`` if it is a JSON object; ``{}`` for an absent (``None``) optional one.

    ``where`` names the member in the vendor's terms (``data.relationships``) for the message.

    Raises:
        WebhookError: (``unreadable``) another JSON type, or absent when ``required``.
    """
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise WebhookError(
            f"the delivery's {where} must be an object, not {_json_type(value)}",
            reason="unreadable",
        )
    return value


def payload_list(value: Any, where: str) -> list[Any]:
    """``value`` if it is a JSON array; ``[]`` for an absent (``None``) one.

    Raises:
        WebhookError: (``unreadable``) another JSON type.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise WebhookError(
            f"the delivery's {where} must be an array, not {_json_type(value)}",
            reason="unreadable",
        )
    return value


def payload_text(value: Any, where: str, *, required: bool = False) -> str | None:
    """``value`` if it is non-empty text; ``None`` for an absent, null or empty optional one.

    A number where the vendor documents text (an id as ``12``) is refused, not converted: the
    payload is then not the documented one, and a guess at what it meant could name another pass.

    Raises:
        WebhookError: (``unreadable``) another JSON type, or absent/empty when ``required``.
    """
    if value is None or value == "":
        if required:
            raise WebhookError(f"the delivery has no {where}", reason="unreadable")
        return None
    if not isinstance(value, str):
        raise WebhookError(
            f"the delivery's {where} must be text, not {_json_type(value)}",
            reason="unreadable",
        )
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
