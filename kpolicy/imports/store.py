"""Writing imported rows: one change per import, nothing merged silently, the same file twice a no-op.

For each row, in the caller's transaction (Database.writing):
- an event of the same dataset and external id exists: a row whose version stamp
  (`external_version`: ACLED's `timestamp`) is not newer, or whose fields are all equal,
  changes nothing ("unchanged"); a newer row updates the event field by field as
  revisions of the import's change ("updated"), so `undo` and `--as-of` take it back.
  An event an analyst has reviewed since is never overwritten: the newer values become
  proposals on it. A tombstoned event stays deleted, unless its creation was undone (the
  import taken back): then the row creates it again.
- otherwise an existing event that the row is another report of (the ingest rule,
  kpolicy.store.articles.find_match: the same type, compatible dates, a shared state) gets
  the row as a mention, and what the row brings (a more precise or conflicting date,
  actors it lacks) becomes proposals on it, exactly as a new article's mention does
  ("proposed");
- otherwise a new event, review state `imported` (kpolicy's own exports keep theirs),
  with its dataset and external id ("created").
Names the actor registry does not know are kept as open `actors` proposals on their
event. A deletion list tombstones the events it names ("deleted").

Every row's provenance is a mention in one source per import (per exported source for
kpolicy's own files): the source's text is the rows' quotes, one per line, so every
imported event is tied to the words it came from, as an article's events are.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpolicy.curate import common as curate
from kpolicy.imports.actors import ActorResolver
from kpolicy.imports.common import ImportRow, Problem
from kpolicy.records import EventRecord, MentionRecord
from kpolicy.store import articles, schema, write

BATCH = 2000
DATASET_TITLES = {"kpolicy": "kpolicy export", "sheet": "spreadsheet", "acled": "ACLED", "gdelt": "GDELT 2.0",
                  "ucdp": "UCDP GED", "polecat": "POLECAT"}
COMPARED = ("type", "title", "date", "status", "place", "description")
PROPOSED_FIELDS = ("type", "title", "status", "place", "description")  # a reviewed event's: one `fields` proposal


@dataclass
class Deletion:
    file: str
    row: int
    external_id: str


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    dataset: str
    files: list[str]
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    proposed: int = 0
    deleted: int = 0
    not_found: int = 0
    mentions: int = 0  # further mentions attached (GDELT's mentions table)
    change: int | None = None
    sources: list[str] = field(default_factory=list)
    ids: list[tuple[str, int]] = field(default_factory=list)  # (the file's id or row, the kpolicy event id)
    unknown_actors: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)  # one line per row: what happened to it

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.proposed or self.deleted)


class _Source:
    """One source row the import's mentions point into; its text grows one quote per line."""

    def __init__(self, conn: Connection, slug: str, title: str, publisher: str, header: str) -> None:
        self.lines = [header]
        self.length = len(header) + 1
        self.slug = _free_slug(conn, slug)
        self.id = conn.execute(schema.sources.insert().values(
            slug=self.slug, title=title, publisher=publisher, published=write.now().date(), text="",
            sha256=f"pending-{uuid.uuid4().hex}", ingested_at=write.now())).inserted_primary_key[0]
        self.used = False

    def quote(self, text: str) -> tuple[int, int]:
        text = " ".join(str(text).split("\n")) if "\n" in str(text) else str(text)
        start = self.length
        self.lines.append(text)
        self.length += len(text) + 1
        self.used = True
        return start, start + len(text)

    def finish(self, conn: Connection) -> bool:
        """Write the text and its digest; a source no row was tied to is removed. Returns whether it stays."""
        s = schema.sources
        if not self.used:
            conn.execute(s.delete().where(s.c.id == self.id))
            return False
        text = "\n".join(self.lines)
        conn.execute(s.update().where(s.c.id == self.id).values(text=text, sha256=hashlib.sha256(text.encode()).hexdigest()))
        return True


def _free_slug(conn: Connection, slug: str) -> str:
    taken = set(conn.execute(sa.select(schema.sources.c.slug).where(schema.sources.c.slug.like(f"{slug}%"))).scalars())
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"


def _data(row: ImportRow) -> str | None:
    return json.dumps(row.data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) if row.data else None


def _newer(new: str | None, old: str | None) -> bool:
    if new is None or old is None:
        return True
    try:
        return float(new) > float(old)
    except ValueError:
        return new > old


class Importer:
    """One import in one change. `add` takes rows (batched), `delete` a deletion list, `finish` closes it."""

    def __init__(self, conn: Connection, dataset: str, files: list[str], *, by: str | None = None,
                 reason: str | None = None, dry_run: bool = False, match: bool = True, keep_ids: bool = True,
                 track: bool = False) -> None:
        self.conn = conn
        self.report = ImportReport(dataset, files, dry_run=dry_run)
        self.change = write.begin_change(conn, "import", by=by, reason=reason or f"kpolicy import {dataset} {' '.join(files)}")
        conn.info["kpolicy_bumped"] = {self.change: set()}
        self.report.change = self.change
        self.lookups = articles.lookups_for(conn)
        self.resolver = ActorResolver(conn)
        self.sources: dict[str | None, _Source] = {}
        self.match = match
        self.keep_ids = keep_ids  # the id mapping: for the report and --ids (off for large imports)
        self.track = track  # remember created events by external id (a mentions file follows)
        self.created: dict[str, int] = {}
        self.pending: list[ImportRow] = []
        self.new: list[tuple[ImportRow, write.NewEvent, list]] = []
        self.history: list[tuple] = []
        self.touched: set[int] = set()
        self.seen: set[tuple[str, str]] = set()  # external ids met in this import: a repeated row is read once

    # ---- sources -------------------------------------------------------------------------------
    def source(self, row: ImportRow) -> _Source:
        return self.source_named(row.source if row.dataset == "kpolicy" else None)

    def source_named(self, key: str | None) -> _Source:
        found = self.sources.get(key)
        if found is None:
            ds = self.report.dataset
            if key is not None:
                slug, title = key, key
            else:
                stem = "-".join(f.rsplit("/", 1)[-1].rsplit(".", 1)[0] for f in self.report.files)[:80]
                slug, title = f"{ds}-{stem}".lower().replace(" ", "-"), f"{DATASET_TITLES.get(ds, ds)}: {', '.join(self.report.files)}"
            header = f"kpolicy import {ds} (change {self.change}): {', '.join(self.report.files)}"
            found = self.sources[key] = _Source(self.conn, slug, title, DATASET_TITLES.get(ds, ds), header)
        return found

    # ---- rows ----------------------------------------------------------------------------------
    def add(self, row: ImportRow) -> None:
        self.report.read += 1
        if row.external_id is not None:
            key = (row.dataset, row.external_id)
            if key in self.seen:
                self._plan(row, "unchanged", None, "repeated in this import")
                self.report.unchanged += 1
                return
            self.seen.add(key)
        self.pending.append(row)
        # kpolicy's own files keep one source per exported source, so the rule that keeps an
        # import's rows from matching each other (find_match skips events of the same source)
        # would not hold across them: they are matched in one batch, before any is inserted
        if len(self.pending) >= BATCH and self.report.dataset != "kpolicy":
            self.flush()

    def _plan(self, row: ImportRow, what: str, event_id: int | None, note: str = "") -> None:
        if self.report.dry_run:
            ident = row.external_id or f"row {row.row}"
            self.report.plan.append(f"{row.file}: row {row.row}: {what}" + (f" event {event_id}" if event_id else "")
                                    + f" ({ident}: {row.date.edtf or 'undated'} {row.type} {row.title!r})" + (f"; {note}" if note else ""))

    def _actors(self, row: ImportRow) -> tuple[list[tuple[str, str]], list[list[str]]]:
        known, unknown = [], []
        for name, role in row.actors:
            if name.startswith("cameo:"):  # a dataset's CAMEO actor code, country code and name (GDELT)
                code, country, written = name[6:].split("|", 2)
                canonical, name = self.resolver.coded(code, country, written)
            elif name.startswith("iso3:"):  # a dataset's country code
                canonical = self.resolver.country(name[5:])
                name = name[5:]
            else:
                canonical = self.resolver.resolve(name)
            if canonical is None:
                unknown.append([name, role])
                self.report.unknown_actors[name] = self.report.unknown_actors.get(name, 0) + 1
            else:
                known.append((canonical, role))
        return sorted(set(known)), unknown

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        self.seen.clear()  # earlier batches are in the database now: found there
        if not rows:
            return
        e = schema.events
        existing: dict[tuple[str, str], object] = {}
        keyed = sorted({(r.dataset, r.external_id) for r in rows if r.external_id is not None})
        for dataset in {d for d, _ in keyed}:
            ids = [x for d, x in keyed if d == dataset]
            for start in range(0, len(ids), 500):
                for found in self.conn.execute(sa.select(e.c.id, e.c.external_id, e.c.external_version, e.c.external_data, e.c.deleted_at,
                                                         e.c.merged_into, e.c.review)
                                               .where(e.c.dataset == dataset, e.c.external_id.in_(ids[start:start + 500]))
                                               .order_by(e.c.id)):
                    key = (dataset, found.external_id)
                    held = existing.get(key)
                    if held is None or held.deleted_at is not None:  # the live event, else the newest tombstone
                        existing[key] = found
        undone = self._undone([have.id for have in existing.values() if have.deleted_at is not None and have.merged_into is None])
        for row in rows:
            have = existing.get((row.dataset, row.external_id)) if row.external_id is not None else None
            if have is not None and have.id not in undone:
                self._known(row, have)
            else:  # new, or its import was undone: created again, as into a database that never had it
                self._fresh(row)
        self._insert()

    def _undone(self, ids: list[int]) -> set[int]:
        """Of these tombstones, the events whose creation was undone (`kpolicy undo` of the import that
        made them): a re-import creates them again. A tombstone made any other way (a deletion list,
        `kpolicy delete`, a merge) stays: the row is reported unchanged."""
        if not ids:
            return set()
        r, ch = schema.revisions, schema.changes
        out = set()
        for event_id in ids:
            last = self.conn.execute(sa.select(r.c.change_id, r.c.action).where(r.c.event_id == event_id, r.c.field == "deleted_at")
                                     .order_by(r.c.id.desc()).limit(1)).first()
            if last is None or last.action != "reverted":
                continue
            reason = self.conn.execute(sa.select(ch.c.reason).where(ch.c.id == last.change_id, ch.c.action == "undo")).scalar() or ""
            undid = reason.removeprefix("undo change ").split(":", 1)[0]
            if reason.startswith("undo change ") and undid.isdigit() and self.conn.execute(
                    sa.select(r.c.id).where(r.c.change_id == int(undid), r.c.event_id == event_id, r.c.action == "created")).first():
                out.add(event_id)
        return out

    def _values(self, row: ImportRow, actors) -> dict:
        return {"type": row.type, "title": row.title, "date": row.date.edtf, "status": row.status, "place": row.place,
                "description": row.description, "actors": [list(a) for a in actors]}

    def _known(self, row: ImportRow, have) -> None:
        if have.deleted_at is not None or have.merged_into is not None:
            self.report.unchanged += 1
            self._plan(row, "unchanged", have.id, "deleted or merged here, not re-created")
            return
        if self.keep_ids:
            self.report.ids.append((row.external_id, have.id))
        if not _newer(row.external_version, have.external_version):
            self.report.unchanged += 1
            self._plan(row, "unchanged", have.id)
            return
        actors, unknown = self._actors(row)
        current = write.event_state(self.conn, have.id)
        new = self._values(row, actors)
        changed = {f: new[f] for f in (*COMPARED, "actors") if new[f] != current[f]}
        if not changed and row.external_version == have.external_version and _data(row) == have.external_data:
            self.report.unchanged += 1
            self._plan(row, "unchanged", have.id)
            return
        if current["review"] == "reviewed" and changed:
            # an analyst's event is never overwritten by a dataset: what changed becomes proposals
            self._propose_values(row, have.id, current, changed, actors)
            self.report.proposed += 1
            self._plan(row, "proposed on", have.id, "reviewed here; the dataset's changes are proposals")
        else:
            if "place" in changed:
                self.lookups.place_id(self.conn, changed["place"], row.place_country, row.latitude, row.longitude)
            curate.apply_fields(self.conn, self.change, have.id, changed, "imported", current)
            self.report.updated += 1
            self._plan(row, "updated", have.id, ", ".join(sorted(changed)) or "version")
        if row.external_version != have.external_version or _data(row) != have.external_data:
            curate.bump(self.conn, self.change, have.id, {"external_version": row.external_version, "external_data": _data(row)})
            write.record(self.conn, self.change, have.id, "imported", "external_version",
                         {"version": have.external_version, "data": have.external_data},
                         {"version": row.external_version, "data": _data(row)})
        for pair in unknown:
            write.propose(self.conn, self.change, have.id, "actors", {"actors": [pair], "unknown": True, "quote": row.quote})
        self.touched.add(have.id)

    def _propose_values(self, row, event_id, current, changed, actors) -> None:
        if "date" in changed:
            write.propose(self.conn, self.change, event_id, "conflict", {"date": row.date.edtf, "quote": row.quote})
        given = self._given(event_id)
        # only what the dataset itself changed since its last row: a title the analyst rewrote is not
        # offered back each time the dataset's row is re-stamped
        fields = {f: changed[f] for f in PROPOSED_FIELDS if f in changed and changed[f] != given.get(f, current[f])}
        if fields and not self._open_fields(event_id, fields):
            # the dataset's newer title, description, type, status or place: one proposal the analyst
            # accepts or dismisses (kpolicy.curate.changes.resolve_proposal), never applied here
            if "place" in fields:
                self.lookups.place_id(self.conn, row.place, row.place_country, row.latitude, row.longitude)
            write.propose(self.conn, self.change, event_id, "fields",
                          {"fields": fields, "was": {f: current[f] for f in fields}, "quote": row.quote,
                           "dataset": row.dataset, "external_id": row.external_id, "version": row.external_version})
        missing = sorted(set(map(tuple, actors)) - set(map(tuple, current["actors"])))
        if missing:
            write.propose(self.conn, self.change, event_id, "actors", {"actors": [list(a) for a in missing], "quote": row.quote})

    def _given(self, event_id: int) -> dict:
        """The values the dataset gave the event last: its created snapshot, the imports' updates, the
        `fields` proposals offered (whatever the analyst decided); a field never recorded is absent."""
        r, p = schema.revisions, schema.proposals
        given: dict = {}
        steps = []
        for change, action, fld, value in self.conn.execute(
                sa.select(r.c.change_id, r.c.action, r.c.field, r.c.new_value)
                .where(r.c.event_id == event_id, sa.or_(sa.and_(r.c.action == "created", r.c.field.is_(None)),
                                                        sa.and_(r.c.action == "imported", r.c.field.in_(PROPOSED_FIELDS))))):
            decoded = json.loads(value) if value else None
            if action == "created":
                steps.append((change, 0, {f: decoded[f] for f in PROPOSED_FIELDS if isinstance(decoded, dict) and f in decoded}))
            else:
                steps.append((change, 1, {fld: decoded}))
        for change, value in self.conn.execute(sa.select(p.c.created_change_id, p.c.value)
                                               .where(p.c.event_id == event_id, p.c.kind == "fields")):
            steps.append((change or 0, 2, (json.loads(value) or {}).get("fields") or {}))
        for _, _, values in sorted(steps, key=lambda x: (x[0], x[1])):
            given.update(values)
        return given

    def _open_fields(self, event_id: int, fields: dict) -> bool:
        """Whether an open `fields` proposal on the event already offers these values (a later re-import)."""
        p = schema.proposals
        for value in self.conn.execute(sa.select(p.c.value).where(p.c.event_id == event_id, p.c.kind == "fields",
                                                                   p.c.status == "open")).scalars():
            if (json.loads(value) or {}).get("fields") == fields:
                return True
        return False

    def _record(self, row: ImportRow, actors) -> EventRecord:
        return EventRecord(type=row.type, title=row.title, date=row.date, status=row.status, actors=list(actors),
                           mentions=[], place=row.place, description=row.description, confidence=row.confidence,
                           review=row.review)

    def _mention(self, row: ImportRow, source: _Source) -> MentionRecord:
        start, end = source.quote(row.quote)
        return MentionRecord(quote=" ".join(str(row.quote).split("\n")), char_start=start, char_end=end,
                             date_text=row.date_text, date_anchor=None, type_rule=f"import:{row.dataset}", date_rule=None)

    def _fresh(self, row: ImportRow) -> None:
        actors, unknown = self._actors(row)
        record = self._record(row, actors)
        source = self.source(row) if (row.dataset != "kpolicy" or row.source) else None
        match = None
        if self.match and source is not None and record.actors and record.date.edtf:
            match = articles.find_match(self.conn, record, source.id, self.lookups)
        if match is not None:
            mention = self._mention(row, source)
            record.mentions = [mention]
            before = write.event_state(self.conn, match)
            mention_id = write.new_ids(self.conn, "mentions", 1)[0]
            mention_row = {"id": mention_id, "event_id": match, "source_id": source.id, "char_start": mention.char_start,
                           "char_end": mention.char_end, "quote": mention.quote, "date_text": mention.date_text,
                           "date_anchor": None, "type_rule": mention.type_rule, "date_rule": None, "page": None}
            self.conn.execute(schema.mentions.insert(), [mention_row])
            articles.propose_from(self.conn, self.change, match, before, record, source.id, self.lookups)
            for pair in unknown:
                write.propose(self.conn, self.change, match, "actors", {"actors": [pair], "unknown": True, "quote": row.quote},
                              source.id, mention_id)
            curate.bump(self.conn, self.change, match)
            self.history.append((match, "imported", "mention_rows", None, [mention_row]))
            self.touched.add(match)
            self.report.proposed += 1
            if self.keep_ids:
                self.report.ids.append((row.external_id or f"row {row.row}", match))
            self._plan(row, "proposed on", match, "it matches an existing event")
            return
        mentions = [self._mention(row, source)] if source is not None else []
        values = {"type": row.type, "title": row.title, "description": row.description, "status": row.status,
                  "place_id": self.lookups.place_id(self.conn, row.place, row.place_country, row.latitude, row.longitude),
                  "review": row.review, "confidence": row.confidence, "dataset": row.dataset, "external_id": row.external_id,
                  "external_version": row.external_version, "external_data": _data(row)}
        pairs = [(self.lookups.actor_id(self.conn, name), role) for name, role in actors]
        self.new.append((row, write.NewEvent(values, row.date, pairs, source.id if source else 0, mentions), unknown))
        self.report.created += 1

    def _insert(self) -> None:
        if not self.new:
            return
        batch, self.new = self.new, []
        ids = write.insert_events(self.conn, [ev for _, ev, _ in batch], self.lookups.tree.names)
        history = []
        for event_id, (row, ev, unknown) in zip(ids, batch):
            snapshot = {"type": row.type, "title": row.title, "date": row.date.edtf, "status": row.status, "place": row.place,
                        "description": row.description, "review": row.review, "actors": [[self.lookups.tree.names[a], r] for a, r in ev.actors],
                        "dataset": row.dataset, "external_id": row.external_id}
            history.append((event_id, "created", None, None, snapshot))
            for pair in unknown:
                write.propose(self.conn, self.change, event_id, "actors", {"actors": [pair], "unknown": True, "quote": row.quote})
            if self.keep_ids:
                self.report.ids.append((row.external_id or f"row {row.row}", event_id))
            if self.track and row.external_id is not None:
                self.created[row.external_id] = event_id
            self._plan(row, "created", event_id)
            if row.further:  # kpolicy's `export --full`: each further mention, in its own source
                counts: dict[str, int] = {}
                for slug, quote in row.further:
                    source = self.source_named(slug)
                    start, end = source.quote(quote)
                    write.add_mentions(self.conn, event_id, source.id, [MentionRecord(" ".join(quote.split("\n")), start, end,
                                                                                     type_rule="import:kpolicy")])
                    counts[source.slug] = counts.get(source.slug, 0) + 1
                history.extend((event_id, "mentioned", "mentions", None, {"source": slug, "count": n}) for slug, n in counts.items())
                self.touched.add(event_id)
        write.record_many(self.conn, self.change, history)

    # ---- deletions -----------------------------------------------------------------------------
    def delete(self, dataset: str, deletions: Iterable[Deletion]) -> None:
        e = schema.events
        self.flush()
        for item in deletions:
            found = self.conn.execute(sa.select(e.c.id, e.c.deleted_at).where(
                e.c.dataset == dataset, e.c.external_id == item.external_id, e.c.merged_into.is_(None))
                .order_by(e.c.deleted_at.is_not(None), e.c.id.desc())).first()  # the live event, else the newest
            if found is None:
                self.report.not_found += 1
                if self.report.dry_run:
                    self.report.plan.append(f"{item.file}: row {item.row}: {item.external_id} is not in the database; nothing to delete")
                continue
            if found.deleted_at is not None:
                self.report.unchanged += 1
                continue
            stamp = write.now()
            curate.bump(self.conn, self.change, found.id, {"deleted_at": stamp})
            write.record(self.conn, self.change, found.id, "deleted", "deleted_at", None, stamp.isoformat(sep=" "))
            self.report.deleted += 1
            if self.report.dry_run:
                self.report.plan.append(f"{item.file}: row {item.row}: deleted event {found.id} ({item.external_id})")

    # ---- further mentions (GDELT's mentions table) ------------------------------------------------
    def attach(self, mentions) -> None:
        """Each (external id, outlet, URL) of an event this import created becomes a further mention of it."""
        self.flush()
        if not self.created:
            for _ in mentions:  # still read: a bad line is reported either way
                pass
            return
        source = next(iter(self.sources.values()))
        touched, counts = set(), {}
        for external_id, outlet, url in mentions:
            event_id = self.created.get(external_id)
            if event_id is None:
                continue
            quote = f"{outlet}: {url}" if outlet else url
            start, end = source.quote(quote)
            write.add_mentions(self.conn, event_id, source.id, [MentionRecord(quote, start, end, type_rule="import:gdelt-mentions")])
            touched.add(event_id)
            counts[event_id] = counts.get(event_id, 0) + 1
        write.refresh(self.conn, touched)
        self.history.extend((event_id, "mentioned", "mentions", None, {"source": source.slug, "count": n})
                            for event_id, n in sorted(counts.items()))
        self.report.mentions += sum(counts.values())

    # ---- the end -------------------------------------------------------------------------------
    def finish(self) -> ImportReport:
        self.flush()
        if self.report.dry_run:  # in the file's order (new events are written, and planned, after the batch's matches)
            order = {f: i for i, f in enumerate(self.report.files)}

            def key(line: str):
                name, _, rest = line.partition(": row ")
                number = rest.split(":", 1)[0]
                return order.get(name, len(order)), int(number) if number.isdigit() else 0

            self.report.plan.sort(key=key)
        write.refresh(self.conn, self.touched)
        write.record_many(self.conn, self.change, self.history)
        for src in self.sources.values():
            if src.finish(self.conn):
                self.report.sources.append(src.slug)
        if not self.report.changed:
            # nothing imported: the change is not kept either (the same file twice is a no-op)
            self.conn.execute(schema.revisions.delete().where(schema.revisions.c.change_id == self.change))
            self.conn.execute(schema.changes.delete().where(schema.changes.c.id == self.change))
            self.report.change = None
        return self.report


def run(conn: Connection, dataset: str, files: list[str], rows: Iterable[ImportRow], *, deletions: Iterable[Deletion] = (),
        mentions=None, by: str | None = None, dry_run: bool = False, match: bool = True, keep_ids: bool = True) -> ImportReport:
    """Import `rows` (tombstone `deletions`, attach `mentions`) as one change in the caller's transaction."""
    importer = Importer(conn, dataset, files, by=by, dry_run=dry_run, match=match, keep_ids=keep_ids, track=mentions is not None)
    for row in rows:
        importer.add(row)
    importer.delete(dataset, deletions)
    if mentions is not None:
        importer.attach(mentions)
    return importer.finish()
