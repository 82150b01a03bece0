"""The shortcuts of the answer side give exactly what the full path gives (issue 18: each rule
stays, only repeated work goes).

Each property runs the shortcut and the full path on the same input: the round trip of a pass
with no template alias whose provider keeps attributes in fields (Pass2U's holder name, PassEntry's
fullName), the holder made of name parts without validation, the parts an answer cannot show, and
the parts an update sets or clears (asked several times by each update's checks).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import roundtrip
from walletpass.behaviour import READABLE_PARTS, VendorBehaviour
from walletpass.errors import WalletPassError
from walletpass.model import (
    Balance,
    Barcode,
    Holder,
    IssuedPass,
    PassKind,
    PassUpdate,
    PassUrls,
    names_holder,
)
from walletpass.readback import BATCH, READ_BACK_FAILED, completed_by_read, unknown_parts
from walletpass.roundtrip import TemplateMapping, issued_from_vendor

from .strategies import maybe

HOMES = ["name", "memberId", "mail", "tel", "seat"]
ATTRIBUTES = ["external_id", "holder.name", "holder.email", "holder.phone"]

texts = st.text(min_size=1, max_size=8).filter(str.isprintable)
values = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    texts,
    st.sampled_from(["a@example.com", "+15551234567", "not an email", "Zoë", "x" * 300]),
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.just("k"), st.integers(), max_size=1),
)
holders = st.builds(
    Holder,
    name=st.none() | texts.filter(lambda t: len(t.strip()) > 0),
    first_name=st.none() | st.just("Ann"),
    last_name=st.none() | st.just("Lee"),
    email=st.none() | st.just("b@example.com"),
    phone=st.none() | st.just("+15550000000"),
)


@st.composite
def answers(draw: st.DrawFn) -> IssuedPass:
    data: dict[str, Any] = {}
    maybe(draw, "template", st.none() | st.just("1919"), data)
    maybe(draw, "vendor_template", st.none() | st.just("vt"), data)
    maybe(draw, "external_id", st.none() | texts, data)
    maybe(draw, "holder", st.none() | holders, data)
    maybe(draw, "kind", st.none() | st.sampled_from(list(PassKind)), data)
    maybe(draw, "meta", st.dictionaries(st.just("m"), st.integers(), max_size=1), data)
    fields = st.dictionaries(st.sampled_from([*HOMES, "level", "ünï"]), values, max_size=5)
    return IssuedPass(id="m.p", vendor_id="p", provider="pass2u", fields=draw(fields), **data)


attribute_maps = st.dictionaries(st.sampled_from(ATTRIBUTES), st.sampled_from(HOMES), min_size=1)


def outcome(call: Any) -> tuple[str, Any, Any]:
    try:
        result = call()
    except WalletPassError as exc:
        return ("refused", type(exc).__name__, str(exc))
    return ("kept", dict(result.__dict__), sorted(result.model_fields_set))


@settings(deadline=None, max_examples=400)
@given(answers(), attribute_maps, st.none() | st.just("fake(profile=pass2u)"))
def test_an_answer_without_alias_reads_back_as_the_full_path_reads_it(
    issued: IssuedPass, attributes: dict[str, str], label: str | None
) -> None:
    mapping = TemplateMapping(None, None, MappingProxyType(attributes))
    before = dict(issued.__dict__)

    shortcut = outcome(lambda: issued_from_vendor(issued, mapping, label=label))

    assert shortcut == outcome(lambda: roundtrip._issued_from_vendor(issued, mapping, label))
    assert dict(issued.__dict__) == before  # the answer given is never changed


def _unread_spec(
    issued: IssuedPass, behaviour: VendorBehaviour, answer: str, balance_aliased: bool
) -> set[str]:
    """The parts of ``unread_on_get`` unknown_parts names, as it was written before its loop
    asked each part once (2026-12-01)."""
    parts: set[str] = set()
    if answer == "create":
        return parts
    for part in behaviour.unread_on_get:
        if part == "balance" and balance_aliased and behaviour.balance_read_when_aliased:
            continue
        if part == "balance" and (
            behaviour.balance_write_refusal is not None
            and behaviour.balance_kinds is not None
            and issued.kind is not None
            and issued.kind not in behaviour.balance_kinds
        ):
            continue
        if part == "fields" and answer == BATCH:
            if not issued.fields:
                parts.add(part)
            continue
        if part == "fields":
            parts.add(part)
            continue
        if part == "urls":
            if not any(link is not None for _, link in issued.urls):
                parts.add(part)
            continue
        whole, _, attribute = part.partition(".")
        value = getattr(issued, whole)
        if attribute:
            value = getattr(value, attribute) if value is not None else None
        if value is None:
            parts.add(part)
    return parts


@st.composite
def read_answers(draw: st.DrawFn) -> IssuedPass:
    data: dict[str, Any] = {}
    maybe(draw, "kind", st.none() | st.sampled_from(list(PassKind)), data)
    maybe(draw, "holder", st.none() | holders, data)
    maybe(draw, "balance", st.none() | st.builds(Balance, amount=st.integers(0, 9)), data)
    maybe(draw, "barcode", st.none() | st.builds(Barcode, message=st.just("m")), data)
    links = st.none() | st.just("") | st.just("https://example.com/p")
    maybe(
        draw,
        "urls",
        st.builds(PassUrls, download=links, apple=links, google=links, web=links),
        data,
    )
    maybe(draw, "fields", st.dictionaries(st.just("a"), st.just("b"), max_size=1), data)
    maybe(draw, "meta", st.sampled_from([{}, {READ_BACK_FAILED: "NotFound"}]), data)
    return IssuedPass(id="p", vendor_id="p", provider="x", **data)


behaviours = st.fixed_dictionaries(
    {
        "unread_on_get": st.frozensets(st.sampled_from(sorted(READABLE_PARTS))),
        "balance_read_when_aliased": st.booleans(),
        "balance_write_refusal": st.none() | st.just("no balance on this kind"),
        "balance_kinds": st.none() | st.frozensets(st.sampled_from(list(PassKind)), max_size=3),
        "barcode_format_in_writes": st.booleans(),
    }
).map(lambda facts: VendorBehaviour(**facts))


@settings(deadline=None, max_examples=400)
@given(
    read_answers(),
    behaviours,
    st.sampled_from(["create", "update", "get", "list", BATCH]),
    st.booleans(),
    st.booleans(),
)
def test_the_unknown_parts_are_those_each_part_says(
    issued: IssuedPass, behaviour: VendorBehaviour, answer: str, aliased: bool, kind: bool
) -> None:
    found = unknown_parts(issued, behaviour, answer, balance_aliased=aliased, kind=kind)

    # (what it names beside the unread parts does not depend on them)
    rest = unknown_parts(
        issued,
        behaviour._replace(unread_on_get=frozenset()),
        answer,
        balance_aliased=aliased,
        kind=kind,
    )
    assert found == rest | _unread_spec(issued, behaviour, answer, aliased)


@settings(deadline=None, max_examples=200)
@given(
    read_answers(),
    behaviours,
    st.sampled_from(["update", "get", "list", BATCH]),
    st.sampled_from([tuple, sorted, set]),
)
def test_unread_parts_given_as_any_collection_are_read_as_a_frozenset(
    issued: IssuedPass, behaviour: VendorBehaviour, answer: str, collection: Any
) -> None:
    """``VendorBehaviour`` takes ``unread_on_get`` as any collection of part names (its check
    reads ``set()`` of it; a plugin may declare a tuple): the parts named are the same as for the
    frozenset, never an error of the collection's type."""
    given = behaviour._replace(unread_on_get=collection(behaviour.unread_on_get))
    assert unknown_parts(issued, given, answer) == unknown_parts(issued, behaviour, answer)


@st.composite
def changes(draw: st.DrawFn) -> PassUpdate:
    data: dict[str, Any] = {}
    maybe(draw, "fields", st.none() | st.dictionaries(st.just("a"), texts, max_size=1), data)
    maybe(draw, "holder", st.none() | holders, data)
    maybe(draw, "barcode", st.none() | st.builds(Barcode, message=texts), data)
    maybe(draw, "balance", st.none() | st.builds(Balance, amount=st.integers(0, 9)), data)
    maybe(draw, "message", st.none() | texts, data)
    maybe(draw, "notify", st.none() | st.booleans(), data)
    return PassUpdate(**data)


@settings(deadline=None, max_examples=300)
@given(changes())
def test_an_updates_parts_are_those_its_set_names_say(change: PassUpdate) -> None:
    set_names = change.model_fields_set - {"message", "notify"}

    assert change.changed() == {name: getattr(change, name) for name in set_names}
    assert change.cleared() == frozenset(n for n in set_names if getattr(change, n) is None)
    assert change.is_empty() is (not set_names and change.message is None)


name_texts = st.one_of(
    st.text(max_size=8),
    st.text(st.characters(codec=None, categories=None), max_size=8),  # surrogates, controls
    st.sampled_from(["", " ", "Zoë", "\ud800", "a\udfffb"]),
    st.integers(0, 3).flatmap(lambda d: st.just("x" * (100 + d) if d % 2 else "y" * (199 + d))),
)
name_parts = st.dictionaries(
    st.sampled_from(["name", "first_name", "last_name", "email", "phone", "language"]),
    st.one_of(name_texts, st.none(), st.integers(), st.builds(type("Text", (str,), {}), st.text())),
    max_size=4,
)


@settings(deadline=None, max_examples=600)
@given(name_parts)
@example({"name": "y" * 200, "first_name": "x" * 100, "last_name": "Zoë"})
@example({"name": "y" * 201})
@example({"first_name": "x" * 101})
@example({"last_name": ""})
@example({"name": "a\ud800"})
@example({"name": "Ann", "email": "a@example.com"})
def test_a_holder_of_names_is_the_holder_validation_makes(parts: dict[str, Any]) -> None:
    made = names_holder(parts)
    names = {"name": 200, "first_name": 100, "last_name": 100}
    if all(
        key in names and type(value) is str and 0 < len(value) <= names[key] and value.isascii()
        for key, value in parts.items()
    ):
        assert made is not None  # the common case takes the shortcut
    if made is None:
        return  # (validated instead: the one path)
    validated = Holder(**parts)
    assert type(made) is Holder
    assert made.__dict__ == validated.__dict__
    assert list(made.__dict__) == list(validated.__dict__)
    assert made.model_fields_set == validated.model_fields_set
    assert made == validated and repr(made) == repr(validated)
    assert made.model_dump_json() == validated.model_dump_json()


def _completed_spec(written: IssuedPass, read: IssuedPass, unread: Any) -> IssuedPass:
    """completed_by_read as it was written before it remembered how each collection of unread
    parts splits (2026-12-01): each part split on each call."""
    update: dict[str, Any] = {}
    holder: dict[str, Any] = {}
    for part in unread:
        whole, _, attribute = part.partition(".")
        if attribute:
            holder[attribute] = getattr(written.holder, attribute) if written.holder else None
        else:
            update[whole] = getattr(written, whole)
    base = read.holder or written.holder
    if holder and base is not None:
        update["holder"] = base.model_copy(update=holder)
    update["id"] = written.id
    update["updated_at"] = read.updated_at or written.updated_at
    update["meta"] = {**read.meta, **written.meta}
    update["raw"] = {"write": written.raw, "read": read.raw}
    if read.kind is None and written.kind is not None:
        update["kind"] = written.kind
    return read.model_copy(update=update)


def _whole(issued: IssuedPass) -> Any:
    holder = issued.holder
    parts = (None if holder is None else (dict(holder.__dict__), holder.model_fields_set),)
    return dict(issued.__dict__), issued.model_fields_set, parts


@settings(deadline=None, max_examples=300)
@given(
    read_answers(),
    read_answers(),
    st.frozensets(st.sampled_from(sorted(READABLE_PARTS))),
    st.sampled_from([frozenset, tuple, sorted, set, list]),
    st.booleans(),
)
def test_a_write_completed_by_its_read_is_what_each_part_split_on_each_call_makes(
    written: IssuedPass, read: IssuedPass, parts: frozenset[str], collection: Any, twice: bool
) -> None:
    unread = collection(parts)
    if twice:
        completed_by_read(written, read, unread=unread)  # (its split then remembered)
    made = completed_by_read(written, read, unread=unread)
    assert _whole(made) == _whole(_completed_spec(written, read, unread))


_fake = walletpass.connect("fake")
_FAKE_ID = str(_fake.create({"template": "t-1"}).id)


@st.composite
def plain_answers(draw: st.DrawFn) -> IssuedPass:
    """An answer as any provider parses one, of a pass whose mapping has nothing to map: the
    parts unknown_parts asks about, template ids, fields with and without values, unknown
    parts the parse already named."""
    read = draw(read_answers())
    data: dict[str, Any] = {}
    maybe(draw, "template", st.none() | st.just("t-1") | st.just("ünï"), data)
    maybe(draw, "vendor_template", st.none() | st.just("vt"), data)
    maybe(
        draw, "fields", st.dictionaries(st.sampled_from(["a", "b", "ü"]), values, max_size=3), data
    )
    maybe(draw, "unknown_parts", st.frozensets(st.sampled_from(sorted(READABLE_PARTS))), data)
    given = {name: getattr(read, name) for name in read.model_fields_set} | data
    return IssuedPass(**{**given, "id": _FAKE_ID, "vendor_id": "p", "provider": "fake"})


@settings(deadline=None, max_examples=400)
@given(plain_answers(), behaviours, st.sampled_from(["create", "update", "get", "list", BATCH]))
@example(  # a batch's item whose every field is without a value: no fields once presented
    IssuedPass(id=_FAKE_ID, vendor_id="p", provider="fake", fields={"a": None, "b": ""}),
    VendorBehaviour(unread_on_get=frozenset({"fields"})),
    BATCH,
)
def test_an_answer_with_nothing_to_map_is_presented_as_the_round_trip_presents_it(
    issued: IssuedPass, behaviour: VendorBehaviour, answer: str
) -> None:
    """present's shortcut for a mapping without alias or attribute homes (one copy with the
    unknown parts asked of the answer) gives what the round trip's copy completed with the
    unknown parts of the presented pass gives: values, fields set, the answer left alone."""
    vars(_fake)["behaviour"] = behaviour  # (as a profile sets its vendor's)
    mapping = _fake.mapping_for_vendor_template(issued.template)
    assert mapping.alias is None and not mapping.attributes
    before = _whole(issued)

    made = outcome(lambda: _fake.present(issued, answer=answer))

    presented = issued_from_vendor(issued, mapping, label=_fake.label)
    unknown = issued.unknown_parts | unknown_parts(presented, behaviour, answer)
    if unknown != presented.unknown_parts:
        presented = presented.model_copy(update={"unknown_parts": unknown})
    assert made == ("kept", dict(presented.__dict__), sorted(presented.model_fields_set))
    assert list(made[1]) == list(presented.__dict__)
    assert _whole(issued) == before
