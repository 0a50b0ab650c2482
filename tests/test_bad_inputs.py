"""Bad input never yields a traceback or a changed database (issue 4, part 1).

One table of bad inputs across the CLI. Each row states the exit code (2: bad usage
or input, 1: a runtime failure), words the one-line message must contain (the
problem and, after the `;`, the fix), and the test checks the database afterwards:
the SQLite file byte-identical, on PostgreSQL every table's row count unchanged.
Rows that use the seeded database run on every engine in conftest.ENGINES.
"""

from __future__ import annotations

import sqlite3
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from conftest import ENGINES, Cli, _postgres_database, seeded_postgres_database
from robustness_helpers import (
    GOOD_SENTENCE,
    file_digest,
    good_event,
    row_counts,
    run_kpolicy,
    without_file_override,
    write_annotation,
)
from typer.main import get_command

from kpolicy.cli import app

COMMANDS = set(get_command(app).commands)
SQL = "'; DROP TABLE events; --"
BIG = 50_000_000


@dataclass
class Case:
    id: str
    args: list[str]
    code: int
    needles: tuple[str, ...]
    setup: Callable | None = None  # (tmp_path, monkeypatch, seeded) -> {placeholder: value}
    sqlite_only: bool = False  # the row is about a SQLite file itself
    needs: str | None = None  # a command that may not exist yet on this branch
    no_file_override: bool = False  # run as a subprocess that obeys chmod even as root
    uses_db: bool = True  # append --db when the row names none
    pg_only: bool = False  # the row is about a PostgreSQL server


# ---- set-ups --------------------------------------------------------------------------


def _article(name: str, content):
    def setup(tmp, mp, seeded):
        path = tmp / name
        if isinstance(content, int):  # a sparse file of that many bytes
            with path.open("wb") as fh:
                fh.truncate(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content, encoding="utf-8")
        return {"article": str(path)}

    return setup


def _annotated(article=None, **kwargs):
    """An annotation file next to its article; article None = the good one-sentence article."""

    def setup(tmp, mp, seeded):
        folder = tmp / "notes"
        text = f"# A note\n\n{GOOD_SENTENCE}\n" if article is None else article
        if text is False:  # no article file at all
            path = write_annotation(folder, **kwargs)
        elif isinstance(text, int):
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / "note.md").open("wb") as fh:
                fh.truncate(text)
            path = write_annotation(folder, **kwargs)
        else:
            path = write_annotation(folder, article=text, **kwargs)
        return {"annotation": str(path)}

    return setup


def _copy_with_revision(revision: str, known: tuple[str, ...] | None = None):
    def setup(tmp, mp, seeded):
        path = tmp / "other-revision.db"
        path.write_bytes(Path(seeded).read_bytes())
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.close()  # checkpoints the WAL: the file itself holds the new revision
        if known is not None:
            mp.setattr("kpolicy.store.schema.KNOWN_REVISIONS", known)
        return {"target": str(path)}

    return setup


def _not_sqlite(tmp, mp, seeded):
    path = tmp / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20)
    return {"target": str(path)}


def _other_app(tmp, mp, seeded):
    path = tmp / "photos.db"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)")
        conn.execute("INSERT INTO photos (file) VALUES ('a.jpg')")
    conn.close()
    return {"target": str(path)}


def _read_only_file(tmp, mp, seeded):
    path = tmp / "readonly.db"
    path.write_bytes(Path(seeded).read_bytes())
    path.chmod(0o444)
    extra = _annotated()(tmp, mp, seeded)
    return {"target": str(path), **extra}


def _read_only_folder(tmp, mp, seeded):
    folder = tmp / "archive"
    folder.mkdir()
    path = folder / "kpolicy.db"
    path.write_bytes(Path(seeded).read_bytes())
    extra = _annotated()(tmp, mp, seeded)
    folder.chmod(0o555)
    return {"target": str(path), "_cleanup": lambda: folder.chmod(0o755), **extra}


def _locked(tmp, mp, seeded):
    """Another process holds the write lock for longer than kpolicy waits."""
    path = tmp / "busy.db"
    path.write_bytes(Path(seeded).read_bytes())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    mp.setattr("kpolicy.store.db.BUSY_TIMEOUT_MS", 100)
    mp.setattr("kpolicy.store.db.WRITE_RETRIES", 1)
    extra = _annotated()(tmp, mp, seeded)

    def release():
        holder.rollback()
        holder.close()

    return {"target": str(path), "_cleanup": release, **extra}


def _yaml_error(tmp, mp, seeded):
    folder = tmp / "notes"
    write_annotation(folder, article=f"{GOOD_SENTENCE}\n")
    raw = (
        "article:\n  id: note\n  file: note.md\n  title: Note\n  published: 2020-01-01\n"
        "events:\n  - title: North Korea tests missiles\n    type: [missile_test\n    date: 2019-05-04\n"
    )
    path = folder / "broken.yaml"
    path.write_text(raw)
    return {"annotation": str(path)}


def _pg_missing_database(tmp, mp, seeded):
    import sqlalchemy as sa
    from conftest import POSTGRES_ADMIN_URL

    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database="kpolicy_no_such_db")
    return {"target": url.render_as_string(hide_password=False)}


def _pg_other_app(tmp, mp, seeded):
    import sqlalchemy as sa

    url, drop = _postgres_database()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)")
    engine.dispose()
    return {"target": url, "_cleanup": drop}


# ---- the table --------------------------------------------------------------------------

# ---- issue 15, items 12 and 13: what gave a traceback or no fix ---------------------------


def _alembic_rows(*revisions):
    def setup(tmp, mp, seeded):
        path = tmp / "revisions.db"
        path.write_bytes(Path(seeded).read_bytes())
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("DELETE FROM alembic_version")
            conn.executemany("INSERT INTO alembic_version VALUES (?)", [(r,) for r in revisions])
        conn.close()
        return {"target": str(path), **_annotated()(tmp, mp, seeded)}

    return setup


def _driver_missing(module: str):
    def setup(tmp, mp, seeded):
        import importlib.util

        if importlib.util.find_spec(module) is not None:
            pytest.skip(f"{module} is installed here")
        return {}

    return setup


def _device_chart(tmp, mp, seeded):
    (tmp / "chart.png").symlink_to("/dev/full")
    return {"chart": str(tmp / "chart.png")}


def _unwritable_folder(tmp, mp, seeded):
    folder = tmp / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    return {"folder": str(folder), "_cleanup": lambda: folder.chmod(0o755)}


def _other_users_output(tmp, mp, seeded):
    import os

    path = tmp / "theirs.csv"
    path.write_text("their data\n")
    path.chmod(0o644)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)  # nobody's: root without CAP_DAC_OVERRIDE cannot write it
    else:
        pytest.skip("making another user's file needs root")
    return {"target": str(path)}


def _unwritable_home(tmp, mp, seeded):
    home = tmp / "readonly-home"
    home.mkdir()
    home.chmod(0o555)
    mp.setenv("HOME", str(home))
    mp.delenv("XDG_DATA_HOME", raising=False)
    return {"_cleanup": lambda: home.chmod(0o755)}


def _disk_full(tmp, mp, seeded):
    """SQLite's own "database or disk is full": the file may not grow by a single page."""
    import kpolicy.store.db as dbmod

    original = dbmod._sqlite_connect_hooks

    def capped(engine):
        original(engine)

        @__import__("sqlalchemy").event.listens_for(engine, "connect")
        def _cap(dbapi_connection, _record):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    mp.setattr(dbmod, "_sqlite_connect_hooks", capped)
    long_article = "# Long\n\n" + "\n\n".join(f"{GOOD_SENTENCE} Paragraph {i} adds words to store." for i in range(400))
    return _article("long.md", long_article)(tmp, mp, seeded)



def _link_to_db(name: str):
    def setup(tmp, mp, seeded):
        (tmp / name).symlink_to(seeded)
        return {"link": str(tmp / name)}

    return setup


# ---- issue 24: what a hostile tester found ------------------------------------------------

ISSUE_24 = [
    # item 18: -o onto the open database destroyed it (exit 0, the file held CSV)
    Case("o-onto-open-db", ["events", "--format", "csv", "-o", "{db}"], 2, ("database kpolicy has open", "choose another -o"), sqlite_only=True),
    Case("o-onto-open-db-export", ["export", "-o", "{db}"], 2, ("would destroy it",), sqlite_only=True),
    Case("o-onto-open-db-wal", ["events", "--format", "json", "-o", "{db}-wal"], 2, ("belongs to the database",), sqlite_only=True),
    Case("o-onto-open-db-link", ["sources", "--format", "csv", "-o", "{link}"], 2, ("database kpolicy has open",),
         _link_to_db("sources.csv"), sqlite_only=True),
    Case("o-onto-open-db-plot", ["plot", "-o", "{link}"], 2, ("database kpolicy has open",), _link_to_db("chart.svg"), sqlite_only=True),
    Case("o-onto-open-db-history", ["history", "--format", "csv", "-o", "{db}"], 2, ("database kpolicy has open",), sqlite_only=True),
    # item 24: OverflowError on times whose UTC reading leaves years 1-9999
    Case("as-of-before-year-1", ["events", "--as-of", "0001-01-01T00:00:00+01:00"], 0, ("no events match",)),
    Case("show-as-of-before-year-1", ["show", "3", "--as-of", "0001-01-01T00:00:00+01:00"], 0, ()),
    Case("since-after-9999", ["history", "--since", "9999-12-31T23:59:59-01:00"], 0, ("no revisions match",)),
    Case("seed-annotation-folder", ["seed", "--annotation", "{tmp}"], 2, ("is a folder", "name an annotation file")),
    # items 23 and 27: serve started with a token no browser can send, or bound every address for --host ''
    Case("serve-non-ascii-token", ["serve", "--token", "p\u00e4ssw\u00f6rd-123"], 2, ("printable ascii",)),
    Case("serve-empty-host", ["serve", "--host", ""], 2, ("--host is empty",)),
    Case("show-pg-id-range", ["show", "3000000000"], 2, ("no event with id 3000000000", "at most 2,147,483,647")),
    Case("split-pg-id-range", ["split", "2", "--mention", "2147483648", "--reason", "x"], 2, ("no mention with id",)),
    Case("show-arabic-indic-digit", ["show", "\u0663"], 2, ("not a valid int",)),
    # item 27: SQL reads LIMIT -1 as no limit
    Case("review-limit-negative", ["review", "--limit", "-1"], 2, ("--limit -1 shows nothing", "1 or more")),
    Case("history-limit-zero", ["history", "--limit", "0"], 2, ("--limit 0 shows nothing",)),
    # item 27: --since named --as-of in its error
    Case("since-garbage", ["history", "--since", "garbage"], 2, ("--since 'garbage' is neither",)),
]


CASES = [
    # dates
    Case("month-13", ["events", "--from", "2019-13"], 2, ("'2019-13'", "month 13", "use edtf")),
    Case("feb-30", ["events", "--to", "2019-02-30"], 2, ("2019-02-30", "28 days")),
    Case("day-32-export", ["export", "--from", "2019-12-32"], 2, ("2019-12-32", "31 days")),
    Case("free-words", ["events", "--from", "last spring"], 2, ("'last spring'", "not a date")),
    Case("reversed-window", ["events", "--from", "2020", "--to", "2019"], 2, ("reversed", "swap them")),
    Case("reversed-interval", ["timeline", "--on", "2019/2018"], 2, ("ends before it starts",)),
    Case("month-00", ["timeline", "--on", "2019-00"], 2, ("month 00",)),
    Case("on-and-from", ["events", "--on", "2019", "--from", "2019"], 2, ("cannot be combined",)),
    Case("within-no-window", ["events", "--within"], 2, ("needs a window", "--from")),
    Case("year-zero", ["events", "--from", "0000"], 2, ("0000", "years 0001")),
    # unknown names, with suggestions
    Case("unknown-actor", ["events", "--actor", "Kim Jong-um"], 2, ("unknown actor 'kim jong-um'", "did you mean", "kpolicy actors")),
    Case("unknown-type", ["events", "--type", "missle_test"], 2, ("unknown type", "did you mean 'missile_test'", "kpolicy types")),
    Case("unknown-status", ["events", "--status", "occured"], 2, ("unknown status", "did you mean 'occurred'")),
    Case("unknown-format", ["events", "--format", "jsn"], 2, ("unknown format 'jsn'", "did you mean 'json'", "use --format")),
    Case("export-format", ["export", "--format", "xlsx"], 2, ("unknown format 'xlsx'", "use --format csv")),
    Case("show-format", ["show", "1", "--format", "xlsx"], 2, ("unknown format 'xlsx'",)),
    Case("unknown-event-id", ["show", "9999"], 2, ("no event with id 9999", "kpolicy events")),
    Case("event-id-not-number", ["show", "abc"], 2, ("'id'", "kpolicy show --help")),
    Case("unknown-place", ["events", "--place", "Atlantis"], 2, ("unknown place 'atlantis'",)),
    Case("unknown-source", ["events", "--source", "no-such-article"], 2, ("unknown source", "kpolicy sources")),
    Case("unknown-review", ["events", "--review", "maybe"], 2, ("unknown review state",)),
    Case("limit-zero", ["events", "--limit", "0"], 2, ("--limit 0", "1 or more")),
    Case("empty-text", ["events", "--text", "  "], 2, ("--text is empty",)),
    Case("unknown-option", ["events", "--colour", "red"], 2, ("no such option", "--help")),
    Case("missing-argument", ["show"], 2, ("missing argument", "--help")),
    Case("output-missing-folder", ["export", "-o", "{tmp}/nowhere/x.csv"], 2, ("does not exist", "-o")),
    # SQL-looking text is data
    Case("sql-text", ["events", "--text", SQL], 0, ("no events match",)),
    Case("sql-text-export", ["export", "--text", "%' UNION SELECT sql FROM sqlite_master --"], 0, ()),
    Case("sql-text-timeline", ["timeline", "--text", "_%\\"], 0, ("no events match",)),
    Case("sql-actor", ["events", "--actor", SQL], 2, ("unknown actor",)),
    Case("sql-place", ["events", "--place", SQL], 2, ("unknown place",)),
    Case("sql-source", ["events", "--source", "x' OR '1'='1"], 2, ("unknown source",)),
    Case("sql-type", ["events", "--type", "missile_test' OR 1=1 --"], 2, ("unknown type",)),
    Case("sql-status", ["events", "--status", "occurred'); DELETE FROM events; --"], 2, ("unknown status",)),
    Case("sql-review", ["export", "--review", "reviewed' OR '1'='1"], 2, ("unknown review state",)),
    Case("sql-date", ["events", "--from", "2019'; DROP TABLE events; --"], 2, ("invalid date",)),
    Case("sql-event-id", ["show", "1; DROP TABLE events"], 2, ("'id'",)),
    Case("sql-format", ["events", "--format", SQL], 2, ("unknown format",)),
    # articles behind a user annotation file (kpolicy seed --annotation)
    Case("article-missing", ["seed", "--annotation", "{annotation}"], 2, ("no such file",),
         _annotated(article=False, article_file="missing.md")),
    Case("article-empty", ["seed", "--annotation", "{annotation}"], 2, ("has no text",), _annotated(article="")),
    Case("article-binary", ["seed", "--annotation", "{annotation}"], 2, ("looks binary",),
         _annotated(article=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))),
    Case("article-not-utf8", ["seed", "--annotation", "{annotation}"], 2, ("not utf-8", "re-save it as utf-8"),
         _annotated(article="Pyongyang\u2019s statement".encode("cp1252"))),
    Case("article-50mb", ["seed", "--annotation", "{annotation}"], 2, ("50 mb", "larger than", "split it"), _annotated(article=BIG)),
    Case("article-wrong-kind", ["seed", "--annotation", "{annotation}"], 2, ("kpolicy reads .md, .txt, .html",),
         _annotated(article="{\\rtf1 note}", article_file="note.rtf")),
    Case("article-broken-pdf", ["seed", "--annotation", "{annotation}"], 2, ("not a readable pdf", "re-export"),
         _annotated(article="%PDF-1.4", article_file="note.pdf")),
    # annotation files
    Case("annotation-missing", ["seed", "--annotation", "{tmp}/nope.yaml"], 2, ("no such annotation file",)),
    Case("annotation-yaml-error", ["seed", "--annotation", "{annotation}"], 2, ("broken.yaml: line 9", "yaml", "fix the syntax"), _yaml_error),
    Case("annotation-quote-not-in-article", ["seed", "--annotation", "{annotation}"], 2,
         ("event #2", "is not in the article", "nothing from this file was loaded"),
         _annotated(events=[good_event(), good_event(quote="North Korea tested an ICBM on 5 May 2019.")])),
    Case("annotation-bad-edtf", ["seed", "--annotation", "{annotation}"], 2, ("invalid date '2019-13-45'", "nothing from this file"),
         _annotated(events=[good_event(date="2019-13-45")])),
    Case("annotation-unknown-actor", ["seed", "--annotation", "{annotation}"], 2, ("unknown actor 'north koreaa'", "did you mean"),
         _annotated(events=[good_event(actors=["North Koreaa"])])),
    Case("annotation-unknown-type", ["seed", "--annotation", "{annotation}"], 2, ("unknown type 'missile'", "did you mean"),
         _annotated(events=[good_event(type="missile")])),
    Case("annotation-unknown-status", ["seed", "--annotation", "{annotation}"], 2, ("unknown status 'happened'",),
         _annotated(events=[good_event(status="happened")])),
    Case("annotation-bad-published", ["seed", "--annotation", "{annotation}"], 2, ("article.published", "2020-02-30", "yyyy-mm-dd"),
         _annotated(article_meta={"published": "2020-02-30"})),
    Case("annotation-not-mapping", ["seed", "--annotation", "{annotation}"], 2, ("expected `article:`",),
         _annotated(raw_yaml="- just\n- a list\n")),
    # --db targets
    Case("db-missing-folder", ["events", "--db", "{tmp}/no/such/folder/k.db"], 2, ("does not exist", "mkdir -p"), sqlite_only=True),
    Case("db-is-folder", ["events", "--db", "{tmp}"], 2, ("is a folder",), sqlite_only=True),
    Case("db-not-sqlite", ["events", "--db", "{target}"], 2, ("is not a sqlite database",), _not_sqlite, sqlite_only=True),
    Case("db-other-app", ["events", "--db", "{target}"], 2, ("not a kpolicy database",), _other_app, sqlite_only=True),
    Case("init-other-app", ["init", "--db", "{target}"], 2, ("not a kpolicy database",), _other_app, sqlite_only=True),
    Case("db-newer-revision", ["events", "--db", "{target}"], 2, ("newer kpolicy", "ffff9999", "not be downgraded"),
         _copy_with_revision("ffff9999"), sqlite_only=True),
    Case("init-newer-revision", ["init", "--db", "{target}"], 2, ("newer kpolicy", "not be downgraded"),
         _copy_with_revision("ffff9999"), sqlite_only=True),
    Case("seed-newer-revision", ["seed", "--db", "{target}"], 2, ("newer kpolicy",), _copy_with_revision("ffff9999"), sqlite_only=True),
    Case("db-older-revision", ["events", "--db", "{target}"], 2, ("schema revision 0000", "kpolicy init --db"),
         _copy_with_revision("0000", ("0000", "0001")), sqlite_only=True),
    Case("db-mysql", ["events", "--db", "mysql://root@localhost/kpolicy"], 2, ("'mysql' is not supported", "postgresql+psycopg"), sqlite_only=True),
    Case("db-redis", ["init", "--db", "redis://localhost:6379/0"], 2, ("'redis' is not supported",), sqlite_only=True),
    Case("db-memory", ["init", "--db", "sqlite:///:memory:"], 2, ("in-memory",), sqlite_only=True),
    Case("db-postgres-down", ["events", "--db", "postgresql+psycopg://kpolicy@127.0.0.1:1/kpolicy"], 2, ("cannot connect", "server is running"),
         sqlite_only=True),
    Case("db-read-only-file", ["seed", "--annotation", "{annotation}", "--db", "{target}"], 2, ("read-only", "chmod u+w"),
         _read_only_file, sqlite_only=True, no_file_override=True),
    Case("db-read-only-folder", ["seed", "--annotation", "{annotation}", "--db", "{target}"], 2, ("folder", "read-only", "-wal", "nothing was written"),
         _read_only_folder, sqlite_only=True, no_file_override=True),
    Case("db-locked", ["seed", "--annotation", "{annotation}", "--db", "{target}"], 1, ("locked by another writer", "try again"),
         _locked, sqlite_only=True),
    Case("db-pg-missing-database", ["events", "--db", "{target}"], 2, ("'kpolicy_no_such_db' does not exist", "createdb"),
         _pg_missing_database, pg_only=True),
    Case("db-pg-other-app", ["events", "--db", "{target}"], 2, ("not a kpolicy database",), _pg_other_app, pg_only=True),
    Case("init-pg-other-app", ["init", "--db", "{target}"], 2, ("not a kpolicy database",), _pg_other_app, pg_only=True),
    # extraction and ingest (issue 3): the same article checks through their own commands
    Case("extract-missing", ["extract", "{tmp}/missing.md", "--published", "2020-01-01"], 2, ("no such file",), needs="extract", uses_db=False),
    Case("extract-empty", ["extract", "{article}", "--published", "2020-01-01"], 2, ("no text",), _article("empty.md", ""), needs="extract", uses_db=False),
    Case("extract-binary", ["extract", "{article}", "--published", "2020-01-01"], 2, ("binary",),
         _article("photo.txt", b"\x00\x01\x02" * 100), needs="extract", uses_db=False),
    Case("extract-not-utf8", ["extract", "{article}", "--published", "2020-01-01"], 2, ("not utf-8",),
         _article("latin.txt", "caf\xe9 in Pyongyang".encode("latin-1")), needs="extract", uses_db=False),
    Case("extract-50mb", ["extract", "{article}", "--published", "2020-01-01"], 2, ("larger than",), _article("huge.md", BIG), needs="extract", uses_db=False),
    Case("extract-bad-published", ["extract", "{article}", "--published", "2020-02-30"], 2, ("2020-02-30",),
         _article("ok.md", GOOD_SENTENCE), needs="extract", uses_db=False),
    Case("ingest-missing", ["ingest", "{tmp}/missing.md"], 2, ("no such file",), needs="ingest"),
    Case("ingest-empty", ["ingest", "{article}", "--published", "2020-01-01"], 2, ("no text",), _article("empty.md", ""), needs="ingest"),
    Case("ingest-binary", ["ingest", "{article}", "--published", "2020-01-01"], 2, ("binary",),
         _article("photo.txt", b"\x00\x01\x02" * 100), needs="ingest"),
    Case("ingest-not-utf8", ["ingest", "{article}", "--published", "2020-01-01"], 2, ("not utf-8",),
         _article("latin.txt", "caf\xe9 in Pyongyang".encode("latin-1")), needs="ingest"),
    Case("ingest-50mb", ["ingest", "{article}", "--published", "2020-01-01"], 2, ("larger than",), _article("huge.md", BIG), needs="ingest"),
    Case("ingest-bad-published", ["ingest", "{article}", "--published", "05/02/2020"], 2, ("05/02/2020",),
         _article("ok.md", GOOD_SENTENCE), needs="ingest"),
    # issue 15, item 12: one line instead of a traceback; item 13: a fix with every message
    *[Case(f"export-disk-full-{fmt}", ["export", "--format", fmt, "-o", "/dev/full"], 1, ("no space left", "free some space"))
      for fmt in ("csv", "json", "jsonl", "timelinejs", "ics")],
    Case("events-disk-full", ["events", "-o", "/dev/full"], 1, ("no space left", "free some space")),
    Case("events-jsonl-disk-full", ["events", "--format", "jsonl", "-o", "/dev/full"], 1, ("no space left",)),
    Case("plot-disk-full", ["plot", "-o", "{chart}"], 1, ("no space left",), _device_chart),
    Case("export-o-unwritable-folder", ["export", "-o", "{folder}/out.csv"], 2, ("not writable", "another folder"),
         _unwritable_folder, no_file_override=True),
    Case("export-o-other-users-file", ["export", "-o", "{target}"], 2, ("another user", "another -o"),
         _other_users_output, no_file_override=True),
    Case("events-limit-beyond-64-bits", ["events", "--limit", "99999999999999999999999"], 2, ("--limit", "larger than any number")),
    Case("show-id-beyond-64-bits", ["show", "99999999999999999999"], 2, ("id 99999999999999999999", "larger than any number")),
    Case("delete-id-beyond-64-bits", ["delete", "99999999999999999999", "--reason", "x"], 2, ("larger than any number",)),
    Case("db-driver-asyncpg", ["events", "--db", "postgresql+asyncpg://u@localhost/k"], 2, ("asyncio driver", "postgresql+psycopg"), sqlite_only=True),
    Case("db-driver-pg8000", ["events", "--db", "postgresql+pg8000://u@localhost/k"], 2, ("'pg8000'", "not installed", "postgresql+psycopg"),
         _driver_missing("pg8000"), sqlite_only=True),
    Case("db-driver-psycopg2", ["events", "--db", "postgresql+psycopg2://u@localhost/k"], 2, ("'psycopg2'", "not installed"),
         _driver_missing("psycopg2"), sqlite_only=True),
    Case("db-driver-pysqlcipher", ["events", "--db", "sqlite+pysqlcipher:///{tmp}/x.db"], 2, ("not installed", "sqlite:///path"),
         _driver_missing("pysqlcipher3"), sqlite_only=True),
    Case("db-nul-byte", ["events", "--db", "sqlite:///%00"], 2, ("nul byte", "file path"), sqlite_only=True),
    Case("db-no-such-user", ["events", "--db", "~nosuchuser/x.db"], 2, ("no user 'nosuchuser'", "full path"), sqlite_only=True),
    Case("home-unwritable", ["events"], 2, ("cannot be created", "kpolicy_db"), _unwritable_home, sqlite_only=True,
         no_file_override=True, uses_db=False),
    Case("db-two-revisions", ["events", "--db", "{target}"], 2, ("more than one schema revision", "delete from alembic_version"),
         _alembic_rows("0005", "0004"), sqlite_only=True),
    Case("seed-two-revisions", ["seed", "--annotation", "{annotation}", "--db", "{target}"], 2, ("more than one schema revision",),
         _alembic_rows("0005", "0004"), sqlite_only=True),
    Case("db-no-revision", ["events", "--db", "{target}"], 2, ("alembic_version is empty", "insert into alembic_version"),
         _alembic_rows(), sqlite_only=True),
    Case("init-no-revision", ["init", "--db", "{target}"], 2, ("alembic_version is empty",), _alembic_rows(), sqlite_only=True),
    Case("ingest-database-full", ["ingest", "{article}", "--published", "2020-01-01"], 1, ("is full", "free some space", "wrote nothing"),
         _disk_full, sqlite_only=True),
    *ISSUE_24,
]


@pytest.fixture(scope="module")
def shared_postgres():
    """One seeded PostgreSQL database for the whole table: no row may change it."""
    if "postgresql" not in ENGINES:
        yield None
        return
    url, drop = seeded_postgres_database()
    yield url
    drop()


def _fill(args: list[str], values: dict) -> list[str]:
    return [a.format(**values) if "{" in a else a for a in args]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_in_one_line_and_changes_nothing(case, engine, tmp_path, monkeypatch, request, _seeded_template):
    if case.sqlite_only and engine != "sqlite":
        pytest.skip("about a SQLite file")
    if case.pg_only and engine != "postgresql":
        pytest.skip("about a PostgreSQL server")
    if case.needs and case.needs not in COMMANDS:
        pytest.skip(f"`kpolicy {case.needs}` is not on this branch")
    seeded = tmp_path / "kpolicy.db"
    seeded.write_bytes(_seeded_template.read_bytes())
    db = str(seeded) if engine == "sqlite" else request.getfixturevalue("shared_postgres")
    values = {"tmp": str(tmp_path), "db": db}
    if case.setup is not None:
        values.update(case.setup(tmp_path, monkeypatch, str(seeded)))
    pending = [values.pop("_cleanup")] if "_cleanup" in values else []

    def cleanup():
        while pending:
            pending.pop()()

    request.addfinalizer(cleanup)
    args = _fill(case.args, values)
    if case.uses_db and "--db" not in args:
        args += ["--db", db]

    watched = [Path(values["target"])] if "target" in values and "://" not in values["target"] else []
    if engine == "sqlite":
        watched.append(seeded)
    before = {p: file_digest(p) for p in watched}
    counts_before = row_counts(db) if engine != "sqlite" else None

    if case.no_file_override:
        if without_file_override(["true"]) is None:
            pytest.skip("running as root without setpriv: chmod cannot be tested")
        proc = run_kpolicy(args, drop_file_override=True)
        code, stderr = proc.returncode, proc.stderr
    else:
        tracemalloc.start()
        try:
            result = Cli()(*args)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        code, stderr = result.exit_code, result.stderr
        if "50mb" in case.id:
            assert peak < 5 * 1024 * 1024, f"read {peak} bytes to refuse a 50 MB file"

    cleanup()  # release locks and permissions before looking at the files

    assert "Traceback" not in stderr
    assert code == case.code, stderr
    lines = stderr.strip().splitlines()
    if case.code != 0:
        assert len(lines) == 1, stderr
        assert lines[0].startswith("kpolicy: error: "), stderr
        problem, _, fix = lines[0].partition("; ")
        assert fix.strip(), f"no fix after the problem: {stderr}"
    for needle in case.needles:
        assert needle in stderr.lower(), stderr
    for path, digest in before.items():
        assert file_digest(path) == digest, f"{path} changed"
    if case.id == "db-missing-folder":
        assert not (tmp_path / "no").exists()
    if counts_before is not None:
        assert row_counts(db) == counts_before


def test_the_table_covers_at_least_forty_bad_inputs():
    assert len(CASES) >= 40


def test_sql_looking_annotation_text_is_stored_as_data(empty_db, tmp_path):
    """Titles, slugs and quotes full of SQL are stored and found as plain text; no table is harmed."""
    cli = Cli(empty_db)
    assert cli("init").exit_code == 0
    sentence = "North Korea said '); DROP TABLE events; -- on 4 May 2019 and fired missiles."
    def annotation(slug):
        return write_annotation(
            tmp_path / "notes", name="sqlish", article=f"{sentence}\n", article_meta={"id": slug},
            events=[good_event(title="Robert'); DROP TABLE students;--", quote=sentence)],
        )

    # a slug is checked where it enters (issue 24, item 27): the SQL-looking id is refused, not stored
    result = cli("seed", "--annotation", str(annotation("x'; DELETE FROM sources; --")))
    assert result.exit_code == 2 and "is not a slug" in result.stderr
    result = cli("seed", "--annotation", str(annotation("x-delete-from-sources")))
    assert result.exit_code == 0, result.stderr
    result = cli("events", "--text", "DROP TABLE students", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert '"title": "Robert\'); DROP TABLE students;--"' in result.stdout
    result = cli("events", "--source", "x'; DELETE FROM sources; --", "--format", "csv")  # a bound value, not SQL
    assert result.exit_code == 2 and "unknown source" in result.stderr.lower(), result.stderr
    assert cli("events", "--source", "x-delete-from-sources", "--format", "csv").stdout.count("\n") == 2
    counts = row_counts(empty_db)
    assert counts["sources"] == 1 and counts["events"] == 1 and counts["mentions"] == 1
