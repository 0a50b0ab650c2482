"""Stories: blocks over events, every edit a change that `undo` reverts, frozen stories that
never change under their reader, and exports (Markdown, HTML, DOCX...) whose every event
line carries its footnoted sources. Every test that takes `db` runs on both engines."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
import sqlalchemy as sa
from conftest import Cli

from kpolicy.store.bootstrap import open_database

STORY = "plenum-2019"
SEEDED = "changes-in-north-koreas-policy"


def sql(db: str, statement: str, **params):
    database = open_database(db, create=False)
    try:
        with database.reading() as conn:
            return conn.execute(sa.text(statement), params).all()
    finally:
        database.close()


def snapshot(db: str) -> tuple:
    """Everything a story command could write."""
    return (sql(db, "SELECT * FROM stories ORDER BY id"), sql(db, "SELECT * FROM story_blocks ORDER BY id"),
            sql(db, "SELECT count(*) FROM changes"), sql(db, "SELECT count(*) FROM revisions"),
            sql(db, "SELECT id, version, title FROM events ORDER BY id"))


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def bad(cli, *args, input=None):
    """A refused command: one line naming the problem, exit 2, nothing changed."""
    before = snapshot(cli.db)
    result = cli(*args, input=input)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpolicy: error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(cli.db) == before
    return lines[0]


def build(cli):
    """The story of the brief: three events and a paragraph citing one of them."""
    ok(cli("story", "new", STORY, "--title", "The December 2019 plenum", "--author", "A. Analyst"))
    ok(cli("story", "add", STORY, "--heading", "What the plenum decided"))
    ok(cli("story", "add", STORY, "--event", "12"))
    ok(cli("story", "add", STORY, "--event", "17"))
    ok(cli("story", "add", STORY, "--event", "19"))
    ok(cli("story", "add", STORY, "--text", "The plenum [#12] dropped the test moratorium [#17]."))


def events_of(db: str, ids) -> dict[int, dict]:
    database = open_database(db, create=False)
    try:
        from kpolicy import query

        with database.reading() as conn:
            return {i: query.get_event(conn, i) for i in ids}
    finally:
        database.close()


def docx_parts(data: bytes):
    """A DOCX read back with python-docx: (document, [(style, text) of each paragraph], {footnote id: text})."""
    import docx
    from lxml import etree

    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    notes = {}
    for part in document.part.package.iter_parts():
        if part.partname == "/word/footnotes.xml":
            w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
            for fn in etree.fromstring(part.blob).iter(w + "footnote"):
                notes[int(fn.get(w + "id"))] = "".join(t.text or "" for t in fn.iter(w + "t"))
    return document, paragraphs, notes


def docx_text(data: bytes) -> str:
    _, paragraphs, notes = docx_parts(data)
    return "\n".join(t for _, t in paragraphs) + "\n" + "\n".join(notes.values())


def unmd(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# ---- building and reading --------------------------------------------------------------------

def test_build_show_and_move(cli):
    build(cli)
    shown = ok(cli("story", "show", STORY)).stdout
    assert shown.splitlines()[0] == "The December 2019 plenum  [plenum-2019, version 6]"
    assert "  2  event    #12  28–31 December 2019  WPK Central Committee plenum" in shown
    assert "  4  event    #19  from February 2020  Expected: Display of the new strategic weapon" in shown
    ok(cli("story", "move", STORY, "5", "--to", "1"))
    ok(cli("story", "add", STORY, "--event", "3", "--after", "0"))
    data = json.loads(ok(cli("story", "show", STORY, "--format", "json")).stdout)
    kinds = [(b["kind"], (b.get("event") or {}).get("id")) for b in data["blocks"]]
    assert kinds == [("event", 3), ("text", None), ("heading", None), ("event", 12), ("event", 17), ("event", 19)]
    assert [e["id"] for e in data["blocks"][1]["cites"]] == [12, 17]
    listed = ok(cli("story", "list", "--format", "json")).stdout
    assert {r["slug"]: r["blocks"] for r in json.loads(listed)}[STORY] == 6


def test_every_edit_is_a_change_that_undo_reverts(cli):
    build(cli)
    before = ok(cli("story", "show", STORY, "--format", "json")).stdout
    ok(cli("story", "move", STORY, "4", "--to", "2"))
    ok(cli("story", "remove", STORY, "1"))
    ok(cli("story", "edit", STORY, "4", "--text", "Rewritten [#19]."))
    changes = [r[0] for r in sql(cli.db, "SELECT id FROM changes WHERE action LIKE 'story%' ORDER BY id")]
    assert len(changes) == 10  # the seeded story (change 2), new, five adds, move, remove, edit
    for change in reversed(changes[-3:]):
        ok(cli("undo", str(change), "--reason", "back"))
    after = json.loads(ok(cli("story", "show", STORY, "--format", "json")).stdout)
    expected = json.loads(before)
    assert after["blocks"] == expected["blocks"]
    assert after["version"] == expected["version"] + 6
    # an older change that a later one built on is refused until that one is undone
    line = bad(cli, "undo", str(changes[-5]), "--reason", "x")
    assert "was changed again after change" in line


def test_undo_of_creation_and_its_undo(cli):
    ok(cli("story", "new", STORY, "--title", "T"))
    change = sql(cli.db, "SELECT max(id) FROM changes")[0][0]
    ok(cli("undo", str(change), "--reason", "not needed"))
    assert "was removed" in bad(cli, "story", "show", STORY)
    assert "exists already" in bad(cli, "story", "new", STORY, "--title", "T")
    undo = sql(cli.db, "SELECT max(id) FROM changes")[0][0]
    ok(cli("undo", str(undo), "--reason", "needed after all"))
    assert ok(cli("story", "show", STORY)).stdout.startswith("T  [plenum-2019, version 3]")


# ---- exports read back -------------------------------------------------------------------------

def _check_lines(text: str, events: dict[int, dict]):
    from kpolicy.dates import analyst_date

    for event_id, ev in events.items():
        assert analyst_date(ev["date"]) in text, (event_id, analyst_date(ev["date"]))
        assert ev["title"] in text, ev["title"]
        for mention in ev["mentions"]:
            assert mention["quote"] in text, mention["quote"]
        assert "pism.pl/publications/Changes_in_North_Koreas_Policy" in text
        assert "Polish Institute of International Affairs" in text and "5 February 2020" in text


def test_markdown_and_html_carry_every_event_with_footnotes(cli, tmp_path):
    build(cli)
    events = events_of(cli.db, [12, 17, 19])
    ok(cli("story", "export", STORY, "-o", tmp_path / "s.md"))
    text = (tmp_path / "s.md").read_text(encoding="utf-8")
    _check_lines(unmd(text), events)
    assert "- **28–31 December 2019** — WPK Central Committee plenum (5th plenary meeting of the 7th CC)[^1]" in text
    assert "Expected: Display of the new strategic weapon" in text
    assert "The plenum[^1] dropped the test moratorium[^2]." in text
    notes = re.findall(r"^\[\^(\d+)\]: (.*)$", text, re.M)
    assert [int(n) for n, _ in notes] == list(range(1, len(notes) + 1))
    assert len(notes) == sum(len(e["mentions"]) for e in events.values())
    ok(cli("story", "export", STORY, "--format", "html", "-o", tmp_path / "s.html"))
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    import html as html_lib
    from html.parser import HTMLParser

    class Text(HTMLParser):
        parts: list[str] = []

        def handle_data(self, data):
            self.parts.append(data)

    reader = Text()
    reader.parts = []
    reader.feed(page)
    _check_lines(html_lib.unescape("".join(reader.parts)), events)
    assert "<script" not in page and 'src="' not in page and "<link" not in page  # self-contained, no script
    assert 'href="#fn-1" id="fnref-1"' in page and '<li id="fn-1">' in page


def test_fuzzy_dates_as_an_analyst_writes_them():
    from kpolicy.dates import analyst_date

    assert analyst_date("2019-12-21/2019-12-31") == "late December 2019"
    assert analyst_date("2019-12-28/2019-12-31") == "28–31 December 2019"
    assert analyst_date("2020-02/..") == "from February 2020"
    assert analyst_date("2019-12-01/2019-12-10") == "early December 2019"
    assert analyst_date("2019-12-11/2019-12-20") == "mid-December 2019"
    assert analyst_date("2020-03/2020-04") == "March–April 2020"
    assert analyst_date("2019-12-28/2020-01-01") == "28 December 2019 – 1 January 2020"
    assert analyst_date("2020-01-01") == "1 January 2020"
    assert analyst_date("../2019") == "until 2019"
    assert analyst_date("2019?") == "probably 2019"
    assert analyst_date("2020-21") == "spring 2020"
    assert analyst_date(None) == "undated"


# ---- frozen and live ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_a_frozen_story_never_changes_and_a_live_one_shows_the_edit(cli, tmp_path, fmt):
    build(cli)
    ok(cli("story", "new", "live", "--title", "Live"))
    ok(cli("story", "add", "live", "--event", "12"))
    ok(cli("story", "edit", STORY, "--as-of", "latest", "--reason", "published"))
    frozen_before = ok(cli("story", "export", STORY, "--format", fmt)).stdout_bytes
    live_before = ok(cli("story", "export", "live", "--format", fmt)).stdout_bytes
    ok(cli("edit", "12", "--title", "Fifth plenum of the Seventh Central Committee", "--date", "2019-12-21/2019-12-31",
           "--reason", "KCNA's wording"))
    assert ok(cli("story", "export", STORY, "--format", fmt)).stdout_bytes == frozen_before
    live_after = ok(cli("story", "export", "live", "--format", fmt)).stdout_bytes
    assert live_after != live_before
    live_text = docx_text(live_after) if fmt == "docx" else live_after.decode()
    assert "Fifth plenum of the Seventh Central Committee" in live_text and "late December 2019" in live_text
    shown = ok(cli("story", "show", STORY)).stdout
    assert "! event #12 changed since the story was frozen at change" in shown
    assert "frozen at change" in bad(cli, "story", "add", STORY, "--event", "3")
    ok(cli("story", "edit", STORY, "--unfreeze"))
    unfrozen = ok(cli("story", "export", STORY, "--format", fmt)).stdout_bytes
    assert "Fifth plenum" in (docx_text(unfrozen) if fmt == "docx" else unfrozen.decode())


def test_deleted_and_merged_events_are_shown_never_fail(cli):
    build(cli)
    ok(cli("delete", "17", "--reason", "duplicate"))
    ok(cli("merge", "12", "2", "--reason", "same decision"))
    text = ok(cli("story", "export", STORY)).stdout
    assert "North Korea no longer feels bound by the nuclear and ICBM test moratorium (deleted from the database on" in unmd(text)
    assert "its last version is shown" in text
    assert "North Korea does not feel obliged to comply with the moratorium" in text  # its footnote survives
    shown = ok(cli("story", "show", STORY)).stdout
    assert "! event #17 was deleted" in shown
    ok(cli("story", "export", STORY, "--format", "html"))


def test_merged_event_warns_and_split_warns(cli):
    ok(cli("story", "new", STORY, "--title", "T"))
    ok(cli("story", "add", STORY, "--event", "2"))
    ok(cli("story", "add", STORY, "--event", "1"))
    ok(cli("merge", "12", "2", "--reason", "same"))
    mentions = [r[0] for r in sql(cli.db, "SELECT id FROM mentions WHERE event_id = 1 ORDER BY id")]
    ok(cli("split", "1", "--mention", str(mentions[-1]), "--reason", "another statement"))
    shown = ok(cli("story", "show", STORY)).stdout
    assert "! event #2 was merged into #12" in shown
    assert "! event #1 was split (change" in shown
    text = ok(cli("story", "export", STORY)).stdout
    assert "merged into event #12; its last version is shown" in text


# ---- bad input: one line, exit 2, nothing changed -----------------------------------------------

def test_bad_input(cli, tmp_path):
    build(cli)
    assert "no event with id 99999" in bad(cli, "story", "add", STORY, "--event", "99999")
    assert "no event with id 4242" in bad(cli, "story", "add", STORY, "--text", "see [#4242]")
    assert "no story 'plenum-2091'" in bad(cli, "story", "add", "plenum-2091", "--event", "1")
    assert "not one of its options" in bad(cli, "story", "add", STORY, "--query", "--colour red")
    assert "unknown actor 'Atlantis'" in bad(cli, "story", "add", STORY, "--query", "--actor Atlantis")
    assert "no block 9" in bad(cli, "story", "move", STORY, "9", "--to", "1")
    assert "not a slug" in bad(cli, "story", "new", "Bad Name", "--title", "x")
    assert "--as-of 99999" in bad(cli, "story", "edit", STORY, "--as-of", "99999")
    huge = "Pyongyang " * 300_000  # 3 MB
    assert "over the 20,000 a story block holds" in bad(cli, "story", "add", STORY, "--text-file", "-", input=huge)
    big = tmp_path / "big.txt"
    big.write_text(huge, encoding="utf-8")
    assert "over the 20,000" in bad(cli, "story", "add", STORY, "--text-file", big)
    assert "give one of" in bad(cli, "story", "add", STORY, "--event", "1", "--text", "x")


def test_a_cycle_of_saved_queries_is_refused(cli):
    ok(cli("story", "new", "a", "--title", "A"))
    ok(cli("story", "new", "b", "--title", "B"))
    ok(cli("story", "new", "c", "--title", "C"))
    ok(cli("story", "add", "a", "--event", "12"))
    ok(cli("story", "add", "b", "--query", "--story a"))
    ok(cli("story", "add", "c", "--query", "--story b --type plenum"))
    line = bad(cli, "story", "add", "a", "--query", "--story c")
    assert "a cycle of saved queries" in line and "a -> c -> b -> a" in line
    assert "a cycle" in bad(cli, "story", "add", "a", "--query", "--story a")
    data = json.loads(ok(cli("story", "show", "c", "--format", "json")).stdout)
    assert [e["id"] for e in data["blocks"][0]["events"]] == [12]


def test_story_text_is_escaped_in_html_and_markdown(cli):
    ok(cli("story", "new", STORY, "--title", "<img src=x onerror=alert(1)>"))
    ok(cli("story", "add", STORY, "--heading", "</h2><script>alert('h')</script>"))
    ok(cli("story", "add", STORY, "--text", "<script>alert(1)</script> & [link](javascript:alert(2)) \x1b[31m\u202e [#12]"))
    page = ok(cli("story", "export", STORY, "--format", "html")).stdout
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page and "&lt;/h2&gt;&lt;script&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page
    text = ok(cli("story", "export", STORY)).stdout
    assert "\\<script\\>" in text and "\\[link\\](javascript:alert(2))" in text and "\x1b" not in text


def test_saved_query_options_are_those_of_kpolicy_events():
    """The saved query takes exactly `kpolicy events`' filter options (names and short forms)."""
    import typer.main

    from kpolicy.cli import app
    from kpolicy.cli.options import _FILTERS  # noqa: F401  (the decorator's list: the source of both)
    from kpolicy.filters import FILTER_OPTIONS

    command = typer.main.get_command(app).commands["events"]
    params = {p.name: sorted(p.opts) for p in command.params}
    from kpolicy.cli.options import _FILTERS as filters

    expected = sorted(tuple(params[name]) for name, *_ in filters)
    assert sorted(tuple(sorted(flags)) for flags, _, _ in FILTER_OPTIONS) == expected


def test_seeded_story_covers_the_31_events(cli, tmp_path):
    data = json.loads(ok(cli("story", "show", SEEDED, "--format", "json")).stdout)
    ids = set()
    for blk in data["blocks"]:
        if blk.get("event"):
            ids.add(blk["event"]["id"])
        ids |= {e["id"] for e in blk.get("cites", []) + blk.get("events", [])}
    assert ids == set(range(1, 32))
    assert all(not blk["warnings"] for blk in data["blocks"])
    text = ok(cli("story", "export", SEEDED)).stdout
    assert text.startswith("# North Korea after the December 2019 plenum")
    _check_lines(unmd(text), events_of(cli.db, range(1, 32)))
    # the file's saved queries read as `kpolicy story add --query` would take them
    from kpolicy.filters import parse_filter_text
    from kpolicy.store.stories import bundled_story_paths, load_bundled

    for path in bundled_story_paths():
        for blk in load_bundled(path)["blocks"]:
            if "query" in blk:
                parse_filter_text(blk["query"])


def test_docx_has_real_footnotes_and_the_documents_styles(cli, tmp_path):
    build(cli)
    events = events_of(cli.db, [12, 17, 19])
    ok(cli("story", "export", STORY, "--format", "docx", "-o", tmp_path / "s.docx"))
    document, paragraphs, notes = docx_parts((tmp_path / "s.docx").read_bytes())
    assert paragraphs[0] == ("Title", "The December 2019 plenum")
    assert ("Heading 1", "What the plenum decided") in paragraphs
    bullets = [t for style, t in paragraphs if style == "List Bullet"]
    assert bullets[0] == "28–31 December 2019 — WPK Central Committee plenum (5th plenary meeting of the 7th CC)"
    assert bullets[2].startswith("from February 2020 — Expected: Display of the new strategic weapon")
    # every reference in the body is a w:footnoteReference to a footnote that exists, and back
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    refs = [int(r.get(w + "id")) for r in document.element.body.iter(w + "footnoteReference")]
    real = {k: v for k, v in notes.items() if k > 0}
    assert set(refs) == set(real) and len(real) == sum(len(e["mentions"]) for e in events.values())
    _check_lines(docx_text((tmp_path / "s.docx").read_bytes()), events)
    for ev in events.values():
        for mention in ev["mentions"]:
            assert any(mention["quote"] in text for text in real.values())
    assert document.core_properties.title == "The December 2019 plenum"
    assert document.styles["Footnote Text"].type is not None


def test_story_text_is_neutralised_in_docx(cli):
    ok(cli("story", "new", STORY, "--title", "Title \x07 with a bell"))
    hostile = '<w:p><w:r><w:t>injected</w:t></w:r></w:p> { HYPERLINK "http://evil" } \x0b\x1b[31m =cmd|x [#12]'
    ok(cli("story", "add", STORY, "--text", hostile))
    data = ok(cli("story", "export", STORY, "--format", "docx")).stdout_bytes
    document, paragraphs, notes = docx_parts(data)
    body = [t for style, t in paragraphs if style == "Normal"][0]
    assert body.startswith('<w:p><w:r><w:t>injected</w:t></w:r></w:p> { HYPERLINK "http://evil" }')  # literal text, never markup
    assert "\x1b" not in body and "\x0b" not in body and "\ufffd" in body
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert not list(document.element.body.iter(w + "fldSimple")) and not list(document.element.body.iter(w + "hyperlink"))
    assert paragraphs[0][1] == "Title \ufffd with a bell"


def test_pdf_through_weasyprint_reads_back(cli, tmp_path):
    pytest.importorskip("weasyprint", reason="WeasyPrint is not installed")
    from pdfminer.high_level import extract_text

    from kpolicy.dates import analyst_date

    build(cli)
    ok(cli("story", "export", STORY, "--format", "pdf", "-o", tmp_path / "a.pdf"))
    time.sleep(1.1)  # fontTools stamps font subsets to the second: the same file a second later too
    ok(cli("story", "export", STORY, "--format", "pdf", "-o", tmp_path / "b.pdf"))
    data = (tmp_path / "a.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data == (tmp_path / "b.pdf").read_bytes()
    text = " ".join(extract_text(str(tmp_path / "a.pdf")).split())
    for ev in events_of(cli.db, [12, 17, 19]).values():
        assert analyst_date(ev["date"]) in text and " ".join(ev["title"].split()) in text
        for mention in ev["mentions"]:
            assert " ".join(mention["quote"].split()) in text


def test_timelinejs_has_the_story_text_as_slides(cli):
    build(cli)
    data = json.loads(ok(cli("story", "export", STORY, "--format", "timelinejs")).stdout)
    assert data["title"]["text"]["headline"] == "The December 2019 plenum"
    slides = {s["unique_id"]: s for s in data["events"]}
    assert {"event-12", "event-17", "event-19"} <= set(slides)
    assert slides["event-19"]["text"]["headline"] == "Expected: Display of the new strategic weapon (military parade or Kim visit)"
    assert slides["event-19"]["display_date"] == "from February 2020"
    text = [s for s in data["events"] if s["unique_id"].startswith("text-")]
    assert len(text) == 1 and text[0]["text"]["headline"] == "What the plenum decided"
    assert text[0]["text"]["text"].startswith("<p>The plenum dropped the test moratorium.</p>")
    assert text[0]["start_date"] == {"year": 2019, "month": 12, "day": 28}
