"""VendorRequest's and VendorResponse's own __init__ make what a frozen slots dataclass's
generated one makes: the same field values (the same objects; a new empty dict of a request's
headers when none are given), the same refusals of wrong arguments, and an instance as frozen,
equal, hashable and shown as before."""

from __future__ import annotations

import copy
import dataclasses
import json
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


def _general_body(content: Any) -> bytes:
    """What ``VendorRequest.body`` always sent: json's encoder with every check, compact, UTF-8."""
    return json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode(content).encode()


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64),  # (past any machine integer)
    st.floats(),  # (NaN and the infinities among them)
    st.text(),  # (unicode, lone surrogates among them: refused by the UTF-8 encoding)
    st.text(max_size=5).map(lambda text: text * 2000),  # huge
    st.sampled_from([Safety.SAFE, b"bytes", {1, 2}, 1j, object()]),  # odd types: refused
)
_bodies = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
        # keys json turns into text, and keys it refuses
        st.dictionaries(
            st.one_of(st.integers(), st.floats(), st.booleans(), st.none()), inner, max_size=2
        ),
        st.dictionaries(st.tuples(st.integers()), inner, min_size=1, max_size=1),
    ),
    max_leaves=20,
)


def _outcome(make: Any) -> tuple[str, Any]:
    try:
        return "sent", make()
    except Exception as exc:  # the refusal itself is what is compared
        return type(exc).__name__, str(exc)


@settings(max_examples=300, deadline=None)
@given(_bodies)
def test_a_body_is_the_bytes_or_the_refusal_of_the_general_encoder(content: Any) -> None:
    request = VendorRequest("POST", "p", Safety.UNSAFE, json=content)
    assert _outcome(request.body) == _outcome(lambda: _general_body(content))


def _cyclic() -> list[Any]:
    inner: dict[str, Any] = {"a": [1, 2]}
    looped: list[Any] = [inner, "x"]
    inner["a"].append(looped)
    return looped


def _deep(depth: int) -> Any:
    nested: Any = "leaf"
    for _ in range(depth):
        nested = {"n": [nested]}
    return nested


@pytest.mark.parametrize(
    "content",
    [_cyclic(), {"self": _cyclic()}, _deep(200), _deep(5000), [_deep(100)] * 3, {}, [], "", None],
    ids=[
        "cyclic",
        "cyclic-inside",
        "deep",
        "too-deep",
        "shared-not-cyclic",
        "{}",
        "[]",
        "''",
        "null",
    ],
)
def test_a_body_that_contains_itself_or_is_too_deep_is_refused_as_before(content: Any) -> None:
    request = VendorRequest("POST", "p", Safety.UNSAFE, json=content)
    assert _outcome(request.body) == _outcome(lambda: _general_body(content))
    if isinstance(content, list) and content and content[1:] == ["x"]:
        assert _outcome(request.body) == ("ValueError", "Circular reference detected")
