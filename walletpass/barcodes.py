"""What each barcode symbology can encode, and how much: the rules that hold on every vendor.

A wallet renders the barcode message with the symbology the pass names. A message the symbology
cannot represent gives a barcode no scanner can read, so it is refused here, before any vendor
sees it, whichever vendor the pass goes to. How long a message a *vendor* takes is the vendor's own
rule and lives in that vendor's ``limits`` module.

Sources (symbology facts, not vendor documentation):

* Code 128 (ISO/IEC 15417): code sets A/B/C carry ASCII 0-127; FNC4 shifts a character into
  128-255, read as ISO-8859-1 (Latin-1). Nothing above U+00FF is encodable. No symbology maximum
  length.
* QR Code (ISO/IEC 18004), version 40 at error correction level L, the largest symbol: 7,089
  numeric characters, 4,296 alphanumeric (``0-9 A-Z``, space and ``$%*+-./:``) or 2,953 bytes.
* PDF417 (ISO/IEC 15438), 90 rows x 30 columns at the lowest error correction level: 2,710 digits,
  1,850 text characters (printable ASCII) or 1,108 bytes.
* Aztec (ISO/IEC 24778), 32 layers: 3,832 digits, 3,067 text characters or 1,914 bytes.

For the 2D symbologies a message may mix character classes, which the encoder packs in segments.
The space a message needs is estimated as the sum, over its characters, of the share of the
largest symbol one such character takes in its cheapest class; segment headers and mode switches
are left out, so the estimate is a *lower bound*: a message over it certainly does not fit. Bytes
are the message's UTF-8 bytes, the encoding walletpass sends text in.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

__all__ = ["LARGEST_MESSAGE", "SymbologyRule", "barcode_problem", "rule_for"]

_QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_DIGITS = frozenset("0123456789")
_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\t", "\n", "\r"}

#: No symbology holds a longer message than a QR code full of digits.
LARGEST_MESSAGE = 7089


class SymbologyRule(NamedTuple):
    """One symbology's capacity: how many characters of each class fill the largest symbol.

    ``classes`` are tried in order; a character takes the first class that contains it, else it
    costs its UTF-8 bytes at ``bytes_capacity``. ``None`` capacities mean "no symbology limit".
    """

    name: str
    bytes_capacity: int | None
    classes: tuple[tuple[str, frozenset[str], int], ...] = ()
    #: Characters outside this test cannot be encoded at all (Code 128: above U+00FF).
    encodable: Callable[[str], bool] | None = None
    encodable_text: str = ""

    def share(self, message: str) -> Fraction:
        """The fraction of the largest symbol ``message`` needs at least (1 = full)."""
        if self.bytes_capacity is None:
            return Fraction(0)
        # Count per class first and divide once: exact, and linear in plain integer steps (a
        # Fraction per character made every create with a barcode ~0.3 ms slower).
        counts = [0] * len(self.classes)
        other_bytes = 0
        for char in message:
            for index, (_, members, _) in enumerate(self.classes):
                if char in members:
                    counts[index] += 1
                    break
            else:
                other_bytes += len(char.encode("utf-8", "surrogatepass"))
        total = Fraction(other_bytes, self.bytes_capacity)
        for count, (_, _, capacity) in zip(counts, self.classes, strict=True):
            if count:
                total += Fraction(count, capacity)
        return total

    def fits_as_bytes(self, message: str) -> bool:
        """Whether ``message`` fits counted as bytes alone: every character class holds more
        characters than the symbol holds bytes, so a message whose UTF-8 bytes fit fits however
        its characters fall into classes (:meth:`share` counts them exactly, far slower)."""
        if self.bytes_capacity is None:
            return True
        if any(capacity < self.bytes_capacity for _, _, capacity in self.classes):
            return False  # a class costs more than a byte: only the exact count can tell
        return len(message.encode("utf-8", "surrogatepass")) <= self.bytes_capacity

    def capacity_text(self) -> str:
        parts = [f"{capacity:,} {label}" for label, _, capacity in self.classes]
        if self.bytes_capacity is not None:
            parts.append(f"{self.bytes_capacity:,} bytes")
        return ", ".join(parts)


def _latin1(char: str) -> bool:
    return ord(char) <= 0xFF


RULES: dict[str, SymbologyRule] = {
    "qr": SymbologyRule(
        "QR",
        bytes_capacity=2953,
        classes=(("digits", _DIGITS, 7089), ("alphanumeric characters", _QR_ALPHANUMERIC, 4296)),
    ),
    "pdf417": SymbologyRule(
        "PDF417",
        bytes_capacity=1108,
        classes=(("digits", _DIGITS, 2710), ("text characters", _PRINTABLE_ASCII, 1850)),
    ),
    "aztec": SymbologyRule(
        "Aztec",
        bytes_capacity=1914,
        classes=(("digits", _DIGITS, 3832), ("text characters", _PRINTABLE_ASCII, 3067)),
    ),
    "code128": SymbologyRule(
        "Code 128",
        bytes_capacity=None,
        encodable=_latin1,
        encodable_text="ASCII, and Latin-1 (U+0080..U+00FF) through FNC4",
    ),
}


def rule_for(symbology: str) -> SymbologyRule:
    """The rule of a ``BarcodeFormat`` value: ``"qr"``, ``"pdf417"``, ``"aztec"``, ``"code128"``."""
    return RULES[symbology]


def barcode_problem(message: str, symbology: str) -> str | None:
    """Why ``message`` cannot be drawn as ``symbology``, or ``None`` when it can.

    Returns a sentence naming the first character that cannot be encoded (with its position and
    code point) or the measured size against the symbology's capacity.
    """
    rule = RULES[symbology]
    if rule.encodable is not None:
        for position, char in enumerate(message):
            if not rule.encodable(char):
                return (
                    f"{rule.name} cannot encode character {position + 1} ({char!r}, "
                    f"U+{ord(char):04X}): it encodes only {rule.encodable_text}; "
                    "use format qr, aztec or pdf417 for other text"
                )
    if rule.fits_as_bytes(message):
        return None
    share = rule.share(message)
    if share > 1:
        utf8 = len(message.encode("utf-8", "surrogatepass"))
        return (
            f"too long for {rule.name}: the message ({len(message):,} characters, {utf8:,} "
            f"UTF-8 bytes) needs at least {float(share):.0%} of the largest {rule.name} symbol, "
            f"which holds at most {rule.capacity_text()}"
        )
    return None
