"""The actor gazetteer and the places list (data/gazetteer.yaml).

Canonical actors with kind, ISO 3166-1 alpha-3 code, parent and the names texts use
for them. The database holds a copy (actors, actor_aliases, places) for queries; the
loader and the extractor read the file through this module (kpolicy.authority).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from kpolicy.errors import BadInput
from kpolicy.vocabulary import ACTOR_KINDS, STATE_KINDS


@dataclass
class ActorEntry:
    name: str
    kind: str
    iso3: str | None = None
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    adjectives: list[str] = field(default_factory=list)
    wikidata: str | None = None  # the Wikidata id: the citation for the entry's facts
    wikidata_source: str | None = None  # where the id was checked: 'owner/repo path@commit' of a stored Wikidata-derived copy
    cameo: str | None = None  # CAMEO actor code (PRK, PRKGOV, PRKMIL, KORGOV...)
    native: str | None = None  # the name in Korean, Chinese or Japanese script
    born: date | None = None
    died: date | None = None


@dataclass(frozen=True)
class Term:
    """One holder's term of an office, inclusive; `end` None: the present holder."""

    actor: str
    start: date
    end: date | None = None
    acting: bool = False
    # where the dates were checked: 'owner/repo path@commit' of a stored Wikidata-derived copy;
    # not part of the term's identity (the database keeps the dates, not their citation)
    source: str | None = field(default=None, compare=False)

    def covers(self, lower: date, upper: date) -> bool:
        return self.start <= lower and (self.end is None or upper <= self.end)


@dataclass
class Office:
    """An office held over time: the role words texts use for it and its holders' terms."""

    name: str
    state: str
    titles: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    holders: list[Term] = field(default_factory=list)
    # 1: the leader (head of state in a presidential system, Japan's prime minister, North Korea's
    # supreme leader); 2: the head of government or a nominal head of state; 3: a minister or envoy.
    # A bare surname ('Kim') names the one person of that name in the best-ranked office on the date.
    rank: int = 3

    def holder(self, lower: date | None, upper: date | None) -> Term | None:
        """The holder throughout [lower, upper], or None: no date, a date in no term, or a
        span that two holders share (too vague to decide: the office, never a guess)."""
        if lower is None or upper is None:
            return None
        for term in self.holders:
            if term.covers(lower, upper):
                return term
        return None


@dataclass
class PlaceEntry:
    name: str
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None


@dataclass
class Gazetteer:
    actors: dict[str, ActorEntry]
    places: dict[str, PlaceEntry]
    offices: dict[str, Office] = field(default_factory=dict)
    unconfirmed: list[str] = field(default_factory=list)  # actors whose Wikidata id is not yet confirmed
    _actor_keys: dict[str, str] = field(default_factory=dict, repr=False)
    _place_keys: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for entry in self.actors.values():
            for name in [entry.name, *entry.aliases, *entry.adjectives]:
                self._actor_keys.setdefault(name.lower(), entry.name)
        for place in self.places.values():
            for name in [place.name, *place.aliases]:
                self._place_keys.setdefault(name.lower(), place.name)

    def actor(self, name: str) -> str | None:
        """The canonical name for a name, alias or adjective (case-insensitive), or None."""
        return self._actor_keys.get(name.strip().lower())

    def place(self, name: str) -> str | None:
        return self._place_keys.get(name.strip().lower())

    def ancestors(self, name: str) -> list[str]:
        """The actor and its parents up to the top: Kim Jong-un -> [Kim Jong-un, North Korea]."""
        chain, seen = [], set()
        current: str | None = name
        while current and current not in seen:
            seen.add(current)
            chain.append(current)
            entry = self.actors.get(current)
            current = entry.parent if entry else None
        return chain

    def state_of(self, name: str) -> str:
        """The state or international organisation an actor belongs to: its nearest
        ancestor-or-self of a STATE_KINDS kind, else its topmost ancestor."""
        chain = self.ancestors(name)
        for candidate in chain:
            entry = self.actors.get(candidate)
            if entry is not None and entry.kind in STATE_KINDS:
                return candidate
        return chain[-1]

    def top_state(self, name: str) -> str:
        """The top-level state of an actor; for international bodies, the body below the UN
        system (UN Panel of Experts -> United Nations Security Council). What extraction
        reports as an event's `states`."""
        chain = self.ancestors(name)
        for candidate in chain:
            entry = self.actors.get(candidate)
            if entry is not None and entry.kind == "state":
                return candidate
        if len(chain) >= 2:
            return chain[-2]
        return chain[-1]

    def office_holder(self, office: str, lower: date | None, upper: date | None) -> Term | None:
        """Who held `office` (a canonical office name) throughout [lower, upper], or None."""
        found = self.offices.get(office)
        return found.holder(lower, upper) if found else None

    def with_holders(self, actors: list[str], lower: date | None, upper: date | None) -> tuple[list[str], list[dict]]:
        """Actors with each office's holder at [lower, upper] added after the office, and one
        {"office", "holder", "acting"} per office named (holder None: no date, a date in no
        known term, or a span two holders share: the office and no person, never a guess)."""
        out, roles = [], []
        for name in actors:
            out.append(name)
            office = self.offices.get(name)
            if office is None:
                continue
            term = office.holder(lower, upper)
            roles.append({"office": name, "holder": term.actor if term else None, "acting": bool(term and term.acting)})
            if term is not None and term.actor not in actors and term.actor not in out:
                out.append(term.actor)
        return out, roles

    def alias_rows(self, entry: ActorEntry) -> list[str]:
        return [a for a in [*entry.aliases, *entry.adjectives] if a.lower() != entry.name.lower()]


def bundled_path() -> Path:
    return Path(str(files("kpolicy.data") / "gazetteer.yaml"))


def bundled_authority_path() -> Path:
    return Path(str(files("kpolicy.data") / "authority.yaml"))


_QID = re.compile(r"Q[1-9][0-9]*\Z")
_CAMEO = re.compile(r"[A-Z]{3}(?:[A-Z]{3})*\Z")


def check_name(name: object, what: str) -> str:
    """A name as given, or BadInput when it is empty, only whitespace or holds control characters."""
    text = str(name) if isinstance(name, (str, int, float)) and not isinstance(name, bool) else ""
    if not text.strip() or any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise BadInput(f"{what} {text!r} is not a name (empty, whitespace or control characters); give a printable name")
    return text.strip()


def _day(value, what: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"{what} {value!r} is not a YYYY-MM-DD date; fix it") from None


_KOREAN_STATES = ("North Korea", "South Korea")


def _korean(entry: ActorEntry, actors: dict[str, ActorEntry]) -> bool:
    seen, current = set(), entry.parent
    while current and current not in seen:
        if current in _KOREAN_STATES:
            return True
        seen.add(current)
        current = actors[current].parent if current in actors else None
    return False


def hyphen_variants(name: str) -> list[str]:
    """The spellings texts use for a Korean name with a hyphenated given name: 'Kim Jong-un' ->
    ['Kim Jong Un', 'Kim Jong-Un'] (space for hyphen, capital after the hyphen)."""
    words = name.split(" ")
    if len(words) != 2 or words[1].count("-") != 1:
        return []
    first, second = words[1].split("-")
    if not first or not second:
        return []
    return [f"{words[0]} {first} {second.capitalize()}", f"{words[0]} {first}-{second.capitalize()}"]


def role_phrases(office: Office, state: ActorEntry | None) -> list[str]:
    """The role words for an office: each title after the state's adjectives ('South Korean
    president'), after its names' possessive ('Seoul's president', 'the North's leader') and
    before 'of' and its names ('president of South Korea'), plus the office's own phrases."""
    out = list(office.phrases)
    if state is not None:
        nouns = [n for n in (state.name, *state.aliases) if n != state.native]
        for title in office.titles:
            out += [f"{adj} {title}" for adj in state.adjectives]
            out += [f"{noun}'s {title}" for noun in nouns]
            out += [f"{title} of {noun}" for noun in nouns if not noun.lower().startswith("the ")]
            out += [f"{noun} {title}" for noun in nouns if noun.replace(".", "").isupper()]  # 'U.S. president', 'ROK president'
    seen, unique = set(), []
    for phrase in out:
        if phrase not in seen and phrase.lower() != office.name.lower():
            seen.add(phrase)
            unique.append(phrase)
    return unique


def apply_authority(gazetteer: Gazetteer, doc: object, origin: str) -> Gazetteer:
    """The authority file's facts (ids, codes, scripts, life dates, offices) added to a gazetteer,
    checked: ids well-formed and unique, aliases not another actor's, parents and holders known,
    terms of one office not overlapping, offices inside their holders' lives."""
    if not isinstance(doc, dict) or not isinstance(doc.get("actors"), dict):
        raise BadInput(f"{origin}: expected a mapping with an `actors:` mapping; see data/authority.yaml")
    actors = dict(gazetteer.actors)
    for raw_name, item in doc["actors"].items():
        name = check_name(raw_name, f"{origin}: actor")
        if not isinstance(item, dict):
            raise BadInput(f"{origin}: actor {name!r} needs a mapping of facts")
        entry = actors.get(name)
        if entry is None:
            kind = item.get("kind")
            if kind not in ACTOR_KINDS:
                raise BadInput(f"{origin}: new actor {name!r} needs a kind, one of {', '.join(ACTOR_KINDS)}")
            entry = actors[name] = ActorEntry(name=name, kind=str(kind), parent=item.get("parent") or None)
        elif item.get("kind") and item["kind"] != entry.kind:
            raise BadInput(f"{origin}: actor {name!r} is a {entry.kind} in the gazetteer, not a {item['kind']}; fix one of them")
        qid = item.get("wikidata")
        if qid is not None and not _QID.match(str(qid)):
            raise BadInput(f"{origin}: actor {name!r} has Wikidata id {qid!r}; an id is Q and digits (Q423)")
        cameo = item.get("cameo")
        if cameo is not None and not _CAMEO.match(str(cameo)):
            raise BadInput(f"{origin}: actor {name!r} has CAMEO code {cameo!r}; a code is groups of three capitals (PRKGOV)")
        source = item.get("wikidata_source")
        if source is not None and (not qid or not isinstance(source, str) or not source.strip()):
            raise BadInput(f"{origin}: actor {name!r} has a wikidata_source but no Wikidata id; give both or neither")
        entry.wikidata = str(qid) if qid else None
        entry.wikidata_source = source.strip() if source else None
        entry.cameo = str(cameo) if cameo else None
        entry.native = str(item["native"]) if item.get("native") else None
        entry.born = _day(item.get("born"), f"{origin}: actor {name!r} born")
        entry.died = _day(item.get("died"), f"{origin}: actor {name!r} died")
        for alias in item.get("aliases") or []:
            alias = check_name(alias, f"{origin}: alias of {name!r}")
            if alias not in entry.aliases:
                entry.aliases.append(alias)
        if entry.native and entry.native not in entry.aliases:
            entry.aliases.append(entry.native)
    for entry in actors.values():
        if entry.kind == "person" and _korean(entry, actors):
            for variant in hyphen_variants(entry.name):
                if variant not in entry.aliases and variant != entry.name:
                    entry.aliases.append(variant)
    ids: dict[str, str] = {}
    for entry in actors.values():
        if entry.parent and entry.parent not in actors:
            raise BadInput(f"{origin}: actor {entry.name!r} has unknown parent {entry.parent!r}; add it or fix the name")
        if entry.wikidata:
            if entry.wikidata in ids:
                raise BadInput(f"{origin}: Wikidata id {entry.wikidata} is given to both {ids[entry.wikidata]!r} and {entry.name!r}; keep it on one")
            ids[entry.wikidata] = entry.name
    offices: dict[str, Office] = {}
    for i, item in enumerate(doc.get("offices") or [], 1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("state"):
            raise BadInput(f"{origin}: office #{i} needs a name and a state")
        name = check_name(item["name"], f"{origin}: office")
        state = str(item["state"])
        if state not in actors:
            raise BadInput(f"{origin}: office {name!r} belongs to unknown actor {state!r}; add it or fix the name")
        rank = item.get("rank", 3)
        if rank not in (1, 2, 3):
            raise BadInput(f"{origin}: office {name!r} has rank {rank!r}; a rank is 1 (leader), 2 (head of government) or 3")
        office = Office(name=name, state=state, titles=[str(t) for t in item.get("titles") or []],
                        phrases=[str(t) for t in item.get("phrases") or []], rank=rank)
        for h in item.get("holders") or []:
            who = str(h.get("actor", "")) if isinstance(h, dict) else ""
            if who not in actors:
                raise BadInput(f"{origin}: office {name!r} has unknown holder {who!r}; add the actor first")
            source = h.get("source")
            if source is not None and (not isinstance(source, str) or not source.strip()):
                raise BadInput(f"{origin}: office {name!r}: {who}'s term has an empty source; "
                               "give 'owner/repo path@commit' of the copy its dates were checked against, or no source")
            term = Term(who, _day(h.get("from"), f"{origin}: {name!r} term of {who!r} from") or date.min,
                        _day(h.get("to"), f"{origin}: {name!r} term of {who!r} to"), bool(h.get("acting")),
                        source.strip() if source else None)
            if term.end is not None and term.end < term.start:
                raise BadInput(f"{origin}: office {name!r}: {who}'s term ends before it starts; fix the dates")
            person = actors[who]
            if person.born and term.start < person.born or person.died and (term.end is None or term.end > person.died):
                raise BadInput(f"{origin}: office {name!r}: {who}'s term {term.start}/{term.end or '..'} is outside their life; fix the dates")
            for other in office.holders:
                if term.start <= (other.end or date.max) and other.start <= (term.end or date.max):
                    raise BadInput(f"{origin}: office {name!r}: {who}'s term from {term.start} overlaps {other.actor}'s "
                                   f"({other.start}/{other.end or '..'}); one holder at a time")
            office.holders.append(term)
        if name in actors or name in offices:
            raise BadInput(f"{origin}: office {name!r} has the name of another actor or office; rename it")
        offices[name] = office
    for office in offices.values():  # an office is an actor too (an organ of its state), named by its role words
        actors[office.name] = ActorEntry(name=office.name, kind="organ", parent=office.state,
                                         aliases=role_phrases(office, actors.get(office.state)))
    places = dict(gazetteer.places)
    place_ids: dict[str, str] = {}
    for raw_name, item in (doc.get("places") or {}).items():
        name = check_name(raw_name, f"{origin}: place")
        if not isinstance(item, dict):
            raise BadInput(f"{origin}: place {name!r} needs a mapping of facts")
        place = places.get(name)
        if place is None:
            if item.get("lat") is None or item.get("lon") is None:
                raise BadInput(f"{origin}: new place {name!r} needs lat and lon")
            place = places[name] = PlaceEntry(name=name, country=item.get("country") or None,
                                              latitude=float(item["lat"]), longitude=float(item["lon"]))
        qid = item.get("wikidata")
        if qid is not None:
            if not _QID.match(str(qid)):
                raise BadInput(f"{origin}: place {name!r} has Wikidata id {qid!r}; an id is Q and digits (Q18808)")
            if str(qid) in place_ids:
                raise BadInput(f"{origin}: Wikidata id {qid} is given to both places {place_ids[str(qid)]!r} and {name!r}")
            place_ids[str(qid)] = name
            place.wikidata = str(qid)
        for alias in item.get("aliases") or []:
            alias = check_name(alias, f"{origin}: alias of place {name!r}")
            if alias not in place.aliases:
                place.aliases.append(alias)
    owner: dict[str, str] = {}
    ambiguous = {str(a).lower() for a in doc.get("ambiguous") or []}
    for entry in actors.values():
        for form in {f.lower() for f in (entry.name, *entry.aliases, *entry.adjectives)}:
            if form in owner and owner[form] != entry.name and form not in ambiguous:
                raise BadInput(f"{origin}: the name {form!r} is both {owner[form]!r}'s and {entry.name!r}'s; "
                               "keep it on one, or list it under `ambiguous:`")
            owner.setdefault(form, entry.name)
    for n in doc.get("unconfirmed") or []:
        if str(n) not in actors:
            raise BadInput(f"{origin}: unconfirmed actor {n!r} is not in the gazetteer; fix the name")
    # every person without a checked id is unconfirmed (the file's header says how ids were checked)
    unconfirmed = sorted(n for n, e in actors.items() if e.kind == "person" and not e.wikidata)
    return Gazetteer(actors, places, offices, unconfirmed)


def parse_gazetteer(doc: object, origin: str) -> Gazetteer:
    if not isinstance(doc, dict) or not isinstance(doc.get("actors"), list):
        raise BadInput(f"{origin}: expected a mapping with an `actors:` list; see data/gazetteer.yaml")
    actors: dict[str, ActorEntry] = {}
    for i, item in enumerate(doc["actors"], 1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("kind"):
            raise BadInput(f"{origin}: actor #{i} needs a name and a kind")
        kind = str(item["kind"])
        if kind not in ACTOR_KINDS:
            raise BadInput(f"{origin}: actor {item['name']!r} has unknown kind {kind!r}; use one of {', '.join(ACTOR_KINDS)}")
        entry = ActorEntry(
            name=str(item["name"]),
            kind=kind,
            iso3=item.get("iso3") or None,
            parent=item.get("parent") or None,
            aliases=[str(a) for a in item.get("aliases") or []],
            adjectives=[str(a) for a in item.get("adjectives") or []],
        )
        if entry.name in actors:
            raise BadInput(f"{origin}: actor {entry.name!r} is listed twice; merge the entries")
        actors[entry.name] = entry
    for entry in actors.values():
        if entry.parent and entry.parent not in actors:
            raise BadInput(f"{origin}: actor {entry.name!r} has unknown parent {entry.parent!r}; add it or fix the name")
    places: dict[str, PlaceEntry] = {}
    for i, item in enumerate(doc.get("places") or [], 1):
        if not isinstance(item, dict) or not item.get("name"):
            raise BadInput(f"{origin}: place #{i} needs a name")
        places[str(item["name"])] = PlaceEntry(
            name=str(item["name"]),
            country=item.get("country") or None,
            latitude=item.get("lat"),
            longitude=item.get("lon"),
            aliases=[str(a) for a in item.get("aliases") or []],
        )
    return Gazetteer(actors, places)


@lru_cache(maxsize=4)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    """The gazetteer from `path`, or the bundled one with the bundled authority file
    (data/authority.yaml: ids, codes, scripts, offices) applied. Cached: it is read-only data."""
    gazetteer = _load_yaml(Path(path) if path else bundled_path(), parse_gazetteer)
    if path:
        return gazetteer
    return _load_yaml(bundled_authority_path(), lambda doc, origin: apply_authority(gazetteer, doc, origin))


def _load_yaml(source: Path, parse):
    import yaml

    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"gazetteer {source} not found; check the path") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BadInput(f"gazetteer {source} is not valid YAML{where}; fix the file") from None
    return parse(doc, str(source))


def extended(base: Gazetteer, actors: list[ActorEntry], places: list[PlaceEntry],
             terms: list[tuple[str, str | None, Term]]) -> Gazetteer:
    """`base` with a database's own additions (kpolicy.store.actors.analyst_entries): actors
    and places added or changed by the analyst replace or join the file's, and their office
    terms join the offices (an office new to the file is created for its state). The next
    ingest into that database extracts with it."""
    merged = {**base.actors}
    for entry in actors:
        merged[entry.name] = entry
    merged_places = {**base.places}
    for place in places:
        merged_places[place.name] = place
    offices = {name: Office(o.name, o.state, list(o.titles), list(o.phrases), list(o.holders), o.rank) for name, o in base.offices.items()}
    for office_name, state, term in terms:
        office = offices.get(office_name)
        if office is None:
            if state is None:
                continue
            office = offices[office_name] = Office(office_name, state)
        if term not in office.holders:
            office.holders = sorted([*(t for t in office.holders if t.start != term.start), term], key=lambda t: t.start)
    for office in offices.values():
        if office.name not in base.offices:
            continue
        entry = merged.get(office.name)
        if entry is not None and entry.kind == "organ" and office.titles:  # the file's role words survive an analyst's edit
            entry.aliases = list(dict.fromkeys([*entry.aliases, *role_phrases(office, merged.get(office.state))]))
    return Gazetteer(merged, merged_places, offices, list(base.unconfirmed))
