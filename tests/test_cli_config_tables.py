"""``walletpass config check`` checks every provider table of the file that names an installed
provider, not only the selected one: a typo in the table of a vendor not in use today surfaces
now, not on the day the provider is switched (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('api_key = "secret-value-123"', "api_key must not be stored in a configuration file"),
        ("timeot = 3", "timeot (did you mean 'timeout'?)"),
        (
            '[providers.pass2u.templates.vip]\nid = "1"\nfeilds = { a = "b" }',
            "did you mean 'fields'?",
        ),
        ("timeout = -1", "timeout"),
    ],
)
def test_a_problem_in_a_table_not_in_use_is_reported(
    cli: Any, isolated: Path, table: str, said: str
) -> None:
    (isolated / "walletpass.toml").write_text(
        f'provider = "fake"\n[providers.fake]\npath = "p.sqlite3"\n[providers.pass2u]\n{table}\n'
    )

    result = cli("config", "check")

    assert result.code != 0
    assert "ready" not in result.out
    assert "[providers.pass2u]" in result.out + result.err and said in result.out + result.err
    assert "secret-value-123" not in result.out + result.err


def test_problems_of_several_tables_come_in_one_run(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.pass2u]\ntimeot = 3\n[providers.passentry]\nretries = 1\n'
    )

    result = cli("config", "check", "--json")

    problems = result.json()["problems"]
    assert any(p.startswith("[providers.pass2u]") and "timeot" in p for p in problems)
    assert any(p.startswith("[providers.passentry]") and "retries" in p for p in problems)
    assert result.json()["ok"] is False


def test_clean_tables_for_other_providers_stay_ready(cli: Any, isolated: Path) -> None:
    (isolated / "walletpass.toml").write_text(
        'provider = "fake"\n[providers.fake]\npath = "p.sqlite3"\n'
        "[providers.pass2u]\ntimeout = 10\n[providers.passentry]\nmax_retries = 1\n"
    )

    result = cli("config", "check")

    assert result.code == 0, result.err
    assert "ready: nothing is missing" in result.out


def test_a_config_path_with_a_tilde_is_expanded_like_walletpass_config(
    cli: Any, isolated: Path
) -> None:
    home = isolated / "home"
    home.mkdir()
    (home / "w.toml").write_text('provider = "fake"\n[providers.fake]\npath = "p.sqlite3"\n')

    result = cli("--config", "~/w.toml", "config", "check", "--json")

    assert result.code == 0, result.err
    assert result.json()["config_file"] == str(home / "w.toml")
