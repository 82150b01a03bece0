"""``walletpass issue``: rows in, passes out, a results file, honest exit statuses, resumption."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from walletpass import Capabilities, Capability, emulated
from walletpass.cli import main
from walletpass.cli.issue import RESULT_COLUMNS, count_rows, results_path_for
from walletpass.fake import FakeProvider
from walletpass.registry import register_provider, unregister_provider
from walletpass.testing.emulator import EmulatorServer

from .test_cli import _PressesCtrlC
from .test_transport import API_KEY, HttpTestProvider


class _BulkHttp(HttpTestProvider):
    capabilities = Capabilities(
        {
            **HttpTestProvider.capabilities,
            Capability.CREATE_MANY: emulated("one create per item"),
        }
    )


HEADER = ["Member No", "Name", "Email", "Points", "expires_at"]


def _members(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _row(i: int, expires: str = "2027-01-01T00:00:00+01:00") -> list[str]:
    return [f"M{i:04d}", f"Member {i}", f"m{i}@example.com", str(i * 10), expires]


MAP = [
    "--map",
    "Member No=external_id",
    "--map",
    "Name=holder.name",
    "--map",
    "Email=holder.email",
    "--map",
    "Points=fields.points",
]


def _issue(*args: str) -> int:
    return main(["issue", *args, "--template", "loyalty", *MAP, "--no-progress"])


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _fake(isolated: Path) -> FakeProvider:
    return FakeProvider(path=str(isolated / "data" / "walletpass" / "fake.sqlite3"))


def test_every_row_becomes_a_pass_and_a_result_line(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _members(isolated / "members.csv", [_row(i) for i in range(5)])

    assert _issue(str(source)) == 0

    out = capsys.readouterr().out
    assert "5 of 5 rows issued; 0 failed" in out
    results = _read(isolated / "members.results.csv")
    assert list(results[0]) == list(RESULT_COLUMNS)
    assert [r["row"] for r in results] == ["1", "2", "3", "4", "5"]
    assert {r["status"] for r in results} == {"issued"}
    wallet = _fake(isolated)
    first = wallet.get(results[0]["pass_id"])
    assert first.external_id == "M0000"
    assert first.holder is not None and first.holder.email == "m0@example.com"
    assert first.fields["points"] == "0"
    assert first.expires_at is not None and first.expires_at.utcoffset() is not None


def test_bad_rows_are_reported_by_number_and_the_run_goes_on(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [_row(0), _row(1, "next tuesday-ish"), _row(2, "2027-01-01 10:00"), _row(3)]
    source = _members(isolated / "members.csv", rows)

    assert _issue(str(source)) == 1

    captured = capsys.readouterr()
    assert "row 2: RowError" in captured.err and "not a date" in captured.err
    assert "row 3: RowError" in captured.err and "no timezone" in captured.err
    assert "Traceback" not in captured.err
    # each line names its row once, and no provider for a row no provider saw
    [line] = [text for text in captured.err.splitlines() if "row 3: RowError" in text]
    assert line.count("row 3") == 1 and ".create]" not in line, line
    assert "2 of 4 rows issued; 2 failed" in captured.out
    results = _read(isolated / "members.results.csv")
    assert [r["status"] for r in results] == ["issued", "invalid", "invalid", "issued"]
    assert results[1]["error_type"] == "RowError" and results[1]["pass_id"] == ""


def test_tz_supplies_the_zone_dates_lack(isolated: Path) -> None:
    source = _members(isolated / "members.csv", [_row(0, "2027-01-01 10:00")])

    assert _issue(str(source), "--tz", "Europe/Paris") == 0

    pass_id = _read(isolated / "members.results.csv")[0]["pass_id"]
    expires = _fake(isolated).get(pass_id).expires_at
    # 10:00 in Paris (UTC+1 in January) is 09:00 UTC, the moment the fake's read reports
    assert expires == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def test_a_rerun_with_the_journal_sends_nothing_already_issued(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _members(isolated / "members.csv", [_row(i) for i in range(4)])
    journal = str(isolated / "run.db")
    assert _issue(str(source), "--journal", journal) == 0
    first = _read(isolated / "members.results.csv")
    capsys.readouterr()

    assert _issue(str(source), "--journal", journal) == 0

    assert "(4 settled by an earlier run)" in capsys.readouterr().out
    second = _read(isolated / "members.results.csv")
    assert [r["status"] for r in second] == ["skipped"] * 4
    assert [r["pass_id"] for r in second] == [r["pass_id"] for r in first]
    assert len(list(_fake(isolated).list())) == 4


def test_json_lines_in_json_lines_out(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = isolated / "tickets.jsonl"
    source.write_text(
        json.dumps({"external_id": "T1", "holder": {"name": "Ada"}, "seat": "1A"})
        + "\n\n"
        + "not json\n"
        + json.dumps({"external_id": "T2", "seat": "1B"})
        + "\n"
    )

    code = main(["issue", str(source), "--template", "show", "--no-progress", "--json"])

    assert code == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 3 and summary["succeeded"] == 2 and summary["failed"] == 1
    lines = [
        json.loads(line) for line in (isolated / "tickets.results.jsonl").read_text().splitlines()
    ]
    assert [(r["row"], r["status"]) for r in lines] == [
        (1, "issued"),
        (2, "invalid"),
        (3, "issued"),
    ]
    assert "not valid JSON" in lines[1]["error"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--map", "Points=nowhere"], 2, "unknown target 'nowhere'"),
        (["--map", "no-equals-sign"], 2, "expected COLUMN=FIELD"),
        (["--tz", "Mars/Olympus"], 2, "unknown timezone"),
        (["--concurrency", "many"], 2, "whole number"),
    ],
)
def test_bad_command_lines_are_one_line_usage_errors(
    isolated: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, needle: str
) -> None:
    source = _members(isolated / "members.csv", [_row(0)])

    assert main(["issue", str(source), *args]) == code

    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not (isolated / "members.results.csv").exists()


@pytest.mark.parametrize(
    ("name", "needle"),
    [("missing.csv", "cannot read"), ("members.xlsx", "expected a .csv or .jsonl file")],
)
def test_unreadable_inputs_fail_before_anything_is_sent(
    isolated: Path, capsys: pytest.CaptureFixture[str], name: str, needle: str
) -> None:
    if name.endswith(".xlsx"):
        (isolated / name).write_bytes(b"PK\x03\x04")

    assert main(["issue", str(isolated / name), "--template", "t"]) == 1

    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_results_may_not_overwrite_the_input(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _members(isolated / "members.csv", [_row(0)])
    before = source.read_text()

    assert main(["issue", str(source), "--results", str(source)]) == 2

    assert source.read_text() == before
    assert "must not be the input file" in capsys.readouterr().err


def test_results_and_row_counting_helpers(tmp_path: Path) -> None:
    assert results_path_for(Path("a/members.csv")) == Path("a/members.results.csv")
    assert results_path_for(Path("a/t.ndjson")) == Path("a/t.results.jsonl")
    quoted = tmp_path / "q.csv"
    quoted.write_text('a,b\n"multi\nline",1\nx,2\n')
    assert count_rows(quoted) == 2
    assert count_rows(tmp_path / "absent.csv") is None


def test_progress_bar_reports_successes_and_failures(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _members(isolated / "members.csv", [_row(0), _row(1, "bad"), _row(2)])

    main(["issue", str(source), "--template", "loyalty", *MAP])

    err = capsys.readouterr().err
    assert "3/3" in err and "ok=2 failed=1" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a full disk)")
@pytest.mark.parametrize("journaled", [False, True])
def test_a_full_results_disk_names_the_issued_rows_and_the_safe_remedy(
    isolated: Path, capsys: pytest.CaptureFixture[str], journaled: bool
) -> None:
    # Issue 15: without a journal, the message recommended "run again with --journal", which
    # issues every row again on a vendor that does not deduplicate.
    source = _members(isolated / "members.csv", [_row(i) for i in range(3)])
    journal = ["--journal", str(isolated / "run.db")] if journaled else []

    code = _issue(str(source), "--results", "/dev/full", *journal)

    err = capsys.readouterr().err
    assert code != 0
    assert "cannot write the results file /dev/full" in err
    if journaled:
        assert "same --journal" in err
    else:
        assert "already issued" in err and "would issue them again" in err
        issued = _fake(isolated).list()
        assert any(p.id in err for p in issued)
        assert "run the same command again with --journal" not in err


@pytest.mark.parametrize("journaled", [True, False])
def test_ctrl_c_during_the_run_says_what_was_issued_and_how_to_finish(
    tmp_path: Path,
    cli: Any,
    ctrl_c: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    journaled: bool,
) -> None:
    # Before: "interrupted", outcome_unknown false, whatever had been issued or was in flight.
    source = tmp_path / "rows.csv"
    source.write_text("template\n" + "gg\n" * 5, encoding="utf-8")
    results = tmp_path / "rows.results.csv"
    journal = ["--journal", str(tmp_path / "rows.db")] if journaled else []
    register_provider("test-http", _BulkHttp)
    try:
        app = _PressesCtrlC(ctrl_c)
        with EmulatorServer(app) as server:
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_BASE_URL", f"{server.url}/v1")
            monkeypatch.setenv("WALLETPASS_TEST_HTTP_API_KEY", API_KEY)
            shown = cli(
                "-p", "test-http", "issue", str(source), "--results", str(results), "--json",
                "--concurrency", "1", *journal,
            )  # fmt: skip
    finally:
        unregister_provider("test-http")
    assert shown.code == 130, shown.err
    assert app.processed[0] == "POST /v1/items"
    error = json.loads(shown.err.splitlines()[-1])
    assert (error["type"], error["provider"], error["operation"]) == (
        "KeyboardInterrupt",
        "test-http",
        "create",
    )
    assert error["outcome_unknown"] is True
    assert error["message"].startswith("interrupted after ")
    assert f"(see {results})" in error["message"]
    if journaled:
        assert "run the same command again with the same --journal" in error["message"]
    else:
        assert "this run had no --journal" in error["message"]
