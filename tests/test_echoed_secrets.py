"""A vendor's answer that echoes a registered secret (an API key quoted in a pass's data, a
token in ``raw``) is never shown by walletpass's own text: a model's ``repr``/``str`` and the
command line's output mask it in every printed form, as logs and errors already do."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

import walletpass
from walletpass import IssuedPass
from walletpass.model import PassStatus
from walletpass.redaction import MASK, register_secret, secret_forms
from walletpass.results import Redemption

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _secret() -> str:
    # (registered secrets stay for the process: one no other test can contain)
    value = f"echo-{uuid.uuid4().hex}"
    register_secret(value)
    return value


def _shown(text: str, secret: str) -> list[str]:
    return [form for form in secret_forms(secret) if form in text]


def test_a_pass_holding_a_secret_anywhere_does_not_show_it() -> None:
    secret = _secret()
    issued = IssuedPass(
        id="p-1",
        vendor_id="p-1",
        provider="acme",
        status=PassStatus.ISSUED,
        fields={"note": f"key {secret}"},
        meta={"echo": secret.upper()},
        raw={"data": [{"token": "x", "quoted": f'"{secret}"'}], "hex": secret.encode().hex()},
    )
    for text in (repr(issued), str(issued), repr([issued]), f"{issued!r}"):
        assert _shown(text, secret) == [], text
        assert MASK in text
    # The data itself is the application's: unchanged.
    assert issued.fields["note"] == f"key {secret}"


def test_a_redemption_holding_a_secret_does_not_show_it() -> None:
    secret = _secret()
    redemption = Redemption.model_validate(
        {"pass_id": "p-1", "provider": "acme", "status": "redeemed", "raw": {"echo": secret}}
    )
    assert _shown(repr(redemption), secret) == []
    assert _shown(str(redemption), secret) == []


@pytest.mark.parametrize("vendor", ["pass2u", "passentry", "livepasses"])
def test_a_vendor_answer_echoing_the_api_key_is_not_shown(vendor: str) -> None:
    """Over real HTTP: the key, written into a field, comes back in the vendor's answer (in
    ``raw`` and wherever the vendor puts it); the pass's text shows none of it."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from common import emulator
        from run import VENDORS
    finally:
        sys.path.remove(str(BENCHMARKS))
    sample = next(v for v in VENDORS if v.name == vendor)
    with emulator(vendor) as emu:
        wallet = walletpass.connect(vendor, base_url=emu.url, api_key=emu.api_key, rate_limit=0)
        try:
            new_pass = sample.sample("echo", 1)
            fields: dict[str, Any] = dict(new_pass.fields or {})
            name = next(iter(fields))
            fields[name] = f"x {emu.api_key}"
            created = wallet.create(new_pass.model_copy(update={"fields": fields}))
            read = wallet.get(created.id)
        finally:
            wallet.close()
    assert emu.api_key in repr(created.raw) + repr(read.raw)  # (the answer did echo it)
    for issued in (created, read):
        assert _shown(repr(issued), emu.api_key) == []
        assert _shown(str(issued), emu.api_key) == []


def test_the_command_line_does_not_print_a_secret_a_pass_holds(cli: Any) -> None:
    secret = _secret()
    created = cli("create", "--template", "vip-ticket", "--json", "--field", f"note={secret}")
    assert created.code == 0, created.err
    pass_id = created.json()["id"]
    for args in (("--json", "--raw"), ("--raw",), ("--json",), ()):
        result = cli("get", pass_id, *args)
        assert result.code == 0, result.err
        assert _shown(result.out, secret) == [], result.out
        assert MASK in result.out
