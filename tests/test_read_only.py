"""A database kpolicy may read but not write (issue 15, item 5).

Published data in a read-only folder or mount, or a file that belongs to another user:
every query works (the file is opened read-only; `immutable` where SQLite can neither find
nor create the -shm of a WAL database), and every write command is refused in one line
naming why and what to do, exit 2, the file byte-identical and nothing created beside it.

Root ignores file modes, so as root each command runs as `nobody` (setpriv); a non-root
run obeys the modes as it is, and the other-user case needs root to make such a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from robustness_helpers import GOOD_SENTENCE, file_digest, kpolicy_argv, write_annotation

ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")
if ROOT and SETPRIV is None:
    pytest.skip("running as root without setpriv: no unprivileged user to test as", allow_module_level=True)


def as_user(args: list[str], home: Path) -> subprocess.CompletedProcess:
    argv = kpolicy_argv() + [str(a) for a in args]
    if ROOT:
        argv = [SETPRIV, "--reuid=nobody", "--regid=nogroup", "--clear-groups", *argv]
    env = {k: v for k, v in os.environ.items() if k != "KPOLICY_DB"}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def place(_seeded_template):
    """A world-readable folder (pytest's tmp_path is root's 0700) with the user's writable home in it."""
    top = Path(tempfile.mkdtemp(prefix="kpolicy-ro-"))
    top.chmod(0o755)
    home = top / "home"
    home.mkdir()
    home.chmod(0o777)
    notes = home / "notes"
    write_annotation(notes, article=f"# A note\n\n{GOOD_SENTENCE}\n")
    for p in [notes, *notes.iterdir()]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    yield top, home, notes / "note.yaml"
    for p in top.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(top, ignore_errors=True)


def read_only_folder(top: Path, template: Path) -> Path:
    folder = top / "published"
    folder.mkdir()
    path = folder / "kpolicy.db"
    shutil.copyfile(template, path)
    path.chmod(0o644)
    folder.chmod(0o555)
    return path


def other_users_file(top: Path, template: Path) -> Path:
    """A database owned by root, 0644, in a folder the user may write (so SQLite could create a -shm)."""
    folder = top / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    path = folder / "kpolicy.db"
    shutil.copyfile(template, path)
    path.chmod(0o644)
    return path


def own_read_only_file(top: Path, template: Path) -> Path:
    folder = top / "mine"
    folder.mkdir()
    path = folder / "kpolicy.db"
    shutil.copyfile(template, path)
    if ROOT:  # the file and folder are nobody's own; the file is 0444
        os.chown(folder, 65534, -1)
        os.chown(path, 65534, -1)
    path.chmod(0o444)
    return path


PLACES = {
    "read-only-folder": (read_only_folder, ("folder", "read-only", "writable folder")),
    "other-users-file": (other_users_file, ("another user", "read-only", "copy it")),
    "own-read-only-file": (own_read_only_file, ("read-only", "chmod u+w")),
}

READS = [
    (["events", "--format", "jsonl"], "missile"),
    (["timeline"], "2019"),
    (["show", "1"], "mention"),
    (["search", "missile"], "missile"),
    (["actors"], "North Korea"),
    (["sources"], "slug"),
    (["info"], "schema"),
    (["export", "--format", "csv"], "title"),
]

WRITES = [
    ["seed", "--annotation", "{annotation}"],
    ["ingest", "{article}", "--published", "2019-05-05"],
    ["edit", "1", "--title", "Renamed", "--reason", "clearer"],
    ["delete", "2", "--reason", "duplicate"],
    ["review", "accept", "1"],
    ["init"],
]


def _make(kind: str, place, template):
    if kind == "other-users-file" and not ROOT:
        pytest.skip("making another user's file needs root")
    top, home, annotation = place
    path = PLACES[kind][0](top, template)
    return path, home, annotation


def _beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


@pytest.mark.parametrize("kind", PLACES)
def test_every_query_reads_a_database_it_cannot_write(kind, place, _seeded_template):
    path, home, _ = _make(kind, place, _seeded_template)
    digest, files = file_digest(path), _beside(path)
    for args, needle in READS:
        result = as_user([*args, "--db", path], home)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert needle.lower() in (result.stdout + result.stderr).lower(), (args, result.stdout, result.stderr)
        assert result.stderr.strip() == "", (args, result.stderr)
    assert file_digest(path) == digest
    assert _beside(path) == files


@pytest.mark.parametrize("kind", PLACES)
def test_every_write_is_refused_in_one_line_and_changes_nothing(kind, place, _seeded_template):
    path, home, annotation = _make(kind, place, _seeded_template)
    article = annotation.parent / "note.md"
    digest, files = file_digest(path), _beside(path)
    for args in WRITES:
        args = [a.format(annotation=annotation, article=article) for a in args]
        result = as_user([*args, "--db", path], home)
        assert "Traceback" not in result.stderr
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kpolicy: error: "), (args, result.stderr)
        assert "nothing was written" in lines[0], lines[0]
        for needle in PLACES[kind][1]:
            assert needle in lines[0], (needle, lines[0])
    assert file_digest(path) == digest
    assert _beside(path) == files


def test_a_live_writers_shm_is_shared_so_reads_see_its_committed_rows(place, _seeded_template):
    """Another user's database that its owner has open (-wal and -shm present): a read sees what
    the owner committed into the WAL, not only the main file."""
    if not ROOT:
        pytest.skip("making another user's file needs root")
    import sqlite3

    top, home, _ = place
    path = other_users_file(top, _seeded_template)
    owner = sqlite3.connect(path)
    try:
        owner.execute("PRAGMA wal_autocheckpoint=0")
        owner.execute("UPDATE events SET title = 'Committed by the owner' WHERE id = 1")
        owner.commit()
        assert Path(f"{path}-shm").exists() and Path(f"{path}-wal").stat().st_size > 0
        result = as_user(["show", "1", "--format", "jsonl", "--db", path], home)
        assert result.returncode == 0, result.stderr
        assert "Committed by the owner" in result.stdout
    finally:
        owner.close()
