"""The fake provider behaves like a vendor: ids, life cycle, listing, sharing, faults, records.

Applications unit-test against it, so every rule a real vendor enforces and an application could
trip over is checked here: a pass that does not exist, one redeemed twice, one deleted, one
expired; passes shared through an SQLite file by separate instances and separate processes;
injected faults that strike exactly where a vendor would fail; recorded calls an application's
test can assert on; and vendor profiles that refuse what that vendor would refuse.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import (
    AlreadyRedeemed,
    Capabilities,
    Capability,
    Colors,
    Conflict,
    FieldProblem,
    Holder,
    Location,
    NotFound,
    Pass,
    PassExpired,
    PassStatus,
    PassUpdate,
    Provider,
    ProviderNotFound,
    ProviderUnavailable,
    RateLimited,
    UnsupportedFeature,
    UnsupportedOperation,
    ValidationError,
    emulated,
    native,
    none,
    register_provider,
    unregister_provider,
)
from walletpass.fake import FakeProvider
from walletpass.retry import Safety
from walletpass.transport import VendorRequest

FAKE_ID = re.compile(r"^fp_[0-9a-f]{16}$")
MISSING = "fp_0000000000000000"


@pytest.fixture
def wallet() -> Iterator[FakeProvider]:
    with FakeProvider() as made:
        yield made


def ticket(**values: object) -> Pass:
    return Pass.model_validate(
        {
            "template": "vip-ticket",
            "holder": {"name": "Ada Lovelace"},
            "barcode": {"message": "A-1003"},
            "fields": {"seat": "12B"},
            **values,
        }
    )


# --------------------------------------------------------------------------------------------
# Ids and the life cycle of a pass
# --------------------------------------------------------------------------------------------


def test_every_pass_gets_a_unique_realistic_id(wallet: FakeProvider) -> None:
    ids = [wallet.create(ticket()).id for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(FAKE_ID.match(pass_id) for pass_id in ids)
    first = wallet.get(ids[0])
    assert first.vendor_id == first.id and first.provider == "fake"
    assert first.urls.download == f"https://fake.walletpass.invalid/p/{ids[0]}.pkpass"


def test_a_pass_moves_through_its_statuses(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket())
    assert issued.status is PassStatus.ISSUED and issued.version == 1
    assert issued.created_at is not None and issued.created_at.tzinfo is not None
    assert (issued.template, issued.holder, issued.fields) == (
        "vip-ticket",
        Holder(name="Ada Lovelace"),
        {"seat": "12B"},
    )
    assert wallet.get(issued.id) == issued

    updated = wallet.update(issued.id, PassUpdate(fields={"gate": "4"}, message="Gate 4"))
    assert updated.status is PassStatus.ISSUED and updated.version == 2
    assert updated.fields == {"seat": "12B", "gate": "4"}
    assert updated.meta == {"last_message": "Gate 4", "notified": True}

    redemption = wallet.redeem(issued.id)
    assert redemption.status is PassStatus.REDEEMED and redemption.amount is None
    assert redemption.pass_id == issued.id and redemption.redeemed_at is not None
    assert wallet.get(issued.id).status is PassStatus.REDEEMED

    with pytest.raises(AlreadyRedeemed) as caught:
        wallet.redeem(issued.id)
    assert caught.value.code == "ALREADY_REDEEMED"
    assert (caught.value.provider, caught.value.operation) == ("fake", "redeem")

    wallet.delete(issued.id)
    assert wallet.get(issued.id).status is PassStatus.DELETED


def test_a_deleted_pass_can_be_read_but_not_changed(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket())
    wallet.delete(issued.id)
    wallet.delete(issued.id)  # deleting twice is not an error, as with most vendors
    for call in (
        lambda: wallet.update(issued.id, PassUpdate(description="x")),
        lambda: wallet.redeem(issued.id),
    ):
        with pytest.raises(NotFound, match="was deleted"):
            call()


def test_unknown_and_malformed_ids(wallet: FakeProvider) -> None:
    for call in (
        lambda: wallet.get(MISSING),
        lambda: wallet.update(MISSING, PassUpdate(description="x")),
        lambda: wallet.redeem(MISSING),
        lambda: wallet.delete(MISSING),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert isinstance(caught.value, LookupError) and caught.value.code == "NOT_FOUND"
    for bad in ("fp_123", "FP_0000000000000000", "pass-1", "", "fp_000000000000000g", " "):
        with pytest.raises(ValidationError) as refused:
            wallet.get(bad)
        assert [p.location for p in refused.value.problems] == ["pass_id"]


def test_an_expired_pass_reads_expired_and_cannot_be_redeemed(wallet: FakeProvider) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    issued = wallet.create(ticket(expires_at=past))
    # Field report 6: create reports what a get() right after reports, not "issued".
    assert issued.status is PassStatus.EXPIRED
    assert wallet.get(issued.id).status is PassStatus.EXPIRED
    with pytest.raises(PassExpired):
        wallet.redeem(issued.id)
    future = wallet.create(ticket(expires_at=datetime.now(UTC) + timedelta(days=1)))
    assert wallet.get(future.id).status is PassStatus.ISSUED


def test_external_ids_are_unique_among_live_passes(wallet: FakeProvider) -> None:
    first = wallet.create(ticket(external_id="order-1"))
    with pytest.raises(Conflict) as caught:
        wallet.create(ticket(external_id="order-1"))
    assert first.id in str(caught.value)
    found = wallet.find_by_external_id(ticket(external_id="order-1"))
    assert found is not None and found.id == first.id
    wallet.delete(first.id)
    assert wallet.find_by_external_id(ticket(external_id="order-1")) is None
    again = wallet.create(ticket(external_id="order-1"))
    assert again.id != first.id


def test_updates_merge_fields_and_clear_only_what_was_cleared(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket(description="Gala", fields={"seat": "12B", "row": 3}))
    changed = wallet.update(
        issued.id, PassUpdate(fields={"seat": "14C"}, holder=Holder(name="Ada King"))
    )
    assert changed.fields == {"seat": "14C", "row": 3}
    assert changed.holder == Holder(name="Ada King")
    assert changed.raw["description"] == "Gala"
    cleared = wallet.update(issued.id, PassUpdate(description=None, notify=False, message="Hi"))
    assert "description" not in cleared.raw
    assert cleared.meta == {"last_message": "Hi", "notified": False}
    with pytest.raises(ValidationError, match="changes nothing"):
        wallet.update(issued.id, PassUpdate())


# --------------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------------


def test_list_filters_by_template_and_status_and_pages(wallet: FakeProvider) -> None:
    made = [wallet.create(ticket(template="a" if i % 2 else "b")) for i in range(7)]
    wallet.redeem(made[1].id)
    wallet.delete(made[2].id)
    assert [p.id for p in wallet.list()] == [p.id for p in made]
    assert [p.id for p in wallet.list(page_size=3)] == [p.id for p in made]
    assert [p.id for p in wallet.list(page_size=1, template="a")] == [
        p.id for p in made if p.template == "a"
    ]
    assert [p.id for p in wallet.list(status="redeemed")] == [made[1].id]
    assert [p.id for p in wallet.list(status=PassStatus.DELETED)] == [made[2].id]
    assert list(wallet.list(template="c")) == []


def test_list_checks_now_and_reads_on_iteration(wallet: FakeProvider) -> None:
    wallet.create(ticket())
    wallet.reset_calls()
    pending = wallet.list(template="vip-ticket", page_size=5)
    assert wallet.calls == []
    assert len(list(pending)) == 1
    assert [(c.operation, c.params) for c in wallet.calls] == [
        ("list", {"template": "vip-ticket", "page_size": 5})
    ]
    for bad in ({"page_size": 0}, {"page_size": 1001}, {"status": "gone"}, {"template": ""}):
        with pytest.raises(ValidationError):
            wallet.list(**bad)


# --------------------------------------------------------------------------------------------
# Sharing passes through an SQLite file
# --------------------------------------------------------------------------------------------


def test_two_instances_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "passes.sqlite3"
    with FakeProvider(path=str(path)) as one, FakeProvider(path=str(path)) as two:
        issued = one.create(ticket(external_id="shared-1"))
        assert two.get(issued.id) == issued
        two.redeem(issued.id)
        with pytest.raises(AlreadyRedeemed):
            one.redeem(issued.id)
        with pytest.raises(Conflict):
            two.create(ticket(external_id="shared-1"))
        assert one.pass_count == two.pass_count == 1


def test_concurrent_writers_on_one_file_get_unique_ids(tmp_path: Path) -> None:
    path = str(tmp_path / "passes.sqlite3")
    wallets = [FakeProvider(path=path) for _ in range(2)]
    issued: list[str] = []
    lock = threading.Lock()

    def work(w: FakeProvider, n: int) -> None:
        for i in range(10):
            pass_id = w.create(ticket(external_id=f"t{n}-{i}")).id
            with lock:
                issued.append(pass_id)

    threads = [threading.Thread(target=work, args=(wallets[n % 2], n)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(issued)) == 40
    assert wallets[0].pass_count == 40
    assert {p.id for p in wallets[1].list()} == set(issued)
    for w in wallets:
        w.close()


def test_separate_processes_share_passes_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "passes.sqlite3"
    script = textwrap.dedent(
        f"""
        import json, sys
        import walletpass
        wallet = walletpass.connect("fake", path={str(path)!r})
        if sys.argv[1] == "create":
            issued = wallet.create(walletpass.Pass(template="t", fields={{"seat": "1A"}}))
            print(json.dumps(issued.id))
        else:
            try:
                wallet.redeem(sys.argv[2])
                print(json.dumps("redeemed"))
            except walletpass.AlreadyRedeemed as exc:
                print(json.dumps(type(exc).__name__))
        """
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            env={k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        result: str = json.loads(done.stdout)
        return result

    pass_id = run("create")
    with FakeProvider(path=str(path)) as here:
        assert here.get(pass_id).fields == {"seat": "1A"}
    assert run("redeem", pass_id) == "redeemed"
    assert run("redeem", pass_id) == "AlreadyRedeemed"
    with FakeProvider(path=str(path)) as here:
        assert here.get(pass_id).status is PassStatus.REDEEMED


def test_in_memory_instances_are_separate(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket())
    with FakeProvider() as other, pytest.raises(NotFound):
        other.get(issued.id)


def test_an_unusable_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite3").mkdir()
    for path in (str(tmp_path / "dir.sqlite3"), "bad\x00name"):
        with pytest.raises(walletpass.ConfigurationError, match="path"):
            walletpass.connect("fake", path=path)


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------


def test_fail_next_with_a_class_strikes_once_where_the_vendor_would(wallet: FakeProvider) -> None:
    wallet.fail_next("create", ProviderUnavailable)
    with pytest.raises(ProviderUnavailable) as caught:
        wallet.create(ticket())
    assert "injected ProviderUnavailable for create" in str(caught.value)
    assert caught.value.retryable is True
    assert (caught.value.provider, caught.value.operation) == ("fake", "create")
    assert wallet.pass_count == 0  # the vendor never issued it
    assert wallet.create(ticket()).status is PassStatus.ISSUED


def test_fail_next_with_an_instance_and_times(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket())
    error = RateLimited("slow down", retry_after=1.5)
    wallet.fail_next("get", error, times=2)
    for _ in range(2):
        with pytest.raises(RateLimited) as caught:
            wallet.get(issued.id)
        assert caught.value is error and caught.value.retry_after == 1.5
    assert wallet.get(issued.id).id == issued.id


def test_faults_queue_in_order_and_the_wildcard_hits_any_operation(wallet: FakeProvider) -> None:
    issued = wallet.create(ticket())
    wallet.fail_next("redeem", ProviderUnavailable("first"))
    wallet.fail_next("redeem", AlreadyRedeemed("second"))
    with pytest.raises(ProviderUnavailable, match="first"):
        wallet.redeem(issued.id)
    with pytest.raises(AlreadyRedeemed, match="second"):
        wallet.redeem(issued.id)
    wallet.fail_next("*", NotFound("gone for a moment"))
    with pytest.raises(NotFound, match="gone for a moment"):
        wallet.delete(issued.id)
    wallet.redeem(issued.id)  # nothing left queued: the real rules apply again


def test_validation_comes_before_an_injected_fault(wallet: FakeProvider) -> None:
    wallet.fail_next("create", ProviderUnavailable)
    with pytest.raises(ValidationError):
        wallet.create({"template": "", "fields": {"seat": "12B"}})
    with pytest.raises(ProviderUnavailable):  # still pending: the bad call never "reached" it
        wallet.create(ticket())


def test_injected_faults_reach_each_item_of_create_many(wallet: FakeProvider) -> None:
    wallet.fail_next("create", ProviderUnavailable("down"), times=2)
    result = wallet.create_many([ticket(external_id=f"o-{i}") for i in range(4)], concurrency=1)
    assert [item.ok for item in result] == [False, False, True, True]
    assert result.failed == 2 and wallet.pass_count == 2


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        (("explode", ProviderUnavailable), {}, "operation"),
        (("create_many", ProviderUnavailable), {}, "operation"),
        (("create", RuntimeError), {}, "error"),
        (("create", RuntimeError("x")), {}, "error"),
        (("create", ProviderUnavailable), {"times": 0}, "times"),
        (("create", ProviderUnavailable), {"times": True}, "times"),
    ],
)
def test_fail_next_refuses_what_could_never_strike(
    wallet: FakeProvider, args: tuple[object, ...], kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet.fail_next(*args, **kwargs)  # type: ignore[arg-type]
    assert [p.location for p in caught.value.problems] == [field]


# --------------------------------------------------------------------------------------------
# Recorded calls
# --------------------------------------------------------------------------------------------


def test_calls_are_recorded_with_normalised_parameters() -> None:
    with FakeProvider(templates={"vip": {"id": "tpl-9", "fields": {"seat": "seat_no"}}}) as wallet:
        issued = wallet.create(
            {
                "template": "vip",
                "fields": {"seat": "12B"},
                "colors": {"background": "rgb(255, 0, 0)"},
                "barcode": {"message": "A-1"},
                "expires_at": "2031-05-17T20:30:00+02:00",
                "balance": {"amount": 10},
            }
        )
        wallet.update(issued.id, {"fields": None, "message": "Seat removed"})
        wallet.redeem(issued.id, amount=Decimal("2.50"), options={"gate": "4"})
        wallet.get(issued.id)
        wallet.delete(issued.id)
        calls = wallet.calls
    assert [c.operation for c in calls] == ["create", "update", "redeem", "get", "delete"]
    assert calls[0].params == {
        "template": "tpl-9",
        "kind": "generic",
        "fields": {"seat_no": "12B"},
        "colors": {"background": "#ff0000"},
        "barcode": {"message": "A-1", "format": "qr"},
        "expires_at": "2031-05-17T20:30:00+02:00",
        "balance": {"amount": "10"},
    }
    assert calls[1].params == {
        "pass_id": issued.id,
        "change": {"fields": None, "message": "Seat removed"},
    }
    assert calls[2].params == {"pass_id": issued.id, "amount": "2.50", "options": {"gate": "4"}}
    assert calls[3].params == calls[4].params == {"pass_id": issued.id}
    assert all(c.error is None for c in calls)


def test_refused_calls_are_not_recorded_and_failed_ones_carry_their_error(
    wallet: FakeProvider,
) -> None:
    with pytest.raises(ValidationError):
        wallet.create(ticket(locations=[{"latitude": 99, "longitude": 0}]))
    with pytest.raises(ValidationError):
        wallet.redeem(MISSING, amount=-1)
    assert wallet.calls == []
    error = ProviderUnavailable("down")
    wallet.fail_next("create", error)
    with pytest.raises(ProviderUnavailable):
        wallet.create(ticket())
    [call] = wallet.calls
    assert call.operation == "create" and call.error is error
    wallet.reset_calls()
    assert wallet.calls == []
    assert isinstance(wallet.calls, list) and wallet.calls is not wallet.calls


# --------------------------------------------------------------------------------------------
# Vendor profiles
# --------------------------------------------------------------------------------------------


class TinyVendor(Provider):
    """A vendor with little: numeric template ids, two locations, no list, no holder email."""

    name: ClassVar[str] = "tinyvendor"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            Capability.CREATE: native("POST /passes"),
            Capability.GET: native("GET /passes/{id}"),
            Capability.REDEEM: emulated("sets the pass voided"),
            Capability.LIST: none("export passes from the dashboard"),
            Capability.KIND_GENERIC: native("generic"),
            Capability.HOLDER_NAME: native("holder"),
            Capability.FIELDS: native("fields"),
            Capability.BARCODE_QR: native("qr"),
            Capability.LOCATIONS: native("locations", limit=2),
        }
    )

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest("POST", "passes", Safety.UNSAFE, json={"template": new_pass.template})

    def check(
        self, request: VendorRequest | None, subject: Pass | PassUpdate
    ) -> list[FieldProblem]:
        if not isinstance(subject, Pass) or request is None:
            return []
        if not str(request.json["template"]).isdigit():
            return [FieldProblem("template", "tinyvendor template ids are numbers")]
        return []


@pytest.fixture
def tiny() -> Iterator[str]:
    register_provider(TinyVendor.name, TinyVendor)
    yield TinyVendor.name
    unregister_provider(TinyVendor.name)


def test_a_profile_refuses_what_that_vendor_would_and_stores_the_rest(tiny: str) -> None:
    with walletpass.connect("fake", profile=tiny) as wallet:
        assert isinstance(wallet, FakeProvider) and wallet.profile == tiny
        # The vendor's declarations, except events: the fake delivers those in-process.
        assert {k: wallet.capabilities[k] for k in TinyVendor.capabilities} == dict(
            TinyVendor.capabilities
        )
        assert not wallet.capabilities.supports("events.receive")
        assert FakeProvider.capabilities is not TinyVendor.capabilities  # this instance only
        issued = wallet.create(Pass(template="1919", holder=Holder(name="Ada")))
        assert wallet.get(issued.id).template == "1919"
        assert wallet.redeem(issued.id).status is PassStatus.REDEEMED
        with pytest.raises(UnsupportedOperation) as op:
            wallet.list()
        assert op.value.alternative == "export passes from the dashboard"
        with pytest.raises(UnsupportedFeature) as feature:
            wallet.create(
                Pass(
                    template="1919",
                    holder=Holder(email="ada@example.com"),
                    colors=Colors(background="#000000"),
                )
            )
        assert feature.value.features == ("colors.background", "holder.email")
        with pytest.raises(ValidationError) as limit:
            wallet.create(
                Pass(
                    template="1919", locations=[Location(latitude=1, longitude=i) for i in range(3)]
                )
            )
        assert [(p.location, p.message) for p in limit.value.problems] == [
            ("locations", "fake(profile=tinyvendor) allows at most 2 items, got 3 items")
        ]
        with pytest.raises(ValidationError, match="template ids are numbers"):
            wallet.create(Pass(template="vip-ticket"))
        with pytest.raises(UnsupportedOperation):
            wallet.update(issued.id, PassUpdate(description="x"))
        assert wallet.pass_count == 1


def test_a_lenient_profile_drops_with_one_warning_per_field(tiny: str) -> None:
    with walletpass.connect("fake", profile=tiny, strict=False) as wallet:
        with pytest.warns(walletpass.UnsupportedFeatureWarning, match="holder.email") as seen:
            first = wallet.create(Pass(template="1", holder=Holder(name="A", email="a@b.co")))
            wallet.create(Pass(template="2", holder=Holder(name="B", email="b@b.co")))
        assert len(seen) == 1
        assert first.holder == Holder(name="A")
        assert "email" not in json.dumps(wallet.calls[0].params)


def test_a_shipped_vendor_profile() -> None:
    """The Pass2U package contributes its declarations: no list, no holder email, no external id."""
    with walletpass.connect("fake", profile="pass2u") as wallet:
        with pytest.raises(UnsupportedOperation):
            wallet.list()
        # Pass2U keeps an external id only in a field a template alias names.
        with pytest.raises(UnsupportedFeature) as caught:
            wallet.create(Pass(template="1919", external_id="o-1"))
        assert set(caught.value.features) == {"external_id"}
        with pytest.raises(UnsupportedFeature) as caught:
            wallet.create(Pass(template="1919", holder=Holder(email="ada@example.com")))
        assert set(caught.value.features) == {"holder.email"}
        assert wallet.create(Pass(template="1919", fields={"level": "gold"})).template == "1919"


def test_an_unknown_profile_is_provider_not_found() -> None:
    with pytest.raises(ProviderNotFound, match="no walletpass provider named 'nosuchvendor'"):
        walletpass.connect("fake", profile="nosuchvendor")


def test_the_fakes_own_storage_failure_is_a_typed_error(tmp_path: Path) -> None:
    # Issue 15: an I/O failure of the fake's SQLite file escaped as "unexpected OperationalError".
    path = tmp_path / "fake.sqlite3"
    fake = FakeProvider(path=str(path))
    fake.create(Pass(template="t", external_id="a"))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists():
            name.write_bytes(b"not a database " * 400)
    with pytest.raises(ProviderUnavailable) as caught:
        fake.create(Pass(template="t", external_id="b"))
    assert str(path) in str(caught.value) and "passes file" in str(caught.value)
    assert not caught.value.retryable
    with pytest.raises(ProviderUnavailable):
        fake.get("fp_0123456789abcdef")


@pytest.mark.parametrize("tail", ["\n", "\r\n"])
def test_a_fake_id_with_a_line_break_is_refused_as_any_other_not_fake(tail: str) -> None:
    from walletpass.fake import FakeProvider

    fake = FakeProvider()
    refusals = []
    for pass_id in ("fp_0123456789abcdef" + tail, "fp_01234567\n89abcdef", "fp_x"):
        with pytest.raises(ValidationError) as caught:
            fake.decode_id(pass_id)
        refusals.append(caught.value.problems)
    assert refusals[0] == refusals[1] == refusals[2]
    assert fake.decode_id("fp_0123456789abcdef") == "fp_0123456789abcdef"


# -- what a read tells as every vendor tells it ------------------------------------------------


@given(
    created=st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2098, 1, 1), timezones=st.timezones()
    ),
    updated=st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2098, 1, 1), timezones=st.timezones()
    ),
    profile=st.sampled_from([None, "pass2u", "passentry"]),
)
@settings(max_examples=40, deadline=None)
def test_an_expiry_reads_back_in_utc_with_its_instant(
    created: datetime, updated: datetime, profile: str | None
) -> None:
    """concepts.md: every moment read back is told in UTC, the instant being the value (each
    vendor's emulator answers 2030-01-01T05:00:00Z to an expiry of 2030-01-01T00:00:00-05:00).
    The fake kept the application's own offset, so its profile differed from its vendor."""
    settings_ = {"profile": profile} if profile else {}
    with walletpass.connect("fake", **settings_) as wallet:
        issued = wallet.create(Pass(template="t", kind="boarding_pass", expires_at=created))
        reads = [issued, wallet.get(issued.id)]
        for read in reads:
            assert read.expires_at == created.astimezone(UTC)
            assert read.expires_at is not None and read.expires_at.utcoffset() == timedelta(0)
        changed = [wallet.update(issued.id, PassUpdate(expires_at=updated))]
        changed.append(wallet.get(issued.id))
        for read in changed:
            assert read.expires_at == updated.astimezone(UTC)
            assert read.expires_at is not None and read.expires_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("profile", [None, "pass2u", "passentry", "livepass"])
def test_a_holder_with_no_part_left_reads_back_as_none(profile: str | None) -> None:
    """A holder whose only part lenient mode dropped (Pass2U and PassEntry carry no language,
    LivePass no language) is no holder on the vendor's read; the fake answered an empty
    ``Holder()`` instead, so an application's ``if issued.holder:`` differed from its vendor."""
    settings_ = {"profile": profile} if profile else {}
    template = {"livepass": "appointment"}.get(profile or "", "t")
    holder = Holder(language="en") if profile else Holder()
    with walletpass.connect("fake", strict=False, **settings_) as wallet:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            issued = wallet.create(Pass(template=template, holder=holder))
        assert issued.holder is None
        assert wallet.get(issued.id).holder is None
        assert wallet.update(issued.id, PassUpdate(holder=holder)).holder is None
        assert wallet.get(issued.id).holder is None
