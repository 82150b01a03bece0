"""Vendor errors through the error table, retries by safety class, secrets kept out of errors."""

from __future__ import annotations

import json
import logging

import pytest

import walletpass
from walletpass import Holder, Pass, PassUpdate
from walletpass.errors import (
    AuthenticationError,
    ConfigurationError,
    Conflict,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    ProviderUnavailable,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.model import Event
from walletpass.testing.emulator import Fault
from walletpass.transport import VendorResponse

BOOKING = Pass(
    template="reservation",
    external_id="R-1",
    holder=Holder(name="Tom Reyes", email="tom@example.com"),
    event=Event(title="Dinner for two"),
)

#: The shape of the membership-card page's one error example (an object under "message",
#: starting with the request's echo), completed with the Joi "details" it implies.
JOI_ERROR = {
    "message": {
        "_original": {
            "full_name": "Ines Duarte",
            "email": "ines@example.net",
            "balance_amount": "500",
        },
        "details": [
            {
                "message": '"balance_amount" must be a number',
                "path": ["balance_amount"],
                "type": "number.base",
                "context": {"label": "balance_amount", "key": "balance_amount"},
            }
        ],
    }
}


def _response(status: int, payload: object) -> VendorResponse:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return VendorResponse(status, {}, body, method="POST", path="membership-card/{id}")


def test_joi_error_becomes_a_validation_error_without_the_echo(offline) -> None:
    error = offline.error_for(_response(400, JOI_ERROR), "create")
    assert isinstance(error, ValidationError)
    assert error.status == 400
    assert error.fields == {"balance.amount": ['"balance_amount" must be a number']}
    assert '"balance_amount" must be a number' in str(error)
    assert "_original" not in json.dumps(error.details)
    assert "ines@example.net" not in json.dumps(error.details) + str(error)


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (401, {"message": "Unauthorized"}, AuthenticationError),
        (403, {"message": "Forbidden"}, PermissionDenied),
        (404, {"message": "Pass not found"}, NotFound),
        (409, {"message": "Conflict"}, Conflict),
        (415, {"message": "Content-Type must be application/json"}, ValidationError),
        (422, {"message": {"details": "not a list"}}, ValidationError),
        (429, {"message": "Too many requests"}, RateLimited),
        (500, b"<html>oops</html>", ProviderUnavailable),
        (418, ["odd"], WalletPassError),
    ],
)
def test_error_table(offline, status: int, payload: object, expected: type) -> None:
    error = offline.error_for(_response(status, payload), "get")
    assert type(error) is expected
    assert error.status == status and error.provider == "livepass"
    if isinstance(payload, dict) and isinstance(payload["message"], str):
        assert payload["message"] in str(error)


def test_an_undocumented_extra_key_is_a_typo_refused_before_sending(wallet, emulator) -> None:
    """One rule for extra on every provider (issue 16): LivePass documents no "colour" key, so
    it is refused as a typo (the emulator would refuse it like Joi: test_joi_validation_errors)."""
    with pytest.raises(ValidationError) as caught:
        wallet.create(BOOKING.model_copy(update={"extra": {"colour": "red"}}))
    assert list(caught.value.fields) == ["extra.colour"]
    assert "tom@example.com" not in str(caught.value)
    assert len(emulator.journal) == 0


def test_wrong_key_is_an_authentication_error_without_the_key(connect, emulator) -> None:
    wallet = connect(api_key="lp-wrong-key-0123456789")
    with pytest.raises(AuthenticationError) as caught:
        wallet.get("reservation.R-1")
    shown = f"{caught.value} {caught.value!r} {caught.value.details} {wallet!r}"
    assert "lp-wrong-key-0123456789" not in shown
    assert emulator.journal.last().status == 401


def test_missing_api_key_is_a_configuration_error_before_any_request(server) -> None:
    wallet = walletpass.connect("livepass", base_url=server.url)
    with pytest.raises(ConfigurationError, match="WALLETPASS_LIVEPASS_API_KEY"):
        wallet.create(BOOKING)
    assert len(server.app.journal) == 0


def test_secret_never_logged(wallet, emulator, api_key, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="walletpass")
    emulator.inject(Fault.respond(503, {"message": "busy"}), method="POST")
    wallet.create(BOOKING)
    assert caplog.records
    assert api_key not in caplog.text
    assert "tom@example.com" not in caplog.text  # bodies are not logged either


def test_429_and_503_are_retried(wallet, emulator) -> None:
    emulator.inject(
        Fault.respond(429, {"message": "slow down"}, headers={"Retry-After": "0.05"}),
        method="GET",
    )
    emulator.inject(Fault.respond(503, {"message": "busy"}), method="POST")
    issued = wallet.create(BOOKING)
    assert wallet.get(issued.id).vendor_id == "R-1"
    assert [e.status for e in emulator.journal] == [503, 200, 429, 200]


def test_rate_limited_when_retries_run_out(connect, emulator) -> None:
    wallet = connect(max_retries=1)
    emulator.inject(
        Fault.respond(429, {"message": "slow down"}, headers={"Retry-After": "0.01"}), times=5
    )
    with pytest.raises(RateLimited) as caught:
        wallet.get("reservation.R-1")
    assert caught.value.retry_after == pytest.approx(0.01)
    assert len(emulator.journal) == 2


def test_gateway_errors_are_retried_for_upserts(wallet, emulator) -> None:
    emulator.inject(Fault.respond(502, {"message": "bad gateway"}), method="POST")
    wallet.create(BOOKING)
    assert [e.status for e in emulator.journal] == [502, 200]


def test_500_is_not_retried(wallet, emulator) -> None:
    emulator.inject(Fault.respond(500, {"message": "boom"}), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(BOOKING)
    assert "boom" in str(caught.value)
    assert len(emulator.journal) == 1


@pytest.mark.parametrize(
    "body",
    [b'{"truncated": ', b'{"type": "coupon", "id": "1", "body": {}}', b'{"type": "reservation"}'],
)
def test_unexpected_answers_are_invalid_response(wallet, emulator, body: bytes) -> None:
    emulator.inject(Fault.malformed(200, body), method="POST")
    with pytest.raises(InvalidResponse):
        wallet.create(BOOKING)


def test_an_answer_about_another_pass_is_invalid(wallet, emulator) -> None:
    wallet.create(BOOKING.model_copy(update={"external_id": "R-2"}))
    answer = json.loads(emulator.journal.last().body)
    assert answer["full_name"] == "Tom Reyes"
    emulator.inject(
        Fault.respond(
            200,
            {
                "message": "Pass retrieved",
                "body": {},
                "links": {},
                "id": "R-2",
                "type": "reservation",
            },
        ),
        method="GET",
    )
    with pytest.raises(InvalidResponse, match=r"not 'reservation\.R-1'"):
        wallet.get("reservation.R-1")


def test_only_walletpass_errors_escape_an_update(wallet, emulator) -> None:
    wallet.create(BOOKING)
    emulator.inject(Fault.malformed(200, b"[1, 2]"), method="GET")
    with pytest.raises(InvalidResponse):
        wallet.update("reservation.R-1", PassUpdate(fields={"title": "x"}))
    assert [e.method for e in emulator.journal] == ["POST", "GET"]
