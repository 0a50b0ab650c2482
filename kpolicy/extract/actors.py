"""Actor mentions in plain text: gazetteer names, aliases, demonyms, compounds, other countries.

`ActorFinder(gazetteer).find(text)` returns every mention with its span and canonical
actor. Sources of names, in priority order:
- the gazetteer (data/gazetteer.yaml, read through kpolicy.authority): canonical names, aliases, adjectives (North Korean);
- compounds: inter-Korean, "the two Koreas", "North and South Korea" (both Koreas), "the
  six-party talks" (its six states), hyphenated pairs
  (U.S.-North Korea, Kim-Trump) whose parts are names or surnames of known people;
- a bare surname (Kim, Trump) for the person of that surname the text last named in full;
- "the North" / "the South" only when North Korea / South Korea is named in the text;
- every other country by pycountry's names (kpolicy.authority.country_names), as its common English short name, with a
  cheap demonym (Iran -> Iranian, Syria -> Syrian).
Typographic apostrophes are folded to ' before matching (same length, so spans hold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kpolicy.authority import Gazetteer, country_names, fold, load_gazetteer


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
                # Korean order puts the family name first (Kim Jong-un); Western order last.
                key = parts[0] if "-" in entry.name or len(parts) == 3 else parts[-1]
                surnames.setdefault(key, []).append(entry.name)
        known_states = {e.name for e in gazetteer.actors.values()}
        for form, canonical in country_names().items():
            if form not in names and canonical not in known_states:
                names[form] = canonical
        self.names = names
        self.surnames = surnames
        alternatives = sorted(names, key=len, reverse=True)
        body = "|".join(re.escape(n) for n in alternatives)
        # 'U.S.-drafted', 'China-brokered': the actor of a participle compound (not 'Seoul-based')
        self.pattern = re.compile(rf"(?<![\w.])(?:{body})(?![\w]|-(?!(?:drafted|led|sponsored|proposed|brokered|backed|authored|initiated|hosted)\b)[a-z])")
        # 'inter-Korean' names both Koreas, except as the name of a thing ('the inter-Korean liaison office')
        self.compound = re.compile(r"\b[Ii]nter-Korean\b(?! (?:joint )?(?:liaison office|border|hotlines?|railways?|roads?|"
                                   r"industrial (?:park|complex)|communication lines?))|\bthe two Koreas\b|\bboth Koreas\b"
                                   r"|\b(?:North and South|South and North) Koreas?\b")
        # a dateline's city ('Seoul, Dec 1 (EFE).-', 'SEOUL, March 3 (Yonhap) --') says where it was written, not who acted
        self.dateline = re.compile(r"(?:^|\n)[ \t]*$")
        self.dateline_after = re.compile(r",?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\b|\d{1,2}\s+[A-Z][a-z]{2,8}\b)[^\n]{0,30}?\(")
        # a group named as one: 'the six-party talks' are its six states
        self.groups = re.compile(r"\b[Ss]ix-(?:[Pp]arty|[Nn]ation) (?:[Tt]alks|[Nn]egotiations|[Ff]ramework|[Pp]rocess)\b")
        self.context = re.compile(r"\b[Tt]he (North|South)\b(?! [A-Z])")
        surname_body = "|".join(re.escape(s) for s in sorted(surnames, key=len, reverse=True))
        self.surname = re.compile(rf"\b(?:{surname_body})\b(?! [A-Z][a-z])(?!-[a-z])") if surnames else None

    def find(self, text: str) -> list[ActorMention]:
        """Every actor mention in `text`, in text order (a compound gives one mention per actor)."""
        folded = fold(text)
        out: list[ActorMention] = []
        covered = bytearray(len(text) + 1)

        def take(a: int, b: int) -> None:
            covered[a:b] = b"\x01" * (b - a)

        for m in self.compound.finditer(folded):
            for actor in ("North Korea", "South Korea"):
                out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
            take(m.start(), m.end())
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
            if self.dateline.search(folded, max(0, m.start() - 12), m.start()) and self.dateline_after.match(folded, m.end()):
                continue  # the dateline's city
            out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], self.names[m.group()]))
            take(m.start(), m.end())
        present = {a.actor for a in out}
        for m in self.context.finditer(folded):
            actor = "North Korea" if m.group(1) == "North" else "South Korea"
            if actor in present and not covered[m.start()]:
                out.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
                take(m.start(), m.end())
        if self.surname is not None:
            out.extend(self._surnames(folded, text, out, covered))
        out.sort(key=lambda a: (a.start, a.actor))
        return out

    def _surnames(self, folded, text, found, covered):
        """A bare surname names the person of that surname most recently named in full."""
        people = sorted((a for a in found if self.gazetteer.actors.get(a.actor) and self.gazetteer.actors[a.actor].kind == "person"),
                        key=lambda a: a.end)
        extra = []
        for m in self.surname.finditer(folded):
            if covered[m.start()]:
                continue
            candidates = self.surnames[m.group()]
            before = None
            for p in reversed(people):  # people are few: a short scan from the nearest back
                if p.end <= m.start() and p.actor in candidates:
                    before = p.actor
                    break
            if before:
                actor = before
            else:
                in_compound = folded[m.end():m.end() + 1] == "-" or folded[m.start() - 1:m.start()] == "-"
                titled = _HEAD_TITLE.search(folded, max(0, m.start() - 30), m.start())  # 'President Yoon'
                if not (in_compound or titled):
                    continue
                later = [p.actor for p in people if p.actor in candidates]
                actor = later[0] if later else candidates[0]
            extra.append(ActorMention(m.start(), m.end(), text[m.start():m.end()], actor))
        return extra

    def state_of(self, actor: str) -> str:
        """The top-level state of an actor; for international bodies, the body below the UN system."""
        return self.gazetteer.top_state(actor)


@lru_cache(maxsize=4)
def actor_finder(gazetteer_path: str | None = None) -> ActorFinder:
    return ActorFinder(load_gazetteer(gazetteer_path))
