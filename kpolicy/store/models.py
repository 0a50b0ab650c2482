"""Typed ORM classes over the Core tables of kpolicy.store.schema, for library users: READ-ONLY.

The CLI's hot paths use Core directly; these classes are the convenient, typed way to
read and navigate the data from Python. They never write: every change goes through
kpolicy.store.write (derived columns, aggregates, history), and a Session that tries
to flush a change to these classes raises instead of bypassing it.

    from sqlalchemy.orm import Session
    with Session(engine) as session:
        event = session.get(Event, 1)
        print(event.title, [a.actor.name for a in event.actors])
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from kpolicy.store import schema


class Base(DeclarativeBase):
    metadata = schema.metadata


class EventType(Base):
    __table__ = schema.event_types

    code: Mapped[str]
    label: Mapped[str]
    family: Mapped[str]
    description: Mapped[str]


class Actor(Base):
    __table__ = schema.actors

    id: Mapped[int]
    name: Mapped[str]
    kind: Mapped[str]
    iso3: Mapped[str | None]
    parent_id: Mapped[int | None]

    parent: Mapped[Actor | None] = relationship(remote_side=lambda: [Actor.id], back_populates="children")
    children: Mapped[list[Actor]] = relationship(back_populates="parent")
    aliases: Mapped[list[ActorAlias]] = relationship(back_populates="actor", cascade="all, delete-orphan")


class ActorAlias(Base):
    __table__ = schema.actor_aliases

    id: Mapped[int]
    actor_id: Mapped[int]
    alias: Mapped[str]
    alias_key: Mapped[str]

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class Place(Base):
    __table__ = schema.places

    id: Mapped[int]
    name: Mapped[str]
    country: Mapped[str | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class Source(Base):
    __table__ = schema.sources

    id: Mapped[int]
    slug: Mapped[str]
    title: Mapped[str]
    author: Mapped[str | None]
    publisher: Mapped[str | None]
    published: Mapped[date]
    url: Mapped[str | None]
    sha256: Mapped[str]
    text: Mapped[str]
    ingested_at: Mapped[datetime]
    site: Mapped[str | None]
    removed_at: Mapped[datetime | None]

    mentions: Mapped[list[Mention]] = relationship(back_populates="source")


class Event(Base):
    __table__ = schema.events

    id: Mapped[int]
    type: Mapped[str]
    title: Mapped[str]
    description: Mapped[str | None]
    date: Mapped[str | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    precision: Mapped[str]
    status: Mapped[str]
    place_id: Mapped[int | None]
    review: Mapped[str]
    confidence: Mapped[float]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    span_class: Mapped[int]  # derived from the bounds by kpolicy.store.write.date_columns
    sort_key: Mapped[int]
    actor_names: Mapped[str | None]  # the timeline row's aggregates (kpolicy.store.write keeps them)
    first_mention_id: Mapped[int | None]
    version: Mapped[int]
    deleted_at: Mapped[datetime | None]
    merged_into: Mapped[int | None]
    dataset: Mapped[str | None]
    external_id: Mapped[str | None]
    external_version: Mapped[str | None]
    external_data: Mapped[str | None]

    event_type: Mapped[EventType] = relationship()
    place: Mapped[Place | None] = relationship()
    actors: Mapped[list[EventActor]] = relationship(back_populates="event", cascade="all, delete-orphan")
    mentions: Mapped[list[Mention]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by=lambda: Mention.id
    )


class EventActor(Base):
    __table__ = schema.event_actors

    event_id: Mapped[int]
    actor_id: Mapped[int]
    role: Mapped[str]

    event: Mapped[Event] = relationship(back_populates="actors")
    actor: Mapped[Actor] = relationship()


class Mention(Base):
    __table__ = schema.mentions

    id: Mapped[int]
    event_id: Mapped[int]
    source_id: Mapped[int]
    char_start: Mapped[int]
    char_end: Mapped[int]
    quote: Mapped[str]
    date_text: Mapped[str | None]
    date_anchor: Mapped[str | None]
    type_rule: Mapped[str | None]
    date_rule: Mapped[str | None]
    page: Mapped[int | None]
    extractor: Mapped[str | None]

    event: Mapped[Event] = relationship(back_populates="mentions")
    source: Mapped[Source] = relationship(back_populates="mentions")


class ReadOnlyModels(Exception):
    """Raised when a Session tries to write kpolicy's ORM classes."""


@sa_event.listens_for(Session, "before_flush")
def _refuse_writes(session: Session, _context, _instances) -> None:
    """Writes through the ORM would skip the write path's derived columns and history."""
    if any(isinstance(obj, Base) for obj in (*session.new, *session.dirty, *session.deleted)):
        raise ReadOnlyModels("kpolicy's ORM classes are read-only; change events through kpolicy.store.write "
                             "(or the kpolicy commands), which keep the derived columns and the history")
