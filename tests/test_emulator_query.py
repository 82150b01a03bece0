"""Documented query parameters: a route that names its parameters refuses any other, by name."""

from __future__ import annotations

import json
import string
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from walletpass.testing.emulator import EmulatorApp, EmulatorRequest, EmulatorResponse, route


class _Loose(EmulatorApp):
    @route("GET", "/items", query=("page", "size"))
    def items(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"page": request.arg("page")})

    @route("GET", "/items/{item_id}")
    def item(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse.json_body({"id": request.params["item_id"]})

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        if request.header("x-key") is None:
            return self.error_response(401, "no key")
        return None


class _Strict(_Loose):
    documented_query_only = True


def _get(
    app: EmulatorApp, path: str, query: dict[str, list[str]], *, key: bool = True
) -> tuple[int, Any]:
    headers = {"x-key": "k"} if key else {}
    response = app.handle(EmulatorRequest("GET", path, query, headers, b""))
    return response.status, json.loads(response.body)


_names = st.text(alphabet=string.ascii_letters + "_-.", min_size=1, max_size=10)


@given(name=_names)
def test_a_route_naming_its_parameters_refuses_any_other(name: str) -> None:
    for app in (_Loose(), _Strict()):
        status, body = _get(app, "/items", {"page": ["2"], name: ["x"]})
        if name in ("page", "size"):
            assert status == 200
        else:
            assert (status, body) == (
                400,
                {"message": f"{name}: is not a query parameter of this request"},
            )


@given(name=_names)
def test_routes_naming_none_take_none_only_where_the_app_says_so(name: str) -> None:
    assert _get(_Loose(), "/items/7", {name: ["x"]}) == (200, {"id": "7"})
    assert _get(_Strict(), "/items/7", {name: ["x"]})[0] == 400
    assert _get(_Strict(), "/items/7", {}) == (200, {"id": "7"})


def test_the_query_is_checked_after_the_apps_own_checks() -> None:
    assert _get(_Strict(), "/items", {"nope": ["1"]}, key=False) == (401, {"message": "no key"})
