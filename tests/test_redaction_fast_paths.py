"""redact()'s fast path (JSON's own types by exact type, a dict's secret keys known per shape of
keys, one search of all its texts) gives exactly what the general path gives, each text and key
on its own: the same values of the same types, the same keys, whatever the structure holds
(odd types, keys that are not text or are text of a subclass, secrets in keys and texts)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.redaction import _redact_each, redact, register_secret

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
