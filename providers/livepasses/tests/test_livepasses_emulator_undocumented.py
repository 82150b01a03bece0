"""What the Livepasses documents never show is refused by the emulator, not quietly taken.

A request the SDK never sends (a query parameter it does not name, a boolean spelt another way, a
status in another case, a null meaning "clear this field") would pass against an emulator that
ignores it, and a library guess would look like a working feature. Livepasses' rule for bodies
(400 for any member a request DTO does not declare, vendor notes 2.3) is kept for queries too.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepasses.emulator import DEFAULT_API_KEY, LivepassesEmulator

from walletpass.testing.emulator import EmulatorServer

#: Every route, with a path that reaches it and the query parameters the SDK sends to it.
ROUTES: list[tuple[str, str, frozenset[str]]] = [
    ("POST", "/api/passes/generate", frozenset()),
    ("GET", "/api/passes/batch/b-1/status", frozenset()),
    (
        "GET",
        "/api/passes",
        frozenset(
            {"page", "pageSize", "searchTerm", "sortBy", "sortDescending", "templateId", "status"}
        ),
    ),
    ("GET", "/api/passes/lookup", frozenset({"passId", "confirmationCode", "holderEmail"})),
    ("GET", "/api/passes/p-1/validate", frozenset()),
    ("PUT", "/api/passes/p-1", frozenset()),
    ("POST", "/api/passes/template/tmpl-001/push", frozenset()),
    ("POST", "/api/passes/p-1/redeem", frozenset()),
    ("POST", "/api/passes/p-1/check-in", frozenset()),
    ("POST", "/api/passes/p-1/redeem-coupon", frozenset()),
    ("POST", "/api/passes/p-1/loyalty/transact", frozenset()),
    ("POST", "/api/passes/p-1/giftcard/redeem", frozenset()),
    ("POST", "/api/passes/p-1/membership/check-in", frozenset()),
    ("POST", "/api/passes/p-1/stamp", frozenset()),
    ("POST", "/api/passes/p-1/unstamp", frozenset()),
    ("POST", "/api/passes/redeem-by-scan", frozenset()),
    (
        "GET",
        "/api/templates",
        frozenset({"page", "pageSize", "searchTerm", "sortBy", "sortDescending", "type", "status"}),
    ),
    ("GET", "/api/templates/tmpl-001", frozenset()),
    ("POST", "/api/templates", frozenset()),
    ("PUT", "/api/templates/tmpl-001", frozenset()),
    ("POST", "/api/templates/tmpl-001/activate", frozenset()),
    ("POST", "/api/templates/tmpl-001/deactivate", frozenset()),
    ("POST", "/api/webhooks", frozenset()),
    ("GET", "/api/webhooks", frozenset()),
    ("DELETE", "/api/webhooks/wh-1", frozenset()),
]

RECIPIENT = {"customer": {"firstName": "Mara", "lastName": "Okafor"}, "businessData": {}}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LivepassesEmulator, EmulatorServer]]:
    emulator = LivepassesEmulator(stamp_cooldown=0.0)
    with EmulatorServer(emulator) as server:
        yield emulator, server


@pytest.fixture(scope="module")
def http(
    served: tuple[LivepassesEmulator, EmulatorServer],
) -> Iterator[Any]:
    _, server = served
    session = requests.Session()

    def call(
        method: str,
        path: str,
        body: object = None,
        *,
        params: dict[str, str] | None = None,
        key: str | None = DEFAULT_API_KEY,
    ) -> requests.Response:
        headers = {"X-API-Key": key} if key else {}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return session.request(
            method, server.url + path, params=params, data=data, headers=headers, timeout=10
        )

    yield call
    session.close()


def _refused_query(answer: requests.Response, name: str) -> None:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["fields"] == {name: ["is not a query parameter of this request"]}


@pytest.mark.parametrize(("method", "path", "documented"), ROUTES, ids=[r[1] for r in ROUTES])
def test_every_route_refuses_a_query_parameter_the_sdk_never_sends(
    http: Any, method: str, path: str, documented: frozenset[str]
) -> None:
    # "notes": the member the vendor notes use for "not declared, so a 400" (2.3).
    _refused_query(http(method, path, {}, params={"notes": "x"}), "notes")
    # Checked after the key: an unauthenticated request is a 401 whatever it asks.
    assert http(method, path, params={"notes": "x"}, key=None).status_code == 401


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from([r for r in ROUTES if r[2]]),
    name=st.text(alphabet=string.ascii_letters + "_-.[]", min_size=1, max_size=12),
)
def test_list_and_lookup_take_only_their_documented_parameters(
    http: Any, route: tuple[str, str, frozenset[str]], name: str
) -> None:
    method, path, documented = route
    # A value each documented parameter takes (sortBy names a sort key; the others read text).
    answer = http(method, path, params={name: "createdAt" if name == "sortBy" else "Active"})
    if name in documented:
        assert answer.status_code != 400 or name not in answer.json()["error"].get("fields", {})
    else:
        _refused_query(answer, name)


def test_parameters_other_sdks_send_are_refused_too(http: Any) -> None:
    # The C# SDK's ``platform`` filter: its values and meaning are undocumented, so the emulator
    # cannot honour it; 0.1-era SDKs' ``passNumber`` lookup: replaced in 0.3.0.
    _refused_query(http("GET", "/api/passes", params={"platform": "apple"}), "platform")
    _refused_query(http("GET", "/api/passes/lookup", params={"passNumber": "1"}), "passNumber")


@pytest.mark.parametrize("path", ["/api/passes", "/api/templates"])
@pytest.mark.parametrize("spelling", ["True", "FALSE", "1", "0", "yes", ""])
def test_sort_descending_is_true_or_false(http: Any, path: str, spelling: str) -> None:
    # Booleans in queries are lowercase true/false (vendor notes 2.2); another spelling was read as
    # false, so a caller asking for descending order got ascending without a word.
    answer = http("GET", path, params={"sortDescending": spelling})
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"sortDescending": ["must be true or false"]}


def test_sort_descending_true_and_false_order_the_list(http: Any) -> None:
    names = [
        [t["name"] for t in http("GET", "/api/templates", params=p).json()["items"]]
        for p in (
            {"sortBy": "name", "sortDescending": "false"},
            {"sortBy": "name", "sortDescending": "true"},
        )
    ]
    assert names[0] == sorted(names[0], key=str.casefold) and names[1] == names[0][::-1]


def test_filters_match_the_values_as_served(http: Any) -> None:
    # Statuses and types are PascalCase in every fixture (vendor notes 2.2): another case is not
    # taken as the same value.
    created = http(
        "POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [RECIPIENT]}
    )
    assert created.status_code == 200
    active = http("GET", "/api/passes", params={"status": "Active"}).json()["items"]
    assert active
    assert http("GET", "/api/passes", params={"status": "active"}).json()["items"] == []
    templates = http("GET", "/api/templates", params={"type": "EventTicket"}).json()["items"]
    assert [t["id"] for t in templates] == ["tmpl-001"]
    assert http("GET", "/api/templates", params={"type": "eventticket"}).json()["items"] == []
    assert http("GET", "/api/templates", params={"status": "active"}).json()["items"] == []
    assert len(http("GET", "/api/templates", params={"status": "Active"}).json()["items"]) == 5


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/passes/{id}"), ("POST", "/api/passes/template/tmpl-001/push")],
)
@pytest.mark.parametrize("name", ["memberTier", "validUntil", "points", "gate"])
def test_a_null_in_updated_fields_is_refused(http: Any, method: str, path: str, name: str) -> None:
    # Whether Livepasses clears a field given null is undocumented (walletpass declares clearing
    # unsupported): the emulator does not make a clear up.
    made = http("POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [RECIPIENT]})
    pass_id = made.json()["data"]["passes"][0]["id"]
    answer = http(method, path.format(id=pass_id), {"updatedFields": {name: None}})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "INVALID_FIELD_VALUE"
    assert error["fields"] == {
        f"updatedFields.{name}": ["must not be null: clearing a field is not documented"]
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/passes/{id}"), ("POST", "/api/passes/template/tmpl-loyalty/push")],
)
@pytest.mark.parametrize(
    "fields",
    [
        {"validUntil": "2020-01-01", "points": "12"},
        {"validUntil": "2020-01-01", "currentPoints": 1.5},
        {"memberTier": "Gold", "validUntil": "not a date"},
    ],
)
def test_a_refused_update_changes_nothing(
    served: tuple[LivepassesEmulator, EmulatorServer],
    http: Any,
    method: str,
    path: str,
    fields: dict[str, Any],
) -> None:
    # Each value is checked before any is applied: a 400 leaves the pass as it was (before, the
    # expiry of a PUT was written before its points were refused).
    emulator, _ = served
    made = http(
        "POST", "/api/passes/generate", {"templateId": "tmpl-loyalty", "passes": [RECIPIENT]}
    )
    pass_id = made.json()["data"]["passes"][0]["id"]
    answer = http(method, path.format(id=pass_id), {"updatedFields": fields})
    assert answer.status_code == 400
    stored = emulator.stored(pass_id)
    assert (stored.status.value, stored.valid_until, stored.updated_fields) == ("Active", None, {})
    assert "memberTier" not in stored.business_data


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/passes/{id}"), ("POST", "/api/passes/template/tmpl-001/push")],
)
@pytest.mark.parametrize("name", ["memberTier\n", "memberTier\r\n", "member\nTier"])
def test_an_updated_field_name_with_a_line_break_is_refused(
    http: Any, method: str, path: str, name: str
) -> None:
    # (camelCase, the documented form, has no line break; a `$` took one at the end)
    made = http("POST", "/api/passes/generate", {"templateId": "tmpl-001", "passes": [RECIPIENT]})
    pass_id = made.json()["data"]["passes"][0]["id"]
    answers = [
        http(method, path.format(id=pass_id), {"updatedFields": {key: "Gold"}})
        for key in (name, "MemberTier")
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    errors = [answer.json()["error"] for answer in answers]
    assert errors[0]["code"] == errors[1]["code"] == "INVALID_FIELD_FORMAT"
    assert errors[0]["fields"] == {
        f"updatedFields.{name}": errors[1]["fields"]["updatedFields.MemberTier"]
    }
