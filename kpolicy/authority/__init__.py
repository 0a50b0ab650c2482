"""Actors and places: the one place that answers "who is this name".

Below both the store and extraction (tests/test_layout.py): it imports neither, and
both use it. Public API (docs/authority.md):

- `load_gazetteer(path=None) -> Gazetteer`: the shipped file (data/gazetteer.yaml) or
  another, checked and cached;
- `Gazetteer.actor(name)`, `.place(name)`: a name, alias or adjective (any case) ->
  the canonical name, or None;
- `Gazetteer.ancestors(name)`, `.state_of(name)`, `.top_state(name)`: the actor's chain
  of parents and the state or body it belongs to;
- `fold(text)`: typographic apostrophes folded to ' (length-preserving), as every
  matcher of names does first;
- `country_names()`: every country's names (pycountry) -> its common English name.
"""

from __future__ import annotations

from kpolicy.authority.gazetteer import ActorEntry, Gazetteer, PlaceEntry, bundled_path, load_gazetteer, parse_gazetteer
from kpolicy.authority.names import country_names, fold

__all__ = ["ActorEntry", "Gazetteer", "PlaceEntry", "bundled_path", "country_names", "fold", "load_gazetteer",
           "parse_gazetteer"]
