"""Issue 15.2: `show --format csv|jsonl` gives the event's one export row; `sources` on an
empty database says so on stderr and still prints the CSV header."""

from __future__ import annotations

import csv
import io
import json

from conftest import Cli


def test_show_csv_is_one_export_row(sqlite_db):
    cli = Cli(sqlite_db)
    result = cli("show", "3", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1 and rows[0]["id"] == "3"
    exported = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv").stdout)))
    assert rows[0] == next(r for r in exported if r["id"] == "3")


def test_show_jsonl_is_one_object(sqlite_db):
    result = Cli(sqlite_db)("show", "3", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["id"] == 3


def test_show_csv_of_a_missing_id_is_one_line(sqlite_db):
    result = Cli(sqlite_db)("show", "9999", "-f", "csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert "no event with id 9999" in result.stderr


def test_sources_on_an_empty_database(tmp_path):
    db = str(tmp_path / "empty.db")
    cli = Cli(db)
    assert cli("init").exit_code == 0
    table = cli("sources")
    assert table.exit_code == 0
    assert "no sources yet; `kpolicy ingest FILE` adds one" in table.stderr
    as_csv = cli("sources", "--format", "csv")
    assert as_csv.exit_code == 0
    assert as_csv.stdout.startswith("slug,title,")
    assert as_csv.stdout.count("\n") == 1
    assert "no sources yet" in as_csv.stderr
