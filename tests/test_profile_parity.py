"""A vendor profile behaves like its vendor: the same calls, the same outcomes.

``connect("fake", profile=vendor)`` is what an application's tests use in place of the vendor.
For each vendor, one scenario runs on the profile and on the vendor's emulator (over HTTP on
127.0.0.1), with the same template aliases (the portability suite's ``walletpass.toml``) and
without, and every observation must be equal: every attribute of what each call returns (the
whole ``IssuedPass`` and ``Redemption`` but ``raw``, the vendor's answer verbatim), and of every
error its type, message, operation, details, ``retryable``, ``retry_after`` and
``outcome_unknown``, the provider's name aside (the profile is named ``fake(profile=<vendor>)``).
Only what is random by nature is compared by its shape (ids by role, moments as known and their
offset, urls without their host: ``_normalised``, ``MOMENTS``, ``_url_shape``). Refusals must
come before sending on both. Known differences (``DIFFERENCES``) are set aside and must still show.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import (
    Holder,
    IssuedPass,
    Pass,
    PassUpdate,
    Provider,
    Redemption,
    WalletPassError,
)
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator
from walletpass.timestamps import parse_timestamp

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]
VENDORS = tuple(DASHBOARDS)

#: (vendor, step) -> what the profile still does differently from its vendor (strict xfail).
GAPS: dict[tuple[str, str], str] = {}

#: (vendor, attribute) -> why the profile still reports that attribute differently from its
#: vendor: the attribute is set aside in every step of both scenarios (aliased and not), and
#: ``test_each_known_difference_is_still_there`` fails once it no longer differs, so the entry
#: must go. ``attribute``: one of a result (``meta``, ``vendor_id``), or ``error.<attribute>``.
DIFFERENCES: dict[tuple[str, str], str] = {}


#: The parts of a result compared as their shape, not their value, because the value is random
#: by nature on either side: the ids (made up by the vendor and by the fake alike, compared as
#: roles by ``_normalised``), the moments (two clocks: compared as "known, and in which offset"),
#: and the host a url points at (the emulator's 127.0.0.1 port and the profile's own host).
#: ``raw`` is left out: it is the vendor's answer verbatim, documented as what the neutral model
#: does not cover, which no profile reproduces.
#: ``provider`` names the side, not the vendor: the profile is the fake (``fake``).
PROVIDER = "<provider>"
MOMENTS = ("created_at", "updated_at", "expires_at", "redeemed_at")


#: ``IssuedPass.meta`` values the vendor makes up, and a profile in the vendor's documented form:
#: compared as that form (Livepasses' batch and tracking ids, livepasses.md 3.1).
MADE_UP_META = {"batch_id": r"b-[0-9a-f]+", "tracking_id": r"t-[0-9a-f]+"}
#: ``IssuedPass.meta`` values that are moments in ISO 8601 text (PassEntry's lifecycle times):
#: compared as ``_moment``.
META_MOMENTS = ("deactivated_at", "nullified_at")
#: ``IssuedPass.meta`` keys only the vendor's dashboard can fill (the name the dashboard gave a
#: template, every field a Pass2U model has and its label) are compared too: the profile is
#: given the same dashboard as the emulator (the fake's ``dashboard`` setting), as a user
#: configures the fake to match theirs. Nothing is left out of the comparison.
VENDOR_ONLY_META: frozenset[str] = frozenset()


def _meta_value(key: str, value: Any) -> Any:
    """A meta value as compared: a made-up one as its form, a moment as ``_moment``, a url as
    ``_url_shape``."""
    form = MADE_UP_META.get(key)
    if form is not None and isinstance(value, str) and re.fullmatch(form, value):
        return f"<made up: {form}>"
    if key in META_MOMENTS and isinstance(value, str):
        return _moment(parse_timestamp(value))
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return _url_shape(value)
    return value


def _moment(value: Any) -> Any:
    """A moment as compared: whether it is known and its offset (every answer tells UTC)."""
    return None if value is None else ("known", value.utcoffset())


def _url_shape(url: str | None) -> str | None:
    """A url as compared: its scheme, path and query, the host aside (the emulator's is
    127.0.0.1 or the vendor's, the profile's the fake's own, which never resolves), and a
    token in it (16 or more letters, digits, ``-``, ``_``, ``=``: random, or an encoding of an id
    the vendor makes) compared as ``<token>``. The ids in it are compared by role."""
    if url is None:
        return None
    return re.sub(r"^(https?)://[^/?#]+", r"\1://<host>", url)


def _tokens_aside(url: str) -> str:
    """``url`` (its ids already roles) with its tokens as ``<token>`` (:func:`_url_shape`)."""
    return re.sub(r"(?<=[/=])[A-Za-z0-9_=-]{16,}", "<token>", url)


#: provider name -> every ``IssuedPass.meta`` key ``seen_pass`` met in its results (the vendor's
#: name on an emulator, ``fake`` on a profile): what a provider page's meta table must list.
META_SEEN: dict[str, set[str]] = {}


def seen_pass(issued: IssuedPass) -> dict[str, Any]:
    """Every attribute of ``issued`` but ``raw``, the random parts by their shape (``MOMENTS``)."""
    META_SEEN.setdefault(issued.provider, set()).update(issued.meta)
    seen = issued.model_dump(mode="python", exclude={"raw"})
    for moment in MOMENTS:
        if moment in seen:
            seen[moment] = _moment(seen[moment])
    seen["urls"] = {name: _url_shape(url) for name, url in issued.urls if url is not None}
    seen["kind"] = issued.kind and issued.kind.value
    seen["status"] = issued.status.value
    seen["holder"] = issued.holder and issued.holder.model_dump(exclude_none=True)
    seen["balance"] = issued.balance and issued.balance.model_dump(exclude_none=True)
    seen["barcode"] = issued.barcode and issued.barcode.model_dump(mode="json", exclude_none=True)
    seen["unknown_parts"] = sorted(issued.unknown_parts)
    seen["meta"] = {
        key: _meta_value(key, value)
        for key, value in issued.meta.items()
        if key not in VENDOR_ONLY_META
    }
    seen["provider"] = PROVIDER
    if issued.vendor_id == issued.external_id:
        seen["vendor_id"] = "<the external id>"
    return seen


def seen_redemption(used: Redemption) -> dict[str, Any]:
    """Every attribute of ``used`` but ``raw``; ``redeemed_at`` as ``_moment``."""
    seen = used.model_dump(mode="python", exclude={"raw"})
    seen["status"] = used.status.value
    seen["redeemed_at"] = _moment(used.redeemed_at)
    seen["provider"] = PROVIDER
    return seen


@dataclass
class Run:
    """One side of the comparison: a provider and how to count what reached the vendor."""

    wallet: Provider
    sent: Callable[[], int]
    card: str | None = None
    ticket: str | None = None
    #: A pass the scenario deletes (where the provider can).
    doomed: str | None = None
    #: External ids the vendor (or the profile) made up for passes created without one.
    made_up: list[str] = field(default_factory=list)
    #: (id, vendor id, external id) of every pass the scenario created, in order.
    issued: list[tuple[str, str, str | None]] = field(default_factory=list)

    def created(self, new_pass: Pass) -> IssuedPass:
        issued = self.wallet.create(new_pass)
        self.issued.append((issued.id, issued.vendor_id, issued.external_id))
        if new_pass.external_id is None and issued.external_id is not None:
            self.made_up.append(issued.external_id)
        return issued


def _card(run: Run) -> Any:
    issued = run.created(
        Pass(
            template="coffee-card",
            kind="loyalty",
            external_id="M-1001",
            holder=Holder(name="Ada Lovelace"),
            fields={"points": 90},
        )
    )
    run.card = issued.id
    return seen_pass(issued)


def _doomed(run: Run) -> Any:
    issued = run.created(
        Pass(
            template="coffee-card",
            kind="loyalty",
            external_id="M-9009",
            holder=Holder(name="Grace Hopper"),
            fields={"points": 7},
        )
    )
    run.doomed = issued.id
    return seen_pass(issued)


def _ticket(run: Run) -> Any:
    issued = run.created(
        Pass(
            template="tasting",
            kind="event_ticket",
            holder=Holder(name="Ada Lovelace"),
            fields={"seat": "12B", "gate": "C"},
        )
    )
    run.ticket = issued.id
    return seen_pass(issued)


STEPS: dict[str, Callable[[Run], Any]] = {
    "create_card": _card,
    "get_card": lambda run: seen_pass(run.wallet.get(run.card)),
    "top_up": lambda run: seen_pass(
        run.wallet.update(
            run.card, PassUpdate(fields={"points": 95}, message="You now have %@ points")
        )
    ),
    "top_up_quietly": lambda run: seen_pass(
        run.wallet.update(run.card, PassUpdate(fields={"points": 95}))
    ),
    "get_topped_up": lambda run: seen_pass(run.wallet.get(run.card)),
    "spend_points": lambda run: seen_redemption(run.wallet.redeem(run.card, amount=5)),
    # Half a point from whole points: refused with the vendor's words, nothing spent (get_spent).
    "spend_fraction": lambda run: seen_redemption(
        run.wallet.redeem(run.card, amount=Decimal("2.5"))
    ),
    "get_spent": lambda run: seen_pass(run.wallet.get(run.card)),
    "overspend": lambda run: seen_redemption(run.wallet.redeem(run.card, amount=10_000)),
    "use_card": lambda run: seen_redemption(run.wallet.redeem(run.card)),
    "get_used_card": lambda run: seen_pass(run.wallet.get(run.card)),
    "create_ticket": _ticket,
    # One field of two: a vendor whose read has no fields (Livepasses) answers the one it set.
    "move_seat": lambda run: seen_pass(
        run.wallet.update(run.ticket, PassUpdate(fields={"seat": "12C"}))
    ),
    "scan_ticket": lambda run: seen_redemption(run.wallet.redeem(run.ticket)),
    "scan_again": lambda run: seen_redemption(run.wallet.redeem(run.ticket)),
    "get_ticket": lambda run: seen_pass(run.wallet.get(run.ticket)),
    "spend_on_ticket": lambda run: seen_redemption(run.wallet.redeem(run.ticket, amount=1)),
    "holder_email": lambda run: seen_pass(
        run.created(
            Pass(template="coffee-card", kind="loyalty", holder=Holder(email="ada@example.com"))
        )
    ),
    "ambiguous_message": lambda run: seen_pass(
        run.wallet.update(
            run.ticket, PassUpdate(fields={"seat": "14C", "gate": "D"}, message="Now %@")
        )
    ),
    "list": lambda run: [seen_pass(p) for p in run.wallet.list(template="coffee-card")],
    "delete_ticket": lambda run: run.wallet.delete(run.ticket),
    # After delete(): one outcome on the vendor and its profile (DELETED, then NotFound for
    # every write; or the same documented refusal where the vendor cannot delete).
    "create_doomed": _doomed,
    "delete_pass": lambda run: run.wallet.delete(run.doomed),
    "get_deleted": lambda run: seen_pass(run.wallet.get(run.doomed)),
    "update_deleted": lambda run: seen_pass(
        run.wallet.update(run.doomed, PassUpdate(fields={"points": 8}))
    ),
    "redeem_deleted": lambda run: seen_redemption(run.wallet.redeem(run.doomed)),
    "spend_deleted": lambda run: seen_redemption(run.wallet.redeem(run.doomed, amount=1)),
    "delete_again": lambda run: run.wallet.delete(run.doomed),
    # A field the pass never set is absent on both sides (a Pass2U model shows it empty).
    "unset_field": lambda run: [
        seen_pass(
            issued := run.created(
                Pass(
                    template="tasting",
                    kind="event_ticket",
                    holder=Holder(name="Ada Lovelace"),
                    fields={"seat": "1A"},
                )
            )
        ),
        seen_pass(run.wallet.get(issued.id)),
    ],
    # A card created without its balance field: what the vendor gives it (PassEntry: 0), from
    # the create's answer and from get alike.
    "card_without_points": lambda run: [
        seen_pass(
            card := run.created(
                Pass(
                    template="coffee-card",
                    external_id="M-2002",
                    holder=Holder(name="Grace Hopper"),
                )
            )
        ),
        seen_pass(run.wallet.get(card.id)),
    ],
    # An untyped value reads back as the vendor answers it (PassEntry: text).
    "untyped_value": lambda run: seen_pass(
        run.wallet.get(
            run.created(
                Pass(template="tasting", kind="event_ticket", fields={"seat": 14, "gate": "D"})
            ).id
        )
    ),
}


@dataclass(frozen=True)
class Seen:
    """A step's outcome: its value, or its error (:func:`_seen_error`).

    The message and ``details`` are compared for walletpass's own refusals and input errors; an
    error about the pass's state (``AlreadyRedeemed``, ``NotFound``, a balance too low) answered
    by the vendor carries the vendor's own words, which a profile cannot know: there only the
    rest is compared.
    """

    value: Any = None
    error: dict[str, Any] | None = None
    sent_before_refusal: bool = False


def _seen_error(exc: WalletPassError, label: str) -> dict[str, Any]:
    """Every attribute of ``exc`` an application reads, the provider's name aside (the profile
    is ``fake(profile=<vendor>)``), and the vendor's words aside where its answer gave them
    (:func:`_words`). ``status`` and ``request_id`` are the HTTP exchange's, which a profile
    does not have; ``provider`` is the name set aside."""
    words = _words(exc, label)
    vendors = words == VENDOR_WORDS
    return {
        "type": type(exc).__name__,
        "message": words,
        "operation": exc.operation,
        "details": VENDOR_WORDS if vendors else _named_aside(exc.details, label),
        "retryable": exc.retryable,
        "retry_after": exc.retry_after,
        "outcome_unknown": exc.outcome_unknown,
    }


def _named_aside(value: Any, label: str) -> Any:
    """``value`` with the provider's name ``label`` set aside, at any depth."""
    if isinstance(value, str):
        return value.replace(label, "<provider>")
    if isinstance(value, dict):
        return {k: _named_aside(v, label) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_named_aside(v, label) for v in value]
    return value


#: Steps that need the card or the ticket.
NEEDS = {
    **dict.fromkeys(
        (
            "get_card",
            "top_up",
            "top_up_quietly",
            "get_topped_up",
            "spend_points",
            "spend_fraction",
            "get_spent",
        ),
        "card",
    ),
    **dict.fromkeys(("overspend", "use_card", "get_used_card"), "card"),
    **dict.fromkeys(
        (
            "move_seat",
            "scan_ticket",
            "scan_again",
            "get_ticket",
            "spend_on_ticket",
            "ambiguous_message",
        ),
        "ticket",
    ),
    "delete_ticket": "ticket",
    **dict.fromkeys(
        (
            "delete_pass",
            "get_deleted",
            "update_deleted",
            "redeem_deleted",
            "spend_deleted",
            "delete_again",
        ),
        "doomed",
    ),
}


def _words(exc: WalletPassError, label: str) -> str:
    """The error's message, the provider's name aside, wherever walletpass wrote it (no vendor
    answer carried it: ``status`` is ``None``); a vendor's own words in an error answer are
    ones a profile cannot know."""
    if exc.status is not None:
        return VENDOR_WORDS
    return str(exc).replace(label, "<provider>")


VENDOR_WORDS = "<the vendor's words>"


def observe(run: Run, label: str) -> dict[str, Seen]:
    """Every step on ``run``, named ``label`` in its messages."""
    seen: dict[str, Seen] = {}
    for step, action in STEPS.items():
        needed = NEEDS.get(step)
        if needed and getattr(run, needed) is None:
            seen[step] = Seen(value=f"not reached: no {needed}")
            continue
        before = run.sent()
        try:
            seen[step] = Seen(value=action(run))
        except WalletPassError as exc:
            refused = isinstance(
                exc, walletpass.UnsupportedFeature | walletpass.UnsupportedOperation
            )
            seen[step] = Seen(
                error=_seen_error(exc, label),
                sent_before_refusal=refused and run.sent() > before,
            )
    return seen


def _normalised(value: Any, run: Run) -> Any:
    """Ids differ between the two sides by nature: compare them as roles (a pass by the order
    it was created in, its id and its vendor id apart, as the fake's ids are its own; a made-up
    external id by the order it was made up in, so a read must report the one its create did)."""
    if isinstance(value, str):
        named = {run.card: "<card id>", run.ticket: "<ticket id>", run.doomed: "<doomed>"}
        roles: list[tuple[str, str]] = []
        for n, (pass_id, vendor_id, external_id) in enumerate(run.issued):
            # The fake's ids are its own (fp_...): a vendor id is compared as its pass's role,
            # unless it is the pass's external id (LivePass), compared as such (seen_pass).
            role = named.get(pass_id) or f"<pass {n}>"
            roles.append((role, pass_id))
            if vendor_id != external_id:
                roles.append((role, vendor_id))
        roles += [(f"<made-up external id {n}>", made) for n, made in enumerate(run.made_up)]
        # The longest first: an id may pack its vendor id.
        for role, pass_id in sorted(roles, key=lambda role: -len(role[1])):
            value = value.replace(pass_id, role)
        return (
            _tokens_aside(value) if value.startswith(("https://<host>", "http://<host>")) else value
        )
    if isinstance(value, dict):
        return {k: _normalised(v, run) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_normalised(v, run) for v in value)
    return value


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, dict[str, tuple[Seen, Seen]]]]:
    """Per vendor and step: (what the profile did, what the emulator did)."""
    found: dict[str, dict[str, tuple[Seen, Seen]]] = {}
    for vendor, dashboard in DASHBOARDS.items():
        aliases = CONFIG["providers"][vendor]
        settings = {k: v for k, v in aliases.items() if k == "templates"}
        app = load_emulator(vendor, **dashboard)
        with EmulatorServer(app) as server:
            with walletpass.connect(
                vendor, base_url=server.url, api_key=app.api_key, **aliases
            ) as real:
                real_run = Run(real, lambda app=app: len(app.journal))
                real_seen = observe(real_run, vendor)
            with walletpass.connect(
                "fake", profile=vendor, dashboard=dashboard, **settings
            ) as fake:
                fake_run = Run(fake, lambda fake=fake: len(fake.calls))
                fake_seen = observe(fake_run, f"fake(profile={vendor})")
        found[vendor] = {
            step: (
                _normalised_seen(fake_seen[step], fake_run),
                _normalised_seen(real_seen[step], real_run),
            )
            for step in STEPS
        }
    yield found


def _normalised_seen(seen: Seen, run: Run) -> Seen:
    return Seen(
        _normalised(seen.value, run), _normalised(seen.error, run), seen.sent_before_refusal
    )


def _cases(steps: Iterable[str], gaps: Mapping[tuple[str, str], str]) -> Iterator[Any]:
    """(vendor, step) for every vendor and step, a step in ``gaps`` marked strict xfail."""
    for vendor in VENDORS:
        for step in steps:
            gap = gaps.get((vendor, step))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(vendor, step, id=f"{vendor}-{step}", marks=marks)


@pytest.mark.parametrize(("vendor", "step"), list(_cases(STEPS, GAPS)))
def test_the_profile_does_what_its_vendor_does(
    outcomes: dict[str, dict[str, tuple[Seen, Seen]]], vendor: str, step: str
) -> None:
    profile, emulator = outcomes[vendor][step]
    assert not emulator.sent_before_refusal, f"{vendor} sent a request before refusing {step}"
    aside = _known(vendor)
    assert _set_aside(_as_compared(profile, emulator), aside) == _set_aside(emulator, aside)


def _known(vendor: str) -> set[str]:
    """The attributes of ``vendor``'s results and errors set aside (``DIFFERENCES``)."""
    return {attribute for (named, attribute) in DIFFERENCES if named == vendor}


def _set_aside(seen: Seen, attributes: set[str]) -> Seen:
    """``seen`` without ``attributes`` (``DIFFERENCES``) in its results and its error."""
    value = _without(seen.value, {a for a in attributes if not a.startswith("error.")})
    error = seen.error
    if error is not None:
        dropped = {a.removeprefix("error.") for a in attributes if a.startswith("error.")}
        error = {k: v for k, v in error.items() if k not in dropped}
    return Seen(value, error, seen.sent_before_refusal)


def _without(value: Any, attributes: set[str]) -> Any:
    """``value``'s results (an ``IssuedPass`` or a ``Redemption`` as seen) without
    ``attributes``, at any depth (a list of passes)."""
    if isinstance(value, dict):
        result = value.get("provider") == PROVIDER
        return {
            k: _without(v, attributes) for k, v in value.items() if not (result and k in attributes)
        }
    if isinstance(value, list):
        return [_without(v, attributes) for v in value]
    return value


@pytest.mark.parametrize(("vendor", "attribute"), sorted(DIFFERENCES))
def test_each_known_difference_is_still_there(
    outcomes: dict[str, dict[str, tuple[Seen, Seen]]],
    plain_outcomes: dict[str, dict[str, tuple[Seen, Seen]]],
    vendor: str,
    attribute: str,
) -> None:
    """An entry of ``DIFFERENCES`` stands for a difference the scenarios still show."""
    others = _known(vendor) - {attribute}
    differs = [
        step
        for found in (outcomes, plain_outcomes)
        for step, (profile, emulator) in found[vendor].items()
        if _set_aside(_as_compared(profile, emulator), others) != _set_aside(emulator, others)
        and _set_aside(_as_compared(profile, emulator), _known(vendor))
        == _set_aside(emulator, _known(vendor))
    ]
    assert differs, f"{vendor}'s profile reports {attribute} as {vendor} does: drop the entry"


def _as_compared(profile: Seen, emulator: Seen) -> Seen:
    """``profile`` as compared with ``emulator``: where the vendor's own error answer gave the
    words, which a profile cannot know, the rest of the error alone."""
    if profile.error and emulator.error and emulator.error["message"] == VENDOR_WORDS:
        error = {**profile.error, "message": VENDOR_WORDS, "details": VENDOR_WORDS}
        return Seen(profile.value, error, profile.sent_before_refusal)
    return profile


# -- without template aliases ----------------------------------------------------------------
#
# An application may name the vendor's own templates and fields (no alias): the profile must
# then report what the vendor reports, e.g. the kind its template's type reads back as (or none
# where its answer does not say), not the kind the create asked for. The kind asked is the
# template's own, as a user designing the template in the dashboard would ask.

#: Per vendor: (template, kind, holder, fields) for a card and a ticket, and the card's update.
PLAIN: dict[str, dict[str, Any]] = {
    "pass2u": {
        "card": ("7001", "loyalty", {"stamps": 3}),
        "ticket": ("7002", "event_ticket", {"seat_no": "12B", "gate": "C"}),
        "update": {"stamps": 4},
    },
    "passentry": {
        "card": ("5f0e9c1d2b3a4f5e6d7c8b9a", "loyalty", {"stamps": "3"}),
        "ticket": ("19cb334f9696e64e10e7759f", "event_ticket", {"seat": "12B", "gate": "C"}),
        "update": {"stamps": "4"},
    },
    "livepasses": {
        "card": ("tmpl-coffee", "loyalty", {"currentPoints": 3}),
        "ticket": ("tmpl-tasting", "event_ticket", {"seatNumber": "12B"}),
        "update": {"currentPoints": 4},
    },
    "livepass": {
        "card": ("membership-card", "loyalty", {"membership_tier": "gold"}),
        "ticket": ("reservation", "reservation", {"title": "Tasting"}),
        "update": {"membership_tier": "silver"},
    },
}


#: (vendor, step) -> what the profile still does differently from its vendor without aliases.
PLAIN_GAPS: dict[tuple[str, str], str] = {}


def seen_plain(issued: IssuedPass) -> dict[str, Any]:
    """``seen_pass`` (the barcode too: a write may not know its format, Pass2U's)."""
    return seen_pass(issued)


def _plain_create(run: Run, vendor: str, which: str) -> Any:
    template, kind, fields = PLAIN[vendor][which]
    issued = run.created(
        Pass(template=template, kind=kind, holder=Holder(name="Ada Lovelace"), fields=fields)
    )
    setattr(run, which, issued.id)
    return seen_plain(issued)


PLAIN_STEPS: dict[str, Callable[[Run, str], Any]] = {
    "create_card": lambda run, vendor: _plain_create(run, vendor, "card"),
    "get_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    "update_card": lambda run, vendor: seen_plain(
        run.wallet.update(run.card, PassUpdate(fields=PLAIN[vendor]["update"]))
    ),
    "get_updated_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    # A spend where no alias names the balance: each vendor's own rule, in the same words.
    "spend": lambda run, vendor: seen_redemption(run.wallet.redeem(run.card, amount=1)),
    "create_ticket": lambda run, vendor: _plain_create(run, vendor, "ticket"),
    "get_ticket": lambda run, vendor: seen_plain(run.wallet.get(run.ticket)),
    "list": lambda run, vendor: [
        seen_plain(p) for p in run.wallet.list(template=PLAIN[vendor]["card"][0])
    ],
    # redeem(id) on the card: refused alike (NotUsedUp, or the vendor's documented refusal).
    "use_card": lambda run, vendor: seen_redemption(run.wallet.redeem(run.card)),
    "delete_card": lambda run, vendor: run.wallet.delete(run.card),
    "get_deleted_card": lambda run, vendor: seen_plain(run.wallet.get(run.card)),
    "update_deleted_card": lambda run, vendor: seen_plain(
        run.wallet.update(run.card, PassUpdate(fields=PLAIN[vendor]["update"]))
    ),
    "redeem_deleted_ticket": lambda run, vendor: [
        run.wallet.delete(run.ticket),
        seen_plain(run.wallet.get(run.ticket)),
        seen_redemption(run.wallet.redeem(run.ticket)),
    ],
}


def _observe_plain(run: Run, vendor: str, label: str) -> dict[str, Seen]:
    seen: dict[str, Seen] = {}
    for step, action in PLAIN_STEPS.items():
        try:
            seen[step] = Seen(value=action(run, vendor))
        except WalletPassError as exc:
            seen[step] = Seen(error=_seen_error(exc, label))
    return seen


@pytest.fixture(scope="module")
def plain_outcomes() -> dict[str, dict[str, tuple[Seen, Seen]]]:
    """Per vendor and step, without aliases: (what the profile did, what the emulator did)."""
    found: dict[str, dict[str, tuple[Seen, Seen]]] = {}
    for vendor, dashboard in DASHBOARDS.items():
        app = load_emulator(vendor, **dashboard)
        with (
            EmulatorServer(app) as server,
            walletpass.connect(vendor, base_url=server.url, api_key=app.api_key) as real,
        ):
            real_run = Run(real, lambda app=app: len(app.journal))
            real_seen = _observe_plain(real_run, vendor, vendor)
        with walletpass.connect("fake", profile=vendor, dashboard=dashboard) as fake:
            fake_run = Run(fake, lambda fake=fake: len(fake.calls))
            fake_seen = _observe_plain(fake_run, vendor, f"fake(profile={vendor})")
        found[vendor] = {
            step: (
                _normalised_seen(fake_seen[step], fake_run),
                _normalised_seen(real_seen[step], real_run),
            )
            for step in PLAIN_STEPS
        }
    return found


@pytest.mark.parametrize(("vendor", "step"), list(_cases(PLAIN_STEPS, PLAIN_GAPS)))
def test_without_aliases_the_profile_reports_what_its_vendor_reports(
    plain_outcomes: dict[str, dict[str, tuple[Seen, Seen]]], vendor: str, step: str
) -> None:
    profile, emulator = plain_outcomes[vendor][step]
    aside = _known(vendor)
    assert _set_aside(_as_compared(profile, emulator), aside) == _set_aside(emulator, aside)
