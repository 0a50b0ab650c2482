"""kpolicy import acled: files written here from ACLED's codebook (not copies of ACLED data): every
column read, updates as revisions, a deletion list as tombstones, --as-of before them reproducing the
old export, --since, and each malformation named by file, row and column (both engines)."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import Cli, query_rows

from kpolicy.imports.acled import COLUMNS


BASE = {
    "event_id_cnty": "KOR1001", "event_date": "2024-12-03", "year": "2024", "time_precision": "1",
    "disorder_type": "Demonstrations", "event_type": "Protests", "sub_event_type": "Peaceful protest",
    "actor1": "Protesters (South Korea)", "assoc_actor_1": "Democratic Party; Labour Union (South Korea)", "inter1": "6",
    "actor2": "", "assoc_actor_2": "", "inter2": "0", "interaction": "60", "civilian_targeting": "", "iso": "410",
    "region": "East Asia", "country": "South Korea", "admin1": "Seoul", "admin2": "Yeongdeungpo", "admin3": "",
    "location": "Seoul", "latitude": "37.5260", "longitude": "126.8960", "geo_precision": "1",
    "source": "Yonhap; Korea Herald", "source_scale": "National",
    "notes": "On 3 December 2024, protesters gathered outside the National Assembly against martial law.",
    "fatalities": "0", "tags": "crowd size=thousands", "timestamp": "1733300000",
}
CLASH = {**BASE, "event_id_cnty": "KOR1002", "event_date": "2024-12-04", "time_precision": "2",
         "disorder_type": "Political violence", "event_type": "Battles", "sub_event_type": "Armed clash",
         "actor1": "Military Forces of North Korea (2011-)", "assoc_actor_1": "", "inter1": "1",
         "actor2": "Military Forces of South Korea (2022-)", "inter2": "1", "interaction": "11", "admin1": "Gyeonggi",
         "admin2": "Paju", "location": "Paju", "latitude": "37.7600", "longitude": "126.7800", "geo_precision": "2",
         "source": "Yonhap", "notes": "Soldiers exchanged fire at the border.", "fatalities": "2", "tags": ""}
LAUNCH = {**BASE, "event_id_cnty": "PRK1003", "event_date": "05 December 2024", "time_precision": "3",
          "disorder_type": "Strategic developments", "event_type": "Strategic developments", "sub_event_type": "Other",
          "actor1": "Military Forces of North Korea (2011-)", "assoc_actor_1": "", "iso": "408", "country": "North Korea",
          "admin1": "Pyongyang", "admin2": "", "location": "Pyongyang", "latitude": "39.0190", "longitude": "125.7380",
          "source": "KCNA", "notes": "A ballistic missile was launched into the East Sea.", "tags": ""}


def _write(path, rows, columns=COLUMNS) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_every_codebook_column_is_read(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / "acled.csv"
    _write(path, [BASE, CLASH, LAUNCH])
    result = cli("import", "acled", path)
    assert result.exit_code == 0, result.stderr
    assert "3 created" in result.stderr
    rows = query_rows(empty_db, "SELECT external_id, date, type, review, dataset, external_version, description, external_data "
                           "FROM events ORDER BY external_id")
    assert [r[:6] for r in rows] == [
        ("KOR1001", "2024-12-03", "other", "imported", "acled", "1733300000"),
        ("KOR1002", "2024-12-01/2024-12-07", "incident", "imported", "acled", "1733300000"),  # time_precision 2: the week
        ("PRK1003", "2024-12", "other", "imported", "acled", "1733300000"),  # time_precision 3: the month
    ]
    assert rows[0][6] == BASE["notes"]
    kept = json.loads(rows[0][7])
    assert set(kept) == {c for c in COLUMNS if BASE[c]} - {"event_id_cnty", "event_date", "notes", "timestamp"}
    assert kept["fatalities"] == "0" and kept["source_scale"] == "National" and kept["tags"] == "crowd size=thousands"
    # actors by role through the registry; forces folded into their state; unknown names proposed
    actors = query_rows(empty_db, "SELECT e.external_id, a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id "
                             "JOIN events e ON e.id = ea.event_id ORDER BY 1, 2")
    assert actors == [("KOR1001", "Democratic Party of Korea", "initiator"), ("KOR1002", "North Korea", "initiator"),
                      ("KOR1002", "South Korea", "target"), ("PRK1003", "North Korea", "initiator")]
    proposed = sorted(json.loads(v)["actors"][0][0] for (v,) in query_rows(empty_db, "SELECT value FROM proposals WHERE kind = 'actors'"))
    assert proposed == ["Labour Union (South Korea)", "Protesters (South Korea)"]
    # a new place gets the row's country and coordinates; a gazetteer place (Pyongyang) keeps its own
    assert query_rows(empty_db, "SELECT name, country, latitude, longitude FROM places WHERE name = 'Paju'") == [("Paju", "KOR", 37.76, 126.78)]
    assert query_rows(empty_db, "SELECT count(*) FROM places WHERE name = 'Pyongyang' AND latitude = 39.019") == [(0,)]
    assert query_rows(empty_db, "SELECT m.quote, m.date_text FROM mentions m JOIN events e ON e.id = m.event_id WHERE e.external_id = 'PRK1003'") == \
        [(LAUNCH["notes"], "05 December 2024")]


def test_updates_are_revisions_deletions_tombstones_and_as_of_gives_the_old_export(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    v1, v2, gone = tmp_path / "v1.csv", tmp_path / "v2.csv", tmp_path / "deleted.csv"
    _write(v1, [BASE, CLASH, LAUNCH])
    newer = {**CLASH, "time_precision": "1", "notes": "Soldiers exchanged fire at the border; three were wounded.",
             "fatalities": "3", "timestamp": "1733900000"}
    stale = {**BASE, "notes": "An older edit that must not win.", "timestamp": "1733200000"}
    added = {**BASE, "event_id_cnty": "KOR1004", "event_date": "2024-12-07", "notes": "A second rally.", "timestamp": "1733900000"}
    _write(v2, [stale, newer, added])
    gone.write_text("event_id_cnty,deleted_timestamp\nPRK1003,1733900000\n", encoding="utf-8")
    first = cli("import", "acled", v1)
    first_change = int(first.stderr.split("change ")[1].split(" ")[0])
    old = cli("export").stdout
    result = cli("import", "acled", v2, "--deleted", gone)
    assert result.exit_code == 0, result.stderr
    assert "1 created, 1 updated" in result.stderr and "1 deleted, 1 unchanged" in result.stderr
    assert query_rows(empty_db, "SELECT date, description, deleted_at IS NULL, version FROM events WHERE external_id IN ('KOR1001', 'KOR1002', 'PRK1003') ORDER BY external_id") == [
        ("2024-12-03", BASE["notes"], True, 1), ("2024-12-04", newer["notes"], True, 2), ("2024-12", LAUNCH["notes"], False, 2)]
    fields = query_rows(empty_db, "SELECT r.field FROM revisions r JOIN events e ON e.id = r.event_id "
                             "WHERE e.external_id = 'KOR1002' AND r.action = 'imported' ORDER BY r.id")
    assert [f for (f,) in fields] == ["date", "description", "external_version"]
    assert query_rows(empty_db, "SELECT r.action, r.field FROM revisions r JOIN events e ON e.id = r.event_id WHERE e.external_id = 'PRK1003' ORDER BY r.id") == \
        [("created", None), ("deleted", "deleted_at")]
    new = cli("export").stdout
    assert new != old and "three were wounded" not in old
    assert cli("export", "--as-of", str(first_change)).stdout == old
    # the same files again: nothing
    again = cli("import", "acled", v2, "--deleted", gone)
    assert "0 created, 0 updated" in again.stderr and "nothing changed" in again.stderr
    # --since keeps only the rows changed since then
    dry = cli("import", "acled", v1, v2, "--since", "2024-12-10", "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.splitlines() == [line for line in dry.stdout.splitlines() if "v2.csv" in line]
    assert "2 row(s) read" in dry.stderr


@pytest.mark.parametrize("change, column, message", [
    ({"timestamp": "yesterday"}, "timestamp", "'yesterday' is not a Unix time"),
    ({"event_date": "someday"}, "event_date", "cannot read the date 'someday'"),
    ({"event_date": "2024-12"}, "event_date", "'2024-12' is not one day"),
    ({"sub_event_type": "Flash mob"}, "sub_event_type", "unknown ACLED event type 'Protests' / 'Flash mob'"),
    ({"time_precision": "4"}, "time_precision", "unknown time_precision '4'"),
    ({"latitude": "north"}, "latitude", "'north' is not a number"),
    ({"fatalities": "a few"}, "fatalities", "'a few' is not a whole number"),
    ({"actor1": ""}, "actor1", "the actor1 is empty"),
])
def test_malformed_rows_are_named_by_row_and_column(sqlite_db, tmp_path, change, column, message):
    path = tmp_path / "acled.csv"
    _write(path, [CLASH, {**BASE, **change}])
    cli = Cli(sqlite_db)
    before = query_rows(sqlite_db, "SELECT count(*) FROM events")
    result = cli("import", "acled", path)
    assert result.exit_code == 2
    assert f"{path}: row 3, column {column}: {message}" in result.stderr
    assert query_rows(sqlite_db, "SELECT count(*) FROM events") == before
    skipped = cli("import", "acled", path, "--skip-bad")
    assert skipped.exit_code == 0 and "1 created" in skipped.stderr and f"skipped {path}: row 3, column {column}" in skipped.stderr


def test_wrong_file_and_missing_columns(sqlite_db, tmp_path):
    path = tmp_path / "gdelt.csv"
    path.write_text("GlobalEventID\tSQLDATE\n1\t20241203\n")
    result = Cli(sqlite_db)("import", "acled", path)
    assert result.exit_code == 2
    assert f"{path}: row 1, column event_id_cnty, event_date, event_type, sub_event_type, actor1, country, timestamp: " \
           "missing required column(s): is this an ACLED export?" in result.stderr
    minimal = tmp_path / "minimal.csv"
    _write(minimal, [BASE], ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "country", "timestamp"))
    ok = Cli(sqlite_db)("import", "acled", minimal)
    assert ok.exit_code == 0 and "1 created" in ok.stderr


def test_a_reviewed_event_gets_the_datasets_newer_title_and_notes_as_a_fields_proposal(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    v1, v2, v3, v4 = (tmp_path / f"v{n}.csv" for n in (1, 2, 3, 4))
    _write(v1, [CLASH])
    assert cli("import", "acled", v1).exit_code == 0
    (event_id,) = query_rows(empty_db, "SELECT id FROM events WHERE external_id = 'KOR1002'")[0]
    assert cli("edit", str(event_id), "--title", "Border firefight at Paju", "--reason", "my title").exit_code == 0
    assert cli("review", "accept", str(event_id)).exit_code == 0
    # ACLED rewrites the notes: the analyst's values stay, the new notes are one open `fields` proposal
    # (the title the analyst rewrote is not offered back: the dataset did not change it)
    newer = {**CLASH, "notes": "Artillery fire crossed the border; two soldiers died.", "timestamp": "1733900000"}
    _write(v2, [newer])
    result = cli("import", "acled", v2)
    assert result.exit_code == 0, result.stderr
    assert "1 matched existing events (proposals to review)" in result.stderr
    assert query_rows(empty_db, f"SELECT title, description, review FROM events WHERE id = {event_id}") == \
        [("Border firefight at Paju", CLASH["notes"], "reviewed")]
    (pid, value), = query_rows(empty_db, f"SELECT id, value FROM proposals WHERE event_id = {event_id} AND kind = 'fields' AND status = 'open'")
    assert json.loads(value)["fields"] == {"description": newer["notes"]}
    assert json.loads(value)["was"] == {"description": CLASH["notes"]}
    listed = cli("review", "-f", "jsonl").stdout
    assert f"the dataset's newer description: {CLASH['notes']!r} -> {newer['notes']!r}" in listed
    # a later row with the same values opens no second proposal
    _write(v3, [{**newer, "timestamp": "1734000000"}])
    assert cli("import", "acled", v3).exit_code == 0
    assert query_rows(empty_db, f"SELECT count(*) FROM proposals WHERE event_id = {event_id} AND kind = 'fields'") == [(1,)]
    # accepted: applied as a revision, and undone
    accepted = cli("review", "accept", "--proposal", str(pid))
    assert accepted.exit_code == 0, accepted.stderr
    assert query_rows(empty_db, f"SELECT title, description FROM events WHERE id = {event_id}") == [("Border firefight at Paju", newer["notes"])]
    change = query_rows(empty_db, f"SELECT resolved_change_id FROM proposals WHERE id = {pid}")[0][0]
    assert cli("undo", str(change), "--reason", "keep mine").exit_code == 0
    assert query_rows(empty_db, f"SELECT description FROM events WHERE id = {event_id}") == [(CLASH["notes"],)]
    assert query_rows(empty_db, f"SELECT status FROM proposals WHERE id = {pid}") == [("open",)]
    # dismissed: nothing changes
    assert cli("review", "reject", "--proposal", str(pid), "--reason", "ACLED misreads it").exit_code == 0
    assert query_rows(empty_db, f"SELECT description, title FROM events WHERE id = {event_id}") == [(CLASH["notes"], "Border firefight at Paju")]
    # the dataset now changes the sub-event type: its new title is proposed; the dismissed notes are not offered again
    _write(v4, [{**newer, "sub_event_type": "Shelling/artillery/missile attack", "event_type": "Explosions/Remote violence",
                 "timestamp": "1734100000"}])
    assert cli("import", "acled", v4).exit_code == 0
    (value,), = query_rows(empty_db, f"SELECT value FROM proposals WHERE event_id = {event_id} AND kind = 'fields' AND status = 'open'")
    assert json.loads(value)["fields"] == {"title": "Shelling/artillery/missile attack: Military Forces of North Korea (2011-) v "
                                                     "Military Forces of South Korea (2022-) (Paju, South Korea)"}


def test_the_review_desk_shows_a_fields_proposal_and_accepts_it(empty_db, tmp_path):
    from tests.test_web import csrf_of, make_client

    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    _write(v1, [CLASH])
    assert cli("import", "acled", v1).exit_code == 0
    (event_id,), = query_rows(empty_db, "SELECT id FROM events WHERE external_id = 'KOR1002'")
    assert cli("review", "accept", str(event_id)).exit_code == 0
    _write(v2, [{**CLASH, "notes": "Artillery fire crossed the border.", "timestamp": "1733900000"}])
    assert cli("import", "acled", v2).exit_code == 0
    (pid,), = query_rows(empty_db, "SELECT id FROM proposals WHERE kind = 'fields'")
    client = make_client(empty_db)
    try:
        assert event_id in [q["id"] for q in client.get("/review.json").json()["queue"]]
        desk = client.get(f"/review?id={event_id}").text  # the review desk shows the event's panel
        page = client.get(f"/events/{event_id}").text
        assert "#%d fields: the dataset's newer values" % pid in desk
        assert "#%d fields: the dataset's newer values (acled KOR1002):" % pid in page
        assert f"<dt>description</dt><dd><del>{CLASH['notes']}</del> → <ins>Artillery fire crossed the border.</ins></dd>" in page
        assert f'action="/proposals/{pid}/resolve"' in page
        response = client.post(f"/proposals/{pid}/resolve", data={"csrf": csrf_of(page), "decision": "accept", "reason": "ACLED is right"},
                               follow_redirects=False)
        assert response.status_code == 303
    finally:
        client.database.close()
    assert query_rows(empty_db, f"SELECT description, review FROM events WHERE id = {event_id}") == [("Artillery fire crossed the border.", "reviewed")]
    assert query_rows(empty_db, f"SELECT status FROM proposals WHERE id = {pid}") == [("accepted",)]


def _unknown_proposal(db, name):
    rows = query_rows(db, "SELECT id, event_id, value FROM proposals WHERE kind = 'actors' AND status = 'open' ORDER BY id")
    return next((pid, event_id) for pid, event_id, value in rows if json.loads(value)["actors"][0][0] == name)


def test_accepting_an_unknown_actor_proposal_creates_the_actor_and_undo_takes_both_back(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / "acled.csv"
    _write(path, [BASE])
    assert cli("import", "acled", path).exit_code == 0
    pid, event_id = _unknown_proposal(empty_db, "Protesters (South Korea)")
    actors_before = query_rows(empty_db, "SELECT count(*) FROM actors")
    # a bad kind: one line, exit 2, nothing written
    bad = cli("review", "accept", "--proposal", str(pid), "--kind", "mob")
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines() == [
        "kpolicy: error: unknown actor kind 'mob'; use one of state, person, party, organ, agency, armed_force, media, international_organisation, alliance, group"]
    assert query_rows(empty_db, "SELECT count(*) FROM actors") == actors_before
    assert query_rows(empty_db, f"SELECT status FROM proposals WHERE id = {pid}") == [("open",)]
    accepted = cli("review", "accept", "--proposal", str(pid), "--kind", "group", "--reason", "a crowd we follow")
    assert accepted.exit_code == 0, accepted.stderr
    assert query_rows(empty_db, "SELECT kind, origin FROM actors WHERE name = 'Protesters (South Korea)'") == [("group", "analyst")]
    roles = query_rows(empty_db, f"SELECT a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = {event_id} ORDER BY 1")
    assert roles == [("Democratic Party of Korea", "initiator"), ("Protesters (South Korea)", "initiator")]
    change = query_rows(empty_db, f"SELECT resolved_change_id FROM proposals WHERE id = {pid}")[0][0]
    # the next import knows the name: no proposal for it
    later = tmp_path / "later.csv"
    _write(later, [{**BASE, "event_id_cnty": "KOR1009", "event_date": "2024-12-10", "assoc_actor_1": "", "timestamp": "1733900000"}])
    assert cli("import", "acled", later).exit_code == 0
    (other,), = query_rows(empty_db, "SELECT id FROM events WHERE external_id = 'KOR1009'")
    assert query_rows(empty_db, f"SELECT count(*) FROM proposals WHERE event_id = {other}") == [(0,)]
    assert cli("undo", str(query_rows(empty_db, "SELECT max(id) FROM changes")[0][0]), "--reason", "not yet").exit_code == 0
    # one undo takes back the naming and the actor
    undone = cli("undo", str(change), "--reason", "not an actor after all")
    assert undone.exit_code == 0, undone.stderr
    assert query_rows(empty_db, "SELECT count(*) FROM actors WHERE name = 'Protesters (South Korea)'") == [(0,)]
    assert query_rows(empty_db, "SELECT count(*) FROM actors") == actors_before
    assert query_rows(empty_db, f"SELECT count(*) FROM event_actors WHERE event_id = {event_id}") == [(1,)]
    assert query_rows(empty_db, f"SELECT status FROM proposals WHERE id = {pid}") == [("open",)]
    # --kind without a proposal is refused
    refused = cli("review", "accept", str(event_id), "--kind", "group")
    assert refused.exit_code == 2 and "give --proposal N with it" in refused.stderr


def test_the_review_desk_creates_an_unknown_actor(empty_db, tmp_path):
    from tests.test_web import csrf_of, make_client

    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    path = tmp_path / "acled.csv"
    _write(path, [BASE])
    assert cli("import", "acled", path).exit_code == 0
    pid, event_id = _unknown_proposal(empty_db, "Labour Union (South Korea)")
    client = make_client(empty_db)
    try:
        page = client.get(f"/review?id={event_id}").text
        assert "Create actor and accept" in page and '<option selected>group</option>' in page
        response = client.post(f"/proposals/{pid}/resolve", data={"csrf": csrf_of(page), "decision": "accept", "kind": "organ"},
                               follow_redirects=False)
        assert response.status_code == 303
    finally:
        client.database.close()
    assert query_rows(empty_db, "SELECT kind FROM actors WHERE name = 'Labour Union (South Korea)'") == [("organ",)]
    assert query_rows(empty_db, f"SELECT a.name FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = {event_id} "
                                "AND a.name = 'Labour Union (South Korea)'") == [("Labour Union (South Korea)",)]


def test_a_reimport_after_undo_creates_the_rows_again_but_not_what_acled_deleted(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    v1, gone = tmp_path / "v1.csv", tmp_path / "deleted.csv"
    _write(v1, [BASE, CLASH, LAUNCH])
    first = cli("import", "acled", v1)
    change = int(first.stderr.split("change ")[1].split(" ")[0])
    assert cli("undo", str(change), "--reason", "wrong year").exit_code == 0
    again = cli("import", "acled", v1)
    assert again.exit_code == 0, again.stderr
    assert "3 created" in again.stderr
    assert query_rows(empty_db, "SELECT external_id FROM events WHERE deleted_at IS NULL ORDER BY 1") == [("KOR1001",), ("KOR1002",), ("PRK1003",)]
    # ACLED's deletion list tombstones the live event; the same file again leaves it deleted
    gone.write_text("event_id_cnty,deleted_timestamp\nPRK1003,1733900000\n", encoding="utf-8")
    deleted = cli("import", "acled", v1, "--deleted", gone)
    assert "1 deleted" in deleted.stderr
    kept = cli("import", "acled", v1)
    assert "0 created" in kept.stderr and "nothing changed" in kept.stderr
    assert query_rows(empty_db, "SELECT count(*) FROM events WHERE external_id = 'PRK1003' AND deleted_at IS NULL") == [(0,)]
