"""Stage 4 of the pipeline: coreference within one article.

A later definite mention ('the plenum', 'the February summit', 'the talks') of an event of
the same type with a compatible date and overlapping states, or one sharing an ordinal or a
place, becomes a mention of it; two events of one type on the same day are one; an undated
first mention takes the date of a later definite one; a chronology entry restating a
narrative event is a mention of it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kpolicy.dates import parse_edtf
from kpolicy.errors import BadInput
from kpolicy.extract.mentions import HEAD_SYNONYM, edtf_compatible
from kpolicy.extract.triggers import VERB_TRIGGER

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.actors import ActorFinder
    from kpolicy.extract.candidates import Candidate


# 'was to fly to Tokyo for a summit', 'the planned summit': a past sentence about a coming event
_FUTURE_IN_PAST = re.compile(r"(?i)\b(?:was|were)\s+(?:to|due\s+to|set\s+to|scheduled\s+to|expected\s+to|going\s+to)\b|\bwould\b|\bplann?ed\b|\bupcoming\b|\bforthcoming\b")


class Coreference:
    """Merges the candidates of one text into events (`corefer`)."""

    def __init__(self, finder: ActorFinder) -> None:
        self.finder = finder

    def corefer(self, cands: list[Candidate], text: str) -> list[Candidate]:
        events: list[Candidate] = []
        for c in cands:
            # an undated first telling retold with its date further on (a photo caption, a lead): it holds the
            # event's first mention, before any dated event the retelling also fits
            target = next((e for e in events[-80:] if e.type == c.type and e.date_edtf is None and c.date_edtf
                           and e.sentence != c.sentence and not e.generic and not c.generic and _retold(text, e, c)), None)
            for e in reversed(events[-80:] if target is None else []):  # a long article: look back over recent events only
                if e.type != c.type or e.sentence == c.sentence:
                    continue
                if not self._same_event(e, c, text):
                    continue
                target = e
                break
            if target is None:
                events.append(c)
                continue
            target.mentions.append(c.quote)
            if target.date_edtf is None and c.date_edtf:
                target.date_edtf, target.date_text, target.date_anchor, target.time = c.date_edtf, c.date_text, c.date_anchor, c.time
                target.date_rule = "later-mention+" + (c.date_rule or "")
                target.status = c.status
            elif c.date_edtf and target.date_edtf and _narrower_interval(c.date_edtf, target.date_edtf):
                target.date_edtf = c.date_edtf
                target.date_rule = "narrower-mention+" + (c.date_rule or "")
            if not target.place and c.place:
                target.place = c.place
            target.confidence = round(min(0.95, target.confidence + 0.1), 2)
        return events

    def _same_event(self, e: Candidate, c: Candidate, text: str) -> bool:
        if e.generic or c.generic or _ordinals_differ(text, e, c):
            return False
        states_e = {self.finder.state_of(a) for a in e.actors}
        states_c = {self.finder.state_of(a) for a in c.actors}
        if states_e and states_c and not states_e & states_c:
            return False
        same_head = HEAD_SYNONYM.get(e.head, e.head) == HEAD_SYNONYM.get(c.head, c.head)
        if e.date_edtf and c.date_edtf:
            if not edtf_compatible(e.date_edtf, c.date_edtf):
                return False
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.date_edtf) and e.date_edtf == c.date_edtf:
                return True  # same type on the same day
            if c.entry and not e.entry and _within(c.date_edtf, e.date_edtf):
                return True  # a chronology entry restating an event of the narrative ('in late May' ... 'May 31: ...')
            return (same_head and c.definite) or _shared_key(text, e, c)
        if c.date_edtf is None:
            # an undated later mention: a definite reference back ('the plenum', 'the Hanoi summit')
            return e.date_edtf is not None and ((same_head and c.definite) or _shared_key(text, e, c))
        # 'was to fly to Tokyo for a summit with Kishida' ... 'Yoon and Kishida are scheduled to hold talks on Thursday'
        if c.status in ("expected", "forecast") and states_e and states_c == states_e \
                and (not e.past or _FUTURE_IN_PAST.search(text, e.quote[0], e.quote[1])) \
                and len(states_e) > 1 and c.paragraph - e.paragraph <= 6:  # (a summit already held is not the next one)
            return True
        # undated first mention, dated later definite mention ('At the session held in October 2017')
        if c.status != "occurred" or not e.past:  # only a past mention ('a moratorium was announced') waits for its date
            return False
        return same_head and c.definite and c.paragraph - e.paragraph <= 6


_CONTENT = re.compile(r"[A-Za-z][a-z]{3,}")
_FUNCTION = frozenset(
    "said says told that this with have been from they their them will would could were what when which while about after before "
    "also into over than then there these those only just more most such some other very said, according".split())


def _content_words(text: str, c: Candidate) -> set[str]:
    """The content words around a candidate's trigger, up to the ends of its sentence."""
    t = c.trigger
    lo = max(0, text.rfind(". ", 0, t.start), text.rfind("\n", 0, t.start), t.start - 120)
    hi = min(x for x in (text.find(". ", t.end), text.find("\n", t.end), t.end + 140) if x >= 0)
    return {w.lower() for w in _CONTENT.findall(text[lo:hi].replace("\u2019", "'"))} - _FUNCTION


def _retold(text: str, e: Candidate, c: Candidate) -> bool:
    """The later mention retells the earlier one: most of the shorter telling's content words
    (at least five) come back ('the chief negotiator says discussions with the U.S. ... have broken
    down' ... 'the chief negotiator said Saturday that discussions with the U.S. ... have broken down')."""
    a, b = _content_words(text, e), _content_words(text, c)
    shared = a & b
    return len(shared) >= 5 and len(shared) >= 0.6 * min(len(a), len(b))


_ORDINAL = re.compile(r"(?i)\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|latest|last|previous|next|new|\d+(?:st|nd|rd|th))\b")


def _ordinals_differ(text: str, e: Candidate, c: Candidate) -> bool:
    """'its first nuclear device' and 'the latest nuclear test' name two events, whatever else they share."""
    def ordinal(cand: Candidate) -> str | None:
        t = cand.trigger
        found = _ORDINAL.findall(text[max(cand.quote[0], t.start - 30):t.start])
        if not found and VERB_TRIGGER.match(t.text):  # 'detonated its first nuclear device': the object's ordinal
            found = _ORDINAL.findall(text[t.end:min(cand.quote[1], t.end + 25)])[:1]
        return found[-1].lower() if found else None

    a, b = ordinal(e), ordinal(c)
    return a is not None and b is not None and a != b


def _within(new: str, old: str) -> bool:
    """`new` lies inside `old` (a day of 'late May', a month of 2020)."""
    try:
        rn, ro = parse_edtf(new), parse_edtf(old)
    except BadInput:
        return False
    if None in (rn.lower, rn.upper, ro.lower, ro.upper):
        return False
    return ro.lower <= rn.lower and rn.upper <= ro.upper


def _narrower_interval(new: str, old: str) -> bool:
    """A later mention that states the event's span more exactly ('the five-day plenum')."""
    try:
        rn, ro = parse_edtf(new), parse_edtf(old)
    except BadInput:
        return False
    if None in (rn.lower, rn.upper, ro.lower, ro.upper):
        return False
    return ro.lower <= rn.lower and rn.upper <= ro.upper and (rn.upper - rn.lower) < (ro.upper - ro.lower) and ro.precision != "day"


_KEY = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]ifth|[Ss]ixth|[Ss]eventh|[Ee]ighth|[Nn]inth|\d+-day)\b")


def _shared_key(text: str, e: Candidate, c: Candidate) -> bool:
    """A distinctive word (ordinal, place, proper name) shared by the two mentions' phrases."""
    def keys(cand: Candidate) -> set[str]:
        t = cand.trigger
        window = text[max(cand.quote[0], t.start - 40):t.end + 40]
        return {k.lower() for k in _KEY.findall(window) if k.lower() not in _STOP}

    if e.place and c.place and e.place == c.place:
        return True
    return bool(keys(e) & keys(c))


_STOP = {"the", "a", "an", "this", "that", "in", "on", "at", "north", "south", "korea", "korean", "kim", "party", "central", "committee",
         "workers", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
         "first", "when", "it", "he", "she", "they", "but", "and", "as", "u", "s", "us", "state", "new", "its", "his"}
