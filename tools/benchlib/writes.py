"""The per-article write path (store_article) against the bulk path for the same events."""

from __future__ import annotations

from pathlib import Path

from tools.benchlib.world import EventGenerator, World
from tools.benchlib.measure import paired, profile_text
from tools.benchlib.load import SizeResult


def _article_batch(world: World, articles: int, per_article: int, seed: int = 99):
    """Synthetic articles (one source each, `per_article` events): (sources, BulkEvents, slug -> EventRecords).

    Each event keeps the mentions in its first source only, so both paths write the same rows."""
    from kpolicy.dates import parse_edtf
    from kpolicy.records import EventRecord, MentionRecord
    from kpolicy.store.bulk import BulkEvent

    gen = EventGenerator(world, seed=seed)
    gen.source_no = 10_000_000  # slugs and texts of their own
    out = []
    for _ in range(articles):
        sources, events = gen.chunk(per_article)
        by_slug: dict[str, list] = {src.slug: [] for src in sources}
        bulk_events = []
        for ev in events:
            first = ev.mentions[0].source
            mentions = [m for m in ev.mentions if m.source == first]
            bulk_events.append(BulkEvent(ev.type, ev.title, ev.date, ev.status, ev.actors, mentions, place=ev.place,
                                         confidence=ev.confidence))
            by_slug[first].append(EventRecord(
                ev.type, ev.title, parse_edtf(ev.date), ev.status, list(ev.actors),
                [MentionRecord(m.quote, m.char_start, m.char_end, m.date_text, m.date_anchor) for m in mentions],
                place=ev.place, confidence=ev.confidence))
        out.append((sources, bulk_events, by_slug))
    return out


def measure_write(res: SizeResult, world: World, kp_path: Path, repeat: int, profile: bool, n_events: int = 1000) -> None:
    """The per-article path (store_article: dedupe, merges, history) against bulk.load_events for
    the same events, each in a transaction rolled back after the run, alternating."""
    from kpolicy.store import bulk
    from kpolicy.store.articles import store_article
    from kpolicy.store.db import Database, make_engine, resolve

    batch = _article_batch(world, 1, n_events)  # n_events / 20 articles of about 20 events
    n_events = sum(len(evs) for _, evs, _ in batch)
    target = resolve(str(kp_path))
    database = Database(target, make_engine(target))
    engine = database.engine
    stored = {}

    def articles():
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                total = 0
                for sources, _events, by_slug in batch:
                    for src in sources:
                        s = store_article(conn, src, by_slug[src.slug], action="bench")
                        total += s.events + s.merged
                stored["events"] = total
            finally:
                tx.rollback()

    def bulk_load():
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                for sources, events, _ in batch:
                    bulk.load_sources(conn, sources)
                    bulk.load_events(conn, events, defer=False)
            finally:
                tx.rollback()

    cpu: list = []
    k, r, _, _ = paired(articles, bulk_load, repeat, cpu)
    n_articles = sum(len(s) for s, _, _ in batch)
    res.write = {"events": n_events, "articles": n_articles, "k": k, "r": r, "k_cpu": cpu[0], "r_cpu": cpu[1]}
    if profile:
        res.profiles.append((f"store_article, {n_articles} articles / {n_events} events at {res.size:,} events "
                             f"({k.median / n_events * 1000:.0f} us/event; bulk {r.median / n_events * 1000:.0f} us/event)",
                             profile_text(articles, 14)))
    database.close()
