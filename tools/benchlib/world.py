"""The synthetic world: actors, places and realistic events, generated reproducibly (no kpolicy write)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta


YEARS = (1950, 2029)  # events spread over eight decades
CHUNK = 50_000  # events generated (untimed) and loaded per step

# ---- synthetic world ---------------------------------------------------------------------

ORGANS = (
    ("Ministry of Foreign Affairs of {s}", "organ", "{c} MFA"),
    ("Ministry of Defence of {s}", "organ", "{c} MoD"),
    ("Armed Forces of {s}", "organ", "{c} military"),
    ("Parliament of {s}", "organ", "{c} parliament"),
    ("Office of the Head of State of {s}", "organ", "{c} presidency"),
    ("Ruling Party of {s}", "party", "{c} ruling party"),
    ("Intelligence Service of {s}", "agency", "{c} intelligence"),
    ("News Agency of {s}", "media", "{c} news agency"),
)
GIVEN = ("Min", "Jae", "Hyun", "Sung", "Anna", "Ivan", "Wei", "Li", "Yuki", "Omar", "Elena", "John", "Maria", "Kenji",
         "Chol", "Song", "Ali", "Sara", "Pavel", "Ahmed", "Nadia", "Tomas", "Olga", "Hiro", "Mei", "Raul", "Ines", "Lars")
FAMILY = ("Kim", "Park", "Lee", "Choi", "Ri", "Pak", "Smith", "Ivanov", "Wang", "Zhang", "Sato", "Suzuki", "Haddad",
          "Garcia", "Novak", "Jensen", "Rossi", "Muller", "Dubois", "Silva", "Khan", "Singh", "Nguyen", "Tanaka", "Yamada")
VERBS = {
    "plenum": "holds a plenary session on", "summit": "meets counterparts on", "talks": "opens talks on",
    "missile_test": "launches a missile over", "nuclear_test": "conducts a nuclear test near", "weapon_test": "tests an engine at",
    "weapon_display": "parades new weapons at", "military_drill": "stages drills near", "election": "holds elections in",
    "un_action": "brings a resolution on", "sanctions": "imposes sanctions over", "statement": "issues a statement on",
    "policy_change": "changes its policy on", "agreement": "signs an agreement on", "deadline": "sets a deadline for",
    "incident": "reports an incident near", "other": "opens an office in",
}
TOPICS = ("denuclearisation", "the armistice", "food aid", "the border", "sanctions relief", "missile defence",
          "family reunions", "the Kaesong zone", "maritime claims", "energy supplies", "the peace process", "trade")
TYPE_WEIGHTS = {
    "statement": 20, "talks": 12, "missile_test": 10, "military_drill": 8, "summit": 6, "sanctions": 6, "un_action": 6,
    "policy_change": 5, "incident": 6, "plenum": 4, "agreement": 4, "weapon_test": 3, "weapon_display": 2,
    "election": 2, "deadline": 2, "nuclear_test": 1, "other": 3,
}


@dataclass
class World:
    """The synthetic gazetteer: states, organs and people with aliases and parents."""

    states: list[str]
    organs: list[str]
    people: list[str]
    places: list[str]
    entries: dict = field(default_factory=dict)  # name -> ActorEntry
    children: dict = field(default_factory=dict)


def build_world(taken: set[str], people: int, seed: int = 7) -> World:
    """~200 states from pycountry (plus the bundled ones), 8 organs each, `people` persons."""
    import pycountry

    from kpolicy.authority import ActorEntry, load_gazetteer

    rng = random.Random(seed)
    bundled = load_gazetteer()
    states = [e.name for e in bundled.actors.values() if e.kind == "state"]
    entries: dict[str, ActorEntry] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if name.lower() in taken or len(states) >= 205:
            continue
        aliases = [a for a in (getattr(country, "official_name", None),) if a and a.lower() not in taken]
        entries[name] = ActorEntry(name=name, kind="state", iso3=country.alpha_3, aliases=aliases)
        taken.add(name.lower())
        states.append(name)
    codes = {s: (entries[s].iso3 if s in entries else bundled.actors[s].iso3) or s[:3].upper() for s in states}
    organs: list[str] = []
    for s in states:
        for pattern, kind, alias in ORGANS:
            name = pattern.format(s=s)
            if name.lower() in taken:
                continue
            taken.add(name.lower())
            entries[name] = ActorEntry(name=name, kind=kind, parent=s, aliases=[alias.format(c=codes[s])])
            organs.append(name)
    persons: list[str] = []
    while len(persons) < people:
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}-{rng.choice(FAMILY).lower()}"
        if name.lower() in taken:
            name = f"{name} {len(persons)}"
        taken.add(name.lower())
        parent = rng.choice(organs) if rng.random() < 0.7 else rng.choice(states)
        entries[name] = ActorEntry(name=name, kind="person", parent=parent, aliases=[f"{name.split()[0][0]}. {name.split()[1]} {len(persons)}"])
        persons.append(name)
    places = [f"{s} City {k}" for s in states[:60] for k in (1, 2)]
    world = World(states, organs, persons, places, entries)
    for entry in entries.values():
        if entry.parent:
            world.children.setdefault(entry.parent, []).append(entry.name)
    return world


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (rank ** s) for rank in range(1, n + 1)]


class EventGenerator:
    """Deterministic synthetic events: the real mix of date precisions, actors and mentions."""

    def __init__(self, world: World, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.world = world
        self.state_weights = _zipf_weights(len(world.states))
        self.types = list(TYPE_WEIGHTS)
        self.type_weights = list(TYPE_WEIGHTS.values())
        self.source_no = 0
        self.first_day = date(YEARS[0], 1, 1).toordinal()
        self.days = date(YEARS[1], 12, 31).toordinal() - self.first_day

    def _date(self) -> tuple[str | None, str]:
        """An EDTF date and a status: mostly days and months, some years, intervals, forecasts."""
        rng = self.rng
        day = date.fromordinal(self.first_day + rng.randrange(self.days))
        future = day.year >= 2026
        status = ("expected" if rng.random() < 0.5 else "forecast") if future else "occurred"
        r = rng.random()
        if r < 0.55:
            return day.isoformat(), status
        if r < 0.80:
            return f"{day.year:04d}-{day.month:02d}", status
        if r < 0.87:
            return f"{day.year:04d}", status
        if r < 0.89:
            return f"{day.year:04d}-{rng.choice((21, 22, 23, 24))}", status
        if r < 0.97:  # intervals: days to years
            end = day + timedelta(days=rng.choice((2, 3, 6, 13, 45, 120, 400, 1500)))
            if rng.random() < 0.5:
                return f"{day.isoformat()}/{min(end, date(9999, 12, 31)).isoformat()}", status
            return f"{day.year:04d}-{day.month:02d}/{end.year:04d}-{end.month:02d}", status
        if r < 0.98:  # open-ended: forecasts made in the last decade ("from 2021 on")
            start = date(rng.randrange(2016, 2030), rng.randrange(1, 13), 1)
            return f"{start.year:04d}-{start.month:02d}/..", "forecast"
        if r < 0.985:  # open start: "until March 1962"
            return f"../{day.year:04d}-{day.month:02d}", status
        return None, status

    def _actor(self) -> str:
        rng, w = self.rng, self.world
        r = rng.random()
        if r < 0.5:
            return rng.choices(w.states, self.state_weights)[0]
        if r < 0.8:
            return rng.choice(w.organs)
        return rng.choice(w.people)

    def chunk(self, n: int):
        """(sources, events) for n events: SourceRecords and BulkEvents with real character offsets."""
        from kpolicy.store.bulk import BulkEvent, BulkMention
        from kpolicy.records import SourceRecord

        rng = self.rng
        n_sources = max(1, n // 20)
        first_source = self.source_no
        self.source_no += n_sources
        texts: list[list[str]] = [[] for _ in range(n_sources)]
        lengths = [0] * n_sources
        events = []
        for _ in range(n):
            edtf, status = self._date()
            kind = rng.choices(self.types, self.type_weights)[0]
            actors = [self._actor() for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))]
            roles = [(actors[0], "initiator")] + [(a, rng.choice(("target", "participant"))) for a in actors[1:]]
            topic = rng.choice(TOPICS)
            title = f"{actors[0]} {VERBS[kind]} {topic}"
            mentions = []
            for _m in range(rng.choice((1, 1, 1, 2, 2, 3))):
                k = rng.randrange(n_sources)
                quote = f"On {edtf or 'an unknown date'}, {title.lower()}, officials said of {topic}."
                start = lengths[k]
                texts[k].append(quote)
                lengths[k] += len(quote) + 1
                mentions.append(BulkMention(f"synthetic-{first_source + k}", start, start + len(quote), quote, edtf, None))
            place = rng.choice(self.world.places) if rng.random() < 0.3 else None
            events.append(BulkEvent(kind, title, edtf, status, roles, mentions, place=place, confidence=0.9))
        sources = []
        for k in range(n_sources):
            no = first_source + k
            published = date(YEARS[0], 1, 1) + timedelta(days=no % 28000)
            sources.append(SourceRecord(
                slug=f"synthetic-{no}", title=f"Synthetic bulletin {no}", published=published,
                text="\n".join(texts[k]) or f"(empty bulletin {no})", publisher="kpolicy bench",
            ))
        return sources, events
