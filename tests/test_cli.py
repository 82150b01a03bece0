"""The ``walletpass`` command: end to end in separate processes, and every bad input in-process."""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import walletpass
from walletpass import (
    BarcodeFormat,
    Capabilities,
    Capability,
    IssuedPass,
    PassKind,
    PassStatus,
    Provider,
    ProviderSettings,
    Safety,
    native,
    none,
    register_provider,
    unregister_provider,
)
from walletpass.cli import commands
from walletpass.cli.parser import (
    BARCODE_FORMATS,
    PASS_KINDS,
    PASS_STATUSES,
    assignment,
    location,
)
from walletpass.cli.session import user_data_dir
from walletpass.errors import ConfigurationError
from walletpass.fake import FakeProvider
from walletpass.matrix import ProviderMatrix, matrix_data
from walletpass.registry import load_provider_class, provider_info
from walletpass.testing.emulator import EmulatorApp, EmulatorResponse, EmulatorServer, route
from walletpass.transport import VendorRequest, VendorResponse

from .test_transport import API_KEY, HttpTestProvider, ItemsApp

CLI = [sys.executable, "-m", "walletpass.cli"]
FAKE_ID = "fp_00000000000000ff"
NOTICE = "walletpass: note: using the built-in fake provider"


# --------------------------------------------------------------------------------------------
# Isolation: no configuration, no keys, a data directory of our own
# --------------------------------------------------------------------------------------------


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update(
        {
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "HOME": str(tmp_path / "home"),
            "LOCALAPPDATA": str(tmp_path / "data"),
        }
    )
    return env


def _create(cli: Any, *extra: str) -> dict[str, Any]:
    result = cli("create", "--template", "vip-ticket", "--json", *extra)
    assert result.code == 0, result.err
    created: dict[str, Any] = result.json()
    return created


# --------------------------------------------------------------------------------------------
# A new user, separate processes, nothing configured
# --------------------------------------------------------------------------------------------


def _run(args: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        CLI + args, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_pass_moves_through_its_states_across_processes(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    created = _run(
        [
            "create",
            "--template",
            "vip-ticket",
            "--kind",
            "event_ticket",
            "--holder-name",
            "Ada Lovelace",
            "--field",
            "seat=12B",
            "--barcode",
            "A-1003",
            "--expires",
            "2040-06-01 23:00 +02:00",
            "--json",
        ],
        env,
        tmp_path,
    )
    assert created.returncode == 0, created.stderr
    [notice] = created.stderr.splitlines()  # says once that the fake is used, and why
    note = json.loads(notice)  # with --json, a JSON line like everything on stderr
    assert note["level"] == "note" and "no provider is configured" in note["message"]
    assert note["message"].startswith("using the built-in fake provider")
    issued = json.loads(created.stdout)
    pass_id = issued["id"]
    assert issued["status"] == "issued" and issued["fields"] == {"seat": "12B"}
    assert (tmp_path / "data" / "walletpass" / "fake.sqlite3").is_file()

    shown = _run(["get", pass_id], env, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert f"id            {pass_id}" in shown.stdout
    assert "status        issued" in shown.stdout
    assert "field seat    12B" in shown.stdout

    redeemed = _run(["redeem", pass_id], env, tmp_path)
    assert redeemed.returncode == 0, redeemed.stderr
    assert "status    redeemed" in redeemed.stdout

    listed = _run(["list", "--json"], env, tmp_path)
    assert [(p["id"], p["status"]) for p in json.loads(listed.stdout)] == [(pass_id, "redeemed")]

    again = _run(["redeem", pass_id, "--quiet"], env, tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        f"walletpass: error: [fake.redeem] pass {pass_id!r} was already redeemed"
    ]


BUGGY_PLUGIN = textwrap.dedent(
    """
    from walletpass.fake import FakeProvider


    class BuggyProvider(FakeProvider):
        name = "buggy"

        def __init__(self, *args, **kwargs):
            raise RuntimeError("plugin bug\\nwith a second line")
    """
)


def _install_dist(site: Path, module: str, source: str, entry_points: str) -> None:
    """A distribution on disk with entry points, as pip would leave it."""
    site.mkdir(exist_ok=True)
    (site / f"{module}.py").write_text(source)
    dist = site / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(entry_points)


def test_a_bug_in_a_plugin_is_one_line_unless_debug(tmp_path: Path) -> None:
    _install_dist(
        tmp_path / "site",
        "buggy_plugin",
        BUGGY_PLUGIN,
        "[walletpass.providers]\nbuggy = buggy_plugin:BuggyProvider\n",
    )
    env = {**_clean_env(tmp_path), "PYTHONPATH": str(tmp_path / "site")}
    quiet = _run(["-p", "buggy", "list"], env, tmp_path)
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines() == [
        "walletpass: error: unexpected RuntimeError: plugin bug with a second line — this is a "
        "bug in walletpass or a provider plugin; rerun with --debug for the traceback and report it"
    ]
    loud = _run(["-p", "buggy", "list", "--debug"], env, tmp_path)
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr
    assert 'raise RuntimeError("plugin bug' in loud.stderr


def test_help_does_not_load_commands_providers_or_the_testing_kit() -> None:
    probe = (
        "import sys\n"
        "from walletpass.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "finally:\n"
        "    loaded = [m for m in ('walletpass.cli.commands', 'walletpass.matrix',\n"
        "              'walletpass.testing.emulator', 'walletpass.fake') if m in sys.modules]\n"
        "    print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "usage: walletpass" in result.stdout
    assert "LOADED []" in result.stdout


# --------------------------------------------------------------------------------------------
# The default store
# --------------------------------------------------------------------------------------------


def test_user_data_dir_follows_each_platform() -> None:
    home = Path("/home/ada")
    assert user_data_dir({}, "linux", home) == home / ".local/share/walletpass"
    assert user_data_dir({"XDG_DATA_HOME": "/xdg"}, "linux", home) == Path("/xdg/walletpass")
    # relative XDG values are invalid per the spec and ignored
    assert user_data_dir({"XDG_DATA_HOME": "rel"}, "linux", home) == (
        home / ".local/share/walletpass"
    )
    assert user_data_dir({}, "darwin", home) == home / "Library/Application Support/walletpass"
    assert user_data_dir({"LOCALAPPDATA": "C:/Users/ada/AppData/Local"}, "win32", home) == Path(
        "C:/Users/ada/AppData/Local/walletpass"
    )
    assert user_data_dir({}, "win32", home) == home / "AppData/Local/walletpass"


def test_the_fake_file_can_be_moved_with_its_own_setting(
    cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = isolated / "elsewhere" / "passes.sqlite3"
    monkeypatch.setenv("WALLETPASS_FAKE_PATH", str(target))
    pass_id = _create(cli)["id"]
    assert target.is_file()
    assert not (isolated / "data" / "walletpass" / "fake.sqlite3").exists()
    with FakeProvider(path=str(target)) as wallet:
        assert wallet.get(pass_id).status is PassStatus.ISSUED
    checked = cli("config", "check", "--json").json()
    assert checked["settings"]["path"] == {
        "value": str(target),
        "source": "environment",
        "secret": False,
        "env": "WALLETPASS_FAKE_PATH",
    }


# --------------------------------------------------------------------------------------------
# Bad input: one line, status 1 or 2, never a traceback
# --------------------------------------------------------------------------------------------


def test_unknown_provider(cli: Any) -> None:
    line = cli("--provider", "nope", "list").one_error_line()
    assert "no walletpass provider named 'nope'" in line
    assert "pip install" not in line  # no package of that name is known to exist
    assert cli("get", FAKE_ID, "-p", "nope").code == 1


def test_missing_template(cli: Any) -> None:
    result = cli("create", "--holder-name", "Ada")
    line = result.one_error_line()
    assert result.code == 2
    assert "--template" in line


@pytest.mark.parametrize("flag", ["--expires", "--relevant", "--event-start"])
def test_naive_date(cli: Any, flag: str) -> None:
    result = cli("create", "--template", "t", flag, "2040-01-01 10:00")
    line = result.one_error_line()
    assert result.code == 2
    assert flag in line and "no timezone" in line and "--tz" in line


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_date_with_tz_takes_that_zone(cli: Any) -> None:
    # A naive date is read in --tz's zone; a date with its own offset keeps it. Compared as
    # instants: a read reports the moment, in UTC, as every vendor's read does.
    created = _create(cli, "--expires", "2040-01-01 10:00", "--tz", "Europe/Paris")
    assert _instant(created["expires_at"]) == datetime(2040, 1, 1, 9, 0, tzinfo=UTC)
    created = _create(cli, "--expires", "2040-07-01T10:00:00-04:00", "--tz", "Europe/Paris")
    assert _instant(created["expires_at"]) == datetime(2040, 7, 1, 14, 0, tzinfo=UTC)


def test_unknown_timezone_and_unparseable_date(cli: Any) -> None:
    assert (
        "Mars/Olympus"
        in cli(
            "create", "--template", "t", "--expires", "2040-01-01 10:00", "--tz", "Mars/Olympus"
        ).one_error_line()
    )
    assert "not a date" in cli("create", "--template", "t", "--expires", "soon").one_error_line()


@pytest.mark.parametrize("bad", ["seat", "=12B", "two words=x", "points:=notjson"])
def test_malformed_field(cli: Any, bad: str) -> None:
    result = cli("create", "--template", "t", "--field", bad)
    line = result.one_error_line()
    assert result.code == 2
    assert "--field" in line


def test_unknown_pass_id(cli: Any) -> None:
    line = cli("get", FAKE_ID).one_error_line()
    assert f"no pass with id {FAKE_ID!r}" in line
    assert "is not a fake provider id" in cli("redeem", "not-an-id").one_error_line()


class NoRedeemProvider(FakeProvider):
    name: ClassVar[str] = "noredeem"
    capabilities: ClassVar[Capabilities] = FakeProvider.capabilities.merged(
        {
            Capability.REDEEM: none("set the pass to voided with update --extra voided:=true"),
            Capability.TIER: none("put the tier in a field"),
        }
    )


@pytest.fixture
def noredeem() -> Iterator[str]:
    register_provider("noredeem", NoRedeemProvider)
    yield "noredeem"
    unregister_provider("noredeem")


def test_a_redeem_the_provider_lacks(cli: Any, noredeem: str) -> None:
    result = cli("--provider", noredeem, "redeem", FAKE_ID)
    line = result.one_error_line()
    assert result.code == 1
    assert "[noredeem.redeem] noredeem does not support redeem" in line
    assert "update --extra voided:=true" in line


def test_a_field_the_provider_lacks_is_refused_or_dropped_with_a_warning(
    cli: Any, noredeem: str
) -> None:
    line = cli("-p", noredeem, "create", "--template", "t", "--tier", "gold").one_error_line()
    assert "cannot carry: tier (put the tier in a field)" in line
    lenient = cli("-p", noredeem, "--set", "strict=false", "create", "--template", "t")
    assert lenient.code == 0
    dropped = cli(
        "-p", noredeem, "--set", "strict=false", "create", "--template", "t", "--tier", "x"
    )
    assert dropped.code == 0
    [warning] = dropped.err.splitlines()
    assert warning.startswith("walletpass: warning: noredeem cannot carry 'tier'")


def test_unknown_flag_and_missing_command(cli: Any) -> None:
    result = cli("create", "--template", "t", "--colour", "red")
    assert "unrecognized arguments: --colour red" in result.one_error_line()
    assert result.code == 2
    assert cli("config").one_error_line().endswith("(see 'walletpass config --help')")
    bare = cli()
    assert bare.code == 2 and "usage: walletpass" in bare.out


def test_bad_values_name_the_flag(cli: Any) -> None:
    line = cli("create", "--template", "t", "--color-bg", "mauve").one_error_line()
    assert "--color-bg (colors.background)" in line
    line = cli("create", "--template", "t", "--holder-email", "not-an-email").one_error_line()
    assert "--holder-email (holder.email)" in line
    line = cli("create", "--template", "t", "--location", "91,0").one_error_line()
    assert "--location (locations.0.latitude)" in line
    assert "--location" in cli("create", "--template", "t", "--location", "north").one_error_line()
    assert (
        "--barcode" in cli("create", "--template", "t", "--barcode-format", "qr").one_error_line()
    )


def test_usage_errors_and_provider_errors_have_distinct_statuses(cli: Any) -> None:
    assert cli("list", "--limit", "-3").code == 2
    assert cli("list", "--status", "lost").code == 2
    assert cli("redeem", FAKE_ID, "--amount", "lots").code == 1


def test_secrets_are_refused_on_the_command_line(cli: Any) -> None:
    result = cli("--set", "api_key=hunter2-hunter2", "config", "check")
    line = result.one_error_line()
    assert result.code == 2
    assert "WALLETPASS_FAKE_API_KEY" in line and "hunter2" not in line


def test_debug_shows_the_traceback_of_a_walletpass_error(cli: Any) -> None:
    result = cli("get", FAKE_ID, "--debug")
    assert result.code == 1
    assert "Traceback (most recent call last)" in result.err
    assert "walletpass.errors.NotFound" in result.err
    assert result.err.splitlines()[-1].startswith("walletpass: error: [fake.get] no pass")


def test_an_unexpected_exception_is_reported_as_a_bug(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setitem(commands.COMMANDS, "providers", broken)
    line = cli("providers").one_error_line()
    assert "unexpected RuntimeError: boom second line" in line
    assert "rerun with --debug" in line


@pytest.mark.parametrize("kind", [RuntimeError, walletpass.WalletPassError])
def test_debug_masks_secrets_in_the_traceback_it_prints(
    cli: Any, monkeypatch: pytest.MonkeyPatch, kind: type[Exception]
) -> None:
    """--debug printed the traceback as Python does: a plugin's error (or its cause, its
    context, a note) quoting the key showed it whole, where every other line is masked."""
    import secrets

    from walletpass.redaction import register_secret

    key = "sk_live_" + secrets.token_hex(12)
    register_secret(key)

    def broken(args: argparse.Namespace) -> int:
        try:
            raise KeyError(key)
        except KeyError as cause:
            error = kind(f"the vendor refused {key}")
            error.add_note(f"sent {key!r}")
            raise error from cause

    monkeypatch.setitem(commands.COMMANDS, "providers", broken)
    result = cli("providers", "--debug")
    assert result.code == 1
    assert key not in result.err and key not in result.out
    assert "Traceback (most recent call last)" in result.err and "KeyError" in result.err
    assert "sent '***'" in result.err


def test_output_cannot_drive_the_terminal(cli: Any) -> None:
    shown = cli("create", "--template", "t", "--holder-name", "Ada\x1b[2J")
    assert shown.code == 0
    assert "\x1b" not in shown.out and "Ada\\x1b[2J" in shown.out


# --------------------------------------------------------------------------------------------
# Pass content: flags, JSON, updates
# --------------------------------------------------------------------------------------------


def test_every_content_flag_reaches_the_pass(cli: Any) -> None:
    created = _create(
        cli,
        "--kind",
        "loyalty",
        "--external-id",
        "member-7",
        "--holder-first-name",
        "Ada",
        "--holder-last-name",
        "Lovelace",
        "--holder-email",
        "ada@example.com",
        "--field",
        "points:=120",
        "--field",
        "vip:=true",
        "--field",
        "level=gold",
        "--barcode",
        "M-7",
        "--barcode-format",
        "pdf417",
        "--barcode-alt-text",
        "M 7",
    )
    assert created["kind"] == "loyalty"
    assert created["external_id"] == "member-7"
    assert created["holder"]["email"] == "ada@example.com"
    assert created["fields"] == {"points": 120, "vip": True, "level": "gold"}
    assert created["barcode"] == {"message": "M-7", "format": "pdf417", "alt_text": "M 7"}
    with FakeProvider(path=str(Path("data/walletpass/fake.sqlite3").resolve())) as wallet:
        raw = wallet.get(created["id"]).raw
    assert raw["holder"]["first_name"] == "Ada"


def test_json_file_and_stdin_with_flags_overriding(
    cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = isolated / "pass.json"
    source.write_text(
        json.dumps(
            {
                "template": "from-file",
                "holder": {"name": "Grace Hopper"},
                "fields": {"seat": "1A", "gate": "C"},
                "expires_at": "2040-01-01T10:00:00+00:00",
            }
        )
    )
    created = _create(cli, "--from-json", str(source), "--field", "seat=2B")
    assert created["template"] == "vip-ticket"  # the flag wins
    assert created["holder"]["name"] == "Grace Hopper"
    assert created["fields"] == {"seat": "2B", "gate": "C"}
    assert created["expires_at"] == "2040-01-01T10:00:00Z"

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"template": "from-stdin"}'))
    result = cli("create", "--from-json", "-", "--json")
    assert result.code == 0 and result.json()["template"] == "from-stdin"


def test_bad_json_sources(cli: Any, isolated: Path) -> None:
    (isolated / "list.json").write_text("[1, 2]")
    (isolated / "broken.json").write_text("{nope")
    (isolated / "naive.json").write_text('{"template": "t", "expires_at": "2040-01-01T10:00"}')
    assert (
        "must hold a JSON object, not an array"
        in cli("create", "--from-json", "list.json").one_error_line()
    )
    assert "not valid JSON" in cli("create", "--from-json", "broken.json").one_error_line()
    assert (
        "cannot read missing.json" in cli("create", "--from-json", "missing.json").one_error_line()
    )
    line = cli("create", "--from-json", "naive.json").one_error_line()
    assert "expires_at" in line and "no timezone" in line
    assert cli("create", "--from-json", "naive.json", "--tz", "UTC").code == 0


def test_update_changes_clears_and_notifies(cli: Any) -> None:
    pass_id = _create(cli, "--field", "seat=12B", "--expires", "2040-01-01T00:00Z")["id"]
    changed = cli("update", pass_id, "--field", "seat=14C", "--message", "Seat moved", "--json")
    assert changed.code == 0, changed.err
    assert changed.json()["fields"] == {"seat": "14C"}
    assert changed.json()["meta"] == {"last_message": "Seat moved", "notified": True}
    cleared = cli("update", pass_id, "--clear", "expires_at", "--json").json()
    assert cleared["expires_at"] is None
    assert cleared["version"] == 3


def test_update_needs_a_change_and_known_names(cli: Any) -> None:
    pass_id = _create(cli)["id"]
    assert cli("update", pass_id).code == 2
    assert "not a part of a pass" in cli("update", pass_id, "--clear", "colour").one_error_line()
    both = cli("update", pass_id, "--clear", "tier", "--tier", "gold")
    assert "contradicts" in both.one_error_line()


def test_delete_then_get(cli: Any) -> None:
    pass_id = _create(cli)["id"]
    deleted = cli("delete", pass_id)
    assert deleted.code == 0 and deleted.out == f"deleted {pass_id}\n"
    assert cli("delete", pass_id, "--json").json() == {"id": pass_id, "deleted": True}
    assert "status        deleted" in cli("get", pass_id).out
    assert "was deleted" in cli("redeem", pass_id).one_error_line()


def test_list_filters_limits_and_tables(cli: Any) -> None:
    assert cli("list").out == "no passes\n"
    first = _create(cli, "--external-id", "o-1")["id"]
    second = _create(cli, "--holder-name", "Ada", "--holder-email", "ada@example.com")["id"]
    cli("redeem", second)
    table = cli("list").out.splitlines()
    assert table[0].split() == ["ID", "STATUS", "TEMPLATE", "EXTERNAL", "ID", "HOLDER", "UPDATED"]
    assert table[1].split()[:4] == [first, "issued", "vip-ticket", "o-1"]
    assert "Ada <ada@example.com>" in table[2]
    assert [p["id"] for p in cli("list", "--status", "redeemed", "--json").json()] == [second]
    assert len(cli("list", "--limit", "1", "--json").json()) == 1
    assert len(cli("list", "--limit", "0", "--page-size", "1", "--json").json()) == 2


def test_redeem_table_and_json(cli: Any) -> None:
    pass_id = _create(cli)["id"]
    shown = cli("redeem", pass_id, "--json").json()
    assert shown["pass_id"] == pass_id and shown["status"] == "redeemed"
    assert shown["amount"] is None
    assert "raw" not in shown


def test_raw_only_on_request(cli: Any) -> None:
    pass_id = _create(cli)["id"]
    assert "raw" not in cli("get", pass_id, "--json").json()
    assert cli("get", pass_id, "--json", "--raw").json()["raw"]["template"] == "vip-ticket"
    assert "\nraw " in cli("get", pass_id, "--raw").out


# --------------------------------------------------------------------------------------------
# Providers, capabilities
# --------------------------------------------------------------------------------------------


def test_capabilities_json_is_exactly_the_declarations(cli: Any, noredeem: str) -> None:
    result = cli("capabilities", "--format", "json")
    assert result.code == 0, result.err
    shown = result.json()["providers"]
    assert set(shown) == set(walletpass.available_providers())
    for name in shown:
        provider_cls = load_provider_class(name)
        expected = {
            key: {
                "support": d.support.value,
                "note": d.note,
                "limit": d.limit,
                **({"inferred": list(d.inferred)} if d.inferred else {}),
            }
            for key, d in provider_cls.capabilities.items()
        }
        assert shown[name]["capabilities"] == expected, name
        assert list(shown[name]["capabilities"]) == list(provider_cls.capabilities)
    assert shown[noredeem]["capabilities"]["redeem"]["support"] == "none"
    one = cli("capabilities", noredeem, "--json").json()
    info = provider_info(noredeem)
    assert one == matrix_data([ProviderMatrix.of(NoRedeemProvider, version=info.version)])


def test_capabilities_in_other_formats(cli: Any, noredeem: str) -> None:
    table = cli("capabilities", noredeem).out
    assert table.startswith("noredeem: in-process fake")
    assert "redeem                   none" in table
    overview = cli("capabilities", "fake", noredeem).out.splitlines()
    assert overview[0].split() == ["CAPABILITY", "fake", "noredeem"]
    assert "redeem" in overview[4] and overview[4].split()[1:] == ["native", "none"]
    csv_text = cli("capabilities", noredeem, "--format", "csv").out
    assert (
        csv_text.splitlines()[0] == "provider,group,capability,support,limit,note,declared,inferred"
    )
    assert "noredeem,operations,redeem,none,,set the pass to voided" in csv_text
    markdown = cli("capabilities", noredeem, "--format", "md").out
    assert markdown.startswith("# Capability matrix")
    assert "| `redeem` | — |" in markdown


def test_capabilities_of_an_unknown_provider(cli: Any) -> None:
    assert "no walletpass provider named 'ghost'" in cli("capabilities", "ghost").one_error_line()


class BrokenProvider(FakeProvider):
    name: ClassVar[str] = "broken"


def test_a_plugin_that_fails_to_load_is_reported_not_fatal(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = load_provider_class

    def failing(name: str) -> type[Provider]:
        if name == "broken":
            raise walletpass.ProviderNotFound("the provider 'broken' failed to import: boom")
        return real(name)

    register_provider("broken", BrokenProvider)
    try:
        monkeypatch.setattr(commands, "load_provider_class", failing)
        listed = cli("providers", "--json")
        assert listed.code == 0
        broken = next(p for p in listed.json() if p["name"] == "broken")
        assert broken["loads"] is False and "boom" in broken["summary"]
        matrix = cli("capabilities", "--format", "json")
        assert matrix.code == 1
        assert "broken" not in matrix.json()["providers"]
        assert "fake" in matrix.json()["providers"]
        assert matrix.err.startswith("walletpass: warning: left out 'broken'")
    finally:
        unregister_provider("broken")


def test_providers_lists_packages_and_in_process_ones(cli: Any, noredeem: str) -> None:
    shown = {p["name"]: p for p in cli("providers", "--json").json()}
    assert shown["fake"]["package"] == "walletpass"
    assert shown["fake"]["version"] == walletpass.__version__
    assert shown["fake"]["emulator"] is False
    assert shown[noredeem]["package"] == "registered in this process"
    table = cli("providers").out.splitlines()
    assert table[0].split() == ["NAME", "PACKAGE", "VERSION", "EMULATOR", "SUMMARY"]
    assert any(line.startswith("fake ") and "walletpass" in line for line in table)


def test_parser_choices_match_the_model() -> None:
    assert tuple(k.value for k in PassKind) == PASS_KINDS
    assert tuple(f.value for f in BarcodeFormat) == BARCODE_FORMATS
    assert tuple(s.value for s in PassStatus) == PASS_STATUSES


def test_version(cli: Any) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.strip() == f"walletpass {walletpass.__version__}"


# --------------------------------------------------------------------------------------------
# config check
# --------------------------------------------------------------------------------------------


class VendorSettings(ProviderSettings):
    webhook_token: str | None = None


class HttpProvider(Provider):
    """Stands in for a vendor: talks HTTP and needs an API key."""

    name: ClassVar[str] = "httpish"
    Settings: ClassVar[type[ProviderSettings]] = VendorSettings
    default_base_url: ClassVar[str | None] = "https://api.example.invalid"
    capabilities: ClassVar[Capabilities] = Capabilities({Capability.GET: native("GET /p/{id}")})

    def auth_headers(self) -> dict[str, str]:
        if self.settings.api_key is None:
            raise ConfigurationError(
                "provider 'httpish' needs an api_key (e.g. set WALLETPASS_HTTPISH_API_KEY)"
            )
        return {"X-Key": self.settings.api_key.get_secret_value()}

    def build_get(self, pass_id: str) -> VendorRequest:
        return VendorRequest("GET", f"/p/{pass_id}", safety=Safety.SAFE)

    def parse_get(self, response: VendorResponse, pass_id: str) -> IssuedPass:
        body = response.json()
        return IssuedPass(id=pass_id, vendor_id=pass_id, provider=self.name, status=body["state"])


class VendorDouble(EmulatorApp):
    """Answers like a vendor: 401 without the right key, a pass otherwise."""

    def before_route(self, request: Any) -> EmulatorResponse | None:
        if request.header("x-key") != "right-key-123":
            return self.error_response(401, "bad key")
        return None

    @route("GET", "/p/{pass_id}")
    def get_pass(self, request: Any) -> EmulatorResponse:
        return EmulatorResponse.json_body({"state": "active"})


@pytest.fixture
def httpish() -> Iterator[str]:
    register_provider("httpish", HttpProvider)
    yield "httpish"
    unregister_provider("httpish")


def test_config_check_of_the_default(cli: Any, isolated: Path) -> None:
    result = cli("config", "check")
    assert result.code == 0
    assert "provider     fake  (default: nothing configured)" in result.out
    assert "ready: nothing is missing" in result.out
    report = cli("config", "check", "--json").json()
    assert report["ok"] is True and report["missing"] == []
    assert report["settings"]["path"]["value"] == str(
        isolated / "data" / "walletpass" / "fake.sqlite3"
    )
    assert report["settings"]["path"]["source"] == "default: the user data directory"


def test_config_check_names_what_is_missing(cli: Any, httpish: str) -> None:
    result = cli("-p", httpish, "config", "check")
    assert result.code == 1
    assert "api_key" in result.out and "WALLETPASS_HTTPISH_API_KEY" in result.out
    assert "https://api.example.invalid" in result.out  # the vendor default, not "not set"
    [line] = result.err.splitlines()
    assert line.startswith("walletpass: error: [httpish] configuration incomplete")
    assert "needs an api_key" in line


def test_config_check_reports_a_wrong_value_as_a_problem_not_as_missing(
    cli: Any, httpish: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a plain http:// base_url to a remote host is there but wrong: it was reported as
    # "configuration incomplete", under "missing", with no problem line in the report
    monkeypatch.setenv("WALLETPASS_HTTPISH_API_KEY", "right-key-123")
    monkeypatch.setenv("WALLETPASS_HTTPISH_BASE_URL", "http://api.example.invalid")
    for wrong, said in (
        ("WALLETPASS_HTTPISH_BASE_URL", "base_url: uses plain http://"),
        ("WALLETPASS_HTTPISH_TIMEOUT", "timeout: must be a number"),
    ):
        if wrong == "WALLETPASS_HTTPISH_TIMEOUT":
            monkeypatch.delenv("WALLETPASS_HTTPISH_BASE_URL")
            monkeypatch.setenv(wrong, "soon")
        result = cli("-p", httpish, "config", "check")
        assert result.code == 1
        [problem] = [line for line in result.out.splitlines() if line.startswith("problem:")]
        assert said in problem
        assert "valid settings" not in problem  # the name is right: only the value is not
        [line] = result.err.splitlines()
        assert "configuration has 1 problem(s)" in line and "incomplete" not in line
        report = cli("-p", httpish, "config", "check", "--json").json()
        assert report["missing"] == [] and report["ok"] is False
        assert [said in p for p in report["problems"]] == [True]


def test_config_check_masks_secrets(
    cli: Any, httpish: str, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_HTTPISH_API_KEY", "sk-live-0123456789")
    monkeypatch.setenv("WALLETPASS_HTTPISH_WEBHOOK_TOKEN", "whk-9876543210")
    (isolated / "walletpass.toml").write_text(
        'provider = "httpish"\n[providers.httpish]\ntimeout = 12\n'
    )
    table = cli("config", "check")
    assert table.code == 0, table.err
    report = cli("config", "check", "--json")
    for result in (table, report):
        assert "sk-live-0123456789" not in result.out + result.err
        assert "whk-9876543210" not in result.out + result.err
    data = report.json()
    assert data["provider_source"].endswith("walletpass.toml")
    assert data["settings"]["api_key"] == {
        "value": "***",
        "source": "environment",
        "secret": True,
        "env": "WALLETPASS_HTTPISH_API_KEY",
    }
    assert data["settings"]["webhook_token"]["value"] == "***"
    assert data["settings"]["timeout"] == {
        "value": 12.0,
        "source": str(isolated / "walletpass.toml"),
        "secret": False,
        "env": "WALLETPASS_HTTPISH_TIMEOUT",
    }
    assert data["ok"] is True


def test_vendor_errors_say_what_to_check(
    cli: Any, httpish: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EmulatorServer(VendorDouble()) as server:
        monkeypatch.setenv("WALLETPASS_HTTPISH_BASE_URL", server.url)
        monkeypatch.setenv("WALLETPASS_HTTPISH_API_KEY", "right-key-123")
        shown = cli("-p", httpish, "get", "abc", "--json")
        assert shown.code == 0, shown.err
        assert shown.json()["status"] == "active"
        monkeypatch.setenv("WALLETPASS_HTTPISH_API_KEY", "wrong-key-456")
        line = cli("-p", httpish, "get", "abc").one_error_line()
        assert "[httpish.get] bad key" in line
        assert line.endswith("(check the API key in WALLETPASS_HTTPISH_API_KEY)")
        assert "wrong-key-456" not in line
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
    monkeypatch.setenv("WALLETPASS_HTTPISH_BASE_URL", f"http://127.0.0.1:{closed_port}")
    line = cli("-p", httpish, "--set", "max_retries=0", "get", "abc").one_error_line()
    assert line.endswith("(the vendor could not be reached or failed; try again later)")


def test_config_check_reports_unknown_settings(cli: Any) -> None:
    result = cli("--set", "colour=red", "config", "check")
    assert result.code == 1
    assert "unknown setting(s) colour" in result.err.splitlines()[-1]


def test_config_check_shows_every_setting_and_every_problem_past_a_misspelt_variable(
    cli: Any, httpish: str, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A misspelt WALLETPASS_<PROVIDER>_ variable of the provider in use, or a secret stored in
    the file, stopped 'config check' at that one problem, with no table: the tool meant to show
    what is wrong showed only the first thing. Every other command still refuses them."""
    monkeypatch.setenv("WALLETPASS_HTTPISH_TIMEOT", "3")
    monkeypatch.setenv("WALLETPASS_HTTPISH_API_KY", "sk-live-0123456789")
    (isolated / "walletpass.toml").write_text(
        'provider = "httpish"\n[providers.httpish]\napi_key = "sk-file-987654"\ntimeout = 12\n'
    )
    result = cli("config", "check")
    assert result.code == 1
    assert "SETTING" in result.out
    problems = [line for line in result.out.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 3, result.out
    assert "secret setting(s) api_key must not be stored in a configuration file" in problems[0]
    variables = sorted(problems[1:])  # in the environment's order
    assert "WALLETPASS_HTTPISH_API_KY names no setting" in variables[0]
    assert "WALLETPASS_HTTPISH_TIMEOT names no setting" in variables[1]
    assert "did you mean 'WALLETPASS_HTTPISH_TIMEOUT'" in variables[1]
    [line] = result.err.splitlines()
    assert "needs an api_key" in line  # the one in the file is not used
    for secret in ("sk-live-0123456789", "sk-file-987654"):
        assert secret not in result.out + result.err
    report = cli("config", "check", "--json").json()
    assert report["ok"] is False and len(report["problems"]) == 3
    assert report["settings"]["timeout"]["value"] == 12.0
    assert report["settings"]["api_key"]["value"] is None

    refused = cli("get", "abc").one_error_line()
    assert "must not be stored in a configuration file" in refused
    (isolated / "walletpass.toml").write_text('provider = "httpish"\n')
    assert "WALLETPASS_HTTPISH_" in cli("get", "abc").one_error_line()


def test_provider_from_environment(
    cli: Any, noredeem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_PROVIDER", noredeem)
    report = cli("config", "check", "--json").json()
    assert report["provider"] == noredeem
    assert report["provider_source"] == "environment (WALLETPASS_PROVIDER)"
    assert "noredeem does not support redeem" in cli("redeem", FAKE_ID).one_error_line()


# --------------------------------------------------------------------------------------------
# emulate
# --------------------------------------------------------------------------------------------

MINI_EMULATOR = textwrap.dedent(
    """
    from walletpass.testing.emulator import EmulatorApp, EmulatorResponse, route


    class MiniEmulator(EmulatorApp):
        def __init__(self, api_key="mini-default-key"):
            super().__init__()
            self.api_key = api_key

        @route("GET", "/ping")
        def ping(self, request):
            return EmulatorResponse.json_body({"pong": True})
    """
)


def _install_mini_emulator(site: Path) -> None:
    _install_dist(
        site,
        "mini_emulator",
        MINI_EMULATOR,
        "[walletpass.emulators]\nmini = mini_emulator:MiniEmulator\n",
    )


def test_emulate_serves_an_installed_emulator_until_stopped(tmp_path: Path) -> None:
    _install_mini_emulator(tmp_path / "site")
    env = {**_clean_env(tmp_path), "PYTHONPATH": str(tmp_path / "site")}
    process = subprocess.Popen(
        [*CLI, "emulate", "mini", "--port", "0", "--option", "api_key=k-123"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("serving the mini emulator at http://127.0.0.1:"), first
        url = first.split(" at ")[1].split()[0]
        assert process.stdout.readline() == "test API key: k-123\n"
        assert process.stdout.readline() == (
            f"point walletpass at it with: WALLETPASS_MINI_BASE_URL={url} "
            "WALLETPASS_MINI_API_KEY=k-123\n"
        )
        with urllib.request.urlopen(f"{url}/ping", timeout=30) as response:
            assert json.loads(response.read()) == {"pong": True}
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert process.returncode == 0
    assert process.stderr is not None
    assert "GET /ping" in process.stderr.read()


def _serve(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], str, list[str]]:
    """``walletpass emulate mini`` with ``flags``: the process, its URL and what it printed
    before its last line (``point walletpass at it with: ...``)."""
    if not (tmp_path / "site").exists():  # (once per test: a test may serve twice)
        _install_mini_emulator(tmp_path / "site")
    # (the site first, then the path this test runs walletpass from, if one is set)
    path = os.pathsep.join(filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")]))
    env = {**_clean_env(tmp_path), "PYTHONPATH": path}
    process = subprocess.Popen(
        [*CLI, "emulate", "mini", "--port", "0", "--option", "api_key=k-123", *flags],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    printed = [process.stdout.readline()]
    while not printed[-1].startswith("point walletpass at it with:"):
        printed.append(process.stdout.readline())
        assert printed[-1], printed
    return process, printed[0].split(" at ")[1].split()[0], printed


def test_emulate_latency_slows_every_answer(tmp_path: Path) -> None:
    """--latency: the answer comes no sooner than asked (a lower bound only: the point is that
    a client timeout shorter than it fires, which the second call shows)."""
    process, url, printed = _serve(tmp_path, "--latency", "0.5")
    try:
        assert "latency: 0.5 s before handling each request\n" in printed
        started = time.monotonic()
        with urllib.request.urlopen(f"{url}/ping", timeout=30) as response:
            assert json.loads(response.read()) == {"pong": True}
        assert time.monotonic() - started >= 0.5
        with pytest.raises(OSError):  # (socket.timeout / URLError: the client gave up first)
            urllib.request.urlopen(f"{url}/ping", timeout=0.1)
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_emulate_flaky_faults_every_share_of_requests_repeatably(tmp_path: Path) -> None:
    """--flaky 1: every request gets one of the four faults; with --seed the sequence repeats."""

    def outcomes(seed: str) -> list[str]:
        process, url, printed = _serve(tmp_path, "--flaky", "1", "--seed", seed)
        seen = []
        try:
            assert f"flaky: a random fault on 100% of requests, seed {seed}\n" in printed
            for _ in range(24):
                try:
                    with urllib.request.urlopen(f"{url}/ping", timeout=30) as response:
                        body = response.read()
                        seen.append("ok" if body == b'{"pong": true}' else "unreadable")
                except urllib.error.HTTPError as exc:
                    seen.append(str(exc.code))
                except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                    seen.append("dropped")
        finally:
            process.terminate()
            process.wait(timeout=60)
        return seen

    first = outcomes("7")
    assert "ok" not in first and {"503", "unreadable", "dropped"} <= set(first), first
    assert outcomes("7") == first


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--latency", "-1"), ("--latency", "nan"), ("--latency", "601"), ("--flaky", "1.5")],
)
def test_emulate_refuses_a_latency_or_share_out_of_range(cli: Any, flag: str, value: str) -> None:
    result = cli("emulate", "pass2u", flag, value)
    assert result.code == 2
    assert flag in result.one_error_line()


class Mini(EmulatorApp):
    @route("GET", "/ping")
    def ping(self, request: Any) -> EmulatorResponse:
        return EmulatorResponse.json_body({"pong": True})


def test_emulate_errors_are_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    line = cli("emulate", "ghost").one_error_line()
    assert "no emulator for 'ghost'" in line
    assert cli("emulate", "ghost", "--port", "70000").code == 2

    import walletpass.testing.emulators as emulators

    monkeypatch.setattr(emulators, "load_emulator", lambda vendor, **options: Mini())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = cli("emulate", "mini", "--port", str(port)).one_error_line()
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line


def test_emulate_refuses_an_option_the_emulator_does_not_have(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import walletpass.testing.emulator as harness

    served: list[Any] = []
    monkeypatch.setattr(harness, "serve", lambda app, **how: served.append(app))
    result = cli("emulate", "pass2u", "--port", "0", "--option", "modls:=[]")
    assert served == []
    assert result.code == 1
    line = result.one_error_line()
    assert "the emulator for 'pass2u' has no option 'modls' (did you mean 'models'?)" in line


def test_emulate_prints_no_key_line_when_the_emulator_has_none(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import walletpass.testing.emulator as harness
    import walletpass.testing.emulators as emulators

    answers: list[Any] = []

    def serve_once(app: Any, *, host: str, port: int, ready: Any) -> None:
        with EmulatorServer(app, host=host, port=port) as server:
            ready(server.url)
            with urllib.request.urlopen(f"{server.url}/ping", timeout=30) as response:
                answers.append(json.loads(response.read()))

    monkeypatch.setattr(emulators, "load_emulator", lambda vendor, **options: Mini())
    monkeypatch.setattr(harness, "serve", serve_once)
    result = cli("emulate", "mini")
    assert result.code == 0
    assert answers == [{"pong": True}]
    lines = result.out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("serving the mini emulator at http://")
    assert lines[1].startswith("point walletpass at it with: WALLETPASS_MINI_BASE_URL=http://")


# --------------------------------------------------------------------------------------------
# Flag grammar (property-based)
# --------------------------------------------------------------------------------------------

_KEYS = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Cc"), blacklist_characters="=:"),
    min_size=1,
    max_size=20,
).filter(lambda key: not any(ch.isspace() for ch in key))


@given(_KEYS, st.text(max_size=30))
def test_key_value_round_trips(key: str, value: str) -> None:
    assert assignment(f"{key}={value}") == (key, value)


# Nested JSON of up to 20 leaves: at Hypothesis' default of 100 the draws alone took 33 s a run
# (8 s at 20, load 28), for no kind of value that 20 leaves lack.
@given(
    _KEYS,
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=20),
)
def test_key_json_round_trips(key: str, value: Any) -> None:
    assert assignment(f"{key}:={json.dumps(value)}") == (key, value)


@given(st.text(max_size=30).filter(lambda text: "=" not in text))
def test_text_without_equals_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        assignment(text)


@given(
    st.floats(-90, 90),
    st.floats(-180, 180),
    st.none() | st.floats(0.1, 10_000),
)
def test_locations_parse(lat: float, lon: float, radius: float | None) -> None:
    text = f"{lat!r},{lon!r}" + ("" if radius is None else f",{radius!r}")
    expected = {"latitude": lat, "longitude": lon}
    if radius is not None:
        expected["radius"] = radius
    assert location(text) == expected


def test_location_refuses_other_shapes() -> None:
    for bad in ("1", "1,2,3,4", "a,b", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            location(bad)


def test_python_dash_m_walletpass_is_the_walletpass_command() -> None:
    """`python -m walletpass` runs the command (user16: only `python -m walletpass.cli` did, and
    a new user whose scripts directory is not on PATH tries the package's name first)."""
    by_package = subprocess.run(
        [sys.executable, "-m", "walletpass", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    by_cli = subprocess.run(
        [*CLI, "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    assert by_package.stdout == by_cli.stdout


# --------------------------------------------------------------------------------------------
# Ctrl-C
# --------------------------------------------------------------------------------------------


class _PressesCtrlC(ItemsApp):
    """Presses Ctrl-C in the command's process once a request has taken effect, before it is
    answered (the operator's Ctrl-C while the answer was on its way)."""

    def __init__(self, press: Callable[[], None]) -> None:
        super().__init__()
        self.press = press

    def _took_effect(self, request: Any) -> None:
        super()._took_effect(request)
        self.press()


@pytest.mark.parametrize(
    ("command", "operation"),
    [(("create", "--template", "gg"), "create"), (("delete", "it_0"), "delete")],
)
def test_ctrl_c_after_a_change_was_sent_says_it_may_have_taken_effect(
    cli: Any,
    ctrl_c: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    operation: str,
) -> None:
    # Before, every Ctrl-C was "interrupted" with outcome_unknown false, though the vendor had
    # acted on the create: a script reading --json took it that nothing had happened.
    register_provider("test-http", HttpTestProvider)
    try:
        app = _PressesCtrlC(ctrl_c)
        with EmulatorServer(app) as server:
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_BASE_URL", f"{server.url}/v1")
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_API_KEY", API_KEY)
            shown = cli("-p", "test-http", *command, "--json")
            plain = cli("-p", "test-http", *command)
    finally:
        unregister_provider("test-http")
    assert (
        app.processed
        == [f"{'POST /v1/items' if operation == 'create' else 'DELETE /v1/items/it_0'}"] * 2
    )
    assert (shown.code, plain.code) == (130, 130)
    error = json.loads(shown.err.splitlines()[-1])
    assert error["type"] == "KeyboardInterrupt"
    assert (error["provider"], error["operation"]) == ("test-http", operation)
    assert error["outcome_unknown"] is True and error["retryable"] is False
    assert f"interrupted after the {operation} had been sent to the vendor" in error["message"]
    assert plain.err.splitlines()[-1] == (
        f"walletpass: error: [test-http.{operation}] interrupted after the {operation} had been "
        "sent to the vendor: it may have taken effect (check with 'walletpass get' or "
        "'walletpass list' before running it again)"
    )


def test_ctrl_c_before_anything_was_sent_or_during_a_read_is_only_interrupted(
    cli: Any, ctrl_c: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    register_provider("test-http", HttpTestProvider)
    try:
        app = _PressesCtrlC(ctrl_c)
        with EmulatorServer(app) as server:
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_BASE_URL", f"{server.url}/v1")
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_API_KEY", API_KEY)
            shown = cli("-p", "test-http", "get", "it_0", "--json")
    finally:
        unregister_provider("test-http")
    assert app.processed == ["GET /v1/items/it_0"]
    assert shown.code == 130
    error = json.loads(shown.err.splitlines()[-1])
    assert (error["type"], error["message"], error["outcome_unknown"]) == (
        "KeyboardInterrupt",
        "interrupted",
        False,
    )
