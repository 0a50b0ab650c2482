"""Which time expression dates a candidate event: its own phrase, a when-clause, an event it
happened at, the sentence's scene-setting time, a heading, a date counted from another event
('three days after ...'), a definite mention's earlier event, or the narrative's time where the
text licenses it. Each choice is recorded in the candidate's `date_rule` ('<attachment>/<pattern>').
Relative phrases are re-read against a date the same sentence gives, and a date in a future clause
of a past sentence forward.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from kpolicy.extract.clauses import YEAR, chunk_of
from kpolicy.extract.mentions import HEAD_SYNONYM, edtf_compatible, event_head, is_definite
from kpolicy.extract.status import FUTURE_CLAUSE
from kpolicy.extract.triggers import MEETING_TYPES
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER
from kpolicy.extract.triggers import Trigger

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.candidates import Candidate, SentenceContext

# How many earlier candidates a back reference ('the plenum', 'three days after ...') looks at:
# a bound keeps a long article's extraction linear (coreference looks back 80 events).
LOOKBACK = 200

NARRATIVE_LATER = re.compile(
    r"\b(?:afterwards?|thereafter|at\s+the\s+time|at\s+that\s+time|on\s+that\s+occasion|(?:on\s+)?the\s+same\s+day|that\s+same\s+day|"
    r"during\s+the\s+(?:visit|meeting|session|plenum|summit|talks|congress|trip))\b",
    re.I,
)
NARRATIVE_CUE = re.compile(
    r"^\W*(?:That|This|It)\s+(?:was|is)\s+(?:also\s+)?(?:when|where|the\s+(?:time|day|moment|occasion))\b|^\W*(?:At|By)\s+(?:that|the)\s+(?:time|meeting|session|point)\b|^\W*(?:Then|There|On\s+the\s+same\s+day|On\s+that\s+day|That\s+(?:same\s+)?(?:day|month|year|week)|During\s+(?:that|the)\s+(?:meeting|session|plenum|summit|visit|talks))\b",
    re.I,
)
# a sentence set at an event told just before: 'During the call, ...', 'At the meeting, ...'
DURING_EARLIER = re.compile(r"\W*(?:During|At|In)\s+(?:the|that|this)\s+(?:(?:phone|telephone|video|summit|bilateral)\s+)?(?:call|talks|meeting|summit|conversation|session)\s*,", re.I)
REFERENCE_POINT = re.compile(r"\b(?:since|until|till|before)\s+$", re.I)
# 'their largest exercise in five years', 'his first visit in 24 years': a span of comparison, not a date
# 'their largest exercise in five years', 'his first visit in 24 years': a span of comparison, not a date
SUPERLATIVE_SPAN = re.compile(r"(?i)^in\s+(?:more\s+than\s+|over\s+|nearly\s+|almost\s+)?\S+\s+(?:years?|months?|decades?)$")
SUPERLATIVE = re.compile(r"(?i)\b(?:first|largest|biggest|highest|lowest|longest|shortest|most|least|strongest|worst|best|only)\b|\b\w{3,}est\b")
# 'The vote came a day after North Korea fired...', 'The launch, reported by officials, comes a day after ...':
# a date counted from the event the subject names
CAME_AFTER = re.compile(
    r"^\W*(?:The|This|That|Its|Their|His|Her)\s+(?:[\w-]+\s+){0,2}?(?:[\w-]+,[^,;]{1,80},\s+)?(?:came|comes|happened|occurred|took\s+place|was\s+held|was\s+conducted|was\s+staged)"
    r"\s+(?:just\s+|only\s+|about\s+|some\s+)?(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?P<unit>days?|weeks?)\s+(?P<dir>after|before)\s+", re.I)
UNITS_AFTER = re.compile(
    r"\b(?:about|some|nearly|almost|roughly|just|only|barely|more\s+than)?\s*(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+"
    r"(?P<unit>days?|weeks?|months?|years?)\s+(?P<dir>after|before)\s", re.I)
# 'His arrest triggers a riot', 'the shelling sparked clashes': one event causing another (two events, one time)
CAUSED = re.compile(r"\s+(?:[\w'\u2019-]+\s+){0,3}?(?:trigger(?:s|ed)?|spark(?:s|ed)?|prompt(?:s|ed)?|caus(?:es|ed)|provok(?:es|ed)|led\s+to|leads?\s+to)"
                    r"\s+(?:[\w'\u2019-]+\s+){0,3}?", re.I)
SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def heading_date(line: str, published: date, temporal, year: str | None = None):
    """The date a line of its own states, when that is all it states ('April 25, 2019', 'July, 2000',
    'Oct. 14, 2006 – Dec. 22, 2017', '2018'); a day without its year ('Dec. 4', 'Dec. 3-4') is read
    in the year the chronology has reached (`year`), else as the latest such day up to publication.
    None for any other heading."""
    body = line.strip().rstrip(":.")
    if len(body) > 40:
        return None
    if not YEAR.search(body):
        times = [t for t in temporal.find_time_expressions(body, published, tense="past", narrative=year) if usable(t)]
        if len(times) == 1 and times[0].rule in ("date", "day_range", "cross_range") \
                and not re.sub(r"[\W_]+", "", body[:times[0].start] + body[times[0].end:]):
            return times[0]
        return None
    times = [t for t in temporal.find_time_expressions(body, published, tense="past") if usable(t)]
    if len(times) == 1 and times[0].kind == "absolute" and not re.sub(r"[\W_]+", "", body[:times[0].start] + body[times[0].end:]):
        return times[0]
    return None


def usable(t) -> bool:
    """A time expression that can date an event: not a vague 'recently', not a bare 'now'."""
    if t.kind == "vague":
        return False
    if re.fullmatch(r"(?i)now|currently|at\s+present|these\s+days|today's", t.text.strip()):
        return False
    return bool(t.edtf)


def shift(tm, base: int):
    from dataclasses import replace

    return replace(tm, start=tm.start + base, end=tm.end + base)


def set_time(cand: Candidate, tm, base: int, how: str) -> None:
    cand.date_rule = f"{how}/{tm.rule}" if tm.rule else how
    cand.time = shift(tm, base)
    cand.date_edtf = tm.edtf
    cand.date_text = tm.text
    cand.date_anchor = tm.anchor


def _said(t: Trigger) -> bool:
    """A statement, or a statement verb typed otherwise by its speaker ('the Security Council
    condemned', a UN action): what it says is not when it was said."""
    return t.type == "statement" or t.rule.startswith("statement")


def referent(t: Trigger, sentence: str, earlier: list[Candidate]) -> str | None:
    """The date of the earlier event a definite mention ('the five-day plenum') refers back to."""
    if _VERB_TRIGGER.match(t.text) or not is_definite(sentence, t.start):
        return None  # only a noun phrase ('the plenum') refers back; a verb ('to meet') states its own event
    head = event_head(t, sentence)
    for e in reversed(earlier[-LOOKBACK:]):  # recent events only, as in coreference: linear in the article
        if e.type == t.type and e.date_edtf and HEAD_SYNONYM.get(e.head, e.head) == HEAD_SYNONYM.get(head, head):
            return e.date_edtf
    return None


def assign_times(sc: SentenceContext) -> tuple[dict[int, object], list]:
    """Each trigger's time expression (the nearest of its own phrase, then the shapes below);
    `free` are the scene-setting times of phrases without a trigger."""
    sentence, triggers, times, published, bounds, phrase = sc.sentence, sc.triggers, sc.times, sc.published, sc.bounds, sc.phrase
    earlier = sc.earlier
    chunk_t = [phrase[min(chunk_of(bounds, t.start), len(phrase) - 1)] for t in triggers]
    referents = [referent(t, sentence, earlier) for t in triggers]
    assigned: dict[int, object] = {}
    free = []
    pairs = []
    for ti, tm in enumerate(times):
        c = phrase[min(chunk_of(bounds, tm.start), len(phrase) - 1)]
        near = False
        for k, t in enumerate(triggers):
            if chunk_t[k] != c:
                continue
            near = True
            if t.start <= tm.start and tm.end <= t.end:
                continue  # part of the trigger's name: 'suspended the September 19 military agreement'
            if t.end <= tm.start:
                d = tm.start - t.end
            elif not re.match(r"(?i)(?:on|in|at|during|over)\s", tm.text) and re.fullmatch(r"(?:\s+[\w'-]+|\s*\([^)]{0,20}\)){0,3}\s*", sentence[tm.end:t.start]) and not re.search(
                    r"\b(?:the|a|an|in|on|at|of|to|and|for|it|he|she|they|we|its|his|her|their|that|which|who|will|would|shall|can|could|may|might"
                    r"|has|have|had|was|were|is|are|be|been|did|does|do|not|also)\b", sentence[tm.end:t.start], re.I):
                d = 0  # the date (not a phrase with a preposition: "arrest on Sunday sparked riots") modifies the trigger: 'the April legislative elections', 'the 13 May (local time) launch'
            else:
                d = (t.start - tm.end) * 2 + 8  # a date usually follows what it dates
            attached = d == 0 or (t.end <= tm.start and re.fullmatch(
                r"\s*(?:[\w'\u2019-]+\s+){0,3}?(?:(?:of|in|on|held|from|during|at|since)\s+)?", sentence[t.end:tm.start], re.I))
            if _said(t) and t.end <= tm.start and _VERB_TRIGGER.match(t.text) and re.search(
                    r"(?i)\bthat\b|\b(?:had|has|have|was|were|is|are|would|will|could|may|might|did)\b", sentence[t.end:tm.start]):
                continue  # 'said ... that he would restore the lines in early October': the complement's date
            if referents[k] is not None and not attached and not edtf_compatible(referents[k], tm.edtf):
                continue  # a reference back to a known event does not take another date
            pairs.append((d, ti, k))
        if not near and not re.match(r"\s*(?:since|after|before|following|until|till|ahead\s+of)\b",
                                     sentence[bounds[chunk_of(bounds, tm.start)]:tm.start], re.I):
            free.append(tm)  # a scene-setting date ('In the last six months, ...'), not a 'since X' reference point
    used: set[int] = set()
    for d, ti, k in sorted(pairs):
        if ti in used or k in assigned:
            continue
        assigned[k] = times[ti]
        sc.how[k] = "own-phrase"
        used.add(ti)
    # 'a Party Conference and an SPA meeting in April': two events joined by 'and' share the date after the second
    for k in range(len(triggers) - 2, -1, -1):
        nxt = assigned.get(k + 1)
        if k not in assigned and nxt is not None and nxt.start >= triggers[k + 1].end and re.fullmatch(
                r"\s+and\s+(?:an?\s+|the\s+|its\s+|their\s+)?(?:[\w'\u2019()-]+\s+){0,5}", sentence[triggers[k].end:triggers[k + 1].start]):
            assigned[k] = nxt
            sc.how[k] = "coordinated"
    # 'His arrest on Sunday sparked riots': what an event sets off happens at its time
    for k in range(1, len(triggers)):
        cause = assigned.get(k - 1)
        if k not in assigned and cause is not None and CAUSED.fullmatch(sentence[triggers[k - 1].end:triggers[k].start].replace(cause.text, " ", 1)):
            assigned[k] = cause
            sc.how[k] = "caused-by"
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
        if mm and not (t.type == "statement" and FUTURE_CLAUSE.search(rest[:mm.end()])):  # 'said he will visit ... in the autumn'
            for j in range(k + 1, len(triggers)):
                t2 = triggers[j]
                if t2.type in MEETING_TYPES and t2.start - t.end < 70 and j in assigned:
                    assigned[k] = assigned[j]
                    sc.how[k] = "at-event"
                    break
    # 'At the plenum, which opened on June 15, Kim said...': what happens at an event takes its date
    opener = re.match(r"\W*(?:At|During|On\s+the\s+sidelines\s+of)\s+(?:the|this|that|its|his|a|an)\s+", sentence)
    if opener:
        host = next((j for j, t in enumerate(triggers) if t.type in MEETING_TYPES and t.start < opener.end() + 40 and j in assigned), None)
        if host is not None:
            for k in range(host + 1, len(triggers)):
                if k not in assigned:
                    assigned[k] = assigned[host]
                    sc.how[k] = "at-event"
    return assigned, free


def reanchor(sentence, published, tense, mod, times, temporal):
    """Relative phrases ('the previous year') anchor to an absolute date the same sentence gives."""
    absolute = [t for t in times if t.kind == "absolute" and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", t.edtf or "")]
    relative = [t for t in times if t.kind == "relative" and re.search(r"\b(?:previous|following|preceding|next|that|earlier|later)\b", t.text, re.I)]
    if absolute and relative:
        again = temporal.find_time_expressions(sentence, published, tense=tense, narrative=absolute[0].edtf)
        by_span = {(t.start, t.end): t for t in again if usable(t)}
        return [by_span.get((t.start, t.end), t) if t in relative else t for t in times]
    # 'in August ... the same month': a same/that/following phrase counts from the date just before it
    out = list(times)
    for i, t in enumerate(times):
        if i and (re.search(r"\b(?:same|that|following|next|previous)\s+(?:day|week|month|year)\b", t.text, re.I) or t.rule == "later_same_day"):
            anchor = times[i - 1]
            again = temporal.find_time_expressions(sentence, published, tense=tense, narrative=anchor.edtf)
            match = next((x for x in again if (x.start, x.end) == (t.start, t.end) and usable(x)), None)
            if match is not None:
                out[i] = match
    return out


def narrative_in_future(sentence, published, future, narrative, times, temporal):
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
        match = next((x for x in again if (x.start, x.end) == (t.start, t.end) and usable(x)), None)
        out.append(match if match is not None else t)
    return out


def future_in_clause(sentence, published, tense, narrative, times, temporal):
    """A date in a future clause of a past sentence ('said on Tuesday it would launch ... in June')
    resolves forward."""
    if tense == "future" or not times:
        return times
    out = []
    for t in times:
        marks = list(FUTURE_CLAUSE.finditer(sentence, max(0, t.start - 80), t.start))
        if not marks or "," in sentence[marks[-1].end():t.start] or t.kind == "absolute":
            out.append(t)
            continue
        cut = marks[-1].start()  # resolve within the future clause only, so 'said' does not pull it back
        again = temporal.find_time_expressions(sentence[cut:], published, tense="future", narrative=narrative)
        match = next((x for x in again if (x.start + cut, x.end + cut) == (t.start, t.end) and usable(x)), None)
        out.append(shift(match, cut) if match is not None else t)
    return out


def counted_from_subject(sentence, base, cands, earlier, published) -> None:
    """'The launch came three days after South Korea and the United States began Freedom Shield':
    the event after 'after' is dated from the last exactly dated event before this sentence."""
    m = CAME_AFTER.match(sentence)
    if not m:
        return
    ref = next((e for e in reversed(earlier[-LOOKBACK:]) if e.date_edtf and re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.date_edtf)), None)
    if ref is None:
        return
    from datetime import timedelta

    n = SMALL.get(m.group("n").lower()) or int(m.group("n"))
    days = n * (7 if m.group("unit").lower().startswith("week") else 1)
    d = date.fromisoformat(ref.date_edtf) + timedelta(days=-days if m.group("dir").lower() == "after" else days)
    for c in cands:
        if c.trigger.start - base >= m.end() and (c.date_edtf is None or c.free_time):
            c.date_edtf, c.date_text, c.date_anchor = d.isoformat(), m.group().strip(), ref.date_edtf
            c.date_rule = "came-after"
            c.narrative_date, c.free_time = False, False
            if d <= published:
                c.status = "occurred"
            break


def counted_in_sentence(sentence, base, cands) -> None:
    """'restored the lines on Monday, about two months after it cut them off': the event after
    'N units after' is dated N units before the sentence's exactly dated event."""
    for m in UNITS_AFTER.finditer(sentence):
        if m.start() == 0 or CAME_AFTER.match(sentence):
            continue
        ref = next((c for c in reversed(cands) if c.trigger.start - base < m.start() and c.date_edtf
                    and re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.date_edtf)), None)
        target = next((c for c in cands if c.trigger.start - base >= m.end()), None)
        if ref is None or target is None or (target.date_edtf and not target.free_time):
            continue
        if re.search(r"\bthat\b|[,;:]", sentence[m.end():target.trigger.start - base]):
            continue  # 'collected two days after the test, confirming that it had conducted an explosion': another clause's event
        n = SMALL.get(m.group("n").lower()) or int(m.group("n"))
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


_SAID_THAT = re.compile(r"(?i)\b(?:said|says|denied|denies|claimed|claims|insisted|stated|added|argued|warned|reported)\s+(?:[\w'\u2019-]+\s+){0,3}?that\b")


def _reported_reference(sentence: str, t: Trigger) -> bool:
    """'On March 28, an official said that the North had nothing to do with the naval ship sinking': a
    definite event noun inside what someone said refers back to its event; the day of the saying is not its date."""
    if _VERB_TRIGGER.match(t.text) or not is_definite(sentence, t.start):
        return False
    return _SAID_THAT.search(sentence, 0, t.start) is not None


def choose_time(sc: SentenceContext, k: int, t: Trigger, assigned: dict[int, object], free: list, cand: Candidate, cue: bool) -> None:
    """Date the candidate of trigger k: its assigned time, else the nearest usable scene-setting
    time, else the narrative's time when the sentence cues it ('That was when ...')."""
    sentence, base, narrative = sc.sentence, sc.base, sc.narrative
    tm = assigned.get(k)
    future_clause = bool(FUTURE_CLAUSE.search(sentence[max(0, t.start - 50):t.start].split(",")[-1]))
    usable_free = [f for f in free if (not _said(t) or f.end <= t.start)
                   and not (future_clause and f.direction == "past")]  # 'Last month, ... announced they would scale back drills'
    if tm is None and usable_free and not _reported_reference(sentence, t):  # 'said' takes only a date set before it ('On Monday, the ministry said')
        tm = min(usable_free, key=lambda f: abs(f.start - t.start))
    if tm is not None:
        how = sc.how.get(k) if k in assigned else "sentence-time"
        set_time(cand, tm, base, how)
        cand.free_time = k not in assigned
    elif cue and narrative:
        cand.date_edtf, cand.date_anchor, cand.narrative_date = narrative, narrative, True
        cand.date_rule = "narrative-cue"
    elif DURING_EARLIER.match(sentence):
        # 'During the call, the leaders agreed ...' opening a new paragraph: the last dated meeting told before
        host = next((e for e in reversed(sc.earlier[-LOOKBACK:]) if e.type in MEETING_TYPES and e.date_edtf and not e.narrative_date), None)
        if host is not None and sc.index - host.sentence <= 3:
            cand.date_edtf, cand.date_text, cand.date_anchor = host.date_edtf, host.date_text, host.date_anchor
            cand.date_rule = "at-earlier-event"


# a report's verb and the event it reports as its object: 'reported the successful launch of'
_REPORTED_OBJECT = re.compile(r"\s+(?:the|its|their|a|an)\s+(?:[\w-]+\s+){0,3}", re.I)
_REPORT_VERB = re.compile(r"(?i)reported|announced|confirmed|reports|announces|confirms")


def reported_on(sc: SentenceContext, cands: list[Candidate]) -> None:
    """'North Korea Wednesday reported the successful launch of a satellite': an undated event that
    is the object of a dated report takes the report's date (news reports what just happened)."""
    for k, c in enumerate(cands):
        if c.date_edtf is not None or k == 0:
            continue
        report = cands[k - 1]
        if report.type == "statement" and report.date_edtf and not report.narrative_date and _REPORT_VERB.fullmatch(report.trigger.text) \
                and _REPORTED_OBJECT.fullmatch(sc.text[report.trigger.end:c.trigger.start]):
            c.time, c.date_edtf, c.date_text, c.date_anchor = report.time, report.date_edtf, report.date_text, report.date_anchor
            c.date_rule = "reported-on/" + (report.date_rule or "")
            c.free_time = report.free_time


# 'Six days prior to the test, the ministry pledged ...', 'Two weeks after the summit, ...': counted from a named earlier event
COUNTED_FROM_EVENT = re.compile(
    r"^\W*(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?P<unit>days?|weeks?)\s+(?P<dir>after|before|prior\s+to)\s+"
    r"(?:the|that|this|its|their)\s+(?P<noun>[\w-]+(?:\s+[\w-]+){0,2}?)\s*,", re.I)


def counted_from_event(sentence, base, cands, earlier, published) -> None:
    """'Six days prior to the test, North Korea's Foreign Ministry pledged ...': the first event after
    the phrase is dated N days or weeks from the last exactly dated earlier event the noun names."""
    m = COUNTED_FROM_EVENT.match(sentence)
    if not m:
        return
    words = [w[:5].lower() for w in m.group("noun").split()]
    ref = next((e for e in reversed(earlier[-LOOKBACK:]) if e.date_edtf and re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.date_edtf)
                and (HEAD_SYNONYM.get(e.head, e.head)[:5] in words or e.trigger.text[:5].lower() in words)), None)
    if ref is None:
        return
    from datetime import timedelta

    n = SMALL.get(m.group("n").lower()) or int(m.group("n"))
    days = n * (7 if m.group("unit").lower().startswith("week") else 1)
    d = date.fromisoformat(ref.date_edtf) + timedelta(days=days if m.group("dir").lower() == "after" else -days)
    for c in cands:
        if c.trigger.start - base >= m.end() and (c.date_edtf is None or c.free_time):
            c.date_edtf, c.date_text, c.date_anchor = d.isoformat(), m.group().strip(" ,"), ref.date_edtf
            c.date_rule, c.narrative_date, c.free_time = "counted-from-event", False, False
            c.status = "occurred" if d <= published else c.status
            break
