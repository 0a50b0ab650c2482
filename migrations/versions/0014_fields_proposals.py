"""proposals of kind `fields`: a dataset's newer title, description, type, status or place

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Issue 21: an event an analyst has reviewed is never overwritten by a re-import; when the
dataset's newer row changes its title, description, type, status or place, those values
become one `fields` proposal on the event (`{"fields": {field: new}, "was": {field: old}}`),
which the analyst accepts or dismisses on the review desk or with `kpolicy review`.

The kind CHECK is widened in place, 0007's way: on SQLite the table's SQL is rewritten
(no rebuild), PostgreSQL drops and re-adds the constraint. Downgrading keeps every
proposal: a `fields` one becomes `conflict` (its value kept whole), which older kpolicy
shows as needing a look.
"""

from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_KIND = "kind IN ('date', 'actors', 'conflict')"
NEW_KIND = "kind IN ('date', 'actors', 'conflict', 'fields')"


def swap_kind_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE proposals DROP CONSTRAINT ck_proposals_kind")
        op.execute(f"ALTER TABLE proposals ADD CONSTRAINT ck_proposals_kind CHECK ({new})")
        return
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'proposals'").scalar_one()
    if old not in sql:
        raise RuntimeError(f"proposals has no constraint {old!r} to change; is this a kpolicy database at revision 0013?")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'proposals'", (sql.replace(old, new),))
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    swap_kind_check(OLD_KIND, NEW_KIND)


def downgrade() -> None:
    op.execute("UPDATE proposals SET kind = 'conflict' WHERE kind = 'fields'")
    swap_kind_check(NEW_KIND, OLD_KIND)
