"""Rendering rows for people (terminal tables, the grouped timeline) and machines (CSV, JSON).

Machine formats stream: rows are written as they come, so memory does not grow with
the number of events.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO

FORMATS = ("table", "csv", "json", "jsonl")

# Cells a spreadsheet would read as a formula (OWASP, CWE-1236).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


# What must never reach a terminal from stored text (a title, a quote, a slug): C0 and C1
# control characters (ESC ] 0; sets the window title, ESC [ 2 J clears the screen, CSI
# recolours), DEL, and the Unicode line separators and bidirectional overrides that make
# text display other than it reads. Each is shown as a visible escape instead.
_TERMINAL_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """`text` with every control character written as a visible escape (\\x1b, \\u202e):
    for every terminal rendering (tables, the timeline, `show`)."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def _on_terminal(out) -> bool:
    try:
        return hasattr(out, "isatty") and out.isatty()
    except ValueError:  # a closed stream
        return False


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_terminal_safe(text: str) -> str:
    """JSON text with the characters json.dumps leaves raw but a terminal obeys (C1 controls such as
    \x9b, DEL, bidi overrides such as U+202E, line separators) written as \\uXXXX escapes: the same
    JSON to a parser, inert on a screen. They occur only inside strings, where the escape is valid."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def neutralise(value):
    """Prefix a text cell that would run as a spreadsheet formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict], fields: tuple[str, ...], out: IO[str], raw: bool = False, exempt: tuple[str, ...] = ()) -> int:
    """RFC 4180 CSV with a header row; returns the number of data rows. On a terminal, control
    characters in cells are shown escaped (terminal_safe); to a file or a pipe, cells are as stored."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    count = 0
    screen = _on_terminal(out)
    for row in rows:
        cells = []
        for f in fields:
            value = _plain(row.get(f))
            if not raw and f not in exempt:
                value = neutralise(value)
            if screen and isinstance(value, str):
                value = terminal_safe(value)
            cells.append("" if value is None else value)
        writer.writerow(cells)
        count += 1
    return count


def write_csv_rows(rows: Iterable[tuple], fields: tuple[str, ...], out: IO[str], raw: bool = False, exempt: tuple[str, ...] = ()) -> int:
    """write_csv for plain tuples in `fields` order (the export's streaming fast path).

    Values are str/int/float/None or dates (written ISO); text cells that a spreadsheet
    would run as formulas get a leading apostrophe unless `raw` or the field is exempt.
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    checked = [i for i, f in enumerate(fields) if not raw and f not in exempt]
    count = 0
    batch: list = []
    screen = _on_terminal(out)
    for row in rows:
        if screen:
            row = [terminal_safe(v) if v.__class__ is str else v for v in row]
        if checked:
            cells = None
            for i in checked:
                value = row[i]
                if value.__class__ is str and value.startswith(FORMULA_PREFIXES):
                    if cells is None:
                        cells = list(row)
                    cells[i] = "'" + value
            if cells is not None:
                row = cells
        batch.append(row)
        if len(batch) >= 1000:
            writer.writerows(batch)
            count += len(batch)
            batch.clear()
    writer.writerows(batch)
    return count + len(batch)


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> int:
    count = 0
    encode = (lambda row: json_terminal_safe(dumps(row))) if _on_terminal(out) else dumps
    for row in rows:
        out.write(encode(row) + "\n")
        count += 1
    return count


def write_json(rows: Iterable[dict], out: IO[str]) -> int:
    """A JSON array written element by element."""
    count = 0
    encode = (lambda row: json_terminal_safe(dumps(row))) if _on_terminal(out) else dumps
    out.write("[")
    for row in rows:
        out.write(",\n  " if count else "\n  ")
        out.write(encode(row))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def console(out: IO[str]):
    from rich.console import Console

    is_tty = hasattr(out, "isatty") and out.isatty()
    # off a terminal, a fixed wide layout and no colour: stable output for pipes and tests
    return Console(file=out, width=None if is_tty else 200, no_color=not is_tty, highlight=False, soft_wrap=not is_tty)


TABLE_PAGE = 100  # rows laid out together: a result this small is one table, sized to its content
TABLE_WIDTH = 200  # the layout width off a terminal (console(): stable output for pipes and tests)


def _cell(value) -> str:
    return "" if value is None else terminal_safe(str(_plain(value)))


def write_table(rows: Iterable[dict], columns: list[tuple[str, str]], out: IO[str], title: str | None = None,
                on_more=None) -> int:
    """A terminal table of `columns` (key, heading); returns the number of rows.

    Up to TABLE_PAGE rows: one rich table sized to its cells. More rows never build the
    whole table in memory:
    - on a terminal, the first TABLE_PAGE rows are shown and the rest only counted;
      `on_more(shown, total)` is called so the face can say how to get them all;
    - off a terminal (a pipe, a file, -o), every row streams as it comes: the column
      widths are those of the first page, longer cells wrap inside their column.
    """
    it = iter(rows)
    head = []
    for row in it:
        head.append([_cell(row.get(k)) for k, _ in columns])
        if len(head) > TABLE_PAGE:
            break
    if len(head) <= TABLE_PAGE:
        if head:
            _rich_table(head, columns, out, title)
        return len(head)
    if hasattr(out, "isatty") and out.isatty():
        _rich_table(head[:TABLE_PAGE], columns, out, title)
        out.flush()
        total = len(head) + sum(1 for _ in it)  # counted, not kept
        if on_more is not None:
            on_more(TABLE_PAGE, total)
        return total
    return _stream_table(head, it, columns, out, title)


def _rich_table(cells: list[list[str]], columns: list[tuple[str, str]], out: IO[str], title: str | None) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for _, heading in columns:
        table.add_column(heading, overflow="fold")
    for row in cells:
        table.add_row(*(Text(c) for c in row))  # plain text: a '[' in a title is no markup
    console(out).print(table)


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap into lines of at most `width` terminal cells; a longer word is folded."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while _width(word) > width:  # fold a word wider than the column
            room = width - _width(line) - (1 if line else 0)
            if line and room < _width(word[0]):
                lines.append(line)
                line, room = "", width
            cut, used = 0, 0
            while cut < len(word) and used + _width(word[cut]) <= room:
                used += _width(word[cut])
                cut += 1
            cut = max(cut, 1)
            lines.append(f"{line} {word[:cut]}" if line else word[:cut])
            line, word = "", word[cut:]
        if not word:
            continue
        if not line:
            line = word
        elif _width(line) + 1 + _width(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _stream_table(head: list[list[str]], rest: Iterator[dict], columns: list[tuple[str, str]], out: IO[str],
                  title: str | None) -> int:
    """The SIMPLE_HEAD layout of the small tables, written row by row with the first page's widths."""
    widths = [max([_width(h)] + [_width(row[i]) for row in head]) for i, (_, h) in enumerate(columns)]
    for i in range(len(columns)):  # ids and counts grow past the first page's: room for 10^7
        if all(row[i].isdigit() for row in head):
            widths[i] = max(widths[i], 7)
    floors = [max(_width(h), 2) for _, h in columns]
    gaps = 3 * (len(columns) - 1)
    while sum(widths) + gaps > TABLE_WIDTH:  # too wide: narrow the widest column that can give
        i = max((j for j in range(len(widths)) if widths[j] > floors[j]), key=lambda j: widths[j], default=None)
        if i is None:
            break
        widths[i] -= 1
    total = sum(widths) + gaps
    write = out.write

    def emit(cells: list[str]) -> None:
        parts = [c if _width(c) <= w else None for c, w in zip(cells, widths)]
        if None not in parts:
            write("   ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)) + "\n")
            return
        wrapped = [[c] if p is not None else _wrap(c, w) for c, p, w in zip(cells, parts, widths)]
        for k in range(max(len(x) for x in wrapped)):
            line = [x[k] if k < len(x) else "" for x in wrapped]
            write("   ".join(c + " " * (w - _width(c)) for c, w in zip(line, widths)) + "\n")

    if title:
        write(title.center(total).rstrip() + "\n")
    emit([h for _, h in columns])
    write("─" * total + "\n")
    count = 0
    for cells in head:
        emit(cells)
        count += 1
    keys = [k for k, _ in columns]
    for row in rest:
        emit([_cell(row.get(k)) for k in keys])
        count += 1
    return count


STATUS_MARK = {"occurred": "", "expected": "expected", "forecast": "FORECAST?"}


def timeline_lines(rows: Iterable[dict]) -> Iterator[tuple[str | None, dict]]:
    """(year heading or None, row) pairs; a heading starts each new year and the undated block."""
    current = object()
    for row in rows:
        start, end = row.get("start"), row.get("end")
        if start is None and end is None:
            group = "Undated"
        elif start is None:
            group = f"Until {end.year if hasattr(end, 'year') else str(end)[:4]}"
        else:
            group = str(start.year if hasattr(start, "year") else str(start)[:4])
        yield (group if group != current else None), row
        current = group


def write_timeline(rows: Iterable[dict], out: IO[str]) -> int:
    """The human view: chronological, grouped by year, with precision and status visible."""
    from rich.markup import escape

    from kpolicy.dates import humanize

    con = console(out)
    count = 0
    for heading, row in timeline_lines(rows):
        if heading is not None:
            con.print(f"\n[bold]{heading}[/bold]" if count else f"[bold]{heading}[/bold]")
        when = humanize(row.get("date"))
        status = STATUS_MARK.get(row.get("status"), row.get("status"))
        actors = row.get("actors") or ""
        line = f"  {when:<27} {row.get('precision') or '':<9} {row.get('type'):<15} {status:<10} {row.get('title')}"
        if actors:
            line += f"  — {actors}"
        style = "italic dim" if row.get("status") == "forecast" else ("italic" if row.get("status") == "expected" else "")
        review = row.get("review")
        mark = "" if review in (None, "reviewed") else (" unreviewed" if review == "extracted" else f" {review}")
        text = escape(terminal_safe(f"{line}  [#{row.get('id')}{mark}]"))
        con.print(f"[{style}]{text}[/{style}]" if style else text)
        count += 1
    return count


# ---- column lists (key, heading) of the terminal tables -----------------------------------

EVENT_COLUMNS = [("id", "id"), ("date", "date"), ("precision", "precision"), ("type", "type"), ("status", "status"),
                 ("title", "title"), ("actors", "actors"), ("place", "place")]
SEARCH_COLUMNS = [("id", "id"), ("date", "date"), ("type", "type"), ("status", "status"), ("title", "title"), ("snippet", "snippet")]
ACTOR_COLUMNS = [("name", "name"), ("kind", "kind"), ("iso3", "iso3"), ("parent", "parent"), ("wikidata", "wikidata"),
                 ("cameo", "cameo"), ("events", "events"), ("aliases", "aliases")]
TYPE_COLUMNS = [("code", "type"), ("family", "family"), ("events", "events"), ("description", "covers")]
SOURCE_COLUMNS = [("slug", "slug"), ("published", "published"), ("published_from", "date from"), ("publisher", "publisher"), ("events", "events"),
                  ("mentions", "mentions"), ("title", "title")]


def _was(field: str, value) -> str:
    if field == "actors":
        return ", ".join(f"{n} ({r})" for n, r in value or []) or "-"
    return "-" if value in (None, "") else str(value)


def show_text(event: dict) -> str:
    """The `kpolicy show` layout of one event (kpolicy.query.get_event's dict; its `set_by`, when
    present, is kpolicy.curate.changes.hand_set: a field a person set says by whom, in which
    change, and what it was, and the date phrase of a hand-set date is kept as history)."""
    from kpolicy.dates import humanize

    set_by = event.get("set_by") or {}
    actor_list = ", ".join(f"{a['name']} ({a['role']})" for a in event["actor_roles"])
    lines = [f"#{event['id']}  {event['title']}"]

    def field(name: str, label: str, text: str) -> None:
        lines.append(f"  {label:<10} {text}")
        who = set_by.get(name)
        if who:
            why = f": {who['reason']}" if who.get("reason") else ""
            lines.append(f"             set by {who['by'] or 'unknown'} in change {who['change']} (`kpolicy {who['command']}`{why}); "
                         f"was {_was(name, who['was'])}")

    if set_by.get("title"):
        field("title", "title", event["title"])
    field("type", "type", f"{event['type']} ({event['family']})")
    field("date", "date", f"{event['date'] or 'undated'}  ({humanize(event['date'])}; precision {event['precision']}; "
                          f"{event['start'] or '..'} to {event['end'] or '..'})")
    field("status", "status", event["status"])
    field("actors", "actors", actor_list or "-")
    field("place", "place", event["place"] or "-")
    lines.append(f"  review     {event['review']} (confidence {event['confidence']:.2f})"
                 + (f"; version {event['version']}" if event.get("version") is not None else ""))
    if event.get("description") or set_by.get("description"):
        field("description", "about", event.get("description") or "-")
    lines.append(f"  mentions   {len(event['mentions'])}")
    for i, m in enumerate(event["mentions"], 1):
        mention = f", mention {m['id']}" if m.get("id") is not None else ""
        page = f"page {m['page']}, " if m.get("page") else ""
        lines.append(f"  [{i}] {m['source']} ({m['published']}), {page}characters {m['char_start']}-{m['char_end']}{mention}")
        lines.append(f"      “{m['quote']}”")
        if m["date_text"]:
            was = "was: " if set_by.get("date") else ""
            lines.append(f"      {was}date from {m['date_text']!r}, resolved against {m['date_anchor'] or 'nothing (absolute)'}")
    return "\n".join(terminal_safe(line) for line in lines)


# ---- the review queue (`kpolicy review`) --------------------------------------------------------

REVIEW_WIDTH = 100  # the layout width when neither COLUMNS nor a terminal gives one


def review_width() -> int:
    """The terminal's width: COLUMNS when set, else the terminal's, else REVIEW_WIDTH."""
    import shutil

    return max(40, shutil.get_terminal_size((REVIEW_WIDTH, 24)).columns)


def write_review(rows: Iterable[dict], out: IO[str], width: int) -> int:
    """The review queue for reading: each item a block of its id, what awaits (an extracted
    event, or a proposal) and its source, then its date, type and title, then its quote whole.

    Lines are wrapped to `width` at spaces only, so an id, a slug or a hyphenated name is
    never broken (a single word wider than the line stays whole on its own line)."""
    import textwrap

    def fill(text: str, first: str, rest: str) -> str:  # a no-break space keeps a '·' at the end of its line
        return textwrap.fill(text, width=width, initial_indent=first, subsequent_indent=rest,
                             break_long_words=False, break_on_hyphens=False).replace("\xa0", " ")

    count = 0
    for row in rows:
        if count:
            out.write("\n")
        what = "event" if row["kind"] == "event" else f"proposal {row['proposal']} ({row['kind'].split(':', 1)[-1]})"
        source = f"from {row['source']}" + (f" ({_cell(row['published'])})" if row.get("published") else "") if row.get("source") else "no source"
        head = f"#{row['id']}  {what}\xa0· {source}\xa0· {row['detail']}"
        body = f"{row['date'] or 'undated'}  {row['type']}  {row['title']}"
        lines = [fill(terminal_safe(head), "", "    "), fill(terminal_safe(body), "    ", "      ")]
        if row.get("quote"):
            lines.append(fill(terminal_safe(f"“{row['quote']}”"), "    ", "     "))
        out.write("\n".join(lines) + "\n")
        count += 1
    return count
