"""Where a command's output goes and in which format: one helper for every `--format`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

ROW_FORMATS = ("table", "csv", "json", "jsonl")


def check_format(fmt: str, allowed: tuple[str, ...] = ROW_FORMATS) -> str:
    """The format, lower-cased, or a BadInput naming the valid ones."""
    from kpolicy.errors import BadInput, suggest

    key = fmt.strip().lower()
    if key not in allowed:
        raise BadInput(f"unknown format {fmt!r}{suggest(fmt, allowed)}; use --format {', '.join(allowed[:-1]) + ' or ' if len(allowed) > 1 else ''}{allowed[-1]}")
    return key


@contextmanager
def output_stream(path: Path | None):
    """stdout, or a file written beside its destination and renamed into place when complete.

    A symlink is followed deliberately (the file it points to is written, the link stays);
    a device or FIFO is written in place (never replaced, nothing created beside it); an
    existing file keeps its permission mode, and a read-only one is refused. The hidden
    temporary is removed on SIGTERM, SIGHUP and SIGINT as on any error."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    import stat

    from kpolicy.errors import BadInput

    path = path.expanduser()
    refuse_open_database(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if not path.parent.exists():
        raise BadInput(f"the folder {path.parent} does not exist; create it or choose another -o")
    if path.is_dir():
        raise BadInput(f"-o {path} is a folder; give a file name")
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "w", encoding="utf-8", newline="") as fh:  # a device or a pipe: written as it is
            yield fh
        return
    if st is not None and (not st.st_mode & 0o222 or not os.access(path, os.W_OK)):
        if st.st_uid != os.geteuid():
            raise BadInput(f"{path} belongs to another user and you cannot write it; choose another -o")
        raise BadInput(f"{path} is read-only; chmod u+w it or choose another -o")
    if not os.access(path.parent, os.W_OK | os.X_OK):  # the complete file is renamed into place from beside it
        raise BadInput(f"the folder {path.parent} is not writable by you, so -o {path.name} cannot be written there; choose another folder")
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp makes 0600; a user's new file gets the usual mode
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with _signals_raise():
            os.chmod(tmp, mode)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                yield fh
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def refuse_open_database(path: Path) -> None:
    """-o onto the database the command has open (or its -wal, -shm, -journal) would overwrite it: refused."""
    store = sys.modules.get("kpolicy.store.db")  # not imported: no database is open
    opened = store.open_sqlite_file(path) if store is not None else None
    if opened is not None:
        from kpolicy.errors import BadInput

        same = "is" if os.path.realpath(path.expanduser()) == str(opened) else "belongs to"
        raise BadInput(f"-o {path} {same} the database kpolicy has open ({opened}); writing there would destroy it; choose another -o")


@contextmanager
def _signals_raise():
    """While writing: SIGTERM and SIGHUP raise SystemExit and SIGINT KeyboardInterrupt, so cleanup runs."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def to_exit(signum, _frame):
        raise SystemExit(128 + signum)

    def to_interrupt(_signum, _frame):
        raise KeyboardInterrupt

    wanted = [(signal.SIGINT, to_interrupt)] + [(getattr(signal, name), to_exit) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = []
    for signum, handler in wanted:
        try:
            previous.append((signum, signal.signal(signum, handler)))
        except (ValueError, OSError):
            pass
    try:
        yield
    finally:
        for signum, handler in previous:
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def emit(rows: Iterable[dict], fmt: str, out, columns: list[tuple[str, str]], fields: tuple[str, ...] | None = None,
         exempt: tuple[str, ...] = (), what: str = "rows") -> int:
    """Write `rows` to `out` in `fmt`: a table of `columns` (key, heading), or CSV of `fields`
    (default: the first row's keys, else the column keys), JSON or JSON Lines. Returns the count.

    Every format streams. A table on a terminal shows its first page and says on stderr
    how many `what` there are and how to get them all."""
    from kpolicy.views import render

    if fmt == "table":
        return render.write_table(rows, columns, out, on_more=lambda shown, total: more_note(shown, total, what))
    if fmt == "csv":
        if fields is None:
            rows = list(rows)
            fields = tuple(rows[0]) if rows else tuple(k for k, _ in columns)
        return render.write_csv(rows, fields, out, exempt=exempt)
    if fmt == "json":
        return render.write_json(rows, out)
    return render.write_jsonl(rows, out)


def more_note(shown: int, total: int, what: str) -> None:
    """The line under a terminal table cut at its first page."""
    print(f"kpolicy: showed the first {shown} of {total:,} {what}; for all of them use --format csv or jsonl, -o FILE, "
          "or a pager (add | less); --limit N shows fewer", file=sys.stderr)


def with_progress(rows, total_of, label: str):
    """Rows passed through unchanged; with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from rows
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = total_of()
    columns = [TextColumn(f"{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        for i, row in enumerate(rows, 1):
            yield row
            if i % 200 == 0:
                progress.update(task, completed=i)
        progress.update(task, completed=total)
