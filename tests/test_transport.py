"""The shared transport against a real HTTP server on 127.0.0.1 (no mocks of ``requests``).

Every scenario is played by an emulator from :mod:`walletpass.testing.emulator`: faults are
injected on the server side (statuses with retry hints, latency, connection resets before and
after the request took effect, malformed bodies), and the emulator's journal shows what actually
arrived. Delays are small and timing assertions are lower bounds with generous tolerance, because
the suite shares two CPU cores with other work.
"""

from __future__ import annotations

import email.utils
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
import requests

from walletpass import IssuedPass, Pass
from walletpass.capabilities import Capabilities, Capability, native
from walletpass.errors import (
    AlreadyRedeemed,
    AuthenticationError,
    ConfigurationError,
    Conflict,
    InvalidResponse,
    NotFound,
    PermissionDenied,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
    WalletPassError,
)
from walletpass.provider import ErrorInfo, ErrorRule, Provider
from walletpass.retry import RetryPolicy, Safety
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    Fault,
    route,
)
from walletpass.transport import (
    Timeouts,
    Transport,
    VendorRequest,
    VendorResponse,
    check_url_security,
    is_loopback_host,
)

from .hostile_server import BOUND, STALL, HostileServer, answer

API_KEY = "sk_transport_5f0c2a9e71d4b3"

# ---------------------------------------------------------------------------------------------
# The emulator and a tiny provider that talks to it
# ---------------------------------------------------------------------------------------------


class ItemsApp(EmulatorApp):
    """A minimal vendor: items created by POST, read by GET, replaced by PUT, removed by DELETE.

    ``processed`` lists the requests that took effect, which the journal alone cannot tell apart
    from requests dropped before processing.
    """

    prefix = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.processed: list[str] = []

    def _took_effect(self, request: EmulatorRequest) -> None:
        with self.lock:
            self.processed.append(f"{request.method} {request.path}")

    @route("POST", "/items")
    def create(self, request: EmulatorRequest) -> EmulatorResponse:
        body = request.json()
        self._took_effect(request)
        return EmulatorResponse.json_body(
            {"id": f"it_{len(self.processed)}", "template": body["template"]}, 201
        )

    @route("GET", "/items/{item_id}")
    def read(self, request: EmulatorRequest) -> EmulatorResponse:
        self._took_effect(request)
        return EmulatorResponse.json_body({"id": request.params["item_id"]})

    @route("PUT", "/items/{item_id}")
    def replace(self, request: EmulatorRequest) -> EmulatorResponse:
        self._took_effect(request)
        return EmulatorResponse.json_body({"id": request.params["item_id"], **request.json()})

    @route("DELETE", "/items/{item_id}")
    def remove(self, request: EmulatorRequest) -> EmulatorResponse:
        self._took_effect(request)
        return EmulatorResponse.empty(204)


class HttpTestProvider(Provider):
    """A provider reduced to the transport path: create (UNSAFE), get (SAFE), delete."""

    name = "test-http"
    capabilities = Capabilities(
        {
            Capability.CREATE: native(),
            Capability.GET: native(),
            Capability.DELETE: native(),
            Capability.KIND_GENERIC: native(),
        }
    )

    def auth_headers(self) -> dict[str, str]:
        assert self.settings.api_key is not None
        return {"Authorization": f"Bearer {self.settings.api_key.get_secret_value()}"}

    def default_headers(self) -> dict[str, str]:
        return {"X-Client-Flavour": "tests"}

    def make_transport(self) -> Transport:
        # Same transport as production, with backoff shrunk so retries cost milliseconds.
        transport = super().make_transport()
        transport.policy = RetryPolicy(
            max_retries=self.settings.max_retries,
            backoff_base=0.02,
            backoff_cap=0.1,
            retry_after_cap=5.0,
        )
        return transport

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "items", Safety.UNSAFE, json={"template": new_pass.template})

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        body = response.json()
        return IssuedPass(
            id=body["id"], vendor_id=body["id"], provider=self.name, template=body["template"]
        )

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", f"items/{pass_id}", Safety.SAFE, path_template="items/{id}")

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        body = response.json()
        return IssuedPass(id=body["id"], vendor_id=body["id"], provider=self.name)

    def build_delete(self, pass_id: str) -> VendorRequest:
        return VendorRequest(
            "DELETE", f"items/{pass_id}", Safety.IDEMPOTENT, path_template="items/{id}"
        )


class CodedErrorsProvider(HttpTestProvider):
    """A vendor whose error bodies carry a code that refines the HTTP status."""

    name = "test-http-coded"
    error_table: ClassVar[tuple[ErrorRule, ...]] = (
        ErrorRule(AlreadyRedeemed, status=409, code="already_used"),
        ErrorRule(QuotaExceeded, status=429, code="plan_quota", retryable=False),
    )

    def parse_error(self, response: VendorResponse) -> ErrorInfo:
        body = response.json()
        return ErrorInfo(message=body.get("message"), code=body.get("code"), details=body)


class ResetHeaderProvider(HttpTestProvider):
    """A vendor that says when to come back in its own header, in milliseconds."""

    name = "test-http-reset-ms"

    @staticmethod
    def retry_after(headers: Mapping[str, str]) -> float | None:
        value = headers.get("x-ratelimit-reset-ms")
        return None if value is None else int(value) / 1000


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def app() -> ItemsApp:
    return ItemsApp()


@pytest.fixture
def server(app: ItemsApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def provider(url: str, cls: type[HttpTestProvider] = HttpTestProvider, **settings: Any) -> Any:
    values: dict[str, Any] = {"base_url": f"{url}/v1", "api_key": API_KEY, "max_retries": 2}
    values.update(settings)
    return cls(**values)


class Sleeps(list[float]):
    """A real sleep that also remembers every delay the transport chose."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
        time.sleep(seconds)


def transport(
    url: str,
    *,
    sleeps: Callable[[float], None] = time.sleep,
    max_retries: int = 2,
    backoff: float = 0.02,
    timeouts: Timeouts | None = None,
    **kwargs: Any,
) -> Transport:
    return Transport(
        provider="test-http",
        base_url=f"{url}/v1",
        auth_headers={"Authorization": f"Bearer {API_KEY}"},
        timeouts=timeouts or Timeouts(connect=2.0, read=5.0, total=20.0),
        policy=RetryPolicy(
            max_retries=max_retries,
            backoff_base=backoff,
            backoff_cap=max(backoff, 0.1),
            retry_after_cap=5.0,
        ),
        sleep=sleeps,
        rng=lambda: 1.0,
        **kwargs,
    )


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the emulator did not reach the expected state in time")
        time.sleep(0.02)


def gaps(app: ItemsApp) -> list[float]:
    times = [entry.at for entry in app.journal.entries]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


GET = VendorRequest("GET", "items/a1", Safety.SAFE, path_template="items/{id}")


# ---------------------------------------------------------------------------------------------
# 429 and Retry-After
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [("1", 1.0), ("0.4", 0.4), (" 0.25 ", 0.25)],
    ids=["seconds", "decimal-seconds", "padded"],
)
def test_429_is_retried_after_the_retry_after_delay(
    app: ItemsApp, server: EmulatorServer, header: str, expected: float
) -> None:
    app.inject(Fault.respond(429, {"message": "slow down"}, headers={"Retry-After": header}))
    sleeps = Sleeps()

    response = transport(server.url, sleeps=sleeps).send(GET)

    assert response.status == 200
    assert response.attempts == 2
    assert sleeps == pytest.approx([expected])
    assert [entry.status for entry in app.journal] == [429, 200]
    assert gaps(app)[0] >= expected * 0.9


def test_429_retry_after_as_http_date_is_honoured(app: ItemsApp, server: EmulatorServer) -> None:
    # An HTTP date has whole seconds: two seconds ahead means a wait between one and two seconds.
    when = datetime.now(UTC) + timedelta(seconds=2)
    app.inject(
        Fault.respond(429, headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)})
    )
    sleeps = Sleeps()

    response = transport(server.url, sleeps=sleeps).send(GET)

    assert response.status == 200
    assert len(sleeps) == 1
    assert 0.9 <= sleeps[0] <= 2.05
    assert [entry.status for entry in app.journal] == [429, 200]
    assert gaps(app)[0] >= sleeps[0] * 0.9


def test_429_retry_after_in_the_past_retries_at_once(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(429, headers={"Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"}))
    sleeps = Sleeps()

    assert transport(server.url, sleeps=sleeps).send(GET).status == 200
    assert sleeps == [0.0]


def test_429_beyond_the_retry_after_cap_is_not_waited_for(
    app: ItemsApp, server: EmulatorServer
) -> None:
    later = Fault.respond(429, {"message": "come back later"}, headers={"Retry-After": "120"})
    app.inject(later, times=2)
    sleeps = Sleeps()  # every wait the transport chooses (its cap here: 5 s)

    response = transport(server.url, sleeps=sleeps).send(GET)
    with pytest.raises(RateLimited) as caught:
        provider(server.url).get("a1")  # (the default cap: 60 s)

    assert response.status == 429 and sleeps == []  # refused at once: no wait, no retry
    assert len(app.journal) == 2  # one request each
    assert caught.value.retry_after == 120.0
    assert caught.value.retryable is True
    assert caught.value.status == 429
    assert (caught.value.provider, caught.value.operation) == ("test-http", "get")


def test_429_retried_until_retries_run_out_then_rate_limited(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(429, headers={"Retry-After": "0.05"}), times=5)
    wallet = provider(server.url, max_retries=1)

    with pytest.raises(RateLimited) as caught:
        wallet.get("a1")

    assert [entry.status for entry in app.journal] == [429, 429]
    assert caught.value.retry_after == pytest.approx(0.05)
    assert app.processed == []


def test_provider_hook_reads_a_vendor_specific_retry_header(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(429, headers={"X-RateLimit-Reset-Ms": "300"}))
    wallet = provider(server.url, ResetHeaderProvider)

    issued = wallet.get("a1")

    assert issued.id == "a1"
    assert [entry.status for entry in app.journal] == [429, 200]
    # without the hook the backoff (at most 0.1 s) would have been used instead
    assert gaps(app)[0] >= 0.27

    app.inject(Fault.respond(429, headers={"X-RateLimit-Reset-Ms": "90000"}))
    with pytest.raises(RateLimited) as caught:
        wallet.get("a1")
    assert caught.value.retry_after == 90.0


# ---------------------------------------------------------------------------------------------
# 5xx
# ---------------------------------------------------------------------------------------------


def test_503_is_backed_off_then_succeeds(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(503, {"message": "maintenance"}), times=2)
    sleeps = Sleeps()

    response = transport(server.url, sleeps=sleeps, backoff=0.05).send(GET)

    assert response.status == 200
    assert response.json() == {"id": "a1"}
    assert response.attempts == 3
    # exponential: base, then twice the base (the jitter source is pinned to its maximum)
    assert sleeps == pytest.approx([0.05, 0.1])
    assert [entry.status for entry in app.journal] == [503, 503, 200]
    first, second = gaps(app)
    assert first >= 0.04
    assert second >= 0.09


def test_503_retry_after_is_used_as_the_backoff(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(503, headers={"Retry-After": "0.3"}))
    sleeps = Sleeps()

    assert transport(server.url, sleeps=sleeps).send(GET).status == 200
    assert sleeps == pytest.approx([0.3])


def test_503_that_persists_becomes_provider_unavailable(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(
        Fault.respond(503, {"message": "down"}, headers={"X-Request-Id": "rq-503"}), times=10
    )
    wallet = provider(server.url, max_retries=2)

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.get("a1")

    assert len(app.journal) == 3
    assert caught.value.status == 503
    assert caught.value.request_id == "rq-503"
    assert caught.value.retryable is True
    assert "down" in str(caught.value)


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_retried_for_safe_reads(
    app: ItemsApp, server: EmulatorServer, status: int
) -> None:
    app.inject(Fault.respond(status))

    assert transport(server.url).send(GET).status == 200
    assert [entry.status for entry in app.journal] == [status, 200]


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_unsafe_post_is_not_repeated(
    app: ItemsApp, server: EmulatorServer, status: int
) -> None:
    app.inject(Fault.respond(status), method="POST")
    wallet = provider(server.url)

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create({"template": "gold"})

    assert len(app.journal) == 1
    assert caught.value.status == status


# ---------------------------------------------------------------------------------------------
# Read timeouts and resets: the ambiguous outcomes
# ---------------------------------------------------------------------------------------------


def test_unsafe_post_not_retried_after_read_timeout(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.delay_after(1.5), method="POST")
    wallet = provider(server.url, timeout=0.3, max_retries=3)

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create({"template": "gold"})

    error = caught.value
    assert error.outcome_unknown is True
    assert (error.provider, error.operation) == ("test-http", "create")
    assert "may have taken effect" in str(error)
    assert "outcome_unknown=True" in repr(error)
    # the POST took effect on the vendor side, exactly once
    assert app.processed == ["POST /v1/items"]
    wait_until(lambda: len(app.journal) >= 1)
    time.sleep(0.2)
    assert len(app.journal.find("POST")) == 1
    assert len(app.journal) == 1


@pytest.mark.parametrize("safety", [Safety.UNSAFE, Safety.RECOVERABLE])
@pytest.mark.parametrize("fault", [Fault.reset(), Fault.reset_after()], ids=["reset", "after"])
def test_non_repeatable_request_not_retried_after_reset(
    app: ItemsApp, server: EmulatorServer, safety: Safety, fault: Fault
) -> None:
    app.inject(fault)
    request = VendorRequest("POST", "items", safety, json={"template": "gold"})

    with pytest.raises(ProviderUnavailable) as caught:
        transport(server.url).send(request, operation="create")

    # a reset after sending leaves the client unable to tell whether the POST took effect
    assert caught.value.outcome_unknown is True
    assert len(app.journal) == 1
    assert app.journal.last().status == 0
    assert len(app.processed) == (1 if fault.kind == "reset_after" else 0)


@pytest.mark.parametrize(
    ("method", "safety"),
    [("GET", Safety.SAFE), ("PUT", Safety.IDEMPOTENT), ("DELETE", Safety.IDEMPOTENT)],
)
@pytest.mark.parametrize("fault", [Fault.reset(), Fault.reset_after()], ids=["reset", "after"])
def test_repeatable_request_retried_after_reset(
    app: ItemsApp, server: EmulatorServer, method: str, safety: Safety, fault: Fault
) -> None:
    app.inject(fault)
    body: Any = {"colour": "gold"} if method == "PUT" else None
    request = VendorRequest(method, "items/a1", safety, **({"json": body} if body else {}))
    sleeps = Sleeps()

    response = transport(server.url, sleeps=sleeps).send(request)

    assert response.ok
    assert response.attempts == 2
    assert len(sleeps) == 1
    assert [entry.status for entry in app.journal] == [0, response.status]
    effects = 2 if fault.kind == "reset_after" else 1
    assert app.processed == [f"{method} /v1/items/a1"] * effects


def test_safe_read_retried_after_read_timeout(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.delay_after(1.0), method="GET")
    wallet = provider(server.url, timeout=0.3)

    assert wallet.get("a1").id == "a1"
    assert app.processed == ["GET /v1/items/a1"] * 2


# ---------------------------------------------------------------------------------------------
# Connection refused: nothing was sent, so every safety class may retry
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("safety", list(Safety))
def test_connection_refused_retried_then_unavailable(
    safety: Safety, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="walletpass")
    url = f"http://127.0.0.1:{closed_port()}"
    sleeps = Sleeps()
    request = VendorRequest("POST", "items", safety, json={"template": "gold"})

    with pytest.raises(ProviderUnavailable) as caught:
        transport(url, sleeps=sleeps, max_retries=2).send(request, operation="create")

    error = caught.value
    assert error.outcome_unknown is False
    assert error.retryable is True
    assert "3 attempts" in str(error)
    assert "did not take effect" in str(error)
    assert len(sleeps) == 2
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2


def test_connection_refused_through_a_provider() -> None:
    wallet = provider(f"http://127.0.0.1:{closed_port()}", max_retries=1)

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create({"template": "gold"})

    assert caught.value.outcome_unknown is False
    assert (caught.value.provider, caught.value.operation) == ("test-http", "create")
    assert "2 attempts" in str(caught.value)
    assert caught.value.__cause__ is not None


# ---------------------------------------------------------------------------------------------
# HTTPS rule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com",
        "http://10.0.0.7:8080",
        "http://192.0.2.1/v1",
        "http://127.0.0.1.nip.example/v1",
        "http://localhost.example.com",
    ],
)
def test_plain_http_to_non_loopback_refused_before_any_connection(
    url: str, connections: list[tuple[str, object]]
) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        Transport(provider="test-http", base_url=url)
    # the provider refuses it when made (its settings are read), not at its first call
    with pytest.raises(ConfigurationError, match=r"base_url: .*https") as caught:
        provider("unused", base_url=url)

    assert caught.value.provider == "test-http"
    assert connections == []


def test_absolute_http_url_in_a_request_refused_before_any_connection(
    app: ItemsApp, server: EmulatorServer, connections: list[tuple[str, object]]
) -> None:
    sender = transport(server.url)
    # positive control: the spy does see a real request to the loopback emulator
    assert sender.send(GET).ok
    assert any(kind == "connect" for kind, _ in connections)
    connections.clear()
    sent = len(app.journal)

    with pytest.raises(ConfigurationError, match="https"):
        sender.send(VendorRequest("GET", "http://192.0.2.1/v1/items/a1", Safety.SAFE))

    assert connections == []
    assert len(app.journal) == sent


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9",
        "http://127.8.9.10",
        "http://localhost:8000/v2",
        "http://[::1]:8000",
        "https://api.example.com/v1",
        "https://10.0.0.7",
    ],
)
def test_https_anywhere_and_http_to_loopback_allowed(url: str) -> None:
    check_url_security(url)
    assert Transport(provider="test-http", base_url=url).base_url.startswith(url)


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/x", "127.0.0.1:8000", "https:///v1", "file:///etc/passwd"]
)
def test_other_schemes_and_hostless_urls_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_url_security(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.3", True),
        ("::1", True),
        ("[::1]", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_detection(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


# ---------------------------------------------------------------------------------------------
# Answers that are not what the docs promise
# ---------------------------------------------------------------------------------------------


def test_malformed_json_body_is_invalid_response(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.malformed(), method="GET")
    wallet = provider(server.url)

    with pytest.raises(InvalidResponse) as caught:
        wallet.get("a1")

    assert caught.value.status == 200
    assert (caught.value.provider, caught.value.operation) == ("test-http", "get")
    assert "expected JSON" in str(caught.value)
    assert '{"truncated": ' in str(caught.value)
    assert len(app.journal) == 1


def test_json_of_the_wrong_shape_is_invalid_response(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(200, {"identifier": "a1"}), method="GET")

    with pytest.raises(InvalidResponse, match="KeyError"):
        provider(server.url).get("a1")


def test_non_json_error_body_still_maps_to_the_status(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(500, body=b"<html>Internal error</html>"), times=5)

    with pytest.raises(ProviderUnavailable, match="non-JSON body") as caught:
        provider(server.url, max_retries=0).get("a1")

    assert caught.value.status == 500


def test_vendor_response_json_helpers() -> None:
    assert VendorResponse(200, {}, b"").json() is None
    assert VendorResponse(200, {}, b' {"a": [1]} ').json() == {"a": [1]}
    with pytest.raises(InvalidResponse, match="HTTP 502"):
        VendorResponse(502, {}, b"\xff\xfe not json", method="GET", path="items").json()


# ---------------------------------------------------------------------------------------------
# The total deadline
# ---------------------------------------------------------------------------------------------


def test_total_deadline_cuts_a_slow_answer_short() -> None:
    # The answer comes after 30 s and the read timeout is longer still: only the deadline can end
    # the call, which its error names; the bound is the behaviour (not the server's 30 s).
    def late(conn: socket.socket, server: HostileServer) -> None:
        server.sleep(STALL)
        answer(b'{"id": "a1"}')(conn, server)

    with HostileServer(late) as server:
        sender = transport(server.url, timeouts=Timeouts(connect=2.0, read=60.0, total=1.0))
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable) as caught:
            sender.send(GET, operation="get")
        took = time.monotonic() - started

    assert "deadline of 1.0s passed" in str(caught.value)
    assert took < BOUND
    assert caught.value.outcome_unknown is False


def test_total_deadline_stops_retries(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.respond(503), times=100)
    sleeps = Sleeps()
    sender = transport(
        server.url,
        sleeps=sleeps,
        max_retries=10,
        backoff=0.2,
        timeouts=Timeouts(connect=2.0, read=5.0, total=1.0),
    )

    try:
        response = sender.send(GET)
    except ProviderUnavailable as exc:
        # A loaded machine may answer the last attempt after the deadline: the deadline then ends
        # that attempt too, and says so (a 503 means the request was not handled).
        assert "deadline of 1.0s passed" in str(exc) and not exc.outcome_unknown, exc
        attempts = len(sleeps) + 1
    else:
        assert response.status == 503
        assert response.attempts == len(app.journal)
        attempts = response.attempts

    assert 1 <= len(sleeps) < 10  # retried, but the deadline stopped the ten retries
    assert sum(sleeps) <= 1.0
    assert attempts == len(sleeps) + 1


def test_retry_after_longer_than_the_deadline_is_not_slept(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(429, headers={"Retry-After": "3"}))
    sleeps = Sleeps()
    sender = transport(server.url, sleeps=sleeps, timeouts=Timeouts(read=5.0, total=2.0))

    response = sender.send(GET)

    assert response.status == 429
    assert sleeps == []
    assert len(app.journal) == 1


def test_deadline_setting_reaches_the_transport(app: ItemsApp, server: EmulatorServer) -> None:
    app.inject(Fault.latency(4.0), times=5)
    wallet = provider(server.url, deadline=0.8, timeout=10.0)

    with pytest.raises(ProviderUnavailable) as caught:
        wallet.get("a1")

    # Ended by the setting (its error names it), not by the 4 s answer nor the 10 s timeout.
    assert "deadline of 0.8s passed" in str(caught.value)


def test_timeouts_must_be_positive() -> None:
    for bad in ({"connect": 0}, {"read": -1.0}, {"total": 0}):
        with pytest.raises(ValueError):
            Timeouts(**bad)
    assert Timeouts(total=None).total is None


# ---------------------------------------------------------------------------------------------
# Provider.send / error_for: vendor error statuses become typed errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDenied),
        (404, NotFound),
        (409, Conflict),
        (410, NotFound),
        (422, ValidationError),
        (500, ProviderUnavailable),
        (418, WalletPassError),
    ],
)
def test_error_statuses_map_to_typed_errors(
    app: ItemsApp, server: EmulatorServer, status: int, error: type[WalletPassError]
) -> None:
    app.inject(
        Fault.respond(status, {"message": "vendor says no"}, headers={"X-Request-Id": "rq-7"})
    )

    with pytest.raises(WalletPassError) as caught:
        provider(server.url, max_retries=0).get("a1")

    assert type(caught.value) is error
    assert caught.value.status == status
    assert caught.value.request_id == "rq-7"
    assert "vendor says no" in str(caught.value)
    assert "rq-7" in str(caught.value)
    assert (caught.value.provider, caught.value.operation) == ("test-http", "get")
    assert caught.value.details == {"message": "vendor says no"}


def test_provider_error_table_refines_statuses_by_vendor_code(
    app: ItemsApp, server: EmulatorServer
) -> None:
    wallet = provider(server.url, CodedErrorsProvider, max_retries=0)

    app.inject(Fault.respond(409, {"code": "already_used", "message": "used"}))
    with pytest.raises(AlreadyRedeemed):
        wallet.get("a1")

    app.inject(Fault.respond(409, {"code": "version_mismatch", "message": "stale"}))
    with pytest.raises(Conflict) as conflict:
        wallet.get("a1")
    assert type(conflict.value) is Conflict
    assert conflict.value.code == "version_mismatch"

    app.inject(Fault.respond(429, {"code": "plan_quota", "message": "upgrade"}))
    with pytest.raises(QuotaExceeded) as quota:
        wallet.get("a1")
    assert quota.value.retryable is False


def test_delete_sends_idempotent_request_and_accepts_204(
    app: ItemsApp, server: EmulatorServer
) -> None:
    wallet = provider(server.url)

    assert wallet.delete("a1") is None
    assert app.processed == ["DELETE /v1/items/a1"]


# ---------------------------------------------------------------------------------------------
# What goes on the wire
# ---------------------------------------------------------------------------------------------


def test_headers_body_and_user_agent_on_the_wire(app: ItemsApp, server: EmulatorServer) -> None:
    wallet = provider(server.url, app_info="shop-backend/4.2")

    issued = wallet.create({"template": "gold"})

    assert issued.template == "gold"
    entry = app.journal.last()
    assert (entry.method, entry.path) == ("POST", "/v1/items")
    assert entry.json() == {"template": "gold"}
    assert entry.headers["authorization"] == f"Bearer {API_KEY}"
    assert entry.headers["content-type"] == "application/json"
    assert entry.headers["accept"] == "application/json"
    assert entry.headers["x-client-flavour"] == "tests"
    agent = entry.headers["user-agent"]
    assert agent.startswith("walletpass/")
    assert " python/" in agent
    assert " urllib3/" in agent
    assert agent.endswith(" shop-backend/4.2")


def test_query_and_raw_body_are_sent(app: ItemsApp, server: EmulatorServer) -> None:
    request = VendorRequest(
        "PUT",
        "items/a1",
        Safety.IDEMPOTENT,
        query={"expand": "holder", "page": 2},
        data=b'{"colour":"red"}',
        headers={"Content-Type": "application/json"},
    )

    response = transport(server.url).send(request)

    assert response.json() == {"id": "a1", "colour": "red"}
    assert app.journal.last().query == {"expand": ["holder"], "page": ["2"]}


def test_response_carries_request_id_and_lower_case_headers(
    app: ItemsApp, server: EmulatorServer
) -> None:
    app.inject(Fault.respond(200, {"id": "a1"}, headers={"X-Correlation-Id": "corr-9"}))

    response = transport(server.url).send(GET)

    assert response.request_id == "corr-9"
    assert response.header("X-CORRELATION-ID") == "corr-9"
    assert response.path == "items/{id}"
    assert response.method == "GET"


def test_closed_provider_refuses_to_send(app: ItemsApp, server: EmulatorServer) -> None:
    wallet = provider(server.url)
    assert wallet.get("a1").id == "a1"
    wallet.close()

    with pytest.raises(ConfigurationError, match="closed"):
        wallet.get("a2")

    errors: list[BaseException] = []

    def from_another_thread() -> None:
        try:
            wallet.get("a3")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=from_another_thread)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert isinstance(errors[0], ConfigurationError)
    assert len(app.journal) == 1


def test_emulator_journal_shows_the_content_type_the_client_sent(
    app: ItemsApp, server: EmulatorServer
) -> None:
    # The journal is what emulators check headers against: a header the client left out must
    # stay absent, not appear as the HTTP default "text/plain".
    with requests.Session() as session:
        session.get(f"{server.url}/items/a1", timeout=5)
        session.post(f"{server.url}/items", json={"id": "a2"}, timeout=5)

    first, second = app.journal.entries
    assert first.headers.get("Content-Type") is None
    assert second.headers.get("Content-Type") == "application/json"
