"""An update answers the whole pass: Pass2U's answer is partial, so the pass is read back."""

from __future__ import annotations

from walletpass_pass2u.emulator import Pass2UEmulator

from walletpass import Holder, Pass, PassUpdate, Provider
from walletpass.model import PassStatus
from walletpass.readback import READ_BACK_FAILED
from walletpass.testing.emulator import Fault

SAMPLE = Pass(template="1919", holder=Holder(name="Ada"), fields={"level": "GOLD", "k0": "x"})


def test_the_update_answer_is_the_pass_as_read_right_after(
    wallet: Provider, emulator: Pass2UEmulator
) -> None:
    issued = wallet.create(SAMPLE)
    emulator.journal.clear()
    updated = wallet.update(issued.id, PassUpdate(fields={"level": "DIAMOND"}))
    assert [e.method for e in emulator.journal] == ["PUT", "GET"]
    # The fields the update did not set and the holder, which the PUT answer lacks.
    assert updated.fields == {**wallet.get(issued.id).fields, "level": "DIAMOND"}
    assert updated.fields["k0"] == "x" and updated.holder == Holder(name="Ada")
    assert updated.status is PassStatus.ISSUED
    assert set(updated.raw) == {"write", "read"}


def test_a_used_pass_is_reported_voided_after_an_update(
    wallet: Provider, emulator: Pass2UEmulator
) -> None:
    issued = wallet.create(SAMPLE)
    wallet.redeem(issued.id)
    # Pass2U documents no refusal to update a voided pass; the read tells it is void.
    assert wallet.update(issued.id, PassUpdate(fields={"k0": "y"})).status is PassStatus.VOIDED


def test_a_failed_read_back_still_reports_the_change_it_made(
    wallet: Provider, emulator: Pass2UEmulator
) -> None:
    issued = wallet.create(SAMPLE)
    emulator.inject(Fault.respond(404, {"message": "gone"}), method="GET")
    updated = wallet.update(issued.id, PassUpdate(fields={"level": "SILVER"}))
    assert updated.meta[READ_BACK_FAILED] == "NotFound"
    assert updated.status is PassStatus.UNKNOWN  # nothing tells it, so it is not made up
    assert updated.fields == {"level": "SILVER"}
    assert emulator.passes  # the PUT took effect
    assert wallet.get(issued.id).fields["level"] == "SILVER"
