"""change_log: seq-ordered indexes per university and per department (the change feed's scope ranges)

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


def upgrade() -> None:
    op.create_index("ix_change_log_university", "change_log", [UNIVERSITY, "seq"], unique=False)
    op.create_index("ix_change_log_department", "change_log", [UNIVERSITY, DEPARTMENT, "seq"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE change_log")  # the planner's statistics of the new index expressions


def downgrade() -> None:
    op.drop_index("ix_change_log_department", table_name="change_log")
    op.drop_index("ix_change_log_university", table_name="change_log")
