"""Finding the date phrases of a text: `find_time_expressions(text, published)` returns every
date phrase left to right as a `TimeExpression`, its exact span, the EDTF it stands for and
what it was resolved against.

Hand-written regular expressions, deterministic and offline: every pattern below is one
family of phrases with one resolver (kpolicy.extract.temporal.resolve). The patterns run only
on windows around words every date phrase contains; overlapping matches are decided
leftmost-longest, then by the order of the patterns; a sentence that opens with a year gives
it to the year-less dates it names. Nothing here raises on arbitrary text: a resolver that
fails (an impossible date such as 31 February) drops its match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from kpolicy.dates import parse_edtf
from kpolicy.extract.lexicon import MONTH_WORD, MONTHS_ABBR, MONTHS_FULL
from kpolicy.extract.temporal.resolve import (YEARLESS, Context, direction_of, resolve_bare_month, resolve_cross_range,
                                              resolve_date, resolve_day_range, resolve_decade, resolve_dmy_dots,
                                              resolve_earlier_later, resolve_iso, resolve_later_same_day, resolve_modified, resolve_month_range,
                                              resolve_month_rel_year, resolve_month_year, resolve_new_year, resolve_rel_day, resolve_rel_month,
                                              resolve_rel_week, resolve_rel_year, resolve_season, resolve_span,
                                              resolve_vague, resolve_week_of_month, resolve_weekday, resolve_weekday_date,
                                              resolve_weekday_range, resolve_within, resolve_year, resolve_year_end,
                                              resolve_year_range, resolve_years_ago, valid_edtf)



@dataclass(frozen=True)
class TimeExpression:
    start: int  # char offset in the text given to find_time_expressions
    end: int
    text: str  # as written: "in June", "on 28-31 December 2019", "the last six months"
    edtf: str  # normalised EDTF: 2019-06, 2019-12-28/2019-12-31, 2019-08/2020-02, 2020-02/..
    anchor: str | None  # what a relative phrase was resolved against (ISO/EDTF); None when absolute
    kind: str  # "absolute" | "relative" | "vague"
    direction: str | None  # "past" | "future" | None: where it points relative to publication
    rule: str = field(default="", compare=False)  # the temporal pattern that read it: 'date', 'bare_month', 'rel_day'...



# ----------------------------------------------------------------------------- pattern pieces

def _mon(name: str) -> str:
    """A case-sensitive month name (capitalised: 'May' the month, not 'may' the verb)."""
    full, abbr = MONTHS_FULL, MONTHS_ABBR
    return rf"(?-i:(?P<{name}>{full}|(?:{abbr})\b\.?)(?!\w|-[a-z]))"


def _day(name: str) -> str:
    return rf"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?"


def _year(name: str) -> str:
    return rf"(?P<{name}>1[89]\d\d|20\d\d)(?![\d%])"


# a document's number is no year: 'resolution 1874', 'resolutions 1718 (2006) and 1874 (2009)'
# (a number followed by its own year in brackets), 'Resolution No. 2094'
_NOT_A_NUMBER_NAME = r"(?<!resolution\s)(?<!resolutions\s)(?<!no\.\s)(?!(?:1[89]|20)\d\d\s*\((?:1[89]|20)\d\d\))"

_MONTH_WORD = MONTH_WORD
_NUM = r"(?P<n>\b(?:\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+few|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|thirty))"
_UNIT = r"(?P<unit>days?|weeks?|months?|years?|decades?)"
_RANGE_JOIN = r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|thru|and|or)\s+)"
_YEAR_AFTER = r"(?:,?\s+(?:of\s+)?" + _year("y") + ")?"
_NOT_NUMBER_AFTER = r"(?![\d:%]|\.\d|\s*(?:percent|per\s+cent|km|kilometers?|kilometres?|miles?|people|troops|soldiers|tons?|tonnes?|meters?|metres?|kg|times)\b)"



# ----------------------------------------------------------------------------- patterns

_PREP = r"(?:(?P<pre>from|between)\s+)?"
_DM_A = _day("d1") + r"\s+(?:of\s+)?" + _mon("mon1") + r"(?:,?\s+" + _year("y1") + ")?"
_MD_A = _mon("mon1b") + r"\s+" + _day("d1b") + r"(?![\d:])(?:,?\s+" + _year("y1b") + ")?"
_DM_B = _day("d2") + r"\s+(?:of\s+)?" + _mon("mon2") + r"(?:,?\s+" + _year("y2") + ")?"
_MD_B = _mon("mon2b") + r"\s+" + _day("d2b") + r"(?![\d:])(?:,?\s+" + _year("y2b") + ")?"
_REL_YEAR = (r"(?:last|this|next|past|coming)\s+year|the\s+(?:previous|prior|preceding|following|next|subsequent|same|current|coming)\s+year"
             r"|the\s+year\s+(?:before|after)|that\s+year|the\s+year")
_REL_MONTH_T = r"(?:this|last|next|that)\s+month|the\s+(?:same|previous|following)\s+month|the\s+month"
_MODIFIER = (r"(?P<mod>early|mid|late|end(?=-)|the\s+(?:end|close|beginning|start|middle|turn)\s+of"
             r"|the\s+(?:first|second)\s+half\s+of|the\s+(?:first|second|third|fourth|last|final)\s+quarter\s+of"
             r"|the\s+(?:final|last|closing|first|opening|early)\s+(?:few\s+)?(?:days|weeks|months)\s+of)")

_PATTERNS: list[tuple[str, object]] = [
    (r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?![\d-])", resolve_iso),
    (r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<mo>[01]?\d)\.(?P<y>1[89]\d\d|20\d\d)(?![\d]|\.\d)", resolve_dmy_dots),
    # day ranges inside one month
    (_PREP + _day("d1") + r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|and)\s+)" + _day("d2")
     + r"\s+(?:of\s+)?" + _mon("mon") + _YEAR_AFTER, resolve_day_range),
    (_PREP + _mon("mon") + r"\s+" + _day("d1") + r"(?P<join>\s*(?:-|–|—)\s*|\s+(?:to|until|till|through|and)\s+)"
     + _day("d2") + r"(?![\d:%]|\s+(?:of\s+)?" + _MONTH_WORD + ")" + _YEAR_AFTER, resolve_day_range),
    # ranges and alternatives across months
    (_PREP + r"(?:" + _DM_A + r"|" + _MD_A + r")" + _RANGE_JOIN + r"(?:" + _DM_B + r"|" + _MD_B + r")", resolve_cross_range),
    # single dates
    (_mon("mon") + r"\s+" + _day("d") + r"(?!\s*[-–]\s*\d)" + _NOT_NUMBER_AFTER + r"(?:,?\s+" + _year("y") + ")?", resolve_date),
    (r"(?<![\d.,$#-])" + _day("d") + r"\s+(?:of\s+)?" + _mon("mon") + r"(?:,?\s+" + _year("y") + ")?", resolve_date),
    (r"(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)),?\s+(?:" + _mon("mon") + r"\s+" + _day("d")
     + r"(?![\d:])(?:,?\s+" + _year("y") + r")?|" + _day("d2") + r"\s+(?:of\s+)?" + _mon("mon2") + r"(?:,?\s+" + _year("y2") + r")?)", resolve_weekday_date),
    # month ranges ("March-April", "from March to May 2019", "June or July")
    (_PREP + _mon("mon1") + r"(?P<join>\s*(?:-|–|—|/)\s*|\s+(?:to|until|till|through|and|or)\s+)" + _mon("mon2") + _YEAR_AFTER, resolve_month_range),
    # month + year
    (_mon("mon") + r",?\s+(?:of\s+)?" + _year("y"), resolve_month_year),
    (_mon("mon") + r",?\s+(?:of\s+)?(?P<ry>last\s+year|this\s+year|next\s+year|the\s+(?:previous|following|same)\s+year|that\s+year)\b", resolve_month_rel_year),
    # modified periods: early 2020, mid-2019, late June, the end of last year, the final days of the previous year
    (_MODIFIER + r"[-\s]+(?:" + _mon("mon") + _YEAR_AFTER + r"|(?P<tgt>" + _year("ty") + r"(?!['’]?s\b)|" + _REL_YEAR + r"|" + _REL_MONTH_T + r"))", resolve_modified),
    (r"\bthe\s+(?P<which>first|second|third|fourth|last|final)\s+week\s+of\s+" + _mon("mon") + _YEAR_AFTER, resolve_week_of_month),
    (r"(?P<which>earlier|later)\s+(?:this|in\s+the)\s+(?P<unit>year|month|week)\b", resolve_earlier_later),
    # bare months in context: in June, last June, (March), the April elections
    (r"(?:\b(?P<rel>last|this|next)\s+)?" + _mon("mon"), resolve_bare_month),
    # relative years, months, weeks, days
    (r"\b(?:" + _REL_YEAR.replace("|that\\s+year|the\\s+year", "|that\\s+year") + r"|a\s+year\s+(?:earlier|later))\b", resolve_rel_year),
    (_NUM + r"\s+" + _UNIT + r"\s+(?P<way>ago|earlier|later)\b", resolve_years_ago),
    (r"\b(?:year[-\s]end|end[-\s]of[-\s](?:the[-\s])?year|in\s+the\s+new\s+year)\b", resolve_year_end),
    (r"\b(?:(?:this|last|next)\s+month|the\s+(?:current|previous|preceding|following|next|same)\s+month|that\s+month"
     r"|the\s+month\s+(?:before|after)|a\s+month\s+(?:earlier|later))\b", resolve_rel_month),
    (r"\b(?:(?:by|during|later\s+in)\s+the\s+(?:morning|afternoon|evening|night)|(?:later\s+)?that\s+(?:morning|afternoon|evening|night)"
     r"|(?:several\s+|a\s+few\s+|some\s+|two\s+|three\s+)?hours\s+later|later\s+(?:that|the\s+same)\s+day)\b(?!\s+of\b)", resolve_later_same_day),
    (r"\b(?:yesterday|today|tonight|tomorrow|this\s+(?:morning|afternoon|evening)|the\s+(?:day\s+before|previous\s+day|preceding\s+day|next\s+day|following\s+day|day\s+after|same\s+day)"
     r"|(?:that\s+)?same\s+day|that\s+day|a\s+day\s+(?:earlier|later))\b", resolve_rel_day),
    (r"\b(?:(?:last|this|next|the\s+past|the\s+coming)\s+week(?!end)|the\s+(?:previous|following|next)\s+week(?!end)|the\s+week\s+(?:before|after)"
     r"|a\s+week\s+(?:earlier|later)|(?:(?:at|over|during)\s+)?the\s+weekend|(?:this|last|next)\s+weekend|(?:this\s+)?past\s+weekend)\b", resolve_rel_week),
    # coordinated days: 'on Monday and Tuesday', 'from Tuesday to Thursday' (one interval)
    (r"(?:\b(?P<rel>last|next|this)\s+)?(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))(?:\s+(?:and|to|through|till|until)\s+|\s*[-\u2013]\s*)"
     r"(?-i:(?P<wd2>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", resolve_weekday_range),
    (r"(?:\b(?P<rel>last|next|this)\s+)?(?-i:(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", resolve_weekday),
    (r"\b(?:(?P<rel>last|this|next|early|late)\s+)?(?P<s>spring|summer|autumn|fall|winter)\b(?:\s+(?:of\s+)?" + _year("y") + ")?", None),
    # 'is expected to last several days': the verb, not a span
    (r"\b(?<!\bto\s)(?<!\bwill\s)(?<!\bwould\s)(?<!\bcould\s)(?<!\bmay\s)(?<!\bmight\s)(?<!\bcan\s)(?<!\bshould\s)(?<!\bdid\s)"
     r"(?:the\s+)?(?P<dir>last|past|previous|preceding|next|coming|following)\s+" + _NUM + r"\s+" + _UNIT + r"\b", resolve_span),
    (r"\bthe\s+(?P<dir>last|past)\s+(?P<n>)?(?P<unit>year|decade|month|week)\b", resolve_span),
    (r"\b(?:within|in)\s+(?:the\s+next\s+)?" + _NUM + r"\s+" + _UNIT + r"\b(?!\s+(?:ago|earlier|later|of|after|before))", resolve_within),
    (r"\b(?:recently|lately|of\s+late|in\s+recent\s+(?:days|weeks|months|years)|in\s+the\s+past\s+few\s+weeks"
     r"|(?<!as\s)soon\b(?!\s+(?:after|afterwards?|thereafter|before|as|enough))|shortly\b(?!\s+(?:after|afterwards?|thereafter|before))"
     r"|in\s+the\s+(?:near\s+|not-too-distant\s+|not\s+too\s+distant\s+|foreseeable\s+)?future|in\s+the\s+coming\s+(?:days|weeks|months|years)"
     r"|in\s+the\s+(?:days|weeks|months)\s+ahead)\b", resolve_vague),
    (_PREP + _NOT_A_NUMBER_NAME + r"(?<![\w$#.,-])" + _year("y1") + r"(?P<join>\s*(?:-|–|—|/)\s*|\s+(?:to|until|till|through|and|or)\s+)(?P<y2>1[89]\d\d|20\d\d|\d\d)(?![\w%])", resolve_year_range),
    (r"\b(?:the\s+)?(?:(?P<mod>early|mid|late)[-\s]+)?(?P<y>1[89]\d0|20\d0)['’]?s\b", resolve_decade),
    (_NOT_A_NUMBER_NAME + r"(?<![\w$#.,-])" + _year("y") + r"(?![\w%-]|[.,]\d)" + r"(?!\s+(?:km|kilometers?|kilometres?|miles?|people|troops|soldiers|tons?|tonnes?|meters?|metres?|kg|dollars|won|units|times|percent)\b)", resolve_year),
    (r"(?-i:New\s+Year)['’]?s?\s+(?-i:(?:Day|Eve))\b", resolve_new_year),
]
_PATTERNS = [(p, h if h is not None else resolve_season) for p, h in _PATTERNS]
_COMPILED = [(re.compile(p, re.I), handler, rank) for rank, (p, handler) in enumerate(_PATTERNS)]

_EXTEND = re.compile(r"(?:\b(?:in|on|at|during|over)\s+)$", re.I)



_HOT = re.compile(
    r"\d|(?-i:(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|New\s+Year)\b)|\b(?:years?|months?|weeks?|weekend|days?|today|tonight|yesterday|tomorrow|morning|afternoon"
    r"|evening|recent|recently|lately|late|soon|shortly|future|coming|ahead|spring|summer|autumn|fall|winter|decades?"
    r"|half|quarter|ago|early|earlier|later|mid)\b",
    re.I,
)
_BEFORE, _AFTER = 70, 90


def _windows(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in _HOT.finditer(text):
        lo, hi = max(0, m.start() - _BEFORE), min(n, m.end() + _AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def find_time_expressions(text: str, published: date, *, tense: str | None = None,
                          narrative: str | None = None) -> list[TimeExpression]:
    """All temporal expressions in `text` (usually one sentence), left to right, resolved.

    tense ("past" | "future" | None), the sentence's tense, decides 'in June' (the most recent
    June up to publication unless future) and weekday names when the words around the phrase
    do not. narrative, the EDTF date the narrative has set, anchors 'that month', 'the next
    day', 'a few weeks later', 'within a few weeks'; a year-precision narrative ('2021') also
    gives bare months their year ('(March)' in a list about 2021).

    >>> [(t.text, t.edtf) for t in find_time_expressions("held from January 5 to 7", date(2022, 1, 13), narrative="2021")]
    [('from January 5 to 7', '2021-01-05/2021-01-07')]
    """
    if not text:
        return []
    ctx = Context(text, published, tense, narrative)
    candidates = []
    windows = _windows(text)
    for regex, handler, rank in _COMPILED:
        for lo, hi in windows:
            for m in regex.finditer(text, lo, hi):
                if m.end() > m.start():
                    candidates.append((m.start(), -(m.end() - m.start()), rank, m, handler))
    candidates.sort(key=lambda c: c[:3])
    chosen = []
    last_end = 0
    for start, neg_len, rank, m, handler in candidates:
        if start < last_end:
            continue
        try:
            result = handler(m, ctx)
        except Exception:
            result = None
        if result is None or not valid_edtf(result[0]):
            continue
        chosen.append((m, handler, result))
        last_end = m.end()
    _apply_sentence_frames(ctx, chosen)
    out: list[TimeExpression] = []
    for i, (m, handler, (edtf, anchor, kind)) in enumerate(chosen):
        start, end = m.start(), m.end()
        if handler is resolve_new_year:
            edtf, anchor = _new_year_from_sentence(ctx, chosen, i, edtf, anchor)
        lead = _EXTEND.search(text, max(0, start - 9), start)
        prev_end = out[-1].end if out else 0
        if lead and lead.start() >= prev_end and not text[start - 1:start].isalnum():
            start = lead.start()
        elif handler is resolve_bare_month and text[start - 1:start] == "(" and text[end:end + 1] == ")":
            start, end = start - 1, end + 1
        try:
            direction = direction_of(edtf, kind, published)
        except Exception:
            continue
        out.append(TimeExpression(start, end, text[start:end], edtf, anchor, kind, direction, handler.__name__.removeprefix("resolve_")))
    return out


def _new_year_from_sentence(ctx, chosen, i, edtf, anchor):
    """'Last year, Kim skipped his New Year's Day address' -> 1 January of last year."""
    m = chosen[i][0]
    lo, hi = ctx.sentence_bounds(m.start(), m.end())
    best = None
    for j, (other, _handler, (o_edtf, o_anchor, _kind)) in enumerate(chosen):
        if j == i or other.start() < lo or other.end() > hi or not re.fullmatch(r"\d{4}", o_edtf):
            continue
        dist = abs(other.start() - m.start())
        if best is None or dist < best[0]:
            best = (dist, o_edtf, o_anchor)
    if best is None:
        return edtf, anchor
    return best[1] + edtf[4:], best[2]


_CHAIN = re.compile(r"\s*,?\s*(?:and|or|,)\s+(?:(?:in|on)\s+)?", re.I)
_FRAME_LEAD = re.compile(r"[\s\"“‘'(\[-]*(?:(?:in|during|throughout|by|since)\s+)?", re.I)


def _apply_sentence_frames(ctx, chosen) -> None:
    """A sentence that opens with a year ('Last year, ...', 'In 2019, ...') gives that year to the
    dates it names without one: 'Last year, ... the congress, which was held from January 5 to 7'."""
    frame_for: dict[tuple[int, int], str] = {}
    for i, (m, handler, (edtf, anchor, kind)) in enumerate(chosen):
        bounds = ctx.sentence_bounds(m.start(), m.end())
        if re.fullmatch(r"\d{4}", edtf) and handler in (resolve_rel_year, resolve_year, resolve_modified) and \
                _FRAME_LEAD.fullmatch(ctx.text, bounds[0], m.start()):
            frame_for[bounds] = edtf
            continue
        if kind != "relative" or handler not in YEARLESS:
            continue
        year = frame_for.get(bounds)
        after = None
        if i and chosen[i - 1][2][2] == "absolute":  # 'in March 2018 and April': the year carries over
            prev_m, prev_edtf = chosen[i - 1][0], chosen[i - 1][2][0]
            if _CHAIN.fullmatch(ctx.text, prev_m.end(), m.start()) and re.match(r"\d{4}-\d{2}", prev_edtf):
                after = parse_edtf(prev_edtf).lower
                year = str(after.year)
        if year is None:
            continue
        try:
            result = handler(m, Context(ctx.text, ctx.pub, ctx.tense, year))
            if after is not None and result is not None and parse_edtf(result[0]).lower < after:
                result = handler(m, Context(ctx.text, ctx.pub, ctx.tense, str(after.year + 1)))
        except Exception:
            result = None
        if result is not None and valid_edtf(result[0]):
            chosen[i] = (m, handler, result)
