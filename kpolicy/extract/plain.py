"""The plain-text primitives every reader shares: the text with its map back to the file,
the Document a reader returns, and the error a bad article raises."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

from kpolicy.errors import BadInput

FORMATS_TEXT = ".md, .txt, .html, .pdf and .docx"


class ArticleProblem(BadInput):
    """A file that cannot be taken as an article; `reason` is the short name a batch counts it by.

    Reasons: unsupported, missing, unreadable, not-a-file, too-large, binary, undecodable,
    empty, encrypted, damaged, non-english, bad-metadata, no-date."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class PlainText:
    """Plain text plus a piecewise map to the file: plain[seg_plain[k]:...] came from raw[seg_raw[k]:...]."""

    text: str
    seg_plain: list[int] = field(default_factory=lambda: [0])
    seg_raw: list[int] = field(default_factory=lambda: [0])

    def file_offset(self, plain_offset: int) -> int:
        k = bisect.bisect_right(self.seg_plain, plain_offset) - 1
        return self.seg_raw[k] + (plain_offset - self.seg_plain[k])


class TextBuilder:
    """Accumulates output pieces and the segment map in one pass."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.seg_plain: list[int] = []
        self.seg_raw: list[int] = []

    def add(self, piece: str, raw_pos: int) -> None:
        if not piece:
            return
        self.seg_plain.append(self.length)
        self.seg_raw.append(raw_pos)
        self.parts.append(piece)
        self.length += len(piece)

    def build(self) -> PlainText:
        if not self.seg_plain:
            return PlainText("")
        return PlainText("".join(self.parts), self.seg_plain, self.seg_raw)


@dataclass
class Document:
    """An article as read from a file: plain text, map back to the file, metadata found in it.

    `metadata` holds what the file says of itself (front matter, or a PDF's, a web page's or
    a Word file's own properties): title, author, published, url, publisher, site. `pages`
    (PDF only) holds the plain-text offset where each page begins."""

    path: Path | None
    raw: str
    plain: PlainText
    metadata: dict
    format: str = "text"
    pages: list[int] | None = None

    @property
    def text(self) -> str:
        return self.plain.text

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding plain-text `offset`, for paginated documents."""
        if not self.pages:
            return None
        return bisect.bisect_right(self.pages, offset)


def where_of(path: Path | None) -> str:
    return str(path) if path else "the article"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str) -> str:
    """CRLF to LF; a file with CR-only line ends (old Mac) gets LF too (a stray CR inside an LF
    file is left as written, so curated quotes holding one still match); NUL and the other C0
    controls but tab and line ends become spaces, keeping every offset."""
    raw = raw.replace("\r\n", "\n")
    if "\r" in raw and "\n" not in raw:
        raw = raw.replace("\r", "\n")
    return _CONTROL.sub(" ", raw)
