"""`kpolicy learn`: retrain the learned extractor on a database's own decisions.

The analyst's decisions on extracted events are read from the database's current state and
history: an event accepted (`reviewed`) or edited is an event whose type, date, status and
actors are now right; one rejected or deleted is no event; two mentions of one source that
now belong to one event were one event (a merge), mentions of two decided events were not
(a split keeps them apart). Each decided event's first mention in a source is found among
the learned extractor's candidates of that source's stored text (kpolicy.extract.learned),
so every decision becomes training examples over the same features the shipped model uses.

The decided events are split in two by a hash of their id: about a third is held out. The
new model is fitted on the shipped corpus examples (kpolicy/data/extractor-train.json:
feature names and labels only, no text) together with the held-in decisions, weighted so
they count as much as the corpus; `before` is the current model (the database's newest, else
the shipped one) on the held-out part, `after` the new one. The fit is a logistic regression
in numpy (L2, full-batch Adam): numpy is already installed through matplotlib, and the data
(thousands of sparse examples) needs nothing more. The model is kept in the table
extractor_models with its id, created time, base model and metrics; later extracts and
ingests into that database use it (`--extractor learned`, the default there once one exists).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from kpolicy.errors import BadInput

MIN_DECISIONS = 20  # decided events a database needs before `learn` retrains anything
HOLDOUT_SHARE = 3  # of 10: the held-out part
DECISIONS = ("event", "type", "date", "status", "actor", "merge")
DB_FIX = "run `kpolicy learn` on it again, or use `--extractor rules`"


# ---- the database's model -------------------------------------------------------------------

def database_model(conn):
    """The newest model `kpolicy learn` kept in this database (verified), or None."""
    import sqlalchemy as sa

    from kpolicy.extract.model import model_from_doc
    from kpolicy.store import schema

    t = schema.extractor_models
    row = conn.execute(sa.select(t.c.id, t.c.model_id, t.c.model).order_by(t.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    where = f"the learned model {row.model_id} kept in the database"
    try:
        doc = json.loads(row.model)
    except (TypeError, ValueError):
        raise BadInput(f"{where} is truncated or not JSON; {DB_FIX}") from None
    return model_from_doc(doc, where, DB_FIX)


def resolve_extractor(name: str | None, conn=None):
    """'rules' | a loaded model for `--extractor` (None: the database's model when it has one,
    else the default extractor). Raises BadInput for a damaged model before anything is extracted."""
    from kpolicy.extract import DEFAULT_EXTRACTOR
    from kpolicy.extract.model import shipped_model

    if name not in (None, "rules", "learned"):
        raise BadInput(f"unknown extractor {name!r}; use --extractor rules or --extractor learned")
    if name == "rules":
        return "rules"
    own = database_model(conn) if conn is not None else None
    if own is not None:
        return own
    if (name or DEFAULT_EXTRACTOR) == "rules":
        return "rules"
    return shipped_model()


# ---- the analyst's decisions ----------------------------------------------------------------

@dataclass
class Decisions:
    """Training examples per decision, each tagged with the event it came from."""

    examples: dict = field(default_factory=lambda: {d: [] for d in DECISIONS})  # decision -> [(feats, label, event_id, group)]
    events: set = field(default_factory=set)  # decided event ids that gave examples

    def split(self) -> tuple[dict, dict]:
        held_in = {d: [] for d in DECISIONS}
        held_out = {d: [] for d in DECISIONS}
        for d, rows in self.examples.items():
            for row in rows:
                (held_out if is_held_out(row[2]) else held_in)[d].append(row)
        return held_in, held_out


def is_held_out(event_id: int) -> bool:
    return int(hashlib.sha256(f"event-{event_id}".encode()).hexdigest(), 16) % 10 < HOLDOUT_SHARE


def _final(event_id: int, merged: dict[int, int | None]) -> int:
    seen = set()
    while merged.get(event_id) and event_id not in seen:
        seen.add(event_id)
        event_id = merged[event_id]
    return event_id


def collect_decisions(conn, extractor=None) -> Decisions:
    """Every analyst decision on extracted events, as training examples."""
    import sqlalchemy as sa

    from kpolicy.extract import extractor_for
    from kpolicy.extract import learned as L
    from kpolicy.store import schema

    ev, mt, src, rv, ea, ac = (schema.events, schema.mentions, schema.sources, schema.revisions, schema.event_actors,
                               schema.actors)
    events = {r.id: r for r in conn.execute(sa.select(ev.c.id, ev.c.type, ev.c.date, ev.c.status, ev.c.review,
                                                       ev.c.deleted_at, ev.c.merged_into))}
    merged = {i: r.merged_into for i, r in events.items()}
    touched = {r.event_id for r in conn.execute(sa.select(rv.c.event_id).where(rv.c.action.in_(("edited", "merged", "split"))))}
    decided = {i for i, r in events.items() if r.review in ("reviewed", "rejected") or r.deleted_at is not None
               or i in touched or r.merged_into}
    out = Decisions()
    if not decided:
        return out
    actors: dict[int, list[str]] = {}
    for r in conn.execute(sa.select(ea.c.event_id, ac.c.name).join(ac, ac.c.id == ea.c.actor_id)):
        actors.setdefault(r.event_id, []).append(r.name)
    rows = conn.execute(sa.select(mt.c.event_id, mt.c.source_id, mt.c.char_start, mt.c.char_end)
                        .where(mt.c.extractor.is_not(None))).all()
    by_source: dict[int, list] = {}
    for r in rows:
        by_source.setdefault(r.source_id, []).append(r)
    learned = extractor_for("learned" if extractor is None else extractor)
    finder = learned.rules.finder
    for source_id, ments in sorted(by_source.items()):
        if not any(_final(m.event_id, merged) in decided or m.event_id in decided for m in ments):
            continue
        s = conn.execute(sa.select(src.c.text, src.c.published).where(src.c.id == source_id)).first()
        if s is None:
            continue
        pool = learned.pool(s.text, s.published)
        by_quote: dict[tuple[int, int], list[int]] = {}
        for k, m in enumerate(pool.mentions):
            by_quote.setdefault(m.cand.quote, []).append(k)

        def candidate(m):
            ks = by_quote.get((m.char_start, m.char_end)) or []
            ks = sorted(ks, key=lambda k: (not pool.mentions[k].rule_keep, pool.mentions[k].origin != "rule", k))
            return ks[0] if ks else None

        firsts: dict[int, int] = {}  # final event -> its first mention's candidate in this source
        for m in sorted(ments, key=lambda m: m.char_start):
            eid = _final(m.event_id, merged)
            if eid not in decided and m.event_id not in decided:
                continue
            k = candidate(m)
            if k is None:
                continue
            e = events.get(eid)
            alive = e is not None and e.deleted_at is None and e.review != "rejected"
            base = L.base_features(pool, k)
            if eid in firsts:  # a further mention of a decided event: a mention, no event of its own
                i = firsts[eid]
                out.examples["event"].append((L.event_features(pool, k, base), False, eid, None))
                if alive:
                    out.examples["merge"].append((L.merge_features(pool, i, k, e.type, e.type), True, eid, None))
                continue
            firsts[eid] = k
            out.events.add(eid)
            out.examples["event"].append((L.event_features(pool, k, base), alive, eid, None))
            if not alive:
                continue
            out.examples["type"].append((L.type_features(pool, k, base), e.type, eid, None))
            cm = pool.mentions[k]
            good = None
            if e.date:
                from kpolicy.dates import parse_edtf

                want = parse_edtf(e.date)
                for n, d in enumerate(cm.dates):
                    ok = False
                    if d.edtf:
                        try:
                            got = parse_edtf(d.edtf)
                            ok = (got.lower, got.upper) == (want.lower, want.upper)
                        except BadInput:
                            ok = False
                    good = good or (d.edtf if ok else None)
                    out.examples["date"].append((L.date_features(pool, k, d, e.type), ok, eid, (eid, source_id)))
            out.examples["status"].append((L.status_features(pool, k, good or e.date, base), e.status, eid, None))
            states = {finder.state_of(a) for a in actors.get(eid, [])}
            for state in cm.actor_options:
                out.examples["actor"].append((L.actor_features(pool, k, state, e.type), state in states, eid, None))
        # first mentions of two different decided, live events of one family: not one event
        live = [(eid, k) for eid, k in firsts.items() if events.get(eid) is not None and events[eid].deleted_at is None
                and events[eid].review != "rejected"]
        live.sort(key=lambda x: x[1])
        for a in range(len(live)):
            for b in range(a + 1, len(live)):
                (ea_, i), (eb, j) = live[a], live[b]
                ta, tb = events[ea_].type, events[eb].type
                if L.FAMILIES.get(ta) != L.FAMILIES.get(tb) or j - i > L.LOOKBACK:
                    continue
                out.examples["merge"].append((L.merge_features(pool, i, j, ta, tb), False, eb, None))
    return out


# ---- fitting (numpy) ------------------------------------------------------------------------

def fit_decision(kind: str, examples: list, sample_weight: list[float], c: float = 0.2, iters: int = 400,
                 classes: list | None = None) -> dict:
    """A logistic regression (binary) or softmax regression (multiclass) with L2 penalty
    (scikit-learn's C convention), fitted by full-batch Adam over sparse features."""
    import numpy as np

    vocab = sorted({f for feats, _ in examples for f in feats})
    index = {f: j for j, f in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for i, (feats, _) in enumerate(examples):
        for f, v in feats.items():
            rows.append(i)
            cols.append(index[f])
            vals.append(float(v))
    R, C, V = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals)
    n, d = len(examples), len(vocab)
    if kind == "binary":
        classes = [False, True]
        Y = np.array([[1.0 if lab else 0.0] for _, lab in examples])
    else:
        classes = classes or sorted({lab for _, lab in examples}, key=str)
        pos = {cl: k for k, cl in enumerate(classes)}
        Y = np.zeros((n, len(classes)))
        for i, (_, lab) in enumerate(examples):
            Y[i, pos[lab]] = 1.0
    K = Y.shape[1]
    sw = np.array(sample_weight, dtype=float)
    sw = sw / sw.sum()
    lam = 1.0 / (c * n)
    W, b = np.zeros((d, K)), np.zeros(K)
    mW, vW, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    for t in range(1, iters + 1):
        Z = np.empty((n, K))
        for k in range(K):
            Z[:, k] = np.bincount(R, weights=V * W[C, k], minlength=n)
        Z += b
        if kind == "binary":
            P = 1.0 / (1.0 + np.exp(-np.clip(Z, -50, 50)))
        else:
            Z -= Z.max(axis=1, keepdims=True)
            P = np.exp(Z)
            P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) * sw[:, None]
        gW = np.empty_like(W)
        for k in range(K):
            gW[:, k] = np.bincount(C, weights=V * G[R, k], minlength=d)
        gW += lam * W
        gb = G.sum(axis=0)
        mW = b1 * mW + (1 - b1) * gW
        vW = b2 * vW + (1 - b2) * gW * gW
        mb = b1 * mb + (1 - b1) * gb
        vb = b2 * vb + (1 - b2) * gb * gb
        W -= lr * (mW / (1 - b1 ** t)) / (np.sqrt(vW / (1 - b2 ** t)) + eps)
        b -= lr * (mb / (1 - b1 ** t)) / (np.sqrt(vb / (1 - b2 ** t)) + eps)
    if kind == "binary":
        return {"kind": "binary", "classes": [False, True], "features": vocab,
                "weights": [[round(float(w), 5) for w in W[:, 0]]], "bias": [round(float(b[0]), 5)]}
    return {"kind": "multiclass", "classes": [str(x) for x in classes], "features": vocab,
            "weights": [[round(float(w), 5) for w in W[:, k]] for k in range(K)], "bias": [round(float(x), 5) for x in b]}


def shipped_examples() -> dict:
    """The corpus examples the shipped model was trained on (features and labels only)."""
    from importlib.resources import files

    path = files("kpolicy.data").joinpath("extractor-train.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise BadInput("the corpus training examples (kpolicy/data/extractor-train.json) are missing or damaged; "
                       "reinstall kpolicy (`pip install --force-reinstall kpolicy`)") from None
    return doc["examples"]


# ---- measuring ------------------------------------------------------------------------------

def accuracy(model, decision: str, rows: list) -> tuple[float | None, int]:
    """Share of held-out examples the model decides as the analyst did (date: per mention, the
    chosen time expression states the analyst's date)."""
    if not rows:
        return None, 0
    dec = model[decision]
    if decision == "date":
        groups: dict = {}
        for feats, lab, _, g in rows:
            groups.setdefault(g, []).append((dec.probabilities(feats)[True], lab))
        groups = {g: v for g, v in groups.items() if any(lab for _, lab in v)}
        if not groups:
            return None, 0
        ok = sum(1 for v in groups.values() if max(v)[1])
        return ok / len(groups), len(groups)
    th = model.doc.get("thresholds") or {}
    ok = 0
    for feats, lab, _, _ in rows:
        if decision == "event":  # as the extractor decides: a rules' event stays unless p < drop, others need p >= add
            cut = float(th.get("drop", 0.5)) if "rule_keep" in feats else float(th.get("add", 0.5))
            ok += (dec.probabilities(feats)[True] >= cut) == bool(lab)
        elif dec.kind == "binary":
            ok += (dec.probabilities(feats)[True] >= 0.5) == bool(lab)
        else:
            ok += dec.predict(feats)[0] == lab
    return ok / len(rows), len(rows)


@dataclass
class LearnResult:
    model_id: str
    base: str
    decided: int
    held_in: int
    held_out: int
    before: dict
    after: dict
    stored: bool


def learn(database, *, by: str | None = None, min_decisions: int = MIN_DECISIONS) -> LearnResult:
    """Retrain on the database's decisions plus the shipped corpus examples; keep the new model
    in the database. Raises BadInput, changing nothing, when there are too few decisions."""
    from kpolicy.extract.model import FORMAT, VERSION, model_from_doc, seal, shipped_model
    from kpolicy.store import schema, write

    with database.reading() as conn:
        base = database_model(conn) or shipped_model()
        found = collect_decisions(conn, base)
    if len(found.events) < min_decisions:
        raise BadInput(f"the database holds {len(found.events)} analyst decision(s) on extracted events; `learn` needs at "
                       f"least {min_decisions} (accept, reject or edit extracted events with `kpolicy review accept|reject` and "
                       f"`kpolicy edit`, then run it again); nothing was changed")
    held_in, held_out = found.split()
    corpus = shipped_examples()
    decisions = {}
    for d in DECISIONS:
        old = base[d]
        mine = [(feats, _label(lab, old)) for feats, lab, _, _ in held_in[d]]
        ship = [(feats, _label(lab, old)) for feats, lab in corpus.get(d, [])]
        if not mine:
            decisions[d] = old.to_json()
            continue
        w_db = max(1.0, min(20.0, len(ship) / len(mine))) if ship else 1.0
        rows = ship + mine
        weights = [1.0] * len(ship) + [w_db] * len(mine)
        classes = None if old.kind == "binary" else sorted({lab for _, lab in rows} | set(old.classes), key=str)
        decisions[d] = fit_decision(old.kind, rows, weights, classes=classes)
    doc = {"format": FORMAT, "version": VERSION, "id": None, "base": base.id,
           "use": base.doc.get("use", list(DECISIONS)), "thresholds": base.doc.get("thresholds", {"drop": 0.5, "add": 0.5}),
           "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
           "training": {"base": base.id, "decided_events": len(found.events),
                        "held_in": {d: len(held_in[d]) for d in DECISIONS}, "held_out": {d: len(held_out[d]) for d in DECISIONS},
                        "fit": "numpy logistic regression, C=0.2, the database's decisions weighted to count as much as the corpus"},
           "decisions": decisions}
    body = json.dumps({k: v for k, v in doc.items() if k != "created"}, sort_keys=True)
    doc["id"] = "learned-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    doc = seal(doc)
    new = model_from_doc(doc, "the new model", DB_FIX)
    before, after = {}, {}
    for d in DECISIONS:
        before[d] = accuracy(base, d, held_out[d])
        after[d] = accuracy(new, d, held_out[d])
    metrics = {"decided_events": len(found.events), "held_out_events": sum(1 for e in found.events if is_held_out(e)),
               "before": {d: v[0] for d, v in before.items()}, "after": {d: v[0] for d, v in after.items()},
               "held_out": {d: v[1] for d, v in after.items()}}
    doc = {**doc, "metrics": metrics}
    doc = seal(doc)
    with database.writing() as conn:
        change = write.begin_change(conn, "learn", by=by, reason=f"retrained the extractor on {len(found.events)} decided events")
        conn.execute(schema.extractor_models.insert().values(
            model_id=doc["id"], created_at=write.now(), base=base.id, metrics=json.dumps(metrics, sort_keys=True),
            model=json.dumps(doc, sort_keys=True, separators=(",", ":")), change_id=change))
    return LearnResult(doc["id"], base.id, len(found.events), sum(len(v) for v in held_in.values()),
                       sum(len(v) for v in held_out.values()), before, after, True)


def _label(lab, decision):
    """Labels as the decision's classes hold them (JSON keeps booleans; classes of a multiclass are strings)."""
    if decision.kind == "binary":
        return bool(lab)
    return str(lab)
