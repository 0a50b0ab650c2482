"""kpolicy import ucdp and polecat on files written here from their codebooks (not copies of the data),
POLECAT's known malformations tolerated and reported line by line, and the dataset-shaped exports:
acled and plover read back by their importers, and the Frictionless data package validated by the
frictionless library (both engines)."""

from __future__ import annotations

import csv
import io
import json
import shlex

import pytest
import sqlalchemy as sa
from conftest import Cli, copy_seeded, query_rows



@pytest.fixture
def source_db_empty(tmp_path, _seeded_template, empty_db):
    """(a seeded SQLite file to export from, a new database of each engine to import into)."""
    return copy_seeded(_seeded_template, tmp_path / "source.db"), empty_db


UCDP_COLUMNS = ("id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
                "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
                "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
                "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
                "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
                "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
                "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob")


def test_ucdp_ged_every_column_read(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    base = {c: "" for c in UCDP_COLUMNS}
    base.update({"id": "500001", "relid": "KOR-2024-1-1", "year": "2024", "active_year": "1", "code_status": "Clear",
                 "type_of_violence": "1", "conflict_name": "North Korea - South Korea", "dyad_name": "Government of North Korea - Government of South Korea",
                 "side_a": "Government of North Korea", "side_b": "Government of South Korea", "number_of_sources": "2",
                 "source_article": "Yonhap, 2024-12-04, Shots exchanged at the DMZ", "source_office": "Yonhap",
                 "source_date": "2024-12-04", "source_headline": "Shots exchanged at the DMZ", "where_prec": "1",
                 "where_coordinates": "Panmunjom", "adm_1": "Gyeonggi", "latitude": "37.956", "longitude": "126.677",
                 "country": "South Korea", "country_id": "732", "region": "Asia", "event_clarity": "1", "date_prec": "1",
                 "date_start": "2024-12-04 00:00:00.000", "date_end": "2024-12-04 00:00:00.000", "deaths_a": "0",
                 "deaths_b": "1", "deaths_civilians": "0", "deaths_unknown": "0", "best": "1", "high": "2", "low": "1"})
    week = {**base, "id": "500002", "date_prec": "3", "date_start": "2024-12-01", "date_end": "2024-12-07", "best": "0",
            "type_of_violence": "3", "side_b": "Civilians", "source_headline": ""}
    path = tmp_path / "ged.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=UCDP_COLUMNS)
        writer.writeheader()
        writer.writerows([base, week, {**base, "id": "500003", "date_end": "2024-11-30"}])
    result = cli("import", "ucdp", path)
    assert result.exit_code == 2
    assert f"{path}: row 4, column date_end: the event ends (2024-11-30) before it starts (2024-12-04 00:00:00.000)" in result.stderr
    result = cli("import", "ucdp", path, "--skip-bad")
    assert result.exit_code == 0, result.stderr
    rows = query_rows(empty_db, "SELECT external_id, type, date, actor_names, external_data FROM events ORDER BY external_id")
    assert [r[:4] for r in rows] == [("500001", "incident", "2024-12-04", "North Korea; South Korea"),
                                     ("500002", "incident", "2024-12-01/2024-12-07", "North Korea")]
    data = json.loads(rows[0][4])
    assert sorted(data) == sorted(c for c in UCDP_COLUMNS if base[c] and c != "id")  # every filled column kept
    assert (data["best"], data["low"], data["high"], data["where_prec"], data["date_prec"]) == ("1", "1", "2", "1", "1")
    assert "'Civilians' (1)" in result.stderr  # a name the registry does not know: proposed
    assert query_rows(empty_db, "SELECT m.quote FROM mentions m JOIN events e ON e.id = m.event_id WHERE e.external_id = '500001'") == \
        [("Shots exchanged at the DMZ",)]


POLECAT_HEADER = ["Event ID", "Event Date", "Event Type", "Event Mode", "Intensity", "Quad Code", "Contexts", "Actor Name",
                  "Actor Country", "Recipient Name", "Recipient Country", "Placename", "Country", "Latitude", "Longitude",
                  "Event Text", "Headline", "Source", "Version"]


def _polecat_line(**values) -> str:
    base = {"Event ID": "pc-1", "Event Date": "2024-12-03", "Event Type": "MOBILIZE", "Event Mode": "weapons",
            "Intensity": "-4", "Quad Code": "MATERIAL CONFLICT", "Contexts": "military", "Actor Name": "North Korea",
            "Actor Country": "PRK", "Recipient Name": "", "Recipient Country": "", "Placename": "Pyongyang", "Country": "PRK",
            "Latitude": "39.02", "Longitude": "125.75", "Event Text": "North Korea launched a ballistic missile.",
            "Headline": "Missile launch", "Source": "example-wire", "Version": "1"}
    base.update(values)
    return "\t".join(base[c] for c in POLECAT_HEADER)


def test_polecat_tsv_tolerates_its_known_malformations_and_reports_each(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    header = "\t".join(POLECAT_HEADER)
    lines = [header, _polecat_line(),
             _polecat_line(**{"Event ID": "pc-2", "Event Type": "CONSULT", "Event Mode": "visit", "Actor Name": "Kim Jong-un",
                              "Recipient Name": "Russia", "Event Text": "Kim Jong-un visited Russia."}),
             header,  # the weekly files were concatenated
             _polecat_line(**{"Event ID": "pc-3", "Event Type": "SANCTION", "Event Mode": ""}) + "\t\t",  # trailing stray tabs
             _polecat_line(**{"Event ID": "pc-4", "Event Text": "A text\twith a tab inside"}),  # a stray tab inside a field
             "",
             _polecat_line(**{"Event ID": "pc-5", "Event Type": "ASSAULT", "Event Mode": "unheard-of"})]
    path = tmp_path / "polecat.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("import", "polecat", path)
    assert result.exit_code == 0, result.stderr
    assert "4 created" in result.stderr and "2 line(s) skipped, 1 repaired" in result.stderr
    reported = [line for line in result.stderr.splitlines() if line.startswith(("kpolicy: skipped", "kpolicy: repaired"))]
    assert reported == [
        f"kpolicy: skipped {path}: row 4: a repeated header line (files joined together), skipped",
        f"kpolicy: repaired {path}: row 5: 2 trailing empty field(s) (stray tabs) ignored; the row was read",
        f"kpolicy: skipped {path}: row 6: 1 field(s) more than the header (a stray tab inside a field), skipped: the fields cannot be told apart",
    ]
    assert query_rows(empty_db, "SELECT external_id, type, actor_names FROM events ORDER BY external_id") == [
        ("pc-1", "missile_test", "North Korea"), ("pc-2", "talks", "Kim Jong-un; Russia"), ("pc-3", "sanctions", "North Korea"),
        ("pc-5", "incident", "North Korea")]
    bad = tmp_path / "bad.tsv"
    bad.write_text(header + "\n" + _polecat_line(**{"Event Type": "DANCE"}) + "\n", encoding="utf-8")
    result = cli("import", "polecat", bad)
    assert result.exit_code == 2 and f"{bad}: row 2, column event_type: unknown PLOVER event type 'DANCE'" in result.stderr


def test_plover_export_reads_back_as_polecat_json(source_db_empty, tmp_path):
    source, target = source_db_empty
    out = tmp_path / "events.jsonl"
    assert Cli(source)("export", "--format", "plover", "--type", "summit", "-o", out).exit_code == 0
    objects = [json.loads(line) for line in out.read_text().splitlines()]
    assert {o["event_type"] for o in objects} == {"CONSULT"} and all(o["kpolicy_type"] == "summit" for o in objects)
    assert Cli(target)("init").exit_code == 0
    result = Cli(target)("import", "polecat", out)
    assert result.exit_code == 0, result.stderr
    assert f"{len(objects)} created" in result.stderr
    assert {r[0] for r in query_rows(target, "SELECT type FROM events")} == {"talks"}  # CONSULT: a summit is not told apart


def test_acled_export_round_trips_acled_events(source_db_empty, tmp_path):
    from test_import_acled import BASE, CLASH, _write

    source, target = source_db_empty
    original = tmp_path / "acled.csv"
    _write(original, [BASE, CLASH])
    assert Cli(source)("import", "acled", original).exit_code == 0
    exported = tmp_path / "out.csv"
    assert Cli(source)("export", "--format", "acled", "--from", "2024-12", "--within", "-o", exported, "--raw").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert [r["event_id_cnty"] for r in rows] == ["KOR1002", "KOR1001"]  # the clash's week starts first
    back = {r["event_id_cnty"]: r for r in rows}
    assert back["KOR1001"] == {k: BASE[k] for k in back["KOR1001"]}  # every column as it came
    assert back["KOR1002"]["time_precision"] == "2" and back["KOR1002"]["event_date"] == "2024-12-04"
    assert Cli(target)("init").exit_code == 0
    result = Cli(target)("import", "acled", exported)
    assert result.exit_code == 0 and "2 created" in result.stderr
    seed = list(csv.DictReader(io.StringIO(Cli(source)("export", "--format", "acled", "--type", "summit").stdout)))
    assert {r["event_type"] for r in seed} == {"Strategic developments"} and all("[kpolicy type: summit]" in r["notes"] for r in seed)


def test_datapackage_validates_with_frictionless_and_names_its_provenance(db, tmp_path):
    from frictionless import validate

    cli = Cli(db)
    folder = tmp_path / "package"
    result = cli("export", "--format", "datapackage", folder, "--actor", "North Korea", "--from", "2019")
    assert result.exit_code == 0, result.stderr
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text())
    prov = package["kpolicy"]
    assert prov["query"] == {"actors": ["North Korea"], "start": "2019"}
    # the command the user typed (these arguments), not the test runner's argv; a URL's password hidden
    shown_db = db if "://" not in db else sa.engine.make_url(db).render_as_string(hide_password=True)
    assert prov["command"] == shlex.join(["kpolicy", "export", "--format", "datapackage", str(folder), "--actor", "North Korea",
                                          "--from", "2019", "--db", shown_db])
    (last,) = query_rows(db, "SELECT max(id) FROM changes")[0]
    (revision,) = query_rows(db, "SELECT version_num FROM alembic_version")[0]
    assert prov["schema_revision"] == revision and prov["change"] == last and prov["reproduce"].endswith(f"--as-of {last}")
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]][:3] == ["id", "date", "start"]
    # the CSV is the export's own, and --as-of the change reproduces it
    assert (folder / "events.csv").read_text() == cli("export", "--actor", "North Korea", "--from", "2019", "--as-of", str(last)).stdout
    bad = cli("export", "--format", "datapackage")
    assert bad.exit_code == 2 and "needs a folder" in bad.stderr
