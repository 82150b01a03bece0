"""JSON from a vendor nested deeper than walletpass can write out again is refused where it is read.

Python's JSON reader takes documents about 990 levels deep, pydantic writes about 250: an answer
nested 300 deep was read, kept in ``IssuedPass.raw``, and then raised a pydantic error from
``model_dump_json()`` (and ``get --raw``, a journal's record of the pass) every time (brk16). Now
every answer (``VendorResponse.json``, sync and async), every webhook delivery and Pass2U's
``pass.json`` are held to one bound, ``MAX_JSON_DEPTH``: deeper is ``InvalidResponse`` at the
answer; up to it, what is read can be written out.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from walletpass_pass2u.pkpass import build_pkpass, read_pass_json

import walletpass
import walletpass.aio
from walletpass import InvalidResponse, IssuedPass, WalletPassError
from walletpass.nesting import MAX_JSON_DEPTH, nests_deeper_than
from walletpass.sending import VendorResponse
from walletpass.testing.emulator import EmulatorServer, Fault
from walletpass.testing.emulators import load_emulator

from .test_after_delete import CONFIG, DASHBOARDS, card, ticket


def _depth(value: Any) -> int:
    """The reference: levels of objects and arrays (the document is level 1; a scalar, 0)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _nested(depth: int, leaf: Any = 1, *, key: str = "k") -> Any:
    """A chain of ``depth`` containers, objects and arrays alternating, around ``leaf``."""
    value = leaf
    for level in range(depth):
        value = {key: value} if level % 2 else [value]
    return value


_scalars = st.none() | st.booleans() | st.integers() | st.text(alphabet='{}[]"ab', max_size=5)


@st.composite
def _documents(draw: st.DrawFn) -> Any:
    """Trees of any shape, with a chain of a drawn depth grafted in somewhere (strings full of
    brackets too: the byte count over the text must never say 'shallow' of a deep document)."""
    tree = draw(
        st.recursive(
            _scalars,
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=3), inner, max_size=3)
            ),
            max_leaves=12,
        )
    )
    chain = _nested(draw(st.integers(0, 3 * MAX_JSON_DEPTH)), draw(_scalars))
    return draw(st.sampled_from([tree, chain, [tree, chain], {"a": tree, "b": [chain]}]))


@settings(max_examples=300, deadline=None)
@given(document=_documents(), limit=st.sampled_from([1, 2, 5, MAX_JSON_DEPTH]))
def test_nesting_is_measured_as_the_reference_measures_it(document: Any, limit: int) -> None:
    deep = _depth(document) > limit
    text = json.dumps(document).encode()
    assert nests_deeper_than(document, text, limit) is deep
    assert nests_deeper_than(document, None, limit) is deep


@pytest.mark.parametrize("depth", [1, 10, MAX_JSON_DEPTH])
def test_an_answer_up_to_the_bound_is_read_and_can_be_written_out(depth: int) -> None:
    body = json.dumps(_nested(depth)).encode()
    answer = VendorResponse(200, {}, body, method="GET", path="passes/{id}").json()
    assert _depth(answer) == depth
    # what walletpass keeps of an answer can be written out again
    IssuedPass(id="p1", vendor_id="p1", provider="x", raw={"answer": answer}).model_dump_json()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 300, 900])
def test_an_answer_deeper_than_the_bound_is_invalid(depth: int) -> None:
    body = json.dumps(_nested(depth)).encode()
    with pytest.raises(InvalidResponse) as refused:
        VendorResponse(200, {}, body, method="GET", path="passes/{id}").json()
    assert f"more than {MAX_JSON_DEPTH} levels" in str(refused.value)
    assert "GET passes/{id}" in str(refused.value)


def test_a_pass_json_deeper_than_the_bound_is_unreadable() -> None:
    shallow = {"formatVersion": 1, "serialNumber": "s1", "extra": _nested(MAX_JSON_DEPTH - 1)}
    assert read_pass_json(build_pkpass(shallow))["serialNumber"] == "s1"
    deep = {"formatVersion": 1, "serialNumber": "s1", "extra": _nested(300)}
    with pytest.raises(ValueError, match=f"more than {MAX_JSON_DEPTH} levels"):
        read_pass_json(build_pkpass(deep))


#: Per vendor whose read answers JSON: the path of its read of one pass, and where the raw
#: answer of that read is kept in ``IssuedPass.raw`` (Livepasses' get reads twice).
READS = {
    "passentry": (r".*/api/v1/passes/[^/]+", None),
    "livepasses": (r".*/api/passes/lookup", "lookup"),
    "livepass": (r".*/membership-card/[^/]+", None),
}


@pytest.mark.parametrize("vendor", sorted(READS))
def test_a_deep_member_in_a_vendor_answer_is_an_invalid_response_sync_and_async(
    vendor: str,
) -> None:
    """The vendor's own answer to a read with one more member nested 300 deep: it was read,
    and the pass could not be written out (``model_dump_json`` raised)."""
    path, kept_at = READS[vendor]
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    settings = {**CONFIG["providers"][vendor], "max_retries": 0}
    with EmulatorServer(app) as server:
        with walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **settings) as w:
            # (LivePass has no ticket type: a loyalty card there)
            pass_id = w.create(card("M-1") if vendor == "livepass" else ticket()).id
            read = w.get(pass_id).raw
            answer = read[kept_at] if kept_at else read
            deep = json.dumps({**answer, "extra": _nested(300)}).encode()
            app.inject(Fault.malformed(200, deep), method="GET", path=path)
            with pytest.raises(WalletPassError) as refused:
                w.get(pass_id)
        assert type(refused.value) is InvalidResponse, repr(refused.value)
        assert f"more than {MAX_JSON_DEPTH} levels" in str(refused.value)

        async def read_async() -> BaseException:
            async with await walletpass.aio.connect(
                vendor, base_url=server.url, api_key=app.api_key, **settings
            ) as wallet:
                app.inject(Fault.malformed(200, deep), method="GET", path=path)
                try:
                    await wallet.get(pass_id)
                except WalletPassError as exc:
                    return exc
            raise AssertionError("the deep answer was read")

        failed = asyncio.run(read_async())
        assert type(failed) is InvalidResponse, repr(failed)
        assert f"more than {MAX_JSON_DEPTH} levels" in str(failed)
