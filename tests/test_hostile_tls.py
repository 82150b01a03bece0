"""The deadline and the size limit hold over HTTPS too.

Both work below HTTP, on the connection's socket, which TLS wraps: this runs the hostile
server's slowest and largest answers through a real TLS connection (a throwaway certificate for
127.0.0.1, trusted through the ``ca_bundle`` setting), and checks that ordinary answers still
reuse one connection.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from walletpass import IssuedPass
from walletpass.errors import InvalidResponse, ProviderUnavailable
from walletpass.testing.aio import on_async_api

from .hostile_server import (
    BOUND,
    STALL,
    HostileServer,
    bomb,
    drip_body,
    drip_headers,
    elapsed,
    head,
)
from .test_transport import API_KEY, HttpTestProvider

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Any]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    started: list[HostileServer] = []

    def start(behaviour: Any) -> HostileServer:
        server = HostileServer(behaviour, tls=context)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(autouse=True, scope="module")
def _models_built() -> None:
    """The pass models build on first use: not inside a timed call."""
    IssuedPass(id="warm", vendor_id="warm", provider="warm")


def wallet(server: HostileServer, certificate: tuple[Path, Path], **settings: Any) -> Any:
    values: dict[str, Any] = {
        "base_url": f"{server.url}/v1",
        "api_key": API_KEY,
        "ca_bundle": str(certificate[0]),
        "timeout": 0.5,
        "deadline": 1.0,
    }
    values.update(settings)
    client = HttpTestProvider(**values)
    if _ON["api"] == "async":
        client = on_async_api(client)
        _ON["made"].append(client)
    return client


#: Every test runs on the sync API and on the async one (walletpass.aio; the CA bundle reaches
#: aiohttp as an SSL context).
_ON: dict[str, Any] = {}


@pytest.fixture(autouse=True, params=["sync", "async"])
def _api(request: pytest.FixtureRequest) -> Iterator[None]:
    made: list[Any] = []
    _ON.update(api=request.param, made=made)
    yield
    for client in made:
        client.close()


def test_ordinary_answers_over_tls_reuse_one_connection(
    tls_server: Any, certificate: tuple[Path, Path]
) -> None:
    body = json.dumps({"id": "a1"}).encode()

    def keep_alive(conn: socket.socket, server: HostileServer) -> None:
        while not server.stopped.is_set():
            conn.sendall(head(Content_Type="application/json", Content_Length=len(body)) + body)
            server._read_request(conn)

    server = tls_server(keep_alive)
    client = wallet(server, certificate)

    assert [client.get("a1").id for _ in range(4)] == ["a1"] * 4
    assert len(server._threads) == 1


@pytest.mark.parametrize(
    "behaviour", [drip_body(round(STALL / 0.05), 0.05), drip_headers(0.02)], ids=["body", "head"]
)
def test_dripping_over_tls_ends_at_the_deadline(
    tls_server: Any, certificate: tuple[Path, Path], behaviour: Any
) -> None:
    server = tls_server(behaviour)

    client = wallet(server, certificate)
    took, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, ProviderUnavailable)
    assert "deadline" in str(error)
    assert took < BOUND  # (the server drips for 30 s)


def test_a_bomb_over_tls_is_refused_by_its_inflated_size(
    tls_server: Any, certificate: tuple[Path, Path]
) -> None:
    payload = bomb("gzip", 16 * 1024 * 1024)

    def send(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head(Content_Encoding="gzip", Content_Length=len(payload)) + payload)

    server = tls_server(send)

    client = wallet(server, certificate, max_answer_size=256 * 1024)
    _, error = elapsed(lambda: client.get("a1"))

    assert isinstance(error, InvalidResponse)
    assert "max_answer_size" in str(error)
