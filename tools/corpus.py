"""The project's own annotated corpus: split rule, manifest, first-contact scores, agreement.

The passages are third-party texts and live outside the repository, in ../corpus/<batch>/
beside the checkout (ID.txt, its gold ID.yaml, an optional independent second annotation
ID.second.yaml, and the batch's MANIFEST.tsv and FIRST-CONTACT.tsv). The repository keeps
what is needed to rebuild and audit it: docs/corpus/MANIFEST.tsv (id, split, publisher,
date, URL, the search words that found it, the sha256 of the text) and the scores.

    python -m tools.corpus split ID...          the split of each id (test, dev or train)
    python -m tools.corpus collect              ../corpus/*/MANIFEST.tsv -> docs/corpus/MANIFEST.tsv
    python -m tools.corpus verify               every passage of docs/corpus/MANIFEST.tsv present, sha256 equal
    python -m tools.corpus first-contact        the first-contact table (docs/corpus/FIRST-CONTACT.md)
    python -m tools.corpus agreement            gold vs second annotation, with ../shared/eval/score.py

The split is fixed by the passage id alone (sha256 of the id, modulo 6: half test, a third
train, a sixth dev), so it is decided before anyone reads the text and cannot drift. Test
passages are never given to an extractor before the final scoring (tools/evaluate.py skips
them unless `--split test` is named).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "corpus"
MANIFEST_FIELDS = ["id", "split", "publisher", "published", "genre", "url", "query", "sha256", "core", "optional",
                   "annotator", "batch"]
KEYS = ("recall", "precision", "type_exact", "date_ok", "status_ok", "actors_ok")
SPLITS = ("test", "train", "test", "dev", "test", "train")


def split_of(passage_id: str) -> str:
    """test, train or dev, from the id alone."""
    return SPLITS[int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest(), 16) % len(SPLITS)]


def find_corpus(explicit: str | None = None) -> Path | None:
    if explicit:
        p = Path(explicit).expanduser().resolve()
        return p if p.is_dir() else None
    for parent in [REPO, *REPO.parents]:
        cand = parent / "corpus"
        if cand.is_dir():
            return cand
    return None


def read_manifest(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f, delimiter="\t")]


def batch_rows(corpus: Path) -> list[dict]:
    """Every passage listed by a batch manifest, with its batch folder's name."""
    rows = []
    for manifest in sorted(corpus.glob("*/MANIFEST.tsv")):
        for row in read_manifest(manifest):
            if row.get("id"):
                rows.append({**row, "batch": manifest.parent.name})
    return rows


def passages(corpus: Path, splits: set[str]) -> list[tuple[str, Path]]:
    """(batch, gold path) of every listed passage whose split is in `splits`. The split is
    recomputed from the id: a manifest that disagrees is an error, not a choice."""
    out = []
    for row in batch_rows(corpus):
        if row.get("split") and row["split"] != split_of(row["id"]):
            raise SystemExit(f"tools.corpus: error: {row['batch']}/{row['id']} is listed as {row['split']!r} "
                             f"but its id gives {split_of(row['id'])!r}; fix the manifest")
        if split_of(row["id"]) in splits:
            gold = corpus / row["batch"] / f"{row['id']}.yaml"
            if gold.is_file():
                out.append((row["batch"], gold))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect(corpus: Path, docs: Path = DOCS) -> tuple[list[dict], list[str]]:
    """docs/corpus/MANIFEST.tsv rebuilt from the batches' manifests. A batch listed there whose
    folder is not in this corpus (a machine that lost it, a colleague's batch) keeps its rows as
    they were: the record of a passage is never dropped by collecting on another machine."""
    rows = []
    present = {m.parent.name for m in corpus.glob("*/MANIFEST.tsv")}
    listed = read_manifest(docs / "MANIFEST.tsv")
    kept = sorted({r["batch"] for r in listed if r.get("batch") and r["batch"] not in present})
    rows += [{k: r.get(k, "") for k in MANIFEST_FIELDS} for r in listed if r.get("batch") in kept]
    for row in batch_rows(corpus):
        text = corpus / row["batch"] / f"{row['id']}.txt"
        if not text.is_file():
            raise SystemExit(f"tools.corpus: error: {text} is listed but missing")
        actual = _sha256(text)
        if row.get("sha256") and row["sha256"] != actual:
            raise SystemExit(f"tools.corpus: error: {text}: sha256 {actual} differs from the manifest's {row['sha256']}")
        rows.append({**{k: row.get(k, "") for k in MANIFEST_FIELDS}, "sha256": actual, "split": split_of(row["id"])})
    rows.sort(key=lambda r: (r["split"], r["id"]))
    docs.mkdir(parents=True, exist_ok=True)
    with (docs / "MANIFEST.tsv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return rows, kept


def verify(corpus: Path) -> list[str]:
    problems = []
    for row in read_manifest(DOCS / "MANIFEST.tsv"):
        text = corpus / row["batch"] / f"{row['id']}.txt"
        if not text.is_file():
            problems.append(f"missing: {text} (url {row['url']}, found by: {row['query']})")
        elif _sha256(text) != row["sha256"]:
            problems.append(f"changed: {text}")
    return problems


def first_contact(corpus: Path) -> str:
    """Per-batch totals of the first-contact scores the annotators recorded (train and dev
    passages only; test passages were never shown to an extractor). Core recall is micro
    (matched / gold core); a passage the extractor refused counts as 0 matched of its core.
    The other columns are means over the passages that were scored."""
    lines = ["| batch | passages (refused) | core matched / gold | recall | precision | dates | actors | types | status |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    all_rows = []
    for fc in sorted(corpus.glob("*/FIRST-CONTACT.tsv")):
        core_of = {r["id"]: r.get("core") for r in read_manifest(fc.parent / "MANIFEST.tsv")}
        rows = [r for r in read_manifest(fc) if r.get("id")]
        if rows:
            lines.append(_first_contact_row(fc.parent.name, rows, core_of))
            all_rows += [(r, core_of) for r in rows]
    if all_rows:
        merged = {}
        for _, core_of in all_rows:
            merged.update(core_of)
        lines.append(_first_contact_row("**all**", [r for r, _ in all_rows], merged))
    return "\n".join(lines)


def _num(row: dict, *keys: str) -> float | None:
    for k in keys:
        try:
            return float(row[k])
        except (KeyError, ValueError, TypeError):
            continue
    return None


def _first_contact_row(name: str, rows: list[dict], core_of: dict) -> str:
    matched = gold = refused = 0
    for r in rows:
        m, g = _num(r, "core_matched"), _num(r, "gold_core", "core_gold")
        if m is None or g is None:
            refused += 1
            g = _num({"core": core_of.get(r["id"])}, "core") or 0
            m = 0
        matched, gold = matched + m, gold + g
    cols = [_fmt(_mean([_num(r, key) for r in rows])) for key in ("precision", "dates", "actors", "types", "status")]
    return (f"| {name} | {len(rows)} ({refused}) | {int(matched)} / {int(gold)} | {_fmt(matched / gold if gold else None)} | "
            + " | ".join(cols) + " |")


def _gold_as_predictions(doc: dict) -> list[dict]:
    return [{"type": e.get("type"), "date": e.get("date"), "status": e.get("status"),
             "actors": e.get("actors") or [], "quote": e.get("quote") or "", "mentions": []}
            for e in doc.get("events") or []]


def agreement(corpus: Path, shared: Path) -> str:
    """Score each passage's second annotation against its gold with the shared scorer, the
    same way the extractor is scored: the ceiling the extractor is measured against."""
    import importlib.util

    import yaml

    spec = importlib.util.spec_from_file_location("kpolicy_shared_score", shared / "eval" / "score.py")
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    lines = ["| passage | core recall | precision | type | date | status | actors |", "|---|---:|---:|---:|---:|---:|---:|"]
    totals = []
    for second in sorted(corpus.glob("*/*.second.yaml")):
        pid = second.name[: -len(".second.yaml")]
        gold_path = second.with_name(f"{pid}.yaml")
        if not gold_path.is_file():
            continue
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        other = yaml.safe_load(second.read_text(encoding="utf-8"))
        text = (gold_path.parent / gold["article"]["file"]).read_text(encoding="utf-8")
        r = scorer.score(gold, _gold_as_predictions(other), text)
        totals.append(r)
        lines.append("| " + " | ".join([pid] + [_fmt(r.get(k)) for k in KEYS]) + " |")
    if totals:
        matched, gold = sum(t["core_matched"] for t in totals), sum(t["gold_core"] for t in totals)
        lines.append(f"| **all: {len(totals)} passages, {matched} / {gold} core** | "
                     + " | ".join(_fmt(matched / gold if gold else None) if k == "recall" else _fmt(_mean([t.get(k) for t in totals]))
                                  for k in KEYS) + " |")
    return "\n".join(lines)


def _mean(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return sum(xs) / len(xs) if xs else None


def _fmt(x) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.corpus", description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["split", "collect", "verify", "first-contact", "agreement"])
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--corpus", help="the corpus folder (default: ../corpus beside the checkout)")
    ap.add_argument("--shared", help="the shared folder with eval/score.py (default: ../shared)")
    a = ap.parse_args(argv)
    if a.command == "split":
        for pid in a.ids:
            print(f"{pid}\t{split_of(pid)}")
        return 0
    corpus = find_corpus(a.corpus)
    if corpus is None:
        print("tools.corpus: error: no ../corpus folder beside the checkout; give --corpus PATH", file=sys.stderr)
        return 2
    if a.command == "collect":
        rows, kept = collect(corpus)
        counts = {s: sum(r["split"] == s for r in rows) for s in ("train", "dev", "test")}
        print(f"{len(rows)} passages: " + ", ".join(f"{n} {s}" for s, n in counts.items()), file=sys.stderr)
        if kept:
            print(f"kept as listed (no folder in {corpus}): batches {', '.join(kept)}", file=sys.stderr)
    elif a.command == "verify":
        problems = verify(corpus)
        for p in problems:
            print(p)
        return 1 if problems else 0
    elif a.command == "first-contact":
        print(first_contact(corpus))
    else:
        shared = Path(a.shared) if a.shared else next((p / "shared" for p in [REPO, *REPO.parents]
                                                         if (p / "shared" / "eval" / "score.py").is_file()), None)
        if shared is None:
            print("tools.corpus: error: ../shared/eval/score.py not found; give --shared PATH", file=sys.stderr)
            return 2
        print(agreement(corpus, shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
