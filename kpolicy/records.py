"""Plain records passed between stages: what a loader or the extractor hands to the store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from kpolicy.dates import DateRange


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
