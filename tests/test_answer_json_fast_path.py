"""VendorResponse.json() reads an answer that opens an object or an array in UTF-8 without
json.loads' guess at its encoding: it gives exactly what json.loads of the bytes gives (the same
value, or the same InvalidResponse with the same message and scrubbed cause) over generated
answers, UTF-16 and UTF-32 with and without byte order marks, bytes that are not UTF-8, lone
surrogates, NULs, blanks and nesting too deep to read among them."""

from __future__ import annotations

import codecs
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.errors import InvalidResponse
from walletpass.sending import VendorResponse


def _reference(body: bytes) -> Any:
    """VendorResponse.json as it read every answer: json.loads of the bytes."""
    if not body.strip():
        return None
    return json.loads(body)


def _outcome(read: Any, body: bytes) -> Any:
    try:
        value = read(body)
    except InvalidResponse as exc:
        return ("refused", str(exc), type(exc.__cause__).__name__, str(exc.__cause__))
    except (ValueError, RecursionError) as exc:
        return ("refused-by-json", type(exc).__name__, str(exc))
    return ("read", json.dumps(value, sort_keys=True))  # (NaN and -0.0 compare by spelling)


def _mine(body: bytes) -> Any:
    return VendorResponse(200, {}, body, method="GET", path="passes/x").json()


_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_encodings = st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
)


@st.composite
def _bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:  # a document in any encoding json reads
        text = json.dumps(draw(_documents), ensure_ascii=draw(st.booleans()))
        return text.encode(draw(_encodings), "surrogatepass")
    if kind == 1:  # an opening byte, then anything (NULs, bytes that are not UTF-8, surrogates)
        return draw(st.sampled_from([b"{", b"["])) + draw(
            st.binary(max_size=12)
            | st.sampled_from([b"\x00", b"\x00\x00\x00", b'"\xed\xa0\x80"]', b"\xff}", b"]"])
        )
    if kind == 2:  # byte order marks and blanks before a document
        mark = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b" ", b"\n\t", b""]))
        return mark + json.dumps(draw(_documents)).encode()
    if kind == 3:  # nesting too deep for the decoder
        depth = draw(st.sampled_from([10, 100_000]))
        return b"[" * depth + b"]" * draw(st.sampled_from([0, depth]))
    return draw(st.binary(max_size=16))


@settings(max_examples=500, deadline=None)
@given(body=_bodies())
def test_the_fast_reading_is_json_loads(body: bytes) -> None:
    mine = _outcome(_mine, body)
    try:
        expected = ("read", json.dumps(_reference(body), sort_keys=True))
    except (ValueError, RecursionError):
        # json.loads refuses it: json() must refuse it with the message and cause json() gave
        # when it always called json.loads (the decoding step names the same error).
        assert mine[0] == "refused", (body, mine)
        try:
            json.loads(body)
        except (ValueError, RecursionError) as exc:
            assert mine[2] == type(exc).__name__ and mine[3] == str(exc)
        return
    assert mine == expected, body
