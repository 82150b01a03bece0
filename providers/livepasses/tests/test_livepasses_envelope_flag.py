"""A 2xx whose envelope's ``success`` is neither true nor false is an answer walletpass cannot
read (vendor doc 2.1 documents true and false only): ``InvalidResponse``, whose
``outcome_unknown`` says whether the request may have taken effect (a create: yes), never the
bare ``WalletPassError("HTTP 200")`` of a vendor refusal that says nothing (breaker report P1).
``success: false`` stays the vendor's refusal, mapped by its code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import walletpass.aio
from walletpass import Pass
from walletpass.errors import BusinessRuleError, InvalidResponse
from walletpass.testing.emulator import Fault

#: ``success`` values other than true and false (None: the key left out).
NOT_A_FLAG = [None, "null", "true", 1, 0, 1.5, "", [], {"ok": True}]


def _envelope(success: Any, data: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": "OK", "data": data}
    if success is not None:
        body["success"] = None if success == "null" else success
    return body


@pytest.mark.parametrize("success", NOT_A_FLAG)
def test_a_create_answered_without_the_flag_may_have_issued_the_pass(
    wallet: Any, emulator: Any, make_pass: Callable[..., Pass], success: Any
) -> None:
    emulator.inject(Fault.respond(200, _envelope(success, {"passes": []})))
    with pytest.raises(InvalidResponse) as caught:
        wallet.create(make_pass())
    assert caught.value.outcome_unknown is True
    assert "success" in str(caught.value)


@pytest.mark.parametrize("success", NOT_A_FLAG)
def test_a_read_answered_without_the_flag_is_an_answer_error(
    wallet: Any, emulator: Any, make_pass: Callable[..., Pass], success: Any
) -> None:
    issued = wallet.create(make_pass())
    emulator.inject(Fault.respond(200, _envelope(success, {"passId": issued.vendor_id})))
    with pytest.raises(InvalidResponse) as caught:
        wallet.get(issued.id)
    assert caught.value.outcome_unknown is False
    emulator.inject(Fault.respond(200, {**_envelope(success, None), "items": []}))
    with pytest.raises(InvalidResponse):
        list(wallet.list())


def test_the_async_api_reads_it_alike(
    server: Any, emulator: Any, api_key: str, make_pass: Callable[..., Pass]
) -> None:
    async def create() -> InvalidResponse:
        async with await walletpass.aio.connect(
            "livepasses", base_url=server.url, api_key=api_key, max_retries=0
        ) as wallet:
            emulator.inject(Fault.respond(200, _envelope("true", {"passes": []})))
            with pytest.raises(InvalidResponse) as caught:
                await wallet.create(make_pass())
            return caught.value

    assert asyncio.run(create()).outcome_unknown is True


def test_success_false_is_still_the_vendors_refusal(wallet: Any, emulator: Any) -> None:
    refusal = {"code": "TEMPLATE_INACTIVE", "message": "Inactive."}
    emulator.inject(Fault.respond(200, {"success": False, "data": None, "error": refusal}))
    with pytest.raises(BusinessRuleError) as caught:
        wallet.get_template("tmpl-001")
    assert caught.value.code == "TEMPLATE_INACTIVE"
