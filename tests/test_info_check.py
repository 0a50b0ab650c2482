"""Issue 15.4 (`kpolicy info`) and 15.14 (`kpolicy check`; writes refuse a damaged file)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import Cli


def test_info_names_the_database_and_counts(cli, db):
    result = cli("info", "--format", "json")
    assert result.exit_code == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["schema_revision"]
    assert facts["engine"].split()[0] in ("sqlite", "postgresql")
    assert facts["events"] == 31 and facts["sources"] == 1 and facts["mentions"] > 0 and facts["changes"] >= 1
    assert facts["size_bytes"] > 0
    table = cli("info")
    assert table.exit_code == 0
    for word in ("database", "engine", "schema revision", "events", "mentions", "changes", "size"):
        assert word in table.stdout


def test_info_prints_the_default_path_without_creating_it():
    result = Cli()("info")
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.split()[1])
    assert path.name == "kpolicy.db" and "(default)" in result.stdout
    assert not path.exists()
    assert "kpolicy init" in result.stderr


def test_check_a_sound_database(cli):
    result = cli("check")
    assert result.exit_code == 0, result.stderr
    assert "is sound" in result.stderr and "checked" in result.stderr


def damage(path: str) -> None:
    """Overwrite one page in the middle of the file (a table's or an index's)."""
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek(page * (pages // 2))
        fh.write(b"\xa5" * page)


def test_check_reports_a_damaged_file_and_what_to_do(sqlite_db):
    damage(sqlite_db)
    result = Cli(sqlite_db)("check")
    assert result.exit_code == 1
    assert "is damaged" in result.stderr and "backup" in result.stderr and ".recover" in result.stderr
    assert "Traceback" not in result.stderr


def damage_table(path: str, table: str) -> None:
    """Overwrite the root page of `table`: every write into it reads that page."""
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek(page * (root - 1))
        fh.write(b"\xa5" * page)


def test_a_write_that_meets_a_damaged_page_is_refused_and_writes_nothing(sqlite_db, tmp_path):
    damage_table(sqlite_db, "sources")
    before = Path(sqlite_db).read_bytes()
    note = tmp_path / "n.md"
    note.write_text("---\ntitle: A note\npublished: 2020-03-01\n---\nNorth Korea fired two missiles on 2 March 2020.\n")
    result = Cli(sqlite_db)("ingest", str(note))
    assert result.exit_code != 0
    assert "is damaged" in result.stderr and "kpolicy check" in result.stderr and result.stderr.count("\n") == 1
    assert Path(sqlite_db).read_bytes() == before


def test_init_refuses_a_damaged_file_before_migrating(sqlite_db):
    damage(sqlite_db)
    before = Path(sqlite_db).read_bytes()
    result = Cli(sqlite_db)("init")
    assert result.exit_code != 0
    assert "is damaged" in result.stderr and result.stderr.count("\n") == 1
    assert Path(sqlite_db).read_bytes() == before


def _note(tmp_path: Path, n: int) -> str:
    note = tmp_path / f"n{n}.md"
    note.write_text(f"---\ntitle: Note {n}\npublished: 2020-03-0{n}\n---\nNorth Korea fired {n} missiles on 2 March 2020.\n")
    return str(note)


def test_ordinary_writes_run_no_whole_file_check(sqlite_db, tmp_path, monkeypatch):
    """The quick check is a full scan (10-17 s of CPU at 10^6 events, docs/robustness.md section 10):
    no ordinary write runs it, not even the first after the file was changed or copied from outside;
    `kpolicy init` and `kpolicy check` do."""
    from kpolicy.store import db as dbmod

    checks = []
    real = dbmod.quick_check
    monkeypatch.setattr(dbmod, "quick_check", lambda engine: checks.append(1) or real(engine))
    cli = Cli(sqlite_db)
    assert cli("ingest", _note(tmp_path, 1)).exit_code == 0
    assert cli("edit", "1", "--title", "Renamed", "--reason", "clearer").exit_code == 0
    with open(sqlite_db, "r+b") as fh:  # the same bytes written back from outside
        first = fh.read(4096)
        fh.seek(0)
        fh.write(first)
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(sqlite_db).read_bytes())  # a copy (a backup tool's restore)
    assert cli("ingest", _note(tmp_path, 2)).exit_code == 0
    assert Cli(str(copy))("ingest", _note(tmp_path, 3)).exit_code == 0
    assert checks == []
    assert cli("init").exit_code == 0
    assert checks == [1]
