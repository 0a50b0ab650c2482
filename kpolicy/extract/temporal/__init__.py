"""Temporal expressions in English news text, normalised to EDTF against the publication date.

`find_time_expressions(text, published)` returns every date phrase of `text` left to right
as a `TimeExpression`: its exact span, the EDTF it stands for and what it was resolved
against. Three modules, one per concern:

- `find`: the pattern families, which phrase of a text is a date phrase and which match wins;
- `resolve`: a match read against its anchors (publication date, tense, narrative time);
- `tense`: clause tense and mood (`sentence_tense`, `modality`), the cue-word classifiers the
  resolver uses for 'in June' and weekday names, and the extractor for an event's status.

Hand-written regular expressions, deterministic and offline. Nothing here raises on arbitrary
text: a resolver that fails (an impossible date such as 31 February) drops its match.
"""

from kpolicy.extract.temporal.find import TimeExpression, find_time_expressions
from kpolicy.extract.temporal.tense import modality, sentence_tense

__all__ = ["TimeExpression", "find_time_expressions", "sentence_tense", "modality"]
