"""Writes the Word memo and the PDF bulletin of examples/bulletins/ (our own texts, written for
the README's `kpolicy ingest bulletins` example; the .txt and .md there are plain files).

    python -m tools.make_examples      # from a checkout, with '.[test]' installed (fpdf2)

Fixed document dates: a re-run gives the same PDF byte for byte, and a .docx that differs only in
its zip entries' timestamps.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "examples" / "bulletins"
WHEN = datetime(2019, 5, 10, 9, 0, tzinfo=timezone.utc)

MEMO_TITLE = "Missile memo"
MEMO = [
    "North Korea fired two short-range missiles from Kusong on 9 May 2019.",
    "South Korea and the United States said they were analysing the launch.",
]

BULLETIN_TITLE = "Drills and sanctions: a spring bulletin"
BULLETIN = [
    "South Korea and the United States began a scaled-down joint exercise on 4 March 2019.",
    "The UN Security Council panel of experts published its report on sanctions evasion on 12 March 2019.",
    "North Korea condemned the exercise as a breach of the Singapore agreement.",
]


def write_memo(path: Path) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.created, props.modified = MEMO_TITLE, "kpolicy examples", WHEN, WHEN
    props.last_modified_by, props.revision = "kpolicy examples", 1
    for paragraph in MEMO:
        document.add_paragraph(paragraph)
    document.save(str(path))


def write_bulletin(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(WHEN)
    pdf.set_title(BULLETIN_TITLE)
    pdf.set_author("kpolicy examples")
    pdf.set_creator("kpolicy tools/make_examples.py")
    pdf.set_producer("fpdf2")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.multi_cell(0, 8, BULLETIN_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Published 15 March 2019", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for paragraph in BULLETIN:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.output(str(path))


def main() -> None:
    write_memo(FOLDER / "missile-memo.docx")
    write_bulletin(FOLDER / "spring-bulletin.pdf")
    print(f"wrote {FOLDER / 'missile-memo.docx'} and {FOLDER / 'spring-bulletin.pdf'}")


if __name__ == "__main__":
    main()
