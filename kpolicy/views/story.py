"""A story read for its reader: blocks resolved to events, footnotes numbered, warnings found;
and its exports (Markdown, HTML, DOCX, PDF, TimelineJS).

`build(database, slug)` reads the story's blocks as they are now, and its events — the cited
ones, the saved queries' matches — as the database stood at the story's frozen change (if
it is frozen: every later change rewound in a rolled-back transaction, kpolicy.curate.as_of)
or as they are now. Each block also gets the warnings an analyst must see (an event changed
since the freeze, merged, split or deleted); the exports leave warnings out, so that a
frozen story's export is the same file byte for byte whatever happens later. An event that
is gone is still shown, as deleted, with its last version: an export never fails on it.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.dates import MONTH_NAMES, analyst_date
from kpolicy.store import schema
from kpolicy.store.stories import CITATION

MAX_MATCHES = 1_000  # events one saved query shows; the rest are counted
STATUS_WORDS = {"expected": "Expected", "forecast": "Forecast"}
# characters XML 1.0 cannot hold (DOCX), and the C0/C1 controls a terminal or reader would act on
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def neutral(text: str | None) -> str:
    """Text with the control characters and XML-illegal code points taken out (kept visible as U+FFFD)."""
    return _UNPRINTABLE.sub("\ufffd", text or "")


# ---- the model ------------------------------------------------------------------------------

@dataclass
class Note:
    number: int
    event: int
    publisher: str | None = None
    source_title: str | None = None
    published: date | None = None
    url: str | None = None
    quote: str | None = None
    page: int | None = None
    missing: bool = False  # no source recorded for the event
    about: str = ""  # the event it supports, as a reader names it: 'Title (28–31 December 2019)'


@dataclass
class StoryDoc:
    slug: str
    title: str
    author: str | None
    frozen_change: int | None
    version: int
    latest_change: int
    blocks: list[dict] = field(default_factory=list)
    events: dict[int, dict] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    note_numbers: dict[int, list[int]] = field(default_factory=dict)

    def event_ids(self) -> list[int]:
        """Every event the story shows, in reading order, each once."""
        seen: list[int] = []
        for blk in self.blocks:
            for event_id in blk["cites"]:
                if event_id not in seen:
                    seen.append(event_id)
        return seen


def _when(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def long_date(day: date | None) -> str | None:
    return None if day is None else f"{day.day} {MONTH_NAMES[day.month]} {day.year}"


def load_events(conn: Connection, ids) -> dict[int, dict]:
    """Events by id as stored (tombstones too: a deleted or merged-away event keeps its last
    version), with their mentions' sources; ids not in the database are left out."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return {}
    e, p, m, s = schema.events, schema.places, schema.mentions, schema.sources
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in conn.execute(sa.select(e.c.id, e.c.title, e.c.date, e.c.start_date, e.c.end_date, e.c.precision, e.c.status,
                                        e.c.type, e.c.version, e.c.deleted_at, e.c.merged_into, e.c.description, e.c.sort_key,
                                        p.c.name.label("place")).outerjoin(p, p.c.id == e.c.place_id).where(e.c.id.in_(chunk))):
            state = "live" if r.deleted_at is None else ("merged" if r.merged_into is not None else "deleted")
            out[r.id] = {"id": r.id, "title": r.title, "date": r.date, "start": r.start_date, "end": r.end_date,
                         "precision": r.precision, "status": r.status, "type": r.type, "place": r.place, "version": r.version,
                         "state": state, "deleted_at": r.deleted_at, "merged_into": r.merged_into,
                         "description": r.description, "sort_key": r.sort_key, "mentions": []}
        for r in conn.execute(sa.select(m.c.event_id, m.c.quote, m.c.page, s.c.slug, s.c.title, s.c.publisher, s.c.published,
                                        s.c.url).join(s, s.c.id == m.c.source_id).where(m.c.event_id.in_(chunk))
                              .order_by(m.c.event_id, m.c.id)):
            out[r.event_id]["mentions"].append({"quote": r.quote, "page": r.page, "source": r.slug, "source_title": r.title,
                                                "publisher": r.publisher, "published": r.published, "url": r.url})
    # a merged-away event's sources went with its mentions to the event it went into
    targets = {ev["merged_into"] for ev in out.values() if ev["state"] == "merged" and not ev["mentions"]}
    if targets - set(out):
        extra = load_events(conn, targets - set(out))
        for ev in out.values():
            if ev["state"] == "merged" and not ev["mentions"] and ev["merged_into"] in extra:
                ev["mentions"] = extra[ev["merged_into"]]["mentions"]
    for ev in out.values():
        if ev["state"] == "merged" and not ev["mentions"] and ev["merged_into"] in out:
            ev["mentions"] = out[ev["merged_into"]]["mentions"]
    return out


def _order(events: dict[int, dict], ids) -> list[int]:
    return sorted(set(ids), key=lambda i: (events[i]["sort_key"] if i in events else 2**62, i))


def story_event_ids(conn: Connection, slug: str, seen: set[str] | None = None) -> list[int]:
    """The events another story takes in: its event blocks, citations and saved queries' matches."""
    from kpolicy.store.stories import blocks_of, story_row

    seen = set() if seen is None else seen
    if slug in seen:  # a cycle (refused when written; a hand-made one is cut here)
        return []
    seen.add(slug)
    row = story_row(conn, slug)
    if row is None or row.deleted_at is not None:
        return []
    out: list[int] = []
    for blk in blocks_of(conn, row.id):
        if blk["kind"] == "event" and blk["event"] is not None:
            out.append(blk["event"])
        elif blk["kind"] == "text":
            out.extend(int(m.group(1)) for m in CITATION.finditer(blk["text"] or ""))
        elif blk["kind"] == "query":
            out.extend(query_matches(conn, blk["filters"] or {}, seen)[0])
    return list(dict.fromkeys(out))


def query_matches(conn: Connection, filters: dict, seen: set[str] | None = None) -> tuple[list[int], int]:
    """A saved query's events in timeline order (at most MAX_MATCHES) and how many matched in all."""
    from kpolicy.query import iter_rows, query_of, timeline

    others = [s for s in filters.get("stories", [])]
    own = {k: v for k, v in filters.items() if k != "stories"}
    ids: list[int] | None = None
    if own:
        q = query_of(own)
        ids = [r["id"] for r in iter_rows(conn, q, columns=[timeline.c.id])]
    if others:
        pool: list[int] = []
        for slug in others:
            pool.extend(story_event_ids(conn, slug, set(seen or ())))
        if ids is None:
            live = load_events(conn, pool)
            ids = [i for i in _order(live, pool) if live.get(i, {}).get("state") == "live"]
        else:
            wanted = set(pool)
            ids = [i for i in ids if i in wanted]
    ids = ids or []
    return ids[:MAX_MATCHES], len(ids)


def _cited(blk: dict) -> list[int]:
    if blk["kind"] == "event":
        return [blk["event"]]
    if blk["kind"] == "text":
        return list(dict.fromkeys(int(m.group(1)) for m in CITATION.finditer(blk["text"] or "")))
    return []


def build(database, slug: str) -> StoryDoc:
    """The story ready to read or export (see the module's docstring)."""
    from kpolicy.curate import stories as curate_stories

    with database.reading() as conn:
        row = curate_stories.story(conn, slug)
        from kpolicy.store.stories import blocks_of

        blocks = blocks_of(conn, row.id)
        latest = curate_stories.latest_change(conn)
        doc = StoryDoc(row.slug, row.title, row.author, row.frozen_change, row.version, latest)
        if row.frozen_change is None:
            _resolve(conn, doc, blocks)
            doc_now = {i: ev for i, ev in doc.events.items()}
            _warnings(conn, doc, doc_now)
            return doc
        now_blocks = blocks
    from kpolicy.curate import as_of

    with as_of(database, row.frozen_change) as then:
        _resolve(then, doc, now_blocks)
    with database.reading() as conn:
        _warnings(conn, doc, load_events(conn, doc.event_ids()))
    return doc


def _resolve(conn: Connection, doc: StoryDoc, blocks: list[dict]) -> None:
    ids: list[int] = []
    for n, blk in enumerate(blocks, 1):
        shown = {"n": n, "id": blk["id"], "kind": blk["kind"], "text": blk["text"], "event": blk["event"],
                 "filters": blk["filters"], "since": blk["since"], "cites": _cited(blk), "matches": [], "total": 0,
                 "warnings": []}
        if blk["kind"] == "query":
            shown["matches"], shown["total"] = query_matches(conn, blk["filters"] or {}, {doc.slug})
            shown["cites"] = list(shown["matches"])
        doc.blocks.append(shown)
        ids.extend(shown["cites"])
    doc.events = load_events(conn, ids)
    if doc.frozen_change is not None:
        for ev in doc.events.values():
            if ev["state"] == "deleted" and ev["deleted_at"] is not None and _created_after(conn, ev["id"], doc.frozen_change):
                ev["state"] = "later"
    for blk in doc.blocks:
        for event_id in blk["cites"]:
            if event_id in doc.note_numbers:
                continue
            ev = doc.events.get(event_id)
            when, title, _ = event_words(ev, event_id, doc.frozen_change)
            about = f"{title} ({when})"
            numbers = []
            for mention in (ev or {}).get("mentions", []):
                note = Note(len(doc.notes) + 1, event_id, mention["publisher"], mention["source_title"], mention["published"],
                            mention["url"], mention["quote"], mention["page"], about=about)
                doc.notes.append(note)
                numbers.append(note.number)
            if not numbers:
                doc.notes.append(Note(len(doc.notes) + 1, event_id, missing=True, about=about))
                numbers.append(len(doc.notes))
            doc.note_numbers[event_id] = numbers


def _created_after(conn: Connection, event_id: int, change: int) -> bool:
    r = schema.revisions
    first = conn.execute(sa.select(sa.func.min(r.c.change_id)).where(r.c.event_id == event_id, r.c.action == "created")).scalar()
    return first is not None and first > change


def _warnings(conn: Connection, doc: StoryDoc, now: dict[int, dict]) -> None:
    """What changed under each block's events: since the freeze, or since the block was written."""
    r = schema.revisions
    ids = doc.event_ids()
    splits: dict[int, list[tuple[int, int]]] = {}
    if ids:
        for event_id, change_id in conn.execute(sa.select(r.c.event_id, r.c.change_id).where(
                r.c.event_id.in_(ids), r.c.action == "split", r.c.field == "mentions").order_by(r.c.change_id)):
            splits.setdefault(event_id, []).append(change_id)
    for blk in doc.blocks:
        since = doc.frozen_change if doc.frozen_change is not None else (blk["since"] or 0)
        for event_id in blk["cites"]:
            shown, current = doc.events.get(event_id), now.get(event_id)
            if current is None:
                blk["warnings"].append(f"event #{event_id} is not in the database")
                continue
            if current["state"] == "merged":
                blk["warnings"].append(f"event #{event_id} was merged into #{current['merged_into']} "
                                       f"({_when(current['deleted_at'])}); its last version is shown")
            elif current["state"] == "deleted":
                blk["warnings"].append(f"event #{event_id} was deleted ({_when(current['deleted_at'])}); its last version is shown")
            if doc.frozen_change is not None and shown is not None and shown["state"] == "live" and current["state"] == "live" \
                    and shown["version"] != current["version"]:
                blk["warnings"].append(f"event #{event_id} changed since the story was frozen at change {doc.frozen_change} "
                                       f"(version {shown['version']} then, {current['version']} now); the story shows it as it was")
            later = [ch for ch in splits.get(event_id, []) if ch > since]
            if later:
                blk["warnings"].append(f"event #{event_id} was split (change {later[-1]}): some of its sources are now another event")


# ---- shared phrasing --------------------------------------------------------------------------

def event_words(ev: dict | None, event_id: int, frozen: int | None) -> tuple[str, str, str]:
    """(date, title with its status in words, a note on its state or '') for one event line."""
    if ev is None:
        return "undated", f"Event #{event_id}", "not in the database"
    title = ev["title"]
    status = STATUS_WORDS.get(ev["status"])
    if status:
        title = f"{status}: {title}"
    note = ""
    if ev["state"] == "deleted":
        note = f"deleted from the database on {ev['deleted_at']:%Y-%m-%d}; its last version is shown"
    elif ev["state"] == "merged":
        note = f"merged into event #{ev['merged_into']}; its last version is shown"
    elif ev["state"] == "later":
        note = f"not yet in the database at change {frozen}"
    return analyst_date(ev["date"]), title, note


def note_text(note: Note) -> tuple[list[str], str | None]:
    """A footnote's parts (the event it supports; publisher, “title”, date; page) and its quote."""
    if note.missing:
        return [note.about, f"no source is recorded for event #{note.event}"], None
    parts = [x for x in (note.about, note.publisher, f"“{note.source_title}”" if note.source_title else None, long_date(note.published)) if x]
    if note.page:
        parts.append(f"p. {note.page}")
    return parts, note.quote


def byline(doc: StoryDoc) -> list[str]:
    out = []
    if doc.author:
        out.append(f"By {doc.author}")
    if doc.frozen_change is not None:
        out.append(f"Frozen at change {doc.frozen_change}: every event as the database stood then")
    return out


def query_line(blk: dict) -> str:
    total = blk["total"]
    if total == 0:
        return f"No events match the saved query {blk['text']}"
    shown = len(blk["matches"])
    more = f" (the first {shown} shown)" if shown < total else ""
    return f"{total} event{'s' if total != 1 else ''} match the saved query {blk['text']}{more}"


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def safe_url(url: str | None) -> str | None:
    """A URL a reader may follow: http(s) only (never javascript:, data: ...)."""
    if url and re.match(r"https?://[^\s<>\"']+$", url.strip(), re.I):
        return url.strip()
    return None


# ---- Markdown ------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md(text: str | None, *, start: bool = True) -> str:
    """Plain text made inert in Markdown: its markup characters escaped, HTML too, on one line
    (`start`: it begins a line, where #, -, + and '1.' would open a block)."""
    text = neutral(re.sub(r"\s+", " ", str(text or "")))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if not start:
        return text
    return re.sub(r"^(\s*)(?:([#+\-=])|(\d+)([.)]))", lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), text)


def _md_refs(doc: StoryDoc, event_id: int) -> str:
    return "".join(f"[^{n}]" for n in doc.note_numbers.get(event_id, []))


def _md_event(doc: StoryDoc, event_id: int) -> str:
    when, title, note = event_words(doc.events.get(event_id), event_id, doc.frozen_change)
    tail = f" ({md(note)})" if note else ""
    return f"- **{md(when)}** — {md(title)}{tail}{_md_refs(doc, event_id)}"


def _md_text(doc: StoryDoc, text: str) -> str:
    out, last = [], 0
    for m in CITATION.finditer(text):
        out.append(md(text[last:m.start()].rstrip(), start=last == 0))  # the marker hugs its word
        event_id = int(m.group(1))
        out.append(_md_refs(doc, event_id) or f"(event {event_id})")
        last = m.end()
    out.append(md(text[last:], start=last == 0))
    return "".join(out).strip()


def to_markdown(doc: StoryDoc) -> str:
    lines = [f"# {md(doc.title)}", ""]
    for line in byline(doc):
        lines += [f"*{md(line)}.*", ""]
    for blk in doc.blocks:
        if blk["kind"] == "heading":
            lines += [f"## {md(blk['text'])}", ""]
        elif blk["kind"] == "text":
            for para in paragraphs(blk["text"]):
                lines += [_md_text(doc, para), ""]
        elif blk["kind"] == "event":
            lines += [_md_event(doc, blk["event"]), ""]
        elif blk["kind"] == "query":
            lines += [f"*{md(query_line(blk))}:*" if blk["total"] else f"*{md(query_line(blk))}.*", ""]
            lines += [_md_event(doc, i) for i in blk["matches"]]
            if blk["matches"]:
                lines.append("")
    if doc.notes:
        lines += ["---", ""]
        for note in doc.notes:
            parts, quote = note_text(note)
            text = md(parts[0]) + ". " + ", ".join(md(p, start=False) for p in parts[1:])
            url = safe_url(note.url)
            if url:
                text += f", <{url.replace('>', '%3E')}>"
            if quote:
                text += f": “{md(quote)}”"
            lines.append(f"[^{note.number}]: {text}.")
        lines.append("")
    return "\n".join(lines)


# ---- HTML ----------------------------------------------------------------------------------------

HTML_STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #1a1a1a; }
h1 { font-size: 1.8em; margin-bottom: .2em; } h2 { font-size: 1.3em; margin-top: 1.6em; }
.byline { color: #555; font-style: italic; }
ul.events { list-style: none; padding-left: 0; } ul.events li { margin: .4em 0; padding-left: 1em; border-left: 3px solid #9ab; }
.date { font-weight: bold; } .status { font-variant: small-caps; color: #8a4b00; } .gone { color: #a00; font-style: italic; }
.query { color: #444; font-style: italic; } sup a { text-decoration: none; } sup.fn + sup.fn::before { content: ','; }
.footnotes { border-top: 1px solid #ccc; margin-top: 2em; font-size: .9em; } .footnotes q { font-style: italic; }
""".strip()


def h(text) -> str:
    return html.escape(neutral(str(text if text is not None else "")), quote=True)


class _Refs:
    """Footnote markers; the first marker of a note gets the id its back-link returns to."""

    def __init__(self, doc: StoryDoc):
        self.doc, self.seen = doc, set()

    def __call__(self, event_id: int) -> str:
        out = []
        for n in self.doc.note_numbers.get(event_id, []):
            anchor = "" if n in self.seen else f' id="fnref-{n}"'
            self.seen.add(n)
            out.append(f'<sup class="fn"><a href="#fn-{n}"{anchor}>{n}</a></sup>')
        return "".join(out)


def _html_event(doc: StoryDoc, event_id: int, refs: _Refs) -> str:
    ev = doc.events.get(event_id)
    when, title, note = event_words(ev, event_id, doc.frozen_change)
    status = STATUS_WORDS.get((ev or {}).get("status"))
    if status:
        title_html = f'<span class="status">{h(status)}:</span> {h(title[len(status) + 2:])}'
    else:
        title_html = h(title)
    gone = f' <span class="gone">({h(note)})</span>' if note else ""
    css = f"event status-{h((ev or {}).get('status') or 'unknown')} state-{h((ev or {}).get('state') or 'missing')}"
    return f'<li class="{css}" data-event="{event_id}"><span class="date">{h(when)}</span> — <span class="title">{title_html}</span>{gone}{refs(event_id)}</li>'


def _html_text(doc: StoryDoc, text: str, refs: _Refs) -> str:
    out, last = [], 0
    for m in CITATION.finditer(text):
        out.append(h(text[last:m.start()].rstrip()))
        event_id = int(m.group(1))
        out.append(refs(event_id) or h(f"(event {event_id})"))
        last = m.end()
    out.append(h(text[last:]))
    return "".join(out)


def to_html(doc: StoryDoc) -> str:
    """One self-contained HTML file: its style inline, no script, no outside resource."""
    refs = _Refs(doc)
    body = [f"<h1>{h(doc.title)}</h1>"]
    for line in byline(doc):
        body.append(f'<p class="byline">{h(line)}.</p>')
    for blk in doc.blocks:
        if blk["kind"] == "heading":
            body.append(f"<h2>{h(blk['text'])}</h2>")
        elif blk["kind"] == "text":
            body.extend(f"<p>{_html_text(doc, para, refs)}</p>" for para in paragraphs(blk["text"]))
        elif blk["kind"] == "event":
            body.append(f'<ul class="events">{_html_event(doc, blk["event"], refs)}</ul>')
        elif blk["kind"] == "query":
            body.append(f'<p class="query">{h(query_line(blk))}{":" if blk["total"] else "."}</p>')
            if blk["matches"]:
                body.append('<ul class="events">' + "".join(_html_event(doc, i, refs) for i in blk["matches"]) + "</ul>")
    if doc.notes:
        items = []
        for note in doc.notes:
            parts, quote = note_text(note)
            text = h(parts[0]) + ". " + ", ".join(h(p) for p in parts[1:])
            url = safe_url(note.url)
            if url:
                text += f', <a href="{h(url)}">{h(url)}</a>'
            if quote:
                text += f": <q>{h(quote)}</q>"
            back = f' <a href="#fnref-{note.number}" class="back">↩</a>' if note.number in refs.seen else ""
            items.append(f'<li id="fn-{note.number}">{text}.{back}</li>')
        body.append('<section class="footnotes"><h2>Sources</h2><ol>' + "".join(items) + "</ol></section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"generator\" content=\"kpolicy\">\n<title>{h(doc.title)}</title>\n<style>\n{HTML_STYLE}\n</style>\n</head>\n"
            "<body>\n<article class=\"story\">\n" + "\n".join(body) + "\n</article>\n</body>\n</html>\n")


# ---- plain text (`kpolicy story show`) ------------------------------------------------------------

def to_text(doc: StoryDoc) -> str:
    """The story as `kpolicy story show` prints it: numbered blocks, their events and warnings."""
    from kpolicy.views.render import terminal_safe as clean

    head = [f"{clean(doc.title)}  [{doc.slug}, version {doc.version}]"]
    head += [f"  {clean(line)}" for line in byline(doc)]
    lines = head + [""]
    if not doc.blocks:
        lines.append("  (no blocks yet: `kpolicy story add " + doc.slug + " --event ID` adds one)")
    for blk in doc.blocks:
        label = {"heading": "heading", "text": "text", "event": "event", "query": "query"}[blk["kind"]]
        if blk["kind"] in ("heading", "text"):
            body = clean(" ".join((blk["text"] or "").split()))
            lines.append(f"{blk['n']:>3}  {label:<8} {body}")
        elif blk["kind"] == "event":
            when, title, note = event_words(doc.events.get(blk["event"]), blk["event"], doc.frozen_change)
            lines.append(f"{blk['n']:>3}  {label:<8} #{blk['event']}  {when}  {clean(title)}" + (f"  [{note}]" if note else ""))
        else:
            lines.append(f"{blk['n']:>3}  {label:<8} {clean(blk['text'])}  ({query_line(blk).split(' match')[0]})")
            for i in blk["matches"]:
                when, title, note = event_words(doc.events.get(i), i, doc.frozen_change)
                lines.append(f"{'':>14}#{i}  {when}  {clean(title)}" + (f"  [{note}]" if note else ""))
        for warning in blk["warnings"]:
            lines.append(f"{'':>14}! {clean(warning)}")
    return "\n".join(lines) + "\n"


# ---- DOCX ----------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _docx_refs(paragraph, doc: StoryDoc, event_id: int) -> None:
    """Real footnote references (w:footnoteReference) after the run before them."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for n in doc.note_numbers.get(event_id, []):
        run = paragraph.add_run()
        rpr = OxmlElement("w:rPr")
        style = OxmlElement("w:rStyle")
        style.set(qn("w:val"), "FootnoteReference")
        rpr.append(style)
        run._r.append(rpr)
        ref = OxmlElement("w:footnoteReference")
        ref.set(qn("w:id"), str(n))
        run._r.append(ref)


def _docx_event(document, doc: StoryDoc, event_id: int) -> None:
    ev = doc.events.get(event_id)
    when, title, note = event_words(ev, event_id, doc.frozen_change)
    paragraph = document.add_paragraph(style="List Bullet")
    paragraph.add_run(neutral(when)).bold = True
    paragraph.add_run(" — " + neutral(title))
    if note:
        paragraph.add_run(f" ({neutral(note)})").italic = True
    _docx_refs(paragraph, doc, event_id)


def _footnotes_xml(doc: StoryDoc) -> bytes:
    """word/footnotes.xml: the two separators Word expects, then one footnote per note."""
    from lxml import etree

    root = etree.Element(_w("footnotes"), nsmap={"w": W_NS})
    for kind, number in (("separator", "-1"), ("continuationSeparator", "0")):
        fn = etree.SubElement(root, _w("footnote"), {_w("type"): kind, _w("id"): number})
        p = etree.SubElement(fn, _w("p"))
        ppr = etree.SubElement(p, _w("pPr"))
        etree.SubElement(ppr, _w("spacing"), {_w("after"): "0", _w("line"): "240", _w("lineRule"): "auto"})
        etree.SubElement(etree.SubElement(p, _w("r")), _w(kind))
    for note in doc.notes:
        fn = etree.SubElement(root, _w("footnote"), {_w("id"): str(note.number)})
        p = etree.SubElement(fn, _w("p"))
        etree.SubElement(etree.SubElement(p, _w("pPr")), _w("pStyle"), {_w("val"): "FootnoteText"})
        ref = etree.SubElement(p, _w("r"))
        etree.SubElement(etree.SubElement(ref, _w("rPr")), _w("rStyle"), {_w("val"): "FootnoteReference"})
        etree.SubElement(ref, _w("footnoteRef"))
        parts, quote = note_text(note)
        text = " " + parts[0] + ". " + ", ".join(parts[1:])
        url = safe_url(note.url)
        if url:
            text += f", {url}"
        if quote:
            text += f": “{quote}”"
        t = etree.SubElement(etree.SubElement(p, _w("r")), _w("t"))
        t.text = neutral(text + ".")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _stable_zip(data: bytes) -> bytes:
    """The same package with every member's time fixed: a frozen story's DOCX is the same file each time."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def to_docx(doc: StoryDoc) -> bytes:
    """A Word document through python-docx: the title, headings and lists in the document's own
    styles (Title, Heading 1, List Bullet), and real footnotes (word/footnotes.xml) for every
    source. Story text is written as text runs only (no field, link or markup is ever made
    from it), with the characters XML cannot hold replaced."""
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.shared import Pt

    document = Document()
    props = document.core_properties
    props.title, props.author = neutral(doc.title)[:255], neutral(doc.author or "")[:255]
    props.comments = f"kpolicy story {doc.slug}" + (f", frozen at change {doc.frozen_change}" if doc.frozen_change else "")
    text_style = document.styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
    text_style.base_style = document.styles["Normal"]
    text_style.font.size = Pt(9)
    ref_style = document.styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
    ref_style.font.superscript = True
    document.add_heading(neutral(doc.title), level=0)
    for line in byline(doc):
        document.add_paragraph(neutral(line) + ".", style="Subtitle")
    for blk in doc.blocks:
        if blk["kind"] == "heading":
            document.add_heading(neutral(blk["text"]), level=1)
        elif blk["kind"] == "text":
            for para in paragraphs(blk["text"]):
                paragraph = document.add_paragraph(style="Normal")
                last = 0
                for m in CITATION.finditer(para):
                    paragraph.add_run(neutral(para[last:m.start()].rstrip()))
                    event_id = int(m.group(1))
                    if doc.note_numbers.get(event_id):
                        _docx_refs(paragraph, doc, event_id)
                    else:
                        paragraph.add_run(f"(event {event_id})")
                    last = m.end()
                paragraph.add_run(neutral(para[last:]))
        elif blk["kind"] == "event":
            _docx_event(document, doc, blk["event"])
        elif blk["kind"] == "query":
            document.add_paragraph(style="Normal").add_run(neutral(query_line(blk)) + (":" if blk["total"] else ".")).italic = True
            for event_id in blk["matches"]:
                _docx_event(document, doc, event_id)
    if doc.notes:
        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, _footnotes_xml(doc), document.part.package)
        document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())


# ---- PDF (WeasyPrint, from the HTML) ------------------------------------------------------------------

PDF_SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


def _no_fetch(url, *args, **kwargs):
    """WeasyPrint's URL fetcher: nothing is fetched (no network at run time; the HTML needs nothing)."""
    from kpolicy.errors import BadInput

    raise BadInput(f"the PDF export fetches nothing ({url[:60]})")


def to_pdf(doc: StoryDoc) -> bytes:
    """The HTML export laid out as a PDF by WeasyPrint (no browser): the same escaped text, the
    sources as numbered notes at the end with their links. Nothing is fetched."""
    from kpolicy.errors import RuntimeFailure

    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango or HarfBuzz missing from the system
        raise RuntimeFailure(f"the PDF export needs WeasyPrint and its system libraries ({exc.__class__.__name__}: "
                             f"{str(exc)[:120]}); `pip install weasyprint` and `apt-get install {PDF_SYSTEM_PACKAGES}`, "
                             "or export --format html and print that") from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with _fixed_font_timestamps():
        return HTML(string=to_html(doc), url_fetcher=_no_fetch).write_pdf()


@contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    """fontTools stamps each embedded font subset with the time it was made (its `head` table),
    so two exports a second apart differed: it reads SOURCE_DATE_EPOCH instead when that is set.
    The same fixed time as the DOCX members' (1980-01-01), unless the caller set one."""
    import os

    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = "315532800"
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


# ---- TimelineJS ----------------------------------------------------------------------------------

def _slide_row(ev: dict) -> dict:
    first = ev["mentions"][0] if ev["mentions"] else {}
    return {"id": ev["id"], "date": ev["date"], "start": ev["start"], "end": ev["end"], "precision": ev["precision"],
            "status": ev["status"], "title": ev["title"], "quote": first.get("quote"), "source": first.get("source"),
            "type": ev["type"], "states": []}


def to_timelinejs(doc: StoryDoc) -> str:
    """A TimelineJS document: the title slide (title, author, the text before anything dated), one
    slide per event the story shows, and the story's text as slides: each paragraph at the date
    of the first event it cites, headed by the heading it falls under."""
    from kpolicy.views.exports import timelinejs_slide
    from kpolicy.views.render import dumps

    def esc(text):
        return html.escape(neutral(text or ""), quote=False)

    intro, slides, seen = [], [], set()
    heading, last_date = doc.title, None
    for blk in doc.blocks:
        if blk["kind"] == "heading":
            heading = blk["text"]
        elif blk["kind"] == "text":
            dated = [doc.events[i] for i in blk["cites"] if i in doc.events and doc.events[i]["start"] is not None]
            body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs(re.sub(r"\s*\[#\d{1,12}\]", "", blk["text"])))
            if not dated and last_date is None:
                intro.append(body)  # text before anything dated opens the timeline
                continue
            slide = (timelinejs_slide(_slide_row(dated[0]), "type") or {}) if dated else {"start_date": last_date}
            last_date = slide.get("start_date") or last_date
            cited = "; ".join(f"{esc(event_words(doc.events.get(i), i, doc.frozen_change)[1])} ({esc(analyst_date(doc.events[i]['date']))})"
                              for i in blk["cites"] if i in doc.events)
            slides.append({"unique_id": f"text-{blk['id']}", "start_date": slide.get("start_date"), "group": "Story",
                           **({"display_date": slide["display_date"]} if slide.get("display_date") else {}),
                           "text": {"headline": esc(heading), "text": body + f"<p><small>Cites: {cited}.</small></p>"}})
        else:
            for event_id in ([blk["event"]] if blk["kind"] == "event" else blk["matches"]):
                ev = doc.events.get(event_id)
                if ev is None or event_id in seen:
                    continue
                seen.add(event_id)
                slide = timelinejs_slide(_slide_row(ev), "type")
                if slide is None:
                    continue
                last_date = slide.get("start_date") or last_date
                when, title, note = event_words(ev, event_id, doc.frozen_change)
                slide["text"]["headline"] = esc(title)
                slide["display_date"] = esc(when)
                if note:
                    slide["text"]["text"] += f"<p><em>{esc(note)}.</em></p>"
                slides.append(slide)
    byline_html = "".join(f"<p>{esc(line)}.</p>" for line in byline(doc))
    data = {"title": {"text": {"headline": esc(doc.title), "text": byline_html + "".join(intro)}}, "events": slides}
    return dumps(data) + "\n"


# ---- JSON and the exporters ----------------------------------------------------------------------

def to_json(doc: StoryDoc) -> dict:
    """The story as data: blocks with their events, footnotes and warnings (`story show --format json`, the desk's .json)."""
    def event(event_id):
        ev = doc.events.get(event_id)
        when, title, note = event_words(ev, event_id, doc.frozen_change)
        return {"id": event_id, "date": (ev or {}).get("date"), "written_date": when, "title": (ev or {}).get("title"),
                "line": title, "status": (ev or {}).get("status"), "state": (ev or {}).get("state", "missing"),
                "version": (ev or {}).get("version"), "note": note or None, "footnotes": doc.note_numbers.get(event_id, [])}

    blocks = []
    for blk in doc.blocks:
        out = {"n": blk["n"], "id": blk["id"], "kind": blk["kind"], "warnings": blk["warnings"]}
        if blk["kind"] in ("heading", "text", "query"):
            out["text"] = blk["text"]
        if blk["kind"] == "event":
            out["event"] = event(blk["event"])
        if blk["kind"] == "text":
            out["cites"] = [event(i) for i in blk["cites"]]
        if blk["kind"] == "query":
            out.update(filters=blk["filters"], total=blk["total"], events=[event(i) for i in blk["matches"]])
        blocks.append(out)
    notes = []
    for note in doc.notes:
        parts, quote = note_text(note)
        notes.append({"number": note.number, "event": note.event, "publisher": note.publisher, "source_title": note.source_title,
                      "published": note.published, "url": note.url, "quote": quote, "page": note.page, "about": parts[0],
                      "text": ", ".join(parts[1:])})
    return {"slug": doc.slug, "title": doc.title, "author": doc.author, "frozen_change": doc.frozen_change,
            "version": doc.version, "latest_change": doc.latest_change, "blocks": blocks, "footnotes": notes}


EXPORTERS = {"md": to_markdown, "html": to_html, "docx": to_docx, "pdf": to_pdf, "timelinejs": to_timelinejs}
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "pdf": "application/pdf", "timelinejs": "application/json"}
SUFFIXES = {"md": "md", "html": "html", "docx": "docx", "pdf": "pdf", "timelinejs": "json"}


def export(doc: StoryDoc, fmt: str):
    """The story in one of EXPORTERS' formats: text (str) or a binary file's bytes."""
    return EXPORTERS[fmt](doc)
