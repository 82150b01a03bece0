"""The command line and configuration as a newcomer finds them: each case is one thing a real user
ran into (issue 17), checked by the message or exit status they see."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walletpass
from walletpass import (
    ConfigurationError,
    ConfigurationWarning,
    Pass,
    ProviderNotFound,
    ProviderUnavailable,
)
from walletpass.cli.stderr import ERROR_KEYS
from walletpass.config import resolve_config
from walletpass.errors import ValidationError
from walletpass.fake import FakeProvider
from walletpass.suggest import close_matches, did_you_mean
from walletpass.testing.emulator import local_url_host

NOTICE = "walletpass: note: using the built-in fake provider"


def _default_store(isolated: Path) -> FakeProvider:
    return FakeProvider(path=str(isolated / "data" / "walletpass" / "fake.sqlite3"))


# --------------------------------------------------------------------------------------------
# walletpass issue: everything the command decides is decided before anything is sent
# --------------------------------------------------------------------------------------------


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


MEMBERS = ["Member No", "Name", "Email"]
MAPPED = [
    "--map",
    "Member No=external_id",
    "--map",
    "Name=holder.name",
    "--map",
    "Email=holder.email",
]


def test_a_repeated_external_id_is_decided_by_row_order_not_thread_timing(
    cli: Any, isolated: Path
) -> None:
    rows = [
        ["M1", "Ada", "ada@example.com"],
        ["M2", "Bob", "bob@example.com"],
        ["M3", "Cy", "cy@example.com"],
        ["M4", "Di", "di@example.com"],
        ["M2", "Bobby", "bobby@example.com"],
        ["M2", "Robert", "robert@example.com"],
    ]
    source = _csv(isolated / "members.csv", MEMBERS, rows)
    outcomes = []
    for attempt in range(3):
        store = isolated / f"run{attempt}.sqlite3"
        result = cli(
            "issue", str(source), "--template", "loyalty", *MAPPED, "--no-progress",
            "--concurrency", "8", "--set", f"path={store}",
        )  # fmt: skip
        assert result.code == 1
        assert "4 of 6 rows issued; 2 failed" in result.out
        results = _results(isolated / "members.results.csv")
        outcomes.append([(r["row"], r["external_id"], r["status"]) for r in results])
        assert "row 5: DuplicateRow" in result.err
        assert "already the external id of row 2; row 5 is not sent" in result.err
        wallet = FakeProvider(path=str(store))
        [kept] = [p for p in wallet.list() if p.external_id == "M2"]
        assert kept.holder is not None and kept.holder.name == "Bob"  # the first row wins
        wallet.close()
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert [o[2] for o in outcomes[0]] == ["issued"] * 4 + ["duplicate"] * 2
    duplicate = _results(isolated / "members.results.csv")[5]
    assert "row 2" in duplicate["error"] and "row 6" in duplicate["error"]


def test_a_map_naming_no_column_stops_the_run_before_anything_is_sent(
    cli: Any, isolated: Path
) -> None:
    source = _csv(isolated / "members.csv", MEMBERS, [["M1", "Ada", "ada@example.com"]])
    result = cli("issue", str(source), "--template", "t", "--map", "Nmae=holder.name")
    assert result.code == 2
    [line] = result.errors
    assert "the file has no column 'Nmae' (did you mean 'Name'?)" in line
    assert not (isolated / "members.results.csv").exists()
    assert list(_default_store(isolated).list()) == []


@pytest.mark.parametrize("cell", ["", "1002"])
def test_a_column_that_cannot_be_a_field_is_refused_whatever_the_cells_hold(
    cli: Any, isolated: Path, cell: str
) -> None:
    source = _csv(isolated / "m.csv", ["external_id", "Member No."], [["A1", cell], ["A2", ""]])
    result = cli("issue", str(source), "--template", "t", "--no-progress")
    assert result.code == 2
    [line] = result.errors
    assert "column 'Member No.' would become template field 'Member No.'" in line
    assert "no spaces" in line and "--map 'Member No.=fields.Member_No'" in line
    assert "pattern" not in line and "^" not in line
    assert list(_default_store(isolated).list()) == []
    # the fix the message names works
    fixed = cli("issue", str(source), "--template", "t", "--map", "Member No.=fields.member_no")
    assert fixed.code == 0, fixed.err


def test_two_columns_for_one_field_and_a_column_named_twice_are_refused(
    cli: Any, isolated: Path
) -> None:
    source = _csv(isolated / "m.csv", ["external_id", "Member No"], [["A1", "B1"]])
    result = cli("issue", str(source), "--template", "t", "--map", "Member No=external_id")
    assert result.code == 2
    assert "columns 'external_id' and 'Member No' both go to external_id" in result.errors[0]
    twice = _csv(isolated / "t.csv", ["name", "seat", "name"], [["a", "1", "b"]])
    result = cli("issue", str(twice), "--template", "t")
    assert result.code == 2
    assert "names column 'name' twice (columns 1 and 3)" in result.errors[0]


def test_no_template_is_a_usage_error_as_documented(cli: Any, isolated: Path) -> None:
    source = _csv(isolated / "members.csv", MEMBERS, [["M1", "Ada", "ada@example.com"]] * 7)
    result = cli("issue", str(source), *MAPPED)
    assert result.code == 2
    assert result.errors[0].startswith("walletpass: error: no template: give --template NAME")
    assert not (isolated / "members.results.csv").exists()
    lines = isolated / "t.jsonl"
    lines.write_text(json.dumps({"external_id": "T1"}) + "\n")
    assert cli("issue", str(lines)).code == 2
    lines.write_text(json.dumps({"external_id": "T1", "template": "show"}) + "\n")
    assert cli("issue", str(lines), "--no-progress").code == 0


def test_every_results_row_carries_its_row_number_and_external_id(cli: Any, isolated: Path) -> None:
    rows = [
        ["M1", "Ada", "ada@example.com"],
        ["M2", "Bob", "not-an-email"],
        ["M3", "", "cy@example"],
        ["M1", "Ada again", "ada@example.com"],
    ]
    source = _csv(isolated / "members.csv", MEMBERS, rows)
    result = cli("issue", str(source), "--template", "t", *MAPPED, "--no-progress")
    assert result.code == 1
    results = _results(isolated / "members.results.csv")
    assert [(r["row"], r["external_id"], r["status"]) for r in results] == [
        ("1", "M1", "issued"),
        ("2", "M2", "invalid"),
        ("3", "M3", "invalid"),
        ("4", "M1", "duplicate"),
    ]
    assert "holder.email: not an email address" in results[1]["error"]
    lines = isolated / "t.jsonl"
    lines.write_text(json.dumps({"external_id": "T1", "holder": {"email": "x"}}) + "\nnot json\n")
    assert cli("issue", str(lines), "--template", "t", "--no-progress").code == 1
    got = [json.loads(x) for x in (isolated / "t.results.jsonl").read_text().splitlines()]
    assert [(r["row"], r["external_id"], r["status"]) for r in got] == [
        (1, "T1", "invalid"),
        (2, None, "invalid"),
    ]


# --------------------------------------------------------------------------------------------
# Errors in words, never a regular expression or a parser's internals
# --------------------------------------------------------------------------------------------


def test_a_bad_email_is_said_in_words(cli: Any) -> None:
    result = cli("create", "--template", "t", "--holder-email", "ada@nowhere")
    assert result.code == 1
    assert result.errors == [
        "walletpass: error: invalid input: --holder-email (holder.email): not an email address"
    ]


_REGEX_MARKS = re.compile(r"\^|\$'|\\s|\[\^|String should|Input should|pattern")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["email", "phone", "language"]),
    st.text(min_size=1, max_size=40),
)
def test_no_holder_value_is_refused_with_a_regex(part: str, text: str) -> None:
    try:
        Pass(template="t", holder={part: text})
    except ValidationError as exc:
        assert [p.location for p in exc.problems] == [f"holder.{part}"]
        assert not _REGEX_MARKS.search(exc.problems[0].message), str(exc)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200), st.text(max_size=10))
def test_no_field_key_or_image_url_is_refused_with_a_regex(key: str, url: str) -> None:
    for build in (
        lambda: Pass(template="t", fields={key: "v"}),
        lambda: Pass(template="t", images={"logo": {"url": url}}),
    ):
        try:
            build()
        except ValidationError as exc:  # the messages, not the key they quote
            for problem in exc.problems:
                assert not _REGEX_MARKS.search(problem.message), problem.message


def test_misspelt_keys_are_answered_with_the_valid_ones(cli: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Pass.model_validate({"template": "t", "holder": {"nmae": "Ada"}})
    assert caught.value.fields == {
        "holder.nmae": [
            "unknown key (did you mean 'name'?); valid keys: email, first_name, language, "
            "last_name, name, phone"
        ]
    }


# --------------------------------------------------------------------------------------------
# Configuration files
# --------------------------------------------------------------------------------------------


def test_a_relative_path_is_relative_to_the_file_that_holds_it(
    cli: Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = isolated / "app"
    app.mkdir()
    (app / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.fake]\npath = "passes.sqlite3"\n'
    )
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("WALLETPASS_CONFIG", str(app / "walletpass.toml"))
    created = cli("create", "--template", "t", "--json")
    assert created.code == 0, created.err
    assert (app / "passes.sqlite3").is_file() and not (elsewhere / "passes.sqlite3").exists()
    listed = cli("list", "--json")
    assert [p["id"] for p in json.loads(listed.out)] == [json.loads(created.out)["id"]]
    check = json.loads(cli("config", "check", "--json").out)
    assert check["settings"]["path"]["value"] == str(app / "passes.sqlite3")


def test_a_provider_table_for_no_installed_provider_is_reported(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.pass2uu]\nutm_source = "x"\n'
    )
    check = cli("config", "check")
    assert check.code == 1
    assert "ready" not in check.out
    assert "[providers.pass2uu] names no installed provider (did you mean 'pass2u'?)" in check.out
    report = json.loads(cli("config", "check", "--json").out)
    assert report["ok"] is False and "pass2uu" in report["problems"][0]
    # at connect: a warning, since the table may be meant for another installation
    with pytest.warns(ConfigurationWarning, match=r"did you mean 'pass2u'"):
        walletpass.from_config().close()
    listed = cli("list")
    assert listed.code == 0 and "did you mean 'pass2u'" in listed.warnings[0]


def test_provider_written_as_a_table_is_explained(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "pass2u"\n[provider.pass2u]\ntimeout = 3\n'
    )
    result = cli("config", "check")
    assert result.code == 1
    [line] = result.errors
    assert "line 2: [provider.pass2u] makes 'provider' a table" in line
    assert "provider settings go in [providers.pass2u]" in line
    assert "Cannot overwrite" not in line


def test_a_misspelt_alias_key_lists_the_alias_keys(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.fake.templates.vip]\nid = "1"\nfeilds = { a = "b" }\n'
    )
    result = cli("config", "check")
    assert result.code == 1
    line = result.errors[0]
    assert "templates.vip.feilds: unknown key (did you mean 'fields'?)" in line
    from walletpass.settings import TemplateAlias

    # the valid keys come from the alias model itself, so keys added there are offered too
    assert f"valid keys: {', '.join(sorted(TemplateAlias.model_fields))}" in line
    assert "valid settings" not in line
    with pytest.raises(ConfigurationError, match="did you mean 'fields'"):
        walletpass.from_config()
    # keys of nested alias entries too (a typed field alias)
    with pytest.raises(ConfigurationError) as caught:
        walletpass.connect(
            "fake",
            templates={"vip": {"id": "1", "fields": {"points": {"key": "s", "tpye": "int"}}}},
        )
    assert "templates.vip.fields.points.tpye: unknown key (did you mean 'type'?)" in str(
        caught.value
    )


def test_an_unknown_top_level_key_suggests_the_right_one(isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text('providr = "fake"\n')
    with pytest.raises(ConfigurationError, match=r"providr \(did you mean 'provider'"):
        walletpass.from_config()


# --------------------------------------------------------------------------------------------
# Did you mean, and install hints only for packages that exist
# --------------------------------------------------------------------------------------------


def test_a_misspelt_provider_is_suggested_not_sent_to_pip(cli: Any) -> None:
    line = cli("-p", "passentri", "list").errors[0]
    assert "did you mean 'passentry'?" in line and "pip install" not in line
    with pytest.raises(ProviderNotFound) as caught:
        walletpass.connect("Pass2U")
    assert "did you mean 'pass2u'?" in str(caught.value)
    assert "walletpass-Pass2U" not in str(caught.value)


def test_install_hints_name_only_published_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    from walletpass import registry

    published = {**registry.published_providers(), "acmepay": "walletpass-acmepay"}
    monkeypatch.setattr(registry, "published_providers", lambda: published)
    with pytest.raises(ProviderNotFound, match="pip install walletpass-acmepay"):
        walletpass.connect("acmepay")
    with pytest.raises(ProviderNotFound) as caught:
        walletpass.connect("zzz-unknown")
    assert "pip install" not in str(caught.value)


def test_emulate_fake_says_the_fake_has_no_emulator(cli: Any) -> None:
    result = cli("emulate", "fake")
    assert result.code == 1
    assert "the 'fake' provider is installed but ships no emulator" in result.errors[0]
    assert "pip install" not in result.err
    assert "did you mean 'passentry'" in cli("emulate", "passentri").errors[0]


def test_a_misspelt_setting_points_to_the_right_one(cli: Any) -> None:
    line = cli("--set", "timeot=3", "config", "check").errors[0]
    assert "timeot (did you mean 'timeout'?)" in line
    with pytest.raises(ConfigurationError, match="did you mean 'WALLETPASS_PASS2U_API_KEY'"):
        resolve_config("pass2u", env={"WALLETPASS_PASS2U_APIKEY": "k"}, use_file=False)


def test_a_misspelt_provider_variable_is_not_a_silent_fallback(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_PROVIDR", "pass2u")
    result = cli("list")
    assert result.code == 0
    assert any("WALLETPASS_PROVIDR" in w and "'WALLETPASS_PROVIDER'" in w for w in result.warnings)
    assert result.err.count(NOTICE) == 1
    check = cli("config", "check")
    assert check.code == 1 and "WALLETPASS_PROVIDR" in check.out


@pytest.mark.parametrize(
    "variable",
    [
        "WALLETPASS_CONFIG",
        "WALLETPASS_PROVIDER",
        "WALLETPASS_WEBHOOK_SECRET",  # walletpass events listen's default --secret-env
        "WALLETPASS_CELERY_BROKER_URL",  # docs/scale.md: a broker URL with a password
    ],
)
def test_a_variable_a_walletpass_command_reads_is_never_warned_as_unread(
    cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    (tmp_path / "walletpass.toml").write_text('provider = "fake"\n')
    values = {
        "WALLETPASS_CONFIG": str(tmp_path / "walletpass.toml"),
        "WALLETPASS_PROVIDER": "fake",
        "WALLETPASS_CELERY_BROKER_URL": "redis://127.0.0.1:6390/0",
    }
    monkeypatch.setenv(variable, values.get(variable, "a-secret"))
    for result in (cli("list"), cli("config", "check")):
        said = result.out + result.err + " ".join(result.warnings)
        assert "not one walletpass reads" not in said
        assert result.code == 0, said


def test_close_matches_are_case_insensitive_and_spelt_as_registered() -> None:
    assert close_matches("PASS2U", ["pass2u", "passentry"]) == ["pass2u"]
    assert did_you_mean("timeot", ["timeout", "deadline"]) == "did you mean 'timeout'?"
    assert did_you_mean("zzzz", ["timeout"]) == ""


# --------------------------------------------------------------------------------------------
# The fake fallback, profiles, defaults
# --------------------------------------------------------------------------------------------


def test_the_fake_fallback_is_announced_once_unless_quiet(cli: Any) -> None:
    result = cli("list")
    notices = [line for line in result.err.splitlines() if line.startswith(NOTICE)]
    assert len(notices) == 1 and "no provider is configured" in notices[0]
    assert NOTICE not in cli("list", "--quiet").err
    assert NOTICE not in cli("-p", "fake", "list").err  # chosen, not fallen back to


def test_errors_while_imitating_a_vendor_name_the_profile(cli: Any) -> None:
    line = cli(
        "--set", "profile=pass2u", "create", "--template", "1919", "--external-id", "o-1"
    ).errors[0]
    assert line.startswith("walletpass: error: [fake(profile=pass2u).create] ")
    # Pass2U keeps an external id only in a template field: none is configured here.
    assert "fake(profile=pass2u) can keep external_id only in a template field" in line


def test_config_check_shows_the_effective_default_rate(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLETPASS_PASS2U_API_KEY", "k-123456")
    report = json.loads(cli("-p", "pass2u", "config", "check", "--json").out)
    assert report["settings"]["rate_limit"]["value"] == 100.0
    assert report["settings"]["rate_limit"]["source"] == "default: the vendor's documented rate"
    table = cli("-p", "pass2u", "config", "check").out
    [row] = [line for line in table.splitlines() if line.split()[:1] == ["rate_limit"]]
    assert row.split()[1] == "100.0"
    # a setting left unset says what that means instead of a bare "not set"
    [proxy] = [line for line in table.splitlines() if line.split()[:1] == ["proxy"]]
    assert "default: HTTPS_PROXY" in proxy


def test_a_newcomer_sees_one_notice_across_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update({"XDG_DATA_HOME": str(tmp_path / "d"), "HOME": str(tmp_path / "h")})
    env["WALLETPASS_PROVIDR"] = "pass2u"
    done = subprocess.run(
        [sys.executable, "-m", "walletpass.cli", "list"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines
    assert "WALLETPASS_PROVIDR" in lines[0] and lines[1].startswith(NOTICE)


def test_warnings_from_configuration_are_a_public_category(isolated: Path) -> None:
    assert issubclass(ConfigurationWarning, UserWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        walletpass.connect("fake").close()
    assert not [w for w in caught if issubclass(w.category, ConfigurationWarning)]


# --------------------------------------------------------------------------------------------
# --json errors, emulate's address
# --------------------------------------------------------------------------------------------


class DownProvider(FakeProvider):
    """The fake, except that its vendor is down: reads fail retryably."""

    name = "down-vendor"

    def execute_get(self, pass_id: str) -> Any:
        raise ProviderUnavailable("the vendor answered 503", retryable=True)


@pytest.fixture
def down() -> Iterator[str]:
    walletpass.register_provider(DownProvider.name, DownProvider)
    yield DownProvider.name
    walletpass.unregister_provider(DownProvider.name)


def _json_error(result: Any) -> dict[str, Any]:
    lines = result.err.splitlines()
    objects = [json.loads(line) for line in lines]  # every stderr line is JSON with --json
    assert [o["level"] for o in objects].count("error") == 1
    assert objects[-1]["level"] == "error"
    error: dict[str, Any] = objects[-1]
    assert tuple(error) == ERROR_KEYS
    assert error["exit_status"] == result.code
    return error


def test_json_errors_are_one_object_with_a_stable_shape(cli: Any, down: str) -> None:
    invalid = cli("create", "--template", "t", "--holder-email", "ada@", "--json")
    assert invalid.code == 1
    error = _json_error(invalid)
    assert error["type"] == "ValidationError" and error["retryable"] is False
    assert error["problems"] == [
        {"field": "--holder-email (holder.email)", "message": "not an email address"}
    ]
    usage = cli("create", "--json", "--bogus")
    assert usage.code == 2
    assert _json_error(usage)["type"] == "UsageError"
    unavailable = cli("-p", down, "get", "fp_00000000000000ff", "--json")
    assert unavailable.code == 1
    error = _json_error(unavailable)
    assert (error["type"], error["provider"], error["operation"]) == (
        "ProviderUnavailable",
        down,
        "get",
    )
    assert error["retryable"] is True and error["message"].startswith("the vendor answered 503")
    # without --json: the same error as one line of text
    assert (
        cli("-p", down, "get", "fp_00000000000000ff")
        .errors[0]
        .startswith(f"walletpass: error: [{down}.get] the vendor answered 503")
    )


def test_json_issue_reports_rows_and_notes_as_json_lines(cli: Any, isolated: Path) -> None:
    source = _csv(
        isolated / "m.csv", ["external_id", "holder.email"], [["A1", "x"], ["A2", "a@b.co"]]
    )
    result = cli("issue", str(source), "--template", "t", "--json")
    assert result.code == 1
    reports = [json.loads(line) for line in result.err.splitlines()]
    rows = [r for r in reports if r["level"] == "row"]
    assert [(r["row"], r["external_id"], r["status"]) for r in rows] == [(1, "A1", "invalid")]
    assert json.loads(result.out)["failed"] == 1


def test_emulate_on_every_interface_prints_an_address_walletpass_uses(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "walletpass.cli", "emulate", "passentry", "--host", "0.0.0.0"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" at ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:"), first
        lines = [process.stdout.readline() for _ in range(3)]
        key = lines[1].removeprefix("test API key: ").strip()
        wallet = walletpass.connect("passentry", base_url=url, api_key=key, max_retries=0)
        with pytest.raises(walletpass.NotFound):  # a real round trip, not a refused URL
            wallet.get("no-such-pass-0000")
        wallet.close()
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_emulate_refuses_an_address_walletpass_would_refuse(cli: Any) -> None:
    result = cli("emulate", "passentry", "--host", "192.0.2.7")
    assert result.code == 2
    assert "plain HTTP to loopback addresses only" in result.errors[0]


@pytest.mark.parametrize(
    ("host", "shown"),
    [("0.0.0.0", "127.0.0.1"), ("::", "[::1]"), ("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")],
)
def test_the_printed_host_reaches_the_server_from_this_machine(host: str, shown: str) -> None:
    assert local_url_host(host) == shown


def test_every_refusal_of_an_imitation_names_the_profile() -> None:
    wallet = walletpass.connect("fake", profile="pass2u")
    issued = wallet.create(Pass(template="1919"))
    with pytest.raises(walletpass.UnsupportedFeature) as caught:
        wallet.redeem(issued.id, amount="5")
    assert caught.value.provider == "fake(profile=pass2u)"
    assert str(caught.value).startswith("[fake(profile=pass2u).redeem] fake(profile=pass2u) ")
    with pytest.raises(walletpass.UnsupportedOperation) as refused:
        wallet.list()
    assert "fake(profile=pass2u)" in str(refused.value)
    wallet.close()


def test_parser_messages_are_said_in_words(cli: Any, isolated: Path) -> None:
    bad = isolated / "pass.json"
    bad.write_text('{"template": ')
    line = cli("create", "--from-json", str(bad)).errors[0]
    assert "is not valid JSON: expecting a value at line 1, column 14" in line
    assert "char" not in line
    line = cli("create", "--template", "t", "--expires", "next tuesday-ish").errors[0]
    assert "not a date: 'next tuesday-ish' (write it like 2030-06-01 23:00 +02:00)" in line
    assert "Unknown string format" not in line
    line = cli("create", "--template", "t", "--expires", "2027-02-30 10:00 +01:00").errors[0]
    assert "day is out of range for month" in line
