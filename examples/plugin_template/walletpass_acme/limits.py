"""What the Acme Passes API documents as its limits, as data.

One module so that the provider (which refuses bad input before sending), the emulator (which
answers it the way Acme does) and the fake provider's ``acme`` profile (which borrows the provider's
validators) can never disagree. The check functions take plain values and return a problem text or
``None``, so they serve both the neutral model and the vendor's JSON.
"""

from __future__ import annotations

import re
from enum import StrEnum

from walletpass.timestamps import UTC_SECONDS, TimestampForm

__all__ = [
    "API_KEY_PREFIX",
    "DEFAULT_PAGE_SIZE",
    "FIELD_KEY",
    "MAX_BARCODE_VALUE",
    "MAX_FIELDS",
    "MAX_FIELD_VALUE",
    "MAX_HOLDER_NAME",
    "MAX_NOTIFICATION",
    "MAX_PAGE_SIZE",
    "PASS_ID",
    "RATE_LIMIT_PER_SECOND",
    "TIMESTAMPS",
    "VendorBarcode",
    "VendorKind",
    "VendorStatus",
    "barcode_problem",
    "field_key_problem",
    "field_value_problem",
    "holder_name_problem",
    "notification_problem",
]

#: Requests per second Acme accepts per API key (429 with ``Retry-After`` beyond).
RATE_LIMIT_PER_SECOND = 50
#: How Acme writes timestamps: UTC with a ``Z``, whole seconds (``2026-02-25T12:00:00Z``).
TIMESTAMPS: TimestampForm = UTC_SECONDS
#: Template fields per pass.
MAX_FIELDS = 20
#: Field keys: lower-case, start with a letter, at most 32 characters.
FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_FIELD_VALUE = 256
MAX_HOLDER_NAME = 64
MAX_BARCODE_VALUE = 512
MAX_NOTIFICATION = 140
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
#: Pass ids Acme hands out: ``acp_`` and 16 hex digits.
PASS_ID = re.compile(r"^acp_[0-9a-f]{16}$")
#: Every Acme API key starts with this.
API_KEY_PREFIX = "ak_"


#: The template families Acme offers.
VendorKind = StrEnum("VendorKind", {"GENERIC": "generic", "EVENT": "event", "LOYALTY": "loyalty"})


VendorBarcode = StrEnum("VendorBarcode", {"QR": "QR", "CODE128": "CODE128"})


VendorStatus = StrEnum(
    "VendorStatus",
    {"ISSUED": "issued", "INSTALLED": "installed", "REDEEMED": "redeemed", "EXPIRED": "expired"},
)


def field_key_problem(key: str) -> str | None:
    if FIELD_KEY.fullmatch(key):
        return None
    return "Acme field keys are lower-case letters, digits and _, start with a letter, max 32"


def field_value_problem(text: str) -> str | None:
    if len(text) > MAX_FIELD_VALUE:
        return f"at most {MAX_FIELD_VALUE} characters, got {len(text)}"
    return None


def holder_name_problem(name: str) -> str | None:
    if len(name) > MAX_HOLDER_NAME:
        return f"at most {MAX_HOLDER_NAME} characters, got {len(name)}"
    return None


def barcode_problem(value: str) -> str | None:
    if len(value) > MAX_BARCODE_VALUE:
        return f"at most {MAX_BARCODE_VALUE} characters, got {len(value)}"
    return None


def notification_problem(text: str) -> str | None:
    if len(text) > MAX_NOTIFICATION:
        return f"at most {MAX_NOTIFICATION} characters, got {len(text)}"
    return None
