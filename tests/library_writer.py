"""Test-only stand-in for `kpolicy ingest`, used by tests/test_atomic_concurrent.py only when
that command is absent from the branch: `python library_writer.py DB FILE...` stores each
article (events: its 'On D Month YYYY, ...' sentences) in its own Database.writing() transaction
through kpolicy.store.articles.store_article, as ingest does."""

from __future__ import annotations

import calendar
import re
import sys
from datetime import date
from pathlib import Path

from kpolicy.dates import parse_edtf
from kpolicy.store.bootstrap import open_database
from kpolicy.records import EventRecord, MentionRecord, SourceRecord
from kpolicy.store.articles import store_article
from kpolicy.extract.text import read_document

MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
SENTENCE = re.compile(r"On (\d{1,2}) ([A-Z][a-z]+) (\d{4}), ([^.]*)\.")


def records(text: str) -> list[EventRecord]:
    out = []
    for m in SENTENCE.finditer(text):
        day = date(int(m[3]), MONTHS[m[2]], int(m[1]))
        out.append(
            EventRecord(
                type="statement",
                title=m[4][:80],
                date=parse_edtf(day.isoformat()),
                status="occurred",
                actors=[("North Korea", "initiator")],
                mentions=[MentionRecord(m[0], m.start(), m.end(), f"On {m[1]} {m[2]} {m[3]}", None)],
            )
        )
    return out


def main(db: str, files: list[str]) -> None:
    database = open_database(db)
    for name in files:
        doc = read_document(Path(name))
        source = SourceRecord(
            slug=Path(name).stem,
            title=str(doc.metadata.get("title", Path(name).stem)),
            published=date.fromisoformat(str(doc.metadata["published"])),
            text=doc.text,
        )
        with database.writing() as conn:
            store_article(conn, source, records(doc.text))
        print(f"stored {name}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
