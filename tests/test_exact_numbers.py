"""A number comes back as the number that was written, or is refused before anything is sent.

No vendor documents the precision or range of its JSON numbers, so walletpass sends only numbers
an IEEE-754 double holds exactly (the one form every JSON reader keeps: RFC 8259, section 6) and
refuses the rest, naming the field and what the number would have arrived as. The emulators read
request numbers the same way and refuse, rather than round, one a double would change.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import Balance, Holder, Pass, PassUpdate, Provider, ValidationError
from walletpass.testing.emulator import BadRequest, EmulatorRequest, EmulatorServer
from walletpass.testing.emulators import load_emulator
from walletpass.values import MAX_INTEGER, number_problem

HERE = Path(__file__).with_name("portability")
CONFIG = tomllib.loads((HERE / "walletpass.toml").read_text(encoding="utf-8"))
DASHBOARDS = tomllib.loads((HERE / "vendors.toml").read_text(encoding="utf-8"))["dashboards"]

#: Numbers a double would change: more digits than it keeps, integers past 2**53.
CHANGED = {
    "forty digits": Decimal("1234567890.123456789012345678901234567890"),
    "twenty decimals": Decimal("0.12345678901234567890"),
    "tiny and long": Decimal("1.0000000000000000001E-30"),
    "integer past 2**53": 2**53 + 1,
    "decimal integer past 2**53": Decimal(2**53 + 1),
    "negative integer past 2**53": -(2**60),
}
#: Numbers a double holds exactly: they come back unchanged.
KEPT = [Decimal("0.1"), Decimal("12345678901234.5"), Decimal("1E-60"), MAX_INTEGER, -MAX_INTEGER]


def test_the_limits() -> None:
    assert number_problem(MAX_INTEGER) is None and number_problem(-MAX_INTEGER) is None
    assert number_problem(2**53) is not None and number_problem(-(2**53)) is not None
    assert number_problem(Decimal("0.30000000000000004")) is None  # a double's own digits
    message = number_problem(Decimal("0.12345678901234567890"))
    assert message is not None and "0.12345678901234568" in message


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_a_decimal_is_sent_only_if_a_double_gives_it_back(value: Decimal) -> None:
    problem = number_problem(value)
    if problem is None:
        assert Decimal(repr(float(value))) == value
    elif "too large or too small" not in problem:
        assert Decimal(repr(float(value))) != value


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_an_integer_is_sent_only_within_2_53(value: int) -> None:
    assert (number_problem(value) is None) == (abs(value) <= MAX_INTEGER)


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_a_changed_number_is_refused_where_it_is_written(name: str) -> None:
    value = CHANGED[name]
    for build in (
        lambda: Pass(template="t", fields={"seat": value}),
        lambda: PassUpdate(fields={"seat": value}),
        lambda: Pass(template="t", extra={"price": value}),
    ):
        with pytest.raises(ValidationError) as caught:
            build()
        assert caught.value.problems[0].location in ("fields.seat", "extra.price")
    if not isinstance(value, int):
        with pytest.raises(ValidationError) as caught:
            Pass(template="t", balance=Balance(amount=value))
        assert caught.value.problems[0].location == "balance.amount"


@pytest.mark.parametrize(
    "body",
    [b'{"price": 0.12345678901234567890}', b'{"n": 9007199254740993}', b'{"n": 1e400}'],
)
def test_an_emulator_refuses_a_number_a_double_would_change(body: bytes) -> None:
    request = EmulatorRequest("POST", "/x", {}, {}, body)
    with pytest.raises(BadRequest, match="inferred"):
        request.json()


def test_an_emulator_reads_exact_numbers() -> None:
    body = json.dumps({"a": 0.1, "b": 2**53 - 1, "c": -5, "d": 1e-300}).encode()
    assert EmulatorRequest("POST", "/x", {}, {}, body).json() == {
        "a": 0.1,
        "b": 2**53 - 1,
        "c": -5,
        "d": 1e-300,
    }


VENDORS = ("pass2u", "passentry", "livepasses")


@pytest.fixture(params=[(v, side) for v in VENDORS for side in ("emulator", "profile")], ids=str)
def wallet(request: pytest.FixtureRequest) -> Iterator[tuple[Provider, Any]]:
    """A provider whose ``tasting`` alias types a ``price`` field as decimal, and how to count
    what reached the vendor."""
    vendor, side = request.param
    aliases = json.loads(json.dumps(CONFIG["providers"][vendor]))
    key = {"pass2u": "gate", "passentry": "gate", "livepasses": "price"}[vendor]
    tasting = aliases["templates"]["tasting"]
    tasting["fields"] = {**tasting.get("fields", {}), "price": {"key": key, "type": "decimal"}}
    if side == "profile":
        settings = {"templates": aliases["templates"]}
        with walletpass.connect("fake", profile=vendor, **settings) as fake:
            yield fake, lambda: len(fake.calls)
        return
    app = load_emulator(vendor, **DASHBOARDS[vendor])
    with (
        EmulatorServer(app) as server,
        walletpass.connect(vendor, base_url=server.url, api_key=app.api_key, **aliases) as real,
    ):
        yield real, lambda: len(app.journal)


def _ticket(price: Any) -> Pass:
    return Pass(
        template="tasting",
        kind="event_ticket",
        holder=Holder(name="Ada Lovelace"),
        fields={"seat": "12B", "price": price},
    )


@pytest.mark.parametrize("name", [n for n, v in CHANGED.items() if not isinstance(v, int)])
def test_a_typed_decimal_given_as_text_is_refused_before_sending(
    wallet: tuple[Provider, Any], name: str
) -> None:
    provider, sent = wallet
    before = sent()
    with pytest.raises(ValidationError) as caught:
        provider.create(_ticket(str(CHANGED[name])))
    assert caught.value.problems[0].location == "fields.price"
    assert "would arrive as" in caught.value.problems[0].message
    assert sent() == before


@pytest.mark.parametrize("price", KEPT, ids=str)
def test_an_exact_number_reads_back_unchanged(wallet: tuple[Provider, Any], price: Any) -> None:
    provider, _ = wallet
    created = provider.create(_ticket(price))
    assert created.fields["price"] == price
    if provider.capabilities["get"].support.value != "none":
        read = provider.get(created.id)
        assert read.fields.get("price", price) == price
    updated = provider.update(created.id, PassUpdate(fields={"price": price}))
    assert updated.fields.get("price", price) == price


RAW = {
    # vendor: (path, credential header, its value's form, body with a number a double rounds)
    "livepasses": (
        "/api/passes/generate",
        "X-API-Key",
        "{}",
        b'{"templateId":"tmpl-coffee","passes":[{"customer":{"firstName":"A","lastName":"B"},'
        b'"businessData":{"accountBalance":0.12345678901234567890}}]}',
    ),
    "passentry": (
        "/api/v1/passes?passTemplate=5f0e9c1d2b3a4f5e6d7c8b9a",
        "Authorization",
        "Bearer {}",
        b'{"pass":{"stamps":0.12345678901234567890}}',
    ),
    "pass2u": (
        "/models/7001/passes",
        "x-api-key",
        "{}",
        b'{"fields":[{"key":"stamps","value":9007199254740993}]}',
    ),
    "livepass": (
        "/membership-card/M-1",
        "Authorization",
        "API_KEY {}",
        b'{"full_name":"A B","balance_amount":1234567890.123456789012345678901234567890}',
    ),
}


@pytest.mark.parametrize("vendor", sorted(RAW))
def test_every_emulator_refuses_over_http_what_a_double_would_round(vendor: str) -> None:
    """The reported fault: the Livepasses emulator kept a 40-digit decimal rounded."""
    path, header, form, body = RAW[vendor]
    app = load_emulator(vendor, **DASHBOARDS.get(vendor, {}))
    with EmulatorServer(app) as server:
        answer = requests.post(
            server.url.rstrip("/") + path,
            data=body,
            headers={header: form.format(app.api_key), "Content-Type": "application/json"},
            timeout=10,
        )
    assert answer.status_code == 400, answer.text
    assert "inferred" in answer.text
