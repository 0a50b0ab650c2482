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


def test_writes_refuse_a_damaged_file(sqlite_db, tmp_path):
    damage(sqlite_db)
    before = Path(sqlite_db).read_bytes()
    note = tmp_path / "n.md"
    note.write_text("---\ntitle: A note\npublished: 2020-03-01\n---\nNorth Korea fired two missiles on 2 March 2020.\n")
    result = Cli(sqlite_db)("ingest", str(note))
    assert result.exit_code != 0
    assert "is damaged" in result.stderr and result.stderr.count("\n") == 1
    assert Path(sqlite_db).read_bytes() == before


def _note(tmp_path: Path, n: int) -> str:
    note = tmp_path / f"n{n}.md"
    note.write_text(f"---\ntitle: Note {n}\npublished: 2020-03-0{n}\n---\nNorth Korea fired {n} missiles on 2 March 2020.\n")
    return str(note)


def test_the_quick_check_runs_again_only_when_the_file_changed_outside_kpolicy(sqlite_db, tmp_path, monkeypatch):
    """The check is a full scan (14 s of CPU at 10^6 events): a file that passed it and was
    changed since only by kpolicy's own commits is not scanned again; any other change is."""
    from kpolicy.store import db as dbmod

    checks = []
    real = dbmod.quick_check
    monkeypatch.setattr(dbmod, "quick_check", lambda engine: checks.append(1) or real(engine))
    cli = Cli(sqlite_db)
    assert cli("ingest", _note(tmp_path, 1)).exit_code == 0
    assert len(checks) == 1
    assert cli("ingest", _note(tmp_path, 2)).exit_code == 0
    assert cli("edit", "1", "--title", "Renamed", "--reason", "clearer").exit_code == 0
    assert len(checks) == 1  # unchanged since: kpolicy's own commits only
    with open(sqlite_db, "r+b") as fh:  # the same bytes written back from outside: still a change
        first = fh.read(4096)
        fh.seek(0)
        fh.write(first)
    assert cli("ingest", _note(tmp_path, 3)).exit_code == 0
    assert len(checks) == 2
    damage(sqlite_db)
    before = Path(sqlite_db).read_bytes()
    result = cli("ingest", _note(tmp_path, 4))
    assert result.exit_code != 0 and "is damaged" in result.stderr
    assert len(checks) == 3
    assert Path(sqlite_db).read_bytes() == before
