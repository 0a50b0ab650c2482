"""kpolicy import gdelt: files written here from the GDELT 2.0 event and mentions codebooks (not copies
of GDELT data): every column read, CAMEO codes as text, the FIPS geography, the filters while reading,
mentions as sources, each malformation reported (both engines). Throughput is measured in the
benchmark (tools/benchlib/gdelt.py), not here."""

from __future__ import annotations

import json

import pytest
from conftest import Cli, query_rows

from kpolicy.imports.gdelt import COLUMNS, MENTION_COLUMNS


def event(**values) -> str:
    base = {c: "" for c in COLUMNS}
    base.update({
        "GlobalEventID": "1200000001", "Day": "20241203", "MonthYear": "202412", "Year": "2024", "FractionDate": "2024.9178",
        "Actor1Code": "PRKMIL", "Actor1Name": "NORTH KOREA", "Actor1CountryCode": "PRK", "Actor1Type1Code": "MIL",
        "Actor2Code": "KOR", "Actor2Name": "SOUTH KOREA", "Actor2CountryCode": "KOR",
        "IsRootEvent": "1", "EventCode": "042", "EventBaseCode": "042", "EventRootCode": "04", "QuadClass": "1",
        "GoldsteinScale": "1.9", "NumMentions": "10", "NumSources": "3", "NumArticles": "9", "AvgTone": "-2.5",
        "Actor1Geo_Type": "1", "Actor1Geo_FullName": "North Korea", "Actor1Geo_CountryCode": "KN",
        "Actor2Geo_Type": "1", "Actor2Geo_FullName": "South Korea", "Actor2Geo_CountryCode": "KS",
        "ActionGeo_Type": "4", "ActionGeo_FullName": "Panmunjom, Kyonggi-do, South Korea", "ActionGeo_CountryCode": "KS",
        "ActionGeo_ADM1Code": "KS13", "ActionGeo_Lat": "37.9560", "ActionGeo_Long": "126.6770", "ActionGeo_FeatureID": "-3218",
        "DATEADDED": "20241203120000", "SOURCEURL": "https://example.org/news/1",
        # the rest of the codebook's columns, so that every one is read
        "Actor1KnownGroupCode": "KPA", "Actor1EthnicCode": "kor", "Actor1Religion1Code": "NON", "Actor1Religion2Code": "NON",
        "Actor1Type2Code": "GOV", "Actor1Type3Code": "ELI", "Actor2KnownGroupCode": "ROKA", "Actor2EthnicCode": "kor",
        "Actor2Religion1Code": "CHR", "Actor2Religion2Code": "BUD", "Actor2Type1Code": "GOV", "Actor2Type2Code": "MIL",
        "Actor2Type3Code": "ELI", "Actor1Geo_ADM1Code": "KN12", "Actor1Geo_ADM2Code": "KN12-1", "Actor1Geo_Lat": "39.03",
        "Actor1Geo_Long": "125.75", "Actor1Geo_FeatureID": "-1", "Actor2Geo_ADM1Code": "KS11", "Actor2Geo_ADM2Code": "KS11-1",
        "Actor2Geo_Lat": "37.56", "Actor2Geo_Long": "126.99", "Actor2Geo_FeatureID": "-2", "ActionGeo_ADM2Code": "KS13-9",
    })
    base.update(values)
    return "\t".join(base[c] for c in COLUMNS)


def mention(event_id: str, outlet: str, url: str) -> str:
    values = {c: "" for c in MENTION_COLUMNS}
    values.update({"GlobalEventID": event_id, "EventTimeDate": "20241203120000", "MentionTimeDate": "20241203121500",
                   "MentionType": "1", "MentionSourceName": outlet, "MentionIdentifier": url, "SentenceID": "2",
                   "Confidence": "80", "MentionDocLen": "2500", "MentionDocTone": "-2.1"})
    return "\t".join(values[c] for c in MENTION_COLUMNS)


def test_events_and_mentions_every_column_read(empty_db, tmp_path):
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    events = tmp_path / "20241203.export.CSV"
    events.write_text("\n".join([
        event(),
        event(GlobalEventID="1200000002", EventCode="0571", EventBaseCode="057", EventRootCode="05", Actor1Code="RUS",
              Actor1Name="RUSSIA", Actor1CountryCode="RUS", Actor1Geo_CountryCode="RS", ActionGeo_CountryCode="KN",
              ActionGeo_FullName="Pyongyang, P'yongyang-si, North Korea", SOURCEURL="https://example.org/news/2"),
        event(GlobalEventID="1200000003", Actor1Code="USA", Actor1Name="UNITED STATES", Actor1CountryCode="USA",
              Actor2Code="JPN", Actor2Name="JAPAN", Actor2CountryCode="JPN", Actor1Geo_CountryCode="US",
              Actor2Geo_CountryCode="JA", ActionGeo_CountryCode="JA", ActionGeo_FullName="Tokyo, Japan"),  # filtered out
        event(GlobalEventID="1200000004", Day="20241115", ActionGeo_FullName="Kaesong, North Korea"),  # before the window
    ]) + "\n", encoding="utf-8")
    ments = tmp_path / "20241203.mentions.CSV"
    ments.write_text("\n".join([mention("1200000001", "yna.co.kr", "https://example.org/a"),
                                mention("1200000001", "koreaherald.com", "https://example.org/b"),
                                mention("1200000003", "japantimes.co.jp", "https://example.org/c")]) + "\n")
    result = cli("import", "gdelt", events, "--mentions", ments, "--country", "PRK,KOR", "--from", "2024-12")
    assert result.exit_code == 0, result.stderr
    assert "2 row(s) read: 2 created" in result.stderr and "2 further mention(s)" in result.stderr
    rows = query_rows(empty_db, "SELECT external_id, type, date, review, external_version, actor_names, external_data "
                           "FROM events ORDER BY external_id")
    assert [r[:6] for r in rows] == [
        # PRKMIL is the authority file's CAMEO code of the Korean People's Army: the most specific actor wins
        ("1200000001", "talks", "2024-12-03", "imported", "20241203120000", "Korean People's Army; South Korea"),
        ("1200000002", "agreement", "2024-12-03", "imported", "20241203120000", "Russia; South Korea"),
    ]
    data = json.loads(rows[0][6])
    filled = [c for c, v in zip(COLUMNS, event().split("\t")) if v and c not in ("GlobalEventID", "DATEADDED")]
    assert sorted(data) == sorted(filled) and len(filled) == 59  # every column of the codebook's 61 but the two stored apart
    assert data["EventCode"] == "042" and data["EventRootCode"] == "04"  # CAMEO codes as text: leading zeros kept
    assert (data["NumMentions"], data["NumSources"], data["NumArticles"], data["GoldsteinScale"]) == ("10", "3", "9", "1.9")
    assert query_rows(empty_db, "SELECT a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id "
                           "JOIN events e ON e.id = ea.event_id WHERE e.external_id = '1200000001' ORDER BY 1") == \
        [("Korean People's Army", "initiator"), ("South Korea", "target")]
    # FIPS KS -> ISO KOR for the new place; its coordinates kept
    assert query_rows(empty_db, "SELECT country, latitude, longitude FROM places WHERE name = 'Panmunjom, Kyonggi-do, South Korea'") == \
        [("KOR", 37.956, 126.677)]
    quotes = query_rows(empty_db, "SELECT m.quote FROM mentions m JOIN events e ON e.id = m.event_id WHERE e.external_id = '1200000001' ORDER BY m.id")
    assert quotes == [("https://example.org/news/1",), ("yna.co.kr: https://example.org/a",), ("koreaherald.com: https://example.org/b",)]
    again = cli("import", "gdelt", events, "--mentions", ments, "--country", "PRK,KOR", "--from", "2024-12")
    assert "nothing changed" in again.stderr
    assert query_rows(empty_db, "SELECT count(*) FROM mentions") == [(4,)]


@pytest.mark.parametrize("line, column, message", [
    (event(EventCode="13y"), "EventCode", "'13y' is not a CAMEO event code"),
    (event(Day="2024-12-03"), "Day", "'2024-12-03' is not a day (GDELT writes YYYYMMDD)"),
    (event(GlobalEventID="x1"), "GlobalEventID", "'x1' is not a GDELT event id"),
    ("\t".join(["1"] * 58), None, "58 tab-separated field(s), GDELT 2.0 events have 61 (GDELT 1.0 events have 57 or 58"),
])
def test_malformed_rows_are_reported(sqlite_db, tmp_path, line, column, message):
    path = tmp_path / "e.CSV"
    path.write_text(event(GlobalEventID="1") + "\n" + line + "\n", encoding="utf-8")
    cli = Cli(sqlite_db)
    result = cli("import", "gdelt", path)
    assert result.exit_code == 2
    where = f"row 2, column {column}" if column else "row 2"
    assert f"{path}: {where}: {message}" in result.stderr
    skipped = cli("import", "gdelt", path, "--skip-bad")
    assert skipped.exit_code == 0 and "1 created" in skipped.stderr and f"skipped {path}: {where}" in skipped.stderr


def test_encoding_error_named_with_its_column_and_a_wrong_file(sqlite_db, tmp_path):
    path = tmp_path / "e.CSV"
    path.write_bytes(event().encode().replace(b"NORTH KOREA", b"NORTH KOR\xe9A") + b"\n")
    result = Cli(sqlite_db)("import", "gdelt", path)
    assert result.exit_code == 2 and f"{path}: row 1, column Actor1Name: byte 0xe9 at character 10 is not UTF-8" in result.stderr
    acled = tmp_path / "acled.csv"
    acled.write_text("event_id_cnty,event_date\nKOR1,2024-12-03\n")
    result = Cli(sqlite_db)("import", "gdelt", acled)
    assert result.exit_code == 2
    assert f"{acled}: row 1: 1 tab-separated field(s), a GDELT 2.0 events file has 61; is it a GDELT 2.0 .export.CSV file?" in result.stderr


def test_a_line_over_a_mebibyte_is_skipped_without_reading_it_whole(sqlite_db, tmp_path):
    path = tmp_path / "e.CSV"
    with open(path, "w") as f:
        f.write(event(GlobalEventID="1") + "\n" + "x" * (3 << 20) + "\n" + event(GlobalEventID="2") + "\n")
    result = Cli(sqlite_db)("import", "gdelt", path, "--skip-bad")
    assert result.exit_code == 0, result.stderr
    assert f"skipped {path}: row 2: the row is longer than 1,048,576 bytes (1 MiB)" in result.stderr
    assert "2 row(s) read: 2 created" in result.stderr
