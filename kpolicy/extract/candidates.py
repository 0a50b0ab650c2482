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

from kpolicy.dates import parse_edtf
from kpolicy.extract.actors import ActorFinder, ActorMention
from kpolicy.extract.coreference import _SYNONYM, _compatible, _head, _is_definite
from kpolicy.extract.lexicon import MISSILE_NOUN as _MISSILE_NOUN
from kpolicy.extract.lexicon import MONTH_LOOSE
from kpolicy.extract.sentences import paragraph_index, sentence_spans
from kpolicy.extract.titles import _trim
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER
from kpolicy.extract.triggers import Trigger, find_triggers

# How many earlier candidates a back reference ('the plenum', 'three days after ...') looks at:
# a bound keeps a long article's extraction linear (coreference looks back 80 events).
LOOKBACK = 200

_CHUNK_BOUNDARY = re.compile(
    r"[,;:\u2014]|\s--\s|\s-\s|\b(?:since|after|before|following|despite|while|when|where|which|who|whose|whereas|although|though|because|during|but|ahead\s+of|that|especially|including|calling|warning|adding|saying)\b",
    re.I,
)
_DATELINE = re.compile(
    r"[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*(?:,\s*[A-Z][A-Za-z .]+)?"
    r"(?:,\s+[A-Z][a-z]{2,9}\.?\s+\d{1,2}\s*(?:\([^)]{1,40}\))?|\s*\([^)]{1,40}\))\s*(?:--|\u2014|\u2013|-|:)\s*"
)
_NARRATIVE_LATER = re.compile(
    r"\b(?:afterwards?|thereafter|at\s+the\s+time|at\s+that\s+time|on\s+that\s+occasion|(?:on\s+)?the\s+same\s+day|that\s+same\s+day|"
    r"during\s+the\s+(?:visit|meeting|session|plenum|summit|talks|congress|trip))\b",
    re.I,
)
_NARRATIVE_CUE = re.compile(
    r"^\W*(?:That|This|It)\s+(?:was|is)\s+(?:also\s+)?(?:when|where|the\s+(?:time|day|moment|occasion))\b|^\W*(?:At|By)\s+(?:that|the)\s+(?:time|meeting|session|point)\b|^\W*(?:Then|There|On\s+the\s+same\s+day|On\s+that\s+day|That\s+(?:same\s+)?(?:day|month|year|week)|During\s+(?:that|the)\s+(?:meeting|session|plenum|summit|visit|talks))\b",
    re.I,
)
_SPECULATION = re.compile(
    r"\b(?:(?-i:may|might|could)|likely|unlikely|probably|possibly|perhaps|cannot\s+be\s+(?:excluded|ruled\s+out)|can't\s+be\s+ruled\s+out|is\s+possible|are\s+possible)\b", re.I
)
_SCHEDULED = re.compile(r"\b(?:will|would|shall|expected\s+to|scheduled|planned|planning|plans?\s+to|set\s+to|due\s+to|to\s+be\s+held|upcoming|forthcoming|next)\b", re.I)
_FUTURE_CLAUSE = re.compile(r"\b(?:will|would|shall|plans?\s+to|planned\s+to|scheduled\s+to|set\s+to|expected\s+to|due\s+to|is\s+to|are\s+to|(?-i:may|might|could)(?!\s+have))\b", re.I)
_MONTH_MAY = re.compile(r"(?<=.)\bMay\b|^\W*May(?=\s+\d)", re.S)
_REFERENCE_POINT = re.compile(r"\b(?:since|until|till|before)\s+$", re.I)
# 'their largest exercise in five years', 'his first visit in 24 years': a span of comparison, not a date
_SUPERLATIVE_SPAN = re.compile(r"(?i)^in\s+(?:more\s+than\s+|over\s+|nearly\s+|almost\s+)?\S+\s+(?:years?|months?|decades?)$")
_SUPERLATIVE = re.compile(r"(?i)\b(?:first|largest|biggest|highest|lowest|longest|shortest|most|least|strongest|worst|best|only)\b|\b\w{3,}est\b")
# a chronology entry: 'Jan. 7-10: Kim travels to Beijing' (historical present)
_MONTHS_ = MONTH_LOOSE
_ENTRY_DATE = re.compile(rf"\W*(?:{_MONTHS_}\s+\d{{1,2}}(?:\s*[-\u2013]\s*(?:{_MONTHS_}\s+)?\d{{1,2}})?(?:,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTHS_}(?:\s+\d{{4}})?|{_MONTHS_}\s+\d{{4}}|\d{{4}}(?:\s*[-\u2013]\s*\d{{2,4}})?)\W{{0,3}}(?::|\s[-\u2013\u2014])\s")
_INCLUDING = re.compile(r"\b(?:including|such\s+as|among\s+them)\s", re.I)
_DATED_WEAPON = re.compile(r"\b(?:an?|the|its|one|two|three|several|\d+)\s+(?:[\w-]+\s+){0,3}?(?P<w>" + _MISSILE_NOUN + r")\s+(?=(?:on|in|last|early|late)\s)", re.I)
_ENTRY_WEAPON = re.compile(r"\s*(?:(?:an?|one|two|three|four|five|six|several|more|another|\d+)\s+)*(?P<w>" + _MISSILE_NOUN + r")\b", re.I)
_ENTRY_FUTURE = re.compile(r"(?i)\b(?:will|shall|to\s+be\s+held|scheduled|expected|planned|plans?\s+to|due\s+to|is\s+to|are\s+to)\b")
# 'The vote came a day after North Korea fired...': a date counted from the event the subject names
_CAME_AFTER = re.compile(
    r"^\W*(?:The|This|That|Its|Their|His|Her)\s+(?:[\w-]+\s+){0,2}?(?:came|happened|occurred|took\s+place|was\s+held|was\s+conducted|was\s+staged)"
    r"\s+(?:just\s+|only\s+|about\s+|some\s+)?(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?P<unit>days?|weeks?)\s+(?P<dir>after|before)\s+", re.I)
_UNITS_AFTER = re.compile(
    r"\b(?:about|some|nearly|almost|roughly|just|only|barely|more\s+than)?\s*(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+"
    r"(?P<unit>days?|weeks?|months?|years?)\s+(?P<dir>after|before)\s", re.I)
_SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
_PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")
_VENUE = re.compile(r"\b(?:in|at|near|outside)\s+$", re.I)  # 'met in Singapore': a venue, not a party
_ENUM_CLAUSE = re.compile(r"[^;:]+")
_TEST_FAMILY = {"missile_test", "nuclear_test", "weapon_test"}
_MEETING_TYPES = {"plenum", "summit", "talks"}


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
        self.bounds = _chunks(self.sentence)
        self.phrase = _phrase_ids(self.sentence, self.bounds)


def _temporal():
    from kpolicy.extract import temporal

    return temporal


def _chunks(sentence: str) -> list[int]:
    """Start offsets of the sentence's chunks (clauses and phrases between boundary words)."""
    return [0] + [m.start() for m in _CHUNK_BOUNDARY.finditer(sentence)] + [len(sentence)]


def _chunk_of(bounds: list[int], pos: int) -> int:
    k = 0
    while k + 1 < len(bounds) and bounds[k + 1] <= pos:
        k += 1
    return k


def _phrase_ids(sentence: str, bounds: list[int]) -> list[int]:
    """Chunk -> phrase id: a relative clause ('..., which was held from January 5 to 7') and a
    bare comma belong to the phrase before them."""
    ids, current = [], 0
    for k in range(len(bounds) - 1):
        piece = sentence[bounds[k]:bounds[k + 1]]
        if k and (re.match(r"[,\s]*(?:which|who|whose|where|that)\b", piece, re.I) or not re.search(r"\w", piece)):
            ids.append(current)
        else:
            current = k
            ids.append(current)
    return ids or [0]


_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
# a chronology entry's date and its separator: 'May 4: ...', 'March 25-28 -- ...', '1998: ...', 'Jan. 7-10 -- ...'
_CHRON_ENTRY = re.compile(
    rf"\W*(?P<d>{MONTH_LOOSE}\s+\d{{1,2}}(?:\s*[-\u2013]\s*(?:{MONTH_LOOSE}\s+)?\d{{1,2}})?(?:,\s*\d{{4}})?|\d{{1,2}}\s+{MONTH_LOOSE}(?:\s+\d{{4}})?"
    rf"|{MONTH_LOOSE},?\s+\d{{4}}|\d{{4}}(?:\s*[-\u2013]\s*\d{{2,4}})?)\s*(?::|--|[-\u2013\u2014])\s")


def _heading_date(line: str, published: date, temporal):
    """The date a line of its own states, when that is all it states ('April 25, 2019', 'July, 2000',
    'Oct. 14, 2006 – Dec. 22, 2017', '2018'); None for any other heading."""
    body = line.strip().rstrip(":.")
    if len(body) > 40 or not _YEAR.search(body):
        return None
    times = [t for t in temporal.find_time_expressions(body, published, tense="past") if _usable(t)]
    if len(times) == 1 and times[0].kind == "absolute" and not re.sub(r"[\W_]+", "", body[:times[0].start] + body[times[0].end:]):
        return times[0]
    return None


def _is_heading(text: str, start: int, end: int) -> bool:
    """A line of its own without closing punctuation (headline, byline, photo credit)."""
    s = text[start:end]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    own_line = text[line_start:start].strip() == "" and text[end:line_end].strip() == ""
    if _LIST_ITEM.match(text, line_start):  # a list or chronology entry states events even without a full stop
        return False
    return own_line and not re.search(r"[.!?\"'\u201d\u2019)]\s*$", s) and len(s) < 160


_MONTHS = MONTH_LOOSE
_LIST_ITEM = re.compile(
    rf"[ \t]*(?:[-*\u2022\u2013]\s+|\d{{1,2}}[.)]\s+|(?:{_MONTHS}\s+\d{{1,2}}(?:,\s*\d{{4}})?|\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?|\d{{4}})\s*(?::|\u2013|\u2014|-)\s)"
)


def _status(edtf: str | None, published: date, sentence_mod: str | None) -> str:
    if edtf:
        rng = parse_edtf(edtf)
        if rng.upper is not None and rng.upper <= published:
            return "occurred"
        if rng.lower is not None and rng.lower > published:
            return "forecast" if sentence_mod == "forecast" else "expected"
    if sentence_mod == "forecast":
        return "forecast"
    if sentence_mod == "expected":
        return "expected"
    return "occurred"


def _local_modality(text: str) -> str | None:
    if _SPECULATION.search(text):
        return "forecast"
    if _SCHEDULED.search(text):
        return "expected"
    return None


class CandidateFinder:
    """Finds the candidate events of a text, sentence by sentence (`candidates`)."""

    def __init__(self, finder: ActorFinder) -> None:
        self.finder = finder
        self.gazetteer = self.finder.gazetteer
        places = {}
        for p in self.gazetteer.places.values():
            for n in [p.name, *p.aliases]:
                places[n] = p.name
        self.places = places
        body = "|".join(re.escape(n) for n in sorted(places, key=len, reverse=True))
        self.place_re = re.compile(rf"\b(?:in|at|to|from|near|of)\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?({body})\b")

    # ---- stage 3: candidates per sentence ------------------------------------------------
    def candidates(self, text: str, published: date) -> list[Candidate]:
        temporal = _temporal()
        spans = sentence_spans(text)
        paras = paragraph_index(text, spans)
        mentions = self._mentions(text)
        starts = [a.start for a in mentions]
        out: list[Candidate] = []
        narrative: str | None = None
        last_para = -1
        self._subject = None
        heading = None  # a date on a line of its own ('April 25, 2019', '2018'): the date of what follows
        chron_year: str | None = None  # the year a chronology has reached ('January 1, 2017: ...' then 'August 9: ...')
        for idx, ((s0, s1), para) in enumerate(zip(spans, paras)):
            if para != last_para:
                narrative, last_para = None, para
            if _is_heading(text, s0, s1):
                heading = _heading_date(text[s0:s1], published, temporal)
                if heading is not None:
                    chron_year = _YEAR.findall(heading.text)[-1]
                continue
            m = _DATELINE.match(text, s0, s1) if s0 == 0 or text[s0 - 1] == "\n" else None
            body0 = m.end() if m else s0
            sentence = text[body0:s1]
            context = text[max(0, body0 - 1500):s1 + 200]
            triggers = find_triggers(sentence, context)
            inc = _INCLUDING.search(sentence) if any(t.type in _TEST_FAMILY for t in triggers) else None
            if inc:  # 'a series of tests, including a new hypersonic missile on Sept. 28 and a new anti-aircraft missile on Thursday'
                for w in _DATED_WEAPON.finditer(sentence, inc.end()):
                    if not any(t.start < w.end("w") and w.start("w") < t.end for t in triggers):
                        triggers = sorted(triggers + [Trigger(w.start("w"), w.end("w"), w.group("w"), "missile_test", 0.6, "including-dated-weapon")], key=lambda t: t.start)
            entry = _ENTRY_DATE.match(sentence)
            if entry and not any(t.type in _TEST_FAMILY for t in triggers):
                # a verbless chronology entry: 'Sept. 25: one SRBM from Taechon', 'Oct. 4: IRBM over Japan'
                w = _ENTRY_WEAPON.match(sentence, entry.end())
                if w:
                    triggers = sorted(triggers + [Trigger(w.start("w"), w.end("w"), w.group("w"), "missile_test", 0.6, "entry-weapon")], key=lambda t: t.start)
            masked = _MONTH_MAY.sub("Mxy", sentence)  # the month May is no modal verb
            tense = temporal.sentence_tense(masked)
            mod = temporal.modality(masked) or _local_modality(sentence)
            chron = _CHRON_ENTRY.match(sentence)
            if (chron or (heading is not None and heading.direction != "future")) and not _ENTRY_FUTURE.search(sentence):
                tense, mod = "past", None  # a chronology entry's present is historical
            entry_year = None
            if chron:
                years = _YEAR.findall(chron.group("d"))
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
                "future" if future else "past"), narrative=entry_year or (None if future else narrative)) if _usable(t)]
            times = [t for t in times if not (_SUPERLATIVE_SPAN.match(t.text) and _SUPERLATIVE.search(
                re.split(r"[,;:]", sentence[max(0, t.start - 60):t.start])[-1]))]
            times = self._reanchor(sentence, published, tense, mod, times, temporal)
            times = self._narrative_in_future(tsentence, published, future, narrative, times, temporal)
            times = self._future_in_clause(sentence, published, tense, narrative, times, temporal)
            actors = mentions[bisect.bisect_left(starts, body0):bisect.bisect_left(starts, s1)]
            if not _PRONOUN.match(sentence.lstrip()):
                self._track_subject(actors, body0)
            setting = [t for t in times if not _REFERENCE_POINT.search(sentence[max(0, t.start - 12):t.start])]
            if not triggers:
                if setting:
                    narrative = setting[-1].edtf
                continue
            sc = SentenceContext(text, body0, s1, sentence, idx, para, triggers, times, actors, narrative, published, mod, out, tense)
            cands = self._sentence_candidates(sc)
            self._counted_from_subject(sentence, body0, cands, out, published)
            self._counted_in_sentence(sentence, body0, cands)
            if heading is not None:  # 'Feb. 24, 2022' / 'Russia invades Ukraine.': the heading dates the entry
                for c in cands:
                    if c.date_edtf is None or c.narrative_date:
                        c.date_edtf, c.date_text, c.date_anchor = heading.edtf, heading.text, heading.anchor
                        c.narrative_date, c.free_time, c.date_rule = False, False, f"heading-date/{heading.rule}"
                        c.status = _status(c.date_edtf, published, None)
            if _ENTRY_DATE.match(sentence):
                for c in cands:
                    c.entry = True
            out.extend(cands)
            dated = [c.date_edtf for c in cands if c.date_edtf and not c.narrative_date]
            if dated or setting:  # 'since 2019' is a reference point, not the time the story has reached
                narrative = dated[-1] if dated else setting[-1].edtf
        return out

    def _counted_from_subject(self, sentence, base, cands, earlier, published) -> None:
        """'The launch came three days after South Korea and the United States began Freedom Shield':
        the event after 'after' is dated from the last exactly dated event before this sentence."""
        m = _CAME_AFTER.match(sentence)
        if not m:
            return
        ref = next((e for e in reversed(earlier[-LOOKBACK:]) if e.date_edtf and re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.date_edtf)), None)
        if ref is None:
            return
        from datetime import timedelta

        n = _SMALL.get(m.group("n").lower()) or int(m.group("n"))
        days = n * (7 if m.group("unit").lower().startswith("week") else 1)
        d = date.fromisoformat(ref.date_edtf) + timedelta(days=-days if m.group("dir").lower() == "after" else days)
        for c in cands:
            if c.trigger.start - base >= m.end() and c.time is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.date_edtf or "") \
                    and re.search(r"(?i)\b(?:through|until|till|to)\s+$", sentence[max(0, c.time.start - base - 10):c.time.start - base]) \
                    and d.isoformat() < c.date_edtf:
                # '... began Freedom Shield, ..., which is set to run through March 23': from the counted day to the end
                c.date_edtf, c.date_text = f"{d.isoformat()}/{c.date_edtf}", m.group().strip() + " ... " + c.date_text
                c.date_rule = "came-after-through"
                c.date_anchor = ref.date_edtf
                if d <= published:
                    c.status = "occurred"
                break
            if c.trigger.start - base >= m.end() and (c.date_edtf is None or c.free_time):
                c.date_edtf, c.date_text, c.date_anchor = d.isoformat(), m.group().strip(), ref.date_edtf
                c.date_rule = "came-after"
                c.narrative_date, c.free_time = False, False
                if d <= published:
                    c.status = "occurred"
                break

    def _narrative_in_future(self, sentence, published, future, narrative, times, temporal):
        """In a sentence read as future ('..., which is expected to last several days'), 'A month later'
        still counts from the narrative, and a date right after a past verb ('which opened on Monday')
        still points back."""
        if not future or not times:
            return times
        again = None
        out = []
        for t in times:
            rel = narrative and re.search(r"(?i)\b(?:later|earlier|following|previous|preceding|that\s+(?:day|week|month|year)|same\s+(?:day|week|month))\b", t.text)
            past_verb = re.search(r"(?i)\b(?:opened|began|started|ended|closed|convened|met|held|took\s+place|was\s+held|were\s+held|was\s+launched|arrived)\s+(?:\w+\s+)?$",
                                  sentence[max(0, t.start - 30):t.start])
            if t.kind == "absolute" or not (rel or past_verb):
                out.append(t)
                continue
            if again is None:
                again = temporal.find_time_expressions(sentence, published, tense="past", narrative=narrative)
            match = next((x for x in again if (x.start, x.end) == (t.start, t.end) and _usable(x)), None)
            out.append(match if match is not None else t)
        return out

    def _counted_in_sentence(self, sentence, base, cands) -> None:
        """'restored the lines on Monday, about two months after it cut them off': the event after
        'N units after' is dated N units before the sentence's exactly dated event."""
        for m in _UNITS_AFTER.finditer(sentence):
            if m.start() == 0 or _CAME_AFTER.match(sentence):
                continue
            ref = next((c for c in reversed(cands) if c.trigger.start - base < m.start() and c.date_edtf
                        and re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.date_edtf)), None)
            target = next((c for c in cands if c.trigger.start - base >= m.end()), None)
            if ref is None or target is None or (target.date_edtf and not target.free_time):
                continue
            n = _SMALL.get(m.group("n").lower()) or int(m.group("n"))
            unit = m.group("unit").lower()
            sign = -1 if m.group("dir").lower() == "after" else 1
            d = date.fromisoformat(ref.date_edtf)
            if unit.startswith("month"):
                from kpolicy.dates import shift_months

                d2 = shift_months(d, sign * n)
                edtf = f"{d2.year:04d}-{d2.month:02d}"
            elif unit.startswith("year"):
                edtf = f"{d.year + sign * n:04d}"
            else:
                from datetime import timedelta

                edtf = (d + timedelta(days=sign * n * (7 if unit.startswith("week") else 1))).isoformat()
            target.date_edtf, target.date_text, target.date_anchor = edtf, m.group().strip(), ref.date_edtf
            target.date_rule = "units-after"
            target.narrative_date, target.free_time = False, False
            if ref.status == "occurred" and sign < 0:
                target.status = "occurred"

    def _future_in_clause(self, sentence, published, tense, narrative, times, temporal):
        """A date in a future clause of a past sentence ('said on Tuesday it would launch ... in June')
        resolves forward."""
        if tense == "future" or not times:
            return times
        out = []
        for t in times:
            marks = list(_FUTURE_CLAUSE.finditer(sentence, max(0, t.start - 80), t.start))
            if not marks or "," in sentence[marks[-1].end():t.start] or t.kind == "absolute":
                out.append(t)
                continue
            cut = marks[-1].start()  # resolve within the future clause only, so 'said' does not pull it back
            again = temporal.find_time_expressions(sentence[cut:], published, tense="future", narrative=narrative)
            match = next((x for x in again if (x.start + cut, x.end + cut) == (t.start, t.end) and _usable(x)), None)
            out.append(_shift(match, cut) if match is not None else t)
        return out

    def _reanchor(self, sentence, published, tense, mod, times, temporal):
        """Relative phrases ('the previous year') anchor to an absolute date the same sentence gives."""
        absolute = [t for t in times if t.kind == "absolute" and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", t.edtf or "")]
        relative = [t for t in times if t.kind == "relative" and re.search(r"\b(?:previous|following|preceding|next|that|earlier|later)\b", t.text, re.I)]
        if absolute and relative:
            again = temporal.find_time_expressions(sentence, published, tense=tense, narrative=absolute[0].edtf)
            by_span = {(t.start, t.end): t for t in again if _usable(t)}
            return [by_span.get((t.start, t.end), t) if t in relative else t for t in times]
        # 'in August ... the same month': a same/that/following phrase counts from the date just before it
        out = list(times)
        for i, t in enumerate(times):
            if i and re.search(r"\b(?:same|that|following|next|previous)\s+(?:day|week|month|year)\b", t.text, re.I):
                anchor = times[i - 1]
                again = temporal.find_time_expressions(sentence, published, tense=tense, narrative=anchor.edtf)
                match = next((x for x in again if (x.start, x.end) == (t.start, t.end) and _usable(x)), None)
                if match is not None:
                    out[i] = match
        return out

    def _referent(self, t: Trigger, sentence: str, earlier: list[Candidate]) -> str | None:
        """The date of the earlier event a definite mention ('the five-day plenum') refers back to."""
        if _VERB_TRIGGER.match(t.text) or not _is_definite(sentence, t.start):
            return None  # only a noun phrase ('the plenum') refers back; a verb ('to meet') states its own event
        head = _head(t, sentence)
        for e in reversed(earlier[-LOOKBACK:]):  # recent events only, as in coreference: linear in the article
            if e.type == t.type and e.date_edtf and _SYNONYM.get(e.head, e.head) == _SYNONYM.get(head, head):
                return e.date_edtf
        return None

    def _sentence_candidates(self, sc: SentenceContext) -> list[Candidate]:
        """The candidates of one sentence: times to triggers, candidates, list items, one event per
        phrase, actors, place, quote and status, then series of dates split."""
        assigned, free = self._assign_times(sc)
        cands = self._new_candidates(sc, assigned, free)
        self._list_items(sc, cands)
        kept = self._one_per_event(sc, cands)
        self._declared_policy(sc, kept)
        self._fill(sc, kept)
        return self._split_series(kept, sc.times, sc.sentence, sc.base, sc.published)

    def _assign_times(self, sc: SentenceContext) -> tuple[dict[int, object], list]:
        """Each trigger's time expression (the nearest of its own phrase, then the shapes below);
        `free` are the scene-setting times of phrases without a trigger."""
        sentence, triggers, times, published, bounds, phrase = sc.sentence, sc.triggers, sc.times, sc.published, sc.bounds, sc.phrase
        earlier = sc.earlier
        chunk_t = [phrase[min(_chunk_of(bounds, t.start), len(phrase) - 1)] for t in triggers]
        referents = [self._referent(t, sentence, earlier) for t in triggers]
        assigned: dict[int, object] = {}
        free = []
        pairs = []
        for ti, tm in enumerate(times):
            c = phrase[min(_chunk_of(bounds, tm.start), len(phrase) - 1)]
            near = False
            for k, t in enumerate(triggers):
                if chunk_t[k] != c:
                    continue
                near = True
                if t.start <= tm.start and tm.end <= t.end:
                    continue  # part of the trigger's name: 'suspended the September 19 military agreement'
                if t.end <= tm.start:
                    d = tm.start - t.end
                elif re.fullmatch(r"(?:\s+[\w'-]+){0,3}\s*", sentence[tm.end:t.start]) and not re.search(
                        r"\b(?:the|a|an|in|on|at|of|to|and|for|it|he|she|they|we|its|his|her|their|will|would|shall|can|could|may|might"
                        r"|has|have|had|was|were|is|are|be|been|did|does|do|not|also)\b", sentence[tm.end:t.start], re.I):
                    d = 0  # the date modifies the trigger: 'the April legislative elections'
                else:
                    d = (t.start - tm.end) * 2 + 8  # a date usually follows what it dates
                attached = d == 0 or (t.end <= tm.start and re.fullmatch(
                    r"\s*(?:[\w'\u2019-]+\s+){0,3}?(?:(?:of|in|on|held|from|during|at|since)\s+)?", sentence[t.end:tm.start], re.I))
                if t.type == "statement" and t.end <= tm.start and _VERB_TRIGGER.match(t.text) and re.search(
                        r"(?i)\bthat\b|\b(?:had|has|have|was|were|is|are|would|will|could|may|might|did)\b", sentence[t.end:tm.start]):
                    continue  # 'said ... that he would restore the lines in early October': the complement's date
                if referents[k] is not None and not attached and not _compatible(referents[k], tm.edtf):
                    continue  # a reference back to a known event does not take another date
                pairs.append((d, ti, k))
            if not near and not re.match(r"\s*(?:since|after|before|following|until|till|ahead\s+of)\b",
                                         sentence[bounds[_chunk_of(bounds, tm.start)]:tm.start], re.I):
                free.append(tm)  # a scene-setting date ('In the last six months, ...'), not a 'since X' reference point
        used: set[int] = set()
        for d, ti, k in sorted(pairs):
            if ti in used or k in assigned:
                continue
            assigned[k] = times[ti]
            sc.how[k] = "own-phrase"
            used.add(ti)
        # 'the first since November 2017, when the North tested the Hwasong-15': the when-clause's date
        for k, t in enumerate(triggers):
            if k in assigned:
                continue
            for tm in times:
                if tm.end <= t.start and re.fullmatch(r",?\s+when\s+(?:[\w'\u2019.-]+\s+){0,5}", sentence[tm.end:t.start], re.I):
                    assigned[k] = tm
                    sc.how[k] = "when-clause"
                    break
        # 'could conduct a nuclear test before the end of the year': from publication to that end
        for k, t in enumerate(triggers):
            if k in assigned or t.type in ("deadline", "statement"):
                continue
            for tm in times:
                if tm.start > t.end and re.fullmatch(r"(?:\s+[\w'-]+){0,4}\s+(?:before|by)\s+", sentence[t.end:tm.start]) \
                        and re.match(r"(?i)the\s+end\s+of\b", tm.text) and tm.direction == "future" and re.fullmatch(r"\d{4}-\d{2}", tm.edtf or ""):
                    from dataclasses import replace as _replace

                    lower = f"{published.year:04d}-{published.month:02d}"
                    assigned[k] = _replace(tm, edtf=tm.edtf if lower >= tm.edtf else f"{lower}/{tm.edtf}")
                    sc.how[k] = "before-end-of"
                    break
        # triggers at an event: 'unveiled at his 8th Party Congress in January 2021'
        for k, t in enumerate(triggers):
            if k in assigned:
                continue
            rest = sentence[t.end:t.end + 70]
            mm = re.match(r"(?:\s+[\w'-]+){0,6}?\s+(?:at|during|on\s+the\s+sidelines\s+of|in)\s+(?:the|his|her|its|their|a|an)\s+", rest)
            if mm and not (t.type == "statement" and _FUTURE_CLAUSE.search(rest[:mm.end()])):  # 'said he will visit ... in the autumn'
                for j in range(k + 1, len(triggers)):
                    t2 = triggers[j]
                    if t2.type in _MEETING_TYPES and t2.start - t.end < 70 and j in assigned:
                        assigned[k] = assigned[j]
                        sc.how[k] = "at-event"
                        break
        # 'At the plenum, which opened on June 15, Kim said...': what happens at an event takes its date
        opener = re.match(r"\W*(?:At|During|On\s+the\s+sidelines\s+of)\s+(?:the|this|that|its|his|a|an)\s+", sentence)
        if opener:
            host = next((j for j, t in enumerate(triggers) if t.type in _MEETING_TYPES and t.start < opener.end() + 40 and j in assigned), None)
            if host is not None:
                for k in range(host + 1, len(triggers)):
                    if k not in assigned:
                        assigned[k] = assigned[host]
                        sc.how[k] = "at-event"
        return assigned, free

    def _new_candidates(self, sc: SentenceContext, assigned: dict[int, object], free: list) -> list[Candidate]:
        """One candidate per trigger, dated by its time, a usable free time or the narrative."""
        sentence, triggers, base, idx, para, tense, narrative = sc.sentence, sc.triggers, sc.base, sc.index, sc.paragraph, sc.tense, sc.narrative
        cands: list[Candidate] = []
        cue = bool(_NARRATIVE_CUE.match(sentence) or _NARRATIVE_LATER.search(sentence))
        for k, t in enumerate(triggers):
            tm = assigned.get(k)
            future_clause = bool(_FUTURE_CLAUSE.search(sentence[max(0, t.start - 50):t.start].split(",")[-1]))
            usable_free = [f for f in free if (t.type != "statement" or f.end <= t.start)
                           and not (future_clause and f.direction == "past")]  # 'Last month, ... announced they would scale back drills'
            if tm is None and usable_free:  # 'said' takes only a date set before it ('On Monday, the ministry said')
                tm = min(usable_free, key=lambda f: abs(f.start - t.start))
            if tm is None and k and re.search(r"(?i)\b(?:by|in|that|later\s+that|the\s+same)\s+(?:the\s+)?(?:morning|afternoon|evening|night|day)\b|\bhours\s+later\b",
                                              sentence[triggers[k - 1].end:t.start]):
                prev = [assigned.get(j) for j in range(k) if assigned.get(j) is not None]  # 'arrived on Wednesday ..., and by the afternoon ... had signed'
                if prev and re.fullmatch(r"\d{4}-\d{2}-\d{2}", prev[-1].edtf or ""):
                    tm = prev[-1]
            cand = Candidate(
                type=t.type,
                trigger=Trigger(base + t.start, base + t.end, t.text, t.type, t.confidence),
                sentence=idx,
                paragraph=para,
                quote=(0, 0),
                confidence=t.confidence,
                type_rule=t.rule,
            )
            cand.definite = not _VERB_TRIGGER.match(t.text) and _is_definite(sentence, t.start)
            cand.head = _head(t, sentence)
            cand.past = tense == "past"
            habitual = bool(re.search(r"\b(?:usually|typically|normally|often|routinely|annually|every\s+year|each\s+year|regularly)\b", sentence, re.I))
            cand.generic = habitual or bool(re.fullmatch(r"(?i)(?:plenums|summits|sessions|meetings|congresses|elections)", t.text)) and bool(
                re.search(r"\b(?:these|those|such|many|several|all)\s+(?:\w+\s+)?$", sentence[max(0, t.start - 30):t.start], re.I))
            if tm is not None:
                how = sc.how.get(k) if k in assigned and tm is assigned[k] else ("sentence-time" if tm in usable_free else "same-day-later")
                self._set_time(cand, tm, base, how)
                cand.free_time = k not in assigned
            elif cue and narrative:
                cand.date_edtf, cand.date_anchor, cand.narrative_date = narrative, narrative, True
                cand.date_rule = "narrative-cue"
            cands.append(cand)
        return cands

    def _list_items(self, sc: SentenceContext, cands: list[Candidate]) -> None:
        """Items of a ';'-list with their own dates and no trigger take the list's type."""
        sentence, triggers, times, base, idx, para = sc.sentence, sc.triggers, sc.times, sc.base, sc.index, sc.paragraph
        # list items with a date of their own and no trigger take the list's type
        clauses = [(m.start(), m.end()) for m in _ENUM_CLAUSE.finditer(sentence)]
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
                    self._set_time(cand, item_times[0], base, "list-item")
                    cands.append(cand)

    def _one_per_event(self, sc: SentenceContext, cands: list[Candidate]) -> list[Candidate]:
        """Drop attributions and references; merge same-type triggers of one event."""
        text, base, s1, bounds, phrase = sc.text, sc.base, sc.end, sc.bounds, sc.phrase
        cands.sort(key=lambda c: c.trigger.start)
        # one statement per sentence and date: 'said in a statement', 'reported ... speech'
        def phrase_of(c: Candidate) -> int:
            return phrase[min(_chunk_of(bounds, c.trigger.start - base), len(phrase) - 1)]

        kept: list[Candidate] = []
        for c in cands:
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
                same = next((o for o in kept if o.type == c.type and (
                    (o.time is not None and c.time is not None and (o.time.start, o.time.end) == (c.time.start, c.time.end))
                    or (c.type not in _TEST_FAMILY and o.date_edtf and (c.date_edtf is None or _compatible(o.date_edtf, c.date_edtf))))), None)
                if same is not None:
                    continue
            if c.type not in _TEST_FAMILY:
                twin = next((o for o in kept if o.type == c.type and (
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
        """Actors, place, quote and status of each kept candidate."""
        text, base, s1, sentence, actors, published, mod, bounds = sc.text, sc.base, sc.end, sc.sentence, sc.actors, sc.published, sc.mod, sc.bounds
        # actors, place, quote, status
        quoted = [(base + m.start(), base + m.end()) for m in _QUOTED.finditer(sentence)]
        for k, c in enumerate(kept):
            lo = kept[k - 1].trigger.end if k else base
            hi = kept[k + 1].trigger.start if k + 1 < len(kept) else s1
            c_bounds = [base + b for b in bounds]
            ck = _chunk_of(c_bounds, c.trigger.start)
            c_lo, c_hi = max(lo, c_bounds[ck]), min(hi, c_bounds[min(ck + 1, len(c_bounds) - 1)])
            if c.type in _MEETING_TYPES or c.type == "agreement":  # 'met in Singapore', 'a summit with Kim in Vietnam': a venue
                actors_c = [a for a in actors if not ((a.text in self.places or (a.start > c.trigger.end and self._kind(a.actor) == "state"))
                                                      and _VENUE.search(text, max(0, a.start - 8), a.start))]
            elif c.type == "statement":  # who speaks, not whom the quoted words name
                actors_c = [a for a in actors if not any(q0 < a.start < q1 for q0, q1 in quoted)]
            else:
                actors_c = actors
            if c.type in _MEETING_TYPES:  # 'on the sidelines of the UN General Assembly': a venue
                actors_c = [a for a in actors_c if not re.search(r"(?i)\bsidelines\s+of\s+(?:the\s+)?$", text[max(0, a.start - 25):a.start])]
            if c.type in _TEST_FAMILY:  # 'an IRBM over Japan', 'into the Sea of Japan': where it flew, not who tested
                actors_c = [a for a in actors_c if not (a.start > c.trigger.start and re.search(
                    r"(?i)\b(?:over|into|toward|towards|near|off|across|at)\s+(?:the\s+)?(?:northern\s+|southern\s+|western\s+|eastern\s+)?$", text[max(0, a.start - 25):a.start]))]
            own = [a for a in actors_c if c_lo <= a.start < c_hi]
            by = re.match(r"\s+(?:conducted\s+|carried\s+out\s+|staged\s+)?by\s+(?:the\s+)?", text[c.trigger.end:c.trigger.end + 30])
            if by and c.type in (_TEST_FAMILY | {"incident", "weapon_display"}):  # 'the April 5 rocket launch by North Korea': the tester
                agent = [a for a in actors_c if a.start == c.trigger.end + by.end()]
                if agent:
                    own = agent
            j = ck
            while j > 0 and c_bounds[j] - c_bounds[j - 1] < 40 and re.fullmatch(
                    r"(?:[\W\d]*|[^,;]*?\s[:\u2013\u2014-]\s+)(?:(?:the|The)\s+)?(?:[A-Z][\w.'\u2019-]*\s*)+", text[max(c_bounds[j - 1], base):c_bounds[j]]) \
                    and re.match(r",\s", text[c_bounds[j]:c_bounds[j] + 2]) and any(a.start < c.trigger.start for a in own):
                # 'The US, South Korea and Japan sanction ...': a subject list split at its commas
                own = [a for a in actors_c if c_bounds[j - 1] <= a.start < c_bounds[j]] + own
                j -= 1
            if c.type == "un_action":  # 'Resolution 2397 caps the North's imports': the target is no party
                own = [a for a in own if a.start < c.trigger.start or getattr(self.gazetteer.actors.get(a.actor), "kind", "") != "state"]
            if c.type in ("sanctions", "un_action") and not any(a.start < c.trigger.start for a in own):
                # 'Japan announced its own sanctions': the imposer is the clause's subject, before a reporting verb
                own = [a for a in actors_c if c_bounds[ck] <= a.start < c.trigger.start] + own
            if c.type in ("military_drill", "weapon_display") and not _VERB_TRIGGER.match(c.trigger.text):
                pre = [a for a in own if c.trigger.start <= a.start and a.end <= c.trigger.end] + [a for a in own if a.start < c.trigger.start and re.fullmatch(
                    r"(?:[\s,'\u2019.-]|\band\b|\b[A-Z][\w.'\u2019-]*|\b(?:joint|combined|annual|military|naval|air|allied|large-scale|major|new|night-time|s)\b)*", text[a.end:c.trigger.start])]
                if pre:  # 'Joint South Korea-US exercises ... will test the North's new line': the noun's own modifiers
                    own = pre
            rel = re.match(r"\W*(?:who|which|that)\b", text[c_bounds[ck]:c_bounds[ck] + 12])
            if rel and c.type == "incident" and ck:
                # 'a U.S. soldier who crossed into North Korea': the relative pronoun's antecedent takes part
                ante = [a for a in actors_c if c_bounds[ck] - 40 <= a.start < c_bounds[ck]]
                own = ante + [a for a in own if a not in ante]
            word0 = c.trigger.text.split()[0].lower() if c.trigger.text else ""  # 'closes its borders': the verb
            verb = word0.endswith(("ed", "es", "ing")) or word0 in ("said", "says", "told", "fired", "flew", "cut", "shut", "tore")
            if c.type == "policy_change" and verb and any(a.start < c.trigger.start for a in own):
                own = [a for a in own if a.start < c.trigger.start]  # 'North Korea restored inter-Korean lines': who decides
            if c.type == "statement" or (c.type in _TEST_FAMILY and verb):  # the subject before the verb, not 'over Japan
                before = [a for a in own if a.start < c.trigger.start]
                if c.type != "statement" and not before:  # 'was launched from ... in Pyongyang': the launch site's state
                    before = [a for a in own if _VENUE.search(text, max(0, a.start - 8), a.start)]
                if before or c.type != "statement" or any(a.start < c.trigger.start for a in actors_c):
                    own = before  # ('said Kim': a speaker after the verb only when none stands before it)
            clause_break = False
            if not own:  # the subject: actors before the trigger, nearest chunk first
                for j in range(ck, -1, -1):
                    own = [a for a in actors_c if max(c_bounds[j], base) <= a.start < min(c_bounds[j + 1], c.trigger.start) and a.start >= lo - 200]
                    clause_break = not own and bool(re.match(r"\s*[,;]\s*(?:and|but|while|whereas)\s", text[c_bounds[j]:c_bounds[j] + 12]))
                    if own or clause_break:
                        break  # not across ', and' into another clause ('Kim called the US an enemy, and a parade ... showed')
            pron = _PRONOUN.search(text, c_lo if c_lo > base else base, c.trigger.start)
            if pron and (not any(a.start < c.trigger.start for a in own)
                         or re.match(r"(?i)(?:he|she)\s+and\b", text[pron.start():pron.start() + 8])):  # 'He met Xi Jinping', 'he and Kim signed': the person last named
                person = self._subject
                if person is not None:
                    own = [person, *own]
            if not own and c.type == "statement":  # 'In a speech on Feb. 8, North Korean leader Kim Jong-un vowed...'
                after = [a for a in actors_c if a.start >= c.trigger.end]
                own = [a for a in after if a.start - after[0].start < 40] if after else []
            if not own and k and not clause_break:
                c.actors = list(kept[k - 1].actors)
            else:
                c.actors = _dedupe(a.actor for a in own)
            c.place = self._place(text[max(lo, base):hi])
            q0 = c_bounds[ck]
            q1 = c_bounds[min(ck + 1, len(c_bounds) - 1)]
            if c.time is not None and abs(_chunk_of(c_bounds, c.time.start) - ck) <= 1:
                q0, q1 = min(q0, c.time.start), max(q1, c.time.end)
                q1 = max(q1, c_bounds[min(_chunk_of(c_bounds, c.time.start) + 1, len(c_bounds) - 1)])
            c.quote = _trim(text, q0, q1, base, s1)
            local = sentence[max(0, c.trigger.start - base - 60):c.trigger.end - base + 20]
            ref_pt = list(re.finditer(r"(?i)\b(?:after|before|until|ahead\s+of|following)\s", local[:c.trigger.start - base - max(0, c.trigger.start - base - 60)]))
            if ref_pt:  # 'could follow up ... after China's party congress, which opens on Oct. 16': the reference event's own mood
                local = local[ref_pt[-1].end():]
            c.status = _status(c.date_edtf, published, _local_modality(local) or (mod if not c.date_edtf else None))
            if c.type != "statement" and c.date_edtf == published.isoformat() and re.search(
                    r"(?i)\b(?:scheduled|set|due|expected|planning|plans?)\s+to\s+(?:[\w-]+\s+){0,3}$", text[max(base, c.trigger.start - 50):c.trigger.start]):
                c.status = "expected"  # 'are scheduled to hold talks ... on Thursday afternoon' (published that Thursday)

    def _split_series(self, kept, times, sentence, base, published):
        """A plural or counted trigger followed by a series of dates is one event per date:
        'three plenums during 2020 (April, August and December)', 'the two attempts, in late May and in
        August'."""
        runs, run = [], []
        for tm in times:
            if run and re.fullmatch(r"\s*(?:,|,?\s*(?:and|or))\s*(?:(?:in|on)\s+)?", sentence[run[-1].end:tm.start], re.I):
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
                if plural and not re.search(r"[.;]", sentence[c.trigger.end - base:run[0].start]):
                    host = c
            if host is None or (host.time is not None and not any(
                    (host.time.start - base, host.time.end - base) == (tm.start, tm.end) for tm in run)
                    and not all(_compatible(host.date_edtf, tm.edtf) for tm in run if host.date_edtf)):
                continue
            self._set_time(host, run[0], base, "series")
            host.status = _status(host.date_edtf, published, None if host.status == "occurred" else host.status)
            for tm in run[1:]:
                trig = Trigger(base + tm.start, base + tm.start, "", host.type, host.confidence)
                clone = Candidate(type=host.type, trigger=trig, sentence=host.sentence, paragraph=host.paragraph,
                                  quote=(base + tm.start, max(base + tm.end, host.quote[1])), confidence=round(host.confidence * 0.9, 2),
                                  type_rule=host.type_rule)
                self._set_time(clone, tm, base, "series")
                clone.actors, clone.place, clone.head, clone.past = list(host.actors), host.place, host.head, host.past
                clone.status = _status(clone.date_edtf, published, None if host.status == "occurred" else host.status)
                out.append(clone)
        out.sort(key=lambda c: c.trigger.start)
        return out

    def _track_subject(self, sentence_actors, body0: int) -> None:
        """The person a sentence opens with is who a later 'he' or 'she' refers to."""
        people = [a for a in sentence_actors if a.start - body0 < 40 and getattr(self.gazetteer.actors.get(a.actor), "kind", None) == "person"]
        first = people[0] if people else None  # 'Russian President Vladimir Putin arrived...': Putin
        if first is not None:
            entry = self.gazetteer.actors.get(first.actor)
            if entry is not None and entry.kind == "person":
                self._subject = first

    def _kind(self, actor: str) -> str | None:
        return getattr(self.gazetteer.actors.get(actor), "kind", None)

    def _set_time(self, cand: Candidate, tm, base: int, how: str) -> None:
        cand.date_rule = f"{how}/{tm.rule}" if tm.rule else how
        cand.time = _shift(tm, base)
        cand.date_edtf = tm.edtf
        cand.date_text = tm.text
        cand.date_anchor = tm.anchor

    def _place(self, span: str) -> str | None:
        m = self.place_re.search(span)
        return self.places[m.group(1)] if m else None

    def _mentions(self, text: str) -> list[ActorMention]:
        if getattr(self, "_cache", (None,))[0] is not text:
            self._cache = (text, self.finder.find(text))
        return self._cache[1]



def _usable(t) -> bool:
    """A time expression that can date an event: not a vague 'recently', not a bare 'now'."""
    if t.kind == "vague":
        return False
    if re.fullmatch(r"(?i)now|currently|at\s+present|these\s+days|today's", t.text.strip()):
        return False
    return bool(t.edtf)


def _shift(tm, base: int):
    from dataclasses import replace

    return replace(tm, start=tm.start + base, end=tm.end + base)


def _dedupe(items):
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out
