"""Field reports (issue 16) on Livepasses, through its emulator over HTTP on 127.0.0.1:
redemption routing rests only on attested facts (9), and a notification push is never repeated
once it may have been received (10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from walletpass_livepasses import LivepassesProvider
from walletpass_livepasses.emulator import (
    DEFAULT_API_KEY,
    EmulatedTemplate,
    LivepassesEmulator,
    default_templates,
)

from walletpass import Balance, Holder, Pass, PassKind, PassStatus, PassUpdate, ValidationError
from walletpass.errors import NotUsedUp, WalletPassError
from walletpass.testing.emulator import EmulatorServer, Fault

HOLDER = Holder(name="Mara Okafor", email="mara@example.org")


@pytest.fixture
def generic_emulator() -> LivepassesEmulator:
    # A template whose type is a name Livepasses never documented ("Generic"), beside the seeds.
    generic = EmulatedTemplate("tmpl-generic", "Members lounge", "Generic")
    return LivepassesEmulator(DEFAULT_API_KEY, [*default_templates(), generic])


def _redemptions(emulator: LivepassesEmulator) -> list[str]:
    return [e.path for e in emulator.journal.find("POST", r"/api/passes/[^/]+/.+")]


def test_9_a_generic_template_is_never_sent_to_redeem(generic_emulator) -> None:
    with EmulatorServer(generic_emulator) as server:
        wallet = LivepassesProvider(api_key=DEFAULT_API_KEY, base_url=server.url, max_retries=0)
        try:
            issued = wallet.create(Pass(template="tmpl-generic", holder=HOLDER))
            with pytest.raises(ValidationError) as caught:
                wallet.redeem(issued.id)
            message = str(caught.value)
            assert "'tmpl-generic'" in message and "options={'kind': ...}" in message
            assert "template alias" in message
            assert _redemptions(generic_emulator) == []
        finally:
            wallet.close()


def test_9_an_inferred_type_name_routes_as_its_kind_without_an_alias(connect, emulator) -> None:
    # Issue 14: a Loyalty template routes as a loyalty card (the type name is *inferred*, as the
    # declarations say), so the provider and the fake wearing its profile agree without aliases.
    wallet = connect()  # no template aliases
    card = wallet.create(
        Pass(
            template="tmpl-loyalty",
            kind=PassKind.LOYALTY,
            holder=HOLDER,
            balance=Balance(amount=Decimal(10)),
        )
    )
    with pytest.raises(NotUsedUp):
        wallet.redeem(card.id)  # a loyalty card is not used up: nothing sent
    assert _redemptions(emulator) == []
    spent = wallet.redeem(card.id, amount=3)
    assert (spent.method, spent.remaining) == ("loyalty/transact", 7)
    # The verb given by the kind or the endpoint is used as given.
    assert wallet.redeem(card.id, options={"endpoint": "stamp"}).method == "stamp"
    with pytest.raises(NotUsedUp):
        wallet.redeem(card.id, options={"kind": "loyalty"})


def test_9_event_tickets_are_routed_by_their_attested_type(connect, emulator) -> None:
    wallet = connect()
    ticket = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    assert wallet.redeem(ticket.id).method == "check-in"


# 502/504: a gateway answered, the backend may have acted (walletpass.retry.GATEWAY_STATUSES).
@pytest.mark.parametrize("status", [502, 504])
def test_10_a_notification_push_is_not_repeated_after_a_gateway_error(
    connect, emulator, status: int
) -> None:
    wallet = connect(max_retries=3)
    wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    emulator.inject(Fault.respond(status), method="POST", path=r".*/push", times=3)
    with pytest.raises(WalletPassError) as caught:
        wallet.push_template_update("tmpl-001", {"gate": "Gate C"})
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("POST", r".*/push")) == 1


def test_10_a_push_whose_answer_is_lost_is_not_repeated(connect, emulator) -> None:
    wallet = connect(max_retries=3)
    issued = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    emulator.inject(Fault.reset_after(), method="POST", path=r".*/push")
    with pytest.raises(Exception) as caught:
        wallet.push_template_update("tmpl-001", {"gate": "Gate C"})
    assert getattr(caught.value, "outcome_unknown", False) is True
    assert len(emulator.journal.find("POST", r".*/push")) == 1
    assert emulator.stored(issued.id).updated_fields == {"gate": "Gate C"}
    assert wallet.get(issued.id).status is not PassStatus.REDEEMED


@pytest.mark.parametrize("status", [502, 504])
def test_10_a_silent_update_is_sent_with_notify_false_and_repeated(
    connect, emulator, status: int
) -> None:
    wallet = connect(max_retries=3)
    issued = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    emulator.inject(Fault.respond(status), method="PUT", path=r"/api/passes/.+", times=1)
    wallet.update(issued.id, PassUpdate(fields={"gateInfo": "C"}))
    puts = emulator.journal.find("PUT", r"/api/passes/.+")
    # notify: false (livepasses.md 3.6: no holder-visible banner), so the repeat is harmless.
    assert [e.json() for e in puts] == [{"updatedFields": {"gateInfo": "C"}, "notify": False}] * 2
    assert emulator.stored(issued.id).updated_fields == {"gateInfo": "C"}


@pytest.mark.parametrize(
    "change",
    [
        PassUpdate(fields={"gateInfo": "C"}, notify=True),
        PassUpdate(fields={"gateInfo": "C"}, message="Gate changed"),
        PassUpdate(message="Gate changed", notify=False),
    ],
    ids=["notify-without-message", "message", "message-without-banner"],
)
def test_10_an_update_that_may_tell_the_holder_is_not_repeated(
    connect, emulator, change: PassUpdate
) -> None:
    wallet = connect(max_retries=3)
    issued = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    emulator.inject(Fault.respond(502), method="PUT", path=r"/api/passes/.+", times=3)
    with pytest.raises(WalletPassError) as caught:
        wallet.update(issued.id, change)
    assert caught.value.outcome_unknown is True
    assert len(emulator.journal.find("PUT", r"/api/passes/.+")) == 1


def test_12_updated_fields_take_only_documented_camel_case_names(connect, emulator) -> None:
    import requests

    wallet = connect()
    ticket = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.update(ticket.id, PassUpdate(fields={"gate_no": "C"}))
    assert [p.location for p in caught.value.problems] == ["fields.gate_no"]
    assert len(emulator.journal) == before
    answer = requests.put(
        f"{connect.defaults['base_url']}/api/passes/{ticket.id}",
        json={"updatedFields": {"gate_no": "C"}},
        headers={"X-API-Key": DEFAULT_API_KEY},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "INVALID_FIELD_FORMAT"
    wallet.update(ticket.id, PassUpdate(fields={"gateInfo": "C"}))


@pytest.mark.parametrize("name", ["gate_no", "Gate", "gate-no", "gate no", ""])
def test_12_a_template_push_takes_only_camel_case_names_too(connect, emulator, name) -> None:
    """The push carries ``updatedFields`` as the PUT does: the same documented name rule, checked
    before sending and by the emulator (not only on the PUT)."""
    import requests

    wallet = connect()
    before = len(emulator.journal)
    with pytest.raises(ValidationError) as caught:
        wallet.push_template_update("tmpl-001", {name: "C"})
    assert [p.location for p in caught.value.problems] == [f"fields.{name}"]
    assert len(emulator.journal) == before
    answer = requests.post(
        f"{connect.defaults['base_url']}/api/passes/template/tmpl-001/push",
        json={"updatedFields": {name: "C"}},
        headers={"X-API-Key": DEFAULT_API_KEY},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "INVALID_FIELD_FORMAT"


# -- 1 and 5, the same kinds for messages: the vendor's documented limit, in words -----------------


def test_1_a_message_goes_by_livepasses_documented_2000_not_a_general_cap(
    connect, emulator
) -> None:
    wallet = connect()
    ticket = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    wallet.update(ticket.id, PassUpdate(message="m" * 2000))
    (put,) = emulator.journal.find("PUT")
    assert len(put.json()["messageBody"]) == 2000
    with pytest.raises(ValidationError) as caught:
        wallet.update(ticket.id, PassUpdate(message="m" * 2001))
    (problem,) = caught.value.problems
    assert problem.location == "message"
    assert "2,000 characters in messageBody" in problem.message
    assert "2,001 characters" in problem.message
    assert len(emulator.journal.find("PUT")) == 1


def test_5_an_update_extra_over_its_limit_says_what_was_counted(connect, emulator) -> None:
    wallet = connect()
    ticket = wallet.create(Pass(template="tmpl-001", kind=PassKind.EVENT_TICKET, holder=HOLDER))
    with pytest.raises(ValidationError) as caught:
        wallet.update(ticket.id, PassUpdate(message="m", extra={"messageHeader": "h" * 81}))
    (problem,) = caught.value.problems
    assert "80 characters in messageHeader" in problem.message
    assert "81 characters" in problem.message


def test_5_a_push_reason_over_its_limit_says_what_was_counted(connect, emulator) -> None:
    wallet = connect()
    with pytest.raises(ValidationError) as caught:
        wallet.push_template_update("tmpl-001", {"gate": "C"}, reason="r" * 501)
    (problem,) = caught.value.problems
    assert "500 characters in reason" in problem.message
    assert "501 characters" in problem.message
    assert emulator.journal.find("POST", r".*/push") == []
