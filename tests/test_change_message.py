"""``PassUpdate.message`` is Apple's changeMessage, a format string, with one meaning everywhere.

PassKit Package Format Reference, "changeMessage": "must include the %@ placeholder"; Foundation's
String Format Specifiers: ``%@`` an object, ``%n$@`` the n-th, ``%%`` a literal percent sign. A
holder reads the same notification on every vendor and on the fake wearing its profile, or every
one of them refuses the message with a ``ValidationError`` on ``message`` before sending.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from walletpass_pass2u.payloads import change_message as pass2u_change_message

import walletpass
from walletpass import Holder, Pass, PassUpdate, Provider
from walletpass.change_message import parse_change_message
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]

# -- the rules, one member of each kind -----------------------------------------------------


@pytest.mark.parametrize(
    ("message", "holder_reads"),
    [
        ("Your seat changed to %@", "Your seat changed to 14C"),
        ("Your seat changed to %1$@", "Your seat changed to 14C"),
        ("%1$@, yes, %1$@", "14C, yes, 14C"),
        ("Type %%@ to see it", "Type %@ to see it"),
        ("50%% off seat %@", "50% off seat 14C"),
        ("100%%", "100%"),
        ("%%%@%%", "%14C%"),
        ("No placeholder", "No placeholder"),
        ("@ and $ alone", "@ and $ alone"),
    ],
)
def test_what_a_holder_reads(message: str, holder_reads: str) -> None:
    assert parse_change_message(message).render("14C") == holder_reads


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("%d points", "'%d' (at 0)"),
        ("%s", "'%s' (at 0)"),
        ("%1$d", "'%1$d' (at 0)"),
        ("seat %2$@", "value number 2"),
        ("50% off", "'% o' (at 2)"),
        ("100%", "lone %"),
        ("%5@", "'%5@'"),
        ("%-@", "'%-@'"),
        ("%.3f", "'%.3f'"),
        ("%ld", "'%ld'"),
        ("%@ then %@", "appears twice"),
        ("%@ then %1$@", "mixed"),
        ("%1$@ then %@", "mixed"),
    ],
)
def test_what_a_wallet_would_garble_is_refused(message: str, named: str) -> None:
    with pytest.raises(walletpass.ValidationError) as caught:
        parse_change_message(message)
    assert list(caught.value.fields) == ["message"]
    assert named in str(caught.value)


@given(st.text(max_size=40))
def test_apple_format_reads_back_as_the_same_message(text: str) -> None:
    # Any text written out as a format string (no placeholder) is that text again.
    escaped = text.replace("%", "%%")
    if escaped:
        parsed = parse_change_message(escaped)
        assert (parsed.placeholders, parsed.render("x")) == (0, text)
        assert parse_change_message(parsed.apple_format()) == parsed


# -- every provider: the fake, each profile, each emulator ----------------------------------

FREE_TEXT = {"passentry": "message", "livepasses": "messageBody"}


@dataclass
class Side:
    """One provider with a pass to update, and how to see what the holder was sent."""

    vendor: str
    name: str
    wallet: Provider
    pass_id: str
    app: Any = None
    mark: int = 0
    card_id: str = ""

    def update(self, message: str, value: str) -> None:
        self.mark = len(self.app.journal) if self.app is not None else len(self.wallet.calls)  # type: ignore[attr-defined]
        fields: dict[str, Any] = {"points": 5} if self.vendor == "livepass" else {"seat": value}
        self.wallet.update(self.pass_id, PassUpdate(fields=fields, message=message))

    def holder_reads(self, value: str) -> list[str]:
        """The notifications the last update sends the holder, as their wallet shows them."""
        if self.app is None:
            sent = self.wallet.calls[-1].params["change"]["message"]  # type: ignore[attr-defined]
            if self.vendor != "pass2u":
                return [sent]
            return [_wallet_renders(pass2u_change_message(sent), value)]
        bodies = [e.json() for e in self.app.journal.entries[self.mark :] if e.body]
        bodies = [b for b in bodies if isinstance(b, dict)]
        if self.vendor in FREE_TEXT:
            return [b[FREE_TEXT[self.vendor]] for b in bodies if FREE_TEXT[self.vendor] in b]
        return [
            _wallet_renders(entry["changeMessage"], str(entry["value"]))
            for body in bodies
            for entry in body.get("fields", ())
            if "changeMessage" in entry
        ]


def _wallet_renders(change_message: str, value: str) -> str:
    """What a wallet shows for an Apple changeMessage and the field's new value (written here
    apart from walletpass's parser: %% is %, %@ and %1$@ the value)."""
    return re.sub(r"%(%|1\$@|@)", lambda m: "%" if m.group(1) == "%" else value, change_message)


def _reference(message: str, value: str) -> tuple[str, int] | None:
    """What the holder reads and how many placeholders, or ``None``: a wallet would garble it."""
    out: list[str] = []
    kinds: list[str] = []
    at = 0
    for found in re.finditer(r"%(%|1\$@|@)?", message):
        out.append(message[at : found.start()])
        at = found.end()
        if found.group(1) is None:
            return None
        if found.group(1) == "%":
            out.append("%")
        else:
            kinds.append(found.group(1))
            out.append(value)
    out.append(message[at:])
    if kinds.count("@") > 1 or len(set(kinds)) > 1:
        return None
    return "".join(out), len(kinds)


def _connect(vendor: str, stack: ExitStack, emulated: bool) -> Side:
    settings = {k: v for k, v in CONFIG["providers"].get(vendor, {}).items() if k == "templates"}
    app = None
    if vendor == "fake":
        wallet = stack.enter_context(walletpass.connect("fake", **settings))
    elif not emulated:
        wallet = stack.enter_context(walletpass.connect("fake", profile=vendor, **settings))
    else:
        options = dict(DASHBOARDS[vendor])
        if vendor in ("passentry", "pass2u"):
            options["rate_limit"] = 100_000
        app = load_emulator(vendor, **options)
        server = stack.enter_context(EmulatorServer(app))
        wallet = stack.enter_context(
            walletpass.connect(
                vendor,
                base_url=server.url,
                api_key=app.api_key,
                rate_limit=100_000,
                **CONFIG["providers"][vendor],
            )
        )
    holder = Holder(name="Ada Lovelace")
    if vendor == "livepass":  # no ticket type: its message refusal is the same on any pass
        new = Pass(template="coffee-card", holder=holder, fields={"points": 90})
    else:
        new = Pass(template="tasting", holder=holder, fields={"seat": "12B", "gate": "C"})
    name = vendor if emulated else f"fake(profile={vendor})" if vendor != "fake" else "fake"
    card = Pass(template="coffee-card", holder=holder, fields={"points": 90}, external_id="M-1")
    return Side(vendor, name, wallet, wallet.create(new).id, app, card_id=wallet.create(card).id)


@pytest.fixture(scope="module")
def sides() -> Iterator[list[Side]]:
    with ExitStack() as stack:
        found = [_connect("fake", stack, emulated=False)]
        for vendor in DASHBOARDS:
            found.append(_connect(vendor, stack, emulated=False))
            found.append(_connect(vendor, stack, emulated=True))
        yield found


def _outcome(side: Side, message: str, value: str) -> Any:
    try:
        side.update(message, value)
    except walletpass.ValidationError as exc:
        return ("refused", tuple(exc.fields))
    except walletpass.UnsupportedFeature:
        return ("unsupported",)
    return ("reads", side.holder_reads(value))


def _expected(side: Side, message: str, value: str) -> Any:
    reference = _reference(message, value)
    if reference is None:
        return ("refused", ("message",))
    if side.vendor == "livepass":
        return ("unsupported",)  # LivePass sends no text of the caller's
    text, placeholders = reference
    if side.vendor != "pass2u":
        return ("reads", [text])
    if placeholders > 1:
        return ("refused", ("message",))  # Pass2U: "must contain %@", the value once
    if placeholders == 0:  # Pass2U alerts only with the value: it follows the text
        shown = text.rstrip()
        text = f"{shown} {value}" if shown.endswith((":", ".", "!", "?")) else f"{shown}: {value}"
    return ("reads", [text])


@pytest.mark.parametrize(
    "message",
    ["Your seat: %1$@", "Type %%@ to see the seat", "Seat %1$@ (was 12B)", "Seat %2$@", "50% off"],
)
def test_each_provider_shows_the_same_notification(sides: list[Side], message: str) -> None:
    for side in sides:
        assert _outcome(side, message, "14C") == _expected(side, message, "14C"), side.name


MESSAGES = st.lists(
    st.sampled_from(
        ["Seat ", "%@", "%1$@", "%2$@", "%%", "%", "%d", "% o", "now", "!", ":", "$", "@", "1"]
    ),
    min_size=1,
    max_size=5,
).map("".join)
VALUES = st.sampled_from(["14C", "50%", "%@", "A$1", "%%"])


#: The property tests share the module's providers (a fixture hypothesis does not reset).
ON_EVERY_SIDE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _seen_and_expected(
    sides: list[Side], outcome: Any, expected: Any, *args: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What each provider did with ``args``, beside what it should have done."""
    return (
        {side.name: outcome(side, *args) for side in sides},
        {side.name: expected(side, *args) for side in sides},
    )


@ON_EVERY_SIDE
@given(message=MESSAGES, value=VALUES)
def test_a_holder_reads_the_same_on_every_provider_or_every_one_refuses(
    sides: list[Side], message: str, value: str
) -> None:
    seen, expected = _seen_and_expected(sides, _outcome, _expected, message, value)
    assert seen == expected


# -- random updates: which value %@ stands for is decided once, from the application's update ---


@dataclass(frozen=True)
class Change:
    """An update as the application writes it, on the ticket or on the loyalty card."""

    card: bool
    fields: tuple[tuple[str, Any], ...]
    holder_name: str | None

    def update(self, message: str) -> PassUpdate:
        parts: dict[str, Any] = {"message": message}
        if self.fields:
            parts["fields"] = dict(self.fields)
        if self.holder_name is not None:
            parts["holder"] = {"name": self.holder_name}
        return PassUpdate(**parts)

    def values(self) -> list[str]:
        """The new values by what the holder sees, in any order."""
        shown = [str(v) for _, v in self.fields]
        return shown + ([self.holder_name] if self.holder_name is not None else [])


NAMES = st.sampled_from(["Grace Hopper", "Ada Byron", "Alan Turing"])
CHANGES = st.one_of(
    st.builds(
        Change,
        card=st.just(False),
        fields=st.dictionaries(st.sampled_from(["seat", "gate"]), VALUES, max_size=2).map(
            lambda d: tuple(sorted(d.items()))
        ),
        holder_name=st.none() | NAMES,
    ),
    st.builds(
        Change,
        card=st.just(True),
        fields=st.sampled_from([(), (("points", 95),), (("points", 7),)]),
        holder_name=st.none() | NAMES,
    ),
).filter(lambda c: bool(c.fields or c.holder_name))
CHANGE_MESSAGES = st.sampled_from(
    ["Moved to %@", "Hi %@", "Now %1$@, yes %1$@", "All changed", "50%% off: %@", "Now %@ %@"]
)


def _card_outcome(side: Side, change: Change, message: str) -> Any:
    pass_id = side.card_id if change.card else side.pass_id
    side.mark = len(side.app.journal) if side.app is not None else len(side.wallet.calls)  # type: ignore[attr-defined]
    try:
        side.wallet.update(pass_id, change.update(message))
    except walletpass.ValidationError as exc:
        return ("refused", tuple(exc.fields))
    except walletpass.UnsupportedFeature:
        return ("unsupported",)
    (value,) = change.values() if len(change.values()) == 1 else ("",)
    return ("reads", side.holder_reads(value))


def _card_expected(side: Side, change: Change, message: str) -> Any:
    values = change.values()
    reference = _reference(message, values[0] if len(values) == 1 else "")
    if reference is None:
        return ("refused", ("message",))
    text, placeholders = reference
    if placeholders and len(values) != 1:
        return ("refused", ("message",))  # the same refusal on every provider
    if side.vendor == "livepass":
        return ("unsupported",)  # LivePass sends no text of the caller's
    if side.vendor == "livepasses" and change.holder_name is not None:
        return ("refused", ("holder",))  # its customer is set once, at issue
    if side.vendor != "pass2u":
        return ("reads", [text])
    if len(values) != 1 or placeholders > 1:
        return ("refused", ("message",))  # shown beside its one field, the value once
    if placeholders == 0:
        shown = text.rstrip()
        text = (
            f"{shown} {values[0]}"
            if shown.endswith((":", ".", "!", "?"))
            else f"{shown}: {values[0]}"
        )
    return ("reads", [text])


# The verifier's findings, always run: several fields, a holder change, the card's points.
@ON_EVERY_SIDE
@example(change=Change(False, (("gate", "C4"), ("seat", "14C")), None), message="Moved to %@")
@example(change=Change(False, (), "Grace Hopper"), message="Hi %@")
@example(change=Change(True, (("points", 95),), None), message="You have %@ points")
@example(change=Change(True, (("points", 95),), "Grace Hopper"), message="You have %@ points")
@example(change=Change(False, (("seat", "14C"),), "Grace Hopper"), message="All changed")
@given(change=CHANGES, message=CHANGE_MESSAGES)
def test_random_updates_read_alike(sides: list[Side], change: Change, message: str) -> None:
    """The holder reads the same, or every provider refuses alike, for any update."""
    seen, expected = _seen_and_expected(sides, _card_outcome, _card_expected, change, message)
    assert seen == expected
