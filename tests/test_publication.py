"""Publication dates (issue 19 item 4): a date known to the month is accepted with its precision;
a dateline is publication evidence, never an event's date, and the publication date when nothing
better exists; each source says where its date came from. Texts written for these tests."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kpolicy.cli import app
from kpolicy.extract import extract_events
from kpolicy.extract.publication import Publication, dateline_spans, evidence_in_text, parse_published

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("value,day,precision", [
    ("2016-10", date(2016, 10, 1), "month"),
    ("Published May 2023", date(2023, 5, 1), "month"),
    ("October 2016", date(2016, 10, 1), "month"),
    ("2020-02-05", date(2020, 2, 5), "day"),
    ("2020-02-05T10:30:00Z", date(2020, 2, 5), "day"),
    ("Published: 3 March 2021", date(2021, 3, 3), "day"),
    ("Sept. 14, 2023", date(2023, 9, 14), "day"),
])
def test_a_publication_date_is_read_with_its_precision(value, day, precision):
    found = parse_published(value)
    assert (found.day, found.precision) == (day, precision)


@pytest.mark.parametrize("value", ["2016-13", "next Tuesday", "2016", "05/02/2020"])
def test_what_is_no_publication_date_is_none(value):
    assert parse_published(value) is None


def test_a_month_precision_publication_resolves_against_the_months_end():
    assert Publication(date(2016, 10, 1), "month").reference == date(2016, 10, 31)
    assert Publication(date(2024, 2, 1), "month").reference == date(2024, 2, 29)


def test_extract_accepts_a_month_and_reads_relative_dates_against_it(tmp_path):
    article = tmp_path / "monthly.txt"
    article.write_text("North Korea carried out its fifth nuclear test on Sept. 9. "
                       "It had conducted its fourth nuclear test in January. South Korea imposed new sanctions last month. "
                       "On Oct. 20 the Security Council met to discuss new sanctions.\n", encoding="utf-8")
    result = run("extract", article, "--published", "2016-10")
    assert result.exit_code == 0, result.stderr  # was: exit 2, 'is not YYYY-MM-DD'
    got = [(e["type"], e["date"], e["status"]) for e in map(json.loads, result.stdout.splitlines())]
    assert ("nuclear_test", "2016-09-09", "occurred") in got
    assert ("nuclear_test", "2016-01", "occurred") in got
    assert ("sanctions", "2016-09", "occurred") in got
    assert any(d == "2016-10-20" and s == "occurred" for _, d, s in got), got  # not 2015-10-20, not expected


def test_a_bad_published_value_is_refused_in_one_line_naming_both_forms(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("North Korea fired a missile on 1 May 2019.\n", encoding="utf-8")
    result = run("extract", article, "--published", "soon")
    assert result.exit_code == 2
    assert "is not YYYY-MM-DD or YYYY-MM" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ---- datelines: publication evidence, never an event's date -------------------------------------

@pytest.mark.parametrize("text,published,expected", [
    # a city, a day-precise dateline, then 'on Saturday': the Saturday before, not the dateline's day
    ("Talks collapse\n\nSTOCKHOLM, Oct. 6, 2019 - North Korea's chief negotiator said on Saturday that the talks "
     "with the United States had broken down.\n", "2019-10-06", [("statement", "2019-10-05")]),
    ("Seoul report\n\nBERLIN, Nov. 8, 2021 (Reuters) - Germany's foreign minister said on Sunday that "
     "Europe would stand by its partners.\n", "2021-11-08", [("statement", "2021-11-07")]),
    # a dateline with a year
    ("SEOUL, July 13, 2023 - North Korea fired an intercontinental ballistic missile on Wednesday, "
     "the South's military said.\n", "2023-07-13", [("missile_test", "2023-07-12")]),
    ("TOKYO, March 2, 2022 - North Korea launched a ballistic missile on Sunday, Japan's defence ministry said.\n",
     "2022-03-02", [("missile_test", "2022-02-27")]),
    # no city
    ("Sept 14, 2023 - Russian President Vladimir Putin and Kim Jong Un held a summit on Wednesday "
     "at a space launch centre.\n", "2023-09-14", [("summit", "2023-09-13")]),
    ("Jan 6, 2024 - North Korea fired two short-range ballistic missiles on Friday, Seoul said.\n",
     "2024-01-06", [("missile_test", "2024-01-05")]),
])
def test_a_dateline_never_dates_an_event(text, published, expected):
    got = [(e.type, e.date.edtf) for e in extract_events(text, date.fromisoformat(published))]
    assert got[:len(expected)] == expected
    dateline_day = parse_published(text[dateline_spans(text)[0][0]:dateline_spans(text)[0][1]]).day.isoformat()
    assert all(e.date_text is None or e.date_text not in text[:text.index(" - ") + 1] for e in
               extract_events(text, date.fromisoformat(published))), dateline_day


def test_a_chronologys_dated_lines_are_no_dateline():
    text = ("Key dates\n\nJanuary 10, 2003 - North Korea withdraws from the nuclear treaty.\n\n"
            "October 9, 2006 - North Korea conducts its first nuclear test.\n")
    assert dateline_spans(text) == [] and evidence_in_text(text) is None
    got = [(e.type, e.date.edtf) for e in extract_events(text, date(2008, 6, 26))]
    assert ("nuclear_test", "2006-10-09") in got


def test_ingest_without_a_date_takes_the_dateline_or_a_published_line_and_says_so(tmp_path):
    (tmp_path / "wire.txt").write_text("Launch\n\nSEOUL, July 13, 2023 - North Korea fired an intercontinental ballistic "
                                       "missile on Wednesday, the South's military said.\n", encoding="utf-8")
    (tmp_path / "brief.txt").write_text("Policy brief\nPublished May 2023\n\nNorth Korea conducted no nuclear test last month, "
                                        "but it fired a solid-fuel missile in April.\n", encoding="utf-8")
    db = tmp_path / "k.db"
    result = run("ingest", tmp_path / "wire.txt", tmp_path / "brief.txt", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select slug, published, published_precision, published_from from sources order by slug") == [
        ("brief", "2023-05-01", "month", "published line"), ("wire", "2023-07-13", "day", "dateline")]
    assert rows(db, "select e.date from events e join mentions m on m.event_id = e.id join sources s on s.id = m.source_id "
                    "where s.slug = 'wire'") == [("2023-07-12",)]
    listed = json.loads(run("sources", "--db", db, "--format", "json").stdout)
    assert [(r["slug"], r["published"], r["published_from"]) for r in listed] == [
        ("brief", "2023-05", "published line"), ("wire", "2023-07-13", "dateline")]


def test_sources_edit_takes_a_month_and_undo_restores_the_day(tmp_path):
    (tmp_path / "note.txt").write_text("North Korea fired a cruise missile last month.\n", encoding="utf-8")
    db = tmp_path / "k.db"
    assert run("ingest", tmp_path / "note.txt", "--db", db, "--published", "2019-08-20").exit_code == 0
    assert rows(db, "select date from events") == [("2019-07",)]
    result = run("sources", "edit", "note", "--published", "2019-10", "--reason", "monthly issue", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select published, published_precision, published_from from sources") == [("2019-10-01", "month", "sources edit")]
    assert rows(db, "select date from events") == [("2019-09",)]
    change = rows(db, "select max(id) from changes")[0][0]
    assert run("undo", change, "--reason", "back", "--db", db).exit_code == 0
    assert rows(db, "select published, published_precision from sources") == [("2019-08-20", "day")]
    assert rows(db, "select date from events") == [("2019-07",)]
