"""Livepasses' error envelope through the error table: status first for 401/403, then the code,
then the status; ``traceId`` as request id, validation ``fields`` kept, ``Retry-After`` honoured,
secrets never shown."""

from __future__ import annotations

from typing import Any

import pytest
from walletpass_livepasses import limits

from walletpass.errors import (
    AlreadyRedeemed,
    AuthenticationError,
    BusinessRuleError,
    Conflict,
    InvalidResponse,
    NotFound,
    PassExpired,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.testing.emulator import Fault


def envelope(code: str | None, message: str = "Refused.", **error: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "traceId": "0HN8K2TRACE", **error}
    if code is not None:
        body["code"] = code
    return {"success": False, "data": None, "error": body}


CODE_CASES = [
    *[(code, 401, AuthenticationError) for code in sorted(limits.AUTH_CODES)],
    *[(code, 403, PermissionDenied) for code in sorted(limits.FORBIDDEN_CODES)],
    *[(code, 400, ValidationError) for code in sorted(limits.VALIDATION_CODES)],
    *[(code, 404, NotFound) for code in sorted(limits.NOT_FOUND_CODES)],
    ("PASS_ALREADY_USED", 422, AlreadyRedeemed),
    ("PASS_EXPIRED", 422, PassExpired),
    *[
        (code, 422, BusinessRuleError)
        for code in sorted(limits.BUSINESS_CODES - {"PASS_ALREADY_USED", "PASS_EXPIRED"})
    ],
    *[(code, 429, RateLimited) for code in sorted(limits.RATE_CODES)],
    *[(code, 422, QuotaExceeded) for code in sorted(limits.QUOTA_CODES)],
    *[(code, 502, ProviderUnavailable) for code in sorted(limits.EXTERNAL_CODES)],
    ("INTERNAL_SERVER_ERROR", 500, ProviderUnavailable),
    ("SERVICE_UNAVAILABLE", 503, ProviderUnavailable),
    ("GENERAL_ERROR", 500, ProviderUnavailable),
    # status decides first for 401 and 403, whatever the code says
    ("QUOTA_EXCEEDED", 403, PermissionDenied),
    ("PASS_NOT_FOUND", 401, AuthenticationError),
    # the code decides before the remaining statuses
    ("PASS_ALREADY_USED", 400, AlreadyRedeemed),
    ("VALIDATION_ERROR", 422, ValidationError),
    # no code: by status
    (None, 400, ValidationError),
    (None, 404, NotFound),
    (None, 409, Conflict),
    (None, 415, ValidationError),
    (None, 422, BusinessRuleError),
    (None, 418, WalletPassError),
]


@pytest.mark.parametrize(("code", "status", "error"), CODE_CASES, ids=str)
def test_every_documented_code_maps_to_the_neutral_hierarchy(
    connect, emulator, code, status, error
) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(
        Fault.respond(status, envelope(code, details="passes[0] says no")), method="GET"
    )
    with pytest.raises(WalletPassError) as caught:
        wallet.validate("p-0193")
    exc = caught.value
    assert type(exc) is error
    assert (exc.status, exc.code, exc.provider, exc.operation) == (
        status,
        code,
        "livepasses",
        "validate",
    )
    assert exc.request_id == "0HN8K2TRACE"
    assert str(exc).startswith("request 0HN8K2TRACE: ")
    assert "Refused. (passes[0] says no)" in str(exc)


def test_validation_fields_are_kept_per_field(wallet, emulator) -> None:
    fields = {"passes[0].customer.firstName": ["must not be empty"], "templateId": ["is required"]}
    emulator.inject(
        Fault.respond(
            400, envelope("VALIDATION_ERROR", "One or more fields are invalid.", fields=fields)
        )
    )
    with pytest.raises(ValidationError) as caught:
        wallet.lookup("p-1")
    assert caught.value.fields == fields


def test_undeclared_body_fields_are_refused_by_the_emulator_per_field(wallet, emulator) -> None:
    # Bypass walletpass's own checks to see what the API answers (the SDK README's `notes`).
    request = wallet.build_redemption("p-1", limits.Endpoint.REDEEM, {"notes": "Walk-in"})
    with pytest.raises(ValidationError) as caught:
        wallet.run(wallet._plan_fetch(request, "redeem", lambda data: data))
    assert caught.value.status == 400 and caught.value.code == "VALIDATION_ERROR"
    assert caught.value.fields == {"notes": ["is not a field of this request"]}
    bodyless = wallet.build_redemption("p-1", limits.Endpoint.STAMP, {})
    raw = wallet.transport.send(
        type(bodyless)(bodyless.method, bodyless.path, bodyless.safety), operation="stamp"
    )
    assert raw.status == 415  # a DTO-binding POST without a body


def test_retry_after_is_honoured_then_rate_limited(connect, emulator) -> None:
    wallet = connect(max_retries=1)
    limited = Fault.respond(429, envelope("RATE_LIMIT_EXCEEDED"), headers={"Retry-After": "0"})
    emulator.inject(limited, method="GET", times=1)
    assert wallet.list_webhooks() == []  # retried once after Retry-After, then answered
    emulator.inject(
        Fault.respond(429, envelope("TOO_MANY_REQUESTS"), headers={"Retry-After": "0"}), times=2
    )
    with pytest.raises(RateLimited) as caught:
        wallet.list_webhooks()
    assert (caught.value.retryable, caught.value.retry_after, caught.value.code) == (
        True,
        0,
        "TOO_MANY_REQUESTS",
    )


def test_the_emulators_rate_limit_answers_429_with_integer_retry_after(connect, emulator) -> None:
    from walletpass.testing.emulator import RateWindow

    emulator.rate = RateWindow(2)
    wallet = connect(max_retries=0)
    wallet.list_webhooks()
    wallet.list_webhooks()
    with pytest.raises(RateLimited) as caught:
        wallet.list_webhooks()
    assert caught.value.code == "RATE_LIMIT_EXCEEDED"
    assert caught.value.retry_after == 1
    assert emulator.journal.last().status == 429


def test_non_json_and_empty_error_bodies_are_mapped_by_status(connect, emulator) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(Fault.respond(401, body=b"<html>challenge</html>"))
    with pytest.raises(AuthenticationError, match="non-JSON"):
        wallet.list_webhooks()
    emulator.inject(Fault.respond(503, body=b""))
    with pytest.raises(ProviderUnavailable):
        wallet.list_webhooks()


def test_a_2xx_saying_success_false_is_an_error(wallet, emulator) -> None:
    emulator.inject(Fault.respond(200, envelope("TEMPLATE_INACTIVE", "Inactive.")))
    with pytest.raises(BusinessRuleError) as caught:
        wallet.get_template("tmpl-001")
    assert caught.value.code == "TEMPLATE_INACTIVE"


def test_a_malformed_answer_is_invalid_response(wallet, emulator) -> None:
    emulator.inject(Fault.malformed())
    with pytest.raises(InvalidResponse):
        wallet.lookup("p-1")
    emulator.inject(Fault.respond(200, {"success": True, "data": {"no": "passId"}}))
    with pytest.raises(InvalidResponse):
        wallet.lookup("p-1")
    emulator.inject(Fault.respond(200, {"success": True, "data": "not a list"}))
    with pytest.raises(InvalidResponse):
        wallet.list_webhooks()


def test_the_api_key_never_shows(connect, emulator, api_key) -> None:
    wallet = connect(max_retries=0)
    echo = envelope(
        "INVALID_API_KEY", f"Key {api_key} is not valid.", details=f"X-API-Key: {api_key}"
    )
    emulator.inject(Fault.respond(401, echo))
    with pytest.raises(AuthenticationError) as caught:
        wallet.list_webhooks()
    assert api_key not in str(caught.value)
    assert api_key not in repr(caught.value)
    assert api_key not in repr(caught.value.details)
    assert api_key not in repr(wallet) and api_key not in repr(wallet.settings)


def test_quota_and_permissions_from_the_emulator(connect, emulator, api_key) -> None:
    emulator.quota = 1
    wallet = connect(max_retries=0)
    from walletpass import Holder, Pass

    wallet.create(Pass(template="tmpl-001", holder=Holder(name="Ada Lovelace")))
    with pytest.raises(QuotaExceeded) as caught:
        wallet.create(Pass(template="tmpl-001", holder=Holder(name="Ada Lovelace")))
    assert (caught.value.status, caught.value.code) == (422, "QUOTA_EXCEEDED")
    emulator.read_only_keys = frozenset({"lp_test_reader"})
    reader = connect(api_key="lp_test_reader", max_retries=0)
    assert reader.list_webhooks() == []
    with pytest.raises(PermissionDenied) as denied:
        reader.create_webhook("https://x.example/h", ["*"])
    assert denied.value.code == "INSUFFICIENT_PERMISSIONS"
    emulator.revoked_keys = frozenset({"lp_test_old"})
    with pytest.raises(AuthenticationError) as revoked:
        connect(api_key="lp_test_old").list_webhooks()
    assert revoked.value.code == "API_KEY_REVOKED"


@pytest.mark.parametrize(
    ("stamp", "read"),
    [
        ("2026-02-25T12:00:00Z", "2026-02-25T12:00:00+00:00"),
        ("2026-02-25T12:00:00", "2026-02-25T12:00:00+00:00"),  # no offset: UTC, the one rule
        ("2026-02-25", "2026-02-25T00:00:00+00:00"),
        (None, None),
    ],
)
def test_answer_timestamps_are_read_by_the_one_rule(wallet, emulator, stamp, read) -> None:
    data = {"passId": "p-1", "status": "Active", "createdAt": stamp}
    emulator.inject(Fault.respond(200, {"success": True, "data": data}))
    issued = wallet.lookup("p-1")
    assert (issued.created_at.isoformat() if issued.created_at else None) == read


@pytest.mark.parametrize("stamp", ["soon", "2026-13-01T00:00:00Z", 1772020800, {"at": 1}])
def test_an_unreadable_answer_timestamp_is_invalid_response(wallet, emulator, stamp) -> None:
    data = {"passId": "p-1", "status": "Active", "createdAt": stamp}
    emulator.inject(Fault.respond(200, {"success": True, "data": data}))
    with pytest.raises(InvalidResponse, match="timestamp"):
        wallet.lookup("p-1")
