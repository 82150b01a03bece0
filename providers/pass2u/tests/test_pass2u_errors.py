"""The documented error table, retries by safety class, and secrets staying secret."""

from __future__ import annotations

import logging

import pytest
from walletpass_pass2u.emulator import Pass2UEmulator

import walletpass
from walletpass import Barcode, Pass, PassUpdate
from walletpass.errors import (
    AuthenticationError,
    ConfigurationError,
    Conflict,
    InvalidResponse,
    NotFound,
    ProviderUnavailable,
    RateLimited,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.testing.emulator import EmulatorServer, Fault

CREATE = r"/models/1919/passes"
SAMPLE = Pass(template="1919", fields={"level": "GOLD"})


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (400, ValidationError, False),
        (403, AuthenticationError, False),
        (404, NotFound, False),
        (405, UnsupportedOperation, False),
        (409, Conflict, False),
        (415, ValidationError, False),
        (429, RateLimited, True),
        (503, ProviderUnavailable, True),
        # A 504 to a create leaves its outcome unknown: never retryable (reconcile first).
        (504, ProviderUnavailable, False),
    ],
)
def test_error_table(connect, emulator, status: int, error: type, retryable: bool) -> None:
    wallet = connect(max_retries=0)
    body = {"message": f"Documented failure {status}"}
    emulator.inject(Fault.respond(status, body), method="POST", path=CREATE)
    with pytest.raises(error) as caught:
        wallet.create(SAMPLE)
    exc = caught.value
    assert type(exc) is error
    assert (exc.status, exc.retryable, exc.provider, exc.operation) == (
        status,
        retryable,
        "pass2u",
        "create",
    )
    assert exc.details == body
    assert f"Documented failure {status}" in str(exc)
    assert exc.outcome_unknown is (status == 504)


def test_429_is_retried_even_for_creates(connect, emulator) -> None:
    wallet = connect()
    emulator.inject(
        Fault.respond(429, {"message": "Too Many Requests"}), method="POST", path=CREATE
    )
    issued = wallet.create(SAMPLE)
    assert issued.vendor_id
    assert [e.status for e in emulator.journal.find("POST", CREATE)] == [429, 200]


def test_503_is_retried(connect, emulator) -> None:
    wallet = connect()
    emulator.inject(Fault.respond(503, {"message": "Service Unavailable"}), method="POST")
    wallet.create(SAMPLE)
    assert [e.status for e in emulator.journal.find("POST", CREATE)] == [503, 200]


def test_504_on_create_is_not_retried_and_outcome_is_unknown(connect, emulator) -> None:
    wallet = connect(max_retries=3)
    emulator.inject(Fault.respond(504, {"message": "Endpoint request timed out"}), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(SAMPLE)
    assert caught.value.outcome_unknown
    assert len(emulator.journal.find("POST", CREATE)) == 1


def test_504_on_update_is_retried(connect, emulator) -> None:
    wallet = connect()
    issued = wallet.create(SAMPLE)
    emulator.inject(Fault.respond(504, {"message": "timed out"}), method="PUT")
    wallet.update(issued.id, PassUpdate(fields={"level": "DIAMOND"}))
    assert [e.status for e in emulator.journal.find("PUT")] == [504, 200]
    assert wallet.get(issued.id).fields["level"] == "DIAMOND"


def test_connection_lost_after_a_create_is_not_repeated(connect, emulator) -> None:
    wallet = connect(max_retries=3)
    emulator.inject(Fault.reset_after(), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(SAMPLE)
    assert caught.value.outcome_unknown
    assert len(emulator.passes) == 1  # it did take effect: the caller must reconcile, not resend


def test_connection_lost_after_a_reset_is_repeated(connect, emulator) -> None:
    wallet = connect()
    issued = wallet.create(SAMPLE)
    emulator.inject(Fault.reset_after(), method="DELETE")
    wallet.reset_field(issued.id, "level")
    assert len(emulator.journal.find("DELETE")) == 2


def test_non_json_error_body(connect, emulator) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(Fault.respond(502, body=b"<html>Bad Gateway</html>"), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(SAMPLE)
    assert "non-JSON" in str(caught.value)
    assert caught.value.outcome_unknown


def test_malformed_success_body(connect, emulator) -> None:
    wallet = connect()
    emulator.inject(Fault.malformed(), method="POST")
    with pytest.raises(InvalidResponse):
        wallet.create(SAMPLE)


def test_real_vendor_refusals(connect, emulator) -> None:
    wallet = connect()
    with pytest.raises(NotFound, match="model 4242"):
        wallet.create(Pass(template="4242"))
    with pytest.raises(ValidationError, match="not a dynamic field"):
        wallet.create(Pass(template="2040", fields={"points": 10}))
    with pytest.raises(ValidationError, match="'seats' is not a dynamic field"):
        wallet.create(Pass(template="1919", fields={"seats": "1"}))
    wallet.create(Pass(template="2040", barcode=Barcode(message="M-1")))
    with pytest.raises(Conflict, match="non-replicable"):
        wallet.create(Pass(template="2040", barcode=Barcode(message="M-1")))
    with pytest.raises(NotFound):
        wallet.get("1919.NO-SUCHPASS")


def test_bad_key_is_an_authentication_error_that_never_shows_the_key(connect, caplog) -> None:
    secret = "s3cr3t-not-the-right-key-0123456"
    wallet = connect(api_key=secret)
    with (
        caplog.at_level(logging.DEBUG, logger="walletpass"),
        pytest.raises(AuthenticationError) as caught,
    ):
        wallet.create(SAMPLE)
    exc = caught.value
    assert exc.status == 403
    for text in (str(exc), repr(exc), repr(exc.details), repr(wallet), repr(wallet.settings)):
        assert secret not in text
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert caplog.records, "the request is logged (without the key)"


def test_missing_api_key_is_a_configuration_error_before_sending(server, emulator) -> None:
    wallet = walletpass.connect("pass2u", base_url=server.url)
    with pytest.raises(ConfigurationError, match="WALLETPASS_PASS2U_API_KEY"):
        wallet.create(SAMPLE)
    assert len(emulator.journal) == 0


def test_emulator_rate_limit_gives_rate_limited(models, api_key) -> None:
    app = Pass2UEmulator(models=models, rate_limit=1, rate_window=60)
    with EmulatorServer(app) as server:
        wallet = walletpass.connect(
            "pass2u", base_url=server.url, api_key=api_key, rate_limit=0, max_retries=0
        )
        issued = wallet.create(SAMPLE)
        with pytest.raises(RateLimited) as caught:
            wallet.get(issued.id)
        assert caught.value.status == 429
        assert "100" not in caught.value.message and "1 requests per second" in caught.value.message
        wallet.close()


def test_only_walletpass_errors_escape(connect, emulator) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(Fault.reset(), method="GET")
    with pytest.raises(WalletPassError):
        wallet.download_pkpass("1919.X-1")


@pytest.mark.parametrize("stamp", ["soon", "2026-02-30T00:00:00+08:00", 1772020800])
@pytest.mark.parametrize("key", ["createdTime", "expirationDate"])
def test_an_unreadable_answer_timestamp_is_invalid_response(connect, emulator, key, stamp):
    # One rule for every vendor (walletpass.timestamps): never a silently dropped time. The
    # create was made, so its outcome is unknown.
    wallet = connect()
    answer = wallet.create(SAMPLE).raw
    emulator.inject(Fault.respond(200, {**answer, key: stamp}), method="POST")
    with pytest.raises(InvalidResponse, match="timestamp") as caught:
        wallet.create(SAMPLE)
    assert caught.value.outcome_unknown


@pytest.mark.parametrize("vendor_id", [".", ".."])
def test_a_pass_id_the_provider_would_refuse_is_refused_at_the_answer(connect, emulator, vendor_id):
    # '1919..' would later be refused as the caller's ValidationError (a path segment '..'):
    # the vendor's answer is at fault, and the create was made, so its outcome is unknown.
    wallet = connect()
    answer = wallet.create(SAMPLE).raw
    emulator.inject(Fault.respond(200, {**answer, "passId": vendor_id}), method="POST")
    with pytest.raises(InvalidResponse, match="cannot use again") as caught:
        wallet.create(SAMPLE)
    assert caught.value.outcome_unknown
