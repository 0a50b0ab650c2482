"""Names an article uses that the authority file lacks: people, places and organisations.

`UnknownNames(finder).find(text)` returns each name with its span, what it would be (a
person, a place, or an organisation of a kind: organ, agency, party, armed_force...) and,
for an organisation named with its owner ("Japan's Reconstruction Agency", "the Korean
Workers' Party's Central Military Commission"), the known actor it belongs to. Ingest makes
each a proposal in `kpolicy review` (kpolicy.store.articles.propose_unknown).

The rules are about the shape of a name, never a list of names, and they lean to silence:
an analyst reading proposals must not wade through noise.
- a person: kpolicy.extract.actors.ActorFinder.unknown_people (a Korean name, a titled name);
- a place: a capitalised name right after "in", "at", "near" or "outside" ("in Sokcho",
  "at Wonsan Kalma Airport"), with "the" only before a place's head word ("at the Tonghae
  Launch Site"); not a month, a language, a name of an event or a document ("at the Hanoi
  summit": a lower-case noun follows), a person, or a body;
- an organisation: a capitalised name with an organisation's head word (Ministry,
  Committee, Commission, Agency, Council, Party, Command, ...) and something of its own:
  a word that is not generic ("Ministry of Unification" is; "the Ministry", "Foreign
  Ministry" and "Central Committee" are not), or a known owner before it ("China's
  Foreign Ministry" names one body; "Foreign Ministry" alone does not).
Nothing overlapping a known actor's mention is proposed, except that owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kpolicy.authority import fold
from kpolicy.extract.lexicon import MONTH_NAMES, WEEKDAYS


@dataclass(frozen=True)
class UnknownName:
    start: int
    end: int
    name: str
    kind: str  # 'person', 'place', or an actor kind (kpolicy.vocabulary.ACTOR_KINDS) for an organisation
    parent: str | None = None  # the known actor an organisation belongs to, when the text names it as the owner

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, **({"parent": self.parent} if self.parent else {})}


# an organisation's head word -> the actor kind it makes
ORG_HEADS = {
    "Ministry": "organ", "Committee": "organ", "Commission": "organ", "Council": "organ", "Department": "organ",
    "Bureau": "organ", "Office": "organ", "Secretariat": "organ", "Presidium": "organ", "Politburo": "organ",
    "Cabinet": "organ", "Assembly": "organ", "Court": "organ", "Directorate": "organ", "Administration": "agency",
    "Agency": "agency", "Service": "agency", "Institute": "agency", "Authority": "agency", "Board": "agency",
    "Corporation": "group", "Bank": "group", "Association": "group", "Federation": "group", "Union": "group",
    "Front": "group", "League": "group", "Foundation": "group", "Organization": "group", "Organisation": "group",
    "Party": "party", "Command": "armed_force", "Army": "armed_force", "Navy": "armed_force", "Force": "armed_force",
    "Forces": "armed_force", "Corps": "armed_force", "Guard": "armed_force", "Fleet": "armed_force", "Division": "armed_force",
}
# words that make a body's name generic, not its own: what every state's body of that sort is called
_GENERIC = frozenset("""Foreign Affairs Defense Defence National Central Military Supreme State People's Peoples People
    General Political Standing Joint Special Strategic Security Public Home Interior Justice Finance Trade Economic
    Economy Unification Reunification Executive Permanent International Federal Provincial Municipal Armed Air Ground
    Naval Navy Rocket Missile Nuclear Atomic Energy Intelligence Information Science Technology Education Health
    Culture Labor Labour Agriculture Industry Commerce Development Planning Staff Chiefs Main High Higher Senior
    Ruling Opposition Communist Democratic Republican Socialist Workers Workers' Worker Korea Korean Korea's Government
    Governing Presidential Legislative Judicial Party Parliamentary Regional District Local Office Chief Emergency
    Relations Cooperation Operations Policy Human Rights Environment Transport Transportation Land Maritime
    Fisheries Oceans Veterans Patriots Gender Equality Family Welfare Safety Treasury Budget Tax
    Ministers Customs Police Prosecution Prosecutors Audit Inspection Personnel Management Legal Communications
    Broadcasting Press Media Standards Statistics Meteorological Weather Space Aerospace Cyber Force Forces
    Guard Reserve Coast Constitutional First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Eleventh Twelfth
    New Old United Combined Allied Northern Southern Eastern Western North South East West""".split())
# a person's title inside a name ('Secretary of the Central Committee'): the person's, not the body's
_TITLES = frozenset("""President Vice Deputy Chairman Chairwoman Chair Secretary Minister Director Commander Chief
    Premier Leader Head Spokesman Spokeswoman Spokesperson Envoy Ambassador Representative Member Members Marshal
    General Admiral Colonel Officer Officials Official""".split())
_CONNECTORS = frozenset({"of", "for", "and", "on", "the", "de", "to"})

# a place's head word: what makes 'the X Y' the name of a place
PLACE_HEADS = frozenset("""Cosmodrome Airport Airbase Base Port Harbor Harbour Island Islands Peninsula Strait Sea Bay
    River Mountains Mountain Mount Station Site Range Complex Zone Village District County Province Prefecture City
    Square Palace Hotel Resort Dam Facility Plant Ground Grounds Field Camp Valley Lake Coast Reservoir Shipyard
    Testing Test Center Centre Spaceport Highlands Plateau Park""".split())
# words that end the name of a thing, not of a place ('in the Panmunjom Declaration', 'at the Party Congress')
_NOT_PLACE = frozenset("""Summit Talks Meeting Meetings Session Plenum Plenary Congress Conference Forum Dialogue Games
    Olympics War Declaration Statement Agreement Accord Accords Treaty Framework Address Speech Report Resolution
    Resolutions Act Law Charter Day Year Era Policy Doctrine Initiative Strategy Plan Program Programme Operation
    Exercise Exercises Drill Drills Times Post Journal News Daily Herald Sinmun Tribune Review Magazine Press
    Parliament Senate Diet Council Congressman English Korean Chinese Japanese Russian French German Spanish Arabic
    Hangul Article Annex Chapter Section Part Phase Round Order Protocol Communique Memorandum Convention Regime
    Government Administration University Institute Center Centre""".split())
# words that name an occasion: a body named after one ('Summit Press Corps') is that occasion's, no actor
_EVENT_WORDS = frozenset("Summit Talks Meeting Session Plenum Plenary Congress Conference Forum Games Olympics War".split())
_NOT_NAME_WORDS = frozenset({w.capitalize() for w in [*MONTH_NAMES, *WEEKDAYS]} | set(
    "The A An This That These Those Its Their His Her Our Other Another Some Many Several All Both Each Every Most Few Such "
    "Former Then Any No Whose Which What When While If As In On At For From By With".split()))
# what follows a place: punctuation, or a word that is no noun it would modify ('in Sokcho on Monday')
_AFTER_PLACE = re.compile(r"(?:\s*(?:[.,;:)\]!?\"'\u2019\u201d]|\(|$)|\s+(?:on|in|at|and|or|to|for|with|from|near|last|this|next|"
                          r"earlier|later|that|which|where|when|as|after|before|since|during|amid|while|but|of|by|is|was|"
                          r"were|has|have|had|said|says|told|early|late|over|under|until|till|the|a|an|again|today|yesterday|tomorrow|"
                          r"recently|once|twice|together|too|also|now|then|it|they|he|she|we|who|since|\d)\b)")

_CAP = r"(?:[A-Z][A-Za-z]*(?:-[A-Za-z]+)*(?:'s\b|(?<=s)'(?!\w))?)"
# a run of capitalised words, with lower-case joints inside ('Ministry of State Security', 'Committee for the Peaceful ...')
_PHRASE = re.compile(rf"{_CAP}(?:(?: | of | for | on | and | of the | for the | on the | and the | to the ){_CAP})*")
_SENTENCE_START = re.compile(r"(?:\A|[.!?:\n]['\"\u2019\u201d)]?)\s*\Z")
_PLACE_AFTER = re.compile(r"(?<![\w-])(?:[Ii]n|[Aa]t|[Nn]ear|[Oo]utside) (the )?(?=[A-Z])")
_PLACE_NAME = re.compile(r"[A-Z][a-z]+(?:-[a-z]+)*(?: [A-Z][a-z]+(?:-[a-z]+)*){0,3}(?: of(?: the)? [A-Z][a-z]+(?:-[a-z]+)*)?(?!['\w-])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _bare(word: str) -> str:
    return re.sub(r"(?:'s|')$", "", word)


def _bodies_of(words: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """A run of capitalised words cut where 'and' follows a body's head word ('the Control
    Commission and the Party History Institute' names two); 'Ministry of Science and ICT' stays one."""
    parts, current = [], []
    for word in words:
        if word[2] == "and" and current and _bare(current[-1][2]) in ORG_HEADS:
            parts.append(current)
            current = []
            continue
        current.append(word)
    return [*parts, current] if current else parts


class _Spans:
    """The characters some names cover: an overlap check costs a name's length, not the number of names."""

    def __init__(self, size: int) -> None:
        self.cells = bytearray(size + 1)

    def add(self, a: int, b: int) -> None:
        self.cells[a:b] = b"\x01" * (b - a)

    def hit(self, a: int, b: int) -> bool:
        return self.cells.find(1, a, b) >= 0


class UnknownNames:
    """The unknown people, places and organisations of a text (kpolicy.extract.actors.ActorFinder's names are the known ones)."""

    def __init__(self, finder) -> None:
        self.finder = finder
        self.gazetteer = finder.gazetteer

    def find(self, text: str) -> list[UnknownName]:
        folded = fold(text)
        mentions = self.finder.find(text)
        known, leads = _Spans(len(text)), {}
        for m in mentions:
            known.add(m.start, m.end)
            if m.end > leads.get(m.start, (0, None))[0]:
                leads[m.start] = (m.end, m.actor)  # the longest known name starting there
        out = [UnknownName(a, b, name, "person") for a, b, name in self.finder.unknown_people(text, mentions)]
        taken = _Spans(len(text))
        for u in out:
            taken.add(u.start, u.end)
        out += self._bodies(folded, text, known, leads, taken)
        out += self._places(folded, text, known, taken)
        return sorted(out, key=lambda u: (u.start, u.end))

    def _known_name(self, name: str) -> bool:
        return bool(name in self.finder.names or self.gazetteer.actor(name) or self.gazetteer.place(name))

    def _bodies(self, folded: str, text: str, known: _Spans, leads: dict, taken: _Spans) -> list[UnknownName]:
        out: list[UnknownName] = []
        seen: set[str] = set()
        for m in _PHRASE.finditer(folded):
            words = [(w.start() + m.start(), w.end() + m.start(), w.group()) for w in _WORD.finditer(m.group())]
            if folded[m.start() - 1:m.start()] == "-":
                words = words[1:]  # 'pro-Roh Uri Party': the prefixed word is no part of the name
            for part in _bodies_of(words):
                found_one = self._body(folded, text, part, known, leads, taken)
                if found_one is not None and found_one.name.lower() not in seen:
                    seen.add(found_one.name.lower())
                    out.append(found_one)
                    taken.add(found_one.start, found_one.end)
        return out

    def _body(self, folded: str, text: str, words, known: _Spans, leads: dict, taken: _Spans) -> UnknownName | None:
        """The organisation `words` name, or None: see the module's rules."""
        while words and (words[0][2] in _NOT_NAME_WORDS or words[0][2] in _CONNECTORS):
            words = words[1:]  # 'The Ministry of ...' at a sentence's start
        for i in range(1, len(words) - 1):
            if words[i][2] in _CONNECTORS and words[i + 1][2] in _NOT_NAME_WORDS:
                words = words[:i]  # 'the Election Committee on Tuesday': the name ends before the day
                break
        if not words or not any(_bare(w) in ORG_HEADS for _, _, w in words):
            return None
        # the owner: a known actor the name opens with, as a possessive or a state's adjective
        owner, first, adjective = None, 0, False
        if words[0][0] in leads:
            e, actor = leads[words[0][0]]
            entry = self.gazetteer.actors.get(actor)
            last = max(i for i, (ws, _, _) in enumerate(words) if ws < e)
            possessive = folded[e:e + 2] == "'s" or folded[e - 1:e] == "'"
            if last + 1 < len(words) and (possessive or (entry is not None and entry.kind == "state")):
                owner, first = actor, last + 1
                adjective = not possessive  # 'Japanese Defense Agency': the state's word is part of the name
        rest = list(words[first:])
        while rest and rest[-1][2] in _CONNECTORS:
            rest.pop()
        heads = [i for i, (_, _, w) in enumerate(rest) if _bare(w) in ORG_HEADS]
        if not heads or any(w in _CONNECTORS for _, _, w in rest[:heads[0]]):
            return None  # 'Congress of the Workers' Party', 'Secretary of the Central Committee': not the body's own name
        head = rest[heads[-1]][2]
        if head.endswith("'s") or head.endswith("'"):
            return None  # 'the Party's ...': the body owns what follows, it is not named here
        after = rest[heads[-1] + 1:]
        if after and after[0][2] not in _CONNECTORS:
            return None  # 'Party Congress', 'Army Day', 'Nuclear Forces Policy': the body names what follows it
        if any(_bare(w) in _TITLES for _, _, w in rest[:heads[0]]):
            return None  # 'Vice Chairman Committee': a person's title
        a, b = rest[0][0], rest[-1][1]
        name = text[a:b]
        if known.hit(a, b) or taken.hit(a, b) or self._known_name(name):
            return None
        own = [w for _, _, w in rest if w not in _CONNECTORS and _bare(w) not in ORG_HEADS and _bare(w) not in _GENERIC
               and _bare(w) not in _TITLES and w not in _NOT_NAME_WORDS]
        if any(_bare(w) in _EVENT_WORDS or _bare(w) in self.finder.surnames for w in own):
            return None  # 'Summit Press Corps': named after an event; 'Clinton Administration': after a known person
        if not own and owner is None:
            return None  # 'the Ministry', 'Foreign Ministry', 'Central Military Commission': whose?
        if owner is not None and (adjective or not own):
            a = words[0][0]
            name = text[a:b]  # named with its owner: 'China's Foreign Ministry', 'North Korean Central News Agency'
            if self._known_name(name):
                return None
        return UnknownName(a, b, name, ORG_HEADS[_bare(head)], owner)

    def _places(self, folded: str, text: str, known: _Spans, taken: _Spans) -> list[UnknownName]:
        out: list[UnknownName] = []
        seen: set[str] = set()
        for m in _PLACE_AFTER.finditer(folded):
            n = _PLACE_NAME.match(folded, m.end())
            if n is None:
                continue
            if folded[m.start()].isupper() and not _SENTENCE_START.search(folded, max(0, m.start() - 6), m.start()):
                continue  # 'Deputy Pak In Chol': a capitalised 'In' inside a sentence is a name's
            a, b = n.span()
            core, _, complement = n.group().partition(" of ")
            words = core.split()
            if complement and words[-1] not in PLACE_HEADS:
                b = a + len(core)  # 'of ...' continues a place's head only ('Kumsusan Palace of the Sun'), else it is not the name's
                complement = ""
            name = folded[a:b]
            if any(w in _NOT_NAME_WORDS or w in _NOT_PLACE or w in ORG_HEADS or w in _TITLES for w in words):
                continue
            if all(w in PLACE_HEADS for w in words):
                continue  # 'in the Sea of ...', 'at Port': a head word names no place
            if m.group(1) and words[-1] not in PLACE_HEADS:
                continue  # 'at the Hanoi summit', 'in the County Prior to': with 'the', a place's name ends in its head
            if not _AFTER_PLACE.match(folded, b) or folded[b:b + 2] == "'s":
                continue  # a name before a noun ('in Sokcho talks') or an owner ('in Kim's words')
            if known.hit(a, b) or taken.hit(a, b) or self._known_name(name):
                continue
            if len(words) == 1 and words[0] in self.finder.surnames:
                continue  # 'at Kim's side': a known surname
            if re.fullmatch(r"[A-Z][a-z]{1,4} [A-Z][a-z]+-[a-z]+", name):
                continue  # a Korean person's name (kpolicy.extract.actors.unknown_people decides those)
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            out.append(UnknownName(a, b, text[a:b], "place"))
        return out
