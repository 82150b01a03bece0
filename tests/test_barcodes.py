"""Barcode content vs symbology, and NFC payload rules: refused before any vendor sees them.

Field report 1 (a Code 128 barcode of Japanese text was sent as is; a 2,395-character QR was
refused by a general cap) and 3 (the NFC limit counted characters, not bytes; a key that is not a
P-256 public key was accepted). Each kind is tested over whole classes of input, not only the
reported member.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import Barcode, BarcodeFormat, Nfc, Pass, ValidationError
from walletpass import nfc as nfc_rules
from walletpass.barcodes import RULES, barcode_problem

ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")


def refused(**barcode: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Pass(template="t", barcode=barcode)
    assert [p.location for p in caught.value.problems] == ["barcode"]
    return caught.value.problems[0].message


# -- Code 128: ASCII plus Latin-1 through FNC4, nothing else --------------------------------


def test_code128_refuses_the_reported_japanese_ticket_naming_the_character() -> None:
    message = refused(message="入場券-0042", format="code128")
    assert "character 1 ('入', U+5165)" in message
    assert "Latin-1" in message and "qr" in message


@given(st.text(st.characters(max_codepoint=0xFF, exclude_categories=["Cs"]), min_size=1))
def test_code128_takes_every_latin1_text(text: str) -> None:
    assert Barcode(message=text, format="code128").message == text


@given(
    st.text(st.characters(max_codepoint=0xFF), max_size=20),
    st.characters(min_codepoint=0x100, exclude_categories=["Cs"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)
def test_code128_refuses_any_character_above_latin1(head: str, bad: str, tail: str) -> None:
    message = refused(message=head + bad + tail, format="code128")
    assert f"character {len(head) + 1} " in message and f"U+{ord(bad):04X}" in message


@given(
    st.text(st.characters(max_codepoint=0x20FF, exclude_categories=["Cs"]), min_size=1, max_size=60)
    | st.sampled_from(["A" * 81, "0" * 7089, "€" * 1000, "z" * 3000]),
    st.sampled_from(list(BarcodeFormat)),
    st.booleans(),
)
def test_a_barcode_is_refused_exactly_when_its_symbology_cannot_draw_it(
    message: str, symbology: BarcodeFormat, as_text: bool
) -> None:
    # The model asks with the format's member (remembering the answer), the rules are keyed by
    # its text: the same verdict and sentence, asked once or again from memory.
    expected = barcode_problem(message, symbology.value)
    given_format: str = symbology.value if as_text else symbology
    for _ in range(2):
        if expected is None:
            assert Barcode(message=message, format=given_format).format is symbology
        else:
            assert refused(message=message, format=given_format) == expected


@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200))
def test_other_symbologies_take_any_short_unicode_text(text: str) -> None:
    for symbology in ("qr", "pdf417", "aztec"):
        assert Barcode(message=text, format=symbology).format.value == symbology


# -- capacity: what the largest symbol holds, by character class ---------------------------

CAPACITIES = {
    # symbology: (digits, text characters, bytes)
    "qr": (7089, 4296, 2953),
    "pdf417": (2710, 1850, 1108),
    "aztec": (3832, 3067, 1914),
}
TEXT = {"qr": "A", "pdf417": "a", "aztec": "a"}


@pytest.mark.parametrize("symbology", sorted(CAPACITIES))
def test_each_class_fills_the_largest_symbol_exactly(symbology: str) -> None:
    digits, text, octets = CAPACITIES[symbology]
    for unit, capacity in (("7", digits), (TEXT[symbology], text), ("\x01", octets)):
        assert barcode_problem(unit * capacity, symbology) is None
        problem = barcode_problem(unit * (capacity + 1), symbology)
        assert problem is not None and "too long for" in problem
    # Bytes are UTF-8 bytes: a three-byte character takes three.
    assert barcode_problem("€" * (octets // 3), symbology) is None
    assert barcode_problem("€" * (octets // 3 + 1), symbology) is not None


@given(
    message=st.text(
        st.one_of(
            st.characters(exclude_categories=["Cs"]),
            st.sampled_from("0123456789ABC $%*+-./:abc\x01é€"),
        ),
        min_size=1,
        max_size=4000,
    ),
    symbology=st.sampled_from(["qr", "pdf417", "aztec", "code128"]),
)
def test_the_quick_byte_count_decides_as_the_exact_count(message: str, symbology: str) -> None:
    # A message whose UTF-8 bytes fit is accepted without counting characters by class; the
    # answer must be the exact count's, whatever the message.
    rule = RULES[symbology]
    encodable = rule.encodable is None or all(rule.encodable(char) for char in message)
    assert (barcode_problem(message, symbology) is None) == (encodable and rule.share(message) <= 1)


def test_a_health_card_qr_longer_than_the_old_general_cap_is_accepted() -> None:
    # SMART Health Card style: a short prefix, then thousands of digits (QR numeric mode).
    payload = "shc:/" + "5676290952432060346029243740446031222959532654603460292540772804" * 38
    payload = payload[:2395]
    assert len(payload) == 2395
    assert Barcode(message=payload, format="qr").message == payload


def test_a_measured_size_says_what_was_measured() -> None:
    message = refused(message="é" * 1000, format="pdf417")
    assert "1,000 characters, 2,000 UTF-8 bytes" in message and "1,108 bytes" in message


# -- NFC --------------------------------------------------------------------------------------


def test_nfc_message_limit_is_64_utf8_bytes_not_characters() -> None:
    assert Nfc(message="a" * 64).message
    assert Nfc(message="é" * 32).message  # 64 bytes
    for text in ("a" * 65, "é" * 33, "入" * 22, "a" * 48 + "é" * 8 + "b"):  # 65, 66, 66, 65 bytes
        with pytest.raises(ValidationError) as caught:
            Nfc(message=text)
        problem = caught.value.problems[0]
        assert problem.location == "message"
        size = len(text.encode())
        assert f"{size} bytes ({len(text)} characters)" in problem.message


@given(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=80))
def test_nfc_message_accepted_exactly_when_it_fits_64_bytes(text: str) -> None:
    fits = len(text.encode()) <= 64
    try:
        Nfc(message=text)
    except ValidationError:
        assert not fits
    else:
        assert fits


def _spki(curve: Any, *, compressed: bool = False) -> str:
    key = ec.generate_private_key(curve).public_key()
    if compressed:
        point = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        key = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


P256 = _spki(ec.SECP256R1())
WRONG_KEYS = {
    "not base64": "not a key!",
    "base64 of text": base64.b64encode(b"hello world").decode(),
    "P-384": _spki(ec.SECP384R1()),
    "P-256 SPKI with a point off the curve": base64.b64encode(
        base64.b64decode(P256)[:-1] + bytes([base64.b64decode(P256)[-1] ^ 1])
    ).decode(),
}


def test_a_p256_public_key_is_accepted() -> None:
    assert Nfc(message="m", encryption_public_key=P256).encryption_public_key == P256


@pytest.mark.parametrize("what", sorted(WRONG_KEYS))
def test_other_keys_are_refused(what: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Nfc(message="m", encryption_public_key=WRONG_KEYS[what])
    assert [p.location for p in caught.value.problems] == ["encryption_public_key"]


def _with_plus_or_slash() -> str:
    """A fixed P-256 key whose Base64 has a ``+`` or ``/`` (URL-safe Base64 spells them apart)."""
    for secret in range(1, 1000):
        key = ec.derive_private_key(secret, ec.SECP256R1()).public_key()
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        text = base64.b64encode(der).decode()
        if "+" in text or "/" in text:
            return text.replace("+", "-").replace("/", "_")
    raise AssertionError("no key with + or / in its Base64")


URL_SAFE_ONLY = _with_plus_or_slash()


def _pem(key_b64: str) -> str:
    body = "\n".join(key_b64[i : i + 64] for i in range(0, len(key_b64), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


#: Spellings of a good P-256 key that are not the one Base64 line Apple's pass format takes, and
#: what the refusal must say so the user can fix it.
MISSPELT_KEYS = {
    "PEM": (_pem(P256), "PEM"),
    "PEM body on several lines": ("\n".join((P256[:40], P256[40:])), "line"),
    "URL-safe alphabet": (URL_SAFE_ONLY, "URL-safe"),
    "padding removed": (
        _spki(ec.SECP256R1(), compressed=True).rstrip("="),
        "padding",
    ),
    "hex of the DER": (base64.b64decode(P256).hex(), "hexadecimal"),
}


@pytest.mark.parametrize("what", sorted(MISSPELT_KEYS))
def test_a_misspelt_key_is_refused_saying_how_to_write_it(what: str) -> None:
    text, hint = MISSPELT_KEYS[what]
    with pytest.raises(ValidationError) as caught:
        Nfc(message="m", encryption_public_key=text)
    (problem,) = caught.value.problems
    assert problem.location == "encryption_public_key"
    assert hint in problem.message, problem.message


def test_surrounding_whitespace_is_not_sent() -> None:
    # A key read from a file ends with a newline: it is the same key, sent as one clean line.
    assert Nfc(encryption_public_key=f" {P256}\n").encryption_public_key == P256


def test_without_cryptography_the_check_is_structural(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_cryptography(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "cryptography" or name.startswith("cryptography."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cryptography)
    assert nfc_rules.public_key_problem(P256) is None
    assert nfc_rules.public_key_problem(_spki(ec.SECP256R1(), compressed=True)) is None
    for what in ("not base64", "base64 of text", "P-384"):
        assert nfc_rules.public_key_problem(WRONG_KEYS[what]) is not None


# -- lenient mode drops the smallest unsupported part (field report 4) -----------------------


def test_a_lenient_update_keeps_the_message_in_a_format_the_provider_has() -> None:
    from walletpass import PassUpdate
    from walletpass.capabilities import Capability
    from walletpass.features import barcode_fallback, strip_features

    change = PassUpdate(barcode=Barcode(message="入場券-0042", format="aztec"), logo_text="x")
    # Code 128 cannot draw it, so the fallback skips it for the next supported format.
    supported = {Capability.BARCODE_CODE128, Capability.BARCODE_PDF417}
    fallback = barcode_fallback(change.barcode, supported.__contains__)
    assert fallback is not None and fallback.value == "pdf417"
    stripped = strip_features(change, {Capability.BARCODE_AZTEC}, barcode_format=fallback)
    assert stripped.barcode == Barcode(message="入場券-0042", format="pdf417")
    assert stripped.model_fields_set == {"barcode", "logo_text"}
    assert barcode_fallback(change.barcode, {Capability.BARCODE_CODE128}.__contains__) is None
    dropped = strip_features(change, {Capability.BARCODE_AZTEC})
    assert "barcode" not in dropped.model_fields_set  # unchanged, not cleared
