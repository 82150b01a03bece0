"""Field reports (issue 16) on LivePass: every value goes in its documented JSON type, or not at
all, checked on what reaches the emulator over HTTP and, with hypothesis, on every body built."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from walletpass_livepass import limits, payloads
from walletpass_livepass.emulator import DEFAULT_API_KEY

from walletpass import Balance, Holder, Pass, PassKind, PassUpdate, ValidationError

#: The JSON type LivePass's pages give each key (strings unless stated).
DOCUMENTED_TYPES: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys(limits.STRING_KEYS, str),
    "barcode_type": str,
    "silent": bool,
    "balance_amount": (int, float),
}


def assert_documented_types(body: dict[str, Any]) -> None:
    for key, value in body.items():
        expected = DOCUMENTED_TYPES[key]
        boolean_for_number = isinstance(value, bool) and expected is not bool
        assert isinstance(value, expected) and not boolean_for_number, f"{key}={value!r}"
    assert body.get("email") != "", "an email is an address or nothing"
    if "balance_amount" in body:
        assert body["balance_amount"] != ""


def _posts(emulator) -> list[dict[str, Any]]:
    return [entry.json() for entry in emulator.journal.find("POST")]


def test_8_a_membership_card_without_balance_sends_no_empty_values(wallet, emulator) -> None:
    wallet.create(
        Pass(
            template="membership-card",
            kind=PassKind.MEMBERSHIP,
            external_id="GYM-1",
            holder=Holder(name="Ines Duarte"),
        )
    )
    (body,) = _posts(emulator)
    assert_documented_types(body)
    for key in ("balance_amount", "balance_currency", "membership_tier", "email"):
        assert key not in body
    assert body["full_name"] == "Ines Duarte"


def test_8_a_balance_goes_as_a_json_number(wallet, emulator) -> None:
    wallet.create(
        Pass(
            template="membership-card",
            kind=PassKind.MEMBERSHIP,
            external_id="GYM-2",
            balance=Balance(amount=Decimal("500"), currency="credits"),
            tier="Silver",
        )
    )
    body = _posts(emulator)[-1]
    assert_documented_types(body)
    assert body["balance_amount"] == 500 and type(body["balance_amount"]) is int
    wallet.update("membership-card.GYM-2", PassUpdate(tier="Gold", holder=Holder(name="I. D.")))
    body = _posts(emulator)[-1]
    assert_documented_types(body)
    assert body["balance_amount"] == 500


def test_8_a_balance_cannot_be_cleared_to_an_empty_string(wallet, emulator) -> None:
    wallet.create(
        Pass(
            template="membership-card",
            external_id="GYM-3",
            balance=Balance(amount=Decimal(1)),
        )
    )
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.update("membership-card.GYM-3", PassUpdate(balance=None))
    assert [p.location for p in caught.value.problems] == ["balance"]
    assert len(emulator.journal) == before


@pytest.mark.parametrize("value", ["", "500", True, None, [1]])
def test_8_the_emulator_refuses_a_balance_that_is_not_a_number(server, value: Any) -> None:
    answer = requests.post(
        f"{server.url}/membership-card/GYM-9",
        json={"full_name": "x", "balance_amount": value},
        headers={"Authorization": f"API_KEY {DEFAULT_API_KEY}"},
        timeout=5,
    )
    assert answer.status_code == 400
    details = answer.json()["message"]["details"]
    assert [(d["path"], d["type"]) for d in details] == [(["balance_amount"], "number.base")]


text = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=20)
holders = st.builds(
    Holder,
    name=st.none() | text,
    email=st.none() | st.just("a@example.com"),
    phone=st.none() | st.just("+351 210000000"),
)
cards = st.builds(
    Pass,
    template=st.just("membership-card"),
    external_id=st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True),
    holder=st.none() | holders,
    balance=st.none()
    | st.builds(
        Balance,
        amount=st.decimals(-(10**6), 10**6, places=2, allow_nan=False, allow_infinity=False),
        currency=st.none() | text,
    ),
    tier=st.none() | text,
)
changes = st.builds(
    PassUpdate,
    holder=st.none() | holders,
    tier=st.none() | text,
    balance=st.builds(Balance, amount=st.integers(0, 10**6).map(Decimal)),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(card=cards, change=changes)
def test_8_every_body_key_has_its_documented_json_type(offline, card: Pass, change) -> None:
    body = offline.build_create(offline.prepare_create(card)).json
    assert_documented_types(body)
    assert limits.body_problems(limits.PassType.MEMBERSHIP_CARD, body) == []
    merged = payloads.merged_body(
        limits.PassType.MEMBERSHIP_CARD, card.external_id or "x", body, change, silent=True
    )
    assert_documented_types(merged)
    assert limits.body_problems(limits.PassType.MEMBERSHIP_CARD, merged) == []


def test_4_lenient_mode_drops_only_the_barcode_format(connect, emulator) -> None:
    import warnings

    import walletpass
    from walletpass import Barcode
    from walletpass.errors import UnsupportedFeatureWarning

    card = Pass(
        template="membership-card",
        external_id="GYM-7",
        barcode=Barcode(message="MEMBER-7", format="pdf417"),
    )
    for wallet in (
        connect(strict=False),
        walletpass.connect("fake", profile="livepass", strict=False),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            issued = wallet.create(card)
        (warning,) = [w for w in caught if issubclass(w.category, UnsupportedFeatureWarning)]
        text = str(warning.message)
        assert "'barcode.pdf417'" in text and "only the format was dropped" in text
        assert "message is kept and sent as qr" in text
        assert issued.barcode is not None and issued.barcode.message == "MEMBER-7"
    body = _posts(emulator)[-1]
    assert (body["barcode_type"], body["barcode_data"]) == ("qr", "MEMBER-7")
