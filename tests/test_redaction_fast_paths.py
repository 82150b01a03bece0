"""redact()'s fast path (JSON's own types by exact type, a dict's secret keys known per shape of
keys, one search of all its texts) gives exactly what the general path gives, each text and key
on its own: the same values of the same types, the same keys, whatever the structure holds
(odd types, keys that are not text or are text of a subclass, secrets in keys and texts)."""

from __future__ import annotations

import base64
import gc
import json
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass import redaction
from walletpass.redaction import (
    MASK,
    _may_hold_secret,
    _redact_each,
    redact,
    redact_text,
    register_secret,
    secret_forms,
)

_SECRET = "\u2603fast-path-secret-42"


class _Key(str):
    """Text of a subclass that names itself otherwise: the copy names it by ``str()``."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"renamed-{str.__str__(self)}"


_texts = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", "token", "x" + _SECRET, _SECRET.upper(), "***"]),
)
_keys = st.one_of(
    st.sampled_from(["token", "api_key", "note", "id", "", "Password", "body"]),
    st.text(max_size=4),
    st.integers(-2, 2),
    st.booleans(),
    st.none(),
    st.sampled_from(["token", "note", "id"]).map(_Key),
    st.tuples(st.integers(0, 1)),
)
_leaves = st.one_of(
    _texts,
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.binary(max_size=4),
    st.sampled_from([Decimal("1.5"), _Key("note"), 2**70]),
)
_values = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.frozensets(st.integers(0, 3), max_size=2),
        st.dictionaries(_keys, children, max_size=5),
    ),
    max_leaves=20,
)


def _typed(value: Any) -> Any:
    """``value`` with the type of each of its parts, keys included."""
    if isinstance(value, dict):
        return (dict, [(type(k), k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (list, [_typed(v) for v in value])
    return (type(value), value)


@settings(max_examples=400, deadline=None)
@given(value=_values, twice=st.booleans())
def test_the_fast_path_is_the_general_path(value: Any, twice: bool) -> None:
    register_secret(_SECRET)
    if twice:
        redact(value)  # the shapes of its keys are then known
    assert _typed(redact(value)) == _typed(_redact_each(value))


def test_a_shape_seen_with_text_keys_then_with_a_subclass_key() -> None:
    plain = {"note": "a", "token": "b"}
    odd = {_Key("note"): "a", "token": "b"}
    for value in (plain, odd, plain):
        assert _typed(redact(value)) == _typed(_redact_each(value))
    assert list(redact(odd)) == ["renamed-note", "token"]
    assert redact(odd)["token"] == "***"


def test_a_dict_of_names_known_plain_in_a_new_shape_with_a_subclass_key() -> None:
    # Every key a name already decided not to be secret (no shape looked up): a key of a
    # subclass equal to one of them is still named by str(), a secret name still masked.
    redact({"note": "a", "id": "b", "body": {"title": "c"}})
    for value in (
        {"id": "b", "note": "a"},
        {"id": "b", _Key("note"): "a"},
        {"title": {"note": "a", "id": 1}, "id": [{"note": _Key("note")}]},
        {"id": "b", "note": "a", "token": "t"},
    ):
        assert _typed(redact(value)) == _typed(_redact_each(value))
    assert list(redact({"id": "b", _Key("note"): "a"})) == ["id", "renamed-note"]
    assert redact({"id": "b", "note": "a", "token": "t"})["token"] == "***"


# The one search of an answer's texts looks for a few texts every form holds (see _needles):
# wherever redact_text would find a form in a text, it must say the texts may hold a secret.
# Secrets with characters whose case mapping changes the length ("ß", "İ") or depends on
# context ("Σ"), non-ASCII, quotes and backslashes (escaped by the nested spellings), and
# texts around them of the same kind.
_AWKWARD = st.sampled_from([*"ßİΣςσé☃'\"\\%+/=_ ", "\n", "\x00"])
_SECRET_TEXT = st.text(st.one_of(_AWKWARD, st.sampled_from("aZ09kK")), min_size=6, max_size=12)
_AROUND = st.text(st.one_of(_AWKWARD, st.sampled_from("aZ09xX")), max_size=6)


@contextmanager
def _registry_of(*secrets: str) -> Iterator[None]:
    """Only ``secrets`` registered, for the block (the registry is process-wide: a secret
    registered by another test, one without an anchor say, would change what is searched)."""
    names = ("_known_secrets", "_matchers_cache", "_needles_cache", "_longest_cache")
    # (and what was decided of key names under either registry: see register_secret)
    decided = ("_secret_keys_by_shape", "_plain_names")
    saved = [getattr(redaction, name) for name in names + decided]
    for name, empty in zip(names + decided, (set(), {}, {}, {}, {}, set()), strict=True):
        setattr(redaction, name, empty)
    try:
        for secret in secrets:
            register_secret(secret)
        yield
    finally:
        for name, value in zip(names + decided, saved, strict=True):
            setattr(redaction, name, value)


def _escaped_and_parts(secret: str) -> list[str]:
    """Forms redact_text finds that secret_forms does not list: characters written as escapes
    any character may take (every one, or some), and the parts of at least half the secret
    that begin or end it."""
    half = max(8, -(-len(secret) // 2))
    return [
        "".join(f"\\u{ord(c):04x}" if ord(c) < 0x80 else c for c in secret),
        "".join(f"\\u{ord(c):04X}" if i % 2 and ord(c) < 0x80 else c for i, c in enumerate(secret)),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):x}" if i % 3 else c for i, c in enumerate(secret)),
        "".join(f"%{b:02X}" for b in secret.encode()),
        secret[:half],
        secret[-half:],
        secret[: half + 1],
    ]


def _changed_case(form: str, flips: list[bool]) -> str:
    return "".join(
        char.swapcase() if flip else char
        for char, flip in zip(form, flips * len(form), strict=False)
    )


@settings(max_examples=300, deadline=None)
@given(
    secret=_SECRET_TEXT,
    which=st.integers(0, 10**6),
    flips=st.lists(st.booleans(), min_size=1, max_size=5),
    before=_AROUND,
    after=_AROUND,
    others=st.lists(_AROUND, max_size=3),
    anchor_free=st.booleans(),
)
def test_the_one_search_misses_no_form_redact_text_finds(
    secret: str,
    which: int,
    flips: list[bool],
    before: str,
    after: str,
    others: list[str],
    anchor_free: bool,
) -> None:
    secret = ("ßé" if anchor_free else "sk_one_search_") + secret
    forms = sorted(secret_forms(secret)) + _escaped_and_parts(secret)
    form = forms[which % len(forms)]
    with _registry_of(secret, "sk_one_search_other"):
        for planted in (form, _changed_case(form, flips)):
            texts = [*others, before + planted + after]
            if any(redact_text(text) != text for text in texts):
                assert _may_hold_secret(texts)
            value = {"note": texts, "body": {"text": texts[-1], "n": 1}}
            assert _typed(redact(value)) == _typed(_redact_each(value))


def test_the_one_search_finds_each_kind_of_form() -> None:
    # Forms of other characters than ASCII (found by their ASCII runs), of ASCII only (found
    # lowered: hex, base64), and nested spellings (found by their anchor), among other texts.
    secret = "sk_one_search_kinds_\u00df\u00e9X"
    raw = secret.encode()
    with _registry_of(secret):
        for form in (
            secret.upper(),  # "SS" for "ß": not a nested spelling
            raw.hex().upper(),
            base64.b64encode(raw).decode(),
            json.dumps(secret),
            "SK_one_SEARCH_kinds_\u00df\u00c9x",  # mixed case: a nested spelling, lowered
        ):
            texts = ["nothing here", f"before {form} after", ""]
            assert redact_text(texts[1]) != texts[1]
            assert _may_hold_secret(texts)
        # (fewer than half its characters: no part of it, see test_secret_forms)
        assert not _may_hold_secret(["nothing here", "sk_one_sear", ""])


def test_what_redaction_remembers_of_keys_stays_small_whatever_the_keys() -> None:
    # Every error answer's details and every LivePass answer are copied by redact(): what it
    # remembers of the keys it met (which are secret, by name and by shape of keys) must not
    # grow with the keys' length, or a vendor (or a proxy) answering objects with long member
    # names would have each answer's names kept for good, thousands of them. Objects reach it
    # as dicts, as other mappings, and with keys that are not text.
    big = 200_000
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for number in range(40):
            name = f"{number:03d}-member-" + "m" * big
            for value in (
                {name: 1, "status": "ok"},
                {name: "text", "token": "x"},
                MappingProxyType({name: {"inner": 1}}),
                {1: 2, name: None},
            ):
                assert name in redact(value) or str(name) in redact(value)
            del name, value
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # 40 names of 200 kB went through (8 MB); a few of them kept at most.
    assert kept < 5 * big


class _Shown:
    """A key that is not text: the copy names it by its str()."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_a_secret_in_a_key_is_masked_like_one_in_a_value() -> None:
    # A vendor's error answer (an error's details) that echoes the credentials as a member
    # name: the copy must not show them there either, in a dict of a shape seen before the
    # secret was registered, in one seen after, in a mapping that is not a dict and under a
    # key that is not text; the values stay as they were (the masked key's under its mask).
    secret = "pe_live_Q9zX4+wV7/mN2=="
    seen_before = {"Bearer " + secret: "x", "status": 401}
    with _registry_of():
        assert redact(seen_before) == seen_before  # its shape remembered: no secret yet
    with _registry_of(secret):
        for value in (
            seen_before,
            {"error": {secret: 1, "message": "denied"}},
            {"error": {"token " + secret.upper(): None}},
            MappingProxyType({"note " + secret: "n", "id": 7}),
            {_Shown("key " + secret): 2, "n": 1},
        ):
            copy = redact(value)
            shown = repr(copy) + json.dumps(copy, default=str)
            assert secret not in shown and secret.upper() not in shown, shown
            assert MASK in shown
        assert redact({"error": {secret: 1, "message": "denied"}}) == {
            "error": {MASK: 1, "message": "denied"}
        }
        assert redact(seen_before) == {"Bearer " + MASK: "x", "status": 401}
        assert redact({"status": 401, "reason": "x"}) == {"status": 401, "reason": "x"}
