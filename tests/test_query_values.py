"""Query parameters go in the form the vendors read: a boolean is ``true`` / ``false``, never
Python's ``True`` / ``False`` (issue 16, field report 8's kind: each value in the type the vendor
documents). One rule in the transport, for every provider: PassEntry's list filters passed
``includeLocations=True``; only Livepasses spelled booleans itself.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from walletpass.capabilities import Capabilities, Capability, native
from walletpass.provider import Provider
from walletpass.retry import Safety
from walletpass.testing.recording import DocumentedRoute, RecordingServer
from walletpass.transport import VendorRequest


class QueryProvider(Provider):
    name = "test-query"
    capabilities = Capabilities({Capability.GET: native(), Capability.KIND_GENERIC: native()})

    def auth_headers(self) -> dict[str, str]:
        return {}


def _sent(query: object) -> list[tuple[str, str]]:
    with RecordingServer([DocumentedRoute("GET", r"/items", {"ok": True})]) as server:
        wallet = QueryProvider(api_key="k", base_url=server.url, max_retries=0)
        try:
            wallet.send(VendorRequest("GET", "items", Safety.SAFE, query=query), "get")
        finally:
            wallet.close()
    (request,) = server.requests
    return parse_qsl(request.query, keep_blank_values=True)


def test_booleans_are_lower_case_and_other_values_text() -> None:
    assert _sent({"includeLocations": True, "includeBeacons": False, "page": 2, "q": "a b"}) == [
        ("includeLocations", "true"),
        ("includeBeacons", "false"),
        ("page", "2"),
        ("q", "a b"),
    ]
    assert _sent([("flag", True), ("flag", False)]) == [("flag", "true"), ("flag", "false")]


scalars = st.one_of(
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
)


@settings(max_examples=20, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-zA-Z]{1,8}", fullmatch=True), scalars, max_size=4))
def test_every_value_reaches_the_vendor_in_its_wire_spelling(query: dict[str, object]) -> None:
    expected = [
        (key, ("true" if value else "false") if isinstance(value, bool) else str(value))
        for key, value in query.items()
    ]
    assert _sent(query) == expected
