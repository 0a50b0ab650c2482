"""Timeline queries: every filter, fuzzy-date edges, ordering, output formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from kpolicy.dates import parse_edtf
from kpolicy.store.bootstrap import open_database
from kpolicy.records import EventRecord, MentionRecord, SourceRecord
from kpolicy.store.articles import store_article


def ids(result) -> list[int]:
    assert result.exit_code == 0, result.stderr
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(result.stdout))]


def titles(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["title"] for row in csv.DictReader(io.StringIO(result.stdout))]


def by_title(cli, fragment: str) -> int:
    rows = list(csv.DictReader(io.StringIO(cli("events", "--format", "csv", "--text", fragment).stdout)))
    assert len(rows) == 1, rows
    return int(rows[0]["id"])


def add_events(db: str, *specs: tuple[str, str | None, str]) -> None:
    """Store a small extra article whose sentences are the given (title, EDTF, status) events."""
    text = " ".join(f"{title}." for title, _, _ in specs)
    events = []
    for title, edtf, status in specs:
        start = text.index(title)
        events.append(
            EventRecord(
                type="statement",
                title=title,
                date=parse_edtf(edtf),
                status=status,
                actors=[("Japan", "initiator")],
                mentions=[MentionRecord(title, start, start + len(title))],
            )
        )
    database = open_database(db, create=False)
    with database.writing() as conn:
        store_article(conn, SourceRecord("extra", "Extra", date(2020, 3, 1), text), events, merge=False)
    database.close()


# ---- windows and fuzzy dates --------------------------------------------------------------


def test_overlap_includes_fuzzy_events_that_reach_into_the_window(cli):
    rockets = by_title(cli, "Several short-range rocket tests")  # 2019-08/2020-02
    assert rockets in ids(cli("events", "-f", "csv", "--from", "2019", "--to", "2019"))
    assert rockets not in ids(cli("events", "-f", "csv", "--from", "2019", "--to", "2019", "--within"))
    assert rockets in ids(cli("events", "-f", "csv", "--from", "2019-08", "--to", "2020-02", "--within"))


def test_open_ended_forecast_overlaps_later_windows_but_is_never_certainly_inside(cli):
    forecast = by_title(cli, "Possible North Korean border provocations")  # 2020-02/..
    assert forecast in ids(cli("events", "-f", "csv", "--from", "2021", "--to", "2021"))
    assert forecast in ids(cli("events", "-f", "csv", "--on", "2035-07-01"))
    assert forecast not in ids(cli("events", "-f", "csv", "--from", "2021", "--to", "2021", "--within"))
    assert forecast not in ids(cli("events", "-f", "csv", "--to", "2020-01"))


def test_on_takes_a_day_month_or_year(cli):
    plenum = by_title(cli, "5th plenary meeting")  # 2019-12-28/2019-12-31
    assert plenum in ids(cli("events", "-f", "csv", "--on", "2019-12-30"))
    assert plenum in ids(cli("events", "-f", "csv", "--on", "2019-12"))
    assert plenum not in ids(cli("events", "-f", "csv", "--on", "2019-12-27"))


def test_window_bounds_are_inclusive_days(cli):
    report = by_title(cli, "Report on the December 2019")  # 2020-01-01
    assert report in ids(cli("events", "-f", "csv", "--to", "2020-01-01"))
    assert report in ids(cli("events", "-f", "csv", "--from", "2020-01-01", "--within"))
    assert report not in ids(cli("events", "-f", "csv", "--to", "2019-12-31"))


def test_undated_events_are_in_no_window_and_listed_last(cli, db):
    add_events(db, ("Japan comments at some point", None, "occurred"), ("Japan comments in 2019", "2019", "occurred"))
    everything = titles(cli("events", "-f", "csv"))
    assert everything[-1] == "Japan comments at some point"
    assert "Japan comments at some point" not in titles(cli("events", "-f", "csv", "--from", "1900", "--to", "2100"))
    assert "Japan comments in 2019" in titles(cli("events", "-f", "csv", "--on", "2019"))


def test_order_is_lower_bound_then_upper_bound_then_id(cli, db):
    add_events(db, ("Japan A", "2019-06", "occurred"), ("Japan B", "2019-06-01", "occurred"), ("Japan C", "../2019-05", "occurred"))
    listed = titles(cli("events", "-f", "csv", "--actor", "Japan"))
    assert listed == ["Japan C", "Japan B", "Japan A"]  # open start first; same start: the earlier end first


# ---- actors, types, statuses, places, text ------------------------------------------------


def test_actor_alias_and_case_resolve(cli):
    canonical = ids(cli("events", "-f", "csv", "--actor", "North Korea"))
    assert canonical == ids(cli("events", "-f", "csv", "--actor", "dprk"))
    assert canonical == ids(cli("events", "-f", "csv", "--actor", "PYONGYANG"))


def test_actor_includes_its_children(cli):
    north_korea = set(ids(cli("events", "-f", "csv", "--actor", "North Korea")))
    kim = set(ids(cli("events", "-f", "csv", "--actor", "Kim Jong-un")))
    committee = set(ids(cli("events", "-f", "csv", "--actor", "WPK Central Committee")))
    assert kim and committee
    assert kim <= north_korea and committee <= north_korea  # Kim and the WPK CC count for North Korea
    assert by_title(cli, "Donald Trump summit in Hanoi") in kim


def test_repeated_actor_means_all_take_part(cli):
    both = set(ids(cli("events", "-f", "csv", "--actor", "North Korea", "--actor", "United States")))
    assert by_title(cli, "Stockholm") in both
    assert by_title(cli, "Donald Trump summit in Hanoi") in both  # Kim Jong-un and Donald Trump
    assert by_title(cli, "Several short-range rocket tests") not in both
    assert both == set(ids(cli("events", "-f", "csv", "--actor", "North Korea"))) & set(
        ids(cli("events", "-f", "csv", "--actor", "United States"))
    )


def test_type_or_family(cli):
    meetings = set(ids(cli("events", "-f", "csv", "--type", "meeting")))
    assert meetings == set(ids(cli("events", "-f", "csv", "--type", "summit", "--type", "talks")))
    assert by_title(cli, "Stockholm") in meetings
    tests_ = titles(cli("events", "-f", "csv", "--type", "test", "--status", "occurred"))
    assert "Test of a new solid-fuel engine for an ICBM" in tests_
    assert all("Possible" not in t for t in tests_)


def test_status_filter(cli):
    forecasts = titles(cli("events", "-f", "csv", "--status", "forecast"))
    assert forecasts and all(t.startswith("Possible") for t in forecasts)


def test_place_filter_is_case_insensitive(cli):
    assert titles(cli("events", "-f", "csv", "--place", "hanoi")) == ["Kim Jong-un and Donald Trump summit in Hanoi"]


def test_text_searches_titles_and_quotes(cli):
    assert by_title(cli, "Stockholm") in ids(cli("events", "-f", "csv", "--text", "working talks in stockholm"))
    # a later mention's quote counts too: "the failure of the Kim-Trump summit in Hanoi"
    assert by_title(cli, "Donald Trump summit in Hanoi") in ids(cli("events", "-f", "csv", "--text", "failure of the Kim-Trump"))
    assert ids(cli("events", "-f", "csv", "--text", "100%")) == []


def test_limit(cli):
    assert len(ids(cli("events", "-f", "csv", "--limit", "3"))) == 3


# ---- outputs -------------------------------------------------------------------------------

EXPECTED_CSV = (
    "id,date,start,end,precision,type,status,title,actors,place,source,quote,review,confidence,states,sources,"
    "wikidata,cameo,latitude,longitude\r\n"
    "10,2019-06,2019-06-01,2019-06-30,month,summit,occurred,Kim Jong-un and Donald Trump meeting in June 2019,"
    "Donald Trump; Kim Jong-un,,changes-in-north-koreas-policy,the Kim-Trump meeting in June,reviewed,1.0,North Korea; United States,1,"
    "Q22686; Q56226,USAGOV; PRKGOV,,\r\n"
    "11,2019-10,2019-10-01,2019-10-31,month,talks,occurred,U.S.-North Korea working-level talks in Stockholm,"
    "North Korea; United States,Stockholm,changes-in-north-koreas-policy,U.S.-North Korea working talks in Stockholm in October,"
    "reviewed,1.0,North Korea; United States,1,Q423; Q30,PRK; USA,59.3293,18.0686\r\n"
)


def test_export_csv_is_exact(cli, tmp_path):
    out = tmp_path / "meetings.csv"
    result = cli("export", "--type", "meeting", "--from", "2019-06", "--to", "2019-12", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == EXPECTED_CSV.encode("utf-8")


def test_events_csv_matches_export(cli):
    args = ("--type", "meeting", "--from", "2019-06", "--to", "2019-12")
    assert cli("events", "--format", "csv", *args).stdout == cli("export", *args).stdout == EXPECTED_CSV.replace("\r\n", "\n")


def test_jsonl_follows_the_extraction_contract_plus_id_and_source(cli):
    result = cli("events", "--format", "jsonl", "--place", "Hanoi")
    assert result.exit_code == 0
    (event,) = [json.loads(line) for line in result.stdout.splitlines()]
    for key in ("id", "source", "type", "title", "date", "start", "end", "precision", "status", "actors", "states",
                "place", "quote", "char_start", "char_end", "date_text", "date_anchor", "confidence", "mentions"):
        assert key in event
    assert event["states"] == ["North Korea", "United States"]
    assert sorted(event["actors"]) == ["Donald Trump", "Kim Jong-un"]
    assert (event["date"], event["start"], event["end"], event["precision"]) == ("2019-02", "2019-02-01", "2019-02-28", "month")
    assert event["date_text"] == "in February 2019"
    assert [m["quote"] for m in event["mentions"]] == ["the failure of the Kim-Trump summit in Hanoi", "after the Hanoi summit"]


def test_json_is_one_array(cli):
    events = json.loads(cli("events", "--format", "json", "--status", "expected").stdout)
    assert {e["status"] for e in events} == {"expected"}


def test_table_is_readable(cli):
    result = cli("events", "--place", "Stockholm")
    assert result.exit_code == 0
    header, rule, row = result.stdout.splitlines()
    assert header.split() == ["id", "date", "precision", "type", "status", "title", "actors", "place"]
    assert "2019-10" in row and "U.S.-North Korea working-level talks in Stockholm" in row


def test_no_match_says_so_on_stderr(cli):
    result = cli("events", "--from", "1950", "--to", "1951")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "kpolicy: no events match\n"


def test_timeline_groups_by_year_and_marks_what_has_not_happened(cli):
    result = cli("timeline")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    years = [l for l in lines if l and not l.startswith(" ")]
    assert years == ["2012", "2018", "2019", "2020"]
    forecast = next(l for l in lines if "Possible North Korean border provocations" in l)
    assert "FORECAST?" in forecast and "from Feb 2020 on" in forecast
    expected = next(l for l in lines if "South Korean legislative elections" in l)
    assert "expected" in expected and "Apr 2020" in expected
    occurred = next(l for l in lines if "summit in Hanoi" in l)
    assert "FORECAST" not in occurred and "expected" not in occurred


def test_show_prints_every_mention_with_offsets(cli):
    hanoi = by_title(cli, "Donald Trump summit in Hanoi")
    result = cli("show", str(hanoi))
    assert result.exit_code == 0
    out = result.stdout
    assert out.count("changes-in-north-koreas-policy (2020-02-05), characters") == 3
    assert "“the Kim-Trump meeting in Hanoi in February 2019”" in out
    assert "place      Hanoi" in out


def test_actors_types_sources_listings(cli):
    actors = {a["name"]: a for a in json.loads(cli("actors", "--format", "json").stdout)}
    assert actors["Kim Jong-un"]["parent"] == "North Korea"
    assert "DPRK" in actors["North Korea"]["aliases"]
    assert actors["North Korea"]["iso3"] == "PRK"
    assert actors["Kim Jong-un"]["events"] >= 5
    types = {t["code"]: t for t in json.loads(cli("types", "--format", "json").stdout)}
    assert types["talks"]["family"] == "meeting" and types["summit"]["events"] == 4
    assert cli("sources", "--format", "csv").stdout.startswith("slug,title,author,publisher,published,url,events,mentions")


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl"])
def test_listings_take_every_format(cli, fmt):
    for command in ("actors", "types", "sources"):
        assert cli(command, "--format", fmt).exit_code == 0


def test_a_kept_statement_answers_with_each_querys_own_values(db):
    """Queries of one shape share a prepared statement (query.prepared); each must still get
    its own answer: the same as a statement freshly built for it."""
    import sqlalchemy as sa

    from kpolicy import query
    from kpolicy.query import EventQuery

    database = open_database(db, create=False)
    shapes = [
        [EventQuery(on=str(y), actors=[a], limit=n) for y, a, n in ((2019, "North Korea", 50), (2018, "North Korea", 2), (2020, "United States", 7))],
        [EventQuery(start=s, end=e, types=t) for s, e, t in (("2018", "2019-06", ["summit"]), ("2019-03", "2020", ["test", "statement"]))],
        [EventQuery(text=w) for w in ("summit", "missile")],
    ]
    with database.reading() as conn:
        for queries in shapes:
            kept = len(query._PREPARED)
            answers = []
            for q in queries:
                got = [r["id"] for r in query.iter_rows(conn, q)]
                fresh = conn.execute(query.build_select(conn, q)).scalars().all()
                assert got == fresh, q
                answers.append(got)
            assert len({tuple(a) for a in answers}) > 1, "the shape's queries should not all give one answer"
            assert len(query._PREPARED) <= kept + 1, "one statement per shape"
    database.close()
