"""Extraction: article file -> plain text -> events. Pure: no database, no printing.

Stages, one module each, in the order the data flows:
`text` (file -> plain text with an offset map and metadata), `sentences` (spans),
`lexicon` (the shared word lists), `temporal` (date phrases -> EDTF), `triggers`
(event words typed in context, rules in data/triggers.yaml), `actors` and `gazetteer`
(names -> canonical actors), `pipeline` (candidates, coreference, titles, output);
`learned` and `model`: the learned extractor (rule hits as features, JSON linear models).

The face is `extract_events(text, published, extractor=...)`: `"rules"` (the default), `"learned"`
(the model shipped in the package) or a loaded `kpolicy.extract.model.Model` (a database's own,
from `kpolicy learn`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from kpolicy.extract.pipeline import ExtractedEvent

EXTRACTORS = ("rules", "learned")
DEFAULT_EXTRACTOR = "rules"  # what `extract` and `ingest` use without --extractor (docs/extraction.md says why)
_CACHE: dict = {}


def extractor_for(extractor=None):
    """The extractor object for a name ('rules', 'learned') or a loaded model; built once per process."""
    from kpolicy.extract.pipeline import Extractor

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


__all__ = ["DEFAULT_EXTRACTOR", "EXTRACTORS", "extract_events", "extractor_for"]
