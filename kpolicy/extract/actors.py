"""Actor mentions in plain text: gazetteer names, aliases, demonyms, compounds, other countries.

`ActorFinder(gazetteer).find(text)` returns every mention with its span and canonical
actor. Sources of names, in priority order:
- the gazetteer (data/gazetteer.yaml, read through kpolicy.authority): canonical names, aliases, adjectives (North Korean);
- compounds: inter-Korean, "the two Koreas", "North and South Korea" (both Koreas), "the
  six-party talks" (its six states), hyphenated pairs
  (U.S.-North Korea, Kim-Trump) whose parts are names or surnames of known people;
- a bare surname (Kim, Trump) for the person of that surname the text last named in full; with none
  named, the one of that surname who held an office on the publication date ('Trump met Kim in
  Hanoi', 2019: Kim Jong-un); never after an unknown person of that surname ('Sung Kim');
- "the North" / "the South" only when North Korea / South Korea is named in the text;
- every other country by pycountry's names (kpolicy.authority.country_names), as its common English short name, with a
  cheap demonym (Iran -> Iranian, Syria -> Syrian).
Typographic apostrophes are folded to ' before matching (same length, so spans hold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from kpolicy.authority import Gazetteer, country_names, fold, load_gazetteer
from kpolicy.extract.lexicon import MONTH_NAMES


@dataclass(frozen=True)
class ActorMention:
    start: int
    end: int
    text: str
    actor: str


# The states of the Six-Party Talks (2003-2009), named together by 'the six-party talks'.
SIX_PARTIES = ("North Korea", "South Korea", "China", "United States", "Russia", "Japan")

# Names that would match ordinary words or are handled by context rules.
_CONTEXT_ALIASES = {"the north": "North Korea", "the south": "South Korea"}


_HEAD_TITLE = re.compile(r"\b(?:President|Chairman|Premier|Prime\s+Minister|Chancellor|General\s+Secretary|Leader|leader)\s+$")
# a capitalised word before a surname that is no given name: titles and words that open a sentence
_NOT_GIVEN = frozenset("""President Chairman Premier Minister Secretary Leader Marshal General Comrade Chancellor Envoy
    Ambassador Mr Ms Mrs Dr Gen Lt Col Sen Rep Representative Senator Governor Mayor Spokesman Spokeswoman Vice Deputy
    Chief Director Commander Admiral Prince King Queen Emperor Sister Brother When Then But And After Before While As If
    Since So Yet Also Later Earlier Meanwhile However Although Though Because Still Now Today Yesterday Here There Where
    Why How What Who Whom Whose Which That This These Those The A An In On At For From By With Of To Under Over Against
    Asked Said Says Told According Unlike Like Even Only Both Neither Either Nor Or Instead Indeed Thus Hence""".split())
# a person the gazetteer does not know, as texts name people: a Korean name (family name, then a
# hyphenated given name: 'Kim Son-gyong', 'Ri Chang-ho'), or a title before a first and last name
# ('Ambassador Philip Goldberg', 'Foreign Minister Penny Wong')
_KOREAN_NAME = re.compile(r"\b[A-Z][a-z]{1,4} [A-Z][a-z]+-[a-z]+\b")
_TITLED_NAME = re.compile(r"\b(?:Ambassador|Minister|Secretary|[Ee]nvoy|[Ss]pokes(?:man|woman|person)|General|Gen\.|Admiral|Adm\."
                          r"|Director|Chairman|Chairwoman|Senator|Sen\.|Rep\.|President|Premier|Commissioner|Representative)"
                          r" ((?:[A-Z][a-z]+|[A-Z]\.)(?: (?:[A-Z][a-z]+|[A-Z]\.))*? [A-Z][a-z]{2,})\b")
# an unknown person after a title: 'spokesperson Liu Jianchao', 'Foreign Minister Penny Wong'
_TITLED_STRANGER = re.compile(r"\b(?:[Ss]pokes(?:man|woman|person)|[Mm]inister|[Aa]mbassador|[Ee]nvoy|[Ss]ecretary|President|Premier|Chancellor"
                              r"|General|Admiral|Director|Chairman|Chairwoman|Commissioner|[Nn]egotiator|[Dd]iplomat)"
                              r" ([A-Z][a-z]+(?: [A-Z][a-z]+){1,2})\b")
# between a state and the title of its official: "Chinese Foreign Ministry spokesperson", "Australia's Foreign Minister"
_TITLE_GAP = re.compile(r"(?:'s)?(?:\s+(?:[A-Z][\w.'-]*|of|the|for|foreign|defen[cs]e|ministry|affairs|top|chief|deputy|vice|senior))*\s+")
# two states named by their number: 'the two countries', 'the two governments'
_THE_TWO = re.compile(r"\b[Tt]he two (?:countries|nations|states|governments|neighbou?rs|sides|allies|capitals)\b")
# words that make a capitalised pair a body, a rank or a class of ship, not a person's name
_NOT_A_NAME = frozenset("""Vice Deputy Staff Bureau Committee Department Ministry Council Office Party Army Navy Force Forces
    Command Agency Commission Assembly Cabinet Government General Secretary Minister Ministers House Senate Court Service
    Affairs Defense Defence Security Foreign National People Peoples Korean Korea Republic Democratic United States
    Central Political Supreme Standing Guard Corps Fleet Division Brigade Regiment Group News Times Post Daily""".split())
_NOT_A_NAME_SUFFIX = ("-class", "-type", "-based", "-led", "-style")
# bare 'the ruling party' (no state named in the phrase): decided by the text's state
_RULING_PARTY = re.compile(r"\b[Tt]he (?:(?:country|nation|regime|North|South)'s )?ruling party\b")
# a dateline: 'SEOUL, South Korea (AP) -', 'TOKYO, Japan >>': the state after an upper-case city at a line's start
_DATELINE_STATE_BEFORE = re.compile(r"(?:^|\n)[ \t]*[A-Z][A-Z .'-]{2,30},\s*$")
_DATELINE_STATE_AFTER = re.compile(r"\s*(?:\([A-Za-z .&/-]{1,30}\)\s*)?(?:[-\u2013\u2014]{1,2}|>>|:)")
# 'the United Nations Charter': the name of a document, not of who acts
_DOCUMENT_AFTER = re.compile(r"\s+Charter\b")
# a capitalised word right before a party's short name makes it part of a longer name ('Liberal Democratic Party')
_LONGER_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?:[A-Z][a-z]+|U\.S\.|US)\s+$")
# waters and landforms named after a state: 'the Sea of Japan', 'the East China Sea', 'the Korea Strait'
_WATERS_BEFORE = re.compile(r"\bSea of (?:the )?$")
_WATERS_AFTER = re.compile(r" (?:Sea|Strait|Straits|Gulf|Channel)\b")
# a place or thing named after a person: 'Kim Il Sung Square', 'Kim Il Sung Military University'
_NAMED_AFTER_PERSON = re.compile(r"(?:\s+[A-Z][a-z]+)?\s+(?:Square|Stadium|University|Street|Avenue|Bridge|Plaza|Airport|Station"
                                 r"|Mausoleum|Palace|Hall|Park|Prize|Medal|Order|Birthday|Day|Memorial|Statue|Library|Museum|Tower)\b")
# a document named after the city it was signed in: 'the Moscow Declaration', 'the Pyongyang Joint Declaration'
NAMED_AFTER_CITY = re.compile(r"(?:\s+Joint)?\s+(?:Declaration|Accord|Agreement|Communiqu\u00e9|Communique|Statement|Treaty|Protocol)\b")
_GENERIC_KINDS = ("organ", "agency")
_GENERIC_NAMES = frozenset({"panel of experts", "national assembly"})  # every state and body has one


def _variants(gazetteer: Gazetteer) -> dict[str, str]:
    """Other ways texts write the gazetteer's names: a person's family name in capitals (Japan's and
    Korea's official English: 'YOON Suk Yeol', 'KISHIDA Fumio'), and an organ's name in lower case
    where nothing in it is a state's ('a unification ministry official', 'the joint chiefs of staff')."""
    states = {f for e in gazetteer.actors.values() if e.kind == "state" for f in [e.name, *e.aliases, *e.adjectives]}
    out: dict[str, str] = {}
    for entry in gazetteer.actors.values():
        forms = [fold(f) for f in [entry.name, *entry.aliases]]
        if entry.kind == "person":
            for form in forms:
                parts = form.split()
                if len(parts) < 2 or not all(re.fullmatch(r"[A-Z][a-z]+(?:-[a-z]+)?", p) for p in parts):
                    continue
                korean = "-" in form or len(parts) == 3
                out.setdefault(" ".join([parts[0].upper(), *parts[1:]]) if korean else f"{parts[-1].upper()} {' '.join(parts[:-1])}", entry.name)
        elif entry.kind in _GENERIC_KINDS:
            for form in forms:
                words = form.split()
                bare = [re.sub(r"'s$", "", w) for w in words]
                if len(words) >= 2 and "(" not in form and form[0].isupper() and not any(w in states for w in bare) \
                        and not any(st in form for st in states if " " in st) and form.lower() not in _GENERIC_NAMES:
                    out.setdefault(form.lower(), entry.name)
    return out


# 'the DMZ dividing the two Koreas', 'the border between the two Koreas': where, not who
_KOREAS_AS_PLACE = re.compile(r"(?:\b(?:separat|divid)(?:es|ing|ed|e)|\bbetween|\bacross)\s+$")


# states whose people's names put the family name first in English texts (Kim Jong-un, Xi Jinping)
_FAMILY_NAME_FIRST = ("North Korea", "South Korea", "China")


class ActorFinder:
    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        names: dict[str, str] = {}
        surnames: dict[str, list[str]] = {}
        for entry in gazetteer.actors.values():
            for form in [entry.name, *entry.aliases, *entry.adjectives]:
                form = fold(form)
                if form.lower() in _CONTEXT_ALIASES:
                    continue
                names.setdefault(form, entry.name)
            if entry.kind == "person":
                parts = entry.name.split()
                # Korean and Chinese order put the family name first (Kim Jong-un, Xi Jinping);
                # Western order (and Japanese names as English texts write them) last.
                family_first = "-" in parts[-1] or gazetteer.top_state(entry.name) in _FAMILY_NAME_FIRST
                key = parts[0] if family_first else parts[-1]
                surnames.setdefault(key, []).append(entry.name)
        for form in list(names):  # KCNA's 'south Korea', 'the U.S. and south Korean authorities'
            if form.startswith(("South Korea", "North Korea")):
                names.setdefault(form[0].lower() + form[1:], names[form])
        for form, canonical in _variants(gazetteer).items():  # 'YOON Suk Yeol', 'a unification ministry official'
            names.setdefault(form, canonical)
        known_states = {e.name for e in gazetteer.actors.values()}
        for form, canonical in country_names().items():
            if form not in names and canonical not in known_states:
                names[form] = canonical
        self.names = names
        self.surnames = surnames
        self._pycountry_states = {c for c in names.values() if c not in gazetteer.actors}  # pycountry's, the gazetteer lacks
        alternatives = sorted(names, key=len, reverse=True)
        body = "|".join(re.escape(n) for n in alternatives)
        # 'U.S.-drafted', 'China-brokered': the actor of a participle compound (not 'Seoul-based')
        self.pattern = re.compile(rf"(?<![\w.])(?:{body})(?![\w]|-(?!(?:drafted|led|sponsored|proposed|brokered|backed|authored|initiated|hosted|south Korea|north Korea)\b)[a-z])")
        # 'inter-Korean' names both Koreas, except as the name of a thing ('the inter-Korean liaison office')
        self.compound = re.compile(r"\b[Ii]nter-Korean\b(?! (?:joint )?(?:liaison office|border|hotlines?|railways?|roads?|"
                                   r"industrial (?:park|complex)|communication lines?))|\b[Tt]he two Koreas\b|\b[Bb]oth Koreas\b"
                                   r"|\b(?:North and South|South and North) Koreas?\b")
        # a dateline's city ('Seoul, Dec 1 (EFE).-', 'SEOUL, March 3 (Yonhap) --') says where it was written, not who acted
        self.dateline = re.compile(r"(?:^|\n)[ \t]*$")
        self.dateline_after = re.compile(r",?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\b|\d{1,2}\s+[A-Z][a-z]{2,8}\b)[^\n]{0,30}?\(")
        # a group named as one: 'the six-party talks' are its six states
        self.groups = re.compile(r"\b[Ss]ix-(?:[Pp]arty|[Nn]ation) (?:[Nn]uclear )?(?:[Tt]alks|[Nn]egotiations|[Ff]ramework|[Pp]rocess)\b")
        self.context = re.compile(r"\b[Tt]he (North|South)\b(?! [A-Z])")
        # bare 'the ruling party': the ruling party of the state the text is about (by context)
        self.ruling = {o.state: o.name for o in gazetteer.offices.values() if any(t.lower() == "ruling party" for t in o.titles)}
        surname_body = "|".join(re.escape(s) for s in sorted(surnames, key=len, reverse=True))
        self.surname = re.compile(rf"\b(?:{surname_body})\b(?! [A-Z][a-z])(?!-[a-z])") if surnames else None
        # a known surname before an unknown given name: 'Kim Eui-kyeom', 'Kim Sung-han'
        self.stranger = re.compile(rf"\b({surname_body}) [A-Z][a-z]+-[a-z]+\b") if surnames else None

    def find(self, text: str, published: date | None = None) -> list[ActorMention]:
        """Every actor mention in `text`, in text order (a compound gives one mention per actor);
        `published` decides whom a bare surname names when the text names no one of it in full."""
        folded = fold(text)
        out: list[ActorMention] = []
        covered = bytearray(len(text) + 1)

        def take(a: int, b: int) -> None:
            covered[a:b] = b"\x01" * (b - a)

        for m in self.compound.finditer(folded):
            take(m.start(), m.end())
            if _KOREAS_AS_PLACE.search(folded, max(0, m.start() - 14), m.start()):
                continue  # 'the DMZ dividing the two Koreas': a place
            for actor in ("North Korea", "South Korea"):
                out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
        for m in self.groups.finditer(folded):
            for actor in SIX_PARTIES:
                if actor in self.gazetteer.actors:
                    out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
            take(m.start(), m.end())
        for m in self.pattern.finditer(folded):
            if covered[m.start()]:
                continue
            if m.group() == "Security Council" and re.search(r"\bNational\s+$", folded[max(0, m.start() - 10):m.start()]):
                continue  # a state's National Security Council, not the UN's
            if _DOCUMENT_AFTER.match(folded, m.end()) and self.names[m.group()] == "United Nations":
                take(m.start(), m.end())
                continue  # 'the United Nations Charter': a document, no actor
            canonical = self.names[m.group()]
            entry = self.gazetteer.actors.get(canonical)
            if entry is not None and entry.kind == "party" and m.group() != canonical and _LONGER_NAME_BEFORE.search(folded, max(0, m.start() - 30), m.start()):
                take(m.start(), m.end())
                continue  # 'Japan's Liberal Democratic Party', 'the U.S. Democratic Party': another party's longer name
            if _WATERS_BEFORE.search(folded, max(0, m.start() - 12), m.start()) or _WATERS_AFTER.match(folded, m.end()):
                take(m.start(), m.end())
                continue  # 'the Sea of Japan', 'the South China Sea', 'the Taiwan Strait': a place named after a state
            if entry is not None and entry.kind == "person" and _NAMED_AFTER_PERSON.match(folded, m.end()):
                take(m.start(), m.end())
                continue  # 'in Kim Il Sung Square': a place named after him, no actor
            if entry is not None and entry.kind == "state" and m.group() != canonical and self.gazetteer.place(m.group()) \
                    and NAMED_AFTER_CITY.match(folded, m.end()):
                take(m.start(), m.end())
                continue  # 'the Moscow Declaration': named after where it was signed, not who signed it
            if self.dateline.search(folded, max(0, m.start() - 12), m.start()) and self.dateline_after.match(folded, m.end()):
                continue  # the dateline's city
            if _DATELINE_STATE_BEFORE.search(folded, max(0, m.start() - 40), m.start()) and _DATELINE_STATE_AFTER.match(folded, m.end()):
                continue  # 'SEOUL, South Korea (AP) -': the dateline's state
            out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], self.names[m.group()]))
            take(m.start(), m.end())
        present = {a.actor for a in out}
        for m in self.context.finditer(folded):
            actor = "North Korea" if m.group(1) == "North" else "South Korea"
            if actor in present and not covered[m.start()]:
                out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
                take(m.start(), m.end())
        if self.ruling:
            out.extend(self._ruling_party(folded, text, out, covered))
        out.extend(self._foreigners(folded, text, out, covered))
        if self.surname is not None:
            out.extend(self._surnames(folded, text, out, covered, published))
        out.extend(self._two_sides(folded, text, out, covered))
        out.sort(key=lambda a: (a.start, a.actor))
        return out

    def unknown_people(self, text: str, mentions: list[ActorMention] | None = None) -> list[tuple[int, int, str]]:
        """Where `text` names a person the gazetteer does not know: (start, end, name) for a Korean
        name or a titled first and last name that no actor, alias or place has. Extraction keeps
        them on the event they are named in, and ingest makes each a proposal to add the actor
        (never dropped, never guessed to be someone known). `mentions`: find(text), when the caller has it."""
        folded = fold(text)
        known = [(m.start, m.end) for m in (self.find(text) if mentions is None else mentions)]

        def unknown(a: int, b: int, name: str) -> bool:
            if name in self.names or self.gazetteer.actor(name) or self.gazetteer.place(name):
                return False
            if name.endswith(_NOT_A_NAME_SUFFIX) or any(w.strip(".") in _NOT_A_NAME for w in name.split()):
                return False
            if any(w in _NOT_GIVEN or w.lower() in MONTH_NAMES for w in name.split()[1:]):
                return False  # 'General March In New Year': a title's words, not a name
            return not any(s < b and a < e for s, e in known)

        out = []
        for m in _KOREAN_NAME.finditer(folded):
            if m.group().split()[0] in _NOT_GIVEN or not unknown(m.start(), m.end(), m.group()):
                continue
            out.append((m.start(), m.end(), text[m.start():m.end()]))
        for m in _TITLED_NAME.finditer(folded):
            a, b = m.span(1)
            name = m.group(1)
            if name.split()[0] in _NOT_GIVEN or any(s < b and a < e for s, e, _ in out) or not unknown(a, b, name):
                continue
            out.append((a, b, text[a:b]))
        return sorted(out)

    def _two_sides(self, folded, text, found, covered) -> list[ActorMention]:
        """'the two countries' ('the clash between the two countries'): the last two states named
        before it, within a few sentences (one mention of each, as a compound gives)."""
        extra: list[ActorMention] = []
        matches = list(_THE_TWO.finditer(folded))
        if not matches:
            return extra

        def is_state(name: str) -> bool:
            entry = self.gazetteer.actors.get(name)
            return entry.kind == "state" if entry is not None else name in self._pycountry_states

        states = sorted((a for a in found if is_state(self.gazetteer.top_state(a.actor))), key=lambda a: a.start)  # (people count for theirs)
        for m in matches:
            if covered[m.start()]:
                continue
            pair: list[str] = []
            for a in reversed([a for a in states if m.start() - 400 <= a.start < m.start()]):
                top = self.gazetteer.top_state(a.actor)
                if top not in pair:
                    pair.append(top)
                if len(pair) == 2:
                    break
            if len(pair) == 2:
                extra.extend(ActorMention(m.start(), m.end(), text[m.start():m.end()], s) for s in reversed(pair))
                covered[m.start():m.end()] = b"\x01" * (m.end() - m.start())
        return extra

    def _foreigners(self, folded, text, found, covered) -> list[ActorMention]:
        """A person the gazetteer does not know, introduced with a state and a title ('Chinese Foreign
        Ministry spokesperson Liu Jianchao'), speaks for that state: a later bare family name ('Liu
        told reporters') is a mention of the state (the person has no actor of their own)."""
        extra: list[ActorMention] = []
        matches = list(_TITLED_STRANGER.finditer(folded))
        if not matches:
            return extra
        states = [a for a in found if getattr(self.gazetteer.actors.get(a.actor), "kind", None) != "person"
                  and getattr(self.gazetteer.actors.get(self.gazetteer.top_state(a.actor)), "kind", "state") == "state"]
        # (a state, one of pycountry's that the gazetteer lacks, or a state's organ: 'Chinese Foreign Ministry spokesperson')
        for m in matches:
            a0, a1 = m.span(1)
            if any(covered[a0:a1]) or m.group(1) in self.names:
                continue
            state = next((a.actor for a in reversed(states) if a.end <= m.start() and m.start() - a.end <= 50
                          and _TITLE_GAP.fullmatch(folded, a.end, m.start())), None)
            if state is None:
                continue
            parts = m.group(1).split()
            family = parts[0] if self.gazetteer.top_state(state) in _FAMILY_NAME_FIRST else parts[-1]
            if family in self.surnames or family in self.names or family in _NOT_GIVEN:
                continue
            for later in re.finditer(rf"\b{re.escape(family)}\b(?!\s+[A-Z])(?!-)", folded[a1:]):
                b0, b1 = a1 + later.start(), a1 + later.end()
                if not covered[b0]:
                    extra.append(ActorMention(b0, b1, text[b0:b1], state))
                    covered[b0:b1] = b"\x01" * (b1 - b0)
        return extra

    def _ruling_party(self, folded, text, found, covered) -> list[ActorMention]:
        """Bare 'the ruling party' ('the country's ruling party') is the ruling party of the state the
        text is about: of the states with a ruling-party office, the one whose actors the text names
        most before it (else in the whole text); a tie, or none named, is no guess. The office then
        names its holder at the event's date (Workers' Party of Korea in a North Korean story)."""
        out = []
        for m in _RULING_PARTY.finditer(folded):
            if covered[m.start()]:
                continue
            counts: dict[str, int] = {}
            for scope in ([a for a in found if a.end <= m.start()], found):
                counts = {}
                for a in scope:
                    state = self.gazetteer.top_state(a.actor)
                    if state in self.ruling:
                        counts[state] = counts.get(state, 0) + 1
                if counts:
                    break
            if not counts:
                continue
            ranked = sorted(counts.items(), key=lambda kv: -kv[1])
            if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
                continue  # two states named as often: no guess
            out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], self.ruling[ranked[0][0]]))
        return out

    def _surnames(self, folded, text, found, covered, published=None):
        """A bare surname names the person of that surname most recently named in full; with none
        named before it, the one of that surname in office on `published`, else (after a title
        or in a compound: 'President Yoon', 'the Kim-Trump summit') the first named later. An
        unknown person of that surname ('Sung Kim', 'Kim Eui-kyeom') stops the search back:
        a later bare 'Kim' is theirs, and names no actor."""
        known = sorted((a.end, a.actor) for a in found if self.gazetteer.actors.get(a.actor) and self.gazetteer.actors[a.actor].kind == "person")
        # (end, person or None for an unknown person, the surname)
        people = sorted([(end, actor, None) for end, actor in known] + [(end, None, name) for end, name in self._strangers(folded, covered)],
                        key=lambda p: p[0])
        extra = []
        for m in self.surname.finditer(folded):
            if covered[m.start()] or self._given_name_before(folded, m.start(), covered):
                continue
            candidates = self.surnames[m.group()]
            before = None
            for end, actor, name in reversed(people):  # people are few: a short scan from the nearest back
                if end > m.start():
                    continue
                if name == m.group() or actor in candidates:
                    before = actor or ""
                    break
            if before == "":
                continue  # the unknown person named before
            if before:
                actor = before
            else:
                in_office = self._in_office(candidates, published)
                in_compound = folded[m.end():m.end() + 1] == "-" or folded[m.start() - 1:m.start()] == "-"
                titled = _HEAD_TITLE.search(folded, max(0, m.start() - 30), m.start())  # 'President Yoon'
                if in_office is not None:
                    actor = in_office
                elif in_compound or titled:
                    later = [a for _, a in known if a in candidates]
                    actor = later[0] if later else candidates[0]
                else:
                    continue
            extra.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
        return extra

    def _strangers(self, folded, covered) -> list[tuple[int, str]]:
        """Where an unknown person of a known surname is named in full ('Sung Kim', 'Kim Eui-kyeom'):
        (end, surname)."""
        out = []
        for m in self.stranger.finditer(folded):
            if not covered[m.start()] and not covered[m.end() - 1]:
                out.append((m.end(), m.group(1)))
        for m in self.surname.finditer(folded):
            if not covered[m.start()] and self._given_name_before(folded, m.start(), covered):
                out.append((m.end(), m.group()))
        return out

    def _given_name_before(self, folded: str, start: int, covered) -> bool:
        """Whether a capitalised given name stands just before a surname inside a sentence ('envoy
        Sung Kim', 'with Andrew Kim'): not a title, nor part of a name the gazetteer knows (a
        sentence's first word is no given name: 'Had Kim come')."""
        g = re.search(r"(?<=[\w,;:(] )([A-Z][a-z]+) $", folded[max(0, start - 24):start])
        if g is None or g.group(1) in _NOT_GIVEN or g.group(1) in self.names:
            return False
        return not covered[start - len(g.group(0))]

    def _in_office(self, candidates: list[str], published: date | None) -> str | None:
        """The one person of `candidates` in the best-ranked office held on `published` (the leader
        at the date: Kim Jong-un over Kim Yong-nam in 2015); two of the same rank is no guess."""
        if published is None:
            return None
        best: dict[str, int] = {}
        for o in self.gazetteer.offices.values():
            for t in o.holders:
                if t.actor in candidates and t.start <= published and (t.end is None or published <= t.end):
                    best[t.actor] = min(best.get(t.actor, 9), o.rank)
        if not best:
            return None
        top = min(best.values())
        leaders = [a for a, r in best.items() if r == top]
        return leaders[0] if len(leaders) == 1 else None

    def state_of(self, actor: str) -> str:
        """The top-level state of an actor; for international bodies, the body below the UN system."""
        return self.gazetteer.top_state(actor)


@lru_cache(maxsize=4)
def actor_finder(gazetteer_path: str | None = None) -> ActorFinder:
    return ActorFinder(load_gazetteer(gazetteer_path))
