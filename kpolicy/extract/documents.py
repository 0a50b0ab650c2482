"""Real documents to plain text: PDF (pdfminer.six) and Word (python-docx); saved web pages are in text.py.

Each reader returns a `Document` whose plain text is what `sources.text` stores and what
mention offsets point into, plus the metadata the file carries about itself. The heavy
libraries are imported here only, when a file of their kind is read.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

from kpolicy.extract.plain import ArticleProblem, Document, PlainText, TextBuilder, clean_text, where_of
from kpolicy.extract.publication import FROM_DOCX, FROM_PDF


# ---------------------------------------------------------------- PDF

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
_MARGIN = 0.09  # the top and bottom 9 % of a page hold running headers, footers and page numbers
_SENTENCE_END = re.compile(r"""[.!?:;"”’)\]]$""")


def _pdf_value(value) -> str | None:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        value = decode_text(value)
    if not isinstance(value, str):
        return None
    value = clean_text(value).strip()
    return value or None


def _pdf_date(value: str | None) -> date | None:
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", value or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def _pdf_metadata(doc) -> dict:
    meta: dict = {}
    info = doc.info[0] if doc.info else {}
    title = _pdf_value(info.get("Title"))
    # producers often put a file name or "Untitled" where a title belongs
    if title and not re.search(r"(?i)^(untitled|microsoft word - .*)$|\.(docx?|pdf|odt|rtf|tex|indd)$", title):
        meta["title"] = title
    author = _pdf_value(info.get("Author"))
    if author:
        meta["author"] = author
    created = _pdf_date(_pdf_value(info.get("CreationDate")))
    if created:
        meta["published"] = created
        meta["published_from"] = FROM_PDF
    return meta


def _join_lines(lines: list[str]) -> str:
    """A block's lines as one paragraph: a word hyphenated across a line end is joined
    ("nego-" + "tiations"), a hyphen before a capital kept ("U.S.-" + "North Korea")."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[0].islower():
            out = out[:-1] + line
        elif out.endswith(("-", "–", "—", "/")):
            out += line
        else:
            out += " " + line
    return out


def _page_blocks(layout) -> list[tuple[float, float, float, float, str]]:
    from pdfminer.layout import LTTextBox, LTTextLine

    blocks = []
    for item in layout:
        if isinstance(item, LTTextBox):
            lines = [line.get_text() for line in item if isinstance(line, LTTextLine)]
            text = _join_lines(lines)
            if text:
                blocks.append((item.x0, item.y0, item.x1, item.y1, text, sum(1 for t in lines if t.strip())))
    return blocks


def _reading_order(blocks, width: float):
    """Top to bottom; where a page has two columns, the left column before the right one.
    A block spanning the middle (a title, a full-width paragraph) closes the band above it."""
    mid = width / 2
    tol = width * 0.02
    ordered: list = []
    left: list = []
    right: list = []

    def flush():
        ordered.extend(sorted(left, key=lambda b: -b[3]))
        ordered.extend(sorted(right, key=lambda b: -b[3]))
        left.clear()
        right.clear()

    for b in sorted(blocks, key=lambda b: -b[3]):
        x0, x1 = b[0], b[2]
        if x1 <= mid + tol:
            left.append(b)
        elif x0 >= mid - tol:
            right.append(b)
        else:
            flush()
            ordered.append(b)
    flush()
    return ordered


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


MAX_EXPANDED_BYTES = 200_000_000  # what one .docx or PDF may expand to: the 20 MB cap is on the compressed file


def _too_large(where: str, kind: str) -> ArticleProblem:
    return ArticleProblem("too-large", f"{where}: its {kind} expand to more than {MAX_EXPANDED_BYTES // 1_000_000} MB "
                          "(a decompression bomb, or a file of images); save the text as .txt or a text-only PDF")


def _inflated_size(data: bytes, budget: int) -> int:
    """How many bytes a zlib stream inflates to, counting at most `budget` + 1 MB (memory stays flat)."""
    import zlib

    inflater = zlib.decompressobj()
    total = 0
    try:
        while data:
            total += len(inflater.decompress(data, 1 << 20))
            if total > budget or inflater.eof:
                break
            data = inflater.unconsumed_tail
    except zlib.error:
        pass  # pdfminer reads a damaged stream as far as it goes
    return total


def _refuse_pdf_bomb(doc, where: str) -> None:
    """Every Flate stream of the document, inflated in bounded chunks before pdfminer inflates it
    whole: a 1 MB stream that expands to 2 GB is refused in one line instead of filling memory.
    Streams are never inside object streams (PDF 1.7, 7.5.7), so the direct objects are all."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFStream

    budget = MAX_EXPANDED_BYTES
    for xref in doc.xrefs:
        for objid in xref.get_objids():
            try:
                strmid, _, _ = xref.get_pos(objid)
                if strmid is not None:
                    continue
                obj = doc.getobj(objid)
            except Exception:  # noqa: BLE001 - a damaged object is pdfminer's to report, page by page
                continue
            if not isinstance(obj, PDFStream) or obj.rawdata is None:
                continue
            filters = obj.get_filters()
            if not filters or filters[0][0] not in LITERALS_FLATE_DECODE:
                continue
            raw = obj.rawdata
            if obj.decipher:
                try:
                    raw = obj.decipher(obj.objid, obj.genno, raw, obj.attrs)
                except Exception:  # noqa: BLE001
                    continue
            budget -= _inflated_size(raw, budget)
            if budget < 0:
                raise _too_large(where, "compressed streams")


def read_pdf(data: bytes, path: Path | None = None) -> Document:
    """A PDF's text layer in reading order, without running headers, footers and page numbers."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    where = where_of(path)
    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ArticleProblem("encrypted", f"{where} is an encrypted PDF that needs a password; save an unprotected copy") from None
    except Exception as exc:
        raise ArticleProblem("damaged", f"{where} is not a readable PDF ({type(exc).__name__}); re-save or re-export it") from None
    _refuse_pdf_bomb(doc, where)
    meta = _pdf_metadata(doc)
    rsrc = PDFResourceManager()
    device = PDFPageAggregator(rsrc, laparams=LAParams())
    interpreter = PDFPageInterpreter(rsrc, device)
    pages: list[tuple[float, float, list]] = []
    try:
        for page in PDFPage.create_pages(doc):
            interpreter.process_page(page)
            layout = device.get_result()
            pages.append((layout.width, layout.height, _page_blocks(layout)))
    except Exception as exc:
        if type(exc).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError"):
            raise ArticleProblem("encrypted", f"{where} is an encrypted PDF that needs a password; save an unprotected copy") from None
        raise ArticleProblem("damaged", f"{where}: its pages cannot be read ({type(exc).__name__}); re-save or re-export it") from None

    # running headers and footers: margin blocks repeated on two or more pages, and page numbers
    seen: dict[str, int] = {}
    for width, height, blocks in pages:
        for key in {_margin_key(b[4]) for b in blocks if b[1] >= height * (1 - _MARGIN) or b[3] <= height * _MARGIN}:
            seen[key] = seen.get(key, 0) + 1

    def is_furniture(b, height) -> bool:
        in_margin = b[1] >= height * (1 - _MARGIN) or b[3] <= height * _MARGIN
        return in_margin and (bool(_PAGE_NUMBER.match(b[4])) or (len(pages) > 1 and seen.get(_margin_key(b[4]), 0) >= 2))

    out = TextBuilder()
    starts: list[int] = []
    prev_lines = 0
    for width, height, blocks in pages:
        starts.append(out.length)
        for b in _reading_order([b for b in blocks if not is_furniture(b, height)], width):
            text = b[4]
            if out.parts:
                prev = out.parts[-1]
                # a paragraph ends with its sentence; a one-line block is a heading; anything
                # else runs on into the next column or page
                if _SENTENCE_END.search(prev) or prev_lines == 1:
                    out.add("\n\n", out.length)
                elif prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and text[:1].islower():
                    # a word hyphenated across a column or page break
                    out.parts[-1] = prev[:-1]
                    out.length -= 1
                else:
                    out.add(" ", out.length)
            out.add(text, out.length)
            prev_lines = b[5]
    plain = out.build()
    text = plain.text
    plain = PlainText(text)  # a PDF has no text file to map back to: offsets are the stored text's own
    if not text.strip():
        raise ArticleProblem("empty", f"{where} has no text layer (a scanned PDF?); run OCR on it first")
    pages_at = [min(s, len(text)) for s in starts]
    return Document(path, text, plain, meta, "pdf", pages_at)


# ---------------------------------------------------------------- Word

def read_docx(data: bytes, path: Path | None = None) -> Document:
    """A Word file's body paragraphs (tables cell by cell), without its page headers and footers."""
    where = where_of(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ArticleProblem("encrypted", f"{where} is a password-protected Word file or an old binary .doc; save it as an unprotected .docx")
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zipfile never inflates a member past its declared size (and checks its CRC), so the
            # declared sizes bound what python-docx can expand: a 1.5 MB file once reached 3 GB
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ArticleProblem("damaged", f"{where} is not a readable .docx file ({type(exc).__name__}); re-save it from Word") from None
    if expanded > MAX_EXPANDED_BYTES:
        raise _too_large(where, "parts")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ArticleProblem("damaged", f"{where} is not a readable .docx file ({type(exc).__name__}); re-save it from Word")
    paragraphs: list[str] = []

    def walk(container):
        for block in container.iter_inner_content():
            if hasattr(block, "rows"):  # a table
                for row in block.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                text = clean_text(block.text).strip()
                if text and (not paragraphs or paragraphs[-1] != text):
                    paragraphs.append(re.sub(r"[ \t]+", " ", text.replace("\n", " ")))

    walk(document)
    text = "\n\n".join(paragraphs)
    if not text.strip():
        raise ArticleProblem("empty", f"{where} has no text; give an article with text in it")
    meta: dict = {}
    props = document.core_properties
    if props.title and props.title.strip():
        meta["title"] = props.title.strip()
    if props.author and props.author.strip():
        meta["author"] = props.author.strip()
    if isinstance(props.created, datetime):
        meta["published"] = props.created.date()
        meta["published_from"] = FROM_DOCX  # often the date of the template the file was made from
    return Document(path, text, PlainText(text), meta, "docx")


# ---------------------------------------------------------------- language

_ENGLISH = frozenset(
    "the of and to in a is that for on with as by was it at from are be this have has an which "
    "not or its were their said will been but would they had also after who more than about".split()
)


def non_english(text: str) -> str | None:
    """Why `text` is not English (None when it is): few English function words, or a
    non-Latin script. Cheap, and only decisive on text long enough to judge."""
    sample = text[:20000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 40:
        return None
    latin = sum(1 for c in letters if c < "\u0250")
    if latin / len(letters) < 0.5:
        return f"mostly non-Latin script ({100 - round(100 * latin / len(letters))}% of letters)"
    words = re.findall(r"[a-z]+", sample.lower())
    if len(words) < 30:
        return None
    share = sum(1 for w in words if w in _ENGLISH) / len(words)
    if share < 0.08:
        return f"only {share:.0%} of its words are common English words"
    return None
