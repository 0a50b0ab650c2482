"""Issue 24: the rough edges a new analyst and a hostile tester found (one test per item, each
failed before its fix). Bad-input rows that fit the one-line table live in test_bad_inputs.py."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from conftest import Cli

ARTICLE = "---\npublished: 2020-01-02\ntitle: A note\n---\n\nNorth Korea tested a missile on 4 May 2019.\n"


def one_line_error(result, code: int = 2) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpolicy: error: "), result.stderr
    return lines[0]


def sources(db: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT slug FROM sources"))


# ---- item 20: reading outside the folder ---------------------------------------------------

@pytest.fixture
def folder(tmp_path) -> Path:
    box = tmp_path / "bulletins"
    box.mkdir()
    (box / "note.md").write_text(ARTICLE)
    (tmp_path / "private.txt").write_text(ARTICLE.replace("A note", "Private notes"))
    return box


def test_a_manifest_row_outside_its_folder_is_refused_even_with_force(folder, tmp_path):
    db = str(tmp_path / "k.db")
    (folder / "manifest.csv").write_text("path,title\nnote.md,Ours\n../private.txt,Theirs\n")
    for extra in ([], ["--force"]):
        line = one_line_error(Cli(db)("ingest", "--manifest", str(folder / "manifest.csv"), *extra))
        assert "line 3: '../private.txt' is outside" in line and "--article-root" in line
    (folder / "manifest.csv").write_text(f"path,title\n{tmp_path / 'private.txt'}\n")
    assert "is outside" in one_line_error(Cli(db)("ingest", "--manifest", str(folder / "manifest.csv"), "--force"))
    assert not Path(db).exists() or sources(db) == []


def test_article_root_widens_a_manifest(folder, tmp_path):
    db = str(tmp_path / "k.db")
    (folder / "manifest.csv").write_text("path,title\n../private.txt,Theirs\n")
    result = Cli(db)("ingest", "--manifest", str(folder / "manifest.csv"), "--article-root", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM sources")] == ["Theirs"]


def test_a_folder_ingest_does_not_follow_a_symlink_out_of_the_folder(folder, tmp_path):
    db = str(tmp_path / "k.db")
    (folder / "passwd.txt").symlink_to(tmp_path / "private.txt")
    (folder / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    result = Cli(db)("ingest", str(folder))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"skipped: {folder / 'passwd.txt'} links to {tmp_path / 'private.txt'}, outside {folder}" in result.stderr
    assert f"skipped: {folder / 'elsewhere'} links to {tmp_path}, outside" in result.stderr
    assert "1 article(s) stored" in result.stderr and "2 outside" in result.stderr
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT title FROM sources")] == ["A note"]
    # a link inside the folder is followed, and --article-root widens the folder
    result = Cli(str(tmp_path / "k2.db"))("ingest", str(folder), "--article-root", str(tmp_path))
    assert result.exit_code == 0, result.stderr


# ---- item 24: tracebacks on the CLI -----------------------------------------------------------

def test_a_symlink_loop_in_a_folder_is_skipped_and_the_rest_stored(folder, tmp_path):
    db = str(tmp_path / "k.db")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder cycle
    result = Cli(db)("ingest", str(folder))
    assert "Traceback" not in result.stderr and result.exit_code == 1, result.stderr
    assert f"skipped: {folder / 'loop.txt'} is a symlink loop" in result.stderr
    assert "1 article(s) stored" in result.stderr
    assert sources(db) != []


def test_a_manifest_field_over_128_kb_is_one_line(folder, tmp_path):
    (folder / "manifest.csv").write_text("path,title\nnote.md," + "x" * 140_000 + "\n")
    line = one_line_error(Cli(str(tmp_path / "k.db"))("ingest", "--manifest", str(folder / "manifest.csv")))
    assert "manifest.csv, line 2: field larger than field limit" in line


@pytest.mark.parametrize("where", ["annotation", "front matter", "sidecar"])
def test_an_impossible_yaml_date_is_one_line(where, tmp_path):
    from robustness_helpers import GOOD_SENTENCE

    db = str(tmp_path / "k.db")
    if where == "annotation":
        (tmp_path / "note.md").write_text(f"{GOOD_SENTENCE}\n")
        path = tmp_path / "note.yaml"
        path.write_text("article:\n  id: note\n  file: note.md\n  title: Note\n  published: 2020-02-30\n"
                        f"events:\n  - title: A test\n    type: missile_test\n    date: 2019-05-04\n    status: occurred\n    quote: \"{GOOD_SENTENCE}\"\n"
                        "    actors: [North Korea]\n")
        line = one_line_error(Cli(db)("seed", "--annotation", str(path)))
        assert "article.published '2020-02-30' is not a yyyy-mm-dd date" in line.lower()
        path.write_text(path.read_text().replace("2020-02-30", "2020-02-05").replace("date: 2019-05-04", "date: 2019-02-30"))
        line = one_line_error(Cli(db)("seed", "--annotation", str(path)))
        assert "2019-02-30" in line and "28 days" in line
        return
    article = tmp_path / "note.md"
    if where == "front matter":
        article.write_text(ARTICLE.replace("2020-01-02", "2020-02-30"))
    else:
        article.write_text(ARTICLE.split("---\n", 2)[2])
        (tmp_path / "note.meta.yaml").write_text("published: 2020-02-30\n")
    line = one_line_error(Cli(db)("ingest", str(article)))
    assert "2020-02-30" in line and "yyyy-mm-dd" in line.lower()


def test_seed_annotation_on_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        line = one_line_error(Cli(str(tmp_path / "k.db"))("seed", "--annotation", str(path)))
        assert "not a regular file" in line
    assert "is a folder" in one_line_error(Cli(str(tmp_path / "k.db"))("seed", "--annotation", str(tmp_path)))


def _die(*_args):
    os._exit(9)  # as a worker killed by the OOM killer or `kill -9`


_die.__module__, _die.__qualname__ = "kpolicy.ingest", "_prepare_task"


def test_a_killed_ingest_worker_is_one_line_and_the_rerun_completes(folder, tmp_path, monkeypatch):
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("needs fork: the worker inherits the patched task")
    for i in range(3):
        (folder / f"more{i}.md").write_text(ARTICLE.replace("A note", f"Note {i}").replace("4 May", f"{i + 5} May"))
    db = str(tmp_path / "k.db")
    assert Cli(db)("init").exit_code == 0
    with monkeypatch.context() as mp:
        mp.setattr("kpolicy.ingest._prepare_task", _die)
        line = one_line_error(Cli(db)("ingest", str(folder), "--workers", "2"), code=1)
    assert "an extraction worker died" in line and "run the same command again" in line
    result = Cli(db)("ingest", str(folder), "--workers", "2")
    assert result.exit_code == 0, result.stderr
    assert len(sources(db)) == 4


# ---- items 21 and 23: the review desk --------------------------------------------------------

@pytest.fixture
def desk(sqlite_db):
    from test_web import TOKEN, make_client

    client = make_client(sqlite_db)
    client.token = TOKEN
    yield client
    client.database.close()


def test_a_foreign_host_header_is_refused_so_dns_rebinding_reads_nothing(desk, sqlite_db):
    for path in ("/events/2.json", "/", "/sources"):
        response = desk.get(path, headers={"Host": "attacker.example"})
        assert response.status_code == 400, path
        assert "not an address this server answers to" in response.text and "--allow-host" in response.text
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert desk.get("/events/2.json", headers={"Host": "attacker.example:8080"}).status_code == 400
    for host in ("127.0.0.1:8080", "localhost", "[::1]:8080", "LOCALHOST:1"):
        assert desk.get("/events/2.json", headers={"Host": host}).status_code == 200, host
    from starlette.testclient import TestClient

    from kpolicy.web import create_app

    allowed = TestClient(create_app(desk.database, token="t" * 12, allowed_hosts=["127.0.0.1", "desk.example.org"]),
                         base_url="http://desk.example.org")
    assert allowed.get("/events/2.json").status_code == 200
    assert allowed.get("/events/2.json", headers={"Host": "attacker.example"}).status_code == 400


def _csrf(desk) -> str:
    import re

    return re.search(r'name="csrf" value="([0-9a-f]+)"', desk.get("/events/2").text).group(1)


@pytest.mark.parametrize("probe, status", [
    ("cookie", 401), ("bearer", 401), ("token", 403), ("csrf", 403),
    ("id-beyond-64-bits", 404), ("json-id-beyond-64-bits", 404), ("id-5000-digits", 404), ("id-beyond-int32", 404),
    ("post-id-beyond-64-bits", 404), ("history-event-superscript", 400), ("split-mention-superscript", 400),
    ("merge-id-beyond-int32", 400), ("2000-actors", 200), ("60-distinct-actors", 400), ("file-in-a-text-field", 400),
])
def test_hostile_requests_get_a_4xx_with_the_security_headers_never_a_500(desk, probe, status):
    from test_web import TOKEN

    anonymous = {"Cookie": "kpolicy_token=p\u00e4ssw\u00f6rd".encode()}
    requests = {
        "cookie": lambda: desk.post("/events/2/review", headers=anonymous, data={"state": "reviewed"}),
        "bearer": lambda: desk.post("/events/2/review", headers={"Authorization": "Bearer p\u00e4ssw\u00f6rd".encode(), "Cookie": b""},
                                    data={}),
        "token": lambda: desk.get("/?token=p\u00e4ssw\u00f6rd"),
        "csrf": lambda: desk.post("/events/2/review", data={"csrf": "\u00fc", "state": "reviewed"}),
        "id-beyond-64-bits": lambda: desk.get("/events/99999999999999999999999"),
        "json-id-beyond-64-bits": lambda: desk.get("/events/99999999999999999999999.json"),
        "id-5000-digits": lambda: desk.get("/events/" + "9" * 5000),
        "id-beyond-int32": lambda: desk.get("/events/3000000000.json"),
        "post-id-beyond-64-bits": lambda: desk.post("/events/99999999999999999999/review", data={"csrf": _csrf(desk)}),
        "history-event-superscript": lambda: desk.get("/history?event=\u00b2"),
        "split-mention-superscript": lambda: desk.post("/events/2/split", data={"csrf": _csrf(desk), "mention": "\u00b2", "reason": "x"}),
        "merge-id-beyond-int32": lambda: desk.post("/events/2/merge", data={"csrf": _csrf(desk), "others": "3000000000", "reason": "x"}),
        "2000-actors": lambda: desk.get("/?" + "&".join("actor=North%20Korea" for _ in range(2000))),  # one filter, repeated
        "60-distinct-actors": lambda: desk.get("/?" + "&".join(f"actor=Actor{i}" for i in range(60))),
        "file-in-a-text-field": lambda: desk.post("/events/2/edit", data={"csrf": _csrf(desk)}, files={"title": ("a.txt", b"hello")}),
    }
    assert TOKEN
    response = requests[probe]()
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert "Traceback" not in response.text


def test_the_cli_refuses_ids_no_table_holds_and_digits_other_than_ascii(cli):
    for args in (["show", "3000000000"], ["history", "2147483648"], ["merge", "1", "3000000000", "--reason", "x"],
                 ["undo", "2147483648"]):
        line = one_line_error(cli(*args))
        assert "ids are at most 2,147,483,647" in line, args
    line = one_line_error(cli("show", "\u0663"))  # Arabic-Indic three
    assert "'\u0663' is not a valid int" in line
    assert one_line_error(cli("review", "--limit", "\u0663"))


# ---- item 22: only http(s) and mailto URLs become links ----------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "vbscript:msgbox"])
def test_a_source_url_other_than_http_or_mailto_is_refused_where_it_enters(url, tmp_path, sqlite_db):
    from test_web import SEED_SLUG

    line = one_line_error(Cli(sqlite_db)("sources", "edit", SEED_SLUG, "--url", url, "--reason", "x"))
    assert "is not an http(s) or mailto address" in line
    article = tmp_path / "note.md"
    article.write_text(ARTICLE.replace("title: A note", f"title: A note\nurl: {json_quote(url)}"))
    line = one_line_error(Cli(str(tmp_path / "k.db"))("ingest", str(article)))
    assert "is not an http(s) or mailto address" in line
    for good in ("https://example.org/a", "mailto:desk@example.org"):
        assert Cli(sqlite_db)("sources", "edit", SEED_SLUG, "--url", good, "--reason", "x").exit_code == 0


def json_quote(text: str) -> str:
    import json

    return json.dumps(text)


def test_a_stored_javascript_url_is_shown_as_text_not_a_link(desk, sqlite_db):
    from test_web import SEED_SLUG

    with sqlite3.connect(sqlite_db) as conn:  # as an older kpolicy stored it
        conn.execute("UPDATE sources SET url = 'javascript:alert(1)' WHERE slug = ?", (SEED_SLUG,))
    html = desk.get(f"/sources/{SEED_SLUG}").text
    assert 'href="javascript:' not in html and "javascript:alert(1) <small>(not a web or mail address" in html


# ---- item 25: decompression bombs ----------------------------------------------------------------

def _pdf_with_stream(path: Path, payload: bytes) -> Path:
    import zlib

    stream = zlib.compress(payload, 9)
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>",
               b"<</Length %d/Filter/FlateDecode>>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _docx_with_member(path: Path, size: int) -> Path:
    import zipfile

    from documents import make_docx

    make_docx(path, ["North Korea tested a missile on 4 May 2019."], title="A note")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/media/padding.bin", "w") as member:
            for _ in range(size // (1 << 20)):
                member.write(bytes(1 << 20))
    return path


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_decompression_bomb_is_refused_in_one_line_with_flat_memory(kind, tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setattr("kpolicy.extract.documents.MAX_EXPANDED_BYTES", 8_000_000)
    bomb_size = 64 << 20
    if kind == "pdf":
        path = _pdf_with_stream(tmp_path / "bomb.pdf", bytes(bomb_size))
    else:
        path = _docx_with_member(tmp_path / "bomb.docx", bomb_size)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        result = Cli(str(tmp_path / "k.db"))("extract", str(path), "--published", "2020-01-01", db=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    line = one_line_error(result)
    assert "expand to more than 8 MB" in line and "decompression bomb" in line
    assert peak < 24 << 20, f"{peak / 2**20:.0f} MB to refuse it"


def test_an_ordinary_pdf_and_docx_still_read(tmp_path):
    from documents import make_docx, make_pdf

    from kpolicy.extract.text import read_document

    text = "North Korea tested a missile on 4 May 2019."
    assert read_document(make_docx(tmp_path / "ok.docx", [text])).text == text
    assert text in read_document(make_pdf(tmp_path / "ok.pdf", [{"full": [text]}])).text


# ---- item 26: terminal escapes ------------------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"


def test_a_front_matter_title_with_yaml_escapes_is_stored_clean(tmp_path):
    db = str(tmp_path / "k.db")
    article = tmp_path / "note.md"
    article.write_text(ARTICLE.replace("title: A note", 'title: "A \\e]0;owned\\a\\e[2Jnote\\u202e"\nauthor: "B\\x9b1m"'))
    assert Cli(db)("ingest", str(article)).exit_code == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT title, author FROM sources").fetchone() == ("A ]0;owned [2Jnote", "B 1m")


def test_an_edited_title_is_stored_clean(cli):
    assert cli("edit", "3", "--title", f"Summit{ESCAPES} held", "--reason", "x").exit_code == 0
    import json

    assert json.loads(cli("show", "3", "--format", "json").stdout)["title"] == "Summit ]0;owned [2J 31m held"


class _Terminal:
    """A stdout that says it is a terminal, as a user's is."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass

    def isatty(self):
        return True


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_machine_formats_printed_to_a_terminal_show_escapes_and_stay_exact_in_a_pipe(fmt, sqlite_db):
    import json

    from kpolicy.views import render

    row = {"slug": "s", "title": f"Pwned{ESCAPES}"}
    screen = _Terminal()
    {"csv": lambda o: render.write_csv([row], ("slug", "title"), o), "json": lambda o: render.write_json([row], o),
     "jsonl": lambda o: render.write_jsonl([row], o)}[fmt](screen)
    shown = screen.buffer.getvalue()
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in shown, (fmt, bad)
    if fmt != "csv":  # the same JSON to a parser
        parsed = json.loads(shown) if fmt == "json" else json.loads(shown.splitlines()[0])
        assert (parsed[0] if fmt == "json" else parsed)["title"] == row["title"]
    with sqlite3.connect(sqlite_db) as conn:
        conn.execute("UPDATE sources SET title = ?", (row["title"],))
    piped = Cli(sqlite_db)("sources", "--format", fmt)
    assert "\u202e" in piped.stdout  # a pipe or a file gets the text as stored


def test_a_file_name_with_escapes_is_shown_escaped_in_the_skipped_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.md").write_text(ARTICLE)
    (folder / "bad\x1b[2J\u202e.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = Cli(str(tmp_path / "k.db"))("ingest", str(folder))
    assert "skipped:" in result.stderr and "\\x1b[2J\\u202e.txt" in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    line = one_line_error(Cli(str(tmp_path / "k.db"))("ingest", str(folder / "bad\x1b[2J\u202e.txt")))
    assert "\x1b" not in line and "\\x1b[2J" in line


# ---- item 12: an option before the subcommand --------------------------------------------------

def test_db_before_a_groups_subcommand_is_honoured_and_the_default_database_never_made(sqlite_db, tmp_path):
    from test_web import SEED_SLUG

    default = tmp_path / "xdg-data" / "kpolicy" / "kpolicy.db"  # conftest points XDG_DATA_HOME here
    line = one_line_error(Cli()("sources", "--db", sqlite_db, "remove", "extra", "--reason", "x"))
    assert "unknown source 'extra'" in line
    result = Cli()("sources", "--db", sqlite_db, "edit", SEED_SLUG, "--title", "Retitled", "--reason", "x")
    assert result.exit_code == 0, result.stderr
    with sqlite3.connect(sqlite_db) as conn:
        assert conn.execute("SELECT title FROM sources").fetchone() == ("Retitled",)
    result = Cli()("review", "--db", sqlite_db, "reject", "3", "--reason", "x")
    assert result.exit_code == 0, result.stderr
    assert not default.exists() and not default.parent.exists()


@pytest.mark.parametrize("args, option", [
    (["sources", "--format", "csv", "remove", "extra", "--reason", "x"], "--format"),
    (["sources", "-o", "x.csv", "edit", "s", "--title", "t"], "--output"),
    (["review", "--limit", "3", "accept", "3"], "--limit"),
    (["review", "--format", "json", "reject", "3", "--reason", "x"], "--format"),
])
def test_any_other_option_before_a_subcommand_is_refused_saying_where_it_goes(args, option, sqlite_db, tmp_path):
    before = Path(sqlite_db).read_bytes()
    line = one_line_error(Cli(sqlite_db)(*args))
    assert f"{option} before `{args[3] if args[1] == '-o' else args[3]}`" in line or f"{option} before" in line
    assert "belongs to `kpolicy " in line
    assert Path(sqlite_db).read_bytes() == before


# ---- item 11: removed sources -------------------------------------------------------------------

def test_a_removed_source_is_hidden_unless_all_and_show_names_the_command_typed(sqlite_db):
    import json

    from test_web import SEED_SLUG

    cli = Cli(sqlite_db)
    assert cli("sources", "remove", SEED_SLUG, "--reason", "wrong file").exit_code == 0
    assert json.loads(cli("sources", "--format", "json").stdout) == []
    listed = json.loads(cli("sources", "--all", "--format", "json").stdout)
    assert [s["slug"] for s in listed] == [SEED_SLUG] and listed[0]["removed"]
    assert "removed" in cli("sources", "--all").stdout
    shown = cli("show", "14")  # an unreviewed... or reviewed event the source alone supported
    text = shown.stdout + shown.stderr
    assert "source_remove" not in text


# ---- item 27: `--as-of change:2` ---------------------------------------------------------------

def test_as_of_accepts_change_colon_n(cli):
    assert cli("edit", "3", "--title", "Retitled once", "--reason", "x").exit_code == 0
    assert cli("edit", "3", "--title", "Retitled twice", "--reason", "x").exit_code == 0
    import json

    first = sorted({int(r["change"]) for r in json.loads(cli("history", "3", "--format", "json").stdout)})[-2]  # the first edit
    for spelling in (f"change:{first}", f"change {first}", f"#{first}", f"{first}"):
        result = cli("show", "3", "--as-of", spelling, "--format", "json")
        assert result.exit_code == 0, (spelling, result.stderr)
        assert json.loads(result.stdout)["title"] == "Retitled once", spelling
