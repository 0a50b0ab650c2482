"""Who takes part in a candidate event, and where: the actors of its trigger's clause, with the
rules that tell a party from a venue ('met in Singapore'), a speaker from whom the quoted words
name, the tester from where the missile flew ('over Japan'), an imposer of sanctions from their
target; a subject list split at its commas; 'he' or 'she' as the person a sentence opened with;
and the place a gazetteer name after 'in', 'at', 'to' ... gives.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kpolicy.extract.actors import NAMED_AFTER_CITY
from kpolicy.extract.clauses import chunk_of
from kpolicy.extract.triggers import MEETING_TYPES, TEST_FAMILY
from kpolicy.extract.triggers import VERB_TRIGGER as _VERB_TRIGGER

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.actors import ActorMention
    from kpolicy.extract.candidates import Candidate, SentenceContext
    from kpolicy.authority import Gazetteer

GROUP = re.compile(r"(?i)six-(?:party|nation)\b")  # a group named as one (kpolicy.extract.actors): its members, never a venue
QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"")
PRONOUN = re.compile(r"\b(?:[Hh]e|[Ss]he)\b")
OBJECT_PRONOUN = re.compile(r"\b(?:him|(?:with|met|meet|meets|meeting|greeted|received|visited|called)\s+her)\b")
VENUE = re.compile(r"\b(?:in|at|near|outside)\s+$", re.I)  # 'met in Singapore': a venue, not a party
# what may stand between an actor and the event noun it modifies: "Pyongyang's new ICBM launch",
# "a Russian and Chinese proposal", "North Korea's sixth nuclear test", "the DPRK's statement"
_MODIFIER_WORDS = (
    "new|first|second|third|fourth|fifth|sixth|seventh|eighth|latest|last|recent|suspected|alleged|apparent|reported|"
    "underground|nuclear|atomic|missiles?|ballistic|cruise|rocket|satellite|space|launch|test|weapons?|joint|combined|"
    "military|naval|air|annual|allied|major|own|surprise|successful|failed|planned|proposed|draft|unilateral|additional|"
    "fresh|further|tough|hypersonic|intercontinental|strategic|tactical|artillery|provocative|official|formal|"
    "landmark|historic|defiant|unannounced|s|south|north")
MODIFIER_GAP = re.compile(r"(?:['\u2019]s?)?(?:\s*(?:-|\band\b|\b[A-Z][\w.'\u2019-]*|\b\d[\w-]*|\b[a-z]+-[\w-]+|\b(?:"
                          + _MODIFIER_WORDS + r")\b))*\s*")
ACTOR_LIST_GAP = re.compile(r"\s*(?:,|/|-|\band\b|,\s*and\b)?\s*")
# a verb that makes the actor before it the one who meets or signs: 'held a summit', 'signed an agreement'
_VERB_BEFORE = re.compile(r"\b(?:held|holds|hold|holding|had|has|have|signed|signs|sign|reached|reaches|concluded|began|opened|attended)"
                          r"\s+(?:(?:a|an|the|their|his|her|its|two|first|second|third|new|bilateral|trilateral|formal|\w+-\w+)\s+){0,3}$")
# the addressee of a speech, letter or message: 'a speech to the Supreme People's Assembly', 'a letter to Trump'
ADDRESSEE = re.compile(r"\s+(?:(?:on|at|of|from|by)\s+(?:the\s+)?[\w-]+\s+)?(?:to|before|addressed\s+to)\s+(?:the\s+)?(?:[\w.'\u2019-]+\s+){0,2}?")
# between the parts of one subject: 'North Korean leader Kim Jong-un', 'China and Russia', 'Japan's Prime Minister Kishida'
SUBJECT_GAP = re.compile(r"(?:['\u2019]s)?(?:\s*(?:,|\band\b|\b[A-Z][\w.'\u2019-]*|\b(?:leader|president|premier|chairman|minister|"
                         r"foreign|prime|defen[cs]e|secretary|general|spokes(?:man|woman|person)|envoy|ambassador|top|state|the|of)\b))*\s*")
# the possessor of a noun phrase: "North Korea's newest missile launch"
POSSESSOR = re.compile(r"['\u2019]s\s+(?:[\w-]+\s+){0,3}")
# where a verb's object phrase ends: a comma, a participle or relative clause, a preposition other than 'of'
OBJECT_END = re.compile(r"[,;:]|\s(?:allegedly|reportedly|built|made|supplied|provided|backed|with|by|after|before|while|which|who|that|"
                        r"during|for|from|because|amid|as|around|near|inside|outside|in|at)\b")  # ('entered a zone around the office of ...')
# between two parties of a list: 'China, Japan, and South Korea', 'the US and Japan'
PARTY_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?")
# where the reason for a sanction begins: 'for helping ...', 'over its support for ...'
REASON = re.compile(r"[;:]|\s(?:for|because|after|amid|as|which|who|that|in\s+(?:response|retaliation))\b")
# a state that wrote or proposed a text: 'a U.S.-drafted resolution', 'a China-sponsored draft'
DRAFTER = re.compile(r"-(?:drafted|sponsored|proposed|authored|penned|initiated|tabled)\b")
# a later clause of another act: ', a day after ...', ' as ...', ' when ...'
OTHER_ACT = re.compile(r"(?:,\s+(?:as|when|while)|,?\s+(?:(?:a|one|two|three|several|days?|hours?|weeks?)\s+(?:days?\s+|weeks?\s+|hours?\s+|months?\s+)?)?"
                       r"(?:after|before|since|following|ahead\s+of))\s+(?:the\s+|a\s+|an\s+)?[A-Z\w]")
# where a statement's reported words begin: 'said that ...', a quotation
REPORTED = re.compile(r"\bthat\b|[\u201c\"]")
POSSESSIVE = re.compile(r"\b(?:[Ii]ts|[Hh]is|[Hh]er)\s+$")
# a second verb phrase joined by 'and': 'met the ministers ... and downplayed statements', 'and deliver an invitation'
CONJUNCT_VERB = re.compile(r"\s(?:,\s*)?and\s+(?:then\s+)?(?:[a-z]+ed\b|[a-z]+\s+(?:a|an|the|his|her|its|their|that|to)\b)")
# a verb of saying or reacting between an actor and a test noun: the actor speaks of the test
REACTION = re.compile(r"\b(?:say|says|said|confirm(?:s|ed)?|condemn(?:s|ed)?|denounc\w+|call(?:s|ed)?|warn\w*|criti[cs]i[sz]\w+|"
                      r"slam(?:s|med)?|protest\w*|respond\w*|react\w*|accus\w+|blam\w+|urg\w+|demand\w*|welcom\w+|"
                      r"sanction\w*|punish\w*|impos\w+|report\w*|detect\w*|believ\w+|suspect\w*)\b")
# the one who wrote: 'a letter from Kim', 'a message from Putin'
FROM_SENDER = re.compile(r"(?:\s+(?:[\w-]+\s+){0,2}?)?\s*from\s+(?:the\s+)?$")
# the agent of an event noun: 'a statement to the media by IAEA spokesperson ...', 'the launch by North Korea'
BY_AGENT = re.compile(r"\s+(?:(?:to|on|at|of|before|in)\s+(?:the\s+)?[\w-]+\s+){0,2}?(?:(?:issued|made|delivered|released|conducted|carried\s+out|staged)\s+)?by\s+(?:the\s+)?")
# 'the sanctions that the U.N. Security Council imposed': the imposer of a relative clause
IMPOSED_BY = re.compile(r"\s+(?:that|which)\s+(?:the\s+)?")
IMPOSED_VERB = re.compile(r"\s+(?:\w+\s+){0,2}?(?:imposed|adopted|passed|approved|slapped|levied|announced|tightened|unveiled)\b")
# the target of an act: 'an attack by North Korea on a South Korean island', 'sanctions against North Korea'
TARGET_BEFORE = re.compile(r"\b(?:on|against|upon|at|toward|towards)\s+(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,1}$", re.I)


def compound(first: Candidate, second: Candidate, text: str) -> bool:
    """Whether two meeting triggers stand side by side as one noun ('a summit meeting', 'summit
    talks'): each is then the other's phrase, and the parties on either side are both's."""
    return (first.type in MEETING_TYPES and second.type in MEETING_TYPES and bool(first.trigger.text) and bool(second.trigger.text)
            and not _VERB_TRIGGER.match(second.trigger.text) and text[first.trigger.end:second.trigger.start].isspace())


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
        # a place's country (ISO 3166-1 alpha-3) -> the state texts name: the gazetteer's, else pycountry's short name
        self.state_of_iso3 = {e.iso3: e.name for e in gazetteer.actors.values() if e.kind == "state" and e.iso3}
        self.place_country = {n: getattr(gazetteer.places.get(canonical), "country", None) for n, canonical in places.items()}
        body = "|".join(re.escape(n) for n in sorted(places, key=len, reverse=True))
        self.place_re = re.compile(rf"\b(?:in|at|to|from|near|of)\s+(?:the\s+)?(?:[\w-]+\s+){{0,3}}?({body})\b")
        self.subject: ActorMention | None = None
        self.prior: ActorMention | None = None  # the subject before the present one
        self.subject_at: int | None = None  # the sentence that named the present subject, when it is this one

    def assign(self, sc: SentenceContext, kept: list[Candidate]) -> None:
        """The actors of each kept candidate of one sentence."""
        text, base, s1, sentence, actors, bounds = sc.text, sc.base, sc.end, sc.sentence, sc.actors, sc.bounds
        quoted = [(base + m.start(), base + m.end()) for m in QUOTED.finditer(sentence)]
        # the actors that modify another event noun of the sentence ("North Korea's latest nuclear test"): that event's
        modifying = [a for o in kept if o.trigger.text and not _VERB_TRIGGER.match(o.trigger.text)
                     for a in actors if base <= a.end <= o.trigger.start and (POSSESSOR.fullmatch(text, a.end, o.trigger.start) or (
                         a in self.modifiers(actors, text, base, o.trigger.start, o.trigger.end)
                         and MODIFIER_GAP.fullmatch(text, a.end, o.trigger.start)))]  # (not an 'its' antecedent)
        for k, c in enumerate(kept):
            lo = kept[k - 1].trigger.end if k else base
            hi = kept[k + 1].trigger.start if k + 1 < len(kept) else s1
            if k + 1 < len(kept) and compound(c, kept[k + 1], text):  # 'a summit meeting with Y': one noun, the window runs past both
                hi = kept[k + 2].trigger.start if k + 2 < len(kept) else s1
            if k and compound(kept[k - 1], c, text):
                c.actors, c.roles = list(kept[k - 1].actors), dict(kept[k - 1].roles)
                continue
            c_bounds = [base + b for b in bounds]
            ck = chunk_of(c_bounds, c.trigger.start)
            c_lo, c_hi = max(lo, c_bounds[ck]), min(hi, c_bounds[min(ck + 1, len(c_bounds) - 1)])
            if c.type in MEETING_TYPES or c.type == "agreement":  # 'met in Singapore', 'a summit with Kim in Vietnam': a venue
                actors_c = [a for a in actors if not ((a.text in self.places or (a.start > c.trigger.end and self.kind(a.actor) == "state"
                                                                                       and not GROUP.match(a.text)))
                                                      and VENUE.search(text, max(0, a.start - 8), a.start))]  # 'at six-nation talks': its parties
            elif c.type == "statement":  # who speaks, not whom the quoted words name
                actors_c = [a for a in actors if not any(q0 < a.start < q1 for q0, q1 in quoted)]
                if not _VERB_TRIGGER.match(c.trigger.text):  # 'a speech to the Supreme People's Assembly': whom it was addressed to
                    actors_c = [a for a in actors_c if not ADDRESSEE.fullmatch(text, c.trigger.end, a.start)]
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
                own = [a for a in own if a.start < c.trigger.start or getattr(self.gazetteer.actors.get(a.actor), "kind", "") != "state"
                       or DRAFTER.match(text, a.end)]  # ('vetoed a U.S.-drafted resolution': its drafter takes part)
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
            elif rel and ck and rel.group().strip().lower().endswith("who") and not any(a.start < c.trigger.start for a in own):
                # 'President Lee Myung-bak, a conservative who stopped the aid policy': who did it is the antecedent
                ante = [a for a in actors_c if c_bounds[ck] - 40 <= a.start < c_bounds[ck] and self.kind(a.actor) == "person"]
                own = ante[-1:] + own
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
            def subject_before() -> tuple[list, bool]:
                """The actors before the trigger, nearest chunk first, and whether a clause break
                (', and', ', but') stopped the search."""
                for j in range(ck, -1, -1):
                    found = [a for a in actors_c if max(c_bounds[j], base) <= a.start < min(c_bounds[j + 1], c.trigger.start) and a.start >= lo - 200
                             and (j == ck or a not in modifying)]  # ("condemned North Korea's test, ... a resolution": the test's, not the resolution's)
                    if found and j < ck and c.type == "statement":
                        # '<Lee will meet Ishiba ...>, the presidential office said': an unnamed speaker, the side of the
                        # reported clause's subject (not every party the clause names)
                        side = self.gazetteer.top_state(found[0].actor)
                        found = [a for a in found if self.gazetteer.top_state(a.actor) == side]
                    if found and j < ck and re.match(r"\W*(?:who|which|whom|whose)\b", text[c_bounds[j]:c_bounds[j] + 12]):
                        continue  # 'Trump, who met Kim in Hanoi, said ...': the relative clause's object is not the subject
                    if found and 0 < j < ck and re.match(r",\s+(?:the|a|an)\s+[a-z]", text[c_bounds[j]:c_bounds[j] + 12]) \
                            and any(c_bounds[j - 1] <= a.start < c_bounds[j] for a in actors_c):
                        continue  # 'Kim Yo Jong, the powerful sister of Kim Jong Un, warned': an apposition names someone else
                    if found:
                        return found, False
                    if re.match(r"\s*[,;]\s*(?:and|but|while|whereas)\s", text[c_bounds[j]:c_bounds[j] + 12]):
                        return [], True  # not across ', and' into another clause ('Kim called the US an enemy, and a parade ... showed')
                return [], False

            clause_break = False
            if not own:  # the subject
                own, clause_break = subject_before()
            elif c.type in MEETING_TYPES | {"agreement"} and not any(a.start < c.trigger.start for a in own) and (
                    _VERB_TRIGGER.match(c.trigger.text) or _VERB_BEFORE.search(text, max(base, c.trigger.start - 30), c.trigger.start)):
                # 'Mr. X, Prime Minister of Japan, held a summit with Y', 'Trump, left, meets with Kim', 'Trump, who met Kim in
                # Hanoi, ...': the subject before an apposition or a relative pronoun is the first party
                own = [*subject_before()[0], *own]
            pron = PRONOUN.search(text, c_lo if c_lo > base else base, c.trigger.start)
            if pron and (not any(a.start < pron.start() for a in own)
                         or re.match(r"(?i)(?:he|she)\s+and\b", text[pron.start():pron.start() + 8])):  # 'He met Xi Jinping', 'he and Kim signed': the person last named
                person = self.subject
                if person is not None:
                    own = [person, *own]
            him = OBJECT_PRONOUN.search(text, c.trigger.end, c_hi)
            if him and c.type in MEETING_TYPES | {"agreement", "statement", "incident"}:  # 'Putin held talks with him': the person named before
                person = self.prior if self.subject_at == base else self.subject
                if person is not None and person.actor not in {a.actor for a in own}:
                    own = [*own, person]
            if not own and c.type == "statement":  # 'In a speech on Feb. 8, North Korean leader Kim Jong-un vowed...'
                after = [a for a in actors_c if a.start >= c.trigger.end]
                own = after[:1]
                for a in after[1:]:  # the subject and its apposition ('North Korean leader Kim Jong-un'), not the verb's object
                    if a.start - own[0].start >= 40 or not SUBJECT_GAP.fullmatch(text, own[-1].end, a.start):
                        break
                    own.append(a)
            head = next((o for o in reversed(kept[:k]) if o.type == c.type), None) if c.type_rule == "list-item-type" else None
            if head is not None:  # a list item with its own date and no trigger: its list's event kind, its list's actors
                c.actors, c.roles = list(head.actors), dict(head.roles)
                continue
            if not own and k and not clause_break:
                c.actors = list(kept[k - 1].actors)
                c.roles = dict(kept[k - 1].roles)
                continue
            if c.type in MEETING_TYPES | {"agreement", "military_drill"} and own:
                # 'talks between China, Japan, and South Korea': a list of parties runs on past the comma that ends the clause
                last = max(own, key=lambda a: a.start)
                for a in sorted(actors_c, key=lambda a: a.start):
                    if a.start >= last.end and a not in own:
                        if not PARTY_LIST_GAP.fullmatch(text, last.end, a.start):
                            break
                        own.append(a)
                        last = a
            if own and c.type in MEETING_TYPES | {"agreement", "military_drill", "statement", "sanctions"}:
                # 'released by the Governments of Australia, Canada, ..., and the United States': the list before the clause's first
                first = min(own, key=lambda a: a.start)
                chain = []
                for a in sorted((a for a in actors_c if base <= a.start and a.end <= first.start), key=lambda a: -a.start):
                    if a in own:
                        continue
                    if not PARTY_LIST_GAP.fullmatch(text, a.end, first.start):
                        break
                    chain.insert(0, a)
                    first = a
                ends = sorted([*chain, *own], key=lambda a: a.start)
                if chain and any(re.search(r"\band\b", text[x.end:y.start]) for x, y in zip(ends, ends[1:])):
                    own = [*chain, *own]  # (a list closed by 'and', not 'in Laos, Yoon's office said')
            own, roles = self.refine(c, own, actors_c, text, base, s1, c_hi, actors)
            c.actors = dedupe(a.actor for a in own)
            c.roles = {a: roles.get(a, "participant") for a in c.actors}

    def refine(self, c: Candidate, own: list, actors_c: list, text: str, base: int, s1: int, c_hi: int, sentence_actors: list):
        """The actors of one candidate after the phrasing rules that outrank position, and the role
        of each (initiator, target or participant; a speaker is its statement's initiator):
        - an event noun's own modifiers are its actors ("Pyongyang's new ICBM launch", "a Russian
          and Chinese proposal", "its nuclear test" with 'its' the nearest actor before it);
        - a letter's or message's sender ("a letter from Kim"); an event noun's agent ("a statement
          by the IAEA", "an attack by North Korea"); the imposer of "the sanctions that X imposed";
        - a test has one tester, never an international organisation (the Security Council that
          punished it is no tester);
        - an incident's and a sanction's target ("on a South Korean island", "against North Korea");
        - a meeting with one party named and a host state as its venue ("his talks in Pyongyang")
          has that state as its second party."""
        t0, t1 = c.trigger.start, c.trigger.end
        nominal = not _VERB_TRIGGER.match(c.trigger.text) and bool(c.trigger.text)
        initiators: list = []
        if nominal:
            initiators = self.modifiers(actors_c, text, base, t0, t1)
            if not initiators and c.type in ("statement", "un_action", "sanctions"):
                sender = [a for a in actors_c if t1 <= a.start < t1 + 40 and FROM_SENDER.fullmatch(text, t1, a.start)]
                if c.type == "statement" and sender:
                    initiators = sender[:1]
            if not initiators and c.type in {"statement", "incident"} | TEST_FAMILY:
                by = BY_AGENT.match(text, t1, min(s1, t1 + 60))
                agent = [a for a in actors_c if by and a.start == by.end()]
                initiators = agent
            if not initiators and c.type in ("sanctions", "un_action") and IMPOSED_BY.match(text, t1):
                rel = IMPOSED_BY.match(text, t1)
                agent = [a for a in actors_c if a.start == rel.end() and IMPOSED_VERB.match(text, a.end)]
                initiators = agent
        if c.type in TEST_FAMILY:
            chosen = initiators or own
            if nominal and not initiators:  # "Japan's Abe says nuclear test 'unacceptable'": who reacts is no tester
                chosen = [a for a in chosen if not (a.end <= t0 and REACTION.search(text, a.end, t0))]
            chosen = [a for a in chosen if self.kind(a.actor) != "international_organisation"
                      and self.gazetteer.top_state(a.actor) not in ("United Nations Security Council", "United Nations")]
            tester = self.one_state(chosen, t0)
            return tester, {a.actor: "initiator" for a in tester}
        if c.type in MEETING_TYPES or c.type == "agreement":
            if c.type != "agreement":  # 'the Singapore summit', 'the Hanoi talks': where, not who
                initiators = [a for a in initiators if a.text not in self.places]
                own = [a for a in own if not (a.text in self.places and a.end <= t0 and MODIFIER_GAP.fullmatch(text, a.end, t0))]
            conj = CONJUNCT_VERB.search(text, t1, c_hi)
            if conj is not None:  # 'met the ministers in Tokyo and downplayed statements from North Korea': another act's
                own = [a for a in own if a.start < conj.start()]
            if initiators and nominal and c.type != "agreement" and c.trigger.text[:1].islower():
                own = [a for a in own if a.start >= t1]  # "his talks in Pyongyang", "last week's U.S.-North Korea summit": the noun's own parties
            parties = dedupe([*initiators, *own])
            if len({self.gazetteer.top_state(a.actor) for a in parties}) < 2 and c.type != "plenum":
                host = [a for a in sentence_actors if t0 - 200 < a.start < c_hi and self.kind(a.actor) == "state"
                        and VENUE.search(text, max(0, a.start - 8), a.start) and a not in parties]
                host.sort(key=lambda a: (a.start < t1, abs(a.start - t1)))  # the venue after the event word, else the nearest
                if not host and re.search(r"(?i)\b(?:visit|visits|trip|trips|tour)$", c.trigger.text):
                    host = self.host_of_place(text, t1, c_hi, parties)  # ('Kim's visit to Vladivostok': Russia; not 'talks in Stockholm')
                parties += host[:1]
            return parties, {}
        if initiators:  # a sanction's or an incident's target stays ('sanction the North's IT workers')
            first = min(a.start for a in initiators)  # (not who stands before the imposer: 'as the US secured the sanctions that the UN imposed')
            own = [*initiators, *(a for a in own if a not in initiators and a.start > first and c.type in ("incident", "sanctions"))]
        as_verb = not nominal or not re.search(r"(?:\b(?:a|an|the|its|his|her|their|this|that)|['\u2019]s)\s+(?:[\w-]+\s+)?$", text[max(base, t0 - 30):t0], re.I)
        if c.type == "incident" and as_verb and any(a.start < t0 for a in own):
            # 'Israeli jets bombed a Syrian site built with North Korean help': the verb's object, not who the modifier names
            end = OBJECT_END.search(text, t1, c_hi)
            own = [a for a in own if a.start < t0 or end is None or a.start < end.start()]
        if c.type == "sanctions" and any(a.start < t0 for a in own):
            # 'imposed sanctions on two Chinese firms for helping North Korea evade UN measures': the reason is not the target
            end = REASON.search(text, t1, c_hi)
            own = [a for a in own if a.start < t0 or end is None or a.start < end.start()]
        roles = {}
        for a in own:
            imposer_named = bool(initiators) and c.type in ("incident", "sanctions")  # ('the EU added North Korea's minister to its list')
            roles.setdefault(a.actor, "initiator" if (a in initiators or (not imposer_named and (a.start < t0 or c.type == "statement")))
                             else "target")
        if c.type in ("incident", "sanctions"):
            targets = [a for a in actors_c if t1 <= a.start < c_hi and a not in own
                       and TARGET_BEFORE.search(text, max(0, a.start - 30), a.start)]
            own = [*own, *targets]
            for a in targets:
                roles.setdefault(a.actor, "target")
        return own, roles

    def host_of_place(self, text: str, t1: int, c_hi: int, parties: list) -> list:
        """The state of the city a one-party visit went to ("Kim's visit to Vladivostok": Russia),
        as one mention over the city's name. (Where talks were held names no side: "talks in Stockholm".)"""
        from kpolicy.extract.actors import ActorMention

        sides = {self.gazetteer.top_state(a.actor) for a in parties}
        for m in self.place_re.finditer(text, t1, c_hi):
            if not re.match(r"to\b", m.group()):
                continue
            state = self.state_of_iso3.get(self.place_country.get(m.group(1)) or "") or self._pycountry_state(self.place_country.get(m.group(1)))
            if state and state not in sides:
                return [ActorMention(m.start(1), m.end(1), m.group(1), state)]
            break
        return []

    @staticmethod
    def _pycountry_state(iso3: str | None) -> str | None:
        if not iso3:
            return None
        import pycountry

        from kpolicy.authority import country_names

        c = pycountry.countries.get(alpha_3=iso3)
        name = (getattr(c, "common_name", None) or c.name) if c else None
        return name if name in set(country_names().values()) else None

    def modifiers(self, actors_c: list, text: str, base: int, t0: int, t1: int) -> list:
        """The actors that modify the event noun at text[t0:t1]: inside it ('inter-Korean talks'),
        before it with only modifier words between ("North Korea's sixth nuclear test", "a Russian
        and Chinese proposal"), or the nearest actor before a possessive 'its'/'his'/'her' that
        modifies it ("sanctions on North Korea over its nuclear test")."""
        inside = [a for a in actors_c if (t0 <= a.start and a.end <= t1) or a.start < t0 < a.end]  # ('South Korean military exercises')
        before = [a for a in actors_c if base <= a.start and a.end <= t0]
        nearest = None
        for a in reversed(before):
            if MODIFIER_GAP.fullmatch(text, a.end, t0):
                nearest = a
            break
        if nearest is None:
            gap_start = t0
            m = re.search(r"\b(?:[Ii]ts|[Hh]is|[Hh]er)\s+(?:[\w'\u2019.-]+\s+){0,5}$", text[max(base, t0 - 80):t0])
            if m is not None:
                at = max(base, t0 - 80) + m.start()
                word_end = at + len(m.group().split()[0])
                if MODIFIER_GAP.fullmatch(text, word_end, gap_start):
                    # a demonym or the first part of a compound modifies a noun: 'the EU added North Korean
                    # individuals to its list' (the EU), 'angered by U.S.-South Korean drills after its test'
                    ante = [a for a in before if a.end <= at and not self.adjective(a) and text[a.end:a.end + 1] != "-"
                            and text[a.start - 1:a.start] != "-"]
                    if ante:
                        person = m.group()[0].lower() == "h"  # 'his', 'her': a person; 'its': a state or body
                        fit = [a for a in ante if (self.kind(a.actor) == "person") == person]
                        # a possessor modifies its own noun ("the EU added North Korea's minister to its list": the EU's list)
                        plain = [a for a in fit if text[a.end:a.end + 2] not in ("'s", "\u2019s")]
                        if plain or fit:
                            return [*inside, (plain or fit)[-1]]
            return inside
        group = [a for a in before if (a.start, a.end) == (nearest.start, nearest.end)]
        first = nearest
        for a in reversed(before):  # 'a Russian and Chinese proposal', 'U.S.-South Korean drills'
            if a.end <= first.start and ACTOR_LIST_GAP.fullmatch(text, a.end, first.start):
                group.insert(0, a)
                first = a
        return [*group, *inside]

    def adjective(self, a) -> bool:
        """Whether a mention is a demonym ('North Korean', 'Iranian'): it modifies a noun, so no
        pronoun refers back to it."""
        entry = self.gazetteer.actors.get(a.actor)
        if entry is not None and a.text in entry.adjectives:
            return True
        return a.text != a.actor and entry is None and a.text.endswith(("an", "ese", "ish", "i"))

    def one_state(self, mentions: list, t0: int) -> list:
        """The mentions of one state: a test has one tester (the nearest named before the trigger,
        else the first after it)."""
        if len({self.gazetteer.top_state(a.actor) for a in mentions}) <= 1:
            return mentions
        before = [a for a in mentions if a.start < t0]
        pick = before[-1] if before else mentions[0]
        state = self.gazetteer.top_state(pick.actor)
        return [a for a in mentions if self.gazetteer.top_state(a.actor) == state]

    def track_subject(self, sentence_actors, body0: int, text: str | None = None, first_trigger: int | None = None) -> None:
        """The person a sentence opens with (or names before its first event word) is who a later
        'he' or 'she' refers to; a person after a 'he' in the sentence is someone else ('A year
        earlier, he met Trump'). The person before is kept for a 'him' ('Putin held talks with him')."""
        self.subject_at = None
        people = [a for a in sentence_actors if (a.start - body0 < 40 or (first_trigger is not None and a.start < first_trigger))
                  and getattr(self.gazetteer.actors.get(a.actor), "kind", None) == "person"]
        if text is not None:
            people = [a for a in people if not PRONOUN.search(text, body0, a.start)]
        first = people[0] if people else None  # 'Russian President Vladimir Putin arrived...': Putin
        if first is not None:
            entry = self.gazetteer.actors.get(first.actor)
            if entry is not None and entry.kind == "person":
                if self.subject is None or self.subject.actor != first.actor:
                    self.prior = self.subject
                self.subject, self.subject_at = first, body0

    def kind(self, actor: str) -> str | None:
        return getattr(self.gazetteer.actors.get(actor), "kind", None)

    def place(self, text: str, start: int = 0, end: int | None = None, reported: bool = False, after: int | None = None) -> str | None:
        """The gazetteer place text[start:end] names after in/at/to/from/near/of; for a statement
        (`reported`), not inside the words it reports ('told reporters that Tokyo had protested to Beijing');
        after the event word (`after`), not in a later clause of another act ('..., a day after X arrived in Pyongyang')."""
        end = len(text) if end is None else end
        if reported:
            said = REPORTED.search(text, start, end)
            end = said.start() if said else end
        if after is not None:
            other = OTHER_ACT.search(text, after, end)
            end = other.start() if other else end
        for m in self.place_re.finditer(text, start, end):
            if not NAMED_AFTER_CITY.match(text, m.end(1)) and text[m.end(1):m.end(1) + 2] not in ("'s", "\u2019s"):
                # (not 'the Pyongyang Declaration', a document's name, nor "after Pyongyang's test", who acted)
                return self.places[m.group(1)]
        return None
