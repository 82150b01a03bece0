"""Pass2U-only operations and the emulated neutral ones, against the emulator over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from walletpass_pass2u import Pass2UProvider
from walletpass_pass2u.emulator import Pass2UEmulator
from walletpass_pass2u.limits import RATE_LIMIT_PER_SECOND

import walletpass
from walletpass import Barcode, Holder, ImageRef, Pass, PassKind, PassUpdate
from walletpass.errors import (
    AlreadyRedeemed,
    InvalidResponse,
    NotFound,
    PassExpired,
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
)
from walletpass.model import PassStatus
from walletpass.sending import VendorRequest
from walletpass.testing.emulator import EmulatorServer, Fault

SAMPLE = Pass(template="1919", holder=Holder(name="Ada"), fields={"level": "GOLD"})
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


# -- upload_image ---------------------------------------------------------------------------------


def test_upload_image_refuses_jpeg_5mb_and_2000px_before_any_request(wallet, emulator, png) -> None:
    five_mb = png(16, 16, padding=5 * 1024 * 1024)
    huge = png(2000, 2000)
    cases = [(JPEG, "PNG images only; this is a JPEG"), (five_mb, "4 MB"), (huge, "1024 x 1024")]
    for data, words in cases:
        with pytest.raises(ValidationError) as caught:
            wallet.upload_image(data)
        assert words in str(caught.value)
        assert caught.value.operation == "upload_image"
    assert len(emulator.journal) == 0


def test_upload_image_sends_the_raw_png_and_returns_its_hex(wallet, emulator, png) -> None:
    data = png(180, 180)
    ref = wallet.upload_image(data)
    assert ref.id == hashlib.sha1(data).hexdigest() and ref.url is None
    sent = emulator.journal.last()
    assert (sent.method, sent.path, sent.body) == ("POST", "/images", data)
    assert sent.headers["content-type"] == "image/png"
    assert sent.headers["accept"] == "application/json"
    assert emulator.images[ref.id] == data


def test_upload_image_checks_the_type_against_the_pass_style(wallet, emulator, png) -> None:
    with pytest.raises(ValidationError, match="generic pass shows only"):
        wallet.upload_image(png(), role="strip", kind="membership")
    with pytest.raises(ValidationError, match="role"):
        wallet.upload_image(png(), role="hero")
    with pytest.raises(ValidationError, match="kind"):
        wallet.upload_image(png(), kind="coupon")
    assert len(emulator.journal) == 0
    assert wallet.upload_image(png(), role="strip", kind=PassKind.COUPON).id


def test_uploaded_images_end_up_in_the_pkpass(wallet, png) -> None:
    thumbnail = png(90, 90)
    ref = wallet.upload_image(thumbnail)
    issued = wallet.create(SAMPLE.model_copy(update={"images": {"thumbnail": ref}}))
    with zipfile.ZipFile(io.BytesIO(wallet.download_pkpass(issued.id))) as archive:
        assert archive.read("thumbnail.png") == thumbnail
        assert "icon.png" not in archive.namelist()  # the images array replaces the model's


# -- download_pkpass -------------------------------------------------------------------------------


def test_download_pkpass_is_a_real_pkpass(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE.model_copy(update={"barcode": Barcode(message="B-1")}))
    data = wallet.download_pkpass(issued.id)
    sent = emulator.journal.last()
    assert (sent.method, sent.path) == ("GET", f"/models/1919/passes/{issued.vendor_id}")
    assert sent.headers["accept"] == "application/vnd.apple.pkpass"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert {"pass.json", "manifest.json", "icon.png", "logo.png"} <= names
        manifest = json.loads(archive.read("manifest.json"))
        for name in names - {"manifest.json"}:
            assert manifest[name] == hashlib.sha1(archive.read(name)).hexdigest()
        pass_json = json.loads(archive.read("pass.json"))
    assert pass_json["serialNumber"] == issued.vendor_id
    assert pass_json["barcodes"][0]["message"] == "B-1"


def test_download_pkpass_is_not_routed_through_an_overridden_build_get(
    server, emulator, api_key
) -> None:
    # download_pkpass sends its own .pkpass request: a subclass whose get reads the pass
    # another way (its build_get hook) still downloads the file (c5633d9 sent build_get's)
    class JsonReads(Pass2UProvider):
        def build_get(self, pass_id: str) -> VendorRequest:
            request = super().build_get(pass_id)
            return VendorRequest("GET", request.path + "/json", request.safety)

    wallet = JsonReads(api_key=api_key, base_url=server.url, max_retries=0)
    try:
        issued = wallet.create(SAMPLE)
        data = wallet.download_pkpass(issued.id)
        sent = emulator.journal.last()
        assert (sent.method, sent.path) == ("GET", f"/models/1919/passes/{issued.vendor_id}")
        assert sent.headers["accept"] == "application/vnd.apple.pkpass"
        assert data.startswith(b"PK")
    finally:
        wallet.close()


def test_download_pkpass_refuses_what_is_not_a_zip(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE)
    emulator.inject(Fault.respond(200, {"passId": issued.vendor_id}), method="GET")
    with pytest.raises(InvalidResponse, match="not a zip"):
        wallet.download_pkpass(issued.id)
    with pytest.raises(NotFound):
        wallet.download_pkpass("1919.NO-PASS")


# -- reset_* -------------------------------------------------------------------------------------


def test_reset_attribute(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE.model_copy(update={"logo_text": "Gold Club"}))
    assert wallet.get(issued.id).raw["logoText"] == "Gold Club"
    wallet.reset_attribute(issued.id, "logoText")
    sent = emulator.journal.last()
    assert (sent.method, sent.path, sent.body) == (
        "DELETE",
        f"/models/1919/passes/{issued.vendor_id}/attributes/logoText",
        b"",
    )
    assert sent.headers["accept"] == "application/json"
    assert "logoText" not in wallet.get(issued.id).raw
    wallet.reset_attribute(issued.id, "logo_text")  # neutral names work too
    assert emulator.journal.last().path.endswith("/attributes/logoText")
    before = len(emulator.journal)
    for bad in ("logo", 7, ["logoText"]):
        with pytest.raises(ValidationError, match="attribute"):
            wallet.reset_attribute(issued.id, bad)
    assert len(emulator.journal) == before


def test_reset_field(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE)
    wallet.reset_field(issued.id, "level")
    assert emulator.journal.last().path == f"/models/1919/passes/{issued.vendor_id}/fields/level"
    # Back to the model's default, which is empty: no value, so absent from fields.
    assert "level" not in wallet.get(issued.id).fields
    with pytest.raises(NotFound, match="no field"):
        wallet.reset_field(issued.id, "unknown")
    before = len(emulator.journal)
    for bad in ("a/b", "", " level", "k" * 101):
        with pytest.raises(ValidationError):
            wallet.reset_field(issued.id, bad)
    assert len(emulator.journal) == before


def test_reset_field_attribute(wallet, emulator) -> None:
    issued = wallet.create(
        SAMPLE.model_copy(
            update={"fields": {"level": walletpass.model.PassField(value="GOLD", label="Rank")}}
        )
    )
    assert wallet.get(issued.id).meta["labels"]["level"] == "Rank"
    wallet.reset_field_attribute(issued.id, "level", "label")
    assert emulator.journal.last().path == (
        f"/models/1919/passes/{issued.vendor_id}/fields/level/attributes/label"
    )
    fetched = wallet.get(issued.id)
    assert fetched.meta["labels"]["level"] == "Level" and fetched.fields["level"] == "GOLD"
    before = len(emulator.journal)
    with pytest.raises(ValidationError, match="changeMessage, label, value"):
        wallet.reset_field_attribute(issued.id, "level", "key")
    assert len(emulator.journal) == before


def test_resets_are_listed_as_extra_operations() -> None:
    from walletpass_pass2u import Pass2UProvider

    assert set(Pass2UProvider.extra_operations) == {
        "upload_image",
        "download_pkpass",
        "reset_attribute",
        "reset_field",
        "reset_field_attribute",
    }
    for name in Pass2UProvider.extra_operations:
        assert Pass2UProvider.capabilities.supports(name)


# -- emulated neutral operations -------------------------------------------------------------------


def test_redeem_voids_then_refuses_a_second_time(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE)
    emulator.journal.clear()
    redemption = wallet.redeem(issued.id)
    assert (redemption.status, redemption.method) == (PassStatus.REDEEMED, "void")
    assert redemption.meta == {"vendor_status": "voided"}
    assert [(e.method, e.json() if e.method == "PUT" else None) for e in emulator.journal] == [
        ("GET", None),
        ("PUT", {"voided": True}),
    ]
    emulator.journal.clear()
    with pytest.raises(AlreadyRedeemed):
        wallet.redeem(issued.id)
    assert [e.method for e in emulator.journal] == ["GET"]  # detected from the pass state
    assert wallet.get(issued.id).status is PassStatus.VOIDED


def test_redeem_of_an_expired_pass(wallet) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    issued = wallet.create(SAMPLE.model_copy(update={"expires_at": past}))
    assert issued.status is PassStatus.EXPIRED
    with pytest.raises(PassExpired):
        wallet.redeem(issued.id)


def test_redeem_takes_no_amount_or_options(wallet, emulator) -> None:
    with pytest.raises(UnsupportedFeature, match="balance"):
        wallet.redeem("1919.X-1", amount=5)
    with pytest.raises(ValidationError, match="options"):
        wallet.redeem("1919.X-1", options={"reader": "door"})
    assert len(emulator.journal) == 0


def test_delete_is_refused_naming_the_alternatives(wallet, emulator) -> None:
    # Pass2U has no delete (pass2u.md section 7): refused before sending, naming what to do.
    issued = wallet.create(SAMPLE)
    emulator.journal.clear()
    with pytest.raises(UnsupportedOperation) as refused:
        wallet.delete(issued.id)
    assert len(emulator.journal) == 0
    assert "update(id, PassUpdate(expires_at=<now>))" in str(refused.value)
    # The first alternative: the pass expires, and Pass2U still has it.
    wallet.update(issued.id, PassUpdate(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert wallet.get(issued.id).status is PassStatus.EXPIRED


def test_update_with_only_cleared_values_sends_only_resets(wallet, emulator) -> None:
    issued = wallet.create(SAMPLE.model_copy(update={"logo_text": "Club", "description": "D"}))
    emulator.journal.clear()
    result = wallet.update(issued.id, PassUpdate(logo_text=None))
    assert [(e.method, e.path.rsplit("/", 2)[-2:]) for e in emulator.journal] == [
        ("DELETE", ["attributes", "logoText"]),
        ("GET", ["passes", issued.vendor_id]),  # the read-back: the answer is the whole pass
    ]
    assert result.id == issued.id and result.status is PassStatus.ISSUED
    assert result.holder == issued.holder
    fetched = wallet.get(issued.id)
    assert fetched.holder is not None and "logoText" not in fetched.raw
    assert fetched.raw["description"] == "D"
    # The holder lives in the model's "name" field: reset_field() resets it.
    wallet.reset_field(issued.id, "name")
    assert wallet.get(issued.id).holder is None


@pytest.mark.parametrize(
    ("model", "change", "where", "refused"),
    [
        ("2040", PassUpdate(group="regulars"), "group", True),  # a store card
        ("1919", PassUpdate(group="regulars"), "group", True),  # a generic pass
        ("3001", PassUpdate(group="regulars"), "group", False),  # an event ticket
        ("1919", PassUpdate(images={"strip": ImageRef(id="ab")}), "images", True),
        ("2040", PassUpdate(images={"strip": ImageRef(id="ab")}), "images", False),
    ],
)
@pytest.mark.parametrize("aliased", [False, True])
def test_an_update_is_held_to_the_rules_of_its_models_style_before_the_put(
    connect, emulator, png, model: str, change: PassUpdate, where: str, refused: bool, aliased: bool
) -> None:
    """groupingIdentifier is for "Event tickets & boarding passes only", and the image types
    are the style's (guide 3.1, 4.6): Pass2U answered a store card's group with 400, which
    the update sent (its check knew no style). The style is the template alias's kind's, else
    what a read of the pass finds: the PUT is never sent where it breaks the style's rules."""
    kinds = {"2040": PassKind.LOYALTY, "1919": PassKind.MEMBERSHIP, "3001": PassKind.EVENT_TICKET}
    templates = {"model": {"id": model, "kind": kinds[model]}} if aliased else {}
    wallet = connect(templates=templates)
    ref = wallet.upload_image(png())
    if change.images:
        change = PassUpdate(images=dict.fromkeys(change.images, ref))
    issued = wallet.create(Pass(template="model" if aliased else model, kind=kinds[model]))
    emulator.journal.clear()
    if not refused:
        assert wallet.update(issued.id, change).id == issued.id
        return
    with pytest.raises(ValidationError) as caught:
        wallet.update(issued.id, change)
    assert list(caught.value.fields) == [where]
    assert "pass" in str(caught.value) and caught.value.outcome_unknown is False
    # (no alias stating the kind: the pass is read for its style first)
    assert [e.method for e in emulator.journal] == ([] if aliased else ["GET"])


def test_update_message_reaches_the_pass_as_change_message(wallet) -> None:
    issued = wallet.create(SAMPLE)
    wallet.update(issued.id, PassUpdate(fields={"level": "DIAMOND"}, message="Level upgraded"))
    fields = wallet.get(issued.id).raw["generic"]["secondaryFields"]
    level = next(f for f in fields if f["key"] == "level")
    assert level == {
        "key": "level",
        "label": "Level",
        "value": "DIAMOND",
        "changeMessage": "Level upgraded: %@",
    }


def test_update_notify_is_refused(wallet, emulator) -> None:
    with pytest.raises(walletpass.errors.UnsupportedFeature, match=r"update\.notify"):
        wallet.update("1919.X-1", PassUpdate(fields={"level": "A"}, notify=False))
    assert len(emulator.journal) == 0


def test_list_is_unsupported_before_any_request(wallet, emulator) -> None:
    with pytest.raises(UnsupportedOperation, match="pass2u does not support list"):
        wallet.list()
    assert len(emulator.journal) == 0


def test_random_barcode_models_generate_the_barcode(wallet) -> None:
    issued = wallet.create(Pass(template="3001", kind=PassKind.EVENT_TICKET, fields={"seat": "1"}))
    assert issued.barcode is not None
    assert len(issued.barcode.message) == 8 and issued.barcode.message.isdigit()
    with pytest.raises(ValidationError, match="can not be changed"):
        wallet.create(Pass(template="3001", barcode=Barcode(message="12345678")))


def test_utm_source_is_counted_per_channel(connect, emulator) -> None:
    wallet = connect(utm_source="website")
    wallet.create(SAMPLE)
    wallet.create(SAMPLE.model_copy(update={"extra": {"utm_source": "app"}}))
    wallet.create(SAMPLE)
    assert emulator.issued_by_channel == {("1919", "website"): 2, ("1919", "app"): 1}
    assert emulator.journal.last().query == {"utm_source": ["website"]}


def test_default_rate_limit_is_pass2us(wallet) -> None:
    assert wallet.default_rate_limit == RATE_LIMIT_PER_SECOND == 100
    limiter = wallet.transport.rate_limiter
    assert limiter is not None and limiter.rate == 100


def test_create_many_stays_under_the_vendor_rate(models, api_key) -> None:
    # The vendor counts arrivals in a sliding second, so the margin under its 10/s is what absorbs
    # requests that leave on schedule but arrive late (threads descheduled on a loaded machine):
    # at 6/s eleven arrivals in one second need ten slots (1.67 s) squeezed into it. Without the
    # limiter, sixteen requests four at a time are well over 10/s and get 429s.
    vendor_rate, rate, count = 10, 6, 16
    app = Pass2UEmulator(models=models, rate_limit=vendor_rate)
    with EmulatorServer(app) as server:
        wallet = walletpass.connect(
            "pass2u", base_url=server.url, api_key=api_key, rate_limit=rate, concurrency=4
        )
        started = time.monotonic()
        result = wallet.create_many([SAMPLE] * count)
        elapsed = time.monotonic() - started
        wallet.close()
    assert (result.total, result.succeeded) == (count, count)
    assert [e.status for e in app.journal] == [200] * count  # never a 429
    assert elapsed >= 0.9 * (count - 1) / rate  # the first at once, then a slot every 1/rate s
    assert len({p.id for p in result.passes}) == count


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
def test_a_model_id_with_a_line_break_is_refused_before_any_request(
    wallet, emulator, line_break: str
) -> None:
    def refusal(template: str) -> tuple[type, tuple[object, ...]]:
        with pytest.raises(ValidationError) as caught:
            wallet.create(Pass(template=template, holder=Holder(name="Ada")))
        return type(caught.value), caught.value.problems

    assert refusal("1919" + line_break) == refusal("19 19")
    assert refusal("19" + line_break + "19") == refusal("19 19")
    assert len(emulator.journal) == 0
