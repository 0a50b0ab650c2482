"""Stage 3 of the pipeline: candidate events per sentence.

For each sentence (kpolicy.extract.sentences): its triggers (kpolicy.extract.triggers), time
expressions (kpolicy.extract.temporal, the narrative time passed in) and actor mentions
(kpolicy.extract.actors). Each trigger takes the time expression of its own clause, else one
the sentence sets for all ('from the last six months, during which...'), else the time of the
event it happened at ('unveiled at his 8th Party Congress in January 2021'), else the
narrative's time where the text licenses it ('That was when...'); items of a list become
events of the list's type; status comes from the date against the publication date, then
modality and tense; actors, place and quote from the trigger's phrase.
Each candidate keeps the ids of the rules behind its type (`type_rule`) and date (`date_rule`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

from kpolicy.extract.actors import ActorFinder, ActorMention
from kpolicy.extract.clauses import (CHRON_ENTRY, DATELINE, ENTRY_DATE, YEAR, chunk_of, chunks, is_heading,
                                     phrase_ids, structural_triggers)
from kpolicy.extract.dating import (CAUSED, NARRATIVE_CUE, NARRATIVE_LATER, REFERENCE_POINT, SUPERLATIVE, SUPERLATIVE_SPAN,
                                    assign_times, choose_time, counted_from_event, counted_from_subject, counted_in_sentence, future_in_clause,
                                    heading_date, narrative_in_future, reanchor, reported_on, set_time, usable)
from kpolicy.extract.mentions import edtf_compatible, event_head, is_definite, quote_span
from kpolicy.extract.publication import dateline_spans
from kpolicy.extract.roles import PRONOUN, ActorRoles
from kpolicy.extract.sentences import paragraph_index, sentence_spans
from kpolicy.extract.status import MONTH_MAY, entry_is_future, fill_status, local_modality, status_of
from kpolicy.extract.triggers import TEST_FAMILY
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER
from kpolicy.extract.triggers import Trigger, find_triggers

ENUM_CLAUSE = re.compile(r"(?:[^;:]|(?<=\d):(?=\d))+")  # a clock time (06:01) is no list separator


@dataclass
class Candidate:
    type: str
    trigger: Trigger  # offsets into the plain text
    sentence: int
    paragraph: int
    quote: tuple[int, int]
    time: object | None = None  # temporal.TimeExpression with offsets into the plain text
    date_edtf: str | None = None
    date_text: str | None = None
    date_anchor: str | None = None
    status: str = "occurred"
    actors: list[str] = field(default_factory=list)
    place: str | None = None
    confidence: float = 0.5
    definite: bool = False
    mentions: list[tuple[int, int]] = field(default_factory=list)
    narrative_date: bool = False
    head: str = ""
    generic: bool = False
    past: bool = False
    free_time: bool = False
    entry: bool = False  # stated by a chronology entry ('- May 31: First launch attempt fails')
    type_rule: str = ""  # the rule that gave the type: a data/triggers.yaml id or a structural rule here
    date_rule: str | None = None  # how the date was obtained: '<attachment>/<temporal pattern>'
    roles: dict = field(default_factory=dict)  # actor -> initiator / target / participant (kpolicy.extract.roles)



@dataclass
class SentenceContext:
    """What the candidate steps of one sentence share: the plain text and the sentence's place in
    it, its triggers, times and actor mentions, the narrative date, the publication date, the
    sentence's modality and tense, and the candidates found so far (`earlier`)."""

    text: str
    base: int  # offset of the sentence body (after any dateline) in the text
    end: int
    sentence: str
    index: int
    paragraph: int
    triggers: list[Trigger]
    times: list
    actors: list[ActorMention]
    narrative: str | None
    published: date
    mod: str | None
    earlier: list[Candidate]
    tense: str | None = None
    bounds: list[int] = field(init=False)
    phrase: list[int] = field(init=False)
    how: dict[int, str] = field(default_factory=dict)  # trigger index -> how its time was attached

    def __post_init__(self) -> None:
        self.bounds = chunks(self.sentence)
        self.phrase = phrase_ids(self.sentence, self.bounds)


def _temporal():
    from kpolicy.extract import temporal

    return temporal


# between a UN resolution and the sanctions it imposes: 'imposing additional', ', which expands and enhances'
_RESOLUTION_CONTENT = re.compile(
    r"(?:\s+[\w()-]+){0,2}?(?:[^.;]*?,?\s+(?:and\s+)?which)?(?:\s+\w+ly)?\s+(?:impos\w*|tighten\w*|expand\w*|enhanc\w*|strengthen\w*|extend\w*|add\w*|toughen\w*)"
    r"(?:\s+(?:and|or)\s+\w+)?(?:\s+[\w-]+){0,3}?\s+", re.I)


def _two_named_bodies(text: str, first: Candidate, second: Candidate) -> bool:
    """'a Party Conference and Supreme People's Assembly (SPA) meeting': two events of one type
    joined by 'and', the second with a name of its own (capitalised words before its trigger)."""
    return first.type_rule != second.type_rule and re.fullmatch(
        r"\s+and\s+(?:an?\s+|the\s+|its\s+)?(?:[A-Z][\w'\u2019-]*\s+|\([A-Z]{2,6}\)\s+)+", text[first.trigger.end:second.trigger.start]) is not None


# a page's navigation trail ('Home >  Policy >  Announcements >  2017 >  Statement by ...'): page chrome, no event
BREADCRUMB = re.compile(r"^[^\n>]{1,40}\s>\s+[^\n>]{1,60}\s>\s", re.M)


def _bullet_date(text: str, s0: int, s1: int, published: date, temporal) -> bool:
    """A list item that holds only a date ('- May 27, 2024:'): a heading for the items under it."""
    line = text[s0:s1]
    return len(line) < 45 and re.match(r"\s*[-*\u2022\u2013]\s", line) is not None and heading_date(line, published, temporal) is not None


def chronology_entry_lines(text: str, spans: list[tuple[int, int]], published: date, temporal) -> set[int]:
    """The sentences that are a chronology's entries under heading dates although they look like
    headings ('Oct. 24' / 'The ministry reveals the documents', no full stop): a line right under a
    date heading, in a text with at least three date headings (one stray stamp above a headline
    makes no chronology)."""
    dated: list[int] = []
    for idx, (s0, s1) in enumerate(spans):
        if (is_heading(text, s0, s1) and heading_date(text[s0:s1], published, temporal) is not None) or _bullet_date(text, s0, s1, published, temporal):
            dated.append(idx)
    if len(dated) < 3:
        return set()
    heads = set(dated)
    return {idx + 1 for idx in dated if idx + 1 < len(spans) and idx + 1 not in heads}


class CandidateFinder:
    """Finds the candidate events of a text, sentence by sentence (`candidates`). The decisions live
    beside it: which clauses hold events (clauses), which time dates each (dating), its status
    (status), who takes part and where (roles)."""

    def __init__(self, finder: ActorFinder) -> None:
        self.finder = finder
        self.gazetteer = self.finder.gazetteer
        self.roles = ActorRoles(self.gazetteer)

    # ---- stage 3: candidates per sentence ------------------------------------------------
    def candidates(self, text: str, published: date) -> list[Candidate]:
        temporal = _temporal()
        spans = sentence_spans(text)
        paras = paragraph_index(text, spans)
        mentions = self.mentions(text, published)
        datelines = dateline_spans(text[:5000])
        starts = [a.start for a in mentions]
        out: list[Candidate] = []
        narrative: str | None = None
        last_para = -1
        self.roles.subject = self.roles.prior = None
        heading = None  # a date on a line of its own ('April 25, 2019', '2018'): the date of what follows
        chron_year: str | None = None  # the year a chronology has reached ('January 1, 2017: ...' then 'August 9: ...')
        # what the learned extractor reads back (kpolicy.extract.learned): per sentence index, its body's
        # offset, usable times (offsets into the body) and the heading date above it; the headings skipped
        self.sentence_times: dict[int, tuple] = {}
        self.headings: set[int] = set()
        entry_lines = chronology_entry_lines(text, spans, published, temporal)
        for idx, ((s0, s1), para) in enumerate(zip(spans, paras)):
            if para != last_para:
                narrative, last_para = None, para
            if (is_heading(text, s0, s1) and idx not in entry_lines) or _bullet_date(text, s0, s1, published, temporal) \
                    or BREADCRUMB.search(text, s0, s1):
                self.headings.add(idx)
                heading = heading_date(text[s0:s1], published, temporal, chron_year)
                if heading is not None:
                    chron_year = (YEAR.findall(heading.text) or [heading.edtf[:4]])[-1]
                continue
            m = DATELINE.match(text, s0, s1) if s0 == 0 or text[s0 - 1] == "\n" else None
            body0 = m.end() if m else s0
            for d0, _d1, story in datelines:  # 'SEOUL, July 13, 2023 - ...': publication evidence, no event date
                if s0 <= d0 < s1 and story <= s1:
                    body0 = max(body0, story)
            sentence = text[body0:s1]
            context = text[max(0, body0 - 1500):s1 + 200]
            triggers = find_triggers(sentence, context)
            triggers = structural_triggers(sentence, triggers, heading is not None)
            masked = MONTH_MAY.sub("Mxy", sentence)  # the month May is no modal verb
            tense = temporal.sentence_tense(masked)
            mod = temporal.modality(masked) or local_modality(sentence)
            chron = CHRON_ENTRY.match(sentence)
            if (chron or (heading is not None and heading.direction != "future")) and not entry_is_future(sentence):
                tense, mod = "past", None  # a chronology entry's present is historical
            entry_year = None
            if chron:
                years = YEAR.findall(chron.group("d"))
                if years:
                    chron_year = years[-1]
                elif chron_year:
                    entry_year = chron_year  # a year-less entry date is in the year the chronology has reached
            elif heading is not None and heading.edtf[:4] == chron_year and not narrative:
                entry_year = chron_year
            # 'May 4: North Korea fires...' (a chronology entry): read the colon as a comma (same length)
            tsentence = re.sub(r"(?<=\d):(?=\s)", ",", sentence)
            future = tense == "future" or (not tense and mod in ("expected", "forecast"))
            times = [t for t in temporal.find_time_expressions(tsentence, published, tense=tense or (
                "future" if future else "past"), narrative=entry_year or (None if future else narrative)) if usable(t)]
            times = [t for t in times if not (SUPERLATIVE_SPAN.match(t.text) and SUPERLATIVE.search(
                re.split(r"[,;:]", sentence[max(0, t.start - 60):t.start])[-1]))]
            times = reanchor(sentence, published, tense, mod, times, temporal)
            times = narrative_in_future(tsentence, published, future, narrative, times, temporal)
            times = future_in_clause(sentence, published, tense, narrative, times, temporal)
            self.sentence_times[idx] = (body0, times, heading, tense)
            actors = mentions[bisect.bisect_left(starts, body0):bisect.bisect_left(starts, s1)]
            if not PRONOUN.match(sentence.lstrip()):
                self.roles.track_subject(actors, body0, text, body0 + triggers[0].start if triggers else None)
            else:
                self.roles.subject_at = None
            setting = [t for t in times if not REFERENCE_POINT.search(sentence[max(0, t.start - 12):t.start])]
            if not triggers:
                if setting:
                    narrative = setting[-1].edtf
                continue
            sc = SentenceContext(text, body0, s1, sentence, idx, para, triggers, times, actors, narrative, published, mod, out, tense)
            cands = self._sentence_candidates(sc)
            counted_from_subject(sentence, body0, cands, out, published)
            counted_from_event(sentence, body0, cands, out, published)
            counted_in_sentence(sentence, body0, cands)
            if heading is not None:  # 'Feb. 24, 2022' / 'Russia invades Ukraine.': the heading dates the entry
                for c in cands:
                    if c.date_edtf is None or c.narrative_date:
                        c.date_edtf, c.date_text, c.date_anchor = heading.edtf, heading.text, heading.anchor
                        c.narrative_date, c.free_time, c.date_rule = False, False, f"heading-date/{heading.rule}"
                        c.status = status_of(c.date_edtf, published, None)
            if ENTRY_DATE.match(sentence):
                for c in cands:
                    c.entry = True
            out.extend(cands)
            dated = [c.date_edtf for c in cands if c.date_edtf and not c.narrative_date]
            if dated or setting:  # 'since 2019' is a reference point, not the time the story has reached
                narrative = dated[-1] if dated else setting[-1].edtf
        return out

    def _sentence_candidates(self, sc: SentenceContext) -> list[Candidate]:
        """The candidates of one sentence: times to triggers, candidates, list items, one event per
        phrase, actors, place, quote and status, then series of dates split."""
        assigned, free = assign_times(sc)
        cands = self._new_candidates(sc, assigned, free)
        reported_on(sc, cands)
        self._list_items(sc, cands)
        kept = self._one_per_event(sc, cands)
        self._declared_policy(sc, kept)
        self._fill(sc, kept)
        return self._split_series(kept, sc.times, sc.sentence, sc.base, sc.published)

    def _new_candidates(self, sc: SentenceContext, assigned: dict[int, object], free: list) -> list[Candidate]:
        """One candidate per trigger, dated by kpolicy.extract.dating.choose_time."""
        sentence, triggers, base, idx, para, tense = sc.sentence, sc.triggers, sc.base, sc.index, sc.paragraph, sc.tense
        cands: list[Candidate] = []
        cue = bool(NARRATIVE_CUE.match(sentence) or NARRATIVE_LATER.search(sentence))
        for k, t in enumerate(triggers):
            cand = Candidate(
                type=t.type,
                trigger=Trigger(base + t.start, base + t.end, t.text, t.type, t.confidence),
                sentence=idx,
                paragraph=para,
                quote=(0, 0),
                confidence=t.confidence,
                type_rule=t.rule,
            )
            cand.definite = not _VERB_TRIGGER.match(t.text) and is_definite(sentence, t.start)
            cand.head = event_head(t, sentence)
            cand.past = tense == "past"
            habitual = bool(re.search(r"\b(?:usually|typically|normally|often|routinely|annually|every\s+year|each\s+year|regularly)\b", sentence, re.I))
            # 'after each later test', 'every launch': a quantified mention names no one event
            quantified = bool(re.search(r"\b(?:each|every)\s+(?:[\w-]+\s+){0,2}$", sentence[max(0, t.start - 30):t.start], re.I))
            cand.generic = habitual or quantified or bool(re.fullmatch(r"(?i)(?:plenums|summits|sessions|meetings|congresses|elections)", t.text)) and bool(
                re.search(r"\b(?:these|those|such|many|several|all)\s+(?:\w+\s+)?$", sentence[max(0, t.start - 30):t.start], re.I))
            choose_time(sc, k, t, assigned, free, cand, cue)
            cands.append(cand)
        return cands

    def _list_items(self, sc: SentenceContext, cands: list[Candidate]) -> None:
        """Items of a ';'-list with their own dates and no trigger take the list's type."""
        sentence, triggers, times, base, idx, para = sc.sentence, sc.triggers, sc.times, sc.base, sc.index, sc.paragraph
        # list items with a date of their own and no trigger take the list's type
        clauses = [(m.start(), m.end()) for m in ENUM_CLAUSE.finditer(sentence)]
        if len(clauses) > 1:
            for a, b in clauses[1:]:
                if any(a <= t.start < b for t in triggers):
                    continue
                item_times = [tm for tm in times if a <= tm.start < b]
                heads = [c for c, t in zip(cands, triggers) if t.start < a and c.time is not None]
                if item_times and heads:
                    head = heads[-1]
                    a2 = a + len(sentence[a:b]) - len(sentence[a:b].lstrip(" ;"))
                    trig = Trigger(base + a2, base + a2, "", head.type, head.confidence)
                    cand = Candidate(type=head.type, trigger=trig, sentence=idx, paragraph=para, quote=(0, 0), confidence=round(head.confidence * 0.9, 2),
                                     type_rule="list-item-type")
                    set_time(cand, item_times[0], base, "list-item")
                    cands.append(cand)

    def _one_per_event(self, sc: SentenceContext, cands: list[Candidate]) -> list[Candidate]:
        """Drop attributions and references; merge same-type triggers of one event."""
        text, base, s1, bounds, phrase = sc.text, sc.base, sc.end, sc.bounds, sc.phrase
        cands.sort(key=lambda c: c.trigger.start)
        # one statement per sentence and date: 'said in a statement', 'reported ... speech'
        def phrase_of(c: Candidate) -> int:
            return phrase[min(chunk_of(bounds, c.trigger.start - base), len(phrase) - 1)]

        kept: list[Candidate] = []
        for c in cands:
            if c.type == "sanctions" and any(o.type == "un_action" and 0 <= c.trigger.start - o.trigger.end < 160 and _RESOLUTION_CONTENT.fullmatch(
                    text[o.trigger.end:c.trigger.start]) for o in kept):
                continue  # 'a resolution imposing additional sanctions', '..., which expands sanctions': what the resolution does
            if c.type == "statement" and (c.time is None or c.free_time) and re.fullmatch(r"(?i)said|says|reported|added|noted", c.trigger.text) \
                    and re.fullmatch(r"[\s.\x22'\u201d\u2019]*", text[c.trigger.end:s1]) \
                    and re.search(r",[\x22'\u201d\u2019]?\s+(?:[\w'\u2019.()-]+\s+){1,7}$", text[base:c.trigger.start]) \
                    and any(o.type != "statement" for o in cands):
                continue  # '..., the Missile Administration said.': the source of the sentence's event, not an event
            if c.definite and c.type != "statement" and any(
                    o.type == "statement" and re.fullmatch(r"(?i)called|welcomed|criticized|criticised|condemned|denounced|praised|slammed|blasted|rejected|dismissed", o.trigger.text)
                    and re.fullmatch(r"\s+(?:the|this|that|these|those|its|their)\s+(?:[\w-]+\s+){0,3}", text[o.trigger.end:c.trigger.start])
                    and not re.search(r"(?i)\b(?:would|will|to|has|had|have|is|are|was|were|could|may|might|shall)\b", text[o.trigger.end:c.trigger.start])
                    for o in kept):
                continue  # 'the State Department called the treaty "deeply concerning"': a reference, not an event
            if c.definite:  # an apposition: 'fired two projectiles..., its first launch', 'a plenary meeting ..., its second plenum'
                same = next((o for o in kept if o.type == c.type and not _two_named_bodies(text, o, c)
                             and not CAUSED.fullmatch(text[o.trigger.end:c.trigger.start]) and (
                    (o.time is not None and c.time is not None and (o.time.start, o.time.end) == (c.time.start, c.time.end))
                    or (c.type not in TEST_FAMILY and o.date_edtf and (c.date_edtf is None or edtf_compatible(o.date_edtf, c.date_edtf))))), None)
                if same is not None:
                    continue
            if c.type not in TEST_FAMILY:
                twin = next((o for o in kept if o.type == c.type and not _two_named_bodies(text, o, c)
                             and not CAUSED.fullmatch(text[o.trigger.end:c.trigger.start]) and (
                    (o.date_edtf == c.date_edtf and ((c.type == "statement" and not re.search(r"\b(?:after|before)\b", text[o.trigger.end:c.trigger.start])) or (o.time is not None and c.time is not None
                                                                  and (o.time.start, o.time.end) == (c.time.start, c.time.end))))
                    or (c.trigger.start - o.trigger.end < 60 and phrase_of(o) == phrase_of(c)
                        and (o.date_edtf is None or c.date_edtf is None or o.free_time or c.free_time)))), None)
                if twin is not None:  # 'signed the Joint Declaration', 'convened a plenary meeting': one event
                    if c.date_edtf and (twin.date_edtf is None or (twin.free_time and not c.free_time)):
                        twin.time, twin.date_edtf, twin.date_text, twin.date_anchor = c.time, c.date_edtf, c.date_text, c.date_anchor
                        twin.date_rule = c.date_rule
                        twin.narrative_date, twin.free_time = c.narrative_date, c.free_time
                    continue
            kept.append(c)
        return kept

    def _declared_policy(self, sc: SentenceContext, kept: list[Candidate]) -> None:
        text = sc.text
        # 'Pyongyang declared that it would no longer be bound by the agreement': the declaration is the policy change
        for o in list(kept):
            if o.type == "statement" and re.fullmatch(r"(?i)declared|announced|decided|declares|announces", o.trigger.text):
                pc = next((c for c in kept if c.type == "policy_change" and 0 < c.trigger.start - o.trigger.end < 60
                           and re.match(r"\s+that\b", text[o.trigger.end:c.trigger.start])), None)
                if pc is not None and (pc.date_edtf is None or pc.free_time) and o.date_edtf:
                    pc.time, pc.date_edtf, pc.date_text, pc.date_anchor = o.time, o.date_edtf, o.date_text, o.date_anchor
                    pc.date_rule = "declaration/" + (o.date_rule or "")
                    pc.narrative_date, pc.free_time, pc.definite = o.narrative_date, False, False
                    kept.remove(o)
                    continue
                # 'OFAC today announced the designations of 17 officials', 'Japan announced new sanctions': the sanctions are the act
                act = next((c for c in kept if c.type == "sanctions" and 0 < c.trigger.start - o.trigger.end < 40 and re.fullmatch(
                    r"\s+(?:(?:the|new|its|fresh|additional|further|own|unilateral|\d+)\s+){0,3}", text[o.trigger.end:c.trigger.start], re.I)), None)
                if act is not None:
                    if (act.date_edtf is None or act.free_time) and o.date_edtf:
                        act.time, act.date_edtf, act.date_text, act.date_anchor = o.time, o.date_edtf, o.date_text, o.date_anchor
                        act.date_rule, act.free_time = "announced/" + (o.date_rule or ""), False
                    kept.remove(o)

    def _fill(self, sc: SentenceContext, kept: list[Candidate]) -> None:
        """Actors (kpolicy.extract.roles), place, quote and status (kpolicy.extract.status) of each kept candidate."""
        self.roles.assign(sc, kept)
        text, base, s1, bounds = sc.text, sc.base, sc.end, sc.bounds
        for k, c in enumerate(kept):
            lo = kept[k - 1].trigger.end if k else base
            hi = kept[k + 1].trigger.start if k + 1 < len(kept) else s1
            c_bounds = [base + b for b in bounds]
            ck = chunk_of(c_bounds, c.trigger.start)
            c.place = self.roles.place(text, max(lo, base), hi, reported=c.type == "statement", after=c.trigger.end)
            q0 = c_bounds[ck]
            q1 = c_bounds[min(ck + 1, len(c_bounds) - 1)]
            if c.time is not None and abs(chunk_of(c_bounds, c.time.start) - ck) <= 1:
                q0, q1 = min(q0, c.time.start), max(q1, c.time.end)
                q1 = max(q1, c_bounds[min(chunk_of(c_bounds, c.time.start) + 1, len(c_bounds) - 1)])
            c.quote = quote_span(text, q0, q1, base, s1)
            fill_status(sc, c)

    def _split_series(self, kept, times, sentence, base, published):
        """A plural or counted trigger followed by a series of dates is one event per date:
        'three plenums during 2020 (April, August and December)', 'the two attempts, in late May and in
        August'."""
        runs, run = [], []
        for tm in times:
            # 'in April, August and December'; numbered documents with their years: 'resolutions 1718 (2006) and 1874 (2009)'
            if run and re.fullmatch(r"\)?\s*(?:,|,?\s*(?:and|or))\s*(?:(?:in|on)\s+)?(?:\d{3,4}\s*\()?", sentence[run[-1].end:tm.start], re.I):
                run.append(tm)
                continue
            if len(run) > 1:
                runs.append(run)
            run = [tm]
        if len(run) > 1:
            runs.append(run)
        out = list(kept)
        for run in runs:
            host = None
            for c in kept:
                t0 = c.trigger.start - base
                if t0 > run[0].start or run[0].start - c.trigger.end + base > 80:
                    continue
                plural = re.search(r"(?i)s$", c.trigger.text) or re.search(
                    r"(?i)\b(?:two|three|four|five|six|both|several|\d+)\s+(?:[\w-]+\s+){0,2}$", sentence[max(0, t0 - 30):t0]) or re.search(
                    r"(?i)\b(?:two|three|four|five|six|both|several)\s+(?:[\w-]+\s+){0,2}[\w-]+s\b", sentence[t0:run[0].start])
                # 'tested nuclear devices in 2006, 2009, and 2013': a plural object, or three dates or more
                plural = plural or len(run) > 2 or re.fullmatch(r"\s+(?:[\w-]+\s+){0,2}[\w-]+s\s+", sentence[c.trigger.end - base:run[0].start])
                if re.search(r"(?i)\b(?:those|these)\s+(?:[\w-]+\s+){0,2}$", sentence[max(0, t0 - 30):t0]):
                    continue  # 'Those sanctions were imposed in 2016 and 2017': a reference back to an aggregate, one event
                if plural and not re.search(r"[.;]", sentence[c.trigger.end - base:run[0].start]):
                    host = c
            if host is None or (host.time is not None and not any(
                    (host.time.start - base, host.time.end - base) == (tm.start, tm.end) for tm in run)
                    and not all(edtf_compatible(host.date_edtf, tm.edtf) for tm in run if host.date_edtf)):
                continue
            set_time(host, run[0], base, "series")
            host.status = status_of(host.date_edtf, published, None if host.status == "occurred" else host.status)
            for tm in run[1:]:
                trig = Trigger(base + tm.start, base + tm.start, "", host.type, host.confidence)
                clone = Candidate(type=host.type, trigger=trig, sentence=host.sentence, paragraph=host.paragraph,
                                  quote=(base + tm.start, max(base + tm.end, host.quote[1])), confidence=round(host.confidence * 0.9, 2),
                                  type_rule=host.type_rule)
                set_time(clone, tm, base, "series")
                clone.actors, clone.place, clone.head, clone.past = list(host.actors), host.place, host.head, host.past
                clone.roles = dict(host.roles)
                clone.status = status_of(clone.date_edtf, published, None if host.status == "occurred" else host.status)
                out.append(clone)
        out.sort(key=lambda c: c.trigger.start)
        return out

    def mentions(self, text: str, published: date | None = None) -> list[ActorMention]:
        """The actor mentions of the whole text (kept for the last text asked about; without
        `published`, those of the last extraction of that text)."""
        cached = getattr(self, "_cache", (None, None, None))
        if cached[0] is not text or (published is not None and cached[1] != published):
            self._cache = (text, published, self.finder.find(text, published))
        return self._cache[2]
