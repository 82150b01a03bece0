"""VendorRequest's and VendorResponse's own __init__ make what a frozen slots dataclass's
generated one makes: the same field values (the same objects; a new empty dict of a request's
headers when none are given), the same refusals of wrong arguments, and an instance as frozen,
equal, hashable and shown as before."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.retry import Safety
from walletpass.sending import NO_BODY, VendorRequest, VendorResponse


def _generated(cls: type[Any]) -> type[Any]:
    """The class as the dataclass decorator would write it (its generated __init__)."""
    return dataclasses.make_dataclass(
        cls.__name__,
        [(f.name, f.type, f) for f in dataclasses.fields(cls)],
        frozen=True,
        slots=True,
    )


_CLASSES = {cls: _generated(cls) for cls in (VendorRequest, VendorResponse)}

_values = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.integers(),
    st.sampled_from(list(Safety)),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.lists(st.tuples(st.text(max_size=2), st.integers()), max_size=2),
)


def _fields(instance: Any) -> list[Any]:
    return [getattr(instance, f.name) for f in dataclasses.fields(instance)]


@st.composite
def _arguments(draw: st.DrawFn) -> tuple[type[Any], list[Any], dict[str, Any]]:
    cls = draw(st.sampled_from(list(_CLASSES)))
    names = [f.name for f in dataclasses.fields(cls)]
    positional = draw(st.lists(_values, max_size=12))
    keywords = draw(st.dictionaries(st.sampled_from([*names, "not_a_field"]), _values, max_size=5))
    return cls, positional, keywords


@settings(max_examples=400, deadline=None)
@given(arguments=_arguments())
def test_the_same_instance_or_the_same_refusal(
    arguments: tuple[type[Any], list[Any], dict[str, Any]],
) -> None:
    cls, positional, keywords = arguments
    try:
        expected = _CLASSES[cls](*positional, **keywords)
    except TypeError as exc:
        with pytest.raises(TypeError) as refused:
            cls(*positional, **keywords)
        assert str(refused.value) == str(exc)
        return
    made = cls(*positional, **keywords)
    for mine, theirs in zip(_fields(made), _fields(expected), strict=True):
        assert mine is theirs or (mine == theirs == {} and type(mine) is dict)
    if cls is VendorRequest:  # (a response's repr is its own: it shows no body)
        assert repr(made) == repr(expected)
    assert made == cls(*positional, **keywords)


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


@pytest.mark.parametrize(
    "request_",
    [
        VendorRequest("GET", "/passes/p-1", Safety.SAFE),
        VendorRequest("POST", "/passes", Safety.UNSAFE, json=NO_BODY),
        VendorRequest("PATCH", "/passes/p-1", Safety.UNSAFE, json=None),  # the JSON null
        VendorRequest("POST", "/passes", Safety.UNSAFE, json={"a": 1}),
    ],
    ids=["default", "no-body", "json-null", "body"],
)
def test_a_request_without_a_body_stays_without_one_when_pickled_or_copied(
    request_: VendorRequest,
) -> None:
    # (a queued or journalled request is pickled; NO_BODY is one marker, not a copy of one)
    for copied in (pickle.loads(pickle.dumps(request_)), copy.deepcopy(request_)):
        assert copied == request_
        assert copied.has_json is request_.has_json
    assert request_.has_json is (request_.json is not NO_BODY)
    assert repr(NO_BODY) == "NO_BODY"
