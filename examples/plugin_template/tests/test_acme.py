"""The Acme provider against its emulator over HTTP: the conformance suite plus Acme's own rules.

Run after installing the distribution (``pip install -e .``): the provider and the emulator are
found through their entry points, exactly as users will find them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from walletpass_acme import AcmeProvider
from walletpass_acme.emulator import DEFAULT_API_KEY, AcmeEmulator

import walletpass
from walletpass import (
    AlreadyRedeemed,
    AuthenticationError,
    Barcode,
    Conflict,
    Holder,
    NotFound,
    Pass,
    PassKind,
    PassUpdate,
    ProviderUnavailable,
    ValidationError,
    WalletPassError,
)
from walletpass.fake import FakeProvider
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance
from walletpass.testing.emulator import EmulatorServer, Fault

SAMPLE = Pass(
    template="tpl_ticket",
    kind=PassKind.EVENT_TICKET,
    holder=Holder(name="Ada Lovelace"),
    barcode=Barcode(message="A-1003"),
    fields={"seat": "12B"},
)


@pytest.fixture
def server(walletpass_emulator) -> EmulatorServer:
    """The emulator the ``walletpass.emulators`` entry point names, on 127.0.0.1."""
    return walletpass_emulator("acme")


@pytest.fixture
def emulator(server: EmulatorServer) -> AcmeEmulator:
    assert isinstance(server.app, AcmeEmulator)
    return server.app


@pytest.fixture
def wallet(server: EmulatorServer) -> Iterator[AcmeProvider]:
    provider = walletpass.connect("acme", base_url=server.url, api_key=DEFAULT_API_KEY)
    assert isinstance(provider, AcmeProvider)
    yield provider
    provider.close()


class TestAcmeConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, wallet: AcmeProvider, emulator: AcmeEmulator) -> ConformanceSetup:
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(emulator.journal),
            update=PassUpdate(fields={"seat": "14C"}),
            missing_id="acp_0000000000000000",
        )


class TestAcmeFakeProfileConformance(ProviderConformance):
    """``connect("fake", profile="acme")`` refuses what Acme refuses, with no emulator at all."""

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        fake = walletpass.connect("fake", profile="acme")
        assert isinstance(fake, FakeProvider)
        return ConformanceSetup(
            fake, SAMPLE, sent=lambda: len(fake.calls), missing_id="fp_0000000000000000"
        )


def test_registered_through_entry_points() -> None:
    assert "acme" in walletpass.available_providers()
    assert walletpass.registry.load_provider_class("acme") is AcmeProvider


def test_create_sends_acmes_json(wallet: AcmeProvider, emulator: AcmeEmulator) -> None:
    issued = wallet.create(SAMPLE.model_copy(update={"external_id": "order-7"}))
    sent = emulator.journal.last()
    assert (sent.method, sent.path) == ("POST", "/v1/passes")
    assert sent.headers["authorization"] == f"Bearer {DEFAULT_API_KEY}"
    assert sent.json() == {
        "template": "tpl_ticket",
        "kind": "event",
        "externalRef": "order-7",
        "holderName": "Ada Lovelace",
        "fields": {"seat": "12B"},
        "barcode": {"format": "QR", "value": "A-1003"},
    }
    assert issued.external_id == "order-7"
    assert issued.urls.download == f"https://wallet.acme-passes.example/p/{issued.id}"


def test_second_redeem_is_already_redeemed(wallet: AcmeProvider) -> None:
    issued = wallet.create(SAMPLE)
    wallet.redeem(issued.id)
    with pytest.raises(AlreadyRedeemed) as caught:
        wallet.redeem(issued.id)
    assert caught.value.code == "already_redeemed"
    assert caught.value.request_id and caught.value.request_id.startswith("req_")


def test_wrong_key_is_refused_without_echoing_it(server: EmulatorServer) -> None:
    with (
        walletpass.connect("acme", base_url=server.url, api_key="ak_wrong_key_1234") as wrong,
        pytest.raises(AuthenticationError) as caught,
    ):
        wrong.create(SAMPLE)
    assert "ak_wrong_key_1234" not in str(caught.value)
    assert "ak_wrong_key_1234" not in repr(caught.value.details)


def test_vendor_limits_refused_before_sending(wallet: AcmeProvider, emulator: AcmeEmulator) -> None:
    too_long = SAMPLE.model_copy(update={"holder": Holder(name="x" * 65)})
    with pytest.raises(ValidationError) as caught:
        wallet.create(too_long)
    assert caught.value.fields == {"holder.name": ["at most 64 characters, got 65"]}
    with pytest.raises(ValidationError):
        wallet.create(SAMPLE.model_copy(update={"fields": {"Seat": "12B"}}))
    assert len(emulator.journal) == 0


def test_unavailable_vendor_is_retried(wallet: AcmeProvider, emulator: AcmeEmulator) -> None:
    issued = wallet.create(SAMPLE)
    emulator.inject(Fault.respond(503, {"error": {"code": "maintenance"}}), method="GET")
    assert wallet.get(issued.id).id == issued.id
    assert [e.status for e in emulator.journal.find("GET")] == [503, 200]


def test_gives_up_after_max_retries(server: EmulatorServer, emulator: AcmeEmulator) -> None:
    with walletpass.connect(
        "acme", base_url=server.url, api_key=DEFAULT_API_KEY, max_retries=1
    ) as wallet:
        issued = wallet.create(SAMPLE)
        emulator.inject(Fault.respond(503, {"error": {"code": "maintenance"}}), times=2)
        with pytest.raises(ProviderUnavailable) as caught:
            wallet.get(issued.id)
    assert caught.value.status == 503 and caught.value.code == "maintenance"


@pytest.mark.parametrize(
    "answer",
    [
        (
            502,
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            ProviderUnavailable,
        ),
        (503, b"Service Unavailable", "text/plain", ProviderUnavailable),
        (504, b"", "text/html", ProviderUnavailable),
        (401, b"<html>Unauthorized</html>", "text/html", AuthenticationError),
        (404, b"not found", "text/plain", NotFound),
        (409, b"\xff\xfe not UTF-8", "application/octet-stream", Conflict),
        (502, b'["a", "list"]', "application/json", ProviderUnavailable),
        (502, b'{"error": "a string, not an object"}', "application/json", ProviderUnavailable),
    ],
)
def test_an_error_body_that_is_not_acmes_is_mapped_by_its_status(
    server: EmulatorServer,
    emulator: AcmeEmulator,
    answer: tuple[int, bytes, str, type[WalletPassError]],
) -> None:
    """A proxy or load balancer in front of Acme answers in its own format: the status decides."""
    status, body, content_type, expected = answer
    with walletpass.connect(
        "acme", base_url=server.url, api_key=DEFAULT_API_KEY, max_retries=0
    ) as wallet:
        issued = wallet.create(SAMPLE)
        emulator.inject(
            Fault.respond(status, body=body, headers={"Content-Type": content_type}), times=1
        )
        with pytest.raises(expected) as caught:
            wallet.get(issued.id)
    assert type(caught.value) is expected
    assert caught.value.status == status


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
def test_a_key_or_id_with_a_line_break_is_refused_as_any_other_malformed_one(
    line_break: str,
) -> None:
    from walletpass_acme import limits

    for key in ("seat" + line_break, "se" + line_break + "at"):
        assert limits.field_key_problem(key) == limits.field_key_problem("Seat") is not None
    assert limits.field_key_problem("seat") is None
    wallet = AcmeProvider(api_key=DEFAULT_API_KEY, base_url="http://127.0.0.1:9")
    for pass_id in ("acp_0000000000000000" + line_break, "acp_00000000\n00000000", "acp_x"):
        with pytest.raises(ValidationError) as caught:
            wallet.decode_id(pass_id)
        assert caught.value.fields == {
            "pass_id": ["is not an Acme pass id (acp_ and 16 hex digits)"]
        }
