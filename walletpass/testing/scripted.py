"""Drive a provider's plans with no HTTP at all: answers come from a script.

A plan (:mod:`walletpass.plans`) only yields steps, so a test can answer them itself: hand
:class:`ScriptedDriver` the responses (or a function that makes them) and it drives the plan
through the same loop as the provider (:func:`walletpass.plans.drive`), reading each answer
through the provider's own :meth:`~walletpass.driver.Driver.accept` (its error table), on a clock
of its own (a ``Wait`` advances it without sleeping). Plugin authors test multi-request
operations this way; :class:`Recorder` captures the exchanges of a run over an emulator so the
same plan can be replayed from them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from walletpass.callbacks import acall_back, call_back
from walletpass.driver import Driver
from walletpass.errors import WalletPassError
from walletpass.plans import (
    Call,
    ListPlan,
    Now,
    Plan,
    Send,
    Step,
    Together,
    Wait,
    adrive,
    adrive_items,
    drive,
    drive_items,
    first_step,
)
from walletpass.transport import Transport, VendorRequest, VendorResponse

__all__ = ["Exchange", "Recorder", "ScriptedDriver", "answer_with"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request a plan sent and the answer it got."""

    request: VendorRequest
    response: VendorResponse


def answer_with(
    request: VendorRequest,
    status: int = 200,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> VendorResponse:
    """A response to ``request`` as the transport makes one: ``body`` as JSON (bytes as they
    are), lower-case header names, the request attached for the parse hooks."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return VendorResponse(
        status=status,
        headers={
            k.lower(): v for k, v in (headers or {"content-type": "application/json"}).items()
        },
        body=raw,
        method=request.method,
        path=request.path_template or request.path,
        request=request,
    )


@dataclass
class ScriptedDriver:
    """Drives ``provider``'s plans, each ``Send`` answered by ``respond(request)``.

    :param provider: the provider whose plans run (only its pure hooks and ``accept`` are used).
    :param respond: makes the answer to a request (any status: a non-2xx one is thrown into the
        plan as the error the provider's error table maps it to).
    :param clock: the clock's start, in seconds.
    """

    provider: Driver[Any]
    respond: Callable[[VendorRequest], VendorResponse]
    clock: float = 0.0
    #: Every request sent, in order.
    sent: list[VendorRequest] = field(default_factory=list)
    #: Every pause asked for, in seconds.
    waits: list[float] = field(default_factory=list)
    #: Every callback called: its name and arguments.
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    @classmethod
    def replaying(cls, provider: Driver[Any], exchanges: Iterable[Exchange]) -> ScriptedDriver:
        """A driver answering with ``exchanges``' responses in order, each only to a request
        equal to the one recorded (else ``AssertionError``: the plan asked something else)."""
        pending = list(exchanges)

        def respond(request: VendorRequest) -> VendorResponse:
            assert pending, f"the plan sent {request.describe()} after the recorded exchanges"
            exchange = pending.pop(0)
            assert _same_request(request, exchange.request), (
                f"the plan sent {request.describe()}, the recording {exchange.request.describe()}"
            )
            return exchange.response

        return cls(provider, respond)

    def run(self, plan: Plan[_T]) -> _T:
        """The plan's result, as :meth:`Driver.run` would give it."""
        return drive(plan, self.answer)

    def items(self, plan: ListPlan) -> Iterator[Any]:
        """A listing's items, as :meth:`Driver.iterate` would give them."""
        return drive_items(plan, self.answer)

    async def arun(self, plan: Plan[_T]) -> _T:
        """The plan's result through the async loop (:func:`walletpass.plans.adrive`, the one
        :class:`walletpass.aio.AsyncProvider` drives with): the same script and clock, a
        coroutine callback awaited; so a test shows both APIs give one result."""
        return await adrive(plan, self.aanswer)

    async def aitems(self, plan: ListPlan) -> AsyncIterator[Any]:
        """A listing's items through the async loop (:func:`walletpass.plans.adrive_items`)."""
        async for item in adrive_items(plan, first_step(plan), self.aanswer):
            yield item

    async def aanswer(self, step: Step) -> Any:
        """:meth:`answer` for the async loop: a ``Call``'s awaitable is awaited, a
        ``Together``'s plans run one after the other through :meth:`arun`."""
        if isinstance(step, Call):
            self.calls.append((step.name, step.args))
            return await acall_back(step)
        if isinstance(step, Together):
            outcomes: list[Any] = []
            for plan in step.plans:
                try:
                    outcomes.append(await self.arun(plan))
                except WalletPassError as exc:
                    outcomes.append(exc)
            return outcomes
        return self.answer(step)

    def answer(self, step: Step) -> Any:
        if isinstance(step, Send):
            self.sent.append(step.request)
            response = self.respond(step.request)
            return self.provider.accept(response, step.request, step.operation)
        if isinstance(step, Wait):
            self.waits.append(step.seconds)
            self.clock += max(step.seconds, 0.0)
            return self.clock
        if isinstance(step, Now):
            return self.clock
        if isinstance(step, Call):
            self.calls.append((step.name, step.args))
            return call_back(step)
        if isinstance(step, Together):
            # One after the other, in order: a script answers in the order requests are sent.
            outcomes: list[Any] = []
            for plan in step.plans:
                try:
                    outcomes.append(self.run(plan))
                except WalletPassError as exc:
                    outcomes.append(exc)
            return outcomes
        raise TypeError(f"not a step a plan may yield: {step!r}")


class Recorder:
    """Records every exchange of a provider over its real transport (an emulator's HTTP):
    ``with Recorder(provider) as recorded: ...`` then ``recorded.exchanges``."""

    def __init__(self, provider: Driver[Any]) -> None:
        self.provider = provider
        self.exchanges: list[Exchange] = []
        self._transport: Transport | None = None

    def __enter__(self) -> Recorder:
        transport = self.provider.transport
        original = transport.send
        self._transport = transport

        def send(request: VendorRequest, *, operation: str | None = None) -> VendorResponse:
            response = original(request, operation=operation)
            self.exchanges.append(Exchange(request, response))
            return response

        transport.send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._transport is not None:
            del self._transport.send  # the class's method again


def _same_request(a: VendorRequest, b: VendorRequest) -> bool:
    return (a.method, a.path, _query(a), a.json if a.has_json else None, a.data) == (
        b.method,
        b.path,
        _query(b),
        b.json if b.has_json else None,
        b.data,
    )


def _query(request: VendorRequest) -> list[tuple[str, Any]]:
    query = request.query or ()
    pairs = query.items() if isinstance(query, Mapping) else query
    return sorted((str(k), v) for k, v in pairs if v is not None)
