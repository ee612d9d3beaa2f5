"""graduate services: graduates, service sessions, attendance, the hardship
ledger; the city of a university and of a city account

Revision ID: 0002_graduates
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_graduates"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("university", schema=None) as batch_op:
        batch_op.add_column(sa.Column("city", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_university_city"), ["city"], unique=False)
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("city", sa.String(length=20), nullable=True))

    op.create_table(
        "graduate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.Integer(), nullable=False),
        sa.Column("graduation_date", sa.Date(), nullable=False),
        sa.Column("stay_intent", sa.String(length=20), nullable=False),
        sa.Column("preferred_cities", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("employment_status", sa.String(length=20), nullable=False),
        sa.Column("employment_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"]),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("student_id"),
    )
    with op.batch_alter_table("graduate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_graduate_university_id"), ["university_id"], unique=False)

    op.create_table(
        "service_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=20), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("serves", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_session_university_id"), ["university_id"], unique=False)

    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("graduate_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["graduate_id"], ["graduate.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["service_session.id"]),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_graduate_id"), ["graduate_id"], unique=False)
        batch_op.create_index("ix_attendance_session_graduate", ["session_id", "graduate_id"], unique=True)

    op.create_table(
        "hardship_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("graduate_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("officer_kind", sa.String(length=20), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("visits", sa.JSON(), nullable=False),
        sa.Column("subsidy", sa.JSON(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.ForeignKeyConstraint(["graduate_id"], ["graduate.id"]),
        sa.ForeignKeyConstraint(["university_id"], ["university.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hardship_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hardship_case_graduate_id"), ["graduate_id"], unique=False)


def downgrade() -> None:
    op.drop_table("hardship_case")
    op.drop_table("attendance")
    op.drop_table("service_session")
    op.drop_table("graduate")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("city")
    with op.batch_alter_table("university", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_university_city"))
        batch_op.drop_column("city")
