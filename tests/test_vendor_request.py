"""VendorRequest's own __init__ makes what a frozen slots dataclass's generated one makes: the
same field values (the same objects; a new empty dict of headers when none are given), the same
refusals of wrong arguments, and an instance as frozen, equal, hashable and shown as before."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.retry import Safety
from walletpass.sending import VendorRequest

#: The class as the dataclass decorator would write it (its generated __init__).
_Generated = dataclasses.make_dataclass(
    "VendorRequest",
    [(f.name, f.type, f) for f in dataclasses.fields(VendorRequest)],
    frozen=True,
    slots=True,
)
_NAMES = [f.name for f in dataclasses.fields(VendorRequest)]

_values = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.integers(),
    st.sampled_from(list(Safety)),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.lists(st.tuples(st.text(max_size=2), st.integers()), max_size=2),
)


def _fields(request: Any) -> list[Any]:
    return [getattr(request, name) for name in _NAMES]


@settings(max_examples=300, deadline=None)
@given(
    positional=st.lists(_values, max_size=12),
    keywords=st.dictionaries(st.sampled_from([*_NAMES, "not_a_field"]), _values, max_size=5),
)
def test_the_same_request_or_the_same_refusal(
    positional: list[Any], keywords: dict[str, Any]
) -> None:
    try:
        expected = _Generated(*positional, **keywords)
    except TypeError as exc:
        with pytest.raises(TypeError) as refused:
            VendorRequest(*positional, **keywords)
        assert str(refused.value) == str(exc)
        return
    made = VendorRequest(*positional, **keywords)
    for mine, theirs in zip(_fields(made), _fields(expected), strict=True):
        assert mine is theirs or (mine == theirs == {} and type(mine) is dict)
    assert repr(made) == repr(expected)
    assert made == VendorRequest(*positional, **keywords)


def test_headers_not_given_are_a_new_dict_of_each_request() -> None:
    one = VendorRequest("GET", "a", Safety.SAFE)
    other = VendorRequest("GET", "a", Safety.SAFE)
    assert one.headers == {} and one.headers is not other.headers
    assert VendorRequest("GET", "a", Safety.SAFE, headers=None).headers is None  # type: ignore[arg-type]


def test_frozen_hashable_and_replaceable() -> None:
    request = VendorRequest("GET", "a", Safety.SAFE, path_template="a", rate_key="k")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.path = "b"  # type: ignore[misc]
    assert not hasattr(request, "__dict__")
    assert dataclasses.replace(request, path="b").path == "b"
    hashable: dict[str, Any] = {"method": "GET", "path": "a", "safety": Safety.SAFE, "headers": ()}
    assert hash(VendorRequest(**hashable)) == hash(VendorRequest(**hashable))
