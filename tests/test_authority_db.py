"""The authority file in the database: `kpolicy actors add|edit|alias|merge|term|export|import`,
`kpolicy places add|edit|alias`, every identifier in --actor, the next ingest using the
analyst's actors, undo, and bad input refused in one line with the database unchanged."""

from __future__ import annotations

import json

import pytest
from robustness_helpers import row_counts

ARTICLE = """---
title: A new envoy
published: 2023-03-02
---
On March 1, 2023, North Korea's Ri Chang-ho met Chinese officials in Beijing, Yonhap said.
"""


def _actors(cli) -> dict:
    result = cli("actors", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {a["name"]: a for a in json.loads(result.stdout)}


def test_actors_json_lists_ids_codes_offices_and_aliases(cli):
    actors = _actors(cli)
    assert actors["North Korea"]["wikidata"] == "Q423" and actors["North Korea"]["cameo"] == "PRK"
    assert "김정은" in actors["Kim Jong-un"]["aliases"] and actors["Kim Jong-un"]["native"] == "김정은"
    assert {"office": "President of South Korea", "from": "2017-05-10", "to": "2022-05-09", "acting": False} in actors["Moon Jae-in"]["offices"]
    assert {"office": "President of South Korea", "from": "2024-12-27", "to": "2025-03-23", "acting": True} in actors["Choi Sang-mok"]["offices"]


@pytest.mark.parametrize("identifier", ["Q423", "PRK", "North Korea", "DPRK", "조선민주주의인민공화국"])
def test_actor_takes_every_kind_of_identifier(cli, identifier):
    by_name = cli("events", "--actor", "North Korea", "--format", "csv")
    result = cli("events", "--actor", identifier, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == by_name.stdout and result.stdout.count("\n") > 5


def test_actor_by_person_ids_and_codes(cli):
    assert cli("events", "--actor", "Q56226", "--format", "csv").stdout == cli("events", "--actor", "Kim Jong Un", "--format", "csv").stdout
    assert cli("events", "--actor", "김정은", "--format", "csv").stdout == cli("events", "--actor", "Kim Jong-un", "--format", "csv").stdout
    assert cli("events", "--actor", "PRKMIL", "--format", "csv").exit_code == 0
    shared = cli("events", "--actor", "KORMIL")
    assert shared.exit_code == 2 and "shared by" in shared.stderr and shared.stderr.count("\n") == 1


def test_add_then_ingest_finds_the_new_actor_and_undo_removes_it(cli, tmp_path):
    article = tmp_path / "envoy.md"
    article.write_text(ARTICLE, encoding="utf-8")
    added = cli("actors", "add", "Ri Chang-ho", "--kind", "person", "--parent", "North Korea", "--alias", "Ri Chang Ho",
                "--reason", "new envoy")
    assert added.exit_code == 0, added.stderr
    change = int(added.stderr.split("change ")[1].split(";")[0])
    assert cli("ingest", str(article)).exit_code == 0
    found = cli("events", "--actor", "Ri Chang Ho", "--format", "json")
    assert found.exit_code == 0, found.stderr
    assert any("Ri Chang-ho" in e["actors"] for e in json.loads(found.stdout))
    assert cli("sources", "remove", "envoy", "--reason", "test").exit_code == 0
    undone = cli("undo", str(change), "--reason", "test")
    assert undone.exit_code == 0, undone.stderr
    gone = cli("events", "--actor", "Ri Chang-ho")
    assert gone.exit_code == 2 and "unknown actor" in gone.stderr
    assert "Ri Chang-ho" not in _actors(cli)


def test_places_add_alias_edit_and_use_in_an_edit(cli):
    assert cli("places", "add", "Camp David", "--country", "USA", "--lat", "39.648", "--lon=-77.465",
               "--alias", "the Camp David retreat").exit_code == 0
    assert cli("places", "alias", "Camp David", "Naval Support Facility Thurmont").exit_code == 0
    assert cli("places", "edit", "naval support facility thurmont", "--lat", "39.6483").exit_code == 0
    rows = {p["name"]: p for p in json.loads(cli("places", "--format", "json").stdout)}
    assert rows["Camp David"]["latitude"] == 39.6483 and rows["Camp David"]["longitude"] == -77.465
    assert set(rows["Camp David"]["aliases"]) == {"the Camp David retreat", "Naval Support Facility Thurmont"}
    assert rows["Panmunjom"]["wikidata"] is None and "the truce village" in rows["Panmunjom"]["aliases"]
    assert rows["Osaka"]["country"] == "JPN"
    edited = cli("edit", "1", "--place", "the Camp David retreat", "--reason", "test")
    assert edited.exit_code == 0, edited.stderr


def test_term_edit_alias_merge_and_undo(cli):
    assert cli("actors", "term", "President of the Korea Institute for National Unification", "Kim Yeon-chul", "--from",
               "2017-02-01", "--to", "2019-04-07", "--state", "South Korea").exit_code == 0
    assert cli("actors", "edit", "Kim Yeon-chul", "--native", "김연철").exit_code == 0
    assert cli("actors", "alias", "Kim Yeon-chul", "Kim Yon-chol").exit_code == 0
    assert cli("actors", "add", "Kim Yon Chol", "--kind", "person", "--parent", "South Korea").exit_code == 0
    merged = cli("actors", "merge", "Kim Yon Chol", "Kim Yeon-chul")
    assert merged.exit_code == 0, merged.stderr
    actors = _actors(cli)
    assert "Kim Yon Chol" not in actors and "Kim Yon Chol" in actors["Kim Yeon-chul"]["aliases"]
    assert {o["office"] for o in actors["Kim Yeon-chul"]["offices"]} == {
        "Unification Minister of South Korea", "President of the Korea Institute for National Unification"}
    change = int(merged.stderr.split("change ")[1].split(";")[0])
    assert cli("undo", str(change), "--reason", "two people after all").exit_code == 0
    assert "Kim Yon Chol" in _actors(cli)


def test_export_then_import_into_another_database(cli, tmp_path, empty_db):
    from conftest import Cli

    assert cli("actors", "add", "Ri Chang-ho", "--kind", "person", "--parent", "North Korea", "--alias", "Ri Chang Ho").exit_code == 0
    out = tmp_path / "team.yaml"
    assert cli("actors", "export", "-o", str(out)).exit_code == 0
    other = Cli(empty_db)
    assert other("init").exit_code == 0
    imported = other("actors", "import", str(out), "--reason", "shared")
    assert imported.exit_code == 0, imported.stderr
    assert "Ri Chang Ho" in _actors(other)["Ri Chang-ho"]["aliases"]
    csv_out = tmp_path / "team.csv"
    assert cli("actors", "export", "--format", "csv", "-o", str(csv_out)).exit_code == 0
    assert csv_out.read_text(encoding="utf-8").splitlines()[0] == "name,kind,parent,iso3,wikidata,cameo,native,born,died,aliases"


BAD = [
    (["actors", "add", "Kim Jong-un II", "--kind", "person", "--wikidata", "Q56226"], "Q56226 is already Kim Jong-un's"),
    (["actors", "add", "Somebody", "--kind", "person", "--alias", "Kim Jong Un"], "already Kim Jong-un's"),
    (["actors", "add", "Somebody", "--kind", "person", "--parent", "Atlantis"], "unknown parent 'Atlantis'"),
    (["actors", "add", " \t ", "--kind", "person"], "not a name"),
    (["actors", "add", "Kim\x1b[31m", "--kind", "person"], "not a name"),
    (["actors", "term", "President of South Korea", "Kim Yo-jong", "--from", "2019-01-01", "--to", "2019-12-31"],
     "overlaps Moon Jae-in's"),
    (["places", "add", "Nowhere", "--lat", "123", "--lon", "0"], "out of range"),
    # each bad-input case of issue 20, for every command that takes it
    (["actors", "add", "north korea", "--kind", "state"], "'north korea' is already an actor's name or alias"),
    (["actors", "add", "Somebody", "--kind", "person", "--alias", "\t\n"], "not a name"),
    (["actors", "alias", "Kim Yo-jong", "Kim Jong Un"], "already Kim Jong-un's"),
    (["actors", "alias", "Kim Yo-jong", "  "], "not a name"),
    (["actors", "alias", "Kim Yo-jong", "Kim\u200bYo"], "not a name"),
    (["actors", "alias", "Atlantis", "Atlantis Republic"], "unknown actor 'Atlantis'"),
    (["actors", "edit", "Kim Yo-jong", "--parent", "Atlantis"], "unknown parent 'Atlantis'"),
    (["actors", "edit", "Kim Yo-jong", "--wikidata", "Q56226"], "Q56226 is already Kim Jong-un's"),
    (["actors", "term", "President of South Korea", "Atlantis", "--from", "2030-01-01"], "unknown actor 'Atlantis'"),
    (["actors", "term", "Envoy to Atlantis", "Kim Yo-jong", "--from", "2020-01-01", "--state", "Atlantis"], "unknown actor 'Atlantis'"),
    (["actors", "term", " \x07", "Kim Yo-jong", "--from", "2020-01-01", "--state", "North Korea"], "not a name"),
    (["actors", "term", "President of South Korea", "Kim Yo-jong", "--from", "2022-05-01"], "overlaps"),
]


@pytest.mark.parametrize("args, words", BAD)
def test_bad_input_is_one_line_exit_2_database_unchanged(cli, db, args, words):
    before = row_counts(db)
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert words in result.stderr and result.stderr.count("\n") == 1
    assert row_counts(db) == before


GOOD_ENTRY = "  - {name: Ri Chang-ho, kind: person, parent: North Korea, aliases: [Ri Chang Ho]}\n"
BAD_IMPORTS = [  # (the file after one good actor, words of the one-line refusal)
    ("  - {name: Somebody, kind: person, wikidata: Q423}\n", "Q423 is already North Korea's"),
    ("  - {name: Ri Chang-ho, kind: person}\n  - {name: Ri Chang-ho II, kind: person, wikidata: Q56226}\n", "Q56226 is already"),
    ("  - {name: Somebody, kind: person, aliases: [Kim Jong Un]}\n", "already Kim Jong-un's"),
    ("  - {name: Somebody, kind: person, aliases: [Ri Chang Ho]}\n", "already Ri Chang-ho's"),  # an alias the same file gave
    ("  - {name: Kim Yo-jong, aliases: [Moon Jae-in]}\n", "already Moon Jae-in's"),  # an existing actor's new alias
    ("  - {name: Somebody, kind: person, parent: Atlantis}\n", "unknown parent 'Atlantis'"),
    ("  - {name: \" \\t \", kind: person}\n", "not a name"),
    ("  - {name: \"Some\\x1bbody\", kind: person}\n", "not a name"),
    ("  - {name: Somebody, kind: person, aliases: [\"\\x00\"]}\n", "not a name"),
    ("offices:\n  - {name: President of South Korea, state: South Korea, holders: [{actor: Ri Chang-ho, from: 2018-01-01}]}\n",
     "overlaps Moon Jae-in's"),
    ("offices:\n  - {name: President of South Korea, holders: [{actor: Ri Chang-ho, from: soon}]}\n", "not a YYYY-MM-DD date"),
    ("offices:\n  - {name: President of South Korea, holders: [{actor: Atlantis, from: 2030-01-01}]}\n", "unknown actor 'Atlantis'"),
    ("places:\n  - {name: \"  \", lat: 1, lon: 1}\n", "not a name"),
    ("  - {name: Somebody, kind: person, aliases: Some Body}\n", "the aliases of 'Somebody' are a list"),
]


@pytest.mark.parametrize("rest, words", BAD_IMPORTS)
def test_an_import_with_one_bad_entry_writes_nothing_and_names_it_in_one_line(cli, db, tmp_path, rest, words):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n" + GOOD_ENTRY + rest, encoding="utf-8")
    before = row_counts(db)
    result = cli("actors", "import", str(bad))
    assert result.exit_code == 2, (result.stderr, result.exception)
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert row_counts(db) == before
    assert "Ri Chang-ho" not in _actors(cli)


def test_a_csv_import_with_one_bad_row_writes_nothing(cli, db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind,parent,aliases\nRi Chang-ho,person,North Korea,Ri Chang Ho\nSomebody,person,,Kim Jong Un; Some Body\n",
                   encoding="utf-8")
    before = row_counts(db)
    result = cli("actors", "import", str(bad))
    assert result.exit_code == 2 and "'Somebody'" in result.stderr and "already Kim Jong-un's" in result.stderr
    assert result.stderr.count("\n") == 1 and row_counts(db) == before


def test_import_is_all_or_nothing(cli, db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  - {name: Ri Chang-ho, kind: person, parent: North Korea}\n"
                   "  - {name: Somebody, kind: person, wikidata: Q423}\n", encoding="utf-8")
    before = row_counts(db)
    result = cli("actors", "import", str(bad))
    assert result.exit_code == 2 and "'Somebody'" in result.stderr and "Q423" in result.stderr
    assert row_counts(db) == before
    assert "Ri Chang-ho" not in _actors(cli)


def test_an_armed_force_is_a_kind_of_its_own(cli):
    actors = _actors(cli)
    assert actors["Korean People's Army"]["kind"] == "armed_force" and actors["Korean People's Army"]["cameo"] == "PRKMIL"
    assert {actors[n]["kind"] for n in ("US Forces Korea", "Republic of Korea Armed Forces", "Japan Self-Defense Forces")} == {"armed_force"}
    added = cli("actors", "add", "KPA Strategic Force", "--kind", "armed force", "--parent", "Korean People's Army",
                "--alias", "Strategic Force", "--reason", "missile command")
    assert added.exit_code == 0, added.stderr
    assert _actors(cli)["KPA Strategic Force"]["kind"] == "armed_force"
    change = int(added.stderr.split("change ")[1].split(";")[0])
    assert cli("undo", str(change), "--reason", "test").exit_code == 0
    assert "KPA Strategic Force" not in _actors(cli)
    bad = cli("actors", "add", "Militia", "--kind", "armed forces")
    assert bad.exit_code == 2 and "unknown kind 'armed_forces'" in bad.stderr and "armed_force" in bad.stderr


STRANGER = """---
title: A new face in Hanoi
published: 2023-03-02
---
On March 1, 2023, North Korean Vice Foreign Minister Pak Myong-ho met Vietnamese officials in Hanoi, KCNA said.
"""


def test_an_unknown_name_in_an_article_becomes_a_proposal_to_add_it(cli, db, tmp_path):
    from conftest import query_rows

    article = tmp_path / "hanoi.md"
    article.write_text(STRANGER, encoding="utf-8")
    assert cli("ingest", str(article)).exit_code == 0
    rows = [(pid, event_id, json.loads(value)) for pid, event_id, value in
            query_rows(db, "SELECT id, event_id, value FROM proposals WHERE kind = 'actors' AND status = 'open' ORDER BY id")]
    mine = [(pid, event_id, v) for pid, event_id, v in rows if v["actors"][0][0] == "Pak Myong-ho"]
    assert len(mine) == 1, rows
    pid, event_id, value = mine[0]
    assert value["unknown"] is True and value["kind"] == "person" and "Pak Myong-ho" in value["quote"]
    # the review queue lists it; the event is not given a guessed actor
    queue = cli("review", "--format", "json")
    assert queue.exit_code == 0 and any(r.get("proposal") == pid for r in json.loads(queue.stdout)), queue.stdout
    names = {r[0] for r in query_rows(db, f"SELECT a.name FROM event_actors ea JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = {event_id}")}
    assert "Pak Myong-ho" not in names and "North Korea" in names
    # accepting creates the person and names them on the event, in one change that one undo takes back
    accepted = cli("review", "accept", "--proposal", str(pid), "--reason", "the new vice minister")
    assert accepted.exit_code == 0, accepted.stderr
    assert query_rows(db, "SELECT kind, origin FROM actors WHERE name = 'Pak Myong-ho'") == [("person", "analyst")]
    change = query_rows(db, f"SELECT resolved_change_id FROM proposals WHERE id = {pid}")[0][0]
    assert cli("undo", str(change), "--reason", "not yet").exit_code == 0
    assert query_rows(db, "SELECT count(*) FROM actors WHERE name = 'Pak Myong-ho'") == [(0,)]
    assert query_rows(db, f"SELECT status FROM proposals WHERE id = {pid}") == [("open",)]
