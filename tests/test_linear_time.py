"""Every extraction stage stays linear on hostile input (issue 15, item 10).

Each case doubles a pathological input and checks that the time at most roughly doubles:
a generous ratio, never an absolute time, so a slow or busy machine cannot fail it while a
quadratic stage (ratio ~4) cannot pass. Each measurement is the best of several runs and a
case gets three attempts, so one scheduling hiccup does not fail it either.
"""

from __future__ import annotations

import gc
import time
from datetime import date

import pytest

from kpolicy.extract.pipeline import Extractor
from kpolicy.extract.sentences import sentence_spans
from kpolicy.extract.temporal import find_time_expressions
from kpolicy.extract.text import document_from_text, html_to_plain
from kpolicy.extract.triggers import find_triggers

PUB = date(2020, 2, 5)
RATIO = 3.0  # linear work doubles (2.0); quadratic work quadruples (4.0)
NEWS = ("North Korea fired two short-range missiles on Monday, Kim Jong-un said in a statement after the "
        "summit in Hanoi in February 2019, and the drills resumed last year ")


def _repeat(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


def _best(fn, arg, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - t0)
    return best


def assert_linear(fn, make, n: int, runs: int = 3) -> None:
    small, large = make(n), make(2 * n)
    ratios = []
    for _attempt in range(3):
        t1, t2 = _best(fn, small, runs), _best(fn, large, runs)
        ratios.append(t2 / max(t1, 1e-4))
        if ratios[-1] <= RATIO:
            return
    pytest.fail(f"doubling the input multiplied the time by {min(ratios):.1f} (at most {RATIO} expected): super-linear")


def _markdown(raw: str):
    return document_from_text(raw, ".md")


PAGE = "<html><body><p>North Korea fired two missiles on 4 May 2019.</p>"


def _saved_page(raw: str):
    return document_from_text(raw, ".html")


def _triggers(sentence: str):
    return find_triggers(sentence, sentence[:1500])


def _temporal(text: str):
    return find_time_expressions(text, PUB)


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


CASES = {
    # text: markdown markup that rescanned the rest of the line per bracket or per link
    "text: unclosed images '!['": (_markdown, lambda n: "![" * (n // 2), 16_000),
    "text: unclosed brackets '['": (_markdown, lambda n: "[" * n, 16_000),
    "text: unclosed links '[a](b '": (_markdown, lambda n: _repeat("[a](b ", n), 40_000),
    "text: links with escaped labels": (_markdown, lambda n: _repeat("[a \\( b](c) [d](e (f)) ", n), 40_000),
    "text: emphasis, code and escapes": (_markdown, lambda n: _repeat("*_`\\*x_ ", n), 40_000),
    "text: headings, quotes and reference lines": (_markdown, lambda n: _repeat("# h\n> q\n[r]: s\n", n), 40_000),
    # HTML: tags, comments and quoted values that never close (the standard library's
    # HTMLParser reread the rest of the page per '<': x4.5 per doubling)
    "html: unclosed tags '<a '": (html_to_plain, lambda n: PAGE + _repeat("<a ", n), 24_000),
    "html: unclosed attributes '<a b='": (html_to_plain, lambda n: PAGE + _repeat("<a b=", n), 24_000),
    "html: unclosed quoted values '<a b=\"'": (html_to_plain, lambda n: PAGE + _repeat('<a b="', n), 24_000),
    "html: unclosed end tags '</'": (html_to_plain, lambda n: PAGE + _repeat("</", n), 24_000),
    "html: unclosed comments '<!--'": (html_to_plain, lambda n: PAGE + _repeat("<!--", n), 24_000),
    "html: a saved page of unclosed tags (main text, metadata)": (_saved_page, lambda n: PAGE + _repeat("<a ", n), 24_000),
    # sentences
    "sentences: one line without an end": (sentence_spans, lambda n: _repeat(NEWS, n), 100_000),
    "sentences: abbreviations and initials": (sentence_spans, lambda n: _repeat("U.S. N. Korea e.g. Gen. ", n), 30_000),
    "sentences: list lines": (sentence_spans, lambda n: _repeat("- 2019: a test\n1. b\n", n), 50_000),
    # triggers, on one long sentence
    "triggers: capitalised words before 'exercise'": (_triggers, lambda n: _repeat("Alpha Beta ", n), 20_000),
    "triggers: dense news phrases": (_triggers, lambda n: _repeat(NEWS, n), 20_000),
    "triggers: 'put ... into orbit' and negators": (_triggers, lambda n: _repeat("put not never without ", n), 16_000),
    "triggers: councils and the UN": (_triggers, lambda n: _repeat("the National Security Council met the UN resolution ", n), 12_000),
    # temporal, on one long text
    "temporal: dense news phrases": (_temporal, lambda n: _repeat(NEWS, n), 10_000),
    "temporal: digits": (_temporal, lambda n: _repeat("1 2 3 2019 ", n), 6_000),
    "temporal: months and ranges": (_temporal, lambda n: _repeat("from June to July 2019, ", n), 5_000),
}


@pytest.mark.parametrize("case", list(CASES))
def test_stage_is_linear(case):
    fn, make, n = CASES[case]
    assert_linear(fn, make, n)


PIPELINE = {
    "one 12 KB line of news phrases": (lambda n: _repeat(NEWS, n), 12_000),
    "sentences of news phrases": (lambda n: _repeat(NEWS.strip() + ". ", n), 8_000),
    "capitalised words": (lambda n: _repeat("Alpha Beta ", n), 10_000),
    "one long word": (lambda n: "a" * n, 100_000),
    "acronyms": (lambda n: _repeat("U.S. ", n), 10_000),
}


@pytest.mark.parametrize("case", list(PIPELINE))
def test_extraction_is_linear(case, extractor):
    make, n = PIPELINE[case]
    assert_linear(lambda text: extractor.extract(text, PUB), make, n, runs=2)


def test_overlong_runs_are_cut_into_sentences_of_bounded_length():
    from kpolicy.extract.sentences import MAX_SENTENCE

    text = _repeat(NEWS, 20_000)
    spans = sentence_spans(text)
    assert len(spans) > 10
    assert all(0 < end - start <= MAX_SENTENCE for start, end in spans)
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    # cut at clause boundaries where there are some: every piece but the last ends at a comma
    assert all(text[e - 1] == "," for _s, e in spans[:-1])


# ---- merging (issue 15, item 10): near-duplicate articles -------------------------------------

OTHERS = ("South Korea", "United States", "China", "Russia", "Japan")


def _near_duplicates(articles: int, events: int):
    """`articles` sources telling the same `events` North Korean missile launches in June 2019;
    the first also tells of 40 launches by other states that month. Every event of a later
    article is another mention of one already stored, and every stored launch is a candidate
    for it (same type, overlapping dates)."""
    from kpolicy.dates import parse_edtf
    from kpolicy.records import EventRecord, MentionRecord, SourceRecord

    out = []
    for a in range(articles):
        told = [(OTHERS[i % len(OTHERS)], i) for i in range(40)] if a == 0 else []
        told += [("North Korea", i) for i in range(events)]
        sentences = [f"{state} fired missile number {i} in June 2019 (report {a})." for state, i in told]
        records, start = [], 0
        for (state, i), sentence in zip(told, sentences):
            records.append(EventRecord("missile_test", f"{state} missile launch {i}", parse_edtf("2019-06"), "occurred",
                                       [(state, "initiator")], [MentionRecord(sentence, start, start + len(sentence))]))
            start += len(sentence) + 1
        out.append((SourceRecord(f"report-{a}", f"Report {a}", date(2019, 7, 1), " ".join(sentences)), records))
    return out


@pytest.fixture(scope="module")
def empty_database(tmp_path_factory):
    from kpolicy.store.bootstrap import initialise
    from kpolicy.store.db import Database, make_engine, resolve

    path = tmp_path_factory.mktemp("merge") / "template.db"
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    initialise(database, with_seed=False)
    database.close()
    return path


def _store_all(template, workdir, batch) -> tuple[float, int, list]:
    """CPU seconds and SQL statements (the driver's own count, triggers aside) to store the
    articles after the first, one transaction each, into a copy of the template that holds the
    first (the copy and the first article untimed: what grows is the merging). Returns them
    and [(new, merged) per article..., events stored]."""
    import shutil

    import sqlalchemy as sa

    from kpolicy.store import schema
    from kpolicy.store.articles import store_article
    from kpolicy.store.db import Database, make_engine, resolve

    path = workdir / f"db-{time.monotonic_ns()}.db"
    shutil.copy(template, path)
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    statements = [0]

    def count(sql: str) -> None:
        statements[0] += not sql.startswith("--")  # "-- TRIGGER ..." lines are a statement's triggers

    try:
        summaries = []
        with database.writing() as conn:
            summaries.append(store_article(conn, *batch[0]))
        gc.collect()
        spent = 0.0
        for source, records in batch[1:]:
            with database.writing() as conn:
                driver = conn.connection.driver_connection
                driver.set_trace_callback(count)
                t0 = time.process_time()
                summaries.append(store_article(conn, source, records))
                spent += time.process_time() - t0
                driver.set_trace_callback(None)
        with database.reading() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar_one()
        return spent, statements[0], [(s.events, s.merged) for s in summaries] + [stored]
    finally:
        database.close()
        path.unlink()


def test_merging_near_duplicate_articles_is_linear(empty_database, tmp_path):
    # each event of a later article has every stored launch as a candidate (same type, the same
    # month); the merge path once read them all into Python with one query each
    articles, events = 3, 100
    small, large = _near_duplicates(articles, events), _near_duplicates(articles, 2 * events)
    # the articles merge as they should: the first creates every event, the others only add mentions
    _, few, outcome = _store_all(empty_database, tmp_path, small)
    assert outcome == [(events + 40, 0)] + [(0, events)] * (articles - 1) + [events + 40]
    _, many, outcome = _store_all(empty_database, tmp_path, large)
    assert outcome == [(2 * events + 40, 0)] + [(0, 2 * events)] * (articles - 1) + [2 * events + 40]
    # the statements are a bounded number per event (exact: no machine noise) ...
    assert many <= 2.1 * few, f"doubling the events took {many / few:.1f}x the SQL statements: a query per candidate"
    # ... and the time at most roughly doubles
    ratios = []
    for _attempt in range(3):
        t1 = min(_store_all(empty_database, tmp_path, small)[0] for _ in range(2))
        t2 = min(_store_all(empty_database, tmp_path, large)[0] for _ in range(2))
        ratios.append(t2 / max(t1, 1e-4))
        if ratios[-1] <= RATIO:
            return
    pytest.fail(f"doubling the events of near-duplicate articles multiplied the time by {min(ratios):.1f} "
                f"(at most {RATIO} expected): merging is super-linear")


def _vm_steps_to_store(template, workdir, first, later) -> tuple[int, tuple]:
    """SQLite virtual-machine steps (a progress handler's count: exact, no machine noise) spent
    storing `later` into a copy of the template holding `first`; and its (new, merged)."""
    import shutil

    from kpolicy.store.articles import store_article
    from kpolicy.store.db import Database, make_engine, resolve

    path = workdir / f"steps-{time.monotonic_ns()}.db"
    shutil.copy(template, path)
    target = resolve(str(path))
    database = Database(target, make_engine(target))
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    try:
        with database.writing() as conn:
            store_article(conn, *first)
        with database.writing() as conn:
            driver = conn.connection.driver_connection
            driver.set_progress_handler(tick, 100)
            summary = store_article(conn, *later)
            driver.set_progress_handler(None, 100)
        return steps[0], (summary.events, summary.merged)
    finally:
        database.close()
        path.unlink()


def _statements_that_month(n: int):
    """An article of `n` statements by North Korea in June 2019: events of another type, in the
    very window of the launches below, by the same state."""
    from kpolicy.dates import parse_edtf
    from kpolicy.records import EventRecord, MentionRecord, SourceRecord

    sentences = [f"North Korea said thing number {i} in June 2019." for i in range(n)]
    records, start = [], 0
    for i, sentence in enumerate(sentences):
        records.append(EventRecord("statement", f"North Korea statement {i}", parse_edtf("2019-06"), "occurred",
                                   [("North Korea", "initiator")], [MentionRecord(sentence, start, start + len(sentence))]))
        start += len(sentence) + 1
    return SourceRecord(f"statements-{n}", f"Statements {n}", date(2019, 7, 1), " ".join(sentences)), records


def test_merge_lookup_does_not_visit_events_of_other_types(empty_database, tmp_path):
    # A merge candidate has the record's type: events of other types in the same window and by
    # the same state must cost the lookup nothing (before migration 0006 the span-class ranges
    # read every type's events from the table, so the lookup grew with the whole database).
    first, later = _near_duplicates(2, 20)
    few, outcome_few = _vm_steps_to_store(empty_database, tmp_path, _combined(first, _statements_that_month(200)), later)
    many, outcome_many = _vm_steps_to_store(empty_database, tmp_path, _combined(first, _statements_that_month(1600)), later)
    assert outcome_few == outcome_many == (0, 20)
    assert many <= 1.2 * few, (f"8x the events of another type took {many / few:.1f}x the SQLite steps to merge "
                               "one article: the lookup visits other types' candidates")


def _combined(article, other):
    """One article telling both: `article`'s events and `other`'s, its text after article's."""
    from kpolicy.records import MentionRecord, SourceRecord

    (source, records), (other_source, other_records) = article, other
    shift = len(source.text) + 1
    moved = [r.__class__(r.type, r.title, r.date, r.status, r.actors,
                         [MentionRecord(m.quote, m.char_start + shift, m.char_end + shift) for m in r.mentions])
             for r in other_records]
    return SourceRecord(source.slug, source.title, source.published, source.text + " " + other_source.text), records + moved
