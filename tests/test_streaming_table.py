"""Terminal tables never build a large result whole: a small one is one rich table as before, a
large one streams row by row off a terminal and, on a terminal, shows its first page and says
how many rows there are (no timing or memory figure is asserted; docs/benchmarks.md has those)."""

from __future__ import annotations

import io

from rich import box
from rich.table import Table

from kpolicy.views import render

COLUMNS = [("id", "id"), ("title", "title"), ("place", "place")]


def _rows(n: int, long_every: int = 7):
    for i in range(1, n + 1):
        title = f"Event [{i}] " + ("with a rather long title that goes on and on " * 6 if i % long_every == 0 else "short")
        yield {"id": i, "title": title, "place": None if i % 3 else "Hanoi"}


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _old_table(rows) -> str:
    """The table as kpolicy drew it before streaming: one rich Table of every row."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for _, heading in COLUMNS:
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(k) is None else str(row.get(k)).replace("[", "\\[") for k, _ in COLUMNS))
    out = io.StringIO()
    render.console(out).print(table)
    return out.getvalue()


def test_a_small_table_is_unchanged():
    for n in (1, 5, render.TABLE_PAGE):
        out = io.StringIO()
        assert render.write_table(_rows(n), COLUMNS, out) == n
        assert out.getvalue() == _old_table(_rows(n))
    out = io.StringIO()
    assert render.write_table(iter(()), COLUMNS, out) == 0 and out.getvalue() == ""


def test_a_large_table_streams_every_row_in_order():
    n = 1000
    out = io.StringIO()
    written_before: list[int] = []

    def rows():
        for row in _rows(n):
            if row["id"] == 600:
                written_before.append(len(out.getvalue()))
            yield row

    assert render.write_table(rows(), COLUMNS, out) == n
    assert written_before[0] > 0  # rows were written before the stream was exhausted
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["id", "title", "place"] and set(lines[1]) == {"─"}
    ids = [int(line.split()[0]) for line in lines[2:] if line[:1].strip()]
    assert ids == list(range(1, n + 1))
    assert max(len(line) for line in lines) <= render.TABLE_WIDTH
    width = len(lines[1])
    assert all(len(line) == width for line in lines)  # every cell padded to its column, like rich
    text = out.getvalue()
    assert "Event [7] with a rather long" in text and "Hanoi" in text  # plain text, long cells wrapped, not cut
    long_row = next(i for i, line in enumerate(lines) if line.startswith("7 "))
    assert lines[long_row + 1].startswith(" ") and "goes on" in lines[long_row + 1]


def test_a_large_table_on_a_terminal_shows_its_first_page_and_counts_the_rest():
    out, notes = Tty(), []
    total = render.write_table(_rows(2345), COLUMNS, out, on_more=lambda shown, total: notes.append((shown, total)))
    assert total == 2345 and notes == [(render.TABLE_PAGE, 2345)]
    text = out.getvalue()
    assert "Event [100]" in text and "Event [101]" not in text


def test_wrap_folds_words_wider_than_the_column():
    assert render._wrap("a bb ccc", 4) == ["a bb", "ccc"]
    assert render._wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert render._wrap("", 4) == [""]
    assert all(render._width(line) <= 6 for line in render._wrap("평양 선언 남북 정상회담 합의서", 6))
