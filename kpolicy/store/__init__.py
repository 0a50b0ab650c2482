"""The store: schema, opening and bootstrapping a database, and every write.

`schema` (SQLAlchemy Core tables), `db` (resolving --db, opening, creating an empty
database), `migrate` (Alembic, run from code), `bootstrap` (open-or-create, initialise,
seed), `write` (the one event write path: bounds, interval keys, stored aggregates,
search rows), `articles` (storing an article with ingest-side merging), `bulk` (many
distinct events at once), `annotations` (curated YAML), `models` (read-only ORM classes).
"""
