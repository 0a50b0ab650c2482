"""Score the extractor on ../shared/eval/dev and ../shared/eval/train (and the project's own
regression set, tests/fixtures/regression) with ../shared/eval/score.py, one process, one row per
set (micro totals) and optionally one per passage.

    python tools/score_shared.py [--set dev|train|regression] [--passages] [--show ID] [--json FILE]

A passage the extractor refuses (a publication date it cannot read) scores as no predictions
and is named on stderr. The figures in docs/extraction.md ("Rule-side changes of issue 19")
come from this script; never from ../corpus (held out for another purpose).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from tools.evaluate import find_shared, load_scorer, predictions, totals  # noqa: E402


def score_set(folder: Path, scorer, show: set[str]) -> list[dict]:
    from kpolicy.errors import KpolicyError

    out = []
    for gpath in sorted(folder.glob("*.yaml")):
        g = yaml.safe_load(gpath.read_text(encoding="utf-8"))
        text_path = gpath.parent / g["article"]["file"]
        try:
            preds = predictions(text_path, g["article"]["published"])
        except KpolicyError as exc:
            print(f"{gpath.stem}: refused: {exc}", file=sys.stderr)
            preds = []
        r = scorer.score(g, preds, text_path.read_text(encoding="utf-8"))
        r["article"] = gpath.stem
        out.append(r)
        if gpath.stem in show:
            print(json.dumps({k: r[k] for k in ("missed", "spurious", "wrong_dates") if k in r}, indent=1, default=str))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/score_shared.py", description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", choices=["dev", "train", "regression"],
                    help="dev, train (../shared/eval), regression (tests/fixtures/regression, tuned on); default all three")
    ap.add_argument("--passages", action="store_true", help="one row per passage too")
    ap.add_argument("--show", action="append", default=[], help="print missed/spurious/misdated events of this passage id")
    ap.add_argument("--json", help="write every passage's result to FILE (for a before/after comparison)")
    a = ap.parse_args(argv)
    shared = find_shared(None)
    if shared is None:
        print("tools.score_shared: error: ../shared/eval/score.py not found", file=sys.stderr)
        return 2
    scorer = load_scorer(shared)
    dump = {}
    print("| set | core recall | precision | F1 | type | date | status | actors |")
    print("|---|---|---|---|---|---|---|---|")
    for name in a.set or ["dev", "train", "regression"]:
        folder = REPO / "tests" / "fixtures" / "regression" if name == "regression" else shared / "eval" / name
        results = score_set(folder, scorer, set(a.show))
        dump[name] = results
        rows = (results if a.passages else []) + [totals(results, f"**{name}** ({len(results)} passages)")]
        for r in rows:
            print(f"| {r['article']} | {r['recall']:.3f} ({r['core_matched']}/{r['gold_core']}) | {r['precision']:.3f} | {r['f1']:.3f} | "
                  f"{r['type_exact']:.3f} | {r['date_ok']:.3f} | {r['status_ok']:.3f} | {r['actors_ok']:.3f} |")
    if a.json:
        Path(a.json).write_text(json.dumps(dump, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
