"""The template type words the emulator accepts and answers, each traced to the vendor's docs.

Only ``EventTicket`` is attested (livepasses.md 2.2, 3.3 and its Later findings); ``Loyalty``,
``Coupon``, ``Membership`` and ``GiftCard`` are inferred. An emulator never passes a guess off as
a fact: every inferred word is declared so (capability matrix, provider page), and in
``documented_only`` mode the emulator serves the attested word alone, refusing the others in a
seed, a template create and a list filter, so a test run there rests on documented facts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from walletpass_livepasses import limits
from walletpass_livepasses.capabilities import CAPABILITIES
from walletpass_livepasses.emulator import DEFAULT_API_KEY, LivepassesEmulator
from walletpass_livepasses.limits import TemplateType

import walletpass
from walletpass import Holder, Pass, PassStatus
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator

PAGE = Path(__file__).parents[3] / "docs" / "providers" / "livepasses.md"
INFERRED = [t for t in TemplateType if t not in limits.ATTESTED_TYPES]


def test_event_ticket_is_the_one_attested_word() -> None:
    assert {TemplateType.EVENT_TICKET} == limits.ATTESTED_TYPES
    assert limits.inferred_type(TemplateType.EVENT_TICKET) is None
    assert {t.value for t in INFERRED} == {"Loyalty", "Coupon", "Membership", "GiftCard"}


@pytest.mark.parametrize("word", INFERRED, ids=str)
def test_each_inferred_word_is_declared_inferred(word: TemplateType) -> None:
    declared = CAPABILITIES[f"kind.{word.kind.value}"]
    assert any(word.value in said for said in declared.inferred), declared.inferred
    assert f"`{word.value}`" in PAGE.read_text(encoding="utf-8")
    assert "inferred" in (limits.inferred_type(word) or "")


def test_by_default_the_emulator_serves_every_word_walletpass_knows() -> None:
    served = {str(t.type) for t in LivepassesEmulator().templates.values()}
    assert served == {t.value for t in TemplateType}


@pytest.fixture
def strict() -> Iterator[tuple[LivepassesEmulator, Any]]:
    app = load_emulator("livepasses", documented_only="true")  # as --option gives it
    with EmulatorServer(app) as server:
        session = requests.Session()
        session.headers["X-API-Key"] = DEFAULT_API_KEY

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            return session.request(method, server.url + path, timeout=10, **kwargs)

        call.url = server.url  # type: ignore[attr-defined]
        yield app, call
        session.close()


def test_documented_only_serves_the_attested_template_alone(strict: Any) -> None:
    app, call = strict
    assert [str(t.type) for t in app.templates.values()] == ["EventTicket"]
    listed = call("GET", "/api/templates").json()["items"]
    assert [item["type"] for item in listed] == ["EventTicket"]


@pytest.mark.parametrize("word", INFERRED, ids=str)
def test_documented_only_refuses_an_inferred_word_everywhere(
    strict: Any, word: TemplateType
) -> None:
    app, call = strict
    with pytest.raises(ValueError, match="inferred"):
        app.add_template({"id": "tmpl-x", "type": word.value})
    made = call(
        "POST",
        "/api/templates",
        json={"name": "X", "businessFeatures": {word.block: {}}},
    )
    assert made.status_code == 400
    error = made.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "inferred" in error["fields"][f"businessFeatures.{word.block}"][0]
    filtered = call("GET", "/api/templates", params={"type": word.value})
    assert filtered.status_code == 400 and "inferred" in filtered.json()["error"]["details"]
    assert [str(t.type) for t in app.templates.values()] == ["EventTicket"]


def test_documented_only_refuses_a_word_nobody_documents(strict: Any) -> None:
    app, _ = strict
    with pytest.raises(ValueError, match="no word Livepasses documents"):
        app.add_template({"id": "tmpl-generic", "type": "Generic"})


def test_the_documented_flow_runs_on_documented_facts_alone(strict: Any) -> None:
    _, call = strict
    made = call(
        "POST",
        "/api/templates",
        json={"name": "Gala", "businessFeatures": {"event": {"eventName": "Gala"}}},
    )
    assert made.status_code == 201 and made.json()["data"]["type"] == "EventTicket"
    with walletpass.connect("livepasses", base_url=call.url, api_key=DEFAULT_API_KEY) as wallet:
        ticket = wallet.create(
            Pass(template="tmpl-001", kind="event_ticket", holder=Holder(name="Ada Lovelace"))
        )
        assert wallet.redeem(ticket.id).status is PassStatus.REDEEMED
        with pytest.raises(walletpass.AlreadyRedeemed):
            wallet.redeem(ticket.id)


def test_documented_only_takes_only_yes_or_no() -> None:
    with pytest.raises(ValueError, match="true or false"):
        LivepassesEmulator(documented_only="maybe")  # type: ignore[arg-type]
