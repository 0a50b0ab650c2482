"""Extraction: article file -> plain text -> events. Pure: no database, no printing.

Stages, one module each, in the order the data flows:
`text` (file -> plain text with an offset map and metadata), `sentences` (spans),
`lexicon` (the shared word lists), `temporal` (date phrases -> EDTF), `triggers`
(event words typed in context, rules in data/triggers.yaml), `actors` and `gazetteer`
(names -> canonical actors), `pipeline` (candidates, coreference, titles, output).

The face is `extract_events(text, published)`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.authority import Gazetteer
    from kpolicy.extract.pipeline import ExtractedEvent


def extract_events(text: str, published: date, gazetteer: Gazetteer | None = None) -> list[ExtractedEvent]:
    """Candidate events of an article's plain text, dates resolved against `published`; actors
    from `gazetteer` (a database's own additions: kpolicy.authority.gazetteer.extended), by
    default the shipped authority file."""
    from kpolicy.extract.pipeline import Extractor

    if gazetteer is None:
        return Extractor().extract(text, published)
    return _extractor_for(gazetteer).extract(text, published)


_EXTRACTORS: dict = {}


def _extractor_for(gazetteer: Gazetteer):
    """One extractor per gazetteer object (building its name patterns costs tens of ms)."""
    from kpolicy.extract.actors import ActorFinder
    from kpolicy.extract.pipeline import Extractor

    found = _EXTRACTORS.get(id(gazetteer))
    if found is None or found[0] is not gazetteer:
        _EXTRACTORS.clear()  # one database at a time
        found = _EXTRACTORS[id(gazetteer)] = (gazetteer, Extractor(ActorFinder(gazetteer)))
    return found[1]


__all__ = ["extract_events"]
