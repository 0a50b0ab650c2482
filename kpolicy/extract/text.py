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
from kpolicy.extract.publication import FROM_PAGE
from kpolicy.extract.plain import (  # noqa: F401  (re-exported: the names readers and tests know)
    FORMATS_TEXT, ArticleProblem, Document, PlainText, TextBuilder, clean_text, where_of,
)

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ""}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES
MAX_BYTES = 20 * 1024 * 1024  # an article larger than this is refused, never read whole
MAX_FRONT_MATTER_ALIASES = 50


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


def safe_yaml_load(text: str, what: str = "the front matter"):
    """yaml.safe_load that refuses alias bombs ("billion laughs"): aliases are counted on the
    event stream, which costs nothing, before anything is constructed."""
    try:
        from kpolicy import safe_yaml  # the project's shared loader (alias budget, one-line errors)
    except ImportError:
        safe_yaml = None
    if safe_yaml is not None:
        return safe_yaml.load(text, what)
    import yaml

    aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader))
    if aliases > MAX_FRONT_MATTER_ALIASES:
        raise ArticleProblem("bad-metadata", f"the YAML uses {aliases} aliases (*name), more than the {MAX_FRONT_MATTER_ALIASES} kpolicy allows; write the values out")
    return yaml.safe_load(text)


def split_front_matter(raw: str) -> tuple[dict, int]:
    """YAML front matter (--- ... ---) at the top of a file: its mapping and where the body starts."""
    m = FRONT_MATTER.match(raw)
    if not m:
        return {}, 0
    import yaml

    try:
        meta = safe_yaml_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" at line {line + 2}" if line is not None else ""
        raise ArticleProblem("bad-metadata", f"the front matter is not valid YAML{where}; fix it or remove the --- block") from None
    if not isinstance(meta, dict):
        raise ArticleProblem("bad-metadata", "the front matter must be a YAML mapping (key: value lines); fix it or remove the --- block")
    return meta, m.end()


def markdown_to_plain(raw: str, start: int = 0, end: int | None = None) -> PlainText:
    out = TextBuilder()
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
    out = TextBuilder()
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
        self.out = TextBuilder()
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
        data = data.replace(UNCLOSED, "<")
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
    body = neutralise_unclosed_markup(raw[start:])
    parser.feed(body if not start else " " * start + body)
    parser.close()
    return parser.out.build(), parser.title.strip().replace(UNCLOSED, "<")


# A '<' that opens a tag, comment or declaration which never closes is read by the standard
# library's HTMLParser once per such '<' up to the end of the page when the page ends
# (`<a <a <a ...`: 2 s for 16 KB, x4.5 per doubling). Such a '<' is text (the parser emits it
# as data at the end anyway), so it is swapped for this one character beforehand (offsets
# unchanged) and turned back into '<' in the text; the parser never sees an unfinished tag.
UNCLOSED = "\ufdd0"  # a Unicode noncharacter: never part of a page's text
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
_IN_TAG = re.compile(r"""[<>]|=\s*["']""")


def neutralise_unclosed_markup(raw: str) -> str:
    """`raw` with each '<' whose tag or comment does not close replaced by UNCLOSED; one pass
    (every search starts where the previous one stopped, and a search that found nothing is
    never repeated)."""
    n = len(raw)
    absent: dict[str, int] = {}  # needle -> a position after which it does not occur

    def find(needle: str, at: int) -> int:
        if at >= absent.get(needle, n + 1):
            return -1
        k = raw.find(needle, at)
        if k < 0:
            absent[needle] = at
        return k

    unclosed: list[int] = []
    m = _TAG_OPEN.search(raw)
    while m:
        i = m.start()
        resume = i + 1
        if raw.startswith("<!--", i):
            k = find("-->", i + 4)
            if k < 0:
                unclosed.append(i)
            else:
                resume = k + 3
        else:
            j = i + 1
            while True:
                t = _IN_TAG.search(raw, j)
                if t is None or t.group() == "<":
                    unclosed.append(i)  # what follows is looked at again: a '<' quoted here may open a tag
                    break
                if t.group() == ">":
                    resume = t.end()
                    break
                k = find(t.group()[-1], t.end())  # the quoted value's closing quote
                if k < 0:
                    unclosed.append(i)
                    break
                j = k + 1
        m = _TAG_OPEN.search(raw, resume)
    if not unclosed:
        return raw
    chars = list(raw)
    for i in unclosed:
        chars[i] = UNCLOSED
    return "".join(chars)


def read_capped(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, at most `max_bytes`: a FIFO, a device or a folder is refused
    before it is opened, so nothing can hang or fill memory."""
    import os
    import stat

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ArticleProblem("missing", f"{path}: no such file; check the path") from None
    except OSError as exc:
        raise ArticleProblem("unreadable", f"{path}: cannot be read ({exc.strerror}); check the path and permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise ArticleProblem("not-a-file", f"{path} is a folder; name an article file")
    if not stat.S_ISREG(st.st_mode):
        raise ArticleProblem("not-a-file", f"{path} is not a regular file (a pipe, socket or device); save the article to a file first")
    if st.st_size > max_bytes:
        raise ArticleProblem("too-large", f"{path}: {st.st_size / 1e6:.0f} MB is larger than the {max_bytes // 1_000_000} MB an article may be; split it")
    try:
        with open(path, "rb") as fh:
            want = min(max_bytes, st.st_size) + 1  # read(n) allocates n bytes first: ask for the size, not the cap
            data = fh.read(want)
            if len(data) == want and want <= max_bytes:  # it grew while we looked
                data += fh.read(max_bytes + 1 - len(data))
    except OSError as exc:
        raise ArticleProblem("unreadable", f"{path}: cannot be read ({exc.strerror}); check the permissions") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise ArticleProblem("too-large", f"{path} is larger than the {max_bytes // 1_000_000} MB an article may be; split it")
    return data


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(data: bytes, path: Path | None = None) -> str:
    """Bytes of a text article to str: UTF-8, or UTF-16/32 when a byte-order mark says so.
    Line ends become \\n (CRLF and CR alike); NUL and other control characters become spaces."""
    where = where_of(path)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                raw = data[len(bom):].decode(codec.replace("-sig", ""))
            except UnicodeDecodeError as exc:
                raise ArticleProblem("undecodable", f"{where} starts with a {codec.upper()} byte-order mark but is not valid {codec.upper()} (bad byte at offset {exc.start}); re-save it as UTF-8") from None
            break
    else:
        if b"\x00" in data[:8192]:
            raise ArticleProblem("binary", f"{where} looks binary, not text (NUL bytes and no byte-order mark); give a {FORMATS_TEXT} article")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArticleProblem("undecodable", f"{where} is not UTF-8 (bad byte at offset {exc.start}); re-save it as UTF-8") from None
    return clean_text(raw)


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read an article file (.md, .txt, .html, .pdf, .docx) and reduce it to plain text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleProblem("unsupported", f"{path}: kpolicy reads {FORMATS_TEXT} articles, not {suffix!r}; convert it to one of those")
    data = read_capped(path, max_bytes)
    if suffix in PDF_SUFFIXES:
        from kpolicy.extract.documents import read_pdf

        return read_pdf(data, path)
    if suffix in DOCX_SUFFIXES:
        from kpolicy.extract.documents import read_docx

        return read_docx(data, path)
    return document_from_text(decode_text(data, path), suffix, path)


def document_from_text(raw: str, suffix: str = ".txt", path: Path | None = None) -> Document:
    raw = clean_text(raw)
    metadata, body = split_front_matter(raw)
    fmt = "text"
    if suffix in HTML_SUFFIXES:
        plain, page_meta = web_page(raw, body)
        for key, value in page_meta.items():
            metadata.setdefault(key, value)
        fmt = "html"
    elif suffix in MARKDOWN_SUFFIXES:
        plain = markdown_to_plain(raw, body)
        fmt = "markdown"
    else:
        plain = text_to_plain(raw, body)
    if not plain.text.strip():
        raise ArticleProblem("empty", f"{where_of(path)} has no text; give an article with text in it")
    return Document(path, raw, plain, metadata, fmt)


# ---------------------------------------------------------------- web pages

def web_page(raw: str, start: int = 0) -> tuple[PlainText, dict]:
    """The main text of a saved web page (no navigation, ads, related links or comments) and
    the page's own metadata. trafilatura finds the main text; each of its paragraphs is then
    located in the whole page's plain text, so offsets still map back into the HTML."""
    full, title = html_to_plain(raw, start)
    meta: dict = {}
    body = raw[start:]
    paragraphs: list[str] = []
    try:
        import trafilatura

        extracted = trafilatura.extract(
            body, output_format="txt", include_comments=False, include_tables=True,
            include_links=False, include_images=False, deduplicate=False, favor_precision=True,
        )
        if extracted:
            paragraphs = [p.strip() for p in extracted.split("\n") if p.strip()]
        meta = _page_metadata(body)
    except Exception:  # a page trafilatura cannot parse: keep the whole page's text
        paragraphs = []
    if title and "title" not in meta:
        meta["title"] = title
    if not paragraphs:
        return full, meta
    return _locate(paragraphs, full, len(raw)), meta


def _locate(paragraphs: list[str], full: PlainText, raw_len: int) -> PlainText:
    out = TextBuilder()
    text = full.text
    cursor = 0
    last_raw = 0
    for k, para in enumerate(paragraphs):
        if k:
            out.add("\n\n", min(last_raw, raw_len))
        at = text.find(para, cursor)
        if at < 0:
            at = text.find(para)
        if at < 0:  # trafilatura rewrote it (rare): keep its text, mapped to the last known place
            for ch in para:
                out.add(ch, min(last_raw, raw_len))
            continue
        end = at + len(para)
        i = at
        while i < end:
            seg = _segment_end(full, i)
            piece_end = min(end, seg)
            out.add(text[i:piece_end], full.file_offset(i))
            i = piece_end
        last_raw = full.file_offset(end - 1) + 1
        cursor = end
    return out.build()


def _segment_end(plain: PlainText, offset: int) -> int:
    import bisect

    k = bisect.bisect_right(plain.seg_plain, offset)
    return plain.seg_plain[k] if k < len(plain.seg_plain) else len(plain.text)


def _page_metadata(body: str) -> dict:
    """Title, author, site, canonical URL and publication date as the page itself states them
    (meta tags, JSON-LD, <time>); the date is never guessed from the text or the URL."""
    from datetime import date

    import htmldate
    import trafilatura

    meta: dict = {}
    found = trafilatura.extract_metadata(body)
    if found is not None:
        for key, attr in (("title", "title"), ("author", "author"), ("site", "sitename"), ("url", "url")):
            value = getattr(found, attr, None)
            if value:
                meta[key] = str(value).strip()
    try:
        published = htmldate.find_date(body, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:
        published = None
    if published:
        meta["published"] = date.fromisoformat(published)
        meta["published_from"] = FROM_PAGE
    return meta
