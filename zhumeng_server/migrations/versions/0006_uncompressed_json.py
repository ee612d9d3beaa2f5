"""PostgreSQL: the record JSON written by every change stored uncompressed

Revision ID: 0006_uncompressed_json
Revises: 0005_change_log_scope

A row over about 2 KB has its text compressed by PostgreSQL (pglz) before it
is stored. An application's JSON is about 1.8 KB, and every change writes it
three or four times (the row, the change log, the audit's before and after),
so a batch of a thousand review moves spent a third of the database's time
compressing. ``toast_tuple_target`` at its maximum keeps rows of up to 8 KB
whole and uncompressed; an idempotency record's remembered answer (megabytes
for a big batch) goes out of line without compression. The price is disk:
rows over 2 KB take about twice the space (the demo's change log grows by
15%, an application's audit event from 2.1 KB to 4.4 KB).
"""

from __future__ import annotations

from alembic import op

revision = "0006_uncompressed_json"
down_revision = "0005_change_log_scope"
branch_labels = None
depends_on = None

#: Tables whose rows carry a record's JSON.
TABLES = ("application", "change_log", "audit_event")
#: The largest ``toast_tuple_target`` PostgreSQL takes (a row that fits a page).
WHOLE_ROW = 8160


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if not _postgresql():  # SQLite stores text as it is
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (toast_tuple_target = {WHOLE_ROW})")
    op.execute("ALTER TABLE idempotency_key ALTER COLUMN body SET STORAGE EXTERNAL")


def downgrade() -> None:
    if not _postgresql():
        return
    op.execute("ALTER TABLE idempotency_key ALTER COLUMN body SET STORAGE EXTENDED")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (toast_tuple_target)")
