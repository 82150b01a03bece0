"""PassEntry's ``{"errors": [...]}`` bodies through the error table, messages kept, secrets not."""

from __future__ import annotations

import pytest
from walletpass_passentry import PassEntryProvider

import walletpass
from walletpass import Pass
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
from walletpass.testing.emulator import Fault

GENERIC = "2e2d7ee8c306e8f0223dbdc1"


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (400, ValidationError, False),
        (401, AuthenticationError, False),
        (403, PermissionDenied, False),
        (404, NotFound, False),
        (409, Conflict, False),
        (415, ValidationError, False),
        (422, ValidationError, False),
        (429, RateLimited, True),
        (500, ProviderUnavailable, True),
        (503, ProviderUnavailable, True),
        (418, WalletPassError, False),
    ],
)
def test_error_table(connect, emulator, status: int, error: type, retryable: bool) -> None:
    wallet = connect(max_retries=0)
    body = {"errors": [f"Documented failure {status}", "second reason"]}
    emulator.inject(Fault.respond(status, body), method="GET")
    with pytest.raises(error) as caught:
        wallet.get("crm-88213")
    exc = caught.value
    assert type(exc) is error
    assert (exc.status, exc.retryable, exc.provider, exc.operation) == (
        status,
        retryable,
        "passentry",
        "get",
    )
    assert exc.details == body
    assert f"Documented failure {status}; second reason" in str(exc)


def test_jsonapi_error_objects_give_a_code(connect, emulator) -> None:
    wallet = connect(max_retries=0)
    body = {"errors": [{"status": "422", "code": "invalid_radius", "detail": "Radius too big"}]}
    emulator.inject(Fault.respond(422, body), method="GET")
    with pytest.raises(ValidationError) as caught:
        wallet.get("p-1")
    assert caught.value.code == "invalid_radius"
    assert "Radius too big" in str(caught.value)


def test_non_json_error_body(connect, emulator) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(Fault.respond(502, body=b"<html>Bad Gateway</html>"), method="GET")
    with pytest.raises(ProviderUnavailable, match="non-JSON"):
        wallet.get("p-1")


def test_gateway_error_on_an_unsafe_create_has_an_unknown_outcome(connect, emulator) -> None:
    wallet = connect(max_retries=3)
    emulator.inject(Fault.respond(504, {"errors": ["Gateway Timeout"]}), method="POST")
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(Pass(template=GENERIC))
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("POST")) == 1


def test_gateway_error_on_a_read_is_retried(connect, emulator, tpl) -> None:
    wallet = connect()
    issued = wallet.create(Pass(template=tpl["generic"]))
    emulator.inject(Fault.respond(502, {"errors": ["Bad Gateway"]}), method="GET")
    assert wallet.get(issued.id).id == issued.id
    assert [e.status for e in emulator.journal.find("GET")] == [502, 200]


def test_real_emulator_errors(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=0)
    wallet.create(Pass(template=tpl["generic"], external_id="dup-1"))
    with pytest.raises(Conflict, match="Ext ID has already been taken"):
        wallet.create(Pass(template=tpl["generic"], external_id="dup-1"))
    with pytest.raises(NotFound, match="Pass template not found"):
        wallet.create(Pass(template="0000"))
    with pytest.raises(NotFound, match="Pass not found"):
        wallet.get("no-such-pass")
    with pytest.raises(ValidationError) as caught:
        wallet.create(Pass(template=tpl["generic"], fields={"unknownField": "x"}))
    assert "pass.unknownField is not a field of template" in str(caught.value)


def test_a_wrong_key_is_an_authentication_error_without_the_key(connect, tpl) -> None:
    secret = "pe_live_do_not_leak_4f9a1c"
    wallet = connect(api_key=secret, max_retries=0)
    with pytest.raises(AuthenticationError) as caught:
        wallet.create(Pass(template=tpl["generic"]))
    exc = caught.value
    assert exc.status == 401 and "Unauthorized" in str(exc)
    for text in (str(exc), repr(exc), repr(exc.details), repr(wallet), repr(wallet.settings)):
        assert secret not in text


def test_a_missing_key_is_a_configuration_error(server) -> None:
    wallet = walletpass.connect("passentry", base_url=server.url)
    with pytest.raises(ConfigurationError, match="WALLETPASS_PASSENTRY_API_KEY"):
        wallet.get("p-1")


def test_plain_http_only_to_loopback() -> None:
    # refused when the provider is made, not by its first call
    with pytest.raises(ConfigurationError, match=r"base_url: uses plain http://.*use https://"):
        PassEntryProvider(api_key="k", base_url="http://api.passentry.com")


def test_malformed_success_body(connect, emulator, tpl) -> None:
    wallet = connect()
    emulator.inject(Fault.malformed(), method="POST")
    with pytest.raises(InvalidResponse):
        wallet.create(Pass(template=tpl["generic"]))
