"""Train the learned extractor's decision models and measure both extractors (from a checkout).

    python tools/train_extractor.py train [--shared PATH] [--corpus PATH] [--out kpolicy/data]
    python tools/evaluate.py ...           # (the older per-article table of the rules)
    python tools/train_extractor.py evaluate [--extractor rules|learned|both] [--model FILE] [--bench] [--across]

`train` reads the annotated passages of ../shared/eval/train/ and the passages of
../corpus/*/ whose MANIFEST.tsv `split` is `train` (a passage of another split is never
opened), builds the candidates and features of kpolicy.extract.learned, labels them with
../shared/eval/score.py's matching rule (a candidate is an event when its quote overlaps the
gold quote or starts in its sentence; one-to-one, closest first), fits one scikit-learn
logistic regression per decision and writes kpolicy/data/extractor-model.json (weights,
feature names, classes, training-set ids, metrics, sha256) and
kpolicy/data/extractor-train.json (the training examples as feature names and labels only,
no text: what `kpolicy learn` retrains on together with a database's own decisions).

`evaluate` scores the rules and the learned extractor on ../shared/eval/dev/ and the corpus
passages of split `dev`: candidate recall, detection precision and recall, type, date, status
and actor accuracy among matched core events, merge precision and recall over labelled
candidate pairs, and (with --bench) words/s, the two extractors interleaved, medians.
Passages of split `test` are never read.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

DECISIONS = ("event", "type", "date", "status", "actor", "merge")


# ---- data ----------------------------------------------------------------------------------

def find_dir(name: str, explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    for parent in [REPO, *REPO.parents]:
        if (parent / name).is_dir():
            return parent / name
    return None


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("kpolicy_shared_score", shared / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_ids(corpus: Path | None, split: str) -> list[tuple[str, Path]]:
    """(id, gold path) of the corpus passages of `split` (from each batch's MANIFEST.tsv): the
    only way this script reaches corpus files, so a `test` passage is never opened."""
    if split == "test":
        raise SystemExit("the test split is scored by the lead only")
    out = []
    if corpus is None:
        return out
    for manifest in sorted(corpus.glob("*/MANIFEST.tsv")):
        with manifest.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if (row.get("split") or "").strip() == split:
                    gold = manifest.parent / f"{row['id']}.yaml"
                    if gold.is_file():
                        out.append((f"corpus/{manifest.parent.name}/{row['id']}", gold))
    return out


def documents(shared: Path, corpus: Path | None, split: str) -> list[tuple[str, Path]]:
    folder = shared / "eval" / ("train" if split == "train" else "dev")
    own = [(f"shared/{split}/{p.stem}", p) for p in sorted(folder.glob("*.yaml"))]
    return own + corpus_ids(corpus, split)


def read_doc(gold_path: Path):
    from kpolicy.extract.text import read_document

    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    text_path = gold_path.parent / gold["article"]["file"]
    published = gold["article"]["published"]
    if isinstance(published, int):
        # a page that gives the year only (YAML reads `published: 1995` as an int): January of
        # that year, as the passage's first contact was run (--published 1995-01)
        published = f"{published:04d}-01"
    if isinstance(published, str):
        published = date.fromisoformat(published[:10]) if len(published) >= 10 else date.fromisoformat(published[:7] + "-15")
    raw = text_path.read_text(encoding="utf-8")
    return gold, read_document(text_path).text, raw, published


# ---- labelling (score.py's matching rule) ----------------------------------------------------

class Aligner:
    """Where gold quotes and candidate quotes sit in the scorer's normalised text."""

    def __init__(self, scorer, raw: str, gold: dict) -> None:
        self.s = scorer
        self.text_n = scorer.norm(scorer.plain_text(raw), keep_paragraphs=True)
        self.sents = scorer.sentence_spans(self.text_n)
        self.starts = [a for a, _ in self.sents]
        self.golds = gold["events"]
        self.g_pos = [scorer.locate(g["quote"], self.text_n) for g in self.golds]
        self.g_len = [len(scorer.norm(g["quote"])) for g in self.golds]

    def sent_of(self, pos: int) -> int:
        import bisect

        k = bisect.bisect_right(self.starts, pos) - 1
        if k >= 0 and self.sents[k][0] <= pos < self.sents[k][1]:
            return k
        return -1

    def matches(self, quote: str) -> list[tuple[int, int]]:
        """(gold index, distance) of the golds a quote matches by position."""
        pos = self.s.locate(quote, self.text_n)
        if pos < 0:
            return []
        ln = len(self.s.norm(quote))
        out = []
        for gi, gp in enumerate(self.g_pos):
            if gp < 0:
                continue
            if (pos < gp + self.g_len[gi] and gp < pos + ln) or self.sent_of(pos) == self.sent_of(gp):
                out.append((gi, abs(pos - gp)))
        return out


def label_pool(pool, aligner, scorer) -> dict:
    """One-to-one gold assignment of the pool's candidates, closest and same-type first."""
    from kpolicy.extract.learned import FAMILIES

    text = pool.text
    pairs = []
    near: dict[int, list] = {}
    for k, m in enumerate(pool.mentions):
        q = text[m.cand.quote[0]:m.cand.quote[1]]
        ms = aligner.matches(q)
        near[k] = ms
        fams = {FAMILIES.get(o, "other") for o in m.options}
        for gi, dist in ms:
            gt = aligner.golds[gi]["type"]
            rank = 0 if gt in m.options else (1 if FAMILIES.get(gt) in fams else 2)
            if rank == 2:  # the scorer matches within a type family only
                continue
            pairs.append((rank, dist, k, gi))
    # the rules' kept candidate first (what they output is what the model should learn to keep),
    # then the exact type, then the closest
    pairs.sort(key=lambda x: (not pool.mentions[x[2]].rule_keep, x))
    assigned, taken = {}, set()
    for rank, dist, k, gi in pairs:
        if k in assigned or gi in taken:
            continue
        assigned[k] = gi
        taken.add(gi)
    # a candidate's gold for merge labels: its own, else the closest same-family gold of its sentence
    gold_of = dict(assigned)
    for k, ms in near.items():
        if k in gold_of or not ms:
            continue
        fams = {FAMILIES.get(o, "other") for o in pool.mentions[k].options}
        same = [(d, gi) for gi, d in ms if FAMILIES.get(aligner.golds[gi]["type"]) in fams]
        if same:
            gold_of[k] = min(same)[1]
    return {"assigned": assigned, "gold_of": gold_of}


def examples_of(pool, labels, golds, scorer, published, optional_neutral: bool = True) -> dict[str, list]:
    """Training examples of one document: decision -> [(features, label), ...]."""
    from kpolicy.extract import learned as L

    ex = {d: [] for d in DECISIONS}
    assigned, gold_of = labels["assigned"], labels["gold_of"]
    for k, m in enumerate(pool.mentions):
        base = L.base_features(pool, k)
        gi = assigned.get(k)
        g = golds[gi] if gi is not None else None
        if g is None or g.get("core") or not optional_neutral:
            # a candidate of an optional gold event is neither rewarded nor punished by the scorer: no example
            ex["event"].append((L.event_features(pool, k, base), gi is not None))
        if g is None:
            continue
        etype = g["type"]
        ex["type"].append((L.type_features(pool, k, base), etype))
        gd = g.get("date")
        if gd not in (None, "", "null"):
            # positives: the options stating the gold date exactly, else those within the scorer's tolerance
            # (a wire's publication date agrees with most of its events within 31 days, but is rarely their date)
            exact = {n for n, d in enumerate(m.dates) if d.edtf is not None and _same_bounds(str(gd), d.edtf)}
            near_ok = {n for n, d in enumerate(m.dates) if d.edtf is not None and scorer.date_agrees(str(gd), d.edtf)}
            good_set = exact or near_ok
            for n, d in enumerate(m.dates):
                ex["date"].append((L.date_features(pool, k, d, etype), n in good_set))
            good = next((d.edtf for d in m.dates if d.edtf and scorer.date_agrees(str(gd), d.edtf)), str(gd))
        else:
            good = None
        ex["status"].append((L.status_features(pool, k, good, base), g.get("status", "occurred")))
        gold_states = set(g.get("actors") or [])
        for state in m.actor_options:
            ex["actor"].append((L.actor_features(pool, k, state, etype), state in gold_states))
    for j in range(len(pool.mentions)):
        if j not in gold_of:
            continue
        tj = golds[gold_of[j]]["type"]
        for i in range(max(0, j - L.LOOKBACK), j):
            if i not in gold_of:
                continue
            ti = golds[gold_of[i]]["type"]
            if L.FAMILIES.get(ti) != L.FAMILIES.get(tj):
                continue
            ex["merge"].append((L.merge_features(pool, i, j, ti, tj), gold_of[i] == gold_of[j]))
    return ex


def _same_bounds(a: str, b: str) -> bool:
    from kpolicy.dates import parse_edtf
    from kpolicy.errors import BadInput

    try:
        ra, rb = parse_edtf(a), parse_edtf(b)
    except BadInput:
        return False
    return (ra.lower, ra.upper) == (rb.lower, rb.upper)


# ---- fitting -------------------------------------------------------------------------------

def fit(decision: str, examples: list, min_count: int = 2, c: float = 1.0) -> dict:
    """A logistic regression (scikit-learn) over the features seen at least `min_count` times."""
    from collections import Counter

    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for feats, _ in examples for f in feats)
    keep = {f for f, n in counts.items() if n >= min_count}
    X = [{f: v for f, v in feats.items() if f in keep} for feats, _ in examples]
    y = [lab for _, lab in examples]
    vec = DictVectorizer()
    M = vec.fit_transform(X)
    classes = sorted(set(y), key=str)
    binary = set(y) <= {True, False}
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=None)
    clf.fit(M, y)
    names = list(vec.feature_names_)
    if binary:
        return {"kind": "binary", "classes": [False, True], "features": names,
                "weights": [[float(w) for w in clf.coef_[0]]], "bias": [float(clf.intercept_[0])]}
    return {"kind": "multiclass", "classes": [str(x) for x in clf.classes_], "features": names,
            "weights": [[float(w) for w in row] for row in clf.coef_], "bias": [float(b) for b in clf.intercept_]}


def prune(d: dict, eps: float = 1e-4) -> dict:
    """Drop features whose weights are all ~0 and round the rest (the file stays small)."""
    keep = [j for j in range(len(d["features"])) if any(abs(row[j]) > eps for row in d["weights"])]
    return {**d, "features": [d["features"][j] for j in keep],
            "weights": [[round(row[j], 4) for j in keep] for row in d["weights"]], "bias": [round(b, 4) for b in d["bias"]]}


class Doc:
    """One training document: its pool (candidates and features), labels, examples, gold and text."""

    def __init__(self, doc_id, gold, raw, pool, examples) -> None:
        self.id, self.gold, self.raw, self.pool, self.examples = doc_id, gold, raw, pool, examples


def build_docs(docs, scorer, optional_neutral: bool = True) -> list[Doc]:
    from kpolicy.extract.learned import LearnedExtractor
    from kpolicy.extract.pipeline import Extractor

    rules = Extractor()
    maker = LearnedExtractor(model=_NoModel(), rules=rules)
    out = []
    for doc_id, gpath in docs:
        gold, text, raw, published = read_doc(gpath)
        aligner = Aligner(scorer, raw, gold)
        if any(p < 0 for p in aligner.g_pos):
            print(f"skip {doc_id}: a gold quote is not in its text", file=sys.stderr)
            continue
        p = maker.pool(text, published)
        labels = label_pool(p, aligner, scorer)
        out.append(Doc(doc_id, gold, raw, p, examples_of(p, labels, gold["events"], scorer, published, optional_neutral)))
    return out


def build_examples(docs, scorer):
    built = build_docs(docs, scorer)
    return pooled(built), [d.id for d in built]


def pooled(built: list[Doc]) -> dict[str, list]:
    all_ex = {d: [] for d in DECISIONS}
    for doc in built:
        for d in DECISIONS:
            all_ex[d].extend(doc.examples[d])
    return all_ex


def fit_all(all_ex: dict, c: float) -> dict:
    return {d: prune(fit(d, all_ex[d], c=c)) for d in DECISIONS}


def model_of(decisions: dict, use: list, thresholds: dict, model_id: str = "cv"):
    from kpolicy.extract.model import Model, decision_from_json

    doc = {"use": list(use), "thresholds": dict(thresholds)}
    return Model(model_id, doc, {name: decision_from_json(name, d) for name, d in decisions.items()})


DROP_GRID = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
ADD_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MERGE_GRID = (None, 0.5, 0.7, 0.9)  # p(merge) from which mentions are one event; None: the rules' coreference


def cross_validate(built: list[Doc], scorer, c: float, use: list, folds: int, extra: dict | None = None) -> dict:
    """Out-of-fold figures of every (drop, add, merge) point of the grids, and the rules': each
    document is extracted by a model fitted on the other folds (documents split by their order,
    i % folds), and scored by score.py (detection, dates) and merge_pairs. Only training
    documents are involved. With "merge" not in `use`, the merge grid is the rules' only."""
    from kpolicy.extract.learned import LearnedExtractor
    from kpolicy.extract.pipeline import Extractor

    rules = Extractor()
    merges = MERGE_GRID if "merge" in use else (None,)
    grid = [(d, a, g) for d in DROP_GRID for a in ADD_GRID for g in merges]
    tot = {g: [0] * 6 for g in grid}  # matched core, false positives, merge pairs predicted, true, both; dates right
    base = [0] * 6
    core = 0

    def add_up(row, r, preds, doc):
        row[0] += r["core_matched"]
        row[1] += r["false_positives"]
        for j, v in enumerate(merge_pairs(preds, doc.aligner)):
            row[2 + j] += v
        row[5] += round(r["date_ok"] * r["core_matched"])

    for f in range(folds):
        train_docs = [d for i, d in enumerate(built) if i % folds != f]
        held = [d for i, d in enumerate(built) if i % folds == f]
        decisions = fit_all(pooled(train_docs), c)
        for doc in held:
            core += sum(1 for g in doc.gold["events"] if g.get("core"))
            doc.aligner = Aligner(scorer, doc.raw, doc.gold)
            preds = [e.to_json() for e in rules.extract(doc.pool.text, doc.pool.published)]
            add_up(base, scorer.score(doc.gold, preds, doc.raw), preds, doc)
        for drop, add, merge in grid:
            th = {"drop": drop, "add": add, **(extra or {})}
            if merge is not None:
                th["merge"] = merge
            ext = LearnedExtractor(model=model_of(decisions, [u for u in use if merge is not None or u != "merge"], th), rules=rules)
            for doc in held:
                preds = [e.to_json() for e in ext.extract_pool(doc.pool)]
                add_up(tot[(drop, add, merge)], scorer.score(doc.gold, preds, doc.raw), preds, doc)
        print(f"fold {f + 1}/{folds} done", file=sys.stderr)

    def figures(matched, fp, pred, true, both, dates):
        mp, mr = (both / pred if pred else 0.0), (both / true if true else 0.0)
        return {"recall": matched / core if core else 0.0, "precision": matched / (matched + fp) if matched + fp else 0.0,
                "matched": matched, "false_positives": fp, "date": dates / matched if matched else 0.0,
                "merge_precision": mp, "merge_recall": mr, "merge_f1": 2 * mp * mr / (mp + mr) if mp + mr else 0.0}

    return {"core": core, "rules": figures(*base),
            "grid": {f"{d}/{a}/{'rules' if g is None else g}": figures(*v) for (d, a, g), v in tot.items()}}


def choose_thresholds(cv: dict, precision_margin: float) -> tuple[float, float, float | None]:
    """The (drop, add, merge) point with the most out-of-fold core events found among those whose
    precision is at least the rules' minus `precision_margin`; ties go to the better merge F1,
    then to the higher precision. None for merge: the rules' coreference."""
    floor = cv["rules"]["precision"] - precision_margin
    ok = [(v["matched"], round(v["merge_f1"], 3), v["precision"], k) for k, v in cv["grid"].items() if v["precision"] >= floor]
    if not ok:
        ok = [(v["precision"], v["matched"], v["merge_f1"], k) for k, v in cv["grid"].items()]
    drop, add, merge = max(ok)[3].split("/")
    return float(drop), float(add), None if merge == "rules" else float(merge)


def train(args) -> int:
    from kpolicy.extract.model import FORMAT, VERSION, seal

    shared = find_dir("shared", args.shared)
    corpus = find_dir("corpus", args.corpus)
    scorer = load_scorer(shared)
    docs = documents(shared, corpus, "train")
    built = build_docs(docs, scorer)
    all_ex, used = pooled(built), [d.id for d in built]
    use = [d for d in DECISIONS if d not in (args.rules_decide or "").split(",")]
    extra = {"actor_drop": args.actor_drop, "actor_add": args.actor_add} if args.actor_drop is not None else {}
    if args.merge_p is not None:
        extra["merge"] = args.merge_p
    drop, add, cv = args.drop, args.add, None
    if args.cv and (drop is None or add is None):
        cv = cross_validate(built, scorer, args.c, use, args.cv, extra)
        drop, add, merge = choose_thresholds(cv, args.precision_margin)
        key = f"{drop}/{add}/{'rules' if merge is None else merge}"
        r = cv["grid"][key]
        if merge is None:
            use = [u for u in use if u != "merge"]
        else:
            extra["merge"] = merge
        print(f"cross-validation ({args.cv} folds, {cv['core']} core events): rules recall {cv['rules']['recall']:.3f} "
              f"precision {cv['rules']['precision']:.3f} merge {cv['rules']['merge_precision']:.3f}/{cv['rules']['merge_recall']:.3f}; "
              f"chosen {key}: recall {r['recall']:.3f} precision {r['precision']:.3f} merge "
              f"{r['merge_precision']:.3f}/{r['merge_recall']:.3f}", file=sys.stderr)
        cv["chosen"] = key
    drop = 0.1 if drop is None else drop
    add = 0.9 if add is None else add
    decisions = fit_all(all_ex, args.c)
    for d in DECISIONS:
        print(f"{d}: {len(all_ex[d])} examples, {len(decisions[d]['features'])} features", file=sys.stderr)
    doc = {"format": FORMAT, "version": VERSION, "id": None, "use": use,
           "thresholds": {"drop": drop, "add": add, **extra},
           "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(), "base": None,
           "training": {"documents": used, "examples": {d: len(all_ex[d]) for d in DECISIONS},
                        "fit": f"scikit-learn LogisticRegression(C={args.c}), features seen >= 2 times",
                        **({"cross_validation": {"folds": args.cv, "precision_margin": args.precision_margin,
                                                 "core": cv["core"], "rules": cv["rules"],
                                                 "chosen": cv["chosen"], "figures": cv["grid"][cv["chosen"]]}} if cv else {})},
           "decisions": decisions}
    body = json.dumps({k: v for k, v in doc.items() if k not in ("id", "created")}, sort_keys=True)
    doc["id"] = "corpus-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    doc = seal(doc)
    out = Path(args.out)
    (out / "extractor-model.json").write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    # the examples `kpolicy learn` refits on: features (names only, from the kept vocabularies) and labels
    kept = {}
    for d in DECISIONS:
        vocab = set(decisions[d]["features"])
        kept[d] = [[{f: v for f, v in feats.items() if f in vocab}, lab] for feats, lab in all_ex[d]]
    train_doc = {"format": "kpolicy-extractor-examples", "version": VERSION, "model": doc["id"], "examples": kept}
    (out / "extractor-train.json").write_text(json.dumps(train_doc, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out / 'extractor-model.json'} ({doc['id']}, {len(used)} documents)", file=sys.stderr)
    return 0


# ---- evaluation ----------------------------------------------------------------------------

def evaluate(args) -> int:
    from kpolicy.extract.learned import LearnedExtractor
    from kpolicy.extract.pipeline import Extractor

    shared = find_dir("shared", args.shared)
    corpus = find_dir("corpus", args.corpus)
    scorer = load_scorer(shared)
    docs = documents(shared, corpus, "dev")
    rules = Extractor()
    model = None
    if args.model:
        from kpolicy.extract.model import load_model_file

        model = load_model_file(Path(args.model))
    learned = LearnedExtractor(model=model, rules=rules)
    chosen = [(name, ext) for name, ext in (("rules", rules), ("learned", learned)) if args.extractor in (name, "both")]
    sets = {"shared dev": [d for d in docs if d[0].startswith("shared/")], "corpus dev": [d for d in docs if d[0].startswith("corpus/")]}
    sets["all dev"] = docs
    own = REPO / "tests" / "fixtures" / "regression"  # the project's own texts (written for it, gold-annotated)
    sets["own regression set"] = [(f"regression/{p.stem}", p) for p in sorted(own.glob("*.yaml"))]
    rows = []
    for label, ds in list(sets.items()):
        if not ds:
            continue
        for name, ext in chosen:
            rows.append((label, name, measure(ds, ext, scorer, name == "learned")))
    print("| set | extractor | passages | candidate recall | ... of the gold's type family | detection precision | detection recall (core) | type | date | status | actors | merge precision | merge recall |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, name, r in rows:
        print(f"| {label} | {name} | {r['n']} | {r['cand_recall']} | {r['cand_typed']} | {r['precision']:.3f} | {r['recall']:.3f} ({r['matched']}/{r['core']}) | "
              f"{r['type']:.3f} | {r['date']:.3f} | {r['status']:.3f} | {r['actors']:.3f} | {r['merge_p']} | {r['merge_r']} |")
    if args.across:
        import tempfile

        print()
        print("Merging across articles (all dev, each extractor's events stored in a fresh database by kpolicy.store):")
        print()
        print("| extractor | merge precision | merge recall | gold pairs of one event across articles |")
        print("|---|---|---|---|")
        for name, ext in chosen:
            with tempfile.TemporaryDirectory() as tmp:
                r = across_articles(docs, ext, scorer, Path(tmp))
            mp = f"{r['both'] / r['pred']:.3f} ({r['both']}/{r['pred']})" if r["pred"] else "-"
            mr = f"{r['both'] / r['true']:.3f} ({r['both']}/{r['true']})" if r["true"] else "-"
            print(f"| {name} | {mp} | {mr} | {r['gold_pairs']} |")
    if args.bench:
        print()
        print(bench(docs, rules, learned))
    return 0


def measure(docs, ext, scorer, is_learned: bool) -> dict:
    from kpolicy.extract.learned import LearnedExtractor

    pool_maker = ext if is_learned else LearnedExtractor(model=_NoModel(), rules=ext)
    tot = {"core": 0, "matched": 0, "fp": 0, "type": 0, "date": 0, "status": 0, "actors": 0, "covered": 0, "typed": 0,
           "pairs_pred": 0, "pairs_true": 0, "pairs_both": 0}
    for doc_id, gpath in docs:
        gold, text, raw, published = read_doc(gpath)
        preds = [e.to_json() for e in ext.extract(text, published)]
        r = scorer.score(gold, preds, raw)
        n = r["core_matched"]
        tot["core"] += r["gold_core"]
        tot["matched"] += n
        tot["fp"] += r["false_positives"]
        for key, col in (("type", "type_exact"), ("date", "date_ok"), ("status", "status_ok"), ("actors", "actors_ok")):
            tot[key] += round(r[col] * n)
        # candidate recall: core golds some candidate of the pool covers by position
        aligner = Aligner(scorer, raw, gold)
        pool = pool_maker.pool(text, published)
        from kpolicy.extract.learned import FAMILIES

        covered, typed = set(), set()
        for m in pool.mentions:
            if not is_learned and m.origin != "rule":
                continue  # the rules' candidates only
            fams = {FAMILIES.get(o, "other") for o in m.options}
            for gi, _ in aligner.matches(text[m.cand.quote[0]:m.cand.quote[1]]):
                covered.add(gi)
                if FAMILIES.get(gold["events"][gi]["type"]) in fams:
                    typed.add(gi)
        tot["covered"] += sum(1 for gi, g in enumerate(gold["events"]) if g.get("core") and gi in covered)
        tot["typed"] += sum(1 for gi, g in enumerate(gold["events"]) if g.get("core") and gi in typed)
        for key, v in zip(("pairs_pred", "pairs_true", "pairs_both"), merge_pairs(preds, aligner)):
            tot[key] += v
    n = tot["matched"]
    counted = n + tot["fp"]
    return {"n": len(docs), "core": tot["core"], "matched": n, "recall": n / tot["core"] if tot["core"] else 0.0,
            "precision": n / counted if counted else 0.0,
            "cand_recall": f"{tot['covered'] / tot['core']:.3f} ({tot['covered']}/{tot['core']})" if tot["core"] else "-",
            "cand_typed": f"{tot['typed'] / tot['core']:.3f} ({tot['typed']}/{tot['core']})" if tot["core"] else "-",
            "type": tot["type"] / n if n else 0.0, "date": tot["date"] / n if n else 0.0,
            "status": tot["status"] / n if n else 0.0, "actors": tot["actors"] / n if n else 0.0,
            "merge_p": f"{tot['pairs_both'] / tot['pairs_pred']:.3f} ({tot['pairs_both']}/{tot['pairs_pred']})" if tot["pairs_pred"] else "-",
            "merge_r": f"{tot['pairs_both'] / tot['pairs_true']:.3f} ({tot['pairs_both']}/{tot['pairs_true']})" if tot["pairs_true"] else "-"}


def merge_pairs(preds: list[dict], aligner: Aligner) -> tuple[int, int, int]:
    """Within-article merges: pairs of output quotes (each event's quote and its mentions) that
    match gold events by position; (pairs inside one output event, pairs of one gold event, both)."""
    gold_of = []
    for n, p in enumerate(preds):
        for q in [p["quote"]] + [x["quote"] for x in p.get("mentions") or []]:
            ms = aligner.matches(q)
            if ms:
                gold_of.append((n, min(ms, key=lambda x: x[1])[0]))
    pred = true = both = 0
    for a in range(len(gold_of)):
        for b in range(a + 1, len(gold_of)):
            same_pred = gold_of[a][0] == gold_of[b][0]
            same_gold = gold_of[a][1] == gold_of[b][1]
            pred += same_pred
            true += same_gold
            both += same_pred and same_gold
    return pred, true, both


def gold_same_event(a: dict, b: dict) -> bool:
    """Two gold events of two articles are one event: the same type family, dates that overlap
    (two different exact days are two events) and a shared actor."""
    from kpolicy.dates import parse_edtf
    from kpolicy.errors import BadInput
    from kpolicy.extract.learned import FAMILIES

    if FAMILIES.get(a["type"]) != FAMILIES.get(b["type"]) or not a.get("date") or not b.get("date"):
        return False
    if not set(a.get("actors") or []) & set(b.get("actors") or []):
        return False
    try:
        ra, rb = parse_edtf(str(a["date"])), parse_edtf(str(b["date"]))
    except BadInput:
        return False
    if None in (ra.lower, ra.upper, rb.lower, rb.upper):
        return False
    return ra.lower <= rb.upper and rb.lower <= ra.upper


def across_articles(docs, ext, scorer, workdir: Path) -> dict:
    """Merging across articles as `kpolicy ingest` does it (kpolicy.store's find_match): every
    document is stored in a fresh SQLite database in turn, and each stored event's mentions are
    matched to the documents' gold events by position. A pair of (article, gold event) matches
    from two articles is a predicted merge when both landed on one stored event, a true one when
    the two gold events are one event (gold_same_event)."""
    import sqlalchemy as sa

    from kpolicy.ingest import ingest_one, prepare
    from kpolicy.store.bootstrap import open_or_create

    database = open_or_create(str(workdir / "across.db"))
    hits = []  # (document index, stored event id, gold event)
    for n, (_doc_id, gpath) in enumerate(docs):
        gold, _text, raw, published = read_doc(gpath)
        prep = prepare(gpath.parent / gold["article"]["file"], published=published, sidecar=False, extract=False)
        prep.events = ext.extract(prep.document.text, prep.source.reference)
        ingest_one(database, prep)
        aligner = Aligner(scorer, raw, gold)
        with database.reading() as conn:
            rows = conn.execute(sa.text(
                "SELECT m.event_id, m.quote FROM mentions m JOIN sources s ON s.id = m.source_id WHERE s.sha256 = :h"),
                {"h": prep.source.sha256}).all()
        seen = set()
        for event_id, quote in rows:
            ms = aligner.matches(quote)
            if not ms:
                continue
            gi = min(ms, key=lambda x: x[1])[0]
            if (event_id, gi) not in seen:
                seen.add((event_id, gi))
                hits.append((n, event_id, gold["events"][gi]))
    pred = true = both = 0
    for i in range(len(hits)):
        for j in range(i + 1, len(hits)):
            if hits[i][0] == hits[j][0]:
                continue
            same_pred = hits[i][1] == hits[j][1]
            same_gold = gold_same_event(hits[i][2], hits[j][2])
            pred += same_pred
            true += same_gold
            both += same_pred and same_gold
    gold_pairs = 0
    golds = [(n, g) for n, (_d, gpath) in enumerate(docs) for g in yaml.safe_load(gpath.read_text(encoding="utf-8"))["events"]]
    for i in range(len(golds)):
        for j in range(i + 1, len(golds)):
            if golds[i][0] != golds[j][0] and gold_same_event(golds[i][1], golds[j][1]):
                gold_pairs += 1
    return {"pred": pred, "true": true, "both": both, "gold_pairs": gold_pairs}


class _NoModel:
    """Stands in for a model where only the candidate pool is wanted (the rules' candidate recall)."""
    id = "none"


def bench(docs, rules, learned, rounds: int = 7) -> str:
    """Words/s of both extractors over the dev texts, interleaved rounds, medians."""
    texts = []
    for _, gpath in docs:
        _, text, _, published = read_doc(gpath)
        texts.append((text, published))
    words = sum(len(t.split()) for t, _ in texts)
    for ext in (rules, learned):  # warm caches
        ext.extract(*texts[0])
    times = {"rules": [], "learned": []}
    for _ in range(rounds):
        for name, ext in (("rules", rules), ("learned", learned)):
            t0 = time.process_time()
            for t, p in texts:
                ext.extract(t, p)
            times[name].append(time.process_time() - t0)
    out = [f"{words} words in {len(texts)} dev passages, {rounds} interleaved rounds, CPU time, median (min..max):"]
    for name, ts in times.items():
        med = statistics.median(ts)
        out.append(f"- {name}: {words / med:,.0f} words/s ({min(ts) * 1000:.0f}..{max(ts) * 1000:.0f} ms per round)")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("train", "evaluate"):
        p = sub.add_parser(name)
        p.add_argument("--shared")
        p.add_argument("--corpus")
    sub.choices["train"].add_argument("--out", default=str(REPO / "data"))
    sub.choices["train"].add_argument("--c", type=float, default=1.0)
    sub.choices["train"].add_argument("--drop", type=float, default=None,
                                      help="p(event) below which a rules' event is dropped (default: chosen by --cv)")
    sub.choices["train"].add_argument("--add", type=float, default=None,
                                      help="p(event) from which another candidate is added (default: chosen by --cv)")
    sub.choices["train"].add_argument("--cv", type=int, default=5, help="folds of the cross-validation on train that chooses the thresholds (0: none)")
    sub.choices["train"].add_argument("--precision-margin", type=float, default=0.01,
                                      help="cross-validation: the highest recall whose precision is at least the rules' minus this")
    sub.choices["train"].add_argument("--merge-p", type=float, default=None, help="p(merge) from which two mentions are one event")
    sub.choices["train"].add_argument("--actor-drop", type=float, default=None,
                                      help="with these two, the rules' actors stay unless p < this; others join from --actor-add")
    sub.choices["train"].add_argument("--actor-add", type=float, default=0.9)
    sub.choices["train"].add_argument("--rules-decide", default="", help="decisions left to the rules, comma-separated")
    sub.choices["evaluate"].add_argument("--extractor", choices=("rules", "learned", "both"), default="both",
                                         help="which extractor's rows (--bench always times both)")
    sub.choices["evaluate"].add_argument("--bench", action="store_true")
    sub.choices["evaluate"].add_argument("--across", action="store_true", help="also merging across articles (stores every dev text)")
    sub.choices["evaluate"].add_argument("--model", help="a model file to measure instead of the shipped one")
    a = ap.parse_args(argv)
    return train(a) if a.cmd == "train" else evaluate(a)


if __name__ == "__main__":
    sys.exit(main())
