"""A database URL where a bulk journal's file path is taken is refused, never read as a file name:
read so, its password was printed in every error ("cannot open bulk journal
postgresql:/user:password@host/db") and a file could be made under a folder named "postgresql:".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from walletpass import Pass
from walletpass.errors import ConfigurationError
from walletpass.fake import FakeProvider
from walletpass.journal import BulkJournal

SECRET = "S3cr3t-journal-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://walletpass:{SECRET}@127.0.0.1:5439/walletpass",
        f"postgres://walletpass:{SECRET}@db.example.com/walletpass",
        f"redis://:{SECRET}@127.0.0.1:6390/0",
        "sqlite:///run.db",  # SQLAlchemy's form of a file: the journal takes the path itself
    ],
)
def test_create_many_refuses_a_url_as_its_journal_before_sending(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    wallet = FakeProvider()
    with pytest.raises(ConfigurationError, match="SQLite file path, not a") as caught:
        wallet.create_many([Pass(template="t", external_id="a")], journal=url)
    assert SECRET not in str(caught.value)
    assert "PostgresJournal" in str(caught.value)
    assert wallet.calls == []  # nothing sent
    assert list(tmp_path.iterdir()) == []  # no file made


@given(
    scheme=st.from_regex(r"[a-z][a-z0-9+.-]{0,10}", fullmatch=True),
    password=st.text(alphabet="abcdefXYZ0123456789-_", min_size=8, max_size=20),
)
def test_no_url_form_quotes_its_password(scheme: str, password: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        BulkJournal(f"{scheme}://user:{password}@host/db", provider="fake")
    assert password not in str(caught.value)


def test_the_issue_command_refuses_it_without_showing_the_password(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("external_id,holder.name\na-1,Ada\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETPASS_")}
    env.update({"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)})
    command = [sys.executable, "-m", "walletpass.cli", "issue", str(rows), "--template", "t"]
    journal = f"postgresql://u:{SECRET}@127.0.0.1:5439/walletpass"
    done = subprocess.run(
        [*command, "--journal", journal, "--no-progress"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "not a postgresql:// URL" in done.stderr
    assert SECRET not in done.stdout + done.stderr
