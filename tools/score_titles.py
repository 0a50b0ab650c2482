"""Score event titles (issue 19 item 6) against tools/titles.tsv: hand-written titles for core gold
events of ../shared/eval/dev and train, each named by passage id and the gold quote's first 60
characters (no other article text is kept here).

    python tools/score_titles.py [--show] [--extractor rules|learned]

For each row the extracted event whose quote (or a further mention) overlaps the gold quote is
found; its title is compared with the hand title:
- token F1 (lower-case words, hyphens split), averaged over the rows found;
- structure: the title opens with one of the event's actors (a name, its surname or its state),
  and names the gold place when the gold has one;
- defects, counted over the set and over every title extracted from all dev and train passages:
  a repeated word ('hold hold'), a dangling function word ('of the in', a title ending in 'of'),
  a cut abbreviation ('the U', a title ending in a lone capital), a bare 'X said' / 'X says', and
  the subject repeated as a possessive in the object ("Yoon adopts Yoon's ...").
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from tools.evaluate import find_shared  # noqa: E402

TITLES = REPO / "tools" / "titles.tsv"
_FUNCTION = {"the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "with", "by", "from", "its", "his", "her", "their"}


def tokens(s: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", s.lower().replace("\u2019", "'").replace("'s", ""))


def token_f1(pred: str, gold: str) -> float:
    p, g = tokens(pred), tokens(gold)
    if not p or not g:
        return 0.0
    common = sum(min(p.count(t), g.count(t)) for t in set(p))
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def defects(title: str) -> list[str]:
    """The defects of one title (see the module docstring)."""
    found = []
    words = title.split()
    low = [w.lower().strip(",.;:") for w in words]
    if any(a == b and a.isalpha() for a, b in zip(low, low[1:])):
        found.append("repeated word")
    if re.search(r"(?i)\b(?:of|the|a|an|to|for|and|with|by|from)\s+(?:the\s+)?(?:in|on|at|of|to)\s", title + " ") or (low and low[-1] in _FUNCTION):
        found.append("dangling function word")
    if re.search(r"\b(?:the\s+)?[A-Z]\.?$", title.rstrip("\u2026 ")) or re.search(r"\bthe U\b(?!\.)", title):
        found.append("cut abbreviation")
    if re.fullmatch(r"(?:[\w.'\u2019-]+\s+){1,4}(?:said|says|told|added|noted)", title.strip()):
        found.append("bare said")
    m = re.match(r"((?:[A-Z][\w.'\u2019-]*\s+){1,3})", title)
    if m and any(re.search(rf"\b{re.escape(w)}(?:'s|\u2019s)", title[m.end():]) for w in m.group(1).split() if w != "and"):
        found.append("subject repeated as possessive")
    return found


def _names(e: dict) -> set[str]:
    out = set()
    for a in [*(e.get("actors") or []), *(e.get("states") or [])]:
        out.add(a.lower())
        out.add(a.split()[-1].lower())
        out.add(a.split()[0].lower())
    return out


def _overlap(text_n: str, quote: str, e: dict, text: str) -> bool:
    pos = text_n.find(_norm(quote))
    if pos < 0:
        return False
    lo, hi = pos, pos + len(_norm(quote))
    spans = [(e["char_start"], e["char_end"])] + [(m["char_start"], m["char_end"]) for m in e.get("mentions") or []]
    for s0, s1 in spans:
        q = _norm(text[s0:s1])
        p = text_n.find(q)
        if p >= 0 and p < hi and lo < p + len(q):
            return True
    return False


def _norm(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/score_titles.py", description=__doc__.split("\n")[0])
    ap.add_argument("--show", action="store_true", help="print every row: hand title, extracted title, F1, defects")
    ap.add_argument("--extractor", default=None, help="rules or learned (default: extract_events's default)")
    a = ap.parse_args(argv)
    shared = find_shared(None)
    if shared is None:
        print("tools.score_titles: error: ../shared/eval not found", file=sys.stderr)
        return 2
    from kpolicy.extract import extract_events
    from kpolicy.extract.publication import parse_published
    from kpolicy.extract.text import read_document

    golds = {}
    for split in ("dev", "train"):
        for gpath in sorted((shared / "eval" / split).glob("*.yaml")):
            golds[gpath.stem] = gpath
    cache: dict[str, tuple[str, list[dict], dict]] = {}

    def extracted(pid: str):
        if pid not in cache:
            gpath = golds[pid]
            g = yaml.safe_load(gpath.read_text(encoding="utf-8"))
            text = read_document(gpath.parent / g["article"]["file"]).text
            pub = parse_published(g["article"]["published"])
            kwargs = {"extractor": a.extractor} if a.extractor else {}
            events = [e.to_json() for e in extract_events(text, pub.reference if pub else date.today(), **kwargs)]
            cache[pid] = (text, events, g)
        return cache[pid]

    rows = [line.rstrip("\n").split("\t") for line in TITLES.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    rows = [r for r in rows if r[0] != "passage"]
    found = f1 = subject_ok = place_n = place_ok = 0
    set_defects: dict[str, int] = {}
    for pid, prefix, hand in rows:
        text, events, g = extracted(pid)
        gold = next(e for e in g["events"] if e["quote"][:60].replace("\t", " ") == prefix)
        text_n = _norm(text)
        pred = next((e for e in events if _overlap(text_n, gold["quote"], e, text)), None)
        if pred is None:
            if a.show:
                print(f"MISSING  {pid}: {hand!r}")
            continue
        found += 1
        score = token_f1(pred["title"], hand)
        f1 += score
        first = tokens(pred["title"])[:3]
        subject_ok += bool(set(first) & {t for n in _names(pred) for t in tokens(n)})
        if gold.get("place"):
            place_n += 1
            place_ok += gold["place"].lower() in pred["title"].lower()
        d = defects(pred["title"])
        for x in d:
            set_defects[x] = set_defects.get(x, 0) + 1
        if a.show:
            print(f"{score:.2f}  {pred['title']!r}  <- {hand!r}  {d or ''}")
    all_titles = [e["title"] for pid in golds for e in extracted(pid)[1]]
    all_defects: dict[str, int] = {}
    for t in all_titles:
        for x in defects(t):
            all_defects[x] = all_defects.get(x, 0) + 1
    n = len(rows)
    print(f"title set: {n} events, {found} found by the extractor; token F1 {f1 / found if found else 0:.3f}; "
          f"subject first {subject_ok}/{found}; place named {place_ok}/{place_n}")
    print(f"defects in the set: {sum(set_defects.values())} " + (str(dict(sorted(set_defects.items()))) if set_defects else ""))
    print(f"defects over all {len(all_titles)} titles of dev and train: {sum(all_defects.values())} "
          + (str(dict(sorted(all_defects.items()))) if all_defects else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
