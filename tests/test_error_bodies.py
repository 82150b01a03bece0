"""Error answers the provider cannot read are mapped by their status, on every provider.

A proxy's HTML 502, a load balancer's empty 503, a JSON body of a shape the vendor never
documented: the provider's ``parse_error`` hook cannot read them, and the answer must still be
the error its status means (``ProviderUnavailable`` for a 502), never ``InvalidResponse`` or a
``KeyError`` out of a plugin's hook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import Provider
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.errors import (
    AuthenticationError,
    InvalidResponse,
    NotFound,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.provider import ErrorInfo
from walletpass.transport import VendorResponse

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


class _NaivePlugin(Provider):
    """A plugin whose error hook reads only its vendor's documented shape (as a template would)."""

    name: ClassVar[str] = "naive"
    default_base_url: ClassVar[str | None] = "https://api.naive.example"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {Capability.CREATE: native("POST /passes"), Capability.KIND_GENERIC: native("generic")}
    )

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        body = response.json()
        error = body["error"]
        return ErrorInfo(message=error["message"], code=error["code"])


def _answer(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> VendorResponse:
    return VendorResponse(status, dict(headers or {}), body, method="POST", path="passes")


@pytest.mark.parametrize(
    ("status", "body", "error", "said"),
    [
        (502, HTML_502, ProviderUnavailable, "non-JSON body"),
        (503, b"Service Unavailable", ProviderUnavailable, "non-JSON body"),
        (401, b"<html>Sign in</html>", AuthenticationError, "non-JSON body"),
        (404, b'{"detail": "Not Found"}', NotFound, "could not be read"),
        (429, b'["slow down"]', RateLimited, "could not be read"),
        (415, b'{"error": "unsupported"}', ValidationError, "could not be read"),
    ],
)
def test_a_plugin_hook_that_cannot_read_the_body_leaves_the_status_to_decide(
    status: int, body: bytes, error: type[WalletPassError], said: str
) -> None:
    plugin = _NaivePlugin(base_url="http://127.0.0.1:9", api_key="k")
    raised = plugin.error_for(_answer(status, body), "create")
    assert type(raised) is error
    assert said in str(raised) and f"HTTP {status}" in str(raised)
    assert raised.status == status


def test_a_readable_body_is_still_read_by_the_hook() -> None:
    plugin = _NaivePlugin(base_url="http://127.0.0.1:9", api_key="k")
    body = json.dumps({"error": {"message": "no such template", "code": "tpl"}}).encode()
    raised = plugin.error_for(_answer(404, body), "create")
    assert type(raised) is NotFound and raised.code == "tpl"
    assert "no such template" in str(raised)


_BUNDLED = ("livepasses", "passentry", "pass2u", "livepass")


@pytest.fixture(scope="module")
def bundled() -> dict[str, Provider]:
    return {
        name: walletpass.connect(name, api_key="k" * 32, base_url="http://127.0.0.1:9")
        for name in _BUNDLED
    }


json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
).map(lambda value: json.dumps(value).encode())
bodies = st.one_of(st.binary(max_size=64), json_bodies, st.just(HTML_502))


@given(
    provider=st.sampled_from(_BUNDLED),
    status=st.sampled_from([400, 401, 403, 404, 409, 415, 422, 429, 500, 502, 503, 504]),
    body=bodies,
)
def test_no_provider_turns_an_error_answer_into_invalid_response(
    bundled: dict[str, Any], provider: str, status: int, body: bytes
) -> None:
    raised = bundled[provider].error_for(_answer(status, body), "get")
    assert isinstance(raised, WalletPassError) and not isinstance(raised, InvalidResponse)
    assert raised.status == status
    if body == HTML_502:
        # With nothing readable, the provider's table and the HTTP meaning decide.
        assert "non-JSON body" in str(raised)
        assert isinstance(raised, ProviderUnavailable) == (status >= 500)
