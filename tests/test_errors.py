"""Bad input: one line naming the problem and the fix, exit 2, no traceback, nothing written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from conftest import Cli


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args, message",
    [
        (["events", "--from", "2019-13"], "invalid date '2019-13': month 13 does not exist"),
        (["events", "--on", "2019-02-30"], "invalid date '2019-02-30': February 2019 has 28 days"),
        (["events", "--from", "yesterday"], "invalid date 'yesterday'"),
        (["events", "--from", "2020", "--to", "2019-06"], "the window is reversed: --from 2020 starts after --to 2019-06 ends; swap them"),
        (["events", "--actor", "Nort Korea"], "unknown actor 'Nort Korea' (did you mean 'North Korea'"),
        (["events", "--type", "misile_test"], "unknown type 'misile_test' (did you mean 'missile_test'"),
        (["events", "--status", "forecasted"], "unknown status 'forecasted' (did you mean 'forecast'?)"),
        (["events", "--format", "xlsx"], "unknown format 'xlsx'; use --format table, csv, json or jsonl"),
        (["events", "--place", "Hanio"], "unknown place 'Hanio' (did you mean 'Hanoi'?)"),
        (["export", "--format", "pdf"], "unknown format 'pdf'"),
        (["events", "--within"], "--within needs a window"),
        (["show", "9999"], "no event with id 9999 (ids run from 1 to 31)"),
        (["events", "--bogus"], "No such option: --bogus; see `kpolicy events --help`"),
        (["events", "--limit", "0"], "--limit 0 would list nothing; give --limit 1 or more"),
    ],
)
def test_bad_query_input(sqlite_db, args, message):
    before = digest(sqlite_db)
    result = Cli(sqlite_db)(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("kpolicy: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert digest(sqlite_db) == before


def test_missing_database_folder(tmp_path):
    result = Cli(str(tmp_path / "no" / "such" / "kpolicy.db"))("events")
    assert result.exit_code == 2
    assert result.stderr == (
        f"kpolicy: error: the folder {tmp_path / 'no' / 'such'} does not exist; "
        f"create it (mkdir -p {tmp_path / 'no' / 'such'}) or choose another --db\n"
    )
    assert not (tmp_path / "no").exists()


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n" * 10)
    before = digest(str(path))
    result = Cli(str(path))("events")
    assert result.exit_code == 2
    assert "is not a SQLite database; point --db at a kpolicy database or a new file name" in result.stderr
    assert digest(str(path)) == before


def test_a_sqlite_database_of_another_application(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = digest(str(path))
    result = Cli(str(path))("events")
    assert result.exit_code == 2
    assert "has tables but is not a kpolicy database" in result.stderr
    assert digest(str(path)) == before


def test_an_export_that_fails_leaves_no_file(sqlite_db, tmp_path):
    out = tmp_path / "out.csv"
    result = Cli(sqlite_db)("export", "--actor", "Atlantis", "-o", str(out))
    assert result.exit_code == 2
    assert not out.exists() and list(tmp_path.glob(".out.csv*")) == []


def test_unsupported_url_scheme(tmp_path):
    result = Cli("mysql://user@localhost/kpolicy")("events")
    assert result.exit_code == 2
    assert "--db scheme 'mysql' is not supported" in result.stderr
