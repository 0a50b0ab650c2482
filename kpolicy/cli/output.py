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
    """stdout, or a file written beside its destination and renamed into place when complete."""
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    from kpolicy.errors import BadInput

    path = path.expanduser()
    if not path.parent.exists():
        raise BadInput(f"the folder {path.parent} does not exist; create it or choose another -o")
    if path.is_dir():
        raise BadInput(f"-o {path} is a folder; give a file name")
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a user's file gets the usual mode
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
