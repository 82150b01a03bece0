"""Neutral model <-> Acme JSON, as pure functions.

Kept apart from the provider class so each direction can be tested on its own, without HTTP and
without settings. Only what the provider declares NATIVE appears here: the pipeline has already
refused (strict) or dropped (lenient) everything else before these functions run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from walletpass.model import (
    Barcode,
    BarcodeFormat,
    Holder,
    IssuedPass,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
    PassUrls,
)
from walletpass.timestamps import format_timestamp, parse_timestamp
from walletpass_acme.limits import TIMESTAMPS, VendorBarcode, VendorKind, VendorStatus

__all__ = [
    "BARCODES",
    "KINDS",
    "STATUSES",
    "create_body",
    "field_text",
    "holder_name",
    "issued_from",
    "update_body",
]

KINDS: dict[PassKind, VendorKind] = {
    PassKind.GENERIC: VendorKind.GENERIC,
    PassKind.EVENT_TICKET: VendorKind.EVENT,
    PassKind.LOYALTY: VendorKind.LOYALTY,
}
BARCODES: dict[BarcodeFormat, VendorBarcode] = {
    BarcodeFormat.QR: VendorBarcode.QR,
    BarcodeFormat.CODE128: VendorBarcode.CODE128,
}
#: Acme status -> neutral status; a status Acme adds later reads as ``unknown``, not as an error.
STATUSES: dict[str, PassStatus] = {
    VendorStatus.ISSUED.value: PassStatus.ISSUED,
    VendorStatus.INSTALLED.value: PassStatus.INSTALLED,
    VendorStatus.REDEEMED.value: PassStatus.REDEEMED,
    VendorStatus.EXPIRED.value: PassStatus.EXPIRED,
}


def field_text(value: Any) -> str:
    """Acme stores field values as text: numbers exactly, dates in ISO 8601."""
    if isinstance(value, PassField):
        value = value.value
    if isinstance(value, datetime):
        return format_timestamp(value, TIMESTAMPS)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def holder_name(holder: Holder | None) -> str | None:
    """One display name: Acme has a single ``holderName``."""
    if holder is None:
        return None
    if holder.name:
        return holder.name
    parts = [p for p in (holder.first_name, holder.last_name) if p]
    return " ".join(parts) or None


def _barcode(barcode: Barcode) -> dict[str, str]:
    return {"format": BARCODES[barcode.symbology].value, "value": barcode.message}


def create_body(new_pass: Pass) -> dict[str, Any]:
    body: dict[str, Any] = {"template": new_pass.template, "kind": KINDS[new_pass.kind].value}
    if new_pass.external_id is not None:
        body["externalRef"] = new_pass.external_id
    name = holder_name(new_pass.holder)
    if name is not None:
        body["holderName"] = name
    if new_pass.fields:
        body["fields"] = {key: field_text(value) for key, value in new_pass.fields.items()}
    if new_pass.barcode is not None:
        body["barcode"] = _barcode(new_pass.barcode)
    if new_pass.expires_at is not None:
        body["expiresAt"] = format_timestamp(new_pass.expires_at, TIMESTAMPS)
    return body


def update_body(change: PassUpdate) -> dict[str, Any]:
    """Only what the caller set: Acme's PATCH leaves everything else as it is."""
    body: dict[str, Any] = {}
    if change.fields:
        body["fields"] = {key: field_text(value) for key, value in change.fields.items()}
    name = holder_name(change.holder)
    if name is not None:
        body["holderName"] = name
    if change.barcode is not None:
        body["barcode"] = _barcode(change.barcode)
    if change.expires_at is not None:
        body["expiresAt"] = format_timestamp(change.expires_at, TIMESTAMPS)
    if change.message is not None:
        body["notification"] = change.message
    return body


def issued_from(data: Mapping[str, Any], provider: str) -> IssuedPass:
    """An Acme pass object as the neutral ``IssuedPass`` (a missing key is a bad answer)."""
    kinds = {vendor.value: kind for kind, vendor in KINDS.items()}
    formats = {vendor.value: fmt for fmt, vendor in BARCODES.items()}
    barcode = data.get("barcode")
    name = data.get("holderName")
    return IssuedPass(
        id=data["id"],
        vendor_id=data["id"],
        provider=provider,
        template=data["template"],
        kind=kinds.get(data.get("kind", "")),
        external_id=data.get("externalRef"),
        status=STATUSES.get(str(data["status"]), PassStatus.UNKNOWN),
        urls=PassUrls(download=data.get("downloadUrl")),
        created_at=parse_timestamp(data.get("createdAt")),
        updated_at=parse_timestamp(data.get("updatedAt")),
        expires_at=parse_timestamp(data.get("expiresAt")),
        holder=Holder(name=name) if name else None,
        fields=dict(data.get("fields") or {}),
        barcode=(
            Barcode(message=barcode["value"], format=formats[barcode["format"]])
            if barcode
            else None
        ),
        raw=dict(data),
    )
