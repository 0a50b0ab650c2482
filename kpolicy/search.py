"""Full-text search over event titles and the quotes of their mentions, ranked by relevance.

SQLite: the FTS5 index `event_search` (migration 0003, kept in step by triggers),
ranked by bm25 with titles weighted above quotes, with FTS5's own snippet.
PostgreSQL: the tsvector rows of migration 0016 (title weighted A, quotes D) through their
GIN index, kept in step by triggers, ranked by ts_rank, with ts_headline snippets.

TEXT is plain words by default: every word must match, "double quotes" keep a phrase
together, and nothing else is syntax on either engine ('Kim Jong-un', 'KN-23',
'Kim: summit', 'a AND' and SQL are all just words). `fts=True` passes TEXT to the
engine's own query language instead (FTS5 syntax: OR, NOT, NEAR, prefix*, column:;
PostgreSQL: websearch_to_tsquery), and malformed FTS5 syntax is one BadInput line.

The usual filters (window, actor, type, status...) come from query.prepared, so
search narrows exactly what `kpolicy events` would list.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema
from kpolicy.errors import BadInput
from kpolicy.query import EventQuery, prepared, query_plan, timeline

SEARCH_FIELDS = ("id", "date", "start", "end", "precision", "type", "status", "title", "actors", "place", "source", "snippet", "score")
TITLE_WEIGHT = 5.0  # a word in the title counts five times one in a quote
MARK = ("[", "]")  # how snippets mark the matched words (plain text: terminals, CSV, JSON)


MAX_TERMS = 64  # words in one search: each is a term the engine intersects (PostgreSQL: a nested && each)


def _check(text: str, fts: bool = False) -> str:
    """The search text, stripped, with at most MAX_TERMS words. A plain search reads an unbalanced
    double quote as part of a word, as search engines do (`"unbalanced` finds unbalanced); --fts
    keeps FTS5's strict syntax. More words than MAX_TERMS are refused: 16,000 words took 90 s and
    PostgreSQL's query compiler ran out of stack at 200 (issue 24, items 13 and 19)."""
    text = (text or "").strip()
    if not text:
        raise BadInput("the search text is empty; give a word or phrase, e.g. kpolicy search plenum")
    words = 0
    for _ in re.finditer(r"\w+", text):
        words += 1
        if words > MAX_TERMS:
            raise BadInput(f"the search text has more than {MAX_TERMS} words; search for the few that matter "
                           f"(at most {MAX_TERMS}), e.g. kpolicy search \"missile launch\" Hwasong")
    return text


def _phrases(text: str) -> list[str]:
    """Plain search text as its phrases: each "quoted phrase", and each other run of
    non-space characters (so 'Jong-un' is the phrase 'jong un', never 'jong NOT un')."""
    found = [a or b for a, b in re.findall(r'"([^"]*)"|(\S+)', text)]  # a lone " stays inside its word
    found = [p for p in found if re.search(r"\w", p)]
    if not found:
        raise BadInput(f"{text!r} has no words to search for; give a word or phrase")
    return found


def _plain_words(text: str) -> str:
    """FTS5 syntax for 'all these phrases', each an FTS5 string so nothing in it is an operator."""
    return " ".join('"' + p.replace('"', '""') + '"' for p in _phrases(text))


def _fts_sql(top: bool) -> str:
    best = " ORDER BY bm25(event_search, :title_weight, 1.0), rowid LIMIT :top" if top else ""
    return (
        "SELECT rowid AS id, bm25(event_search, :title_weight, 1.0) AS rank, "
        "snippet(event_search, -1, :open, :close, '…', 16) AS snippet "
        "FROM event_search WHERE event_search MATCH :fts_query" + best
    )


def _fts_params(fts_query: str) -> dict:
    return {"fts_query": fts_query, "title_weight": TITLE_WEIGHT, "open": MARK[0], "close": MARK[1]}


# The index's `top` hits first, then their timeline rows.
# CROSS JOIN is SQLite's way to fix the join order: with a plain JOIN the planner
# starts from the timeline (490 ms instead of 90 ms for 50 hits at 10^6 events), and
# an outer join would materialise the whole view. Every indexed row is an event, so
# this is the inner join's answer.
_SQLITE_TOP = sa.text(
    "SELECT " + ", ".join(f'timeline."{c}"' for c in SEARCH_FIELDS[:-2]) + ", fts.snippet AS snippet, -fts.rank AS score "
    f"FROM ({_fts_sql(True)}) AS fts CROSS JOIN timeline ON timeline.id = fts.id ORDER BY fts.rank, fts.id"
)
# The FTS5 matches with their bm25 rank and snippet, joined to the filtered timeline (search._join).
_SQLITE_MATCHES = sa.text(_fts_sql(False)).columns(id=sa.Integer, rank=sa.Float, snippet=sa.Text).subquery("fts")


def _postgres_params(text: str, fts: bool) -> dict:
    if fts:
        return {"ts_text": text}
    return {f"ts_phrase_{i}": p for i, p in enumerate(_phrases(text))}


_EVENT_SEARCH = sa.table("event_search", sa.column("event_id", sa.Integer), sa.column("vector"))  # migration 0016


def _postgres_matches(params: dict, fts: bool = False):
    """The matching events ranked by ts_rank, with a headline; the words are bind parameters
    (`_postgres_params`), so the statement depends only on how many phrases there are.

    The matches come from migration 0016's tsvector rows through their GIN index; only the
    matched events' quotes are read again, for the headline."""
    e, m, es = schema.events, schema.mentions, _EVENT_SEARCH
    config = sa.literal_column("'english'::regconfig")
    if fts:
        tsquery = sa.func.websearch_to_tsquery(config, sa.bindparam("ts_text", params["ts_text"], type_=sa.Text))
    else:  # every phrase must match; no operator is read from the text
        parts = [sa.func.phraseto_tsquery(config, sa.bindparam(name, value, type_=sa.Text)) for name, value in params.items()]
        tsquery = parts[0]
        for part in parts[1:]:
            tsquery = tsquery.op("&&")(part)
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    mq = m.alias("mq")
    quotes = sa.func.string_agg(mq.c.quote, aggregate_order_by(sa.literal_column("' … '"), mq.c.id))
    body = sa.func.coalesce(sa.select(quotes).where(mq.c.event_id == e.c.id).scalar_subquery(), "")
    options = f"StartSel={MARK[0]}, StopSel={MARK[1]}, MaxWords=18, MinWords=6, MaxFragments=1, FragmentDelimiter=…"
    headline = sa.func.ts_headline(config, e.c.title + sa.literal_column("' … '") + body, tsquery, options)
    return (
        sa.select(es.c.event_id.label("id"), (-sa.func.ts_rank(es.c.vector, tsquery)).label("rank"), headline.label("snippet"))
        .select_from(es.join(e, e.c.id == es.c.event_id))
        .where(es.c.vector.op("@@")(tsquery))
        .subquery("fts")
    )


def _join(stmt, matches) -> sa.Select:
    return (
        stmt.join(matches, matches.c.id == timeline.c.id)
        .add_columns(matches.c.snippet, (-matches.c.rank).label("score"))
        .order_by(None)
        .order_by(matches.c.rank, timeline.c.id)
    )


def _statement(conn: Connection, q: EventQuery, key, params: dict, matches) -> tuple[sa.Executable, dict]:
    """The filtered search, kept per shape like every query (query.prepared); `matches(params)`
    builds the engine's ranked matches when the shape is new."""
    columns = [timeline.c[c] for c in SEARCH_FIELDS[:-2]]
    return prepared(conn, q, columns, extend=(key, lambda stmt: _join(stmt, matches(params)), params))


def search(conn: Connection, text: str, q: EventQuery | None = None, fts: bool = False) -> Iterator[dict]:
    """Events matching TEXT (and the filters in q), most relevant first, with a snippet and score.

    TEXT is plain words and "phrases" unless `fts` (the engine's query syntax).
    The query runs before this returns, so bad input fails before any output is written.
    """
    q = q or EventQuery()
    text = _check(text, fts)
    if not text:
        raise BadInput("the search text is empty; give a word or phrase, e.g. kpolicy search plenum")
    if conn.dialect.name != "sqlite":
        params = _postgres_params(text, fts)
        stmt, params = _statement(conn, q, ("postgres", fts, len(params)), params, lambda p: _postgres_matches(p, fts))
        return (dict(r._mapping) for r in conn.execute(stmt, params))
    # no filter but a limit: the top hits are the index's own top hits (every indexed row is an event)
    top = q.limit if q.limit is not None and replace(q, limit=None) == EventQuery() else None

    def statement(fts_query: str) -> tuple[sa.Executable, dict]:
        if top is not None:
            query_plan(conn, q)  # validates the limit like every other path
            return _SQLITE_TOP, {**_fts_params(fts_query), "top": top}
        params = _fts_params(fts_query)
        return _statement(conn, q, ("sqlite",), params, lambda p: _SQLITE_MATCHES)

    fts_query = text if fts else _plain_words(text)
    try:
        if q == EventQuery():
            return _first_page_then_rest(conn, fts_query, statement)
        result = conn.execute(*statement(fts_query))
    except sa.exc.OperationalError as exc:
        message = str(exc.orig)
        if not re.search(r"fts5|syntax error|no such column|unterminated|unknown special query", message, re.I):
            raise
        raise BadInput(f"{text!r} is not valid FTS5 query syntax ({message}); fix it, or drop --fts to search the plain words") from None
    return (dict(r._mapping) for r in result)


# One more than a table's page (views.render.TABLE_PAGE): write_table reads that many rows to
# know the answer is longer, so the first page prints before the rest is ranked.
FIRST_PAGE = 101


def _first_page_then_rest(conn: Connection, fts_query: str, statement) -> Iterator[dict]:
    """Every hit, unfiltered, best first: the first page from the index's own top hits, then
    the rest from the whole ranked answer, its first page skipped.

    Ranking all hits of a common word needs every hit's bm25 and snippet and timeline row
    before the best one is known (83,150 hits at 10^6 events: seconds); the top hits alone
    come in a fraction of that. Both statements order by (rank, id) over the same index, so
    the two parts join into exactly the one answer. The first part runs now (bad FTS5
    syntax fails before any output); the second when the first page has been read."""
    first = [dict(r._mapping) for r in conn.execute(_SQLITE_TOP, {**_fts_params(fts_query), "top": FIRST_PAGE})]
    if len(first) < FIRST_PAGE:
        return iter(first)

    def rest() -> Iterator[dict]:
        for i, row in enumerate(conn.execute(*statement(fts_query))):
            if i >= FIRST_PAGE:
                yield dict(row._mapping)
    return itertools.chain(first, rest())
