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


# -- 10, the same kind on LivePass: a write that notifies the holder is never repeated blindly ----
#
# LivePass does not say whether a repeated identical write e-mails or pushes again (livepass.md,
# section 5), so a notifying write (silent: false) that may have been received is settled by
# reading the pass (a create with the caller's id) or reported with outcome_unknown, never sent
# again. A silent write stays an idempotent upsert, retried as before.


def _notifying_card(external_id: str | None) -> Pass:
    return Pass(
        template="membership-card",
        kind=PassKind.MEMBERSHIP,
        external_id=external_id,
        holder=Holder(name="Ines Duarte", email="ines@example.net"),
    )


def test_10_a_notifying_create_that_took_effect_is_read_back_not_resent(connect, emulator) -> None:
    from walletpass.testing.emulator import Fault

    wallet = connect(notify_on_create=True, max_retries=3)
    emulator.inject(Fault.reset_after(), method="POST", path=r"/membership-card/.*", times=1)
    issued = wallet.create(_notifying_card("GYM-10"))
    assert issued.id == "membership-card.GYM-10"
    assert len(emulator.journal.find("POST")) == 1  # looked up (GET), never re-sent
    assert [n.to for n in emulator.notifications] == ["ines@example.net"]


def test_10_a_notifying_create_that_did_not_arrive_is_sent_after_the_lookup(
    connect, emulator
) -> None:
    from walletpass.testing.emulator import Fault

    wallet = connect(notify_on_create=True, max_retries=3)
    emulator.inject(Fault.respond(502), method="POST", path=r"/membership-card/.*", times=1)
    wallet.create(_notifying_card("GYM-11"))
    assert len(emulator.journal.find("POST")) == 2
    assert len(emulator.journal.find("GET")) == 1  # absent: safe to send
    assert [n.to for n in emulator.notifications] == ["ines@example.net"]


@pytest.mark.parametrize("how", ["setting", "extra"])
def test_10_a_notifying_create_without_an_id_of_yours_is_not_repeated(
    connect, emulator, how: str
) -> None:
    from walletpass.errors import WalletPassError
    from walletpass.testing.emulator import Fault

    wallet = connect(notify_on_create=how == "setting", max_retries=3)
    card = _notifying_card(None)
    if how == "extra":  # silent: false given through extra notifies just the same
        card = card.model_copy(update={"extra": {"silent": False}})
    emulator.inject(Fault.reset_after(), method="POST", path=r"/membership-card/.*", times=1)
    with pytest.raises(WalletPassError) as caught:
        wallet.create(card)
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("POST")) == 1
    assert len(emulator.notifications) == 1


@pytest.mark.parametrize("fault", ["reset_after", "gateway"])
def test_10_a_notifying_update_is_not_repeated(connect, emulator, fault: str) -> None:
    from walletpass.errors import WalletPassError
    from walletpass.testing.emulator import Fault

    wallet = connect(max_retries=3)
    card = wallet.create(_notifying_card("GYM-12").model_copy(update={"tier": "Silver"}))
    posts = len(emulator.journal.find("POST"))
    injected = Fault.reset_after() if fault == "reset_after" else Fault.respond(502)
    emulator.inject(injected, method="POST", path=r"/membership-card/.*", times=3)
    with pytest.raises(WalletPassError) as caught:
        wallet.update(card.id, PassUpdate(tier="Gold", notify=True))
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("POST")) == posts + 1


def test_10_silent_writes_stay_idempotent_and_are_retried(connect, emulator) -> None:
    from walletpass.testing.emulator import Fault

    wallet = connect(max_retries=3)
    emulator.inject(Fault.reset_after(), method="POST", path=r"/membership-card/.*", times=1)
    card = wallet.create(_notifying_card(None))
    assert len(emulator.journal.find("POST")) == 2  # the upsert again: still one pass
    assert emulator.passes[("membership-card", card.vendor_id)].version == 2  # type: ignore[index]
    assert emulator.notifications == []


def test_10_an_older_pass_at_the_id_is_not_taken_for_the_lost_write(connect, emulator) -> None:
    from walletpass.testing.emulator import Fault

    wallet = connect(notify_on_create=True, max_retries=3)
    wallet.create(_notifying_card("GYM-13").model_copy(update={"tier": "Silver"}))
    # The connection drops before LivePass processes the next upsert of the same id: the pass
    # found there is the old one, so the write is sent (it never arrived).
    emulator.inject(Fault.reset(), method="POST", path=r"/membership-card/.*", times=1)
    again = wallet.create(_notifying_card("GYM-13").model_copy(update={"tier": "Gold"}))
    assert again.fields["membership_tier"] == "Gold"
    assert emulator.stored("membership-card", "GYM-13").body["membership_tier"] == "Gold"
    assert len(emulator.journal.find("POST")) == 3
