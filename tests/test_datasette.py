"""The SQLite file opens well in Datasette: read through Datasette's own client
(`datasette DB --get PATH`), the timeline view has every event with the right fields,
keys and facets are there, and `kpolicy datasette-metadata` turns on full-text search."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("datasette") is None, reason="datasette is not installed (pip install -e '.[test]')")


@pytest.fixture
def kpolicy_db(tmp_path, _seeded_template) -> str:
    from conftest import copy_seeded

    path = copy_seeded(_seeded_template, tmp_path / "kpolicy.db")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")  # fold the write-ahead log in: one self-contained file
    con.close()
    return path


def _get(db: str, url: str, *extra: str):
    result = subprocess.run([sys.executable, "-m", "datasette", db, *extra, "--get", url], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_timeline_view_through_datasette(kpolicy_db):
    rows = _get(kpolicy_db, "/kpolicy/timeline.json?_shape=array&_size=max")
    con = sqlite3.connect(kpolicy_db)
    assert len(rows) == con.execute("SELECT count(*) FROM events").fetchone()[0] == 31
    con.close()
    plenum = next(r for r in rows if r["id"] == 12)
    assert plenum["date"] == "2019-12-28/2019-12-31"
    assert (plenum["start"], plenum["end"], plenum["precision"]) == ("2019-12-28", "2019-12-31", "interval")
    assert (plenum["type"], plenum["family"], plenum["status"]) == ("plenum", "plenum", "occurred")
    assert plenum["actors"] == "WPK Central Committee"
    assert (plenum["year"], plenum["month"]) == (2019, "2019-12")
    assert plenum["source"] == "changes-in-north-koreas-policy"
    assert "28-31 December 2019" in plenum["quote"]


def test_facets_keys_and_hidden_index_tables(kpolicy_db):
    facets = _get(kpolicy_db, "/kpolicy/timeline.json?_facet=year&_facet=status&_size=0")["facet_results"]
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years[2019] == 15 and sum(years.values()) == 31
    statuses = {f["value"]: f["count"] for f in facets["status"]["results"]}
    assert statuses == {"occurred": 24, "expected": 4, "forecast": 3}
    database = _get(kpolicy_db, "/kpolicy.json")
    tables = {t["name"]: t for t in database["tables"]}
    assert tables["events"]["primary_keys"] == ["id"]
    outgoing = {fk["other_table"] for fk in tables["events"]["foreign_keys"]["outgoing"]}
    assert outgoing == {"event_types", "places"}
    assert {fk["other_table"] for fk in tables["mentions"]["foreign_keys"]["outgoing"]} == {"events", "sources"}
    assert tables["event_search"]["hidden"] and tables["event_search_data"]["hidden"]  # the FTS index stays out of the way
    assert [v["name"] for v in database["views"]] == ["timeline"]


def test_metadata_turns_on_search_in_datasette(kpolicy_db, tmp_path):
    from conftest import Cli

    meta = tmp_path / "metadata.json"
    result = Cli(kpolicy_db)("datasette-metadata", "-o", str(meta))
    assert result.exit_code == 0, result.stderr
    assert json.loads(meta.read_text())["databases"]["kpolicy"]["tables"]["timeline"]["fts_table"] == "event_search"
    hits = _get(kpolicy_db, "/kpolicy/timeline.json?_search=moratorium&_shape=array", "-m", str(meta))
    assert sorted(r["id"] for r in hits) == [7, 17]
    events = _get(kpolicy_db, "/kpolicy/events.json?_search=belt&_shape=array", "-m", str(meta))
    assert 14 in {r["id"] for r in events}


def test_metadata_refuses_postgres_urls():
    from conftest import Cli

    result = Cli()("datasette-metadata", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.exit_code == 2 and "SQLite" in result.stderr
