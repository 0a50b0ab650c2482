"""Timeline queries: filters resolved against the database, rows streamed in timeline order.

Rows come from the `timeline` view (one row per event), so what a user sees here is
what SQL users, Datasette and the CSV export see. Names (actors, places, types,
statuses) are validated before any query runs: an unknown one is a BadInput that
suggests the closest valid names.
"""

from __future__ import annotations

import dataclasses

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema
from kpolicy.store.actors import ActorTree
from kpolicy.dates import SPAN_CLASSES, SPAN_OPEN_END, SPAN_OPEN_START, parse_window, span_longest
from kpolicy.errors import BadInput, unknown_name
from kpolicy.vocabulary import EVENT_TYPES, FAMILIES, REVIEW_STATES, STATE_KINDS, STATUSES, types_for

TIMELINE_COLUMNS = (
    "id", "date", "start", "end", "precision", "type", "family", "status", "title",
    "actors", "place", "source", "quote", "year", "month", "review", "confidence",
)
# sort_key (timeline order as one indexed integer) is in the view for ORDER BY, not in rows
timeline = sa.table("timeline", *(sa.column(c) for c in (*TIMELINE_COLUMNS, "sort_key")))

# The CSV/JSON export row, in order (DESIGN.md, issue 2; issue 10 added review state, confidence,
# the actors' states and the number of sources). The last two are computed per batch of rows.
VIEW_EXPORT_FIELDS = ("id", "date", "start", "end", "precision", "type", "status", "title", "actors", "place", "source",
                      "quote", "review", "confidence")
EXPORT_FIELDS = (*VIEW_EXPORT_FIELDS, "states", "sources", "wikidata", "cameo", "latitude", "longitude")
# issue 20: the actors' Wikidata ids and CAMEO codes ('; '-joined, in the actors' order, those
# that have one) and the place's coordinates


MAX_FILTER_VALUES = 50  # values of one repeatable filter (--actor, --type, --status, --place)


@dataclass
class EventQuery:
    """What `kpolicy events`/`timeline`/`export` filter on. Every list means 'any of', except
    actors: each --actor must take part (an actor counts with its children)."""

    start: str | None = None
    end: str | None = None
    on: str | None = None
    within: bool = False
    actors: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    text: str | None = None
    source: str | None = None
    review: str | None = None
    limit: int | None = None


def resolve_actor(conn: Connection, name: str) -> int:
    """The actor named `name`: an alias or a canonical name (any case), else a person's surname
    (first or last word of a person's name) when exactly one person has it; otherwise a
    BadInput suggesting the closest actors, people's and states' names first, each actor once.
    A Wikidata id (Q423) or a CAMEO code (PRKMIL) works too: a code several actors share means
    the one above the others (PRKGOV: North Korea's government, not its ministries), else a BadInput."""
    key = name.strip().lower()
    a = schema.actors
    if re.fullmatch(r"q[1-9][0-9]*", key):
        found = conn.execute(sa.select(a.c.id).where(a.c.wikidata == key.upper())).scalar()
        if found is not None:
            return found
    found = conn.execute(
        sa.select(schema.actor_aliases.c.actor_id).where(schema.actor_aliases.c.alias_key == key)
    ).scalar()
    if found is None:
        found = conn.execute(sa.select(schema.actors.c.id).where(sa.func.lower(schema.actors.c.name) == key)).scalar()
    if found is not None:
        return found
    if re.fullmatch(r"[a-z]{3}(?:[a-z]{3})*", key):
        coded = conn.execute(sa.select(a.c.id, a.c.name, a.c.parent_id).where(a.c.cameo == key.upper())).all()
        if coded:
            ids = {r.id for r in coded}
            top = [r for r in coded if r.parent_id not in ids]
            if len(top) == 1:
                return top[0].id
            named = " or ".join(sorted(repr(r.name) for r in top))
            raise BadInput(f"CAMEO code {key.upper()} is shared by {named}; give the actor's name")
    a, al = schema.actors, schema.actor_aliases
    actors = {row.id: row for row in conn.execute(sa.select(a.c.id, a.c.name, a.c.kind))}
    spellings = [(row.name, row.id) for row in actors.values()]
    spellings += [(row.alias, row.actor_id) for row in conn.execute(sa.select(al.c.alias, al.c.actor_id))]
    people = {i for i, row in actors.items() if row.kind == "person"}
    # A canonical name's surname decides before an alias's words do: "Moon" is Moon Jae-in, not
    # Ban Ki-moon, whose alias "Ban Ki Moon" splits his given name.
    by_surname = {i for i in people if key and key in _surnames(actors[i].name)}
    if not by_surname:
        by_surname = {i for text, i in spellings if i in people and key and key in _surnames(text)}
    if len(by_surname) == 1:
        return by_surname.pop()
    if by_surname:
        named = " or ".join(repr(actors[i].name) for i in sorted(by_surname, key=lambda i: actors[i].name))
        raise BadInput(f"actor {name!r} is ambiguous: several people have that name: {named}; give the full name")
    raise BadInput(f"unknown actor {name!r}{suggest_actors(name, spellings, actors)}; `kpolicy actors` lists the valid ones")


def _surnames(text: str) -> set[str]:
    words = text.lower().split()
    return {words[0], words[-1]} if len(words) > 1 else set()


def suggest_actors(word: str, spellings: list[tuple[str, int]], actors: dict) -> str:
    """' (did you mean X?)' naming up to three actors once each, by their canonical names:
    the closest spellings (aliases included), people and states ranked first."""
    key = word.strip().lower()
    best: dict[int, float] = {}
    for text, actor_id in spellings:
        ratio = difflib.SequenceMatcher(None, key, text.lower()).ratio()
        if ratio >= 0.6 and ratio > best.get(actor_id, 0.0):
            best[actor_id] = ratio
    if not best:
        return ""
    top = max(best.values())
    best = {i: r for i, r in best.items() if r >= top - 0.1}  # only the near-best: one clear match stays alone
    primary = ("person", *STATE_KINDS)
    ranked = sorted(best, key=lambda i: (actors[i].kind not in primary, -best[i], actors[i].name))[:3]
    return " (did you mean " + " or ".join(repr(actors[i].name) for i in ranked) + "?)"


def actor_tree(actor_id, name: str = "actor_tree"):
    """A recursive CTE of the actor and all its descendants: the database walks the tree by index.
    `actor_id`: an id, or a bind parameter carrying one (a prepared statement's)."""
    a = schema.actors
    if not isinstance(actor_id, sa.BindParameter):
        actor_id = sa.literal(actor_id, sa.Integer)
    tree = sa.select(actor_id.label("id")).cte(name, recursive=True)
    return tree.union(sa.select(a.c.id).where(a.c.parent_id == tree.c.id))


def resolve_types(names: list[str]) -> list[str]:
    codes: list[str] = []
    for name in names:
        found = types_for(name)
        if found is None:
            raise unknown_name("type", name, [*EVENT_TYPES, *set(FAMILIES.values())], "kpolicy types")
        codes.extend(c for c in found if c not in codes)
    return codes


def resolve_statuses(names: list[str]) -> list[str]:
    out = []
    for name in names:
        key = name.strip().lower()
        if key not in STATUSES:
            raise unknown_name("status", name, STATUSES, "kpolicy events --help", list_all=True)
        out.append(key)
    return out


def resolve_place(conn: Connection, name: str) -> str:
    key = name.strip().lower()
    found = conn.execute(sa.select(schema.places.c.name).where(sa.func.lower(schema.places.c.name) == key)).scalar()
    if found is None:
        choices = conn.execute(sa.select(schema.places.c.name)).scalars().all()
        raise unknown_name("place", name, choices, "kpolicy events --format csv")
    return found


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Plan:
    """A query split into its shape (which SQL it needs: `key`) and its values (`params`).

    Building a statement in SQLAlchemy (operators, coercions, the cache key) cost 5-10 ms
    per query, where SQLite answers a one-month window at 10^6 events in under one: so a
    statement is built once per shape, kept in `_PREPARED`, and every later query of that
    shape pays only for its parameters. `steps` add the clauses when a statement has to be
    built; they read values only through `bind`, so every value is a named parameter
    and a kept statement can never carry a stale one."""

    __slots__ = ("key", "params", "steps")

    def __init__(self) -> None:
        self.key: list = []
        self.params: dict = {}
        self.steps: list = []

    def bind(self, name: str, type_=None, expanding: bool = False) -> sa.BindParameter:
        return sa.bindparam(name, self.params[name], type_=type_, expanding=expanding)

    def build(self, stmt):
        for step in self.steps:
            stmt = step(stmt)
        return stmt


SHORT_WINDOW_DAYS = 731  # an actor's or source's window up to two years is read by index ranges (query_plan)
_PREPARED: dict = {}  # (dialect, shape, columns) -> statement with named bind parameters
_PREPARED_MAX = 512  # shapes are few (filters present, actor count); a bound keeps a long-lived server flat


def _window_plan(plan: _Plan, lower: date | None, upper: date | None, within: bool, ranges: bool = True) -> None:
    plan.key.append(("window", lower is not None, upper is not None, within, ranges))
    if lower is not None:
        plan.params["w_lower"] = lower
        if not within and ranges:
            for k in range(SPAN_CLASSES):
                # the earliest start of a class-k event reaching `lower` (day 1 at the calendar's start)
                plan.params[f"w_from_{k}"] = date.fromordinal(max(1, lower.toordinal() - span_longest(k)))
    if upper is not None:
        plan.params["w_upper"] = upper


def _window_select(plan: _Plan, lower: bool, upper: bool, within: bool) -> sa.CompoundSelect:
    e = schema.events
    parts = []

    def bind(name):
        return plan.bind(name, sa.Date)

    for k in range(SPAN_CLASSES):
        conds = [e.c.span_class == k]
        if within:
            if lower:
                conds.append(e.c.start_date >= bind("w_lower"))
            if upper:
                conds += [e.c.start_date <= bind("w_upper"), e.c.end_date <= bind("w_upper")]
        else:
            if lower:
                conds += [e.c.start_date >= bind(f"w_from_{k}"), e.c.end_date >= bind("w_lower")]
            if upper:
                conds.append(e.c.start_date <= bind("w_upper"))
        parts.append(sa.select(e.c.id).where(*conds))
    if within:
        # an open end is certainly inside a window that is open on the same side
        if not upper and lower:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_END, e.c.start_date >= bind("w_lower")))
        if not lower and upper:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_START, e.c.end_date <= bind("w_upper")))
    else:
        if upper:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_END, e.c.start_date <= bind("w_upper")))
        else:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_END))
        if lower:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_START, e.c.end_date >= bind("w_lower")))
        else:
            parts.append(sa.select(e.c.id).where(e.c.span_class == SPAN_OPEN_START))
    return sa.union_all(*parts)


def _window_test(plan: _Plan, lower: bool, upper: bool, within: bool):
    """The window as a test of each row's own bounds (window_ids' answer: an open bound reaches
    everything on its side, never certainly inside; undated rows are in no window). For a
    query that another filter narrows first (an actor, a source): building the window's
    whole id list only to intersect it cost a second at 10^6 events for a five-year window."""
    start, end = timeline.c.start, timeline.c.end
    conds = []
    if within:
        if lower:
            conds += [start.is_not(None), start >= plan.bind("w_lower", sa.Date)]
        if upper:
            conds += [end.is_not(None), end <= plan.bind("w_upper", sa.Date)]
    else:
        conds.append(sa.or_(start.is_not(None), end.is_not(None)))
        if upper:
            conds.append(sa.or_(start.is_(None), start <= plan.bind("w_upper", sa.Date)))
        if lower:
            conds.append(sa.or_(end.is_(None), end >= plan.bind("w_lower", sa.Date)))
    return sa.and_(*conds)


def window_ids(lower: date | None, upper: date | None, within: bool) -> sa.CompoundSelect:
    """The ids of events overlapping [lower, upper] (or certainly inside it, `within`), by index.

    One index range per span class (kpolicy.dates): a bounded event of class k lasts at
    most span_longest(k) days, so if it overlaps the window it starts in
    [lower - span_longest(k), upper]; the exact test then runs only on those rows. Open
    ends use (span_class, start_date) or (span_class, end_date); undated events are in
    no window. Same answer as the plain overlap test (tests/test_intervals.py checks it).
    """
    plan = _Plan()
    _window_plan(plan, lower, upper, within)
    return _window_select(plan, lower is not None, upper is not None, within)


def window_clause(lower: date | None, upper: date | None, within: bool):
    """Overlap (default) or certain containment of an event's bounds in [lower, upper].

    An open event bound is unbounded: it overlaps everything on its open side and is
    never certainly inside a window. Undated events are in no window. Runs as index
    ranges over span classes (window_ids), never a scan of the table.
    """
    return timeline.c.id.in_(window_ids(lower, upper, within))


def query_plan(conn: Connection, q: EventQuery) -> _Plan:
    """Validate every name of `q` (BadInput before any query runs) and split it into shape and values."""
    for option, values in (("--actor", q.actors), ("--type", q.types), ("--status", q.statuses), ("--place", q.places)):
        if len(set(values)) > MAX_FILTER_VALUES:  # each --actor is a subquery: 2,000 of them overflowed SQLite's parser
            raise BadInput(f"{len(set(values)):,} {option} values are more than the {MAX_FILTER_VALUES} a query takes; "
                           f"give at most {MAX_FILTER_VALUES}")
    if len(q.actors) != len(set(q.actors)):
        q = dataclasses.replace(q, actors=list(dict.fromkeys(q.actors)))
    plan = _Plan()
    if q.start or q.end or q.on:
        lower, upper = parse_window(q.start, q.end, q.on)
        # With an actor or a source, a long or open window is tested on that set's own rows;
        # a short one is still cheaper as its index ranges (measured at 10^6 events: North Korea's
        # 1,100 events of a month, 0.10 s by ranges, 0.30 s by test; Barbados's 84 events of five
        # years, 0.50 s by ranges, 0.04 s by test; North Korea over five years, 0.78 s vs 0.59 s).
        short = lower is not None and upper is not None and (upper - lower).days <= SHORT_WINDOW_DAYS
        ranges = short or not (q.actors or q.source)
        _window_plan(plan, lower, upper, q.within, ranges)
        shape = (lower is not None, upper is not None, q.within)
        if ranges:
            plan.steps.append(lambda stmt: stmt.where(timeline.c.id.in_(_window_select(plan, *shape))))
        else:
            plan.steps.append(lambda stmt: stmt.where(_window_test(plan, *shape)))
    elif q.within:
        raise BadInput("--within needs a window; add --from/--to or --on")
    ea = schema.event_actors
    listed = conn.dialect.name == "postgresql"
    for i, name in enumerate(q.actors):
        plan.params[f"actor_{i}"] = resolve_actor(conn, name)
        if listed:
            # PostgreSQL: the actor's subtree read first and given as a list of ids. It estimates a
            # recursive CTE at hundreds of actors whatever the tree holds, so for a state (20 actors,
            # 13,699 events at 10^6) it expected 191,835 events and walked all of them in timeline
            # order testing each: 25 s. With the ids listed its estimate is 14,461 and the answer 0.7 s
            tree = actor_tree(plan.params[f"actor_{i}"])
            plan.params[f"actor_{i}"] = conn.execute(sa.select(tree.c.id)).scalars().all()

        def actor_step(stmt, i=i):
            if listed:
                actors = plan.bind(f"actor_{i}", sa.Integer, expanding=True)
            else:
                actors = sa.select(actor_tree(plan.bind(f"actor_{i}", sa.Integer), f"actor_tree_{i}").c.id)
            return stmt.where(timeline.c.id.in_(sa.select(ea.c.event_id).where(ea.c.actor_id.in_(actors))))
        plan.steps.append(actor_step)
    plan.key.append(("actors", len(q.actors)))
    for name, values in (("types", q.types and resolve_types(q.types)), ("statuses", q.statuses and resolve_statuses(q.statuses)),
                         ("places", q.places and [resolve_place(conn, p) for p in q.places])):
        if values:
            plan.params[name] = values
            plan.key.append(name)
            column = {"types": timeline.c.type, "statuses": timeline.c.status, "places": timeline.c.place}[name]
            plan.steps.append(lambda stmt, name=name, column=column: stmt.where(column.in_(plan.bind(name, sa.String, expanding=True))))
    if q.review:
        if q.review not in REVIEW_STATES:
            raise unknown_name("review state", q.review, REVIEW_STATES, "kpolicy events --help", list_all=True)
        plan.params["review"] = q.review
        plan.key.append("review")
        plan.steps.append(lambda stmt: stmt.where(timeline.c.review == plan.bind("review", sa.String)))
    else:  # rejected events are kept but leave the default timeline
        plan.steps.append(lambda stmt: stmt.where(timeline.c.review != "rejected"))
    if q.source:
        source_id = conn.execute(sa.select(schema.sources.c.id).where(schema.sources.c.slug == q.source)).scalar()
        if source_id is None:
            choices = conn.execute(sa.select(schema.sources.c.slug)).scalars().all()
            raise unknown_name("source", q.source, choices, "kpolicy sources")
        plan.params["source_id"] = source_id
        plan.key.append("source")
        plan.steps.append(lambda stmt: stmt.where(
            timeline.c.id.in_(sa.select(schema.mentions.c.event_id).where(schema.mentions.c.source_id == plan.bind("source_id", sa.Integer)))
        ))
    if q.text is not None:
        if not q.text.strip():
            raise BadInput("--text is empty; give a word or phrase to look for in titles and quotes")
        plan.params["pattern"] = _like(q.text.strip())
        plan.key.append("text")
        m = schema.mentions

        def text_step(stmt):
            pattern = plan.bind("pattern", sa.String)
            return stmt.where(sa.or_(
                timeline.c.title.ilike(pattern, escape="\\"),
                sa.exists().where(m.c.event_id == timeline.c.id, m.c.quote.ilike(pattern, escape="\\")),
            ))
        plan.steps.append(text_step)
    # sort_key is (undated last, lower bound NULLS FIRST, upper NULLS LAST) in one indexed integer
    plan.steps.append(lambda stmt: stmt.order_by(timeline.c.sort_key, timeline.c.id))
    if q.limit is not None:
        if q.limit < 1:
            raise BadInput(f"--limit {q.limit} would list nothing; give --limit 1 or more")
        plan.params["limit"] = q.limit
        plan.key.append("limit")
        plan.steps.append(lambda stmt: stmt.limit(plan.bind("limit", sa.Integer)))
    return plan


def build_select(conn: Connection, q: EventQuery, columns=None) -> sa.Select:
    """The filtered, ordered select over the timeline view; validates every name first.
    A fresh statement with its values bound, for callers that extend it (search, the web
    pages); the row streams run `prepared` statements instead."""
    cols = columns if columns is not None else [timeline.c[c] for c in TIMELINE_COLUMNS]
    return query_plan(conn, q).build(sa.select(*cols))


def prepared(conn: Connection, q: EventQuery, columns=None, extend=None) -> tuple[sa.Executable, dict]:
    """(statement, parameters) for `q`: the statement kept from an earlier query of the same
    shape when there is one, so only the parameters are new. Same SQL as build_select.
    `extend`: (key, function of the select returning the final statement, its own
    parameters), for callers that add to the select (search)."""
    plan = query_plan(conn, q)
    names = tuple(c.key for c in columns) if columns is not None else TIMELINE_COLUMNS
    key = (conn.dialect.name, tuple(plan.key), names, extend[0] if extend else None)
    params = {**plan.params, **extend[2]} if extend else plan.params
    stmt = _PREPARED.get(key)
    if stmt is None:
        stmt = plan.build(sa.select(*[timeline.c[c] for c in names]))
        if extend:
            stmt = extend[1](stmt)
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        _PREPARED[key] = stmt
    return stmt, params


def iter_rows(conn: Connection, q: EventQuery, columns=None, batch: int = 1000) -> Iterator[dict]:
    """Stream the matching timeline rows as dicts, in timeline order, without loading them all.

    The filters are validated and the query runs before this returns, so a bad name
    fails before any output is written.
    """
    keys, rows = iter_tuples(conn, q, columns, batch)
    return (dict(zip(keys, row)) for row in rows)


def iter_tuples(conn: Connection, q: EventQuery, columns=None, batch: int = 1000) -> tuple[list[str], Iterator[tuple]]:
    """(column names, a stream of plain row tuples): the export's fast path, same rows as iter_rows.

    The database cursor streams (stream_results; server-side on PostgreSQL) and rows are
    taken `batch` at a time, so memory stays flat however many rows match.
    """
    stmt, params = prepared(conn, q, columns)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(stmt, params)
    return list(result.keys()), _partition_rows(result)


def iter_export_tuples(conn: Connection, q: EventQuery, batch: int = 1000) -> Iterator[tuple]:
    """Export rows as tuples in EXPORT_FIELDS order: the timeline row plus the actors' states
    ('; '-joined, code-point order) and the number of distinct sources, looked up per batch."""
    _, rows = iter_tuples(conn, q, columns=[timeline.c[c] for c in VIEW_EXPORT_FIELDS], batch=batch)
    return _with_extras(conn, rows, batch)


def export_row(conn: Connection, event_id: int) -> dict:
    """One event's export row (EXPORT_FIELDS), whatever its review state; BadInput when absent."""
    get_event(conn, event_id)  # the one-line 'no event with id' message
    stmt = sa.select(*[timeline.c[c] for c in VIEW_EXPORT_FIELDS]).where(timeline.c.id == event_id)
    row = next(_with_extras(conn, iter([tuple(conn.execute(stmt).one())]), 1))
    return dict(zip(EXPORT_FIELDS, row))


def iter_export_rows(conn: Connection, q: EventQuery, batch: int = 1000) -> Iterator[dict]:
    """iter_export_tuples as dicts."""
    return (dict(zip(EXPORT_FIELDS, row)) for row in iter_export_tuples(conn, q, batch))


def _with_extras(conn: Connection, rows: Iterator[tuple], batch: int) -> Iterator[tuple]:
    tree = ActorTree.partial()
    pending: list[tuple] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from _extras(conn, pending, tree)
            pending = []
    if pending:
        yield from _extras(conn, pending, tree)


def _extras(conn: Connection, rows: list[tuple], tree: ActorTree) -> Iterator[tuple]:
    ids = [r[0] for r in rows]
    ea, m = schema.event_actors, schema.mentions
    pairs = conn.execute(sa.select(ea.c.event_id, ea.c.actor_id).where(ea.c.event_id.in_(ids))).all()
    tree.ensure(conn, (actor_id for _, actor_id in pairs))
    states: dict[int, set[str]] = {}
    for event_id, actor_id in pairs:
        states.setdefault(event_id, set()).add(tree.names[tree.state_of(actor_id)])
    sources = dict(conn.execute(sa.select(m.c.event_id, sa.func.count(sa.distinct(m.c.source_id)))
                                .where(m.c.event_id.in_(ids)).group_by(m.c.event_id)).all())
    a, p = schema.actors, schema.places
    codes = {r.name: (r.wikidata, r.cameo) for r in conn.execute(
        sa.select(a.c.name, a.c.wikidata, a.c.cameo).where(a.c.id.in_({actor_id for _, actor_id in pairs})))}
    places = {r[_PLACE] for r in rows if r[_PLACE]}
    where = {r.name: (r.latitude, r.longitude) for r in conn.execute(
        sa.select(p.c.name, p.c.latitude, p.c.longitude).where(p.c.name.in_(places)))} if places else {}
    for row in rows:
        found = states.get(row[0])
        names = row[_ACTORS].split("; ") if row[_ACTORS] else []
        ids = [codes[n][0] for n in names if n in codes and codes[n][0]]
        cameo = [codes[n][1] for n in names if n in codes and codes[n][1]]
        lat, lon = where.get(row[_PLACE], (None, None))
        yield (*row, "; ".join(sorted(found)) if found else None, sources.get(row[0], 0),
               "; ".join(ids) or None, "; ".join(dict.fromkeys(cameo)) or None, lat, lon)


_ACTORS, _PLACE = VIEW_EXPORT_FIELDS.index("actors"), VIEW_EXPORT_FIELDS.index("place")


def _partition_rows(result) -> Iterator[tuple]:
    with result:
        for part in result.partitions():
            yield from part


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def iter_detailed(conn: Connection, q: EventQuery, batch: int = 500) -> Iterator[dict]:
    """Rows in the extraction contract's shape (DESIGN.md) plus id and source, in batches."""
    rows = iter_rows(conn, q, batch=batch)
    return _detailed_batches(conn, rows, ActorTree.partial(), batch)


def detailed(conn: Connection, rows: list[dict]) -> list[dict]:
    """`iter_detailed`'s objects (what `kpolicy events --format json` prints) for timeline rows
    already chosen, in their order: the review desk's timeline page (/.json)."""
    return list(_detail(conn, rows, ActorTree.partial())) if rows else []


def _detailed_batches(conn: Connection, rows: Iterator[dict], tree: ActorTree, batch: int) -> Iterator[dict]:
    pending: list[dict] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from _detail(conn, pending, tree)
            pending = []
    if pending:
        yield from _detail(conn, pending, tree)


def _detail(conn: Connection, rows: list[dict], tree: ActorTree) -> Iterator[dict]:
    ids = [r["id"] for r in rows]
    ea, m, s = schema.event_actors, schema.mentions, schema.sources
    actors: dict[int, list[int]] = {}
    for event_id, actor_id in conn.execute(
        sa.select(ea.c.event_id, ea.c.actor_id).where(ea.c.event_id.in_(ids)).order_by(ea.c.event_id, ea.c.role, ea.c.actor_id)
    ):
        actors.setdefault(event_id, [])
        if actor_id not in actors[event_id]:
            actors[event_id].append(actor_id)
    tree.ensure(conn, (a for found in actors.values() for a in found))
    mentions: dict[int, list] = {}
    for mention in conn.execute(
        sa.select(m.c.event_id, m.c.quote, m.c.char_start, m.c.char_end, m.c.date_text, m.c.date_anchor, s.c.slug)
        .join(s, s.c.id == m.c.source_id)
        .where(m.c.event_id.in_(ids))
        .order_by(m.c.event_id, m.c.id)
    ):
        mentions.setdefault(mention.event_id, []).append(mention)
    for row in rows:
        own = mentions.get(row["id"], [])
        first = own[0] if own else None
        actor_ids = actors.get(row["id"], [])
        states: list[str] = []
        for actor_id in actor_ids:
            state = tree.names[tree.state_of(actor_id)]
            if state not in states:
                states.append(state)
        yield {
            "id": row["id"],
            "type": row["type"],
            "title": row["title"],
            "date": row["date"],
            "start": _iso(row["start"]),
            "end": _iso(row["end"]),
            "precision": row["precision"],
            "status": row["status"],
            "actors": [tree.names[a] for a in actor_ids],
            "states": states,
            "place": row["place"],
            "quote": first.quote if first else None,
            "char_start": first.char_start if first else None,
            "char_end": first.char_end if first else None,
            "date_text": first.date_text if first else None,
            "date_anchor": first.date_anchor if first else None,
            "confidence": row["confidence"],
            "review": row["review"],
            "source": row["source"],
            "sources": len({x.slug for x in own}),
            "mentions": [
                {"quote": x.quote, "char_start": x.char_start, "char_end": x.char_end, "source": x.slug}
                for x in own[1:]
            ],
        }


def get_event(conn: Connection, event_id: int) -> dict:
    """One event with every mention (quote, source, offsets) and its actors with roles."""
    row = conn.execute(sa.select(timeline).where(timeline.c.id == event_id)).first()
    if row is None:
        top = conn.execute(sa.select(sa.func.max(schema.events.c.id))).scalar()
        hint = f"ids run from 1 to {top}" if top else "the database has no events"
        raise BadInput(f"no event with id {event_id} ({hint}); `kpolicy events` lists them")
    event = dict(row._mapping)
    e = schema.events
    extra = conn.execute(sa.select(e.c.description, e.c.created_at, e.c.updated_at, e.c.version).where(e.c.id == event_id)).one()
    event.update(description=extra.description, created_at=extra.created_at, updated_at=extra.updated_at, version=extra.version)
    a, ea, m, s = schema.actors, schema.event_actors, schema.mentions, schema.sources
    event["actor_roles"] = [
        {"name": r.name, "role": r.role}
        for r in conn.execute(sa.select(a.c.name, ea.c.role).join(a, a.c.id == ea.c.actor_id).where(ea.c.event_id == event_id).order_by(ea.c.role, a.c.name))
    ]
    event["mentions"] = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(m.c.id, s.c.slug.label("source"), s.c.title.label("source_title"), s.c.published, s.c.url, m.c.char_start, m.c.char_end,
                      m.c.page, m.c.quote, m.c.date_text, m.c.date_anchor, m.c.date_rule, m.c.type_rule)
            .join(s, s.c.id == m.c.source_id)
            .where(m.c.event_id == event_id)
            .order_by(m.c.id)
        )
    ]
    return event


def list_actors(conn: Connection) -> list[dict]:
    """Every actor: kind, ISO code, parent, Wikidata id, CAMEO code, native script, aliases, the
    offices it held (office, from, to, acting), event count."""
    a, al, ea, t = schema.actors, schema.actor_aliases, schema.event_actors, schema.office_terms
    parent = a.alias("parent")
    counts = dict(conn.execute(sa.select(ea.c.actor_id, sa.func.count(sa.distinct(ea.c.event_id))).group_by(ea.c.actor_id)).all())
    aliases: dict[int, list[str]] = {}
    for actor_id, alias in conn.execute(sa.select(al.c.actor_id, al.c.alias).order_by(al.c.actor_id, al.c.alias_key)):
        aliases.setdefault(actor_id, []).append(alias)
    names = dict(conn.execute(sa.select(a.c.id, a.c.name)).all())
    offices: dict[int, list[dict]] = {}
    for r in conn.execute(sa.select(t).order_by(t.c.holder_id, t.c.start_date, t.c.id)):
        offices.setdefault(r.holder_id, []).append({
            "office": names[r.office_id], "from": r.start_date.isoformat(),
            "to": r.end_date.isoformat() if r.end_date else None, "acting": bool(r.acting)})
    rows = conn.execute(
        sa.select(a.c.id, a.c.name, a.c.kind, a.c.iso3, a.c.wikidata, a.c.cameo, a.c.native, parent.c.name.label("parent"))
        .outerjoin(parent, parent.c.id == a.c.parent_id)
        .order_by(a.c.name)
    )
    return [
        {
            "name": r.name,
            "kind": r.kind,
            "iso3": r.iso3,
            "parent": r.parent,
            "wikidata": r.wikidata,
            "cameo": r.cameo,
            "native": r.native,
            "aliases": [x for x in aliases.get(r.id, []) if x != r.name],
            "offices": offices.get(r.id, []),
            "events": counts.get(r.id, 0),
        }
        for r in rows
    ]


def list_places(conn: Connection) -> list[dict]:
    """Every place: the state that holds it, coordinates, Wikidata id, aliases, event count."""
    p, pa, e = schema.places, schema.place_aliases, schema.events
    counts = dict(conn.execute(sa.select(e.c.place_id, sa.func.count()).where(e.c.deleted_at.is_(None)).group_by(e.c.place_id)).all())
    aliases: dict[int, list[str]] = {}
    for place_id, alias in conn.execute(sa.select(pa.c.place_id, pa.c.alias).order_by(pa.c.place_id, pa.c.alias_key)):
        aliases.setdefault(place_id, []).append(alias)
    return [
        {"name": r.name, "country": r.country, "latitude": r.latitude, "longitude": r.longitude, "wikidata": r.wikidata,
         "aliases": aliases.get(r.id, []), "events": counts.get(r.id, 0)}
        for r in conn.execute(sa.select(p).order_by(p.c.name))
    ]


def list_types(conn: Connection) -> list[dict]:
    t, e = schema.event_types, schema.events
    counts = dict(conn.execute(sa.select(e.c.type, sa.func.count()).group_by(e.c.type)).all())
    return [
        {"code": r.code, "label": r.label, "family": r.family, "description": r.description, "events": counts.get(r.code, 0)}
        for r in conn.execute(sa.select(t).order_by(t.c.family, t.c.code))
    ]


# `kpolicy sources` fields, in order (the CSV header, also on an empty database)
SOURCE_FIELDS = ("slug", "title", "author", "publisher", "published", "url", "events", "mentions", "characters", "ingested_at", "published_from",
                 "removed")
# dates a file's software wrote, not its author (kpolicy.extract.publication.UNRELIABLE): flagged on the source
_CHECK_DATE = {"pdf creation date", "docx created date"}


def list_sources(conn: Connection, include_removed: bool = False, slugs: list[str] | None = None) -> list[dict]:
    """Every source, oldest first; a removed one (`sources remove`) only with `include_removed`,
    then with `removed` set to when (it used to be listed as an ordinary source with 0 events).
    `slugs`: only those sources (the review desk's page of them)."""
    s, m = schema.sources, schema.mentions
    counted = sa.select(m.c.source_id, sa.func.count(sa.distinct(m.c.event_id)).label("events"), sa.func.count().label("mentions"))
    only = sa.true()
    if slugs is not None:
        only = s.c.slug.in_(list(slugs))
        counted = counted.where(m.c.source_id.in_(sa.select(s.c.id).where(only)))
    counts = {r.source_id: (r.events, r.mentions) for r in conn.execute(counted.group_by(m.c.source_id))}
    return [
        {
            "slug": r.slug,
            "title": r.title,
            "author": r.author,
            "publisher": r.publisher,
            "published": _iso(r.published) if r.published_precision != "month" else f"{r.published:%Y-%m}",
            "published_from": (f"{r.published_from} (check it)" if r.published_from in _CHECK_DATE else r.published_from),
            "url": r.url,
            "events": counts.get(r.id, (0, 0))[0],
            "mentions": counts.get(r.id, (0, 0))[1],
            "characters": r.chars,
            "ingested_at": _iso(r.ingested_at),
            "removed": _iso(r.removed_at) if r.removed_at is not None else None,
        }
        for r in conn.execute(
            sa.select(s.c.id, s.c.slug, s.c.title, s.c.author, s.c.publisher, s.c.published, s.c.published_precision, s.c.published_from,
                      s.c.url, s.c.ingested_at, s.c.removed_at, sa.func.length(s.c.text).label("chars"))
            .where(sa.true() if include_removed else s.c.removed_at.is_(None), only).order_by(s.c.published, s.c.id)
        )
    ]


def count_matching(conn: Connection, q: EventQuery) -> int:
    """How many events the query matches (for progress bars)."""
    sub = build_select(conn, q, [timeline.c.id]).order_by(None).subquery()
    return conn.execute(sa.select(sa.func.count()).select_from(sub)).scalar_one()


# ---- a saved query (a story's query block, parsed by kpolicy.filters) -------------------------------

def query_of(filters: dict) -> EventQuery:
    """The EventQuery of a saved query's filters (parse_filter_text's dict, "stories" left out)."""
    fields = {k: v for k, v in filters.items() if k != "stories"}
    for name in ("actors", "types", "statuses", "places"):
        fields[name] = list(fields.get(name) or [])
    return EventQuery(**fields)


# ---- `kpolicy export --full`: what a round trip through `kpolicy import` needs ------------------------

FULL_FIELDS = ("roles", "mentions")  # appended to EXPORT_FIELDS by `export --full`


def with_roles_and_mentions(conn: Connection, rows: Iterator[tuple], batch: int = 1000) -> Iterator[tuple]:
    """Export tuples (EXPORT_FIELDS order) with two more fields: `roles`, each actor as 'Name:role'
    ('; '-joined, by name then role), and `mentions`, every mention but the first (which the
    source and quote columns carry) as a JSON array of [source slug, quote], in mention order."""
    pending: list[tuple] = []
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from _roles_and_mentions(conn, pending)
            pending = []
    if pending:
        yield from _roles_and_mentions(conn, pending)


def _roles_and_mentions(conn: Connection, rows: list[tuple]) -> Iterator[tuple]:
    import json

    ids = [r[0] for r in rows]
    ea, a, m, s, e = schema.event_actors, schema.actors, schema.mentions, schema.sources, schema.events
    roles: dict[int, list[str]] = {}
    for event_id, name, role in conn.execute(sa.select(ea.c.event_id, a.c.name, ea.c.role).join(a, a.c.id == ea.c.actor_id)
                                             .where(ea.c.event_id.in_(ids)).order_by(ea.c.event_id, a.c.name, ea.c.role)):
        roles.setdefault(event_id, []).append(f"{name}:{role}")
    first = dict(conn.execute(sa.select(e.c.id, e.c.first_mention_id).where(e.c.id.in_(ids))).all())
    further: dict[int, list[list[str]]] = {}
    for event_id, mention_id, slug, quote in conn.execute(
            sa.select(m.c.event_id, m.c.id, s.c.slug, m.c.quote).join(s, s.c.id == m.c.source_id)
            .where(m.c.event_id.in_(ids)).order_by(m.c.event_id, m.c.id)):
        if mention_id != first.get(event_id):
            further.setdefault(event_id, []).append([slug, quote])
    for row in rows:
        more = further.get(row[0])
        yield (*row, "; ".join(roles.get(row[0], [])) or None,
               json.dumps(more, ensure_ascii=False, separators=(",", ":")) if more else None)
