"""Masking of credentials wherever data might be shown to a person or a log.

Vendors echo request parts in error bodies and users paste exceptions into tickets, so anything
that leaves walletpass in text form passes through here first.
"""

from __future__ import annotations

import base64
import bisect
import functools
import json
import logging
import re
import threading
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn
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
# What redact_text looks for, rebuilt when a secret is registered: a finder per secret (its
# nested escaped spellings) and its other spellings as plain text (hex, base64); and the few
# texts _may_hold_secret looks for in their place (see _needles).
_matchers_cache: dict[str, tuple[tuple[_NestedSecret, ...], tuple[str, ...]]] = {}
_needles_cache: dict[str, tuple[str, ...]] = {}
_longest_cache: dict[str, int] = {}


#: How many printed forms may wrap one another around a secret and still be masked: a message
#: holding a ``repr()`` (1), printed in an exception's ``repr()`` (2), written to a JSON log line
#: (3). Each layer is one place text is printed into other text; three is the deepest chain
#: walletpass or a typical log pipeline builds, and each further layer multiplies the spellings
#: of an escaped character (a backslash doubles at every layer).
NESTING_DEPTH = 3


def _html_escape(char: str) -> str:
    import html  # only when a secret is registered: html.entities is large

    return html.escape(char)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _quotes_escaped(escape: Callable[[str], str]) -> Callable[[str], str]:
    # repr() escapes a quote or not depending on the whole string around it, so both spellings.
    return lambda char: escape(char).replace("'", "\\'").replace('"', '\\"')


def _repr(char: str) -> str:
    return repr(char)[1:-1]


def _ascii(char: str) -> str:
    return ascii(char)[1:-1]


def _json_solidus(char: str) -> str:
    # JSON as PHP's json_encode writes it (as JSON allows): "/" escaped as "\/" too.
    return "\\/" if char == "/" else json.dumps(char)[1:-1]


def _bytes_repr(char: str) -> str:
    return "".join(repr(bytes([byte]))[2:-1] for byte in _utf8(char))


#: The ways one piece of text is printed into another, each as what it makes of one character:
#: every one maps each character on its own (a string homomorphism), so a nesting of them maps
#: each character of a secret to a spelling of its own, whatever the characters around it.
#: Python's ``repr()``/``ascii()``/bytes reprs and ``unicode_escape`` (tracebacks), JSON with and
#: without ``ensure_ascii`` and with ``/`` escaped (PHP's encoder), percent-encoding (a query
#: string, a form body, a proxy URL; a path, where ``/`` stays as it is), HTML escaping, and
#: UTF-8 read as Latin-1 (an HTTP header).
_LAYERS: tuple[Callable[[str], str], ...] = (
    _repr,
    _quotes_escaped(_repr),
    _ascii,
    _quotes_escaped(_ascii),
    _bytes_repr,
    _quotes_escaped(_bytes_repr),
    lambda char: char.encode("unicode_escape").decode("ascii"),
    lambda char: json.dumps(char)[1:-1],
    lambda char: json.dumps(char, ensure_ascii=False)[1:-1],
    _json_solidus,
    lambda char: quote(char, safe="", errors="surrogatepass"),
    lambda char: quote(char, errors="surrogatepass"),  # (a path: "/" kept, "\\" encoded)
    lambda char: quote_plus(char, safe="", errors="surrogatepass"),
    _html_escape,
    lambda char: _utf8(char).decode("latin-1"),
)


class _LayerTable(dict[int, str]):
    """One layer as a ``str.translate`` table, filled in as characters come (translate runs at
    C speed; the characters of secrets and their spellings are few)."""

    def __init__(self, layer: Callable[[str], str]) -> None:
        super().__init__()
        self.layer = layer

    def __missing__(self, code: int) -> str:
        printed = self[code] = self.layer(chr(code))
        return printed


_TABLES = tuple(_LayerTable(layer) for layer in _LAYERS)


def _spellings(text: str, depth: int = NESTING_DEPTH) -> set[str]:
    """``text`` as printed through up to ``depth`` of :data:`_LAYERS`, in any order."""
    spellings = found = {text}
    for _ in range(depth):
        found = {spelling.translate(table) for spelling in found for table in _TABLES} - spellings
        spellings |= found
    return spellings


def secret_forms(secret: str) -> set[str]:
    """Every way ``secret`` can be printed by Python, JSON, HTTP or HTML, up to
    :data:`NESTING_DEPTH` printings deep.

    A key is rarely printed as itself: ``repr()`` and tracebacks escape it (``\\n``,
    ``\\xe9``), JSON escapes it (``\\u00e9``, ``\\"``, ``\\/``), a query string or a proxy URL
    percent-encodes it (in either hex case), an HTML error page entity-escapes it, HTTP header
    values are decoded as Latin-1, and ``repr(bytes)`` shows its UTF-8 bytes; and a printed form
    is printed again (the ``repr()`` of a message holding a ``repr()``, a JSON log of it).
    Vendors also echo it upper or lower case, in hex and in base64.

    :func:`redact_text` masks more than this list: any mixture, character by character, of the
    nested spellings, in any letter case; characters written as ``\\uXXXX``, ``&#NN;`` or
    ``%XX`` (:data:`_ESCAPED_CHAR`); and a part holding at least half of the secret that begins
    or ends it (:class:`_NestedSecret`).
    """
    forms = _spellings(secret)
    raw = _utf8(secret)
    # Vendors echo a key in other spellings too: upper or lower case, hex, and base64 (a
    # decoded Basic/Bearer header, a token dump), standard or URL-safe, within longer data.
    forms |= {secret.upper(), secret.lower(), raw.hex(), raw.hex().upper()}
    forms |= _base64_forms(raw)
    return {form for form in forms if form}


@functools.lru_cache(maxsize=4096)
def _char_spellings(char: str) -> tuple[str, ...]:
    """``char``'s nested spellings in lower case (text is compared in lower case: escapes come in
    either hex case, vendors echo keys in either letter case), longest first."""
    spellings = {_lower(spelling) for spelling in _spellings(char)}
    return tuple(sorted(spellings, key=lambda spelling: (-len(spelling), spelling)))


class _NestedSecret:
    """Finds one secret nested in printed forms, character by character.

    The layers map each character on its own, so the nested forms of the secret are the
    sequences of its characters' nested spellings: following the text one character's spellings
    at a time covers every combination of layers, and any mixture of them, without listing the
    combinations (their number grows as the number of layers to the power of the depth, and
    again with each escaped character). The search starts from the secret's longest run of
    characters that every layer leaves alone (a key is mostly letters and digits), found at C
    speed.
    """

    def __init__(self, secret: str, *, parts: bool = True) -> None:
        self.spellings = [_char_spellings(char) for char in secret]
        plain = [len(spellings) == 1 and len(spellings[0]) == 1 for spellings in self.spellings]
        best, run = (0, 0), 0
        for index, is_plain in enumerate(plain):
            run = run + 1 if is_plain else 0
            best = max(best, (run, index + 1 - run))
        self.anchor_length, self.anchor_start = best
        anchor = self.spellings[self.anchor_start : self.anchor_start + self.anchor_length]
        self.anchor = "".join(spellings[0] for spellings in anchor)
        # A part of the secret that begins or ends it, of at least half its characters: an
        # excerpt cut inside it, or a line break or a chunk within it, leaves such a part (the
        # larger one), and the missing half could be guessed no better than a whole key. Its
        # nested spellings (a cut key percent-encoded, JSON- or repr-escaped), in any case.
        # Of a secret of fewer than 2 * _PART_LEAST characters, whose half is shorter (a weak
        # password's half, "password", is ordinary text), only a part of at least _PART_LEAST
        # that leaves out at most _PART_MISSING characters: the rest could be guessed. None
        # for a part of fewer than _PART_DISTINCT different characters ("00000000",
        # "--------" are ordinary text too), and for a URL (a database's, a proxy's): its half
        # is an address shown in messages, and its password is registered on its own.
        self.lowered = _lower(secret)
        if len(secret) >= 2 * _PART_LEAST:
            self.part = (len(secret) + 1) // 2
        else:
            self.part = max(_PART_LEAST, len(secret) - _PART_MISSING)
        self.head: _NestedSecret | None = None
        self.tail: _NestedSecret | None = None
        if parts and self.part < len(secret) and "://" not in secret:
            head, tail = secret[: self.part], secret[-self.part :]
            if len(set(_lower(head))) >= _PART_DISTINCT:
                self.head = _NestedSecret(head, parts=False)
            if len(set(_lower(tail))) >= _PART_DISTINCT:
                self.tail = _NestedSecret(tail, parts=False)

    def spans(self, lowered: str) -> list[tuple[int, int]]:
        """Where the secret is in ``lowered`` (a text in lower case), nested spellings included."""
        found: list[tuple[int, int]] = []
        if self.anchor:
            before = self.spellings[: self.anchor_start][::-1]
            after = self.spellings[self.anchor_start + self.anchor_length :]
            at = lowered.find(self.anchor)
            while at != -1:
                starts = self._follow(lowered, {at}, before, backwards=True)
                ends = self._follow(lowered, {at + len(self.anchor)}, after, backwards=False)
                if starts and ends:
                    found.append((min(starts), max(ends)))
                at = lowered.find(self.anchor, at + 1)
            return found
        # No character is left alone by every layer: start at each spelling of the first one.
        for spelling in self.spellings[0]:
            at = lowered.find(spelling)
            while at != -1:
                ends = self._follow(lowered, {at + len(spelling)}, self.spellings[1:], False)
                if ends:
                    found.append((at, max(ends)))
                at = lowered.find(spelling, at + 1)
        return found

    def part_spans(self, lowered: str) -> list[tuple[int, int]]:
        """Where a part of the secret that begins or ends it (:attr:`head`, :attr:`tail` and
        on as far as the secret goes) is in ``lowered`` (a text in lower case), nested
        spellings included."""
        found: list[tuple[int, int]] = []
        secret, part = self.lowered, self.part
        if self.head is not None:
            for start, end in self.head.spans(lowered):
                # (as far as the secret goes, but not past a space: "Bearer <key>" is
                # registered too, and the part of it that <key> is ends at <key>)
                ends = {end}
                for index in range(part, len(secret)):
                    further = self._follow(lowered, ends, [self.spellings[index]], False)
                    if secret[index].isspace() or not further:
                        break
                    ends = further
                found.append((start, max(ends)))
        if self.tail is not None:
            for start, end in self.tail.spans(lowered):
                starts = {start}
                for index in range(len(secret) - part - 1, -1, -1):
                    further = self._follow(lowered, starts, [self.spellings[index]], True)
                    if secret[index].isspace() or not further:
                        break
                    starts = further
                found.append((min(starts), end))
        return found

    @staticmethod
    def _follow(
        lowered: str, positions: set[int], chars: list[tuple[str, ...]], backwards: bool
    ) -> set[int]:
        # Every position reachable by reading the characters' spellings one after another; the
        # set stays small (a character has a few dozen spellings at most).
        for spellings in chars:
            if backwards:
                positions = {
                    at - len(s) for at in positions for s in spellings if lowered.endswith(s, 0, at)
                }
            else:
                positions = {
                    at + len(s) for at in positions for s in spellings if lowered.startswith(s, at)
                }
            if not positions:
                break
        return positions


#: The fewest characters of a secret's part (:class:`_NestedSecret`) masked on their own, and
#: the fewest different ones: fewer are shared by unrelated text (``sk_live_`` begins every key
#: of some vendors; a run of one character, a row of dashes).
_PART_LEAST = 8
_PART_DISTINCT = 4
#: The most characters a part of a secret shorter than ``2 * _PART_LEAST`` may leave out and be
#: masked: the rest is then guessable (62 ** 3, about 240,000 tries).
_PART_MISSING = 3

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


#: The shortest secret :func:`register_secret` remembers, in characters. Masking a shorter one
#: would mask ordinary words wherever they are printed ("other", "secret" as a test suite's
#: signing secret), and a secret that short protects little anyway; vendors' keys and signing
#: secrets are 20 characters or more. The one rule for every kind of secret walletpass masks:
#: API keys, credential headers, proxy, Redis and PostgreSQL passwords and URLs, subscription
#: and receiver signing secrets, what a secret function returns (docs/configuration.md,
#: "Credentials and addresses").
MIN_SECRET_LENGTH = 8


def register_secret(value: object) -> None:
    """Remember a secret so that it is masked, in every printed form, even inside free text.

    ``value`` may be text, a pydantic ``SecretStr`` (anything with ``get_secret_value()``) or
    bytes (read as UTF-8; bytes that are not UTF-8 are never printed as text: not remembered).
    A value shorter than :data:`MIN_SECRET_LENGTH` characters (``None`` and empty ones too),
    or of another type, is not remembered, so it is not masked: see there why.
    """
    reveal = getattr(value, "get_secret_value", None)
    if callable(reveal):
        value = reveal()
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
        with _registry_lock:
            if value not in _known_secrets:
                _known_secrets.add(value)
                _matchers_cache.clear()
                _needles_cache.clear()
                _longest_cache.clear()
                # Key names decided before may hold the new secret: decided again.
                _secret_keys_by_shape.clear()
                _plain_names.clear()


def _matchers() -> tuple[tuple[_NestedSecret, ...], tuple[str, ...]]:
    matchers = _matchers_cache.get("all")  # (one dict read: the lock only to make them)
    if matchers is not None:
        return matchers
    with _registry_lock:
        return _matchers_made()


def _matchers_made() -> tuple[tuple[_NestedSecret, ...], tuple[str, ...]]:
    """:func:`_matchers`, made if they are not yet (the registry's lock held)."""
    matchers = _matchers_cache.get("all")
    if matchers is None:
        nested: list[_NestedSecret] = []
        literals: set[str] = set()
        for secret in sorted(_known_secrets, key=len, reverse=True):
            nested.append(_nested_secret(secret))
            literals |= _other_spellings(secret)
        ordered = tuple(sorted(literals, key=len, reverse=True))
        matchers = _matchers_cache["all"] = (tuple(nested), ordered)
    return matchers


def _needles() -> tuple[str, ...]:
    """What :func:`_may_hold_secret` looks for in the lowered texts: a few texts, one of which
    every form :func:`redact_text` finds holds (``""`` alone where a secret has no anchor: each
    text is then searched on its own).

    A form of ASCII only is found lowered: an ASCII character lowers to one ASCII character
    whatever surrounds it, so where the form is in a text, its lowered form is in the lowered
    text (as the anchors of the nested spellings are: an anchor is ASCII, ``ascii()`` escapes
    the rest). A form with other characters holds its runs of ASCII characters, each lowered
    in the lowered text; the key in upper or lower case holds its anchor that way. And a text
    that holds another is found wherever that other one is (the base64 of a key alone holds
    one of its cores, a bearer header its key): only the shortest are searched.
    """
    needles = _needles_cache.get("all")  # (one dict read: the lock only to make them)
    if needles is not None:
        return needles
    with _registry_lock:
        nested, literals = _matchers_made()
        parts = [part for secret in nested for part in (secret.head, secret.tail) if part]
        # (a part is found from its anchor, as a secret is)
        folded = {secret.anchor for secret in (*nested, *parts)}
        folded.discard("")
        folded |= {form.lower() for form in literals if form.isascii()}
        kept: list[str] = []
        for needle in sorted(folded, key=lambda needle: (len(needle), needle)):
            if not any(shorter in needle for shorter in kept):
                kept.append(needle)
        if not all(secret.anchor.isascii() for secret in (*nested, *parts)) or not all(
            _holds_one(form, kept) for form in (*literals, *(part.anchor for part in parts))
        ):
            kept = [""]  # (no form made today; one that were would make each text searched)
        needles = _needles_cache["all"] = tuple(kept)
        return needles


def _holds_one(form: str, needles: list[str]) -> bool:
    """Whether one of ``form``'s runs of ASCII characters, lowered, holds one of ``needles``."""
    runs = re.findall(r"[\x00-\x7f]+", form)
    return any(needle in run.lower() for run in runs for needle in needles)


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


def is_secret_key(key: str) -> bool:
    """Whether a value under the name ``key`` is a secret (the name holds one of
    :data:`SECRET_KEY_MARKERS`, ignoring case, spaces, ``-`` and ``_``)."""
    return _secret_name(key) if len(key) <= _NAME_REMEMBERED_MOST else _names_secret(key)


def _names_secret(key: str) -> bool:
    normalised = re.sub(r"[-_\s]", "", key).lower()
    return any(marker in normalised for marker in SECRET_KEY_MARKERS)


#: The longest key name whose decision is remembered, here and per shape of keys (a field
#: key's most): answers repeat the same few short names, each decided once; a longer one, which
#: only a broken or hostile answer sends, is decided each time rather than kept. (The memories
#: are bounded by their count of names: with names of any length, an answer's long member
#: names were kept for good, thousands of them.)
_NAME_REMEMBERED_MOST = 128
_secret_name = functools.lru_cache(maxsize=4096)(_names_secret)


@functools.lru_cache(maxsize=1024)
def _nested_secret(secret: str) -> _NestedSecret:
    return _NestedSecret(secret)


@functools.lru_cache(maxsize=1024)
def _other_spellings(secret: str) -> frozenset[str]:
    """The spellings :class:`_NestedSecret` does not follow: hex and base64 (whole-secret
    encodings), and case changes that change the length ("ß" upper-cased is "SS")."""
    raw = _utf8(secret)
    spellings = {secret.upper(), secret.lower(), raw.hex(), raw.hex().upper()}
    return frozenset(spellings | _base64_forms(raw))


def _lower(text: str) -> str:
    """``text`` in lower case, each character still at its place."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters lower to two ("İ"): those stay as they are.
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


#: A character written as an escape that may stand for any character, not only for those an
#: encoder must escape: JSON's ``\\uXXXX`` (an encoder that escapes every character, or some:
#: Go's escapes ``&``, ``<`` and ``>``; its backslash doubled by each ``repr()`` around it),
#: HTML's numeric references (``&#115;``, ``&#x73;``: a proxy's error page) and percent-encoding
#: of a letter, digit or ``-._~`` (``%73``: a query string from an encoder that encodes every
#: byte). Spelling every character that way in :data:`_LAYERS` would leave no character of a
#: secret unchanged by every layer, so no anchor to search from: the text is read with these
#: escapes decoded instead (:func:`_unescaped`), only when it holds ``\\u``, ``&#`` or ``%``.
#: (``\\u`` of other than ASCII, and ``%`` of other than those, are :data:`_LAYERS`' own
#: spellings: JSON's and ``quote()``'s; a text full of them, URLs and JSON of accented names,
#: is not read twice for them.)
_ESCAPED_CHAR = (
    re.compile(r"(\\+)u(00[0-7][0-9a-fA-F])"),
    re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?"),
    re.compile(r"%(3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|2[dDeE]|5[fF]|7[eE])"),
)
# (three patterns, each searched only in a text holding its mark: each begins with a literal
# the regular expression engine skips to, where one pattern of three alternatives was tried
# at every character, 21 k instructions for a URL of 60)


def _unescaped(text: str) -> tuple[str, list[int], list[tuple[int, int]]] | None:
    """``text`` with each escape of :data:`_ESCAPED_CHAR` decoded (an HTML reference to no
    character is left as written), and where each decoded character is: its index in the
    decoded text, and its start and end in ``text``; ``None`` when there is none."""
    found: list[tuple[int, int, int]] = []  # (start, end, code)
    json_escape, html_reference, percent = _ESCAPED_CHAR
    if "\\u" in text:
        for match in json_escape.finditer(text):
            run = len(match[1])
            # Printed d times more (repr), the escape's own backslash is 2**d of them and each
            # escaped backslash before it 2**(d+1): its own are the largest power of two that
            # divides the run, the others stay as written.
            found.append((match.start() + run - (run & -run), match.end(), int(match[2], 16)))
    if "&#" in text:
        for match in html_reference.finditer(text):
            code = int(match[1], 16) if match[1] is not None else int(match[2])
            if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                found.append((match.start(), match.end(), code))
    if "%" in text:
        found += [(m.start(), m.end(), int(m[1], 16)) for m in percent.finditer(text)]
    if not found:
        return None
    found.sort()
    pieces: list[str] = []
    indexes: list[int] = []
    places: list[tuple[int, int]] = []
    last = length = 0
    for start, end, code in found:
        pieces += [text[last:start], chr(code)]
        length += start - last
        indexes.append(length)
        places.append((start, end))
        length += 1
        last = end
    pieces.append(text[last:])
    return "".join(pieces), indexes, places


def _written(indexes: list[int], places: list[tuple[int, int]], at: int) -> tuple[int, int]:
    """Where the character at ``at`` of an :func:`_unescaped` text was written in its text."""
    index = bisect.bisect_right(indexes, at) - 1
    if index < 0:
        return at, at + 1
    start, end = places[index]
    if indexes[index] == at:
        return start, end
    moved = end + at - indexes[index] - 1
    return moved, moved + 1


def _spans(lowered: str, nested: tuple[_NestedSecret, ...]) -> list[tuple[int, int]]:
    """Where the secrets of ``nested`` are in ``lowered`` (a text in lower case), its characters
    written as escapes (:data:`_ESCAPED_CHAR`) read decoded too."""
    spans: list[tuple[int, int]] = []
    for secret in nested:
        spans += secret.spans(lowered)
        spans += secret.part_spans(lowered)
    if "%" in lowered or "&#" in lowered or "\\u" in lowered:
        read = _unescaped(lowered)
        if read is not None:
            view, indexes, places = read
            view = _lower(view)  # (a decoded letter may be upper case)
            for secret in nested:
                spans += [
                    (_written(indexes, places, start)[0], _written(indexes, places, end - 1)[1])
                    for start, end in secret.spans(view) + secret.part_spans(view)
                ]
    return spans


#: A line break an encoder wraps its output with: MIME's base64 at 76 columns, PEM's at 64, a hex
#: dump's; CRLF, LF or CR.
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def _unwrapped(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` without its line breaks, with where each break was: its index in the view
    (the character after it) and the characters removed up to and including it."""
    at: list[int] = []
    removed: list[int] = []
    total = 0
    for match in _LINE_BREAK.finditer(text):
        at.append(match.start() - total)
        total += match.end() - match.start()
        removed.append(total)
    return _LINE_BREAK.sub("", text), at, removed


def _wrapped_spans(text: str, literals: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the encoded spellings of the secrets (``literals``: base64, hex, a case) are in
    ``text`` split across lines (MIME wraps base64 at 76 columns), as spans of ``text`` from
    the first character of a spelling to its last, the breaks between them included."""
    view, at, removed = _unwrapped(text)

    def written(index: int) -> int:
        breaks = bisect.bisect_right(at, index)
        return index + (removed[breaks - 1] if breaks else 0)

    spans: list[tuple[int, int]] = []
    for form in literals:
        start = view.find(form)
        while start != -1:
            spans.append((written(start), written(start + len(form) - 1) + 1))
            start = view.find(form, start + 1)
    return spans


def redact_text(text: str) -> str:
    """Replace every registered secret, in any of its :func:`secret_forms` (and any mixture of
    its nested escaped spellings, in any case, and of its characters written as JSON, HTML or
    percent escapes: :data:`_ESCAPED_CHAR`), in ``text``."""
    nested, literals = _matchers()
    if not literals:
        return text
    lowered = _lower(text)
    spans = _spans(lowered, nested)
    for form in literals:
        start = text.find(form)  # substring tests run at C speed
        while start != -1:
            spans.append((start, start + len(form)))
            start = text.find(form, start + 1)
    if "\n" in text or "\r" in text:
        spans += _wrapped_spans(text, literals)
    if not spans:
        return text
    # Overlapping or adjacent spans become one mask: no part of either is left showing.
    shown: list[str] = []
    index = 0
    for start, end in sorted(spans):
        if start > index:
            shown += [text[index:start], MASK]
        elif not shown:
            shown.append(MASK)
        index = max(index, end)
    shown.append(text[index:])
    return "".join(shown)


def masked_excerpt(text: str | bytes, limit: int, ellipsis: str = "…") -> str:
    """The beginning of ``text`` (bytes: read as UTF-8), at most ``limit`` characters with
    ``ellipsis`` where it was cut, every registered secret masked.

    Masked, then cut: cut first, a secret the cut splits would be left half showing (its
    beginning is no form of it). Only the part of ``text`` a secret seen in the excerpt can
    reach is read (:func:`_longest_form` past the limit), however large ``text`` is.
    """
    window = limit + _longest_form()
    if isinstance(text, bytes):
        text = text[: 4 * window].decode("utf-8", "replace")  # (4: UTF-8's longest character)
    masked = redact_text(text[:window])
    if len(masked) <= limit and len(text) <= window:
        return masked
    return masked[: limit - len(ellipsis)] + ellipsis


def _longest_form() -> int:
    """A bound on the length of any form of a registered secret that :func:`redact_text` masks
    (each character in its longest spelling, escapes read decoded included; an encoded form
    wrapped across lines with a CRLF after each character at most)."""
    longest = _longest_cache.get("all")
    if longest is None:
        nested, literals = _matchers()
        longest = max(
            [3 * len(form) for form in literals]
            + [
                sum(max(_ESCAPE_LONGEST, len(spellings[0])) for spellings in secret.spellings)
                for secret in nested
            ]
            + [0]
        )
        _longest_cache["all"] = longest
    return longest


#: The longest escape :data:`_ESCAPED_CHAR` reads as one character, three printings deep
#: (``\\\\\\\\u0073``: repr doubles the backslash each time).
_ESCAPE_LONGEST = 13


def _may_hold_secret(texts: list[str]) -> bool:
    """Whether :func:`redact_text` could find anything in any of ``texts``; ``False`` only
    where it would find nothing in each.

    One pass over the texts joined (a NUL between them: a form that holds one can only match
    more, and case mapping's context stops at it) instead of one search per text per secret,
    for the few :func:`_needles` every form holds: where none of them occurs in the joined
    text lowered, no form occurs in any one text.
    """
    needles = _needles()
    if not texts or not needles:
        return False
    lowered = "\0".join(texts).lower()
    # (a loop, not any() of a generator: the generator cost more than the searches it made)
    for needle in needles:
        if needle in lowered:
            return True
    if "\n" in lowered or "\r" in lowered:
        view = _LINE_BREAK.sub("", lowered)  # (an encoded form wrapped across lines)
        for needle in needles:
            if needle in view:
                return True
    if "%" in lowered or "&#" in lowered or "\\u" in lowered:
        read = _unescaped(lowered)  # (characters written as escapes: read decoded too)
        if read is not None:
            view = read[0].lower()
            for needle in needles:
                if needle in view:
                    return True
    return False


def _keys_masked(value: Any, texts: list[str]) -> Any:
    """:func:`redact` without the search for registered secrets in the text it keeps: every
    text of the copy (as :func:`redact` prints it) is appended to ``texts``."""
    # JSON's own types first, by exact type (each goes where the checks below send it): an
    # answer is mostly these, and the ABC and union checks cost more than the copy.
    kind = type(value)
    if kind is str:
        texts.append(value)
        return value
    if kind is dict:
        return _dict_masked(value, texts)
    if value is None or kind is int or kind is bool or kind is float:
        return value
    if kind is list:
        return [_keys_masked(item, texts) for item in value]
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        texts.append(value)
        return value
    if isinstance(value, Mapping):
        return _each_key_masked(value, texts)
    if isinstance(value, list | tuple | set | frozenset):
        return [_keys_masked(v, texts) for v in value]
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    texts.append(text)
    return text


def _dict_masked(value: dict[Any, Any], texts: list[str]) -> dict[str, Any]:
    """:func:`_keys_masked` of a ``dict``: its text and plain values kept without a call each,
    and its secret keys known once per shape of keys (an answer's objects come in a few
    shapes: deciding each key on each call cost more than the copy); where every key is a name
    known not to be secret (most of an answer's objects), the shape is not looked up at all."""
    copy = value.copy()
    mark = len(texts)
    if _plain_names.issuperset(value):  # (one C call, against a look-up of a tuple of keys)
        for key, item in value.items():
            if type(key) is not str:  # equal to a plain name: named by str() in the copy
                del texts[mark:]
                return _each_key_masked(value, texts)
            kind = type(item)
            if kind is str:
                texts.append(item)
            elif kind not in _NUMBERS:
                copy[key] = _keys_masked(item, texts)
        return copy
    keys = tuple(value)
    secret = _secret_keys_by_shape.get(keys)
    if secret is None:
        if (
            len(keys) > _SHAPE_KEYS
            or not all(type(key) is str and len(key) <= _NAME_REMEMBERED_MOST for key in keys)
            or _may_hold_secret(list(keys))  # (a name holding a secret is masked key by key)
        ):
            return _each_key_masked(value, texts)
        secret = frozenset(key for key in keys if _secret_name(key))  # (all short: checked)
        if len(_secret_keys_by_shape) >= _SHAPES_REMEMBERED:
            _secret_keys_by_shape.clear()  # (bounded)
        _secret_keys_by_shape[keys] = secret
        if len(_plain_names) < _PLAIN_NAMES_REMEMBERED:
            _plain_names.update(key for key in keys if key not in secret)
    for key, item in value.items():
        if type(key) is not str:  # equal to a text key of the shape: named by str() in the copy
            del texts[mark:]
            return _each_key_masked(value, texts)
        kind = type(item)
        if key in secret and item not in (None, ""):
            copy[key] = MASK
        elif kind is str:
            texts.append(item)
        elif kind not in _NUMBERS:
            copy[key] = _keys_masked(item, texts)
    return copy


def _each_key_masked(value: Mapping[Any, Any], texts: list[str]) -> dict[str, Any]:
    """:func:`_keys_masked` of a mapping, key by key."""
    copy: dict[str, Any] = {}
    for key, item in value.items():
        name = key if type(key) is str else str(key)
        texts.append(name)  # (a name is shown too: redact() masks a secret in it)
        if is_secret_key(name) and item not in (None, ""):
            copy[name] = MASK
        else:
            copy[name] = _keys_masked(item, texts)
    return copy


#: The secret keys of each shape of keys (all text, in order) seen lately; bounded, and only
#: of objects of a few keys (what answers are made of), each of a short name
#: (:data:`_NAME_REMEMBERED_MOST`), so it holds little.
_secret_keys_by_shape: dict[tuple[str, ...], frozenset[str]] = {}
_SHAPES_REMEMBERED = 1024
_SHAPE_KEYS = 64
#: Key names (text, of shapes remembered) decided not to be secret, nor to hold a registered
#: secret (a shape whose names hold one is not remembered): a name is decided once (by
#: :data:`SECRET_KEY_MARKERS` and the secrets registered), so the set only grows, up to a
#: bound, until a secret is registered (a dict found within it is copied as plain while another
#: thread adds to it).
_plain_names: set[str] = set()
_PLAIN_NAMES_REMEMBERED = 4096
#: The exact types of JSON's values a copy keeps as they are, text aside.
_NUMBERS = frozenset({int, bool, float, type(None)})


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret keys masked and registered secrets removed from strings."""
    texts: list[str] = []
    copy = _keys_masked(value, texts)
    if not _may_hold_secret(texts):
        return copy  # the usual answer: no text of it holds a secret (one search, not one each)
    return _redact_each(value)


def _redact_each(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        return {
            redact_text(str(k)): (
                MASK if is_secret_key(str(k)) and v not in (None, "") else _redact_each(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_each(v) for v in value]
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
        # Its arguments too, which a class's own __str__ and __repr__ may leave out (an error
        # reporter records them), and its notes (in __dict__).
        attributes = [getattr(current, name, None) for name in ("doc", "object", "args")]
        attributes.append(getattr(current, "__dict__", None))
        for text in (str(current), repr(current), *(repr(a) for a in attributes if a)):
            if redact_text(text) != text:
                stand_in = RedactedException(redact_text(f"{type(exc).__name__}: {exc}"))
                return stand_in.with_traceback(exc.__traceback__)
        pending += [current.__cause__, current.__context__]
        # An exception group's members are printed with their own chains and tracebacks.
        if isinstance(current, BaseExceptionGroup):
            pending += current.exceptions
    return exc


def raise_scrubbed(error: BaseException, cause: BaseException) -> NoReturn:
    """Raise ``error`` from ``cause``'s stand-in (:func:`scrub_exception`), with no unscrubbed
    exception left in its chain.

    Raised inside an ``except`` clause, Python keeps the exception being handled as the new
    one's implicit ``__context__``: ``from`` hides it from tracebacks, but a program walking
    the chain (an error reporter) still reaches it, with its text. That context stays only
    when nothing in its own chain holds a registered secret.

    Raises:
        BaseException: ``error``, always.
    """
    try:
        raise error from scrub_exception(cause)
    finally:
        context = error.__context__
        if context is not None and scrub_exception(context) is not context:
            error.__context__ = None


# -- log records ----------------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """Masks registered secrets in every record of the logger it is on
    (:func:`redact_record`); it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = RedactingFilter()


def masked_logger(name: str) -> logging.Logger:
    """The logger ``name`` with :class:`RedactingFilter` on it: how every walletpass module
    gets its logger (a logger's filters see only the records made on that logger, not those
    its children pass up, so each one needs its own)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


#: What every log record holds: anything else was passed as ``extra=``.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}


def masked_traceback(exc: BaseException) -> str:
    """``exc``'s traceback as Python prints it (its chain, causes and contexts, notes, each
    exception's message), every registered secret masked."""
    printed = "".join(traceback.format_exception(exc))
    return redact_text(printed) if _may_hold_secret([printed]) else printed


def redact_record(record: logging.LogRecord) -> None:
    """Mask registered secrets in ``record``: its message with its arguments, its traceback
    (the whole chain as printed: each exception's message, ``__cause__``, ``__context__`` and
    notes, and what their ``repr`` shows), its stack and its ``extra=`` values.

    A record holding none is left as it is. In one that does, the message becomes the masked
    text (no arguments), and the traceback the masked text of it in ``exc_text``, which
    :class:`logging.Formatter` prints, in place of ``exc_info``, which a formatter would print
    unmasked from the exception itself: the traceback is still shown, masked.
    """
    if not _matchers()[1]:
        return  # (nothing registered)
    try:
        message = record.getMessage()
    except Exception:  # (a broken format: logging reports it when the record is handled)
        message = None
    if message is not None and _may_hold_secret([message]):
        record.msg, record.args = redact_text(message), ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        printed = "".join(traceback.format_exception(record.exc_info[1])).rstrip("\n")
        masked = masked_traceback(record.exc_info[1]).rstrip("\n")
        if masked != printed:
            record.exc_text, record.exc_info = masked, None
    elif record.exc_text and _may_hold_secret([record.exc_text]):
        record.exc_text = redact_text(record.exc_text)
    if record.stack_info and _may_hold_secret([record.stack_info]):
        record.stack_info = redact_text(record.stack_info)
    for name in record.__dict__.keys() - _RECORD_ATTRIBUTES:
        value = record.__dict__[name]
        if isinstance(value, str):
            if _may_hold_secret([value]):
                record.__dict__[name] = redact_text(value)
        elif isinstance(value, Mapping | list | tuple | set | frozenset | bytes):
            record.__dict__[name] = redact(value)  # (secret keys masked too: a JSON copy)
        elif value is not None and not isinstance(value, bool | int | float):
            shown = [str(value), repr(value)]
            if _may_hold_secret(shown) and any(redact_text(text) != text for text in shown):
                record.__dict__[name] = redact_text(shown[0])  # (what %(name)s prints)
