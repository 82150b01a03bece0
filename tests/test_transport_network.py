"""Reaching the vendor through a corporate network: proxies (setting or environment) and CA bundles.

A real proxy on 127.0.0.1 records what the client asks of it: an HTTPS request through a proxy
starts with ``CONNECT host:443``, so the test sees where walletpass was going and with which
proxy credentials, without needing TLS or the vendor.
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass.errors import ConfigurationError, WalletPassError
from walletpass.testing.emulator import EmulatorServer

from .test_transport import API_KEY, HttpTestProvider, ItemsApp

VENDOR = "https://api.vendor.test/v1"


class RecordingProxy:
    """Accepts connections, records each request head, refuses with 407 (nothing goes further)."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.heads.append(head.decode("latin-1"))
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
                )

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    running = RecordingProxy()
    yield running
    running.close()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _attempt(wallet: Any) -> WalletPassError:
    with pytest.raises(WalletPassError) as caught:
        wallet.get("a1")
    return caught.value


def test_the_proxy_setting_carries_every_request_with_its_credentials(
    proxy: RecordingProxy,
) -> None:
    target = proxy.url.replace("http://", "http://ops:s3cret-pw@")
    wallet = HttpTestProvider(base_url=VENDOR, api_key=API_KEY, max_retries=0, proxy=target)
    error = _attempt(wallet)
    [head] = proxy.heads
    assert head.startswith("CONNECT api.vendor.test:443 HTTP/1.")
    expected = base64.b64encode(b"ops:s3cret-pw").decode()
    assert f"Proxy-Authorization: Basic {expected}" in head
    for shown in (str(error), repr(error), repr(wallet), repr(wallet.settings)):
        assert "s3cret-pw" not in shown


def test_the_async_api_goes_through_the_same_proxy_with_its_credentials(
    proxy: RecordingProxy,
) -> None:
    import asyncio

    from walletpass.aio import AsyncProvider

    target = proxy.url.replace("http://", "http://ops:s3cret-pw@")
    wallet = HttpTestProvider(base_url=VENDOR, api_key=API_KEY, max_retries=0, proxy=target)

    async def scenario() -> list[WalletPassError]:
        errors = []
        async with AsyncProvider(wallet) as on_loop:
            for _ in range(2):  # each request in flight has its own connection: both proxied
                try:
                    await on_loop.get("a1")
                except WalletPassError as exc:
                    errors.append(exc)
        return errors

    errors = asyncio.run(scenario())

    assert len(errors) == 2 and len(proxy.heads) == 2
    expected = base64.b64encode(b"ops:s3cret-pw").decode()
    for head in proxy.heads:
        assert head.startswith("CONNECT api.vendor.test:443 HTTP/1.")
        assert f"Proxy-Authorization: Basic {expected}" in head
    for shown in [str(e) for e in errors] + [repr(e) for e in errors]:
        assert "s3cret-pw" not in shown


def test_the_environment_proxy_is_used_unless_no_proxy_names_the_vendor(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    _attempt(HttpTestProvider(base_url=VENDOR, api_key=API_KEY, max_retries=0))
    assert [head.split(" HTTP/")[0] for head in proxy.heads] == ["CONNECT api.vendor.test:443"]

    monkeypatch.setenv("NO_PROXY", "vendor.test")
    _attempt(HttpTestProvider(base_url=VENDOR, api_key=API_KEY, max_retries=0))
    assert len(proxy.heads) == 1  # went direct (and found no such host)


def test_a_plain_http_proxy_never_sees_the_api_key(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Either proxy variable pointing at a plain http:// proxy: the key goes inside the CONNECT
    tunnel (TLS to the vendor), and a plain http:// vendor that a proxy would carry in clear is
    refused before any request."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    _attempt(HttpTestProvider(base_url=VENDOR, api_key=API_KEY, max_retries=0))
    with pytest.raises(ConfigurationError, match="base_url: uses plain http://"):
        HttpTestProvider(base_url="http://api.vendor.test/v1", api_key=API_KEY)

    [head] = proxy.heads
    assert head.startswith("CONNECT api.vendor.test:443 HTTP/1.")
    assert API_KEY not in head and "Authorization: Bearer" not in head


def test_emulators_on_loopback_are_never_proxied(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    app = ItemsApp()
    with EmulatorServer(app) as server:
        wallet = HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY)
        assert wallet.get("a1").id == "a1"
        explicit = HttpTestProvider(base_url=f"{server.url}/v1", api_key=API_KEY, proxy=proxy.url)
        assert explicit.get("a1").id == "a1"
    assert proxy.heads == []
    assert len(app.journal) == 2


def test_a_proxy_that_is_not_a_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect("fake", proxy="ops:s3cret-pw")
    assert "proxy" in str(caught.value) and "s3cret-pw" not in str(caught.value)


def test_a_ca_bundle_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle"):
        walletpass.connect("fake", ca_bundle=str(tmp_path / "missing.pem"))
    bundle = tmp_path / "corporate.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert walletpass.connect("fake", ca_bundle=str(bundle)).settings.ca_bundle == str(bundle)
