"""``walletpass emulate --host ::1`` (and ``::``) listens on IPv6 and prints a URL walletpass can
use, as docs/cli.md promises; a listen failure names the option that fixes it (issue 17)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import NotFound, Pass
from walletpass.testing.emulator import EmulatorApp, EmulatorResponse, EmulatorServer, route


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")


@needs_ipv6
@pytest.mark.parametrize("host", ["::1", "::", "[::1]"])
def test_emulate_on_ipv6_serves_a_url_walletpass_connects_to(tmp_path: Path, host: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "walletpass.cli",
            "emulate",
            "pass2u",
            "--host",
            host,
            "--port",
            "0",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("serving the pass2u emulator at http://[::1]:"), first
        settings = next(line for line in process.stdout if line.startswith("point walletpass"))
        values = dict(pair.split("=", 1) for pair in settings.split(": ", 1)[1].split())
        wallet = walletpass.connect(
            "pass2u",
            base_url=values["WALLETPASS_PASS2U_BASE_URL"],
            api_key=values["WALLETPASS_PASS2U_API_KEY"],
        )
        try:
            # the emulator's own answer (an unknown model) proves the request went over IPv6
            with pytest.raises(NotFound, match="model ipv6-test does not exist"):
                wallet.create(Pass(template="ipv6-test"))
        finally:
            wallet.close()
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert process.returncode == 0


class _Mini(EmulatorApp):
    @route("GET", "/ping")
    def ping(self, request: Any) -> EmulatorResponse:
        return EmulatorResponse.json_body({"pong": True})


@needs_ipv6
def test_emulator_server_url_on_ipv6_is_bracketed_and_reachable() -> None:
    import urllib.request

    with EmulatorServer(_Mini(), host="::1") as server:
        assert server.url.startswith("http://[::1]:")
        with urllib.request.urlopen(f"{server.url}/ping", timeout=30) as answer:
            assert answer.status == 200


def test_a_taken_port_asks_for_another_port_and_names_it(cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("emulate", "pass2u", "--port", str(port))
    assert result.code != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.err
    assert "choose another --port" in result.err
    assert "Address family" not in result.err
