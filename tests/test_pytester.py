"""A user's own test project using the ``fake_wallet`` fixture, run by pytester.

The inner project is what a walletpass user writes: application code that issues a ticket and
tests for it. It installs nothing and configures nothing: the fixture and the marker come from
the ``pytest11`` entry point. The outer tests assert the inner run's outcomes, including a test
that fails on purpose, so the fixture is shown to be able to catch a real bug.
"""

from __future__ import annotations

import signal
import textwrap

import pytest

CHECKOUT = """
from walletpass import Barcode, Holder, Pass, ProviderUnavailable


def issue_ticket(wallet, order):
    # The application retries once when the vendor is briefly unavailable.
    for attempt in range(2):
        try:
            return wallet.create(
                Pass(
                    template="vip-ticket",
                    external_id=order["id"],
                    holder=Holder(name=order["name"]),
                    barcode=Barcode(message=order["id"]),
                    fields={"seat": order["seat"]},
                )
            )
        except ProviderUnavailable:
            if attempt:
                raise
"""

TESTS = """
import pytest
from walletpass import (
    AlreadyRedeemed,
    ProviderUnavailable,
    UnsupportedFeature,
    UnsupportedFeatureWarning,
)

from checkout import issue_ticket

ORDER = {"id": "order-1003", "name": "Ada Lovelace", "seat": "12B"}


def test_issues_a_ticket(fake_wallet):
    ticket = issue_ticket(fake_wallet, ORDER)
    assert ticket.status == "issued" and ticket.external_id == "order-1003"
    [call] = fake_wallet.calls
    assert call.operation == "create"
    assert call.params["fields"] == {"seat": "12B"}
    assert call.params["holder"] == {"name": "Ada Lovelace"}


def test_each_test_gets_a_fresh_wallet(fake_wallet):
    assert fake_wallet.pass_count == 0 and fake_wallet.calls == []


def test_a_ticket_is_redeemed_once(fake_wallet):
    ticket = issue_ticket(fake_wallet, ORDER)
    fake_wallet.redeem(ticket.id)
    with pytest.raises(AlreadyRedeemed):
        fake_wallet.redeem(ticket.id)


def test_retries_once_when_the_vendor_is_down(fake_wallet):
    fake_wallet.fail_next("create", ProviderUnavailable)
    ticket = issue_ticket(fake_wallet, ORDER)
    assert [c.error is None for c in fake_wallet.calls] == [False, True]
    assert fake_wallet.get(ticket.id).external_id == "order-1003"


def test_gives_up_when_the_vendor_stays_down(fake_wallet):
    fake_wallet.fail_next("create", ProviderUnavailable, times=2)
    with pytest.raises(ProviderUnavailable):
        issue_ticket(fake_wallet, ORDER)
    assert fake_wallet.pass_count == 0


@pytest.mark.walletpass(profile="pass2u")
def test_pass2u_would_refuse_our_external_ids(fake_wallet):
    assert fake_wallet.profile == "pass2u"
    with pytest.raises(UnsupportedFeature, match="external_id"):
        issue_ticket(fake_wallet, ORDER)
    assert fake_wallet.calls == []


@pytest.mark.walletpass(profile="pass2u")
class TestOnPass2U:
    @pytest.mark.walletpass(strict=False)
    def test_lenient_mode_drops_what_pass2u_cannot_carry(self, fake_wallet):
        assert fake_wallet.profile == "pass2u" and fake_wallet.strict is False
        with pytest.warns(UnsupportedFeatureWarning, match="external_id"):
            ticket = issue_ticket(fake_wallet, ORDER)
        assert ticket.external_id is None


def test_two_accounts(fake_wallet, fake_wallet_factory):
    other = fake_wallet_factory(templates={"vip-ticket": "tpl-2"})
    assert issue_ticket(other, ORDER).vendor_template == "tpl-2"
    assert issue_ticket(fake_wallet, ORDER).template == "vip-ticket"


def test_catches_a_wrong_seat(fake_wallet):
    ticket = issue_ticket(fake_wallet, ORDER)
    assert ticket.fields == {"seat": "99Z"}  # fails on purpose: the fixture shows the real seat
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(checkout=textwrap.dedent(CHECKOUT), test_checkout=textwrap.dedent(TESTS))
    return pytester


def test_a_users_project_uses_the_fixture_marker_profile_and_faults(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest("-p", "no:cacheprovider", "-W", "error::UserWarning")
    result.assert_outcomes(passed=8, failed=1)
    outcomes = {
        report.head_line: report.outcome
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.when == "call"
    }
    assert outcomes["test_catches_a_wrong_seat"] == "failed"
    assert outcomes["TestOnPass2U.test_lenient_mode_drops_what_pass2u_cannot_carry"] == "passed"
    assert outcomes["test_pass2u_would_refuse_our_external_ids"] == "passed"
    result.stdout.fnmatch_lines(["*AssertionError: assert {'seat': '12B'} == {'seat': '99Z'}"])


def test_a_failing_app_is_caught_by_the_fake(project: pytest.Pytester) -> None:
    """Break the application's retry: the fault-injection tests must now fail."""
    project.makepyfile(checkout=textwrap.dedent(CHECKOUT).replace("if attempt:", "if True:"))
    result = project.runpytest("-p", "no:cacheprovider", "-k", "vendor")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["FAILED test_checkout.py::test_retries_once_when_the_vendor_is_down*"]
    )


def test_the_plugin_registers_its_marker_and_fixtures(pytester: pytest.Pytester) -> None:
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.walletpass(**settings)*"])
    fixtures = pytester.runpytest("--fixtures")
    fixtures.stdout.fnmatch_lines(["*fixtures defined from walletpass.testing.pytest_plugin*"])
    # (one at a time: pytest lists a plugin's fixtures by "path:line" as text, so their order
    # moves with the plugin's line numbers)
    for fixture in (
        "fake_wallet_factory",
        "fake_wallet",
        "async_fake_wallet",
        "walletpass_emulator",
        "ctrl_c",
    ):
        fixtures.stdout.fnmatch_lines([f"{fixture} -- *"])


def test_unused_the_plugin_builds_nothing(pytester: pytest.Pytester) -> None:
    """No autouse: a project that never asks for a fixture gets no fake and no emulator."""
    pytester.makepyfile(
        test_other="""
        import sys

        def test_untouched():
            assert "walletpass.fake" not in sys.modules
            assert "walletpass.testing.emulator" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_emulator_fixture_serves_an_installed_vendor(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_integration="""
        import walletpass
        from walletpass import Pass

        def test_against_the_pass2u_emulator(walletpass_emulator):
            server = walletpass_emulator("pass2u")
            wallet = walletpass.connect(
                "pass2u", base_url=server.url, api_key=server.app.api_key
            )
            ticket = wallet.create(Pass(template="1919", fields={"level": "gold"}))
            assert ticket.template == "1919"
            assert [e.method for e in server.app.journal.entries] == ["POST"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_ctrl_c_raises_keyboard_interrupt_where_the_session_ignores_sigint(
    pytester: pytest.Pytester,
) -> None:
    """A session started in the background (``nohup ... &``, a CI step) inherits SIGINT
    ignored: there ``_thread.interrupt_main()`` does nothing, and the ``ctrl_c`` fixture still
    delivers Ctrl-C, then gives the session its ignored SIGINT back."""
    pytester.makepyfile(
        test_stop="""
        import _thread
        import signal
        import threading
        import time

        import pytest


        def _until_interrupted():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.005)


        def test_1_without_the_fixture_nothing_happens():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            _thread.interrupt_main()
            time.sleep(0.05)


        def test_2_press_from_another_thread(ctrl_c):
            threading.Timer(0.05, ctrl_c).start()
            with pytest.raises(KeyboardInterrupt):
                _until_interrupted()


        def test_3_the_ignored_signal_is_given_back():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        """
    )
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # (the child inherits the ignored signal, as a background job's does)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    finally:
        signal.signal(signal.SIGINT, ignored)
    result.assert_outcomes(passed=3)
