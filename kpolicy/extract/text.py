"""Article files to plain text, keeping a map from every plain-text offset back to the file.

Mentions point at character spans of the *plain* text (what `sources.text` stores);
`PlainText.file_offset` turns such an offset back into a position in the original
.md/.html/.txt file, so an analyst can find the passage in what they were sent.
Markdown is reduced the way ../shared/eval/GUIDELINES.md describes: link syntax,
backslash escapes and emphasis markers are removed, their text kept.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from kpolicy.errors import BadInput

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ""}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES


@dataclass
class PlainText:
    """Plain text plus a piecewise map to the file: plain[seg_plain[k]:...] came from raw[seg_raw[k]:...]."""

    text: str
    seg_plain: list[int] = field(default_factory=lambda: [0])
    seg_raw: list[int] = field(default_factory=lambda: [0])

    def file_offset(self, plain_offset: int) -> int:
        k = bisect.bisect_right(self.seg_plain, plain_offset) - 1
        return self.seg_raw[k] + (plain_offset - self.seg_plain[k])


class _Builder:
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


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)

# One alternation, scanned left to right: each match is markup to drop or rewrite. Link and
# image text stops at an unescaped '[' and the quantifiers are possessive, so a line of
# unclosed '![' or '[a](b' costs linear time, not a rescan of the rest of the line per bracket.
_MARKDOWN = re.compile(
    r"""
    (?P<image>!\[(?P<alt>[^\[\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*+\))
  | (?P<link>\[(?P<label>(?:[^\[\]\\\n]|\\.)*+)\]\((?:[^()\n]|\([^()\n]*\))*+\))
  | (?P<refdef>^[ ]{0,3}\[[^\]\n]+\]:[^\n]*$)
  | (?P<heading>^[ ]{0,3}\#{1,6}[ \t]+)
  | (?P<quote>^[ ]{0,3}>[ ]?)
  | (?P<escape>\\(?P<escaped>[\\`*_{}\[\]()#+\-.!|~<>"']))
  | (?P<emph>\*+|(?<![\w])_+|_+(?![\w]))
  | (?P<code>`+)
    """,
    re.X | re.M,
)


def split_front_matter(raw: str) -> tuple[dict, int]:
    """YAML front matter (--- ... ---) at the top of a file: its mapping and where the body starts."""
    m = FRONT_MATTER.match(raw)
    if not m:
        return {}, 0
    import yaml

    try:
        from kpolicy import safe_yaml

        meta = safe_yaml.load(m.group(1), "the front matter") or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" at line {line + 2}" if line is not None else ""
        raise BadInput(f"the front matter is not valid YAML{where}; fix it or remove the --- block") from None
    if not isinstance(meta, dict):
        raise BadInput("the front matter must be a YAML mapping (key: value lines); fix it or remove the --- block")
    return meta, m.end()


def markdown_to_plain(raw: str, start: int = 0, end: int | None = None) -> PlainText:
    out = _Builder()
    pos = start
    end = len(raw) if end is None else end
    for m in _MARKDOWN.finditer(raw, start, end):
        out.add(raw[pos : m.start()], pos)
        kind = m.lastgroup
        if m.group("image") is not None:
            out.add(m.group("alt"), m.start("alt"))
        elif m.group("link") is not None:
            # the label may hold escapes (\( \)) of its own: reduce it recursively
            inner = markdown_to_plain(raw, m.start("label"), m.end("label"))
            for k, seg in enumerate(inner.seg_plain):
                nxt = inner.seg_plain[k + 1] if k + 1 < len(inner.seg_plain) else len(inner.text)
                out.add(inner.text[seg:nxt], inner.seg_raw[k])
        elif m.group("escape") is not None:
            out.add(m.group("escaped"), m.start("escaped"))
        elif kind in ("refdef", "heading", "quote", "emph", "code"):
            pass
        pos = m.end()
    out.add(raw[pos:end], pos)
    return out.build()


def text_to_plain(raw: str, start: int = 0) -> PlainText:
    out = _Builder()
    out.add(raw[start:], start)
    return out.build()


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "figure", "figcaption", "hr", "pre",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "svg"}


class _HTMLText(HTMLParser):
    """Collects text nodes with their positions; block elements become paragraph breaks."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self.raw = raw
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
        self.out = _Builder()
        self.skip = 0
        self.title = ""
        self._in_title = False

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _break(self) -> None:
        if self.out.parts and not self.out.parts[-1].endswith("\n\n"):
            self.out.add("\n\n", self._pos())

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        if tag == "title":
            self._in_title = True
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self.skip or self._in_title:
            return
        pos = self._pos()
        text = re.sub(r"\s+", " ", data)
        if text.strip() or (self.out.parts and not self.out.parts[-1].endswith((" ", "\n"))):
            if len(text) == len(data):
                self.out.add(text, pos)
            else:  # whitespace collapsed: map each kept run to where it began
                for m in re.finditer(r"\S+|\s+", data):
                    self.out.add(m.group() if m.group().strip() else " ", pos + m.start())

    def handle_entityref(self, name):
        if not (self.skip or self._in_title):
            self.out.add(html.unescape(f"&{name};"), self._pos())

    def handle_charref(self, name):
        if not (self.skip or self._in_title):
            self.out.add(html.unescape(f"&#{name};"), self._pos())


def html_to_plain(raw: str, start: int = 0) -> tuple[PlainText, str]:
    """Plain text of an HTML page and its <title>."""
    parser = _HTMLText(raw)
    if start:
        parser.out.add("", start)
    parser.feed(raw[start:] if not start else " " * start + raw[start:])
    parser.close()
    return parser.out.build(), parser.title.strip()


@dataclass
class Document:
    """An article as read from a file: plain text, map back to the file, metadata found in it."""

    path: Path | None
    raw: str
    plain: PlainText
    metadata: dict

    @property
    def text(self) -> str:
        return self.plain.text


def read_document(path: Path, max_bytes: int = 20 * 1024 * 1024) -> Document:
    """Read an article file (.md, .txt, .html) as UTF-8 and reduce it to plain text."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadInput(f"{path}: kpolicy reads .md, .txt and .html articles, not {suffix!r}; convert it to one of those")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror}); check the path and permissions") from None
    if path.is_dir():
        raise BadInput(f"{path} is a folder; name an article file")
    if size > max_bytes:
        raise BadInput(f"{path}: {size / 1e6:.0f} MB is larger than the {max_bytes // 1_000_000} MB an article may be; split it")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise BadInput(f"{path} looks binary, not text; give a .md, .txt or .html article")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8") from None
    return document_from_text(raw, suffix, path)


def document_from_text(raw: str, suffix: str = ".txt", path: Path | None = None) -> Document:
    raw = raw.replace("\r\n", "\n")
    metadata, body = split_front_matter(raw)
    if suffix in HTML_SUFFIXES:
        plain, title = html_to_plain(raw, body)
        if title and "title" not in metadata:
            metadata["title"] = title
    elif suffix in MARKDOWN_SUFFIXES:
        plain = markdown_to_plain(raw, body)
    else:
        plain = text_to_plain(raw, body)
    if not plain.text.strip():
        where = str(path) if path else "the article"
        raise BadInput(f"{where} has no text; give an article with text in it")
    return Document(path, raw, plain, metadata)
