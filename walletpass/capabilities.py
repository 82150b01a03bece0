"""What a provider can do, declared as data.

Each provider states, for every operation and every neutral field, whether its vendor supports it
NATIVE, EMULATED (the note says how) or NONE (the note names the alternative), with a limit where
one applies. Anything a provider does not declare is NONE: a field added to the core later is
refused by an older plugin instead of being silently dropped. The CLI, the docs' matrix, the fake
provider's vendor profiles and the conformance suite all read these declarations, so what the
documentation promises is exactly what the code enforces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, cast

__all__ = [
    "CORE_OPERATIONS",
    "Capabilities",
    "Capability",
    "Declaration",
    "Support",
    "emulated",
    "native",
    "none",
]


class Support(StrEnum):
    NATIVE = "native"
    EMULATED = "emulated"
    NONE = "none"


class Capability(StrEnum):
    """Names of the neutral operations and fields a provider declares support for."""

    # operations
    CREATE = "create"
    GET = "get"
    UPDATE = "update"
    REDEEM = "redeem"
    DELETE = "delete"
    LIST = "list"
    CREATE_MANY = "create_many"

    # pass kinds
    KIND_GENERIC = "kind.generic"
    KIND_EVENT_TICKET = "kind.event_ticket"
    KIND_LOYALTY = "kind.loyalty"
    KIND_COUPON = "kind.coupon"
    KIND_MEMBERSHIP = "kind.membership"
    KIND_RESERVATION = "kind.reservation"
    KIND_APPOINTMENT = "kind.appointment"
    KIND_GIFT_CARD = "kind.gift_card"
    KIND_BOARDING_PASS = "kind.boarding_pass"

    # fields
    EXTERNAL_ID = "external_id"
    HOLDER_NAME = "holder.name"
    HOLDER_EMAIL = "holder.email"
    HOLDER_PHONE = "holder.phone"
    HOLDER_LANGUAGE = "holder.language"
    FIELDS = "fields"
    FIELD_LABELS = "fields.label"
    BARCODE_QR = "barcode.qr"
    BARCODE_PDF417 = "barcode.pdf417"
    BARCODE_AZTEC = "barcode.aztec"
    BARCODE_CODE128 = "barcode.code128"
    BARCODE_ALT_TEXT = "barcode.alt_text"
    LOCATIONS = "locations"
    LOCATION_ALTITUDE = "locations.altitude"
    LOCATION_RADIUS = "locations.radius"
    LOCATION_RELEVANT_TEXT = "locations.relevant_text"
    LOCATION_NAME = "locations.name"
    LOCATION_ADDRESS = "locations.address"
    LOCATION_URL = "locations.url"
    BEACONS = "beacons"
    BEACON_RELEVANT_TEXT = "beacons.relevant_text"
    BEACON_NAME = "beacons.name"
    RELEVANT_AT = "relevant_at"
    EXPIRES_AT = "expires_at"
    COLOR_BACKGROUND = "colors.background"
    COLOR_FOREGROUND = "colors.foreground"
    COLOR_LABEL = "colors.label"
    LOGO_TEXT = "logo_text"
    DESCRIPTION = "description"
    ORGANIZATION_NAME = "organization_name"
    IMAGES = "images"
    GROUP = "group"
    NFC = "nfc"
    BALANCE = "balance"
    TIER = "tier"
    EVENT_TITLE = "event.title"
    EVENT_STARTS_AT = "event.starts_at"
    EVENT_DURATION = "event.duration"
    EVENT_URL = "event.url"
    EXTRA = "extra"

    # update behaviour
    UPDATE_MESSAGE = "update.message"
    UPDATE_NOTIFY = "update.notify"
    UPDATE_CLEAR = "update.clear"

    # pass events (webhooks)
    EVENTS_RECEIVE = "events.receive"
    EVENTS_SUBSCRIBE = "events.subscribe"

    @property
    def is_operation(self) -> bool:
        return self in CORE_OPERATIONS

    @property
    def group_name(self) -> str:
        """A heading for tables: operations, kinds, fields or update behaviour."""
        if self.is_operation:
            return "operations"
        groups = {"kind": "pass kinds", "update": "updates", "events": "events"}
        return groups.get(self.value.split(".")[0], "fields")

    @property
    def is_event(self) -> bool:
        """Whether this names pass-event (webhook) support rather than an operation or field."""
        return self.value.startswith("events.")


CORE_OPERATIONS: frozenset[Capability] = frozenset(
    {
        Capability.CREATE,
        Capability.GET,
        Capability.UPDATE,
        Capability.REDEEM,
        Capability.DELETE,
        Capability.LIST,
        Capability.CREATE_MANY,
    }
)


class _Entry(NamedTuple):
    """The parts of a :class:`Declaration` (documented there)."""

    support: Support
    note: str = ""
    limit: int | None = None
    inferred: tuple[str, ...] = ()


# A NamedTuple, not a frozen dataclass: every provider class declares a table of these at
# import, and a dataclass's generated methods cost start-up time (benchmarks/run.py).
class Declaration(_Entry):
    """One entry of the matrix: the level of support, why, and the limit that applies.

    ``inferred`` lists the wire details this entry rests on that the vendor's documentation does
    not show (a key, path or value walletpass sends on inference): the matrix marks such entries,
    so a reader knows which promises have not been confirmed against the vendor.
    """

    __slots__ = ()

    if not TYPE_CHECKING:  # the type checker sees _Entry's constructor, part by part

        def __new__(cls, *args, **kwargs):
            declaration = super().__new__(cls, *args, **kwargs)
            declaration._check()
            return declaration

        def _replace(self, **changes):
            # NamedTuple's own _replace skips __new__, and with it the checks.
            return type(self)(**{**self._asdict(), **changes})

    def _check(self) -> None:
        if self.support is Support.EMULATED and not self.note:
            raise ValueError("an EMULATED declaration needs a note saying how it is emulated")
        if self.support is Support.NONE and not self.note:
            raise ValueError("a NONE declaration needs a note naming the alternative")
        if self.limit is not None and self.limit < 0:
            raise ValueError("a limit cannot be negative")
        if isinstance(self.inferred, str) or not all(
            isinstance(item, str) and item for item in self.inferred
        ):
            raise ValueError("inferred must be a tuple of non-empty texts")

    @property
    def available(self) -> bool:
        return self.support is not Support.NONE

    def describe(self) -> str:
        text = self.support.value.upper()
        if self.limit is not None:
            text += f" (max {self.limit})"
        if self.note:
            text += f": {self.note}"
        if self.inferred:
            text += f" [inferred: {'; '.join(self.inferred)}]"
        return text


def native(
    note: str = "", *, limit: int | None = None, inferred: tuple[str, ...] = ()
) -> Declaration:
    """A capability the vendor's API has as such (a field it stores, an endpoint it offers).

    :param note: optional: how the vendor carries it (an endpoint, a key), shown in the matrix.
    :param limit: the most items the vendor accepts (locations, fields...), checked before
        sending; ``None``: no documented limit.
    :param inferred: the wire details this rests on that the vendor's documentation does not
        show; the matrix marks the entry *inferred*.
    :returns: the matrix entry, for :class:`Capabilities`.
    :raises ValueError: a negative ``limit``, or ``inferred`` not a tuple of non-empty texts.
    """
    return Declaration(Support.NATIVE, note, limit, _inferred(inferred))


def emulated(note: str, *, limit: int | None = None, inferred: tuple[str, ...] = ()) -> Declaration:
    """A capability walletpass provides on top of the vendor's API (a template field holding
    an attribute, a read completing an answer).

    :param note: how it is emulated (required: a reader must know what stands in for it).
    :param limit: the most items accepted, as for :func:`native`.
    :param inferred: wire details the vendor does not document, as for :func:`native`.
    :returns: the matrix entry.
    :raises ValueError: an empty ``note``, a negative ``limit``, or ``inferred`` not a tuple
        of non-empty texts.
    """
    return Declaration(Support.EMULATED, note, limit, _inferred(inferred))


def none(alternative: str) -> Declaration:
    """A capability the vendor does not have: using it raises ``UnsupportedFeature`` or
    ``UnsupportedOperation`` before anything is sent, with this text as the way out.

    :param alternative: what to do instead (another call, the vendor's dashboard...).
    :returns: the matrix entry.
    :raises ValueError: an empty ``alternative``.
    """
    return Declaration(Support.NONE, alternative)


def _inferred(inferred: tuple[str, ...]) -> tuple[str, ...]:
    # A single text would become a tuple of its characters, each a "non-empty text".
    return inferred if isinstance(inferred, str) else tuple(inferred)


UNDECLARED = Declaration(Support.NONE, "not declared by this provider")


class Capabilities(Mapping[str, Declaration]):
    """An immutable capability matrix; looking up anything undeclared answers NONE."""

    __slots__ = ("_available", "_entries", "_limits")

    def __init__(self, entries: Mapping[str, Declaration] | None = None) -> None:
        cleaned: dict[str, Declaration] = {}
        for key, declaration in (entries or {}).items():
            if not isinstance(declaration, Declaration):
                raise TypeError(f"capability {key!r} must be declared with native/emulated/none")
            cleaned[str(key)] = declaration
        self._entries = cleaned
        # Read on every call: worked out once (the matrix never changes). A neutral key is kept
        # as its Capability member, equal to its text: a member looked up is then found by
        # identity, not by comparing a str subclass with a str.
        members = cast("dict[str, Capability]", Capability._value2member_map_)
        self._available = frozenset(members.get(k, k) for k, d in cleaned.items() if d.available)
        self._limits = tuple(
            (Capability(k), d.limit)
            for k, d in cleaned.items()
            if k in Capability._value2member_map_ and d.available and d.limit is not None
        )

    def available_keys(self) -> frozenset[str]:
        """The keys declared NATIVE or EMULATED (a neutral one as its ``Capability`` member; a
        member or its text is found either way)."""
        return self._available

    def available_limits(self) -> tuple[tuple[Capability, int], ...]:
        """``(capability, limit)`` of every available neutral capability declared with a
        limit."""
        return self._limits

    def __getitem__(self, key: str) -> Declaration:
        # (A Capability is its text: found without making that text first.)
        found = self._entries.get(key)
        return found if found is not None else self._entries.get(str(key), UNDECLARED)

    def __contains__(self, key: object) -> bool:
        return str(key) in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def support(self, key: str) -> Support:
        return self[key].support

    def supports(self, key: str) -> bool:
        return self[key].available

    def limit(self, key: str) -> int | None:
        return self[key].limit

    def merged(self, overrides: Mapping[str, Declaration]) -> Capabilities:
        """A copy with some entries replaced (used by subclasses and vendor profiles)."""
        return Capabilities({**self._entries, **{str(k): v for k, v in overrides.items()}})

    def complete(self, extra_operations: tuple[str, ...] = ()) -> dict[str, Declaration]:
        """Every neutral capability (declared or not) plus the provider's own operations."""
        keys: list[str] = [c.value for c in Capability]
        keys += [k for k in extra_operations if k not in keys]
        keys += [k for k in self._entries if k not in keys]
        return {key: self[key] for key in keys}

    def __repr__(self) -> str:
        return f"Capabilities({len(self._entries)} declared)"
