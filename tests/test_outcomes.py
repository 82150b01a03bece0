"""A write that may have taken effect is never reported as "not sent", even when reconciling fails.

Issue 15, case 6: a create whose answer was lost (reset after the vendor acted) and whose lookup by
external id then failed with 503 raised ``ProviderUnavailable(retryable=True,
outcome_unknown=False)`` although the pass existed; an application retry made a second pass, and a
journal recorded "failed, retryable". The fixes: ``WalletPassError.retryable`` is never true while
``outcome_unknown`` is (:mod:`walletpass.errors`), and a failed lookup becomes
:class:`~walletpass.errors.OutcomeUnknown` (:func:`walletpass.outcomes.unreconciled`) in both
places that reconcile: ``Provider._send_recoverable`` and a journal re-run (:mod:`walletpass.bulk`).

The property test drives a provider whose "vendor" is a scripted world (each send takes effect or
not, each lookup answers truthfully, fails, crashes or is unsupported) over every combination, and
checks the contract: at most one pass is ever made; an error saying "not done"
(``outcome_unknown`` false) is only raised when no pass exists; an unknown outcome is never
retryable; a journal re-run with a working lookup settles every item with exactly one pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walletpass import IssuedPass, OutcomeUnknown, Pass, ProviderUnavailable, WalletPassError
from walletpass.capabilities import Capabilities, native
from walletpass.errors import InvalidResponse, ValidationError
from walletpass.journal import BulkJournal, JournalState
from walletpass.outcomes import note_dispatch
from walletpass.provider import Provider
from walletpass.retry import Safety
from walletpass.transport import VendorRequest, VendorResponse

SENDS = (
    "ok",  # the vendor made the pass and said so
    "refused",  # 400: nothing made
    "not_sent",  # connection refused: nothing made
    "reset_after",  # made, answer lost
    "gateway",  # 502 from a gateway: nothing made, but nobody can tell
    "unreadable",  # made, the 200 answer could not be read
)
LOOKUPS = ("truthful", "unavailable", "crash")


@dataclass
class World:
    """The scripted vendor: what each send and lookup does, and the passes it holds."""

    sends: list[str]
    lookups: list[str]
    passes: dict[str, IssuedPass] = field(default_factory=dict)
    made: int = 0

    def next_send(self) -> str:
        return self.sends.pop(0) if self.sends else "ok"

    def next_lookup(self) -> str:
        return self.lookups.pop(0) if self.lookups else "truthful"


class Scripted(Provider):
    name: ClassVar[str] = "scripted"
    capabilities: ClassVar[Capabilities] = Capabilities(
        {
            "create": native("looked up by external id after an unknown outcome"),
            "create_many": native("one create per item"),
            "external_id": native("kept by the scripted vendor"),
            "kind.generic": native("the only kind"),
        }
    )

    world: World

    def build_create(self, new_pass: Pass) -> VendorRequest:
        return VendorRequest(
            "POST", "/passes", Safety.RECOVERABLE, json={"ext": new_pass.external_id}
        )

    def _make(self, new_pass: Pass) -> IssuedPass:
        self.world.made += 1
        pass_id = f"p{self.world.made}"
        issued = IssuedPass(
            id=pass_id, vendor_id=pass_id, provider=self.name, external_id=new_pass.external_id
        )
        assert new_pass.external_id is not None
        self.world.passes[new_pass.external_id] = issued
        return issued

    def send(self, request: VendorRequest, operation: str) -> VendorResponse:
        note_dispatch()  # this "vendor" is reached without the transport
        kind = self.world.next_send()
        ext = request.json["ext"]
        new_pass = Pass(template="t", external_id=ext)
        if kind == "refused":
            raise ValidationError("refused", status=400)
        if kind == "not_sent":
            raise ProviderUnavailable("connection refused", retryable=True)
        if kind == "gateway":
            raise ProviderUnavailable("502", status=502, outcome_unknown=True)
        issued = self._make(new_pass)
        if kind == "reset_after":
            raise ProviderUnavailable("connection reset", outcome_unknown=True)
        body = b"{not json" if kind == "unreadable" else json.dumps({"id": issued.id}).encode()
        return VendorResponse(200, {}, body, method="POST", path="/passes")

    def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
        pass_id = response.json()["id"]
        return IssuedPass(
            id=pass_id, vendor_id=pass_id, provider=self.name, external_id=new_pass.external_id
        )

    def find_by_external_id(self, new_pass: Pass) -> IssuedPass | None:
        kind = self.world.next_lookup()
        if kind == "unavailable":
            raise ProviderUnavailable("HTTP 503", status=503, retryable=True)
        if kind == "crash":
            raise RuntimeError("plugin bug while looking up")
        assert new_pass.external_id is not None
        return self.world.passes.get(new_pass.external_id)


def _scripted(world: World, **settings: Any) -> Scripted:
    provider = Scripted(**settings)
    provider.world = world
    return provider


combination = st.tuples(
    st.lists(st.sampled_from(SENDS), min_size=1, max_size=4),
    st.lists(st.sampled_from(LOOKUPS), max_size=4),
    st.integers(min_value=0, max_value=3),
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(combination)
def test_create_decides_retry_and_outcome_honestly(case: tuple[list[str], list[str], int]) -> None:
    sends, lookups, retries = case
    world = World(list(sends), list(lookups))
    provider = _scripted(world, max_retries=retries)
    try:
        issued = provider.create(Pass(template="t", external_id="order-1"))
    except WalletPassError as exc:
        assert exc.operation == "create" and exc.status != 422, repr(exc)
        if exc.outcome_unknown:
            assert not exc.retryable
        else:
            assert world.made == 0, f"{exc!r} says 'not done' but the vendor holds a pass"
    else:
        assert issued.id in {p.id for p in world.passes.values()}
    assert world.made <= 1, "a pass was issued twice"


@pytest.mark.parametrize("send", ["reset_after", "gateway", "unreadable"])
@pytest.mark.parametrize("lookup", ["unavailable", "crash"])
def test_a_failed_lookup_after_an_unknown_send_is_outcome_unknown(send: str, lookup: str) -> None:
    world = World([send], [lookup])
    with pytest.raises(OutcomeUnknown) as caught:
        _scripted(world, max_retries=2).create(Pass(template="t", external_id="order-1"))
    error = caught.value
    assert (error.outcome_unknown, error.retryable) == (True, False)
    assert "order-1" in str(error) and "looking it up failed" in str(error)
    assert error.__cause__ is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(combination, st.integers(min_value=1, max_value=3))
def test_a_journal_records_unknown_and_a_rerun_reconciles(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[list[str], list[str], int],
    items: int,
) -> None:
    sends, lookups, retries = case
    world = World(list(sends), list(lookups))
    provider = _scripted(world, max_retries=retries, concurrency=1)
    journal = tmp_path_factory.mktemp("j") / "run.db"
    passes = [Pass(template="t", external_id=f"order-{i}") for i in range(items)]

    first = provider.create_many(passes, journal=journal)

    with BulkJournal(journal, provider="scripted") as book:
        for item in first:
            entry = book.get(f"ext:{item.external_id}")
            assert entry is not None
            held = item.external_id in world.passes
            if item.ok:
                assert entry.state is JournalState.SUCCEEDED
            elif item.error.outcome_unknown:
                assert entry.state is JournalState.UNKNOWN and not item.error.retryable
            else:
                assert entry.state is JournalState.FAILED
                assert not held, "journaled as failed although the vendor holds the pass"
    # The vendor recovers: every later send is accepted and every lookup answers truthfully.
    world.sends.clear()
    world.lookups.clear()
    second = provider.create_many(passes, journal=journal)
    for item in second:
        if item.ok:
            assert item.issued.id == world.passes[item.external_id].id
        else:  # only a permanent refusal of unchanged input stays failed, and nothing exists
            assert item.skipped and isinstance(item.error, ValidationError), repr(item.error)
            assert item.external_id not in world.passes
    assert world.made == len(world.passes), "a pass was issued twice"


def test_an_unknown_outcome_is_never_retryable() -> None:
    error = ProviderUnavailable("reset", retryable=True)
    assert error.retryable
    error.outcome_unknown = True
    assert not error.retryable
    assert not InvalidResponse("x", retryable=True, outcome_unknown=True).retryable
    error.outcome_unknown = False
    assert error.retryable


def test_a_crash_before_any_request_is_a_plain_failure_after_one_unknown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Item 4: a failure while building the request is never journaled as 'may have been sent'."""

    class Fragile(Scripted):
        def build_create(self, new_pass: Pass) -> VendorRequest:
            if new_pass.external_id == "order-1":
                raise ValueError("the payload builder choked")
            return super().build_create(new_pass)

        def parse_create(self, response: VendorResponse, new_pass: Pass) -> IssuedPass:
            if new_pass.external_id == "order-2":
                raise RuntimeError("crashed after the vendor acted")
            return super().parse_create(response, new_pass)

    provider = Fragile(max_retries=0, concurrency=1)
    provider.world = World([], [])
    journal = tmp_path / "run.db"
    passes = [Pass(template="t", external_id=f"order-{i}") for i in range(3)]
    result = provider.create_many(passes, journal=journal)
    before, after = result.items[1].error, result.items[2].error
    assert result.items[0].ok
    assert not before.outcome_unknown and "may have been sent" not in str(before)
    assert after.outcome_unknown and not after.retryable
    with BulkJournal(journal, provider="scripted") as book:
        # The builder runs while the pass is checked, before the journal claims it: a crash
        # there leaves no entry, or a plain failure, never 'unknown'.
        entry = book.get("ext:order-1")
        assert entry is None or entry.state is JournalState.FAILED
        assert book.get("ext:order-2").state is JournalState.UNKNOWN
