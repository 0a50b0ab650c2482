"""`kpolicy export` in every format, read back with each consumer's own library (csv, json,
icalendar) and checked for content: dates, exclusive DTEND, date parts per precision."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from kpolicy.query import EXPORT_FIELDS

@pytest.fixture
def seeded_file(sqlite_db) -> str:
    return sqlite_db


QUOTE_12 = "adopted at the WPK Central Committee plenum on 28-31 December 2019"  # event 12's quote


def _export(cli, *args):
    result = cli("export", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _csv_rows(cli, *args):
    return list(csv.DictReader(io.StringIO(_export(cli, *args), newline="")))


def test_csv_reads_back_with_known_event(cli):
    rows = _csv_rows(cli)
    assert len(rows) == 31
    by_id = {r["id"]: r for r in rows}
    plenum = by_id["12"]
    assert plenum["date"] == "2019-12-28/2019-12-31"
    assert (plenum["start"], plenum["end"], plenum["precision"]) == ("2019-12-28", "2019-12-31", "interval")
    assert plenum["type"] == "plenum"
    assert list(rows[0]) == list(EXPORT_FIELDS)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_formats_carry_the_csv_fields_and_values(cli, fmt):
    out = _export(cli, "--format", fmt)
    records = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    csv_rows = _csv_rows(cli, "--raw")
    assert len(records) == len(csv_rows) == 31
    for record, row in zip(records, csv_rows):
        assert tuple(record) == EXPORT_FIELDS
        assert {k: "" if v is None else str(v) for k, v in record.items()} == row
    first = next(r for r in records if r["id"] == 12)
    assert isinstance(first["id"], int) and first["start"] == "2019-12-28" and first["end"] == "2019-12-31"


def test_json_respects_filters(cli):
    records = json.loads(_export(cli, "--format", "json", "--status", "forecast"))
    assert {r["status"] for r in records} == {"forecast"}
    assert len(records) == 3


def _timelinejs(cli, *args):
    doc = json.loads(_export(cli, "--format", "timelinejs", *args))
    return doc, {e["unique_id"]: e for e in doc["events"]}


def test_timelinejs_date_parts_follow_precision(cli):
    doc, events = _timelinejs(cli)
    assert doc["title"]["text"]["headline"]
    assert len(doc["events"]) == 31
    # month precision: year and month, no day, no end
    speech = events["event-14"]
    assert speech["start_date"] == {"year": 2012, "month": 4}
    assert "end_date" not in speech and speech["display_date"] == "Apr 2012"
    # year precision: the year alone
    assert events["event-24"]["start_date"] == {"year": 2018}
    # a day-precise interval: both ends to the day, compact display date
    plenum = events["event-12"]
    assert plenum["start_date"] == {"year": 2019, "month": 12, "day": 28}
    assert plenum["end_date"] == {"year": 2019, "month": 12, "day": 31}
    assert plenum["display_date"] == "28–31 Dec 2019"
    # a month interval across years
    assert events["event-15"]["end_date"] == {"year": 2019, "month": 12}
    # one exact day: no display_date needed
    report = events["event-1"]
    assert report["start_date"] == {"year": 2020, "month": 1, "day": 1} and "display_date" not in report
    # open-ended: at its known bound, no end, said in words
    parade = events["event-19"]
    assert parade["start_date"] == {"year": 2020, "month": 2} and "end_date" not in parade
    assert parade["display_date"] == "from Feb 2020 on"
    assert "open-ended" in parade["text"]["text"]


def test_timelinejs_text_has_quote_source_and_status(cli):
    _, events = _timelinejs(cli)
    plenum = events["event-12"]
    assert plenum["text"]["headline"].startswith("WPK Central Committee plenum")
    assert QUOTE_12 in plenum["text"]["text"]
    assert "changes-in-north-koreas-policy" in plenum["text"]["text"]
    assert plenum["group"] == "plenum"
    forecast = events["event-26"]
    assert forecast["text"]["headline"].endswith("(forecast)")


def test_timelinejs_date_as_written_is_the_articles_phrase(tmp_path):
    """Issue 24 item 14: an extracted event shows the phrase its article used, not only EDTF."""
    from kpolicy.views.exports import timelinejs_slide

    row = {"id": 7, "date": "2023-07/2023-12", "start": "2023-07-01", "end": "2023-12-31", "precision": "interval",
           "title": "Kim visits Russia", "status": "expected", "quote": "Kim will visit Russia later this year.",
           "source": "wire", "date_text": "later this year", "states": ["North Korea"], "type": "summit"}
    text = timelinejs_slide(row, "type")["text"]["text"]
    assert "date as written: “later this year” (2023-07/2023-12, interval precision)" in text
    curated = timelinejs_slide({**row, "date_text": None}, "type")["text"]["text"]
    assert "date as written: 2023-07/2023-12 (interval precision)" in curated


def test_timelinejs_groups_by_actor_state(cli):
    _, events = _timelinejs(cli, "--group", "actor")
    assert events["event-12"]["group"] == "North Korea"  # the WPK Central Committee's state
    assert events["event-30"]["group"] == "South Korea"


def _calendar(cli, *args):
    from icalendar import Calendar

    cal = Calendar.from_ical(_export(cli, "--format", "ics", *args))
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_ics_all_day_events_with_exclusive_dtend(cli):
    cal, events = _calendar(cli)
    assert str(cal["VERSION"]) == "2.0" and cal["PRODID"]
    assert len(events) == 31
    plenum = events["event-12@kpolicy"]
    start, end = plenum.decoded("DTSTART"), plenum.decoded("DTEND")
    assert type(start) is date and type(end) is date  # VALUE=DATE, not date-times
    assert (start, end) == (date(2019, 12, 28), date(2020, 1, 1))  # 28-31 Dec inclusive
    assert "VALUE=DATE" in plenum.to_ical().decode()
    assert str(plenum["SUMMARY"]) == "WPK Central Committee plenum (5th plenary meeting of the 7th CC)"  # exact days: no note
    summits = events["event-5@kpolicy"]  # 2018-04/2018-12: spans its bounds, says it is not exact
    assert (summits.decoded("DTSTART"), summits.decoded("DTEND")) == (date(2018, 4, 1), date(2019, 1, 1))
    assert str(summits["SUMMARY"]).endswith("(interval Apr–Dec 2018, not exact days)")
    report = events["event-1@kpolicy"]
    assert (report.decoded("DTSTART"), report.decoded("DTEND")) == (date(2020, 1, 1), date(2020, 1, 2))
    assert str(report["SUMMARY"]) == "Report on the December 2019 WPK Central Committee plenum published"


def test_ics_month_year_and_open_events_follow_the_documented_convention(cli):
    _, events = _calendar(cli)
    speech = events["event-14@kpolicy"]
    assert (speech.decoded("DTSTART"), speech.decoded("DTEND")) == (date(2012, 4, 1), date(2012, 5, 1))
    assert "(month precision)" in str(speech["SUMMARY"])
    byungjin = events["event-24@kpolicy"]
    assert (byungjin.decoded("DTSTART"), byungjin.decoded("DTEND")) == (date(2018, 1, 1), date(2019, 1, 1))
    assert "(year precision)" in str(byungjin["SUMMARY"])
    parade = events["event-19@kpolicy"]  # 2020-02/..: a one-day marker at the known bound
    assert (parade.decoded("DTSTART"), parade.decoded("DTEND")) == (date(2020, 2, 1), date(2020, 2, 2))
    assert "open-ended" in str(parade["SUMMARY"]) and "Open-ended" in str(parade["DESCRIPTION"])


def test_ics_description_categories_status(cli):
    _, events = _calendar(cli)
    plenum = events["event-12@kpolicy"]
    assert QUOTE_12 in str(plenum["DESCRIPTION"])
    assert "Source: changes-in-north-koreas-policy" in str(plenum["DESCRIPTION"])
    assert [str(c) for c in plenum["CATEGORIES"].cats] == ["plenum", "occurred"]
    assert str(plenum["STATUS"]) == "CONFIRMED"
    forecast = events["event-26@kpolicy"]
    assert str(forecast["STATUS"]) == "TENTATIVE"
    assert [str(c) for c in forecast["CATEGORIES"].cats] == ["missile_test", "forecast"]
    assert "(forecast)" in str(forecast["SUMMARY"])


def test_ics_uids_are_stable_between_exports(cli):
    _, first = _calendar(cli)
    _, second = _calendar(cli, "--type", "plenum")
    assert set(second) <= set(first)
    assert {uid: str(e["SUMMARY"]) for uid, e in second.items()} == {uid: str(first[uid]["SUMMARY"]) for uid in second}


def _add_undated_event(path: str) -> None:
    from datetime import date

    from kpolicy.dates import parse_edtf
    from kpolicy.store.bootstrap import open_database
    from kpolicy.records import EventRecord, MentionRecord, SourceRecord
    from kpolicy.store.articles import store_article

    text = "An undated statement."
    event = EventRecord("statement", "An undated statement", parse_edtf(None), "occurred", [("Japan", "initiator")],
                        [MentionRecord(text, 0, len(text))])
    database = open_database(path, create=False)
    with database.writing() as conn:
        store_article(conn, SourceRecord("undated", "Undated", date(2020, 3, 1), text), [event], merge=False)
    database.close()


@pytest.mark.parametrize("fmt", ["timelinejs", "ics"])
def test_undated_events_are_skipped_and_counted(seeded_file, fmt):
    from conftest import Cli

    _add_undated_event(seeded_file)
    result = Cli(seeded_file)("export", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert "An undated statement" not in result.stdout
    assert result.stderr == f"kpolicy: skipped 1 undated event(s): {fmt} needs a date\n"
    csv_result = Cli(seeded_file)("export")
    assert "An undated statement" in csv_result.stdout  # CSV keeps every event


def test_export_to_file_and_bad_format(cli, tmp_path):
    target = tmp_path / "t.ics"
    result = cli("export", "--format", "ics", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    from icalendar import Calendar

    assert len(Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 31
    bad = cli("export", "--format", "xml")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "xml" in bad.stderr
    bad = cli("export", "--group", "place")
    assert bad.exit_code == 2 and bad.stderr.startswith("kpolicy: error: --group")


@pytest.mark.parametrize(
    "edtf, start_date, end_date, display, dtstart, dtend, note",
    [
        ("2020-21", {"year": 2020, "month": 3}, {"year": 2020, "month": 5}, "spring 2020", date(2020, 3, 1), date(2020, 6, 1), "season precision"),
        ("2020-24", {"year": 2020, "month": 12}, {"year": 2021, "month": 2}, "winter 2020", date(2020, 12, 1), date(2021, 3, 1), "season precision"),
        ("../2019-06", {"year": 2019, "month": 6}, None, "until Jun 2019", date(2019, 6, 30), date(2019, 7, 1), "open-ended: until Jun 2019"),
        ("2019?", {"year": 2019}, None, "2019?", date(2019, 1, 1), date(2020, 1, 1), "year precision, uncertain: 2019?"),
        ("2019-12-28?", {"year": 2019, "month": 12, "day": 28}, None, "28 Dec 2019?", date(2019, 12, 28), date(2019, 12, 29), "uncertain: 28 Dec 2019?"),
        ("2019-06-01/2019-07", {"year": 2019, "month": 6, "day": 1}, {"year": 2019, "month": 7}, "1 Jun 2019 – Jul 2019", date(2019, 6, 1), date(2019, 8, 1), "interval 1 Jun 2019 – Jul 2019, not exact days"),
        ("2019-12-30/2020-01-02", {"year": 2019, "month": 12, "day": 30}, {"year": 2020, "month": 1, "day": 2}, "30 Dec 2019 – 2 Jan 2020", date(2019, 12, 30), date(2020, 1, 3), ""),
    ],
)
def test_rarer_date_forms(edtf, start_date, end_date, display, dtstart, dtend, note):
    from kpolicy.views.exports import ics_span, timelinejs_slide

    slide = timelinejs_slide({"id": 1, "date": edtf, "title": "t", "status": "occurred", "type": "talks", "states": []}, "type")
    assert slide["start_date"] == start_date
    assert slide.get("end_date") == end_date
    assert slide["display_date"] == display
    assert ics_span(edtf) == (dtstart, dtend, note)


def test_bom_only_for_csv(cli):
    result = cli("export", "--format", "json", "--bom")
    assert result.exit_code == 2 and result.stderr == "kpolicy: error: --bom is for CSV (Excel); drop it for --format json\n"
    assert cli("export", "--bom").stdout.startswith("\ufeffid,date,")
