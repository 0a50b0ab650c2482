"""Full-text search over event titles and the quotes of their mentions, ranked by relevance.

SQLite: the FTS5 index `event_search` (migration 0003, kept in step by triggers),
ranked by bm25 with titles weighted above quotes, with FTS5's own snippet.
PostgreSQL: no index or extension needed; tsvectors are built on the fly, ranked by
ts_rank, with ts_headline snippets.

TEXT is plain words by default: every word must match, "double quotes" keep a phrase
together, and nothing else is syntax on either engine ('Kim Jong-un', 'KN-23',
'Kim: summit', 'a AND' and SQL are all just words). `fts=True` passes TEXT to the
engine's own query language instead (FTS5 syntax: OR, NOT, NEAR, prefix*, column:;
PostgreSQL: websearch_to_tsquery), and malformed FTS5 syntax is one BadInput line.

The usual filters (window, actor, type, status...) come from query.build_select, so
search narrows exactly what `kpolicy events` would list.
"""

from __future__ import annotations

import re
from dataclasses import replace
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.store import schema
from kpolicy.errors import BadInput
from kpolicy.query import EventQuery, build_select, timeline

SEARCH_FIELDS = ("id", "date", "start", "end", "precision", "type", "status", "title", "actors", "place", "source", "snippet", "score")
TITLE_WEIGHT = 5.0  # a word in the title counts five times one in a quote
MARK = ("[", "]")  # how snippets mark the matched words (plain text: terminals, CSV, JSON)


def _check(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise BadInput("the search text is empty; give a word or phrase, e.g. kpolicy search plenum")
    if text.count('"') % 2:
        raise BadInput(f'unbalanced double quote in {text!r}; close the "phrase" or drop the quote')
    return text


def _phrases(text: str) -> list[str]:
    """Plain search text as its phrases: each "quoted phrase", and each other run of
    non-space characters (so 'Jong-un' is the phrase 'jong un', never 'jong NOT un')."""
    found = [a or b for a, b in re.findall(r'"([^"]*)"|(\S+)', text)]
    found = [p for p in found if re.search(r"\w", p)]
    if not found:
        raise BadInput(f"{text!r} has no words to search for; give a word or phrase")
    return found


def _plain_words(text: str) -> str:
    """FTS5 syntax for 'all these phrases', each an FTS5 string so nothing in it is an operator."""
    return " ".join('"' + p.replace('"', '""') + '"' for p in _phrases(text))


def _fts_sql(fts_query: str, top: int | None) -> tuple[str, dict]:
    best = " ORDER BY bm25(event_search, :title_weight, 1.0), rowid LIMIT :top" if top is not None else ""
    params = {"fts_query": fts_query, "title_weight": TITLE_WEIGHT, "open": MARK[0], "close": MARK[1]}
    if top is not None:
        params["top"] = top
    sql = (
        "SELECT rowid AS id, bm25(event_search, :title_weight, 1.0) AS rank, "
        "snippet(event_search, -1, :open, :close, '…', 16) AS snippet "
        "FROM event_search WHERE event_search MATCH :fts_query" + best
    )
    return sql, params


def _sqlite_top(fts_query: str, top: int) -> sa.TextClause:
    """The index's `top` hits first, then their timeline rows.

    CROSS JOIN is SQLite's way to fix the join order: with a plain JOIN the planner
    starts from the timeline (490 ms instead of 90 ms for 50 hits at 10^6 events), and
    an outer join would materialise the whole view. Every indexed row is an event, so
    this is the inner join's answer."""
    inner, params = _fts_sql(fts_query, top)
    names = ", ".join(f'timeline."{c}"' for c in SEARCH_FIELDS[:-2])
    return sa.text(
        f"SELECT {names}, fts.snippet AS snippet, -fts.rank AS score FROM ({inner}) AS fts "
        "CROSS JOIN timeline ON timeline.id = fts.id ORDER BY fts.rank, fts.id"
    ).bindparams(**params)


def _sqlite_matches(fts_query: str, top: int | None = None):
    """The FTS5 matches with their bm25 rank and snippet; `top`: only the best `top` of them.

    `top` is for an unfiltered search with a limit: the index ranks every match by itself
    and only those rows meet the timeline view (at 10^6 events a common word has 80,000
    matches; building a timeline row for each before the sort cost 5x the ranking)."""
    sql, params = _fts_sql(fts_query, top)
    return (
        sa.text(sql)
        .bindparams(**params)
        .columns(id=sa.Integer, rank=sa.Float, snippet=sa.Text)
        .subquery("fts")
    )


def _postgres_matches(text: str, fts: bool = False):
    e, m = schema.events, schema.mentions
    config = sa.literal_column("'english'::regconfig")
    quotes = (
        sa.select(m.c.event_id, sa.func.string_agg(m.c.quote, sa.literal_column("' … '")).label("quotes"))
        .group_by(m.c.event_id)
        .subquery("q")
    )
    body = sa.func.coalesce(quotes.c.quotes, "")
    vector = sa.func.setweight(sa.func.to_tsvector(config, e.c.title), sa.literal_column("'A'::\"char\"")).op("||")(
        sa.func.setweight(sa.func.to_tsvector(config, body), sa.literal_column("'D'::\"char\""))
    )
    if fts:
        tsquery = sa.func.websearch_to_tsquery(config, text)
    else:  # every phrase must match; no operator is read from the text
        parts = [sa.func.phraseto_tsquery(config, p) for p in _phrases(text)]
        tsquery = parts[0]
        for part in parts[1:]:
            tsquery = tsquery.op("&&")(part)
    options = f"StartSel={MARK[0]}, StopSel={MARK[1]}, MaxWords=18, MinWords=6, MaxFragments=1, FragmentDelimiter=…"
    headline = sa.func.ts_headline(config, e.c.title + sa.literal_column("' … '") + body, tsquery, options)
    return (
        sa.select(e.c.id.label("id"), (-sa.func.ts_rank(vector, tsquery)).label("rank"), headline.label("snippet"))
        .select_from(e.outerjoin(quotes, quotes.c.event_id == e.c.id))
        .where(vector.op("@@")(tsquery))
        .subquery("fts")
    )


def _statement(conn: Connection, q: EventQuery, matches) -> sa.Select:
    columns = [timeline.c[c] for c in SEARCH_FIELDS[:-2]]
    stmt = build_select(conn, q, columns)
    return (
        stmt.join(matches, matches.c.id == timeline.c.id)
        .add_columns(matches.c.snippet, (-matches.c.rank).label("score"))
        .order_by(None)
        .order_by(matches.c.rank, timeline.c.id)
    )


def search(conn: Connection, text: str, q: EventQuery | None = None, fts: bool = False) -> Iterator[dict]:
    """Events matching TEXT (and the filters in q), most relevant first, with a snippet and score.

    TEXT is plain words and "phrases" unless `fts` (the engine's query syntax).
    The query runs before this returns, so bad input fails before any output is written.
    """
    q = q or EventQuery()
    text = _check(text) if not fts else (text or "").strip()
    if not text:
        raise BadInput("the search text is empty; give a word or phrase, e.g. kpolicy search plenum")
    if conn.dialect.name != "sqlite":
        result = conn.execute(_statement(conn, q, _postgres_matches(text, fts)))
        return (dict(r._mapping) for r in result)
    # no filter but a limit: the top hits are the index's own top hits (every indexed row is an event)
    top = q.limit if q.limit is not None and replace(q, limit=None) == EventQuery() else None
    def statement(fts_query: str):
        if top is not None:
            build_select(conn, q)  # validates the limit like every other path
            return _sqlite_top(fts_query, top)
        return _statement(conn, q, _sqlite_matches(fts_query))

    if not fts:
        return (dict(r._mapping) for r in conn.execute(statement(_plain_words(text))))
    try:
        result = conn.execute(statement(text))
    except sa.exc.OperationalError as exc:
        message = str(exc.orig)
        if not re.search(r"fts5|syntax error|no such column|unterminated|unknown special query", message, re.I):
            raise
        raise BadInput(f"{text!r} is not valid FTS5 query syntax ({message}); fix it, or drop --fts to search the plain words") from None
    return (dict(r._mapping) for r in result)
