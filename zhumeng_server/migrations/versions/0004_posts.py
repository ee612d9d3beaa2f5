"""job posts and the posts pushed to graduates with their answers

Revision ID: 0004_posts
Revises: 0003_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_posts"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("owner_city", sa.String(length=20), nullable=True),
        sa.Column("employer", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.Column("salary_min", sa.Integer(), nullable=True),
        sa.Column("salary_max", sa.Integer(), nullable=True),
        sa.Column("majors", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("education", sa.String(length=20), nullable=False),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("verified_by", sa.String(length=64), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("job_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_post_university_id"), ["university_id"], unique=False)

    op.create_table(
        "post_push",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("graduate_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=300), nullable=False),
        sa.Column("pushed_on", sa.Date(), nullable=False),
        sa.Column("pushed_by", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["graduate_id"], ["graduate.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["job_post.id"]),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("post_push", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_push_post_id"), ["post_id"], unique=False)
        batch_op.create_index("ix_post_push_graduate_post", ["graduate_id", "post_id"], unique=True)


def downgrade() -> None:
    op.drop_table("post_push")
    op.drop_table("job_post")
