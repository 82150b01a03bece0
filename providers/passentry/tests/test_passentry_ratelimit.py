"""PassEntry's rate limit: 10 requests/second per endpoint and method, and its 429 quirk.

On 429 PassEntry says how long to wait in ``x-rate-limit-retry-after``, in decimal seconds, not in
``Retry-After``: the provider's retry hook must honour it. Timing assertions are lower bounds only.
"""

from __future__ import annotations

import time

import pytest
import requests

from walletpass import Pass
from walletpass.errors import RateLimited
from walletpass.testing.emulator import Fault

TOO_MANY = {"errors": ["Too Many Requests"]}
HEADERS_429 = {
    "x-rate-limit-limit": "10",
    "x-rate-limit-remaining": "0",
    "x-rate-limit-reset": "1767225600",
    "x-rate-limit-url": "/api/v1/passes",
    "x-rate-limit-retry-after": "0.35",
}


def test_429_waits_the_decimal_seconds_passentry_asks_for(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=2)
    emulator.inject(Fault.respond(429, TOO_MANY, headers=HEADERS_429), method="POST")
    started = time.monotonic()
    issued = wallet.create(Pass(template=tpl["generic"]))
    assert time.monotonic() - started >= 0.3
    assert [e.status for e in emulator.journal.find("POST")] == [429, 200]
    assert [p.uuid for p in emulator.live_passes()] == [issued.id]


def test_429_without_retries_left_is_rate_limited_with_the_hint(connect, emulator, tpl) -> None:
    wallet = connect(max_retries=0)
    emulator.inject(Fault.respond(429, TOO_MANY, headers=HEADERS_429), method="GET")
    with pytest.raises(RateLimited) as caught:
        wallet.get("crm-1")
    error = caught.value
    assert error.retry_after == 0.35
    assert error.retryable is True
    assert error.status == 429
    assert "Too Many Requests" in str(error)
    assert error.details == TOO_MANY


class TestEmulatorWindow:
    """The emulator's own window, made long (3 per minute) so the test does not race the clock."""

    @pytest.fixture
    def emulator_options(self) -> dict[str, object]:
        return {"rate_limit": 3, "rate_window": 60.0}

    def test_limit_is_per_endpoint_and_method(self, connect, emulator, tpl) -> None:
        wallet = connect(rate_limit=0, max_retries=0)
        issued = wallet.create(Pass(template=tpl["generic"]))
        for _ in range(3):
            wallet.get(issued.id)
        with pytest.raises(RateLimited) as caught:
            wallet.get(issued.id)
        assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
        # another pass is the same endpoint; POST and PATCH are other buckets
        with pytest.raises(RateLimited):
            wallet.get("some-ext-id")
        wallet.create(Pass(template=tpl["generic"]))
        wallet.deactivate(issued.id)

    def test_429_carries_passentrys_headers(self, server, api_key, tpl) -> None:
        url = f"{server.url}/api/v1/passes"
        auth = {"Authorization": f"Bearer {api_key}"}
        answers = [requests.get(url, headers=auth, timeout=10) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        ok, limited = answers[0], answers[3]
        assert ok.headers["x-rate-limit-limit"] == "3"
        assert ok.headers["x-rate-limit-remaining"] == "2"
        assert ok.headers["x-rate-limit-url"] == "/api/v1/passes"
        assert int(ok.headers["x-rate-limit-reset"]) > time.time()
        assert limited.json() == TOO_MANY
        assert limited.headers["x-rate-limit-remaining"] == "0"
        retry_after = limited.headers["x-rate-limit-retry-after"]
        assert "." in retry_after and 0 < float(retry_after) <= 60


def test_client_side_limiter_keys_per_endpoint_and_method(wallet, tpl) -> None:
    limiter = wallet.transport.rate_limiter
    assert limiter is not None and limiter.rate == 9.0  # PassEntry advises aiming for <= 9/s
    keys = {
        wallet.build_create(Pass(template=tpl["generic"])).rate_key,
        wallet.build_get("a").rate_key,
        wallet.build_get("b").rate_key,
        wallet.build_delete("a").rate_key,
        wallet.build_redeem("a", None, {}).rate_key,
    }
    assert keys == {
        "POST api/v1/passes",
        "GET api/v1/passes/{id}",
        "POST api/v1/passes/{id}/nullify",
        "PATCH api/v1/passes/{id}",
    }


def test_create_many_is_paced_under_the_vendor_limit(wallet, emulator, tpl) -> None:
    """12 creates from 4 workers: the shared limiter spaces them at 9/s, so the emulator's real
    10-per-second window never has to refuse them."""
    passes = [Pass(template=tpl["generic"], external_id=f"bulk-{i}") for i in range(12)]
    result = wallet.create_many(passes, concurrency=4)
    assert (result.total, result.succeeded) == (12, 12)
    assert len(emulator.live_passes()) == 12
    posts = emulator.journal.find("POST", "/api/v1/passes")
    span = max(e.at for e in posts) - min(e.at for e in posts)
    assert span >= 1.0, f"12 creates at 9/s take more than a second, took {span:.2f}s"
