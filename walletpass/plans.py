"""Operations that take several requests, written once as sans-IO plans.

A plan is a generator that yields *steps* and receives their answers; it never touches the
network, a clock or a sleep itself, so the same plan runs under the sync driver
(:meth:`walletpass.driver.Driver.run`, which sends through the provider's transport) and under
an async driver (which awaits the same steps), and under a test that answers from a script.

Steps:

* :class:`Send` ``(request, operation)``: the driver sends ``request`` through the core's one send
  path (retries, rate limit, deadline, error table). The plan receives the 2xx
  :class:`~walletpass.transport.VendorResponse`; an error answer (or a transport failure) is
  *thrown into* the plan as the walletpass error it maps to, so a plan writes
  ``try: response = yield Send(...) except NotFound: ...``.
* :class:`Wait` ``(seconds)``: a pause between polls (sync sleeps, async awaits); the plan
  receives the clock (see :class:`Now`) after the pause.
* :class:`Now` ``()``: the plan receives the driver's monotonic clock in seconds (deadlines of
  polling loops are measured with it, so a scripted driver can run them without waiting).
* :class:`Emit` ``(items)``: a listing hands ``items`` to the caller; the driver's lazy
  :meth:`~walletpass.driver.Driver.iterate` yields them before it resumes the plan (which then
  receives ``None``), so the next page is requested only when the caller needs it.
* :class:`Call` ``(callback, args, name)``: hand the caller's callback (a progress report) its
  arguments. The sync driver calls it; the async driver also awaits what it returns when that is
  awaitable, so an asyncio caller may pass a coroutine function. Write it with :func:`report`.
* :class:`Together` ``(plans, limit)``: run several plans at once, at most ``limit`` at a time
  (the sync driver in threads, the async one in tasks); answered with one outcome per plan, in
  order: its result, or the walletpass error it raised.

The helpers below are the plans every provider composes: :func:`single` (one request, one
parse), :func:`recovering` (the recoverable create: look up before any resend),
:func:`paging` (follow ``Page.next``), :func:`each` (one more plan per listed item) and
:func:`reading_back` (a write's answer completed by a read).
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Generator,
    Iterator,
    Sequence,
)
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

from walletpass.errors import InvalidResponse, WalletPassError
from walletpass.model import IssuedPass
from walletpass.readback import READ_BACK_FAILED, completed_by_read

if TYPE_CHECKING:
    from walletpass.contract import Page
    from walletpass.transport import VendorRequest, VendorResponse

__all__ = [
    "Answer",
    "Call",
    "Emit",
    "ListPlan",
    "Now",
    "Plan",
    "Send",
    "Step",
    "Together",
    "Wait",
    "adrive",
    "adrive_items",
    "as_part_of",
    "at_once",
    "drive",
    "drive_items",
    "each",
    "first_step",
    "paging",
    "plain_when",
    "reading_back",
    "recovering",
    "report",
    "single",
]

_T = TypeVar("_T")
_U = TypeVar("_U")
_I = TypeVar("_I")
_F = TypeVar("_F", bound=Callable[..., Any])


class Send(NamedTuple):
    """Send ``request`` for ``operation`` (the name errors and the rate limiter see).

    Answered with the 2xx ``VendorResponse``; any failure is thrown into the plan as the
    walletpass error it maps to (``outcome_unknown`` set wherever the request may have acted).
    """

    request: VendorRequest
    operation: str


class Wait(NamedTuple):
    """Pause ``seconds`` (>= 0) before going on; answered with the clock after the pause."""

    seconds: float


class Now(NamedTuple):
    """Answered with the driver's monotonic clock, in seconds."""


class Emit(NamedTuple):
    """Hand ``items`` of a listing to the caller (only in plans driven by ``iterate``)."""

    items: Sequence[Any]


class Call(NamedTuple):
    """Call ``callback(*args)``, the caller's callback named ``name`` (``"on_progress"``).

    Answered with ``None``. A callback that raises stops the operation: the driver throws a
    ``WalletPassError`` naming the callback into the plan (the callback's own walletpass error
    as it is); :func:`report` marks it ``outcome_unknown`` where requests may have acted.
    """

    callback: Callable[..., Any]
    args: tuple[Any, ...]
    name: str


class Together(NamedTuple):
    """Run ``plans`` at once, at most ``limit`` (>= 1) in flight; answered with one outcome per
    plan, in order: what it returned, or the ``WalletPassError`` it raised."""

    plans: Sequence[Plan[Any]]
    limit: int


Step: TypeAlias = Send | Wait | Now | Emit | Call | Together
#: A plan: yields steps, receives their answers, returns the operation's result.
Plan: TypeAlias = Generator[Step, Any, _T]
#: A listing's plan: yields steps (``Emit`` among them) and returns nothing.
ListPlan: TypeAlias = Generator[Step, Any, None]

#: A parse wrapper: ``parse(hook, response, *args)`` (:meth:`walletpass.driver.Driver.parse`).
Parse: TypeAlias = Callable[..., Any]


#: Carries out one step (not ``Emit``) and returns its answer; raises a walletpass error.
Answer: TypeAlias = Callable[[Step], Any]


def drive(plan: Plan[_T], answer: Answer) -> _T:
    """The sync loop: run ``plan`` to its end, ``answer`` carrying out each step.

    Each step's answer is sent into the plan; a walletpass error ``answer`` raises is thrown into
    it (``plan.throw``), where the plan may catch it. An async driver is this loop with
    ``await answer(step)``.

    :param plan: the plan.
    :param answer: carries out a step (a ``Send``: the 2xx response, else raises the mapped
        error; a ``Wait`` or ``Now``: the clock).
    :returns: what the plan returns.
    :raises WalletPassError: what the plan raises.
    :raises TypeError: the plan emits items (a listing: :func:`drive_items`).
    """
    reply: Any = None
    error: WalletPassError | None = None
    while True:
        try:
            step = plan.throw(error) if error is not None else plan.send(reply)
        except StopIteration as done:
            result: _T = done.value
            return result
        reply, error = None, None
        if isinstance(step, Emit):
            plan.close()
            raise TypeError("a plan that emits items is driven by drive_items(), not drive()")
        try:
            reply = answer(step)
        except WalletPassError as exc:
            error = exc


def drive_items(plan: ListPlan, answer: Answer) -> Iterator[Any]:
    """The sync loop for a listing: the items of each ``Emit`` of ``plan``, lazily.

    The plan runs at once up to its first step, so the checks it makes before its first request
    raise at the call; every later step is carried out when the caller needs the items it leads
    to.

    :param plan: the listing's plan.
    :param answer: as for :func:`drive`.
    :returns: an iterator of the items emitted.
    :raises WalletPassError: a check the plan makes before its first step (at the call); later
        errors are raised by the ``next()`` that needed them.
    """
    try:
        first = next(plan)
    except StopIteration:
        return iter(())
    return _items(plan, first, answer)


def _items(plan: ListPlan, step: Step, answer: Answer) -> Iterator[Any]:
    while True:
        reply: Any = None
        error: WalletPassError | None = None
        if isinstance(step, Emit):
            yield from step.items
        else:
            try:
                reply = answer(step)
            except WalletPassError as exc:
                error = exc
        try:
            step = plan.throw(error) if error is not None else plan.send(reply)
        except StopIteration:
            return


async def adrive(plan: Plan[_T], answer: Callable[[Step], Awaitable[Any]]) -> _T:
    """The async loop: :func:`drive` with ``await answer(step)`` (the async provider's and the
    scripted driver's, so both run one loop).

    :raises WalletPassError: what the plan raises.
    :raises TypeError: the plan emits items (a listing: :func:`adrive_items`).
    """
    outcome: tuple[Any, WalletPassError | None] = (None, None)
    while True:
        try:
            step = _resumed(plan, outcome)
        except StopIteration as done:
            result: _T = done.value
            return result
        if isinstance(step, Emit):
            plan.close()
            raise TypeError("a plan that emits items is driven by adrive_items(), not adrive()")
        # (the answer awaited here, not in a helper coroutine: one frame fewer on every step)
        try:
            outcome = (await answer(step), None)
        except WalletPassError as exc:
            outcome = (None, exc)


async def adrive_items(
    plan: ListPlan, step: Step | None, answer: Callable[[Step], Awaitable[Any]]
) -> AsyncIterator[Any]:
    """The async loop for a listing: :func:`drive_items` with ``await``, from ``step`` (the
    plan's first step, taken at the call so its checks raised there; ``None``: no step).

    :returns: an async iterator of the items emitted.
    :raises WalletPassError: a later step's error, by the iteration that needed it.
    """
    while step is not None:
        outcome: tuple[Any, WalletPassError | None] = (None, None)
        if isinstance(step, Emit):
            for item in step.items:
                yield item
        else:
            outcome = await _aanswered(answer, step)
        try:
            step = _resumed(plan, outcome)
        except StopIteration:
            return


def _resumed(plan: Plan[Any], outcome: tuple[Any, WalletPassError | None]) -> Step:
    """The plan's next step, ``outcome``'s answer sent in (or its error thrown in)."""
    reply, error = outcome
    return plan.throw(error) if error is not None else plan.send(reply)


async def _aanswered(
    answer: Callable[[Step], Awaitable[Any]], step: Step
) -> tuple[Any, WalletPassError | None]:
    """``step``'s answer, or the walletpass error carrying it out raised."""
    try:
        return await answer(step), None
    except WalletPassError as exc:
        return None, exc


def first_step(plan: ListPlan) -> Step | None:
    """Run a listing's plan to its first step (its checks raise here); ``None``: it has none."""
    try:
        return next(plan)
    except StopIteration:
        return None


def single(
    request: VendorRequest,
    operation: str,
    parse: Parse,
    hook: Callable[..., _T] | None,
    *args: Any,
) -> Plan[_T | None]:
    """Send one request and read its answer with ``hook`` (through ``parse``).

    :param request: the built request.
    :param operation: the operation's name.
    :param parse: the provider's parse wrapper (``InvalidResponse`` for an unreadable answer).
    :param hook: the parse hook, called as ``hook(response, *args)``; ``None``: nothing to read
        (the plan returns ``None``).
    :returns: what ``hook`` returns.
    :raises WalletPassError: the error the answer maps to.
    """
    response = yield Send(request, operation)
    if hook is None:
        return None
    result: _T = parse(hook, response, *args)
    return result


def at_once(work: Callable[..., _T], *args: Any) -> Plan[_T]:
    """A plan with no step: ``work(*args)``, called when the plan is driven (an operation of an
    in-memory backend, such as the fake provider's).

    :returns: a plan whose result is what ``work`` returns.
    :raises WalletPassError: what ``work`` raises.
    """
    return work(*args)
    yield  # a generator: never reached


def recovering(
    attempt: Callable[[], Plan[_T]],
    look_up: Callable[[WalletPassError], Plan[_U | None]],
    attempts: int,
    *,
    failed: WalletPassError | None = None,
) -> Plan[_T | _U]:
    """Run ``attempt`` until it succeeds; after a failure whose outcome is unknown, look first.

    The one recoverable-create loop: a failure with ``outcome_unknown`` (the request may have
    acted) is followed by ``look_up(error)``; what it finds is the result, ``None`` means the
    vendor holds nothing and the attempt is made again, at most ``attempts`` times in all.
    Any other failure is raised at once.

    :param attempt: makes the plan of one attempt (called afresh for each one).
    :param look_up: makes the plan of the look-up after ``error``: the thing found, or
        ``None``; it raises (``OutcomeUnknown``) when it cannot tell.
    :param attempts: how many attempts at most (>= 1), the first included.
    :param failed: the ambiguous failure of a first attempt made outside the plan (a create
        sent at once): the loop goes on from there, with its look-up.
    :returns: the result of an attempt, or what a look-up found.
    :raises WalletPassError: the first failure that is not ambiguous, the look-up's, or the
        last attempt's failure.
    """
    last = failed
    left = max(attempts, 1) - (failed is not None)
    while True:
        if last is not None:
            found = yield from look_up(last)
            if found is not None:
                return found
            if not left:
                raise last
        left -= 1
        try:
            return (yield from attempt())
        except WalletPassError as exc:
            if not exc.outcome_unknown:
                raise
            last = exc


def paging(
    first: VendorRequest,
    operation: str,
    read_page: Callable[[VendorResponse], Page],
    *,
    label: str,
) -> ListPlan:
    """Follow ``Page.next`` from ``first``, emitting each page's items: the one paging loop.

    :param first: the first page's request.
    :param operation: the operation's name.
    :param read_page: the page in an answer (a parse hook behind the parse wrapper).
    :param label: how errors name the provider.
    :raises InvalidResponse: a next page that repeats a page already read (a vendor's loop
        would never end).
    :raises WalletPassError: the error a page's answer maps to, when that page is needed.
    """
    request: VendorRequest | None = first
    seen: set[str] = set()
    while request is not None:
        response = yield Send(request, operation)
        page = read_page(response)
        yield Emit(page.items)
        seen.add(_page_key(request))
        request = page.next
        if request is not None and _page_key(request) in seen:
            raise InvalidResponse(
                f"{label}'s next page repeats a page already read", provider=label
            )


def each(listing: ListPlan, convert: Callable[[Any], Plan[Any]]) -> ListPlan:
    """``listing`` with every item it emits replaced by what ``convert(item)``'s plan returns
    (a listing whose items each need one more read), still emitted one at a time, lazily.
    Every other step goes to the driver, and its answer or error back to the plan that asked."""
    reply: Any = None
    error: WalletPassError | None = None
    while True:
        try:
            step = listing.throw(error) if error is not None else listing.send(reply)
        except StopIteration:
            return
        reply, error = None, None
        if isinstance(step, Emit):
            for item in step.items:
                converted = yield from convert(item)
                yield Emit((converted,))
            continue
        try:
            reply = yield step
        except WalletPassError as exc:
            error = exc


def as_part_of(plan: Plan[_T], operation: str) -> Plan[_T]:
    """``plan`` (another operation's, e.g. ``plan_get``) run as a step of ``operation``: an
    error it lets out names ``operation``, the one the application called (an update that reads
    the pass's template first fails as ``update``, not ``get``). The requests keep their own
    names (the rate limiter counts a read as a read)."""
    try:
        return (yield from plan)
    except WalletPassError as exc:
        exc.operation = operation
        raise


#: The ``plan_<op>`` overrides marked with :func:`plain_when`, each with its test (filled as the
#: providers' modules are imported; read by :func:`walletpass.driver.sent_at_once`).
_PLAIN: dict[Callable[..., Any], Callable[..., bool]] = {}


def plain_when(test: Callable[..., bool]) -> Callable[[_F], _F]:
    """Mark a ``plan_get`` or ``plan_create`` override that, on the calls where
    ``test(provider, *arguments)`` holds, returns ``super()``'s plan unchanged (it adds steps
    only in some configurations, or for some passes): on those calls, where the ``super()`` it
    reaches is the driver's own plan, the public method sends the request at once, without
    making and stepping the plan (:func:`walletpass.driver.sent_at_once`).

    ``test`` is asked on every call (a configuration may change after ``connect()``) with the
    plan's own arguments: ``(provider, pass_id)`` for ``plan_get``, ``(provider, new_pass,
    request)`` for ``plan_create`` (the checked pass and the request built from it). The mark
    belongs to the decorated function: an override that replaces it later (a subclass's, a
    test's patch) is driven unless it is marked itself. A test of one parameter (as written
    until 2026-12-01, when it received the provider only) is still asked with the provider alone.

    :param test: whether the call's plan is ``super()``'s, given the provider and the plan's
        arguments.
    :returns: the decorator (the function is returned as it is).
    """

    def mark(plan: _F) -> _F:
        _PLAIN[plan] = test if _takes_arguments(test) else _given_the_provider(test)
        return plan

    return mark


def _takes_arguments(test: Callable[..., bool]) -> bool:
    """Whether ``test`` accepts more than the provider (read once, where a plan is marked)."""
    import inspect

    try:
        parameters = inspect.signature(test).parameters.values()
    except (TypeError, ValueError):  # (a callable without a signature: asked as documented)
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters) or (
        sum(p.kind in positional for p in parameters) != 1
    )


def _given_the_provider(test: Callable[[Any], bool]) -> Callable[..., bool]:
    """``test`` asked with the provider alone, whatever the plan's arguments."""
    return lambda provider, *arguments: test(provider)


def reading_back(
    written: IssuedPass, read: Callable[[], Plan[IssuedPass]], *, unread: Collection[str] = ()
) -> Plan[IssuedPass]:
    """A write's answer completed by a read of the pass (:mod:`walletpass.readback`): the plan
    ``read()`` makes, then :func:`~walletpass.readback.completed_by_read`; ``written`` (the
    read's failure named in ``meta[READ_BACK_FAILED]``) when the read fails with a walletpass
    error (the change was made: a failed read does not make the write a failure)."""
    try:
        found = yield from read()
    except WalletPassError as exc:
        meta = {**written.meta, READ_BACK_FAILED: type(exc).__name__}
        return written.model_copy(update={"meta": meta})
    return completed_by_read(written, found, unread=unread)


def report(callback: Callable[..., Any] | None, *args: Any, name: str, acted: bool) -> Plan[None]:
    """Hand ``callback`` (the caller's, named ``name``) its arguments through a :class:`Call`
    step: nothing when it is ``None``.

    :param acted: whether requests sent before this point may have taken effect (a write was
        sent): then a failing callback's error says ``outcome_unknown``.
    :raises WalletPassError: the callback raised (its own walletpass error, or one naming it);
        the operation stops there.
    """
    if callback is None:
        return
    try:
        yield Call(callback, args, name)
    except WalletPassError as exc:
        exc.outcome_unknown = exc.outcome_unknown or acted
        raise


def _page_key(request: VendorRequest) -> str:
    """What makes a page request the same page: its path and query."""
    return f"{request.path}?{request.query!r}"
