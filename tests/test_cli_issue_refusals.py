"""``walletpass issue`` refuses, before sending anything, what would silently lose or duplicate
data (issue 17, found by a newcomer from a fresh clone): each test is a kind of input, checked by
the exit status and the message the user sees, and by what was (not) issued."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import Pass
from walletpass.errors import ValidationError
from walletpass.rows import TARGETS


def _results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _issued_ids(cli: Any) -> list[str]:
    listed = cli("list", "--json")
    assert listed.code == 0, listed.err
    return sorted(p["external_id"] for p in listed.json())


# -- a quoted cell never closed ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'external_id,note\nU1,"abc\nU2,def\n',  # the verifier's file
        'external_id,note\nU0,ok\nU1,"abc\nU2,def\nU3,ghi',  # no final newline, later rows
        'external_id,note\nU0,ok\nU1,"a ""quoted"" word\n',  # doubled quotes, still unclosed
    ],
)
def test_an_unclosed_quote_refuses_the_file_with_its_row_and_line(
    cli: Any, isolated: Path, text: str
) -> None:
    source = isolated / "u.csv"
    source.write_text(text)

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 2
    assert "never closed" in result.err and "nothing was sent" in result.err
    opening = text.split("\n").index(next(x for x in text.split("\n") if x.startswith("U1")))
    assert f"line {opening + 1}" in result.err
    assert not (isolated / "u.results.csv").exists()


def test_a_quoted_cell_spanning_lines_and_closed_is_one_cell(cli: Any, isolated: Path) -> None:
    source = isolated / "a.csv"
    source.write_text('external_id,address\nA1,"1 Main St\nSpringfield"\nA2,x\n')

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 0, result.err
    assert "2 of 2 rows issued" in result.out


def test_text_after_a_closing_quote_is_that_rows_error_not_a_joined_cell(
    cli: Any, isolated: Path
) -> None:
    source = isolated / "q.csv"
    source.write_text('external_id,note\nQ1,"x"y\nQ2,z\n')

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 1
    rows = _results(isolated / "q.results.csv")
    assert [(r["row"], r["status"]) for r in rows] == [("1", "invalid"), ("2", "issued")]
    assert "text follows a closing quote" in rows[0]["error"]
    assert "line 2" in rows[0]["error"]


# -- separators ----------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_semicolon_or_tab_header_sets_the_separator(cli: Any, isolated: Path, sep: str) -> None:
    source = isolated / "s.csv"
    source.write_text(
        f"external_id{sep}holder.name{sep}points\nS1{sep}Ada{sep}1,5\nS2{sep}Bo{sep}2\n"
    )

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 0, result.err
    listed = {p["external_id"]: p for p in cli("list", "--json").json()}
    assert sorted(listed) == ["S1", "S2"]
    assert listed["S1"]["holder"]["name"] == "Ada"
    assert listed["S1"]["fields"] == {"points": "1,5"}


def test_a_comma_header_with_semicolons_in_a_name_stays_comma_separated(
    cli: Any, isolated: Path
) -> None:
    source = isolated / "c.csv"
    source.write_text("external_id,note\nC1,a;b\n")

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 0, result.err
    assert _issued_ids(cli) == ["C1"]


def test_a_row_with_too_many_cells_keeps_its_external_id_in_the_results(
    cli: Any, isolated: Path
) -> None:
    source = isolated / "x.csv"
    source.write_text("Member No,note\nX1,a,b\nX2,c\n")

    result = cli(
        "issue", str(source), "--template", "t", "--map", "Member No=external_id", "--no-progress"
    )

    assert result.code == 1
    rows = _results(isolated / "x.results.csv")
    assert (rows[0]["row"], rows[0]["external_id"], rows[0]["status"]) == ("1", "X1", "invalid")
    assert "has 3 cells but the header names 2 columns" in rows[0]["error"]


def test_an_oversized_cell_is_its_rows_error_with_row_and_line(cli: Any, isolated: Path) -> None:
    source = isolated / "big.csv"
    source.write_text("external_id,note\nB0,ok\nB1," + "x" * 140_000 + "\nB2,ok\n")

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 1
    rows = _results(isolated / "big.results.csv")
    assert [(r["row"], r["status"]) for r in rows] == [
        ("1", "issued"),
        ("2", "invalid"),
        ("3", "issued"),
    ]
    assert "a cell is longer than 131072 characters (line 3)" in rows[1]["error"]
    assert "field limit" not in rows[1]["error"]


# -- the command line against itself -----------------------------------------------------------


def test_one_column_mapped_twice_is_refused(cli: Any, isolated: Path) -> None:
    source = isolated / "m.csv"
    source.write_text("Member No,x\nM1,a\n")

    result = cli(
        "issue", str(source), "--template", "t",
        "--map", "Member No=external_id", "--map", "Member No=holder.name",
    )  # fmt: skip

    assert result.code == 2
    assert "'Member No' is mapped twice" in result.err
    assert _issued_ids(cli) == []


def test_template_option_and_template_column_together_are_refused(cli: Any, isolated: Path) -> None:
    source = isolated / "t.csv"
    source.write_text("external_id,template\nT1,gold\n")

    result = cli("issue", str(source), "--template", "silver")

    assert result.code == 2
    assert "--template silver and column 'template' both give the template" in result.err
    assert "--map 'template='" in result.err
    assert _issued_ids(cli) == []
    # the fix the message names works
    fixed = cli("issue", str(source), "--template", "silver", "--map", "template=")
    assert fixed.code == 0, fixed.err


def test_template_help_says_both_are_refused(cli: Any) -> None:
    result = cli("issue", "--help")
    assert "giving both is" in " ".join(result.out.split())


@pytest.mark.parametrize("target", sorted(TARGETS - {"template"}))
def test_a_column_named_like_a_neutral_field_but_for_case_is_refused_with_a_hint(
    cli: Any, isolated: Path, target: str
) -> None:
    variants = {target.upper(), target.title(), target.replace(".", " ").title()}
    for column in sorted(variants - {target}):
        source = isolated / "h.csv"
        source.write_text(f'"{column}",external_id\nx,H1\n' if target != "external_id" else
                          f'"{column}",n\nH1,x\n')  # fmt: skip

        result = cli("issue", str(source), "--template", "t")

        assert result.code == 2, (column, result.err)
        assert f"did you mean {target}?" in result.err
        assert f"--map '{column}={target}'" in result.err
    assert _issued_ids(cli) == []


def test_a_case_variant_mapped_explicitly_is_accepted(cli: Any, isolated: Path) -> None:
    source = isolated / "e.csv"
    source.write_text("External_ID,Tier\nE1,gold\n")

    result = cli(
        "issue", str(source), "--template", "t",
        "--map", "External_ID=external_id", "--map", "Tier=fields.Tier", "--no-progress",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert _issued_ids(cli) == ["E1"]


@pytest.mark.parametrize(
    ("results", "journal", "said"),
    [
        ("run.db", "run.db", "--journal must not be --results"),
        ("members.csv", None, "--results must not be the input file"),
        (None, "members.csv", "--journal must not be the input file"),
        ("./sub/../out.csv", "out.csv", "--journal must not be --results"),
    ],
)
def test_input_results_and_journal_must_be_three_files(
    cli: Any, isolated: Path, results: str | None, journal: str | None, said: str
) -> None:
    (isolated / "sub").mkdir()
    source = isolated / "members.csv"
    source.write_text("external_id\nM1\n")
    before = source.read_bytes()
    argv = ["issue", "members.csv", "--template", "t"]
    argv += ["--results", results] if results else []
    argv += ["--journal", journal] if journal else []

    result = cli(*argv)

    assert result.code == 2
    assert said in result.err
    assert source.read_bytes() == before
    assert _issued_ids(cli) == []


# -- external ids compared exactly ---------------------------------------------------------


@given(
    core=st.text(min_size=0, max_size=20),
    before=st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u2003"]),
    after=st.sampled_from(["", " ", "\t", "\r\n", "\u3000"]),
)
def test_pass_refuses_an_external_id_with_surrounding_whitespace(
    core: str, before: str, after: str
) -> None:
    value = before + core + after
    if value and value == value.strip():
        assert Pass(template="t", external_id=value).external_id == value
        return
    with pytest.raises(ValidationError, match=r"must not (be empty|begin or end with)"):
        Pass(template="t", external_id=value)


def test_ids_differing_only_in_whitespace_never_become_two_passes(cli: Any, isolated: Path) -> None:
    source = isolated / "w.csv"
    source.write_text('external_id\nC1\n" C1 "\n"C1\t"\n" "\n')

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 1
    rows = _results(isolated / "w.results.csv")
    assert [r["status"] for r in rows] == ["issued", "invalid", "invalid", "invalid"]
    assert all("must not begin or end with" in r["error"] for r in rows[1:])
    assert _issued_ids(cli) == ["C1"]


# -- JSON Lines ids ----------------------------------------------------------------------------


def test_a_json_whole_number_id_is_its_digits_and_duplicates_claim_no_sending(
    cli: Any, isolated: Path
) -> None:
    source = isolated / "j.jsonl"
    lines = [{"external_id": 2}, {"external_id": "2"}, {"external_id": 2.5}, {"external_id": True}]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 1
    rows = [json.loads(x) for x in (isolated / "j.results.jsonl").read_text().splitlines()]
    assert [(r["external_id"], r["status"]) for r in rows[:2]] == [
        ("2", "issued"),
        ("2", "duplicate"),
    ]
    assert [r["status"] for r in rows[2:]] == ["invalid", "invalid"]
    assert "sent for it" not in rows[1]["error"]
    assert _issued_ids(cli) == ["2"]


def test_a_duplicate_of_a_refused_row_does_not_claim_the_first_was_sent(
    cli: Any, isolated: Path
) -> None:
    source = isolated / "d.csv"
    source.write_text("external_id,expires_at\nD1,not a date\nD1,2030-01-01T00:00Z\n")

    result = cli("issue", str(source), "--template", "t", "--no-progress")

    assert result.code == 1
    rows = _results(isolated / "d.results.csv")
    assert [r["status"] for r in rows] == ["invalid", "duplicate"]
    assert "already the external id of row 1; row 2 is not sent" in rows[1]["error"]
    assert "the row sent" not in rows[1]["error"]


# -- columns the provider cannot carry -----------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "text", "column", "said"),
    [
        # the column is empty on the first row: the outcome must not depend on that
        (
            "passentry",
            "external_id,holder.email\nP1,\nP2,ada@example.com\n",
            "holder.email",
            "cannot carry: holder.email",
        ),
        (
            "passentry",
            "external_id,holder.phone\nP1,\nP2,+15555550100\n",
            "holder.phone",
            "cannot carry: holder.phone",
        ),
        (
            "pass2u",
            "n,external_id\nx,\ny,P2\n",
            "external_id",
            "can keep external_id only in a template",
        ),
    ],
)
def test_a_column_the_vendor_cannot_carry_is_refused_before_sending_whatever_the_data(
    cli: Any, isolated: Path, profile: str, text: str, column: str, said: str
) -> None:
    source = isolated / "p.csv"
    source.write_text(text)

    result = cli(
        "-p", "fake", "--set", f"profile={profile}", "--set", "path=p.sqlite3",
        "issue", str(source), "--template", "t", "--no-progress",
    )  # fmt: skip

    assert result.code == 2, result.err
    assert f"column {column!r}" in result.err and said in result.err
    assert f"--map '{column}='" in result.err and "nothing was sent" in result.err
    assert not (isolated / "p.results.csv").exists()


#: a value of each neutral target a column can fill; the targets whose support depends on the
#: row's value (its template or kind, a barcode's format) are decided per row, as documented
_ROW_DECIDED = {"template", "kind", "barcode.format"}
_VALUES = {
    "external_id": "P2",
    "holder.name": "Ada Lovelace",
    "holder.first_name": "Ada",
    "holder.last_name": "Lovelace",
    "holder.email": "ada@example.com",
    "holder.phone": "+15555550100",
    "holder.language": "en",
    "barcode": "1",
    "barcode.message": "1",
    "barcode.alt_text": "1",
    "expires_at": "2031-01-01T00:00:00Z",
    "relevant_at": "2031-01-01T00:00:00Z",
    "description": "x",
    "logo_text": "x",
    "organization_name": "x",
    "group": "g1",
    "tier": "gold",
    "colors.background": "#000000",
    "colors.foreground": "#ffffff",
    "colors.label": "#ffffff",
}


def test_every_neutral_column_is_covered_by_the_values_below() -> None:
    assert set(_VALUES) == set(TARGETS) - _ROW_DECIDED


@pytest.mark.parametrize("profile", ["pass2u", "passentry", "livepass", "livepasses"])
def test_every_column_a_vendor_cannot_carry_is_refused_before_sending(
    cli: Any, isolated: Path, profile: str
) -> None:
    # a tier or group column on Pass2U was refused row by row ("invalid", exit 1) where a
    # holder.email column was refused up front (exit 2, nothing sent): the up-front check had
    # no sample for them and let them through
    import walletpass
    from walletpass.errors import UnsupportedFeature
    from walletpass.rows import RowSource, row_to_pass

    template = "membership-card" if profile == "livepass" else "t"  # LivePass: a pass type
    refused = []
    with walletpass.connect("fake", profile=profile) as wallet:
        for target, value in _VALUES.items():
            # every vendor carries a holder's name (Livepasses requires it)
            row = {"holder.name": "Ada Lovelace", target: value}
            if target == "barcode.alt_text":
                row["barcode"] = "1"
            one = row_to_pass(1, row, RowSource(template=template))
            try:
                wallet.prepare_create(one)
            except UnsupportedFeature:
                refused.append(target)
            except ValidationError:
                pass  # refused for its value or the pass's kind: each row decides
    assert refused  # every vendor lacks at least one neutral target
    for target in refused:
        source = isolated / "p.csv"
        # the first row leaves the column empty: the outcome must not depend on that
        head, cells = (
            ("holder.name,barcode", "1,") if target == "barcode.alt_text" else ("holder.name", "")
        )
        source.write_text(
            f"{head},{target}\nAda Lovelace,{cells}\nBob Brown,{cells}{_VALUES[target]}\n"
        )
        result = cli(
            "-p", "fake", "--set", f"profile={profile}", "--set", "path=p.sqlite3",
            "issue", str(source), "--template", template, "--no-progress",
        )  # fmt: skip
        assert result.code == 2, (target, result.err)
        assert f"column {target!r}" in result.err and "nothing was sent" in result.err
        # the advice drops the file's column, never a name of the provider's own ('barcode.qr')
        assert f"--map '{target}='" in result.err, result.err
        assert not (isolated / "p.results.csv").exists()


def test_a_template_alias_that_keeps_the_attribute_lets_the_column_through(
    cli: Any, isolated: Path
) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.fake]\nprofile = "pass2u"\npath = "p.sqlite3"\n'
        '[providers.fake.templates.loyalty]\nid = "m1"\n'
        'attributes = { external_id = "member_no" }\n'
    )
    source = isolated / "p.csv"
    source.write_text("external_id,holder.name\nP1,Ada\n")

    result = cli("issue", str(source), "--template", "loyalty", "--no-progress")

    assert result.code == 0, result.err
    assert _results(isolated / "p.results.csv")[0]["status"] == "issued"


def test_lenient_mode_warns_once_up_front_and_issues(cli: Any, isolated: Path) -> None:
    source = isolated / "p.csv"
    source.write_text("external_id,holder.email\nP1,a@example.com\nP2,b@example.com\n")

    result = cli(
        "-p", "fake", "--set", "profile=passentry", "--set", "strict=false",
        "--set", "path=p.sqlite3", "issue", str(source), "--template", "t", "--no-progress",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert result.err.count("cannot carry 'holder.email'") == 1


def test_a_value_refused_before_sending_is_invalid_not_failed(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.fake]\npath = "p.sqlite3"\n'
        '[providers.fake.templates.loyalty]\nid = "m1"\n'
        'fields = { points = { key = "stamps", type = "int" } }\n'
    )
    source = isolated / "p.csv"
    source.write_text("external_id,points\nP1,12\nP2,twelve\n")

    result = cli("issue", str(source), "--template", "loyalty", "--no-progress")

    assert result.code == 1
    rows = _results(isolated / "p.results.csv")
    assert [(r["external_id"], r["status"]) for r in rows] == [("P1", "issued"), ("P2", "invalid")]
    assert "fields.points" in rows[1]["error"]


# -- files that are not UTF-8 --------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_refused_with_how_to_save_it(
    cli: Any, isolated: Path, encoding: str
) -> None:
    source = isolated / "u16.csv"
    source.write_text("external_id,name\nU1,Ada\n", encoding=encoding)

    result = cli("issue", str(source), "--template", "t")

    assert result.code == 2
    assert "u16.csv is UTF-16 text" in result.err and "CSV UTF-8" in result.err
    assert "\\x00" not in result.err and "\\udc" not in result.err
    assert _issued_ids(cli) == []
