"""kpolicy import: kpolicy's own exports round-trip, analysts' spreadsheets (CSV and XLSX), one change
per import, nothing merged silently, bad input named by file, row and column (both engines)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from conftest import Cli, copy_seeded, query_rows

from kpolicy.store.db import resolve


def _count(db: str, sql: str) -> int:
    engine = sa.create_engine(resolve(db).url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def _without_ids(text: str, fmt: str) -> str:
    if fmt == "csv":
        return "\n".join(line.split(",", 1)[1] for line in text.splitlines())
    return re.sub(r'"id": \d+, ', "", text)


@pytest.fixture
def source_db(tmp_path, _seeded_template) -> str:
    """A seeded SQLite file to export from (the database imported into is `empty_db`: each engine)."""
    return copy_seeded(_seeded_template, tmp_path / "source.db")


# ---- kpolicy's own exports ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_own_export_round_trips_into_an_empty_database(source_db, empty_db, tmp_path, fmt):
    source = Cli(source_db)
    added = source("add", "--type", "statement", "--date", "2021-03", "--title", "=cmd|' /C calc'!A0",
                   "--actor", "Kim Yo-jong", "--note", "KCNA")
    assert added.exit_code == 0, added.stderr
    first = tmp_path / f"first.{fmt}"
    assert source("export", "--format", fmt, "-o", first).exit_code == 0
    target = Cli(empty_db)
    assert target("init").exit_code == 0
    result = target("import", fmt, first)
    assert result.exit_code == 0, result.stderr
    assert "32 created" in result.stderr and "ids mapped (file -> database):" in result.stderr
    second = tmp_path / f"second.{fmt}"
    assert target("export", "--format", fmt, "-o", second).exit_code == 0
    a, b = first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")
    assert _without_ids(a, fmt) == _without_ids(b, fmt)
    assert a != b  # the ids did change: the seed's ids are not in file order
    # the formula cell is text in the database and neutralised again on the way out
    assert query_rows(empty_db, "SELECT title FROM events WHERE title LIKE '=cmd%'") == [("=cmd|' /C calc'!A0",)]
    if fmt == "csv":
        assert "'=cmd|' /C calc'!A0" in b
    # the mapping is reported whole with --ids
    ids = tmp_path / "ids.csv"
    again = target("import", fmt, first, "--ids", ids)
    assert again.exit_code == 0 and "nothing changed" in again.stderr
    mapping = list(csv.reader(io.StringIO(ids.read_text())))
    assert mapping[0] == ["external_id", "id"] and len(mapping) == 33
    exported = {r["title"]: r["id"] for r in csv.DictReader(io.StringIO(first.read_text()))} if fmt == "csv" else None
    if exported:
        new_ids = dict(mapping[1:])
        assert new_ids[exported["Byungjin policy officially abandoned"]] == "3"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_full_export_round_trips_roles_and_every_source(source_db, empty_db, tmp_path, fmt):
    source = Cli(source_db)
    assert source("add", "--type", "statement", "--date", "2021-03", "--title", "Kim Yo-jong warns Seoul",
                  "--actor", "Kim Yo-jong:initiator", "--actor", "South Korea:target", "--note", "our note").exit_code == 0
    text = tmp_path / "second.txt"
    text.write_text("Seoul (our note). North Korea fired two ballistic missiles into the East Sea on 4 March 2021, "
                    "the South Korean military said.\n", encoding="utf-8")
    assert source("ingest", text, "--published", "2021-03-05").exit_code == 0
    (fresh,), = query_rows(source_db, "SELECT max(id) FROM events")
    assert source("merge", "26", str(fresh), "--reason", "the forecast test happened").exit_code == 0  # one event, two sources
    first = tmp_path / f"first.{fmt}"
    assert source("export", "--full", "--format", fmt, "-o", first).exit_code == 0
    target = Cli(empty_db)
    assert target("init").exit_code == 0
    result = target("import", fmt, first)
    assert result.exit_code == 0, result.stderr
    second = tmp_path / f"second.{fmt}"
    assert target("export", "--full", "--format", fmt, "-o", second).exit_code == 0
    assert _without_ids(first.read_text(encoding="utf-8"), fmt) == _without_ids(second.read_text(encoding="utf-8"), fmt)
    # the roles and the two sources are in the database, not only in the file
    assert query_rows(empty_db, "SELECT a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id JOIN events e "
                                "ON e.id = ea.event_id WHERE e.title = 'Kim Yo-jong warns Seoul' ORDER BY 1") == \
        [("Kim Yo-jong", "initiator"), ("South Korea", "target")]
    (title,), = query_rows(source_db, "SELECT title FROM events WHERE id = 26")
    assert query_rows(empty_db, f"SELECT count(DISTINCT m.source_id), count(*) FROM mentions m JOIN events e ON e.id = m.event_id "
                                f"WHERE e.title = '{title}' AND e.deleted_at IS NULL") == \
        query_rows(source_db, "SELECT count(DISTINCT source_id), count(*) FROM mentions WHERE event_id = 26")
    assert query_rows(source_db, "SELECT count(DISTINCT source_id) FROM mentions WHERE event_id = 26") == [(2,)]
    # a bad roles cell is named by row and column; --full has no place in other formats
    bad = tmp_path / "bad.csv"
    lines = first.read_text(encoding="utf-8").splitlines() if fmt == "csv" else None
    if lines:
        bad.write_text("\n".join([lines[0], lines[1].replace(":participant", ":spectator", 1).replace(":initiator", ":spectator", 1)]) + "\n",
                       encoding="utf-8")
        refused = target("import", "csv", bad)
        assert refused.exit_code == 2 and f"{bad}: row 2, column roles:" in refused.stderr
    assert target("export", "--full", "--format", "ics").exit_code == 2


def test_importing_the_same_file_twice_is_a_no_op_and_undo_takes_an_import_back(source_db, empty_db, tmp_path):
    path = tmp_path / "t.jsonl"
    assert Cli(source_db)("export", "--format", "jsonl", "-o", path).exit_code == 0
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    first = cli("import", "jsonl", path)
    change = int(re.search(r"change (\d+)", first.stderr).group(1))
    changes = _count(empty_db, "SELECT count(*) FROM changes")
    second = cli("import", "jsonl", path)
    assert second.exit_code == 0
    assert "0 created" in second.stderr and "31 unchanged" in second.stderr and "nothing changed" in second.stderr
    assert _count(empty_db, "SELECT count(*) FROM changes") == changes  # no empty change either
    assert _count(empty_db, "SELECT count(*) FROM events WHERE review = 'reviewed' AND dataset = 'kpolicy'") == 31
    exported = cli("export").stdout
    undone = cli("undo", str(change), "--reason", "wrong file")
    assert undone.exit_code == 0, undone.stderr
    assert cli("events", "--format", "csv").stdout.strip().count("\n") == 0
    # the import undone, the same file again creates the rows again (new ids), as into an empty database
    again = cli("import", "jsonl", path)
    assert again.exit_code == 0, again.stderr
    assert "31 created" in again.stderr and "0 unchanged" in again.stderr
    # the same rows; the source is a new one (the undone import's source is kept, as the history's)
    assert _without_ids(cli("export").stdout, "csv") == _without_ids(exported, "csv").replace("eas-policy,", "eas-policy-2,")
    assert _count(empty_db, "SELECT count(*) FROM events WHERE deleted_at IS NULL AND dataset = 'kpolicy'") == 31
    assert _count(empty_db, "SELECT count(*) FROM events WHERE deleted_at IS NOT NULL AND dataset = 'kpolicy'") == 31  # the tombstones stay
    assert "nothing changed" in cli("import", "jsonl", path).stderr  # and then it is a no-op again
    # a deliberate deletion is not undone by a re-import
    (victim,), = query_rows(empty_db, "SELECT min(id) FROM events WHERE deleted_at IS NULL")
    assert cli("delete", str(victim), "--reason", "a duplicate").exit_code == 0
    kept = cli("import", "jsonl", path)
    assert "0 created" in kept.stderr and "nothing changed" in kept.stderr


def test_dry_run_says_what_would_happen_and_writes_nothing(source_db, empty_db, tmp_path):
    path = tmp_path / "t.csv"
    assert Cli(source_db)("export", "-o", path, "--on", "2019-06").exit_code == 0
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    before = _count(empty_db, "SELECT count(*) FROM changes")
    result = cli("import", "csv", path, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would import" in result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(re.match(rf"{re.escape(str(path))}: row \d+: created event \d+ \(\d+: ", line) for line in lines)
    assert _count(empty_db, "SELECT count(*) FROM events") == 0
    assert _count(empty_db, "SELECT count(*) FROM changes") == before


def test_a_row_matching_an_existing_event_becomes_a_mention_and_proposals(db, tmp_path):
    cli = Cli(db)
    path = tmp_path / "more.csv"
    path.write_text("When,Event,Who,Type\n"
                    "28 Feb 2019,Hanoi summit ends without agreement,Kim Jong-un; Donald Trump; Moon Jae-in,summit\n",
                    encoding="utf-8")
    before = _count(db, "SELECT count(*) FROM events")
    result = cli("import", "sheet", path, "--map", "date=When,title=Event,actors=Who,type=Type")
    assert result.exit_code == 0, result.stderr
    assert "1 matched existing events" in result.stderr
    assert _count(db, "SELECT count(*) FROM events") == before  # no duplicate
    # the summit of February 2019 (event 3) gained the row as a mention, and proposals: the day, Moon Jae-in
    kinds = query_rows(db, "SELECT kind, value FROM proposals WHERE event_id = 3 AND status = 'open' ORDER BY id")
    assert [k for k, _ in kinds] == ["date", "actors"]
    assert json.loads(kinds[0][1])["date"] == "2019-02-28" and json.loads(kinds[1][1])["actors"] == [["Moon Jae-in", "participant"]]
    assert query_rows(db, "SELECT title, review FROM events WHERE id = 3") == [("Kim Jong-un and Donald Trump summit in Hanoi", "reviewed")]


# ---- spreadsheets -------------------------------------------------------------------------------

# (as typed, EDTF read): 30 styles, then the rows a sheet can hold that no one can read
DATE_STYLES = [
    ("2024-12-03", "2024-12-03"), ("3 Dec 2024", "2024-12-03"), ("3 December 2024", "2024-12-03"),
    ("Dec 3, 2024", "2024-12-03"), ("December 3 2024", "2024-12-03"), ("Tuesday, 3 December 2024", "2024-12-03"),
    ("3rd December 2024", "2024-12-03"), ("03/12/2024", "2024-12-03"), ("3.12.2024", "2024-12-03"),
    ("2024/12/03", "2024-12-03"), ("20241203", "2024-12-03"), ("2024-12-03T09:30:00Z", "2024-12-03"),
    ("45629", "2024-12-03"), ("Dec 2024", "2024-12"), ("December 2024", "2024-12"), ("2024-12", "2024-12"),
    ("2024-12-03/04", "2024-12-03/2024-12-04"), ("3-5 Dec 2024", "2024-12-03/2024-12-05"),
    ("28 Dec 2019 – 1 Jan 2020", "2019-12-28/2020-01-01"), ("Dec 2019 - Feb 2020", "2019-12/2020-02"),
    ("c. 2019", "2019~"), ("circa 2019", "2019~"), ("2019?", "2019?"), ("early 2020", "2020-01/2020-04"),
    ("mid-2020", "2020-05/2020-08"), ("late 2020", "2020-09/2020-12"), ("Q3 2021", "2021-07/2021-09"),
    ("H1 2021", "2021-01/2021-06"), ("spring 2020", "2020-03/2020-05"), ("2019-2020", "2019/2020"),
]
UNREADABLE = ["sometime", "31/02/2024", "2019-13", "last June"]


def _sheetquery_rows():
    rows = [["When", "Event", "Who", "Kind", "Link"]]
    for i, (typed, _) in enumerate(DATE_STYLES):
        rows.append([typed, f"Event {i:02d}", "North Korea", "missile launch", f"https://example.org/{i}"])
    for j, typed in enumerate(UNREADABLE):
        rows.append([typed, f"Unreadable {j}", "North Korea", "missile launch", ""])
    return rows


def _write_csv(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _write_xlsx(path, rows) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    book.save(path)


MAP = "date=When,title=Event,actors=Who,type=Kind,source=Link"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_sheet_of_30_date_styles_reads_each_and_names_the_rows_it_cannot(empty_db, tmp_path, kind):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / f"sheet.{kind}"
    (_write_csv if kind == "csv" else _write_xlsx)(path, _sheetquery_rows())
    result = cli("import", "sheet", path, "--map", MAP, "--skip-bad")
    assert result.exit_code == 0, result.stderr
    assert "30 created" in result.stderr and "4 line(s) skipped" in result.stderr
    got = dict(query_rows(empty_db, "SELECT title, date FROM events"))
    assert got == {f"Event {i:02d}": edtf for i, (_, edtf) in enumerate(DATE_STYLES)}
    column = "A (When)" if kind == "xlsx" else "When"
    skipped = [line for line in result.stderr.splitlines() if line.startswith("kpolicy: skipped ")]
    assert [re.search(r"row (\d+), column ", line).group(1) for line in skipped] == ["32", "33", "34", "35"]
    assert all(f"{path}: row" in line and f"column {column}: cannot read the date" in line for line in skipped)
    assert "'last June' is relative; give --anchor" in skipped[3]
    # every imported event is `imported`, keeps its dataset and id, and its row's words and link as provenance
    assert _count(empty_db, "SELECT count(*) FROM events WHERE review = 'imported' AND dataset = 'sheet' AND external_id LIKE 'sha1:%'") == 30
    assert query_rows(empty_db, "SELECT m.quote, m.date_text FROM mentions m JOIN events e ON e.id = m.event_id WHERE e.title = 'Event 01'") == \
        [("Event 01 <https://example.org/1>", "3 Dec 2024")]
    assert _count(empty_db, "SELECT count(*) FROM events WHERE type = 'missile_test'") == 30


def test_a_bad_row_without_skip_bad_stops_the_import_and_writes_nothing(db, tmp_path):
    path = tmp_path / "sheet.csv"
    _write_csv(path, _sheetquery_rows())
    before = _count(db, "SELECT count(*) FROM events"), _count(db, "SELECT count(*) FROM changes")
    result = Cli(db)("import", "sheet", path, "--map", MAP)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"kpolicy: error: {path}: row 32, column When: cannot read the date 'sometime': not a date kpolicy can read "
        "(examples it reads: 2024-12-03, 3 Dec 2024, Dec 2024, 2024-12-03/04, c. 2019, early 2020, Q3 2021, 2019?); "
        "fix the row, or give --skip-bad to skip such rows and report them"]
    assert (_count(db, "SELECT count(*) FROM events"), _count(db, "SELECT count(*) FROM changes")) == before


def test_excel_typed_dates_serials_and_formula_cells(empty_db, tmp_path):
    import openpyxl

    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Date", "Title", "Actors", "Type"])
    ws.append([datetime(2024, 12, 3, 14, 0), "Typed date", "South Korea", "Election"])
    ws.append([45629, "Serial number", "South Korea", "election"])
    ws.append(["2024-12-04", "=cmd|' /C calc'!A0", "South Korea", "election"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = cli("import", "sheet", path, "--map", "date=Date,title=Title,actors=Actors,type=Type")
    assert result.exit_code == 0, result.stderr
    assert query_rows(empty_db, "SELECT title, date FROM events ORDER BY id") == [
        ("Typed date", "2024-12-03"), ("Serial number", "2024-12-03"), ("=cmd|' /C calc'!A0", "2024-12-04")]
    exported = cli("export").stdout
    assert ",'=cmd|' /C calc'!A0," in exported


def test_a_mapping_is_saved_and_reused_and_types_come_from_an_editable_table(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / "s.csv"
    _write_csv(path, [["Datum", "Ereignis", "Wer", "Art"], ["Dec 2024", "Raketenstart", "DPRK", "Rakete"]])
    saved = tmp_path / "mine.yaml"
    first = cli("import", "sheet", path, "--map", "date=Datum,title=Ereignis,actors=Wer,type=Art", "--save-map", saved)
    assert first.exit_code == 2
    assert "row 2, column Art: unknown type 'Rakete': add it to the mapping file's `types:`" in first.stderr
    text = saved.read_text()
    assert "columns:" in text and "date: Datum" in text
    saved.write_text(text.replace("types: {}", "types:\n  Rakete: missile_test"))
    second = cli("import", "sheet", path, "--map-file", saved)
    assert second.exit_code == 0, second.stderr
    assert query_rows(empty_db, "SELECT type, actor_names FROM events") == [("missile_test", "North Korea")]


def test_unknown_actor_names_are_proposed_not_dropped(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / "s.csv"
    _write_csv(path, [["When", "Event", "Who"], ["2024-12-03", "Martial law declared", "South Korea; Yoon Suk-yeol's cabinet"]])
    result = cli("import", "sheet", path, "--map", "date=When,title=Event,actors=Who")
    assert result.exit_code == 0, result.stderr
    assert "1 actor name(s) the registry does not know, kept as proposals on their events: \"Yoon Suk-yeol's cabinet\" (1)" in result.stderr
    assert query_rows(empty_db, "SELECT actor_names, type FROM events") == [("South Korea", "other")]
    (value,) = [json.loads(v) for (v,) in query_rows(empty_db, "SELECT value FROM proposals WHERE kind = 'actors' AND status = 'open'")]
    assert value["actors"] == [["Yoon Suk-yeol's cabinet", "participant"]] and value["unknown"] is True


@pytest.mark.parametrize("case, content, message", [
    ("missing column", "When,Title\n2024-12-03,x\n", "row 1, column title=Event, actors=Who: missing mapped column(s); the sheet's columns are When, Title"),
    ("encoding", b"When,Event,Who\n2024-12-03,Caf\xe9 talks,China\n", "row 2, column Event: byte 0xe9 at character 4 is not UTF-8"),
    ("zip as csv", b"PK\x03\x04rest", "row 1: this is a zip archive"),
    ("binary", b"When\x00\x01\x02", "row 1: the file holds NUL bytes"),
    ("wide row", "When,Event,Who\n" + "," * 999_999 + "\n", "row 2: the row has 1,000,000 fields"),
    ("long row", "When,Event,Who\n2024-12-03,\"" + "x" * (1 << 20) + "\",China\n", "row 2: the row is longer than 1,048,576 bytes"),
])
def test_bad_input_names_file_row_and_column_and_leaves_the_database_unchanged(sqlite_db, tmp_path, case, content, message):
    path = tmp_path / "bad.csv"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    before = _count(sqlite_db, "SELECT count(*) FROM changes")
    result = Cli(sqlite_db)("import", "sheet", path, "--map", "date=When,title=Event,actors=Who")
    assert result.exit_code == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"kpolicy: error: {path}: ") and message in line, line
    assert _count(sqlite_db, "SELECT count(*) FROM changes") == before


def test_wrong_format_and_unknown_format(sqlite_db, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    cli = Cli(sqlite_db)
    result = cli("import", "csv", path)
    assert result.exit_code == 2
    assert f"{path}: row 1, column id, date, type, status, title: missing required column(s): this is not a kpolicy export" in result.stderr
    result = cli("import", "excel", path)
    assert result.exit_code == 2 and "unknown import format 'excel'" in result.stderr
