"""Plain records passed between stages: what a loader or the extractor hands to the store."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from kpolicy.dates import DateRange


LINK_SCHEMES = ("http", "https", "mailto")

# What a one-line field (a title, an author, a place, a URL) may not hold: C0 and C1 controls, DEL,
# line and paragraph separators and bidirectional overrides. YAML's "\e[31m" escapes put them into
# front-matter titles past the body's cleaning (issue 24, item 26).
_FIELD_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_field(value):
    """A one-line text field as stored: every control character and bidi override a space, runs of
    spaces one, the ends trimmed. None and non-text values pass through."""
    if not isinstance(value, str):
        return value
    return " ".join(_FIELD_UNSAFE.sub(" ", value).split())


def link_url(value) -> bool:
    """Whether a source URL may be shown as a live link: http(s) or mailto only, never
    `javascript:`, `data:` or `file:` (issue 24, item 22)."""
    if not isinstance(value, str):
        return False
    text = "".join(value.split()).lower()  # browsers ignore tabs and newlines inside a scheme: "java\tscript:"
    scheme, colon, rest = text.partition(":")
    return bool(colon) and scheme in LINK_SCHEMES and bool(rest.strip("/"))


def check_source_url(value, where: str) -> str | None:
    """A source's URL as stored: None, or an http(s)/mailto URL; anything else is BadInput."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if not link_url(text):
        from kpolicy.errors import BadInput

        raise BadInput(f"{where}: url {text[:80]!r} is not an http(s) or mailto address; give one such as https://example.org/article")
    return text


@dataclass
class SourceRecord:
    """One article: metadata plus the plain text that mention offsets refer to."""

    slug: str
    title: str
    published: date
    text: str
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    site: str | None = None  # the web site or document origin, when the file's own metadata names it
    published_precision: str = "day"  # 'month' when only the month is known (published = its first day)
    published_from: str | None = None  # where the date came from (kpolicy.extract.publication FROM_*)

    @property
    def reference(self) -> date:
        """The date relative phrases resolve against: the day, or a month's last day."""
        if self.published_precision == "month":
            import calendar

            return self.published.replace(day=calendar.monthrange(self.published.year, self.published.month)[1])
        return self.published

    def __post_init__(self):
        for name in ("title", "author", "publisher", "url", "site"):
            setattr(self, name, clean_field(getattr(self, name)))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class MentionRecord:
    """Where an event is stated: offsets into the source's plain text, and how it was read.

    `date_text` and `date_anchor` say how the date was obtained (the phrase as written and
    what it was resolved against); `type_rule` and `date_rule` name the extraction rules
    that gave the event's type and date (None for curated mentions); `extractor` what produced
    it ('rules' or a learned model's id); `page` is the page of
    a paginated document (PDF), 1-based."""

    quote: str
    char_start: int
    char_end: int
    date_text: str | None = None
    date_anchor: str | None = None
    type_rule: str | None = None
    date_rule: str | None = None
    page: int | None = None
    extractor: str | None = None  # 'rules' or the learned model's id; None for curated mentions


@dataclass
class EventRecord:
    """One event as a loader or the extractor sees it; `mentions[0]` is its first mention."""

    type: str
    title: str
    date: DateRange
    status: str
    actors: list[tuple[str, str]]  # (canonical actor name, role)
    mentions: list[MentionRecord]
    place: str | None = None
    description: str | None = None
    confidence: float = 1.0
    review: str = "extracted"
    # names the authority file lacks, found by extraction ({"name", "kind": 'person', 'place' or an actor kind,
    # "parent"?}: kpolicy.extract.unknown): proposals to add them
    unknown_names: list[dict] = field(default_factory=list)

    def __post_init__(self):
        self.title, self.place = clean_field(self.title), clean_field(self.place)

    @property
    def first(self) -> MentionRecord:
        return self.mentions[0]


@dataclass
class StoreSummary:
    """What a write did, for the CLI to report."""

    sources: int = 0
    events: int = 0
    mentions: int = 0
    merged: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, other: StoreSummary) -> None:
        self.sources += other.sources
        self.events += other.events
        self.mentions += other.mentions
        self.merged += other.merged
        self.skipped.extend(other.skipped)
