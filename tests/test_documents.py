"""Real documents in (issue 13): PDF, saved web pages, Word files, metadata per file, batches
that skip bad files and resume; and reading article files safely (issue 15, items 11 and 13).
Every document is made here, in the test."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from documents import make_docx, make_pdf, make_web_page
from kpolicy.cli import app
from kpolicy.errors import BadInput
from kpolicy.extract.text import ArticleProblem, read_document

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()

BULLETIN = [
    {
        "full": ["North Korea Ends Its Test Moratorium"],
        "left": [
            "North Korea held a plenary meeting of",
            "the WPK Central Committee on 28 Decem-",
            "ber 2019, the longest in decades.",
        ],
        "right": [
            "Kim Jong-un said that the country would",
            "no longer be bound by the moratorium on",
            "nuclear tests, state media reported.",
        ],
    },
    {
        "left": [
            "The United States and South Korea",
            "postponed their joint military drills",
            "in March 2020, officials said.",
        ],
        "right": [
            "China backed the U.S.-",
            "North Korea working-level talks held",
            "in Stockholm in October 2019.",
        ],
    },
]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def bulletin(tmp_path) -> Path:
    return make_pdf(tmp_path / "bulletin.pdf", BULLETIN, title="North Korea Ends Its Test Moratorium",
                    author="Jane Analyst", created=datetime(2020, 2, 5, 9, 30), header="Policy Bulletin No. 12 (1442)")


# ---------------------------------------------------------------- PDF

def test_pdf_text_drops_headers_and_page_numbers_joins_hyphens_and_reads_columns_in_order(bulletin):
    doc = read_document(bulletin)
    text = doc.text
    assert "Policy Bulletin" not in text and "1442" not in text
    assert "\n1\n" not in text and not text.rstrip().endswith("2")
    assert "on 28 December 2019, the longest" in text  # "Decem-" + "ber" joined
    assert "U.S.-North Korea working-level talks" in text  # a hyphen before a capital is kept
    order = [text.index(s) for s in ("North Korea Ends", "North Korea held", "Kim Jong-un said", "The United States", "China backed")]
    assert order == sorted(order)  # left column, then right column, page by page
    assert doc.metadata == {"title": "North Korea Ends Its Test Moratorium", "author": "Jane Analyst",
                            "published": datetime(2020, 2, 5).date(), "published_from": "pdf creation date"}
    assert doc.pages[0] == 0 and doc.page_at(text.index("China backed")) == 2 and doc.page_at(text.index("Kim")) == 1


def test_pdf_ingest_uses_its_metadata_and_mentions_keep_their_page(bulletin, tmp_path):
    db = tmp_path / "k.db"
    result = run("ingest", bulletin, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select title, author, published, published_from from sources") == [
        ("North Korea Ends Its Test Moratorium", "Jane Analyst", "2020-02-05", "pdf creation date")]
    # issue 19 item 4: a date the PDF's software wrote is used, and said so, in the summary and on the source
    assert "bulletin.pdf: its publication date is the file's creation date (PDF metadata" in result.stderr
    listed = run("sources", "--db", db, "--format", "json")
    assert '"published_from": "pdf creation date (check it)"' in listed.stdout
    text = rows(db, "select text from sources")[0][0]
    pages = rows(db, "select char_start, char_end, quote, page from mentions")
    assert pages and all(text[s:e] == q for s, e, q, _ in pages)
    by_quote = {q: p for _, _, q, p in pages}
    assert any("Stockholm" in q and p == 2 for q, p in by_quote.items()), by_quote
    assert any("28 December 2019" in q and p == 1 for q, p in by_quote.items()), by_quote
    (talks,) = [r[0] for r in rows(db, "select e.id from events e join mentions m on m.event_id = e.id where m.quote like '%Stockholm%'")]
    shown = run("show", talks, "--db", db)
    assert shown.exit_code == 0 and "page 2, characters" in shown.stdout


def test_encrypted_pdf_is_named_and_skipped(tmp_path):
    locked = make_pdf(tmp_path / "locked.pdf", BULLETIN[:1], password="secret")
    with pytest.raises(ArticleProblem) as err:
        read_document(locked)
    assert err.value.reason == "encrypted" and "password" in str(err.value)


# ---------------------------------------------------------------- web pages

PARAGRAPHS = [
    "SEOUL, July 18 (Yonhap) -- North Korea and South Korea held high-level talks at the border village of "
    "Panmunjom on Thursday, the unification ministry said.",
    "The talks were the first since the inter-Korean summit in April, officials said, and both sides agreed "
    "to meet again next month to discuss railway links.",
]


def test_web_page_main_text_only_with_the_pages_own_metadata(tmp_path):
    page = make_web_page(tmp_path / "talks.html", PARAGRAPHS, title="Koreas hold high-level talks", author="Kim Soo-yeon",
                         site="Yonhap News Agency", url="https://example.com/talks", published="2019-07-18")
    doc = read_document(page)
    for boilerplate in ("Home", "Subscribe", "cookies", "Related stories", "Advertisement", "Comments", "Reader99",
                        "Geneva", "Copyright", "Privacy", "tracking"):
        assert boilerplate not in doc.text, boilerplate
    assert PARAGRAPHS[0] in doc.text and PARAGRAPHS[1] in doc.text
    assert doc.metadata["author"] == "Kim Soo-yeon" and doc.metadata["site"] == "Yonhap News Agency"
    assert doc.metadata["url"] == "https://example.com/talks" and str(doc.metadata["published"]) == "2019-07-18"
    start = doc.text.index("Panmunjom")  # offsets still map back into the HTML file
    assert doc.raw[doc.plain.file_offset(start):].startswith("Panmunjom")


def test_web_page_needs_no_published_and_no_quote_holds_boilerplate(tmp_path):
    page = make_web_page(tmp_path / "talks.html", PARAGRAPHS, title="Koreas hold high-level talks",
                         site="Yonhap", url="https://example.com/talks", published="2019-07-18")
    db = tmp_path / "k.db"
    result = run("ingest", page, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert rows(db, "select published, url, site from sources") == [("2019-07-18", "https://example.com/talks", "Yonhap")]
    quotes = [q for (q,) in rows(db, "select quote from mentions")]
    assert quotes and not any(w in q for q in quotes for w in ("2030", "Geneva", "2017", "2018", "cookies"))


# ---------------------------------------------------------------- Word

def test_docx_body_and_properties_without_page_headers(tmp_path):
    path = make_docx(tmp_path / "memo.docx", ["North Korea fired two short-range missiles on 4 May 2019.", "",
                                              "South Korea's military said it was analysing the launch."],
                     title="Missile memo", author="Desk", created=datetime(2019, 5, 6, 8, 0), header="INTERNAL - DO NOT FORWARD")
    doc = read_document(path)
    assert doc.text == ("North Korea fired two short-range missiles on 4 May 2019.\n\n"
                        "South Korea's military said it was analysing the launch.")
    assert doc.metadata == {"title": "Missile memo", "author": "Desk", "published": datetime(2019, 5, 6).date(),
                            "published_from": "docx created date"}


# ---------------------------------------------------------------- reading files safely (issue 15)

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/urandom")):
        if not path.exists():
            continue
        started = time.monotonic()
        result = run("extract", path, "--published", "2020-01-01")
        assert result.exit_code == 2 and "not a regular file" in result.stderr, result.stderr
        assert time.monotonic() - started < 10


def test_utf16_with_bom_cr_only_line_ends_and_nul_bytes_are_read(tmp_path):
    body = "---\npublished: 2019-03-04\n---\nNorth Korea fired a ballistic missile on 2 March 2019, officials said.\n"
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("\ufeff".encode("utf-16-le")[:0] + b"\xff\xfe" + body.encode("utf-16-le"))
    cr = tmp_path / "cr.md"
    cr.write_bytes(body.replace("\n", "\r").encode())
    nul = tmp_path / "nul.txt"
    nul.write_bytes(body.encode() + b"x" * 9000 + b"\x00 North Korea held a party plenum on 1 March 2019.\n")
    for path in (utf16, cr, nul):
        doc = read_document(path)
        assert str(doc.metadata["published"]) == "2019-03-04" and "\x00" not in doc.text and "\r" not in doc.text
        result = run("extract", path)
        assert result.exit_code == 0 and '"missile_test"' in result.stdout, (path, result.stderr)


def test_front_matter_datetime_is_a_date_and_a_list_title_is_refused(tmp_path):
    timed = tmp_path / "timed.md"
    timed.write_text("---\npublished: 2020-01-01 10:00:00\n---\nNorth Korea fired two missiles on 30 December 2019, officials said.\n")
    result = run("extract", timed)
    assert result.exit_code == 0 and result.stdout.count("\n") >= 1
    listed = tmp_path / "listed.md"
    listed.write_text("---\ntitle: [a,b]\npublished: 2020-01-01\n---\nNorth Korea fired two missiles on Monday.\n")
    result = run("ingest", listed, "--db", tmp_path / "k.db")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "`title` must be text, not a list" in result.stderr


def test_front_matter_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["---", 'a: &a ["x","x","x","x","x","x","x","x","x"]']
    for k in range(1, 9):
        prev = chr(ord("a") + k - 1)
        cur = chr(ord("a") + k)
        lines.append(f"{cur}: &{cur} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    lines += ["published: 2020-01-01", "---", "North Korea fired a missile on Monday."]
    bomb = tmp_path / "bomb.md"
    bomb.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    with pytest.raises(BadInput):
        read_document(bomb)
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------- batches

def _good(folder: Path, name: str, day: int, published: str | None = "2019-08-30") -> Path:
    front = f"---\npublished: {published}\n---\n" if published else ""
    path = folder / name
    path.write_text(front + f"North Korea fired two short-range ballistic missiles on {day} August 2019, "
                    f"the Joint Chiefs of Staff said. The launch was the {day}th of the year.\n")
    return path


def test_a_mixed_folder_skips_bad_files_stores_the_rest_and_counts_reasons(tmp_path, bulletin, monkeypatch):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "locked").mkdir()
    _good(folder, "a.md", 2)
    _good(folder / "sub", "b.txt", 6)
    bulletin.rename(folder / "bulletin.pdf")
    make_docx(folder / "memo.docx", ["North Korea tested a new multiple rocket launcher on 10 August 2019, state media said."],
              created=datetime(2019, 8, 11))
    make_web_page(folder / "page.html", PARAGRAPHS, title="Talks", published="2019-07-18")
    (folder / "latin.txt").write_bytes("caf\xe9 in Pyongyang on 3 May 2019".encode("latin-1"))
    (folder / "empty.md").write_text("")
    make_pdf(folder / "locked.pdf", BULLETIN[:1], password="secret")
    (folder / "korean.md").write_text("---\npublished: 2019-08-30\n---\n" + "북한은 오늘 동해상으로 단거리 탄도미사일 두 발을 발사했다고 합동참모본부가 밝혔다. " * 3)
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    db = tmp_path / "k.db"
    result = run("ingest", folder, "--db", db, "--workers", "2")
    assert result.exit_code == 1, result.stderr
    err = result.stderr
    for name in ("latin.txt", "empty.md", "locked.pdf", "korean.md", "locked: folder cannot be read"):
        assert name in err, name
    summary = [line for line in err.splitlines() if "article(s) stored" in line][0]
    assert "5 article(s) stored" in summary and "5 skipped as unusable" in summary
    for part in ("1 empty", "1 encrypted", "1 non-english", "1 undecodable", "1 unreadable"):
        assert part in summary, summary
    assert len(rows(db, "select id from sources")) == 5
    forced = run("ingest", folder / "korean.md", "--db", db, "--force")
    assert forced.exit_code == 0 and "1 article(s) stored" in forced.stderr


def test_one_and_two_workers_store_the_same(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(1, 9):
        _good(folder, f"{k:02}.md", k + 1)
    results = []
    for workers in ("1", "2"):
        db = tmp_path / f"w{workers}.db"
        result = run("ingest", folder, "--db", db, "--workers", workers)
        assert result.exit_code == 0, result.stderr
        results.append(rows(db, "select s.slug, e.date, m.char_start from mentions m join sources s on s.id = m.source_id "
                                "join events e on e.id = m.event_id order by s.slug, m.char_start"))
    assert results[0] == results[1] and results[0]


def test_published_fills_only_files_without_a_date_and_the_summary_names_them(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder, "dated.md", 2, "2019-08-30")
    _good(folder, "undated.txt", 3, None)
    db = tmp_path / "k.db"
    result = run("ingest", folder, "--published", "2019-09-01", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert dict(rows(db, "select slug, published from sources")) == {"dated": "2019-08-30", "undated": "2019-09-01"}
    assert "--published 2019-09-01 was used for 1 file(s) with no date of their own: undated.txt" in result.stderr


def test_manifest_and_sidecar_metadata(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder, "one.txt", 2, None)
    _good(folder, "two.md", 3, "2019-08-30")  # the manifest outranks front matter
    _good(folder, "three.txt", 4, None)
    (folder / "three.txt.meta.yaml").write_text("published: 2019-08-15\ntitle: From the sidecar\npublisher: Desk\n")
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "published", "title", "url", "publisher"])
        writer.writerow(["one.txt", "2019-08-05", "One", "https://example.com/1", "Example Wire"])
        writer.writerow(["two.md", "2019-08-31", "Two", "", ""])
    db = tmp_path / "k.db"
    result = run("ingest", folder, "--manifest", manifest, "--db", db)
    assert result.exit_code == 0, result.stderr
    got = {r[0]: r[1:] for r in rows(db, "select slug, published, title, url, publisher from sources")}
    assert got == {"one": ("2019-08-05", "One", "https://example.com/1", "Example Wire"),
                   "two": ("2019-08-31", "Two", None, None),
                   "three": ("2019-08-15", "From the sidecar", None, "Desk")}
    only = run("ingest", "--manifest", manifest, "--db", tmp_path / "m.db")  # the manifest alone names the files
    assert only.exit_code == 0 and "2 article(s) stored" in only.stderr, only.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("file,date\nx,y\n")
    assert run("ingest", folder, "--manifest", bad, "--db", db).exit_code == 2


def test_an_interrupted_batch_resumes_where_it_stopped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    words = ("North Korea fired two short-range ballistic missiles on {d} August 2019, the Joint Chiefs of Staff said. "
             "South Korea and the United States held talks in Seoul on the same day. ") * 40
    n = 40
    for k in range(n):
        (folder / f"{k:03}.md").write_text(f"---\npublished: 2019-08-30\n---\nArticle {k}.\n\n" + words.format(d=k % 28 + 1))
    db = tmp_path / "k.db"
    assert run("init", "--db", db).exit_code == 0
    proc = subprocess.Popen([sys.executable, "-P", "-m", "kpolicy", "ingest", str(folder), "--db", str(db), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    stored = 0
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            stored = rows(db, "select count(*) from sources")[0][0]
        except sqlite3.OperationalError:
            stored = 0
        if stored >= 3:
            workers = _children(proc.pid)
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    _assert_gone(workers)  # a killed batch leaves no worker process behind
    before = rows(db, "select count(*) from sources")[0][0]
    assert 0 < before < n, "the batch should have been killed half-way"
    result = run("ingest", folder, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert f"{n - before} article(s) stored, {before} skipped as already present" in result.stderr
    assert rows(db, "select count(*), count(distinct sha256) from sources")[0] == (n, n)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 20
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break  # gone
            if state in ("Z", "X"):
                break  # exited, not yet reaped
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"worker {pid} outlived the killed batch")


# ---------------------------------------------------------------- databases a user creates are the user's

def test_a_new_db_path_is_created_empty_and_says_so(tmp_path):
    db = tmp_path / "mine.db"
    result = run("sources", "--db", db)
    assert result.exit_code == 0
    assert "created a new, empty kpolicy database" in result.stderr and "init" in result.stderr
    assert rows(db, "select count(*) from sources") == [(0,)] and rows(db, "select count(*) from actors")[0][0] > 0
    seeded = tmp_path / "seeded.db"
    assert run("init", "--db", seeded, "--seed").exit_code == 0
    assert rows(seeded, "select count(*) from sources") == [(1,)]


def test_only_the_default_database_is_seeded_on_first_use(tmp_path):
    result = run("sources")
    assert result.exit_code == 0 and "seeded it" in result.stderr
    assert "changes-in-north-koreas-policy" in result.stdout


def test_html_text_is_unchanged_by_the_unclosed_tag_guard():
    """The linear-time guard touches only a '<' whose tag never closes: quoted '<' in attributes,
    tags inside comments and scripts, and a text '<' read as before; an unclosed one stays text."""
    from kpolicy.extract.text import html_to_plain

    raw = ('<p class="a<b" title=\'x<y\'>Hello <b>world</b></p><!-- <div> --> 1 < 2 and 3 > 2 '
           "<script>if (a<b) x()</script><p>end <a <a</p>")
    plain, _ = html_to_plain(raw)
    assert plain.text == "Hello world\n\n 1 < 2 and 3 > 2 \n\nend <a <a\n\n"
    at = plain.text.index("<a <a")
    assert raw[plain.file_offset(at):plain.file_offset(at) + 5] == "<a <a"  # offsets still point into the page
