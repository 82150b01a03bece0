"""A request's query is encoded as ``requests`` encoded ``params`` (``urllib.parse.urlencode``
over the pairs, ``+`` for a space), whatever its text: the transport writes the text
``quote_plus`` would leave unchanged as it is, without calling it (issue 18, per call), and must
still give urlencode's output for every query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.transport import query_string

PLAIN = st.text(alphabet="abcXYZ019_.~-", max_size=8)
TEXT = PLAIN | st.text(max_size=8) | st.sampled_from([" ", "a b", "&", "=", "+", "%", "é", "/?#"])
VALUE = (
    TEXT
    | st.binary(max_size=6)
    | st.integers()
    | st.booleans()
    | st.none()
    | st.lists(TEXT | st.integers() | st.none(), max_size=3)
)


def reference(pairs: list[tuple[Any, Any]]) -> str:
    """requests' encoding: each value of a list under its name, None left out, booleans in
    their JSON spelling, through urlencode."""
    flat = []
    for key, value in pairs:
        for one in value if isinstance(value, list) else [value]:
            if one is None:
                continue
            flat.append((key, ("true" if one else "false") if isinstance(one, bool) else one))
    return urlencode(flat)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(TEXT | st.binary(max_size=4), VALUE), max_size=6))
def test_a_query_is_encoded_as_urlencode_encodes_it(pairs: list[tuple[Any, Any]]) -> None:
    assert query_string(pairs) == reference(pairs)
    assert query_string(dict(pairs)) == reference(list(dict(pairs).items()))
