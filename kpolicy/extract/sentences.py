"""Sentence segmentation over plain text: spans (start, end) into the text.

A sentence ends at . ! or ? followed by space and a capital, digit or opening quote,
unless the period belongs to an abbreviation (U.S., Jan., Dr., Gen., e.g.) or an
initial (N. Korea, J. Smith); a blank line (paragraph break) always ends one. Spans
are trimmed of surrounding whitespace, so text[start:end] is the sentence as written.
"""

from __future__ import annotations

import re

from kpolicy.extract.lexicon import ABBREVIATIONS  # noqa: F401  (re-exported: sentences.ABBREVIATIONS)

_BOUNDARY = re.compile(r"[.!?][\"'\u2019\u201d)\]]*(?=\s+[\"'\u2018\u201c(\[]?[A-Z0-9])|\n[ \t]*\n")
_LIST_LINE = re.compile(r"[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]+\S")
_LIST_BREAK = re.compile(r"\n(?=[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]+\S)")
_BOUNDARY_LINES = re.compile(r"[.!?][\"'\u2019\u201d)\]]*(?=[ \t]+[\"'\u2018\u201c(\[]?[A-Z0-9])|\n")


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the period at `dot` closes an abbreviation or an initial."""
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12):dot])
    if not m:
        return False
    word = m.group(1)
    low = word.lower()
    if low in ABBREVIATIONS:
        return True
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # U.S, e.g, D.P.R.K
        return True
    if len(word) == 1 and word.isupper():  # an initial: N. Korea, J. Smith
        return True
    return False


_OPENERS = re.compile(r"\s+[\"'\u2018\u201c(]?(?:The|This|That|These|Those|It|In|On|At|But|And|However|He|She|They|We|A|An|North|South|China|Russia|Japan)\b")


def _hard_wrapped(text: str) -> bool:
    """Whether single line breaks are a line width (hard wrap) rather than ends of lines of their own."""
    lines = [len(line) for line in text.split("\n") if line.strip() and not _LIST_LINE.match(line)]
    if len(lines) < 6:
        return False
    longest = max(lines)
    return longest <= 100 and sum(1 for n in lines if n >= 0.6 * longest) >= 0.6 * len(lines)


# A sentence is at most this many characters: the longest in the development articles has
# under 500. A longer run without a sentence end (a 64 KB line of phrases) is cut at its last
# clause boundary (, ; :) or space before the limit, so every later stage, whose work per
# sentence grows with the sentence, stays linear in the article.
MAX_SENTENCE = 1000
_CUT = re.compile(r"[,;:]\s|\s")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of plain text; paragraph breaks end sentences, and so do single line
    breaks unless the text is hard-wrapped (lines of similar width)."""
    spans: list[tuple[int, int]] = []
    start = 0
    boundary = _BOUNDARY if _hard_wrapped(text) else _BOUNDARY_LINES
    matches = sorted([*boundary.finditer(text), *_LIST_BREAK.finditer(text)], key=lambda m: m.start())
    for m in matches:
        if m.start() < start:
            continue
        if m.group().startswith(".") and _abbreviation_before(text, m.start()):
            word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, m.start() - 12):m.start()]).group(1)
            # an acronym (U.S., D.P.R.K.) ends a sentence only when a typical opener follows
            acronym = "." in word and word.lower() not in ABBREVIATIONS
            if not (acronym and _OPENERS.match(text, m.end())):
                continue
        end = m.start() if m.group().startswith("\n") else m.end()
        _add(text, start, end, spans)
        start = m.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end:
        while start < end and text[start].isspace():
            start += 1
        stop = end
        if stop - start > MAX_SENTENCE:
            stop = start + MAX_SENTENCE
            window = text[start + MAX_SENTENCE // 2:stop]
            cut = None
            for m in _CUT.finditer(window):
                if cut is None or m.group()[0] in ",;:" or not cut[1]:
                    cut = (m.end(), m.group()[0] in ",;:")
            if cut is not None:
                stop = start + MAX_SENTENCE // 2 + cut[0]
        piece_end = stop
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_end > start:
            spans.append((start, piece_end))
        start = stop


def paragraph_index(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """For each sentence span, the number of the paragraph it sits in (a blank line, or a
    single line break in text that is not hard-wrapped, starts a paragraph)."""
    breaker = re.compile(r"\n[ \t]*\n") if _hard_wrapped(text) else re.compile(r"\n")
    out, para, prev_end = [], 0, 0
    for start, end in spans:
        if breaker.search(text, prev_end, start):
            para += 1
        out.append(para)
        prev_end = end
    return out
