"""Who takes part in a candidate event, and where: the actors of its trigger's clause, with the
rules that tell a party from a venue ('met in Singapore'), a speaker from whom the quoted words
name, the tester from where the missile flew ('over Japan'), an imposer of sanctions from their
target; a subject list split at its commas; 'he' or 'she' as the person a sentence opened with;
and the place a gazetteer name after 'in', 'at', 'to' ... gives.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kpolicy.extract.clauses import chunk_of
from kpolicy.extract.triggers import MEETING_TYPES, TEST_FAMILY
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.actors import ActorMention
    from kpolicy.extract.candidates import Candidate, SentenceContext
    from kpolicy.authority import Gazetteer

QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")
VENUE = re.compile(r"\b(?:in|at|near|outside)\s+$", re.I)  # 'met in Singapore': a venue, not a party


def dedupe(items):
    """The items in their order, each once."""
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


class ActorRoles:
    """The actors and place of each candidate of a sentence (`assign`, `place`), and the person a
    later 'he' or 'she' refers to (`track_subject`, `subject`)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        places = {}
        for p in self.gazetteer.places.values():
            for n in [p.name, *p.aliases]:
                places[n] = p.name
        self.places = places
        body = "|".join(re.escape(n) for n in sorted(places, key=len, reverse=True))
        self.place_re = re.compile(rf"\b(?:in|at|to|from|near|of)\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?({body})\b")
        self.subject: ActorMention | None = None

    def assign(self, sc: SentenceContext, kept: list[Candidate]) -> None:
        """The actors of each kept candidate of one sentence."""
        text, base, s1, sentence, actors, bounds = sc.text, sc.base, sc.end, sc.sentence, sc.actors, sc.bounds
        quoted = [(base + m.start(), base + m.end()) for m in QUOTED.finditer(sentence)]
        for k, c in enumerate(kept):
            lo = kept[k - 1].trigger.end if k else base
            hi = kept[k + 1].trigger.start if k + 1 < len(kept) else s1
            c_bounds = [base + b for b in bounds]
            ck = chunk_of(c_bounds, c.trigger.start)
            c_lo, c_hi = max(lo, c_bounds[ck]), min(hi, c_bounds[min(ck + 1, len(c_bounds) - 1)])
            if c.type in MEETING_TYPES or c.type == "agreement":  # 'met in Singapore', 'a summit with Kim in Vietnam': a venue
                actors_c = [a for a in actors if not ((a.text in self.places or (a.start > c.trigger.end and self.kind(a.actor) == "state"))
                                                      and VENUE.search(text, max(0, a.start - 8), a.start))]
            elif c.type == "statement":  # who speaks, not whom the quoted words name
                actors_c = [a for a in actors if not any(q0 < a.start < q1 for q0, q1 in quoted)]
            else:
                actors_c = actors
            if c.type in MEETING_TYPES:  # 'on the sidelines of the UN General Assembly': a venue
                actors_c = [a for a in actors_c if not re.search(r"(?i)\bsidelines\s+of\s+(?:the\s+)?$", text[max(0, a.start - 25):a.start])]
            if c.type in TEST_FAMILY:  # 'an IRBM over Japan', 'into the Sea of Japan': where it flew, not who tested
                actors_c = [a for a in actors_c if not (a.start > c.trigger.start and re.search(
                    r"(?i)\b(?:over|into|toward|towards|near|off|across|at)\s+(?:the\s+)?(?:northern\s+|southern\s+|western\s+|eastern\s+)?$", text[max(0, a.start - 25):a.start]))]
            own = [a for a in actors_c if c_lo <= a.start < c_hi]
            by = re.match(r"\s+(?:conducted\s+|carried\s+out\s+|staged\s+)?by\s+(?:the\s+)?", text[c.trigger.end:c.trigger.end + 30])
            if by and c.type in (TEST_FAMILY | {"incident", "weapon_display"}):  # 'the April 5 rocket launch by North Korea': the tester
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
                    r"(?:[\s,'\u2019.-]|\band\b|\b[A-Z][\w.'\u2019-]*|\b(?:joint|combined|annual|military|naval|air|allied|large-scale|major|new|night-time|s|south|north)\b)*", text[a.end:c.trigger.start])]
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
            if c.type == "statement" or (c.type in TEST_FAMILY and verb):  # the subject before the verb, not 'over Japan
                before = [a for a in own if a.start < c.trigger.start]
                if c.type != "statement" and not before:  # 'was launched from ... in Pyongyang': the launch site's state
                    before = [a for a in own if VENUE.search(text, max(0, a.start - 8), a.start)]
                if before or c.type != "statement" or any(a.start < c.trigger.start for a in actors_c):
                    own = before  # ('said Kim': a speaker after the verb only when none stands before it)
            clause_break = False
            if not own:  # the subject: actors before the trigger, nearest chunk first
                for j in range(ck, -1, -1):
                    own = [a for a in actors_c if max(c_bounds[j], base) <= a.start < min(c_bounds[j + 1], c.trigger.start) and a.start >= lo - 200]
                    clause_break = not own and bool(re.match(r"\s*[,;]\s*(?:and|but|while|whereas)\s", text[c_bounds[j]:c_bounds[j] + 12]))
                    if own or clause_break:
                        break  # not across ', and' into another clause ('Kim called the US an enemy, and a parade ... showed')
            pron = PRONOUN.search(text, c_lo if c_lo > base else base, c.trigger.start)
            if pron and (not any(a.start < c.trigger.start for a in own)
                         or re.match(r"(?i)(?:he|she)\s+and\b", text[pron.start():pron.start() + 8])):  # 'He met Xi Jinping', 'he and Kim signed': the person last named
                person = self.subject
                if person is not None:
                    own = [person, *own]
            if not own and c.type == "statement":  # 'In a speech on Feb. 8, North Korean leader Kim Jong-un vowed...'
                after = [a for a in actors_c if a.start >= c.trigger.end]
                own = [a for a in after if a.start - after[0].start < 40] if after else []
            if not own and k and not clause_break:
                c.actors = list(kept[k - 1].actors)
            else:
                c.actors = dedupe(a.actor for a in own)

    def track_subject(self, sentence_actors, body0: int) -> None:
        """The person a sentence opens with is who a later 'he' or 'she' refers to."""
        people = [a for a in sentence_actors if a.start - body0 < 40 and getattr(self.gazetteer.actors.get(a.actor), "kind", None) == "person"]
        first = people[0] if people else None  # 'Russian President Vladimir Putin arrived...': Putin
        if first is not None:
            entry = self.gazetteer.actors.get(first.actor)
            if entry is not None and entry.kind == "person":
                self.subject = first

    def kind(self, actor: str) -> str | None:
        return getattr(self.gazetteer.actors.get(actor), "kind", None)

    def place(self, span: str) -> str | None:
        """The gazetteer place a span names after in/at/to/from/near/of."""
        m = self.place_re.search(span)
        return self.places[m.group(1)] if m else None
