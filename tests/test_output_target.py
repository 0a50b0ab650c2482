"""`-o` treats what is already there with care (issue 15, item 7): devices and pipes are written
in place, a symlink is followed (the link stays), a file keeps its mode, a read-only file is
refused, the hidden temporary goes on every signal; and `--db` never creates files beside a device."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import Cli


def test_fifo_is_written_in_place(sqlite_db, tmp_path):
    folder = tmp_path / "fifo"
    folder.mkdir()
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = Cli(sqlite_db)("export", "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert got and got[0].count(b"\n") > 1
    assert [p.name for p in folder.iterdir()] == ["pipe"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_character_device_is_written_in_place(sqlite_db, tmp_path):
    folder = tmp_path / "dev"
    folder.mkdir()
    device = folder / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a copy of /dev/null
    result = Cli(sqlite_db)("export", "-o", str(device))
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a regular file"
    assert sorted(p.name for p in folder.iterdir()) == ["null"]


def test_symlink_is_followed_and_kept(sqlite_db, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = Cli(sqlite_db)("export", "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().count("\n") > 1
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_existing_file_keeps_its_mode(sqlite_db, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    assert Cli(sqlite_db)("export", "-o", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() != "old\n"


def test_read_only_file_is_refused(sqlite_db, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep\n")
    target.chmod(0o444)
    result = Cli(sqlite_db)("export", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{target} is read-only; chmod u+w it or choose another -o" in result.stderr
    assert target.read_text() == "keep\n"


WRITER = """
import sys, time
from pathlib import Path
from kpolicy.cli.output import output_stream
with output_stream(Path(sys.argv[1])) as fh:
    fh.write("partial " * 10000)
    fh.flush()
    print("ready", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_temporary_removed_on_signal(tmp_path, signum):
    target = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv.")]
        proc.send_signal(signum)
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == [], "the hidden temporary was left behind"


def test_db_device_is_refused(tmp_path):
    journal = Path("/dev/null-journal")
    existed = journal.exists()
    try:
        result = Cli("/dev/null")("events")
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert "--db /dev/null is not a regular file" in result.stderr
        assert existed or not journal.exists()
    finally:
        if not existed and journal.exists():
            journal.unlink()
