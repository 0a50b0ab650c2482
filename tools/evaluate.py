"""Score the extractor: the seed article against its curated annotation, every article
of ../shared/eval/dev/ against its gold, the project's own regression set
(tests/fixtures/regression/: texts written for the project, gold-annotated by
../shared/eval/GUIDELINES.md), and every batch of collected passages in ../corpus/<batch>/
(dev, batch2, ...: third-party texts and their gold, kept outside the repository), with
../shared/eval/score.py.

    python tools/evaluate.py [--shared PATH] [--corpus PATH] [--batch NAME] [--show]

A corpus batch gets its own heading row, one row per passage and a row of micro totals.
Passages are scored by split (tools/corpus.py fixes each id's split): train and dev by default;
the test split only with `--split test`, once, at the end.
The held-back batch (../corpus/heldout/) is never scored unless named with --batch heldout:
it is scored once, at the end.

prints a markdown table (article, core recall, precision, F1, type, date, status, actors):
seed and dev set first, then the own regression set under its own heading row, each set
followed by a row of its totals (micro-averaged over its articles' core events).
The seed annotation is converted to the gold form: its actors mapped to their states.
The scorer itself comes from ../shared (looked for beside the repository and its parents,
or given with --shared); without it this prints a one-line error and exits 2.
`--bench` measures extraction throughput and needs no ../shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable as `python tools/evaluate.py` from a checkout
    sys.path.append(str(REPO))  # last: an installed kpolicy (with its data) wins over the checkout's folder
HELDOUT = "heldout"


def find_corpus(explicit: str | None = None) -> Path | None:
    """../corpus beside the checkout (or its parents), or --corpus PATH."""
    if explicit:
        p = Path(explicit).expanduser().resolve()
        return p if p.is_dir() else None
    for parent in [REPO, *REPO.parents]:
        cand = parent / "corpus"
        if cand.is_dir() and any(cand.glob("*/*.yaml")):
            return cand
    return None


def corpus_batches(corpus: Path | None, names: list[str] | None = None) -> list[tuple[str, list[dict]]]:
    """(batch name, per-passage results) for each batch folder of the corpus; the held-back
    batch only when asked for by name."""
    if corpus is None:
        return []
    folders = sorted(p for p in corpus.iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    if names:
        folders = [p for p in folders if p.name in names]
    else:
        folders = [p for p in folders if p.name != HELDOUT]
    return [(p.name, p) for p in folders]


def find_shared(explicit: str | None = None) -> Path | None:
    if explicit:
        p = Path(explicit).expanduser().resolve()
        return p if (p / "eval" / "score.py").is_file() else None
    for parent in [REPO, *REPO.parents]:
        cand = parent / "shared"
        if (cand / "eval" / "score.py").is_file():
            return cand
    return None


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("kpolicy_shared_score", shared / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_gold() -> tuple[dict, Path]:
    """The curated seed annotation in gold form (states as actors) and its article file."""
    from kpolicy.extract.actors import actor_finder

    finder = actor_finder()
    from importlib.resources import files

    path = Path(str(files("kpolicy.data") / "annotations" / "changes-in-north-koreas-policy.yaml"))
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    article = (path.parent / doc["article"]["file"]).resolve()
    events = []
    for e in doc["events"]:
        names = [a["name"] if isinstance(a, dict) else a for a in e.get("actors") or []]
        states = []
        for n in names:
            canonical = finder.gazetteer.actor(n) or n
            s = finder.state_of(canonical)
            if s not in states:
                states.append(s)
        events.append({**e, "actors": states, "mentions": None})
    gold = {"article": {**doc["article"], "file": str(article)}, "events": events}
    return gold, article


EXTRACTOR = "rules"  # set by --extractor: every score of one run comes from one extractor


def predictions(article: Path, published) -> list[dict]:
    from kpolicy.ingest import prepare

    return [e.to_json() for e in prepare(article, published, extractor=EXTRACTOR).events]


GENERALITY = REPO / "tests" / "fixtures" / "regression"


def score_folder(folder: Path, scorer, splits: set[str] | None = None) -> list[dict]:
    """Score every <id>.yaml gold of `folder` against the extractor's output on its article.
    A corpus batch (a folder with a MANIFEST.tsv) is scored by split: only the passages whose
    id gives one of `splits` (tools/corpus.py); second annotations (<id>.second.yaml) never."""
    from kpolicy.errors import BadInput
    from kpolicy.extract.plain import ArticleProblem
    from tools.corpus import read_manifest, split_of

    results = []
    listed = {r["id"] for r in read_manifest(folder / "MANIFEST.tsv") if r.get("id")}
    for gpath in sorted(folder.glob("*.yaml")):
        if gpath.name.endswith(".second.yaml"):
            continue
        if listed or splits is not None:
            pid = gpath.stem
            if listed and pid not in listed:
                continue
            if split_of(pid) not in (splits or {"train", "dev"}):
                continue
        g = yaml.safe_load(gpath.read_text(encoding="utf-8"))
        text_path = gpath.parent / g["article"]["file"]
        try:
            preds = predictions(text_path, g["article"]["published"])
        except (BadInput, ArticleProblem) as exc:
            # refused (a year-only publication date, say): scored as no predictions, as
            # tools/score_shared.py and the first-contact tables count a refusal, and named
            print(f"tools.evaluate: {gpath.stem}: refused, scored as no events: {exc}", file=sys.stderr)
            preds = []
        results.append(scorer.score(g, preds, text_path.read_text(encoding="utf-8")))
    return results


def own_results(scorer) -> list[dict]:
    """The own regression set (tests/fixtures/regression/), empty when it is not there."""
    return score_folder(GENERALITY, scorer) if GENERALITY.is_dir() else []


def totals(results: list[dict], label: str) -> dict:
    """One row summing a set: recall/precision over all its events, agreement over matched core."""
    n = sum(r["core_matched"] for r in results)
    core = sum(r["gold_core"] for r in results)
    fp = sum(r["false_positives"] for r in results)
    # predictions that count for precision: matched core events + false positives
    counted = n + fp
    rec = n / core if core else 1.0
    prec = n / counted if counted else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    def avg(key):
        return sum(r[key] * r["core_matched"] for r in results) / n if n else 0.0

    return {"article": label, "core_matched": n, "gold_core": core, "false_positives": fp,
            "recall": rec, "precision": prec, "f1": f1, "type_exact": avg("type_exact"),
            "date_ok": avg("date_ok"), "status_ok": avg("status_ok"), "actors_ok": avg("actors_ok"),
            "missed": [], "spurious": [], "wrong_dates": []}


def evaluate(shared: Path | None, scorer=None) -> list[dict]:
    """Score results, seed first, then the dev articles (when ../shared is there)."""
    results = []
    scorer = scorer or (load_scorer(shared) if shared else None)
    if scorer is None:
        from kpolicy.errors import BadInput

        raise BadInput("../shared/eval/score.py not found; give --shared PATH")
    gold, article = seed_gold()
    preds = predictions(article, gold["article"]["published"])
    results.append(scorer.score(gold, preds, article.read_text(encoding="utf-8")))
    dev = shared / "eval" / "dev" if shared else None
    if dev and dev.is_dir():
        results += score_folder(dev, scorer)
    return results


def bench(words: int = 10_000, rounds: int = 5) -> str:
    """Throughput of extract_events on the seed article's text repeated to `words` words."""
    import time

    from kpolicy.extract.pipeline import Extractor
    from kpolicy.extract.text import read_document

    _, article = seed_gold()
    text = read_document(article).text
    big = "\n\n".join([text] * (words // len(text.split()) + 1))
    extractor = Extractor()
    extractor.extract(text, date(2020, 2, 5))  # warm caches (gazetteer, country names, regexes)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        n = len(extractor.extract(big, date(2020, 2, 5)))
        best = min(best, time.perf_counter() - t0)
    kb = len(big.encode("utf-8")) / 1024
    n_words = len(big.split())
    return (f"{n_words} words, {kb:.0f} KB, {n} events: best of {rounds} {best * 1000:.0f} ms "
            f"= {n_words / best:,.0f} words/s = {kb / best:.0f} KB/s")


def table(results: list[dict], own: list[dict] | None = None, batches: list[tuple[str, list[dict]]] = ()) -> str:
    """The markdown table; `own` (the own regression set) and each corpus batch follow under
    their own heading rows, each closed by a row of its micro totals."""
    lines = ["| article | core recall | precision | F1 | type | date | status | actors |", "|---|---|---|---|---|---|---|---|"]
    rows = list(results)
    if results and (own or batches):
        rows.append(totals(results, "**seed + dev set, total**"))
    if own:
        rows += [{"heading": "**own regression set** (tests/fixtures/regression/)"},
                 *own, totals(own, "**own regression set, total**")]
    for name, res in batches:
        rows += [{"heading": f"**corpus {name}** (../corpus/{name}/)"}, *res, totals(res, f"**corpus {name}, total**")]
    if len(batches) > 1:  # the corpus pooled: the figure the targets are set against
        rows.append(totals([r for _, res in batches for r in res], "**corpus, all batches, total**"))
    for r in rows:
        if "heading" in r:
            lines.append(f"| {r['heading']} | | | | | | | |")
            continue
        lines.append(
            f"| {r['article']} | {r['recall']:.3f} ({r['core_matched']}/{r['gold_core']}) | {r['precision']:.3f} | {r['f1']:.3f} | "
            f"{r['type_exact']:.3f} | {r['date_ok']:.3f} | {r['status_ok']:.3f} | {r['actors_ok']:.3f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--shared", help="the shared folder holding eval/score.py and eval/dev/ (default: autodetect)")
    ap.add_argument("--show", action="store_true", help="also list missed, spurious and misdated events")
    ap.add_argument("--corpus", help="the folder of collected batches (default: ../corpus beside the checkout)")
    ap.add_argument("--batch", action="append", help="score only this corpus batch (repeatable); `heldout` only when named")
    ap.add_argument("--split", action="append", choices=["train", "dev", "test"],
                    help="corpus passages of this split only (repeatable; default train and dev; test is scored once, at the end)")
    ap.add_argument("--only-corpus", action="store_true", help="skip the seed, the shared dev set and the own set")
    ap.add_argument("--bench", action="store_true", help="measure extraction throughput on the seed article repeated to 10,000 words")
    ap.add_argument("--extractor", choices=["rules", "learned"], default="rules",
                    help="which extractor is scored (default rules, the baseline; learned: the shipped model)")
    a = ap.parse_args(argv)
    global EXTRACTOR
    EXTRACTOR = a.extractor
    if a.bench:
        print(bench())
        return 0
    shared = find_shared(a.shared)
    if shared is None:
        print("tools.evaluate: error: ../shared/eval/score.py not found; give --shared PATH", file=sys.stderr)
        return 2
    scorer = load_scorer(shared)
    results = [] if a.only_corpus else evaluate(shared, scorer)
    own = [] if a.only_corpus else own_results(scorer)
    splits = set(a.split or ["train", "dev"])
    if "test" in splits:
        print("tools.evaluate: scoring the held-out test split: do this once, at the end", file=sys.stderr)
    batches = [(name, score_folder(folder, scorer, splits)) for name, folder in corpus_batches(find_corpus(a.corpus), a.batch)]
    print(f"extractor: {a.extractor}")
    print(table(results, own, batches))
    if a.show:
        for r in results + own + [r for _, res in batches for r in res]:
            for k in ("missed", "spurious", "wrong_dates"):
                for item in r[k]:
                    print(f"- {r['article']} {k}: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
