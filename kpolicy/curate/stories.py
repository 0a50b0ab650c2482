"""Stories: an analyst's briefing over events, edited block by block, each edit one change.

A library (never prints; raises kpolicy.errors types). Every function runs inside the
caller's transaction (`with database.writing() as conn:`), validates everything before it
writes, and writes through kpolicy.store.stories (the whole story state, one revision per
change), so `kpolicy undo` reverts any story edit and `--as-of` rewinds it.

Blocks are numbered 1..n in the order they are read (`kpolicy story show` prints the
numbers); `after=0` puts a new block at the top, `after=None` at the end. A story frozen at
a change (`freeze`) shows its events as the database stood then; its blocks cannot change
until it is unfrozen (a published briefing never changes under its reader).

    with db.writing() as conn:
        curate.stories.new_story(conn, "plenum-2019", "The December 2019 plenum", author="A. Analyst")
        curate.stories.add_block(conn, "plenum-2019", "event", 12)
        curate.stories.add_block(conn, "plenum-2019", "text", "The plenum closed on 31 December [#12].")
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as c
from kpolicy.errors import BadInput, Conflict, suggest
from kpolicy.store import schema
from kpolicy.store import stories as store

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
MAX_TEXT = 20_000  # characters in one paragraph: a long one is about 1,500
MAX_HEADING = 300
MAX_TITLE = 500
MAX_BLOCKS = 2_000
MAX_QUERY = 2_000
KINDS = store.BLOCK_KINDS


# ---- reading -----------------------------------------------------------------------------------

def story(conn: Connection, slug) -> object:
    """The live story row named `slug`, or a BadInput saying what exists."""
    text = str(slug).strip()
    row = store.story_row(conn, text)
    if row is None:
        s = schema.stories
        names = list(conn.execute(sa.select(s.c.slug).where(s.c.deleted_at.is_(None))).scalars())
        hint = suggest(text, names) or ""
        raise BadInput(f"no story {text!r}{hint}; `kpolicy story list` lists them, `kpolicy story new SLUG --title ...` starts one")
    if row.deleted_at is not None:
        raise BadInput(f"story {text!r} was removed (its creation was undone); `kpolicy history` has the change to undo")
    return row


def list_stories(conn: Connection) -> list[dict]:
    s, b = schema.stories, schema.story_blocks
    count = sa.select(sa.func.count()).select_from(b).where(b.c.story_id == s.c.id).scalar_subquery()
    rows = conn.execute(sa.select(s.c.slug, s.c.title, s.c.author, s.c.frozen_change, s.c.version, s.c.updated_at,
                                  count.label("blocks")).where(s.c.deleted_at.is_(None)).order_by(s.c.slug))
    return [dict(r._mapping) for r in rows]


def latest_change(conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.max(schema.changes.c.id))).scalar() or 0


# ---- validating ------------------------------------------------------------------------------

def check_slug(slug) -> str:
    text = str(slug or "").strip()
    if not SLUG.fullmatch(text):
        raise BadInput(f"story name {text[:60]!r} is not a slug; use lower-case letters, digits and hyphens, e.g. plenum-2019")
    return text


def _check_length(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise BadInput(f"the {what} is {len(text):,} characters long, over the {limit:,} a story block holds; "
                       "split it into several blocks (nothing was changed)")
    return text


def check_title(value) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise BadInput("the story's title is empty; give --title \"The December 2019 plenum\"")
    return _check_length(text, MAX_TITLE, "title")


def check_text(conn: Connection, value) -> str:
    """A paragraph: bounded, not empty, every [#N] it cites a live event."""
    text = str(value or "")
    _check_length(text, MAX_TEXT, "paragraph")
    text = text.strip()
    if not text:
        raise BadInput("the paragraph is empty; give --text \"...\"")
    for m in store.CITATION.finditer(text):
        c.live_event(conn, int(m.group(1)))
    return text


def check_heading(value) -> str:
    text = " ".join(str(value or "")[: MAX_HEADING * 4].split())
    if not text:
        raise BadInput("the heading is empty; give --heading \"Background\"")
    return _check_length(text, MAX_HEADING, "heading")


def check_query(conn: Connection, slug: str | None, value) -> dict:
    """A saved query's parsed filters, validated by running it; a --story that would lead back
    to this story (a cycle of saved queries) is refused."""
    from kpolicy.filters import parse_filter_text
    from kpolicy.query import count_matching, query_of

    text = _check_length(str(value or "").strip(), MAX_QUERY, "saved query")
    filters = parse_filter_text(text)
    count_matching(conn, query_of(filters))  # unknown actors, types, places, dates: BadInput here
    for other in filters.get("stories", []):
        target = story(conn, other)
        if slug is not None:
            path = _path_to(conn, target.slug, slug)
            if path is not None:
                chain = " -> ".join([slug, *path])
                raise BadInput(f"the saved query takes in story {target.slug!r}, which leads back to {slug!r} "
                               f"({chain}): a cycle of saved queries; take the events in by --event instead")
    return filters


def query_stories(conn: Connection, story_id: int) -> list[str]:
    """The stories this story's saved queries take in (--story)."""
    out = []
    for blk in store.blocks_of(conn, story_id):
        if blk["kind"] == "query":
            out.extend(s for s in (blk["filters"] or {}).get("stories", []) if s not in out)
    return out


def _path_to(conn: Connection, start: str, goal: str) -> list[str] | None:
    """The chain of --story references from `start` that reaches `goal`, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        slug, path = stack.pop()
        if slug == goal:
            return path
        if slug in seen:
            continue
        seen.add(slug)
        row = store.story_row(conn, slug)
        if row is None:
            continue
        for nxt in query_stories(conn, row.id):
            stack.append((nxt, [*path, nxt]))
    return None


def _block(conn: Connection, slug: str | None, kind: str, value) -> dict:
    since = latest_change(conn)
    if kind == "heading":
        return {"kind": kind, "text": check_heading(value), "event": None, "filters": None, "since": since}
    if kind == "text":
        return {"kind": kind, "text": check_text(conn, value), "event": None, "filters": None, "since": since}
    if kind == "event":
        row = c.live_event(conn, value)
        return {"kind": kind, "text": None, "event": row.id, "filters": None, "since": since}
    if kind == "query":
        text = " ".join(str(value or "").split())
        return {"kind": kind, "text": text, "event": None, "filters": check_query(conn, slug, value), "since": since}
    raise BadInput(f"unknown block kind {kind!r}; use one of {', '.join(KINDS)}")


def _editable(conn: Connection, slug, if_version=None):
    row = story(conn, slug)
    if if_version is not None and int(if_version) != row.version:
        raise Conflict(f"story {row.slug!r} is at version {row.version}, not {if_version}: it changed since you read it; "
                       f"re-read it (`kpolicy story show {row.slug}`) and try again")
    return row


def _unfrozen(row) -> None:
    if row.frozen_change is not None:
        raise BadInput(f"story {row.slug!r} is frozen at change {row.frozen_change} (published: its blocks do not change); "
                       f"unfreeze it first with `kpolicy story edit {row.slug} --unfreeze`")


def _position(blocks: list, position, what: str = "block") -> int:
    try:
        n = int(position)
    except (TypeError, ValueError):
        raise BadInput(f"{what} {position!r} is not a number; `kpolicy story show` numbers the blocks") from None
    if not 1 <= n <= len(blocks):
        span = f"1 to {len(blocks)}" if blocks else "none: the story is empty"
        raise BadInput(f"no {what} {n} (the story's blocks are {span}); `kpolicy story show` numbers them")
    return n


def _after(blocks: list, after) -> int:
    if after is None:
        return len(blocks)
    try:
        n = int(after)
    except (TypeError, ValueError):
        raise BadInput(f"--after {after!r} is not a block number") from None
    if not 0 <= n <= len(blocks):
        raise BadInput(f"--after {n}: the story has {len(blocks)} block(s); give 0 (the top) to {len(blocks)}")
    return n


def check_freeze(conn: Connection, as_of) -> int | None:
    """A change number to freeze at ('latest' or 'now': the newest change), or None."""
    if as_of is None:
        return None
    top = latest_change(conn)
    text = str(as_of).strip().lower().lstrip("#")
    if text in ("latest", "now", "head"):
        return top
    try:
        n = int(text)
    except ValueError:
        raise BadInput(f"--as-of {as_of!r} is not a change number; give one from `kpolicy history`, or 'latest'") from None
    if not 1 <= n <= top:
        raise BadInput(f"--as-of {n}: changes run from 1 to {top}; `kpolicy history` lists them")
    return n


# ---- writing -----------------------------------------------------------------------------------

def new_story(conn: Connection, slug, title, *, author=None, as_of=None, by=None, reason=None) -> int:
    """Start an empty story; returns its id."""
    slug = check_slug(slug)
    existing = store.story_row(conn, slug)
    if existing is not None:
        what = "a removed story" if existing.deleted_at is not None else "a story"
        raise BadInput(f"{what} named {slug!r} exists already; choose another name (`kpolicy story list`)")
    state = {"slug": slug, "title": check_title(title), "author": (" ".join(str(author).split()) or None) if author else None,
             "frozen_change": check_freeze(conn, as_of), "deleted": False, "blocks": []}
    if state["author"]:
        _check_length(state["author"], MAX_TITLE, "author")
    change = c.begin(conn, "story new", by=by, reason=reason)
    return store.create(conn, change, state)


def _write(conn: Connection, row, action: str, new: dict, by, reason) -> int:
    if len(new["blocks"]) > MAX_BLOCKS:
        raise BadInput(f"a story holds at most {MAX_BLOCKS} blocks; start another story")
    change = c.begin(conn, action, by=by, reason=reason, story_id=row.id)
    store.change(conn, change, row.id, new)
    return change


def add_block(conn: Connection, slug, kind: str, value, *, after=None, by=None, reason=None, if_version=None) -> int:
    """Insert a block after block `after` (None: at the end; 0: at the top); returns its number."""
    row = _editable(conn, slug, if_version)
    _unfrozen(row)
    state = store.state(conn, row.id)
    at = _after(state["blocks"], after)
    state["blocks"].insert(at, _block(conn, row.slug, kind, value))
    _write(conn, row, "story add", state, by, reason)
    return at + 1


def move_block(conn: Connection, slug, position, *, to=None, by=None, reason=None, if_version=None) -> int:
    """Move block `position` so that it becomes block `to`; returns its new number."""
    row = _editable(conn, slug, if_version)
    _unfrozen(row)
    state = store.state(conn, row.id)
    n = _position(state["blocks"], position)
    target = _position(state["blocks"], to, "target position")
    if n == target:
        raise BadInput(f"block {n} is already there; give another --to")
    blk = state["blocks"].pop(n - 1)
    state["blocks"].insert(target - 1, blk)
    _write(conn, row, "story move", state, by, reason)
    return target


def remove_block(conn: Connection, slug, position, *, by=None, reason=None, if_version=None) -> dict:
    """Take block `position` out (the history keeps it: `kpolicy undo` puts it back); returns it."""
    row = _editable(conn, slug, if_version)
    _unfrozen(row)
    state = store.state(conn, row.id)
    n = _position(state["blocks"], position)
    gone = state["blocks"].pop(n - 1)
    _write(conn, row, "story remove", state, by, reason)
    return gone


def edit_block(conn: Connection, slug, position, value, *, by=None, reason=None, if_version=None) -> None:
    """Replace block `position`'s content (its kind stays: a heading's text, a paragraph, an event id, a query)."""
    row = _editable(conn, slug, if_version)
    _unfrozen(row)
    state = store.state(conn, row.id)
    n = _position(state["blocks"], position)
    old = state["blocks"][n - 1]
    new = _block(conn, row.slug, old["kind"], value)
    new["id"] = old["id"]
    if {k: new[k] for k in ("text", "event", "filters")} == {k: old[k] for k in ("text", "event", "filters")}:
        raise BadInput(f"block {n} already reads so; nothing to change")
    state["blocks"][n - 1] = new
    _write(conn, row, "story edit", state, by, reason)


def edit_story(conn: Connection, slug, *, title=None, author=None, as_of=None, unfreeze=False, by=None, reason=None,
               if_version=None) -> int:
    """Change the title or author, freeze at a change (--as-of) or unfreeze; returns the change id."""
    row = _editable(conn, slug, if_version)
    if unfreeze and as_of is not None:
        raise BadInput("give --as-of (freeze) or --unfreeze, not both")
    state = store.state(conn, row.id)
    if title is not None:
        state["title"] = check_title(title)
    if author is not None:
        state["author"] = " ".join(str(author).split()) or None
        if state["author"]:
            _check_length(state["author"], MAX_TITLE, "author")
    if as_of is not None:
        state["frozen_change"] = check_freeze(conn, as_of)
    if unfreeze:
        state["frozen_change"] = None
    if state == store.state(conn, row.id):
        raise BadInput(f"nothing to change in story {row.slug!r}; give --title, --author, --as-of or --unfreeze")
    if (title is not None or author is not None) and row.frozen_change is not None and not unfreeze:
        _unfrozen(row)
    return _write(conn, row, "story edit", state, by, reason)


def add_events(conn: Connection, slug, event_ids, *, by=None, reason=None, if_version=None) -> list[int]:
    """Add several events at the end, in the order given, as one change ("add to story" from the
    timeline); returns their block numbers."""
    ids = list(dict.fromkeys(int(i) for i in event_ids))
    if not ids:
        raise BadInput("tick at least one event to add to the story")
    row = _editable(conn, slug, if_version)
    _unfrozen(row)
    state = store.state(conn, row.id)
    start = len(state["blocks"])
    state["blocks"].extend(_block(conn, row.slug, "event", i) for i in ids)
    _write(conn, row, "story add", state, by, reason)
    return list(range(start + 1, start + len(ids) + 1))
