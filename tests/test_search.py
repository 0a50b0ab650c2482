"""`kpolicy search`: full-text search over titles and quotes (FTS5 on SQLite, kept in sync by
triggers; tsvectors on PostgreSQL), ranked, filtered like `kpolicy events`, safe on any input."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest


@pytest.fixture
def seeded_file(sqlite_db) -> str:
    return sqlite_db


def _hits(cli, *args) -> list[dict]:
    result = cli("search", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_finds_words_in_titles_and_quotes_ranked(cli):
    hits = _hits(cli, "moratorium")
    assert {h["id"] for h in hits} == {7, 17}
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert all("[moratorium]" in h["snippet"].lower() for h in hits)
    # "belt" is only in quotes (events 13 and 14), never in a title
    quoted = _hits(cli, "belt")
    assert {h["id"] for h in quoted} >= {14}
    assert all("belt" in h["snippet"].lower() for h in quoted)


def test_stemming_and_phrases(cli):
    ids = {h["id"] for h in _hits(cli, "tests")}
    assert {7, 22} <= ids  # "nuclear tests", "Test of a new solid-fuel engine"
    phrase = {h["id"] for h in _hits(cli, '"strategic weapon"')}
    assert {18, 19, 26} <= phrase
    assert 22 not in phrase


def test_filters_apply(cli):
    hits = _hits(cli, '"strategic weapon"', "--status", "forecast")
    assert [h["id"] for h in hits] == [26]
    assert {3, 6} <= {h["id"] for h in _hits(cli, "summit", "--actor", "Donald Trump")}
    hits = _hits(cli, "summit", "--actor", "Donald Trump", "--from", "2019")
    assert {h["id"] for h in hits} == {3}
    assert _hits(cli, "summit", "--limit", "1").__len__() == 1


def test_csv_output_reads_back(cli):
    result = cli("search", "plenum", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert {r["id"] for r in rows} >= {"4", "8", "12"}
    assert set(rows[0]) >= {"id", "date", "title", "snippet", "score"}
    plenum = next(r for r in rows if r["id"] == "12")
    assert plenum["date"] == "2019-12-28/2019-12-31" and plenum["type"] == "plenum"


def test_table_shows_snippet_brackets(cli):
    result = cli("search", "moratorium")
    assert result.exit_code == 0
    assert "[moratorium]" in result.stdout.lower()


@pytest.mark.parametrize("text, word", [('"moratorium', "moratorium"), ('summit "Hanoi', "hanoi")])
def test_an_unbalanced_quote_in_a_plain_search_is_part_of_the_word(cli, text, word):
    """Issue 24, item 13: as search engines do; it was refused with exit 2."""
    plain = cli("search", word, "--format", "json")
    result = cli("search", text, "--format", "json")
    assert result.exit_code == 0, result.stderr
    import json

    assert {r["id"] for r in json.loads(result.stdout)} <= {r["id"] for r in json.loads(plain.stdout)}
    assert json.loads(result.stdout)


def test_an_unbalanced_quote_with_fts_is_still_an_fts5_syntax_error(cli, request):
    if "postgresql" in request.node.name:
        pytest.skip("websearch_to_tsquery accepts any text")
    result = cli("search", "--fts", '"unbalanced')
    assert result.exit_code == 2
    assert "fts" in result.stderr.lower() and result.stderr.count("\n") == 1


def test_more_search_words_than_the_cap_are_refused_in_one_line(cli):
    from kpolicy.search import MAX_TERMS

    assert cli("search", " ".join(["missile"] * MAX_TERMS)).exit_code == 0
    for args in ([" ".join(f"w{i}" for i in range(MAX_TERMS + 1))], ["--fts", " OR ".join(f"w{i}" for i in range(16_000))]):
        result = cli("search", *args)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert f"more than {MAX_TERMS} words" in result.stderr


@pytest.mark.parametrize("text", ["'; DROP TABLE events; --", "x' OR 1=1 --", "***", "NEAR(", "title:", "a AND"])
def test_sql_and_operator_soup_is_data(cli, text):
    result = cli("search", text)
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.stderr and result.stderr.count("\n") <= 1
    listed = cli("events", "--format", "json")
    assert len(json.loads(listed.stdout)) == 31  # nothing was dropped


def test_empty_text_is_bad_input(cli):
    result = cli("search", "  ")
    assert result.exit_code == 2 and "empty" in result.stderr


def _connect(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    return con


def test_index_follows_inserts_updates_and_deletes(seeded_file):
    from conftest import Cli

    cli = Cli(seeded_file)
    con = _connect(seeded_file)
    from datetime import date

    from kpolicy.dates import sort_key, span_class

    january = (date(2020, 1, 1), date(2020, 1, 31))
    con.execute(
        "INSERT INTO events (id, type, title, date, start_date, end_date, precision, status, review, span_class, sort_key, "
        "confidence, created_at, updated_at) VALUES (100, 'talks', 'Zyxwv envoy visit', '2020-01', '2020-01-01', "
        "'2020-01-31', 'month', 'occurred', 'reviewed', ?, ?, 1.0, '2026-01-01', '2026-01-01')",
        (span_class(*january), sort_key(*january)),
    )
    con.commit()
    assert [h["id"] for h in _hits(cli, "zyxwv")] == [100]
    con.execute("INSERT INTO mentions (event_id, source_id, char_start, char_end, quote) VALUES (100, 1, 0, 5, 'the qwertz delegation arrived')")
    con.commit()
    assert [h["id"] for h in _hits(cli, "qwertz")] == [100]
    con.execute("UPDATE events SET title = 'Plover envoy visit' WHERE id = 100")
    con.commit()
    assert _hits(cli, "zyxwv") == [] and [h["id"] for h in _hits(cli, "plover qwertz")] == [100]
    con.execute("UPDATE mentions SET quote = 'the delegation left' WHERE event_id = 100")
    con.commit()
    assert _hits(cli, "qwertz") == []
    con.execute("DELETE FROM events WHERE id = 100")  # mentions go by cascade
    con.commit()
    assert _hits(cli, "plover") == []
    assert con.execute("SELECT count(*) FROM event_search").fetchone()[0] == 31
    con.close()


def test_models_still_match_migrations_with_the_fts_table(seeded_file):
    import sqlalchemy as sa

    from kpolicy.store import migrate

    engine = sa.create_engine(f"sqlite:///{seeded_file}")
    with engine.connect() as conn:
        migrate.check(conn)  # raises when alembic sees a difference
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert "event_search" in tables


def test_downgrade_and_upgrade_rebuild_the_index(seeded_file):
    import sqlalchemy as sa

    from kpolicy.store import migrate

    engine = sa.create_engine(f"sqlite:///{seeded_file}")
    with engine.begin() as conn:
        migrate.downgrade(conn, "0002")  # below 0003, the search index's revision
        assert "event_search" not in sa.inspect(conn).get_table_names()
        migrate.upgrade(conn)
        assert conn.exec_driver_sql("SELECT count(*) FROM event_search").scalar() == 31
    engine.dispose()


# ---- issue 15, item 1: plain searches never reach the engine's query syntax, on both engines
@pytest.mark.parametrize("text, expected", [
    ("Kim Jong-un", {3}), ("short-range", {20}), ("belt-tightening", {13}), ("Kim: summit", {3}),
    ("summit NOT Hanoi", set()), ("missile*", set()), ("title: summit", set()),
])
def test_plain_text_is_words_not_syntax(cli, text, expected):
    result = cli("search", text, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("\n") <= 1 and "database error" not in result.stderr
    assert expected <= {h["id"] for h in json.loads(result.stdout or "[]")}


def test_hyphenated_words_are_a_phrase(cli):
    ids = {h["id"] for h in _hits(cli, "Kim Jong-un")}
    assert ids and ids == {h["id"] for h in _hits(cli, 'Kim "Jong un"')}


def test_fts_takes_the_syntax(cli):
    plain = {h["id"] for h in _hits(cli, "moratorium OR plenum")}
    either = {h["id"] for h in _hits(cli, "moratorium OR plenum", "--fts")}
    assert {7, 17, 12} <= either and not plain >= either


@pytest.mark.parametrize("text", ["Kim: summit", "NEAR(", "a AND", '"open'])
def test_malformed_fts_is_one_line_exit_2(cli, text, request):
    if "postgresql" in request.node.name:
        pytest.skip("websearch_to_tsquery accepts any text")
    result = cli("search", text, "--fts")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("kpolicy: error: ") and result.stderr.count("\n") == 1
    assert "--fts" in result.stderr and result.stdout == ""


def test_every_hit_is_the_first_page_then_the_rest_in_one_order(seeded_file, monkeypatch):
    """An unfiltered search of every hit reads its first page from the index's top hits and the
    rest from the whole ranked answer (search._first_page_then_rest): joined, they are exactly
    the ranked answer, no hit twice or missing, on both sides of the page boundary."""
    from kpolicy import search
    from kpolicy.query import EventQuery
    from kpolicy.store.bootstrap import open_database

    database = open_database(seeded_file, create=False)
    with database.reading() as conn:
        whole = list(search.search(conn, "north", EventQuery(limit=10_000)))  # one statement, ranked in the index
        assert len(whole) > 4
        for page in (1, 3, len(whole) - 1, len(whole), len(whole) + 1):
            monkeypatch.setattr(search, "FIRST_PAGE", page)
            assert list(search.search(conn, "north")) == whole, page
            assert list(search.search(conn, "north", fts=True)) == whole, page
    database.close()
