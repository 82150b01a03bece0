"""Each public operation's docstring names every error it raises.

Checked by raising them, not by reading: a provider whose operations are one request each runs
against a server that answers every request with one HTTP status, so each status the core's
error table maps (400, 403, 404, 409, 415, 422, 429, 5xx) is raised by each operation in turn,
and an operation the provider does not declare is refused. The class raised must be named in
the ``:raises`` section of that operation's docstring (the async API documents its methods as
these, "the same arguments, result and errors").
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from walletpass import IssuedPass, Pass, PassStatus, PassUpdate, Provider, Redemption
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.contract import ListFilters, Page
from walletpass.errors import WalletPassError
from walletpass.retry import Safety
from walletpass.testing.recording import DocumentedRoute, RecordingServer
from walletpass.transport import VendorRequest, VendorResponse

ALL = {
    Capability.CREATE: native("POST /passes"),
    Capability.GET: native("GET /passes/{id}"),
    Capability.UPDATE: native("PUT /passes/{id}"),
    Capability.REDEEM: native("POST /passes/{id}/redeem"),
    Capability.DELETE: native("DELETE /passes/{id}"),
    Capability.LIST: native("GET /passes"),
    Capability.KIND_GENERIC: native("every pass"),
    Capability.FIELDS: native("fields"),
}


class OneRequest(Provider):
    """Every operation one request, answered by whatever the test's server says."""

    name: ClassVar[str] = "onerequest"
    capabilities: ClassVar[Capabilities] = Capabilities(ALL)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.require_api_key()}"}

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "/passes", Safety.UNSAFE, json={"t": new_pass.template})

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        return self._issued(response)

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", f"/passes/{pass_id}", Safety.SAFE)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        return self._issued(response)

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        body = {"fields": dict(change.fields or {})}
        return VendorRequest("PUT", f"/passes/{pass_id}", Safety.IDEMPOTENT, json=body)

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return self._issued(response)

    def build_redeem(self, pass_id: str, amount: Decimal | None, options: Any) -> VendorRequest:
        return VendorRequest("POST", f"/passes/{pass_id}/redeem", Safety.UNSAFE, json={})

    def parse_redeem(self, response: VendorResponse, pass_id: str) -> Redemption:
        return Redemption(pass_id=pass_id, status=PassStatus.REDEEMED)

    def build_delete(self, pass_id: str) -> VendorRequest:
        return VendorRequest("DELETE", f"/passes/{pass_id}", Safety.IDEMPOTENT)

    def build_list(self, filters: ListFilters) -> VendorRequest:
        return VendorRequest("GET", "/passes", Safety.SAFE)

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        return Page([self._issued(item) for item in response.json()["items"]])

    def _issued(self, response: Any) -> IssuedPass:
        answer = response.json() if isinstance(response, VendorResponse) else response
        return IssuedPass(id=answer["id"], vendor_id=answer["id"], provider=self.name, template="t")


CALLS: dict[str, Callable[[Provider], Any]] = {
    "create": lambda wallet: wallet.create(Pass(template="t", fields={"a": "b"})),
    "get": lambda wallet: wallet.get("p1"),
    "update": lambda wallet: wallet.update("p1", PassUpdate(fields={"a": "c"})),
    "redeem": lambda wallet: wallet.redeem("p1"),
    "delete": lambda wallet: wallet.delete("p1"),
    "list": lambda wallet: next(iter(wallet.list())),
}


def documented_errors(operation: str) -> set[str]:
    """The error classes ``Provider.<operation>``'s ``:raises`` section names."""
    doc = inspect.getdoc(getattr(Provider, operation)) or ""
    raises = doc[doc.index(":raises") :]
    return set(re.findall(r"\b[A-Z]\w+\b", raises))


def raised(
    operation: str, status: int, capabilities: Capabilities | None = None
) -> WalletPassError:
    routes = [
        DocumentedRoute(method, r"/passes(/.*)?", {"code": "x"}, status=status)
        for method in ("GET", "POST", "PUT", "DELETE")
    ]
    with RecordingServer(routes) as server:
        cls = OneRequest
        if capabilities is not None:
            cls = type("Fewer", (OneRequest,), {"capabilities": capabilities})
        with (
            cls(base_url=server.url, api_key="sk_test_key", max_retries=0) as wallet,
            pytest.raises(WalletPassError) as caught,
        ):
            CALLS[operation](wallet)
    return caught.value


@pytest.mark.parametrize("operation", sorted(CALLS))
@pytest.mark.parametrize("status", [400, 403, 404, 409, 415, 422, 429, 503])
def test_every_error_an_answer_maps_to_is_named_by_the_operation(
    operation: str, status: int
) -> None:
    error = raised(operation, status)
    assert type(error).__name__ in documented_errors(operation), (
        f"{operation}() raises {type(error).__name__} on a {status} answer; its docstring names "
        f"{sorted(documented_errors(operation))}"
    )


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_an_undeclared_operation_is_refused_as_its_docstring_says(operation: str) -> None:
    fewer = Capabilities({k: v for k, v in ALL.items() if k != operation})
    error = raised(operation, 200, fewer)
    assert type(error).__name__ == "UnsupportedOperation"
    assert "UnsupportedOperation" in documented_errors(operation)


def test_a_redeem_refused_for_a_card_it_does_not_use_up_is_documented() -> None:
    import walletpass
    from walletpass.errors import NotUsedUp

    with walletpass.connect("fake") as wallet:
        card = wallet.create(Pass(template="t", kind="loyalty"))
        with pytest.raises(NotUsedUp):
            wallet.redeem(card.id)
    assert "NotUsedUp" in documented_errors("redeem")


def test_the_async_operations_document_theirs_as_the_sync_ones() -> None:
    """``walletpass.aio`` states its errors by pointing at these docstrings: each async
    operation names its sync twin and says the errors are the same."""
    from walletpass.aio.provider import AsyncProvider

    for operation in CALLS:
        doc = inspect.getdoc(getattr(AsyncProvider, operation)) or ""
        assert f"Provider.{operation}" in doc, operation
        assert "errors" in doc or ":raises" in doc, operation
