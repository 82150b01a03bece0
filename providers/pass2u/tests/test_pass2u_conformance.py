"""The conformance suite: pass2u through its emulator over HTTP, and the fake's pass2u profile."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from walletpass_pass2u import Pass2UProvider

import walletpass
from walletpass import Barcode, Holder, ImageRef, Pass, PassKind, PassUpdate
from walletpass.capabilities import Capability
from walletpass.fake import FakeProvider
from walletpass.model import ImageRole
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance

from .conftest import MODEL_ALIASES

SAMPLE = Pass(
    template="1919",
    kind=PassKind.MEMBERSHIP,
    holder=Holder(name="Ada Lovelace"),
    barcode=Barcode(message="A-1003", alt_text="A-1003"),
    fields={"level": "GOLD"},
)


#: Pass2U has no external id: the model's "birth" field keeps it (an alias of the model's own id,
#: which also states its QR symbology: one alias per vendor template), and the other seeded
#: models' aliases stating theirs.
TEMPLATES = {
    "1919": {"id": "1919", "attributes": {"external_id": "birth"}, "barcode_format": "qr"},
    **{name: alias for name, alias in MODEL_ALIASES.items() if alias["id"] != "1919"},
}
#: The template alias stating each symbology.
FORMAT_TEMPLATES = {"qr": "1919", "pdf417": "pdf417-model", "aztec": "aztec-model"}


def _examples(image: ImageRef) -> dict[Capability, Callable[[Pass], Pass]]:
    """Replacements for the suite's generic examples where Pass2U needs its own."""
    return {
        # Pass2U takes images by the hex an upload returned, not by URL.
        Capability.IMAGES: lambda p: p.model_copy(
            update={"images": {ImageRole.THUMBNAIL: image, ImageRole.ICON: image}}
        ),
        # groupingIdentifier exists on event tickets and boarding passes only.
        Capability.GROUP: lambda p: p.model_copy(
            update={
                "template": "3001",
                "kind": PassKind.EVENT_TICKET,
                "group": "conformance-group",
                "barcode": None,
            }
        ),
        # The symbology is the model's: each format on a model whose alias states it.
        **{
            Capability(f"barcode.{fmt}"): (
                lambda p, fmt=fmt: p.model_copy(
                    update={
                        "template": FORMAT_TEMPLATES.get(fmt, f"{fmt}-model"),
                        "barcode": Barcode(message="CONFORMANCE-1", format=fmt),
                    }
                )
            )
            for fmt in ("qr", "pdf417", "aztec", "code128")
        },
        # extra carries Pass2U's own attributes; unknown keys are refused like typos.
        Capability.EXTRA: lambda p: p.model_copy(
            update={"extra": {"sharingProhibited": True, "passcode": "1234", "maxDistance": 50}}
        ),
    }


class TestPass2UConformance(ProviderConformance):
    @pytest.fixture
    def conformance(self, connect, emulator, png) -> ConformanceSetup:
        wallet = connect(templates=TEMPLATES)
        image = wallet.upload_image(png(180, 180))
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(emulator.journal),
            update=PassUpdate(fields={"level": "DIAMOND"}),
            missing_id="1919.ZZ-000000000",
            examples=_examples(image),
        )


class TestPass2UFakeProfileConformance(ProviderConformance):
    """``connect("fake", profile="pass2u")`` passes the suite with a pass Pass2U would take."""

    @pytest.fixture
    def conformance(self) -> ConformanceSetup:
        wallet = walletpass.connect("fake", profile="pass2u", templates=TEMPLATES)
        assert isinstance(wallet, FakeProvider)
        # The vendor's declarations, except events (the fake delivers those in-process).
        assert {
            k: wallet.capabilities[k]
            for k in Pass2UProvider.capabilities
            if not k.startswith("events.")
        } == {k: v for k, v in Pass2UProvider.capabilities.items() if not k.startswith("events.")}
        image = ImageRef(id="0123456789abcdef0123456789abcdef01234567")
        return ConformanceSetup(
            wallet,
            SAMPLE,
            sent=lambda: len(wallet.calls),
            update=PassUpdate(fields={"level": "DIAMOND"}),
            missing_id="fp_0000000000000000",
            examples=_examples(image),
        )
