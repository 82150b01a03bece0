"""NFC payload rules that hold on every vendor (Apple VAS / Google Smart Tap).

Apple's pass format (PassKit ``nfc`` dictionary) says the ``message`` "can't exceed 64 bytes;
longer messages are truncated by the system", and ``encryptionPublicKey`` is "the public
encryption key the Value Added Services protocol uses: a Base64-encoded X.509
SubjectPublicKeyInfo structure containing an ECDH public key for group P256". A key that is not
one makes the pass's NFC unusable, so both are checked before any request.

The key is parsed with the ``cryptography`` library when it is installed (``pip install
walletpass[nfc]``), which also checks the point lies on the curve. Without it the check is
structural: the DER bytes must be exactly a P-256 SubjectPublicKeyInfo (algorithm id-ecPublicKey,
curve prime256v1) holding an uncompressed (65-byte) or compressed (33-byte) point.
"""

from __future__ import annotations

import base64
import binascii

__all__ = ["MAX_MESSAGE_BYTES", "normalized_key", "public_key_problem"]

MAX_MESSAGE_BYTES = 64

# SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID prime256v1 }, BIT STRING { 0x00, point } }
_ALGORITHM = bytes.fromhex("301306072a8648ce3d020106082a8648ce3d030107")
_UNCOMPRESSED_PREFIX = bytes.fromhex("3059") + _ALGORITHM + bytes.fromhex("03420004")
_COMPRESSED_PREFIXES = tuple(
    bytes.fromhex("3039") + _ALGORITHM + bytes.fromhex("032200") + bytes([tag]) for tag in (2, 3)
)


def _structural_problem(der: bytes) -> str | None:
    if der.startswith(_UNCOMPRESSED_PREFIX) and len(der) == len(_UNCOMPRESSED_PREFIX) + 64:
        return None
    if der.startswith(_COMPRESSED_PREFIXES) and len(der) == len(_COMPRESSED_PREFIXES[0]) + 32:
        return None
    return "is not a P-256 (prime256v1) SubjectPublicKeyInfo"


def _library_problem(der: bytes) -> str | None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):  # not DER SPKI, or a point off the curve
        return "is not a valid X.509 SubjectPublicKeyInfo public key"
    except Exception:  # the library's own UnsupportedAlgorithm and similar
        return "is not a public key the cryptography library can read"
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "is not an elliptic-curve key (Apple VAS needs ECDH on P-256)"
    if key.curve.name != "secp256r1":
        return f"is on curve {key.curve.name}, not P-256 (secp256r1)"
    return None


_NOT_BASE64 = "must be Base64 (the DER bytes of an X.509 SubjectPublicKeyInfo)"


def _spelling_problem(text: str) -> str | None:
    """Why ``text`` is not one line of standard Base64, said so that it can be fixed: a PEM file,
    a key wrapped on several lines, the URL-safe alphabet or missing padding are common copies
    of a right key in a form the pass format does not take."""
    if "-----BEGIN" in text:
        return (
            "is PEM: give only the Base64 between the BEGIN and END lines, joined into one line "
            "(the DER of the SubjectPublicKeyInfo)"
        )
    if any(char.isspace() for char in text):
        return "must be one line of Base64: remove the line breaks and spaces inside it"
    if ("-" in text or "_" in text) and not ("+" in text or "/" in text):
        return "uses the URL-safe Base64 alphabet (- and _): write it in standard Base64 (+ and /)"
    if len(text) % 2 == 0 and all(char in "0123456789abcdefABCDEF" for char in text):
        return "is hexadecimal: encode the key's DER bytes in Base64 instead"
    if len(text) % 4 and not text.endswith("="):
        return "has lost its Base64 padding: add '=' until its length is a multiple of 4"
    return None


def public_key_problem(text: str) -> str | None:
    """Why ``text`` is not a Base64-encoded P-256 public key, or ``None`` when it is one.

    Surrounding whitespace is not part of the key (see :func:`normalized_key`); anything else
    must be exactly one line of standard Base64.
    """
    text = text.strip()
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return _spelling_problem(text) or _NOT_BASE64
    try:
        import cryptography  # noqa: F401  # optional: the nfc extra
    except ImportError:
        return _structural_problem(der)
    return _library_problem(der)


def normalized_key(text: str) -> str:
    """The key as it is sent: without the surrounding whitespace a file or a paste adds."""
    return text.strip()
