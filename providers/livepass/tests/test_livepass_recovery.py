"""An ambiguous create is settled with the body that was built, checked and sent (issue 18).

A create that e-mails the holder (``notify_on_create``) is RECOVERABLE: after a failure that
leaves its outcome unknown, the pass is read back by its external id and compared with what the
create sent. That comparison uses the request the pipeline built and checked, not a second build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from walletpass_livepass import LivePassProvider

from walletpass import Holder, Pass
from walletpass.model import Event
from walletpass.testing.emulator import Fault
from walletpass.transport import VendorRequest

BOOKING = Pass(
    template="reservation",
    external_id="R-recover",
    holder=Holder(name="Tom Reyes", email="tom@example.com"),
    event=Event(title="Dinner for two"),
)


def _counting_builds(wallet: LivePassProvider) -> list[VendorRequest]:
    built: list[VendorRequest] = []
    hook = wallet.build_create

    def counted(new_pass: Pass) -> VendorRequest:
        request = hook(new_pass)
        built.append(request)
        return request

    vars(wallet)["build_create"] = counted
    return built


@pytest.mark.parametrize(
    "fault",
    [Fault.reset_after(), Fault.respond(502, {"message": "bad gateway"})],
    ids=["connection-dropped-after-write", "gateway-error"],
)
def test_a_recovered_create_builds_its_body_once(
    connect: Callable[..., LivePassProvider], emulator: Any, fault: Fault
) -> None:
    wallet = connect(notify_on_create=True, max_retries=2)
    built = _counting_builds(wallet)
    emulator.inject(fault, method="POST")
    issued = wallet.create(BOOKING)
    assert issued.id.endswith("R-recover")
    assert len(built) == 1, f"the create body was built {len(built)} times"
    # The look-up before any resend read the pass back: one GET after the ambiguous POST.
    assert [e.method for e in emulator.journal.entries][:2] == ["POST", "GET"]


def test_a_found_pass_that_differs_from_what_was_sent_is_not_taken(
    connect: Callable[..., LivePassProvider], emulator: Any
) -> None:
    """The comparison still runs over what was sent: a pass at that id holding other values
    (the write did not land) is not this create's, so the upsert is sent again."""
    seeded = connect()
    seeded.create(BOOKING.model_copy(update={"event": Event(title="Lunch")}))
    wallet = connect(notify_on_create=True, max_retries=2)
    built = _counting_builds(wallet)
    emulator.journal.clear()
    emulator.inject(Fault.respond(502, {"message": "bad gateway"}), method="POST")
    wallet.create(BOOKING)
    assert len(built) == 1
    posts = emulator.journal.find("POST")
    assert [e.method for e in emulator.journal.entries] == ["POST", "GET", "POST"]
    # The resend is the very body built and checked once.
    assert posts[1].json() == built[0].json
