"""Vendor-only operations are declared once, where they are written (``@vendor_operation``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest

from walletpass import Capabilities, Capability, ValidationError, WalletPassError, native
from walletpass.provider import Provider, vendor_operation
from walletpass.registry import load_provider_class


class Base(Provider):
    name: ClassVar[str] = "ops-base"
    capabilities: ClassVar[Capabilities] = Capabilities({Capability.CREATE: native("POST")})

    @vendor_operation(native("POST /stamps"))
    def stamp(self, pass_id: str) -> str:
        return self.check_pass_id(pass_id)


class Vendor(Base):
    name: ClassVar[str] = "ops-vendor"
    # Re-declared in the subclass body, as providers do: the marks still join it.
    capabilities: ClassVar[Capabilities] = Capabilities({Capability.CREATE: native("POST")})

    @vendor_operation(native("GET /balance"))
    def points_left(self, pass_id: str) -> int:
        raise KeyError("points")  # a bug in the method: never escapes as a KeyError

    @vendor_operation(native("GET /things, paged"))
    def things(self) -> Iterator[int]:
        yield 1
        raise ValueError("page 2 unreadable")


def test_the_mark_registers_the_name_and_declaration_once() -> None:
    assert Vendor.extra_operations == ("stamp", "points_left", "things")
    assert Vendor.capabilities["points_left"].note == "GET /balance"
    assert Vendor.capabilities["stamp"].note == "POST /stamps"
    assert Vendor.capabilities[Capability.CREATE].note == "POST"
    assert Base.extra_operations == ("stamp",)
    assert "points_left" not in Base.capabilities


def test_input_is_checked_the_public_way() -> None:
    with pytest.raises(ValidationError) as caught:
        Vendor().stamp("has spaces")
    assert "pass_id" in caught.value.fields
    assert caught.value.operation == "stamp" and caught.value.provider == "ops-vendor"
    assert Vendor().stamp("p-1") == "p-1"


def test_only_walletpass_errors_escape_naming_the_operation() -> None:
    with pytest.raises(WalletPassError) as caught:
        Vendor().points_left("p-1")
    assert type(caught.value) is WalletPassError
    assert caught.value.operation == "points_left" and "KeyError" in str(caught.value)


def test_a_lazy_listing_is_guarded_while_it_is_iterated() -> None:
    items = Vendor().things()
    assert next(items) == 1
    with pytest.raises(WalletPassError) as caught:
        next(items)
    assert caught.value.operation == "things" and "ValueError" in str(caught.value)


def test_a_neutral_capability_name_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="redeem"):

        class Clash(Provider):
            name: ClassVar[str] = "ops-clash"

            @vendor_operation(native("POST /redeem"))
            def redeem(self, pass_id: str) -> None:  # type: ignore[override]
                return None


def test_an_operation_declared_none_is_refused_where_it_is_written() -> None:
    """Declared NONE, the method ran on every call while the matrix, the CLI and the fake's
    profile said the vendor cannot do it (before: ``stamp()`` returned its result)."""
    from walletpass.capabilities import none

    with pytest.raises(ValueError, match=r"not NONE .*'use the dashboard'"):

        class Dishonest(Provider):
            name: ClassVar[str] = "ops-dishonest"

            @vendor_operation(none("use the dashboard"))
            def stamp(self, pass_id: str) -> str:
                return "ran"


def test_a_listing_mark_on_a_method_that_returns_its_items_is_refused_at_once() -> None:
    """listing=True marks a listing's plan; on a method returning a list every call failed
    with 'unexpected TypeError: list object is not an iterator' (before), never at import."""
    with pytest.raises(TypeError, match="things: listing=True marks a listing's plan"):

        class Eager(Provider):
            name: ClassVar[str] = "ops-eager"

            @vendor_operation(native("GET /things"), listing=True)  # type: ignore[arg-type]
            def things(self) -> list[int]:
                return [1]


@pytest.mark.parametrize("vendor", ["pass2u", "passentry", "livepasses"])
def test_every_shipped_vendor_operation_is_a_declared_method(vendor: str) -> None:
    cls = load_provider_class(vendor)
    assert cls.extra_operations, vendor
    assert len(set(cls.extra_operations)) == len(cls.extra_operations)
    for name in cls.extra_operations:
        assert callable(getattr(cls, name)), name
        assert cls.capabilities[name].note != "not declared by this provider", name
