"""The shortcuts of a create's and an update's preparation give exactly what the full path
gives, and refuse exactly what it refuses (issue 18: each check stays, only repeated work goes).

Each property runs the shortcut and the full path on the same input: the template mapping with
no alias and no attribute to move, the declared count limits, the declared support, LivePass's
features a pass type cannot carry, and the template mapping kept per template.
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import roundtrip
from walletpass.capabilities import Capabilities, Capability, Support, emulated, native, none
from walletpass.errors import WalletPassError
from walletpass.features import features_in_use
from walletpass.model import Balance, Event, Holder, Location, Pass, PassKind, PassUpdate
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
