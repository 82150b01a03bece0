"""The conformance suite: one behavioural test class every provider passes.

A provider's test module subclasses :class:`ProviderConformance` and supplies one fixture,
``conformance``, returning a :class:`ConformanceSetup`: a connected provider (for a vendor, pointed
at its emulator), a pass that vendor can issue, and a way to count requests the vendor received.
The suite then checks the provider's declarations against its behaviour:

* every NATIVE or EMULATED operation works end to end (create, get, update, redeem, delete, list,
  create_many), and every supported field is accepted;
* every field declared NATIVE or EMULATED reaches the vendor: the kit records the requests of a
  create that uses it and finds the value on the wire, in any form vendors use
  (:mod:`walletpass.testing.carriage`); fields the neutral read models come back on ``get()``,
  except those the provider's behaviour declares unread on get, which must be left out entirely;
* every NONE operation raises ``UnsupportedOperation`` naming the provider, and every NONE field
  raises ``UnsupportedFeature`` (strict) or warns and is dropped (lenient) — before any request;
* declared limits and neutral validation refuse bad input before any request.

>>> class TestAcmeConformance(ProviderConformance):
...     @pytest.fixture
...     def conformance(self, acme_emulator):
...         wallet = walletpass.connect("acme", base_url=acme_emulator.url, api_key="k")
...         journal = acme_emulator.app.journal
...         return ConformanceSetup(wallet, Pass(template="t1"), sent=lambda: len(journal))
"""

from __future__ import annotations

import dataclasses
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from walletpass.capabilities import CORE_OPERATIONS, Capability, Support
from walletpass.errors import (
    NotFound,
    NotUsedUp,
    UnsupportedFeature,
    UnsupportedFeatureWarning,
    UnsupportedOperation,
    ValidationError,
    WalletPassError,
)
from walletpass.event_contract import EventOperations
from walletpass.features import NEVER_LENIENT
from walletpass.model import (
    Balance,
    Barcode,
    BarcodeFormat,
    Beacon,
    Colors,
    Event,
    Holder,
    ImageRef,
    ImageRole,
    IssuedPass,
    Location,
    Nfc,
    Pass,
    PassField,
    PassKind,
    PassStatus,
    PassUpdate,
)
from walletpass.provider import Provider
from walletpass.readback import READ_BACK_FAILED
from walletpass.redemption import NOT_USED_UP_KINDS
from walletpass.settings import ProviderSettings
from walletpass.testing.carriage import expectations, recording, update_expectations

__all__ = ["FEATURE_EXAMPLES", "ConformanceSetup", "ProviderConformance"]

Example = Callable[[Pass], Pass]


@dataclass
class ConformanceSetup:
    """What a provider's test module hands the suite."""

    #: A connected provider; for a vendor, pointed at its emulator.
    provider: Provider
    #: A pass this provider can issue, using only features it supports, without an
    #: ``external_id``: the suite issues it many times, and a vendor keeps one pass per external
    #: id (the suite checks ``external_id`` with a fresh one per pass where it is declared).
    sample: Pass
    #: How many requests the vendor has received so far (the emulator's journal length).
    sent: Callable[[], int]
    #: An update this provider can apply to ``sample`` (default: change the first field).
    update: PassUpdate | None = None
    #: A well-formed id of a pass that does not exist (default: none is tried).
    missing_id: str | None = None
    #: Per-feature replacements for :data:`FEATURE_EXAMPLES` (e.g. images by uploaded id).
    examples: Mapping[Capability, Example] = field(default_factory=dict)
    #: Builds the same provider in lenient mode (default: same settings with strict=False).
    lenient: Callable[[], Provider] | None = None

    def __post_init__(self) -> None:
        # Refused here, not met as a Conflict from the second create of some test: on a vendor
        # (or the fake's profile) that keeps one pass per external id, every test that issues
        # the sample twice would fail for a reason that is the setup's, not the provider's.
        if self.sample.external_id is not None:
            raise ValueError(
                f"ConformanceSetup.sample has external_id {self.sample.external_id!r}: the "
                "suite issues the sample many times, and a vendor keeps one pass per external "
                "id; leave it out (external_id is checked with a fresh one per pass)"
            )

    def example(self, capability: Capability) -> Example | None:
        return self.examples.get(capability) or FEATURE_EXAMPLES.get(capability)

    def make_update(self) -> PassUpdate:
        if self.update is not None:
            return self.update
        if self.sample.fields:
            key = next(iter(self.sample.fields))
            return PassUpdate(fields={key: "changed by conformance"})
        return PassUpdate(description="changed by conformance")

    def make_lenient(self) -> Provider:
        if self.lenient is not None:
            return self.lenient()
        settings: ProviderSettings = self.provider.settings.model_copy(update={"strict": False})
        return type(self.provider)(settings)


#: The examples' moments carry an offset other than UTC's, so that a provider sending the wall
#: time as UTC (the offset dropped, or ``Z`` written after local digits), or reading it back so,
#: puts another instant on the wire and fails; with UTC moments both are the same text.
EXAMPLE_ZONE = timezone(timedelta(hours=5, minutes=30))


def _later(days: int) -> datetime:
    return datetime.now(EXAMPLE_ZONE).replace(microsecond=0) + timedelta(days=days)


def _with_holder(**values: str) -> Example:
    def build(base: Pass) -> Pass:
        holder = base.holder or Holder()
        return base.model_copy(update={"holder": holder.model_copy(update=values)})

    return build


def _with_fields(value: Any) -> Example:
    return lambda base: base.model_copy(
        update={"fields": {**(base.fields or {}), "conformance": value}}
    )


def _with(**values: Any) -> Example:
    return lambda base: base.model_copy(update=values)


def _with_barcode(fmt: BarcodeFormat, alt_text: str | None = None) -> Example:
    def build(base: Pass) -> Pass:
        message = base.barcode.message if base.barcode else "CONFORMANCE-1"
        return base.model_copy(
            update={"barcode": Barcode(message=message, format=fmt, alt_text=alt_text)}
        )

    return build


def _alt_text(base: Pass) -> Pass:
    # Only the alt text is added: a format the sample leaves to its template stays unnamed.
    if base.barcode is not None:
        return base.model_copy(
            update={"barcode": base.barcode.model_copy(update={"alt_text": "CONFORMANCE"})}
        )
    return base.model_copy(
        update={"barcode": Barcode(message="CONFORMANCE-1", alt_text="CONFORMANCE")}
    )


def _location(**values: Any) -> Example:
    return _with(locations=[Location(latitude=48.8584, longitude=2.2945, **values)])


def _beacon(**values: Any) -> Example:
    return _with(
        beacons=[
            Beacon(
                proximity_uuid=uuid.UUID("e2c56db5-dffb-48d2-b060-d0f5a71096e0"),
                major=1,
                minor=2,
                **values,
            )
        ]
    )


def _event(**values: Any) -> Example:
    return _with(event=Event(**values))


#: For every neutral field capability, a way to make a pass that uses it (and nothing else new).
#: The values are distinctive, so that finding one on the wire means it was sent for that field.
FEATURE_EXAMPLES: dict[Capability, Example] = {
    **{
        Capability(f"kind.{kind.value}"): _with(kind=kind)
        for kind in PassKind
        if f"kind.{kind.value}" in Capability._value2member_map_
    },
    Capability.EXTERNAL_ID: lambda base: base.model_copy(
        update={"external_id": f"conformance-{uuid.uuid4().hex[:12]}"}
    ),
    Capability.HOLDER_NAME: _with_holder(name="Grace Hopper"),
    Capability.HOLDER_EMAIL: _with_holder(email="grace.hopper@example.com"),
    Capability.HOLDER_PHONE: _with_holder(phone="+44 20 7946 0018"),
    Capability.HOLDER_LANGUAGE: _with_holder(language="en"),
    Capability.FIELDS: _with_fields("1"),
    Capability.FIELD_LABELS: _with_fields(PassField(value="1", label="Conformance")),
    Capability.BARCODE_QR: _with_barcode(BarcodeFormat.QR),
    Capability.BARCODE_PDF417: _with_barcode(BarcodeFormat.PDF417),
    Capability.BARCODE_AZTEC: _with_barcode(BarcodeFormat.AZTEC),
    Capability.BARCODE_CODE128: _with_barcode(BarcodeFormat.CODE128),
    Capability.BARCODE_ALT_TEXT: _alt_text,
    Capability.LOCATIONS: _location(),
    Capability.LOCATION_ALTITUDE: _location(altitude=35.0),
    Capability.LOCATION_RADIUS: _location(radius=100.0),
    Capability.LOCATION_RELEVANT_TEXT: _location(relevant_text="You are near the tower"),
    Capability.LOCATION_NAME: _location(name="Eiffel Tower"),
    Capability.LOCATION_ADDRESS: _location(address="Champ de Mars, Paris"),
    Capability.LOCATION_URL: _location(url="https://example.com/tower"),
    Capability.BEACONS: _beacon(),
    Capability.BEACON_RELEVANT_TEXT: _beacon(relevant_text="Welcome"),
    Capability.BEACON_NAME: _beacon(name="Door"),
    Capability.RELEVANT_AT: _with(relevant_at=_later(3)),
    Capability.EXPIRES_AT: _with(expires_at=_later(30)),
    Capability.COLOR_BACKGROUND: _with(colors=Colors.model_validate({"background": "#112233"})),
    Capability.COLOR_FOREGROUND: _with(colors=Colors.model_validate({"foreground": "#ffffff"})),
    Capability.COLOR_LABEL: _with(colors=Colors.model_validate({"label": "rgb(200, 100, 0)"})),
    Capability.LOGO_TEXT: _with(logo_text="Conformance"),
    Capability.DESCRIPTION: _with(description="A conformance test pass"),
    Capability.ORGANIZATION_NAME: _with(organization_name="walletpass"),
    Capability.IMAGES: _with(images={ImageRole.LOGO: ImageRef(url="https://example.com/l.png")}),
    Capability.GROUP: _with(group="conformance-group"),
    Capability.NFC: _with(nfc=Nfc(message="conformance")),
    # (cents of their own: a provider that rounds to whole units sends another amount)
    Capability.BALANCE: _with(balance=Balance(amount=Decimal("12.34"), currency="EUR")),
    Capability.TIER: _with(tier="Platinum Conformance"),
    Capability.EVENT_TITLE: _event(title="Conformance Live"),
    Capability.EVENT_STARTS_AT: _event(starts_at=_later(7)),
    Capability.EVENT_DURATION: _event(duration=timedelta(hours=2)),
    Capability.EVENT_URL: _event(url="https://example.com/event"),
    Capability.EXTRA: _with(extra={"conformance": True}),
}

#: Updates that use an update-only capability.
UPDATE_EXAMPLES: dict[Capability, Callable[[PassUpdate], PassUpdate]] = {
    Capability.UPDATE_MESSAGE: lambda base: base.model_copy(
        update={"message": "Your pass changed"}, deep=True
    ),
    Capability.UPDATE_NOTIFY: lambda base: base.model_copy(update={"notify": True}, deep=True),
}


def _fields_of(read: Pass | IssuedPass) -> dict[str, str] | None:
    fields = read.fields or {}
    plain = {
        key: str(value.value if isinstance(value, PassField) else value)
        for key, value in fields.items()
    }
    return plain or None


def _barcode_message(read: Pass | IssuedPass) -> str | None:
    return read.barcode.message if read.barcode else None


def _same(wrote: Any, back: Any) -> bool:
    if isinstance(wrote, dict):
        # the read may carry more fields (template defaults, attribute homes): the written ones
        # must be among them, with the same text
        return isinstance(back, dict) and all(
            str(back.get(key)) == value for key, value in wrote.items()
        )
    if isinstance(wrote, datetime) and isinstance(back, datetime):
        return wrote == back
    if isinstance(wrote, str) and isinstance(back, str):
        # letter for letter (a barcode message, an id, a name), but a code (a language) in
        # either case
        return wrote == back or (len(wrote) <= 3 and wrote.casefold() == back.casefold())
    return bool(wrote == back)


#: ``IssuedPass.meta`` keys the core adds for any provider.
CORE_META_KEYS = frozenset({READ_BACK_FAILED})

#: The part of :data:`walletpass.behaviour.READABLE_PARTS` a field capability is read back as.
_READ_PART: dict[Capability, str] = {
    Capability(f"barcode.{fmt.value}"): "barcode"
    for fmt in BarcodeFormat
    if f"barcode.{fmt.value}" in Capability._value2member_map_
}

#: The fields the neutral read (:class:`~walletpass.model.IssuedPass`) models, and how to take
#: each from a pass written or read.
READ_BACK: dict[Capability, Callable[[Pass | IssuedPass], Any]] = {
    Capability.EXTERNAL_ID: lambda p: p.external_id,
    Capability.HOLDER_NAME: lambda p: p.holder.name if p.holder else None,
    Capability.HOLDER_EMAIL: lambda p: p.holder.email if p.holder else None,
    Capability.HOLDER_PHONE: lambda p: p.holder.phone if p.holder else None,
    Capability.HOLDER_LANGUAGE: lambda p: p.holder.language if p.holder else None,
    Capability.FIELDS: _fields_of,
    **{
        Capability(f"barcode.{fmt.value}"): _barcode_message
        for fmt in BarcodeFormat
        if f"barcode.{fmt.value}" in Capability._value2member_map_
    },
    Capability.BALANCE: lambda p: p.balance.amount if p.balance else None,
    Capability.EXPIRES_AT: lambda p: p.expires_at,
}

_FIELD_CAPS = [
    c
    for c in Capability
    if not c.is_operation and not c.is_event and c not in (Capability.UPDATE_CLEAR,)
]


def _declared_field_examples(conformance: ConformanceSetup) -> Iterator[tuple[Capability, Pass]]:
    """Each field of the ``fields`` group the provider supports that the kit has an example
    for, with the sample pass carrying that example (what the carriage checks send)."""
    supports = conformance.provider.capabilities.supports
    for cap in _FIELD_CAPS:
        example = conformance.example(cap)
        if cap.group_name == "fields" and example is not None and supports(cap):
            yield cap, example(conformance.sample)


def _operation_call(provider: Provider, operation: Capability, sample: Pass) -> Any:
    """Call ``operation`` with plausible arguments (the id need not exist: nothing may be sent)."""
    pass_id = "conformance-missing-id"
    calls: dict[Capability, Callable[[], Any]] = {
        Capability.CREATE: lambda: provider.create(sample),
        Capability.GET: lambda: provider.get(pass_id),
        Capability.UPDATE: lambda: provider.update(pass_id, PassUpdate(description="x")),
        Capability.REDEEM: lambda: provider.redeem(pass_id),
        Capability.DELETE: lambda: provider.delete(pass_id),
        Capability.LIST: provider.list,
        Capability.CREATE_MANY: lambda: provider.create_many([sample, sample]),
    }
    return calls[operation]()


#: Tests of class-level declarations: the same on both APIs, run once.
_DECLARATIONS_ONLY = frozenset({"test_declarations_are_well_formed", "test_meta_keys_are_declared"})


class ProviderConformance:
    """Subclass in a ``test_*.py`` module and define the ``conformance`` fixture.

    Every test runs twice: on the sync API (``[sync]``) and on the async API (``[async]``:
    ``walletpass.aio``, the provider unchanged behind an :class:`~walletpass.aio.AsyncProvider`;
    skipped where the async extra is not installed).
    """

    @pytest.fixture(autouse=True, params=["sync", "async"])
    def _api(self, request: pytest.FixtureRequest, conformance: ConformanceSetup) -> Iterator[None]:
        """On the async API, the setup's provider (and its lenient twin) is the async provider
        composing it, called the sync way (:class:`walletpass.testing.aio.BlockingProvider`)."""
        if request.param == "sync":
            yield
            return
        if request.function.__name__ in _DECLARATIONS_ONLY:
            pytest.skip("class-level declarations: the same on both APIs")
        try:
            from walletpass.testing.aio import on_async_api
        except ImportError:
            pytest.skip("the async API needs walletpass[async]")
        on_sync = dataclasses.replace(conformance)
        bridge = on_async_api(on_sync.provider)
        made = [bridge]

        def lenient() -> Any:
            made.append(on_async_api(on_sync.make_lenient()))
            return made[-1]

        conformance.provider = bridge
        conformance.lenient = lenient
        try:
            yield
        finally:
            for wallet in made:
                wallet.close()

    # -- declarations ----------------------------------------------------------------------

    def test_declarations_are_well_formed(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        cls = type(provider)
        assert cls.name and cls.name == provider.name
        assert issubclass(cls.Settings, ProviderSettings)
        known = {c.value for c in Capability} | set(cls.extra_operations)
        unknown = sorted(set(cls.capabilities) - known)
        assert not unknown, f"{cls.name} declares capabilities the core does not know: {unknown}"
        for name in cls.extra_operations:
            assert callable(getattr(provider, name, None)) or hasattr(type(provider), name), (
                f"{cls.name} lists extra operation {name!r} but has no such attribute"
            )
        for key, declaration in cls.capabilities.items():
            if declaration.support is not Support.NATIVE:
                assert declaration.note, f"{cls.name}: {key} is {declaration.support} with no note"
        assert provider.capabilities.supports(Capability.CREATE), "a provider must create passes"
        events = [
            c
            for c in (Capability.EVENTS_RECEIVE, Capability.EVENTS_SUBSCRIBE)
            if provider.capabilities.supports(c)
        ]
        if events:
            # (no other test can reach these: a delivery needs the vendor's signing scheme)
            assert provider.event_types, (
                f"{cls.name} declares {', '.join(events)} but no event_types: which events?"
            )
        if Capability.EVENTS_RECEIVE in events:
            hook = getattr(provider.events_from_delivery, "__func__", None)
            assert hook is not EventOperations.events_from_delivery, (
                f"{cls.name} declares events.receive but does not implement "
                "events_from_delivery: every delivery would be refused as unreadable"
            )

    # -- operations ------------------------------------------------------------------------

    def test_create_then_get(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        first = provider.create(conformance.sample)
        second = provider.create(conformance.sample)
        for issued in (first, second):
            assert isinstance(issued, IssuedPass)
            assert issued.provider == provider.name
            assert issued.id and issued.vendor_id
        assert first.id != second.id, "two creates must give two passes"
        if provider.capabilities.supports(Capability.GET):
            fetched = provider.get(first.id)
            assert fetched.id == first.id
            # What a read reports of the pass is that pass's: its template (the logical name,
            # as create reported it) and its kind, where the read tells them.
            for part in ("template", "kind"):
                read, made = getattr(fetched, part), getattr(first, part)
                assert read is None or made is None or read == made, (
                    f"get() reports {part} {read!r}, create() reported {made!r}"
                )
            assert fetched.status not in (PassStatus.DELETED, PassStatus.REDEEMED)
            if conformance.sample.fields:
                for key in conformance.sample.fields:
                    assert key in fetched.fields, f"field {key!r} lost on the way back"
        else:
            self._assert_unsupported(conformance, Capability.GET)

    def test_update(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.UPDATE):
            self._assert_unsupported(conformance, Capability.UPDATE)
            return
        issued = provider.create(conformance.sample)
        change = conformance.make_update()
        updated = provider.update(issued.id, change)
        assert updated.id == issued.id
        if change.fields and provider.capabilities.supports(Capability.GET):
            fetched = provider.get(issued.id)
            for key, value in change.fields.items():
                expected = value.value if isinstance(value, PassField) else value
                assert str(fetched.fields.get(key)) == str(expected), (
                    f"update of field {key!r} not visible through get()"
                )

    def test_redeem(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.REDEEM):
            self._assert_unsupported(conformance, Capability.REDEEM)
            return
        issued = provider.create(conformance.sample)
        try:
            redemption = provider.redeem(issued.id)
        except NotUsedUp:
            # redeem(id) uses a pass up; a card it would not use up is refused (where the
            # provider can tell its kind: a generic template may be either), left as it was.
            assert conformance.sample.kind in NOT_USED_UP_KINDS, conformance.sample.kind
            if provider.capabilities.supports(Capability.GET):
                assert not provider.get(issued.id).status.is_final
            return
        assert redemption.pass_id == issued.id
        assert redemption.provider == provider.name
        if provider.capabilities.supports(Capability.GET):
            status = provider.get(issued.id).status
            assert status in (PassStatus.REDEEMED, PassStatus.VOIDED), status

    def test_delete(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.DELETE):
            self._assert_unsupported(conformance, Capability.DELETE)
            return
        issued = provider.create(conformance.sample)
        provider.delete(issued.id)
        if provider.capabilities.supports(Capability.GET):
            try:
                status = provider.get(issued.id).status
            except NotFound:
                status = PassStatus.DELETED
            # One outcome after delete() on every provider: DELETED (or NotFound), and every
            # write on the pass raises NotFound.
            assert status is PassStatus.DELETED, status
        if provider.capabilities.supports(Capability.UPDATE):
            with pytest.raises(NotFound):
                provider.update(issued.id, conformance.make_update())
        if provider.capabilities.supports(Capability.REDEEM):
            with pytest.raises(NotFound):
                provider.redeem(issued.id)

    def test_list(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.LIST):
            self._assert_unsupported(conformance, Capability.LIST)
            return
        issued = provider.create(conformance.sample)
        seen = {p.id for p in provider.list()}
        assert issued.id in seen, "a created pass must appear in list()"
        # Pages: with one or two passes a page, three passes take several pages, and a
        # provider that reads only the first (no Page.next) loses the others. A page size the
        # vendor does not take is refused at the call (ValidationError), and then not tried.
        made = {issued.id, *(provider.create(conformance.sample).id for _ in range(2))}
        for size in (1, 2):
            try:
                listed = [p.id for p in provider.list(page_size=size)]
            except ValidationError:
                continue
            lost = sorted(made - set(listed))
            assert not lost, f"list(page_size={size}) left out {lost}: are later pages read?"
            assert len(listed) == len(set(listed)), f"list(page_size={size}) repeats passes"
            return

    def test_create_many(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.CREATE_MANY):
            self._assert_unsupported(conformance, Capability.CREATE_MANY)
            return
        bad = {"template": ""}  # refused by validation: the batch must go on without it
        result = provider.create_many([conformance.sample, bad, conformance.sample])
        assert (result.total, result.succeeded, result.failed) == (3, 2, 1)
        assert [item.index for item in result.items] == [0, 1, 2]
        assert isinstance(result.items[1].error, ValidationError)
        ids = [item.issued.id for item in result.items if item.issued is not None]
        assert len(set(ids)) == 2

    def test_event_subscriptions(self, conformance: ConformanceSetup) -> None:
        """Subscribe, list, rotate and delete (each where declared and no ``event_gaps``
        entry); an operation the vendor lacks is ``UnsupportedOperation`` before sending."""
        provider = conformance.provider
        url = "https://conformance.example/walletpass-hooks"
        calls: dict[str, Callable[[str], Any]] = {
            "rotate_event_secret": provider.rotate_event_secret,
            "delete_event_subscription": provider.delete_event_subscription,
        }
        gaps = provider.event_gaps
        if not provider.capabilities.supports(Capability.EVENTS_SUBSCRIBE):
            before = conformance.sent()
            with pytest.raises(UnsupportedOperation):
                provider.subscribe_events(url)
            with pytest.raises(UnsupportedOperation):
                provider.list_event_subscriptions()
            for call in calls.values():
                with pytest.raises(UnsupportedOperation):
                    call("conformance-subscription")
            assert conformance.sent() == before, "a refused event operation must send nothing"
            return
        subscription = provider.subscribe_events(url)
        assert subscription.url == url
        assert subscription.events and set(subscription.events) <= set(provider.event_types)
        assert subscription.id in {s.id for s in provider.list_event_subscriptions()}
        for operation, call in calls.items():
            if operation in gaps:
                before = conformance.sent()
                with pytest.raises(UnsupportedOperation) as refused:
                    call(subscription.id)
                assert refused.value.alternative == gaps[operation].alternative
                assert conformance.sent() == before, f"{operation} is a gap: nothing sent"
            elif operation == "rotate_event_secret":
                rotated = provider.rotate_event_secret(subscription.id)
                assert rotated.id == subscription.id
            else:
                provider.delete_event_subscription(subscription.id)
                remaining = {s.id for s in provider.list_event_subscriptions()}
                assert subscription.id not in remaining

    def test_unknown_pass_is_not_found(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if conformance.missing_id is None or not provider.capabilities.supports(Capability.GET):
            assert conformance.missing_id is None or not provider.capabilities.supports(
                Capability.GET
            )
            return
        with pytest.raises(NotFound) as caught:
            provider.get(conformance.missing_id)
        assert caught.value.provider == provider.label

    def test_unsupported_operations_raise_before_sending(
        self, conformance: ConformanceSetup
    ) -> None:
        provider = conformance.provider
        for operation in sorted(CORE_OPERATIONS):
            if not provider.capabilities.supports(operation):
                self._assert_unsupported(conformance, operation)

    # -- fields ----------------------------------------------------------------------------

    def test_supported_features_are_accepted(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        failures: list[str] = []
        for cap in _FIELD_CAPS:
            example = conformance.example(cap)
            if example is None or not provider.capabilities.supports(cap):
                continue
            try:
                provider.create(example(conformance.sample))
            except WalletPassError as exc:
                failures.append(f"{cap.value}: {type(exc).__name__}: {exc}")
        assert not failures, "declared features refused:\n" + "\n".join(failures)

    def test_declared_fields_reach_the_wire(self, conformance: ConformanceSetup) -> None:
        """Carriage, not acceptance: each NATIVE or EMULATED field's value is in what was sent."""
        provider = conformance.provider
        fixed = sorted(provider.template_fixed)
        failures: list[str] = []
        for cap, new_pass in _declared_field_examples(conformance):
            mapping = provider.template_mapping(new_pass.template)
            wanted = expectations(
                cap, new_pass, vendor_key=mapping.vendor_key, template_fixed=fixed
            )
            if not wanted:
                failures.append(f"{cap.value}: the example sets nothing the kit can look for")
                continue
            with recording(provider) as wire:
                provider.create(new_pass)
            missing = [e.what for e in wanted if not e.found(wire)]
            support = provider.capabilities.support(cap).value.upper()
            if not wire.requests:
                failures.append(f"{cap.value}: declared {support}, but create sent nothing")
            elif missing:
                failures.append(
                    f"{cap.value}: declared {support}, but never sent: {', '.join(missing)}"
                )
        assert not failures, "declared fields that never reach the vendor:\n" + "\n".join(failures)

    def test_readable_fields_come_back(self, conformance: ConformanceSetup) -> None:
        """What the neutral read models comes back on ``get()``; what the provider's behaviour
        declares unread on get (``behaviour.unread_on_get``) is left out entirely instead."""
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.GET):
            return
        failures: list[str] = []
        for cap, read in READ_BACK.items():
            example = conformance.example(cap)
            if example is None or not provider.capabilities.supports(cap):
                continue
            new_pass = example(conformance.sample)
            wrote = read(new_pass)
            if wrote is None:
                continue
            back = read(provider.get(provider.create(new_pass).id))
            if _READ_PART.get(cap, cap.value) in provider.behaviour.unread_on_get:
                if back is not None:
                    failures.append(
                        f"{cap.value}: declared unread on get (behaviour.unread_on_get), but "
                        f"get() gave {back!r}"
                    )
            elif back is None:
                failures.append(f"{cap.value}: sent {wrote!r}, get() left it out")
            elif not _same(wrote, back):
                failures.append(f"{cap.value}: sent {wrote!r}, get() gave {back!r}")
        assert not failures, "declared fields that do not come back:\n" + "\n".join(failures)

    def test_meta_keys_are_declared(self, conformance: ConformanceSetup) -> None:
        """Every ``IssuedPass.meta`` key the operations report is declared in ``meta_keys``."""
        provider = conformance.provider
        declared = set(provider.meta_keys) | CORE_META_KEYS
        seen: dict[str, str] = {}

        def note(operation: str, issued: IssuedPass) -> IssuedPass:
            for key in issued.meta:
                seen.setdefault(key, operation)
            return issued

        issued = note("create", provider.create(conformance.sample))
        for cap in _FIELD_CAPS:
            example = conformance.example(cap)
            if example is not None and provider.capabilities.supports(cap):
                note(f"create with {cap.value}", provider.create(example(conformance.sample)))
        if provider.capabilities.supports(Capability.GET):
            note("get", provider.get(issued.id))
        if provider.capabilities.supports(Capability.UPDATE):
            note("update", provider.update(issued.id, conformance.make_update()))
        if provider.capabilities.supports(Capability.LIST):
            for listed in provider.list():
                note("list", listed)
        undeclared = sorted(f"{key!r} (from {seen[key]})" for key in set(seen) - declared)
        assert not undeclared, f"{provider.name} reports meta keys it does not declare in " + (
            f"meta_keys: {', '.join(undeclared)}"
        )
        assert all(isinstance(text, str) and text for text in provider.meta_keys.values()), (
            "every declared meta key says what it holds"
        )

    def test_unsupported_features_refused_before_sending(
        self, conformance: ConformanceSetup
    ) -> None:
        provider = conformance.provider
        failures: list[str] = []
        for cap in _FIELD_CAPS:
            example = conformance.example(cap)
            if example is None or provider.capabilities.supports(cap):
                continue
            before = conformance.sent()
            try:
                provider.create(example(conformance.sample))
            except UnsupportedFeature as exc:
                if cap.value not in exc.features:
                    failures.append(f"{cap.value}: error names {exc.features}, not the feature")
                if provider.name not in str(exc):
                    failures.append(f"{cap.value}: error does not name the provider: {exc}")
            except WalletPassError as exc:
                failures.append(f"{cap.value}: {type(exc).__name__} instead of UnsupportedFeature")
            else:
                failures.append(f"{cap.value}: accepted although declared NONE")
            if conformance.sent() != before:
                failures.append(f"{cap.value}: a request was sent before refusing")
        assert not failures, "\n".join(failures)

    def test_unsupported_features_warn_in_lenient_mode(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        droppable = [
            cap
            for cap in _FIELD_CAPS
            if not provider.capabilities.supports(cap)
            and cap not in NEVER_LENIENT
            and conformance.example(cap) is not None
        ]
        if not droppable:
            assert all(provider.capabilities.supports(c) or c in NEVER_LENIENT for c in _FIELD_CAPS)
            return
        lenient = conformance.make_lenient()
        try:
            for cap in droppable:
                example = conformance.example(cap)
                assert example is not None
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    lenient.create(example(conformance.sample))
                texts = [
                    str(w.message)
                    for w in caught
                    if issubclass(w.category, UnsupportedFeatureWarning)
                ]
                assert any(cap.value in t for t in texts), f"{cap.value}: no warning ({texts})"
        finally:
            if lenient is not provider:
                lenient.close()

    def test_update_reaches_the_wire(self, conformance: ConformanceSetup) -> None:
        """An update's changed fields, and its message where declared, are in what was sent."""
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.UPDATE):
            return
        issued = provider.create(conformance.sample)
        change = conformance.make_update()
        if provider.capabilities.supports(Capability.UPDATE_MESSAGE) and change.message is None:
            change = UPDATE_EXAMPLES[Capability.UPDATE_MESSAGE](change)
        mapping = provider.template_mapping(conformance.sample.template)
        wanted = update_expectations(change, vendor_key=mapping.vendor_key)
        with recording(provider) as wire:
            provider.update(issued.id, change)
        missing = [e.what for e in wanted if not e.found(wire)]
        assert not missing, f"update accepted, but never sent: {', '.join(missing)}"

    def test_updated_fields_reach_the_wire(self, conformance: ConformanceSetup) -> None:
        """Each declared field an update can carry is, once the update is accepted: in what was
        sent, and (where the neutral read models it) on the next ``get()``.

        A provider may refuse to change a part (``UnsupportedFeature`` or ``ValidationError``:
        before sending, or the vendor's refusal, where only the vendor knows the pass's kind, of
        a request that carried it): what it may not do is accept the change and send it only
        on create.
        """
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.UPDATE):
            return
        issued = provider.create(conformance.sample)
        fixed = sorted(provider.template_fixed)
        mapping = provider.template_mapping(conformance.sample.template)
        readable = provider.capabilities.supports(Capability.GET)
        failures: list[str] = []
        for cap, new_pass in _declared_field_examples(conformance):
            content = {
                name: getattr(new_pass, name)
                for name in PassUpdate.model_fields
                if getattr(new_pass, name, None) is not None
                and getattr(new_pass, name) != getattr(conformance.sample, name)
            }
            wanted = expectations(
                cap, new_pass, vendor_key=mapping.vendor_key, template_fixed=fixed
            )
            if not content or not wanted:
                continue  # the kind, the external id: fixed when the pass is made
            refused: WalletPassError | None = None
            try:
                with recording(provider) as wire:
                    provider.update(issued.id, PassUpdate(**content))
            except (UnsupportedFeature, ValidationError) as error:
                refused = error
            missing = [e.what for e in wanted if not e.found(wire)]
            if refused is not None:
                # Refused by the provider before sending, or by the vendor where only it knows
                # the pass's kind (Pass2U refuses a group on a generic pass): then of what was
                # sent, which must carry the part (not a request that left it out).
                if wire.requests and missing:
                    failures.append(
                        f"{cap.value}: the vendor refused an update that never sent: "
                        f"{', '.join(missing)} ({refused})"
                    )
                continue
            if missing:
                failures.append(
                    f"{cap.value}: update accepted, but never sent: {', '.join(missing)}"
                )
            read = READ_BACK.get(cap)
            if (
                read is None
                or not readable
                or _READ_PART.get(cap, cap.value) in provider.behaviour.unread_on_get
            ):
                continue
            wrote, back = read(new_pass), read(provider.get(issued.id))
            if wrote is not None and not _same(wrote, back):
                failures.append(f"{cap.value}: updated to {wrote!r}, get() gave {back!r}")
        assert not failures, "declared fields an update drops:\n" + "\n".join(failures)

    def test_update_only_features(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        if not provider.capabilities.supports(Capability.UPDATE):
            return
        issued = provider.create(conformance.sample)
        for cap, build in UPDATE_EXAMPLES.items():
            change = build(conformance.make_update())
            before = conformance.sent()
            if provider.capabilities.supports(cap):
                provider.update(issued.id, change)
            else:
                with pytest.raises(UnsupportedFeature):
                    provider.update(issued.id, change)
                assert conformance.sent() == before

    # -- limits and validation -------------------------------------------------------------

    def test_declared_limits_refused_before_sending(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        makers: dict[Capability, Callable[[int], Pass]] = {
            Capability.LOCATIONS: lambda n: conformance.sample.model_copy(
                update={"locations": [Location(latitude=1.0, longitude=float(i)) for i in range(n)]}
            ),
            Capability.BEACONS: lambda n: conformance.sample.model_copy(
                update={
                    "beacons": [
                        Beacon(proximity_uuid=uuid.UUID(int=i + 1), major=i) for i in range(n)
                    ]
                }
            ),
        }
        for cap, make in makers.items():
            limit = provider.capabilities.limit(cap)
            if limit is None or not provider.capabilities.supports(cap) or limit >= 10:
                continue
            before = conformance.sent()
            with pytest.raises(ValidationError) as caught:
                provider.create(make(limit + 1))
            assert str(limit) in str(caught.value), "the error must name the limit"
            assert conformance.sent() == before

    def test_invalid_input_refused_before_sending(self, conformance: ConformanceSetup) -> None:
        provider = conformance.provider
        before = conformance.sent()
        bad_inputs: list[Callable[[], Any]] = [
            lambda: provider.create(
                {**conformance.sample.model_dump(), "expires_at": "2030-01-01T00:00:00"}
            ),
            lambda: provider.create({"template": ""}),
            lambda: provider.create("not a pass"),  # type: ignore[arg-type]
        ]
        # A provider without get() refuses the operation itself first (checked elsewhere).
        if provider.capabilities.supports(Capability.GET):
            bad_inputs += [lambda: provider.get(""), lambda: provider.get("has spaces in it")]
        if provider.capabilities.supports(Capability.UPDATE):
            bad_inputs.append(lambda: provider.update("", PassUpdate(description="x")))
        for call in bad_inputs:
            with pytest.raises(ValidationError):
                call()
        assert conformance.sent() == before, "bad input must be refused before any request"

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _assert_unsupported(conformance: ConformanceSetup, operation: Capability) -> None:
        provider = conformance.provider
        before = conformance.sent()
        with pytest.raises(UnsupportedOperation) as caught:
            _operation_call(provider, operation, conformance.sample)
        message = str(caught.value)
        assert provider.name in message and operation.value in message, message
        assert caught.value.alternative or provider.capabilities[operation].note
        assert conformance.sent() == before, f"{operation.value}: a request was sent"
