"""``extra`` merged into a vendor body: objects key by key, anything else replaced, no sharing."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from walletpass.extra import merge_extra

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
_OBJECTS = st.dictionaries(st.text(max_size=3), _JSON, max_size=4)


def test_objects_merge_and_other_values_replace() -> None:
    body = {"pass": {"name": "A", "seat": "1"}, "tags": ["x"], "n": 1}
    extra = {"pass": {"seat": "2", "nfc": {"enabled": True}}, "tags": ["y"], "new": None}
    assert merge_extra(body, extra) == {
        "pass": {"name": "A", "seat": "2", "nfc": {"enabled": True}},
        "tags": ["y"],
        "n": 1,
        "new": None,
    }
    assert body == {"pass": {"name": "A", "seat": "1"}, "tags": ["x"], "n": 1}  # untouched


def test_the_result_shares_nothing_with_the_callers_extra() -> None:
    extra: dict[str, Any] = {"options": {"list": [1]}}
    merged = merge_extra({}, extra)
    extra["options"]["list"].append(2)
    assert merged == {"options": {"list": [1]}}


@given(_OBJECTS, _OBJECTS)
def test_every_key_of_extra_wins_and_every_other_key_of_body_stays(
    body: dict[str, Any], extra: dict[str, Any]
) -> None:
    merged = merge_extra(body, extra)
    assert set(merged) == set(body) | set(extra)
    for key, value in extra.items():
        if not (isinstance(value, dict) and isinstance(body.get(key), dict)):
            assert merged[key] == value
    for key in set(body) - set(extra):
        assert merged[key] == body[key]
    assert merge_extra(body, {}) == body
