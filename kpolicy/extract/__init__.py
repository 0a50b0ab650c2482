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
    from kpolicy.extract.pipeline import ExtractedEvent


def extract_events(text: str, published: date) -> list[ExtractedEvent]:
    """Candidate events of an article's plain text, dates resolved against `published`."""
    from kpolicy.extract.pipeline import Extractor

    return Extractor().extract(text, published)


__all__ = ["extract_events"]
