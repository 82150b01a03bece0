"""A create or a get the public method sends at once (the driver's own plan of one request, with
nothing of it replaced: no generator made and stepped) gives exactly what driving that plan gives:
the same pass, or the same error (type, message, ``outcome_unknown``, status), over answers of
every kind: the vendor's own (recorded from its emulator), the same with a part missing or of
another type, error statuses, bodies that are not JSON (issue 18).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import Barcode, Event, Holder, Pass, PassKind, WalletPassError
from walletpass.driver import sent_at_once
from walletpass.testing.emulator import EmulatorServer
from walletpass.testing.emulators import load_emulator
from walletpass.testing.scripted import Recorder, answer_with
from walletpass.transport import VendorRequest, VendorResponse

DASHBOARDS: dict[str, dict[str, Any]] = tomllib.loads(
    (Path(__file__).with_name("portability") / "vendors.toml").read_text(encoding="utf-8")
)["dashboards"]

#: Passes whose create and get each vendor sends as the driver's plan of one request.
PASSES = {
    "pass2u": lambda i: Pass(
        template="7001", barcode=Barcode(message=f"m-{i}"), fields={"name": f"Ada {i}"}
    ),
    "livepass": lambda i: Pass(
        template="reservation",
        kind=PassKind.RESERVATION,
        holder=Holder(name=f"Guest {i}"),
        event=Event(title="Dinner", starts_at=datetime(2027, 3, 1, 19, 30, tzinfo=UTC)),
    ),
    # (a get only: PassEntry's create is its own plan; its plan_get is marked plain_when)
    "passentry": lambda i: Pass(template="19cb334f9696e64e10e7759f", holder=Holder(name=f"A{i}")),
}


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, dict[str, list[tuple[Any, VendorResponse]]]]]:
    """Per vendor and operation: (argument, the vendor's answer) of a few calls to its
    emulator."""
    answers: dict[str, dict[str, list[tuple[Any, VendorResponse]]]] = {}
    for vendor, make in PASSES.items():
        app = load_emulator(vendor, **DASHBOARDS[vendor])
        with EmulatorServer(app) as server:
            wallet = walletpass.connect(vendor, base_url=server.url, api_key=app.api_key)
            kept: dict[str, list[tuple[Any, VendorResponse]]] = {"create": [], "get": []}
            for i in range(3):
                new_pass = make(i)
                with Recorder(wallet) as recorder:
                    issued = wallet.create(new_pass)
                kept["create"].append((new_pass, recorder.exchanges[-1].response))
                with Recorder(wallet) as recorder:
                    wallet.get(issued.id)
                kept["get"].append((issued.id, recorder.exchanges[-1].response))
            wallet.close()
        answers[vendor] = kept
    yield answers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@st.composite
def bodies(draw: st.DrawFn, recorded_body: bytes) -> bytes:
    """The vendor's answer as it was, with a part dropped or replaced, or something else."""
    choice = draw(st.sampled_from(["as recorded", "part changed", "json", "not json"]))
    if choice == "as recorded":
        return recorded_body
    if choice == "json":
        return json.dumps(draw(json_values)).encode()
    if choice == "not json":
        return draw(st.binary(max_size=20))
    try:
        data = json.loads(recorded_body)
    except ValueError:  # (a download, not JSON)
        return recorded_body[: draw(st.integers(0, len(recorded_body)))]
    if not isinstance(data, dict) or not data:
        return json.dumps(draw(json_values)).encode()
    key = draw(st.sampled_from(sorted(data)))
    if draw(st.booleans()):
        del data[key]
    else:
        data[key] = draw(json_values)
    return json.dumps(data).encode()


def outcome(call: Any) -> tuple[Any, ...]:
    try:
        issued = call()
    except WalletPassError as exc:
        return (type(exc).__name__, str(exc), exc.outcome_unknown, getattr(exc, "status", None))
    return ("issued", issued, sorted(issued.model_fields_set))


def answering(wallet: Any, status: int, body: bytes, headers: dict[str, str]) -> list[str]:
    """``wallet``'s transport answering every request with ``status`` and ``body``; returns
    the operations it was asked for, in order."""
    asked: list[str] = []

    def send(request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        asked.append(f"{operation} {request.method} {request.path}")
        return answer_with(request, status, body, headers)

    wallet.transport.send = send
    return asked


@settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
# (LivePass's create names the pass with a fresh random id: two creates never send the same)
@pytest.mark.parametrize(
    ("vendor", "operation"), [("pass2u", "create"), *((v, "get") for v in PASSES)]
)
def test_an_operation_sent_at_once_is_the_one_its_plan_makes(
    recorded: dict[str, dict[str, list[tuple[Any, VendorResponse]]]],
    vendor: str,
    operation: str,
    data: st.DataObject,
) -> None:
    argument, response = data.draw(st.sampled_from(recorded[vendor][operation]))
    status = data.draw(st.sampled_from([response.status, 200, 201, 400, 404, 409, 429, 500, 503]))
    body = data.draw(bodies(response.body or b""))
    headers = dict(response.headers)
    at_once = walletpass.connect(vendor, base_url="http://127.0.0.1:9", api_key="k")
    driven = walletpass.connect(vendor, base_url="http://127.0.0.1:9", api_key="k")
    driven.run = driven.run  # (an instance's own loop: the plan is made and driven)
    assert sent_at_once(at_once, operation) and not sent_at_once(driven, operation)

    sent_fast = answering(at_once, status, body, headers)
    sent_driven = answering(driven, status, body, headers)
    method = getattr(at_once, operation)

    assert outcome(lambda: method(argument)) == outcome(
        lambda: getattr(driven, operation)(argument)
    )
    assert sent_fast == sent_driven


def test_a_class_replacing_a_step_of_the_plan_is_driven() -> None:
    class OwnLoop(type(walletpass.connect("pass2u", api_key="k"))):  # type: ignore[misc]
        def answer(self, step: Any) -> Any:
            return super().answer(step)

    class OwnPlan(type(walletpass.connect("pass2u", api_key="k"))):  # type: ignore[misc]
        def plan_get(self, pass_id: str) -> Any:
            return super().plan_get(pass_id)

    assert not sent_at_once(OwnLoop(api_key="k"), "get")
    assert not sent_at_once(OwnPlan(api_key="k"), "get")
    assert sent_at_once(OwnPlan(api_key="k"), "create")
    # Livepasses reads a create's answer and a get in several steps: its own plans.
    livepasses = walletpass.connect("livepasses", api_key="k")
    assert not sent_at_once(livepasses, "create") and not sent_at_once(livepasses, "get")


@pytest.mark.parametrize(("vendor", "operation"), [("pass2u", "create"), ("livepass", "get")])
def test_a_parse_hook_raising_stop_iteration_fails_as_when_its_plan_is_driven(
    recorded: dict[str, dict[str, list[tuple[Any, VendorResponse]]]], vendor: str, operation: str
) -> None:
    """A parse hook's ``next()`` on an empty list (a plugin's own hook) raises StopIteration:
    inside the plan's generator Python makes it a RuntimeError (PEP 479), and the call sent at
    once fails with the same error, of the same cause, as the driven plan."""
    argument, response = recorded[vendor][operation][0]
    wallets = []
    for driven in (False, True):
        wallet = walletpass.connect(vendor, base_url="http://127.0.0.1:9", api_key="k")
        if driven:
            wallet.run = wallet.run  # (an instance's own loop: the plan is made and driven)
        answering(wallet, response.status, response.body or b"", dict(response.headers))
        setattr(wallet, f"parse_{operation}", lambda *_: next(iter([])))
        wallets.append(wallet)
    at_once, driven_wallet = wallets
    assert sent_at_once(at_once, operation) and not sent_at_once(driven_wallet, operation)

    def failure(wallet: Any) -> tuple[Any, ...]:
        with pytest.raises(WalletPassError) as caught:
            getattr(wallet, operation)(argument)
        cause = caught.value.__cause__
        return (type(caught.value), str(caught.value), type(cause), str(cause))

    assert failure(at_once) == failure(driven_wallet)


@pytest.mark.parametrize("where", ["provider class", "Driver"])
def test_a_step_replaced_after_the_class_made_calls_is_driven(
    recorded: dict[str, dict[str, list[tuple[Any, VendorResponse]]]],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    """A test that patches a step (``monkeypatch.setattr`` on the provider class, or on the
    driver every provider shares) after the class has already sent calls at once has its patch
    used from the next call on, and the call is sent at once again once the patch is undone."""
    from walletpass.driver import Driver

    argument, response = recorded["pass2u"]["get"][0]
    wallet = walletpass.connect("pass2u", base_url="http://127.0.0.1:9", api_key="k")
    answering(wallet, response.status, response.body or b"", dict(response.headers))
    assert sent_at_once(wallet, "get")
    first = wallet.get(argument)
    owner = type(wallet) if where == "provider class" else Driver
    own_plan = owner.plan_get
    planned: list[str] = []

    def plan_get(self: Any, pass_id: str) -> Any:
        planned.append(pass_id)
        return own_plan(self, pass_id)

    with monkeypatch.context() as patched:
        patched.setattr(owner, "plan_get", plan_get)
        assert not sent_at_once(wallet, "get")
        assert wallet.get(argument) == first
        assert planned == [argument]
    assert sent_at_once(wallet, "get")
    assert wallet.get(argument) == first
    assert planned == [argument]


def test_a_plan_marked_plain_is_sent_at_once_only_where_its_test_holds() -> None:
    """PassEntry's plan_get adds a balance read only where a template alias names a
    balance_field: without one the get is sent at once, with one it is driven (asked on each
    call: aliases changed after connect() count)."""
    wallet = walletpass.connect("passentry", api_key="k")
    assert sent_at_once(wallet, "get")
    aliases = {"card": {"id": "5f0e9c1d2b3a4f5e6d7c8b9a", "balance_field": "points"}}
    with_balance = walletpass.connect("passentry", api_key="k", templates=aliases)
    assert not sent_at_once(with_balance, "get")
    with_balance.settings.templates.clear()
    assert sent_at_once(with_balance, "get")
    wallet.run = wallet.run  # (an instance's own loop: the plan is made and driven)
    assert not sent_at_once(wallet, "get")


def test_a_plan_replacing_a_marked_one_or_what_it_reaches_is_driven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mark belongs to the marked function: a subclass's override of it, a patch of it on
    its class, and a patch of the plan its ``super()`` reaches (on a class between it and the
    driver, or on the driver) are each driven; undone, the get is sent at once again."""
    from walletpass.driver import Driver
    from walletpass.provider import Provider

    cls = type(walletpass.connect("passentry", api_key="k"))

    class Own(cls):  # type: ignore[misc,valid-type]
        def plan_get(self, pass_id: str) -> Any:
            return super().plan_get(pass_id)

    assert not sent_at_once(Own(api_key="k"), "get")
    wallet = cls(api_key="k")
    for owner in (cls, Provider, Driver):
        marked = cls.plan_get

        def plan_get(self: Any, pass_id: str, marked: Any = marked) -> Any:
            return marked(self, pass_id)

        with monkeypatch.context() as patched:
            patched.setattr(owner, "plan_get", plan_get)
            assert not sent_at_once(wallet, "get"), owner
        assert sent_at_once(wallet, "get")
