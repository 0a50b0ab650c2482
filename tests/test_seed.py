"""Creating, seeding and first use: what an analyst meets on a fresh machine."""

from __future__ import annotations

import hashlib
from pathlib import Path

import sqlalchemy as sa
import yaml

from kpolicy.store.annotations import bundled_annotations
from kpolicy.store.bootstrap import open_database

from conftest import Cli

ANNOTATION = bundled_annotations()[0]
CURATED = yaml.safe_load(ANNOTATION.read_text(encoding="utf-8"))


def counts(db: str) -> dict[str, int]:
    database = open_database(db, create=False)
    with database.reading() as conn:
        result = {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
            for t in ("sources", "events", "mentions", "event_actors", "actors", "event_types", "places")
        }
    database.close()
    return result


def test_init_creates_an_empty_database_with_reference_data(empty_db):
    result = Cli(empty_db)("init")
    assert result.exit_code == 0, result.stderr
    assert "created" in result.stderr and "schema revision" in result.stderr
    c = counts(empty_db)
    assert c["sources"] == c["events"] == 0
    assert c["event_types"] == 17
    assert c["actors"] >= 40 and c["places"] >= 10


def test_init_twice_is_harmless(empty_db):
    cli = Cli(empty_db)
    cli("init")
    result = cli("init")
    assert result.exit_code == 0
    assert "already at schema revision" in result.stderr


def test_seed_loads_every_curated_event_with_its_mentions(empty_db):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    result = cli("seed")
    assert result.exit_code == 0, result.stderr
    expected_mentions = sum(1 + len(e.get("mentions") or []) for e in CURATED["events"])
    c = counts(empty_db)
    assert c["sources"] == 1
    assert c["events"] == len(CURATED["events"])
    assert c["mentions"] == expected_mentions
    assert f"{len(CURATED['events'])} events" in result.stderr


def test_seeding_twice_changes_nothing(sqlite_db):
    before = hashlib.sha256(Path(sqlite_db).read_bytes()).hexdigest()
    result = Cli(sqlite_db)("seed")
    assert result.exit_code == 0
    assert "already in the database; nothing changed" in result.stderr
    assert counts(sqlite_db)["events"] == len(CURATED["events"])
    assert hashlib.sha256(Path(sqlite_db).read_bytes()).hexdigest() == before


def test_every_mention_points_at_its_quote_in_the_source_text(db):
    database = open_database(db, create=False)
    with database.reading() as conn:
        rows = conn.execute(
            sa.text("SELECT m.char_start, m.char_end, m.quote, s.text FROM mentions m JOIN sources s ON s.id = m.source_id")
        ).all()
    database.close()
    assert rows
    for start, end, quote, text in rows:
        assert text[start:end] == quote


def test_source_metadata_is_kept(cli):
    result = cli("sources", "--format", "json")
    assert result.exit_code == 0
    import json

    (source,) = json.loads(result.stdout)
    assert source["slug"] == "changes-in-north-koreas-policy"
    assert source["published"] == "2020-02-05"
    assert source["author"] == "Oskar Pietrewicz"
    assert source["url"] == "https://pism.pl/publications/Changes_in_North_Koreas_Policy"
    assert source["events"] == len(CURATED["events"])


def test_first_use_creates_migrates_and_seeds_the_default_database(tmp_path):
    result = Cli()("events", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "created a new kpolicy database at" in result.stderr
    assert str(tmp_path / "xdg-data") in result.stderr  # platformdirs honours XDG_DATA_HOME
    assert len(result.stdout.strip().splitlines()) == 1 + len(CURATED["events"])
    again = Cli()("events", "--format", "csv")
    assert again.stderr == ""  # created once, then just used
    assert again.stdout == result.stdout


def test_kpolicy_db_environment_variable_names_the_database(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere.db"
    monkeypatch.setenv("KPOLICY_DB", str(target))
    result = Cli()("types")
    assert result.exit_code == 0
    assert str(target) in result.stderr
    assert target.exists()
