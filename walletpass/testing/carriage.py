"""Carriage: did a value a provider accepted really reach its vendor?

Accepting a field proves nothing: a provider that declares ``holder.email`` NATIVE and quietly
leaves it out of the request passes every "is it accepted" test. This module records what a
provider hands the transport while an operation runs (:func:`recording`), flattens it into what
a vendor would read (:class:`Wire`: the path segments, query, headers and body, as scalar values
and key names) and, for each neutral field capability, says what to look for (:func:`expectations`).

The look-up is deliberately forgiving about *form* (vendors spell the same value differently: a
colour as ``#112233`` or ``rgb(17, 34, 51)``, a date as ISO text, epoch seconds or "Nov 6, 2024"
and "10:00am", a balance as ``10``, ``"10.00"`` or minor units, a name split into first and last)
and strict about *presence*: a value no form of which is on the wire was dropped. A text's letters
are data: a barcode message, an id or a name sent in other letter case is not the value that was
given (only a code of three characters or fewer, a language or a currency, may change case).

Used by :class:`walletpass.testing.conformance.ProviderConformance`; plugin authors call it
directly to check one request (``with recording(provider) as sent: provider.create(p)``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, unquote

from dateutil.parser import ParserError
from dateutil.parser import parse as parse_date

from walletpass.capabilities import Capability
from walletpass.model import Color, Pass, PassField, PassUpdate
from walletpass.provider import Provider
from walletpass.transport import VendorRequest

__all__ = [
    "Expectation",
    "Wire",
    "expectations",
    "has_amount",
    "has_color",
    "has_digits",
    "has_duration",
    "has_instant",
    "has_key",
    "has_name",
    "has_number",
    "has_symbology",
    "has_text",
    "recording",
    "update_expectations",
]

# The fake's "vendor" is its own store: what it received is the recorded call's parameters.
_CALLS = "calls"


@dataclass
class Wire:
    """What a vendor would read in the requests of one operation.

    ``leaves`` holds every scalar: path segments (unquoted), query and header values, JSON (or
    form) body values; ``keys`` every JSON object key and query parameter name.
    """

    leaves: list[Any] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    requests: int = 0

    def add_json(self, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                self.keys.add(str(key))
                self.add_json(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.add_json(item)
        elif value is not None:
            self.leaves.append(value)

    def add_request(self, request: VendorRequest) -> None:
        self.requests += 1
        self.leaves.extend(unquote(part) for part in request.path.split("/") if part)
        query = request.query
        pairs = query.items() if isinstance(query, Mapping) else (query or ())
        for key, value in pairs:
            self.keys.add(str(key))
            self.add_json(value)
        self.leaves.extend(request.headers.values())
        if request.has_json:
            self.add_json(request.json)
        elif request.data:
            self._add_bytes(request.data)

    def _add_bytes(self, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return  # an image or a pkpass: no neutral value travels as raw bytes
        try:
            self.add_json(json.loads(text))
            return
        except ValueError:
            pass
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs:
            for key, value in pairs:
                self.keys.add(key)
                self.leaves.append(value)
        else:
            self.leaves.append(text)

    def texts(self) -> Iterator[str]:
        for leaf in self.leaves:
            if isinstance(leaf, str):
                yield leaf

    def numbers(self) -> Iterator[float]:
        for leaf in self.leaves:
            if isinstance(leaf, bool):
                continue
            if isinstance(leaf, int | float | Decimal):
                yield float(leaf)
            elif isinstance(leaf, str):
                try:
                    number = float(leaf.strip())
                except ValueError:
                    continue
                if math.isfinite(number):
                    yield number


@contextmanager
def recording(provider: Provider) -> Iterator[Wire]:
    """Record, into the yielded :class:`Wire`, every request ``provider`` sends in the block.

    An HTTP provider is recorded at its transport (every request goes through it: the provider
    contract owns no other way out); the fake provider, which sends nothing, by the calls it
    records. Not thread-safe with respect to other users of the same provider.
    """
    wire = Wire()
    calls = getattr(provider, _CALLS, None)
    if isinstance(calls, list):
        seen = len(calls)
        try:
            yield wire
        finally:
            for call in getattr(provider, _CALLS)[seen:]:
                wire.requests += 1
                wire.add_json(getattr(call, "params", None))
        return
    # The async API (walletpass.aio) sends through its own transport, and through the sync
    # provider's where it runs code written for the sync contract only: both are recorded.
    sync = getattr(provider, "sync", None)
    transports = [provider.transport, *([sync.transport] if sync is not None else [])]
    for transport in transports:
        original = transport.send

        def send(request: VendorRequest, original: Any = original, **kwargs: Any) -> Any:
            wire.add_request(request)
            return original(request, **kwargs)

        transport.send = send  # one instance, for this block only
    try:
        yield wire
    finally:
        for transport in transports:
            del transport.send  # back to the class's method


# --------------------------------------------------------------------------------------------
# Matching one value, in any of the forms vendors use
# --------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return text.casefold()


def has_text(wire: Wire, value: str) -> bool:
    """``value`` is part of a text on the wire, letter for letter; a code of three characters or
    fewer (a language, a currency) must be a whole value, or its head (``en`` in ``en-GB``), in
    either case (``EUR``, ``eur``)."""
    if len(value) > 3:
        # Case-sensitive: a barcode message or an external id lower-cased scans or matches as
        # another value, and a holder's name in capitals is not the name they gave.
        return any(value in text for text in wire.texts())
    wanted = _fold(value)
    for text in wire.texts():
        folded = _fold(text)
        if folded == wanted or re.match(rf"{re.escape(wanted)}[-_]", folded):
            return True
    return False


def has_name(wire: Wire, value: str) -> bool:
    """A person's name, whole or split into parts (first and last name sent apart)."""
    return has_text(wire, value) or all(has_text(wire, part) for part in value.split())


def has_digits(wire: Wire, value: str) -> bool:
    """A phone number: its digits, whatever the spacing or punctuation."""
    wanted = re.sub(r"\D", "", value)
    return any(wanted in re.sub(r"\D", "", text) for text in wire.texts())


def has_number(wire: Wire, value: float) -> bool:
    return any(math.isclose(n, value, rel_tol=1e-9, abs_tol=1e-9) for n in wire.numbers())


def has_amount(wire: Wire, value: Decimal) -> bool:
    """A money or points amount, as a number or text, or in minor units (cents)."""
    return has_number(wire, float(value)) or has_number(wire, float(value * 100))


def has_key(wire: Wire, name: str) -> bool:
    """A name sent as an object key or query parameter, or as the value of a key (``{"key":
    "seat", "value": "12B"}``)."""
    return name in wire.keys or any(text == name for text in wire.texts())


def has_color(wire: Wire, value: Color) -> bool:
    for text in wire.texts():
        candidate = text if text.startswith(("#", "rgb")) else f"#{text}"
        try:
            if Color.parse(candidate) == value:
                return True
        except ValueError:
            continue
    return False


#: A time of day written in a text: hours and minutes, or an hour with am/pm.
_TIME_OF_DAY = re.compile(r"\d:\d\d|\d\s*[ap]\.?m\b", re.IGNORECASE)


def _instants(text: str) -> Iterator[datetime]:
    if not re.search(r"\d", text) or len(text) > 64:
        return
    try:
        yield parse_date(text)
    except (ParserError, ValueError, OverflowError):
        return


def has_instant(wire: Wire, value: datetime) -> bool:
    """A moment: ISO (or any dateutil-readable) text for the same instant, epoch seconds or
    milliseconds, or a date and a time of day sent apart (in the value's own zone or UTC)."""
    stamp = value.timestamp()
    if has_number(wire, stamp) or has_number(wire, stamp * 1000):
        return True
    local = [value, value.astimezone(UTC)]
    dates, times = False, False
    for text in wire.texts():
        for parsed in _instants(text):
            if parsed.tzinfo is not None:
                if parsed == value:
                    return True
                continue
            if any(parsed.replace(microsecond=0) == v.replace(tzinfo=None) for v in local):
                return True
            if any(parsed.date() == v.date() for v in local):
                dates = True
            if any((parsed.hour, parsed.minute) == (v.hour, v.minute) for v in local) and (
                # (a date alone reads as 00:00: midnight's minute counts where the text has a
                # time of day of its own, "12:00am" or "00:00")
                parsed.hour or parsed.minute or _TIME_OF_DAY.search(text)
            ):
                times = True
    return dates and times


def has_duration(wire: Wire, value: timedelta) -> bool:
    """A length of time: seconds or whole minutes, as a number or inside a text (``"120min"``),
    or an ISO 8601 duration."""
    seconds = value.total_seconds()
    candidates = [seconds] + ([seconds / 60] if seconds % 60 == 0 else [])
    if any(has_number(wire, c) for c in candidates):
        return True
    pattern = "|".join(rf"(?<!\d){int(c)}(?!\d)" for c in candidates)
    for text in wire.texts():
        iso = _ISO_DURATION.fullmatch(text.strip().upper())
        if iso and iso.group(0) != "PT":
            hours, minutes, secs = (float(part or 0) for part in iso.groups())
            if hours * 3600 + minutes * 60 + secs == seconds:
                return True
        elif re.search(pattern, text):
            return True
    return False


_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")


def has_symbology(wire: Wire, name: str) -> bool:
    """A barcode format by its letters and digits (``code128`` in ``PKBarcodeFormatCode128``)."""
    return any(name in re.sub(r"[^a-z0-9]", "", _fold(text)) for text in wire.texts())


# --------------------------------------------------------------------------------------------
# What to look for, per capability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """One thing a pass using a capability must put on the wire: what (for the failure message)
    and how to find it."""

    what: str
    found: Callable[[Wire], bool]


def _has_key(name: str, wire: Wire) -> bool:
    return has_key(wire, name)


def _has_number(value: float, wire: Wire) -> bool:
    return has_number(wire, value)


def _text(what: str, value: str | None) -> list[Expectation]:
    if value is None:
        return []
    return [Expectation(f"{what} {value!r}", lambda w: has_text(w, value))]


def _field_expectations(
    new_pass: Pass | PassUpdate, vendor_key: Callable[[str], str], labels: bool
) -> list[Expectation]:
    found: list[Expectation] = []
    for name, value in (new_pass.fields or {}).items():
        if labels:
            if isinstance(value, PassField) and value.label is not None:
                found += _text(f"the label of field {name!r}", value.label)
            continue
        key = vendor_key(name)
        found.append(Expectation(f"field key {key!r}", partial(_has_key, key)))
        plain = value.value if isinstance(value, PassField) else value
        if isinstance(plain, bool) or plain is None:
            continue
        if isinstance(plain, int | float | Decimal):
            number = float(plain)
            found.append(
                Expectation(f"field {name!r} value {plain!r}", partial(_has_number, number))
            )
        else:
            found += _text(f"field {name!r} value", str(plain))
    return found


def _extra_expectations(extra: Mapping[str, Any], prefix: str = "") -> list[Expectation]:
    found: list[Expectation] = []
    for key, value in extra.items():
        path = f"{prefix}{key}"
        found.append(Expectation(f"extra key {path!r}", partial(_has_key, key)))
        if isinstance(value, Mapping):
            found += _extra_expectations(value, f"{path}.")
        elif isinstance(value, str):
            found += _text(f"extra {path!r}", value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.append(
                Expectation(f"extra {path!r} = {value!r}", partial(_has_number, float(value)))
            )
    return found


def expectations(
    capability: Capability,
    new_pass: Pass,
    *,
    vendor_key: Callable[[str], str] = str,
    template_fixed: Sequence[str] = (),
) -> list[Expectation]:
    """What ``new_pass`` must put on the wire for ``capability``; empty if it does not use it.

    ``vendor_key`` renames a field to the vendor's key (a template alias); ``template_fixed``
    lists the parts the vendor takes from the template instead of the request (a Pass2U model's
    ``barcode.format``: not looked for).
    """
    p, holder = new_pass, new_pass.holder
    event, balance, barcode = p.event, p.balance, p.barcode
    location = p.locations[0] if p.locations else None
    beacon = p.beacons[0] if p.beacons else None
    colors = p.colors
    cap = Capability
    value = capability.value
    if value.startswith("barcode.") and capability is not cap.BARCODE_ALT_TEXT:
        if barcode is None or barcode.symbology.value != value.split(".", 1)[1]:
            return []
        found = _text("barcode message", barcode.message)
        if "barcode.format" not in template_fixed:
            symbology = re.sub(r"[^a-z0-9]", "", barcode.symbology.value)
            found.append(
                Expectation(
                    f"barcode format {barcode.symbology.value!r}",
                    lambda w: has_symbology(w, symbology),
                )
            )
        return found
    if value.startswith("colors."):
        color = getattr(colors, value.split(".", 1)[1], None) if colors else None
        if color is None:
            return []
        return [Expectation(f"{value} {color}", lambda w: has_color(w, color))]
    if capability is cap.EXTERNAL_ID:
        return _text("external_id", p.external_id)
    if capability is cap.HOLDER_NAME and holder and holder.name:
        name = holder.name
        return [Expectation(f"holder.name {name!r}", lambda w: has_name(w, name))]
    if capability is cap.HOLDER_EMAIL and holder:
        return _text("holder.email", holder.email)
    if capability is cap.HOLDER_PHONE and holder and holder.phone:
        phone = holder.phone
        return [Expectation(f"holder.phone {phone!r}", lambda w: has_digits(w, phone))]
    if capability is cap.HOLDER_LANGUAGE and holder:
        return _text("holder.language", holder.language)
    if capability in (cap.FIELDS, cap.FIELD_LABELS):
        return _field_expectations(p, vendor_key, labels=capability is cap.FIELD_LABELS)
    if capability is cap.BARCODE_ALT_TEXT and barcode:
        return _text("barcode.alt_text", barcode.alt_text)
    if capability is cap.LOCATIONS and location:
        lat, lon = location.latitude, location.longitude
        return [
            Expectation(f"latitude {lat}", lambda w: has_number(w, lat)),
            Expectation(f"longitude {lon}", lambda w: has_number(w, lon)),
        ]
    if value.startswith("locations.") and location:
        part = getattr(location, value.split(".", 1)[1])
        if isinstance(part, float):
            return [Expectation(f"{value} {part}", lambda w: has_number(w, part))]
        return _text(value, part)
    if capability is cap.BEACONS and beacon:
        # (a UUID's hex digits are one value in either case, RFC 9562: Pass2U sends capitals)
        uuid = str(beacon.proximity_uuid)
        return [
            Expectation(f"beacon uuid {uuid}", lambda w: any(uuid in _fold(t) for t in w.texts()))
        ]
    if value.startswith("beacons.") and beacon:
        return _text(value, getattr(beacon, value.split(".", 1)[1]))
    if capability in (cap.RELEVANT_AT, cap.EXPIRES_AT):
        moment = getattr(p, value)
        if moment is None:
            return []
        return [Expectation(f"{value} {moment.isoformat()}", lambda w: has_instant(w, moment))]
    if capability in (cap.LOGO_TEXT, cap.DESCRIPTION, cap.ORGANIZATION_NAME, cap.GROUP, cap.TIER):
        return _text(value, getattr(p, value))
    if capability is cap.IMAGES:
        refs = (p.images or {}).values()
        return [e for ref in refs for e in _text("image", ref.url or ref.id)]
    if capability is cap.NFC and p.nfc:
        return _text("nfc.message", p.nfc.message)
    if capability is cap.BALANCE and balance:
        amount = balance.amount
        found = [Expectation(f"balance.amount {amount}", lambda w: has_amount(w, amount))]
        return found + _text("balance.currency", balance.currency)
    if capability is cap.EVENT_STARTS_AT and event and event.starts_at:
        start = event.starts_at
        return [
            Expectation(f"event.starts_at {start.isoformat()}", lambda w: has_instant(w, start))
        ]
    if capability is cap.EVENT_DURATION and event and event.duration:
        length = event.duration
        return [Expectation(f"event.duration {length}", lambda w: has_duration(w, length))]
    if value.startswith("event.") and event:
        return _text(value, getattr(event, value.split(".", 1)[1]))
    if capability is cap.EXTRA and p.extra:
        return _extra_expectations(p.extra)
    return []


def update_expectations(
    change: PassUpdate, *, vendor_key: Callable[[str], str] = str
) -> list[Expectation]:
    """What an update must put on the wire: each changed field's key and value, and the
    message to the holder (as given, or inside the vendor's wording: ``"Gate moved: %@"``)."""
    found = _field_expectations(change, vendor_key, labels=False)
    if change.message is not None:
        message = change.message.replace("%@", "").strip(" :")
        found += _text("update message", message)
    return found
