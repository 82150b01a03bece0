"""The shortcuts of a create's and an update's preparation give exactly what the full path
gives, and refuse exactly what it refuses (issue 18: each check stays, only repeated work goes).

Each property runs the shortcut and the full path on the same input: the template mapping with
no alias and no attribute to move, the declared count limits, the declared support, LivePass's
features a pass type cannot carry, and the template mapping kept per template.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import roundtrip
from walletpass.capabilities import Capabilities, Capability, Support, emulated, native, none
from walletpass.errors import FieldProblem, WalletPassError
from walletpass.features import features_in_use
from walletpass.model import (
    Balance,
    Barcode,
    BarcodeFormat,
    Beacon,
    Colors,
    Event,
    Holder,
    Location,
    Pass,
    PassField,
    PassKind,
    PassUpdate,
)
from walletpass.roundtrip import TemplateMapping, change_to_vendor, pass_to_vendor

from .strategies import maybe

texts = st.text("abcXYZ 12", min_size=1, max_size=8).map(str.strip).filter(bool)
ATTRIBUTE_HOMES = {
    "external_id": "memberId",
    "holder.name": "name",
    "holder.email": "mail",
    "holder.phone": "tel",
}


@st.composite
def contents(draw: st.DrawFn, update: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    nothing = st.none() if update else st.nothing()
    holder = st.builds(
        Holder,
        name=st.none() | texts,
        first_name=st.none() | texts,
        email=st.none() | st.just("a@example.com"),
        phone=st.none() | st.just("+15551234567"),
    )
    maybe(draw, "holder", nothing | holder, data)
    fields = st.dictionaries(
        st.sampled_from(["name", "memberId", "seat", "mail"]), texts, max_size=3
    )
    maybe(draw, "fields", fields, data)
    maybe(draw, "tier", nothing | texts, data)
    maybe(draw, "balance", nothing | st.builds(Balance, amount=st.just(Decimal(5))), data)
    maybe(draw, "event", nothing | st.builds(Event, title=st.none() | texts), data)
    locations = st.lists(
        st.builds(Location, latitude=st.just(1.0), longitude=st.just(2.0)), max_size=2
    )
    maybe(draw, "locations", nothing | locations, data)
    return data


@st.composite
def passes(draw: st.DrawFn) -> Pass:
    data = draw(contents(update=False))
    maybe(draw, "external_id", texts, data)
    maybe(draw, "kind", st.sampled_from(list(PassKind)), data)
    return Pass(template=draw(st.sampled_from(["1919", "reservation", "membership-card"])), **data)


@st.composite
def updates(draw: st.DrawFn) -> PassUpdate:
    return PassUpdate(**draw(contents(update=True)))


attribute_maps = st.dictionaries(
    st.sampled_from(sorted(ATTRIBUTE_HOMES)), st.sampled_from(["memberId", "name", "mail", "tel"])
)
field_held = st.frozensets(st.sampled_from(sorted(ATTRIBUTE_HOMES)))


def outcome(call: Any) -> tuple[str, Any, Any]:
    try:
        result = call()
    except WalletPassError as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("kept", result, sorted(result.model_fields_set))


@settings(deadline=None, max_examples=300)
@given(passes(), attribute_maps, field_held)
def test_a_pass_without_alias_maps_as_the_full_path_maps_it(
    new_pass: Pass, attributes: dict[str, str], held: frozenset[str]
) -> None:
    mapping = TemplateMapping(None, None, MappingProxyType(attributes))

    shortcut = outcome(lambda: pass_to_vendor(new_pass, mapping, held))

    assert shortcut == outcome(lambda: roundtrip._pass_to_vendor(new_pass, mapping, held))


@settings(deadline=None, max_examples=300)
@given(updates(), attribute_maps, field_held)
def test_an_update_without_alias_maps_as_the_full_path_maps_it(
    change: PassUpdate, attributes: dict[str, str], held: frozenset[str]
) -> None:
    mapping = TemplateMapping(None, None, MappingProxyType(attributes))

    shortcut = outcome(lambda: change_to_vendor(change, mapping, held))

    assert shortcut == outcome(lambda: roundtrip._change_to_vendor(change, mapping, held))


_PROVIDERS: dict[tuple[str, bool], Any] = {}


def _provider(name: str, strict: bool) -> Any:
    if (name, strict) not in _PROVIDERS:
        _PROVIDERS[name, strict] = walletpass.connect(name, api_key="k", strict=strict)
    return _PROVIDERS[name, strict]


@settings(deadline=None, max_examples=300)
@given(
    passes() | updates(),
    attribute_maps,
    st.sampled_from(["pass2u", "passentry", "livepass", "livepasses"]),
    st.booleans(),
)
def test_content_without_attributes_goes_to_the_vendor_as_the_full_path_takes_it(
    content: Pass | PassUpdate, attributes: dict[str, str], name: str, strict: bool
) -> None:
    # (the providers differ in the attributes they keep only in a template field)
    provider = _provider(name, strict)
    mapping = TemplateMapping(None, None, MappingProxyType(attributes))
    operation = "create" if isinstance(content, Pass) else "update"

    def warned(call: Any) -> tuple[Any, list[str]]:
        provider._warned.clear()  # (lenient mode warns once per provider of each drop)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            return outcome(call), [str(w.message) for w in caught]

    shortcut = warned(lambda: provider._to_vendor(content, mapping, operation))

    assert shortcut == warned(lambda: provider._mapped_to_vendor(content, mapping, operation))


declarations = st.sampled_from(
    [native(), native(limit=1), native(limit=3), emulated("x", limit=2), none("y")]
)
matrices = st.dictionaries(st.sampled_from(list(Capability)), declarations).map(Capabilities)
uses = st.dictionaries(st.sampled_from(list(Capability)), st.integers(0, 5))


@given(matrices)
def test_the_available_keys_are_those_declared_native_or_emulated(matrix: Capabilities) -> None:
    for cap in Capability:
        assert (cap in matrix.available_keys()) is (matrix[cap].support is not Support.NONE)
    assert dict(matrix.available_limits()) == {
        key: matrix[key].limit
        for key in matrix
        if matrix[key].support is not Support.NONE and matrix[key].limit is not None
    }


@given(matrices, uses)
def test_the_count_limits_refuse_what_each_declaration_refuses(
    matrix: Capabilities, used: dict[Capability, int]
) -> None:
    wallet = walletpass.connect("fake")
    with mock.patch.object(type(wallet), "capabilities", matrix):
        found = [(p.location, p.message) for p in wallet._count_problems(used)]
    expected = [
        cap.value
        for cap, count in used.items()
        if matrix[cap].support is not Support.NONE
        and matrix[cap].limit is not None
        and count > (matrix[cap].limit or 0)
    ]
    assert [field for field, _ in found] == expected
    assert all("allows at most" in message for _, message in found)


@settings(deadline=None, max_examples=300)
@given(passes() | updates())
def test_livepass_names_the_features_a_type_cannot_carry_as_listing_them_all_does(
    content: Pass | PassUpdate,
) -> None:
    from walletpass_livepass import checks
    from walletpass_livepass.payloads import PassType

    for pass_type in PassType:
        used = features_in_use(content)
        expected = {
            cap: f"a LivePass {pass_type.value} {why}"
            for name, why in checks._WRONG_FOR_TYPE[pass_type].items()
            for cap in checks._ATTRIBUTE_CAPS[name]
            if cap in used
        }
        assert checks.unsupported_for_type(content, pass_type) == expected


def test_a_template_mapping_is_kept_per_template_until_the_settings_change() -> None:
    wallet = walletpass.connect(
        "fake", templates={"vip": {"id": "tmpl-vip", "fields": {"seat": "seatNo"}}}
    )
    first = wallet.template_mapping("vip")
    assert wallet.template_mapping("vip") is first
    assert first == wallet._new_template_mapping("vip")
    assert wallet.template_mapping(None) == wallet._new_template_mapping(None)

    wallet.settings = wallet.settings.model_copy(
        update={
            "templates": {
                "vip": wallet.settings.templates["vip"].model_copy(update={"id": "other"})
            }
        }
    )

    assert wallet.template_mapping("vip").alias.id == "other"  # type: ignore[union-attr]


def test_the_kept_mappings_stay_bounded() -> None:
    wallet = walletpass.connect("fake")
    for number in range(1000):
        wallet.template_mapping(f"vendor-template-{number}")

    assert len(wallet.__dict__["_template_mappings"][1]) <= 256


path_ids = st.text(min_size=1, max_size=12).filter(lambda text: text not in (".", ".."))


@given(
    st.lists(st.sampled_from(["a", "passes", "v1/", "x.y", "-"]), min_size=1, max_size=4),
    st.lists(path_ids, min_size=1, max_size=3),
)
def test_a_path_is_filled_as_substituting_each_placeholder_quoted(
    texts_between: list[str], values: list[str]
) -> None:
    import re
    from urllib.parse import quote

    from walletpass.paths import fill_path

    names = [f"id{number}" for number in range(len(values))]
    template = "/".join(texts_between) + "".join(f"/{{{name}}}" for name in names)
    ids = dict(zip(names, values, strict=True))

    filled = fill_path(template, **ids)

    expected = re.sub(r"\{(\w+)\}", lambda match: quote(ids[match.group(1)], safe=""), template)
    assert filled.path == expected
    assert filled.template == template


def _update_mappings_in_full(wallet: Any, pass_id: str, change: PassUpdate) -> list[Any]:
    """The template mappings of an update as the core chose them before issue 18's cut: the
    default attribute homes read from the provider each time (the cut reads them from the kept
    mapping of no template)."""
    touches = change.fields is not None or change.holder is not None
    relevant = [
        a for a in wallet.settings.templates.values() if a.fields or a.attributes or a.balance_field
    ]
    defaults = {k: v for k, v in wallet.default_attribute_fields().items() if v}
    if not touches or not (relevant or defaults):
        return [None]
    if not relevant:
        return [wallet._new_template_mapping(None)]
    return wallet._update_mappings(pass_id, change)  # (aliases: the path this cut left alone)


_MAPPING_WALLETS = [
    ("pass2u", {}),
    ("pass2u", {"holder_name_field": None}),
    ("passentry", {}),
    ("passentry", {"holder_name_field": None}),
    ("livepasses", {}),
    ("fake", {}),
    ("fake", {"templates": {"vip": {"id": "tmpl-vip", "fields": {"seat": "seatNo"}}}}),
]


_connected: dict[int, Any] = {}


def _mapping_wallet(which: int) -> Any:
    if which not in _connected:
        name, options = _MAPPING_WALLETS[which]
        credentials = {} if name == "fake" else {"api_key": "k" * 24}
        _connected[which] = walletpass.connect(name, **credentials, **options)
    return _connected[which]


@settings(deadline=None, max_examples=200)
@given(st.sampled_from(range(len(_MAPPING_WALLETS))), updates())
def test_an_updates_template_mappings_are_those_the_full_choice_makes(
    which: int, change: PassUpdate
) -> None:
    name = _MAPPING_WALLETS[which][0]
    wallet = _mapping_wallet(which)
    pass_id = {"pass2u": "1919.QK-6Py8hktJg", "passentry": "p-1", "livepasses": "p-1"}.get(
        name, "fake-1"
    )

    try:
        expected: Any = _update_mappings_in_full(wallet, pass_id, change)
    except WalletPassError as exc:
        expected = type(exc).__name__
    try:
        found: Any = wallet._update_mappings(pass_id, change)
    except WalletPassError as exc:
        found = type(exc).__name__

    assert found == expected


def _features_in_full(content: Pass | PassUpdate) -> dict[Capability, int]:
    """What :func:`features_in_use` reports, part by part as the declarations name them (the
    definition it was written from, before it visited only the parts set)."""
    from walletpass import features as f

    used: dict[Capability, int] = {}
    update = isinstance(content, PassUpdate)
    if isinstance(content, Pass):
        used[Capability(f"kind.{content.kind.value}")] = 1
        if content.external_id is not None:
            used[Capability.EXTERNAL_ID] = 1
    else:
        if content.message is not None:
            used[Capability.UPDATE_MESSAGE] = 1
        if content.notify is not None:
            used[Capability.UPDATE_NOTIFY] = 1
        for name in content.cleared():
            used[Capability.UPDATE_CLEAR] = 1
            if name in f._SIMPLE:
                used[f._SIMPLE[name]] = 1
    for name, cap in f._SIMPLE.items():
        value = getattr(content, name)
        if value is None:
            continue
        if isinstance(value, list | dict):
            if value or (update and name in content.model_fields_set):
                used[cap] = max(used.get(cap, 0), len(value))
        else:
            used.setdefault(cap, 1)
    if content.fields and any(
        getattr(v, "label", None) is not None for v in content.fields.values()
    ):
        used[Capability.FIELD_LABELS] = 1
    if content.holder is not None:
        for name, cap in f._HOLDER.items():
            if getattr(content.holder, name) is not None:
                used[cap] = 1
    if content.barcode is not None:
        used[Capability(f"barcode.{content.barcode.symbology.value}")] = 1
        if content.barcode.alt_text is not None:
            used[Capability.BARCODE_ALT_TEXT] = 1
    for items, parts in ((content.locations, f._LOCATION), (content.beacons, f._BEACON)):
        for item in items or ():
            for name, cap in parts.items():
                if getattr(item, name) is not None:
                    used[cap] = 1
    for attr, parts in (("colors", f._COLORS), ("event", f._EVENT)):
        part = getattr(content, attr)
        if part is not None:
            for name, cap in parts.items():
                if getattr(part, name) is not None:
                    used[cap] = 1
    return used


# Values of any type (features_in_use reads only whether a part is set, and a list's or a
# dict's size), built without validation so every part, empty or odd, is reachable.
_anything = st.none() | st.integers() | st.text(max_size=3) | st.just("ünï\u2603")
_sized = st.lists(_anything, max_size=3) | st.dictionaries(st.text(max_size=2), _anything)


def _built(model: Any, names: list[str]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, _anything)).map(
        lambda data: model.model_construct(**data)
    )


_holders = _built(Holder, ["name", "first_name", "last_name", "email", "phone", "language"])
_locations = _built(Location, ["altitude", "radius", "relevant_text", "name", "address", "url"])
_beacons = _built(Beacon, ["relevant_text", "name"])
_colors = _built(Colors, ["background", "foreground", "label"])
_events = _built(Event, ["title", "starts_at", "duration", "url"])
_barcodes = st.builds(
    lambda fmt, alt: Barcode.model_construct(message="x", format=fmt, alt_text=alt),
    st.sampled_from(list(BarcodeFormat)),
    st.none() | st.text(max_size=3),
)
_fields = st.dictionaries(
    st.text(max_size=3),
    _anything
    | st.builds(
        lambda label: PassField.model_construct(value="v", label=label),
        st.none() | st.text(max_size=3),
    ),
    max_size=3,
)
_SIMPLE_NAMES = [
    "relevant_at",
    "expires_at",
    "logo_text",
    "description",
    "organization_name",
    "images",
    "group",
    "nfc",
    "balance",
    "tier",
    "extra",
]


def _content_parts(update: bool) -> st.SearchStrategy[dict[str, Any]]:
    nothing = st.none() if update else st.nothing()
    optional: dict[str, st.SearchStrategy[Any]] = {
        **dict.fromkeys(_SIMPLE_NAMES, _anything | _sized),
        "fields": nothing | _fields,
        "holder": nothing | _holders,
        "barcode": nothing | _barcodes,
        "locations": nothing | st.lists(_locations, max_size=3),
        "beacons": nothing | st.lists(_beacons, max_size=3),
        "colors": nothing | _colors,
        "event": nothing | _events,
    }
    return st.fixed_dictionaries({}, optional=optional)


_any_passes = st.builds(
    lambda data, kind, external_id: Pass.model_construct(
        template="t", kind=kind, external_id=external_id, **data
    ),
    _content_parts(update=False),
    st.sampled_from(list(PassKind)),
    st.none() | st.text(max_size=3),
)
_any_updates = st.builds(
    lambda data, control: PassUpdate.model_construct(**data, **control),
    _content_parts(update=True),
    st.fixed_dictionaries(
        {},
        optional={"message": st.none() | st.text(max_size=3), "notify": st.none() | st.booleans()},
    ),
)


@settings(deadline=None, max_examples=500)
@given(_any_passes | _any_updates)
def test_the_features_in_use_are_those_each_part_names_in_the_same_order(
    content: Pass | PassUpdate,
) -> None:
    # (the order too: the count problems are reported in it)
    assert list(features_in_use(content).items()) == list(_features_in_full(content).items())


# Ids near every edge of the rule: the printable ASCII range and its neighbours (space, DEL,
# control characters, non-ASCII printable letters, a surrogate), line breaks at the end (where a
# ``$`` would match before them) and in the middle, and lengths around 512.
_ID_CHARACTERS = (
    st.sampled_from(
        ["!", "~", "a", "Z", "0", ":", " ", "\x7f", "\x20", "\x00", "\t", "\n", "\r", "é", "\u2603"]
    )
    | st.characters()
)
_ids = (
    st.text(_ID_CHARACTERS, max_size=8)
    | st.builds(
        lambda body, size, tail: body * size + tail,
        st.sampled_from(["a", "~!", "é", " "]),
        st.integers(500, 520),
        st.sampled_from(["", "\n", "\n\n", " ", "b"]),
    )
    | st.builds(
        lambda text, tail: text + tail, st.text(_ID_CHARACTERS), st.sampled_from(["\n", "\r\n"])
    )
    | st.builds(lambda head, tail: head + "\n" + tail, st.text("ab~!", min_size=1), st.text("ab~!"))
)


@settings(deadline=None, max_examples=1000)
@given(_ids)
def test_an_id_is_taken_exactly_where_the_id_pattern_matches_all_of_it(pass_id: str) -> None:
    import re

    from walletpass.preparation import _id_text

    assert _id_text(pass_id) == (re.fullmatch(r"[\x21-\x7e]{1,512}", pass_id) is not None)


@settings(deadline=None, max_examples=300)
@given(_ids | st.none() | st.integers() | st.binary(max_size=4))
def test_an_id_the_pattern_refused_is_refused_with_the_one_sentence(pass_id: Any) -> None:
    import re

    if isinstance(pass_id, str) and re.fullmatch(r"[\x21-\x7e]{1,512}", pass_id):
        return  # (taken: what the provider's decode_id says of it is its own rule)
    wallet = walletpass.connect("fake", strict=True)
    try:
        wallet._check_id(pass_id)
    except WalletPassError as exc:
        refused = (type(exc).__name__, exc.problems)
    else:
        raise AssertionError(f"{pass_id!r} was taken")
    assert refused == (
        "ValidationError",
        (FieldProblem("pass_id", "must be a non-empty printable id without spaces"),),
    )


class _ShownId(str):
    """An application's id type: text that shows itself otherwise (in logs, f-strings)."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"PassId({str.__str__(self)})"

    def __format__(self, spec: str) -> str:
        return str(self)


class _LyingId(str):
    """Text whose own string methods say what they please."""

    __slots__ = ()

    def isprintable(self) -> bool:
        return True

    def isascii(self) -> bool:
        return True

    def __contains__(self, part: object) -> bool:
        return False


@pytest.mark.parametrize("vendor", ["livepasses", "passentry", "pass2u", "livepass"])
def test_an_id_of_a_str_subclass_is_taken_as_its_text_on_every_operation(vendor: str) -> None:
    # An id is the text it holds, whatever its class says of itself: the pass it names is read,
    # changed and redeemed, and each request names the id itself (a subclass's own str() went
    # out in Livepasses' lookup: NotFound).
    import tomllib
    from pathlib import Path

    from walletpass.testing.emulator import EmulatorServer
    from walletpass.testing.emulators import load_emulator

    here = Path(__file__).with_name("portability")
    config = tomllib.loads((here / "walletpass.toml").read_text(encoding="utf-8"))
    dashboard = tomllib.loads((here / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]
    aliases = config["providers"][vendor]
    settings = {k: v for k, v in aliases.items() if k in ("templates", "poll_interval")}
    app = load_emulator(vendor, **dashboard[vendor])
    holder = {"first_name": "Ada", "last_name": "Lovelace"}
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **settings) as wallet,
    ):
        issued = wallet.create(
            {"template": "coffee-card", "kind": "loyalty", "holder": holder, "external_id": "M-7"}
        )
        pass_id = _ShownId(issued.id)
        assert wallet.get(pass_id).id == issued.id
        assert wallet.update(pass_id, {"fields": {"points": 4}}).id == issued.id
        assert all("PassId" not in entry.path + repr(entry.query) for entry in app.journal)
        for lying in (_LyingId(issued.id + "\n"), _LyingId("a b"), _LyingId("\u00e9")):
            with pytest.raises(walletpass.ValidationError, match="printable id"):
                wallet.get(lying)


def test_a_list_filter_of_subclasses_is_sent_as_its_text_and_number() -> None:
    # The template and page size a listing sends are the text and number given, not what
    # their classes print (Livepasses was sent pageSize=small and templateId=PassId(...)).
    import enum

    from walletpass.testing.emulator import EmulatorServer
    from walletpass.testing.emulators import load_emulator

    class Size(enum.IntEnum):
        SMALL = 2

        def __str__(self) -> str:
            return "small"

    app = load_emulator("livepasses")
    with (
        EmulatorServer(app) as server,
        walletpass.connect("livepasses", base_url=server.url, api_key=app.api_key) as wallet,
    ):
        assert list(wallet.list(template=_ShownId("tmpl-x"), page_size=Size.SMALL)) == []
        with pytest.raises(walletpass.ValidationError, match="page_size"):
            wallet.list(page_size=True)
    assert [entry.query for entry in app.journal] == [
        {"page": ["1"], "pageSize": ["2"], "templateId": ["tmpl-x"]}
    ]


def test_an_amount_of_a_subclass_is_spent_as_the_number_it_holds() -> None:
    import enum

    class Points(enum.IntEnum):
        FIVE = 5

        def __str__(self) -> str:
            return "five"

    class Shown(Decimal):
        def __str__(self) -> str:
            return "NaN"

    class Euros(float):
        def __repr__(self) -> str:
            return "2.5 EUR"

        __str__ = __repr__

    with walletpass.connect("fake") as wallet:
        for amount, spent in (
            (Points.FIVE, 5),
            (Shown("2.50"), Decimal("2.50")),
            (Euros(2.5), 2.5),
        ):
            issued = wallet.create({"template": "t", "kind": "loyalty", "balance": {"amount": 10}})
            used = wallet.redeem(issued.id, amount=amount)
            assert used.amount == spent
