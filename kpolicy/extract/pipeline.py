"""The extraction pipeline: article text -> events in the extraction contract.

Stages, top to bottom (one module each):
1. sentences (kpolicy.extract.sentences): spans of the plain text; headlines, bylines and
   datelines (SEOUL, July 18 (Yonhap) --) are not event mentions;
2. per sentence: triggers (kpolicy.extract.triggers, rules in data/triggers.yaml), time
   expressions (kpolicy.extract.temporal), actor mentions (kpolicy.extract.actors);
3. candidates (kpolicy.extract.candidates): each trigger dated, typed, given actors, place,
   quote and status;
4. coreference (kpolicy.extract.coreference): later mentions of one event merged into it;
5. output: events that carry a date (an undated mention is no event on the timeline), with
   titles (kpolicy.extract.titles), as kpolicy.records.EventRecord or contract JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kpolicy.dates import DateRange, parse_edtf
from kpolicy.errors import BadInput
from kpolicy.extract.actors import ActorFinder, actor_finder
from kpolicy.extract.candidates import Candidate, CandidateFinder
from kpolicy.extract.coreference import Coreference
from kpolicy.extract.mentions import edtf_compatible
from kpolicy.extract.roles import dedupe
from kpolicy.extract.titles import event_title
from kpolicy.extract.triggers import TEST_FAMILY
from kpolicy.extract.unknown import UnknownNames
from kpolicy.records import EventRecord, MentionRecord


@dataclass
class ExtractedEvent:
    """One event in the extraction contract's shape."""

    type: str
    title: str
    date: DateRange
    status: str
    actors: list[str]
    states: list[str]
    place: str | None
    quote: str
    char_start: int
    char_end: int
    date_text: str | None
    date_anchor: str | None
    confidence: float
    mentions: list[dict]
    type_rule: str | None = None  # the rule that gave the type (a data/triggers.yaml id, or a structural rule)
    date_rule: str | None = None  # how the date was obtained: '<attachment>/<temporal pattern>'
    offices: list[dict] = field(default_factory=list)  # role words: {office, holder at the date or None, acting}
    extractor: str = "rules"  # what decided: 'rules', or the learned model's id
    roles: dict | None = None  # actor -> role (initiator, target, participant), when the extractor decided them
    explain: dict | None = None  # per decision, the features and weights that decided it (`extract --explain`)
    unknown: list[dict] = field(default_factory=list)  # names in its quote the authority file lacks ({name, kind, parent}): review proposals on ingest

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "title": self.title,
            "date": self.date.edtf,
            "start": self.date.lower.isoformat() if self.date.lower else None,
            "end": self.date.upper.isoformat() if self.date.upper else None,
            "precision": self.date.precision,
            "status": self.status,
            "actors": self.actors,
            "states": self.states,
            "place": self.place,
            "quote": self.quote,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "date_text": self.date_text,
            "date_anchor": self.date_anchor,
            "type_rule": self.type_rule,
            "date_rule": self.date_rule,
            "offices": self.offices,
            "confidence": self.confidence,
            "mentions": self.mentions,
            "extractor": self.extractor,
            **({"explain": self.explain} if self.explain is not None else {}),
        }

    def to_record(self) -> EventRecord:
        first = MentionRecord(self.quote, self.char_start, self.char_end, self.date_text, self.date_anchor,
                              type_rule=self.type_rule, date_rule=self.date_rule, extractor=self.extractor)
        rest = [MentionRecord(m["quote"], m["char_start"], m["char_end"], extractor=self.extractor) for m in self.mentions]
        roles = [(name, (self.roles or {}).get(name, "participant")) for name in self.actors]
        return EventRecord(
            type=self.type,
            title=self.title,
            date=self.date,
            status=self.status,
            actors=roles,
            mentions=[first, *rest],
            place=self.place,
            confidence=self.confidence,
            review="extracted",
            unknown_names=[dict(u) for u in self.unknown],
        )


# events with two sides: a meeting or an agreement of one state is missing the other
PAIRED_TYPES = frozenset({"summit", "talks", "agreement"})
VISIT_RULES = frozenset({"summit-visit"})  # data/triggers.yaml rules that type a visit as a meeting
# a meeting's other side named as people of the same country: 'met military commanders', 'talks with business leaders'
DOMESTIC_PARTY = re.compile(r"\s+(?:with\s+)?(?:the\s+|his\s+|her\s+|its\s+|their\s+|senior\s+|top\s+)?(?:[a-z-]+\s+){0,2}"
                            r"(?:leaders|officials|commanders|executives|members|lawmakers|legislators|workers|students|businessmen|"
                            r"scientists|experts|cadres|officers|generals|soldiers|farmers|voters|citizens|residents|governors|mayors|staff)\b")
ONE_SIDED = re.compile(r"(?i)\b(?:join(?:s|ed|ing)?|accede[sd]?|acceding|accession\s+to|ratif\w+|withdr[ae]w\w*|quit\w*|pull(?:s|ed)?\s+out\s+of)\b")


def role_map(e: Candidate, named: list[str], offices: list[dict]) -> dict[str, str]:
    """Each actor's role as kpolicy.extract.roles decided it; an office's holder takes the
    office's role, an actor added by default (the Council of a UN action, the article's main
    state) is a participant unless it acts alone."""
    roles = {a: e.roles.get(a, "participant") for a in named}
    for o in offices:
        if o.get("holder"):
            roles.setdefault(o["holder"], roles.get(o["office"], "participant"))
    if e.type == "un_action" and "United Nations Security Council" in roles and "United Nations Security Council" not in e.roles:
        roles["United Nations Security Council"] = "initiator"  # the Council adopts, condemns, extends
    return roles


class Extractor:
    """The whole pipeline over one text: candidates, actors filled in, coreference, output."""

    def __init__(self, finder: ActorFinder | None = None) -> None:
        self.finder = finder or actor_finder()
        self.gazetteer = self.finder.gazetteer
        self.candidate_finder = CandidateFinder(self.finder)
        self.coreference = Coreference(self.finder)
        self.unknown_names = UnknownNames(self.finder)

    def candidates(self, text: str, published: date) -> list[Candidate]:
        return self.candidate_finder.candidates(text, published)

    def corefer(self, cands: list[Candidate], text: str) -> list[Candidate]:
        return self.coreference.corefer(cands, text)

    def main_actor(self, text: str) -> str | None:
        """The state the article mentions most (people and organs count for their state)."""
        ranked = self.ranked_states(text)
        return ranked[0] if ranked else None

    def ranked_states(self, text: str) -> list[str]:
        """The states and bodies the article mentions, most mentioned first (people and organs count
        for their state; the one the article opens with counts three more)."""
        from collections import Counter

        mentions = self.candidate_finder.mentions(text)
        counts = Counter(self.finder.state_of(a.actor) for a in mentions)
        if not counts:
            return []
        counts[self.finder.state_of(mentions[0].actor)] += 3  # the state the article opens with is its subject
        return [s for s, _ in counts.most_common()]

    def counterpart(self, e: Candidate, earlier: list[ExtractedEvent], ranked: list[str], text: str) -> str | None:
        """The other side of a meeting or agreement whose text names one state only: the partner of
        that state's latest earlier meeting in the article, else the state the article mentions most
        after that one.
        (A meeting has two sides: nearly every meeting and agreement annotated in ../shared/eval names
        two states or more; joining or leaving a treaty is one state's act.)"""
        states = dedupe(self.finder.state_of(a) for a in e.actors)
        if len(states) != 1 or self.gazetteer.actors.get(states[0]) is None or self.gazetteer.actors[states[0]].kind != "state":
            return None
        (state,) = states
        kinds = {getattr(self.gazetteer.actors.get(a), "kind", None) for a in e.actors}
        if kinds and kinds <= {"party", "organ", "agency", "armed_force", "media"}:
            return None  # 'the ruling party's leaders met': a body's own meeting, at home
        if DOMESTIC_PARTY.match(text, e.trigger.end, min(e.quote[1], e.trigger.end + 80)):
            return None  # 'met military commanders', 'held talks with business leaders': the other side is named, and no state
        if e.type == "agreement" and ONE_SIDED.search(text, max(e.quote[0], e.trigger.start - 60), e.trigger.start):
            return None  # 'North Korea joins the NPT', 'ratified the treaty': one state's act on a treaty
        for o in reversed(earlier):
            if o.type in PAIRED_TYPES and state in o.states and len(o.states) == 2 and o.type_rule not in VISIT_RULES:
                # (a visit names its host, not a partner: 'plans to visit Laos' is no meeting with Laos)
                return next(s for s in o.states if s != state)
        quote = text[e.quote[0]:e.quote[1]]
        return next((s for s in ranked if s != state and getattr(self.gazetteer.actors.get(s), "kind", "state") == "state"
                     and not (self.gazetteer.place(s) and s in quote)), None)  # ('the Singapore summit': the venue, not a side)

    def actor_mentions(self, text: str):
        """Every actor mention of `text` (computed once per text and shared by the stages)."""
        return self.candidate_finder.mentions(text)

    # ---- the whole pipeline ----------------------------------------------------------------
    def rule_candidates(self, text: str, published: date) -> list[Candidate]:
        """Stage 3 with the actor fill: every candidate of the text before coreference."""
        cands = self.candidates(text, published)
        for k, c in enumerate(cands):  # no actor named: those of the last mention of that kind nearby
            if not c.actors:
                prev = next((o for o in reversed(cands[max(0, k - 12):k]) if o.type == c.type and o.actors
                             and c.paragraph - o.paragraph <= 1
                             and (not o.date_edtf or not c.date_edtf or edtf_compatible(o.date_edtf, c.date_edtf))), None)
                if prev is None and c.type in TEST_FAMILY:  # 'Sept. 25: one SRBM from Taechon': whoever tested before, else after
                    prev = next((o for o in reversed(cands[:k]) if o.type in TEST_FAMILY and o.actors), None) or next(
                        (o for o in cands[k + 1:] if o.type in TEST_FAMILY and o.actors), None)
                if prev is not None:
                    c.actors, c.roles = list(prev.actors), dict(prev.roles)
        return cands

    def extract(self, text: str, published: date) -> list[ExtractedEvent]:
        events = self.corefer(self.rule_candidates(text, published), text)
        return self.to_events(events, text)

    def to_events(self, events: list[Candidate], text: str, defaults: bool = True, extractor: str = "rules",
                  two_sides: bool | None = None) -> list[ExtractedEvent]:
        """Dated events as the contract's records (titles, states, quotes, mentions). With
        `defaults` (the rules), a UN action gains the Security Council and an event with no actor
        the article's main state; the learned extractor decides its actors itself. With `two_sides`
        (default: as `defaults`), a meeting or agreement of one state gets its other side (`counterpart`)."""
        two_sides = defaults if two_sides is None else two_sides
        ranked = self.ranked_states(text) if defaults or two_sides else []
        main = ranked[0] if ranked and defaults else None
        strangers = self.unknown_names.find(text) if events else []  # people, places, bodies the authority file lacks
        out = []
        for e in events:
            if not e.date_edtf or e.generic:
                continue
            try:
                rng = parse_edtf(e.date_edtf)
            except BadInput:
                continue
            if defaults and e.type == "un_action" and "United Nations Security Council" in self.gazetteer.actors and not any(
                    self.finder.state_of(a) in ("United Nations Security Council", "United Nations") or self.gazetteer.actors.get(a) is not None
                    and self.gazetteer.actors[a].kind == "international_organisation" for a in e.actors):
                e.actors = [*e.actors, "United Nations Security Council"]  # resolutions, vetoes and panel reports are the Council's
            if not e.actors and main:
                e.actors = [main]  # no actor named near the event: the actor the article is about
            if two_sides and e.type in PAIRED_TYPES:
                other = self.counterpart(e, out, ranked, text)
                if other is not None:  # 'negotiations with the United States' in a text about North Korea: both sides
                    e.actors = [*e.actors, other]
            named = e.actors
            e.actors, offices = self.gazetteer.with_holders(e.actors, rng.lower, rng.upper)  # 'the South Korean president' at the date
            roles = role_map(e, named, offices) if defaults else None
            states = dedupe(self.finder.state_of(a) for a in e.actors)
            q0, q1 = e.quote
            out.append(
                ExtractedEvent(
                    type=e.type,
                    title=event_title(e, states, text, self.gazetteer),
                    date=rng,
                    status=e.status,
                    actors=e.actors,
                    states=states,
                    place=e.place,
                    quote=text[q0:q1],
                    char_start=q0,
                    char_end=q1,
                    date_text=e.date_text,
                    date_anchor=e.date_anchor if e.date_anchor else None,
                    confidence=round(e.confidence, 2),
                    mentions=[{"quote": text[a:b], "char_start": a, "char_end": b} for a, b in dedupe(e.mentions) if (a, b) != (q0, q1)],
                    type_rule=e.type_rule or None,
                    date_rule=e.date_rule,
                    offices=offices,
                    extractor=extractor,
                    roles=roles,
                    unknown=list({u.name: u.as_dict() for u in strangers if q0 <= u.start and u.end <= q1}.values()),
                )
            )
        return out
