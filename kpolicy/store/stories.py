"""The one story write path: a story's whole state read and written, with its history.

A story's *state* is a plain JSON-able dict: slug, title, author, frozen_change, deleted
(a tombstone), and its blocks in order (id, kind, text, event, filters, since). Every
change to a story writes the new state here and records one revision (event 0, field
'story', the whole state before and after) in a change that names the story
(changes.story_id), in the caller's transaction. Undo puts the old state back (`revert`);
`--as-of` rewinds the same way inside a rolled-back transaction. Stories are small (a
block's text is bounded by kpolicy.curate.stories), so whole states keep undo exact.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.errors import BadInput, Conflict
from kpolicy.store import schema, write

STORY_FIELD = "story"
BLOCK_KINDS = ("heading", "text", "event", "query")
CITATION = re.compile(r"\[#(\d{1,12})\]")  # an inline citation of an event in a paragraph


def story_row(conn: Connection, slug_or_id):
    s = schema.stories
    cond = s.c.id == slug_or_id if isinstance(slug_or_id, int) else s.c.slug == str(slug_or_id)
    return conn.execute(sa.select(s).where(cond)).first()


def blocks_of(conn: Connection, story_id: int) -> list[dict]:
    b = schema.story_blocks
    out = []
    for r in conn.execute(sa.select(b).where(b.c.story_id == story_id).order_by(b.c.position, b.c.id)):
        out.append({"id": r.id, "kind": r.kind, "text": r.text, "event": r.event_id,
                    "filters": None if r.filters is None else json.loads(r.filters), "since": r.since_change})
    return out


def state(conn: Connection, story_id: int) -> dict | None:
    """The story's state (see the module's docstring), or None for an unknown id."""
    row = story_row(conn, int(story_id))
    if row is None:
        return None
    return {"slug": row.slug, "title": row.title, "author": row.author, "frozen_change": row.frozen_change,
            "deleted": row.deleted_at is not None, "blocks": blocks_of(conn, row.id)}


def _block_rows(story_id: int, blocks: list[dict]) -> list[dict]:
    return [{"id": blk.get("id"), "story_id": story_id, "position": i + 1, "kind": blk["kind"], "text": blk.get("text"),
             "event_id": blk.get("event"), "since_change": blk.get("since"),
             "filters": None if blk.get("filters") is None else json.dumps(blk["filters"], ensure_ascii=False, sort_keys=True)}
            for i, blk in enumerate(blocks)]


def _next_block_ids(conn: Connection, n: int, floor: int = 0) -> list[int]:
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(sa.text("SELECT nextval(pg_get_serial_sequence('story_blocks', 'id')) FROM generate_series(1, :n)"), {"n": n}).scalars())
    top = conn.execute(sa.select(sa.func.max(schema.story_blocks.c.id))).scalar() or 0
    start = max(top, floor) + 1
    return list(range(start, start + n))


def assign_ids(conn: Connection, blocks: list[dict]) -> list[dict]:
    """Blocks without an id (or whose id another story's block holds now) get fresh ones; ids
    are stable across moves, edits and undo."""
    b = schema.story_blocks
    wanted = [blk["id"] for blk in blocks if blk.get("id") is not None]
    taken = set(conn.execute(sa.select(b.c.id).where(b.c.id.in_(wanted))).scalars()) if wanted else set()
    seen: set[int] = set()
    for blk in blocks:
        if blk.get("id") in taken or blk.get("id") in seen:
            blk["id"] = None
        if blk.get("id") is not None:
            seen.add(blk["id"])
    missing = [blk for blk in blocks if blk.get("id") is None]
    for blk, new_id in zip(missing, _next_block_ids(conn, len(missing), max(seen, default=0))):
        blk["id"] = new_id
    return blocks


def write_state(conn: Connection, story_id: int, new: dict) -> None:
    """Make the stored story exactly `new` (blocks replaced, ids kept); bumps version and updated_at."""
    s, b = schema.stories, schema.story_blocks
    row = story_row(conn, story_id)
    stamp = write.now()
    conn.execute(s.update().where(s.c.id == story_id).values(
        slug=new["slug"], title=new["title"], author=new["author"], frozen_change=new["frozen_change"],
        deleted_at=(row.deleted_at or stamp) if new.get("deleted") else None, updated_at=stamp, version=s.c.version + 1))
    conn.execute(b.delete().where(b.c.story_id == story_id))
    rows = _block_rows(story_id, assign_ids(conn, new["blocks"]))
    if rows:
        conn.execute(b.insert(), rows)


def create(conn: Connection, change_id: int, new: dict) -> int:
    """Insert a new story in this state (its creation's revision recorded); returns its id."""
    s = schema.stories
    stamp = write.now()
    story_id = conn.execute(s.insert().values(slug=new["slug"], title=new["title"], author=new["author"],
                                              frozen_change=new["frozen_change"], version=1, created_at=stamp,
                                              updated_at=stamp)).inserted_primary_key[0]
    rows = _block_rows(story_id, assign_ids(conn, new["blocks"]))
    if rows:
        conn.execute(schema.story_blocks.insert(), rows)
    conn.execute(schema.changes.update().where(schema.changes.c.id == change_id).values(story_id=story_id))
    write.record(conn, change_id, 0, "story", STORY_FIELD, None, state(conn, story_id))
    return story_id


def change(conn: Connection, change_id: int, story_id: int, new: dict) -> dict:
    """Write a story's new state as part of `change_id`, with its revision; returns the old state."""
    old = state(conn, story_id)
    write_state(conn, story_id, new)
    write.record(conn, change_id, 0, "story", STORY_FIELD, old, state(conn, story_id))
    return old


def revert(conn: Connection, new_change: int, rev, *, strict: bool) -> None:
    """Put back the story state a revision replaced, as a revision of `new_change` (undo, as-of)."""
    ch = schema.changes
    story_id = conn.execute(sa.select(ch.c.story_id).where(ch.c.id == rev.change_id)).scalar()
    if story_id is None:
        return
    old = None if rev.old_value is None else json.loads(rev.old_value)
    new = None if rev.new_value is None else json.loads(rev.new_value)
    current = state(conn, story_id)
    if current is None:
        return
    if strict and current != new:
        raise Conflict(f"story {current['slug']!r} was changed again after change {rev.change_id}; "
                       "undo the later change first (`kpolicy history` lists them)")
    target = old if old is not None else {**current, "deleted": True}
    conn.execute(ch.update().where(ch.c.id == new_change).values(story_id=story_id))
    write_state(conn, story_id, target)
    write.record(conn, new_change, 0, "reverted", STORY_FIELD, current, state(conn, story_id))


# ---- the bundled stories ---------------------------------------------------------------------------

def bundled_story_paths() -> list[Path]:
    from importlib.resources import files

    folder = Path(str(files("kpolicy.data"))) / "stories"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_bundled(path: Path) -> dict:
    """A bundled story file: {"story": {slug, title, author, article}, "blocks": [...]} checked for shape."""
    from kpolicy import safe_yaml

    data = safe_yaml.load(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict) or not isinstance(data.get("story"), dict) or not isinstance(data.get("blocks"), list):
        raise BadInput(f"{path.name}: a story file needs a 'story' mapping and a 'blocks' list")
    for i, blk in enumerate(data["blocks"], 1):
        if not isinstance(blk, dict) or len(blk) != 1 or next(iter(blk)) not in ("heading", "text", "event", "query"):
            raise BadInput(f"{path.name}: block {i} must be one of heading:, text:, event:, query:")
    return data


def seed_bundled(conn: Connection, annotations, by: str | None = None) -> list[int]:
    """Create each bundled story over one of these (just stored) annotations whose slug is
    free, one change each.

    A story file numbers events as its article's annotation lists them (1 = the first); they
    are mapped to the ids the seed gave them through the annotation's quotes."""
    from kpolicy.filters import parse_filter_text

    created = []
    annotations = {a.path.stem: a for a in annotations}
    for path in bundled_story_paths():
        data = load_bundled(path)
        meta = data["story"]
        if story_row(conn, str(meta["slug"])) is not None or meta.get("article") not in annotations:
            continue
        ids = _annotation_event_ids(conn, annotations[meta["article"]])
        if ids is None:
            continue
        top = conn.execute(sa.select(sa.func.max(schema.changes.c.id))).scalar()
        blocks = []
        for blk in data["blocks"]:
            kind, value = next(iter(blk.items()))
            if kind == "event":
                blocks.append({"kind": "event", "event": ids[int(value)], "text": None, "filters": None, "since": top})
            elif kind == "query":
                blocks.append({"kind": "query", "text": str(value), "event": None, "filters": parse_filter_text(str(value)), "since": top})
            else:
                text = str(value).strip()
                if kind == "text":
                    text = CITATION.sub(lambda m: f"[#{ids[int(m.group(1))]}]", text)
                blocks.append({"kind": kind, "text": text, "event": None, "filters": None, "since": top})
        change_id = write.begin_change(conn, "story new", by=by or "kpolicy", reason=f"bundled story {path.name}")
        created.append(create(conn, change_id, {"slug": str(meta["slug"]), "title": str(meta["title"]),
                                                "author": meta.get("author"), "frozen_change": None, "deleted": False,
                                                "blocks": blocks}))
    return created


def _annotation_event_ids(conn: Connection, annotation) -> dict[int, int] | None:
    """{position in the annotation (1-based): event id} through each event's first quote in its source."""
    s, m, e = schema.sources, schema.mentions, schema.events
    source_id = conn.execute(sa.select(s.c.id).where(s.c.sha256 == annotation.source.sha256)).scalar()
    if source_id is None:
        return None
    out = {}
    for i, record in enumerate(annotation.events, 1):
        first = record.mentions[0]
        event_id = conn.execute(sa.select(m.c.event_id).join(e, e.c.id == m.c.event_id).where(
            m.c.source_id == source_id, m.c.char_start == first.char_start, m.c.char_end == first.char_end)
            .order_by(m.c.id).limit(1)).scalar()
        if event_id is None:
            return None
        out[i] = event_id
    return out
