"""Extraction: article file -> plain text -> events. Pure: no database, no printing.

Stages, one module each, in the order the data flows:
`text` (file -> plain text with an offset map and metadata), `sentences` (spans),
`lexicon` (the shared word lists), `temporal` (date phrases -> EDTF), `triggers`
(event words typed in context, rules in data/triggers.yaml), `actors` and `gazetteer`
(names -> canonical actors), `pipeline` (candidates, coreference, titles, output);
`learned` and `model`: the learned extractor (rule hits as features, JSON linear models).

The face is `extract_events(text, published, extractor=...)`: `"rules"` (the default), `"learned"`
(the model shipped in the package) or a loaded `kpolicy.extract.model.Model` (a database's own,
from `kpolicy learn`); any of them wrapped in `WithActors(extractor, gazetteer)` finds actors
with that gazetteer (a database's own additions: kpolicy.authority.gazetteer.extended).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.pipeline import ExtractedEvent

EXTRACTORS = ("rules", "learned")
DEFAULT_EXTRACTOR = "rules"  # what `extract` and `ingest` use without --extractor (docs/extraction.md says why)
_CACHE: dict = {}


@dataclass(frozen=True, eq=False)
class WithActors:
    """An extractor ('rules', 'learned' or a model) that finds actors with `gazetteer` instead of
    the shipped authority file: a database's analyst-added actors, places and office terms."""

    extractor: object
    gazetteer: object


def extractor_for(extractor=None):
    """The extractor object for a name ('rules', 'learned') or a loaded model; built once per process."""
    from kpolicy.extract.pipeline import Extractor

    if isinstance(extractor, WithActors):
        return _with_actors(extractor)

    if "rules" not in _CACHE:
        _CACHE["rules"] = Extractor()
    if extractor is None:
        extractor = DEFAULT_EXTRACTOR
    if extractor == "rules":
        return _CACHE["rules"]
    from kpolicy.extract.learned import LearnedExtractor

    if extractor == "learned":
        if "learned" not in _CACHE:
            _CACHE["learned"] = LearnedExtractor(rules=_CACHE["rules"])
        return _CACHE["learned"]
    key = ("model", extractor.doc.get("sha256"))
    if key not in _CACHE:
        _CACHE[key] = LearnedExtractor(model=extractor, rules=_CACHE["rules"])
    return _CACHE[key]


def _with_actors(wrapped: WithActors):
    """The wrapped extractor built on an actor finder of its gazetteer; one kept per process
    (building the name patterns costs tens of ms; an ingest uses one database's gazetteer)."""
    from kpolicy.extract.actors import ActorFinder
    from kpolicy.extract.pipeline import Extractor

    inner = DEFAULT_EXTRACTOR if wrapped.extractor is None else wrapped.extractor
    key = ("actors", id(wrapped.gazetteer), inner if isinstance(inner, (str, type(None))) else ("model", inner.doc.get("sha256")))
    found = _CACHE.get("with_actors")
    if found is None or found[0] != key or found[1] is not wrapped.gazetteer:
        rules = Extractor(ActorFinder(wrapped.gazetteer))
        if inner in (None, "rules"):
            built = rules
        else:
            from kpolicy.extract.learned import LearnedExtractor

            built = LearnedExtractor(rules=rules) if inner == "learned" else LearnedExtractor(model=inner, rules=rules)
        found = _CACHE["with_actors"] = (key, wrapped.gazetteer, built)
    return found[2]


def extract_events(text: str, published: date, extractor=None, explain: bool = False) -> list[ExtractedEvent]:
    """Candidate events of an article's plain text, dates resolved against `published`."""
    ext = extractor_for(extractor)
    if explain and hasattr(ext, "model"):
        return ext.extract(text, published, explain=True)
    events = ext.extract(text, published)
    if explain:  # the rules: name the rules behind each decision
        for e in events:
            e.explain = {"extractor": "rules", "type": {"rule": e.type_rule}, "date": {"rule": e.date_rule, "text": e.date_text}}
    return events


__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "WithActors", "extract_events", "extractor_for"]
