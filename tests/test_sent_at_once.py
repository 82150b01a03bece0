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
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import (
    Balance,
    Barcode,
    Event,
    Holder,
    IssuedPass,
    Pass,
    PassKind,
    WalletPassError,
)
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
    # (its plan_create and plan_get are marked plain_when: no balance, no alias naming one)
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
    ("vendor", "operation"),
    [("pass2u", "create"), ("passentry", "create"), *((v, "get") for v in PASSES)],
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
    arguments = (argument,) if operation == "get" else (argument, None)
    assert sent_at_once(at_once, operation, *arguments)
    assert not sent_at_once(driven, operation, *arguments)

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

    assert not sent_at_once(OwnLoop(api_key="k"), "get", "p")
    assert not sent_at_once(OwnPlan(api_key="k"), "get", "p")
    assert sent_at_once(OwnPlan(api_key="k"), "create", PASSES["pass2u"](0), None)
    # Livepasses reads a create's answer and a get in several steps: its own plans.
    livepasses = walletpass.connect("livepasses", api_key="k")
    assert not sent_at_once(livepasses, "create", PASSES["pass2u"](0), None)
    assert not sent_at_once(livepasses, "get", "p")


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
    arguments = (argument,) if operation == "get" else (argument, None)
    assert sent_at_once(at_once, operation, *arguments)
    assert not sent_at_once(driven_wallet, operation, *arguments)

    def failure(wallet: Any) -> tuple[Any, ...]:
        with pytest.raises(WalletPassError) as caught:
            getattr(wallet, operation)(argument)
        cause = caught.value.__cause__
        return (type(caught.value), str(caught.value), type(cause), str(cause))

    assert failure(at_once) == failure(driven_wallet)


@pytest.mark.parametrize(("vendor", "operation"), [("pass2u", "create"), ("livepass", "get")])
@pytest.mark.parametrize("wrong", [dict, list, str])
def test_a_parse_hook_returning_another_type_is_named_in_the_error(
    recorded: dict[str, dict[str, list[tuple[Any, VendorResponse]]]],
    vendor: str,
    operation: str,
    wrong: type,
) -> None:
    """A plugin's parse hook that returns the vendor's JSON (or anything but an IssuedPass)
    fails saying so, sent at once and driven alike, not with the AttributeError of the result's
    first use ('dict' object has no attribute 'id')."""
    argument, response = recorded[vendor][operation][0]
    for driven in (False, True):
        wallet = walletpass.connect(vendor, base_url="http://127.0.0.1:9", api_key="k")
        if driven:
            wallet.run = wallet.run  # (an instance's own loop: the plan is made and driven)
        answering(wallet, response.status, response.body or b"", dict(response.headers))
        setattr(wallet, f"parse_{operation}", lambda *_: wrong())
        with pytest.raises(WalletPassError) as caught:
            getattr(wallet, operation)(argument)
        message = str(caught.value)
        assert f"gave {wrong.__name__}, not an IssuedPass: " in message, message
        assert f"parse_{operation}" in message and "no attribute" not in message, message


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
    assert sent_at_once(wallet, "get", argument)
    first = wallet.get(argument)
    owner = type(wallet) if where == "provider class" else Driver
    own_plan = owner.plan_get
    planned: list[str] = []

    def plan_get(self: Any, pass_id: str) -> Any:
        planned.append(pass_id)
        return own_plan(self, pass_id)

    with monkeypatch.context() as patched:
        patched.setattr(owner, "plan_get", plan_get)
        assert not sent_at_once(wallet, "get", argument)
        assert wallet.get(argument) == first
        assert planned == [argument]
    assert sent_at_once(wallet, "get", argument)
    assert wallet.get(argument) == first
    assert planned == [argument]


def test_a_plan_marked_plain_is_sent_at_once_only_where_its_test_holds() -> None:
    """PassEntry's plan_get adds a balance read only where a template alias names a
    balance_field, its plan_create also where the pass has a balance: otherwise the call is sent
    at once, else driven (asked on each call: aliases changed after connect() count)."""
    plain = PASSES["passentry"](0)
    points = Pass(template=plain.template, balance=Balance(amount=5))
    wallet = walletpass.connect("passentry", api_key="k")
    assert sent_at_once(wallet, "get", "p")
    assert sent_at_once(wallet, "create", plain, None)
    assert sent_at_once(wallet, "recoverable create", plain, None)
    assert not sent_at_once(wallet, "create", points, None)
    aliases = {"card": {"id": "5f0e9c1d2b3a4f5e6d7c8b9a", "balance_field": "points"}}
    with_balance = walletpass.connect("passentry", api_key="k", templates=aliases)
    assert not sent_at_once(with_balance, "get", "p")
    assert not sent_at_once(with_balance, "create", plain, None)
    with_balance.settings.templates.clear()
    assert sent_at_once(with_balance, "get", "p")
    assert sent_at_once(with_balance, "create", plain, None)
    wallet.run = wallet.run  # (an instance's own loop: the plan is made and driven)
    assert not sent_at_once(wallet, "get", "p")
    assert not sent_at_once(wallet, "create", plain, None)


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

    assert not sent_at_once(Own(api_key="k"), "get", "p")
    wallet = cls(api_key="k")
    for owner in (cls, Provider, Driver):
        marked = cls.plan_get

        def plan_get(self: Any, pass_id: str, marked: Any = marked) -> Any:
            return marked(self, pass_id)

        with monkeypatch.context() as patched:
            patched.setattr(owner, "plan_get", plan_get)
            assert not sent_at_once(wallet, "get", "p"), owner
        assert sent_at_once(wallet, "get", "p")


def test_a_test_written_for_the_provider_only_is_still_honoured() -> None:
    """A ``plain_when`` test written before the plan's arguments were passed to it (one
    parameter: the provider, as plugins.md documented until 2026-12-01) is still asked with the
    provider alone: the plugin's get and create are sent at once where it holds, and driven where
    it does not, instead of failing on every call."""
    from walletpass.plans import plain_when

    cls = type(walletpass.connect("pass2u", api_key="k"))
    asked: list[Any] = []

    class Old(cls):  # type: ignore[misc,valid-type]
        @plain_when(lambda provider: asked.append(provider) or provider.settings.max_retries < 5)
        def plan_get(self, pass_id: str) -> Any:
            return super().plan_get(pass_id)

        @plain_when(lambda provider: provider.settings.max_retries < 5)
        def plan_create(self, new_pass: Pass, request: Any = None) -> Any:
            return super().plan_create(new_pass, request)

    plain = Old(api_key="k")
    assert sent_at_once(plain, "get", "p")
    assert asked == [plain]
    assert sent_at_once(plain, "create", PASSES["pass2u"](0), None)
    assert not sent_at_once(Old(api_key="k", max_retries=6), "get", "p")
    assert not sent_at_once(Old(api_key="k", max_retries=6), "create", PASSES["pass2u"](0), None)


# -- a recoverable create (an external id): its first attempt sent at once -------------------------

#: What a create's POST may be answered with: the vendor's pass (as recorded, or changed), a
#: refusal, a failure that may have acted (``outcome_unknown``: the look-up follows).
CREATE_STATUSES = [201, 201, 200, 400, 409, 422, 429, 500, 502, 503, 504]
#: What the look-up's GET may be answered with: the pass found (as recorded, or changed: another
#: template, nullified...), none (404), or a failure (the look-up cannot tell).
LOOKUP_STATUSES = [200, 200, 404, 404, 401, 500, 503]


@st.composite
def answers(draw: st.DrawFn, statuses: list[int], recorded_body: bytes) -> tuple[int, bytes]:
    return draw(st.sampled_from(statuses)), draw(bodies(recorded_body))


def scripted(wallet: Any, script: dict[str, list[tuple[int, bytes]]]) -> list[str]:
    """``wallet``'s transport answering each POST and each GET with the next answer of its
    script (a 503 once the script is used up); returns what it was asked, in order."""
    asked: list[str] = []
    left = {method: list(queue) for method, queue in script.items()}

    def send(request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
        asked.append(f"{operation} {request.method} {request.path}")
        queue = left.get(request.method, [])
        status, body = queue.pop(0) if queue else (503, b"")
        return answer_with(request, status, body, {"content-type": "application/json"})

    wallet.transport.send = send
    return asked


def failure_outcome(call: Any) -> tuple[Any, ...]:
    try:
        issued = call()
    except WalletPassError as exc:
        cause = exc.__cause__
        return (
            type(exc).__name__,
            str(exc),
            exc.outcome_unknown,
            exc.retryable,
            getattr(exc, "status", None),
            exc.operation,
            type(cause).__name__,
            str(cause),
        )
    return ("issued", issued, sorted(issued.model_fields_set))


@settings(
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_recoverable_create_sent_at_once_is_the_one_its_plan_makes(
    recorded: dict[str, dict[str, list[tuple[Any, VendorResponse]]]], data: st.DataObject
) -> None:
    """A create with an external id sent at once (PassEntry's: RECOVERABLE) makes the requests
    driving ``plan_recoverable_create`` makes, in the same order, and ends the same (the same
    pass, or the same error: type, text, flags, cause), over sequences of answers: a success
    first, ambiguous failures each followed by the look-up (which finds the pass, finds none,
    or fails), refusals that end the create at once, attempts used up (``max_retries``)."""
    made, created = data.draw(st.sampled_from(recorded["passentry"]["create"]))
    _, read = data.draw(st.sampled_from(recorded["passentry"]["get"]))
    new_pass = Pass(
        template=made.template,
        holder=made.holder,
        external_id=data.draw(st.sampled_from(["order-1", "A-77"])),
    )
    script = {
        "POST": data.draw(
            st.lists(answers(CREATE_STATUSES, created.body or b""), min_size=1, max_size=4)
        ),
        "GET": data.draw(st.lists(answers(LOOKUP_STATUSES, read.body or b""), max_size=4)),
    }
    retries = data.draw(st.integers(0, 3))
    at_once = walletpass.connect(
        "passentry", base_url="http://127.0.0.1:9", api_key="k", max_retries=retries
    )
    driven = walletpass.connect(
        "passentry", base_url="http://127.0.0.1:9", api_key="k", max_retries=retries
    )
    driven.run = driven.run  # (an instance's own loop: the plan is made and driven)
    assert sent_at_once(at_once, "recoverable create", new_pass, None)
    assert not sent_at_once(driven, "recoverable create", new_pass, None)

    sent_fast = scripted(at_once, script)
    sent_driven = scripted(driven, script)

    ended = failure_outcome(lambda: at_once.create(new_pass))
    assert ended == failure_outcome(lambda: driven.create(new_pass))
    assert sent_fast == sent_driven
    event(f"{sum(' GET ' in line for line in sent_fast)} look-ups, ended {ended[0]}")


def test_a_recoverable_create_honours_overrides_of_its_look_up_and_loop() -> None:
    """Sent at once, an ambiguous failure is looked up through the provider's own
    ``plan_reconcile_create`` and ``plan_find_by_external_id``; a provider with its own
    ``plan_recoverable_create`` has its recoverable creates driven (its plain ones still sent at
    once)."""
    cls = type(walletpass.connect("passentry", api_key="k"))
    looked: list[str] = []

    class OwnLookUp(cls):  # type: ignore[misc,valid-type]
        def plan_find_by_external_id(self, new_pass: Pass) -> Any:
            looked.append(f"find {new_pass.external_id}")
            return (yield from super().plan_find_by_external_id(new_pass))

        def plan_reconcile_create(self, sent: Any, new_pass: Pass, request: Any = None) -> Any:
            looked.append(f"reconcile {type(sent).__name__}")
            return (yield from super().plan_reconcile_create(sent, new_pass, request))

    class OwnLoop(cls):  # type: ignore[misc,valid-type]
        def plan_recoverable_create(self, new_pass: Pass, attempt: Any, request: Any = None) -> Any:
            looked.append("own loop")
            return (yield from super().plan_recoverable_create(new_pass, attempt, request))

    new_pass = Pass(template="19cb334f9696e64e10e7759f", external_id="order-1")
    wallet = OwnLookUp(base_url="http://127.0.0.1:9", api_key="k", max_retries=0)
    assert sent_at_once(wallet, "recoverable create", new_pass, None)
    asked = scripted(wallet, {"POST": [(500, b"")], "GET": [(404, b"")]})
    with pytest.raises(WalletPassError) as failed:
        wallet.create(new_pass)
    assert failed.value.outcome_unknown and failed.value.status == 500
    assert looked == ["reconcile ProviderUnavailable", "find order-1"]
    assert [line.split()[1] for line in asked] == ["POST", "GET"]

    looked.clear()
    own_loop = OwnLoop(base_url="http://127.0.0.1:9", api_key="k", max_retries=0)
    assert not sent_at_once(own_loop, "recoverable create", new_pass, None)
    assert sent_at_once(own_loop, "create", new_pass, None)
    scripted(own_loop, {"POST": [(500, b"")], "GET": [(404, b"")]})
    with pytest.raises(WalletPassError):
        own_loop.create(new_pass)
    assert looked == ["own loop"]


def test_a_redeem_hook_returning_another_type_is_named_in_the_error() -> None:
    """The spend's result passes through neutral_redemption first: anything but a Redemption
    (the IssuedPass a plugin's parse_redeem built from the vendor's pass answer) is named."""
    from walletpass.presentation import neutral_redemption

    issued = IssuedPass(id="p1", vendor_id="p1", provider="acme")
    with pytest.raises(TypeError, match="redeem gave IssuedPass, not a Redemption: parse_redeem"):
        neutral_redemption(issued, None)  # type: ignore[arg-type]
