"""change_log on PostgreSQL: the change feed's scope expressions indexed (their statistics for the planner)

Revision ID: 0005_change_log_scope
Revises: 0004_posts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_change_log_scope"
down_revision = "0004_posts"
branch_labels = None
depends_on = None

UNIVERSITY = sa.text("coalesce(university_id, 0)")
DEPARTMENT = sa.text("coalesce(department_id, 0)")


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    if not _postgresql():  # SQLite plans the feed from the seq index alone
        return
    op.create_index("ix_change_log_university", "change_log", [UNIVERSITY, "seq"], unique=False)
    op.create_index("ix_change_log_department", "change_log", [UNIVERSITY, DEPARTMENT, "seq"], unique=False)
    op.execute("ANALYZE change_log")  # the statistics of the new index expressions


def downgrade() -> None:
    if not _postgresql():
        return
    op.drop_index("ix_change_log_department", table_name="change_log")
    op.drop_index("ix_change_log_university", table_name="change_log")
