"""The emulator harness's one refusal plumbing: ``Refused`` raised anywhere becomes the answer."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    Refused,
    route,
)


def _check_deep(value: str) -> None:
    # Refused from a helper several calls below the handler, as vendor checks do.
    if value != "ok":
        raise Refused(422, "value must be ok", f"got {value}", code="BAD_VALUE")


class _Plain(EmulatorApp):
    @route("GET", "/things/{id}")
    def get_thing(self, request: EmulatorRequest) -> EmulatorResponse:
        _check_deep(request.params["id"])
        return EmulatorResponse.json_body({"id": request.params["id"]})

    def before_route(self, request: EmulatorRequest) -> EmulatorResponse | None:
        if request.header("authorization") is None:
            raise Refused(401, "no key")
        return None


class _Shaped(_Plain):
    def refusal_response(self, refused: Refused) -> EmulatorResponse:
        return EmulatorResponse.json_body(
            {"errors": refused.messages, "code": refused.code, "fields": refused.fields},
            refused.status,
        )


def _get(app: EmulatorApp, path: str, *, key: bool = True) -> tuple[int, Any]:
    headers = {"authorization": "Bearer k"} if key else {}
    response = app.handle(EmulatorRequest("GET", path, {}, headers, b""))
    return response.status, json.loads(response.body)


def test_a_refusal_from_deep_in_a_handler_is_the_vendor_error_answer() -> None:
    assert _get(_Plain(), "/things/ok") == (200, {"id": "ok"})
    assert _get(_Plain(), "/things/nope") == (422, {"message": "value must be ok; got nope"})
    assert _get(_Shaped(), "/things/nope") == (
        422,
        {"errors": ["value must be ok", "got nope"], "code": "BAD_VALUE", "fields": None},
    )


def test_a_refusal_before_the_route_is_answered_the_same_way() -> None:
    assert _get(_Plain(), "/things/ok", key=False) == (401, {"message": "no key"})
    assert _get(_Shaped(), "/things/ok", key=False)[1]["errors"] == ["no key"]


@given(
    problems=st.lists(
        st.tuples(st.sampled_from(["a", "b.c", "d[0]"]), st.text(min_size=1, max_size=10)),
        min_size=1,
        max_size=6,
    )
)
def test_for_fields_groups_every_problem_by_path_in_order(problems: list[tuple[str, str]]) -> None:
    refused = Refused.for_fields(400, problems, code="VALIDATION_ERROR")
    assert refused.fields is not None
    assert [(where, text) for where in refused.fields for text in refused.fields[where]] == sorted(
        problems, key=lambda problem: [p for p, _ in problems].index(problem[0])
    )
    assert refused.message == "; ".join(f"{where}: {text}" for where, text in problems)
    assert refused.details == f"{problems[0][0]} {problems[0][1]}".strip()
    assert (refused.status, refused.code) == (400, "VALIDATION_ERROR")


def test_for_fields_takes_the_vendor_message() -> None:
    refused = Refused.for_fields(400, [("name", "is required")], "One or more fields are invalid.")
    assert refused.messages == ["One or more fields are invalid."]
    assert refused.fields == {"name": ["is required"]}
