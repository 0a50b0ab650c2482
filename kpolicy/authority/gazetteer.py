"""The actor gazetteer and the places list (data/gazetteer.yaml).

Canonical actors with kind, ISO 3166-1 alpha-3 code, parent and the names texts use
for them. The database holds a copy (actors, actor_aliases, places) for queries; the
loader and the extractor read the file through this module (kpolicy.authority).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class PlaceEntry:
    name: str
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class Gazetteer:
    actors: dict[str, ActorEntry]
    places: dict[str, PlaceEntry]
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

    def alias_rows(self, entry: ActorEntry) -> list[str]:
        return [a for a in [*entry.aliases, *entry.adjectives] if a.lower() != entry.name.lower()]


def bundled_path() -> Path:
    return Path(str(files("kpolicy.data") / "gazetteer.yaml"))


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
    """The gazetteer from `path`, or the bundled one. Cached: it is read-only data."""
    import yaml

    source = Path(path) if path else bundled_path()
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"gazetteer {source} not found; check the path") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise BadInput(f"gazetteer {source} is not valid YAML{where}; fix the file") from None
    return parse_gazetteer(doc, str(source))
