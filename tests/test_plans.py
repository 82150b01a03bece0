"""Multi-request operations are sans-IO plans driven by the core's one loop.

The loop (``walletpass.plans.drive``) answers each step a plan yields: a ``Send``'s error is
thrown into the plan where it can be caught, a ``Wait`` pauses, a listing's ``Emit`` hands items
out lazily. The proof that plans do no I/O of their own: every provider's plans, replayed from
the exchanges recorded over its emulator by a driver with no HTTP at all, give the same results.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import Holder, IssuedPass, NotFound, OutcomeUnknown, Pass, PassUpdate
from walletpass.driver import Driver
from walletpass.errors import ProviderUnavailable, WalletPassError
from walletpass.plans import Emit, Now, Plan, Send, Wait, drive, drive_items, each, recovering
from walletpass.retry import Safety
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator
from walletpass.testing.scripted import Recorder, ScriptedDriver, answer_with
from walletpass.transport import VendorRequest
from walletpass.vendor_operations import operation_of, vendor_operation

from .test_portability import CONFIG, DASHBOARDS

GET = VendorRequest("GET", "/things", Safety.SAFE)


def _answer_404(step: Any) -> Any:
    raise NotFound("no such thing")


# -- the loop -------------------------------------------------------------------------------------


def test_an_error_answer_is_thrown_into_the_plan_where_it_can_be_caught() -> None:
    def plan() -> Plan[str]:
        try:
            yield Send(GET, "get")
        except NotFound as exc:
            return f"caught {exc}"
        return "not reached"

    assert drive(plan(), _answer_404) == "caught no such thing"


def test_an_error_the_plan_does_not_catch_leaves_the_loop() -> None:
    def plan() -> Plan[None]:
        yield Send(GET, "get")

    with pytest.raises(NotFound):
        drive(plan(), _answer_404)


def test_a_listing_runs_to_its_first_step_at_the_call_and_then_only_as_items_are_needed() -> None:
    sent: list[Any] = []
    checked: list[str] = []

    def listing() -> Iterator[Any]:
        checked.append("filters")  # a check before the first request: at the call
        for page in range(3):
            yield Send(GET, "list")
            yield Emit([page * 2, page * 2 + 1])

    def answer(step: Any) -> Any:
        sent.append(step)
        return None

    items = drive_items(listing(), answer)  # type: ignore[arg-type]
    assert checked == ["filters"] and sent == []
    assert next(items) == 0 and len(sent) == 1
    assert next(items) == 1 and len(sent) == 1
    assert next(items) == 2 and len(sent) == 2
    assert list(items) == [3, 4, 5] and len(sent) == 3


def test_a_listing_check_that_fails_raises_at_the_call() -> None:
    def listing() -> Iterator[Any]:
        raise walletpass.ValidationError("bad filter")
        yield  # a generator

    with pytest.raises(walletpass.ValidationError):
        drive_items(listing(), _answer_404)  # type: ignore[arg-type]


def test_run_refuses_a_plan_that_emits_items() -> None:
    def listing() -> Plan[None]:
        yield Emit([1])

    with pytest.raises(TypeError, match="drive_items"):
        drive(listing(), _answer_404)


def test_each_runs_one_more_plan_per_item_and_hands_errors_to_the_plan_that_asked() -> None:
    def listing() -> Iterator[Any]:
        yield Emit([1, 2])
        try:
            yield Send(GET, "list")
        except NotFound:
            yield Emit([3])

    def doubled(item: int) -> Plan[int]:
        yield Now()
        return item * 2

    def answer(step: Any) -> Any:
        if isinstance(step, Send):
            raise NotFound("no page 2")
        return 0.0

    assert list(drive_items(each(listing(), doubled), answer)) == [2, 4, 6]  # type: ignore[arg-type]


def test_waits_and_the_clock_are_the_drivers() -> None:
    def polling() -> Plan[float]:
        started = yield Now()
        now = started
        while now - started < 10:
            now = yield Wait(3)
        return float(now - started)

    scripted = ScriptedDriver(walletpass.connect("fake"), answer_with)
    assert scripted.run(polling()) == 12
    assert scripted.waits == [3, 3, 3, 3]


# -- the recoverable create -----------------------------------------------------------------------


def _unknown() -> WalletPassError:
    return ProviderUnavailable("timed out after sending", outcome_unknown=True)


@given(
    failures=st.integers(min_value=0, max_value=4),
    found_after=st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
    attempts=st.integers(min_value=1, max_value=4),
)
def test_recovering_looks_up_after_every_unknown_outcome_and_never_sends_past_a_find(
    failures: int, found_after: int | None, attempts: int
) -> None:
    sent: list[str] = []
    looked: list[int] = []

    def attempt() -> Plan[str]:
        yield Send(GET, "create")
        sent.append("create")
        if len(sent) <= failures:
            raise _unknown()
        return "created"

    def look_up(error: WalletPassError) -> Plan[str | None]:
        assert error.outcome_unknown
        yield Send(GET, "lookup")
        looked.append(len(sent))
        return "found" if found_after is not None and len(looked) > found_after else None

    try:
        result: str | None = drive(recovering(attempt, look_up, attempts), lambda s: None)
    except ProviderUnavailable:
        result = None
    # Every ambiguous failure is looked up before anything is sent again.
    assert len(looked) == min(len(sent), failures)
    if result == "found":
        assert len(sent) == len(looked)  # nothing sent after the pass was found
    elif result == "created":
        assert len(sent) == failures + 1 <= attempts
    else:
        assert len(sent) == attempts <= failures


def test_recovering_raises_a_failure_that_is_not_ambiguous_without_looking() -> None:
    def attempt() -> Plan[str]:
        yield Send(GET, "create")
        raise walletpass.BusinessRuleError("refused")

    def look_up(error: WalletPassError) -> Plan[None]:
        raise AssertionError("looked up after a plain refusal")
        yield

    with pytest.raises(walletpass.BusinessRuleError):
        drive(recovering(attempt, look_up, 3), lambda s: None)


class _LooksUp(walletpass.Provider):
    name = "looks-up"

    def plan_find_by_external_id(self, new_pass: Pass) -> Plan[IssuedPass | None]:
        yield Send(GET, "create")
        return None


def test_a_failed_look_up_is_an_unknown_outcome_and_nothing_is_sent_again() -> None:
    def attempt() -> Plan[IssuedPass]:
        yield Send(GET, "create")
        raise _unknown()

    new_pass = Pass(template="t", external_id="order-1")
    steps: list[Any] = []

    def answer(step: Any) -> Any:
        steps.append(step)
        if len(steps) == 2:  # the look-up
            raise ProviderUnavailable("lookup down")

    with pytest.raises(OutcomeUnknown) as raised:
        drive(_LooksUp().plan_recoverable_create(new_pass, attempt), answer)
    assert raised.value.outcome_unknown
    assert len(steps) == 2


# -- sans-IO: a plan replayed from a recording gives what it gave over HTTP ------------------------


@pytest.fixture(scope="module", params=sorted(DASHBOARDS))
def vendor(request: pytest.FixtureRequest) -> Iterator[walletpass.Provider]:
    name = request.param
    app = load_emulator(name, **DASHBOARDS[name])
    with EmulatorServer(app) as server:
        prefix = f"WALLETPASS_{name.upper()}_"
        env = {
            "WALLETPASS_PROVIDER": name,
            prefix + "BASE_URL": server.url,
            prefix + "API_KEY": app.api_key,
        }
        with walletpass.from_config(CONFIG, env=env) as wallet:
            yield wallet


def _same_over_http_and_replayed(
    wallet: walletpass.Provider, make_plan: Any, operation: str
) -> Any:
    if _version_1(wallet, operation):
        # An execute_<op> override sends by itself: there is no plan to replay.
        return None
    with Recorder(wallet) as recorded:
        over_http = wallet.run(make_plan())
    assert recorded.exchanges, "the plan sent nothing"
    replayed = ScriptedDriver.replaying(wallet, recorded.exchanges)
    assert replayed.run(make_plan()) == over_http
    assert len(replayed.sent) == len(recorded.exchanges)
    return over_http


def test_every_operation_replayed_without_http_gives_what_it_gave_over_http(
    vendor: walletpass.Provider,
) -> None:
    card = Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=f"plans-{vendor.name}",
        holder=Holder(name="Ada Lovelace"),
        fields={"points": 10},
    )
    prepared = vendor.prepare_create(card)
    issued = _same_over_http_and_replayed(
        vendor, lambda: vendor.plan_create(prepared), "create"
    ) or vendor.execute_create(prepared)
    _same_over_http_and_replayed(vendor, lambda: vendor.plan_get(issued.id), "get")
    pass_id, change = vendor.prepare_update(issued.id, PassUpdate(fields={"points": 12}))
    _same_over_http_and_replayed(vendor, lambda: vendor.plan_update(pass_id, change), "update")
    if vendor.capabilities["list"].support.value != "none" and not _version_1(vendor, "list"):
        with Recorder(vendor) as recorded:
            over_http = list(vendor.iterate(vendor.plan_list(walletpass.ListFilters())))
        replayed = ScriptedDriver.replaying(vendor, recorded.exchanges)
        assert list(replayed.items(vendor.plan_list(walletpass.ListFilters()))) == over_http


def test_a_spend_replayed_without_http_gives_what_it_gave_over_http(
    vendor: walletpass.Provider,
) -> None:
    if "none" in (vendor.capabilities[c].support.value for c in ("balance", "redeem")):
        pytest.skip(f"{vendor.name} cannot spend from a balance")
    card = Pass(
        template="coffee-card",
        kind="loyalty",
        external_id=f"plans-spend-{vendor.name}",
        holder=Holder(name="Ada Lovelace"),
        fields={"points": 10},
    )
    issued = vendor.create(card)
    options = {"kind": "loyalty"} if vendor.name == "livepasses" else {}
    _same_over_http_and_replayed(
        vendor, lambda: vendor.plan_redeem(issued.id, Decimal(2), options), "redeem"
    )


def _version_1(wallet: walletpass.Provider, operation: str) -> bool:
    name = f"execute_{operation}"
    return getattr(type(wallet), name) is not getattr(Driver, name)


# -- version 1 of the contract ------------------------------------------------------------------


class _Version1(walletpass.Provider):
    """A plugin written for version 1: it sends by itself in execute_create."""

    name = "version-one"
    provider_api_version = 1
    capabilities = walletpass.Capabilities(
        {
            walletpass.Capability.CREATE: walletpass.native("x"),
            walletpass.Capability.KIND_GENERIC: walletpass.native("x"),
        }
    )

    def execute_create(self, new_pass: Pass) -> IssuedPass:
        return IssuedPass(id="made-by-v1", vendor_id="made-by-v1", provider=self.name)


def test_a_version_1_plugin_still_loads_and_its_execute_override_runs() -> None:
    walletpass.register_provider("version-one", _Version1)
    try:
        wallet = walletpass.connect("version-one")
        assert wallet.create(Pass(template="t")).id == "made-by-v1"
    finally:
        walletpass.unregister_provider("version-one")


# -- vendor-only operations written as plans ------------------------------------------------------


class _PlanOperation(walletpass.Provider):
    name = "plan-operation"

    @vendor_operation(walletpass.native("GET /things/{key}"))
    def look(self, key: str) -> Plan[str]:
        response = yield Send(VendorRequest("GET", f"things/{key}", Safety.SAFE), "look")
        return str(response.json()["value"])

    @vendor_operation(walletpass.native("GET /things, paged"))
    def keys(self) -> Iterator[str]:  # a generator of items: a lazy listing, not a plan
        yield "a"
        yield "b"


def test_a_vendor_operation_written_as_a_plan_is_run_by_the_driver_and_exposes_its_plan() -> None:
    provider = _PlanOperation()
    scripted = ScriptedDriver(provider, lambda r: answer_with(r, 200, {"value": r.path}))
    provider.run = scripted.run  # type: ignore[method-assign]  # the loop, without HTTP
    assert provider.look("k1") == "things/k1"
    operation = operation_of(_PlanOperation, "look")
    assert operation is not None and operation.plan is not None
    assert scripted.run(operation.plan(provider, "k2")) == "things/k2"
    assert [r.path for r in scripted.sent] == ["things/k1", "things/k2"]


def test_a_generator_of_items_stays_a_lazy_listing() -> None:
    assert list(_PlanOperation().keys()) == ["a", "b"]
    operation = operation_of(_PlanOperation, "keys")
    assert operation is not None and operation.plan is None


def test_the_fakes_operations_are_plans_that_send_nothing() -> None:
    wallet = walletpass.connect("fake")

    def refuse(request: VendorRequest) -> Any:
        raise AssertionError(f"the fake sent {request.describe()}")

    driver = ScriptedDriver(wallet, refuse)
    issued = driver.run(wallet.plan_create(wallet.prepare_create(Pass(template="t"))))
    assert driver.run(wallet.plan_get(issued.id)).id == issued.id
    listed = driver.items(wallet.plan_list(walletpass.ListFilters()))
    assert [p.id for p in listed] == [issued.id]
    assert driver.sent == []
