"""`kpolicy extract` and `kpolicy ingest`: output, bad input, idempotency, one transaction per
article, merging across articles, curated events left alone."""

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from kpolicy.store import schema
from kpolicy.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
SEED = Path(__file__).resolve().parent.parent / "data" / "articles" / "changes-in-north-koreas-policy.md"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_extract_prints_json_lines_from_front_matter_metadata():
    result = run("extract", FIXTURES / "hanoi-one.md")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    summit = events[0]
    assert (summit["type"], summit["date"], summit["status"], summit["place"]) == ("summit", "2019-02-28", "occurred", "Hanoi")
    assert summit["states"] == ["North Korea", "United States"]


def test_extract_without_a_publication_date_exits_2_with_one_line(tmp_path):
    result = run("extract", FIXTURES / "hanoi-two.txt")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--published" in result.stderr
    bad = run("extract", FIXTURES / "bad.md")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_extract_touches_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv("KPOLICY_DB", str(tmp_path / "never.db"))
    assert run("extract", SEED, "--published", "2020-02-05").exit_code == 0
    assert not (tmp_path / "never.db").exists()


def _count(db, table):
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return n


def test_ingest_twice_is_a_no_op(tmp_path):
    db = tmp_path / "k.db"
    first = run("ingest", FIXTURES / "hanoi-one.md", "--db", db)
    assert first.exit_code == 0, first.stderr
    assert "1 article(s) stored, 0 skipped" in first.stderr
    events, mentions = _count(db, schema.events), _count(db, schema.mentions)
    second = run("ingest", FIXTURES / "hanoi-one.md", "--db", db)
    assert second.exit_code == 0
    assert "0 article(s) stored, 1 skipped as already present; 0 events new, 0 merged" in second.stderr
    assert (_count(db, schema.events), _count(db, schema.mentions)) == (events, mentions)


def test_cross_article_merge_and_curated_event_untouched(tmp_path):
    db = tmp_path / "k.db"
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(FIXTURES / "hanoi-one.md", folder / "a.md")
    (folder / "b.txt").write_text("---\npublished: 2019-06-10\n---\n" + (FIXTURES / "hanoi-two.txt").read_text(), encoding="utf-8")
    assert run("init", "--seed", "--db", db).exit_code == 0  # a new --db is empty unless seeded on request
    result = run("ingest", folder, "--db", db)
    assert result.exit_code == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{db}")
    e, m = schema.events, schema.mentions
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.c.id, e.c.review, e.c.title, e.c.date, sa.func.count(m.c.id).label("n"))
            .join(m, m.c.event_id == e.c.id).where(e.c.type == "summit", e.c.date.like("2019-02%"))
            .group_by(e.c.id, e.c.review, e.c.title, e.c.date)
        ).all()
        sources = conn.execute(sa.select(sa.func.count(sa.distinct(m.c.source_id))).where(m.c.event_id == rows[0].id)).scalar_one()
    engine.dispose()
    # one Hanoi summit: the curated seed event, mentioned by the seed and both new articles
    assert len(rows) == 1
    hanoi = rows[0]
    assert hanoi.review == "reviewed"
    assert (hanoi.title, hanoi.date) == ("Kim Jong-un and Donald Trump summit in Hanoi", "2019-02")
    assert sources == 3
    assert "2 article(s) stored" in result.stderr and "merged into existing events" in result.stderr


def test_two_new_articles_merge_into_one_extracted_event(tmp_path):
    from kpolicy.store.bootstrap import open_database
    from kpolicy.ingest import ingest_one, prepare

    database = open_database(str(tmp_path / "k.db"))
    with database.writing() as conn:  # no curated seed event to merge into
        conn.execute(schema.mentions.delete())
        conn.execute(schema.event_actors.delete())
        conn.execute(schema.events.delete())
    one = ingest_one(database, prepare(FIXTURES / "hanoi-one.md"))
    two = ingest_one(database, prepare(FIXTURES / "hanoi-two.txt", "2019-06-10"))
    assert one.events >= 1 and two.merged == 1
    with database.reading() as conn:
        summits = conn.execute(sa.select(schema.events.c.id, schema.events.c.review).where(schema.events.c.type == "summit")).all()
        n = conn.execute(sa.select(sa.func.count()).where(schema.mentions.c.event_id == summits[0].id)).scalar_one()
    database.close()
    assert len(summits) == 1 and summits[0].review == "extracted" and n == 2


def test_one_transaction_per_article(tmp_path, monkeypatch):
    from kpolicy.store import write
    from kpolicy.store.bootstrap import open_database
    from kpolicy.errors import RuntimeFailure
    database = open_database(str(tmp_path / "k.db"))
    with database.reading() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar_one()
    real = write.insert_events
    calls = []

    def failing(conn, events, names):
        calls.append(len(events))
        if len(calls) == 2:  # the second article fails half-way through (its source and change are written)
            raise RuntimeFailure("disk full")
        return real(conn, events, names)

    monkeypatch.setattr(write, "insert_events", failing)
    paths = [FIXTURES / "hanoi-one.md", FIXTURES / "hanoi-two.txt"]
    with pytest.raises(RuntimeFailure):
        _ingest_two(database, paths)
    with database.reading() as conn:
        titles = set(conn.execute(sa.select(schema.sources.c.title)).scalars())
        after = conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar_one()
    database.close()
    assert "Hanoi talks collapse without a deal" in titles  # article 1 committed
    assert "hanoi-two" not in titles  # nothing of article 2
    assert after > before


def _ingest_two(database, paths):
    from datetime import date

    from kpolicy.ingest import ingest_one, prepare

    ingest_one(database, prepare(paths[0]))
    ingest_one(database, prepare(paths[1], date(2019, 6, 10)))


def test_bad_article_in_a_batch_is_skipped_and_the_rest_stored(tmp_path):
    db = tmp_path / "k.db"
    result = run("ingest", FIXTURES / "hanoi-one.md", FIXTURES / "hanoi-two.txt", "--db", db)
    assert result.exit_code == 1  # skip-and-continue (issue 13): the good article is stored, the bad one named
    assert "hanoi-two.txt: no publication date" in result.stderr
    assert "1 article(s) stored" in result.stderr and "1 skipped as unusable (1 no-date)" in result.stderr
    alone = run("ingest", FIXTURES / "hanoi-two.txt", "--db", tmp_path / "other.db")
    assert alone.exit_code == 2 and not (tmp_path / "other.db").exists()  # one bad file alone: bad input, nothing opened


def test_batch_published_date_is_a_default_for_files_without_front_matter(tmp_path):
    db = tmp_path / "k.db"
    result = run("ingest", FIXTURES / "hanoi-one.md", FIXTURES / "hanoi-two.txt", "--published", "2019-06-10", "--db", db)
    assert result.exit_code == 0, result.stderr
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        dates = dict(conn.execute(sa.select(schema.sources.c.slug, schema.sources.c.published)).all())
    engine.dispose()
    assert str(dates["hanoi-one"]) == "2019-03-04" and str(dates["hanoi-two"]) == "2019-06-10"
