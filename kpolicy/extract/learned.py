"""The learned extractor: high-recall candidates, rule hits as features, linear decisions.

Candidates (`CandidatePool`):
- every candidate of the rules (kpolicy.extract.candidates, before coreference), and
- every clause word whose lemma is an event predicate of `lexicon.EVENT_PREDICATES`
  (verbs and nominalisations: launch/launching, impose/imposition, veto, resign...) that no
  rule trigger covers, and every sentence with a time expression but no candidate.

Decisions, each a linear model of kpolicy.extract.model over named features (the rules'
decisions are features too: `rule_type=...`, `rule_keep`, `rule_date:own-phrase`...):
- `event`: is this candidate an event's first mention;
- `type`: its type;
- `date`: which time expression dates it (its rule date, a time of its own clause or of its
  sentence, the narrative's date, the publication date/dateline) or none: a ranker over them;
- `status`: occurred, expected or forecast;
- `actor`: for each state named in the sentence (or the rules' choice, or the article's main
  state), whether it takes part; its role is then initiator (named before the predicate,
  or the speaker), target (after it) or participant;
- `merge`: whether a later candidate is a mention of an earlier one.

`features(...)` is the single definition of every feature, shared by inference, the training
script (tools/train_extractor.py) and `kpolicy learn`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import date

from kpolicy.dates import compatible, parse_edtf
from kpolicy.errors import BadInput
from kpolicy.extract.lexicon import EVENT_PREDICATES
from kpolicy.extract.triggers import Trigger, lemma

FAMILIES = {
    "summit": "meeting", "talks": "meeting",
    "missile_test": "test", "nuclear_test": "test", "weapon_test": "test",
    "military_drill": "military", "weapon_display": "military",
    "statement": "political", "policy_change": "political", "deadline": "political", "agreement": "political",
    "plenum": "plenum", "election": "election", "un_action": "un", "sanctions": "un",
    "incident": "incident", "other": "other",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
_CLAUSE = re.compile(r"[,;:\u2014]|\s--\s|\s-\s|\b(?:and|but|while|when|which|who|after|before|since|as)\b", re.I)
_STOP = frozenset("the a an of to in on at and or for by with from its his her their this that these those is are was were be been has have had it he she they we as than".split())
_MODAL = re.compile(r"(?i)\b(will|would|shall|may|might|could|can|likely|unlikely|probably|possibly|expected|scheduled|planned|plans?|set to|due to|upcoming|next|if|whether|not|never|no|failed|refused)\b")
_REF_POINT = re.compile(r"(?i)\b(since|after|before|until|till|following|ahead of|by|from|through)\s+$")
_VENUE = re.compile(r"(?i)\b(in|at|near|outside|over|into|toward|towards|off)\s+(the\s+)?$")
_PREP = re.compile(r"(?i)\b(with|against|on|to|by|of|for|between|from)\s+(the\s+)?$")
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
LOOKBACK = 40  # merge: how many earlier candidates a candidate is compared with (keeps an article linear)


@dataclass
class DateOption:
    kind: str  # 'rule:<attachment>' | 'own' | 'sentence' | 'narrative' | 'published' | 'none'
    edtf: str | None
    text: str | None = None
    anchor: str | None = None
    rule: str = ""
    start: int = -1
    end: int = -1
    rule_choice: bool = False
    direction: str | None = None


@dataclass
class Mention:
    """One candidate: its predicate, where it is, what the rules said, its options."""

    cand: object  # a kpolicy.extract.candidates.Candidate (a rule's, or built here)
    origin: str  # 'rule' | 'lexicon' | 'time'
    sentence: int
    paragraph: int
    s0: int
    s1: int
    lemma: str
    options: tuple[str, ...]
    dates: list[DateOption] = field(default_factory=list)
    rule_keep: bool = False  # the rules would output it as an event's first mention
    rule_head: int | None = None  # index of the rules' coreference head this candidate was folded into
    actor_options: dict = field(default_factory=dict)  # state -> list of ActorMention (or [] for the rules'/main)

    @property
    def start(self) -> int:
        return self.cand.trigger.start


def _family(t: str | None) -> str:
    return FAMILIES.get(t or "", "other")


def _bucket(n: int, edges=(0, 1, 2, 3, 5, 8, 13, 20, 40, 80)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "big"


def _precision(edtf: str | None) -> str:
    if not edtf:
        return "none"
    if "/" in edtf:
        return "open" if ".." in edtf else "interval"
    return {4: "year", 7: "month", 10: "day"}.get(len(edtf.rstrip("?~%")), "other")


def _relation(edtf: str | None, published: date) -> str:
    if not edtf:
        return "none"
    try:
        r = parse_edtf(edtf)
    except BadInput:
        return "bad"
    if r.upper is not None and r.upper < published:
        return "past"
    if r.upper is not None and r.upper == published:
        return "today"
    if r.lower is not None and r.lower > published:
        return "future"
    return "straddle"


def _dates_apart(a: DateOption, b: DateOption) -> bool:
    """Both dated, by their own time expressions, and the dates cannot be one event's."""
    own = ("own", "sentence", "heading")
    if a.edtf is None or b.edtf is None:
        return False
    if not (a.kind.startswith("rule:") or a.kind in own) or not (b.kind.startswith("rule:") or b.kind in own):
        return False
    return not compatible_edtf(a.edtf, b.edtf)


def compatible_edtf(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return compatible(parse_edtf(a), parse_edtf(b))
    except BadInput:
        return False


class CandidatePool:
    """The candidates of one text with everything their features need."""

    def __init__(self, extractor, text: str, published: date) -> None:
        from kpolicy.extract.candidates import Candidate
        from kpolicy.extract.sentences import paragraph_index, sentence_spans

        self.text, self.published = text, published
        rules = extractor
        self.finder = rules.finder
        self.gazetteer = rules.gazetteer
        cands = rules.rule_candidates(text, published)
        finder_rules = rules.candidate_finder
        self.heading_of: dict[int, object] = {}
        self.sentence_tense: dict[int, str | None] = {}
        self.spans = sentence_spans(text)
        paras = paragraph_index(text, self.spans)
        self.para_first: dict[int, int] = {}  # paragraph -> its first sentence
        for idx, para in enumerate(paras):
            self.para_first.setdefault(para, idx)
        self.n_sentences = len(self.spans)
        self.cache: dict = {}  # per-clause and per-sentence feature values (kpolicy.extract.learned.context_features)
        self._by_sentence: dict[int, list] | None = None
        self.actor_mentions = rules.actor_mentions(text)
        counts: dict[str, int] = {}
        for a in self.actor_mentions:
            s = self.finder.state_of(a.actor)
            counts[s] = counts.get(s, 0) + 1
        if self.actor_mentions:
            first = self.finder.state_of(self.actor_mentions[0].actor)
            counts[first] = counts.get(first, 0) + 3
        self.main = max(counts, key=counts.get) if counts else None
        # the rules' own decisions: coreference over copies, and what the rules would output
        copies = [copy.copy(c) for c in cands]
        for c in copies:
            c.mentions = list(c.mentions)
        heads = rules.corefer(copies, text)
        head_of: dict[int, int] = {}
        by_quote: dict[tuple[int, int], list[int]] = {}
        for i, c in enumerate(cands):
            by_quote.setdefault(c.quote, []).append(i)
        head_ids = {id(h) for h in heads}
        pos = {id(c): i for i, c in enumerate(copies)}
        for h in heads:
            hi = pos[id(h)]
            for q in h.mentions:
                for j in by_quote.get(q, []):
                    if j != hi and id(copies[j]) not in head_ids and j not in head_of:
                        head_of[j] = hi
        self.mentions: list[Mention] = []
        by_sentence: dict[int, list[Mention]] = {}
        for i, c in enumerate(cands):
            s0, s1 = self.spans[c.sentence]
            m = Mention(c, "rule", c.sentence, c.paragraph, s0, s1, lemma(c.trigger.text.split()[-1]) if c.trigger.text else "",
                        (c.type,), rule_keep=id(copies[i]) in head_ids and bool(copies[i].date_edtf) and not c.generic,
                        rule_head=head_of.get(i))
            self.mentions.append(m)
            by_sentence.setdefault(c.sentence, []).append(m)
        # lexicon and time candidates
        narrative: dict[int, str] = {}
        for idx, ((s0, s1), para) in enumerate(zip(self.spans, paras)):
            sent = text[s0:s1]
            own = by_sentence.get(idx, [])
            if idx in finder_rules.headings:  # a headline, byline or photo credit line: no event mention
                continue
            covered = [(m.cand.trigger.start, max(m.cand.trigger.end, m.cand.trigger.start + 1)) for m in own]
            extra = []
            for w in _WORD.finditer(sent):
                word = w.group()
                if len(word) < 3 and word.lower() not in ("un",):
                    continue
                a, b = s0 + w.start(), s0 + w.end()
                if any(x < b and a < y for x, y in covered):
                    continue
                lem = lemma(word) if word.islower() or word[0].isupper() else word.lower()
                opts = EVENT_PREDICATES.get(lem) or EVENT_PREDICATES.get(word.lower())
                if not opts:
                    continue
                extra.append((a, b, word, lem, opts))
            body0, rel_times, heading, tense = finder_rules.sentence_times.get(idx, (s0, [], None, None))
            self.sentence_tense[idx] = tense
            tense = tense or "past"
            times = [replace(t, start=t.start + body0 - s0, end=t.end + body0 - s0) for t in rel_times]
            self.heading_of[idx] = heading
            if not own and not extra and times:
                t = times[0]
                extra.append((s0 + t.start, s0 + t.end, t.text, "<time>", ("other",)))
            for a, b, word, lem, opts in extra:
                trig = Trigger(a, b, word, opts[0], 0.3, "lexicon:" + lem)
                clause = _clause_of(text, s0, s1, a)
                cand = Candidate(type=opts[0], trigger=trig, sentence=idx, paragraph=para, quote=clause, confidence=0.3,
                                 type_rule="lexicon:" + lem)
                cand.head = lem[:5]
                cand.past = tense == "past"
                m = Mention(cand, "time" if lem == "<time>" else "lexicon", idx, para, s0, s1, lem, tuple(opts))
                self.mentions.append(m)
                own = own + [m]
            by_sentence[idx] = own
            # date options of this sentence's candidates
            for m in own:
                self._date_options(m, times or [], narrative.get(para))
                self._actor_options(m)
            dated = [m.cand.date_edtf for m in own if m.origin == "rule" and m.cand.date_edtf]
            if dated:
                narrative[para] = dated[-1]
            elif times:
                narrative[para] = times[-1].edtf
        self.mentions.sort(key=lambda m: (m.cand.trigger.start, m.origin != "rule"))
        # the rules' heads were indices into `cands`: re-point them at the sorted list
        order = {id(c): k for k, c in enumerate(cands)}
        where = {id(m.cand): k for k, m in enumerate(self.mentions)}
        by_cand = {order[id(m.cand)]: where[id(m.cand)] for m in self.mentions if m.origin == "rule"}
        for m in self.mentions:
            if m.rule_head is not None:
                m.rule_head = by_cand.get(m.rule_head)

    def in_sentence(self, sentence: int) -> list[Mention]:
        """The candidates of one sentence, in text order."""
        if self._by_sentence is None:
            self._by_sentence = {}
            for m in self.mentions:
                self._by_sentence.setdefault(m.sentence, []).append(m)
        return self._by_sentence.get(sentence, [])

    def _date_options(self, m: Mention, times, narrative: str | None) -> None:
        c, s0 = m.cand, m.s0
        opts: list[DateOption] = []
        seen = set()
        if c.date_edtf:
            how = (c.date_rule or "rule").split("/")[0].split("+")[0]
            t = c.time
            opts.append(DateOption("rule:" + how, c.date_edtf, c.date_text, c.date_anchor, (c.date_rule or "").split("/")[-1],
                                   t.start if t is not None else -1, t.end if t is not None else -1, True,
                                   getattr(t, "direction", None)))
            seen.add(c.date_edtf)
        clause = _clause_of(self.text, m.s0, m.s1, c.trigger.start)
        for t in times:
            if t.edtf in seen:
                continue
            seen.add(t.edtf)
            a, b = s0 + t.start, s0 + t.end
            kind = "own" if clause[0] <= a < clause[1] else "sentence"
            opts.append(DateOption(kind, t.edtf, t.text, t.anchor, t.rule, a, b, False, t.direction))
        head = self.heading_of.get(m.sentence)
        if head is not None and head.edtf not in seen:
            seen.add(head.edtf)
            opts.append(DateOption("heading", head.edtf, head.text, head.anchor, head.rule))
        if narrative and narrative not in seen:
            seen.add(narrative)
            opts.append(DateOption("narrative", narrative, None, narrative, "narrative"))
        pub = self.published.isoformat()
        if pub not in seen:
            opts.append(DateOption("published", pub, None, pub, "published"))
        opts.append(DateOption("none", None))
        m.dates = opts

    def _actor_options(self, m: Mention) -> None:
        c = m.cand
        opts: dict[str, list] = {}
        for a in self.actor_mentions:
            if m.s0 <= a.start < m.s1:
                opts.setdefault(self.finder.state_of(a.actor), []).append(a)
        for name in c.actors:
            opts.setdefault(self.finder.state_of(name), [])
        if self.main:
            opts.setdefault(self.main, [])
        if m.options and any(o in ("un_action", "sanctions") for o in m.options) or c.type == "un_action":
            if "United Nations Security Council" in self.gazetteer.actors:
                opts.setdefault("United Nations Security Council", [])
        m.actor_options = opts


_CUTS: dict = {}


def _clause_of(text: str, s0: int, s1: int, pos: int) -> tuple[int, int]:
    """The clause around `pos` within the sentence s0..s1 (between punctuation and connectives)."""
    sent = text[s0:s1]
    key = (id(text), s0, s1)
    cuts = _CUTS.get(key)
    if cuts is None or cuts[0] is not text:
        if len(_CUTS) > 4096:
            _CUTS.clear()
        cuts = (text, [0] + [x.start() for x in _CLAUSE.finditer(sent)] + [len(sent)])
        _CUTS[key] = cuts
    cuts = cuts[1]
    rel = pos - s0
    a = max([x for x in cuts if x <= rel] or [0])
    b = min([x for x in cuts if x > rel] or [len(sent)])
    while a < b and not sent[a].isalnum() and sent[a] not in "\"\u201c(":
        a += 1
    if b - a < 25:  # a short clause: the whole sentence
        a, b = 0, len(sent)
    return s0 + a, s0 + b


# ---- features ------------------------------------------------------------------------------

def _window_lemmas(text: str, a: int, b: int, before: int = 60, after: int = 60) -> tuple[list[str], list[str]]:
    left = [lemma(w) for w in _WORD.findall(text[max(0, a - before):a])[-6:]]
    right = [lemma(w) for w in _WORD.findall(text[b:b + after])[:6]]
    return [w for w in left if w not in _STOP], [w for w in right if w not in _STOP]


def base_features(pool: CandidatePool, k: int) -> dict[str, float]:
    """What every decision of candidate `k` starts from."""
    m = pool.mentions[k]
    c, text = m.cand, pool.text
    f: dict[str, float] = {"bias": 1.0, f"origin={m.origin}": 1.0, f"lemma={m.lemma}": 1.0}
    if m.origin == "rule":
        f[f"rule_type={c.type}"] = 1.0
        f[f"rule_id={c.type_rule or '-'}"] = 1.0
    for o in m.options:
        f[f"option={o}"] = 1.0
    left, right = _window_lemmas(text, c.trigger.start, c.trigger.end)
    for w in left:
        f[f"L:{w}"] = 1.0
    for w in right:
        f[f"R:{w}"] = 1.0
    sent = text[m.s0:m.s1]
    f[f"sentence_index={_bucket(m.sentence)}"] = 1.0
    if not re.search(r"[.!?\"'\u201d)]\s*$", sent):
        f["no_final_punctuation"] = 1.0
    if any(q.start() <= c.trigger.start - m.s0 < q.end() for q in _QUOTED.finditer(sent)):
        f["in_quotes"] = 1.0
    word0 = (c.trigger.text.split() or [""])[0].lower()
    if word0.endswith("ed"):
        f["suffix=ed"] = 1.0
    elif word0.endswith("ing"):
        f["suffix=ing"] = 1.0
    elif word0.endswith("s"):
        f["suffix=s"] = 1.0
    if re.search(r"(?i)\b(?:the|this|that|its|their|his|her)\s+(?:[\w-]+\s+){0,2}$", text[max(0, c.trigger.start - 40):c.trigger.start]):
        f["definite"] = 1.0
    if re.search(r"(?i)\b(?:a|an)\s+(?:[\w-]+\s+){0,2}$", text[max(0, c.trigger.start - 30):c.trigger.start]):
        f["indefinite"] = 1.0
    for mm in _MODAL.finditer(text[max(m.s0, c.trigger.start - 50):c.trigger.start]):
        f[f"modal_before={mm.group(1).lower()}"] = 1.0
    return f


_NEGATION = re.compile(r"(?i)\b(?:not|never|no|without|n['\u2019]t|failed\s+to|refused\s+to|denied|den(?:y|ies))\b")
_HEDGE = re.compile(r"(?i)\b(?:reportedly|allegedly|apparently|suspected|believed|presumably|possible|potential|rumou?red|speculat\w*)\b")
_SPEECH = re.compile(r"(?i)\b(?:said|says|told|tells|according\s+to|announced|reported|quoted|stated|added|noted|wrote)\b")
_SPEECH_LEMMAS = frozenset("say tell state statement announce announcement report claim remark comment stress insist add note".split())
_INFINITIVE = re.compile(r"(?i)\b(?:to|plans?\s+to|vowed\s+to|agreed\s+to|decided\s+to)\s+$")


def context_features(pool: CandidatePool, k: int) -> dict[str, float]:
    """The clause's tense and mood, negation and hedging, speech verbs, the time expressions
    within reach and their kind, the sentence's place in its paragraph and the text, a heading
    date above it, and the lexicon's type hits (issue 19 item 3: the event decision's context)."""
    from kpolicy.extract.temporal.tense import clause_tense, modality

    m = pool.mentions[k]
    c, text = m.cand, pool.text
    f: dict[str, float] = {}
    a, b = _clause_of(text, m.s0, m.s1, c.trigger.start)
    cache = pool.cache
    got = cache.get((a, b))
    if got is None:  # candidates share clauses: tense and mood once per clause
        clause = text[a:b]
        got = cache[(a, b)] = (clause_tense(clause) or "none", modality(clause) or "none", bool(_HEDGE.search(clause)))
    ct, mood, hedged = got
    st = pool.sentence_tense.get(m.sentence) or "none"
    f[f"sentence_tense={st}"] = 1.0
    f[f"clause_tense={ct}"] = 1.0
    f[f"clause_mood={mood}"] = 1.0
    f[f"clause_mood={mood}|origin={m.origin}"] = 1.0
    f[f"clause_tense={ct}|origin={m.origin}"] = 1.0
    before = text[max(a, c.trigger.start - 50):c.trigger.start]
    if _NEGATION.search(before):
        f["negated"] = 1.0
    if hedged:
        f["hedged"] = 1.0
    if _INFINITIVE.search(text[max(a, c.trigger.start - 20):c.trigger.start]):
        f["infinitive"] = 1.0
    speech = cache.get(("speech", m.sentence))
    if speech is None:
        speech = cache[("speech", m.sentence)] = [x.start() for x in _SPEECH.finditer(text, m.s0, m.s1)]
    if speech:
        f["speech_verb_in_sentence"] = 1.0
        if speech[-1] >= c.trigger.end:
            f["speech_verb_after"] = 1.0
    if m.lemma in _SPEECH_LEMMAS:
        f["trigger_is_speech"] = 1.0
    if c.trigger.text[:1].isupper() and c.trigger.start > m.s0 + 1:
        f["capitalised"] = 1.0
    # time expressions within reach
    kinds = set()
    for d in m.dates:
        if d.kind in ("none", "published"):
            continue
        kind = "rule" if d.kind.startswith("rule:") else d.kind
        kinds.add(kind)
        f[f"time={kind}|precision={_precision(d.edtf)}"] = 1.0
        if kind in ("own", "rule"):
            f[f"time={kind}|relation={_relation(d.edtf, pool.published)}"] = 1.0
    if not kinds:
        f["no_time"] = 1.0
        f[f"no_time|origin={m.origin}"] = 1.0
    for kind in kinds:
        f[f"time_kind={kind}|origin={m.origin}"] = 1.0
    f[f"lemma={m.lemma}|timed={bool(kinds & {'own', 'rule'})}"] = 1.0
    # position: first sentence of its paragraph, decile of the text, a heading date above it
    if pool.para_first.get(m.paragraph) == m.sentence:
        f["paragraph_first"] = 1.0
    f[f"text_decile={min(9, 10 * m.sentence // max(1, pool.n_sentences))}"] = 1.0
    f[f"paragraph={_bucket(m.paragraph)}"] = 1.0
    if pool.heading_of.get(m.sentence) is not None:
        f["under_heading"] = 1.0
    # the lexicon's type hits
    f[f"n_options={len(m.options)}"] = 1.0
    for fam in {_family(o) for o in m.options}:
        f[f"family={fam}"] = 1.0
        f[f"family={fam}|origin={m.origin}"] = 1.0
    return f


def event_features(pool: CandidatePool, k: int, base: dict[str, float] | None = None) -> dict[str, float]:
    m = pool.mentions[k]
    c = m.cand
    f = dict(base or base_features(pool, k))
    f.update(context_features(pool, k))
    if m.rule_keep:
        f["rule_keep"] = 1.0
        f[f"rule_keep:{c.type}"] = 1.0
    if m.rule_head is not None:
        f["rule_later_mention"] = 1.0
    if m.origin == "rule":
        if c.date_edtf:
            f["rule_dated"] = 1.0
            f[f"rule_date:{(c.date_rule or '').split('/')[0]}"] = 1.0
        if c.generic:
            f["rule_generic"] = 1.0
        if c.narrative_date:
            f["rule_narrative_date"] = 1.0
        if c.free_time:
            f["rule_free_time"] = 1.0
        if c.entry:
            f["rule_entry"] = 1.0
    same = pool.in_sentence(m.sentence)
    f[f"candidates_in_sentence={_bucket(len(same))}"] = 1.0
    if same and same[0] is m:
        f["first_in_sentence"] = 1.0
    if any(o.origin == "rule" for o in same) and m.origin != "rule":
        f["sentence_has_rule"] = 1.0
    if any(d.kind in ("own",) for d in m.dates):
        f["has_own_time"] = 1.0
    if any(d.kind == "sentence" for d in m.dates):
        f["has_sentence_time"] = 1.0
    fam = _family(c.type)
    kept_here = [o for o in same if o is not m and o.rule_keep]
    if kept_here:
        f["kept_in_sentence"] = 1.0
        if any(_family(o.cand.type) == fam for o in kept_here):
            f["kept_same_family_in_sentence"] = 1.0
            f[f"kept_same_family_in_sentence|origin={m.origin}"] = 1.0
    own = next((d.edtf for d in m.dates if d.kind == "own" or d.rule_choice), None)
    earlier = [o for o in pool.mentions[max(0, k - LOOKBACK):k] if o.rule_keep and o.sentence < m.sentence and _family(o.cand.type) == fam]
    if earlier:
        f[f"earlier_kept_same_family={_bucket(len(earlier))}"] = 1.0
        if own and any(compatible_edtf(own, o.cand.date_edtf) for o in earlier):
            f["earlier_kept_compatible_date"] = 1.0
    elif m.origin != "rule":
        f["first_of_family"] = 1.0
    earlier_same = any(o.sentence < m.sentence and _family(o.cand.type) == _family(c.type) and o.lemma == m.lemma
                       for o in pool.mentions[max(0, k - LOOKBACK):k])
    if earlier_same:
        f["earlier_same_lemma"] = 1.0
    return f


def type_features(pool: CandidatePool, k: int, base: dict[str, float] | None = None) -> dict[str, float]:
    f = dict(base or base_features(pool, k))
    m = pool.mentions[k]
    sent = pool.text[m.s0:m.s1].lower()
    for cue in ("nuclear", "missile", "security council", "resolution", "sanction", "election", "summit", "party", "assembly",
                "drill", "exercise", "talks", "statement", "agreement", "killed", "arrest", "parade", "satellite", "treaty",
                "congress", "plenary", "vote", "veto", "said"):
        if cue in sent:
            f[f"sentence_has={cue}"] = 1.0
    return f


def date_features(pool: CandidatePool, k: int, d: DateOption, etype: str) -> dict[str, float]:
    m = pool.mentions[k]
    c = m.cand
    f: dict[str, float] = {"bias": 1.0, f"kind={d.kind}": 1.0, f"kind={d.kind}|type={etype}": 1.0,
                           f"kind={d.kind}|origin={m.origin}": 1.0}
    if d.kind == "none":
        f[f"none|origin={m.origin}"] = 1.0
        if m.rule_keep:
            f["none|rule_keep"] = 1.0
        return f
    f[f"pattern={d.rule}"] = 1.0
    has_rule = any(o.rule_choice for o in m.dates)
    has_own = any(o.kind == "own" for o in m.dates)
    f[f"kind={d.kind}|rule_dated={has_rule}"] = 1.0
    f[f"kind={d.kind}|own_time={has_own}"] = 1.0
    f[f"precision={_precision(d.edtf)}"] = 1.0
    f[f"relation={_relation(d.edtf, pool.published)}"] = 1.0
    if d.rule_choice:
        f["rule_choice"] = 1.0
    if d.start >= 0:
        dist = d.start - c.trigger.end if d.start >= c.trigger.end else d.end - c.trigger.start
        f[f"after_trigger={d.start >= c.trigger.end}"] = 1.0
        f[f"distance={_bucket(abs(dist) // 10)}"] = 1.0
        if _REF_POINT.search(pool.text[max(0, d.start - 12):d.start]):
            f["reference_point"] = 1.0
        n_between = sum(1 for o in pool.in_sentence(m.sentence) if o is not m
                        and min(d.start, c.trigger.start) < o.cand.trigger.start < max(d.start, c.trigger.start))
        f[f"candidates_between={_bucket(n_between)}"] = 1.0
    if d.direction:
        f[f"direction={d.direction}"] = 1.0
    # among the options: the closest time expression to the trigger, the only one, how many
    placed = [o for o in m.dates if o.start >= 0]
    f[f"n_timed_options={_bucket(len(placed))}"] = 1.0
    if d.start >= 0 and placed:
        near = min(placed, key=lambda o: abs(o.start - c.trigger.start))
        if near is d:
            f["closest_time"] = 1.0
            f[f"closest_time|kind={d.kind}"] = 1.0
        if len(placed) == 1:
            f["only_time"] = 1.0
    # the clause's mood against the option's past/future relation; a heading's date under a chronology
    got = pool.cache.get(_clause_of(pool.text, m.s0, m.s1, c.trigger.start))
    if got is not None:
        f[f"relation={_relation(d.edtf, pool.published)}|mood={got[1]}|tense={got[0]}"] = 1.0
    if d.kind == "heading" or pool.heading_of.get(m.sentence) is not None:
        f[f"under_heading|kind={d.kind}"] = 1.0
    if d.kind in ("published", "narrative"):
        f[f"{d.kind}|paragraph_first={pool.para_first.get(m.paragraph) == m.sentence}"] = 1.0
    return f


def status_features(pool: CandidatePool, k: int, edtf: str | None, base: dict[str, float] | None = None) -> dict[str, float]:
    m = pool.mentions[k]
    c = m.cand
    f = {"bias": 1.0, f"relation={_relation(edtf, pool.published)}": 1.0, f"origin={m.origin}": 1.0}
    if m.origin == "rule":
        f[f"rule_status={c.status}"] = 1.0
    sent = pool.text[m.s0:m.s1]
    for mm in _MODAL.finditer(pool.text[max(m.s0, c.trigger.start - 60):c.trigger.end + 20]):
        f[f"modal={mm.group(1).lower()}"] = 1.0
    if re.search(r"(?i)\b(?:may|might|could|likely|possibl|probabl)\w*", sent):
        f["sentence_speculative"] = 1.0
    if re.search(r"(?i)\b(?:will|would|scheduled|planned|expected|set\s+to|due\s+to)\b", sent):
        f["sentence_future"] = 1.0
    return f


def actor_features(pool: CandidatePool, k: int, state: str, etype: str) -> dict[str, float]:
    m = pool.mentions[k]
    c = m.cand
    ments = m.actor_options.get(state, [])
    rule_states = {pool.finder.state_of(a) for a in c.actors}
    f: dict[str, float] = {"bias": 1.0, f"type={etype}": 1.0}
    if state in rule_states:
        f["in_rule"] = 1.0
        f[f"in_rule|type={etype}"] = 1.0
        f[f"in_rule|n={_bucket(len(rule_states))}"] = 1.0
    elif (not rule_states and state == pool.main) or (state == "United Nations Security Council" and etype == "un_action"):
        f["rule_default"] = 1.0  # what the rules add: the main state to an event with none, the Council to a UN action
    else:
        f["not_rule"] = 1.0
    if state == pool.main:
        f["main_state"] = 1.0
        if not ments:
            f["main_only"] = 1.0
    if not ments:
        f["not_in_sentence"] = 1.0
        if state == "United Nations Security Council":
            f[f"unsc_default|type={etype}"] = 1.0
        return f
    f[f"mentions={_bucket(len(ments))}"] = 1.0
    near = min(ments, key=lambda a: abs(a.start - c.trigger.start))
    before = near.start < c.trigger.start
    f[f"before={before}"] = 1.0
    f[f"before={before}|type={etype}"] = 1.0
    f[f"distance={_bucket(abs(near.start - c.trigger.start) // 10)}"] = 1.0
    kinds = {getattr(pool.gazetteer.actors.get(a.actor), "kind", "other") for a in ments}
    for kd in kinds:
        f[f"kind={kd}"] = 1.0
    clause = _clause_of(pool.text, m.s0, m.s1, c.trigger.start)
    if any(clause[0] <= a.start < clause[1] for a in ments):
        f["same_clause"] = 1.0
    for a in ments[:3]:
        pre = pool.text[max(0, a.start - 12):a.start]
        if _VENUE.search(pre):
            f[f"venue_before|type={etype}"] = 1.0
        pm = _PREP.search(pre)
        if pm:
            f[f"prep={pm.group(1).lower()}"] = 1.0
        if any(q.start() <= a.start - m.s0 < q.end() for q in _QUOTED.finditer(pool.text[m.s0:m.s1])):
            f["in_quotes"] = 1.0
        if re.match(r"['\u2019]s\b", pool.text[a.end:a.end + 3]):
            f["possessive"] = 1.0
    if near.start - m.s0 < 15:
        f["opens_sentence"] = 1.0
    return f


def merge_features(pool: CandidatePool, i: int, j: int, ti: str, tj: str) -> dict[str, float]:
    a, b = pool.mentions[i], pool.mentions[j]
    f: dict[str, float] = {"bias": 1.0}
    f[f"same_type={ti == tj}"] = 1.0
    f[f"same_sentence={a.sentence == b.sentence}"] = 1.0
    f[f"sentence_gap={_bucket(b.sentence - a.sentence)}"] = 1.0
    if a.lemma == b.lemma:
        f["same_lemma"] = 1.0
    if b.rule_head == i or (b.rule_head is not None and b.rule_head == a.rule_head):
        f["rule_corefer"] = 1.0
    f[f"origins={a.origin}+{b.origin}"] = 1.0
    f[f"origins={a.origin}+{b.origin}|same_sentence={a.sentence == b.sentence}"] = 1.0
    ta = next((d for d in a.dates if d.kind in ("own",) or (d.kind.startswith("rule:") and d.start >= 0)), None)
    tb = next((d for d in b.dates if d.kind in ("own",) or (d.kind.startswith("rule:") and d.start >= 0)), None)
    if ta is not None and tb is not None:
        f[f"own_times_distinct={(ta.start, ta.end) != (tb.start, tb.end)}"] = 1.0
    da = next((d.edtf for d in a.dates if d.kind != "none"), None)
    db = next((d.edtf for d in b.dates if d.kind not in ("none", "published")), None)
    if da and db:
        f[f"dates_compatible={compatible_edtf(da, db)}"] = 1.0
        if da == db:
            f["same_date"] = 1.0
    sa = {pool.finder.state_of(x) for x in a.cand.actors}
    sb = {pool.finder.state_of(x) for x in b.cand.actors}
    if sa and sb:
        f[f"states_overlap={bool(sa & sb)}"] = 1.0
    if re.search(r"(?i)\b(?:the|this|that|its|their)\s+(?:[\w-]+\s+){0,2}$", pool.text[max(0, b.start - 40):b.start]):
        f["later_definite"] = 1.0
    if a.sentence == b.sentence:
        gap = pool.text[a.cand.trigger.end:b.start]
        f[f"char_gap={_bucket(len(gap) // 10)}"] = 1.0
        if re.search(r"[,;]", gap):
            f["punct_between"] = 1.0
        if re.search(r"(?i)\band\b", gap):
            f["and_between"] = 1.0
    return f


# ---- the extractor -------------------------------------------------------------------------

def role_of(pool: CandidatePool, k: int, state: str, etype: str) -> str:
    m = pool.mentions[k]
    ments = m.actor_options.get(state, [])
    if etype == "statement":
        return "initiator"
    if not ments:
        return "participant"
    near = min(ments, key=lambda a: abs(a.start - m.cand.trigger.start))
    if etype in ("summit", "talks", "agreement", "plenum", "election", "military_drill"):
        return "participant"
    return "initiator" if near.start < m.cand.trigger.start else "target"


class LearnedExtractor:
    """The rules' candidates and more, decided by a model (kpolicy.extract.model)."""

    def __init__(self, model=None, rules=None) -> None:
        from kpolicy.extract.model import shipped_model
        from kpolicy.extract.pipeline import Extractor

        self.rules = rules or Extractor()
        self.model = model or shipped_model()

    def pool(self, text: str, published: date) -> CandidatePool:
        return CandidatePool(self.rules, text, published)

    def settings(self) -> tuple[set, float, float]:
        """Which decisions the model makes (the others are the rules'), and the event thresholds:
        a candidate the rules keep stays unless p(event) < `drop`; any other becomes an event
        when p(event) >= `add`."""
        use = self.model.doc.get("use") if isinstance(self.model.doc, dict) else None
        use = set(use) if use is not None else set(self.model.decisions)
        th = (self.model.doc.get("thresholds") or {}) if isinstance(self.model.doc, dict) else {}
        return use, float(th.get("drop", 0.5)), float(th.get("add", 0.5))

    def decide(self, pool: CandidatePool, explain: bool = False) -> list[dict]:
        """Per candidate: p(event), type, date option, status, actors; then clusters by merge.
        Each decision is the model's, or the rules' for a decision the model leaves to them."""
        model = self.model
        use, drop, add = self.settings()
        th = (self.model.doc.get("thresholds") or {}) if isinstance(self.model.doc, dict) else {}
        a_drop, a_add = th.get("actor_drop"), float(th.get("actor_add", 0.9))
        merge_at = float(th.get("merge", 0.5))  # p(merge) from which a candidate joins an earlier one
        decided = []
        for k, m in enumerate(pool.mentions):
            c = m.cand
            base = base_features(pool, k)
            ef = event_features(pool, k, base)
            p_event = model["event"].probabilities(ef)[True]
            if "event" in use:
                is_event = p_event >= (drop if m.rule_keep else add)
            else:
                is_event = m.rule_keep
            if not is_event and not explain and "merge" not in use and m.rule_head is None:
                decided.append({"k": k, "p_event": p_event, "event": False, "type": c.type})
                continue  # no event, and no cluster to join: nothing else to decide
            full = explain or m.origin != "rule"  # a rules' candidate needs only the decisions the model makes
            tf = type_features(pool, k, base) if full or "type" in use else {}
            if "type" in use or m.origin != "rule":
                fams = {_family(o) for o in m.options}  # within the families the lexicon proposes
                etype, p_type = model["type"].predict(tf, allowed={t for t in FAMILIES if _family(t) in fams})
            else:
                etype, p_type = c.type, 1.0
            if full or "date" in use:
                scored = [(model["date"].probabilities(date_features(pool, k, d, etype))[True], n) for n, d in enumerate(m.dates)]
            else:
                scored = [(1.0, n) for n in range(len(m.dates))]
            if "date" in use or m.origin != "rule":
                p_date, dn = max(scored)
            else:
                dn = next((n for n, d in enumerate(m.dates) if d.rule_choice), len(m.dates) - 1)
                p_date = scored[dn][0]
            d = m.dates[dn]
            sf = status_features(pool, k, d.edtf, base) if full or "status" in use else {}
            if "status" in use or m.origin != "rule":
                status, _ = model["status"].predict(sf)
            else:
                status = c.status
            actors = []
            if full or "actor" in use:
                for state in m.actor_options:
                    af = actor_features(pool, k, state, etype)
                    p = model["actor"].probabilities(af)[True]
                    actors.append((p, state, af))
            rule_keep = list(dict.fromkeys(pool.finder.state_of(a) for a in c.actors))
            if etype == "un_action" and "United Nations Security Council" not in rule_keep and "United Nations" not in rule_keep:
                rule_keep.append("United Nations Security Council")
            if not rule_keep and pool.main:
                rule_keep = [pool.main]
            if m.origin != "rule" or ("actor" in use and a_drop is None):
                keep = [s for p, s, _ in actors if p >= 0.5] or [s for _, s, _ in sorted(actors, key=lambda x: -x[0])[:1]]
            elif "actor" in use:  # the rules' states stay unless p < drop; another state joins when p >= add
                probs = {s: p for p, s, _ in actors}
                keep = [s for s in rule_keep if probs.get(s, 1.0) >= a_drop]
                keep += [s for p, s, _ in actors if s not in rule_keep and p >= a_add]
                keep = keep or rule_keep
            else:
                keep = rule_keep
            row = {"k": k, "p_event": p_event, "event": is_event, "type": etype, "p_type": p_type, "date": d, "p_date": p_date,
                   "status": status, "actors": keep}
            if explain:
                row["explain"] = {
                    "event": {"p": round(p_event, 3), "decided_by": "model" if "event" in use else "rules",
                              "rules_keep": m.rule_keep, "features": model["event"].explain(ef, True)},
                    "type": {"value": etype, "p": round(p_type, 3), "decided_by": "model" if "type" in use else "rules",
                             "features": model["type"].explain(tf, etype)},
                    "date": {"value": d.edtf, "option": d.kind, "p": round(p_date, 3), "decided_by": "model" if "date" in use else "rules",
                             "features": model["date"].explain(date_features(pool, k, d, etype), True)},
                    "status": {"value": status, "decided_by": "model" if "status" in use else "rules",
                               "features": model["status"].explain(sf, status)},
                    "actors": {s: {"p": round(p, 3), "kept": s in keep, "features": model["actor"].explain(af, True)} for p, s, af in actors},
                }
            decided.append(row)
        # merge: each candidate joins the best earlier cluster it is a mention of
        cluster_of: dict[int, int] = {}
        clusters: list[list[int]] = []
        merge_why: dict[int, tuple] = {}
        for k, row in enumerate(decided):
            best = None
            m = pool.mentions[k]
            if "merge" in use:
                for i in range(max(0, k - LOOKBACK), k):
                    if _family(decided[i]["type"]) != _family(row["type"]) or i not in cluster_of:
                        continue
                    if decided[i]["type"] != row["type"]:
                        continue  # mentions of different types are two events (as across articles: find_match)
                    if _dates_apart(decided[i]["date"], row["date"]):
                        continue  # two mentions dated apart are two events, whatever the model says
                    mf = merge_features(pool, i, k, decided[i]["type"], row["type"])
                    p = model["merge"].probabilities(mf)[True]
                    if p >= merge_at and (best is None or p > best[0]):
                        best = (p, i, mf)
            elif m.rule_head is not None and m.rule_head in cluster_of:
                best = (1.0, m.rule_head, {})
            if best is not None and (not row["event"] or decided[best[1]]["event"]):
                ci = cluster_of[best[1]]
                clusters[ci].append(k)
                cluster_of[k] = ci
                merge_why[k] = best
            else:
                cluster_of[k] = len(clusters)
                clusters.append([k])
        out = []
        for members in clusters:
            events = [x for x in members if decided[x]["event"]]
            if not events:
                continue
            lead = max(events, key=lambda x: (pool.mentions[x].rule_keep, decided[x]["p_event"]))
            first = min(members)
            out.append({"members": members, "first": first, "lead": lead,
                        "merged": {k: merge_why[k] for k in members if k in merge_why}, **decided[lead]})
        return out

    def extract(self, text: str, published: date, explain: bool = False) -> list:
        return self.extract_pool(self.pool(text, published), explain=explain)

    def extract_pool(self, pool: CandidatePool, explain: bool = False) -> list:
        """The events of an already built pool (the training script reuses pools across models)."""
        text = pool.text
        events = []
        extra = []
        for ev in self.decide(pool, explain=explain):
            members = [pool.mentions[k] for k in ev["members"]]
            lead = pool.mentions[ev["lead"]]
            first = pool.mentions[ev["first"]]
            d: DateOption = ev["date"]
            dated_by = lead.cand
            if d.edtf is None:  # the lead has no date: a dated member's, as a later mention gives it
                got = next(((m, o) for m in members for o in m.dates if o.kind.startswith("rule:")), None)
                if got is not None:
                    dated_by, d = got[0].cand, got[1]
            try:
                parse_edtf(d.edtf)
            except BadInput:
                continue
            c = copy.copy(lead.cand)
            c.type, c.status = ev["type"], ev["status"]
            c.date_edtf, c.date_text, c.date_anchor = d.edtf, d.text, d.anchor
            c.date_rule = dated_by.date_rule
            if not d.rule_choice:  # the rules' own date keeps its rule; another option names how it was chosen
                c.date_rule = f"learned:{d.kind}/{d.rule}" if d.rule else f"learned:{d.kind}"
            c.quote = first.cand.quote
            c.mentions = [m.cand.quote for m in members if m.cand.quote != first.cand.quote]
            c.generic = False
            names = []
            for state in ev["actors"]:
                named = [a for a in lead.cand.actors if pool.finder.state_of(a) == state]
                names.extend(named or [state])
            c.actors = list(dict.fromkeys(names))
            c.confidence = round(ev["p_event"], 2)
            events.append(c)
            roles = {}
            rule_roles = getattr(lead.cand, "roles", None) or {}
            for name in c.actors:  # the rules' role of an actor they found (kpolicy.extract.roles), else by position
                roles[name] = rule_roles.get(name) or role_of(pool, ev["lead"], pool.finder.state_of(name), c.type)
            why = None
            if explain:
                why = dict(ev["explain"])
                why["merge"] = [{"mention": pool.text[slice(*pool.mentions[k].cand.quote)][:80], "p": round(p, 3),
                                 "decided_by": "model" if mf else "rules",
                                 "features": self.model["merge"].explain(mf, True) if mf else []}
                                for k, (p, _, mf) in ev["merged"].items()]
            extra.append((roles, why))
        use = self.model.doc.get("use") if isinstance(self.model.doc, dict) else None
        rules_actors = use is not None and "actor" not in use  # the rules' actors, with their rule for a meeting's other side
        out = self.rules.to_events(events, text, defaults=False, extractor=self.model.id, two_sides=rules_actors)
        # to_events keeps every event here (all dated, none generic): attach roles and explanations in order
        for e, (roles, why) in zip(out, extra):
            e.roles = roles
            e.explain = why
        return out
