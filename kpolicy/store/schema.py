"""The database schema as SQLAlchemy Core tables: the single source of truth.

Core tables (not only ORM classes) let the query and bulk-write paths run on
`import sqlalchemy` alone, without the ORM's extra import time; kpolicy.store.models maps
typed ORM classes onto these same tables. Alembic's migrations must produce exactly
this metadata (tests/test_migrations.py checks it).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    LargeBinary,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false as sa_false,
)

# Bump with every migration; kpolicy refuses a database whose alembic_version differs
# (a newer one cannot be downgraded safely, an older one is upgraded by `kpolicy init`).
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012", "0013", "0014", "0015", "0016")  # oldest first; append one per migration
SCHEMA_REVISION = KNOWN_REVISIONS[-1]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

event_types = Table(
    "event_types",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("label", String(64), nullable=False),
    Column("family", String(32), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
)

actors = Table(
    "actors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("iso3", String(3)),
    Column("parent_id", Integer, ForeignKey("actors.id", ondelete="SET NULL"), index=True),
    # 0013: the authority file's facts (data/authority.yaml; the Wikidata id is the citation)
    Column("wikidata", String(16), index=True, unique=True),
    Column("cameo", String(16), index=True),
    Column("native", String(200)),
    Column("born", Date),
    Column("died", Date),
    # 'bundled' rows follow data/*.yaml on `kpolicy init`; 'analyst' rows (added or edited with
    # `kpolicy actors`) are never overwritten by it
    Column("origin", String(16), nullable=False, server_default="bundled"),
)

# 0013: an office held over time (its actor row is the office: "President of South Korea")
offices = Table(
    "offices",
    metadata,
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("state_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False),
)

office_terms = Table(
    "office_terms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", Integer, ForeignKey("offices.actor_id", ondelete="CASCADE"), nullable=False, index=True),
    Column("holder_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("acting", Boolean, nullable=False, server_default=sa_false()),
    UniqueConstraint("office_id", "start_date"),
)

actor_aliases = Table(
    "actor_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("alias", String(200), nullable=False),
    # lower-cased alias: one actor per spelling, looked up case-insensitively by an index
    Column("alias_key", String(200), nullable=False, unique=True),
)

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("country", String(3)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("wikidata", String(16), index=True, unique=True),  # 0013
    Column("origin", String(16), nullable=False, server_default="bundled"),  # 0013, as actors.origin
)

# 0013: the names texts use for a place, one place per spelling (lower-cased key)
place_aliases = Table(
    "place_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("place_id", Integer, ForeignKey("places.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("alias", String(200), nullable=False),
    Column("alias_key", String(200), nullable=False, unique=True),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("publisher", Text),
    Column("published", Date, nullable=False),
    Column("url", Text),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("ingested_at", DateTime, nullable=False),
    Column("site", Text),  # 0005: the web site or document origin from the file's own metadata
    Column("removed_at", DateTime),  # 0005: `sources remove` keeps the text, so the removal can be undone
    Column("published_precision", String(8), nullable=False, server_default="day"),  # 0011: 'day' or 'month'
    Column("published_from", Text),  # 0011: where the publication date came from (kpolicy.extract.publication)
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("type", String(32), ForeignKey("event_types.code"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("date", String(64)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("precision", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("place_id", Integer, ForeignKey("places.id", ondelete="SET NULL"), index=True),
    Column("review", String(16), nullable=False),
    Column("confidence", Float, nullable=False, server_default="1.0"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # interval index keys (kpolicy.dates.span_class / sort_key), filled on every write:
    # span_class buckets events by duration so a window-overlap query is one index range
    # per class; sort_key is the timeline order in one integer (undated last)
    Column("span_class", Integer, nullable=False),
    Column("sort_key", BigInteger, nullable=False),
    # the timeline row's aggregates, stored (migration 0004; kpolicy.store.write keeps them):
    # distinct actor names in code-point order '; '-joined, and the first mention's id
    Column("actor_names", Text),
    Column("first_mention_id", Integer),
    # curation (0005): bumped by every change (stale edits are refused); a tombstone keeps
    # its id forever; a merged-away event points at the one it went into (plain integers,
    # as first_mention_id: a self-reference would need a table rebuild on SQLite)
    Column("version", Integer, nullable=False, server_default="1"),
    Column("deleted_at", DateTime),
    Column("merged_into", Integer),
    # 0007: an imported event's dataset ('acled', 'gdelt', 'sheet'...), its id there and the row's version stamp
    Column("dataset", String(32)),
    Column("external_id", String(128)),
    Column("external_version", String(64)),
    Column("external_data", Text),  # 0008: the dataset row's own fields kpolicy has no column for (JSON)
    CheckConstraint("status IN ('occurred', 'expected', 'forecast')", name="status"),
    CheckConstraint("review IN ('reviewed', 'extracted', 'rejected', 'imported')", name="review"),
    CheckConstraint(
        "precision IN ('day', 'month', 'season', 'year', 'interval', 'open', 'unknown')", name="precision"
    ),
    CheckConstraint("start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name="bounds_ordered"),
    CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_range"),
)
Index("ix_events_span_start", events.c.span_class, events.c.start_date)
Index("ix_events_span_end", events.c.span_class, events.c.end_date)
# 0006: find_match's candidates of one type, their end date tested inside the index
Index("ix_events_type_span_start", events.c.type, events.c.span_class, events.c.start_date, events.c.end_date)
Index("ix_events_sort_key", events.c.sort_key, events.c.id)
Index("ix_events_review_id", events.c.review, events.c.id)
Index("ix_events_dataset_external_id", events.c.dataset, events.c.external_id)  # 0007

event_actors = Table(
    "event_actors",
    metadata,
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", Integer, ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    CheckConstraint("role IN ('initiator', 'target', 'participant')", name="role"),
)
Index("ix_event_actors_actor_event", event_actors.c.actor_id, event_actors.c.event_id)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("char_start", Integer, nullable=False),
    Column("char_end", Integer, nullable=False),
    Column("quote", Text, nullable=False),
    # how the date was obtained: the phrase as written and what it was resolved against
    Column("date_text", Text),
    Column("date_anchor", String(64)),
    # 0005: the extraction rules that gave the event's type and date, and a PDF's page (1-based)
    Column("type_rule", String(64)),
    Column("date_rule", String(64)),
    Column("page", Integer),
    # 0009: what produced the mention: 'rules', or the learned extractor's model id (NULL: curated)
    Column("extractor", String(80)),
    UniqueConstraint("event_id", "source_id", "char_start", "char_end"),
    CheckConstraint("char_start >= 0 AND char_start <= char_end", name="span_ordered"),
)


# ---- curation history (0005) ----------------------------------------------------------------

changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("by", String(200), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("reason", Text),
    Column("source_id", Integer),  # the source an ingest, seed or source removal was about
    Column("story_id", Integer),  # 0010: the story a story change was about
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_id", Integer, ForeignKey("changes.id"), nullable=False, index=True),
    Column("event_id", Integer, nullable=False),  # no foreign key: history outlives nothing, it is never deleted
    Column("action", String(32), nullable=False),
    Column("field", String(32)),
    Column("old_value", Text),  # JSON
    Column("new_value", Text),  # JSON
)
Index("ix_revisions_event_id_id", revisions.c.event_id, revisions.c.id)

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, nullable=False),
    Column("mention_id", Integer),
    Column("source_id", Integer),
    Column("kind", String(16), nullable=False),
    Column("value", Text, nullable=False),  # JSON: {"date": EDTF} or {"actors": [[name, role], ...]}
    Column("status", String(16), nullable=False, server_default="open", index=True),
    Column("created_change_id", Integer),
    Column("resolved_change_id", Integer),
    CheckConstraint("kind IN ('date', 'actors', 'conflict', 'fields')", name="kind"),  # 'fields': 0014
    CheckConstraint("status IN ('open', 'accepted', 'dismissed')", name="status"),
)
Index("ix_proposals_event_id_status", proposals.c.event_id, proposals.c.status)


# ---- learned extractor models (0009) ---------------------------------------------------------

extractor_models = Table(
    "extractor_models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_id", String(80), nullable=False, unique=True),  # the model's own id, as mentions record it
    Column("created_at", DateTime, nullable=False),
    Column("base", String(80)),  # the model it was retrained from (the shipped one's id)
    Column("metrics", Text, nullable=False),  # JSON: before/after figures on the held-out decisions, counts
    Column("model", Text, nullable=False),  # the model document (JSON, sealed with its sha256)
    Column("change_id", Integer),  # the `learn` change that stored it
)


# ---- stories (0010) ---------------------------------------------------------------------------------

stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("frozen_change", Integer),  # a published story's events are shown as of this change
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("deleted_at", DateTime),  # undoing a story's creation leaves a tombstone
)

story_blocks = Table(
    "story_blocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text),  # a heading's or paragraph's text; a saved query as written
    Column("event_id", Integer),  # no foreign key: a story shows a deleted event as deleted
    Column("filters", Text),  # a saved query's parsed filters (JSON)
    Column("since_change", Integer),  # the newest change when the block was written
    CheckConstraint("kind IN ('heading', 'text', 'event', 'query')", name="kind"),
)
Index("ix_story_blocks_story_id_position", story_blocks.c.story_id, story_blocks.c.position)
Index("ix_story_blocks_event_id", story_blocks.c.event_id)


# ---- people and desk sessions (0012; kpolicy.store.users) -----------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", Text, nullable=False),  # Argon2id of the token's secret; the token itself is never kept
    Column("created_at", DateTime, nullable=False),
    Column("token_at", DateTime, nullable=False),
    Column("disabled_at", DateTime),
    CheckConstraint("role IN ('reader', 'reviewer', 'admin')", name="role"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),  # SHA-256 of the cookie's random key
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False, index=True),
    Column("ended_at", DateTime),
    Column("working_on", String(200)),  # the last page the session opened (the history page's "who is working on what")
)


# ---- the ingest queue (0015; kpolicy.store.jobs) ------------------------------------------------------

ingest_jobs = Table(
    "ingest_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),  # the file's name (its suffix picks the reader)
    Column("path", Text, nullable=False),  # where it was queued from, for people reading the queue
    Column("file_sha256", String(64), nullable=False, unique=True),  # of the file's bytes: a file is queued once
    Column("content", LargeBinary, nullable=False),  # the file itself: a worker on another machine needs no shared folder
    Column("sidecar", LargeBinary),  # its NAME.meta.yaml, if it had one
    Column("options", Text, nullable=False),  # JSON: the manifest row, --published, --force
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),  # times a worker took it
    Column("claim", String(32)),  # the holding worker's random claim: only it may finish the job
    Column("worker", String(200)),  # host:pid of the worker that took it last
    Column("queued_at", DateTime, nullable=False),
    Column("queued_by", String(200), nullable=False),
    Column("started_at", DateTime),
    Column("lease_until", DateTime),  # a running job whose lease ran out is taken again (its worker died)
    Column("finished_at", DateTime),
    Column("reason", String(32)),  # why it failed (no-date, non-english, worker-died, error...)
    Column("message", Text),  # the failure's one line, or what was stored
    Column("source_id", Integer),  # the stored source (done)
    Column("change_id", Integer),  # the ingest change that stored it (done)
    CheckConstraint("status IN ('pending', 'running', 'failed', 'done')", name="status"),
)
Index("ix_ingest_jobs_status_id", ingest_jobs.c.status, ingest_jobs.c.id)
