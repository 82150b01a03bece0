"""The conformance kit checks carriage, not just acceptance.

A plugin that declares ``holder.email``, ``expires_at`` and ``tier`` NATIVE and never sends them
is accepted by every "is it refused?" check; the kit must still fail it, naming each field. Its
honest twin, which sends them (in forms vendors use: split names, epoch seconds), passes; a
twin that changes their letter case does not. Both talk to a recording server over real HTTP on
127.0.0.1.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from walletpass import Holder, Pass, PassUpdate
from walletpass.capabilities import Capabilities, Capability, Declaration, native, none
from walletpass.contract import ListFilters, Page
from walletpass.errors import FieldProblem
from walletpass.event_types import PassEventType
from walletpass.events import PassEvent
from walletpass.model import Color, IssuedPass
from walletpass.provider import Provider
from walletpass.retry import Safety
from walletpass.testing.carriage import (
    Wire,
    has_amount,
    has_color,
    has_duration,
    has_instant,
    has_name,
    has_text,
    recording,
)
from walletpass.testing.conformance import ConformanceSetup, ProviderConformance
from walletpass.testing.emulator import (
    EmulatorApp,
    EmulatorRequest,
    EmulatorResponse,
    EmulatorServer,
    page_of,
    route,
)
from walletpass.testing.recording import DocumentedRoute, RecordingServer
from walletpass.transport import VendorRequest, VendorResponse

_IDS = itertools.count(1)

_DECLARED: dict[str, Declaration] = {
    Capability.CREATE: native("POST /v1/passes"),
    Capability.KIND_GENERIC: native("every pass"),
    Capability.GET: none("no read: keep the id"),
    Capability.HOLDER_NAME: native("name"),
    Capability.HOLDER_EMAIL: native("email"),
    Capability.EXPIRES_AT: native("expiry"),
    Capability.TIER: native("tier"),
    Capability.FIELDS: native("fields"),
}


class LeakyProvider(Provider):
    """Declares email, expiry and tier NATIVE; sends only the template, name and fields."""

    name: ClassVar[str] = "leaky"
    capabilities: ClassVar[Capabilities] = Capabilities(_DECLARED)

    def body(self, new_pass: Pass) -> dict[str, Any]:
        holder = new_pass.holder or Holder()
        return {"template": new_pass.template, "name": holder.name, "fields": new_pass.fields}

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "/v1/passes", Safety.UNSAFE, json=self.body(new_pass))

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        number = next(_IDS)
        return IssuedPass(id=f"lk_{number}", vendor_id=f"lk_{number}", provider=self.name)


class HonestProvider(LeakyProvider):
    """The same declarations, and it sends everything, in its own spellings."""

    name: ClassVar[str] = "honest"

    def body(self, new_pass: Pass) -> dict[str, Any]:
        holder = new_pass.holder or Holder()
        first, _, last = (holder.name or "").rpartition(" ")
        body: dict[str, Any] = {
            "template": new_pass.template,
            "customer": {"firstName": first, "lastName": last, "contact": holder.email},
            "fields": new_pass.fields,
            "level": new_pass.tier,
        }
        if new_pass.expires_at is not None:
            body["validUntil"] = int(new_pass.expires_at.timestamp())
        return body


SAMPLE = Pass(template="t1", holder=Holder(name="Ada Lovelace"), fields={"seat": "12B"})


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer([DocumentedRoute("POST", "/v1/passes", {"id": "x"}, 201)]) as running:
        yield running


def _setup(cls: type[Provider], server: RecordingServer) -> ConformanceSetup:
    provider = cls(base_url=server.url, api_key="carriage-key")
    return ConformanceSetup(provider, SAMPLE, sent=lambda: len(server.requests))


def test_a_plugin_that_drops_declared_fields_fails_the_kit(server: RecordingServer) -> None:
    setup = _setup(LeakyProvider, server)
    kit = ProviderConformance()
    kit.test_supported_features_are_accepted(setup)  # acceptance alone cannot tell
    with pytest.raises(AssertionError) as caught:
        kit.test_declared_fields_reach_the_wire(setup)
    report = str(caught.value)
    for dropped in ("holder.email", "expires_at", "tier"):
        assert f"{dropped}: declared NATIVE, but never sent" in report, report
    for carried in ("holder.name:", "fields:"):
        assert carried not in report, report
    assert server.requests, "the kit looked at real requests"


def test_the_same_plugin_sending_them_passes(server: RecordingServer) -> None:
    setup = _setup(HonestProvider, server)
    ProviderConformance().test_declared_fields_reach_the_wire(setup)


class Forgetful(HonestProvider):
    """Sends everything it declares, and can be read; its read keeps only the holder's name."""

    name: ClassVar[str] = "forgetful"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {**_DECLARED, Capability.GET: native("GET /v1/passes/{id}")}
    )

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", f"/v1/passes/{pass_id}", Safety.SAFE)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        customer = response.json()["customer"]
        name = " ".join(part for part in (customer["firstName"], customer["lastName"]) if part)
        return IssuedPass(
            id=pass_id, vendor_id=pass_id, provider=self.name, holder=Holder(name=name)
        )


class Remembering(Forgetful):
    """The same plugin, reading back everything readable that it sent."""

    name: ClassVar[str] = "remembering"

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        body = response.json()
        read = super().parse_get(response, pass_id)
        until = body.get("validUntil")
        return read.model_copy(
            update={
                "holder": Holder(
                    name=read.holder.name if read.holder else None,
                    email=body["customer"]["contact"],
                ),
                "fields": body["fields"] or {},
                "expires_at": None if until is None else datetime.fromtimestamp(until, UTC),
            }
        )


def _keeping_vendor(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Keeps the last pass written and answers every read with it, as a vendor stores a pass."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    _kept_count[0] += 1
    if environ["REQUEST_METHOD"] == "POST":
        _kept["body"] = environ["wsgi.input"].read(size)
        start_response("201 Created", [("Content-Type", "application/json")])
        return [b'{"id": "x"}']
    start_response("200 OK", [("Content-Type", "application/json")])
    return [_kept["body"]]


_kept: dict[str, bytes] = {}
_kept_count = [0]


def test_a_plugin_whose_read_drops_sent_fields_fails_the_kit() -> None:
    """Carriage is both ways: a readable field declared NATIVE and sent must come back on get()."""
    with EmulatorServer(_keeping_vendor) as server:

        def setup(cls: type[Provider]) -> ConformanceSetup:
            return ConformanceSetup(
                cls(base_url=server.url, api_key="carriage-key"),
                SAMPLE,
                sent=lambda: _kept_count[0],
            )

        kit = ProviderConformance()
        kit.test_declared_fields_reach_the_wire(setup(Forgetful))  # sending is not enough
        with pytest.raises(AssertionError) as caught:
            kit.test_readable_fields_come_back(setup(Forgetful))
        report = str(caught.value)
        for lost in ("holder.email", "expires_at", "fields"):
            assert f"{lost}: sent " in report, report
        assert "get() left it out" in report and "holder.name:" not in report, report
        kit.test_readable_fields_come_back(setup(Remembering))


def test_a_meta_key_the_plugin_does_not_declare_fails_the_kit(server: RecordingServer) -> None:
    class Chatty(HonestProvider):
        name: ClassVar[str] = "chatty"
        meta_keys: ClassVar[Mapping[str, str]] = {"queue": "the vendor's queue name"}

        def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
            issued = super().parse_create(response, new_pass)
            return issued.model_copy(update={"meta": {"queue": "q1", "shard": 7}})

    with pytest.raises(
        AssertionError, match=r"does not declare in meta_keys: 'shard' \(from create\)"
    ):
        ProviderConformance().test_meta_keys_are_declared(_setup(Chatty, server))
    Chatty.meta_keys = {**Chatty.meta_keys, "shard": "the vendor's shard number"}
    ProviderConformance().test_meta_keys_are_declared(_setup(Chatty, server))


class MuteUpdater(HonestProvider):
    """Declares update messages NATIVE, and sends only the fields of an update."""

    name: ClassVar[str] = "mute"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            **_DECLARED,
            Capability.UPDATE: native("PATCH /v1/passes/{id}"),
            Capability.UPDATE_MESSAGE: native("message"),
        }
    )

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        return VendorRequest(
            "PATCH", f"/v1/passes/{pass_id}", Safety.IDEMPOTENT, json={"fields": change.fields}
        )

    def parse_update(
        self, response: VendorResponse, pass_id: str, change: PassUpdate
    ) -> IssuedPass:
        return IssuedPass(id=pass_id, vendor_id=pass_id, provider=self.name)


def test_an_update_that_drops_its_message_fails_the_kit() -> None:
    routes = [
        DocumentedRoute("POST", "/v1/passes", {"id": "x"}, 201),
        DocumentedRoute("PATCH", "/v1/passes/.+", {}, 200),
    ]
    with RecordingServer(routes) as server:
        setup = _setup(MuteUpdater, server)
        setup.update = PassUpdate(fields={"seat": "14C"})
        with pytest.raises(AssertionError, match="never sent: update message 'Your pass changed'"):
            ProviderConformance().test_update_reaches_the_wire(setup)
        assert server.requests[-1].json() == {"fields": {"seat": "14C"}}


def test_a_template_fixed_part_is_not_looked_for(server: RecordingServer) -> None:
    """A part the vendor takes from the template (declared ``template_fixed``) need not be sent;
    any other barcode format must be."""

    class Fixed(LeakyProvider):
        name: ClassVar[str] = "fixed"
        capabilities: ClassVar[Capabilities] = Capabilities(
            {
                Capability.CREATE: native("POST"),
                Capability.KIND_GENERIC: native("every pass"),
                Capability.BARCODE_PDF417: native("message only"),
            }
        )

        def body(self, new_pass: Pass) -> dict[str, Any]:
            return {"message": new_pass.barcode.message if new_pass.barcode else None}

    setup = _setup(Fixed, server)
    setup.sample = Pass(template="t1")
    with pytest.raises(AssertionError, match=r"barcode.pdf417: .*barcode format 'pdf417'"):
        ProviderConformance().test_declared_fields_reach_the_wire(setup)

    class FixedByTemplate(Fixed):
        name: ClassVar[str] = "fixed-by-template"
        template_fixed: ClassVar[frozenset[str]] = frozenset({"barcode.format"})

    setup.provider = FixedByTemplate(
        base_url=server.url,
        api_key="carriage-key",
        templates={"t1": {"id": "t1", "barcode_format": "pdf417"}},
    )
    ProviderConformance().test_declared_fields_reach_the_wire(setup)


def test_recording_sees_what_the_transport_sends(server: RecordingServer) -> None:
    provider = HonestProvider(base_url=server.url, api_key="carriage-key")
    with recording(provider) as wire:
        provider.create(SAMPLE.model_copy(update={"tier": "gold"}))
    assert wire.requests == 1 == len(server.requests)
    assert has_text(wire, "gold") and has_name(wire, "Ada Lovelace")
    assert "firstName" in wire.keys
    with recording(provider) as again:
        pass
    assert again.requests == 0
    assert "send" not in vars(provider.transport), "the transport is left as it was"


# --------------------------------------------------------------------------------------------
# The forms a value may take on the wire
# --------------------------------------------------------------------------------------------


def _wire(*leaves: Any) -> Wire:
    wire = Wire()
    wire.add_json(list(leaves))
    return wire


moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@given(moments)
def test_an_instant_is_found_in_every_common_form(moment: datetime) -> None:
    paris = moment.astimezone(datetime.now().astimezone().tzinfo)
    for leaf in (
        moment.isoformat(),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        paris.isoformat(),
        int(moment.timestamp()),
        int(moment.timestamp()) * 1000,
        moment.strftime("%Y-%m-%d %H:%M:%S"),
    ):
        assert has_instant(_wire(leaf), moment), leaf


@given(moments, st.integers(min_value=1, max_value=10_000))
def test_another_instant_is_not_found(moment: datetime, minutes: int) -> None:
    other = moment + timedelta(minutes=minutes)
    assert not has_instant(_wire(other.isoformat(), int(other.timestamp())), moment)


def test_a_date_and_time_sent_apart_count_once_both_are_there() -> None:
    moment = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
    assert has_instant(_wire("Nov 6, 2026", "10:00am"), moment)
    assert not has_instant(_wire("Nov 6, 2026"), moment)
    assert not has_instant(_wire("10:00am"), moment)


@given(moments)
@example(datetime(2026, 12, 9, 0, 0, 33, tzinfo=UTC).replace(second=0))
@example(datetime(2026, 12, 9, 0, 5, tzinfo=UTC))
@example(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
def test_a_date_and_time_sent_apart_are_found_at_any_time_of_day(moment: datetime) -> None:
    # Midnight's minute too ("12:00am", "00:00"): a time of day read as 00:00 was taken for a
    # date's own (a date alone parses as midnight), so an event starting in the first minute of
    # a day was reported "never sent" (the LivePass conformance run at 00:00:33 UTC failed).
    day = moment.strftime("%b %d, %Y")
    clock = f"{moment.hour % 12 or 12}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'}"
    for time_of_day in (clock, moment.strftime("%H:%M")):
        assert has_instant(_wire(day, time_of_day), moment), time_of_day
    if moment.hour or moment.minute:  # (a date alone reads as its midnight: that one is it)
        assert not has_instant(_wire(day), moment)
        later = (moment + timedelta(minutes=1)).strftime("%H:%M")
        assert not has_instant(_wire(day, later), moment)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_an_amount_is_found_as_number_text_or_minor_units(amount: Decimal) -> None:
    for leaf in (float(amount), str(amount), int(amount * 100)):
        assert has_amount(_wire(leaf), amount)


@given(st.tuples(*[st.integers(0, 255)] * 3))
def test_a_colour_is_found_in_hex_or_css(rgb: tuple[int, int, int]) -> None:
    color = Color(*rgb)
    for leaf in (color.hex, color.hex.upper(), color.hex[1:], color.css_rgb):
        assert has_color(_wire(leaf), color)
    other = Color(*((c + 1) % 256 for c in rgb))
    assert not has_color(_wire(other.hex, other.css_rgb), color)


def test_short_codes_must_be_whole_values() -> None:
    assert has_text(_wire("en"), "en") and has_text(_wire("en-GB"), "en")
    assert not has_text(_wire("generic event"), "en")
    assert has_text(_wire("EUR"), "eur") and not has_text(_wire("EURO-zone"), "EUR")


def test_a_duration_is_found_in_seconds_minutes_or_text() -> None:
    two_hours = timedelta(hours=2)
    for leaf in (7200, 120, "120min", "PT2H"):
        assert has_duration(_wire(leaf), two_hours), leaf
    assert not has_duration(_wire(60, "1200min"), two_hours)


class FullUpdater(MuteUpdater):
    """Sends every part of an update it accepts, as on create."""

    name: ClassVar[str] = "full-updater"

    def build_update(self, pass_id: str, change: PassUpdate) -> VendorRequest:
        holder = change.holder or Holder()
        first, _, last = (holder.name or "").rpartition(" ")
        body: dict[str, Any] = {
            "customer": {"firstName": first, "lastName": last, "contact": holder.email},
            "fields": change.fields,
            "level": change.tier,
            "message": change.message,
        }
        if change.expires_at is not None:
            body["validUntil"] = int(change.expires_at.timestamp())
        return VendorRequest("PATCH", f"/v1/passes/{pass_id}", Safety.IDEMPOTENT, json=body)


class HolderFixedUpdater(FullUpdater):
    """Cannot change the holder after issue, and says so before sending."""

    name: ClassVar[str] = "holder-fixed"

    def check(
        self, request: VendorRequest | None, subject: Pass | PassUpdate
    ) -> list[FieldProblem]:
        if isinstance(subject, PassUpdate) and subject.holder is not None:
            return [FieldProblem("holder", "the holder is fixed when the pass is issued")]
        return []


def test_an_update_that_sends_parts_only_on_create_fails_the_kit() -> None:
    """An update accepting a declared part must send it: MuteUpdater sends an update's fields
    and drops its holder, expiry and tier; a provider that refuses a part before sending, or
    sends it, passes."""
    routes = [
        DocumentedRoute("POST", "/v1/passes", {"id": "x"}, 201),
        DocumentedRoute("PATCH", "/v1/passes/.+", {}, 200),
    ]
    with RecordingServer(routes) as server:
        kit = ProviderConformance()
        with pytest.raises(AssertionError) as caught:
            kit.test_updated_fields_reach_the_wire(_setup(MuteUpdater, server))
        report = str(caught.value)
        for dropped in ("holder.name", "holder.email", "expires_at", "tier"):
            assert f"{dropped}: update accepted, but never sent" in report, report
        assert "fields:" not in report, report
        kit.test_updated_fields_reach_the_wire(_setup(FullUpdater, server))
        sent = len(server.requests)
        kit.test_updated_fields_reach_the_wire(_setup(HolderFixedUpdater, server))
        patched = [r for r in server.requests[sent:] if r.method == "PATCH"]
        assert patched and all(r.json()["customer"]["contact"] is None for r in patched)


class Recased(HonestProvider):
    """Sends every declared part, the holder's name in capitals and the tier in small letters."""

    name: ClassVar[str] = "recased"

    def body(self, new_pass: Pass) -> dict[str, Any]:
        body = super().body(new_pass)
        body["customer"] = {
            key: value.upper() if key != "contact" and value else value
            for key, value in body["customer"].items()
        }
        body["level"] = new_pass.tier.lower() if new_pass.tier else None
        return body


class LocalAsUtc(HonestProvider):
    """Sends the expiry's wall time labelled UTC: the offset dropped, another instant."""

    name: ClassVar[str] = "local-as-utc"

    def body(self, new_pass: Pass) -> dict[str, Any]:
        body = super().body(new_pass)
        if new_pass.expires_at is not None:
            wall = new_pass.expires_at.replace(tzinfo=None)
            body["validUntil"] = wall.isoformat() + "Z"
        return body


def test_a_plugin_that_changes_a_value_on_the_way_fails_the_kit(server: RecordingServer) -> None:
    """Letter case is data (a name, a tier as shown); an instant is the instant, whatever its
    offset: the kit's examples carry a non-UTC offset, so dropping it sends another moment."""
    kit = ProviderConformance()
    with pytest.raises(AssertionError) as caught:
        kit.test_declared_fields_reach_the_wire(_setup(Recased, server))
    report = str(caught.value)
    assert "holder.name: declared NATIVE, but never sent" in report, report
    assert "tier: declared NATIVE, but never sent" in report, report
    with pytest.raises(AssertionError, match="expires_at: declared NATIVE, but never sent"):
        kit.test_declared_fields_reach_the_wire(_setup(LocalAsUtc, server))


class RecasedReader(Remembering):
    """Reads the holder's name back in small letters."""

    name: ClassVar[str] = "recased-reader"

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        read = super().parse_get(response, pass_id)
        assert read.holder is not None and read.holder.name is not None
        holder = read.holder.model_copy(update={"name": read.holder.name.lower()})
        return read.model_copy(update={"holder": holder})


def test_a_read_in_other_letters_fails_the_kit() -> None:
    with EmulatorServer(_keeping_vendor) as server:
        setup = ConformanceSetup(
            RecasedReader(base_url=server.url, api_key="carriage-key"),
            SAMPLE,
            sent=lambda: _kept_count[0],
        )
        with pytest.raises(
            AssertionError, match=re.escape("holder.name: sent 'Grace Hopper', get")
        ):
            ProviderConformance().test_readable_fields_come_back(setup)


@given(st.text(min_size=4, max_size=40).filter(lambda t: t not in t.swapcase()))
def test_a_text_is_found_letter_for_letter(value: str) -> None:
    assert has_text(_wire(f"<{value}>"), value)
    assert not has_text(_wire(value.swapcase()), value)


def test_a_vendor_refusal_of_an_update_that_left_the_part_out_fails_the_kit() -> None:
    """A refusal is the vendor's answer to what was sent: MuteUpdater's update carries no holder
    and the vendor refuses it (400, "nothing to change"); that is not the vendor refusing the
    holder, and the kit says so. A refused request that carried the part passes."""
    routes = [
        DocumentedRoute("POST", "/v1/passes", {"id": "x"}, 201),
        DocumentedRoute("PATCH", "/v1/passes/.+", {"message": "nothing to change"}, 400),
    ]
    with RecordingServer(routes) as server:
        kit = ProviderConformance()
        with pytest.raises(AssertionError) as caught:
            kit.test_updated_fields_reach_the_wire(_setup(MuteUpdater, server))
        report = str(caught.value)
        for dropped in ("holder.name", "holder.email", "expires_at", "tier"):
            assert f"{dropped}: the vendor refused an update that never sent" in report, report
        kit.test_updated_fields_reach_the_wire(_setup(FullUpdater, server))


class _Shelf(EmulatorApp):
    """Creates passes and lists them in pages of ``size`` (``?size=``, ``?page=``)."""

    prefix = "/v1"

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    @route("POST", "/passes")
    def create(self, request: EmulatorRequest) -> EmulatorResponse:
        self.ids.append(f"sh_{len(self.ids) + 1}")
        return EmulatorResponse.json_body({"id": self.ids[-1]}, 201)

    @route("GET", "/passes")
    def listing(self, request: EmulatorRequest) -> EmulatorResponse:
        number, size = request.int_arg("page", 1), request.int_arg("size", 100)
        items, pages = page_of(self.ids, number, size)
        return EmulatorResponse.json_body({"ids": items, "more": number < pages})


class PagingProvider(HonestProvider):
    """Lists passes page by page, following the vendor's ``more``."""

    name: ClassVar[str] = "paging"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {**_DECLARED, Capability.LIST: native("GET /v1/passes?page=&size=")}
    )

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        number = response.json()["id"]
        return IssuedPass(id=number, vendor_id=number, provider=self.name)

    def build_list(self, filters: ListFilters) -> VendorRequest:
        return self._page(filters, 1)

    def _page(self, filters: ListFilters, number: int) -> VendorRequest:
        query = {"page": number, "size": filters.page_size or 100}
        return VendorRequest("GET", "/v1/passes", Safety.SAFE, query=query)

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        body = response.json()
        items = [IssuedPass(id=i, vendor_id=i, provider=self.name) for i in body["ids"]]
        if not body["more"]:
            return Page(items)
        number = int(dict(response.request.query or {})["page"]) + 1
        return Page(items, self._page(filters, number))


class FirstPageOnly(PagingProvider):
    """Reads the first page and never asks for the next."""

    name: ClassVar[str] = "first-page-only"

    def parse_list(self, response: VendorResponse, filters: ListFilters) -> Page:
        return Page(super().parse_list(response, filters).items)


def test_a_list_that_reads_only_its_first_page_fails_the_kit() -> None:
    """With the vendor's default of 100 a page, one created pass is on the first page whatever
    the provider does with the next; the kit asks for small pages."""
    app = _Shelf()
    with EmulatorServer(app) as server:

        def setup(cls: type[Provider]) -> ConformanceSetup:
            provider = cls(base_url=server.url, api_key="carriage-key")
            return ConformanceSetup(provider, SAMPLE, sent=lambda: len(app.journal))

        kit = ProviderConformance()
        with pytest.raises(AssertionError, match=r"list\(page_size=1\) left out \['sh_2'"):
            kit.test_list(setup(FirstPageOnly))
        kit.test_list(setup(PagingProvider))


class CentsProvider(HonestProvider):
    """Declares a balance NATIVE and sends it in minor units."""

    name: ClassVar[str] = "cents"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {**_DECLARED, Capability.BALANCE: native("balance, in cents")}
    )

    def amount(self, value: Decimal) -> int | str:
        return int(value * 100)

    def body(self, new_pass: Pass) -> dict[str, Any]:
        body = super().body(new_pass)
        if new_pass.balance is not None:
            body["balance"] = {
                "value": self.amount(new_pass.balance.amount),
                "currency": new_pass.balance.currency,
            }
        return body


class WholeUnits(CentsProvider):
    """Sends the balance rounded to whole units."""

    name: ClassVar[str] = "whole-units"

    def amount(self, value: Decimal) -> int | str:
        return str(round(value))


def test_a_rounded_amount_fails_the_kit(server: RecordingServer) -> None:
    """The kit's balance has cents of its own (12.34): rounded to 12 it is another amount."""
    kit = ProviderConformance()
    with pytest.raises(AssertionError, match=r"balance: declared NATIVE, but never sent: balance"):
        kit.test_declared_fields_reach_the_wire(_setup(WholeUnits, server))
    kit.test_declared_fields_reach_the_wire(_setup(CentsProvider, server))


class DeafListener(HonestProvider):
    """Declares that it receives webhooks, and implements none of it."""

    name: ClassVar[str] = "deaf"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {**_DECLARED, Capability.EVENTS_RECEIVE: native("POST to your URL, HMAC signed")}
    )


class Listener(DeafListener):
    name: ClassVar[str] = "listener"
    event_types: ClassVar[tuple[PassEventType, ...]] = (PassEventType.INSTALLED,)

    def events_from_delivery(self, headers: Mapping[str, str], payload: Any) -> list[PassEvent]:
        return [
            PassEvent(
                type=PassEventType.INSTALLED,
                pass_id=payload["id"],
                provider=self.name,
                occurred_at=datetime.now(UTC),
                vendor_event="installed",
            )
        ]


def test_a_plugin_declaring_webhooks_it_cannot_read_fails_the_kit(server: RecordingServer) -> None:
    """No delivery reaches these hooks in the kit (it cannot sign as the vendor does): the
    declaration itself is checked. Without event_types, or without events_from_delivery, every
    delivery would be refused."""
    kit = ProviderConformance()
    with pytest.raises(AssertionError, match=r"declares events\.receive but no event_types"):
        kit.test_declarations_are_well_formed(_setup(DeafListener, server))
    DeafListener.event_types = (PassEventType.INSTALLED,)
    try:
        with pytest.raises(AssertionError, match="does not implement events_from_delivery"):
            kit.test_declarations_are_well_formed(_setup(DeafListener, server))
    finally:
        del DeafListener.event_types
    kit.test_declarations_are_well_formed(_setup(Listener, server))


class OtherTemplateReader(Remembering):
    """Reports the template on create, and its read takes the template from another member."""

    name: ClassVar[str] = "other-template"

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        issued = super().parse_create(response, new_pass)
        return issued.model_copy(update={"template": new_pass.template})

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        read = super().parse_get(response, pass_id)
        return read.model_copy(update={"template": response.json()["fields"]["seat"]})


def test_a_read_reporting_another_template_fails_the_kit() -> None:
    with EmulatorServer(_keeping_vendor) as server:
        setup = ConformanceSetup(
            OtherTemplateReader(base_url=server.url, api_key="carriage-key"),
            SAMPLE,
            sent=lambda: _kept_count[0],
        )
        with pytest.raises(AssertionError, match="get\\(\\) reports template '12B', create"):
            ProviderConformance().test_create_then_get(setup)
