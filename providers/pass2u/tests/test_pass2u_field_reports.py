"""Field reports (issue 16) on Pass2U, through its emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walletpass import Barcode, Pass, PassStatus, PassUpdate, ValidationError

HEALTH_CARD = ("shc:/" + "5676290952432060346029243740446031222959532654603460292540772804" * 38)[
    :2395
]


def test_1_a_long_qr_goes_by_pass2us_documented_limit_not_a_general_cap(wallet, emulator) -> None:
    issued = wallet.create(Pass(template="1919", barcode=Barcode(message=HEALTH_CARD)))
    sent = emulator.journal.find("POST", r"/models/1919/passes")[-1].json()
    assert sent["barcode"]["message"] == HEALTH_CARD
    assert wallet.get(issued.id).barcode.message == HEALTH_CARD


def test_1_code128_of_japanese_text_is_refused_before_sending(wallet, emulator) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(
            {"template": "1919", "barcode": {"message": "入場券-0042", "format": "code128"}}
        )
    assert "Code 128 cannot encode" in str(caught.value)
    assert len(emulator.journal) == 0


def test_5_a_change_message_limit_says_what_was_counted(wallet, emulator) -> None:
    issued = wallet.create(Pass(template="1919", fields={"level": "GOLD"}))
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.update(issued.id, PassUpdate(fields={"level": "PLATINUM"}, message="x" * 77))
    (problem,) = caught.value.problems
    assert problem.location == "message"
    assert "77 characters, 81 as sent" in problem.message
    assert "': %@'" in problem.message and "at most 76 characters" in problem.message
    assert len(emulator.journal) == before
    # 76 characters fit once ': %@' is added; 80 fit when the caller writes %@ themselves.
    wallet.update(issued.id, PassUpdate(fields={"level": "PLATINUM"}, message="x" * 76))
    wallet.update(issued.id, PassUpdate(fields={"level": "GOLD"}, message="y" * 78 + "%@"))


def test_6_create_with_a_past_expiry_reports_what_get_reports(wallet) -> None:
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    issued = wallet.create(Pass(template="1919", expires_at=past))
    assert issued.status is PassStatus.EXPIRED
    assert wallet.get(issued.id).status is issued.status


def test_12_the_emulator_refuses_what_the_guide_never_shows(server) -> None:
    import requests
    from walletpass_pass2u.emulator import DEFAULT_API_KEY

    url = f"{server.url}/models/1919/passes"
    key = {"x-api-key": DEFAULT_API_KEY}
    # No Accept header: the guide lists Accept: application/json on every JSON call.
    no_accept = requests.post(url, json={}, headers={**key, "Accept": None}, timeout=5)
    assert no_accept.status_code == 405
    # Fractional seconds appear in no example date (seconds and an offset, nothing more).
    micro = requests.post(
        url,
        json={"expirationDate": "2031-01-01T00:00:00.123456+00:00"},
        headers={**key, "Accept": "application/json"},
        timeout=5,
    )
    assert micro.status_code == 400 and "expirationDate" in micro.json()["message"]


def test_12_a_microsecond_date_in_extra_is_refused_before_sending(wallet, emulator) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.create(
            Pass(template="1919", extra={"expirationDate": "2031-01-01T00:00:00.5+00:00"})
        )
    assert [p.location for p in caught.value.problems] == ["extra.expirationDate"]
    assert len(emulator.journal) == 0


def test_2_a_format_the_model_does_not_draw_is_refused_before_sending(connect, emulator) -> None:
    from .conftest import MODEL_ALIASES

    wallet = connect(templates=MODEL_ALIASES)
    asked = Barcode(message="A-1", format="pdf417")
    for template in ("qr-model", "1919"):  # an alias stating qr; a model no alias describes
        with pytest.raises(ValidationError) as caught:
            wallet.create(Pass(template=template, barcode=asked))
        assert [p.location for p in caught.value.problems] == ["barcode.format"]
    assert len(emulator.journal) == 0


def test_2_a_barcode_leaving_the_format_out_takes_the_models(connect, emulator) -> None:
    from .conftest import MODEL_ALIASES

    wallet = connect(templates=MODEL_ALIASES)
    issued = wallet.create(Pass(template="aztec-model", barcode=Barcode(message="A-2")))
    assert issued.barcode is not None and issued.barcode.format.value == "aztec"
    assert wallet.get(issued.id).barcode.format.value == "aztec"
    sent = emulator.journal.find("POST", r"/models/4001/passes")[-1].json()
    assert sent["barcode"] == {"message": "A-2"}  # the symbology is never sent per pass
    # The model's symbology still has to draw the message.
    with pytest.raises(ValidationError):
        wallet.create(Pass(template="code128-model", barcode=Barcode(message="入場券")))
    # Without an alias, a barcode that names no format is the model's business.
    wallet.create(Pass(template="1919", barcode=Barcode(message="A-3")))


def test_2_barcode_formats_are_declared_emulated_not_native(wallet) -> None:
    for fmt in ("qr", "pdf417", "aztec", "code128"):
        declaration = wallet.capabilities[f"barcode.{fmt}"]
        assert declaration.support.value == "emulated"
        assert "barcode_format" in declaration.note


def test_7_the_same_extra_rule_as_every_provider(connect, emulator) -> None:
    import warnings

    with pytest.raises(ValidationError) as caught:
        connect().create(Pass(template="1919", extra={"passCode": "1234"}))
    assert list(caught.value.fields) == ["extra.passCode"]
    assert "did you mean 'passcode'" in str(caught.value)
    assert len(emulator.journal) == 0
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        connect(strict=False).create(
            Pass(template="1919", extra={"passCode": "1234", "sharingProhibited": True})
        )
    assert any("extra.passCode was dropped" in str(w.message) for w in seen)
    body = emulator.journal.find("POST", r"/models/1919/passes")[-1].json()
    assert body["sharingProhibited"] is True and "passCode" not in body
